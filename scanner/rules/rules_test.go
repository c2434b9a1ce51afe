package rules_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner"
	"github.com/authgate/authgate/scanner/rules"
)

// Tokens of the test APIs' two users.
const (
	aliceToken = "tok-alice-0123456789"
	bobToken   = "tok-bob-9876543210"
)

var users = map[string]map[string]any{
	"1001": {"user_id": "1001", "name": "Alice Liddell", "email": "alice@example.com", "phone": "+1 555 0101"},
	"1002": {"user_id": "1002", "name": "Bob Builder", "email": "bob@example.com", "phone": "+1 555 0102"},
	"1003": {"user_id": "1003", "name": "Carol Danvers", "email": "carol@example.com", "phone": "+1 555 0103"},
	"1004": {"user_id": "1004", "name": "Dave Bowman", "email": "dave@example.com", "phone": "+1 555 0104"},
}

var orders = map[string]map[string]any{
	"501": {"id": 501, "owner": "1001", "item": "teapot", "total": 12.5},
	"502": {"id": 502, "owner": "1001", "item": "cups", "total": 8},
	"601": {"id": 601, "owner": "1002", "item": "hammer", "total": 20},
}

// caller maps a bearer token to its user id, "" for none or invalid.
func caller(r *http.Request) string {
	switch r.Header.Get("Authorization") {
	case "Bearer " + aliceToken:
		return "1001"
	case "Bearer " + bobToken:
		return "1002"
	}
	return ""
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func notFound(w http.ResponseWriter) { writeJSON(w, 404, map[string]string{"error": "not found"}) }

func unauthorized(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", "Bearer")
	writeJSON(w, 401, map[string]string{"error": "unauthorized"})
}

// flaws selects what a test API gets wrong.
type flaws struct {
	noAuthOnUser    bool // GET /user needs no token
	anyUserReadable bool // GET /user returns any user_id to any token holder
	noOrderOwner    bool // GET /orders/{orderId} skips the owner check
	leakErrors      bool // bad user_id answers with the DynamoDB message
}

// testAPI is a small users-and-orders API; flaws switch on its bugs.
func testAPI(f flaws) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /user", func(w http.ResponseWriter, r *http.Request) {
		me := caller(r)
		if me == "" && !f.noAuthOnUser {
			unauthorized(w)
			return
		}
		id := r.URL.Query().Get("user_id")
		if id == "" || len(id) > 2048 {
			if f.leakErrors {
				writeJSON(w, 500, map[string]string{"error": "An error occurred (ValidationException) when calling the GetItem operation: One or more parameter values are not valid."})
				return
			}
			writeJSON(w, 400, map[string]string{"error": "bad request"})
			return
		}
		u, ok := users[id]
		if !ok || (id != me && !f.anyUserReadable && !f.noAuthOnUser) {
			notFound(w)
			return
		}
		writeJSON(w, 200, u)
	})
	mux.HandleFunc("GET /orders", func(w http.ResponseWriter, r *http.Request) {
		me := caller(r)
		if me == "" {
			unauthorized(w)
			return
		}
		list := []map[string]any{}
		for _, id := range []string{"501", "502", "601"} {
			if orders[id]["owner"] == me {
				list = append(list, orders[id])
			}
		}
		writeJSON(w, 200, list)
	})
	mux.HandleFunc("GET /orders/{orderId}", func(w http.ResponseWriter, r *http.Request) {
		me := caller(r)
		if me == "" {
			unauthorized(w)
			return
		}
		o, ok := orders[r.PathValue("orderId")]
		if !ok || (o["owner"] != me && !f.noOrderOwner) {
			notFound(w)
			return
		}
		writeJSON(w, 200, o)
	})
	mux.HandleFunc("GET /products/{id}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"id": r.PathValue("id"), "name": "Widget " + r.PathValue("id"), "price": 3.5})
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { notFound(w) })
	return mux
}

const testSpec = `openapi: 3.0.3
info: {title: test, version: "1"}
components:
  securitySchemes:
    bearerAuth: {type: http, scheme: bearer}
security:
  - bearerAuth: []
paths:
  /user:
    get:
      parameters:
        - {name: user_id, in: query, required: true, schema: {type: string}, example: "1001"}
      responses: {"200": {description: ok}}
  /orders:
    get:
      responses: {"200": {description: ok}}
  /orders/{orderId}:
    get:
      parameters:
        - {name: orderId, in: path, required: true, schema: {type: integer}, example: 501}
      responses: {"200": {description: ok}}
  /products/{id}:
    get:
      security: []
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer}, example: 1}
      responses: {"200": {description: ok}}
`

