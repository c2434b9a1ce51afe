package scanner

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// Errors of the target client. Rules treat them as "no answer", never as
// evidence.
var (
	// ErrOutOfScope: a request to an origin other than the target's.
	ErrOutOfScope = errors.New("request outside the target's origin refused")
	// ErrBudget: the request budget is spent.
	ErrBudget = errors.New("request budget exhausted")
	// ErrThrottled: the target kept throttling (429, or 503 with
	// Retry-After) beyond what the scan waits for, so the request was not
	// sent (again).
	ErrThrottled = errors.New("the target kept throttling the scan")
)

// Bounds of the target client, each with its reason.
const (
	// maxBodyBytes caps what is read of a response body: enough for any
	// record or error page a rule judges, small enough that an endless or
	// huge body cannot exhaust memory.
	maxBodyBytes = 1 << 20
	// maxSpecBytes caps an API description read from the target: large
	// enterprise documents run to tens of megabytes.
	maxSpecBytes = 64 << 20
	// maxRetryAfter caps the Retry-After pauses of a whole scan, in
	// total: a hostile or misconfigured target that throttles every
	// request cannot stall CI for longer than this. A pause that would go
	// past it is not waited, and its request not sent again (see pause;
	// ClientOptions.MaxRetryAfter overrides it in tests).
	maxRetryAfter = 30 * time.Second
	// maxThrottleResends is how often one request is sent again after a
	// 429/503 with Retry-After; the scanner's own throttling is never a
	// finding, but it must not loop forever either.
	maxThrottleResends = 2
	// maxThrottleRounds is how many throttling pauses in a row, with no
	// usable answer in between, the client sits out before it gives up on
	// the target, however short the pauses: every later request then
	// fails at once with ErrThrottled instead of adding to the storm.
	maxThrottleRounds = 3
	// maxHeaderBytes caps a response's headers: real ones, cookies and
	// all, stay far below; endless header lines must not fill memory
	// (Go's transport would allow 10 MB per response, times concurrency).
	maxHeaderBytes = 1 << 20
)

// Request is one request to the target, before credentials are added.
type Request struct {
	Method   string
	URL      *url.URL
	Header   http.Header // non-credential headers; may be nil
	Identity *Identity   // nil or Anonymous: no credentials
	// Limit caps the body read; 0 means maxBodyBytes.
	Limit int64
	// Body is sent with ContentType; only active rules send bodies.
	Body        []byte
	ContentType string
	// shownBody, when set, is Body as reports show it (passwords
	// hidden); otherwise Body is shown redacted like any text.
	shownBody []byte
	// ThrottleIsAnswer marks a request whose 429 is what the rule wants
	// to know (a login rate limit): it is returned at once, not re-sent
	// after Retry-After, not counted as an error, and does not pause the
	// rest of the scan. The rule stops sending when it sees one.
	ThrottleIsAnswer bool
	// pastBudget lets the request spend the budget's reserve (see
	// Client.reserve), never more than the budget: the undo of a change a
	// rule made (API.ReserveUndo) and what the write engine's creates
	// spend of what they hold (see Writes.create) must not be refused
	// because ordinary requests spent the rest.
	pastBudget bool
}

// Response is what the target answered. Err is set when there was no HTTP
// answer (connection refused, timeout, budget).
type Response struct {
	Request   *Request
	Status    int
	Header    http.Header
	Body      []byte
	Truncated bool
	Err       error

	// judged holds what the comparison toolkit concluded about the
	// answer (see answerMemo): one answer is judged by several rules.
	judged atomic.Pointer[answerMemo]
}

// OK reports whether the target answered with a 2xx status.
func (r *Response) OK() bool { return r.Err == nil && r.Status >= 200 && r.Status < 300 }

// ClientOptions bound the target client.
type ClientOptions struct {
	// Rate is the ceiling of the adaptive rate in requests per second
	// (see adaptiveRate): the scan starts at min(AdaptiveStartRate,
	// Rate) and never exceeds Rate. 0: unlimited, and no adaptation.
	Rate        float64
	Concurrency int           // requests in flight at once
	Timeout     time.Duration // per request, headers and body
	Budget      int           // requests in total; 0: unlimited
	// Origins are the only scheme://host:port values requests may go to.
	Origins []string
	// InsecureTLS accepts any certificate of the target (a self-signed
	// preview): the user asked for it, for the scanned origins only.
	InsecureTLS bool
	// MaxRetryAfter caps the Retry-After pauses of the whole scan, in
	// total; 0 means 30 s. Tests shorten it.
	MaxRetryAfter time.Duration
	// Transport replaces the default transport (tests); InsecureTLS does
	// not apply to it.
	Transport http.RoundTripper
	// clock replaces the real clock (tests: a fake one, so that pauses
	// and rates are checked without waiting).
	clock clock
}

