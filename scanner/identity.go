package scanner

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/authgate/authgate/internal/lazyre"
)

// Header is one credential header of an identity.
type Header struct {
	Name  string // canonical form
	Value string
}

// Identity is a set of credentials the scanner acts as. The anonymous
// identity has none. An identity with a Login gets its token when the scan
// starts and again when the token expires; its credentials are read with
// Creds, which is safe while another goroutine logs in again.
type Identity struct {
	Name      string // "anonymous", "primary", "peer" or a configured name
	Role      string // RoleUser or RoleAdmin; "" is a user
	Throwaway bool   // active rules may lock it out, log it out, change it
	Login     *Login // nil: static credentials only
	// Owns maps parameter names to values of objects this identity owns
	// (owns: in the config), for cross-user checks: user_id -> 1001.
	Owns map[string][]string

	mu      sync.RWMutex
	static  []Header // configured headers, always sent
	headers []Header // static plus the login's token header
	// loginAnswer is the first successful login's answer body, which
	// may say who the identity is (see harvest).
	loginAnswer []byte
	// loginResp is the first successful login's whole answer, request
	// included, for rules that judge the login itself (see LoginAnswers).
	loginResp *Response

	// login state, guarded by loginMu so that one re-login serves every
	// request that noticed the expiry.
	loginMu  sync.Mutex
	loggedIn time.Time
	expires  time.Time       // zero: unknown
	refusing map[string]bool // "METHOD /path" that answered 401 to a fresh login
	// loginFailed: a throw-away identity that could not log in when the
	// scan started (or again after an active rule); active rules leave
	// it alone.
	loginFailed bool

	// check is how the identity was verified when the scan started (see
	// verify.go); nil when it was not verified by an operation.
	check *verification
	// cover is the identity's part of the coverage: how it was verified
	// or why it was not, and what happened to it later in the scan.
	coverMu sync.Mutex
	cover   identityCover
	// unauthorized counts 401 answers to a static identity after it was
	// verified: some of them trigger a look whether it still works (see
	// noteUnauthorized).
	unauthorized atomic.Int64
	// relogins counts logins since the last success (see maxRelogins).
	relogins atomic.Int64
	// successes counts 2xx answers to the current token: a 401 to a
	// token that worked before means it expired.
	successes atomic.Int64
}

// Roles of an identity.
const (
	RoleUser  = "user"
	RoleAdmin = "admin"
)

// Anonymous is the identity without credentials.
var Anonymous = &Identity{Name: "anonymous"}

// NewIdentity builds an identity from "Name: value" pairs already validated
// by the config package.
func NewIdentity(name string, headers []Header) *Identity {
	id := &Identity{Name: name}
	for _, h := range headers {
		id.static = append(id.static, Header{Name: textproto.CanonicalMIMEHeaderKey(h.Name), Value: h.Value})
	}
	id.headers = id.static
	return id
}

// Creds returns the headers the identity sends now. The slice is the
// caller's.
func (id *Identity) Creds() []Header {
	if id == nil {
		return nil
	}
	id.mu.RLock()
	defer id.mu.RUnlock()
	return slices.Clone(id.headers)
}

// setToken replaces the login's token header, keeping the static ones.
func (id *Identity) setToken(h Header) {
	id.mu.Lock()
	defer id.mu.Unlock()
	id.headers = append(slices.Clone(id.static), h)
}

// IsAdmin reports whether the identity has the admin role.
func (id *Identity) IsAdmin() bool { return id != nil && id.Role == RoleAdmin }

// IsAnonymous reports whether the identity sends no credentials.
func (id *Identity) IsAnonymous() bool {
	if id == nil {
		return true
	}
	id.mu.RLock()
	defer id.mu.RUnlock()
	return len(id.headers) == 0
}

// apply sets the identity's credential headers on h. Cookies are appended
// to any Cookie header the request already has.
func (id *Identity) apply(h http.Header) {
	if id == nil {
		return
	}
	// The slice itself, not Creds' copy (one per request sent): a new
	// token replaces id.headers (setToken), it never writes into it.
	id.mu.RLock()
	creds := id.headers
	id.mu.RUnlock()
	for _, c := range creds {
		if c.Name == "Cookie" && h.Get("Cookie") != "" {
			h.Set("Cookie", h.Get("Cookie")+"; "+c.Value)
			continue
		}
		h.Set(c.Name, c.Value)
	}
}

// Scheme names the kind of credential the identity carries, for
// fingerprints and reports: "bearer", "basic", "cookie", "header:x-api-key"
// or "none". It never contains the credential itself.
func (id *Identity) Scheme() string {
	if id.IsAnonymous() {
		return "none"
	}
	h := id.Creds()[0]
	switch h.Name {
	case "Authorization":
		if scheme, _, ok := strings.Cut(h.Value, " "); ok {
			return strings.ToLower(scheme)
		}
		return "authorization"
	case "Cookie":
		return "cookie"
	}
	return "header:" + strings.ToLower(h.Name)
}

