package cli

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authgate/authgate/demo"
	"github.com/authgate/authgate/finding"
)

// TestActiveModeWithoutThrowawayFailsTheGate: --mode active on the demo's
// secure API, with alice and bob but no throw-away account, cannot run
// the login and session rules. The scan finds nothing, and still fails:
// the inputs asked for checks that did not run, and every output says
// which and why.
func TestActiveModeWithoutThrowawayFailsTheGate(t *testing.T) {
	srv := httptest.NewServer(demo.Secure())
	defer srv.Close()
	dir := t.TempDir()
	jsonOut, mdOut := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.md")
	args := []string{"scan", srv.URL, "--mode", "active", "--rate", "0", "--config", "",
		"--auth", "Authorization: Bearer " + demo.AliceToken, "--peer-auth", "Authorization: Bearer " + demo.BobToken,
		"-o", jsonOut, "-o", mdOut, "--format", "text"}
	code, stdout, stderr := run(t, args...)
	if code != ExitGateFailed {
		t.Fatalf("exit %d, want %d (requested checks did not run): %s\n%s", code, ExitGateFailed, stderr, stdout)
	}
	r := readReport(t, jsonOut)
	for _, f := range r.Findings {
		if f.Severity >= finding.SeverityMedium {
			t.Errorf("the secure API got %s %s %s", f.Severity, f.Rule, f.Path)
		}
	}
	reason := ""
	for _, g := range r.Gate.Reasons {
		if strings.Contains(g, "login-no-rate-limit could not run") {
			reason = g
		}
	}
	if reason == "" || !strings.Contains(reason, "throw-away") {
		t.Fatalf("gate reasons %q lack login-no-rate-limit's, naming the missing throw-away identity", r.Gate.Reasons)
	}
	if r.Coverage == nil {
		t.Fatal("no coverage in the report")
	}
	missing := map[string]bool{}
	for _, rc := range r.Coverage.Missing() {
		missing[rc.Rule] = true
	}
	for _, rule := range []string{"login-no-rate-limit", "session-not-invalidated-on-logout", "user-enumeration"} {
		if !missing[rule] {
			t.Errorf("coverage does not list %s as requested and not run: %+v", rule, r.Coverage.Missing())
		}
	}
	if !strings.Contains(stdout, "login-no-rate-limit") || !strings.Contains(stdout, "could not run") {
		t.Errorf("the text report does not say which checks could not run:\n%s", stdout)
	}
	md, err := os.ReadFile(mdOut)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(md), "could not run, although the inputs asked for it") {
		t.Errorf("the Markdown report does not show the checks that could not run:\n%s", md)
	}

	// Safe mode asks for none of them: the same API passes.
	code, stdout, stderr = run(t, "scan", srv.URL, "--rate", "0", "--config", "",
		"--auth", "Authorization: Bearer "+demo.AliceToken, "--peer-auth", "Authorization: Bearer "+demo.BobToken)
	if code != ExitPassed {
		t.Fatalf("safe scan of the secure API: exit %d, want 0: %s\n%s", code, stderr, stdout)
	}
}
