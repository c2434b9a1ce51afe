package cli

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// ownsAPI is the founding case with exactly two users and opaque tokens:
// GET /user?user_id= for alice (1001) and bob (1002). With ownerCheck a
// caller reads only its own record; without, any valid token reads any.
func ownsAPI(ownerCheck bool) http.Handler {
	users := map[string]map[string]string{
		"1001": {"user_id": "1001", "name": "Alice Martin", "email": "alice.martin@example.com", "phone": "+1-555-0101"},
		"1002": {"user_id": "1002", "name": "Bob Nguyen", "email": "bob.nguyen@example.com", "phone": "+1-555-0102"},
	}
	tokens := map[string]string{"Bearer opaque-alice-7f3a": "1001", "Bearer opaque-bob-9c2e": "1002"}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		me := tokens[r.Header.Get("Authorization")]
		u, ok := users[r.URL.Query().Get("user_id")]
		switch {
		case r.URL.Path != "/user":
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"error":"not found"}`))
		case me == "":
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"error":"unauthorized"}`))
		case !ok || (ownerCheck && u["user_id"] != me):
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"error":"not found"}`))
		default:
			json.NewEncoder(w).Encode(u)
		}
	})
}

const ownsConfig = `endpoints: ["GET /user?user_id=1"]
identities:
  - name: alice
    headers: {Authorization: Bearer opaque-alice-7f3a}
    owns: {user_id: "1001"}
  - name: bob
    headers: {Authorization: Bearer opaque-bob-9c2e}
    owns:
      user_id: [1002]
`

// TestScanOwns: owns: in the config tells the scan whose record is whose
// when the tokens say nothing; the cross-user read is found and names
// both identities on the flawed API, and the fixed one passes.
func TestScanOwns(t *testing.T) {
	for _, tt := range []struct {
		name       string
		ownerCheck bool
		wantCode   int
	}{
		{"any token reads any record", false, ExitGateFailed},
		{"own record only", true, ExitPassed},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(ownsAPI(tt.ownerCheck))
			defer srv.Close()
			dir := t.TempDir()
			cfgPath := filepath.Join(dir, "authgate.yml")
			if err := os.WriteFile(cfgPath, []byte(ownsConfig), 0o600); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, "r.json")
			code, stdout, stderr := run(t, "scan", srv.URL, "--config", cfgPath, "-o", "json="+out, "--wait", "1s")
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d\n%s%s", code, tt.wantCode, stdout, stderr)
			}
			rep := readReport(t, out)
			found := false
			for _, f := range rep.Findings {
				if f.Rule != "bola-cross-user-read" {
					continue
				}
				found = true
				if s := f.Evidence.Summary; !strings.Contains(s, `"alice"`) || !strings.Contains(s, `"bob"`) || !strings.Contains(s, "the config says it owns user_id") {
					t.Errorf("the finding does not name alice, bob and the owns: hint: %s", s)
				}
			}
			if found == tt.ownerCheck {
				t.Errorf("bola-cross-user-read found = %v, want %v; findings %v", found, !tt.ownerCheck, ruleSet(rep))
			}
		})
	}
}
