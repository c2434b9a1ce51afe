package rules

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner"
)

// JWTConfusionRules returns the algorithm-confusion rule of one scan. Its
// value keeps per-scan state (the keys found), so call it once per scan.
func JWTConfusionRules() []scanner.Rule {
	return []scanner.Rule{&JWTAlgConfusion{}}
}

// JWTAlgConfusion reports routes that accept an HS256 token whose HMAC key
// is the server's own public key, on APIs that issue asymmetrically signed
// JWTs (RS*, ES*, PS*): libraries that take the algorithm from the token
// hand the verification key (the PEM bytes) to HMAC, and the public key is
// public. The keys come from the target's JWKS, fetched once per scan; each
// protected GET route is then judged on its own, like jwt-alg-none (see
// jwt.go): every route gets the forged token made with the first key's
// first encoding, the first routes in spec order every key and encoding.
// The controls must be refused, so that the cause is the algorithm and not
// a missing check.
type JWTAlgConfusion struct {
	fetch sync.Once
	keys  []jwtPublicKey
}

// Info implements scanner.Rule.
func (*JWTAlgConfusion) Info() finding.RuleInfo { return info("jwt-alg-confusion") }

// jwtAsymmetricAlgs are the algorithms whose verification key is public.
var jwtAsymmetricAlgs = map[string]bool{
	"RS256": true, "RS384": true, "RS512": true,
	"ES256": true, "ES384": true, "ES512": true,
	"PS256": true, "PS384": true, "PS512": true,
}

// jwksPaths are where APIs publish their keys, tried in order.
var jwksPaths = []string{"/.well-known/jwks.json", "/jwks.json"}

const (
	// oidcConfigPath is the OpenID discovery document, whose jwks_uri
	// names the key set when it lives elsewhere.
	oidcConfigPath = "/.well-known/openid-configuration"
	// maxConfusionKeys bounds the keys tried: key sets hold the current
	// key and one or two in rotation; more is a list to be abused.
	maxConfusionKeys = 8
	// maxJWKSBytes bounds a key set or discovery document read; a real
	// one is a few kilobytes.
	maxJWKSBytes = 256 << 10
	// minRSABits refuses toy moduli that are no one's signing key.
	minRSABits = 512
)

// jwtPublicKey is one public key of the server, with the byte strings a
// confused library uses as its HMAC secret.
type jwtPublicKey struct {
	kid       string
	kty       string
	encodings []jwtKeyEncoding
}

type jwtKeyEncoding struct {
	name   string // for the summary: "PKIX PEM, trailing newline"
	secret []byte
}

