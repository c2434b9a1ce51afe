package rules_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner"
	"github.com/authgate/authgate/scanner/rules"
)

// The login test API: one account (the throw-away's), a login and a
// password recovery, each with switches for its protections and flaws.

// loginPassword is the throw-away account's password; it must never show
// in a finding.
const loginPassword = "Corr3ct-Horse-Battery"

// loginPolicy selects what the login test API does.
type loginPolicy struct {
	lockAfter   int    // per account: locked after this many failures (0: never)
	lockStatus  int    // the locked answer's status; 0: the plain failure (a silent lockout)
	lockMessage string // the locked answer's error message
	lockWrong   bool   // the lock is looked at only after a wrong password: the right one still gets in
	ipLimit     int    // per client: 429 after this many failures (0: never)
	retryAfter  string // Retry-After on the per-client 429
	hintAfter   int    // failures after which the failure carries hint (0: never)
	hint        string // e.g. a CAPTCHA request
	hintStatus  int    // the status of the failure with a hint; 0: 401
	hintHeader  bool   // the hint goes into a Retry-After header instead

	unknownMessage string // the failure message for unknown accounts; "": the same as for wrong passwords
	unknownStatus  int    // the failure status for unknown accounts; 0: 401
	echo           bool   // failures echo the account name
	volatile       bool   // answers carry a fresh request id and time
	emailOnly      bool   // account names that are not e-mail addresses get 422
	maxNameLen     int    // longer account names get 400 naming the field (DRF max_length); 0: no limit
	numericOnly    bool   // account names that are not numbers get 400
	attemptsLeft   bool   // failures for existing accounts count the attempts left down

	recoveryLeaks  bool // recovery says "no such account" for unknown ones
	recoveryMasked bool // recovery echoes the address masked ("m***@e***"), for every name

	mfaAnswer bool // the login answer asks for a second factor

	// deleteAfter deletes the account after this many failures (a
	// reset route or another job racing the scan): from then on it is
	// an unknown account and its sessions are refused (0: never).
	deleteAfter int
	// deleteAtLogin deletes the account right after this many
	// successful logins (0: never).
	deleteAtLogin int
}

// loginTestAPI is the login test API's state; its clock is moved on by
// the test between rules, so lockouts and Retry-After windows end without
// the test waiting.
type loginTestAPI struct {
	p       loginPolicy
	account string

	mu          sync.Mutex
	offset      time.Duration
	failures    map[string]int
	lockedUntil map[string]time.Time
	ipFailures  int
	ipUntil     time.Time
	wrong       int      // logins with a wrong password, for the test
	recoveries  int      // recovery requests, for the test
	invented    int      // requests naming an invented account, for the test
	names       []string // every account name a login or recovery named
	logins      int      // successful logins
	deleted     bool     // the account was deleted (see deleteAfter)
}

func newLoginTestAPI(account string, p loginPolicy) *loginTestAPI {
	return &loginTestAPI{p: p, account: account, failures: map[string]int{}, lockedUntil: map[string]time.Time{}}
}

// later moves the API's clock on by an hour: past every lockout.
func (api *loginTestAPI) later() {
	api.mu.Lock()
	api.offset += time.Hour
	api.mu.Unlock()
}

// named returns every account name a login or a recovery named.
func (api *loginTestAPI) named() []string {
	api.mu.Lock()
	defer api.mu.Unlock()
	return append([]string(nil), api.names...)
}

func (api *loginTestAPI) counts() (wrong, recoveries, invented int) {
	api.mu.Lock()
	defer api.mu.Unlock()
	return api.wrong, api.recoveries, api.invented
}

// loginFields reads the account name ("username" or "email") and password.
func loginFields(r *http.Request) (user, password string) {
	var body struct{ Username, Email, Password string }
	json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<16)).Decode(&body)
	user = body.Username
	if user == "" {
		user = body.Email
	}
	return user, body.Password
}

func (api *loginTestAPI) failure(w http.ResponseWriter, status int, msg string) {
	body := map[string]any{"error": msg}
	if api.p.volatile {
		body["request_id"] = randomHex(8)
		body["timestamp"] = time.Now().UTC().Format(time.RFC3339Nano)
	}
	writeJSON(w, status, body)
}

