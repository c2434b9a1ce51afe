package rules

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/internal/lazyre"
	"github.com/authgate/authgate/scanner"
	"github.com/authgate/authgate/scanner/openapi"
)

// This file holds the login rules: unlimited failed logins, answers that
// tell existing accounts from unknown ones, and logins without a second
// factor. They act only on throw-away identities, whose accounts a scan
// may lock out.

// LoginRules returns the login rules in the order they must run: the two
// that need a working login first, login-no-rate-limit last because it
// may leave the throw-away account locked.
func LoginRules() []scanner.APIRule {
	return []scanner.APIRule{PasswordOnlyAuthentication{}, UserEnumeration{}, LoginNoRateLimit{}}
}

var (
	_ scanner.APIRule = LoginNoRateLimit{}
	_ scanner.APIRule = UserEnumeration{}
	_ scanner.APIRule = PasswordOnlyAuthentication{}
)

// loginFailures is how many failed logins in a row login-no-rate-limit
// sends. Lockout thresholds in use are 3 to 10 (OWASP's Authentication
// Cheat Sheet examples, Windows and Entra ID default to 10), so a limit
// that protects anyone has struck well before 30, while 30 stays far below
// NIST SP 800-63B's ceiling of 100 consecutive failures: a polite burst,
// not a brute force.
const loginFailures = 30

// loginNamePrefix marks every account name the scanner invents, so that
// the API's owner recognises them in the logs.
const loginNamePrefix = "authgate-"

// loginRandomBytes is the randomness of invented names and wrong
// passwords: 48 bits, so that two runs never send the same one.
const loginRandomBytes = 6

// loginAccount is one login operation with the throw-away identity that
// uses it.
type loginAccount struct {
	id *scanner.Identity
	l  *scanner.Login
}

// noThrowaway says why an active rule that locks out, logs out or
// changes an account did not run: one wording for every such rule, so
// the gate shows one reason for all of them.
const noThrowaway = "no throw-away identity with a login flow: add an identity with throwaway: true and a login: to .authgate.yml"

// loginAccounts returns, in mode active only, one throw-away identity per
// distinct login operation whose login has the fields need asks for; it
// records why the rule does not run when there is none.
func loginAccounts(a *scanner.API, rule string, need func(*scanner.Login) bool, missing string) []loginAccount {
	if a.Mode() != finding.ModeActive {
		return nil
	}
	ids := a.Throwaways()
	if len(ids) == 0 {
		a.Skip(rule, a.NoThrowaway(noThrowaway))
		return nil
	}
	seen := map[string]bool{}
	var out []loginAccount
	for _, id := range ids {
		l := id.Login
		key := strings.ToUpper(l.Method) + " " + l.Path
		if seen[key] || !need(l) {
			continue
		}
		seen[key] = true
		out = append(out, loginAccount{id: id, l: l})
	}
	if len(out) == 0 {
		a.Skip(rule, missing)
	}
	return out
}

func hasPassword(l *scanner.Login) bool { return l.PasswordKey() != "" }

func hasUserAndPassword(l *scanner.Login) bool {
	return l.PasswordKey() != "" && l.Username() != ""
}

// loginStop reports whether a rule must stop sending: cancelled, or the
// request budget spent.
func loginStop(ctx context.Context, a *scanner.API) bool {
	return ctx.Err() != nil || a.Exhausted()
}

// loginWrongPassword is a random password no account has.
func loginWrongPassword() string {
	return loginNamePrefix + "wrong-" + hex.EncodeToString(randomBytes(loginRandomBytes))
}

// loginAnswered reports whether r is the application's answer: not a
// transport error, the budget, or a proxy saying the application is not
// there.
func loginAnswered(r *scanner.Response) bool {
	return r != nil && r.Err == nil && r.Status != http.StatusBadGateway &&
		r.Status != http.StatusServiceUnavailable && r.Status != http.StatusGatewayTimeout
}

// loginThrottleWords are what a throttled answer says about the client;
// "TooManyRequestsException" (AWS) writes the words together.
var loginThrottleWords = lazyre.New(`(?i)(too[ _-]?many|rate[ _-]?limit|throttl|slow down|try again (later|in\b)|retry (later|in\b)|wait \d+ ?(s|secs?|seconds?|mins?|minutes?)\b)`)

// loginLockWords are what an answer of a protected account says: locked,
// blocked, a CAPTCHA to solve, attempts counted down, a maximum of
// attempts reached or exceeded (Cognito's "Password attempts exceeded",
// "LimitExceededException").
var loginLockWords = lazyre.New(`(?i)(captcha|turnstile|locked|lock-?out|blocked|suspended|temporarily (disabled|unavailable)|attempts?[ _-]?(remaining|left)|remaining[ _-]attempts|exceeded|max(imum)?[ _-](number[ _-]of[ _-])?(\w+[ _-])?(attempts|tries|retries|failures))`)

