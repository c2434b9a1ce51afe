package scanner

// Accounts of its own (Options.AutoAccounts): where active mode has no
// primary or no peer, the scan registers throw-away accounts through the
// API's signup operation, logs them in through its login operation and
// uses them as the primary (the victim) and the peer (the attacker), so
// cross-user checks need no credentials at all. The accounts' life cycle
// lives here: made after the description is read (the signup and login
// operations are found in it), deleted at the very end, after the write
// engine removed the objects they own, and listed in the report's
// coverage.writes with whether the API let them go.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/internal/lazyre"
	"github.com/authgate/authgate/scanner/objects"
	"github.com/authgate/authgate/scanner/openapi"
)

// Names of the scan's own accounts, as reports show them.
const (
	AutoVictim   = "auto-victim"   // the primary: owns the objects
	AutoAttacker = "auto-attacker" // the peer: tries to reach them
)

// Account names and passwords. The name is the prefix every account the
// scanner makes carries (so the API's owner can find them) and 64 random
// bits (so nobody can guess one while it exists); mail goes to the
// reserved example.com (RFC 2606), which reaches nobody. The password is
// 28 characters of upper and lower case, digits and a symbol: above every
// minimum length seen in practice, below the maximums some APIs set, and
// random, so no deny list holds it.
const (
	accountPrefix        = "authgate-"
	accountNameBytes     = 8
	accountDomain        = "@example.com"
	accountPasswordBytes = 12
	accountPasswordHead  = "Ag7#"
	// accountCleanupTimeout bounds deleting the accounts at the end,
	// also after an interrupt: leaving them behind is worse than a few
	// seconds more, but a hung target must not hang the run.
	accountCleanupTimeout = 30 * time.Second
	// accountCleanupCost is what deleting one account may spend of the
	// request budget: the read that proves its record its own, the
	// DELETE and the login that confirms it. Held from before the
	// signup until closeAccounts, so --budget stays a bound.
	accountCleanupCost = 3
)

// accounts is what the scan registered for itself.
type accounts struct {
	list []*account
	// why says why the scan has fewer accounts than it needed ("" when
	// it got them all): for the warning and the cross-user rules'
	// coverage.
	why string
	// closed: the accounts were deleted (or tried); never twice.
	closed bool
}

// account is one registered account and what became of it.
type account struct {
	owner    string    // the identity's name, AutoVictim or AutoAttacker
	id       *Identity // nil when it could not log in
	register string    // the signup operation, "POST /api/register"
	name     string    // the account name, authgate-<hex>
	email    string
	// self is the account's own id from the signup or login answer,
	// "" when neither gave one.
	self string
	// item is how the report names the account: its own record's path
	// when it was deleted by one (/api/users/103), else the name it
	// signed up with; deleted says whether it is gone, reason how that
	// was decided.
	item    string
	deleted bool
	reason  string
	// nameUnsent: the signup carried no name field (an e-mail sign-up),
	// so the API does not know the account by name.
	nameUnsent bool
	// dropped: the account serves as nobody: it could not log in, the
	// API refused it right after, or verification rejected it
	// (dropRejected).
	dropped bool
	// held is the part of the request budget kept for its deletion
	// (accountCleanupCost, or less when the budget had less left).
	held int
}

// registerAccounts gives the scan the primary and peer it lacks from
// accounts of its own, when Options.AutoAccounts asks for it in active
// mode. Failures leave the scan without them: a warning says why, and so
// does the coverage of the rules that needed them (noPeerWhy).
func (s *scan) registerAccounts(ctx context.Context, ops []openapi.Operation) {
	if !s.opts.AutoAccounts || s.opts.Mode != finding.ModeActive || (s.primary != nil && s.peer != nil) {
		return
	}
	s.accounts = &accounts{}
	flow, why := s.signupFlow(ops)
	if why == "" {
		if s.primary == nil {
			why = s.addAccount(ctx, flow, AutoVictim, &s.primary)
		}
		if why == "" && s.peer == nil {
			why = s.addAccount(ctx, flow, AutoAttacker, &s.peer)
		}
	}
	if why != "" {
		s.accounts.why = s.redactor.Redact(why)
		s.warnings = append(s.warnings, "auto-accounts: the scan goes on without accounts of its own: "+s.accounts.why)
	}
}

// addAccount registers and logs in one account named name and installs
// it at slot; it returns why it could not. An account that registered but
// cannot serve is still recorded: it exists on the target.
func (s *scan) addAccount(ctx context.Context, flow signup, name string, slot **Identity) string {
	if !s.client.hold(accountCleanupCost) {
		return fmt.Sprintf("the request budget of %d leaves too little to register an account and delete it at the end", s.client.budget)
	}
	acct, why := s.newAccount(ctx, flow, name)
	if acct != nil {
		acct.held = accountCleanupCost
		s.accounts.list = append(s.accounts.list, acct)
	} else {
		s.client.unhold(accountCleanupCost)
	}
	if why != "" {
		if acct != nil {
			acct.dropped = true
		}
		return why
	}
	*slot = acct.id
	return ""
}