// scanOpts describes one test scan.
type scanOpts struct {
	spec      string   // OpenAPI document, "" for none
	endpoints []string // --endpoint values
	path      string   // appended to the server URL as TARGET
	auth      string   // primary bearer token, "" for none
	peer      string   // peer bearer token, "" for none
	// primary, when set, is the primary identity itself (cookies, other
	// headers, a login flow); it wins over auth.
	primary *scanner.Identity
	// admin is the identity with the admin role, if any.
	admin *scanner.Identity
	// identities are further configured identities (throw-away ones).
	identities []*scanner.Identity
	flows      scanner.Flows
	mode       finding.Mode // "" is safe
	// apiRules replaces rules.APIRules() when set.
	apiRules []scanner.APIRule
	// onResult, when set, sees the whole result (warnings, requests).
	onResult func(*scanner.Result)
	// wantErr, when set, is the error the scan must end with (no
	// findings then).
	wantErr error
}

// scan runs the whole catalog: every operation rule and, unless o names
// its own, every API rule.
func scan(t *testing.T, h http.Handler, o scanOpts) []finding.Finding {
	t.Helper()
	if o.apiRules == nil {
		o.apiRules = rules.APIRules()
	}
	return scanRules(t, h, o, rules.All())
}

// scanRules is scan with an explicit rule list.
func scanRules(t *testing.T, h http.Handler, o scanOpts, rs []scanner.Rule) []finding.Finding {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	opts := scanner.Options{
		Target:    srv.URL + o.path,
		Endpoints: o.endpoints,
		Mode:      finding.ModeSafe,
		Client:    scanner.ClientOptions{Concurrency: 4, Timeout: 5 * time.Second, Budget: 5000},
		Wait:      time.Second,
		Rules:     rs,
		ReadFile:  os.ReadFile,
		Admin:     o.admin,
		Flows:     o.flows,
		APIRules:  o.apiRules,
	}
	if o.mode != "" {
		opts.Mode = o.mode
	}
	opts.Identities = append(opts.Identities, o.identities...)
	if o.admin != nil {
		opts.Identities = append(opts.Identities, o.admin)
	}
	if o.spec != "" {
		opts.OpenAPI = "spec.yaml"
		opts.ReadFile = func(string) ([]byte, error) { return []byte(o.spec), nil }
	}
	if o.auth != "" {
		opts.Primary = scanner.NewIdentity("primary", []scanner.Header{{Name: "Authorization", Value: "Bearer " + o.auth}})
	}
	if o.primary != nil {
		opts.Primary = o.primary
	}
	if o.peer != "" {
		opts.Peer = scanner.NewIdentity("peer", []scanner.Header{{Name: "Authorization", Value: "Bearer " + o.peer}})
	}
	if o.primary != nil && o.primary.Login != nil {
		opts.Identities = append(opts.Identities, o.primary)
	}
	res, err := scanner.Scan(context.Background(), opts)
	if o.wantErr != nil {
		if !errors.Is(err, o.wantErr) {
			t.Fatalf("scan: got error %v, want %v", err, o.wantErr)
		}
		return nil
	}
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	if o.onResult != nil {
		o.onResult(res)
	}
	return res.Findings
}

// has reports whether fs holds rule on method path.
func has(fs []finding.Finding, rule, method, path string) bool {
	for _, f := range fs {
		if f.Rule == rule && f.Method == method && f.Path == path {
			return true
		}
	}
	return false
}

func list(fs []finding.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "\n  %s %s %s %s (%s)", f.Severity, f.Rule, f.Method, f.Path, f.Evidence.Summary)
	}
	return b.String()
}

// TestRules runs each rule against a vulnerable handler and its fixed twin.
func TestRules(t *testing.T) {
	tests := []struct {
		name   string
		api    http.Handler
		opts   scanOpts
		rule   string
		method string
		path   string
		want   bool
	}{
		{"authn-missing: /user without auth", testAPI(flaws{noAuthOnUser: true}), scanOpts{spec: testSpec},
			"authn-missing", "GET", "/user", true},
		{"authn-missing: fixed", testAPI(flaws{}), scanOpts{spec: testSpec, auth: aliceToken},
			"authn-missing", "GET", "/user", false},
		{"authn-missing: public product is not a finding", testAPI(flaws{}), scanOpts{spec: testSpec},
			"authn-missing", "GET", "/products/{id}", false},
		{"authn-missing: no spec, personal data by URL", testAPI(flaws{noAuthOnUser: true}), scanOpts{path: "/user?user_id=1001"},
			"authn-missing", "GET", "/user", true},
		{"authn-missing: no spec, product catalog by URL", testAPI(flaws{}), scanOpts{path: "/products/7"},
			"authn-missing", "GET", "/products/{id}", false},

		{"bola-id-enumeration: one token reads every user", testAPI(flaws{anyUserReadable: true}), scanOpts{spec: testSpec, auth: aliceToken},
			"bola-id-enumeration", "GET", "/user", true},
		{"bola-id-enumeration: anonymous reads every user", testAPI(flaws{noAuthOnUser: true}), scanOpts{spec: testSpec},
			"bola-id-enumeration", "GET", "/user", true},
		{"bola-id-enumeration: own record only", testAPI(flaws{}), scanOpts{spec: testSpec, auth: aliceToken},
			"bola-id-enumeration", "GET", "/user", false},
		{"bola-id-enumeration: public products by id are not principals", testAPI(flaws{}), scanOpts{spec: testSpec},
			"bola-id-enumeration", "GET", "/products/{id}", false},

		{"bola-cross-user-read: bob reads alice's order", testAPI(flaws{noOrderOwner: true}), scanOpts{spec: testSpec, auth: aliceToken, peer: bobToken},
			"bola-cross-user-read", "GET", "/orders/{orderId}", true},
		{"bola-cross-user-read: owner checked", testAPI(flaws{}), scanOpts{spec: testSpec, auth: aliceToken, peer: bobToken},
			"bola-cross-user-read", "GET", "/orders/{orderId}", false},
		{"bola-id-enumeration: with a peer too", testAPI(flaws{anyUserReadable: true}), scanOpts{spec: testSpec, auth: aliceToken, peer: bobToken},
			"bola-id-enumeration", "GET", "/user", true},

		{"verbose-error-disclosure: DynamoDB message", testAPI(flaws{noAuthOnUser: true, leakErrors: true}), scanOpts{spec: testSpec},
			"verbose-error-disclosure", "GET", "/user", true},
		{"verbose-error-disclosure: generic error", testAPI(flaws{}), scanOpts{spec: testSpec, auth: aliceToken},
			"verbose-error-disclosure", "GET", "/user", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := scan(t, tt.api, tt.opts)
			if got := has(fs, tt.rule, tt.method, tt.path); got != tt.want {
				t.Fatalf("%s on %s %s: got %v, want %v; findings:%s", tt.rule, tt.method, tt.path, got, tt.want, list(fs))
			}
		})
	}
}

