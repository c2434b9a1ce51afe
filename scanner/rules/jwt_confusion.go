package rules

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"sync"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner"
)

// JWTConfusionRules returns the algorithm-confusion rule of one scan,
// with the user's key files among opts (WithJWTPublicKeys). Its value
// keeps per-scan state (the keys found), so call it once per scan.
func JWTConfusionRules(opts ...Option) []scanner.Rule {
	return []scanner.Rule{&JWTAlgConfusion{files: collect(opts).jwtPublicKeys}}
}

// JWTAlgConfusion reports routes that accept an HS256 token whose HMAC key
// is the server's own public key, on APIs that issue asymmetrically signed
// JWTs (RS*, ES*, PS*): libraries that take the algorithm from the token
// hand the verification key (the PEM bytes) to HMAC, and the public key is
// public. The keys come from the user's key files and from wherever the
// target serves them (see jwt_keys_fetch.go), searched once per scan; each
// protected GET route is then judged on its own, like jwt-alg-none (see
// jwt.go): every route gets the forged token made with the first key's
// first encoding, the first routes in spec order every key and encoding.
// The controls must be refused, so that the cause is the algorithm and not
// a missing check.
type JWTAlgConfusion struct {
	// files are the user's key files (WithJWTPublicKeys).
	files  []JWTKeyFile
	fetch  sync.Once
	search *jwtKeySearch // nil until a protected route asked for keys
}

var _ scanner.Explainer = (*JWTAlgConfusion)(nil)

// Info implements scanner.Rule.
func (*JWTAlgConfusion) Info() finding.RuleInfo { return info("jwt-alg-confusion") }

// Explain implements scanner.Explainer: the keys and the sources tried
// (not run when the search found no key); nothing when no route needed
// keys (no asymmetric token, no protected route).
func (r *JWTAlgConfusion) Explain() (string, bool) {
	if r.search == nil {
		return "", false
	}
	return r.search.explain()
}

// jwtAsymmetricAlgs are the algorithms whose verification key is public.
var jwtAsymmetricAlgs = map[string]bool{
	"RS256": true, "RS384": true, "RS512": true,
	"ES256": true, "ES384": true, "ES512": true,
	"PS256": true, "PS384": true, "PS512": true,
}

const (
	// maxConfusionKeys bounds the keys tried: key sets hold the current
	// key and one or two in rotation; more is a list to be abused.
	maxConfusionKeys = 8
	// minRSABits refuses toy moduli that are no one's signing key.
	minRSABits = 512
)

// Check implements scanner.Rule.
func (r *JWTAlgConfusion) Check(ctx context.Context, t *scanner.Target) []finding.Finding {
	asymmetric := func(tok *jwtToken) bool { return jwtAsymmetricAlgs[tok.alg] }
	p, ok := jwtProtectedRoute(ctx, t, asymmetric)
	if !ok {
		return nil
	}
	// Once per scan, on the first protected route a worker reaches: the
	// keys depend on the target alone, not on the route.
	r.fetch.Do(func() { r.search = searchJWTKeys(ctx, p.t, p.cred.tok, r.files) })
	keys := r.search.keys
	if len(keys) == 0 {
		// Nothing forged: the route is not tested, and the coverage
		// says which sources gave no key (Explain).
		t.Untested()
		return nil
	}
	input := p.cred.tok.hs256Input()
	for i, k := range keys {
		for j, enc := range k.encodings {
			if !p.all && (i > 0 || j > 0) {
				return nil
			}
			forged := input + "." + jwtSign(sha256.New, enc.secret, input)
			resp := p.send(ctx, fmt.Sprintf("jwt-alg-confusion-%d-%d", i+1, j+1), forged)
			if !p.accepted(resp) || !p.confirmed(ctx, resp) {
				continue
			}
			return r.judge(ctx, p, k, enc, resp)
		}
	}
	return nil
}

