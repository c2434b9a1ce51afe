package scanner

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner/openapi"
)

// This file verifies the scan's identities before any rule runs. A scan
// whose credentials the API refuses tests nothing but the login wall, and
// would pass as "clean": every identity must be accepted somewhere (a
// protected operation answers it and refuses anonymous requests, its
// login gives a token the check operation accepts, or the check operation
// tells it from anonymous). One the API refuses everywhere ends the scan.

// ErrIdentityRejected: an identity's credentials were refused by every
// protected operation tried. It wraps ErrScanFailed too (exit code 3: the
// scan could not test what its inputs asked for).
var ErrIdentityRejected = errors.New("identity rejected")

// rejectedError is the one-line reason naming the identity and the
// evidence.
type rejectedError struct{ msg string }

func (e *rejectedError) Error() string   { return e.msg }
func (e *rejectedError) Unwrap() []error { return []error{ErrIdentityRejected, ErrScanFailed} }

const (
	// maxVerifyCandidates bounds the safe operations asked anonymously
	// while looking for protected ones: the first protected operations of
	// a description are found within a few, and the answers are cached
	// for the rules, which ask the same requests.
	maxVerifyCandidates = 12
	// maxVerifyProbes bounds the protected operations one identity is
	// tried on: a working identity is let into the first one or two; one
	// refused on this many is refused everywhere that matters.
	maxVerifyProbes = 6
	// maxExpiryChecks bounds how often a static identity that starts
	// getting 401s is checked again on its verification operation (at
	// its 1st, 2nd, 4th, ... 401): a few requests however long the scan.
	maxExpiryChecks = 10
)

// verification is how an identity was verified on an operation: its
// answer then and anonymous's, so that later answers are judged against
// what the API answered when the identity was known to work.
type verification struct {
	t      *Target
	values map[string]string
	good   *Response
	anon   *Response
}

// identityCover is an identity's coverage while the scan runs.
type identityCover struct {
	verified bool
	how      string
	// later is what happened after verification: it stopped being
	// accepted, or could not log in again.
	later string
	// expired: the identity stopped working mid-scan; checks after that
	// may have been refused where they would have found something.
	expired bool
}

func (id *Identity) setCover(c identityCover) {
	id.coverMu.Lock()
	defer id.coverMu.Unlock()
	id.cover = c
}

func (id *Identity) getCover() identityCover {
	id.coverMu.Lock()
	defer id.coverMu.Unlock()
	return id.cover
}

// failLogin marks a throw-away identity that could not log in (when the
// scan started, or again after an active rule): active rules leave it
// alone and the coverage says why.
func (id *Identity) failLogin(why string) {
	id.loginFailed = true
	id.coverMu.Lock()
	defer id.coverMu.Unlock()
	id.cover.verified = false
	id.cover.how = why
}

// verifyProbe is one operation identities are tried on, with anonymous's
// answer to it.
type verifyProbe struct {
	t      *Target
	values map[string]string
	anon   *Response
	// check is the configured flows.check: it may tell an identity from
	// anonymous by its content even when anonymous is not refused.
	check bool
	// accepted are the identities the operation accepted, with their
	// answers, in the order they were tried.
	accepted []verifyAnswer
}

type verifyAnswer struct {
	id *Identity
	r  *Response
}

func (p *verifyProbe) name() string { return p.t.Op.Method + " " + p.t.Op.Path }

// verifyResult is what trying one identity showed.
type verifyResult struct {
	id       *Identity
	ok       *verifyProbe // the operation that accepted it
	okAnswer *Response
	refused  []verifyRefusal // operations that refused it
	other    []string        // operations whose answer said neither
}

type verifyRefusal struct {
	p   *verifyProbe
	r   *Response
	why string
}

// verifier finds the protected operations once and tries each identity on
// them.
type verifier struct {
	s      *scan
	ops    []openapi.Operation
	probes []*verifyProbe
	found  bool
}