// Client sends the scanner's requests: no automatic retries, no redirect
// following, bounded bodies, one rate limiter, bounded concurrency, a
// request budget and a scope guard. Rules never make their own clients.
type Client struct {
	http    *http.Client
	limiter *rate.Limiter
	limMu   sync.Mutex // see waitRate
	slots   chan struct{}
	budget  int64
	origins map[string]bool

	sent atomic.Int64 // requests that left (or tried to leave) the scanner
	// reserve is the part of the budget only requests marked pastBudget
	// (or sent on a context from spendReserve) may spend: what a rule
	// keeps to undo a change (API.ReserveUndo), and what the write engine
	// keeps to delete what the scan created and the accounts it
	// registered (see hold). No request goes past the budget itself.
	reserve atomic.Int64
	// refused: the budget refused a request or a hold (see exhausted).
	refused atomic.Bool
	failed  atomic.Int64 // requests without a usable answer (see Do)

	clock clock
	// adapt moves the limiter's rate (under limMu); nil without a rate.
	adapt *adaptiveRate

	maxWait time.Duration // Retry-After allowance of the whole scan
	// rounds counts throttling pauses in a row with no usable answer in
	// between; at maxThrottleRounds the client gives up (gaveUp).
	rounds atomic.Int32
	gaveUp atomic.Bool

	mu         sync.Mutex
	pauseUntil time.Time     // Retry-After pause shared by all requests
	roundStart time.Time     // when the latest throttling round began
	paused     time.Duration // Retry-After pauses so far, in total
}

// NewClient returns a Client bounded by opts.
func NewClient(opts ClientOptions) *Client {
	tr := opts.Transport
	if tr == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = max(opts.Concurrency, 2)
		// No ResponseHeaderTimeout: the client's Timeout (below) is the
		// same length and starts before it, so it always fired first,
		// and its timer cost every request.
		t.MaxResponseHeaderBytes = maxHeaderBytes
		if opts.InsecureTLS {
			// Only this transport, which reaches only the scanned
			// origins (see Do's scope guard), skips verification.
			t.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // asked for by --insecure-tls
		}
		tr = t
	}
	clk := opts.clock
	if clk == nil {
		clk = realClock{}
	}
	lim := rate.NewLimiter(rate.Inf, 1)
	var adapt *adaptiveRate
	if opts.Rate > 0 {
		// A burst of one keeps the rate exact from the first request.
		adapt = newAdaptiveRate(opts.Rate)
		lim = rate.NewLimiter(rate.Limit(adapt.rate), 1)
	}
	c := &Client{
		http: &http.Client{
			Transport: tr,
			Timeout:   opts.Timeout,
			// Rules must see the 3xx itself, and a redirect must never
			// carry credentials to another host.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		limiter: lim,
		slots:   make(chan struct{}, max(opts.Concurrency, 1)),
		budget:  int64(opts.Budget),
		origins: map[string]bool{},
		clock:   clk,
		adapt:   adapt,
		maxWait: opts.MaxRetryAfter,
	}
	if c.maxWait <= 0 {
		c.maxWait = maxRetryAfter
	}
	for _, o := range opts.Origins {
		c.origins[o] = true
	}
	return c
}

// origin returns scheme://host:port with the default port made explicit,
// so that http://h and http://h:80 compare equal.
func origin(u *url.URL) string { return string(appendOrigin(nil, u)) }

// appendOrigin appends origin(u) to b.
func appendOrigin(b []byte, u *url.URL) []byte {
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	b = append(b, strings.ToLower(u.Scheme)...)
	b = append(b, "://"...)
	b = append(b, strings.ToLower(u.Hostname())...)
	b = append(b, ':')
	return append(b, port...)
}

