package scanner

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/internal/lazyre"
	"github.com/authgate/authgate/scanner/openapi"
)

// This file verifies the scan's identities before any rule runs. A scan
// whose credentials the API refuses tests nothing but the login wall, and
// would pass as "clean": every identity must be accepted somewhere (a
// protected operation answers it and refuses anonymous requests, its
// login gives a token the check operation accepts, or an operation that
// serves anonymous callers too answers it data of its own where they get
// none). One the API refuses everywhere ends the scan, and so does static
// credentials' JWT that had expired before verification.

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
	// jwtExpiryLeeway is the clock difference between this machine and
	// the API's tolerated when a JWT's exp is judged offline: RFC 7519
	// (4.1.4) allows "some small leeway, usually no more than a few
	// minutes"; a minute covers clocks kept by NTP without passing a
	// token that expired long ago.
	jwtExpiryLeeway = time.Minute
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

// refuses reports whether r, a fresh answer of the operation that
// verified the identity, no longer lets it in: a refusal, or on an
// operation that serves anonymous requests too, their answer.
func (c *verification) refuses(r *Response) bool {
	if authRefusal(r) != "" {
		return true
	}
	return usable(c.anon) && authRefusal(c.anon) == "" && FingerprintOf(c.anon).Matches(r)
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
	// self: the answer says who the caller is (the check operation, a
	// parameterless "who am I" route, or a person's record) where
	// anonymous requests get no data. A valid identity gets one too, so
	// an identity answered there as anonymous is refused (see judge);
	// other data (a guest's empty cart next to a customer's full one)
	// tells nothing about an identity that got none.
	self bool
}

func (p *verifyProbe) name() string { return p.t.Op.Method + " " + p.t.Op.Path }

// protected reports whether anonymous requests to p are refused.
func (p *verifyProbe) protected() bool { return authRefusal(p.anon) != "" }

// open reports whether p serves anonymous requests (a 2xx with the
// operation's answer): an identity is told from them by a different
// answer, not by being let in.
func (p *verifyProbe) open() bool {
	return p.anon.OK() && usable(p.anon) && !p.protected()
}

// verifyResult is what trying one identity showed.
type verifyResult struct {
	id       *Identity
	ok       *verifyProbe // the operation that accepted it
	okAnswer *Response
	refused  []verifyRefusal // operations that refused it
	// asAnonymous are the open operations that answered it as they
	// answer anonymous requests.
	asAnonymous []*verifyProbe
	other       []string // operations whose answer said neither
}

type verifyRefusal struct {
	p   *verifyProbe
	r   *Response
	why string
}

// verifier finds the operations to try once and tries each identity on
// them.
type verifier struct {
	s      *scan
	ops    []openapi.Operation
	probes []*verifyProbe
	found  bool
}

// verifyIdentities verifies every identity of the scan and records how in
// its coverage. It returns an error wrapping ErrIdentityRejected for the
// first identity whose static credentials hold an expired JWT, else for
// the first one the API refuses everywhere it was tried.
func (s *scan) verifyIdentities(ctx context.Context, ops []openapi.Operation) error {
	now := time.Now()
	for _, id := range s.allIdentities() {
		if err := s.expiredCredentials(id, now); err != nil {
			return err
		}
	}
	v := &verifier{s: s, ops: ops}
	var results []*verifyResult
	for _, id := range s.allIdentities() {
		if id.loginFailed {
			continue // its coverage says why (failLogin)
		}
		if _, expired := loginTokenExpired(id, now); id.Login != nil && !expired && !v.hasCheck(ctx) {
			// Logged in with a token and no check operation to ask:
			// the login itself is the API accepting the credentials.
			id.setCover(identityCover{verified: true, how: fmt.Sprintf("logged in with %s (token from %s)", loginName(id.Login), tokenSource(id.Login))})
			continue
		}
		results = append(results, v.try(ctx, id))
	}
	var rejected error
	for _, res := range results {
		c, err := v.judge(res, now)
		res.id.setCover(c)
		if err != nil && rejected == nil {
			rejected = err
		}
	}
	if w := v.checkProvesNothing(results); w != "" {
		s.warnings = append(s.warnings, s.redactor.Redact(w))
	}
	if rejected == nil {
		for _, res := range results {
			if c := res.id.getCover(); !c.verified {
				// A pass must not read as tested with these credentials.
				s.warnings = append(s.warnings, s.redactor.Redact(fmt.Sprintf("identity %q (%s) is %s; the checks that need it may have tested only what anonymous requests get", res.id.Name, s.identitySource(res.id), c.how)))
			}
		}
	}
	return rejected
}

