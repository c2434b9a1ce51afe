package scanner

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner/openapi"
)

// Target is one operation as rules see it: it builds requests from the
// operation's parameters, sends them through the scan's client, caches the
// answers so rules share them, and turns responses into findings.
type Target struct {
	Op      *openapi.Operation
	Primary *Identity // nil when no credentials were given
	Peer    *Identity // nil when no second identity was given
	Admin   *Identity // nil when no identity has the admin role
	s       *scan

	// answered and unanswered count this operation's requests with and
	// without a usable answer (see Client.Do), so that an operation the
	// target never really answered is not mistaken for a clean one.
	answered, unanswered int
	// redirected counts the answers that were redirects (3xx): an
	// operation that only ever redirected showed the scan nothing.
	redirected int
	location   string // the first redirect's Location
	// sent is set when a rule sends (or reads from the cache) any
	// request of this operation, judged when it judged the operation
	// without sending: either way the rule tested it (see coverage),
	// unless it says Untested.
	sent, judged bool
	// unlisted says how the scan found an endpoint the description does
	// not list (see discovery.go); its path is from the origin's root.
	unlisted string
}

func (s *scan) target(op *openapi.Operation) *Target {
	return &Target{Op: op, Primary: s.primary, Peer: s.peer, Admin: s.admin, s: s}
}

// Document is the API description, nil when operations came from flags.
func (t *Target) Document() *openapi.Document { return t.s.doc }

// Mode is the scan mode.
func (t *Target) Mode() finding.Mode { return t.s.opts.Mode }

// Described reports whether the API description lists the operation (and
// it does not come from a flag, the target URL or discovery). The
// description's operations are filed once per scan, so asking costs the
// same at any size of the API.
func (t *Target) Described() bool {
	d := &t.s.described
	d.once.Do(func() {
		d.ops = map[[2]string]bool{}
		if t.s.doc != nil {
			// Sized once: grown by doubling, the map of 20,000
			// operations held twice the room it needs to the end.
			d.ops = make(map[[2]string]bool, len(t.s.doc.Operations))
			for _, op := range t.s.doc.Operations {
				d.ops[[2]string{op.Method, op.Path}] = true
			}
		}
	})
	return d.ops[[2]string{t.Op.Method, t.Op.Path}]
}

// describedOps is the set of the description's operations (see
// Target.Described), built on first use.
type describedOps struct {
	once sync.Once
	ops  map[[2]string]bool
}

// Main is the identity rules act as by default: the primary identity, or
// anonymous when none was given.
func (t *Target) Main() *Identity {
	if t.Primary != nil {
		return t.Primary
	}
	return Anonymous
}

// Safe reports whether the operation may be sent with valid credentials in
// safe mode: only methods that change nothing, and not the GET routes whose
// names say they change state anyway (GET /logout would end the
// identities' sessions). Such routes are left out of the scan (see
// screen); the logout route, kept in active mode for the logout rule, is
// left alone by every other rule.
func (t *Target) Safe() bool {
	if safe, ok := t.s.safety.safe[t.Op.Method+" "+t.Op.Path]; ok {
		return safe // judged once, when the operations were screened
	}
	return safeOperation(t.Op)
}

// Values returns the default value of every parameter the scanner sends:
// examples from the description, else a plausible value of the type.
// Credential parameters are left to the identities.
func (t *Target) Values() map[string]string {
	v := map[string]string{}
	for _, p := range t.Op.Params {
		if t.isCredential(p) {
			continue
		}
		val := p.Example
		if val == "" {
			if !p.Required && p.In != "path" {
				continue
			}
			val = placeholder(p)
		}
		v[p.In+":"+p.Name] = val
	}
	return v
}

