package rules_test

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner"
	"github.com/authgate/authgate/scanner/rules"
)

// The session API: a login that answers a signed JWT or sets a session
// cookie, GET /me that needs the login, and POST /logout. Its modes switch
// on how logout and login treat sessions.

// sessPassword is the throw-away account's password.
const sessPassword = "Corr3ct-Horse-Battery"

// sessCookie is the session cookie's name.
const sessCookie = "sid"

// sessTokenLifetime is the JWT's exp: long enough that no test outlives it.
const sessTokenLifetime = 15 * time.Minute

// sessLogout is what POST /logout does.
type sessLogout int

const (
	sessLogoutRevokes sessLogout = iota // deletes the session / denies the jti: fixed
	sessLogoutForgets                   // 200 "delete your token" / clears the cookie only
	sessLogoutRefuses                   // 403 (a CSRF token the scanner lacks)
)

// sessLogin is what the cookie login does with a session id sent with it.
type sessLogin int

const (
	sessLoginRenews         sessLogin = iota // always a new id, the old one dropped: fixed
	sessLoginAdopts                          // logs the client's id in, sets no cookie
	sessLoginAdoptsResets                    // logs the client's id in and sets it again
	sessLoginKeepsOld                        // a new id, but the old one is logged in too
	sessLoginUpgradesIssued                  // logs in a session it issued itself; ignores unknown ids
)

// sessMode is how the session API behaves.
type sessMode struct {
	jwt    bool // the login answers {"token": JWT}; else it sets sessCookie
	logout sessLogout
	login  sessLogin
	// anonSessions: anonymous requests to /me get a pre-login session.
	anonSessions bool
	// acceptPlanted: an unknown session id is taken as a new anonymous
	// session (PHP's session.use_strict_mode=0).
	acceptPlanted bool
	// openMe: GET /me answers anonymous requests too.
	openMe bool
}

// sessAPI is the session API's state; a mutex guards the maps.
type sessAPI struct {
	sessMode
	key []byte

	mu       sync.Mutex
	sessions map[string]string // session id -> user, "" for a pre-login session
	denied   map[string]bool   // jti
	issued   []string          // every token and session id handed out
	requests []string          // "METHOD /path cookie=..." of every request
}

func newSessAPI(m sessMode) *sessAPI {
	return &sessAPI{sessMode: m, key: []byte(sessRandomHex(32)), sessions: map[string]string{}, denied: map[string]bool{}}
}

func sessRandomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

var sessB64 = base64.RawURLEncoding

func (s *sessAPI) sign(input string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(input))
	return sessB64.EncodeToString(m.Sum(nil))
}

func (s *sessAPI) mintJWT(user string) string {
	header, _ := json.Marshal(map[string]string{"alg": "HS256", "typ": "JWT"})
	claims, _ := json.Marshal(map[string]any{"sub": user, "jti": sessRandomHex(16), "exp": time.Now().Add(sessTokenLifetime).Unix()})
	input := sessB64.EncodeToString(header) + "." + sessB64.EncodeToString(claims)
	return input + "." + s.sign(input)
}

