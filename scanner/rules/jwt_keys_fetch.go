package rules

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/authgate/authgate/internal/lazyre"
	"github.com/authgate/authgate/scanner"
	"github.com/authgate/authgate/scanner/safety"
)

// Where jwt-alg-confusion looks for the server's public keys, in this
// order (docs/rules/jwt-alg-confusion.md lists the same): the user's key
// files (no request); the usual JWK set paths; the OpenID discovery
// document and its jwks_uri; the description (openIdConnectUrl of its
// security schemes, then GET operations whose path names a key); and PEM
// or DER files at common paths. Every request is an anonymous GET on the
// target's origin, read up to a bound; a URL on another origin (an
// identity provider's jwks_uri) is never contacted, only named in the
// coverage. Every source is tried even when an earlier one gave a key: a
// JWK set gives the key, but only the served file gives the exact bytes
// a confused library uses as its secret.

// jwksPaths are where APIs publish their JWK sets.
var jwksPaths = []string{"/.well-known/jwks.json", "/jwks.json"}

// jwtKeyFilePaths are where servers leave their public key as a file
// (Juice Shop: /encryptionkeys/jwt.pub), twelve, so a scan spends twelve
// GETs on them.
var jwtKeyFilePaths = []string{
	"/encryptionkeys/jwt.pub",
	"/jwt.pub",
	"/jwt.pem",
	"/public.pem",
	"/publickey.pem",
	"/public_key.pem",
	"/public.key",
	"/jwks.pem",
	"/.well-known/public.pem",
	"/keys/public.pem",
	"/certs/public.pem",
	"/cert.pem",
}

const (
	// oidcConfigPath is the OpenID discovery document, whose jwks_uri
	// names the key set when it lives elsewhere.
	oidcConfigPath = "/.well-known/openid-configuration"
	// maxJWKSBytes bounds an answer read; a key set, discovery document
	// or PEM file is a few kilobytes.
	maxJWKSBytes = 256 << 10
	// maxKeyOperations bounds the description's key operations fetched,
	// and maxOIDCSchemes its openIdConnect schemes: an API publishes its
	// keys once or twice, not at every route.
	maxKeyOperations = 4
	maxOIDCSchemes   = 2
)

// jwtKeyOperation matches the path of an operation that serves a key:
// /jwks, /.well-known/jwks.json, /auth/public-key, /keys, /certs, *.pem.
var jwtKeyOperation = lazyre.New(`(?i)(jwks|public[-_.]?key|pubkey|\.pem$|\.pub$|/certs?$|/keys$)`)

// jwtKeySearch is one scan's search for the server's public keys: the keys
// found and what each source gave, which the coverage reports.
type jwtKeySearch struct {
	ctx    context.Context
	t      *scanner.Target
	origin *url.URL // scheme and host of the target
	prefix string   // the path the description's routes hang from
	seen   map[string]bool
	keys   []*jwtPublicKey
	tried  []jwtOutcome
}

// jwtOutcome is what one source gave: "/jwks.json" → "404".
type jwtOutcome struct{ source, result string }

// searchJWTKeys looks for the keys in every source, then ranks them for
// tok (see rank).
func searchJWTKeys(ctx context.Context, t *scanner.Target, tok *jwtToken, files []JWTKeyFile) *jwtKeySearch {
	req := t.Request(scanner.Anonymous, nil)
	s := &jwtKeySearch{
		ctx:    ctx,
		t:      t,
		origin: &url.URL{Scheme: req.URL.Scheme, Host: req.URL.Host},
		prefix: strings.TrimSuffix(req.URL.Path, t.Op.Path),
		seen:   map[string]bool{},
	}
	for _, f := range files {
		keys, form := jwtKeysIn("the key file "+f.Name, f.data)
		s.add(keys)
		s.note("the key file "+f.Name, jwtFound(keys, form))
	}
	for _, p := range jwksPaths {
		s.fetch(s.at(p), "")
	}
	s.openID(s.at(oidcConfigPath))
	s.description()
	for _, p := range jwtKeyFilePaths {
		s.fetch(s.at(p), "")
	}
	s.rank(tok)
	return s
}

func (s *jwtKeySearch) at(path string) *url.URL {
	return &url.URL{Scheme: s.origin.Scheme, Host: s.origin.Host, Path: path}
}

func (s *jwtKeySearch) note(source, result string) {
	s.tried = append(s.tried, jwtOutcome{source, result})
}

