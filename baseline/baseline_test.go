package baseline

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/report"
)

func mk(rule, path string) finding.Finding {
	return finding.Finding{
		Rule: rule, Severity: finding.SeverityHigh, Confidence: finding.ConfidenceHigh, Method: "GET", Path: path,
		Fingerprint: finding.Fingerprint(rule, "GET", path, "bearer"),
	}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadRoundTrip(t *testing.T) {
	want := &report.Report{
		Schema: report.Schema, Target: "http://127.0.0.1:8080", Score: 69, Grade: "D",
		Findings: []finding.Finding{mk("authn-missing", "/user")},
		Gate:     report.Gate{FailUnder: 70, FailOn: "high", Reasons: []string{"x"}},
	}
	var b strings.Builder
	if err := report.Write(&b, "json", want, report.Options{}); err != nil {
		t.Fatal(err)
	}
	got, err := Load(writeFile(t, "base.json", b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if got.Score != 69 || len(got.Findings) != 1 || got.Findings[0].Fingerprint != want.Findings[0].Fingerprint {
		t.Errorf("Load = %+v, want %+v", got, want)
	}
}

func TestLoadNullFindings(t *testing.T) {
	got, err := Load(writeFile(t, "base.json", `{"schema":"authgate/report/v1","findings":null}`))
	if err != nil {
		t.Fatal(err)
	}
	if got.Findings == nil {
		t.Error("Findings is nil, want empty")
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name    string
		content string // "" with missing: no file
		missing bool
		is      error
		want    []string
	}{
		{name: "not found", missing: true, is: fs.ErrNotExist, want: []string{"not found"}},
		{name: "empty", content: "  \n", want: []string{"empty"}},
		{name: "not JSON", content: "{\n  \"schema\": oops}", want: []string{"not JSON at offset 14 (line 2, column 13)", "invalid character 'o'"}},
		{name: "truncated", content: `{"schema": "authgate/report/v1"`, want: []string{"not JSON at offset 30", "unexpected end"}},
		{name: "no schema", content: `{"runs": []}`, is: ErrNotReport, want: []string{"no schema field", report.Schema}},
		{name: "other schema", content: `{"schema": "https://json.schemastore.org/sarif-2.1.0.json"}`, is: ErrNotReport,
			want: []string{`schema is "https://json.schemastore.org/sarif-2.1.0.json", want "authgate/report/v1"`}},
		{name: "array", content: `[1, 2]`, is: ErrNotReport, want: []string{"wrong type", "array at offset"}},
		{name: "wrong field type", content: `{"schema": "authgate/report/v1", "score": "high"}`, is: ErrNotReport, want: []string{"score has the wrong type"}},
		{name: "bad severity", content: `{"schema": "authgate/report/v1", "findings": [{"severity": "urgent"}]}`, want: []string{`unknown severity "urgent"`}},
		{name: "old fingerprints", content: `{"schema": "authgate/report/v1", "findings": [{"rule": "authn-missing", "fingerprint": "v0:abc"}]}`,
			want: []string{`fingerprints are version "v0"`, "make a new baseline"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "missing.json")
			if !tt.missing {
				path = writeFile(t, "base.json", tt.content)
			}
			r, err := Load(path)
			if err == nil {
				t.Fatalf("Load = %+v, want an error", r)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "baseline "+path+": ") {
				t.Errorf("error %q does not start by naming the file", msg)
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("error %q is more than one line", msg)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not say %q", msg, w)
				}
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %q is not %v", msg, tt.is)
			}
		})
	}
}

func TestDiff(t *testing.T) {
	a, b, c, d := mk("authn-missing", "/user"), mk("bola-cross-user-read", "/user"), mk("cookie-insecure", "*"), mk("authn-missing", "/admin")
	noFP := finding.Finding{Rule: "api-key-in-query", Method: "GET", Path: "/search"}
	tests := []struct {
		name                  string
		base, head            []finding.Finding
		newF, unchanged, fixd []finding.Finding
	}{
		{"no baseline findings", nil, []finding.Finding{a, b}, []finding.Finding{a, b}, nil, nil},
		{"nothing in head", []finding.Finding{a, b}, nil, nil, nil, []finding.Finding{a, b}},
		{"mixed", []finding.Finding{a, c, d}, []finding.Finding{b, a, c}, []finding.Finding{b}, []finding.Finding{a, c}, []finding.Finding{d}},
		{"duplicate in base is fixed once", []finding.Finding{d, d}, []finding.Finding{a}, []finding.Finding{a}, nil, []finding.Finding{d}},
		{"duplicate in head is reported twice", []finding.Finding{a}, []finding.Finding{a, a}, nil, []finding.Finding{a, a}, nil},
		{"without fingerprint matches by rule, method, path", []finding.Finding{noFP}, []finding.Finding{noFP}, nil, []finding.Finding{noFP}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			baseCopy := append([]finding.Finding(nil), tt.base...)
			headCopy := append([]finding.Finding(nil), tt.head...)
			res := Diff(tt.base, tt.head)

			check := func(what string, got, want []finding.Finding, status finding.Status) {
				t.Helper()
				if got == nil {
					t.Errorf("%s is nil, want a non-nil slice", what)
				}
				if len(got) != len(want) {
					t.Fatalf("%s = %d findings, want %d", what, len(got), len(want))
				}
				for i := range want {
					w := want[i]
					w.Status = status
					if !reflect.DeepEqual(got[i], w) {
						t.Errorf("%s[%d] = %+v, want %+v", what, i, got[i], w)
					}
				}
			}
			check("New", res.New, tt.newF, finding.StatusNew)
			check("Unchanged", res.Unchanged, tt.unchanged, finding.StatusExisting)
			check("Fixed", res.Fixed, tt.fixd, "")

			if !reflect.DeepEqual(tt.base, baseCopy) || !reflect.DeepEqual(tt.head, headCopy) {
				t.Error("Diff modified its inputs")
			}
		})
	}
}

