package rules_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner"
	"github.com/authgate/authgate/scanner/rules"
)

// acctPassword is the throw-away account's password.
const acctPassword = "Mallory-Throwaway-Passw0rd"

// acctRegPolicy is how the account API's registration judges passwords.
type acctRegPolicy int

const (
	acctRegAny        acctRegPolicy = iota // any password: vulnerable
	acctRegMinLen8                         // 8 characters, no deny list: vulnerable
	acctRegStrong                          // 12 characters and a deny list: fixed
	acctRegDenyList                        // 8 characters and a deny list: fixed
	acctRegNeedsTerms                      // refuses what lacks "terms": true: cannot be tested
	acctRegPending                         // 201, but no login before the e-mail is confirmed
)

// acctRecovery is what the account API's recovery answers.
type acctRecovery int

const (
	acctRecGeneric    acctRecovery = iota // 202 with a generic message: fixed
	acctRecSent                           // 200 {"status":"sent"}: fixed
	acctRecRequestID                      // a request id (uuid), a message id: fixed
	acctRecStatus                         // {"code": 20000}, a constant status: fixed
	acctRecMasked                         // {"reset_token": "********"}: fixed
	acctRecSnake                          // {"reset_token": ...}
	acctRecCamel                          // {"data": {"resetToken": ...}}
	acctRecLink                           // a reset link with ?token=
	acctRecOTP                            // {"otp": 123456} as a number
	acctRecCode                           // {"code": "482913"}, fresh each time
	acctRecHTML                           // an HTML page with the reset link
	acctRecOnce                           // leaks on the first request only
	acctRecWantsEmail                     // 400 unless the body has "email"
)

// acctAPI is a small account API: login, registration and recovery.
type acctAPI struct {
	reg  acctRegPolicy
	rec  acctRecovery
	form bool // the API reads forms only, not JSON

	mu         sync.Mutex
	passwords  map[string]string
	pending    map[string]bool
	registered []string // every name registration accepted
	recoveries int
}

func newAcctAPI(reg acctRegPolicy, rec acctRecovery) *acctAPI {
	return &acctAPI{reg: reg, rec: rec,
		passwords: map[string]string{"mallory": acctPassword, "mallory@example.com": acctPassword},
		pending:   map[string]bool{},
	}
}

// fields reads the body as a form or JSON, as the API is built to.
func (a *acctAPI) fields(r *http.Request) (map[string]string, bool) {
	out := map[string]string{}
	if a.form {
		if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") || r.ParseForm() != nil {
			return nil, false
		}
		for k := range r.PostForm {
			out[k] = r.PostForm.Get(k)
		}
		return out, true
	}
	var body map[string]any
	if json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<16)).Decode(&body) != nil {
		return nil, false
	}
	for k, v := range body {
		out[k] = fmt.Sprint(v)
	}
	return out, true
}

// acctAccount is the account name a body names, by either field.
func acctAccount(f map[string]string) string {
	if f["email"] != "" {
		return strings.ToLower(f["email"])
	}
	return f["username"]
}

func acctCommon(p string) bool {
	return slices.Contains([]string{"123456", "12345678", "password", "qwerty", "111111", "123456789"}, p)
}

