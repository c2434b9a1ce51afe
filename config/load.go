package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/internal/lazyre"
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

// LoadEnv is Load with the environment that ${NAME} references read
// through lookup instead of os.LookupEnv; nil is an empty environment.
func LoadEnv(path string, lookup LookupEnv) (Config, error) {
	data, err := readFile(path)
	if err != nil {
		return Config{}, err
	}
	if lookup == nil {
		lookup = func(string) (string, bool) { return "", false }
	}
	return parseFileEnv(path, data, lookup)
}

// parseFile is Load without the file system; name is only for messages.
func parseFile(name string, data []byte) (Config, error) {
	return parseFileEnv(name, data, os.LookupEnv)
}

func parseFileEnv(name string, data []byte, lookup LookupEnv) (Config, error) {
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

	st := loadState{cfg: &cfg, lookup: lookup}
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
			// A nested value says where it is; others are the key's value.
			var ne *nodeError
			if errors.As(err, &ne) {
				return Config{}, invalidf("%s:%d: %s: %w", name, ne.line, ne.at, ne.err)
			}
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
	lookup           LookupEnv // for ${NAME}
}

// expand is expandEnv with the file's environment.
// Every value a variable gives is kept in Config.Secrets, so that the
// Action can mask it wherever it sits in the file.
func (st *loadState) expand(s string) (string, error) {
	return expandEnv(s, func(name string) (string, bool) {
		if st.lookup == nil {
			return "", false
		}
		v, ok := st.lookup(name)
		if ok && v != "" && !slices.Contains(st.cfg.Secrets, v) {
			st.cfg.Secrets = append(st.cfg.Secrets, v)
		}
		return v, ok
	})
}

// field is one config-file key. Keys are the flags' names in camelCase.
type field struct {
	key string
	set func(st *loadState, n *yaml.Node) error
}

// fields lists every key the config file accepts: every scan flag but
// --config, plus suppress and the file-only identities, primary, peer,
// flows, bodies and pathValues.
var fields = []field{
	{"target", str(func(c *Config) *string { return &c.Target })},
	{"openapi", str(func(c *Config) *string { return &c.OpenAPI })},
	{"endpoints", list(func(c *Config) *[]string { return &c.Endpoints })},
	{"exclude", list(func(c *Config) *[]string { return &c.Exclude })},
	{"auth", headers("auth", func(c *Config) *[]string { return &c.Auth })},
	{"peerAuth", headers("peerAuth", func(c *Config) *[]string { return &c.PeerAuth })},
	{"identities", decodeIdentities},
	{"primary", str(func(c *Config) *string { return &c.Primary })},
	{"peer", str(func(c *Config) *string { return &c.Peer })},
	{"flows", func(st *loadState, n *yaml.Node) error {
		if isNull(n) {
			return nil
		}
		return decodeMapping(st, n, where{setting: "flows"}, flowFields, &st.cfg.Flows, "")
	}},
	{"bodies", decodeBodies},
	{"pathValues", decodePathValues},
	{"autoAccounts", func(st *loadState, n *yaml.Node) error { return decodeBool(n, &st.cfg.AutoAccounts) }},
	{"discovery", func(st *loadState, n *yaml.Node) error { return decodeBool(n, &st.cfg.Discovery) }},
	{"mode", str(func(c *Config) *string { return &c.Mode })},
	{"format", func(st *loadState, n *yaml.Node) error { return decodeList(n, &st.formats) }},
	{"output", func(st *loadState, n *yaml.Node) error { return decodeList(n, &st.outputs) }},
	{"failUnder", func(st *loadState, n *yaml.Node) error {
		st.cfg.FailUnderSet = st.cfg.FailUnderSet || !isNull(n)
		return integer(func(c *Config) *int { return &c.FailUnder })(st, n)
	}},
	{"failOn", str(func(c *Config) *string { return &c.FailOn })},
	{"baseline", str(func(c *Config) *string { return &c.Baseline })},
	{"baselineUrl", str(func(c *Config) *string { return &c.BaselineURL })},
	{"maxScoreDrop", integer(func(c *Config) *int { return &c.MaxScoreDrop })},
	{"suppress", decodeSuppress},
	{"rate", number(func(c *Config) *float64 { return &c.Rate })},
	{"concurrency", integer(func(c *Config) *int { return &c.Concurrency })},
	{"timeout", duration(func(c *Config) *time.Duration { return &c.Timeout })},
	{"budget", func(st *loadState, n *yaml.Node) error {
		st.cfg.BudgetSet = st.cfg.BudgetSet || !isNull(n)
		return integer(func(c *Config) *int { return &c.Budget })(st, n)
	}},
	{"wait", duration(func(c *Config) *time.Duration { return &c.Wait })},
	{"maxDuration", duration(func(c *Config) *time.Duration { return &c.MaxDuration })},
	{"insecureTls", func(st *loadState, n *yaml.Node) error { return decodeBool(n, &st.cfg.InsecureTLS) }},
	{"jwtPublicKeys", list(func(c *Config) *[]string { return &c.JWTPublicKeys })},
	{"jwtWordlist", str(func(c *Config) *string { return &c.JWTWordlist })},
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
	return func(st *loadState, n *yaml.Node) error { return decodeString(n, ptr(st.cfg)) }
}

