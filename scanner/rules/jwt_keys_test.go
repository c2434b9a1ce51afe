package rules

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"strings"
	"sync"
	"testing"
)

var (
	keysTestRSA = sync.OnceValue(func() *rsa.PrivateKey {
		k, err := rsa.GenerateKey(rand.Reader, 1024)
		if err != nil {
			panic(err)
		}
		return k
	})
	keysTestEC = sync.OnceValue(func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			panic(err)
		}
		return k
	})
)

func keysTestPKIX(t testing.TB, pub crypto.PublicKey) []byte {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// TestJWTKeysIn reads keys in every form servers and users keep them, and
// nothing from what only looks like a key.
func TestJWTKeysIn(t *testing.T) {
	rsaPub := &keysTestRSA().PublicKey
	pkixDER := keysTestPKIX(t, rsaPub)
	ecDER := keysTestPKIX(t, &keysTestEC().PublicKey)
	juice := []byte("-----BEGIN RSA PUBLIC KEY-----\r\n" + base64.StdEncoding.EncodeToString(pkixDER) + "\r\n-----END RSA PUBLIC KEY-----")
	pkcs1 := pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(rsaPub)})
	ecPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: ecDER})
	private, _ := x509.MarshalPKCS8PrivateKey(keysTestRSA())
	jwks, _ := json.Marshal(map[string]any{"keys": []any{
		map[string]any{"kty": "oct", "k": "c2VjcmV0"},
		map[string]any{"kty": "RSA", "kid": "k1", "n": jwtB64.EncodeToString(rsaPub.N.Bytes()), "e": "AQAB"},
	}})
	inJSON, _ := json.Marshal(map[string]any{"data": map[string]any{"publicKey": string(juice)}, "alg": "RS256"})
	tests := []struct {
		name     string
		in       []byte
		wantForm string // "" for no key
		wantKeys int
		wantRaw  []byte // the first key's served bytes
	}{
		{"Juice Shop: PKIX under an RSA PUBLIC KEY label, one line, CRLF", juice, "PEM", 1, juice},
		{"PKCS#1 PEM", pkcs1, "PEM", 1, pkcs1},
		{"EC PEM with text around it", append([]byte("key:\n"), ecPEM...), "PEM", 1, append([]byte("key:\n"), ecPEM...)},
		{"two blocks: each its own text", append(bytes.Clone(pkcs1), ecPEM...), "PEM", 2, pkcs1},
		{"DER PKIX", pkixDER, "DER", 1, pkixDER},
		{"DER PKCS#1", x509.MarshalPKCS1PublicKey(rsaPub), "DER", 1, x509.MarshalPKCS1PublicKey(rsaPub)},
		{"JWK set", jwks, "JWKS", 1, nil},
		{"PEM inside JSON", inJSON, "PEM in JSON", 1, juice},
		{"private key only", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: private}), "", 0, nil},
		{"HTML that mentions a key", []byte("<html>-----BEGIN PUBLIC KEY-----\nxx\n-----END PUBLIC KEY-----</html>"), "", 0, nil},
		{"a label around junk", []byte("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"), "", 0, nil},
		{"toy RSA modulus", pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&rsa.PublicKey{N: big.NewInt(3233), E: 17})}), "", 0, nil},
		{"empty", nil, "", 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys, form := jwtKeysIn("/k", tt.in)
			if form != tt.wantForm || len(keys) != tt.wantKeys {
				t.Fatalf("got %d keys as %q, want %d as %q", len(keys), form, tt.wantKeys, tt.wantForm)
			}
			if tt.wantRaw != nil && !bytes.Equal(keys[0].served[0].raw, tt.wantRaw) {
				t.Errorf("served bytes %q, want %q", keys[0].served[0].raw, tt.wantRaw)
			}
		})
	}
}

