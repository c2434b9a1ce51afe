package scanner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/authgate/authgate/internal/lazyre"
)

// ErrLogin: a configured identity could not log in because of its
// credentials or its login settings (exit code 2: fix the config).
var ErrLogin = errors.New("login failed")

// Login is how an identity gets its token: one request to the target's
// origin, then the token taken from the answer's JSON, a header or a
// cookie, and sent in the Send header.
type Login struct {
	Method        string         // default POST
	Path          string         // relative to the target URL, like --endpoint
	Format        string         // "json" (default) or "form"
	Body          map[string]any // the request's fields
	UsernameField string         // "" : found by name
	PasswordField string         // "" : found by name
	TokenFrom     string         // "json", "header" or "cookie"
	TokenName     string         // dotted JSON path, header name or cookie name
	Send          string         // "Header: value" with {token}
	Lifetime      time.Duration  // 0: until the JWT's exp or a 401

	// at is Path resolved against the target URL when the scan starts,
	// before a description can change the scan's base.
	at *url.URL
}

// Field names recognised when UsernameField / PasswordField are not set.
var (
	usernameFieldName = lazyre.New(`(?i)^(user_?name|user|email|e-?mail|login|account|phone|handle|user_?id)$`)
	passwordFieldName = lazyre.New(`(?i)^(pass(word)?|pwd|passwd|secret|pin)$`)
)

// credentialFieldName matches body and answer fields that hold a secret
// besides the password: client secrets, API keys, one-time codes, tokens.
var credentialFieldName = lazyre.New(`(?i)(pass|pwd|secret|api[_-]?key|token|jwt|(^|[_-])(pin|otp|totp|sid|session|session[_-]?id)$|passcode|credential)`)

// Field returns the body field whose name matches re, or set when given.
func (l *Login) field(set string, re *lazyre.Regexp) string {
	if set != "" {
		return set
	}
	for _, k := range slices.Sorted(maps.Keys(l.Body)) {
		if re.MatchString(k) {
			return k
		}
	}
	return ""
}

// UsernameKey is the body field holding the account name; "" when none.
func (l *Login) UsernameKey() string { return l.field(l.UsernameField, usernameFieldName) }

// PasswordKey is the body field holding the password; "" when none.
func (l *Login) PasswordKey() string { return l.field(l.PasswordField, passwordFieldName) }

// Username is the account name the login sends; "" when unknown.
func (l *Login) Username() string {
	if v, ok := l.Body[l.UsernameKey()]; ok && v != nil {
		return fmt.Sprint(v)
	}
	return ""
}

// Password is the password the login sends; "" when unknown.
func (l *Login) Password() string {
	if k := l.PasswordKey(); k != "" {
		if s, ok := l.Body[k].(string); ok {
			return s
		}
	}
	return ""
}

// encode returns the body with changes applied (a nil value removes the
// field), its content type, and the body as shown in reports: every
// password-like field, at any depth, replaced by a placeholder, so that a
// password is hidden whatever its length, type or encoding.
func (l *Login) encode(changes map[string]any) (body []byte, ctype string, shown []byte) {
	fields := make(map[string]any, len(l.Body))
	for k, v := range l.Body {
		fields[k] = v
	}
	for k, v := range changes {
		if v == nil {
			delete(fields, k)
			continue
		}
		fields[k] = v
	}
	body, ctype = encodeFields(l.Format, fields)
	shown, _ = encodeFields(l.Format, l.hidePasswords(fields).(map[string]any))
	return body, ctype, shown
}

func encodeFields(format string, fields map[string]any) ([]byte, string) {
	if format == "form" {
		form := url.Values{}
		for k, v := range fields {
			form.Set(k, fmt.Sprint(v))
		}
		return []byte(form.Encode()), "application/x-www-form-urlencoded"
	}
	b, err := json.Marshal(fields)
	if err != nil {
		// The config package only lets JSON-encodable values through.
		b = []byte("{}")
	}
	return b, "application/json"
}

