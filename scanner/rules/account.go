package rules

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/internal/lazyre"
	"github.com/authgate/authgate/scanner"
	"github.com/authgate/authgate/scanner/objects"
	"github.com/authgate/authgate/scanner/openapi"
)

// This file holds the account rules: the password policy of registration
// and what the password recovery answers. Both are active-only: the first
// creates accounts (deleted at the end only where the API lets an account
// delete itself), the second starts a recovery for the throw-away identity
// (an e-mail to its owner).

// AccountRules returns the account rules in a fixed order.
func AccountRules() []scanner.APIRule {
	return []scanner.APIRule{WeakPasswordPolicy{}, PasswordRecoveryTokenExposed{}}
}

var (
	_ scanner.APIRule = WeakPasswordPolicy{}
	_ scanner.APIRule = PasswordRecoveryTokenExposed{}
)

// accountNameBytes is the randomness of an invented account name: 48 bits,
// so that two runs never ask for the same name.
const accountNameBytes = 6

// accountNamePrefix marks every account the scanner creates, so that the
// API's owner can find and delete them.
const accountNamePrefix = "authgate-"

// accountEmailDomain is reserved for examples (RFC 2606): mail to an
// invented address reaches nobody.
const accountEmailDomain = "@example.com"

// acctFreshName invents an account name of the shape l's username has: an
// e-mail address when the login sends one.
func acctFreshName(l *scanner.Login) string {
	name := accountNamePrefix + hex.EncodeToString(randomBytes(accountNameBytes))
	if strings.Contains(l.Username(), "@") || strings.Contains(strings.ToLower(l.UsernameKey()), "mail") {
		name += accountEmailDomain
	}
	return name
}

// strongPasswordBytes makes the control password 28 characters long: above
// every minimum length seen in practice (NIST asks for 8, many ask for 12
// or 16) and below the maximums some APIs still set (often 32 or 64).
const strongPasswordBytes = 12

// acctStrongPassword is a control password that any policy accepts: upper and
// lower case, a digit and a symbol for composition rules, random so that
// no deny list holds it.
func acctStrongPassword() string {
	return "Ag7#" + hex.EncodeToString(randomBytes(strongPasswordBytes))
}

// acctBody encodes fields the way l sends its login: JSON, or a form.
func acctBody(l *scanner.Login, fields map[string]any) ([]byte, string, error) {
	if l.Format == "form" {
		form := url.Values{}
		for k, v := range fields {
			form.Set(k, fmt.Sprint(v))
		}
		return []byte(form.Encode()), "application/x-www-form-urlencoded", nil
	}
	b, err := json.Marshal(fields)
	if err != nil {
		return nil, "", fmt.Errorf("encode the request body: %w", err)
	}
	return b, "application/json", nil
}

// acctPost sends t anonymously with values as its parameters and fields
// as its body: registration and recovery are for people who are not
// logged in.
func acctPost(ctx context.Context, t *scanner.Target, l *scanner.Login, values map[string]string, fields map[string]any) (*scanner.Response, error) {
	body, ctype, err := acctBody(l, fields)
	if err != nil {
		return nil, err
	}
	r := t.Request(scanner.Anonymous, values)
	r.Body, r.ContentType = body, ctype
	return t.Do(ctx, r), nil
}

// acctUnusable reports an answer that says nothing about the request: none, a
// server error, or the target's rate limit.
func acctUnusable(r *scanner.Response) bool {
	return r == nil || r.Err != nil || r.Status >= 500 || r.Status == 429
}

// acctStatus describes an answer's status for a skip message.
func acctStatus(r *scanner.Response) string {
	if r == nil || r.Err != nil {
		return "no answer"
	}
	return fmt.Sprintf("status %d", r.Status)
}

// acctOp is "METHOD /path" of t's operation.
func acctOp(t *scanner.Target) string { return t.Op.Method + " " + t.Op.Path }

// acctCredentialField matches login body fields that hold a secret other
// than the password (an OAuth2 client_secret, an API key, a one-time code,
// a captcha or CSRF token). A registration shaped like the login leaves
// them out: they are the login's credentials, not the new account's, and
// a registration has no business receiving them (nor its curl showing
// them).
var acctCredentialField = lazyre.New(`(?i)(passw|passphrase|passcode|pwd|secret|api[_-]?key|(access|private|client|signing)[_-]?key|token|jwt|otp|mfa|2fa|credential|signature|session|^(pin|sid|key|code|auth[_-]?code|verification[_-]?code)$|[_-](pin|sid)$)`)