// decodeString reads a scalar's text; null leaves dst alone.
func decodeString(n *yaml.Node, dst *string) error {
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("want a string, got %s", kindName(n))
	}
	*dst = n.Value
	return nil
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
	return func(st *loadState, n *yaml.Node) error { return decodeDuration(n, ptr(st.cfg)) }
}

// decodeDuration reads a Go duration such as 1m30s; null leaves dst alone.
func decodeDuration(n *yaml.Node, dst *time.Duration) error {
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
	*dst = d
	return nil
}

// decodeBool reads true or false; null leaves dst alone.
func decodeBool(n *yaml.Node, dst *bool) error {
	if isNull(n) {
		return nil
	}
	var b bool
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" || n.Decode(&b) != nil {
		return fmt.Errorf("want true or false, got %s", describe(n))
	}
	*dst = b
	return nil
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
func headers(key string, ptr func(*Config) *[]string) func(*loadState, *yaml.Node) error {
	return func(st *loadState, n *yaml.Node) error {
		return decodeHeaders(st, n, where{setting: key}, ptr(st.cfg))
	}
}

// decodeHeaders reads the shapes headers describes, expanding ${NAME} in
// each value; at names the setting in an expansion error.
func decodeHeaders(st *loadState, n *yaml.Node, at where, dst *[]string) error {
	var out []string
	add := func(item *yaml.Node, name, value string) error {
		v, err := st.expand(value)
		if err != nil {
			return &nodeError{line: item.Line, at: at, err: err}
		}
		out = append(out, name+": "+v)
		return nil
	}
	// addLine expands only what follows the colon: the header name is
	// not a place for a variable, and one without a colon is left for
	// Validate to report.
	addLine := func(item *yaml.Node) error {
		name, value, ok := strings.Cut(item.Value, ":")
		if !ok {
			out = append(out, item.Value)
			return nil
		}
		v, err := st.expand(value)
		if err != nil {
			return &nodeError{line: item.Line, at: at, err: err}
		}
		out = append(out, name+":"+v)
		return nil
	}
	addPairs := func(m *yaml.Node) error {
		for i := 0; i+1 < len(m.Content); i += 2 {
			k, v := resolve(m.Content[i]), resolve(m.Content[i+1])
			if k.Kind != yaml.ScalarNode || v.Kind != yaml.ScalarNode || isNull(v) {
				return errors.New(`want "Header: value" pairs with string values`)
			}
			if err := add(v, k.Value, v.Value); err != nil {
				return err
			}
		}
		return nil
	}
	switch {
	case isNull(n):
		return nil
	case n.Kind == yaml.ScalarNode:
		if err := addLine(n); err != nil {
			return err
		}
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
				if err := addLine(item); err != nil {
					return err
				}
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
	*dst = out
	return nil
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
var yamlLine = lazyre.New(`^yaml: line (\d+): (.*)$`)

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
func suggest(key string) string { return suggestFrom(key, Keys()) }

// keySeparators drops - and _, so that kebab- and snake-case keys compare
// equal (one Replacer for every call).
var keySeparators = strings.NewReplacer("-", "", "_", "")

// suggestFrom is suggest among keys, or "" when none is close.
func suggestFrom(key string, keys []string) string {
	norm := func(s string) string {
		return strings.ToLower(keySeparators.Replace(s))
	}
	best, bestDist := "", maxSuggestDistance+1
	for _, k := range keys {
		if norm(k) == norm(key) {
			return fmt.Sprintf(" (did you mean %q?)", k)
		}
		if d := editDistance(norm(k), norm(key)); d < bestDist {
			best, bestDist = k, d
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

// where names a place inside a setting for messages: the setting
// ("identities[2] (mallory)", "flows") and the path of keys under it
// ("login.body.password").
type where struct{ setting, field string }

func (w where) String() string {
	if w.field == "" {
		return w.setting
	}
	return w.setting + ": " + w.field
}

// key is the place of key k under w.
func (w where) key(k string) where {
	k = pathKey(k)
	if w.field == "" {
		w.field = k
	} else {
		w.field += "." + k
	}
	return w
}

// item is the place of list item i (0-based) under w, shown 1-based as
// the other messages count items.
func (w where) item(i int) where {
	w.field += fmt.Sprintf("[%d]", i+1)
	return w
}

// plainKey is what a key may look like to be shown unquoted in a path.
var plainKey = lazyre.New(`^[A-Za-z0-9_.-]+$`)

// pathKey shows a user's key (a login body's field name) in a path; an
// odd one is quoted so that a message stays on one line.
func pathKey(k string) string {
	if plainKey.MatchString(k) {
		return k
	}
	return fmt.Sprintf("%q", truncate(k))
}

// nodeError is a problem at one place inside a setting, so that a
// nested mistake is reported on its own line rather than the setting's.
type nodeError struct {
	line int
	at   where
	err  error
}

func (e *nodeError) Error() string { return fmt.Sprintf("line %d: %s: %v", e.line, e.at, e.err) }
func (e *nodeError) Unwrap() error { return e.err }

func errAt(n *yaml.Node, at where, format string, a ...any) error {
	return &nodeError{line: n.Line, at: at, err: fmt.Errorf(format, a...)}
}

// subField is one key of a mapping nested in the file, such as an
// identity's or a login's.
type subField[T any] struct {
	key string
	set func(st *loadState, dst *T, n *yaml.Node, at where) error
}

func subKeys[T any](fs []subField[T]) []string {
	keys := make([]string, len(fs))
	for i, f := range fs {
		keys[i] = f.key
	}
	return keys
}

// decodeMapping fills dst from mapping n as strictly as the top level:
// unknown and repeated keys are errors. hint follows an unknown key's
// message when no known key is close to it.
func decodeMapping[T any](st *loadState, n *yaml.Node, at where, fs []subField[T], dst *T, hint string) error {
	if n.Kind != yaml.MappingNode {
		return errAt(n, at, "want a mapping (key: value), got %s", kindName(n))
	}
	keys := subKeys(fs)
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), resolve(n.Content[i+1])
		if k.Kind != yaml.ScalarNode || isNull(k) {
			return errAt(k, at, "want a field name, got %s", kindName(k))
		}
		idx := slices.Index(keys, k.Value)
		if idx < 0 {
			s := suggestFrom(k.Value, keys)
			if s == "" {
				s = hint
			}
			return errAt(k, at, "unknown field %q%s", truncate(k.Value), s)
		}
		if line, dup := seen[k.Value]; dup {
			return errAt(k, at, "%s is set twice (first on line %d)", k.Value, line)
		}
		seen[k.Value] = k.Line
		if err := fs[idx].set(st, dst, v, at.key(k.Value)); err != nil {
			var ne *nodeError
			if errors.As(err, &ne) {
				return err
			}
			return &nodeError{line: v.Line, at: at.key(k.Value), err: err}
		}
	}
	return nil
}

// Values a login fills in when the file leaves them out.
const (
	DefaultLoginMethod = "POST"
	BodyJSON           = "json" // Login.Format: the body is a JSON object
	BodyForm           = "form" // Login.Format: the body is application/x-www-form-urlencoded
	// TokenPlaceholder is where Login.Send puts the token.
	TokenPlaceholder = "{token}"
	// DefaultBearerSend is Login.Send for json: and header: tokens.
	DefaultBearerSend = "Authorization: Bearer " + TokenPlaceholder
)

// identityLoad is an Identity being read: cookies are folded into its
// headers once all its keys are known.
type identityLoad struct {
	Identity
	cookies []string
}

// identityFields lists the keys of one identity, in documentation order.
var identityFields = []subField[identityLoad]{
	{"name", func(_ *loadState, d *identityLoad, n *yaml.Node, _ where) error { return decodeString(n, &d.Name) }},
	{"role", func(_ *loadState, d *identityLoad, n *yaml.Node, _ where) error { return decodeString(n, &d.Role) }},
	{"throwaway", func(_ *loadState, d *identityLoad, n *yaml.Node, _ where) error { return decodeBool(n, &d.Throwaway) }},
	{"headers", func(st *loadState, d *identityLoad, n *yaml.Node, at where) error {
		return decodeHeaders(st, n, at, &d.Headers)
	}},
	{"cookies", func(st *loadState, d *identityLoad, n *yaml.Node, at where) error {
		return decodeCookies(st, n, at, &d.cookies)
	}},
	{"owns", func(_ *loadState, d *identityLoad, n *yaml.Node, at where) error { return decodeOwns(n, at, &d.Owns) }},
	{"login", func(st *loadState, d *identityLoad, n *yaml.Node, at where) error {
		if isNull(n) {
			return nil
		}
		if n.Kind != yaml.MappingNode {
			return fmt.Errorf("want a mapping (path:, body:, token:, …), got %s", kindName(n))
		}
		l := &Login{}
		if err := decodeMapping(st, n, at, loginFields, l, " (the request's fields go under body:)"); err != nil {
			return err
		}
		l.Method = strings.ToUpper(l.Method) // as --endpoint: servers match methods case-sensitively
		if l.Method == "" {
			l.Method = DefaultLoginMethod
		}
		if l.Format == "" {
			l.Format = BodyJSON
		}
		if l.Send == "" {
			l.Send = defaultSend(l.Token)
		}
		d.Login = l
		return nil
	}},
}

// loginFields lists the keys of an identity's login, in documentation order.
var loginFields = []subField[Login]{
	{"method", func(_ *loadState, l *Login, n *yaml.Node, _ where) error { return decodeString(n, &l.Method) }},
	{"path", func(st *loadState, l *Login, n *yaml.Node, _ where) error {
		if err := decodeString(n, &l.Path); err != nil {
			return err
		}
		p, err := st.expand(l.Path)
		l.Path = p
		return err
	}},
	{"format", func(_ *loadState, l *Login, n *yaml.Node, _ where) error { return decodeString(n, &l.Format) }},
	{"body", func(st *loadState, l *Login, n *yaml.Node, at where) error {
		if isNull(n) {
			return nil
		}
		if n.Kind != yaml.MappingNode {
			return fmt.Errorf("want a mapping of field names to values, got %s", kindName(n))
		}
		budget := maxBodyValues
		v, err := decodeValue(st, n, at, 0, &budget)
		if err != nil {
			return err
		}
		l.Body = v.(map[string]any)
		return nil
	}},
	{"usernameField", func(_ *loadState, l *Login, n *yaml.Node, _ where) error { return decodeString(n, &l.UsernameField) }},
	{"passwordField", func(_ *loadState, l *Login, n *yaml.Node, _ where) error { return decodeString(n, &l.PasswordField) }},
	{"token", func(_ *loadState, l *Login, n *yaml.Node, _ where) error { return decodeString(n, &l.Token) }},
	{"send", func(_ *loadState, l *Login, n *yaml.Node, _ where) error { return decodeString(n, &l.Send) }},
	{"lifetime", func(_ *loadState, l *Login, n *yaml.Node, _ where) error { return decodeDuration(n, &l.Lifetime) }},
}

// flowFields lists the keys of flows, in documentation order.
var flowFields = []subField[Flows]{
	{"check", func(_ *loadState, f *Flows, n *yaml.Node, _ where) error { return decodeString(n, &f.Check) }},
	{"logout", func(_ *loadState, f *Flows, n *yaml.Node, _ where) error { return decodeString(n, &f.Logout) }},
	{"register", func(_ *loadState, f *Flows, n *yaml.Node, _ where) error { return decodeString(n, &f.Register) }},
	{"recovery", func(_ *loadState, f *Flows, n *yaml.Node, _ where) error { return decodeString(n, &f.Recovery) }},
}

// defaultSend is the header a token goes back in when Send is not set:
// a cookie token as the same cookie, any other as a bearer token. It is
// "" for a token Validate will refuse.
func defaultSend(token string) string {
	source, name, err := ParseToken(token)
	switch {
	case err != nil:
		return ""
	case source == TokenCookie:
		return "Cookie: " + name + "=" + TokenPlaceholder
	}
	return DefaultBearerSend
}

// decodeIdentities reads the identities list. Each identity's messages
// are labelled with its place and name, found before its other keys.
func decodeIdentities(st *loadState, n *yaml.Node) error {
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		return fmt.Errorf("want a list of identities (- name: …), got %s", kindName(n))
	}
	out := make([]Identity, 0, len(n.Content))
	for i, item := range n.Content {
		item = resolve(item)
		at := where{setting: identityLabel(i, mappingName(item))}
		if item.Kind != yaml.MappingNode {
			return errAt(item, at, "want a mapping (name:, headers:, login:, …), got %s", kindName(item))
		}
		var id identityLoad
		if err := decodeMapping(st, item, at, identityFields, &id, " (credentials go under headers:, cookies: or login:)"); err != nil {
			return err
		}
		if id.Role == "" {
			id.Role = RoleUser
		}
		if id.cookies != nil {
			id.Headers = append(id.Headers, "Cookie: "+strings.Join(id.cookies, "; "))
		}
		out = append(out, id.Identity)
	}
	st.cfg.Identities = out
	return nil
}

// mappingName is the scalar under "name" in mapping n, or "".
func mappingName(n *yaml.Node) string {
	if n.Kind != yaml.MappingNode {
		return ""
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), resolve(n.Content[i+1])
		if k.Kind == yaml.ScalarNode && k.Value == "name" && v.Kind == yaml.ScalarNode && !isNull(v) {
			return v.Value
		}
	}
	return ""
}

// identityLabel names identity i (0-based) in messages, 1-based as the
// other messages count items, with its name when the name is a valid one
// (an invalid one could break the message's line).
func identityLabel(i int, name string) string {
	if validIdentityName(name) {
		return fmt.Sprintf("identities[%d] (%s)", i+1, name)
	}
	return fmt.Sprintf("identities[%d]", i+1)
}

// decodeOwns reads an identity's owns: a mapping of parameter name to
// one value or a list of values, kept as written (1001 and "1001" are the
// same id). Values are not ${NAME}-expanded: ids are not secrets, and an
// expanded value would be masked in every report.
func decodeOwns(n *yaml.Node, at where, dst *map[string][]string) error {
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("want a mapping of parameter name to value or list of values (user_id: \"1001\"), got %s", kindName(n))
	}
	out := make(map[string][]string, len(n.Content)/2)
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), resolve(n.Content[i+1])
		if k.Kind != yaml.ScalarNode || isNull(k) {
			return errAt(k, at, "want a parameter name, got %s", kindName(k))
		}
		if line, dup := seen[k.Value]; dup {
			return errAt(k, at, "%s is set twice (first on line %d)", pathKey(k.Value), line)
		}
		seen[k.Value] = k.Line
		items := []*yaml.Node{v}
		if v.Kind == yaml.SequenceNode {
			items = v.Content
		}
		var vals []string
		for j, item := range items {
			item = resolve(item)
			if item.Kind != yaml.ScalarNode || isNull(item) || item.ShortTag() == "!!bool" {
				place := at.key(k.Value)
				if v.Kind == yaml.SequenceNode {
					place = place.item(j)
				}
				return errAt(item, place, "want an id (a string or a number), got %s", kindName(item))
			}
			vals = append(vals, item.Value)
		}
		out[k.Value] = vals
	}
	*dst = out
	return nil
}

