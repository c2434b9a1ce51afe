package scanner

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authgate/authgate/finding"
)

// loginPassword is the test accounts' password: it must never appear in
// evidence.
const loginPassword = "Very-Secret-Passw0rd-77"

// loginAPI is an API with a login that hands out tokens in the way its
// mode says, and a GET /me that needs one. A token stops working after
// uses requests (0: never), as an expiring token does.
type loginAPI struct {
	mode string // "json", "header", "cookie", "form"
	uses int

	mu     sync.Mutex
	n      int
	tokens map[string]int // token -> requests left (-1: unlimited)
	logins int
}

func (a *loginAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch r.URL.Path {
	case "/login":
		var user, pass string
		if a.mode == "form" {
			_ = r.ParseForm()
			user, pass = r.PostForm.Get("username"), r.PostForm.Get("password")
		} else {
			var body struct{ Username, Password string }
			_ = json.NewDecoder(r.Body).Decode(&body)
			user, pass = body.Username, body.Password
		}
		if r.Method != http.MethodPost || user != "mallory" || pass != loginPassword {
			http.Error(w, `{"error":"invalid credentials"}`, http.StatusUnauthorized)
			return
		}
		a.logins++
		a.n++
		tok := fmt.Sprintf("session-token-%04d-abcdef", a.n)
		if a.tokens == nil {
			a.tokens = map[string]int{}
		}
		a.tokens[tok] = a.uses
		if a.uses == 0 {
			a.tokens[tok] = -1
		}
		switch a.mode {
		case "header":
			w.Header().Set("X-Auth-Token", tok)
			fmt.Fprint(w, `{"ok":true}`)
		case "cookie":
			http.SetCookie(w, &http.Cookie{Name: "sid", Value: tok, HttpOnly: true})
			fmt.Fprint(w, `{"ok":true}`)
		default:
			fmt.Fprintf(w, `{"data":{"access_token":%q}}`, tok)
		}
	case "/me":
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		if c, err := r.Cookie("sid"); err == nil {
			tok = c.Value
		}
		left, ok := a.tokens[tok]
		if !ok || left == 0 {
			http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
			return
		}
		if left > 0 {
			a.tokens[tok] = left - 1
		}
		fmt.Fprintf(w, `{"user":"mallory","email":"mallory@example.com","token_echo":%q}`, tok)
	default:
		http.NotFound(w, r)
	}
}

// testLogin is mallory's login flow for a loginAPI of the given mode.
func testLogin(mode string) *Login {
	l := &Login{Method: "POST", Path: "/login", Format: "json",
		Body:      map[string]any{"username": "mallory", "password": loginPassword},
		TokenFrom: "json", TokenName: "data.access_token", Send: "Authorization: Bearer {token}"}
	switch mode {
	case "form":
		l.Format = "form"
	case "header":
		l.TokenFrom, l.TokenName = "header", "X-Auth-Token"
	case "cookie":
		l.TokenFrom, l.TokenName, l.Send = "cookie", "sid", "Cookie: sid={token}"
	}
	return l
}

// meRule reads GET /me as the main identity a few times and reports each
// answer, so the tests see which requests were let in.
type meRule struct{ reads int }

func (meRule) Info() finding.RuleInfo {
	ri, _ := finding.Lookup(evidenceRuleID)
	return ri
}

func (m meRule) Check(ctx context.Context, t *Target) []finding.Finding {
	var fs []finding.Finding
	for i := range m.reads {
		r := t.Do(ctx, t.Request(t.Main(), t.Values()))
		f := t.NewFinding(evidenceRuleID, finding.ConfidenceHigh, fmt.Sprintf("read %d", i), r)
		f.Fingerprint = fmt.Sprint(i)
		fs = append(fs, f)
	}
	return fs
}

func loginScan(t *testing.T, api *loginAPI, l *Login, reads int) (*Result, error) {
	t.Helper()
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	id := NewIdentity("mallory", nil)
	id.Login = l
	return Scan(context.Background(), Options{
		Target:     srv.URL,
		Endpoints:  []string{"GET /me"},
		Primary:    id,
		Identities: []*Identity{id},
		Mode:       finding.ModeSafe,
		Client:     ClientOptions{Concurrency: 1, Timeout: 5 * time.Second},
		Wait:       time.Second,
		Rules:      []Rule{meRule{reads: reads}},
	})
}

// TestLoginFlows logs in with each way of carrying the token, reads the
// protected operation with it, and never shows the token or the password.
func TestLoginFlows(t *testing.T) {
	for _, mode := range []string{"json", "form", "header", "cookie"} {
		t.Run(mode, func(t *testing.T) {
			api := &loginAPI{mode: mode}
			res, err := loginScan(t, api, testLogin(mode), 2)
			if err != nil {
				t.Fatalf("scan: %v", err)
			}
			if len(res.Findings) != 2 {
				t.Fatalf("want 2 reads, got %d", len(res.Findings))
			}
			for _, f := range res.Findings {
				if st := f.Evidence.Exchanges[0].Status; st != http.StatusOK {
					t.Errorf("%s: GET /me as the logged-in identity answered %d", f.Evidence.Summary, st)
				}
				b, _ := json.Marshal(f)
				if strings.Contains(string(b), "session-token-") || strings.Contains(string(b), loginPassword) {
					t.Errorf("token or password in the report: %s", b)
				}
			}
			if api.logins != 1 {
				t.Errorf("logins = %d, want 1 (no re-login while the token works)", api.logins)
			}
		})
	}
}