// acctAccountParam matches parameter names that hold an account's name:
// the throw-away's own name goes there.
var acctAccountParam = lazyre.New(`(?i)^(user[_-]?name|user|e-?mail|e-?mail[_-]?address|login|login[_-]?name|handle|phone|phone[_-]?number|account[_-]?name)$`)

// acctAccountIDParam matches query parameters that name an account by an
// id the scanner does not know.
var acctAccountIDParam = lazyre.New(`(?i)^((user|account|member|customer|profile)[_-]?id|uid)$`)

// acctPathParam finds the {name} templates of a route.
var acctPathParam = lazyre.New(`\{([^{}]+)\}`)

// flowValues are the parameter values for sending the flow operation t on
// behalf of the account user (l's account): every parameter that names an
// account gets user instead of the description's example, which may be a
// real user's name (a password reset or a logout for them). why is
// non-empty when t has a path parameter the scanner cannot fill with the
// account's own value (an id, a tenant), or needs an account id in its
// query: an operation that acts on an account must then not be sent.
// Values the user wrote in flows: (a concrete path the description does
// not have) are kept: they name the throw-away's own record.
// user-enumeration's recovery probe needs the same care.
func flowValues(a *scanner.API, t *scanner.Target, l *scanner.Login, user string) (values map[string]string, why string) {
	values = t.Values()
	names := func(name string) bool {
		return user != "" && (acctAccountParam.MatchString(name) || (l != nil && l.UsernameKey() != "" && strings.EqualFold(name, l.UsernameKey())))
	}
	configured := !acctDescribed(a, t)
	for _, m := range acctPathParam.FindAllStringSubmatch(t.Op.Path, -1) {
		name := m[1]
		if names(name) {
			values["path:"+name] = user
			continue
		}
		if p, ok := t.Param("path:" + name); configured && ok && p.Example != "" {
			continue // the segment as written in flows:
		}
		if why == "" {
			why = fmt.Sprintf("%s has the path parameter {%s}, which the scanner cannot fill with the throw-away account's own value, and the description's example may name a real account; name the operation with the value filled in (flows: \"%s /...\")",
				acctOp(t), safeName(name), t.Op.Method)
		}
	}
	for _, p := range t.Op.Params {
		if p.In != "query" {
			continue
		}
		key := "query:" + p.Name
		switch {
		case names(p.Name):
			values[key] = user
		case !acctAccountIDParam.MatchString(p.Name):
		case p.Required:
			if why == "" {
				why = fmt.Sprintf("%s needs the query parameter %s, an account id the scanner does not know for the throw-away account; name the operation with the value filled in (flows: \"%s /...?%s=...\")",
					acctOp(t), safeName(p.Name), t.Op.Method, safeName(p.Name))
			}
		default:
			delete(values, key) // optional: better absent than another account's
		}
	}
	return values, why
}

// acctDescribed reports whether t is an operation of the API description,
// rather than one built from a concrete path configured in flows:.
func acctDescribed(a *scanner.API, t *scanner.Target) bool {
	for _, op := range a.Operations() {
		if op.Method == t.Op.Method && op.Path == t.Op.Path {
			return true
		}
	}
	return false
}

// WeakPasswordPolicy registers a new account with a trivial password and
// logs in with it. It is active-only because it creates accounts: each one
// that logs in deletes itself at the end of the scan where the API has a
// way (a /me-like DELETE, or one on its own user record), and the report
// lists every one, deleted or left.
type WeakPasswordPolicy struct{}

// Info returns the catalog entry.
func (WeakPasswordPolicy) Info() finding.RuleInfo { return info("weak-password-policy") }

// weakPasswordTries are tried in order; the first one accepted ends the
// rule, so at most one account gets a trivial password. "123456" heads
// every published list of breached passwords and is shorter than the 8
// characters NIST SP 800-63B asks for. "12345678" meets that length but
// is on every such list: accepting it means the policy counts characters
// without checking a deny list, which 800-63B (5.1.1.2) also requires.
var weakPasswordTries = []struct{ password, why string }{
	{"123456", "6 digits, the most common password in breach lists"},
	{"12345678", "8 digits in sequence, on every list of breached passwords"},
}

