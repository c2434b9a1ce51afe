package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authgate/authgate/config"
	"github.com/authgate/authgate/finding"
)

// TestSuppressEntryPlaceholderRefused pastes the suppress entry a report
// offers into a config: unedited, the loader refuses it (its reason is
// still the placeholder); with a reason written in, it loads and
// suppresses the finding it was offered for.
func TestSuppressEntryPlaceholderRefused(t *testing.T) {
	for _, f := range []finding.Finding{
		{Rule: "authn-missing", Method: "GET", Path: "/user", Fingerprint: "v1:4a47e940f82a96eb7dae5321"},
		{Rule: "cookie-insecure", Method: "POST", Path: "/login"},
	} {
		entry := "suppress:\n" + strings.Join(suppressEntry(f), "\n") + "\n"
		if _, err := loadConfig(t, entry); err == nil || !strings.Contains(err.Error(), "suppress[1]: reason: still the placeholder") {
			t.Errorf("%s: the unedited entry loaded (err %v), want it refused as the placeholder:\n%s", f.Rule, err, entry)
		}
		edited := strings.Replace(entry, finding.ReasonPlaceholder, "the legacy API is retired in June", 1)
		cfg, err := loadConfig(t, edited)
		if err != nil {
			t.Fatalf("%s: the entry with a reason: %v\n%s", f.Rule, err, edited)
		}
		if len(cfg.Suppress) != 1 || !cfg.Suppress[0].Matches(&f) {
			t.Errorf("%s: the edited entry loads as %+v, which does not match the finding it was offered for", f.Rule, cfg.Suppress)
		}
	}
}

func loadConfig(t *testing.T, yaml string) (config.Config, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), ".authgate.yml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return config.Load(path)
}
