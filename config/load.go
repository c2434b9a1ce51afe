package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// MaxFileSize bounds the config file read: a real one is a few hundred
// bytes, and a bigger file is a mistake (--config pointing at a binary or
// a log) that should fail fast rather than be parsed.
const MaxFileSize = 1 << 20

// Load reads the YAML config file at path over Default(). It is strict:
// an unknown key, a value of the wrong type or a second document is an
// error naming the file and line, e.g. `.authgate.yml:7: unknown field
// "rat" (did you mean "rate"?)`. An empty file gives the defaults. Load
// does not Validate: flags still apply on top.
func Load(path string) (Config, error) {
	data, err := readFile(path)
	if err != nil {
		return Config{}, err
	}
	return parseFile(path, data)
}

func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, invalidf("config file: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, invalidf("config file: %w", err)
	}
	if len(data) > MaxFileSize {
		return nil, invalidf("%s: larger than %d bytes; is it really the config file?", path, MaxFileSize)
	}
	return data, nil
}

// parseFile is Load without the file system; name is only for messages.
func parseFile(name string, data []byte) (Config, error) {
	cfg := Default()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return cfg, nil // empty, or only comments
		}
		return Config{}, yamlError(name, err)
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return Config{}, yamlError(name, err)
	default:
		return Config{}, invalidf("%s:%d: more than one YAML document (---); put every setting in one", name, extra.Line)
	}

	root := &doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return cfg, nil
		}
		root = root.Content[0]
	}
	root = resolve(root)
	if isNull(root) {
		return cfg, nil // "~" or "null": nothing set
	}
	if root.Kind != yaml.MappingNode {
		return Config{}, invalidf("%s:%d: want a mapping of settings (key: value), got %s", name, root.Line, kindName(root))
	}

	st := loadState{cfg: &cfg}
	seen := map[string]int{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := resolve(root.Content[i]), resolve(root.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			return Config{}, invalidf("%s:%d: want a setting name, got %s", name, k.Line, kindName(k))
		}
		key := k.Value
		f, ok := fieldByKey(key)
		if !ok {
			return Config{}, invalidf("%s:%d: unknown field %q%s", name, k.Line, truncate(key), suggest(key))
		}
		if line, dup := seen[key]; dup {
			return Config{}, invalidf("%s:%d: %s is set twice (first on line %d)", name, k.Line, key, line)
		}
		seen[key] = k.Line
		if err := f.set(&st, v); err != nil {
			return Config{}, invalidf("%s:%d: %s: %w", name, v.Line, key, err)
		}
	}
	if st.formats != nil || st.outputs != nil {
		outs, err := BuildOutputs(st.formats, st.outputs)
		if err != nil {
			return Config{}, invalidf("%s: %w", name, err)
		}
		cfg.Outputs = outs
	}
	return cfg, nil
}

// loadState is the Config being filled plus what needs all keys first.
type loadState struct {
	cfg              *Config
	formats, outputs []string
}

// field is one config-file key. Keys are the flags' names in camelCase.
type field struct {
	key string
	set func(st *loadState, n *yaml.Node) error
}

// fields lists every key the config file accepts: every scan flag but
// --config, plus suppress.
var fields = []field{
	{"target", str(func(c *Config) *string { return &c.Target })},
	{"openapi", str(func(c *Config) *string { return &c.OpenAPI })},
	{"endpoints", list(func(c *Config) *[]string { return &c.Endpoints })},
	{"auth", headers(func(c *Config) *[]string { return &c.Auth })},
	{"peerAuth", headers(func(c *Config) *[]string { return &c.PeerAuth })},
	{"mode", str(func(c *Config) *string { return &c.Mode })},
	{"format", func(st *loadState, n *yaml.Node) error { return decodeList(n, &st.formats) }},
	{"output", func(st *loadState, n *yaml.Node) error { return decodeList(n, &st.outputs) }},
	{"failUnder", integer(func(c *Config) *int { return &c.FailUnder })},
	{"failOn", str(func(c *Config) *string { return &c.FailOn })},
	{"baseline", str(func(c *Config) *string { return &c.Baseline })},
	{"baselineUrl", str(func(c *Config) *string { return &c.BaselineURL })},
	{"maxScoreDrop", integer(func(c *Config) *int { return &c.MaxScoreDrop })},
	{"suppress", list(func(c *Config) *[]string { return &c.Suppress })},
	{"rate", number(func(c *Config) *float64 { return &c.Rate })},
	{"concurrency", integer(func(c *Config) *int { return &c.Concurrency })},
	{"timeout", duration(func(c *Config) *time.Duration { return &c.Timeout })},
	{"budget", integer(func(c *Config) *int { return &c.Budget })},
	{"wait", duration(func(c *Config) *time.Duration { return &c.Wait })},
	{"shard", func(st *loadState, n *yaml.Node) error {
		if isNull(n) {
			return nil
		}
		if n.Kind != yaml.ScalarNode {
			return fmt.Errorf(`want "I/N", e.g. "2/4", got %s`, kindName(n))
		}
		sh, err := ParseShard(n.Value)
		if err != nil {
			return err
		}
		st.cfg.Shard = sh
		return nil
	}},
}

