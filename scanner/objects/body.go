package objects

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/authgate/authgate/internal/ident"
	"github.com/authgate/authgate/scanner/openapi"
)

const (
	// maxBodyBytes bounds a generated body. Descriptions can carry huge
	// examples or wide schemas; a create body larger than this is not what
	// a real client sends, and the scan's writes must stay small and cheap
	// for the target.
	maxBodyBytes = 64 << 10
	// maxStringLen bounds one generated string. A minLength above it is
	// rejected rather than met: no real create body needs a 4 KiB field,
	// and the bound keeps a hostile description from inflating writes.
	maxStringLen = 4096
	// maxDepth bounds nesting. The parser already cuts $ref cycles
	// (Truncated), but a Schema built by hand may still loop.
	maxDepth = 32
)

// ErrNoSchema is returned by Body when there is no schema to write from, so
// the engine can tell "no body declared" from a body it could not build.
var ErrNoSchema = errors.New("no request body schema")

// Body returns a JSON body that the schema s accepts, so a create or update
// the scan sends passes validation and reaches the authorization check the
// rule is about. Each value is the first of: the schema's example, default,
// first enum value, a value of its format, a value of its type within its
// bounds. Required properties are always written, optional ones only when
// the description gives their example or default (what the API's authors
// expect clients to send); readOnly properties never. Strings that look
// unique (emails, names, usernames, slugs) carry the seed even over an
// example, so objects the scan creates are recognisable in the target's data
// and do not collide with the example data a demo was seeded with. Output
// depends only on s and seed.
func Body(s *openapi.Schema, seed string) ([]byte, error) {
	if s == nil {
		return nil, ErrNoSchema
	}
	g := gen{seed: seed}
	v, err := g.value(s, "", 0)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("body: %w", err)
	}
	if len(b) > maxBodyBytes {
		return nil, fmt.Errorf("body of %d bytes exceeds the %d-byte bound", len(b), maxBodyBytes)
	}
	return b, nil
}

// gen writes values for one seed.
type gen struct{ seed string }

// marker is the recognisable string of objects the scan creates.
func (g gen) marker() string { return "authgate-" + g.seed }

// value returns the JSON value for s; name is the property it is written
// to ("" at the top), which decides whether a string looks unique.
func (g gen) value(s *openapi.Schema, name string, depth int) (any, error) {
	if depth > maxDepth || s.Truncated {
		return placeholder(s), nil
	}
	typ := schemaType(s)
	if typ == "string" && uniqueLooking(name, s) {
		if v, ok := g.fits(s, g.uniqueString(name, s)); ok {
			return v, nil
		}
	}
	for _, raw := range []string{s.Example, s.Default} {
		if v, ok := rawJSON(raw, typ); ok {
			return v, nil
		}
	}
	if len(s.Enum) > 0 {
		if v, ok := enumValue(s.Enum[0], typ); ok {
			return v, nil
		}
	}
	switch typ {
	case "object":
		return g.object(s, depth)
	case "array":
		if s.Items == nil {
			return []any{}, nil
		}
		item, err := g.value(s.Items, name, depth+1)
		if err != nil {
			return nil, err
		}
		return []any{item}, nil
	case "integer", "number":
		return number(s, typ == "integer"), nil
	case "boolean":
		return false, nil
	}
	return g.str(s, name)
}

// object writes the required and the exemplified properties of s.
func (g gen) object(s *openapi.Schema, depth int) (any, error) {
	out := map[string]any{}
	required := map[string]bool{}
	for _, r := range s.Required {
		required[r] = true
	}
	for name, p := range s.Properties {
		if p == nil || p.ReadOnly {
			continue
		}
		if !required[name] && p.Example == "" && p.Default == "" {
			continue
		}
		v, err := g.value(p, name, depth+1)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out[name] = v
	}
	return out, nil
}

// schemaType is s's type, inferred from properties or items when the
// description leaves it out (common in hand-written descriptions).
func schemaType(s *openapi.Schema) string {
	switch {
	case s.Type != "":
		return s.Type
	case len(s.Properties) > 0:
		return "object"
	case s.Items != nil:
		return "array"
	}
	return ""
}

// placeholder stands for a schema cut at a cycle or the depth bound: {} for
// what may be an object (a cycle is almost always one), null otherwise.
func placeholder(s *openapi.Schema) any {
	switch s.Type {
	case "", "object":
		return map[string]any{}
	case "array":
		return []any{}
	}
	return nil
}

// rawJSON returns an example or default as a value. Parsers sometimes hand
// a string example over without quotes; for a string schema that is still
// the value meant.
func rawJSON(raw, typ string) (any, bool) {
	if raw == "" {
		return nil, false
	}
	if json.Valid([]byte(raw)) {
		return json.RawMessage(raw), true
	}
	if typ == "string" || typ == "" {
		return raw, true
	}
	return nil, false
}

// enumValue converts an enum value, given as text, to the schema's type.
func enumValue(v, typ string) (any, bool) {
	switch typ {
	case "integer", "number":
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return nil, false
		}
		return json.Number(strconv.FormatFloat(f, 'f', -1, 64)), true
	case "boolean":
		b, err := strconv.ParseBool(v)
		return b, err == nil
	case "object", "array":
		return rawJSON(v, typ)
	}
	return v, true
}

