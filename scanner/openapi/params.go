package openapi

import (
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/pb33f/go-yaml"
)

// Parameters are read from the YAML nodes, not from libopenapi's model:
// libopenapi drops an operation's whole parameter list when one $ref in it
// (even a schema's) does not resolve, and authgate would then probe routes
// with their path parameters missing. Reading the nodes also treats
// Swagger 2.0, whose parameters carry their type inline, and OpenAPI 3.x
// alike.

// maxSchemaDepth bounds how far anyOf/oneOf/allOf/items are followed to
// find a parameter's type or example. FastAPI nests one level
// (anyOf: [{type: integer}, {type: "null"}]); the bound also ends a walk
// through recursive schemas.
const maxSchemaDepth = 4

// maxRefHops bounds a chain of $refs (a $ref to a $ref to ...); chains in
// real documents are one or two long, and a cycle of pure $refs would
// otherwise never end.
const maxRefHops = 16

// maxExponent bounds the exponents plainDecimal expands: 1e400 is already
// beyond float64, and expanding 1e999999999 exactly would take gigabytes.
const maxExponent = 400

// locations are the parameter locations authgate sends; Swagger's body and
// formData parameters describe a request body and are left out.
var locations = map[string]bool{"path": true, "query": true, "header": true, "cookie": true}

// paramKey identifies a parameter: OpenAPI makes name and location unique.
type paramKey struct{ name, in string }

// mergeParams applies the operation's parameters over the path item's:
// path-level ones come first, each replaced by an operation parameter of
// the same name and location, then the operation's other parameters.
func mergeParams(pathLevel, opLevel []Param) []Param {
	if len(pathLevel) == 0 && len(opLevel) == 0 {
		return nil
	}
	own := make(map[paramKey]Param, len(opLevel))
	for _, p := range opLevel {
		if _, dup := own[paramKey{p.Name, p.In}]; !dup {
			own[paramKey{p.Name, p.In}] = p
		}
	}
	out := make([]Param, 0, len(pathLevel)+len(opLevel))
	seen := make(map[paramKey]bool, len(pathLevel)+len(opLevel))
	add := func(p Param) {
		k := paramKey{p.Name, p.In}
		if seen[k] {
			return
		}
		seen[k] = true
		if o, ok := own[k]; ok {
			p = o
		}
		out = append(out, p)
	}
	for _, p := range pathLevel {
		add(p)
	}
	for _, p := range opLevel {
		add(p)
	}
	return out
}

// params converts a list of parameter nodes ("parameters:" of a path item
// or an operation). Unresolvable $refs are skipped; libopenapi has already
// reported them as warnings.
func params(root, list *yaml.Node) []Param {
	list = deref(list)
	if list == nil || list.Kind != yaml.SequenceNode {
		return nil
	}
	var out []Param
	for _, item := range list.Content {
		p := follow(root, item)
		name, in := text(p, "name"), text(p, "in")
		if p == nil || name == "" || !locations[in] {
			continue
		}
		param := Param{
			Name: name,
			In:   in,
			// Path parameters are always required, whatever the document says.
			Required: in == "path" || isTrue(value(p, "required")),
		}
		_, schema := lookup(p, "schema")
		var media *yaml.Node
		if schema == nil {
			// 3.x: a parameter may describe itself by content instead.
			if _, content := lookup(p, "content"); content != nil {
				if content = deref(content); content.Kind == yaml.MappingNode && len(content.Content) >= 2 {
					media = follow(root, content.Content[1])
					_, schema = lookup(media, "schema")
				}
			}
		}
		if schema == nil {
			// Swagger 2.0: the parameter carries type, format, items,
			// default and enum itself.
			schema = p
		}
		param.Type, param.Format = schemaType(root, schema, 0)
		// x-example is the de-facto Swagger 2.0 extension for an example.
		ex, ok := firstScalar(value(p, "example"), namedExample(root, p), value(p, "x-example"),
			value(media, "example"), namedExample(root, media))
		if !ok {
			ex = schemaExample(root, schema, 0)
		}
		param.Example = ex
		out = append(out, param)
	}
	return out
}

// schemaType returns the first non-null type of a schema and its format,
// looking through $refs and then into anyOf, oneOf and allOf. A $ref's
// siblings are read before its target, as OpenAPI 3.1 lets them override.
func schemaType(root, s *yaml.Node, depth int) (typ, format string) {
	if depth > maxSchemaDepth {
		return "", ""
	}
	for hop := 0; s != nil && hop <= maxRefHops; hop++ {
		s = deref(s)
		if format == "" {
			format = text(s, "format")
		}
		if t := firstType(value(s, "type")); t != "" {
			return t, format
		}
		ref, ok := refOf(s)
		if !ok {
			break
		}
		s = resolve(root, ref)
	}
	for _, branch := range branches(s) {
		if t, f := schemaType(root, branch, depth+1); t != "" {
			if f == "" {
				f = format
			}
			return t, f
		}
	}
	return "", format
}

// firstType reads "type": a string, or (3.1) a list such as
// [integer, "null"] whose first non-null entry counts.
func firstType(t *yaml.Node) string {
	t = deref(t)
	if t == nil {
		return ""
	}
	if t.Kind == yaml.ScalarNode && t.Value != "null" {
		return t.Value
	}
	if t.Kind == yaml.SequenceNode {
		for _, c := range t.Content {
			if c = deref(c); c.Kind == yaml.ScalarNode && c.Value != "null" {
				return c.Value
			}
		}
	}
	return ""
}

