package scanner

import (
	"cmp"
	"net/http"
	"slices"
	"strings"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner/openapi"
)

// Sharding (--shard I/N) splits the operations by resource, and each
// shard's ownership harvest reads only the lists its own operations can
// use, so that N shards send about the requests of one scan and together
// report what it reports (issue 13).

// shardMembers says, for each operation, whether it belongs to shard sh =
// {index, count} (1-based); nil when the scan is not sharded.
//
// An operation's resource is its route up to the first path parameter
// (/api/orders for GET /api/orders, POST /api/orders and
// GET /api/orders/{id}/items), so a collection and the operations under
// it stay together: the harvest reads a collection's list for the items
// under it (see harvestScope), and a shard that has both reads it once.
// A resource larger than a share (⌊operations / count⌋, at least 1) is
// cut into pieces of that size, in order, so that there are at least
// count pieces and no shard is left empty while another has two. The
// pieces go to the shards largest first (spec order among equals), each
// to the shard with the fewest operations so far (the lowest index among
// equals): shards differ by at most one share. Every shard computes the
// same split from the same operations: no overlap, every operation in
// exactly one shard.
func shardMembers(ops []openapi.Operation, sh [2]int) []bool {
	idx, n := sh[0], sh[1]
	if n <= 1 {
		return nil
	}
	share := max(len(ops)/n, 1)
	var order []string
	groups := map[string][]int{}
	for i := range ops {
		r := resourceOf(ops[i].Path)
		if _, ok := groups[r]; !ok {
			order = append(order, r)
		}
		groups[r] = append(groups[r], i)
	}
	var pieces [][]int
	for _, r := range order {
		for g := groups[r]; len(g) > 0; {
			k := min(len(g), share)
			pieces = append(pieces, g[:k])
			g = g[k:]
		}
	}
	slices.SortStableFunc(pieces, func(a, b []int) int { return cmp.Compare(len(b), len(a)) })
	load := make([]int, n)
	mine := make([]bool, len(ops))
	for _, p := range pieces {
		to := 0
		for s := range load {
			if load[s] < load[to] {
				to = s
			}
		}
		load[to] += len(p)
		for _, i := range p {
			mine[i] = to == idx-1
		}
	}
	return mine
}

// resourceOf is a route up to its first path parameter ({id}, or
// Express's :id), without a trailing slash: /api/orders for
// /api/orders/{orderId}/items.
func resourceOf(path string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, "{") || strings.HasPrefix(s, ":") {
			segs = segs[:i]
			break
		}
	}
	return strings.TrimRight(strings.Join(segs, "/"), "/")
}

// harvestScope says which of the parameterless GETs among ops the harvest
// of a shard reads (mine: the shard's operations, see shardMembers); nil
// means all of them (an unsharded scan). A fact the harvest learns fits
// an operation's parameter only in these ways (see fitsOwned, ownedIndex),
// and a shard reads every list that may give one to its operations:
//
//   - its own lists;
//   - lists whose route is a collection of one of its operations with a
//     path parameter (/api/orders for /api/orders/{id}): the ids such a
//     list shows under "id", and the objects it names an owner of, fit
//     only the items under it;
//   - the caller's own records and other self-describing routes (/me,
//     /profile, /account, …; see selfPaths): who each identity is, which
//     owner fields and member lists are matched against, and the ids
//     they show, which fit any parameter named after a user;
//   - lists that may hold an id under a key its parameters are named
//     after (order_id, customerUuid, …): such ids fit a parameter of that
//     name in any resource. The description's answer schema says which
//     keys a list holds; a list without one, or with a free-form object
//     in it, may hold any key and is read.
//
// The lists are read in the order of ops, as the whole harvest reads
// them, so the facts that fit an operation are the same, in the same
// order. In active mode the shard that runs the whole-API rules reads
// every list: the write rules look at what any collection showed.
func (s *scan) harvestScope(ops []openapi.Operation, mine []bool) []bool {
	if mine == nil || (s.opts.Mode == finding.ModeActive && s.opts.Shard[0] <= 1 && len(s.opts.APIRules) > 0) {
		return nil
	}
	prefixes := map[string]bool{}
	keys := map[string]bool{}
	for i := range ops {
		if !mine[i] {
			continue
		}
		op := &ops[i]
		if hasPathParam(op) {
			for j := range len(op.Path) {
				if op.Path[j] == '/' {
					prefixes[op.Path[:j]] = true
				}
			}
		}
		for _, p := range op.Params {
			if k := normKey(p.Name); idNamed(k) {
				keys[k] = true
			}
		}
	}
	scope := make([]bool, len(ops))
	for i := range ops {
		op := &ops[i]
		if op.Method != http.MethodGet || hasPathParam(op) {
			continue
		}
		scope[i] = mine[i] || selfPaths.MatchString(op.Path) ||
			prefixes[op.Path] || prefixes[strings.TrimSuffix(op.Path, "/")] ||
			(len(keys) > 0 && mayHold(op.Answer, keys, 0))
	}
	return scope
}

// idNamed reports whether a normalised parameter name is one that ids
// the harvest reads under their own key may fit (see fitsOwned): a key
// idValues reads ends in "id" or "uuid", and a bare "id" fits only the
// items of the list it was read from.
func idNamed(k string) bool {
	return k != "id" && (strings.HasSuffix(k, "id") || strings.HasSuffix(k, "uuid"))
}

// maxSchemaDepth bounds how deep mayHold looks into an answer schema;
// deeper, it assumes any key.
const maxSchemaDepth = 8

// mayHold reports whether an answer of schema sc may hold a scalar under
// one of keys (normalised): it has a property of that name at any depth,
// or a part of it is unknown (no schema, a free-form object, a schema cut
// at a cycle).
func mayHold(sc *openapi.Schema, keys map[string]bool, depth int) bool {
	if sc == nil || sc.Truncated || depth > maxSchemaDepth {
		return true
	}
	if len(sc.Properties) == 0 && sc.Items == nil {
		switch sc.Type {
		case "string", "integer", "number", "boolean":
			return false // a scalar holds no key
		}
		return true // a free-form object or array
	}
	for name, p := range sc.Properties {
		if keys[normKey(name)] || mayHold(p, keys, depth+1) {
			return true
		}
	}
	return sc.Items != nil && mayHold(sc.Items, keys, depth+1)
}