// Optional returns, in the description's order, the optional parameters
// that Values leaves out (optional, not in the path, no example), with
// credentials excluded as there: a rule that must reach them (the error
// probe puts its quote in a search's q) sets them itself.
func (t *Target) Optional() []openapi.Param {
	var out []openapi.Param
	for _, p := range t.Op.Params {
		if !p.Required && p.In != "path" && p.Example == "" && !t.isCredential(p) {
			out = append(out, p)
		}
	}
	return out
}

// placeholder invents a value of the parameter's type.
func placeholder(p openapi.Param) string {
	switch {
	case p.Format == "uuid":
		return "00000000-0000-4000-8000-000000000001"
	case p.Format == "email":
		return "user@example.com"
	case p.Format == "date":
		return "2024-01-01"
	case p.Format == "date-time":
		return "2024-01-01T00:00:00Z"
	case p.Type == "boolean":
		return "true"
	}
	return "1"
}

// isCredential reports whether a parameter carries credentials (declared
// by a security scheme, or a well-known credential header), which only
// identities may set.
func (t *Target) isCredential(p openapi.Param) bool {
	if p.In == "header" && slices.Contains(credentialHeaders, http.CanonicalHeaderKey(p.Name)) {
		return true
	}
	if doc := t.s.doc; doc != nil {
		for _, sc := range doc.SecuritySchemes {
			if sc.Type == "apiKey" && strings.EqualFold(sc.Name, p.Name) && sc.In == p.In {
				return true
			}
		}
	}
	return false
}

// Param looks up a parameter by key ("query:user_id").
func (t *Target) Param(key string) (openapi.Param, bool) {
	for _, p := range t.Op.Params {
		if p.In+":"+p.Name == key {
			return p, true
		}
	}
	return openapi.Param{}, false
}

