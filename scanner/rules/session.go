package rules

import (
	"context"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/internal/lazyre"
	"github.com/authgate/authgate/scanner"
)

// This file holds the session rules: does logout end a session, and does
// login issue a new session id. Both are active-only: they log the
// throw-away identity in and out, and leave sessions on the target that
// only the throw-away account owns.

// SessionRules returns the session rules in a fixed order.
func SessionRules() []scanner.APIRule {
	return []scanner.APIRule{SessionNotInvalidatedOnLogout{}, SessionFixation{}}
}

var (
	_ scanner.APIRule = SessionNotInvalidatedOnLogout{}
	_ scanner.APIRule = SessionFixation{}
)

// sessionIDBytes is the randomness of a planted session id: 128 bits, as
// OWASP asks of real session ids, so that it can never name a session the
// target already has.
const sessionIDBytes = 16

// plantedSessionPrefix marks a session id the scanner invented, so that an
// owner reading the target's logs recognises it.
const plantedSessionPrefix = "authgate-fixation-"

// sessionPrereqs finds what both rules need: a throw-away identity, and a
// check operation that anonymous requests cannot pass (else "let in"
// would say nothing about a session). ok is false after a.Skip.
func sessionPrereqs(ctx context.Context, a *scanner.API, rule string) (throwaways []*scanner.Identity, check *scanner.Target, ok bool) {
	throwaways = a.Throwaways()
	if len(throwaways) == 0 {
		a.Skip(rule, a.NoThrowaway(noThrowaway))
		return nil, nil, false
	}
	check, ok = a.Flow(ctx, scanner.FlowCheck)
	if !ok {
		a.Skip(rule, "no operation that needs a login to check a session with (name it in flows.check)")
		return nil, nil, false
	}
	if in, r := a.Works(ctx, check, scanner.Anonymous); in {
		a.Skip(rule, fmt.Sprintf("the check operation %s lets anonymous requests in (%s), so it cannot tell a live session", sessionOpName(check), sessionStatus(r)))
		return nil, nil, false
	}
	return throwaways, check, true
}

// sessionOpName is "METHOD /path" of t's operation.
func sessionOpName(t *scanner.Target) string { return t.Op.Method + " " + t.Op.Path }

// sessionStatus describes an answer for a skip message or a summary.
func sessionStatus(r *scanner.Response) string {
	if r == nil || r.Err != nil {
		return "no answer"
	}
	return fmt.Sprintf("status %d", r.Status)
}

// sessionSkip collects why a rule could not judge any login, so that one
// warning says it all when nothing was tested.
type sessionSkip struct {
	rule    string
	tested  bool
	reasons []string
}

func (s *sessionSkip) add(format string, args ...any) {
	s.reasons = append(s.reasons, fmt.Sprintf(format, args...))
}

// report records the warning when no login could be judged.
func (s *sessionSkip) report(a *scanner.API) {
	if !s.tested && len(s.reasons) > 0 {
		a.Skip(s.rule, strings.Join(s.reasons, "; "))
	}
}

// SessionNotInvalidatedOnLogout logs the throw-away identity in afresh,
// logs that session out, and checks whether the token still works. A
// stateless JWT whose logout only asks the client to forget it is a
// finding too: whoever copied the token keeps the session.
type SessionNotInvalidatedOnLogout struct{}

// Info returns the catalog entry.
func (SessionNotInvalidatedOnLogout) Info() finding.RuleInfo {
	return info("session-not-invalidated-on-logout")
}

// CheckAPI tries each throw-away login until one shows a session that
// survives its logout; one finding at most, on the logout operation.
func (SessionNotInvalidatedOnLogout) CheckAPI(ctx context.Context, a *scanner.API) []finding.Finding {
	const rule = "session-not-invalidated-on-logout"
	if a.Mode() != finding.ModeActive {
		return nil
	}
	if len(a.Throwaways()) == 0 {
		a.Skip(rule, a.NoThrowaway(noThrowaway))
		return nil
	}
	logout, ok := a.Flow(ctx, scanner.FlowLogout)
	if !ok {
		a.NotApplicable(rule, "no logout operation found (name it in flows.logout)")
		return nil
	}
	throwaways, check, ok := sessionPrereqs(ctx, a, rule)
	if !ok {
		return nil
	}
	skip := &sessionSkip{rule: rule}
	for _, tw := range throwaways {
		if ctx.Err() != nil || a.Exhausted() {
			return nil
		}
		if f, ok := logoutProbe(ctx, a, rule, tw, logout, check, skip); ok {
			return []finding.Finding{f}
		}
	}
	skip.report(a)
	return nil
}

