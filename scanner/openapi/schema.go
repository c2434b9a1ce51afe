package openapi

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/pb33f/go-yaml"
)

// Request-body and answer schemas are read from the YAML nodes like
// parameters. The document may be huge and come from the target, so every
// walk is bounded: in depth, in schemas per operation, and in work per
// document; cycles of $refs end in a Truncated schema.

// maxSchemaDepth bounds the nesting (properties, items) of a schema that is
// read: a body eight objects deep is already more than a writer needs, and
// the bound keeps recursive schemas (a tree's children) finite.
const maxSchemaDepth = 8

// maxBodySchemaNodes bounds the schemas (properties, items, branches, $ref
// targets) read for one request body or one answer: real bodies have tens;
// a wide or recursive schema would otherwise be copied into every
// operation that uses it.
const maxBodySchemaNodes = 500

// maxSchemaWork bounds the mapping entries and list items looked at while
// reading the schemas of a whole document. A typical CRUD operation costs
// a few tens (27 in the generated 1,000-operation benchmark) and a body or
// answer at maxBodySchemaNodes roughly ten thousand, so the bound leaves
// room for a few thousand operations with schemas that large (GitHub's
// REST description has about a thousand); past it, the remaining
// operations get no schemas and Document.Warnings says so, rather than
// a hostile document (one huge schema $ref'd by every operation) making
// parsing quadratic.
const maxSchemaWork = 1 << 25

// maxEnumValues bounds Schema.Enum: a writer needs one value, a report a few.
const maxEnumValues = 64

// maxExampleNodes bounds the YAML nodes turned into an example's or
// default's JSON text: aliases can make a small document expand
// exponentially, and a huge example is no better a body than a small one.
const maxExampleNodes = 1000

// schemaReader reads the schemas of one document's operations.
type schemaReader struct {
	r *resolver
	// nodes is what is left of the current schema's maxBodySchemaNodes.
	nodes int
	// work is what is left of the document's maxSchemaWork.
	work int
	// exhaustedAt is the line of the operation at which work ran out, 0
	// while it has not.
	exhaustedAt int
	// refs are the $ref targets on the path from the root of the schema
	// being read to the current one: meeting one again is a cycle.
	refs []*yaml.Node
}

func newSchemaReader(r *resolver) *schemaReader {
	return &schemaReader{r: r, work: maxSchemaWork}
}

// read converts the schema node n, or returns nil when there is none.
func (sr *schemaReader) read(n *yaml.Node, line int) *Schema {
	if n == nil {
		return nil
	}
	if sr.work <= 0 {
		if sr.exhaustedAt == 0 {
			sr.exhaustedAt = line
		}
		return nil
	}
	sr.nodes = maxBodySchemaNodes
	sr.refs = sr.refs[:0]
	s := sr.schema(n, 0)
	if sr.work < 0 && sr.exhaustedAt == 0 {
		sr.exhaustedAt = line
	}
	return s
}

// warning tells, when the document's work budget ran out, from which
// operation on schemas were not read; "" when it did not.
func (sr *schemaReader) warning() string {
	if sr.exhaustedAt == 0 {
		return ""
	}
	return fmt.Sprintf("line %d: request and answer schemas from this operation on were not read: the document's schemas are larger than authgate reads (%d entries)", sr.exhaustedAt, maxSchemaWork)
}

// spend takes n units of the document's work budget and reports whether
// any was left.
func (sr *schemaReader) spend(n int) bool {
	sr.work -= n
	return sr.work >= 0
}

