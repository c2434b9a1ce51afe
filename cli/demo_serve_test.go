package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authgate/authgate/demo"
)

// lineWriter hands the first line written to it over a channel: the URL
// `demo --serve` prints once it listens.
type lineWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	first chan string
	sent  bool
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if line, _, ok := strings.Cut(w.buf.String(), "\n"); ok && !w.sent {
		w.sent = true
		w.first <- line
	}
	return len(p), nil
}

func (w *lineWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// syncBuffer is a bytes.Buffer safe for the server's goroutine and the
// test's.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startServe runs `authgate demo --serve ...` and returns the URL it
// printed, a function that interrupts it and returns its exit code, and
// its stderr.
func startServe(t *testing.T, args ...string) (string, func() int, *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout := &lineWriter{first: make(chan string, 1)}
	stderr := &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- Run(ctx, append([]string{"demo"}, args...), Env{Stdout: stdout, Stderr: stderr})
	}()
	stop := func() int {
		cancel()
		select {
		case code := <-done:
			return code
		case <-time.After(30 * time.Second):
			t.Fatal("demo --serve did not stop after the interrupt")
			return -1
		}
	}
	select {
	case url := <-stdout.first:
		t.Cleanup(func() { cancel() })
		return url, stop, stderr
	case code := <-done:
		cancel()
		t.Fatalf("demo --serve exited %d before serving; stderr:\n%s", code, stderr.String())
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatal("demo --serve printed no URL")
	}
	return "", nil, nil
}

func get(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// TestDemoServe: `demo --serve ADDR` serves the vulnerable demo API (or
// the secure one with --secure) at the URL it prints, until interrupted,
// then exits 0 and the port is closed. The vulnerable one lets bob read
// alice's order; the secure one does not.
func TestDemoServe(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		bobReadsIt bool
	}{
		{"vulnerable", []string{"--serve", "127.0.0.1:0"}, true},
		{"secure", []string{"--serve=127.0.0.1:0", "--secure"}, false},
		{"secure first", []string{"--secure", "--serve", "127.0.0.1:0"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url, stop, stderr := startServe(t, tt.args...)
			if !strings.HasPrefix(url, "http://127.0.0.1:") || strings.HasSuffix(url, ":0") {
				t.Fatalf("printed %q, want http://127.0.0.1:<the port it listens on>", url)
			}
			if code, _ := get(t, url+"/api/me", demo.AliceToken); code != http.StatusOK {
				t.Errorf("GET /api/me as alice: %d, want 200", code)
			}
			if code, _ := get(t, url+"/api/me", ""); code != http.StatusUnauthorized {
				t.Errorf("GET /api/me anonymously: %d, want 401", code)
			}
			// Alice's order, read as bob: the BOLA the vulnerable twin has.
			code, _ := get(t, url+"/api/orders/"+fmt.Sprint(demo.AliceOrderID), demo.BobToken)
			if got := code == http.StatusOK; got != tt.bobReadsIt {
				t.Errorf("bob reads alice's order: status %d, want readable=%v", code, tt.bobReadsIt)
			}
			for _, want := range []string{url, demo.AliceToken, demo.BobToken} {
				if !strings.Contains(stderr.String(), want) {
					t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
				}
			}
			if strings.Contains(stderr.String(), "warning") {
				t.Errorf("a loopback address warned:\n%s", stderr.String())
			}
			if code := stop(); code != ExitPassed {
				t.Fatalf("exit %d after the interrupt, want 0; stderr:\n%s", code, stderr.String())
			}
			host := strings.TrimPrefix(url, "http://")
			if c, err := net.DialTimeout("tcp", host, time.Second); err == nil {
				c.Close()
				t.Errorf("%s still accepts connections after the interrupt", host)
			}
		})
	}
}

// TestDemoServeWarnsOffLoopback: listening on every interface works, the
// URL names loopback, and stderr warns that a deliberately vulnerable API
// is reachable from elsewhere.
func TestDemoServeWarnsOffLoopback(t *testing.T) {
	url, stop, stderr := startServe(t, "--serve", ":0")
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Errorf("printed %q, want a loopback URL", url)
	}
	if code, _ := get(t, url+"/api/me", demo.AliceToken); code != http.StatusOK {
		t.Errorf("GET /api/me as alice: %d", code)
	}
	stop()
	if !strings.Contains(stderr.String(), "is not a loopback address") {
		t.Errorf("no warning for a wildcard address:\n%s", stderr.String())
	}
}

// TestDemoServeBadInput: one line, the right exit code, nothing served.
func TestDemoServeBadInput(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no address", []string{"--serve"}, ExitUsage, "needs an address"},
		{"flag for address", []string{"--serve", "--mode", "active"}, ExitUsage, "needs an address"},
		{"no port", []string{"--serve", "127.0.0.1"}, ExitUsage, "want HOST:PORT"},
		{"scan flags", []string{"--serve", "127.0.0.1:0", "--mode", "active"}, ExitUsage, "takes no other flag"},
		{"port in use", []string{"--serve", busy.Addr().String()}, ExitScanFailed, "address already in use"},
		{"bad port", []string{"--serve=127.0.0.1:99999"}, ExitScanFailed, "invalid port"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := run(t, append([]string{"demo"}, tt.args...)...)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing (no URL: nothing is served)", stdout)
			}
			if strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "authgate: ") || !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr %q, want one authgate: line with %q", stderr, tt.want)
			}
		})
	}
}