// Request builds the request for the given parameter values (from Values,
// possibly changed) as id.
func (t *Target) Request(id *Identity, values map[string]string) *Request {
	// path is the route as the server decodes it, raw as it is sent: a
	// value with a space, a slash or non-ASCII letters is escaped once.
	path, raw := t.Op.Path, escapeRoute(t.Op.Path)
	var q url.Values // made when a value needs it; nil encodes as ""
	h := http.Header{}
	var cookies []string
	// Sorted in place, on the stack for the few values an operation has:
	// rules build a request for every cache lookup too.
	keys := make([]string, 0, 8)
	for k := range values {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, key := range keys {
		in, name, _ := strings.Cut(key, ":")
		v := values[key]
		switch in {
		case "path":
			path = fillPath(path, name, v)
			raw = fillPath(raw, name, url.PathEscape(v))
		case "query":
			if id.IsAnonymous() && credentialParam.MatchString(name) {
				// An anonymous request carries no credentials at all.
				continue
			}
			if q == nil {
				q = url.Values{}
			}
			q.Set(name, v)
		case "header":
			h.Set(name, v)
		case "cookie":
			cookies = append(cookies, name+"="+v)
		}
	}
	if len(cookies) > 0 {
		h.Set("Cookie", strings.Join(cookies, "; "))
	}
	prefix, rawPrefix := t.s.base.Path+t.s.docBase(), t.s.base.EscapedPath()+escapeRoute(t.s.docBase())
	if t.unlisted != "" {
		prefix, rawPrefix = "", "" // discovered from the origin's root
	}
	// The request and its URL are one allocation: rules build a request
	// for every cache lookup too.
	ru := &struct {
		r Request
		u url.URL
	}{u: url.URL{Scheme: t.s.base.Scheme, Host: t.s.base.Host, Path: prefix + path,
		RawPath: rawPrefix + raw, RawQuery: q.Encode()}}
	ru.r = Request{Method: t.Op.Method, URL: &ru.u, Header: h, Identity: id}
	return &ru.r
}

// escapeRoute is a route as sent: its own text escaped where a URL needs
// it (a non-ASCII letter, a space), its {name} placeholders kept for
// fillPath. Unescaped, the raw path would not be a valid escaping of the
// decoded one, and Go would escape the decoded path instead, sending a
// value's slash as a separator (/café/{name} with "team/1").
func escapeRoute(route string) string {
	if escapesAsIs(route) {
		return route
	}
	return placeholderBraces.Replace((&url.URL{Path: route}).EscapedPath())
}

// escapesAsIs reports whether escapeRoute(route) is route itself: no byte
// but its braces is one a path escapes. Most routes are so, and asking
// allocates nothing, where escaping and unescaping the braces copied the
// route twice for every request built. Each piece between braces is
// asked of url.URL itself (escaping is byte by byte), except "*", which
// EscapedPath keeps as it is only when it is the whole path.
func escapesAsIs(route string) bool {
	start := 0
	for i := 0; i <= len(route); i++ {
		if i < len(route) && route[i] != '{' && route[i] != '}' {
			continue
		}
		piece := route[start:i]
		start = i + 1
		if u := (url.URL{Path: piece}); piece == "*" || u.EscapedPath() != piece {
			return false
		}
	}
	return true
}

// placeholderBraces unescapes a route's braces; built once (a Replacer is
// costly to build, once per request was 4% of a scan's CPU, and safe to
// share).
var placeholderBraces = strings.NewReplacer("%7B", "{", "%7D", "}")

// fillPath puts v in route's path parameter name: every {name}, and every
// Express-style :name segment (/api/notes/:id, /notes/:id.json), which
// descriptions written from Express routes carry and the scan names as
// parameters too. A :name segment is matched whole, so :id never fills
// part of :idx.
func fillPath(route, name, v string) string {
	route = strings.ReplaceAll(route, "{"+name+"}", v)
	if !strings.Contains(route, ":"+name) {
		return route
	}
	segs := strings.Split(route, "/")
	for i, s := range segs {
		if rest, ok := strings.CutPrefix(s, ":"+name); ok && (rest == "" || rest[0] == '.') {
			segs[i] = v + rest
		}
	}
	return strings.Join(segs, "/")
}

// Send sends the operation with values as id, or returns the answer an
// earlier rule already got for the same request. A cached answer comes
// with the request built for this call, the same one as the first
// sender's (cacheKey), so a rule that changes its answer's request
// changes no one else's. The hits of one cached answer share what is
// judged of it (Refusal, HasContent), so it is judged once however many
// rules ask; the first sender's answer keeps its own judgement: the
// harvest judges tens of thousands of answers that wait in the cache,
// and none of that need be kept for them (see remember).
func (t *Target) Send(ctx context.Context, id *Identity, values map[string]string) *Response {
	req := t.Request(id, values)
	key := cacheKey(req)
	t.sent = true
	t.s.mu.Lock()
	if c, ok := t.s.cache[key]; ok {
		t.s.mu.Unlock()
		r := c.with(req)
		c.shareJudgement(r)
		t.count(r)
		return r
	}
	t.s.mu.Unlock()
	r := t.s.do(ctx, req)
	t.count(r)
	if r.Err == nil {
		t.s.remember(t.Op, key, r)
	}
	return r
}

// maxCacheBytes bounds the response bodies the per-scan cache holds at
// once. Answers beyond it are not cached (a rule asking again re-sends),
// so peak memory does not grow with the API's size times its bodies.
// Only bodies count: counting whole answers evicted answers rules ask for
// again (145,048 -> 256,459 requests at 20,000 operations). What an answer
// holds besides its body is kept small instead (see remember).
const maxCacheBytes = 16 << 20

// remember caches r under key for op, within maxCacheBytes.
//
// The cache holds tens of thousands of small answers at once (the
// harvest's lists wait there for their operations' turn: 30,000 at
// 20,000 operations), and an answer as the client returns it is several
// times its body: the request with its URL and header map, the header map
// the HTTP reader filled, the read buffer's spare room (up to 512 bytes
// for a 100-byte body): 1,400 bytes for a list of two records. The cached copy keeps what a rule reads from an
// answer and nothing more: the body cut to its length, the headers shared
// with every cached answer that has the same ones (see answerShare), and
// a request reduced to its method and identity (Send gives each hit the
// request it built). r itself gets the same body and headers, so the
// caller's answer and the cached one share them. Cached answers and their
// headers are read-only, as they always were (every hit shares them).
func (s *scan) remember(op *openapi.Operation, key string, r *Response) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.cache[key]; dup || s.cacheBytes+len(r.Body) > maxCacheBytes {
		return
	}
	if s.cacheKeys == nil {
		s.cacheKeys = map[string][]string{}
	}
	r.Body = exactBody(r.Body)
	r.Header = s.shared.header(r.Header)
	c := r.with(s.shared.request(r.Request))
	s.cache[key] = c
	s.cacheBytes += len(c.Body)
	s.shared.high = max(s.shared.high, len(s.cache))
	k := op.Method + " " + op.Path
	s.cacheKeys[k] = append(s.cacheKeys[k], key)
}