// decodeCookies reads a mapping of cookie name to value into "name=value"
// strings, expanding ${NAME} in the values. Messages quote no value, and
// no name that is not a valid one (it may be a mistyped credential).
func decodeCookies(st *loadState, n *yaml.Node, at where, dst *[]string) error {
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("want a mapping of cookie name to value, got %s", kindName(n))
	}
	out := make([]string, 0, len(n.Content)/2)
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), resolve(n.Content[i+1])
		if k.Kind != yaml.ScalarNode || !validToken(k.Value) {
			return errAt(k, at, "a cookie name is not valid (letters, digits and !#$%%&'*+-.^_`|~ only)")
		}
		if line, dup := seen[k.Value]; dup {
			return errAt(k, at, "cookie %q is set twice (first on line %d)", k.Value, line)
		}
		seen[k.Value] = k.Line
		if v.Kind != yaml.ScalarNode || isNull(v) {
			return errAt(v, at, "cookie %q: want a string value, got %s", k.Value, kindName(v))
		}
		val, err := st.expand(v.Value)
		if err != nil {
			return errAt(v, at, "cookie %q: %w", k.Value, err)
		}
		if strings.ContainsAny(val, ";\r\n") {
			return errAt(v, at, "cookie %q: the value contains ; or a line break, which would end the cookie", k.Value)
		}
		out = append(out, k.Value+"="+val)
	}
	*dst = out
	return nil
}

