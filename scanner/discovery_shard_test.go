package scanner_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner"
	"github.com/authgate/authgate/scanner/rules"
)

// An API of ten public resources (a list and an item each) whose unlisted
// endpoints are found by discovery from every source but the front end:
// a collection's /_debug (/catalog/_debug, an environment dump), a link
// in a list's answer (/stores links /internal/stock), a link that is also
// a common path (/news links /debug/vars) or a collection's /_debug
// (/invoices links /catalog/_debug), and /zones/_debug, past the bound of
// eight collections, and a route the front end's script names
// (/internal/audit). The split by resource puts /catalog and /stores in a
// shard other than the first for 2, 3 and 4 shards.

// shardedResources are the API's resources, in the description's order.
// (the parser files them by path).
var shardedResources = []string{"accounts", "catalog", "deals", "invoices", "news", "stores", "tags", "videos", "widgets", "zones"}

// shardedLinks are the links in each resource's list answer.
var shardedLinks = map[string]string{
	"invoices": "/catalog/_debug",
	"news":     "/debug/vars",
	"stores":   "/internal/stock",
	"tags":     "/internal/metrics",
}

// shardedUnlisted are the unlisted endpoints and their answers.
var shardedUnlisted = map[string]string{
	"/catalog/_debug":   `{"env":{"NODE_ENV":"production","DB_PASSWORD":"hunter2-prod"}}`,
	"/internal/stock":   `{"warehouse":{"user":"ops","password":"stock-s3cret"}}`,
	"/debug/vars":       `{"cmdline":["/srv/api"],"config":{"smtp_password":"mail-s3cret"}}`,
	"/internal/metrics": `{"requests":12,"errors":0}`,
	"/zones/_debug":     `{"queue":{"user":"worker","password":"jobs-s3cret"}}`,
	"/internal/audit":   `{"last":{"user":"auditor","password":"audit-s3cret"}}`,
}

// shardedAPI serves the API and counts the requests by path.
type shardedAPI struct{ hitCounter }

func (a *shardedAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.add(r.URL.Path)
	w.Header().Set("Content-Type", "application/json")
	if r.URL.Path == "/openapi.json" {
		var paths []string
		for _, res := range shardedResources {
			paths = append(paths, fmt.Sprintf(`"/%[1]s":{"get":{"operationId":"list_%[1]s","security":[],"responses":{"200":{"description":"ok"}}}},`+
				`"/%[1]s/{id}":{"get":{"operationId":"get_%[1]s","security":[],"parameters":[{"name":"id","in":"path","required":true,"schema":{"type":"integer"},"example":1}],"responses":{"200":{"description":"ok"}}}}`, res))
		}
		fmt.Fprintf(w, `{"openapi":"3.0.3","info":{"title":"sharded","version":"1"},"paths":{%s}}`, strings.Join(paths, ","))
		return
	}
	switch r.URL.Path {
	case "/":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><html><head><script src="/main.js"></script></head><body></body></html>`)
		return
	case "/main.js":
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprint(w, `fetch("/internal/audit").then(r => r.json());`)
		return
	}
	if body, ok := shardedUnlisted[r.URL.Path]; ok {
		fmt.Fprint(w, body)
		return
	}
	res, id, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if !slices.Contains(shardedResources, res) || (id != "" && id != "1") {
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"error":"not found"}`)
		return
	}
	if id != "" {
		fmt.Fprintf(w, `{"id":1,"name":"%s one"}`, res)
		return
	}
	link := ""
	if l, ok := shardedLinks[res]; ok {
		link = fmt.Sprintf(`,"more":%q`, l)
	}
	fmt.Fprintf(w, `{"items":[{"id":1,"name":"%s one"}]%s}`, res, link)
}

// discoveryShardScan scans target as shard sh ({0, 0}: the whole API)
// without identities, as the CLI does by default (safe mode, discovery
// on).
func discoveryShardScan(t *testing.T, target string, sh [2]int) *scanner.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := scanner.Scan(ctx, scanner.Options{
		Target:    target,
		OpenAPI:   target + "/openapi.json",
		Mode:      finding.ModeSafe,
		Client:    scanner.ClientOptions{Concurrency: 4, Timeout: 10 * time.Second},
		Wait:      time.Second,
		Rules:     rules.All(),
		APIRules:  rules.APIRules(),
		Discovery: true,
		Shard:     sh,
	})
	if err != nil {
		t.Fatalf("shard %v: %v", sh, err)
	}
	if res.Incomplete != "" {
		t.Fatalf("shard %v incomplete: %s", sh, res.Incomplete)
	}
	return res
}

