package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestSignalWritesPartialReport interrupts a scan of a slow API with
// SIGINT and SIGTERM: the process writes its report, marked incomplete,
// and exits 3. Nothing is timed: the signal is sent once the API has
// seen requests, and the test waits for the process to end.
func TestSignalWritesPartialReport(t *testing.T) {
	bin := buildStatic(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			var seen atomic.Int64
			started := make(chan struct{})
			release := make(chan struct{})
			api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if seen.Add(1) == 5 {
					close(started)
				}
				select {
				case <-release:
				case <-r.Context().Done():
				case <-time.After(200 * time.Millisecond):
				}
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, `{"id":1,"name":"x"}`)
			}))
			defer api.Close()
			defer close(release)

			dir := t.TempDir()
			out := filepath.Join(dir, "r.json")
			args := []string{"scan", api.URL, "--rate", "0", "--concurrency", "2", "--config", "", "-o", "json=" + out, "--wait", "5s"}
			for i := range 200 {
				args = append(args, "--endpoint", fmt.Sprintf("GET /items/%d/detail", i))
			}
			cmd := exec.Command(bin, args...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			select {
			case <-started:
			case <-time.After(time.Minute):
				cmd.Process.Kill()
				t.Fatalf("the scan never reached the API\n%s", stderr.String())
			}
			cmd.Process.Signal(sig)
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(time.Minute):
				cmd.Process.Kill()
				t.Fatalf("the scan did not stop after %v\n%s", sig, stderr.String())
			}
			if code := cmd.ProcessState.ExitCode(); code != 3 {
				t.Fatalf("exit %d, want 3\n%s", code, stderr.String())
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatalf("no partial report: %v\n%s", err, stderr.String())
			}
			var rep struct {
				Incomplete string `json:"incomplete"`
				Stats      struct{ Operations int }
			}
			if err := json.Unmarshal(data, &rep); err != nil {
				t.Fatalf("report: %v", err)
			}
			if !strings.HasPrefix(rep.Incomplete, "interrupted") {
				t.Errorf("the partial report is not marked interrupted: %q", rep.Incomplete)
			}
			if !strings.Contains(stderr.String(), "incomplete") {
				t.Errorf("stderr does not say the report is incomplete:\n%s", stderr.String())
			}
		})
	}
}
