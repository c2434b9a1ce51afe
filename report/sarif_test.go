package report

import (
	"bytes"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/authgate/authgate/finding"
)

// sarifSchemaFile is the official OASIS SARIF 2.1.0 JSON schema (errata01,
// $id https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json),
// copied unchanged from github.com/oasis-tcs/sarif-spec, file
// Schemata/sarif-schema-2.1.0.json at commit
// 0a8091f7d4057e57b6d8d9b56129e5f918747b34. Tests read it from disk: no
// network.
const sarifSchemaFile = "testdata/sarif-schema-2.1.0.json"

// passingReport is the fixture with no findings and a passed gate, as the
// existing golden tests build it.
func passingReport() *Report {
	r := fixture()
	r.Findings = nil
	r.Baseline = nil
	r.Score, r.Grade = 100, "A"
	r.Gate = Gate{Passed: true, FailUnder: 70, FailOn: "high"}
	r.Coverage = cleanCoverage()
	r.Suppressed = nil
	return r
}

// checkGolden compares out with testdata/name, rewriting it under -update.
func checkGolden(t *testing.T, name string, out []byte) {
	t.Helper()
	golden := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(golden, out, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./report -update to create it)", err)
	}
	if !bytes.Equal(out, want) {
		t.Errorf("output differs from %s (run with -update to accept):\n%s", golden, out)
	}
}

func write(t *testing.T, format string, r *Report) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, format, r, Options{}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestNewFormatsGolden(t *testing.T) {
	tests := []struct {
		name   string
		format string
		r      func() *Report
	}{
		{"report.sarif", "sarif", fixture},
		{"passing.sarif", "sarif", passingReport},
		{"report.junit.xml", "junit", fixture},
		{"passing.junit.xml", "junit", passingReport},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.r()
			out := write(t, tt.format, r)
			checkGolden(t, tt.name, out)
			if !reflect.DeepEqual(r, tt.r()) {
				t.Error("Write modified the report")
			}
			if again := write(t, tt.format, r); !bytes.Equal(again, out) {
				t.Error("second Write differs")
			}
			if !bytes.HasSuffix(out, []byte(">\n")) && !bytes.HasSuffix(out, []byte("}\n")) || bytes.HasSuffix(out, []byte("\n\n")) {
				t.Errorf("output does not end in exactly one newline: %q", out[max(0, len(out)-5):])
			}
		})
	}
}

// sarifSchema compiles the vendored SARIF schema once per test.
func sarifSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(sarifSchemaFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("parse %s: %v", sarifSchemaFile, err)
	}
	c := jsonschema.NewCompiler()
	// Formats (uri, uri-reference, date-time) are checked too: GitHub
	// rejects a SARIF file whose URIs do not parse.
	c.AssertFormat()
	if err := c.AddResource("sarif-schema-2.1.0.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatalf("compile %s: %v", sarifSchemaFile, err)
	}
	return s
}

func TestSARIFSchemaValid(t *testing.T) {
	schema := sarifSchema(t)
	noLocation := fixture()
	noLocation.Findings = append(noLocation.Findings, finding.Finding{
		Rule: "not-in-catalog", Title: "future rule", Severity: finding.SeverityLow, Method: "POST", Path: "*",
		Fingerprint: "v1:future", Location: &finding.Location{File: `dir\with space\ünï.py`, Line: 0},
	})
	tests := []struct {
		name string
		r    *Report
	}{
		{"fixture", fixture()},
		{"passing", passingReport()},
		{"hostile", hostile()},
		{"hostile xml", hostileXML()},
		{"unknown rule and odd file", noLocation},
		{"empty report", &Report{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := write(t, "sarif", tt.r)
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
			if err != nil {
				t.Fatal(err)
			}
			if err := schema.Validate(doc); err != nil {
				t.Errorf("SARIF output does not validate: %v\n%s", err, out)
			}
		})
	}
}

