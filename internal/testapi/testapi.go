// Package testapi generates synthetic APIs of any size for the scanner's
// benchmarks: New(n) serves n operations and their OpenAPI document. It
// answers from bodies computed at construction, with no latency and next
// to no allocation, so a benchmark measures the scanner, not the API.
package testapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// The API's two users, of the same role, as bearer tokens.
const (
	// TokenA authenticates user A, whose objects the document's examples
	// name: the scan's primary identity.
	TokenA = "testapi-token-a"
	// TokenB authenticates user B: the peer identity.
	TokenB = "testapi-token-b"
)

// The operation kinds of a resource group r, in the order they are
// generated: n operations fill groups 0, 1, ... four at a time, and the
// last group gets the first n%4 kinds. An object operation therefore always
// has its list operation, from which a scanner learns whose ids are whose.
const (
	kindList      = iota // GET /r{r}/items: the caller's objects
	kindObject           // GET /r{r}/items/{id}: one object, owner-checked
	kindPublic           // GET /r{r}/public: security: [], the same for everyone
	kindSearch           // GET /r{r}/search?q=: the caller's objects again
	kindsPerGroup        // operations of a full group
)

// objectsPerUser is how many objects each user owns in each group: two,
// so a scanner has more than one owned id to try.
const objectsPerUser = 2

// vulnerableEvery: NewVulnerable leaves the first object operation of
// every ten without authentication.
const vulnerableEvery = 10

// New returns a correctly secured API with n operations (none when n < 1).
func New(n int) http.Handler { return build(n, false) }

// NewVulnerable returns the API of New with one flaw in every ten object
// operations (groups 0, 10, 20, ...): GET /r{r}/items/{id} answers anyone,
// without credentials, any object. VulnerablePaths lists them.
func NewVulnerable(n int) http.Handler { return build(n, true) }

// VulnerablePaths returns the route templates NewVulnerable(n) leaves open,
// the findings a scan of it must report.
func VulnerablePaths(n int) []string {
	out := []string{}
	for r := range groupCount(n) {
		if open(r, n, true) {
			out = append(out, fmt.Sprintf("/r%d/items/{id}", r))
		}
	}
	return out
}

func groupCount(n int) int {
	if n < 1 {
		return 0
	}
	return (n + kindsPerGroup - 1) / kindsPerGroup
}

// kindsOf is how many operations group r has.
func kindsOf(r, n int) int { return min(kindsPerGroup, n-r*kindsPerGroup) }

// open reports whether group r's object operation skips authentication.
func open(r, n int, vulnerable bool) bool {
	return vulnerable && kindsOf(r, n) > kindObject && r%vulnerableEvery == 0
}

// user indexes the two users; none marks a request without valid
// credentials.
type user int

const (
	userA user = iota
	userB
	users
	none user = -1
)

var tokens = [users]string{TokenA, TokenB}

// api is the synthetic API; nothing in it changes after build, so
// requests are served concurrently without locks.
type api struct {
	groups []group
	spec   []byte
}

// group holds the precomputed answers of one resource group.
type group struct {
	kinds   int
	open    bool
	base    int // object ids are base+1 ... base+users*objectsPerUser
	list    [users][]byte
	search  [users][]byte
	objects [users * objectsPerUser]object
	public  []byte
}

type object struct {
	owner user
	body  []byte
}

// item is an object as the API shows it.
type item struct {
	ID    int    `json:"id"`
	Name  string `json:"name"`
	Owner string `json:"owner"`
}

var ownerNames = [users]string{"user-a", "user-b"}

// objectID is the id of the k-th object of user u in group r. Ids of one
// group are consecutive and groups do not overlap, like a real sequence.
func objectID(r int, u user, k int) int { return groupBase(r) + 1 + int(u)*objectsPerUser + k }

func groupBase(r int) int { return (r + 1) * 10 }

func build(n int, vulnerable bool) *api {
	a := &api{groups: make([]group, groupCount(n))}
	for r := range a.groups {
		g := &a.groups[r]
		g.kinds, g.open, g.base = kindsOf(r, n), open(r, n, vulnerable), groupBase(r)
		for u := range users {
			var items []item
			for k := range objectsPerUser {
				it := item{ID: objectID(r, u, k), Name: fmt.Sprintf("item %d of group %d", objectID(r, u, k), r), Owner: ownerNames[u]}
				items = append(items, it)
				g.objects[int(u)*objectsPerUser+k] = object{owner: u, body: mustJSON(it)}
			}
			g.list[u] = mustJSON(items)
			g.search[u] = mustJSON(map[string]any{"results": items})
		}
		g.public = mustJSON(map[string]any{"group": r, "notice": fmt.Sprintf("public notice of group %d", r)})
	}
	a.spec = document(n, vulnerable)
	return a
}

