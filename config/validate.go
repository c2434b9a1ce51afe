package config

import (
	"fmt"
	"maps"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/authgate/authgate/scanner/safety"
)

// Bounds that Validate enforces, each with its reason.
const (
	// MaxConcurrency caps parallel requests: beyond a few hundred a scan
	// stops being polite to a preview deployment and starts to look like a
	// denial of service, and the rate limit is the real throttle anyway.
	MaxConcurrency = 256
	// maxScore is the top of the published 0–100 score scale.
	maxScore = 100
	// unsetScoreDrop is MaxScoreDrop's "no score-drop gate".
	unsetScoreDrop = -1
	// maxPort is the largest TCP port.
	maxPort = 65535
)

var (
	modes      = []string{"safe", "active"}
	severities = []string{"critical", "high", "medium", "low", "none"}
)

// Validate reports every problem with c, each named by its flag (which is
// also the Action input's name), as one Problems error on one line; nil
// when c can be scanned with.
func (c *Config) Validate() error {
	var p Problems
	add := func(name, format string, a ...any) {
		p = append(p, invalidf("%s: %s", name, fmt.Sprintf(format, a...)))
	}

	switch {
	case c.Target == "":
		add("target", "required: give TARGET, the API's base URL (or target: in the config file)")
	default:
		if msg := checkURL(c.Target); msg != "" {
			add("target", "%s", msg)
		}
	}
	if c.BaselineURL != "" {
		if msg := checkURL(c.BaselineURL); msg != "" {
			add("baseline-url", "%s", msg)
		}
	}
	if u, err := url.Parse(c.OpenAPI); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.User != nil {
		add("openapi", "%s", msgUserinfo)
	}
	if !oneOf(c.Mode, modes) {
		add("mode", "%q is not one of %s", truncate(c.Mode), strings.Join(modes, ", "))
	}
	if !oneOf(c.FailOn, severities) {
		add("fail-on", "%q is not one of %s", truncate(c.FailOn), strings.Join(severities, ", "))
	}
	if c.FailUnder < 0 || c.FailUnder > maxScore {
		add("fail-under", "%d is outside 0..%d", c.FailUnder, maxScore)
	}
	if c.MaxScoreDrop != unsetScoreDrop && (c.MaxScoreDrop < 0 || c.MaxScoreDrop > maxScore) {
		add("max-score-drop", "%d is outside 0..%d (or -1 for no score-drop gate)", c.MaxScoreDrop, maxScore)
	}
	// NaN fails every comparison, so test for the good range.
	if !(c.Rate >= 0) || math.IsInf(c.Rate, 0) {
		add("rate", "%v must be a number of requests per second, 0 or more (0: unlimited)", c.Rate)
	}
	if c.Concurrency < 1 || c.Concurrency > MaxConcurrency {
		add("concurrency", "%d is outside 1..%d", c.Concurrency, MaxConcurrency)
	}
	if c.Timeout <= 0 {
		add("timeout", "%s must be more than 0", c.Timeout)
	}
	if c.Budget < 1 {
		add("budget", "%d must be at least 1 request", c.Budget)
	}
	if c.Wait < 0 {
		add("wait", "%s must not be negative", c.Wait)
	}
	if c.MaxDuration < 0 {
		add("max-duration", "%s must not be negative (0: no bound)", c.MaxDuration)
	}
	if c.Shard != (Shard{}) {
		if err := c.Shard.check(); err != nil {
			add("shard", "%v", err)
		}
	}
	for i, e := range c.Endpoints {
		if _, _, err := ParseEndpoint(e); err != nil {
			add(fmt.Sprintf("endpoint #%d", i+1), "%v", err)
		}
	}
	for i, e := range c.Exclude {
		if _, err := safety.ParseExclusion(e); err != nil {
			add(fmt.Sprintf("exclude #%d", i+1), "%v", err)
		}
	}
	for _, h := range []struct {
		name   string
		values []string
	}{{"auth", c.Auth}, {"peer-auth", c.PeerAuth}} {
		for i, v := range h.values {
			if _, _, err := ParseHeader(v); err != nil {
				add(fmt.Sprintf("%s #%d", h.name, i+1), "%v", err)
			}
		}
	}
	for i, s := range c.Suppress {
		name := fmt.Sprintf("suppress #%d", i+1)
		if strings.TrimSpace(s.Rule) == "" && strings.TrimSpace(s.Fingerprint) == "" {
			add(name, "empty (want a rule id or a fingerprint)")
		}
		if s.Until != "" {
			if err := checkUntil(s.Until); err != nil {
				add(name, "until: %v", err)
			}
		}
	}
	c.validateOutputs(add)
	c.validateIdentities(add)
	c.validateWrites(add)
	for _, f := range []struct{ key, value string }{
		{"check", c.Flows.Check}, {"logout", c.Flows.Logout},
		{"register", c.Flows.Register}, {"recovery", c.Flows.Recovery},
	} {
		if f.value == "" {
			continue
		}
		if _, _, err := ParseEndpoint(f.value); err != nil {
			add("flows: "+f.key, "%v", err)
		}
	}

	if len(p) == 0 {
		return nil
	}
	return p
}

