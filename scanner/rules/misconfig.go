package rules

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/internal/lazyre"
	"github.com/authgate/authgate/scanner"
	"github.com/authgate/authgate/scanner/openapi"
)

// This file holds the transport and configuration rules: CORS, cookies,
// credentials in URLs or over plain HTTP, and secrets in answers.

// MisconfigRules returns this family's rules in a fixed order. Call it once
// per scan: the API-wide rules keep per-scan state in their values.
func MisconfigRules() []scanner.Rule {
	return []scanner.Rule{
		&CORSCredentialedOriginReflection{},
		&CookieInsecure{},
		APIKeyInQuery{},
		&CleartextCredentials{},
		CredentialsInResponse{},
	}
}

// apiWide turns an operation's finding into one for the whole API.
func apiWide(f finding.Finding, key string) finding.Finding {
	// key stands for the auth scheme in the fingerprint: callers pass
	// something that does not depend on which operation came first.
	f.Method, f.Path = "*", "*"
	f.Fingerprint = finding.Fingerprint(f.Rule, "*", "*", key)
	return f
}

// newFinding is Target.NewFinding with every credential the target showed
// in its answers (password hashes, keys, tokens, session ids, a URL's
// password; see secretsIn) hidden from the evidence, not only those the
// summary names: the engine's redactor only knows the scan's own
// credentials, and the evidence is posted where anyone can read it.
func newFinding(t *scanner.Target, rule string, conf finding.Confidence, summary string, rs ...*scanner.Response) finding.Finding {
	f := t.NewFinding(rule, conf, summary, rs...)
	var values []string
	for _, r := range rs {
		_, v := secretsIn(r.Body)
		values = append(values, v...)
	}
	values = slices.Compact(slices.Sorted(slices.Values(values)))
	// The raw body may hold the value JSON-escaped (PHP writes "\/" for
	// "/"): hide that form too.
	for _, v := range slices.Clone(values) {
		if b, err := json.Marshal(v); err == nil {
			if esc := strings.ReplaceAll(string(b[1:len(b)-1]), "/", `\/`); esc != v {
				values = append(values, esc)
			}
		}
	}
	slices.SortFunc(values, func(a, b string) int { return len(b) - len(a) })
	for i := range f.Evidence.Exchanges {
		x := &f.Evidence.Exchanges[i]
		for _, v := range values {
			x.ResponseBody = strings.ReplaceAll(x.ResponseBody, v, "[REDACTED]")
		}
		if x.Truncated {
			x.ResponseBody = hideCutSecret(x.ResponseBody, values)
		}
	}
	return f
}

// minCutSecret is the shortest start of a secret hidden where the
// evidence is cut: fewer characters tell nothing, and hiding them would
// eat innocent text that merely ends like a secret begins.
const minCutSecret = 3

// hideCutSecret hides the start of a secret that the evidence limit cut
// off at the end of body (`"password":"hun` of hunter2), which the
// replacement of whole values cannot see.
func hideCutSecret(body string, values []string) string {
	for _, v := range values {
		for n := len(v) - 1; n >= minCutSecret; n-- {
			if strings.HasSuffix(body, v[:n]) {
				return body[:len(body)-n] + "[REDACTED]"
			}
		}
	}
	return body
}

// originOf returns scheme://host of the operation's requests.
func originOf(t *scanner.Target) *url.URL {
	return t.Request(scanner.Anonymous, nil).URL
}

// CORSCredentialedOriginReflection reports APIs that echo an arbitrary
// Origin (or `null`) in Access-Control-Allow-Origin together with
// Access-Control-Allow-Credentials: true, which lets any web page read the
// API with its visitors' cookies or credentials. A wildcard `*` (browsers
// refuse it with credentials) and allow-lists are not findings.
type CORSCredentialedOriginReflection struct {
	reported specFirst
}

