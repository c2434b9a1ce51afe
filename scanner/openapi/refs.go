package openapi

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/pb33f/go-yaml"
)

// maxNesting bounds how deep the document tree may go. Real API
// descriptions stay under a few dozen levels; the walk below and
// libopenapi's builders recurse once per level.
const maxNesting = 1000

// checkRefCycles rejects reference cycles that libopenapi would follow
// forever. libopenapi builds schemas lazily, so recursive schemas (a tree
// node whose children are tree nodes) are fine and tolerated. Everything
// else (parameters, Swagger items, path items, responses...) it builds
// eagerly, and a cycle there, such as a parameter whose $ref names itself,
// overflows the stack: a fatal error no recover can catch. So this walk
// follows local $refs and YAML aliases the way those eager builders do,
// stops where a schema starts, and reports any cycle it meets.
func checkRefCycles(root *yaml.Node) error {
	w := refWalker{
		root:  root,
		state: map[*yaml.Node]walkState{root: walking},
	}
	_, comps := lookup(root, "components")
	w.components = deref(comps)
	return w.walk(root, 0)
}

type walkState uint8

const (
	unvisited walkState = iota
	walking             // on the current path: reaching it again is a cycle
	walked              // explored without finding a cycle
)

type refWalker struct {
	root       *yaml.Node // the document's top-level mapping
	components *yaml.Node // its "components" mapping, if any
	// state covers the nodes entered through a $ref or an alias, the only
	// ways a YAML tree can share or loop.
	state map[*yaml.Node]walkState
}

func (w *refWalker) walk(n *yaml.Node, depth int) error {
	if n == nil {
		return nil
	}
	if depth > maxNesting {
		return fmt.Errorf("line %d: the document is nested more than %d levels deep", n.Line, maxNesting)
	}
	switch n.Kind {
	case yaml.AliasNode:
		return w.enter(n.Alias, n, "alias *"+n.Value, depth)
	case yaml.MappingNode:
		if ref, ok := refOf(n); ok {
			// Siblings of $ref are annotations (summary, description).
			return w.enter(resolve(w.root, ref), n, fmt.Sprintf("$ref %q", ref), depth)
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := n.Content[i].Value
			// Extensions are kept as raw nodes, never built.
			if w.startsSchema(n, key) || strings.HasPrefix(key, "x-") {
				continue
			}
			if err := w.walk(n.Content[i+1], depth+1); err != nil {
				return err
			}
		}
	case yaml.SequenceNode, yaml.DocumentNode:
		for _, c := range n.Content {
			if err := w.walk(c, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// enter walks the target of a $ref or alias once, and reports a cycle if
// the target is already on the path being walked.
func (w *refWalker) enter(target, from *yaml.Node, what string, depth int) error {
	if target == nil {
		return nil // unresolvable: libopenapi reports it as a warning
	}
	switch w.state[target] {
	case walking:
		return fmt.Errorf("line %d: %s leads back to itself; reference cycles are only supported through schemas", from.Line, clean(what))
	case walked:
		return nil
	}
	w.state[target] = walking
	err := w.walk(target, depth+1)
	w.state[target] = walked
	return err
}

// startsSchema reports whether key of mapping m holds a schema or a
// collection of schemas, which libopenapi builds lazily.
func (w *refWalker) startsSchema(m *yaml.Node, key string) bool {
	switch key {
	case "schema", "itemSchema":
		return true
	case "definitions":
		return m == w.root
	case "schemas":
		return m == w.components
	}
	return false
}

// refOf returns the value of a mapping's "$ref" key.
func refOf(m *yaml.Node) (string, bool) {
	_, v := lookup(m, "$ref")
	v = deref(v)
	if v == nil || v.Kind != yaml.ScalarNode {
		return "", false
	}
	return v.Value, true
}

// resolve finds the node a local reference ("#/a/b~1c/0") points at in
// the document whose top-level mapping is root, or nil for external,
// anchor-style or dangling references.
func resolve(root *yaml.Node, ref string) *yaml.Node {
	frag, ok := strings.CutPrefix(ref, "#")
	if !ok {
		return nil
	}
	if u, err := url.PathUnescape(frag); err == nil {
		frag = u
	}
	if frag == "" {
		return root
	}
	if frag[0] != '/' {
		return nil
	}
	n := root
	for _, tok := range strings.Split(frag[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch n = deref(n); n.Kind {
		case yaml.MappingNode:
			_, n = lookup(n, tok)
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
	}
	return deref(n)
}
