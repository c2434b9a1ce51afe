package cli

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/authgate/authgate/config"
	"github.com/authgate/authgate/demo"
	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/report"
	"github.com/authgate/authgate/scanner"
)

// TestBaselineURL scans a "production" deployment and a "preview" in one
// run: the preview's regressions are new, and what production already had
// is not.
func TestBaselineURL(t *testing.T) {
	secure := httptest.NewServer(demo.Secure())
	defer secure.Close()
	vulnerable := httptest.NewServer(demo.Vulnerable())
	defer vulnerable.Close()
	auth := []string{"--auth", "Authorization: Bearer " + demo.AliceToken, "--peer-auth", "Authorization: Bearer " + demo.BobToken, "--rate", "0", "--config", ""}

	tests := []struct {
		name       string
		preview    string
		production string
		code       int
		wantNew    bool
	}{
		{"preview regresses against a correct production", vulnerable.URL, secure.URL, ExitGateFailed, true},
		{"preview fixes production's flaws", secure.URL, vulnerable.URL, ExitPassed, false},
		// With a baseline the pull request is judged on what it adds:
		// production's debt alone does not fail it (problem 9).
		{"same flaws in both: nothing new", vulnerable.URL, vulnerable.URL, ExitPassed, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "r.json")
			args := append([]string{"scan", tt.preview, "--baseline-url", tt.production, "-o", out}, auth...)
			code, _, stderr := run(t, args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d: %s", code, tt.code, stderr)
			}
			r := readReport(t, out)
			if r.Baseline == nil {
				t.Fatal("the report has no baseline section")
			}
			if (r.Baseline.New > 0) != tt.wantNew {
				t.Fatalf("baseline = %+v, want new findings: %v", r.Baseline, tt.wantNew)
			}
			for _, f := range r.Findings {
				if f.Status != finding.StatusNew && f.Status != finding.StatusExisting {
					t.Errorf("%s has status %q", f.Rule, f.Status)
				}
			}
		})
	}
	t.Run("same flaws in both: gate on new findings passes without a score threshold", func(t *testing.T) {
		args := append([]string{"scan", vulnerable.URL, "--baseline-url", vulnerable.URL, "--fail-under", "0", "--format", "json"}, auth...)
		if code, _, stderr := run(t, args...); code != ExitPassed {
			t.Fatalf("exit %d, want 0: %s", code, stderr)
		}
	})
}

// TestMaxScoreDrop gates on the score's fall against the baseline.
func TestMaxScoreDrop(t *testing.T) {
	dir := t.TempDir()
	base := filepath.Join(dir, "base.json")
	if code, _, stderr := run(t, "demo", "--secure", "-o", base); code != ExitPassed {
		t.Fatalf("baseline run exit %d: %s", code, stderr)
	}
	// The vulnerable demo scores far below the secure one: with the other
	// gates off, only the drop can fail it.
	code, stdout, _ := run(t, "demo", "--baseline", base, "--fail-under", "0", "--fail-on", "none", "--max-score-drop", "10")
	if code != ExitGateFailed || !strings.Contains(stdout, "dropped") {
		t.Fatalf("exit %d, want 1 with a score-drop reason:\n%s", code, stdout)
	}
	code, _, stderr := run(t, "demo", "--baseline", base, "--fail-under", "0", "--fail-on", "none", "--max-score-drop", "100")
	if code != ExitPassed {
		t.Fatalf("a drop within the allowance must pass: exit %d: %s", code, stderr)
	}
}

// mixed serves the vulnerable demo on the routes under vulnerable and the
// secure one everywhere else: a deployment with some of the demo's flaws.
func mixed(vulnerable ...string) http.Handler {
	bad, good := demo.Vulnerable(), demo.Secure()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, p := range vulnerable {
			if r.URL.Path == p || strings.HasPrefix(r.URL.Path, p+"/") {
				bad.ServeHTTP(w, r)
				return
			}
		}
		good.ServeHTTP(w, r)
	})
}

