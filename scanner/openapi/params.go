package openapi

import (
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"github.com/pb33f/go-yaml"
)

// Parameters are read from the YAML nodes (see Parse for why), which also
// treats Swagger 2.0, whose parameters carry their type inline, and
// OpenAPI 3.x alike.

// maxSchemaNodes bounds how many schemas ($ref targets, anyOf/oneOf/allOf
// branches, items) are read to find a parameter's type or example. FastAPI
// needs three (anyOf: [{type: integer}, {type: "null"}]); the bound keeps
// a wide or recursive schema from making the walk exponential.
const maxSchemaNodes = 32

// maxExponent bounds the exponents plainDecimal expands: 1e400 is already
// beyond float64, and expanding 1e999999999 exactly would take gigabytes.
const maxExponent = 400

// sentLocation reports the parameter locations authgate sends; Swagger's
// body and formData parameters describe a request body and are left out.
func sentLocation(in string) bool {
	switch in {
	case "path", "query", "header", "cookie":
		return true
	}
	return false
}

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
// or an operation). Parameters whose $ref does not resolve are left out;
// brokenRefs reports them.
func params(r *resolver, list *yaml.Node) []Param {
	list = deref(list)
	if list == nil || list.Kind != yaml.SequenceNode {
		return nil
	}
	var out []Param
	for _, item := range list.Content {
		p := r.follow(item)
		name, in := text(p, "name"), text(p, "in")
		if p == nil || name == "" || !sentLocation(in) {
			continue
		}
		param := Param{
			Name: name,
			In:   in,
			// Path parameters are always required, whatever the document says.
			Required: in == "path" || isTrue(value(p, "required")),
		}
		schema := value(p, "schema")
		var media *yaml.Node
		if schema == nil {
			// 3.x: a parameter may describe itself by content instead.
			if content := deref(value(p, "content")); content != nil && content.Kind == yaml.MappingNode && len(content.Content) >= 2 {
				media = r.follow(content.Content[1])
				schema = value(media, "schema")
			}
		}
		if schema == nil {
			// Swagger 2.0: the parameter carries type, format, items,
			// default and enum itself.
			schema = p
		}
		param.Type, param.Format = schemaType(r, schema)
		// x-example is the de-facto Swagger 2.0 extension for an example.
		ex, ok := firstScalar(value(p, "example"), namedExample(r, p), value(p, "x-example"),
			value(media, "example"), namedExample(r, media))
		if !ok {
			ex = schemaExample(r, schema)
		}
		param.Example = ex
		out = append(out, param)
	}
	return out
}

// schemaNodes lists the schemas that describe a parameter, breadth first:
// the schema itself (so the siblings of a $ref come before its target, as
// OpenAPI 3.1 lets them override), the target of its $ref, its anyOf,
// oneOf and allOf branches, and (for examples) its items; then theirs.
// Each node is listed once and at most maxSchemaNodes are: wide or
// recursive schemas cannot make this walk long.
func schemaNodes(r *resolver, s *yaml.Node, withItems bool) []*yaml.Node {
	var out []*yaml.Node
	queue := []*yaml.Node{s}
	for len(queue) > 0 && len(out) < maxSchemaNodes {
		n := deref(queue[0])
		queue = queue[1:]
		if n == nil || n.Kind != yaml.MappingNode || slices.Contains(out, n) {
			continue
		}
		out = append(out, n)
		if ref, ok := refOf(n); ok {
			queue = append(queue, r.resolve(ref))
		}
		for _, key := range []string{"anyOf", "oneOf", "allOf"} {
			if list := deref(value(n, key)); list != nil && list.Kind == yaml.SequenceNode {
				queue = append(queue, list.Content...)
			}
		}
		if withItems {
			queue = append(queue, value(n, "items"))
		}
	}
	return out
}

// schemaType returns the first non-null type among a parameter's schemas
// and the first format met up to it.
func schemaType(r *resolver, s *yaml.Node) (typ, format string) {
	for _, n := range schemaNodes(r, s, false) {
		if format == "" {
			format = text(n, "format")
		}
		if typ = firstType(value(n, "type")); typ != "" {
			return typ, format
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

// schemaExample returns the first of example, examples[0], default and
// enum[0] among a parameter's schemas.
func schemaExample(r *resolver, s *yaml.Node) string {
	for _, n := range schemaNodes(r, s, true) {
		if ex, ok := firstScalar(value(n, "example"), value(n, "examples"), value(n, "default"), value(n, "enum")); ok {
			return ex
		}
	}
	return ""
}

// namedExample returns the value of the first entry of an "examples" map
// (an OpenAPI 3.x parameter or media type) that has an inline value;
// externalValue examples are not fetched.
func namedExample(r *resolver, n *yaml.Node) *yaml.Node {
	examples := deref(value(n, "examples"))
	if examples == nil || examples.Kind != yaml.MappingNode {
		return nil
	}
	for i := 1; i < len(examples.Content); i += 2 {
		v := value(r.follow(examples.Content[i]), "value")
		if _, ok := exampleString(v); ok {
			return v
		}
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
