package rules_test

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/authgate/authgate/finding"
)

// TestJWTAlgConfusionStateChangingKeyURL: a same-origin jwks_uri whose
// name says it changes state (/admin/keys/rotate) is not fetched, even
// though it serves the very key that would make a finding; the coverage
// names it and why. The search goes on: the same key served at a
// harmless path is found and confirmed.
func TestJWTAlgConfusionStateChangingKeyURL(t *testing.T) {
	der, _ := x509.MarshalPKIXPublicKey(&confusionRSAKey().PublicKey)
	secret := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	jwks, _ := json.Marshal(confusionAPI{}.jwksBody())
	doc, _ := json.Marshal(map[string]any{"jwks_uri": "/admin/keys/rotate"})
	for _, alsoServed := range []bool{false, true} {
		name := map[bool]string{false: "only at the rotate URL", true: "also at /jwks.json"}[alsoServed]
		t.Run(name, func(t *testing.T) {
			api := keyFileAPI{secret: secret, vulnerable: true, served: map[string][]byte{
				"/.well-known/openid-configuration": doc,
				"/admin/keys/rotate":                jwks,
			}}
			if alsoServed {
				api.served["/jwks.json"] = jwks
			}
			var mu sync.Mutex
			hits := map[string]int{}
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				hits[r.URL.Path]++
				mu.Unlock()
				api.handler().ServeHTTP(w, r)
			})
			fs, cov := keyScan(t, h, confusionSpec, nil)
			mu.Lock()
			defer mu.Unlock()
			if hits["/.well-known/openid-configuration"] == 0 {
				t.Fatal("the discovery document was not read; the test does not test")
			}
			if n := hits["/admin/keys/rotate"]; n != 0 {
				t.Errorf("GET /admin/keys/rotate sent %d times", n)
			}
			const note = "a name that says it changes state ('rotate'), not fetched at /admin/keys/rotate"
			if !strings.Contains(cov.Reason, note) {
				t.Errorf("coverage %q does not say %q", cov.Reason, note)
			}
			if got := hasRule(fs, "jwt-alg-confusion"); got != alsoServed {
				t.Errorf("jwt-alg-confusion reported %v, want %v:%s", got, alsoServed, list(fs))
			}
			if !alsoServed && cov.Status != finding.RuleNotRun {
				t.Errorf("status %s with no key fetched, want not run", cov.Status)
			}
		})
	}
}
