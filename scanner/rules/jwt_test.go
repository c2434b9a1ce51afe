package rules_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner"
	"github.com/authgate/authgate/scanner/rules"
)

// jwtStrongKey is the fixed API's HMAC key: long, random, in no wordlist.
const jwtStrongKey = "k-7c1f0a9e2b5d4c3f8a6e1d0b9c8a7f6e5d4c3b2a19087f6e"

// jwtFlaw selects how the JWT test API verifies tokens.
type jwtFlaw int

const (
	jwtFixed           jwtFlaw = iota // HS256 only, strong key, exp checked
	jwtAcceptNone                     // alg none (any case) accepted without a signature
	jwtNoVerify                       // claims decoded, signature never checked
	jwtWeakKey                        // verified correctly, but the key is "secret"
	jwtAcceptNoneCased                // alg "None" accepted: a deny list that compares case
)

var jwtB64 = base64.RawURLEncoding

func mintJWT(key string, claims map[string]any) string {
	h := jwtB64.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	c, _ := json.Marshal(claims)
	input := h + "." + jwtB64.EncodeToString(c)
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(input))
	return input + "." + jwtB64.EncodeToString(m.Sum(nil))
}

// claimsOK returns a short-lived token's claims for user 1001.
func claimsOK() map[string]any {
	now := time.Now().Unix()
	return map[string]any{"sub": "1001", "name": "Alice", "iat": now, "exp": now + 3600}
}

// verifyJWT returns the token's subject, "" when the API refuses it.
func verifyJWT(f jwtFlaw, token string) string {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return ""
	}
	hb, err1 := jwtB64.DecodeString(parts[0])
	pb, err2 := jwtB64.DecodeString(parts[1])
	if err1 != nil || err2 != nil {
		return ""
	}
	var header map[string]any
	var claims map[string]any
	if json.Unmarshal(hb, &header) != nil || json.Unmarshal(pb, &claims) != nil {
		return ""
	}
	alg, _ := header["alg"].(string)
	switch {
	case f == jwtNoVerify:
	case f == jwtAcceptNone && strings.EqualFold(alg, "none"):
	case f == jwtAcceptNoneCased && alg == "None":
	default:
		key := jwtStrongKey
		if f == jwtWeakKey {
			key = "secret"
		}
		m := hmac.New(sha256.New, []byte(key))
		m.Write([]byte(parts[0] + "." + parts[1]))
		sig, err := jwtB64.DecodeString(parts[2])
		if alg != "HS256" || err != nil || !hmac.Equal(sig, m.Sum(nil)) {
			return ""
		}
	}
	if exp, ok := claims["exp"].(float64); ok && int64(exp) < time.Now().Unix() {
		return ""
	}
	sub, _ := claims["sub"].(string)
	return sub
}

// jwtAPI serves user records to callers with a valid JWT, in the
// Authorization header or the "session" cookie.
func jwtAPI(f jwtFlaw) http.Handler {
	token := func(r *http.Request) string {
		if c, err := r.Cookie("session"); err == nil {
			return c.Value
		}
		return strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	}
	protected := func(w http.ResponseWriter, r *http.Request, body func(u map[string]any) any) {
		u, ok := users[verifyJWT(f, token(r))]
		if !ok {
			unauthorized(w)
			return
		}
		writeJSON(w, 200, body(u))
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) {
		protected(w, r, func(u map[string]any) any { return u })
	})
	mux.HandleFunc("GET /me/orders", func(w http.ResponseWriter, r *http.Request) {
		protected(w, r, func(u map[string]any) any {
			return []map[string]any{{"id": 501, "owner": u["user_id"], "item": "teapot"}, {"id": 502, "owner": u["user_id"], "item": "cups"}}
		})
	})
	mux.HandleFunc("GET /me/settings", func(w http.ResponseWriter, r *http.Request) {
		protected(w, r, func(u map[string]any) any { return map[string]any{"user": u["user_id"], "theme": "dark", "lang": "en"} })
	})
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"status": "ok", "version": "1.2.3"})
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { notFound(w) })
	return mux
}

