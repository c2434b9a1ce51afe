package rules_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/internal/testapi"
	"github.com/authgate/authgate/scanner"
	"github.com/authgate/authgate/scanner/rules"
)

// BenchmarkSafeScan is a full safe scan (every rule, two identities,
// discovery of the description) of an in-process API with 10, 100 and
// 1,000 operations and no rate limit. Besides time and allocations it
// reports the requests sent per operation and per scan.
//
//	go test -run '^$' -bench SafeScan -benchmem ./scanner/rules/
func BenchmarkSafeScan(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("ops=%d", n), func(b *testing.B) {
			srv := httptest.NewServer(testapi.New(n))
			defer srv.Close()
			opts := scanner.Options{
				Target:  srv.URL,
				Primary: scanner.NewIdentity("primary", []scanner.Header{{Name: "Authorization", Value: "Bearer " + testapi.TokenA}}),
				Peer:    scanner.NewIdentity("peer", []scanner.Header{{Name: "Authorization", Value: "Bearer " + testapi.TokenB}}),
				Mode:    finding.ModeSafe,
				Client:  scanner.ClientOptions{Concurrency: 8, Timeout: 10 * time.Second},
				Wait:    time.Second,
				Rules:   rules.All(),
			}
			var res *scanner.Result
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				var err error
				res, err = scanner.Scan(context.Background(), opts)
				if err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			if res.Operations != n {
				b.Fatalf("scanned %d operations, want %d", res.Operations, n)
			}
			b.ReportMetric(float64(res.Requests)/float64(res.Operations), "requests/operation")
			b.ReportMetric(float64(res.Requests), "requests/scan")
		})
	}
}
