package cli

// Regression tests for the CLI's problems found in review: gateway errors
// and spent budgets passing the gate, a secret in TARGET's query leaking,
// and `authgate demo` reading the project's .authgate.yml. Each test names
// the problem it guards against.

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/authgate/authgate/demo"
)

// TestRegressGatewayErrorsExit3 guards against a target whose proxy
// answers 502/503/504 to everything passing the gate: no operation was
// really scanned, so the scan could not run (exit 3).
func TestRegressGatewayErrorsExit3(t *testing.T) {
	gateway := func(status int, rootUp bool) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if rootUp && r.URL.Path == "/" {
				w.Write([]byte("ok"))
				return
			}
			w.WriteHeader(status)
			w.Write([]byte(http.StatusText(status)))
		})
	}
	tests := []struct {
		name string
		api  http.Handler
	}{
		{"502 to everything", gateway(http.StatusBadGateway, false)},
		{"503 to everything", gateway(http.StatusServiceUnavailable, false)},
		{"504 to everything", gateway(http.StatusGatewayTimeout, false)},
		{"root answers, every operation 502", gateway(http.StatusBadGateway, true)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.api)
			defer srv.Close()
			code, _, stderr := run(t, "scan", srv.URL, "--config", "", "--endpoint", "GET /user?user_id=1",
				"--wait", "0s", "--rate", "0", "--format", "json")
			if code != ExitScanFailed {
				t.Errorf("exit %d, want %d (the scan could not run); stderr:\n%s", code, ExitScanFailed, stderr)
			}
		})
	}
}

// TestRegressBudgetExhaustedFailsGate guards against a scan stopped by
// --budget passing the gate: what it did not check could hold anything,
// so the gate fails (exit 1) and says the scan is incomplete.
func TestRegressBudgetExhaustedFailsGate(t *testing.T) {
	specPath := filepath.Join(t.TempDir(), "openapi.json")
	if err := os.WriteFile(specPath, demo.OpenAPI(), 0o600); err != nil {
		t.Fatal(err)
	}
	creds := []string{"--auth", demo.Identities()[0].AuthHeader(), "--peer-auth", demo.Identities()[1].AuthHeader()}
	tests := []struct {
		name       string
		api        http.Handler
		args       []string
		code       int
		incomplete bool // the gate must give the incomplete scan as a reason
	}{
		{"vulnerable demo, spec discovered, budget 12", demo.Vulnerable(), []string{"--budget", "12"}, ExitGateFailed, true},
		{"vulnerable demo, --openapi, budget 2", demo.Vulnerable(), []string{"--openapi", specPath, "--budget", "2"}, ExitGateFailed, true},
		{"vulnerable demo, --openapi, budget 4", demo.Vulnerable(), []string{"--openapi", specPath, "--budget", "4"}, ExitGateFailed, true},
		{"vulnerable demo, --openapi, budget 8", demo.Vulnerable(), []string{"--openapi", specPath, "--budget", "8"}, ExitGateFailed, true},
		// The secure demo passes when scanned to the end: only the
		// budget can fail its gate.
		{"secure demo, budget 10", demo.Secure(), append([]string{"--budget", "10"}, creds...), ExitGateFailed, true},
		{"secure demo, ample budget", demo.Secure(), creds, ExitPassed, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.api)
			defer srv.Close()
			jsonPath := filepath.Join(t.TempDir(), "r.json")
			args := append([]string{"scan", srv.URL, "--config", "", "--rate", "0", "-o", "json=" + jsonPath}, tt.args...)
			code, _, stderr := run(t, args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr)
			}
			r := readReport(t, jsonPath)
			says := false
			for _, reason := range r.Gate.Reasons {
				says = says || strings.Contains(reason, "incomplete")
			}
			if says != tt.incomplete || r.Gate.Passed == tt.incomplete {
				t.Errorf("gate passed=%v reasons=%q; want an incomplete-scan reason: %v", r.Gate.Passed, r.Gate.Reasons, tt.incomplete)
			}
		})
	}
}

// TestRegressTargetQuerySecret guards against a credential in TARGET's
// query (?api_key=...) being printed in the reports, on stdout or stderr,
// and against it being sent on requests meant to be anonymous.
func TestRegressTargetQuerySecret(t *testing.T) {
	const secret = "SUPERSECRETKEY1"
	tests := []struct {
		name string
		args []string
	}{
		{"no identities", nil},
		{"with identities", []string{"--auth", demo.Identities()[0].AuthHeader(), "--peer-auth", demo.Identities()[1].AuthHeader()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			var anonymous, total int
			var leaked []string
			api := demo.Vulnerable()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				total++
				if r.Header.Get("Authorization") == "" {
					anonymous++
					if strings.Contains(r.URL.RawQuery, secret) || strings.Contains(r.URL.RawQuery, url.QueryEscape(secret)) {
						leaked = append(leaked, r.Method+" "+r.URL.Path)
					}
				}
				mu.Unlock()
				api.ServeHTTP(w, r)
			}))
			defer srv.Close()
			dir := t.TempDir()
			jsonPath, mdPath := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.md")
			args := append([]string{"scan", srv.URL + "/user?user_id=1&api_key=" + secret, "--config", "", "--rate", "0",
				"--format", "text", "-o", "json=" + jsonPath, "-o", mdPath}, tt.args...)
			code, stdout, stderr := run(t, args...)
			if code != ExitPassed && code != ExitGateFailed {
				t.Fatalf("exit %d: the scan did not run; stderr:\n%s", code, stderr)
			}
			js, _ := os.ReadFile(jsonPath)
			md, _ := os.ReadFile(mdPath)
			for name, text := range map[string]string{"stdout": stdout, "stderr": stderr, "json": string(js), "markdown": string(md)} {
				if n := strings.Count(text, secret); n > 0 {
					t.Errorf("%s shows the api_key from TARGET %d times", name, n)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if anonymous == 0 {
				t.Fatalf("no anonymous request among %d: the test checks nothing", total)
			}
			if len(leaked) > 0 {
				t.Errorf("%d of %d anonymous requests carried the api_key, e.g. %v", len(leaked), anonymous, leaked[:min(len(leaked), 3)])
			}
		})
	}
}

// TestRegressDemoIgnoresRepoConfig guards against `authgate demo` reading
// the .authgate.yml of the project it is run in (its spec, its target,
// its threshold are not the demo's); --config still names a file on
// purpose.
func TestRegressDemoIgnoresRepoConfig(t *testing.T) {
	tests := []struct {
		name   string
		config string
		args   []string
		code   int
	}{
		{"config naming a missing spec and a threshold of 100", "openapi: api/openapi.yaml\nfailUnder: 100\n", nil, ExitGateFailed},
		{"invalid config", "rat: 5\n", nil, ExitGateFailed},
		{"config failing nothing", "failUnder: 0\nfailOn: none\n", nil, ExitGateFailed},
		{"--config names the bad file", "openapi: api/openapi.yaml\n", []string{"--config", ".authgate.yml"}, ExitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, ".authgate.yml"), []byte(tt.config), 0o600); err != nil {
				t.Fatal(err)
			}
			t.Chdir(dir)
			code, _, stderr := run(t, append([]string{"demo", "--rate", "0"}, tt.args...)...)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr)
			}
		})
	}
}
