package cli

import (
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// keyedAPI is an RS256 API whose verifier takes the algorithm from the
// token and, for HS256, uses the key file's exact bytes as the secret; it
// serves the key nowhere, so only a key the user gives finds the flaw.
func keyedAPI(t *testing.T, key *rsa.PrivateKey, file []byte, hits *atomic.Int64) *httptest.Server {
	t.Helper()
	b64 := base64.RawURLEncoding
	verify := func(tok string) bool {
		parts := strings.Split(tok, ".")
		if len(parts) != 3 {
			return false
		}
		hb, _ := b64.DecodeString(parts[0])
		sig, err := b64.DecodeString(parts[2])
		var h struct{ Alg string }
		if err != nil || json.Unmarshal(hb, &h) != nil {
			return false
		}
		input := parts[0] + "." + parts[1]
		switch h.Alg {
		case "RS256":
			d := sha256.Sum256([]byte(input))
			return rsa.VerifyPKCS1v15(&key.PublicKey, crypto.SHA256, d[:], sig) == nil
		case "HS256":
			m := hmac.New(sha256.New, file)
			m.Write([]byte(input))
			return hmac.Equal(sig, m.Sum(nil))
		}
		return false
	}
	return jwtMeAPI(t, verify, hits)
}

// rs256Token mints the primary's token with the API's private key.
func rs256Token(t *testing.T, key *rsa.PrivateKey) string {
	t.Helper()
	b64 := base64.RawURLEncoding
	now := time.Now().Unix()
	claims, _ := json.Marshal(map[string]any{"sub": "1001", "iat": now, "exp": now + 3600})
	input := b64.EncodeToString([]byte(`{"alg":"RS256","typ":"JWT"}`)) + "." + b64.EncodeToString(claims)
	d := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, d[:])
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + b64.EncodeToString(sig)
}

const keyedSpec = `openapi: 3.0.3
info: {title: keyed, version: "1"}
components:
  securitySchemes:
    bearerAuth: {type: http, scheme: bearer, bearerFormat: JWT}
security:
  - bearerAuth: []
paths:
  /me:
    get:
      responses: {"200": {description: ok}}
`

// TestJWTPublicKeyFlag: --jwt-public-key (and jwtPublicKeys: in the
// config) reach jwt-alg-confusion, which finds the flaw with the user's
// key when the target serves none; a missing, garbage or private key
// file is one line and exit code 2 before any request.
func TestJWTPublicKeyFlag(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	// Wrapped at 70, not 64, and no trailing newline: only the exact
	// bytes of the file open the API.
	b := base64.StdEncoding.EncodeToString(der)
	var lines []string
	for len(b) > 70 {
		lines, b = append(lines, b[:70]), b[70:]
	}
	file := []byte("-----BEGIN PUBLIC KEY-----\n" + strings.Join(append(lines, b), "\n") + "\n-----END PUBLIC KEY-----")
	private, _ := x509.MarshalPKCS8PrivateKey(key)

	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	keyFile := write("jwt.pub", file)
	spec := write("spec.yaml", []byte(keyedSpec))
	garbage := write("notes.txt", []byte("hunter2 is not a key\n"))
	privFile := write("jwt.key", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: private}))
	configFile := write("authgate.yml", []byte("jwtPublicKeys: "+keyFile+"\n"))
	token := rs256Token(t, key)

	t.Run("flags and the config file", func(t *testing.T) {
		for _, tc := range []struct {
			args []string
			want []string
		}{
			{[]string{"http://127.0.0.1:1", "--config", configFile}, []string{keyFile}},
			{[]string{"http://127.0.0.1:1", "--config", configFile, "--jwt-public-key", "a.pem", "--jwt-public-key", "b.pem"}, []string{"a.pem", "b.pem"}},
		} {
			cfg, err := parseScanFlags(tc.args, &strings.Builder{})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(cfg.JWTPublicKeys, tc.want) {
				t.Errorf("%q: JWTPublicKeys %q, want %q", tc.args, cfg.JWTPublicKeys, tc.want)
			}
		}
	})

	for _, tc := range []struct {
		name     string
		keyArgs  []string
		wantCode int
		wantErr  string
	}{
		{"key file found", []string{"--jwt-public-key", keyFile}, ExitGateFailed, ""},
		{"key file in the config", []string{"--config", configFile}, ExitGateFailed, ""},
		{"no key: not run", nil, ExitPassed, ""},
		{"missing file", []string{"--jwt-public-key", filepath.Join(dir, "nope.pub")}, ExitUsage, "nope.pub: no such file"},
		{"not a key", []string{"--jwt-public-key", garbage}, ExitUsage, "notes.txt: no public key in it"},
		{"a private key", []string{"--jwt-public-key", privFile}, ExitUsage, "jwt.key: it holds a private key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var hits atomic.Int64
			srv := keyedAPI(t, key, file, &hits)
			out := filepath.Join(t.TempDir(), "report.json")
			args := []string{"scan", srv.URL, "--openapi", spec, "--auth", "Authorization: Bearer " + token, "-o", out}
			if !slices.Contains(tc.keyArgs, "--config") {
				args = append(args, "--config", "")
			}
			code, _, stderr := run(t, append(args, tc.keyArgs...)...)
			if code != tc.wantCode {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tc.wantCode, stderr)
			}
			if tc.wantErr != "" {
				if !strings.Contains(stderr, tc.wantErr) || strings.Count(strings.TrimSpace(stderr), "\n") > 0 || strings.Contains(stderr, "hunter2") || strings.Contains(stderr, "MII") {
					t.Errorf("stderr %q: want one line with %q, quoting nothing of the file", stderr, tc.wantErr)
				}
				if n := hits.Load(); n != 0 {
					t.Errorf("%d requests sent before the bad key file was refused", n)
				}
				return
			}
			rep := readReport(t, out)
			found := ruleSet(rep)["jwt-alg-confusion"]
			if found != (tc.wantCode == ExitGateFailed) {
				t.Fatalf("jwt-alg-confusion found %v; findings %v", found, ruleSet(rep))
			}
			for _, rc := range rep.Coverage.Rules {
				if rc.Rule != "jwt-alg-confusion" {
					continue
				}
				if found && !strings.Contains(rc.Reason, "from the key file "+keyFile+" (PEM)") {
					t.Errorf("coverage reason %q does not name the key file", rc.Reason)
				}
				if !found && (rc.Status != "not-run" || !strings.Contains(rc.Reason, "--jwt-public-key")) {
					t.Errorf("coverage %s %q: want not-run saying how to give the key", rc.Status, rc.Reason)
				}
			}
		})
	}
}
