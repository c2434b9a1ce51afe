package rules

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"maps"
	"math/big"
	"slices"
	"strings"
)

// This file reads public keys in every form servers publish them and users
// keep them (JWK sets, single JWKs, PEM files — PKIX, PKCS#1 or a
// certificate —, PEM text inside JSON, DER), and lists the byte strings a
// confused library may use as its HMAC secret. Where the keys come from is
// jwt_keys_fetch.go's business.

const (
	// maxKeyEncodings bounds the secrets tried per key: the bytes as
	// served (and without or with their trailing newline), the PEM
	// re-encodings libraries load (PKIX and PKCS#1, with and without the
	// newline), the served text with the other line endings, DER and the
	// JWK's JSON: eight for a key found in one PEM file; a key found in
	// two files and a JWK set reaches the bound.
	maxKeyEncodings = 10
	// maxServedTexts bounds the served texts of one key that get their
	// own encodings (a key found in three files is the same key; the
	// first two spellings of it are the likely ones).
	maxServedTexts = 2
	// maxPEMInJSON bounds the string values of a JSON answer searched for
	// PEM text, and maxJSONDepth how deep: a key endpoint's answer is
	// {"publicKey": "-----BEGIN …"}, not a document.
	maxPEMInJSON = 8
	maxJSONDepth = 4
	// maxDERBytes bounds what is tried as a DER key: an RSA-8192 key's
	// certificate is a few kilobytes.
	maxDERBytes = 16 << 10
)

// jwtServed is a key's bytes exactly as one source gave them.
type jwtServed struct {
	source string // "/encryptionkeys/jwt.pub", "the key file keys/jwt.pub"
	form   string // "PEM", "certificate PEM", "PEM in JSON", "DER", "JWK"
	raw    []byte
}

// text reports whether a library could have loaded the served bytes as
// the key text (a PEM file or string) rather than decoding them first.
func (s jwtServed) text() bool { return strings.Contains(s.form, "PEM") }

// jwtPublicKey is one public key of the server, where it was found, and
// the byte strings a confused library uses as its HMAC secret.
type jwtPublicKey struct {
	kid  string
	kty  string // "RSA", "EC P-256"
	pub  crypto.PublicKey
	pkix []byte // DER SubjectPublicKeyInfo: the key's identity
	// served are the key's spellings as found, in the order found.
	served []jwtServed
	// verifies is set when the primary identity's token verifies with
	// the key: the server signs with it, so it is the one to try first.
	verifies  bool
	encodings []jwtKeyEncoding // made by encode
}

type jwtKeyEncoding struct {
	name   string // for the summary: "PKIX PEM, trailing newline"
	secret []byte
}

// newJWTKey returns the key of pub, or false for keys no JWT is signed
// with (toy RSA moduli, curves the rule does not know, Ed25519, whose
// tokens are EdDSA and not confusable with HS256 by the libraries that
// are).
func newJWTKey(pub crypto.PublicKey, kid string) (*jwtPublicKey, bool) {
	k := &jwtPublicKey{kid: kid, pub: pub}
	switch p := pub.(type) {
	case *rsa.PublicKey:
		if p.N.BitLen() < minRSABits {
			return nil, false
		}
		k.kty = "RSA"
	case *ecdsa.PublicKey:
		if _, size := jwkCurve(p.Curve.Params().Name); size == 0 {
			return nil, false
		}
		k.kty = "EC " + p.Curve.Params().Name
	default:
		return nil, false
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, false
	}
	k.pkix = der
	return k, true
}

