package scanner

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/internal/lazyre"
	"github.com/authgate/authgate/scanner/openapi"
)

// APIRule is a check of the whole API rather than of one operation: login
// rate limits, logout, registration. API rules run once per scan, one
// after the other, after the operation rules, and only in the first shard.
type APIRule interface {
	Info() finding.RuleInfo
	CheckAPI(ctx context.Context, a *API) []finding.Finding
}

// Flows names, as "METHOD /path", the operations API rules exercise; an
// empty one is looked for in the API description by its path.
type Flows struct {
	Check    string // needs a login, e.g. GET /api/me
	Logout   string
	Register string
	Recovery string
}

// Flow names.
const (
	FlowCheck    = "check"
	FlowLogout   = "logout"
	FlowRegister = "register"
	FlowRecovery = "recovery"
)

// flowPath recognises each flow's operation in a description by its path
// or operation id, and the methods it may use.
var flowPath = map[string]struct {
	re      *lazyre.Regexp
	methods []string
}{
	FlowLogout:   {lazyre.New(`(?i)(log-?out|log-?off|sign-?out)`), []string{"POST", "DELETE", "GET"}},
	FlowRegister: {lazyre.New(`(?i)(register|registration|sign-?up|create-?account)`), []string{"POST", "PUT"}},
	FlowRecovery: {lazyre.New(`(?i)(forgot|recover|(password|pwd)[/_-]?reset|reset[/_-]?password|lost-?password)`), []string{"POST"}},
}

// API is the whole API as API rules see it.
type API struct {
	s   *scan
	ops []openapi.Operation
	// Skipped collects why rules did not run (no throw-away identity, no
	// logout operation), shown as warnings of the scan.
	skipped []string
	// refs are the check operations' answers from before the rules ran
	// (see reference), by "METHOD /path".
	refs map[string]*checkRef
}

// Mode is the scan mode.
func (a *API) Mode() finding.Mode { return a.s.opts.Mode }

// Main is the identity operation rules act as: the primary, or anonymous.
func (a *API) Main() *Identity {
	if a.s.primary != nil {
		return a.s.primary
	}
	return Anonymous
}

// Throwaways returns the identities active rules may lock out, log out or
// change: throw-away identities with a login flow.
func (a *API) Throwaways() []*Identity {
	var out []*Identity
	for _, id := range a.s.opts.Identities {
		if id.Throwaway && id.Login != nil && !id.loginFailed {
			out = append(out, id)
		}
	}
	return out
}

// NoThrowaway says why a rule that needs a throw-away identity has none:
// the configured ones that could not log in, with the reason, else
// fallback (none configured).
func (a *API) NoThrowaway(fallback string) string {
	var out []string
	for _, id := range a.s.opts.Identities {
		if !id.Throwaway || id.Login == nil || !id.loginFailed {
			continue
		}
		c := id.getCover()
		why := c.how
		if c.later != "" {
			why = c.later
		}
		out = append(out, fmt.Sprintf("the throw-away identity %s cannot log in: %s", id.Name, strings.TrimPrefix(why, "not verified: ")))
	}
	if len(out) == 0 {
		return fallback
	}
	return a.s.redactor.Redact(strings.Join(out, "; "))
}

// Logins returns the login flows of every configured identity, throw-away
// ones first, then those of the scan's own accounts (auto-accounts); rules
// that only send failed logins for accounts that do not exist, or copy a
// login's shape for a registration, may use any of them.
func (a *API) Logins() []*Login {
	var out []*Login
	for _, id := range a.Throwaways() {
		out = append(out, id.Login)
	}
	for _, id := range a.s.opts.Identities {
		if id.Login != nil && !id.Throwaway {
			out = append(out, id.Login)
		}
	}
	return append(out, a.s.accountLogins()...)
}

// Operations are the scan's operations (every shard's).
func (a *API) Operations() []openapi.Operation { return a.ops }

// Skip records that rule did not run and why; the scan shows it as a
// warning so that a user knows what active mode did not cover.
func (a *API) Skip(rule, why string) {
	why = a.s.redactor.Redact(why)
	a.skipped = append(a.skipped, fmt.Sprintf("%s not run: %s", rule, why))
	run := a.s.apiRun(rule)
	run.skips = append(run.skips, why)
}

// NotApplicable records that rule has nothing to test in this API (no
// logout operation, a login without a session cookie). Unlike Skip, it
// does not make a requested rule fail the gate: nothing was missing from
// the scan. It is shown in the report's coverage.
func (a *API) NotApplicable(rule, why string) {
	why = a.s.redactor.Redact(why)
	a.skipped = append(a.skipped, fmt.Sprintf("%s not applicable: %s", rule, why))
	run := a.s.apiRun(rule)
	run.notApplicable = append(run.notApplicable, why)
}