// Precomputed answers shared by every group.
var (
	bodyUnauthorized     = []byte(`{"error":"unauthorized"}`)
	bodyNotFound         = []byte(`{"error":"not found"}`)
	bodyMethodNotAllowed = []byte(`{"error":"method not allowed"}`)
	bodyBadRequest       = []byte(`{"error":"q is required"}`)
	headerJSON           = []string{"application/json"}
	headerChallenge      = []string{"Bearer"}
	headerAllow          = []string{"GET, HEAD"}
)

// ServeHTTP routes by hand rather than with a ServeMux of n patterns:
// lookups stay cheap and allocation-free at any n.
func (a *api) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h["Content-Type"] = headerJSON
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h["Allow"] = headerAllow
		reply(w, http.StatusMethodNotAllowed, bodyMethodNotAllowed)
		return
	}
	if r.URL.Path == "/openapi.json" {
		reply(w, http.StatusOK, a.spec)
		return
	}
	g, rest, ok := a.route(r.URL.Path)
	if !ok {
		reply(w, http.StatusNotFound, bodyNotFound)
		return
	}
	switch {
	case rest == "public" && g.kinds > kindPublic:
		reply(w, http.StatusOK, g.public)
	case rest == "items" && g.kinds > kindList:
		if u, ok := authenticate(w, r); ok {
			reply(w, http.StatusOK, g.list[u])
		}
	case rest == "search" && g.kinds > kindSearch:
		if u, ok := authenticate(w, r); ok {
			if !hasValue(r.URL.RawQuery, "q") {
				reply(w, http.StatusBadRequest, bodyBadRequest)
				return
			}
			reply(w, http.StatusOK, g.search[u])
		}
	case strings.HasPrefix(rest, "items/") && g.kinds > kindObject:
		caller := none
		if !g.open {
			u, ok := authenticate(w, r)
			if !ok {
				return
			}
			caller = u
		}
		o, ok := g.object(rest[len("items/"):])
		if !ok || (!g.open && o.owner != caller) {
			reply(w, http.StatusNotFound, bodyNotFound)
			return
		}
		reply(w, http.StatusOK, o.body)
	default:
		reply(w, http.StatusNotFound, bodyNotFound)
	}
}

// route splits "/r{r}/rest" into group r and rest.
func (a *api) route(path string) (*group, string, bool) {
	rest, ok := strings.CutPrefix(path, "/r")
	if !ok {
		return nil, "", false
	}
	num, rest, ok := strings.Cut(rest, "/")
	r, isNum := canonicalInt(num)
	if !ok || !isNum || r >= len(a.groups) {
		return nil, "", false
	}
	return &a.groups[r], rest, true
}

func (g *group) object(id string) (object, bool) {
	n, ok := canonicalInt(id)
	i := n - g.base - 1
	if !ok || i < 0 || i >= len(g.objects) {
		return object{}, false
	}
	return g.objects[i], true
}

// canonicalInt parses a non-negative decimal without sign or leading
// zeros, so every object has exactly one URL.
func canonicalInt(s string) (int, bool) {
	if s == "" || (len(s) > 1 && s[0] == '0') || s[0] == '+' || s[0] == '-' {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// authenticate answers 401 itself unless the request carries one of the
// two tokens.
func authenticate(w http.ResponseWriter, r *http.Request) (user, bool) {
	const prefix = "Bearer "
	auth := r.Header.Get("Authorization")
	if len(auth) > len(prefix) && strings.EqualFold(auth[:len(prefix)], prefix) {
		for u, token := range tokens {
			if auth[len(prefix):] == token {
				return user(u), true
			}
		}
	}
	w.Header()["Www-Authenticate"] = headerChallenge
	reply(w, http.StatusUnauthorized, bodyUnauthorized)
	return none, false
}

// hasValue reports whether the raw query has a non-empty value for key,
// without parsing it into a map.
func hasValue(rawQuery, key string) bool {
	for rawQuery != "" {
		var pair string
		pair, rawQuery, _ = strings.Cut(rawQuery, "&")
		if k, v, _ := strings.Cut(pair, "="); k == key && v != "" {
			return true
		}
	}
	return false
}

func reply(w http.ResponseWriter, status int, body []byte) {
	w.WriteHeader(status)
	w.Write(body)
}

// mustJSON encodes the package's own plain values, which cannot fail.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("testapi: encoding %T: %v", v, err))
	}
	return b
}