// forget drops op's cached answers once every rule has checked it: only
// the API rules' few probes ask for them again.
func (s *scan) forget(op *openapi.Operation) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := op.Method + " " + op.Path
	for _, key := range s.cacheKeys[k] {
		s.cacheBytes -= len(s.cache[key].Body)
		delete(s.cache, key)
	}
	delete(s.cacheKeys, k)
	s.shrinkCache()
}

// with returns the answer r as the answer to req: the same status,
// headers, body and error, another request.
func (r *Response) with(req *Request) *Response {
	return &Response{Request: req, Status: r.Status, Header: r.Header, Body: r.Body, Truncated: r.Truncated, Err: r.Err}
}

// minCacheRebuild is the size below which the cache's maps are never
// rebuilt: small maps cost little, and the scan's own working set (the
// answers of the operations in flight) stays under it.
const minCacheRebuild = 1024

// shrinkCache rebuilds the cache's maps once three quarters of the
// entries they grew to are gone (under s.mu). A Go map never gives back
// its room: after the harvest's answers were forgotten, the empty cache
// still held 6 MB at 20,000 operations until the end of the scan. Each
// rebuild copies at most a quarter of the entries the map held, so it
// costs a constant per entry remembered.
func (s *scan) shrinkCache() {
	if s.shared.high < minCacheRebuild || len(s.cache) > s.shared.high/4 {
		return
	}
	cache := make(map[string]*Response, len(s.cache))
	maps.Copy(cache, s.cache)
	keys := make(map[string][]string, len(s.cacheKeys))
	maps.Copy(keys, s.cacheKeys)
	s.cache, s.cacheKeys = cache, keys
	s.shared.high = len(cache)
	// What only forgotten answers shared goes with them; the answers
	// still cached keep theirs.
	s.shared.headers, s.shared.requests = nil, nil
}

// answerShare is what cached answers share (under scan.mu, see remember).
type answerShare struct {
	// headers holds one header map per distinct set of answer headers
	// (Content-Type, Date, Content-Length ...), by headerKey: a
	// synthetic 20,000-operation API's 30,000 cached answers had a few
	// hundred distinct ones, and a map of three headers is 450 bytes.
	headers map[string]http.Header
	// requests holds the stand-in request of cached answers, per method
	// and identity (see request).
	requests map[cachedRequest]*Request
	// high is the most entries the cache held since its maps were last
	// built (see shrinkCache).
	high int
	// scratch is headerKey's buffer, reused.
	scratch []byte
}

// maxShared bounds each table of answerShare: an API that sends a header
// of its own in every answer (a request id) has as many distinct header
// sets as answers, and rules that forge an identity per operation (the
// invalid-token rules) as many identities as operations; sharing gains
// nothing there, and a table holding them would keep them all alive. A
// table starts over when full; cached answers keep theirs either way.
const maxShared = 1024

