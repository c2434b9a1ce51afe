package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/authgate/authgate/cli"
	"github.com/authgate/authgate/internal/testapi"
)

// latency is what each answer of BenchmarkLatencyBound's target takes.
const latency = 10 * time.Millisecond

// latencyConcurrency is the scan's concurrency in BenchmarkLatencyBound
// (the default, passed explicitly so the bound below stays right).
const latencyConcurrency = 8

// BenchmarkLatencyBound is a whole safe scan (every rule, two identities,
// no rate limit) of the 1,000-operation API of internal/testapi whose
// every answer takes 10 ms: a latency-bound scan. Issue 13's goal is a
// wall time within 1.3× of requests × latency / concurrency, the time the
// scan's requests take if the concurrency bound is kept full (bound-x
// reports the ratio). The ownership harvest, which ran one request at a
// time before the workers, was 75% of this scan.
//
// The shards=4 case runs --shard 1/4 … 4/4 one after the other and reports
// the requests of the four together against those of one whole scan
// (shard-requests-x): what sharding costs in requests.
//
//	go test -run '^$' -bench LatencyBound -benchtime 1x -count 2 .
func BenchmarkLatencyBound(b *testing.B) {
	const n = 1000
	api := testapi.New(n)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(latency)
		api.ServeHTTP(w, r)
	}))
	b.Cleanup(srv.Close)
	b.Run("shards=1", func(b *testing.B) {
		var wall time.Duration
		var requests int
		for b.Loop() {
			start := time.Now()
			requests = latencyScan(b, srv.URL, n, "")
			wall = time.Since(start)
		}
		bound := time.Duration(requests) * latency / latencyConcurrency
		b.ReportMetric(wall.Seconds(), "wall-s")
		b.ReportMetric(float64(requests), "requests/scan")
		b.ReportMetric(bound.Seconds(), "bound-s")
		b.ReportMetric(wall.Seconds()/bound.Seconds(), "bound-x")
	})
	b.Run("shards=4", func(b *testing.B) {
		var whole, sharded int
		for b.Loop() {
			whole = latencyScan(b, srv.URL, n, "")
			sharded = 0
			for i := 1; i <= 4; i++ {
				sharded += latencyScan(b, srv.URL, 0, fmt.Sprintf("%d/4", i))
			}
		}
		b.ReportMetric(float64(whole), "requests/scan")
		b.ReportMetric(float64(sharded), "requests/4-shards")
		b.ReportMetric(float64(sharded)/float64(whole), "shard-requests-x")
	})
}

// latencyScan runs one scan of url (one shard of it when shard is set)
// and returns its request count; n > 0 also checks that the whole API was
// scanned cleanly.
func latencyScan(b *testing.B, url string, n int, shard string) int {
	out := filepath.Join(b.TempDir(), "report.json")
	args := []string{"scan", url, "--rate", "0", "--budget", "100000000", "--config", "",
		"--concurrency", fmt.Sprint(latencyConcurrency),
		"--auth", "Authorization: Bearer " + testapi.TokenA,
		"--peer-auth", "Authorization: Bearer " + testapi.TokenB,
		"-o", "json=" + out}
	if shard != "" {
		args = append(args, "--shard", shard)
	}
	env := cli.Env{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" }}
	if code := cli.Run(context.Background(), args, env); code != 0 {
		b.Fatalf("scan %s exited %d", shard, code)
	}
	if n > 0 {
		return scaleReport(b, out, n)
	}
	return shardRequests(b, out)
}

// shardRequests is the request count of a shard's report, which must have
// no errors.
func shardRequests(b *testing.B, path string) int {
	b.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	var rep struct {
		Stats struct{ Requests, Errors int }
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		b.Fatal(err)
	}
	if rep.Stats.Errors != 0 {
		b.Fatalf("a shard had %d errors", rep.Stats.Errors)
	}
	return rep.Stats.Requests
}