// loginThrottled says how r shows that the client is being throttled, ""
// when it does not: 429, Retry-After, a rate-limit header counted down to
// zero, or a too-many-requests message.
func loginThrottled(r *scanner.Response) string {
	switch {
	case r.Status == http.StatusTooManyRequests:
		return "status 429"
	case r.Header.Get("Retry-After") != "":
		return "a Retry-After header"
	case r.Header.Get("RateLimit-Remaining") == "0" || r.Header.Get("X-RateLimit-Remaining") == "0":
		return "a rate-limit header at 0"
	case loginThrottleWords.Match(r.Body):
		return "a too-many-attempts message"
	}
	return ""
}

// loginProtection says how r shows brute-force protection, "" when it
// shows none: throttling, 423 Locked, or a lockout or CAPTCHA message.
func loginProtection(r *scanner.Response) string {
	if why := loginThrottled(r); why != "" {
		return why
	}
	switch {
	case r.Status == http.StatusLocked:
		return "status 423"
	case loginLockWords.Match(r.Body):
		return "a lockout or CAPTCHA message"
	}
	return ""
}

// LoginNoRateLimit reports login operations that let a client try
// passwords without limit: many failed logins in a row for one account
// all get the same plain failure, and the right password still works
// after them (so the account was not silently locked either). It sends
// failed logins for throw-away identities only, because a working limit
// may lock the account out.
type LoginNoRateLimit struct{}

// Info implements scanner.APIRule.
func (LoginNoRateLimit) Info() finding.RuleInfo { return info("login-no-rate-limit") }

// CheckAPI implements scanner.APIRule.
func (LoginNoRateLimit) CheckAPI(ctx context.Context, a *scanner.API) []finding.Finding {
	const rule = "login-no-rate-limit"
	var out []finding.Finding
	for _, acc := range loginAccounts(a, rule, hasPassword, "the throw-away identity's login has no password field to vary") {
		if loginStop(ctx, a) {
			break
		}
		if f, ok := unlimitedLogins(ctx, a, acc); ok {
			out = append(out, f)
		}
	}
	return out
}

// unlimitedLogins sends loginFailures failed logins for acc and then the
// right one. At the first sign of protection it stops, and only checks
// that the protection also holds for the right password.
func unlimitedLogins(ctx context.Context, a *scanner.API, acc loginAccount) (finding.Finding, bool) {
	const rule = "login-no-rate-limit"
	l := acc.l
	// The right password must work right before the burst: a refusal
	// after it then means the failures changed something, not that the
	// account never worked (deleted, or locked by an earlier scan).
	before := a.Attempt(ctx, l, nil, nil)
	if _, in := a.Token(l, before); !in {
		a.Skip(rule, fmt.Sprintf("the throw-away identity %q could not log in right before the failed logins (%s): its account does not work now (deleted, or locked by an earlier scan), so a refusal after them would say nothing", acc.id.Name, loginStatus(before)))
		return finding.Finding{}, false
	}
	var first, last *scanner.Response
	for i := range loginFailures {
		if loginStop(ctx, a) {
			return finding.Finding{}, false
		}
		r := a.Attempt(ctx, l, map[string]any{l.PasswordKey(): loginWrongPassword()}, nil)
		if !loginAnswered(r) || r.Status >= http.StatusInternalServerError {
			return finding.Finding{}, false
		}
		if _, accepted := a.Token(l, r); accepted {
			// A wrong password let in is not a rate-limit question.
			return finding.Finding{}, false
		}
		if why := loginProtection(r); why != "" {
			return limitBypassed(ctx, a, acc, i+1, r, why)
		}
		if first == nil {
			first = r
		} else if r.Status != first.Status {
			// A changed answer may be a limit we do not recognise.
			return finding.Finding{}, false
		}
		last = r
	}
	if loginStop(ctx, a) {
		return finding.Finding{}, false
	}
	ok := a.Attempt(ctx, l, nil, nil)
	if _, in := a.Token(l, ok); !in {
		if why := lockedOrGone(ctx, a, acc, ok); why != "" {
			a.Skip(rule, why)
		}
		// Otherwise the account is locked: the lockout is the
		// protection.
		return finding.Finding{}, false
	}
	summary := fmt.Sprintf("%d failed logins in a row for the throw-away identity %q, each with a random wrong password, all got the same plain failure (status %d): no 429 or 423, no Retry-After, no lockout, CAPTCHA or too-many-attempts message. The right password still logged in right after, so the account was not locked either: passwords can be guessed against this login without limit. Evidence: the first and the last failure, then the successful login.",
		loginFailures, acc.id.Name, first.Status)
	return a.LoginTarget(l).NewFinding("login-no-rate-limit", finding.ConfidenceHigh, summary, first, last, ok), true
}

