package rules_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner/rules"
	"github.com/authgate/authgate/scanner/rules/wordlist"
)

// hs256SignedBy reports whether token is an HS256 JWT signed with key;
// its claims are not read.
func hs256SignedBy(token, key string) bool {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return false
	}
	var header struct{ Alg string }
	if hb, err := jwtB64.DecodeString(parts[0]); err != nil || json.Unmarshal(hb, &header) != nil || header.Alg != "HS256" {
		return false
	}
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(parts[0] + "." + parts[1]))
	sig, err := jwtB64.DecodeString(parts[2])
	return err == nil && hmac.Equal(sig, m.Sum(nil))
}

// keyedJWTAPI is jwtAPI's correct verifier with the HS256 key given: VAmPI
// signs and verifies its tokens with the key "random".
func keyedJWTAPI(key string) http.Handler {
	verify := func(r *http.Request) map[string]any {
		if !hs256SignedBy(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "), key) {
			return nil
		}
		return users["1001"]
	}
	mux := http.NewServeMux()
	for _, path := range []string{"/me", "/me/orders", "/me/settings"} {
		mux.HandleFunc("GET "+path, func(w http.ResponseWriter, r *http.Request) {
			u := verify(r)
			if u == nil {
				unauthorized(w)
				return
			}
			writeJSON(w, 200, u)
		})
	}
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"status": "ok"})
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { notFound(w) })
	return mux
}

// userList reads a --jwt-wordlist file's contents.
func userList(t *testing.T, contents string) *wordlist.List {
	t.Helper()
	l, _, err := wordlist.Read(strings.NewReader(contents))
	if err != nil {
		t.Fatalf("wordlist: %v", err)
	}
	return l
}

// TestJWTWeakSecretLists: the key is found in the user's wordlist first,
// then the built-in list, and the finding says which list, without the
// key or its place in the list (see TestJWTWeakSecretWithheld).
func TestJWTWeakSecretLists(t *testing.T) {
	const userKey = "Correct-Horse-Battery-Staple-42"
	tests := []struct {
		name  string
		key   string // the API's key
		user  string // --jwt-wordlist contents; "" for none
		where string // "" when no finding is wanted
	}{
		{"VAmPI's key random, built-in list", "random", "", builtinList},
		{"a dictionary word", "tangerine", "", builtinList},
		{"fixed twin: long random key", jwtStrongKey, "", ""},
		{"fixed twin with a user list", jwtStrongKey, "one\ntwo\n", ""},
		{"user wordlist, after an empty line", userKey, "first\n\n" + userKey + "\n", userWordlist},
		{"user list tried first", "random", "random\n", userWordlist},
		{"CRLF and BOM", userKey, "\ufeff" + userKey + "\r\nother\r\n", userWordlist},
		{"exact bytes: a trailing space is another key", "random", "random \n", builtinList},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []rules.Option
			if tt.user != "" {
				opts = append(opts, rules.WithJWTWordlist(userList(t, tt.user)))
			}
			fs := scanRules(t, keyedJWTAPI(tt.key), scanOpts{spec: jwtSpec, primary: bearer(mintJWT(tt.key, claimsOK()))}, rules.JWTRules(opts...))
			var got []finding.Finding
			for _, f := range fs {
				if f.Rule == "jwt-weak-hmac-secret" {
					got = append(got, f)
				}
			}
			if tt.where == "" {
				if len(got) > 0 {
					t.Fatalf("finding on a strong key:%s", list(fs))
				}
				return
			}
			if len(got) != 1 || got[0].Method != "*" || got[0].Path != "*" {
				t.Fatalf("want one API-wide finding, got:%s", list(fs))
			}
			summary := got[0].Evidence.Summary
			if !strings.Contains(summary, tt.where) {
				t.Errorf("summary does not say %q: %s", tt.where, summary)
			}
			if strings.Contains(summary, tt.key[1:]) {
				t.Errorf("summary shows the key: %s", summary)
			}
		})
	}
}

// TestJWTWeakSecretBuiltinEntry: FindWeakHMACSecret names the built-in
// entry that signed a token.
func TestJWTWeakSecretBuiltinEntry(t *testing.T) {
	key, entry, ok := rules.FindWeakHMACSecret(mintJWT("random", claimsOK()))
	if !ok || key != "random" || string(wordlist.Builtin().At(entry-1)) != "random" {
		t.Fatalf("got %q, entry %d, %v", key, entry, ok)
	}
}

// BenchmarkJWTCrack searches the whole built-in list (the token's key is
// not in it) and reports keys per second on GOMAXPROCS cores.
//
//	go test -run '^$' -bench JWTCrack -cpu 1,2 ./scanner/rules/
func BenchmarkJWTCrack(b *testing.B) {
	token := mintJWT(jwtStrongKey, claimsOK())
	n := wordlist.Builtin().Len()
	for b.Loop() {
		if _, _, ok := rules.FindWeakHMACSecret(token); ok {
			b.Fatal("strong key found in the built-in list")
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "keys/s")
	b.ReportMetric(float64(n), "keys")
}