// Bounds on a login body. A real one is a handful of fields; the bounds
// stop a hostile or broken file (aliases can nest a value in itself or
// repeat it exponentially) from exhausting memory or the stack.
const (
	maxBodyDepth  = 32
	maxBodyValues = 10000
)

// decodeValue turns a login body's YAML into what encoding/json writes:
// map[string]any, []any, string (${NAME}-expanded), int64, float64, bool
// or nil. Messages never quote a value.
func decodeValue(st *loadState, n *yaml.Node, at where, depth int, budget *int) (any, error) {
	n = resolve(n)
	*budget--
	switch {
	case *budget < 0:
		return nil, errAt(n, at, "more than %d values; a login body is a few fields", maxBodyValues)
	case depth > maxBodyDepth:
		return nil, errAt(n, at, "nested more than %d levels deep", maxBodyDepth)
	}
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		seen := map[string]int{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := resolve(n.Content[i])
			if k.Kind != yaml.ScalarNode || isNull(k) {
				return nil, errAt(k, at, "want a field name, got %s", kindName(k))
			}
			if k.ShortTag() == "!!merge" {
				return nil, errAt(k, at, "merge keys (<<) are not supported; write the fields out")
			}
			if line, dup := seen[k.Value]; dup {
				return nil, errAt(k, at, "field %s is set twice (first on line %d)", pathKey(k.Value), line)
			}
			seen[k.Value] = k.Line
			v, err := decodeValue(st, n.Content[i+1], at.key(k.Value), depth+1, budget)
			if err != nil {
				return nil, err
			}
			m[k.Value] = v
		}
		return m, nil
	case yaml.SequenceNode:
		list := make([]any, 0, len(n.Content))
		for i, item := range n.Content {
			v, err := decodeValue(st, item, at.item(i), depth+1, budget)
			if err != nil {
				return nil, err
			}
			list = append(list, v)
		}
		return list, nil
	case yaml.ScalarNode:
		return decodeScalar(st, n, at)
	}
	return nil, errAt(n, at, "want a value, got %s", kindName(n))
}

