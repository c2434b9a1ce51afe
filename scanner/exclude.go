package scanner

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner/openapi"
)

// errExcluded marks a request the scan refused to send: its operation is
// excluded by --exclude or skipped as state-changing. Such a request is
// neither an answer nor a failure of the target.
var errExcluded = errors.New("not sent: the operation is excluded")

// ExcludedReason is the coverage reason of an operation --exclude matched.
const ExcludedReason = "excluded by --exclude"

// Exclusion is one --exclude pattern: a method ("*" for any) and a path
// that matches route templates (/users/{id}) and concrete paths
// (/users/42), many when it ends with "*".
type Exclusion struct {
	method string
	path   *regexp.Regexp
}

// ParseExclusion compiles an --exclude pattern "METHOD /path". METHOD is an
// HTTP method or "*"; a {name} segment matches any one segment, and a
// trailing "*" any rest ("/admin/*", "/internal*"). A GET pattern also
// covers HEAD, which frameworks route to the GET handler.
func ParseExclusion(s string) (Exclusion, error) {
	parts := strings.Fields(s)
	if len(parts) != 2 {
		return Exclusion{}, fmt.Errorf(`want "METHOD /path", e.g. "GET /admin/reset" or "* /internal/*" (got %d words)`, len(parts))
	}
	method, path := strings.ToUpper(parts[0]), parts[1]
	if method != "*" && !validMethod(method) {
		return Exclusion{}, fmt.Errorf("%q is not an HTTP method or *", truncateText(parts[0], maxPatternShown))
	}
	if !strings.HasPrefix(path, "/") {
		return Exclusion{}, fmt.Errorf(`the path must start with "/" (a path on the target, not a URL)`)
	}
	if strings.ContainsAny(path, "?#") {
		return Exclusion{}, fmt.Errorf("the path must not contain a query or fragment: an exclusion names a route")
	}
	if i := strings.IndexByte(path, '*'); i >= 0 && i != len(path)-1 {
		return Exclusion{}, fmt.Errorf(`"*" may only end the path ("/admin/*")`)
	}
	rest, wild := strings.CutSuffix(path, "*")
	return Exclusion{method: method, path: routeRegexp(rest, wild)}, nil
}

// routeParam matches a {name} in a route template.
var routeParam = regexp.MustCompile(`\{[^/{}]*\}`)

