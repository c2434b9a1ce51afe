package scanner_test

import (
	"context"
	"encoding/base64"
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
	"github.com/authgate/authgate/internal/testapi"
	"github.com/authgate/authgate/scanner"
	"github.com/authgate/authgate/scanner/rules"
)

// Sharding (issue 13): --shard 1/N … N/N together send about the requests
// of one scan (each shard's harvest reads only the lists its operations can
// use) and report exactly its findings once merged. Loopback servers only.

// ownAPI is an API whose BOLA findings each rest on a different kind of
// harvested fact, most of them read from a list of another resource than
// the operation's: ids only the caller sees in its list (/orders,
// /projects), an id under its own key in another resource's list
// (/invoices' order_id for /shipments/{order_id}), owner fields of a list
// (/books' user), an object id only in the token's claims (basketId), the
// caller's own record (/me) and member lists (/projects' memberIds).
// Every object route answers anyone: each one is a flaw the scan must
// find, whichever shard tests it. hits counts requests per path.
type ownAPI struct {
	mu   sync.Mutex
	hits map[string]int
}

// ownUsers are the API's two users; their tokens are unsigned JWTs whose
// claims name them and their basket.
var ownUsers = []struct{ id, name, email, basket string }{
	{"u1", "alice", "alice@example.test", "7"},
	{"u2", "bob", "bob@example.test", "8"},
}

