package scanner

import (
	"context"
	"regexp"
	"slices"
	"strings"

	"github.com/authgate/authgate/scanner/openapi"
)

// owned is an object id that the primary identity sees and the peer does
// not: evidence that the object belongs to the primary.
type owned struct {
	path  string // the operation whose answer held it, e.g. /api/orders
	key   string // normalised key, e.g. "id", "orderid"
	value string
}

// maxOwned bounds the ids kept per key and operation: a few are enough to
// prove cross-user access, and lists can be long.
const maxOwned = 3

// harvest reads every parameterless GET operation as the primary and the
// peer, and keeps the id values only the primary sees. The answers stay in
// the cache, so rules reuse them.
func (s *scan) harvest(ctx context.Context, ops []openapi.Operation) {
	for i := range ops {
		op := &ops[i]
		if op.Method != "GET" || !safeOperation(op) || hasPathParam(op) {
			continue
		}
		t := s.target(op)
		vals := t.Values()
		a := t.Send(ctx, s.primary, vals)
		if !t.Success(a) {
			continue
		}
		b := t.Send(ctx, s.peer, vals)
		peerSees := map[string]bool{}
		if b.OK() {
			for _, kv := range idValues(b.Body) {
				peerSees[kv[1]] = true
			}
		}
		count := map[string]int{}
		for _, kv := range idValues(a.Body) {
			if peerSees[kv[1]] || count[kv[0]] >= maxOwned {
				continue
			}
			count[kv[0]]++
			s.owned = append(s.owned, owned{path: op.Path, key: kv[0], value: kv[1]})
		}
	}
}

var idKey = regexp.MustCompile(`(?i)^(id|uuid|.*_id|.*Id|.*ID|.*_uuid)$`)

// idValues returns (normalised key, value) pairs of id-like keys in a JSON
// body, in document order.
func idValues(body []byte) [][2]string {
	var out [][2]string
	EachScalar(body, true, func(k, s string) {
		if s != "" && idKey.MatchString(k) {
			out = append(out, [2]string{normKey(k), s})
		}
	})
	return out
}

// normKey folds case and separators: user_id, userId and user-id match.
func normKey(k string) string {
	return strings.NewReplacer("_", "", "-", "").Replace(strings.ToLower(k))
}

// selfPaths are collection-less operations that describe the caller.
var selfPaths = regexp.MustCompile(`(?i)/(me|self|profile|account|user|whoami|current_?user)$`)

// OwnedValues returns ids the primary identity sees and the peer does not
// that fit parameter p of this operation: ids under the same key name, the
// "id" of the collection this operation is an item of, or the caller's own
// id for user-like parameters.
func (t *Target) OwnedValues(p openapi.Param) []string {
	name := normKey(p.Name)
	var out []string
	for _, o := range t.s.owned {
		// A bare "id" says nothing about the kind of object: it fits only
		// the items of the collection it was read from.
		fits := (o.key == name && name != "id") ||
			(o.key == "id" && p.In == "path" && strings.HasPrefix(t.Op.Path, o.path+"/")) ||
			(o.key == "id" && selfPaths.MatchString(o.path) && strings.Contains(name, "user"))
		if fits && !slices.Contains(out, o.value) {
			out = append(out, o.value)
		}
	}
	return out
}
