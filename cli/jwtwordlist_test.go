package cli

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/authgate/authgate/scanner/rules/wordlist"
)

// hs256API verifies HS256 tokens with key and serves /me to them.
func hs256API(t *testing.T, key string, hits *atomic.Int64) *httptest.Server {
	t.Helper()
	verify := func(tok string) bool {
		parts := strings.Split(tok, ".")
		if len(parts) != 3 {
			return false
		}
		m := hmac.New(sha256.New, []byte(key))
		m.Write([]byte(parts[0] + "." + parts[1]))
		sig, err := base64.RawURLEncoding.DecodeString(parts[2])
		return err == nil && hmac.Equal(sig, m.Sum(nil))
	}
	return jwtMeAPI(t, verify, hits)
}

func hs256Token(key string) string {
	b64 := base64.RawURLEncoding
	input := b64.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + b64.EncodeToString([]byte(`{"sub":"1001","name":"Alice"}`))
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(input))
	return input + "." + b64.EncodeToString(m.Sum(nil))
}

const hs256Spec = `openapi: 3.0.3
info: {title: hs256, version: "1"}
components:
  securitySchemes:
    bearerAuth: {type: http, scheme: bearer}
security:
  - bearerAuth: []
paths:
  /me:
    get:
      responses: {"200": {description: ok}}
`

// TestJWTWordlistFlag: --jwt-wordlist (and jwtWordlist: in the config)
// makes jwt-weak-hmac-secret find a key that is in no built-in list, and
// the finding names the user's list, not the key's line; a missing or binary file
// is one line and exit code 2 before any request.
func TestJWTWordlistFlag(t *testing.T) {
	const key = "Correct-Horse-Battery-Staple-42"
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	list := write("keys.txt", "\ufeffnot-it\r\n"+key+"\r\n")
	spec := write("spec.yaml", hs256Spec)
	configFile := write("authgate.yml", "jwtWordlist: "+list+"\n")
	binary := write("keys.txt.gz", "\x1f\x8b\x08\x00\x00\x00\x00\x00")
	token := hs256Token(key)

	for _, tc := range []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"flag", []string{"--jwt-wordlist", list}, ExitGateFailed, ""},
		{"config file", []string{"--config", configFile}, ExitGateFailed, ""},
		{"no list: the key is not guessed", nil, ExitPassed, ""},
		{"missing file", []string{"--jwt-wordlist", filepath.Join(dir, "nope.txt")}, ExitUsage, "--jwt-wordlist: open " + filepath.Join(dir, "nope.txt") + ": no such file"},
		{"compressed file", []string{"--jwt-wordlist", binary}, ExitUsage, "keys.txt.gz: line 1 holds a NUL byte"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var hits atomic.Int64
			srv := hs256API(t, key, &hits)
			out := filepath.Join(t.TempDir(), "report.json")
			args := []string{"scan", srv.URL, "--openapi", spec, "--auth", "Authorization: Bearer " + token, "-o", out}
			if tc.name != "config file" {
				args = append(args, "--config", "")
			}
			code, _, stderr := run(t, append(args, tc.args...)...)
			if code != tc.wantCode {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tc.wantCode, stderr)
			}
			if tc.wantErr != "" {
				if !strings.Contains(stderr, tc.wantErr) || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
					t.Errorf("stderr %q: want one line with %q", stderr, tc.wantErr)
				}
				if n := hits.Load(); n != 0 {
					t.Errorf("%d requests sent before the bad wordlist was refused", n)
				}
				return
			}
			rep := readReport(t, out)
			if got := ruleSet(rep)["jwt-weak-hmac-secret"]; got != (tc.wantCode == ExitGateFailed) {
				t.Fatalf("jwt-weak-hmac-secret found %v; findings %v", got, ruleSet(rep))
			}
			for _, f := range rep.Findings {
				if f.Rule != "jwt-weak-hmac-secret" {
					continue
				}
				if s := f.Evidence.Summary; !strings.Contains(s, "your wordlist (--jwt-wordlist)") || strings.Contains(s, "line 2") || strings.Contains(s, key[1:]) {
					t.Errorf("summary %q: want the user's list named, not the key nor its line", s)
				}
			}
		})
	}
}

// TestJWTWordlistBounded: a file with more keys than the bound is read up
// to it, with one warning line.
func TestJWTWordlistBounded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "huge.txt")
	if err := os.WriteFile(path, []byte(strings.Repeat("k\n", wordlist.MaxEntries+10)), 0o600); err != nil {
		t.Fatal(err)
	}
	var warn strings.Builder
	opts, err := jwtWordlist(path, &warn)
	if err != nil || len(opts) != 1 {
		t.Fatalf("jwtWordlist: %v, %d options", err, len(opts))
	}
	if w := warn.String(); strings.Count(w, "\n") != 1 || !strings.Contains(w, "only its first 1000000 keys are tried") {
		t.Fatalf("warning %q", w)
	}
}
