package openapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
)

func TestParseFixtures(t *testing.T) {
	tests := []struct {
		file string
		want *Document
	}{
		{
			file: "petstore.yaml",
			want: &Document{
				Version:  "3.0.3",
				Title:    "Petstore",
				BasePath: "/api/v1",
				SecuritySchemes: map[string]Scheme{
					"bearerAuth": {Type: "http", Scheme: "bearer"},
					"apiKey":     {Type: "apiKey", In: "header", Name: "X-API-Key"},
				},
				Operations: []Operation{
					{Method: "GET", Path: "/feed", OperationID: "feed", Security: SecurityOptional, Schemes: []string{"apiKey"}, Line: 74},
					{Method: "TRACE", Path: "/feed", OperationID: "traceFeed", Security: SecurityRequired, Schemes: []string{"bearerAuth"}, Line: 79},
					{Method: "GET", Path: "/health", OperationID: "health", Security: SecurityPublic, Line: 70},
					{
						Method: "GET", Path: "/pets", OperationID: "listPets", Summary: "List pets", Tags: []string{"pets"},
						Params: []Param{
							{Name: "limit", In: "query", Type: "integer", Format: "int32", Example: "20"},
							{Name: "status", In: "query", Type: "string", Example: "available"},
							{Name: "X-Request-Id", In: "header", Type: "string", Format: "uuid", Example: "3fa85f64-5717-4562-b3fc-2c963f66afa6"},
						},
						Security: SecurityRequired, Schemes: []string{"bearerAuth"}, Line: 14,
					},
					{
						Method: "POST", Path: "/pets", OperationID: "createPet",
						Security: SecurityRequired, Schemes: []string{"bearerAuth"},
						Extensions: map[string]string{"x-admin": "true", "x-rate-limit": "10"}, Line: 35,
						// Pet's parent is Pet again: the cycle is cut there.
						Body: &Schema{Type: "object", Properties: map[string]*Schema{
							"id":     {Type: "integer", Format: "int64", Example: "42"},
							"parent": {Truncated: true},
						}},
					},
					{
						Method: "DELETE", Path: "/pets/{petId}", OperationID: "deletePet",
						Params: []Param{
							{Name: "petId", In: "path", Required: true, Type: "integer", Format: "int64", Example: "1000"},
							{Name: "verbose", In: "query", Type: "boolean", Example: "false"},
						},
						Security: SecurityRequired, Schemes: []string{"apiKey", "bearerAuth"}, Line: 56,
					},
					{
						Method: "GET", Path: "/pets/{petId}", OperationID: "getPet", Tags: []string{"pets"},
						Params: []Param{
							{Name: "petId", In: "path", Required: true, Type: "integer", Format: "int64", Example: "42"},
							{Name: "verbose", In: "query", Type: "boolean", Example: "false"},
						},
						Security: SecurityRequired, Schemes: []string{"bearerAuth"}, Line: 53,
					},
				},
			},
		},
		{
			file: "fastapi.json",
			want: &Document{
				Version: "3.1.0",
				Title:   "Orders API",
				SecuritySchemes: map[string]Scheme{
					"HTTPBearer": {Type: "http", Scheme: "bearer"},
				},
				Operations: []Operation{
					{Method: "GET", Path: "/", OperationID: "root__get", Summary: "Root", Line: 73},
					{
						Method: "GET", Path: "/api/orders/{order_id}", OperationID: "read_order_api_orders__order_id__get",
						Summary: "Read Order", Tags: []string{"orders"},
						Params: []Param{
							{Name: "order_id", In: "path", Required: true, Type: "integer", Example: "7"},
							{Name: "expand", In: "query", Type: "boolean", Example: "true"},
							{Name: "limit", In: "query", Type: "integer", Format: "int32", Example: "25"},
							{Name: "q", In: "query", Type: "string", Format: "email"},
							{Name: "session", In: "cookie", Type: "string", Example: "abc"},
						},
						Security: SecurityRequired, Schemes: []string{"HTTPBearer"}, Line: 9,
					},
					{
						Method: "GET", Path: "/user", OperationID: "get_user_user_get", Summary: "Get User",
						Params: []Param{{Name: "user_id", In: "query", Required: true, Type: "string", Example: "u-123"}},
						Line:   58,
					},
				},
			},
		},
		{
			file: "swagger.json",
			want: &Document{
				Version:  "2.0",
				Title:    "Legacy",
				BasePath: "/v2",
				SecuritySchemes: map[string]Scheme{
					"basic": {Type: "http", Scheme: "basic"},
					"key":   {Type: "apiKey", In: "query", Name: "api_key"},
					"oauth": {Type: "oauth2"},
				},
				Operations: []Operation{
					{Method: "POST", Path: "/login", OperationID: "login", Security: SecurityPublic, Line: 37},
					{
						Method: "GET", Path: "/users/{userId}", OperationID: "getUser",
						Params: []Param{
							{Name: "userId", In: "path", Required: true, Type: "string", Format: "uuid", Example: "0b9a1c2d-0000-4000-8000-000000000001"},
							{Name: "fields", In: "query", Type: "array", Example: "name"},
							{Name: "page", In: "query", Type: "integer", Example: "1"},
						},
						Security: SecurityRequired, Schemes: []string{"key"}, Line: 18,
					},
					{
						// The body parameter is the Body; formData is left out.
						Method: "PUT", Path: "/users/{userId}", OperationID: "updateUser",
						Params: []Param{
							{Name: "userId", In: "path", Required: true, Type: "string", Format: "uuid", Example: "0b9a1c2d-0000-4000-8000-000000000001"},
						},
						Body: &Schema{Type: "object"}, BodyRequired: true,
						Security: SecurityRequired, Schemes: []string{"basic"}, Line: 26,
					},
				},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			got, err := Load(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Load(%s) =\n%s\nwant\n%s", tt.file, dump(got), dump(tt.want))
			}
		})
	}
}