func (a *acctAPI) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		f, ok := a.fields(r)
		if !ok {
			badRequest(w)
			return
		}
		a.mu.Lock()
		want, exists := a.passwords[acctAccount(f)]
		pending := a.pending[acctAccount(f)]
		a.mu.Unlock()
		if !exists || want != f["password"] || pending {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid credentials"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"token": "sess-" + randomHex(16)})
	})
	register := func(w http.ResponseWriter, r *http.Request) {
		f, ok := a.fields(r)
		user, pw := acctAccount(f), f["password"]
		if !ok || user == "" {
			badRequest(w)
			return
		}
		switch {
		case a.reg == acctRegNeedsTerms && f["terms"] != "true":
			writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"error": "you must accept the terms"})
			return
		case a.reg == acctRegMinLen8 && len(pw) < 8,
			a.reg == acctRegDenyList && (len(pw) < 8 || acctCommon(pw)),
			a.reg == acctRegStrong && (len(pw) < 12 || acctCommon(pw)):
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "password too weak"})
			return
		}
		a.mu.Lock()
		defer a.mu.Unlock()
		if _, taken := a.passwords[user]; taken {
			writeJSON(w, http.StatusConflict, map[string]string{"error": "account exists"})
			return
		}
		a.passwords[user] = pw
		a.pending[user] = a.reg == acctRegPending
		a.registered = append(a.registered, user)
		writeJSON(w, http.StatusCreated, map[string]string{"id": randomHex(4), "username": user})
	}
	mux.HandleFunc("POST /register", register)
	mux.HandleFunc("POST /v2/people", register)
	mux.HandleFunc("POST /forgot-password", func(w http.ResponseWriter, r *http.Request) {
		f, ok := a.fields(r)
		if !ok || a.rec == acctRecWantsEmail && f["email"] == "" {
			badRequest(w)
			return
		}
		a.mu.Lock()
		_, exists := a.passwords[acctAccount(f)]
		a.recoveries++
		n := a.recoveries
		a.mu.Unlock()
		token := randomHex(12)
		switch {
		case !exists || a.rec == acctRecGeneric || a.rec == acctRecWantsEmail || a.rec == acctRecOnce && n > 1:
			writeJSON(w, http.StatusAccepted, map[string]string{"message": "If the account exists, we sent an email with a reset link."})
		case a.rec == acctRecSent:
			writeJSON(w, http.StatusOK, map[string]string{"status": "sent"})
		case a.rec == acctRecRequestID:
			writeJSON(w, http.StatusOK, map[string]string{"status": "sent", "requestId": "3f1c2a4e-8b7d-4c1e-9a2b-" + randomHex(6), "messageId": "msg-" + randomHex(8)})
		case a.rec == acctRecStatus:
			writeJSON(w, http.StatusOK, map[string]any{"code": 20000, "message": "ok"})
		case a.rec == acctRecMasked:
			writeJSON(w, http.StatusOK, map[string]string{"status": "sent", "reset_token": "********"})
		case a.rec == acctRecSnake, a.rec == acctRecOnce:
			writeJSON(w, http.StatusOK, map[string]string{"status": "sent", "reset_token": token})
		case a.rec == acctRecCamel:
			writeJSON(w, http.StatusOK, map[string]any{"data": map[string]string{"resetToken": token}})
		case a.rec == acctRecLink:
			writeJSON(w, http.StatusOK, map[string]string{"message": "sent", "link": "https://app.example.com/reset?lang=en&token=" + token})
		case a.rec == acctRecOTP:
			writeJSON(w, http.StatusOK, map[string]any{"status": "sent", "otp": 100000 + n*7919%900000})
		case a.rec == acctRecCode:
			writeJSON(w, http.StatusOK, map[string]any{"status": "sent", "code": fmt.Sprintf("%06d", n*7919%1000000)})
		case a.rec == acctRecHTML:
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprintf(w, `<html><body><p>Sent.</p><a href="/reset?user=mallory&amp;token=%s">debug link</a></body></html>`, token)
		}
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { notFound(w) })
	return mux
}

// acctSpec describes the account API; acctSpecNoFlows only its login.
const (
	acctSpecNoFlows = `openapi: 3.0.3
info: {title: accounts, version: "1"}
paths:
  /login:
    post:
      security: []
      responses: {"200": {description: token}}
`
	acctSpec = acctSpecNoFlows + `  /register:
    post:
      security: []
      responses: {"201": {description: created}}
  /forgot-password:
    post:
      security: []
      responses: {"202": {description: maybe sent}}
`
)

// acctMallory is a fresh throw-away identity logging in as username (an
// e-mail address goes in an "email" field).
func acctMallory(username string, form bool) *scanner.Identity {
	key := "username"
	if strings.Contains(username, "@") {
		key = "email"
	}
	format := "json"
	if form {
		format = "form"
	}
	id := scanner.NewIdentity("mallory", nil)
	id.Throwaway = true
	id.Login = &scanner.Login{Method: "POST", Path: "/login", Format: format,
		Body:      map[string]any{key: username, "password": acctPassword, "remember": true},
		TokenFrom: "json", TokenName: "token", Send: "Authorization: Bearer {token}"}
	return id
}

