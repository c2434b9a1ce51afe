package scanner_test

import (
	"bytes"
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/authgate/authgate/cli"
	"github.com/authgate/authgate/internal/testapi"
)

// rateBenchOperations is the API size issue 13's goal names: a
// 1,000-operation scan of a fast loopback API with default flags within
// 2× of the same scan unlimited.
const rateBenchOperations = 1000

// BenchmarkDefaultRate runs `authgate scan` in-process with default flags
// (the adaptive rate under its default ceiling) and the same scan with
// --rate 0 (unlimited), against one zero-latency loopback API, and
// reports both wall times and their ratio (goal: at most 2).
//
//	go test -run '^$' -bench DefaultRate -benchtime 3x ./scanner/
func BenchmarkDefaultRate(b *testing.B) {
	srv := httptest.NewServer(testapi.New(rateBenchOperations))
	defer srv.Close()
	var unlimited, adaptive time.Duration
	for b.Loop() {
		unlimited += timeScan(b, srv.URL, "--rate", "0")
		adaptive += timeScan(b, srv.URL)
	}
	b.ReportMetric(unlimited.Seconds()/float64(b.N), "unlimited-s")
	b.ReportMetric(adaptive.Seconds()/float64(b.N), "default-s")
	b.ReportMetric(adaptive.Seconds()/unlimited.Seconds(), "ratio")
}

// timeScan runs one scan of target as the test API's two users with
// flags and returns how long it took.
func timeScan(b *testing.B, target string, flags ...string) time.Duration {
	b.Helper()
	args := append([]string{"scan", target, "--config", "", "--format", "json",
		"--auth", "Authorization: Bearer " + testapi.TokenA, "--peer-auth", "Authorization: Bearer " + testapi.TokenB}, flags...)
	var stdout, stderr bytes.Buffer
	start := time.Now()
	code := cli.Run(context.Background(), args, cli.Env{Stdout: &stdout, Stderr: &stderr})
	took := time.Since(start)
	if code != cli.ExitPassed {
		b.Fatalf("authgate scan %v exited %d\nstderr:\n%s", flags, code, stderr.String())
	}
	return took
}
