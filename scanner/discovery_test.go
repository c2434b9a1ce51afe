package scanner_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner"
	"github.com/authgate/authgate/scanner/rules"
)

// A VAmPI-like API (issue 12, item 8): its description lists GET
// /users/v1 and GET /books/v1, not the debug route /users/v1/_debug that
// lists every user with a plaintext password. The books answer links
// a same-origin page, another host and a reset route.

// vampiSpec is the description the scan is given: two public listings.
const vampiSpec = `{"openapi":"3.0.3","info":{"title":"vampi","version":"1"},
"paths":{
 "/users/v1":{"get":{"operationId":"users","security":[],"responses":{"200":{"description":"ok"}}}},
 "/books/v1":{"get":{"operationId":"books","security":[],"responses":{"200":{"description":"ok"}}}}
}}`

// vampi is the target; debug says whether /users/v1/_debug exists; spa
// makes every unknown path answer the app's index.html with 200.
type vampi struct {
	debug, spa bool
	other      string // another host's URL, linked from the books
	hitCounter        // by "METHOD /path"
}

func (v *vampi) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	v.add(r.Method + " " + r.URL.Path)
	writeJSON := func(body string) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, body)
	}
	switch {
	case r.URL.Path == "/openapi.json":
		writeJSON(vampiSpec)
	case r.URL.Path == "/users/v1":
		writeJSON(`{"users":[{"username":"name1","email":"mail1@mail.com"},{"username":"name2","email":"mail2@mail.com"}]}`)
	case r.URL.Path == "/books/v1":
		writeJSON(`{"books":[{"book_title":"bookTitle77","user":"name1","links":{"self":"/books/v1/bookTitle77",` +
			`"stats":"/internal/stats?id=3","elsewhere":"` + v.other + `/steal","reset":"/createdb"}}]}`)
	case r.URL.Path == "/internal/stats":
		writeJSON(`{"books":1,"readers":2}`)
	case r.URL.Path == "/users/v1/_debug" && v.debug:
		writeJSON(`{"users":[{"admin":false,"email":"mail1@mail.com","password":"pass1","username":"name1"},` +
			`{"admin":true,"email":"admin@mail.com","password":"pass2","username":"admin"}]}`)
	case r.URL.Path == "/createdb":
		writeJSON(`{"message":"Database populated."}`)
	case v.spa:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><html><head><title>Shop</title><script src="/main.js"></script></head><body><app-root></app-root></body></html>`)
	default:
		w.WriteHeader(http.StatusNotFound)
		writeJSON(`{"detail":"The requested URL was not found on the server."}`)
	}
}

// hitCounter counts the requests a test server gets by a key of its
// choice; the scan sends them concurrently.
type hitCounter struct {
	mu   sync.Mutex
	hits map[string]int
}

func (c *hitCounter) add(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.hits == nil {
		c.hits = map[string]int{}
	}
	c.hits[key]++
}

// hit is how many requests key got so far.
func (c *hitCounter) hit(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hits[key]
}

// otherHost counts every request it gets: discovery must never send one.
type otherHost struct {
	mu   sync.Mutex
	hits int
}

func (o *otherHost) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	o.mu.Lock()
	o.hits++
	o.mu.Unlock()
	fmt.Fprint(w, `{"password":"not-yours"}`)
}

// startVampi serves a vampi and the other host; both close with the test.
func startVampi(t *testing.T, debug, spa bool) (*vampi, *httptest.Server, *otherHost) {
	t.Helper()
	v := &vampi{debug: debug, spa: spa}
	srv, o := serveBesideOtherHost(t, func(other string) http.Handler {
		v.other = other
		return v
	})
	return v, srv, o
}

// serveBesideOtherHost serves an otherHost, then the target target
// builds with that host's URL (to link to it); both close with the test.
func serveBesideOtherHost(t *testing.T, target func(other string) http.Handler) (*httptest.Server, *otherHost) {
	t.Helper()
	o := &otherHost{}
	os := httptest.NewServer(o)
	t.Cleanup(os.Close)
	srv := httptest.NewServer(target(os.URL))
	t.Cleanup(srv.Close)
	return srv, o
}

func discoveryScan(t *testing.T, target string, concurrency, budget int) *scanner.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := scanner.Scan(ctx, scanner.Options{
		Target:    target,
		OpenAPI:   target + "/openapi.json",
		Mode:      finding.ModeSafe,
		Client:    scanner.ClientOptions{Concurrency: concurrency, Timeout: 10 * time.Second, Budget: budget},
		Wait:      time.Second,
		Rules:     rules.All(),
		APIRules:  rules.APIRules(),
		Discovery: true,
	})
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	return res
}

// foundPaths lists the coverage's discovered paths.
func foundPaths(c *finding.DiscoveryCoverage) []string {
	var out []string
	for _, f := range c.Found {
		out = append(out, f.Path)
	}
	return out
}

func ruleFindings(res *scanner.Result, rule string) []finding.Finding {
	var out []finding.Finding
	for _, f := range res.Findings {
		if f.Rule == rule {
			out = append(out, f)
		}
	}
	return out
}

// TestDiscoveryVAmPIDebug: the unlisted debug listing is found as /_debug
// under the listed collection, credentials-in-response reports it and
// says it is not in the description, and coverage lists it with the
// linked same-origin page. The other host and the reset route are never
// sent.
func TestDiscoveryVAmPIDebug(t *testing.T) {
	v, srv, other := startVampi(t, true, false)
	res := discoveryScan(t, srv.URL, 4, 0)
	cov := res.Coverage.Discovery
	if cov == nil {
		t.Fatal("coverage.discovery is nil")
	}
	if got, want := foundPaths(cov), []string{"/users/v1/_debug", "/internal/stats"}; !slices.Equal(got, want) {
		t.Errorf("found %q; want %q", got, want)
	}
	if cov.Found[0].Source != "listed collection GET /users/v1" || cov.Found[1].Source != "link in GET /books/v1" || cov.Found[0].Status != 200 {
		t.Errorf("found = %+v", cov.Found)
	}
	fs := ruleFindings(res, "credentials-in-response")
	if len(fs) != 1 || fs[0].Path != "/users/v1/_debug" || fs[0].Method != "GET" {
		t.Fatalf("credentials-in-response findings = %+v; want one on GET /users/v1/_debug", fs)
	}
	if s := fs[0].Evidence.Summary; !strings.Contains(s, "does not list GET /users/v1/_debug") || !strings.Contains(s, `"password"`) {
		t.Errorf("summary = %q; want it to say the endpoint is unlisted and name the password", s)
	}
	if body := fs[0].Evidence.Exchanges[0].ResponseBody; strings.Contains(body, "pass1") {
		t.Errorf("evidence shows the leaked password: %s", body)
	}
	for _, f := range res.Findings {
		if f.Path == "/users/v1/_debug" && f.Rule != "credentials-in-response" {
			t.Errorf("rule %s judged the unlisted endpoint: only the rules reading answers may", f.Rule)
		}
	}
	if !coveredBy(res, "credentials-in-response", "GET /users/v1/_debug") {
		t.Error("credentials-in-response's coverage does not list GET /users/v1/_debug")
	}
	if other.hits != 0 {
		t.Errorf("the other host got %d requests; a link to another host must never be followed", other.hits)
	}
	if n := v.hit("GET /createdb"); n != 0 {
		t.Errorf("the linked GET /createdb was sent %d times", n)
	}
	if n := v.hit("GET /users/v1/_debug"); n > 2 {
		t.Errorf("GET /users/v1/_debug sent %d times; want the probe and one confirmation", n)
	}
	if cov.Tried > 40 || cov.Tried < len(cov.Found) {
		t.Errorf("tried = %d", cov.Tried)
	}
}

func coveredBy(res *scanner.Result, rule, op string) bool {
	for _, rc := range res.Coverage.Rules {
		if rc.Rule == rule {
			return slices.Contains(rc.Operations, op)
		}
	}
	return false
}

// TestDiscoveryFixedTwin: without the debug route nothing unlisted leaks;
// coverage still says what was tried.
func TestDiscoveryFixedTwin(t *testing.T) {
	_, srv, _ := startVampi(t, false, false)
	res := discoveryScan(t, srv.URL, 4, 0)
	if fs := ruleFindings(res, "credentials-in-response"); len(fs) != 0 {
		t.Errorf("findings on the fixed twin: %+v", fs)
	}
	cov := res.Coverage.Discovery
	if cov == nil || cov.Tried < 15 || !slices.Equal(foundPaths(cov), []string{"/internal/stats"}) || cov.Reason != "" {
		t.Errorf("coverage.discovery = %+v; want every candidate tried, the linked page found", cov)
	}
}

// TestDiscoverySPAFallback: an app that answers its index.html to every
// path shows nothing unlisted.
func TestDiscoverySPAFallback(t *testing.T) {
	_, srv, _ := startVampi(t, false, true)
	res := discoveryScan(t, srv.URL, 4, 0)
	cov := res.Coverage.Discovery
	if cov == nil || cov.Tried == 0 {
		t.Fatalf("coverage.discovery = %+v", cov)
	}
	// The linked JSON page is the app's own; the rest is the fallback.
	if got := foundPaths(cov); !slices.Equal(got, []string{"/internal/stats"}) {
		t.Errorf("found %q behind a SPA fallback; want only the linked JSON page", got)
	}
}

// TestDiscoveryBudget: discovery spends only what the budget leaves and
// says it stopped short.
func TestDiscoveryBudget(t *testing.T) {
	_, srv, _ := startVampi(t, true, false)
	full := discoveryScan(t, srv.URL, 4, 0)
	budget := full.Requests - 10
	res := discoveryScan(t, srv.URL, 4, budget)
	if res.Requests > budget {
		t.Errorf("sent %d requests; budget %d", res.Requests, budget)
	}
	cov := res.Coverage.Discovery
	if cov == nil || !strings.Contains(cov.Reason, "budget") || cov.Tried >= full.Coverage.Discovery.Tried {
		t.Errorf("coverage.discovery = %+v; want fewer tried than %d and the budget named", cov, full.Coverage.Discovery.Tried)
	}
}

// TestDiscoveryOff: without Options.Discovery nothing beyond the
// description is sent and coverage has no discovery section.
func TestDiscoveryOff(t *testing.T) {
	v, srv, _ := startVampi(t, true, false)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := scanner.Scan(ctx, scanner.Options{Target: srv.URL, OpenAPI: srv.URL + "/openapi.json",
		Client: scanner.ClientOptions{Concurrency: 2, Timeout: 5 * time.Second}, Wait: time.Second, Rules: rules.All()})
	if err != nil {
		t.Fatal(err)
	}
	if res.Coverage.Discovery != nil || v.hit("GET /users/v1/_debug") != 0 {
		t.Errorf("discovery ran while off: %+v", res.Coverage.Discovery)
	}
}

// TestDiscoveryDeterministic: the same candidates, findings and coverage
// at concurrency 1 and 8.
func TestDiscoveryDeterministic(t *testing.T) {
	_, srv, _ := startVampi(t, true, false)
	sameAtConcurrency1And8(t, srv.URL)
}

// sameAtConcurrency1And8 fails t unless discovery scans of target at
// concurrency 8, twice, find the same endpoints and findings and cover
// the same as one at concurrency 1.
func sameAtConcurrency1And8(t *testing.T, target string) {
	t.Helper()
	show := func(res *scanner.Result) string {
		b, _ := json.Marshal(struct {
			D  *finding.DiscoveryCoverage
			F  []string
			RC []finding.RuleCoverage
		}{res.Coverage.Discovery, fingerprints(res), res.Coverage.Rules})
		return string(b)
	}
	one := show(discoveryScan(t, target, 1, 0))
	for range 2 {
		if eight := show(discoveryScan(t, target, 8, 0)); eight != one {
			t.Fatalf("concurrency 8 differs from 1:\n%s\n%s", eight, one)
		}
	}
}

func fingerprints(res *scanner.Result) []string {
	var out []string
	for _, f := range res.Findings {
		out = append(out, f.Fingerprint+" "+f.Evidence.Summary)
	}
	return out
}

// TestDiscoveryUnderBasePath: with the description's servers at /api, a
// collection's /_debug is tried under /api and the finding names the
// full path.
func TestDiscoveryUnderBasePath(t *testing.T) {
	var hits hitCounter // by path
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.add(r.URL.Path)
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/openapi.json":
			fmt.Fprint(w, `{"openapi":"3.0.3","info":{"title":"t","version":"1"},"servers":[{"url":"/api"}],
"paths":{"/users":{"get":{"security":[],"responses":{"200":{"description":"ok"}}}}}}`)
		case "/api/users":
			fmt.Fprint(w, `[{"username":"name1"}]`)
		case "/api/users/_debug":
			fmt.Fprint(w, `[{"username":"name1","password_hash":"$2b$12$abcdefghijklmnopqrstuuM7Wq3lZ1a6cQ1Jx0dY2b1QeYw9m1e8W"}]`)
		default:
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"error":"not found"}`)
		}
	}))
	defer srv.Close()
	res := discoveryScan(t, srv.URL, 2, 0)
	if got := foundPaths(res.Coverage.Discovery); !slices.Equal(got, []string{"/api/users/_debug"}) {
		t.Errorf("found %q; want /api/users/_debug", got)
	}
	fs := ruleFindings(res, "credentials-in-response")
	if len(fs) != 1 || fs[0].Path != "/api/users/_debug" {
		t.Fatalf("findings = %+v", fs)
	}
	if twice, root := hits.hit("/api/api/users/_debug"), hits.hit("/api/_debug"); twice != 0 || root != 0 {
		t.Errorf("a discovered path was joined to the base path: /api/api/users/_debug asked %d times, /api/_debug %d", twice, root)
	}
}

