package scanner

// Regression tests for engine problems found in review: credentials sent to
// a spec host on another origin, secrets left in evidence, and the curl
// reproduction of HEAD requests. The rules' regressions are in
// scanner/rules/regress_test.go, the CLI's in cli/regress_test.go.

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authgate/authgate/finding"
)

// Credentials of the engine regression tests' identities.
const (
	regressAliceToken = "tok-alice-0123456789"
	regressBobToken   = "tok-bob-9876543210"
)

// evidenceRule reports every operation with the primary identity's (or
// the anonymous) answer as evidence, so that the tests see exactly what
// the engine does to an exchange, whatever the real rules decide.
type evidenceRule struct{}

var _ Rule = evidenceRule{}

// evidenceRuleID borrows a safe rule's catalog entry: NewFinding needs one.
const evidenceRuleID = "verbose-error-disclosure"

func (evidenceRule) Info() finding.RuleInfo {
	ri, _ := finding.Lookup(evidenceRuleID)
	return ri
}

func (evidenceRule) Check(ctx context.Context, t *Target) []finding.Finding {
	r := t.Send(ctx, t.Main(), t.Values())
	if r.Err != nil {
		return nil
	}
	return []finding.Finding{t.NewFinding(evidenceRuleID, finding.ConfidenceHigh, "regression probe", r)}
}

// regressScan scans h at TARGET srv.URL+path with the given --endpoint
// values, as alice when withAuth, with the evidence rule only.
func regressScan(t *testing.T, h http.Handler, path string, endpoints []string, withAuth bool) *Result {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	opts := Options{
		Target:    srv.URL + path,
		Endpoints: endpoints,
		Mode:      finding.ModeSafe,
		Client:    ClientOptions{Concurrency: 2, Timeout: 5 * time.Second},
		Wait:      time.Second,
		Rules:     []Rule{evidenceRule{}},
	}
	if withAuth {
		opts.Primary = NewIdentity("primary", []Header{{Name: "Authorization", Value: "Bearer " + regressAliceToken}})
	}
	res, err := Scan(context.Background(), opts)
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	return res
}

// findingsJSON is everything a report could show of the findings.
func findingsJSON(t *testing.T, fs []finding.Finding) string {
	t.Helper()
	b, err := json.Marshal(fs)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestRegressSpecURLOnAnotherOriginGetsNoCredentials guards against
// --openapi URL on another origin (here another loopback port) receiving
// the primary identity's credentials: credentials never leave the
// target's origin.
func TestRegressSpecURLOnAnotherOriginGetsNoCredentials(t *testing.T) {
	const cookieSecret = "sess-cookie-SECRET-42"
	const keySecret = "key-header-SECRET-42"
	tests := []struct {
		name    string
		headers []Header
	}{
		{"bearer token", []Header{{Name: "Authorization", Value: "Bearer " + regressAliceToken}}},
		{"session cookie", []Header{{Name: "Cookie", Value: "session=" + cookieSecret}}},
		{"api key header", []Header{{Name: "X-Api-Key", Value: keySecret}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			var got []http.Header
			specSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				got = append(got, r.Header.Clone())
				mu.Unlock()
				w.Header().Set("Content-Type", "application/json")
				w.Write([]byte(`{"openapi":"3.0.3","info":{"title":"x","version":"1"},"paths":{"/a":{"get":{"responses":{"200":{"description":"ok"}}}}}}`))
			}))
			defer specSrv.Close()
			api := httptest.NewServer(http.NotFoundHandler())
			defer api.Close()

			opts := Options{
				Target:  api.URL,
				OpenAPI: specSrv.URL + "/openapi.json",
				Mode:    finding.ModeSafe,
				Client:  ClientOptions{Concurrency: 2, Timeout: 5 * time.Second},
				Wait:    time.Second,
				Primary: NewIdentity("primary", tt.headers),
				Peer:    NewIdentity("peer", []Header{{Name: "Authorization", Value: "Bearer " + regressBobToken}}),
			}
			if _, err := Scan(context.Background(), opts); err != nil {
				t.Logf("scan: %v", err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(got) == 0 {
				t.Fatal("the spec server was never asked for the document")
			}
			for _, h := range got {
				for _, name := range credentialHeaders {
					if v := h.Get(name); v != "" {
						t.Errorf("spec host on another origin received %s: %q", name, v)
					}
				}
				for name, vs := range h {
					for _, v := range vs {
						for _, secret := range []string{regressAliceToken, regressBobToken, cookieSecret, keySecret} {
							if strings.Contains(v, secret) {
								t.Errorf("spec host on another origin received a credential in %s", name)
							}
						}
					}
				}
			}
		})
	}
}

