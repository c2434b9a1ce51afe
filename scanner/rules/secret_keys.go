package rules

import (
	"bytes"
	"encoding/json"
	"net/url"
	"slices"
	"strings"

	"github.com/authgate/authgate/internal/ident"
	"github.com/authgate/authgate/internal/lazyre"
	"github.com/authgate/authgate/scanner"
)

// This file decides which named values in a target's answer are secrets
// (credentials-in-response reports them) and which are credentials to hide
// from the evidence (every finding of this family masks them). Names are
// read by words, as configuration names them: DB_PASSWORD, jwtSecret,
// spring.datasource.password, AWS_SECRET_ACCESS_KEY. The last word says
// what the value is: password_min_length is a length, passwordPolicy a
// policy, secretsManagerRegion a region.

// singular drops a plural s from the word lists below ("passwords",
// "tokens"); other words are left alone.
func singular(w string) string {
	switch w {
	case "passwords", "secrets", "tokens", "keys", "credentials", "apikeys":
		return strings.TrimSuffix(w, "s")
	}
	return w
}

var (
	// secretNouns are last words whose value is a secret whatever it
	// looks like.
	secretNouns = []string{"password", "passwd", "pwd", "passphrase", "secret", "apikey", "apisecret", "secretkey", "privatekey", "clientsecret"}
	// secretKeyKinds are the words before a last "key" that make it a
	// secret (api_key, SECRET_KEY, privateKey, SIGNING_KEY); public,
	// publishable, primary or sort keys are not.
	secretKeyKinds = []string{"api", "secret", "private", "signing", "encryption", "master"}
	// envKeyKinds are more such words read in environment variable
	// names only, where they name the credential (AWS_ACCESS_KEY,
	// Laravel's APP_KEY); in API answers they are too common.
	envKeyKinds = []string{"access", "app"}
	// credentialNouns are last words of credentials that are no finding
	// by themselves (a login answers its token by design) but are hidden
	// from the evidence: tokens, session ids, cookies, signatures.
	credentialNouns = []string{"token", "jwt", "session", "sessionid", "sid", "cookie", "credential", "auth", "authorization", "bearer", "signature", "salt", "otp", "pass"}
	// credentialKeyKinds are the words before a last "key" or "id" that
	// make it such a credential (session_id, access_key, clientKey).
	credentialKeyKinds = []string{"session", "auth", "access", "app", "client", "license"}
	// publicKeyKinds are words before a last "key" that make it public
	// whatever else the name says: publicApiKey, and Algolia's
	// searchApiKey/searchOnlyApiKey, made to be embedded in every
	// InstantSearch front end (its adminApiKey is a secret).
	publicKeyKinds = []string{"public", "publishable", "search"}
	// quantityWords are words that make a name a number when they come
	// before its last word: MAX_TOKENS and OPENAI_MAX_TOKENS are an LLM
	// client's limit, NUM_KEYS a count, not a token or a key.
	quantityWords = []string{"max", "maximum", "min", "minimum", "num", "number", "count", "total"}
	// shellVariables are environment names every Unix process has whose
	// value is no secret though their word is: PWD is the working
	// directory ("/workspace/app"), not a password. Only the exact,
	// upper-case names: a "pwd" key of an API answer is a password.
	shellVariables = []string{"PWD", "OLDPWD"}
)

// nameWords are the words of key k that say what its value is, or none
// when the whole name says it is no credential: a shell variable (PWD)
// or a quantity (MAX_TOKENS).
func nameWords(k string) []string {
	if slices.Contains(shellVariables, k) {
		return nil
	}
	ws := ident.Words(k)
	if len(ws) > 1 && slices.ContainsFunc(ws[:len(ws)-1], func(w string) bool { return slices.Contains(quantityWords, w) }) {
		return nil
	}
	return ws
}

// secretName reports whether a value under key k is a secret whatever it
// looks like; env is true for environment variable names (a dotenv file,
// or an upper-case key of a JSON environment dump), where a token or a
// PASS is the deployment's own credential rather than the caller's.
func secretName(k string, env bool) bool {
	ws := nameWords(k)
	if len(ws) == 0 {
		return false
	}
	last := singular(ws[len(ws)-1])
	switch {
	case slices.Contains(secretNouns, last):
		return true
	case last == "key" && len(ws) > 1:
		prev := ws[:len(ws)-1]
		if slices.ContainsFunc(prev, func(w string) bool { return slices.Contains(publicKeyKinds, w) }) {
			return false
		}
		if slices.ContainsFunc(prev, func(w string) bool { return slices.Contains(secretKeyKinds, w) }) {
			return true
		}
		return env && slices.Contains(envKeyKinds, prev[len(prev)-1])
	case last == "base" && slices.Contains(ws, "secret"):
		return true // Rails' SECRET_KEY_BASE
	case env && (last == "token" || last == "pass"):
		return true // GITHUB_TOKEN, DB_PASS
	}
	return false
}

