package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
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
// The shards=2 and shards=4 cases run --shard 1/N … N/N one after the
// other and report the requests of the N together against those of one
// whole scan (shard-requests-x): what sharding costs in requests. Each
// shard's ownership harvest reads only the lists its operations can use
// (scanner/harvest_shard.go), so the goal is at most 1.1×; when every
// shard read the whole API's lists, 4 shards sent 1.62×.
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
			requests, _ = latencyScan(b, srv.URL, n, "")
			wall = time.Since(start)
		}
		bound := time.Duration(requests) * latency / latencyConcurrency
		b.ReportMetric(wall.Seconds(), "wall-s")
		b.ReportMetric(float64(requests), "requests/scan")
		b.ReportMetric(bound.Seconds(), "bound-s")
		b.ReportMetric(wall.Seconds()/bound.Seconds(), "bound-x")
	})
	for _, shards := range []int{2, 4} {
		b.Run(fmt.Sprintf("shards=%d", shards), func(b *testing.B) {
			var whole, sharded int
			for b.Loop() {
				var want []string
				whole, want = latencyScan(b, srv.URL, n, "")
				sharded = 0
				merged := map[string]bool{}
				for i := 1; i <= shards; i++ {
					r, fps := latencyScan(b, srv.URL, 0, fmt.Sprintf("%d/%d", i, shards))
					sharded += r
					for _, fp := range fps {
						merged[fp] = true
					}
				}
				// The merge of the shards reports what the whole scan does.
				if got := slices.Sorted(maps.Keys(merged)); !slices.Equal(got, want) {
					b.Fatalf("the %d shards' findings %v differ from the whole scan's %v", shards, got, want)
				}
			}
			b.ReportMetric(float64(whole), "requests/scan")
			b.ReportMetric(float64(sharded), fmt.Sprintf("requests/%d-shards", shards))
			b.ReportMetric(float64(sharded)/float64(whole), "shard-requests-x")
		})
	}
}

// latencyScan runs one scan of url (one shard of it when shard is set)
// and returns its request count and its findings' fingerprints, sorted;
// n > 0 also checks that the whole API was scanned cleanly.
func latencyScan(b *testing.B, url string, n int, shard string) (int, []string) {
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
	requests, fps := shardReport(b, out)
	if n > 0 {
		requests = scaleReport(b, out, n)
	}
	return requests, fps
}

// shardReport is the request count of a shard's report, which must have
// no errors, and its findings' fingerprints, sorted.
func shardReport(b *testing.B, path string) (int, []string) {
	b.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	var rep struct {
		Stats    struct{ Requests, Errors int }
		Findings []struct{ Fingerprint string }
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		b.Fatal(err)
	}
	if rep.Stats.Errors != 0 {
		b.Fatalf("a shard had %d errors", rep.Stats.Errors)
	}
	var fps []string
	for _, f := range rep.Findings {
		fps = append(fps, f.Fingerprint)
	}
	slices.Sort(fps)
	return rep.Stats.Requests, slices.Compact(fps)
}