// Exhausted reports whether the request budget is spent: rules stop.
func (a *API) Exhausted() bool { return a.s.client.exhausted() }

// Target returns the operation METHOD path as a Target: the description's
// operation when it has one, else one built like --endpoint's.
func (a *API) Target(method, path string) *Target {
	method = strings.ToUpper(method)
	if p, _, ok := strings.Cut(path, "?"); ok {
		for i := range a.ops {
			if a.ops[i].Method == method && a.ops[i].Path == p {
				return a.s.target(&a.ops[i])
			}
		}
	}
	for i := range a.ops {
		if a.ops[i].Method == method && a.ops[i].Path == path {
			return a.s.target(&a.ops[i])
		}
	}
	var query url.Values
	if p, q, ok := strings.Cut(path, "?"); ok {
		path, query = p, parseQuery(q)
	}
	op := endpointOperation(method, path, query)
	return a.s.target(&op)
}

// LoginTarget is the login operation of l as a Target, for findings about
// it; requests to it are sent with Attempt.
func (a *API) LoginTarget(l *Login) *Target {
	// The route without its query: a query may hold a client secret,
	// and findings name routes.
	path, _, _ := strings.Cut(l.Path, "?")
	return a.Target(l.Method, path)
}

// Attempt sends l's login with fields changed (nil removes one) and extra
// headers (a planted session cookie), as anonymous. A 429 is returned as
// the answer, not re-sent: it is what rate-limit rules look for.
func (a *API) Attempt(ctx context.Context, l *Login, changes map[string]any, extra http.Header) *Response {
	owner := a.owner(l)
	req := a.s.loginRequest(l, owner, changes)
	req.Header = http.Header{}
	var creds []Header
	if owner != nil {
		// The owning identity's fixed headers (an API key the login
		// needs), never its token.
		creds = append(creds, owner.static...)
	}
	for k, vs := range extra {
		k = http.CanonicalHeaderKey(k)
		if slices.Contains(credentialHeaders, k) {
			// Anonymous requests lose their credential headers: a
			// planted cookie travels as an identity of its own.
			creds = append(creds, Header{Name: k, Value: strings.Join(vs, "; ")})
			continue
		}
		req.Header[k] = vs
	}
	if len(creds) > 0 {
		req.Identity = NewIdentity("pre-login", creds)
	}
	req.ThrottleIsAnswer = true
	resp := a.s.do(ctx, req)
	a.s.hideAnswerSecrets(resp)
	a.s.noteSent(a.LoginTarget(l).Op, usable(resp))
	return resp
}

// owner is the identity whose login l is; nil for none.
func (a *API) owner(l *Login) *Identity {
	for _, id := range a.s.allIdentities() {
		if id.Login == l {
			return id
		}
	}
	return nil
}

// Token takes the token out of a login answer.
func (a *API) Token(l *Login, r *Response) (string, bool) {
	tok, ok := l.token(r)
	if ok {
		a.s.redactor.add(tok)
	}
	return tok, ok
}

// As returns an identity named name that sends token the way l does, for
// a rule to use a session it created (a logged-out token, a fixed cookie).
func (a *API) As(name string, l *Login, token string) *Identity {
	a.s.redactor.add(token)
	return NewIdentity(name, []Header{l.header(token)})
}

// Restore logs id in again, after a rule logged it out or changed it.
func (a *API) Restore(ctx context.Context, id *Identity) error {
	if id.Login == nil {
		return nil
	}
	id.loginMu.Lock()
	defer id.loginMu.Unlock()
	return a.s.logIn(ctx, id)
}

// errNotUndo refuses an Undo as an identity other than a throw-away one.
var errNotUndo = errors.New("not sent: only a throw-away identity's own request goes past the budget")

// ReserveUndo keeps n requests of the budget out of what the rules may
// spend, for the undo of a change a rule is about to send (see Undo): a
// budget that runs out between the change and its undo must not leave the
// throw-away an admin, and --budget stays a bound. ok is false when what
// is left of the budget cannot cover them: the change must not be sent.
// release gives the reservation back once the undo was sent (its requests
// are then counted as sent) or turned out not to be needed; it is safe to
// call more than once.
func (a *API) ReserveUndo(n int) (release func(), ok bool) {
	c := a.s.client
	if !c.tryHold(n) {
		return func() {}, false
	}
	var once sync.Once
	return func() { once.Do(func() { c.unhold(n) }) }, true
}

