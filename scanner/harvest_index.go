package scanner

import (
	"slices"
	"strings"

	"github.com/authgate/authgate/scanner/openapi"
)

// ownedIndex files s.owned by what fitsOwned looks at, so that the rules'
// per-operation questions (Claims, Owned, Belongs, OwnValues) read the
// few facts that can fit an operation's parameter instead of every id
// the harvest learned: the harvest keeps a few ids per list, so s.owned
// grows with the API, and reading all of it for every operation made a
// scan's CPU grow with the square of the API's size (issue 13).
//
// The index only narrows the search: every lookup returns a superset of
// the facts that fit, in s.owned's order, and the callers still test each
// one exactly as before, so answers are unchanged.
type ownedIndex struct {
	n int // len(s.owned) when the index was built; it is stale otherwise
	// byPath holds the facts that fit only operations under a path: the
	// ids a list showed (kindSeen under the key "id", filed under the
	// list's path) and the objects a list names an owner of (kindListed).
	byPath map[string][]int
	// byKey holds the other ids a list showed, filed under their key:
	// they fit a parameter of the same name anywhere.
	byKey map[string][]int
	// byValue holds every fact that is not a self fact, by value.
	byValue map[string][]int
	// few are the facts whose number does not grow with the API: self
	// facts, owns: values, objects a login answer or token hands an
	// identity, and ids read from answers that describe the caller.
	few []int
	// fewOwned is few's facts themselves.
	fewOwned []owned
}

// indexOwned files s.owned once it is complete (at the end of the
// harvest, before the rules run on the worker pool); lookups made while
// the index is stale read all of s.owned, as before.
func (s *scan) indexOwned() {
	x := ownedIndex{n: len(s.owned), byPath: map[string][]int{}, byKey: map[string][]int{}, byValue: map[string][]int{}}
	for i, o := range s.owned {
		if !o.self() {
			x.byValue[o.value] = append(x.byValue[o.value], i)
		}
		switch {
		case o.kind == kindListed:
			p := strings.TrimSuffix(o.path, "/")
			x.byPath[p] = append(x.byPath[p], i)
		case o.kind == kindSeen && o.key == "id":
			x.byPath[o.path] = append(x.byPath[o.path], i)
			if selfPaths.MatchString(o.path) {
				x.few = append(x.few, i)
			}
		case o.kind == kindSeen:
			x.byKey[o.key] = append(x.byKey[o.key], i)
		default:
			x.few = append(x.few, i)
		}
	}
	for _, i := range x.few {
		x.fewOwned = append(x.fewOwned, s.owned[i])
	}
	s.ownedIdx = x
}

// ownedFor returns, in s.owned's order, the facts that may fit parameter p
// of the operation (a superset of those fitsOwned accepts, and every fact
// whose number does not grow with the API).
func (t *Target) ownedFor(p openapi.Param) []owned {
	x := &t.s.ownedIdx
	if x.n != len(t.s.owned) {
		return t.s.owned
	}
	idx := slices.Clone(x.few)
	idx = append(idx, x.byKey[normKey(p.Name)]...)
	path := t.Op.Path
	for i := range len(path) {
		if path[i] == '/' {
			idx = append(idx, x.byPath[path[:i]]...)
		}
	}
	return x.pick(t.s.owned, idx)
}

// ownedValued returns, in s.owned's order, the facts that are not self
// facts and whose value is value.
func (t *Target) ownedValued(value string) []owned {
	x := &t.s.ownedIdx
	if x.n != len(t.s.owned) {
		return t.s.owned
	}
	return x.pick(t.s.owned, slices.Clone(x.byValue[value]))
}

// ownedFew returns the facts whose number does not grow with the API
// (self facts, owns:, held objects): all that Carries, Who and OwnerField
// read.
func (t *Target) ownedFew() []owned {
	if t.s.ownedIdx.n != len(t.s.owned) {
		return t.s.owned
	}
	return t.s.ownedIdx.fewOwned
}

// pick returns the facts at the indexes idx, in order and each once; it
// sorts idx in place.
func (x *ownedIndex) pick(all []owned, idx []int) []owned {
	if len(idx) == 0 {
		return nil
	}
	slices.Sort(idx)
	idx = slices.Compact(idx)
	out := make([]owned, len(idx))
	for i, j := range idx {
		out[i] = all[j]
	}
	return out
}
