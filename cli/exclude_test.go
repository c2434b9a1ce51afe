package cli

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// TestExcludeFlag: a bad --exclude is exit 2 with one line and no request
// to the target; a good one is repeatable and keeps its operations unsent.
func TestExcludeFlag(t *testing.T) {
	var resets, reads atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/admin/reset":
			resets.Add(1)
		case "/items":
			reads.Add(1)
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"items":[{"id":1,"name":"a"}]}`))
	}))
	defer srv.Close()

	code, _, stderr := run(t, "scan", srv.URL, "--config", "", "--endpoint", "GET /items", "--exclude", "GET admin/reset")
	if code != ExitUsage || strings.Count(strings.TrimSpace(stderr), "\n") != 0 || !strings.Contains(stderr, "exclude #1") {
		t.Fatalf("bad pattern: exit %d, stderr %q; want exit %d and one line naming exclude #1", code, stderr, ExitUsage)
	}
	if resets.Load()+reads.Load() != 0 {
		t.Error("the target was contacted for a bad pattern")
	}

	code, _, stderr = run(t, "scan", srv.URL, "--config", "", "--fail-under", "0", "--fail-on", "none",
		"--endpoint", "GET /items", "--endpoint", "GET /admin/reset", "--endpoint", "POST /admin/reset",
		"--exclude", "* /admin/*", "--exclude", "GET /nothing")
	if code != ExitPassed {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if resets.Load() != 0 {
		t.Errorf("excluded /admin/reset was requested %d times", resets.Load())
	}
	if reads.Load() == 0 {
		t.Error("/items was never scanned")
	}
}

// TestExcludeCoversLogin: a pattern that covers an identity's login is a
// configuration error (exit 2) found before the target is contacted.
func TestExcludeCoversLogin(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	cfg := filepath.Join(t.TempDir(), "authgate.yml")
	yml := "identities:\n  - name: mallory\n    throwaway: true\n    login:\n      path: /api/login\n      body: {email: m@example.com, password: pw}\n      token: json:token\nexclude:\n  - \"* /api/*\"\n"
	if err := os.WriteFile(cfg, []byte(yml), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := run(t, "scan", srv.URL, "--config", cfg, "--endpoint", "GET /items")
	if code != ExitUsage || !strings.Contains(stderr, "identity mallory's login") || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
		t.Fatalf("exit %d, stderr %q; want exit %d naming mallory's login on one line", code, stderr, ExitUsage)
	}
	if hits.Load() != 0 {
		t.Errorf("the target got %d requests", hits.Load())
	}
}
