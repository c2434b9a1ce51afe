package rules_test

import (
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner"
)

// coverageOf scans h and returns the result's coverage.
func coverageOf(t *testing.T, h http.Handler, o scanOpts) finding.Coverage {
	t.Helper()
	var cov finding.Coverage
	o.onResult = func(r *scanner.Result) { cov = r.Coverage }
	scan(t, h, o)
	return cov
}

func ruleCov(t *testing.T, c finding.Coverage, rule string) finding.RuleCoverage {
	t.Helper()
	for _, r := range c.Rules {
		if r.Rule == rule {
			return r
		}
	}
	t.Fatalf("rule %s missing from coverage %+v", rule, c.Rules)
	return finding.RuleCoverage{}
}

// TestCoverageSafeScan: a safe scan with two users says, for every rule of
// the catalog, what it tested or why it did not run.
func TestCoverageSafeScan(t *testing.T) {
	o := scanOpts{endpoints: []string{"GET /user?user_id=1001", "GET /orders/{orderId}"}, auth: aliceToken, peer: bobToken}
	c := coverageOf(t, testAPI(flaws{}), o)

	if got := len(c.Rules); got != len(finding.Catalog) {
		t.Errorf("coverage lists %d rules, the catalog has %d", got, len(finding.Catalog))
	}
	if c.Operations.Scanned != 2 || c.Operations.Total != 2 || c.Operations.Answered != 2 {
		t.Errorf("operations %+v, want 2 scanned, 2 total, 2 answered", c.Operations)
	}
	am := ruleCov(t, c, "authn-missing")
	if am.Status != finding.RuleRan || !slices.Contains(am.Operations, "GET /user") {
		t.Errorf("authn-missing: %+v, want ran on GET /user", am)
	}
	jwt := ruleCov(t, c, "jwt-alg-none")
	if jwt.Status != finding.RuleNotApplicable || !strings.Contains(jwt.Reason, "JWT") {
		t.Errorf("jwt-alg-none with opaque tokens: %+v, want not-applicable naming JWT", jwt)
	}
	lr := ruleCov(t, c, "login-no-rate-limit")
	if lr.Status != finding.RuleNotRun || lr.Requested || !strings.Contains(lr.Reason, "--mode active") {
		t.Errorf("login-no-rate-limit in safe mode: %+v, want not-run, not requested, naming --mode active", lr)
	}
	if m := c.Missing(); len(m) != 0 {
		t.Errorf("nothing the inputs asked for is missing here; got %+v", m)
	}
}

// TestCoverageDeterministic: the same API scanned again gives the same
// coverage, whatever order the workers finished in.
func TestCoverageDeterministic(t *testing.T) {
	o := scanOpts{endpoints: []string{"GET /orders/{orderId}", "GET /user?user_id=1001", "GET /api/me"}, auth: aliceToken, peer: bobToken}
	first := coverageOf(t, testAPI(flaws{noAuthOnUser: true}), o)
	for range 3 {
		if again := coverageOf(t, testAPI(flaws{noAuthOnUser: true}), o); !reflect.DeepEqual(first.Rules, again.Rules) {
			t.Fatalf("coverage differs between runs:\n%+v\n%+v", first.Rules, again.Rules)
		}
	}
	if am := ruleCov(t, first, "authn-missing"); len(am.Operations) != 3 {
		t.Errorf("authn-missing tested %q, want all three operations", am.Operations)
	}
}

