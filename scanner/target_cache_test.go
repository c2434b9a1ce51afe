package scanner

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authgate/authgate/scanner/openapi"
)

// cacheTestScan is a scan of srv with the cache on and one identity.
func cacheTestScan(t *testing.T, srv *httptest.Server) (*scan, *Identity) {
	t.Helper()
	base, _ := url.Parse(srv.URL)
	alice := NewIdentity("alice", []Header{{Name: "Authorization", Value: "Bearer tok-alice"}})
	s := &scan{
		base:     base,
		primary:  alice,
		cache:    map[string]*Response{},
		redactor: NewRedactor(alice),
		client:   NewClient(ClientOptions{Concurrency: 1, Timeout: 5 * time.Second, Origins: []string{origin(base)}}),
	}
	return s, alice
}

// TestCachedAnswerKeepsWhatRulesRead: an answer from the cache is the
// answer the target gave, whatever a rule reads of it: status, every
// header with every value in order (two cookies), the body, and the
// request it stands for, so its evidence and curl command are the first
// answer's too. The target is asked once.
func TestCachedAnswerKeepsWhatRulesRead(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Add("Set-Cookie", "a=1; HttpOnly")
		h.Add("Set-Cookie", "b=2")
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("X-Request-Id", "r-1")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"items":[{"id":1,"owner":"alice"}],"q":%q}`, r.URL.RawQuery)
	}))
	defer srv.Close()
	s, alice := cacheTestScan(t, srv)
	op := &openapi.Operation{Method: "GET", Path: "/api/items",
		Params: []openapi.Param{{Name: "q", In: "query", Example: "x y"}, {Name: "X-Trace", In: "header", Example: "t1"}}}
	ctx := context.Background()
	first := s.target(op).Send(ctx, alice, s.target(op).Values())
	again := s.target(op).Send(ctx, alice, s.target(op).Values())
	if n := hits.Load(); n != 1 {
		t.Fatalf("the target was asked %d times, want once (the second answer from the cache)", n)
	}
	if first.Err != nil || first.Status != http.StatusCreated {
		t.Fatalf("first answer: %d, %v", first.Status, first.Err)
	}
	// Every field of the answer but its request, including any added
	// later: the cache must keep it.
	rv, fv := reflect.ValueOf(again).Elem(), reflect.ValueOf(first).Elem()
	for i := range rv.NumField() {
		if f := rv.Type().Field(i); f.IsExported() && f.Name != "Request" && !reflect.DeepEqual(rv.Field(i).Interface(), fv.Field(i).Interface()) {
			t.Errorf("cached %s = %v, want %v", f.Name, rv.Field(i), fv.Field(i))
		}
	}
	if again.Status != first.Status || again.Truncated != first.Truncated || again.Err != nil {
		t.Errorf("cached status/truncated/err: %d %v %v, want %d %v nil", again.Status, again.Truncated, again.Err, first.Status, first.Truncated)
	}
	if !reflect.DeepEqual(again.Header, first.Header) || len(again.Header.Values("Set-Cookie")) != 2 {
		t.Errorf("cached header %v, want %v", again.Header, first.Header)
	}
	if string(again.Body) != string(first.Body) || !strings.Contains(string(again.Body), `"owner":"alice"`) {
		t.Errorf("cached body %q, want %q", again.Body, first.Body)
	}
	fresh := s.target(op).Request(alice, s.target(op).Values())
	for _, r := range []*Request{first.Request, again.Request} {
		if r.Method != fresh.Method || r.URL.String() != fresh.URL.String() || !reflect.DeepEqual(r.Header, fresh.Header) || r.Identity != alice {
			t.Errorf("request %s %s %v (%v), want %s %s %v (alice)", r.Method, r.URL, r.Header, r.Identity, fresh.Method, fresh.URL, fresh.Header)
		}
	}
	if a, b := s.exchange(again), s.exchange(first); !reflect.DeepEqual(a, b) {
		t.Errorf("cached answer's evidence\n%+v\nwant\n%+v", a, b)
	}
	if a, b := s.curl(again.Request), s.curl(first.Request); a != b {
		t.Errorf("cached answer's curl %s, want %s", a, b)
	}
}

// TestCachedAnswerHasItsOwnRequest: a rule that changes the request of the
// answer it got (an Origin header for a probe of its own) changes no other
// rule's answer: each hit comes with the request built for it.
func TestCachedAnswerHasItsOwnRequest(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"ok":true}`)
	}))
	defer srv.Close()
	s, alice := cacheTestScan(t, srv)
	op := &openapi.Operation{Method: "GET", Path: "/api/me"}
	ctx := context.Background()
	s.target(op).Send(ctx, alice, nil)
	mine := s.target(op).Send(ctx, alice, nil)
	mine.Request.Header.Set("Origin", "https://evil.example")
	other := s.target(op).Send(ctx, alice, nil)
	if got := other.Request.Header.Get("Origin"); got != "" {
		t.Errorf("another rule's cached answer carries the Origin one rule set: %q", got)
	}
	if strings.Contains(s.curl(other.Request), "evil.example") {
		t.Errorf("another rule's curl shows the Origin one rule set: %s", s.curl(other.Request))
	}
}

