package rules_test

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authgate/authgate/finding"
)

// Composite API (issue 4): many correct patterns in one API, on which the
// whole catalog must report nothing of medium severity and confidence or
// above. A finding here is a false positive, not a flaw of the API.

// compositeTokenLifetime is the access-token lifetime: short-lived tokens
// are the pattern under test.
const compositeTokenLifetime = 15 * time.Minute

// compositeKeyBytes is the HMAC key size: 256 bits, as long as the hash.
const compositeKeyBytes = 32

// Pagination bounds of GET /api/orders.
const (
	maxPage    = 1000
	maxPerPage = 100
)

// trustedOrigin is the only origin the composite API's CORS policy allows.
const trustedOrigin = "https://app.example.com"

// compositeUser is an account of the composite API.
type compositeUser struct {
	id, name, email, role string
}

var compositeUsers = map[string]compositeUser{
	"1001": {"1001", "Alice Liddell", "alice@example.com", "user"},
	"1002": {"1002", "Bob Builder", "bob@example.com", "user"},
	"1003": {"1003", "Carol Danvers", "carol@example.com", "user"},
	"1004": {"1004", "Dave Bowman", "dave@example.com", "user"},
	"1005": {"1005", "Root Admin", "admin@example.com", "admin"},
	"1006": {"1006", "Mallory Throwaway", "mallory@example.com", "user"},
}

// compositeOrders are the orders, each with its owner.
var compositeOrders = []map[string]any{
	{"id": 501, "owner": "1001", "item": "teapot", "total": 12.5},
	{"id": 502, "owner": "1001", "item": "cups", "total": 8},
	{"id": 503, "owner": "1003", "item": "saucers", "total": 6},
	{"id": 601, "owner": "1002", "item": "hammer", "total": 20},
	{"id": 602, "owner": "1002", "item": "nails", "total": 3},
}

var compositeProducts = []map[string]any{
	{"id": 1, "name": "Widget", "price": 3.5},
	{"id": 2, "name": "Gadget", "price": 9.99},
	{"id": 3, "name": "Doohickey", "price": 1.25},
}

// compositeAPI is a correct API: HS256 JWTs checked strictly, owner checks
// that answer 404, public catalogs, optional auth and a strict CORS policy.
type compositeAPI struct {
	key []byte
	now func() time.Time
	// Flaws for the sanity check that the scan reaches the API: the
	// correct API never sets them.
	skipSignature bool // accept any signature
	noOwnerCheck  bool // GET /api/orders/{orderId} serves anyone's order

	// accounts holds the login state of the active flows (see
	// composite_active_test.go).
	accounts *compositeAccounts
	// writes holds the notes, projects and announcements (see
	// composite_writes_test.go).
	writes *compositeWrites
}

func newCompositeAPI(t *testing.T) *compositeAPI {
	t.Helper()
	key := make([]byte, compositeKeyBytes)
	if _, err := rand.Read(key); err != nil {
		t.Fatalf("key: %v", err)
	}
	return &compositeAPI{key: key, now: time.Now, accounts: newCompositeAccounts(), writes: newCompositeWrites()}
}

var b64 = base64.RawURLEncoding

// token mints a JWT with minimal claims for user id.
func (a *compositeAPI) token(t *testing.T, id string) string {
	t.Helper()
	now := a.now()
	header, _ := json.Marshal(map[string]string{"alg": "HS256", "typ": "JWT"})
	claims, err := json.Marshal(map[string]any{
		"sub": id, "role": compositeUsers[id].role,
		"iat": now.Unix(), "exp": now.Add(compositeTokenLifetime).Unix(),
	})
	if err != nil {
		t.Fatalf("claims: %v", err)
	}
	input := b64.EncodeToString(header) + "." + b64.EncodeToString(claims)
	return input + "." + b64.EncodeToString(a.sign(input))
}

func (a *compositeAPI) sign(input string) []byte {
	m := hmac.New(sha256.New, a.key)
	m.Write([]byte(input))
	return m.Sum(nil)
}