// loginStatus describes a login answer for a skip message.
func loginStatus(r *scanner.Response) string {
	if r == nil || r.Err != nil {
		return "no answer"
	}
	return fmt.Sprintf("status %d", r.Status)
}

// lockedOrGone is called when the right password, which worked right
// before loginFailures failed logins, is refused after them (refused). A
// lockout protects the account; an account deleted meanwhile (a reset
// route, another job) protects nothing, and its refusal looks the same to
// a login that answers every failure alike. It returns "" when the refusal
// is a lockout: it says so (429, 423, a lockout or CAPTCHA message), it
// differs from an unknown account's answer to the same password (so the
// API still knows the account), or the throw-away's session from before
// is still let into the check operation. Otherwise it returns why the
// rule cannot tell.
func lockedOrGone(ctx context.Context, a *scanner.API, acc loginAccount, refused *scanner.Response) string {
	l := acc.l
	if !loginAnswered(refused) || refused.Status >= http.StatusInternalServerError {
		return fmt.Sprintf("the right password of the throw-away identity %q got %s after %d failed logins", acc.id.Name, loginStatus(refused), loginFailures)
	}
	if loginProtection(refused) != "" {
		return ""
	}
	if key, known := l.UsernameKey(), l.Username(); key != "" && known != "" && !loginStop(ctx, a) {
		fake := enumFakeName(known, key).value
		unknown := a.Attempt(ctx, l, map[string]any{key: fake}, nil)
		if loginAnswered(unknown) && enumDiff(refused, unknown, known, fake) != "" {
			return ""
		}
	}
	if check, ok := a.Flow(ctx, scanner.FlowCheck); ok && !loginStop(ctx, a) {
		if in, _ := a.Works(ctx, check, acc.id); in {
			return ""
		}
	}
	return fmt.Sprintf("after %d failed logins the right password of the throw-away identity %q, which worked right before them, was refused (%s) with no lockout message; nothing showed that the API still knows the account (an unknown account's answer was not different, and its earlier session was not let into a check operation): a silent lockout cannot be told from an account deleted during the scan",
		loginFailures, acc.id.Name, loginStatus(refused))
}

// limitBypassed is called when the n-th failed login, limited, showed
// protection (why). A limit that refuses only wrong passwords does not
// stop guessing: every guess is still checked, and the one answer that is
// not throttled is the hit. So the right password is tried once: refused,
// the limit holds (per-account lockout, per-client 429). Let in, one more
// wrong password must still be refused, so that the success came through
// the limit, not after it ended (a window that ran out, a counter a
// success resets).
func limitBypassed(ctx context.Context, a *scanner.API, acc loginAccount, n int, limited *scanner.Response, why string) (finding.Finding, bool) {
	l := acc.l
	if loginStop(ctx, a) {
		return finding.Finding{}, false
	}
	ok := a.Attempt(ctx, l, nil, nil)
	if _, in := a.Token(l, ok); !in {
		return finding.Finding{}, false
	}
	if loginStop(ctx, a) {
		return finding.Finding{}, false
	}
	again := a.Attempt(ctx, l, map[string]any{l.PasswordKey(): loginWrongPassword()}, nil)
	if !loginAnswered(again) {
		return finding.Finding{}, false
	}
	if _, accepted := a.Token(l, again); accepted {
		return finding.Finding{}, false
	}
	still := loginProtection(again)
	if still == "" {
		return finding.Finding{}, false
	}
	summary := fmt.Sprintf("After %d failed logins for the throw-away identity %q the login showed protection (%s, status %d), but the right password then logged in at once, and the next wrong password was refused again (%s, status %d): the limit refuses only wrong passwords. Guessing is not stopped: every guess is still checked, and the one answer that is not refused is the right password. Evidence: the limited failure, the successful login, the failure after it.",
		n, acc.id.Name, why, limited.Status, still, again.Status)
	return a.LoginTarget(l).NewFinding("login-no-rate-limit", finding.ConfidenceHigh, summary, limited, ok, again), true
}

// UserEnumeration reports logins and password recoveries that answer
// differently for an existing account than for an unknown one: the
// throw-away identity's name against an invented name of the same shape,
// each with a wrong password. Echoed names (also masked) and volatile
// fields do not count, and the difference must show again in a second
// round. An invented name is never one a real account could have.
type UserEnumeration struct{}

// Info implements scanner.APIRule.
func (UserEnumeration) Info() finding.RuleInfo { return info("user-enumeration") }

