package rules_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner"
	"github.com/authgate/authgate/scanner/rules"
)

// invCheck selects how the invalid-token test API checks credentials.
type invCheck int

const (
	invFixed        invCheck = iota // exact bearer token or session cookie only
	invAnyBearer                    // any non-empty bearer token
	invBearerPrefix                 // anything starting with "Bearer", even with no token
	invAnyBasic                     // correct bearer check, but any Basic credentials pass
	invAnyCookie                    // any non-empty session cookie
)

// invAuthed reports whether the API lets the request in as Alice.
func invAuthed(c invCheck, r *http.Request) bool {
	h := r.Header.Get("Authorization")
	session := ""
	if ck, err := r.Cookie("session"); err == nil {
		session = ck.Value
	}
	if h == "Bearer "+aliceToken || session == aliceToken {
		return true
	}
	switch c {
	case invAnyBearer:
		return strings.HasPrefix(h, "Bearer ") && len(h) > len("Bearer ")
	case invBearerPrefix:
		return strings.HasPrefix(h, "Bearer")
	case invAnyBasic:
		return strings.HasPrefix(h, "Basic ")
	case invAnyCookie:
		return session != ""
	}
	return false
}

// invAPI serves Alice's records behind the check c; /status is public and
// accepts anything.
func invAPI(c invCheck) http.Handler {
	mux := http.NewServeMux()
	protected := func(body any) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if !invAuthed(c, r) {
				unauthorized(w)
				return
			}
			writeJSON(w, 200, body)
		}
	}
	mux.HandleFunc("GET /me", protected(users["1001"]))
	mux.HandleFunc("GET /me/orders", protected([]map[string]any{orders["501"], orders["502"]}))
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"status": "ok", "version": "1.2.3", "motd": "welcome to the orders service"})
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { notFound(w) })
	return mux
}

const invSpec = `openapi: 3.0.3
info: {title: inv, version: "1"}
components:
  securitySchemes:
    bearerAuth: {type: http, scheme: bearer}
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
`

// invPublicSpec holds only the public operation.
const invPublicSpec = `openapi: 3.0.3
info: {title: inv, version: "1"}
paths:
  /status:
    get:
      responses: {"200": {description: ok}}
`

func invScan(t *testing.T, h http.Handler, spec string, primary *scanner.Identity) []finding.Finding {
	t.Helper()
	return scanRules(t, h, scanOpts{spec: spec, primary: primary}, rules.InvalidTokenRules())
}

