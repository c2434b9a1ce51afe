package scanner_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
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

// The reset-route API (issue 10, problem 4): a notes API as found in the
// wild, with GET /createdb that drops and re-seeds the database, deleting
// every account that signed up since (the scan's throw-away account among
// them) and every login session; a GET that pops a job; a GET logout. A
// safe scan must never send them, with any identity, anonymous included,
// and two scans must agree. Its one flaw: any signed-in user reads any
// note (BOLA), so that there are findings to compare.

// Static tokens of the seeded users, and the throw-away's password.
const (
	resetAliceToken = "alice-token-5f1c2a9e"
	resetBobToken   = "bob-token-7d3e4b1f"
	resetMalloryPw  = "Throwaway-Passw0rd-2026"
)

type resetNote struct {
	ID    int    `json:"id"`
	Owner string `json:"owner"`
	Text  string `json:"text"`
}

type resetAPI struct {
	specPath string // where the description is served

	mu       sync.Mutex
	hits     map[string]int    // path -> requests, any method
	accounts map[string]string // email -> password, for logins
	sessions map[string]string // login token -> email
	notes    map[int]resetNote
	jobs     int
	resets   int
}

func newResetAPI(specPath string) *resetAPI {
	a := &resetAPI{specPath: specPath, hits: map[string]int{}}
	a.seed()
	a.accounts["mallory@example.com"] = resetMalloryPw // signed up later: a reset deletes it
	return a
}

// seed is what GET /createdb does: drop everything and seed it again.
func (a *resetAPI) seed() {
	a.accounts = map[string]string{}
	a.sessions = map[string]string{}
	a.notes = map[int]resetNote{
		1: {1, "alice@example.com", "alice's shopping list"},
		2: {2, "alice@example.com", "alice's diary entry"},
		3: {3, "bob@example.com", "bob's bank details: IBAN DE00 1234"},
		4: {4, "bob@example.com", "bob's travel plans"},
	}
	a.jobs = 3
}

// state returns how often the database was reset, the jobs left and
// whether the throw-away account exists.
func (a *resetAPI) state() (resets, jobs int, mallory bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.resets, a.jobs, a.accounts["mallory@example.com"] != ""
}

func (a *resetAPI) hitCount(path string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.hits[path]
}

// caller returns the signed-in user's email, "" for none.
func (a *resetAPI) caller(r *http.Request) string {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return ""
	}
	switch tok {
	case resetAliceToken:
		return "alice@example.com"
	case resetBobToken:
		return "bob@example.com"
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.sessions[tok]
}

func resetJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (a *resetAPI) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+a.specPath, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(resetSpec))
	})
	mux.HandleFunc("POST /api/login", func(w http.ResponseWriter, r *http.Request) {
		var body struct{ Email, Password string }
		if json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&body) != nil {
			resetJSON(w, http.StatusBadRequest, map[string]string{"error": "bad request"})
			return
		}
		a.mu.Lock()
		defer a.mu.Unlock()
		if pw, ok := a.accounts[body.Email]; !ok || pw != body.Password {
			resetJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid email or password"})
			return
		}
		b := make([]byte, 16)
		rand.Read(b)
		tok := hex.EncodeToString(b)
		a.sessions[tok] = body.Email
		resetJSON(w, http.StatusOK, map[string]string{"token": tok})
	})
	authed := func(h func(w http.ResponseWriter, r *http.Request, who string)) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			who := a.caller(r)
			if who == "" {
				resetJSON(w, http.StatusUnauthorized, map[string]string{"error": "authentication required"})
				return
			}
			h(w, r, who)
		}
	}
	mux.HandleFunc("GET /api/me", authed(func(w http.ResponseWriter, r *http.Request, who string) {
		resetJSON(w, http.StatusOK, map[string]string{"email": who})
	}))
	mux.HandleFunc("GET /api/notes", authed(func(w http.ResponseWriter, r *http.Request, who string) {
		a.mu.Lock()
		defer a.mu.Unlock()
		mine := []resetNote{}
		for id := 1; id <= len(a.notes); id++ {
			if n, ok := a.notes[id]; ok && n.Owner == who {
				mine = append(mine, n)
			}
		}
		resetJSON(w, http.StatusOK, mine)
	}))
	mux.HandleFunc("GET /api/notes/{id}", authed(func(w http.ResponseWriter, r *http.Request, who string) {
		id, _ := strconv.Atoi(r.PathValue("id"))
		a.mu.Lock()
		n, ok := a.notes[id]
		a.mu.Unlock()
		if !ok {
			resetJSON(w, http.StatusNotFound, map[string]string{"error": "no such note"})
			return
		}
		resetJSON(w, http.StatusOK, n) // the flaw: no owner check
	}))
	mux.HandleFunc("GET /api/jobs/next", authed(func(w http.ResponseWriter, r *http.Request, who string) {
		a.mu.Lock()
		defer a.mu.Unlock()
		if a.jobs == 0 {
			resetJSON(w, http.StatusNotFound, map[string]string{"error": "queue empty"})
			return
		}
		a.jobs--
		resetJSON(w, http.StatusOK, map[string]int{"job": a.jobs})
	}))
	mux.HandleFunc("GET /api/logout", authed(func(w http.ResponseWriter, r *http.Request, who string) {
		tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		a.mu.Lock()
		delete(a.sessions, tok)
		a.mu.Unlock()
		resetJSON(w, http.StatusOK, map[string]string{"status": "logged out"})
	}))
	mux.HandleFunc("GET /createdb", func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		a.seed()
		a.resets++
		a.mu.Unlock()
		resetJSON(w, http.StatusOK, map[string]string{"status": "database dropped and re-seeded"})
	})
	mux.HandleFunc("GET /api/status", func(w http.ResponseWriter, r *http.Request) {
		resetJSON(w, http.StatusOK, map[string]string{"status": "ok", "version": "1.4.2"})
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		a.hits[r.URL.Path]++
		a.mu.Unlock()
		mux.ServeHTTP(w, r)
	})
}

