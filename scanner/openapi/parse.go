package openapi

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"runtime/debug"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/pb33f/go-yaml"
	"github.com/pb33f/libopenapi/datamodel"
)

// ErrNotOpenAPI is wrapped by the errors of Parse when the input is not an
// API description at all (empty, not YAML or JSON, no "openapi" or "swagger"
// field), as opposed to a broken one. Spec discovery uses it to move on to the
// next well-known path when a target answers with an HTML page.
var ErrNotOpenAPI = errors.New("not an OpenAPI or Swagger document")

// MaxDocumentBytes bounds the input of Parse. The largest public API
// descriptions (GitHub's REST API, Stripe's) are around 10 MiB; a target
// answering with far more is misbehaving rather than describing its API.
const MaxDocumentBytes = 32 << 20

// maxMessageLen keeps errors and warnings to one readable line: messages can
// quote keys of an untrusted document.
const maxMessageLen = 200

// Load reads the file at path and parses it with Parse, using path as the
// source in error messages.
func Load(path string) (*Document, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("read API description: %w", err)
	}
	if info.Size() > MaxDocumentBytes {
		return nil, fmt.Errorf("%s: document is %d bytes, more than the limit of %d", path, info.Size(), MaxDocumentBytes)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read API description: %w", err)
	}
	return Parse(data, path)
}

// Parse reads an OpenAPI 3.0/3.1/3.2 or Swagger 2.0 document, JSON or YAML.
// source names the document (a file name or URL) in errors, which are one
// line each.
//
// libopenapi parses the text into YAML nodes (with line numbers, for JSON
// too) and identifies the specification and its version; the rest is read
// from the nodes. libopenapi's model is not built: on documents a target
// can serve it overflows the stack (a Swagger items $ref back to its own
// parameter, a fatal error no recover catches), loops forever (a callback
// $ref back to its own path), takes time quadratic in the number of $refs,
// and drops a whole path item when one $ref in it does not resolve.
//
// Only local references (#/...) are resolved: the document may come from
// the scanned target, so it must not make authgate read files or fetch
// URLs. Broken references are reported in Document.Warnings; cycles are
// tolerated.
//
// The node tree is about eight times the size of the text (85 MB live for
// a 10 MB, 20,000-operation description) and is garbage once the
// operations are read: none of it is kept in the Document. A document is
// therefore read a batch of path items at a time, never as a whole tree
// (parseJSONByPaths and parseYAMLByPaths: the same Document in a quarter
// of the peak heap or less); the documents those decline (unusual
// layouts, errors) are parsed whole. After a large document Parse collects the
// garbage at once and returns the memory to the system, so the heap does
// not keep growing up to the garbage collector's goal before the next
// collection.
func Parse(data []byte, source string) (*Document, error) {
	doc, err := parse(data, source)
	if len(data) >= collectAfter {
		debug.FreeOSMemory()
	}
	return doc, err
}

// collectAfter is the size of a document after which Parse collects its
// garbage at once: the cost of a collection (milliseconds) is worth it
// when the garbage is tens of megabytes (node trees).
const collectAfter = 2 << 20

// parse is Parse without the collection.
func parse(data []byte, source string) (doc *Document, err error) {
	defer func() {
		// The input is untrusted: a bug met on the way must become an
		// error naming the document, not a crashed scan.
		if r := recover(); r != nil {
			doc, err = nil, fmt.Errorf("%s: internal error reading the document: %s", source, clean(fmt.Sprint(r)))
		}
	}()
	if len(data) > MaxDocumentBytes {
		return nil, fmt.Errorf("%s: document is %d bytes, more than the limit of %d", source, len(data), MaxDocumentBytes)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("%s: %w: the document is empty", source, ErrNotOpenAPI)
	}
	// libopenapi would parse invalid JSON that happens to be valid YAML
	// (its JSON check is skipped, see libConfig).
	if looksLikeJSON(data) && !json.Valid(data) {
		return nil, fmt.Errorf("%s: %w", source, diagnose(data, errors.New("invalid JSON")))
	}
	byPaths := parseYAMLByPaths
	if looksLikeJSON(data) {
		byPaths = parseJSONByPaths
	}
	if doc, ok := byPaths(data, lazyBatchBytes); ok {
		return doc, nil
	}
	return parseWhole(data, source)
}

// parseWhole reads the document from the node tree of its whole text.
func parseWhole(data []byte, source string) (*Document, error) {
	info, err := datamodel.ExtractSpecInfoWithConfig(data, libConfig())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, diagnose(data, err))
	}
	root := rootOf(info)
	for _, check := range []func(*yaml.Node) error{checkRoot, checkDuplicateKeys, checkStructure} {
		if err := check(root); err != nil {
			return nil, fmt.Errorf("%s: %w", source, err)
		}
	}
	refs := newResolver(root)
	schemas := newSchemaReader(refs)
	ops := operations(refs, schemas)
	return document(info, refs, schemas, ops, brokenRefs(refs)), nil
}

