package scanner

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/authgate/authgate/scanner/openapi"
)

// TestHarvestMemoryPerList (memory, not time): while the harvest reads its
// lists it keeps, per list, what listedFacts needs of the two answers
// (who read each, its body) besides their cached copies: not the
// answers with their requests. The live heap is read by the target when
// the last list is asked for, every list before it held. At 20,000
// operations the whole answers were 11 MB of the harvest's 46 MB.
func TestHarvestMemoryPerList(t *testing.T) {
	const lists = 3000
	var first, last uint64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user := listsUsers[r.Header.Get("Authorization")]
		switch {
		case r.URL.Path == "/api/list1" && user == "alice":
			first = liveHeap()
		case r.URL.Path == fmt.Sprintf("/api/list%d", lists) && user == "bob":
			last = liveHeap()
		}
		var n int
		fmt.Sscanf(r.URL.Path, "/api/list%d", &n)
		// Both users see the same records: no fact is learned from
		// them, so what grows is what the harvest holds.
		writeListsJSON(w, []map[string]any{{"id": n, "name": fmt.Sprintf("item %d", n)}, {"id": n + 1, "name": "another item"}})
	}))
	defer srv.Close()
	base, _ := url.Parse(srv.URL)
	s := &scan{
		base:    base,
		primary: NewIdentity("alice", []Header{{Name: "Authorization", Value: "Bearer tok-alice"}}),
		peer:    NewIdentity("bob", []Header{{Name: "Authorization", Value: "Bearer tok-bob"}}),
		cache:   map[string]*Response{},
		client:  NewClient(ClientOptions{Concurrency: 1, Timeout: 5 * time.Second, Origins: []string{origin(base)}}),
	}
	s.opts.Client.Concurrency = 1
	ops := make([]openapi.Operation, lists)
	for i := range ops {
		ops[i] = openapi.Operation{Method: http.MethodGet, Path: fmt.Sprintf("/api/list%d", i+1)}
	}
	s.harvest(context.Background(), ops, nil)
	if first == 0 || last == 0 || len(s.cache) != 2*lists {
		t.Fatalf("the harvest did not read every list twice (%d cached answers)", len(s.cache))
	}
	per := (int64(last) - int64(first)) / (lists - 1)
	t.Logf("%d bytes live per list read (two answers, cached, and what the harvest keeps of them)", per)
	if per > 1200 {
		t.Errorf("the harvest holds %d bytes per list read, want at most 1,200", per)
	}
}

// TestInParallelAllocations (memory): handing results over in order costs
// a few allocations per call, not one (a channel) per result: the harvest
// calls it with 15,000 results at 20,000 operations.
func TestInParallelAllocations(t *testing.T) {
	const n = 1000
	allocs := testing.AllocsPerRun(3, func() {
		inParallel(context.Background(), 4, n, func(i int) int { return i }, func(int, int) {})
	})
	if allocs > 50 {
		t.Errorf("inParallel of %d results: %.0f allocations, want at most 50", n, allocs)
	}
}

// TestSeenFactsShareTheirText (memory): the ids one list shows only to the
// primary are kept to the end of the scan with the text that says how
// they were learned, the same for all of them: one string per list, not
// one per id (20,000 facts at 20,000 operations).
func TestSeenFactsShareTheirText(t *testing.T) {
	api := &listsAPI{lists: 2}
	api.sent = map[string]int{}
	srv := httptest.NewServer(api)
	defer srv.Close()
	base, _ := url.Parse(srv.URL)
	s := &scan{
		base:    base,
		primary: NewIdentity("alice", []Header{{Name: "Authorization", Value: "Bearer tok-alice"}}),
		peer:    NewIdentity("bob", []Header{{Name: "Authorization", Value: "Bearer tok-bob"}}),
		cache:   map[string]*Response{},
		client:  NewClient(ClientOptions{Concurrency: 1, Timeout: 5 * time.Second, Origins: []string{origin(base)}}),
	}
	s.harvest(context.Background(), api.ops(), nil)
	texts := map[string]map[*byte]bool{}
	for _, o := range s.owned {
		if o.kind == kindSeen {
			if texts[o.path] == nil {
				texts[o.path] = map[*byte]bool{}
			}
			texts[o.path][unsafe.StringData(o.how)] = true
		}
	}
	if len(texts["/api/mine1"]) == 0 {
		t.Fatalf("no id seen only by alice in /api/mine1: %v", texts)
	}
	for path, ptrs := range texts {
		if len(ptrs) != 1 {
			t.Errorf("the ids of %s keep %d copies of how they were learned, want one", path, len(ptrs))
		}
	}
}

