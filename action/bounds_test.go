package action

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/config"
)

// TestBoundsInputs: the timeout, concurrency and budget inputs follow the
// convention of the other inputs without a default in action.yml: empty
// leaves the config file's value, else the built-in default; given, they
// win over the file. A budget given anywhere is a hard bound (BudgetSet);
// the default one grows with the API.
func TestBoundsInputs(t *testing.T) {
	type bounds struct {
		timeout     time.Duration
		concurrency int
		budget      int
		budgetSet   bool
	}
	defaults := bounds{config.DefaultTimeout, config.DefaultConcurrency, config.DefaultBudget, false}
	tests := []struct {
		name   string
		inputs map[string]string
		file   string // .authgate.yml
		want   bounds
	}{
		{"defaults", nil, "", defaults},
		{"inputs", map[string]string{"timeout": "30s", "concurrency": "2", "budget": "500"}, "",
			bounds{30 * time.Second, 2, 500, true}},
		{"config file", nil, "timeout: 1m\nconcurrency: 4\nbudget: 900\n",
			bounds{time.Minute, 4, 900, true}},
		{"inputs win over the config file", map[string]string{"timeout": "2s", "concurrency": "16", "budget": "100"},
			"timeout: 1m\nconcurrency: 4\nbudget: 900\n", bounds{2 * time.Second, 16, 100, true}},
		{"one input, the rest from the file", map[string]string{"concurrency": "1"},
			"timeout: 1m\nbudget: 900\n", bounds{time.Minute, 1, 900, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRunner(t, "push", "")
			r.input("target", "http://127.0.0.1:8080")
			for k, v := range tt.inputs {
				r.input(k, v)
			}
			if tt.file != "" {
				if err := os.WriteFile(filepath.Join(r.dir, ".authgate.yml"), []byte(tt.file), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			cfg, _, err := r.action().Inputs(Event{})
			if err != nil {
				t.Fatal(err)
			}
			got := bounds{cfg.Timeout, cfg.Concurrency, cfg.Budget, cfg.BudgetSet}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestBoundsInputsInvalid: a value that is not a duration or a whole
// number, or one out of range, is a configuration error (exit 2) on one
// line that names the input.
func TestBoundsInputsInvalid(t *testing.T) {
	tests := []struct{ input, value string }{
		{"timeout", "10"},
		{"timeout", "soon"},
		{"timeout", "0s"},
		{"timeout", "-5s"},
		{"concurrency", "many"},
		{"concurrency", "0"},
		{"concurrency", "1000"},
		{"concurrency", "2.5"},
		{"budget", "1e6"},
		{"budget", "0"},
		{"budget", "-1"},
	}
	for _, tt := range tests {
		t.Run(tt.input+"="+tt.value, func(t *testing.T) {
			r := newRunner(t, "push", "")
			r.input("target", "http://127.0.0.1:8080")
			r.input(tt.input, tt.value)
			_, _, err := r.action().Inputs(Event{})
			if !errors.Is(err, config.ErrInvalid) {
				t.Fatalf("err = %v, want config.ErrInvalid", err)
			}
			if msg := err.Error(); !strings.Contains(msg, tt.input) || strings.Contains(msg, "\n") {
				t.Errorf("error %q does not name the input %s on one line", msg, tt.input)
			}
		})
	}
}

// TestCheckRunInput: check-run is true unless set to false; anything but
// a boolean is a configuration error naming the input.
func TestCheckRunInput(t *testing.T) {
	for _, tt := range []struct {
		value string
		want  bool
	}{{"", true}, {"true", true}, {"false", false}} {
		r := newRunner(t, "push", "")
		r.input("target", "http://127.0.0.1:8080")
		if tt.value != "" {
			r.input("check-run", tt.value)
		}
		_, set, err := r.action().Inputs(Event{})
		if err != nil || set.CheckRun != tt.want {
			t.Errorf("check-run %q: CheckRun = %v, err %v; want %v", tt.value, set.CheckRun, err, tt.want)
		}
	}
	r := newRunner(t, "push", "")
	r.input("target", "http://127.0.0.1:8080")
	r.input("check-run", "maybe")
	if _, _, err := r.action().Inputs(Event{}); !errors.Is(err, config.ErrInvalid) || !strings.Contains(err.Error(), "check-run") {
		t.Errorf("err = %v, want config.ErrInvalid naming check-run", err)
	}
}