// TestOperationLine checks Line against the source text itself: the line
// it names must hold the method key, in YAML and in JSON.
func TestOperationLine(t *testing.T) {
	for _, file := range []string{"petstore.yaml", "fastapi.json", "swagger.json"} {
		t.Run(file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", file))
			if err != nil {
				t.Fatal(err)
			}
			doc, err := Parse(data, file)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(string(data), "\n")
			for _, op := range doc.Operations {
				if op.Line < 1 || op.Line > len(lines) {
					t.Errorf("%s %s: line %d out of range", op.Method, op.Path, op.Line)
					continue
				}
				text := strings.TrimSpace(lines[op.Line-1])
				method := strings.ToLower(op.Method)
				if !strings.HasPrefix(text, method+":") && !strings.HasPrefix(text, `"`+method+`":`) {
					t.Errorf("%s %s: line %d is %q, want the %q key", op.Method, op.Path, op.Line, text, method)
				}
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	const head = "openapi: 3.0.0\ninfo: {title: t, version: '1'}\n"
	tests := []struct {
		name       string
		input      string
		want       string // substring of the error
		notOpenAPI bool   // errors.Is(err, ErrNotOpenAPI)
	}{
		{"empty", "", "the document is empty", true},
		{"blank", " \n\t\n", "the document is empty", true},
		{"not yaml", "a: b: c\n", "not valid YAML at line 1", true},
		{"bad json", "{\"openapi\": \"3.0.0\",\n \"info\": }", "not valid JSON at line 2", true},
		{"truncated json", "{\"openapi\": \"3.0.0\",\n \"info\": {", "not valid JSON", true},
		{"control character", "openapi: 3.0.0\x00\n", "not valid YAML: control characters are not allowed", true},
		{"html page", "<!doctype html>\n<html><body>app</body></html>\n", "the top level is a string", true},
		{"yaml list", "- a\n- b\n", "the top level is a list", true},
		{"yaml not openapi", "name: my-app\nversion: 2\n", `no "openapi" or "swagger" field`, true},
		{"openapi 4", "openapi: 4.0.0\ninfo: {title: t, version: '1'}\npaths: {}\n", `unsupported OpenAPI version "4.0.0"`, false},
		{"openapi 1", "openapi: 1.0.0\npaths: {}\n", `unsupported OpenAPI version "1.0.0"`, false},
		{"swagger 1.2", "swagger: '1.2'\napis: []\n", `unsupported Swagger version "1.2"`, false},
		{"version list", "openapi: [3]\n", `line 1: the "openapi" field is a list`, false},
		{"both versions", "openapi: 3.0.0\nswagger: '2.0'\n", `both an "openapi" and a "swagger" field`, false},
		{"duplicate key", head + "paths: {}\npaths: {}\n", `line 4: key "paths" is already defined at line 3`, false},
		{"duplicate method", head + "paths:\n  /a:\n    get: {}\n    post: {}\n    get: {}\n", `line 7: key "get" is already defined at line 5`, false},
		{"duplicate in a large mapping", head + "paths: {}\nx-big: {a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8, i: 9, j: 10, c: 11}\n", `line 4: key "c" is already defined at line 4`, false},
		{"duplicate json key", "{\"openapi\": \"3.0.0\",\n \"openapi\": \"3.1.0\"}", `line 2: key "openapi" is already defined at line 1`, false},
		{"json trailing comma", "{\"openapi\": \"3.0.0\", \"paths\": {},\n}", "not valid JSON at line 2", true},
		{"paths string", head + "paths: none\n", `line 3: "paths" is a string`, false},
		{"path item string", head + "paths:\n  /a: hello\n", `line 4: path "/a" is a string`, false},
		{"operation number", head + "paths:\n  /a:\n    get: 5\n", "line 5: GET /a is a number", false},
		{"operation params mapping", head + "paths:\n  /a:\n    get:\n      parameters: {a: b}\n", "line 6: the parameters of GET /a is a mapping, want a list", false},
		{"path params string", head + "paths:\n  /a:\n    parameters: none\n", `line 5: the parameters of path "/a" is a string`, false},
		{"param item string", head + "paths:\n  /a:\n    get:\n      parameters:\n        - limit\n", "line 7: the parameters of GET /a: item 1 is a string", false},
		{"security mapping", head + "paths:\n  /a:\n    get:\n      security: {bearer: []}\n", "line 6: the security of GET /a is a mapping", false},
		{"global security string", head + "security: bearer\npaths: {}\n", `line 3: the top-level "security" is a string`, false},
		{"newline in key", head + "paths:\n  \"/a\\n::error::pwned\": 1\n", `path "/a ::error::pwned" is a number`, false},
		{"swagger path item list", "swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths:\n  /a: [1]\n", `line 4: path "/a" is a list`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc, err := Parse([]byte(tt.input), "openapi.yaml")
			if err == nil {
				t.Fatalf("Parse succeeded with %d operations, want an error", len(doc.Operations))
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "openapi.yaml: ") {
				t.Errorf("error %q does not start with the source", msg)
			}
			if !strings.Contains(msg, tt.want) {
				t.Errorf("error %q does not contain %q", msg, tt.want)
			}
			if strings.ContainsAny(msg, "\n\r") {
				t.Errorf("error %q is not one line", msg)
			}
			if got := errors.Is(err, ErrNotOpenAPI); got != tt.notOpenAPI {
				t.Errorf("errors.Is(err, ErrNotOpenAPI) = %v, want %v (error %q)", got, tt.notOpenAPI, msg)
			}
		})
	}
}

// TestReferences covers broken and circular references: none may stop
// the parse, hang it or cost other parameters; each broken one is a
// warning naming its line. Several of these inputs overflowed libopenapi's
// stack or made it loop when its model was built.
func TestReferences(t *testing.T) {
	const head = "openapi: 3.0.0\ninfo: {title: t, version: '1'}\n"
	const swagger = "swagger: '2.0'\ninfo: {title: t, version: '1'}\n"
	tests := []struct {
		name     string
		input    string
		ops      int
		params   []string // names of the first operation's parameters
		warnings []string
	}{
		{
			// libopenapi's model would drop the whole path item.
			name: "missing components",
			input: head + "paths:\n  /a/{id}:\n    parameters: [{name: id, in: path, schema: {$ref: '#/components/schemas/Gone'}}]\n" +
				"    get:\n      parameters:\n        - $ref: '#/components/parameters/Nope'\n" +
				"        - {name: q, in: query, schema: {type: string}}\n" +
				"        - {name: r, in: query, schema: {$ref: '#/components/schemas/Missing'}}\n",
			ops:    1,
			params: []string{"id", "q", "r"},
			warnings: []string{
				`line 5: $ref "#/components/schemas/Gone" does not resolve`,
				`line 8: $ref "#/components/parameters/Nope" does not resolve`,
				`line 10: $ref "#/components/schemas/Missing" does not resolve`,
			},
		},
		{
			// The document may come from the scanned target: it must not
			// make authgate fetch URLs or read files.
			name: "remote and file refs",
			input: head + "paths:\n  /a:\n    get:\n      parameters:\n" +
				"        - $ref: 'http://169.254.169.254/latest/meta-data'\n        - $ref: '/etc/passwd'\n",
			ops: 1,
			warnings: []string{
				`line 7: $ref "http://169.254.169.254/latest/meta-data" points outside the document; external references are not followed`,
				`line 8: $ref "/etc/passwd" points outside the document; external references are not followed`,
			},
		},
		{
			name: "parameter ref cycle",
			input: head + "paths:\n  /a:\n    get:\n      parameters:\n        - $ref: '#/components/parameters/P'\n" +
				"components:\n  parameters:\n    P: {$ref: '#/components/parameters/Q'}\n    Q: {$ref: '#/components/parameters/P'}\n",
			ops: 1,
			warnings: []string{
				`line 7: $ref "#/components/parameters/P" is circular or a chain of more than 16 references`,
				`line 10: $ref "#/components/parameters/Q" is circular or a chain of more than 16 references`,
				`line 11: $ref "#/components/parameters/P" is circular or a chain of more than 16 references`,
			},
		},
		{
			name:     "swagger parameter ref to itself",
			input:    swagger + "paths:\n  /a:\n    get:\n      parameters: [{$ref: '#/parameters/p'}]\nparameters:\n  p: {$ref: '#/parameters/p'}\n",
			ops:      1,
			warnings: []string{`line 6: $ref "#/parameters/p" is circular or a chain of more than 16 references`, `line 8: $ref "#/parameters/p" is circular or a chain of more than 16 references`},
		},
		{
			name:   "swagger items back to their parameter",
			input:  swagger + "paths:\n  /a:\n    get:\n      parameters:\n        - {name: a, in: query, type: array, items: {$ref: '#/paths/~1a/get/parameters/0'}}\n",
			ops:    1,
			params: []string{"a"},
		},
		{
			name: "swagger items through a recursive definition",
			input: swagger + "paths:\n  /a:\n    get: {parameters: [{name: a, in: query, type: array, items: {$ref: '#/definitions/T'}}]}\n" +
				"definitions:\n  T: {type: array, items: {$ref: '#/definitions/T'}}\n",
			ops:    1,
			params: []string{"a"},
		},
		{
			name:  "callback back to its own path",
			input: head + "paths:\n  /a:\n    get:\n      callbacks: {c: {'x': {$ref: '#/paths/~1a'}}}\n",
			ops:   1,
		},
		{
			name:     "path item ref to itself",
			input:    head + "paths:\n  /a: {$ref: '#/paths/~1a'}\n  /b: {get: {}}\n",
			ops:      1,
			warnings: []string{`line 4: $ref "#/paths/~1a" is circular or a chain of more than 16 references`},
		},
		{
			name:  "path item ref to the root",
			input: head + "paths:\n  /a: {$ref: '#'}\n",
		},
		{
			name:  "recursive alias",
			input: head + "paths:\n  /a: &a\n    get: {parameters: [*a]}\n",
			ops:   1,
		},
		{
			name: "schema refers to itself",
			input: head + "paths:\n  /a:\n    get: {parameters: [{name: q, in: query, schema: {$ref: '#/components/schemas/A'}}]}\n" +
				"components:\n  schemas:\n    A: {$ref: '#/components/schemas/A'}\n",
			ops:    1,
			params: []string{"q"},
			warnings: []string{
				`line 5: $ref "#/components/schemas/A" is circular or a chain of more than 16 references`,
				`line 8: $ref "#/components/schemas/A" is circular or a chain of more than 16 references`,
			},
		},
		{
			name: "recursive schema",
			input: head + "paths:\n  /a:\n    get: {parameters: [{name: q, in: query, schema: {$ref: '#/components/schemas/A'}}]}\n" +
				"components:\n  schemas:\n    A: {type: object, properties: {next: {$ref: '#/components/schemas/A'}}}\n",
			ops:    1,
			params: []string{"q"},
		},
		{
			// Exponential if every branch were followed to a fixed depth.
			name: "wide recursive anyOf",
			input: head + "paths:\n  /a:\n    get: {parameters: [{name: q, in: query, schema: {$ref: '#/components/schemas/A'}}]}\n" +
				"components:\n  schemas:\n    A: {anyOf: [" + strings.Repeat("{$ref: '#/components/schemas/A'}, ", 1000) + "{type: string}]}\n",
			ops:    1,
			params: []string{"q"},
		},
		{
			name:  "extension refers to itself",
			input: head + "x-loop: {$ref: '#/x-loop'}\nx-gone: {$ref: '#/nowhere'}\npaths:\n  /a: {get: {}}\n",
			ops:   1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc, err := Parse([]byte(tt.input), "openapi.yaml")
			if err != nil {
				t.Fatal(err)
			}
			if len(doc.Operations) != tt.ops {
				t.Fatalf("got %d operations, want %d", len(doc.Operations), tt.ops)
			}
			var names []string
			if tt.ops > 0 {
				for _, p := range doc.Operations[0].Params {
					names = append(names, p.Name)
				}
			}
			if !reflect.DeepEqual(names, tt.params) {
				t.Errorf("params %q, want %q", names, tt.params)
			}
			if !reflect.DeepEqual(doc.Warnings, tt.warnings) {
				t.Errorf("warnings:\n%s\nwant\n%s", dump(doc.Warnings), dump(tt.warnings))
			}
		})
	}
}

func TestWarningsAreBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      parameters:\n")
	for i := range maxWarnings + 5 {
		fmt.Fprintf(&b, "        - $ref: '#/components/parameters/P%d'\n", i)
	}
	doc, err := Parse([]byte(b.String()), "openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Warnings) != maxWarnings+1 || doc.Warnings[maxWarnings] != "and 5 more broken references" {
		t.Errorf("warnings = %s, want %d and a count of the rest", dump(doc.Warnings), maxWarnings)
	}
	if !strings.HasPrefix(doc.Warnings[0], "line 7: ") {
		t.Errorf("first warning %q, want the one on line 7 (warnings in document order)", doc.Warnings[0])
	}
}