// CheckAPI registers with trivial passwords; an account it can then log
// into is the finding. When every trivial password is refused, one
// registration with a strong password tells a policy from a request the
// scanner cannot build.
func (WeakPasswordPolicy) CheckAPI(ctx context.Context, a *scanner.API) []finding.Finding {
	const rule = "weak-password-policy"
	if a.Mode() != finding.ModeActive {
		return nil
	}
	reg, ok := a.Flow(ctx, scanner.FlowRegister)
	if !ok {
		a.NotApplicable(rule, "no registration operation found (name it in flows.register)")
		return nil
	}
	logins := a.Logins()
	if len(logins) == 0 {
		a.Skip(rule, "no identity with a login, whose body shows what a registration sends")
		return nil
	}
	l := logins[0]
	uk, pk := l.UsernameKey(), l.PasswordKey()
	if uk == "" || pk == "" {
		a.Skip(rule, fmt.Sprintf("the login %s %s has no username or password field (set usernameField and passwordField)", l.Method, l.Path))
		return nil
	}
	register := func(user, password string) (*scanner.Response, bool) {
		fields := map[string]any{}
		for k, v := range l.Body {
			if k != pk && k != uk && acctCredentialField.MatchString(k) {
				continue // the login's credentials, not the new account's
			}
			fields[k] = v
		}
		fields[uk], fields[pk] = user, password
		// A registration route naming the account ({username}) gets the
		// new name; other path parameters keep the description's example:
		// a registration creates an account, it acts on none.
		values, _ := flowValues(a, reg, l, user)
		// Once sent, the registration is seen through to its answer,
		// interrupted scan or not (see scanner.SeenThrough): the API may
		// make the account all the same.
		if err := ctx.Err(); err != nil {
			a.Skip(rule, fmt.Sprintf("the registration %s was not sent: %v", acctOp(reg), err))
			return nil, false
		}
		r, err := acctPost(scanner.SeenThrough(ctx), reg, l, values, fields)
		if err != nil {
			a.Skip(rule, err.Error())
			return nil, false
		}
		if acctUnusable(r) {
			a.Skip(rule, fmt.Sprintf("the registration %s answered with %s", acctOp(reg), acctStatus(r)))
			return nil, false
		}
		return r, true
	}
	// logIn logs in as the account the registration r made and records
	// it with the write engine: logged in, it deletes itself at the end
	// of the scan; otherwise the report lists it as left on the target.
	// The login is sent even when the scan was interrupted since the
	// registration (bounded by the request timeout): without it the
	// account cannot delete itself.
	logIn := func(user, password string, r *scanner.Response) (*scanner.Response, bool) {
		login := a.Attempt(scanner.SeenThrough(ctx), l, map[string]any{uk: user, pk: password}, nil)
		tok, ok := a.Token(l, login)
		acctKeep(a, reg, l, user, password, r, tok, ok)
		return login, ok
	}

	for _, tp := range weakPasswordTries {
		if ctx.Err() != nil || a.Exhausted() {
			return nil
		}
		user := acctFreshName(l)
		r, ok := register(user, tp.password)
		if !ok {
			return nil
		}
		if r.Status >= 400 {
			continue
		}
		// 2xx, or a form's redirect: only a login proves the account.
		login, in := logIn(user, tp.password, r)
		if in {
			summary := fmt.Sprintf("%s created the account %s with the password %q (%s), and the login %s %s let it in. The scan deletes the account at the end where the API lets an account delete itself; coverage.writes says whether it is gone.",
				acctOp(reg), user, tp.password, tp.why, l.Method, l.Path)
			return []finding.Finding{reg.NewFinding(rule, finding.ConfidenceHigh, summary, r, login)}
		}
		if registrationRefused(r) == "" && r.OK() {
			a.Skip(rule, fmt.Sprintf("the registration %s answered %d, but the new account %s could not log in (%s): it may need an e-mail confirmation or an approval", acctOp(reg), r.Status, user, acctStatus(login)))
			return nil
		}
		// Refused: the form sent back with its error (200, or a redirect
		// to the form or an error page), or a redirect that created
		// nothing.
	}

	if ctx.Err() != nil || a.Exhausted() {
		return nil
	}
	user, password := acctFreshName(l), acctStrongPassword()
	r, ok := register(user, password)
	if !ok {
		return nil
	}
	refused := registrationRefused(r)
	if r.Status < 400 {
		// The login proves the account (a form's redirect may have made
		// one) and lets it delete itself at the end.
		if _, in := logIn(user, password, r); in || (r.OK() && refused == "") {
			return nil // the policy refused the trivial passwords: fixed
		}
	}
	if refused == "" {
		refused = acctStatus(r)
	}
	a.Skip(rule, fmt.Sprintf("the registration %s refused a strong password too (%s): it needs fields the login body does not show", acctOp(reg), refused))
	return nil
}