// jwtClaims verifies a bearer JWT: signature, exp and the deny list.
func (s *sessAPI) jwtClaims(r *http.Request) (sub, jti string, ok bool) {
	tok, found := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	parts := strings.Split(tok, ".")
	if !found || len(parts) != 3 || !hmac.Equal([]byte(s.sign(parts[0]+"."+parts[1])), []byte(parts[2])) {
		return "", "", false
	}
	var c struct {
		Sub string `json:"sub"`
		JTI string `json:"jti"`
		Exp int64  `json:"exp"`
	}
	pb, err := sessB64.DecodeString(parts[1])
	if err != nil || json.Unmarshal(pb, &c) != nil || time.Now().Unix() >= c.Exp {
		return "", "", false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.denied[c.JTI] {
		return "", "", false
	}
	return c.Sub, c.JTI, true
}

// user is the logged-in user of a request, "" for none.
func (s *sessAPI) user(r *http.Request) string {
	if s.jwt {
		sub, _, _ := s.jwtClaims(r)
		return sub
	}
	c, err := r.Cookie(sessCookie)
	if err != nil {
		return ""
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions[c.Value]
}

func (s *sessAPI) newSession(user string) string {
	sid := sessRandomHex(16)
	s.sessions[sid] = user
	s.issued = append(s.issued, sid)
	return sid
}

func sessSetCookie(w http.ResponseWriter, v string) {
	c := &http.Cookie{Name: sessCookie, Value: v, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode}
	if v == "" {
		c.MaxAge = -1
	}
	http.SetCookie(w, c)
}

func (s *sessAPI) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		var body struct{ Username, Password string }
		if json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&body) != nil || body.Username != "mallory" || body.Password != sessPassword {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid username or password"})
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.jwt {
			tok := s.mintJWT(body.Username)
			s.issued = append(s.issued, tok)
			writeJSON(w, http.StatusOK, map[string]string{"token": tok})
			return
		}
		old := ""
		if c, err := r.Cookie(sessCookie); err == nil {
			old = c.Value
		}
		switch {
		case old != "" && (s.login == sessLoginAdopts || s.login == sessLoginAdoptsResets):
			s.sessions[old] = body.Username
			if s.login == sessLoginAdoptsResets {
				sessSetCookie(w, old)
			}
		case old != "" && s.login == sessLoginKeepsOld:
			s.sessions[old] = body.Username
			sessSetCookie(w, s.newSession(body.Username))
		case s.login == sessLoginUpgradesIssued && s.sessions[old] == "" && hasKey(s.sessions, old):
			s.sessions[old] = body.Username
			sessSetCookie(w, old)
		default:
			delete(s.sessions, old)
			sessSetCookie(w, s.newSession(body.Username))
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "logged in"})
	})
	mux.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) {
		u := s.user(r)
		if u == "" && !s.openMe {
			if !s.jwt {
				s.mu.Lock()
				c, err := r.Cookie(sessCookie)
				switch {
				case err == nil && s.acceptPlanted && !hasKey(s.sessions, c.Value):
					s.sessions[c.Value] = ""
				case err != nil && s.anonSessions:
					sessSetCookie(w, s.newSession(""))
				}
				s.mu.Unlock()
			}
			unauthorized(w)
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"user": "mallory", "email": "mallory@example.com", "plan": "free"})
	})
	mux.HandleFunc("POST /logout", func(w http.ResponseWriter, r *http.Request) {
		if s.user(r) == "" {
			unauthorized(w)
			return
		}
		switch s.logout {
		case sessLogoutRefuses:
			writeJSON(w, http.StatusForbidden, map[string]string{"error": "missing CSRF token"})
			return
		case sessLogoutRevokes:
			_, jti, _ := s.jwtClaims(r)
			s.mu.Lock()
			if jti != "" {
				s.denied[jti] = true
			}
			if c, err := r.Cookie(sessCookie); err == nil {
				delete(s.sessions, c.Value)
			}
			s.mu.Unlock()
		}
		if !s.jwt {
			sessSetCookie(w, "")
		}
		writeJSON(w, http.StatusOK, map[string]string{"message": "logged out; delete your token"})
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entry := r.Method + " " + r.URL.Path
		if c, err := r.Cookie(sessCookie); err == nil {
			entry += " cookie=" + c.Value
		}
		s.mu.Lock()
		s.requests = append(s.requests, entry)
		s.mu.Unlock()
		mux.ServeHTTP(w, r)
	})
}

func hasKey(m map[string]string, k string) bool {
	_, ok := m[k]
	return ok
}

// sessSpec describes the session API; logout is left out on request.
func sessSpec(withLogout bool) string {
	spec := `openapi: 3.0.3
info: {title: sessions, version: "1"}
paths:
  /login:
    post:
      security: []
      requestBody: {content: {application/json: {schema: {type: object}}}}
      responses: {"200": {description: ok}}
  /me:
    get:
      responses: {"200": {description: ok}}
`
	if withLogout {
		spec += `  /logout:
    post:
      responses: {"200": {description: ok}}
`
	}
	return spec
}