const jwtSpec = `openapi: 3.0.3
info: {title: jwt, version: "1"}
components:
  securitySchemes:
    bearerAuth: {type: http, scheme: bearer, bearerFormat: JWT}
security:
  - bearerAuth: []
paths:
  /status:
    get:
      security: []
      responses: {"200": {description: ok}}
  /me:
    get:
      responses: {"200": {description: ok}}
  /me/orders:
    get:
      responses: {"200": {description: ok}}
  /me/settings:
    get:
      responses: {"200": {description: ok}}
`

// jwtScan scans h with the JWT rules as the given primary identity.
func jwtScan(t *testing.T, h http.Handler, spec string, primary *scanner.Identity) []finding.Finding {
	t.Helper()
	return scanRules(t, h, scanOpts{spec: spec, primary: primary}, rules.JWTRules())
}

func bearer(token string) *scanner.Identity {
	return scanner.NewIdentity("primary", []scanner.Header{{Name: "Authorization", Value: "Bearer " + token}})
}

func countRule(fs []finding.Finding, rule string) int {
	n := 0
	for _, f := range fs {
		if f.Rule == rule {
			n++
		}
	}
	return n
}

// TestJWTWeakSecretRefusedToken: a token signed with a weak secret that the
// API refuses is no finding; the API refusing the identity everywhere ends
// the scan before any rule runs (exit code 3).
func TestJWTWeakSecretRefusedToken(t *testing.T) {
	fs := scanRules(t, jwtAPI(jwtFixed), scanOpts{spec: jwtSpec, primary: bearer(mintJWT("secret", claimsOK())), wantErr: scanner.ErrIdentityRejected}, rules.JWTRules())
	if has(fs, "jwt-weak-hmac-secret", "*", "*") {
		t.Fatalf("a finding for a token the API refuses:%s", list(fs))
	}
}