// TestBaselineJudgesOnlyWhatThePRAdds is problem 9: production scores
// below the default threshold; a pull request that changes nothing passes
// by default, fails when a threshold is set explicitly (flag or config
// file), and fails when it adds a high finding.
func TestBaselineJudgesOnlyWhatThePRAdds(t *testing.T) {
	production := httptest.NewServer(mixed("/user"))
	defer production.Close()
	unchanged := httptest.NewServer(mixed("/user"))
	defer unchanged.Close()
	worse := httptest.NewServer(mixed("/user", "/api/orders"))
	defer worse.Close()
	auth := []string{"--auth", "Authorization: Bearer " + demo.AliceToken, "--peer-auth", "Authorization: Bearer " + demo.BobToken, "--rate", "0", "--config", ""}

	dir := t.TempDir()
	base := filepath.Join(dir, "production.json")
	code, _, stderr := run(t, append([]string{"scan", production.URL, "-o", base, "--fail-under", "0", "--fail-on", "none"}, auth...)...)
	if code != ExitPassed {
		t.Fatalf("production scan: exit %d: %s", code, stderr)
	}
	if b := readReport(t, base); b.Score >= config.DefaultFailUnder {
		t.Fatalf("production scores %d; the test needs it below the default threshold %d", b.Score, config.DefaultFailUnder)
	}
	thresholdFile := filepath.Join(dir, "threshold.yml")
	if err := os.WriteFile(thresholdFile, []byte("failUnder: 70\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	withConfig := func(path string) []string {
		a := append([]string{}, auth...)
		a[len(a)-1] = path // replaces --config ""
		return a
	}

	tests := []struct {
		name        string
		target      string
		extra       []string
		code        int
		failUnder   int
		wantReasons []string
	}{
		{"unchanged pull request passes by default", unchanged.URL, auth, ExitPassed, 0, nil},
		{"an explicit --fail-under applies", unchanged.URL, append([]string{"--fail-under", "70"}, auth...), ExitGateFailed, 70,
			[]string{"is below the threshold 70"}},
		{"failUnder in the config file applies", unchanged.URL, withConfig(thresholdFile), ExitGateFailed, 70,
			[]string{"is below the threshold 70"}},
		{"a new high finding fails", worse.URL, auth, ExitGateFailed, 0,
			[]string{"1 new finding at or above high: bola-cross-user-read GET /api/orders/{orderId}"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "r.json")
			code, stdout, stderr := run(t, append([]string{"scan", tt.target, "--baseline", base, "-o", out, "--format", "text"}, tt.extra...)...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, tt.code, stdout, stderr)
			}
			r := readReport(t, out)
			if r.Gate.FailUnder != tt.failUnder {
				t.Errorf("gate.failUnder = %d, want %d (0: not applied)", r.Gate.FailUnder, tt.failUnder)
			}
			reasons := strings.Join(r.Gate.Reasons, "\n")
			for _, want := range tt.wantReasons {
				if !strings.Contains(reasons, want) {
					t.Errorf("reasons %q lack %q", r.Gate.Reasons, want)
				}
			}
			if tt.wantReasons == nil && len(r.Gate.Reasons) != 0 {
				t.Errorf("reasons %q, want none", r.Gate.Reasons)
			}
			if tt.failUnder == 0 && !strings.Contains(stdout, "(new findings only, fail-on high)") {
				t.Errorf("the text report does not say the gate judged new findings only:\n%s", stdout)
			}
		})
	}
}