// logoutProbe runs the test for one throw-away identity: a fresh session
// (never the one the scan runs with), checked, logged out, checked twice.
func logoutProbe(ctx context.Context, a *scanner.API, rule string, tw *scanner.Identity, logout, check *scanner.Target, skip *sessionSkip) (finding.Finding, bool) {
	l := tw.Login
	// The logout's parameters first: a logout route that names an account
	// gets the throw-away's name, never the description's example (a
	// real user's), and one the scanner cannot fill is not sent at all.
	if _, why := flowValues(a, logout, l, l.Username()); why != "" {
		skip.add("the logout operation %s (flows.logout)", why)
		return finding.Finding{}, false
	}
	login := a.Attempt(ctx, l, nil, nil)
	tok, ok := a.Token(l, login)
	if !ok {
		skip.add("the login %s %s of %s answered %s without a token", l.Method, l.Path, tw.Name, sessionStatus(login))
		return finding.Finding{}, false
	}
	id := a.As(tw.Name+"-session", l, tok)
	in, before := a.Works(ctx, check, id)
	if !in {
		skip.add("a fresh session of %s is not let into the check operation %s (%s)", tw.Name, sessionOpName(check), sessionStatus(before))
		return finding.Finding{}, false
	}

	req, _ := logoutRequest(a, logout, id, l) // its parameters were checked above
	out := logout.Do(ctx, req)
	if why := logoutRefusal(out); why != "" {
		skip.add("the logout %s refused the session of %s (%s)", sessionOpName(logout), tw.Name, why)
		return finding.Finding{}, false
	}
	skip.tested = true

	in, after := a.Works(ctx, check, id)
	if !in || scanner.Similarity(before.Body, after.Body) < sameContent {
		return finding.Finding{}, false // revoked, or another view: not this session's data
	}
	// Every positive is confirmed by a second, fresh request: a
	// revocation that takes a moment to spread is not a finding.
	in, again := a.Works(ctx, check, id)
	if !in || scanner.Similarity(before.Body, again.Body) < sameContent {
		return finding.Finding{}, false
	}
	summary := fmt.Sprintf("%s answered %d to the logout of a fresh session of %s, and the same token was still let into %s twice afterwards (%s, then %s).",
		sessionOpName(logout), out.Status, tw.Name, sessionOpName(check), sessionStatus(after), sessionStatus(again))
	if clearsCookie(out, l) {
		summary += " The logout answer told the browser to delete the session cookie, but the server still accepts it."
	}
	if strings.Count(tok, ".") == 2 {
		summary += " The token is a JWT: a logout that only tells the client to forget it leaves it valid until it expires. Only revocation on the server ends it (its jti on a deny list until exp, or a session store the token is checked against); a short lifetime narrows the window but does not close it."
	}
	return logout.NewFinding(rule, finding.ConfidenceHigh, summary, before, out, again), true
}

// clearsCookie reports whether a logout answer deletes l's session cookie
// on the client (empty value or an expiry in the past).
func clearsCookie(r *scanner.Response, l *scanner.Login) bool {
	if l.TokenFrom != "cookie" {
		return false
	}
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.Name == l.TokenName && (c.Value == "" || c.MaxAge < 0) {
			return true
		}
	}
	return false
}

// SessionFixation sends the login of a cookie session together with a
// session id that existed before the login (one the scanner planted, one
// the server handed out to an anonymous visitor) and checks whether that
// id is logged in afterwards: then whoever set it in a victim's browser
// shares the victim's session.
type SessionFixation struct{}

// Info returns the catalog entry.
func (SessionFixation) Info() finding.RuleInfo { return info("session-fixation") }

// CheckAPI probes every throw-away login whose token is a cookie; one
// finding at most per login operation.
func (SessionFixation) CheckAPI(ctx context.Context, a *scanner.API) []finding.Finding {
	const rule = "session-fixation"
	if a.Mode() != finding.ModeActive {
		return nil
	}
	var cookieLogins []*scanner.Identity
	for _, tw := range a.Throwaways() {
		if tw.Login.TokenFrom == "cookie" {
			cookieLogins = append(cookieLogins, tw)
		}
	}
	switch {
	case len(a.Throwaways()) == 0:
		a.Skip(rule, a.NoThrowaway(noThrowaway))
		return nil
	case len(cookieLogins) == 0:
		a.NotApplicable(rule, "the login does not use a session cookie")
		return nil
	}
	_, check, ok := sessionPrereqs(ctx, a, rule)
	if !ok {
		return nil
	}
	skip := &sessionSkip{rule: rule}
	var out []finding.Finding
	reported := map[string]bool{}
	for _, tw := range cookieLogins {
		if ctx.Err() != nil || a.Exhausted() {
			break
		}
		target := a.LoginTarget(tw.Login)
		if reported[sessionOpName(target)] {
			continue
		}
		if f, ok := fixationProbes(ctx, a, rule, tw, target, check, skip); ok {
			reported[sessionOpName(target)] = true
			out = append(out, f)
		}
	}
	skip.report(a)
	return out
}

