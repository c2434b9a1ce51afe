package scanner

// The hostile-target suite of the client and the engine: loopback servers
// that stall, flood, bomb, loop, lie about HTTP, reset connections, show a
// self-signed certificate or throttle forever. Each case proves the request
// ends within its bounds, keeps what it could and says what it could not.
// docs/hostile.md lists every case with what authgate does; the CLI's exit
// codes for the same targets are tested in cli/hostile_test.go.

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authgate/authgate/finding"
)

// hostileTimeout is the per-request timeout of the cases where the target
// never answers at all: short, because the suite waits for it. It is safe
// however loaded the machine: nothing arrives sooner on a slow one, so the
// request times out whenever the timeout fires.
const hostileTimeout = 300 * time.Millisecond

// hostileSafetyTimeout is the per-request timeout of every other case: a
// safety net that ends a broken client, never the outcome under test. A
// loaded machine running the race detector can take seconds for a TLS
// handshake or a 5 MB body (issue 10: 300 ms failed at load 10-19).
const hostileSafetyTimeout = time.Minute

// hostileRetryCap replaces the 30 s Retry-After cap so that storms with a
// one-day Retry-After end in the suite's time.
const hostileRetryCap = 20 * time.Millisecond

// stall blocks a handler until the client gives up or the test ends.
func stall(t *testing.T) func(r *http.Request) {
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop) })
	return func(r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}
}

