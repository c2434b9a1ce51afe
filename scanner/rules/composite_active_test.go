package rules_test

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner"
	"github.com/authgate/authgate/scanner/rules"
)

// The composite API's account flows (issue 4): login with a bearer JWT or
// a session cookie, logout, registration and password recovery, each done
// right. The active catalog must find nothing of medium or above on them,
// and each flawed twin must be caught by its rule.

// malloryPassword is the throw-away account's password.
const malloryPassword = "Throwaway-Passw0rd-2026"

// maxFailedLogins is the composite API's lockout: after this many failed
// logins for one account it answers 429 until a successful login.
const maxFailedLogins = 5

// minPasswordLen is the composite API's password policy.
const minPasswordLen = 12

// sessionCookie is the cookie login's session cookie.
const sessionCookie = "session"

// compositeFlaws break one account flow each, for the flawed twins.
type compositeFlaws struct {
	noRateLimit   bool // unlimited failed logins
	enumerates    bool // "no such account" vs "wrong password"
	keepsSessions bool // logout revokes nothing
	fixation      bool // the cookie login keeps a session id the client sent
	weakPasswords bool // registration accepts any password
	leaksRecovery bool // the recovery answer carries the reset token
}

// compositeAccounts is the login state of the composite API.
type compositeAccounts struct {
	flaws compositeFlaws

	mu         sync.Mutex
	passwords  map[string]string // email -> password
	failures   map[string]int    // email -> failed logins since the last success
	revokedIDs map[string]bool   // jti
	sessions   map[string]string // session id -> user id
	registered map[string]compositeUser
}

func newCompositeAccounts() *compositeAccounts {
	return &compositeAccounts{
		passwords:  map[string]string{"mallory@example.com": malloryPassword},
		failures:   map[string]int{},
		revokedIDs: map[string]bool{},
		sessions:   map[string]string{},
		registered: map[string]compositeUser{},
	}
}

func (c *compositeAccounts) revoked(jti string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return jti != "" && c.revokedIDs[jti]
}

func (c *compositeAccounts) session(id string) (compositeUser, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	uid, ok := c.sessions[id]
	if !ok {
		return compositeUser{}, false
	}
	u, ok := compositeUsers[uid]
	return u, ok
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// credentials reads {"email", "password"} from a JSON body.
func credentials(r *http.Request) (email, password string, ok bool) {
	var body struct{ Email, Password string }
	if json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<16)).Decode(&body) != nil || body.Email == "" {
		return "", "", false
	}
	return strings.ToLower(body.Email), body.Password, true
}

// authenticate checks a login and applies the lockout; it writes the
// refusal itself and returns the user on success.
func (a *compositeAPI) authenticate(w http.ResponseWriter, r *http.Request) (compositeUser, bool) {
	email, password, ok := credentials(r)
	if !ok {
		badRequest(w)
		return compositeUser{}, false
	}
	c := a.accounts
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.flaws.noRateLimit && c.failures[email] >= maxFailedLogins {
		w.Header().Set("Retry-After", "60")
		writeJSON(w, http.StatusTooManyRequests, map[string]string{"error": "too many attempts, try again later"})
		return compositeUser{}, false
	}
	want, exists := c.passwords[email]
	if !exists || want != password {
		c.failures[email]++
		msg := "invalid email or password"
		if c.flaws.enumerates && !exists {
			msg = "no account with this email"
		}
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": msg})
		return compositeUser{}, false
	}
	c.failures[email] = 0
	for _, u := range compositeUsers {
		if u.email == email {
			return u, true
		}
	}
	if u, ok := c.registered[email]; ok {
		return u, true
	}
	writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid email or password"})
	return compositeUser{}, false
}

