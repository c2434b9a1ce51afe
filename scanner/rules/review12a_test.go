package rules_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner"
	"github.com/authgate/authgate/scanner/rules"
	"github.com/authgate/authgate/scanner/rules/wordlist"
)

// Reviewer A, issue 12: precision and secrecy of the new rule behaviour.
// Loopback servers only.

// builtinEntry matches the position a jwt-weak-hmac-secret summary gives
// for a key of the built-in list.
var builtinEntry = regexp.MustCompile(`built-in list entry (\d+)`)

// TestReview12AWeakSecretEntryDisclosesKey pins a secrecy defect in
// jwt-weak-hmac-secret (scanner/rules/jwt_secrets.go, jwtCracked.where and
// the summary in Check; docs/rules/jwt-weak-hmac-secret.md). The summary
// hides the target's signing key "by its list and position … never by its
// value: reports are read by people who must not learn it" — but the
// built-in list is public (embedded in every authgate binary and in the
// repository, scanner/rules/wordlist), so "built-in list entry N" is the
// key: anyone reading the sticky PR comment or the job summary looks up
// entry N and mints tokens for any user. Expected: the report never gives
// a position in a public list from which the key can be read back (for
// example, say only that the key is in authgate's built-in list, with its
// length); the maintainer knows their own key.
func TestReview12AWeakSecretEntryDisclosesKey(t *testing.T) {
	const key = "random" // VAmPI's key
	fs := scanRules(t, keyedJWTAPI(key), scanOpts{spec: jwtSpec, primary: bearer(mintJWT(key, claimsOK()))}, rules.JWTRules())
	var got []finding.Finding
	for _, f := range fs {
		if f.Rule == "jwt-weak-hmac-secret" {
			got = append(got, f)
		}
	}
	if len(got) != 1 {
		t.Fatalf("want one jwt-weak-hmac-secret finding, got:%s", list(fs))
	}
	all, _ := json.Marshal(got[0])
	for _, m := range builtinEntry.FindAllStringSubmatch(string(all), -1) {
		n, _ := strconv.Atoi(m[1])
		if n >= 1 && n <= wordlist.Builtin().Len() && string(wordlist.Builtin().At(n-1)) == key {
			t.Errorf("the finding names %q: entry %d of authgate's public built-in list is the signing key %q itself, so every reader of the report learns it: %s",
				m[0], n, key, got[0].Evidence.Summary)
		}
	}
}

// csrfLoginAPI is a Spring-style login: the session cookie JSESSIONID has
// every flag, and Spring Security's CookieCsrfTokenRepository
// .withHttpOnlyFalse() sets the double-submit token XSRF-TOKEN (a UUID)
// without HttpOnly — scripts must read it — and, as it does by default,
// without SameSite.
func csrfLoginAPI() http.Handler {
	inner := loginAPI("", false)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/login" {
			w.Header().Add("Set-Cookie", "JSESSIONID="+clSession+"; Path=/; Secure; HttpOnly; SameSite=Lax")
			w.Header().Add("Set-Cookie", "XSRF-TOKEN=3f9c2b1e-7d4a-4c3e-9b8f-2a6d5e1c0f47; Path=/; Secure")
		}
		inner.ServeHTTP(w, r)
	})
}

// TestReview12ACookieCSRFTokenIsNoSessionCookie pins a false positive of
// cookie-insecure on login answers (scanner/rules/misconfig.go,
// CookieInsecure.judge): an anti-CSRF cookie is exempted from the
// session-cookie *name* test, but its random-looking value then makes it a
// "session cookie" anyway, and a missing SameSite is reported as `The login
// … set the session cookie "XSRF-TOKEN" without SameSite`. A double-submit
// token is no credential (reading or sending it grants nothing without the
// session cookie, which here has every flag); calling it a session cookie
// is wrong on a correctly configured Spring or Angular API. Expected: no
// cookie-insecure finding on this login, over HTTP and HTTPS.
func TestReview12ACookieCSRFTokenIsNoSessionCookie(t *testing.T) {
	for _, tls := range []bool{false, true} {
		fs, _ := cookieLoginScan(t, csrfLoginAPI(), tls)
		for _, f := range fs {
			if strings.Contains(f.Evidence.Summary, "XSRF-TOKEN") {
				t.Errorf("tls=%v: the anti-CSRF cookie reported as a session cookie (%s confidence): %s", tls, f.Confidence, f.Evidence.Summary)
			}
		}
	}
}

// saasUser is an account of the SaaS model: its own id, and the ids of
// reference data its profile points at (a pricing plan, a UI language),
// which differ between the two users.
type saasUser struct {
	id, plan, lang int
	email, passwd  string
}

