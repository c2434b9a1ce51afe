package scanner

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authgate/authgate/scanner/openapi"
)

// TestHarvestOneIdentity: with no peer, the harvest reads what the
// identity's token claims, owns: and its own /me record say, and sends
// nothing but the /me-like GET (which the rules send anyway); lists, whose
// ids and owner fields only a peer's answer could tell apart from what
// everyone sees, are not read. With a peer, it reads both, as before.
func TestHarvestOneIdentity(t *testing.T) {
	token := func(claims string) string {
		return "eyJhbGciOiJub25lIn0." + base64.RawURLEncoding.EncodeToString([]byte(claims)) + "."
	}
	aliceTok, bobTok := token(`{"sub":"u-1001","bid":3}`), token(`{"sub":"u-1002","bid":4}`)
	users := map[string]map[string]any{
		aliceTok: {"id": 1001, "email": "alice@example.com", "name": "alice"},
		bobTok:   {"id": 1002, "email": "bob@example.com", "name": "bob"},
	}
	var mu sync.Mutex
	got := map[string]int{} // "name GET /path" -> requests
	mux := http.NewServeMux()
	count := func(r *http.Request) map[string]any {
		u := users[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
		mu.Lock()
		defer mu.Unlock()
		got[fmt.Sprint(u["name"], " ", r.Method, " ", r.URL.Path)]++
		return u
	}
	mux.HandleFunc("GET /api/me", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(count(r))
	})
	mux.HandleFunc("GET /api/notes", func(w http.ResponseWriter, r *http.Request) {
		count(r)
		json.NewEncoder(w).Encode([]map[string]any{{"id": 7, "owner": "alice@example.com", "title": "groceries"}})
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	base, _ := url.Parse(srv.URL)
	ops := []openapi.Operation{
		{Method: http.MethodGet, Path: "/api/me"},
		{Method: http.MethodGet, Path: "/api/notes"},
		{Method: http.MethodGet, Path: "/api/notes/{id}", Params: []openapi.Param{{Name: "id", In: "path", Required: true, Type: "integer"}}},
	}
	scanWith := func(peer bool) *scan {
		s := &scan{
			base:    base,
			primary: NewIdentity("alice", []Header{{Name: "Authorization", Value: "Bearer " + aliceTok}}),
			cache:   map[string]*Response{},
			client:  NewClient(ClientOptions{Concurrency: 2, Timeout: 5 * time.Second, Budget: 100, Origins: []string{origin(base)}}),
		}
		s.primary.Owns = map[string][]string{"order_id": {"o-9"}}
		if peer {
			s.peer = NewIdentity("bob", []Header{{Name: "Authorization", Value: "Bearer " + bobTok}})
		}
		return s
	}
	facts := func(s *scan) []string {
		var out []string
		for _, o := range s.owned {
			out = append(out, fmt.Sprintf("%s %d %s=%s", o.owner.Name, o.kind, o.key, o.value))
		}
		return out
	}

	s := scanWith(false)
	s.harvest(context.Background(), ops, nil)
	want := []string{
		fmt.Sprintf("alice %d sub=u-1001", kindID),
		fmt.Sprintf("alice %d orderid=o-9", kindDeclared),
		fmt.Sprintf("alice %d bid=3", kindHeld),
		fmt.Sprintf("alice %d email=alice@example.com", kindEmail),
		fmt.Sprintf("alice %d id=1001", kindID),
	}
	if f := facts(s); !slices.Equal(f, want) {
		t.Errorf("one identity: facts\n%q\nwant\n%q", f, want)
	}
	if len(got) != 1 || got["alice GET /api/me"] != 1 {
		t.Errorf("one identity: requests %v, want GET /api/me once", got)
	}

	clear(got)
	s = scanWith(true)
	s.harvest(context.Background(), ops, nil)
	for _, k := range []string{"alice GET /api/me", "bob GET /api/me", "alice GET /api/notes", "bob GET /api/notes"} {
		if got[k] != 1 {
			t.Errorf("two identities: %d of %s, want 1 (requests %v)", got[k], k, got)
		}
	}
	if f := facts(s); !slices.ContainsFunc(f, func(x string) bool { return strings.HasPrefix(x, fmt.Sprintf("alice %d ", kindListed)) }) {
		t.Errorf("two identities: no listed object of alice's read from GET /api/notes: %q", f)
	}
}

// TestOwnValues: a path parameter takes an object the identity owns (its
// owns:, then what its login answer hands it, then what a list names it
// the owner of), or its own name where the parameter selects a user; a
// parameter nothing fits keeps its example, and another identity's
// objects are never used.
func TestOwnValues(t *testing.T) {
	alice := NewIdentity("alice", []Header{{Name: "Authorization", Value: "Bearer a-opaque-token-1"}})
	bob := NewIdentity("bob", []Header{{Name: "Authorization", Value: "Bearer b-opaque-token-2"}})
	s := &scan{primary: alice, peer: bob, owned: []owned{
		{owner: bob, kind: kindListed, path: "/books/v1", key: "booktitle", value: "bookTitle12"},
		{owner: alice, kind: kindListed, path: "/books/v1", key: "booktitle", value: "bookTitle77"},
		{owner: alice, kind: kindHeld, key: "bid", value: "3"},
		{owner: alice, kind: kindDeclared, key: "orderid", value: "o-9"},
		{owner: alice, kind: kindHeld, key: "orderid", value: "o-1"},
		{owner: alice, kind: kindName, key: "username", value: "name1"},
	}}
	path := func(name string) openapi.Param {
		return openapi.Param{Name: name, In: "path", Required: true, Example: "ex-" + name}
	}
	tests := []struct {
		route string
		param string
		want  string
	}{
		{"/books/v1/{book_title}", "book_title", "bookTitle77"},
		{"/rest/basket/{id}", "id", "3"},
		{"/orders/{order_id}", "order_id", "o-9"},
		{"/users/v1/{username}", "username", "name1"},
		{"/shops/{shop_id}", "shop_id", "ex-shop_id"},
	}
	for _, tc := range tests {
		op := &openapi.Operation{Method: http.MethodGet, Path: tc.route, Params: []openapi.Param{path(tc.param)}}
		if got := s.target(op).OwnValues(alice)["path:"+tc.param]; got != tc.want {
			t.Errorf("%s: %s, want %s", tc.route, got, tc.want)
		}
	}
	op := &openapi.Operation{Method: http.MethodGet, Path: "/books/v1/{book_title}", Params: []openapi.Param{path("book_title")}}
	if got := s.target(op).OwnValues(bob)["path:book_title"]; got != "bookTitle12" {
		t.Errorf("bob's book: %s, want bookTitle12", got)
	}
	if got := s.target(op).OwnValues(Anonymous)["path:book_title"]; got != "ex-book_title" {
		t.Errorf("anonymous: %s, want the example", got)
	}
}