// TestDiscoveryExcluded: a path --exclude covers is never sent by
// discovery either.
func TestDiscoveryExcluded(t *testing.T) {
	v, srv, _ := startVampi(t, true, false)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := scanner.Scan(ctx, scanner.Options{Target: srv.URL, OpenAPI: srv.URL + "/openapi.json",
		Exclude: []string{"GET /actuator*", "* /users/v1/_debug"},
		Client:  scanner.ClientOptions{Concurrency: 4, Timeout: 5 * time.Second}, Wait: time.Second,
		Rules: rules.All(), Discovery: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"GET /actuator", "GET /actuator/env", "GET /actuator/configprops", "GET /users/v1/_debug"} {
		if n := v.hit(p); n != 0 {
			t.Errorf("%s sent %d times despite --exclude", p, n)
		}
	}
	if n := v.hit("GET /metrics"); n != 1 {
		t.Errorf("GET /metrics sent %d times; want 1 (not excluded)", n)
	}
	if fs := ruleFindings(res, "credentials-in-response"); len(fs) != 0 {
		t.Errorf("findings on an excluded path: %+v", fs)
	}
}

// TestDiscoveryDotenv: a .env file served by a static handler is found
// as a common path and credentials-in-response names its secrets,
// hiding their values; the fixed twin serves it without secrets.
func TestDiscoveryDotenv(t *testing.T) {
	for _, leaky := range []bool{true, false} {
		env := "NODE_ENV=production\nDB_PASSWORD=${DB_PASSWORD}\nPORT=8080\n"
		if leaky {
			env = "NODE_ENV=production\nDB_PASSWORD=hunter2-prod\nPORT=8080\n"
		}
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case "/openapi.json":
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, vampiSpec)
			case "/.env":
				w.Header().Set("Content-Type", "text/plain; charset=utf-8")
				fmt.Fprint(w, env)
			case "/users/v1", "/books/v1":
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, `[]`)
			default:
				http.NotFound(w, r)
			}
		}))
		res := discoveryScan(t, srv.URL, 4, 0)
		srv.Close()
		if got := foundPaths(res.Coverage.Discovery); !slices.Equal(got, []string{"/.env"}) {
			t.Errorf("leaky %v: found %q; want /.env", leaky, got)
		}
		fs := ruleFindings(res, "credentials-in-response")
		if !leaky {
			if len(fs) != 0 {
				t.Errorf("fixed twin: findings %+v", fs)
			}
			continue
		}
		if len(fs) != 1 || fs[0].Path != "/.env" || !strings.Contains(fs[0].Evidence.Summary, `"DB_PASSWORD"`) {
			t.Fatalf("findings = %+v; want one on GET /.env naming DB_PASSWORD", fs)
		}
		if body := fs[0].Evidence.Exchanges[0].ResponseBody; strings.Contains(body, "hunter2-prod") {
			t.Errorf("evidence shows the password: %s", body)
		}
	}
}

