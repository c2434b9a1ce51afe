package action

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authgate/authgate/config"
)

// TestAutoAccountsInput: the auto-accounts input is off by default, sets
// AutoAccounts with mode active, leaves the config file's autoAccounts
// alone when empty, overrides it when given, refuses anything but a
// boolean, and refuses accounts in safe mode (registering is a write).
func TestAutoAccountsInput(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		mode    string
		file    string // .authgate.yml
		want    bool
		wantErr string
	}{
		{name: "default", want: false},
		{name: "true in active mode", input: "true", mode: "active", want: true},
		{name: "config file", file: "mode: active\nautoAccounts: true\n", want: true},
		{name: "input overrides the config file", input: "false", file: "mode: active\nautoAccounts: true\n", want: false},
		{name: "not a boolean", input: "sometimes", mode: "active", wantErr: `input auto-accounts: "sometimes" is not true or false`},
		{name: "safe mode", input: "true", wantErr: "auto-accounts: registering accounts is a write"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRunner(t, "push", "")
			r.input("target", "https://127.0.0.1:8443")
			if tt.input != "" {
				r.input("auto-accounts", tt.input)
			}
			if tt.mode != "" {
				r.input("mode", tt.mode)
			}
			if tt.file != "" {
				if err := os.WriteFile(filepath.Join(r.dir, ".authgate.yml"), []byte(tt.file), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			cfg, _, err := r.action().Inputs(Event{})
			if tt.wantErr != "" {
				if !errors.Is(err, config.ErrInvalid) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want config.ErrInvalid containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.AutoAccounts != tt.want {
				t.Errorf("AutoAccounts = %v, want %v", cfg.AutoAccounts, tt.want)
			}
		})
	}
}