const resetSpec = `{
  "openapi": "3.0.3",
  "info": {"title": "notes", "version": "1"},
  "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
  "security": [{"bearer": []}],
  "paths": {
    "/api/login": {"post": {"security": [], "summary": "Log in",
      "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
      "responses": {"200": {"description": "ok"}}}},
    "/api/me": {"get": {"summary": "The signed-in user", "responses": {"200": {"description": "ok"}}}},
    "/api/notes": {"get": {"summary": "Returns the list of the caller's notes", "responses": {"200": {"description": "ok"}}}},
    "/api/notes/{id}": {"get": {"summary": "One note",
      "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}, "example": 1}],
      "responses": {"200": {"description": "ok"}}}},
    "/api/jobs/next": {"get": {"summary": "Returns the next job and deletes it from the queue", "responses": {"200": {"description": "ok"}}}},
    "/api/logout": {"get": {"summary": "Ends the session", "responses": {"200": {"description": "ok"}}}},
    "/createdb": {"get": {"security": [], "summary": "Drops and re-seeds the database", "responses": {"200": {"description": "ok"}}}},
    "/api/status": {"get": {"security": [], "summary": "Service status", "responses": {"200": {"description": "ok"}}}}
  }
}`

// startResetAPI serves a fresh reset-route API on loopback until the test
// ends.
func startResetAPI(t *testing.T, specPath string) (*resetAPI, *httptest.Server) {
	api := newResetAPI(specPath)
	srv := httptest.NewServer(api.handler())
	t.Cleanup(srv.Close)
	return api, srv
}

// resetScanOpts scans api at url as alice (primary), bob (peer) and the
// throw-away mallory, who logs in.
func resetScanOpts(url string, mode finding.Mode, concurrency int) scanner.Options {
	mallory := scanner.NewIdentity("mallory", nil)
	mallory.Throwaway = true
	mallory.Login = &scanner.Login{Method: "POST", Path: "/api/login", Format: "json",
		Body:      map[string]any{"email": "mallory@example.com", "password": resetMalloryPw},
		TokenFrom: "json", TokenName: "token", Send: "Authorization: Bearer {token}"}
	alice := scanner.NewIdentity("alice", []scanner.Header{{Name: "Authorization", Value: "Bearer " + resetAliceToken}})
	bob := scanner.NewIdentity("bob", []scanner.Header{{Name: "Authorization", Value: "Bearer " + resetBobToken}})
	return scanner.Options{
		Target:     url,
		Primary:    alice,
		Peer:       bob,
		Identities: []*scanner.Identity{alice, bob, mallory},
		Mode:       mode,
		Client:     scanner.ClientOptions{Concurrency: concurrency, Timeout: 10 * time.Second},
		Wait:       time.Second,
		Rules:      rules.All(),
		APIRules:   rules.APIRules(),
	}
}

func resetScan(t *testing.T, opts scanner.Options) *scanner.Result {
	t.Helper()
	res, err := scanner.Scan(context.Background(), opts)
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	return res
}

