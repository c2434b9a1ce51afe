package rules_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner"
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

// bflaOpsToken is the token of the role API's administrator, "ops".
const bflaOpsToken = "tok-ops-admin-5555"

// opsIdentity is the scan's identity of role admin.
func opsIdentity() *scanner.Identity {
	id := scanner.NewIdentity("ops", []scanner.Header{{Name: "Authorization", Value: "Bearer " + bflaOpsToken}})
	id.Role = scanner.RoleAdmin
	return id
}

// roleFlaws selects what the role API gets wrong.
type roleFlaws struct {
	adminUsersOpen   bool   // /api/admin/users checks the token, not the role
	adminUsersNoAuth bool   // /api/admin/users needs no token at all
	auditOpenTo      string // the user id let into /api/audit besides the admin
	opsOpenTo        string // the user id let into /api/ops/queue besides the admin
	revenueAllTeams  bool   // /api/admin/revenue gives users every team's rows, not their team's
	activityOpen     bool   // /api/admin/activity checks the token, not the role
}

// roleAPI is a team-scoped API with two regular users (alice, team red;
// bob, team blue) and an administrator.
func roleAPI(f roleFlaws) http.Handler {
	team := map[string]string{"1001": "red", "1002": "blue"}
	who := func(r *http.Request) (id string, admin bool) {
		if r.Header.Get("Authorization") == "Bearer "+bflaOpsToken {
			return "ops", true
		}
		return caller(r), false
	}
	reports := []map[string]any{
		{"team": "red", "quarter": "Q1", "revenue": 1200}, {"team": "red", "quarter": "Q2", "revenue": 1300},
		{"team": "blue", "quarter": "Q1", "revenue": 900}, {"team": "blue", "quarter": "Q2", "revenue": 950},
		{"team": "green", "quarter": "Q1", "revenue": 400}, {"team": "green", "quarter": "Q2", "revenue": 450},
	}
	audit := []map[string]any{
		{"at": "2024-03-01", "actor": "root", "action": "role.grant", "subject": "1003"},
		{"at": "2024-03-02", "actor": "1001", "action": "login", "subject": "1001"},
		{"at": "2024-03-02", "actor": "root", "action": "export.users", "subject": "all"},
		{"at": "2024-03-03", "actor": "1002", "action": "password.change", "subject": "1002"},
	}
	// revenue: twelve months of team red and one of a new team, green:
	// a scoped view of red's rows is 36 of the admin's 39 tokens, alike
	// enough (0.92) for Similarity alone to call it the admin's answer.
	var revenue []map[string]any
	for m := 1; m <= 12; m++ {
		revenue = append(revenue, map[string]any{"team": "red", "month": fmt.Sprintf("2024-%02d", m), "amount": 1000 + 37*m})
	}
	revenue = append(revenue, map[string]any{"team": "green", "month": "2024-12", "amount": 120})
	// activity grows by one entry with every signed-in request, as an
	// activity log recording the scan's own calls does.
	var actMu sync.Mutex
	activity := []map[string]any{}
	for i := 1; i <= 20; i++ {
		activity = append(activity, map[string]any{"id": i, "actor": "root", "action": "seed"})
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/admin/users", func(w http.ResponseWriter, r *http.Request) {
		me, admin := who(r)
		switch {
		case f.adminUsersNoAuth:
		case me == "":
			unauthorized(w)
			return
		case !admin && !f.adminUsersOpen:
			writeJSON(w, http.StatusForbidden, map[string]string{"error": "forbidden"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"users": []map[string]any{users["1001"], users["1002"], users["1003"], users["1004"]}})
	})
	mux.HandleFunc("GET /api/backoffice/stats", func(w http.ResponseWriter, r *http.Request) {
		if me, _ := who(r); me == "" {
			unauthorized(w)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"signups": 42, "churn": 3, "mrr": 123456})
	})
	// Tagged admin but meant for users: the admin account has no profile.
	mux.HandleFunc("GET /api/admin/profile", func(w http.ResponseWriter, r *http.Request) {
		switch me, admin := who(r); {
		case me == "":
			unauthorized(w)
		case admin:
			writeJSON(w, http.StatusForbidden, map[string]string{"error": "forbidden"})
		default:
			writeJSON(w, http.StatusOK, map[string]any{"profile": users[me]})
		}
	})
	mux.HandleFunc("GET /api/reports", func(w http.ResponseWriter, r *http.Request) {
		me, admin := who(r)
		if me == "" {
			unauthorized(w)
			return
		}
		rows := []map[string]any{}
		for _, row := range reports {
			if admin || row["team"] == team[me] {
				rows = append(rows, row)
			}
		}
		writeJSON(w, http.StatusOK, map[string]any{"rows": rows})
	})
	mux.HandleFunc("GET /api/audit", func(w http.ResponseWriter, r *http.Request) {
		switch me, admin := who(r); {
		case me == "":
			unauthorized(w)
		case admin || me == f.auditOpenTo:
			writeJSON(w, http.StatusOK, map[string]any{"events": audit})
		default:
			writeJSON(w, http.StatusForbidden, map[string]string{"error": "forbidden"})
		}
	})
	// Weak signal (/internal/), for every signed-in client.
	mux.HandleFunc("GET /api/internal/version", func(w http.ResponseWriter, r *http.Request) {
		if me, _ := who(r); me == "" {
			unauthorized(w)
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"version": "2.14.1", "commit": "a1b2c3d", "region": "eu-west-1"})
	})
	// Weak signal (/ops/), restricted by role.
	mux.HandleFunc("GET /api/ops/queue", func(w http.ResponseWriter, r *http.Request) {
		switch me, admin := who(r); {
		case me == "":
			unauthorized(w)
		case admin || me == f.opsOpenTo:
			writeJSON(w, http.StatusOK, map[string]any{"jobs": []map[string]any{
				{"id": 71, "kind": "reindex", "state": "running"}, {"id": 72, "kind": "payout", "state": "queued"}}})
		default:
			writeJSON(w, http.StatusForbidden, map[string]string{"error": "forbidden"})
		}
	})
	// Weak signal (/staff/) on an operation that selects a team: bob's
	// 403 is membership, not role.
	mux.HandleFunc("GET /api/teams/{team}/staff", func(w http.ResponseWriter, r *http.Request) {
		switch me, admin := who(r); {
		case me == "":
			unauthorized(w)
		case admin || team[me] == r.PathValue("team"):
			writeJSON(w, http.StatusOK, map[string]any{"staff": []map[string]any{users["1001"], users["1003"]}})
		default:
			writeJSON(w, http.StatusForbidden, map[string]string{"error": "forbidden"})
		}
	})
	mux.HandleFunc("GET /api/admin/revenue", func(w http.ResponseWriter, r *http.Request) {
		me, admin := who(r)
		if me == "" {
			unauthorized(w)
			return
		}
		rows := []map[string]any{}
		for _, row := range revenue {
			if admin || f.revenueAllTeams || row["team"] == team[me] {
				rows = append(rows, row)
			}
		}
		writeJSON(w, http.StatusOK, map[string]any{"rows": rows})
	})
	mux.HandleFunc("GET /api/admin/activity", func(w http.ResponseWriter, r *http.Request) {
		me, admin := who(r)
		switch {
		case me == "":
			unauthorized(w)
			return
		case !admin && !f.activityOpen:
			writeJSON(w, http.StatusForbidden, map[string]string{"error": "forbidden"})
			return
		}
		actMu.Lock()
		activity = append(activity, map[string]any{"id": len(activity) + 1, "actor": me, "action": "activity.read"})
		body := map[string]any{"events": slices.Clone(activity)}
		actMu.Unlock()
		writeJSON(w, http.StatusOK, body)
	})
	mux.HandleFunc("GET /api/orders", func(w http.ResponseWriter, r *http.Request) {
		me, admin := who(r)
		if me == "" {
			unauthorized(w)
			return
		}
		list := []map[string]any{}
		for _, id := range []string{"501", "502", "601"} {
			if admin || orders[id]["owner"] == me {
				list = append(list, orders[id])
			}
		}
		writeJSON(w, http.StatusOK, list)
	})
	mux.HandleFunc("GET /api/orders/{orderId}", func(w http.ResponseWriter, r *http.Request) {
		me, admin := who(r)
		if me == "" {
			unauthorized(w)
			return
		}
		o, ok := orders[r.PathValue("orderId")]
		if !ok || (!admin && o["owner"] != me) {
			notFound(w)
			return
		}
		writeJSON(w, http.StatusOK, o)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { notFound(w) })
	return mux
}