// TestDiscoveryUnderTemplatedRoute: VAmPI describes GET
// /users/v1/{username}; /users/v1/_debug fits that template but is another
// route, so it is tried and found (the template answers 404 for a name
// that does not exist). A link to an object of a described template is
// still not tried.
func TestDiscoveryUnderTemplatedRoute(t *testing.T) {
	var hits hitCounter // by path
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.add(r.URL.Path)
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/openapi.json":
			fmt.Fprint(w, `{"openapi":"3.0.3","info":{"title":"vampi","version":"1"},"paths":{
"/users/v1":{"get":{"security":[],"responses":{"200":{"description":"ok"}}}},
"/users/v1/{username}":{"get":{"security":[],"parameters":[{"name":"username","in":"path","required":true,"schema":{"type":"string"},"example":"name1"}],"responses":{"200":{"description":"ok"}}}}}}`)
		case "/users/v1":
			fmt.Fprint(w, `{"users":[{"username":"name1","email":"mail1@mail.com","profile":"/users/v1/name1"}]}`)
		case "/users/v1/name1":
			fmt.Fprint(w, `{"username":"name1","email":"mail1@mail.com"}`)
		case "/users/v1/_debug":
			fmt.Fprint(w, `{"users":[{"admin":true,"email":"admin@mail.com","password":"pass2","username":"admin"}]}`)
		default:
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"status":"fail","message":"User not found"}`)
		}
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := scanner.Scan(ctx, scanner.Options{Target: srv.URL, OpenAPI: srv.URL + "/openapi.json",
		Client: scanner.ClientOptions{Concurrency: 4, Timeout: 5 * time.Second}, Wait: time.Second, Rules: rules.All()}); err != nil {
		t.Fatal(err)
	}
	without := hits.hit("/users/v1/name1")
	res := discoveryScan(t, srv.URL, 4, 0)
	if got := foundPaths(res.Coverage.Discovery); !slices.Equal(got, []string{"/users/v1/_debug"}) {
		t.Errorf("found %q; want /users/v1/_debug", got)
	}
	if fs := ruleFindings(res, "credentials-in-response"); len(fs) != 1 || fs[0].Path != "/users/v1/_debug" {
		t.Errorf("credentials-in-response findings = %+v; want one on GET /users/v1/_debug", fs)
	}
	// The scan reads name1 as the described operation; discovery does not
	// add a request for the linked object.
	if n := hits.hit("/users/v1/name1") - without; n != without {
		t.Errorf("the linked object /users/v1/name1 was asked %d times with discovery, %d without", n, without)
	}
}