// skippedReason returns the coverage reason of METHOD path, "" when the
// operation was not skipped.
func skippedReason(res *scanner.Result, method, path string) string {
	for _, sk := range res.Coverage.Operations.Skipped {
		if sk.Method == method && sk.Path == path {
			return sk.Reason
		}
	}
	return ""
}

// findingsKey is what two runs must agree on: each finding's rule,
// route, fingerprint, severity and evidence summary.
func findingsKey(fs []finding.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, fmt.Sprintf("%s %s %s %s %s: %s", f.Rule, f.Method, f.Path, f.Fingerprint, f.Severity, f.Evidence.Summary))
	}
	return out
}

// TestSafeScanNeverSendsResetRoute: the safe scan leaves GET /createdb,
// the job-popping GET and GET /api/logout unsent by every identity,
// lists them in coverage with the word that gave them away, still finds
// the BOLA, and two scans at different concurrency agree.
func TestSafeScanNeverSendsResetRoute(t *testing.T) {
	api, srv := startResetAPI(t, "/openapi.json")

	first := resetScan(t, resetScanOpts(srv.URL, finding.ModeSafe, 1))
	second := resetScan(t, resetScanOpts(srv.URL, finding.ModeSafe, 8))

	for _, path := range []string{"/createdb", "/api/jobs/next", "/api/logout"} {
		if n := api.hitCount(path); n != 0 {
			t.Errorf("%s was requested %d times by safe scans", path, n)
		}
	}
	resets, jobs, mallory := api.state()
	if resets != 0 || jobs != 3 {
		t.Errorf("the scans changed the API: %d resets, %d of 3 jobs left", resets, jobs)
	}
	for _, want := range []struct{ path, reason string }{
		{"/createdb", "state-changing GET in safe mode (path says 'createdb')"},
		{"/api/jobs/next", "state-changing GET in safe mode (summary says 'deletes')"},
		{"/api/logout", "state-changing GET in safe mode (path says 'logout')"},
	} {
		for i, res := range []*scanner.Result{first, second} {
			if got := skippedReason(res, "GET", want.path); got != want.reason {
				t.Errorf("scan %d: GET %s skipped with %q, want %q", i+1, want.path, got, want.reason)
			}
		}
	}
	if n := len(first.Coverage.Operations.Skipped); n != 3 {
		t.Errorf("%d operations skipped, want 3: %+v", n, first.Coverage.Operations.Skipped)
	}
	a, b := findingsKey(first.Findings), findingsKey(second.Findings)
	if !slices.ContainsFunc(first.Findings, func(f finding.Finding) bool { return f.Path == "/api/notes/{id}" }) {
		t.Errorf("the BOLA on /api/notes/{id} was not found: %q", a)
	}
	if !slices.Equal(a, b) {
		t.Errorf("two safe scans disagree:\nfirst:  %q\nsecond: %q", a, b)
	}
	if !mallory {
		t.Error("the throw-away account was deleted")
	}
}

// TestActiveScanSkipsResetRoute: active mode changes only what the scan
// created, so GET /createdb and the job-popping GET stay unsent there
// too; GET /api/logout, which ends only the caller's session, is kept
// for the logout rule.
func TestActiveScanSkipsResetRoute(t *testing.T) {
	api, srv := startResetAPI(t, "/openapi.json")

	res := resetScan(t, resetScanOpts(srv.URL, finding.ModeActive, 4))
	for _, path := range []string{"/createdb", "/api/jobs/next"} {
		if n := api.hitCount(path); n != 0 {
			t.Errorf("%s was requested %d times by an active scan", path, n)
		}
	}
	if got, want := skippedReason(res, "GET", "/createdb"), "state-changing GET (path says 'createdb'): active mode changes only what the scan created"; got != want {
		t.Errorf("GET /createdb skipped with %q, want %q", got, want)
	}
	if got := skippedReason(res, "GET", "/api/logout"); got != "" {
		t.Errorf("GET /api/logout skipped in active mode (%q); the logout rule needs it", got)
	}
	if _, _, mallory := api.state(); !mallory {
		t.Error("the throw-away account was deleted")
	}
}