// signup is how the scan makes an account: the signup operation, and the
// login operation or a configured login to copy.
type signup struct {
	register *openapi.Operation
	login    *openapi.Operation // nil when template is set, or none found
	template *Login             // a configured identity's login, to reuse
	me       *openapi.Operation // a GET that describes the caller, nil when none
}

// loginOperation matches login operations by path or operation id, most
// telling first: login and sign-in, then sessions, then tokens and auth.
var loginOperation = []*lazyre.Regexp{
	lazyre.New(`(?i)(log-?in|sign-?in)`),
	lazyre.New(`(?i)(^|[/_.-])sessions?($|[/_.-])`),
	lazyre.New(`(?i)(^|[/_.-])(tokens?|auth|authenticate|authentication)($|[/_.-])`),
}

// notLogin matches operations that look like a login by name but are not
// one: refreshing or revoking a token, logging out, verifying a code.
var notLogin = lazyre.New(`(?i)(refresh|revoke|log-?out|sign-?out|verify|introspect|reset|forgot|recover|register|sign-?up|2fa|mfa|otp)`)

// signupFlow finds the signup operation (flows.register, else the
// description's register/sign-up POST) and how to log in: a configured
// identity's login, else the description's login POST.
func (s *scan) signupFlow(ops []openapi.Operation) (signup, string) {
	reg, why := s.signupOperation(ops)
	if why != "" {
		return signup{}, why
	}
	f := signup{register: reg, me: findMe(ops)}
	for _, id := range s.allIdentities() {
		if l := id.Login; l != nil && !id.IsAdmin() && l.UsernameKey() != "" && l.PasswordKey() != "" {
			f.template = l
			return f, ""
		}
	}
	f.login = findLogin(ops)
	return f, ""
}

// findMe is the first GET of ops that describes the caller (/api/me), nil
// when none does.
func findMe(ops []openapi.Operation) *openapi.Operation {
	for i := range ops {
		if op := &ops[i]; op.Method == http.MethodGet && describesCaller(op) && op.Security != openapi.SecurityPublic {
			return op
		}
	}
	return nil
}

// signupOperation is the configured register flow or the first POST (then
// PUT) whose path or operation id says register or sign-up.
func (s *scan) signupOperation(ops []openapi.Operation) (*openapi.Operation, string) {
	if m, p, ok := strings.Cut(strings.TrimSpace(s.opts.Flows.Register), " "); ok {
		m, p = strings.ToUpper(m), strings.TrimSpace(p)
		for i := range ops {
			if ops[i].Method == m && ops[i].Path == p {
				return &ops[i], ""
			}
		}
		op := endpointOperation(m, p, nil)
		return &op, ""
	}
	re := flowPath[FlowRegister]
	for _, m := range re.methods {
		for i := range ops {
			op := &ops[i]
			if op.Method == m && s.pathValuesCover(op) && (re.re.MatchString(op.Path) || re.re.MatchString(op.OperationID)) {
				return op, ""
			}
		}
	}
	for i := range ops {
		if op := &ops[i]; publicSignup(op) {
			return op, ""
		}
	}
	for _, sk := range s.safety.skipped {
		if slices.Contains(re.methods, sk.Method) && re.re.MatchString(sk.Path) {
			return nil, fmt.Sprintf("the signup operation %s %s was not sent: %s", sk.Method, sk.Path, sk.Reason)
		}
	}
	return nil, "the API description has no signup operation (a POST whose path or operation id says register or sign-up, or a public POST /users; set flows.register)"
}

// publicSignup reports whether op is a sign-up by its shape: a POST that
// needs no credentials on a collection of users or accounts, without path
// parameters (Juice Shop's POST /api/Users). Only someone who is not
// signed in yet can call it, so what it creates is an account. The write
// engine keeps the same operations out of its object kinds (accountFlow).
// An authenticated POST /users is an administrator's create, not a
// sign-up.
func publicSignup(op *openapi.Operation) bool {
	if op.Method != http.MethodPost || hasPathParam(op) || len(routeParams(op.Path)) > 0 {
		return false
	}
	if op.Security != openapi.SecurityPublic && op.Security != openapi.SecurityOptional {
		return false
	}
	segs := routeSegments(op.Path)
	return len(segs) > 0 && principalSegment.MatchString(segs[len(segs)-1])
}

// pathValuesCover reports whether Options.PathValues gives every path
// parameter of op (none: trivially): a signup under a tenant the scan
// cannot create (/tenants/{tenantId}/signup) needs the tenant's id.
func (s *scan) pathValuesCover(op *openapi.Operation) bool {
	for _, p := range op.Params {
		if _, ok := s.opts.PathValues[p.Name]; p.In == "path" && !ok {
			return false
		}
	}
	return true
}

// withPathValues sets vals' path parameters of op that Options.PathValues
// gives.
func (s *scan) withPathValues(op *openapi.Operation, vals map[string]string) map[string]string {
	for _, p := range op.Params {
		if v, ok := s.opts.PathValues[p.Name]; p.In == "path" && ok {
			vals["path:"+p.Name] = v
		}
	}
	return vals
}

