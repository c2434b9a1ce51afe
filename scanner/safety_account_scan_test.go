package scanner_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner"
	"github.com/authgate/authgate/scanner/rules"
)

// The account API: Juice Shop's GET /rest/user/change-password?current=&new=
// (a password change sent as a GET) described beside a notification
// "mark all read" and a session end, all GETs that act on the caller's
// account; and two reads whose names hold those verbs inside other words
// (/api/calendar, /api/backend/status). A safe scan with valid
// credentials must send none of the first, list each as skipped with the
// word that says why, and scan the reads.

const (
	accountAliceToken = "alice-token-3b9d"
	accountBobToken   = "bob-token-8c2e"
)

const accountSpec = `{
  "openapi": "3.0.3",
  "info": {"title": "account", "version": "1"},
  "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
  "security": [{"bearer": []}],
  "paths": {
    "/rest/user/whoami": {"get": {"summary": "The signed-in user", "responses": {"200": {"description": "ok"}}}},
    "/rest/user/change-password": {"get": {"summary": "Password of the signed-in user",
      "parameters": [
        {"name": "current", "in": "query", "schema": {"type": "string"}, "example": "old"},
        {"name": "new", "in": "query", "schema": {"type": "string"}, "example": "new"},
        {"name": "repeat", "in": "query", "schema": {"type": "string"}, "example": "new"}],
      "responses": {"200": {"description": "ok"}}}},
    "/api/notifications/mark-all-read": {"get": {"responses": {"200": {"description": "ok"}}}},
    "/api/session/end": {"get": {"responses": {"200": {"description": "ok"}}}},
    "/api/calendar": {"get": {"summary": "The caller's calendar", "responses": {"200": {"description": "ok"}}}},
    "/api/backend/status": {"get": {"security": [], "responses": {"200": {"description": "ok"}}}}
  }
}`

// accountAPI counts the requests per path and the ones sent with a valid
// token to a route that acts.
type accountAPI struct {
	mu    sync.Mutex
	hits  map[string]int
	acted map[string]int
}

func (a *accountAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.hits[r.URL.Path]++
	a.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if r.URL.Path == "/openapi.json" {
		fmt.Fprint(w, accountSpec)
		return
	}
	if r.URL.Path == "/api/backend/status" {
		fmt.Fprint(w, `{"status":"ok"}`)
		return
	}
	who := map[string]string{"Bearer " + accountAliceToken: "alice", "Bearer " + accountBobToken: "bob"}[r.Header.Get("Authorization")]
	if who == "" {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"error":"authentication required"}`)
		return
	}
	switch r.URL.Path {
	case "/rest/user/whoami":
		fmt.Fprintf(w, `{"user":{"email":"%s@example.com"}}`, who)
	case "/api/calendar":
		fmt.Fprintf(w, `{"owner":"%s","events":[{"title":"standup"}]}`, who)
	case "/rest/user/change-password", "/api/notifications/mark-all-read", "/api/session/end":
		a.mu.Lock()
		a.acted[r.URL.Path]++
		a.mu.Unlock()
		fmt.Fprint(w, `{"status":"done"}`)
	default:
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"error":"not found"}`)
	}
}

// TestSafeScanSkipsAccountChangingGETs: described GETs that change the
// caller's password, mark notifications read or end the session are
// never sent in safe mode, by any identity; coverage lists each as
// skipped with the word that says so, and the reads beside them (whose
// names hold "end" and "calendar" inside other words) are scanned.
func TestSafeScanSkipsAccountChangingGETs(t *testing.T) {
	api := &accountAPI{hits: map[string]int{}, acted: map[string]int{}}
	srv := httptest.NewServer(api)
	defer srv.Close()
	alice := scanner.NewIdentity("alice", []scanner.Header{{Name: "Authorization", Value: "Bearer " + accountAliceToken}})
	bob := scanner.NewIdentity("bob", []scanner.Header{{Name: "Authorization", Value: "Bearer " + accountBobToken}})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := scanner.Scan(ctx, scanner.Options{
		Target:     srv.URL,
		OpenAPI:    srv.URL + "/openapi.json",
		Primary:    alice,
		Peer:       bob,
		Identities: []*scanner.Identity{alice, bob},
		Mode:       finding.ModeSafe,
		Client:     scanner.ClientOptions{Concurrency: 4, Timeout: 10 * time.Second},
		Wait:       time.Second,
		Rules:      rules.All(),
		APIRules:   rules.APIRules(),
	})
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	skipped := map[string]string{}
	for _, sk := range res.Coverage.Operations.Skipped {
		skipped[sk.Method+" "+sk.Path] = sk.Reason
	}
	want := map[string]string{
		"/rest/user/change-password":       "state-changing GET in safe mode (path says 'change')",
		"/api/notifications/mark-all-read": "state-changing GET in safe mode (path says 'mark')",
		"/api/session/end":                 "state-changing GET in safe mode (path says 'end')",
	}
	api.mu.Lock()
	defer api.mu.Unlock()
	for path, reason := range want {
		if n := api.hits[path]; n != 0 {
			t.Errorf("safe scan sent GET %s %d times (%d with a valid token)", path, n, api.acted[path])
		}
		if got := skipped["GET "+path]; got != reason {
			t.Errorf("coverage skipped GET %s with reason %q, want %q", path, got, reason)
		}
	}
	for _, read := range []string{"/api/calendar", "/api/backend/status", "/rest/user/whoami"} {
		if _, ok := skipped["GET "+read]; ok || api.hits[read] == 0 {
			t.Errorf("GET %s only reads: skipped %q, sent %d times; want scanned", read, skipped["GET "+read], api.hits[read])
		}
	}
}
