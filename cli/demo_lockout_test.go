package cli

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/authgate/authgate/finding"
)

// TestDemoSecureActiveLockout: the secure demo rate-limits logins, so
// login-no-rate-limit, the last active rule by design, leaves mallory
// locked out. That is the protection the rule looks for: the gate
// passes, mallory stays verified (it was, before the rules ran) and its
// coverage says it was locked out as expected; nothing says the scan
// failed. The vulnerable demo does not limit logins: mallory is not
// locked out.
func TestDemoSecureActiveLockout(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		locked bool
	}{
		{"secure", []string{"--secure"}, ExitPassed, true},
		{"vulnerable", nil, ExitGateFailed, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			jsonPath := filepath.Join(t.TempDir(), "r.json")
			args := append([]string{"demo", "--mode", "active", "-o", "json=" + jsonPath, "--format", "text"}, tc.args...)
			code, stdout, stderr := run(t, args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tc.code, stderr)
			}
			if strings.Contains(stdout+stderr, "scan failed") {
				t.Errorf("the output says the scan failed:\n%s\n%s", stderr, stdout)
			}
			r := readReport(t, jsonPath)
			var mallory *finding.IdentityCoverage
			for i, id := range r.Coverage.Identities {
				if id.Name == "mallory" {
					mallory = &r.Coverage.Identities[i]
				}
			}
			if mallory == nil || !mallory.Verified {
				t.Fatalf("mallory's coverage %+v, want verified", mallory)
			}
			// What follows the sentence says whether other active rules
			// ran after it: that order is the rules' to choose (the write
			// rules run before the failed logins, see rules.APIRules).
			const lockout = "; locked out by login-no-rate-limit (POST /api/login answered 429: the API rate-limits logins), as expected; "
			if got := strings.Contains(mallory.How, lockout); got != tc.locked {
				t.Errorf("mallory's coverage %q says it was locked out: %v, want %v", mallory.How, got, tc.locked)
			}
			for _, rc := range r.Coverage.Rules {
				if rc.Rule == "login-no-rate-limit" && rc.Status != finding.RuleRan {
					t.Errorf("login-no-rate-limit coverage %+v, want ran", rc)
				}
			}
		})
	}
}