// hostileServer serves h on loopback, closed at the end of the test.
func hostileServer(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// rawServer accepts connections on 127.0.0.1 and hands each, once its
// request line and headers are read, to answer: for answers that are not
// valid HTTP or that end in a reset. It returns the base URL.
func rawServer(t *testing.T, answer func(c *net.TCPConn, requestLine string)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				br := bufio.NewReader(c)
				line, err := br.ReadString('\n')
				if err != nil {
					return
				}
				for {
					h, err := br.ReadString('\n')
					if err != nil {
						return
					}
					if h == "\r\n" {
						break
					}
				}
				answer(c.(*net.TCPConn), strings.TrimSpace(line))
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

// reset ends a connection with a TCP RST instead of a FIN.
func reset(c *net.TCPConn) {
	c.SetLinger(0)
	c.Close()
}

// hostileClient is a client for base with the suite's short bounds.
func hostileClient(t *testing.T, base string, opts ClientOptions) *Client {
	t.Helper()
	opts.Origins = append(opts.Origins, origin(mustURL(t, base)))
	if opts.Concurrency == 0 {
		opts.Concurrency = 4
	}
	if opts.Timeout == 0 {
		opts.Timeout = hostileSafetyTimeout
	}
	if opts.MaxRetryAfter == 0 {
		opts.MaxRetryAfter = hostileRetryCap
	}
	return NewClient(opts)
}

func get(t *testing.T, c *Client, u string) *Response {
	t.Helper()
	return c.Do(context.Background(), &Request{Method: "GET", URL: mustURL(t, u)})
}

// TestHostileResponses sends one request to each hostile server and checks
// what the client makes of it: an error (counted, so that the scan is
// marked), or an answer within the body cap.
func TestHostileResponses(t *testing.T) {
	tests := []struct {
		name   string
		server func(t *testing.T) string
		// wantErr is a part of Response.Err's message; "" wants no error.
		wantErr string
		// wantStatus is the status kept for display (0: none).
		wantStatus int
		// wantBody is the body's length (-1: not checked).
		wantBody  int
		truncated bool
	}{
		{"slow headers", func(t *testing.T) string {
			wait := stall(t)
			return hostileServer(t, func(w http.ResponseWriter, r *http.Request) { wait(r) })
		}, "timed out", 0, 0, false},
		{"headers that never end", func(t *testing.T) string {
			return rawServer(t, func(c *net.TCPConn, _ string) {
				io.WriteString(c, "HTTP/1.1 200 OK\r\n")
				line := "X-Pad: " + strings.Repeat("a", 8<<10) + "\r\n"
				for {
					if _, err := io.WriteString(c, line); err != nil {
						return
					}
				}
			})
		}, "response headers larger than", 0, 0, false},
		{"endless body", func(t *testing.T) string {
			return hostileServer(t, func(w http.ResponseWriter, r *http.Request) {
				chunk := bytes.Repeat([]byte("A"), 64<<10)
				for {
					if _, err := w.Write(chunk); err != nil {
						return
					}
				}
			})
		}, "", http.StatusOK, maxBodyBytes, true},
		{"gzip that is not gzip", func(t *testing.T) string {
			return hostileServer(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Encoding", "gzip")
				io.WriteString(w, "this is not gzip at all")
			})
		}, "reading the body", http.StatusOK, -1, true},
		{"garbage status line", func(t *testing.T) string {
			return rawServer(t, func(c *net.TCPConn, _ string) {
				io.WriteString(c, "::error::pwned \x1b[2J GARBAGE\r\n\r\n")
			})
		}, "malformed HTTP response", 0, 0, false},
		{"invalid status code", func(t *testing.T) string {
			return rawServer(t, func(c *net.TCPConn, _ string) { io.WriteString(c, "HTTP/1.1 2OO OK\r\n\r\n") })
		}, "malformed HTTP response", 0, 0, false},
		{"header line without a colon", func(t *testing.T) string {
			return rawServer(t, func(c *net.TCPConn, _ string) {
				io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type application/json\r\n\r\n{}")
			})
		}, "malformed HTTP response", 0, 0, false},
		{"control characters in a header", func(t *testing.T) string {
			return rawServer(t, func(c *net.TCPConn, _ string) {
				io.WriteString(c, "HTTP/1.1 200 OK\r\nX-Evil: a\x1b[2J\x00b\r\n\r\n{}")
			})
		}, "malformed HTTP response", 0, 0, false},
		{"closed before answering", func(t *testing.T) string {
			return rawServer(t, func(c *net.TCPConn, _ string) {})
		}, "the connection closed before a response", 0, 0, false},
		{"reset before answering", func(t *testing.T) string {
			return rawServer(t, func(c *net.TCPConn, _ string) { reset(c) })
		}, "connection reset", 0, 0, false},
		{"body shorter than its Content-Length", func(t *testing.T) string {
			return rawServer(t, func(c *net.TCPConn, _ string) {
				io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n{}")
			})
		}, "reading the body: the connection closed in the middle of the response", http.StatusOK, 2, true},
		{"redirect loop is not followed", func(t *testing.T) string {
			return hostileServer(t, func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, r.URL.Path, http.StatusFound)
			})
		}, "", http.StatusFound, -1, false},
		{"plain HTTP on an https URL", func(t *testing.T) string {
			return "https://" + strings.TrimPrefix(hostileServer(t, func(http.ResponseWriter, *http.Request) {}), "http://")
		}, "the target answered plain HTTP to an https:// URL", 0, 0, false},
		{"self-signed certificate", func(t *testing.T) string {
			srv := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
			srv.Config.ErrorLog = quietLog()
			t.Cleanup(srv.Close)
			return srv.URL
		}, "certificate signed by unknown authority (use --insecure-tls to accept a self-signed preview certificate)", 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := tt.server(t)
			var opts ClientOptions
			if tt.wantErr == "timed out" {
				// The target never answers: only the timeout ends it.
				opts.Timeout = hostileTimeout
			}
			c := hostileClient(t, base, opts)
			resp := get(t, c, base+"/api/users/1")
			switch {
			case tt.wantErr == "" && resp.Err != nil:
				t.Fatalf("err = %v, want an answer", resp.Err)
			case tt.wantErr != "" && (resp.Err == nil || !strings.Contains(resp.Err.Error(), tt.wantErr)):
				t.Fatalf("err = %v, want one saying %q", resp.Err, tt.wantErr)
			}
			if resp.Err != nil {
				if msg := resp.Err.Error(); strings.ContainsAny(msg, "\x1b\x00\r\n") || strings.Contains(msg, "::") || strings.Contains(msg, "pwned") {
					t.Errorf("the error quotes the target's bytes: %q", msg)
				}
			}
			if resp.Status != tt.wantStatus {
				t.Errorf("status %d, want %d", resp.Status, tt.wantStatus)
			}
			if tt.wantBody >= 0 && len(resp.Body) != tt.wantBody {
				t.Errorf("body of %d bytes, want %d", len(resp.Body), tt.wantBody)
			}
			// The bomb guard acts just past the 1 MiB cap, whatever the
			// request's own limit.
			if tt.wantBody < 0 && len(resp.Body) > 2*maxBodyBytes {
				t.Errorf("body of %d bytes: the bomb was read past the guard", len(resp.Body))
			}
			if resp.Truncated != tt.truncated {
				t.Errorf("Truncated = %v, want %v", resp.Truncated, tt.truncated)
			}
			// An error is an error in the scan's statistics, whatever
			// was kept for display; an answer is not.
			if wantFailed := btoi(resp.Err != nil); c.Failed() != wantFailed || c.Sent() != 1 {
				t.Errorf("Sent() = %d, Failed() = %d; want 1 and %d", c.Sent(), c.Failed(), wantFailed)
			}
			if resp.Err == nil && Refusal(resp) == "" && resp.Status >= 300 {
				t.Errorf("a %d answer is not a refusal", resp.Status)
			}
		})
	}
}

