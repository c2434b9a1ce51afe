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
	s.harvest(context.Background(), ops)
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
	s.harvest(context.Background(), ops)
	for _, k := range []string{"alice GET /api/me", "bob GET /api/me", "alice GET /api/notes", "bob GET /api/notes"} {
		if got[k] != 1 {
			t.Errorf("two identities: %d of %s, want 1 (requests %v)", got[k], k, got)
		}
	}
	if f := facts(s); !slices.ContainsFunc(f, func(x string) bool { return strings.HasPrefix(x, fmt.Sprintf("alice %d ", kindListed)) }) {
		t.Errorf("two identities: no listed object of alice's read from GET /api/notes: %q", f)
	}
}
