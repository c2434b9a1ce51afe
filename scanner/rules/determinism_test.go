package rules_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/demo"
	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner"
	"github.com/authgate/authgate/scanner/rules"
)

// Same answer every run (issue 10): a scan's findings, fingerprints and
// evidence must not depend on which worker reached which operation first.
// Each API below is served once and scanned several times, alternately at
// concurrency 1 (operations strictly in spec order) and 8; the findings,
// warnings and verdict of every run must be byte for byte those of the
// first. Only timings and request counts may differ.

// determinismRuns is how many scans of each API are compared: enough for
// worker order to vary, few enough for a loaded 2-core machine.
const determinismRuns = 6

// scanSnapshot is the part of a result that must not change between runs.
type scanSnapshot struct {
	Findings   []finding.Finding
	Warnings   []string
	Incomplete string
	Operations int
}

func TestSameAnswerEveryRun(t *testing.T) {
	composite := newCompositeAPI(t)
	composite.skipSignature = true
	composite.noOwnerCheck = true
	tests := []struct {
		name          string
		api           http.Handler
		spec          string // "" to discover it on the target
		primary, peer string // bearer tokens
		// clean: the scan finds nothing (the same nothing every run).
		clean bool
	}{
		{name: "demo vulnerable API", api: demo.Vulnerable(), primary: demo.AliceToken, peer: demo.BobToken},
		{name: "demo secure API", api: demo.Secure(), primary: demo.AliceToken, peer: demo.BobToken, clean: true},
		{name: "composite API with flaws", api: composite.handler(), spec: compositeSpec,
			primary: composite.token(t, "1001"), peer: composite.token(t, "1002")},
		{name: "one route without token verification", api: &routeAPI{routes: 8, skip: map[string]bool{"/r3": true, "/r6": true}},
			spec: routeSpec(8), primary: aliceToken},
		// The JWT rules judge each route's verifier on its own: alg
		// none on /me/orders, the unverified signature on
		// /me/settings, nothing on /me, whichever route a worker
		// reaches first (TestJWTVerifierPerRoute checks which).
		{name: "JWT verifiers that differ by route", api: mixedJWTAPI(), spec: jwtSpec,
			primary: mintJWT(jwtStrongKey, claimsOK())},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.api)
			defer srv.Close()
			var first []byte
			for i := range determinismRuns {
				concurrency := 1
				if i%2 == 1 {
					concurrency = 8
				}
				opts := scanner.Options{
					Target:  srv.URL,
					Primary: scanner.NewIdentity("primary", []scanner.Header{{Name: "Authorization", Value: "Bearer " + tc.primary}}),
					Mode:    finding.ModeSafe,
					// The timeout is a safety net, not an assertion.
					Client: scanner.ClientOptions{Concurrency: concurrency, Timeout: 30 * time.Second, Budget: 20000},
					Wait:   30 * time.Second,
					// Fresh rules per scan: some keep per-scan state.
					Rules: rules.All(),
				}
				if tc.peer != "" {
					opts.Peer = scanner.NewIdentity("peer", []scanner.Header{{Name: "Authorization", Value: "Bearer " + tc.peer}})
				}
				if tc.spec != "" {
					spec := tc.spec
					opts.OpenAPI = "spec.yaml"
					opts.ReadFile = func(string) ([]byte, error) { return []byte(spec), nil }
				}
				res, err := scanner.Scan(context.Background(), opts)
				if err != nil {
					t.Fatalf("run %d (concurrency %d): %v", i+1, concurrency, err)
				}
				got, err := json.MarshalIndent(scanSnapshot{res.Findings, res.Warnings, res.Incomplete, res.Operations}, "", " ")
				if err != nil {
					t.Fatal(err)
				}
				if i == 0 {
					first = got
					if !tc.clean && len(res.Findings) == 0 {
						t.Fatal("no findings: nothing to compare")
					}
					continue
				}
				if string(got) != string(first) {
					t.Fatalf("run %d (concurrency %d) differs from run 1 (concurrency 1):\n%s", i+1, concurrency, firstDifference(string(first), string(got)))
				}
			}
		})
	}
}

// firstDifference shows the first line where two reports part, with some
// context, instead of two whole reports.
func firstDifference(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range max(len(la), len(lb)) {
		var x, y string
		if i < len(la) {
			x = la[i]
		}
		if i < len(lb) {
			y = lb[i]
		}
		if x != y {
			from := max(0, i-8)
			return "run 1:\n" + strings.Join(la[from:min(len(la), i+3)], "\n") + "\nthis run:\n" + strings.Join(lb[from:min(len(lb), i+3)], "\n")
		}
	}
	return "(equal)"
}

// mixedJWTAPI is jwtAPI's routes with a different verifier on each: /me
// verifies correctly, /me/orders accepts alg none, /me/settings checks no
// signature, as when routes are served by separately configured
// middleware.
func mixedJWTAPI() http.Handler {
	verifiers := map[string]jwtFlaw{"/me": jwtFixed, "/me/orders": jwtAcceptNone, "/me/settings": jwtNoVerify}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, ok := verifiers[r.URL.Path]
		if !ok {
			jwtAPI(jwtFixed).ServeHTTP(w, r)
			return
		}
		jwtAPI(f).ServeHTTP(w, r)
	})
}