// TestShardsDiscoverAsWholeScan: 2, 3 and 4 shards together find the
// unlisted endpoints one scan finds (coverage.discovery), report the same
// findings on them, try as many candidates, and send each discovery probe
// as often as one scan does (once, and once more for a rule's
// confirmation), whichever shard holds the collection or the link. The
// front end's script is read once, by shard 1.
func TestShardsDiscoverAsWholeScan(t *testing.T) {
	api := &shardedAPI{}
	srv := httptest.NewServer(api)
	defer srv.Close()
	probes := func() map[string]int {
		out := map[string]int{}
		api.mu.Lock()
		defer api.mu.Unlock()
		for p, n := range api.hits {
			if !strings.Contains(p, "authgate") && p != "/openapi.json" && p != "/" && !slices.Contains(shardedResources, strings.Split(p, "/")[1]) || strings.HasSuffix(p, "/_debug") {
				out[p] = n
			}
		}
		api.hits = nil
		return out
	}
	shardsDiscoverAsWholeScan(t, srv.URL, []int{2, 3, 4}, probes,
		[]string{"/catalog/_debug", "/debug/vars", "/internal/audit", "/internal/metrics", "/internal/stock"},
		[]string{"/catalog/_debug", "/debug/vars", "/internal/audit", "/internal/stock"},
		[]string{"/catalog/_debug", "/internal/stock"})
}

// TestShardsDiscoverVAmPI: VAmPI's /users/v1/_debug is under the collection
// of the second of two shards (the parser files /books/v1 first).
func TestShardsDiscoverVAmPI(t *testing.T) {
	v, srv, other := startVampi(t, true, false)
	probes := func() map[string]int {
		return map[string]int{"/users/v1/_debug": v.hit("GET /users/v1/_debug"), "/internal/stats": v.hit("GET /internal/stats"), "/env": v.hit("GET /env")}
	}
	shardsDiscoverAsWholeScan(t, srv.URL, []int{2}, probes,
		[]string{"/internal/stats", "/users/v1/_debug"}, []string{"/users/v1/_debug"}, []string{"/users/v1/_debug"})
	if other.hits != 0 {
		t.Errorf("the other host got %d requests", other.hits)
	}
}

// shardsDiscoverAsWholeScan scans target whole, then in each count of
// shards, and fails t unless the whole scan finds found (sorted) and
// reports credentials-in-response on leaks, and the shards together find
// the same endpoints, try as many candidates, report the same findings
// (JSON, by fingerprint) and send each path as often (probes returns the
// hits per path since its last call, counted cumulatively when the server
// cannot forget them). Shard 1 must not find notFirst: the shards other
// than the first must find something of their own.
func shardsDiscoverAsWholeScan(t *testing.T, target string, counts []int, probes func() map[string]int, found, leaks, notFirst []string) {
	t.Helper()
	before := probes()
	whole := discoveryShardScan(t, target, [2]int{})
	wantProbes := probeDiff(probes(), before)
	wantFound := foundPaths(whole.Coverage.Discovery)
	slices.Sort(wantFound)
	if !slices.Equal(wantFound, found) {
		t.Fatalf("the whole scan found %q; want %q", wantFound, found)
	}
	want := findingsByFingerprint(t, whole)
	var got []string
	for _, f := range ruleFindings(whole, "credentials-in-response") {
		got = append(got, f.Path)
	}
	slices.Sort(got)
	if !slices.Equal(got, leaks) {
		t.Fatalf("the whole scan's credentials-in-response findings are on %q; want %q", got, leaks)
	}
	for _, n := range counts {
		t.Run(fmt.Sprintf("%d shards", n), func(t *testing.T) {
			before := probes()
			var shards []*scanner.Result
			var found []string
			tried := 0
			for i := 1; i <= n; i++ {
				res := discoveryShardScan(t, target, [2]int{i, n})
				shards = append(shards, res)
				if d := res.Coverage.Discovery; d != nil {
					tried += d.Tried
					found = append(found, foundPaths(d)...)
					if i == 1 && slices.ContainsFunc(notFirst, func(p string) bool { return slices.Contains(foundPaths(d), p) }) {
						t.Errorf("shard 1/%d found %q: the reproduction wants %q in other shards", n, foundPaths(d), notFirst)
					}
				}
			}
			gotProbes := probeDiff(probes(), before)
			slices.Sort(found)
			if !slices.Equal(found, wantFound) {
				t.Errorf("the shards found %q; the whole scan %q", found, wantFound)
			}
			if tried != whole.Coverage.Discovery.Tried {
				t.Errorf("the shards tried %d candidates together; the whole scan %d", tried, whole.Coverage.Discovery.Tried)
			}
			got := findingsByFingerprint(t, shards...)
			for fp, f := range want {
				if got[fp] != f {
					t.Errorf("the whole scan's finding\n  %s\nis in the shards as\n  %s", f, got[fp])
				}
			}
			for fp, f := range got {
				if _, ok := want[fp]; !ok {
					t.Errorf("the shards report a finding the whole scan does not:\n  %s", f)
				}
			}
			for p, k := range wantProbes {
				if gotProbes[p] != k {
					t.Errorf("GET %s: the shards sent it %d times together, the whole scan %d", p, gotProbes[p], k)
				}
			}
			for p, k := range gotProbes {
				if _, ok := wantProbes[p]; !ok {
					t.Errorf("GET %s: the shards sent it %d times, the whole scan never", p, k)
				}
			}
		})
	}
}

// probeDiff is the hits per path in now that were not in before, without
// the paths that got none.
func probeDiff(now, before map[string]int) map[string]int {
	out := map[string]int{}
	for p, n := range now {
		if d := n - before[p]; d > 0 {
			out[p] = d
		}
	}
	return out
}