// TestCircularSchema checks that a self-referencing schema used by a
// parameter neither loops nor loses the parameter.
func TestCircularSchema(t *testing.T) {
	const input = `openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /nodes:
    get:
      parameters:
        - name: filter
          in: query
          schema: {$ref: '#/components/schemas/Node'}
components:
  schemas:
    Node:
      anyOf:
        - $ref: '#/components/schemas/Node'
        - type: array
          items: {$ref: '#/components/schemas/Node'}
`
	doc, err := Parse([]byte(input), "openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Operations) != 1 || len(doc.Operations[0].Params) != 1 {
		t.Fatalf("got %s, want one operation with one parameter", dump(doc.Operations))
	}
	if p := doc.Operations[0].Params[0]; p.Name != "filter" || p.Type != "array" {
		t.Errorf("param = %+v, want filter of type array", p)
	}
}

func TestSecurity(t *testing.T) {
	tests := []struct {
		name        string
		global      string // top-level security, "" for none
		op          string // operation security, "" for none
		swagger     bool
		wantLevel   Security
		wantSchemes []string
	}{
		{name: "undeclared", wantLevel: SecurityUndeclared},
		{name: "global only", global: "[{bearer: []}]", wantLevel: SecurityRequired, wantSchemes: []string{"bearer"}},
		{name: "global public", global: "[]", wantLevel: SecurityPublic},
		{name: "operation overrides with empty list", global: "[{bearer: []}]", op: "[]", wantLevel: SecurityPublic},
		{name: "operation optional", global: "[{bearer: []}]", op: "[{}]", wantLevel: SecurityOptional},
		{name: "optional with alternative", op: "[{}, {key: []}]", wantLevel: SecurityOptional, wantSchemes: []string{"key"}},
		{name: "first requirement, sorted", op: "[{z: [], a: [read]}, {m: []}]", wantLevel: SecurityRequired, wantSchemes: []string{"a", "z"}},
		{name: "operation requires without global", op: "[{key: []}]", wantLevel: SecurityRequired, wantSchemes: []string{"key"}},
		{name: "swagger undeclared", swagger: true, wantLevel: SecurityUndeclared},
		{name: "swagger global", swagger: true, global: "[{key: []}]", wantLevel: SecurityRequired, wantSchemes: []string{"key"}},
		{name: "swagger public", swagger: true, global: "[{key: []}]", op: "[]", wantLevel: SecurityPublic},
		{name: "swagger optional", swagger: true, global: "[{key: []}]", op: "[{}]", wantLevel: SecurityOptional},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			if tt.swagger {
				b.WriteString("swagger: '2.0'\n")
			} else {
				b.WriteString("openapi: 3.0.3\n")
			}
			b.WriteString("info: {title: t, version: '1'}\n")
			if tt.global != "" {
				b.WriteString("security: " + tt.global + "\n")
			}
			b.WriteString("paths:\n  /a:\n    get:\n      responses: {'200': {description: ok}}\n")
			if tt.op != "" {
				b.WriteString("      security: " + tt.op + "\n")
			}
			doc, err := Parse([]byte(b.String()), "openapi.yaml")
			if err != nil {
				t.Fatal(err)
			}
			if len(doc.Operations) != 1 {
				t.Fatalf("got %d operations, want 1", len(doc.Operations))
			}
			op := doc.Operations[0]
			if op.Security != tt.wantLevel || !reflect.DeepEqual(op.Schemes, tt.wantSchemes) {
				t.Errorf("security = %v %q, want %v %q", op.Security, op.Schemes, tt.wantLevel, tt.wantSchemes)
			}
		})
	}
}

