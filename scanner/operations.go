package scanner

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/authgate/authgate/internal/lazyre"
	"github.com/authgate/authgate/scanner/openapi"
)

// discoveryPaths are where APIs usually publish their description, most
// common first (FastAPI, generic, Swagger, springdoc, Express/NestJS).
var discoveryPaths = []string{
	"/openapi.json", "/openapi.yaml", "/openapi.yml", "/swagger.json", "/swagger.yaml",
	"/v3/api-docs", "/v2/api-docs", "/api-docs", "/api/openapi.json", "/api/swagger.json",
	"/api-docs.json", "/docs/openapi.json", "/swagger/v1/swagger.json", "/api/v1/openapi.json",
}

// operations collects what to scan: the --openapi document or a
// discovered one, the --endpoint flags, and the endpoint TARGET names.
func (s *scan) operations(ctx context.Context, endpointOp *openapi.Operation) ([]openapi.Operation, error) {
	var ops []openapi.Operation
	switch {
	case s.opts.OpenAPI != "":
		doc, err := s.loadSpec(ctx, s.opts.OpenAPI)
		if err != nil {
			return nil, err
		}
		s.useDoc(doc, s.opts.OpenAPI)
		endpointOp = nil // TARGET is the base URL when a spec is given
	case !hasQuery(endpointOp):
		// A TARGET with a query names one endpoint exactly; otherwise
		// look for a description first.
		if doc, where := s.discover(ctx); doc != nil {
			s.useDoc(doc, where)
			endpointOp = nil
		}
	}
	if len(s.opts.Endpoints) > 0 {
		endpointOp = nil // TARGET is the base of the --endpoint paths
	}
	if s.doc != nil {
		ops = append(ops, s.doc.Operations...)
	}
	for _, e := range s.opts.Endpoints {
		method, rest, ok := strings.Cut(strings.TrimSpace(e), " ")
		if !ok {
			return nil, fmt.Errorf("%w: --endpoint %q: want \"METHOD /path?query\"", ErrNoOperations, e)
		}
		u, err := url.Parse(strings.TrimSpace(rest))
		if err != nil || !strings.HasPrefix(u.Path, "/") {
			return nil, fmt.Errorf("%w: --endpoint %q: want \"METHOD /path?query\"", ErrNoOperations, e)
		}
		ops = append(ops, endpointOperation(strings.ToUpper(method), u.Path, u.Query()))
		if s.specSource == "" {
			s.specSource = "flags"
		}
	}
	if endpointOp != nil {
		// TARGET named the endpoint: the base is the origin alone.
		s.base = &url.URL{Scheme: s.base.Scheme, Host: s.base.Host}
		ops = append(ops, *endpointOp)
		s.specSource = "target URL"
	}
	if len(ops) == 0 && s.opts.OpenAPI != "" {
		why := "no paths with operations"
		if s.doc != nil && len(s.doc.Warnings) > 0 {
			why = s.doc.Warnings[0]
		}
		return nil, fmt.Errorf("%w: %s describes no operations (%s); fix it or add --endpoint", ErrSpec, s.opts.OpenAPI, why)
	}
	if len(ops) == 0 {
		return nil, fmt.Errorf("%w: no OpenAPI document found at %s (tried %s, ...); pass --openapi or --endpoint",
			ErrNoOperations, redactURL(s.base), strings.Join(discoveryPaths[:4], ", "))
	}
	slices.SortStableFunc(ops, func(a, b openapi.Operation) int {
		if c := strings.Compare(a.Path, b.Path); c != 0 {
			return c
		}
		return strings.Compare(a.Method, b.Method)
	})
	ops = slices.CompactFunc(ops, func(a, b openapi.Operation) bool {
		return a.Path == b.Path && a.Method == b.Method
	})
	kept := s.screen(ops)
	if len(kept) == 0 {
		sk := s.safety.skipped[0]
		return nil, fmt.Errorf("%w: all %d operations are excluded or state-changing (%s %s: %s)", ErrNoOperations, len(ops), sk.Method, sk.Path, sk.Reason)
	}
	return kept, nil
}

// hasPathParam reports whether the operation's route has a parameter.
func hasPathParam(op *openapi.Operation) bool {
	for _, p := range op.Params {
		if p.In == "path" {
			return true
		}
	}
	return false
}

func hasQuery(op *openapi.Operation) bool {
	return op != nil && slices.ContainsFunc(op.Params, func(p openapi.Param) bool { return p.In == "query" })
}

func (s *scan) useDoc(doc *openapi.Document, source string) {
	s.doc, s.specSource = doc, source
	// TARGET http://h/api with a description whose paths already start
	// with /api: the paths are absolute, the prefix must not be doubled.
	if s.base.Path == "" || len(doc.Operations) == 0 {
		return
	}
	for _, op := range doc.Operations {
		if op.Path != s.base.Path && !strings.HasPrefix(op.Path, s.base.Path+"/") {
			return
		}
	}
	s.base = &url.URL{Scheme: s.base.Scheme, Host: s.base.Host}
}