// inScope reports whether u is on one of the origins requests may go to.
// Asked for every request, it looks the origin up from a stack buffer
// instead of building its text.
func (c *Client) inScope(u *url.URL) bool {
	var buf [128]byte
	return c.origins[string(appendOrigin(buf[:0], u))]
}

// Sent is the number of requests sent so far.
func (c *Client) Sent() int { return int(c.sent.Load()) }

// Failed is the number of requests sent that got no usable answer (see
// usable): no HTTP answer, a throttled one, or a gateway's 502-504.
func (c *Client) Failed() int { return int(c.failed.Load()) }

// Do sends one request. It never returns nil; failures are in Response.Err.
//
// A throttled answer (429, or 503 with Retry-After) pauses every request
// for the time the target asks and is sent again, at most
// maxThrottleResends times, never once the scan's Retry-After pauses
// would pass MaxRetryAfter in total, and never once the client gave up
// (too many pauses in a row); the last throttled answer is then returned.
// Every attempt without a usable answer is an error in the statistics,
// so that Failed() equals Sent() when nothing answered.
func (c *Client) Do(ctx context.Context, req *Request) *Response {
	if !c.inScope(req.URL) {
		return &Response{Request: req, Err: fmt.Errorf("%w: %s", ErrOutOfScope, origin(req.URL))}
	}
	// last is the latest answer. A request not sent (budget, throttling,
	// cancelled) is neither a request nor an error in the statistics.
	var last *Response
	for attempt := 0; ; attempt++ {
		resp, sentAt, err := c.attempt(ctx, req)
		if err != nil {
			if last == nil {
				return &Response{Request: req, Err: err}
			}
			break // the answer is the one already had
		}
		last = resp
		if !usable(resp) {
			c.failed.Add(1)
		}
		if resp.Err != nil || req.ThrottleIsAnswer {
			break
		}
		if !c.pause(resp, sentAt) || attempt >= maxThrottleResends || c.gaveUp.Load() {
			break
		}
	}
	if usable(last) && last.Status != http.StatusTooManyRequests && c.rounds.Load() != 0 {
		c.rounds.Store(0) // the target answers again: the storm is over
	}
	return last
}

// attempt sends req once: budget, a concurrency slot, then the shared
// pause and the rate limiter, so that no request leaves during a pause
// (one queued for a slot included). An error means it was not sent.
func (c *Client) attempt(ctx context.Context, req *Request) (*Response, time.Time, error) {
	if c.gaveUp.Load() {
		return nil, time.Time{}, c.throttledError()
	}
	// Reserve the request in the budget before waiting, so that
	// concurrent requests cannot overshoot it.
	limit := c.budget
	if !req.pastBudget && ctx.Value(spendReserveKey{}) == nil {
		limit -= c.reserve.Load() // kept for undoing and cleaning up what a rule changed
	}
	if n := c.sent.Add(1); c.budget > 0 && n > limit {
		c.sent.Add(-1)
		c.refused.Store(true)
		return nil, time.Time{}, ErrBudget
	}
	if err := c.acquire(ctx); err != nil {
		c.sent.Add(-1)
		return nil, time.Time{}, err
	}
	defer c.release()
	if err := c.wait(ctx); err != nil {
		c.sent.Add(-1)
		return nil, time.Time{}, err
	}
	if c.gaveUp.Load() { // while this one waited
		c.sent.Add(-1)
		return nil, time.Time{}, c.throttledError()
	}
	resp := &Response{Request: req}
	sentAt := c.clock.Now()
	c.send(ctx, req, resp)
	c.answered(ctx, resp, sentAt)
	return resp, sentAt, nil
}