// fixationProbes runs the planted and the server-issued probe for one
// login and returns the first finding.
func fixationProbes(ctx context.Context, a *scanner.API, rule string, tw *scanner.Identity, target, check *scanner.Target, skip *sessionSkip) (finding.Finding, bool) {
	l := tw.Login
	// A plain login first: it shows the login sets its session cookie at
	// all, and its request (the login's exact URL and body) is the one
	// the probes send again with a pre-login cookie.
	plain := a.Attempt(ctx, l, nil, nil)
	if _, ok := a.Token(l, plain); !ok {
		skip.add("the login %s %s of %s answered %s without the session cookie %s", l.Method, l.Path, tw.Name, sessionStatus(plain), l.TokenName)
		return finding.Finding{}, false
	}

	planted := plantedSessionPrefix + hex.EncodeToString(randomBytes(sessionIDBytes))
	if f, ok := fixationProbe(ctx, a, rule, tw, plain, target, check, planted, nil, skip); ok {
		return f, true
	}
	if ctx.Err() != nil || a.Exhausted() {
		return finding.Finding{}, false
	}
	issued, first := preLoginSession(ctx, a, l, check)
	if issued == "" {
		return finding.Finding{}, false // no session before login: nothing to fix
	}
	return fixationProbe(ctx, a, rule, tw, plain, target, check, issued, first, skip)
}

// preLoginSession asks, anonymously, for the session cookie a visitor gets
// before logging in: from the check operation, else from GET on the
// login's path (the page with the login form).
func preLoginSession(ctx context.Context, a *scanner.API, l *scanner.Login, check *scanner.Target) (string, *scanner.Response) {
	for _, t := range []*scanner.Target{check, a.Target(http.MethodGet, l.Path)} {
		r := t.Do(ctx, t.Request(scanner.Anonymous, t.Values()))
		if v := setCookie(r, l.TokenName); v != "" {
			return v, r
		}
		if ctx.Err() != nil || a.Exhausted() {
			break
		}
	}
	return "", nil
}

// setCookie is the value an answer sets for the cookie name; "" when it
// sets none or deletes it.
func setCookie(r *scanner.Response, name string) string {
	if r == nil || r.Err != nil {
		return ""
	}
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.Name == name && c.Value != "" && c.MaxAge >= 0 {
			return c.Value
		}
	}
	return ""
}

// fixationProbe sends the login carrying the pre-login session id pre and
// then tries pre on the check operation. issuedBy is the anonymous answer
// that handed pre out, nil for a planted id.
func fixationProbe(ctx context.Context, a *scanner.API, rule string, tw *scanner.Identity, plain *scanner.Response, target, check *scanner.Target, pre string, issuedBy *scanner.Response, skip *sessionSkip) (finding.Finding, bool) {
	l := tw.Login
	kind := "a session id the scanner planted"
	if issuedBy != nil {
		kind = "the session id the server gave an anonymous visitor"
	}
	preID := a.As(tw.Name+"-preauth", l, pre)
	// A check that lets the id in before the login cannot show what the
	// login did to it.
	if in, r := a.Works(ctx, check, preID); in {
		skip.add("the check operation %s lets %s in before any login (%s)", sessionOpName(check), kind, sessionStatus(r))
		return finding.Finding{}, false
	}

	// The plain login's request again, carrying the pre-login cookie.
	// Attempt cannot carry it: the client strips credential headers,
	// Cookie among them, from anonymous requests.
	req := *plain.Request
	req.Header = nil
	req.Identity = preID
	req.ThrottleIsAnswer = true
	login := target.Do(ctx, &req)
	if login.Err != nil || login.Status >= http.StatusBadRequest {
		skip.add("the login %s %s of %s sent with %s answered %s", l.Method, l.Path, tw.Name, kind, sessionStatus(login))
		return finding.Finding{}, false
	}
	skip.tested = true
	renewed := setCookie(login, l.TokenName)
	if renewed != "" {
		a.Token(l, login) // the new session: hidden in reports like the old
	}

	in, after := a.Works(ctx, check, preID)
	if !in {
		return finding.Finding{}, false
	}
	in, again := a.Works(ctx, check, preID)
	if !in {
		return finding.Finding{}, false
	}
	what := "set no new session cookie"
	switch {
	case renewed == pre:
		what = "set the same session id again"
	case renewed != "":
		what = "set a new session cookie but kept the old id logged in too"
	}
	summary := fmt.Sprintf("The login %s %s of %s, sent with %s in the cookie %s, answered %d and %s; the pre-login id was then let into %s twice (%s, then %s). Whoever sets that id in a victim's browser shares the victim's session after the victim logs in.",
		l.Method, l.Path, tw.Name, kind, l.TokenName, login.Status, what, sessionOpName(check), sessionStatus(after), sessionStatus(again))
	evidence := []*scanner.Response{login, again}
	if issuedBy != nil {
		evidence = append([]*scanner.Response{issuedBy}, evidence...)
	}
	f := target.NewFinding(rule, finding.ConfidenceHigh, summary, evidence...)
	endSession(ctx, a, preID, l)
	return f, true
}

