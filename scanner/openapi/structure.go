package openapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/pb33f/go-yaml"
)

// This file checks the parsed YAML tree before it is read: a path item
// that is a string, or parameters that are not a list, would otherwise be
// skipped, and authgate would scan less than the user asked for without
// saying why.

// diagnose explains why libopenapi refused data; it runs only on that error
// path, so parsing again here costs nothing in the common case.
func diagnose(data []byte, libErr error) error {
	if looksLikeJSON(data) {
		var raw json.RawMessage
		if err := json.Unmarshal(data, &raw); err != nil {
			return fmt.Errorf("%w: not valid JSON%s: %s", ErrNotOpenAPI, jsonErrorLine(data, err), clean(err.Error()))
		}
	}
	var node yaml.Node
	if err := yaml.Unmarshal(data, &node); err != nil {
		var le *yaml.LoadError
		if errors.As(err, &le) && le.Mark.Line > 0 {
			return fmt.Errorf("%w: not valid YAML at line %d: %s", ErrNotOpenAPI, le.Mark.Line, clean(le.Message))
		}
		if le != nil {
			return fmt.Errorf("%w: not valid YAML: %s", ErrNotOpenAPI, clean(le.Message))
		}
		return fmt.Errorf("%w: not valid YAML: %s", ErrNotOpenAPI, clean(err.Error()))
	}
	root := &node
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = root.Content[0]
	}
	if err := checkRoot(root); err != nil {
		return err
	}
	return errors.New(clean(libErr.Error()))
}

// looksLikeJSON tells JSON from YAML the way libopenapi does: a JSON
// document is an object.
func looksLikeJSON(data []byte) bool {
	trimmed := bytes.TrimSpace(data)
	return len(trimmed) > 0 && trimmed[0] == '{'
}

// smallMapping is the size (in keys) up to which checkDuplicateKeys
// compares keys pairwise, cheaper than a map for the small mappings that
// make up most of a document.
const smallMapping = 8

// checkDuplicateKeys rejects a mapping that repeats a key, in linear time:
// YAML forbids it, and the second "get:" of a path would otherwise hide
// the first from the scan.
func checkDuplicateKeys(root *yaml.Node) error {
	stack := []*yaml.Node{root}
	var seen map[string]int
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n == nil || n.Kind == yaml.AliasNode {
			continue // an alias's target is checked where it is written
		}
		stack = append(stack, n.Content...)
		if n.Kind != yaml.MappingNode || len(n.Content) < 4 {
			continue
		}
		if len(n.Content) <= 2*smallMapping {
			for i := 0; i < len(n.Content); i += 2 {
				for j := i + 2; j < len(n.Content); j += 2 {
					a, b := n.Content[i], n.Content[j]
					if a.Kind == yaml.ScalarNode && b.Kind == yaml.ScalarNode && a.Value == b.Value {
						return duplicateKey(b, a)
					}
				}
			}
			continue
		}
		clear(seen)
		if seen == nil {
			seen = make(map[string]int, len(n.Content)/2)
		}
		for i := 0; i < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode {
				continue
			}
			if first, dup := seen[k.Value]; dup {
				return duplicateKey(k, n.Content[first])
			}
			seen[k.Value] = i
		}
	}
	return nil
}

func duplicateKey(dup, first *yaml.Node) error {
	return fmt.Errorf("line %d: key %q is already defined at line %d", dup.Line, clean(dup.Value), first.Line)
}

// jsonErrorLine turns the byte offset of a JSON syntax error into " at line N".
func jsonErrorLine(data []byte, err error) string {
	var se *json.SyntaxError
	if !errors.As(err, &se) || se.Offset < 0 || se.Offset > int64(len(data)) {
		return ""
	}
	return fmt.Sprintf(" at line %d", 1+bytes.Count(data[:se.Offset], []byte("\n")))
}

// checkRoot accepts a mapping with a supported "openapi" or "swagger" version.
func checkRoot(root *yaml.Node) error {
	root = deref(root)
	if root == nil || root.Kind != yaml.MappingNode {
		return fmt.Errorf("%w: the top level is %s, not a mapping", ErrNotOpenAPI, kindName(root))
	}
	_, oas := lookup(root, "openapi")
	_, swagger := lookup(root, "swagger")
	switch {
	case oas != nil && swagger != nil:
		return errors.New(`the document has both an "openapi" and a "swagger" field`)
	case oas != nil:
		return checkVersion(oas, "openapi", "OpenAPI", "3.0", "3.1", "3.2")
	case swagger != nil:
		return checkVersion(swagger, "swagger", "Swagger", "2.0")
	}
	return fmt.Errorf(`%w: it has no "openapi" or "swagger" field`, ErrNotOpenAPI)
}

