package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// exitSpec describes the exit-code test APIs: a public health route and
// two routes that need a bearer token.
const exitSpec = `{"openapi":"3.0.3","info":{"title":"t","version":"1"},
"components":{"securitySchemes":{"bearer":{"type":"http","scheme":"bearer"}}},
"security":[{"bearer":[]}],
"paths":{
 "/api/health":{"get":{"security":[],"responses":{"200":{"description":"ok"}}}},
 "/api/me":{"get":{"responses":{"200":{"description":"me"}}}},
 "/api/orders":{"get":{"responses":{"200":{"description":"orders"}}}}}}`

// exitJWT is a JWT for sub expiring at exp; the test API reads only its
// claims.
func exitJWT(sub string, exp time.Time) string {
	enc := base64.RawURLEncoding
	claims, _ := json.Marshal(map[string]any{"sub": sub, "exp": exp.Unix()})
	return enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + enc.EncodeToString(claims) + ".c2ln"
}

// secureAPI serves exitSpec: /api/me and /api/orders need a JWT of alice
// or bob whose exp is ahead (401 otherwise); public serves them to anyone.
func secureAPI(public bool) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /openapi.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, exitSpec)
	})
	mux.HandleFunc("GET /api/health", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"status":"ok"}`)
	})
	user := func(r *http.Request) (string, bool) {
		tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		parts := strings.Split(tok, ".")
		if len(parts) != 3 {
			return "", false
		}
		payload, err := base64.RawURLEncoding.DecodeString(parts[1])
		var c struct {
			Sub string
			Exp int64
		}
		if err != nil || json.Unmarshal(payload, &c) != nil || time.Unix(c.Exp, 0).Before(time.Now()) || (c.Sub != "alice" && c.Sub != "bob") {
			return "", false
		}
		return c.Sub, true
	}
	protected := func(body func(string) string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			u, ok := user(r)
			if public {
				u, ok = "anyone", true
			}
			if !ok {
				w.WriteHeader(http.StatusUnauthorized)
				fmt.Fprint(w, `{"error":"invalid or expired token"}`)
				return
			}
			fmt.Fprint(w, body(u))
		}
	}
	mux.HandleFunc("GET /api/me", protected(func(u string) string { return fmt.Sprintf(`{"name":%q}`, u) }))
	mux.HandleFunc("GET /api/orders", protected(func(u string) string { return fmt.Sprintf(`[{"id":1,"owner":%q}]`, u) }))
	return mux
}

// TestRejectedIdentityExitCode: an expired --auth token or a garbage
// --peer-auth on a secure API ends the scan with exit 3 and one line
// naming the identity and the evidence, and no report; valid credentials
// pass with their evidence in the report's coverage; a token on an API
// where everything is public is recorded as not verified, without failing.
func TestRejectedIdentityExitCode(t *testing.T) {
	valid := func(sub string) string { return "Authorization: Bearer " + exitJWT(sub, time.Now().Add(time.Hour)) }
	expired := "Authorization: Bearer " + exitJWT("alice", time.Now().Add(-time.Hour))
	const garbage = "Authorization: Bearer garbage-0123456789abcdef"
	tests := []struct {
		name          string
		public        bool
		auth, peer    string
		code          int    // when the scan cannot run
		line          string // the error line, "" when the scan runs
		verified      bool
		how           string // a part of the primary's coverage
		peerVerified  bool
		checkPeerHows bool
	}{
		{name: "expired primary", auth: expired, code: ExitScanFailed,
			line: `authgate: identity "primary" (--auth) is rejected: its JWT expired at `},
		{name: "unknown primary", auth: valid("carol"), code: ExitScanFailed,
			line: `authgate: identity "primary" (--auth) is rejected by the API: GET /api/me answered 401 to it (and 401 to anonymous requests); 2 protected operations tried, none let it in`},
		{name: "garbage peer", auth: valid("alice"), peer: garbage, code: ExitScanFailed,
			line: `authgate: identity "peer" (--peer-auth) is rejected by the API: GET /api/me answered 401 to it (and 200 to the primary); 2 protected operations tried, none let it in`},
		{name: "expired primary, garbage peer", auth: expired, peer: garbage, code: ExitScanFailed,
			line: `authgate: identity "primary" (--auth) is rejected: its JWT expired at `},
		{name: "valid primary and peer", auth: valid("alice"), peer: valid("bob"),
			verified: true, how: "GET /api/me answered 200 to it, 401 to anonymous requests", peerVerified: true, checkPeerHows: true},
		{name: "public API", public: true, auth: valid("alice"),
			how: "not verified: no operation refuses anonymous requests"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(secureAPI(tt.public))
			defer srv.Close()
			jsonPath := filepath.Join(t.TempDir(), "r.json")
			args := []string{"scan", srv.URL, "--config", "", "--rate", "0", "--wait", "0s", "--auth", tt.auth, "-o", "json=" + jsonPath, "--fail-under", "0", "--fail-on", "none"}
			if tt.peer != "" {
				args = append(args, "--peer-auth", tt.peer)
			}
			code, stdout, stderr := run(t, args...)
			if tt.line != "" && code != tt.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr)
			}
			if strings.Contains(stderr, "garbage-0123456789") || strings.Contains(stderr, exitJWT("alice", time.Now().Add(-time.Hour))[:40]) {
				t.Errorf("stderr shows a credential:\n%s", stderr)
			}
			if tt.line != "" {
				lines := strings.Split(strings.TrimSpace(stderr), "\n")
				last := lines[len(lines)-1]
				if !strings.HasPrefix(last, tt.line) {
					t.Errorf("last stderr line\n%s\nwant it to start with\n%s", last, tt.line)
				}
				if strings.Contains(stdout, "/100") {
					t.Errorf("a score headline for a scan that could not run:\n%s", stdout)
				}
				if _, err := os.Stat(jsonPath); err == nil {
					t.Errorf("a report was written for a scan that could not run")
				}
				return
			}
			if code != ExitPassed && code != ExitGateFailed {
				t.Fatalf("exit %d, want the scan to run; stderr:\n%s", code, stderr)
			}
			r := readReport(t, jsonPath)
			for _, why := range r.Gate.Reasons {
				// Other gate reasons (a rule the peer asked for that
				// found nothing to ask for) are not this test's.
				if strings.Contains(why, "identity") {
					t.Errorf("gate reason about an identity: %q", why)
				}
			}
			if r.Coverage == nil {
				t.Fatal("no coverage in the report")
			}
			for _, c := range r.Coverage.Identities {
				switch c.Name {
				case "primary":
					if c.Verified != tt.verified || !strings.Contains(c.How, tt.how) {
						t.Errorf("primary coverage %+v, want verified %v with %q", c, tt.verified, tt.how)
					}
				case "peer":
					if tt.checkPeerHows && (c.Verified != tt.peerVerified || !strings.Contains(c.How, tt.how)) {
						t.Errorf("peer coverage %+v, want verified %v with %q", c, tt.peerVerified, tt.how)
					}
				}
			}
		})
	}
}

// TestEveryOperationTimingOutIsExit3: the description answers at once but
// every operation times out. Nothing of the API was tested, so the scan
// could not run: exit 3 with one line, and no score headline (it used to
// be exit 1 under a "97/100 (A)").
func TestEveryOperationTimingOutIsExit3(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /openapi.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, exitSpec)
	})
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	mux.HandleFunc("/", http.NotFound)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	jsonPath := filepath.Join(t.TempDir(), "r.json")
	code, stdout, stderr := run(t, "scan", srv.URL, "--config", "", "--rate", "0", "--wait", "0s", "--timeout", "100ms",
		"--auth", "Authorization: Bearer "+exitJWT("alice", time.Now().Add(time.Hour)), "-o", "json="+jsonPath, "-o", "text=-")
	if code != ExitScanFailed {
		t.Fatalf("exit %d, want %d; stdout:\n%s\nstderr:\n%s", code, ExitScanFailed, stdout, stderr)
	}
	if !strings.Contains(stderr, "none of the 3 operations got a usable answer") {
		t.Errorf("stderr does not say that no operation answered:\n%s", stderr)
	}
	if strings.Contains(stdout, "/100") {
		t.Errorf("a score headline for a scan that tested nothing:\n%s", stdout)
	}
	if _, err := os.Stat(jsonPath); err == nil {
		t.Errorf("a report was written for a scan that could not run")
	}
}

// TestMissingSpecFileBeforeWait: a missing or broken local --openapi file
// is exit 2 at once, before waiting for a target that does not answer. The
// context's deadline makes a scan that waits fail (exit 3, the target
// unreachable) instead of hanging for --wait's ten minutes.
func TestMissingSpecFileBeforeWait(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler())
	target := dead.URL
	dead.Close() // nothing listens there now
	dir := t.TempDir()
	broken := filepath.Join(dir, "broken.yaml")
	if err := os.WriteFile(broken, []byte("openapi: 3.0.3\npaths: [unclosed\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty.json")
	if err := os.WriteFile(empty, []byte(`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, spec, says string }{
		{"missing", filepath.Join(dir, "no-such-spec.yaml"), "no-such-spec.yaml"},
		{"broken", broken, "broken.yaml"},
		{"no operations", empty, "describes no operations"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			// Generous: a scan that waited would take ten minutes.
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			var out, errb bytes.Buffer
			code := Run(ctx, []string{"scan", target, "--config", "", "--wait", "10m", "--openapi", tt.spec}, Env{Stdout: &out, Stderr: &errb})
			if code != ExitUsage {
				t.Fatalf("exit %d, want %d at once; stderr:\n%s", code, ExitUsage, errb.String())
			}
			lines := strings.Split(strings.TrimSpace(errb.String()), "\n")
			if len(lines) != 1 || !strings.Contains(lines[0], tt.says) || strings.Contains(errb.String(), "waiting") {
				t.Errorf("stderr, want one line naming %q and no wait:\n%s", tt.says, errb.String())
			}
		})
	}
}