// CheckAPI implements scanner.APIRule.
func (UserEnumeration) CheckAPI(ctx context.Context, a *scanner.API) []finding.Finding {
	const rule = "user-enumeration"
	accts := loginAccounts(a, rule, hasUserAndPassword, "the throw-away identity's login has no user name or no password field")
	var out []finding.Finding
	for _, acc := range accts {
		if loginStop(ctx, a) {
			return out
		}
		l := acc.l
		send := func(user string) *scanner.Response {
			return a.Attempt(ctx, l, map[string]any{l.UsernameKey(): user, l.PasswordKey(): loginWrongPassword()}, nil)
		}
		failed := func(r *scanner.Response) bool {
			_, in := a.Token(l, r)
			return !in
		}
		t := a.LoginTarget(l)
		known := l.Username()
		res := enumCompare(ctx, a, send, failed, l.UsernameKey(), known, enumFakeName(known, l.UsernameKey()))
		if res.malformed != "" {
			a.Skip(rule, fmt.Sprintf("%s %s: %s", t.Op.Method, t.Op.Path, res.malformed))
		}
		if res.diff != "" {
			summary := fmt.Sprintf("A failed login (wrong password) for the existing account of the throw-away identity %q and one for an invented account name that no one can have got different answers: %s. Sent twice, with the same difference: the login tells an attacker which account names exist. Evidence: the existing account's answer, then the invented one's.",
				acc.id.Name, res.diff)
			out = append(out, t.NewFinding(rule, enumConfidence(res.rs), summary, res.rs[0], res.rs[1]))
		}
	}
	if len(accts) == 0 || loginStop(ctx, a) {
		return out
	}
	if f, ok := enumRecovery(ctx, a, accts[0]); ok {
		out = append(out, f)
	}
	return out
}

// enumRecovery compares the recovery flow's answers for the throw-away's
// account name and an invented one, sent as a JSON body with the login's
// user name field.
func enumRecovery(ctx context.Context, a *scanner.API, acc loginAccount) (finding.Finding, bool) {
	const rule = "user-enumeration"
	t, ok := a.Flow(ctx, scanner.FlowRecovery)
	if !ok {
		return finding.Finding{}, false
	}
	// A recovery route with a path parameter must carry the account
	// being probed, never the description's example (another person).
	if _, why := flowValues(a, t, acc.l, acc.l.Username()); why != "" {
		a.Skip(rule, "the recovery operation "+why+" (flows.recovery)")
		return finding.Finding{}, false
	}
	key := acc.l.UsernameKey()
	send := func(user string) *scanner.Response {
		b, err := json.Marshal(map[string]string{key: user})
		if err != nil {
			return &scanner.Response{Err: err}
		}
		values, _ := flowValues(a, t, acc.l, user)
		r := t.Request(scanner.Anonymous, values)
		r.Body, r.ContentType = b, "application/json"
		// A throttled recovery is an answer to see, not to wait out.
		r.ThrottleIsAnswer = true
		return t.Do(ctx, r)
	}
	anyAnswer := func(*scanner.Response) bool { return true }
	known := acc.l.Username()
	res := enumCompare(ctx, a, send, anyAnswer, key, known, enumFakeName(known, key))
	if res.malformed != "" {
		a.Skip(rule, fmt.Sprintf("%s %s: %s", t.Op.Method, t.Op.Path, res.malformed))
	}
	if res.diff == "" {
		return finding.Finding{}, false
	}
	summary := fmt.Sprintf("The password recovery %s %s answered differently for the existing account of the throw-away identity %q (field %q) and for an invented account name that no one can have: %s. Sent twice, with the same difference: recovery tells an attacker which account names exist. Evidence: the existing account's answer, then the invented one's.",
		t.Op.Method, t.Op.Path, acc.id.Name, key, res.diff)
	return t.NewFinding(rule, enumConfidence(res.rs), summary, res.rs[0], res.rs[1]), true
}

// enumConfidence is high when the statuses differ, medium when only the
// bodies do: a body difference the normalisation missed is still possible.
func enumConfidence(rs [4]*scanner.Response) finding.Confidence {
	if rs[0].Status != rs[1].Status {
		return finding.ConfidenceHigh
	}
	return finding.ConfidenceMedium
}

// enumResult is the outcome of one comparison: the difference ("" for
// none) with the four answers (known, invented, known, invented), or why
// the comparison could not tell (malformed).
type enumResult struct {
	diff      string
	rs        [4]*scanner.Response
	malformed string
}

