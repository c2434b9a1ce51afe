package rules_test

// Review of the active (whole-API) rules and the admin-aware BFLA rule.
//
// Every TestReview* test below except the TestReviewConfirmed* ones FAILS
// on the code it was written against: each case states the behaviour a
// realistic API (modelled on a named framework) should get, and why. The
// TestReviewConfirmed* tests pass: they document subtle behaviours that
// were checked and found correct, so that a fix for the failing ones does
// not break them.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner"
	"github.com/authgate/authgate/scanner/rules"
)

// ---------------------------------------------------------------------
// Shared fixtures
// ---------------------------------------------------------------------

// reviewAccount is the throw-away account of the review's APIs.
const reviewAccount = "mallory"

// reviewFields reads a request body as a form or JSON into strings; JSON
// numbers keep their digits (482913, not 482913.0).
func reviewFields(r *http.Request) map[string]string {
	out := map[string]string{}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		if r.ParseForm() == nil {
			for k := range r.PostForm {
				out[k] = r.PostForm.Get(k)
			}
		}
		return out
	}
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<16))
	dec.UseNumber()
	var body map[string]any
	if dec.Decode(&body) != nil {
		return out
	}
	for k, v := range body {
		out[k] = fmt.Sprint(v)
	}
	return out
}

// reviewLoginCfg configures reviewLoginAPI: one throw-away account and a
// login operation whose failures, lockout and success answer are set per
// case. Zero values are the plain, unthrottled login.
type reviewLoginCfg struct {
	path     string    // the login's path; "" is /login
	query    [2]string // a query parameter the login requires (an API key)
	header   [2]string // a header the login requires (an API gateway key)
	userKey  string    // "" is username
	passKey  string    // "" is password
	password string    // the right password as the server reads it

	failStatus int                          // 0 is 401
	failBody   func(exists bool, n int) any // nil: {"error": "invalid username or password"}

	// lockAfter locks the account after this many failures, for the rest
	// of the test (a window far longer than the scan): wrong passwords,
	// and unless lockAfterCheck the right one too, get lockStatus and
	// lockBody (and Retry-After when retryAfter is set).
	lockAfter      int
	lockStatus     int
	lockBody       any
	retryAfter     string
	lockAfterCheck bool // the lock is looked at only after a wrong password

	success func() map[string]any // nil: {"token": ..., "token_type": "Bearer"}
}

// reviewLoginAPI is the state of one review login API.
type reviewLoginAPI struct {
	cfg reviewLoginCfg

	mu       sync.Mutex
	failures map[string]int
	wrong    int      // logins with a wrong password
	issued   []string // every credential the login handed out
}

func newReviewLoginAPI(cfg reviewLoginCfg) *reviewLoginAPI {
	if cfg.path == "" {
		cfg.path = "/login"
	}
	if cfg.userKey == "" {
		cfg.userKey = "username"
	}
	if cfg.passKey == "" {
		cfg.passKey = "password"
	}
	if cfg.failStatus == 0 {
		cfg.failStatus = http.StatusUnauthorized
	}
	return &reviewLoginAPI{cfg: cfg, failures: map[string]int{}}
}

func (api *reviewLoginAPI) wrongLogins() int {
	api.mu.Lock()
	defer api.mu.Unlock()
	return api.wrong
}

func (api *reviewLoginAPI) credentials() []string {
	api.mu.Lock()
	defer api.mu.Unlock()
	return append([]string(nil), api.issued...)
}

func (api *reviewLoginAPI) handler() http.Handler {
	c := api.cfg
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+c.path, func(w http.ResponseWriter, r *http.Request) {
		if c.query[0] != "" && r.URL.Query().Get(c.query[0]) != c.query[1] {
			writeJSON(w, http.StatusForbidden, map[string]string{"error": "API key not valid"})
			return
		}
		if c.header[0] != "" && r.Header.Get(c.header[0]) != c.header[1] {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "No API key found in request"})
			return
		}
		f := reviewFields(r)
		user, pw := f[c.userKey], f[c.passKey]
		api.mu.Lock()
		defer api.mu.Unlock()
		exists := user == reviewAccount
		right := exists && pw == c.password
		if !right {
			api.wrong++
		}
		if c.lockAfter > 0 && api.failures[user] >= c.lockAfter && (!right || !c.lockAfterCheck) {
			if !right {
				api.failures[user]++
			}
			if c.retryAfter != "" {
				w.Header().Set("Retry-After", c.retryAfter)
			}
			writeJSON(w, c.lockStatus, c.lockBody)
			return
		}
		if !right {
			api.failures[user]++
			var body any = map[string]string{"error": "invalid username or password"}
			if c.failBody != nil {
				body = c.failBody(exists, api.failures[user])
			}
			writeJSON(w, c.failStatus, body)
			return
		}
		body := map[string]any{"token": "tok-" + randomHex(16), "token_type": "Bearer"}
		if c.success != nil {
			body = c.success()
		}
		for _, v := range body {
			if s, ok := v.(string); ok && len(s) > 12 {
				api.issued = append(api.issued, s)
			}
		}
		writeJSON(w, http.StatusOK, body)
	})
	mux.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
			unauthorized(w)
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"name": reviewAccount})
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { notFound(w) })
	return mux
}

// reviewSpec describes GET /me and POST loginPath, plus extra path items.
func reviewSpec(loginPath, extra string) string {
	return `openapi: 3.0.3
info: {title: review, version: "1"}
components:
  securitySchemes:
    bearerAuth: {type: http, scheme: bearer}
security:
  - bearerAuth: []
paths:
  /me:
    get:
      responses: {"200": {description: me}}
  ` + loginPath + `:
    post:
      security: []
      responses: {"200": {description: token}}
` + extra
}

// reviewThrowaway is a fresh throw-away identity with login l and static
// headers (an API key every request needs).
func reviewThrowaway(l *scanner.Login, static ...scanner.Header) *scanner.Identity {
	id := scanner.NewIdentity(reviewAccount, static)
	id.Throwaway = true
	id.Login = l
	return id
}

// reviewBearerLogin is a JSON (or form) login at path with body, taking
// the bearer token from the JSON field tokenName.
func reviewBearerLogin(path string, form bool, body map[string]any, tokenName string) *scanner.Login {
	format := "json"
	if form {
		format = "form"
	}
	return &scanner.Login{Method: "POST", Path: path, Format: format, Body: body,
		TokenFrom: "json", TokenName: tokenName, Send: "Authorization: Bearer {token}"}
}

// reviewText is every text of a finding that a reader of a report, a PR
// comment or a SARIF upload sees.
func reviewText(f finding.Finding) string {
	var b strings.Builder
	b.WriteString(f.Evidence.Summary)
	for _, r := range f.Reproduce {
		b.WriteString("\n" + r)
	}
	for _, ex := range f.Evidence.Exchanges {
		b.WriteString("\n" + ex.URL + "\n" + ex.ResponseBody)
		for k, v := range ex.RequestHeaders {
			b.WriteString("\n" + k + ": " + v)
		}
		for k, v := range ex.ResponseHeaders {
			b.WriteString("\n" + k + ": " + v)
		}
	}
	return b.String()
}

