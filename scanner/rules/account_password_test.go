package rules_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner"
	"github.com/authgate/authgate/scanner/rules"
)

// pwMode is how the password route of pwAPI picks the account it changes.
type pwMode int

const (
	pwByPath   pwMode = iota // the account the path names: vulnerable (VAmPI)
	pwOfCaller               // the caller's, whatever the path says: fixed
	pwIgnored                // answers 204 and changes nothing: fixed
	pwRefused                // 403 unless the path names the caller: fixed
)

// pwUser is one account of pwAPI.
type pwUser struct {
	name, password string
	initial        string // the password it signed up with
	changes        int    // password changes
}

// pwAPI has users who sign up, log in, read themselves, change a password
// on /api/users/{username}/password and delete themselves. alice and bob
// existed before the scan.
type pwAPI struct {
	mode pwMode

	mu     sync.Mutex
	users  map[string]*pwUser
	tokens map[string]string // token -> name
	n      int
	// set holds every password a change set, closed the passwords
	// accounts had when they were deleted compared with their initial.
	set    []string
	closed map[string]bool
	// closedWith are the passwords the deleted accounts signed up with.
	closedWith []string
	// sent lists the password changes, "PUT path as caller".
	sent []string
}

func newPWAPI(mode pwMode) *pwAPI {
	a := &pwAPI{mode: mode, users: map[string]*pwUser{}, tokens: map[string]string{}, closed: map[string]bool{}}
	for _, u := range []string{"alice", "bob"} {
		a.users[u] = &pwUser{name: u, password: u + "-Passw0rd!", initial: u + "-Passw0rd!"}
		a.tokens[u+"-token-0123456789abcdef"] = u
	}
	return a
}

func (a *pwAPI) handler() http.Handler {
	mux := http.NewServeMux()
	body := func(r *http.Request) map[string]string {
		var v map[string]string
		_ = json.NewDecoder(r.Body).Decode(&v)
		return v
	}
	caller := func(r *http.Request) (string, bool) {
		name, ok := a.tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
		return name, ok
	}
	handle := func(pattern string, h func(w http.ResponseWriter, r *http.Request)) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			a.mu.Lock()
			defer a.mu.Unlock()
			h(w, r)
		})
	}
	handle("GET /openapi.yaml", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, pwSpec) })
	handle("POST /api/register", func(w http.ResponseWriter, r *http.Request) {
		v := body(r)
		if v["username"] == "" || v["password"] == "" || a.users[v["username"]] != nil {
			writeJSON(w, 400, map[string]string{"error": "invalid"})
			return
		}
		a.users[v["username"]] = &pwUser{name: v["username"], password: v["password"], initial: v["password"]}
		writeJSON(w, 201, map[string]string{"username": v["username"]})
	})
	handle("POST /api/login", func(w http.ResponseWriter, r *http.Request) {
		v := body(r)
		u := a.users[v["username"]]
		if u == nil || u.password != v["password"] {
			writeJSON(w, 401, map[string]string{"error": "bad credentials"})
			return
		}
		a.n++
		tok := fmt.Sprintf("pw-token-%s-%08d", u.name, a.n)
		a.tokens[tok] = u.name
		writeJSON(w, 200, map[string]string{"token": tok})
	})
	handle("GET /api/me", func(w http.ResponseWriter, r *http.Request) {
		me, ok := caller(r)
		if !ok {
			writeJSON(w, 401, map[string]string{"error": "unauthorized"})
			return
		}
		writeJSON(w, 200, map[string]string{"username": me})
	})
	handle("PUT /api/users/{username}/password", func(w http.ResponseWriter, r *http.Request) {
		me, ok := caller(r)
		if !ok {
			writeJSON(w, 401, map[string]string{"error": "unauthorized"})
			return
		}
		a.sent = append(a.sent, "PUT "+r.URL.Path+" as "+me)
		target := r.PathValue("username")
		switch a.mode {
		case pwOfCaller:
			target = me
		case pwIgnored:
			w.WriteHeader(204)
			return
		case pwRefused:
			if target != me {
				writeJSON(w, 403, map[string]string{"error": "forbidden"})
				return
			}
		}
		u, pw := a.users[target], body(r)["password"]
		if u == nil || pw == "" {
			writeJSON(w, 400, map[string]string{"error": "malformed"})
			return
		}
		u.password = pw
		u.changes++
		a.set = append(a.set, pw)
		w.WriteHeader(204)
	})
	handle("DELETE /api/users/{username}", func(w http.ResponseWriter, r *http.Request) {
		me, ok := caller(r)
		if !ok || me != r.PathValue("username") {
			writeJSON(w, 403, map[string]string{"error": "forbidden"})
			return
		}
		a.closed[me] = a.users[me].password == a.users[me].initial
		a.closedWith = append(a.closedWith, a.users[me].initial)
		delete(a.users, me)
		writeJSON(w, 200, map[string]string{"status": "deleted"})
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 404, map[string]string{"error": "not found"})
	})
	return mux
}

