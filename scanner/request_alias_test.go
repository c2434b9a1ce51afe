package scanner

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"
)

// TestApplyReadsStableCreds: apply reads the identity's credential slice
// without a copy, so a new login token must replace the slice, never
// write into it. A slice taken before setToken keeps its headers, and
// requests built while tokens change carry the static header and exactly
// one token, one that was set (with -race: no write into a slice read).
func TestApplyReadsStableCreds(t *testing.T) {
	id := NewIdentity("primary", []Header{{Name: "x-api-key", Value: "k1"}})
	id.setToken(Header{Name: "Authorization", Value: "Bearer t0"})

	id.mu.RLock()
	before := id.headers
	id.mu.RUnlock()
	want := slices.Clone(before)
	id.setToken(Header{Name: "Authorization", Value: "Bearer t1"})
	if !slices.Equal(before, want) {
		t.Fatalf("setToken wrote into the slice apply had read: %v, was %v", before, want)
	}
	if got := id.Creds(); got[len(got)-1].Value != "Bearer t1" {
		t.Fatalf("Creds after setToken = %v", got)
	}

	const tokens = 200
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range tokens {
			id.setToken(Header{Name: "Authorization", Value: fmt.Sprintf("Bearer t%d", i)})
		}
	}()
	errs := make(chan string, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range tokens {
				h := http.Header{}
				id.apply(h)
				var n int
				if _, err := fmt.Sscanf(h.Get("Authorization"), "Bearer t%d", &n); err != nil || n >= tokens || len(h["Authorization"]) != 1 || h.Get("X-Api-Key") != "k1" {
					select {
					case errs <- fmt.Sprint(h):
					default:
					}
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Errorf("apply during setToken gave %s", e)
	}
}

// appendingTransport appends to every header value of the request it is
// given, as a middleware or a later header change could, and records the
// headers it then sees.
type appendingTransport struct{ seen http.Header }

func (a *appendingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	for k, vs := range r.Header {
		r.Header[k] = append(vs, "appended-"+k)
	}
	a.seen = r.Header.Clone()
	return &http.Response{StatusCode: 200, Header: http.Header{}, Body: http.NoBody, Request: r}, nil
}

// TestOwnHeadersApart: the client's own headers share one backing array;
// appending to one header's values must not change another's.
func TestOwnHeadersApart(t *testing.T) {
	rt := &appendingTransport{}
	c := NewClient(ClientOptions{Concurrency: 1, Timeout: 5 * time.Second, Origins: []string{"http://127.0.0.1:80"}, Transport: rt})
	u, _ := url.Parse("http://127.0.0.1/x")
	if r := c.Do(context.Background(), &Request{Method: "GET", URL: u, Identity: Anonymous}); r.Err != nil {
		t.Fatal(r.Err)
	}
	for name, first := range map[string]string{"User-Agent": UserAgent, "Accept": "application/json, */*;q=0.5", "Accept-Encoding": "gzip"} {
		if got := rt.seen[name]; !slices.Equal(got, []string{first, "appended-" + name}) {
			t.Errorf("%s = %q, want [%q %q]", name, got, first, "appended-"+name)
		}
	}
}

// TestSortedKeysPastBuffer: sortedKeys gives slices.Sorted's keys for
// objects with fewer, as many and more keys than the caller's buffer, and
// leaves the buffer's own elements to the caller.
func TestSortedKeysPastBuffer(t *testing.T) {
	for _, n := range []int{0, 1, 15, 16, 17, 40} {
		m := map[string]any{}
		for i := range n {
			m[fmt.Sprintf("k%02d", n-i)] = i
		}
		buf := make([]string, 0, 16)
		got := sortedKeys(m, buf)
		if want := slices.Sorted(maps.Keys(m)); !slices.Equal(got, want) {
			t.Errorf("%d keys: sortedKeys = %q, want %q", n, got, want)
		}
		if n <= cap(buf) && len(got) > 0 && &got[0] != &buf[:1][0] {
			t.Errorf("%d keys: sortedKeys left the buffer's room", n)
		}
	}
}