// findLogin is the best login operation of ops: a POST without path
// parameters named like a login, by loginOperation's order; nil when none.
func findLogin(ops []openapi.Operation) *openapi.Operation {
	for _, re := range loginOperation {
		for i := range ops {
			op := &ops[i]
			if op.Method != http.MethodPost || hasPathParam(op) {
				continue
			}
			named := re.MatchString(op.Path) || re.MatchString(op.OperationID)
			if named && !notLogin.MatchString(op.Path) && !notLogin.MatchString(op.OperationID) {
				return op
			}
		}
	}
	return nil
}

// answered says what r was: "answered 403 …", or "got no answer (why)"
// when nothing came back (a timeout, the budget, an exclusion).
func answered(r *Response) string {
	if r == nil {
		return "got no answer"
	}
	if r.Err != nil {
		return fmt.Sprintf("got no answer (%v)", r.Err)
	}
	return "answered " + describeAnswer(r)
}

// credentials are one new account's name, address and password.
type credentials struct {
	name, email, password string
}

// newCredentials invents an account: an unguessable name, its address at
// the reserved domain, and a random strong password.
func newCredentials() credentials {
	name := accountPrefix + hex.EncodeToString(randomBytes(accountNameBytes))
	return credentials{name: name, email: name + accountDomain, password: accountPasswordHead + hex.EncodeToString(randomBytes(accountPasswordBytes))}
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return b
}

// newAccount registers one account and logs it in as identity name; why
// says what went wrong.
func (s *scan) newAccount(ctx context.Context, f signup, name string) (*account, string) {
	c := newCredentials()
	s.redactor.add(c.password)
	op := f.register
	fields, why := s.signupFields(op, c)
	if why != "" {
		return nil, why
	}
	body, _ := json.Marshal(fields)
	t := s.target(op)
	req := t.Request(Anonymous, s.withPathValues(op, t.Values()))
	req.Body, req.ContentType = body, "application/json"
	req.shownBody, _ = json.Marshal(hideSecrets(fields))
	req.ThrottleIsAnswer = true
	resp := t.Do(ctx, req)
	s.hideAnswerSecrets(resp)
	route := op.Method + " " + op.Path
	if !resp.OK() {
		return nil, fmt.Sprintf("the signup %s %s", route, answered(resp))
	}
	acct := &account{owner: name, register: route, name: c.name, email: c.email, item: c.name, nameUnsent: !carries(fields, c.name)}
	if carries(fields, c.email) {
		acct.item = c.email
	}
	acct.self, _ = objects.NewID(resp.Body, resp.Header.Get("Location"), "userId")
	id, why := s.logInAccount(ctx, f, name, c, fields, resp)
	if why != "" {
		return acct, fmt.Sprintf("the account registered with %s could not log in: %s", route, why)
	}
	acct.id = id
	if acct.self == "" {
		acct.self, _ = objects.NewID(id.firstLoginAnswer(), "", "userId")
	}
	if why := s.accountRefused(ctx, id, f.me); why != "" {
		return acct, fmt.Sprintf("the account registered with %s logged in, but %s", route, why)
	}
	return acct, ""
}

// accountRefused asks me, a route that describes the caller, as the new
// account: an API that refuses a fresh account (one that must confirm its
// e-mail first) says so there. "" when it lets the account in, or there
// is no such route to ask.
func (s *scan) accountRefused(ctx context.Context, id *Identity, me *openapi.Operation) string {
	if me == nil {
		return ""
	}
	t := s.target(me)
	r := t.Do(ctx, t.Request(id, t.Values()))
	if r.Err == nil && authRefusal(r) != "" {
		return fmt.Sprintf("%s %s answered %s to it (does a new account need confirming?)", me.Method, me.Path, describeAnswer(r))
	}
	return ""
}

// Field names a signup or login body fills with the new account's
// credentials; names of the login's own secrets (API keys, codes) are
// left alone.
var (
	emailField    = lazyre.New(`(?i)^(e-?mail|e-?mail_?address|mail)$`)
	nameField     = lazyre.New(`(?i)^(user_?name|user|login|handle|nick_?name|screen_?name|account(_?name)?|identifier)$`)
	passwordField = lazyre.New(`(?i)^(pass(word)?|pwd|passwd|pass_?phrase)$`)
	confirmField  = lazyre.New(`(?i)^(confirm_?pass(word)?|pass(word)?_?confirm(ation)?|pass(word)?_?(again|repeat|2|check|verify)|repeat_?pass(word)?|verify_?pass(word)?)$`)
)

// signupFields is the signup body: Options.Bodies' entry for the
// operation, else one built from its schema, else the usual three fields;
// then every name, e-mail and password field set to the new account's.
func (s *scan) signupFields(op *openapi.Operation, c credentials) (map[string]any, string) {
	base, err := s.signupBase(op, c)
	if err != nil {
		return nil, fmt.Sprintf("cannot build a body for %s %s: %v", op.Method, op.Path, err)
	}
	var fields map[string]any
	if json.Unmarshal(base, &fields) != nil || fields == nil {
		return nil, fmt.Sprintf("the body for %s %s is not a JSON object", op.Method, op.Path)
	}
	var props map[string]*openapi.Schema
	if op.Body != nil {
		props = op.Body.Properties
	}
	if !fillCredentials(fields, props, c, 0) {
		fields["password"] = c.password
	}
	return fields, ""
}

