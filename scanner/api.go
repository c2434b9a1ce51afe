package scanner

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/authgate/authgate/finding"
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
	re      *regexp.Regexp
	methods []string
}{
	FlowLogout:   {regexp.MustCompile(`(?i)(log-?out|log-?off|sign-?out)`), []string{"POST", "DELETE", "GET"}},
	FlowRegister: {regexp.MustCompile(`(?i)(register|registration|sign-?up|create-?account)`), []string{"POST", "PUT"}},
	FlowRecovery: {regexp.MustCompile(`(?i)(forgot|recover|(password|pwd)[/_-]?reset|reset[/_-]?password|lost-?password)`), []string{"POST"}},
}

// API is the whole API as API rules see it.
type API struct {
	s   *scan
	ops []openapi.Operation
	// Skipped collects why rules did not run (no throw-away identity, no
	// logout operation), shown as warnings of the scan.
	skipped []string
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

// Logins returns the login flows of every configured identity, throw-away
// ones first; rules that only send failed logins for accounts that do not
// exist may use any of them.
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
	return out
}

// Operations are the scan's operations (every shard's).
func (a *API) Operations() []openapi.Operation { return a.ops }

// Skip records that rule did not run and why; the scan shows it as a
// warning so that a user knows what active mode did not cover.
func (a *API) Skip(rule, why string) {
	a.skipped = append(a.skipped, a.s.redactor.Redact(fmt.Sprintf("%s not run: %s", rule, why)))
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
		if op.Method != http.MethodGet || !safeOperation(op) || hasPathParam(op) {
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
// request, not a cached answer), and the answer.
func (a *API) Works(ctx context.Context, check *Target, id *Identity) (bool, *Response) {
	r := check.Do(ctx, check.Request(id, check.Values()))
	return check.Success(r), r
}

// runAPIRules runs the API rules one after the other. After each, the
// throw-away identities are logged in again and the main identity is
// checked: when a rule broke it, the remaining rules are skipped.
func (s *scan) runAPIRules(ctx context.Context, ops []openapi.Operation) ([]finding.Finding, []string) {
	a := &API{s: s, ops: ops}
	var all []finding.Finding
	check, haveCheck := a.Flow(ctx, FlowCheck)
	for i, r := range s.opts.APIRules {
		if r.Info().Mode == finding.ModeActive && s.opts.Mode != finding.ModeActive {
			continue
		}
		if ctx.Err() != nil || a.Exhausted() {
			break
		}
		all = append(all, r.CheckAPI(ctx, a)...)
		for _, id := range a.Throwaways() {
			if err := a.Restore(ctx, id); err != nil {
				a.skipped = append(a.skipped, fmt.Sprintf("identity %s could not log in again after %s: %v", id.Name, r.Info().ID, err))
			}
		}
		if !haveCheck || a.Main().IsAnonymous() {
			continue
		}
		if ok, _ := a.Works(ctx, check, a.Main()); !ok && i+1 < len(s.opts.APIRules) {
			if main := a.Main(); main.Login != nil && a.Restore(ctx, main) == nil {
				if ok, _ := a.Works(ctx, check, main); ok {
					continue
				}
			}
			a.skipped = append(a.skipped, fmt.Sprintf("the primary identity no longer works after %s; the remaining active rules were skipped", r.Info().ID))
			break
		}
	}
	return all, a.skipped
}