// roleSpecPaths are the role API's path items, by path.
var roleSpecPaths = map[string]string{
	"/api/admin/users":        "    get:\n      tags: [admin]\n      responses: {\"200\": {description: ok}}\n",
	"/api/backoffice/stats":   "    get:\n      tags: [stats]\n      responses: {\"200\": {description: ok}}\n",
	"/api/admin/profile":      "    get:\n      tags: [admin]\n      responses: {\"200\": {description: ok}}\n",
	"/api/reports":            "    get:\n      tags: [admin]\n      responses: {\"200\": {description: ok}}\n",
	"/api/audit":              "    get:\n      tags: [activity]\n      responses: {\"200\": {description: ok}}\n",
	"/api/orders":             "    get:\n      tags: [orders]\n      responses: {\"200\": {description: ok}}\n",
	"/api/orders/{orderId}":   "    get:\n      tags: [orders]\n      parameters:\n        - {name: orderId, in: path, required: true, schema: {type: integer}, example: 501}\n      responses: {\"200\": {description: ok}}\n",
	"/api/internal/version":   "    get:\n      responses: {\"200\": {description: ok}}\n",
	"/api/ops/queue":          "    get:\n      responses: {\"200\": {description: ok}}\n",
	"/api/teams/{team}/staff": "    get:\n      parameters:\n        - {name: team, in: path, required: true, schema: {type: string}, example: red}\n      responses: {\"200\": {description: ok}}\n",
	"/api/admin/revenue":      "    get:\n      tags: [admin]\n      responses: {\"200\": {description: ok}}\n",
	"/api/admin/activity":     "    get:\n      tags: [admin]\n      responses: {\"200\": {description: ok}}\n",
	"/api/admin/users/{id}":   "    delete:\n      tags: [admin]\n      parameters:\n        - {name: id, in: path, required: true, schema: {type: integer}, example: 1003}\n      responses: {\"204\": {description: gone}}\n",
}