// acquire takes one of the concurrency slots; release gives it back.
func (c *Client) acquire(ctx context.Context) error {
	select {
	case c.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *Client) release() { <-c.slots }

// throttledError says why a request was not sent.
func (c *Client) throttledError() error {
	return fmt.Errorf("%w: %d pauses in a row (429/503 with Retry-After) without an answer; no more requests sent", ErrThrottled, maxThrottleRounds)
}

// usable reports whether a response is the operation's answer. No answer,
// the scanner's own throttling, or a proxy saying the application is not
// there are not: they count as errors, so that a target that is down never
// passes as a clean scan.
func usable(resp *Response) bool {
	if resp.Err == nil && resp.Status == http.StatusTooManyRequests && resp.Request != nil && resp.Request.ThrottleIsAnswer {
		return true
	}
	return resp.Err == nil && resp.Status != http.StatusTooManyRequests && !gatewayDown(resp.Status)
}

// wait blocks for any shared Retry-After pause (extended while it
// waited, too), then for the rate limiter.
func (c *Client) wait(ctx context.Context) error {
	for {
		c.mu.Lock()
		pause := c.pauseUntil.Sub(c.clock.Now())
		c.mu.Unlock()
		if pause <= 0 || c.gaveUp.Load() {
			break
		}
		if err := c.clock.Sleep(ctx, pause); err != nil {
			return err
		}
	}
	return c.waitRate(ctx)
}

// waitRate blocks until the rate limiter lets one more request go. The
// clock is read under limMu, so the limiter sees time only move forward:
// rate.Limiter.Wait reads the clock before taking its own lock, and a
// caller delayed between the two reserves from a stale time and is let
// through early (golang/go#65508), which breaks --rate under contention.
func (c *Client) waitRate(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.limMu.Lock()
	now := c.clock.Now()
	r := c.limiter.ReserveN(now, 1)
	if c.adapt != nil && r.OK() {
		d := r.DelayFrom(now)
		c.adapt.sent(now.Add(d), d > 0)
	}
	c.limMu.Unlock()
	if !r.OK() {
		return fmt.Errorf("rate limiter: no request can ever be allowed")
	}
	if err := c.clock.Sleep(ctx, r.DelayFrom(now)); err != nil {
		c.limMu.Lock()
		r.CancelAt(c.clock.Now())
		c.limMu.Unlock()
		return err
	}
	return nil
}

// pause reports whether resp is the target throttling the scanner (429,
// or 503 with Retry-After) and, if so, pauses every request for the time
// the target asked and reports whether the request is to be sent again
// after it. A throttled answer to a request sent after the latest pause
// began starts a new round: the pause did not help, and after too many
// rounds in a row the client gives up on the target. The scan's pauses
// add up to at most MaxRetryAfter: past it, throttled answers are returned
// as they are, without a pause or a resend, so that a storm costs at most
// that much waiting while the routes that still answer are scanned.
func (c *Client) pause(resp *Response, sentAt time.Time) bool {
	if resp.Status != http.StatusTooManyRequests && resp.Status != http.StatusServiceUnavailable {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.clock.Now()
	d, ok := retryAfter(resp.Header.Get("Retry-After"), now)
	if !ok {
		if resp.Status == http.StatusServiceUnavailable {
			return false
		}
		d = time.Second
	}
	d = min(d, c.maxWait)
	if !sentAt.Before(c.roundStart) {
		c.roundStart = now
		if c.rounds.Add(1) > maxThrottleRounds {
			c.gaveUp.Store(true)
		}
	}
	if until := now.Add(d); until.After(c.pauseUntil) {
		// Only what the pause adds to the one already set counts:
		// requests held together wait one pause, not one each.
		added := until.Sub(later(now, c.pauseUntil))
		if c.paused+added > c.maxWait {
			return false // the scan's pauses are spent
		}
		c.paused += added
		c.pauseUntil = until
	}
	return true
}

// later is the later of two times.
func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// clock is the client's time: the real one, or a fake in tests so that
// pauses and rates are checked without waiting for them.
type clock interface {
	Now() time.Time
	// Sleep waits d (nothing when d <= 0) or until ctx is done.
	Sleep(ctx context.Context, d time.Duration) error
}

// realClock is the wall clock.
type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Bounds of the adaptive rate, each with its reason.
const (
	// AdaptiveStartRate is the rate, in requests per second, a scan
	// starts at (or its --rate when lower): a preview deployment on one
	// small instance takes it easily, and a target that keeps up sees the
	// rate rise within a few answers.
	AdaptiveStartRate = 20.0
	// rateGrowth is the rise per fast, clean answer. Twenty per cent
	// takes the rate from 20/s to 500/s in 18 answers (about 0.3 s) and
	// to 10,000/s in 35: quick enough that a fast target is scanned at
	// its own speed, while a slower one shows trouble long before the
	// rate is far past what it takes.
	rateGrowth = 1.2
	// rateBackoff is the cut on a throttled, failed or slowed answer:
	// the rate actually sent is halved at once.
	rateBackoff = 0.5
	// minRateShare of the start rate is the least the rate is cut to: a
	// target that fails every request (down, or broken routes) must not
	// make the scan crawl for hours; one that throttles even then gets
	// its Retry-After pauses and the storm bound.
	minRateShare = 0.5
	// latencyWarmup answers set the latency baseline before latency can
	// cut the rate.
	latencyWarmup = 8
	// latencyWeight is the weight of one answer in the recent latency
	// (an average over about the last eight answers).
	latencyWeight = 8
	// latencyRise × the baseline, and latencySlack above it, is the
	// target slowing down under the scan's load: the rate is cut. The
	// slack keeps noise of a fast target (1 ms to 3 ms) from counting.
	latencyRise  = 3.0
	latencySlack = 25 * time.Millisecond
	// latencyHold × the baseline, and half the slack above it, holds the
	// rate where it is: no rise while the target is getting slower.
	latencyHold = 1.5
	// gapWeight is the weight of one send in the average time between
	// two sends (about the last eight): what a cut halves.
	gapWeight = 8
)

// adaptiveRate is the rate a scan sends at, below its ceiling (--rate):
// it starts at AdaptiveStartRate, rises with every fast, clean answer,
// and is cut at once on a throttled (429, 503), failed (no answer, 502,
// 504) or slowed answer. Only answers to requests sent after the latest
// cut move it: the others describe the rate before it, and one burst of
// errors cuts once, not once per request in flight. It changes when
// requests leave, never what they are, so findings do not depend on it.
// The Client guards it with limMu.
type adaptiveRate struct {
	ceiling, rate float64
	since         time.Time // the latest cut

	answers   int           // clean answers measured
	lat, base time.Duration // recent latency; its lowest since the latest slow-down
	based     bool          // base is set (after latencyWarmup answers)

	lastSent time.Time
	gap      time.Duration // average time between two sends
	gaps     int
	// limited: the latest request waited for the rate. Only then does
	// the rate rise: when concurrency or the target's latency bounds the
	// scan, a higher limit would send nothing more, and a later cut would
	// cut a limit far above what is sent instead of slowing the scan.
	limited bool
}

func newAdaptiveRate(ceiling float64) *adaptiveRate {
	return &adaptiveRate{ceiling: ceiling, rate: min(AdaptiveStartRate, ceiling)}
}

// sent records a request leaving at now, after waiting for the rate
// (limited) or not.
func (a *adaptiveRate) sent(now time.Time, limited bool) {
	a.limited = limited
	if !a.lastSent.IsZero() {
		d := max(now.Sub(a.lastSent), 0)
		if a.gaps == 0 {
			a.gap = d
		} else {
			a.gap += (d - a.gap) / gapWeight
		}
		a.gaps++
	}
	a.lastSent = later(now, a.lastSent)
}

// sending is the rate requests actually leave at (+Inf before two have).
func (a *adaptiveRate) sending() float64 {
	if a.gaps == 0 || a.gap <= 0 {
		return math.Inf(1)
	}
	return float64(time.Second) / float64(a.gap)
}

// answered takes the answer to a request sent at sentAt and received at
// now (trouble: throttled or failed) and returns the new rate and whether
// it changed.
func (a *adaptiveRate) answered(sentAt, now time.Time, trouble bool) (float64, bool) {
	if sentAt.Before(a.since) {
		return a.rate, false
	}
	old := a.rate
	switch {
	case trouble:
		a.cut(now)
	case a.measure(now.Sub(sentAt)):
		a.cut(now)
		// Measured afresh: a target that stays slower is the new
		// normal, cut once; one that keeps slowing is cut again.
		a.answers, a.based = 0, false
	case a.limited && !a.holding():
		a.rate = min(a.rate*rateGrowth, a.ceiling)
	}
	return a.rate, a.rate != old
}

// measure adds one clean answer's latency and reports whether the target
// has slowed down under the scan.
func (a *adaptiveRate) measure(d time.Duration) bool {
	a.answers++
	if a.answers == 1 {
		a.lat = d
	} else {
		a.lat += (d - a.lat) / latencyWeight
	}
	if a.answers >= latencyWarmup && (!a.based || a.lat < a.base) {
		a.base, a.based = a.lat, true
	}
	return a.based && float64(a.lat) > latencyRise*float64(a.base) && a.lat-a.base > latencySlack
}

// holding reports whether the target is getting slower: no rise.
func (a *adaptiveRate) holding() bool {
	return a.based && float64(a.lat) > latencyHold*float64(a.base) && a.lat-a.base > latencySlack/2
}

// cut halves the rate actually sent (or the limit, when lower), down to
// minRateShare of the start rate.
func (a *adaptiveRate) cut(now time.Time) {
	r := min(a.rate, a.sending())
	a.rate = max(r*rateBackoff, minRateShare*min(AdaptiveStartRate, a.ceiling))
	a.since = now
}

// answered lets the adaptive rate (when there is one) judge an answer: a
// 429 that is the answer a rule wanted, and a request the scan itself
// cancelled, say nothing about the target's load.
func (c *Client) answered(ctx context.Context, resp *Response, sentAt time.Time) {
	if c.adapt == nil || ctx.Err() != nil || (resp.Request.ThrottleIsAnswer && resp.Status == http.StatusTooManyRequests) {
		return
	}
	c.limMu.Lock()
	defer c.limMu.Unlock()
	now := c.clock.Now()
	if r, changed := c.adapt.answered(sentAt, now, !usable(resp)); changed {
		c.limiter.SetLimitAt(now, rate.Limit(r))
	}
}

// currentRate is the rate requests may leave at now, in requests per second
// (+Inf: unlimited).
func (c *Client) currentRate() float64 {
	c.limMu.Lock()
	defer c.limMu.Unlock()
	if l := c.limiter.Limit(); l != rate.Inf {
		return float64(l)
	}
	return math.Inf(1)
}

// gatewayDown reports whether a status is a proxy saying the application
// behind it is not there (a preview deployment still starting, or down).
func gatewayDown(status int) bool {
	return status == http.StatusBadGateway || status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout
}

// retryAfter parses a Retry-After value: delay seconds or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		// Clamped first: a hostile "Retry-After: 99999999999" would
		// overflow the multiplication into a negative pause.
		return time.Duration(min(s, math.MaxInt64/int(time.Second))) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// send sends req once and reads the answer into resp; the caller holds a
// concurrency slot.
func (c *Client) send(ctx context.Context, req *Request, resp *Response) {
	var reqBody io.Reader
	if req.Body != nil {
		reqBody = bytes.NewReader(req.Body)
	}
	hreq, err := http.NewRequestWithContext(ctx, req.Method, req.URL.String(), reqBody)
	if err != nil {
		resp.Err = err
		return
	}
	if req.ContentType != "" {
		hreq.Header.Set("Content-Type", req.ContentType)
	}
	for k, vs := range req.Header {
		hreq.Header[k] = append([]string(nil), vs...)
	}
	if req.Identity.IsAnonymous() {
		for _, h := range credentialHeaders {
			hreq.Header.Del(h)
		}
	} else {
		req.Identity.apply(hreq.Header)
	}
	// The scanner's own headers share one backing array: one allocation
	// per request instead of one per header. Each value is capped to its
	// one element, so nothing can append into another's.
	own := make([]string, 0, 3)
	set := func(name, v string) { // name is canonical
		own = append(own, v)
		hreq.Header[name] = own[len(own)-1 : len(own) : len(own)]
	}
	set("User-Agent", UserAgent)
	if hreq.Header.Get("Accept") == "" {
		set("Accept", "application/json, */*;q=0.5")
	}
	// Ask for gzip ourselves rather than let the transport decode it
	// unseen, so that the decoder can see how much came over the wire.
	gzipped := hreq.Header.Get("Accept-Encoding") == "" && req.Method != http.MethodHead
	if gzipped {
		set("Accept-Encoding", "gzip")
	}

	hresp, err := c.http.Do(hreq)
	if err != nil {
		resp.Err = describeNetError(req.URL, err)
		return
	}
	defer hresp.Body.Close()
	limit := req.Limit
	if limit <= 0 {
		limit = maxBodyBytes
	}
	var in io.Reader = hresp.Body
	size := hresp.ContentLength
	if gzipped && strings.EqualFold(strings.TrimSpace(hresp.Header.Get("Content-Encoding")), "gzip") {
		// As the transport does: the rules see the decoded body.
		hresp.Header.Del("Content-Encoding")
		hresp.Header.Del("Content-Length")
		in = &gunzipper{wire: countingReader{r: hresp.Body}}
		size = -1
	}
	// The cap applies to the decoded body, and the decoder stops a bomb
	// (a few kilobytes that expand to gigabytes) as soon as it is one.
	body, err := readAtMost(in, limit+1, size)
	resp.Status = hresp.StatusCode
	resp.Header = hresp.Header
	if int64(len(body)) > limit {
		body, resp.Truncated = body[:limit], true
	}
	resp.Body = body
	if errors.Is(err, errGzipBomb) {
		resp.Truncated = true // cut like an endless body: not an error
		err = nil
	}
	if err != nil {
		// A body cut short by a timeout, a reset or bad gzip is not the
		// operation's answer: rules would judge a fragment. The status
		// and the fragment stay for display; the request is an error.
		resp.Truncated = true
		resp.Err = fmt.Errorf("reading the body: %w", describeNetError(req.URL, err))
	}
}

// readAtMost is io.ReadAll(io.LimitReader(r, n)) into a buffer sized for
// the size the answer announced (Content-Length; -1: unknown), so that
// the body is read in one allocation instead of a doubling series.
func readAtMost(r io.Reader, n, size int64) ([]byte, error) {
	c := int64(512)
	if size >= 0 {
		c = size + 1 // room for the read that sees the end
	}
	b := make([]byte, 0, max(min(c, n), 1))
	for int64(len(b)) < n {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)] // let append pick the next size
		}
		m, err := r.Read(b[len(b):int(min(int64(cap(b)), n))])
		b = b[:len(b)+m]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
	return b, nil
}

