package rules_test

import (
	"bytes"
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner"
	"github.com/authgate/authgate/scanner/rules"
)

// juiceShopKeyFile is the RS256 public key as OWASP Juice Shop serves it at
// /encryptionkeys/jwt.pub: a PKIX key under an "RSA PUBLIC KEY" label, its
// base64 on one line (not wrapped at 64), CRLF line endings and no
// trailing newline. Its verifier takes the algorithm from the token and
// uses these exact bytes as the HMAC secret for HS256.
func juiceShopKeyFile() []byte {
	der, err := x509.MarshalPKIXPublicKey(&confusionRSAKey().PublicKey)
	if err != nil {
		panic(err)
	}
	return []byte("-----BEGIN RSA PUBLIC KEY-----\r\n" + base64.StdEncoding.EncodeToString(der) + "\r\n-----END RSA PUBLIC KEY-----")
}

// certPEM is a self-signed certificate of the test RSA key, as servers
// that verify with a certificate publish it.
func certPEM() []byte {
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7),
		Subject:      pkix.Name{CommonName: "authgate test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &confusionRSAKey().PublicKey, confusionRSAKey())
	if err != nil {
		panic(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// keyFileAPI is an RS256 API that loads its verification key from a file.
type keyFileAPI struct {
	// secret is the key file's bytes as the verifier loads them; a
	// vulnerable verifier uses them as the HMAC secret of HS256 tokens.
	secret     []byte
	vulnerable bool
	// served maps paths to what they serve (the key file, a discovery
	// document…); everything else is 404.
	served map[string][]byte
	// fallback, when set, answers unknown paths (a single-page app's
	// index.html for every path).
	fallback http.HandlerFunc
}

// verify returns the token's subject, "" when the API refuses it: RS256
// with the key, or (vulnerable) HS256 with the file's exact bytes.
func (a keyFileAPI) verify(token string) string {
	alg, claims, input, sig, ok := splitTestJWT(token)
	if !ok {
		return ""
	}
	digest := sha256.Sum256([]byte(input))
	switch alg {
	case "RS256":
		if rsa.VerifyPKCS1v15(&confusionRSAKey().PublicKey, crypto.SHA256, digest[:], sig) != nil {
			return ""
		}
	case "HS256":
		if !a.vulnerable {
			return ""
		}
		m := hmac.New(sha256.New, a.secret)
		m.Write([]byte(input))
		if !hmac.Equal(sig, m.Sum(nil)) {
			return ""
		}
	default:
		return ""
	}
	sub, _ := claims["sub"].(string)
	return sub
}

func (a keyFileAPI) handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/me":
			u, ok := users[a.verify(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))]
			if !ok {
				unauthorized(w)
				return
			}
			writeJSON(w, 200, u)
		case r.URL.Path == "/status":
			writeJSON(w, 200, map[string]any{"status": "ok"})
		case a.served[r.URL.Path] != nil:
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Write(a.served[r.URL.Path])
		case a.fallback != nil:
			a.fallback(w, r)
		default:
			notFound(w)
		}
	})
}

// hs256 signs claims with secret, as an attacker holding it would.
func hs256(secret []byte, claims map[string]any) string {
	h := jwtB64.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	c, _ := json.Marshal(claims)
	input := h + "." + jwtB64.EncodeToString(c)
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(input))
	return input + "." + jwtB64.EncodeToString(m.Sum(nil))
}

// keyScan scans api with the algorithm-confusion rule (and the user's key
// files) and returns the findings and the rule's coverage.
func keyScan(t *testing.T, h http.Handler, spec string, files []rules.JWTKeyFile) ([]finding.Finding, finding.RuleCoverage) {
	t.Helper()
	var cov finding.RuleCoverage
	o := scanOpts{spec: spec, primary: bearer(confusionAPI{}.mint(claimsOK())), onResult: func(r *scanner.Result) {
		for _, rc := range r.Coverage.Rules {
			if rc.Rule == "jwt-alg-confusion" {
				cov = rc
			}
		}
	}}
	fs := scanRules(t, h, o, rules.JWTConfusionRules(rules.WithJWTPublicKeys(files...)))
	if cov.Rule == "" {
		t.Fatal("jwt-alg-confusion missing from the coverage")
	}
	return fs, cov
}

