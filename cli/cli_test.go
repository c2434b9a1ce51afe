package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authgate/authgate/demo"
	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/report"
)

// run runs one command line and returns the exit code, stdout and stderr.
func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(context.Background(), args, Env{Stdout: &out, Stderr: &errb})
	return code, out.String(), errb.String()
}

func readReport(t *testing.T, path string) *report.Report {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r report.Report
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return &r
}

func ruleSet(r *report.Report) map[string]bool {
	m := map[string]bool{}
	for _, f := range r.Findings {
		m[f.Rule] = true
	}
	return m
}

// freePort returns a loopback address nothing listens on.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestDemoFailsTheGate(t *testing.T) {
	dir := t.TempDir()
	jsonPath := filepath.Join(dir, "r.json")
	mdPath := filepath.Join(dir, "r.md")
	code, stdout, stderr := run(t, "demo", "-o", "json="+jsonPath, "-o", mdPath, "--format", "text")
	if code != ExitGateFailed {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, ExitGateFailed, stderr)
	}
	r := readReport(t, jsonPath)
	got := ruleSet(r)
	for _, want := range []string{"authn-missing", "bola-cross-user-read", "bola-id-enumeration", "verbose-error-disclosure"} {
		if !got[want] {
			t.Errorf("demo report lacks %s; has %v", want, got)
		}
	}
	if r.Gate.Passed || r.Grade != "F" || r.Schema != report.Schema || r.Stats.Operations == 0 {
		t.Errorf("report header: passed=%v grade=%s schema=%s ops=%d", r.Gate.Passed, r.Grade, r.Schema, r.Stats.Operations)
	}
	// Credentials appear nowhere: not in the text, the JSON, the Markdown
	// or the progress lines.
	md, _ := os.ReadFile(mdPath)
	js, _ := os.ReadFile(jsonPath)
	for name, text := range map[string]string{"stdout": stdout, "stderr": stderr, "markdown": string(md), "json": string(js)} {
		for _, secret := range []string{demo.AliceToken, demo.BobToken} {
			if strings.Contains(text, secret) {
				t.Errorf("%s contains a credential", name)
			}
		}
	}
	if !strings.Contains(stdout, "authn-missing") {
		t.Errorf("the text report on stdout does not show the findings")
	}
}

func TestDemoSecurePasses(t *testing.T) {
	jsonPath := filepath.Join(t.TempDir(), "r.json")
	code, _, stderr := run(t, "demo", "--secure", "-o", jsonPath)
	if code != ExitPassed {
		t.Fatalf("exit %d, want 0; stderr:\n%s", code, stderr)
	}
	for _, f := range readReport(t, jsonPath).Findings {
		if f.Severity >= finding.SeverityMedium {
			t.Errorf("false positive on the secure demo: %s %s %s", f.Rule, f.Method, f.Path)
		}
	}
}

func TestBaselineMarksFindingsExisting(t *testing.T) {
	dir := t.TempDir()
	first := filepath.Join(dir, "base.json")
	if code, _, stderr := run(t, "demo", "-o", first); code != ExitGateFailed {
		t.Fatalf("first run exit %d: %s", code, stderr)
	}
	second := filepath.Join(dir, "head.json")
	// The demo serves on a new port each run: fingerprints must still match.
	code, _, stderr := run(t, "demo", "-o", second, "--baseline", first, "--fail-under", "0")
	if code != ExitPassed {
		t.Fatalf("second run exit %d, want 0 (no new findings, no score threshold): %s", code, stderr)
	}
	r := readReport(t, second)
	if r.Baseline == nil || r.Baseline.New != 0 || r.Baseline.Unchanged != len(r.Findings) || len(r.Findings) == 0 {
		t.Fatalf("baseline = %+v with %d findings; want every finding unchanged", r.Baseline, len(r.Findings))
	}
	for _, f := range r.Findings {
		if f.Status != finding.StatusExisting {
			t.Errorf("%s: status %q, want existing", f.Rule, f.Status)
		}
	}
	code, stdout, _ := run(t, "diff", first, second)
	if code != ExitPassed || !strings.Contains(stdout, "new: 0") {
		t.Errorf("diff exit %d:\n%s", code, stdout)
	}
}

func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	badSpec := filepath.Join(dir, "bad.yaml")
	os.WriteFile(badSpec, []byte("openapi: [unclosed\n"), 0o600)
	badConfig := filepath.Join(dir, "bad.yml")
	os.WriteFile(badConfig, []byte("rat: 5\n"), 0o600)
	empty := httptest.NewServer(http.NotFoundHandler())
	defer empty.Close()
	down := "http://" + freePort(t)

	tests := []struct {
		name    string
		args    []string
		code    int
		message string // a part of the one-line error
	}{
		{"no command", nil, ExitUsage, ""},
		{"unknown command", []string{"frobnicate"}, ExitUsage, "unknown command"},
		{"unknown flag", []string{"scan", empty.URL, "--frobnicate"}, ExitUsage, "frobnicate"},
		{"missing target", []string{"scan"}, ExitUsage, "target"},
		{"malformed spec names the file", []string{"scan", empty.URL, "--openapi", badSpec, "--wait", "0s"}, ExitUsage, "bad.yaml"},
		{"missing spec file", []string{"scan", empty.URL, "--openapi", filepath.Join(dir, "nope.yaml"), "--wait", "0s"}, ExitUsage, "nope.yaml"},
		{"invalid config names the file", []string{"scan", empty.URL, "--config", badConfig}, ExitUsage, "bad.yml"},
		{"unreadable baseline", []string{"scan", empty.URL, "--baseline", filepath.Join(dir, "none.json"), "--endpoint", "GET /x"}, ExitUsage, "none.json"},
		{"unwritable output", []string{"scan", empty.URL, "-o", "json=" + filepath.Join(dir, "no", "such", "dir.json")}, ExitUsage, "dir.json"},
		{"unreachable target", []string{"scan", down, "--endpoint", "GET /user", "--wait", "300ms"}, ExitScanFailed, "unreachable"},
		{"nothing to scan", []string{"scan", empty.URL, "--wait", "0s"}, ExitUsage, "no OpenAPI document"},
		{"version", []string{"version"}, ExitPassed, ""},
		{"diff needs two reports", []string{"diff", "a.json"}, ExitUsage, "two reports"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := run(t, tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr)
			}
			if tt.message != "" && !strings.Contains(stderr, tt.message) {
				t.Fatalf("stderr does not mention %q:\n%s", tt.message, stderr)
			}
			if strings.Contains(stderr, "panic") || strings.Contains(stderr, "goroutine ") {
				t.Fatalf("panic:\n%s", stderr)
			}
		})
	}
}

// TestScanOneEndpointURL scans the motivating case by URL alone: no
// description, no credentials.
func TestScanOneEndpointURL(t *testing.T) {
	srv := httptest.NewServer(demo.Vulnerable())
	defer srv.Close()
	jsonPath := filepath.Join(t.TempDir(), "r.json")
	code, _, stderr := run(t, "scan", srv.URL+"/user?user_id=1", "-o", jsonPath, "--rate", "0")
	if code != ExitGateFailed {
		t.Fatalf("exit %d, want 1: %s", code, stderr)
	}
	got := ruleSet(readReport(t, jsonPath))
	for _, want := range []string{"authn-missing", "bola-id-enumeration", "verbose-error-disclosure"} {
		if !got[want] {
			t.Errorf("lacks %s; has %v", want, got)
		}
	}
}