// maxGzipRatio is the most decoded bytes per byte on the wire a gzip body
// may have once it is past maxBodyBytes: API descriptions and JSON compress
// 5-50 times, while a gzip bomb of zeros compresses about 1,000 times. It
// keeps a bomb from filling the 64 MiB an API description may use.
const maxGzipRatio = 200

// errGzipBomb stops reading a gzip body that expands beyond maxGzipRatio.
var errGzipBomb = errors.New("gzip body expands beyond the plausible ratio")

// gunzipper decodes a gzip body lazily (an empty body is empty, not an
// error) and stops at errGzipBomb.
type gunzipper struct {
	wire    countingReader
	zr      *gzip.Reader
	decoded int64
}

func (g *gunzipper) Read(p []byte) (int, error) {
	if g.zr == nil {
		zr, err := gzip.NewReader(&g.wire)
		if err != nil {
			return 0, err // io.EOF for an empty body
		}
		g.zr = zr
	}
	n, err := g.zr.Read(p)
	g.decoded += int64(n)
	if g.decoded > maxBodyBytes && g.decoded > maxGzipRatio*g.wire.n {
		return n, errGzipBomb
	}
	return n, err
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// UserAgent identifies authgate to the target's logs.
var UserAgent = "authgate (+https://github.com/authgate/authgate)"

// describeNetError shortens Go's network errors to what a person needs.
// Target-controlled text (a garbage status line, a certificate's names)
// is never quoted: the message reaches logs and step summaries.
func describeNetError(target *url.URL, err error) error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err
	}
	if terr := certificateError(target, err); terr != nil {
		return terr
	}
	var nerr net.Error
	var rhe tls.RecordHeaderError
	msg := err.Error()
	switch {
	case errors.As(err, &nerr) && nerr.Timeout(), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("timed out: %w", err)
	case errors.As(err, &rhe):
		return errors.New("TLS handshake failed: the target does not speak TLS on this port")
	case strings.Contains(msg, "server gave HTTP response to HTTPS client"):
		return errors.New("the target answered plain HTTP to an https:// URL; use http://")
	case strings.Contains(msg, "malformed HTTP"), strings.Contains(msg, "malformed MIME header"):
		return errors.New("malformed HTTP response (not a valid status line or headers)")
	case strings.Contains(msg, "server response headers exceeded"):
		return fmt.Errorf("response headers larger than %d bytes", maxHeaderBytes)
	case errors.Is(err, io.EOF):
		return errors.New("the connection closed before a response")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("the connection closed in the middle of the response")
	}
	return err
}