// TestJuiceShopModelIsByteExact checks the model itself: its verifier
// takes the served file's exact bytes, and the key re-wrapped as
// libraries write PEM (what authgate used to try) is refused.
func TestJuiceShopModelIsByteExact(t *testing.T) {
	api := keyFileAPI{secret: juiceShopKeyFile(), vulnerable: true}
	der, _ := x509.MarshalPKIXPublicKey(&confusionRSAKey().PublicKey)
	rewrapped := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	if api.verify(hs256(juiceShopKeyFile(), claimsOK())) != "1001" {
		t.Fatal("the model refuses a token signed with the file's exact bytes")
	}
	for name, secret := range map[string][]byte{
		"re-wrapped at 64":         rewrapped,
		"with a trailing newline":  append(juiceShopKeyFile(), '\n'),
		"with LF line endings":     bytes.ReplaceAll(juiceShopKeyFile(), []byte("\r\n"), []byte("\n")),
		"re-wrapped, no newline":   bytes.TrimRight(rewrapped, "\n"),
		"PKIX DER, not PEM at all": der,
	} {
		if api.verify(hs256(secret, claimsOK())) != "" {
			t.Errorf("the model accepts the key %s: it is not byte-exact", name)
		}
	}
}

// TestJWTAlgConfusionKeySources: the key wherever the target serves it, or
// only in the user's key file, is found and its exact bytes tried; the
// fixed twins (RS256 only) stay clean; the coverage names the key's source
// and the sources tried.
func TestJWTAlgConfusionKeySources(t *testing.T) {
	juice := juiceShopKeyFile()
	cert := certPEM()
	keyOpSpec := confusionSpec + `  /api/auth/public-key:
    get:
      security: []
      responses: {"200": {description: ok}}
`
	pemJSON, _ := json.Marshal(map[string]string{"publicKey": string(juice)})
	userFile, err := rules.ParseJWTKeyFile("keys/jwt.pub", juice)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		secret   []byte
		served   map[string][]byte
		spec     string
		files    []rules.JWTKeyFile
		wantFrom string // in the finding's summary and the coverage
	}{
		{"Juice Shop: PEM at /encryptionkeys/jwt.pub, exact bytes", juice, map[string][]byte{"/encryptionkeys/jwt.pub": juice}, confusionSpec, nil, "/encryptionkeys/jwt.pub (PEM)"},
		{"trailing newline the verifier keeps", append(bytes.Clone(juice), '\n'), map[string][]byte{"/public.pem": append(bytes.Clone(juice), '\n')}, confusionSpec, nil, "/public.pem (PEM)"},
		{"served without the newline the verifier's file has", append(bytes.Clone(juice), '\n'), map[string][]byte{"/jwt.pub": juice}, confusionSpec, nil, "/jwt.pub (PEM)"},
		{"certificate PEM at /certs/public.pem", cert, map[string][]byte{"/certs/public.pem": cert}, confusionSpec, nil, "/certs/public.pem (certificate PEM)"},
		{"PEM in the JSON of a described key operation", juice, map[string][]byte{"/api/auth/public-key": pemJSON}, keyOpSpec, nil, "/api/auth/public-key (PEM in JSON)"},
		{"only in the user's key file", juice, nil, confusionSpec, []rules.JWTKeyFile{userFile}, "the key file keys/jwt.pub (PEM)"},
	}
	for _, tt := range tests {
		for _, vulnerable := range []bool{true, false} {
			name := tt.name
			if !vulnerable {
				name += ", fixed twin"
			}
			t.Run(name, func(t *testing.T) {
				api := keyFileAPI{secret: tt.secret, vulnerable: vulnerable, served: tt.served}
				fs, cov := keyScan(t, api.handler(), tt.spec, tt.files)
				if got := has(fs, "jwt-alg-confusion", "GET", "/me"); got != vulnerable {
					t.Fatalf("found %v, want %v:%s", got, vulnerable, list(fs))
				}
				if cov.Status != finding.RuleRan || !strings.HasPrefix(cov.Reason, "tested only with the keys found: RSA key (verifies the primary's token) from "+tt.wantFrom) {
					t.Errorf("coverage %s %q, want ran with the key from %s", cov.Status, cov.Reason, tt.wantFrom)
				}
				if !strings.Contains(cov.Reason, "404 at /.well-known/jwks.json, /jwks.json, /.well-known/openid-configuration") {
					t.Errorf("coverage does not list the sources tried: %q", cov.Reason)
				}
				t.Logf("coverage: %s", cov.Reason)
				if !vulnerable {
					return
				}
				t.Logf("summary: %s", fs[0].Evidence.Summary)
				if s := fs[0].Evidence.Summary; !strings.Contains(s, tt.wantFrom) {
					t.Errorf("summary does not name the key's source %q: %s", tt.wantFrom, s)
				}
				out, _ := json.Marshal(fs)
				for _, secret := range []string{"PUBLIC KEY", base64.StdEncoding.EncodeToString(tt.secret)[:40], "CERTIFICATE"} {
					if strings.Contains(string(out), secret) {
						t.Errorf("the report holds key material %q", secret)
					}
				}
			})
		}
	}
}