// reviewFindingOf returns the first finding of rule.
func reviewFindingOf(fs []finding.Finding, rule string) (finding.Finding, bool) {
	for _, f := range fs {
		if f.Rule == rule {
			return f, true
		}
	}
	return finding.Finding{}, false
}

// reviewScan is scanRules with a context of the caller's and the scan's
// error returned instead of failing the test.
func reviewScan(ctx context.Context, t *testing.T, h http.Handler, o scanOpts, budget int) (*scanner.Result, error) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	if budget == 0 {
		budget = 5000
	}
	opts := scanner.Options{
		Target:   srv.URL,
		Mode:     finding.ModeActive,
		Client:   scanner.ClientOptions{Concurrency: 4, Timeout: 5 * time.Second, Budget: budget},
		Wait:     time.Second,
		ReadFile: os.ReadFile,
		Flows:    o.flows,
		APIRules: o.apiRules,
	}
	if o.mode != "" {
		opts.Mode = o.mode
	}
	opts.Identities = append(opts.Identities, o.identities...)
	if o.spec != "" {
		opts.OpenAPI = "spec.yaml"
		opts.ReadFile = func(string) ([]byte, error) { return []byte(o.spec), nil }
	}
	return scanner.Scan(ctx, opts)
}

// ---------------------------------------------------------------------
// login-no-rate-limit: credentials in the evidence
// ---------------------------------------------------------------------

// reviewLeakCase is an unthrottled login (a true login-no-rate-limit
// finding, whose evidence holds the successful login) and the secrets its
// finding must not show.
type reviewLeakCase struct {
	name string
	cfg  reviewLoginCfg
	// login builds the throw-away's login; the spec's login path is
	// cfg.path.
	login func() *scanner.Login
	// secrets are the forms of the credential that must not show;
	// issued adds every credential the API handed out.
	secrets []string
	issued  bool
	// confirmed: redacted since commit 21f3537 (kept as a guard).
	confirmed bool
}

// reviewLeakCases are the leak cases; the product contract says "Nothing
// secret is ever printed: credentials are redacted everywhere."
func reviewLeakCases() []reviewLeakCase {
	const xkcd = "Tr0ub4dor&3-horse" // '&' is what JSON and forms escape
	const clientSecret = "cs-9f8e7d6c5b4a39281706"
	const apiKey = "gw-key-5a4b3c2d1e0f99887766"
	return []reviewLeakCase{
		{
			// Go's json.Marshal writes '&' as \u0026: the body as sent
			// holds "Tr0ub4dor\u00263-horse", which plain redaction of
			// the configured password missed. Every encoding must be
			// hidden.
			name:      "JSON login, password with & hidden in every encoding",
			confirmed: true,
			cfg:       reviewLoginCfg{password: xkcd},
			login: func() *scanner.Login {
				return reviewBearerLogin("/login", false, map[string]any{"username": reviewAccount, "password": xkcd}, "token")
			},
			secrets: []string{xkcd, `Tr0ub4dor\u00263-horse`, url.QueryEscape(xkcd)},
		},
		{
			// Same for a form login (Spring, Rails, Django forms):
			// "Tr0ub4dor%263-horse" in the curl's --data-raw.
			name:      "form login, password with & hidden URL-encoded",
			confirmed: true,
			cfg:       reviewLoginCfg{password: xkcd},
			login: func() *scanner.Login {
				return reviewBearerLogin("/login", true, map[string]any{"username": reviewAccount, "password": xkcd}, "token")
			},
			secrets: []string{xkcd, url.QueryEscape(xkcd)},
		},
		{
			// config/validate.go accepts numbers in a login body
			// ("pin": 482913 in YAML is an int64) and Login.Password()
			// only returns strings: the PIN is hidden only because the
			// curl body hides password-like fields structurally.
			name:      "numeric PIN from YAML hidden",
			confirmed: true,
			cfg:       reviewLoginCfg{passKey: "pin", password: "482913"},
			login: func() *scanner.Login {
				return reviewBearerLogin("/login", false, map[string]any{"username": reviewAccount, "pin": int64(482913)}, "token")
			},
			secrets: []string{"482913"},
		},
		{
			// An OAuth2 password grant (Spring Authorization Server,
			// Keycloak, Doorkeeper, django-oauth-toolkit) sends the
			// confidential client's client_secret in the form body.
			// Every failed and successful login's curl prints it.
			// Expected: body fields named like credentials
			// (client_secret, api_key, secret, ...) are redacted like
			// the password.
			name: "OAuth2 password grant prints client_secret",
			cfg: reviewLoginCfg{path: "/oauth/token", password: "Corr3ct-Horse-Battery", failStatus: http.StatusBadRequest,
				failBody: func(bool, int) any {
					return map[string]string{"error": "invalid_grant", "error_description": "Bad credentials"}
				},
				success: func() map[string]any {
					return map[string]any{"access_token": "at-" + randomHex(16), "token_type": "bearer", "expires_in": 3599, "scope": "read write"}
				}},
			login: func() *scanner.Login {
				return reviewBearerLogin("/oauth/token", true, map[string]any{"grant_type": "password", "username": reviewAccount,
					"password": "Corr3ct-Horse-Battery", "client_id": "web-app", "client_secret": clientSecret}, "access_token")
			},
			secrets: []string{clientSecret},
		},
		{
			// The successful login's answer is evidence; only the token
			// the login is configured to take is redacted. OAuth2 and
			// JWT logins (simplejwt, Keycloak, Spring Authorization
			// Server, Auth0) also return a refresh_token, a long-lived
			// credential, shown in clear. Expected: every credential of
			// a login answer redacted (refresh_token, id_token, a DRF
			// "key" next to a session cookie...), or the successful
			// login shown by status only.
			name: "refresh_token of the successful login is shown",
			cfg: reviewLoginCfg{path: "/api/token", password: "Corr3ct-Horse-Battery",
				success: func() map[string]any {
					return map[string]any{"access_token": "at-" + randomHex(16), "refresh_token": "rt-" + randomHex(24), "token_type": "Bearer", "expires_in": 300}
				}},
			login: func() *scanner.Login {
				return reviewBearerLogin("/api/token", false, map[string]any{"username": reviewAccount, "password": "Corr3ct-Horse-Battery"}, "access_token")
			},
			issued: true,
		},
		{
			// An API gateway key in the login path's query (AWS API
			// Gateway, Apigee, Firebase-style ?key=): a credential
			// parameter, hidden in the URL and the curl.
			name:      "api_key in the login path's query hidden",
			confirmed: true,
			cfg:       reviewLoginCfg{path: "/v1/signin", query: [2]string{"api_key", apiKey}, password: "Corr3ct-Horse-Battery"},
			login: func() *scanner.Login {
				return reviewBearerLogin("/v1/signin?api_key="+apiKey, false, map[string]any{"username": reviewAccount, "password": "Corr3ct-Horse-Battery"}, "token")
			},
			secrets: []string{apiKey},
		},
	}
}