// signupBase is the signup body before the credentials are set in it.
func (s *scan) signupBase(op *openapi.Operation, c credentials) ([]byte, error) {
	if b, ok := s.opts.Bodies[op.Method+" "+op.Path]; ok {
		return b, nil
	}
	if op.Body == nil {
		return json.Marshal(map[string]any{"username": c.name, "email": c.email, "password": c.password})
	}
	return objects.Body(op.Body, strings.TrimPrefix(c.name, accountPrefix))
}

// maxFillDepth is how deep credentials are looked for: a wrapper object
// ({"user": {"email": …}}, as Rails and Django REST write it) and no
// deeper.
const maxFillDepth = 1

// fillCredentials sets the account's name, e-mail and password in every
// field of fields (and of schema properties props that the body left out)
// named like one, in fields and in objects one level down. It reports
// whether a password field was set.
func fillCredentials(fields map[string]any, props map[string]*openapi.Schema, c credentials, depth int) bool {
	keys := slices.Collect(maps.Keys(fields))
	for k, p := range props {
		if _, ok := fields[k]; !ok && p != nil && !p.ReadOnly && credentialLike(k, p) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	password := false
	for _, k := range slices.Compact(keys) {
		var p *openapi.Schema
		if props != nil {
			p = props[k]
		}
		sub, nested := fields[k].(map[string]any)
		switch {
		case nested:
			if depth < maxFillDepth {
				var subProps map[string]*openapi.Schema
				if p != nil {
					subProps = p.Properties
				}
				password = fillCredentials(sub, subProps, c, depth+1) || password
			}
		case passwordField.MatchString(k) || confirmField.MatchString(k):
			fields[k], password = c.password, true
		case emailField.MatchString(k) || (p != nil && p.Format == "email"):
			fields[k] = c.email
		case nameField.MatchString(k):
			fields[k] = c.name
		}
	}
	return password
}

// credentialLike reports whether property k (schema p) holds a name,
// e-mail or password.
func credentialLike(k string, p *openapi.Schema) bool {
	if p != nil && (p.Type == "object" || p.Type == "array") {
		return false // a wrapper or a list, not a value
	}
	return passwordField.MatchString(k) || confirmField.MatchString(k) || emailField.MatchString(k) ||
		nameField.MatchString(k) || (p != nil && p.Format == "email")
}

// hideSecrets is fields with every password-like value replaced, as the
// request is shown in reports.
func hideSecrets(fields map[string]any) map[string]any {
	l := &Login{}
	out, _ := l.hidePasswords(fields).(map[string]any)
	return out
}

// logInAccount logs the new account in as identity name: with a copy of
// a configured identity's login, else the description's login operation,
// else the token the signup answered with. why says what failed.
func (s *scan) logInAccount(ctx context.Context, f signup, name string, c credentials, signupFields map[string]any, reg *Response) (*Identity, string) {
	var l *Login
	switch {
	case f.template != nil:
		l = copyLogin(f.template, c)
	case f.login != nil:
		var why string
		if l, why = s.detectLogin(ctx, f.login, c, signupFields); why != "" {
			return nil, why
		}
	default:
		from, key, ok := detectToken(reg)
		if !ok {
			return nil, "the API description has no login operation (a POST whose path says login, sign-in, session or token), and the signup answered no token"
		}
		probe := &Login{TokenFrom: from, TokenName: key, Send: sendFor(from, key)}
		tok, _ := probe.token(reg)
		s.redactor.add(tok)
		id := NewIdentity(name, []Header{probe.header(tok)})
		id.Role, id.Throwaway = RoleUser, true
		id.rememberLogin(reg.Body)
		return id, ""
	}
	l.at = s.loginURL(l, s.base)
	id := &Identity{Name: name, Role: RoleUser, Throwaway: true, Login: l}
	if err := s.logIn(ctx, id); err != nil {
		msg := strings.TrimPrefix(err.Error(), ErrLogin.Error()+": ")
		return nil, strings.TrimPrefix(msg, "identity "+name+": ")
	}
	return id, ""
}

// copyLogin is template's login with the new account's name (or address,
// where the template signs in with one) and password.
func copyLogin(template *Login, c credentials) *Login {
	l := *template
	l.Body = maps.Clone(template.Body)
	user := c.name
	if strings.Contains(template.Username(), "@") || emailField.MatchString(template.UsernameKey()) {
		user = c.email
	}
	l.Body[template.UsernameKey()] = user
	l.Body[template.PasswordKey()] = c.password
	return &l
}

// detectLogin logs in once through op to learn where its answer carries
// the token, and returns the login that takes it from there.
func (s *scan) detectLogin(ctx context.Context, op *openapi.Operation, c credentials, signupFields map[string]any) (*Login, string) {
	l := &Login{Method: op.Method, Path: s.docBase() + op.Path, Format: "json", Body: loginFields(op, c, signupFields)}
	if op.Body == nil && op.BodyRequired {
		// A required body that is not JSON: a form, as OAuth2's
		// password grant (FastAPI's POST /token) takes it.
		l.Format, l.Body = "form", formLoginFields(op, c, signupFields)
	}
	l.at = s.loginURL(l, s.base)
	req := s.loginRequest(l, nil, nil)
	req.ThrottleIsAnswer = true
	resp := s.do(ctx, req)
	s.hideAnswerSecrets(resp)
	route := op.Method + " " + op.Path
	if !resp.OK() {
		return nil, fmt.Sprintf("the login %s %s", route, answered(resp))
	}
	from, key, ok := detectToken(resp)
	if !ok {
		return nil, fmt.Sprintf("the login %s answered %d without a token the scan recognises (a JSON token field, an Authorization header or a session cookie)", route, resp.Status)
	}
	l.TokenFrom, l.TokenName, l.Send = from, key, sendFor(from, key)
	return l, ""
}

// loginFields is the login body for the new account: built from op's
// schema with every name, e-mail and password field set, or, without a
// schema, the fields the signup sent the name, e-mail and password in.
func loginFields(op *openapi.Operation, c credentials, signupFields map[string]any) map[string]any {
	fields := map[string]any{}
	if op.Body != nil {
		if b, err := objects.Body(op.Body, strings.TrimPrefix(c.name, accountPrefix)); err == nil {
			_ = json.Unmarshal(b, &fields)
		}
		if fields == nil {
			fields = map[string]any{}
		}
		// A login field named like a user name takes the address when
		// the signup asked for no name.
		if !carries(signupFields, c.name) {
			c.name = c.email
		}
		if !fillCredentials(fields, op.Body.Properties, c, 0) {
			fields["password"] = c.password
		}
		return fields
	}
	for k, v := range signupFields {
		if v == c.name || v == c.email || v == c.password {
			fields[k] = v
		}
	}
	return fields
}

// passwordGrant matches token endpoints, whose form login is OAuth2's
// password grant.
var passwordGrant = lazyre.New(`(?i)(^|[/_.-])(token|oauth)`)

// formLoginFields is a form login for the new account: username (its name,
// or its address when the signup asked for no name) and password, plus
// grant_type=password on a token endpoint (RFC 6749 §4.3.2).
func formLoginFields(op *openapi.Operation, c credentials, signupFields map[string]any) map[string]any {
	user := c.email
	if carries(signupFields, c.name) {
		user = c.name
	}
	fields := map[string]any{"username": user, "password": c.password}
	if passwordGrant.MatchString(op.Path) {
		fields["grant_type"] = "password"
	}
	return fields
}

// carries reports whether fields, or an object one level down, holds v.
func carries(fields map[string]any, v string) bool {
	for _, x := range fields {
		if x == v {
			return true
		}
		if sub, ok := x.(map[string]any); ok && slices.Contains(slices.Collect(maps.Values(sub)), any(v)) {
			return true
		}
	}
	return false
}

// tokenKeys rank the JSON fields a login answer may carry its token in,
// best first; refresh tokens never qualify.
var tokenKeys = []*lazyre.Regexp{
	lazyre.New(`(?i)^access_?token$`),
	lazyre.New(`(?i)^(token|jwt)$`),
	lazyre.New(`(?i)^(auth|session|bearer)_?token$`),
	lazyre.New(`(?i)^(id_?token|key|api_?key|session_?id|sid)$`),
}

// tokenHeaders are answer headers that carry a token.
var tokenHeaders = []string{"Authorization", "X-Auth-Token", "X-Access-Token"}

// sessionCookie matches cookie names that hold a session.
var sessionCookie = lazyre.New(`(?i)(sess|sid|token|auth|jwt|login)`)

// minTokenLen is the shortest value taken for a token: a session id or a
// JWT is far longer, while "ok" or a user id of a few digits is not one.
const minTokenLen = 16

// detectToken finds where a login answer carries its token: a JSON field
// by tokenKeys' rank (outermost first), a token header, or a session
// cookie. from and key are Login.TokenFrom and TokenName.
func detectToken(r *Response) (from, key string, ok bool) {
	if r == nil || r.Err != nil || !r.OK() {
		return "", "", false
	}
	if key, ok := jsonToken(r.Body); ok {
		return "json", key, true
	}
	for _, h := range tokenHeaders {
		if v := strings.TrimSpace(r.Header.Get(h)); len(v) >= minTokenLen {
			return "header", h, true
		}
	}
	var fallback string
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.Value == "" || c.MaxAge < 0 {
			continue
		}
		if sessionCookie.MatchString(c.Name) {
			return "cookie", c.Name, true
		}
		if fallback == "" {
			fallback = c.Name
		}
	}
	return "cookie", fallback, fallback != ""
}

