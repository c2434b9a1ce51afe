package scanner

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner/openapi"
)

// shardOps builds GET operations from routes; "{x}" and ":x" segments are
// path parameters, "?x" a required query parameter.
func shardOps(routes ...string) []openapi.Operation {
	var ops []openapi.Operation
	for _, r := range routes {
		path, query, _ := strings.Cut(r, "?")
		op := openapi.Operation{Method: "GET", Path: path}
		for _, seg := range strings.Split(path, "/") {
			if name, ok := strings.CutPrefix(seg, ":"); ok {
				op.Params = append(op.Params, openapi.Param{Name: name, In: "path", Required: true})
			} else if strings.HasPrefix(seg, "{") {
				op.Params = append(op.Params, openapi.Param{Name: strings.Trim(seg, "{}"), In: "path", Required: true})
			}
		}
		if query != "" {
			op.Params = append(op.Params, openapi.Param{Name: query, In: "query", Required: true})
		}
		ops = append(ops, op)
	}
	return ops
}

// TestShardMembers: every operation is in exactly one shard, a collection
// and the operations under it in the same one, the shards are balanced,
// and the split depends only on the operations.
func TestShardMembers(t *testing.T) {
	var routes []string
	for r := range 25 {
		routes = append(routes, fmt.Sprintf("/r%d/items", r), fmt.Sprintf("/r%d/items/{id}", r), fmt.Sprintf("/r%d/public", r), fmt.Sprintf("/r%d/search?q", r))
	}
	routes = append(routes, "/api/orders", "/api/orders/{orderId}", "/api/orders/{orderId}/lines", "/api/orders/:orderId/lines/{line}", "/me")
	ops := shardOps(routes...)
	if shardMembers(ops, [2]int{0, 0}) != nil || shardMembers(ops, [2]int{1, 1}) != nil {
		t.Fatal("an unsharded scan has no members list")
	}
	for _, n := range []int{2, 3, 4, 7} {
		owner := make([]int, len(ops))
		size := make([]int, n)
		for i := 1; i <= n; i++ {
			mine := shardMembers(ops, [2]int{i, n})
			if again := shardMembers(ops, [2]int{i, n}); !slices.Equal(mine, again) {
				t.Fatalf("shard %d/%d: two splits differ", i, n)
			}
			for k, m := range mine {
				if m {
					if owner[k] != 0 {
						t.Errorf("%d shards: %s in shards %d and %d", n, ops[k].Path, owner[k], i)
					}
					owner[k] = i
					size[i-1]++
				}
			}
		}
		byResource := map[string]int{}
		for k := range ops {
			if owner[k] == 0 {
				t.Errorf("%d shards: %s in no shard", n, ops[k].Path)
			}
			r := resourceOf(ops[k].Path)
			if s, ok := byResource[r]; ok && s != owner[k] {
				t.Errorf("%d shards: %s in shard %d, the rest of %s in %d", n, ops[k].Path, owner[k], r, s)
			}
			byResource[r] = owner[k]
		}
		if slices.Max(size)-slices.Min(size) > 4 {
			t.Errorf("%d shards of %d operations: sizes %v", n, len(ops), size)
		}
	}
	// A resource larger than a share (⌊7/2⌋ = 3) is cut, in order.
	big := shardOps("/a", "/a/{id}", "/a/{id}/b", "/a/{id}/c", "/a/{id}/d", "/a/{id}/e", "/x")
	first, second := shardMembers(big, [2]int{1, 2}), shardMembers(big, [2]int{2, 2})
	if got := fmt.Sprint(first, second); got != "[true true true false false false true] [false false false true true true false]" {
		t.Errorf("split of an oversized resource: %s", got)
	}
	// No shard is empty while there are as many operations as shards,
	// however few the resources.
	one := shardOps("/a", "/a/{id}", "/a/{id}/b", "/a/{id}/c", "/a/{id}/d")
	for i := 1; i <= 5; i++ {
		if !slices.Contains(shardMembers(one, [2]int{i, 5}), true) {
			t.Errorf("shard %d/5 of one resource of 5 operations is empty", i)
		}
	}
}

