package openapi

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/pb33f/go-yaml"
	"github.com/pb33f/libopenapi"
	"github.com/pb33f/libopenapi/datamodel"
	v2high "github.com/pb33f/libopenapi/datamodel/high/v2"
	v3high "github.com/pb33f/libopenapi/datamodel/high/v3"
	"github.com/pb33f/libopenapi/orderedmap"
)

// ErrNotOpenAPI is wrapped by the errors of Parse when the input is not an
// API description at all (empty, not YAML or JSON, no "openapi" or "swagger"
// field), as opposed to a broken one. Spec discovery uses it to move on to the
// next well-known path when a target answers with an HTML page.
var ErrNotOpenAPI = errors.New("not an OpenAPI or Swagger document")

// MaxDocumentBytes bounds the input of Parse. The largest public API
// descriptions (GitHub's REST API, Stripe's) are around 10 MiB; libopenapi
// holds several copies of a document in memory, and a target answering with
// far more than this is misbehaving rather than describing its API.
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
// line each. Only local references (#/...) are resolved: the document may
// come from the scanned target, so it must not make authgate read files or
// fetch URLs. Unresolvable and circular references are tolerated and reported
// in Document.Warnings.
func Parse(data []byte, source string) (doc *Document, err error) {
	defer func() {
		// libopenapi is large and fed untrusted input; a bug in it must
		// become an error naming the document, not a crashed scan.
		if r := recover(); r != nil {
			doc, err = nil, fmt.Errorf("%s: cannot read the document (libopenapi failed: %s)", source, clean(fmt.Sprint(r)))
		}
	}()
	if len(data) > MaxDocumentBytes {
		return nil, fmt.Errorf("%s: document is %d bytes, more than the limit of %d", source, len(data), MaxDocumentBytes)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("%s: %w: the document is empty", source, ErrNotOpenAPI)
	}
	lib, err := libopenapi.NewDocumentWithConfiguration(data, libConfig())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, diagnose(data, err))
	}
	root := lib.GetSpecInfo().RootNode
	if root != nil && root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = root.Content[0]
	}
	if err := checkRoot(root); err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	if err := checkStructure(root); err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	if err := checkRefCycles(root); err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}

	doc = &Document{Version: lib.GetVersion(), SecuritySchemes: map[string]Scheme{}}
	if lib.GetSpecInfo().SpecFormat == datamodel.OAS2 {
		m, err := lib.BuildV2Model()
		if m == nil {
			return nil, fmt.Errorf("%s: %s", source, firstLine(err))
		}
		doc.Warnings = warnings(err)
		fromSwagger(doc, &m.Model, root)
	} else {
		m, err := lib.BuildV3Model()
		if m == nil {
			return nil, fmt.Errorf("%s: %s", source, firstLine(err))
		}
		doc.Warnings = warnings(err)
		fromOpenAPI(doc, &m.Model, root)
	}
	sort.SliceStable(doc.Operations, func(i, j int) bool {
		a, b := doc.Operations[i], doc.Operations[j]
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.Method < b.Method
	})
	return doc, nil
}

// libConfig keeps libopenapi local and quiet: no file or remote references
// (the document is untrusted), and no logging, because its default logger
// writes to stdout, where authgate's reports go.
func libConfig() *datamodel.DocumentConfiguration {
	cfg := datamodel.NewDocumentConfiguration()
	cfg.Logger = slog.New(slog.DiscardHandler)
	cfg.AllowFileReferences = false
	cfg.AllowRemoteReferences = false
	return cfg
}

