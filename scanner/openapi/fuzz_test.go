package openapi

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse checks that no input panics and that errors stay one line
// naming the source. Crashers found by `go test -fuzz FuzzParse` are kept
// under testdata/fuzz/FuzzParse and replayed by every `go test`.
func FuzzParse(f *testing.F) {
	for _, file := range []string{"petstore.yaml", "fastapi.json", "swagger.json"} {
		data, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	const head = "openapi: 3.1.0\ninfo: {title: t, version: '1'}\n"
	for _, seed := range []string{
		"",
		"a: b: c",
		"{\"openapi\": \"3.0.0\", \"paths\": {\"/a\": {\"get\": {\"security\": [{}]}}}}",
		head + "paths:\n  /a:\n    get:\n      parameters:\n        - $ref: '#/components/parameters/P'\n" +
			"components:\n  parameters:\n    P: {$ref: '#/components/parameters/P'}\n",
		head + "paths:\n  /a:\n    $ref: '#/paths/~1a'\n",
		head + "paths:\n  /a: {$ref: '#/components/pathItems/P'}\ncomponents:\n  pathItems:\n    P: {get: {$ref: '#/components/x-op'}}\n  x-op: {security: []}\n",
		head + "paths:\n  /a: &x\n    get: {parameters: [{name: a, in: query, schema: *x}]}\n",
		head + "servers: [{url: '{a}{b}', variables: {a: {default: '/x'}}}]\npaths: {}\n",
		"swagger: '2.0'\npaths:\n  /a:\n    get:\n      parameters: [{$ref: '#/parameters/p'}]\nparameters:\n  p: {$ref: '#/parameters/p'}\n",
		"swagger: '2.0'\npaths:\n  /a:\n    get: {parameters: [{name: a, in: query, type: array, items: {$ref: '#/definitions/T'}}]}\n" +
			"definitions:\n  T: {type: array, items: {$ref: '#/definitions/T'}}\n",
		head + "paths:\n  /a:\n    get:\n      callbacks: {c: {'x': {$ref: '#/paths/~1a'}}}\n",
		head + "paths:\n  /a:\n    get:\n      parameters: [{name: q, in: query, schema: {$ref: '#/components/schemas/A'}}]\n" +
			"components:\n  schemas:\n    A: {anyOf: [{$ref: '#/components/schemas/A'}, {type: string, example: x}]}\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := Parse(data, "fuzz.yaml")
		if err != nil {
			msg := err.Error()
			if !strings.HasPrefix(msg, "fuzz.yaml: ") || strings.ContainsAny(msg, "\r\n") {
				t.Errorf("error %q is not one line starting with the source", msg)
			}
			return
		}
		for i, op := range doc.Operations {
			if op.Line < 0 {
				t.Errorf("%s %s: negative line %d", op.Method, op.Path, op.Line)
			}
			if i > 0 {
				prev := doc.Operations[i-1]
				if prev.Path > op.Path || (prev.Path == op.Path && prev.Method >= op.Method) {
					t.Errorf("operations not sorted: %s %s before %s %s", prev.Method, prev.Path, op.Method, op.Path)
				}
			}
		}
	})
}