// jsonToken is the dotted path of the best token field in body.
func jsonToken(body []byte) (string, bool) {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return "", false
	}
	found := map[int]string{} // rank -> first path, outermost first
	var walk func(v any, path string, depth int)
	walk = func(v any, path string, depth int) {
		m, ok := v.(map[string]any)
		if !ok || depth > maxFillDepth+1 {
			return
		}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if strings.Contains(k, ".") {
				continue // Login.token splits the path at dots
			}
			p := strings.TrimPrefix(path+"."+k, ".")
			if s, ok := m[k].(string); ok && len(s) >= minTokenLen {
				for rank, re := range tokenKeys {
					if _, seen := found[rank]; !seen && re.MatchString(k) {
						found[rank] = p
					}
				}
			}
		}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if !strings.Contains(k, ".") {
				walk(m[k], strings.TrimPrefix(path+"."+k, "."), depth+1)
			}
		}
	}
	walk(v, "", 0)
	for rank := range tokenKeys {
		if p, ok := found[rank]; ok {
			return p, true
		}
	}
	return "", false
}

// sendFor is how a token found at from:key goes back to the API: a cookie
// as the same cookie, a token header as itself, any other as a bearer.
func sendFor(from, key string) string {
	switch {
	case from == "cookie":
		return "Cookie: " + key + "={token}"
	case from == "header" && key != "Authorization":
		return key + ": {token}"
	}
	return "Authorization: Bearer {token}"
}

