package openapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/pb33f/go-yaml"
)

// yamlToJSON writes a YAML document as JSON in its own key order,
// indented or on one line.
func yamlToJSON(t testing.TB, text string, indent bool) []byte {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(text), &n); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	budget := 1 << 30
	if !writeJSON(&b, n.Content[0], &budget) {
		t.Fatalf("cannot write %q as JSON", text)
	}
	if !indent {
		return b.Bytes()
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b.Bytes(), "", "  "); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// sameAsWhole parses data by paths (batches of batchBytes) and whole and
// fails unless the two agree; it returns whether the document was read by
// paths, and checks that Parse gives the whole reading's answer too.
func sameAsWhole(t *testing.T, data []byte, batchBytes int) bool {
	t.Helper()
	whole, wholeErr := parseWhole(data, "openapi.json")
	doc, err := Parse(data, "openapi.json")
	if fmt.Sprint(err) != fmt.Sprint(wholeErr) || !reflect.DeepEqual(doc, whole) {
		t.Errorf("Parse:\n%s\n%v\nwant (whole):\n%s\n%v", dump(doc), err, dump(whole), wholeErr)
	}
	byPaths, ok := parseJSONByPaths(data, batchBytes)
	if !ok {
		return false
	}
	if wholeErr != nil {
		t.Errorf("read by paths, but the whole reading fails: %v", wholeErr)
		return true
	}
	if !reflect.DeepEqual(byPaths, whole) {
		t.Errorf("read by paths:\n%s\nwant (whole):\n%s", dump(byPaths), dump(whole))
	}
	return true
}

// TestJSONByPathsSameDocument parses JSON documents (the fixtures, the
// YAML ones converted, generated large ones, indented, on one line and
// with CRLF line ends) both a batch of paths at a time and whole, and
// compares the Documents: operations, parameters, schemas, line numbers
// and warnings, in batches of one path item and of the default size.
func TestJSONByPathsSameDocument(t *testing.T) {
	docs := map[string][]byte{}
	for _, file := range []string{"petstore.yaml", "fastapi.json", "swagger.json"} {
		data, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(file, ".yaml") {
			data = yamlToJSON(t, string(data), true)
		}
		docs[file] = data
	}
	docs["generated"] = yamlToJSON(t, string(generateOpenAPI(400)), true)
	docs["testapi"] = testapiDescription(t, 2000) // 1 MB: four default batches
	docs["broken refs"] = yamlToJSON(t, brokenRefsDoc, true)
	for name, data := range docs {
		var compact bytes.Buffer
		if err := json.Compact(&compact, data); err != nil {
			t.Fatal(err)
		}
		variants := map[string][]byte{
			"indented": data,
			"one line": compact.Bytes(), // warnings all on line 1: in walk order
			"crlf":     bytes.ReplaceAll(data, []byte("\n"), []byte("\r\n")),
		}
		for variant, data := range variants {
			for _, batch := range []int{1, lazyBatchBytes} {
				t.Run(fmt.Sprintf("%s/%s/batch=%d", name, variant, batch), func(t *testing.T) {
					if !sameAsWhole(t, data, batch) {
						t.Error("read whole, want by paths")
					}
				})
			}
		}
	}
}

// brokenRefsDoc has broken, external and circular $refs in several path
// items, in components and at the top level, in both orders of walking,
// and extensions of the paths object that are skipped.
const brokenRefsDoc = `openapi: 3.1.0
info: {title: refs, version: '1'}
x-top: {$ref: '#/nowhere'}
security: [{bearer: []}]
paths:
  x-paths-extension: {get: {parameters: [{$ref: '#/gone/x'}]}}
  /a/{id}:
    parameters: [{name: id, in: path, schema: {$ref: '#/components/schemas/Gone'}}]
    get:
      parameters:
        - $ref: '#/components/parameters/Nope'
        - {name: q, in: query, schema: {type: string}}
        - $ref: 'http://169.254.169.254/latest/meta-data'
      responses: {'200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Item'}}}}}
  /b:
    $ref: '#/components/pathItems/B'
  /c:
    post:
      requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/Item'}}}}
      parameters: [{$ref: '#/components/parameters/P'}, {$ref: '/etc/passwd'}]
      security: []
  /d: null
components:
  parameters:
    P: {$ref: '#/components/parameters/Q'}
    Q: {$ref: '#/components/parameters/P'}
  pathItems:
    B: {get: {parameters: [{$ref: '#/components/parameters/Missing'}]}}
  schemas:
    Item: {type: object, properties: {id: {type: integer}, next: {$ref: '#/components/schemas/Item'}, x: {$ref: '#/components/schemas/Gone2'}}}
  securitySchemes:
    bearer: {type: http, scheme: bearer}
`