// acctKeep records an account reg may have made for user with the write
// engine (nothing in safe mode, or when the registration r refused it):
// one that logged in (tok) is recorded with its own login, so the
// clean-up deletes it as itself (on its /me-like route or its own user
// record) and confirms by logging in again; one that could not is listed
// as left on the target.
func acctKeep(a *scanner.API, reg *scanner.Target, l *scanner.Login, user, password string, r *scanner.Response, tok string, in bool) {
	if in {
		a.Token(l, r) // a registration that logs the account in answers a token too: hide it
	}
	w := a.Writes()
	if w == nil || (!in && (r.Status >= 400 || registrationRefused(r) != "")) {
		return
	}
	if !in {
		w.Account(acctOp(reg), user, scanner.Anonymous)
		return
	}
	as := a.As("registered "+user, l, tok)
	own := *l
	own.Body = maps.Clone(l.Body)
	own.Body[l.UsernameKey()], own.Body[l.PasswordKey()] = user, password
	as.Login = &own
	self, _ := objects.NewID(r.Body, r.Header.Get("Location"), "userId")
	w.AccountLoggedIn(acctOp(reg), user, as, self)
}

// registrationBackTo matches where a refused registration form sends the
// browser: back to the form itself, or to an error page.
var registrationBackTo = lazyre.New(`(?i)(register|registration|sign-?up|create-?account|join)`)

// registrationErrorPage matches a redirect's path or query that reports an
// error (Spring MVC's /register?error, Rails' ?failed).
var registrationErrorPage = lazyre.New(`(?i)(error|fail|invalid|denied|rejected)`)

// registrationDone matches the pages a registration that worked leads to,
// even under the registration's own path (/signup/complete).
var registrationDone = lazyre.New(`(?i)(success|complete|done|welcome|confirm|verify|thank)`)

// registrationRefused says why an answer that is not a 4xx still refused
// the registration: the form rendered again (a password input: the
// validation error next to it), an error object in a 200, or a redirect
// back to the form or to an error page. "" when it looks accepted; only a
// login proves it was.
func registrationRefused(r *scanner.Response) string {
	switch {
	case r == nil || r.Err != nil:
		return "no answer"
	case r.Status >= 300 && r.Status < 400:
		loc, err := url.Parse(r.Header.Get("Location"))
		if err != nil {
			return "a redirect to an unreadable location"
		}
		if registrationErrorPage.MatchString(loc.Path) || registrationErrorPage.MatchString(loc.RawQuery) {
			return fmt.Sprintf("status %d to an error page", r.Status)
		}
		if registrationBackTo.MatchString(loc.Path) && !registrationDone.MatchString(loc.Path) {
			return fmt.Sprintf("status %d back to the registration form", r.Status)
		}
	case r.Status >= 200 && r.Status < 300:
		switch scanner.Refusal(r) {
		case "login form":
			return fmt.Sprintf("status %d with the form rendered again", r.Status)
		case "denial in the body":
			return fmt.Sprintf("status %d with an error in the body", r.Status)
		}
	}
	return ""
}

// PasswordRecoveryTokenExposed asks for a password reset of the throw-away
// account and looks for the reset secret in the answer: whoever gets it
// can set the password of any account. Active-only: it sends the account's
// owner a recovery e-mail.
type PasswordRecoveryTokenExposed struct{}

// Info returns the catalog entry.
func (PasswordRecoveryTokenExposed) Info() finding.RuleInfo {
	return info("password-recovery-token-exposed")
}

// CheckAPI sends one recovery request for the throw-away account and, when
// its answer holds a reset secret, a second one to confirm.
func (PasswordRecoveryTokenExposed) CheckAPI(ctx context.Context, a *scanner.API) []finding.Finding {
	const rule = "password-recovery-token-exposed"
	if a.Mode() != finding.ModeActive {
		return nil
	}
	rec, ok := a.Flow(ctx, scanner.FlowRecovery)
	if !ok {
		a.NotApplicable(rule, "no password recovery operation found (name it in flows.recovery)")
		return nil
	}
	throwaways := a.Throwaways()
	if len(throwaways) == 0 {
		a.Skip(rule, a.NoThrowaway(noThrowaway+": the recovery e-mail must not go to a real account"))
		return nil
	}
	l := throwaways[0].Login
	uk, user := l.UsernameKey(), l.Username()
	if uk == "" || user == "" {
		a.Skip(rule, fmt.Sprintf("the login %s %s of %s has no username field (set usernameField)", l.Method, l.Path, throwaways[0].Name))
		return nil
	}
	values, why := flowValues(a, rec, l, user)
	if why != "" {
		a.Skip(rule, "the recovery operation "+why+" (flows.recovery)")
		return nil
	}
	r, err := acctPost(ctx, rec, l, values, map[string]any{uk: user})
	if err != nil {
		a.Skip(rule, err.Error())
		return nil
	}
	if !r.OK() {
		a.Skip(rule, fmt.Sprintf("the recovery request %s for %s answered with %s", acctOp(rec), throwaways[0].Name, acctStatus(r)))
		return nil
	}
	first := resetSecrets(r.Body, user)
	if len(first) == 0 || ctx.Err() != nil || a.Exhausted() {
		return nil
	}
	again := rec.Resend(ctx, r)
	if !again.OK() {
		return nil
	}
	s, ok := confirmedSecret(first, resetSecrets(again.Body, user))
	if !ok {
		return nil
	}
	summary := fmt.Sprintf("%s answered two recovery requests for the throw-away account %s with the reset secret itself (%s: %d characters): whoever asks for a reset can set any account's password.",
		acctOp(rec), throwaways[0].Name, s.where, len(s.value))
	return []finding.Finding{rec.NewFinding(rule, finding.ConfidenceHigh, summary, r, again)}
}