// hidePasswords returns a copy of v with the values of password-like keys
// replaced by the redaction placeholder.
func (l *Login) hidePasswords(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			if k == l.PasswordField || passwordFieldName.MatchString(k) || credentialFieldName.MatchString(k) {
				out[k] = redacted
				continue
			}
			out[k] = l.hidePasswords(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = l.hidePasswords(e)
		}
		return out
	}
	return v
}

// token takes the token out of a login answer.
func (l *Login) token(r *Response) (string, bool) {
	if r == nil || r.Err != nil || r.Status < 200 || r.Status >= 400 {
		return "", false
	}
	if r.Status >= 300 && (l.TokenFrom != "cookie" || failedLoginRedirect(r)) {
		// Only form logins answer with a redirect (POST-redirect-GET),
		// and they carry the session in a cookie; a redirect back to the
		// login form or to an error page is a refusal, even when it sets
		// a (new, anonymous) session cookie, as Spring Security does.
		return "", false
	}
	switch l.TokenFrom {
	case "header":
		v := strings.TrimSpace(r.Header.Get(l.TokenName))
		if scheme, rest, ok := strings.Cut(v, " "); ok && strings.EqualFold(scheme, "bearer") {
			v = rest
		}
		return v, v != ""
	case "cookie":
		// The last live cookie of the name: frameworks often clear the
		// old session (Max-Age=0, an expiry in the past) before setting
		// the new one.
		var tok string
		for _, c := range (&http.Response{Header: r.Header}).Cookies() {
			if c.Name != l.TokenName {
				continue
			}
			expired := c.MaxAge < 0 || (!c.Expires.IsZero() && c.Expires.Before(time.Now()))
			if expired || c.Value == "" {
				tok = ""
				continue
			}
			tok = c.Value
		}
		return tok, tok != ""
	}
	var v any
	if json.Unmarshal(r.Body, &v) != nil {
		return "", false
	}
	for _, part := range strings.Split(l.TokenName, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[part]
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(x) {
				return "", false
			}
			v = x[i]
		default:
			return "", false
		}
	}
	s, ok := v.(string)
	return s, ok && s != ""
}

// failedLoginPage matches where frameworks send a refused form login:
// back to the form (/login?error, /signin) or to an error page.
var failedLoginPage = lazyre.New(`(?i)(log-?in|sign-?in|auth|error|fail|denied|invalid)`)

// failedLoginRedirect reports whether a 3xx answer sends the browser back
// to a login form or an error page.
func failedLoginRedirect(r *Response) bool {
	loc, err := url.Parse(r.Header.Get("Location"))
	if err != nil {
		return true
	}
	return failedLoginPage.MatchString(loc.Path) || failedLoginPage.MatchString(loc.RawQuery)
}

// hideAnswerSecrets makes the redactor hide every secret-like value of a
// login answer's JSON (refresh tokens, id tokens, session ids), not only
// the token the scan uses.
func (s *scan) hideAnswerSecrets(r *Response) {
	if r == nil || r.Err != nil || len(r.Body) == 0 {
		return
	}
	EachScalar(r.Body, true, func(key, value string) {
		if credentialFieldName.MatchString(key) && len(value) >= minSecretLen {
			s.redactor.add(value)
		}
	})
}

// header is the credential header carrying token.
func (l *Login) header(token string) Header {
	name, value, _ := strings.Cut(l.Send, ":")
	return Header{Name: textproto.CanonicalMIMEHeaderKey(strings.TrimSpace(name)), Value: strings.ReplaceAll(strings.TrimSpace(value), "{token}", token)}
}

// loginURL resolves l.Path against base once, when the scan starts (see
// Login.at). The path keeps its percent-encoding; credential parameters
// of its query are hidden wherever the URL is shown.
func (s *scan) loginURL(l *Login, base *url.URL) *url.URL {
	if l.at != nil {
		return l.at
	}
	u := &url.URL{Scheme: base.Scheme, Host: base.Host, Path: base.Path + l.Path}
	if p, err := url.Parse(l.Path); err == nil {
		u.Path = base.Path + p.Path
		if p.RawPath != "" {
			u.RawPath = base.EscapedPath() + p.EscapedPath()
		}
		u.RawQuery = p.RawQuery
		for name, vs := range p.Query() {
			if credentialParam.MatchString(name) {
				s.redactor.add(vs...)
			}
		}
	}
	return u
}

