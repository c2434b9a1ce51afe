package report

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/authgate/authgate/finding"
)

// codeQualitySchemaFile is GitLab's documented report format as a schema,
// stricter than GitLab's own validation (see its $comment).
const codeQualitySchemaFile = "testdata/gitlab-codequality.schema.json"

var (
	codeQualitySchemaOnce sync.Once
	codeQualitySchemaDoc  *jsonschema.Schema
	codeQualitySchemaErr  error
)

func codeQualitySchema(t testing.TB) *jsonschema.Schema {
	t.Helper()
	codeQualitySchemaOnce.Do(func() {
		f, err := os.Open(codeQualitySchemaFile)
		if err != nil {
			codeQualitySchemaErr = err
			return
		}
		defer f.Close()
		doc, err := jsonschema.UnmarshalJSON(f)
		if err != nil {
			codeQualitySchemaErr = err
			return
		}
		c := jsonschema.NewCompiler()
		if err := c.AddResource("gitlab-codequality.schema.json", doc); err != nil {
			codeQualitySchemaErr = err
			return
		}
		codeQualitySchemaDoc, codeQualitySchemaErr = c.Compile("gitlab-codequality.schema.json")
	})
	if codeQualitySchemaErr != nil {
		t.Fatalf("%s: %v", codeQualitySchemaFile, codeQualitySchemaErr)
	}
	return codeQualitySchemaDoc
}

// cqIssue is what a test reads back of an issue.
type cqIssue struct {
	Type        string   `json:"type"`
	CheckName   string   `json:"check_name"`
	Description string   `json:"description"`
	Categories  []string `json:"categories"`
	Severity    string   `json:"severity"`
	Fingerprint string   `json:"fingerprint"`
	Location    struct {
		Path  string `json:"path"`
		Lines struct {
			Begin int `json:"begin"`
		} `json:"lines"`
	} `json:"location"`
}

// checkCodeQuality validates out against the documented format and checks
// what GitLab relies on beyond it: fingerprints unique (GitLab keys issues
// by them), descriptions on one line. It returns the issues.
func checkCodeQuality(t testing.TB, out []byte) []cqIssue {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("codequality output is not JSON: %v\n%s", err, out)
	}
	if err := codeQualitySchema(t).Validate(inst); err != nil {
		t.Fatalf("codequality output is not a valid GitLab Code Quality report: %v\n%s", err, out)
	}
	var issues []cqIssue
	if err := json.Unmarshal(out, &issues); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, is := range issues {
		if seen[is.Fingerprint] {
			t.Fatalf("fingerprint %q appears twice: GitLab would show one of them", is.Fingerprint)
		}
		seen[is.Fingerprint] = true
		if strings.ContainsAny(is.Description, "\r\n") {
			t.Fatalf("description spans lines: %q", is.Description)
		}
	}
	return issues
}

func TestCodeQualityGolden(t *testing.T) {
	tests := []struct {
		name string
		r    func() *Report
	}{
		{"report.codequality.json", fixture},
		{"passing.codequality.json", passingReport},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.r()
			out := write(t, "codequality", r)
			checkGolden(t, tt.name, out)
			checkCodeQuality(t, out)
			if !reflect.DeepEqual(r, tt.r()) {
				t.Error("Write modified the report")
			}
			if again := write(t, "codequality", r); !bytes.Equal(again, out) {
				t.Error("second Write differs")
			}
			if !bytes.HasSuffix(out, []byte("]\n")) || bytes.HasSuffix(out, []byte("\n\n")) {
				t.Errorf("output does not end in exactly one newline: %q", out[max(0, len(out)-5):])
			}
		})
	}
}

func TestCodeQualityEmpty(t *testing.T) {
	for name, r := range map[string]*Report{
		"no findings":         {},
		"nil slices":          {Findings: nil, Suppressed: nil},
		"only suppressed":     {Suppressed: fixture().Suppressed},
		"rules not requested": {Coverage: &finding.Coverage{Rules: []finding.RuleCoverage{{Rule: "session-fixation", Status: finding.RuleNotRun, Reason: "an active rule"}}}},
	} {
		t.Run(name, func(t *testing.T) {
			if out := string(write(t, "codequality", r)); out != "[]\n" {
				t.Errorf("got %q, want %q", out, "[]\n")
			}
		})
	}
}