// expiredCredentials returns the one-line rejection of id when every JWT
// (with an exp) among its configured credentials expired before now, less
// jwtExpiryLeeway. An API that checks exp refuses such a token, but an
// optional-auth route answers it as it answers anonymous callers, so its
// answers may never say so; the token does, without a request. A fresh
// login's token is judged with what the API answers (see judge).
func (s *scan) expiredCredentials(id *Identity, now time.Time) error {
	exp, ok := expiredJWT(id.static, now)
	if !ok {
		return nil
	}
	line := fmt.Sprintf("its JWT expired at %s (exp); give it a fresh token", exp.Format(time.RFC3339))
	id.setCover(identityCover{how: "rejected: " + line})
	return &rejectedError{msg: s.redactor.Redact(fmt.Sprintf("identity %q (%s) is rejected: %s", id.Name, s.identitySource(id), line))}
}

// loginTokenExpired reports whether the token id's login gave is a JWT
// that had expired by now (less jwtExpiryLeeway), and its exp.
func loginTokenExpired(id *Identity, now time.Time) (time.Time, bool) {
	if id.Login == nil {
		return time.Time{}, false
	}
	var token []Header
	for _, h := range id.Creds() {
		if !slices.Contains(id.static, h) {
			token = append(token, h)
		}
	}
	return expiredJWT(token, now)
}

// expiredJWT finds the JWTs in hs whose payload has an exp and reports
// whether all of them had expired by now less jwtExpiryLeeway, with the
// latest exp. A JWT still valid among them (a user token next to an old
// cookie of another app) leaves the judgement to the API.
func expiredJWT(hs []Header, now time.Time) (time.Time, bool) {
	var latest time.Time
	for _, h := range hs {
		for _, tok := range jwtShape.FindAllString(h.Value, -1) {
			exp, ok := jwtExp(tok)
			if !ok {
				continue
			}
			if !exp.Add(jwtExpiryLeeway).Before(now) {
				return time.Time{}, false
			}
			if exp.After(latest) {
				latest = exp
			}
		}
	}
	return latest, !latest.IsZero()
}

// jwtExp reads a compact JWT's exp claim (NumericDate, seconds).
func jwtExp(tok string) (time.Time, bool) {
	payload, ok := jwtPayload(tok)
	if !ok {
		return time.Time{}, false
	}
	var claims struct {
		Exp json.Number `json:"exp"`
	}
	if json.Unmarshal(payload, &claims) != nil {
		return time.Time{}, false
	}
	exp, err := claims.Exp.Float64()
	if err != nil || exp <= 0 || exp > maxJWTExp {
		return time.Time{}, false
	}
	return time.Unix(int64(exp), 0).UTC(), true
}

// jwtPayload decodes a compact JWT's payload (its claims' JSON); false
// when tok is not three dot-separated parts with a base64url payload.
func jwtPayload(tok string) ([]byte, bool) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return nil, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	return payload, err == nil
}

// maxJWTExp is the largest exp read as a date (year 9999); beyond it the
// claim is garbage, not an expiry.
const maxJWTExp = 253402300799

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
	ps := v.operations(ctx)
	return len(ps) > 0 && ps[0].check
}

