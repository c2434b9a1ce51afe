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

// verifyAPI is a secure API: every /api route but /api/health needs a
// bearer JWT of a known user whose exp is still ahead (checked on the
// server's clock), and answers 401 otherwise.
type verifyAPI struct {
	public    bool // every route answers without credentials
	emptyMe   bool // GET /api/me answers {"user": null} to a valid token
	expireAt  int  // alice's token is refused from her expireAt-th accepted request on (0: never)
	loginFail bool // POST /login refuses everyone

	mu      sync.Mutex
	alice   int  // alice's accepted requests
	revoked bool // every token is refused (see verifyBreaker)
}

// verifyJWT is an unsigned-looking JWT for sub that expires at exp; the
// test API reads only its claims.
func verifyJWT(sub string, exp time.Time) string {
	enc := base64.RawURLEncoding
	claims, _ := json.Marshal(map[string]any{"sub": sub, "exp": exp.Unix()})
	return enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + enc.EncodeToString(claims) + ".c2lnbmF0dXJl"
}

func (a *verifyAPI) user(r *http.Request) (string, bool) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	parts := strings.Split(tok, ".")
	if !ok || len(parts) != 3 {
		return "", false
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", false
	}
	var c struct {
		Sub string
		Exp int64
	}
	if json.Unmarshal(payload, &c) != nil || time.Unix(c.Exp, 0).Before(time.Now()) || (c.Sub != "alice" && c.Sub != "bob") {
		return "", false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.revoked {
		return "", false
	}
	if c.Sub == "alice" {
		a.alice++
		if a.expireAt > 0 && a.alice >= a.expireAt {
			return "", false
		}
	}
	return c.Sub, true
}

