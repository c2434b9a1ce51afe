package cli

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// accountsSpec is a sign-up API whose profiles any logged-in user reads.
const accountsSpec = `openapi: 3.0.3
info: {title: accounts, version: "1"}
components:
  securitySchemes:
    bearerAuth: {type: http, scheme: bearer}
security:
  - bearerAuth: []
paths:
  /api/signup:
    post:
      security: []
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [email, password]
              properties:
                email: {type: string, format: email}
                password: {type: string}
      responses: {"201": {description: created}}
  /api/login:
    post:
      security: []
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [email, password]
              properties:
                email: {type: string}
                password: {type: string}
      responses: {"200": {description: a session}}
  /api/me:
    get:
      responses: {"200": {description: the caller}}
    delete:
      responses: {"204": {description: deleted}}
  /api/profiles/{profileId}:
    get:
      parameters:
        - {name: profileId, in: path, required: true, schema: {type: string}}
      responses: {"200": {description: a profile}}
`

// accountsAPI serves accountsSpec: sessions in a cookie, the user's id in
// the login answer, and GET /api/profiles/{profileId} checking only that
// the caller is logged in.
type accountsAPI struct {
	mu        sync.Mutex
	users     map[string][2]string // id -> email, password
	sessions  map[string]string    // session -> id
	passwords []string
}

func (a *accountsAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	reply := func(status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	var in struct{ Email, Password string }
	if r.Body != nil {
		_ = json.NewDecoder(r.Body).Decode(&in)
	}
	caller := ""
	if c, err := r.Cookie("sid"); err == nil {
		caller = a.sessions[c.Value]
	}
	switch route := r.Method + " " + r.URL.Path; {
	case route == "GET /openapi.yaml":
		fmt.Fprint(w, accountsSpec)
	case route == "POST /api/signup":
		if in.Email == "" || in.Password == "" {
			reply(400, map[string]string{"error": "email and password required"})
			return
		}
		id := fmt.Sprint(100 + len(a.passwords))
		a.users[id] = [2]string{in.Email, in.Password}
		a.passwords = append(a.passwords, in.Password)
		reply(201, map[string]string{"id": id, "email": in.Email})
	case route == "POST /api/login":
		for id, u := range a.users {
			if u[0] == in.Email && u[1] == in.Password {
				b := make([]byte, 16)
				_, _ = rand.Read(b)
				sid := hex.EncodeToString(b)
				a.sessions[sid] = id
				http.SetCookie(w, &http.Cookie{Name: "sid", Value: sid, HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode})
				reply(200, map[string]string{"id": id})
				return
			}
		}
		reply(401, map[string]string{"error": "bad credentials"})
	case caller == "" || a.users[caller][0] == "":
		reply(401, map[string]string{"error": "log in"})
	case route == "GET /api/me":
		reply(200, map[string]string{"id": caller, "email": a.users[caller][0]})
	case route == "DELETE /api/me":
		delete(a.users, caller)
		w.WriteHeader(http.StatusNoContent)
	case strings.HasPrefix(route, "GET /api/profiles/"):
		id := strings.TrimPrefix(r.URL.Path, "/api/profiles/")
		if u, ok := a.users[id]; ok {
			reply(200, map[string]string{"id": id, "email": u[0], "note": "private"})
			return
		}
		reply(404, map[string]string{"error": "not found"})
	default:
		reply(404, map[string]string{"error": "not found"})
	}
}

// TestScanAutoAccounts runs `authgate scan --mode active --auto-accounts`
// with no credentials against a sign-up API with cookie sessions: the
// report finds the cross-user read, lists both accounts as deleted, and
// no password reaches stdout, stderr or the report.
func TestScanAutoAccounts(t *testing.T) {
	api := &accountsAPI{users: map[string][2]string{"1": {"alice@example.com", "alice-pw-1"}}, sessions: map[string]string{}}
	srv := httptest.NewServer(api)
	defer srv.Close()
	out := filepath.Join(t.TempDir(), "r.json")
	code, stdout, stderr := run(t, "scan", srv.URL, "--config", "", "--openapi", srv.URL+"/openapi.yaml",
		"--mode", "active", "--auto-accounts", "--wait", "2s", "-o", out)
	if code != ExitGateFailed {
		t.Fatalf("exit code %d; want %d (a high finding)\nstderr: %s", code, ExitGateFailed, stderr)
	}
	rep := readReport(t, out)
	if !ruleSet(rep)["bola-cross-user-read"] {
		t.Errorf("findings %v; want bola-cross-user-read", ruleSet(rep))
	}
	if rep.Coverage == nil || rep.Coverage.Writes == nil {
		t.Fatal("the report has no coverage.writes")
	}
	// The rules that probe the sign-up itself (weak-password-policy,
	// mass-assignment) register accounts of their own; the scan's two
	// accounts are those of the primary and the peer.
	var owners []string
	for _, c := range rep.Coverage.Writes.Created {
		if c.Kind != "account" || (c.Owner != "auto-victim" && c.Owner != "auto-attacker") {
			continue
		}
		owners = append(owners, c.Owner)
		if !c.Deleted || c.Operation != "POST /api/signup" || !strings.HasPrefix(c.Item, "authgate-") || !strings.HasPrefix(c.Reason, "DELETE /api/me answered 204") {
			t.Errorf("account %+v; want registered with POST /api/signup, named, and deleted on /api/me", c)
		}
	}
	if strings.Join(owners, ",") != "auto-victim,auto-attacker" {
		t.Errorf("accounts of %v in coverage.writes; want auto-victim and auto-attacker", owners)
	}
	api.mu.Lock()
	defer api.mu.Unlock()
	if api.users["1"] != [2]string{"alice@example.com", "alice-pw-1"} {
		t.Errorf("alice after the scan: %v; want her untouched", api.users["1"])
	}
	// Strong passwords are secrets; weak-password-policy quotes the
	// trivial one it proved the sign-up accepts, which is its finding.
	raw := stdout + stderr + fmt.Sprint(rep)
	for _, pw := range api.passwords {
		if len(pw) >= 20 && strings.Contains(raw, pw) {
			t.Error("a registration password was printed")
		}
	}
}
