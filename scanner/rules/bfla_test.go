package rules_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner/rules"
)

// Tokens of the BFLA test API: one regular user, one administrator.
const (
	bflaUserToken  = "bfla-user-token"
	bflaAdminToken = "bfla-admin-token"
)

// bflaMode is how the BFLA test API guards its administrative routes.
type bflaMode int

const (
	bflaTokenOnly bflaMode = iota // vulnerable: any valid token will do
	bflaFixed403                  // non-admins get 403
	bflaFixed404                  // non-admins get 404, hiding the route
	bflaOpen                      // no authentication at all
)

// bflaAPI serves administrative routes (by tag, by x-admin, by path only),
// a regular route whose path contains "admin" inside a word, and an
// admin-tagged route declared public.
func bflaAPI(mode bflaMode) http.Handler {
	role := func(r *http.Request) string {
		switch r.Header.Get("Authorization") {
		case "Bearer " + bflaUserToken:
			return "user"
		case "Bearer " + bflaAdminToken:
			return "admin"
		}
		return ""
	}
	admin := func(body any) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			switch rl := role(r); {
			case mode == bflaOpen:
			case rl == "":
				unauthorized(w)
				return
			case rl != "admin" && mode == bflaFixed403:
				writeJSON(w, http.StatusForbidden, map[string]string{"error": "forbidden"})
				return
			case rl != "admin" && mode == bflaFixed404:
				notFound(w)
				return
			}
			writeJSON(w, http.StatusOK, body)
		}
	}
	user := func(body any) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if role(r) == "" {
				unauthorized(w)
				return
			}
			writeJSON(w, http.StatusOK, body)
		}
	}
	mux := http.NewServeMux()
	mux.Handle("GET /api/admin/users", admin(map[string]any{"users": []map[string]string{
		{"id": "1", "email": "alice@example.com", "role": "user"}, {"id": "2", "email": "root@example.com", "role": "admin"}}}))
	mux.Handle("GET /api/reports/export", admin(map[string]any{"revenue": 123456, "orders": 789}))
	mux.Handle("GET /api/backoffice/stats", admin(map[string]any{"signups": 42, "churn": 3}))
	mux.Handle("GET /api/badminton-courts", user(map[string]any{"courts": []string{"north", "south"}}))
	// Declared public, though the handler wants a token: the description
	// says anyone may call it, so it is not the rule's business.
	mux.Handle("GET /api/admin/ping", user(map[string]any{"pong": true, "version": "1.2.3"}))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { notFound(w) })
	return mux
}

const bflaSpec = `openapi: 3.0.3
info: {title: bfla, version: "1"}
components:
  securitySchemes:
    bearerAuth: {type: http, scheme: bearer}
security:
  - bearerAuth: []
paths:
  /api/admin/users:
    get:
      tags: [Admin]
      responses: {"200": {description: ok}}
  /api/reports/export:
    get:
      tags: [reports]
      x-admin: true
      responses: {"200": {description: ok}}
  /api/backoffice/stats:
    get:
      tags: [stats]
      responses: {"200": {description: ok}}
  /api/badminton-courts:
    get:
      tags: [sports]
      responses: {"200": {description: ok}}
  /api/admin/ping:
    get:
      tags: [admin]
      security: []
      responses: {"200": {description: ok}}
`

// bflaFindings maps the paths of the BFLA findings to their confidence.
func bflaFindings(fs []finding.Finding) map[string]finding.Confidence {
	out := map[string]finding.Confidence{}
	for _, f := range fs {
		if f.Rule == "bfla-privilege-escalation" {
			out[f.Path] = f.Confidence
		}
	}
	return out
}

