package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestWriteSettingsReachTheScan: --auto-accounts and the config file's
// bodies, pathValues and autoAccounts arrive in scanner.Options; the flag
// wins over the file either way.
func TestWriteSettingsReachTheScan(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "authgate.yml")
	yml := "mode: active\nautoAccounts: true\nbodies:\n  post /api/notes: {title: hello}\npathValues: {teamId: 42}\n"
	if err := os.WriteFile(file, []byte(yml), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		args       []string
		wantAuto   bool
		wantBodies bool
	}{
		{"flag", []string{"http://127.0.0.1:1", "--config", "", "--mode", "active", "--auto-accounts"}, true, false},
		{"flag with a value", []string{"http://127.0.0.1:1", "--config", "", "--mode", "active", "--auto-accounts=true"}, true, false},
		{"off by default", []string{"http://127.0.0.1:1", "--config", "", "--mode", "active"}, false, false},
		{"config file", []string{"http://127.0.0.1:1", "--config", file}, true, true},
		{"flag undoes the file", []string{"http://127.0.0.1:1", "--config", file, "--auto-accounts=false"}, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			cfg, err := parseScanFlags(tc.args, &stderr)
			if err != nil {
				t.Fatal(err)
			}
			opts := scanOptions(cfg, nil)
			if opts.AutoAccounts != tc.wantAuto {
				t.Errorf("AutoAccounts = %v; want %v", opts.AutoAccounts, tc.wantAuto)
			}
			got := string(opts.Bodies["POST /api/notes"])
			if tc.wantBodies && (got != `{"title":"hello"}` || opts.PathValues["teamId"] != "42") {
				t.Errorf("bodies %q, pathValues %v; want the file's", opts.Bodies, opts.PathValues)
			}
			if !tc.wantBodies && (len(opts.Bodies) != 0 || len(opts.PathValues) != 0) {
				t.Errorf("bodies %q, pathValues %v; want none", opts.Bodies, opts.PathValues)
			}
		})
	}
}
