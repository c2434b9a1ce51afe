// Package ghapi is authgate's side of the GitHub REST API: check runs with
// batched annotations, the sticky pull-request comment, and a retry policy
// that rides out transient failures but gives up at once on permission
// errors, so that the Action can fall back to log annotations on fork pull
// requests. It is the only package that imports go-github and
// go-retryablehttp.
package ghapi

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"
	"github.com/hashicorp/go-retryablehttp"
)

// DefaultBaseURL is the public GitHub REST API, used when New gets "".
const DefaultBaseURL = "https://api.github.com/"

const (
	// defaultRetryMax bounds the retries per request: five attempts spread
	// over about a quarter of a minute ride out a deploy blip or a secondary
	// rate limit without stalling the job for long.
	defaultRetryMax = 4
	// defaultWaitMin is the first exponential backoff step.
	defaultWaitMin = time.Second
	// defaultWaitMax caps any single wait, including one requested by the
	// server through Retry-After or x-ratelimit-reset: a primary rate limit
	// that resets in an hour is not worth blocking a CI job for.
	defaultWaitMax = 60 * time.Second
	// requestTimeout bounds one attempt, so that a hung connection becomes
	// a retryable error instead of a hung job.
	requestTimeout = 30 * time.Second
	// userAgent identifies authgate to GitHub (GitHub rejects requests
	// without one).
	userAgent = "authgate"
)

// ErrPermission reports that the token cannot do what was asked: GitHub
// answered 401, 403 or 404 without Retry-After. On a pull request from a
// fork, or without `checks: write` / `pull-requests: write`, this is
// expected, and the caller should degrade rather than fail.
var ErrPermission = errors.New("github token lacks permission")

// ErrRateLimited reports that GitHub still refused the request because of a
// rate limit after all retries were spent.
var ErrRateLimited = errors.New("github rate limit exceeded")

// Client talks to the GitHub REST API with retries. It is safe for
// concurrent use.
type Client struct {
	gh       *github.Client
	retry    *retryablehttp.Client
	inner    *http.Client
	retryMax int
	waitMin  time.Duration
	waitMax  time.Duration
	logf     func(string)
	names    checkNames
	// commenter is the login whose comments UpsertComment may edit.
	commenter string
}

// Option configures a Client built by New.
type Option func(*Client)

// WithHTTPClient sets the client that performs each single attempt; tests
// pass an httptest server's client. Retries wrap it.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) {
		if hc != nil {
			c.inner = hc
		}
	}
}

// WithRetryMax sets how many times one request is retried (0 disables
// retries; negative values are treated as 0).
func WithRetryMax(n int) Option {
	return func(c *Client) { c.retryMax = max(n, 0) }
}

// WithBackoff sets the first backoff step and the cap on any single wait,
// including waits requested by the server. Tests pass milliseconds.
func WithBackoff(minWait, maxWait time.Duration) Option {
	return func(c *Client) {
		if minWait > 0 {
			c.waitMin = minWait
		}
		if maxWait > 0 {
			c.waitMax = maxWait
		}
		c.waitMax = max(c.waitMax, c.waitMin)
	}
}

// WithLogger receives one line per retry, so that a slow job explains
// itself in the log.
func WithLogger(logf func(string)) Option {
	return func(c *Client) { c.logf = logf }
}

// DefaultCommenter is the login GitHub shows as the author of comments made
// with a workflow's GITHUB_TOKEN.
const DefaultCommenter = "github-actions[bot]"

// WithCommenter names the login that comments made with the token appear
// under, because UpsertComment only ever edits that login's comments: a
// human who quotes or copies the marker must never have their comment
// overwritten. The default fits GITHUB_TOKEN; with a personal access token
// pass the token owner's login. Finding it out by asking GitHub would need
// scopes a GITHUB_TOKEN lacks. An empty login keeps the default.
func WithCommenter(login string) Option {
	return func(c *Client) {
		if login = strings.TrimSpace(login); login != "" {
			c.commenter = login
		}
	}
}