// Keys returns the config file's keys, in the order of the documentation.
func Keys() []string {
	keys := make([]string, len(fields))
	for i, f := range fields {
		keys[i] = f.key
	}
	return keys
}

func fieldByKey(key string) (field, bool) {
	for _, f := range fields {
		if f.key == key {
			return f, true
		}
	}
	return field{}, false
}

// A null value ("key:" with nothing after it) leaves the default alone,
// so that a commented-out value in a template means "not set".

func str(ptr func(*Config) *string) func(*loadState, *yaml.Node) error {
	return func(st *loadState, n *yaml.Node) error {
		if isNull(n) {
			return nil
		}
		if n.Kind != yaml.ScalarNode {
			return fmt.Errorf("want a string, got %s", kindName(n))
		}
		*ptr(st.cfg) = n.Value
		return nil
	}
}

func integer(ptr func(*Config) *int) func(*loadState, *yaml.Node) error {
	return func(st *loadState, n *yaml.Node) error {
		if isNull(n) {
			return nil
		}
		var v int
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || n.Decode(&v) != nil {
			return fmt.Errorf("want a whole number, got %s", describe(n))
		}
		*ptr(st.cfg) = v
		return nil
	}
}

func number(ptr func(*Config) *float64) func(*loadState, *yaml.Node) error {
	return func(st *loadState, n *yaml.Node) error {
		if isNull(n) {
			return nil
		}
		var v float64
		if n.Kind != yaml.ScalarNode || (n.ShortTag() != "!!int" && n.ShortTag() != "!!float") || n.Decode(&v) != nil {
			return fmt.Errorf("want a number, got %s", describe(n))
		}
		*ptr(st.cfg) = v
		return nil
	}
}

func duration(ptr func(*Config) *time.Duration) func(*loadState, *yaml.Node) error {
	return func(st *loadState, n *yaml.Node) error {
		if isNull(n) {
			return nil
		}
		if n.Kind != yaml.ScalarNode {
			return fmt.Errorf("want a duration such as 10s or 1m30s, got %s", kindName(n))
		}
		d, err := time.ParseDuration(n.Value)
		if err != nil {
			return fmt.Errorf("want a duration such as 10s or 1m30s, got %s", describe(n))
		}
		*ptr(st.cfg) = d
		return nil
	}
}

func list(ptr func(*Config) *[]string) func(*loadState, *yaml.Node) error {
	return func(st *loadState, n *yaml.Node) error { return decodeList(n, ptr(st.cfg)) }
}

// decodeList reads a list of strings; a single string is a list of one.
// An explicit empty list ([]) sets an empty, non-nil list.
func decodeList(n *yaml.Node, dst *[]string) error {
	switch {
	case isNull(n):
		return nil
	case n.Kind == yaml.ScalarNode:
		*dst = []string{n.Value}
		return nil
	case n.Kind != yaml.SequenceNode:
		return fmt.Errorf("want a list of strings, got %s", kindName(n))
	}
	out := make([]string, 0, len(n.Content))
	for i, item := range n.Content {
		item = resolve(item)
		if item.Kind != yaml.ScalarNode || isNull(item) {
			return fmt.Errorf("item %d: want a string, got %s", i+1, kindName(item))
		}
		out = append(out, item.Value)
	}
	*dst = out
	return nil
}

