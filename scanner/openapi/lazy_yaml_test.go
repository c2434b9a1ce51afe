package openapi

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/pb33f/go-yaml"
	"github.com/pb33f/libopenapi/datamodel"
)

// blockYAML writes a JSON or YAML document as block-style YAML indented
// by indent spaces, the way YAML tools write API descriptions.
func blockYAML(tb testing.TB, data []byte, indent int) []byte {
	tb.Helper()
	out, err := asBlockYAML(data, indent)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// asBlockYAML is blockYAML's conversion, or the error that stopped it.
// JSON is read with libopenapi's reader (the YAML parser takes minutes
// on a large JSON document under the race detector).
func asBlockYAML(data []byte, indent int) ([]byte, error) {
	cfg := libConfig()
	cfg.BypassDocumentCheck = true
	info, err := datamodel.ExtractSpecInfoWithConfig(data, cfg)
	if err != nil {
		return nil, err
	}
	n := info.RootNode
	stack := []*yaml.Node{n}
	for len(stack) > 0 {
		top := stack[len(stack)-1]
		stack = append(stack[:len(stack)-1], top.Content...)
		top.Style = 0 // the encoder quotes strings that need it
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(indent)
	if err := enc.Encode(n); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// sameAsWholeYAML parses a YAML document by paths (batches of batchBytes)
// and whole and fails unless the two agree, Documents and nodes; it
// returns whether the document was read by paths, and checks that Parse
// gives the whole reading's answer too.
func sameAsWholeYAML(t *testing.T, data []byte, batchBytes int) bool {
	t.Helper()
	whole, wholeErr := parseWhole(data, "openapi.yaml")
	doc, err := Parse(data, "openapi.yaml")
	if fmt.Sprint(err) != fmt.Sprint(wholeErr) || !reflect.DeepEqual(doc, whole) {
		t.Errorf("Parse:\n%s\n%v\nwant (whole):\n%s\n%v", dump(doc), err, dump(whole), wholeErr)
	}
	byPaths, ok := parseYAMLByPaths(data, batchBytes)
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
	if msg := sameNodes(data, batchBytes); msg != "" {
		t.Error(msg)
	}
	return true
}

// sameNodes compares the nodes the reading by paths reads, those of the
// rest and of every batch, with the whole tree's, and describes the
// first difference; "" when there is none or the document is not read by
// paths.
func sameNodes(data []byte, batchBytes int) string {
	info, err := datamodel.ExtractSpecInfoWithConfig(data, libConfig())
	if err != nil {
		return ""
	}
	root := rootOf(info)
	l, ok := findYAMLPaths(data)
	if !ok {
		return ""
	}
	restInfo, err := datamodel.ExtractSpecInfoWithConfig(l.rest(data), libConfig())
	if err != nil {
		return ""
	}
	rest := rootOf(restInfo)
	if !l.checkRest(rest) || len(rest.Content) != len(root.Content) {
		return ""
	}
	var paths *yaml.Node
	for i, k := range rest.Content {
		if i%2 == 1 && rest.Content[i-1].Value == "paths" {
			paths = root.Content[i]
			continue
		}
		if d := nodeDiff(k, root.Content[i]); d != "" {
			return "rest: " + d
		}
	}
	var got []*yaml.Node
	if !l.batches(data, batchBytes, func(key, item *yaml.Node) bool {
		got = append(got, key, item)
		return true
	}) {
		return ""
	}
	if len(got) != len(paths.Content) {
		return fmt.Sprintf("%d path item nodes, want %d", len(got), len(paths.Content))
	}
	for i, n := range got {
		if d := nodeDiff(n, paths.Content[i]); d != "" {
			return "paths: " + d
		}
	}
	return ""
}

// nodeDiff compares two trees without aliases in what the reading uses
// of their nodes: kinds, styles, tags, values, lines and columns (not
// comments, which it never reads).
func nodeDiff(a, b *yaml.Node) string {
	stack := [][2]*yaml.Node{{a, b}}
	for len(stack) > 0 {
		p := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		x, y := p[0], p[1]
		if x.Kind != y.Kind || x.Style != y.Style || x.Tag != y.Tag || x.Value != y.Value ||
			x.Line != y.Line || x.Column != y.Column || x.Anchor != y.Anchor || len(x.Content) != len(y.Content) {
			return fmt.Sprintf("node %d:%d kind %v style %v %s %q (%d children), want %d:%d kind %v style %v %s %q (%d children)",
				x.Line, x.Column, x.Kind, x.Style, x.Tag, x.Value, len(x.Content),
				y.Line, y.Column, y.Kind, y.Style, y.Tag, y.Value, len(y.Content))
		}
		for i := range x.Content {
			stack = append(stack, [2]*yaml.Node{x.Content[i], y.Content[i]})
		}
	}
	return ""
}

// trickyYAML has what a block-style description may hold around and
// inside its path items: comments everywhere (a column-1 comment inside
// the block, after "paths:" and between members), blank lines, literal
// and folded block scalars with indentation indicators and chomping,
// multi-line plain and quoted scalars, quoted and odd keys, flow
// collections inside items, $refs between path items and components
// both ways, extensions, a document start marker and keys after paths.
const trickyYAML = `%s# a description written by hand
openapi: 3.1.0
info:
  title: "tricky: a title"
  description: |
    paths:
      /not-a-path: {}
  version: '1'
security:
  - bearer: []
paths: # the routes
  # a comment at the members' indentation

  /users/{id}:
    parameters:
      - $ref: '#/components/parameters/Id'
    get:
      operationId: getUser
      summary: >-
        Reads one user,
        folded.
      description: |2
          indented more than
        the indicator says

        with a blank line
      responses:
        '200':
          description: a user
          content:
            application/json:
              schema: {$ref: '#/components/schemas/User'}
# a comment in the first column, inside the block
    delete:
      summary: "a quoted
        multi-line summary"
      security: []
  "/quoted/{key}":
    put:
      summary: plain text
        that goes on
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/User'
      parameters: [{name: key, in: path, required: true, schema: {type: string, example: "k: v"}}]
  '/single''quote':
    $ref: '#/components/pathItems/Shared'
  /flow: {get: {operationId: flow, tags: [a, b], x-admin: true}}
  x-internal:
    note: skipped
  /refs:
    get:
      parameters:
        - $ref: '#/components/parameters/Missing'
        - $ref: 'other.yaml#/x'
      responses: {'201': {description: made}}
  /last:
    post:
      callbacks:
        done:
          '{$request.body#/url}':
            post: {responses: {'200': {description: ok}}}

components:
  parameters:
    Id: {name: id, in: path, required: true, schema: {type: integer, example: 7}}
  pathItems:
    Shared:
      get:
        operationId: shared
        parameters: [{$ref: '#/components/parameters/Id'}]
  schemas:
    User:
      type: object
      required: [id]
      properties:
        id: {type: integer}
        name: {type: string, maxLength: 40}
        next: {$ref: '#/components/schemas/User'}
  securitySchemes:
    bearer: {type: http, scheme: bearer}
x-after: |
  the end
`

// TestYAMLByPathsSameDocument parses YAML documents (the fixtures, the
// JSON ones and internal/testapi's written as block YAML with two and
// four spaces, generated ones, hand-written ones with comments, blank
// lines, block scalars and quoted keys) both a batch of paths at a time
// and whole, with LF and CRLF line ends, and compares the Documents and
// the nodes read, in batches of one path item and of the default size.
func TestYAMLByPathsSameDocument(t *testing.T) {
	docs := map[string][]byte{}
	for _, file := range []string{"testdata/petstore.yaml", "testdata/fastapi.json", "testdata/swagger.json", "../../examples/flask-dynamodb/openapi.yaml"} {
		data, err := os.ReadFile(filepath.FromSlash(file))
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(file)
		if strings.HasSuffix(file, ".json") {
			docs[name+" indent=2"] = blockYAML(t, data, 2)
			docs[name+" indent=4"] = blockYAML(t, data, 4)
			continue
		}
		docs[name] = data
	}
	docs["generated"] = generateOpenAPI(400)
	docs["testapi"] = blockYAML(t, testapiDescription(t, 2000), 2) // 1 MB: four default batches
	docs["broken refs"] = []byte(brokenRefsDoc)
	docs["schemas 3.0"] = []byte(schemas30)
	docs["schemas 2.0"] = []byte(schemas20)
	docs["tricky"] = fmt.Appendf(nil, trickyYAML, "")
	docs["tricky with a start marker"] = fmt.Appendf(nil, trickyYAML, "--- # the only document\n")
	docs["tricky, paths last"] = []byte(strings.Replace(fmt.Sprintf(trickyYAML, ""), "\ncomponents:", "\nx-components:", 1))
	for name, data := range docs {
		for variant, data := range map[string][]byte{
			"lf":   data,
			"crlf": bytes.ReplaceAll(data, []byte("\n"), []byte("\r\n")),
		} {
			for _, batch := range []int{1, lazyBatchBytes} {
				t.Run(fmt.Sprintf("%s/%s/batch=%d", name, variant, batch), func(t *testing.T) {
					if !sameAsWholeYAML(t, data, batch) {
						t.Error("read whole, want by paths")
					}
				})
			}
		}
	}
}

// generateTrickyYAML writes an OpenAPI 3.1 document of n path items
// indented by indent spaces, each drawn (from seed, the same every run)
// with a mix of what block YAML allows: comments (after keys, between
// members, in the first column), blank lines, literal and folded block
// scalars with chomping and indentation indicators, multi-line plain and
// quoted scalars, plain, single- and double-quoted path keys, flow
// collections, extensions, $refs to components and path item $refs.
func generateTrickyYAML(seed uint64, n, indent int) []byte {
	rng := rand.New(rand.NewPCG(seed, 1))
	pad := func(level int) string { return strings.Repeat(" ", level*indent) }
	var b strings.Builder
	b.WriteString("openapi: 3.1.0\ninfo: {title: generated, version: '1'}\nsecurity: [{bearer: []}]\n")
	b.WriteString("paths:" + []string{"", " # the routes", "   "}[rng.IntN(3)] + "\n")
	for i := range n {
		for range rng.IntN(2) {
			b.WriteString([]string{"\n", "# a column-1 comment\n", pad(1) + "# a comment\n", pad(3) + "# deeper\n"}[rng.IntN(4)])
		}
		path := fmt.Sprintf("/items%d/{id}", i)
		key := []string{path, "'" + path + "'", `"` + path + `"`}[rng.IntN(3)]
		if rng.IntN(10) == 0 {
			fmt.Fprintf(&b, "%s%s:\n%s$ref: '#/components/pathItems/Shared'\n", pad(1), key, pad(2))
			continue
		}
		if rng.IntN(12) == 0 {
			fmt.Fprintf(&b, "%sx-note%d: {text: skipped}\n", pad(1), i)
			continue
		}
		fmt.Fprintf(&b, "%s%s:%s\n", pad(1), key, []string{"", " # item"}[rng.IntN(2)])
		if rng.IntN(2) == 0 {
			fmt.Fprintf(&b, "%sparameters:\n%s- $ref: '#/components/parameters/Id'\n", pad(2), pad(3))
		}
		for _, m := range []string{"get", "put", "post", "delete"} {
			if rng.IntN(2) == 0 {
				continue
			}
			fmt.Fprintf(&b, "%s%s:\n%soperationId: %s%d\n", pad(2), m, pad(3), m, i)
			switch rng.IntN(5) {
			case 0:
				fmt.Fprintf(&b, "%ssummary: a plain summary\n%sthat goes on\n", pad(3), pad(4))
			case 1:
				fmt.Fprintf(&b, "%ssummary: \"a quoted: summary\n%s\\ with an escape\"\n", pad(3), pad(4))
			case 2:
				fmt.Fprintf(&b, "%ssummary: 'single ''quoted''\n\n%safter a blank line'\n", pad(3), pad(4))
			}
			if rng.IntN(2) == 0 {
				ind := []string{"|", "|-", "|+", ">", ">-", "|2"}[rng.IntN(6)]
				extra := ""
				if ind == "|2" {
					extra = " "
				}
				fmt.Fprintf(&b, "%sdescription: %s\n%s%sfirst line: not a key\n\n%s%s  indented\n%s%s# not a comment\n", pad(3), ind, pad(4), extra, pad(4), extra, pad(4), extra)
			}
			if rng.IntN(4) == 0 {
				fmt.Fprintf(&b, "%ssecurity: []\n", pad(3))
			}
			if rng.IntN(2) == 0 {
				fmt.Fprintf(&b, "%sparameters: [{name: q, in: query, schema: {type: string, example: 'a: b'}}, {$ref: '#/components/parameters/Missing'}]\n", pad(3))
			}
			if m == "put" || m == "post" {
				fmt.Fprintf(&b, "%srequestBody:\n%scontent:\n%sapplication/json:\n%sschema: {$ref: '#/components/schemas/Item'}\n", pad(3), pad(4), pad(5), pad(6))
			}
			fmt.Fprintf(&b, "%sresponses:\n%s'200':\n%sdescription: ok\n%scontent: {application/json: {schema: {$ref: '#/components/schemas/Item'}}}\n", pad(3), pad(4), pad(5), pad(5))
		}
	}
	b.WriteString("components:\n")
	for _, line := range []string{
		"parameters:",
		"  Id: {name: id, in: path, required: true, schema: {type: integer, example: 7}}",
		"pathItems:",
		"  Shared:",
		"    get: {operationId: shared, parameters: [{$ref: '#/components/parameters/Id'}]}",
		"schemas:",
		"  Item:",
		"    type: object",
		"    properties: {id: {type: integer}, next: {$ref: '#/components/schemas/Item'}}",
		"securitySchemes:",
		"  bearer: {type: http, scheme: bearer}",
	} {
		lead := len(line) - len(strings.TrimLeft(line, " "))
		b.WriteString(pad(1+lead/2) + line[lead:] + "\n")
	}
	return []byte(b.String())
}

// TestYAMLByPathsGenerated compares the reading by paths with the whole
// one on generated documents (generateTrickyYAML) indented by two, three
// and four spaces, in batches of one path item, of 2 KB and of the
// default size.
func TestYAMLByPathsGenerated(t *testing.T) {
	for seed := range uint64(6) {
		indent := 2 + int(seed%3)
		data := generateTrickyYAML(seed, 80, indent)
		for _, batch := range []int{1, 2 << 10, lazyBatchBytes} {
			t.Run(fmt.Sprintf("seed=%d/indent=%d/batch=%d", seed, indent, batch), func(t *testing.T) {
				if !sameAsWholeYAML(t, data, batch) {
					t.Error("read whole, want by paths")
				}
			})
		}
	}
}

// TestYAMLByPathsDeclines checks the documents that must be read whole,
// and that Parse then gives the whole reading's Document or error.
func TestYAMLByPathsDeclines(t *testing.T) {
	const head = "openapi: 3.0.0\ninfo: {title: t, version: '1'}\n"
	for _, tc := range []struct {
		name, data string
		byPaths    bool
	}{
		{"plain", head + "paths:\n  /a:\n    get: {}\n", true},
		{"paths first, no newline at the end", "paths:\n  /a:\n    get: {}\nopenapi: 3.0.0", true},
		{"paths last, no newline at the end", head + "paths:\n  /a:\n    get: {}\n  /b:\n    get:\n      summary: |\n        text", true},
		{"byte order mark", "\ufeff" + head + "paths:\n  /a: {get: {}}\n", true},
		{"byte order mark before paths", "\ufeffpaths:\n  /a: {get: {}}\nopenapi: 3.0.0\n", false},
		{"comment on the paths line", head + "paths:   # routes\n  /a: {get: {}}\n", true},
		{"anchor and alias inside one operation", head + "paths:\n  /a:\n    get:\n      parameters: [&p {name: q, in: query}, *p]\n", false},
		{"alias crossing the cut", head + "x-p: &p {name: q, in: query}\npaths:\n  /a:\n    get: {parameters: [*p]}\n", false},
		{"anchor in paths, alias after", head + "paths:\n  /a: &item\n    get: {}\n  /b: *item\n", false},
		{"anchor in paths, alias in components", head + "paths:\n  /a:\n    get: {parameters: [&p {name: q, in: query}]}\ncomponents: {parameters: {P: *p}}\n", false},
		{"anchor redefined in paths", head + "x-p: &p {name: a, in: query}\npaths:\n  /a:\n    get: {parameters: [&p {name: b, in: query}]}\nx-q: *p\n", false},
		{"merge key", head + "x-base: &base {get: {}}\npaths:\n  /a:\n    <<: *base\n", false},
		{"flow paths", head + "paths: {/a: {get: {}}}\n", false},
		{"flow paths on the next lines", head + "paths:\n  {/a: {get: {}}}\n", false},
		{"anchored paths", head + "paths: &p\n  /a: {get: {}}\n", false},
		{"tagged paths", head + "paths: !!map\n  /a: {get: {}}\n", false},
		{"tag directive", "%TAG ! tag:example.com,2000:\n---\n" + head + "paths:\n  /a: {get: {}}\n", false},
		{"local tag in an item", head + "paths:\n  /a:\n    get: !op {}\n", true},
		{"two documents", head + "paths:\n  /a: {get: {}}\n---\nopenapi: 3.0.0\n", false},
		{"document end", head + "paths:\n  /a: {get: {}}\n...\n", false},
		{"tab in a value", head + "paths:\n  /a:\n    get: {summary: \"a\tb\"}\n", false},
		{"item indented less than the first", head + "paths:\n    /a: {get: {}}\n  /b: {get: {}}\n", false},
		{"items at three spaces", head + "paths:\n   /a: {get: {}}\n   /b: {get: {}}\n", true},
		{"paths not at the top level", head + "x-nested:\n  paths:\n    /a: {get: {}}\n", false},
		{"quoted paths key", head + "\"paths\":\n  /a: {get: {}}\n", false},
		{"quoted paths key and a plain one", head + "paths:\n  /a: {get: {}}\n'paths':\n  /b: {get: {}}\n", false},
		{"explicit paths key", head + "? paths\n:\n  /a: {get: {}}\n", false},
		{"paths with no members is null", head + "paths:\n# nothing\n", false},
		{"paths in a multi-line string", "openapi: 3.0.0\ninfo: {title: \"a\npaths:\n  /a: {get: {}}\n  b\", version: '1'}\n", false},
		{"paths in a multi-line string, a quoted paths key after", "openapi: 3.0.0\ninfo: {version: '1', title: \"a\npaths:\n  /a: {get: {}}\n\"}\n\"paths\": {}\n", false},
		{"member line in a multi-line string", head + "paths:\n  /a: {get: {summary: \"x\n  /b: y\"}}\n", false},
		{"member line in a flow mapping", head + "paths:\n  /a: {get: {},\n  /b: {}}\n", false},
		{"sequence for paths", head + "paths:\n  - /a\n", false},
		{"sequence in the first column", head + "paths:\n- /a\n", false},
		{"explicit member key", head + "paths:\n  ? /a\n  : {get: {}}\n", false},
		{"duplicate path", head + "paths:\n  /a: {get: {}}\n  /a: {put: {}}\n", false},
		{"duplicate method", head + "paths:\n  /a:\n    get: {}\n    get: {}\n", false},
		{"path item string", head + "paths:\n  /a: {get: {}}\n  /b: hello\n", false},
		{"ref into the paths", head + "paths:\n  /a:\n    get: {parameters: [{$ref: '#/paths/~1b/get/parameters/0'}]}\n  /b:\n    get: {parameters: [{name: q, in: query}]}\n", false},
		{"ref to the root", head + "paths:\n  /a: {$ref: '#'}\n", false},
		{"duplicate top-level key", head + "paths:\n  /a: {get: {}}\ninfo: {}\n", false},
		{"not valid YAML in an item", head + "paths:\n  /a: {get: {}\n  /b: {get: {}}\n", false},
		{"not valid YAML after", head + "paths:\n  /a: {get: {}}\nx: [\n", false},
		{"lone CR", head + "paths:\r  /a: {get: {}}\n", false},
		{"line separator", head + "paths:\n  /a: {get: {summary: \"a\u2028b\"}}\n", false},
		{"deep nesting", head + "paths:\n  /a:\n    get: {x-deep: " + strings.Repeat("[", 1000) + strings.Repeat("]", 1000) + "}\n", false},
		{"no version", "paths:\n  /a: {get: {}}\n", false},
		{"swagger", "swagger: '2.0'\npaths:\n  /a:\n    get: {security: [{}]}\n", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := sameAsWholeYAML(t, []byte(tc.data), lazyBatchBytes); got != tc.byPaths {
				t.Errorf("read by paths = %v, want %v", got, tc.byPaths)
			}
		})
	}
}

// FuzzYAMLByPaths checks that a YAML document read by paths gives the
// Document and the nodes of the whole reading, or is read whole; `go
// test -fuzz FuzzYAMLByPaths` looks for one that does not. JSON inputs
// are written as block YAML first.
func FuzzYAMLByPaths(f *testing.F) {
	for _, file := range []string{"petstore.yaml", "fastapi.json", "swagger.json"} {
		data, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, 1)
	}
	f.Add([]byte(brokenRefsDoc), 2)
	f.Add(fmt.Appendf(nil, trickyYAML, ""), 1)
	f.Add([]byte(schemas30), 3)
	f.Add(generateTrickyYAML(1, 6, 2), 1)
	f.Add([]byte("  /a:\n    get: {summary: x}\n  '/b':\n    post:\n      description: |\n        text\n"), 1)
	f.Add([]byte("openapi: 3.1.0\npaths:\n  /a:\n    get:\n      summary: |\n        x\n# c\n  /b: {get: {}}\n"), 1)
	f.Add([]byte("openapi: 3.0.0\ninfo: {title: \"a\npaths:\n  /a: {get: {}}\n  b\"}\n"), 1)
	f.Add(bytes.ReplaceAll(fmt.Appendf(nil, trickyYAML, "\ufeff"), []byte("\n"), []byte("\r\n")), 1)
	for _, tc := range yamlShapes() {
		if len(tc.data) <= 1<<16 {
			f.Add([]byte(tc.data), 1)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, batch int) {
		if len(data) > 1<<16 {
			return
		}
		if looksLikeJSON(data) {
			var err error
			if data, err = asBlockYAML(data, 2+(batch%3+3)%3); err != nil {
				return
			}
		}
		// The input as a document, and as the text of a paths block
		// (most inputs are not a document read by paths).
		for _, data := range [][]byte{data, append([]byte("openapi: 3.1.0\npaths:\n"), data...)} {
			doc, ok := parseYAMLByPaths(data, batch%64)
			if !ok {
				continue
			}
			whole, err := parseWhole(data, "fuzz.yaml")
			if err != nil {
				t.Fatalf("read by paths, but the whole reading fails: %v", err)
			}
			if !reflect.DeepEqual(doc, whole) {
				t.Fatalf("read by paths:\n%s\nwant (whole):\n%s", dump(doc), dump(whole))
			}
			if msg := sameNodes(data, batch%64); msg != "" {
				t.Fatal(msg)
			}
		}
	})
}

// TestParseYAMLPeakHeap checks the peak live heap of Parse on the
// 20,000-operation description of internal/testapi written as block YAML
// (6.4 MB): the text, the Document and one batch of path items, not the
// node tree of the whole text.
func TestParseYAMLPeakHeap(t *testing.T) {
	if testing.Short() {
		t.Skip("parses a 6.4 MB document")
	}
	data := blockYAML(t, testapiDescription(t, 20000), 2)
	runtime.GC()
	var doc *Document
	peak := peakLiveHeap(func() {
		var err error
		if doc, err = Parse(data, "openapi.yaml"); err != nil {
			t.Fatal(err)
		}
	})
	if len(doc.Operations) != 20000 {
		t.Fatalf("%d operations, want 20000", len(doc.Operations))
	}
	const limit = 40 << 20
	t.Logf("peak live heap %.1f MB for %.1f MB of text", float64(peak)/(1<<20), float64(len(data))/(1<<20))
	if peak > limit {
		t.Errorf("peak live heap %d MB while parsing %d MB of YAML, want under %d MB", peak>>20, len(data)>>20, limit>>20)
	}
	runtime.KeepAlive(data)
}