// runReviewLeakCases scans each case with login-no-rate-limit and looks
// for its secrets in everything the finding shows.
func runReviewLeakCases(t *testing.T, confirmed bool) {
	for _, tt := range reviewLeakCases() {
		if tt.confirmed != confirmed {
			continue
		}
		t.Run(tt.name, func(t *testing.T) {
			api := newReviewLoginAPI(tt.cfg)
			fs := scanRules(t, api.handler(), scanOpts{
				spec: reviewSpec(api.cfg.path, ""), mode: finding.ModeActive,
				identities: []*scanner.Identity{reviewThrowaway(tt.login())},
				apiRules:   []scanner.APIRule{rules.LoginNoRateLimit{}},
			}, nil)
			f, ok := reviewFindingOf(fs, "login-no-rate-limit")
			if !ok {
				t.Fatalf("fixture: the unthrottled login should be a finding; got:%s", list(fs))
			}
			secrets := tt.secrets
			if tt.issued {
				secrets = append(secrets, api.credentials()...)
			}
			text := reviewText(f)
			for _, s := range secrets {
				if strings.Contains(text, s) {
					t.Errorf("the finding shows the credential %q:\n%s", s, text)
				}
			}
		})
	}
}

// TestReviewLoginEvidenceLeaks: credentials of a login other than the
// configured password and token still show in login-no-rate-limit's
// evidence (and in password-only-authentication's, which shows the same
// successful login).
func TestReviewLoginEvidenceLeaks(t *testing.T) { runReviewLeakCases(t, false) }

// TestReviewConfirmedLoginEvidenceRedacted: encoded passwords, numeric
// PINs and query API keys of the login are hidden (fixed in 21f3537).
func TestReviewConfirmedLoginEvidenceRedacted(t *testing.T) { runReviewLeakCases(t, true) }

// TestReviewWeakPasswordEvidenceLeaksLoginFields: weak-password-policy
// copies every field of the login body into the registration ("the
// login's other fields copied as they are") and sends it with acctPost,
// whose curl shows the body redacted only by the known password and
// tokens. A login's other credentials (an OAuth2 password grant's
// client_secret; when there is no throw-away, the primary identity's
// login is the one copied) are sent to /register and printed in the
// finding. Expected: credential-like fields (client_secret, secret,
// api_key, otp...) are left out of the registration, or at least hidden
// in its curl as the login's own curl hides them.
func TestReviewWeakPasswordEvidenceLeaksLoginFields(t *testing.T) {
	const clientSecret = "cs-77aa66bb55cc44dd33ee"
	var mu sync.Mutex
	accounts := map[string]string{reviewAccount: "Corr3ct-Horse-Battery"}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth/token", func(w http.ResponseWriter, r *http.Request) {
		f := reviewFields(r)
		mu.Lock()
		want, ok := accounts[f["username"]]
		mu.Unlock()
		if f["client_secret"] != clientSecret || !ok || f["password"] != want {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"access_token": "at-" + randomHex(16), "token_type": "bearer", "expires_in": 3599})
	})
	mux.HandleFunc("POST /register", func(w http.ResponseWriter, r *http.Request) {
		f := reviewFields(r)
		mu.Lock()
		accounts[f["username"]] = f["password"]
		mu.Unlock()
		writeJSON(w, http.StatusCreated, map[string]string{"username": f["username"]})
	})
	spec := reviewSpec("/oauth/token", `  /register:
    post:
      security: []
      responses: {"201": {description: created}}
`)
	id := reviewThrowaway(reviewBearerLogin("/oauth/token", true, map[string]any{"grant_type": "password", "username": reviewAccount,
		"password": "Corr3ct-Horse-Battery", "client_id": "web-app", "client_secret": clientSecret}, "access_token"))
	fs := scanRules(t, mux, scanOpts{spec: spec, mode: finding.ModeActive, identities: []*scanner.Identity{id},
		apiRules: []scanner.APIRule{rules.WeakPasswordPolicy{}}}, nil)
	f, ok := reviewFindingOf(fs, "weak-password-policy")
	if !ok || len(f.Reproduce) == 0 {
		t.Fatalf("fixture: registration accepts any password, want a finding; got:%s", list(fs))
	}
	if strings.Contains(f.Reproduce[0], clientSecret) {
		t.Errorf("the registration's curl shows the login's client_secret: %s", f.Reproduce[0])
	}
}

// ---------------------------------------------------------------------
// login-no-rate-limit: protection recognised, and protection that is not
// ---------------------------------------------------------------------

// TestReviewLoginNoRateLimit holds the login-no-rate-limit cases the rule
// gets wrong: a lockout it does not recognise (it keeps sending), a limit
// that does not stop guessing, and a login it sends without the headers
// it needs.
func TestReviewLoginNoRateLimit(t *testing.T) {
	const pw = "Corr3ct-Horse-Battery"
	cognitoFail := func(bool, int) any {
		return map[string]string{"__type": "NotAuthorizedException", "message": "Incorrect username or password."}
	}
	tests := []struct {
		name     string
		cfg      reviewLoginCfg
		static   []scanner.Header
		want     bool
		maxWrong int // 0: not checked
	}{
		{
			// AWS Cognito answers every failure 400 NotAuthorizedException;
			// after 5 it says "Password attempts exceeded" with the same
			// status and refuses the right password too (a lockout that
			// doubles with each further attempt). No word list matches
			// "attempts exceeded", so the rule sends all 30 failures,
			// lengthening the lockout, where it promises to "stop at the
			// first sign of protection". Expected: at most 6 failed
			// logins ("exceeded", "maximum ... attempts" are protection),
			// no finding.
			name: "Cognito 'Password attempts exceeded' is a lockout: stop",
			cfg: reviewLoginCfg{password: pw, failStatus: http.StatusBadRequest, failBody: cognitoFail,
				lockAfter: 5, lockStatus: http.StatusBadRequest,
				lockBody: map[string]string{"__type": "NotAuthorizedException", "message": "Password attempts exceeded"}},
			maxWrong: 6,
		},
		{
			// The classic bug: the limit is checked only after a wrong
			// password ("if !valid { if ++fails > 5 { 429 } }"), so
			// after the 429s start a right guess still gets a token:
			// guessing goes on, the 200 among the 429s is the hit. The
			// rule stops at the first 429 and never tries the right
			// password, giving the API the benefit of the doubt. A
			// pentester reports it. Expected: after the first sign of
			// protection, one login with the right password; a token
			// while the wrong ones are still throttled is the finding.
			name: "429 only for wrong passwords: the right one still gets in",
			cfg: reviewLoginCfg{password: pw, lockAfter: 5, lockStatus: http.StatusTooManyRequests, retryAfter: "900",
				lockBody: map[string]string{"error": "too many failed login attempts, try again later"}, lockAfterCheck: true},
			want: true,
		},
		{
			// The login needs the identity's static API key header
			// (AWS API Gateway usage plans, Kong key-auth, Supabase's
			// apikey). logIn sends it, but API.Attempt sends every
			// login "as anonymous", without it: all 30 attempts and the
			// right one get 401 "No API key", which the rule reads as a
			// silent lockout, so an unthrottled login passes (and
			// user-enumeration, session rules see nothing). Expected:
			// Attempt sends the identity's static headers like logIn.
			name:   "login needs the identity's X-Api-Key header",
			cfg:    reviewLoginCfg{password: pw, header: [2]string{"X-Api-Key", "gw-key-0011223344556677"}},
			static: []scanner.Header{{Name: "X-Api-Key", Value: "gw-key-0011223344556677"}},
			want:   true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newReviewLoginAPI(tt.cfg)
			var warnings []string
			fs := scanRules(t, api.handler(), scanOpts{
				spec: reviewSpec("/login", ""), mode: finding.ModeActive,
				identities: []*scanner.Identity{reviewThrowaway(reviewBearerLogin("/login", false,
					map[string]any{"username": reviewAccount, "password": pw}, "token"), tt.static...)},
				apiRules: []scanner.APIRule{rules.LoginNoRateLimit{}},
				onResult: func(r *scanner.Result) { warnings = r.Warnings },
			}, nil)
			if got := has(fs, "login-no-rate-limit", "POST", "/login"); got != tt.want {
				t.Errorf("login-no-rate-limit: got %v, want %v; findings:%s\nwarnings: %q", got, tt.want, list(fs), warnings)
			}
			if n := api.wrongLogins(); tt.maxWrong > 0 && n > tt.maxWrong {
				t.Errorf("%d failed logins, want at most %d: the rule must stop at the first sign of protection", n, tt.maxWrong)
			}
		})
	}
}

