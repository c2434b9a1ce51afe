package scanner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
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
	// maxRetryAfter caps how long a Retry-After may pause the scan, so a
	// hostile or misconfigured target cannot stall CI for hours.
	maxRetryAfter = 30 * time.Second
	// maxThrottleResends is how often one request is sent again after a
	// 429/503 with Retry-After; the scanner's own throttling is never a
	// finding, but it must not loop forever either.
	maxThrottleResends = 2
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
}

// OK reports whether the target answered with a 2xx status.
func (r *Response) OK() bool { return r.Err == nil && r.Status >= 200 && r.Status < 300 }

// ClientOptions bound the target client.
type ClientOptions struct {
	Rate        float64       // requests per second; 0: unlimited
	Concurrency int           // requests in flight at once
	Timeout     time.Duration // per request, headers and body
	Budget      int           // requests in total; 0: unlimited
	// Origins are the only scheme://host:port values requests may go to.
	Origins []string
	// Transport replaces the default transport (tests).
	Transport http.RoundTripper
}

// Client sends the scanner's requests: no automatic retries, no redirect
// following, bounded bodies, one rate limiter, bounded concurrency, a
// request budget and a scope guard. Rules never make their own clients.
type Client struct {
	http    *http.Client
	limiter *rate.Limiter
	slots   chan struct{}
	budget  int64
	origins map[string]bool

	sent   atomic.Int64 // requests that left (or tried to leave) the scanner
	failed atomic.Int64 // requests without a usable answer (see Do)

	mu         sync.Mutex
	pauseUntil time.Time // Retry-After pause shared by all requests
}

// NewClient returns a Client bounded by opts.
func NewClient(opts ClientOptions) *Client {
	tr := opts.Transport
	if tr == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = max(opts.Concurrency, 2)
		t.ResponseHeaderTimeout = opts.Timeout
		tr = t
	}
	lim := rate.NewLimiter(rate.Inf, 1)
	if opts.Rate > 0 {
		// A burst of one keeps the rate exact from the first request.
		lim = rate.NewLimiter(rate.Limit(opts.Rate), 1)
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
	}
	for _, o := range opts.Origins {
		c.origins[o] = true
	}
	return c
}

// origin returns scheme://host:port with the default port made explicit,
// so that http://h and http://h:80 compare equal.
func origin(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Hostname()) + ":" + port
}

// Sent is the number of requests sent so far.
func (c *Client) Sent() int { return int(c.sent.Load()) }

// Failed is the number of requests that got no HTTP answer.
func (c *Client) Failed() int { return int(c.failed.Load()) }

// Do sends one request. It never returns nil; failures are in Response.Err.
func (c *Client) Do(ctx context.Context, req *Request) *Response {
	resp := &Response{Request: req}
	if !c.origins[origin(req.URL)] {
		resp.Err = fmt.Errorf("%w: %s", ErrOutOfScope, origin(req.URL))
		return resp
	}
	for attempt := 0; ; attempt++ {
		// Reserve the request in the budget before waiting, so that
		// concurrent requests cannot overshoot it.
		if n := c.sent.Add(1); c.budget > 0 && n > c.budget {
			c.sent.Add(-1)
			resp.Err = ErrBudget
			return resp
		}
		if err := c.wait(ctx); err != nil {
			c.sent.Add(-1)
			resp.Err = err
			return resp
		}
		c.send(ctx, req, resp)
		if resp.Err != nil || attempt >= maxThrottleResends || req.ThrottleIsAnswer || !c.throttled(resp) {
			break
		}
	}
	if !usable(resp) {
		c.failed.Add(1)
	}
	return resp
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

// wait blocks for a concurrency slot, the rate limiter and any shared
// Retry-After pause.
func (c *Client) wait(ctx context.Context) error {
	c.mu.Lock()
	pause := time.Until(c.pauseUntil)
	c.mu.Unlock()
	if pause > 0 {
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
	return c.limiter.Wait(ctx)
}

// throttled reports whether resp is the target throttling the scanner
// (429, or 503 with Retry-After) and, if so, pauses every request for the
// time the target asked, capped.
func (c *Client) throttled(resp *Response) bool {
	if resp.Status != http.StatusTooManyRequests && resp.Status != http.StatusServiceUnavailable {
		return false
	}
	d, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now())
	if !ok {
		if resp.Status == http.StatusServiceUnavailable {
			return false
		}
		d = time.Second
	}
	d = min(d, maxRetryAfter)
	c.mu.Lock()
	if until := time.Now().Add(d); until.After(c.pauseUntil) {
		c.pauseUntil = until
	}
	c.mu.Unlock()
	return true
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
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

func (c *Client) send(ctx context.Context, req *Request, resp *Response) {
	select {
	case c.slots <- struct{}{}:
	case <-ctx.Done():
		resp.Err = ctx.Err()
		return
	}
	defer func() { <-c.slots }()

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
	hreq.Header.Set("User-Agent", UserAgent)
	if hreq.Header.Get("Accept") == "" {
		hreq.Header.Set("Accept", "application/json, */*;q=0.5")
	}

	hresp, err := c.http.Do(hreq)
	if err != nil {
		resp.Err = describeNetError(err)
		return
	}
	defer hresp.Body.Close()
	limit := req.Limit
	if limit <= 0 {
		limit = maxBodyBytes
	}
	body, err := io.ReadAll(io.LimitReader(hresp.Body, limit+1))
	resp.Status = hresp.StatusCode
	resp.Header = hresp.Header
	if int64(len(body)) > limit {
		body, resp.Truncated = body[:limit], true
	}
	if err != nil {
		// A body cut short still has a status worth judging.
		resp.Truncated = true
	}
	resp.Body = body
}

// UserAgent identifies authgate to the target's logs.
var UserAgent = "authgate (+https://github.com/authgate/authgate)"

// describeNetError shortens Go's network errors to what a person needs.
func describeNetError(err error) error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err
	}
	var nerr net.Error
	if errors.As(err, &nerr) && nerr.Timeout() {
		return fmt.Errorf("timed out: %w", err)
	}
	return err
}

// probe sends a request outside the budget and the statistics (waiting
// for the target to come up is not part of the scan). The scope guard and
// the rate limiter still apply.
func (c *Client) probe(ctx context.Context, req *Request) *Response {
	resp := &Response{Request: req}
	if !c.origins[origin(req.URL)] {
		resp.Err = fmt.Errorf("%w: %s", ErrOutOfScope, origin(req.URL))
		return resp
	}
	if err := c.limiter.Wait(ctx); err != nil {
		resp.Err = err
		return resp
	}
	c.send(ctx, req, resp)
	return resp
}

// exhausted reports whether the budget stopped a request.
func (c *Client) exhausted() bool { return c.budget > 0 && c.sent.Load() >= c.budget }