// schemaExample returns the first of a schema's example, examples[0],
// default and enum[0] (following $refs, siblings first), then the same
// from its anyOf/oneOf/allOf branches and its items.
func schemaExample(root, s *yaml.Node, depth int) string {
	if depth > maxSchemaDepth {
		return ""
	}
	for hop := 0; s != nil && hop <= maxRefHops; hop++ {
		s = deref(s)
		if ex, ok := firstScalar(value(s, "example"), value(s, "examples"), value(s, "default"), value(s, "enum")); ok {
			return ex
		}
		ref, ok := refOf(s)
		if !ok {
			break
		}
		s = resolve(root, ref)
	}
	next := branches(s)
	if _, items := lookup(s, "items"); items != nil {
		next = append(next, items)
	}
	for _, n := range next {
		if ex := schemaExample(root, n, depth+1); ex != "" {
			return ex
		}
	}
	return ""
}

// branches lists a schema's anyOf, oneOf and allOf alternatives in that order.
func branches(s *yaml.Node) []*yaml.Node {
	var out []*yaml.Node
	for _, key := range []string{"anyOf", "oneOf", "allOf"} {
		if list := deref(value(s, key)); list != nil && list.Kind == yaml.SequenceNode {
			out = append(out, list.Content...)
		}
	}
	return out
}

// namedExample returns the value of the first entry of an "examples" map
// (an OpenAPI 3.x parameter or media type) that has an inline value;
// externalValue examples are not fetched.
func namedExample(root, n *yaml.Node) *yaml.Node {
	examples := deref(value(n, "examples"))
	if examples == nil || examples.Kind != yaml.MappingNode {
		return nil
	}
	for i := 1; i < len(examples.Content); i += 2 {
		v := value(follow(root, examples.Content[i]), "value")
		if _, ok := exampleString(v); ok {
			return v
		}
	}
	return nil
}

// follow resolves a chain of local $refs, or returns nil when one does
// not resolve.
func follow(root, n *yaml.Node) *yaml.Node {
	for range maxRefHops {
		n = deref(n)
		ref, ok := refOf(n)
		if !ok {
			return n
		}
		n = resolve(root, ref)
	}
	return nil
}

// value returns the value node of key in mapping m, or nil.
func value(m *yaml.Node, key string) *yaml.Node {
	_, v := lookup(m, key)
	return v
}

// text returns the scalar value of key in mapping m, or "".
func text(m *yaml.Node, key string) string {
	v := deref(value(m, key))
	if v == nil || v.Kind != yaml.ScalarNode {
		return ""
	}
	return v.Value
}

// isTrue reports a boolean true, however YAML spells it.
func isTrue(n *yaml.Node) bool {
	s, _ := scalarString(n)
	return s == "true"
}

// firstScalar returns the string of the first candidate that has one.
func firstScalar(candidates ...*yaml.Node) (string, bool) {
	for _, n := range candidates {
		if s, ok := exampleString(n); ok {
			return s, true
		}
	}
	return "", false
}

// exampleString is scalarString, except that a list gives its first item:
// the value to send for an array parameter, or the first of 3.1 examples.
func exampleString(n *yaml.Node) (string, bool) {
	n = deref(n)
	if n != nil && n.Kind == yaml.SequenceNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	return scalarString(n)
}

// scalarString renders a scalar as it would be sent in a URL or header:
// strings as written, booleans as true/false, numbers in plain decimal
// (1e3 becomes 1000). Lists, objects, nulls and empty strings give nothing.
func scalarString(n *yaml.Node) (string, bool) {
	n = deref(n)
	if n == nil || n.Kind != yaml.ScalarNode || n.Value == "" {
		return "", false
	}
	v := n.Value
	switch n.Tag {
	case "!!null":
		return "", false
	case "!!bool":
		if b, err := strconv.ParseBool(strings.ToLower(v)); err == nil {
			return strconv.FormatBool(b), true
		}
	case "!!int":
		digits := strings.ReplaceAll(v, "_", "")
		if i, err := strconv.ParseInt(digits, 0, 64); err == nil {
			return strconv.FormatInt(i, 10), true
		}
		if i, ok := new(big.Int).SetString(digits, 0); ok {
			return i.String(), true
		}
	case "!!float":
		return plainDecimal(v), true
	}
	return v, true
}

// plainDecimal writes a YAML float without an exponent, exactly: 1e3 is
// 1000 and a 30-digit integer (which YAML calls a float when it overflows
// int64) keeps all its digits. Text without an exponent, and special
// values such as .inf, are kept as written.
func plainDecimal(v string) string {
	i := strings.IndexAny(v, "eE")
	if i < 0 {
		return strings.TrimPrefix(v, "+")
	}
	if exp, err := strconv.Atoi(v[i+1:]); err != nil || exp > maxExponent || exp < -maxExponent {
		return v
	}
	r, ok := new(big.Rat).SetString(v)
	if !ok {
		return v
	}
	if r.IsInt() {
		return r.Num().String()
	}
	f, _ := r.Float64()
	if math.IsInf(f, 0) || f == 0 {
		return v
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}