// verify returns the caller of a bearer token; ok is false for any token
// that is not an unexpired HS256 JWT signed with the API's key.
func (a *compositeAPI) verify(raw string) (u compositeUser, ok bool) {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return u, false
	}
	hb, err1 := b64.DecodeString(parts[0])
	pb, err2 := b64.DecodeString(parts[1])
	sig, err3 := b64.DecodeString(parts[2])
	if err1 != nil || err2 != nil || err3 != nil {
		return u, false
	}
	var header struct {
		Alg string `json:"alg"`
	}
	if json.Unmarshal(hb, &header) != nil || header.Alg != "HS256" {
		return u, false
	}
	if !a.skipSignature && !hmac.Equal(sig, a.sign(parts[0]+"."+parts[1])) {
		return u, false
	}
	var claims struct {
		Sub string `json:"sub"`
		Exp int64  `json:"exp"`
		JTI string `json:"jti"`
	}
	if json.Unmarshal(pb, &claims) != nil || claims.Exp <= a.now().Unix() || a.accounts.revoked(claims.JTI) {
		return u, false
	}
	u, ok = compositeUsers[claims.Sub]
	return u, ok
}

// authState is what a request's Authorization header says.
type authState int

const (
	authNone    authState = iota // no Authorization header
	authInvalid                  // a header that is not a valid token
	authValid
)

func (a *compositeAPI) caller(r *http.Request) (compositeUser, authState) {
	h := r.Header.Get("Authorization")
	if h == "" {
		if c, err := r.Cookie(sessionCookie); err == nil {
			if u, ok := a.accounts.session(c.Value); ok {
				return u, authValid
			}
			return compositeUser{}, authInvalid
		}
		return compositeUser{}, authNone
	}
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return compositeUser{}, authInvalid
	}
	u, valid := a.verify(tok)
	if !valid {
		return compositeUser{}, authInvalid
	}
	return u, authValid
}

func invalidToken(w http.ResponseWriter, state authState) {
	v := `Bearer realm="api"`
	if state == authInvalid {
		v += `, error="invalid_token"`
	}
	w.Header().Set("WWW-Authenticate", v)
	writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "unauthorized"})
}

func badRequest(w http.ResponseWriter) {
	writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid request"})
}

// positive parses a decimal id or page number in [1, max].
func positive(s string, max int) (int, bool) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > max || strconv.Itoa(n) != s {
		return 0, false
	}
	return n, true
}

// maxID bounds ids: anything longer is a validation error.
const maxID = 1 << 30

// requireUser wraps a handler that needs a valid token.
func (a *compositeAPI) requireUser(next func(http.ResponseWriter, *http.Request, compositeUser)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, state := a.caller(r)
		if state != authValid {
			invalidToken(w, state)
			return
		}
		next(w, r, u)
	}
}