// credentialHeaders are stripped from every request that is built without
// an identity, whatever the identities set, so that an anonymous probe is
// really anonymous.
var credentialHeaders = []string{"Authorization", "Cookie", "Proxy-Authorization", "X-Api-Key", "Api-Key", "X-Auth-Token", "X-Access-Token"}

// secrets returns every credential value of the identities, and the parts
// of them worth hiding on their own (a bearer token without "Bearer ", a
// cookie's value without its name), longest first so that redaction
// replaces whole values before their parts.
func secrets(ids []*Identity) []string {
	var out []string
	add := func(s string) {
		s = strings.TrimSpace(s)
		// Values this short are not secrets worth hiding and would
		// mangle unrelated text ("a", "1").
		if len(s) >= minSecretLen {
			out = append(out, s)
		}
	}
	for _, id := range ids {
		if id == nil {
			continue
		}
		for _, h := range id.Creds() {
			add(h.Value)
			if _, rest, ok := strings.Cut(h.Value, " "); ok && h.Name == "Authorization" {
				add(rest)
			}
			if h.Name == "Cookie" {
				for _, part := range strings.Split(h.Value, ";") {
					if _, v, ok := strings.Cut(part, "="); ok {
						add(v)
					}
				}
			}
		}
	}
	var forms []string
	for _, sec := range out {
		forms = append(forms, encodedForms(sec)...)
	}
	out = append(out, forms...)
	// Longest first.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && len(out[j]) > len(out[j-1]); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// encodedForms returns the other ways a secret appears once an encoder
// had it: JSON-escaped (Go's HTML-safe form, plain, and PHP's escaped
// slashes) and URL query- or path-escaped.
func encodedForms(sec string) []string {
	var out []string
	add := func(f string) {
		if f != sec && len(f) >= minSecretLen && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	quoted, _ := json.Marshal(sec)
	html := strings.TrimSuffix(strings.TrimPrefix(string(quoted), `"`), `"`)
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(sec)
	plain := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(b.String()), `"`), `"`)
	for _, f := range []string{html, plain} {
		add(f)
		add(strings.ReplaceAll(f, "/", `\/`))
	}
	add(url.QueryEscape(sec))
	add(url.PathEscape(sec))
	return out
}

// minSecretLen is the shortest credential value redacted inside free text.
const minSecretLen = 6

// Redactor hides the credentials of the scan's identities in any text. It
// learns new ones (tokens from logins) while the scan runs.
type Redactor struct {
	mu      sync.RWMutex
	secrets []string
}

// NewRedactor returns a Redactor for the given identities.
func NewRedactor(ids ...*Identity) *Redactor { return &Redactor{secrets: secrets(ids)} }

// add makes the Redactor hide more values, e.g. credentials found in the
// target URL's query. Short values are ignored as in secrets.
func (r *Redactor) add(values ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, v := range values {
		for _, f := range append([]string{v}, encodedForms(v)...) {
			if len(f) >= minSecretLen && !slices.Contains(r.secrets, f) {
				r.secrets = append(r.secrets, f)
			}
		}
	}
	slices.SortStableFunc(r.secrets, func(a, b string) int { return len(b) - len(a) })
}

// credentialParam matches query parameter names that carry credentials.
// Their values are redacted everywhere and never sent anonymously.
var credentialParam = lazyre.New(`(?i)^(api[_-]?key|key|access[_-]?token|id[_-]?token|token|auth|auth[_-]?token|secret|client[_-]?secret|password|passwd|pwd|sig|signature|session|session[_-]?id|sid|jwt|x-api-key)$`)

// Redact replaces every known credential in s.
func (r *Redactor) Redact(s string) string {
	if r == nil {
		return s
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, sec := range r.secrets {
		if strings.Contains(s, sec) {
			s = strings.ReplaceAll(s, sec, redacted)
		}
	}
	return s
}

const redacted = "[REDACTED]"

// redactHeaderValue shows what kind of credential a header carried without
// its value: "Bearer [REDACTED]", "session=[REDACTED]".
func redactHeaderValue(name, value string) string {
	switch textproto.CanonicalMIMEHeaderKey(name) {
	case "Authorization", "Proxy-Authorization":
		if scheme, _, ok := strings.Cut(value, " "); ok {
			return scheme + " " + redacted
		}
		return redacted
	case "Cookie", "Set-Cookie":
		parts := strings.Split(value, ";")
		for i, p := range parts {
			if k, _, ok := strings.Cut(p, "="); ok {
				// Attributes of Set-Cookie after the first pair are
				// not secret (Path, Secure, SameSite).
				if i == 0 || name == "Cookie" || textproto.CanonicalMIMEHeaderKey(name) == "Cookie" {
					parts[i] = k + "=" + redacted
				}
			}
		}
		return strings.Join(parts, ";")
	}
	return redacted
}
