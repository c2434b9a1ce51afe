package rules

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"maps"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/internal/lazyre"
	"github.com/authgate/authgate/scanner"
)

// JWTRules returns the JWT rules of one scan. The token-property rules
// keep per-scan state (which operation was probed, what was found
// offline), so call it once per scan.
func JWTRules(opts ...Option) []scanner.Rule {
	set := collect(opts)
	return []scanner.Rule{
		&JWTAlgNone{},
		&JWTSignatureNotVerified{},
		&JWTWeakHMACSecret{user: set.jwtWordlist},
		&JWTLifetimeExcessive{},
		&JWTSensitiveClaims{},
	}
}

// jwtToken is a compact JWS as the primary identity carries it.
type jwtToken struct {
	raw          string
	header       map[string]any
	claims       map[string]any
	sig          []byte
	payloadB64   string // the payload segment exactly as captured
	signingInput string // "header.payload" segments as captured
	alg          string
}

var jwtB64 = base64.RawURLEncoding

// parseJWT reads a compact JWS; anything else (opaque tokens, JWE with
// five segments, broken JSON) is not a JWT for these rules.
func parseJWT(s string) (*jwtToken, bool) {
	parts := strings.Split(s, ".")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" {
		return nil, false
	}
	hb, err := jwtB64.DecodeString(parts[0])
	if err != nil {
		return nil, false
	}
	pb, err := jwtB64.DecodeString(parts[1])
	if err != nil {
		return nil, false
	}
	sig, err := jwtB64.DecodeString(parts[2])
	if err != nil {
		return nil, false
	}
	tok := &jwtToken{raw: s, sig: sig, payloadB64: parts[1], signingInput: parts[0] + "." + parts[1]}
	if json.Unmarshal(hb, &tok.header) != nil || tok.header == nil {
		return nil, false
	}
	alg, ok := tok.header["alg"].(string)
	if !ok || alg == "" {
		return nil, false
	}
	tok.alg = alg
	dec := json.NewDecoder(strings.NewReader(string(pb)))
	dec.UseNumber()
	if dec.Decode(&tok.claims) != nil || tok.claims == nil {
		return nil, false
	}
	return tok, true
}

// jwtCredential is where the primary identity's JWT sits: which header,
// and the text around the token in its value ("Bearer ", "session=").
type jwtCredential struct {
	base           *scanner.Identity
	header         int
	prefix, suffix string
	tok            *jwtToken
}

// jwtCandidate matches a compact-JWS-shaped substring of a header value.
var jwtCandidate = lazyre.New(`[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*`)

// findJWT finds the JWT in id's credentials: the Authorization header
// first, then cookies, then other headers — an identity may also carry a
// long-lived public key (Supabase's apikey) that is not the user's token.
func findJWT(id *scanner.Identity) (jwtCredential, bool) {
	if id.IsAnonymous() {
		return jwtCredential{}, false
	}
	rank := func(name string) int {
		switch name {
		case "Authorization":
			return 0
		case "Cookie":
			return 1
		}
		return 2
	}
	creds := id.Creds()
	order := make([]int, len(creds))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return rank(creds[a].Name) - rank(creds[b].Name) })
	for _, i := range order {
		h := creds[i]
		for _, loc := range jwtCandidate.FindAllStringIndex(h.Value, -1) {
			if tok, ok := parseJWT(h.Value[loc[0]:loc[1]]); ok {
				return jwtCredential{base: id, header: i, prefix: h.Value[:loc[0]], suffix: h.Value[loc[1]:], tok: tok}, true
			}
		}
	}
	return jwtCredential{}, false
}

// with returns the identity name carrying token in place of the real one.
// Forged identities need their own names: the response cache keys on it.
func (c jwtCredential) with(name, token string) *scanner.Identity {
	hs := slices.Clone(c.base.Creds())
	hs[c.header].Value = c.prefix + token + c.suffix
	return scanner.NewIdentity(c.base.Name+"+"+name, hs)
}

// jwtSegment base64url-encodes v's JSON.
func jwtSegment(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		// Values decoded from JSON always encode again.
		return ""
	}
	return jwtB64.EncodeToString(b)
}