// resetSecret is a value in a recovery answer that looks like the secret
// sent to the account's owner.
type resetSecret struct {
	where  string // the JSON key or the link parameter, safe to show
	value  string
	strong bool // the name says reset, recovery or one-time code
}

// resetStrongNames are keys and link parameters (lower case, without _ -
// and .) that only a reset or one-time secret goes by.
var resetStrongNames = map[string]bool{
	"resettoken": true, "recoverytoken": true, "passwordresettoken": true, "resetpasswordtoken": true,
	"passwordtoken": true, "resetcode": true, "recoverycode": true, "passwordresetcode": true,
	"resetkey": true, "recoverykey": true, "resetsecret": true, "verificationcode": true,
	"verifycode": true, "confirmationcode": true, "securitycode": true, "otp": true, "otpcode": true,
	"onetimecode": true, "onetimepassword": true, "onetimetoken": true, "passcode": true,
	"magictoken": true, "magiclinktoken": true,
}

// resetWeakNames are generic names that hold a reset secret in some APIs
// and a status or a constant in others ({"code": 20000}); their values
// must look random (see confirmedSecret). Ids (id, requestId, messageId)
// are never secrets: they name the request, not the reset.
var resetWeakNames = map[string]bool{"token": true, "code": true}

// resetLinkNames are the generic link parameters of a reset link.
var resetLinkNames = map[string]bool{"token": true, "code": true, "key": true}

// minResetSecret is the shortest value taken for a secret: a 4-digit PIN
// is the shortest one-time code in use.
const minResetSecret = 4

// minResetRandomLooking is the length from which a generic value with a
// digit is taken for a token even when it does not change between answers
// (an API may hand out the same unexpired token again); a status code or
// an error number is shorter.
const minResetRandomLooking = 16

// resetNotSecret matches values that hide or stand for a secret rather than
// being one.
var resetNotSecret = lazyre.New(`(?i)^(true|false|null|none|sent|ok|x{4,}|\*+|•+|\[?redacted\]?|hidden)$|\*{3}|•`)

// resetDigit: random tokens and one-time codes nearly always hold one.
var resetDigit = lazyre.New(`[0-9]`)

// resetLink finds URLs with a query in text: absolute, or a path.
var resetLink = lazyre.New(`(?i)(?:https?://|/)[^\s"'<>\\]*\?[^\s"'<>\\]+`)

func resetSecretName(name string) string {
	return nameSeparators.Replace(strings.ToLower(name))
}

// resetSecretLike reports whether v could be a reset secret: long enough, one
// word, not a mask, not the account name that was sent.
func resetSecretLike(v, sent string) bool {
	return len(v) >= minResetSecret && !strings.ContainsAny(v, " \t\r\n") &&
		!resetNotSecret.MatchString(v) && !strings.EqualFold(v, sent)
}

// resetSecrets lists the reset secrets a recovery answer seems to hold:
// values under reset-token keys, and token parameters of links (in JSON
// strings, or anywhere in a body that is not JSON).
func resetSecrets(body []byte, sent string) []resetSecret {
	var out []resetSecret
	links := func(text string) {
		for _, raw := range resetLink.FindAllString(strings.ReplaceAll(text, "&amp;", "&"), -1) {
			u, err := url.Parse(raw)
			if err != nil {
				continue
			}
			for name, vs := range u.Query() {
				n := resetSecretName(name)
				if !resetStrongNames[n] && !resetLinkNames[n] {
					continue
				}
				for _, v := range vs {
					if resetSecretLike(v, sent) {
						out = append(out, resetSecret{where: "a link's " + safeName(name) + "= parameter", value: v, strong: resetStrongNames[n]})
					}
				}
			}
		}
	}
	isJSON := scanner.EachScalar(body, true, func(k, v string) {
		v = strings.TrimSpace(v)
		if n := resetSecretName(k); (resetStrongNames[n] || resetWeakNames[n]) && resetSecretLike(v, sent) {
			out = append(out, resetSecret{where: safeName(k), value: v, strong: resetStrongNames[n]})
		}
		links(v)
	})
	if !isJSON {
		links(string(body))
	}
	return out
}