// TestJWTKeyEncodings: the served bytes come first, exactly; the variants
// follow, each once, bounded.
func TestJWTKeyEncodings(t *testing.T) {
	rsaPub := &keysTestRSA().PublicKey
	pkixDER := keysTestPKIX(t, rsaPub)
	juice := []byte("-----BEGIN RSA PUBLIC KEY-----\r\n" + base64.StdEncoding.EncodeToString(pkixDER) + "\r\n-----END RSA PUBLIC KEY-----")
	keys, _ := jwtKeysIn("/encryptionkeys/jwt.pub", juice)
	k := keys[0]
	k.encode()
	canonical := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pkixDER})
	want := []struct {
		name   string
		secret []byte
	}{
		{"the exact bytes of /encryptionkeys/jwt.pub", juice},
		{"/encryptionkeys/jwt.pub with a trailing newline", append(bytes.Clone(juice), '\n')},
		{"PKIX PEM, trailing newline", canonical},
		{"PKIX PEM, no trailing newline", bytes.TrimRight(canonical, "\n")},
		{"PKCS#1 PEM, trailing newline", pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(rsaPub)})},
		{"PKCS#1 PEM, no trailing newline", bytes.TrimRight(pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(rsaPub)}), "\n")},
		{"/encryptionkeys/jwt.pub with LF line endings", bytes.ReplaceAll(juice, []byte("\r\n"), []byte("\n"))},
		{"DER", pkixDER},
	}
	if len(k.encodings) != len(want) {
		t.Fatalf("%d encodings, want %d: %v", len(k.encodings), len(want), encNames(k.encodings))
	}
	for i, w := range want {
		if k.encodings[i].name != w.name || !bytes.Equal(k.encodings[i].secret, w.secret) {
			t.Errorf("encoding %d is %q, want %q (or other bytes)", i+1, k.encodings[i].name, w.name)
		}
	}

	// A key found in a JWK set and again as a file: one key, the file's
	// bytes first, the JWK's JSON last, nothing twice.
	set, _ := json.Marshal(map[string]any{"keys": []any{map[string]any{"kty": "RSA", "kid": "k1", "n": jwtB64.EncodeToString(rsaPub.N.Bytes()), "e": "AQAB"}}})
	s := &jwtKeySearch{}
	fromSet, _ := jwtKeysIn("/jwks.json", set)
	fromFile, _ := jwtKeysIn("/public.pem", canonical)
	s.add(fromSet)
	s.add(fromFile)
	s.rank(&jwtToken{header: map[string]any{}})
	if len(s.keys) != 1 || s.keys[0].kid != "k1" {
		t.Fatalf("got %d keys, want the one key with its kid", len(s.keys))
	}
	names := encNames(s.keys[0].encodings)
	if names[0] != "the exact bytes of /public.pem" || !strings.HasPrefix(names[len(names)-1], "the JWK's JSON") {
		t.Errorf("encodings %v: want the file's bytes first and the JWK last", names)
	}
	seen := map[string]bool{}
	for _, e := range s.keys[0].encodings {
		if seen[string(e.secret)] {
			t.Errorf("%s tried twice", e.name)
		}
		seen[string(e.secret)] = true
	}
}

func encNames(es []jwtKeyEncoding) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.name
	}
	return out
}

// TestJWTKeyRank: the key that verifies the primary's token goes first,
// before a key whose kid merely matches, whatever the order found.
func TestJWTKeyRank(t *testing.T) {
	signer := keysTestRSA()
	other, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	h := jwtB64.EncodeToString([]byte(`{"alg":"RS256","kid":"old"}`))
	input := h + "." + jwtB64.EncodeToString([]byte(`{"sub":"1"}`))
	d := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, signer, crypto.SHA256, d[:])
	if err != nil {
		t.Fatal(err)
	}
	tok, ok := parseJWT(input + "." + jwtB64.EncodeToString(sig))
	if !ok {
		t.Fatal("test token does not parse")
	}
	jwkOf := func(kid string, pub *rsa.PublicKey) map[string]any {
		return map[string]any{"kty": "RSA", "kid": kid, "n": jwtB64.EncodeToString(pub.N.Bytes()), "e": "AQAB"}
	}
	set, _ := json.Marshal(map[string]any{"keys": []any{jwkOf("old", &other.PublicKey), jwkOf("", &signer.PublicKey)}})
	keys, _ := jwtKeysIn("/jwks.json", set)
	s := &jwtKeySearch{}
	s.add(keys)
	s.rank(tok)
	if !s.keys[0].verifies || s.keys[0].kid != "" || s.keys[1].kid != "old" || s.keys[1].verifies {
		t.Fatalf("order: %s; %s", s.keys[0].describe(), s.keys[1].describe())
	}
}

// TestParseJWTKeyFile: a user's key file is accepted in any key form; a
// private key or anything else is one line naming the file and never
// quoting it.
func TestParseJWTKeyFile(t *testing.T) {
	pkixPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: keysTestPKIX(t, &keysTestRSA().PublicKey)})
	private, _ := x509.MarshalPKCS8PrivateKey(keysTestRSA())
	privPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: private})
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"PKIX PEM", pkixPEM, nil},
		{"DER", keysTestPKIX(t, &keysTestEC().PublicKey), nil},
		{"private key", privPEM, errPrivateKey},
		{"a password", []byte("hunter2-not-a-key\n"), errNoKey},
		{"empty", nil, errNoKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := ParseJWTKeyFile("k.pem", tt.data)
			if !errors.Is(err, tt.want) {
				t.Fatalf("error %v, want %v", err, tt.want)
			}
			if err == nil {
				if f.Name != "k.pem" {
					t.Errorf("name %q", f.Name)
				}
				return
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "k.pem: ") || strings.Contains(msg, "\n") || strings.Contains(msg, "hunter2") || strings.Contains(msg, "MII") {
				t.Errorf("error %q: want one line naming the file, without its content", msg)
			}
		})
	}
}