// closeAccounts deletes every account the scan registered, each as
// itself, after the write engine removed the objects they own: on its
// /me-like route, else on its own user record once a read as the account
// proves the record is its own. Like the engine's clean-up it spends what
// was held of the request budget for it (at most three requests per
// account; see accountCleanupCost), never more than the budget, and goes
// past an interrupted scan's context (see accountCleanupTimeout), and
// records what happened for accountCoverage.
func (s *scan) closeAccounts(ctx context.Context, ops []openapi.Operation) {
	if s.accounts == nil || len(s.accounts.list) == 0 || s.accounts.closed {
		return
	}
	s.accounts.closed = true
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), accountCleanupTimeout)
	defer cancel()
	for i := len(s.accounts.list) - 1; i >= 0; i-- {
		a := s.accounts.list[i]
		s.client.unhold(a.held)
		a.held = 0
		s.deleteAccount(ctx, a, ops)
		if a.id != nil && !a.dropped {
			// The identity's coverage says where it came from and
			// what became of it.
			fate := "deleted at the end"
			if !a.deleted {
				fate = "left on the target: " + a.reason
			}
			a.id.noteLater(s.redactor.Redact(fmt.Sprintf("an account the scan registered with %s (%s); %s", a.register, a.item, fate)), true)
		}
	}
}

// deleteAccount deletes one account and says how it went.
func (s *scan) deleteAccount(ctx context.Context, a *account, ops []openapi.Operation) {
	if a.id == nil {
		a.reason = "it could not log in (the signup answered 2xx, but may not have made it), so it could not delete itself"
		return
	}
	t, vals, why := s.accountDeletion(ctx, a, ops)
	if t == nil {
		a.reason = why
		return
	}
	req := t.Request(a.id, vals)
	req.pastBudget = true
	if hasPathParam(t.Op) {
		a.item = req.URL.Path // its own record, proven so
	}
	r := t.Do(ctx, req)
	route := t.Op.Method + " " + t.Op.Path
	if !r.OK() {
		a.reason = fmt.Sprintf("%s %s to the account", route, answered(r))
		return
	}
	if a.id.Login == nil {
		a.deleted, a.reason = true, fmt.Sprintf("%s answered %d to the account (no login to confirm it with)", route, r.Status)
		return
	}
	login := s.loginRequest(a.id.Login, nil, nil)
	login.pastBudget, login.ThrottleIsAnswer = true, true
	again := s.client.Do(ctx, login)
	if tok, ok := a.id.Login.token(again); ok {
		s.redactor.add(tok)
		a.reason = fmt.Sprintf("%s answered %d, but the account still logs in", route, r.Status)
		return
	}
	// Only a refusal of the credentials confirms it: a 5xx or a 429 says
	// nothing about the account.
	if refused := again.Err == nil && again.Status >= 400 && again.Status < 500 && again.Status != http.StatusTooManyRequests; !refused {
		a.deleted, a.reason = true, fmt.Sprintf("%s answered %d to the account (not confirmed: logging in again got %s)", route, r.Status, describeAnswer(again))
		return
	}
	a.deleted, a.reason = true, fmt.Sprintf("%s answered %d to the account; logging in again answered %s", route, r.Status, describeAnswer(again))
}

// accountDeletion is the operation that deletes a, with its values: a
// DELETE on a route that describes the caller (/api/me), else a DELETE on
// a's own user record (/api/users/{id}), which a read as a must show to
// be a's (its unguessable name or address) before anything is deleted.
// Without one, why says so.
func (s *scan) accountDeletion(ctx context.Context, a *account, ops []openapi.Operation) (*Target, map[string]string, string) {
	for i := range ops {
		if op := &ops[i]; op.Method == http.MethodDelete && describesCaller(op) {
			t := s.target(op)
			return t, t.Values(), ""
		}
	}
	for i := range ops {
		op := &ops[i]
		p, ok := accountParam(op)
		if op.Method != http.MethodDelete || !ok {
			continue
		}
		key, chosen := a.keyFor(p)
		if chosen {
			// The name the scan chose for it: no other account has it.
			t := s.target(op)
			vals := t.Values()
			vals["path:"+p.Name] = key
			return t, vals, ""
		}
		if key == "" {
			return nil, nil, fmt.Sprintf("DELETE %s was not sent: neither the signup nor the login answer named the account's id", op.Path)
		}
		read := findOperation(ops, http.MethodGet, op.Path)
		if read == nil {
			return nil, nil, fmt.Sprintf("DELETE %s was not sent: no GET %s to confirm that id %s is the account's own", op.Path, op.Path, key)
		}
		rt := s.target(read)
		vals := rt.Values()
		vals["path:"+p.Name] = key
		req := rt.Request(a.id, vals)
		req.pastBudget = true
		r := rt.Do(ctx, req)
		if !r.OK() || !a.shownIn(r.Body) {
			return nil, nil, fmt.Sprintf("DELETE %s was not sent: GET %s as the account %s without its name, so id %s is not proven its own", op.Path, op.Path, answered(r), key)
		}
		return s.target(op), vals, ""
	}
	for _, sk := range s.safety.skipped {
		if sk.Method == http.MethodDelete && selfPaths.MatchString(sk.Path) {
			return nil, nil, fmt.Sprintf("DELETE %s was not sent: %s", sk.Path, sk.Reason)
		}
	}
	return nil, nil, "the API has no account deletion"
}