// routeRegexp matches route, a path whose {name}s stand for any text
// within a segment, as a template or a concrete path; with wild, any rest
// may follow. /users and /users/ are one route.
func routeRegexp(route string, wild bool) *regexp.Regexp {
	if !wild && route != "/" {
		route = strings.TrimRight(route, "/") // /reset/ is /reset
	}
	var b strings.Builder
	b.WriteString("^")
	last := 0
	for _, m := range routeParam.FindAllStringIndex(route, -1) {
		b.WriteString(regexp.QuoteMeta(route[last:m[0]]))
		b.WriteString("[^/]+")
		last = m[1]
	}
	b.WriteString(regexp.QuoteMeta(route[last:]))
	switch {
	case wild:
		b.WriteString(".*")
	case route != "/":
		b.WriteString("/?")
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// maxPatternShown bounds how much of a bad pattern an error quotes.
const maxPatternShown = 40

// validMethod reports whether m is an HTTP method token (upper case).
func validMethod(m string) bool {
	for _, c := range m {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return m != ""
}

// matches reports whether the pattern covers method on any of paths.
func (e Exclusion) matches(method string, paths ...string) bool {
	if e.method != "*" && e.method != method && (e.method != http.MethodGet || method != http.MethodHead) {
		return false
	}
	for _, p := range paths {
		if e.path.MatchString(p) {
			return true
		}
	}
	return false
}

// safety is what a scan must not send: the --exclude patterns and the
// operations it skipped (excluded, or state-changing GETs), checked again
// on every request so that no rule, flow or fallback sends them.
type safety struct {
	exclusions []Exclusion
	// skipped are the operations left out, with the reason, in the
	// order of the scan's operations.
	skipped []finding.SkippedOperation
	// never matches the skipped operations' routes.
	never []Exclusion
	// safe holds safeOperation of each scanned operation by "METHOD
	// /path", judged once: rules ask for every operation many times.
	safe map[string]bool
}

// newSafety compiles opts.Exclude. A pattern that covers an identity's
// login or a configured flow is an error: the scan could not do what the
// config asks without sending it.
func newSafety(opts Options) (safety, error) {
	var sf safety
	for _, p := range opts.Exclude {
		e, err := ParseExclusion(p)
		if err != nil {
			return safety{}, fmt.Errorf("%w: --exclude %q: %v", ErrNoOperations, truncateText(p, maxPatternShown), err)
		}
		sf.exclusions = append(sf.exclusions, e)
	}
	if len(sf.exclusions) == 0 {
		return sf, nil
	}
	check := func(what, method, path string) error {
		path, _, _ = strings.Cut(path, "?")
		if sf.excluded(strings.ToUpper(method), path) {
			return fmt.Errorf("%w: --exclude covers %s (%s %s), which the scan must send; narrow the pattern", ErrNoOperations, what, strings.ToUpper(method), path)
		}
		return nil
	}
	for _, id := range append([]*Identity{opts.Primary, opts.Peer, opts.Admin}, opts.Identities...) {
		if id != nil && id.Login != nil {
			if err := check("identity "+id.Name+"'s login", id.Login.Method, id.Login.Path); err != nil {
				return safety{}, err
			}
		}
	}
	for _, f := range []struct{ name, value string }{
		{FlowCheck, opts.Flows.Check}, {FlowLogout, opts.Flows.Logout},
		{FlowRegister, opts.Flows.Register}, {FlowRecovery, opts.Flows.Recovery},
	} {
		if method, path, ok := strings.Cut(strings.TrimSpace(f.value), " "); ok {
			if err := check("flow "+f.name, method, strings.TrimSpace(path)); err != nil {
				return safety{}, err
			}
		}
	}
	return sf, nil
}

func (sf *safety) excluded(method string, paths ...string) bool {
	for _, e := range sf.exclusions {
		if e.matches(method, paths...) {
			return true
		}
	}
	return false
}

// screen leaves out of ops what the scan must never send: what --exclude
// matches, in any mode, and GET routes whose names say they change state
// (GET /createdb, GET /orders/{id}/cancel). Those are skipped in active
// mode too: active mode changes only what the scan created, and a GET
// route that acts changes data that existed before. Only routes that end
// the caller's own session (GET /logout) stay in active mode, for the
// logout rule, which sends them with a throw-away session; every other
// rule leaves them alone (Target.Safe).
func (s *scan) screen(ops []openapi.Operation) []openapi.Operation {
	kept := ops[:0:0]
	s.safety.safe = map[string]bool{}
	for i := range ops {
		op := &ops[i]
		s.safety.safe[op.Method+" "+op.Path] = safeOperation(op)
		reason := ""
		if s.safety.excluded(op.Method, op.Path, s.docBase()+op.Path) {
			reason = ExcludedReason
		} else if where, hit, ok := stateChangingGET(op); ok {
			switch {
			case s.opts.Mode != finding.ModeActive:
				reason = fmt.Sprintf("state-changing %s in safe mode (%s says '%s')", op.Method, where, hit.word)
			case !sessionVerbs[hit.verb]:
				reason = fmt.Sprintf("state-changing %s (%s says '%s'): active mode changes only what the scan created", op.Method, where, hit.word)
			}
		}
		if reason == "" {
			kept = append(kept, *op)
			continue
		}
		s.safety.skipped = append(s.safety.skipped, finding.SkippedOperation{Method: op.Method, Path: op.Path, Reason: reason})
	}
	// Requests to a skipped route are refused too, unless its template
	// also covers a route that is scanned (a skipped GET /{slug} whose
	// summary says "Deletes" must not block GET /users).
	for _, sk := range s.safety.skipped {
		never := Exclusion{method: sk.Method, path: routeRegexp(sk.Path, false)}
		if !slices.ContainsFunc(kept, func(op openapi.Operation) bool { return never.matches(op.Method, op.Path) }) {
			s.safety.never = append(s.safety.never, never)
		}
	}
	return kept
}

// stateChangingGET reports whether op is a GET, HEAD or OPTIONS whose
// names say it changes state; see stateChange.
func stateChangingGET(op *openapi.Operation) (string, stateHit, bool) {
	switch op.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return stateChange(op)
	}
	return "", stateHit{}, false
}

// refuse returns the answer to a request the scan must not send, nil for
// one it may: its route is excluded or was skipped. The path is matched
// as sent and relative to the target's base (and the document's base
// path), as patterns are written either way.
func (s *scan) refuse(req *Request) *Response {
	if len(s.safety.exclusions) == 0 && len(s.safety.never) == 0 {
		return nil
	}
	full := req.URL.Path
	paths := []string{full}
	for _, prefix := range []string{s.base.Path + s.docBase(), s.base.Path} {
		if rel, ok := strings.CutPrefix(full, prefix); ok && prefix != "" && strings.HasPrefix(rel, "/") {
			paths = append(paths, rel)
		}
	}
	method := strings.ToUpper(req.Method)
	if s.safety.excluded(method, paths...) {
		return &Response{Request: req, Err: errExcluded}
	}
	for _, e := range s.safety.never {
		if e.matches(method, paths...) {
			return &Response{Request: req, Err: errExcluded}
		}
	}
	return nil
}
