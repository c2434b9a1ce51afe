package config

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode"

	"go.yaml.in/yaml/v3"
)

// This file holds the settings of active mode's writes: bodies for
// operations whose description is too thin, values of parents the scan
// cannot create, and accounts of its own.

// RouteKey normalises a "METHOD /path" key of bodies: the method
// upper-cased and one space before the path, as the scanner looks
// operations up. A key that is not two words is returned trimmed, for
// Validate to report.
func RouteKey(s string) string {
	f := strings.Fields(s)
	if len(f) != 2 {
		return strings.TrimSpace(s)
	}
	return strings.ToUpper(f[0]) + " " + f[1]
}

// decodeBodies reads bodies: a mapping of "METHOD /path" to the request
// body, written in YAML as a mapping or a list and kept as JSON. String
// values are ${NAME}-expanded like a login body's (an API key a create
// needs), so $$ is a literal $.
//
//	bodies:
//	  POST /api/projects/{projectId}/members:
//	    email: someone@example.com
//	    role: viewer
func decodeBodies(st *loadState, n *yaml.Node) error {
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf(`want a mapping of "METHOD /path" to the request body, got %s`, kindName(n))
	}
	at := where{setting: "bodies"}
	out := make(map[string][]byte, len(n.Content)/2)
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), resolve(n.Content[i+1])
		if k.Kind != yaml.ScalarNode || isNull(k) {
			return errAt(k, at, `want "METHOD /path", got %s`, kindName(k))
		}
		key := RouteKey(k.Value)
		if line, dup := seen[key]; dup {
			return errAt(k, at, "%s is set twice (first on line %d)", pathKey(key), line)
		}
		seen[key] = k.Line
		place := at.key(key)
		if v.Kind != yaml.MappingNode && v.Kind != yaml.SequenceNode {
			return errAt(v, place, "want the JSON body as a mapping (field: value) or a list, got %s", kindName(v))
		}
		budget := maxBodyValues
		val, err := decodeValue(st, v, place, 0, &budget)
		if err != nil {
			return err
		}
		b, err := json.Marshal(val)
		if err != nil {
			return errAt(v, place, "cannot be written as JSON: %v", err)
		}
		out[key] = b
	}
	st.cfg.Bodies = out
	return nil
}

// decodePathValues reads pathValues: a mapping of path parameter name to
// one value (a string or a number, kept as written). Values are not
// ${NAME}-expanded: ids are not secrets, and an expanded value would be
// masked in every report.
func decodePathValues(st *loadState, n *yaml.Node) error {
	dst := &st.cfg.PathValues
	if isNull(n) {
		return nil
	}
	at := where{setting: "pathValues"}
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf(`want a mapping of path parameter name to value (teamId: "42"), got %s`, kindName(n))
	}
	out := make(map[string]string, len(n.Content)/2)
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), resolve(n.Content[i+1])
		if k.Kind != yaml.ScalarNode || isNull(k) {
			return errAt(k, at, "want a path parameter name, got %s", kindName(k))
		}
		if line, dup := seen[k.Value]; dup {
			return errAt(k, at, "%s is set twice (first on line %d)", pathKey(k.Value), line)
		}
		seen[k.Value] = k.Line
		if v.Kind != yaml.ScalarNode || isNull(v) || v.ShortTag() == "!!bool" {
			return errAt(v, at.key(k.Value), "want an id (a string or a number), got %s", kindName(v))
		}
		out[k.Value] = v.Value
	}
	*dst = out
	return nil
}

// validateWrites checks bodies, pathValues and autoAccounts. Messages
// never quote a body or a value.
func (c *Config) validateWrites(add func(name, format string, a ...any)) {
	for _, k := range slices.Sorted(maps.Keys(c.Bodies)) {
		name := "bodies: " + pathKey(k)
		method, path, err := ParseEndpoint(k)
		switch {
		case err != nil:
			add(name, "%v", err)
			continue
		case strings.Contains(path, "?"):
			add(name, "a body belongs to a route: leave out the query")
		case !bodyMethods[method]:
			add(name, "%s carries no body the scan sends; want POST, PUT or PATCH", method)
		case k != RouteKey(k):
			add(name, `write it as "METHOD /path", the method upper-case`)
		}
		if !json.Valid(c.Bodies[k]) {
			add(name, "not valid JSON")
		}
	}
	for _, k := range slices.Sorted(maps.Keys(c.PathValues)) {
		name := "pathValues: " + pathKey(k)
		switch {
		case strings.TrimSpace(k) == "" || strings.ContainsFunc(k, unicode.IsControl):
			add(name, "a parameter name must not be empty or hold control characters")
		case strings.ContainsAny(k, "{}"):
			add(name, "write the parameter's name without braces (teamId, not {teamId})")
		}
		if v := c.PathValues[k]; strings.TrimSpace(v) == "" || strings.ContainsFunc(v, unicode.IsControl) {
			add(name, "a value must not be empty or hold control characters")
		}
	}
	if c.AutoAccounts && c.Mode != "active" && oneOf(c.Mode, modes) {
		add("auto-accounts", "registering accounts is a write; it needs --mode active")
	}
}

// bodyMethods are the methods whose body bodies may give.
var bodyMethods = map[string]bool{"POST": true, "PUT": true, "PATCH": true}