// sessMallory is the throw-away identity, fresh for each scan: a bearer
// JWT login, or a cookie login.
func sessMallory(jwt bool) *scanner.Identity {
	id := scanner.NewIdentity("mallory", nil)
	id.Throwaway = true
	id.Login = &scanner.Login{Method: "POST", Path: "/login", Format: "json",
		Body:      map[string]any{"username": "mallory", "password": sessPassword},
		TokenFrom: "json", TokenName: "token", Send: "Authorization: Bearer {token}"}
	if !jwt {
		id.Login.TokenFrom, id.Login.TokenName, id.Login.Send = "cookie", sessCookie, "Cookie: "+sessCookie+"={token}"
	}
	return id
}

// sessScanOpts scans the session API in active mode with the throw-away
// identity, flows.check set, and the session rules only.
func sessScanOpts(api *sessAPI, spec string, warnings *[]string) scanOpts {
	return scanOpts{
		spec: spec, mode: finding.ModeActive,
		identities: []*scanner.Identity{sessMallory(api.jwt)},
		flows:      scanner.Flows{Check: "GET /me"},
		apiRules:   rules.SessionRules(),
		onResult:   func(r *scanner.Result) { *warnings = r.Warnings },
	}
}

func TestSessionRules(t *testing.T) {
	tests := []struct {
		name   string
		api    sessMode
		rule   string
		method string
		path   string
		want   bool
	}{
		{"logout: stateless JWT only asks the client to forget", sessMode{jwt: true, logout: sessLogoutForgets},
			"session-not-invalidated-on-logout", "POST", "/logout", true},
		{"logout: JWT jti denied", sessMode{jwt: true, logout: sessLogoutRevokes},
			"session-not-invalidated-on-logout", "POST", "/logout", false},
		{"logout: cookie cleared in the browser only", sessMode{logout: sessLogoutForgets},
			"session-not-invalidated-on-logout", "POST", "/logout", true},
		{"logout: cookie session deleted on the server", sessMode{logout: sessLogoutRevokes},
			"session-not-invalidated-on-logout", "POST", "/logout", false},

		{"fixation: planted id logged in, no new cookie", sessMode{login: sessLoginAdopts},
			"session-fixation", "POST", "/login", true},
		{"fixation: planted id logged in and set again", sessMode{login: sessLoginAdoptsResets},
			"session-fixation", "POST", "/login", true},
		{"fixation: new id, but the old one logged in too", sessMode{login: sessLoginKeepsOld},
			"session-fixation", "POST", "/login", true},
		{"fixation: server-issued pre-login session upgraded in place", sessMode{login: sessLoginUpgradesIssued, anonSessions: true},
			"session-fixation", "POST", "/login", true},
		{"fixation: always a new id", sessMode{login: sessLoginRenews},
			"session-fixation", "POST", "/login", false},
		{"fixation: planted id accepted before login, renewed at login", sessMode{login: sessLoginRenews, acceptPlanted: true},
			"session-fixation", "POST", "/login", false},
		{"fixation: server-issued pre-login session renewed at login", sessMode{login: sessLoginRenews, anonSessions: true},
			"session-fixation", "POST", "/login", false},
		{"fixation: unknown ids ignored, issued ones renewed", sessMode{login: sessLoginUpgradesIssued},
			"session-fixation", "POST", "/login", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newSessAPI(tt.api)
			var warnings []string
			fs := scanRules(t, api.handler(), sessScanOpts(api, sessSpec(true), &warnings), nil)
			if got := has(fs, tt.rule, tt.method, tt.path); got != tt.want {
				t.Fatalf("%s on %s %s: got %v, want %v; findings:%s\nwarnings: %q", tt.rule, tt.method, tt.path, got, tt.want, list(fs), warnings)
			}
			for _, w := range warnings {
				if strings.HasPrefix(w, tt.rule+" not run") {
					t.Errorf("the rule did not run: %q", w)
				}
			}
			if !tt.want {
				return
			}
			f := sessFinding(fs, tt.rule)
			if n := len(f.Evidence.Exchanges); n < 2 {
				t.Errorf("want the login/logout answer and the check after it as evidence, got %d exchanges", n)
			}
			b, err := json.Marshal(f)
			if err != nil {
				t.Fatal(err)
			}
			api.mu.Lock()
			defer api.mu.Unlock()
			for _, tok := range api.issued {
				if strings.Contains(string(b), tok) {
					t.Errorf("the finding shows a session credential: %s", b)
				}
			}
			if strings.Contains(string(b), "authgate-fixation-") {
				t.Errorf("the finding shows the planted session id, which is logged in now: %s", b)
			}
		})
	}
}