// Undo sends req, a rule's put-back of a change it made to a throw-away
// identity's own account (a profile's earlier role) or the read that
// confirms it, out of the budget's reserve (see ReserveUndo) and past an
// interrupted scan's cancellation, as the clean-up of created objects
// goes. Only requests as a throw-away identity are sent; any other is
// refused (Err set, nothing sent). The exclusions still apply.
func (a *API) Undo(ctx context.Context, t *Target, req *Request) *Response {
	if req.Identity == nil || !req.Identity.Throwaway {
		return &Response{Request: req, Err: errNotUndo}
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	req.pastBudget = true
	return t.Do(ctx, req)
}

// MaybeSent reports whether r, a response without an answer, may still
// have reached the API (a timeout, a dropped connection): a rule that
// sent a change must then undo it as though it had been applied. A
// request the scan refused or never sent (budget, exclusion, scope,
// throttling) did not.
func MaybeSent(r *Response) bool { return maybeSent(r) }

// Flow returns the operation of a flow: the configured one, else the first
// operation of the description whose path or id names it. Check is found
// by asking: the first safe GET without path parameters that the main
// identity reads and anonymous is refused.
func (a *API) Flow(ctx context.Context, name string) (*Target, bool) {
	var conf string
	switch name {
	case FlowCheck:
		conf = a.s.opts.Flows.Check
	case FlowLogout:
		conf = a.s.opts.Flows.Logout
	case FlowRegister:
		conf = a.s.opts.Flows.Register
	case FlowRecovery:
		conf = a.s.opts.Flows.Recovery
	}
	if method, path, ok := strings.Cut(strings.TrimSpace(conf), " "); ok {
		return a.Target(method, strings.TrimSpace(path)), true
	}
	if name == FlowCheck {
		return a.findCheck(ctx)
	}
	fp := flowPath[name]
	for _, m := range fp.methods {
		for i := range a.ops {
			op := &a.ops[i]
			if op.Method == m && (fp.re.MatchString(op.Path) || fp.re.MatchString(op.OperationID)) {
				return a.s.target(op), true
			}
		}
	}
	return nil, false
}

// maxCheckCandidates bounds the requests spent looking for a check
// operation.
const maxCheckCandidates = 8

func (a *API) findCheck(ctx context.Context) (*Target, bool) {
	a.s.mu.Lock()
	found := a.s.check
	a.s.mu.Unlock()
	if found != nil {
		return found, true
	}
	main := a.Main()
	if main.IsAnonymous() {
		return nil, false
	}
	tried := 0
	for i := range a.ops {
		op := &a.ops[i]
		if op.Method != http.MethodGet || !a.s.safeOp(op) || hasPathParam(op) {
			continue
		}
		if tried++; tried > maxCheckCandidates {
			break
		}
		t := a.s.target(op)
		vals := t.Values()
		if !t.Success(t.Send(ctx, main, vals)) {
			continue
		}
		if Refusal(t.Send(ctx, Anonymous, vals)) == "" {
			continue
		}
		a.s.mu.Lock()
		a.s.check = t
		a.s.mu.Unlock()
		return t, true
	}
	return nil, false
}

func parseQuery(q string) url.Values {
	v, _ := url.ParseQuery(q)
	return v
}

// Works reports whether id is let into the check operation now (a fresh
// request, not a cached answer), and the answer. The answer is judged
// against what the check answered when the main identity was known to
// work, not by itself: a check that answers 200 with an empty user to a
// valid token ({"user": null}) still tells a working session from
// anonymous's 401.
func (a *API) Works(ctx context.Context, check *Target, id *Identity) (bool, *Response) {
	r := check.Do(ctx, check.Request(id, check.Values()))
	if id.IsAnonymous() {
		return check.Success(r) || a.answersAsWorking(ctx, check, r), r
	}
	return a.letIn(ctx, check, r), r
}

// checkRef is the check operation's answers from before any active rule
// ran: the main identity's, known to work (verified), and anonymous's.
type checkRef struct {
	good, anon *Response
	// tells: the good answer is not a refusal and differs from
	// anonymous's, so the check can tell a working identity.
	tells bool
}

// reference returns check's reference answers, asking once per scan.
func (a *API) reference(ctx context.Context, check *Target) *checkRef {
	key := check.Op.Method + " " + check.Op.Path
	if ref, ok := a.refs[key]; ok {
		return ref
	}
	ref := &checkRef{}
	if a.refs == nil {
		a.refs = map[string]*checkRef{}
	}
	a.refs[key] = ref
	main := a.Main()
	if main.IsAnonymous() {
		return ref
	}
	if v := main.check; v != nil && v.t.Op.Method == check.Op.Method && v.t.Op.Path == check.Op.Path {
		ref.good, ref.anon = v.good, v.anon
	} else {
		vals := check.Values()
		ref.good = check.Do(ctx, check.Request(main, vals))
		ref.anon = check.Do(ctx, check.Request(Anonymous, vals))
	}
	ref.tells = ref.good.OK() && authRefusal(ref.good) == "" && !isDenialBody(ref.good.Body) &&
		(!usable(ref.anon) || authRefusal(ref.anon) != "" || !FingerprintOf(ref.anon).Matches(ref.good))
	return ref
}

// letIn reports whether r, a non-anonymous answer of check, lets its
// identity in: a success with data, or the answer the main identity got
// when it was known to work, where anonymous gets another.
func (a *API) letIn(ctx context.Context, check *Target, r *Response) bool {
	if authRefusal(r) != "" || !usable(r) {
		return false
	}
	if check.Success(r) {
		return true
	}
	ref := a.reference(ctx, check)
	if !ref.tells || !FingerprintOf(ref.good).Matches(r) {
		return false
	}
	return !usable(ref.anon) || !FingerprintOf(ref.anon).Matches(r)
}

// runAPIRules runs the API rules one after the other. After each, the
// throw-away identities are logged in again and the main identity is
// checked against the check operation's answer from before the rules: when
// a rule broke it, the remaining rules are skipped, each with the reason,
// and the identity's coverage says so. A throw-away that cannot log in
// again is left alone by the rules after (its coverage says why).
func (s *scan) runAPIRules(ctx context.Context, ops []openapi.Operation) ([]finding.Finding, []string) {
	a := &API{s: s, ops: ops}
	var all []finding.Finding
	check, haveCheck := a.Flow(ctx, FlowCheck)
	if haveCheck && !a.Main().IsAnonymous() {
		// Before any rule ran: the answer of a working identity.
		haveCheck = a.reference(ctx, check).tells
	}
	var active []APIRule
	for _, r := range s.opts.APIRules {
		if r.Info().Mode != finding.ModeActive || s.opts.Mode == finding.ModeActive {
			active = append(active, r)
		}
	}
	for i, r := range active {
		if ctx.Err() != nil || a.Exhausted() {
			break
		}
		rule := r.Info().ID
		run, sent := s.apiRun(rule), s.client.Sent()
		s.curAPI.Store(run)
		fs := r.CheckAPI(ctx, a)
		s.curAPI.Store(nil)
		all = append(all, fs...)
		// Added up: several API rules may share an id (and its run).
		run.checked = true
		run.sent += s.client.Sent() - sent
		run.found += len(fs)
		inSpecOrder(run.ops, ops) // write rules send from several workers
		for _, id := range a.Throwaways() {
			if err := a.Restore(ctx, id); err != nil {
				if warn := s.relogFailed(id, rule, i+1 == len(active), err); warn != "" {
					a.skipped = append(a.skipped, warn)
				}
			}
		}
		if !haveCheck || a.Main().IsAnonymous() || i+1 == len(active) {
			continue
		}
		ok, got := a.Works(ctx, check, a.Main())
		if !ok {
			if main := a.Main(); main.Login != nil && a.Restore(ctx, main) == nil {
				if ok, got = a.Works(ctx, check, main); ok {
					continue
				}
			}
		}
		if ok {
			continue
		}
		why := fmt.Sprintf("the primary identity no longer works after %s: %s %s answered %s to it (%s before the active rules)",
			rule, check.Op.Method, check.Op.Path, describeAnswer(got), describeAnswer(a.reference(ctx, check).good))
		a.Main().noteLater(s.redactor.Redact(why), false)
		for _, rest := range active[i+1:] {
			a.Skip(rest.Info().ID, why)
			s.apiRun(rest.Info().ID).checked = true // considered: not run, with the reason
		}
		break
	}
	return all, a.skipped
}

// inSpecOrder sorts keys ("METHOD /path") by their operation's place in
// ops, keys of no operation last in the order they came: a rule that sends
// from several workers then lists the same operations in the same order
// every run.
func inSpecOrder(keys []string, ops []openapi.Operation) {
	at := make(map[string]int, len(ops))
	for i := range ops {
		at[ops[i].Method+" "+ops[i].Path] = i
	}
	pos := func(k string) int {
		if i, ok := at[k]; ok {
			return i
		}
		return len(ops)
	}
	slices.SortStableFunc(keys, func(a, b string) int { return pos(a) - pos(b) })
}