// TLSError is a target's certificate that failed verification. Its
// message names the problem and the flag that accepts a self-signed
// preview certificate; it never quotes the certificate's own text.
type TLSError struct {
	// Problem is what is wrong, e.g. "certificate signed by unknown
	// authority".
	Problem string
	Err     error
}

func (e *TLSError) Error() string {
	return e.Problem + " (use --insecure-tls to accept a self-signed preview certificate)"
}

func (e *TLSError) Unwrap() error { return e.Err }

// certificateError returns a TLSError when err is a certificate that
// failed verification, else nil.
func certificateError(target *url.URL, err error) *TLSError {
	var (
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
		verify   *tls.CertificateVerificationError
	)
	switch {
	case errors.As(err, &unknown):
		return &TLSError{Problem: "certificate signed by unknown authority", Err: err}
	case errors.As(err, &hostname):
		return &TLSError{Problem: "certificate is not valid for " + target.Hostname(), Err: err}
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		return &TLSError{Problem: "certificate has expired or is not yet valid", Err: err}
	case errors.As(err, &invalid):
		return &TLSError{Problem: "certificate is not valid", Err: err}
	case errors.As(err, &verify):
		return &TLSError{Problem: "certificate could not be verified", Err: err}
	}
	return nil
}

// unreachableError is ErrUnreachable with a message of its own.
type unreachableError struct {
	msg string
	err error
}