// confirmedSecret picks a secret of the first answer that the second
// answer holds too, at the same place: strong names first. A generic name
// needs a value with a digit that is long or changed between the answers:
// a fresh one-time code changes, {"code": 20000} does not.
func confirmedSecret(first, second []resetSecret) (resetSecret, bool) {
	for _, strong := range []bool{true, false} {
		for _, s := range first {
			if s.strong != strong {
				continue
			}
			for _, t := range second {
				if t.where != s.where {
					continue
				}
				if s.strong || resetDigit.MatchString(s.value) && (len(s.value) >= minResetRandomLooking || t.value != s.value) {
					return s, true
				}
			}
		}
	}
	return resetSecret{}, false
}

// CrossUserPassword is bola-cross-user-write on the routes that set an
// account's password by naming the account in the path (VAmPI's PUT
// /users/v1/{username}/password): one user sets another's and takes the
// account over. It is tried only on accounts the scan may change (its own
// accounts, or throw-away identities), the attacker on the victim, and
// proven by the victim's logins, never by a status: the password only the
// attacker sent lets the victim in, and the old one no longer does.
// Afterwards the account whose password changed (the victim, or the
// attacker where the API applied the write to the caller) sets it back
// itself; where it cannot, the scan logs in with the new one.
type CrossUserPassword struct{}

var _ scanner.APIRule = CrossUserPassword{}

// Info implements scanner.APIRule.
func (CrossUserPassword) Info() finding.RuleInfo { return info(crossPasswordRule) }

const crossPasswordRule = "bola-cross-user-write"

// CheckAPI implements scanner.APIRule. An API without such a route adds
// nothing to the rule's coverage: CrossUserWrite says what it tested.
func (CrossUserPassword) CheckAPI(ctx context.Context, a *scanner.API) []finding.Finding {
	if a.Writes() == nil {
		return nil // safe mode: the coverage says the rule runs only with --mode active
	}
	routes := passwordRoutes(a)
	if len(routes) == 0 {
		return nil
	}
	// An administrator may set anyone's password by design: neither
	// account may be one.
	own := slices.DeleteFunc(a.OwnAccounts(), func(o scanner.OwnAccount) bool { return o.IsAdmin() })
	if len(own) < 2 {
		a.Skip(crossPasswordRule, fmt.Sprintf("%s not tested: one user setting another's password is tried only on two accounts the scan may change (--auto-accounts, or two throw-away identities); it has %d", pwRouteList(routes), len(own)))
		return nil
	}
	run := &pwRun{a: a, victim: own[0], attacker: own[1]}
	var out []finding.Finding
	var whys []string
	for _, rt := range routes {
		if ctx.Err() != nil || a.Exhausted() {
			break
		}
		f, found, why := run.route(ctx, rt)
		if found {
			out = append(out, f)
		}
		if why != "" {
			whys = append(whys, why)
		}
	}
	if len(whys) > 0 {
		a.Skip(crossPasswordRule, strings.Join(whys, "; "))
	}
	return out
}

// pwRoute is one operation that sets the password of the account its
// path names.
type pwRoute struct {
	t     *scanner.Target
	param openapi.Param // the path parameter naming the account
	// wrap is the property the password fields are in ({"user":
	// {"password": …}}), "" when they are top-level.
	wrap string
	// newKeys take the new password (password, password_confirmation),
	// oldKeys the current one (old_password).
	newKeys, oldKeys []string
	// rest are the body's other required fields, as generated.
	rest map[string]any
}

// passwordRouteOps are the routes CrossUserPassword answers for
// ("METHOD /path"): tested, or named in its coverage reason. Other write
// rules leave them out of the writes they say no rule sends.
func passwordRouteOps(a *scanner.API) []string {
	var out []string
	for _, rt := range passwordRoutes(a) {
		out = append(out, acctOp(rt.t))
	}
	return out
}

// pwRouteList names routes for a coverage reason.
func pwRouteList(routes []pwRoute) string {
	var names []string
	for _, rt := range routes {
		names = append(names, acctOp(rt.t))
	}
	return strings.Join(names, ", ")
}