// jwtFound says what a source gave: "PEM, 1 key".
func jwtFound(keys []*jwtPublicKey, form string) string {
	if len(keys) == 1 {
		return form + ", 1 key"
	}
	return fmt.Sprintf("%s, %d keys", form, len(keys))
}

// get fetches u anonymously, once per scan, and returns its body when the
// answer is a complete 200; otherwise it notes why not. A URL whose name
// says it changes state is not fetched: a jwks_uri or openIdConnectUrl is
// the target's text, and one that points at /admin/keys/rotate must not
// get a GET there, any more than a link discovery reads (the scan's own
// screen refuses what --exclude covers and the operations it skipped).
func (s *jwtKeySearch) get(u *url.URL) ([]byte, bool) {
	// Credentials in a served URL (http://user:pass@host/…) are not
	// the scan's to send.
	u.Fragment, u.User = "", nil
	if s.seen[u.String()] {
		return nil, false
	}
	s.seen[u.String()] = true
	if hit, changes := safety.UnlistedStateChange(u.Path); changes {
		s.note(jwtShown(u), "a name that says it changes state ('"+hit.Word+"'), not fetched")
		return nil, false
	}
	req := s.t.Request(scanner.Anonymous, nil)
	req.Method = http.MethodGet
	req.URL = u
	req.Header = http.Header{"Accept": {"application/json, application/x-pem-file, */*"}}
	req.Limit = maxJWKSBytes
	resp := s.t.Do(s.ctx, req)
	switch {
	case resp.Err != nil:
		s.note(jwtShown(u), "no answer")
	case resp.Status != http.StatusOK:
		s.note(jwtShown(u), fmt.Sprint(resp.Status))
	case resp.Truncated:
		s.note(jwtShown(u), "larger than 256 KiB")
	default:
		return resp.Body, true
	}
	return nil, false
}

// fetch reads the keys served at u; form, when set, names what was
// expected ("jwks_uri").
func (s *jwtKeySearch) fetch(u *url.URL, via string) {
	body, ok := s.get(u)
	if !ok {
		return
	}
	keys, form := jwtKeysIn(jwtShown(u), body)
	source := jwtShown(u)
	if via != "" {
		source += " (" + via + ")"
	}
	if len(keys) == 0 {
		s.note(source, "200 without a key")
		return
	}
	s.add(keys)
	s.note(source, jwtFound(keys, form))
}

// openID reads a discovery document and the key set its jwks_uri names
// when that is on the target's origin.
func (s *jwtKeySearch) openID(u *url.URL) {
	body, ok := s.get(u)
	if !ok {
		return
	}
	var doc struct {
		JWKSURI string `json:"jwks_uri"`
	}
	if json.Unmarshal(bytes.TrimSpace(body), &doc) != nil || doc.JWKSURI == "" {
		s.note(jwtShown(u), "200 without a jwks_uri")
		return
	}
	ref, err := u.Parse(doc.JWKSURI)
	switch {
	case err != nil:
		s.note(jwtShown(u), "a jwks_uri that is not a URL")
	case !s.sameOrigin(ref):
		// The key set of an identity provider elsewhere is not the
		// target's, and out of the scan's scope.
		s.note(jwtShown(u), "jwks_uri on another origin ("+jwtSafeName(ref.Host)+"), not fetched")
	default:
		s.note(jwtShown(u), "jwks_uri "+jwtShown(ref))
		s.fetch(ref, "jwks_uri")
	}
}

// description follows what the API description says about its keys: the
// openIdConnectUrl of its openIdConnect schemes (on the target's origin
// only) and GET operations without parameters whose path names a key.
func (s *jwtKeySearch) description() {
	doc := s.t.Document()
	if doc == nil {
		return
	}
	names := slices.Sorted(func(yield func(string) bool) {
		for name := range doc.SecuritySchemes {
			if !yield(name) {
				return
			}
		}
	})
	schemes := 0
	for _, name := range names {
		sch := doc.SecuritySchemes[name]
		if sch.Type != "openIdConnect" || sch.OpenIDConnectURL == "" || schemes == maxOIDCSchemes {
			continue
		}
		schemes++
		u, err := s.origin.Parse(sch.OpenIDConnectURL)
		if err != nil || !s.sameOrigin(u) {
			host := "?"
			if err == nil {
				host = u.Host
			}
			s.note("openIdConnectUrl of "+jwtSafeName(name), "on another origin ("+jwtSafeName(host)+"), not fetched")
			continue
		}
		s.openID(u)
	}
	ops := 0
	for _, op := range doc.Operations {
		if ops == maxKeyOperations {
			break
		}
		if op.Method != http.MethodGet || strings.ContainsAny(op.Path, "{:") || !jwtKeyOperation.MatchString(op.Path) {
			continue
		}
		ops++
		s.fetch(&url.URL{Scheme: s.origin.Scheme, Host: s.origin.Host, Path: s.prefix + op.Path}, "")
	}
}

