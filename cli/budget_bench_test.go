package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/authgate/authgate/internal/testapi"
	"github.com/authgate/authgate/report"
)

// BenchmarkRequestsPerOperation measures what the default budget's
// per-operation allowance (config.DefaultBudgetPerOperation) must cover:
// the requests a whole scan through Run sends per operation (every
// operation rule, the whole-API rules, discovery), safe and active, on
// the synthetic API at two sizes. The marginal cost per operation, the
// difference between the two sizes, is what grows with the API; the
// fixed part (logins, calibration, discovery) is what the 20,000 floor
// covers.
//
//	go test -run '^$' -bench RequestsPerOperation -benchtime 1x ./cli/
func BenchmarkRequestsPerOperation(b *testing.B) {
	for _, mode := range []string{"safe", "active"} {
		b.Run("mode="+mode, func(b *testing.B) {
			small, large := 100, 1000
			var rs, rl int
			for b.Loop() {
				rs = scanRequests(b, small, mode)
				rl = scanRequests(b, large, mode)
			}
			b.ReportMetric(float64(rl)/float64(large), "requests/op@1000")
			b.ReportMetric(float64(rs)/float64(small), "requests/op@100")
			b.ReportMetric(float64(rl-rs)/float64(large-small), "marginal-requests/op")
		})
	}
}

// BenchmarkDemoRequestsPerOperation is the same count on the built-in
// demo, whose operations are mostly per-user objects the active writes
// create, change and delete: the costliest operations per request.
//
//	go test -run '^$' -bench DemoRequestsPerOperation -benchtime 1x ./cli/
func BenchmarkDemoRequestsPerOperation(b *testing.B) {
	for _, mode := range []string{"safe", "active"} {
		b.Run("mode="+mode, func(b *testing.B) {
			var r report.Report
			for b.Loop() {
				path := filepath.Join(b.TempDir(), "r.json")
				var stderr bytes.Buffer
				Run(context.Background(), []string{"demo", "--mode", mode, "--rate", "0", "--no-discovery", "-o", "json=" + path},
					Env{Stdout: &bytes.Buffer{}, Stderr: &stderr})
				data, err := os.ReadFile(path)
				if err != nil {
					b.Fatalf("%v; stderr:\n%s", err, stderr.String())
				}
				if err := json.Unmarshal(data, &r); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(r.Stats.Requests), "requests")
			b.ReportMetric(float64(r.Stats.Operations), "operations")
			b.ReportMetric(float64(r.Stats.Requests)/float64(r.Stats.Operations), "requests/op")
		})
	}
}

// scanRequests runs one scan of an n-operation API with two identities
// and no budget to speak of, and returns the requests it sent.
func scanRequests(b *testing.B, n int, mode string) int {
	b.Helper()
	srv := httptest.NewServer(testapi.New(n))
	defer srv.Close()
	path := filepath.Join(b.TempDir(), "r.json")
	var stderr bytes.Buffer
	code := Run(context.Background(), []string{"scan", srv.URL, "--config", "", "--rate", "0",
		"--mode", mode, "--budget", "1000000", "--fail-on", "none", "--fail-under", "0",
		"--auth", "Authorization: Bearer " + testapi.TokenA, "--peer-auth", "Authorization: Bearer " + testapi.TokenB,
		"-o", "json=" + path}, Env{Stdout: &bytes.Buffer{}, Stderr: &stderr})
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatalf("exit %d: %v; stderr:\n%s", code, err, stderr.String())
	}
	var r report.Report
	if err := json.Unmarshal(data, &r); err != nil {
		b.Fatal(err)
	}
	if r.Incomplete != "" {
		b.Fatal(fmt.Sprintf("incomplete: %s", r.Incomplete))
	}
	return r.Stats.Requests
}

// BenchmarkDefaultBudget scans a 5,000-operation API with the default
// budget and the gate switched off, as issue 13 measured it (20,000
// fixed: incomplete, exit 1). It reports the requests sent, whether the
// budget ran out (0 or 1) and the exit code, which must be 0.
//
//	go test -run '^$' -bench DefaultBudget -benchtime 1x ./cli/
func BenchmarkDefaultBudget(b *testing.B) {
	const n = 5000
	srv := httptest.NewServer(testapi.New(n))
	defer srv.Close()
	var r report.Report
	code := 0
	for b.Loop() {
		path := filepath.Join(b.TempDir(), "r.json")
		var stderr bytes.Buffer
		code = Run(context.Background(), []string{"scan", srv.URL, "--config", "", "--rate", "0",
			"--fail-on", "none", "--fail-under", "0",
			"--auth", "Authorization: Bearer " + testapi.TokenA, "--peer-auth", "Authorization: Bearer " + testapi.TokenB,
			"-o", "json=" + path}, Env{Stdout: &bytes.Buffer{}, Stderr: &stderr})
		data, err := os.ReadFile(path)
		if err != nil {
			b.Fatalf("exit %d: %v; stderr:\n%s", code, err, stderr.String())
		}
		if err := json.Unmarshal(data, &r); err != nil {
			b.Fatal(err)
		}
	}
	exhausted := 0.0
	if r.Incomplete != "" {
		exhausted = 1
	}
	b.ReportMetric(float64(r.Stats.Requests), "requests")
	b.ReportMetric(float64(r.Stats.Requests)/n, "requests/op")
	b.ReportMetric(exhausted, "incomplete")
	b.ReportMetric(float64(code), "exit-code")
	if code != ExitPassed {
		b.Errorf("exit %d, want %d; incomplete %q", code, ExitPassed, r.Incomplete)
	}
}
