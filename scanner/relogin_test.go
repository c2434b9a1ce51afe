package scanner

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authgate/authgate/finding"
)

// reloginAPI is an API with one throw-away account, mallory, and a login
// that locks it (429) after maxFailures wrong passwords when limited is
// set, as a rate-limited login does; broken makes the login answer 500
// once a wrong password was sent. GET /api/me needs the token a login
// gave.
type reloginAPI struct {
	limited, broken bool

	mu       sync.Mutex
	failures int
	tokens   int
}

const reloginFailures = 3

func (a *reloginAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	a.mu.Lock()
	defer a.mu.Unlock()
	switch r.URL.Path {
	case "/login":
		var body struct{ Username, Password string }
		_ = json.NewDecoder(r.Body).Decode(&body)
		switch {
		case a.limited && a.failures >= reloginFailures:
			w.Header().Set("Retry-After", "900")
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprint(w, `{"error":"too many login attempts"}`)
		case a.broken && a.failures > 0:
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprint(w, `{"error":"internal"}`)
		case body.Username != "mallory" || body.Password != "Secret-Passw0rd-1":
			a.failures++
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":"invalid credentials"}`)
		default:
			a.tokens++
			fmt.Fprintf(w, `{"token":"tok-%d"}`, a.tokens)
		}
	case "/api/me":
		if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer tok-") {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":"login first"}`)
			return
		}
		fmt.Fprint(w, `{"user":{"name":"mallory"}}`)
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

// failedLoginsRule sends wrong passwords for every throw-away identity, as
// login-no-rate-limit does, until the login says it limits them.
type failedLoginsRule struct{}

func (failedLoginsRule) Info() finding.RuleInfo {
	ri, _ := finding.Lookup("login-no-rate-limit")
	return ri
}

func (failedLoginsRule) CheckAPI(ctx context.Context, a *API) []finding.Finding {
	for _, id := range a.Throwaways() {
		for range reloginFailures + 1 {
			r := a.Attempt(ctx, id.Login, map[string]any{id.Login.PasswordKey(): "wrong"}, nil)
			if r.Status == http.StatusTooManyRequests {
				break
			}
		}
	}
	return nil
}

// TestThrowawayLockedOutByARule: a rule that sends failed logins gets the
// throw-away identity locked out (429) on a rate-limited login. It was
// verified before the rules ran and stays so; its coverage says it was
// locked out by that rule, as expected, without "scan failed" or a
// warning, and a rule after it that needed it is not run, with the
// reason. On the login without a limit nothing is noted. A login that
// breaks (500) after the rule is noted as a failure, with a warning.
func TestThrowawayLockedOutByARule(t *testing.T) {
	for _, tc := range []struct {
		name        string
		api         *reloginAPI
		last        bool   // the failed-logins rule runs last
		wantHow     string // in mallory's coverage; "" for nothing after the login
		wantWarning bool
	}{
		{name: "rate-limited, last rule", api: &reloginAPI{limited: true}, last: true,
			wantHow: "; locked out by login-no-rate-limit (POST /login answered 429: the API rate-limits logins), as expected; no active rule ran after it"},
		{name: "rate-limited, a rule after it", api: &reloginAPI{limited: true},
			wantHow: "; locked out by login-no-rate-limit (POST /login answered 429: the API rate-limits logins), as expected; the active rules after it did not use mallory"},
		{name: "no limit", api: &reloginAPI{}, last: true},
		{name: "login broken", api: &reloginAPI{broken: true}, last: true, wantWarning: true,
			wantHow: "; could not log in again after login-no-rate-limit: login POST /login answered 500; no active rule ran after it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.api)
			t.Cleanup(srv.Close)
			tw := NewIdentity("mallory", nil)
			tw.Throwaway = true
			tw.Login = &Login{Method: "POST", Path: "/login", Format: "json", Body: map[string]any{"username": "mallory", "password": "Secret-Passw0rd-1"},
				TokenFrom: "json", TokenName: "token", Send: "Authorization: Bearer {token}"}
			rules := []APIRule{failedLoginsRule{}, throwawayRule{}}
			if tc.last {
				rules = []APIRule{throwawayRule{}, failedLoginsRule{}}
			}
			res, err := Scan(context.Background(), Options{
				Target:     srv.URL,
				Endpoints:  []string{"GET /api/me"},
				Identities: []*Identity{tw},
				Mode:       finding.ModeActive,
				Client:     ClientOptions{Concurrency: 1, Timeout: 5 * time.Second},
				Wait:       time.Second,
				APIRules:   rules,
			})
			if err != nil {
				t.Fatalf("scan: %v", err)
			}
			c, ok := identityCov(res, "mallory")
			const loggedIn = "logged in with POST /login (token from json:token)"
			if !ok || !c.Verified || c.How != loggedIn+tc.wantHow {
				t.Errorf("mallory's coverage %+v (found %v), want verified, how %q", c, ok, loggedIn+tc.wantHow)
			}
			warned := false
			for _, w := range res.Warnings {
				if strings.Contains(w, "scan failed") {
					t.Errorf("warning %q: the scan did not fail", w)
				}
				warned = warned || strings.HasPrefix(w, "identity mallory")
			}
			if warned != tc.wantWarning {
				t.Errorf("warnings %q: a warning about mallory %v, want %v", res.Warnings, warned, tc.wantWarning)
			}
			for _, rc := range res.Coverage.Rules {
				switch {
				case rc.Rule == "login-no-rate-limit" && rc.Status != finding.RuleRan:
					t.Errorf("the rule that locked mallory out: %+v, want ran", rc)
				case rc.Rule != "session-fixation" || tc.last:
				case (rc.Status != finding.RuleNotRun || !strings.Contains(rc.Reason, "the throw-away identity mallory cannot log in: locked out by login-no-rate-limit")):
					t.Errorf("the rule after the lockout: %+v, want not run because mallory was locked out", rc)
				}
			}
		})
	}
}