// TestHostileBodyCutAfterHeaders: an answer that stops (a timeout) or is
// reset in the middle of its body keeps the status and the part that came,
// and is an error. The cut happens once the client has the headers and
// the first bytes of the body in hand (see bodyHook), not after a guessed
// pause, so a loaded machine cannot move it before the headers.
func TestHostileBodyCutAfterHeaders(t *testing.T) {
	const partial = `{"user":`
	t.Run("slow body", func(t *testing.T) {
		wait := stall(t)
		base := hostileServer(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "100")
			io.WriteString(w, partial)
			w.(http.Flusher).Flush()
			wait(r)
		})
		c := hostileClient(t, base, ClientOptions{})
		// The request's deadline passes when the client asks for more
		// than the part the target sent.
		ctx := newEventDeadline(context.Background())
		c.http.Transport = bodyHook{inner: c.http.Transport, after: len(partial), fn: ctx.expire}
		resp := c.Do(ctx, &Request{Method: "GET", URL: mustURL(t, base+"/api/users/1")})
		if resp.Err == nil || !strings.Contains(resp.Err.Error(), "reading the body: timed out") {
			t.Fatalf("err = %v, want one saying the body timed out", resp.Err)
		}
		if resp.Status != http.StatusOK || string(resp.Body) != partial || !resp.Truncated {
			t.Errorf("status %d, body %q, truncated %v; want 200, %q, true", resp.Status, resp.Body, resp.Truncated, partial)
		}
		if c.Sent() != 1 || c.Failed() != 1 {
			t.Errorf("Sent() = %d, Failed() = %d; want 1 and 1", c.Sent(), c.Failed())
		}
	})
	t.Run("reset in the middle of the body", func(t *testing.T) {
		const head = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"
		const part = `{"email":"a@`
		read := make(chan struct{})
		var once sync.Once
		base := rawServer(t, func(c *net.TCPConn, _ string) {
			io.WriteString(c, head+part)
			select {
			case <-read:
			case <-time.After(hostileSafetyTimeout):
			}
			reset(c)
		})
		c := hostileClient(t, base, ClientOptions{})
		c.http.Transport = bodyHook{inner: c.http.Transport, after: len(part), fn: func() { once.Do(func() { close(read) }) }}
		resp := get(t, c, base+"/api/users/1")
		if resp.Err == nil || !strings.Contains(resp.Err.Error(), "reading the body") {
			t.Fatalf("err = %v, want one saying the body could not be read", resp.Err)
		}
		if resp.Status != http.StatusOK || !resp.Truncated || len(resp.Body) > len(part) {
			t.Errorf("status %d, body %q, truncated %v; want 200, at most %q, true", resp.Status, resp.Body, resp.Truncated, part)
		}
		if c.Sent() != 1 || c.Failed() != 1 {
			t.Errorf("Sent() = %d, Failed() = %d; want 1 and 1", c.Sent(), c.Failed())
		}
	})
}

// eventDeadline is a context whose deadline is an event rather than a
// time: once expire is called, Done is closed and Err is
// context.DeadlineExceeded, which the client takes for a timeout as it
// would a clock's. It also ends with its parent.
type eventDeadline struct {
	context.Context
	done  chan struct{}
	once  sync.Once
	fired atomic.Bool
}