// checkVersion accepts a version that is one of the major.minor prefixes,
// alone or followed by a patch (3.0, 3.0.3, 3.1.0, 2.0).
func checkVersion(v *yaml.Node, field, name string, prefixes ...string) error {
	v = deref(v)
	if v.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: the %q field is %s, want a version such as %q", v.Line, field, kindName(v), prefixes[0])
	}
	for _, p := range prefixes {
		if v.Value == p || strings.HasPrefix(v.Value, p+".") {
			return nil
		}
	}
	return fmt.Errorf("unsupported %s version %q (authgate reads Swagger 2.0 and OpenAPI 3.0, 3.1 and 3.2)", name, clean(v.Value))
}

// checkStructure rejects the shapes that would otherwise be skipped
// silently in what authgate reads: paths, path items, operations,
// parameter lists and security requirement lists.
func checkStructure(root *yaml.Node) error {
	if _, sec := lookup(root, "security"); sec != nil {
		if err := checkSecurity(sec, `the top-level "security"`); err != nil {
			return err
		}
	}
	_, paths := lookup(root, "paths")
	paths = deref(paths)
	if isNull(paths) {
		return nil
	}
	if paths.Kind != yaml.MappingNode {
		return fmt.Errorf(`line %d: "paths" is %s, want a mapping of paths`, paths.Line, kindName(paths))
	}
	for i := 0; i+1 < len(paths.Content); i += 2 {
		if err := checkPathItem(paths.Content[i].Value, paths.Content[i+1]); err != nil {
			return err
		}
	}
	return nil
}

// checkPathItem is checkStructure for the path item of one path.
func checkPathItem(path string, item *yaml.Node) error {
	item = deref(item)
	if strings.HasPrefix(path, "x-") || isNull(item) {
		return nil
	}
	if item.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: path %q is %s, want a mapping of operations", item.Line, clean(path), kindName(item))
	}
	if _, params := lookup(item, "parameters"); params != nil {
		if err := checkParams(params, fmt.Sprintf("the parameters of path %q", clean(path))); err != nil {
			return err
		}
	}
	for j := 0; j+1 < len(item.Content); j += 2 {
		method, ok := operationMethod(item.Content[j].Value)
		op := deref(item.Content[j+1])
		if !ok {
			continue
		}
		what := method + " " + clean(path)
		if op.Kind != yaml.MappingNode {
			return fmt.Errorf("line %d: %s is %s, want an operation (a mapping)", op.Line, what, kindName(op))
		}
		if _, params := lookup(op, "parameters"); params != nil {
			if err := checkParams(params, "the parameters of "+what); err != nil {
				return err
			}
		}
		if _, sec := lookup(op, "security"); sec != nil {
			if err := checkSecurity(sec, "the security of "+what); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkParams accepts a list of mappings (parameters or $refs to them).
func checkParams(n *yaml.Node, what string) error {
	n = deref(n)
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		return fmt.Errorf("line %d: %s is %s, want a list", n.Line, what, kindName(n))
	}
	for i, p := range n.Content {
		if p = deref(p); p.Kind != yaml.MappingNode {
			return fmt.Errorf("line %d: %s: item %d is %s, want a parameter (a mapping)", p.Line, what, i+1, kindName(p))
		}
	}
	return nil
}

// checkSecurity accepts a list of requirement mappings, `{}` included.
func checkSecurity(n *yaml.Node, what string) error {
	n = deref(n)
	if n.Kind != yaml.SequenceNode {
		return fmt.Errorf("line %d: %s is %s, want a list of requirements", n.Line, what, kindName(n))
	}
	for i, r := range n.Content {
		if r = deref(r); r.Kind != yaml.MappingNode {
			return fmt.Errorf("line %d: %s: item %d is %s, want a requirement (a mapping)", r.Line, what, i+1, kindName(r))
		}
	}
	return nil
}

// lookup returns the key and value nodes of key in mapping m, or nils.
func lookup(m *yaml.Node, key string) (k, v *yaml.Node) {
	m = deref(m)
	if m == nil || m.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i], m.Content[i+1]
		}
	}
	return nil, nil
}

// deref follows a YAML alias one step; an anchor can never name another
// alias, so one step is all there is, and the walk cannot loop.
func deref(n *yaml.Node) *yaml.Node {
	if n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		return n.Alias
	}
	return n
}

// isNull reports a missing or null node (`key:` or `key: null`).
func isNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

// kindName describes a node for error messages.
func kindName(n *yaml.Node) string {
	n = deref(n)
	switch {
	case n == nil:
		return "missing"
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case n.Kind != yaml.ScalarNode:
		return "empty"
	}
	switch n.Tag {
	case "!!null":
		return "empty"
	case "!!str":
		return "a string"
	case "!!int", "!!float":
		return "a number"
	case "!!bool":
		return "a boolean"
	}
	return "a scalar"
}

// first returns the first item of a list node, or nil.
func first(list *yaml.Node) *yaml.Node {
	list = deref(list)
	if list == nil || list.Kind != yaml.SequenceNode || len(list.Content) == 0 {
		return nil
	}
	return list.Content[0]
}
