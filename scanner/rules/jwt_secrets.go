package rules

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner"
	"github.com/authgate/authgate/scanner/rules/wordlist"
)

// JWTWeakHMACSecret reports APIs whose HS256/384/512 tokens are signed
// with a guessable key. The key is found offline, in the user's wordlist
// (--jwt-wordlist) and then the built-in list (wordlist.Builtin); then the
// token's claims are signed again with it (the header re-encoded so that
// the token is one the scanner minted, not the captured one) and sent
// once, on the first route that answers the primary identity data and
// refuses anonymous callers.
//
// A key found offline but confirmed on no route (the API has no such
// route, or none with values the scan knows) is still reported, at medium
// confidence: the key verifies the token the API accepted from the
// primary identity (identities are verified before any rule runs), which
// only the API's own key, or a verifier that checks nothing, explains;
// the step not seen is a minted token being accepted. A route that
// refuses the minted token settles it the other way: no finding (the
// token came from another issuer). Group drops the unconfirmed finding
// once a route has settled it; coverage says when none did.
type JWTWeakHMACSecret struct {
	probe jwtProbe
	once  sync.Once
	// user is the --jwt-wordlist list; nil: none.
	user  *wordlist.List
	found *jwtCracked // nil when no key was found

	mu sync.Mutex
	// confirmed: a route accepted a token minted with the key; refused: a
	// route refused it.
	confirmed, refused bool
}

// Info implements scanner.Rule.
func (*JWTWeakHMACSecret) Info() finding.RuleInfo { return info("jwt-weak-hmac-secret") }

// Check implements scanner.Rule.
func (r *JWTWeakHMACSecret) Check(ctx context.Context, t *scanner.Target) []finding.Finding {
	var fresh *jwtToken // the token, when this call found its key
	cracked := func(tok *jwtToken) bool {
		r.once.Do(func() {
			// One search per scan: the primary identity's first token
			// (a key signs every token the API issues).
			if c, ok := jwtCrack(tok, r.user, wordlist.Builtin()); ok {
				r.found, fresh = &c, tok
			}
			// The offline search judged the token, whatever it found:
			// coverage lists the operation (the first in spec order).
			t.Judged()
		})
		return r.found != nil
	}
	fs := r.probe.run(ctx, t, cracked, r.mint)
	if fresh != nil && !r.settled() {
		// No route here; a later one may settle it (see Group).
		fs = append(fs, r.unconfirmed(t, fresh))
	}
	return fs
}

// mint sends the token's claims signed with the found key on route p.
func (r *JWTWeakHMACSecret) mint(ctx context.Context, p jwtRoute) ([]finding.Finding, bool) {
	tok := p.cred.tok
	// The same header, with a space JSON ignores, so the signature
	// differs from the captured token's.
	hb, _ := jwtB64.DecodeString(strings.SplitN(tok.signingInput, ".", 2)[0])
	header := jwtB64.EncodeToString(append([]byte(" "), hb...))
	input := header + "." + tok.payloadB64
	minted := input + "." + jwtSign(jwtHMACHash(tok.alg), r.found.key, input)
	resp := p.send(ctx, "jwt-weak-secret", minted)
	r.mu.Lock()
	defer r.mu.Unlock()
	if !p.accepted(resp) {
		r.refused = true
		return nil, true
	}
	r.confirmed = true
	summary := fmt.Sprintf("The primary identity's %s JWT is signed with a key from %s. A token the scanner signed with that key, with the same claims, was accepted: %s answered %d with the same data as the real token. Anyone can mint tokens for any user. %s",
		jwtSafeName(tok.alg), r.found.where(), describe(resp), resp.Status, jwtKeyWithheld)
	return []finding.Finding{jwtAPIWide(p.t, "jwt-weak-hmac-secret", finding.ConfidenceHigh, summary, resp)}, true
}

// jwtKeyWithheld says why a finding names neither the key nor where it
// is: the built-in list ships with authgate and a --jwt-wordlist file is
// usually committed next to the config, so a position is the key for
// anyone who reads the report (a pull-request comment).
const jwtKeyWithheld = "The key is not shown, nor its place in the list: whoever reads this report can read the list too. Rotate the key."

// unconfirmed is the finding for a key found offline before any route
// confirmed it (see JWTWeakHMACSecret). Its confidence is medium when the
// token is the API's own, because the API accepted it (the identity was
// verified) or its login issued it; low when it is only the token the
// configuration gives, which the scan could not tie to the API.
func (r *JWTWeakHMACSecret) unconfirmed(t *scanner.Target, tok *jwtToken) finding.Finding {
	var origin []string
	if t.Primary.Login != nil {
		origin = append(origin, "issued by the API's login")
	}
	if t.Primary.Verified() {
		origin = append(origin, "accepted by the API when the scan verified its identities")
	}
	conf := finding.ConfidenceMedium
	if len(origin) == 0 {
		conf = finding.ConfidenceLow
		origin = append(origin, "given in its credentials; the scan could not verify that the API accepts it")
	}
	summary := fmt.Sprintf("The primary identity's %s JWT (%s) is signed with a key from %s, found offline. Not confirmed: no operation answered the primary identity data while refusing anonymous requests (with the description's example values or the primary identity's own objects), so no token signed with the key was sent. If the API verifies its tokens with that key, anyone can mint tokens for any user. %s",
		jwtSafeName(tok.alg), strings.Join(origin, ", "), r.found.where(), jwtKeyWithheld)
	return jwtAPIWide(t, "jwt-weak-hmac-secret", conf, summary)
}

// settled reports whether a route confirmed or refused a minted token.
func (r *JWTWeakHMACSecret) settled() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.confirmed || r.refused
}

var (
	_ scanner.Grouper   = (*JWTWeakHMACSecret)(nil)
	_ scanner.Explainer = (*JWTWeakHMACSecret)(nil)
)

