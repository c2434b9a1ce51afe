package rules_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner"
	"github.com/authgate/authgate/scanner/rules"
)

// testRSABits is small to keep the tests fast; the rule does not care.
const testRSABits = 1024

var (
	confusionRSAKey = sync.OnceValue(func() *rsa.PrivateKey {
		k, err := rsa.GenerateKey(rand.Reader, testRSABits)
		if err != nil {
			panic(err)
		}
		return k
	})
	confusionECKey = sync.OnceValue(func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			panic(err)
		}
		return k
	})
)

// confusionAPI configures the asymmetric-JWT test API.
type confusionAPI struct {
	ec         bool   // ES256 with a P-256 key, else RS256
	vulnerable bool   // HS* tokens verified with hmacSecret
	hmacSecret string // "pkix", "pkix-trimmed", "pkcs1", "pkcs1-trimmed"
	jwks       string // where the key set is served: "", "well-known", "root", "oidc", "oidc-foreign"
}

func (c confusionAPI) public() crypto.PublicKey {
	if c.ec {
		return &confusionECKey().PublicKey
	}
	return &confusionRSAKey().PublicKey
}

// secret is the byte string a confused library uses as the HMAC key.
func (c confusionAPI) secret() []byte {
	var p []byte
	if strings.HasPrefix(c.hmacSecret, "pkcs1") {
		p = pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&confusionRSAKey().PublicKey)})
	} else {
		der, err := x509.MarshalPKIXPublicKey(c.public())
		if err != nil {
			panic(err)
		}
		p = pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	}
	if strings.HasSuffix(c.hmacSecret, "trimmed") {
		p = bytes.TrimRight(p, "\n")
	}
	return p
}

// mint signs claims with the API's private key (RS256 or ES256).
func (c confusionAPI) mint(claims map[string]any) string {
	alg := "RS256"
	if c.ec {
		alg = "ES256"
	}
	h, _ := json.Marshal(map[string]any{"alg": alg, "typ": "JWT", "kid": "key-1"})
	b, _ := json.Marshal(claims)
	input := jwtB64.EncodeToString(h) + "." + jwtB64.EncodeToString(b)
	digest := sha256.Sum256([]byte(input))
	var sig []byte
	if c.ec {
		r, s, err := ecdsa.Sign(rand.Reader, confusionECKey(), digest[:])
		if err != nil {
			panic(err)
		}
		sig = append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...)
	} else {
		var err error
		sig, err = rsa.SignPKCS1v15(rand.Reader, confusionRSAKey(), crypto.SHA256, digest[:])
		if err != nil {
			panic(err)
		}
	}
	return input + "." + jwtB64.EncodeToString(sig)
}

// splitTestJWT reads a token the test APIs get: its header's alg, its
// claims, the signing input and the signature; ok is false unless all
// three parts decode (base64url, JSON objects).
func splitTestJWT(token string) (alg string, claims map[string]any, input string, sig []byte, ok bool) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "", nil, "", nil, false
	}
	hb, err1 := jwtB64.DecodeString(parts[0])
	pb, err2 := jwtB64.DecodeString(parts[1])
	sig, err3 := jwtB64.DecodeString(parts[2])
	var header map[string]any
	if err1 != nil || err2 != nil || err3 != nil || json.Unmarshal(hb, &header) != nil || json.Unmarshal(pb, &claims) != nil {
		return "", nil, "", nil, false
	}
	alg, _ = header["alg"].(string)
	return alg, claims, parts[0] + "." + parts[1], sig, true
}

// verify returns the token's subject, "" when the API refuses it.
func (c confusionAPI) verify(token string) string {
	alg, claims, input, sig, ok := splitTestJWT(token)
	if !ok {
		return ""
	}
	digest := sha256.Sum256([]byte(input))
	switch {
	case alg == "RS256" && !c.ec:
		if rsa.VerifyPKCS1v15(&confusionRSAKey().PublicKey, crypto.SHA256, digest[:], sig) != nil {
			return ""
		}
	case alg == "ES256" && c.ec:
		if len(sig) != 64 || !ecdsa.Verify(&confusionECKey().PublicKey, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
			return ""
		}
	case alg == "HS256" && c.vulnerable:
		// The flaw: the verification key, loaded as PEM bytes, used as
		// the HMAC secret because the token says HS256.
		m := hmac.New(sha256.New, c.secret())
		m.Write([]byte(input))
		if !hmac.Equal(sig, m.Sum(nil)) {
			return ""
		}
	default:
		return ""
	}
	if exp, ok := claims["exp"].(float64); ok && int64(exp) < time.Now().Unix() {
		return ""
	}
	sub, _ := claims["sub"].(string)
	return sub
}