// TestCorrectAPIHasNoFindings is the precision check: the fixed API,
// scanned with both identities, gets nothing of medium or above.
func TestCorrectAPIHasNoFindings(t *testing.T) {
	fs := scan(t, testAPI(flaws{}), scanOpts{spec: testSpec, auth: aliceToken, peer: bobToken})
	for _, f := range fs {
		if f.Severity >= finding.SeverityMedium {
			t.Errorf("false positive on a correct API: %s", list([]finding.Finding{f}))
		}
	}
}

func TestSpecOperationWithoutSecurity(t *testing.T) {
	spec := `openapi: 3.0.3
info: {title: t, version: "1"}
components:
  securitySchemes:
    bearerAuth: {type: http, scheme: bearer}
paths:
  /orders:
    get:
      security: [{bearerAuth: []}]
      responses: {"200": {description: ok}}
  /products/{id}:
    get:
      security: []
      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
      responses: {"200": {description: ok}}
  /user:
    get:
      parameters: [{name: user_id, in: query, required: true, schema: {type: string}, example: "1001"}]
      responses: {"200": {description: ok}}
`
	fs := scan(t, testAPI(flaws{}), scanOpts{spec: spec, auth: aliceToken})
	if !has(fs, "spec-operation-without-security", "GET", "/user") {
		t.Errorf("GET /user declares no security: want a finding; got:%s", list(fs))
	}
	for _, p := range []string{"/orders", "/products/{id}"} {
		if has(fs, "spec-operation-without-security", "GET", p) {
			t.Errorf("GET %s declares its security: no finding wanted", p)
		}
	}
}

// TestFingerprintsStableAcrossPorts scans the same API on two servers and
// twice on one: the fingerprints must be the same.
func TestFingerprintsStableAcrossPorts(t *testing.T) {
	api := testAPI(flaws{noAuthOnUser: true, leakErrors: true, noOrderOwner: true})
	o := scanOpts{spec: testSpec, auth: aliceToken, peer: bobToken}
	prints := func() []string {
		var out []string
		for _, f := range scan(t, api, o) {
			out = append(out, f.Fingerprint)
		}
		return out
	}
	a, b := prints(), prints()
	if len(a) == 0 {
		t.Fatal("the vulnerable API gave no findings")
	}
	if strings.Join(a, ",") != strings.Join(b, ",") {
		t.Fatalf("fingerprints differ between two servers:\n%v\n%v", a, b)
	}
}

// TestSafeModeSendsNoWrites records the traffic of a safe scan of a spec
// with write operations: none of them may be sent with credentials.
func TestSafeModeSendsNoWrites(t *testing.T) {
	spec := testSpec + `  /orders/{orderId}/cancel:
    post:
      parameters:
        - {name: orderId, in: path, required: true, schema: {type: integer}, example: 501}
      responses: {"200": {description: ok}}
    delete:
      parameters:
        - {name: orderId, in: path, required: true, schema: {type: integer}, example: 501}
      responses: {"200": {description: ok}}
`
	var mu sync.Mutex
	var writes []string
	api := testAPI(flaws{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case "GET", "HEAD", "OPTIONS":
		default:
			mu.Lock()
			writes = append(writes, r.Method+" "+r.URL.Path+" auth="+r.Header.Get("Authorization"))
			mu.Unlock()
		}
		api.ServeHTTP(w, r)
	})
	scan(t, h, scanOpts{spec: spec, auth: aliceToken, peer: bobToken})
	mu.Lock()
	defer mu.Unlock()
	if len(writes) > 0 {
		t.Fatalf("safe mode sent state-changing requests: %v", writes)
	}
}
