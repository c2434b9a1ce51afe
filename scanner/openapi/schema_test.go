package openapi

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func intp(i int) *int           { return &i }
func floatp(f float64) *float64 { return &f }
func obj(props map[string]*Schema, required ...string) *Schema {
	return &Schema{Type: "object", Properties: props, Required: required}
}

// opByID returns the operation with the given operationId.
func opByID(t *testing.T, doc *Document, id string) Operation {
	t.Helper()
	for _, op := range doc.Operations {
		if op.OperationID == id {
			return op
		}
	}
	t.Fatalf("no operation %q", id)
	return Operation{}
}

const schemas30 = `openapi: 3.0.3
info: {title: Users, version: '1'}
paths:
  /users:
    post:
      operationId: createUser
      requestBody:
        $ref: '#/components/requestBodies/NewUser'
      responses:
        '400': {description: bad, content: {application/json: {schema: {type: object, properties: {error: {type: string}}}}}}
        '201':
          description: created
          content:
            application/json; charset=utf-8:
              schema: {$ref: '#/components/schemas/User'}
        '200':
          description: not JSON
          content:
            text/plain: {schema: {type: string}}
    get:
      operationId: listUsers
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {type: array, items: {$ref: '#/components/schemas/User'}}
  /tree:
    put:
      operationId: putTree
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Node'}
      responses:
        '204': {description: none}
components:
  requestBodies:
    NewUser:
      required: true
      content:
        application/xml: {schema: {type: string}}
        application/json:
          schema: {$ref: '#/components/schemas/NewUser'}
  schemas:
    Base:
      type: object
      required: [id]
      properties:
        id: {type: string, format: uuid, readOnly: true}
        createdAt: {type: string, format: date-time, readOnly: true}
    NewUser:
      type: object
      required: [name, email]
      properties:
        name: {type: string, minLength: 2, maxLength: 40, pattern: '^[a-z]+$', example: alice}
        email: {type: string, format: email}
        password: {type: string, writeOnly: true}
        role: {type: string, enum: [user, admin], default: user}
        age: {type: integer, minimum: 0, maximum: 150.5}
        nickname: {type: string, nullable: true}
        address:
          type: object
          example: {street: Main St, number: 1e3, tags: [a, b], ok: true, none: null}
          properties:
            street: {type: string}
    User:
      allOf:
        - $ref: '#/components/schemas/Base'
        - $ref: '#/components/schemas/NewUser'
        - required: [role]
    Node:
      type: object
      properties:
        name: {type: string}
        children:
          type: array
          items: {$ref: '#/components/schemas/Node'}
`

// newUser is NewUser of schemas30 as the parser reads it.
func newUser() *Schema {
	return obj(map[string]*Schema{
		"name":     {Type: "string", MinLength: intp(2), MaxLength: intp(40), Pattern: "^[a-z]+$", Example: `"alice"`},
		"email":    {Type: "string", Format: "email"},
		"password": {Type: "string", WriteOnly: true},
		"role":     {Type: "string", Enum: []string{"user", "admin"}, Default: `"user"`},
		"age":      {Type: "integer", Minimum: floatp(0), Maximum: floatp(150.5)},
		"nickname": {Type: "string", Nullable: true},
		"address": {
			Type:       "object",
			Example:    `{"street":"Main St","number":1000,"tags":["a","b"],"ok":true,"none":null}`,
			Properties: map[string]*Schema{"street": {Type: "string"}},
		},
	}, "name", "email")
}

// user is User of schemas30: Base and NewUser merged by allOf.
func user() *Schema {
	u := newUser()
	u.Properties["id"] = &Schema{Type: "string", Format: "uuid", ReadOnly: true}
	u.Properties["createdAt"] = &Schema{Type: "string", Format: "date-time", ReadOnly: true}
	u.Required = []string{"id", "name", "email", "role"}
	return u
}

