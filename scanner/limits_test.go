package scanner_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authgate/authgate/cli"
	"github.com/authgate/authgate/internal/testapi"
	"github.com/authgate/authgate/scanner"
)

// holdFallback releases a held request when the number in flight never
// reaches what the test waits for. A correct client never waits for it,
// however loaded the machine (so it is generous); it only turns a client
// that lets too few requests through into a slow failure instead of a
// hang.
const holdFallback = time.Minute

// testTimeout is the clients' per-request timeout: far beyond anything a
// loopback answer needs, even on a machine loaded with other tests, since
// a timeout here would be a failure that says nothing about the limits.
const testTimeout = time.Minute

// inFlight counts the requests a server is handling and remembers the
// most it ever saw at once.
type inFlight struct {
	mu       sync.Mutex
	now, max int
}

func (f *inFlight) enter() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now++
	f.max = max(f.max, f.now)
	return f.now
}

func (f *inFlight) leave() {
	f.mu.Lock()
	f.now--
	f.mu.Unlock()
}

func (f *inFlight) peak() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.max
}

// overflowGrace is how long a full batch is still held, so that a request
// beyond the bound, which a faulty client sends at once, arrives while the
// batch is in flight and is counted. A correct client sends nothing during
// it, so the grace cannot make a correct client fail.
const overflowGrace = 100 * time.Millisecond

// batchServer holds the requests it receives in batches of size: the
// first size to arrive are answered together overflowGrace after the last
// of them arrived, then the next size, and so on. A client that keeps at
// most size requests in flight can only send a request of the next batch
// after one of the current batch was answered, so the server sees exactly
// size in flight at its peak; a client that lets more through is seen
// sending them while a batch is held.
func batchServer(size int, seen *inFlight) http.Handler {
	var mu sync.Mutex
	arrived := 0
	batches := map[int]chan struct{}{}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen.enter()
		defer seen.leave()
		mu.Lock()
		batch := arrived / size
		arrived++
		if batches[batch] == nil {
			batches[batch] = make(chan struct{})
		}
		release := batches[batch]
		if arrived%size == 0 {
			time.AfterFunc(overflowGrace, func() { close(release) })
		}
		mu.Unlock()
		select {
		case <-release:
		case <-time.After(holdFallback):
		}
		fmt.Fprint(w, `{"ok":true}`)
	})
}

func newClient(t *testing.T, srv *httptest.Server, opts scanner.ClientOptions) *scanner.Client {
	t.Helper()
	opts.Origins = []string{srv.URL} // httptest URLs are already scheme://127.0.0.1:port
	if opts.Timeout == 0 {
		opts.Timeout = testTimeout
	}
	return scanner.NewClient(opts)
}

// sendAll sends n requests to srv from n goroutines at once, so the
// client, not the caller, decides how many are in flight and when.
func sendAll(t *testing.T, c *scanner.Client, srv *httptest.Server, n int) {
	t.Helper()
	u := mustParse(t, srv.URL+"/items")
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if r := c.Do(context.Background(), &scanner.Request{Method: http.MethodGet, URL: u}); r.Err != nil || r.Status != http.StatusOK {
				errs <- fmt.Errorf("status %d, err %v", r.Status, r.Err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestConcurrencyIsExact: with Concurrency N the target sees exactly N
// requests in flight at the peak: never more, and not fewer (the bound is
// used, not just respected).
func TestConcurrencyIsExact(t *testing.T) {
	tests := []struct {
		name        string
		concurrency int
	}{
		{"one at a time", 1},
		{"two", 2},
		{"odd", 3},
		{"default", 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var seen inFlight
			srv := httptest.NewServer(batchServer(tt.concurrency, &seen))
			defer srv.Close()
			c := newClient(t, srv, scanner.ClientOptions{Concurrency: tt.concurrency})
			// Four batches, sent by four times as many callers as
			// there are slots.
			sendAll(t, c, srv, 4*tt.concurrency)
			if got := seen.peak(); got != tt.concurrency {
				t.Fatalf("at most %d requests in flight at once, want exactly %d", got, tt.concurrency)
			}
		})
	}
}

// arrivals records when a server received each request.
type arrivals struct {
	mu    sync.Mutex
	times []time.Time
}

func (a *arrivals) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.times)
}

func (a *arrivals) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		a.times = append(a.times, time.Now())
		a.mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

// checkRate asserts what a rate limiter with rate r and burst 1 (the
// client's) guarantees however slow the machine: the k-th request to
// arrive cannot arrive before start + (k-1)/r, since the limiter grants
// the k-th token no earlier and no request arrives before it is granted.
// So no window from the start holds more than 1 + r·window requests, and
// n requests take at least (n-1)/r. Gaps between two arrivals are not
// asserted: a request delayed on its way can arrive just before the next
// one, so only bounds counted from the start are exact.
func checkRate(t *testing.T, start time.Time, a *arrivals, r float64) {
	t.Helper()
	a.mu.Lock()
	times := slices.Clone(a.times)
	a.mu.Unlock()
	if len(times) < 2 {
		t.Fatalf("only %d requests arrived; nothing to measure", len(times))
	}
	slices.SortFunc(times, func(x, y time.Time) int { return x.Compare(y) })
	for k, at := range times {
		earliest := time.Duration(float64(k) / r * float64(time.Second))
		if got := at.Sub(start); got < earliest {
			t.Fatalf("request %d of %d arrived %v after the start, before %v: more than 1 + %g/s × window requests", k+1, len(times), got, earliest, r)
		}
	}
}