// loginRequest builds l's request with changes to its fields, sent with
// as's static credentials only (an API key some logins need), never a
// token.
func (s *scan) loginRequest(l *Login, as *Identity, changes map[string]any) *Request {
	body, ctype, shown := l.encode(changes)
	u := *s.loginURL(l, s.base)
	req := &Request{Method: l.Method, URL: &u, Body: body, ContentType: ctype, Identity: Anonymous, shownBody: shown}
	if as != nil && len(as.static) > 0 {
		req.Identity = NewIdentity(as.Name+"/login", as.static)
	}
	return req
}

// logIn logs id in with its Login and installs the token. Failures that
// are the credentials' or the settings' fault wrap ErrLogin; the target
// failing to answer wraps ErrUnreachable, answering 5xx or 429
// ErrScanFailed.
func (s *scan) logIn(ctx context.Context, id *Identity) error {
	l := id.Login
	s.redactor.add(l.Password())
	req := s.loginRequest(l, id, nil)
	// A 429 to a login is the account's lockout or the login's rate
	// limit: waiting out a Retry-After of minutes would stall the scan,
	// so it fails the login at once.
	req.ThrottleIsAnswer = true
	resp := s.do(ctx, req)
	// The path without its query: a query may hold a client secret.
	path, _, _ := strings.Cut(l.Path, "?")
	what := fmt.Sprintf("identity %s: login %s %s", id.Name, l.Method, path)
	switch {
	case resp.Err != nil:
		return fmt.Errorf("%w: %s: %v", ErrUnreachable, what, resp.Err)
	case resp.Status == http.StatusTooManyRequests:
		return &loginThrottledError{what: what}
	case resp.Status >= 500:
		return fmt.Errorf("%w: %s answered %d", ErrScanFailed, what, resp.Status)
	}
	s.hideAnswerSecrets(resp)
	tok, ok := l.token(resp)
	switch {
	case !ok && (resp.Status < 200 || resp.Status >= 300):
		return fmt.Errorf("%w: %s answered %d; check the credentials and the login settings", ErrLogin, what, resp.Status)
	case !ok:
		return fmt.Errorf("%w: %s answered %d without a token at %s:%s", ErrLogin, what, resp.Status, l.TokenFrom, l.TokenName)
	}
	s.redactor.add(tok)
	id.rememberLogin(resp.Body)
	id.keepLoginAnswer(resp)
	id.setToken(l.header(tok))
	id.loggedIn = time.Now()
	id.expires = tokenExpiry(tok, id.loggedIn, l.Lifetime)
	id.successes.Store(0)
	return nil
}

// keepLoginAnswer keeps id's first successful login answer. Later logins
// (after an expiry, after an active rule) are left out: when they happen
// depends on timing, and a rule judging them would not decide alike every
// run; they send the same request as the first.
func (id *Identity) keepLoginAnswer(r *Response) {
	id.mu.Lock()
	defer id.mu.Unlock()
	if id.loginResp == nil {
		id.loginResp = r
	}
}

// LoginAnswer is an identity's first successful login: whose it was and
// the answer, request included.
type LoginAnswer struct {
	Identity *Identity
	*Response
}

// LoginAnswers returns the first successful login of every identity that
// logged in (primary, peer, admin, then the configured ones, the scan's
// own accounts among them), in that fixed order. Every login happens
// before the operation pass, so each operation's rules see the same
// answers. Their bodies may hold the token: findings built from them go
// through the redactor like any other.
func (t *Target) LoginAnswers() []LoginAnswer {
	var out []LoginAnswer
	for _, id := range t.s.allIdentities() {
		id.mu.RLock()
		r := id.loginResp
		id.mu.RUnlock()
		if r != nil {
			out = append(out, LoginAnswer{Identity: id, Response: r})
		}
	}
	return out
}

// expiryMargin re-logs in this long before a token's exp, so that a
// request in flight does not carry a token that expires on the way; a
// quarter of the lifetime for tokens that live less than two minutes.
const expiryMargin = 30 * time.Second