func (e *unreachableError) Error() string   { return e.msg }
func (e *unreachableError) Unwrap() []error { return []error{ErrUnreachable, e.err} }

// targetTLSError turns a certificate problem met while waiting for the
// target into the one line a person needs, e.g. "target
// https://127.0.0.1:8443: certificate signed by unknown authority (use
// --insecure-tls ...)"; nil when err is something else.
func targetTLSError(target *url.URL, err error) error {
	var terr *TLSError
	if !errors.As(err, &terr) {
		return nil
	}
	return &unreachableError{msg: "target " + redactURL(target) + ": " + terr.Error(), err: terr}
}

// probe sends a request outside the budget and the statistics (waiting
// for the target to come up is not part of the scan). The scope guard and
// the rate limiter still apply.
func (c *Client) probe(ctx context.Context, req *Request) *Response {
	resp := &Response{Request: req}
	if !c.inScope(req.URL) {
		resp.Err = fmt.Errorf("%w: %s", ErrOutOfScope, origin(req.URL))
		return resp
	}
	if err := c.acquire(ctx); err != nil {
		resp.Err = err
		return resp
	}
	defer c.release()
	if err := c.waitRate(ctx); err != nil {
		resp.Err = err
		return resp
	}
	c.send(ctx, req, resp)
	return resp
}