// maxCORSProbes is how many operations are probed for CORS, the first
// ones in spec order with a method that changes nothing (see amongFirst):
// the policy is one middleware for the whole API in practice, and probing
// every operation would add two requests to each.
const maxCORSProbes = 4

// corsProbed reports whether op is one of the operations probed for CORS.
func corsProbed(t *scanner.Target) bool {
	return amongFirst(t, maxCORSProbes, func(op *openapi.Operation) bool {
		return op.Method == http.MethodGet || op.Method == http.MethodHead || op.Method == http.MethodOptions
	})
}

// evilOrigin is an origin no API can trust: .invalid never resolves (RFC 2606).
const evilOrigin = "https://evil.authgate.invalid"

// Info implements scanner.Rule.
func (*CORSCredentialedOriginReflection) Info() finding.RuleInfo {
	return info("cors-credentialed-origin-reflection")
}

// Check implements scanner.Rule.
func (c *CORSCredentialedOriginReflection) Check(ctx context.Context, t *scanner.Target) []finding.Finding {
	const id = "cors-credentialed-origin-reflection"
	key := originOf(t).Host
	if !t.Safe() || !corsProbed(t) || c.reported.decidedBefore(key, t.Op) {
		return nil
	}
	vals := t.Values()
	for _, o := range []string{evilOrigin, "null"} {
		req := t.Request(t.Main(), vals)
		req.Header.Set("Origin", o)
		r := t.Do(ctx, req)
		if !reflectsWithCredentials(r, o) {
			continue
		}
		if again := t.Resend(ctx, r); !reflectsWithCredentials(again, o) {
			continue
		}
		summary := fmt.Sprintf("%s with `Origin: %s` answered %d with `Access-Control-Allow-Origin: %s` and `Access-Control-Allow-Credentials: true`: any web page can read the API with its visitors' credentials.",
			describe(r), o, r.Status, o)
		conf := finding.ConfidenceHigh
		if !t.Success(r) {
			// The policy shows on a refusal; another operation may still
			// show it on data, so keep probing.
			conf = finding.ConfidenceMedium
		}
		if !usesCookies(t, r) {
			// A browser sends cookies on its own, never a bearer token:
			// with token-only authentication a foreign page has nothing
			// to ride on. Shown, not scored.
			conf = finding.ConfidenceLow
			summary += " The API seems to authenticate with tokens only (no cookies seen), which browsers do not send by themselves."
		}
		if conf == finding.ConfidenceHigh {
			// Nothing later can outrank it: later operations skip.
			c.reported.decide(key, t.Op)
		}
		return []finding.Finding{apiWide(newFinding(t, id, conf, summary, r), t.Main().Scheme())}
	}
	return nil
}

// usesCookies reports whether cookies are in play: the identity sends one,
// or the answer sets one.
func usesCookies(t *scanner.Target, r *scanner.Response) bool {
	if id := t.Main(); !id.IsAnonymous() {
		for _, h := range id.Creds() {
			if h.Name == "Cookie" {
				return true
			}
		}
	}
	return len(r.Header.Values("Set-Cookie")) > 0
}

// reflectsWithCredentials reports whether r allows origin o with credentials.
func reflectsWithCredentials(r *scanner.Response, o string) bool {
	return r != nil && r.Err == nil &&
		r.Header.Get("Access-Control-Allow-Origin") == o &&
		strings.EqualFold(strings.TrimSpace(r.Header.Get("Access-Control-Allow-Credentials")), "true")
}

// CookieInsecure reports session-like cookies set without HttpOnly or
// SameSite, and over HTTPS without Secure (over plain HTTP a missing
// Secure is the cleartext problem, not the cookie's), in the answers to
// the identities' logins and to the scan's own requests. One finding per
// cookie name; values are never shown.
type CookieInsecure struct {
	reported specFirst

	// logins are the logins whose answers the rule read, for its
	// coverage (see Explain); mu guards them against the workers.
	mu     sync.Mutex
	logins []string
	// loginCookies counts the cookies those answers set.
	loginCookies int
}