func (api *loginTestAPI) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		user, password := loginFields(r)
		p := api.p
		api.mu.Lock()
		defer api.mu.Unlock()
		now := time.Now().Add(api.offset)
		api.names = append(api.names, user)
		if user != api.account {
			api.invented++
		}
		if password != loginPassword {
			api.wrong++
		}
		if p.emailOnly && !strings.Contains(user, "@") {
			api.failure(w, http.StatusUnprocessableEntity, "email: not a valid e-mail address")
			return
		}
		if p.maxNameLen > 0 && len(user) > p.maxNameLen {
			writeJSON(w, http.StatusBadRequest, map[string][]string{"username": {fmt.Sprintf("Ensure this field has no more than %d characters.", p.maxNameLen)}})
			return
		}
		if p.numericOnly && strings.Trim(user, "0123456789") != "" {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "member number must be numeric"})
			return
		}
		if p.ipLimit > 0 && now.After(api.ipUntil) && api.ipFailures >= p.ipLimit {
			api.ipFailures = 0
		}
		if p.ipLimit > 0 && api.ipFailures >= p.ipLimit {
			if p.retryAfter != "" {
				w.Header().Set("Retry-After", p.retryAfter)
			}
			writeJSON(w, http.StatusTooManyRequests, map[string]string{"error": "slow down"})
			return
		}
		if p.lockAfter > 0 && now.Before(api.lockedUntil[user]) && (!p.lockWrong || user != api.account || password != loginPassword) {
			if p.lockStatus == 0 {
				api.failure(w, http.StatusUnauthorized, "invalid username or password")
				return
			}
			api.failure(w, p.lockStatus, p.lockMessage)
			return
		}
		exists := user == api.account && !api.deleted
		if !exists || password != loginPassword {
			if exists && p.deleteAfter > 0 && api.failures[user]+1 >= p.deleteAfter {
				api.deleted = true
			}
			api.failures[user]++
			api.ipFailures++
			if api.ipFailures == p.ipLimit {
				api.ipUntil = now.Add(time.Minute)
			}
			if p.lockAfter > 0 && api.failures[user] >= p.lockAfter {
				api.lockedUntil[user] = now.Add(15 * time.Minute)
			}
			status, msg := http.StatusUnauthorized, "invalid username or password"
			if !exists && p.unknownStatus != 0 {
				status = p.unknownStatus
			}
			if !exists && p.unknownMessage != "" {
				msg = p.unknownMessage
			}
			if p.echo {
				msg += " for " + user
			}
			if exists && p.attemptsLeft {
				writeJSON(w, status, map[string]any{"error": msg, "attempts_left": 10 - api.failures[user]})
				return
			}
			if p.hintAfter > 0 && api.failures[user] > p.hintAfter {
				switch {
				case p.hintHeader:
					w.Header().Set("Retry-After", "30")
				case p.hintStatus != 0:
					status, msg = p.hintStatus, p.hint
				default:
					msg += "; " + p.hint
				}
			}
			api.failure(w, status, msg)
			return
		}
		api.failures[user] = 0
		if api.logins++; p.deleteAtLogin > 0 && api.logins >= p.deleteAtLogin {
			api.deleted = true
		}
		body := map[string]any{"token": "tok-" + randomHex(16), "token_type": "Bearer"}
		if p.mfaAnswer {
			body["mfa_required"] = true
			body["challenge"] = "totp"
		}
		writeJSON(w, http.StatusOK, body)
	})
	mux.HandleFunc("POST /password/forgot", func(w http.ResponseWriter, r *http.Request) {
		user, _ := loginFields(r)
		api.mu.Lock()
		api.recoveries++
		api.names = append(api.names, user)
		if user != api.account {
			api.invented++
		}
		api.mu.Unlock()
		if api.p.recoveryMasked {
			local, domain, _ := strings.Cut(user, "@")
			masked := "***"
			if local != "" && domain != "" {
				masked = local[:1] + "***@" + domain[:1] + "***"
			}
			writeJSON(w, http.StatusOK, map[string]any{"delivery": map[string]string{"medium": "EMAIL", "destination": masked}})
			return
		}
		if api.p.recoveryLeaks && user != api.account {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "no account with this name"})
			return
		}
		writeJSON(w, http.StatusAccepted, map[string]string{"message": "If the account exists, we sent an e-mail with a reset link."})
	})
	mux.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) {
		api.mu.Lock()
		deleted := api.deleted
		api.mu.Unlock()
		if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer tok-") || deleted {
			unauthorized(w)
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"name": api.account})
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { notFound(w) })
	return mux
}

