package cli

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Passwords of the login test's accounts: they must appear nowhere in what
// authgate prints or writes.
const (
	aliceLoginPassword = "Alice-Login-Passw0rd-31"
	bobLoginPassword   = "Bob-Login-Passw0rd-47"
)

// loginOrdersAPI logs users in with a password and serves orders by id;
// ownerCheck says whether an order is only its owner's.
func loginOrdersAPI(ownerCheck bool) http.Handler {
	var mu sync.Mutex
	sessions := map[string]string{}
	n := 0
	passwords := map[string]string{"alice": aliceLoginPassword, "bob": bobLoginPassword}
	orders := map[string]string{"501": "alice", "601": "bob"}
	user := func(r *http.Request) (string, bool) {
		mu.Lock()
		defer mu.Unlock()
		u, ok := sessions[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
		return u, ok
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /auth/login", func(w http.ResponseWriter, r *http.Request) {
		var body struct{ Username, Password string }
		if json.NewDecoder(r.Body).Decode(&body) != nil || passwords[body.Username] != body.Password || body.Password == "" {
			http.Error(w, `{"error":"invalid credentials"}`, http.StatusUnauthorized)
			return
		}
		mu.Lock()
		n++
		tok := fmt.Sprintf("sess-%s-%06d-opaque", body.Username, n)
		sessions[tok] = body.Username
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"session":{"token":%q}}`, tok)
	})
	mux.HandleFunc("GET /orders", func(w http.ResponseWriter, r *http.Request) {
		u, ok := user(r)
		if !ok {
			http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
			return
		}
		var mine []string
		for id, owner := range orders {
			if owner == u {
				mine = append(mine, fmt.Sprintf(`{"id":%s,"owner":%q,"item":"teapot"}`, id, owner))
			}
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"items":[%s]}`, strings.Join(mine, ","))
	})
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		u, ok := user(r)
		if !ok {
			http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
			return
		}
		owner, found := orders[r.PathValue("id")]
		if !found || (ownerCheck && owner != u) {
			http.Error(w, `{"error":"not found"}`, http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id":%s,"owner":%q,"item":"teapot","address":"1 Main St"}`, r.PathValue("id"), owner)
	})
	return mux
}

const loginConfig = `identities:
  - name: alice
    login:
      path: /auth/login
      body: {username: alice, password: "${AG_TEST_ALICE_PW}"}
      token: json:session.token
  - name: bob
    login:
      path: /auth/login
      body: {username: bob, password: "${AG_TEST_BOB_PW}"}
      token: json:session.token
endpoints:
  - GET /orders
  - GET /orders/501
`

// TestScanWithLoginIdentities: two identities from the config file log in
// with passwords from the environment; the cross-user read between them
// is found on the flawed API and not on the fixed one; no password or
// session token reaches any output.
func TestScanWithLoginIdentities(t *testing.T) {
	t.Setenv("AG_TEST_ALICE_PW", aliceLoginPassword)
	t.Setenv("AG_TEST_BOB_PW", bobLoginPassword)
	for _, tt := range []struct {
		name       string
		ownerCheck bool
		wantCode   int
		wantBOLA   bool
	}{
		{"no owner check", false, ExitGateFailed, true},
		{"owner checked", true, ExitPassed, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(loginOrdersAPI(tt.ownerCheck))
			defer srv.Close()
			dir := t.TempDir()
			cfgPath := filepath.Join(dir, "authgate.yml")
			os.WriteFile(cfgPath, []byte(loginConfig), 0o600)
			out := filepath.Join(dir, "r.json")
			code, stdout, stderr := run(t, "scan", srv.URL, "--config", cfgPath, "-o", "json="+out, "--format", "text", "--wait", "1s")
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d\n%s%s", code, tt.wantCode, stdout, stderr)
			}
			rep := readReport(t, out)
			if got := ruleSet(rep)["bola-cross-user-read"]; got != tt.wantBOLA {
				t.Errorf("bola-cross-user-read = %v, want %v; findings %v", got, tt.wantBOLA, ruleSet(rep))
			}
			data, _ := os.ReadFile(out)
			for _, text := range []string{string(data), stdout, stderr} {
				for _, secret := range []string{aliceLoginPassword, bobLoginPassword, "-opaque"} {
					if strings.Contains(text, secret) {
						t.Errorf("%q appears in the output", secret)
					}
				}
			}
		})
	}
}

// TestScanLoginErrors: a wrong password is the configuration's fault (exit
// 2, one line naming the identity), an unset variable too; neither
// message shows a password.
func TestScanLoginErrors(t *testing.T) {
	srv := httptest.NewServer(loginOrdersAPI(true))
	defer srv.Close()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "authgate.yml")
	os.WriteFile(cfgPath, []byte(loginConfig), 0o600)
	tests := []struct {
		name, alicePW, want string
	}{
		{"wrong password", "Not-The-Password-123", "identity alice: login POST /auth/login answered 401"},
		{"unset variable", "", "AG_TEST_ALICE_PW is not set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("AG_TEST_ALICE_PW", tt.alicePW)
			t.Setenv("AG_TEST_BOB_PW", bobLoginPassword)
			code, stdout, stderr := run(t, "scan", srv.URL, "--config", cfgPath, "--wait", "1s")
			if code != ExitUsage {
				t.Fatalf("exit %d, want %d\n%s%s", code, ExitUsage, stdout, stderr)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr = %q, want a line with %q", stderr, tt.want)
			}
			if tt.alicePW != "" && strings.Contains(stderr, tt.alicePW) {
				t.Errorf("the password appears in %q", stderr)
			}
		})
	}
}