// Info implements scanner.Rule.
func (*CookieInsecure) Info() finding.RuleInfo { return info("cookie-insecure") }

// frameworkSession matches the exact names frameworks give their session
// cookies: such a cookie holds the session whatever its value looks like
// (an ASP.NET session id may be letters only).
var frameworkSession = lazyre.New(`(?i)^(connect\.sid|jsessionid|phpsessid|asp\.net_sessionid|laravel_session|_session_id)$`)

// sessionCookie matches names that suggest a session (session, sid,
// token, auth, jwt as a word, or "session" anywhere). Apps also give such
// names to cookies that scripts must read and that carry no credential
// (session_expires_at=<date>, auth_method=password), so a cookie named so
// is a session cookie only when its value could be a credential: see
// credentialValue.
var sessionCookie = lazyre.New(`(?i)(^|[_.-])(session|sess|sid|ssid|token|auth|jwt)([_.-]|$)|session`)

// rememberCookie matches the cookies that keep a user signed in: Spring
// Security's remember-me (any spelling: remember_me, rememberMe), Devise's
// remember_<scope>_token, Laravel's remember_<guard>_<sha1>. Sent back,
// one signs its holder in for weeks: a login credential, judged like a
// session cookie (a "rememberMe=true" that stores a checkbox is no
// credential, and credentialValue tells them apart).
var rememberCookie = lazyre.New(`(?i)^(remember[-_]?me|remember_\w+_token|remember_\w+_[0-9a-f]{40})$`)

// sessionNamed reports whether ck is a session cookie by its name: a
// framework's session cookie, or a session-like or remember-me name with
// a value that could be a credential.
func sessionNamed(ck *http.Cookie) bool {
	if frameworkSession.MatchString(ck.Name) {
		return true
	}
	return (sessionCookie.MatchString(ck.Name) || rememberCookie.MatchString(ck.Name)) && credentialValue(ck.Value)
}

// minRandomCookie is the shortest value taken for a session id when the
// name says nothing: 16 characters is 64+ bits in hex, shorter values are
// preferences ("en", "dark").
const minRandomCookie = 16

// randomValue matches opaque, token-like values.
var randomValue = lazyre.New(`^[A-Za-z0-9+/=_.%-]+$`)

// looksRandom reports whether v is an opaque token: minRandomCookie or
// more token characters mixing letters and digits, and not a compact
// date (20261207T080000Z).
func looksRandom(v string) bool {
	if len(v) < minRandomCookie || !randomValue.MatchString(v) || timeValue(v) {
		return false
	}
	return strings.ContainsAny(v, "0123456789") && strings.IndexFunc(v, func(r rune) bool {
		return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
	}) >= 0
}

// credentialValue reports whether a cookie's value could be a credential:
// URL-decoded, it holds a run of token characters (letters, digits,
// + / = _ -) that looksRandom. Every framework's session value does: a
// random id in hex or base64, a UUID, a signed value (connect.sid's
// "s:<id>.<signature>", Rails' "<data>--<digest>"), a JWT, an encrypted
// blob. A date or time, a number, a boolean or a word does not: those
// are what apps tell their scripts (session_expires_at, auth_method).
func credentialValue(v string) bool {
	if u, err := url.PathUnescape(v); err == nil {
		v = u
	}
	if timeValue(v) {
		return false
	}
	for _, run := range strings.FieldsFunc(v, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("+/=_-", r))
	}) {
		if looksRandom(run) {
			return true
		}
	}
	return false
}

// timeLayouts are the ways cookies carry a date or time.
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "20060102T150405Z0700",
	"20060102T150405", "2006-01-02", http.TimeFormat, time.RFC1123Z, time.RFC850, time.ANSIC}

// timeValue reports whether v is a date or a time in one of timeLayouts.
func timeValue(v string) bool {
	for _, l := range timeLayouts {
		if _, err := time.Parse(l, v); err == nil {
			return true
		}
	}
	return false
}

