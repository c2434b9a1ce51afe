package scanner

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner/openapi"
	"github.com/authgate/authgate/scanner/safety"
)

// errExcluded marks a request the scan refused to send: its operation is
// excluded by --exclude or skipped as state-changing. Such a request is
// neither an answer nor a failure of the target.
var errExcluded = errors.New("not sent: the operation is excluded")

// ExcludedReason is the coverage reason of an operation --exclude matched.
const ExcludedReason = "excluded by --exclude"

// screening is what a scan must not send: the --exclude patterns and the
// operations it skipped (excluded, or state-changing GETs), checked again
// on every request so that no rule, flow or fallback sends them. Package
// safety judges the names and patterns; screening holds one scan's state.
type screening struct {
	exclusions []safety.Exclusion
	// skipped are the operations left out, with the reason, in the
	// order of the scan's operations.
	skipped []finding.SkippedOperation
	// never matches the skipped operations' routes.
	never []safety.Exclusion
	// safe holds safeOperation of each scanned operation by "METHOD
	// /path", judged once: rules ask for every operation many times.
	safe map[string]bool
}

// newSafety compiles opts.Exclude. A pattern that covers an identity's
// login or a configured flow is an error: the scan could not do what the
// config asks without sending it.
func newSafety(opts Options) (screening, error) {
	var sf screening
	for _, p := range opts.Exclude {
		e, err := safety.ParseExclusion(p)
		if err != nil {
			return screening{}, fmt.Errorf("%w: --exclude %q: %v", ErrNoOperations, safety.ShownPattern(p), err)
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
				return screening{}, err
			}
		}
	}
	for _, f := range []struct{ name, value string }{
		{FlowCheck, opts.Flows.Check}, {FlowLogout, opts.Flows.Logout},
		{FlowRegister, opts.Flows.Register}, {FlowRecovery, opts.Flows.Recovery},
	} {
		if method, path, ok := strings.Cut(strings.TrimSpace(f.value), " "); ok {
			if err := check("flow "+f.name, method, strings.TrimSpace(path)); err != nil {
				return screening{}, err
			}
		}
	}
	return sf, nil
}

// excluded reports whether an --exclude pattern covers method on any of
// paths.
func (sf *screening) excluded(method string, paths ...string) bool {
	return matchesAny(sf.exclusions, method, paths...)
}

// matchesAny reports whether any of es covers method on any of paths.
func matchesAny(es []safety.Exclusion, method string, paths ...string) bool {
	return slices.ContainsFunc(es, func(e safety.Exclusion) bool { return e.Matches(method, paths...) })
}

// screen leaves out of ops what the scan must never send: what --exclude
// matches, in any mode, and GET routes whose names say they change state
// (GET /createdb, GET /orders/{id}/cancel). Those are skipped in active
// mode too: active mode changes only what the scan created, and a GET
// route that acts changes data that existed before. Only routes that end
// the caller's own session (GET /logout) stay in active mode, for the
// logout rule, which sends them with a throw-away session; every other
// rule leaves them alone (Target.Safe). It filters ops in place: the
// kept operations come first in ops' array, in their order.
func (s *scan) screen(ops []openapi.Operation) []openapi.Operation {
	// Filtered in place: ops is operations()'s own copy, and the kept
	// operation i goes to an index <= i, read already (a second array was
	// ~6 MB live for a whole 20,000-operation scan).
	kept := ops[:0]
	s.safety.safe = map[string]bool{}
	for i := range ops {
		op := &ops[i]
		// Judged once: safety.Safe is a read method whose names say no
		// change (safety.StateChangingGET).
		where, hit, changes := safety.StateChangingGET(safetyOperation(op))
		s.safety.safe[op.Method+" "+op.Path] = safety.ReadMethod(op.Method) && !changes
		reason := ""
		if s.safety.excluded(op.Method, op.Path, s.docBase()+op.Path) {
			reason = ExcludedReason
		} else if changes {
			switch {
			case s.opts.Mode != finding.ModeActive:
				reason = fmt.Sprintf("state-changing %s in safe mode (%s says '%s')", op.Method, where, hit.Word)
			case !hit.EndsSession():
				reason = fmt.Sprintf("state-changing %s (%s says '%s'): active mode changes only what the scan created", op.Method, where, hit.Word)
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
		never := safety.ExactRoute(sk.Method, sk.Path)
		if !slices.ContainsFunc(kept, func(op openapi.Operation) bool { return never.Matches(op.Method, op.Path) }) {
			s.safety.never = append(s.safety.never, never)
		}
	}
	return kept
}

// safeOp is safeOperation(op), as screen judged it when it screened the
// operation (s.safety.safe is read-only once screen returns): the
// classifier reads the operation's prose, and several steps ask.
func (s *scan) safeOp(op *openapi.Operation) bool {
	if safe, ok := s.safety.safe[op.Method+" "+op.Path]; ok {
		return safe
	}
	return safeOperation(op)
}

// safeOperation reports whether op may be sent with valid credentials in
// safe mode; see safety.Safe.
func safeOperation(op *openapi.Operation) bool {
	return safety.Safe(safetyOperation(op))
}

// safetyOperation is what package safety reads of op.
func safetyOperation(op *openapi.Operation) safety.Operation {
	return safety.Operation{Method: op.Method, Path: op.Path, OperationID: op.OperationID, Summary: op.Summary, Description: op.Description}
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
	if s.safety.excluded(method, paths...) || matchesAny(s.safety.never, method, paths...) {
		return &Response{Request: req, Err: errExcluded}
	}
	return nil
}