func newEventDeadline(parent context.Context) *eventDeadline {
	d := &eventDeadline{Context: parent, done: make(chan struct{})}
	if parent.Done() != nil {
		go func() {
			select {
			case <-parent.Done():
				d.once.Do(func() { close(d.done) })
			case <-d.done:
			}
		}()
	}
	return d
}

func (d *eventDeadline) Done() <-chan struct{} { return d.done }

func (d *eventDeadline) Err() error {
	select {
	case <-d.done:
		if d.fired.Load() {
			return context.DeadlineExceeded
		}
		return d.Context.Err()
	default:
		return nil
	}
}

func (d *eventDeadline) expire() {
	d.fired.Store(true)
	d.once.Do(func() { close(d.done) })
}

// stallHeader carries a request's id from stallDeadlines to the target.
const stallHeader = "X-Authgate-Test-Stall"

// stallDeadlines is a transport that gives every request an eventDeadline,
// passed when the target calls arrived with the request: a target that
// stalls makes its requests time out as soon as it has them, however
// long a loaded machine took to get there, and no other request can.
type stallDeadlines struct {
	inner http.RoundTripper
	mu    sync.Mutex
	next  int
	live  map[string]*eventDeadline
}

func newStallDeadlines() *stallDeadlines {
	return &stallDeadlines{inner: http.DefaultTransport.(*http.Transport).Clone(), live: map[string]*eventDeadline{}}
}

func (s *stallDeadlines) RoundTrip(req *http.Request) (*http.Response, error) {
	d := newEventDeadline(req.Context())
	s.mu.Lock()
	s.next++
	id := fmt.Sprint(s.next)
	s.live[id] = d
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.live, id)
		s.mu.Unlock()
	}()
	req = req.Clone(d)
	req.Header.Set(stallHeader, id)
	return s.inner.RoundTrip(req)
}

// arrived passes the deadline of r, a request the target stalls.
func (s *stallDeadlines) arrived(r *http.Request) {
	s.mu.Lock()
	d := s.live[r.Header.Get(stallHeader)]
	s.mu.Unlock()
	if d != nil {
		d.expire()
	}
}

// bodyHook wraps a transport: once the client has read after bytes of a
// response body, fn runs before each further read. At that point the
// client holds the headers and the body's first part, whatever the
// machine's speed.
type bodyHook struct {
	inner http.RoundTripper
	after int
	fn    func()
}

func (h bodyHook) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := h.inner.RoundTrip(req)
	if err == nil {
		resp.Body = &hookedBody{ReadCloser: resp.Body, after: h.after, fn: h.fn}
	}
	return resp, err
}

type hookedBody struct {
	io.ReadCloser
	read, after int
	fn          func()
}