// withAlg returns the token's header with alg replaced, encoded.
func (tok *jwtToken) headerWithAlg(alg string) string {
	h := make(map[string]any, len(tok.header))
	for k, v := range tok.header {
		h[k] = v
	}
	h["alg"] = alg
	return jwtSegment(h)
}

// jwtHMACHash returns the hash of an HS* algorithm, nil for others.
func jwtHMACHash(alg string) func() hash.Hash {
	switch alg {
	case "HS256":
		return sha256.New
	case "HS384":
		return sha512.New384
	case "HS512":
		return sha512.New
	}
	return nil
}

// hs256Input is the token's signing input with its header's alg set to
// HS256, the claims unchanged.
func (tok *jwtToken) hs256Input() string {
	return tok.headerWithAlg("HS256") + "." + tok.payloadB64
}

// foreignKeySigned returns the token re-signed as HS256 with a random key:
// a route that accepts it does not verify HS256 signatures at all.
func (tok *jwtToken) foreignKeySigned() string {
	input := tok.hs256Input()
	return input + "." + jwtSign(sha256.New, []byte(jwtRandomHex(32)), input)
}

func jwtSign(h func() hash.Hash, key []byte, input string) string {
	m := hmac.New(h, key)
	m.Write([]byte(input))
	return jwtB64.EncodeToString(m.Sum(nil))
}

// jwtRandomHex returns n random bytes in hex; the controls and the foreign
// key must be unguessable, not just different.
func jwtRandomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// jwtControlKey keys the corrupted signatures: unguessable, and the same
// for the whole process, so that the altered-signature control the rules
// share on a route (one cached request, by identity name) is the same
// token whichever rule sent it.
var jwtControlKey = sync.OnceValue(func() []byte { return randomBytes(32) })

// corruptSignature returns the token with another signature of the same
// length: an HMAC of the signing input under jwtControlKey, not a
// reversible change, so that a target echoing the forged token back
// cannot reveal the real signature.
func (tok *jwtToken) corruptSignature() string {
	n := max(len(tok.sig), 8)
	var sig []byte
	for block := byte(0); len(sig) < n; block++ {
		m := hmac.New(sha256.New, jwtControlKey())
		m.Write([]byte{block})
		m.Write([]byte(tok.signingInput))
		sig = m.Sum(sig)
	}
	sig = sig[:n]
	if hmac.Equal(sig, tok.sig) {
		sig[0] ^= 0xff
	}
	return tok.signingInput + "." + jwtB64.EncodeToString(sig)
}

// jwtAPIWide turns a finding into one about the whole API: a token property
// has one cause whichever operation showed it. The fingerprint uses the
// primary identity's scheme rather than the operation's: the operation
// probed is an example, and fingerprints must not change when another
// operation is added before it.
func jwtAPIWide(t *scanner.Target, rule string, conf finding.Confidence, summary string, rs ...*scanner.Response) finding.Finding {
	return apiWide(t.NewFinding(rule, conf, summary, rs...), t.Primary.Scheme())
}

// jwtRoute is an operation where a forged token's answer means something:
// the primary identity's JWT gets data there and anonymous callers are
// refused.
type jwtRoute struct {
	t    *scanner.Target
	cred jwtCredential
	vals map[string]string
	real *scanner.Response
	// all is set on the first protected routes in spec order (see
	// representative), which get every forged variant; the others get
	// the one that catches the common flaw.
	all bool
}

// jwtRouteAt returns t's operation as a jwtRoute when the primary
// identity carries a JWT that accept takes (nil: any), the operation is
// safe to send, and it is protected in fact (see jwtRealAnswer for the
// values chosen). With the example values, the real and anonymous
// requests are the ones other rules send: the cache answers them.
func jwtRouteAt(ctx context.Context, t *scanner.Target, accept func(*jwtToken) bool) (jwtRoute, bool) {
	if t.Primary == nil || !t.Safe() {
		return jwtRoute{}, false
	}
	cred, ok := findJWT(t.Primary)
	if !ok || (accept != nil && !accept(cred.tok)) {
		return jwtRoute{}, false
	}
	vals, real, ok := jwtRealAnswer(ctx, t)
	if !ok {
		t.Untested() // nothing to compare a forged token's answer with
		return jwtRoute{}, false
	}
	if anon := t.Send(ctx, scanner.Anonymous, vals); t.Success(anon) {
		// Anonymous callers get an answer: tokens prove nothing here.
		t.Untested()
		return jwtRoute{}, false
	}
	return jwtRoute{t: t, cred: cred, vals: vals, real: real}, true
}