// credentialName reports whether a value under key k is a credential to
// hide from the evidence: a secret, or a token, session id, cookie or
// signature.
func credentialName(k string, env bool) bool {
	if secretName(k, true) {
		return true
	}
	ws := nameWords(k)
	if len(ws) == 0 {
		return false
	}
	last := singular(ws[len(ws)-1])
	if slices.Contains(credentialNouns, last) {
		return true
	}
	return (last == "key" || last == "id") && len(ws) > 1 && slices.Contains(credentialKeyKinds, ws[len(ws)-2])
}

// envName matches environment variable names as dumps show them:
// NODE_ENV, DB_PASSWORD.
var envName = lazyre.New(`^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$`)

// placeholder matches values that stand for a secret instead of holding
// one: references to another variable (${DB_PASSWORD}, $SECRET, Spring's
// ${db.password:}, Symfony's %env(APP_SECRET)% and %kernel.secret%,
// Windows' %DB_PASSWORD%), templates ({{ secret }}, <your-key>) and the
// words of example files (changeme, your_api_key_here). A deployment that really
// uses "changeme" leaks a weak password, but an example file is far more
// likely, and a finding on it would be a false positive.
var placeholder = lazyre.New(`(?i)^(\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*|\{\{.*\}\}|<[^<>]*>|%\([^)]*\)s|%env\([^)]*\)%|%[A-Za-z_][A-Za-z0-9_.]*%|change[-_ ]?me|change[-_ ]?this|replace[-_ ]?me|todo|tbd|fixme|placeholder|example|dummy|your[-_ ].*|.*[-_ ]here)$`)

// A value under a secret name is still no secret when its shape says what
// it is: a front end's configuration and HAL or JSON:API answers link to
// the password pages ({"forgotPassword": "/auth/forgot-password"}),
// translation tables label the password field ({"LABEL_PASSWORD":
// "Password"}, {"forgotPassword": "Forgot your password?"}).

// pathSegment matches a path segment as people name them: lower case with
// digits and punctuation (forgot-password, v1, app.js), a capitalised
// word (Users) or a template ({id}). A mixed-case run (K7MDENG, T0AB12)
// is a random string, so a base64 secret that starts with "/" is not
// taken for a path.
var pathSegment = lazyre.New(`^([a-z0-9._~%-]+|[A-Z][a-z][a-z0-9._~%-]*|\{[A-Za-z_]+\})$`)

// pathShaped reports whether v is an absolute path of named segments.
func pathShaped(v string) bool {
	if !strings.HasPrefix(v, "/") {
		return false
	}
	inner := strings.TrimSuffix(v[1:], "/")
	if inner == "" {
		return true
	}
	for seg := range strings.SplitSeq(inner, "/") {
		if !pathSegment.MatchString(seg) {
			return false
		}
	}
	return true
}

// linkShaped reports whether v is a web link that carries no credential:
// an http(s) URL without userinfo, a path of named segments (so a Slack
// webhook's /services/T000/B000/XXXX stays a secret) and no credential
// among its query parameters (a signed URL's signature, a token).
func linkShaped(v string) bool {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return false
	}
	if u.Path != "" && !pathShaped(u.Path) {
		return false
	}
	for name := range u.Query() {
		if credentialName(name, false) {
			return false
		}
	}
	return true
}

// interpolation matches the placeholders of translation strings:
// {{length}} (Angular, i18next), {count} (ICU), %s.
var interpolation = lazyre.New(`\{\{[^}]*\}\}|\{[^{}]*\}|%[sd]`)

// prose matches capitalised text in words: letters and the punctuation of
// sentences. A password has digits or symbols, or is lower case; a label
// starts with a capital.
var prose = lazyre.New(`^\p{Lu}[\p{L}\p{M} '’,.:;!?…()-]*$`)

// labelShaped reports whether v, under key k, is a label or a sentence
// of a translation table rather than a secret: capitalised prose that is
// a phrase ("Forgot your password?", "Mot de passe") or names the key's
// own last word ("Password" under LABEL_PASSWORD). A lower-case "secret"
// under JWT_SECRET stays a (weak) secret.
func labelShaped(k, v string) bool {
	text := strings.TrimSpace(interpolation.ReplaceAllString(v, ""))
	if !prose.MatchString(text) {
		return false
	}
	if strings.Contains(text, " ") {
		return true
	}
	ws := nameWords(k)
	if len(ws) == 0 {
		return false
	}
	last := singular(ws[len(ws)-1])
	return slices.ContainsFunc(ident.Words(text), func(w string) bool { return singular(w) == last })
}

// readable reports whether v, under secret name k, is no secret by its
// shape: a path, a link or a label.
func readable(k, v string) bool {
	return pathShaped(v) || linkShaped(v) || labelShaped(k, v)
}

// jwtShaped matches a JSON Web Token: hidden wherever it shows.
var jwtShaped = lazyre.New(`^eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*$`)

// minHiddenValue is the shortest credential hidden without being a
// finding: shorter values ("on", "1") would mask innocent text all over
// the evidence.
const minHiddenValue = 8