func TestJWTRules(t *testing.T) {
	now := time.Now().Unix()
	long := map[string]any{"sub": "1001", "iat": now, "exp": now + 30*24*3600}
	noExp := map[string]any{"sub": "1001", "iat": now}
	noIat := map[string]any{"sub": "1001", "exp": now + 7*24*3600}
	password := map[string]any{"sub": "1001", "iat": now, "exp": now + 3600, "password": "hunter2"}
	nested := map[string]any{"sub": "1001", "iat": now, "exp": now + 3600, "profile": map[string]any{"tax_id": "078-05-1120"}}
	card := map[string]any{"sub": "1001", "iat": now, "exp": now + 3600, "billing": "4111 1111 1111 1111"}
	lookalike := map[string]any{"sub": "1001", "account_id": "1234567890123456789", "iat": now, "exp": now + 3600, "password_set": true, "password_changed_at": now, "secret": ""}
	cookie := scanner.NewIdentity("primary", []scanner.Header{{Name: "Cookie", Value: "theme=dark; session=" + mintJWT(jwtStrongKey, claimsOK())}})

	tests := []struct {
		name    string
		api     http.Handler
		primary *scanner.Identity
		rule    string
		want    bool
	}{
		{"alg-none: accepted", jwtAPI(jwtAcceptNone), bearer(mintJWT(jwtStrongKey, claimsOK())), "jwt-alg-none", true},
		{"alg-none: accepted via cookie", jwtAPI(jwtAcceptNone), cookie, "jwt-alg-none", true},
		// The first routes in spec order get every spelling; one
		// identity name per spelling, or the cache answers "None" with
		// the answer to "none".
		{"alg-none: only \"None\" accepted", jwtAPI(jwtAcceptNoneCased), bearer(mintJWT(jwtStrongKey, claimsOK())), "jwt-alg-none", true},
		{"alg-none: fixed", jwtAPI(jwtFixed), bearer(mintJWT(jwtStrongKey, claimsOK())), "jwt-alg-none", false},
		{"alg-none: no verification at all is the other rule", jwtAPI(jwtNoVerify), bearer(mintJWT(jwtStrongKey, claimsOK())), "jwt-alg-none", false},
		{"alg-none: weak key server still refuses none", jwtAPI(jwtWeakKey), bearer(mintJWT("secret", claimsOK())), "jwt-alg-none", false},

		{"signature: not verified", jwtAPI(jwtNoVerify), bearer(mintJWT(jwtStrongKey, claimsOK())), "jwt-signature-not-verified", true},
		{"signature: not verified, cookie", jwtAPI(jwtNoVerify), cookie, "jwt-signature-not-verified", true},
		{"signature: fixed", jwtAPI(jwtFixed), bearer(mintJWT(jwtStrongKey, claimsOK())), "jwt-signature-not-verified", false},
		{"signature: alg none server verifies HS256", jwtAPI(jwtAcceptNone), bearer(mintJWT(jwtStrongKey, claimsOK())), "jwt-signature-not-verified", false},

		{"weak secret: \"secret\"", jwtAPI(jwtWeakKey), bearer(mintJWT("secret", claimsOK())), "jwt-weak-hmac-secret", true},
		{"weak secret: fixed", jwtAPI(jwtFixed), bearer(mintJWT(jwtStrongKey, claimsOK())), "jwt-weak-hmac-secret", false},

		{"lifetime: no exp", jwtAPI(jwtFixed), bearer(mintJWT(jwtStrongKey, noExp)), "jwt-lifetime-excessive", true},
		{"lifetime: 30 days", jwtAPI(jwtFixed), bearer(mintJWT(jwtStrongKey, long)), "jwt-lifetime-excessive", true},
		{"lifetime: 7 days left, no iat", jwtAPI(jwtFixed), bearer(mintJWT(jwtStrongKey, noIat)), "jwt-lifetime-excessive", true},
		{"lifetime: one hour", jwtAPI(jwtFixed), bearer(mintJWT(jwtStrongKey, claimsOK())), "jwt-lifetime-excessive", false},

		{"sensitive: password claim", jwtAPI(jwtFixed), bearer(mintJWT(jwtStrongKey, password)), "jwt-sensitive-claims", true},
		{"sensitive: nested SSN value", jwtAPI(jwtFixed), bearer(mintJWT(jwtStrongKey, nested)), "jwt-sensitive-claims", true},
		{"sensitive: card number value", jwtAPI(jwtFixed), bearer(mintJWT(jwtStrongKey, card)), "jwt-sensitive-claims", true},
		{"sensitive: look-alike names and ids", jwtAPI(jwtFixed), bearer(mintJWT(jwtStrongKey, lookalike)), "jwt-sensitive-claims", false},
		{"sensitive: ordinary claims", jwtAPI(jwtFixed), bearer(mintJWT(jwtStrongKey, claimsOK())), "jwt-sensitive-claims", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := jwtScan(t, tt.api, jwtSpec, tt.primary)
			if !jwtPerRoute[tt.rule] {
				if got := has(fs, tt.rule, "*", "*"); got != tt.want {
					t.Fatalf("%s: got %v, want %v; findings:%s", tt.rule, got, tt.want, list(fs))
				}
				if n := countRule(fs, tt.rule); n > 1 {
					t.Fatalf("%s reported %d times, want once per scan:%s", tt.rule, n, list(fs))
				}
				return
			}
			// Every protected route of jwtAPI shares the verifier: one
			// root cause, one finding for the whole API naming the
			// routes (per-route flaws: TestJWTVerifierPerRoute).
			want := 0
			if tt.want {
				want = 1
			}
			if n := countRule(fs, tt.rule); n != want {
				t.Fatalf("%s reported %d times, want %d (the verifier, once):%s", tt.rule, n, want, list(fs))
			}
			if got := has(fs, tt.rule, "*", "*"); got != tt.want {
				t.Fatalf("%s on the whole API: got %v, want %v; findings:%s", tt.rule, got, tt.want, list(fs))
			}
			for _, f := range fs {
				if f.Rule == tt.rule && !strings.Contains(f.Evidence.Summary, "every protected route the scan probed (3: GET /me, GET /me/orders, GET /me/settings)") {
					t.Errorf("%s does not name the routes: %s", tt.rule, f.Evidence.Summary)
				}
			}
		})
	}
}