// schema converts one schema node at the given nesting depth.
func (sr *schemaReader) schema(n *yaml.Node, depth int) *Schema {
	n = deref(n)
	if n == nil {
		return nil
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!bool" {
		// OpenAPI 3.1 boolean schemas: true allows anything, false nothing.
		if isTrue(n) {
			return &Schema{}
		}
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return nil
	}
	// Every schema returned counts, the truncated ones too; callers stop
	// asking for more once none is left.
	if sr.nodes <= 0 {
		return &Schema{Truncated: true}
	}
	sr.nodes--
	if depth > maxSchemaDepth || !sr.spend(1+len(n.Content)/2) {
		return &Schema{Truncated: true}
	}

	var s *Schema
	if ref, ok := refOf(n); ok {
		// The target first, then the $ref's siblings over it (3.1).
		target := sr.r.follow(n)
		if target == nil || !strings.HasPrefix(ref, "#") || slices.Contains(sr.refs, target) {
			// Unresolved, external (never followed) or circular:
			// brokenRefs warns about the first two.
			s = &Schema{Truncated: true}
		} else {
			sr.refs = append(sr.refs, target)
			s = sr.schema(target, depth)
			sr.refs = sr.refs[:len(sr.refs)-1]
		}
		if s == nil {
			s = &Schema{}
		}
	} else {
		s = &Schema{}
	}

	var props, items, allOf, oneOf *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		v := deref(n.Content[i+1])
		switch n.Content[i].Value {
		case "type":
			sr.readType(s, v)
		case "format":
			s.Format = scalarOr(v, s.Format)
		case "pattern":
			s.Pattern = scalarOr(v, s.Pattern)
		case "nullable":
			s.Nullable = s.Nullable || isTrue(v)
		case "readOnly":
			s.ReadOnly = s.ReadOnly || isTrue(v)
		case "writeOnly":
			s.WriteOnly = s.WriteOnly || isTrue(v)
		case "example":
			if j, ok := toJSON(v); ok {
				s.Example = j
			}
		case "examples":
			// 3.1: a list of examples; the first is used.
			if v != nil && v.Kind == yaml.SequenceNode && len(v.Content) > 0 && s.Example == "" {
				if j, ok := toJSON(v.Content[0]); ok {
					s.Example = j
				}
			}
		case "default":
			if j, ok := toJSON(v); ok {
				s.Default = j
			}
		case "enum":
			s.Enum = sr.enum(v)
		case "const":
			if c, ok := scalarString(v); ok {
				s.Enum = []string{c}
			}
		case "required":
			s.Required = sr.required(s.Required, v)
		case "minLength":
			s.MinLength = intOr(v, s.MinLength)
		case "maxLength":
			s.MaxLength = intOr(v, s.MaxLength)
		case "minimum":
			s.Minimum = floatOr(v, s.Minimum)
		case "maximum":
			s.Maximum = floatOr(v, s.Maximum)
		case "properties":
			props = v
		case "items":
			items = v
		case "allOf":
			allOf = v
		case "oneOf", "anyOf":
			if oneOf == nil {
				oneOf = v
			}
		}
	}

	if props != nil && props.Kind == yaml.MappingNode && sr.spend(len(props.Content)/2) {
		for i := 0; i+1 < len(props.Content); i += 2 {
			child := sr.schema(props.Content[i+1], depth+1)
			if child == nil {
				continue
			}
			if s.Properties == nil {
				s.Properties = map[string]*Schema{}
			}
			s.Properties[props.Content[i].Value] = child
			if sr.nodes <= 0 {
				break
			}
		}
	}
	if items != nil && sr.nodes > 0 {
		if it := sr.schema(items, depth+1); it != nil {
			s.Items = it
		}
	}

	truncatedBranch := false
	if allOf != nil && allOf.Kind == yaml.SequenceNode && sr.spend(len(allOf.Content)) {
		for _, b := range allOf.Content {
			if sr.nodes <= 0 {
				truncatedBranch = true
				break
			}
			if bs := sr.schema(b, depth); bs != nil {
				truncatedBranch = truncatedBranch || bs.Truncated
				merge(s, bs)
			}
		}
	}
	if oneOf != nil && oneOf.Kind == yaml.SequenceNode && sr.spend(len(oneOf.Content)) {
		// The first branch that is not just "null"; a null branch makes
		// the schema nullable (FastAPI writes Optional[X] this way).
		var chosen *yaml.Node
		for _, b := range oneOf.Content {
			if t := deref(value(b, "type")); t != nil && t.Kind == yaml.ScalarNode && t.Value == "null" {
				s.Nullable = true
				continue
			}
			if chosen == nil {
				chosen = b
			}
		}
		if chosen != nil && sr.nodes > 0 {
			if bs := sr.schema(chosen, depth); bs != nil {
				truncatedBranch = truncatedBranch || bs.Truncated
				merge(s, bs)
			}
		}
	}

	// Writers decide by type: infer the obvious ones.
	switch {
	case s.Type == "" && s.Properties != nil:
		s.Type = "object"
	case s.Type == "" && s.Items != nil:
		s.Type = "array"
	}
	if truncatedBranch && s.Type == "" && s.Properties == nil {
		s.Truncated = true
	}
	return s
}