// loginSpec is the login test API's description; extra paths are appended.
const loginSpec = `openapi: 3.0.3
info: {title: login, version: "1"}
components:
  securitySchemes:
    bearerAuth: {type: http, scheme: bearer}
security:
  - bearerAuth: []
paths:
  /me:
    get:
      responses: {"200": {description: me}}
  /login:
    post:
      security: []
      operationId: logIn
      requestBody: {content: {application/json: {schema: {type: object}}}}
      responses: {"200": {description: token}, "401": {description: invalid}}
`

const loginRecoverySpec = loginSpec + `  /password/forgot:
    post:
      security: []
      requestBody: {content: {application/json: {schema: {type: object}}}}
      responses: {"202": {description: maybe sent}}
`

// loginThrowaway is a fresh throw-away identity logging in with account
// in field key of a JSON body.
func loginThrowaway(key, account string) *scanner.Identity {
	id := scanner.NewIdentity("mallory", nil)
	id.Throwaway = true
	id.Login = &scanner.Login{Method: "POST", Path: "/login", Format: "json",
		Body:      map[string]any{key: account, "password": loginPassword},
		TokenFrom: "json", TokenName: "token", Send: "Authorization: Bearer {token}"}
	return id
}

// loginLater runs a rule, then moves the test API's clock on, as the rest
// of a real scan would: lockouts and Retry-After windows are over when the
// scanner logs the throw-away identity in again.
type loginLater struct {
	scanner.APIRule
	api *loginTestAPI
}

func (r loginLater) CheckAPI(ctx context.Context, a *scanner.API) []finding.Finding {
	fs := r.APIRule.CheckAPI(ctx, a)
	r.api.later()
	return fs
}

// loginCase is one scan of the login test API with one rule.
type loginCase struct {
	name    string
	policy  loginPolicy
	spec    string // "": loginSpec
	key     string // the login's account field; "": username
	account string // "": mallory
	method  string
	path    string
	flows   scanner.Flows
	want    bool
	// maxWrong bounds the logins with a wrong password the rule may send
	// (it stops at the first sign of protection; when the right password
	// then still gets in, one more wrong one checks that the limit holds);
	// 0: no bound.
	maxWrong int
}

func (c loginCase) scan(t *testing.T, rule scanner.APIRule) ([]finding.Finding, *loginTestAPI, *scanner.Result) {
	t.Helper()
	key, account, spec := c.key, c.account, c.spec
	if key == "" {
		key = "username"
	}
	if account == "" {
		account = "mallory"
	}
	if spec == "" {
		spec = loginSpec
	}
	api := newLoginTestAPI(account, c.policy)
	var res *scanner.Result
	fs := scanRules(t, api.handler(), scanOpts{
		spec: spec, mode: finding.ModeActive, flows: c.flows,
		identities: []*scanner.Identity{loginThrowaway(key, account)},
		apiRules:   []scanner.APIRule{loginLater{rule, api}},
		onResult:   func(r *scanner.Result) { res = r },
	}, nil)
	return fs, api, res
}

func runLoginCases(t *testing.T, rule scanner.APIRule, ruleID string, cases []loginCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			fs, api, res := tt.scan(t, rule)
			if got := has(fs, ruleID, tt.method, tt.path); got != tt.want {
				t.Fatalf("%s on %s %s: got %v, want %v; findings:%s\nwarnings: %q", ruleID, tt.method, tt.path, got, tt.want, list(fs), res.Warnings)
			}
			if wrong, _, _ := api.counts(); tt.maxWrong > 0 && wrong > tt.maxWrong {
				t.Errorf("%d logins with a wrong password, want at most %d: the rule must stop at the first sign of protection", wrong, tt.maxWrong)
			}
		})
	}
}