// header returns a map with the same headers as h, shared with the cached
// answers that have the same ones.
func (a *answerShare) header(h http.Header) http.Header {
	if h == nil {
		return nil
	}
	a.scratch = headerKey(a.scratch[:0], h)
	if shared, ok := a.headers[string(a.scratch)]; ok {
		return shared
	}
	if a.headers == nil || len(a.headers) >= maxShared {
		a.headers = map[string]http.Header{}
	}
	a.headers[string(a.scratch)] = h
	return h
}

// headerKey appends to b an encoding of h that two header maps share only
// when they hold the same names with the same values in the same order:
// names sorted, every name and value preceded by its length.
func headerKey(b []byte, h http.Header) []byte {
	names := make([]string, 0, 16)
	for k := range h {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		b = binary.AppendUvarint(b, uint64(len(k)))
		b = append(b, k...)
		b = binary.AppendUvarint(b, uint64(len(h[k])))
		for _, v := range h[k] {
			b = binary.AppendUvarint(b, uint64(len(v)))
			b = append(b, v...)
		}
	}
	return b
}

// spareBodyRoom is the room past a body's end that exactBody leaves.
const spareBodyRoom = 32

// cachedRequest identifies the stand-in request of a cached answer.
type cachedRequest struct {
	method string
	id     *Identity
}

// request returns the stand-in for req in the cache: its method and
// identity, which is all a reader of the cache asks of it (discovery's
// noteLinks reads the method); a hit gets its own request (see Send).
func (a *answerShare) request(req *Request) *Request {
	k := cachedRequest{req.Method, req.Identity}
	if r, ok := a.requests[k]; ok {
		return r
	}
	if a.requests == nil || len(a.requests) >= maxShared {
		a.requests = map[cachedRequest]*Request{}
	}
	r := &Request{Method: req.Method, Identity: req.Identity}
	a.requests[k] = r
	return r
}

// exactBody returns b in a slice of about its own length: a body read
// without a Content-Length grows by doubling from 512 bytes, so a 100-byte
// answer can hold 512. A few bytes of room are not worth a copy.
func exactBody(b []byte) []byte {
	if cap(b)-len(b) <= spareBodyRoom {
		return b
	}
	if len(b) == 0 {
		return []byte{} // b[:0:0] would still hold the buffer
	}
	return bytes.Clone(b)
}

func (t *Target) count(r *Response) {
	t.s.noteSent(t.Op, usable(r))
	if errors.Is(r.Err, errExcluded) {
		return // not sent: neither an answer nor a failure
	}
	if usable(r) {
		t.answered++
		if r.Status >= 300 && r.Status < 400 {
			t.redirected++
			if t.location == "" {
				t.location = r.Header.Get("Location")
			}
		}
	} else {
		t.unanswered++
	}
}

// Judged records that the rule judged the operation without sending
// anything (from the API description alone): it counts as tested in the
// coverage, as a sent request does.
func (t *Target) Judged() { t.judged = true }

// Untested records that what the rule sent for this operation tested
// nothing (the operation is not protected; its candidates were nobody's
// objects): the coverage must not count the requests as a test. What it
// judged (Judged) still counts.
func (t *Target) Untested() { t.sent = false }

// Do sends a request the rule built itself (from Request, with extra
// headers such as Origin), bypassing the cache. It still goes through the
// scan's one client: scope guard, limiter, budget.
func (t *Target) Do(ctx context.Context, req *Request) *Response {
	t.sent = true
	r := t.s.do(ctx, req)
	t.count(r)
	return r
}

// Resend sends the same request again, bypassing the cache: every positive
// is confirmed by a fresh answer before it is reported.
func (t *Target) Resend(ctx context.Context, r *Response) *Response {
	t.sent = true
	again := t.s.do(ctx, r.Request)
	t.count(again)
	return again
}