// verifyIdentities verifies every identity of the scan and records how in
// its coverage. It returns an error wrapping ErrIdentityRejected for the
// first identity the API refuses everywhere it was tried.
func (s *scan) verifyIdentities(ctx context.Context, ops []openapi.Operation) error {
	v := &verifier{s: s, ops: ops}
	var results []*verifyResult
	for _, id := range s.allIdentities() {
		if id.loginFailed {
			continue // its coverage says why (failLogin)
		}
		if id.Login != nil && !v.hasCheck(ctx) {
			// Logged in with a token and no check operation to ask:
			// the login itself is the API accepting the credentials.
			id.setCover(identityCover{verified: true, how: fmt.Sprintf("logged in with %s (token from %s)", loginName(id.Login), tokenSource(id.Login))})
			continue
		}
		results = append(results, v.try(ctx, id))
	}
	var rejected error
	for _, res := range results {
		c, err := v.judge(res)
		res.id.setCover(c)
		if err != nil && rejected == nil {
			rejected = err
		}
	}
	return rejected
}

// loginName is "METHOD /path" of a login, without its query (it may hold a
// client secret).
func loginName(l *Login) string {
	path, _, _ := strings.Cut(l.Path, "?")
	return strings.ToUpper(l.Method) + " " + path
}

func tokenSource(l *Login) string {
	if l.TokenName == "" {
		return l.TokenFrom
	}
	return l.TokenFrom + ":" + l.TokenName
}

// hasCheck reports whether a check operation (flows.check) is tried.
func (v *verifier) hasCheck(ctx context.Context) bool {
	if v.s.opts.Flows.Check == "" {
		return false
	}
	ps := v.protected(ctx)
	return len(ps) > 0 && ps[0].check
}

// protected returns the operations identities are tried on: the
// configured check operation first, then safe GET operations that refuse
// anonymous requests, in the description's order (those without path
// parameters first: a placeholder id often names nothing).
func (v *verifier) protected(ctx context.Context) []*verifyProbe {
	if v.found {
		return v.probes
	}
	v.found = true
	var check *Target
	if method, path, ok := strings.Cut(strings.TrimSpace(v.s.opts.Flows.Check), " "); ok {
		t := (&API{s: v.s, ops: v.ops}).Target(method, strings.TrimSpace(path))
		if t.Op.Method == http.MethodGet && safeOperation(t.Op) {
			check = t
			vals := t.Values()
			v.probes = append(v.probes, &verifyProbe{t: t, values: vals, anon: t.Send(ctx, Anonymous, vals), check: true})
		}
	}
	var cands []*openapi.Operation
	for i := range v.ops {
		op := &v.ops[i]
		if op.Method == http.MethodGet && safeOperation(op) && (check == nil || op.Path != check.Op.Path) {
			cands = append(cands, op)
		}
	}
	slices.SortStableFunc(cands, func(a, b *openapi.Operation) int {
		pa, pb := hasPathParam(a), hasPathParam(b)
		switch {
		case pa == pb:
			return 0
		case pb:
			return -1
		}
		return 1
	})
	for i, op := range cands {
		if i >= maxVerifyCandidates || ctx.Err() != nil {
			break
		}
		t := v.s.target(op)
		vals := t.Values()
		anon := t.Send(ctx, Anonymous, vals)
		if authRefusal(anon) != "" {
			v.probes = append(v.probes, &verifyProbe{t: t, values: vals, anon: anon})
		}
	}
	return v.probes
}

// try sends id to the protected operations until one accepts it.
func (v *verifier) try(ctx context.Context, id *Identity) *verifyResult {
	res := &verifyResult{id: id}
	tried := 0
	for _, p := range v.protected(ctx) {
		if tried >= maxVerifyProbes || ctx.Err() != nil {
			break
		}
		if id.Login != nil && !p.check {
			continue // a login identity is judged by the check alone
		}
		tried++
		r := p.t.Send(ctx, id, p.values)
		switch {
		case !usable(r):
			res.other = append(res.other, fmt.Sprintf("%s: %s", p.name(), Refusal(r)))
		case v.accepts(p, id, r):
			p.accepted = append(p.accepted, verifyAnswer{id: id, r: r})
			res.ok, res.okAnswer = p, r
			id.check = &verification{t: p.t, values: p.values, good: r, anon: p.anon}
			return res
		default:
			if why := authRefusal(r); why != "" {
				res.refused = append(res.refused, verifyRefusal{p: p, r: r, why: why})
			} else {
				res.other = append(res.other, fmt.Sprintf("%s answered %d", p.name(), r.Status))
			}
		}
	}
	return res
}

