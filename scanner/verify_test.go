package scanner

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
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
	// openMe: GET /api/me serves anonymous callers too (optional auth):
	// {"user": null} to a caller it does not accept.
	openMe bool
	// optional: every route serves anonymous callers (optional auth):
	// /api/orders answers [] to a caller it does not accept.
	optional bool
	// issueExp, when set, makes POST /login answer {"token": <alice's
	// JWT expiring then>}; noExpCheck makes the API accept expired ones
	// (its clock is behind, or it does not check exp).
	issueExp   time.Time
	noExpCheck bool
	// orders are the users with orders (nil: everyone).
	orders []string

	mu      sync.Mutex
	alice   int  // alice's accepted requests
	revoked bool // every token is refused (see verifyBreaker)
}

// verifyJWT is an unsigned-looking JWT for sub that expires at exp; the
// test API reads only its claims.
func verifyJWT(sub string, exp time.Time) string {
	claims, _ := json.Marshal(map[string]any{"sub": sub, "exp": exp.Unix()})
	return reviewJWT(string(claims))
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
	if json.Unmarshal(payload, &c) != nil || (!a.noExpCheck && time.Unix(c.Exp, 0).Before(time.Now())) || (c.Sub != "alice" && c.Sub != "bob") {
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
		if a.issueExp.IsZero() {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":"invalid credentials"}`)
			return
		}
		fmt.Fprintf(w, `{"token":%q}`, verifyJWT("alice", a.issueExp))
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
	switch {
	case !ok && a.optional && r.URL.Path == "/api/orders":
		fmt.Fprint(w, `[]`)
		return
	case !ok && (a.openMe || a.optional) && r.URL.Path == "/api/me":
		fmt.Fprint(w, `{"user":null}`)
		return
	case !ok:
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"error":"invalid or expired token"}`)
		return
	}
	switch {
	case r.URL.Path == "/api/orders" && a.orders != nil && !slices.Contains(a.orders, user):
		fmt.Fprint(w, `[]`)
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
	expiredLine := fmt.Sprintf(`identity "primary" (--auth) is rejected: its JWT expired at %s (exp); give it a fresh token`, expiredAt.UTC().Format(time.RFC3339))
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

// worksRule records whether API.Works takes the check operation to let
// anonymous requests in, as the session rules ask before judging with it.
type worksRule struct{ anonymousIn *bool }

func (worksRule) Info() finding.RuleInfo {
	ri, _ := finding.Lookup("session-fixation")
	return ri
}

func (r worksRule) CheckAPI(ctx context.Context, a *API) []finding.Finding {
	if check, ok := a.Flow(ctx, FlowCheck); ok {
		*r.anonymousIn, _ = a.Works(ctx, check, Anonymous)
	}
	return nil
}

// TestVerifyCheckThatProvesNothing: a flows.check that answers
// {"user": null} to everyone cannot tell an identity from anonymous
// requests: the identity is verified on the protected operation instead
// (not "NOT verified" because of the check), a warning says the check
// proves nothing, and the session rules are told it lets anonymous
// requests in, so they do not judge sessions with it. Its fixed twin
// answers a valid token its user: verified by the check, no warning, and
// anonymous requests are not let in.
func TestVerifyCheckThatProvesNothing(t *testing.T) {
	for _, nothing := range []bool{true, false} {
		t.Run(fmt.Sprintf("provesNothing=%v", nothing), func(t *testing.T) {
			api := &verifyAPI{openMe: true, emptyMe: nothing}
			opts := verifyOptions(t, api, bearerIdentity("primary", verifyJWT("alice", time.Now().Add(time.Hour))), nil)
			opts.Flows.Check = "GET /api/me"
			opts.Mode = finding.ModeActive
			var anonymousIn bool
			opts.APIRules = []APIRule{worksRule{anonymousIn: &anonymousIn}}
			res, err := Scan(context.Background(), opts)
			if err != nil {
				t.Fatalf("scan: %v", err)
			}
			c, _ := identityCov(res, "primary")
			warned := slices.ContainsFunc(res.Warnings, func(w string) bool {
				return strings.Contains(w, "flows.check GET /api/me proves nothing") && strings.Contains(w, "lets anonymous requests in")
			})
			if !nothing {
				if !c.Verified || c.How != "GET /api/me answered 200 with data to it, 200 with no data to anonymous requests" {
					t.Errorf("coverage %+v", c)
				}
				if warned || anonymousIn {
					t.Errorf("a check that tells the primary from anonymous: warnings %q, anonymous let in %v", res.Warnings, anonymousIn)
				}
				return
			}
			want := "GET /api/orders answered 200 to it, 401 to anonymous requests; flows.check GET /api/me answered 200 with no data to it, as to anonymous requests, so it proves nothing"
			if !c.Verified || c.How != want {
				t.Errorf("coverage %+v\nwant verified with %q", c, want)
			}
			if !warned {
				t.Errorf("no warning that the check proves nothing: %q", res.Warnings)
			}
			if !anonymousIn {
				t.Errorf("API.Works says the check keeps anonymous requests out: the session rules would judge with it")
			}
		})
	}
}

// TestVerifyOptionalAuth: on an API whose routes serve anonymous callers
// too (security: [{bearer: []}, {}]), nothing refuses an invalid token:
// identities are told by a different answer. A valid token is verified by
// its record where anonymous requests get {"user": null}; a garbage peer,
// answered as anonymous where the primary got its record, is rejected; a
// garbage primary alone is said not verified (nothing tells), with a
// warning, and the scan goes on; an expired JWT is rejected offline. Data
// only one identity has (a guest's empty order list next to alice's)
// rejects nobody: a valid bob without orders is answered as anonymous
// there too.
func TestVerifyOptionalAuth(t *testing.T) {
	valid := func(sub string) string { return verifyJWT(sub, time.Now().Add(time.Hour)) }
	expiredAt := time.Now().Add(-time.Hour).Truncate(time.Second)
	const garbage = "garbage-token-0123456789"
	tests := []struct {
		name          string
		endpoints     []string // nil: /api/health, /api/me, /api/orders
		orders        []string
		primary, peer string
		wantErr       string
		wantCov       map[string]string
		wantVerified  map[string]bool
		wantWarning   string
	}{
		{name: "valid primary", primary: valid("alice"),
			wantCov:      map[string]string{"primary": "GET /api/me answered 200 with data to it, 200 with no data to anonymous requests"},
			wantVerified: map[string]bool{"primary": true}},
		{name: "valid primary and peer", primary: valid("alice"), peer: valid("bob"),
			wantCov:      map[string]string{"peer": "GET /api/me answered 200 with data to it, 200 with no data to anonymous requests"},
			wantVerified: map[string]bool{"primary": true, "peer": true}},
		{name: "garbage peer", primary: valid("alice"), peer: garbage,
			wantErr: `identity "peer" (--peer-auth) is rejected by the API: GET /api/me answered 200 with no data to it, as to anonymous requests (and 200 with data to the primary)`},
		{name: "garbage primary alone", primary: garbage,
			wantCov:      map[string]string{"primary": "not verified: no operation refuses anonymous requests or answers it differently from them"},
			wantVerified: map[string]bool{"primary": false},
			wantWarning:  `identity "primary" (--auth) is not verified: no operation refuses anonymous requests or answers it differently from them`},
		{name: "expired primary", primary: verifyJWT("alice", expiredAt),
			wantErr: fmt.Sprintf(`identity "primary" (--auth) is rejected: its JWT expired at %s (exp); give it a fresh token`, expiredAt.UTC().Format(time.RFC3339))},
		{name: "no who-am-I route, valid peer without orders", endpoints: []string{"GET /api/health", "GET /api/orders"}, orders: []string{"alice"},
			primary: valid("alice"), peer: valid("bob"),
			wantCov:      map[string]string{"primary": "GET /api/orders answered 200 with data to it, 200 with no data to anonymous requests", "peer": "not verified: no operation refuses anonymous requests or answers it differently from them"},
			wantVerified: map[string]bool{"primary": true, "peer": false},
			wantWarning:  `identity "peer" (--peer-auth) is not verified: no operation refuses`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var peer *Identity
			if tt.peer != "" {
				peer = bearerIdentity("peer", tt.peer)
			}
			opts := verifyOptions(t, &verifyAPI{optional: true, orders: tt.orders}, bearerIdentity("primary", tt.primary), peer)
			if tt.endpoints != nil {
				opts.Endpoints = tt.endpoints
			}
			res, err := Scan(context.Background(), opts)
			if tt.wantErr != "" {
				if !errors.Is(err, ErrIdentityRejected) || !errors.Is(err, ErrScanFailed) || err.Error() != tt.wantErr {
					t.Fatalf("err = %v\nwant  %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("scan: %v", err)
			}
			for name, verified := range tt.wantVerified {
				c, _ := identityCov(res, name)
				if c.Verified != verified || (tt.wantCov[name] != "" && c.How != tt.wantCov[name]) {
					t.Errorf("%s: verified %v how %q, want %v %q", name, c.Verified, c.How, verified, tt.wantCov[name])
				}
			}
			warned := slices.ContainsFunc(res.Warnings, func(w string) bool {
				return strings.HasPrefix(w, `identity "`) && strings.Contains(w, "is not verified")
			})
			if tt.wantWarning == "" && warned || tt.wantWarning != "" && !slices.ContainsFunc(res.Warnings, func(w string) bool { return strings.HasPrefix(w, tt.wantWarning) }) {
				t.Errorf("warnings %q, want %q", res.Warnings, tt.wantWarning)
			}
		})
	}
}