// readType reads "type": a string, or (3.1) a list such as
// ["string", "null"] whose first non-null entry is the type and whose
// "null" makes the schema nullable.
func (sr *schemaReader) readType(s *Schema, t *yaml.Node) {
	if t == nil {
		return
	}
	switch t.Kind {
	case yaml.ScalarNode:
		if t.Value == "null" {
			s.Nullable = true
		} else {
			s.Type = t.Value
		}
	case yaml.SequenceNode:
		if !sr.spend(len(t.Content)) {
			return
		}
		typ := ""
		for _, c := range t.Content {
			if c = deref(c); c == nil || c.Kind != yaml.ScalarNode {
				continue
			}
			if c.Value == "null" {
				s.Nullable = true
			} else if typ == "" {
				typ = c.Value
			}
		}
		if typ != "" {
			s.Type = typ
		}
	}
}

// enum returns the scalar values of an enum, as text; null is left out
// (it means nullable, which the schema says otherwise).
func (sr *schemaReader) enum(v *yaml.Node) []string {
	if v == nil || v.Kind != yaml.SequenceNode {
		return nil
	}
	var out []string
	for _, c := range v.Content {
		if len(out) == maxEnumValues || !sr.spend(1) {
			break
		}
		if e, ok := scalarString(c); ok {
			out = append(out, e)
		}
	}
	return out
}

// required adds the names of a "required" list to have, without
// duplicates and within maxBodySchemaNodes names.
func (sr *schemaReader) required(have []string, v *yaml.Node) []string {
	if v == nil || v.Kind != yaml.SequenceNode {
		return have
	}
	for _, c := range v.Content {
		if len(have) >= maxBodySchemaNodes || !sr.spend(len(have)+1) {
			break
		}
		if name, ok := scalarString(c); ok && !slices.Contains(have, name) {
			have = append(have, name)
		}
	}
	return have
}

// merge adds an allOf or oneOf branch to s: what s already says wins, the
// branch fills the rest; properties and required names are united.
func merge(s, b *Schema) {
	s.Type = cmp.Or(s.Type, b.Type)
	s.Format = cmp.Or(s.Format, b.Format)
	s.Pattern = cmp.Or(s.Pattern, b.Pattern)
	s.Example = cmp.Or(s.Example, b.Example)
	s.Default = cmp.Or(s.Default, b.Default)
	for name, p := range b.Properties {
		if s.Properties == nil {
			s.Properties = map[string]*Schema{}
		}
		if _, ok := s.Properties[name]; !ok {
			s.Properties[name] = p
		}
	}
	for _, name := range b.Required {
		if len(s.Required) < maxBodySchemaNodes && !slices.Contains(s.Required, name) {
			s.Required = append(s.Required, name)
		}
	}
	if s.Items == nil {
		s.Items = b.Items
	}
	if s.Enum == nil {
		s.Enum = b.Enum
	}
	s.ReadOnly = s.ReadOnly || b.ReadOnly
	s.WriteOnly = s.WriteOnly || b.WriteOnly
	s.Nullable = s.Nullable || b.Nullable
	if s.MinLength == nil {
		s.MinLength = b.MinLength
	}
	if s.MaxLength == nil {
		s.MaxLength = b.MaxLength
	}
	if s.Minimum == nil {
		s.Minimum = b.Minimum
	}
	if s.Maximum == nil {
		s.Maximum = b.Maximum
	}
}

// scalarOr returns v's text, or old when v is not a scalar.
func scalarOr(v *yaml.Node, old string) string {
	if s, ok := scalarString(v); ok {
		return s
	}
	return old
}

func intOr(v *yaml.Node, old *int) *int {
	s, ok := scalarString(v)
	if !ok {
		return old
	}
	i, err := strconv.Atoi(s)
	if err != nil {
		return old
	}
	return &i
}

func floatOr(v *yaml.Node, old *float64) *float64 {
	s, ok := scalarString(v)
	if !ok {
		return old
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return old
	}
	return &f
}

// toJSON writes a YAML value (an example or default) as JSON text, in
// document order, or reports false when it is absent, null or larger than
// maxExampleNodes.
func toJSON(n *yaml.Node) (string, bool) {
	if n = deref(n); n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null") {
		return "", false
	}
	var b bytes.Buffer
	budget := maxExampleNodes
	if !writeJSON(&b, n, &budget) {
		return "", false
	}
	return b.String(), true
}

