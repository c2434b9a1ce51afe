package cli

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestReview10bActiveAnsweredCountsWrites: in active mode the whole-API
// rules send POST /api/login (30 failed logins, then the right password)
// and POST /api/logout (the logout check), and their findings quote those
// answers; yet coverage says "8 of 8 operations scanned, 6 answered" and
// unsent is 0, so a reader sees two operations that never answered. Every
// scanned operation must be answered, unsent, or visibly unanswered: the
// two writes the active rules sent and got answers from count as answered.
func TestReview10bActiveAnsweredCountsWrites(t *testing.T) {
	for _, args := range [][]string{{"--mode", "active"}, {"--secure", "--mode", "active"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			jsonPath := filepath.Join(t.TempDir(), "r.json")
			code, _, stderr := run(t, append([]string{"demo", "-o", "json=" + jsonPath}, args...)...)
			if code != ExitPassed && code != ExitGateFailed {
				t.Fatalf("exit %d; stderr:\n%s", code, stderr)
			}
			r := readReport(t, jsonPath)
			ops := r.Coverage.Operations
			if r.Stats.Errors == 0 && ops.Answered+ops.Unsent != ops.Scanned {
				t.Errorf("operations %+v with 0 errors: %d scanned operations are neither answered nor unsent (POST /api/login and POST /api/logout were sent and answered by the active rules)",
					ops, ops.Scanned-ops.Answered-ops.Unsent)
			}
		})
	}
}