// TestExcludeNeverSent: an excluded operation is sent by no rule in
// active mode: not the operation rules, not harvest (a parameterless GET
// the peer would be compared on), not the API rules' flows (the logout
// is excluded, so the logout rule finds none), not discovery (the
// description is served at /v3/api-docs, after /swagger.json). Each is in
// coverage as excluded.
func TestExcludeNeverSent(t *testing.T) {
	api, srv := startResetAPI(t, "/v3/api-docs")

	opts := resetScanOpts(srv.URL, finding.ModeActive, 4)
	opts.Exclude = []string{"GET /api/notes/{id}", "get /api/notes", "* /api/logout", "GET /swagger.json", "* /createdb"}
	res := resetScan(t, opts)
	for _, path := range []string{"/api/notes/1", "/api/notes/2", "/api/notes", "/api/logout", "/swagger.json", "/createdb"} {
		if n := api.hitCount(path); n != 0 {
			t.Errorf("excluded %s was requested %d times", path, n)
		}
	}
	if api.hitCount("/v3/api-docs") == 0 || api.hitCount("/api/me") == 0 {
		t.Fatal("the scan did not run: the description or /api/me was never read")
	}
	for _, path := range []string{"/api/notes/{id}", "/api/notes", "/api/logout", "/createdb"} {
		if got := skippedReason(res, "GET", path); got != scanner.ExcludedReason {
			t.Errorf("GET %s skipped with %q, want %q", path, got, scanner.ExcludedReason)
		}
	}
	if slices.ContainsFunc(res.Findings, func(f finding.Finding) bool { return strings.HasPrefix(f.Path, "/api/notes") }) {
		t.Error("a finding on an excluded operation")
	}

	// Without the exclusions the same scan does send them: the test can
	// fail.
	api2, srv2 := startResetAPI(t, "/v3/api-docs")
	resetScan(t, resetScanOpts(srv2.URL, finding.ModeActive, 4))
	if api2.hitCount("/api/notes/1") == 0 || api2.hitCount("/api/notes") == 0 || api2.hitCount("/swagger.json") == 0 {
		t.Error("without --exclude the notes and /swagger.json were not requested: the test proves nothing")
	}
}

// TestExcludeConcretePath: a concrete path is refused on the wire, so an
// operation's other ids are still scanned while the excluded one is
// never requested, and an --endpoint naming an excluded route is
// skipped.
func TestExcludeConcretePath(t *testing.T) {
	api, srv := startResetAPI(t, "/openapi.json")

	opts := resetScanOpts(srv.URL, finding.ModeSafe, 2)
	opts.Exclude = []string{"GET /api/notes/1"}
	res := resetScan(t, opts)
	if n := api.hitCount("/api/notes/1"); n != 0 {
		t.Errorf("excluded /api/notes/1 was requested %d times", n)
	}
	if skippedReason(res, "GET", "/api/notes/{id}") != "" {
		t.Error("the whole operation was skipped for one excluded id")
	}
	if res.Incomplete != "" {
		t.Errorf("refused requests made the scan incomplete: %s", res.Incomplete)
	}
}

// TestExcludeBadInput: a bad pattern, or one that covers an identity's
// login or a configured flow, stops the scan before any request, with a
// one-line error the CLI maps to exit 2; so does a scan whose every
// operation is excluded.
func TestExcludeBadInput(t *testing.T) {
	api, srv := startResetAPI(t, "/openapi.json")

	tests := []struct {
		name    string
		exclude []string
		flows   scanner.Flows
		want    string
	}{
		{"no method", []string{"/createdb"}, scanner.Flows{}, `--exclude "/createdb"`},
		{"star inside", []string{"GET /a*/b"}, scanner.Flows{}, `"*" may only end the path`},
		{"login", []string{"POST /api/*"}, scanner.Flows{}, "identity mallory's login"},
		{"flow", []string{"GET /api/me"}, scanner.Flows{Check: "GET /api/me"}, "flow check"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := resetScanOpts(srv.URL, finding.ModeSafe, 1)
			opts.Exclude, opts.Flows = tt.exclude, tt.flows
			before := api.hitCount("/")
			_, err := scanner.Scan(context.Background(), opts)
			if !errors.Is(err, scanner.ErrNoOperations) || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("err = %v, want one line with %q", err, tt.want)
			}
			if api.hitCount("/") != before || api.hitCount("/api/login") != 0 {
				t.Error("the target was contacted")
			}
		})
	}

	opts := resetScanOpts(srv.URL, finding.ModeSafe, 1)
	opts.Primary, opts.Peer, opts.Identities = nil, nil, nil
	opts.Exclude = []string{"* /api/*", "GET /createdb"}
	_, err := scanner.Scan(context.Background(), opts)
	if !errors.Is(err, scanner.ErrNoOperations) || !strings.Contains(err.Error(), "excluded or state-changing") {
		t.Errorf("every operation excluded: err = %v", err)
	}
	if api.hitCount("/createdb") != 0 {
		t.Error("GET /createdb was requested")
	}
}