func cacheKey(r *Request) string {
	name := "anonymous"
	if !r.Identity.IsAnonymous() {
		name = r.Identity.Name
	}
	u := r.URL.String()
	// Written piece by piece into one buffer of the right size, the
	// header names sorted on the stack: a key is built for every lookup.
	size := len(name) + len(r.Method) + len(u) + 2
	keys := make([]string, 0, 8)
	for k, vs := range r.Header {
		keys = append(keys, k)
		size += len(k) + 3 + len(vs)
		for _, v := range vs {
			size += len(v)
		}
	}
	slices.Sort(keys)
	var b strings.Builder
	b.Grow(size)
	b.WriteString(name)
	b.WriteByte(' ')
	b.WriteString(r.Method)
	b.WriteByte(' ')
	b.WriteString(u)
	for _, k := range keys {
		b.WriteByte('\n')
		b.WriteString(k)
		b.WriteString(": ")
		for i, v := range r.Header[k] {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(v)
		}
	}
	return b.String()
}

// Success reports whether r is a real answer with data: 2xx, not a
// refusal, not the server's catch-all for missing paths, not empty.
func (t *Target) Success(r *Response) bool {
	if Refusal(r) != "" {
		return false
	}
	if t.s.soft404Answer(r.Request.Identity, r) {
		return false
	}
	return r.HasContent() // judged once per answer (see answerMemo)
}

// soft404Answer reports whether r, id's answer, is what the server
// answered id for a path it does not have (see calibrate).
func (s *scan) soft404Answer(id *Identity, r *Response) bool {
	fp, ok := s.soft404[identityName(id)]
	return ok && fp.Matches(r)
}

// AuthScheme names how the operation authenticates, for fingerprints: the
// declared scheme's kind, else the primary identity's, else "none".
func (t *Target) AuthScheme() string {
	if doc := t.s.doc; doc != nil && len(t.Op.Schemes) > 0 {
		if sc, ok := doc.SecuritySchemes[t.Op.Schemes[0]]; ok {
			switch {
			case sc.Type == "http":
				return strings.ToLower(sc.Scheme)
			case sc.Type == "apiKey":
				return "apikey:" + sc.In + ":" + strings.ToLower(sc.Name)
			default:
				return strings.ToLower(sc.Type)
			}
		}
	}
	if t.Primary != nil {
		return t.Primary.Scheme()
	}
	return "none"
}

// NewFinding fills a finding of rule for this operation from the catalog,
// the decision's summary and the exchanges behind it (redacted and
// truncated), with a curl command per exchange.
func (t *Target) NewFinding(rule string, conf finding.Confidence, summary string, rs ...*Response) finding.Finding {
	info, _ := finding.Lookup(rule)
	f := finding.Finding{
		Rule:        rule,
		Title:       info.Title,
		Severity:    info.Severity,
		Confidence:  conf,
		CWE:         info.CWE,
		OWASP:       info.OWASP,
		Method:      t.Op.Method,
		Path:        t.Op.Path,
		Fingerprint: finding.Fingerprint(rule, t.Op.Method, t.Op.Path, t.AuthScheme()),
		Evidence:    finding.Evidence{Summary: t.s.redactor.Redact(summary), Exchanges: []finding.Exchange{}},
		Reproduce:   []string{},
		Remediation: info.Remediation,
	}
	for _, r := range rs {
		f.Evidence.Exchanges = append(f.Evidence.Exchanges, t.s.exchange(r))
		f.Reproduce = append(f.Reproduce, t.s.curl(r.Request))
	}
	return f
}

// maxEvidenceBody bounds the response body kept as evidence, so reports
// stay readable and small.
const maxEvidenceBody = 2048

// evidenceHeaders are the response headers worth showing.
var evidenceHeaders = []string{"Content-Type", "Location", "Www-Authenticate", "Set-Cookie", "Access-Control-Allow-Origin", "Access-Control-Allow-Credentials"}