// TestReviewLockedThrowawayFailsNextScan: on a correctly protected login
// (locked for 15 minutes after 5 failures, 423 Locked, as ASP.NET Core
// Identity's lockout or Devise lockable with a 423 does), an active scan
// leaves the throw-away locked: login-no-rate-limit runs last and its
// docs accept it. But the next scan within the lockout window (the next
// push of the pull request) fails at once: logInAll treats the
// throw-away's 423 as ErrLogin, "check the credentials" (exit 2, nothing
// scanned), though the credentials are right and only the active rules
// need that identity. Expected: a throw-away identity that cannot log in
// is a warning (its active rules skipped, "locked by an earlier scan?"),
// and the rest of the scan runs.
func TestReviewLockedThrowawayFailsNextScan(t *testing.T) {
	const pw = "Corr3ct-Horse-Battery"
	api := newReviewLoginAPI(reviewLoginCfg{password: pw, lockAfter: 5, lockStatus: http.StatusLocked,
		lockBody: map[string]string{"error": "account locked for 15 minutes"}})
	h := api.handler()
	scanOnce := func() (*scanner.Result, error) {
		id := reviewThrowaway(reviewBearerLogin("/login", false, map[string]any{"username": reviewAccount, "password": pw}, "token"))
		return reviewScan(context.Background(), t, h, scanOpts{spec: reviewSpec("/login", ""),
			identities: []*scanner.Identity{id}, apiRules: rules.APIRules()}, 0)
	}
	first, err := scanOnce()
	if err != nil {
		t.Fatalf("fixture: first scan: %v", err)
	}
	if bad := serious(first.Findings); len(bad) > 0 {
		t.Fatalf("fixture: the protected login got findings:%s", list(bad))
	}
	second, err := scanOnce()
	if err != nil {
		t.Fatalf("the scan after an active scan failed because the throw-away is still locked: %v", err)
	}
	t.Logf("warnings: %q", second.Warnings)
}

// reviewSpringAPI is a Spring Security form login: POST /login answers
// 302 to / with a new JSESSIONID on success, and 302 to /login?error on
// failure, also with a JSESSIONID (SimpleUrlAuthenticationFailureHandler
// stores the exception in a new session). No throttling: Spring Security
// has none. Its Spring MVC registration form re-renders itself (200) with
// the validation error for a password under 12 characters or a common
// one, and redirects to /login?registered on success.
type reviewSpringAPI struct {
	mu        sync.Mutex
	sessions  map[string]string
	passwords map[string]string
}

func newReviewSpringAPI() *reviewSpringAPI {
	return &reviewSpringAPI{sessions: map[string]string{}, passwords: map[string]string{reviewAccount: "Corr3ct-Horse-Battery"}}
}

func (s *reviewSpringAPI) handler() http.Handler {
	mux := http.NewServeMux()
	newSession := func(w http.ResponseWriter, user string) {
		id := strings.ToUpper(randomHex(16))
		s.mu.Lock()
		s.sessions[id] = user
		s.mu.Unlock()
		http.SetCookie(w, &http.Cookie{Name: "JSESSIONID", Value: id, Path: "/", HttpOnly: true})
	}
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		f := reviewFields(r)
		s.mu.Lock()
		want, ok := s.passwords[f["username"]]
		s.mu.Unlock()
		if ok && f["password"] == want {
			newSession(w, f["username"])
			http.Redirect(w, r, "/", http.StatusFound)
			return
		}
		newSession(w, "")
		http.Redirect(w, r, "/login?error", http.StatusFound)
	})
	mux.HandleFunc("POST /register", func(w http.ResponseWriter, r *http.Request) {
		f := reviewFields(r)
		pw := f["password"]
		if len(pw) < 12 || commonPassword(pw) {
			w.Header().Set("Content-Type", "text/html;charset=UTF-8")
			fmt.Fprint(w, `<html><body><form method="post" action="/register"><input name="username"><input type="password" name="password"><p class="error">Password must be at least 12 characters</p></form></body></html>`)
			return
		}
		s.mu.Lock()
		s.passwords[f["username"]] = pw
		s.mu.Unlock()
		http.Redirect(w, r, "/login?registered", http.StatusFound)
	})
	mux.HandleFunc("GET /api/me", func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie("JSESSIONID")
		s.mu.Lock()
		user := ""
		if err == nil {
			user = s.sessions[c.Value]
		}
		s.mu.Unlock()
		if user == "" {
			http.Redirect(w, r, "/login", http.StatusFound)
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"username": user})
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { notFound(w) })
	return mux
}

// TestReviewSpringFormLogin: Spring Security's form login answers every
// login with 302 and a JSESSIONID, the failures too (to /login?error).
// Login.token now takes a token from a 3xx cookie login, but does not look
// at where the redirect goes, so every failed login counts as a
// successful one. login-no-rate-limit then stops at the first failure ("a
// wrong password let in"), and weak-password-policy takes the failed login
// of an account whose registration was refused for a login with the
// trivial password: a high-confidence finding on a correct API. Expected:
// a redirect to a login or error page (Location matching login, signin,
// ?error, as scanner.Refusal's loginLocation does) is a failed login even
// when it sets the cookie.
func TestReviewSpringFormLogin(t *testing.T) {
	spec := `openapi: 3.0.3
info: {title: spring, version: "1"}
paths:
  /api/me:
    get:
      responses: {"200": {description: me}}
  /login:
    post:
      security: []
      responses: {"302": {description: redirect}}
  /register:
    post:
      security: []
      responses: {"302": {description: registered}, "200": {description: the form with errors}}
`
	tests := []struct {
		name string
		rule scanner.APIRule
		path string
		want bool
	}{
		{"login-no-rate-limit: Spring Security has no login throttling", rules.LoginNoRateLimit{}, "/login", true},
		{"weak-password-policy: both trivial passwords refused (form re-rendered)", rules.WeakPasswordPolicy{}, "/register", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := reviewThrowaway(&scanner.Login{Method: "POST", Path: "/login", Format: "form",
				Body:      map[string]any{"username": reviewAccount, "password": "Corr3ct-Horse-Battery"},
				TokenFrom: "cookie", TokenName: "JSESSIONID", Send: "Cookie: JSESSIONID={token}"})
			res, err := reviewScan(context.Background(), t, newReviewSpringAPI().handler(), scanOpts{spec: spec,
				identities: []*scanner.Identity{id}, flows: scanner.Flows{Check: "GET /api/me"},
				apiRules: []scanner.APIRule{tt.rule}}, 0)
			if err != nil {
				t.Fatalf("scan: %v", err)
			}
			rule := tt.rule.Info().ID
			if got := has(res.Findings, rule, "POST", tt.path); got != tt.want {
				t.Errorf("%s on POST %s: got %v, want %v; findings:%s\nwarnings: %q", rule, tt.path, got, tt.want, list(res.Findings), res.Warnings)
			}
		})
	}
}

