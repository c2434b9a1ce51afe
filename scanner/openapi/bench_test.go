package openapi

import (
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

// generateOpenAPI writes an OpenAPI 3.0 document with n operations spread
// over n/4 paths (GET, PUT, PATCH, DELETE each), shaped like a typical
// CRUD API: a $ref'd path parameter, query parameters with examples, a
// request body, global security and some public operations.
func generateOpenAPI(n int) []byte {
	var b strings.Builder
	b.WriteString(`openapi: 3.0.3
info: {title: Generated, version: 1.0.0}
servers: [{url: 'https://api.example.com/v1'}]
security: [{bearer: []}]
paths:
`)
	methods := []string{"get", "put", "patch", "delete"}
	for i := range (n + len(methods) - 1) / len(methods) {
		fmt.Fprintf(&b, "  /resources%d/{id}:\n    parameters:\n      - $ref: '#/components/parameters/Id'\n", i)
		for j, m := range methods {
			if i*len(methods)+j >= n {
				break
			}
			fmt.Fprintf(&b, "    %s:\n      operationId: %s%d\n      summary: %s resource %d\n      tags: [group%d]\n", m, m, i, m, i, i%10)
			if j == 0 && i%5 == 0 {
				b.WriteString("      security: []\n")
			}
			b.WriteString(`      parameters:
        - {name: limit, in: query, schema: {type: integer, format: int32, default: 20}}
        - {name: filter, in: query, schema: {type: string, enum: [all, mine]}}
        - {name: X-Trace, in: header, schema: {type: string, format: uuid}, example: 3fa85f64-5717-4562-b3fc-2c963f66afa6}
`)
			if m == "put" || m == "patch" {
				b.WriteString("      requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/Resource'}}}}\n")
			}
			b.WriteString("      responses:\n        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Resource'}}}}\n")
		}
	}
	b.WriteString(`components:
  parameters:
    Id: {name: id, in: path, required: true, schema: {type: integer, format: int64, example: 42}}
  schemas:
    Resource:
      type: object
      properties:
        id: {type: integer, format: int64}
        name: {type: string}
        parent: {$ref: '#/components/schemas/Resource'}
  securitySchemes:
    bearer: {type: http, scheme: bearer}
`)
	return []byte(b.String())
}

func TestGenerateOpenAPI(t *testing.T) {
	doc, err := Parse(generateOpenAPI(1000), "generated.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Operations) != 1000 {
		t.Fatalf("got %d operations, want 1000", len(doc.Operations))
	}
	op := doc.Operations[0]
	if len(op.Params) != 4 || op.Params[0].Example != "42" || op.Line == 0 {
		t.Errorf("first operation = %+v, want 4 params with the $ref'd id first and a line", op)
	}
	if len(doc.Warnings) != 0 {
		t.Errorf("warnings: %q", doc.Warnings)
	}
}

// BenchmarkParse1000Ops measures Parse on a generated 1,000-operation
// OpenAPI 3.0 YAML document (about 600 KB): YAML parsing and spec
// detection by libopenapi (most of the time), then the checks and the
// reading of operations from the nodes.
func BenchmarkParse1000Ops(b *testing.B) {
	data := generateOpenAPI(1000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(data, "generated.yaml"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParse20000OpsJSON measures Parse on the JSON description of
// internal/testapi's 20,000-operation API (about 10 MB, the document of
// BenchmarkScanScale/ops=20000): "parse" is Parse, which reads a JSON
// document a batch of path items at a time, "whole" Parse as it was
// before, reading from the node tree of the whole text. peak-live-MB is the largest live heap during one more call after
// the timed ones, the text and the Document included; peak-RSS-MB the
// process's resident high-water mark during another (Linux; the process
// holds the text and the benchmark's own memory too).
func BenchmarkParse20000OpsJSON(b *testing.B) {
	data := testapiDescription(b, 20000)
	for _, bm := range []struct {
		name  string
		parse func([]byte, string) (*Document, error)
	}{
		{"parse", Parse},
		{"whole", parseWholeAsBefore},
	} {
		b.Run(bm.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bm.parse(data, "openapi.json"); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			var doc *Document
			rss := peakRSS(func() { doc, _ = bm.parse(data, "openapi.json") })
			doc = nil
			peak := peakLiveHeap(func() { doc, _ = bm.parse(data, "openapi.json") })
			runtime.KeepAlive(doc)
			b.ReportMetric(float64(peak)/1e6, "peak-live-MB")
			if rss > 0 {
				b.ReportMetric(float64(rss)/1e6, "peak-RSS-MB")
			}
		})
	}
}

// BenchmarkParse20000OpsYAML is BenchmarkParse20000OpsJSON for the same
// description written as block YAML (about 6.4 MB): "parse" is Parse,
// which reads a YAML document a batch of path items at a time too,
// "whole" Parse as it was before, reading from the node tree of the whole
// text.
func BenchmarkParse20000OpsYAML(b *testing.B) {
	data := blockYAML(b, testapiDescription(b, 20000), 2)
	for _, bm := range []struct {
		name  string
		parse func([]byte, string) (*Document, error)
	}{
		{"parse", Parse},
		{"whole", parseWholeYAMLAsBefore},
	} {
		b.Run(bm.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bm.parse(data, "openapi.yaml"); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			var doc *Document
			rss := peakRSS(func() { doc, _ = bm.parse(data, "openapi.yaml") })
			doc = nil
			peak := peakLiveHeap(func() { doc, _ = bm.parse(data, "openapi.yaml") })
			runtime.KeepAlive(doc)
			b.ReportMetric(float64(peak)/1e6, "peak-live-MB")
			if rss > 0 {
				b.ReportMetric(float64(rss)/1e6, "peak-RSS-MB")
			}
		})
	}
}

// parseWholeYAMLAsBefore is Parse as it was before YAML documents were
// read a batch of path items at a time: the whole tree, then the final
// collection.
func parseWholeYAMLAsBefore(data []byte, source string) (*Document, error) {
	doc, err := parseWhole(data, source)
	if len(data) >= collectAfter {
		debug.FreeOSMemory()
	}
	return doc, err
}

// parseWholeAsBefore is Parse as it was before JSON documents were read a
// batch of path items at a time: the same JSON check and final
// collection around the reading of the whole tree.
func parseWholeAsBefore(data []byte, source string) (*Document, error) {
	if !json.Valid(data) {
		return nil, fmt.Errorf("%s: invalid JSON", source)
	}
	doc, err := parseWhole(data, source)
	if len(data) >= collectAfter {
		debug.FreeOSMemory()
	}
	return doc, err
}