// judge reports an accepted, confirmed forged token unless a control is
// accepted too: then the route does not verify signatures (or tokens) at
// all, which is another rule's cause.
func (r *JWTAlgConfusion) judge(ctx context.Context, p jwtRoute, k *jwtPublicKey, enc jwtKeyEncoding, resp *scanner.Response) []finding.Finding {
	altered, random, ok := p.controlsRefused(ctx)
	if !ok {
		return nil
	}
	// HS256 with a random key: a route that accepts it does not verify
	// HS256 at all.
	tok := p.cred.tok
	foreign := p.send(ctx, "jwt-confusion-foreign-key", tok.foreignKeySigned())
	if p.t.Success(foreign) {
		return nil
	}
	summary := fmt.Sprintf("On this route, the primary identity's %s JWT re-signed as HS256 (same claims), with the server's public key — the %s — as the HMAC secret (%s), was accepted: %s answered %d with the same data as the real token (confirmed by a second request), while the token with a corrupted signature (%d), a random token (%d) and an HS256 token signed with a random key (%d) were refused. A public key is no secret: anyone who has it can mint tokens for any user.",
		jwtSafeName(tok.alg), k.describe(), enc.name, describe(resp), resp.Status, altered.Status, random.Status, foreign.Status)
	return []finding.Finding{p.t.NewFinding("jwt-alg-confusion", finding.ConfidenceHigh, summary, resp, foreign)}
}

// jwk is the part of a JSON Web Key (RFC 7517) the rule reads.
type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	N   string `json:"n"`
	E   string `json:"e"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
}

// parseJWKS returns the signing keys of a JWK set served at source; keys
// it cannot read (symmetric, private-only, unknown curves, broken numbers)
// and encryption keys are skipped.
func parseJWKS(source string, b []byte) []*jwtPublicKey {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if json.Unmarshal(b, &set) != nil {
		return nil
	}
	var out []*jwtPublicKey
	for _, raw := range set.Keys {
		if k, ok := parseJWK(source, raw); ok {
			out = append(out, k)
		}
	}
	return out
}

// parseJWK reads one JWK; its JSON as served is kept as a spelling of the
// key (a library may take the JWK text itself as the secret).
func parseJWK(source string, raw []byte) (*jwtPublicKey, bool) {
	var k jwk
	if json.Unmarshal(raw, &k) != nil || k.Use == "enc" {
		return nil, false
	}
	pub, ok := k.publicKey()
	if !ok {
		return nil, false
	}
	key, ok := newJWTKey(pub, k.Kid)
	if !ok {
		return nil, false
	}
	key.served = []jwtServed{{source: source, form: "JWK", raw: bytes.Clone(raw)}}
	return key, true
}

// publicKey decodes the key's numbers.
func (k jwk) publicKey() (crypto.PublicKey, bool) {
	switch k.Kty {
	case "RSA":
		n, ok1 := jwkInt(k.N)
		e, ok2 := jwkInt(k.E)
		if !ok1 || !ok2 || n.BitLen() < minRSABits || !e.IsInt64() || e.Int64() < 3 || e.Int64() > 1<<31-1 {
			return nil, false
		}
		return &rsa.PublicKey{N: n, E: int(e.Int64())}, true
	case "EC":
		curve, size := jwkCurve(k.Crv)
		x, err1 := base64.RawURLEncoding.DecodeString(strings.TrimRight(k.X, "="))
		y, err2 := base64.RawURLEncoding.DecodeString(strings.TrimRight(k.Y, "="))
		if curve == nil || err1 != nil || err2 != nil || len(x) != size || len(y) != size {
			return nil, false
		}
		pub, err := ecdsa.ParseUncompressedPublicKey(curve, append(append([]byte{4}, x...), y...))
		if err != nil {
			return nil, false
		}
		return pub, true
	}
	return nil, false
}

// jwkInt decodes a base64url big-endian unsigned integer.
func jwkInt(s string) (*big.Int, bool) {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil || len(b) == 0 {
		return nil, false
	}
	return new(big.Int).SetBytes(b), true
}

// jwkCurve returns the curve of a JWK crv and its coordinate size in bytes.
func jwkCurve(crv string) (elliptic.Curve, int) {
	switch crv {
	case "P-256":
		return elliptic.P256(), 32
	case "P-384":
		return elliptic.P384(), 48
	case "P-521":
		return elliptic.P521(), 66
	}
	return nil, 0
}