// jwtRealAnswer returns the values with which the primary identity's
// real token gets data from t's operation, and that answer: the
// description's example values first (the request other rules send, which
// the cache answers), else the primary identity's own objects (see
// Target.OwnValues), since an example often names no object at all
// (VAmPI's /books/v1/{book_title} with bookTitle77 answers 404 to
// everyone, while the primary's own book answers it). ok is false when
// neither gets a successful answer.
func jwtRealAnswer(ctx context.Context, t *scanner.Target) (map[string]string, *scanner.Response, bool) {
	vals := t.Values()
	real := t.Send(ctx, t.Primary, vals)
	if t.Success(real) {
		return vals, real, true
	}
	own := t.OwnValues(t.Primary)
	if maps.Equal(own, vals) {
		return nil, nil, false
	}
	real = t.Send(ctx, t.Primary, own)
	return own, real, t.Success(real)
}

// jwtProtectedRoute is jwtRouteAt for the per-route rules: only GET
// operations not declared public are candidates, the same ones
// authn-invalid-token-accepted probes, so that the first routes in spec
// order (which get every variant) are chosen from the description alone.
func jwtProtectedRoute(ctx context.Context, t *scanner.Target, accept func(*jwtToken) bool) (jwtRoute, bool) {
	if !invalidTokenCandidate(t.Primary, t.Op) {
		return jwtRoute{}, false
	}
	p, ok := jwtRouteAt(ctx, t, accept)
	p.all = ok && representative(t)
	return p, ok
}

// maxJWTProbeOperations bounds how many operations a rule that decides
// once per API tries when the first ones cannot decide (they accept
// garbage tokens too).
const maxJWTProbeOperations = 3

// jwtProbe runs a rule that decides once per API (a property of the
// token, not of a route's verifier) on the first operation in spec order
// that can decide it (see order.go): an operation skips its probe when an
// earlier one decided, or when maxJWTProbeOperations earlier ones could
// not. The engine runs such rules in spec order (scanner.SpecOrdered);
// the mutex guards the state all the same.
type jwtProbe struct {
	mu sync.Mutex
	// decided is the earliest operation that decided; undecided are the
	// operations probed that could not.
	decided   *opKey
	undecided []opKey
}

// skip reports whether op's probe is not needed; pr.mu is held.
func (pr *jwtProbe) skip(op opKey) bool {
	if pr.decided != nil && pr.decided.compare(op) <= 0 {
		return true
	}
	earlier := 0
	for _, u := range pr.undecided {
		if u.compare(op) < 0 {
			earlier++
		}
	}
	return earlier >= maxJWTProbeOperations
}

// probeFunc sends the rule's forged tokens; decisive is false when the
// operation cannot tell (its controls were accepted).
type probeFunc func(ctx context.Context, p jwtRoute) (fs []finding.Finding, decisive bool)

func (pr *jwtProbe) run(ctx context.Context, t *scanner.Target, accept func(*jwtToken) bool, probe probeFunc) []finding.Finding {
	op := keyOf(t.Op)
	pr.mu.Lock()
	stop := pr.skip(op)
	pr.mu.Unlock()
	if stop {
		return nil
	}
	p, ok := jwtRouteAt(ctx, t, accept)
	if !ok {
		return nil
	}
	pr.mu.Lock()
	defer pr.mu.Unlock()
	if pr.skip(op) {
		return nil
	}
	fs, decisive := probe(ctx, p)
	switch {
	case !decisive:
		pr.undecided = append(pr.undecided, op)
	case pr.decided == nil || op.compare(*pr.decided) < 0:
		pr.decided = &op
	}
	return fs
}