// judgeSecret judges one named value of an answer: what describes the
// leak ("a secret value", "" when none) and hide lists the strings to mask
// in the evidence (the leaked value, a URL's password, or a credential
// that is no finding by itself).
func judgeSecret(k, v string, env bool) (what string, hide []string) {
	v = strings.TrimSpace(v)
	env = env || envName.MatchString(k)
	if masked.MatchString(v) || placeholder.MatchString(v) {
		return "", nil
	}
	switch {
	case cryptHash.MatchString(v):
		return "a password hash", []string{v}
	case passwordKey.MatchString(k) && hexDigest.MatchString(v) && !strings.EqualFold(k, "hash"):
		return "a hex password digest", []string{v}
	case publishable.MatchString(v):
		return "", nil
	case secretName(k, env) && readable(k, v):
		return "", nil
	case secretName(k, env) && len(v) >= minSecretValue:
		return "a secret value", []string{v}
	}
	if pws := embeddedPasswords(v); len(pws) > 0 {
		return "a password inside the connection string", pws
	}
	if len(v) >= minHiddenValue && (credentialName(k, env) || jwtShaped.MatchString(v)) {
		return "", []string{v}
	}
	return "", nil
}

// embeddedPasswords returns the passwords a connection string carries: a
// URL's userinfo (postgresql://shop:pw@db/shop, also behind "jdbc:"),
// secret query parameters (jdbc:mysql://db/shop?password=pw), and
// Key=Value; pairs (ADO.NET's Server=db;Password=pw;). Both the text as
// written and its decoded form are returned, to hide either.
func embeddedPasswords(v string) []string {
	var out []string
	add := func(raw string) {
		if len(raw) == 0 || masked.MatchString(raw) || placeholder.MatchString(raw) {
			return
		}
		out = append(out, raw)
		if dec, err := url.QueryUnescape(raw); err == nil && dec != raw {
			out = append(out, dec)
		}
	}
	if i := strings.Index(v, "://"); i > 0 && !strings.ContainsAny(v[:i], " \t\n") {
		rest := v[i+3:]
		authority, query := rest, ""
		if q := strings.IndexByte(rest, '?'); q >= 0 {
			authority, query = rest[:q], rest[q+1:]
		}
		if at := strings.LastIndexByte(authority, '@'); at >= 0 {
			if userinfo := authority[:at]; !strings.Contains(userinfo, "/") {
				if _, pw, ok := strings.Cut(userinfo, ":"); ok {
					add(pw)
				}
			}
		}
		for _, pair := range strings.FieldsFunc(query, func(r rune) bool { return r == '&' || r == ';' }) {
			if name, val, ok := strings.Cut(pair, "="); ok && secretName(name, false) {
				add(val)
			}
		}
		return out
	}
	if strings.Count(v, ";") >= 1 && strings.Count(v, "=") >= 2 {
		for _, pair := range strings.Split(v, ";") {
			if name, val, ok := strings.Cut(pair, "="); ok && secretName(strings.TrimSpace(name), false) {
				add(strings.TrimSpace(val))
			}
		}
	}
	return out
}

// maxSecretDepth bounds the walk of an answer: environment dumps nest
// four or five levels (Spring's propertySources[].properties{}.value).
const maxSecretDepth = 8

// eachNamedScalar calls fn with every scalar of a JSON body and the name
// it stands under, in a fixed order: the key, or for a value held by a
// wrapper the wrapper's name. Spring Boot 2's /actuator/env gives
// {"spring.datasource.password": {"value": "pw"}}, and Kubernetes-style
// lists give [{"name": "DB_PASSWORD", "value": "pw"}]: both are read as
// DB_PASSWORD / spring.datasource.password = pw. It reports false when the
// body is no JSON.
func eachNamedScalar(body []byte, fn func(name, value string)) bool {
	dec := json.NewDecoder(bytes.NewReader(bytes.TrimSpace(body)))
	dec.UseNumber() // a number is hidden as written, not as float64 prints it
	var root any
	if dec.Decode(&root) != nil {
		return false
	}
	var walk func(v any, name string, depth int)
	walk = func(v any, name string, depth int) {
		if depth > maxSecretDepth {
			return
		}
		switch t := v.(type) {
		case map[string]any:
			if n, ok := t["name"].(string); ok {
				if _, scalar := scanner.ScalarText(t["value"]); scalar {
					name = n // {"name": "DB_PASSWORD", "value": "pw"}
				}
			}
			// Sorted on the stack: every answer's records are walked.
			keys := make([]string, 0, 16)
			for k := range t {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				childName := k
				if k == "value" && name != "" {
					childName = name
				}
				walk(t[k], childName, depth+1)
			}
		case []any:
			for _, c := range t {
				walk(c, name, depth+1)
			}
		default:
			if s, ok := scanner.ScalarText(v); ok {
				fn(name, s)
			}
		}
	}
	walk(root, "", 0)
	return true
}