// New returns a client for the REST API at baseURL ("" means
// https://api.github.com; the Action passes GITHUB_API_URL, which also
// covers GitHub Enterprise Server) authenticated with token.
func New(token, baseURL string, opts ...Option) (*Client, error) {
	if strings.TrimSpace(token) == "" {
		return nil, errors.New("ghapi: empty github token")
	}
	base, err := parseBaseURL(baseURL)
	if err != nil {
		return nil, err
	}
	c := &Client{
		inner:    &http.Client{Timeout: requestTimeout},
		retryMax: defaultRetryMax,
		waitMin:  defaultWaitMin,
		waitMax:  defaultWaitMax,

		commenter: DefaultCommenter,
	}
	for _, opt := range opts {
		opt(c)
	}
	c.retry = &retryablehttp.Client{
		HTTPClient:   c.inner,
		Logger:       nil, // retries are reported through logf by backoff
		RetryWaitMin: c.waitMin,
		RetryWaitMax: c.waitMax,
		RetryMax:     c.retryMax,
		CheckRetry:   checkRetry,
		Backoff:      c.backoff,
		// Without this, retryablehttp swallows the last response and go-github
		// cannot build its typed errors (ErrorResponse, RateLimitError).
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
	}
	transport := methodTransport{next: &retryablehttp.RoundTripper{Client: c.retry}}
	gh := github.NewClient(&http.Client{Transport: transport}).WithAuthToken(token)
	gh.BaseURL = base
	gh.UserAgent = userAgent
	c.gh = gh
	return c, nil
}

// parseBaseURL accepts GITHUB_API_URL as given: it is used verbatim (GitHub
// Enterprise Server already includes /api/v3, and GHE.com uses
// api.<subdomain>.ghe.com), only a trailing slash is added because go-github
// resolves relative paths against it.
func parseBaseURL(raw string) (*url.URL, error) {
	if strings.TrimSpace(raw) == "" {
		raw = DefaultBaseURL
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, fmt.Errorf("ghapi: parse api url: %w", err)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("ghapi: api url %q must be an absolute http(s) url", raw)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	return u, nil
}

// methodKey carries the request method to checkRetry, which only sees the
// context, the response and the error.
type methodKey struct{}

// methodTransport records the method in the request context before the
// retrying transport sees the request.
type methodTransport struct{ next http.RoundTripper }

// RoundTrip implements http.RoundTripper.
func (t methodTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return t.next.RoundTrip(req.WithContext(context.WithValue(req.Context(), methodKey{}, req.Method)))
}

// checkRetry retries what GitHub documents as transient: 5xx gateway and
// server errors, 429, and 403 only when Retry-After marks a secondary rate
// limit. Every other 4xx is final, above all a permission 403/404, which
// would only fail again after wasting the backoff. A POST is retried only
// when GitHub refused it (429, or 403 with Retry-After): after a 5xx or a
// timeout GitHub has often created the resource anyway, so a blind retry
// would create it twice; the callers recover by looking for it first.
func checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if method, _ := ctx.Value(methodKey{}).(string); method == http.MethodPost {
		return resp != nil && err == nil && refusedStatus(resp), nil
	}
	if err != nil || resp == nil {
		// Network errors: the default policy knows which are permanent
		// (bad TLS certificate, invalid scheme, too many redirects).
		return retryablehttp.DefaultRetryPolicy(ctx, resp, err)
	}
	return retryableStatus(resp), nil
}

