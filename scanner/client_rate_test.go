package scanner

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is a clock that moves only when the client sleeps or the fake
// target answers: a scan of minutes runs in microseconds, and what is
// asserted cannot depend on the machine's speed. It is exact for one
// request at a time (concurrency 1): two sleepers would each move it.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC)}
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	f.advance(d)
	return ctx.Err()
}

func (f *fakeClock) advance(d time.Duration) {
	if d <= 0 {
		return
	}
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.mu.Unlock()
}

// fakeAnswer is what the fake target does with a request that arrives at
// elapsed (fake time since the start): its latency, and a status with a
// Retry-After header ("" for none) or an error (no answer).
type fakeAnswer struct {
	latency    time.Duration
	status     int
	retryAfter string
	err        error
}

// fakeTarget is a transport that answers on the fake clock and records
// when each request arrived.
type fakeTarget struct {
	clock  *fakeClock
	start  time.Time
	answer func(path string, elapsed time.Duration) fakeAnswer

	mu       sync.Mutex
	arrivals []time.Duration
}

func (f *fakeTarget) RoundTrip(req *http.Request) (*http.Response, error) {
	elapsed := f.clock.Now().Sub(f.start)
	f.mu.Lock()
	f.arrivals = append(f.arrivals, elapsed)
	f.mu.Unlock()
	a := f.answer(req.URL.Path, elapsed)
	f.clock.advance(a.latency)
	if a.err != nil {
		return nil, a.err
	}
	h := http.Header{}
	if a.retryAfter != "" {
		h.Set("Retry-After", a.retryAfter)
	}
	return &http.Response{StatusCode: a.status, Header: h, Body: io.NopCloser(strings.NewReader(`{"ok":true}`)), Request: req}, nil
}

// between counts the requests that arrived in [from, to).
func (f *fakeTarget) between(from, to time.Duration) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, at := range f.arrivals {
		if at >= from && at < to {
			n++
		}
	}
	return n
}

// fakeClient is a client of the fake target on the fake clock, one
// request at a time.
func fakeClient(t *testing.T, opts ClientOptions, answer func(path string, elapsed time.Duration) fakeAnswer) (*Client, *fakeTarget) {
	t.Helper()
	clk := newFakeClock()
	target := &fakeTarget{clock: clk, start: clk.Now(), answer: answer}
	opts.clock, opts.Transport, opts.Concurrency = clk, target, 1
	opts.Origins = []string{origin(mustURL(t, "http://api.test"))}
	if opts.Timeout == 0 {
		opts.Timeout = time.Minute
	}
	return NewClient(opts), target
}

// sendUntil sends requests to path one after the other until the fake
// clock has passed end (or the client gave up on the target).
func sendUntil(t *testing.T, c *Client, target *fakeTarget, path string, end time.Duration) {
	t.Helper()
	for c.clock.Now().Sub(target.start) < end && !c.gaveUp.Load() {
		c.Do(context.Background(), &Request{Method: http.MethodGet, URL: mustURL(t, "http://api.test"+path)})
	}
}