func TestCodeQualityContent(t *testing.T) {
	r := fixture()
	issues := checkCodeQuality(t, write(t, "codequality", r))
	// Two findings, then bola-cross-user-read, which the inputs asked for
	// and could not run; the suppressed findings and the active rules that
	// safe mode did not run are not there.
	if len(issues) != 3 {
		t.Fatalf("%d issues, want 3: %+v", len(issues), issues)
	}
	authn, verbose, cov := issues[0], issues[1], issues[2]
	if authn.CheckName != "authn-missing" || authn.Severity != "critical" ||
		authn.Fingerprint != finding.Fingerprint("authn-missing", "GET", "/user", "bearer") ||
		authn.Description != "Protected operation answers without credentials: GET /user: anonymous GET /user?user_id=1 answered 200 with the same record as alice" {
		t.Errorf("authn-missing issue: %+v", authn)
	}
	// No location: the registered writer's fallback, the config file.
	if authn.Location.Path != ".authgate.yml" || authn.Location.Lines.Begin != 1 {
		t.Errorf("unlocated finding at %s:%d, want .authgate.yml:1", authn.Location.Path, authn.Location.Lines.Begin)
	}
	if verbose.CheckName != "verbose-error-disclosure" || verbose.Severity != "major" ||
		verbose.Location.Path != "app.py" || verbose.Location.Lines.Begin != 12 {
		t.Errorf("located finding: %+v", verbose)
	}
	if cov.CheckName != "authgate-coverage" || cov.Severity != "info" || cov.Fingerprint != "authgate-coverage/v1:bola-cross-user-read" ||
		!strings.Contains(cov.Description, "bola-cross-user-read could not run") || !strings.Contains(cov.Description, "refused bob") {
		t.Errorf("coverage issue: %+v", cov)
	}
	for _, is := range issues {
		if is.Type != "issue" || !reflect.DeepEqual(is.Categories, []string{"Security"}) {
			t.Errorf("issue %s: type %q categories %v, want Code Climate's issue/Security", is.CheckName, is.Type, is.Categories)
		}
		// No response content: the fixture's bodies carry an e-mail
		// address and its reproduction a token placeholder.
		for _, leak := range []string{"a@example.com", "curl", "<alice token>"} {
			if strings.Contains(is.Description, leak) {
				t.Errorf("issue %s carries %q: %s", is.CheckName, leak, is.Description)
			}
		}
	}
}

func TestCodeQualitySeverities(t *testing.T) {
	tests := []struct {
		sev  finding.Severity
		want string
	}{
		{finding.SeverityCritical, "blocker"},
		{finding.SeverityHigh, "critical"},
		{finding.SeverityMedium, "major"},
		{finding.SeverityLow, "minor"},
		{finding.SeverityInfo, "info"},
		// A hand-edited report: clamped, never an empty severity.
		{finding.SeverityCritical + 3, "blocker"},
		{finding.SeverityInfo - 2, "info"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			r := &Report{Findings: []finding.Finding{{Rule: "authn-missing", Method: "GET", Path: "/a", Fingerprint: "v1:a", Severity: tt.sev}}}
			issues := checkCodeQuality(t, write(t, "codequality", r))
			if len(issues) != 1 || issues[0].Severity != tt.want {
				t.Errorf("severity %d: got %+v, want %s", tt.sev, issues, tt.want)
			}
		})
	}
}

