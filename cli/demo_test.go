package cli

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/authgate/authgate/config"
	"github.com/authgate/authgate/demo"
	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/report"
	"github.com/authgate/authgate/scanner"
)

// throwawayLine is what `demo --mode active` says about mallory on stderr.
const throwawayLine = "logging in as mallory (POST /api/login), the throw-away account"

// TestDemoActiveMode: `demo --mode active` adds mallory and still scans
// and gates like the safe demo; the safe demo does not log mallory in.
// Mallory's password and session tokens appear nowhere.
func TestDemoActiveMode(t *testing.T) {
	tests := []struct {
		name      string
		args      []string
		code      int
		throwaway bool
	}{
		{"vulnerable, --mode active", []string{"--mode", "active"}, ExitGateFailed, true},
		{"vulnerable, --mode=active", []string{"--mode=active"}, ExitGateFailed, true},
		{"secure, --mode active", []string{"--secure", "--mode", "active"}, ExitPassed, true},
		{"vulnerable, --mode safe", []string{"--mode", "safe"}, ExitGateFailed, false},
		{"vulnerable, no mode", nil, ExitGateFailed, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			jsonPath := filepath.Join(t.TempDir(), "r.json")
			args := append([]string{"demo", "-o", "json=" + jsonPath, "--format", "text"}, tt.args...)
			code, stdout, stderr := run(t, args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr)
			}
			if got := strings.Contains(stderr, throwawayLine); got != tt.throwaway {
				t.Errorf("stderr says mallory is the throw-away account: %v, want %v; stderr:\n%s", got, tt.throwaway, stderr)
			}
			r := readReport(t, jsonPath)
			if tt.code == ExitGateFailed {
				got := ruleSet(r)
				for _, want := range []string{"authn-missing", "bola-cross-user-read", "bola-id-enumeration", "verbose-error-disclosure"} {
					if !got[want] {
						t.Errorf("report lacks the safe finding %s; has %v", want, got)
					}
				}
			}
			js, _ := os.ReadFile(jsonPath)
			for name, text := range map[string]string{"stdout": stdout, "stderr": stderr, "json": string(js)} {
				for _, secret := range []string{demo.MalloryPassword, "demo-session-", demo.AliceToken, demo.BobToken} {
					if strings.Contains(text, secret) {
						t.Errorf("%s contains a credential (%.12s…)", name, secret)
					}
				}
			}
		})
	}
}

// TestDemoActiveFindsAccountFlaws is the active demo's contract: the
// vulnerable demo's login and logout flaws are found on the right
// operations, and the secure demo passes with none of them.
//
// It needs the active rules wired into rules.APIRules(); until then the
// vulnerable case fails for want of the three findings.
func TestDemoActiveFindsAccountFlaws(t *testing.T) {
	type want struct{ rule, method, path string }
	accountFlaws := []want{
		{"login-no-rate-limit", "POST", "/api/login"},
		{"user-enumeration", "POST", "/api/login"},
		{"session-not-invalidated-on-logout", "POST", "/api/logout"},
	}
	tests := []struct {
		name   string
		secure bool
		code   int
	}{
		{"vulnerable", false, ExitGateFailed},
		{"secure", true, ExitPassed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			jsonPath := filepath.Join(t.TempDir(), "r.json")
			args := []string{"demo", "--mode", "active", "-o", "json=" + jsonPath}
			if tt.secure {
				args = append(args, "--secure")
			}
			code, _, stderr := run(t, args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr)
			}
			r := readReport(t, jsonPath)
			for _, w := range accountFlaws {
				if got := hasFinding(r, w.rule, w.method, w.path); got == tt.secure {
					t.Errorf("%s on %s %s reported: %v, want %v; findings: %s", w.rule, w.method, w.path, got, !tt.secure, findingList(r))
				}
			}
			if !tt.secure {
				return
			}
			for _, f := range r.Findings {
				if f.Severity >= finding.SeverityMedium {
					t.Errorf("false positive on the secure demo: %s %s %s", f.Rule, f.Method, f.Path)
				}
			}
		})
	}
}

// TestDemoThrowawayLogsIn: the identity runDemo adds logs in to the demo
// API through the scan's own plumbing, on both twins.
func TestDemoThrowawayLogsIn(t *testing.T) {
	for name, api := range map[string]http.Handler{"vulnerable": demo.Vulnerable(), "secure": demo.Secure()} {
		t.Run(name, func(t *testing.T) {
			var mu sync.Mutex
			logins := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				rec := httptest.NewRecorder()
				api.ServeHTTP(rec, r)
				if r.Method == http.MethodPost && r.URL.Path == "/api/login" && rec.Code == http.StatusOK {
					mu.Lock()
					logins++
					mu.Unlock()
				}
				for k, v := range rec.Header() {
					w.Header()[k] = v
				}
				w.WriteHeader(rec.Code)
				w.Write(rec.Body.Bytes())
			}))
			defer srv.Close()

			cfg := config.Default()
			cfg.Target, cfg.Mode, cfg.Rate = srv.URL, string(finding.ModeActive), 0
			cfg.Auth = []string{"Authorization: Bearer " + demo.AliceToken}
			cfg.PeerAuth = []string{"Authorization: Bearer " + demo.BobToken}
			cfg.Identities = []config.Identity{demoThrowaway()}
			if err := cfg.Validate(); err != nil {
				t.Fatalf("the demo's config with mallory is invalid: %v", err)
			}
			ids, err := identities(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if len(ids.all) != 1 || !ids.all[0].Throwaway || ids.all[0].Login == nil || ids.primary == ids.all[0] || ids.peer == ids.all[0] {
				t.Fatalf("mallory must be a throw-away identity with a login, neither primary nor peer: %+v", ids)
			}
			if _, err := scanner.Scan(context.Background(), scanOptions(cfg, nil)); err != nil {
				t.Fatalf("scan with mallory: %v", err)
			}
			mu.Lock()
			defer mu.Unlock()
			if logins == 0 {
				t.Errorf("mallory never logged in")
			}
		})
	}
}

func hasFinding(r *report.Report, rule, method, path string) bool {
	for _, f := range r.Findings {
		if f.Rule == rule && f.Method == method && f.Path == path {
			return true
		}
	}
	return false
}

func findingList(r *report.Report) string {
	var b strings.Builder
	for _, f := range r.Findings {
		b.WriteString("\n  " + f.Rule + " " + f.Method + " " + f.Path)
	}
	return b.String()
}