// retryableStatus is the status half of checkRetry.
func retryableStatus(resp *http.Response) bool {
	switch resp.StatusCode {
	case http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return refusedStatus(resp)
}

// refusedStatus reports a rate limit: GitHub turned the request away before
// acting on it, so even a POST is safe to send again.
func refusedStatus(resp *http.Response) bool {
	switch resp.StatusCode {
	case http.StatusTooManyRequests:
		return true
	case http.StatusForbidden:
		return resp.Header.Get("Retry-After") != ""
	}
	return false
}

// outcomeUnknown reports whether a failed write may still have taken
// effect: GitHub answered 5xx, or no answer arrived (timeout, reset).
// A done ctx is excluded because the caller gave up on purpose; a timeout
// of one attempt is not.
func outcomeUnknown(ctx context.Context, err error) bool {
	if err == nil || ctx.Err() != nil {
		return false
	}
	var er *github.ErrorResponse
	if errors.As(err, &er) {
		return er.Response != nil && er.Response.StatusCode >= http.StatusInternalServerError
	}
	var rle *github.RateLimitError
	var abuse *github.AbuseRateLimitError
	return !errors.As(err, &rle) && !errors.As(err, &abuse)
}

// backoff waits as long as GitHub asks (Retry-After, or x-ratelimit-reset
// once the budget is spent), else exponentially from waitMin; never longer
// than waitMax.
func (c *Client) backoff(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
	wait, ok := serverWait(resp, time.Now())
	if !ok {
		wait = time.Duration(float64(minWait) * math.Pow(2, float64(attempt)))
	}
	wait = min(max(wait, minWait), maxWait)
	if c.logf != nil && resp != nil && resp.Request != nil {
		c.logf(fmt.Sprintf("github api: %s %s returned %d; retry %d of %d in %s",
			resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, attempt+1, c.retryMax, wait))
	}
	return wait
}

// serverWait reads the wait GitHub requested, if any.
func serverWait(resp *http.Response, now time.Time) (time.Duration, bool) {
	if resp == nil {
		return 0, false
	}
	if v := strings.TrimSpace(resp.Header.Get("Retry-After")); v != "" {
		if secs, err := strconv.ParseInt(v, 10, 64); err == nil && secs >= 0 {
			return time.Duration(min(secs, int64(math.MaxInt64/int64(time.Second)))) * time.Second, true
		}
		if t, err := http.ParseTime(v); err == nil {
			return max(t.Sub(now), 0), true
		}
	}
	if resp.Header.Get("X-Ratelimit-Remaining") == "0" {
		if reset, err := strconv.ParseInt(resp.Header.Get("X-Ratelimit-Reset"), 10, 64); err == nil {
			return max(time.Unix(reset, 0).Sub(now), 0), true
		}
	}
	return 0, false
}

// classify wraps err from operation op so that callers can tell a missing
// permission (degrade) from a rate limit or any other failure.
func classify(op string, err error) error {
	if err == nil {
		return nil
	}
	var rle *github.RateLimitError
	var abuse *github.AbuseRateLimitError
	if errors.As(err, &rle) || errors.As(err, &abuse) {
		return fmt.Errorf("ghapi: %s: %w: %w", op, ErrRateLimited, err)
	}
	var er *github.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		switch er.Response.StatusCode {
		case http.StatusTooManyRequests:
			return fmt.Errorf("ghapi: %s: %w: %w", op, ErrRateLimited, err)
		case http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound:
			if er.Response.Header.Get("Retry-After") == "" {
				return fmt.Errorf("ghapi: %s: %w: %w", op, ErrPermission, err)
			}
			return fmt.Errorf("ghapi: %s: %w: %w", op, ErrRateLimited, err)
		}
	}
	return fmt.Errorf("ghapi: %s: %w", op, err)
}

// Answer is GitHub's answer to the request err failed on, for a one-line
// message: `403 "Resource not accessible by integration"`; "" when err
// carries none. go-github's own text adds the URL and the list of field
// errors ("[]" when there are none), which tell a reader of a CI log
// nothing.
func Answer(err error) string {
	var er *github.ErrorResponse
	if !errors.As(err, &er) || er.Response == nil {
		return ""
	}
	if er.Message == "" {
		return strconv.Itoa(er.Response.StatusCode)
	}
	return fmt.Sprintf("%d %q", er.Response.StatusCode, er.Message)
}
