package scanner_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/authgate/authgate/cli"
	"github.com/authgate/authgate/internal/testapi"
)

// rateFindingsOperations sizes the API of TestAdaptiveRateSameFindings:
// enough operations for a few findings, few enough that a scan at 200/s
// takes about three seconds.
const rateFindingsOperations = 80

// TestAdaptiveRateSameFindings: the adaptive rate changes when requests
// leave, never which: a scan of an API with findings under the default
// flags (adaptive, from 20/s), under a low ceiling (--rate 200, where the
// rate holds requests back for most of the scan) and unlimited (--rate 0)
// reports the same findings and sends the same number of requests.
func TestAdaptiveRateSameFindings(t *testing.T) {
	if testing.Short() {
		t.Skip("three whole scans")
	}
	srv := httptest.NewServer(testapi.NewVulnerable(rateFindingsOperations))
	defer srv.Close()
	unlimited, sent := scanFindings(t, srv.URL, "--rate", "0")
	if len(unlimited) == 0 || sent == 0 {
		t.Fatalf("the vulnerable API gave %d findings in %d requests: nothing to compare", len(unlimited), sent)
	}
	t.Logf("--rate 0: %d findings in %d requests", len(unlimited), sent)
	for _, flags := range [][]string{nil, {"--rate", "200"}} {
		got, n := scanFindings(t, srv.URL, flags...)
		if !slices.Equal(got, unlimited) {
			t.Errorf("flags %v: findings\n%v\nwant those of --rate 0:\n%v", flags, got, unlimited)
		}
		if n != sent {
			t.Errorf("flags %v: %d requests, want %d as with --rate 0", flags, n, sent)
		}
	}
}

// scanFindings scans target as the test API's two users with flags and
// returns its findings (rule, method, path, severity, confidence and
// summary each, in report order) and how many requests it sent.
func scanFindings(t *testing.T, target string, flags ...string) ([]string, int) {
	t.Helper()
	args := append([]string{"scan", target, "--config", "", "--format", "json", "--fail-on", "none", "--fail-under", "0",
		"--auth", "Authorization: Bearer " + testapi.TokenA, "--peer-auth", "Authorization: Bearer " + testapi.TokenB}, flags...)
	var stdout, stderr bytes.Buffer
	if code := cli.Run(context.Background(), args, cli.Env{Stdout: &stdout, Stderr: &stderr}); code != cli.ExitPassed {
		t.Fatalf("authgate scan %v exited %d\nstderr:\n%s", flags, code, stderr.String())
	}
	var rep struct {
		Findings []struct {
			Rule, Method, Path, Severity, Confidence, Summary string
		} `json:"findings"`
		Stats struct {
			Requests int `json:"requests"`
		} `json:"stats"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("report: %v", err)
	}
	var out []string
	for _, f := range rep.Findings {
		out = append(out, f.Rule+" "+f.Method+" "+f.Path+" "+f.Severity+" "+f.Confidence+" "+f.Summary)
	}
	return out, rep.Stats.Requests
}