func TestSuppress(t *testing.T) {
	a, b, c := mk("authn-missing", "/user"), mk("bola-cross-user-read", "/user"), mk("authn-missing", "/admin")
	noFP := finding.Finding{Rule: "api-key-in-query"}
	bare := func(ids ...string) []finding.Suppression {
		var out []finding.Suppression
		for _, id := range ids {
			if strings.Contains(id, ":") {
				out = append(out, finding.Suppression{Fingerprint: id})
			} else {
				out = append(out, finding.Suppression{Rule: id})
			}
		}
		return out
	}
	tests := []struct {
		name    string
		entries []finding.Suppression
		want    []finding.Finding
	}{
		{"nothing suppressed", nil, []finding.Finding{a, b, c, noFP}},
		{"by rule", bare("authn-missing"), []finding.Finding{b, noFP}},
		{"by fingerprint", bare(c.Fingerprint), []finding.Finding{a, b, noFP}},
		{"spaces trimmed", bare("  " + b.Fingerprint + " "), []finding.Finding{a, c, noFP}},
		{"empty entry matches no empty fingerprint", bare("", "  "), []finding.Finding{a, b, c, noFP}},
		{"unknown id", bare("no-such-rule"), []finding.Finding{a, b, c, noFP}},
		{"rule narrowed to a path", []finding.Suppression{{Rule: "authn-missing", Path: "/adm*", Reason: "r"}}, []finding.Finding{a, b, noFP}},
		{"rule narrowed to another method", []finding.Suppression{{Rule: "authn-missing", Method: "post", Reason: "r"}}, []finding.Finding{a, b, c, noFP}},
		{"rule narrowed to its method", []finding.Suppression{{Rule: "authn-missing", Method: "get", Path: "/user", Reason: "r"}}, []finding.Finding{b, c, noFP}},
		{"rule and another rule's fingerprint", []finding.Suppression{{Rule: "authn-missing", Fingerprint: b.Fingerprint, Reason: "r"}}, []finding.Finding{a, b, c, noFP}},
	}
	at := time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := []finding.Finding{a, b, c, noFP}
			kept, suppressed := Suppress(in, tt.entries, at)
			if !reflect.DeepEqual(kept, tt.want) {
				t.Errorf("kept %v, want %v", rules(kept), rules(tt.want))
			}
			if len(kept)+len(suppressed) != len(in) {
				t.Errorf("%d kept + %d suppressed, want %d in all", len(kept), len(suppressed), len(in))
			}
			for _, f := range suppressed {
				if f.Suppression == nil || f.Suppression.Expired {
					t.Errorf("suppressed %s carries %+v, want its entry in force", f.Rule, f.Suppression)
				}
			}
			if !reflect.DeepEqual(in, []finding.Finding{a, b, c, noFP}) {
				t.Error("Suppress modified its input")
			}
		})
	}
}

// TestSuppressExpiry: an entry suppresses through its until day (UTC) and
// not from the next midnight on; then the finding is kept with a note,
// unless another entry still in force matches it.
func TestSuppressExpiry(t *testing.T) {
	a := mk("authn-missing", "/user")
	entry := finding.Suppression{Fingerprint: a.Fingerprint, Reason: "legacy route, retired in June", Until: "2025-06-30"}
	for _, tt := range []struct {
		name        string
		at          time.Time
		entries     []finding.Suppression
		suppressed  bool
		wantExpired bool
	}{
		{"on the last day", time.Date(2025, 6, 30, 23, 59, 59, 0, time.UTC), []finding.Suppression{entry}, true, false},
		{"the last day in another zone", time.Date(2025, 7, 1, 1, 0, 0, 0, time.FixedZone("CEST", 2*3600)), []finding.Suppression{entry}, true, false},
		{"the next day", time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC), []finding.Suppression{entry}, false, true},
		{"a year later", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), []finding.Suppression{entry}, false, true},
		{"expired, but a bare entry still holds", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), []finding.Suppression{entry, {Rule: "authn-missing"}}, true, false},
		{"unparsable date fails closed", time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), []finding.Suppression{{Rule: "authn-missing", Reason: "r", Until: "soon"}}, false, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			kept, suppressed := Suppress([]finding.Finding{a}, tt.entries, tt.at)
			if got := len(suppressed) == 1; got != tt.suppressed {
				t.Fatalf("suppressed = %v, want %v", got, tt.suppressed)
			}
			if tt.suppressed {
				return
			}
			s := kept[0].Suppression
			if got := s != nil && s.Expired; got != tt.wantExpired {
				t.Errorf("kept finding's suppression %+v, want expired %v", s, tt.wantExpired)
			}
			if s != nil && s.Reason != tt.entries[0].Reason {
				t.Errorf("expired note lost the reason: %+v", s)
			}
		})
	}
}

func rules(fs []finding.Finding) []string {
	out := []string{}
	for _, f := range fs {
		out = append(out, f.Rule+" "+f.Path)
	}
	return out
}