func TestLoginNoRateLimit(t *testing.T) {
	const id = "login-no-rate-limit"
	runLoginCases(t, rules.LoginNoRateLimit{}, id, []loginCase{
		{name: "unlimited failures", method: "POST", path: "/login", want: true},
		{name: "unlimited failures with request ids and times", policy: loginPolicy{volatile: true}, method: "POST", path: "/login", want: true},
		{name: "unlimited failures echoing the name", policy: loginPolicy{echo: true}, method: "POST", path: "/login", want: true},

		// The limit is looked at only after a wrong password: the right
		// one still gets in while the wrong ones are refused, so
		// guessing goes on and the one answer not refused is the hit.
		{name: "429 only for wrong passwords", policy: loginPolicy{lockAfter: 5, lockStatus: http.StatusTooManyRequests, lockMessage: "too many failed attempts", lockWrong: true},
			method: "POST", path: "/login", want: true, maxWrong: 7},
		{name: "lockout message only for wrong passwords", policy: loginPolicy{lockAfter: 5, lockStatus: http.StatusUnauthorized, lockMessage: "account temporarily locked", lockWrong: true},
			method: "POST", path: "/login", want: true, maxWrong: 7},

		{name: "fixed: account locked after 5 with 423", policy: loginPolicy{lockAfter: 5, lockStatus: http.StatusLocked, lockMessage: "locked"},
			method: "POST", path: "/login", maxWrong: 6},
		{name: "fixed: account locked after 5, 401 saying so", policy: loginPolicy{lockAfter: 5, lockStatus: http.StatusUnauthorized, lockMessage: "account temporarily locked"},
			method: "POST", path: "/login", maxWrong: 6},
		{name: "fixed: account locked after 5, 403", policy: loginPolicy{lockAfter: 5, lockStatus: http.StatusForbidden, lockMessage: "forbidden"},
			method: "POST", path: "/login", maxWrong: 6},
		{name: "fixed: silent lockout after 5 (the right password fails too)", policy: loginPolicy{lockAfter: 5},
			method: "POST", path: "/login"},
		// Cognito: the same status, only the message says it.
		{name: "fixed: 'Password attempts exceeded' after 5, same status", policy: loginPolicy{lockAfter: 5, lockStatus: http.StatusUnauthorized, lockMessage: "Password attempts exceeded"},
			method: "POST", path: "/login", maxWrong: 6},
		{name: "fixed: LimitExceededException after 5", policy: loginPolicy{lockAfter: 5, lockStatus: http.StatusBadRequest, lockMessage: "LimitExceededException: Attempt limit exceeded, please try after some time."},
			method: "POST", path: "/login", maxWrong: 6},
		{name: "fixed: 'maximum number of login attempts' after 5, same status", policy: loginPolicy{lockAfter: 5, lockStatus: http.StatusUnauthorized, lockMessage: "maximum number of login attempts reached"},
			method: "POST", path: "/login", maxWrong: 6},
		{name: "fixed: per-client 429 after 10 with Retry-After 60", policy: loginPolicy{ipLimit: 10, retryAfter: "60"},
			method: "POST", path: "/login", maxWrong: 11},
		{name: "fixed: per-client 429 after 10 without Retry-After", policy: loginPolicy{ipLimit: 10},
			method: "POST", path: "/login", maxWrong: 11},
		{name: "fixed: CAPTCHA asked after 3", policy: loginPolicy{hintAfter: 3, hint: "solve the CAPTCHA to continue"},
			method: "POST", path: "/login", maxWrong: 5},
		{name: "fixed: Retry-After on the failure after 3", policy: loginPolicy{hintAfter: 3, hintHeader: true},
			method: "POST", path: "/login", maxWrong: 5},
		{name: "fixed: attempts counted down", policy: loginPolicy{hintAfter: 1, hint: "4 attempts remaining"},
			method: "POST", path: "/login", maxWrong: 3},
	})
}