// passwordRoutes are the PUT, PATCH and POST operations of the
// description on one account of a collection of them
// (scanner.AccountParam) whose route ends in the password
// (/users/{username}/password, /users/{id}/change-password) and whose body
// takes a new one (any body, without a schema); in description order. A
// write on the account's record itself (PUT /users/{id} with a password
// among its fields) is left alone: it would also replace the name the
// victim logs in with, and nothing would prove or undo it.
func passwordRoutes(a *scanner.API) []pwRoute {
	var out []pwRoute
	for _, op := range a.Operations() {
		if op.Method != http.MethodPut && op.Method != http.MethodPatch && op.Method != http.MethodPost {
			continue
		}
		p, ok := scanner.AccountParam(&op)
		segs := strings.Split(strings.TrimRight(op.Path, "/"), "/")
		if !ok || !pwLastSegment.MatchString(segs[len(segs)-1]) {
			continue
		}
		rt := pwRoute{t: a.Target(op.Method, op.Path), param: p}
		if !rt.fields(op.Body) {
			continue
		}
		out = append(out, rt)
	}
	return out
}

// pwLastSegment matches a route's last segment that names the password.
var pwLastSegment = lazyre.New(`(?i)(passw(or)?d|pwd)s?$`)

// fields finds the password fields of body, at the top or one object
// down; without a schema the route takes {"password"}. It reports whether
// there is a field for the new password.
func (rt *pwRoute) fields(body *openapi.Schema) bool {
	if body == nil {
		rt.newKeys = []string{"password"}
		return true
	}
	generated := map[string]any{}
	if b, err := objects.Body(body, "pw"); err == nil {
		_ = json.Unmarshal(b, &generated)
	}
	if rt.level(body, generated) {
		return true
	}
	for _, k := range slices.Sorted(maps.Keys(body.Properties)) {
		sub, _ := generated[k].(map[string]any)
		if p := body.Properties[k]; p != nil && p.Type == "object" && rt.level(p, sub) {
			rt.wrap = k
			return true
		}
	}
	return false
}

// level fills rt's fields from the properties of s, generated being a
// body built from it; it reports whether one takes the new password.
func (rt *pwRoute) level(s *openapi.Schema, generated map[string]any) bool {
	rt.newKeys, rt.oldKeys, rt.rest = nil, nil, map[string]any{}
	for _, k := range slices.Sorted(maps.Keys(s.Properties)) {
		if p := s.Properties[k]; p == nil || p.ReadOnly {
			continue
		}
		switch pwFieldKind(k) {
		case pwNew:
			rt.newKeys = append(rt.newKeys, k)
		case pwOld:
			rt.oldKeys = append(rt.oldKeys, k)
		}
	}
	for _, k := range s.Required {
		if v, ok := generated[k]; ok && pwFieldKind(k) == pwNone {
			rt.rest[k] = v
		}
	}
	return len(rt.newKeys) > 0
}

// Kinds of password field.
const (
	pwNone = iota
	pwNew  // the password to set, or its confirmation
	pwOld  // the current password, which some APIs ask for
)

// pwFieldKind says what a body field named k takes.
func pwFieldKind(k string) int {
	n := nameSeparators.Replace(strings.ToLower(k))
	if !pwFieldName.MatchString(n) || strings.Contains(n, "passport") || strings.Contains(n, "passcode") || strings.Contains(n, "bypass") {
		return pwNone
	}
	for _, old := range []string{"old", "current", "curr", "existing", "previous", "prev"} {
		if strings.HasPrefix(n, old) {
			return pwOld
		}
	}
	return pwNew
}

// pwFieldName matches a normalised field name that holds a password.
var pwFieldName = lazyre.New(`passw(or)?d|pwd|^(new|old|current)?pass$`)

// body is rt's request body setting the password to set, with current in
// the fields that ask for the caller's current one.
func (rt pwRoute) body(set, current string) []byte {
	fields := maps.Clone(rt.rest)
	for _, k := range rt.newKeys {
		fields[k] = set
	}
	for _, k := range rt.oldKeys {
		fields[k] = current
	}
	if rt.wrap != "" {
		fields = map[string]any{rt.wrap: fields}
	}
	b, _ := json.Marshal(fields) // strings and generated JSON values: never fails
	return b
}

// pwRun is one run of CrossUserPassword.
type pwRun struct {
	a                *scanner.API
	victim, attacker scanner.OwnAccount
}