func sessFinding(fs []finding.Finding, rule string) finding.Finding {
	for _, f := range fs {
		if f.Rule == rule {
			return f
		}
	}
	return finding.Finding{}
}

// TestSessionLogoutEvidence: the logout finding shows the check before,
// the logout answer and the check after, and explains the JWT case.
func TestSessionLogoutEvidence(t *testing.T) {
	api := newSessAPI(sessMode{jwt: true, logout: sessLogoutForgets})
	var warnings []string
	fs := scanRules(t, api.handler(), sessScanOpts(api, sessSpec(true), &warnings), nil)
	f := sessFinding(fs, "session-not-invalidated-on-logout")
	if f.Rule == "" {
		t.Fatalf("no finding; got:%s\nwarnings: %q", list(fs), warnings)
	}
	var got []string
	for _, ex := range f.Evidence.Exchanges {
		got = append(got, ex.Method+" "+ex.URL[strings.LastIndex(ex.URL, "/"):])
	}
	if want := "GET /me,POST /logout,GET /me"; strings.Join(got, ",") != want {
		t.Errorf("evidence %v, want %s", got, want)
	}
	if !strings.Contains(f.Evidence.Summary, "jti") {
		t.Errorf("the summary of a JWT logout should say how to revoke it: %q", f.Evidence.Summary)
	}
	if f.Severity != finding.SeverityMedium || f.Confidence != finding.ConfidenceHigh {
		t.Errorf("severity %v confidence %v, want medium/high", f.Severity, f.Confidence)
	}
}

// TestSessionRulesSkip: without what a rule needs it records why, and
// reports nothing.
func TestSessionRulesSkip(t *testing.T) {
	tests := []struct {
		name string
		api  sessMode
		opts func(*scanOpts)
		rule string
		why  string
	}{
		{"logout: no logout operation", sessMode{jwt: true, logout: sessLogoutForgets},
			func(o *scanOpts) { o.spec = sessSpec(false) },
			"session-not-invalidated-on-logout", "no logout operation"},
		{"logout: no check operation", sessMode{jwt: true, logout: sessLogoutForgets},
			func(o *scanOpts) { o.flows = scanner.Flows{} },
			"session-not-invalidated-on-logout", "no operation that needs a login"},
		{"logout: no throw-away identity", sessMode{jwt: true, logout: sessLogoutForgets},
			func(o *scanOpts) { o.identities[0].Throwaway = false },
			"session-not-invalidated-on-logout", "no throw-away identity"},
		{"logout: refused", sessMode{logout: sessLogoutRefuses},
			func(*scanOpts) {},
			"session-not-invalidated-on-logout", "status 403"},
		{"logout: check lets anonymous in", sessMode{jwt: true, logout: sessLogoutForgets, openMe: true},
			func(*scanOpts) {},
			"session-not-invalidated-on-logout", "lets anonymous requests in"},
		{"fixation: bearer login", sessMode{jwt: true},
			func(*scanOpts) {},
			"session-fixation", "the login does not use a session cookie"},
		{"fixation: no check operation", sessMode{login: sessLoginAdopts},
			func(o *scanOpts) { o.flows = scanner.Flows{} },
			"session-fixation", "no operation that needs a login"},
		{"fixation: no throw-away identity", sessMode{login: sessLoginAdopts},
			func(o *scanOpts) { o.identities[0].Throwaway = false },
			"session-fixation", "no throw-away identity"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newSessAPI(tt.api)
			var warnings []string
			o := sessScanOpts(api, sessSpec(true), &warnings)
			tt.opts(&o)
			fs := scanRules(t, api.handler(), o, nil)
			for _, f := range fs {
				if f.Rule == tt.rule {
					t.Errorf("skipped rule reported:%s", list([]finding.Finding{f}))
				}
			}
			found := false
			for _, w := range warnings {
				if (strings.HasPrefix(w, tt.rule+" not run") || strings.HasPrefix(w, tt.rule+" not applicable")) && strings.Contains(w, tt.why) {
					found = true
				}
			}
			if !found {
				t.Fatalf("want a warning %q for %s; got %q", tt.why, tt.rule, warnings)
			}
		})
	}
}