// fromOpenAPI fills doc from an OpenAPI 3.x model.
func fromOpenAPI(doc *Document, m *v3high.Document, root *yaml.Node) {
	if m.Info != nil {
		doc.Title = m.Info.Title
	}
	if len(m.Servers) > 0 && m.Servers[0] != nil {
		base, err := serverPath(m.Servers[0])
		if err != nil {
			doc.Warnings = append(doc.Warnings, clean(err.Error()))
		}
		doc.BasePath = base
	}
	if m.Components != nil {
		for name, s := range m.Components.SecuritySchemes.FromOldest() {
			if s == nil {
				continue
			}
			sch := Scheme{Type: s.Type, In: s.In, Name: s.Name}
			if s.Type == "http" {
				// HTTP auth scheme names are case-insensitive (RFC 7235);
				// rules compare them in lower case.
				sch.Scheme = strings.ToLower(s.Scheme)
			}
			doc.SecuritySchemes[name] = sch
		}
	}
	_, global := lookup(root, "security")
	_, pathNodes := lookup(root, "paths")
	if m.Paths == nil {
		return
	}
	for path, item := range m.Paths.PathItems.FromOldest() {
		if item == nil {
			continue
		}
		lp := item.GoLow()
		if lp == nil {
			continue
		}
		pathParams := params(root, value(follow(root, value(pathNodes, path)), "parameters"))
		for _, o := range []struct {
			method     string
			op         *v3high.Operation
			key, value *yaml.Node
		}{
			{"GET", item.Get, lp.Get.KeyNode, lp.Get.ValueNode},
			{"PUT", item.Put, lp.Put.KeyNode, lp.Put.ValueNode},
			{"POST", item.Post, lp.Post.KeyNode, lp.Post.ValueNode},
			{"DELETE", item.Delete, lp.Delete.KeyNode, lp.Delete.ValueNode},
			{"OPTIONS", item.Options, lp.Options.KeyNode, lp.Options.ValueNode},
			{"HEAD", item.Head, lp.Head.KeyNode, lp.Head.ValueNode},
			{"PATCH", item.Patch, lp.Patch.KeyNode, lp.Patch.ValueNode},
			{"TRACE", item.Trace, lp.Trace.KeyNode, lp.Trace.ValueNode},
		} {
			if o.op == nil {
				continue
			}
			op := Operation{
				Method:      o.method,
				Path:        path,
				OperationID: o.op.OperationId,
				Summary:     o.op.Summary,
				Tags:        o.op.Tags,
				Params:      mergeParams(pathParams, params(root, value(o.value, "parameters"))),
				Extensions:  scalarExtensions(o.op.Extensions),
			}
			finish(&op, o.key, o.value, global)
			doc.Operations = append(doc.Operations, op)
		}
	}
}

// fromSwagger fills doc from a Swagger 2.0 model.
func fromSwagger(doc *Document, m *v2high.Swagger, root *yaml.Node) {
	if m.Info != nil {
		doc.Title = m.Info.Title
	}
	doc.BasePath = trimBasePath(m.BasePath)
	if m.SecurityDefinitions != nil {
		for name, s := range m.SecurityDefinitions.Definitions.FromOldest() {
			if s == nil {
				continue
			}
			sch := Scheme{Type: s.Type, In: s.In, Name: s.Name}
			if s.Type == "basic" {
				// Swagger's "basic" is OpenAPI 3's http/basic; rules know
				// only the 3.x vocabulary.
				sch = Scheme{Type: "http", Scheme: "basic"}
			}
			doc.SecuritySchemes[name] = sch
		}
	}
	_, global := lookup(root, "security")
	_, pathNodes := lookup(root, "paths")
	if m.Paths == nil {
		return
	}
	for path, item := range m.Paths.PathItems.FromOldest() {
		if item == nil {
			continue
		}
		lp := item.GoLow()
		if lp == nil {
			continue
		}
		pathParams := params(root, value(follow(root, value(pathNodes, path)), "parameters"))
		// Swagger 2.0 has no TRACE.
		for _, o := range []struct {
			method     string
			op         *v2high.Operation
			key, value *yaml.Node
		}{
			{"GET", item.Get, lp.Get.KeyNode, lp.Get.ValueNode},
			{"PUT", item.Put, lp.Put.KeyNode, lp.Put.ValueNode},
			{"POST", item.Post, lp.Post.KeyNode, lp.Post.ValueNode},
			{"DELETE", item.Delete, lp.Delete.KeyNode, lp.Delete.ValueNode},
			{"OPTIONS", item.Options, lp.Options.KeyNode, lp.Options.ValueNode},
			{"HEAD", item.Head, lp.Head.KeyNode, lp.Head.ValueNode},
			{"PATCH", item.Patch, lp.Patch.KeyNode, lp.Patch.ValueNode},
		} {
			if o.op == nil {
				continue
			}
			op := Operation{
				Method:      o.method,
				Path:        path,
				OperationID: o.op.OperationId,
				Summary:     o.op.Summary,
				Tags:        o.op.Tags,
				Params:      mergeParams(pathParams, params(root, value(o.value, "parameters"))),
				Extensions:  scalarExtensions(o.op.Extensions),
			}
			finish(&op, o.key, o.value, global)
			doc.Operations = append(doc.Operations, op)
		}
	}
}