// ---------------------------------------------------------------------
// user-enumeration
// ---------------------------------------------------------------------

// reviewEnumAPI is a login (and a recovery) whose answers are set per
// case; it records every account name a failed login or a recovery named.
type reviewEnumAPI struct {
	key      string                                           // the account field
	account  string                                           // the throw-away's account
	exists   func(name string) bool                           // nil: only account exists
	fail     func(name string, exists bool, n int) (int, any) // a failed login's answer
	recovery func(name string, exists bool) (int, any)        // nil: 202 generic

	mu       sync.Mutex
	failures map[string]int
	named    []string // names of failed logins and recoveries
}

func (api *reviewEnumAPI) isAccount(name string) bool {
	if api.exists != nil {
		return api.exists(name)
	}
	return name == api.account
}

func (api *reviewEnumAPI) handler() http.Handler {
	const pw = "Corr3ct-Horse-Battery"
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		f := reviewFields(r)
		name := f[api.key]
		exists := api.isAccount(name)
		if name == api.account && f["password"] == pw {
			writeJSON(w, http.StatusOK, map[string]string{"token": "tok-" + randomHex(16)})
			return
		}
		api.mu.Lock()
		api.failures[name]++
		n := api.failures[name]
		api.named = append(api.named, name)
		api.mu.Unlock()
		status, body := api.fail(name, exists, n)
		writeJSON(w, status, body)
	})
	mux.HandleFunc("POST /password/forgot", func(w http.ResponseWriter, r *http.Request) {
		name := reviewFields(r)[api.key]
		api.mu.Lock()
		api.named = append(api.named, name)
		api.mu.Unlock()
		if api.recovery == nil {
			writeJSON(w, http.StatusAccepted, map[string]string{"message": "If the account exists, we sent a reset link."})
			return
		}
		status, body := api.recovery(name, api.isAccount(name))
		writeJSON(w, status, body)
	})
	mux.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer tok-") {
			unauthorized(w)
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"name": api.account})
	})
	return mux
}

const reviewRecoveryPath = `  /password/forgot:
    post:
      security: []
      responses: {"202": {description: maybe sent}}
`

// reviewEnumScan runs user-enumeration on api.
func reviewEnumScan(t *testing.T, api *reviewEnumAPI, withRecovery bool) []finding.Finding {
	t.Helper()
	api.failures = map[string]int{}
	extra := ""
	if withRecovery {
		extra = reviewRecoveryPath
	}
	id := reviewThrowaway(reviewBearerLogin("/login", false,
		map[string]any{api.key: api.account, "password": "Corr3ct-Horse-Battery"}, "token"))
	return scanRules(t, api.handler(), scanOpts{
		spec: reviewSpec("/login", extra), mode: finding.ModeActive,
		identities: []*scanner.Identity{id},
		apiRules:   []scanner.APIRule{rules.UserEnumeration{}},
	}, nil)
}

// reviewMask masks an e-mail address the way Cognito's CodeDeliveryDetails
// does: the first letter of the local part and of the domain.
func reviewMask(addr string) string {
	local, domain, _ := strings.Cut(addr, "@")
	if local == "" || domain == "" {
		return "***"
	}
	return local[:1] + "***@" + domain[:1] + "***"
}

// TestReviewUserEnumeration holds the user-enumeration cases the rule
// gets wrong on realistic logins and recoveries.
func TestReviewUserEnumeration(t *testing.T) {
	drfFail := map[string][]string{"non_field_errors": {"Unable to log in with provided credentials."}}
	tests := []struct {
		name     string
		api      *reviewEnumAPI
		recovery bool
		path     string
		want     bool
	}{
		{
			// A login serializer with max_length=15 on username (X's
			// limit; DRF answers 400 "Ensure this field has no more
			// than 15 characters."). enumFakeName turns "mallory" (7)
			// into "authgate" + 8 hex digits (16): the invented name
			// fails validation, the real one fails the password check,
			// both 400 with different bodies, reported at medium. The
			// difference is about the format, not about existence.
			// Expected: no finding; invent a name of the known one's
			// length and character classes, or skip when the invented
			// name's answer is a validation error naming the field.
			name: "FP: 15-character username limit (DRF max_length)",
			api: &reviewEnumAPI{key: "username", account: reviewAccount,
				fail: func(name string, _ bool, _ int) (int, any) {
					if len(name) > 15 {
						return http.StatusBadRequest, map[string][]string{"username": {"Ensure this field has no more than 15 characters."}}
					}
					return http.StatusBadRequest, drfFail
				}},
			path: "/login",
		},
		{
			// Cognito behind a backend with PreventUserExistenceErrors
			// ENABLED answers ForgotPassword for unknown users with a
			// simulated CodeDeliveryDetails, the Destination masked
			// from the address that was sent: "m***@e***" for
			// mallory@example.com, "a***@e***" for authgate-...@example.com.
			// The answers say nothing about existence; the masked echo
			// differs only because the invented name starts with 'a'.
			// Expected: no finding; masked echoes (runs of '*') are
			// normalised like the echoed name.
			name: "FP: recovery echoes the address masked (Cognito simulated delivery)",
			api: &reviewEnumAPI{key: "email", account: "mallory@example.com",
				fail: func(string, bool, int) (int, any) {
					return http.StatusBadRequest, map[string]string{"__type": "NotAuthorizedException", "message": "Incorrect username or password."}
				},
				recovery: func(name string, _ bool) (int, any) {
					return http.StatusOK, map[string]any{"CodeDeliveryDetails": map[string]string{
						"AttributeName": "email", "DeliveryMedium": "EMAIL", "Destination": reviewMask(name)}}
				}},
			recovery: true, path: "/password/forgot",
		},
		{
			// Only existing accounts get an attempts counter
			// ({"error": ..., "attempts_left": 4}, then 3): the
			// textbook enumeration oracle (OWASP WSTG-IDNT-04). The
			// rule sees the difference, but then requires each name's
			// two answers to be 90 % alike, and the counter (4, then
			// 3) makes the known account's answers differ: no finding.
			// Expected: reported; compare each name's answers with
			// numbers masked, so that a key or phrase only the
			// existing account gets still counts.
			name: "FN: attempts_left only for existing accounts",
			api: &reviewEnumAPI{key: "username", account: reviewAccount,
				fail: func(_ string, exists bool, n int) (int, any) {
					if exists {
						return http.StatusUnauthorized, map[string]any{"error": "invalid username or password", "attempts_left": 5 - n}
					}
					return http.StatusUnauthorized, map[string]any{"error": "invalid username or password"}
				}},
			path: "/login", want: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := reviewEnumScan(t, tt.api, tt.recovery)
			if got := has(fs, "user-enumeration", "POST", tt.path); got != tt.want {
				t.Errorf("user-enumeration on POST %s: got %v, want %v; findings:%s", tt.path, got, tt.want, list(fs))
			}
		})
	}
}