// number returns 1, or the nearest value within the schema's bounds: 1 is a
// valid quantity, page, price or rating almost everywhere.
func number(s *openapi.Schema, integer bool) any {
	v := 1.0
	if s.Minimum != nil && v < *s.Minimum {
		v = *s.Minimum
		if integer {
			v = math.Ceil(v)
		}
	}
	if s.Maximum != nil && v > *s.Maximum {
		v = *s.Maximum
		if integer {
			v = math.Floor(v)
		}
	}
	return json.Number(strconv.FormatFloat(v, 'f', -1, 64))
}

// uniqueNames are property names whose values an API usually requires to
// be unique, or that a person reading the target's data would look at to
// tell what created an object.
var uniqueNames = map[string]bool{
	"email": true, "mail": true, "username": true, "login": true, "handle": true,
	"slug": true, "name": true, "title": true, "nickname": true, "displayname": true,
}

// uniqueLooking reports whether a string property should carry the seed.
func uniqueLooking(name string, s *openapi.Schema) bool {
	if len(s.Enum) > 0 {
		return false
	}
	if s.Format == "email" {
		return true
	}
	w := ident.Words(name)
	return len(w) > 0 && (uniqueNames[strings.Join(w, "")] || uniqueNames[w[len(w)-1]])
}

// uniqueString is the seed-marked value of a unique-looking property.
func (g gen) uniqueString(name string, s *openapi.Schema) string {
	if s.Format == "email" || strings.Contains(strings.ToLower(name), "mail") {
		return g.email()
	}
	return g.marker()
}

// email is an address in a reserved domain (RFC 2606 .invalid): no mail a
// target sends to it can reach anyone.
func (g gen) email() string { return g.marker() + "@example.invalid" }

// str writes a string of s's format, or the marker within s's bounds.
func (g gen) str(s *openapi.Schema, name string) (any, error) {
	if s.MinLength != nil && *s.MinLength > maxStringLen {
		return nil, fmt.Errorf("minLength %d exceeds the %d-character bound", *s.MinLength, maxStringLen)
	}
	var candidates []string
	switch strings.ToLower(s.Format) {
	case "uuid":
		candidates = []string{g.uuid()}
	case "email", "idn-email":
		candidates = []string{g.email()}
	case "date":
		candidates = []string{"2000-01-01"}
	case "date-time":
		candidates = []string{"2000-01-01T00:00:00Z"}
	case "time":
		candidates = []string{"00:00:00Z"}
	case "uri", "url", "iri", "uri-reference":
		candidates = []string{"https://example.invalid/" + g.marker()}
	case "hostname", "idn-hostname":
		candidates = []string{g.marker() + ".example.invalid"}
	case "ipv4":
		candidates = []string{"192.0.2.1"} // TEST-NET-1, RFC 5737
	case "ipv6":
		candidates = []string{"2001:db8::1"} // documentation prefix, RFC 3849
	case "byte":
		candidates = []string{base64.StdEncoding.EncodeToString([]byte(g.marker()))}
	case "password":
		candidates = []string{g.password()}
	}
	if len(candidates) == 0 && strings.Contains(strings.ToLower(name), "password") {
		candidates = []string{g.password()}
	}
	candidates = append(candidates, g.marker(), "ag-"+g.seed, g.seed, "a1", "1", "a")
	for _, c := range candidates {
		if v, ok := g.fits(s, c); ok {
			return v, nil
		}
	}
	// Nothing met the pattern: send the first candidate within the length
	// bounds and let the API's answer say what it wants.
	return fitLength(s, candidates[0]), nil
}

// fits returns c, padded to s's minLength, when it is within maxLength
// and matches s's pattern (a pattern Go cannot compile is ignored). It
// never cuts c, which would cut the seed off.
func (g gen) fits(s *openapi.Schema, c string) (string, bool) {
	if s.MaxLength != nil && len(c) > *s.MaxLength {
		return "", false
	}
	c = fitLength(s, c)
	if s.MaxLength != nil && len(c) > *s.MaxLength {
		return "", false
	}
	if s.Pattern != "" {
		if re, err := regexp.Compile(s.Pattern); err == nil && !re.MatchString(c) {
			return "", false
		}
	}
	return c, true
}

// fitLength cuts c to maxLength and pads it to minLength.
func fitLength(s *openapi.Schema, c string) string {
	if s.MaxLength != nil && *s.MaxLength >= 0 && len(c) > *s.MaxLength {
		c = c[:*s.MaxLength]
	}
	if s.MinLength != nil && len(c) < *s.MinLength {
		c += strings.Repeat("x", min(*s.MinLength, maxStringLen)-len(c))
	}
	return c
}

// uuid derives a version-4-shaped UUID from the seed: valid for parsers
// that check the version and variant bits, and the same for one seed.
func (g gen) uuid() string {
	h := sha256.Sum256([]byte("authgate-uuid:" + g.seed))
	h[6] = h[6]&0x0f | 0x40
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// password meets common password rules (upper, lower, digit, symbol,
// length) and is as unguessable as the seed: throw-away accounts must not
// be easy to take over while they exist.
func (g gen) password() string { return "Ag7!" + g.seed + "-pw" }