// finish sets what both versions read from the YAML nodes: the line of the
// method key and the security requirement. The nodes are read directly
// because libopenapi's models do not consistently tell a missing "security"
// from "security: []".
func finish(op *Operation, key, value, global *yaml.Node) {
	if key != nil {
		op.Line = key.Line
	}
	req := global
	if _, own := lookup(value, "security"); own != nil {
		req = own
	}
	op.Security, op.Schemes = security(req)
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
			sort.Strings(schemes)
		}
	}
	return level, schemes
}

// serverVariable matches a {name} placeholder of a server URL.
var serverVariable = regexp.MustCompile(`\{[^{}]*\}`)

// serverPath returns the path of a 3.x server URL with its variables set to
// their defaults. Relative URLs are taken as relative to the root, since the
// document's own location is not known here.
func serverPath(s *v3high.Server) (string, error) {
	raw := serverVariable.ReplaceAllStringFunc(s.URL, func(v string) string {
		name := v[1 : len(v)-1]
		if s.Variables == nil {
			return v
		}
		if sv := s.Variables.GetOrZero(name); sv != nil && sv.Default != "" {
			return sv.Default
		}
		return v
	})
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("servers[0].url %q is not a URL, using no base path", s.URL)
	}
	p := u.Path
	if u.Scheme == "" && u.Host == "" && p != "" && !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return trimBasePath(p), nil
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

// scalarExtensions keeps the scalar x- extensions, stringified like examples.
func scalarExtensions(ext *orderedmap.Map[string, *yaml.Node]) map[string]string {
	var out map[string]string
	for k, v := range ext.FromOldest() {
		s, ok := scalarString(v)
		if !ok {
			continue
		}
		if out == nil {
			out = map[string]string{}
		}
		out[k] = s
	}
	return out
}

// warnings turns libopenapi's non-fatal build errors into one line each.
func warnings(err error) []string {
	if err == nil {
		return nil
	}
	var out []string
	for _, e := range unwrapAll(err) {
		// libopenapi sometimes joins several problems into one message.
		for line := range strings.Lines(libMessage(e)) {
			if line = clean(line); line != "" {
				out = append(out, line)
			}
		}
	}
	return out
}

// libMessage is a libopenapi error on one line, without its advice to set
// a libopenapi option, which authgate's users cannot do.
func libMessage(err error) string {
	return strings.Replace(err.Error(), "; set AllowExcessiveAliases for trusted documents", "", 1)
}

// unwrapAll flattens errors.Join trees.
func unwrapAll(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, unwrapAll(e)...)
		}
		return out
	}
	return []error{err}
}

// firstLine reduces a possibly joined error to its first message.
func firstLine(err error) string {
	if err == nil {
		return "cannot build the document model"
	}
	all := unwrapAll(err)
	msg := clean(libMessage(all[0]))
	if len(all) > 1 {
		msg += fmt.Sprintf(" (and %d more problems)", len(all)-1)
	}
	return msg
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