// bigInt matches what YAML writes as an integer, for one that yaml.v3
// turned into a float because it does not fit 64 bits: sent as a float
// it would silently lose digits.
var bigInt = lazyre.New(`^[-+]?(0x[0-9a-fA-F_]+|0o[0-7_]+|[0-9_]+)$`)

// leadingZero matches integers written with a leading zero (0123, -007).
var leadingZero = lazyre.New(`^[-+]?0[0-9_]+$`)

// decodeScalar keeps YAML's types: an int stays int64 and a float
// float64, so that a JSON body carries what the file says.
func decodeScalar(st *loadState, n *yaml.Node, at where) (any, error) {
	switch n.ShortTag() {
	case "!!null":
		return nil, nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return nil, errAt(n, at, "not a valid boolean")
		}
		return b, nil
	case "!!int":
		if leadingZero.MatchString(n.Value) {
			// YAML 1.1 readers take 0123 as octal, others as 123: a PIN
			// or password written so is never what the file means.
			return nil, errAt(n, at, "a number with a leading zero; quote it to send it as written")
		}
		var i int64
		if err := n.Decode(&i); err != nil {
			return nil, errAt(n, at, "a whole number too large for 64 bits; quote it to send a string")
		}
		return i, nil
	case "!!float":
		if bigInt.MatchString(n.Value) { // yaml.v3 makes an int that overflows a float
			return nil, errAt(n, at, "a whole number too large for 64 bits; quote it to send a string")
		}
		var f float64
		if err := n.Decode(&f); err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, errAt(n, at, "not a finite number, which JSON cannot carry; quote it to send a string")
		}
		return f, nil
	case "!!str", "!!timestamp": // a date is sent as written
		s, err := st.expand(n.Value)
		if err != nil {
			return nil, &nodeError{line: n.Line, at: at, err: err}
		}
		return s, nil
	}
	return nil, errAt(n, at, "want a string, number, boolean or null, got %s", kindName(n))
}