// Check implements scanner.Rule. The logins' answers come first, at every
// operation it reads: a session cookie is usually set there, and the same
// login is then the evidence whichever operation reports the cookie first
// in spec order. The operation's own answers follow; only safe operations
// are sent, and the login's own operation is judged from its answer.
func (c *CookieInsecure) Check(ctx context.Context, t *scanner.Target) []finding.Finding {
	login := isLoginOp(t)
	if !t.Safe() && !login {
		return nil
	}
	var out []finding.Finding
	for _, la := range t.LoginAnswers() {
		c.noteLogin(la)
		what := fmt.Sprintf("The login of %s (%s %s)", safeName(la.Identity.Name), la.Request.Method, la.Request.URL.Path)
		out = append(out, c.judge(t, la.Response, what)...)
	}
	if login {
		t.Judged()
	}
	if !t.Safe() {
		return out
	}
	vals := t.Values()
	for _, id := range []*scanner.Identity{t.Main(), scanner.Anonymous} {
		// Send is cached: other rules already asked the same.
		r := t.Send(ctx, id, vals)
		if r.Err != nil {
			continue
		}
		out = append(out, c.judge(t, r, describe(r))...)
	}
	return out
}

// isLoginOp reports whether t is the operation an identity logs in with.
func isLoginOp(t *scanner.Target) bool {
	u := t.Request(scanner.Anonymous, nil).URL
	for _, la := range t.LoginAnswers() {
		if la.Request.Method == t.Op.Method && la.Request.URL.Path == u.Path {
			return true
		}
	}
	return false
}

// judge reports the insecure session cookies r sets that no operation
// before t in spec order reported; what names the request in the summary.
func (c *CookieInsecure) judge(t *scanner.Target, r *scanner.Response, what string) []finding.Finding {
	var out []finding.Finding
	for _, line := range r.Header.Values("Set-Cookie") {
		ck, err := http.ParseSetCookie(line)
		if err != nil || ck.Value == "" || ck.MaxAge < 0 {
			// Deleting a cookie exposes nothing.
			continue
		}
		if infraCookie.MatchString(ck.Name) || csrfCookie.MatchString(ck.Name) {
			continue
		}
		named := sessionNamed(ck)
		if !named && (ck.HttpOnly || !looksRandom(ck.Value)) {
			continue
		}
		missing := cookieMissing(ck, r.Request.URL.Scheme == "https")
		key := originOf(t).Host + " " + ck.Name
		if len(missing) == 0 || c.reported.decidedBefore(key, t.Op) {
			continue
		}
		c.reported.decide(key, t.Op)
		summary := fmt.Sprintf("%s set the session cookie %q without %s.", what, safeName(ck.Name), strings.Join(missing, ", "))
		// A name that says "session" is evidence; a random-looking
		// value alone may be a tracking or load-balancer cookie.
		conf := finding.ConfidenceHigh
		if !named {
			conf = finding.ConfidenceLow
		}
		out = append(out, apiWide(newFinding(t, "cookie-insecure", conf, summary, r), "cookie:"+strings.ToLower(ck.Name)))
	}
	return out
}

// noteLogin records that the rule read la, once per login.
func (c *CookieInsecure) noteLogin(la scanner.LoginAnswer) {
	name := fmt.Sprintf("%s's %s %s", safeName(la.Identity.Name), la.Request.Method, la.Request.URL.Path)
	c.mu.Lock()
	defer c.mu.Unlock()
	if !slices.Contains(c.logins, name) {
		c.logins = append(c.logins, name)
		c.loginCookies += len(la.Header.Values("Set-Cookie"))
	}
}