func (c confusionAPI) jwksBody() map[string]any {
	decoy := map[string]any{"kty": "oct", "kid": "sym", "k": "c2VjcmV0"}
	var key map[string]any
	if c.ec {
		pub := confusionECKey().PublicKey
		der, err := pub.Bytes()
		if err != nil {
			panic(err)
		}
		key = map[string]any{"kty": "EC", "crv": "P-256", "kid": "key-1", "use": "sig", "x": jwtB64.EncodeToString(der[1:33]), "y": jwtB64.EncodeToString(der[33:])}
	} else {
		pub := confusionRSAKey().PublicKey
		key = map[string]any{"kty": "RSA", "kid": "key-1", "use": "sig", "alg": "RS256", "n": jwtB64.EncodeToString(pub.N.Bytes()), "e": jwtB64.EncodeToString(big.NewInt(int64(pub.E)).Bytes())}
	}
	return map[string]any{"keys": []any{decoy, key}}
}

func (c confusionAPI) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) {
		u, ok := users[c.verify(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))]
		if !ok {
			unauthorized(w)
			return
		}
		writeJSON(w, 200, u)
	})
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"status": "ok"})
	})
	serveKeys := func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, c.jwksBody()) }
	switch c.jwks {
	case "well-known":
		mux.HandleFunc("GET /.well-known/jwks.json", serveKeys)
	case "root":
		mux.HandleFunc("GET /jwks.json", serveKeys)
	case "oidc", "oidc-foreign":
		uri := "/oauth2/v1/keys"
		if c.jwks == "oidc-foreign" {
			// The keys elsewhere: the rule must not leave the origin,
			// so it finds none.
			uri = "https://idp.invalid/oauth2/v1/keys"
		}
		mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, map[string]any{"issuer": "http://" + r.Host, "jwks_uri": uri})
		})
		mux.HandleFunc("GET /oauth2/v1/keys", serveKeys)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { notFound(w) })
	return mux
}

const confusionSpec = `openapi: 3.0.3
info: {title: jwt, version: "1"}
components:
  securitySchemes:
    bearerAuth: {type: http, scheme: bearer, bearerFormat: JWT}
security:
  - bearerAuth: []
paths:
  /status:
    get:
      security: []
      responses: {"200": {description: ok}}
  /me:
    get:
      responses: {"200": {description: ok}}
`

// confusionScan scans h with the algorithm-confusion rule.
func confusionScan(t *testing.T, h http.Handler, primary *scanner.Identity) []finding.Finding {
	t.Helper()
	return scanRules(t, h, scanOpts{spec: confusionSpec, primary: primary}, rules.JWTConfusionRules())
}

func TestJWTAlgConfusion(t *testing.T) {
	hs256 := jwtAPI(jwtFixed)
	tests := []struct {
		name  string
		api   confusionAPI
		token string // "" mints one with the API's private key
		want  bool
	}{
		{"RS256, PKIX PEM secret, well-known JWKS", confusionAPI{vulnerable: true, hmacSecret: "pkix", jwks: "well-known"}, "", true},
		{"RS256, PKIX PEM without newline, /jwks.json", confusionAPI{vulnerable: true, hmacSecret: "pkix-trimmed", jwks: "root"}, "", true},
		{"RS256, PKCS#1 PEM secret", confusionAPI{vulnerable: true, hmacSecret: "pkcs1", jwks: "well-known"}, "", true},
		{"RS256, PKCS#1 PEM without newline", confusionAPI{vulnerable: true, hmacSecret: "pkcs1-trimmed", jwks: "well-known"}, "", true},
		{"RS256, keys via openid-configuration", confusionAPI{vulnerable: true, hmacSecret: "pkix", jwks: "oidc"}, "", true},
		{"ES256, PKIX PEM secret", confusionAPI{ec: true, vulnerable: true, hmacSecret: "pkix", jwks: "well-known"}, "", true},
		{"RS256 fixed", confusionAPI{jwks: "well-known"}, "", false},
		{"ES256 fixed", confusionAPI{ec: true, jwks: "well-known"}, "", false},
		{"vulnerable but no JWKS", confusionAPI{vulnerable: true, hmacSecret: "pkix"}, "", false},
		{"vulnerable, jwks_uri on another origin", confusionAPI{vulnerable: true, hmacSecret: "pkix", jwks: "oidc-foreign"}, "", false},
		// The identity's own token is HS256 (one the API accepts: a
		// refused one would end the scan before any rule).
		{"HS256 token, JWKS served", confusionAPI{vulnerable: true, hmacSecret: "pkix", jwks: "well-known"}, mintJWT(string(confusionAPI{hmacSecret: "pkix"}.secret()), claimsOK()), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token := tt.token
			if token == "" {
				token = tt.api.mint(claimsOK())
			}
			fs := confusionScan(t, tt.api.handler(), bearer(token))
			if got := has(fs, "jwt-alg-confusion", "GET", "/me"); got != tt.want {
				t.Fatalf("got %v, want %v; findings:%s", got, tt.want, list(fs))
			}
			if n := countRule(fs, "jwt-alg-confusion"); n > 1 {
				t.Fatalf("reported %d times, want once for the one protected route:%s", n, list(fs))
			}
			if !tt.want {
				return
			}
			out, err := json.Marshal(fs)
			if err != nil {
				t.Fatal(err)
			}
			sig := token[strings.LastIndex(token, ".")+1:]
			for _, secret := range []string{token, sig, "PUBLIC KEY"} {
				if strings.Contains(string(out), secret) {
					t.Errorf("report contains %q:\n%s", secret, out)
				}
			}
		})
	}
	t.Run("HS256 API", func(t *testing.T) {
		fs := confusionScan(t, hs256, bearer(mintJWT(jwtStrongKey, claimsOK())))
		if len(fs) != 0 {
			t.Fatalf("findings on an HS256 API:%s", list(fs))
		}
	})
}