func TestInvalidTokenAccepted(t *testing.T) {
	const rule = "authn-invalid-token-accepted"
	bearerAlice := scanner.NewIdentity("primary", []scanner.Header{{Name: "Authorization", Value: "Bearer " + aliceToken}})
	cookieAlice := scanner.NewIdentity("primary", []scanner.Header{{Name: "Cookie", Value: "session=" + aliceToken}})
	tests := []struct {
		name    string
		check   invCheck
		spec    string
		primary *scanner.Identity
		want    []string // accepted variants named in the summary; nil: no finding
		notWant []string // variants that must not be named
	}{
		{name: "fixed bearer", check: invFixed, spec: invSpec, primary: bearerAlice},
		{name: "fixed cookie", check: invFixed, spec: invSpec, primary: cookieAlice},
		{name: "any bearer token", check: invAnyBearer, spec: invSpec, primary: bearerAlice,
			want:    []string{"random value of the same length", "truncated to half"},
			notWant: []string{"another scheme", "empty value"}},
		{name: "bearer prefix only", check: invBearerPrefix, spec: invSpec, primary: bearerAlice,
			want:    []string{"random value of the same length", "truncated to half", "empty value"},
			notWant: []string{"another scheme"}},
		{name: "any basic credentials", check: invAnyBasic, spec: invSpec, primary: bearerAlice,
			want:    []string{"another scheme"},
			notWant: []string{"random value of the same length", "truncated to half", "empty value"}},
		{name: "any session cookie", check: invAnyCookie, spec: invSpec, primary: cookieAlice,
			want:    []string{"random value of the same length", "truncated to half", "another scheme"},
			notWant: []string{"empty value"}},
		{name: "public operation never used", check: invAnyBearer, spec: invPublicSpec, primary: bearerAlice},
		{name: "no primary identity", check: invAnyBearer, spec: invSpec},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := invScan(t, invAPI(tc.check), tc.spec, tc.primary)
			var got []finding.Finding
			for _, f := range fs {
				if f.Rule == rule {
					got = append(got, f)
				}
			}
			if tc.want == nil {
				if len(got) != 0 {
					t.Fatalf("want no finding, got%s", list(got))
				}
				return
			}
			// The check is shared by both protected routes: one root
			// cause, one finding for the whole API naming both routes.
			if len(got) != 1 || !has(got, rule, "*", "*") {
				t.Fatalf("want one API-wide finding, got%s", list(fs))
			}
			f := got[0]
			if want := finding.Fingerprint(rule, "*", "*", "every-route"); f.Fingerprint != want {
				t.Errorf("fingerprint %s, want %s", f.Fingerprint, want)
			}
			if !strings.Contains(f.Evidence.Summary, "every protected route the scan probed (2: GET /me, GET /me/orders)") {
				t.Errorf("summary does not name the routes: %s", f.Evidence.Summary)
			}
			for _, w := range tc.want {
				if !strings.Contains(f.Evidence.Summary, w) {
					t.Errorf("summary does not name %q: %s", w, f.Evidence.Summary)
				}
			}
			// The variants sent are listed after the accepted ones.
			accepted, _, _ := strings.Cut(f.Evidence.Summary, "Sent here:")
			for _, w := range tc.notWant {
				if strings.Contains(accepted, w) {
					t.Errorf("summary names %q: %s", w, f.Evidence.Summary)
				}
			}
			b, err := json.Marshal(f)
			if err != nil {
				t.Fatal(err)
			}
			if s := string(b); strings.Contains(s, aliceToken) || strings.Contains(s, aliceToken[:len(aliceToken)/2]) {
				t.Errorf("finding shows the real token or its half: %s", s)
			}
		})
	}
}

// TestInvalidTokenEchoedHalfHidden checks that a target echoing the
// truncated token cannot make the report show half the real credential.
func TestInvalidTokenEchoedHalfHidden(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/me" {
			notFound(w)
			return
		}
		auth := r.Header.Get("Authorization")
		if !strings.HasPrefix(auth, "Bearer ") || len(auth) == len("Bearer ") {
			unauthorized(w)
			return
		}
		rec := map[string]any{}
		for k, v := range users["1001"] {
			rec[k] = v
		}
		// Enough stable content that one echoed value leaves the
		// answers alike.
		rec["orders"] = []map[string]any{orders["501"], orders["502"], orders["601"], orders["501"], orders["502"], orders["601"]}
		rec["seen"] = strings.TrimPrefix(auth, "Bearer ")
		writeJSON(w, 200, rec)
	})
	fs := invScan(t, h, invSpec, scanner.NewIdentity("primary", []scanner.Header{{Name: "Authorization", Value: "Bearer " + aliceToken}}))
	if countRule(fs, "authn-invalid-token-accepted") != 1 {
		t.Fatalf("want one finding, got%s", list(fs))
	}
	b, _ := json.Marshal(fs)
	if s := string(b); strings.Contains(s, aliceToken[:len(aliceToken)/2]) {
		t.Errorf("report shows half of the real token: %s", s)
	}
}

// routeAPI serves nrRoutes protected GET routes (/r0 … /rN-1) behind an
// exact bearer check, and the public /status. The routes named in skip
// are registered without the check, as when a route is left out of the
// middleware group: they only look for a bearer header, like a handler
// that trusts the middleware to have verified it. garbage counts the
// requests with credentials that are neither Alice's nor absent.
type routeAPI struct {
	routes  int
	skip    map[string]bool
	garbage atomic.Int64
}

