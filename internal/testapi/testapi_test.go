package testapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// op is one operation of a generated document, with a request built from
// its examples.
type op struct {
	method, path, url string
	public            bool
	object            bool // has a path parameter: owner-checked
}

// operations parses the handler's own document.
func operations(t *testing.T, h http.Handler) []op {
	t.Helper()
	rec := serve(h, http.MethodGet, "/openapi.json", "")
	if rec.Code != http.StatusOK {
		t.Fatalf("/openapi.json: status %d", rec.Code)
	}
	var doc struct {
		OpenAPI  string                `json:"openapi"`
		Security []map[string][]string `json:"security"`
		Paths    map[string]map[string]struct {
			Security   *[]any `json:"security"`
			Parameters []struct {
				Name, In string
				Example  any
			} `json:"parameters"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatalf("document is not JSON: %v", err)
	}
	if doc.OpenAPI != "3.0.3" || len(doc.Security) != 1 || doc.Security[0][schemeName] == nil {
		t.Fatalf("document: openapi %q, security %v; want 3.0.3 with global %s", doc.OpenAPI, doc.Security, schemeName)
	}
	var ops []op
	for path, item := range doc.Paths {
		for method, o := range item {
			switch method {
			case "get", "put", "post", "delete", "options", "head", "patch", "trace":
			default:
				continue
			}
			x := op{method: strings.ToUpper(method), path: path, url: path, public: o.Security != nil && len(*o.Security) == 0}
			var query []string
			for _, p := range o.Parameters {
				if p.Example == nil {
					t.Errorf("%s %s: parameter %s has no example", method, path, p.Name)
				}
				v := fmt.Sprint(p.Example)
				switch p.In {
				case "path":
					x.url = strings.ReplaceAll(x.url, "{"+p.Name+"}", v)
					x.object = true
				case "query":
					query = append(query, p.Name+"="+v)
				}
			}
			if len(query) > 0 {
				x.url += "?" + strings.Join(query, "&")
			}
			ops = append(ops, x)
		}
	}
	slices.SortFunc(ops, func(a, b op) int { return strings.Compare(a.path, b.path) })
	return ops
}

func TestOperationCount(t *testing.T) {
	for _, n := range []int{-1, 0, 1, 2, 3, 4, 5, 10, 100, 1000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			want := max(n, 0)
			for name, h := range map[string]http.Handler{"secure": New(n), "vulnerable": NewVulnerable(n)} {
				if got := len(operations(t, h)); got != want {
					t.Errorf("%s: document has %d operations, want %d", name, got, want)
				}
			}
		})
	}
}

func TestDocumentIsDeterministic(t *testing.T) {
	a := serve(New(100), http.MethodGet, "/openapi.json", "").Body.String()
	b := serve(New(100), http.MethodGet, "/openapi.json", "").Body.String()
	if a != b {
		t.Error("two builds of New(100) serve different documents")
	}
}

// TestEveryOperation sends every operation of the document as each caller
// and checks the answers a correctly secured API gives.
func TestEveryOperation(t *testing.T) {
	const n = 1000
	h := New(n)
	ops := operations(t, h)
	kinds := map[string]int{}
	for _, o := range ops {
		kinds[o.path[strings.Index(o.path[1:], "/")+1:]]++
		anon := serve(h, o.method, o.url, "")
		switch {
		case o.public:
			if anon.Code != http.StatusOK {
				t.Errorf("%s %s: public operation answered %d without a token", o.method, o.url, anon.Code)
			}
		case anon.Code != http.StatusUnauthorized || anon.Header().Get("WWW-Authenticate") != "Bearer":
			t.Errorf("%s %s: without a token: %d, WWW-Authenticate %q; want 401 with a Bearer challenge",
				o.method, o.url, anon.Code, anon.Header().Get("WWW-Authenticate"))
		}
		if got := serve(h, o.method, o.url, TokenA+"x").Code; !o.public && got != http.StatusUnauthorized {
			t.Errorf("%s %s: with an altered token: %d, want 401", o.method, o.url, got)
		}
		a := serve(h, o.method, o.url, TokenA)
		if a.Code != http.StatusOK || !json.Valid(a.Body.Bytes()) {
			t.Errorf("%s %s: as A: %d %s, want 200 with JSON", o.method, o.url, a.Code, a.Body)
		}
		// The examples name A's objects: B must not read them.
		b := serve(h, o.method, o.url, TokenB)
		if o.object && b.Code != http.StatusNotFound {
			t.Errorf("%s %s: B reads A's object: %d, want 404", o.method, o.url, b.Code)
		}
		if !o.object && !o.public && b.Body.String() == a.Body.String() {
			t.Errorf("%s %s: A and B get the same answer %s", o.method, o.url, a.Body)
		}
	}
	want := map[string]int{"/items": n / 4, "/items/{id}": n / 4, "/public": n / 4, "/search": n / 4}
	for k, v := range want {
		if kinds[k] != v {
			t.Errorf("%d operations of kind %s, want %d (all: %v)", kinds[k], k, v, kinds)
		}
	}
}

func TestRoutes(t *testing.T) {
	h := New(10) // groups r0 and r1 complete, r2 with items and items/{id}
	tests := []struct {
		name, method, url, token string
		want                     int
		contains                 string
	}{
		{name: "A's list", url: "/r1/items", token: TokenA, want: 200, contains: `"id":21`},
		{name: "B's list", url: "/r1/items", token: TokenB, want: 200, contains: `"id":23`},
		{name: "A's object", url: "/r2/items/32", token: TokenA, want: 200, contains: `"owner":"user-a"`},
		{name: "B's object as B", url: "/r2/items/33", token: TokenB, want: 200, contains: `"owner":"user-b"`},
		{name: "B's object as A", url: "/r2/items/33", token: TokenA, want: 404},
		{name: "object of another group", url: "/r1/items/11", token: TokenA, want: 404},
		{name: "object id with leading zero", url: "/r1/items/021", token: TokenA, want: 404},
		{name: "object id not a number", url: "/r1/items/x", token: TokenA, want: 404},
		{name: "search without q", url: "/r1/search", token: TokenA, want: 400},
		{name: "search with empty q", url: "/r1/search?q=&x=1", token: TokenA, want: 400},
		{name: "search", url: "/r1/search?x=1&q=item", token: TokenA, want: 200, contains: `"results"`},
		{name: "kind beyond n", url: "/r2/public", want: 404},
		{name: "group beyond n", url: "/r3/items", token: TokenA, want: 404},
		{name: "group with leading zero", url: "/r01/items", token: TokenA, want: 404},
		{name: "unknown path", url: "/admin", token: TokenA, want: 404},
		{name: "lower-case scheme", url: "/r0/items", token: "bearer " + TokenA, want: 200},
		{name: "write method", method: http.MethodPost, url: "/r0/items", token: TokenA, want: 405},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			method := tc.method
			if method == "" {
				method = http.MethodGet
			}
			rec := serve(h, method, tc.url, tc.token)
			if rec.Code != tc.want || !strings.Contains(rec.Body.String(), tc.contains) {
				t.Errorf("%s %s = %d %s, want %d with %q", method, tc.url, rec.Code, rec.Body, tc.want, tc.contains)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q", ct)
			}
		})
	}
}

func TestNewVulnerable(t *testing.T) {
	const n = 100 // 25 groups: r0, r10, r20 are open
	h := NewVulnerable(n)
	openPaths := VulnerablePaths(n)
	if want := []string{"/r0/items/{id}", "/r10/items/{id}", "/r20/items/{id}"}; !slices.Equal(openPaths, want) {
		t.Fatalf("VulnerablePaths(%d) = %v, want %v", n, openPaths, want)
	}
	for _, o := range operations(t, h) {
		isOpen := slices.Contains(openPaths, o.path)
		anon := serve(h, o.method, o.url, "")
		switch {
		case isOpen && anon.Code != http.StatusOK:
			t.Errorf("%s %s: open operation answered %d without a token", o.method, o.url, anon.Code)
		case !isOpen && !o.public && anon.Code != http.StatusUnauthorized:
			t.Errorf("%s %s: answered %d without a token, want 401", o.method, o.url, anon.Code)
		}
	}
	if got := VulnerablePaths(10); !slices.Equal(got, []string{"/r0/items/{id}"}) {
		t.Errorf("VulnerablePaths(10) = %v", got)
	}
	if got := VulnerablePaths(0); got == nil || len(got) != 0 {
		t.Errorf("VulnerablePaths(0) = %#v, want empty and non-nil", got)
	}
}

// BenchmarkServe shows what a request costs the API itself; allocations
// per request should stay near those of net/http's own recorder.
func BenchmarkServe(b *testing.B) {
	h := New(1000)
	req := httptest.NewRequest(http.MethodGet, "/r200/items/2011", nil)
	req.Header.Set("Authorization", "Bearer "+TokenA)
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(discard{}, req)
	}
}

// discard is a ResponseWriter that keeps nothing, so the benchmark counts
// only the API's allocations.
type discard struct{}

var discardHeader = http.Header{}

func (discard) Header() http.Header         { return discardHeader }
func (discard) Write(b []byte) (int, error) { return len(b), nil }
func (discard) WriteHeader(int)             {}

func serve(h http.Handler, method, url, token string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, url, nil)
	if token != "" {
		if !strings.Contains(token, " ") {
			token = "Bearer " + token
		}
		req.Header.Set("Authorization", token)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}