// TestJSONByPathsDeclines checks the documents that must be read whole,
// and that Parse then gives the whole reading's Document or error.
func TestJSONByPathsDeclines(t *testing.T) {
	const head = `{"openapi": "3.0.0", "info": {"title": "t", "version": "1"}, `
	for _, tc := range []struct {
		name, data string
		byPaths    bool
	}{
		{"plain", head + `"paths": {"/a": {"get": {}}}}`, true},
		{"escaped slash and a surrogate pair", head + `"paths": {"\/a": {"get": {"summary": "\ud83d\ude00 \/"}}}}`, true},
		{"escaped key that is not paths", head + `"p\u0061th": 1, "paths": {"/a": {"get": {}}}}`, true},
		{"paths last, no operations", head + `"paths": {}}`, true},
		{"key and colon on two lines, which YAML refuses", head + `"paths": {"/a": {"get"` + "\n" + `: {}}}}`, false},
		{"ref into the paths", head + `"paths": {"/a": {"get": {"parameters": [{"$ref": "#/paths/~1b/get/parameters/0"}]}}, "/b": {"get": {"parameters": [{"name": "q", "in": "query"}]}}}}`, false},
		{"ref to the paths", head + `"paths": {"/a": {"get": {"parameters": [{"$ref": "#/paths"}]}}}}`, false},
		{"ref to the root", head + `"paths": {"/a": {"$ref": "#"}}}`, false},
		{"path item ref to itself", head + `"paths": {"/a": {"$ref": "#/paths/~1a"}, "/b": {"get": {}}}}`, false},
		{"escaped paths key", head + `"p\u0061ths": {"/a": {"get": {}}}}`, false},
		{"two paths", head + `"paths": {"/a": {"get": {}}}, "paths": {}}`, false},
		{"paths not an object", head + `"paths": []}`, false},
		{"no paths", `{"openapi": "3.0.0"}`, false},
		{"duplicate path", head + `"paths": {"/a": {"get": {}}, "/a": {"put": {}}}}`, false},
		{"path named $ref", head + `"paths": {"$ref": "#/components/x", "/a": {"get": {}}}}`, false},
		{"duplicate method", head + `"paths": {"/a": {"get": {}, "post": {}, "get": {}}}}`, false},
		{"path item string", head + `"paths": {"/a": {"get": {}}, "/b": "hello"}}`, false},
		{"operation number", head + `"paths": {"/a": {"get": 5}}}`, false},
		{"duplicate after a structure error", head + `"paths": {"/a": {"get": 5}, "/b": {"get": {}, "get": {}}}}`, false},
		{"duplicate top-level key", head + `"paths": {"/a": {"get": {}}}, "info": {}}`, false},
		{"no version", `{"paths": {"/a": {"get": {}}}}`, false},
		{"openapi 4", `{"openapi": "4.0.0", "paths": {"/a": {"get": {}}}}`, false},
		{"lone CR", head + "\"paths\": {\"/a\":\r{\"get\": {}}}}", false},
		{"line separator in a string", head + `"paths": {"/a": {"get": {"summary": "a` + "\u2028" + `b"}}}}`, false},
		{"next line in a string", head + `"paths": {"/a": {"get": {"summary": "a` + "\u0085" + `b"}}}}`, false},
		{"DEL in a string", head + `"paths": {"/a": {"get": {"summary": "a` + "\x7f" + `b"}}}}`, true},
		{"invalid UTF-8 in a string", head + `"paths": {"/a": {"get": {"summary": "a` + "\xff" + `b"}}}}`, false},
		{"byte order mark in a string", head + `"paths": {"/a": {"get": {"summary": "a` + "\ufeff" + `b"}}}}`, true},
		{"tabs around the root", "\t" + head + `"paths": {"/a": {"get": {}}}}` + "\t\n", false},
		{"tabs inside", head + "\"paths\":\t{\"/a\":\t{\"get\": {}}}}", true},
		{"deep nesting", head + `"paths": {"/a": {"get": {"x-deep": ` + strings.Repeat("[", 1000) + strings.Repeat("]", 1000) + `}}}}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := sameAsWhole(t, []byte(tc.data), lazyBatchBytes); got != tc.byPaths {
				t.Errorf("read by paths = %v, want %v", got, tc.byPaths)
			}
		})
	}
}

// FuzzJSONByPaths checks that a JSON document read by paths gives the
// Document of the whole reading; `go test -fuzz FuzzJSONByPaths` looks
// for one that does not. Inputs that are not JSON but YAML are written as
// JSON first (indented or on one line), so the fuzzer's YAML documents
// count too.
func FuzzJSONByPaths(f *testing.F) {
	for _, file := range []string{"fastapi.json", "swagger.json", "petstore.yaml"} {
		data, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, 1)
	}
	f.Add([]byte(brokenRefsDoc), 2)
	f.Add(yamlToJSON(f, brokenRefsDoc, false), 2)
	f.Add([]byte(`{"openapi": "3.0.0", "paths": {"/a": {"get": {"parameters": [{"$ref": "#/paths/~1a/get/parameters/0"}]}}, "/b": {}}}`), 1)
	f.Add([]byte(`{"swagger": "2.0", "paths": {"/a": {"$ref": "#/x"}}, "x": {"get": {"security": [{}]}}}`), 1)
	f.Add([]byte("openapi: 3.1.0\npaths:\n  /a:\n    get: {parameters: [{name: a, in: query, schema: {type: [integer, 'null'], example: 1e3}}]}\n"), 3)
	f.Fuzz(func(t *testing.T, data []byte, batch int) {
		if len(data) > 1<<16 {
			return
		}
		if !looksLikeJSON(data) || !json.Valid(data) {
			if data = asJSON(data, batch%2 == 0); data == nil {
				return
			}
		}
		doc, ok := parseJSONByPaths(data, batch%64)
		if !ok {
			return
		}
		whole, err := parseWhole(data, "fuzz.json")
		if err != nil {
			t.Fatalf("read by paths, but the whole reading fails: %v", err)
		}
		if !reflect.DeepEqual(doc, whole) {
			t.Fatalf("read by paths:\n%s\nwant (whole):\n%s", dump(doc), dump(whole))
		}
	})
}

// asJSON writes a YAML document whose top level is a mapping as JSON, or
// returns nil.
func asJSON(data []byte, indent bool) []byte {
	var n yaml.Node
	if yaml.Unmarshal(data, &n) != nil || len(n.Content) == 0 || n.Content[0].Kind != yaml.MappingNode {
		return nil
	}
	var b bytes.Buffer
	budget := 1 << 14
	if !writeJSON(&b, n.Content[0], &budget) {
		return nil
	}
	if !indent {
		return b.Bytes()
	}
	var out bytes.Buffer
	if json.Indent(&out, b.Bytes(), "", "  ") != nil {
		return nil
	}
	return out.Bytes()
}

// TestParseJSONPeakHeap checks the peak live heap of Parse on the 10 MB
// JSON description of internal/testapi's 20,000-operation API (what
// BenchmarkScanScale/ops=20000 scans): the text, the Document and one
// batch of path items, not the node tree of the whole text (120 MB of
// live heap at the peak when it was built).
func TestParseJSONPeakHeap(t *testing.T) {
	if testing.Short() {
		t.Skip("parses a 10 MB document")
	}
	data := testapiDescription(t, 20000)
	var doc *Document
	peak := peakLiveHeap(func() {
		var err error
		if doc, err = Parse(data, "openapi.json"); err != nil {
			t.Fatal(err)
		}
	})
	if len(doc.Operations) != 20000 {
		t.Fatalf("%d operations, want 20000", len(doc.Operations))
	}
	// About 28 MB measured: 10 MB of text, the Document and a batch.
	const limit = 36 << 20
	t.Logf("peak live heap %.1f MB for %.1f MB of text", float64(peak)/(1<<20), float64(len(data))/(1<<20))
	if peak > limit {
		t.Errorf("peak live heap %d MB while parsing %d MB of JSON, want under %d MB", peak>>20, len(data)>>20, limit>>20)
	}
	runtime.KeepAlive(data)
}