// writeJSON writes a YAML node as JSON, spending one unit of budget per
// node; aliases are followed, so the budget is what keeps an exponential
// expansion away.
func writeJSON(b *bytes.Buffer, n *yaml.Node, budget *int) bool {
	n = deref(n)
	if n == nil || *budget <= 0 {
		return false
	}
	*budget--
	switch n.Kind {
	case yaml.MappingNode:
		b.WriteByte('{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := deref(n.Content[i])
			if k == nil || k.Kind != yaml.ScalarNode {
				return false
			}
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSONString(b, k.Value)
			b.WriteByte(':')
			if !writeJSON(b, n.Content[i+1], budget) {
				return false
			}
		}
		b.WriteByte('}')
	case yaml.SequenceNode:
		b.WriteByte('[')
		for i, c := range n.Content {
			if i > 0 {
				b.WriteByte(',')
			}
			if !writeJSON(b, c, budget) {
				return false
			}
		}
		b.WriteByte(']')
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			b.WriteString("null")
			return true
		case "!!bool", "!!int", "!!float":
			if s, ok := scalarString(n); ok && json.Valid([]byte(s)) {
				b.WriteString(s)
				return true
			}
			// .inf, .nan and the like have no JSON number: keep the text.
		}
		writeJSONString(b, n.Value)
	default:
		return false
	}
	return true
}

// writeJSONString writes s as a JSON string.
func writeJSONString(b *bytes.Buffer, s string) {
	q, _ := json.Marshal(s) // a string always marshals
	b.Write(q)
}

// jsonMediaType reports whether a media type (a content key) carries JSON,
// and how much it is preferred: application/json first, then any +json
// type, then */*.
func jsonMediaType(key string) int {
	mt, _, _ := strings.Cut(key, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	switch {
	case mt == "application/json":
		return 3
	case strings.HasSuffix(mt, "+json"):
		return 2
	case mt == "*/*":
		return 1
	}
	return 0
}

// jsonContent returns the schema node of the preferred JSON media type of
// a 3.x "content" mapping, or nil.
func (sr *schemaReader) jsonContent(content *yaml.Node) *yaml.Node {
	content = deref(content)
	if content == nil || content.Kind != yaml.MappingNode || !sr.spend(len(content.Content)/2) {
		return nil
	}
	var best *yaml.Node
	rank := 0
	for i := 0; i+1 < len(content.Content); i += 2 {
		if r := jsonMediaType(content.Content[i].Value); r > rank {
			rank, best = r, content.Content[i+1]
		}
	}
	if best == nil {
		return nil
	}
	return value(sr.r.follow(best), "schema")
}

// requestBody returns the JSON request body schema of an operation: the
// 3.x requestBody, or the Swagger 2.0 "in: body" parameter of the
// operation or else of its path item.
func (sr *schemaReader) requestBody(item, op *yaml.Node, line int) (*Schema, bool) {
	if rb := value(op, "requestBody"); rb != nil {
		rb = sr.r.follow(rb)
		return sr.read(sr.jsonContent(value(rb, "content")), line), isTrue(value(rb, "required"))
	}
	for _, list := range []*yaml.Node{value(op, "parameters"), value(item, "parameters")} {
		list = deref(list)
		if list == nil || list.Kind != yaml.SequenceNode || !sr.spend(len(list.Content)) {
			continue
		}
		for _, p := range list.Content {
			p = sr.r.follow(p)
			if text(p, "in") == "body" {
				return sr.read(value(p, "schema"), line), isTrue(value(p, "required"))
			}
		}
	}
	return nil, false
}

// answer returns the schema of the first 2xx JSON response of an
// operation, 200 and then 201 preferred, then the others in document order
// and the 3.x "2XX" range last. Swagger 2.0 responses carry their schema
// directly.
func (sr *schemaReader) answer(op *yaml.Node, line int) *Schema {
	responses := deref(value(op, "responses"))
	if responses == nil || responses.Kind != yaml.MappingNode || !sr.spend(len(responses.Content)/2) {
		return nil
	}
	var codes []string
	for i := 0; i+1 < len(responses.Content); i += 2 {
		if c := responses.Content[i].Value; len(c) == 3 && c[0] == '2' {
			codes = append(codes, c)
		}
	}
	slices.SortStableFunc(codes, func(a, b string) int { return answerRank(a) - answerRank(b) })
	for _, c := range codes {
		resp := sr.r.follow(value(responses, c))
		if resp == nil {
			continue
		}
		schema := value(resp, "schema") // Swagger 2.0
		if content := value(resp, "content"); content != nil {
			schema = sr.jsonContent(content)
		}
		if schema != nil {
			return sr.read(schema, line)
		}
	}
	return nil
}

// answerRank orders status codes for answer: lower first.
func answerRank(code string) int {
	switch strings.ToUpper(code) {
	case "200":
		return 0
	case "201":
		return 1
	case "2XX":
		return 3
	}
	return 2
}
