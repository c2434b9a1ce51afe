package config

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
)

// schemaFile is the JSON Schema editors use to complete .authgate.yml.
var schemaFile = filepath.Join("..", "docs", "authgate.schema.json")

// readSchema returns the schema as plain JSON values and compiled; the
// compiler checks it against the draft 2020-12 meta-schema.
func readSchema(t *testing.T) (map[string]any, *jsonschema.Schema) {
	t.Helper()
	data, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatalf("%s is not valid JSON: %v", schemaFile, err)
	}
	if got := raw["$schema"]; got != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema = %v; want draft 2020-12", got)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	const url = "authgate.schema.json"
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(url)
	if err != nil {
		t.Fatalf("compile %s: %v", schemaFile, err)
	}
	return raw, s
}

// object walks a JSON path of object keys in the schema.
func object(t *testing.T, v any, path ...string) map[string]any {
	t.Helper()
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("schema: %s is not an object", strings.Join(path, "."))
		}
		v = m[p]
	}
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("schema: %s is missing or not an object", strings.Join(path, "."))
	}
	return m
}

// TestSchemaKeys keeps the schema and the loader in step: each mapping
// of the file has the properties the loader accepts, no more, no less,
// and rejects any other.
func TestSchemaKeys(t *testing.T) {
	raw, _ := readSchema(t)
	for _, tc := range []struct {
		name string
		path []string
		want []string
	}{
		{"top level", nil, Keys()},
		{"identity", []string{"$defs", "identity"}, subKeys(identityFields)},
		{"login", []string{"$defs", "login"}, subKeys(loginFields)},
		{"flows", []string{"$defs", "flows"}, subKeys(flowFields)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			obj := object(t, raw, tc.path...)
			got := slices.Sorted(maps.Keys(object(t, obj, "properties")))
			if want := slices.Sorted(slices.Values(tc.want)); !slices.Equal(got, want) {
				t.Errorf("properties %q; the loader accepts %q", got, want)
			}
			if obj["additionalProperties"] != false {
				t.Error("additionalProperties is not false: the schema would accept keys the loader refuses")
			}
		})
	}
}

// TestSchemaDescribesEveryKey checks that each property has a
// description, its own or its $ref's, which is what an editor shows.
func TestSchemaDescribesEveryKey(t *testing.T) {
	raw, _ := readSchema(t)
	defs := object(t, raw, "$defs")
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if props, ok := v["properties"].(map[string]any); ok {
				for k, p := range props {
					pm, _ := p.(map[string]any)
					desc, _ := pm["description"].(string)
					if ref, ok := pm["$ref"].(string); ok && desc == "" {
						target, _ := defs[strings.TrimPrefix(ref, "#/$defs/")].(map[string]any)
						desc, _ = target["description"].(string)
					}
					if strings.TrimSpace(desc) == "" {
						t.Errorf("%s.properties.%s has no description", path, k)
					}
				}
			}
			for k, sub := range v {
				if k == "if" || k == "then" || k == "not" {
					continue // conditions restate properties described elsewhere
				}
				walk(path+"."+k, sub)
			}
		case []any:
			for i, sub := range v {
				walk(path+"["+string(rune('0'+i))+"]", sub)
			}
		}
	}
	walk("", raw)
}

// realisticConfig is a config file as a team would write it.
const realisticConfig = `# yaml-language-server: $schema=https://raw.githubusercontent.com/authgate/authgate/main/docs/authgate.schema.json
target: https://pr-42.preview.example.com
openapi: api/openapi.yaml
endpoints:
  - GET /user?user_id=1
mode: active
identities:
  - name: alice
    headers:
      Authorization: Bearer ${ALICE_TOKEN}
  - name: bob
    cookies:
      session: ${BOB_SESSION}
      locale: en
  - name: ops-admin
    role: admin
    headers:
      - "Authorization: Bearer ${ADMIN_TOKEN}"
      - X-Tenant: acme
  - name: mallory
    throwaway: true
    login:
      path: /api/login
      body:
        email: mallory@example.com
        password: "${MALLORY_PASSWORD}"
        device: {name: ci, trusted: false, version: 2}
      usernameField: email
      passwordField: password
      token: json:data.access_token
      lifetime: 15m
  - name: trudy
    throwaway: true
    login:
      method: POST
      path: /session
      format: form
      body: {username: trudy, password: "${TRUDY_PASSWORD}", remember: 1}
      token: cookie:sid
primary: alice
peer: bob
flows:
  check: GET /api/me
  logout: POST /api/logout
  register: POST /api/register
  recovery: POST /api/password/forgot
bodies:
  POST /api/projects/{projectId}/members:
    email: viewer@example.com
    role: viewer
pathValues:
  teamId: "42"
autoAccounts: true
format: text
output: [authgate.json, authgate.sarif]
failUnder: 80
failOn: high
maxScoreDrop: 5
suppress: [cookie-insecure]
rate: 20
concurrency: 4
timeout: 15s
budget: 5000
wait: 0
shard: 1/2
`