// headers reads credentials in any of the shapes YAML makes natural:
//
//	auth: "Authorization: Bearer …"          # one string
//	auth: ["Authorization: Bearer …"]        # a list of "Name: value"
//	auth: {Authorization: "Bearer …"}        # a mapping of name to value
//	auth:
//	  - Authorization: Bearer …              # a list of one-entry mappings
//
// The last is what "- Authorization: Bearer x" parses as, which users
// write expecting a string. Errors never quote a value: it is a secret.
func headers(ptr func(*Config) *[]string) func(*loadState, *yaml.Node) error {
	return func(st *loadState, n *yaml.Node) error {
		var out []string
		addPairs := func(m *yaml.Node) error {
			for i := 0; i+1 < len(m.Content); i += 2 {
				k, v := resolve(m.Content[i]), resolve(m.Content[i+1])
				if k.Kind != yaml.ScalarNode || v.Kind != yaml.ScalarNode || isNull(v) {
					return errors.New(`want "Header: value" pairs with string values`)
				}
				out = append(out, k.Value+": "+v.Value)
			}
			return nil
		}
		switch {
		case isNull(n):
			return nil
		case n.Kind == yaml.ScalarNode:
			out = []string{n.Value}
		case n.Kind == yaml.MappingNode:
			if err := addPairs(n); err != nil {
				return err
			}
		case n.Kind == yaml.SequenceNode:
			out = make([]string, 0, len(n.Content))
			for i, item := range n.Content {
				item = resolve(item)
				switch {
				case item.Kind == yaml.ScalarNode && !isNull(item):
					out = append(out, item.Value)
				case item.Kind == yaml.MappingNode:
					if err := addPairs(item); err != nil {
						return err
					}
				default:
					return fmt.Errorf(`item %d: want "Header: value", got %s`, i+1, kindName(item))
				}
			}
		default:
			return fmt.Errorf(`want "Header: value" or a list of them, got %s`, kindName(n))
		}
		*ptr(st.cfg) = out
		return nil
	}
}

// maxAliasHops bounds alias resolution; YAML cannot chain aliases, so one
// hop is normal and more is a malformed tree.
const maxAliasHops = 8

// resolve follows aliases (*anchor) to the node they name.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; i < maxAliasHops && n != nil && n.Kind == yaml.AliasNode && n.Alias != nil; i++ {
		n = n.Alias
	}
	if n == nil {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null"}
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == 0 || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

func kindName(n *yaml.Node) string {
	switch {
	case isNull(n):
		return "nothing (null)"
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case n.Kind == yaml.ScalarNode && strings.HasPrefix(n.ShortTag(), "!!"):
		return "a " + strings.TrimPrefix(n.ShortTag(), "!!")
	case n.Kind == yaml.ScalarNode:
		return "a value with a custom tag"
	case n.Kind == yaml.AliasNode:
		return "an alias"
	}
	return "a document"
}

// describe quotes a scalar (shortened) or names the kind of anything else.
func describe(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode && !isNull(n) {
		return fmt.Sprintf("%q", truncate(n.Value))
	}
	return kindName(n)
}

// yamlLine matches the line number yaml.v3 puts in its syntax errors.
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlError turns a yaml.v3 error into one "file:line: message" line.
func yamlError(name string, err error) error {
	msg := err.Error()
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0] // "line N: …"
	}
	msg = strings.Join(strings.Fields(msg), " ")
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		return invalidf("%s:%s: %s", name, m[1], m[2])
	}
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, text, ok := strings.Cut(rest, ": "); ok {
			return invalidf("%s:%s: %s", name, num, text)
		}
	}
	return invalidf("%s: %s", name, strings.TrimPrefix(msg, "yaml: "))
}

// suggest offers the key a user probably meant: the same key in another
// case style (flags are kebab-case, keys camelCase) or one a typo away.
func suggest(key string) string {
	norm := func(s string) string {
		return strings.ToLower(strings.NewReplacer("-", "", "_", "").Replace(s))
	}
	best, bestDist := "", maxSuggestDistance+1
	for _, f := range fields {
		if norm(f.key) == norm(key) {
			return fmt.Sprintf(" (did you mean %q?)", f.key)
		}
		if d := editDistance(norm(f.key), norm(key)); d < bestDist {
			best, bestDist = f.key, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// maxSuggestDistance is how many typos still count as "meant this key";
// more than two suggests unrelated keys for short names.
const maxSuggestDistance = 2

// editDistance is the Levenshtein distance; keys are short, and a key
// longer than maxKeyCompare is not compared (it is no typo of ours).
func editDistance(a, b string) int {
	const maxKeyCompare = 64
	if len(a) > maxKeyCompare || len(b) > maxKeyCompare {
		return maxKeyCompare
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