// accepts reports whether r, id's answer to p, is the API letting id in:
// a success with data where anonymous is refused, or on the check
// operation an answer of its own where anonymous gets another.
func (v *verifier) accepts(p *verifyProbe, id *Identity, r *Response) bool {
	if !r.OK() || isLoginForm(r.Body) || isDenialBody(r.Body) {
		return false
	}
	if fp, ok := v.s.soft404[id.Name]; ok && fp.Matches(r) && HasContent(r.Body) {
		return false // the server's catch-all, not the operation
	}
	if authRefusal(p.anon) != "" {
		return true
	}
	return p.check && usable(p.anon) && !FingerprintOf(p.anon).Matches(r) && HasContent(r.Body)
}

// authRefusal says how r refuses a caller as not signed in: 401, 403, a
// redirect to a login page or a login form; "" when it does not.
func authRefusal(r *Response) string {
	switch {
	case r == nil || r.Err != nil:
		return ""
	case r.Status == http.StatusUnauthorized || r.Status == http.StatusForbidden:
		return fmt.Sprintf("%d", r.Status)
	case r.Status >= 300 && r.Status < 400 && loginLocation.MatchString(r.Header.Get("Location")):
		return fmt.Sprintf("%d (a redirect to a login page)", r.Status)
	case r.OK() && isLoginForm(r.Body):
		return fmt.Sprintf("%d (a login form)", r.Status)
	}
	return ""
}

// judge turns what trying an identity showed into its coverage, and an
// error when the API refuses it everywhere: every protected operation it
// was tried on refused it, with a 401 or a login wall (a refusal of the
// credentials, not of a permission), or with the very answer anonymous
// requests get where another identity was let in.
func (v *verifier) judge(res *verifyResult) (identityCover, error) {
	id := res.id
	if res.ok != nil {
		how := fmt.Sprintf("%s answered %d to it, %s to anonymous requests", res.ok.name(), res.okAnswer.Status, describeAnswer(res.ok.anon))
		if id.Login != nil {
			how = fmt.Sprintf("logged in with %s; %s", loginName(id.Login), how)
		}
		return identityCover{verified: true, how: how}, nil
	}
	if len(res.refused) == 0 {
		return identityCover{how: v.notVerified(res)}, nil
	}
	conclusive := len(res.other) == 0
	var evidence *verifyRefusal
	for i := range res.refused {
		rf := &res.refused[i]
		other := rf.p.acceptedOther(id)
		credentials := rf.r.Status == http.StatusUnauthorized || rf.r.Status/100 == 3 || isLoginForm(rf.r.Body)
		asAnonymous := FingerprintOf(rf.p.anon).Matches(rf.r)
		if !credentials && !(asAnonymous && other != nil) {
			conclusive = false
		}
		if evidence == nil || (other != nil && evidence.p.acceptedOther(id) == nil) {
			evidence = rf
		}
	}
	line := fmt.Sprintf("%s answered %s to it", evidence.p.name(), evidence.why)
	if other := evidence.p.acceptedOther(id); other != nil {
		line += fmt.Sprintf(" (and %d to %s)", other.r.Status, v.s.identityLabel(other.id))
	} else {
		line += fmt.Sprintf(" (and %s to anonymous requests)", describeAnswer(evidence.p.anon))
	}
	if n := len(res.refused); n > 1 {
		line += fmt.Sprintf("; %d protected operations tried, none let it in", n)
	}
	if id.Login != nil {
		line = fmt.Sprintf("it logged in with %s, but %s", loginName(id.Login), line)
	}
	if !conclusive {
		return identityCover{how: "not verified: " + line}, nil
	}
	msg := fmt.Sprintf("identity %q (%s) is rejected by the API: %s", id.Name, v.s.identitySource(id), line)
	msg = v.s.redactor.Redact(msg)
	return identityCover{how: "rejected: " + line}, &rejectedError{msg: msg}
}

// notVerified says why an identity that no operation refused could not be
// verified.
func (v *verifier) notVerified(res *verifyResult) string {
	if len(v.probes) == 0 {
		return "not verified: no operation refuses anonymous requests"
	}
	if len(res.other) == 0 {
		if res.id.Login != nil {
			return fmt.Sprintf("logged in with %s (token from %s); not verified by the check operation", loginName(res.id.Login), tokenSource(res.id.Login))
		}
		return "not verified: no protected operation was tried"
	}
	return "not verified: the protected operations tried answered it neither a success nor a refusal (" + strings.Join(res.other, "; ") + ")"
}