// TestRateIsExact: with Rate r, n requests sent at once by many callers
// take at least (n-1)/r, and never more than 1 + r·t of them have arrived
// t after the start (burst 1: the first is not delayed).
func TestRateIsExact(t *testing.T) {
	tests := []struct {
		name     string
		rate     float64
		requests int
	}{
		{"slow", 20, 11},
		{"default", 50, 26},
		{"fast", 200, 101},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var a arrivals
			srv := httptest.NewServer(a.wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprint(w, `{"ok":true}`)
			})))
			defer srv.Close()
			start := time.Now()
			c := newClient(t, srv, scanner.ClientOptions{Rate: tt.rate, Concurrency: 8})
			sendAll(t, c, srv, tt.requests)
			if n := a.count(); n != tt.requests {
				t.Fatalf("%d requests arrived, want %d", n, tt.requests)
			}
			checkRate(t, start, &a, tt.rate)
		})
	}
}

// holdServer holds each request until want are in flight at once (all of
// them are then released cliOverflowGrace later, so that a request beyond
// the bound would be counted), or until no request arrived for
// cliHoldFallback: the scan's serial phases (discovery, calibration) send
// one request at a time, and the last operations fewer than want.
func holdServer(want int, seen *inFlight, h http.Handler) http.Handler {
	var mu sync.Mutex
	full := make(chan struct{})
	closed := false
	var arrivals atomic.Int64
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrivals.Add(1)
		n := seen.enter()
		defer func() {
			seen.leave()
			mu.Lock()
			if closed {
				// Below the mark again: later requests wait for the
				// next time it is reached.
				full, closed = make(chan struct{}), false
			}
			mu.Unlock()
		}()
		mu.Lock()
		wait := full
		if n >= want && !closed {
			closed = true
			time.AfterFunc(cliOverflowGrace, func() { close(wait) })
		}
		mu.Unlock()
		// A slow machine that is still sending the batch keeps it held:
		// only a quiet spell releases it before the mark.
		for held := true; held; {
			before := arrivals.Load()
			select {
			case <-wait:
				held = false
			case <-time.After(cliHoldFallback):
				held = arrivals.Load() != before
			}
		}
		h.ServeHTTP(w, r)
	})
}

// cliHoldFallback is holdFallback for whole scans: every request of a
// serial phase waits for it once, so it is short. While requests keep
// arriving it starts again, so a loaded machine that is slow to send the
// parallel phase's requests still gathers them; the peak is reached there,
// and those requests are released as soon as it is.
const cliHoldFallback = 50 * time.Millisecond

// cliOverflowGrace is overflowGrace for whole scans, shorter because a
// scan fills the bound a hundred times or more.
const cliOverflowGrace = 10 * time.Millisecond

// cliOperations sizes the API the CLI tests scan: more operations than
// workers, so every worker has one to check at once.
const cliOperations = 24

// scanCLI runs `authgate scan` in-process against url with the two test
// API users and extra flags, and returns its exit code.
func scanCLI(t *testing.T, target string, flags ...string) int {
	t.Helper()
	args := append([]string{"scan", target, "--config", "", "--format", "json", "--wait", "5s", "--timeout", testTimeout.String(),
		"--auth", "Authorization: Bearer " + testapi.TokenA, "--peer-auth", "Authorization: Bearer " + testapi.TokenB}, flags...)
	var stdout, stderr bytes.Buffer
	code := cli.Run(context.Background(), args, cli.Env{Stdout: &stdout, Stderr: &stderr})
	if code != cli.ExitPassed {
		t.Fatalf("authgate scan exited %d, want 0\nstderr:\n%s", code, stderr.String())
	}
	return code
}

// TestConcurrencyFlag: --concurrency N bounds a whole scan — workers,
// harvest and API-wide rules share the one client — at exactly N.
func TestConcurrencyFlag(t *testing.T) {
	if testing.Short() {
		t.Skip("a whole scan with held requests")
	}
	for _, n := range []int{1, 3, 8} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			var seen inFlight
			srv := httptest.NewServer(holdServer(n, &seen, testapi.New(cliOperations)))
			defer srv.Close()
			scanCLI(t, srv.URL, "--rate", "0", "--concurrency", strconv.Itoa(n))
			if got := seen.peak(); got != n {
				t.Fatalf("at most %d requests in flight at once, want exactly %d", got, n)
			}
		})
	}
}

// TestRateFlag: --rate r bounds a whole scan, from the first request (the
// wait probe) to the last, as checkRate describes.
func TestRateFlag(t *testing.T) {
	if testing.Short() {
		t.Skip("a rate-limited scan")
	}
	const r = 100
	var a arrivals
	srv := httptest.NewServer(a.wrap(testapi.New(cliOperations / 3)))
	defer srv.Close()
	start := time.Now()
	scanCLI(t, srv.URL, "--rate", strconv.Itoa(r), "--concurrency", "8")
	checkRate(t, start, &a, r)
}

func mustParse(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
