package rules_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner"
	"github.com/authgate/authgate/scanner/rules"
)

// acctSpecMe is acctSpec with a /me the logged-in account can delete
// itself on: the clean-up's route for the accounts the rule registers.
const acctSpecMe = acctSpec + `  /me:
    delete:
      security: [{bearer: []}]
      responses: {"204": {description: deleted}}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
`

// TestWeakPasswordPolicyRegistrationInterrupted: Ctrl-C while the rule's
// registration is on the wire, and the API makes the account after the
// scan gave the request up (a slow handler). Before the registration was
// seen through, the client dropped it on the scan's context, the rule saw
// no answer and recorded nothing: the account stayed on the target and
// the report did not list it. Now the registration that reached the
// transport is seen through to its answer (within the request timeout),
// and so is the login that lets the account delete itself: the account is
// listed in coverage.writes and deleted at the clean-up (DELETE /me).
//
// The order is made by the handler: it stops the scan with the
// registration in hand, then waits for the client to hang up (never, once
// the client waits for the answer), and only then makes the account. The
// one timer is the fallback for a client that does not hang up (the fix):
// the handler answers after it, well within the 30 s request timeout.
func TestWeakPasswordPolicyRegistrationInterrupted(t *testing.T) {
	api := newAcctAPI(acctRegAny, acctRecGeneric)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var (
		mu            sync.Mutex
		gated, hungUp bool
		tokens        = map[string]string{} // session token -> account
	)
	inner := api.handler()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/login":
			// acctAPI's login, with tokens that name their account.
			var f map[string]any
			if json.NewDecoder(r.Body).Decode(&f) != nil {
				badRequest(w)
				return
			}
			user, _ := f["username"].(string)
			pw, _ := f["password"].(string)
			api.mu.Lock()
			want, exists := api.passwords[user]
			api.mu.Unlock()
			if !exists || want != pw {
				writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid credentials"})
				return
			}
			tok := "sess-" + randomHex(16)
			mu.Lock()
			tokens[tok] = user
			mu.Unlock()
			writeJSON(w, http.StatusOK, map[string]string{"token": tok})
			return
		case r.Method == http.MethodDelete && r.URL.Path == "/me":
			mu.Lock()
			user, ok := tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
			mu.Unlock()
			if !ok {
				writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "log in"})
				return
			}
			api.mu.Lock()
			delete(api.passwords, user)
			api.mu.Unlock()
			w.WriteHeader(http.StatusNoContent)
			return
		}
		mu.Lock()
		first := r.Method == http.MethodPost && r.URL.Path == "/register" && !gated
		gated = gated || first
		mu.Unlock()
		if first {
			// Read the body first: the server notices a client that
			// hangs up only once the body is read.
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			cancel() // Ctrl-C, the registration on the wire
			select {
			case <-r.Context().Done():
				mu.Lock()
				hungUp = true
				mu.Unlock()
			case <-time.After(time.Second): // the client waits for the answer
			}
		}
		inner.ServeHTTP(w, r) // the account is made now
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	res, err := scanner.Scan(ctx, scanner.Options{
		Target:     srv.URL,
		OpenAPI:    "spec.yaml",
		ReadFile:   func(string) ([]byte, error) { return []byte(acctSpecMe), nil },
		Mode:       finding.ModeActive,
		Client:     scanner.ClientOptions{Concurrency: 4, Timeout: 30 * time.Second, Budget: 5000},
		Wait:       time.Second,
		Identities: []*scanner.Identity{acctMallory("mallory", false)},
		APIRules:   []scanner.APIRule{rules.WeakPasswordPolicy{}},
	})
	// Close waits for the handlers: a registration the client gave up
	// on is made (or not) before the API is looked at.
	srv.Close()
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	mu.Lock()
	sent, gaveUp := gated, hungUp
	mu.Unlock()
	if !sent {
		t.Fatalf("no registration was sent: the test proves nothing")
	}
	if gaveUp {
		t.Errorf("the client gave up on a registration the API was making")
	}
	listed := map[string]finding.CreatedObject{}
	if w := res.Coverage.Writes; w != nil {
		for _, c := range w.Created {
			if c.Kind == "account" {
				listed[c.Item] = c
			}
		}
	}
	api.mu.Lock()
	defer api.mu.Unlock()
	if len(api.registered) == 0 {
		t.Fatalf("no account was made: the test proves nothing")
	}
	for _, name := range api.registered {
		c, ok := listed[name]
		_, stays := api.passwords[name]
		switch {
		case !ok:
			t.Errorf("the registered account %s is not in coverage.writes (%v)", name, listed)
		case c.Deleted == stays:
			t.Errorf("%s: coverage says deleted %v, on the target: %v (%s)", name, c.Deleted, stays, c.Reason)
		case stays:
			// Its login was sent on the scan's context and dropped: it
			// could not delete itself although the API lets it.
			t.Errorf("%s is left on the target: %s", name, c.Reason)
		default:
			t.Logf("%s: deleted: %s", name, c.Reason)
		}
	}
	if _, ok := api.passwords["mallory"]; !ok {
		t.Errorf("the configured identity mallory was deleted")
	}
}