// TestSARIFEveryResultHasPhysicalLocation: GitHub code scanning rejects the
// whole upload when one result lacks a physical location, so every result
// of a report with unlocated findings has an artifact URI, with or without
// a fallback from the caller, and a region only when it starts at line 1
// or later.
func TestSARIFEveryResultHasPhysicalLocation(t *testing.T) {
	schema := sarifSchema(t)
	unlocated := func() *Report {
		r := fixture()
		r.Findings = append(r.Findings,
			finding.Finding{Rule: "authn-missing", Method: "POST", Path: "/a", Fingerprint: "v1:a"},
			finding.Finding{Rule: "authn-missing", Method: "PUT", Path: "/b", Fingerprint: "v1:b", Location: &finding.Location{}},
			finding.Finding{Rule: "authn-missing", Method: "GET", Path: "/c", Fingerprint: "v1:c", Location: &finding.Location{File: "/", Line: -3}},
			finding.Finding{Rule: "authn-missing", Method: "GET", Path: "/d", Fingerprint: "v1:d", Location: &finding.Location{File: "api.py", Line: -1}},
		)
		return r
	}
	tests := []struct {
		name     string
		fallback finding.Location
		wantURI  string
		wantLine int // 0: no region
	}{
		{"no fallback", finding.Location{}, ".authgate.yml", 0},
		{"fallback file", finding.Location{File: `api\openapi.yaml`}, "api/openapi.yaml", 0},
		{"fallback line", finding.Location{File: "./openapi.yaml", Line: 7}, "openapi.yaml", 7},
		{"fallback negative line", finding.Location{File: "openapi.yaml", Line: -2}, "openapi.yaml", 0},
		{"fallback root", finding.Location{File: "/", Line: 4}, ".authgate.yml", 0},
		{"fallback dot", finding.Location{File: "."}, ".authgate.yml", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := unlocated()
			var b bytes.Buffer
			if err := WriteSARIF(&b, r, tt.fallback); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(r, unlocated()) {
				t.Error("WriteSARIF modified the report")
			}
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			if err := schema.Validate(doc); err != nil {
				t.Errorf("SARIF output does not validate: %v", err)
			}
			res := parseSARIF(t, b.Bytes()).Runs[0].Results
			if len(res) != len(r.Findings)+len(r.Suppressed) {
				t.Fatalf("want %d results, got %d", len(r.Findings)+len(r.Suppressed), len(res))
			}
			fallbacks := 0
			for i, re := range res {
				if len(re.Locations) == 0 || re.Locations[0].PhysicalLocation == nil || re.Locations[0].PhysicalLocation.ArtifactLocation.URI == "" {
					t.Errorf("result %d (%s %s) has no physicalLocation.artifactLocation.uri: %+v", i, re.Properties.Method, re.Properties.Path, re.Locations)
					continue
				}
				pl := re.Locations[0].PhysicalLocation
				if pl.Region != nil && pl.Region.StartLine < 1 {
					t.Errorf("result %d has startLine %d", i, pl.Region.StartLine)
				}
				if len(re.Locations[0].LogicalLocations) == 0 {
					continue // located finding
				}
				fallbacks++
				if op := re.Properties.Method + " " + re.Properties.Path; re.Locations[0].LogicalLocations[0].FullyQualifiedName != op {
					t.Errorf("result %d logical location %+v, want %q", i, re.Locations[0].LogicalLocations, op)
				}
				gotLine := 0
				if pl.Region != nil {
					gotLine = pl.Region.StartLine
				}
				if pl.ArtifactLocation.URI != tt.wantURI || gotLine != tt.wantLine {
					t.Errorf("result %d at %q line %d, want %q line %d", i, pl.ArtifactLocation.URI, gotLine, tt.wantURI, tt.wantLine)
				}
			}
			// GET /user and the three without a usable file; api.py with
			// an unknown line is located, at the whole file.
			// The two suppressed findings have no file either.
			if fallbacks != 4+len(r.Suppressed) {
				t.Errorf("%d results at the fallback, want %d", fallbacks, 4+len(r.Suppressed))
			}
		})
	}
}

func TestWriteSARIFNilReport(t *testing.T) {
	if err := WriteSARIF(&bytes.Buffer{}, nil, finding.Location{}); err == nil {
		t.Error("WriteSARIF(nil) returned no error")
	}
}