// TestLoginNoRateLimitAccountGone: a refusal of the right password after
// the failed logins is read as a lockout only when something shows the
// API still knows the account. An account deleted during the burst (it
// then answers like an unknown one, and its session is refused) and one
// that did not work before it are not "protected": the rule says it could
// not judge, and its coverage says why. A silent lockout of an account the
// API still knows (its session still works, or an unknown account gets
// another answer) stays protected without a skip.
func TestLoginNoRateLimitAccountGone(t *testing.T) {
	const id = "login-no-rate-limit"
	cases := []struct {
		name   string
		policy loginPolicy
		check  bool   // flows.check names GET /me
		skip   string // "": the rule judged the login
	}{
		{name: "deleted during the burst", policy: loginPolicy{deleteAfter: 10}, check: true, skip: "cannot be told from an account deleted"},
		{name: "deleted during the burst, no check operation", policy: loginPolicy{deleteAfter: 10}, skip: "cannot be told from an account deleted"},
		{name: "deleted before the rule", policy: loginPolicy{deleteAtLogin: 1}, skip: "could not log in right before the failed logins"},
		{name: "silent lockout, session still works", policy: loginPolicy{lockAfter: 5}, check: true},
		{name: "silent lockout, unknown accounts answered apart", policy: loginPolicy{lockAfter: 5, unknownMessage: "no such user"}},
		{name: "silent lockout, no way to tell", policy: loginPolicy{lockAfter: 5}, skip: "cannot be told from an account deleted"},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			c := loginCase{policy: tt.policy}
			if tt.check {
				c.flows.Check = "GET /me"
			}
			fs, _, res := c.scan(t, rules.LoginNoRateLimit{})
			if has(fs, id, "POST", "/login") {
				t.Fatalf("a finding although the right password was refused:%s", list(fs))
			}
			var cov *finding.RuleCoverage
			for i := range res.Coverage.Rules {
				if res.Coverage.Rules[i].Rule == id {
					cov = &res.Coverage.Rules[i]
				}
			}
			if cov == nil {
				t.Fatalf("no coverage for %s: %+v", id, res.Coverage.Rules)
			}
			warned := strings.Contains(strings.Join(res.Warnings, "\n"), id+" not run")
			if tt.skip == "" {
				if warned || strings.Contains(cov.Reason, "deleted") {
					t.Fatalf("a lockout of a known account read as not judged: %+v; warnings %q", *cov, res.Warnings)
				}
				return
			}
			if !warned || !strings.Contains(cov.Reason, tt.skip) {
				t.Fatalf("coverage %+v, warnings %q: want the reason %q", *cov, res.Warnings, tt.skip)
			}
			if cov.Status == finding.RuleRan && !strings.HasPrefix(cov.Reason, "partly") {
				t.Errorf("the rule reads as run in full: %+v", *cov)
			}
		})
	}
}

// TestLoginNoRateLimitEvidence: the finding shows the first and last
// failures and the successful login, and never the password or token.
func TestLoginNoRateLimitEvidence(t *testing.T) {
	fs, api, _ := loginCase{}.scan(t, rules.LoginNoRateLimit{})
	if len(fs) != 1 {
		t.Fatalf("want one finding, got:%s", list(fs))
	}
	f := fs[0]
	if f.Confidence != finding.ConfidenceHigh || f.Severity != finding.SeverityHigh {
		t.Errorf("confidence %v severity %v, want high and high", f.Confidence, f.Severity)
	}
	var statuses []int
	for _, ex := range f.Evidence.Exchanges {
		statuses = append(statuses, ex.Status)
	}
	if len(statuses) != 3 || statuses[0] != 401 || statuses[1] != 401 || statuses[2] != 200 {
		t.Errorf("evidence statuses %v, want [401 401 200]", statuses)
	}
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), loginPassword) || strings.Contains(string(b), `"tok-`) {
		t.Errorf("the finding shows the password or the token: %s", b)
	}
	if wrong, _, _ := api.counts(); wrong < 10 {
		t.Errorf("only %d failed logins before reporting", wrong)
	}
}