// TestVerifyLoginReturnsExpiredJWT: a login whose fresh token already
// expired (exp in the past by this machine's clock) is an error when the
// API refuses the token, named in the one line; when the API lets it in
// (its clock is behind, or it does not check exp), the identity is
// verified and its coverage says what is odd. A login that returns a
// token valid for an hour is verified plainly.
func TestVerifyLoginReturnsExpiredJWT(t *testing.T) {
	expiredAt := time.Now().Add(-time.Hour).Truncate(time.Second)
	stamp := expiredAt.UTC().Format(time.RFC3339)
	for _, tt := range []struct {
		name       string
		exp        time.Time
		noExpCheck bool
		wantErr    string
		wantHow    string
	}{
		{name: "expired, refused", exp: expiredAt,
			wantErr: `identity "alice" (identity in the config file) is rejected by the API: it logged in with POST /login, but GET /api/me answered 401 to it (and 401 to anonymous requests); 2 protected operations tried, none let it in; the JWT its login returned expired at ` + stamp + ` (exp)`},
		{name: "expired, accepted", exp: expiredAt, noExpCheck: true,
			wantHow: "logged in with POST /login; GET /api/me answered 200 to it, 401 to anonymous requests; the JWT its login returned expired at " + stamp + " (exp) by this machine's clock: the API's clock is behind, or it does not check exp"},
		{name: "valid", exp: time.Now().Add(time.Hour),
			wantHow: "logged in with POST /login; GET /api/me answered 200 to it, 401 to anonymous requests"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			api := &verifyAPI{issueExp: tt.exp, noExpCheck: tt.noExpCheck}
			alice := NewIdentity("alice", nil)
			alice.Login = &Login{Method: "POST", Path: "/login", Format: "json", Body: map[string]any{"username": "alice", "password": "Alice-Passw0rd-1"},
				TokenFrom: "json", TokenName: "token", Send: "Authorization: Bearer {token}"}
			opts := verifyOptions(t, api, alice, nil)
			opts.Identities = []*Identity{alice}
			opts.Flows.Check = "GET /api/me"
			res, err := Scan(context.Background(), opts)
			if tt.wantErr != "" {
				if !errors.Is(err, ErrIdentityRejected) || err.Error() != tt.wantErr {
					t.Fatalf("err = %v\nwant  %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("scan: %v", err)
			}
			if c, _ := identityCov(res, "alice"); !c.Verified || c.How != tt.wantHow {
				t.Errorf("coverage %+v\nwant verified with %q", c, tt.wantHow)
			}
		})
	}
}

// TestExpiredJWT: the offline judgement of configured credentials. Only
// when every JWT with an exp expired more than jwtExpiryLeeway ago are
// they rejected: a token inside the leeway, one without exp, an opaque
// token, or a valid user token next to an expired one are left to the
// API.
func TestExpiredJWT(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	jwt := func(exp time.Time) string { return verifyJWT("alice", exp) }
	noExp := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256"}`)) + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"alice"}`)) + ".c2ln"
	hourAgo := now.Add(-time.Hour)
	for _, tt := range []struct {
		name    string
		headers []Header
		want    bool
	}{
		{"expired an hour ago", []Header{{Name: "Authorization", Value: "Bearer " + jwt(hourAgo)}}, true},
		{"expired in a cookie", []Header{{Name: "Cookie", Value: "theme=dark; session=" + jwt(hourAgo)}}, true},
		{"inside the leeway", []Header{{Name: "Authorization", Value: "Bearer " + jwt(now.Add(-jwtExpiryLeeway/2))}}, false},
		{"just past the leeway", []Header{{Name: "Authorization", Value: "Bearer " + jwt(now.Add(-jwtExpiryLeeway-time.Second))}}, true},
		{"valid", []Header{{Name: "Authorization", Value: "Bearer " + jwt(now.Add(time.Hour))}}, false},
		{"no exp", []Header{{Name: "Authorization", Value: "Bearer " + noExp}}, false},
		{"opaque", []Header{{Name: "Authorization", Value: "Bearer sess-0123456789abcdef"}}, false},
		{"valid token next to an expired one", []Header{{Name: "Apikey", Value: jwt(hourAgo)}, {Name: "Authorization", Value: "Bearer " + jwt(now.Add(time.Hour))}}, false},
		{"none", nil, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			exp, got := expiredJWT(tt.headers, now)
			if got != tt.want {
				t.Fatalf("expired = %v (exp %v), want %v", got, exp, tt.want)
			}
			if got && !exp.Before(now) {
				t.Errorf("exp %v is not in the past", exp)
			}
		})
	}
}