// enumCompare sends the known and the invented name, and when the answers
// differ, both once more. It reports the difference only when it showed
// twice in answers that are otherwise stable. accept says whether an
// answer is one the comparison may use (a failed login, not a token); key
// is the account field.
func enumCompare(ctx context.Context, a *scanner.API, send func(string) *scanner.Response, accept func(*scanner.Response) bool, key, known string, invented enumName) enumResult {
	var res enumResult
	rs := &res.rs
	usable := func(r *scanner.Response) bool {
		// Throttling is about the client, whichever request it hit:
		// it says nothing about the account.
		return loginAnswered(r) && loginThrottled(r) == "" && accept(r)
	}
	for i := range rs {
		if loginStop(ctx, a) {
			return enumResult{}
		}
		name := known
		if i%2 == 1 {
			name = invented.value
		}
		rs[i] = send(name)
		if !usable(rs[i]) {
			return enumResult{}
		}
		if i != 1 {
			continue
		}
		if enumDiff(rs[0], rs[1], known, invented.value) == "" {
			return enumResult{}
		}
		if !invented.sameShape && enumMalformed(rs[0], rs[1], key, known, invented.value) {
			return enumResult{malformed: fmt.Sprintf("the API refused the invented account name as malformed (status %d, against %d for the throw-away's); a name of the throw-away's shape that is surely no one's could not be invented, so the answers would compare the format, not whether the account exists. A throw-away account name of at least %d characters, an e-mail address or a phone number in a fictional range (555-0100 to 555-0199, 07700 900000 to 900999) avoids this",
				rs[1].Status, rs[0].Status, enumMinPlainName)}
		}
	}
	diff := enumDiff(rs[0], rs[1], known, invented.value)
	if enumDiff(rs[2], rs[3], known, invented.value) == "" {
		return enumResult{}
	}
	// Each name's two answers must agree, or the difference may be noise
	// (an id the normalisation does not know). Numbers are masked: a
	// counter only the existing account gets ("attempts_left": 4, then
	// 3) is the oracle, not noise.
	if rs[0].Status != rs[2].Status || rs[1].Status != rs[3].Status {
		return enumResult{}
	}
	same := func(x, y *scanner.Response, name string) bool {
		return scanner.Similarity(enumDigits(enumNormalise(x.Body, name)), enumDigits(enumNormalise(y.Body, name))) >= sameContent
	}
	if rs[0].Status == rs[1].Status && (!same(rs[0], rs[2], known) || !same(rs[1], rs[3], invented.value)) {
		return enumResult{}
	}
	res.diff = diff
	return res
}

// enumDiff says how the answers for the known and the invented name
// differ, "" when they are the same but for the echoed name and volatile
// fields.
func enumDiff(known, invented *scanner.Response, knownName, inventedName string) string {
	if known.Status != invented.Status {
		return fmt.Sprintf("status %d for the existing account, %d for the invented one", known.Status, invented.Status)
	}
	sim := scanner.Similarity(enumNormalise(known.Body, knownName), enumNormalise(invented.Body, inventedName))
	if sim >= sameContent {
		return ""
	}
	return fmt.Sprintf("the same status %d, but bodies that differ beyond the echoed account name and volatile fields (similarity %.2f)", known.Status, sim)
}

// enumValidationWords are what a validation error about an account name's
// format says (DRF's "Ensure this field has no more than 15 characters.",
// "must be a valid phone number").
var enumValidationWords = lazyre.New(`(?i)(ensure this field|format|pattern|must (be|contain|have|match|not|only)|too (long|short)|(no more than|at most|at least|no fewer than|maximum|minimum|max|min)\b.{0,20}\b(characters|chars|digits|length)|\blength\b|malformed|not a valid (e-?mail|phone|number|integer|value)|only (letters|digits|numbers)|alphanumeric|numeric)`)

// enumMalformed reports whether the invented name's answer reads as a
// validation error about the account field that the known name's does
// not get: a 400 or 422 with another status than the known's, or naming
// the field, or a format message.
func enumMalformed(known, invented *scanner.Response, key, knownName, inventedName string) bool {
	kb, ib := enumNormalise(known.Body, knownName), enumNormalise(invented.Body, inventedName)
	if enumValidationWords.Match(ib) && !enumValidationWords.Match(kb) {
		return true
	}
	if invented.Status != http.StatusBadRequest && invented.Status != http.StatusUnprocessableEntity {
		return false
	}
	if invented.Status != known.Status {
		return true
	}
	field := regexp.MustCompile(`(?i)(^|[^a-z0-9])` + regexp.QuoteMeta(key) + `([^a-z0-9]|$)`)
	return key != "" && field.Match(ib) && !field.Match(kb)
}

// enumNameMark replaces an account name echoed in an answer; enumMaskMark
// replaces a masked echo.
const (
	enumNameMark = "authgate-account-name"
	enumMaskMark = "authgate-masked"
)

