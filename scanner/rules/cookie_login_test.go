package rules_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner"
	"github.com/authgate/authgate/scanner/rules"
)

// Credentials of the login API's two users, and the session id its login
// sets (random-looking, as a real one is).
const (
	clPassword = "Tr0ub4dor&3-horse"
	clSession  = "s3ss10nZq8kT3mW9pL2vN7rB4xY"
	clSpec     = `openapi: 3.0.3
info: {title: login, version: "1"}
components:
  securitySchemes:
    bearerAuth: {type: http, scheme: bearer}
paths:
  /login:
    post:
      security: []
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                username: {type: string}
                password: {type: string}
      responses: {"200": {description: ok}}
  /api/me:
    get:
      security: [{bearerAuth: []}]
      responses: {"200": {description: ok}}
`
)

// loginAPI is a JSON login (POST /login) that answers a bearer token and
// sets cookie (none when ""), and GET /api/me for the token, which sets
// the same cookie again when meToo (a rolling session).
func loginAPI(cookie string, meToo bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/login":
			var body struct{ Username, Password string }
			if json.NewDecoder(r.Body).Decode(&body) != nil || body.Password != clPassword {
				writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "bad credentials"})
				return
			}
			if cookie != "" {
				w.Header().Add("Set-Cookie", cookie)
			}
			writeJSON(w, http.StatusOK, map[string]string{"token": "tok-" + body.Username + "-0123456789"})
		case r.Method == http.MethodGet && r.URL.Path == "/api/me":
			if meToo {
				w.Header().Add("Set-Cookie", cookie)
			}
			user, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer tok-")
			if !ok {
				unauthorized(w)
				return
			}
			writeJSON(w, http.StatusOK, map[string]string{"user": strings.TrimSuffix(user, "-0123456789")})
		default:
			notFound(w)
		}
	})
}

// clIdentity logs in as user with the API's password and sends the
// token it answers as a bearer token.
func clIdentity(name, user string) *scanner.Identity {
	id := scanner.NewIdentity(name, nil)
	id.Login = &scanner.Login{Method: "POST", Path: "/login", Format: "json",
		Body:      map[string]any{"username": user, "password": clPassword},
		TokenFrom: "json", TokenName: "token", Send: "Authorization: Bearer {token}"}
	return id
}

// cookieLoginScan scans h (over HTTPS when tls) with cookie-insecure only,
// the primary and peer logging in; it returns the rule's findings and its
// coverage entry.
func cookieLoginScan(t *testing.T, h http.Handler, tls bool) ([]finding.Finding, finding.RuleCoverage) {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	if tls {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	primary, peer := clIdentity("primary", "alice"), clIdentity("peer", "bob")
	opts := scanner.Options{
		Target:     srv.URL,
		OpenAPI:    "spec.yaml",
		ReadFile:   func(string) ([]byte, error) { return []byte(clSpec), nil },
		Mode:       finding.ModeSafe,
		Client:     scanner.ClientOptions{Concurrency: 4, Timeout: 5 * time.Second, Budget: 500, Transport: srv.Client().Transport},
		Wait:       time.Second,
		Rules:      []scanner.Rule{&rules.CookieInsecure{}},
		Primary:    primary,
		Peer:       peer,
		Identities: []*scanner.Identity{primary, peer},
	}
	res, err := scanner.Scan(context.Background(), opts)
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	var cov finding.RuleCoverage
	for _, c := range res.Coverage.Rules {
		if c.Rule == "cookie-insecure" {
			cov = c
		}
	}
	return res.Findings, cov
}

// TestCookieInsecureOnLogin: a session cookie set only by the login's
// answer is reported once, with the login as evidence and neither the
// password nor the cookie's value in the finding; the fixed twin and a
// login that answers a bearer token only are clean, and the coverage says
// the logins were read.
func TestCookieInsecureOnLogin(t *testing.T) {
	tests := []struct {
		name    string
		cookie  string
		tls     bool
		meToo   bool   // GET /api/me sets the cookie too
		summary string // "" : no finding
		note    string // in the coverage's reason
	}{
		{"bare session cookie", "session=" + clSession + "; Path=/", false, false,
			`The login of primary (POST /login) set the session cookie "session" without HttpOnly, SameSite.`, "also read the answers of the logins"},
		{"bare session cookie, set again by an operation", "session=" + clSession + "; Path=/", false, true,
			`The login of primary (POST /login) set the session cookie "session" without HttpOnly, SameSite.`, ""},
		{"bare session cookie over https", "session=" + clSession + "; Path=/", true, false,
			`without Secure, HttpOnly, SameSite.`, ""},
		{"SameSite=None without Secure over https", "sid=" + clSession + "; Path=/; HttpOnly; SameSite=None", true, false,
			`set the session cookie "sid" without Secure.`, ""},
		{"fixed twin", "session=" + clSession + "; Path=/; HttpOnly; Secure; SameSite=Lax", false, true, "", "peer's POST /login, primary's POST /login"},
		{"fixed twin over https", "session=" + clSession + "; Path=/; HttpOnly; Secure; SameSite=Lax", true, true, "", ""},
		{"cross-site cookie by design", "session=" + clSession + "; Path=/; HttpOnly; Secure; SameSite=None", true, false, "", ""},
		{"preference cookie", "theme=dark; Path=/", false, false, "", ""},
		{"bearer token only", "", false, false, "", "(they set no cookie)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs, cov := cookieLoginScan(t, loginAPI(tt.cookie, tt.meToo), tt.tls)
			if cov.Status != finding.RuleRan || !strings.Contains(cov.Reason, tt.note) || !strings.Contains(strings.Join(cov.Operations, ","), "POST /login") {
				t.Errorf("coverage %+v: want ran, POST /login among its operations, a reason with %q", cov, tt.note)
			}
			if tt.summary == "" {
				if len(fs) != 0 {
					t.Fatalf("want no finding; got:%s", list(fs))
				}
				return
			}
			if len(fs) != 1 {
				t.Fatalf("want one finding for the cookie (two logins set it); got:%s", list(fs))
			}
			f := fs[0]
			if !strings.Contains(f.Evidence.Summary, tt.summary) {
				t.Errorf("summary %q lacks %q", f.Evidence.Summary, tt.summary)
			}
			if len(f.Evidence.Exchanges) != 1 || f.Evidence.Exchanges[0].Method != "POST" || !strings.HasSuffix(f.Evidence.Exchanges[0].URL, "/login") {
				t.Fatalf("evidence is not the login: %+v", f.Evidence.Exchanges)
			}
			if got := f.Evidence.Exchanges[0].ResponseHeaders["Set-Cookie"]; !strings.HasPrefix(got, strings.SplitN(tt.cookie, "=", 2)[0]+"=[REDACTED]") {
				t.Errorf("Set-Cookie shown as %q, want its value masked", got)
			}
			if len(f.Reproduce) != 1 || !strings.Contains(f.Reproduce[0], `"password":"[REDACTED]"`) {
				t.Errorf("reproduce %q: want the login with its password hidden", f.Reproduce)
			}
			all, _ := json.Marshal(f)
			for _, secret := range []string{clPassword, clSession, "tok-alice-0123456789", "tok-bob-0123456789"} {
				if strings.Contains(string(all), secret) {
					t.Errorf("the finding shows the secret %q: %s", secret, all)
				}
			}
		})
	}
}