var saasUsers = []saasUser{
	{id: 11, plan: 3, lang: 2, email: "alice@example.com", passwd: "alice-pw-1"},
	{id: 12, plan: 1, lang: 1, email: "bob@example.com", passwd: "bob-pw-2"},
}

// saasAPI is a correct API: POST /login answers {"token", "user": {"id",
// "email", "planId", "languageId"}}; GET /api/plans/{id} and GET
// /api/languages/{id} are reference data every signed-in user reads by
// design (the pricing page, the language picker), refused to anonymous
// callers, 404 for an unknown id.
func saasAPI() http.Handler {
	tokens := map[string]saasUser{}
	for _, u := range saasUsers {
		tokens["tok-"+u.email+"-0123456789abcdef"] = u
	}
	signedIn := func(r *http.Request) bool {
		_, ok := tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
		return ok
	}
	plans := map[string]map[string]any{
		"1": {"id": 1, "name": "Free", "price": 0, "seats": 1},
		"2": {"id": 2, "name": "Team", "price": 19, "seats": 10},
		"3": {"id": 3, "name": "Business", "price": 49, "seats": 50},
	}
	langs := map[string]map[string]any{
		"1": {"id": 1, "code": "en", "name": "English"},
		"2": {"id": 2, "code": "de", "name": "Deutsch"},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		var body struct{ Email, Password string }
		json.NewDecoder(r.Body).Decode(&body)
		for tok, u := range tokens {
			if u.email == body.Email && u.passwd == body.Password {
				writeJSON(w, 200, map[string]any{"token": tok, "user": map[string]any{"id": u.id, "email": u.email, "planId": u.plan, "languageId": u.lang}})
				return
			}
		}
		writeJSON(w, 401, map[string]string{"error": "bad credentials"})
	})
	for prefix, table := range map[string]map[string]map[string]any{"/api/plans/": plans, "/api/languages/": langs} {
		mux.HandleFunc("GET "+prefix+"{id}", func(w http.ResponseWriter, r *http.Request) {
			if !signedIn(r) {
				unauthorized(w)
				return
			}
			rec, ok := table[r.PathValue("id")]
			if !ok {
				notFound(w)
				return
			}
			writeJSON(w, 200, rec)
		})
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { notFound(w) })
	return mux
}

var saasSpec = bolaSpec(`  /login:
    post:
      security: []
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {email: {type: string}, password: {type: string}}}
      responses: {"200": {description: the session}}
  /api/plans/{id}:
    get:
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer}}
      responses: {"200": {description: a pricing plan}}
  /api/languages/{id}:
    get:
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer}}
      responses: {"200": {description: a UI language}}
`)

func saasIdentity(name string, u saasUser) *scanner.Identity {
	id := scanner.NewIdentity(name, nil)
	id.Login = &scanner.Login{Method: "POST", Path: "/login", Format: "json",
		Body:      map[string]any{"email": u.email, "password": u.passwd},
		TokenFrom: "json", TokenName: "token", Send: "Authorization: Bearer {token}"}
	return id
}

// TestReview12AHeldReferenceDataIsNoBOLA pins a false positive of the new
// login-answer ownership (scanner/harvest_sources.go heldFacts/fitsHeld,
// used by scanner/rules/bola.go crossUserRead): every "<thing>Id" of a
// login answer's user object is taken as an object the identity OWNS, and
// a strong fit (planId → /plans/{id}) needs no confirmation from the
// answer. A user's planId or languageId points at shared reference data,
// not at the user's object; the two users merely chose different ones, so
// distinctFacts (which drops only equal values) keeps them. Reading the
// Business plan as bob is then reported as bob reading "alice's" plan.
// Expected: no bola-cross-user-read or bola-id-enumeration on reference
// data — e.g. require, for held ids, that the owner's answer shows it is
// the owner's (Target.Confirms: an owner field such as Juice Shop's
// basket UserId), as weak fits already do.
func TestReview12AHeldReferenceDataIsNoBOLA(t *testing.T) {
	res := bolaScan(t, saasAPI(), saasSpec, saasIdentity("alice", saasUsers[0]), saasIdentity("bob", saasUsers[1]), 4)
	for _, path := range []string{"/api/plans/{id}", "/api/languages/{id}"} {
		for _, rule := range []string{"bola-cross-user-read", "bola-id-enumeration"} {
			if f, found := findingOf(res.Findings, rule, "GET", path); found {
				t.Errorf("%s on GET %s, reference data every signed-in user reads: %s", rule, path, f.Evidence.Summary)
			}
		}
	}
}