// acctCase is one scan of the account API.
type acctCase struct {
	name     string
	api      *acctAPI
	spec     string // "" is acctSpec
	username string // "" is mallory
	notThrow bool   // the identity is not a throw-away one
	flows    scanner.Flows
	mode     finding.Mode // "" is active
}

// run scans the case with the account rules only and returns the
// findings and the warnings.
func (c acctCase) run(t *testing.T) ([]finding.Finding, []string) {
	t.Helper()
	spec, user, mode := c.spec, c.username, c.mode
	if spec == "" {
		spec = acctSpec
	}
	if user == "" {
		user = "mallory"
	}
	if mode == "" {
		mode = finding.ModeActive
	}
	id := acctMallory(user, c.api.form)
	id.Throwaway = !c.notThrow
	var warnings []string
	fs := scanRules(t, c.api.handler(), scanOpts{spec: spec, mode: mode, flows: c.flows,
		identities: []*scanner.Identity{id}, apiRules: rules.AccountRules(),
		onResult: func(r *scanner.Result) { warnings = r.Warnings }}, nil)
	return fs, warnings
}

// acctFinding returns the finding of rule, if any.
func acctFinding(fs []finding.Finding, rule string) (finding.Finding, bool) {
	for _, f := range fs {
		if f.Rule == rule {
			return f, true
		}
	}
	return finding.Finding{}, false
}

// acctSkipped returns the warning saying that rule did not run (or had
// nothing to test), "" if none.
func acctSkipped(warnings []string, rule string) string {
	for _, w := range warnings {
		if strings.HasPrefix(w, rule+" not run: ") || strings.HasPrefix(w, rule+" not applicable: ") {
			return w
		}
	}
	return ""
}