// accepted reports whether a forged token got the real token's answer.
func (p jwtRoute) accepted(r *scanner.Response) bool {
	return p.t.Success(r) && scanner.Similarity(r.Body, p.real.Body) >= sameContent
}

// confirmed resends an accepted forged request and checks it again.
func (p jwtRoute) confirmed(ctx context.Context, r *scanner.Response) bool {
	return p.accepted(p.t.Resend(ctx, r))
}

// send sends the operation with the forged token in place of the real one.
func (p jwtRoute) send(ctx context.Context, name, token string) *scanner.Response {
	return p.t.Send(ctx, p.cred.with(name, token), p.vals)
}

// Control identity names, shared by the rules so the cache answers the
// second rule's controls on the same route.
const (
	jwtAlteredName  = "jwt-altered-signature"
	jwtRandomName   = "jwt-random"
	jwtStrippedName = "jwt-stripped-signature"
)

func (p jwtRoute) sendAltered(ctx context.Context) *scanner.Response {
	return p.send(ctx, jwtAlteredName, p.cred.tok.corruptSignature())
}

// controlsRefused sends the controls that tell a flawed verifier from a
// route that checks no signature (the altered one:
// jwt-signature-not-verified) or no token (the random one:
// authn-invalid-token-accepted), the second only when the first was
// refused; ok is false when either was accepted.
func (p jwtRoute) controlsRefused(ctx context.Context) (altered, random *scanner.Response, ok bool) {
	altered = p.sendAltered(ctx)
	if p.t.Success(altered) {
		return altered, nil, false
	}
	random = p.sendRandom(ctx)
	return altered, random, !p.t.Success(random)
}

// jwtRandomToken is the same for the whole process so the cache shares the
// random control between rules; it is unguessable all the same.
var jwtRandomToken = sync.OnceValue(func() string { return "authgate-" + jwtRandomHex(24) })

func (p jwtRoute) sendRandom(ctx context.Context) *scanner.Response {
	return p.send(ctx, jwtRandomName, jwtRandomToken())
}

// JWT verification is configured per route in real frameworks (an
// Express sub-router with jwt({algorithms}) next to one that calls
// jwt.decode, Flask views with different decorators), so jwt-alg-none,
// jwt-signature-not-verified and jwt-alg-confusion judge every protected
// GET route on its own and report each flawed route (fingerprint: rule,
// method, route, scheme). A route's decision depends on its own answers
// only, so it does not matter which operation a worker reaches first.
//
// The cost per protected route is bounded: every one gets the forged
// token that catches the common flaw (alg "none"; a stripped signature;
// the first published key as HMAC secret); the first
// maxRepresentativeOperations candidates in spec order, the same routes
// authn-invalid-token-accepted probes fully, get every variant (the other
// spellings of none, an altered signature, a foreign key, every key and
// encoding). The controls that tell the flaw from a route that checks
// nothing (an altered signature, a random token) are sent only once a
// forged token was accepted and confirmed: the verifying routes, which a
// gate mostly sees, pay one request per rule.

// JWTAlgNone reports routes that accept the primary identity's JWT
// re-encoded with alg "none" and no signature. It needs proof that the
// route checks signatures at all: the same token with a corrupted
// signature, and a random string, must be refused (otherwise the cause is
// jwt-signature-not-verified or no check at all, not alg none).
type JWTAlgNone struct{}

// Info implements scanner.Rule.
func (*JWTAlgNone) Info() finding.RuleInfo { return info("jwt-alg-none") }

// jwtNoneSpellings are the spellings of "none" libraries have accepted;
// every route gets the first.
var jwtNoneSpellings = []string{"none", "None", "NONE", "nOnE"}

