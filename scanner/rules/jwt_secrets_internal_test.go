package rules

import (
	"crypto/hmac"
	"strings"
	"testing"

	"github.com/authgate/authgate/scanner/rules/wordlist"
)

// jwtFuzzKeys is the list FuzzParseJWT cracks with: small, so that a fuzz
// input costs microseconds, with the empty key and one longer than a
// hash block (which HMAC hashes first).
var jwtFuzzKeys = wordlist.Of("", "secret", "random", strings.Repeat("k", 200))

// TestJWTHMACMatcher: the hand-written HMAC agrees with crypto/hmac for
// every HS algorithm and key lengths around the block sizes (64 bytes for
// SHA-256, 128 for SHA-384/512), where the padding and the hashing of long
// keys change.
func TestJWTHMACMatcher(t *testing.T) {
	const input = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMDAxIn0"
	for _, alg := range []string{"HS256", "HS384", "HS512"} {
		for _, n := range []int{0, 1, 32, 63, 64, 65, 127, 128, 129, 300} {
			key := []byte(strings.Repeat("k", n))
			m := hmac.New(jwtHMACHash(alg), key)
			m.Write([]byte(input))
			tok := &jwtToken{alg: alg, signingInput: input, sig: m.Sum(nil)}
			newMatcher, ok := jwtHMACMatcher(tok)
			if !ok {
				t.Fatalf("%s: no matcher", alg)
			}
			match := newMatcher()
			// Twice: the buffers are reused between keys.
			for range 2 {
				if !match(key) {
					t.Errorf("%s, %d-byte key: the signing key does not match", alg, n)
				}
				if match(append(key, 'x')) {
					t.Errorf("%s, %d-byte key: a longer key matches", alg, n)
				}
			}
		}
	}
}

// TestJWTCrackSkips: tokens no key can have signed are not searched.
func TestJWTCrackSkips(t *testing.T) {
	tests := map[string]*jwtToken{
		"RS256":                    {alg: "RS256", signingInput: "a.b", sig: make([]byte, 256)},
		"none":                     {alg: "none", signingInput: "a.b"},
		"HS256 without signature":  {alg: "HS256", signingInput: "a.b"},
		"HS256, 20-byte signature": {alg: "HS256", signingInput: "a.b", sig: make([]byte, 20)},
	}
	for name, tok := range tests {
		if c, ok := jwtCrack(tok, jwtFuzzKeys); ok {
			t.Errorf("%s: cracked with entry %d", name, c.entry)
		}
	}
}

// TestJWTCrackMemo: a token searched again gets the same answer, and the
// memo tells searches of other lists apart.
func TestJWTCrackMemo(t *testing.T) {
	m := hmac.New(jwtHMACHash("HS256"), []byte("random"))
	m.Write([]byte("a.memo"))
	tok := &jwtToken{alg: "HS256", signingInput: "a.memo", sig: m.Sum(nil)}
	user := wordlist.Of("x", "random")
	for range 2 {
		if c, ok := jwtCrack(tok, user, jwtFuzzKeys); !ok || !c.user || c.entry != 2 {
			t.Fatalf("with the user list: %+v, %v", c, ok)
		}
		if c, ok := jwtCrack(tok, jwtFuzzKeys); !ok || c.user || c.entry != 3 {
			t.Fatalf("built-in alone: %+v, %v", c, ok)
		}
		if c, ok := jwtCrack(tok, wordlist.Of("y")); ok {
			t.Fatalf("a list without the key: %+v", c)
		}
		// The user's list alone is not the user's list before another.
		if c, ok := jwtCrack(tok, user); !ok || c.user || c.entry != 2 {
			t.Fatalf("the user list alone: %+v, %v", c, ok)
		}
	}
}