func (s *scan) exchange(r *Response) finding.Exchange {
	req := r.Request
	ex := finding.Exchange{
		Identity:       identityName(req.Identity),
		Method:         req.Method,
		URL:            s.redactor.Redact(req.URL.String()),
		RequestHeaders: map[string]string{},
		Status:         r.Status,
	}
	for k, vs := range req.Header {
		ex.RequestHeaders[k] = s.redactor.Redact(strings.Join(vs, ", "))
	}
	if !req.Identity.IsAnonymous() {
		for _, h := range req.Identity.Creds() {
			ex.RequestHeaders[h.Name] = redactHeaderValue(h.Name, h.Value)
		}
	}
	if len(ex.RequestHeaders) == 0 {
		ex.RequestHeaders = nil
	}
	for _, k := range evidenceHeaders {
		vs := r.Header.Values(k)
		if len(vs) == 0 {
			continue
		}
		if ex.ResponseHeaders == nil {
			ex.ResponseHeaders = map[string]string{}
		}
		shown := make([]string, len(vs))
		for i, v := range vs {
			if k == "Set-Cookie" {
				// Each cookie separately: joined values would hide
				// the second cookie's value from the redaction.
				v = redactHeaderValue(k, v)
			}
			shown[i] = s.redactor.Redact(v)
		}
		ex.ResponseHeaders[k] = strings.Join(shown, ", ")
	}
	// Redact the whole body before cutting it, so a credential that
	// straddles the cut cannot leave its first half in the report.
	body := s.redactor.Redact(strings.ToValidUTF8(string(r.Body), "\uFFFD"))
	if len(body) > maxEvidenceBody {
		body, ex.Truncated = strings.ToValidUTF8(body[:maxEvidenceBody], ""), true
	}
	ex.Truncated = ex.Truncated || r.Truncated
	ex.ResponseBody = body
	return ex
}

func identityName(id *Identity) string {
	if id.IsAnonymous() {
		return "anonymous"
	}
	return id.Name
}

// curl writes a shell-safe curl command for the request, credentials
// replaced by a placeholder naming the identity.
func (s *scan) curl(req *Request) string {
	var b strings.Builder
	b.WriteString("curl -i")
	switch req.Method {
	case http.MethodGet:
	case http.MethodHead:
		// -X HEAD makes curl wait for a body that never comes.
		b.WriteString(" -I")
	default:
		b.WriteString(" -X " + shellQuote(req.Method))
	}
	b.WriteString(" " + shellQuote(s.redactor.Redact(req.URL.String())))
	for _, k := range slices.Sorted(maps.Keys(req.Header)) {
		b.WriteString(" -H " + shellQuote(k+": "+s.redactor.Redact(strings.Join(req.Header[k], ", "))))
	}
	if req.Body != nil {
		if req.ContentType != "" {
			b.WriteString(" -H " + shellQuote("Content-Type: "+req.ContentType))
		}
		// The body as sent, with the identities' passwords and tokens
		// hidden like everywhere else.
		shown := req.Body
		if req.shownBody != nil {
			shown = req.shownBody
		}
		body := s.redactor.Redact(strings.ToValidUTF8(string(shown), "\uFFFD"))
		if len(body) > maxEvidenceBody {
			body = strings.ToValidUTF8(body[:maxEvidenceBody], "")
		}
		b.WriteString(" --data-raw " + shellQuote(body))
	}
	if !req.Identity.IsAnonymous() {
		// The placeholder names the identity, so that two commands of
		// a cross-user finding say whose credentials to paste.
		mark := "[REDACTED:" + req.Identity.Name + "]"
		for _, h := range req.Identity.Creds() {
			v := strings.ReplaceAll(redactHeaderValue(h.Name, h.Value), redacted, mark)
			b.WriteString(" -H " + shellQuote(h.Name+": "+v))
		}
	}
	return b.String()
}

// shellQuote single-quotes s for POSIX shells.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