// TestSessionRulesSafeMode: a safe scan never logs out, never plants a
// session id and logs in only once, as the scan's own login.
func TestSessionRulesSafeMode(t *testing.T) {
	for _, jwt := range []bool{true, false} {
		api := newSessAPI(sessMode{jwt: jwt, logout: sessLogoutForgets, login: sessLoginAdopts, anonSessions: true})
		var warnings []string
		o := sessScanOpts(api, sessSpec(true), &warnings)
		o.mode = finding.ModeSafe
		fs := scanRules(t, api.handler(), o, nil)
		if len(fs) > 0 {
			t.Errorf("jwt=%v: findings in safe mode:%s", jwt, list(fs))
		}
		api.mu.Lock()
		logins := 0
		for _, r := range api.requests {
			switch {
			case strings.HasPrefix(r, "POST /logout"):
				t.Errorf("jwt=%v: safe mode logged out: %q", jwt, r)
			case strings.HasPrefix(r, "POST /login"):
				logins++
				if strings.Contains(r, "cookie=") {
					t.Errorf("jwt=%v: safe mode sent a login with a session cookie: %q", jwt, r)
				}
			}
		}
		if logins != 1 {
			t.Errorf("jwt=%v: %d logins in safe mode, want the scan's one: %q", jwt, logins, api.requests)
		}
		api.mu.Unlock()
	}
}

// sessLogoutAnswer is a cookie-session API whose logout never ends the
// session on the server and answers with answer; route is the logout's
// route pattern. It records the path of every logout request.
type sessLogoutAnswer struct {
	route  string
	answer func(w http.ResponseWriter, r *http.Request)

	mu       sync.Mutex
	sessions map[string]bool
	logouts  []string
}

func (s *sessLogoutAnswer) handler() http.Handler {
	s.sessions = map[string]bool{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		f := reviewFields(r)
		if f["username"] != "mallory" || f["password"] != sessPassword {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid username or password"})
			return
		}
		sid := sessRandomHex(16)
		s.mu.Lock()
		s.sessions[sid] = true
		s.mu.Unlock()
		sessSetCookie(w, sid)
		writeJSON(w, http.StatusOK, map[string]string{"status": "logged in"})
	})
	mux.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(sessCookie)
		s.mu.Lock()
		in := err == nil && s.sessions[c.Value]
		s.mu.Unlock()
		if !in {
			unauthorized(w)
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"user": "mallory", "plan": "free"})
	})
	mux.HandleFunc(s.route, func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.logouts = append(s.logouts, r.URL.Path)
		s.mu.Unlock()
		s.answer(w, r)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { notFound(w) })
	return mux
}