// validateOutputs checks formats and that no two reports share a
// destination: two reports in one file, or on stdout, make neither
// parseable.
func (c *Config) validateOutputs(add func(name, format string, a ...any)) {
	seen := map[string]string{}
	for _, o := range c.Outputs {
		if !knownFormat(o.Format) {
			add("format", "unknown report format %q (want %s)", truncate(o.Format), strings.Join(Formats, ", "))
			continue
		}
		path := o.Path
		if path == "" {
			path = Stdout
		}
		if prev, ok := seen[path]; ok {
			if path == Stdout {
				add("format", "only one report can go to stdout (got %s and %s); write the others with -o FORMAT=PATH", prev, o.Format)
			} else {
				add("output", "%q is written twice (%s and %s)", truncate(path), prev, o.Format)
			}
			continue
		}
		seen[path] = o.Format
	}
}

const msgUserinfo = "credentials in the URL are refused: they would be printed in reports and logs and sent with every request; pass them with --auth instead"

// checkURL returns what is wrong with a target URL, or "". The message
// never repeats the URL, which may hold credentials.
func checkURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "not a valid URL (want e.g. https://preview.example.com)"
	}
	if u.User != nil {
		return msgUserinfo
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		if u.Scheme == "" {
			return "not an absolute URL (want e.g. https://preview.example.com)"
		}
		return fmt.Sprintf("scheme %q is not http or https", truncate(u.Scheme))
	}
	if u.Host == "" || u.Hostname() == "" {
		return "the URL has no host"
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > maxPort {
			return fmt.Sprintf("port %s is outside 1..%d", truncate(p), maxPort)
		}
	}
	return ""
}

func oneOf(s string, list []string) bool {
	for _, v := range list {
		if s == v {
			return true
		}
	}
	return false
}

// Token sources of Login.Token, the part before the colon.
const (
	TokenJSON   = "json"   // json:<dotted.path> in the answer's JSON body
	TokenHeader = "header" // header:<Name> of the answer
	TokenCookie = "cookie" // cookie:<name> the answer sets
)