// operations returns the operations identities are tried on: the
// configured check operation first, then safe GET operations that refuse
// anonymous requests, then those that serve them too (an optional-auth
// route tells an identity by a different answer), each in the
// description's order (those without path parameters first: a placeholder
// id often names nothing).
func (v *verifier) operations(ctx context.Context) []*verifyProbe {
	if v.found {
		return v.probes
	}
	v.found = true
	var check *Target
	if method, path, ok := strings.Cut(strings.TrimSpace(v.s.opts.Flows.Check), " "); ok {
		t := (&API{s: v.s, ops: v.ops}).Target(method, strings.TrimSpace(path))
		if t.Op.Method == http.MethodGet && v.s.safeOp(t.Op) {
			check = t
			vals := t.Values()
			v.probes = append(v.probes, &verifyProbe{t: t, values: vals, anon: t.Send(ctx, Anonymous, vals), check: true})
		}
	}
	var cands []*openapi.Operation
	for i := range v.ops {
		op := &v.ops[i]
		if op.Method == http.MethodGet && v.s.safeOp(op) && (check == nil || op.Path != check.Op.Path) {
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
	var open []*verifyProbe
	for i, op := range cands {
		if i >= maxVerifyCandidates || ctx.Err() != nil {
			break
		}
		t := v.s.target(op)
		vals := t.Values()
		p := &verifyProbe{t: t, values: vals, anon: t.Send(ctx, Anonymous, vals)}
		switch {
		case p.protected():
			v.probes = append(v.probes, p)
		case p.open() && !isDenialBody(p.anon.Body) && !v.catchAll(Anonymous, p.anon):
			open = append(open, p)
		}
	}
	// A "who am I" route first: its answer to one identity is what tells
	// another, answered as anonymous, is refused (see tellsWho).
	slices.SortStableFunc(open, func(a, b *verifyProbe) int {
		sa, sb := selfRoute(a.t.Op), selfRoute(b.t.Op)
		switch {
		case sa == sb:
			return 0
		case sa:
			return -1
		}
		return 1
	})
	v.probes = append(v.probes, open...)
	return v.probes
}

// catchAll reports whether r, id's answer, is the server's answer for
// paths it does not have, not the operation's.
func (v *verifier) catchAll(id *Identity, r *Response) bool {
	return v.s.soft404Answer(id, r) && HasContent(r.Body)
}

// try sends id to the operations until one accepts it.
func (v *verifier) try(ctx context.Context, id *Identity) *verifyResult {
	res := &verifyResult{id: id}
	tried := 0
	for _, p := range v.operations(ctx) {
		if tried >= maxVerifyProbes || ctx.Err() != nil {
			break
		}
		tried++
		r := p.t.Send(ctx, id, p.values)
		switch {
		case !usable(r):
			res.other = append(res.other, fmt.Sprintf("%s: %s", p.name(), Refusal(r)))
		case v.accepts(p, id, r):
			p.accepted = append(p.accepted, verifyAnswer{id: id, r: r, self: p.open() && tellsWho(p, r)})
			res.ok, res.okAnswer = p, r
			id.check = &verification{t: p.t, values: p.values, good: r, anon: p.anon}
			return res
		case usable(p.anon) && !p.protected() && FingerprintOf(p.anon).Matches(r):
			res.asAnonymous = append(res.asAnonymous, p)
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
// a success with data where anonymous is refused, or an answer of its own
// where anonymous gets another: on the check operation any data, else
// data where anonymous gets none, or a person's record where anonymous
// gets none (a personalised feed whose items differ, or a random field,
// proves nothing).
func (v *verifier) accepts(p *verifyProbe, id *Identity, r *Response) bool {
	if !r.OK() || isLoginForm(r.Body) || isDenialBody(r.Body) || v.catchAll(id, r) {
		return false
	}
	if p.protected() {
		return true
	}
	if !usable(p.anon) || FingerprintOf(p.anon).Matches(r) || !HasContent(r.Body) {
		return false
	}
	return p.check || !HasContent(p.anon.Body) || (isPersonRecord(r) && !isPersonRecord(p.anon))
}

// tellsWho reports whether r, an identity's accepted answer to the open
// operation p, says who the caller is where anonymous requests get no
// data: the check operation, a parameterless "who am I" route, or a
// person's record.
func tellsWho(p *verifyProbe, r *Response) bool {
	if p.check {
		return true
	}
	if HasContent(p.anon.Body) {
		return false
	}
	return isPersonRecord(r) || selfRoute(p.t.Op)
}

// selfRoute reports whether op is a parameterless "who am I" route.
func selfRoute(op *openapi.Operation) bool {
	return !hasPathParam(op) && !hasQuery(op) && selfPath.MatchString(op.Path)
}

// selfPath matches the routes that answer who the caller is.
var selfPath = lazyre.New(`(?i)/(me|whoami|self|current[_-]?user|userinfo|user|profile|account|session)/?$`)

func isPersonRecord(r *Response) bool {
	_, ok := SingleRecord(r.Body)
	return ok
}

// answersAsWorking reports whether r, an anonymous answer of check, is
// the answer the main identity got before the active rules ran (see
// reference): a check that answers {"user": null} to everyone cannot tell
// a live session from none, so as far as it can tell it lets anonymous
// requests in, and the rules that rely on it must not judge with it.
func (a *API) answersAsWorking(ctx context.Context, check *Target, r *Response) bool {
	if !r.OK() || authRefusal(r) != "" {
		return false
	}
	good := a.reference(ctx, check).good
	return good != nil && good.OK() && authRefusal(good) == "" && FingerprintOf(good).Matches(r)
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

// verifyEvidence is one operation's refusal of an identity: an answer
// that refuses it, or an open operation's answer to anonymous requests
// where another identity got one that says who it is.
type verifyEvidence struct {
	p     *verifyProbe
	line  string // "GET /api/me answered 401 to it"
	other *verifyAnswer
	// conclusive: about its credentials, not a permission: a 401 or a
	// login wall, or the anonymous answer where another identity was
	// let in.
	conclusive bool
}

// judge turns what trying an identity showed into its coverage, and an
// error when the API refuses it everywhere: every operation it was tried
// on refused it, with a 401 or a login wall (a refusal of the
// credentials, not of a permission), or with the very answer anonymous
// requests get where another identity was let in; the open operations
// where nobody's answer differs from anonymous's count for nothing.
func (v *verifier) judge(res *verifyResult, now time.Time) (identityCover, error) {
	id := res.id
	exp, loginExpired := loginTokenExpired(id, now)
	if res.ok != nil {
		how := fmt.Sprintf("%s answered %s to it, %s to anonymous requests", res.ok.name(), describeAccepted(res.ok, res.okAnswer), describeAnswer(res.ok.anon))
		if id.Login != nil {
			how = fmt.Sprintf("logged in with %s; %s", loginName(id.Login), how)
		}
		if loginExpired {
			how += fmt.Sprintf("; the JWT its login returned expired at %s (exp) by this machine's clock: the API's clock is behind, or it does not check exp", exp.Format(time.RFC3339))
		}
		return identityCover{verified: true, how: how + v.checkNote(res)}, nil
	}
	var evidence []verifyEvidence
	for _, rf := range res.refused {
		other := rf.p.acceptedOther(id)
		credentials := rf.r.Status == http.StatusUnauthorized || rf.r.Status/100 == 3 || isLoginForm(rf.r.Body)
		asAnonymous := FingerprintOf(rf.p.anon).Matches(rf.r)
		evidence = append(evidence, verifyEvidence{p: rf.p, line: fmt.Sprintf("%s answered %s to it", rf.p.name(), rf.why), other: other,
			conclusive: credentials || (asAnonymous && other != nil)})
	}
	for _, p := range res.asAnonymous {
		if other := p.acceptedOther(id); other != nil && other.self {
			evidence = append(evidence, verifyEvidence{p: p, line: fmt.Sprintf("%s answered %s to it, as to anonymous requests", p.name(), describeAnswer(p.anon)), other: other, conclusive: true})
		}
	}
	if len(evidence) == 0 {
		if loginExpired {
			line := fmt.Sprintf("it logged in with %s, but the JWT the login returned expired at %s (exp), and %s", loginName(id.Login), exp.Format(time.RFC3339), strings.TrimPrefix(v.notVerified(res), "not verified: "))
			return identityCover{how: "rejected: " + line}, v.rejected(id, line)
		}
		return identityCover{how: v.notVerified(res) + v.checkNote(res)}, nil
	}
	conclusive := len(res.other) == 0
	best := 0
	for i, e := range evidence {
		conclusive = conclusive && e.conclusive
		if e.other != nil && evidence[best].other == nil {
			best = i
		}
	}
	e := evidence[best]
	line := e.line
	if e.other != nil {
		line += fmt.Sprintf(" (and %s to %s)", describeAccepted(e.p, e.other.r), v.s.identityLabel(e.other.id))
	} else {
		line += fmt.Sprintf(" (and %s to anonymous requests)", describeAnswer(e.p.anon))
	}
	if n := len(evidence); n > 1 {
		kind := "protected operations"
		if len(res.refused) < n {
			kind = "operations" // some serve anonymous requests too
		}
		line += fmt.Sprintf("; %d %s tried, none let it in", n, kind)
	}
	if id.Login != nil {
		line = fmt.Sprintf("it logged in with %s, but %s", loginName(id.Login), line)
	}
	if loginExpired {
		line += fmt.Sprintf("; the JWT its login returned expired at %s (exp)", exp.Format(time.RFC3339))
		conclusive = true
	}
	if !conclusive {
		return identityCover{how: "not verified: " + line + v.checkNote(res)}, nil
	}
	return identityCover{how: "rejected: " + line}, v.rejected(id, line)
}

// rejected is the error that ends the scan for id, with line as evidence.
func (v *verifier) rejected(id *Identity, line string) error {
	return &rejectedError{msg: v.s.redactor.Redact(fmt.Sprintf("identity %q (%s) is rejected by the API: %s", id.Name, v.s.identitySource(id), line))}
}

// notVerified says why an identity that no operation refused could not be
// verified.
func (v *verifier) notVerified(res *verifyResult) string {
	if len(v.probes) == 0 {
		return "not verified: no operation refuses anonymous requests"
	}
	if len(res.other) == 0 {
		switch {
		case len(res.asAnonymous) > 0:
			return "not verified: no operation refuses anonymous requests or answers it differently from them"
		case res.id.Login != nil:
			return fmt.Sprintf("logged in with %s (token from %s); not verified by the check operation", loginName(res.id.Login), tokenSource(res.id.Login))
		}
		return "not verified: no protected operation was tried"
	}
	return "not verified: the operations tried answered it neither a success nor a refusal (" + strings.Join(res.other, "; ") + ")"
}

// checkNote says, for an identity's coverage, that the check operation
// answered it as it answers anonymous requests: flows.check proves
// nothing about it.
func (v *verifier) checkNote(res *verifyResult) string {
	for _, p := range res.asAnonymous {
		if p.check && p.acceptedOther(res.id) == nil {
			return fmt.Sprintf("; flows.check %s answered %s to it, as to anonymous requests, so it proves nothing", p.name(), describeAnswer(p.anon))
		}
	}
	return ""
}

// checkProvesNothing is the scan's warning when flows.check answered the
// identities tried on it as it answers anonymous requests and let none
// of them in: it cannot tell a live session from none, so the identities
// were verified on other operations and the rules that need a session
// check do not run. "" otherwise.
func (v *verifier) checkProvesNothing(results []*verifyResult) string {
	if len(v.probes) == 0 || !v.probes[0].check || len(v.probes[0].accepted) > 0 {
		return ""
	}
	p := v.probes[0]
	var names []string
	for _, res := range results {
		if slices.Contains(res.asAnonymous, p) {
			names = append(names, res.id.Name)
		}
	}
	if len(names) == 0 {
		return ""
	}
	return fmt.Sprintf("flows.check %s proves nothing: it answers %s as it answers anonymous requests (%s), so it lets anonymous requests in; the identities were verified on other operations, and the rules that need it to tell a live session do not run (name an operation that refuses anonymous requests in flows.check)",
		p.name(), strings.Join(names, ", "), describeAnswer(p.anon))
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
	if r.OK() && !HasContent(r.Body) {
		return fmt.Sprintf("%d with no data", r.Status)
	}
	return fmt.Sprintf("%d", r.Status)
}

// describeAccepted says what p answered an identity it let in: the status
// where anonymous requests are refused, else what in the answer differs
// from theirs.
func describeAccepted(p *verifyProbe, r *Response) string {
	if p.protected() {
		return fmt.Sprintf("%d", r.Status)
	}
	if rec, ok := SingleRecord(r.Body); ok {
		return fmt.Sprintf("%d with a record (%s)", r.Status, strings.Join(rec.PersonalKeys, ", "))
	}
	return fmt.Sprintf("%d with data", r.Status)
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
	case s.isAutoAccount(id):
		return "an account the scan registered with --auto-accounts"
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
	if !c.refuses(again) {
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

// Verified reports whether the API accepted id's credentials when the
// scan verified its identities (and still does, as far as the scan saw):
// rules that judge a credential offline (a JWT's HMAC key) may then say
// that the API accepts it.
func (id *Identity) Verified() bool {
	c := id.getCover()
	return c.verified && !c.expired
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