// jwtPerRoute are the rules that judge each route's verifier; the others
// judge the token and report once for the API.
var jwtPerRoute = map[string]bool{"jwt-alg-none": true, "jwt-signature-not-verified": true, "jwt-alg-confusion": true}

// jwtProtected are jwtSpec's protected routes.
var jwtProtected = []string{"/me", "/me/orders", "/me/settings"}

// hasRule reports whether fs holds a finding of rule, on any route.
func hasRule(fs []finding.Finding, rule string) bool { return countRule(fs, rule) > 0 }

// TestJWTFixedAPIHasNoFindings is the precision check: a correct API with a
// short-lived, clean, strongly signed token gets no JWT finding.
func TestJWTFixedAPIHasNoFindings(t *testing.T) {
	fs := jwtScan(t, jwtAPI(jwtFixed), jwtSpec, bearer(mintJWT(jwtStrongKey, claimsOK())))
	if len(fs) != 0 {
		t.Fatalf("findings on a correct JWT API:%s", list(fs))
	}
}

// TestJWTOpaqueTokens: an API with opaque (non-JWT) tokens, even one that
// gets other things wrong, gets no JWT finding.
func TestJWTOpaqueTokens(t *testing.T) {
	for name, api := range map[string]http.Handler{"fixed": testAPI(flaws{}), "any user readable": testAPI(flaws{anyUserReadable: true})} {
		t.Run(name, func(t *testing.T) {
			fs := jwtScan(t, api, testSpec, bearer(aliceToken))
			for _, f := range fs {
				if strings.HasPrefix(f.Rule, "jwt-") {
					t.Errorf("JWT finding with an opaque token:%s", list([]finding.Finding{f}))
				}
			}
		})
	}
}

// TestJWTEvidenceHidesRealToken: no report of a vulnerable API holds the
// captured token or its signature, and the weak key itself is not shown.
func TestJWTEvidenceHidesRealToken(t *testing.T) {
	for name, tc := range map[string]struct {
		api   http.Handler
		token string
		rule  string
	}{
		"alg none":  {jwtAPI(jwtAcceptNone), mintJWT(jwtStrongKey, claimsOK()), "jwt-alg-none"},
		"no verify": {jwtAPI(jwtNoVerify), mintJWT(jwtStrongKey, claimsOK()), "jwt-signature-not-verified"},
		"weak key":  {jwtAPI(jwtWeakKey), mintJWT("secret", map[string]any{"sub": "1001", "iat": time.Now().Unix(), "password": "hunter2"}), "jwt-weak-hmac-secret"},
	} {
		t.Run(name, func(t *testing.T) {
			fs := jwtScan(t, tc.api, jwtSpec, bearer(tc.token))
			if !hasRule(fs, tc.rule) {
				t.Fatalf("%s not found:%s", tc.rule, list(fs))
			}
			out, err := json.Marshal(fs)
			if err != nil {
				t.Fatal(err)
			}
			sig := tc.token[strings.LastIndex(tc.token, ".")+1:]
			for _, secret := range []string{tc.token, sig, `"secret"`, "hunter2"} {
				if strings.Contains(string(out), secret) {
					t.Errorf("report contains %q:\n%s", secret, out)
				}
			}
		})
	}
}

