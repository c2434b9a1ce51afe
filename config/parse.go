package config

import (
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
)

// Report formats, as named by --format and FORMAT= in --output.
const (
	FormatText     = "text"
	FormatJSON     = "json"
	FormatSARIF    = "sarif"
	FormatMarkdown = "markdown"
	FormatJUnit    = "junit"
	// FormatCodeQuality is GitLab's Code Quality report. No extension
	// implies it (.json is authgate's own report): -o codequality=PATH.
	FormatCodeQuality = "codequality"
)

// Formats lists the report formats in the order the usage text shows them.
var Formats = []string{FormatText, FormatJSON, FormatSARIF, FormatMarkdown, FormatJUnit, FormatCodeQuality}

// Stdout is the Output path that means standard output.
const Stdout = "-"

// extFormats infers a report format from a file extension, so that
// "-o authgate.sarif" needs no FORMAT= prefix.
var extFormats = map[string]string{
	".json":     FormatJSON,
	".sarif":    FormatSARIF,
	".md":       FormatMarkdown,
	".markdown": FormatMarkdown,
	".xml":      FormatJUnit,
	".txt":      FormatText,
}

// sarifJSONSuffix is the other extension GitHub's code scanning accepts
// for SARIF files; without this it would be inferred as plain JSON.
const sarifJSONSuffix = ".sarif.json"

// methods are the HTTP methods an --endpoint may name. CONNECT is left out:
// its request target is a host:port, not a path, so it is never an API
// operation.
var methods = map[string]bool{
	http.MethodGet: true, http.MethodHead: true, http.MethodPost: true,
	http.MethodPut: true, http.MethodPatch: true, http.MethodDelete: true,
	http.MethodOptions: true, http.MethodTrace: true,
}

// ParseHeader splits a credential header given as "Name: value". The name
// must be an HTTP token and the value non-empty without control
// characters (which would let a value inject further headers). Errors
// name the header only when its name is valid, and never quote the value:
// the value is a credential.
func ParseHeader(s string) (name, value string, err error) {
	name, value, ok := strings.Cut(s, ":")
	if !ok {
		return "", "", invalidf(`want "Header: value" (no colon found)`)
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return "", "", invalidf(`want "Header: value" (the header name is empty)`)
	}
	if !validToken(name) {
		// The text before the colon may be part of a credential (say
		// "Token abc:def"), so it is not quoted.
		return "", "", invalidf("the header name is not a valid HTTP header name (letters, digits and !#$%%&'*+-.^_`|~ only)")
	}
	value = strings.TrimSpace(value)
	if value == "" {
		return "", "", invalidf("header %q has an empty value", name)
	}
	for i := 0; i < len(value); i++ {
		if c := value[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return "", "", invalidf("header %q: the value contains a control character", name)
		}
	}
	return name, value, nil
}

// validToken reports whether s is an RFC 9110 token, the grammar of a
// header name.
func validToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// ParseEndpoint splits an operation given by hand as "METHOD /path?query".
// The method is upper-cased; the path must start with "/" and may carry a
// query but no fragment. Errors quote the method but not the path, whose
// query may hold an API key.
func ParseEndpoint(s string) (method, pathAndQuery string, err error) {
	parts := strings.Fields(s)
	if len(parts) != 2 {
		return "", "", invalidf(`want "METHOD /path?query", e.g. "GET /users/1" (got %d words)`, len(parts))
	}
	method, pathAndQuery = strings.ToUpper(parts[0]), parts[1]
	if !methods[method] {
		return "", "", invalidf("unknown HTTP method %q (want one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, TRACE)", truncate(parts[0]))
	}
	if !strings.HasPrefix(pathAndQuery, "/") || strings.HasPrefix(pathAndQuery, "//") {
		return "", "", invalidf(`the path must start with a single "/" (a path on the target, not a URL)`)
	}
	if strings.Contains(pathAndQuery, "#") {
		return "", "", invalidf("the path must not contain a fragment (#)")
	}
	if _, err := url.ParseRequestURI(pathAndQuery); err != nil {
		return "", "", invalidf("the path is not a valid request path")
	}
	return method, pathAndQuery, nil
}