// roleSpec is an OpenAPI document with the given paths of the role API.
func roleSpec(t *testing.T, paths ...string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("openapi: 3.0.3\ninfo: {title: roles, version: \"1\"}\ncomponents:\n  securitySchemes:\n    bearerAuth: {type: http, scheme: bearer}\nsecurity:\n  - bearerAuth: []\npaths:\n")
	for _, p := range paths {
		item, ok := roleSpecPaths[p]
		if !ok {
			t.Fatalf("no path item for %s", p)
		}
		b.WriteString("  " + p + ":\n" + item)
	}
	return b.String()
}

// TestBFLAWithAdmin checks that an admin identity's answers decide: the
// admin comparison is the proof (high confidence whatever the signal), a
// scoped view is not a finding, and unsignalled operations are judged by
// one user refused while the other gets the admin's answer.
func TestBFLAWithAdmin(t *testing.T) {
	high, low := finding.ConfidenceHigh, finding.ConfidenceLow
	tests := []struct {
		name  string
		flaws roleFlaws
		paths []string
		peer  string // peer token, "" for none
		want  map[string]finding.Confidence
	}{
		{"vulnerable: /admin/users lists everyone to any token", roleFlaws{adminUsersOpen: true},
			[]string{"/api/admin/users"}, bobToken, map[string]finding.Confidence{"/api/admin/users": high}},
		{"vulnerable without a peer", roleFlaws{adminUsersOpen: true},
			[]string{"/api/admin/users"}, "", map[string]finding.Confidence{"/api/admin/users": high}},
		{"fixed: users get 403", roleFlaws{},
			[]string{"/api/admin/users"}, bobToken, nil},
		{"anonymous gets the list too: authn-missing's business", roleFlaws{adminUsersNoAuth: true},
			[]string{"/api/admin/users"}, bobToken, nil},
		{"weak signal /internal/: the peer gets it too, so everyone does", roleFlaws{},
			[]string{"/api/internal/version"}, bobToken, nil},
		{"weak signal /internal/ without a peer: stays low", roleFlaws{},
			[]string{"/api/internal/version"}, "", map[string]finding.Confidence{"/api/internal/version": low}},
		{"weak signal /ops/: bob refused, alice gets the admin's queue", roleFlaws{opsOpenTo: "1001"},
			[]string{"/api/ops/queue"}, bobToken, map[string]finding.Confidence{"/api/ops/queue": high}},
		{"weak signal /ops/: both users refused", roleFlaws{},
			[]string{"/api/ops/queue"}, bobToken, nil},
		// A peer token refused where the primary is let in ends the
		// scan (exit 3) before any rule: no role check either.
		{"weak signal /ops/: peer token rejected (401) is no role check", roleFlaws{opsOpenTo: "1001"},
			[]string{"/api/ops/queue"}, rejectedPeer, nil},
		{"weak signal /staff/ selecting a team: bob's 403 is membership, stays low", roleFlaws{},
			[]string{"/api/teams/{team}/staff"}, bobToken, map[string]finding.Confidence{"/api/teams/{team}/staff": low}},
		{"admin sees one row more: a scoped view however alike", roleFlaws{},
			[]string{"/api/admin/revenue"}, bobToken, nil},
		{"admin sees one row more, without a peer", roleFlaws{},
			[]string{"/api/admin/revenue"}, "", nil},
		{"vulnerable: users get every team's revenue rows", roleFlaws{revenueAllTeams: true},
			[]string{"/api/admin/revenue"}, bobToken, map[string]finding.Confidence{"/api/admin/revenue": high}},
		{"vulnerable: a log that grows with every request is still the admin's", roleFlaws{activityOpen: true},
			[]string{"/api/admin/activity"}, bobToken, map[string]finding.Confidence{"/api/admin/activity": high}},
		{"fixed: the growing log refuses users", roleFlaws{},
			[]string{"/api/admin/activity"}, bobToken, nil},
		{"path signal only: the admin comparison makes it high", roleFlaws{},
			[]string{"/api/backoffice/stats"}, bobToken, map[string]finding.Confidence{"/api/backoffice/stats": high}},
		{"admin refused: not administrative here", roleFlaws{},
			[]string{"/api/admin/profile"}, bobToken, nil},
		{"admins see more: users get their team's rows", roleFlaws{},
			[]string{"/api/reports"}, bobToken, nil},
		{"unsignalled /api/audit: bob refused, alice gets the admin's log", roleFlaws{auditOpenTo: "1001"},
			[]string{"/api/audit"}, bobToken, map[string]finding.Confidence{"/api/audit": high}},
		{"unsignalled /api/audit: alice refused, bob gets the admin's log", roleFlaws{auditOpenTo: "1002"},
			[]string{"/api/audit"}, bobToken, map[string]finding.Confidence{"/api/audit": high}},
		{"unsignalled /api/audit: both users refused", roleFlaws{},
			[]string{"/api/audit"}, bobToken, nil},
		{"unsignalled /api/audit without a peer: not judged", roleFlaws{auditOpenTo: "1001"},
			[]string{"/api/audit"}, "", nil},
		{"unsignalled /api/audit: peer token rejected (401) is no role check", roleFlaws{auditOpenTo: "1001"},
			[]string{"/api/audit"}, rejectedPeer, nil},
		{"unsignalled /api/orders: admin sees all, users their own", roleFlaws{},
			[]string{"/api/orders"}, bobToken, nil},
		{"unsignalled /api/orders/{orderId}: bob's 404 is ownership, not role", roleFlaws{},
			[]string{"/api/orders/{orderId}"}, bobToken, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := scanOpts{spec: roleSpec(t, tt.paths...), auth: aliceToken, peer: tt.peer, admin: opsIdentity()}
			if tt.peer == rejectedPeer {
				opts.wantErr = scanner.ErrIdentityRejected
			}
			fs := scanRules(t, roleAPI(tt.flaws), opts, rules.BFLARules())
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

// TestBFLAWithAdminEvidence checks what admin-backed findings show: the
// regular identity's answer, the admin's, and for an unsignalled
// operation the refused user's; never a token.
func TestBFLAWithAdminEvidence(t *testing.T) {
	tests := []struct {
		name       string
		flaws      roleFlaws
		path       string
		identities []string // exchanges' identities, in order
		statuses   []int
		summary    []string // phrases the summary must hold
	}{
		{"declared", roleFlaws{adminUsersOpen: true}, "/api/admin/users",
			[]string{"primary", "ops"}, []int{200, 200}, []string{"tagged admin", `"ops"`, `"primary"`}},
		{"observed", roleFlaws{auditOpenTo: "1001"}, "/api/audit",
			[]string{"primary", "ops", "peer"}, []int{200, 200, 403}, []string{`"peer" was refused (status 403)`, `"primary" of the same role`}},
		{"weak signal, peer refused", roleFlaws{opsOpenTo: "1001"}, "/api/ops/queue",
			[]string{"primary", "ops", "peer"}, []int{200, 200, 403}, []string{"path segment /ops/", `"peer" was refused (status 403)`, `"primary" of the same role`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := scanOpts{spec: roleSpec(t, tt.path), auth: aliceToken, peer: bobToken, admin: opsIdentity()}
			fs := scanRules(t, roleAPI(tt.flaws), opts, rules.BFLARules())
			if len(fs) != 1 || fs[0].Path != tt.path {
				t.Fatalf("want one finding on %s, got:%s", tt.path, list(fs))
			}
			f := fs[0]
			var ids []string
			var statuses []int
			for _, ex := range f.Evidence.Exchanges {
				ids, statuses = append(ids, ex.Identity), append(statuses, ex.Status)
			}
			if !slices.Equal(ids, tt.identities) || !slices.Equal(statuses, tt.statuses) {
				t.Errorf("exchanges: identities %v statuses %v, want %v %v", ids, statuses, tt.identities, tt.statuses)
			}
			for _, s := range tt.summary {
				if !strings.Contains(f.Evidence.Summary, s) {
					t.Errorf("summary lacks %q: %s", s, f.Evidence.Summary)
				}
			}
			text := f.Evidence.Summary + strings.Join(f.Reproduce, "\n")
			for _, ex := range f.Evidence.Exchanges {
				for _, v := range ex.RequestHeaders {
					text += "\n" + v
				}
			}
			for _, tok := range []string{aliceToken, bobToken, bflaOpsToken} {
				if strings.Contains(text, tok) {
					t.Errorf("token leaked: %s", tok)
				}
			}
		})
	}
}

// TestBFLAWithAdminSendsNoWrites scans a spec with an administrative
// DELETE: safe mode must never send it with anyone's credentials.
func TestBFLAWithAdminSendsNoWrites(t *testing.T) {
	var mu sync.Mutex
	var writes []string
	api := roleAPI(roleFlaws{adminUsersOpen: true, auditOpenTo: "1001"})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead && r.Method != http.MethodOptions && r.Header.Get("Authorization") != "" {
			mu.Lock()
			writes = append(writes, r.Method+" "+r.URL.Path)
			mu.Unlock()
		}
		api.ServeHTTP(w, r)
	})
	opts := scanOpts{spec: roleSpec(t, "/api/admin/users", "/api/admin/users/{id}", "/api/audit"), auth: aliceToken, peer: bobToken, admin: opsIdentity()}
	fs := scanRules(t, h, opts, rules.BFLARules())
	if !has(fs, "bfla-privilege-escalation", "GET", "/api/admin/users") {
		t.Errorf("the scan did not run: no finding on GET /api/admin/users:%s", list(fs))
	}
	mu.Lock()
	defer mu.Unlock()
	if len(writes) > 0 {
		t.Fatalf("safe mode sent state-changing requests with credentials: %v", writes)
	}
}

// rejectedPeer is a peer token the role API refuses (401) everywhere.
const rejectedPeer = "tok-expired-000000"
