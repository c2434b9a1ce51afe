// Package openapi turns an OpenAPI 3.0/3.1 or Swagger 2.0 document into the
// operations authgate scans. It knows nothing about HTTP or rules.
package openapi

// Security says what an operation declares about authentication.
type Security int

const (
	// SecurityUndeclared: neither the operation nor the document declares
	// a requirement.
	SecurityUndeclared Security = iota
	// SecurityRequired: at least one scheme is required and none of the
	// alternatives is the empty requirement.
	SecurityRequired
	// SecurityOptional: a requirement list that includes `{}`, so anonymous
	// callers are allowed too.
	SecurityOptional
	// SecurityPublic: explicitly `security: []`.
	SecurityPublic
)

// String returns the lower-case name of s, as reports and logs show it.
func (s Security) String() string {
	switch s {
	case SecurityRequired:
		return "required"
	case SecurityOptional:
		return "optional"
	case SecurityPublic:
		return "public"
	}
	return "undeclared"
}

// Param is one parameter of an operation with the value authgate sends by
// default.
type Param struct {
	Name     string
	In       string // "path", "query", "header" or "cookie"
	Required bool
	Type     string // JSON Schema type: "integer", "string", "number", "boolean", "" when unknown
	Format   string // "uuid", "int64", "email", ...
	// Example is the first of: the parameter's example, its examples, the
	// schema's example, default or first enum value. Empty when the
	// document gives none.
	Example string
}

// Operation is one method on one route.
type Operation struct {
	Method      string // upper case
	Path        string // route template as in the document, e.g. /api/orders/{orderId}
	OperationID string
	Summary     string
	// Description is the operation's description: prose that may say
	// what a GET changes ("drops and re-seeds the database").
	Description string
	Tags        []string
	Params      []Param
	Security    Security
	// Schemes are the names of the security schemes of the first non-empty
	// requirement, sorted; also set for SecurityOptional, so that callers
	// know which credentials the operation accepts.
	Schemes []string
	// Extensions holds the operation's x- extensions that are scalars,
	// e.g. "x-admin": "true".
	Extensions map[string]string
	// Line is the 1-based line of the operation's method key in the
	// document (JSON or YAML), 0 when unknown; annotations point at it.
	Line int
	// Body is the schema of the JSON request body (3.x requestBody with
	// application/json, a +json type or */*; Swagger 2.0's "in: body"
	// parameter), nil when the operation declares none. Writes build
	// their bodies from it.
	Body *Schema
	// BodyRequired is the request body's "required"; it is also set
	// when the required body is not JSON (Body nil).
	BodyRequired bool
	// Answer is the schema of the first 2xx JSON response (200, then 201,
	// then the others in document order), nil when none has one. Writes
	// read the created object's id and read-backs from it.
	Answer *Schema
}

// Scheme is a declared security scheme.
type Scheme struct {
	Type   string // "http", "apiKey", "oauth2", "openIdConnect"; Swagger "basic" becomes http/basic
	Scheme string // for http: "bearer", "basic"
	In     string // for apiKey: "header", "query", "cookie"
	Name   string // for apiKey: the header, query or cookie name
	// OpenIDConnectURL is an openIdConnect scheme's openIdConnectUrl, as
	// written (jwt-alg-confusion reads the keys it names when it is on
	// the target's origin).
	OpenIDConnectURL string
}

// Document is the part of an API description that authgate uses.
type Document struct {
	Version string // "3.1.0", "3.0.3", "2.0"
	Title   string
	// BasePath is the path prefix of every operation: the path of the
	// first server URL (3.x) or basePath (2.0), "" for none. It is joined
	// to the target's base URL; the server's host is never contacted.
	BasePath        string
	SecuritySchemes map[string]Scheme
	// Operations are sorted by path, then method (alphabetically).
	Operations []Operation
	// Warnings are problems that did not stop parsing, one line each with
	// its line number: $refs that do not resolve (a parameter behind one is
	// left out), circular $ref chains, and external $refs, which are never
	// followed. At most 20, then a count of the rest. Callers show them so
	// a user knows why an operation has fewer parameters than expected.
	Warnings []string
}

// Schema is the part of a JSON Schema that authgate needs to write a
// valid request body and to read an answer back (issue 11: writes on
// objects the scan creates). $refs are resolved; a cycle, a schema
// deeper than the parser's bound (8 levels of properties and items) or
// past its size bound (500 schemas per body or answer), and a $ref that
// is external or does not resolve end in a Schema with Type "" and
// Truncated set. allOf branches are merged into the schema (properties
// and required united, the schema's own keywords first); of oneOf and
// anyOf, the first branch that is not just "null" is. An object's or
// array's Type is set from its properties or items when the document
// leaves it out. Schemas are fresh for each operation: a reader may
// change them.
type Schema struct {
	Type       string // "object", "array", "string", "integer", "number", "boolean", "" when unknown
	Format     string // "uuid", "email", "date-time", "int64", ...
	Properties map[string]*Schema
	Required   []string // property names, in document order
	Items      *Schema  // for arrays
	Enum       []string // scalar enum values, as text
	// Example and Default are the schema's example and default as JSON
	// text ("42", `"alice"`, `{"a":1}`), "" when absent.
	Example, Default    string
	ReadOnly, WriteOnly bool
	Nullable            bool
	// MinLength, MaxLength, Minimum and Maximum are the bounds a value
	// must meet; nil when absent.
	MinLength, MaxLength *int
	Minimum, Maximum     *float64
	Pattern              string
	// Truncated is set when the schema was cut at a $ref cycle or the
	// depth bound: a writer fills it with a placeholder.
	Truncated bool
}