// rootOf returns the top-level node of the document libopenapi parsed.
func rootOf(info *datamodel.SpecInfo) *yaml.Node {
	root := info.RootNode
	if root != nil && root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = root.Content[0]
	}
	return root
}

// document assembles the Document of a tree whose operations and broken
// references are read.
func document(info *datamodel.SpecInfo, refs *resolver, schemas *schemaReader, ops []Operation, warnings []string) *Document {
	root := refs.root
	doc := &Document{
		Version:         info.Version,
		Title:           text(value(root, "info"), "title"),
		SecuritySchemes: map[string]Scheme{},
		Operations:      ops,
		Warnings:        warnings,
	}
	if w := schemas.warning(); w != "" {
		doc.Warnings = append(doc.Warnings, w)
	}
	if info.SpecFormat == datamodel.OAS2 {
		doc.BasePath = trimBasePath(text(root, "basePath"))
		schemes(doc, refs, value(root, "securityDefinitions"))
	} else {
		doc.BasePath = serverPath(refs.follow(first(value(root, "servers"))))
		schemes(doc, refs, value(value(root, "components"), "securitySchemes"))
	}
	return doc
}

// libConfig keeps libopenapi local, quiet and linear: no file or remote
// references (the document is untrusted); no logging, because its default
// logger writes to stdout, where authgate's reports go; and no JSON
// conversion, whose duplicate-key check compares every key of a mapping
// with every other (minutes on one huge mapping; checkDuplicateKeys does
// the same in linear time).
func libConfig() *datamodel.DocumentConfiguration {
	cfg := datamodel.NewDocumentConfiguration()
	cfg.Logger = slog.New(slog.DiscardHandler)
	cfg.AllowFileReferences = false
	cfg.AllowRemoteReferences = false
	cfg.SkipJSONConversion = true
	return cfg
}

// schemes reads components.securitySchemes (3.x) or securityDefinitions
// (2.0) into doc.
func schemes(doc *Document, r *resolver, defs *yaml.Node) {
	defs = deref(defs)
	if defs == nil || defs.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(defs.Content); i += 2 {
		s := r.follow(defs.Content[i+1])
		if s == nil || s.Kind != yaml.MappingNode {
			continue
		}
		sch := Scheme{Type: text(s, "type"), In: text(s, "in"), Name: text(s, "name"), OpenIDConnectURL: text(s, "openIdConnectUrl")}
		switch sch.Type {
		case "http":
			// HTTP auth scheme names are case-insensitive (RFC 7235);
			// rules compare them in lower case.
			sch.Scheme = strings.ToLower(text(s, "scheme"))
		case "basic":
			// Swagger's "basic" is OpenAPI 3's http/basic; rules know
			// only the 3.x vocabulary.
			sch = Scheme{Type: "http", Scheme: "basic"}
		}
		doc.SecuritySchemes[defs.Content[i].Value] = sch
	}
}

// operationMethod maps an operation key of a path item to authgate's method.
// Swagger 2.0 has no trace, but reading one does no harm. A switch, not a
// map, so that start-up builds nothing.
func operationMethod(key string) (string, bool) {
	switch key {
	case "get":
		return "GET", true
	case "put":
		return "PUT", true
	case "post":
		return "POST", true
	case "delete":
		return "DELETE", true
	case "options":
		return "OPTIONS", true
	case "head":
		return "HEAD", true
	case "patch":
		return "PATCH", true
	case "trace":
		return "TRACE", true
	}
	return "", false
}

// operations reads every operation of every path from the YAML tree, the
// same way for OpenAPI 3.x and Swagger 2.0. libopenapi's model is not used
// here: it drops a whole path item when a $ref in its parameters does not
// resolve, and does not tell a missing "security" from "security: []".
//
// Request-body and answer schemas are read by schemas, whose budget is
// the document's.
func operations(r *resolver, schemas *schemaReader) []Operation {
	paths := deref(value(r.root, "paths"))
	if paths == nil || paths.Kind != yaml.MappingNode {
		return nil
	}
	global := value(r.root, "security")
	var ops []Operation
	for i := 0; i+1 < len(paths.Content); i += 2 {
		ops = pathOperations(r, schemas, global, paths.Content[i].Value, paths.Content[i+1], ops)
	}
	sortOperations(ops)
	return ops
}

