package action

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/authgate/authgate/config"
)

// TestExcludeInput: the exclude input is one pattern per line, like
// endpoints; a bad line is a configuration error naming it.
func TestExcludeInput(t *testing.T) {
	r := newRunner(t, "push", "")
	r.input("target", "http://127.0.0.1:1")
	r.input("exclude", "GET /createdb\n\n  * /admin/*  \n")
	cfg, _, err := r.action().Inputs(Event{})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"GET /createdb", "* /admin/*"}; !slices.Equal(cfg.Exclude, want) {
		t.Errorf("Exclude = %q, want %q", cfg.Exclude, want)
	}

	r = newRunner(t, "push", "")
	r.input("target", "http://127.0.0.1:1")
	r.input("exclude", "GET /ok\n/createdb")
	_, _, err = r.action().Inputs(Event{})
	if !errors.Is(err, config.ErrInvalid) || !strings.Contains(err.Error(), "exclude #2") {
		t.Errorf("err = %v, want config.ErrInvalid naming exclude #2", err)
	}
}
