package demo

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// clock is a settable time for the lockout and session tests, so that no
// assertion depends on how fast the machine is.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// twinServer serves one twin on its own store and clock.
func twinServer(t *testing.T, secure bool) (*httptest.Server, *clock) {
	t.Helper()
	c := newClock()
	s := newServer(c.now)
	h := s.vulnerable()
	if secure {
		h = s.secure()
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, c
}

// reply is one answer, read whole.
type reply struct {
	status int
	header http.Header
	body   string
}

func post(t *testing.T, srv *httptest.Server, path, body, token string) reply {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return reply{resp.StatusCode, resp.Header, strings.TrimSpace(string(b))}
}

func loginBody(user, password string) string {
	b, _ := json.Marshal(map[string]string{"username": user, "password": password})
	return string(b)
}

func login(t *testing.T, srv *httptest.Server, user, password string) reply {
	t.Helper()
	return post(t, srv, "/api/login", loginBody(user, password), "")
}

// tokenOf returns the access_token of a successful login.
func tokenOf(t *testing.T, r reply) string {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("login: status %d, want 200: %s", r.status, r.body)
	}
	var v struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
	}
	if err := json.Unmarshal([]byte(r.body), &v); err != nil || v.AccessToken == "" || v.TokenType != "Bearer" {
		t.Fatalf("login answer %s: want an access_token of type Bearer (%v)", r.body, err)
	}
	return v.AccessToken
}

func TestLoginTwins(t *testing.T) {
	tests := []struct {
		name                       string
		body                       string
		vulnerable, secure         int
		vulnerableMsg, secureMsg   string // the error message, "" for none
		vulnerableAuth, secureAuth bool   // the answer carries a token
	}{
		{name: "right password", body: loginBody(MalloryUser, MalloryPassword),
			vulnerable: 200, secure: 200, vulnerableAuth: true, secureAuth: true},
		{name: "username in another case", body: loginBody(" Mallory ", MalloryPassword),
			vulnerable: 200, secure: 200, vulnerableAuth: true, secureAuth: true},
		{name: "wrong password", body: loginBody(MalloryUser, "Wrong-Passw0rd"),
			vulnerable: 401, secure: 401, vulnerableMsg: wrongPassword, secureMsg: invalidCredentials},
		{name: "unknown user", body: loginBody("authgate-nobody", "Wrong-Passw0rd"),
			vulnerable: 401, secure: 401, vulnerableMsg: unknownUser, secureMsg: invalidCredentials},
		{name: "built-in user has no password", body: loginBody("alice", AliceToken),
			vulnerable: 401, secure: 401, vulnerableMsg: unknownUser, secureMsg: invalidCredentials},
		{name: "malformed JSON", body: `{"username":`,
			vulnerable: 400, secure: 400, vulnerableMsg: "bad request", secureMsg: "bad request"},
		{name: "missing password", body: `{"username":"mallory"}`,
			vulnerable: 400, secure: 400, vulnerableMsg: "bad request", secureMsg: "bad request"},
		{name: "oversized body", body: loginBody(MalloryUser, strings.Repeat("x", maxLoginBody)),
			vulnerable: 400, secure: 400, vulnerableMsg: "bad request", secureMsg: "bad request"},
	}
	for _, secure := range []bool{false, true} {
		twin := map[bool]string{false: "vulnerable", true: "secure"}[secure]
		srv, _ := twinServer(t, secure)
		for _, tc := range tests {
			t.Run(twin+"/"+tc.name, func(t *testing.T) {
				status, msg, auth := tc.vulnerable, tc.vulnerableMsg, tc.vulnerableAuth
				if secure {
					status, msg, auth = tc.secure, tc.secureMsg, tc.secureAuth
				}
				r := post(t, srv, "/api/login", tc.body, "")
				if r.status != status {
					t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
				}
				if msg != "" {
					if want, _ := json.Marshal(map[string]string{"error": msg}); r.body != string(want) {
						t.Errorf("body %s, want %s", r.body, want)
					}
				}
				if r.status == http.StatusUnauthorized && !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer ") {
					t.Errorf("401 without a Bearer challenge")
				}
				if !auth {
					if strings.Contains(r.body, "access_token") {
						t.Errorf("a failed login answered a token: %s", r.body)
					}
					return
				}
				if cc := r.header.Get("Cache-Control"); cc != "no-store" {
					t.Errorf("Cache-Control = %q, want no-store on a token answer", cc)
				}
				token := tokenOf(t, r)
				if !strings.HasPrefix(token, sessionTokenPrefix) || len(token) != len(sessionTokenPrefix)+2*sessionTokenBytes {
					t.Errorf("token %q is not a %d-byte random session token", token, sessionTokenBytes)
				}
				_, me := do(t, srv, http.MethodGet, "/api/me", token)
				var u User
				if err := json.Unmarshal([]byte(me), &u); err != nil || u.UserID != MalloryUserID {
					t.Errorf("/api/me with mallory's token = %s, want user %d", me, MalloryUserID)
				}
			})
		}
	}
}