const pwSpec = `openapi: 3.0.3
info: {title: accounts, version: "1"}
components:
  securitySchemes:
    bearerAuth: {type: http, scheme: bearer}
security: [{bearerAuth: []}]
paths:
  /api/register:
    post:
      security: []
      requestBody:
        required: true
        content: {application/json: {schema: {type: object, required: [username, password], properties: {username: {type: string}, password: {type: string}}}}}
      responses: {201: {description: registered}}
  /api/login:
    post:
      security: []
      requestBody:
        required: true
        content: {application/json: {schema: {type: object, required: [username, password], properties: {username: {type: string}, password: {type: string}}}}}
      responses: {200: {description: logged in}}
  /api/me:
    get:
      responses: {200: {description: me}}
  /api/users/{username}:
    delete:
      parameters: [{name: username, in: path, required: true, schema: {type: string, example: alice}}]
      responses: {200: {description: deleted}}
  /api/users/{username}/password:
    put:
      parameters: [{name: username, in: path, required: true, schema: {type: string, example: alice}}]
      requestBody:
        required: true
        content: {application/json: {schema: {type: object, required: [password], properties: {password: {type: string}}}}}
      responses: {204: {description: changed}}
`

// pwScan scans api in active mode: with accounts of its own, or as alice
// and bob (static tokens, no throw-away) when configured is set.
func pwScan(t *testing.T, api *pwAPI, configured bool) *scanner.Result {
	t.Helper()
	srv := httptest.NewServer(api.handler())
	t.Cleanup(srv.Close)
	opts := scanner.Options{
		Target:       srv.URL,
		OpenAPI:      srv.URL + "/openapi.yaml",
		AutoAccounts: !configured,
		Mode:         finding.ModeActive,
		Client:       scanner.ClientOptions{Concurrency: 4, Timeout: 5 * time.Second},
		Wait:         time.Second,
		Rules:        rules.All(),
		APIRules:     rules.APIRules(),
	}
	if configured {
		opts.Primary = scanner.NewIdentity("alice", []scanner.Header{{Name: "Authorization", Value: "Bearer alice-token-0123456789abcdef"}})
		opts.Peer = scanner.NewIdentity("bob", []scanner.Header{{Name: "Authorization", Value: "Bearer bob-token-0123456789abcdef"}})
	}
	res, err := scanner.Scan(context.Background(), opts)
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	return res
}

// pwCoverage is the coverage of bola-cross-user-write.
func pwCoverage(res *scanner.Result) finding.RuleCoverage {
	for _, c := range res.Coverage.Rules {
		if c.Rule == "bola-cross-user-write" {
			return c
		}
	}
	return finding.RuleCoverage{}
}