func TestWeakPasswordPolicy(t *testing.T) {
	const rule = "weak-password-policy"
	plainName := regexp.MustCompile(`^authgate-[0-9a-f]{12}$`)
	emailName := regexp.MustCompile(`^authgate-[0-9a-f]{12}@example\.com$`)
	formAPI := newAcctAPI(acctRegAny, acctRecGeneric)
	formAPI.form = true
	tests := []struct {
		acctCase
		path     string
		want     bool
		summary  string         // part of the finding's summary
		skip     string         // part of the skip warning, "" for none
		accounts *regexp.Regexp // the shape of the names registered
	}{
		{acctCase: acctCase{name: "any password", api: newAcctAPI(acctRegAny, acctRecGeneric)},
			path: "/register", want: true, summary: `password "123456"`, accounts: plainName},
		{acctCase: acctCase{name: "any password, e-mail login", api: newAcctAPI(acctRegAny, acctRecGeneric), username: "mallory@example.com"},
			path: "/register", want: true, summary: `password "123456"`, accounts: emailName},
		{acctCase: acctCase{name: "length only, no deny list", api: newAcctAPI(acctRegMinLen8, acctRecGeneric)},
			path: "/register", want: true, summary: `password "12345678"`, accounts: plainName},
		{acctCase: acctCase{name: "form registration", api: formAPI},
			path: "/register", want: true, summary: `password "123456"`, accounts: plainName},
		{acctCase: acctCase{name: "configured flow", api: newAcctAPI(acctRegAny, acctRecGeneric), spec: acctSpecNoFlows,
			flows: scanner.Flows{Register: "POST /v2/people"}},
			path: "/v2/people", want: true, summary: "POST /v2/people created the account authgate-", accounts: plainName},

		{acctCase: acctCase{name: "fixed: 12 characters and a deny list", api: newAcctAPI(acctRegStrong, acctRecGeneric)},
			path: "/register", accounts: plainName},
		{acctCase: acctCase{name: "fixed: 8 characters and a deny list", api: newAcctAPI(acctRegDenyList, acctRecGeneric), username: "mallory@example.com"},
			path: "/register", accounts: emailName},

		{acctCase: acctCase{name: "skip: registration needs more fields", api: newAcctAPI(acctRegNeedsTerms, acctRecGeneric)},
			path: "/register", skip: "refused a strong password too (status 422)"},
		{acctCase: acctCase{name: "skip: account needs a confirmation", api: newAcctAPI(acctRegPending, acctRecGeneric)},
			path: "/register", skip: "could not log in (status 401)", accounts: plainName},
		{acctCase: acctCase{name: "skip: no registration operation", api: newAcctAPI(acctRegAny, acctRecGeneric), spec: acctSpecNoFlows},
			path: "/register", skip: "no registration operation"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs, warnings := tt.run(t)
			f, got := acctFinding(fs, rule)
			if got != tt.want {
				t.Fatalf("finding: got %v, want %v; findings:%s\nwarnings: %q", got, tt.want, list(fs), warnings)
			}
			if got && (f.Method != "POST" || f.Path != tt.path || f.Severity != finding.SeverityMedium) {
				t.Errorf("finding on %s %s (%s), want POST %s (medium)", f.Method, f.Path, f.Severity, tt.path)
			}
			if got && !strings.Contains(f.Evidence.Summary, tt.summary) {
				t.Errorf("summary %q does not say %q", f.Evidence.Summary, tt.summary)
			}
			if got && len(f.Evidence.Exchanges) != 2 {
				t.Errorf("evidence has %d exchanges, want the registration and the login", len(f.Evidence.Exchanges))
			}
			w := acctSkipped(warnings, rule)
			if tt.skip == "" && w != "" || tt.skip != "" && !strings.Contains(w, tt.skip) {
				t.Errorf("skip warning %q, want one containing %q; all: %q", w, tt.skip, warnings)
			}
			tt.api.mu.Lock()
			defer tt.api.mu.Unlock()
			for _, name := range tt.api.registered {
				if tt.accounts == nil || !tt.accounts.MatchString(name) {
					t.Errorf("registered account %q, want names like %v", name, tt.accounts)
				}
			}
			if tt.accounts != nil && len(tt.api.registered) != 1 {
				t.Errorf("registered %d accounts (%q), want exactly one", len(tt.api.registered), tt.api.registered)
			}
		})
	}
}