func TestResourceOf(t *testing.T) {
	for path, want := range map[string]string{
		"/api/orders":                    "/api/orders",
		"/api/orders/":                   "/api/orders",
		"/api/orders/{orderId}":          "/api/orders",
		"/api/orders/{orderId}/lines":    "/api/orders",
		"/api/orders/:orderId/lines/{x}": "/api/orders",
		"/{tenant}/orders":               "",
		"/me":                            "/me",
	} {
		if got := resourceOf(path); got != want {
			t.Errorf("resourceOf(%q) = %q, want %q", path, got, want)
		}
	}
}

// TestHarvestScope: a shard reads its own lists, the collections of its
// items, the caller's own records, and the lists whose answers may hold an
// id under a key one of its parameters is named after (by the answer
// schema; any list without one); nothing else.
func TestHarvestScope(t *testing.T) {
	obj := func(props ...string) *openapi.Schema {
		sc := &openapi.Schema{Type: "object", Properties: map[string]*openapi.Schema{}}
		for _, p := range props {
			sc.Properties[p] = &openapi.Schema{Type: "integer"}
		}
		return sc
	}
	ops := shardOps(
		"/orders", "/orders/{orderId}", // 0 1
		"/invoices",       // 2: answers hold order_id
		"/catalog",        // 3: answers hold sku only
		"/loose",          // 4: no answer schema
		"/me", "/account", // 5 6: the caller's own
		"/shipments/{order_id}",            // 7
		"/search?customer_uuid",            // 8
		"/customers",                       // 9: answers hold customerUuid, deep down
		"/free",                            // 10: a free-form object
		"/orders/{orderId}/lines/{lineId}", // 11
	)
	ops[2].Answer = &openapi.Schema{Type: "array", Items: obj("id", "order_id")}
	ops[3].Answer = &openapi.Schema{Type: "array", Items: obj("sku", "price")}
	ops[9].Answer = &openapi.Schema{Type: "object", Properties: map[string]*openapi.Schema{
		"data": {Type: "array", Items: obj("customerUuid")}}}
	ops[10].Answer = &openapi.Schema{Type: "object"}
	ops[0].Answer = obj("id")
	ops[5].Answer, ops[6].Answer, ops[8].Answer = obj("sku"), obj("sku"), obj("sku")
	s := &scan{opts: Options{Mode: finding.ModeSafe, Shard: [2]int{2, 3}}}
	read := func(mine ...int) []string {
		m := make([]bool, len(ops))
		for _, i := range mine {
			m[i] = true
		}
		var out []string
		for i, in := range s.harvestScope(ops, m) {
			if in {
				out = append(out, ops[i].Path)
			}
		}
		return out
	}
	for _, tt := range []struct {
		mine []int
		want string
	}{
		// The items of /orders: their collection, and the lists that may
		// hold an order id under its own key (orderid).
		{[]int{1}, "[/orders /invoices /loose /me /account /free]"},
		// Its own list: nothing of another resource fits it.
		{[]int{3}, "[/catalog /me /account]"},
		// {order_id}: the lists that may hold order_id, not /orders (a
		// bare "id" fits only the items under it).
		{[]int{7}, "[/invoices /loose /me /account /free]"},
		// ?customer_uuid: /customers holds it two levels down.
		{[]int{8}, "[/loose /me /account /search /customers /free]"},
		// {lineId} under /orders/{orderId}: /orders is its collection.
		{[]int{11}, "[/orders /invoices /loose /me /account /free]"},
	} {
		if got := fmt.Sprint(read(tt.mine...)); got != tt.want {
			t.Errorf("shard of %v reads %s, want %s", tt.mine, got, tt.want)
		}
	}
	if s.harvestScope(ops, nil) != nil {
		t.Error("an unsharded scan reads every list")
	}
	// In active mode, the shard that runs the whole-API rules reads all.
	s.opts = Options{Mode: finding.ModeActive, Shard: [2]int{1, 3}, APIRules: []APIRule{nil}}
	if s.harvestScope(ops, make([]bool, len(ops))) != nil {
		t.Error("active mode's first shard must read every list")
	}
	s.opts.Shard = [2]int{2, 3}
	if s.harvestScope(ops, make([]bool, len(ops))) == nil {
		t.Error("active mode's other shards read only what they need")
	}
}
