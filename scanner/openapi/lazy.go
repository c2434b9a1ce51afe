package openapi

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/pb33f/go-yaml"
	"github.com/pb33f/libopenapi/datamodel"
)

// A JSON description is read without the node tree of its whole text,
// which is about eight times the text's size (85 MB for the 10 MB,
// 20,000-operation description of a large API) and is garbage as soon
// as the operations are read. The paths object, nearly all of such a
// document, is cut out of the text: libopenapi parses the rest, with an
// empty paths object standing in, and the path items are parsed and read
// a batch of about lazyBatchBytes of text at a time, each batch's tree
// dropped before the next is parsed. The peak is then the rest of the
// document's tree plus one batch's.
//
// The Document is the one parseWhole reads from the whole tree, line
// numbers and warnings included: every node is parsed by the same code
// (libopenapi's JSON-to-node reader), from the same bytes, and given the
// line it has in the whole text. Whatever this cannot reproduce exactly
// makes parseJSONByPaths decline, and Parse reads the document whole:
// errors of any kind (so that the first error reported is the one the
// whole tree gives), a $ref into the paths object or to the root
// (rare: the paths are not in the tree), line breaks that JSON and YAML
// count differently, nesting deeper than maxLazyDepth, and a "paths" key
// written with escapes. YAML documents are read by parseYAMLByPaths.

// lazyBatchBytes is the text of path items parsed at once: big enough
// that the parser's fixed cost per call does not count, small enough that
// a batch's tree (about 2 MB) is small next to the document's text.
const lazyBatchBytes = 256 << 10

// maxLazyDepth is the deepest nesting read by batches: far below the
// depths where the YAML parser's limit (10,000) or libopenapi's JSON
// reader's (1,000) would treat a batch and the whole text differently.
const maxLazyDepth = 900

// parseJSONByPaths reads a JSON document (data is valid JSON) about
// batchBytes of path items at a time, or reports false when it must be
// read whole.
func parseJSONByPaths(data []byte, batchBytes int) (doc *Document, ok bool) {
	defer func() {
		// A surprise here is not the document's fault: the whole
		// reading will say whatever is to be said about it.
		if recover() != nil {
			doc, ok = nil, false
		}
	}()
	if !sameLineBreaks(data) {
		return nil, false
	}
	layout, ok := findPaths(data)
	if !ok {
		return nil, false
	}
	return readByPaths(layout.rest(data), len(layout.members), nil, func(f func(key, item *yaml.Node) bool) bool {
		return layout.batches(data, batchBytes, f)
	})
}

// readByPaths reads a document from rest, its text with an empty paths
// object standing in for its path items, and from the members path items
// that batches gives, in order, to the function it is called with. check,
// when not nil, vets the root of rest's tree before anything is read. It
// reports false when the document must be read whole.
func readByPaths(rest []byte, members int, check func(root *yaml.Node) bool, batches func(f func(key, item *yaml.Node) bool) bool) (*Document, bool) {
	info, err := datamodel.ExtractSpecInfoWithConfig(rest, libConfig())
	if err != nil {
		return nil, false
	}
	root := rootOf(info)
	for _, check := range []func(*yaml.Node) error{checkRoot, checkDuplicateKeys, checkStructure} {
		if check(root) != nil {
			return nil, false
		}
	}
	paths := value(root, "paths")
	if paths == nil || paths.Kind != yaml.MappingNode || len(paths.Content) != 0 {
		return nil, false
	}
	if check != nil && !check(root) {
		return nil, false
	}
	refs := newResolver(root)
	refs.lazyPaths = paths
	schemas := newSchemaReader(refs)
	global := value(root, "security")
	var (
		ops   []Operation
		seen  = make(map[string]struct{}, members)
		found [][]broken
	)
	// The checks and readings parseWhole makes of each path item, in the
	// same order; any error declines.
	ok := batches(func(key, item *yaml.Node) bool {
		path := key.Value
		if _, dup := seen[path]; dup || key.Kind != yaml.ScalarNode || path == "$ref" {
			return false
		}
		seen[path] = struct{}{}
		if checkDuplicateKeys(item) != nil || checkPathItem(path, item) != nil {
			return false
		}
		ops = pathOperations(refs, schemas, global, path, item, ops)
		if !strings.HasPrefix(path, "x-") {
			if f := findBroken(refs, item, nil); len(f) > 0 {
				found = append(found, f)
			}
		}
		return !refs.outsideTree
	})
	if !ok {
		return nil, false
	}
	// findBroken takes the last path item first.
	for i := len(found) - 1; i >= 0; i-- {
		refs.lazyFound = append(refs.lazyFound, found[i]...)
	}
	sortOperations(ops)
	doc := document(info, refs, schemas, ops, brokenRefs(refs))
	if refs.outsideTree {
		return nil, false
	}
	return doc, true
}

// sameLineBreaks reports whether YAML counts the lines of data as JSON
// does, one per "\n": YAML also breaks lines at a lone "\r" and at U+0085,
// U+2028 and U+2029, which JSON strings may hold, and the batches' line
// numbers are counted in "\n".
func sameLineBreaks(data []byte) bool {
	for i := bytes.IndexByte(data, '\r'); i >= 0; {
		if i+1 >= len(data) || data[i+1] != '\n' {
			return false
		}
		next := bytes.IndexByte(data[i+1:], '\r')
		if next < 0 {
			break
		}
		i += 1 + next
	}
	for _, br := range []string{"\u0085", "\u2028", "\u2029"} {
		if bytes.Contains(data, []byte(br)) {
			return false
		}
	}
	return true
}