// minEchoedPart is the shortest local part of an e-mail address removed
// from answers on its own: shorter ones would mangle unrelated words.
const minEchoedPart = 3

// enumMasked matches a masked echo of an address or number, a word with a
// run of mask characters: "m***@e***" (Cognito's CodeDeliveryDetails),
// "+1 ***-***-0123", "jo••••@gmail.com". Quotes and backslashes end it,
// so JSON stays valid.
var enumMasked = lazyre.New(`[^\s"'\\<>,;()\[\]{}]*(\*{2,}|•{2,}|●{2,})[^\s"'\\<>,;()\[\]{}]*`)

// enumNormalise removes name from body as the answer may echo it: as
// sent, JSON- or URL-escaped, only the local part of an e-mail address,
// or masked.
func enumNormalise(body []byte, name string) []byte {
	body = enumMasked.ReplaceAllLiteral(body, []byte(enumMaskMark))
	if name == "" {
		return body
	}
	forms := []string{name}
	if b, err := json.Marshal(name); err == nil {
		forms = append(forms, strings.Trim(string(b), `"`))
	}
	forms = append(forms, url.QueryEscape(name), url.PathEscape(name))
	if local, _, ok := strings.Cut(name, "@"); ok && len(local) >= minEchoedPart {
		forms = append(forms, local)
	}
	// Longest first: the alternation takes the first form that matches.
	slices.SortFunc(forms, func(x, y string) int { return len(y) - len(x) })
	quoted := make([]string, len(forms))
	for i, f := range forms {
		quoted[i] = regexp.QuoteMeta(f)
	}
	re := regexp.MustCompile(`(?i)(` + strings.Join(quoted, "|") + `)`)
	return re.ReplaceAllLiteral(body, []byte(enumNameMark))
}

var enumDigitRun = lazyre.New(`[0-9]+`)

// enumDigits replaces every run of digits by one 0; JSON stays valid.
func enumDigits(body []byte) []byte {
	return enumDigitRun.ReplaceAllLiteral(body, []byte("0"))
}

// enumName is an invented account name, and whether it has the shape of
// the throw-away's (the same length and kinds of characters, the same
// domain, the same digit pattern), so that a format check cannot tell the
// two apart.
type enumName struct {
	value     string
	sameShape bool
}

// enumMinRandom is the fewest random characters of an invented plain
// name: 26^5, about 12 million lower-case names, so two runs rarely send
// the same one.
const enumMinRandom = 5

// enumMarker begins every invented plain name, so that it cannot be a
// real account and an owner recognises it.
var enumMarker = strings.TrimSuffix(loginNamePrefix, "-")

// enumMinPlainName is the shortest account name for which an invented
// name of the same length carries the marker and enough randomness. With
// 13 characters the invented name of a shorter one still fits the
// commonest small maximum, 15 (X's, many DRF serializers).
var enumMinPlainName = len(enumMarker) + enumMinRandom

// enumFakeName invents an account name of known's shape (key is its
// field) that no one can have: an e-mail address at the same domain with
// a marked local part; a phone number in a range reserved for fiction;
// else a marked name of known's length and kinds of characters when
// known is long enough to hold the marker. A numeric id has no reserved
// range: any other number of its shape may be a real member, so it gets
// a marked name too, and the comparison is dropped when the API refuses
// it as malformed.
func enumFakeName(known, key string) enumName {
	if i := strings.LastIndex(known, "@"); i > 0 {
		// A marked local part is no one's address at any domain, so
		// the domain is kept: a domain check cannot tell.
		return enumName{loginNamePrefix + hex.EncodeToString(randomBytes(loginRandomBytes)) + known[i:], true}
	}
	if fake, ok := enumFictionalNumber(known, key); ok {
		return enumName{fake, true}
	}
	return enumPlainName(known)
}

// Character kinds of an account name.
const (
	enumLower = 1 << iota
	enumUpper
	enumDigit
	enumOther
)

const (
	enumLowerSet = "abcdefghijklmnopqrstuvwxyz"
	enumUpperSet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	enumDigitSet = "0123456789"
)

// enumKinds are the kinds of characters in s, separators aside.
func enumKinds(s string) int {
	k := 0
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z':
			k |= enumLower
		case c >= 'A' && c <= 'Z':
			k |= enumUpper
		case c >= '0' && c <= '9':
			k |= enumDigit
		case c == '_' || c == '.' || c == '-':
		default:
			k |= enumOther
		}
	}
	return k
}