func (a *routeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	auth := r.Header.Get("Authorization")
	if auth != "" && auth != "Bearer "+aliceToken {
		a.garbage.Add(1)
	}
	if r.URL.Path == "/status" {
		writeJSON(w, 200, map[string]any{"status": "ok", "version": "1.2.3", "motd": "welcome to the reports service"})
		return
	}
	n, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/r"))
	if err != nil || n < 0 || n >= a.routes || r.Method != http.MethodGet || !strings.HasPrefix(r.URL.Path, "/r") {
		notFound(w)
		return
	}
	verified := auth == "Bearer "+aliceToken
	if a.skip[r.URL.Path] {
		verified = strings.HasPrefix(auth, "Bearer ") && len(auth) > len("Bearer ")
	}
	if !verified {
		unauthorized(w)
		return
	}
	// The team's reports: the same for every member, so a route that
	// does not verify the caller answers garbage with the real data.
	writeJSON(w, 200, map[string]any{"route": r.URL.Path, "reports": []map[string]any{
		{"id": 7001, "title": "quarterly revenue", "owner": "finance", "rows": 1204},
		{"id": 7002, "title": "churn by region", "owner": "growth", "rows": 311},
	}})
}

// routeSpec describes routeAPI's routes.
func routeSpec(routes int) string {
	var b strings.Builder
	b.WriteString(`openapi: 3.0.3
info: {title: reports, version: "1"}
components:
  securitySchemes:
    bearerAuth: {type: http, scheme: bearer}
security:
  - bearerAuth: []
paths:
  /status:
    get:
      security: []
      responses: {"200": {description: ok}}
`)
	for i := range routes {
		fmt.Fprintf(&b, "  /r%d:\n    get:\n      responses: {\"200\": {description: ok}}\n", i)
	}
	return b.String()
}

// routeScan scans api with only the invalid-token rule.
func routeScan(t testing.TB, api http.Handler, routes, concurrency int) *scanner.Result {
	t.Helper()
	srv := httptest.NewServer(api)
	defer srv.Close()
	spec := routeSpec(routes)
	res, err := scanner.Scan(context.Background(), scanner.Options{
		Target:   srv.URL,
		OpenAPI:  "spec.yaml",
		ReadFile: func(string) ([]byte, error) { return []byte(spec), nil },
		Primary:  scanner.NewIdentity("primary", []scanner.Header{{Name: "Authorization", Value: "Bearer " + aliceToken}}),
		Mode:     finding.ModeSafe,
		Client:   scanner.ClientOptions{Concurrency: concurrency, Timeout: 10 * time.Second, Budget: 5000},
		Wait:     10 * time.Second,
		Rules:    rules.InvalidTokenRules(),
	})
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	return res
}

// TestInvalidTokenPerRoute is issue 10's flaky recall: every route checks
// tokens except one that was left out of the middleware. Probing one
// operation per auth mechanism found it in 1 run of 6, depending on which
// operation the workers reached first. Every protected route is probed
// now: the flaw is found on that route, and only there, every time, at
// any concurrency; the fixed twin is clean.
func TestInvalidTokenPerRoute(t *testing.T) {
	const rule = "authn-invalid-token-accepted"
	const routes = 8
	// Past the representative operations, so only the variants every
	// route gets can find it.
	const flawed = "/r6"
	runs := 20
	if testing.Short() {
		runs = 4
	}
	for i := range runs {
		concurrency := 1
		if i%2 == 1 {
			concurrency = 8
		}
		res := routeScan(t, &routeAPI{routes: routes, skip: map[string]bool{flawed: true}}, routes, concurrency)
		got := res.Findings
		if len(got) != 1 || !has(got, rule, "GET", flawed) {
			t.Fatalf("run %d (concurrency %d): want one finding on GET %s, got%s", i+1, concurrency, flawed, list(got))
		}
		f := got[0]
		if want := finding.Fingerprint(rule, "GET", flawed, "bearer"); f.Fingerprint != want {
			t.Errorf("fingerprint %s, want %s", f.Fingerprint, want)
		}
		if !strings.Contains(f.Evidence.Summary, "random value of the same length") || !strings.Contains(f.Evidence.Summary, "GET "+flawed) {
			t.Errorf("summary does not name the route and the accepted value: %s", f.Evidence.Summary)
		}
	}
	for _, concurrency := range []int{1, 8} {
		if fs := routeScan(t, &routeAPI{routes: routes}, routes, concurrency).Findings; len(fs) != 0 {
			t.Errorf("fixed twin, concurrency %d: want no finding, got%s", concurrency, list(fs))
		}
	}
}