func (a *verifyAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if r.URL.Path == "/login" {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"error":"invalid credentials"}`)
		return
	}
	if r.URL.Path == "/api/health" {
		fmt.Fprint(w, `{"status":"ok"}`)
		return
	}
	if r.URL.Path != "/api/me" && r.URL.Path != "/api/orders" {
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"error":"not found"}`)
		return
	}
	user, ok := "", a.public
	if !a.public {
		user, ok = a.user(r)
	}
	if !ok {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"error":"invalid or expired token"}`)
		return
	}
	switch {
	case r.URL.Path == "/api/orders":
		fmt.Fprintf(w, `[{"id":1,"owner":%q,"item":"teapot"}]`, user)
	case a.emptyMe:
		fmt.Fprint(w, `{"user":null}`)
	default:
		fmt.Fprintf(w, `{"user":{"name":%q}}`, user)
	}
}

func bearerIdentity(name, token string) *Identity {
	return NewIdentity(name, []Header{{Name: "Authorization", Value: "Bearer " + token}})
}

// verifyOptions scans api's three routes as primary (and peer).
func verifyOptions(t *testing.T, api *verifyAPI, primary, peer *Identity) Options {
	t.Helper()
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	return Options{
		Target:    srv.URL,
		Endpoints: []string{"GET /api/health", "GET /api/me", "GET /api/orders"},
		Primary:   primary,
		Peer:      peer,
		Mode:      finding.ModeSafe,
		Client:    ClientOptions{Concurrency: 1, Timeout: 5 * time.Second},
		Wait:      time.Second,
		Rules:     []Rule{meRule{reads: 1}},
	}
}

func identityCov(res *Result, name string) (finding.IdentityCoverage, bool) {
	for _, c := range res.Coverage.Identities {
		if c.Name == name {
			return c, true
		}
	}
	return finding.IdentityCoverage{}, false
}

// TestVerifyIdentities: an expired token and a garbage one end the scan
// with a one-line reason naming the identity and the evidence (exit 3);
// valid ones are verified with their evidence in the coverage; on an API
// where nothing refuses anonymous requests nothing can be verified, which
// is said, not failed.
func TestVerifyIdentities(t *testing.T) {
	valid := func(sub string) string { return verifyJWT(sub, time.Now().Add(time.Hour)) }
	expiredAt := time.Now().Add(-time.Hour).Truncate(time.Second)
	expired := verifyJWT("alice", expiredAt)
	expiredLine := fmt.Sprintf(`identity "primary" (--auth) is rejected: its JWT expired at %s (exp), before the scan started; give it a fresh token`, expiredAt.UTC().Format(time.RFC3339))
	unknown := valid("carol") // well-formed and unexpired, a user the API does not know
	const garbage = "garbage-token-0123456789"
	tests := []struct {
		name          string
		public        bool // every route answers without credentials
		primary, peer string
		wantErr       string // "": the scan runs
		wantCov       map[string]string
		wantVerified  map[string]bool
	}{
		{name: "valid primary and peer", primary: valid("alice"), peer: valid("bob"),
			wantCov:      map[string]string{"primary": "GET /api/me answered 200 to it, 401 to anonymous requests", "peer": "GET /api/me answered 200 to it, 401 to anonymous requests"},
			wantVerified: map[string]bool{"primary": true, "peer": true}},
		{name: "expired primary", primary: expired, wantErr: expiredLine},
		{name: "expired primary, valid peer", primary: expired, peer: valid("bob"), wantErr: expiredLine},
		{name: "unknown primary", primary: unknown,
			wantErr: `identity "primary" (--auth) is rejected by the API: GET /api/me answered 401 to it (and 401 to anonymous requests); 2 protected operations tried, none let it in`},
		{name: "unknown primary, valid peer", primary: unknown, peer: valid("bob"),
			wantErr: `identity "primary" (--auth) is rejected by the API: GET /api/me answered 401 to it (and 200 to the peer); 2 protected operations tried, none let it in`},
		{name: "valid primary, garbage peer", primary: valid("alice"), peer: garbage,
			wantErr: `identity "peer" (--peer-auth) is rejected by the API: GET /api/me answered 401 to it (and 200 to the primary); 2 protected operations tried, none let it in`},
		{name: "public API", public: true, primary: valid("alice"),
			wantCov:      map[string]string{"primary": "not verified: no operation refuses anonymous requests or answers it differently from them"},
			wantVerified: map[string]bool{"primary": false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var peer *Identity
			if tt.peer != "" {
				peer = bearerIdentity("peer", tt.peer)
			}
			res, err := Scan(context.Background(), verifyOptions(t, &verifyAPI{public: tt.public}, bearerIdentity("primary", tt.primary), peer))
			if tt.wantErr != "" {
				if !errors.Is(err, ErrIdentityRejected) || !errors.Is(err, ErrScanFailed) {
					t.Fatalf("err = %v, want one wrapping ErrIdentityRejected and ErrScanFailed", err)
				}
				if err.Error() != tt.wantErr {
					t.Fatalf("err = %q\nwant  %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), garbage) || strings.Contains(err.Error(), tt.primary) {
					t.Fatalf("the reason shows a credential: %q", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("scan: %v", err)
			}
			for name, how := range tt.wantCov {
				c, ok := identityCov(res, name)
				if !ok {
					t.Fatalf("no coverage for %s: %+v", name, res.Coverage.Identities)
				}
				if c.How != how || c.Verified != tt.wantVerified[name] {
					t.Errorf("%s: got verified %v how %q, want %v %q", name, c.Verified, c.How, tt.wantVerified[name], how)
				}
				wantRole := name
				if c.Role != wantRole {
					t.Errorf("%s: role %q", name, c.Role)
				}
			}
		})
	}
}

// TestVerifyBoundedCost: a rejected identity is tried on at most
// maxVerifyProbes protected operations, and anonymous on at most
// maxVerifyCandidates, however large the API.
func TestVerifyBoundedCost(t *testing.T) {
	var mu sync.Mutex
	asked := map[string]int{} // "anonymous"/"primary" -> requests
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		who := "anonymous"
		if r.Header.Get("Authorization") != "" {
			who = "primary"
		}
		mu.Lock()
		asked[who]++
		mu.Unlock()
		w.WriteHeader(http.StatusUnauthorized)
	}))
	t.Cleanup(srv.Close)
	var eps []string
	for i := range 40 {
		eps = append(eps, fmt.Sprintf("GET /api/r%02d", i))
	}
	v := &verifier{s: &scan{
		opts: Options{Endpoints: eps}, base: mustURL(t, srv.URL), cache: map[string]*Response{},
		client: NewClient(ClientOptions{Concurrency: 1, Timeout: 5 * time.Second, Origins: []string{origin(mustURL(t, srv.URL))}}),
	}}
	for _, e := range eps {
		method, path, _ := strings.Cut(e, " ")
		v.ops = append(v.ops, endpointOperation(method, path, nil))
	}
	id := bearerIdentity("primary", "whatever-token-123")
	v.s.primary = id
	res := v.try(context.Background(), id)
	if len(res.refused) != maxVerifyProbes {
		t.Errorf("tried %d operations, want %d", len(res.refused), maxVerifyProbes)
	}
	if asked["anonymous"] != maxVerifyCandidates || asked["primary"] != maxVerifyProbes {
		t.Errorf("requests %v, want %d anonymous and %d as the primary", asked, maxVerifyCandidates, maxVerifyProbes)
	}
}

// TestIdentityExpiresMidScan: a static token that the API stops accepting
// during the scan (it expired) is noticed: the identity's coverage says
// from when, and the scan is incomplete, so the gate fails instead of
// passing on checks that were refused. A token that keeps working leaves
// both alone.
func TestIdentityExpiresMidScan(t *testing.T) {
	for _, expireAt := range []int{0, 3} {
		t.Run(fmt.Sprintf("expireAt=%d", expireAt), func(t *testing.T) {
			api := &verifyAPI{expireAt: expireAt}
			opts := verifyOptions(t, api, bearerIdentity("primary", verifyJWT("alice", time.Now().Add(time.Hour))), nil)
			opts.Rules = []Rule{meRule{reads: 3}}
			res, err := Scan(context.Background(), opts)
			if err != nil {
				t.Fatalf("scan: %v", err)
			}
			c, _ := identityCov(res, "primary")
			if expireAt == 0 {
				if res.Incomplete != "" || !c.Verified || strings.Contains(c.How, "rejected from") {
					t.Fatalf("a working token marked: incomplete %q, coverage %+v", res.Incomplete, c)
				}
				return
			}
			if c.Verified || !strings.Contains(c.How, "rejected from ") || !strings.Contains(c.How, "later checks may be incomplete") {
				t.Errorf("coverage %+v: want the identity marked rejected mid-scan", c)
			}
			if !strings.Contains(res.Incomplete, `identity "primary" (--auth) was rejected from`) {
				t.Errorf("incomplete = %q, want the expiry", res.Incomplete)
			}
		})
	}
}

// verifyAPIRule is an active API rule that records that it ran; breaks,
// when set, revokes every token of the API (a rule that broke the
// primary identity).
type verifyAPIRule struct {
	id     string
	ran    *[]string
	breaks *verifyAPI
}

func (r verifyAPIRule) Info() finding.RuleInfo {
	ri, _ := finding.Lookup(r.id)
	return ri
}

func (r verifyAPIRule) CheckAPI(ctx context.Context, a *API) []finding.Finding {
	*r.ran = append(*r.ran, r.id)
	if r.breaks != nil {
		r.breaks.mu.Lock()
		r.breaks.revoked = true
		r.breaks.mu.Unlock()
	}
	return nil
}

// TestCheckFlowJudgedAgainstItsFirstAnswer: a flows.check operation that
// answers 200 {"user": null} to a valid token (401 to anonymous) is not
// taken for the primary identity having stopped working: the active rules
// after the first still run. When a rule really breaks the identity, the
// rules after it do not run, and the coverage says why for each and for
// the identity.
func TestCheckFlowJudgedAgainstItsFirstAnswer(t *testing.T) {
	for _, broken := range []bool{false, true} {
		t.Run(fmt.Sprintf("broken=%v", broken), func(t *testing.T) {
			api := &verifyAPI{emptyMe: true}
			opts := verifyOptions(t, api, bearerIdentity("primary", verifyJWT("alice", time.Now().Add(time.Hour))), nil)
			opts.Mode = finding.ModeActive
			opts.Flows.Check = "GET /api/me"
			var ran []string
			first := verifyAPIRule{id: "password-only-authentication", ran: &ran}
			if broken {
				first.breaks = api
			}
			opts.APIRules = []APIRule{first, verifyAPIRule{id: "login-no-rate-limit", ran: &ran}}
			res, err := Scan(context.Background(), opts)
			if err != nil {
				t.Fatalf("scan: %v", err)
			}
			c, _ := identityCov(res, "primary")
			if !broken {
				if len(ran) != 2 {
					t.Fatalf("rules run: %v, want both (warnings %q)", ran, res.Warnings)
				}
				if !c.Verified || !strings.Contains(c.How, "GET /api/me answered 200 to it, 401 to anonymous requests") {
					t.Errorf("primary coverage %+v", c)
				}
				return
			}
			if len(ran) != 1 {
				t.Fatalf("rules run: %v, want only the first", ran)
			}
			if c.Verified || !strings.Contains(c.How, "no longer works after password-only-authentication") {
				t.Errorf("primary coverage %+v: want the breakage", c)
			}
			for _, rc := range res.Coverage.Rules {
				if rc.Rule == "login-no-rate-limit" && (rc.Status != finding.RuleNotRun || !strings.Contains(rc.Reason, "no longer works")) {
					t.Errorf("login-no-rate-limit coverage %+v, want not run with the reason", rc)
				}
			}
		})
	}
}

// TestThrowawayLoginFailureInCoverage: a throw-away identity that cannot
// log in costs its active rules, not the scan, and the coverage says so.
func TestThrowawayLoginFailureInCoverage(t *testing.T) {
	api := &verifyAPI{}
	opts := verifyOptions(t, api, bearerIdentity("primary", verifyJWT("alice", time.Now().Add(time.Hour))), nil)
	tw := NewIdentity("mallory", nil)
	tw.Throwaway = true
	tw.Login = &Login{Method: "POST", Path: "/login", Format: "json", Body: map[string]any{"username": "mallory", "password": "Secret-Passw0rd-1"},
		TokenFrom: "json", TokenName: "token", Send: "Authorization: Bearer {token}"}
	opts.Identities = []*Identity{tw}
	opts.Mode = finding.ModeActive
	opts.APIRules = []APIRule{throwawayRule{}}
	res, err := Scan(context.Background(), opts)
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	for _, rc := range res.Coverage.Rules {
		if rc.Rule == "session-fixation" && (rc.Status != finding.RuleNotRun || !strings.Contains(rc.Reason, "the throw-away identity mallory cannot log in: ")) {
			t.Errorf("the rule that needed it: %+v, want not run because mallory cannot log in", rc)
		}
	}
	c, ok := identityCov(res, "mallory")
	if !ok || c.Verified || c.Role != "throwaway" || !strings.Contains(c.How, "login POST /login answered 401") {
		t.Fatalf("throw-away coverage %+v (found %v): want not verified with the login's answer", c, ok)
	}
	if strings.Contains(c.How, "Secret-Passw0rd-1") {
		t.Fatalf("the password shows: %q", c.How)
	}
}

// throwawayRule needs a throw-away identity, as the session rules do.
type throwawayRule struct{}

func (throwawayRule) Info() finding.RuleInfo {
	ri, _ := finding.Lookup("session-fixation")
	return ri
}

func (throwawayRule) CheckAPI(ctx context.Context, a *API) []finding.Finding {
	if len(a.Throwaways()) == 0 {
		a.Skip("session-fixation", a.NoThrowaway("no throw-away identity"))
	}
	return nil
}