func TestPasswordRecoveryTokenExposed(t *testing.T) {
	const rule = "password-recovery-token-exposed"
	formAPI := newAcctAPI(acctRegStrong, acctRecSnake)
	formAPI.form = true
	tests := []struct {
		acctCase
		want    bool
		summary string // part of the finding's summary
		skip    string // part of the skip warning, "" for none
		sends   int    // recovery requests the API should see, 0: not checked
	}{
		{acctCase: acctCase{name: "reset_token in the answer", api: newAcctAPI(acctRegStrong, acctRecSnake)},
			want: true, summary: "reset_token: 24 characters", sends: 2},
		{acctCase: acctCase{name: "resetToken nested, e-mail login", api: newAcctAPI(acctRegStrong, acctRecCamel), username: "mallory@example.com"},
			want: true, summary: "resetToken: 24 characters"},
		{acctCase: acctCase{name: "reset link with token=", api: newAcctAPI(acctRegStrong, acctRecLink)},
			want: true, summary: "a link's token= parameter: 24 characters"},
		{acctCase: acctCase{name: "one-time code as a number", api: newAcctAPI(acctRegStrong, acctRecOTP)},
			want: true, summary: "otp: 6 characters"},
		{acctCase: acctCase{name: "fresh code under a generic key", api: newAcctAPI(acctRegStrong, acctRecCode)},
			want: true, summary: "code: 6 characters"},
		{acctCase: acctCase{name: "HTML page with the reset link", api: newAcctAPI(acctRegStrong, acctRecHTML)},
			want: true, summary: "a link's token= parameter"},
		{acctCase: acctCase{name: "form recovery", api: formAPI},
			want: true, summary: "reset_token: 24 characters"},

		{acctCase: acctCase{name: "fixed: 202 generic message", api: newAcctAPI(acctRegStrong, acctRecGeneric)}, sends: 1},
		{acctCase: acctCase{name: `fixed: {"status":"sent"}`, api: newAcctAPI(acctRegStrong, acctRecSent)}, sends: 1},
		{acctCase: acctCase{name: "fixed: request and message ids", api: newAcctAPI(acctRegStrong, acctRecRequestID)}},
		{acctCase: acctCase{name: "fixed: constant status code", api: newAcctAPI(acctRegStrong, acctRecStatus)}},
		{acctCase: acctCase{name: "fixed: masked token", api: newAcctAPI(acctRegStrong, acctRecMasked)}},
		{acctCase: acctCase{name: "not confirmed: leaks once", api: newAcctAPI(acctRegStrong, acctRecOnce)}, sends: 2},

		{acctCase: acctCase{name: "skip: no recovery operation", api: newAcctAPI(acctRegStrong, acctRecSnake), spec: acctSpecNoFlows},
			skip: "no password recovery operation"},
		{acctCase: acctCase{name: "skip: no throw-away identity", api: newAcctAPI(acctRegStrong, acctRecSnake), notThrow: true},
			skip: "no throw-away identity"},
		{acctCase: acctCase{name: "skip: recovery refuses the body", api: newAcctAPI(acctRegStrong, acctRecWantsEmail)},
			skip: "answered with status 400"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs, warnings := tt.run(t)
			f, got := acctFinding(fs, rule)
			if got != tt.want {
				t.Fatalf("finding: got %v, want %v; findings:%s\nwarnings: %q", got, tt.want, list(fs), warnings)
			}
			if got && (f.Method != "POST" || f.Path != "/forgot-password" || f.Severity != finding.SeverityHigh) {
				t.Errorf("finding on %s %s (%s), want POST /forgot-password (high)", f.Method, f.Path, f.Severity)
			}
			if got && !strings.Contains(f.Evidence.Summary, tt.summary) {
				t.Errorf("summary %q does not say %q", f.Evidence.Summary, tt.summary)
			}
			if got && len(f.Evidence.Exchanges) != 2 {
				t.Errorf("evidence has %d exchanges, want the two answers", len(f.Evidence.Exchanges))
			}
			w := acctSkipped(warnings, rule)
			if tt.skip == "" && w != "" || tt.skip != "" && !strings.Contains(w, tt.skip) {
				t.Errorf("skip warning %q, want one containing %q; all: %q", w, tt.skip, warnings)
			}
			tt.api.mu.Lock()
			defer tt.api.mu.Unlock()
			if tt.sends != 0 && tt.api.recoveries != tt.sends {
				t.Errorf("sent %d recovery requests, want %d", tt.api.recoveries, tt.sends)
			}
		})
	}
}

// TestAccountRulesSafeMode: in safe mode neither rule registers, asks for
// a recovery or logs in with an invented account.
func TestAccountRulesSafeMode(t *testing.T) {
	api := newAcctAPI(acctRegAny, acctRecSnake)
	var mu sync.Mutex
	var sent []string
	inner := api.handler()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(http.MaxBytesReader(nil, r.Body, 1<<16))
		if r.URL.Path != "/login" || strings.Contains(string(body), "authgate-") {
			mu.Lock()
			sent = append(sent, r.Method+" "+r.URL.Path)
			mu.Unlock()
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		inner.ServeHTTP(w, r)
	})
	id := acctMallory("mallory", false)
	var warnings []string
	fs := scanRules(t, h, scanOpts{spec: acctSpec, mode: finding.ModeSafe,
		identities: []*scanner.Identity{id}, apiRules: rules.AccountRules(),
		onResult: func(r *scanner.Result) { warnings = r.Warnings }}, nil)
	if len(fs) > 0 {
		t.Errorf("safe mode found:%s", list(fs))
	}
	mu.Lock()
	defer mu.Unlock()
	for _, s := range sent {
		if strings.HasPrefix(s, "POST ") {
			t.Errorf("safe mode sent %s", s)
		}
	}
	api.mu.Lock()
	defer api.mu.Unlock()
	if len(api.registered) > 0 || api.recoveries > 0 {
		t.Errorf("safe mode registered %q and asked for %d recoveries", api.registered, api.recoveries)
	}
	for _, rule := range []string{"weak-password-policy", "password-recovery-token-exposed"} {
		if w := acctSkipped(warnings, rule); w != "" {
			t.Errorf("safe mode should not mention an active rule: %q", w)
		}
	}
}

