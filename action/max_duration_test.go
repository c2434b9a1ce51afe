package action

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/config"
)

// TestMaxDurationInput: the max-duration input sets the run's bound;
// empty leaves the config file's (or none); a value that is not a
// duration, or a negative one, is a configuration error naming the input.
func TestMaxDurationInput(t *testing.T) {
	r := newRunner(t, "push", "")
	r.input("target", "http://127.0.0.1:1")
	r.input("max-duration", "10m")
	cfg, _, err := r.action().Inputs(Event{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MaxDuration != 10*time.Minute {
		t.Errorf("MaxDuration = %s, want 10m", cfg.MaxDuration)
	}

	r = newRunner(t, "push", "")
	r.input("target", "http://127.0.0.1:1")
	if cfg, _, err = r.action().Inputs(Event{}); err != nil || cfg.MaxDuration != 0 {
		t.Errorf("no input: MaxDuration = %s, err %v; want no bound", cfg.MaxDuration, err)
	}

	for _, bad := range []string{"10", "soon", "-1m"} {
		r = newRunner(t, "push", "")
		r.input("target", "http://127.0.0.1:1")
		r.input("max-duration", bad)
		_, _, err = r.action().Inputs(Event{})
		if !errors.Is(err, config.ErrInvalid) || !strings.Contains(err.Error(), "max-duration") {
			t.Errorf("%q: err = %v, want config.ErrInvalid naming max-duration", bad, err)
		}
	}
}