// hold keeps n requests of the budget out of what ordinary requests may
// spend (see reserve); false, holding nothing, when what is left of the
// budget cannot cover them, which counts as the budget stopping the scan
// (see exhausted). Without a budget it holds nothing and is true.
func (c *Client) hold(n int) bool {
	if !c.tryHold(n) {
		c.refused.Store(true)
		return false
	}
	return true
}

// tryHold is hold without marking the budget spent.
func (c *Client) tryHold(n int) bool {
	if c.budget <= 0 || n <= 0 {
		return true
	}
	if c.reserve.Add(int64(n))+c.sent.Load() > c.budget {
		c.reserve.Add(-int64(n))
		return false
	}
	return true
}

// holdUpTo holds n requests of the budget, or what is left of it when
// that is less, and returns how many it held (n without a budget).
func (c *Client) holdUpTo(n int) int {
	for ; n > 0; n-- {
		if c.tryHold(n) {
			return n
		}
	}
	return 0
}

// unhold gives back n requests hold kept.
func (c *Client) unhold(n int) {
	if c.budget > 0 && n > 0 {
		c.reserve.Add(-int64(n))
	}
}

// spendReserveKey marks a context whose requests may spend the reserve.
type spendReserveKey struct{}

// spendReserve is ctx whose requests may spend the budget's reserve (as
// pastBudget requests do): for requests that spend what their caller
// holds.
func spendReserve(ctx context.Context) context.Context {
	return context.WithValue(ctx, spendReserveKey{}, true)
}

// exhausted reports whether the budget stopped a request: it is spent
// (but for what is held), or it refused a request or a hold.
func (c *Client) exhausted() bool {
	return c.budget > 0 && (c.refused.Load() || c.sent.Load() >= c.budget-c.reserve.Load())
}
