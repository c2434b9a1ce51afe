package report

import (
	"encoding/xml"
	"reflect"
	"strings"
	"testing"

	"github.com/authgate/authgate/finding"
)

func parseJUnit(t *testing.T, out []byte) junitTestSuites {
	t.Helper()
	if !strings.HasPrefix(string(out), xml.Header) {
		t.Errorf("output does not start with the XML declaration")
	}
	var doc junitTestSuites
	if err := xml.Unmarshal(out, &doc); err != nil {
		t.Fatalf("output is not XML: %v\n%s", err, out)
	}
	if len(doc.Suites) != 1 {
		t.Fatalf("want one testsuite, got %d", len(doc.Suites))
	}
	return doc
}

func TestJUnitContent(t *testing.T) {
	r := fixture()
	r.Suppressed, r.Coverage = nil, nil // see TestJUnitCoverageAndSuppressed
	doc := parseJUnit(t, write(t, "junit", r))
	s := doc.Suites[0]
	if doc.Name != "authgate" || s.Name != "authgate" || doc.Tests != 3 || s.Tests != 3 || len(s.Cases) != 3 {
		t.Fatalf("suites = %+v", doc)
	}
	// authn-missing is new and high (fail-on high): failing. The verbose
	// error is medium: passing, details in system-out. The gate failed.
	if doc.Failures != 2 || s.Failures != 2 || s.Time != "4.213" || s.Timestamp != "2025-03-04T05:06:07" {
		t.Errorf("counts/time = %+v", s)
	}
	authn, verbose, gate := s.Cases[0], s.Cases[1], s.Cases[2]
	if authn.Classname != "authgate.authn-missing" || authn.Name != "GET /user" || authn.Failure == nil ||
		authn.Failure.Type != "high" || authn.Failure.Message != "Protected operation answers without credentials" ||
		!strings.Contains(authn.Failure.Text, "Reproduce: curl -i 'http://127.0.0.1:8080/user?user_id=1'") {
		t.Errorf("authn case = %+v", authn)
	}
	if verbose.Classname != "authgate.verbose-error-disclosure" || verbose.Failure != nil ||
		verbose.SystemOut == nil || !strings.Contains(verbose.SystemOut.Text, "Location: app.py:12") {
		t.Errorf("verbose case = %+v", verbose)
	}
	if gate.Name != "gate" || gate.Failure == nil || gate.Failure.Type != "gate" ||
		!strings.Contains(gate.Failure.Text, "- score 65 is below the threshold 70\n") {
		t.Errorf("gate case = %+v", gate)
	}
}

// TestJUnitCoverageAndSuppressed: every rule that did not run and every
// suppressed finding is a skipped test case with its reason, and counted.
func TestJUnitCoverageAndSuppressed(t *testing.T) {
	doc := parseJUnit(t, write(t, "junit", fixture()))
	s := doc.Suites[0]
	skipped := map[string]string{}
	for _, c := range s.Cases {
		if c.Skipped != nil {
			skipped[c.Classname+" "+c.Name] = c.Skipped.Message
		}
	}
	want := map[string]string{
		"authgate.coverage bola-cross-user-read":           "could not run, although the inputs asked for it: the API refused bob on every operation (401)",
		"authgate.coverage login-no-rate-limit":            "did not run: an active rule; run with --mode active",
		"authgate.coverage session-fixation":               "did not run: an active rule; run with --mode active",
		"authgate.suppressed cookie-insecure POST /login":  "suppressed: the legacy SSO sets it; retired in Q3 (until 2025-09-30)",
		"authgate.suppressed api-key-in-query GET /export": "suppressed: no reason given",
	}
	if !reflect.DeepEqual(skipped, want) {
		t.Errorf("skipped cases:\n  %q\nwant\n  %q", skipped, want)
	}
	// Two findings, the skipped cases, the writes' clean-up, the gate.
	if s.Skipped != len(want) || s.Tests != len(s.Cases) || s.Tests != 2+len(want)+1+1 {
		t.Errorf("tests %d, skipped %d, cases %d", s.Tests, s.Skipped, len(s.Cases))
	}
	for _, c := range s.Cases {
		if c.Classname == "authgate.verbose-error-disclosure" && (c.SystemOut == nil || !strings.Contains(c.SystemOut.Text, "Note: suppression expired on 2025-02-28 (reason: DynamoDB errors are masked by the gateway)")) {
			t.Errorf("expired suppression not noted: %+v", c.SystemOut)
		}
	}
}

