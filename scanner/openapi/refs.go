package openapi

import (
	"cmp"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/pb33f/go-yaml"
)

// maxRefHops bounds a chain of $refs (a $ref to a $ref to ...); chains in
// real documents are one or two long, and a cycle of pure $refs would
// otherwise never end.
const maxRefHops = 16

// indexedMapping is the size (in keys) from which a mapping gets a hash
// index on first lookup through a $ref: components sections can hold
// thousands of entries, and scanning them for every $ref is quadratic.
const indexedMapping = 16

// resolver resolves local references ("#/a/b~1c/0") in one document.
type resolver struct {
	root  *yaml.Node // the document's top-level mapping
	refs  map[string]*yaml.Node
	index map[*yaml.Node]map[string]*yaml.Node

	// lazyPaths is set when the tree's paths object is an empty stand-in
	// whose path items are read one batch at a time (parseJSONByPaths);
	// lazyFound are the broken $refs of those path items, in the order
	// findBroken would have met them.
	lazyPaths *yaml.Node
	lazyFound []broken
	// outsideTree is set when a $ref was resolved to the root or into
	// lazyPaths, whose content the tree does not hold: the document must
	// then be read whole.
	outsideTree bool
}

func newResolver(root *yaml.Node) *resolver {
	return &resolver{
		root:  root,
		refs:  map[string]*yaml.Node{},
		index: map[*yaml.Node]map[string]*yaml.Node{},
	}
}

// resolve returns the node a local reference points at, or nil for
// external, anchor-style ("#foo") or dangling references.
func (r *resolver) resolve(ref string) *yaml.Node {
	if n, ok := r.refs[ref]; ok {
		return n
	}
	n := r.find(ref)
	r.refs[ref] = n
	return n
}

func (r *resolver) find(ref string) *yaml.Node {
	frag, ok := strings.CutPrefix(ref, "#")
	if !ok {
		return nil
	}
	if u, err := url.PathUnescape(frag); err == nil {
		frag = u
	}
	if frag == "" {
		r.outsideTree = r.outsideTree || r.lazyPaths != nil
		return r.root
	}
	if frag[0] != '/' {
		return nil
	}
	n := r.root
	for _, tok := range strings.Split(frag[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch n = deref(n); n.Kind {
		case yaml.MappingNode:
			n = r.member(n, tok)
		case yaml.SequenceNode:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(n.Content) {
				return nil
			}
			n = n.Content[i]
		default:
			return nil
		}
		if n == nil {
			return nil
		}
		if n == r.lazyPaths {
			r.outsideTree = true
		}
	}
	return deref(n)
}

// member looks key up in mapping m, through a hash index for large ones.
func (r *resolver) member(m *yaml.Node, key string) *yaml.Node {
	if len(m.Content) < 2*indexedMapping {
		return value(m, key)
	}
	idx, ok := r.index[m]
	if !ok {
		idx = make(map[string]*yaml.Node, len(m.Content)/2)
		for i := len(m.Content) - 2; i >= 0; i -= 2 { // the first of duplicates wins, as in lookup
			idx[m.Content[i].Value] = m.Content[i+1]
		}
		r.index[m] = idx
	}
	return idx[key]
}

// follow resolves a chain of local $refs, or returns nil when one does
// not resolve.
func (r *resolver) follow(n *yaml.Node) *yaml.Node {
	for range maxRefHops {
		n = deref(n)
		ref, ok := refOf(n)
		if !ok {
			return n
		}
		n = r.resolve(ref)
	}
	return nil
}

// refOf returns the value of a mapping's "$ref" key.
func refOf(m *yaml.Node) (string, bool) {
	v := deref(value(m, "$ref"))
	if v == nil || v.Kind != yaml.ScalarNode {
		return "", false
	}
	return v.Value, true
}

// maxWarnings bounds Document.Warnings: a document with thousands of
// broken references needs fixing, not thousands of lines of output.
const maxWarnings = 20

// brokenRefs lists the local $refs that do not resolve, circular chains
// of pure $refs, and the external references, which are never followed.
// Extensions (x-...) are skipped: their content is free-form.
func brokenRefs(r *resolver) []string {
	return reportBroken(findBroken(r, r.root, nil))
}

// broken is a $ref brokenRefs reports.
type broken struct {
	line int
	msg  string
}

// findBroken appends the broken $refs under start to found, in the order
// of a depth-first walk that takes the last child first. The walk is
// iterative and does not enter aliases, so each node of the tree is seen
// once, however deep or shared it is. A subtree is walked to its end
// before anything pushed earlier, so walking each child of a node on its
// own, last child first, finds the same $refs in the same order.
//
// Where the walk meets r.lazyPaths (the paths object of a JSON document
// read one batch of paths at a time, see parseJSONByPaths), it takes the
// $refs already found in its path items, r.lazyFound, instead.
func findBroken(r *resolver, start *yaml.Node, found []broken) []broken {
	stack := []*yaml.Node{start}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n == nil || n.Kind == yaml.AliasNode {
			continue
		}
		if n == r.lazyPaths && n != nil {
			found = append(found, r.lazyFound...)
			continue
		}
		if n.Kind != yaml.MappingNode {
			stack = append(stack, n.Content...)
			continue
		}
		if ref, ok := refOf(n); ok {
			line := value(n, "$ref").Line
			switch {
			case !strings.HasPrefix(ref, "#"):
				found = append(found, broken{line, fmt.Sprintf("$ref %q points outside the document; external references are not followed", ref)})
			case r.resolve(ref) == nil:
				found = append(found, broken{line, fmt.Sprintf("$ref %q does not resolve", ref)})
			case r.follow(n) == nil:
				found = append(found, broken{line, fmt.Sprintf("$ref %q is circular or a chain of more than %d references", ref, maxRefHops)})
			}
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if !strings.HasPrefix(n.Content[i].Value, "x-") {
				stack = append(stack, n.Content[i+1])
			}
		}
	}
	return found
}

// reportBroken sorts the broken $refs by line, keeping the walk's order
// on a line, and writes them as warnings, at most maxWarnings of them.
func reportBroken(found []broken) []string {
	slices.SortStableFunc(found, func(a, b broken) int { return cmp.Compare(a.line, b.line) })
	var out []string
	for i, b := range found {
		if i == maxWarnings {
			out = append(out, fmt.Sprintf("and %d more broken references", len(found)-i))
			break
		}
		out = append(out, clean(fmt.Sprintf("line %d: %s", b.line, b.msg)))
	}
	return out
}