// TestInvalidTokenRepresentatives checks the rarer variants: only the first
// operations in spec order get them, the same ones every run, and the
// garbage sent per protected operation stays bounded.
func TestInvalidTokenRepresentatives(t *testing.T) {
	const routes = 9
	// Every route but the last skips verification: each is its own
	// flaw (the last verifies, so the verifier itself works).
	skip := map[string]bool{}
	for i := range routes - 1 {
		skip[fmt.Sprintf("/r%d", i)] = true
	}
	for _, concurrency := range []int{1, 8} {
		api := &routeAPI{routes: routes, skip: skip}
		res := routeScan(t, api, routes, concurrency)
		if len(res.Findings) != routes-1 {
			t.Fatalf("concurrency %d: want a finding on each of %d routes, got%s", concurrency, routes-1, list(res.Findings))
		}
		rich := 0
		for _, f := range res.Findings {
			if strings.Contains(f.Evidence.Summary, "Sent here: "+strings.Join([]string{
				"a random value of the same length and alphabet", "the real value truncated to half its length",
				"a random value under another scheme", "an empty value"}, "; ")+".") {
				rich++
				continue
			}
			if !strings.Contains(f.Evidence.Summary, "Sent here: a random value of the same length and alphabet; a random value under another scheme.") {
				t.Errorf("%s: unexpected variants: %s", f.Path, f.Evidence.Summary)
			}
		}
		if rich != 5 {
			t.Errorf("concurrency %d: %d routes got every variant, want the first 5", concurrency, rich)
		}
		for i := range 5 {
			// The routes sort as text: /r0 … /r4 come first.
			for _, f := range res.Findings {
				if f.Path == fmt.Sprintf("/r%d", i) && !strings.Contains(f.Evidence.Summary, "an empty value") {
					t.Errorf("%s is among the first 5 in spec order but did not get every variant", f.Path)
				}
			}
		}
		// Every variant, its confirmation: at most 8 per route here
		// (nearly all accepted), never a number that grows with the API.
		if per := float64(api.garbage.Load()) / routes; per > 2*float64(len([]int{0, 1, 2, 3})) {
			t.Errorf("%.1f garbage requests per protected operation", per)
		}
	}
}

// TestInvalidTokenEveryRoute: when every protected route accepts garbage,
// the root cause is the verifier: one API-wide finding names the routes,
// the same every run; one route that verifies makes them per-route flaws.
func TestInvalidTokenEveryRoute(t *testing.T) {
	const routes = 7
	all := map[string]bool{}
	for i := range routes {
		all[fmt.Sprintf("/r%d", i)] = true
	}
	for _, concurrency := range []int{1, 8} {
		fs := routeScan(t, &routeAPI{routes: routes, skip: all}, routes, concurrency).Findings
		if len(fs) != 1 || fs[0].Path != "*" || fs[0].Method != "*" {
			t.Fatalf("concurrency %d: want one API-wide finding, got%s", concurrency, list(fs))
		}
		if !strings.Contains(fs[0].Evidence.Summary, "every protected route the scan probed (7: GET /r0,") {
			t.Errorf("summary does not list the routes: %s", fs[0].Evidence.Summary)
		}
	}
}