// TestCacheAccounting: the cache counts the bodies it holds, refuses what
// would pass maxCacheBytes, counts a repeated key once, gives the bytes
// back when the operation is forgotten, and keeps the answers of the
// operations not forgotten when it rebuilds its maps (shrinkCache).
func TestCacheAccounting(t *testing.T) {
	s := &scan{cache: map[string]*Response{}}
	opA := &openapi.Operation{Method: "GET", Path: "/a"}
	opB := &openapi.Operation{Method: "GET", Path: "/b"}
	answer := func(n int) *Response {
		body := make([]byte, n, 4*n+512) // as the client reads it: room to spare
		return &Response{Request: &Request{Method: "GET", Identity: Anonymous}, Status: 200, Header: http.Header{"Content-Type": {"text/plain"}}, Body: body}
	}
	s.remember(opA, "a1", answer(100))
	s.remember(opA, "a1", answer(100)) // the same key again
	s.remember(opB, "b1", answer(50))
	if s.cacheBytes != 150 || len(s.cache) != 2 {
		t.Fatalf("after two answers: %d bytes, %d entries; want 150, 2", s.cacheBytes, len(s.cache))
	}
	if c := s.cache["a1"]; cap(c.Body) > 128 {
		t.Errorf("cached body keeps the read buffer: cap %d for %d bytes", cap(c.Body), len(c.Body))
	}
	s.remember(opB, "big", answer(maxCacheBytes))
	if _, ok := s.cache["big"]; ok || s.cacheBytes != 150 {
		t.Errorf("an answer past maxCacheBytes was cached (%d bytes)", s.cacheBytes)
	}
	s.forget(opA)
	if s.cacheBytes != 50 || s.cache["a1"] != nil || s.cache["b1"] == nil {
		t.Errorf("after forgetting /a: %d bytes, a1 %v, b1 %v; want 50, gone, kept", s.cacheBytes, s.cache["a1"] != nil, s.cache["b1"] != nil)
	}
	// Enough answers for the maps to be rebuilt when most are forgotten.
	ops := make([]openapi.Operation, 4*minCacheRebuild)
	for i := range ops {
		ops[i] = openapi.Operation{Method: "GET", Path: "/many/" + strconv.Itoa(i)}
		s.remember(&ops[i], "many"+strconv.Itoa(i), answer(10))
	}
	for i := range ops[:len(ops)-10] {
		s.forget(&ops[i])
	}
	if s.shared.high >= 4*minCacheRebuild {
		t.Errorf("the cache's maps were not rebuilt (high %d)", s.shared.high)
	}
	if want := 50 + 10*10; s.cacheBytes != want || len(s.cache) != 11 || len(s.cacheKeys) != 11 {
		t.Errorf("after forgetting all but 10: %d bytes, %d entries, %d operations; want %d, 11, 11", s.cacheBytes, len(s.cache), len(s.cacheKeys), want)
	}
	for i := len(ops) - 10; i < len(ops); i++ {
		if s.cache["many"+strconv.Itoa(i)] == nil {
			t.Errorf("answer %d lost when the maps were rebuilt", i)
		}
	}
}

