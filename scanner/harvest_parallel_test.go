package scanner

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authgate/authgate/scanner/openapi"
)

// listsAPI is an API of many parameterless GETs, as the harvest reads
// them: per-user lists (ids only the caller sees), lists everyone sees,
// lists with an owner field, a /me record, lists the primary may not read
// and unknown paths. inFlight gates the first requests until gate of
// them are in flight at once (0: no gate), so a test can tell a
// concurrent harvest from a sequential one without timing it.
type listsAPI struct {
	lists int
	gate  int

	mu       sync.Mutex
	inFlight int
	opened   chan struct{}
	sent     map[string]int // "user GET /path" -> requests
}

var listsUsers = map[string]string{"Bearer tok-alice": "alice", "Bearer tok-bob": "bob"}

func (a *listsAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	user := listsUsers[r.Header.Get("Authorization")]
	a.mu.Lock()
	a.sent[user+" "+r.Method+" "+r.URL.Path]++
	a.inFlight++
	if a.gate > 0 && a.inFlight >= a.gate {
		select {
		case <-a.opened:
		default:
			close(a.opened)
		}
	}
	a.mu.Unlock()
	defer func() { a.mu.Lock(); a.inFlight--; a.mu.Unlock() }()
	if a.gate > 0 {
		select {
		case <-a.opened:
		case <-time.After(3 * time.Second): // sequential: never opens
		}
	}
	uid := map[string]int{"alice": 1001, "bob": 1002}[user]
	var n int
	fmt.Sscanf(r.URL.Path, "/api/mine%d", &n)
	switch {
	case r.URL.Path == "/api/me" && user != "":
		writeListsJSON(w, map[string]any{"id": uid, "username": user, "email": user + "@example.com"})
	case n > 0 && user != "":
		// Ids only the caller sees, three records per list.
		writeListsJSON(w, []map[string]any{{"id": uid*100 + n}, {"id": uid*1000 + n}, {"id": uid*10000 + n}})
	case strings.HasPrefix(r.URL.Path, "/api/public"):
		writeListsJSON(w, []map[string]any{{"id": 1}, {"id": 2}})
	case strings.HasPrefix(r.URL.Path, "/api/owned") && user != "":
		writeListsJSON(w, []map[string]any{{"id": "a" + r.URL.Path[10:], "title": "t", "owner": "alice"}, {"id": "b" + r.URL.Path[10:], "title": "u", "owner": "bob"}})
	case strings.HasPrefix(r.URL.Path, "/api/admin") && user == "bob":
		writeListsJSON(w, []map[string]any{{"id": 9}})
	case strings.HasPrefix(r.URL.Path, "/api/admin"):
		w.WriteHeader(http.StatusForbidden)
	default:
		http.NotFound(w, r)
	}
}

func writeListsJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

// ops is the API's operations: groups of five parameterless GETs (each
// kind above) and an item GET the harvest does not read.
func (a *listsAPI) ops() []openapi.Operation {
	ops := []openapi.Operation{{Method: http.MethodGet, Path: "/api/me"}}
	for i := 1; i <= a.lists; i++ {
		for _, p := range []string{"/api/mine%d", "/api/public%d", "/api/owned%d", "/api/admin%d", "/api/gone%d"} {
			ops = append(ops, openapi.Operation{Method: http.MethodGet, Path: fmt.Sprintf(p, i)})
		}
	}
	return append(ops, openapi.Operation{Method: http.MethodGet, Path: "/api/notes/{id}",
		Params: []openapi.Param{{Name: "id", In: "path", Required: true, Type: "integer"}}})
}

// harvestAt runs the harvest of api at the given concurrency and returns
// what it learned, in order, and the requests the API received.
func harvestAt(t *testing.T, api *listsAPI, concurrency int, peer bool) (facts []string, sent map[string]int) {
	t.Helper()
	api.sent = map[string]int{}
	api.opened = make(chan struct{})
	srv := httptest.NewServer(api)
	defer srv.Close()
	base, _ := url.Parse(srv.URL)
	s := &scan{
		base:    base,
		primary: NewIdentity("alice", []Header{{Name: "Authorization", Value: "Bearer tok-alice"}}),
		cache:   map[string]*Response{},
		client:  NewClient(ClientOptions{Concurrency: concurrency, Timeout: 5 * time.Second, Budget: 10000, Origins: []string{origin(base)}}),
	}
	s.opts.Client.Concurrency = concurrency
	if peer {
		s.peer = NewIdentity("bob", []Header{{Name: "Authorization", Value: "Bearer tok-bob"}})
	}
	s.harvest(context.Background(), api.ops(), nil)
	for _, o := range s.owned {
		facts = append(facts, fmt.Sprintf("%s %d %s %s=%s (%s)", o.owner.Name, o.kind, o.path, o.key, o.value, o.how))
	}
	return facts, api.sent
}