// TestAccountRulesComposite runs the account rules on the composite API:
// its correct flows give nothing, each flawed twin its finding.
func TestAccountRulesComposite(t *testing.T) {
	tests := []struct {
		name  string
		flaws compositeFlaws
		rule  string // "" : no finding of either rule
		path  string
	}{
		{"correct flows", compositeFlaws{}, "", ""},
		{"weak passwords", compositeFlaws{weakPasswords: true}, "weak-password-policy", "/api/register"},
		{"recovery leaks its token", compositeFlaws{leaksRecovery: true}, "password-recovery-token-exposed", "/api/password/forgot"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newCompositeAPI(t)
			api.accounts.flaws = tt.flaws
			var warnings []string
			fs := scanRules(t, api.handler(), scanOpts{spec: compositeAccountSpec, auth: api.token(t, "1001"),
				identities: compositeThrowaways(), mode: finding.ModeActive, apiRules: rules.AccountRules(),
				onResult: func(r *scanner.Result) { warnings = r.Warnings }}, nil)
			for _, rule := range []string{"weak-password-policy", "password-recovery-token-exposed"} {
				if w := acctSkipped(warnings, rule); w != "" {
					t.Errorf("rule skipped on the composite API: %q", w)
				}
				_, found := acctFinding(fs, rule)
				switch {
				case rule == tt.rule && !has(fs, rule, "POST", tt.path):
					t.Errorf("want %s on POST %s; findings:%s", rule, tt.path, list(fs))
				case rule != tt.rule && found:
					t.Errorf("%s: unexpected finding:%s", rule, list(fs))
				}
			}
		})
	}
}

// acctFormAPI is a server-rendered registration (Spring MVC, Rails,
// Django forms): a refused password gets the form back, or a redirect,
// never a 4xx. strong says which passwords the policy takes; the login
// answers a bearer token as JSON.
type acctFormAPI struct {
	strong  func(pw string) bool
	refuse  string // "render": 200 with the form again; else a redirect to this Location
	success string // Location of an accepted registration

	mu        sync.Mutex
	passwords map[string]string
	bodies    []map[string]string // every registration's fields
}

func newAcctFormAPI(strong func(string) bool, refuse, success string) *acctFormAPI {
	return &acctFormAPI{strong: strong, refuse: refuse, success: success, passwords: map[string]string{"mallory": acctPassword}}
}

func (a *acctFormAPI) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		f := reviewFields(r)
		a.mu.Lock()
		want, ok := a.passwords[f["username"]]
		a.mu.Unlock()
		if !ok || f["password"] != want {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid credentials"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"token": "sess-" + randomHex(16)})
	})
	mux.HandleFunc("POST /register", func(w http.ResponseWriter, r *http.Request) {
		f := reviewFields(r)
		a.mu.Lock()
		a.bodies = append(a.bodies, f)
		a.mu.Unlock()
		if !a.strong(f["password"]) {
			if a.refuse == "render" {
				w.Header().Set("Content-Type", "text/html;charset=UTF-8")
				fmt.Fprint(w, `<html><body><form method="post" action="/register"><input name="username"><input type="password" name="password"><p class="error">Password must be at least 12 characters</p></form></body></html>`)
				return
			}
			http.Redirect(w, r, a.refuse, http.StatusFound)
			return
		}
		a.mu.Lock()
		a.passwords[f["username"]] = f["password"]
		a.mu.Unlock()
		http.Redirect(w, r, a.success, http.StatusFound)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { notFound(w) })
	return mux
}

