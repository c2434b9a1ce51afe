package cli

// Exit codes and reports of whole scans against hostile targets: the
// scanner-level cases (what each request makes of a stall, a bomb, a
// reset...) are in scanner/hostile_test.go; here the question is what the
// user gets. Unreachable, a refused certificate, or every request failed:
// exit 3. Some answers and some failures: the report is written, marked
// incomplete, and the gate fails (exit 1).

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// hostileAPI answers GET / and GET /good normally and hands every other
// request (GET /bad, the discovery paths, calibration) to bad; with
// goodToo, GET /good is bad as well; with badOnly, only GET /bad is bad
// and other paths are 404.
func hostileAPI(bad http.HandlerFunc, goodToo, badOnly bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/":
			io.WriteString(w, "ok")
		case r.URL.Path == "/good" && !goodToo:
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"id":1,"name":"widget"}`)
		case r.URL.Path != "/bad" && r.URL.Path != "/good" && badOnly:
			http.NotFound(w, r)
		default:
			bad(w, r)
		}
	})
}

// resetConn ends the request's connection with a TCP RST.
func resetConn(w http.ResponseWriter, _ *http.Request) {
	c, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		return
	}
	c.(*net.TCPConn).SetLinger(0)
	c.Close()
}

// garbage answers with a status line that is not HTTP.
func garbage(w http.ResponseWriter, _ *http.Request) {
	c, buf, err := w.(http.Hijacker).Hijack()
	if err != nil {
		return
	}
	buf.WriteString("::error::pwned GARBAGE\r\n\r\n")
	buf.Flush()
	c.Close()
}

// throttleStorm answers 429 with Retry-After: 0 forever: the storm the
// CLI can see in test time (the one-day Retry-After is tested against the
// client, whose cap the tests shorten).
func throttleStorm(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Retry-After", "0")
	w.WriteHeader(http.StatusTooManyRequests)
}

// gzipMember is one gzip member of 8 MiB of zeros, about 8 KB.
var gzipMember = sync.OnceValue(func() []byte {
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	zw.Write(make([]byte, 8<<20))
	zw.Close()
	return b.Bytes()
})

// gzipBomb answers a gibibyte of zeros as 128 gzip members, about 1 MB.
func gzipBomb(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Encoding", "gzip")
	for range 128 {
		if _, err := w.Write(gzipMember()); err != nil {
			return
		}
	}
}

// deepJSON is 100,000 levels of nested arrays: beyond encoding/json's
// depth limit, so it is compared as text.
var deepJSON = strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000)

func TestHostileTargetExitCodes(t *testing.T) {
	tests := []struct {
		name string
		bad  http.HandlerFunc
		// goodToo makes GET /good hostile too: every operation fails;
		// badOnly leaves discovery and calibration alone.
		goodToo, badOnly bool
		args             []string
		code             int
		// incomplete: the written report is marked incomplete.
		incomplete bool
		message    string // a part of stderr
	}{
		{"every operation reset", resetConn, true, false, nil, ExitScanFailed, false, "none of"},
		{"every operation malformed", garbage, true, false, nil, ExitScanFailed, false, "none of"},
		{"every operation stalls", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }, true, false,
			[]string{"--timeout", "200ms"}, ExitScanFailed, false, "none of"},
		{"429 storm on every operation", throttleStorm, true, false, nil, ExitScanFailed, false, "none of"},
		{"one operation reset", resetConn, false, false, nil, ExitGateFailed, true, "incomplete"},
		{"one operation malformed", garbage, false, false, nil, ExitGateFailed, true, "incomplete"},
		{"one operation stalls", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }, false, false,
			[]string{"--timeout", "200ms"}, ExitGateFailed, true, "incomplete"},
		{"429 storm on one operation", throttleStorm, false, true, nil, ExitGateFailed, true, "incomplete"},
		{"gzip bomb on every operation", gzipBomb, true, false, nil, ExitPassed, false, ""},
		{"100,000 levels of JSON on every operation", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, deepJSON)
		}, true, false, nil, ExitPassed, false, ""},
		// Redirects are answers, not errors, but a scan that saw only
		// redirects (a login wall) saw no API and must not pass.
		{"redirect loop on every operation", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, r.URL.Path, http.StatusFound)
		}, true, false, nil, ExitGateFailed, true, "login wall"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(hostileAPI(tt.bad, tt.goodToo, tt.badOnly))
			defer srv.Close()
			jsonPath := filepath.Join(t.TempDir(), "r.json")
			args := append([]string{"scan", srv.URL, "--config", "", "--rate", "0", "--wait", "0s",
				"--endpoint", "GET /good", "--endpoint", "GET /bad", "-o", "json=" + jsonPath}, tt.args...)
			code, _, stderr := run(t, args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr)
			}
			if !strings.Contains(stderr, tt.message) {
				t.Errorf("stderr does not say %q:\n%s", tt.message, stderr)
			}
			if strings.Contains(stderr, "pwned") || strings.Contains(stderr, "\n::") {
				t.Errorf("stderr repeats the target's bytes:\n%s", stderr)
			}
			if code == ExitScanFailed {
				return // no report: the scan could not run
			}
			r := readReport(t, jsonPath)
			if got := r.Incomplete != ""; got != tt.incomplete {
				t.Errorf("report incomplete = %q; want it set: %v", r.Incomplete, tt.incomplete)
			}
			redirects := strings.Contains(tt.name, "redirect")
			if tt.incomplete && ((r.Stats.Errors == 0 && !redirects) || r.Gate.Passed) {
				t.Errorf("stats.errors = %d, gate passed %v; the failures must show and fail the gate", r.Stats.Errors, r.Gate.Passed)
			}
			if !tt.incomplete && r.Stats.Errors != 0 {
				t.Errorf("stats.errors = %d; every answer was usable", r.Stats.Errors)
			}
		})
	}
}

// TestHostileTLS: a self-signed preview certificate is refused with one
// line naming the target, the problem and the flag (exit 3), and accepted
// with --insecure-tls (or insecureTls in the config file).
func TestHostileTLS(t *testing.T) {
	srv := httptest.NewUnstartedServer(hostileAPI(http.NotFound, false, false))
	// The server's "bad certificate" lines are what the test provokes.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	defer srv.Close()
	config := filepath.Join(t.TempDir(), "authgate.yml")
	if err := os.WriteFile(config, []byte("insecureTls: true\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		args []string
		code int
	}{
		{"refused without the flag", nil, ExitScanFailed},
		{"accepted with --insecure-tls", []string{"--insecure-tls"}, ExitPassed},
		{"accepted with insecureTls in the config", []string{"--config", config}, ExitPassed},
		{"--insecure-tls=false undoes the config", []string{"--config", config, "--insecure-tls=false"}, ExitScanFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			jsonPath := filepath.Join(t.TempDir(), "r.json")
			args := append([]string{"scan", srv.URL, "--config", "", "--rate", "0", "--wait", "0s",
				"--endpoint", "GET /good", "-o", "json=" + jsonPath}, tt.args...)
			code, _, stderr := run(t, args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr)
			}
			if code != ExitScanFailed {
				readReport(t, jsonPath)
				return
			}
			want := "authgate: target " + srv.URL + ": certificate signed by unknown authority (use --insecure-tls to accept a self-signed preview certificate)\n"
			if !strings.HasSuffix(stderr, want) {
				t.Errorf("stderr does not end with\n%s\ngot:\n%s", want, stderr)
			}
		})
	}
}

// TestHostileRedirectsKeepCredentials: a target that redirects every
// request to another host (a second listener that records what reaches
// it) gets its 3xx taken as the answer; nothing, least of all the
// credentials, is sent to the other host.
func TestHostileRedirectsKeepCredentials(t *testing.T) {
	const secret = "Bearer hostile-redirect-s3cret"
	var stolen atomic.Int32
	thief := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		stolen.Add(1)
	}))
	defer thief.Close()
	for _, status := range []int{http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			srv := httptest.NewServer(hostileAPI(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, thief.URL+r.URL.RequestURI(), status)
			}, true, false))
			defer srv.Close()
			jsonPath := filepath.Join(t.TempDir(), "r.json")
			code, stdout, stderr := run(t, "scan", srv.URL, "--config", "", "--rate", "0", "--wait", "0s",
				"--endpoint", "GET /good", "--auth", "Authorization: "+secret, "-o", "json="+jsonPath)
			if code == ExitScanFailed || code == ExitUsage {
				t.Fatalf("exit %d; stderr:\n%s", code, stderr)
			}
			if n := stolen.Load(); n != 0 {
				t.Fatalf("the other host got %d requests", n)
			}
			if strings.Contains(stdout+stderr, "s3cret") {
				t.Error("the credential was printed")
			}
			readReport(t, jsonPath)
		})
	}
}

// rawListener serves answer on every connection of a plain TCP listener,
// after reading the request head: for bytes no http.Server would send.
func rawListener(t *testing.T, answer func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					line, err := br.ReadString('\n')
					if err != nil || line == "\r\n" {
						break
					}
				}
				answer(c)
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

// TestHostileTargetNeverUp: a target whose every answer, the wait probe's
// included, is not HTTP is unreachable after --wait: exit 3.
func TestHostileTargetNeverUp(t *testing.T) {
	tests := []struct {
		name   string
		answer func(net.Conn)
	}{
		{"garbage", func(c net.Conn) { io.WriteString(c, "SSH-2.0-OpenSSH_9.6\r\n") }},
		{"reset", func(c net.Conn) { c.(*net.TCPConn).SetLinger(0) }},
		{"silence then close", func(c net.Conn) {}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := rawListener(t, tt.answer)
			code, _, stderr := run(t, "scan", target, "--config", "", "--endpoint", "GET /user", "--wait", "300ms")
			if code != ExitScanFailed || !strings.Contains(stderr, "unreachable") {
				t.Fatalf("exit %d, want %d saying unreachable; stderr:\n%s", code, ExitScanFailed, stderr)
			}
		})
	}
}

// TestInsecureTLSFlag: --insecure-tls takes no value, may stand anywhere,
// and does not swallow the "--" terminator or TARGET.
func TestInsecureTLSFlag(t *testing.T) {
	const target = "https://127.0.0.1:8443"
	tests := []struct {
		name    string
		args    []string
		want    bool
		wantErr string
	}{
		{"absent", []string{target}, false, ""},
		{"before TARGET", []string{"--insecure-tls", target}, true, ""},
		{"after TARGET", []string{target, "--insecure-tls"}, true, ""},
		{"before the terminator", []string{"--insecure-tls", "--", target}, true, ""},
		{"=false", []string{"--insecure-tls=false", target}, false, ""},
		{"=maybe", []string{"--insecure-tls=maybe", target}, false, "--insecure-tls: want true or false"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := parseScanFlags(append([]string{"--config", ""}, tt.args...), io.Discard)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.InsecureTLS != tt.want || cfg.Target != target {
				t.Errorf("InsecureTLS = %v, Target = %q; want %v and %q", cfg.InsecureTLS, cfg.Target, tt.want, target)
			}
		})
	}
	if !endedAtTerminator([]string{"--insecure-tls", "--"}) {
		t.Error(`endedAtTerminator took "--" for --insecure-tls's value`)
	}
}