// suppressionFields lists the keys of one suppress entry, in
// documentation order.
var suppressionFields = []subField[finding.Suppression]{
	suppressionString("rule", func(d *finding.Suppression) *string { return &d.Rule }),
	suppressionString("fingerprint", func(d *finding.Suppression) *string { return &d.Fingerprint }),
	suppressionString("method", func(d *finding.Suppression) *string { return &d.Method }),
	suppressionString("path", func(d *finding.Suppression) *string { return &d.Path }),
	suppressionString("reason", func(d *finding.Suppression) *string { return &d.Reason }),
	{"until", func(_ *loadState, d *finding.Suppression, n *yaml.Node, _ where) error {
		// An unquoted date is a YAML timestamp; its text is what counts.
		if isNull(n) {
			return nil
		}
		if n.Kind != yaml.ScalarNode {
			return fmt.Errorf("want a date (YYYY-MM-DD), got %s", kindName(n))
		}
		d.Until = n.Value
		return checkUntil(d.Until)
	}},
}

// suppressionString is a suppress entry's string key.
func suppressionString(key string, ptr func(*finding.Suppression) *string) subField[finding.Suppression] {
	return subField[finding.Suppression]{key, func(_ *loadState, d *finding.Suppression, n *yaml.Node, _ where) error {
		return decodeString(n, ptr(d))
	}}
}