// loginToken mints a JWT with a jti, so that logout can revoke it.
func (a *compositeAPI) loginToken(u compositeUser) string {
	now := a.now()
	header, _ := json.Marshal(map[string]string{"alg": "HS256", "typ": "JWT"})
	claims, _ := json.Marshal(map[string]any{
		"sub": u.id, "role": u.role, "jti": randomHex(16),
		"iat": now.Unix(), "exp": now.Add(compositeTokenLifetime).Unix(),
	})
	input := b64.EncodeToString(header) + "." + b64.EncodeToString(claims)
	return input + "." + b64.EncodeToString(a.sign(input))
}

func (a *compositeAPI) accountRoutes(mux *http.ServeMux) {
	c := a.accounts
	mux.HandleFunc("POST /api/login", func(w http.ResponseWriter, r *http.Request) {
		u, ok := a.authenticate(w, r)
		if !ok {
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"access_token": a.loginToken(u), "token_type": "Bearer", "expires_in": int(compositeTokenLifetime.Seconds())})
	})
	mux.HandleFunc("POST /api/session", func(w http.ResponseWriter, r *http.Request) {
		u, ok := a.authenticate(w, r)
		if !ok {
			return
		}
		sid := randomHex(16)
		if old, err := r.Cookie(sessionCookie); err == nil && c.flaws.fixation {
			sid = old.Value
		}
		c.mu.Lock()
		c.sessions[sid] = u.id
		c.mu.Unlock()
		if old, err := r.Cookie(sessionCookie); err == nil && c.flaws.fixation && old.Value == sid {
			// The flaw: the client's id is kept, no new cookie is set.
			writeJSON(w, http.StatusOK, map[string]string{"status": "logged in"})
			return
		}
		http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: sid, Path: "/", Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
		writeJSON(w, http.StatusOK, map[string]string{"status": "logged in"})
	})
	mux.HandleFunc("POST /api/logout", a.requireUser(func(w http.ResponseWriter, r *http.Request, u compositeUser) {
		if !c.flaws.keepsSessions {
			c.mu.Lock()
			if _, tok, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok {
				if parts := strings.Split(tok, "."); len(parts) == 3 {
					var claims struct {
						JTI string `json:"jti"`
					}
					if pb, err := b64.DecodeString(parts[1]); err == nil && json.Unmarshal(pb, &claims) == nil && claims.JTI != "" {
						c.revokedIDs[claims.JTI] = true
					}
				}
			}
			if sc, err := r.Cookie(sessionCookie); err == nil {
				delete(c.sessions, sc.Value)
			}
			c.mu.Unlock()
		}
		http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
		w.WriteHeader(http.StatusNoContent)
	}))
	mux.HandleFunc("POST /api/register", func(w http.ResponseWriter, r *http.Request) {
		email, password, ok := credentials(r)
		if !ok || !strings.Contains(email, "@") {
			badRequest(w)
			return
		}
		if !c.flaws.weakPasswords && (len(password) < minPasswordLen || commonPassword(password)) {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "password too weak: at least 12 characters, not a common password"})
			return
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		if _, taken := c.passwords[email]; taken {
			writeJSON(w, http.StatusConflict, map[string]string{"error": "email already registered"})
			return
		}
		c.passwords[email] = password
		u := compositeUser{id: "r-" + randomHex(4), name: email, email: email, role: "user"}
		c.registered[email] = u
		writeJSON(w, http.StatusCreated, map[string]string{"id": u.id, "email": email})
	})
	mux.HandleFunc("POST /api/password/forgot", func(w http.ResponseWriter, r *http.Request) {
		var body struct{ Email string }
		if json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<16)).Decode(&body) != nil || body.Email == "" {
			badRequest(w)
			return
		}
		c.mu.Lock()
		_, exists := c.passwords[strings.ToLower(body.Email)]
		c.mu.Unlock()
		if c.flaws.leaksRecovery && exists {
			writeJSON(w, http.StatusOK, map[string]string{"status": "sent", "reset_token": randomHex(12)})
			return
		}
		writeJSON(w, http.StatusAccepted, map[string]string{"message": "If the account exists, we sent an email with a reset link."})
	})
}

