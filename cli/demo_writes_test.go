package cli

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/authgate/authgate/finding"
)

// TestDemoActiveFindsWriteFlaw is the active demo's write contract: on the
// vulnerable demo, bob's PUT on a note alice created is found as
// bola-cross-user-write on the route template; the secure demo has no
// finding of medium or above; on both the notes the scan created are all
// removed again and listed in the report, and the text report says so.
func TestDemoActiveFindsWriteFlaw(t *testing.T) {
	tests := []struct {
		name   string
		secure bool
	}{
		{"vulnerable", false},
		{"secure", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			jsonPath := filepath.Join(t.TempDir(), "r.json")
			args := []string{"demo", "--mode", "active", "-o", "json=" + jsonPath, "--format", "text"}
			if tt.secure {
				args = append(args, "--secure")
			}
			_, stdout, stderr := run(t, args...)
			r := readReport(t, jsonPath)
			got := hasFinding(r, "bola-cross-user-write", "PUT", "/api/notes/{noteId}")
			if got == tt.secure {
				t.Errorf("bola-cross-user-write on PUT /api/notes/{noteId} reported: %v, want %v; findings:%s\nstderr:\n%s", got, !tt.secure, findingList(r), stderr)
			}
			for _, f := range r.Findings {
				if tt.secure && f.Severity >= finding.SeverityMedium {
					t.Errorf("false positive on the secure demo: %s %s %s", f.Rule, f.Method, f.Path)
				}
				if strings.Contains(f.Path, "/api/notes/1") {
					t.Errorf("a finding names a concrete id instead of the route: %s %s %s", f.Rule, f.Method, f.Path)
				}
			}
			w := r.Coverage.Writes
			if w == nil || len(w.Created) == 0 {
				t.Fatalf("the active demo created nothing; coverage %+v", r.Coverage)
			}
			for _, c := range w.Created {
				if !c.Deleted || !strings.HasPrefix(c.Item, "/api/notes/") {
					t.Errorf("created %+v: want a note, deleted again", c)
				}
			}
			if w.Left != 0 || !strings.Contains(stdout, "Writes:     Created ") || !strings.Contains(stdout, ", all removed") {
				t.Errorf("left %d; the text report does not say everything was removed:\n%s", w.Left, stdout)
			}
		})
	}
}