// TestSecureLoginHidesAccounts: everything a client sees of an unknown
// username's failed login is what it sees of a wrong password.
func TestSecureLoginHidesAccounts(t *testing.T) {
	srv, _ := twinServer(t, true)
	wrong := login(t, srv, MalloryUser, "Wrong-Passw0rd")
	unknown := login(t, srv, "authgate-nobody", "Wrong-Passw0rd")
	if wrong.status != unknown.status || wrong.body != unknown.body {
		t.Errorf("wrong password %d %s, unknown user %d %s: want the same", wrong.status, wrong.body, unknown.status, unknown.body)
	}
	for _, h := range []string{"WWW-Authenticate", "Content-Type", "Retry-After"} {
		if wrong.header.Get(h) != unknown.header.Get(h) {
			t.Errorf("%s differs: %q vs %q", h, wrong.header.Get(h), unknown.header.Get(h))
		}
	}
}

func TestLoginRateLimit(t *testing.T) {
	const wrong = "Wrong-Passw0rd"
	t.Run("vulnerable never limits", func(t *testing.T) {
		srv, _ := twinServer(t, false)
		for i := range 4 * maxFailedLogins {
			if r := login(t, srv, MalloryUser, wrong); r.status != http.StatusUnauthorized {
				t.Fatalf("failure %d: status %d, want 401", i+1, r.status)
			}
		}
		tokenOf(t, login(t, srv, MalloryUser, MalloryPassword))
	})

	t.Run("secure locks after the limit", func(t *testing.T) {
		srv, clk := twinServer(t, true)
		for i := range maxFailedLogins {
			if r := login(t, srv, MalloryUser, wrong); r.status != http.StatusUnauthorized {
				t.Fatalf("failure %d: status %d, want 401", i+1, r.status)
			}
		}
		for _, password := range []string{wrong, MalloryPassword} {
			r := login(t, srv, MalloryUser, password)
			if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "1" {
				t.Fatalf("locked, password %q: status %d Retry-After %q, want 429 and 1", password, r.status, r.header.Get("Retry-After"))
			}
			if strings.Contains(r.body, "access_token") {
				t.Fatalf("a locked login answered a token")
			}
		}
		// Another username is not affected.
		if r := login(t, srv, "authgate-other", wrong); r.status != http.StatusUnauthorized {
			t.Errorf("another username: status %d, want 401", r.status)
		}
		// After the window, a further failure is still over the limit.
		clk.advance(lockoutWindow)
		if r := login(t, srv, MalloryUser, wrong); r.status != http.StatusTooManyRequests {
			t.Fatalf("failure after the window: status %d, want 429", r.status)
		}
		if r := login(t, srv, MalloryUser, MalloryPassword); r.status != http.StatusTooManyRequests {
			t.Fatalf("right password in the new window: status %d, want 429", r.status)
		}
		// After the window, the right password logs in and resets the count.
		clk.advance(lockoutWindow)
		tokenOf(t, login(t, srv, MalloryUser, MalloryPassword))
		for i := range maxFailedLogins {
			if r := login(t, srv, MalloryUser, wrong); r.status != http.StatusUnauthorized {
				t.Fatalf("failure %d after a success: status %d, want 401", i+1, r.status)
			}
		}
	})

	t.Run("secure locks unknown usernames alike", func(t *testing.T) {
		srv, _ := twinServer(t, true)
		for _, user := range []string{MalloryUser, "authgate-nobody"} {
			var got []int
			for range maxFailedLogins + 1 {
				got = append(got, login(t, srv, user, wrong).status)
			}
			if want := "[401 401 401 401 401 429]"; fmt.Sprint(got) != want {
				t.Errorf("%s: statuses %v, want %s", user, got, want)
			}
		}
	})

	t.Run("secure limit holds under concurrent attempts", func(t *testing.T) {
		srv, _ := twinServer(t, true)
		const attempts = 4 * maxFailedLogins
		statuses := make(chan int, attempts)
		var wg sync.WaitGroup
		for range attempts {
			wg.Go(func() {
				// No t.Fatal off the test's goroutine: an error is a 0.
				resp, err := srv.Client().Post(srv.URL+"/api/login", "application/json", strings.NewReader(loginBody(MalloryUser, wrong)))
				if err != nil {
					statuses <- 0
					return
				}
				resp.Body.Close()
				statuses <- resp.StatusCode
			})
		}
		wg.Wait()
		close(statuses)
		count := map[int]int{}
		for s := range statuses {
			count[s]++
		}
		if count[http.StatusUnauthorized] != maxFailedLogins || count[http.StatusTooManyRequests] != attempts-maxFailedLogins {
			t.Errorf("statuses %v, want %d × 401 and the rest 429", count, maxFailedLogins)
		}
	})
}

