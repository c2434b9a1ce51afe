package cli

import (
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authgate/authgate/demo"
	"github.com/authgate/authgate/finding"
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
		{"same flaws in both: nothing new", vulnerable.URL, vulnerable.URL, ExitGateFailed, false},
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