// TestHarvestMemoryLargeLists (memory, not time): the harvest does not
// hold its list answers' bodies until it ends, only what it reads of them
// (the records with an owner field, in a few strings). With the cache
// full, as in a scan of an API whose list answers are 64 KiB (the 1,000
// operations of BenchmarkScanMemory/pad=32KiB fill its 16 MiB), the harvest
// was their bodies' only holder: 400 answers of 64 KiB here, 26 MB.
func TestHarvestMemoryLargeLists(t *testing.T) {
	const lists = 200
	pad := strings.Repeat("x", 32<<10)
	var first, last uint64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user := listsUsers[r.Header.Get("Authorization")]
		switch {
		case r.URL.Path == "/api/list1" && user == "alice":
			first = liveHeap()
		case r.URL.Path == fmt.Sprintf("/api/list%d", lists) && user == "bob":
			last = liveHeap()
		}
		var n int
		fmt.Sscanf(r.URL.Path, "/api/list%d", &n)
		// Both users see the same records, owned by nobody the scan
		// knows: no fact is learned from them.
		writeListsJSON(w, []map[string]any{{"id": n, "pad": pad, "owner": "carol"}, {"id": n + 1, "pad": pad, "owner": "carol"}})
	}))
	defer srv.Close()
	base, _ := url.Parse(srv.URL)
	s := &scan{
		base:    base,
		primary: NewIdentity("alice", []Header{{Name: "Authorization", Value: "Bearer tok-alice"}}),
		peer:    NewIdentity("bob", []Header{{Name: "Authorization", Value: "Bearer tok-bob"}}),
		cache:   map[string]*Response{},
		client:  NewClient(ClientOptions{Concurrency: 2, Timeout: 5 * time.Second, Origins: []string{origin(base)}}),
	}
	s.opts.Client.Concurrency = 2
	s.cacheBytes = maxCacheBytes // full: no answer is cached
	ops := make([]openapi.Operation, lists)
	for i := range ops {
		ops[i] = openapi.Operation{Method: http.MethodGet, Path: fmt.Sprintf("/api/list%d", i+1)}
	}
	s.harvest(context.Background(), ops, nil)
	if first == 0 || last == 0 || len(s.cache) != 0 {
		t.Fatalf("the harvest did not read every list uncached (%d cached answers)", len(s.cache))
	}
	grown := int64(last) - int64(first)
	t.Logf("%d bytes live more at the last list than at the first (%d answers of 64 KiB read)", grown, 2*lists)
	if grown > 4<<20 {
		t.Errorf("the harvest holds %d MB more at its last list than at its first, want at most 4 MB", grown>>20)
	}
}

// TestInParallelBoundsResultsAhead: when use is slower than fn, the calls
// run at most aheadPerWorker×workers results ahead of the ones handed
// over, so their results (the harvest's answers with their bodies) do not
// pile up. Counted, not timed: use sleeps only to be the slower one.
func TestInParallelBoundsResultsAhead(t *testing.T) {
	const n, workers = 100, 2
	var mu sync.Mutex
	started, used, most := 0, 0, 0
	inParallel(context.Background(), workers, n, func(i int) int {
		mu.Lock()
		started++
		most = max(most, started-used)
		mu.Unlock()
		return i
	}, func(i, v int) {
		time.Sleep(time.Millisecond)
		mu.Lock()
		used++
		mu.Unlock()
	})
	if limit := aheadPerWorker*workers + 1; most > limit {
		t.Errorf("%d calls started ahead of the results used, want at most %d", most, limit)
	}
}
