package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestExclude: exclude: is read from the file as a list (or one string)
// and each pattern is checked; a bad one is a problem named "exclude #N"
// on one line.
func TestExclude(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, ".authgate.yml")
	if err := os.WriteFile(path, []byte("target: http://127.0.0.1:9\nexclude:\n  - GET /createdb\n  - \"* /admin/*\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"GET /createdb", "* /admin/*"}; !slices.Equal(c.Exclude, want) {
		t.Errorf("Exclude = %q, want %q", c.Exclude, want)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("valid patterns: %v", err)
	}

	for _, tt := range []struct{ pattern, want string }{
		{"/createdb", `exclude #2: want "METHOD /path"`},
		{"GET /a*/b", `exclude #2: "*" may only end the path`},
		{"GET /a?x=1", "exclude #2: the path must not contain a query"},
		{"G3T /a", `exclude #2: "G3T" is not an HTTP method or *`},
	} {
		c := Default()
		c.Target = "http://127.0.0.1:9"
		c.Exclude = []string{"GET /ok", tt.pattern}
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: err = %v, want one line with %q", tt.pattern, err, tt.want)
		}
	}
}
