package scanner_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner"
)

// undoAPI is a profile API: a login, GET and PATCH /api/me. It logs every
// PATCH with the caller's token.
type undoAPI struct {
	mu      sync.Mutex
	patches []string // "token body"
}

func (a *undoAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	tok := r.Header.Get("Authorization")
	answer := func(status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	switch {
	case r.Method == "POST" && r.URL.Path == "/api/login":
		answer(http.StatusOK, map[string]string{"token": "mallory"})
	case r.URL.Path != "/api/me":
		answer(http.StatusNotFound, map[string]string{"error": "not found"})
	case tok != "Bearer mallory" && tok != "Bearer alice":
		answer(http.StatusUnauthorized, map[string]string{"error": "sign in"})
	case r.Method == "PATCH":
		var body json.RawMessage
		_ = json.NewDecoder(r.Body).Decode(&body)
		a.mu.Lock()
		a.patches = append(a.patches, tok+" "+string(body))
		a.mu.Unlock()
		answer(http.StatusOK, map[string]string{"role": "user"})
	default:
		answer(http.StatusOK, map[string]string{"role": "user"})
	}
}

const undoSpec = `openapi: 3.0.3
info: {title: undo, version: "1"}
components: {securitySchemes: {bearer: {type: http, scheme: bearer}}}
security: [{bearer: []}]
paths:
  /api/login:
    post:
      security: []
      requestBody: {content: {application/json: {schema: {type: object, properties: {username: {type: string}, password: {type: string}}}}}}
      responses: {"200": {description: token}}
  /api/me:
    get: {responses: {"200": {description: me}}}
    patch:
      requestBody: {content: {application/json: {schema: {type: object, properties: {displayName: {type: string}}}}}}
      responses: {"200": {description: me}}
`

// undoRule runs fn as an active API rule.
type undoRule struct {
	fn func(ctx context.Context, a *scanner.API) []finding.Finding
}

func (undoRule) Info() finding.RuleInfo {
	ri, _ := finding.Lookup("mass-assignment")
	return ri
}

func (r undoRule) CheckAPI(ctx context.Context, a *scanner.API) []finding.Finding {
	return r.fn(ctx, a)
}

// TestUndoPastBudget: a rule that reserved its undo (ReserveUndo) before
// the budget ran out still sends it as the throw-away identity once the
// rest of the budget is spent and its PATCH is refused; an undo as any
// other identity is refused and nothing is sent; a reservation the budget
// left cannot cover is refused; and the scan never sends more than the
// budget.
func TestUndoPastBudget(t *testing.T) {
	api := &undoAPI{}
	srv := httptest.NewServer(api)
	defer srv.Close()
	mallory := scanner.NewIdentity("mallory", nil)
	mallory.Throwaway = true
	mallory.Login = &scanner.Login{Method: "POST", Path: "/api/login", Format: "json",
		Body:      map[string]any{"username": "mallory", "password": "Mallory-Undo-Passw0rd"},
		TokenFrom: "json", TokenName: "token", Send: "Authorization: Bearer {token}"}
	var spent, undone, refused *scanner.Response
	rule := func(ctx context.Context, a *scanner.API) []finding.Finding {
		tws := a.Throwaways()
		if len(tws) == 0 {
			t.Errorf("no throw-away identity: %s", a.NoThrowaway("none configured"))
			return nil
		}
		release, ok := a.ReserveUndo(1)
		if !ok {
			t.Fatalf("the reservation of one request was refused with the budget unspent")
		}
		defer release()
		me := a.Target("GET", "/api/me")
		for i := 0; i < 50 && !a.Exhausted(); i++ {
			me.Do(ctx, me.Request(tws[0], me.Values()))
		}
		patch := a.Target("PATCH", "/api/me")
		send := func(id *scanner.Identity, undo bool) *scanner.Response {
			req := patch.Request(id, patch.Values())
			req.Body, req.ContentType = []byte(`{"role":"user"}`), "application/json"
			if undo {
				return a.Undo(ctx, patch, req)
			}
			return patch.Do(ctx, req)
		}
		if _, ok := a.ReserveUndo(1); ok {
			t.Errorf("a second reservation was granted with the budget spent")
		}
		spent = send(tws[0], false)
		refused = send(me.Primary, true)
		undone = send(tws[0], true)
		return nil
	}
	const budget = 12
	res, err := scanner.Scan(context.Background(), scanner.Options{
		Target: srv.URL, Mode: finding.ModeActive, OpenAPI: "spec.yaml",
		ReadFile:   func(string) ([]byte, error) { return []byte(undoSpec), nil },
		Client:     scanner.ClientOptions{Concurrency: 2, Timeout: 5 * time.Second, Budget: budget},
		Wait:       time.Second,
		Primary:    scanner.NewIdentity("alice", []scanner.Header{{Name: "Authorization", Value: "Bearer alice"}}),
		Identities: []*scanner.Identity{mallory},
		APIRules:   []scanner.APIRule{undoRule{fn: rule}},
	})
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	if spent == nil || !errors.Is(spent.Err, scanner.ErrBudget) {
		t.Fatalf("the PATCH after the budget was spent: %+v, want ErrBudget (the test does not reach the case)", spent)
	}
	if undone.Err != nil || undone.Status != http.StatusOK {
		t.Errorf("the undo as the throw-away got status %d, err %v; want it sent past the budget", undone.Status, undone.Err)
	}
	if res.Requests > budget {
		t.Errorf("%d requests sent with --budget %d", res.Requests, budget)
	}
	if refused.Err == nil {
		t.Errorf("the undo as the primary identity was sent (status %d): only a throw-away's goes past the budget", refused.Status)
	}
	api.mu.Lock()
	defer api.mu.Unlock()
	if len(api.patches) != 1 || api.patches[0] != `Bearer mallory {"role":"user"}` {
		t.Errorf("PATCHes received %q, want the throw-away's one undo", api.patches)
	}
}