// TestJWTFindingsAreStable: API-wide findings have the same fingerprint
// whichever operation a scan happened to probe first, the same every scan.
func TestJWTFindingsAreStable(t *testing.T) {
	token := mintJWT(jwtStrongKey, map[string]any{"sub": "1001"})
	prints := func() map[string]string {
		out := map[string]string{}
		for _, f := range jwtScan(t, jwtAPI(jwtNoVerify), jwtSpec, bearer(token)) {
			out[f.Rule+" "+f.Method+" "+f.Path] = f.Fingerprint
		}
		return out
	}
	a, b := prints(), prints()
	// jwtNoVerify verifies no route: one finding for the verifier.
	want := []string{"jwt-lifetime-excessive * *", "jwt-signature-not-verified * *"}
	if len(a) != len(want) {
		t.Fatalf("want %v, got %v", want, a)
	}
	seen := map[string]bool{}
	for _, k := range want {
		if a[k] == "" || b[k] != a[k] {
			t.Errorf("%s: fingerprint %q then %q", k, a[k], b[k])
		}
		if seen[a[k]] {
			t.Errorf("%s: fingerprint %s shared with another finding", k, a[k])
		}
		seen[a[k]] = true
	}
}

func TestFindWeakHMACSecret(t *testing.T) {
	tests := []struct {
		name  string
		token string
		want  string
		ok    bool
	}{
		{"secret", mintJWT("secret", claimsOK()), "secret", true},
		{"jwt.io default", mintJWT("your-256-bit-secret", claimsOK()), "your-256-bit-secret", true},
		{"empty key", mintJWT("", claimsOK()), "", true},
		{"strong key", mintJWT(jwtStrongKey, claimsOK()), "", false},
		{"not a JWT", aliceToken, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, ok := rules.FindWeakHMACSecret(tt.token)
			if got != tt.want || ok != tt.ok {
				t.Fatalf("got %q, %v; want %q, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

// jwtScanAt scans api with every JWT rule at the given concurrency.
func jwtScanAt(t testing.TB, api http.Handler, spec, token string, concurrency int) *scanner.Result {
	t.Helper()
	srv := httptest.NewServer(api)
	defer srv.Close()
	res, err := scanner.Scan(context.Background(), scanner.Options{
		Target:   srv.URL,
		OpenAPI:  "spec.yaml",
		ReadFile: func(string) ([]byte, error) { return []byte(spec), nil },
		Primary:  bearer(token),
		Mode:     finding.ModeSafe,
		// The timeout is a safety net, not an assertion.
		Client: scanner.ClientOptions{Concurrency: concurrency, Timeout: 10 * time.Second, Budget: 5000},
		Wait:   10 * time.Second,
		Rules:  append(rules.JWTRules(), rules.JWTConfusionRules()...),
	})
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	return res
}

// jwtVerifierRuns is how many scans per concurrency level the per-route
// tests compare: enough for the workers' order to vary.
const jwtVerifierRuns = 3

// TestJWTVerifierPerRoute: JWT verification is configured per route in
// real frameworks. On mixedJWTAPI (/me verifies, /me/orders accepts alg
// none, /me/settings checks no signature) the flaws are found on their
// routes, each by its own rule, and nothing on /me, every run at
// concurrency 1 and 8. The rules used to decide once for the API on the
// first route in spec order (/me) and reported nothing. The fixed twin,
// every route verifying, is clean.
func TestJWTVerifierPerRoute(t *testing.T) {
	token := mintJWT(jwtStrongKey, claimsOK())
	for _, concurrency := range []int{1, 8} {
		for run := range jwtVerifierRuns {
			fs := jwtScanAt(t, mixedJWTAPI(), jwtSpec, token, concurrency).Findings
			if len(fs) != 2 || !has(fs, "jwt-alg-none", "GET", "/me/orders") || !has(fs, "jwt-signature-not-verified", "GET", "/me/settings") {
				t.Fatalf("concurrency %d, run %d: want jwt-alg-none on GET /me/orders and jwt-signature-not-verified on GET /me/settings only, got%s", concurrency, run+1, list(fs))
			}
			if fs := jwtScanAt(t, jwtAPI(jwtFixed), jwtSpec, token, concurrency).Findings; len(fs) != 0 {
				t.Fatalf("fixed twin, concurrency %d, run %d: findings%s", concurrency, run+1, list(fs))
			}
		}
	}
}

// jwtRouteAPI serves routes protected GET routes (/r0 … /rN-1), each
// with its own verifier (flaws; jwtFixed when absent), and the public
// /status, described by routeSpec. forged counts, per route, the
// requests carrying a token other than the real one.
type jwtRouteAPI struct {
	routes int
	flaws  map[string]jwtFlaw
	real   string
	mu     sync.Mutex
	forged map[string]int
}

func (a *jwtRouteAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/status" {
		writeJSON(w, 200, map[string]any{"status": "ok", "version": "1.2.3"})
		return
	}
	n, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/r"))
	if err != nil || n < 0 || n >= a.routes || r.Method != http.MethodGet || !strings.HasPrefix(r.URL.Path, "/r") {
		notFound(w)
		return
	}
	token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if token != "" && token != a.real {
		a.mu.Lock()
		if a.forged == nil {
			a.forged = map[string]int{}
		}
		a.forged[r.URL.Path]++
		a.mu.Unlock()
	}
	u, ok := users[verifyJWT(a.flaws[r.URL.Path], token)]
	if !ok {
		unauthorized(w)
		return
	}
	writeJSON(w, 200, map[string]any{"route": r.URL.Path, "user": u, "reports": []map[string]any{
		{"id": 7001, "title": "quarterly revenue", "rows": 1204},
		{"id": 7002, "title": "churn by region", "rows": 311},
	}})
}

// jwtRouteRequests are the forged tokens a verifying route receives from
// the JWT rules (an HS256 token with a strong key: the weak-secret and
// confusion rules send nothing): alg none and a stripped signature on
// every route; the first routes in spec order also get the other three
// spellings of none, an altered signature and a foreign key.
const (
	jwtRouteRequests          = 2
	jwtRepresentativeRequests = 7
	// jwtRepresentativeRoutes is how many routes, the first in spec
	// order, get every variant (maxRepresentativeOperations).
	jwtRepresentativeRoutes = 5
)

// TestJWTVerifierPerRouteBeyondFirst: flawed routes past the first ones
// in spec order, which get only the one forged token per rule, are found
// all the same; every verifying route costs exactly the bounded number
// of forged requests, whatever the concurrency.
func TestJWTVerifierPerRouteBeyondFirst(t *testing.T) {
	const routes = 8
	token := mintJWT(jwtStrongKey, claimsOK())
	for _, concurrency := range []int{1, 8} {
		api := &jwtRouteAPI{routes: routes, real: token, flaws: map[string]jwtFlaw{"/r6": jwtAcceptNone, "/r7": jwtNoVerify}}
		fs := jwtScanAt(t, api, routeSpec(routes), token, concurrency).Findings
		if len(fs) != 2 || !has(fs, "jwt-alg-none", "GET", "/r6") || !has(fs, "jwt-signature-not-verified", "GET", "/r7") {
			t.Fatalf("concurrency %d: want jwt-alg-none on GET /r6 and jwt-signature-not-verified on GET /r7 only, got%s", concurrency, list(fs))
		}
		for i := range 6 {
			path := fmt.Sprintf("/r%d", i)
			want := jwtRouteRequests
			if i < jwtRepresentativeRoutes {
				want = jwtRepresentativeRequests
			}
			if got := api.forged[path]; got != want {
				t.Errorf("concurrency %d: GET %s got %d forged tokens, want %d", concurrency, path, got, want)
			}
		}
		if fs := jwtScanAt(t, &jwtRouteAPI{routes: routes, real: token}, routeSpec(routes), token, concurrency).Findings; len(fs) != 0 {
			t.Errorf("fixed twin, concurrency %d: findings%s", concurrency, list(fs))
		}
	}
}
