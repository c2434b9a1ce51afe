package openapi

import (
	"bytes"

	"github.com/pb33f/go-yaml"
	"github.com/pb33f/libopenapi/datamodel"
)

// A YAML document is read a batch of path items at a time too, as a JSON
// one is (see parseJSONByPaths): its node tree is about 17 times its text
// (120 MB live at the peak for the 6.4 MB block-YAML description of a
// 20,000-operation API, 26 MB read by paths). The top-level "paths:" block and its members
// are found by indentation, a line at a time: the block runs from the
// line after "paths:" to the next line that starts in the first column
// (other than a comment), and each line indented as much as its first
// line starts a member. libopenapi parses the rest, with "paths: {}" and
// blank lines standing in for the block, and each batch is the members'
// lines as they are in the text (the first from the line after "paths:",
// so that the parser sees every byte of the text once): a block mapping may start indented, so
// the batch's nodes get the columns they have in the whole text, and
// their lines are shifted to where the batch starts.
//
// Only the plain block layout is read this way; parseYAMLByPaths
// declines everything else and Parse reads the document whole:
// "paths:" with anything but a comment after it (flow style, an anchor,
// a tag), a "paths" key that is not a plain one at the top level,
// directives (%TAG changes what tags mean), more than one document,
// tabs, line breaks other than "\n" and "\r\n", a line of the block
// indented less than its first, anchors and aliases in the path items
// (an alias must not cross the cut; none in path items is the simple
// rule), nesting deeper than maxLazyDepth, and errors of any kind. What
// the lines suggest is then checked against what the parser made of
// them: the rest's top-level keys must be exactly the lines that looked
// like keys, in the first column, and each batch's keys exactly the
// lines that looked like members, in the members' column. A "paths:"
// line inside a quoted string or a flow collection, or a member line
// inside a multi-line scalar, fails one of these checks.

// parseYAMLByPaths reads a YAML document about batchBytes of path items
// at a time, or reports false when it must be read whole.
func parseYAMLByPaths(data []byte, batchBytes int) (doc *Document, ok bool) {
	defer func() {
		// A surprise here is not the document's fault: the whole
		// reading will say whatever is to be said about it.
		if recover() != nil {
			doc, ok = nil, false
		}
	}()
	if bytes.IndexByte(data, '\t') >= 0 || !sameLineBreaks(data) {
		return nil, false
	}
	l, ok := findYAMLPaths(data)
	if !ok {
		return nil, false
	}
	return readByPaths(l.rest(data), len(l.members), l.checkRest, func(f func(key, item *yaml.Node) bool) bool {
		return l.batches(data, batchBytes, f)
	})
}

// yamlPaths is where the top-level paths block and its members are in
// the text of a YAML document.
type yamlPaths struct {
	keyLines  []int // the lines that start top-level keys, paths included
	pathsLine int   // the line of "paths:"
	colon     int   // offset of the colon of "paths:"
	// start and end are the offsets of the block: from the line after
	// "paths:" to the next top-level line or the end of the text.
	start, end int
	indent     int // the members' indentation, in spaces
	// members are where the members' first lines start; each runs to
	// the next one or to the end of the block.
	members []yamlMember
}

type yamlMember struct{ offset, line int }

// findYAMLPaths finds the top-level paths block of data and its members,
// or reports false when data is not laid out as parseYAMLByPaths reads.
func findYAMLPaths(data []byte) (yamlPaths, bool) {
	var l yamlPaths
	found, inBlock := false, false
	line := 0
	for i := 0; i < len(data); {
		line++
		end := len(data)
		if nl := bytes.IndexByte(data[i:], '\n'); nl >= 0 {
			end = i + nl
		}
		text := bytes.TrimSuffix(data[i:end], []byte{'\r'})
		indent := len(text) - len(bytes.TrimLeft(text, " "))
		start := i
		i = end + 1
		if indent == len(text) || text[indent] == '#' {
			continue // blank or a comment
		}
		if indent > 0 {
			if !inBlock {
				continue
			}
			if l.indent == 0 {
				l.indent = indent
			}
			switch {
			case indent < l.indent:
				return l, false
			case indent == l.indent:
				l.members = append(l.members, yamlMember{start, line})
			}
			continue
		}
		if inBlock {
			inBlock = false
			l.end = start
		}
		switch {
		case bytes.HasPrefix(text, []byte("---")) && (len(text) == 3 || text[3] == ' '):
			// The start of the document, with nothing after the marker
			// but a comment; a second one starts another document.
			if after := bytes.TrimLeft(text[3:], " "); len(l.keyLines) > 0 || (len(after) > 0 && after[0] != '#') {
				return l, false
			}
			continue
		case text[0] == '%', bytes.HasPrefix(text, []byte("...")):
			return l, false // a directive, or the end of a document
		}
		l.keyLines = append(l.keyLines, line)
		after, isPaths := bytes.CutPrefix(text, []byte("paths:"))
		if !isPaths || (len(after) > 0 && after[0] != ' ') {
			continue // another key ("paths:x" is one too)
		}
		if after = bytes.TrimLeft(after, " "); found || (len(after) > 0 && after[0] != '#') {
			return l, false // a second paths key, or a value on its line
		}
		found, inBlock = true, true
		l.pathsLine, l.colon, l.start = line, start+len("paths"), min(end+1, len(data))
	}
	if inBlock {
		l.end = len(data)
	}
	// "paths:" alone with no members is null, not an empty mapping.
	return l, found && len(l.members) > 0
}

