package openapi

import (
	"strings"
	"testing"
)

// TestYAMLByPathsShapes compares the reading by paths with the whole one
// on shapes real YAML descriptions take around the paths block: comments
// and trailing spaces on key lines, members in the first column, mixed
// line ends, quoted keys holding ": " or "#", block scalars whose lines
// look like members, document markers, a byte order mark, a long line,
// YAML 1.1 words and numbers as keys, duplicate keys, $ref path items.
// Each must give the whole reading's Document (or error), by paths or
// read whole; byPaths says which.
func TestYAMLByPathsShapes(t *testing.T) {
	for _, tc := range yamlShapes() {
		t.Run(tc.name, func(t *testing.T) {
			for _, batch := range []int{1, lazyBatchBytes} {
				if got := sameAsWholeYAML(t, []byte(tc.data), batch); got != tc.byPaths {
					t.Errorf("batch=%d: read by paths = %v, want %v", batch, got, tc.byPaths)
				}
			}
		})
	}
}

// yamlShape is a document of TestYAMLByPathsShapes, and whether it is
// read by paths.
type yamlShape struct {
	name, data string
	byPaths    bool
}

// yamlShapes are TestYAMLByPathsShapes' documents, also FuzzYAMLByPaths'
// seeds.
func yamlShapes() []yamlShape {
	const head = "openapi: 3.0.0\ninfo: {title: t, version: '1'}\n"
	long := strings.Repeat("x", 1<<20)
	return []yamlShape{
		{"comment after paths:", head + "paths: # the routes\n  /a: {get: {}}\n", true},
		{"comment after paths: with no space", head + "paths:# not a comment\n  /a: {get: {}}\n", false},
		{"trailing spaces after paths:", head + "paths:   \n  /a: {get: {}}\n", true},
		{"trailing spaces after member keys", head + "paths:\n  /a:   \n    get: {}   \n  /b:  \n    get: {}\n", true},
		{"space before the colon of paths", head + "paths :\n  /a: {get: {}}\n", false},
		{"member in the first column", head + "paths:   \n/a: {get: {}}\n", false},
		// /b is a top-level key, not a path: both readings leave it out.
		{"members, then one in the first column", head + "paths:\n  /a: {get: {}}\n/b: {get: {}}\n", true},
		{"mixed line ends", head + "paths:\r\n  /a:\n    get: {}\r\n  /b:\r\n    get:\n      description: |\r\n        one\r\n        two\n\r\ncomponents: {}\n", true},
		{"CRLF before paths, LF after", strings.ReplaceAll(head, "\n", "\r\n") + "paths:\n  /a: {get: {}}\n", true},
		{"quoted key with ': '", head + "paths:\n  \"/a: b\":\n    get: {}\n  '/c: d': {get: {}}\n", true},
		{"plain key with ':' inside", head + "paths:\n  /a:b:\n    get: {}\n  /c::d: {get: {}}\n", true},
		{"block scalar with member-like lines", head + "paths:\n  /a:\n    get:\n      description: |\n        /users:\n          get: {}\n  /b: {get: {}}\n", true},
		{"top-level block scalar with member-like lines", "openapi: 3.0.0\ninfo:\n  title: t\n  version: '1'\n  description: |\n  /users:\n    get: {}\npaths:\n  /a: {get: {}}\n", true},
		{"top-level literal after paths with member-like lines", head + "paths:\n  /a: {get: {}}\nx-doc: |\n  /users:\n    get: {}\n", true},
		{"top-level literal before paths holding paths:", head + "x-doc: |\n  paths:\n    /b: {get: {}}\npaths:\n  /a: {get: {}}\n", true},
		{"literal with a paths: line in the first column", head + "x-doc: |\npaths:\n  /a: {get: {}}\n", true},
		{"block scalar with an indentation indicator", head + "paths:\n  /a:\n    get:\n      description: |1\n        /b: {get: {}}\n  /c: {get: {}}\n", true},
		{"folded scalar with a more-indented member-like line", head + "paths:\n  /a:\n    get:\n      description: >\n         /b:\n  /c: {get: {}}\n", true},
		{"multi-line plain scalar with a member-like line", head + "paths:\n  /a:\n    get:\n      summary: one\n        /b: two\n  /c: {get: {}}\n", false},
		{"document end after paths", head + "paths:\n  /a: {get: {}}\n...\n", false},
		{"document end, then a comment", head + "paths:\n  /a: {get: {}}\n... # end\n", false},
		{"document start after paths", head + "paths:\n  /a: {get: {}}\n---\n", false},
		{"second document after paths", head + "paths:\n  /a: {get: {}}\n--- \nopenapi: 3.0.0\n", false},
		{"start marker with a value", "--- {openapi: 3.0.0}\npaths:\n  /a: {get: {}}\n", false},
		{"start marker first", "---\n" + head + "paths:\n  /a: {get: {}}\n", true},
		{"byte order mark", "\ufeff" + head + "paths:\n  /a: {get: {}}\n", true},
		{"byte order mark and a start marker", "\ufeff---\n" + head + "paths:\n  /a: {get: {}}\n", false},
		{"byte order mark and CRLF", "\ufeff" + strings.ReplaceAll(head+"paths:\n  /a: {get: {}}\n", "\n", "\r\n"), true},
		{"a very long line in an item", head + "paths:\n  /a:\n    get: {summary: " + long + "}\n  /b: {get: {}}\n", true},
		{"a very long key", head + "paths:\n  /" + long + ": {get: {}}\n", true},
		{"a very long line after", head + "paths:\n  /a: {get: {}}\nx-long: " + long + "\n", true},
		{"key with # inside", head + "paths:\n  /a#b:\n    get: {}\n  '/c #d': {get: {}}\n", true},
		{"key with a comment after it", head + "paths:\n  /a #b:\n    get: {}\n", false},
		{"YAML 1.1 words as keys", head + "paths:\n  yes: {get: {}}\n  on: {get: {}}\n  off: {get: {}}\n  y: {get: {}}\n", true},
		{"YAML 1.2 booleans and null as keys", head + "paths:\n  true: {get: {}}\n  null: {get: {}}\n  ~: {get: {}}\n", true},
		{"numbers as keys", head + "paths:\n  404: {get: {}}\n  0x1F: {get: {}}\n  1e3: {get: {}}\n", true},
		{"empty quoted key", head + "paths:\n  '': {get: {}}\n", true},
		{"YAML 1.1 words as top-level keys", head + "on: push\nyes: 1\npaths:\n  /a: {get: {}}\n", true},
		// Found by FuzzYAMLByPaths: the lines before the first member were
		// in neither the rest nor a batch, so only the whole reading saw
		// the comment's bytes.
		{"comment before the first member not valid UTF-8", head + "paths:\n#\xe4\n  /a: {get: {}}\n", false},
		{"indented comment before the first member not valid UTF-8", head + "paths:\n    # \xff\xfe\n  /a: {get: {}}\n", false},
		{"comment between members not valid UTF-8", head + "paths:\n  /a: {get: {}}\n# \xe4\n  /b: {get: {}}\n", false},
		{"comment on the paths line not valid UTF-8", head + "paths: # \xe4\n  /a: {get: {}}\n", false},
		{"control character in a comment before the first member", head + "paths:\n# \x01\n  /a: {get: {}}\n", false},
		{"comments before the first member", head + "paths:\n# one\n\n    # two\n  /a: {get: {}}\n", true},
		{"version key only inside a path item", "info: {title: t, version: '1'}\npaths:\n  /a:\n    openapi: 3.0.0\n    swagger: '2.0'\n    get: {}\n", false},
		{"version keys inside a path item", head + "paths:\n  /a:\n    swagger: '2.0'\n    openapi: 3.1.0\n    get: {}\n", true},
		{"version in a comment inside the block", "info: {title: t, version: '1'}\npaths:\n# openapi: 3.0.0\n  /a: {get: {}}\n", false},
		{"duplicate path keys", head + "paths:\n  /a: {get: {}}\n  /b: {get: {}}\n  /a: {put: {}}\n", false},
		{"duplicate path keys, quoted differently", head + "paths:\n  /a: {get: {}}\n  '/a': {put: {}}\n", false},
		{"duplicate path keys in different batches", head + "paths:\n  /a:\n    get: {summary: " + strings.Repeat("s", 300<<10) + "}\n  /b: {get: {}}\n  \"/a\": {put: {}}\n", false},
		{"null keys written two ways", head + "paths:\n  ~: {get: {}}\n  null: {get: {}}\n  Null: {get: {}}\n", true},
		{"true written two ways", head + "paths:\n  true: {get: {}}\n  'true': {get: {}}\n", false},
		{"duplicate paths key", head + "paths:\n  /a: {get: {}}\npaths:\n  /b: {get: {}}\n", false},
		{"$ref path items", head + "paths:\n  /a:\n    $ref: '#/components/pathItems/A'\n  /b: {$ref: '#/components/pathItems/A'}\ncomponents:\n  pathItems:\n    A: {get: {operationId: a}}\n", true},
		{"$ref path item to a missing target", head + "paths:\n  /a: {$ref: '#/components/pathItems/Missing'}\n", true},
		{"$ref path item to another path", head + "paths:\n  /a: {get: {}}\n  /b: {$ref: '#/paths/~1a'}\n", false},
		{"$ref from components into the paths", head + "paths:\n  /a:\n    get: {parameters: [{$ref: '#/components/parameters/P'}]}\n  /b:\n    parameters: [{name: q, in: query}]\ncomponents:\n  parameters:\n    P: {$ref: '#/paths/~1b/parameters/0'}\n", false},
		{"$ref to the paths object", head + "paths:\n  /a: {get: {}, x-all: {$ref: '#/paths'}}\n", false},
		{"$ref path item to a component that refers back", head + "paths:\n  /a: {$ref: '#/components/pathItems/A'}\ncomponents:\n  pathItems:\n    A: {$ref: '#/paths/~1b'}\n", false},
		{"$ref as the paths' member", head + "paths:\n  $ref: '#/x-paths'\nx-paths:\n  /a: {get: {}}\n", false},
	}
}