// jwkSeedN is a 1024-bit RSA modulus for seeds: any odd number of that
// size decodes, and the parser does not factor it.
var jwkSeedN = base64.RawURLEncoding.EncodeToString(new(big.Int).Add(new(big.Int).Lsh(big.NewInt(1), 1023), big.NewInt(12345)).Bytes())

// FuzzJWTKeysIn feeds hostile answers to the parser the alg-confusion rule
// runs on what the target serves where keys are expected (JWK sets, PEM
// and DER files, JSON): every key it returns must carry a known type,
// bounded, distinct encodings, a DER that parses back, and a description
// safe in a report.
func FuzzJWTKeysIn(f *testing.F) {
	p256 := elliptic.P256().Params()
	x := base64.RawURLEncoding.EncodeToString(p256.Gx.FillBytes(make([]byte, 32)))
	y := base64.RawURLEncoding.EncodeToString(p256.Gy.FillBytes(make([]byte, 32)))
	n, _ := base64.RawURLEncoding.DecodeString(jwkSeedN)
	der := x509.MarshalPKCS1PublicKey(&rsa.PublicKey{N: new(big.Int).SetBytes(n), E: 65537})
	for _, s := range []string{
		`{"keys":[{"kty":"RSA","kid":"r1","n":"` + jwkSeedN + `","e":"AQAB"}]}`,
		`{"keys":[{"kty":"EC","crv":"P-256","kid":"e1","x":"` + x + `","y":"` + y + `"}]}`,
		`{"keys":[{"kty":"EC","crv":"P-256","x":"` + x + `","y":"` + x + `"}]}`,
		`{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"},{"kty":"oct","k":"c2VjcmV0"},{"kty":"RSA","use":"enc","n":"` + jwkSeedN + `","e":"AQAB"}]}`,
		`{"keys":[{"kty":"RSA","n":"` + jwkSeedN + `","e":"AAAAAAAAAAAAAAAB"},{"kty":"RSA","n":"` + jwkSeedN + `","e":"/////w=="}]}`,
		`{"keys":[{"kty":"EC","crv":"P-521","x":"","y":""},{"kty":"EC","crv":"secp256k1","x":"` + x + `","y":"` + y + `"}]}`,
		`{"keys":[{"kty":"RSA","kid":"<img src=x onerror=alert(1)> @octocat ::error::x","n":"` + jwkSeedN + `","e":"AQAB"}]}`,
		`{"kty":"RSA","n":"` + jwkSeedN + `","e":"AQAB"}`,
		`{"a":{"b":["-----BEGIN RSA PUBLIC KEY-----\n` + base64.StdEncoding.EncodeToString(der) + `\n-----END RSA PUBLIC KEY-----"]}}`,
		"-----BEGIN RSA PUBLIC KEY-----\r\n" + base64.StdEncoding.EncodeToString(der) + "\r\n-----END RSA PUBLIC KEY-----",
		"-----BEGIN PUBLIC KEY-----\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
		string(der),
		`{"keys":null}`,
		`{"keys":[null,1,"x",[]]}`,
		`{"keys":{}}`,
		`[]`,
		``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		keys, form := jwtKeysIn("/k", data)
		if (form == "") != (len(keys) == 0) {
			t.Fatalf("form %q with %d keys", form, len(keys))
		}
		for _, k := range keys {
			switch k.kty {
			case "RSA", "EC P-256", "EC P-384", "EC P-521":
			default:
				t.Fatalf("key type %q", k.kty)
			}
			if _, err := x509.ParsePKIXPublicKey(k.pkix); err != nil {
				t.Fatalf("the key's DER does not parse back: %v", err)
			}
			k.encode()
			if len(k.encodings) == 0 || len(k.encodings) > maxKeyEncodings {
				t.Fatalf("%d encodings", len(k.encodings))
			}
			seen := map[string]bool{}
			for _, enc := range k.encodings {
				if len(enc.secret) == 0 || seen[string(enc.secret)] {
					t.Fatalf("%s: empty or tried twice", enc.name)
				}
				seen[string(enc.secret)] = true
			}
			if name := jwtSafeName(k.kid); !reportSafe(name) {
				t.Fatalf("kid shown as %q", name)
			}
		}
	})
}
