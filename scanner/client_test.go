package scanner

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func newTestClient(t *testing.T, srv *httptest.Server, opts ClientOptions) *Client {
	t.Helper()
	u, _ := url.Parse(srv.URL)
	opts.Origins = append(opts.Origins, origin(u))
	if opts.Concurrency == 0 {
		opts.Concurrency = 4
	}
	if opts.Timeout == 0 {
		opts.Timeout = 5 * time.Second
	}
	return NewClient(opts)
}

func mustURL(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestClientDoesNotFollowRedirects(t *testing.T) {
	var hits atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
	}))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/steal", http.StatusFound)
	}))
	defer srv.Close()

	c := newTestClient(t, srv, ClientOptions{})
	id := NewIdentity("primary", []Header{{Name: "Authorization", Value: "Bearer s3cret-value"}})
	resp := c.Do(context.Background(), &Request{Method: "GET", URL: mustURL(t, srv.URL+"/x"), Identity: id})
	if resp.Err != nil || resp.Status != http.StatusFound {
		t.Fatalf("got status %d err %v, want the 302 itself", resp.Status, resp.Err)
	}
	if hits.Load() != 0 {
		t.Fatalf("the redirect target was contacted %d times", hits.Load())
	}
}

func TestClientScopeGuard(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	other := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		t.Error("a host outside the scope was contacted")
	}))
	defer other.Close()

	c := newTestClient(t, srv, ClientOptions{})
	resp := c.Do(context.Background(), &Request{Method: "GET", URL: mustURL(t, other.URL+"/")})
	if !errors.Is(resp.Err, ErrOutOfScope) {
		t.Fatalf("err = %v, want ErrOutOfScope", resp.Err)
	}
	if c.Sent() != 0 {
		t.Fatalf("Sent() = %d, want 0", c.Sent())
	}
}

func TestClientCapsBodies(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := strings.Repeat("x", 64<<10)
		for range (maxBodyBytes / len(chunk)) + 4 {
			if _, err := io.WriteString(w, chunk); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	c := newTestClient(t, srv, ClientOptions{})
	resp := c.Do(context.Background(), &Request{Method: "GET", URL: mustURL(t, srv.URL)})
	if resp.Err != nil {
		t.Fatal(resp.Err)
	}
	if len(resp.Body) != maxBodyBytes || !resp.Truncated {
		t.Fatalf("body %d bytes, truncated %v; want %d and true", len(resp.Body), resp.Truncated, maxBodyBytes)
	}
}

func TestClientBudget(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	c := newTestClient(t, srv, ClientOptions{Budget: 5, Concurrency: 8})
	var wg sync.WaitGroup
	var refused atomic.Int32
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if r := c.Do(context.Background(), &Request{Method: "GET", URL: mustURL(t, srv.URL)}); errors.Is(r.Err, ErrBudget) {
				refused.Add(1)
			}
		}()
	}
	wg.Wait()
	if c.Sent() != 5 || refused.Load() != 15 {
		t.Fatalf("sent %d, refused %d; want 5 and 15", c.Sent(), refused.Load())
	}
}

func TestClientStripsCredentialsForAnonymous(t *testing.T) {
	got := make(chan http.Header, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Clone()
	}))
	defer srv.Close()
	c := newTestClient(t, srv, ClientOptions{})
	h := http.Header{"Authorization": {"Bearer leaked"}, "Cookie": {"session=leaked"}, "X-Api-Key": {"leaked"}, "X-Trace": {"kept"}}
	c.Do(context.Background(), &Request{Method: "GET", URL: mustURL(t, srv.URL), Header: h, Identity: Anonymous})
	hdr := <-got
	for _, k := range []string{"Authorization", "Cookie", "X-Api-Key"} {
		if v := hdr.Get(k); v != "" {
			t.Errorf("anonymous request sent %s: %q", k, v)
		}
	}
	if hdr.Get("X-Trace") != "kept" {
		t.Errorf("a non-credential header was dropped")
	}
}

func TestClientHonoursRetryAfter(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	c := newTestClient(t, srv, ClientOptions{})
	resp := c.Do(context.Background(), &Request{Method: "GET", URL: mustURL(t, srv.URL)})
	if resp.Status != http.StatusOK || string(resp.Body) != "ok" {
		t.Fatalf("got %d %q, want the answer after the 429", resp.Status, resp.Body)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		in   string
		want time.Duration
		ok   bool
	}{
		{"seconds", "3", 3 * time.Second, true},
		{"date", now.Add(10 * time.Second).Format(http.TimeFormat), 10 * time.Second, true},
		{"past date", now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{"empty", "", 0, false},
		{"garbage", "soon", 0, false},
		{"negative", "-5", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := retryAfter(tt.in, now)
			if got != tt.want || ok != tt.ok {
				t.Fatalf("retryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestOriginNormalisesDefaultPorts(t *testing.T) {
	if origin(mustURL(t, "http://Example.com/a")) != origin(mustURL(t, "http://example.com:80/b")) {
		t.Fatal("http://example.com and :80 should be the same origin")
	}
	if origin(mustURL(t, "http://example.com")) == origin(mustURL(t, "https://example.com")) {
		t.Fatal("http and https are different origins")
	}
}
