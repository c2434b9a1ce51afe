package scanner_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner"
	"github.com/authgate/authgate/scanner/rules"
)

// signupAPI is a small API with sign-up, login and per-user objects, as a
// new service ships them: POST /api/register, POST /api/login (a token and
// the user's id in the answer), GET and DELETE /api/me, GET
// /api/users/{userId} and private notes. Two users and a note existed
// before any scan. The vulnerable twin serves any user's profile to any
// logged-in caller and lets anyone logged in edit any note; the fixed one
// answers 404 to both.
type signupAPI struct {
	fixed        bool
	refuseSignup bool // POST /api/register answers 403 (sign-up closed)
	noDeletion   bool // no DELETE /api/me: accounts cannot be removed
	// deleteByID: accounts are deleted with DELETE /api/users/{userId}
	// (owner only) instead of DELETE /api/me.
	deleteByID bool
	// tokenOnSignup: the sign-up answers a token and there is no login
	// operation.
	tokenOnSignup bool
	// passwordGrant: the login is OAuth2's password grant, a form posted
	// to POST /api/token, as FastAPI's tutorial writes it.
	passwordGrant bool
	// unconfirmed: new accounts log in, but every other route refuses
	// them until an e-mail link (never followed) confirms them.
	unconfirmed bool
	// noNewLogins: the login refuses every account but the seeded ones.
	noNewLogins bool

	mu        sync.Mutex
	users     map[string]*signupUser // by id
	tokens    map[string]string      // token -> user id
	notes     map[string]*signupNote // by id
	next      int
	passwords []string // every password a registration sent
	signups   int      // registration requests
}

type signupUser struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	Email    string `json:"email"`
	password string
}

type signupNote struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Body  string `json:"body"`
	owner string
}

func newSignupAPI() *signupAPI {
	a := &signupAPI{users: map[string]*signupUser{}, tokens: map[string]string{}, notes: map[string]*signupNote{}, next: 100}
	a.users["1"] = &signupUser{ID: "1", Username: "alice", Email: "alice@example.com", password: "alice-Pw-2024!"}
	a.users["2"] = &signupUser{ID: "2", Username: "bob", Email: "bob@example.com", password: "bob-Pw-2024!x"}
	a.notes["7"] = &signupNote{ID: "7", Title: "alice's plans", Body: "private", owner: "1"}
	return a
}

// signupSpec describes the API; deletion says whether DELETE /api/me is
// in it.
func signupSpec(deletion bool) string {
	me := `  /api/me:
    get:
      operationId: me
      responses: {"200": {description: the caller}}
`
	if deletion {
		me += `    delete:
      operationId: deleteMe
      responses: {"204": {description: deleted}}
`
	}
	return `openapi: 3.0.3
info: {title: signup, version: "1"}
components:
  securitySchemes:
    bearerAuth: {type: http, scheme: bearer}
security:
  - bearerAuth: []
paths:
  /api/register:
    post:
      operationId: register
      security: []
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [username, email, password]
              properties:
                username: {type: string}
                email: {type: string, format: email}
                password: {type: string, minLength: 12}
      responses: {"201": {description: created}}
  /api/login:
    post:
      operationId: login
      security: []
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [username, password]
              properties:
                username: {type: string}
                password: {type: string}
      responses: {"200": {description: a token}}
` + me + `  /api/users/{userId}:
    get:
      operationId: getUser
      parameters:
        - {name: userId, in: path, required: true, schema: {type: string}}
      responses: {"200": {description: a profile}}
  /api/notes:
    get:
      operationId: listNotes
      responses: {"200": {description: the caller's notes}}
    post:
      operationId: createNote
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [title]
              properties:
                title: {type: string}
                body: {type: string}
      responses: {"201": {description: created}}
  /api/notes/{noteId}:
    parameters:
      - {name: noteId, in: path, required: true, schema: {type: string}}
    get:
      operationId: getNote
      responses: {"200": {description: a note}}
    put:
      operationId: updateNote
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              properties:
                title: {type: string}
                body: {type: string}
      responses: {"200": {description: updated}}
    delete:
      operationId: deleteNote
      responses: {"204": {description: deleted}}
`
}