// endSession logs a session of l's account the rule left logged in out
// again, when the API has a logout: the scanner's restore only renews the
// throw-away identity's own session.
func endSession(ctx context.Context, a *scanner.API, id *scanner.Identity, l *scanner.Login) {
	logout, ok := a.Flow(ctx, scanner.FlowLogout)
	if !ok || ctx.Err() != nil || a.Exhausted() {
		return
	}
	if req, ok := logoutRequest(a, logout, id, l); ok {
		logout.Do(ctx, req)
	}
}

// logoutRequest is the logout operation sent as id, a session of l's
// account; ok is false when the logout's path names something the
// scanner cannot fill with that account's own value (see flowValues).
// Methods that carry a body get an empty JSON object: it is what a logout
// without parameters expects, and some frameworks refuse a body-less POST.
func logoutRequest(a *scanner.API, logout *scanner.Target, id *scanner.Identity, l *scanner.Login) (req *scanner.Request, ok bool) {
	values, why := flowValues(a, logout, l, l.Username())
	if why != "" {
		return nil, false
	}
	req = logout.Request(id, values)
	switch req.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch:
		req.Body, req.ContentType = []byte("{}"), "application/json"
	}
	return req, true
}

// logoutRefusedAt matches where a refused logout sends the browser: a CSRF
// check (Auth.js's ?csrf=true confirmation page, Django's CSRF failure
// view) or an error page.
var logoutRefusedAt = lazyre.New(`(?i)(csrf|xsrf|error|fail|denied|invalid|forbidden)`)

// logoutRefusalBody matches a short 2xx answer that refuses the logout
// for want of a CSRF token ({"error": "invalid CSRF token"}, "CSRF token
// missing"), not one that merely hands out a new token.
var logoutRefusalBody = lazyre.New(`(?i)(csrf|xsrf)[^"<]{0,40}\b(invalid|missing|mismatch|fail(ed|ure)?|required|expired|not (valid|match|found|present))|\b(invalid|missing|bad|no)\b[^"<]{0,20}(csrf|xsrf)`)

// logoutRefusal says why a logout answer is a refusal rather than a
// logout: no answer, a 4xx/5xx, a redirect back to the logout itself (a
// confirmation page: nothing was signed out) or to a CSRF or error page,
// or a 2xx whose short body is a denial or a CSRF complaint. "" for an
// accepted logout. A redirect anywhere else (home, the login page with
// ?logout) is how form logouts answer.
func logoutRefusal(r *scanner.Response) string {
	switch {
	case r == nil || r.Err != nil:
		return "no answer"
	case r.Status >= http.StatusBadRequest:
		return sessionStatus(r)
	case r.Status >= 300 && r.Status < 400:
		loc := r.Header.Get("Location")
		u, err := url.Parse(loc)
		if err != nil {
			return fmt.Sprintf("status %d to an unreadable location", r.Status)
		}
		if r.Request != nil && r.Request.URL != nil {
			u = r.Request.URL.ResolveReference(u)
			if loc != "" && u.Path == r.Request.URL.Path {
				return fmt.Sprintf("status %d back to the logout itself, a confirmation page", r.Status)
			}
		}
		if logoutRefusedAt.MatchString(u.Path) || logoutRefusedAt.MatchString(u.RawQuery) {
			return fmt.Sprintf("status %d to a CSRF or error page", r.Status)
		}
	case scanner.Refusal(r) == "denial in the body":
		return fmt.Sprintf("status %d with a refusal in the body", r.Status)
	case len(r.Body) <= maxLogoutRefusalBody && logoutRefusalBody.Match(r.Body):
		return fmt.Sprintf("status %d with a CSRF complaint in the body", r.Status)
	}
	return ""
}

// maxLogoutRefusalBody bounds the 2xx answers searched for a CSRF
// complaint: an error message is short, a page may mention CSRF in a
// hidden form field.
const maxLogoutRefusalBody = 512