// Check implements scanner.Rule.
func (r *JWTAlgNone) Check(ctx context.Context, t *scanner.Target) []finding.Finding {
	p, ok := jwtProtectedRoute(ctx, t, nil)
	if !ok {
		return nil
	}
	spellings := jwtNoneSpellings[:1]
	if p.all {
		spellings = jwtNoneSpellings
	}
	for _, alg := range spellings {
		forged := p.cred.tok.headerWithAlg(alg) + "." + p.cred.tok.payloadB64 + "."
		// One identity name per spelling: the cache keys on it.
		resp := p.send(ctx, "jwt-alg-"+alg, forged)
		if !p.accepted(resp) || !p.confirmed(ctx, resp) {
			continue
		}
		altered, random, ok := p.controlsRefused(ctx)
		if !ok {
			return nil
		}
		summary := fmt.Sprintf("On this route, the primary identity's JWT re-encoded with header alg %q, the same claims and an empty signature was accepted: %s answered %d with the same data as the real token (confirmed by a second request), while the token with a corrupted signature (%d) and a random token (%d) were refused. This route's verifier takes the algorithm from the token.",
			alg, describe(resp), resp.Status, altered.Status, random.Status)
		return []finding.Finding{p.t.NewFinding("jwt-alg-none", finding.ConfidenceHigh, summary, resp, altered)}
	}
	return nil
}

// JWTSignatureNotVerified reports routes that accept the primary
// identity's JWT with its signature stripped, altered, or replaced by one
// made with another key. A random non-JWT token must be refused, proving
// the route checks credentials. The variants a route accepts share one
// cause: one finding per route.
type JWTSignatureNotVerified struct{}

// Info implements scanner.Rule.
func (*JWTSignatureNotVerified) Info() finding.RuleInfo { return info("jwt-signature-not-verified") }

// Check implements scanner.Rule.
func (r *JWTSignatureNotVerified) Check(ctx context.Context, t *scanner.Target) []finding.Finding {
	p, ok := jwtProtectedRoute(ctx, t, nil)
	if !ok {
		return nil
	}
	tok := p.cred.tok
	type variant struct{ name, what, token string }
	// A stripped signature first: code that decodes without verifying
	// accepts it, and so does a verifier that skips an empty signature.
	variants := []variant{{jwtStrippedName, "stripped signature", tok.signingInput + "."}}
	if p.all {
		variants = append(variants,
			variant{jwtAlteredName, "altered signature", tok.corruptSignature()},
			variant{"jwt-foreign-key", "HS256 signature made with a random key", tok.foreignKeySigned()})
	}
	var accepted, sent []string
	var first *scanner.Response
	for _, v := range variants {
		sent = append(sent, v.what)
		resp := p.send(ctx, v.name, v.token)
		if !p.accepted(resp) {
			continue
		}
		if first == nil {
			if !p.confirmed(ctx, resp) {
				continue
			}
			first = resp
		}
		accepted = append(accepted, v.what)
	}
	if first == nil {
		return nil
	}
	random := p.sendRandom(ctx)
	if p.t.Success(random) {
		// No token is checked here: authn-invalid-token-accepted.
		return nil
	}
	summary := fmt.Sprintf("On this route, the primary identity's JWT was accepted with its claims unchanged and a broken signature (%s): %s answered %d with the same data as the real token (confirmed by a second request), while a random token was refused (%d). This route does not verify the signature.",
		strings.Join(accepted, "; "), describe(first), first.Status, random.Status)
	if len(sent) > len(accepted) {
		summary += " Refused here: " + strings.Join(slices.DeleteFunc(sent, func(s string) bool { return slices.Contains(accepted, s) }), "; ") + "."
	}
	return []finding.Finding{p.t.NewFinding("jwt-signature-not-verified", finding.ConfidenceHigh, summary, first, random)}
}

// jwtOnce runs an offline rule once per scan, on the first operation of
// a scan whose primary identity carries a JWT.
type jwtOnce struct {
	mu   sync.Mutex
	done bool
}