// TestHarvestConcurrencySameFacts: the harvest sends its requests on the
// scan's pool of workers, and learns the same facts, in the same order,
// from the same requests at concurrency 1 and 8, with and without a peer.
func TestHarvestConcurrencySameFacts(t *testing.T) {
	for _, peer := range []bool{true, false} {
		t.Run(fmt.Sprint("peer=", peer), func(t *testing.T) {
			api := &listsAPI{lists: 12}
			want, wantSent := harvestAt(t, api, 1, peer)
			if len(want) == 0 {
				t.Fatal("the harvest learned nothing")
			}
			if peer && (!strings.Contains(strings.Join(want, "\n"), "alice 0 /api/mine12 id=100112") ||
				!strings.Contains(strings.Join(want, "\n"), "bob 6 /api/owned12 id=b12")) {
				t.Errorf("no id only alice sees among:\n%s", strings.Join(want, "\n"))
			}
			for run := range 3 {
				got, sent := harvestAt(t, api, 8, peer)
				if strings.Join(got, "\n") != strings.Join(want, "\n") {
					t.Errorf("run %d at concurrency 8 learned\n%s\nat concurrency 1:\n%s", run, strings.Join(got, "\n"), strings.Join(want, "\n"))
				}
				if fmt.Sprint(sent) != fmt.Sprint(wantSent) {
					t.Errorf("run %d at concurrency 8 sent %v, at concurrency 1 %v", run, sent, wantSent)
				}
			}
		})
	}
}

// TestHarvestRunsConcurrently: with a peer, the harvest has 4 requests in
// flight at once at concurrency 4 (the API holds the first answers until
// it sees them: a harvest that sends one request at a time would wait 3 s
// per request and never get there).
func TestHarvestRunsConcurrently(t *testing.T) {
	api := &listsAPI{lists: 2, gate: 4}
	api.sent = map[string]int{}
	api.opened = make(chan struct{})
	srv := httptest.NewServer(api)
	defer srv.Close()
	base, _ := url.Parse(srv.URL)
	s := &scan{
		base:    base,
		primary: NewIdentity("alice", []Header{{Name: "Authorization", Value: "Bearer tok-alice"}}),
		peer:    NewIdentity("bob", []Header{{Name: "Authorization", Value: "Bearer tok-bob"}}),
		cache:   map[string]*Response{},
		client:  NewClient(ClientOptions{Concurrency: 4, Timeout: 5 * time.Second, Budget: 1000, Origins: []string{origin(base)}}),
	}
	s.opts.Client.Concurrency = 4
	done := make(chan struct{})
	go func() { s.harvest(context.Background(), api.ops(), nil); close(done) }()
	select {
	case <-api.opened:
	case <-done:
		t.Fatal("the harvest never had 4 requests in flight at once")
	}
	<-done
}

// TestInParallelOrder: results come back in index order at any number
// of workers, however late each one is, and once the context is done no
// further call starts.
func TestInParallelOrder(t *testing.T) {
	for _, workers := range []int{1, 3, 8, 50} {
		var got []int
		inParallel(context.Background(), workers, 20, func(i int) int {
			if i%3 == 0 {
				runtime.Gosched() // some finish after later ones
			}
			return i * i
		}, func(i, v int) {
			if v != i*i {
				t.Errorf("workers %d: result %d is %d, want %d", workers, i, v, i*i)
			}
			got = append(got, i)
		})
		if fmt.Sprint(got) != fmt.Sprint([]int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19}) {
			t.Errorf("workers %d: used in order %v", workers, got)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	calls, used := 0, 0
	inParallel(ctx, 1, 20, func(int) int { calls++; return 1 }, func(int, int) { used++ })
	if calls != 0 || used != 20 {
		t.Errorf("after the context was done: %d calls (want none), %d results used (want 20)", calls, used)
	}
}