// jwtKeysIn reads the public keys in b, as served at source or read from
// a user's file: a JWK set or a JWK, PEM text (also inside a JSON answer,
// {"publicKey": "-----BEGIN …"}), or DER. form names what was found
// ("JWKS", "PEM", …); it is "" with no key.
func jwtKeysIn(source string, b []byte) (keys []*jwtPublicKey, form string) {
	trimmed := bytes.TrimSpace(bytes.TrimPrefix(b, []byte("\ufeff")))
	switch {
	case len(trimmed) > 0 && trimmed[0] == '{':
		return jwtKeysInJSON(source, trimmed)
	case bytes.Contains(b, []byte("-----BEGIN ")):
		keys, form = jwtPEMKeys(source, b)
		return keys, form
	case len(b) <= maxDERBytes:
		if k, ok := jwtDERKey(source, b); ok {
			return []*jwtPublicKey{k}, "DER"
		}
	}
	return nil, ""
}

// jwtKeysInJSON reads a JWK set, a JWK, or PEM text in string values.
func jwtKeysInJSON(source string, b []byte) ([]*jwtPublicKey, string) {
	var obj map[string]json.RawMessage
	if json.Unmarshal(b, &obj) != nil {
		return nil, ""
	}
	if _, ok := obj["keys"]; ok {
		keys := parseJWKS(source, b)
		if len(keys) == 0 {
			return nil, ""
		}
		return keys, "JWKS"
	}
	if _, ok := obj["kty"]; ok {
		if k, ok := parseJWK(source, b); ok {
			return []*jwtPublicKey{k}, "JWK"
		}
		return nil, ""
	}
	var v any
	if json.Unmarshal(b, &v) != nil {
		return nil, ""
	}
	var keys []*jwtPublicKey
	for _, s := range jwtPEMStrings(v, 0, nil) {
		found, _ := jwtPEMKeys(source, []byte(s))
		for _, k := range found {
			for i := range k.served {
				k.served[i].form = "PEM in JSON"
			}
		}
		keys = append(keys, found...)
	}
	if len(keys) == 0 {
		return nil, ""
	}
	return keys, "PEM in JSON"
}

// jwtPEMStrings collects the string values of v that hold PEM text, in
// a fixed order (object keys sorted), at most maxPEMInJSON of them.
func jwtPEMStrings(v any, depth int, out []string) []string {
	if depth > maxJSONDepth || len(out) >= maxPEMInJSON {
		return out
	}
	switch x := v.(type) {
	case string:
		if strings.Contains(x, "-----BEGIN ") {
			out = append(out, x)
		}
	case []any:
		for _, e := range x {
			out = jwtPEMStrings(e, depth+1, out)
		}
	case map[string]any:
		for _, name := range slices.Sorted(maps.Keys(x)) {
			out = jwtPEMStrings(x[name], depth+1, out)
		}
	}
	return out
}

// jwtPEMKeys reads the public keys of the PEM blocks in b. A block is read
// by its content, not its label: Juice Shop's jwt.pub says "RSA PUBLIC
// KEY" around a PKIX key. A lone block's served bytes are the whole of b
// (a library loads the file as it is, surrounding whitespace included);
// with several, each block's own text. Private keys are skipped: the rule
// has no use for them (ParseJWTKeyFile refuses them).
func jwtPEMKeys(source string, b []byte) ([]*jwtPublicKey, string) {
	type found struct {
		key  *jwtPublicKey
		text []byte
		form string
	}
	var all []found
	rest := b
	for len(all) < maxConfusionKeys {
		start := bytes.Index(rest, []byte("-----BEGIN "))
		if start < 0 {
			break
		}
		block, next := pem.Decode(rest[start:])
		if block == nil {
			// Not a block after all: look past this marker.
			rest = rest[start+len("-----BEGIN "):]
			continue
		}
		text := rest[start : len(rest)-len(next)]
		rest = next
		pub, form := jwtPEMBlockKey(block)
		if pub == nil {
			continue
		}
		if k, ok := newJWTKey(pub, ""); ok {
			all = append(all, found{k, text, form})
		}
	}
	var keys []*jwtPublicKey
	for _, f := range all {
		raw := f.text
		if len(all) == 1 {
			raw = b
		}
		f.key.served = []jwtServed{{source: source, form: f.form, raw: bytes.Clone(raw)}}
		keys = append(keys, f.key)
	}
	if len(keys) == 0 {
		return nil, ""
	}
	return keys, keys[0].served[0].form
}