// commonPassword is the composite API's deny list.
func commonPassword(p string) bool {
	switch strings.ToLower(p) {
	case "123456", "password", "12345678", "qwerty", "123456789", "password1", "111111", "letmein", "passwordpassword":
		return true
	}
	return false
}

// compositeAccountSpec adds the account operations to compositeSpec.
const compositeAccountSpec = compositeSpec + `  /api/login:
    post:
      security: []
      requestBody: {content: {application/json: {schema: {type: object}}}}
      responses: {"200": {description: token}, "401": {description: invalid}, "429": {description: locked}}
  /api/session:
    post:
      security: []
      requestBody: {content: {application/json: {schema: {type: object}}}}
      responses: {"200": {description: session cookie}}
  /api/logout:
    post:
      responses: {"204": {description: logged out}}
  /api/register:
    post:
      security: []
      requestBody: {content: {application/json: {schema: {type: object}}}}
      responses: {"201": {description: created}, "400": {description: weak password}}
  /api/password/forgot:
    post:
      security: []
      requestBody: {content: {application/json: {schema: {type: object}}}}
      responses: {"202": {description: maybe sent}}
`

// compositeThrowaways are mallory's two logins: a bearer JWT and a
// session cookie, fresh for each scan (identities carry login state).
func compositeThrowaways() []*scanner.Identity {
	body := func() map[string]any {
		return map[string]any{"email": "mallory@example.com", "password": malloryPassword}
	}
	bearer := scanner.NewIdentity("mallory", nil)
	bearer.Throwaway = true
	bearer.Login = &scanner.Login{Method: "POST", Path: "/api/login", Format: "json", Body: body(),
		TokenFrom: "json", TokenName: "access_token", Send: "Authorization: Bearer {token}"}
	cookie := scanner.NewIdentity("mallory-web", nil)
	cookie.Throwaway = true
	cookie.Login = &scanner.Login{Method: "POST", Path: "/api/session", Format: "json", Body: body(),
		TokenFrom: "cookie", TokenName: sessionCookie, Send: "Cookie: " + sessionCookie + "={token}"}
	return []*scanner.Identity{bearer, cookie}
}

// compositeActiveScan scans the composite API in active mode with alice,
// bob, the admin and both throw-away logins, and the whole catalog.
func compositeActiveScan(t *testing.T, api *compositeAPI, throwaways []*scanner.Identity) ([]finding.Finding, []string) {
	t.Helper()
	admin := scanner.NewIdentity("ops", []scanner.Header{{Name: "Authorization", Value: "Bearer " + api.token(t, "1005")}})
	admin.Role = scanner.RoleAdmin
	var warnings []string
	fs := scan(t, api.handler(), scanOpts{
		spec: compositeAccountSpec, auth: api.token(t, "1001"), peer: api.token(t, "1002"),
		admin: admin, identities: throwaways, mode: finding.ModeActive, apiRules: rules.APIRules(),
		onResult: func(r *scanner.Result) { warnings = r.Warnings },
	})
	return fs, warnings
}

// TestCompositeActiveCorrectAPI: the whole catalog, safe and active, finds
// nothing of medium or above on the correct account flows.
func TestCompositeActiveCorrectAPI(t *testing.T) {
	fs, warnings := compositeActiveScan(t, newCompositeAPI(t), compositeThrowaways())
	t.Logf("warnings: %q", warnings)
	if len(fs) > 0 {
		t.Logf("all findings:%s", list(fs))
	}
	if bad := serious(fs); len(bad) > 0 {
		t.Fatalf("false positives on a correct API:%s", list(bad))
	}
}