// TestCoverageRequestedButNotRun: a peer asks for cross-user BOLA; an API
// where the scan finds no object of the primary cannot test it, and that
// is a missing check, not a clean one. Active mode without a throw-away
// identity cannot run the login rules: missing too.
func TestCoverageRequestedButNotRun(t *testing.T) {
	t.Run("peer, no owner known", func(t *testing.T) {
		mux := http.NewServeMux()
		mux.HandleFunc("GET /api/status", func(w http.ResponseWriter, r *http.Request) {
			if caller(r) == "" {
				unauthorized(w)
				return
			}
			writeJSON(w, 200, map[string]any{"status": "ok", "version": "1.4.2"})
		})
		mux.HandleFunc("GET /api/docs/{docId}", func(w http.ResponseWriter, r *http.Request) {
			if caller(r) == "" {
				unauthorized(w)
				return
			}
			writeJSON(w, 200, map[string]any{"id": r.PathValue("docId"), "title": "Quarterly plan"})
		})
		spec := `openapi: 3.0.3
info: {title: docs, version: "1"}
components:
  securitySchemes:
    bearerAuth: {type: http, scheme: bearer}
security:
  - bearerAuth: []
paths:
  /api/status:
    get:
      responses: {"200": {description: ok}}
  /api/docs/{docId}:
    get:
      parameters:
        - {name: docId, in: path, required: true, schema: {type: string}}
      responses: {"200": {description: ok}}
`
		c := coverageOf(t, mux, scanOpts{spec: spec, auth: aliceToken, peer: bobToken})
		bola := ruleCov(t, c, "bola-cross-user-read")
		if bola.Status != finding.RuleNotRun || !bola.Requested || !strings.Contains(bola.Reason, "owns:") {
			t.Errorf("bola-cross-user-read: %+v, want requested, not-run, pointing at owns:", bola)
		}
		if m := c.Missing(); len(m) != 1 || m[0].Rule != "bola-cross-user-read" {
			t.Errorf("missing %+v, want only bola-cross-user-read", m)
		}
	})
	// Every operation serves the caller's own data: there is no object
	// to ask for as another user, which is nothing missing.
	t.Run("peer, nothing selects an object", func(t *testing.T) {
		mux := http.NewServeMux()
		mux.HandleFunc("GET /api/status", func(w http.ResponseWriter, r *http.Request) {
			if caller(r) == "" {
				unauthorized(w)
				return
			}
			writeJSON(w, 200, map[string]any{"status": "ok", "version": "1.4.2"})
		})
		c := coverageOf(t, mux, scanOpts{endpoints: []string{"GET /api/status"}, auth: aliceToken, peer: bobToken})
		if bola := ruleCov(t, c, "bola-cross-user-read"); bola.Status != finding.RuleNotApplicable {
			t.Errorf("bola-cross-user-read: %+v, want not-applicable", bola)
		}
		if m := c.Missing(); len(m) != 0 {
			t.Errorf("missing %+v, want none", m)
		}
	})
	t.Run("no peer", func(t *testing.T) {
		c := coverageOf(t, testAPI(flaws{}), scanOpts{endpoints: []string{"GET /user?user_id=1001"}, auth: aliceToken})
		bola := ruleCov(t, c, "bola-cross-user-read")
		if bola.Status != finding.RuleNotRun || bola.Requested || !strings.Contains(bola.Reason, "--peer-auth") {
			t.Errorf("bola-cross-user-read without a peer: %+v, want not-run, not requested, naming --peer-auth", bola)
		}
	})
	t.Run("active mode without a throw-away", func(t *testing.T) {
		c := coverageOf(t, testAPI(flaws{}), scanOpts{endpoints: []string{"GET /user?user_id=1001"}, auth: aliceToken, mode: finding.ModeActive})
		lr := ruleCov(t, c, "login-no-rate-limit")
		if lr.Status != finding.RuleNotRun || !lr.Requested || !strings.Contains(lr.Reason, "throw-away") {
			t.Errorf("login-no-rate-limit: %+v, want requested, not-run, naming the throw-away", lr)
		}
		if !slices.ContainsFunc(c.Missing(), func(r finding.RuleCoverage) bool { return r.Rule == "login-no-rate-limit" }) {
			t.Errorf("missing %+v lacks login-no-rate-limit", c.Missing())
		}
	})
}