func TestBFLAPrivilegeEscalation(t *testing.T) {
	vulnerable := map[string]finding.Confidence{
		"/api/admin/users":      finding.ConfidenceHigh,   // by tag
		"/api/reports/export":   finding.ConfidenceHigh,   // by x-admin
		"/api/backoffice/stats": finding.ConfidenceMedium, // by path only
	}
	tests := []struct {
		name string
		mode bflaMode
		auth string
		want map[string]finding.Confidence
	}{
		{"token only checked", bflaTokenOnly, bflaUserToken, vulnerable},
		{"fixed with 403", bflaFixed403, bflaUserToken, nil},
		{"fixed with 404", bflaFixed404, bflaUserToken, nil},
		{"anonymous succeeds too", bflaOpen, bflaUserToken, nil},
		{"no primary identity", bflaTokenOnly, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := scanRules(t, bflaAPI(tt.mode), scanOpts{spec: bflaSpec, auth: tt.auth}, rules.BFLARules())
			got := bflaFindings(fs)
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v; findings:%s", got, tt.want, list(fs))
			}
			for path, conf := range tt.want {
				if c, ok := got[path]; !ok || c != conf {
					t.Errorf("%s: got confidence %v (found %v), want %v", path, c, ok, conf)
				}
			}
		})
	}
}

// TestBFLAFindingEvidence checks what a finding says and shows: the
// primary's answer and the anonymous refusal, never the token.
func TestBFLAFindingEvidence(t *testing.T) {
	fs := scanRules(t, bflaAPI(bflaTokenOnly), scanOpts{spec: bflaSpec, auth: bflaUserToken}, rules.BFLARules())
	i := slices.IndexFunc(fs, func(f finding.Finding) bool { return f.Path == "/api/admin/users" })
	if i < 0 {
		t.Fatalf("no finding on /api/admin/users:%s", list(fs))
	}
	f := fs[i]
	if f.Method != "GET" || f.CWE != "CWE-285" || f.OWASP != "API5:2023" {
		t.Errorf("got %s %s %s", f.Method, f.CWE, f.OWASP)
	}
	if !strings.Contains(f.Evidence.Summary, "tagged Admin") || !strings.Contains(f.Evidence.Summary, "status 401") {
		t.Errorf("summary: %s", f.Evidence.Summary)
	}
	if len(f.Evidence.Exchanges) != 2 || f.Evidence.Exchanges[0].Status != 200 || f.Evidence.Exchanges[1].Identity != "anonymous" || f.Evidence.Exchanges[1].Status != 401 {
		t.Errorf("exchanges: %+v", f.Evidence.Exchanges)
	}
	for _, s := range append([]string{f.Evidence.Summary}, f.Reproduce...) {
		if strings.Contains(s, bflaUserToken) {
			t.Errorf("token leaked: %s", s)
		}
	}
}

// TestBFLACompositeCorrectAPI scans the composite correct API with the
// whole catalog plus BFLA: /api/admin/stats answers 403 to regular users,
// so nothing serious may come out. Scanning as the administrator (whom the
// rule must assume is a regular user) proves the rule ran.
func TestBFLACompositeCorrectAPI(t *testing.T) {
	api := newCompositeAPI(t)
	alice, bob, root := api.token(t, "1001"), api.token(t, "1002"), api.token(t, "1005")
	tests := []struct {
		name     string
		opts     scanOpts
		wantBFLA bool
	}{
		{"alice and bob", scanOpts{spec: compositeSpec, auth: alice, peer: bob}, false},
		{"alice only", scanOpts{spec: compositeSpec, auth: alice}, false},
		{"anonymous", scanOpts{spec: compositeSpec}, false},
		{"admin as primary", scanOpts{spec: compositeSpec, auth: root}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := scanRules(t, api.handler(), tt.opts, append(rules.All(), rules.BFLARules()...))
			if got := has(fs, "bfla-privilege-escalation", "GET", "/api/admin/stats"); got != tt.wantBFLA {
				t.Fatalf("bfla on /api/admin/stats: got %v, want %v; findings:%s", got, tt.wantBFLA, list(fs))
			}
			if tt.wantBFLA {
				return
			}
			if bad := serious(fs); len(bad) > 0 {
				t.Fatalf("false positives on a correct API:%s", list(bad))
			}
		})
	}
}