// setRealisticEnv sets what realisticConfig and the docs' example read.
func setRealisticEnv(t *testing.T) {
	t.Helper()
	for _, k := range []string{"ALICE_TOKEN", "BOB_TOKEN", "BOB_SESSION", "ADMIN_TOKEN", "MALLORY_PASSWORD", "TRUDY_PASSWORD"} {
		t.Setenv(k, "value-of-"+k)
	}
}

// yamlToJSON reads YAML as the JSON value an editor's schema check sees.
func yamlToJSON(t *testing.T, y string) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal([]byte(y), &v); err != nil {
		t.Fatalf("yaml: %v", err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("json: %v", err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestSchemaRealisticExample(t *testing.T) {
	setRealisticEnv(t)
	_, schema := readSchema(t)
	c, err := parseFile("realistic.yml", []byte(realisticConfig))
	if err != nil {
		t.Fatalf("does not load: %v", err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("does not validate: %v", err)
	}
	if len(c.Identities) != 5 || c.Identities[4].Login.Send != "Cookie: sid={token}" {
		t.Errorf("identities not read as written: %+v", c.Identities)
	}
	if err := schema.Validate(yamlToJSON(t, realisticConfig)); err != nil {
		t.Errorf("the schema refuses it: %v", err)
	}
}

// TestSchemaAgreesWithLoader feeds the same small files to the schema and
// to Load plus Validate: both accept the good ones and refuse the bad.
func TestSchemaAgreesWithLoader(t *testing.T) {
	setRealisticEnv(t)
	_, schema := readSchema(t)
	const head = "target: https://x.example\n"
	tests := []struct {
		name string
		yaml string
		ok   bool
	}{
		{"headers only", "identities:\n  - name: a\n    headers: \"X-Key: 1\"\n", true},
		{"cookies only", "identities:\n  - name: a\n    cookies: {s: \"1\"}\n", true},
		{"login only", "identities:\n  - name: a\n    login: {path: /l, token: header:X-Token}\n", true},
		{"form body scalars", "identities:\n  - name: a\n    login: {path: /l, token: json:t, format: form, body: {u: a, n: 1, b: true}}\n", true},
		{"zero durations", "wait: 0\ntimeout: 1m30s\nidentities:\n  - name: a\n    login: {path: /l, token: json:t, lifetime: 0}\n", true},
		{"lower-case flow method", "flows: {check: get /me}\n", true},
		{"format and output lists", "format: [json]\noutput: [a.sarif, markdown=x.out]\n", true},
		{"suppress bare", "suppress: [cookie-insecure, \"v1:ab\"]\n", true},
		{"suppress audited", "suppress:\n  - {fingerprint: \"v1:ab\", reason: accepted, until: 2025-06-30}\n  - {rule: authn-missing, method: GET, path: /pub/*, reason: public}\n", true},
		{"suppress without reason", "suppress:\n  - {rule: authn-missing}\n", false},
		{"suppress without rule or fingerprint", "suppress:\n  - {reason: r}\n", false},
		{"suppress bad until", "suppress:\n  - {rule: a, reason: r, until: 2025-13-01}\n", false},
		{"suppress unknown key", "suppress:\n  - {rule: a, reason: r, expires: 2025-01-01}\n", false},

		{"unknown identity key", "identities:\n  - name: a\n    headers: \"X: 1\"\n    secret: x\n", false},
		{"unknown login key", "identities:\n  - name: a\n    login: {path: /l, token: json:t, password: x}\n", false},
		{"unknown flow", "flows: {chek: GET /me}\n", false},
		{"bad role", "identities:\n  - name: a\n    role: root\n    headers: \"X: 1\"\n", false},
		{"reserved name", "identities:\n  - name: peer\n    headers: \"X: 1\"\n", false},
		{"name with a space", "identities:\n  - name: a b\n    headers: \"X: 1\"\n", false},
		{"no credentials", "identities:\n  - name: a\n", false},
		{"throw-away without login", "identities:\n  - name: a\n    throwaway: true\n    headers: \"X: 1\"\n", false},
		{"login URL", "identities:\n  - name: a\n    login: {path: \"https://evil.example/l\", token: json:t}\n", false},
		{"login scheme-relative", "identities:\n  - name: a\n    login: {path: //evil.example/l, token: json:t}\n", false},
		{"login without token", "identities:\n  - name: a\n    login: {path: /l}\n", false},
		{"bad token", "identities:\n  - name: a\n    login: {path: /l, token: jwt:t}\n", false},
		{"send without placeholder", "identities:\n  - name: a\n    login: {path: /l, token: json:t, send: \"X-A: b\"}\n", false},
		{"form body nested", "identities:\n  - name: a\n    login: {path: /l, token: json:t, format: form, body: {a: [1]}}\n", false},
		{"bad format", "identities:\n  - name: a\n    login: {path: /l, token: json:t, format: xml}\n", false},
		{"lifetime without unit", "identities:\n  - name: a\n    login: {path: /l, token: json:t, lifetime: 15}\n", false},
		{"bad flow", "flows: {logout: /logout}\n", false},
		{"bad mode", "mode: loud\n", false},
		{"concurrency zero", "concurrency: 0\n", false},
		{"bad shard text", "shard: one\n", false},

		{"bodies", "bodies:\n  POST /api/projects/{projectId}/members: {email: a@example.com, tags: [x], n: 1}\n", true},
		{"bodies lower-case method", "bodies:\n  post /api/notes: {title: t}\n", true},
		{"bodies list body", "bodies:\n  PUT /api/notes/{id}/tags: [a, b]\n", true},
		{"bodies scalar body", "bodies:\n  POST /api/notes: hello\n", false},
		{"bodies for a GET", "bodies:\n  GET /api/notes: {a: 1}\n", false},
		{"bodies without method", "bodies:\n  /api/notes: {a: 1}\n", false},
		{"bodies with a query", "bodies:\n  POST /api/notes?x=1: {a: 1}\n", false},
		{"bodies not a mapping", "bodies: [POST /api/notes]\n", false},
		{"path values", "pathValues: {teamId: \"42\", orgId: 7}\n", true},
		{"path value in braces", "pathValues: {\"{teamId}\": \"42\"}\n", false},
		{"path value boolean", "pathValues: {teamId: true}\n", false},
		{"path value mapping", "pathValues: {teamId: {id: 1}}\n", false},
		{"auto accounts in active mode", "mode: active\nautoAccounts: true\n", true},
		{"auto accounts off", "autoAccounts: false\n", true},
		{"auto accounts not a boolean", "autoAccounts: please\n", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			y := head + tc.yaml
			c, err := parseFile("t.yml", []byte(y))
			if err == nil {
				err = c.Validate()
			}
			if loaderOK := err == nil; loaderOK != tc.ok {
				t.Errorf("loader: ok = %v (%v); want %v", loaderOK, err, tc.ok)
			}
			serr := schema.Validate(yamlToJSON(t, y))
			if schemaOK := serr == nil; schemaOK != tc.ok {
				t.Errorf("schema: ok = %v (%v); want %v", schemaOK, serr, tc.ok)
			}
		})
	}
}

// TestSchemaDocsExample checks the example in docs/config.md against the
// schema as well as the loader (TestDocsExample).
func TestSchemaDocsExample(t *testing.T) {
	setRealisticEnv(t)
	_, schema := readSchema(t)
	if err := schema.Validate(yamlToJSON(t, string(docsExample(t)))); err != nil {
		t.Errorf("the schema refuses the docs' example: %v", err)
	}
}