func (b *hookedBody) Read(p []byte) (int, error) {
	if b.read >= b.after {
		b.fn()
	}
	n, err := b.ReadCloser.Read(p)
	b.read += n
	return n, err
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestInsecureTLS: the flag accepts a self-signed certificate for the
// target; without it the certificate is refused with a TLSError.
func TestInsecureTLS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"ok":true}`)
	}))
	srv.Config.ErrorLog = quietLog()
	defer srv.Close()
	for _, insecure := range []bool{false, true} {
		c := hostileClient(t, srv.URL, ClientOptions{InsecureTLS: insecure})
		resp := get(t, c, srv.URL+"/")
		var terr *TLSError
		switch {
		case insecure && (resp.Err != nil || resp.Status != http.StatusOK):
			t.Errorf("with InsecureTLS: status %d, err %v; want 200", resp.Status, resp.Err)
		case !insecure && !errors.As(resp.Err, &terr):
			t.Errorf("without InsecureTLS: err = %v, want a TLSError", resp.Err)
		}
	}
}

// TestWaitNamesTheCertificateProblem: a scan of a self-signed target ends
// with one line naming the target, the problem and the flag, and it is
// ErrUnreachable (exit code 3).
func TestWaitNamesTheCertificateProblem(t *testing.T) {
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	srv.Config.ErrorLog = quietLog()
	defer srv.Close()
	_, err := Scan(context.Background(), Options{
		Target:    srv.URL,
		Endpoints: []string{"GET /user"},
		Client:    ClientOptions{Concurrency: 1, Timeout: time.Second},
		Rules:     []Rule{evidenceRule{}},
	})
	want := "target " + srv.URL + ": certificate signed by unknown authority (use --insecure-tls to accept a self-signed preview certificate)"
	if err == nil || err.Error() != want || !errors.Is(err, ErrUnreachable) {
		t.Fatalf("err = %v\nwant %q, wrapping ErrUnreachable", err, want)
	}
}

// gzipMember is one gzip member of 8 MiB of zeros: about 8 KB on the wire.
var gzipMember = sync.OnceValue(func() []byte {
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	zw.Write(make([]byte, 8<<20))
	zw.Close()
	return b.Bytes()
})

// gzipZeros answers size zero bytes (a multiple of 8 MiB) as a gzip stream
// of repeated members, a valid stream that costs the server nothing; it
// stops when the client hangs up.
func gzipZeros(size int64) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Encoding", "gzip")
		for range size / (8 << 20) {
			if _, err := w.Write(gzipMember()); err != nil {
				return
			}
		}
	}
}

// TestGzipBombStaysBounded: the client asks for gzip itself and decodes
// it (as Go's transport would, transparently), the body cap applies to
// the decoded bytes, and a body that expands beyond any plausible ratio
// is cut as soon as it passes the 1 MiB cap, even where an API
// description may take 64 MiB. Memory stays bounded; nothing of this is an
// error, and legitimate gzip bodies are read whole.
func TestGzipBombStaysBounded(t *testing.T) {
	const bomb = 1 << 30 // decoded bytes the server offers
	var legit bytes.Buffer
	for i := range 30_000 {
		fmt.Fprintf(&legit, `{"id":%d,"email":"user%d@example.com","role":"member","tags":["a","b"]},`, i, i*7919%100_003)
	}
	legitGzip := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		zw.Write(legit.Bytes())
		zw.Close()
	}
	tests := []struct {
		name      string
		handler   http.HandlerFunc
		limit     int64
		wantBody  int
		truncated bool
	}{
		{"bomb at the 1 MiB cap", gzipZeros(bomb), 0, maxBodyBytes, true},
		{"bomb where a description may take 64 MiB", gzipZeros(bomb), maxSpecBytes, -1, true},
		{"legitimate gzip, cut at the 1 MiB cap", legitGzip, 0, maxBodyBytes, true},
		{"legitimate gzip, read whole under 64 MiB", legitGzip, maxSpecBytes, legit.Len(), false},
		{"empty body labelled gzip", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "gzip")
			w.WriteHeader(http.StatusNoContent)
		}, 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var acceptEncoding atomic.Value
			base := hostileServer(t, func(w http.ResponseWriter, r *http.Request) {
				acceptEncoding.Store(r.Header.Get("Accept-Encoding"))
				tt.handler(w, r)
			})
			c := hostileClient(t, base, ClientOptions{Timeout: 30 * time.Second})
			var resp *Response
			alloc := heapAllocated(func() {
				resp = c.Do(context.Background(), &Request{Method: "GET", URL: mustURL(t, base+"/"), Limit: tt.limit})
			})
			if resp.Err != nil {
				t.Fatal(resp.Err)
			}
			if acceptEncoding.Load() != "gzip" {
				t.Errorf("Accept-Encoding = %q, want gzip", acceptEncoding.Load())
			}
			if resp.Header.Get("Content-Encoding") != "" {
				t.Error("Content-Encoding is still set on the decoded body")
			}
			if tt.wantBody >= 0 && len(resp.Body) != tt.wantBody {
				t.Errorf("body of %d bytes, want %d", len(resp.Body), tt.wantBody)
			}
			// The bomb guard acts just past the 1 MiB cap, whatever the
			// request's own limit.
			if tt.wantBody < 0 && len(resp.Body) > 2*maxBodyBytes {
				t.Errorf("body of %d bytes: the bomb was read past the guard", len(resp.Body))
			}
			if resp.Truncated != tt.truncated {
				t.Errorf("Truncated = %v, want %v", resp.Truncated, tt.truncated)
			}
			if tt.handler == nil || len(resp.Body) == 0 {
				return
			}
			// Reading the whole bomb would allocate at least a gibibyte,
			// its 64 MiB share at least that much again; the bound allows
			// the body, the decoder's window and the server's encoder.
			const maxAlloc = 32 << 20
			if alloc > maxAlloc {
				t.Errorf("one response allocated %d bytes, more than %d", alloc, maxAlloc)
			}
			if resp.Body[0] != 0 && resp.Body[0] != '{' {
				t.Errorf("the body starts with %q: it was not decoded", resp.Body[:1])
			}
		})
	}
}

// TestThrottleStorm: a target that throttles every request with a
// one-day Retry-After. Each request waits at most the cap in total, and
// after maxThrottleRounds fruitless pauses the client stops sending: the
// storm costs a bounded number of requests, all counted as errors.
func TestThrottleStorm(t *testing.T) {
	tests := []struct {
		name   string
		status int
		header string
	}{
		{"429 with a one-day Retry-After", http.StatusTooManyRequests, "86400"},
		{"503 with a one-day Retry-After", http.StatusServiceUnavailable, "86400"},
		{"429 with a Retry-After date next year", http.StatusTooManyRequests, time.Now().AddDate(1, 0, 0).UTC().Format(http.TimeFormat)},
		{"429 with an overflowing Retry-After", http.StatusTooManyRequests, "99999999999999999"},
		{"429 without Retry-After", http.StatusTooManyRequests, ""},
	}
	const requests = 20
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hits atomic.Int32
			base := hostileServer(t, func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				if tt.header != "" {
					w.Header().Set("Retry-After", tt.header)
				}
				w.WriteHeader(tt.status)
			})
			// Without Retry-After a 429 pauses 1 s: the cap shortens it.
			c := hostileClient(t, base, ClientOptions{Concurrency: 1})
			var refused int
			for range requests {
				resp := get(t, c, base+"/")
				switch {
				case errors.Is(resp.Err, ErrThrottled):
					refused++
				case resp.Err != nil || resp.Status != tt.status:
					t.Fatalf("status %d, err %v; want %d or ErrThrottled", resp.Status, resp.Err, tt.status)
				}
			}
			// One request per round: each resend after a pause starts a
			// new round; the round after the last one gives up.
			if n := int(hits.Load()); n > maxThrottleRounds+1 {
				t.Errorf("the target got %d requests, want at most %d", n, maxThrottleRounds+1)
			}
			if refused < requests-(maxThrottleRounds+1) {
				t.Errorf("%d of %d requests refused with ErrThrottled, want at least %d", refused, requests, requests-(maxThrottleRounds+1))
			}
			if c.Sent() != int(hits.Load()) || c.Failed() != c.Sent() {
				t.Errorf("Sent() = %d, Failed() = %d, target hits %d; every sent request is an error", c.Sent(), c.Failed(), hits.Load())
			}
		})
	}
}

// TestThrottleStormConcurrent: the same storm at concurrency 8 ends too,
// with every request answered or refused.
func TestThrottleStormConcurrent(t *testing.T) {
	var hits atomic.Int32
	base := hostileServer(t, func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Retry-After", "86400")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	c := hostileClient(t, base, ClientOptions{Concurrency: 8})
	const requests = 200
	var wg sync.WaitGroup
	var refused atomic.Int32
	for range requests {
		wg.Go(func() {
			if errors.Is(get(t, c, base+"/").Err, ErrThrottled) {
				refused.Add(1)
			}
		})
	}
	wg.Wait()
	if !c.gaveUp.Load() || refused.Load() == 0 {
		t.Fatalf("the client did not give up: %d requests refused", refused.Load())
	}
	if int(hits.Load()) >= requests {
		t.Errorf("the target got %d requests for %d asked: the storm was not cut short", hits.Load(), requests)
	}
	if c.Failed() != c.Sent() {
		t.Errorf("Sent() = %d, Failed() = %d; every sent request is an error", c.Sent(), c.Failed())
	}
}

// TestThrottleThatClears: a real rate limiter (every other request 429
// with a short Retry-After) never makes the client give up: each answer
// in between ends the round.
func TestThrottleThatClears(t *testing.T) {
	var n atomic.Int32
	base := hostileServer(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%2 == 1 {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		io.WriteString(w, "ok")
	})
	c := hostileClient(t, base, ClientOptions{Concurrency: 1})
	const requests = 30
	for i := range requests {
		if resp := get(t, c, base+"/"); resp.Status != http.StatusOK {
			t.Fatalf("request %d: status %d, err %v; want the answer after the 429", i, resp.Status, resp.Err)
		}
	}
	if c.gaveUp.Load() {
		t.Fatal("the client gave up; a limiter that clears is not a storm")
	}
	// Each 429 is an error of the statistics, each answer is not.
	if c.Sent() != 2*requests || c.Failed() != requests {
		t.Fatalf("Sent() = %d, Failed() = %d; want %d and %d", c.Sent(), c.Failed(), 2*requests, requests)
	}
}

// TestRetryAfterIsHonoured: the request is sent again only after the
// pause the target asked for (capped), never sooner. Only a lower bound is
// checked: a slow machine makes the gap longer, never shorter.
func TestRetryAfterIsHonoured(t *testing.T) {
	const capped = 150 * time.Millisecond
	var mu sync.Mutex
	var times []time.Time
	base := hostileServer(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		times = append(times, time.Now())
		first := len(times) == 1
		mu.Unlock()
		if first {
			w.Header().Set("Retry-After", "3600")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		io.WriteString(w, "ok")
	})
	c := hostileClient(t, base, ClientOptions{Concurrency: 1, MaxRetryAfter: capped})
	if resp := get(t, c, base+"/"); resp.Status != http.StatusOK {
		t.Fatalf("status %d, err %v; want the answer after the pause", resp.Status, resp.Err)
	}
	if len(times) != 2 {
		t.Fatalf("%d requests, want 2", len(times))
	}
	if gap := times[1].Sub(times[0]); gap < capped {
		t.Errorf("sent again after %s, before the %s pause", gap, capped)
	}
}

// hostileRule sends the operation once as the main identity and reports
// nothing: the engine's bookkeeping is what these scans test.
type hostileRule struct{}

func (hostileRule) Info() finding.RuleInfo { return evidenceRule{}.Info() }

func (hostileRule) Check(ctx context.Context, t *Target) []finding.Finding {
	r := t.Send(ctx, t.Main(), t.Values())
	t.Success(r) // the comparison toolkit runs on every answer
	PersonalRecord(r.Body)
	return nil
}

// TestHostileScans runs whole scans (engine, calibration, comparison)
// against targets that are hostile on some or all operations: the scan
// ends, reports what it could and marks what it could not.
func TestHostileScans(t *testing.T) {
	nested := func(depth int) string { return strings.Repeat(`[`, depth) + strings.Repeat(`]`, depth) }
	deepObjects := func(depth, key int) string {
		k := strings.Repeat("k", key)
		return strings.Repeat(`{"`+k+`":`, depth) + `{"email":"a@example.com"}` + strings.Repeat(`}`, depth)
	}
	hugeList := func(records int) string {
		var b strings.Builder
		b.WriteString(`[`)
		for i := range records {
			if i > 0 {
				b.WriteString(`,`)
			}
			b.WriteString(`{"id":1,"email":"user@example.com","name":"A Person"}`)
		}
		b.WriteString(`]`)
		return b.String()
	}
	// serve answers body, built once: building it per request would
	// itself outlast the short timeout under the race detector.
	serve := func(body string) func(http.ResponseWriter, *http.Request) {
		return func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, body) }
	}
	okBody := `{"id":1,"name":"widget"}`
	// The stalling target never answers; its requests end as a timeout
	// ends them once it has them, and every other request has the
	// safety timeout, so a loaded machine cannot time out GET /good.
	stalls := newStallDeadlines()
	tests := []struct {
		name string
		// bad answers the hostile operation, GET /bad; GET /good and /
		// answer normally.
		bad func(w http.ResponseWriter, r *http.Request)
		// wantErr: the whole scan fails with ErrScanFailed.
		wantErr        bool
		wantIncomplete bool
	}{
		{"100,000 levels of nested arrays", serve(nested(100_000)), false, false},
		{"9,990 levels of objects with long keys", serve(deepObjects(9_990, 90)), false, false},
		{"5 MB of JSON records", serve(hugeList(100_000)), false, false},
		{"429 forever with a one-day Retry-After", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "86400")
			w.WriteHeader(http.StatusTooManyRequests)
		}, false, true},
		{"connection reset", func(w http.ResponseWriter, r *http.Request) {
			c, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				reset(c.(*net.TCPConn))
			}
		}, false, true},
		{"slow headers", func(w http.ResponseWriter, r *http.Request) {
			stalls.arrived(r)
			<-r.Context().Done()
		}, false, true},
	}
	for _, tt := range tests {
		for _, onlyBad := range []bool{false, true} {
			name := tt.name + ", one of two operations"
			paths := `"/good":{"get":{"responses":{"200":{"description":"ok"}}}},"/bad":{"get":{"responses":{"200":{"description":"ok"}}}}`
			if onlyBad {
				name = tt.name + ", every operation"
				paths = `"/bad":{"get":{"responses":{"200":{"description":"ok"}}}}`
			}
			// A description from a file: discovery parses whatever the
			// target answers at the usual paths, which is the loader's
			// business (see docs/hostile.md), not this test's.
			spec := `{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{` + paths + `}}`
			t.Run(name, func(t *testing.T) {
				base := hostileServer(t, func(w http.ResponseWriter, r *http.Request) {
					switch {
					case r.URL.Path == "/" || r.URL.Path == "/good":
						io.WriteString(w, okBody)
					case r.URL.Path == "/bad" || onlyBad:
						tt.bad(w, r)
					default:
						http.NotFound(w, r)
					}
				})
				res, err := Scan(context.Background(), Options{
					Target:   base,
					OpenAPI:  "openapi.json",
					ReadFile: func(string) ([]byte, error) { return []byte(spec), nil },
					Primary:  NewIdentity("primary", []Header{{Name: "Authorization", Value: "Bearer " + regressAliceToken}}),
					Client:   ClientOptions{Concurrency: 2, Timeout: hostileSafetyTimeout, MaxRetryAfter: hostileRetryCap, Transport: stalls},
					Rules:    []Rule{hostileRule{}},
				})
				if res == nil {
					t.Fatalf("no result: %v", err)
				}
				wantErr := onlyBad && tt.wantIncomplete
				if gotErr := errors.Is(err, ErrScanFailed); gotErr != wantErr {
					t.Fatalf("err = %v; want ErrScanFailed: %v", err, wantErr)
				}
				if got := res.Incomplete != ""; got != tt.wantIncomplete {
					t.Errorf("Incomplete = %q; want it set: %v", res.Incomplete, tt.wantIncomplete)
				}
				if tt.wantIncomplete && res.Errors == 0 {
					t.Errorf("Errors = 0 of %d requests; the failures are not counted", res.Requests)
				}
				if !tt.wantIncomplete && res.Errors != 0 {
					t.Errorf("Errors = %d; the answers were usable", res.Errors)
				}
			})
		}
	}
}

// quietLog keeps the TLS servers' "bad certificate" lines out of the
// test output: that refusal is what the tests provoke.
func quietLog() *log.Logger { return log.New(io.Discard, "", 0) }

// heapAllocated returns the bytes allocated on the heap while fn runs:
// the whole process, so the in-process server's small, bounded part too.
func heapAllocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestInterruptedDuringLastOperation: a scan interrupted while its only
// operation is in flight is marked interrupted, not blamed on the target
// ("got no usable answer"): the failed request is the interruption's doing.
func TestInterruptedDuringLastOperation(t *testing.T) {
	var seen atomic.Int64
	started := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if seen.Add(1) == 1 {
			w.WriteHeader(http.StatusNotFound) // the wait probe
			return
		}
		select {
		case started <- struct{}{}:
		default:
		}
		<-r.Context().Done()
	}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-started
		cancel()
	}()
	res, err := Scan(ctx, Options{
		Target:    srv.URL,
		Endpoints: []string{"GET /user"},
		Client:    ClientOptions{Concurrency: 1, Timeout: 30 * time.Second},
		Rules:     []Rule{evidenceRule{}},
	})
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	if !strings.HasPrefix(res.Incomplete, "interrupted") {
		t.Errorf("incomplete = %q, want interrupted", res.Incomplete)
	}
}