// TestRegressEvidenceRedaction guards the evidence of findings: every
// Set-Cookie value is hidden, not only the first one, and a credential
// that straddles the evidence body cut (maxEvidenceBody) leaves no prefix
// behind.
func TestRegressEvidenceRedaction(t *testing.T) {
	const (
		firstCookie  = "csrf-VALUE-0000000001"
		secondCookie = "sess-SECRET-abcdef0123456789"
	)
	// A token cut at the evidence limit would show as `"owner_token":"tok-al`.
	const head, mid = `{"id":"a-1","note":"`, `","owner_token":"`
	// bodyWithTokenAt returns a JSON body in which the primary's token
	// starts before bytes before the evidence cut.
	bodyWithTokenAt := func(before int) []byte {
		pad := maxEvidenceBody - len(head) - len(mid) - before
		return []byte(head + strings.Repeat("x", pad) + mid + regressAliceToken + `","tail":"` + strings.Repeat("y", 64) + `"}`)
	}
	tests := []struct {
		name    string
		cookies []string
		secrets []string // must appear nowhere in the findings
		before  int      // > 0: the token starts this many bytes before the cut
	}{
		{
			name:    "second Set-Cookie value",
			cookies: []string{"csrftoken=" + firstCookie + "; Path=/", "session=" + secondCookie + "; HttpOnly; Path=/"},
			secrets: []string{firstCookie, secondCookie},
		},
		{name: "token starts 1 byte before the cut", before: 1},
		{name: "token starts 10 bytes before the cut", before: 10},
		{name: "token starts 19 bytes before the cut", before: len(regressAliceToken) - 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := []byte(`{"id":"a-1"}`)
			if tt.before > 0 {
				body = bodyWithTokenAt(tt.before)
			}
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/orders/a-1" {
					http.NotFound(w, r)
					return
				}
				for _, c := range tt.cookies {
					w.Header().Add("Set-Cookie", c)
				}
				w.Header().Set("Content-Type", "application/json")
				w.Write(body)
			})
			res := regressScan(t, h, "", []string{"GET /orders/a-1"}, true)
			if len(res.Findings) == 0 {
				t.Fatal("the evidence rule reported nothing")
			}
			txt := findingsJSON(t, res.Findings)
			for _, secret := range append(tt.secrets, regressAliceToken) {
				if strings.Contains(txt, secret) {
					t.Errorf("evidence contains %q", secret)
				}
			}
			for _, f := range res.Findings {
				for _, ex := range f.Evidence.Exchanges {
					if len(tt.cookies) > 0 && !strings.Contains(ex.ResponseHeaders["Set-Cookie"], "session=") {
						t.Errorf("Set-Cookie evidence %q lost the cookie's name", ex.ResponseHeaders["Set-Cookie"])
					}
					if tt.before == 0 {
						continue
					}
					if !ex.Truncated {
						t.Errorf("a %d-byte body was not cut: the test does not exercise the cut", len(body))
					}
					if prefix := mid + regressAliceToken[:tt.before]; strings.Contains(ex.ResponseBody, prefix) {
						t.Errorf("evidence body keeps the token's first %d bytes: ...%s", tt.before, prefix)
					}
				}
			}
		})
	}
}

// TestRegressCurlForHEAD guards the reproduction of HEAD requests: curl -X
// HEAD waits for a body that never comes, curl -I does what was meant. No
// shipped rule reports HEAD evidence yet, so a test rule does.
func TestRegressCurlForHEAD(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodHead {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
	})
	res := regressScan(t, h, "", []string{"HEAD /ping"}, true)
	if len(res.Findings) == 0 {
		t.Fatal("the evidence rule reported nothing")
	}
	for _, f := range res.Findings {
		if f.Method != http.MethodHead || len(f.Reproduce) == 0 {
			t.Fatalf("finding %s %s with %d curl commands; want HEAD with one", f.Method, f.Path, len(f.Reproduce))
		}
		for _, c := range f.Reproduce {
			if strings.Contains(c, "-X HEAD") || strings.Contains(c, "-X 'HEAD'") || !strings.Contains(c, " -I ") {
				t.Errorf("curl for HEAD must use -I, not -X HEAD: %s", c)
			}
			if strings.Contains(c, regressAliceToken) {
				t.Errorf("curl command contains the credential: %s", c)
			}
		}
	}
}