// jwtPEMBlockKey returns the public key in a PEM block of a public-key or
// certificate type, trying every public-key syntax whatever the label.
func jwtPEMBlockKey(block *pem.Block) (crypto.PublicKey, string) {
	switch {
	case strings.Contains(block.Type, "PRIVATE"):
		return nil, ""
	case strings.Contains(block.Type, "CERTIFICATE"):
		if c, err := x509.ParseCertificate(block.Bytes); err == nil {
			return c.PublicKey, "certificate PEM"
		}
	case strings.Contains(block.Type, "PUBLIC KEY"):
		if pub, err := x509.ParsePKIXPublicKey(block.Bytes); err == nil {
			return pub, "PEM"
		}
		if pub, err := x509.ParsePKCS1PublicKey(block.Bytes); err == nil {
			return pub, "PEM"
		}
	}
	return nil, ""
}

// jwtDERKey reads b as a DER public key (PKIX or PKCS#1) or certificate.
func jwtDERKey(source string, b []byte) (*jwtPublicKey, bool) {
	var pub crypto.PublicKey
	if p, err := x509.ParsePKIXPublicKey(b); err == nil {
		pub = p
	} else if p, err := x509.ParsePKCS1PublicKey(b); err == nil {
		pub = p
	} else if c, err := x509.ParseCertificate(b); err == nil {
		pub = c.PublicKey
	} else {
		return nil, false
	}
	k, ok := newJWTKey(pub, "")
	if !ok {
		return nil, false
	}
	k.served = []jwtServed{{source: source, form: "DER", raw: bytes.Clone(b)}}
	return k, true
}

// encode lists the key's HMAC secrets, most likely first: each served
// text exactly (a library loads the file or string as it is), then
// without or with its trailing newline; PKIX PEM and, for RSA, PKCS#1
// PEM as libraries write them (64-character lines), with and without the
// newline; the served text with the other line endings (a file checked
// out on Windows); DER (PKIX, then the DER as served: PKCS#1 or a
// certificate); and the JWK's JSON as served.
func (k *jwtPublicKey) encode() {
	k.encodings = nil
	seen := map[string]bool{}
	add := func(name string, b []byte) {
		if len(b) == 0 || seen[string(b)] || len(k.encodings) >= maxKeyEncodings {
			return
		}
		seen[string(b)] = true
		k.encodings = append(k.encodings, jwtKeyEncoding{name, b})
	}
	var texts []jwtServed
	for _, s := range k.served {
		if s.text() && len(texts) < maxServedTexts {
			texts = append(texts, s)
		}
	}
	for _, s := range texts {
		add("the exact bytes of "+s.source, s.raw)
		if t := bytes.TrimRight(s.raw, "\r\n"); len(t) < len(s.raw) {
			add(s.source+" without its trailing newline", t)
		} else {
			add(s.source+" with a trailing newline", append(bytes.Clone(s.raw), '\n'))
		}
	}
	pkix := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: k.pkix})
	add("PKIX PEM, trailing newline", pkix)
	add("PKIX PEM, no trailing newline", bytes.TrimRight(pkix, "\n"))
	if pub, ok := k.pub.(*rsa.PublicKey); ok {
		pkcs1 := pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(pub)})
		add("PKCS#1 PEM, trailing newline", pkcs1)
		add("PKCS#1 PEM, no trailing newline", bytes.TrimRight(pkcs1, "\n"))
	}
	for _, s := range texts {
		if bytes.Contains(s.raw, []byte("\r\n")) {
			add(s.source+" with LF line endings", bytes.ReplaceAll(s.raw, []byte("\r\n"), []byte("\n")))
		} else {
			add(s.source+" with CRLF line endings", bytes.ReplaceAll(s.raw, []byte("\n"), []byte("\r\n")))
		}
	}
	add("DER", k.pkix)
	for _, s := range k.served {
		if s.form == "DER" {
			add("the exact bytes of "+s.source, s.raw) // PKCS#1 or a certificate
		}
	}
	for _, s := range k.served {
		if s.form == "JWK" {
			add("the JWK's JSON as served by "+s.source, s.raw)
			break
		}
	}
}