// TestJWTAlgConfusionNoKey: a vulnerable API whose key is nowhere the scan
// looks is not "clean": the rule is not run, and the coverage lists every
// source tried and says how to give the key. Garbage where keys are
// expected (a single-page app's index.html at every path, binary junk,
// broken key sets, a private key) is read without a panic and gives none.
func TestJWTAlgConfusionNoKey(t *testing.T) {
	junk := make([]byte, 900)
	for i := range junk {
		junk[i] = byte(i * 7)
	}
	private, _ := x509.MarshalPKCS8PrivateKey(confusionRSAKey())
	spa := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<!doctype html><html><body>-----BEGIN PUBLIC KEY-----\nnot base64 at all\n-----END PUBLIC KEY-----</body></html>"))
	}
	tests := []struct {
		name     string
		api      keyFileAPI
		wantSeen string
	}{
		{"nothing served", keyFileAPI{}, "404 at /.well-known/jwks.json, /jwks.json, /.well-known/openid-configuration, /encryptionkeys/jwt.pub"},
		{"index.html everywhere", keyFileAPI{fallback: spa}, "200 without a key at /.well-known/jwks.json, /jwks.json"},
		{"junk and broken keys", keyFileAPI{served: map[string][]byte{
			"/public.key":                       junk,
			"/jwks.json":                        []byte(`{"keys":[{"kty":"RSA","n":"!!","e":"AQAB"},{"kty":"EC","crv":"P-256","x":"AA","y":"AA"},null,7]}`),
			"/.well-known/jwks.json":            []byte(`{"keys":`),
			"/.well-known/openid-configuration": []byte(`{"jwks_uri":12}`),
			"/jwt.pem":                          pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: private}),
			"/cert.pem":                         []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
		}}, "200 without a key at /.well-known/jwks.json, /jwks.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.api.vulnerable = true
			tt.api.secret = juiceShopKeyFile()
			fs, cov := keyScan(t, tt.api.handler(), confusionSpec, nil)
			if hasRule(fs, "jwt-alg-confusion") {
				t.Fatalf("a finding without a key:%s", list(fs))
			}
			if cov.Status != finding.RuleNotRun || !strings.HasPrefix(cov.Reason, "no public key of the server was found") ||
				!strings.Contains(cov.Reason, tt.wantSeen) || !strings.Contains(cov.Reason, "--jwt-public-key") {
				t.Fatalf("coverage %s %q, want not run, listing %q", cov.Status, cov.Reason, tt.wantSeen)
			}
			for _, p := range []string{"/encryptionkeys/jwt.pub", "/public.pem", "/cert.pem"} {
				if !strings.Contains(cov.Reason, p) {
					t.Errorf("coverage does not say %s was tried: %q", p, cov.Reason)
				}
			}
		})
	}
}