// TestReviewEnumerationTouchesRealAccounts: for account names made of
// digits (member numbers, numeric user ids, phone numbers) enumFakeName
// keeps the first digit and randomises the rest: "1042" becomes "1xyz",
// which in a dense id space (every member number 1000-1999 taken, as in
// any club, bank or loyalty scheme) is another member. user-enumeration
// then sends failed logins for that member (counting towards their
// lockout) and starts a password recovery for them (a reset e-mail or SMS
// to a real person). Active rules may only touch throw-away identities.
// Expected: no request names an existing account other than the
// throw-away's; for digit-only names use a reserved range (555-0100..0199
// in NANP, Ofcom's 07700 900xxx drama numbers) or skip the comparison.
func TestReviewEnumerationTouchesRealAccounts(t *testing.T) {
	api := &reviewEnumAPI{key: "account", account: "1042",
		exists: func(name string) bool { return len(name) == 4 && name >= "1000" && name <= "1999" },
		fail: func(string, bool, int) (int, any) {
			return http.StatusUnauthorized, map[string]string{"error": "invalid member number or password"}
		}}
	reviewEnumScan(t, api, true)
	api.mu.Lock()
	defer api.mu.Unlock()
	if len(api.named) == 0 {
		t.Fatal("fixture: the rule sent nothing")
	}
	for _, name := range api.named {
		if name != api.account && api.isAccount(name) {
			t.Errorf("a failed login or a recovery named the existing member %q, not the throw-away %q", name, api.account)
		}
	}
}

// TestReviewRecoveryFlowNamesAnotherAccount: the recovery flow is found
// by its path (POST /api/users/{username}/password-reset), and sent with
// the description's example for the path parameter ("alice", or "1" for
// an id without one) while the throw-away's name goes in a body the
// operation ignores. Both password-recovery-token-exposed and
// user-enumeration then start a password reset for alice: a reset e-mail
// to a real user. Expected: a flow operation whose path parameters name
// an account gets the throw-away's name there, or is not used (skip
// warning naming flows.recovery).
func TestReviewRecoveryFlowNamesAnotherAccount(t *testing.T) {
	var mu sync.Mutex
	var resetFor []string
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/login", func(w http.ResponseWriter, r *http.Request) {
		f := reviewFields(r)
		if f["username"] == reviewAccount && f["password"] == "Corr3ct-Horse-Battery" {
			writeJSON(w, http.StatusOK, map[string]string{"token": "tok-" + randomHex(16)})
			return
		}
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid username or password"})
	})
	mux.HandleFunc("POST /api/users/{username}/password-reset", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		resetFor = append(resetFor, r.PathValue("username"))
		mu.Unlock()
		writeJSON(w, http.StatusAccepted, map[string]string{"message": "If the account exists, we sent a reset link."})
	})
	mux.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) { unauthorized(w) })
	spec := reviewSpec("/api/login", `  /api/users/{username}/password-reset:
    post:
      security: []
      parameters:
        - {name: username, in: path, required: true, schema: {type: string}, example: alice}
      responses: {"202": {description: maybe sent}}
`)
	id := reviewThrowaway(reviewBearerLogin("/api/login", false,
		map[string]any{"username": reviewAccount, "password": "Corr3ct-Horse-Battery"}, "token"))
	scanRules(t, mux, scanOpts{spec: spec, mode: finding.ModeActive,
		identities: []*scanner.Identity{id},
		apiRules:   []scanner.APIRule{rules.PasswordRecoveryTokenExposed{}, rules.UserEnumeration{}}}, nil)
	mu.Lock()
	defer mu.Unlock()
	for _, who := range resetFor {
		if who != reviewAccount && !strings.HasPrefix(who, "authgate") {
			t.Errorf("a password reset was started for %q, a real account, not the throw-away %q (all: %q)", who, reviewAccount, resetFor)
			break
		}
	}
}

// ---------------------------------------------------------------------
// session-not-invalidated-on-logout
// ---------------------------------------------------------------------

// TestReviewLogoutRefusedByRedirect: Auth.js / NextAuth answers a POST to
// /api/auth/signout without its CSRF token with 302 to
// /api/auth/signout?csrf=true (the confirmation page) and signs nothing
// out; browsers send the token, the scanner cannot. logoutProbe takes any
// status below 400 as an accepted logout, sees the session still alive
// and reports it at high confidence: a false positive on a correct API.
// Expected: a redirect back to the logout page (or to a CSRF/error page)
// is a refused logout: the "not run" warning, no finding.
func TestReviewLogoutRefusedByRedirect(t *testing.T) {
	const pw = "Corr3ct-Horse-Battery"
	var mu sync.Mutex
	sessions := map[string]string{}
	user := func(r *http.Request) string {
		c, err := r.Cookie("session")
		if err != nil {
			return ""
		}
		mu.Lock()
		defer mu.Unlock()
		return sessions[c.Value]
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/login", func(w http.ResponseWriter, r *http.Request) {
		f := reviewFields(r)
		if f["username"] != reviewAccount || f["password"] != pw {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "CredentialsSignin"})
			return
		}
		sid := randomHex(16)
		mu.Lock()
		sessions[sid] = reviewAccount
		mu.Unlock()
		http.SetCookie(w, &http.Cookie{Name: "session", Value: sid, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
		writeJSON(w, http.StatusOK, map[string]string{"url": "/"})
	})
	mux.HandleFunc("GET /api/me", func(w http.ResponseWriter, r *http.Request) {
		u := user(r)
		if u == "" {
			unauthorized(w)
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"user": u, "email": u + "@example.com"})
	})
	mux.HandleFunc("POST /api/auth/signout", func(w http.ResponseWriter, r *http.Request) {
		csrf, err := r.Cookie("csrf")
		if err != nil || reviewFields(r)["csrfToken"] != csrf.Value {
			http.Redirect(w, r, "http://"+r.Host+"/api/auth/signout?csrf=true", http.StatusFound)
			return
		}
		if c, err := r.Cookie("session"); err == nil {
			mu.Lock()
			delete(sessions, c.Value)
			mu.Unlock()
		}
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "", Path: "/", MaxAge: -1})
		http.Redirect(w, r, "/", http.StatusFound)
	})
	spec := `openapi: 3.0.3
info: {title: nextauth, version: "1"}
paths:
  /api/me:
    get:
      responses: {"200": {description: me}}
  /api/login:
    post:
      security: []
      responses: {"200": {description: session cookie}}
  /api/auth/signout:
    post:
      responses: {"302": {description: signed out}}
`
	id := reviewThrowaway(&scanner.Login{Method: "POST", Path: "/api/login", Format: "json",
		Body:      map[string]any{"username": reviewAccount, "password": pw},
		TokenFrom: "cookie", TokenName: "session", Send: "Cookie: session={token}"})
	var warnings []string
	fs := scanRules(t, mux, scanOpts{spec: spec, mode: finding.ModeActive,
		identities: []*scanner.Identity{id}, flows: scanner.Flows{Check: "GET /api/me"},
		apiRules: []scanner.APIRule{rules.SessionNotInvalidatedOnLogout{}},
		onResult: func(r *scanner.Result) { warnings = r.Warnings }}, nil)
	if has(fs, "session-not-invalidated-on-logout", "POST", "/api/auth/signout") {
		t.Errorf("a logout refused for want of a CSRF token (302 back to ?csrf=true) was taken for a logout that keeps the session:%s\nwarnings: %q", list(fs), warnings)
	}
}