const schemas31 = `{
  "openapi": "3.1.0",
  "info": {"title": "Orders", "version": "1"},
  "paths": {
    "/orders": {
      "post": {
        "operationId": "createOrder",
        "requestBody": {
          "content": {
            "application/vnd.api+json": {
              "schema": {
                "type": "object",
                "required": ["item"],
                "properties": {
                  "item": {"type": "string", "examples": ["book", "pen"]},
                  "note": {"type": ["string", "null"], "maxLength": 200},
                  "qty": {"anyOf": [{"type": "null"}, {"$ref": "#/components/schemas/Qty"}]},
                  "kind": {"const": "order"},
                  "meta": {"type": "object", "additionalProperties": {"type": "string"}},
                  "any": true
                }
              }
            }
          }
        },
        "responses": {
          "2XX": {"description": "ok", "content": {"*/*": {"schema": {"type": "string"}}}},
          "202": {"description": "accepted", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Qty"}}}}
        }
      }
    }
  },
  "components": {"schemas": {"Qty": {"type": "integer", "format": "int32", "default": 1, "minimum": 1}}}
}`

const schemas20 = `swagger: '2.0'
info: {title: Legacy, version: '1'}
paths:
  /pets:
    parameters:
      - {name: pet, in: body, schema: {$ref: '#/definitions/Pet'}}
    post:
      operationId: createPet
      parameters:
        - {name: trace, in: header, type: string}
      responses:
        '200': {$ref: '#/responses/PetOK'}
  /pets/{id}:
    put:
      operationId: updatePet
      parameters:
        - {name: id, in: path, required: true, type: integer}
        - {name: body, in: body, required: true, schema: {type: object, properties: {name: {type: string}}}}
      responses:
        default: {description: error, schema: {type: string}}
responses:
  PetOK:
    description: ok
    schema: {$ref: '#/definitions/Pet'}
definitions:
  Pet:
    type: object
    required: [name]
    properties:
      id: {type: integer, format: int64, readOnly: true}
      name: {type: string, example: rex}
      tags: {type: array, items: {type: string}}
`

func TestOperationSchemas(t *testing.T) {
	tree := obj(map[string]*Schema{
		"name": {Type: "string"},
		// Node's children are Nodes: the $ref cycle is cut at the first
		// repetition.
		"children": {Type: "array", Items: &Schema{Truncated: true}},
	})
	pet := obj(map[string]*Schema{
		"id":   {Type: "integer", Format: "int64", ReadOnly: true},
		"name": {Type: "string", Example: `"rex"`},
		"tags": {Type: "array", Items: &Schema{Type: "string"}},
	}, "name")
	tests := []struct {
		name, doc, op string
		body          *Schema
		required      bool
		answer        *Schema
	}{
		{name: "3.0 requestBody $ref, allOf answer from 201", doc: schemas30, op: "createUser",
			body: newUser(), required: true, answer: user()},
		{name: "3.0 array answer", doc: schemas30, op: "listUsers",
			answer: &Schema{Type: "array", Items: user()}},
		{name: "3.0 self-referencing tree", doc: schemas30, op: "putTree", body: tree},
		{name: "3.1 JSON type lists, anyOf null, examples, +json", doc: schemas31, op: "createOrder",
			body: obj(map[string]*Schema{
				"item": {Type: "string", Example: `"book"`},
				"note": {Type: "string", Nullable: true, MaxLength: intp(200)},
				"qty":  {Type: "integer", Format: "int32", Default: "1", Minimum: floatp(1), Nullable: true},
				"kind": {Enum: []string{"order"}},
				"meta": {Type: "object"},
				"any":  {},
			}, "item"),
			// 202 comes before the 2XX range.
			answer: &Schema{Type: "integer", Format: "int32", Default: "1", Minimum: floatp(1)}},
		{name: "2.0 path-level body parameter, $ref'd response", doc: schemas20, op: "createPet",
			body: pet, answer: pet},
		{name: "2.0 operation body parameter, no 2xx", doc: schemas20, op: "updatePet",
			body: obj(map[string]*Schema{"name": {Type: "string"}}), required: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := Parse([]byte(tt.doc), "doc")
			if err != nil {
				t.Fatal(err)
			}
			if len(doc.Warnings) != 0 {
				t.Errorf("warnings: %q", doc.Warnings)
			}
			op := opByID(t, doc, tt.op)
			if !reflect.DeepEqual(op.Body, tt.body) {
				t.Errorf("Body =\n%s\nwant\n%s", dump(op.Body), dump(tt.body))
			}
			if op.BodyRequired != tt.required {
				t.Errorf("BodyRequired = %v, want %v", op.BodyRequired, tt.required)
			}
			if !reflect.DeepEqual(op.Answer, tt.answer) {
				t.Errorf("Answer =\n%s\nwant\n%s", dump(op.Answer), dump(tt.answer))
			}
		})
	}
}