// TestCrossUserPassword: with two accounts of its own, the attacker sets
// the victim's password through PUT /api/users/{username}/password; only
// the API that changes the account the path names is reported, proven by
// the victim's logins. Whichever account changed gets its password back,
// every account is deleted at the end with the password it signed up
// with, no password the scan set appears in the report, and alice's and
// bob's accounts are never touched.
func TestCrossUserPassword(t *testing.T) {
	const route = "PUT /api/users/{username}/password"
	tests := []struct {
		name    string
		mode    pwMode
		want    bool
		changed bool // the API changed some password: the case is reached
	}{
		{name: "changes the account the path names", mode: pwByPath, want: true, changed: true},
		{name: "changes the caller's", mode: pwOfCaller, changed: true},
		{name: "answers 204 and changes nothing", mode: pwIgnored},
		{name: "refuses another account", mode: pwRefused},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			api := newPWAPI(tc.mode)
			res := pwScan(t, api, false)
			var got *finding.Finding
			for i, f := range res.Findings {
				if f.Rule == "bola-cross-user-write" && f.Method+" "+f.Path == route {
					got = &res.Findings[i]
				}
			}
			if (got != nil) != tc.want {
				t.Fatalf("finding on %s: %v, want %v (findings %v)", route, got != nil, tc.want, res.Findings)
			}
			if got != nil && (got.Confidence != finding.ConfidenceHigh || !strings.Contains(got.Evidence.Summary, "set back afterwards") || len(got.Evidence.Exchanges) != 3) {
				t.Errorf("finding %+v, want high confidence, three exchanges and the password set back", got.Evidence)
			}
			c := pwCoverage(res)
			if c.Status != finding.RuleRan || !slices.Contains(c.Operations, route) {
				t.Errorf("coverage %+v, want ran with %s", c, route)
			}
			report, _ := json.Marshal(res)
			api.mu.Lock()
			defer api.mu.Unlock()
			if (len(api.set) > 0) != tc.changed {
				t.Errorf("passwords set: %d, want some: %v", len(api.set), tc.changed)
			}
			for _, pw := range api.set {
				if strings.Contains(string(report), pw) {
					t.Errorf("a password the scan set appears in the report")
				}
			}
			if len(api.closed) < 2 {
				t.Errorf("%d accounts deleted, want the victim and the attacker at least", len(api.closed))
			}
			for name, back := range api.closed {
				if !back {
					t.Errorf("account %s was deleted with a password other than its own: not set back", name)
				}
			}
			if len(api.users) != 2 || api.users["alice"].changes != 0 || api.users["bob"].changes != 0 {
				t.Errorf("users after the scan %v, want alice and bob untouched", slices.Sorted(maps.Keys(api.users)))
			}
			for _, s := range api.sent {
				if strings.Contains(s, "/alice/") || strings.Contains(s, "/bob/") || strings.HasSuffix(s, " as alice") || strings.HasSuffix(s, " as bob") {
					t.Errorf("%s: a real account's password route", s)
				}
			}
		})
	}
}

// TestCrossUserPasswordNeedsOwnAccounts: as alice and bob, real accounts,
// the route is never sent (changing bob's or alice's password is not the
// scan's to do), and the coverage names it as not tested.
func TestCrossUserPasswordNeedsOwnAccounts(t *testing.T) {
	api := newPWAPI(pwByPath)
	res := pwScan(t, api, true)
	api.mu.Lock()
	sent := slices.Clone(api.sent)
	api.mu.Unlock()
	if len(sent) != 0 {
		t.Errorf("password changes sent as real accounts: %q", sent)
	}
	c := pwCoverage(res)
	if c.Status != finding.RuleNotRun || !strings.Contains(c.Reason, "PUT /api/users/{username}/password not tested: ") {
		t.Errorf("coverage %+v, want not run, naming the route", c)
	}
}

// TestWeakPasswordAccountDeleted: the account weak-password-policy
// registered with a trivial password and logged in to deletes itself at
// the end, like the scan's own accounts, and nothing is left.
func TestWeakPasswordAccountDeleted(t *testing.T) {
	api := newPWAPI(pwRefused)
	res := pwScan(t, api, false)
	if !slices.ContainsFunc(res.Findings, func(f finding.Finding) bool { return f.Rule == "weak-password-policy" }) {
		t.Fatalf("no weak-password-policy finding: the test does not reach the case")
	}
	if w := res.Coverage.Writes; w == nil || w.Left != 0 {
		t.Errorf("writes coverage %+v, want nothing left", w)
	}
	api.mu.Lock()
	defer api.mu.Unlock()
	if !slices.Contains(api.closedWith, "123456") {
		t.Errorf("accounts deleted had the passwords %q, want the one with 123456 among them", api.closedWith)
	}
	if len(api.users) != 2 {
		t.Errorf("users after the scan %v, want alice and bob", slices.Sorted(maps.Keys(api.users)))
	}
}