// cors allows only trustedOrigin, with credentials.
func cors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Origin")
		if r.Header.Get("Origin") == trustedOrigin {
			w.Header().Set("Access-Control-Allow-Origin", trustedOrigin)
			w.Header().Set("Access-Control-Allow-Credentials", "true")
			if r.Method == http.MethodOptions {
				w.Header().Set("Access-Control-Allow-Methods", "GET")
				w.Header().Set("Access-Control-Allow-Headers", "Authorization")
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func (a *compositeAPI) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /openapi.yaml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/yaml")
		w.Write([]byte(compositeSpec))
	})
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /api/products", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"items": compositeProducts})
	})
	mux.HandleFunc("GET /api/products/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, ok := positive(r.PathValue("id"), maxID)
		if !ok {
			badRequest(w)
			return
		}
		for _, p := range compositeProducts {
			if p["id"] == id {
				writeJSON(w, http.StatusOK, p)
				return
			}
		}
		notFound(w)
	})
	mux.HandleFunc("GET /api/feed", func(w http.ResponseWriter, r *http.Request) {
		u, state := a.caller(r)
		switch state {
		case authInvalid:
			// A bad token is refused, not downgraded to anonymous.
			invalidToken(w, state)
		case authNone:
			writeJSON(w, http.StatusOK, map[string]any{"kind": "public", "items": []map[string]any{
				{"title": "Spring sale starts Monday", "product": 1},
				{"title": "New: the Doohickey", "product": 3},
			}})
		default:
			writeJSON(w, http.StatusOK, map[string]any{"kind": "personal", "for": u.name, "recommendations": []map[string]any{
				{"product": 2, "reason": "because you bought item " + u.id},
			}, "unread_notifications": len(u.name)})
		}
	})
	mux.HandleFunc("GET /api/me", a.requireUser(func(w http.ResponseWriter, r *http.Request, u compositeUser) {
		sid := make([]byte, 16)
		rand.Read(sid)
		http.SetCookie(w, &http.Cookie{Name: "sid", Value: hex.EncodeToString(sid), Path: "/",
			Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
		writeJSON(w, http.StatusOK, map[string]string{"id": u.id, "name": u.name, "email": u.email, "role": u.role})
	}))
	mux.HandleFunc("GET /api/orders", a.requireUser(func(w http.ResponseWriter, r *http.Request, u compositeUser) {
		q := r.URL.Query()
		page, perPage := 1, 20
		var ok bool
		if s := q.Get("page"); s != "" {
			if page, ok = positive(s, maxPage); !ok {
				badRequest(w)
				return
			}
		}
		if s := q.Get("per_page"); s != "" {
			if perPage, ok = positive(s, maxPerPage); !ok {
				badRequest(w)
				return
			}
		}
		mine := []map[string]any{}
		for _, o := range compositeOrders {
			if o["owner"] == u.id {
				mine = append(mine, o)
			}
		}
		from := min((page-1)*perPage, len(mine))
		to := min(from+perPage, len(mine))
		writeJSON(w, http.StatusOK, map[string]any{"items": mine[from:to], "page": page, "per_page": perPage, "total": len(mine)})
	}))
	mux.HandleFunc("GET /api/orders/{orderId}", a.requireUser(func(w http.ResponseWriter, r *http.Request, u compositeUser) {
		id, ok := positive(r.PathValue("orderId"), maxID)
		if !ok {
			badRequest(w)
			return
		}
		for _, o := range compositeOrders {
			// Others' orders are 404, like missing ones: no existence oracle.
			if o["id"] == id && (o["owner"] == u.id || u.role == "admin" || a.noOwnerCheck) {
				writeJSON(w, http.StatusOK, o)
				return
			}
		}
		notFound(w)
	}))
	mux.HandleFunc("GET /api/users/{id}", a.requireUser(func(w http.ResponseWriter, r *http.Request, u compositeUser) {
		if _, ok := positive(r.PathValue("id"), maxID); !ok {
			badRequest(w)
			return
		}
		v, ok := compositeUsers[r.PathValue("id")]
		if !ok || (v.id != u.id && u.role != "admin") {
			notFound(w)
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"id": v.id, "name": v.name, "email": v.email})
	}))
	mux.HandleFunc("GET /api/users/{id}/avatar", func(w http.ResponseWriter, r *http.Request) {
		if _, ok := positive(r.PathValue("id"), maxID); !ok {
			badRequest(w)
			return
		}
		v, ok := compositeUsers[r.PathValue("id")]
		if !ok {
			notFound(w)
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"id": v.id, "display_name": strings.Fields(v.name)[0]})
	})
	mux.HandleFunc("GET /api/admin/stats", a.requireUser(func(w http.ResponseWriter, r *http.Request, u compositeUser) {
		if u.role != "admin" {
			writeJSON(w, http.StatusForbidden, map[string]string{"error": "forbidden"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]int{"users": len(compositeUsers), "orders": len(compositeOrders)})
	}))
	a.accountRoutes(mux)
	a.writeRoutes(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { notFound(w) })
	return cors(mux)
}

// compositeSpec describes the composite API: the reads below, then the
// writes (compositeWriteSpec).
const compositeSpec = compositeReadSpec + compositeWriteSpec

const compositeReadSpec = `openapi: 3.0.3
info: {title: composite, version: "1"}
components:
  securitySchemes:
    bearerAuth: {type: http, scheme: bearer, bearerFormat: JWT}
security:
  - bearerAuth: []
paths:
  /health:
    get:
      security: []
      responses: {"200": {description: ok}}
  /api/products:
    get:
      security: []
      responses: {"200": {description: ok}}
  /api/products/{id}:
    get:
      security: []
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer}, example: 1}
      responses: {"200": {description: ok}, "404": {description: not found}}
  /api/feed:
    get:
      security: [{}, {bearerAuth: []}]
      responses: {"200": {description: public or personalised feed}}
  /api/me:
    get:
      responses: {"200": {description: ok}, "401": {description: unauthorized}}
  /api/orders:
    get:
      parameters:
        - {name: page, in: query, schema: {type: integer, minimum: 1}, example: 1}
        - {name: per_page, in: query, schema: {type: integer, minimum: 1, maximum: 100}, example: 20}
      responses: {"200": {description: the caller's orders}}
  /api/orders/{orderId}:
    get:
      parameters:
        - {name: orderId, in: path, required: true, schema: {type: integer}, example: 501}
      responses: {"200": {description: ok}, "404": {description: not found or not yours}}
  /api/users/{id}:
    get:
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer}, example: 1001}
      responses: {"200": {description: ok}, "404": {description: not found or not you}}
  /api/users/{id}/avatar:
    get:
      security: []
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer}, example: 1002}
      responses: {"200": {description: public display name}}
  /api/admin/stats:
    get:
      responses: {"200": {description: ok}, "403": {description: not an admin}}
`