// loadSpec reads --openapi from a file or a URL. A URL on the target's
// origin goes through the scanner's client; another origin is fetched
// without credentials, since the user named it.
func (s *scan) loadSpec(ctx context.Context, where string) (*openapi.Document, error) {
	if u, err := url.Parse(where); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
		c, id := s.client, s.primary
		if origin(u) != origin(s.base) {
			// Credentials never leave the target's origin.
			c, id = NewClient(ClientOptions{Concurrency: 1, Timeout: s.opts.Client.Timeout, Origins: []string{origin(u)}}), Anonymous
		}
		resp := c.probe(ctx, &Request{Method: "GET", URL: u, Identity: id, Limit: maxSpecBytes})
		if resp.Err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrSpec, where, resp.Err)
		}
		if !resp.OK() {
			return nil, fmt.Errorf("%w: %s: status %d", ErrSpec, where, resp.Status)
		}
		if resp.Truncated {
			return nil, fmt.Errorf("%w: %s: larger than %d MiB", ErrSpec, where, maxSpecBytes>>20)
		}
		doc, err := openapi.Parse(resp.Body, where)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrSpec, err)
		}
		return doc, nil
	}
	read := s.opts.ReadFile
	if read == nil {
		read = os.ReadFile
	}
	data, err := read(where)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSpec, err)
	}
	doc, err := openapi.Parse(data, where)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSpec, err)
	}
	return doc, nil
}

// discover looks for an API description at the usual paths, under the
// target's base path first, then at the root.
func (s *scan) discover(ctx context.Context) (*openapi.Document, string) {
	prefixes := []string{s.base.Path}
	if s.base.Path != "" {
		prefixes = append(prefixes, "")
	}
	for _, prefix := range prefixes {
		for _, p := range discoveryPaths {
			u := &url.URL{Scheme: s.base.Scheme, Host: s.base.Host, Path: prefix + p}
			resp := s.do(ctx, &Request{Method: "GET", URL: u, Identity: s.primary, Limit: maxSpecBytes})
			if !resp.OK() || len(resp.Body) == 0 || resp.Truncated || !looksLikeDescription(resp.Body) {
				continue
			}
			doc, err := openapi.Parse(resp.Body, u.String())
			if err != nil || len(doc.Operations) == 0 {
				continue
			}
			if prefix != s.base.Path {
				s.base = &url.URL{Scheme: s.base.Scheme, Host: s.base.Host, Path: prefix}
			}
			return doc, u.String()
		}
	}
	return nil, ""
}

// yamlVersionKey finds a top-level openapi: or swagger: key in YAML.
var yamlVersionKey = lazyre.New(`(?m)^["']?(openapi|swagger)["']?\s*:`)

// looksLikeDescription reports, in one linear pass, whether a discovered
// body can be an OpenAPI or Swagger document: a JSON object with a
// top-level "openapi" or "swagger" key, or YAML with one. A catch-all
// route answering every path with a big JSON list or an HTML page is
// then skipped without a full parse, which takes seconds for megabytes.
func looksLikeDescription(body []byte) bool {
	trimmed := bytes.TrimLeft(body, " \t\r\n\ufeff")
	if len(trimmed) == 0 {
		return false
	}
	if trimmed[0] != '{' {
		return trimmed[0] != '[' && trimmed[0] != '<' && yamlVersionKey.Match(trimmed)
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	if _, err := dec.Token(); err != nil { // {
		return false
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		if k, ok := tok.(string); ok && (k == "openapi" || k == "swagger") {
			return true
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return false
		}
	}
	return false
}

// idSegment matches a path segment that is an object id: digits or a UUID.
var idSegment = lazyre.New(`^(\d+|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$`)

// endpointOperation turns a concrete request ("GET /orders/42?user_id=1")
// into an operation: ids in the path become parameters, so the route
// template is stable and id rules can vary them; query values become
// examples.
func endpointOperation(method, path string, query url.Values) openapi.Operation {
	op := openapi.Operation{Method: method, Security: openapi.SecurityUndeclared}
	segs := strings.Split(path, "/")
	n := 0
	for i, seg := range segs {
		if !idSegment.MatchString(seg) {
			continue
		}
		n++
		name := "id"
		if n > 1 {
			name = "id" + strconv.Itoa(n)
		}
		typ := "string"
		if _, err := strconv.Atoi(seg); err == nil {
			typ = "integer"
		}
		segs[i] = "{" + name + "}"
		op.Params = append(op.Params, openapi.Param{Name: name, In: "path", Required: true, Type: typ, Example: seg})
	}
	op.Path = strings.Join(segs, "/")
	if op.Path == "" {
		op.Path = "/"
	}
	keys := make([]string, 0, len(query))
	for k := range query {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		op.Params = append(op.Params, openapi.Param{Name: k, In: "query", Required: true, Type: "string", Example: query.Get(k)})
	}
	return op
}

// docBase is the document's base path unless the target URL already
// ends with it.
func (s *scan) docBase() string {
	if s.doc == nil || s.doc.BasePath == "" || strings.HasSuffix(s.base.Path, s.doc.BasePath) {
		return ""
	}
	return s.doc.BasePath
}