// Group implements scanner.Grouper: the unconfirmed finding stands only
// when no route settled the key (see JWTWeakHMACSecret).
func (r *JWTWeakHMACSecret) Group(fs []finding.Finding, _ []string) []finding.Finding {
	if !r.settled() {
		return fs
	}
	return slices.DeleteFunc(fs, func(f finding.Finding) bool { return f.Confidence != finding.ConfidenceHigh })
}

// Explain implements scanner.Explainer: a key found but confirmed on no
// route is a check that ran in part.
func (r *JWTWeakHMACSecret) Explain() (string, bool) {
	if r.found == nil || r.settled() {
		return "", false
	}
	return "a key verifying the primary identity's token was found offline, but no token signed with it was sent: no operation answered the primary identity data while refusing anonymous requests (tried with the description's example values, then the primary identity's own objects); reported at medium confidence", false
}

// jwtCracked is a key that verified a token, and where it was found.
type jwtCracked struct {
	key   []byte
	user  bool // from the user's wordlist, else the built-in list
	entry int  // 1-based, in its list; 0: none found
}

// where names the list of the key, and nothing that identifies the key
// in it (see jwtKeyWithheld).
func (c jwtCracked) where() string {
	if c.user {
		return "your wordlist (--jwt-wordlist)"
	}
	return "authgate's built-in list of weak secrets"
}

// jwtCrack tries the lists in order (the user's first; nil lists are
// skipped) and returns the first key, in list order, that signed tok. The
// search is offline: no request per key.
func jwtCrack(tok *jwtToken, lists ...*wordlist.List) (jwtCracked, bool) {
	newMatcher, ok := jwtHMACMatcher(tok)
	if !ok {
		return jwtCracked{}, false
	}
	memo := jwtCrackKey{alg: tok.alg, input: tok.signingInput, sig: string(tok.sig)}
	copy(memo.lists[:], lists)
	if c, ok := jwtCracks.get(memo); ok && len(lists) <= len(memo.lists) {
		return c, c.entry > 0
	}
	var found jwtCracked
	for n, l := range lists {
		if i := l.First(newMatcher); i >= 0 {
			user := n == 0 && len(lists) > 1
			found = jwtCracked{key: bytes.Clone(l.At(i)), user: user, entry: i + 1}
			break
		}
	}
	if len(lists) <= len(memo.lists) {
		jwtCracks.put(memo, found)
	}
	return found, found.entry > 0
}

// jwtCrackKey identifies a search: the token signed and the lists tried
// (the rule tries two: the user's, or nil, and the built-in one).
type jwtCrackKey struct {
	alg, input, sig string
	lists           [2]*wordlist.List
}

// maxJWTCracks bounds the searches remembered: a process scans one or two
// deployments (a baseline), a test binary a few hundred.
const maxJWTCracks = 1024

// jwtCrackMemo remembers searches for the life of the process: the same
// token searched again (a --baseline-url scan with the same --auth token;
// the many scans of a test binary) gets the same answer without the cost
// of a whole list.
type jwtCrackMemo struct {
	mu   sync.Mutex
	done map[jwtCrackKey]jwtCracked // entry 0: no key found
}

var jwtCracks = &jwtCrackMemo{done: map[jwtCrackKey]jwtCracked{}}

func (m *jwtCrackMemo) get(k jwtCrackKey) (jwtCracked, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.done[k]
	return c, ok
}

func (m *jwtCrackMemo) put(k jwtCrackKey, c jwtCracked) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.done) < maxJWTCracks {
		m.done[k] = c
	}
}

// jwtHMACMatcher returns, for an HS256/384/512 token, a maker of matchers
// that tell whether a key signed it; ok is false for other tokens and for
// signatures of the wrong length, which no key can produce.
//
// A matcher computes HMAC (RFC 2104) by hand with one hash state and
// buffers reused for every key: crypto/hmac allocates its two hash states
// per key, which halves the keys tried per second.
func jwtHMACMatcher(tok *jwtToken) (newMatcher func() func(key []byte) bool, ok bool) {
	newHash := jwtHMACHash(tok.alg)
	if newHash == nil || len(tok.sig) != newHash().Size() {
		return nil, false
	}
	msg, want := []byte(tok.signingInput), tok.sig
	return func() func([]byte) bool {
		h := newHash()
		bs := h.BlockSize()
		ipad, opad := make([]byte, bs), make([]byte, bs)
		long := make([]byte, 0, h.Size())  // a key longer than the block, hashed
		inner := make([]byte, 0, h.Size()) // H(ipad || msg)
		outer := make([]byte, 0, h.Size())
		return func(key []byte) bool {
			if len(key) > bs {
				h.Reset()
				h.Write(key)
				key = h.Sum(long[:0])
			}
			clear(ipad)
			copy(ipad, key)
			copy(opad, ipad)
			for i := range ipad {
				ipad[i] ^= 0x36
				opad[i] ^= 0x5c
			}
			h.Reset()
			h.Write(ipad)
			h.Write(msg)
			inner = h.Sum(inner[:0])
			h.Reset()
			h.Write(opad)
			h.Write(inner)
			outer = h.Sum(outer[:0])
			return bytes.Equal(outer, want)
		}
	}, true
}

// FindWeakHMACSecret reports whether token is an HS256/384/512 JWT signed
// with a key of the built-in list, offline; entry is its 1-based position.
func FindWeakHMACSecret(token string) (secret string, entry int, ok bool) {
	tok, parsed := parseJWT(token)
	if !parsed {
		return "", 0, false
	}
	c, ok := jwtCrack(tok, wordlist.Builtin())
	if !ok {
		return "", 0, false
	}
	return string(c.key), c.entry, true
}