// TestAdaptiveRateBacksOffWithinASecond: a fast target the rate has risen
// on starts throttling, failing or slowing down every other request at
// 3 s (a real limiter or a struggling server still answers some); within
// a second the rate is at most half what it was, and the target gets at
// most half the requests of the second before.
func TestAdaptiveRateBacksOffWithinASecond(t *testing.T) {
	const turn = 3 * time.Second
	tests := []struct {
		name  string
		after fakeAnswer // the target's answer from turn on
	}{
		{"429 with Retry-After 0", fakeAnswer{latency: time.Millisecond, status: http.StatusTooManyRequests, retryAfter: "0"}},
		{"429 without Retry-After", fakeAnswer{latency: time.Millisecond, status: http.StatusTooManyRequests}},
		{"503 without Retry-After", fakeAnswer{latency: time.Millisecond, status: http.StatusServiceUnavailable}},
		{"502 from a proxy", fakeAnswer{latency: time.Millisecond, status: http.StatusBadGateway}},
		{"no answer", fakeAnswer{latency: time.Millisecond, err: errors.New("connection reset by peer")}},
		{"latency from 1 ms to 100 ms", fakeAnswer{latency: 100 * time.Millisecond, status: http.StatusOK}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			after := 0
			c, target := fakeClient(t, ClientOptions{Rate: 500}, func(_ string, elapsed time.Duration) fakeAnswer {
				if elapsed < turn {
					return fakeAnswer{latency: time.Millisecond, status: http.StatusOK}
				}
				if after++; after%2 == 0 {
					return fakeAnswer{latency: time.Millisecond, status: http.StatusOK}
				}
				return tt.after
			})
			sendUntil(t, c, target, "/", turn)
			before := c.currentRate()
			if before < 400 {
				t.Fatalf("the rate rose only to %.0f/s on a fast, clean target; want near the 500/s ceiling", before)
			}
			sendUntil(t, c, target, "/", turn+time.Second)
			if after := c.currentRate(); after > before/2 {
				t.Errorf("a second after the target turned, the rate is %.0f/s; want at most half of %.0f/s", after, before)
			}
			prev, next := target.between(turn-time.Second, turn), target.between(turn, turn+time.Second)
			if next > prev/2 {
				t.Errorf("the target got %d requests in the second after it turned, %d in the second before; want at most half", next, prev)
			}
		})
	}
}

// TestAdaptiveRate: how the rate moves on a fake target, one request at a
// time for ten seconds: it starts at AdaptiveStartRate (or the ceiling
// when lower), never exceeds the ceiling, stays near what latency allows,
// and a target that answers slowly from the start, or that stays slower
// after one cut, is not cut again and again.
func TestAdaptiveRate(t *testing.T) {
	tests := []struct {
		name    string
		ceiling float64
		latency time.Duration
		// min and max bound the rate after ten seconds.
		min, max float64
	}{
		{"fast target, default ceiling", 500, time.Millisecond, 500, 500},
		{"fast target, --rate 50", 50, time.Millisecond, 50, 50},
		{"fast target, --rate 5", 5, time.Millisecond, 5, 5},
		// One request at a time with 100 ms answers sends 10/s: the
		// limit stays within twice that, so that a cut slows the scan.
		{"slow target", 500, 100 * time.Millisecond, 10, 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, target := fakeClient(t, ClientOptions{Rate: tt.ceiling}, func(string, time.Duration) fakeAnswer {
				return fakeAnswer{latency: tt.latency, status: http.StatusOK}
			})
			if got, want := c.currentRate(), min(AdaptiveStartRate, tt.ceiling); got != want {
				t.Fatalf("starts at %.1f/s, want %.1f/s", got, want)
			}
			sendUntil(t, c, target, "/", 10*time.Second)
			if got := c.currentRate(); got < tt.min || got > tt.max {
				t.Errorf("rate %.1f/s after 10 s, want %.0f to %.0f", got, tt.min, tt.max)
			}
			// The ceiling holds from the start: no second holds more
			// than 1 + ceiling requests.
			for s := range 10 {
				from := time.Duration(s) * time.Second
				if n := target.between(from, from+time.Second); float64(n) > 1+tt.ceiling {
					t.Errorf("second %d: %d requests, more than 1 + %.0f", s, n, tt.ceiling)
				}
			}
		})
	}
}