func ownToken(u int) string {
	enc := base64.RawURLEncoding.EncodeToString
	claims := fmt.Sprintf(`{"sub":%q,"basketId":%s,"iat":1700000000}`, ownUsers[u].id, ownUsers[u].basket)
	return enc([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + enc([]byte(claims)) + "." + enc([]byte("not-a-real-signature"))
}

const ownSpec = `openapi: 3.0.3
info: {title: own, version: "1"}
security: [{bearer: []}]
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
paths:
  /me:
    get: {operationId: me, summary: The caller's own record, responses: {"200": {description: ok}}}
  /books:
    get: {operationId: books, summary: Every book and its owner, responses: {"200": {description: ok}}}
  /books/{book_title}:
    get:
      operationId: book
      summary: One book
      parameters: [{name: book_title, in: path, required: true, schema: {type: string}}]
      responses: {"200": {description: ok}}
  /orders:
    get: {operationId: orders, summary: The caller's orders, responses: {"200": {description: ok}}}
  /orders/{orderId}:
    get:
      operationId: order
      summary: One order
      parameters: [{name: orderId, in: path, required: true, schema: {type: integer}}]
      responses: {"200": {description: ok}}
  /invoices:
    get:
      operationId: invoices
      summary: The caller's invoices
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: array
                items:
                  type: object
                  properties: {id: {type: integer}, order_id: {type: integer}}
  /catalog:
    get:
      operationId: catalog
      summary: The catalogue
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: array
                items: {type: object, properties: {sku: {type: string}, price: {type: number}}}
  /shipments/{order_id}:
    get:
      operationId: shipment
      summary: The shipment of an order
      parameters: [{name: order_id, in: path, required: true, schema: {type: integer}}]
      responses: {"200": {description: ok}}
  /baskets/{id}:
    get:
      operationId: basket
      summary: One basket
      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
      responses: {"200": {description: ok}}
  /projects:
    get: {operationId: projects, summary: The caller's projects, responses: {"200": {description: ok}}}
  /projects/{projectId}:
    get:
      operationId: project
      summary: One project
      parameters: [{name: projectId, in: path, required: true, schema: {type: integer}}]
      responses: {"200": {description: ok}}
  /login:
    post:
      operationId: login
      summary: Log in
      security: []
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {username: {type: string}, password: {type: string}}}
      responses: {"200": {description: the session}}
  /carts/{id}:
    get:
      operationId: cart
      summary: One cart
      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
      responses: {"200": {description: ok}}
  /users/{userId}:
    get:
      operationId: user
      summary: One user
      parameters: [{name: userId, in: path, required: true, schema: {type: string}}]
      responses: {"200": {description: ok}}
`

func (a *ownAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.hits[r.URL.Path]++
	a.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if r.URL.Path == "/openapi.yaml" {
		w.Header().Set("Content-Type", "application/yaml")
		fmt.Fprint(w, ownSpec)
		return
	}
	if r.Method == http.MethodPost && r.URL.Path == "/login" {
		// A login whose answer alone names the caller's cart: its token
		// is opaque.
		var in struct{ Username, Password string }
		json.NewDecoder(r.Body).Decode(&in)
		for i, u := range ownUsers {
			if in.Username == u.name && in.Password == "pw-"+u.name {
				json.NewEncoder(w).Encode(map[string]any{"token": "opaque-" + u.name, "user": map[string]any{"id": u.id}, "cartId": 41 + i})
				return
			}
		}
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"error":"bad credentials"}`)
		return
	}
	if r.Method != http.MethodGet {
		w.WriteHeader(http.StatusMethodNotAllowed)
		fmt.Fprint(w, `{"error":"method not allowed"}`)
		return
	}
	u := -1
	for i := range ownUsers {
		if auth := r.Header.Get("Authorization"); auth == "Bearer "+ownToken(i) || auth == "Bearer opaque-"+ownUsers[i].name {
			u = i
		}
	}
	if u < 0 {
		w.Header().Set("WWW-Authenticate", "Bearer")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"error":"unauthorized"}`)
		return
	}
	me := ownUsers[u]
	seg := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	var body any
	switch {
	case r.URL.Path == "/me":
		body = map[string]any{"id": me.id, "username": me.name, "email": me.email}
	case r.URL.Path == "/books":
		body = map[string]any{"Books": []map[string]string{{"book_title": "alice-diary", "user": "alice"}, {"book_title": "bob-notes", "user": "bob"}}}
	case len(seg) == 2 && seg[0] == "books":
		owner := map[string]string{"alice-diary": "alice", "bob-notes": "bob"}[seg[1]]
		if owner == "" {
			body = nil
			break
		}
		body = map[string]string{"book_title": seg[1], "user": owner, "secret": "the secret of " + seg[1]}
	case r.URL.Path == "/orders":
		body = []map[string]int{{"id": 101 + 2*u}, {"id": 102 + 2*u}}
	case len(seg) == 2 && seg[0] == "orders" && seg[1] >= "101" && seg[1] <= "104" && len(seg[1]) == 3:
		owner := ownUsers[(seg[1][2]-'1')/2]
		body = map[string]any{"id": json.Number(seg[1]), "userId": owner.id, "total": 12.5, "card_number": "4111 1111 1111 " + seg[1]}
	case r.URL.Path == "/invoices":
		body = []map[string]int{{"id": 9001 + u, "order_id": 101 + 2*u}}
	case r.URL.Path == "/catalog":
		body = []map[string]any{{"sku": "chair", "price": 30}}
	case len(seg) == 2 && seg[0] == "shipments" && (seg[1] == "101" || seg[1] == "103"):
		owner := ownUsers[(seg[1][2]-'1')/2]
		body = map[string]any{"order_id": json.Number(seg[1]), "userId": owner.id, "address": "1 Main St", "phone": "555-0100"}
	case len(seg) == 2 && seg[0] == "baskets" && (seg[1] == "7" || seg[1] == "8"):
		owner := ownUsers[seg[1][0]-'7']
		body = map[string]any{"id": json.Number(seg[1]), "UserId": owner.id, "items": []string{"apple"}}
	case len(seg) == 2 && seg[0] == "carts" && (seg[1] == "41" || seg[1] == "42"):
		owner := ownUsers[seg[1][1]-'1']
		body = map[string]any{"id": json.Number(seg[1]), "userId": owner.id, "items": []string{"pear"}}
	case r.URL.Path == "/projects":
		// Project 30 is shared (both are members); 31 is alice's, 32 bob's.
		body = []map[string]any{{"id": 30, "memberIds": []string{"u1", "u2"}}, {"id": 31 + u, "memberIds": []string{me.id}}}
	case len(seg) == 2 && seg[0] == "projects" && (seg[1] == "30" || seg[1] == "31" || seg[1] == "32"):
		members := map[string][]string{"30": {"u1", "u2"}, "31": {"u1"}, "32": {"u2"}}[seg[1]]
		body = map[string]any{"id": json.Number(seg[1]), "memberIds": members, "budget_secret": "s-" + seg[1]}
	case len(seg) == 2 && seg[0] == "users" && (seg[1] == "u1" || seg[1] == "u2"):
		x := ownUsers[seg[1][1]-'1']
		body = map[string]any{"id": x.id, "username": x.name, "email": x.email, "ssn": "000-00-000" + seg[1][1:]}
	}
	if body == nil {
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"error":"not found"}`)
		return
	}
	json.NewEncoder(w).Encode(body)
}

// shardIdentity is an identity with the bearer token tok, or one that logs
// in to ownAPI as user when tok is "login:user".
func shardIdentity(name, tok string) *scanner.Identity {
	user, ok := strings.CutPrefix(tok, "login:")
	if !ok {
		return scanner.NewIdentity(name, []scanner.Header{{Name: "Authorization", Value: "Bearer " + tok}})
	}
	id := scanner.NewIdentity(name, nil)
	id.Login = &scanner.Login{Method: "POST", Path: "/login", Format: "json",
		Body:      map[string]any{"username": user, "password": "pw-" + user},
		TokenFrom: "json", TokenName: "token", Send: "Authorization: Bearer {token}"}
	return id
}

// shardScan scans url as shard {i, n} ({0, 0}: the whole API) with every
// rule, as the CLI does by default (safe mode, discovery on), as the
// identities of tokens (see shardIdentity).
func shardScan(t *testing.T, url, spec string, tokens []string, sh [2]int) *scanner.Result {
	t.Helper()
	opts := scanner.Options{
		Target:    url,
		OpenAPI:   spec,
		Primary:   shardIdentity("primary", tokens[0]),
		Mode:      finding.ModeSafe,
		Client:    scanner.ClientOptions{Concurrency: 4, Timeout: 30 * time.Second, Budget: 1_000_000},
		Wait:      time.Second,
		Discovery: true,
		Shard:     sh,
		Rules:     rules.All(),
		APIRules:  rules.APIRules(),
	}
	if len(tokens) > 1 {
		opts.Peer = shardIdentity("peer", tokens[1])
	}
	for _, id := range []*scanner.Identity{opts.Primary, opts.Peer} {
		if id != nil && id.Login != nil {
			opts.Identities = append(opts.Identities, id)
		}
	}
	res, err := scanner.Scan(context.Background(), opts)
	if err != nil {
		t.Fatalf("shard %v: %v", sh, err)
	}
	if res.Incomplete != "" {
		t.Fatalf("shard %v incomplete: %s", sh, res.Incomplete)
	}
	return res
}

// findingsByFingerprint is every finding of the results as JSON, by
// fingerprint, kept once as authgate merge keeps it (the first of equal
// rank: shards' duplicates are whole-API findings, the same in each).
func findingsByFingerprint(t *testing.T, results ...*scanner.Result) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, res := range results {
		for _, f := range res.Findings {
			b, err := json.Marshal(f)
			if err != nil {
				t.Fatal(err)
			}
			if _, dup := out[f.Fingerprint]; !dup {
				out[f.Fingerprint] = string(b)
			}
		}
	}
	return out
}

// checkShards scans the whole API and its shards for each count, and
// checks that the shards' findings are the whole scan's, finding for
// finding, and that the shards together send at most maxX times its
// requests (0: no bound). It returns the whole scan's findings.
func checkShards(t *testing.T, url, spec string, tokens []string, counts []int, maxX float64) map[string]string {
	t.Helper()
	whole := shardScan(t, url, spec, tokens, [2]int{})
	want := findingsByFingerprint(t, whole)
	for _, n := range counts {
		var shards []*scanner.Result
		requests, operations := 0, 0
		for i := 1; i <= n; i++ {
			res := shardScan(t, url, spec, tokens, [2]int{i, n})
			shards = append(shards, res)
			requests += res.Requests
			operations += res.Operations
		}
		if operations != whole.Operations {
			t.Errorf("%d shards scanned %d operations, the whole scan %d", n, operations, whole.Operations)
		}
		got := findingsByFingerprint(t, shards...)
		for fp, f := range want {
			if got[fp] != f {
				t.Errorf("%d shards: the whole scan's finding\n  %s\nis in the shards as\n  %s", n, f, got[fp])
			}
		}
		for fp, f := range got {
			if _, ok := want[fp]; !ok {
				t.Errorf("%d shards report a finding the whole scan does not:\n  %s", n, f)
			}
		}
		x := float64(requests) / float64(whole.Requests)
		t.Logf("%d shards: %d requests together, the whole scan %d (%.3fx)", n, requests, whole.Requests, x)
		if maxX > 0 && x > maxX {
			t.Errorf("%d shards sent %d requests together, %.2fx the whole scan's %d (at most %.2fx)", n, requests, x, whole.Requests, maxX)
		}
	}
	return want
}

// TestShardsMergeToWholeScanTestAPI: the generated API with a flaw in every
// tenth resource, with two identities and with one.
func TestShardsMergeToWholeScanTestAPI(t *testing.T) {
	const n = 160
	srv := httptest.NewServer(testapi.NewVulnerable(n))
	defer srv.Close()
	for _, tokens := range [][]string{{testapi.TokenA, testapi.TokenB}, {testapi.TokenA}} {
		t.Run(fmt.Sprintf("%d identities", len(tokens)), func(t *testing.T) {
			want := checkShards(t, srv.URL, "", tokens, []int{2, 3, 4}, 1.1)
			for _, p := range testapi.VulnerablePaths(n) {
				if !slices.ContainsFunc(mapValues(want), func(f string) bool { return strings.Contains(f, `"path":"`+p+`"`) }) {
					t.Errorf("the whole scan does not report %s: %v", p, want)
				}
			}
		})
	}
}

// TestShardsMergeToWholeScanOwnership: an API whose cross-user reads each
// rest on another kind of harvested fact, most of them learned from a
// list of another resource (see ownAPI), with two identities and with one.
func TestShardsMergeToWholeScanOwnership(t *testing.T) {
	api := &ownAPI{hits: map[string]int{}}
	srv := httptest.NewServer(api)
	defer srv.Close()
	spec := srv.URL + "/openapi.yaml"
	for _, tt := range []struct {
		name   string
		tokens []string
		want   []string // routes with a bola-cross-user-read finding
	}{
		{"two JWTs", []string{ownToken(0), ownToken(1)}, []string{"/baskets/{id}", "/books/{book_title}", "/orders/{orderId}", "/projects/{projectId}", "/shipments/{order_id}", "/users/{userId}"}},
		{"one JWT", []string{ownToken(0)}, nil},
		// Opaque tokens from a login whose answer names the caller's id
		// and cart: the cart's id is in no list, the user's in no token.
		{"two logins", []string{"login:alice", "login:bob"}, []string{"/books/{book_title}", "/carts/{id}", "/orders/{orderId}", "/projects/{projectId}", "/shipments/{order_id}", "/users/{userId}"}},
		{"one login", []string{"login:alice"}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			// No bound on the requests: on 13 operations what every shard
			// sends before its part (waiting, checking the identities,
			// calibrating; ~15 requests) outweighs the harvest.
			got := checkShards(t, srv.URL, spec, tt.tokens, []int{2, 3, 4}, 0)
			var bola []string
			for _, f := range got {
				var x finding.Finding
				if err := json.Unmarshal([]byte(f), &x); err != nil {
					t.Fatal(err)
				}
				if x.Rule == "bola-cross-user-read" {
					bola = append(bola, x.Path)
				}
			}
			slices.Sort(bola)
			if len(tt.want) > 0 && !slices.Equal(bola, tt.want) {
				t.Errorf("bola-cross-user-read on %v, want %v", bola, tt.want)
			}
		})
	}
}

func mapValues(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	return out
}
