package rules

import (
	"cmp"
	"sync"

	"github.com/authgate/authgate/scanner"
	"github.com/authgate/authgate/scanner/openapi"
)

// The engine checks operations on several workers at once, so which
// operation reaches a rule first changes from run to run. A rule that
// decides something once per scan (an API-wide finding, a bounded number
// of probes) must therefore mean "first in spec order", never "first a
// worker reached": spec order is the engine's order of operations (path,
// then method), the order in which it hands findings to its dedupe, which
// keeps the first of equally ranked duplicates.

// opKey is an operation's place in spec order.
type opKey struct{ path, method string }

func keyOf(op *openapi.Operation) opKey { return opKey{op.Path, op.Method} }

// compare orders keys as the engine orders operations.
func (k opKey) compare(o opKey) int {
	return cmp.Or(cmp.Compare(k.path, o.path), cmp.Compare(k.method, o.method))
}

// specFirst remembers, per key (an origin, a cookie name), the earliest
// operation in spec order that decided a rule, so that later operations
// skip their probes. Operations before it still probe: an operation that
// decides is always reported even when a later one got there first, and
// the engine's dedupe then keeps the earliest operation's finding.
type specFirst struct {
	mu      sync.Mutex
	decided map[string]opKey
}

// decidedBefore reports whether an operation before op in spec order
// (or op itself) already decided key.
func (s *specFirst) decidedBefore(key string, op *openapi.Operation) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.decided[key]
	return ok && d.compare(keyOf(op)) <= 0
}

// decide records that op decided key.
func (s *specFirst) decide(key string, op *openapi.Operation) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.decided == nil {
		s.decided = map[string]opKey{}
	}
	if d, ok := s.decided[key]; !ok || keyOf(op).compare(d) < 0 {
		s.decided[key] = keyOf(op)
	}
}

// amongFirst reports whether t's operation is among the first n
// operations of the API description that satisfy eligible, in spec order.
// It depends on the description alone, not on answers or timing, so a
// rule that probes a bounded number of operations picks the same ones
// every run. Operations that are not in a description (given by flags)
// are few and chosen by hand: they always count as among the first.
func amongFirst(t *scanner.Target, n int, eligible func(*openapi.Operation) bool) bool {
	doc := t.Document()
	if doc == nil {
		return true
	}
	rank := 0
	for i := range doc.Operations {
		if rank >= n {
			// Only the first n count: the rest of the description
			// need not be read (issue 13, linear cost).
			return !t.Described()
		}
		op := &doc.Operations[i]
		if op.Method == t.Op.Method && op.Path == t.Op.Path {
			return rank < n
		}
		if eligible(op) {
			rank++
		}
	}
	return true
}