// TestSuppressions is problem 10 end to end: a suppress entry with a
// reason moves its finding to the report's suppressed list with the
// reason, out of the score; one whose until date passed before the scan
// no longer suppresses, and the finding says so.
func TestSuppressions(t *testing.T) {
	srv := httptest.NewServer(mixed("/user"))
	defer srv.Close()
	fp := finding.Fingerprint("verbose-error-disclosure", "GET", "/user", "bearer")
	dir := t.TempDir()
	scan := func(t *testing.T, cfg string) (*report.Report, string) {
		t.Helper()
		path := filepath.Join(dir, t.Name()[strings.LastIndex(t.Name(), "/")+1:]+".yml")
		if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(t.TempDir(), "r.json")
		md := filepath.Join(t.TempDir(), "r.md")
		code, stdout, stderr := run(t, "scan", srv.URL, "--config", path, "--auth", "Authorization: Bearer "+demo.AliceToken,
			"--rate", "0", "--fail-under", "0", "--fail-on", "none", "-o", out, "-o", md, "--format", "text")
		if code != ExitPassed {
			t.Fatalf("exit %d: %s%s", code, stdout, stderr)
		}
		mdText, err := os.ReadFile(md)
		if err != nil {
			t.Fatal(err)
		}
		return readReport(t, out), stdout + "\n" + string(mdText)
	}
	plain, _ := scan(t, "")
	var verbose *finding.Finding
	for i := range plain.Findings {
		if plain.Findings[i].Rule == "verbose-error-disclosure" {
			verbose = &plain.Findings[i]
		}
	}
	if verbose == nil || verbose.Fingerprint != fp {
		t.Fatalf("the scan has no verbose-error-disclosure on GET /user with fingerprint %s: %+v", fp, plain.Findings)
	}

	t.Run("in force", func(t *testing.T) {
		r, human := scan(t, "suppress:\n  - fingerprint: "+fp+"\n    reason: errors are masked by the gateway\n    until: 2999-12-31\n")
		if len(r.Suppressed) != 1 || r.Suppressed[0].Fingerprint != fp || r.Suppressed[0].Suppression == nil ||
			r.Suppressed[0].Suppression.Reason != "errors are masked by the gateway" || r.Suppressed[0].Suppression.Until != "2999-12-31" {
			t.Fatalf("suppressed = %+v", r.Suppressed)
		}
		for _, f := range r.Findings {
			if f.Fingerprint == fp {
				t.Error("the suppressed finding is still among the findings")
			}
		}
		if r.Score <= plain.Score {
			t.Errorf("score %d with the suppression, %d without: a suppressed finding must not count", r.Score, plain.Score)
		}
		if !strings.Contains(human, "verbose-error-disclosure  GET /user: errors are masked by the gateway (until 2999-12-31)") ||
			!strings.Contains(human, "<details><summary>Suppressed: 1") {
			t.Errorf("the text and Markdown reports do not list the suppression:\n%s", human)
		}
	})
	t.Run("expired", func(t *testing.T) {
		r, human := scan(t, "suppress:\n  - fingerprint: "+fp+"\n    reason: errors are masked by the gateway\n    until: 2001-01-31\n")
		if len(r.Suppressed) != 0 || r.Score != plain.Score {
			t.Fatalf("an expired entry still suppresses: suppressed %+v, score %d (want %d)", r.Suppressed, r.Score, plain.Score)
		}
		var note *finding.Suppression
		for _, f := range r.Findings {
			if f.Fingerprint == fp {
				note = f.Suppression
			}
		}
		if note == nil || !note.Expired || note.Until != "2001-01-31" {
			t.Errorf("the finding does not say its suppression expired: %+v", note)
		}
		if !strings.Contains(human, "suppression expired on 2001-01-31 (reason: errors are masked by the gateway)") {
			t.Errorf("the text report has no expiry note:\n%s", human)
		}
	})
	t.Run("each finding says how to suppress it", func(t *testing.T) {
		_, human := scan(t, "")
		if !strings.Contains(human, "- fingerprint: "+fp+"  # verbose-error-disclosure GET /user\n  reason: ") {
			t.Errorf("the Markdown report has no entry to paste for %s:\n%s", fp, human)
		}
	})
	t.Run("a bad date is a usage error", func(t *testing.T) {
		path := filepath.Join(dir, "bad.yml")
		if err := os.WriteFile(path, []byte("suppress:\n  - fingerprint: "+fp+"\n    reason: r\n    until: 31/01/2030\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		code, _, stderr := run(t, "scan", srv.URL, "--config", path)
		if code != ExitUsage || strings.Count(strings.TrimSpace(stderr), "\n") != 0 || !strings.Contains(stderr, `until: "31/01/2030" is not a date`) {
			t.Errorf("exit %d, stderr %q; want 2 and one line naming the date", code, stderr)
		}
	})
}

// TestGateOnCoverage: a rule the inputs asked for that did not run is a
// reason in the verdict, and every human format shows it.
func TestGateOnCoverage(t *testing.T) {
	res := &scanner.Result{
		Target: "http://127.0.0.1:1",
		Coverage: finding.Coverage{
			Identities: []finding.IdentityCoverage{{Name: "alice", Role: "primary", Verified: true, How: "GET /me answered 200, anonymous 401"}},
			Operations: finding.OperationCoverage{Total: 1, Scanned: 1, Answered: 1},
			Rules: []finding.RuleCoverage{
				{Rule: "authn-missing", Status: finding.RuleRan, Operations: []string{"GET /me"}},
				{Rule: "bola-cross-user-read", Status: finding.RuleNotRun, Requested: true, Reason: "no object of alice was found to ask for as bob"},
				{Rule: "session-fixation", Status: finding.RuleNotRun, Reason: "safe mode: runs only with --mode active"},
			},
		},
	}
	cfg := config.Default()
	rep := buildReport(res, cfg, nil)
	want := "bola-cross-user-read could not run: no object of alice was found to ask for as bob"
	if rep.Gate.Passed || !slices.Contains(rep.Gate.Reasons, want) {
		t.Fatalf("gate %+v, want failed with %q", rep.Gate, want)
	}
	if len(rep.Gate.Reasons) != 1 {
		t.Errorf("reasons %q: a rule that was not asked for must not fail the gate", rep.Gate.Reasons)
	}
	// Not asked for: passes.
	res.Coverage.Rules[1].Requested = false
	if rep := buildReport(res, cfg, nil); !rep.Gate.Passed {
		t.Errorf("gate %+v, want passed when the rule was not asked for", rep.Gate)
	}
}