func TestUserEnumeration(t *testing.T) {
	const id = "user-enumeration"
	const email = "mallory@example.com"
	runLoginCases(t, rules.UserEnumeration{}, id, []loginCase{
		{name: "login: different message", policy: loginPolicy{unknownMessage: "no such user"}, method: "POST", path: "/login", want: true},
		{name: "login: 404 for unknown accounts", policy: loginPolicy{unknownStatus: http.StatusNotFound}, method: "POST", path: "/login", want: true},
		{name: "login: e-mail account, different message", policy: loginPolicy{unknownMessage: "no account with this email", emailOnly: true},
			key: "email", account: email, method: "POST", path: "/login", want: true},
		{name: "recovery: 404 for unknown accounts", policy: loginPolicy{recoveryLeaks: true}, spec: loginRecoverySpec,
			key: "email", account: email, method: "POST", path: "/password/forgot", want: true},

		{name: "login: attempts counted down only for existing accounts", policy: loginPolicy{attemptsLeft: true}, method: "POST", path: "/login", want: true},

		{name: "fixed login: one generic message", method: "POST", path: "/login"},
		{name: "fixed login: 15-character name limit (DRF max_length)", policy: loginPolicy{maxNameLen: 15}, method: "POST", path: "/login"},
		{name: "fixed login: 10-character name limit", policy: loginPolicy{maxNameLen: 10}, method: "POST", path: "/login"},
		{name: "fixed login: long name of the same length", policy: loginPolicy{maxNameLen: 20},
			account: "mallory_scanner_2024", method: "POST", path: "/login"},
		{name: "fixed login: numeric member number, non-numbers refused", policy: loginPolicy{numericOnly: true},
			account: "1042", method: "POST", path: "/login"},
		{name: "fixed recovery: address echoed masked", policy: loginPolicy{recoveryMasked: true}, spec: loginRecoverySpec,
			key: "email", account: email, method: "POST", path: "/password/forgot"},
		{name: "fixed login: generic message echoing the name", policy: loginPolicy{echo: true}, method: "POST", path: "/login"},
		{name: "fixed login: e-mail echoed", policy: loginPolicy{echo: true, emailOnly: true}, key: "email", account: email, method: "POST", path: "/login"},
		{name: "fixed login: request ids and times", policy: loginPolicy{volatile: true}, method: "POST", path: "/login"},
		{name: "fixed login: e-mail format checked", policy: loginPolicy{emailOnly: true}, key: "email", account: email, method: "POST", path: "/login"},
		{name: "fixed login: the client throttled in between", policy: loginPolicy{ipLimit: 1, retryAfter: "60"}, method: "POST", path: "/login"},
		{name: "fixed recovery: one generic message", spec: loginRecoverySpec, key: "email", account: email, method: "POST", path: "/password/forgot"},
	})
}

// TestUserEnumerationSendsInventedNames: the comparison really ran (an
// invented account name reached login and recovery), so that the fixed
// cases above cannot pass by sending nothing.
func TestUserEnumerationSendsInventedNames(t *testing.T) {
	c := loginCase{spec: loginRecoverySpec, key: "email", account: "mallory@example.com"}
	fs, api, _ := c.scan(t, rules.UserEnumeration{})
	if len(fs) > 0 {
		t.Errorf("no finding wanted on the fixed API:%s", list(fs))
	}
	if _, recoveries, invented := api.counts(); recoveries < 2 || invented < 2 {
		t.Errorf("recoveries %d, invented names %d: want both flows compared", recoveries, invented)
	}
}