// eventsAPI is a correct meetup-style API: anyone lists the events
// (GET /api/events, public, each with its owner, the organiser), and
// every signed-in member reads an event's page with its venue's address
// (GET /api/events/{id}): that is what the page is for.
func eventsAPI() http.Handler {
	events := []map[string]any{
		{"id": 101, "title": "Go meetup", "date": "2026-12-10", "owner": saasUsers[0].email},
		{"id": 102, "title": "Rust night", "date": "2026-12-12", "owner": saasUsers[1].email},
	}
	venues := map[int]string{101: "Alexanderplatz 1, 10178 Berlin", 102: "Marienplatz 8, 80331 Munich"}
	tokens := map[string]bool{}
	for _, u := range saasUsers {
		tokens["tok-"+u.email+"-0123456789abcdef"] = true
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		var body struct{ Email, Password string }
		json.NewDecoder(r.Body).Decode(&body)
		for _, u := range saasUsers {
			if u.email == body.Email && u.passwd == body.Password {
				writeJSON(w, 200, map[string]any{"token": "tok-" + u.email + "-0123456789abcdef"})
				return
			}
		}
		writeJSON(w, 401, map[string]string{"error": "bad credentials"})
	})
	mux.HandleFunc("GET /api/events", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"events": events})
	})
	mux.HandleFunc("GET /api/events/{id}", func(w http.ResponseWriter, r *http.Request) {
		if !tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")] {
			unauthorized(w)
			return
		}
		for _, e := range events {
			if jsonNumber(e["id"].(int)) == r.PathValue("id") {
				page := map[string]any{"address": venues[e["id"].(int)], "capacity": 80}
				for k, v := range e {
					page[k] = v
				}
				writeJSON(w, 200, page)
				return
			}
		}
		notFound(w)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { notFound(w) })
	return mux
}

var eventsSpec = bolaSpec(`  /login:
    post:
      security: []
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {email: {type: string}, password: {type: string}}}
      responses: {"200": {description: the session}}
  /api/events:
    get:
      security: []
      responses: {"200": {description: every event, with its organiser}}
  /api/events/{id}:
    get:
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer}}
      responses: {"200": {description: an event's page, for members}}
`)

// TestReview12APublicCatalogueOwnerFieldIsNoBOLA pins a false positive of
// ownership from list owner fields (scanner/harvest_sources.go
// listedFacts with Target.Reveals and its privateName): an event listed
// publicly with its organiser ("owner") becomes the organiser's private
// object, and because the members' page adds the venue's "address" —
// private by name only — bob reading the Go meetup's page is reported as
// reading alice's object. A public catalogue whose items every signed-in
// user reads by design is no BOLA (the brief's first precision case;
// PRODUCT.md: a finding needs evidence that would convince the API's
// owner). Expected: no bola-cross-user-read on GET /api/events/{id}; for
// a publicly listed object, only a field no catalogue shows (secret,
// password, token, card …) should count, not a place's address.
func TestReview12APublicCatalogueOwnerFieldIsNoBOLA(t *testing.T) {
	res := bolaScan(t, eventsAPI(), eventsSpec, saasIdentity("alice", saasUsers[0]), saasIdentity("bob", saasUsers[1]), 4)
	for _, rule := range []string{"bola-cross-user-read", "bola-id-enumeration"} {
		if f, found := findingOf(res.Findings, rule, "GET", "/api/events/{id}"); found {
			t.Errorf("%s on a public catalogue's member page: %s", rule, f.Evidence.Summary)
		}
	}
}

// TestReview12AKeySearchStateChangingURL pins a safety gap of the key
// search (scanner/rules/jwt_keys_fetch.go openID/fetch): a jwks_uri the
// target's discovery document names on its own origin is fetched whatever
// its name says, unlike every other path the scan invents (discovery's
// name screen, the described GETs skipped as state-changing). A
// misconfigured or hostile document pointing at /admin/keys/rotate gets a
// GET there. Expected: a jwks_uri whose path names a state change is
// noted in coverage and not fetched.
func TestReview12AKeySearchStateChangingURL(t *testing.T) {
	doc, _ := json.Marshal(map[string]any{"jwks_uri": "/admin/keys/rotate"})
	api := keyFileAPI{served: map[string][]byte{
		"/.well-known/openid-configuration": doc,
		"/admin/keys/rotate":                []byte(`{"keys":[]}`),
	}}
	var mu sync.Mutex
	hits := map[string]int{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits[r.Method+" "+r.URL.Path]++
		mu.Unlock()
		api.handler().ServeHTTP(w, r)
	})
	keyScan(t, h, confusionSpec, nil)
	mu.Lock()
	defer mu.Unlock()
	if hits["GET /.well-known/openid-configuration"] == 0 {
		t.Fatal("the discovery document was not read; the test does not test")
	}
	if n := hits["GET /admin/keys/rotate"]; n != 0 {
		t.Errorf("the key search sent GET /admin/keys/rotate (%d times), a path whose name says it changes state", n)
	}
}