func TestCodeQualityLocations(t *testing.T) {
	r := &Report{Findings: []finding.Finding{
		{Rule: "r", Method: "GET", Path: "/none", Fingerprint: "v1:none"},
		{Rule: "r", Method: "GET", Path: "/empty", Fingerprint: "v1:empty", Location: &finding.Location{}},
		{Rule: "r", Method: "GET", Path: "/root", Fingerprint: "v1:root", Location: &finding.Location{File: "/", Line: 3}},
		{Rule: "r", Method: "GET", Path: "/outside", Fingerprint: "v1:outside", Location: &finding.Location{File: "../other/app.py", Line: 3}},
		{Rule: "r", Method: "GET", Path: "/whole", Fingerprint: "v1:whole", Location: &finding.Location{File: "api.py", Line: 0}},
		{Rule: "r", Method: "GET", Path: "/win", Fingerprint: "v1:win", Location: &finding.Location{File: `src\app.py`, Line: 9}},
		{Rule: "r", Method: "GET", Path: "/dot", Fingerprint: "v1:dot", Location: &finding.Location{File: "./src/../app.py", Line: -4}},
	}}
	want := map[string]string{
		"/none": "FB", "/empty": "FB", "/root": "FB", "/outside": "FB",
		"/whole": "api.py:1", "/win": "src/app.py:9", "/dot": "app.py:1",
	}
	for _, tt := range []struct {
		name     string
		fallback finding.Location
		want     string
	}{
		{"no fallback", finding.Location{}, ".authgate.yml:1"},
		{"spec", finding.Location{File: "./api/openapi.yaml", Line: 1}, "api/openapi.yaml:1"},
		{"spec line 0", finding.Location{File: `api\openapi.yaml`}, "api/openapi.yaml:1"},
		{"fallback outside", finding.Location{File: "../x.yaml", Line: 5}, ".authgate.yml:1"},
		{"fallback dot", finding.Location{File: "."}, ".authgate.yml:1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteCodeQuality(&b, r, tt.fallback); err != nil {
				t.Fatal(err)
			}
			for _, is := range checkCodeQuality(t, b.Bytes()) {
				_, path, _ := strings.Cut(is.Description, "GET ")
				got := is.Location.Path + ":" + strconv.Itoa(is.Location.Lines.Begin)
				w := want[path]
				if w == "FB" {
					w = tt.want
				}
				if got != w {
					t.Errorf("GET %s at %s, want %s", path, got, w)
				}
			}
		})
	}
}

func TestCodeQualityFingerprints(t *testing.T) {
	base := finding.Finding{Rule: "authn-missing", Title: "t", Method: "GET", Path: "/a", Severity: finding.SeverityMedium}
	high := base
	high.Severity = finding.SeverityHigh
	high.Fingerprint = "v1:dup"
	medium := base
	medium.Fingerprint = "v1:dup"
	medium.Path = "/b"
	unset := base
	unset.Path = "/c"
	r := &Report{Findings: []finding.Finding{medium, unset, high}}
	issues := checkCodeQuality(t, write(t, "codequality", r))
	if len(issues) != 2 {
		t.Fatalf("%d issues, want 2 (one per fingerprint): %+v", len(issues), issues)
	}
	// The duplicate keeps its most severe finding.
	if issues[0].Fingerprint != "v1:dup" || issues[0].Severity != "critical" || !strings.Contains(issues[0].Description, "GET /a") {
		t.Errorf("duplicate fingerprint kept %+v, want the high finding", issues[0])
	}
	// A report without a fingerprint gets one derived from the finding's
	// identity, the same every run.
	if want := finding.Fingerprint("authn-missing", "GET", "/c", ""); issues[1].Fingerprint != want {
		t.Errorf("derived fingerprint %q, want %q", issues[1].Fingerprint, want)
	}
}

func TestCodeQualityIncomplete(t *testing.T) {
	r := fixture()
	r.Incomplete = "budget of 500 requests reached"
	issues := checkCodeQuality(t, write(t, "codequality", r))
	last := issues[len(issues)-1]
	if last.CheckName != "authgate-incomplete" || last.Severity != "info" || !strings.Contains(last.Description, "budget of 500 requests reached") {
		t.Errorf("incomplete scan's issue: %+v", last)
	}
}

func TestCodeQualityHostileContent(t *testing.T) {
	for name, r := range map[string]*Report{"hostile": hostile(), "hostile xml": hostileXML()} {
		t.Run(name, func(t *testing.T) {
			out := write(t, "codequality", r)
			assertNoRawControls(t, out)
			issues := checkCodeQuality(t, out)
			if len(issues) == 0 {
				t.Fatal("no issues")
			}
			for _, is := range issues {
				if strings.Contains(is.Description, "\x1b") || strings.Contains(is.Description, "\u202e") {
					t.Errorf("description keeps a terminal or bidi control: %q", is.Description)
				}
				// A hostile location is a path like any other, or the
				// fallback: never absolute, never outside the repository.
				if p := is.Location.Path; strings.HasPrefix(p, "/") || strings.HasPrefix(p, "../") {
					t.Errorf("path %q leaves the repository", p)
				}
			}
		})
	}
}

