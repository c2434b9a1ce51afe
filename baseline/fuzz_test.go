package baseline

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/report"
)

// FuzzParse feeds the baseline loader what a --baseline file may hold: a
// downloaded artifact or a file from the pull request, so anything. It
// must never panic; its errors are one printable line; a report it
// accepts has the current schema and fingerprint version, findings that
// are never null, survives a JSON round trip through the writer, and can
// be diffed against itself and against nothing.
func FuzzParse(f *testing.F) {
	good := &report.Report{
		Schema: report.Schema, Target: "http://127.0.0.1:8080", Score: 69, Grade: "D",
		Findings: []finding.Finding{mk("authn-missing", "/user"), mk("bola-cross-user-read", "/orders/{id}"), {Rule: "no-fingerprint", Path: "*"}},
		Gate:     report.Gate{FailUnder: 70, FailOn: "high", Reasons: []string{"x"}},
		Baseline: &report.Baseline{Score: 80, FixedFindings: []finding.Finding{mk("x", "/y")}},
	}
	var b bytes.Buffer
	if err := report.Write(&b, "json", good, report.Options{}); err != nil {
		f.Fatal(err)
	}
	f.Add(b.Bytes())
	for _, s := range []string{
		"",
		"   \n",
		"{}",
		"null",
		"[]",
		`"authgate/report/v1"`,
		`{"schema":null}`,
		`{"schema":1}`,
		`{"schema":"authgate/report/v0"}`,
		`{"schema":"authgate/report/v1"}`,
		`{"schema":"authgate/report/v1","findings":null}`,
		`{"schema":"authgate/report/v1","findings":{}}`,
		`{"schema":"authgate/report/v1","findings":[{"fingerprint":"v0:abc"}]}`,
		`{"schema":"authgate/report/v1","findings":[{"fingerprint":"nocolon"}]}`,
		`{"schema":"authgate/report/v1","findings":[{"severity":"urgent"}]}`,
		`{"schema":"authgate/report/v1","findings":[{"severity":7}]}`,
		`{"schema":"authgate/report/v1","findings":[{"confidence":"sure"}]}`,
		`{"schema":"authgate/report/v1","startedAt":"yesterday"}`,
		`{"schema":"authgate/report/v1","score":1e400}`,
		`{"schema":"authgate/report/v1","score":99999999999999999999}`,
		`{"schema":"authgate/report/v1","findings":[{"location":{"line":"x"}}]}`,
		`{"schema":"authgate/report/v1","findings":[{"evidence":{"exchanges":[{"requestHeaders":{"a":1}}]}}]}`,
		`{"schema":"authgate/report/v1","schema":"other"}`,
		`{"schema":"authgate/report/v1"}{"trailing":1}`,
		`{"schema":"authgate/report/v1",`,
		"{\"schema\":\"\x1b[2J##[error]x\\n::error::y\"}",
		`{"schema":"\u001b[2J ##[error]x \n::error::y \u202e"}`,
		"{\"schema\":\"authgate/report/v1\",\"findings\":[{\"rule\":\"\xff\xfe\",\"fingerprint\":\"v1:\u202e\"}]}",
		"\xef\xbb\xbf{\"schema\":\"authgate/report/v1\"}",
		`{"schema":"authgate/report/v1","findings":[` + strings.Repeat(`[`, 10001) + `]}`,
		`{"schema":"authgate/report/v1","x":` + strings.Repeat(`{"a":`, 500) + `1` + strings.Repeat(`}`, 500) + `}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := parse(data)
		if err != nil {
			if r != nil {
				t.Fatal("parse returned a report with an error")
			}
			checkErrorLine(t, err)
			return
		}
		if r.Schema != report.Schema || r.Findings == nil {
			t.Fatalf("accepted a report with schema %q and findings %v", r.Schema, r.Findings)
		}
		for _, fd := range r.Findings {
			if v, _, _ := strings.Cut(fd.Fingerprint, ":"); fd.Fingerprint != "" && v != finding.FingerprintVersion {
				t.Fatalf("accepted fingerprint %q", fd.Fingerprint)
			}
		}

		// What was accepted is written again and reads back as itself:
		// writing is a fixed point after one round.
		first := writeJSON(t, r)
		again, err := parse(first)
		if err != nil {
			t.Fatalf("an accepted baseline, written again, is refused: %v", err)
		}
		if second := writeJSON(t, again); !bytes.Equal(first, second) {
			t.Fatalf("a baseline changes each time it is written:\n%s\n%s", first, second)
		}

		self := Diff(r.Findings, r.Findings)
		if len(self.New) != 0 || len(self.Fixed) != 0 || len(self.Unchanged) != len(r.Findings) {
			t.Fatalf("a baseline diffed against itself: %d new, %d fixed, %d unchanged of %d",
				len(self.New), len(self.Fixed), len(self.Unchanged), len(r.Findings))
		}
		if d := Diff(r.Findings, nil); len(d.New) != 0 || len(d.Unchanged) != 0 || len(d.Fixed) > len(r.Findings) {
			t.Fatalf("a clean head against the baseline: %+v", d)
		}
	})
}

// checkErrorLine: Load's errors are printed as one line of a CI log, so
// they hold no line break and no control or format character, whatever
// the file holds. (Workflow commands in them are the printer's to break:
// see cli's bad-input test.)
func checkErrorLine(t *testing.T, err error) {
	t.Helper()
	msg := err.Error()
	if msg == "" {
		t.Fatal("empty error")
	}
	for _, r := range msg {
		if unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp) {
			t.Fatalf("error %q holds %U", msg, r)
		}
	}
	var syn *json.SyntaxError
	if errors.As(err, &syn) && !strings.Contains(msg, "not JSON at offset") {
		t.Fatalf("syntax error %q does not say where", msg)
	}
}

func writeJSON(t *testing.T, r *report.Report) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := report.Write(&b, "json", r, report.Options{}); err != nil {
		t.Fatalf("an accepted baseline cannot be written: %v", err)
	}
	return b.Bytes()
}