func (o *jwtOnce) take(t *scanner.Target) (*jwtToken, bool) {
	if t.Primary == nil {
		return nil, false
	}
	cred, ok := findJWT(t.Primary)
	if !ok {
		return nil, false
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.done {
		return nil, false
	}
	o.done = true
	t.Judged()
	return cred.tok, true
}

// The token-property rules decide once for the API, on the first
// operation in spec order that settles it: the engine runs them in that
// order (scanner.SpecOrdered). The per-route rules (jwt-alg-none,
// jwt-signature-not-verified, jwt-alg-confusion) decide each route on its
// own answers and run on the parallel workers.

// SpecOrdered implements scanner.SpecOrdered.
func (*JWTWeakHMACSecret) SpecOrdered() {}

// SpecOrdered implements scanner.SpecOrdered.
func (*JWTLifetimeExcessive) SpecOrdered() {}

// SpecOrdered implements scanner.SpecOrdered.
func (*JWTSensitiveClaims) SpecOrdered() {}

var (
	_ scanner.SpecOrdered = (*JWTWeakHMACSecret)(nil)
	_ scanner.SpecOrdered = (*JWTLifetimeExcessive)(nil)
	_ scanner.SpecOrdered = (*JWTSensitiveClaims)(nil)
)

// maxTokenLifetime is the longest access-token lifetime accepted: a day
// covers every workday session; longer-lived tokens are refresh tokens or
// mistakes, and a stolen one stays useful for too long.
const maxTokenLifetime = 24 * time.Hour

// JWTLifetimeExcessive reports a primary identity's JWT without exp, or
// valid for longer than maxTokenLifetime (exp - iat, or exp - now without
// iat). It sends nothing.
type JWTLifetimeExcessive struct {
	once jwtOnce
	now  func() time.Time // nil: time.Now
}

// Info implements scanner.Rule.
func (*JWTLifetimeExcessive) Info() finding.RuleInfo { return info("jwt-lifetime-excessive") }

// Check implements scanner.Rule.
func (r *JWTLifetimeExcessive) Check(_ context.Context, t *scanner.Target) []finding.Finding {
	tok, ok := r.once.take(t)
	if !ok {
		return nil
	}
	now := time.Now
	if r.now != nil {
		now = r.now
	}
	var summary string
	exp, hasExp := jwtNumericClaim(tok.claims, "exp")
	iat, hasIat := jwtNumericClaim(tok.claims, "iat")
	switch {
	case tok.claims["exp"] == nil:
		summary = "The primary identity's JWT has no exp claim: it never expires, so a leaked token works until the signing key changes."
	case !hasExp:
		// An exp that is not a number: libraries disagree, not ours to judge.
		return nil
	case hasIat && exp-iat > maxTokenLifetime.Seconds():
		summary = fmt.Sprintf("The primary identity's JWT is valid for %s (exp - iat), more than the %s policy.",
			jwtLifetime(exp-iat), maxTokenLifetime)
	case !hasIat && exp-float64(now().Unix()) > maxTokenLifetime.Seconds():
		summary = fmt.Sprintf("The primary identity's JWT has no iat and is still valid for %s (exp - now), more than the %s policy.",
			jwtLifetime(exp-float64(now().Unix())), maxTokenLifetime)
	default:
		return nil
	}
	return []finding.Finding{jwtAPIWide(t, "jwt-lifetime-excessive", finding.ConfidenceMedium, summary)}
}

func jwtNumericClaim(claims map[string]any, name string) (float64, bool) {
	n, ok := claims[name].(json.Number)
	if !ok {
		return 0, false
	}
	f, err := n.Float64()
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

// jwtLifetime names a lifetime in seconds. Days are computed in float:
// a time.Duration overflows past 292 years, which hostile or careless
// tokens reach (exp 1e300).
func jwtLifetime(seconds float64) string {
	const day = 24 * 60 * 60
	if seconds >= 2*day {
		return fmt.Sprintf("%.0f days", seconds/day)
	}
	return (time.Duration(seconds) * time.Second).Round(time.Minute).String()
}

// JWTSensitiveClaims reports a primary identity's JWT whose claims hold
// secrets or sensitive personal data: anyone holding the token can base64-
// decode them. Claim names are reported, never their values. It sends
// nothing.
type JWTSensitiveClaims struct{ once jwtOnce }

// Info implements scanner.Rule.
func (*JWTSensitiveClaims) Info() finding.RuleInfo { return info("jwt-sensitive-claims") }

var (
	// jwtSecretClaim names claims that hold a secret when they hold a string.
	jwtSecretClaim = lazyre.New(`(?i)^(.*[_-])?(password|passwd|pwd|pass|passphrase|secret|client_?secret|private_?key|api_?key|apikey)$`)
	// jwtPersonalClaim names claims that hold sensitive personal data.
	jwtPersonalClaim = lazyre.New(`(?i)^(.*[_-])?(ssn|social_?security(_?number)?|credit_?card(_?number)?|card_?number|cc_?num(ber)?|pan|cvv|cvc|iban)$`)
	// jwtSSNValue and jwtHashValue are values sensitive whatever their claim's name.
	jwtSSNValue  = lazyre.New(`^\d{3}-\d{2}-\d{4}$`)
	jwtHashValue = lazyre.New(`^\$(2[abxy]|argon2(id|i|d)|scrypt|pbkdf2[-_a-z0-9]*)\$`)
	jwtCardValue = lazyre.New(`^(4\d{12}(\d{3})?|5[1-5]\d{14}|2[2-7]\d{14}|3[47]\d{13}|6(011|5\d\d)\d{12})$`)
)

// maxJWTClaimDepth bounds the walk of nested claims.
const maxJWTClaimDepth = 4

// Check implements scanner.Rule.
// jwtIDClaim matches claims that hold identifiers: the registered ones and
// any key ending in id.
var jwtIDClaim = lazyre.New(`(?i)^(sub|jti|sid|oid|aud|iss|azp|tid|kid)$|id$`)

func (r *JWTSensitiveClaims) Check(_ context.Context, t *scanner.Target) []finding.Finding {
	tok, ok := r.once.take(t)
	if !ok {
		return nil
	}
	var hits []string
	var walk func(path string, v any, depth int)
	walk = func(path string, v any, depth int) {
		if depth > maxJWTClaimDepth {
			return
		}
		key := path[strings.LastIndex(path, ".")+1:]
		switch x := v.(type) {
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(x)) {
				walk(jwtJoinClaim(path, k), x[k], depth+1)
			}
		case []any:
			for _, e := range x {
				walk(path, e, depth+1)
			}
		case string:
			digits := spacesDashes.Replace(x)
			switch {
			case x == "":
			case jwtSecretClaim.MatchString(key):
				hits = append(hits, jwtSafeName(path)+" (secret)")
			case jwtPersonalClaim.MatchString(key):
				hits = append(hits, jwtSafeName(path)+" (personal data)")
			case jwtHashValue.MatchString(x):
				hits = append(hits, jwtSafeName(path)+" (password hash)")
			case jwtSSNValue.MatchString(x):
				hits = append(hits, jwtSafeName(path)+" (social security number)")
			case jwtCardValue.MatchString(digits) && jwtLuhn(digits) && !jwtIDClaim.MatchString(key):
				// Identifiers (sub, jti, user ids) are long numbers that
				// pass the card checksum one time in ten.
				hits = append(hits, jwtSafeName(path)+" (payment card number)")
			}
		case json.Number:
			if jwtPersonalClaim.MatchString(key) {
				hits = append(hits, jwtSafeName(path)+" (personal data)")
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(tok.claims)) {
		walk(k, tok.claims[k], 0)
	}
	if len(hits) == 0 {
		return nil
	}
	hits = slices.Compact(hits)
	summary := fmt.Sprintf("The primary identity's JWT carries sensitive claims readable by anyone holding it (values not shown): %s.", strings.Join(hits, ", "))
	return []finding.Finding{jwtAPIWide(t, "jwt-sensitive-claims", finding.ConfidenceHigh, summary)}
}

func jwtJoinClaim(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

// jwtLuhn reports whether digits pass the payment-card checksum.
func jwtLuhn(digits string) bool {
	sum := 0
	for i := range len(digits) {
		d := int(digits[len(digits)-1-i] - '0')
		if d < 0 || d > 9 {
			return false
		}
		if i%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

// jwtSafeName keeps a token-supplied name printable and inert in Markdown
// and HTML reports: letters, digits, '_', '-', '.' only.
func jwtSafeName(s string) string {
	if s == "" {
		return "(empty)"
	}
	return "`" + safeName(s) + "`"
}