func TestJUnitFailures(t *testing.T) {
	f := func(sev finding.Severity, conf finding.Confidence, status finding.Status) finding.Finding {
		return finding.Finding{Rule: "r", Method: "GET", Path: "/" + sev.String() + "/" + string(status), Severity: sev, Confidence: conf, Status: status}
	}
	findings := []finding.Finding{
		f(finding.SeverityCritical, finding.ConfidenceHigh, ""),
		f(finding.SeverityHigh, finding.ConfidenceHigh, finding.StatusNew),
		f(finding.SeverityHigh, finding.ConfidenceHigh, finding.StatusExisting), // in the baseline: does not gate
		f(finding.SeverityHigh, finding.ConfidenceLow, ""),                      // low confidence: does not count
		f(finding.SeverityMedium, finding.ConfidenceMedium, ""),
		f(finding.SeverityLow, finding.ConfidenceHigh, ""),
		f(finding.SeverityInfo, finding.ConfidenceHigh, ""),
	}
	tests := []struct {
		name     string
		failOn   string
		passed   bool
		failures int // findings failing, plus the gate when it failed
	}{
		{"fail-on high", "high", false, 2 + 1},
		{"fail-on medium", "medium", false, 3 + 1},
		{"fail-on low", "LOW", false, 4 + 1},
		{"fail-on critical, gate passed", "critical", true, 1},
		{"fail-on none", "none", true, 0},
		{"empty fail-on uses the default high", "", true, 2},
		{"unknown fail-on uses the default high", "severe", true, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Report{Findings: findings, Gate: Gate{Passed: tt.passed, FailOn: tt.failOn}}
			doc := parseJUnit(t, write(t, "junit", r))
			s := doc.Suites[0]
			failing := 0
			for _, c := range s.Cases {
				if c.Failure != nil {
					failing++
					if c.SystemOut != nil {
						t.Errorf("%s has both a failure and system-out", c.Name)
					}
				} else if c.SystemOut == nil || c.SystemOut.Text == "" {
					t.Errorf("passing case %s has no system-out", c.Name)
				}
			}
			if s.Tests != len(findings)+1 || s.Failures != tt.failures || failing != tt.failures || doc.Failures != tt.failures {
				t.Errorf("tests %d failures %d (counted %d), want %d %d", s.Tests, s.Failures, failing, len(findings)+1, tt.failures)
			}
			gate := s.Cases[len(s.Cases)-1]
			if gate.Name != "gate" || (gate.Failure == nil) != tt.passed {
				t.Errorf("gate case = %+v, passed %v", gate, tt.passed)
			}
		})
	}
}

func TestJUnitHostileContent(t *testing.T) {
	for name, r := range map[string]*Report{"hostile": hostile(), "hostile xml": hostileXML()} {
		t.Run(name, func(t *testing.T) {
			out := write(t, "junit", r)
			assertNoRawControls(t, out)
			// Target markup only ever appears escaped or inside CDATA, which
			// the structure and round-trip checks below prove.
			for _, s := range []string{"\ufffe", "\uffff", "\ufffd"} {
				if strings.Contains(string(out), s) {
					t.Errorf("output contains %q raw:\n%s", s, out)
				}
			}
			doc := parseJUnit(t, out)
			s := doc.Suites[0]
			// The finding, the suppressed finding, the rule that did not
			// run, the writes' clean-up, the gate.
			if len(s.Cases) != 5 || s.Tests != 5 || s.Skipped != 2 {
				t.Fatalf("injected markup changed the structure: %+v", s)
			}
			c := s.Cases[0]
			if c.Failure == nil || !strings.Contains(c.Failure.Text, "Evidence: "+xmlText(r.Findings[0].Evidence.Summary)+"\n") {
				t.Errorf("hostile finding = %+v", c)
			}
			if name == "hostile xml" && !strings.Contains(c.Failure.Text, "Title: title x<script>") ||
				!strings.Contains(c.Failure.Text, "Remediation: "+xmlText(r.Findings[0].Remediation)+"\n") {
				t.Errorf("CDATA did not round-trip the text:\n%s", c.Failure.Text)
			}
			texts := []string{c.Name, c.Failure.Message, c.Failure.Text, s.Cases[3].SystemOut.Text, s.Cases[4].Failure.Text}
			for _, sc := range s.Cases[1:3] {
				if sc.Skipped == nil {
					t.Fatalf("case %+v is not skipped", sc)
				}
				texts = append(texts, sc.Name, sc.Skipped.Message)
			}
			for _, text := range texts {
				for _, line := range strings.Split(text, "\n") {
					if strings.HasPrefix(strings.TrimSpace(line), "::") {
						t.Errorf("line starts a workflow command: %q", line)
					}
				}
			}
		})
	}
}

// TestJUnitWrites: what active mode created is one passing test case,
// authgate.writes clean-up, that names every object and says which were
// left on the target (not a failure: leftovers do not fail the gate).
func TestJUnitWrites(t *testing.T) {
	doc := parseJUnit(t, write(t, "junit", fixture()))
	var cleanup *junitTestCase
	for i, c := range doc.Suites[0].Cases {
		if c.Classname == "authgate.writes" {
			cleanup = &doc.Suites[0].Cases[i]
		}
	}
	if cleanup == nil || cleanup.Name != "clean-up" || cleanup.Failure != nil || cleanup.Skipped != nil || cleanup.SystemOut == nil {
		t.Fatalf("clean-up case = %+v", cleanup)
	}
	want := "Created 2 objects and 1 account, 2 left on the target\n" +
		"removed: /api/notes/17 (POST /api/notes as alice): DELETE answered 204, the owner's read-back 404\n" +
		"LEFT on the target: an object without an id (POST /api/feedback as alice): the answer carried no id\n" +
		"LEFT on the target: account /api/users/88 (POST /api/register as authgate-3f9c): no DELETE operation for accounts\n"
	if cleanup.SystemOut.Text != want {
		t.Errorf("clean-up text:\n%s\nwant\n%s", cleanup.SystemOut.Text, want)
	}
	doc = parseJUnit(t, write(t, "junit", &Report{Gate: Gate{Passed: true}, Coverage: cleanCoverage()}))
	for _, c := range doc.Suites[0].Cases {
		if c.Classname == "authgate.writes" {
			t.Errorf("a scan that wrote nothing has a clean-up case: %+v", c)
		}
	}
}

func TestJUnitEmpty(t *testing.T) {
	doc := parseJUnit(t, write(t, "junit", &Report{Gate: Gate{Passed: true}}))
	s := doc.Suites[0]
	if s.Tests != 1 || s.Failures != 0 || s.Timestamp != "" || s.Time != "0.000" || s.Cases[0].Name != "gate" {
		t.Errorf("empty report = %+v", s)
	}
}