// TestSharedHeaders: cached answers with the same headers share one map;
// different values, names or order of values do not.
func TestSharedHeaders(t *testing.T) {
	var a answerShare
	h1 := a.header(http.Header{"Content-Type": {"application/json"}, "Content-Length": {"12"}})
	h2 := a.header(http.Header{"Content-Length": {"12"}, "Content-Type": {"application/json"}})
	if reflect.ValueOf(h1).UnsafePointer() != reflect.ValueOf(h2).UnsafePointer() {
		t.Error("two answers with the same headers do not share them")
	}
	for _, h := range []http.Header{
		{"Content-Type": {"application/json"}, "Content-Length": {"13"}},
		{"Content-Type": {"application/json"}},
		{"Content-Type": {"application/json"}, "Content-Length": {"12"}, "Set-Cookie": {"a=1", "b=2"}},
		{"Content-Type": {"application/json"}, "Content-Length": {"12"}, "Set-Cookie": {"b=2", "a=1"}},
		{"Content-Type": {"application/json"}, "Content-Length": {"12"}, "Set-Cookie": {"a=1b=2"}},
	} {
		if got := a.header(h); !reflect.DeepEqual(got, h) {
			t.Errorf("shared %v for %v", got, h)
		}
	}
	if a.header(nil) != nil {
		t.Error("no header became a header")
	}
}

// liveHeap is the heap in use after a collection.
func liveHeap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// TestCacheMemoryPerAnswer (memory, not time): a cached answer costs a few
// hundred bytes beyond its body, not the 1,400 that a whole answer as the
// client returns it holds for a 100-byte body (request, URL, header maps,
// the read buffer). At 20,000 operations the harvest's 30,000 cached
// answers were 46 MB of the scan's 72 MB live heap.
func TestCacheMemoryPerAnswer(t *testing.T) {
	body := `[{"id":101,"name":"item 101 of group 9","owner":"user-a"},{"id":102,"name":"item 102","owner":"user-a"}]`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Content-Type"] = []string{"application/json"}
		fmt.Fprint(w, body)
	}))
	defer srv.Close()
	s, alice := cacheTestScan(t, srv)
	op := &openapi.Operation{Method: "GET", Path: "/r9/items",
		Params: []openapi.Param{{Name: "page", In: "query"}}}
	const n = 4000
	ctx := context.Background()
	s.target(op).Send(ctx, alice, map[string]string{"query:page": "warm-up"})
	before := liveHeap()
	for i := range n {
		if r := s.target(op).Send(ctx, alice, map[string]string{"query:page": strconv.Itoa(i)}); r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	held := liveHeap()
	if len(s.cache) != n+1 {
		t.Fatalf("%d answers cached, want %d", len(s.cache), n+1)
	}
	per := (int64(held) - int64(before)) / n
	t.Logf("%d bytes per cached answer of a %d-byte body", per, len(body))
	if per > 700 {
		t.Errorf("a cached answer of a %d-byte body holds %d bytes, want at most 700", len(body), per)
	}
}

// TestCachedAnswerJudgedOnce: the hits of one cached answer share its
// judgement (what Refusal and HasContent concluded), so several rules
// asking about one answer judge it once; the first sender's answer, which
// the harvest judges before the answer waits in the cache, keeps its own.
func TestCachedAnswerJudgedOnce(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `[{"id":1,"owner":"alice"}]`)
	}))
	defer srv.Close()
	s, alice := cacheTestScan(t, srv)
	op := &openapi.Operation{Method: "GET", Path: "/api/items"}
	ctx := context.Background()
	first := s.target(op).Send(ctx, alice, nil)
	if Refusal(first) != "" || !first.HasContent() {
		t.Fatalf("the answer is refused (%q) or empty", Refusal(first))
	}
	hit1 := s.target(op).Send(ctx, alice, nil)
	hit2 := s.target(op).Send(ctx, alice, nil)
	if Refusal(hit1) != "" || !hit2.HasContent() {
		t.Fatalf("a cached answer is refused (%q) or empty", Refusal(hit1))
	}
	m1, m2 := hit1.judged.Load(), hit2.judged.Load()
	if m1 == nil || m1 != m2 {
		t.Errorf("two hits of one cached answer are judged apart (%p, %p)", m1, m2)
	}
	if m0 := first.judged.Load(); m0 == m1 {
		t.Error("the first sender's judgement is kept with the cached answer")
	}
	if c := s.cache[cacheKey(hit1.Request)]; c == nil || c.judged.Load() != m1 {
		t.Error("the cached answer does not hold its hits' judgement")
	}
}