// bodyDoc wraps a components/schemas section (indented by four) into a
// 3.0 document whose POST /x takes components/schemas/B as its body.
func bodyDoc(schemas string) []byte {
	return []byte(`openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /x:
    post:
      requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/B'}}}}
      responses: {'200': {description: ok}}
components:
  schemas:
` + schemas)
}

func parseBody(t *testing.T, data []byte) (*Schema, *Document) {
	t.Helper()
	doc, err := Parse(data, "doc")
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Operations) != 1 {
		t.Fatalf("%d operations, want 1", len(doc.Operations))
	}
	if doc.Operations[0].Body == nil {
		t.Fatal("no body schema")
	}
	return doc.Operations[0].Body, doc
}

// schemaStats returns the depth of s and its number of schemas.
func schemaStats(s *Schema) (depth, count int) {
	if s == nil {
		return 0, 0
	}
	count = 1
	children := []*Schema{s.Items}
	for _, p := range s.Properties {
		children = append(children, p)
	}
	for _, c := range children {
		d, n := schemaStats(c)
		depth = max(depth, d)
		count += n
	}
	return depth + 1, count
}

func TestSchemaDepthBound(t *testing.T) {
	// Twelve inline objects nested by one property each.
	var b strings.Builder
	b.WriteString("    B:\n")
	indent := "      "
	for range 12 {
		fmt.Fprintf(&b, "%stype: object\n%sproperties:\n%s  next:\n", indent, indent, indent)
		indent += "    "
	}
	fmt.Fprintf(&b, "%stype: string\n", indent)
	body, _ := parseBody(t, bodyDoc(b.String()))
	s := body
	for range maxSchemaDepth {
		if s.Type != "object" || s.Truncated {
			t.Fatalf("schema cut too early: %s", dump(s))
		}
		s = s.Properties["next"]
	}
	if s.Type != "object" {
		t.Fatalf("level %d = %s, want an object", maxSchemaDepth, dump(s))
	}
	if cut := s.Properties["next"]; cut == nil || !cut.Truncated || cut.Type != "" || cut.Properties != nil {
		t.Errorf("level %d = %s, want a Truncated schema", maxSchemaDepth+1, dump(cut))
	}
}

func TestSchemaNodeBound(t *testing.T) {
	// A thousand properties, each an object with two more.
	var b strings.Builder
	b.WriteString("    B:\n      type: object\n      properties:\n")
	for i := range 1000 {
		fmt.Fprintf(&b, "        p%d: {type: object, properties: {a: {type: string}, b: {type: integer}}}\n", i)
	}
	body, _ := parseBody(t, bodyDoc(b.String()))
	if _, n := schemaStats(body); n > maxBodySchemaNodes || n < maxBodySchemaNodes/2 {
		t.Errorf("body has %d schemas, want about %d", n, maxBodySchemaNodes)
	}
}