// TestAdaptiveRateSlowerTargetCutOnce: a target whose answers go from
// 1 ms to 200 ms and stay there is cut once for it, not again and again
// down to the floor by the same slow-down. One request at a time: each
// leaves when the answer before it came and the rate allows.
func TestAdaptiveRateSlowerTargetCutOnce(t *testing.T) {
	a := newAdaptiveRate(500)
	now := time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC)
	var last time.Time
	answer := func(latency time.Duration) float64 {
		sentAt, limited := now, false
		if next := last.Add(time.Duration(float64(time.Second) / a.rate)); next.After(now) {
			sentAt, limited = next, true
		}
		a.sent(sentAt, limited)
		last, now = sentAt, sentAt.Add(latency)
		r, _ := a.answered(sentAt, now, false)
		return r
	}
	for range 100 {
		answer(time.Millisecond)
	}
	fast := a.rate
	if fast != 500 {
		t.Fatalf("rate %.1f/s on a fast target, want the 500/s ceiling", fast)
	}
	cuts := 0
	for range 200 {
		before := a.rate
		if answer(200*time.Millisecond) < before {
			cuts++
		}
	}
	if cuts != 1 {
		t.Errorf("%d cuts for one slow-down, want 1", cuts)
	}
	if floor := minRateShare * AdaptiveStartRate; a.rate < floor || a.rate >= fast {
		t.Errorf("rate %.1f/s after the slow-down (%.1f/s before); want it lower, and not below the floor %.0f/s", a.rate, fast, floor)
	}
}

// TestThrottleStormCostsAtMostTheCap: however a target throttles, the
// scan's Retry-After pauses add up to at most MaxRetryAfter (30 s), not 30 s
// per pause; the client then returns throttled answers at once and, when
// nothing answers any more, stops sending. A route that still answers is
// still scanned.
func TestThrottleStormCostsAtMostTheCap(t *testing.T) {
	throttle := func(retryAfter string) fakeAnswer {
		return fakeAnswer{status: http.StatusTooManyRequests, retryAfter: retryAfter}
	}
	tests := []struct {
		name   string
		answer func(path string) fakeAnswer
		// wantGiveUp: every route is throttled, so the client stops.
		wantGiveUp bool
	}{
		{"every request, Retry-After a day", func(string) fakeAnswer { return throttle("86400") }, true},
		{"every request, Retry-After 10 s", func(string) fakeAnswer { return throttle("10") }, true},
		{"every request, Retry-After 1 s", func(string) fakeAnswer { return throttle("1") }, true},
		{"every request, 503 Retry-After 20 s", func(string) fakeAnswer {
			return fakeAnswer{status: http.StatusServiceUnavailable, retryAfter: "20"}
		}, true},
		{"one route, Retry-After a day", func(path string) fakeAnswer {
			if path == "/bad" {
				return throttle("86400")
			}
			return fakeAnswer{status: http.StatusOK}
		}, false},
		{"one route, Retry-After 10 s", func(path string) fakeAnswer {
			if path == "/bad" {
				return throttle("10")
			}
			return fakeAnswer{status: http.StatusOK}
		}, false},
	}
	const requests = 200
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Rate 0: the fake clock then moves only in pauses.
			c, target := fakeClient(t, ClientOptions{}, func(path string, _ time.Duration) fakeAnswer { return tt.answer(path) })
			good := 0
			for i := range requests {
				path := "/bad"
				if i%2 == 1 {
					path = "/good"
				}
				if resp := c.Do(context.Background(), &Request{Method: http.MethodGet, URL: mustURL(t, "http://api.test"+path)}); resp.OK() {
					good++
				}
			}
			if paused := c.clock.Now().Sub(target.start); paused > maxRetryAfter {
				t.Errorf("the scan paused %s in total, want at most %s", paused, maxRetryAfter)
			}
			if c.gaveUp.Load() != tt.wantGiveUp {
				t.Errorf("gave up: %v, want %v", c.gaveUp.Load(), tt.wantGiveUp)
			}
			if !tt.wantGiveUp && good != requests/2 {
				t.Errorf("%d of %d requests to the route that answers got their answer", good, requests/2)
			}
			if tt.wantGiveUp && c.Sent() > 2*maxThrottleRounds+2 {
				t.Errorf("%d requests sent into the storm", c.Sent())
			}
		})
	}
}