// shownIn reports whether body names a: its name or its address, which
// the scan chose and no other account has.
func (a *account) shownIn(body []byte) bool {
	for _, v := range []string{a.name, a.email} {
		if v != "" && strings.Contains(string(body), v) {
			return true
		}
	}
	return false
}

// Path parameters that select an account by its name or its address
// (lower case, without _ and -), rather than by an id the API gave it.
var (
	accountNameParams  = map[string]bool{"username": true, "name": true, "login": true, "loginname": true, "handle": true, "nickname": true, "screenname": true, "accountname": true}
	accountEmailParams = map[string]bool{"email": true, "emailaddress": true, "mail": true, "useremail": true}
)

// keyFor is the value that selects a in p, a path parameter of a route on
// a collection of accounts (see accountParam): its name or address when p
// takes one (chosen: the scan chose it and no other account has it, so
// the record is proven a's without a read), else its own id, "" when the
// scan does not know it.
func (a *account) keyFor(p openapi.Param) (key string, chosen bool) {
	n := strings.NewReplacer("_", "", "-", "").Replace(strings.ToLower(p.Name))
	switch {
	case accountEmailParams[n]:
		if strings.Contains(a.email, "@") {
			return a.email, true
		}
		return "", false
	case accountNameParams[n]:
		if a.name != "" && !a.nameUnsent {
			return a.name, true
		}
		return "", false
	}
	return a.self, false
}

// accountParam is op's one path parameter when it selects a user, an
// account or a member in a collection of them and ends the route
// (/users/{id}, /users/v1/{username}): the route is the account's own
// record.
func accountParam(op *openapi.Operation) (openapi.Param, bool) {
	p, ok := AccountParam(op)
	if segs := routeSegments(op.Path); !ok || segs[len(segs)-1] != "{"+p.Name+"}" {
		return openapi.Param{}, false
	}
	return p, true
}

// AccountParam is op's one path parameter when it selects a user, an
// account or a member in a collection of them: the record itself
// (/users/{id}) or something of it (/users/v1/{username}/password). A
// version between the collection and the parameter is no collection.
func AccountParam(op *openapi.Operation) (openapi.Param, bool) {
	var found []openapi.Param
	for _, p := range op.Params {
		if p.In == "path" {
			found = append(found, p)
		}
	}
	if len(found) != 1 {
		return openapi.Param{}, false
	}
	segs := routeSegments(op.Path)
	at := slices.Index(segs, "{"+found[0].Name+"}")
	coll := at - 1
	for coll > 0 && versionSegment.MatchString(segs[coll]) {
		coll--
	}
	if coll < 0 || !principalSegment.MatchString(segs[coll]) {
		return openapi.Param{}, false
	}
	return found[0], true
}

// versionSegment matches an API version in a route (v1, v2beta).
var versionSegment = lazyre.New(`(?i)^v[0-9]+[a-z0-9]*$`)

// findOperation is the operation method path of ops, nil when none.
func findOperation(ops []openapi.Operation, method, path string) *openapi.Operation {
	for i := range ops {
		if ops[i].Method == method && ops[i].Path == path {
			return &ops[i]
		}
	}
	return nil
}

// accountCoverage lists the accounts in c.Writes after the objects the
// write engine created, counts those left behind, and returns a warning
// naming them ("" when every one was deleted).
func (s *scan) accountCoverage(c *finding.Coverage) string {
	if s.accounts == nil || len(s.accounts.list) == 0 {
		return ""
	}
	if c.Writes == nil {
		c.Writes = &finding.WriteCoverage{Created: []finding.CreatedObject{}}
	}
	var left []string
	for _, a := range s.accounts.list {
		c.Writes.Created = append(c.Writes.Created, finding.CreatedObject{
			Kind: "account", Operation: a.register, Item: a.item, Owner: a.owner,
			Deleted: a.deleted, Reason: s.redactor.Redact(a.reason),
		})
		if !a.deleted {
			c.Writes.Left++
			left = append(left, fmt.Sprintf("%s (%s)", a.email, s.redactor.Redact(a.reason)))
		}
	}
	if len(left) == 0 {
		return ""
	}
	return fmt.Sprintf("active mode left %d account(s) it registered on the target; remove them by hand: %s", len(left), strings.Join(left, "; "))
}

// noPeerWhy adds, to why a cross-user rule could not run, why the scan's
// own accounts could not stand in for the missing identity.
func (s *scan) noPeerWhy(why string) string {
	if s.accounts == nil || s.accounts.why == "" {
		return why
	}
	return why + "; auto-accounts could not register one: " + s.accounts.why
}

