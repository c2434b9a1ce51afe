package scanner

// Review of the login-flow engine (login.go, identity.go, api.go,
// target.go): each test states the expected behaviour and fails on the
// code as reviewed. They are repros for the lead, not fixes.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authgate/authgate/finding"
)

// reviewToken is the opaque session token the review servers hand out.
const reviewToken = "rv-session-token-0123456789"

// secretForms returns the ways a secret can appear in text once it went
// through an encoder: as is, JSON-escaped (with and without Go's HTML
// escaping), URL-query- and path-escaped.
func secretForms(secret string) []string {
	forms := []string{secret}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(secret)
	plain := strings.TrimSpace(b.String())
	html, _ := json.Marshal(secret)
	for _, s := range []string{plain, string(html)} {
		forms = append(forms, strings.TrimSuffix(strings.TrimPrefix(s, `"`), `"`))
	}
	forms = append(forms, url.QueryEscape(secret), url.PathEscape(secret))
	return forms
}

// leaked returns the first form of secret found in text, or "".
func leaked(text, secret string) string {
	for _, f := range secretForms(secret) {
		if strings.Contains(text, f) {
			return f
		}
	}
	return ""
}

// reviewShown is every string of the findings a report could show
// (summary, exchanges, curl commands), unescaped.
func reviewShown(fs []finding.Finding) string {
	return fmt.Sprintf("%+v", fs)
}

// loginAttemptRule sends every login flow once with its configured body
// and reports it on the login operation, as login-no-rate-limit and
// session-fixation do with their "the real login still works" evidence.
type loginAttemptRule struct{}

func (loginAttemptRule) Info() finding.RuleInfo {
	ri, _ := finding.Lookup("login-no-rate-limit")
	return ri
}

func (loginAttemptRule) CheckAPI(ctx context.Context, a *API) []finding.Finding {
	var fs []finding.Finding
	for _, l := range a.Logins() {
		r := a.Attempt(ctx, l, nil, nil)
		a.Token(l, r)
		fs = append(fs, a.LoginTarget(l).NewFinding("login-no-rate-limit", finding.ConfidenceHigh, "login attempt", r))
	}
	return fs
}

// attemptScan scans h in active mode with one throw-away identity
// logging in with l and loginAttemptRule as the only rule.
func attemptScan(t *testing.T, h http.Handler, l *Login) (*Result, error) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	id := NewIdentity("mallory", nil)
	id.Throwaway = true
	id.Login = l
	return Scan(context.Background(), Options{
		Target:     srv.URL,
		Endpoints:  []string{"GET /me"},
		Identities: []*Identity{id},
		Mode:       finding.ModeActive,
		Client:     ClientOptions{Concurrency: 2, Timeout: 5 * time.Second},
		Wait:       time.Second,
		APIRules:   []APIRule{loginAttemptRule{}},
	})
}

// acceptAnyLogin answers every POST /login with body (default: a JSON
// token) and every other request with a small JSON record.
func acceptAnyLogin(body string) http.HandlerFunc {
	if body == "" {
		body = fmt.Sprintf(`{"token":%q}`, reviewToken)
	}
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/login" {
			fmt.Fprint(w, body)
			return
		}
		fmt.Fprint(w, `{"id":1,"name":"mallory"}`)
	}
}