// TestWeakPasswordPolicyFormAnswers: a form registration refuses with 200
// and the form rendered again, or with a redirect back to the form or to
// an error page; both are refusals, not accounts waiting for a
// confirmation.
func TestWeakPasswordPolicyFormAnswers(t *testing.T) {
	const rule = "weak-password-policy"
	long := func(pw string) bool { return len(pw) >= 12 && !acctCommon(pw) }
	never := func(string) bool { return false }
	always := func(string) bool { return true }
	tests := []struct {
		name string
		api  *acctFormAPI
		want bool
		skip string // part of the skip warning, "" for none
	}{
		{"fixed: form rendered again, accepted with a redirect to the login", newAcctFormAPI(long, "render", "/login?registered"), false, ""},
		{"fixed: redirect to /register?error", newAcctFormAPI(long, "/register?error", "/login?registered"), false, ""},
		{"fixed: redirect to an error page", newAcctFormAPI(long, "/signup/failed", "/signup/complete"), false, ""},
		{"vulnerable: any password, redirect to the login", newAcctFormAPI(always, "render", "/login?registered"), true, ""},
		{"skip: strong password refused too, form rendered again", newAcctFormAPI(never, "render", "/"), false, "form rendered again"},
		{"skip: strong password refused too, redirect to the form", newAcctFormAPI(never, "/register", "/"), false, "back to the registration form"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var warnings []string
			fs := scanRules(t, tt.api.handler(), scanOpts{spec: acctSpec, mode: finding.ModeActive,
				identities: []*scanner.Identity{acctMallory("mallory", true)}, apiRules: []scanner.APIRule{rules.WeakPasswordPolicy{}},
				onResult: func(r *scanner.Result) { warnings = r.Warnings }}, nil)
			if got := has(fs, rule, "POST", "/register"); got != tt.want {
				t.Fatalf("finding: got %v, want %v; findings:%s\nwarnings: %q", got, tt.want, list(fs), warnings)
			}
			w := acctSkipped(warnings, rule)
			if tt.skip == "" && w != "" || tt.skip != "" && !strings.Contains(w, tt.skip) {
				t.Errorf("skip warning %q, want one containing %q", w, tt.skip)
			}
			if strings.Contains(w, "confirmation") {
				t.Errorf("a refused registration was taken for an account awaiting confirmation: %q", w)
			}
		})
	}
}

// TestWeakPasswordPolicyLeavesLoginSecretsOut: the registration copies
// the login's ordinary fields, never its other credentials (an OAuth2
// client secret, an API key, a one-time code, a captcha token), and its
// curl shows none of them.
func TestWeakPasswordPolicyLeavesLoginSecretsOut(t *testing.T) {
	secrets := map[string]string{
		"client_secret": "cs-" + randomHex(10), "api_key": "ak-" + randomHex(10), "otp": "482913",
		"captchaToken": "cap-" + randomHex(10), "pin": "7391",
	}
	kept := map[string]string{"client_id": "web-app", "grant_type": "password", "country_code": "DE"}
	api := newAcctFormAPI(func(string) bool { return true }, "render", "/login?registered")
	id := acctMallory("mallory", true)
	for k, v := range secrets {
		id.Login.Body[k] = v
	}
	for k, v := range kept {
		id.Login.Body[k] = v
	}
	fs := scanRules(t, api.handler(), scanOpts{spec: acctSpec, mode: finding.ModeActive,
		identities: []*scanner.Identity{id}, apiRules: []scanner.APIRule{rules.WeakPasswordPolicy{}}}, nil)
	f, ok := acctFinding(fs, "weak-password-policy")
	if !ok {
		t.Fatalf("fixture: any password is accepted, want a finding; got:%s", list(fs))
	}
	text := reviewText(f)
	for k, v := range secrets {
		if strings.Contains(text, v) {
			t.Errorf("the finding shows the login's %s: %s", k, text)
		}
	}
	api.mu.Lock()
	defer api.mu.Unlock()
	if len(api.bodies) == 0 {
		t.Fatal("fixture: no registration was sent")
	}
	for _, body := range api.bodies {
		for k := range secrets {
			if _, sent := body[k]; sent {
				t.Errorf("the registration received the login's %s: %v", k, body)
			}
		}
		for k, v := range kept {
			if body[k] != v {
				t.Errorf("the registration lost the login's ordinary field %s=%q: %v", k, v, body)
			}
		}
	}
}

