package openapi

import (
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/pb33f/go-yaml"
	"github.com/pb33f/libopenapi/datamodel/high/base"
	v2high "github.com/pb33f/libopenapi/datamodel/high/v2"
	v3high "github.com/pb33f/libopenapi/datamodel/high/v3"
	"github.com/pb33f/libopenapi/orderedmap"
)

// maxSchemaDepth bounds how far anyOf/oneOf/allOf/items are followed to
// find a parameter's type or example. FastAPI nests one level
// (anyOf: [{type: integer}, {type: "null"}]); the bound also stops a walk
// through circular schema references.
const maxSchemaDepth = 4

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

// v3Params converts OpenAPI 3.x parameters, already resolved by libopenapi.
func v3Params(list []*v3high.Parameter) []Param {
	var out []Param
	for _, p := range list {
		if p == nil || p.Name == "" || !locations[p.In] {
			continue
		}
		param := Param{
			Name: p.Name,
			In:   p.In,
			// Path parameters are always required, whatever the document says.
			Required: p.In == "path" || (p.Required != nil && *p.Required),
		}
		schema := p.Schema.Schema()
		var media *v3high.MediaType
		if schema == nil {
			// A parameter may describe itself by content instead of schema.
			if first := p.Content.First(); first != nil && first.Value() != nil {
				media = first.Value()
				schema = media.Schema.Schema()
			}
		}
		param.Type, param.Format = schemaType(schema, 0)
		candidates := []*yaml.Node{p.Example, firstExample(p.Examples)}
		if media != nil {
			candidates = append(candidates, media.Example, firstExample(media.Examples))
		}
		if ex, ok := firstScalar(candidates...); ok {
			param.Example = ex
		} else {
			param.Example = schemaExample(schema, 0)
		}
		out = append(out, param)
	}
	return out
}

// v2Params converts Swagger 2.0 parameters, which carry their type inline.
// x-example is the de-facto Swagger 2.0 extension for a parameter example.
func v2Params(list []*v2high.Parameter) []Param {
	var out []Param
	for _, p := range list {
		if p == nil || p.Name == "" || !locations[p.In] {
			continue
		}
		param := Param{
			Name:     p.Name,
			In:       p.In,
			Required: p.In == "path" || (p.Required != nil && *p.Required),
			Type:     p.Type,
			Format:   p.Format,
		}
		var xExample *yaml.Node
		if p.Extensions != nil {
			xExample = p.Extensions.GetOrZero("x-example")
		}
		candidates := []*yaml.Node{xExample, p.Default, first(p.Enum)}
		if p.Items != nil {
			candidates = append(candidates, p.Items.Default, first(p.Items.Enum))
		}
		param.Example, _ = firstScalar(candidates...)
		out = append(out, param)
	}
	return out
}

// schemaType returns the first non-null type of s and its format, looking
// into anyOf, oneOf and allOf when s itself has none.
func schemaType(s *base.Schema, depth int) (typ, format string) {
	if s == nil || depth > maxSchemaDepth {
		return "", ""
	}
	for _, t := range s.Type {
		if t != "null" {
			return t, s.Format
		}
	}
	for _, branch := range branches(s) {
		if t, f := schemaType(branch.Schema(), depth+1); t != "" {
			return t, f
		}
	}
	return "", s.Format
}

// schemaExample returns the first of the schema's example, examples[0],
// default and enum[0], then the same from its anyOf/oneOf/allOf branches
// and its items.
func schemaExample(s *base.Schema, depth int) string {
	if s == nil || depth > maxSchemaDepth {
		return ""
	}
	if ex, ok := firstScalar(s.Example, first(s.Examples), s.Default, first(s.Enum)); ok {
		return ex
	}
	next := branches(s)
	if s.Items != nil && s.Items.IsA() {
		next = append(next, s.Items.A)
	}
	for _, branch := range next {
		if ex := schemaExample(branch.Schema(), depth+1); ex != "" {
			return ex
		}
	}
	return ""
}

// branches lists a schema's anyOf, oneOf and allOf alternatives in that order.
func branches(s *base.Schema) []*base.SchemaProxy {
	out := make([]*base.SchemaProxy, 0, len(s.AnyOf)+len(s.OneOf)+len(s.AllOf))
	out = append(out, s.AnyOf...)
	out = append(out, s.OneOf...)
	return append(out, s.AllOf...)
}

// firstExample returns the value of the first named example that has an
// inline value (externalValue examples are not fetched).
func firstExample(examples *orderedmap.Map[string, *base.Example]) *yaml.Node {
	for _, ex := range examples.FromOldest() {
		if ex != nil && ex.Value != nil {
			if _, ok := exampleString(ex.Value); ok {
				return ex.Value
			}
		}
	}
	return nil
}

// first returns the first node of a list, or nil.
func first(nodes []*yaml.Node) *yaml.Node {
	if len(nodes) == 0 {
		return nil
	}
	return nodes[0]
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

// exampleString is scalarString, except that a list gives its first item,
// as the value to send for an array parameter.
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