// ---------------------------------------------------------------------
// bfla-privilege-escalation with an admin identity
// ---------------------------------------------------------------------

// reviewBFLAAPI serves, to every signed-in caller, operations that carry
// an administrative signal but are not administrative: a salon's staff
// (customers pick a stylist), an internal version endpoint, and team
// reports where the admin sees one row more than alice's team.
func reviewBFLAAPI() http.Handler {
	signedIn := func(r *http.Request) (who string, admin bool) {
		if r.Header.Get("Authorization") == "Bearer "+bflaOpsToken {
			return "ops", true
		}
		return caller(r), false
	}
	var rows []map[string]any
	for m := 1; m <= 12; m++ {
		rows = append(rows, map[string]any{"team": "red", "month": fmt.Sprintf("2024-%02d", m), "revenue": 1000 + 37*m})
	}
	green := map[string]any{"team": "green", "month": "2024-12", "revenue": 120}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/salons/{salonId}/staff", func(w http.ResponseWriter, r *http.Request) {
		if who, _ := signedIn(r); who == "" {
			unauthorized(w)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"staff": []map[string]any{
			{"id": 11, "name": "Ines", "role": "stylist"}, {"id": 12, "name": "Marek", "role": "colourist"}, {"id": 13, "name": "Sade", "role": "stylist"}}})
	})
	mux.HandleFunc("GET /api/internal/version", func(w http.ResponseWriter, r *http.Request) {
		if who, _ := signedIn(r); who == "" {
			unauthorized(w)
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"version": "2.14.1", "commit": "a1b2c3d", "region": "eu-west-1"})
	})
	mux.HandleFunc("GET /api/reports", func(w http.ResponseWriter, r *http.Request) {
		who, admin := signedIn(r)
		if who == "" {
			unauthorized(w)
			return
		}
		out := rows
		if admin {
			out = append(append([]map[string]any(nil), rows...), green)
		}
		writeJSON(w, http.StatusOK, map[string]any{"rows": out})
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { notFound(w) })
	return mux
}

// TestReviewBFLAWithAdmin: with an admin identity, declaredAdministrative
// reports high confidence "whatever the signal's strength" as soon as the
// regular user's answer is 90 % like the admin's. Two realistic false
// positives follow, both on operations every signed-in user may call.
func TestReviewBFLAWithAdmin(t *testing.T) {
	spec := `openapi: 3.0.3
info: {title: salons, version: "1"}
components:
  securitySchemes:
    bearerAuth: {type: http, scheme: bearer}
security:
  - bearerAuth: []
paths:
  /api/salons/{salonId}/staff:
    get:
      tags: [salons]
      parameters:
        - {name: salonId, in: path, required: true, schema: {type: integer}, example: 7}
      responses: {"200": {description: the stylists customers can book}}
  /api/internal/version:
    get:
      responses: {"200": {description: build info for signed-in clients}}
  /api/reports:
    get:
      tags: [admin]
      responses: {"200": {description: team reports; admins see every team}}
`
	fs := scanRules(t, reviewBFLAAPI(), scanOpts{spec: spec, auth: aliceToken, admin: opsIdentity()}, rules.BFLARules())
	tests := []struct{ name, path string }{
		// /staff and /internal are weak signals: the code's own
		// comments name "/restaurants/1/staff" and "/internal/health
		// for signed-in users" as ordinary, and without an admin they
		// only give low confidence. With an admin they give high:
		// that everyone gets the same answer as the admin proves
		// nothing about a role. Expected: a weak signal needs the
		// observed proof (a peer of the same role refused), or stays
		// low confidence.
		{"FP: /staff of a salon, readable by every customer", "/api/salons/{salonId}/staff"},
		{"FP: /internal/version for every signed-in client", "/api/internal/version"},
		// "An admin that sees more rows than users": alice gets her
		// team's 12 rows, the admin those 12 and one of a new team.
		// Token similarity is 36/39 = 0.92 >= 0.9, so alice's scoped
		// view passes for "the same data as the admin". Expected: an
		// admin answer that strictly contains the user's (more list
		// elements) is a scoped view, not a finding.
		{"FP: admin sees one row more than the user's scoped view", "/api/reports"},
	}
	got := bflaFindings(fs)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if c, ok := got[tt.path]; ok && c >= finding.ConfidenceMedium {
				t.Errorf("bfla-privilege-escalation on GET %s with confidence %v; findings:%s", tt.path, c, list(fs))
			}
		})
	}
}

// ---------------------------------------------------------------------
// Confirmed correct (these pass)
// ---------------------------------------------------------------------

