package cli

// Review of the identities and login flows as the CLI and the Action use
// them (identities.go, scan.go, action/action.go): each test states the
// expected behaviour and fails on the code as reviewed.

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authgate/authgate/action"
)

// Secrets of the review tests, read by the configs through ${VAR}.
const (
	reviewClientSecret = "Cl1ent-S3cret-From-Env-5521"
	reviewPassword     = "Review-Passw0rd-From-Env-77"
)

// reviewLoginAPI serves a login at /auth/login that answers with status
// and, for a 2xx or 3xx, a session cookie "sid"; and GET /me for that
// session.
func reviewLoginAPI(status int) http.Handler {
	const sid = "review-session-0123456789"
	mux := http.NewServeMux()
	mux.HandleFunc("POST /auth/login", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		if status >= 400 || r.PostForm.Get("password") != reviewPassword {
			http.Error(w, "refused", max(status, http.StatusUnauthorized))
			return
		}
		http.SetCookie(w, &http.Cookie{Name: "sid", Value: sid, Path: "/", HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode})
		if status >= 300 {
			w.Header().Set("Location", "/me")
		}
		w.WriteHeader(status)
	})
	mux.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) {
		if c, err := r.Cookie("sid"); err != nil || c.Value != sid {
			http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"user":"alice"}`)
	})
	return mux
}

// reviewFormConfig is a form login whose path carries a client secret
// and whose password comes from the environment.
const reviewFormConfig = `identities:
  - name: alice
    login:
      path: /auth/login?client_id=web&client_secret=${AG_RV_CLIENT_SECRET}
      format: form
      body: {username: alice, password: "${AG_RV_PASSWORD}"}
      token: cookie:sid
endpoints:
  - GET /me
`

func writeReviewConfig(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestReviewLoginErrorQuotesPathSecret: docs/config.md promises that
// nothing authgate prints repeats a credential, "including its error
// messages", and ${VAR} is allowed in a login's path; but a refused login
// is reported as "login POST <path with query> answered 401". Expected:
// exit 2 with a one-line message that names the identity and the path
// without the expanded secret.
func TestReviewLoginErrorQuotesPathSecret(t *testing.T) {
	t.Setenv("AG_RV_CLIENT_SECRET", reviewClientSecret)
	t.Setenv("AG_RV_PASSWORD", "Wrong-Passw0rd-123")
	srv := httptest.NewServer(reviewLoginAPI(http.StatusOK))
	defer srv.Close()
	cfg := writeReviewConfig(t, t.TempDir(), "authgate.yml", reviewFormConfig)
	code, stdout, stderr := run(t, "scan", srv.URL, "--config", cfg, "--wait", "1s")
	if code != ExitUsage {
		t.Fatalf("exit %d, want %d\n%s%s", code, ExitUsage, stdout, stderr)
	}
	if strings.Contains(stdout+stderr, reviewClientSecret) {
		t.Errorf("the client secret from ${AG_RV_CLIENT_SECRET} is printed: %q", stderr)
	}
}

// TestReviewLoginExitCodes: a refused login is the config's fault (2), a
// failing login server the target's (3), and a form login that answers
// 303 See Other with its session cookie (POST-redirect-GET, what most
// server-rendered logins do) is a working login. Expected: the 303 login
// scans (exit 0 or 1); today it is exit 2 "answered 303; check the
// credentials".
func TestReviewLoginExitCodes(t *testing.T) {
	t.Setenv("AG_RV_CLIENT_SECRET", reviewClientSecret)
	t.Setenv("AG_RV_PASSWORD", reviewPassword)
	tests := []struct {
		name     string
		status   int
		wantScan bool // exit 0 or 1
		want     int  // otherwise
	}{
		{"200 with cookie", http.StatusOK, true, 0},
		{"303 with cookie", http.StatusSeeOther, true, 0},
		{"login refused", http.StatusUnauthorized, false, ExitUsage},
		{"login server error", http.StatusInternalServerError, false, ExitScanFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(reviewLoginAPI(tt.status))
			defer srv.Close()
			cfg := writeReviewConfig(t, t.TempDir(), "authgate.yml", reviewFormConfig)
			code, stdout, stderr := run(t, "scan", srv.URL, "--config", cfg, "--wait", "1s")
			switch {
			case tt.wantScan && code != ExitPassed && code != ExitGateFailed:
				t.Errorf("exit %d, want a scan (0 or 1)\n%s%s", code, stdout, stderr)
			case !tt.wantScan && code != tt.want:
				t.Errorf("exit %d, want %d\n%s%s", code, tt.want, stdout, stderr)
			}
		})
	}
}

// TestReviewActionMasksLoginSecrets: the Action masks the config's
// secrets with add-mask, but only headers and top-level body fields whose
// name looks like a password. A nested password (Rails/Devise
// {user: {email, password}}) and a secret in the login path's query come
// from ${VAR} too and are printed unmasked wherever they leak. Expected:
// every value a ${VAR} expanded to (at least minMaskLen long) is masked.
func TestReviewActionMasksLoginSecrets(t *testing.T) {
	ws := t.TempDir()
	writeReviewConfig(t, ws, ".authgate.yml", `identities:
  - name: alice
    login:
      path: /users/sign_in?client_secret=${AG_RV_CLIENT_SECRET}
      body:
        user: {email: alice@example.com, password: "${AG_RV_PASSWORD}"}
      token: json:token
`)
	env := map[string]string{
		"GITHUB_WORKSPACE":    ws,
		"INPUT_TARGET":        "http://127.0.0.1:1",
		"AG_RV_CLIENT_SECRET": reviewClientSecret,
		"AG_RV_PASSWORD":      reviewPassword,
	}
	var log bytes.Buffer
	a := action.New(func(k string) string { return env[k] }, &log)
	cfg, _, err := a.Inputs(action.Event{})
	if err != nil {
		t.Fatalf("inputs: %v", err)
	}
	if len(cfg.Identities) != 1 || cfg.Identities[0].Login == nil {
		t.Fatalf("the workspace's .authgate.yml was not read: %+v", cfg.Identities)
	}
	for name, secret := range map[string]string{"login path query": reviewClientSecret, "nested password": reviewPassword} {
		if !strings.Contains(log.String(), "::add-mask::"+secret) {
			t.Errorf("the %s is not masked; log:\n%s", name, log.String())
		}
	}
}