// Explain says which logins' answers the rule read besides the
// operations', and whether they set any cookie: a login that answers
// with a bearer token only was looked at, not overlooked.
func (c *CookieInsecure) Explain() (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.logins) == 0 {
		return "", false
	}
	// The workers note the logins in any order; the note does not.
	names := slices.Sorted(slices.Values(c.logins))
	note := "also read the answers of the logins: " + strings.Join(names, ", ")
	if c.loginCookies == 0 {
		note += " (they set no cookie)"
	}
	return note, false
}

// csrfCookie matches anti-CSRF cookies (the double-submit pattern of
// Angular, Spring, Laravel, Django): scripts must read them, and reading
// or sending one grants nothing without the session cookie, so they are
// no session cookies whatever their value looks like. Their random value
// would otherwise pass for a session id.
var csrfCookie = lazyre.New(`(?i)(xsrf|csrf)`)

// infraCookie matches analytics and load-balancer cookies, which carry no
// session.
var infraCookie = lazyre.New(`(?i)^(awsalb\w*|awselb\w*|_ga\w*|_gid|_gat\w*|_fbp|arraffinity\w*|bigipserver\w*|__cf_bm|__cfduid|cf_clearance|_dd_s)$`)

// cookieMissing lists the protective attributes ck lacks.
func cookieMissing(ck *http.Cookie, https bool) []string {
	var missing []string
	if https && !ck.Secure {
		missing = append(missing, "Secure")
	}
	if !ck.HttpOnly {
		missing = append(missing, "HttpOnly")
	}
	if ck.SameSite == 0 {
		missing = append(missing, "SameSite")
	}
	return missing
}

// safeName keeps a target-chosen name printable and inert in Markdown.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-", r) {
			return r
		}
		return '?'
	}, shorten(s, maxNameLen))
}

// maxNameLen bounds a target-chosen name in a summary.
const maxNameLen = 64

// APIKeyInQuery reports credentials carried in the URL: an apiKey scheme
// declared `in: query` (from the description, no request), and query
// parameters with credential names that the API accepts in place of
// authentication (an answer with the key, a refusal without it).
type APIKeyInQuery struct{}

// Info implements scanner.Rule.
func (APIKeyInQuery) Info() finding.RuleInfo { return info("api-key-in-query") }

// queryCredential matches query parameter names that carry a credential.
// Every name here is also redacted by the engine (its credentialParam).
var queryCredential = lazyre.New(`(?i)^(api[_-]?key|x-api-key|key|access[_-]?token|auth[_-]?token|token|auth|jwt)$`)

// Check implements scanner.Rule.
func (APIKeyInQuery) Check(ctx context.Context, t *scanner.Target) []finding.Finding {
	const id = "api-key-in-query"
	var out []finding.Finding
	if doc := t.Document(); doc != nil && fromDocument(t) {
		t.Judged()
		for _, name := range t.Op.Schemes {
			sc, ok := doc.SecuritySchemes[name]
			if !ok || sc.Type != "apiKey" || sc.In != "query" {
				continue
			}
			f := newFinding(t, id, finding.ConfidenceMedium, fmt.Sprintf(
				"The API description declares the security scheme %q as an API key in the query parameter %q: keys in URLs end up in logs, proxies and browser history.",
				safeName(name), safeName(sc.Name)))
			out = append(out, apiWide(f, "apikey:query:"+strings.ToLower(sc.Name)))
		}
	}
	if !t.Safe() {
		return out
	}
	for _, p := range t.Op.Params {
		if p.In != "query" || p.Example == "" || !queryCredential.MatchString(p.Name) || t.Op.Security == openapi.SecurityPublic {
			continue
		}
		if f, ok := keyAccepted(ctx, t, p); ok {
			out = append(out, f)
			break
		}
	}
	return out
}