// TestReviewConfirmedFrameworkLogins documents that the login rules stay
// quiet (nothing of medium severity and medium confidence or above) on
// logins protected the way popular frameworks do it.
func TestReviewConfirmedFrameworkLogins(t *testing.T) {
	const pw = "Corr3ct-Horse-Battery"
	tests := []struct {
		name string
		cfg  reviewLoginCfg
	}{
		{"DRF token login with django-axes (3 failures, 429 Account locked)", reviewLoginCfg{password: pw,
			failStatus: http.StatusBadRequest,
			failBody: func(bool, int) any {
				return map[string][]string{"non_field_errors": {"Unable to log in with provided credentials."}}
			},
			lockAfter: 3, lockStatus: http.StatusTooManyRequests, lockBody: map[string]string{"detail": "Account locked: too many login attempts. Contact an admin to unlock your account."}}},
		{"Devise JSON with lockable (20 attempts)", reviewLoginCfg{password: pw,
			failBody:  func(bool, int) any { return map[string]string{"error": "Invalid Email or password."} },
			lockAfter: 20, lockStatus: http.StatusUnauthorized, lockBody: map[string]string{"error": "Your account is locked."}}},
		{"Express + passport-local + express-rate-limit (429)", reviewLoginCfg{password: pw,
			failBody:  func(bool, int) any { return map[string]string{"message": "Incorrect username or password."} },
			lockAfter: 5, lockStatus: http.StatusTooManyRequests, retryAfter: "900", lockBody: map[string]string{"message": "Too many requests, please try again later."}}},
		{"OAuth2 password grant, Keycloak brute-force detection (30, silent)", reviewLoginCfg{password: pw,
			failStatus: http.StatusBadRequest,
			failBody: func(bool, int) any {
				return map[string]string{"error": "invalid_grant", "error_description": "Invalid user credentials"}
			},
			lockAfter: 30, lockStatus: http.StatusBadRequest, lockBody: map[string]string{"error": "invalid_grant", "error_description": "Invalid user credentials"}}},
		{"generic failure with request id and timestamp, locked after 5", reviewLoginCfg{password: pw,
			failBody: func(bool, int) any {
				return map[string]string{"error": "invalid credentials", "requestId": randomHex(8), "timestamp": time.Now().UTC().Format(time.RFC3339Nano)}
			},
			lockAfter: 5, lockStatus: http.StatusLocked, lockBody: map[string]string{"error": "locked"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newReviewLoginAPI(tt.cfg)
			fs := scanRules(t, api.handler(), scanOpts{
				spec: reviewSpec("/login", ""), mode: finding.ModeActive,
				identities: []*scanner.Identity{reviewThrowaway(reviewBearerLogin("/login", false,
					map[string]any{"username": reviewAccount, "password": pw}, "token"))},
				apiRules: rules.LoginRules(),
			}, nil)
			if bad := serious(fs); len(bad) > 0 {
				t.Errorf("false positives:%s", list(bad))
			}
			if api.wrongLogins() == 0 {
				t.Error("fixture: no failed login was sent")
			}
		})
	}
}

// TestReviewConfirmedStopsOnCancelAndBudget documents that the active
// rules stop sending when the scan is cancelled or the budget is spent,
// and that the restore after a rule sends nothing once cancelled.
func TestReviewConfirmedStopsOnCancelAndBudget(t *testing.T) {
	const pw = "Corr3ct-Horse-Battery"
	const cancelAfter = 5
	t.Run("cancel", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		api := newReviewLoginAPI(reviewLoginCfg{password: pw})
		inner := api.handler()
		var mu sync.Mutex
		after := 0
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if ctx.Err() != nil {
				mu.Lock()
				after++
				mu.Unlock()
			}
			inner.ServeHTTP(w, r)
			if api.wrongLogins() == cancelAfter {
				cancel()
			}
		})
		res, err := reviewScan(ctx, t, h, scanOpts{spec: reviewSpec("/login", ""),
			identities: []*scanner.Identity{reviewThrowaway(reviewBearerLogin("/login", false, map[string]any{"username": reviewAccount, "password": pw}, "token"))},
			apiRules:   rules.APIRules()}, 0)
		if err == nil && has(res.Findings, "login-no-rate-limit", "POST", "/login") {
			t.Errorf("a cancelled scan reported login-no-rate-limit")
		}
		if err != nil && !errors.Is(err, context.Canceled) && !strings.Contains(err.Error(), "cancel") {
			t.Logf("scan error: %v", err)
		}
		mu.Lock()
		defer mu.Unlock()
		if after > 0 {
			t.Errorf("%d requests reached the target after the scan was cancelled", after)
		}
	})
	t.Run("budget", func(t *testing.T) {
		const budget = 15
		api := newReviewLoginAPI(reviewLoginCfg{password: pw})
		inner := api.handler()
		var mu sync.Mutex
		seen := 0
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/" { // the wait probe is outside the budget
				mu.Lock()
				seen++
				mu.Unlock()
			}
			inner.ServeHTTP(w, r)
		})
		res, err := reviewScan(context.Background(), t, h, scanOpts{spec: reviewSpec("/login", ""),
			identities: []*scanner.Identity{reviewThrowaway(reviewBearerLogin("/login", false, map[string]any{"username": reviewAccount, "password": pw}, "token"))},
			apiRules:   []scanner.APIRule{rules.LoginNoRateLimit{}}}, budget)
		if err != nil {
			t.Fatalf("scan: %v", err)
		}
		mu.Lock()
		defer mu.Unlock()
		if seen > budget {
			t.Errorf("%d requests for a budget of %d", seen, budget)
		}
		if has(res.Findings, "login-no-rate-limit", "POST", "/login") || res.Incomplete == "" {
			t.Errorf("a scan cut short by its budget: findings%s, incomplete %q", list(res.Findings), res.Incomplete)
		}
	})
}

// TestReviewConfirmedOddAnswers documents that no active rule panics on
// odd answers: a login that answers 204 with only a cookie, an HTML check
// page, an empty logout answer, a huge registration answer, a non-JSON
// recovery answer.
func TestReviewConfirmedOddAnswers(t *testing.T) {
	const pw = "Corr3ct-Horse-Battery"
	huge := strings.Repeat("<p>authgate review filler 0123456789</p>", 1<<15) // > 1 MiB
	for _, loginStatus := range []int{http.StatusNoContent, http.StatusOK} {
		t.Run(fmt.Sprint("login ", loginStatus), func(t *testing.T) {
			mux := http.NewServeMux()
			mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
				f := reviewFields(r)
				if f["username"] == reviewAccount && f["password"] == pw {
					http.SetCookie(w, &http.Cookie{Name: "sid", Value: "s-" + randomHex(16), Path: "/"})
					w.WriteHeader(loginStatus)
					if loginStatus == http.StatusOK {
						fmt.Fprint(w, "OK")
					}
					return
				}
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(http.StatusOK)
				fmt.Fprint(w, "<html><body><form><input type=password name=password></form>wrong</body></html>")
			})
			mux.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				if _, err := r.Cookie("sid"); err != nil {
					w.WriteHeader(http.StatusUnauthorized)
					return
				}
				fmt.Fprint(w, "<html><body><h1>Hello mallory</h1></body></html>")
			})
			mux.HandleFunc("POST /logout", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
			mux.HandleFunc("POST /register", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, huge) })
			mux.HandleFunc("POST /password/forgot", func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprint(w, "sent? maybe. /reset?token=")
			})
			spec := `openapi: 3.0.3
info: {title: odd, version: "1"}
paths:
  /me: {get: {responses: {"200": {description: me}}}}
  /login: {post: {security: [], responses: {"204": {description: ok}}}}
  /logout: {post: {responses: {"200": {description: ok}}}}
  /register: {post: {security: [], responses: {"200": {description: ok}}}}
  /password/forgot: {post: {security: [], responses: {"200": {description: ok}}}}
`
			id := reviewThrowaway(&scanner.Login{Method: "POST", Path: "/login", Format: "form",
				Body: map[string]any{"username": reviewAccount, "password": pw}, TokenFrom: "cookie", TokenName: "sid", Send: "Cookie: sid={token}"})
			res, err := reviewScan(context.Background(), t, mux, scanOpts{spec: spec, identities: []*scanner.Identity{id},
				flows: scanner.Flows{Check: "GET /me"}, apiRules: rules.APIRules()}, 0)
			if err != nil {
				t.Fatalf("scan: %v", err)
			}
			t.Logf("findings:%s\nwarnings: %q", list(res.Findings), res.Warnings)
		})
	}
}