func TestPasswordOnlyAuthentication(t *testing.T) {
	const id = "password-only-authentication"
	runLoginCases(t, rules.PasswordOnlyAuthentication{}, id, []loginCase{
		{name: "token for a password alone", method: "POST", path: "/login", want: true},
		{name: "a /challenges resource is not a second factor", spec: loginSpec + `  /challenges:
    get:
      responses: {"200": {description: game challenges}}
`, method: "POST", path: "/login", want: true},

		{name: "fixed: the answer asks for a second factor", policy: loginPolicy{mfaAnswer: true}, method: "POST", path: "/login"},
		{name: "fixed: the API offers /mfa/verify", spec: loginSpec + `  /mfa/verify:
    post:
      security: []
      responses: {"200": {description: token}}
`, method: "POST", path: "/login"},
		{name: "fixed: an operation id names TOTP", spec: loginSpec + `  /account/factors:
    post:
      operationId: enrollTOTPDevice
      responses: {"201": {description: enrolled}}
`, method: "POST", path: "/login"},
		{name: "fixed: a parameter names the one-time password", spec: loginSpec + `  /session/verify:
    post:
      security: []
      parameters: [{name: oneTimePassword, in: query, required: true, schema: {type: string}}]
      responses: {"200": {description: token}}
`, method: "POST", path: "/login"},
	})
}

// TestLoginRulesSkipWithoutThrowaway: without a throw-away identity each
// rule says why it did not run and sends no login of its own.
func TestLoginRulesSkipWithoutThrowaway(t *testing.T) {
	for _, rule := range rules.LoginRules() {
		id := rule.Info().ID
		t.Run(id, func(t *testing.T) {
			api := newLoginTestAPI("mallory", loginPolicy{unknownMessage: "no such user", recoveryLeaks: true})
			regular := loginThrowaway("username", "mallory")
			regular.Throwaway = false
			var warnings []string
			fs := scanRules(t, api.handler(), scanOpts{
				spec: loginRecoverySpec, mode: finding.ModeActive,
				identities: []*scanner.Identity{regular},
				apiRules:   []scanner.APIRule{rule},
				onResult:   func(r *scanner.Result) { warnings = r.Warnings },
			}, nil)
			if has(fs, id, "POST", "/login") || has(fs, id, "POST", "/password/forgot") {
				t.Errorf("finding without a throw-away identity:%s", list(fs))
			}
			skipped := false
			for _, w := range warnings {
				skipped = skipped || strings.Contains(w, id+" not run")
			}
			if !skipped {
				t.Errorf("want a %q warning, got %q", id+" not run", warnings)
			}
			if wrong, recoveries, invented := api.counts(); wrong+recoveries+invented > 0 {
				t.Errorf("sent %d wrong-password logins, %d recoveries, %d invented names without a throw-away identity", wrong, recoveries, invented)
			}
		})
	}
}

// TestLoginRulesSafeMode: in safe mode the login rules send nothing; the
// same scan in active mode is the control that the counts can rise.
func TestLoginRulesSafeMode(t *testing.T) {
	for _, mode := range []finding.Mode{finding.ModeSafe, finding.ModeActive} {
		t.Run(string(mode), func(t *testing.T) {
			api := newLoginTestAPI("mallory", loginPolicy{})
			var rs []scanner.APIRule
			for _, r := range rules.LoginRules() {
				rs = append(rs, loginLater{r, api})
			}
			fs := scanRules(t, api.handler(), scanOpts{
				spec: loginRecoverySpec, mode: mode,
				identities: []*scanner.Identity{loginThrowaway("username", "mallory")},
				apiRules:   rs,
			}, nil)
			wrong, recoveries, invented := api.counts()
			sent := wrong + recoveries + invented
			if mode == finding.ModeSafe && (sent > 0 || len(fs) > 0) {
				t.Errorf("safe mode: %d wrong-password logins, %d recoveries, %d invented names, findings:%s", wrong, recoveries, invented, list(fs))
			}
			if mode == finding.ModeActive && (wrong == 0 || recoveries == 0 || invented == 0) {
				t.Errorf("active mode control: %d wrong-password logins, %d recoveries, %d invented names; want all above 0", wrong, recoveries, invented)
			}
		})
	}
}