// tokenExpiry is when a token should be replaced: its JWT lifetime (exp
// less iat, counted from the local login time, so a server clock that is
// off does not matter) less a margin, or the configured lifetime,
// whichever comes first; zero when neither is known.
func tokenExpiry(tok string, now time.Time, lifetime time.Duration) time.Time {
	var at time.Time
	if lifetime > 0 {
		at = now.Add(lifetime)
	}
	payload, ok := jwtPayload(tok)
	if !ok {
		return at
	}
	var claims struct {
		Exp json.Number `json:"exp"`
		Iat json.Number `json:"iat"`
	}
	if json.Unmarshal(payload, &claims) != nil {
		return at
	}
	exp, err := claims.Exp.Float64()
	if err != nil || exp <= 0 {
		return at
	}
	life := time.Unix(int64(exp), 0).Sub(now)
	if iat, err := claims.Iat.Float64(); err == nil && iat > 0 && iat < exp {
		life = time.Duration(exp-iat) * time.Second
	}
	if life <= 0 {
		return at // already past on our clock and no iat: rely on the 401
	}
	jwtAt := now.Add(life - min(expiryMargin, life/4))
	if at.IsZero() || jwtAt.Before(at) {
		return jwtAt
	}
	return at
}

// maxRelogins bounds the logins in a row that did not help (no success
// since): a token that keeps failing is a broken configuration, not
// something to hammer the login with.
const maxRelogins = 5

// refresh logs id in again when its token has expired, or (after401) when
// the target refused a token that had worked before. It reports whether
// the identity now has other credentials than seen, so that the caller
// sends its request again.
func (s *scan) refresh(ctx context.Context, id *Identity, after401 bool, seen []Header) bool {
	id.loginMu.Lock()
	defer id.loginMu.Unlock()
	if !slices.Equal(id.Creds(), seen) {
		return true // another request logged in again meanwhile
	}
	switch {
	case id.relogins.Load() >= maxRelogins:
		return false
	case after401:
		// A 401 to a token that never worked since the last login is
		// the operation refusing this identity, not an expiry.
		if id.successes.Load() == 0 {
			return false
		}
	case id.expires.IsZero() || time.Now().Before(id.expires):
		return false
	}
	id.relogins.Add(1)
	return s.logIn(ctx, id) == nil
}

// do sends a request as its identity, logging the identity in again first
// when its token has expired, and once more after a 401 to a token that
// used to work. An operation that still answers 401 after a fresh login
// refuses the identity itself: it never causes a login again. Every
// request of the scan goes through here.
func (s *scan) do(ctx context.Context, req *Request) *Response {
	if r := s.refuse(req); r != nil {
		return r // excluded or state-changing: never sent, by any rule
	}
	id := req.Identity
	if id == nil || id.Login == nil {
		resp := s.client.Do(ctx, req)
		if resp.Status == http.StatusUnauthorized && id != nil {
			s.noteUnauthorized(ctx, id, req)
		}
		return resp
	}
	seen := id.Creds()
	if s.refresh(ctx, id, false, seen) {
		seen = id.Creds()
	}
	resp := s.client.Do(ctx, req)
	if resp.Status == http.StatusUnauthorized && !id.refuses(req) && s.refresh(ctx, id, true, seen) {
		resp = s.client.Do(ctx, req)
		if resp.Status == http.StatusUnauthorized {
			id.markRefusing(req)
		}
	}
	if resp.OK() {
		id.successes.Add(1)
		id.relogins.Store(0)
	}
	return resp
}

// refuses reports whether req's operation answered 401 to a fresh login.
func (id *Identity) refuses(req *Request) bool {
	id.loginMu.Lock()
	defer id.loginMu.Unlock()
	return id.refusing[req.Method+" "+req.URL.Path]
}

func (id *Identity) markRefusing(req *Request) {
	id.loginMu.Lock()
	defer id.loginMu.Unlock()
	if id.refusing == nil {
		id.refusing = map[string]bool{}
	}
	id.refusing[req.Method+" "+req.URL.Path] = true
}
