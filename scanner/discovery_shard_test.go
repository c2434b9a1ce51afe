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
// eight collections. The split by resource puts /catalog and /stores in a
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
// confirmation), whichever shard holds the collection or the link.
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
	api.hits = nil
	whole := discoveryShardScan(t, srv.URL, [2]int{})
	wantProbes := probes()
	wantFound := foundPaths(whole.Coverage.Discovery)
	slices.Sort(wantFound)
	if want := []string{"/catalog/_debug", "/debug/vars", "/internal/metrics", "/internal/stock"}; !slices.Equal(wantFound, want) {
		t.Fatalf("the whole scan found %q; want %q", wantFound, want)
	}
	want := findingsByFingerprint(t, whole)
	var leaks []string
	for _, f := range ruleFindings(whole, "credentials-in-response") {
		leaks = append(leaks, f.Path)
	}
	slices.Sort(leaks)
	if !slices.Equal(leaks, []string{"/catalog/_debug", "/debug/vars", "/internal/stock"}) {
		t.Fatalf("the whole scan's credentials-in-response findings are on %q", leaks)
	}
	for _, n := range []int{2, 3, 4} {
		t.Run(fmt.Sprintf("%d shards", n), func(t *testing.T) {
			var shards []*scanner.Result
			var found []string
			tried := 0
			for i := 1; i <= n; i++ {
				res := discoveryShardScan(t, srv.URL, [2]int{i, n})
				shards = append(shards, res)
				if d := res.Coverage.Discovery; d != nil {
					tried += d.Tried
					found = append(found, foundPaths(d)...)
					if i == 1 && (slices.Contains(foundPaths(d), "/catalog/_debug") || slices.Contains(foundPaths(d), "/internal/stock")) {
						t.Errorf("shard 1/%d found %q: the reproduction wants /catalog and /stores in other shards", n, foundPaths(d))
					}
				}
			}
			gotProbes := probes()
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
	if wantProbes["/zones/_debug"] != 0 {
		t.Errorf("the whole scan tried /zones/_debug, past the bound of %d collections", 8)
	}
}