// ParseShard parses --shard "I/N": shard I (1-based) of N.
func ParseShard(s string) (Shard, error) {
	is, ns, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return Shard{}, invalidf(`want "I/N", e.g. "2/4"`)
	}
	i, err1 := strconv.Atoi(is)
	n, err2 := strconv.Atoi(ns)
	if err1 != nil || err2 != nil {
		return Shard{}, invalidf(`want "I/N" with whole numbers, e.g. "2/4"`)
	}
	sh := Shard{Index: i, Count: n}
	if err := sh.check(); err != nil {
		return Shard{}, err
	}
	return sh, nil
}

// check reports whether a non-zero Shard is in range.
func (s Shard) check() error {
	switch {
	case s.Count < 1:
		return invalidf("the shard count must be at least 1, got %d", s.Count)
	case s.Index < 1 || s.Index > s.Count:
		return invalidf("the shard index must be between 1 and %d, got %d", s.Count, s.Index)
	}
	return nil
}

// String formats the shard as --shard takes it; "" for all operations.
func (s Shard) String() string {
	if s == (Shard{}) {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.Index, s.Count)
}

// ParseOutput parses one -o value, "[FORMAT=]PATH". Without FORMAT= the
// format comes from the extension (.json, .sarif, .sarif.json, .md,
// .markdown, .xml for JUnit, .txt); failing that from defaultFormat; and
// failing that it is an error rather than a guess, since a CI job that
// uploads the wrong format fails far from the cause. PATH "-" is stdout,
// whose format defaults to defaultFormat or text.
func ParseOutput(s, defaultFormat string) (Output, error) {
	if s == "" {
		return Output{}, invalidf("empty output (want [FORMAT=]PATH)")
	}
	format, path := "", s
	if f, p, ok := strings.Cut(s, "="); ok && isWord(f) {
		format, path = strings.ToLower(f), p
		if !knownFormat(format) {
			return Output{}, invalidf("unknown report format %q (want %s)", truncate(f), strings.Join(Formats, ", "))
		}
		if path == "" {
			return Output{}, invalidf("no path after %q", f+"=")
		}
	}
	if format == "" {
		format = inferFormat(path)
	}
	if format == "" {
		format = defaultFormat
	}
	if format == "" && path == Stdout {
		format = FormatText
	}
	if format == "" {
		return Output{}, invalidf("cannot tell the report format of %q from its extension; write FORMAT=PATH, e.g. %q", truncate(path), "json="+truncate(path))
	}
	if !knownFormat(format) {
		return Output{}, invalidf("unknown report format %q (want %s)", truncate(format), strings.Join(Formats, ", "))
	}
	return Output{Format: format, Path: path}, nil
}

// inferFormat returns the format a file name implies, or "".
func inferFormat(path string) string {
	if path == Stdout {
		return ""
	}
	lower := strings.ToLower(path)
	if strings.HasSuffix(lower, sarifJSONSuffix) {
		return FormatSARIF
	}
	return extFormats[filepath.Ext(lower)]
}

// isWord reports whether s could be a format name: ASCII letters only.
// "out=1.json" or "./a=b" are then taken as paths, not as FORMAT=PATH.
func isWord(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i] | 0x20; c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

func knownFormat(f string) bool {
	for _, k := range Formats {
		if f == k {
			return true
		}
	}
	return false
}

// BuildOutputs turns --format values (each possibly comma-separated; each
// a report to stdout) and -o values into the Outputs list. Shared by the
// flags and the config file so that both mean the same.
func BuildOutputs(formats, outputs []string) ([]Output, error) {
	var outs []Output
	for _, fv := range formats {
		for _, f := range strings.Split(fv, ",") {
			f = strings.ToLower(strings.TrimSpace(f))
			if !knownFormat(f) {
				return nil, invalidf("format: unknown report format %q (want %s)", truncate(f), strings.Join(Formats, ", "))
			}
			outs = append(outs, Output{Format: f, Path: Stdout})
		}
	}
	for _, ov := range outputs {
		o, err := ParseOutput(ov, "")
		if err != nil {
			return nil, fmt.Errorf("output: %w", err)
		}
		outs = append(outs, o)
	}
	return outs, nil
}

// maxQuoted bounds how much of a bad value an error message repeats, so
// that one mistake cannot flood a CI log.
const maxQuoted = 64

func truncate(s string) string {
	if len(s) <= maxQuoted {
		return s
	}
	return s[:maxQuoted] + "…"
}