// keyAccepted sends the operation anonymously with and without the key
// parameter p (the engine never sends credential parameters anonymously,
// so the rule adds it itself).
func keyAccepted(ctx context.Context, t *scanner.Target, p openapi.Param) (finding.Finding, bool) {
	vals := t.Values()
	without := t.Send(ctx, scanner.Anonymous, vals)
	// Only an authentication refusal shows the parameter is a
	// credential: a 400 "key is required" is an ordinary parameter.
	if without.Err != nil || (without.Status != http.StatusUnauthorized && without.Status != http.StatusForbidden) {
		return finding.Finding{}, false
	}
	req := t.Request(scanner.Anonymous, vals)
	q := req.URL.Query()
	q.Set(p.Name, p.Example)
	req.URL.RawQuery = q.Encode()
	with := t.Do(ctx, req)
	if !t.Success(with) || !t.Success(t.Resend(ctx, with)) {
		return finding.Finding{}, false
	}
	summary := fmt.Sprintf("%s answered %d with data when the credential was in the query parameter %q, and %d without it: the API accepts keys in URLs, which end up in logs, proxies and browser history.",
		describe(without), with.Status, safeName(p.Name), without.Status)
	return newFinding(t, "api-key-in-query", finding.ConfidenceHigh, summary, with, without), true
}

// CleartextCredentials reports APIs that accept credentials over plain
// HTTP on a public address. Loopback, private and link-local addresses are
// not findings: that is a scan of a local or internal deployment.
type CleartextCredentials struct {
	// IsLocal decides whether a host is local or internal; nil means
	// LocalHost. Tests set it because they can only serve on 127.0.0.1.
	IsLocal  func(host string) bool
	reported specFirst
}

// Info implements scanner.Rule.
func (*CleartextCredentials) Info() finding.RuleInfo { return info("cleartext-credentials") }

// LocalHost reports whether host (a name or an IP, without port) is
// loopback, private (RFC 1918, fc00::/7), link-local or a local name.
// Names are not resolved: the scanner sends nothing but its requests.
func LocalHost(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") || strings.HasSuffix(host, ".local") {
		return true
	}
	if i := strings.IndexByte(host, '%'); i >= 0 {
		// IPv6 zone: fe80::1%eth0 is link-local.
		host = host[:i]
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return false
	}
	return ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.IsUnspecified()
}

// Check implements scanner.Rule.
func (c *CleartextCredentials) Check(ctx context.Context, t *scanner.Target) []finding.Finding {
	u := originOf(t)
	isLocal := c.IsLocal
	if isLocal == nil {
		isLocal = LocalHost
	}
	if t.Primary == nil || !t.Safe() || u.Scheme != "http" || isLocal(u.Hostname()) || c.reported.decidedBefore(u.Host, t.Op) {
		return nil
	}
	if t.Op.Security == openapi.SecurityPublic || t.Op.Security == openapi.SecurityOptional {
		return nil
	}
	vals := t.Values()
	authed := t.Send(ctx, t.Primary, vals)
	if !t.Success(authed) {
		return nil
	}
	// The credentials must be what got the answer: a public operation
	// answers everyone.
	if t.Op.Security != openapi.SecurityRequired && t.Success(t.Send(ctx, scanner.Anonymous, vals)) {
		return nil
	}
	if !t.Success(t.Resend(ctx, authed)) {
		return nil
	}
	c.reported.decide(u.Host, t.Op)
	summary := fmt.Sprintf("%s over plain HTTP to the public host %s answered %d with data to identity %q's credentials: they cross the network unencrypted.",
		describe(authed), safeName(u.Hostname()), authed.Status, t.Primary.Name)
	return []finding.Finding{apiWide(newFinding(t, "cleartext-credentials", finding.ConfidenceHigh, summary, authed), t.Main().Scheme())}
}

// CredentialsInResponse reports successful answers that carry password
// hashes or secrets: crypt-format hashes anywhere, hex digests under
// password keys, and non-empty, unmasked values under secret keys.
type CredentialsInResponse struct{}

// Info implements scanner.Rule.
func (CredentialsInResponse) Info() finding.RuleInfo { return info("credentials-in-response") }