// isAutoAccount reports whether id is an account the scan registered.
func (s *scan) isAutoAccount(id *Identity) bool {
	return s.accounts != nil && slices.ContainsFunc(s.accounts.list, func(a *account) bool { return id != nil && a.id == id })
}

// accountLogins are the login flows of the scan's own accounts, for rules
// that copy a login's shape (see API.Logins); the accounts themselves are
// not handed out as throw-away identities, since those rules may lock
// them out or log them out while they serve as primary and peer.
func (s *scan) accountLogins() []*Login {
	var out []*Login
	if s.accounts == nil {
		return nil
	}
	for _, a := range s.accounts.list {
		if a.id != nil && a.id.Login != nil && !a.dropped {
			out = append(out, a.id.Login)
		}
	}
	return out
}

// dropRejected takes the scan's own accounts out of the primary and peer
// when verification rejected one of them (a token the scan took from the
// wrong place, an account that needs confirming by e-mail): like a
// refused sign-up, that leaves the scan without them rather than ending
// it. It reports whether err, verification's error, is thereby handled:
// false when a configured identity was rejected too.
func (s *scan) dropRejected(err error) bool {
	if s.accounts == nil {
		return false
	}
	var why string
	for _, a := range s.accounts.list {
		if a.id == nil {
			continue
		}
		if how := a.id.getCover().how; strings.HasPrefix(how, "rejected: ") && why == "" {
			why = fmt.Sprintf("the API rejected %s's credentials: %s", a.id.Name, strings.TrimPrefix(how, "rejected: "))
		}
	}
	if why == "" {
		return false
	}
	for _, id := range s.allIdentities() {
		if !s.isAutoAccount(id) && strings.HasPrefix(id.getCover().how, "rejected: ") {
			return false
		}
	}
	for _, a := range s.accounts.list {
		a.dropped = true
		if s.primary == a.id {
			s.primary = nil
		}
		if s.peer == a.id {
			s.peer = nil
		}
	}
	s.accounts.why = s.redactor.Redact(why)
	s.warnings = append(s.warnings, "auto-accounts: the scan goes on without accounts of its own: "+s.accounts.why)
	return err != nil
}

// NoPeer says why a rule that needs a peer has none, for its Skip: the
// fallback (no peer was given), followed by why the scan's own accounts
// could not stand in when --auto-accounts asked for them.
func (a *API) NoPeer(fallback string) string { return a.s.noPeerWhy(fallback) }

// OwnAccount is an account a rule may change, another user's way
// included, because the scan may do anything to it: one it registered
// for itself (--auto-accounts) or a throw-away identity. Its Login sends
// its name and password.
type OwnAccount struct {
	*Identity
	acct *account // nil for a throw-away identity
}

// OwnAccounts lists the accounts rules may change: the scan's own accounts
// that serve (the victim, then the attacker), then the throw-away
// identities that are logged in, each with a login that sends a name and
// a password.
func (a *API) OwnAccounts() []OwnAccount {
	var out []OwnAccount
	usable := func(id *Identity) bool {
		return id != nil && id.Login != nil && id.Login.UsernameKey() != "" && id.Login.Password() != ""
	}
	if s := a.s; s.accounts != nil {
		for _, acct := range s.accounts.list {
			if !acct.dropped && (acct.id == s.primary || acct.id == s.peer) && usable(acct.id) {
				out = append(out, OwnAccount{Identity: acct.id, acct: acct})
			}
		}
	}
	for _, id := range a.Throwaways() {
		if usable(id) {
			out = append(out, OwnAccount{Identity: id})
		}
	}
	return out
}

// Key is the value that selects the account in p, a path parameter that
// AccountParam found: its name or address where p takes one, else its own
// id; "" when the scan does not know it. A throw-away identity's values
// come from its owns: entry for p, else from the name its login sends.
func (o OwnAccount) Key(p openapi.Param) string {
	if o.acct != nil {
		key, _ := o.acct.keyFor(p)
		return key
	}
	if v := o.Owns[p.Name]; len(v) > 0 {
		return v[0]
	}
	n := strings.NewReplacer("_", "", "-", "").Replace(strings.ToLower(p.Name))
	user := o.Login.Username()
	switch {
	case accountEmailParams[n] && strings.Contains(user, "@"):
		return user
	case accountNameParams[n] && user != "" && !strings.Contains(user, "@"):
		return user
	}
	return ""
}

// Hide adds secret, a password a rule invented, to what reports hide.
func (a *API) Hide(secret string) { a.s.redactor.add(secret) }

// PasswordChanged records that id's password is now password: a rule
// changed it and could not set it back. Its later logins (a re-login, the
// clean-up's confirmation that an account is gone) send the new one, and
// its coverage says so.
func (a *API) PasswordChanged(id *Identity, password, why string) {
	a.s.redactor.add(password)
	id.loginMu.Lock()
	defer id.loginMu.Unlock()
	if id.Login == nil || id.Login.PasswordKey() == "" {
		return
	}
	id.Login.Body[id.Login.PasswordKey()] = password
	id.noteLater(a.s.redactor.Redact(why), true)
}