func TestBasePath(t *testing.T) {
	tests := []struct {
		name    string
		servers string // the servers entry of a 3.x document, or a Swagger basePath line
		swagger bool
		want    string
	}{
		{name: "no servers", want: ""},
		{name: "host only", servers: "servers: [{url: 'https://api.example.com'}]", want: ""},
		{name: "root", servers: "servers: [{url: 'https://api.example.com/'}]", want: ""},
		{name: "absolute with path", servers: "servers: [{url: 'https://api.example.com/api/v1/'}]", want: "/api/v1"},
		{name: "port and query", servers: "servers: [{url: 'http://localhost:8080/v1?x=1'}]", want: "/v1"},
		{name: "relative", servers: "servers: [{url: /api/}]", want: "/api"},
		{name: "relative without slash", servers: "servers: [{url: api/v2}]", want: "/api/v2"},
		{name: "slash", servers: "servers: [{url: /}]", want: ""},
		{name: "first server wins", servers: "servers: [{url: /one}, {url: /two}]", want: "/one"},
		{
			name:    "variables",
			servers: "servers: [{url: '{scheme}://{host}/{base}/v1', variables: {scheme: {default: https}, host: {default: h.example}, base: {default: api}}}]",
			want:    "/api/v1",
		},
		{name: "variable without default", servers: "servers: [{url: 'https://{host}/api/{version}/x', variables: {version: {default: 2}}}]", want: "/api/2/x"},
		{name: "not a URL", servers: "servers: [{url: 'http://[::1'}]", want: ""},
		{name: "swagger none", swagger: true, want: ""},
		{name: "swagger slash", swagger: true, servers: "basePath: /", want: ""},
		{name: "swagger path", swagger: true, servers: "basePath: /v2/", want: "/v2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			head := "openapi: 3.0.3\n"
			if tt.swagger {
				head = "swagger: '2.0'\n"
			}
			doc, err := Parse([]byte(head+"info: {title: t, version: '1'}\n"+tt.servers+"\npaths: {}\n"), "openapi.yaml")
			if err != nil {
				t.Fatal(err)
			}
			if doc.BasePath != tt.want {
				t.Errorf("BasePath = %q, want %q", doc.BasePath, tt.want)
			}
		})
	}
}