// acceptedOther returns an identity other than id that p let in, nil for
// none.
func (p *verifyProbe) acceptedOther(id *Identity) *verifyAnswer {
	for i := range p.accepted {
		if p.accepted[i].id != id {
			return &p.accepted[i]
		}
	}
	return nil
}

func describeAnswer(r *Response) string {
	if r == nil || r.Err != nil {
		return "no answer"
	}
	if why := authRefusal(r); why != "" {
		return why
	}
	return fmt.Sprintf("%d", r.Status)
}

// identityRole is the part id plays in the scan, as coverage names it.
func (s *scan) identityRole(id *Identity) string {
	switch {
	case id == s.primary:
		return "primary"
	case id == s.peer:
		return "peer"
	case id == s.admin || id.IsAdmin():
		return "admin"
	case id.Throwaway:
		return "throwaway"
	}
	return RoleUser
}

// identityLabel names id in a sentence: "the primary", "the peer", or its
// configured name.
func (s *scan) identityLabel(id *Identity) string {
	switch id {
	case s.primary:
		return "the primary"
	case s.peer:
		return "the peer"
	}
	return fmt.Sprintf("identity %q", id.Name)
}

// identitySource says where an identity's credentials were given, for a
// message the user can act on.
func (s *scan) identitySource(id *Identity) string {
	configured := slices.Contains(s.opts.Identities, id)
	switch {
	case !configured && id == s.primary:
		return "--auth"
	case !configured && id == s.peer:
		return "--peer-auth"
	}
	return "identity in the config file"
}

// noteUnauthorized is called for a 401 to a static identity. When the
// identity was verified on an operation, that operation is asked again
// (now and then, see maxExpiryChecks): refused now, the identity's
// credentials stopped working mid-scan (an expired token), and every
// later check that needed them may have been refused where it would have
// found something.
func (s *scan) noteUnauthorized(ctx context.Context, id *Identity, req *Request) {
	c := id.check
	if c == nil || id.getCover().expired {
		return
	}
	n := id.unauthorized.Add(1)
	if n&(n-1) != 0 || n > 1<<maxExpiryChecks {
		return
	}
	again := s.client.Do(ctx, c.t.Request(id, c.values))
	if authRefusal(again) == "" {
		return // still let in: that operation refuses it, not the API
	}
	id.coverMu.Lock()
	defer id.coverMu.Unlock()
	if id.cover.expired {
		return
	}
	id.cover.expired = true
	id.cover.later = s.redactor.Redact(fmt.Sprintf("rejected from %s (%s %s answered 401) on: %s %s, which let it in when the scan started, answered %s: its credentials stopped working (an expired token?); later checks may be incomplete",
		time.Now().UTC().Format(time.RFC3339), req.Method, req.URL.Path, c.t.Op.Method, c.t.Op.Path, describeAnswer(again)))
}

// noteLater records what happened to id after its verification.
func (id *Identity) noteLater(why string, verified bool) {
	id.coverMu.Lock()
	defer id.coverMu.Unlock()
	id.cover.verified = id.cover.verified && verified
	if id.cover.later != "" {
		why = id.cover.later + "; " + why
	}
	id.cover.later = why
}

// identityCoverage is every identity's coverage, in the scan's order.
func (s *scan) identityCoverage() []finding.IdentityCoverage {
	out := []finding.IdentityCoverage{}
	for _, id := range s.allIdentities() {
		c := id.getCover()
		how := c.how
		if c.later != "" {
			if how != "" {
				how += "; "
			}
			how += c.later
		}
		out = append(out, finding.IdentityCoverage{Name: id.Name, Role: s.identityRole(id), Verified: c.verified && !c.expired, How: s.redactor.Redact(how)})
	}
	return out
}

// identityExpiry says which identities stopped working mid-scan, for the
// scan's Incomplete: "" when none did.
func (s *scan) identityExpiry() string {
	var out []string
	for _, id := range s.allIdentities() {
		if c := id.getCover(); c.expired {
			out = append(out, fmt.Sprintf("identity %q (%s) was %s", id.Name, s.identitySource(id), c.later))
		}
	}
	return s.redactor.Redact(strings.Join(out, "; "))
}