// decodeSuppress reads the suppress list. An entry is a bare rule id or
// fingerprint (the old form, no reason), or a mapping that must say why
// the finding is accepted:
//
//	suppress:
//	  - cookie-insecure
//	  - fingerprint: v1:0123456789abcdef01234567
//	    reason: the legacy API is retired in June
//	    until: 2025-06-30
//
// A single string or a single mapping is a list of one.
func decodeSuppress(st *loadState, n *yaml.Node) error {
	if isNull(n) {
		return nil
	}
	items := []*yaml.Node{n}
	if n.Kind == yaml.SequenceNode {
		items = n.Content
	}
	out := make([]finding.Suppression, 0, len(items))
	for i, item := range items {
		item = resolve(item)
		at := where{setting: fmt.Sprintf("suppress[%d]", i+1)}
		switch {
		case item.Kind == yaml.ScalarNode && !isNull(item):
			out = append(out, bareSuppression(item.Value))
		case item.Kind == yaml.MappingNode:
			var s finding.Suppression
			if err := decodeMapping(st, item, at, suppressionFields, &s, " (want rule:, fingerprint:, method:, path:, reason:, until:)"); err != nil {
				return err
			}
			switch {
			case strings.TrimSpace(s.Rule) == "" && strings.TrimSpace(s.Fingerprint) == "":
				return errAt(item, at, "say what it suppresses: rule: or fingerprint:")
			case strings.TrimSpace(s.Reason) == "":
				return errAt(item, at, "reason: is required: say why the finding is accepted, for whoever reviews it")
			case strings.TrimSpace(s.Reason) == finding.ReasonPlaceholder:
				return errAt(item, at, "reason: still the placeholder %q; say why the finding is accepted", finding.ReasonPlaceholder)
			}
			out = append(out, s)
		default:
			return errAt(item, at, "want a rule id, a fingerprint or a mapping (fingerprint:, reason:, until:), got %s", kindName(item))
		}
	}
	st.cfg.Suppress = out
	return nil
}

// bareSuppression reads the old form of a suppress entry, one string: a
// fingerprint when it has the fingerprint's "version:" prefix (rule ids
// never hold a colon), else a rule id.
func bareSuppression(s string) finding.Suppression {
	s = strings.TrimSpace(s)
	if strings.Contains(s, ":") {
		return finding.Suppression{Fingerprint: s}
	}
	return finding.Suppression{Rule: s}
}

// checkUntil says what is wrong with a suppression's until date, if
// anything.
func checkUntil(until string) error {
	if _, err := time.Parse(finding.DateLayout, until); err != nil {
		return fmt.Errorf("%q is not a date (want YYYY-MM-DD, e.g. 2025-06-30)", truncate(until))
	}
	return nil
}