// TestReviewLoginSecretInCurlBody: the curl reproduction of a login
// carries the body as sent (--data-raw), but the redactor only knows the
// password as a raw top-level string of at least 6 characters. Expected:
// the password never appears in any form (JSON-escaped, form-encoded,
// nested, numeric or short), e.g. by redacting the password field of the
// body structurally before encoding it for curl.
func TestReviewLoginSecretInCurlBody(t *testing.T) {
	login := func(format string, body map[string]any) *Login {
		return &Login{Method: "POST", Path: "/login", Format: format, Body: body,
			TokenFrom: "json", TokenName: "token", Send: "Authorization: Bearer {token}"}
	}
	tests := []struct {
		name   string
		login  *Login
		secret string
	}{
		{"json escapes & < > quote backslash", login("json", map[string]any{"username": "mallory", "password": `Tr&<ub>"le\Pw-42`}), `Tr&<ub>"le\Pw-42`},
		{"json escapes a control character", login("json", map[string]any{"username": "mallory", "password": "Tab\tPassw0rd-99"}), "Tab\tPassw0rd-99"},
		{"form encodes + & % space unicode", login("form", map[string]any{"username": "mallory", "password": "p+s&w% rd-ünï"}), "p+s&w% rd-ünï"},
		{"nested body (Rails/Devise user.password)", login("json", map[string]any{"user": map[string]any{"email": "m@example.com", "password": "Nested-Passw0rd-77"}}), "Nested-Passw0rd-77"},
		{"numeric PIN from unquoted YAML", login("json", map[string]any{"username": "mallory", "pin": int64(48213977)}), "48213977"},
		{"short password", login("json", map[string]any{"username": "mallory", "password": "Pw1!x"}), "Pw1!x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := attemptScan(t, acceptAnyLogin(""), tt.login)
			if err != nil {
				t.Fatalf("scan: %v", err)
			}
			if len(res.Findings) == 0 {
				t.Fatal("the attempt rule reported nothing")
			}
			shown := reviewShown(res.Findings)
			if !strings.Contains(shown, "--data-raw") {
				t.Fatalf("no curl with a body in %s", shown)
			}
			if f := leaked(shown, tt.secret); f != "" {
				t.Errorf("the password appears as %q in the findings: %s", f, res.Findings[0].Reproduce)
			}
		})
	}
}

// TestReviewLoginTokenEscapedInEvidence: a login answer that escapes "/"
// in JSON (PHP's json_encode does by default) carries the token as
// abc\/def; the redactor knows abc/def only, so the login answer shown as
// evidence keeps the token. Expected: the token is redacted in every
// encoding the body uses (redact after decoding JSON strings, or add the
// escaped forms to the redactor).
func TestReviewLoginTokenEscapedInEvidence(t *testing.T) {
	const tok = "Zm9v/YmFy+c2Vzc2lvbi10b2tlbg=="
	body := `{"token":"` + strings.ReplaceAll(tok, "/", `\/`) + `"}`
	l := &Login{Method: "POST", Path: "/login", Format: "json", Body: map[string]any{"username": "mallory", "password": "Corr3ct-Horse-Battery"},
		TokenFrom: "json", TokenName: "token", Send: "Authorization: Bearer {token}"}
	res, err := attemptScan(t, acceptAnyLogin(body), l)
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	if len(res.Findings) == 0 {
		t.Fatal("the attempt rule reported nothing")
	}
	shown := reviewShown(res.Findings)
	for _, form := range []string{tok, strings.ReplaceAll(tok, "/", `\/`)} {
		if strings.Contains(shown, form) {
			t.Errorf("the session token appears as %q in the evidence", form)
		}
	}
}

// TestReviewLoginPathQuerySecret: a login path may carry an expanded
// ${VAR} in its query (config.checkLoginPath never repeats it for that
// reason), yet logIn's errors quote the path and the login's URL is not
// redacted in evidence or curl. Expected: neither the error nor any
// finding shows the query's secret (redact credential parameters of the
// login URL, and name the login by its path without the query).
func TestReviewLoginPathQuerySecret(t *testing.T) {
	const secret = "Cl1ent-S3cret-Value-8842"
	l := func() *Login {
		return &Login{Method: "POST", Path: "/login?client_id=web&client_secret=" + secret, Format: "json",
			Body: map[string]any{"username": "mallory", "password": "Corr3ct-Horse-Battery"}, TokenFrom: "json", TokenName: "token", Send: "Authorization: Bearer {token}"}
	}
	t.Run("error of a refused login", func(t *testing.T) {
		refuse := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, `{"error":"invalid credentials"}`, http.StatusUnauthorized)
		})
		// A throw-away that cannot log in is a warning, not a failed
		// scan (an earlier active scan may have locked it out).
		res, err := attemptScan(t, refuse, l())
		if err != nil {
			t.Fatalf("scan: %v", err)
		}
		msg := strings.Join(res.Warnings, "\n")
		if !strings.Contains(msg, "login POST /login answered 401") {
			t.Fatalf("warnings = %q, want the refused login", res.Warnings)
		}
		if strings.Contains(msg, secret) {
			t.Errorf("the login warning quotes the client secret: %q", msg)
		}
	})
	t.Run("evidence and curl of the login", func(t *testing.T) {
		res, err := attemptScan(t, acceptAnyLogin(""), l())
		if err != nil {
			t.Fatalf("scan: %v", err)
		}
		if len(res.Findings) == 0 {
			t.Fatal("the attempt rule reported nothing")
		}
		if f := leaked(reviewShown(res.Findings), secret); f != "" {
			t.Errorf("the client secret appears as %q in the findings: %v", f, res.Findings[0].Reproduce)
		}
	})
}