// TestPasswordRecoveryPathParams: a recovery route that names the account
// gets the throw-away's name, never the description's example (a real
// user); one whose path or query needs a value the scanner cannot know is
// not sent at all.
func TestPasswordRecoveryPathParams(t *testing.T) {
	const rule = "password-recovery-token-exposed"
	tests := []struct {
		name  string
		route string // the route as the description has it
		param string // its parameter, with an example naming another account
		flows scanner.Flows
		want  []string // the accounts the recovery was sent for
		skip  string   // part of the skip warning, "" for none
	}{
		{name: "{username} gets the throw-away's name", route: "/api/users/{username}/password-reset",
			param: "{name: username, in: path, required: true, schema: {type: string}, example: alice}", want: []string{"mallory", "mallory"}},
		{name: "{email} gets the throw-away's name", route: "/api/accounts/{email}/recover",
			param: "{name: email, in: path, required: true, schema: {type: string, format: email}, example: alice@example.com}", want: []string{"mallory", "mallory"}},
		{name: "skip: {userId} cannot be filled", route: "/api/users/{userId}/password-reset",
			param: "{name: userId, in: path, required: true, schema: {type: integer}, example: 7}", skip: "path parameter {userId}"},
		{name: "skip: ?userId= required", route: "/api/password-reset",
			param: "{name: userId, in: query, required: true, schema: {type: integer}, example: 7}", skip: "query parameter userId"},
		{name: "configured with the value filled in", route: "/api/users/{userId}/password-reset",
			param: "{name: userId, in: path, required: true, schema: {type: integer}, example: 7}",
			flows: scanner.Flows{Recovery: "POST /api/users/42/password-reset"}, want: []string{"42", "42"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			var resetFor []string
			mux := http.NewServeMux()
			mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
				f := reviewFields(r)
				if f["username"] != "mallory" || f["password"] != acctPassword {
					writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid credentials"})
					return
				}
				writeJSON(w, http.StatusOK, map[string]string{"token": "sess-" + randomHex(16)})
			})
			reset := func(w http.ResponseWriter, r *http.Request) {
				who := r.PathValue("who")
				if who == "" {
					who = r.URL.Query().Get("userId")
				}
				mu.Lock()
				resetFor = append(resetFor, who)
				mu.Unlock()
				writeJSON(w, http.StatusOK, map[string]string{"status": "sent", "reset_token": randomHex(12)})
			}
			mux.HandleFunc("POST /api/users/{who}/password-reset", reset)
			mux.HandleFunc("POST /api/accounts/{who}/recover", reset)
			mux.HandleFunc("POST /api/password-reset", reset)
			spec := acctSpecNoFlows + "  " + tt.route + `:
    post:
      security: []
      parameters:
        - ` + tt.param + `
      responses: {"200": {description: sent}}
`
			var warnings []string
			fs := scanRules(t, mux, scanOpts{spec: spec, mode: finding.ModeActive, flows: tt.flows,
				identities: []*scanner.Identity{acctMallory("mallory", false)}, apiRules: []scanner.APIRule{rules.PasswordRecoveryTokenExposed{}},
				onResult: func(r *scanner.Result) { warnings = r.Warnings }}, nil)
			w := acctSkipped(warnings, rule)
			if tt.skip == "" && w != "" || tt.skip != "" && !strings.Contains(w, tt.skip) {
				t.Errorf("skip warning %q, want one containing %q", w, tt.skip)
			}
			if _, got := acctFinding(fs, rule); got != (len(tt.want) > 0) {
				t.Errorf("finding: got %v, want %v; findings:%s", got, len(tt.want) > 0, list(fs))
			}
			mu.Lock()
			defer mu.Unlock()
			if !slices.Equal(resetFor, tt.want) {
				t.Errorf("recoveries sent for %q, want %q", resetFor, tt.want)
			}
		})
	}
}