// TestSessionLogoutAnswers: a logout refused with a redirect (back to the
// logout's confirmation page, to a CSRF or error page) or with a CSRF
// complaint in a 200 is not a logout: nothing is judged. A redirect home
// or to the login page, or a 200 that hands out a new CSRF token, is a
// logout, and the session that survives it the finding.
func TestSessionLogoutAnswers(t *testing.T) {
	const rule = "session-not-invalidated-on-logout"
	redirect := func(to string) func(http.ResponseWriter, *http.Request) {
		return func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, to, http.StatusFound) }
	}
	answer := func(status int, body any) func(http.ResponseWriter, *http.Request) {
		return func(w http.ResponseWriter, r *http.Request) { writeJSON(w, status, body) }
	}
	tests := []struct {
		name   string
		answer func(http.ResponseWriter, *http.Request)
		want   bool
		skip   string // part of the skip warning, "" for none
	}{
		{"refused: 302 back to /logout?csrf=true (Auth.js)", redirect("/logout?csrf=true"), false, "back to the logout itself"},
		{"refused: 302 to an absolute URL of the logout page", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://"+r.Host+"/logout", http.StatusFound)
		}, false, "back to the logout itself"},
		{"refused: 302 to /csrf-failure", redirect("/csrf-failure"), false, "CSRF or error page"},
		{"refused: 303 to /login?error=csrf", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/login?error=csrf", http.StatusSeeOther)
		}, false, "CSRF or error page"},
		{"refused: 200 CSRF token missing", answer(http.StatusOK, map[string]string{"error": "CSRF token missing or incorrect"}), false, "CSRF complaint"},
		{"refused: 200 success false", answer(http.StatusOK, map[string]any{"success": false, "message": "not allowed"}), false, "refusal in the body"},
		{"refused: 403", answer(http.StatusForbidden, map[string]string{"error": "forbidden"}), false, "status 403"},

		{"logout: 302 home, session kept", redirect("/"), true, ""},
		{"logout: 302 to /login?logout (Spring Security), session kept", redirect("/login?logout"), true, ""},
		{"logout: 200 with a fresh CSRF token, session kept", answer(http.StatusOK, map[string]string{"message": "logged out", "csrfToken": sessRandomHex(16)}), true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := &sessLogoutAnswer{route: "POST /logout", answer: tt.answer}
			var warnings []string
			fs := scanRules(t, api.handler(), scanOpts{spec: sessSpec(true), mode: finding.ModeActive,
				identities: []*scanner.Identity{sessMallory(false)}, flows: scanner.Flows{Check: "GET /me"},
				apiRules: []scanner.APIRule{rules.SessionNotInvalidatedOnLogout{}},
				onResult: func(r *scanner.Result) { warnings = r.Warnings }}, nil)
			if got := has(fs, rule, "POST", "/logout"); got != tt.want {
				t.Fatalf("finding: got %v, want %v; findings:%s\nwarnings: %q", got, tt.want, list(fs), warnings)
			}
			w := ""
			for _, x := range warnings {
				if strings.HasPrefix(x, rule+" not run") {
					w = x
				}
			}
			if tt.skip == "" && w != "" || tt.skip != "" && !strings.Contains(w, tt.skip) {
				t.Errorf("skip warning %q, want one containing %q", w, tt.skip)
			}
		})
	}
}

// TestSessionLogoutPathParams: a logout route naming the account gets the
// throw-away's name, never the description's example (another user); a
// path parameter the scanner cannot fill (a session id) is not sent.
func TestSessionLogoutPathParams(t *testing.T) {
	const rule = "session-not-invalidated-on-logout"
	forget := func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"message": "logged out"})
	}
	tests := []struct {
		name  string
		route string // the server's pattern
		path  string // the description's path
		param string
		want  []string // the logout paths requested
		skip  string
	}{
		{"{username} gets the throw-away's name", "POST /users/{name}/logout", "/users/{username}/logout",
			"{name: username, in: path, required: true, schema: {type: string}, example: alice}", []string{"/users/mallory/logout"}, ""},
		{"skip: {sessionId} cannot be filled", "POST /sessions/{id}/logout", "/sessions/{sessionId}/logout",
			"{name: sessionId, in: path, required: true, schema: {type: string}, example: s-123}", nil, "path parameter {sessionId}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := &sessLogoutAnswer{route: tt.route, answer: forget}
			spec := sessSpec(false) + "  " + tt.path + `:
    post:
      parameters:
        - ` + tt.param + `
      responses: {"200": {description: ok}}
`
			var warnings []string
			fs := scanRules(t, api.handler(), scanOpts{spec: spec, mode: finding.ModeActive,
				identities: []*scanner.Identity{sessMallory(false)}, flows: scanner.Flows{Check: "GET /me"},
				apiRules: []scanner.APIRule{rules.SessionNotInvalidatedOnLogout{}},
				onResult: func(r *scanner.Result) { warnings = r.Warnings }}, nil)
			if got := has(fs, rule, "POST", tt.path); got != (tt.skip == "") {
				t.Errorf("finding: got %v, want %v; findings:%s\nwarnings: %q", got, tt.skip == "", list(fs), warnings)
			}
			w := ""
			for _, x := range warnings {
				if strings.HasPrefix(x, rule+" not run") {
					w = x
				}
			}
			if tt.skip == "" && w != "" || tt.skip != "" && !strings.Contains(w, tt.skip) {
				t.Errorf("skip warning %q, want one containing %q", w, tt.skip)
			}
			api.mu.Lock()
			defer api.mu.Unlock()
			if !slices.Equal(api.logouts, tt.want) {
				t.Errorf("logouts sent to %q, want %q", api.logouts, tt.want)
			}
		})
	}
}