func (a *signupAPI) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /openapi.yaml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/yaml")
		fmt.Fprint(w, a.spec())
	})
	mux.HandleFunc("POST /api/register", a.register)
	mux.HandleFunc("POST /api/login", a.login)
	mux.HandleFunc("POST /api/token", a.token)
	mux.HandleFunc("GET /api/me", a.authed(func(w http.ResponseWriter, r *http.Request, u *signupUser) { writeJSON(w, 200, u) }))
	if !a.noDeletion && !a.deleteByID {
		mux.HandleFunc("DELETE /api/me", a.authed(func(w http.ResponseWriter, r *http.Request, u *signupUser) {
			a.forget(u)
			w.WriteHeader(http.StatusNoContent)
		}))
	}
	if a.deleteByID {
		mux.HandleFunc("DELETE /api/users/{userId}", a.authed(func(w http.ResponseWriter, r *http.Request, u *signupUser) {
			if r.PathValue("userId") != u.ID {
				writeJSON(w, 404, map[string]string{"error": "not found"})
				return
			}
			a.forget(u)
			w.WriteHeader(http.StatusNoContent)
		}))
	}
	mux.HandleFunc("GET /api/users/{userId}", a.authed(func(w http.ResponseWriter, r *http.Request, u *signupUser) {
		other, ok := a.users[r.PathValue("userId")]
		if !ok || (a.fixed && other != u) {
			writeJSON(w, 404, map[string]string{"error": "not found"})
			return
		}
		writeJSON(w, 200, other)
	}))
	mux.HandleFunc("GET /api/notes", a.authed(func(w http.ResponseWriter, r *http.Request, u *signupUser) {
		out := []*signupNote{}
		for _, n := range a.notes {
			if n.owner == u.ID {
				out = append(out, n)
			}
		}
		slices.SortFunc(out, func(x, y *signupNote) int { return strings.Compare(x.ID, y.ID) })
		writeJSON(w, 200, out)
	}))
	mux.HandleFunc("POST /api/notes", a.authed(a.createNote))
	mux.HandleFunc("GET /api/notes/{noteId}", a.authed(func(w http.ResponseWriter, r *http.Request, u *signupUser) {
		if n := a.note(w, r, u, true); n != nil {
			writeJSON(w, 200, n)
		}
	}))
	mux.HandleFunc("PUT /api/notes/{noteId}", a.authed(func(w http.ResponseWriter, r *http.Request, u *signupUser) {
		// The flaw: authenticated, but not checked against the owner.
		n := a.note(w, r, u, a.fixed)
		if n == nil {
			return
		}
		var in struct{ Title, Body *string }
		if json.NewDecoder(r.Body).Decode(&in) != nil {
			writeJSON(w, 400, map[string]string{"error": "bad json"})
			return
		}
		if in.Title != nil {
			n.Title = *in.Title
		}
		if in.Body != nil {
			n.Body = *in.Body
		}
		writeJSON(w, 200, n)
	}))
	mux.HandleFunc("DELETE /api/notes/{noteId}", a.authed(func(w http.ResponseWriter, r *http.Request, u *signupUser) {
		if n := a.note(w, r, u, true); n != nil {
			delete(a.notes, n.ID)
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	return mux
}

// forget deletes u and its sessions.
func (a *signupAPI) forget(u *signupUser) {
	delete(a.users, u.ID)
	for tok, id := range a.tokens {
		if id == u.ID {
			delete(a.tokens, tok)
		}
	}
}

// spec is the description of this API's variant.
func (a *signupAPI) spec() string {
	spec := signupSpec(!a.noDeletion && !a.deleteByID)
	if a.deleteByID {
		spec = strings.Replace(spec, "      responses: {\"200\": {description: a profile}}\n",
			"      responses: {\"200\": {description: a profile}}\n    delete:\n      operationId: deleteUser\n      parameters:\n        - {name: userId, in: path, required: true, schema: {type: string}}\n      responses: {\"204\": {description: deleted}}\n", 1)
	}
	if a.passwordGrant {
		start := strings.Index(spec, "  /api/login:")
		end := strings.Index(spec, "  /api/me:")
		spec = spec[:start] + `  /api/token:
    post:
      operationId: token
      security: []
      requestBody:
        required: true
        content:
          application/x-www-form-urlencoded:
            schema:
              type: object
              required: [username, password]
              properties:
                username: {type: string}
                password: {type: string}
                grant_type: {type: string}
      responses: {"200": {description: a token}}
` + spec[end:]
	}
	if a.tokenOnSignup {
		start := strings.Index(spec, "  /api/login:")
		end := strings.Index(spec, "  /api/me:")
		spec = spec[:start] + spec[end:]
	}
	return spec
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// authed runs h with the caller, under the API's lock; 401 without one.
func (a *signupAPI) authed(h func(http.ResponseWriter, *http.Request, *signupUser)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		defer a.mu.Unlock()
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		u := a.users[a.tokens[tok]]
		if !ok || u == nil || (a.unconfirmed && u.ID != "1" && u.ID != "2") {
			writeJSON(w, 401, map[string]string{"error": "unauthorized"})
			return
		}
		h(w, r, u)
	}
}

// note is the note the path names, or nil after a 404; ownerOnly hides
// other users' notes.
func (a *signupAPI) note(w http.ResponseWriter, r *http.Request, u *signupUser, ownerOnly bool) *signupNote {
	n, ok := a.notes[r.PathValue("noteId")]
	if !ok || (ownerOnly && n.owner != u.ID) {
		writeJSON(w, 404, map[string]string{"error": "not found"})
		return nil
	}
	return n
}

func (a *signupAPI) createNote(w http.ResponseWriter, r *http.Request, u *signupUser) {
	var in struct{ Title, Body string }
	if json.NewDecoder(r.Body).Decode(&in) != nil || in.Title == "" {
		writeJSON(w, 400, map[string]string{"error": "title is required"})
		return
	}
	a.next++
	n := &signupNote{ID: strconv.Itoa(a.next), Title: in.Title, Body: in.Body, owner: u.ID}
	a.notes[n.ID] = n
	writeJSON(w, 201, n)
}

func (a *signupAPI) register(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.signups++
	if a.refuseSignup {
		writeJSON(w, 403, map[string]string{"error": "sign-up is closed"})
		return
	}
	var in struct{ Username, Email, Password string }
	if json.NewDecoder(r.Body).Decode(&in) != nil || in.Username == "" || in.Email == "" || len(in.Password) < 12 {
		writeJSON(w, 400, map[string]string{"error": "username, email and a password of 12 characters are required"})
		return
	}
	a.passwords = append(a.passwords, in.Password)
	for _, u := range a.users {
		if u.Username == in.Username {
			writeJSON(w, 409, map[string]string{"error": "taken"})
			return
		}
	}
	a.next++
	u := &signupUser{ID: strconv.Itoa(a.next), Username: in.Username, Email: in.Email, password: in.Password}
	a.users[u.ID] = u
	if a.tokenOnSignup {
		writeJSON(w, 201, map[string]any{"user": u, "access_token": a.session(u)})
		return
	}
	writeJSON(w, 201, u)
}

// session starts a session for u and returns its token.
func (a *signupAPI) session(u *signupUser) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	tok := hex.EncodeToString(b)
	a.tokens[tok] = u.ID
	return tok
}

// token is the password grant: a form with grant_type=password.
func (a *signupAPI) token(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.passwordGrant || r.ParseForm() != nil || r.PostForm.Get("grant_type") != "password" {
		writeJSON(w, 400, map[string]string{"error": "unsupported_grant_type"})
		return
	}
	for _, u := range a.users {
		if u.Username == r.PostForm.Get("username") && u.password == r.PostForm.Get("password") {
			writeJSON(w, 200, map[string]any{"access_token": a.session(u), "token_type": "bearer", "user_id": u.ID})
			return
		}
	}
	writeJSON(w, 401, map[string]string{"error": "invalid_grant"})
}

func (a *signupAPI) login(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	var in struct{ Username, Password string }
	_ = json.NewDecoder(r.Body).Decode(&in)
	for _, u := range a.users {
		if a.noNewLogins && u.ID != "1" && u.ID != "2" {
			continue
		}
		if (u.Username == in.Username || u.Email == in.Username) && u.password == in.Password && in.Password != "" {
			writeJSON(w, 200, map[string]any{"token": a.session(u), "user": map[string]string{"id": u.ID, "username": u.Username}})
			return
		}
	}
	writeJSON(w, 401, map[string]string{"error": "invalid credentials"})
}

// scanSignup scans api with auto-accounts and no credentials at all.
func scanSignup(t *testing.T, api *signupAPI, mode finding.Mode) *scanner.Result {
	t.Helper()
	return scanSignupAs(t, api, mode, nil)
}

// scanSignupAs is scanSignup with primary, when not nil, as the primary.
func scanSignupAs(t *testing.T, api *signupAPI, mode finding.Mode, primary *scanner.Identity) *scanner.Result {
	t.Helper()
	var ids []*scanner.Identity
	if primary != nil {
		ids = []*scanner.Identity{primary}
	}
	return scanSignupWith(t, api, func(o *scanner.Options) {
		o.Mode, o.Primary, o.Identities = mode, primary, ids
	})
}

// scanSignupWith scans api with auto-accounts in active mode and the
// options as change leaves them.
func scanSignupWith(t *testing.T, api *signupAPI, change func(*scanner.Options)) *scanner.Result {
	t.Helper()
	return scanSignupCtx(context.Background(), t, api, change)
}

// scanSignupCtx is scanSignupWith under ctx.
func scanSignupCtx(ctx context.Context, t *testing.T, api *signupAPI, change func(*scanner.Options)) *scanner.Result {
	t.Helper()
	srv := httptest.NewServer(api.handler())
	t.Cleanup(srv.Close)
	opts := scanner.Options{
		Target:       srv.URL,
		OpenAPI:      srv.URL + "/openapi.yaml",
		AutoAccounts: true,
		Mode:         finding.ModeActive,
		Client:       scanner.ClientOptions{Concurrency: 4, Timeout: 10 * time.Second},
		Wait:         time.Second,
		Rules:        rules.All(),
		APIRules:     rules.APIRules(),
	}
	change(&opts)
	res, err := scanner.Scan(ctx, opts)
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	return res
}

func findingOf(res *scanner.Result, rule, method, path string) bool {
	return slices.ContainsFunc(res.Findings, func(f finding.Finding) bool {
		return f.Rule == rule && f.Method == method && f.Path == path
	})
}

// accountsIn returns the scan's own accounts (the victim and the
// attacker) listed in the coverage; the accounts rules register
// (weak-password-policy, mass-assignment) are listed with them, and
// counted in Left, but are not what these tests are about.
func accountsIn(res *scanner.Result) []finding.CreatedObject {
	if res.Coverage.Writes == nil {
		return nil
	}
	var out []finding.CreatedObject
	for _, c := range res.Coverage.Writes.Created {
		if c.Kind == "account" && (c.Owner == scanner.AutoVictim || c.Owner == scanner.AutoAttacker) {
			out = append(out, c)
		}
	}
	return out
}

// TestAutoAccounts: with no credentials at all, active mode registers a
// victim and an attacker, finds the cross-user read and write of the
// vulnerable twin and neither in the fixed one, deletes the notes it
// created and then both accounts, lists them in the coverage, and never
// shows their passwords. What existed before the scan is untouched.
func TestAutoAccounts(t *testing.T) {
	for _, fixed := range []bool{false, true} {
		name := map[bool]string{false: "vulnerable", true: "fixed"}[fixed]
		t.Run(name, func(t *testing.T) {
			api := newSignupAPI()
			api.fixed = fixed
			res := scanSignup(t, api, finding.ModeActive)

			cases := []struct {
				rule, method, path string
			}{
				{"bola-cross-user-read", "GET", "/api/users/{userId}"},
				{"bola-cross-user-write", "PUT", "/api/notes/{noteId}"},
			}
			for _, c := range cases {
				if got := findingOf(res, c.rule, c.method, c.path); got == fixed {
					t.Errorf("%s on %s %s found = %v; want %v (findings: %v)", c.rule, c.method, c.path, got, !fixed, ruleIDs(res))
				}
			}

			ids := map[string]finding.IdentityCoverage{}
			for _, c := range res.Coverage.Identities {
				ids[c.Name] = c
			}
			if c := ids[scanner.AutoVictim]; c.Role != "primary" || !c.Verified || !strings.Contains(c.How, "an account the scan registered with POST /api/register (authgate-") || !strings.HasSuffix(c.How, "; deleted at the end") {
				t.Errorf("victim coverage = %+v; want a verified primary, registered by the scan and deleted", c)
			}
			if c := ids[scanner.AutoAttacker]; c.Role != "peer" || !c.Verified {
				t.Errorf("attacker coverage = %+v; want a verified peer", c)
			}

			if w := res.Coverage.Writes; w == nil || w.Left != 0 {
				t.Errorf("writes coverage %+v; want everything the scan created removed", w)
			}
			accts := accountsIn(res)
			if len(accts) != 2 {
				t.Fatalf("accounts in coverage = %+v; want the victim and the attacker", accts)
			}
			for _, c := range accts {
				if c.Operation != "POST /api/register" || !c.Deleted || !isAccountName(c.Item) || !strings.Contains(c.Reason, "DELETE /api/me answered 204 to the account; logging in again answered 401") {
					t.Errorf("account %+v; want registered with POST /api/register, deleted on /api/me and confirmed by a refused login", c)
				}
			}

			api.mu.Lock()
			defer api.mu.Unlock()
			if len(api.users) != 2 || api.users["1"].Username != "alice" || api.users["2"].Username != "bob" {
				t.Errorf("users after the scan: %v; want alice and bob only (the scan's accounts deleted)", api.users)
			}
			if n := api.notes["7"]; n == nil || n.Title != "alice's plans" || n.Body != "private" || n.owner != "1" {
				t.Errorf("alice's note after the scan = %+v; want it untouched", n)
			}
			report, _ := json.Marshal(res)
			for _, pw := range api.passwords {
				if strings.Contains(string(report), pw) {
					t.Errorf("a registration password appears in the result")
				}
			}
			if len(api.passwords) < 2 {
				t.Errorf("registrations seen: %d; want at least the two accounts", len(api.passwords))
			}
		})
	}
}

func ruleIDs(res *scanner.Result) []string {
	var out []string
	for _, f := range res.Findings {
		out = append(out, f.Rule+" "+f.Method+" "+f.Path)
	}
	return out
}

// TestAutoAccountsRefused: a sign-up that answers 403 leaves the scan
// without accounts of its own; it goes on, warns, and the cross-user
// rule's coverage says why it did not run.
func TestAutoAccountsRefused(t *testing.T) {
	api := newSignupAPI()
	api.refuseSignup = true
	res := scanSignup(t, api, finding.ModeActive)
	if !slices.ContainsFunc(res.Warnings, func(w string) bool {
		return strings.Contains(w, "auto-accounts") && strings.Contains(w, "POST /api/register answered 403")
	}) {
		t.Errorf("warnings %q; want one saying the sign-up answered 403", res.Warnings)
	}
	for _, rule := range []string{"bola-cross-user-read", "bola-cross-user-write"} {
		i := slices.IndexFunc(res.Coverage.Rules, func(c finding.RuleCoverage) bool { return c.Rule == rule })
		if i < 0 {
			t.Fatalf("%s is not in the coverage", rule)
		}
		if c := res.Coverage.Rules[i]; c.Status != finding.RuleNotRun || !strings.Contains(c.Reason, "auto-accounts could not register one: the signup POST /api/register answered 403") {
			t.Errorf("coverage %+v; want not-run with the sign-up's refusal", c)
		}
	}
	if accts := accountsIn(res); len(accts) != 0 {
		t.Errorf("accounts listed: %+v; want none", accts)
	}
}

// TestAutoAccountsExcludedDeletion: --exclude "DELETE /api/me" keeps the
// accounts, and the coverage says it is the exclusion.
func TestAutoAccountsExcludedDeletion(t *testing.T) {
	api := newSignupAPI()
	res := scanSignupWith(t, api, func(o *scanner.Options) { o.Exclude = []string{"DELETE /api/me"} })
	accts := accountsIn(res)
	if len(accts) != 2 {
		t.Fatalf("accounts in coverage = %+v; want two", accts)
	}
	for _, c := range accts {
		if c.Deleted || c.Reason != "DELETE /api/me was not sent: "+scanner.ExcludedReason {
			t.Errorf("account %+v; want kept because DELETE /api/me is excluded", c)
		}
	}
	api.mu.Lock()
	defer api.mu.Unlock()
	for _, c := range accts {
		if !slices.ContainsFunc(slices.Collect(maps.Values(api.users)), func(u *signupUser) bool { return u.Email == c.Item }) {
			t.Errorf("account %s is gone; the excluded DELETE was sent", c.Item)
		}
	}
}

// TestAutoAccountsNotDeletable: an API without account deletion keeps the
// accounts; the coverage and a warning say so.
func TestAutoAccountsNotDeletable(t *testing.T) {
	api := newSignupAPI()
	api.noDeletion = true
	res := scanSignup(t, api, finding.ModeActive)
	accts := accountsIn(res)
	if len(accts) != 2 {
		t.Fatalf("accounts in coverage = %+v; want two", accts)
	}
	for _, c := range accts {
		if c.Deleted || c.Reason != "the API has no account deletion" {
			t.Errorf("account %+v; want not deleted: the API has no account deletion", c)
		}
	}
	if res.Coverage.Writes.Left < 2 {
		t.Errorf("left = %d; want the two accounts counted", res.Coverage.Writes.Left)
	}
	if !slices.ContainsFunc(res.Warnings, func(w string) bool {
		return strings.Contains(w, fmt.Sprintf("left %d account(s)", res.Coverage.Writes.Left)) && strings.Contains(w, accts[0].Item) && strings.Contains(w, accts[1].Item)
	}) {
		t.Errorf("warnings %q; want one naming the accounts left behind", res.Warnings)
	}
	api.mu.Lock()
	defer api.mu.Unlock()
	for _, u := range api.users {
		reserved := strings.HasSuffix(u.Email, "@example.com") || strings.HasSuffix(u.Email, "@example.invalid") // RFC 2606
		if u.ID != "1" && u.ID != "2" && (!strings.HasPrefix(u.Username, "authgate-") || !reserved) {
			t.Errorf("registered account %+v; want an authgate- name at a reserved domain", u)
		}
	}
}

// TestAutoAccountsSafeMode: safe mode never registers, whatever the
// options say (the CLI refuses the combination before).
func TestAutoAccountsSafeMode(t *testing.T) {
	api := newSignupAPI()
	res := scanSignup(t, api, finding.ModeSafe)
	api.mu.Lock()
	defer api.mu.Unlock()
	if api.signups != 0 {
		t.Errorf("safe mode sent %d registrations; want none", api.signups)
	}
	if accts := accountsIn(res); len(accts) != 0 {
		t.Errorf("accounts listed in safe mode: %+v", accts)
	}
}

// TestAutoAccountsRejected: an account that logs in but that the API then
// refuses (it must confirm its e-mail first) does not end the scan: it
// goes on without accounts of its own, warns, the cross-user rule's
// coverage says why, and the account is listed as left behind.
func TestAutoAccountsRejected(t *testing.T) {
	api := newSignupAPI()
	api.unconfirmed = true
	res := scanSignup(t, api, finding.ModeActive)
	const why = "the account registered with POST /api/register logged in, but GET /api/me answered 401"
	if !slices.ContainsFunc(res.Warnings, func(w string) bool { return strings.Contains(w, "auto-accounts") && strings.Contains(w, why) }) {
		t.Errorf("warnings %q; want one saying the API refused the new account", res.Warnings)
	}
	i := slices.IndexFunc(res.Coverage.Rules, func(c finding.RuleCoverage) bool { return c.Rule == "bola-cross-user-read" })
	if i < 0 {
		t.Fatal("bola-cross-user-read is not in the coverage")
	}
	if c := res.Coverage.Rules[i]; c.Status != finding.RuleNotRun || !strings.Contains(c.Reason, "auto-accounts could not register one: "+why) {
		t.Errorf("coverage %+v; want not-run with the refusal", c)
	}
	for _, c := range res.Coverage.Identities {
		if c.Role == "primary" || c.Role == "peer" {
			t.Errorf("identity %+v still serves as %s", c, c.Role)
		}
	}
	accts := accountsIn(res)
	if len(accts) != 1 || accts[0].Owner != scanner.AutoVictim || accts[0].Deleted || !strings.Contains(accts[0].Reason, "DELETE /api/me answered 401") {
		t.Errorf("accounts in coverage = %+v; want the one registered, not deleted: the API refuses its delete", accts)
	}
}

// TestAutoAccountsVariants: the other shapes a sign-up takes. A configured
// primary gets an attacker of its own, registered and logged in like the
// configured login; an API that deletes users by id lets the account
// delete its own record once a read proves it is its own; a sign-up that
// answers the token serves without a login operation. Only the scan's
// accounts are ever deleted.
func TestAutoAccountsVariants(t *testing.T) {
	alice := func() *scanner.Identity {
		return &scanner.Identity{Name: "alice", Login: &scanner.Login{Method: "POST", Path: "/api/login", Format: "json",
			Body: map[string]any{"username": "alice", "password": "alice-Pw-2024!"}, TokenFrom: "json", TokenName: "token", Send: "Authorization: Bearer {token}"}}
	}
	tests := []struct {
		name     string
		setup    func(a *signupAPI)
		primary  func() *scanner.Identity
		wantAcct []string // owners of the accounts, in order
		wantItem string   // "name": the account's name; "id": its own /api/users/<id>
		wantWhy  string   // part of each account's reason
	}{
		{name: "configured primary, attacker of its own", primary: alice, wantAcct: []string{scanner.AutoAttacker}, wantItem: "name", wantWhy: "logging in again answered 401"},
		{name: "deleted by id", setup: func(a *signupAPI) { a.deleteByID = true }, wantAcct: []string{scanner.AutoVictim, scanner.AutoAttacker}, wantItem: "id", wantWhy: "DELETE /api/users/{userId} answered 204"},
		{name: "OAuth2 password grant", setup: func(a *signupAPI) { a.passwordGrant = true }, wantAcct: []string{scanner.AutoVictim, scanner.AutoAttacker}, wantItem: "name", wantWhy: "logging in again answered 401"},
		{name: "token from the sign-up", setup: func(a *signupAPI) { a.tokenOnSignup = true }, wantAcct: []string{scanner.AutoVictim, scanner.AutoAttacker}, wantItem: "name", wantWhy: "no login to confirm it with"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			api := newSignupAPI()
			if tc.setup != nil {
				tc.setup(api)
			}
			var primary *scanner.Identity
			if tc.primary != nil {
				primary = tc.primary()
			}
			res := scanSignupAs(t, api, finding.ModeActive, primary)
			if !findingOf(res, "bola-cross-user-read", "GET", "/api/users/{userId}") {
				t.Errorf("bola-cross-user-read not found; findings %v, warnings %q", ruleIDs(res), res.Warnings)
			}
			accts := accountsIn(res)
			var owners []string
			for _, c := range accts {
				owners = append(owners, c.Owner)
				item := isAccountName(c.Item)
				if tc.wantItem == "id" {
					item = strings.HasPrefix(c.Item, "/api/users/1") && !strings.Contains(c.Item, "{")
				}
				if !c.Deleted || !item || !strings.Contains(c.Reason, tc.wantWhy) {
					t.Errorf("account %+v; want deleted on %s (%s)", c, tc.wantItem, tc.wantWhy)
				}
			}
			if !slices.Equal(owners, tc.wantAcct) {
				t.Errorf("accounts of %v; want %v", owners, tc.wantAcct)
			}
			api.mu.Lock()
			defer api.mu.Unlock()
			if len(api.users) != 2 || api.users["1"] == nil || api.users["2"] == nil {
				t.Errorf("users after the scan: %v; want alice and bob only", api.users)
			}
		})
	}
}

// TestAutoAccountsPastBudget: a scan whose request budget runs out still
// deletes its accounts, and an interrupted one too: leaving them on the
// target would be worse than a few requests more.
func TestAutoAccountsPastBudget(t *testing.T) {
	tests := []struct {
		name      string
		interrupt bool
		budget    int
	}{
		{name: "budget spent", budget: 30},
		{name: "interrupted", interrupt: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			api := newSignupAPI()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			res := scanSignupCtx(ctx, t, api, func(o *scanner.Options) {
				o.Client.Budget = tc.budget
				if tc.interrupt {
					o.Progress = func(p scanner.Progress) {
						if p.Phase == "scanning" {
							cancel()
						}
					}
				}
			})
			if res.Incomplete == "" {
				t.Errorf("the scan is complete; want it cut short")
			}
			accts := accountsIn(res)
			if len(accts) != 2 {
				t.Fatalf("accounts %+v; want two", accts)
			}
			for _, c := range accts {
				if !c.Deleted {
					t.Errorf("account %+v not deleted", c)
				}
			}
			api.mu.Lock()
			defer api.mu.Unlock()
			if len(api.users) != 2 {
				t.Errorf("users after the scan: %d; want alice and bob only", len(api.users))
			}
		})
	}
}