// serious keeps the findings of medium severity and medium confidence or
// above: the ones a correct API must not get.
func serious(fs []finding.Finding) []finding.Finding {
	var out []finding.Finding
	for _, f := range fs {
		if f.Severity >= finding.SeverityMedium && f.Confidence >= finding.ConfidenceMedium {
			out = append(out, f)
		}
	}
	return out
}

// TestCompositeAPIRejectsForgedTokens checks the fixture itself: the
// precision test below means nothing if the API accepts bad tokens.
func TestCompositeAPIRejectsForgedTokens(t *testing.T) {
	api := newCompositeAPI(t)
	good := api.token(t, "1001")
	parts := strings.Split(good, ".")
	none := b64.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + "."
	expired := &compositeAPI{key: api.key, now: func() time.Time { return time.Now().Add(-time.Hour) }}
	other := newCompositeAPI(t)
	tests := []struct {
		name, auth string
		want       int
	}{
		{"valid", "Bearer " + good, http.StatusOK},
		{"garbage", "Bearer abc.def.ghi", http.StatusUnauthorized},
		{"truncated", "Bearer " + good[:len(good)/2], http.StatusUnauthorized},
		{"wrong scheme", "Basic " + good, http.StatusUnauthorized},
		{"alg none", "Bearer " + none, http.StatusUnauthorized},
		{"stripped signature", "Bearer " + parts[0] + "." + parts[1] + ".", http.StatusUnauthorized},
		{"altered signature", "Bearer " + parts[0] + "." + parts[1] + "." + strings.Repeat("A", len(parts[2])), http.StatusUnauthorized},
		{"other key", "Bearer " + other.token(t, "1001"), http.StatusUnauthorized},
		{"expired", "Bearer " + expired.token(t, "1001"), http.StatusUnauthorized},
		{"none", "", http.StatusUnauthorized},
	}
	h := api.handler()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", "/api/me", nil)
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != tt.want {
				t.Fatalf("status %d, want %d", w.Code, tt.want)
			}
			if w.Code == http.StatusUnauthorized && w.Header().Get("WWW-Authenticate") == "" {
				t.Fatal("401 without WWW-Authenticate")
			}
		})
	}
}

// TestCompositeCorrectAPI scans the composite API with the whole catalog:
// nothing of medium or above may come out.
func TestCompositeCorrectAPI(t *testing.T) {
	api := newCompositeAPI(t)
	alice, bob := api.token(t, "1001"), api.token(t, "1002")
	tests := []struct {
		name string
		opts scanOpts
	}{
		{"alice and bob", scanOpts{spec: compositeSpec, auth: alice, peer: bob}},
		{"alice only", scanOpts{spec: compositeSpec, auth: alice}},
		{"anonymous", scanOpts{spec: compositeSpec}},
		{"discovered description", scanOpts{auth: alice, peer: bob}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var described atomic.Bool
			h := api.handler()
			fs := scan(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/openapi.yaml" {
					described.Store(true)
				}
				h.ServeHTTP(w, r)
			}), tt.opts)
			if tt.opts.spec == "" && !described.Load() {
				t.Fatal("the scan did not discover /openapi.yaml: it tested nothing")
			}
			if len(fs) > 0 {
				t.Logf("all findings:%s", list(fs))
			}
			if bad := serious(fs); len(bad) > 0 {
				t.Fatalf("false positives on a correct API:%s", list(bad))
			}
		})
	}
}

// TestCompositeFlawedTwins proves the precision test can fail: the same
// API with one check removed gets the matching finding.
func TestCompositeFlawedTwins(t *testing.T) {
	tests := []struct {
		name         string
		flaw         func(*compositeAPI)
		rule, method string
		path         string
	}{
		// Every protected route skips it: the verifier's flaw, once.
		{"signature not verified", func(a *compositeAPI) { a.skipSignature = true },
			"jwt-signature-not-verified", "*", "*"},
		{"no owner check", func(a *compositeAPI) { a.noOwnerCheck = true },
			"bola-cross-user-read", "GET", "/api/orders/{orderId}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newCompositeAPI(t)
			tt.flaw(api)
			fs := scan(t, api.handler(), scanOpts{spec: compositeSpec, auth: api.token(t, "1001"), peer: api.token(t, "1002")})
			if !has(fs, tt.rule, tt.method, tt.path) {
				t.Fatalf("want %s on %s %s; got:%s", tt.rule, tt.method, tt.path, list(fs))
			}
		})
	}
}
