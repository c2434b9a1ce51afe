package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authgate/authgate/demo"
	"github.com/authgate/authgate/scanner"
)

// runEnv runs one command line with an Env that edit may change, and
// returns the exit code and stderr.
func runEnv(t *testing.T, args []string, edit func(*Env)) (int, string) {
	t.Helper()
	var out, errb bytes.Buffer
	env := Env{Stdout: &out, Stderr: &errb}
	if edit != nil {
		edit(&env)
	}
	return Run(context.Background(), args, env), errb.String()
}

// hangingAPI answers the wait probe and the calibration at once and holds
// every operation's request until the client gives up on it: a scan of it
// cannot end before --max-duration on any machine, so nothing is timed.
func hangingAPI(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/items/") {
			<-r.Context().Done()
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestMaxDurationPartialReport: at --max-duration the scan stops, writes
// its report marked incomplete with the bound named, and exits 3 as after
// an interrupt; the last line says why, and so does the Action's notice
// (Env.Stopped).
func TestMaxDurationPartialReport(t *testing.T) {
	srv := hangingAPI(t)
	out := filepath.Join(t.TempDir(), "r.json")
	args := []string{"scan", srv.URL, "--config", "", "--rate", "0", "--timeout", "1m", "--max-duration", "1s",
		"--fail-under", "0", "--fail-on", "none", "-o", "json=" + out}
	for i := range 20 {
		args = append(args, "--endpoint", fmt.Sprintf("GET /items/%d", i))
	}
	var stopped []string
	code, stderr := runEnv(t, args, func(e *Env) { e.Stopped = func(r string) { stopped = append(stopped, r) } })
	if code != ExitScanFailed {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, ExitScanFailed, stderr)
	}
	r := readReport(t, out)
	const want = "max duration 1s reached; later checks were skipped"
	if r.Incomplete != want {
		t.Errorf("incomplete %q, want %q", r.Incomplete, want)
	}
	if r.Gate.Passed {
		t.Errorf("an incomplete scan's gate passed: %+v", r.Gate)
	}
	line := "max duration 1s reached; the report is incomplete"
	if !strings.Contains(stderr, "authgate: "+line+"\n") {
		t.Errorf("stderr does not say %q:\n%s", line, stderr)
	}
	if len(stopped) != 1 || stopped[0] != line {
		t.Errorf("Stopped told %q, want [%q]", stopped, line)
	}
}

// TestMaxDurationWhileWaiting: a target that never comes up within
// --max-duration (shorter than --wait) is exit 3 with the bound named,
// no report.
func TestMaxDurationWhileWaiting(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens: connection refused
	out := filepath.Join(t.TempDir(), "r.json")
	code, stderr := runEnv(t, []string{"scan", "http://" + addr, "--config", "", "--wait", "1h", "--max-duration", "300ms", "-o", "json=" + out}, nil)
	if code != ExitScanFailed {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, ExitScanFailed, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	if last := lines[len(lines)-1]; !strings.Contains(last, "max duration 300ms reached") || strings.Count(stderr, "max duration") != 1 {
		t.Errorf("want the last line, once, to name the bound; stderr:\n%s", stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("a report was written for a scan that never started")
	}
}

// TestMaxDurationActiveCleanup: an active scan stopped by --max-duration
// while its writes hang still deletes what it created (the clean-up runs
// past the deadline, bounded as after an interrupt), and the report
// lists it as removed.
func TestMaxDurationActiveCleanup(t *testing.T) {
	api := demo.Vulnerable()
	var mu sync.Mutex
	created := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hang := created && (r.Method == http.MethodPut || r.Method == http.MethodPatch)
		mu.Unlock()
		if hang {
			// The scan is stuck in an attacker's write until the bound.
			// (The server notices the client leave only once the body
			// is read.)
			io.Copy(io.Discard, r.Body)
			<-r.Context().Done()
			return
		}
		rec := httptest.NewRecorder()
		api.ServeHTTP(rec, r)
		if r.Method == http.MethodPost && rec.Code == http.StatusCreated {
			mu.Lock()
			created = true
			mu.Unlock()
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	}))
	defer srv.Close()
	ids := demo.Identities()
	out := filepath.Join(t.TempDir(), "r.json")
	code, stderr := runEnv(t, []string{"scan", srv.URL, "--config", "", "--rate", "0", "--timeout", "1m",
		"--mode", "active", "--max-duration", "2s", "--no-discovery",
		"--auth", ids[0].AuthHeader(), "--peer-auth", ids[1].AuthHeader(), "-o", "json=" + out}, nil)
	if code != ExitScanFailed {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, ExitScanFailed, stderr)
	}
	r := readReport(t, out)
	if r.Incomplete != "max duration 2s reached; later checks were skipped" {
		t.Errorf("incomplete %q", r.Incomplete)
	}
	w := r.Coverage.Writes
	if w == nil || len(w.Created) == 0 {
		t.Fatalf("coverage.writes = %+v: nothing was created, the test proves nothing", w)
	}
	if w.Left != 0 {
		t.Errorf("%d objects left behind: %+v", w.Left, w.Created)
	}
	for _, c := range w.Created {
		if !c.Deleted {
			t.Errorf("%s %s not deleted: %s", c.Operation, c.Item, c.Reason)
		}
	}
}

// TestMaxDurationBadValues: a bad --max-duration, maxDuration or Action
// input is one line and exit 2, before anything is sent.
func TestMaxDurationBadValues(t *testing.T) {
	dir := t.TempDir()
	file := func(body string) string {
		p := filepath.Join(dir, fmt.Sprintf("c%d.yml", len(body)))
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"negative", []string{"--config", "", "--max-duration", "-5s"}, "max-duration: -5s must not be negative"},
		{"no unit", []string{"--config", "", "--max-duration", "5"}, "--max-duration: want a duration such as 10s or 1m30s"},
		{"words", []string{"--config", "", "--max-duration", "soon"}, "--max-duration: want a duration"},
		{"file", []string{"--config", file("maxDuration: soon\n")}, "maxDuration: want a duration such as 10s or 1m30s"},
		{"file negative", []string{"--config", file("maxDuration: -1m\n")}, "max-duration: -1m0s must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := run(t, append([]string{"scan", "http://127.0.0.1:1"}, tt.args...)...)
			if code != ExitUsage {
				t.Errorf("exit %d, want %d", code, ExitUsage)
			}
			if !strings.Contains(stderr, tt.want) || strings.Count(stderr, "\n") != 1 {
				t.Errorf("stderr %q, want one line with %q", stderr, tt.want)
			}
		})
	}
}

// TestMaxDurationNamed: the bound is named as people write it.
func TestMaxDurationNamed(t *testing.T) {
	for in, want := range map[string]string{"5m": "5m", "1h": "1h", "1h30m": "1h30m", "90s": "1m30s", "300ms": "300ms", "2h0m5s": "2h0m5s"} {
		d, err := time.ParseDuration(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := scanner.MaxDuration(d).Error(); got != "max duration "+want+" reached" {
			t.Errorf("MaxDuration(%s) = %q, want %q", in, got, "max duration "+want+" reached")
		}
	}
}