func TestLogout(t *testing.T) {
	tests := []struct {
		name         string
		secure       bool
		afterLogout  int // GET /api/me with the logged-out token
		aliceLogout  int // GET /api/me as alice after alice's logout
		anonLogout   int
		getLogout    int
		secondLogout int // the same token logged out again
	}{
		{name: "vulnerable keeps the token", secure: false,
			afterLogout: 200, aliceLogout: 200, anonLogout: 401, getLogout: 405, secondLogout: 204},
		{name: "secure revokes the token", secure: true,
			afterLogout: 401, aliceLogout: 200, anonLogout: 401, getLogout: 405, secondLogout: 401},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := twinServer(t, tc.secure)
			token := tokenOf(t, login(t, srv, MalloryUser, MalloryPassword))
			other := tokenOf(t, login(t, srv, MalloryUser, MalloryPassword))
			if r := post(t, srv, "/api/logout", "", token); r.status != http.StatusNoContent || r.body != "" {
				t.Fatalf("logout: status %d body %q, want 204 and no body", r.status, r.body)
			}
			if resp, body := do(t, srv, http.MethodGet, "/api/me", token); resp.StatusCode != tc.afterLogout {
				t.Errorf("/api/me with the logged-out token: status %d, want %d: %s", resp.StatusCode, tc.afterLogout, body)
			}
			if resp, _ := do(t, srv, http.MethodGet, "/api/me", other); resp.StatusCode != http.StatusOK {
				t.Errorf("mallory's other session: status %d, want 200 (logout ends one session)", resp.StatusCode)
			}
			if r := post(t, srv, "/api/logout", "", token); r.status != tc.secondLogout {
				t.Errorf("second logout: status %d, want %d", r.status, tc.secondLogout)
			}
			// The built-in tokens are not sessions: a logout leaves them
			// working, so no scan can log its primary identity out.
			if r := post(t, srv, "/api/logout", "", AliceToken); r.status != http.StatusNoContent {
				t.Errorf("alice's logout: status %d, want 204", r.status)
			}
			if resp, _ := do(t, srv, http.MethodGet, "/api/me", AliceToken); resp.StatusCode != tc.aliceLogout {
				t.Errorf("alice after logout: status %d, want %d", resp.StatusCode, tc.aliceLogout)
			}
			if r := post(t, srv, "/api/logout", "", ""); r.status != tc.anonLogout {
				t.Errorf("anonymous logout: status %d, want %d", r.status, tc.anonLogout)
			}
			if resp, _ := do(t, srv, http.MethodGet, "/api/logout", other); resp.StatusCode != tc.getLogout {
				t.Errorf("GET /api/logout: status %d, want %d", resp.StatusCode, tc.getLogout)
			}
		})
	}
}

func TestSessionsExpireAndStayBounded(t *testing.T) {
	clk := newClock()
	s := newSessions()
	token, err := s.issue(MalloryUserID, clk.now())
	if err != nil {
		t.Fatal(err)
	}
	if id, ok := s.user(token, clk.now()); !ok || id != MalloryUserID {
		t.Fatalf("fresh token: user %d %v", id, ok)
	}
	if _, ok := s.user(AliceToken, clk.now()); ok {
		t.Errorf("a built-in token is not a session")
	}
	clk.advance(sessionLifetime)
	if _, ok := s.user(token, clk.now()); ok {
		t.Errorf("token accepted after its lifetime")
	}
	var last string
	for range maxSessions + 10 {
		if last, err = s.issue(MalloryUserID, clk.now()); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(s.byKey); n > maxSessions {
		t.Errorf("%d sessions stored, want at most %d", n, maxSessions)
	}
	if _, ok := s.user(last, clk.now()); !ok {
		t.Errorf("the newest session was evicted")
	}
}

func TestFailuresStayBounded(t *testing.T) {
	clk := newClock()
	f := newFailures()
	wrong := func() bool { return false }
	for range maxFailedLogins {
		f.attempt(MalloryUser, clk.now(), wrong)
	}
	for i := range maxTrackedNames + 10 {
		f.attempt(fmt.Sprintf("authgate-%d", i), clk.now(), wrong)
	}
	if n := len(f.byName); n > maxTrackedNames {
		t.Errorf("%d usernames tracked, want at most %d", n, maxTrackedNames)
	}
	if v, _ := f.attempt(MalloryUser, clk.now(), func() bool { return true }); v != throttled {
		t.Errorf("the locked username was forgotten when the store filled up")
	}
}