// ParseToken splits a Login.Token, "json:<dotted.path>",
// "header:<Name>" or "cookie:<name>", into its source and name. A JSON
// path's parts are object keys or, for arrays, indexes (data.tokens.0).
func ParseToken(s string) (source, name string, err error) {
	const want = `want "json:<dotted.path>", "header:<Name>" or "cookie:<name>", e.g. "json:access_token"`
	source, name, ok := strings.Cut(s, ":")
	if !ok {
		return "", "", invalidf("%s", want)
	}
	switch source {
	case TokenJSON:
		for _, part := range strings.Split(name, ".") {
			if part == "" || strings.IndexFunc(part, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0 {
				return "", "", invalidf("the JSON path after json: needs non-empty parts separated by dots, without spaces, e.g. json:data.access_token")
			}
		}
	case TokenHeader, TokenCookie:
		if !validToken(name) {
			return "", "", invalidf("the %s name after %s: is missing or not a valid name (letters, digits and !#$%%&'*+-.^_`|~ only)", source, source)
		}
	default:
		return "", "", invalidf("%s", want)
	}
	return source, name, nil
}

// reservedNames are the words reports use for roles, which an identity
// named so would make ambiguous.
var reservedNames = []string{"anonymous", "primary", "peer"}

// roles are the values of Identity.Role.
var roles = []string{RoleUser, RoleAdmin}

// maxIdentityName bounds a name: it is shown in every report and
// message, and a name is a word, not a sentence.
const maxIdentityName = 64

// validIdentityName reports whether s is a well-formed identity name
// (reserved words aside): letters, digits, _, . and -.
func validIdentityName(s string) bool {
	if s == "" || len(s) > maxIdentityName {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isLetter(c) && (c < '0' || c > '9') && c != '_' && c != '.' && c != '-' {
			return false
		}
	}
	return true
}

// validateIdentities checks every identity, and primary and peer.
// Messages never repeat a header value, a body value or a login path,
// which hold credentials once ${NAME} is expanded.
func (c *Config) validateIdentities(add func(name, format string, a ...any)) {
	first := map[string]string{} // lower-cased name -> label of its first identity
	for i := range c.Identities {
		id := &c.Identities[i]
		label := identityLabel(i, id.Name)
		at := func(field string) string { return label + ": " + field }
		switch {
		case id.Name == "":
			add(at("name"), "required (letters, digits, _, . and -)")
		case !validIdentityName(id.Name):
			add(at("name"), "%q: use at most %d letters, digits, _, . and -", truncate(id.Name), maxIdentityName)
		case oneOf(strings.ToLower(id.Name), reservedNames):
			add(at("name"), "%q is reserved (reports use %s for roles); choose another", id.Name, strings.Join(reservedNames, ", "))
		default:
			lower := strings.ToLower(id.Name)
			if prev, dup := first[lower]; dup {
				add(at("name"), "already the name of %s (names are compared ignoring case)", prev)
			} else {
				first[lower] = label
			}
		}
		if id.Role != "" && !oneOf(id.Role, roles) {
			add(at("role"), "%q is not one of %s", truncate(id.Role), strings.Join(roles, ", "))
		}
		if len(id.Headers) == 0 && id.Login == nil {
			add(label, "no credentials: give headers:, cookies: or a login:")
		}
		if id.Throwaway && id.Login == nil {
			add(at("throwaway"), "a throw-away identity needs a login: (active rules log it out, lock it out or change it, and only a login gets it back)")
		}
		cookies := 0
		for j, h := range id.Headers {
			name, _, err := ParseHeader(h)
			if err != nil {
				add(at(fmt.Sprintf("headers #%d", j+1)), "%v", err)
				continue
			}
			if strings.EqualFold(name, "Cookie") {
				cookies++
			}
		}
		if cookies > 1 {
			// RFC 6265 §5.4: a client sends at most one Cookie header.
			add(at("headers"), "more than one Cookie header; put every cookie under cookies: or in one Cookie header")
		}
		if id.Login != nil {
			validateLogin(id.Login, func(field, format string, a ...any) { add(at("login."+field), format, a...) })
		}
		validateOwns(id.Owns, func(field, format string, a ...any) { add(at(field), format, a...) })
	}
	c.validatePrimaryPeer(add)
}

// maxOwns bounds the values of an identity's owns: each is tried on every
// operation whose parameter it fits, so a long list multiplies requests;
// a few ids prove a cross-user read.
const maxOwns = 16

// validateOwns checks an identity's owns:; add names the field.
func validateOwns(owns map[string][]string, add func(field, format string, a ...any)) {
	total := 0
	for _, k := range slices.Sorted(maps.Keys(owns)) {
		at := "owns." + pathKey(k)
		if strings.TrimSpace(k) == "" || strings.ContainsFunc(k, unicode.IsControl) {
			add(at, "a parameter name must not be empty or hold control characters")
		}
		if len(owns[k]) == 0 {
			add(at, "give at least one value")
		}
		for _, v := range owns[k] {
			if strings.TrimSpace(v) == "" || strings.ContainsFunc(v, unicode.IsControl) {
				add(at, "a value must not be empty or hold control characters")
			}
		}
		total += len(owns[k])
	}
	if total > maxOwns {
		add("owns", "%d values; give at most %d (a few ids prove a cross-user read, and each costs requests)", total, maxOwns)
	}
}

// validateLogin checks one login; add names the login's field.
func validateLogin(l *Login, add func(field, format string, a ...any)) {
	if !validToken(l.Method) {
		add("method", "%q is not an HTTP method", truncate(l.Method))
	}
	if msg := checkLoginPath(l.Path); msg != "" {
		add("path", "%s", msg)
	}
	switch l.Format {
	case BodyJSON:
	case BodyForm:
		for _, k := range slices.Sorted(maps.Keys(l.Body)) {
			switch l.Body[k].(type) {
			case string, bool, int, int64, float64:
			default:
				add("body."+pathKey(k), "a form field must be a string, number or boolean (only json bodies nest)")
			}
		}
	default:
		add("format", "%q is not one of %s, %s", truncate(l.Format), BodyJSON, BodyForm)
	}
	for _, f := range []struct{ key, value string }{{"usernameField", l.UsernameField}, {"passwordField", l.PasswordField}} {
		if f.value == "" {
			continue
		}
		if _, ok := l.Body[f.value]; !ok {
			add(f.key, "%q is not a field of login.body", truncate(f.value))
		}
	}
	tokenOK := false
	if l.Token == "" {
		add("token", `required: where the answer carries the token, e.g. "json:access_token", "header:X-Auth-Token" or "cookie:session"`)
	} else if _, _, err := ParseToken(l.Token); err != nil {
		add("token", "%v", err)
	} else {
		tokenOK = true
	}
	// Load fills send from a valid token, so an empty one follows from a
	// token problem already reported. A send without the placeholder
	// would send a fixed credential: it is not quoted.
	switch _, _, err := ParseHeader(l.Send); {
	case l.Send == "" && !tokenOK:
	case err != nil:
		add("send", "%v", err)
	default:
		if n := strings.Count(l.Send, TokenPlaceholder); n != 1 {
			add("send", "want %s exactly once, where the token goes (found it %d times)", TokenPlaceholder, n)
		}
	}
	if l.Lifetime < 0 {
		add("lifetime", "%s must not be negative (0: until the token expires or the target answers 401)", l.Lifetime)
	}
}

// checkLoginPath returns what is wrong with a login path, or "". A login
// always goes to the target's origin: a URL here would send the account's
// password elsewhere. The message never repeats the path, which may hold
// an expanded secret.
func checkLoginPath(p string) string {
	switch {
	case p == "":
		return `required: the login request's path on the target, e.g. "/api/login"`
	case !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//"):
		return `must start with a single "/": a path on the target, not a URL (a login always goes to the target's origin)`
	case strings.Contains(p, "#"):
		return "must not contain a fragment (#)"
	case strings.IndexFunc(p, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0:
		return "must not contain spaces or control characters (percent-encode them)"
	}
	if _, err := url.ParseRequestURI(p); err != nil {
		return "not a valid request path"
	}
	return ""
}

// validatePrimaryPeer checks the identities primary and peer name.
func (c *Config) validatePrimaryPeer(add func(name, format string, a ...any)) {
	for _, r := range []struct{ key, name, why string }{
		{"primary", c.Primary, "the primary identity must be a regular user; admin identities are used only by bfla-privilege-escalation"},
		{"peer", c.Peer, "the peer must be a regular user like the primary: cross-user checks read one user's objects as another"},
	} {
		if r.name == "" {
			continue
		}
		id := c.identity(r.name)
		switch {
		case id == nil:
			add(r.key, "%q is not the name of an identity", truncate(r.name))
		case id.Role == RoleAdmin:
			add(r.key, "%q has role admin; %s", id.Name, r.why)
		}
	}
	if c.Primary != "" && c.Primary == c.Peer {
		add("peer", "%q is also the primary; the peer must be a second account", truncate(c.Peer))
	}
}

// identity returns the identity named name, or nil.
func (c *Config) identity(name string) *Identity {
	for i := range c.Identities {
		if c.Identities[i].Name == name {
			return &c.Identities[i]
		}
	}
	return nil
}

// PrimaryPeer returns the identities that act as the primary and the
// peer: those Primary and Peer name, else the first and second identity
// of role user that is not throw-away (one already chosen is skipped).
// Throw-away accounts are left out because active rules may log them out
// or lock them mid-scan. Either result may be nil. Auth and PeerAuth are
// not considered: when set, they win over both.
func (c *Config) PrimaryPeer() (primary, peer *Identity) {
	primary, peer = c.identity(c.Primary), c.identity(c.Peer)
	for i := range c.Identities {
		id := &c.Identities[i]
		if id.Throwaway || (id.Role != RoleUser && id.Role != "") || id == primary || id == peer {
			continue
		}
		switch {
		case primary == nil && c.Primary == "":
			primary = id
		case peer == nil && c.Peer == "":
			peer = id
		}
	}
	return primary, peer
}
