package rules_test

import (
	"context"
	"fmt"
	"net/http"
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
			res := benchScan(b, testapi.New(n))
			if res.Operations != n || len(res.Findings) != 0 {
				b.Fatalf("scanned %d operations with %d findings, want %d and none", res.Operations, len(res.Findings), n)
			}
		})
	}
}

// BenchmarkSafeScanVulnerable is the same scan of an API where every
// tenth object route skips authentication, so the finding paths
// (confirmation, evidence) are measured too.
func BenchmarkSafeScanVulnerable(b *testing.B) {
	const n = 100
	res := benchScan(b, testapi.NewVulnerable(n))
	for _, p := range testapi.VulnerablePaths(n) {
		found := false
		for _, f := range res.Findings {
			found = found || (f.Rule == "authn-missing" && f.Path == p)
		}
		if !found {
			b.Fatalf("authn-missing on GET %s not found", p)
		}
	}
}

func benchScan(b *testing.B, api http.Handler) *scanner.Result {
	srv := httptest.NewServer(api)
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
	for b.Loop() {
		var err error
		res, err = scanner.Scan(context.Background(), opts)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(res.Requests)/float64(res.Operations), "requests/operation")
	b.ReportMetric(float64(res.Requests), "requests/scan")
	return res
}

// BenchmarkInvalidTokenPerOperation is the cost of per-route token
// verification (authn-invalid-token-accepted alone) on an API whose
// protected GET routes all verify tokens, and on one where every route
// accepts garbage (each positive is confirmed). It reports the garbage
// requests the target received per protected operation: a constant
// (every route gets two variants, the first few in spec order four),
// which must not grow with the API.
//
//	go test -run '^$' -bench InvalidTokenPerOperation ./scanner/rules/
func BenchmarkInvalidTokenPerOperation(b *testing.B) {
	for _, flawed := range []bool{false, true} {
		for _, n := range []int{10, 100} {
			name := fmt.Sprintf("verified/routes=%d", n)
			if flawed {
				name = fmt.Sprintf("unverified/routes=%d", n)
			}
			b.Run(name, func(b *testing.B) {
				skip := map[string]bool{}
				for i := range n {
					skip[fmt.Sprintf("/r%d", i)] = flawed
				}
				var garbage int64
				var res *scanner.Result
				for b.Loop() {
					api := &routeAPI{routes: n, skip: skip}
					res = routeScan(b, api, n, 8)
					garbage = api.garbage.Load()
				}
				if want := map[bool]int{false: 0, true: n}[flawed]; len(res.Findings) != want {
					b.Fatalf("%d findings, want %d", len(res.Findings), want)
				}
				b.ReportMetric(float64(garbage)/float64(n), "garbage-requests/protected-op")
				b.ReportMetric(float64(res.Requests)/float64(n), "requests/protected-op")
			})
		}
	}
}

// BenchmarkJWTVerificationPerOperation is the cost of per-route JWT
// verification (the JWT rules alone, HS256 tokens) on an API whose
// protected GET routes all verify tokens, and on one where every route
// accepts alg none (each positive is confirmed and checked against the
// controls). It reports the forged tokens the target received per
// protected operation: a constant (every route gets one per rule, the
// first few in spec order every variant), which must not grow with the
// API.
//
//	go test -run '^$' -bench JWTVerificationPerOperation ./scanner/rules/
func BenchmarkJWTVerificationPerOperation(b *testing.B) {
	token := mintJWT(jwtStrongKey, claimsOK())
	for _, flaw := range []jwtFlaw{jwtFixed, jwtAcceptNone} {
		for _, n := range []int{10, 100} {
			name := fmt.Sprintf("verified/routes=%d", n)
			if flaw != jwtFixed {
				name = fmt.Sprintf("alg-none/routes=%d", n)
			}
			b.Run(name, func(b *testing.B) {
				flaws := map[string]jwtFlaw{}
				for i := range n {
					flaws[fmt.Sprintf("/r%d", i)] = flaw
				}
				var api *jwtRouteAPI
				var res *scanner.Result
				for b.Loop() {
					api = &jwtRouteAPI{routes: n, real: token, flaws: flaws}
					res = jwtScanAt(b, api, routeSpec(n), token, 8)
				}
				if want := map[jwtFlaw]int{jwtFixed: 0, jwtAcceptNone: n}[flaw]; len(res.Findings) != want {
					b.Fatalf("%d findings, want %d", len(res.Findings), want)
				}
				forged := 0
				for _, c := range api.forged {
					forged += c
				}
				b.ReportMetric(float64(forged)/float64(n), "forged-requests/protected-op")
				b.ReportMetric(float64(res.Requests)/float64(n), "requests/protected-op")
			})
		}
	}
}