func (s *jwtKeySearch) sameOrigin(u *url.URL) bool {
	return strings.EqualFold(u.Scheme, s.origin.Scheme) && strings.EqualFold(u.Host, s.origin.Host)
}

// jwtShown is how coverage names a URL of the target: its path, escaped
// and shortened (a jwks_uri is the target's text; the report's writers
// escape it again for their format).
func jwtShown(u *url.URL) string {
	p := u.EscapedPath()
	if u.RawQuery != "" {
		p += "?" + u.RawQuery
	}
	return shorten(p, maxShownPath)
}

// maxShownPath bounds a path named in the coverage.
const maxShownPath = 100

// maxKeysFound bounds the distinct keys kept before ranking.
const maxKeysFound = 4 * maxConfusionKeys

// add keeps keys not seen yet; a key found again (in a JWK set and as a
// file) gains the new source's spellings.
func (s *jwtKeySearch) add(keys []*jwtPublicKey) {
	for _, k := range keys {
		i := slices.IndexFunc(s.keys, func(o *jwtPublicKey) bool { return bytes.Equal(o.pkix, k.pkix) })
		switch {
		case i >= 0:
			s.keys[i].merge(k)
		case len(s.keys) < maxKeysFound:
			s.keys = append(s.keys, k)
		}
	}
}

// rank orders the keys for tok: those that verify it first (the server
// signs with them), then those whose kid is the token's, then in the
// order found; at most maxConfusionKeys, each with its encodings.
func (s *jwtKeySearch) rank(tok *jwtToken) {
	kid, _ := tok.header["kid"].(string)
	score := func(k *jwtPublicKey) int {
		n := 0
		if k.verifies {
			n -= 2
		}
		if kid != "" && k.kid == kid {
			n--
		}
		return n
	}
	for _, k := range s.keys {
		k.verifies = k.verifiesToken(tok)
	}
	slices.SortStableFunc(s.keys, func(a, b *jwtPublicKey) int { return score(a) - score(b) })
	if len(s.keys) > maxConfusionKeys {
		s.keys = s.keys[:maxConfusionKeys]
	}
	for _, k := range s.keys {
		k.encode()
	}
}

// triedText lists the sources by outcome, those that gave keys first,
// then in the order tried: "PEM, 1 key at /encryptionkeys/jwt.pub; 404 at
// /.well-known/jwks.json, /jwks.json".
func (s *jwtKeySearch) triedText() string {
	var order []string
	by := map[string][]string{}
	for _, o := range s.tried {
		if _, ok := by[o.result]; !ok {
			order = append(order, o.result)
		}
		by[o.result] = append(by[o.result], o.source)
	}
	gaveKeys := func(r string) int {
		if strings.HasSuffix(r, " key") || strings.HasSuffix(r, " keys") {
			return 0
		}
		return 1
	}
	slices.SortStableFunc(order, func(a, b string) int { return gaveKeys(a) - gaveKeys(b) })
	parts := make([]string, 0, len(order))
	for _, r := range order {
		parts = append(parts, r+" at "+strings.Join(by[r], ", "))
	}
	return strings.Join(parts, "; ")
}

// explain is the coverage note of the search: the keys and every source.
// A pass holds only for the keys found (a route may be confused with a
// key the scan never saw), so a rule that ran says which.
func (s *jwtKeySearch) explain() (string, bool) {
	if len(s.keys) == 0 {
		return "no public key of the server was found to sign HS256 tokens with (tried " + s.triedText() +
			"); give it with --jwt-public-key FILE or jwtPublicKeys in the config", true
	}
	ks := make([]string, len(s.keys))
	for i, k := range s.keys {
		ks[i] = k.describe()
	}
	return "tested only with the keys found: " + strings.Join(ks, "; ") + ". Sources: " + s.triedText(), false
}