// TestReviewCredentialQueryParamEncoded: an API key in the target URL's
// query is added to the redactor raw, but the request URL shown in
// evidence and curl is query-encoded, so a key with + / = (base64) is
// shown in full. Expected: the encoded form is redacted too.
func TestReviewCredentialQueryParamEncoded(t *testing.T) {
	const key = "AbC+dEf/123456=="
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"id":1,"name":"alice","email":"alice@example.com"}`)
	})
	res := regressScan(t, h, "/data?api_key="+url.QueryEscape(key), nil, true)
	if len(res.Findings) == 0 {
		t.Fatal("the evidence rule reported nothing")
	}
	if f := leaked(reviewShown(res.Findings), key); f != "" {
		t.Errorf("the API key appears as %q in the findings: %v", f, res.Findings[0].Reproduce)
	}
}

// countingAPI serves POST /login (counted), GET /me for any issued
// token and GET /admin, which refuses every user token with 401 (many
// APIs answer 401 rather than 403 to a role that may not pass). Tokens
// stop working after uses requests (0: never). tokenFor, when set, makes
// the token of login n.
type countingAPI struct {
	uses     int
	tokenFor func(n int) string
	cookie   func(w http.ResponseWriter, tok string) // set: the token goes in a cookie, written by this

	mu     sync.Mutex
	logins int
	left   map[string]int
}

func (a *countingAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch r.URL.Path {
	case "/login":
		a.logins++
		tok := fmt.Sprintf("rv-tok-%04d-abcdef", a.logins)
		if a.tokenFor != nil {
			tok = a.tokenFor(a.logins)
		}
		if a.left == nil {
			a.left = map[string]int{}
		}
		a.left[tok] = a.uses
		if a.uses == 0 {
			a.left[tok] = -1
		}
		if a.cookie != nil {
			a.cookie(w, tok)
			return
		}
		fmt.Fprintf(w, `{"token":%q}`, tok)
	case "/me", "/admin":
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		if c, err := r.Cookie("sid"); err == nil {
			tok = c.Value
		}
		n, ok := a.left[tok]
		if !ok || n == 0 || r.URL.Path == "/admin" {
			http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
			return
		}
		if n > 0 {
			a.left[tok] = n - 1
		}
		fmt.Fprint(w, `{"user":"mallory","email":"mallory@example.com"}`)
	default:
		http.NotFound(w, r)
	}
}

func (a *countingAPI) loginCount() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.logins
}

// pathsRule reads each of paths in turn, rounds times, as the main
// identity, and reports every answer.
type pathsRule struct {
	paths  []string
	rounds int
}

func (pathsRule) Info() finding.RuleInfo {
	ri, _ := finding.Lookup(evidenceRuleID)
	return ri
}

func (p pathsRule) Check(ctx context.Context, t *Target) []finding.Finding {
	if t.Op.Path != "/me" {
		return nil
	}
	var fs []finding.Finding
	for i := range p.rounds {
		for _, path := range p.paths {
			var r *Response
			if path == "/me" {
				r = t.Do(ctx, t.Request(t.Main(), t.Values()))
			} else {
				r = t.s.do(ctx, &Request{Method: "GET", URL: t.s.base.JoinPath(path), Identity: t.Main()})
			}
			f := t.NewFinding(evidenceRuleID, finding.ConfidenceHigh, fmt.Sprintf("%s #%d", path, i), r)
			f.Fingerprint = fmt.Sprintf("%s-%d", path, i)
			fs = append(fs, f)
		}
	}
	return fs
}

// countingScan scans api as a primary identity that logs in at /login.
func countingScan(t *testing.T, api http.Handler, l *Login, rule Rule, concurrency int) (*Result, error) {
	t.Helper()
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	id := NewIdentity("alice", nil)
	id.Login = l
	return Scan(context.Background(), Options{
		Target:     srv.URL,
		Endpoints:  []string{"GET /me"},
		Primary:    id,
		Identities: []*Identity{id},
		Mode:       finding.ModeSafe,
		Client:     ClientOptions{Concurrency: concurrency, Timeout: 5 * time.Second},
		Wait:       time.Second,
		Rules:      []Rule{rule},
	})
}

func reviewLogin() *Login {
	return &Login{Method: "POST", Path: "/login", Format: "json", Body: map[string]any{"username": "alice", "password": "Alice-Passw0rd-31"},
		TokenFrom: "json", TokenName: "token", Send: "Authorization: Bearer {token}"}
}

// meStatuses returns the statuses of the findings' /me reads.
func meStatuses(fs []finding.Finding) []int {
	var out []int
	for _, f := range fs {
		if strings.HasPrefix(f.Evidence.Summary, "/me") {
			out = append(out, f.Evidence.Exchanges[0].Status)
		}
	}
	return out
}

// TestReviewReloginStormOnForbidden401: every 401 from an operation the
// identity may not use (here /admin) is taken for an expired token as
// soon as the token has worked once, so a scan that alternates allowed
// and forbidden operations logs the primary (a real account, in safe
// mode) in again for each forbidden one, up to maxRelogins. Expected: a
// 401 whose resend after a re-login is refused again marks that
// operation as refusing and does not log in again; the login count stays
// at 1 here.
func TestReviewReloginStormOnForbidden401(t *testing.T) {
	api := &countingAPI{}
	res, err := countingScan(t, api, reviewLogin(), pathsRule{paths: []string{"/me", "/admin"}, rounds: 10}, 1)
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	if len(res.Findings) != 20 {
		t.Fatalf("want 20 reads, got %d", len(res.Findings))
	}
	if n := api.loginCount(); n > 2 {
		t.Errorf("the primary logged in %d times for 10 refused /admin reads; want at most 2 (no re-login when the operation, not the token, refuses)", n)
	}
}

// TestReviewReloginCapStopsHealthyRefresh: maxRelogins counts every
// re-login, including the ones that worked, so in a long scan with
// short-lived tokens the identity stops being refreshed after 20 and the
// rest of the scan silently runs with a dead token (every read 401, no
// warning). Expected: only re-logins that did not help count against the
// bound (reset after a success), and hitting it is reported.
func TestReviewReloginCapStopsHealthyRefresh(t *testing.T) {
	api := &countingAPI{uses: 3}
	res, err := countingScan(t, api, reviewLogin(), pathsRule{paths: []string{"/me"}, rounds: 90}, 1)
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	refused := 0
	for _, st := range meStatuses(res.Findings) {
		if st != http.StatusOK {
			refused++
		}
	}
	if refused > 0 {
		t.Errorf("%d of 90 reads answered 401 after the re-login bound was reached (logins %d); want every read let in, as each re-login worked",
			refused, api.loginCount())
	}
}

// reviewJWT returns an unsigned JWT with the claims.
func reviewJWT(claims string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + enc([]byte(claims)) + ".c2lnbmF0dXJl"
}

// TestReviewShortLivedJWTReloginStorm: tokenExpiry subtracts a fixed 30s
// margin from exp and trusts the runner's clock, so a token that lives
// less than 30s, or whose exp is already past on the runner's clock
// (server clock behind), is "expired" at every request: each request
// logs in again until maxRelogins. Expected: the margin is a fraction
// of the token's lifetime (exp - iat), measured from the local login
// time, so these tokens are used until they expire or a 401; at most 2
// logins for 10 quick reads.
func TestReviewShortLivedJWTReloginStorm(t *testing.T) {
	tests := []struct {
		name      string
		exp, life time.Duration // exp relative to the runner's now, lifetime exp-iat
	}{
		{"20s access token", 20 * time.Second, 20 * time.Second},
		{"server clock 5 minutes behind", -4 * time.Minute, time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := &countingAPI{tokenFor: func(n int) string {
				exp := time.Now().Add(tt.exp)
				return reviewJWT(fmt.Sprintf(`{"sub":"alice","n":%d,"iat":%d,"exp":%d}`, n, exp.Add(-tt.life).Unix(), exp.Unix()))
			}}
			res, err := countingScan(t, api, reviewLogin(), pathsRule{paths: []string{"/me"}, rounds: 10}, 1)
			if err != nil {
				t.Fatalf("scan: %v", err)
			}
			for _, st := range meStatuses(res.Findings) {
				if st != http.StatusOK {
					t.Fatalf("a read answered %d", st)
				}
			}
			if n := api.loginCount(); n > 2 {
				t.Errorf("logged in %d times for 10 reads with a token the server accepts; want at most 2", n)
			}
		})
	}
}

// TestReviewCookieLoginAnswers: the token is only taken from a 2xx
// answer and from the first cookie of its name. Form logins commonly
// answer 302/303 with Set-Cookie and a Location (the POST-redirect-GET
// pattern), and frameworks often clear the old session cookie before
// setting the new one. Expected: both log in and /me is read with the
// new session (a 3xx without the cookie stays a failed login; an expired
// Set-Cookie is not the token).
func TestReviewCookieLoginAnswers(t *testing.T) {
	tests := []struct {
		name   string
		cookie func(w http.ResponseWriter, tok string)
	}{
		{"303 See Other with Set-Cookie", func(w http.ResponseWriter, tok string) {
			http.SetCookie(w, &http.Cookie{Name: "sid", Value: tok, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
			w.Header().Set("Location", "/dashboard")
			w.WriteHeader(http.StatusSeeOther)
		}},
		{"old cookie cleared before the new one", func(w http.ResponseWriter, tok string) {
			w.Header().Add("Set-Cookie", "sid=deleted; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0")
			http.SetCookie(w, &http.Cookie{Name: "sid", Value: tok, Path: "/", HttpOnly: true})
			fmt.Fprint(w, `{"ok":true}`)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := &countingAPI{cookie: tt.cookie}
			l := reviewLogin()
			l.Format, l.TokenFrom, l.TokenName, l.Send = "form", "cookie", "sid", "Cookie: sid={token}"
			res, err := countingScan(t, api, l, pathsRule{paths: []string{"/me"}, rounds: 1}, 1)
			if err != nil {
				t.Fatalf("scan: %v; want the cookie login to succeed", err)
			}
			for _, st := range meStatuses(res.Findings) {
				if st != http.StatusOK {
					t.Errorf("GET /me with the login's session answered %d; want 200", st)
				}
			}
		})
	}
}

// TestReviewLoginPathPercentEncoded: config.checkLoginPath tells users to
// percent-encode spaces in a login path, but loginURL puts the path in
// url.URL.Path (the decoded form), so %20 is sent as %2520. Expected: the
// path is sent as written.
func TestReviewLoginPathPercentEncoded(t *testing.T) {
	var mu sync.Mutex
	var got []string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodPost {
			mu.Lock()
			got = append(got, r.URL.EscapedPath())
			mu.Unlock()
			if r.URL.EscapedPath() == "/tenants/acme%20corp/login" {
				fmt.Fprintf(w, `{"token":%q}`, reviewToken)
				return
			}
			http.NotFound(w, r)
			return
		}
		fmt.Fprint(w, `{"user":"alice"}`)
	})
	l := reviewLogin()
	l.Path = "/tenants/acme%20corp/login"
	_, err := countingScan(t, h, l, pathsRule{paths: []string{"/me"}, rounds: 1}, 1)
	if err != nil {
		mu.Lock()
		defer mu.Unlock()
		t.Errorf("scan: %v; the login was sent to %q, want /tenants/acme%%20corp/login", err, got)
	}
}

// TestReviewLoginWhenTargetNamesEndpoint: with TARGET naming one endpoint
// (http://h/user?user_id=1, the product's motivating case) the base is
// the origin alone, but logInAll resolves the login path before
// operations() drops the endpoint's path, so the login goes to
// /user/login. Expected: the login goes to /login.
func TestReviewLoginWhenTargetNamesEndpoint(t *testing.T) {
	var mu sync.Mutex
	var got []string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodPost {
			mu.Lock()
			got = append(got, r.URL.Path)
			mu.Unlock()
			if r.URL.Path == "/login" {
				fmt.Fprintf(w, `{"token":%q}`, reviewToken)
				return
			}
			http.NotFound(w, r)
			return
		}
		fmt.Fprint(w, `{"user_id":"1","name":"alice"}`)
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	id := NewIdentity("alice", nil)
	id.Login = reviewLogin()
	_, err := Scan(context.Background(), Options{
		Target: srv.URL + "/user?user_id=1", Primary: id, Identities: []*Identity{id},
		Client: ClientOptions{Concurrency: 1, Timeout: 5 * time.Second}, Wait: time.Second,
		Rules: []Rule{evidenceRule{}},
	})
	if err != nil {
		mu.Lock()
		defer mu.Unlock()
		t.Errorf("scan: %v; the login was sent to %q, want /login", err, got)
	}
}