// merge adds other's spellings to k, the same key found again.
func (k *jwtPublicKey) merge(other *jwtPublicKey) {
	if k.kid == "" {
		k.kid = other.kid
	}
	k.served = append(k.served, other.served...)
}

// describe names the key for coverage: "RSA key (kid key-1, signs the
// primary's token) from /encryptionkeys/jwt.pub (PEM)". The key material
// is never shown.
func (k *jwtPublicKey) describe() string {
	var notes []string
	if k.kid != "" {
		notes = append(notes, "kid "+jwtSafeName(k.kid))
	}
	if k.verifies {
		notes = append(notes, "verifies the primary's token")
	}
	s := k.kty + " key"
	if len(notes) > 0 {
		s += " (" + strings.Join(notes, ", ") + ")"
	}
	var from []string
	for _, sv := range k.served {
		f := sv.source + " (" + sv.form + ")"
		if !slices.Contains(from, f) {
			from = append(from, f)
		}
	}
	return s + " from " + strings.Join(from, " and ")
}

// verifiesToken reports whether tok's signature is valid under k: offline,
// it tells which of several keys signs the tokens the API issues.
func (k *jwtPublicKey) verifiesToken(tok *jwtToken) bool {
	var h crypto.Hash
	switch strings.TrimLeft(tok.alg, "RSEP") {
	case "256":
		h = crypto.SHA256
	case "384":
		h = crypto.SHA384
	case "512":
		h = crypto.SHA512
	default:
		return false
	}
	d := h.New()
	d.Write([]byte(tok.signingInput))
	digest := d.Sum(nil)
	switch pub := k.pub.(type) {
	case *rsa.PublicKey:
		switch tok.alg[:2] {
		case "RS":
			return rsa.VerifyPKCS1v15(pub, h, digest, tok.sig) == nil
		case "PS":
			return rsa.VerifyPSS(pub, h, digest, tok.sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto}) == nil
		}
	case *ecdsa.PublicKey:
		size := (pub.Curve.Params().BitSize + 7) / 8
		if tok.alg[:2] != "ES" || len(tok.sig) != 2*size {
			return false
		}
		r := new(big.Int).SetBytes(tok.sig[:size])
		s := new(big.Int).SetBytes(tok.sig[size:])
		return ecdsa.Verify(pub, digest, r, s)
	}
	return false
}

// JWTKeyFile is a public key file the user gave (--jwt-public-key,
// jwtPublicKeys: in the config): jwt-alg-confusion tries its keys before
// those the target serves.
type JWTKeyFile struct {
	Name string // as given, for coverage and summaries
	data []byte
}

// errNoKey and errPrivateKey are what a user's key file can be wrong
// about; ParseJWTKeyFile names the file.
var (
	errNoKey      = errors.New("no public key in it (want PEM — PUBLIC KEY, RSA PUBLIC KEY or CERTIFICATE —, DER, or a JWK or JWK set; RSA of 512 bits or more, or EC P-256/384/521)")
	errPrivateKey = errors.New("it holds a private key; give the public key (openssl pkey -pubout)")
)

// ParseJWTKeyFile checks that data, the content of the key file name,
// holds at least one public key, and keeps it for WithJWTPublicKeys. The
// error is one line naming the file, never quoting its content.
func ParseJWTKeyFile(name string, data []byte) (JWTKeyFile, error) {
	if keys, _ := jwtKeysIn(name, data); len(keys) > 0 {
		return JWTKeyFile{Name: name, data: bytes.Clone(data)}, nil
	}
	if bytes.Contains(data, []byte("PRIVATE KEY-----")) {
		return JWTKeyFile{}, fmt.Errorf("%s: %w", name, errPrivateKey)
	}
	return JWTKeyFile{}, fmt.Errorf("%s: %w", name, errNoKey)
}