// TestJWTAlgConfusionForeignKeys: a jwks_uri or openIdConnectUrl on
// another origin (an identity provider, or a hostile description) is
// never contacted, even though it serves the very key that would make a
// finding; the coverage says it was not fetched.
func TestJWTAlgConfusionForeignKeys(t *testing.T) {
	var foreignHits atomic.Int64
	foreign := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		foreignHits.Add(1)
		switch r.URL.Path {
		case "/.well-known/openid-configuration":
			writeJSON(w, 200, map[string]any{"jwks_uri": "http://" + r.Host + "/keys"})
		default:
			writeJSON(w, 200, confusionAPI{}.jwksBody())
		}
	}))
	defer foreign.Close()
	der, _ := x509.MarshalPKIXPublicKey(&confusionRSAKey().PublicKey)
	secret := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	discovery, _ := json.Marshal(map[string]any{"jwks_uri": foreign.URL + "/keys"})
	api := keyFileAPI{secret: secret, vulnerable: true, served: map[string][]byte{"/.well-known/openid-configuration": discovery}}
	spec := strings.Replace(confusionSpec, "    bearerAuth: {type: http, scheme: bearer, bearerFormat: JWT}\n",
		"    bearerAuth: {type: http, scheme: bearer, bearerFormat: JWT}\n    idp: {type: openIdConnect, openIdConnectUrl: '"+foreign.URL+"/.well-known/openid-configuration'}\n", 1)
	fs, cov := keyScan(t, api.handler(), spec, nil)
	if n := foreignHits.Load(); n != 0 {
		t.Fatalf("the other origin got %d requests", n)
	}
	if hasRule(fs, "jwt-alg-confusion") {
		t.Fatalf("a finding from a key the scan must not fetch:%s", list(fs))
	}
	for _, want := range []string{"jwks_uri on another origin", "openIdConnectUrl of `idp`"} {
		if !strings.Contains(cov.Reason, want) {
			t.Errorf("coverage %q does not say %q", cov.Reason, want)
		}
	}
	if cov.Status != finding.RuleNotRun {
		t.Errorf("status %s, want not run", cov.Status)
	}
}

// TestJWTAlgConfusionKeyFileOnce: on a Juice Shop-like API with two
// protected routes, the key file is fetched once per scan and both routes
// are found (one finding for the whole API), the same at concurrency 1
// and 8, run after run.
func TestJWTAlgConfusionKeyFileOnce(t *testing.T) {
	token := confusionAPI{}.mint(claimsOK())
	for _, concurrency := range []int{1, 8} {
		for run := range jwtVerifierRuns {
			var fetches atomic.Int64
			api := keyFileAPI{secret: juiceShopKeyFile(), vulnerable: true, served: map[string][]byte{"/encryptionkeys/jwt.pub": juiceShopKeyFile()}}
			h := api.handler()
			counted := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch r.URL.Path {
				case "/encryptionkeys/jwt.pub":
					fetches.Add(1)
				case "/me/orders":
					r.URL.Path = "/me" // the same verifier behind another route
				}
				h.ServeHTTP(w, r)
			})
			fs := jwtScanAt(t, counted, confusionRoutesSpec, token, concurrency).Findings
			// Every protected route confused: one finding for the
			// verifier (see group.go).
			if len(fs) != 1 || !has(fs, "jwt-alg-confusion", "*", "*") {
				t.Fatalf("concurrency %d, run %d: want one jwt-alg-confusion for the whole API, got%s", concurrency, run+1, list(fs))
			}
			if n := fetches.Load(); n != 1 {
				t.Errorf("concurrency %d, run %d: the key file was fetched %d times, want once per scan", concurrency, run+1, n)
			}
		}
	}
}
