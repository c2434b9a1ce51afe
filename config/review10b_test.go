package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReview10bPastedPlaceholderReason: every report offers a suppress
// entry to paste whose reason is the placeholder "<why this finding is
// accepted>". Pasted unedited, the loader accepts it and every report
// then shows "<why this finding is accepted>" as the audit trail: a
// suppression with no reason, which the loader refuses when reason: is
// missing. The placeholder must be refused the same way (exit 2, one
// line naming the entry).
func TestReview10bPastedPlaceholderReason(t *testing.T) {
	// Exactly what the Markdown report (PR comment) offers, under suppress:.
	pasted := "suppress:\n" +
		"- fingerprint: v1:4a47e940f82a96eb7dae5321  # authn-missing GET /user\n" +
		"  reason: \"<why this finding is accepted>\"\n" +
		"  # until: YYYY-MM-DD  (optional: the last day it is accepted)\n"
	path := filepath.Join(t.TempDir(), ".authgate.yml")
	if err := os.WriteFile(path, []byte(pasted), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	if err == nil || !strings.Contains(err.Error(), "suppress[1]") || !strings.Contains(err.Error(), "reason") {
		t.Fatalf("Load of the unedited pasted entry: err %v, want a configuration error naming suppress[1] and its reason", err)
	}
}