// isAccountName reports whether s names an account the scan registered:
// authgate-<16 hex digits>, as a name or an address at example.com.
func isAccountName(s string) bool {
	name := strings.TrimSuffix(s, "@example.com")
	hexPart, ok := strings.CutPrefix(name, "authgate-")
	_, err := hex.DecodeString(hexPart)
	return ok && len(hexPart) == 16 && err == nil
}

// TestAutoAccountsLoginRefused: an account the login refuses right after
// its sign-up leaves the scan without accounts of its own; the account is
// still listed, as possibly left behind.
func TestAutoAccountsLoginRefused(t *testing.T) {
	api := newSignupAPI()
	api.noNewLogins = true
	res := scanSignup(t, api, finding.ModeActive)
	const why = "the account registered with POST /api/register could not log in: the login POST /api/login answered 401"
	if !slices.ContainsFunc(res.Warnings, func(w string) bool { return strings.Contains(w, why) }) {
		t.Errorf("warnings %q; want one saying %q", res.Warnings, why)
	}
	accts := accountsIn(res)
	if len(accts) != 1 || accts[0].Deleted || !strings.Contains(accts[0].Reason, "could not log in") || !isAccountName(accts[0].Item) {
		t.Errorf("accounts %+v; want the one registered, named, not deleted", accts)
	}
}