// route tries one route: the attacker sets the victim's password, the
// victim's logins tell, and whichever account changed is set back. why
// says why the route could not be judged.
func (r *pwRun) route(ctx context.Context, rt pwRoute) (finding.Finding, bool, string) {
	route := acctOp(rt.t)
	key, own := r.victim.Key(rt.param), r.attacker.Key(rt.param)
	if key == "" || key == own {
		return finding.Finding{}, false, fmt.Sprintf("%s not tested: the scan does not know the {%s} of %s", route, safeName(rt.param.Name), rt.t.Who(r.victim.Identity))
	}
	oldVictim, oldAttacker := r.victim.Login.Password(), r.attacker.Login.Password()
	set := acctStrongPassword()
	r.a.Hide(set)
	attack := r.send(ctx, rt, r.attacker.Identity, key, set, oldAttacker)
	newLogin, tok, in := r.logIn(ctx, r.victim, set)
	if !in {
		if attack.OK() {
			// Applied to the caller, path aside?
			r.checkCaller(ctx, rt, set, oldAttacker)
		}
		switch {
		case attack.Err != nil:
			return finding.Finding{}, false, fmt.Sprintf("%s not tested: it got no answer (%v)", route, attack.Err)
		case acctUnusable(newLogin):
			return finding.Finding{}, false, fmt.Sprintf("%s not judged: the login of %s with the password the attacker sent answered %s", route, rt.t.Who(r.victim.Identity), acctStatus(newLogin))
		}
		return finding.Finding{}, false, ""
	}
	oldLogin, _, oldIn := r.logIn(ctx, r.victim, oldVictim)
	restored := r.setBack(ctx, rt, r.victim, key, tok, set, oldVictim)
	if oldIn || acctUnusable(oldLogin) {
		return finding.Finding{}, false, fmt.Sprintf("%s not judged: after %s as %s, %s logged in with the password it sent, and the old one answered %s", route, route, rt.t.Who(r.attacker.Identity), rt.t.Who(r.victim.Identity), acctStatus(oldLogin))
	}
	l := r.victim.Login
	after := "its password was set back afterwards"
	if !restored {
		after = "its password could not be set back: the scan logs in with the new one"
	}
	summary := fmt.Sprintf("%s as %s, with the {%s} of %s in the path, set %s's password: afterwards the login %s %s let %s in with the password the attacker sent and refused the old one. Any signed-in user can take over another's account. Both accounts are the scan's to change; %s.",
		route, rt.t.Who(r.attacker.Identity), safeName(rt.param.Name), rt.t.Who(r.victim.Identity), rt.t.Who(r.victim.Identity),
		l.Method, acctLoginPath(l), rt.t.Who(r.victim.Identity), after)
	return rt.t.NewFinding(crossPasswordRule, finding.ConfidenceHigh, summary, attack, newLogin, oldLogin), true, ""
}

// acctLoginPath is l's route without its query, which may hold a secret.
func acctLoginPath(l *scanner.Login) string {
	p, _, _ := strings.Cut(l.Path, "?")
	return p
}

// send sends rt as `as` on the account key, setting its password to set
// (current where the body asks for the caller's current password).
func (r *pwRun) send(ctx context.Context, rt pwRoute, as *scanner.Identity, key, set, current string) *scanner.Response {
	vals := rt.t.Values()
	vals["path:"+rt.param.Name] = key
	req := rt.t.Request(as, vals)
	req.Body, req.ContentType = rt.body(set, current), "application/json"
	return rt.t.Do(ctx, req)
}

// logIn logs o in with password; tok is the token when it got in.
func (r *pwRun) logIn(ctx context.Context, o scanner.OwnAccount, password string) (resp *scanner.Response, tok string, in bool) {
	l := o.Login
	resp = r.a.Attempt(ctx, l, map[string]any{l.PasswordKey(): password}, nil)
	tok, in = r.a.Token(l, resp)
	return resp, tok, in
}

// checkCaller sets the attacker's password back where the write changed
// it instead (an API that takes the account from the session, whatever
// the path says): its old password no longer lets it in, the new one
// does.
func (r *pwRun) checkCaller(ctx context.Context, rt pwRoute, set, old string) {
	if _, _, in := r.logIn(ctx, r.attacker, old); in {
		return
	}
	if _, tok, in := r.logIn(ctx, r.attacker, set); in {
		r.setBack(ctx, rt, r.attacker, r.attacker.Key(rt.param), tok, set, old)
	}
}

// setBack sets o's password back from cur to want through rt, as o
// (logged in with cur: tok), and confirms with a login. Where it cannot,
// the scan takes cur for o's password from now on. It reports whether
// the password is back.
func (r *pwRun) setBack(ctx context.Context, rt pwRoute, o scanner.OwnAccount, key, tok, cur, want string) bool {
	back := false
	var resp *scanner.Response
	if key != "" {
		resp = r.send(ctx, rt, r.a.As(o.Name, o.Login, tok), key, want, cur)
		_, _, back = r.logIn(ctx, o, want)
	}
	if !back {
		r.a.PasswordChanged(o.Identity, cur, fmt.Sprintf("%s changed its password with %s and could not set it back (%s): the scan logs in with the new one", crossPasswordRule, acctOp(rt.t), acctStatus(resp)))
	}
	// A password change may end the account's sessions: a fresh one for
	// the rules after.
	_ = r.a.Restore(ctx, o.Identity)
	return back
}