// Check implements scanner.Rule.
func (r *JWTAlgConfusion) Check(ctx context.Context, t *scanner.Target) []finding.Finding {
	asymmetric := func(tok *jwtToken) bool { return jwtAsymmetricAlgs[tok.alg] }
	p, ok := jwtProtectedRoute(ctx, t, asymmetric)
	if !ok {
		return nil
	}
	// Once per scan, on the first protected route a worker reaches: the
	// keys depend on the target alone, not on the route.
	r.fetch.Do(func() { r.keys = fetchJWTKeys(ctx, p.t, p.cred.tok.header) })
	if len(r.keys) == 0 {
		return nil
	}
	input := p.cred.tok.hs256Input()
	for i, k := range r.keys {
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
func (r *JWTAlgConfusion) judge(ctx context.Context, p jwtRoute, k jwtPublicKey, enc jwtKeyEncoding, resp *scanner.Response) []finding.Finding {
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
	kid := "without a kid"
	if k.kid != "" {
		kid = "with kid " + jwtSafeName(k.kid)
	}
	summary := fmt.Sprintf("On this route, the primary identity's %s JWT re-signed as HS256 (same claims), with the server's published %s public key %s as the HMAC secret (%s), was accepted: %s answered %d with the same data as the real token (confirmed by a second request), while the token with a corrupted signature (%d), a random token (%d) and an HS256 token signed with a random key (%d) were refused. Anyone can fetch the public key and mint tokens for any user.",
		jwtSafeName(tok.alg), k.kty, kid, enc.name, describe(resp), resp.Status, altered.Status, random.Status, foreign.Status)
	return []finding.Finding{p.t.NewFinding("jwt-alg-confusion", finding.ConfidenceHigh, summary, resp, foreign)}
}

// fetchJWTKeys reads the target's published public keys, anonymously, from
// the usual key-set paths and the OpenID discovery document's jwks_uri
// when it is on the target's origin. Keys whose kid matches the token's
// come first; at most maxConfusionKeys, without duplicates.
func fetchJWTKeys(ctx context.Context, t *scanner.Target, header map[string]any) []jwtPublicKey {
	base := t.Request(scanner.Anonymous, nil).URL
	get := func(u *url.URL) []byte {
		req := t.Request(scanner.Anonymous, nil)
		req.Method = http.MethodGet
		req.URL = u
		req.Header = http.Header{"Accept": {"application/json"}}
		req.Limit = maxJWKSBytes
		resp := t.Do(ctx, req)
		if resp.Err != nil || resp.Status != http.StatusOK || resp.Truncated {
			return nil
		}
		return resp.Body
	}
	at := func(path string) *url.URL {
		return &url.URL{Scheme: base.Scheme, Host: base.Host, Path: path}
	}
	var sets [][]byte
	seen := map[string]bool{}
	for _, p := range jwksPaths {
		u := at(p)
		seen[u.String()] = true
		if b := get(u); b != nil {
			sets = append(sets, b)
		}
	}
	if cfg := get(at(oidcConfigPath)); cfg != nil {
		var doc struct {
			JWKSURI string `json:"jwks_uri"`
		}
		if json.Unmarshal(cfg, &doc) == nil && doc.JWKSURI != "" {
			if u, err := at(oidcConfigPath).Parse(doc.JWKSURI); err == nil &&
				strings.EqualFold(u.Scheme, base.Scheme) && strings.EqualFold(u.Host, base.Host) && !seen[u.String()] {
				// Another origin is out of the scan's scope: the
				// key set of an identity provider is not the target's.
				u.Fragment = ""
				if b := get(u); b != nil {
					sets = append(sets, b)
				}
			}
		}
	}
	kid, _ := header["kid"].(string)
	var matching, others []jwtPublicKey
	der := map[string]bool{}
	for _, set := range sets {
		for _, k := range parseJWKS(set) {
			if der[k.id()] {
				continue
			}
			der[k.id()] = true
			if kid != "" && k.kid == kid {
				matching = append(matching, k)
			} else {
				others = append(others, k)
			}
		}
	}
	keys := append(matching, others...)
	if len(keys) > maxConfusionKeys {
		keys = keys[:maxConfusionKeys]
	}
	return keys
}

// id identifies a key by its first encoding (PKIX PEM), for deduplication.
func (k jwtPublicKey) id() string { return string(k.encodings[0].secret) }

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

// parseJWKS returns the signing keys of a JWK set; keys it cannot read
// (symmetric, private-only, unknown curves, broken numbers) are skipped.
func parseJWKS(b []byte) []jwtPublicKey {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if json.Unmarshal(b, &set) != nil {
		return nil
	}
	var out []jwtPublicKey
	for _, raw := range set.Keys {
		var k jwk
		if json.Unmarshal(raw, &k) != nil || k.Use == "enc" {
			continue
		}
		if pk, ok := k.publicKey(); ok {
			out = append(out, pk)
		}
	}
	return out
}

// publicKey decodes the key and encodes it as the PEM byte strings that
// libraries load public keys from.
func (k jwk) publicKey() (jwtPublicKey, bool) {
	out := jwtPublicKey{kid: k.Kid}
	switch k.Kty {
	case "RSA":
		n, ok1 := jwkInt(k.N)
		e, ok2 := jwkInt(k.E)
		if !ok1 || !ok2 || n.BitLen() < minRSABits || !e.IsInt64() || e.Int64() < 3 || e.Int64() > 1<<31-1 {
			return out, false
		}
		pub := &rsa.PublicKey{N: n, E: int(e.Int64())}
		pkix, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			return out, false
		}
		out.kty = "RSA"
		out.encodings = jwtPEMEncodings("PKIX PEM", "PUBLIC KEY", pkix)
		out.encodings = append(out.encodings, jwtPEMEncodings("PKCS#1 PEM", "RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(pub))...)
	case "EC":
		curve, size := jwkCurve(k.Crv)
		x, err1 := base64.RawURLEncoding.DecodeString(strings.TrimRight(k.X, "="))
		y, err2 := base64.RawURLEncoding.DecodeString(strings.TrimRight(k.Y, "="))
		if curve == nil || err1 != nil || err2 != nil || len(x) != size || len(y) != size {
			return out, false
		}
		pub, err := ecdsa.ParseUncompressedPublicKey(curve, append(append([]byte{4}, x...), y...))
		if err != nil {
			return out, false
		}
		pkix, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			return out, false
		}
		out.kty = "EC " + k.Crv
		out.encodings = jwtPEMEncodings("PKIX PEM", "PUBLIC KEY", pkix)
	default:
		return out, false
	}
	return out, true
}

// jwtPEMEncodings returns the PEM block with its trailing newline (as
// written to a key file) and without it (as trimmed when read from an
// environment variable).
func jwtPEMEncodings(name, blockType string, der []byte) []jwtKeyEncoding {
	p := pem.EncodeToMemory(&pem.Block{Type: blockType, Bytes: der})
	return []jwtKeyEncoding{
		{name + ", trailing newline", p},
		{name + ", no trailing newline", bytes.TrimRight(p, "\n")},
	}
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