// TestJWTAlgConfusionNoVerify: a server that verifies nothing is
// jwt-signature-not-verified, not this rule; the controls catch it.
func TestJWTAlgConfusionNoVerify(t *testing.T) {
	api := confusionAPI{vulnerable: true, hmacSecret: "pkix", jwks: "well-known"}
	anyToken := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/me" && strings.Count(r.Header.Get("Authorization"), ".") == 2 {
			writeJSON(w, 200, users["1001"])
			return
		}
		api.handler().ServeHTTP(w, r)
	})
	if fs := confusionScan(t, anyToken, bearer(api.mint(claimsOK()))); hasRule(fs, "jwt-alg-confusion") {
		t.Fatalf("alg confusion reported on a server that checks no signature:%s", list(fs))
	}
}

// confusionRoutesSpec describes confusionRoutes' routes.
const confusionRoutesSpec = confusionSpec + `  /me/orders:
    get:
      responses: {"200": {description: ok}}
`

// confusionRoutes serves confusionAPI's keys and /me, which pins RS256,
// next to /me/orders behind verifier: a route served by another router
// with its own JWT configuration. keyFetches counts the key-set requests.
func confusionRoutes(verifier confusionAPI, keyFetches *atomic.Int64) http.Handler {
	pinned := confusionAPI{jwks: "well-known"}
	h := pinned.handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/.well-known/jwks.json":
			keyFetches.Add(1)
		case "/me/orders":
			u, ok := users[verifier.verify(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))]
			if !ok {
				unauthorized(w)
				return
			}
			writeJSON(w, 200, []map[string]any{{"id": 501, "owner": u["user_id"], "item": "teapot"}})
			return
		}
		h.ServeHTTP(w, r)
	})
}

// TestJWTAlgConfusionPerRoute: one router pins the algorithm, another
// takes it from the token. The confused route is found, the pinned one
// is not, every run at concurrency 1 and 8, with one key-set fetch per
// scan; the twin whose second router pins the algorithm too is clean.
func TestJWTAlgConfusionPerRoute(t *testing.T) {
	token := confusionAPI{}.mint(claimsOK())
	for _, concurrency := range []int{1, 8} {
		for run := range jwtVerifierRuns {
			var fetches atomic.Int64
			api := confusionRoutes(confusionAPI{vulnerable: true, hmacSecret: "pkix"}, &fetches)
			fs := jwtScanAt(t, api, confusionRoutesSpec, token, concurrency).Findings
			if len(fs) != 1 || !has(fs, "jwt-alg-confusion", "GET", "/me/orders") {
				t.Fatalf("concurrency %d, run %d: want jwt-alg-confusion on GET /me/orders only, got%s", concurrency, run+1, list(fs))
			}
			if n := fetches.Load(); n != 1 {
				t.Errorf("concurrency %d, run %d: the key set was fetched %d times, want once per scan", concurrency, run+1, n)
			}
			fixed := confusionRoutes(confusionAPI{}, &fetches)
			if fs := jwtScanAt(t, fixed, confusionRoutesSpec, token, concurrency).Findings; len(fs) != 0 {
				t.Fatalf("fixed twin, concurrency %d, run %d: findings%s", concurrency, run+1, list(fs))
			}
		}
	}
}