// enumPlainName is the marker, known's first separator and random
// characters of known's kinds, as long as known when it can be.
func enumPlainName(known string) enumName {
	kinds := enumKinds(known)
	marker := enumMarker
	if kinds&enumUpper != 0 && kinds&enumLower == 0 {
		marker = strings.ToUpper(marker)
	}
	sep := ""
	for _, s := range []string{"_", ".", "-"} {
		if strings.Contains(known, s) {
			sep = s
			break
		}
	}
	alphabet := ""
	if kinds&enumLower != 0 || kinds&(enumLower|enumUpper|enumDigit) == 0 {
		alphabet += enumLowerSet
	}
	if kinds&enumUpper != 0 {
		alphabet += enumUpperSet
	}
	if kinds&enumDigit != 0 {
		alphabet += enumDigitSet
	}
	n := max(len(known), len(marker)+len(sep)+enumMinRandom)
	name := marker + sep + enumRandom(alphabet, n-len(marker)-len(sep))
	return enumName{name, len(name) == len(known) && enumKinds(name) == kinds}
}

// enumRandom is n random characters of alphabet.
func enumRandom(alphabet string, n int) string {
	b := randomBytes(n)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// enumPhoneLike matches account names made of digits: phone numbers,
// numeric ids.
var enumPhoneLike = lazyre.New(`^\+?\(?[0-9][0-9 ()./-]*$`)

// enumPhoneKey names a field that holds a phone number.
var enumPhoneKey = lazyre.New(`(?i)(phone|mobile|msisdn|tel|cell)`)

// Ranges reserved for fiction, which no subscriber has: NANP's
// 555-0100 to 555-0199 in every area code, and Ofcom's drama range for
// UK mobiles, 07700 900000 to 900999.
const (
	nanpDigits     = 10
	nanpFictional  = "55501" // then two random digits
	nanpRandom     = 2
	ukMobileDigits = 10 // national significant number, 7xxx xxxxxx
	ukFictional    = "7700900"
	ukRandom       = 3
)

// enumFictionalNumber is a number of known's digit pattern in a range
// reserved for fiction, when known is a NANP or UK mobile number written
// as a phone number (a leading + or 0, separators, or a phone field);
// false for anything else, a numeric id above all.
func enumFictionalNumber(known, key string) (string, bool) {
	if !enumPhoneLike.MatchString(known) {
		return "", false
	}
	var digits []byte
	for i := 0; i < len(known); i++ {
		if c := known[i]; c >= '0' && c <= '9' {
			digits = append(digits, c)
		}
	}
	phone := strings.HasPrefix(known, "+") || digits[0] == '0' ||
		strings.ContainsAny(known, " ()./-") || enumPhoneKey.MatchString(key)
	if !phone {
		return "", false
	}
	d := string(digits)
	var head, fixed string
	var random int
	switch {
	case enumNANP(d):
		// The country code and area code are kept.
		head, fixed, random = d[:len(d)-nanpDigits+3], nanpFictional, nanpRandom
	case len(d) == 1+ukMobileDigits && strings.HasPrefix(d, "07"),
		len(d) == 2+ukMobileDigits && strings.HasPrefix(d, "447"),
		len(d) == 4+ukMobileDigits && strings.HasPrefix(d, "00447"):
		head, fixed, random = d[:len(d)-ukMobileDigits], ukFictional, ukRandom
	default:
		return "", false
	}
	tail := enumRandom(enumDigitSet, random)
	fake := head + fixed + tail
	if fake == d {
		// The throw-away's own number is in the range: take the next.
		last := (tail[len(tail)-1]-'0'+1)%10 + '0'
		fake = fake[:len(fake)-1] + string(rune(last))
	}
	out := []byte(known)
	j := 0
	for i, c := range out {
		if c >= '0' && c <= '9' {
			out[i] = fake[j]
			j++
		}
	}
	return string(out), true
}

// enumNANP reports whether d is a NANP number: NXX NXX XXXX, with the
// country code 1 or not.
func enumNANP(d string) bool {
	if len(d) == nanpDigits+1 && d[0] == '1' {
		d = d[1:]
	}
	return len(d) == nanpDigits && d[0] >= '2' && d[3] >= '2'
}

// PasswordOnlyAuthentication reports, for information, logins that hand
// out a token for a password alone when nothing in the answer or the API
// description offers a second factor.
type PasswordOnlyAuthentication struct{}

// Info implements scanner.APIRule.
func (PasswordOnlyAuthentication) Info() finding.RuleInfo {
	return info("password-only-authentication")
}

// CheckAPI implements scanner.APIRule.
func (PasswordOnlyAuthentication) CheckAPI(ctx context.Context, a *scanner.API) []finding.Finding {
	const rule = "password-only-authentication"
	accts := loginAccounts(a, rule, func(*scanner.Login) bool { return true }, "no throw-away identity with a login flow")
	if len(accts) == 0 || mfaInDescription(a.Operations()) != "" {
		return nil
	}
	var out []finding.Finding
	for _, acc := range accts {
		if loginStop(ctx, a) {
			break
		}
		first, ok := passwordOnlyLogin(ctx, a, acc.l)
		if !ok || loginStop(ctx, a) {
			continue
		}
		if _, again := passwordOnlyLogin(ctx, a, acc.l); !again {
			continue
		}
		t := a.LoginTarget(acc.l)
		summary := fmt.Sprintf("The throw-away identity %q logged in at %s %s with its password alone and got its token at once, twice. Neither the login's answer nor the API description mentions a second factor (MFA, OTP, TOTP, 2FA, WebAuthn, a challenge or verification code): a stolen or guessed password is enough to take over an account.",
			acc.id.Name, t.Op.Method, t.Op.Path)
		out = append(out, t.NewFinding(rule, finding.ConfidenceMedium, summary, first))
	}
	return out
}

// passwordOnlyLogin logs l in and reports whether the answer hands out a
// token without offering a second factor.
func passwordOnlyLogin(ctx context.Context, a *scanner.API, l *scanner.Login) (*scanner.Response, bool) {
	r := a.Attempt(ctx, l, nil, nil)
	tok, ok := a.Token(l, r)
	if !ok {
		return r, false
	}
	return r, mfaInAnswer(r, tok) == ""
}

// mfaAnswerWords name a second factor in a login answer; the API
// description is searched with mfaAPIWords, which leave out the words
// that name ordinary resources there (/challenges of a game).
var (
	mfaAnswerWords = lazyre.New(`(^|[^a-z0-9])(mfa|2fa|otp|totp|hotp|u2f|web[_ -]?authn|passkeys?|fido2?|two[_ -]?factor|second[_ -]?factor|multi[_ -]?factor|one[_ -]?time[_ -]?(password|passcode|code)|verification[_ -]?code|security[_ -]?code|challenge|authenticator[_ -]?(app|code))([^a-z0-9]|$)`)
	mfaAPIWords    = lazyre.New(`(^|[^a-z0-9])(mfa|2fa|otp|totp|hotp|u2f|web[_ -]?authn|passkeys?|fido2?|two[_ -]?factor|second[_ -]?factor|multi[_ -]?factor|one[_ -]?time[_ -]?(password|passcode|code))([^a-z0-9]|$)`)
)

// mfaCamel splits camelCase words ("mfaRequired", "OTPCode") so that the
// word patterns see their parts.
var mfaCamel = []*lazyre.Regexp{lazyre.New(`([a-z0-9])([A-Z])`), lazyre.New(`([A-Z]+)([A-Z][a-z])`)}

func mfaWords(s string) string {
	for _, re := range mfaCamel {
		s = re.ReplaceAllString(s, "${1}_${2}")
	}
	return strings.ToLower(s)
}

// maxMFAValue is the longest JSON string value without spaces searched
// for second-factor words: longer ones are tokens and ids, whose random
// letters could spell "otp".
const maxMFAValue = 24

// mfaInAnswer says what in a login answer offers a second factor, "" when
// nothing does. The token itself is left out.
func mfaInAnswer(r *scanner.Response, token string) string {
	var parts []string
	for k := range r.Header {
		parts = append(parts, k)
	}
	var v any
	if json.Unmarshal(r.Body, &v) == nil {
		mfaJSONWords(v, &parts)
	} else {
		for _, w := range strings.Fields(strings.ReplaceAll(string(r.Body), token, " ")) {
			if len(w) <= maxMFAValue {
				parts = append(parts, w)
			}
		}
	}
	for _, p := range parts {
		if m := mfaAnswerWords.FindStringSubmatch(mfaWords(p)); m != nil {
			return m[2]
		}
	}
	return ""
}

// mfaJSONWords collects the keys of a JSON value and its string values
// that read as words, not tokens.
func mfaJSONWords(v any, out *[]string) {
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			*out = append(*out, k)
			mfaJSONWords(c, out)
		}
	case []any:
		for _, c := range x {
			mfaJSONWords(c, out)
		}
	case string:
		if strings.ContainsAny(x, " \t") || len(x) <= maxMFAValue {
			*out = append(*out, x)
		}
	}
}

// mfaInDescription names the first operation whose path, operation id,
// summary, tags or parameters offer a second factor, "" when none does.
func mfaInDescription(ops []openapi.Operation) string {
	for _, op := range ops {
		texts := []string{op.Path, op.OperationID, op.Summary}
		texts = append(texts, op.Tags...)
		for _, p := range op.Params {
			texts = append(texts, p.Name)
		}
		for _, s := range texts {
			if mfaAPIWords.MatchString(mfaWords(s)) {
				return op.Method + " " + op.Path
			}
		}
	}
	return ""
}