var (
	// cryptHash matches self-describing password hash formats: bcrypt,
	// argon2, scrypt, PBKDF2 (passlib, Django, Werkzeug), sha-crypt.
	cryptHash = lazyre.New(`^(\$2[abxy]\$\d\d\$[./A-Za-z0-9]{53}|\$argon2(id|i|d)\$\S+|\$scrypt\$\S+|\$7\$\S+|\$pbkdf2(-sha\d+)?\$\S+|pbkdf2_sha\d+\$\d+\$\S+|pbkdf2:sha\d+:\d+\$\S+|scrypt:\d+:\d+:\d+\$\S+|\$[56]\$\S+)$`)
	// hexDigest matches MD5, SHA-1 and SHA-256 hex digests; only under a
	// password key, since content hashes and ETags look the same.
	hexDigest   = lazyre.New(`^([0-9a-fA-F]{32}|[0-9a-fA-F]{40}|[0-9a-fA-F]{64})$`)
	passwordKey = lazyre.New(`(?i)^(password|passwd|pwd|pass|password_?hash|hashed_?password|pwd_?hash|pass_?hash|hash)$`)
	// masked matches values shown partly or not at all: "****",
	// "sk_live_••••4242", "xxxx-xxxx-9f3a", and the marks frameworks put
	// in a secret's place: Rails' filter_parameters "[FILTERED]" (also
	// as a connection string's password), Sentry's "[Filtered]".
	masked = lazyre.New(`(?i)^([*x•.\-]+|\[?(redacted|filtered)\]?|hidden|null|none|true|false|)$|\*{3,}|•{3,}|x{4}|\.{3}|…`)
	// publishable matches keys that are public by design: Stripe's
	// publishable keys, Firebase and Google browser keys, Mapbox public
	// access tokens ("pk.eyJ…"; its secret tokens are "sk.eyJ…").
	publishable = lazyre.New(`^(pk_(live|test)_|AIza|pub_|public_|pk\.eyJ)`)
)

// minSecretValue is the shortest value taken for a leaked secret; shorter
// ones are flags or placeholders.
const minSecretValue = 4

// Check implements scanner.Rule.
func (CredentialsInResponse) Check(ctx context.Context, t *scanner.Target) []finding.Finding {
	if !t.Safe() {
		return nil
	}
	r := t.Send(ctx, t.Main(), t.Values())
	if !t.Success(r) {
		return nil
	}
	leaks, _ := secretsIn(r.Body)
	if len(leaks) == 0 {
		return nil
	}
	again := t.Resend(ctx, r)
	if !t.Success(again) {
		return nil
	}
	if l, _ := secretsIn(again.Body); len(l) == 0 {
		return nil
	}
	summary := fmt.Sprintf("%s answered %d with %s.", describe(r), r.Status, strings.Join(leaks, ", "))
	conf := finding.ConfidenceHigh
	if t.Op.Security == openapi.SecurityPublic {
		// A public configuration endpoint may publish a key on purpose.
		conf = finding.ConfidenceMedium
	}
	return []finding.Finding{newFinding(t, "credentials-in-response", conf, summary, r)}
}

// secretsIn describes the secrets in a body, a JSON answer or a dotenv
// file ("a bcrypt hash under \"password_hash\""), and returns every value
// to hide from the evidence: the secrets, and the credentials that are no
// finding by themselves (tokens, session ids; see judgeSecret).
func secretsIn(body []byte) (leaks, values []string) {
	if leaks, values, ok := dotenvSecrets(body); ok {
		return leaks, values // a .env file (see dotenv.go)
	}
	eachNamedScalar(body, func(k, v string) {
		what, hide := judgeSecret(k, v, false)
		values = append(values, hide...)
		if what == "" {
			return
		}
		if d := fmt.Sprintf("%s under %q", what, safeName(k)); !slices.Contains(leaks, d) {
			leaks = append(leaks, d)
		}
	})
	return leaks, values
}
