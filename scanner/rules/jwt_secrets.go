package rules

import (
	"bytes"
	"context"
	"fmt"
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
// once.
type JWTWeakHMACSecret struct {
	probe jwtProbe
	once  sync.Once
	// user is the --jwt-wordlist list; nil: none.
	user  *wordlist.List
	found *jwtCracked // nil when no key was found
}

// Info implements scanner.Rule.
func (*JWTWeakHMACSecret) Info() finding.RuleInfo { return info("jwt-weak-hmac-secret") }

// Check implements scanner.Rule.
func (r *JWTWeakHMACSecret) Check(ctx context.Context, t *scanner.Target) []finding.Finding {
	cracked := func(tok *jwtToken) bool {
		r.once.Do(func() {
			// One search per scan: the primary identity's first token
			// (a key signs every token the API issues).
			if c, ok := jwtCrack(tok, r.user, wordlist.Builtin()); ok {
				r.found = &c
			}
			// The offline search judged the token, whatever it found:
			// coverage lists the operation (the first in spec order).
			t.Judged()
		})
		return r.found != nil
	}
	return r.probe.run(ctx, t, cracked, func(ctx context.Context, p jwtRoute) ([]finding.Finding, bool) {
		tok := p.cred.tok
		// The same header, with a space JSON ignores, so the signature
		// differs from the captured token's.
		hb, _ := jwtB64.DecodeString(strings.SplitN(tok.signingInput, ".", 2)[0])
		header := jwtB64.EncodeToString(append([]byte(" "), hb...))
		input := header + "." + tok.payloadB64
		minted := input + "." + jwtSign(jwtHMACHash(tok.alg), r.found.key, input)
		resp := p.send(ctx, "jwt-weak-secret", minted)
		if !p.accepted(resp) {
			return nil, true
		}
		summary := fmt.Sprintf("The primary identity's %s JWT is signed with a key from %s (%s). A token the scanner signed with that key, with the same claims, was accepted: %s answered %d with the same data as the real token. Anyone can mint tokens for any user.",
			jwtSafeName(tok.alg), r.found.where(), jwtMaskSecret(string(r.found.key)), describe(resp), resp.Status)
		return []finding.Finding{jwtAPIWide(p.t, "jwt-weak-hmac-secret", finding.ConfidenceHigh, summary, resp)}, true
	})
}

// jwtCracked is a key that verified a token, and where it was found.
type jwtCracked struct {
	key   []byte
	user  bool // from the user's wordlist, else the built-in list
	entry int  // 1-based, in its list
	line  int  // the user's list: the line of the file
}

// where names the list and entry of the key, never the key: the finding
// is read by people who must not learn it.
func (c jwtCracked) where() string {
	if c.user {
		return fmt.Sprintf("the user wordlist (--jwt-wordlist): user wordlist entry %d, line %d", c.entry, c.line)
	}
	return fmt.Sprintf("authgate's built-in list of weak secrets: built-in list entry %d", c.entry)
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
			found = jwtCracked{key: bytes.Clone(l.At(i)), user: user, entry: i + 1, line: l.Line(i)}
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

// jwtMaskSecret shows a found key's shape without the key: reports are
// posted where people who must not learn it can read them.
func jwtMaskSecret(s string) string {
	switch n := len(s); {
	case n == 0:
		return "the empty string"
	case n <= 3:
		return fmt.Sprintf("%d characters", n)
	default:
		return fmt.Sprintf("%d characters, %q…", n, s[:1])
	}
}