// TestLoginAgainWhenTokenExpires: a token that stops working after two
// requests is replaced by logging in again, and the request is sent once
// more, so every read is let in.
func TestLoginAgainWhenTokenExpires(t *testing.T) {
	api := &loginAPI{mode: "json", uses: 2}
	res, err := loginScan(t, api, testLogin("json"), 5)
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	for _, f := range res.Findings {
		if st := f.Evidence.Exchanges[0].Status; st != http.StatusOK {
			t.Errorf("%s answered %d after the token expired; want a re-login", f.Evidence.Summary, st)
		}
	}
	if api.logins < 2 {
		t.Errorf("logins = %d, want a re-login", api.logins)
	}
}

// TestLoginFailures: wrong credentials and a missing token are the
// config's fault (ErrLogin, exit 2), a failing server the target's
// (ErrScanFailed, exit 3); neither message repeats the password.
func TestLoginFailures(t *testing.T) {
	wrong := testLogin("json")
	wrong.Body = map[string]any{"username": "mallory", "password": loginPassword + "-wrong"}
	noToken := testLogin("json")
	noToken.TokenName = "data.missing"
	tests := []struct {
		name  string
		h     http.Handler
		login *Login
		want  error
	}{
		{"wrong password", &loginAPI{mode: "json"}, wrong, ErrLogin},
		{"token not where configured", &loginAPI{mode: "json"}, noToken, ErrLogin},
		{"login answers 500", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/login" {
				http.Error(w, "boom", http.StatusInternalServerError)
				return
			}
			fmt.Fprint(w, "ok")
		}), testLogin("json"), ErrScanFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.h)
			defer srv.Close()
			id := NewIdentity("mallory", nil)
			id.Login = tt.login
			_, err := Scan(context.Background(), Options{
				Target: srv.URL, Endpoints: []string{"GET /me"}, Primary: id, Identities: []*Identity{id},
				Client: ClientOptions{Concurrency: 1, Timeout: 5 * time.Second}, Wait: time.Second,
			})
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if strings.Contains(err.Error(), loginPassword) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error must be one line without the password: %q", err)
			}
		})
	}
}

// TestTokenExpiry reads a JWT's exp, less the margin, and the shorter of
// it and a configured lifetime.
func TestTokenExpiry(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	jwt := func(claims string) string {
		enc := base64.RawURLEncoding.EncodeToString
		return enc([]byte(`{"alg":"HS256"}`)) + "." + enc([]byte(claims)) + ".sig"
	}
	exp := now.Add(time.Hour)
	tests := []struct {
		name     string
		tok      string
		lifetime time.Duration
		want     time.Time
	}{
		{"opaque token, no lifetime", "abcdef0123456789", 0, time.Time{}},
		{"opaque token, lifetime", "abcdef0123456789", 10 * time.Minute, now.Add(10 * time.Minute)},
		{"jwt exp", jwt(fmt.Sprintf(`{"exp":%d}`, exp.Unix())), 0, exp.Add(-expiryMargin)},
		{"lifetime shorter than exp", jwt(fmt.Sprintf(`{"exp":%d}`, exp.Unix())), 5 * time.Minute, now.Add(5 * time.Minute)},
		{"jwt without exp", jwt(`{"sub":"1"}`), 0, time.Time{}},
		{"garbage payload", "a.!!!.c", 0, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tokenExpiry(tt.tok, now, tt.lifetime); !got.Equal(tt.want) {
				t.Errorf("tokenExpiry = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestLoginFieldDetection finds the username and password fields by name
// unless they are configured.
func TestLoginFieldDetection(t *testing.T) {
	tests := []struct {
		name           string
		login          Login
		wantUser, want string
	}{
		{"username/password", Login{Body: map[string]any{"username": "m", "password": "p"}}, "username", "password"},
		{"email/pass", Login{Body: map[string]any{"email": "m@x", "pass": "p", "tenant": "t"}}, "email", "pass"},
		{"configured", Login{Body: map[string]any{"login_name": "m", "passphrase": "p"}, UsernameField: "login_name", PasswordField: "passphrase"}, "login_name", "passphrase"},
		{"none", Login{Body: map[string]any{"api_key": "k"}}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.login.UsernameKey(); got != tt.wantUser {
				t.Errorf("UsernameKey = %q, want %q", got, tt.wantUser)
			}
			if got := tt.login.PasswordKey(); got != tt.want {
				t.Errorf("PasswordKey = %q, want %q", got, tt.want)
			}
		})
	}
}
