package action

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/authgate/authgate/config"
)

// TestInsecureTLSInput: the insecure-tls input is off by default, sets
// InsecureTLS when true, leaves the config file's insecureTls alone when
// empty, overrides it when given, and refuses anything but a boolean.
func TestInsecureTLSInput(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		file    string // .authgate.yml
		want    bool
		wantErr bool
	}{
		{"default", "", "", false, false},
		{"true", "true", "", true, false},
		{"false", "false", "", false, false},
		{"config file", "", "insecureTls: true\n", true, false},
		{"input overrides the config file", "false", "insecureTls: true\n", false, false},
		{"not a boolean", "sometimes", "", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRunner(t, "push", "")
			r.input("target", "https://127.0.0.1:8443")
			if tt.input != "" {
				r.input("insecure-tls", tt.input)
			}
			if tt.file != "" {
				if err := os.WriteFile(filepath.Join(r.dir, ".authgate.yml"), []byte(tt.file), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			cfg, _, err := r.action().Inputs(Event{})
			if tt.wantErr {
				if !errors.Is(err, config.ErrInvalid) {
					t.Fatalf("err = %v, want config.ErrInvalid", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.InsecureTLS != tt.want {
				t.Errorf("InsecureTLS = %v, want %v", cfg.InsecureTLS, tt.want)
			}
		})
	}
}