func TestSchemaCycles(t *testing.T) {
	tests := []struct{ name, schemas string }{
		{"pure $ref chain", "    B: {$ref: '#/components/schemas/C'}\n    C: {$ref: '#/components/schemas/B'}\n"},
		{"allOf of itself", "    B: {type: object, allOf: [{$ref: '#/components/schemas/B'}], properties: {a: {type: string}}}\n"},
		{"anyOf of itself", "    B: {anyOf: [{$ref: '#/components/schemas/B'}]}\n"},
		{"alias cycle through allOf", "    B: &b {allOf: [*b]}\n"},
		{"alias cycle through properties", "    B: &b {type: object, properties: {a: *b, b: *b}}\n"},
		{"mutual properties", "    B: {type: object, properties: {c: {$ref: '#/components/schemas/C'}}}\n    C: {type: object, properties: {b: {$ref: '#/components/schemas/B'}}}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, _ := parseBody(t, bodyDoc(tt.schemas))
			depth, n := schemaStats(body)
			if depth > maxSchemaDepth+2 || n > maxBodySchemaNodes {
				t.Errorf("depth %d, %d schemas: the cycle was not cut", depth, n)
			}
		})
	}
	// A $ref cycle is cut where the $ref repeats, not at the depth bound.
	body, _ := parseBody(t, bodyDoc(tests[5].schemas))
	if c := body.Properties["c"]; c == nil || c.Type != "object" || c.Properties["b"] == nil || !c.Properties["b"].Truncated {
		t.Errorf("B = %s, want B.c.b Truncated", dump(body))
	}
}

func TestSchemaRefsNotFollowed(t *testing.T) {
	body, doc := parseBody(t, bodyDoc(`    B:
      type: object
      properties:
        ext: {$ref: 'https://example.com/schemas.json#/User'}
        file: {$ref: 'other.yaml#/User'}
        missing: {$ref: '#/components/schemas/Missing'}
        ok: {type: string}
`))
	for _, name := range []string{"ext", "file", "missing"} {
		if p := body.Properties[name]; p == nil || !p.Truncated {
			t.Errorf("%s = %s, want Truncated", name, dump(p))
		}
	}
	if p := body.Properties["ok"]; p == nil || p.Type != "string" {
		t.Errorf("ok = %s", dump(p))
	}
	if len(doc.Warnings) != 3 {
		t.Errorf("warnings = %q, want the three references", doc.Warnings)
	}
}

func TestSchemaExampleBound(t *testing.T) {
	// Aliases that expand to 10^9 nodes: the example is dropped, not built.
	body, _ := parseBody(t, bodyDoc(`    B:
      type: object
      x-a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]
      x-b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
      x-c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
      x-d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
      x-e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
      x-f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]
      x-g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]
      x-h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]
      x-i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]
      example: *i
      default: *a
`))
	if body.Example != "" {
		t.Errorf("Example has %d bytes, want none", len(body.Example))
	}
	if body.Default != "[1,1,1,1,1,1,1,1,1,1]" {
		t.Errorf("Default = %q", body.Default)
	}
}

func TestSchemaWorkBound(t *testing.T) {
	// One wide schema used by every operation: reading it for each would
	// be quadratic in the document's size.
	const props, ops = 20000, 2000
	var b strings.Builder
	b.WriteString("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n")
	for i := range ops {
		fmt.Fprintf(&b, "  /x%d: {post: {requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/W'}}}}, responses: {'200': {description: ok}}}}\n", i)
	}
	b.WriteString("components:\n  schemas:\n    W:\n      properties:\n")
	for i := range props {
		fmt.Fprintf(&b, "        p%d: {}\n", i)
	}
	doc, err := Parse([]byte(b.String()), "doc")
	if err != nil {
		t.Fatal(err)
	}
	read := 0
	for _, op := range doc.Operations {
		if op.Body != nil {
			read++
		}
	}
	if read == 0 || read == ops {
		t.Errorf("%d of %d bodies read, want the work bound to stop in between", read, ops)
	}
	if len(doc.Warnings) != 1 || !strings.Contains(doc.Warnings[0], "schemas from this operation on were not read") {
		t.Errorf("warnings = %q, want one about the bound", doc.Warnings)
	}
}