func TestParams(t *testing.T) {
	tests := []struct {
		name  string
		param string // one 3.1 parameter, in flow YAML
		want  Param
	}{
		{
			name:  "example beats examples and schema",
			param: "{name: p, in: query, example: 1, examples: {a: {value: 2}}, schema: {type: integer, example: 3, default: 4}}",
			want:  Param{Name: "p", In: "query", Type: "integer", Example: "1"},
		},
		{
			name:  "examples by key order",
			param: "{name: p, in: query, examples: {z: {value: first}, a: {value: second}}, schema: {type: string, example: s}}",
			want:  Param{Name: "p", In: "query", Type: "string", Example: "first"},
		},
		{
			name:  "external example skipped",
			param: "{name: p, in: query, examples: {z: {externalValue: 'https://x/e'}, a: {value: inline}}}",
			want:  Param{Name: "p", In: "query", Example: "inline"},
		},
		{
			name:  "schema example beats schema examples",
			param: "{name: p, in: query, schema: {type: string, example: a, examples: [b], default: c, enum: [d]}}",
			want:  Param{Name: "p", In: "query", Type: "string", Example: "a"},
		},
		{
			name:  "schema examples beat default",
			param: "{name: p, in: query, schema: {type: string, examples: [b, x], default: c, enum: [d]}}",
			want:  Param{Name: "p", In: "query", Type: "string", Example: "b"},
		},
		{
			name:  "default beats enum",
			param: "{name: p, in: query, schema: {type: string, default: c, enum: [d]}}",
			want:  Param{Name: "p", In: "query", Type: "string", Example: "c"},
		},
		{
			name:  "enum",
			param: "{name: p, in: query, schema: {type: string, enum: [d, e]}}",
			want:  Param{Name: "p", In: "query", Type: "string", Example: "d"},
		},
		{
			name:  "null default falls through to enum",
			param: "{name: p, in: query, schema: {type: [string, 'null'], default: null, enum: [d, null]}}",
			want:  Param{Name: "p", In: "query", Type: "string", Example: "d"},
		},
		{
			name:  "array items enum",
			param: "{name: p, in: query, schema: {type: array, items: {type: string, enum: [red, blue]}}}",
			want:  Param{Name: "p", In: "query", Type: "array", Example: "red"},
		},
		{
			name:  "oneOf branch type and example",
			param: "{name: p, in: header, required: true, schema: {oneOf: [{type: 'null'}, {type: string, format: uuid, example: u-1}]}}",
			want:  Param{Name: "p", In: "header", Required: true, Type: "string", Format: "uuid", Example: "u-1"},
		},
		{
			name:  "content instead of schema",
			param: "{name: p, in: query, content: {application/json: {schema: {type: object}, example: {a: 1}, examples: {one: {value: x}}}}}",
			want:  Param{Name: "p", In: "query", Type: "object", Example: "x"},
		},
		{
			name:  "path is always required",
			param: "{name: p, in: path, required: false, schema: {type: string}}",
			want:  Param{Name: "p", In: "path", Required: true, Type: "string"},
		},
		{
			name:  "object example gives nothing",
			param: "{name: p, in: query, example: {a: 1}, schema: {type: object}}",
			want:  Param{Name: "p", In: "query", Type: "object"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			input := "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      parameters:\n        - " + tt.param + "\n"
			doc, err := Parse([]byte(input), "openapi.yaml")
			if err != nil {
				t.Fatal(err)
			}
			if len(doc.Operations) != 1 || len(doc.Operations[0].Params) != 1 {
				t.Fatalf("got %s, want one operation with one parameter (warnings %q)", dump(doc.Operations), doc.Warnings)
			}
			if got := doc.Operations[0].Params[0]; got != tt.want {
				t.Errorf("param = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestMergeParams covers path-level parameters overridden by the
// operation's, and unknown locations left out.
func TestMergeParams(t *testing.T) {
	const input = `openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /a/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string}}
      - {name: id, in: query, schema: {type: string, example: q}}
      - {name: trace, in: header, schema: {type: string, example: path-level}}
    get:
      parameters:
        - {name: extra, in: query, schema: {type: integer, example: 5}}
        - {name: trace, in: header, schema: {type: string, example: op-level}}
        - {name: weird, in: body, schema: {type: string}}
        - {name: id, in: path, required: true, schema: {type: integer, example: 7}}
`
	doc, err := Parse([]byte(input), "openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := []Param{
		{Name: "id", In: "path", Required: true, Type: "integer", Example: "7"},
		{Name: "id", In: "query", Type: "string", Example: "q"},
		{Name: "trace", In: "header", Type: "string", Example: "op-level"},
		{Name: "extra", In: "query", Type: "integer", Example: "5"},
	}
	if len(doc.Operations) != 1 {
		t.Fatalf("got %d operations, want 1", len(doc.Operations))
	}
	if got := doc.Operations[0].Params; !reflect.DeepEqual(got, want) {
		t.Errorf("params =\n%s\nwant\n%s", dump(got), dump(want))
	}
}

func TestLoadMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing.yaml")
	_, err := Load(path)
	if err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("Load(missing) error = %v, want one naming the file", err)
	}
}

func TestParseTooLarge(t *testing.T) {
	data := make([]byte, MaxDocumentBytes+1)
	_, err := Parse(data, "huge.json")
	if err == nil || !strings.Contains(err.Error(), "huge.json: document is") {
		t.Errorf("Parse(huge) error = %v, want a size error naming the source", err)
	}
}

// TestParseConcurrent runs Parse from several goroutines, for the race
// detector: the parser must share nothing between calls.
func TestParseConcurrent(t *testing.T) {
	var docs [][]byte
	for _, f := range []string{"petstore.yaml", "fastapi.json", "swagger.json"} {
		data, err := os.ReadFile(filepath.Join("testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, data)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		data := docs[i%len(docs)]
		wg.Go(func() {
			if _, err := Parse(data, "doc"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
}

func dump(v any) string {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err.Error()
	}
	return string(b)
}