// TestLoginNoRateLimitBypassEvidence: a limit that refuses only wrong
// passwords is shown by the limited failure, the successful login and the
// failure after it, still limited.
func TestLoginNoRateLimitBypassEvidence(t *testing.T) {
	c := loginCase{policy: loginPolicy{lockAfter: 5, lockStatus: http.StatusTooManyRequests, lockMessage: "too many failed attempts", lockWrong: true}}
	fs, _, _ := c.scan(t, rules.LoginNoRateLimit{})
	if len(fs) != 1 {
		t.Fatalf("want one finding, got:%s", list(fs))
	}
	var statuses []int
	for _, ex := range fs[0].Evidence.Exchanges {
		statuses = append(statuses, ex.Status)
	}
	if len(statuses) != 3 || statuses[0] != 429 || statuses[1] != 200 || statuses[2] != 429 {
		t.Errorf("evidence statuses %v, want [429 200 429]", statuses)
	}
	if fs[0].Confidence != finding.ConfidenceHigh || !strings.Contains(fs[0].Evidence.Summary, "only wrong passwords") {
		t.Errorf("confidence %v, summary %q", fs[0].Confidence, fs[0].Evidence.Summary)
	}
}

// TestUserEnumerationInventsNoRealAccount: an invented account name is
// never one a real account could have. Phone numbers get a number in a
// range reserved for fiction, in the throw-away's format; numeric ids,
// which have no such range, a marked name that no number can be.
func TestUserEnumerationInventsNoRealAccount(t *testing.T) {
	tests := []struct {
		name, account string
		invented      *regexp.Regexp // what every invented name must look like
	}{
		{"NANP number", "+1 212 555 1234", regexp.MustCompile(`^\+1 212 555 01[0-9]{2}$`)},
		{"NANP number with parentheses", "(415) 867-5309", regexp.MustCompile(`^\(415\) 555-01[0-9]{2}$`)},
		{"NANP number in the fictional range", "+1 212 555 0142", regexp.MustCompile(`^\+1 212 555 01[0-9]{2}$`)},
		{"UK mobile", "07911 123456", regexp.MustCompile(`^07700 900[0-9]{3}$`)},
		{"UK mobile, international", "+447911123456", regexp.MustCompile(`^\+447700900[0-9]{3}$`)},
		{"member number", "1042", regexp.MustCompile(`^authgate[0-9]{5}$`)},
		{"German mobile (no reserved range)", "+49 151 23456789", regexp.MustCompile(`^authgate[0-9]{5,}$`)},
		{"e-mail address", "mallory@example.org", regexp.MustCompile(`^authgate-[0-9a-f]{12}@example\.org$`)},
		{"short plain name", "mallory", regexp.MustCompile(`^authgate[a-z]{5}$`)},
		{"long plain name, same length and kinds", "Mallory_Scan_2024", regexp.MustCompile(`^authgate_[A-Za-z0-9]{8}$`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := loginCase{spec: loginRecoverySpec, account: tt.account}
			_, api, _ := c.scan(t, rules.UserEnumeration{})
			invented := 0
			for _, n := range api.named() {
				if n == tt.account {
					continue
				}
				invented++
				if !tt.invented.MatchString(n) || n == tt.account {
					t.Errorf("invented account name %q, want one matching %s", n, tt.invented)
				}
			}
			if invented == 0 {
				t.Errorf("no invented account name was sent (names: %q)", api.named())
			}
		})
	}
}

// TestUserEnumerationMalformedInvention: when no name of the throw-away's
// shape can be invented safely and the API refuses the invented one as
// malformed, the comparison says so in a warning instead of reporting the
// format check.
func TestUserEnumerationMalformedInvention(t *testing.T) {
	tests := []struct {
		name, account string
		policy        loginPolicy
	}{
		{"member number, non-numbers refused", "1042", loginPolicy{numericOnly: true}},
		{"short name, 10-character limit", "mallory", loginPolicy{maxNameLen: 10}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs, _, res := loginCase{account: tt.account, policy: tt.policy}.scan(t, rules.UserEnumeration{})
			if len(fs) > 0 {
				t.Errorf("findings:%s", list(fs))
			}
			warned := false
			for _, w := range res.Warnings {
				warned = warned || strings.Contains(w, "user-enumeration not run: POST /login") && strings.Contains(w, "malformed")
			}
			if !warned {
				t.Errorf("want a warning that the comparison was dropped, got %q", res.Warnings)
			}
		})
	}
}