// TestSARIFSchemaRejects proves the schema check can fail.
func TestSARIFSchemaRejects(t *testing.T) {
	schema := sarifSchema(t)
	for name, doc := range map[string]string{
		"wrong version":   `{"version":"2.0.0","runs":[]}`,
		"level":           `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"a"}},"results":[{"message":{"text":"x"},"level":"critical"}]}]}`,
		"unknown member":  `{"version":"2.1.0","runs":[],"extra":1}`,
		"negative line":   `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"a"}},"results":[{"message":{"text":"x"},"locations":[{"physicalLocation":{"region":{"startLine":0}}}]}]}]}`,
		"missing message": `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"a"}},"results":[{"ruleId":"x"}]}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			v, err := jsonschema.UnmarshalJSON(strings.NewReader(doc))
			if err != nil {
				t.Fatal(err)
			}
			if schema.Validate(v) == nil {
				t.Errorf("schema accepted %s", doc)
			}
		})
	}
}

// sarifDoc is the part of a SARIF log the tests look at.
type sarifDoc struct {
	Schema  string `json:"$schema"`
	Version string `json:"version"`
	Runs    []struct {
		Tool struct {
			Driver struct {
				Name, Version, InformationURI string
				Rules                         []struct {
					ID, Name, HelpURI                 string
					ShortDescription, FullDescription struct{ Text string }
					Help                              struct{ Text, Markdown string }
					DefaultConfiguration              struct{ Level string }
					Properties                        struct {
						Tags             []string
						SecuritySeverity string `json:"security-severity"`
					}
				}
			}
		}
		Results []struct {
			RuleID              string
			RuleIndex           int
			Level               string
			Message             struct{ Text string }
			PartialFingerprints map[string]string
			BaselineState       string
			Locations           []struct {
				PhysicalLocation *struct {
					ArtifactLocation struct{ URI string }
					Region           *struct{ StartLine int }
				}
				LogicalLocations []struct{ FullyQualifiedName, Kind string }
			}
			Properties struct {
				Method, Path, Confidence, OWASP, CWE, Status string
				Reproduce                                    []string
			}
		}
	}
}

func parseSARIF(t *testing.T, out []byte) sarifDoc {
	t.Helper()
	var d sarifDoc
	if err := json.Unmarshal(out, &d); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	if len(d.Runs) != 1 {
		t.Fatalf("want one run, got %d", len(d.Runs))
	}
	return d
}

func TestSARIFContent(t *testing.T) {
	r := fixture()
	r.Suppressed = nil // see TestSARIFSuppressionsAndCoverage
	out := write(t, "sarif", r)
	d := parseSARIF(t, out)
	if d.Schema != sarifSchemaURI || d.Version != "2.1.0" {
		t.Errorf("$schema %q version %q", d.Schema, d.Version)
	}
	drv := d.Runs[0].Tool.Driver
	if drv.Name != "authgate" || drv.Version != "1.0.0" || drv.InformationURI != "https://github.com/authgate/authgate" {
		t.Errorf("driver = %+v", drv)
	}
	if len(drv.Rules) != 2 || drv.Rules[0].ID != "authn-missing" || drv.Rules[1].ID != "verbose-error-disclosure" {
		t.Fatalf("rules not the fixture's two, sorted: %+v", drv.Rules)
	}
	authn := drv.Rules[0]
	info, _ := finding.Lookup("authn-missing")
	if authn.ShortDescription.Text != info.Title || authn.Name != "AuthnMissing" ||
		authn.DefaultConfiguration.Level != "error" || authn.Properties.SecuritySeverity != "8.0" ||
		!strings.Contains(authn.Help.Text, info.Remediation) ||
		!strings.Contains(authn.Help.Markdown, "(https://github.com/authgate/authgate/blob/main/docs/rules/authn-missing.md)") ||
		authn.HelpURI != "https://github.com/authgate/authgate/blob/main/docs/rules/authn-missing.md" {
		t.Errorf("authn-missing rule = %+v", authn)
	}
	if want := []string{"security", "CWE-306", "external/cwe/cwe-306", "API2:2023"}; !reflect.DeepEqual(authn.Properties.Tags, want) {
		t.Errorf("tags = %v, want %v", authn.Properties.Tags, want)
	}
	if got := drv.Rules[1].Properties.SecuritySeverity; got != "5.5" {
		t.Errorf("medium rule security-severity = %q", got)
	}

	res := d.Runs[0].Results
	if len(res) != 2 {
		t.Fatalf("want 2 results, got %d", len(res))
	}
	for _, r := range res {
		if drv.Rules[r.RuleIndex].ID != r.RuleID {
			t.Errorf("result %s has ruleIndex %d pointing at %s", r.RuleID, r.RuleIndex, drv.Rules[r.RuleIndex].ID)
		}
		if len(r.Locations) != 1 {
			t.Errorf("result %s has %d locations", r.RuleID, len(r.Locations))
		}
	}
	first, second := res[0], res[1]
	if first.RuleID != "authn-missing" || first.Level != "error" || first.BaselineState != "new" ||
		first.PartialFingerprints["authgate/v1"] != finding.Fingerprint("authn-missing", "GET", "/user", "bearer") ||
		first.Message.Text != "Protected operation answers without credentials: GET /user: anonymous GET /user?user_id=1 answered 200 with the same record as alice" {
		t.Errorf("first result = %+v", first)
	}
	// No location: the default fallback file as a whole, the operation as
	// a logical location.
	if loc := first.Locations[0]; loc.PhysicalLocation == nil || loc.PhysicalLocation.ArtifactLocation.URI != ".authgate.yml" ||
		loc.PhysicalLocation.Region != nil || len(loc.LogicalLocations) != 1 ||
		loc.LogicalLocations[0].FullyQualifiedName != "GET /user" || loc.LogicalLocations[0].Kind != "function" {
		t.Errorf("first location = %+v", loc)
	}
	if p := first.Properties; p.Method != "GET" || p.Path != "/user" || p.Confidence != "high" || p.OWASP != "API2:2023" ||
		p.CWE != "CWE-306" || p.Status != "new" || len(p.Reproduce) != 2 {
		t.Errorf("first properties = %+v", p)
	}
	if second.Level != "warning" || second.BaselineState != "unchanged" {
		t.Errorf("second result = %+v", second)
	}
	if loc := second.Locations[0]; loc.PhysicalLocation == nil || loc.PhysicalLocation.ArtifactLocation.URI != "app.py" ||
		loc.PhysicalLocation.Region == nil || loc.PhysicalLocation.Region.StartLine != 12 || loc.LogicalLocations != nil {
		t.Errorf("second location = %+v", loc)
	}
}

func TestSARIFLevels(t *testing.T) {
	tests := []struct {
		sev      finding.Severity
		level    string
		severity string
	}{
		{finding.SeverityCritical, "error", "9.5"},
		{finding.SeverityHigh, "error", "8.0"},
		{finding.SeverityMedium, "warning", "5.5"},
		{finding.SeverityLow, "note", "3.0"},
		{finding.SeverityInfo, "note", "0.0"},
	}
	for _, tt := range tests {
		t.Run(tt.sev.String(), func(t *testing.T) {
			r := &Report{Findings: []finding.Finding{{Rule: "custom-rule", Severity: tt.sev, Method: "GET", Path: "/"}}}
			d := parseSARIF(t, write(t, "sarif", r))
			rule, res := d.Runs[0].Tool.Driver.Rules[0], d.Runs[0].Results[0]
			if res.Level != tt.level || rule.DefaultConfiguration.Level != tt.level || rule.Properties.SecuritySeverity != tt.severity {
				t.Errorf("level %q default %q security-severity %q, want %q %q", res.Level, rule.DefaultConfiguration.Level, rule.Properties.SecuritySeverity, tt.level, tt.severity)
			}
		})
	}
}

// TestSARIFRuleSeverityIsWorst: GitHub shows the rule's severity, so a
// rule with a critical and a low finding is critical.
func TestSARIFRuleSeverityIsWorst(t *testing.T) {
	r := &Report{Findings: []finding.Finding{
		{Rule: "authn-missing", Severity: finding.SeverityLow, Path: "/a"},
		{Rule: "authn-missing", Severity: finding.SeverityCritical, Path: "/b"},
	}}
	d := parseSARIF(t, write(t, "sarif", r))
	rules := d.Runs[0].Tool.Driver.Rules
	if len(rules) != 1 || rules[0].Properties.SecuritySeverity != "9.5" || rules[0].DefaultConfiguration.Level != "error" {
		t.Errorf("rules = %+v", rules)
	}
	if res := d.Runs[0].Results; res[0].RuleIndex != 0 || res[1].RuleIndex != 0 || res[0].Level != "error" || res[1].Level != "note" {
		t.Errorf("results = %+v", res)
	}
}

func TestSARIFEmptyArrays(t *testing.T) {
	out := string(write(t, "sarif", &Report{Findings: []finding.Finding{{Rule: "x"}}}))
	if strings.Contains(out, "null") {
		t.Errorf("output contains null:\n%s", out)
	}
	for _, field := range []string{`"reproduce": []`, `"results": [`} {
		if !strings.Contains(out, field) {
			t.Errorf("output lacks %s", field)
		}
	}
	if out := string(write(t, "sarif", &Report{})); !strings.Contains(out, `"rules": []`) || !strings.Contains(out, `"results": []`) {
		t.Errorf("empty report:\n%s", out)
	}
}

func TestSARIFHostileContent(t *testing.T) {
	for name, r := range map[string]*Report{"hostile": hostile(), "hostile xml": hostileXML()} {
		t.Run(name, func(t *testing.T) {
			out := write(t, "sarif", r)
			assertNoRawControls(t, out)
			d := parseSARIF(t, out)
			res := d.Runs[0].Results[0]
			msg := res.Message.Text
			for i := range len(msg) {
				if (msg[i] == '[' || msg[i] == ']') && (i == 0 || msg[i-1] != '\\') {
					t.Errorf("message has an unescaped bracket at %d, a SARIF link could form: %q", i, msg)
					break
				}
			}
			if strings.ContainsAny(msg, "\n\r") {
				t.Errorf("message spans lines: %q", msg)
			}
			if loc := res.Locations[0].PhysicalLocation; loc != nil {
				u, err := url.Parse(loc.ArtifactLocation.URI)
				if err != nil || u.Scheme != "" || u.Host != "" || strings.ContainsAny(loc.ArtifactLocation.URI, " \x1b\n") {
					t.Errorf("artifact uri %q is not a relative URI reference (%v)", loc.ArtifactLocation.URI, err)
				}
			}
			// Data fields keep valid UTF-8 content: JSON escaping is
			// lossless.
			if utf8.ValidString(r.Findings[0].Path) && res.Properties.Path != r.Findings[0].Path {
				t.Error("JSON escaping changed the path")
			}
		})
	}
}

func TestRepoURI(t *testing.T) {
	tests := []struct{ in, want string }{
		{"app.py", "app.py"},
		{"./src/app.py", "src/app.py"},
		{`src\handlers\user.go`, "src/handlers/user.go"},
		{"/abs/app.py", "abs/app.py"},
		{"dir with space/a#b?.py", "dir%20with%20space/a%23b%3F.py"},
		{"c:/x.py", "./c:/x.py"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := repoURI(tt.in); got != tt.want {
				t.Errorf("repoURI(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// assertNoRawControls fails when out holds a control character other than
// the newlines of its own layout, or a character a terminal or the Actions
// runner would act on.
func assertNoRawControls(t *testing.T, out []byte) {
	t.Helper()
	for i, c := range out {
		if c < 0x20 && c != '\n' || c == 0x7f {
			t.Errorf("output has raw control byte %#x at %d", c, i)
			return
		}
	}
	for _, s := range []string{"\u009b", "\u202e", "\U000E0001"} {
		if bytes.Contains(out, []byte(s)) {
			t.Errorf("output contains %q raw", s)
		}
	}
	if m := workflowCommand.Find(out); m != nil {
		t.Errorf("output contains a workflow command %q", m)
	}
}

// hostileXML adds what breaks XML to the hostile report: a CDATA end,
// characters XML 1.0 forbids, invalid UTF-8 and a noncharacter.
func hostileXML() *Report {
	r := hostile()
	bad := "]]> <![CDATA[ x ]]> \x00\x01\x08\x0b\x0c\x1f\x7f \xff\xfe \ufffe\uffff </testcase><testcase name=\"x\"> &lt; '\" ::error::x"
	f := &r.Findings[0]
	f.Rule = "authn-missing"
	f.Title += bad
	f.Path += bad
	f.Evidence.Summary = "\n::error::" + bad
	f.Reproduce = append(f.Reproduce, bad)
	f.Remediation += bad
	f.Location = &finding.Location{File: "a" + bad, Line: 3}
	r.Gate.Reasons = append(r.Gate.Reasons, bad, "\n::error::gate")
	return r
}

// TestSARIFSuppressionsAndCoverage: suppressed findings are results with
// an external, accepted suppression justified by the reason; the run's
// properties carry the coverage with lists, never null.
func TestSARIFSuppressionsAndCoverage(t *testing.T) {
	out := write(t, "sarif", fixture())
	var doc struct {
		Runs []struct {
			Results []struct {
				RuleID       string `json:"ruleId"`
				Suppressions []struct {
					Kind          string            `json:"kind"`
					Status        string            `json:"status"`
					Justification string            `json:"justification"`
					Properties    map[string]string `json:"properties"`
				} `json:"suppressions"`
				Properties map[string]any `json:"properties"`
			} `json:"results"`
			Properties struct {
				Coverage map[string]any `json:"coverage"`
			} `json:"properties"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, res := range doc.Runs[0].Results {
		switch len(res.Suppressions) {
		case 0:
			if res.RuleID == "verbose-error-disclosure" && res.Properties["suppressionExpired"] != "2025-02-28" {
				t.Errorf("expired suppression not in properties: %v", res.Properties)
			}
		case 1:
			s := res.Suppressions[0]
			if s.Kind != "external" || s.Status != "accepted" {
				t.Errorf("%s suppression %+v", res.RuleID, s)
			}
			got[res.RuleID] = s.Justification + "|" + s.Properties["until"]
		default:
			t.Errorf("%s has %d suppressions", res.RuleID, len(res.Suppressions))
		}
	}
	want := map[string]string{"cookie-insecure": "the legacy SSO sets it; retired in Q3|2025-09-30", "api-key-in-query": "|"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("suppressed results %q, want %q", got, want)
	}
	cov := doc.Runs[0].Properties.Coverage
	if cov == nil {
		t.Fatal("no runs[0].properties.coverage")
	}
	for _, k := range []string{"identities", "rules"} {
		if _, ok := cov[k].([]any); !ok {
			t.Errorf("coverage.%s = %v, want a list", k, cov[k])
		}
	}
	// What active mode created, and what it left, travels with the run.
	writes, _ := cov["writes"].(map[string]any)
	if created, _ := writes["created"].([]any); len(created) != 3 || writes["left"] != float64(2) {
		t.Errorf("coverage.writes = %v, want the fixture's 3 created objects, 2 left", cov["writes"])
	}
}

func TestSARIFSemanticVersion(t *testing.T) {
	tests := []struct{ version, want string }{
		{"v1.2.3", "1.2.3"},
		{"1.0.0", "1.0.0"},
		{"v0.0.0-20261207154116-55fbf58c4c6c", "0.0.0-20261207154116-55fbf58c4c6c"},
		{"v0.0.0-20261207154116-55fbf58c4c6c+dirty", "0.0.0-20261207154116-55fbf58c4c6c+dirty"},
		{"v1.2.3-rc.1", "1.2.3-rc.1"},
		{"v1.2.3-0.alpha+build.7", "1.2.3-0.alpha+build.7"},
		{"v1.2.3+001", "1.2.3+001"}, // build metadata may have leading zeros
		{"dev", ""},
		{"dev+55fbf58c4c6c", ""},
		{"dev+55fbf58c4c6c.dirty", ""},
		{"", ""},
		{"v1.2", ""},
		{"v1.2.3.4", ""},
		{"v01.2.3", ""},
		{"v1.2.3-01", ""}, // numeric pre-release identifier with a leading zero
		{"v1.2.3-", ""},
		{"v1.2.3+", ""},
		{"v1.2.3-rc..1", ""},
		{"v1.2.3-rc_1", ""},
		{"vv1.2.3", ""},
		{"v1.2.x", ""},
	}
	for _, tt := range tests {
		t.Run(tt.version, func(t *testing.T) {
			r := fixture()
			r.Tool.Version = tt.version
			drv := parseSARIF(t, write(t, "sarif", r)).Runs[0].Tool.Driver
			var raw struct {
				Runs []struct {
					Tool struct {
						Driver struct {
							SemanticVersion *string `json:"semanticVersion"`
						} `json:"driver"`
					} `json:"tool"`
				} `json:"runs"`
			}
			if err := json.Unmarshal(write(t, "sarif", r), &raw); err != nil {
				t.Fatal(err)
			}
			got := raw.Runs[0].Tool.Driver.SemanticVersion
			switch {
			case tt.want == "" && got != nil:
				t.Errorf("semanticVersion %q for %q, want none", *got, tt.version)
			case tt.want != "" && (got == nil || *got != tt.want):
				t.Errorf("semanticVersion %v for %q, want %q", got, tt.version, tt.want)
			}
			if drv.Version != tt.version {
				t.Errorf("version %q, want %q", drv.Version, tt.version)
			}
		})
	}
}