// TestCompositeActiveFlawedTwins: each account flow with its check removed
// is caught by its rule, on the right operation.
func TestCompositeActiveFlawedTwins(t *testing.T) {
	tests := []struct {
		name         string
		flaws        compositeFlaws
		rule, method string
		path         string
	}{
		{"no login rate limit", compositeFlaws{noRateLimit: true}, "login-no-rate-limit", "POST", "/api/login"},
		{"login enumerates accounts", compositeFlaws{enumerates: true}, "user-enumeration", "POST", "/api/login"},
		{"logout revokes nothing", compositeFlaws{keepsSessions: true}, "session-not-invalidated-on-logout", "POST", "/api/logout"},
		{"session fixation", compositeFlaws{fixation: true}, "session-fixation", "POST", "/api/session"},
		{"weak passwords", compositeFlaws{weakPasswords: true}, "weak-password-policy", "POST", "/api/register"},
		{"recovery leaks its token", compositeFlaws{leaksRecovery: true}, "password-recovery-token-exposed", "POST", "/api/password/forgot"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newCompositeAPI(t)
			api.accounts.flaws = tt.flaws
			fs, warnings := compositeActiveScan(t, api, compositeThrowaways())
			if !has(fs, tt.rule, tt.method, tt.path) {
				t.Fatalf("want %s on %s %s; got:%s\nwarnings: %q", tt.rule, tt.method, tt.path, list(fs), warnings)
			}
		})
	}
}

// TestCompositeActiveAllFlaws: with every account flow broken at once,
// each rule still finds its flaw; one rule's traffic (a lockout, a
// logout) must not hide another's.
func TestCompositeActiveAllFlaws(t *testing.T) {
	api := newCompositeAPI(t)
	api.accounts.flaws = compositeFlaws{noRateLimit: true, enumerates: true, keepsSessions: true, fixation: true, weakPasswords: true, leaksRecovery: true}
	fs, warnings := compositeActiveScan(t, api, compositeThrowaways())
	for _, want := range []struct{ rule, method, path string }{
		{"login-no-rate-limit", "POST", "/api/login"},
		{"user-enumeration", "POST", "/api/login"},
		{"session-not-invalidated-on-logout", "POST", "/api/logout"},
		{"session-fixation", "POST", "/api/session"},
		{"weak-password-policy", "POST", "/api/register"},
		{"password-recovery-token-exposed", "POST", "/api/password/forgot"},
	} {
		if !has(fs, want.rule, want.method, want.path) {
			t.Errorf("want %s on %s %s", want.rule, want.method, want.path)
		}
	}
	if t.Failed() {
		t.Logf("got:%s\nwarnings: %q", list(fs), warnings)
	}
}

// TestCompositeSafeModeSendsOnlyTheLogins records a safe scan with every
// kind of identity (static tokens, an admin, two throw-away logins) and
// the whole catalog: the only requests that are not GET, HEAD or OPTIONS
// are the configured logins, once per identity, with their configured
// bodies. No logout, registration, recovery or failed login is sent.
func TestCompositeSafeModeSendsOnlyTheLogins(t *testing.T) {
	api := newCompositeAPI(t)
	h := api.handler()
	var mu sync.Mutex
	var writes []string
	rec := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
		default:
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			mu.Lock()
			writes = append(writes, r.Method+" "+r.URL.Path+" "+string(body))
			mu.Unlock()
		}
		h.ServeHTTP(w, r)
	})
	admin := scanner.NewIdentity("ops", []scanner.Header{{Name: "Authorization", Value: "Bearer " + api.token(t, "1005")}})
	admin.Role = scanner.RoleAdmin
	scan(t, rec, scanOpts{
		spec: compositeAccountSpec, auth: api.token(t, "1001"), peer: api.token(t, "1002"),
		admin: admin, identities: compositeThrowaways(),
	})
	login := `{"email":"mallory@example.com","password":"` + malloryPassword + `"}`
	want := []string{"POST /api/login " + login, "POST /api/session " + login}
	mu.Lock()
	defer mu.Unlock()
	slices.Sort(writes)
	if !slices.Equal(writes, want) {
		t.Fatalf("safe mode sent these writes:\n%s\nwant only the two configured logins", strings.Join(writes, "\n"))
	}
}