func TestWriteCodeQualityNilReport(t *testing.T) {
	if err := WriteCodeQuality(&bytes.Buffer{}, nil, finding.Location{}); err == nil {
		t.Error("no error for a nil report")
	}
}

func TestCodeQualityFormatListed(t *testing.T) {
	var b bytes.Buffer
	err := Write(&b, "gitlab", fixture(), Options{})
	if err == nil || !strings.Contains(err.Error(), "codequality") {
		t.Errorf("an unknown format's error does not list codequality: %v", err)
	}
	if f, ok := FormatFromPath("gl-code-quality-report.json"); !ok || f != "json" {
		t.Errorf(".json infers %q, %v; want json (codequality is named, never inferred)", f, ok)
	}
}

// TestCodeQualitySchemaRejects keeps the schema honest: each of these
// breaks what GitLab documents, and the schema must say so.
func TestCodeQualitySchemaRejects(t *testing.T) {
	good := `{"description":"d","check_name":"c","fingerprint":"f","severity":"major","location":{"path":"a.py","lines":{"begin":1}}}`
	if err := validateCodeQuality(t, "["+good+"]"); err != nil {
		t.Fatalf("a documented example does not validate: %v", err)
	}
	for name, doc := range map[string]string{
		"not an array":        good,
		"no description":      strings.Replace(good, `"description":"d",`, "", 1),
		"no check_name":       strings.Replace(good, `"check_name":"c",`, "", 1),
		"no fingerprint":      strings.Replace(good, `"fingerprint":"f",`, "", 1),
		"authgate severity":   strings.Replace(good, `"major"`, `"high"`, 1),
		"no path":             strings.Replace(good, `"path":"a.py",`, "", 1),
		"empty path":          strings.Replace(good, `"a.py"`, `""`, 1),
		"dot-slash path":      strings.Replace(good, `"a.py"`, `"./a.py"`, 1),
		"absolute path":       strings.Replace(good, `"a.py"`, `"/a.py"`, 1),
		"line 0":              strings.Replace(good, `"begin":1`, `"begin":0`, 1),
		"line as a string":    strings.Replace(good, `"begin":1`, `"begin":"1"`, 1),
		"no lines":            strings.Replace(good, `,"lines":{"begin":1}`, "", 1),
		"numeric fingerprint": strings.Replace(good, `"fingerprint":"f"`, `"fingerprint":7`, 1),
	} {
		t.Run(name, func(t *testing.T) {
			if name != "not an array" {
				doc = "[" + doc + "]"
			}
			if validateCodeQuality(t, doc) == nil {
				t.Errorf("schema accepts %s", doc)
			}
		})
	}
}

func validateCodeQuality(t *testing.T, doc string) error {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	return codeQualitySchema(t).Validate(inst)
}

// TestCodeQualityReservedFingerprints: a hand-edited report whose findings
// carry the fingerprints of authgate's own info issues still gives unique
// fingerprints, the findings kept.
func TestCodeQualityReservedFingerprints(t *testing.T) {
	r := fixture()
	r.Incomplete = "interrupted"
	r.Findings = append(r.Findings,
		finding.Finding{Rule: "authn-missing", Method: "GET", Path: "/x", Fingerprint: "authgate-incomplete/v1"},
		finding.Finding{Rule: "authn-missing", Method: "GET", Path: "/y", Fingerprint: "authgate-coverage/v1:bola-cross-user-read"},
	)
	issues := checkCodeQuality(t, write(t, "codequality", r))
	checks := map[string]string{}
	for _, is := range issues {
		checks[is.Fingerprint] = is.CheckName
	}
	if len(issues) != 4 || checks["authgate-incomplete/v1"] != "authn-missing" || checks["authgate-coverage/v1:bola-cross-user-read"] != "authn-missing" {
		t.Errorf("issues %+v", issues)
	}
}