// pathOperations appends the operations of the path item of one path to
// ops, in document order; global is the document's security requirement.
func pathOperations(r *resolver, schemas *schemaReader, global *yaml.Node, path string, item *yaml.Node, ops []Operation) []Operation {
	// A path item may be a $ref (to components/pathItems in 3.1).
	item = r.follow(item)
	if strings.HasPrefix(path, "x-") || item == nil || item.Kind != yaml.MappingNode {
		return ops
	}
	shared := params(r, value(item, "parameters"))
	for j := 0; j+1 < len(item.Content); j += 2 {
		key := item.Content[j]
		method, ok := operationMethod(key.Value)
		// Some generators write an operation as a $ref of its own.
		node := r.follow(item.Content[j+1])
		if !ok || node == nil || node.Kind != yaml.MappingNode {
			continue
		}
		op := Operation{
			Method:      method,
			Path:        path,
			OperationID: text(node, "operationId"),
			Summary:     text(node, "summary"),
			Description: text(node, "description"),
			Tags:        stringList(value(node, "tags")),
			Params:      mergeParams(shared, params(r, value(node, "parameters"))),
			Extensions:  scalarExtensions(node),
			Line:        key.Line,
		}
		req := global
		if own := value(node, "security"); own != nil {
			req = own
		}
		op.Security, op.Schemes = security(req)
		op.Body, op.BodyRequired = schemas.requestBody(item, node, key.Line)
		op.Answer = schemas.answer(node, key.Line)
		ops = append(ops, op)
	}
	return ops
}

// sortOperations sorts operations by path, then method. Path and method
// are unique: the duplicate-key check saw to it.
func sortOperations(ops []Operation) {
	slices.SortFunc(ops, func(a, b Operation) int {
		return cmp.Or(strings.Compare(a.Path, b.Path), strings.Compare(a.Method, b.Method))
	})
}

// security classifies a list of security requirements; nil means none was
// declared.
func security(req *yaml.Node) (Security, []string) {
	req = deref(req)
	if req == nil || req.Kind != yaml.SequenceNode {
		return SecurityUndeclared, nil
	}
	if len(req.Content) == 0 {
		return SecurityPublic, nil
	}
	level := SecurityRequired
	var schemes []string
	for _, r := range req.Content {
		r = deref(r)
		if r == nil || r.Kind != yaml.MappingNode || len(r.Content) == 0 {
			level = SecurityOptional
			continue
		}
		if schemes == nil {
			for i := 0; i+1 < len(r.Content); i += 2 {
				schemes = append(schemes, r.Content[i].Value)
			}
			slices.Sort(schemes)
		}
	}
	return level, schemes
}

// expandVariables replaces each {name} placeholder of a server URL, the
// leftmost first and without braces inside, with value(name): what
// regexp.MustCompile(`\{[^{}]*\}`).ReplaceAllStringFunc does, without a
// pattern compiled at start-up.
func expandVariables(s string, value func(name string) string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] == '{' {
			if end := strings.IndexAny(s[i+1:], "{}"); end >= 0 && s[i+1+end] == '}' {
				b.WriteString(value(s[i+1 : i+1+end]))
				i += end + 2
				continue
			}
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

// serverPath returns the path of a 3.x server URL with its variables set
// to their defaults; a variable without one (the specification requires
// it) is left empty rather than sent as "{name}". A relative URL is taken
// as relative to the root, since where the document itself was found is
// not known here.
func serverPath(server *yaml.Node) string {
	vars := value(server, "variables")
	raw := expandVariables(text(server, "url"), func(name string) string {
		return text(value(vars, name), "default")
	})
	u, err := url.Parse(raw)
	if err != nil {
		// No usable path: operations are then joined to the target's
		// base URL as they are.
		return ""
	}
	p := u.Path
	if u.Scheme == "" && u.Host == "" && p != "" && !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return trimBasePath(p)
}

// trimBasePath makes a path prefix joinable with a route template: a leading
// slash, no trailing slash, and "" for the root.
func trimBasePath(p string) string {
	p = strings.TrimRight(p, "/")
	if p != "" && !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return p
}

// scalarExtensions keeps the scalar x- extensions of an operation,
// stringified like examples.
func scalarExtensions(op *yaml.Node) map[string]string {
	var out map[string]string
	for i := 0; i+1 < len(op.Content); i += 2 {
		key := op.Content[i].Value
		if !strings.HasPrefix(key, "x-") {
			continue
		}
		v, ok := scalarString(op.Content[i+1])
		if !ok {
			continue
		}
		if out == nil {
			out = map[string]string{}
		}
		out[key] = v
	}
	return out
}

// stringList returns the scalar items of a list, e.g. an operation's tags.
func stringList(n *yaml.Node) []string {
	n = deref(n)
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	var out []string
	for _, c := range n.Content {
		if c = deref(c); c.Kind == yaml.ScalarNode {
			out = append(out, c.Value)
		}
	}
	return out
}

// clean makes a message safe to print on one line: the document is
// untrusted, so newlines (which could start a "::" workflow command) and
// other control characters become spaces, and long text is cut.
func clean(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > maxMessageLen {
		cut := maxMessageLen
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}