// rest is the text with "paths: {}" for the paths block: the block's
// lines are left blank, so that everything after keeps its line.
func (l yamlPaths) rest(data []byte) []byte {
	breaks := bytes.Count(data[l.start:l.end], []byte{'\n'})
	out := make([]byte, 0, len(data)-(l.end-l.start)+breaks+3)
	out = append(out, data[:l.colon+1]...)
	out = append(out, " {}"...)
	out = append(out, data[l.colon+1:l.start]...)
	out = append(out, bytes.Repeat([]byte{'\n'}, breaks)...)
	return append(out, data[l.end:]...)
}

// checkRest reports whether the top-level keys of the rest's tree are the
// lines findYAMLPaths took for keys, paths on its line: otherwise a line
// it read as a key is not one (it is inside a quoted string or a flow
// collection), and the cut may be anywhere.
func (l yamlPaths) checkRest(root *yaml.Node) bool {
	if root.Kind != yaml.MappingNode || root.Style&yaml.FlowStyle != 0 || len(root.Content) != 2*len(l.keyLines) {
		return false
	}
	for i, line := range l.keyLines {
		key := root.Content[2*i]
		if key.Line != line || key.Column != 1 || key.Kind != yaml.ScalarNode {
			return false
		}
		if line == l.pathsLine && (key.Value != "paths" || key.Style != 0) {
			return false
		}
	}
	return true
}

// batches parses the members of the paths block about batchBytes of text
// at a time (at least one member), each batch its lines as they are in
// data, gives their nodes the lines they have in data, and calls f with
// each key and value in order until f returns false. It reports whether
// every batch was parsed as the members that findYAMLPaths saw and f
// never returned false.
func (l yamlPaths) batches(data []byte, batchBytes int, f func(key, item *yaml.Node) bool) bool {
	cfg := datamodel.NewDocumentConfiguration()
	cfg.BypassDocumentCheck = true // a batch is not a document
	cfg.SkipJSONConversion = true
	memberEnd := func(i int) int {
		if i+1 < len(l.members) {
			return l.members[i+1].offset
		}
		return l.end
	}
	for a := 0; a < len(l.members); {
		b := a + 1
		for b < len(l.members) && memberEnd(b)-l.members[a].offset <= batchBytes {
			b++
		}
		// The first batch starts on the line after "paths:", with the
		// comments and blank lines before the first member: the parser
		// must see every byte the whole reading sees (a comment there
		// that is not valid UTF-8 fails it).
		from, line := l.members[a].offset, l.members[a].line
		if a == 0 {
			from, line = l.start, l.pathsLine+1
		}
		info, err := datamodel.ExtractSpecInfoWithConfig(data[from:memberEnd(b-1)], cfg)
		if err != nil || info.RootNode == nil || len(info.RootNode.Content) != 1 {
			return false
		}
		batch := info.RootNode.Content[0]
		if batch.Kind != yaml.MappingNode || batch.Style&yaml.FlowStyle != 0 || len(batch.Content) != 2*(b-a) {
			// Not parsed (the stand-in is a string) or not as counted.
			return false
		}
		if !shiftYAMLLines(batch, line-1) {
			return false
		}
		for i := 0; i < len(batch.Content); i += 2 {
			key, m := batch.Content[i], l.members[a+i/2]
			if key.Line != m.line || key.Column != l.indent+1 || !f(key, batch.Content[i+1]) {
				return false
			}
		}
		a = b
	}
	return true
}

// shiftYAMLLines adds by to the line of every node of a batch's tree and
// reports whether the tree is one parseYAMLByPaths reads: no anchors or
// aliases, and no deeper than maxLazyDepth, far from the parser's limit
// (10,000), which the whole text, one level deeper, would meet first.
func shiftYAMLLines(root *yaml.Node, by int) bool {
	type at struct {
		n     *yaml.Node
		depth int
	}
	stack := []at{{root, 1}}
	for len(stack) > 0 {
		top := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		n := top.n
		if n.Kind == yaml.AliasNode || n.Anchor != "" || top.depth > maxLazyDepth {
			return false
		}
		n.Line += by
		for _, c := range n.Content {
			stack = append(stack, at{c, top.depth + 1})
		}
	}
	return true
}
