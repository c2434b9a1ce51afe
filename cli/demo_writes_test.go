package cli

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/authgate/authgate/config"
	"github.com/authgate/authgate/demo"
	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner"
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

// TestDemoActiveLeavesSeededNotesAlone: an active scan of either demo
// twin, recorded, sends no PUT or DELETE to alice's or bob's notes from
// before the scan, and both read back exactly as before.
func TestDemoActiveLeavesSeededNotesAlone(t *testing.T) {
	seeded := []struct {
		path, token string
	}{
		{"/api/notes/" + strconv.Itoa(demo.AliceNoteID), demo.AliceToken},
		{"/api/notes/" + strconv.Itoa(demo.BobNoteID), demo.BobToken},
	}
	for name, api := range map[string]http.Handler{"vulnerable": demo.Vulnerable(), "secure": demo.Secure()} {
		t.Run(name, func(t *testing.T) {
			var mu sync.Mutex
			var writes []string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodPut || r.Method == http.MethodPatch || r.Method == http.MethodDelete {
					mu.Lock()
					writes = append(writes, r.Method+" "+r.URL.Path)
					mu.Unlock()
				}
				api.ServeHTTP(w, r)
			}))
			defer srv.Close()
			read := func() []string {
				var out []string
				for _, s := range seeded {
					req, _ := http.NewRequest(http.MethodGet, srv.URL+s.path, nil)
					req.Header.Set("Authorization", "Bearer "+s.token)
					resp, err := srv.Client().Do(req)
					if err != nil {
						t.Fatal(err)
					}
					body, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					out = append(out, fmt.Sprintf("%d %s", resp.StatusCode, body))
				}
				return out
			}
			before := read()

			cfg := config.Default()
			cfg.Target, cfg.Mode, cfg.Rate = srv.URL, string(finding.ModeActive), 0
			cfg.Auth = []string{"Authorization: Bearer " + demo.AliceToken}
			cfg.PeerAuth = []string{"Authorization: Bearer " + demo.BobToken}
			cfg.Identities = []config.Identity{demoThrowaway()}
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			res, err := scanner.Scan(context.Background(), scanOptions(cfg, nil))
			if err != nil {
				t.Fatal(err)
			}
			if after := read(); !slices.Equal(before, after) {
				t.Errorf("seeded notes changed:\nbefore %q\nafter  %q", before, after)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(writes) == 0 || res.Coverage.Writes == nil {
				t.Fatal("the active scan sent no write: the test proves nothing")
			}
			for _, wr := range writes {
				for _, s := range seeded {
					if strings.HasSuffix(wr, " "+s.path) {
						t.Errorf("a write on a seeded note: %s", wr)
					}
				}
			}
		})
	}
}