// pathsLayout is where the root's paths object and its members are in
// the text.
type pathsLayout struct {
	open, close int // offsets of the paths object's braces
	// members run from each key's opening quote to the end of its value.
	members []span
}

type span struct{ start, end int }

// rest is the text without the paths object's members: an empty object
// on as many lines as they took, so that everything after keeps its line.
func (l pathsLayout) rest(data []byte) []byte {
	breaks := bytes.Count(data[l.open:l.close], []byte{'\n'})
	out := make([]byte, 0, l.open+1+breaks+len(data)-l.close)
	out = append(out, data[:l.open+1]...)
	out = append(out, bytes.Repeat([]byte{'\n'}, breaks)...)
	return append(out, data[l.close:]...)
}

// batches parses the members of the paths object about batchBytes of
// text at a time (at least one member), as the members of a JSON object of their own, gives
// their nodes the lines they have in data, and calls f with each key and
// value in order until f returns false. It reports whether every batch
// was parsed and f never returned false.
func (l pathsLayout) batches(data []byte, batchBytes int, f func(key, item *yaml.Node) bool) bool {
	cfg := datamodel.NewDocumentConfiguration()
	cfg.BypassDocumentCheck = true // a batch is not a document
	cfg.SkipJSONConversion = true
	line, counted := 1, 0
	for a := 0; a < len(l.members); {
		b := a + 1
		for b < len(l.members) && l.members[b].end-l.members[a].start <= batchBytes {
			b++
		}
		start, end := l.members[a].start, l.members[b-1].end
		text := make([]byte, 0, end-start+2)
		text = append(append(append(text, '{'), data[start:end]...), '}')
		info, err := datamodel.ExtractSpecInfoWithConfig(text, cfg)
		if err != nil || info.RootNode == nil || len(info.RootNode.Content) != 1 {
			return false
		}
		batch := info.RootNode.Content[0]
		if batch.Kind != yaml.MappingNode || len(batch.Content) != 2*(b-a) {
			// Not parsed (the stand-in is a string) or not as counted.
			return false
		}
		line += bytes.Count(data[counted:start], []byte{'\n'})
		counted = start
		shiftLines(batch, line-1)
		for i := 0; i < len(batch.Content); i += 2 {
			if !f(batch.Content[i], batch.Content[i+1]) {
				return false
			}
		}
		a = b
	}
	return true
}

// shiftLines adds by to the line of every node of a tree without aliases.
func shiftLines(n *yaml.Node, by int) {
	stack := []*yaml.Node{n}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		n.Line += by
		stack = append(stack, n.Content...)
	}
}

// findPaths finds the members of the root object's "paths" object in
// data, valid JSON. It reports false when there is no such object, when
// there are two, when a key spelling "paths" with escapes could be one,
// or when the text nests deeper than maxLazyDepth.
func findPaths(data []byte) (pathsLayout, bool) {
	s := jsonText{data: data, depth: 1}
	var l pathsLayout
	i := s.space(0)
	if i >= len(data) || data[i] != '{' {
		return l, false
	}
	found := false
	for i = s.space(i + 1); data[i] != '}'; {
		k := i
		i = s.str(i)
		key := data[k:i]
		if bytes.IndexByte(key, '\\') >= 0 {
			var decoded string
			if json.Unmarshal(key, &decoded) != nil || decoded == "paths" {
				return l, false
			}
		}
		i = s.space(s.space(i) + 1) // past the colon
		if string(key) == `"paths"` {
			if found || data[i] != '{' {
				return l, false
			}
			found = true
			i = s.members(i, &l)
		} else {
			i = s.value(i)
		}
		if i = s.space(i); data[i] == ',' {
			i = s.space(i + 1)
		}
	}
	return l, found && s.deepest <= maxLazyDepth
}

// jsonText walks JSON text known to be valid.
type jsonText struct {
	data []byte
	// depth is the nesting of the object whose members are walked (the
	// root is 1); deepest is the deepest nesting met.
	depth, deepest int
}

// members records the members of the object at i in l and returns the
// offset after it.
func (s *jsonText) members(i int, l *pathsLayout) int {
	s.depth++
	s.deepest = max(s.deepest, s.depth)
	l.open = i
	for i = s.space(i + 1); s.data[i] != '}'; {
		start := i
		i = s.value(s.space(s.space(s.str(i)) + 1))
		l.members = append(l.members, span{start, i})
		if i = s.space(i); s.data[i] == ',' {
			i = s.space(i + 1)
		}
	}
	l.close = i
	s.depth--
	return i + 1
}

// space returns the offset of the first byte from i that is not JSON
// whitespace.
func (s *jsonText) space(i int) int {
	for i < len(s.data) {
		switch s.data[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// str returns the offset after the string whose opening quote is at i.
func (s *jsonText) str(i int) int {
	for i++; i < len(s.data); i++ {
		switch s.data[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return i
}

// value returns the offset after the value that starts at i.
func (s *jsonText) value(i int) int {
	switch s.data[i] {
	case '"':
		return s.str(i)
	case '{', '[':
		open := 0
		for ; i < len(s.data); i++ {
			switch s.data[i] {
			case '"':
				i = s.str(i) - 1
			case '{', '[':
				open++
				s.deepest = max(s.deepest, s.depth+open)
			case '}', ']':
				if open--; open == 0 {
					return i + 1
				}
			}
		}
		return i
	}
	for i < len(s.data) {
		switch s.data[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
		i++
	}
	return i
}
