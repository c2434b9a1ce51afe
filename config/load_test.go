package config

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/finding"
)

func TestParseFile(t *testing.T) {
	const name = ".authgate.yml"
	tests := []struct {
		name    string
		yaml    string
		check   func(t *testing.T, c Config)
		wantErr string // exact message; "" for success
	}{
		{name: "empty file", yaml: "", check: isDefault},
		{name: "only comments", yaml: "# nothing yet\n\n", check: isDefault},
		{name: "explicit null document", yaml: "~\n", check: isDefault},
		{name: "document marker only", yaml: "---\n", check: isDefault},
		{name: "null values keep defaults", yaml: "rate:\ntimeout:\nendpoints:\nshard:\n", check: isDefault},
		{
			name: "every key",
			yaml: `
target: https://preview.example.com
openapi: openapi.yaml
endpoints:
  - GET /user?user_id=1
  - POST /login
auth: "Authorization: Bearer a"
peerAuth: ["Authorization: Bearer b"]
mode: active
format: text
output: [authgate.json, sarif=results]
failUnder: 80
failOn: medium
baseline: base.json
baselineUrl: https://prod.example.com
maxScoreDrop: 5
suppress: [cookie-insecure]
rate: 12.5
concurrency: 4
timeout: 1m30s
budget: 500
wait: 0
shard: 2/4
discovery: false
`,
			check: func(t *testing.T, c Config) {
				want := Config{
					Target:       "https://preview.example.com",
					OpenAPI:      "openapi.yaml",
					Endpoints:    []string{"GET /user?user_id=1", "POST /login"},
					Auth:         []string{"Authorization: Bearer a"},
					PeerAuth:     []string{"Authorization: Bearer b"},
					Mode:         "active",
					Outputs:      []Output{{"text", "-"}, {"json", "authgate.json"}, {"sarif", "results"}},
					FailUnder:    80,
					FailUnderSet: true,
					FailOn:       "medium",
					Baseline:     "base.json",
					BaselineURL:  "https://prod.example.com",
					MaxScoreDrop: 5,
					Suppress:     []finding.Suppression{{Rule: "cookie-insecure"}},
					Rate:         12.5,
					Concurrency:  4,
					Timeout:      90 * time.Second,
					Budget:       500,
					BudgetSet:    true,
					Wait:         0,
					Shard:        Shard{2, 4},
				}
				if !reflect.DeepEqual(c, want) {
					t.Errorf("got  %+v\nwant %+v", c, want)
				}
			},
		},
		{
			name: "auth as a mapping and as list of mappings",
			yaml: "auth:\n  Authorization: Bearer a\n  X-Tenant: t1\npeerAuth:\n  - Authorization: Bearer b\n  - \"Cookie: s=1\"\n",
			check: func(t *testing.T, c Config) {
				wantA := []string{"Authorization: Bearer a", "X-Tenant: t1"}
				wantP := []string{"Authorization: Bearer b", "Cookie: s=1"}
				if !slices.Equal(c.Auth, wantA) || !slices.Equal(c.PeerAuth, wantP) {
					t.Errorf("auth %q peerAuth %q; want %q %q", c.Auth, c.PeerAuth, wantA, wantP)
				}
			},
		},
		{
			name: "anchors and aliases",
			yaml: "x-base: &u https://a.example\ntarget: *u\n",
			// x-base is not a key, even for anchors.
			wantErr: `.authgate.yml:1: unknown field "x-base"`,
		},
		{
			name: "alias values",
			yaml: "baseline: &p base.json\nopenapi: *p\n",
			check: func(t *testing.T, c Config) {
				if c.OpenAPI != "base.json" {
					t.Errorf("OpenAPI = %q; want the alias's value", c.OpenAPI)
				}
			},
		},
		{name: "explicit empty list", yaml: "endpoints: []\n", check: func(t *testing.T, c Config) {
			if c.Endpoints == nil || len(c.Endpoints) != 0 {
				t.Errorf("Endpoints = %#v; want empty non-nil", c.Endpoints)
			}
		}},
		{name: "int rate", yaml: "rate: 0\n", check: func(t *testing.T, c Config) {
			if c.Rate != 0 {
				t.Errorf("Rate = %v; want 0", c.Rate)
			}
		}},
		{name: "unknown key", yaml: "target: https://x.example\n\n\n\n\n\nrat: 5\n", wantErr: `.authgate.yml:7: unknown field "rat" (did you mean "rate"?)`},
		{name: "kebab-case key", yaml: "fail-under: 5\n", wantErr: `.authgate.yml:1: unknown field "fail-under" (did you mean "failUnder"?)`},
		{name: "snake_case key", yaml: "peer_auth: x\n", wantErr: `.authgate.yml:1: unknown field "peer_auth" (did you mean "peerAuth"?)`},
		{name: "unrelated key", yaml: "colour: blue\n", wantErr: `.authgate.yml:1: unknown field "colour"`},
		{name: "credential as a top-level key", yaml: "Authorization: Bearer SECRET\n", wantErr: `.authgate.yml:1: unknown field "Authorization"`},
		{name: "duplicate key", yaml: "rate: 1\nmode: safe\nrate: 2\n", wantErr: ".authgate.yml:3: rate is set twice (first on line 1)"},
		{name: "string for int", yaml: "mode: safe\nfailUnder: high\n", wantErr: `.authgate.yml:2: failUnder: want a whole number, got "high"`},
		{name: "quoted int", yaml: "budget: \"10\"\n", wantErr: `.authgate.yml:1: budget: want a whole number, got "10"`},
		{name: "float for int", yaml: "concurrency: 1.5\n", wantErr: `.authgate.yml:1: concurrency: want a whole number, got "1.5"`},
		{name: "int overflow", yaml: "budget: 99999999999999999999999\n", wantErr: `.authgate.yml:1: budget: want a whole number, got "99999999999999999999999"`},
		{name: "list for int", yaml: "budget: [1]\n", wantErr: ".authgate.yml:1: budget: want a whole number, got a list"},
		{name: "string for rate", yaml: "rate: fast\n", wantErr: `.authgate.yml:1: rate: want a number, got "fast"`},
		{name: "duration without unit", yaml: "timeout: 10\n", wantErr: `.authgate.yml:1: timeout: want a duration such as 10s or 1m30s, got "10"`},
		{name: "bad duration", yaml: "wait: soon\n", wantErr: `.authgate.yml:1: wait: want a duration such as 10s or 1m30s, got "soon"`},
		{name: "mapping for duration", yaml: "wait: {s: 1}\n", wantErr: ".authgate.yml:1: wait: want a duration such as 10s or 1m30s, got a mapping"},
		{name: "list for string", yaml: "mode:\n  - safe\n", wantErr: ".authgate.yml:2: mode: want a string, got a list"},
		{name: "nested list item", yaml: "endpoints:\n  - [GET, /a]\n", wantErr: ".authgate.yml:2: endpoints: item 1: want a string, got a list"},
		{name: "null list item", yaml: "endpoints:\n  - \n", wantErr: ".authgate.yml:2: endpoints: item 1: want a string, got nothing (null)"},
		{name: "null suppress item", yaml: "suppress:\n  - \n", wantErr: ".authgate.yml:2: suppress[1]: want a rule id, a fingerprint or a mapping (fingerprint:, reason:, until:), got nothing (null)"},
		{
			name: "suppress: bare and audited entries",
			yaml: "suppress:\n  - cookie-insecure\n  - \" v1:0123 \"\n  - fingerprint: v1:abcd\n    reason: retired in June\n    until: 2025-06-30\n  - rule: authn-missing\n    method: get\n    path: /public/*\n    reason: \"public by design\"\n",
			check: func(t *testing.T, c Config) {
				want := []finding.Suppression{
					{Rule: "cookie-insecure"},
					{Fingerprint: "v1:0123"},
					{Fingerprint: "v1:abcd", Reason: "retired in June", Until: "2025-06-30"},
					{Rule: "authn-missing", Method: "get", Path: "/public/*", Reason: "public by design"},
				}
				if !reflect.DeepEqual(c.Suppress, want) {
					t.Errorf("suppress = %+v\nwant %+v", c.Suppress, want)
				}
			},
		},
		{name: "suppress: one string", yaml: "suppress: cookie-insecure\n", check: func(t *testing.T, c Config) {
			if !reflect.DeepEqual(c.Suppress, []finding.Suppression{{Rule: "cookie-insecure"}}) {
				t.Errorf("suppress = %+v", c.Suppress)
			}
		}},
		{name: "suppress: quoted date", yaml: "suppress:\n  - {rule: a, reason: r, until: \"2026-01-31\"}\n", check: func(t *testing.T, c Config) {
			if len(c.Suppress) != 1 || c.Suppress[0].Until != "2026-01-31" {
				t.Errorf("suppress = %+v", c.Suppress)
			}
		}},
		{name: "suppress: bad until", yaml: "suppress:\n  - rule: a\n    reason: r\n    until: 2025-13-01\n", wantErr: `.authgate.yml:4: suppress[1]: until: "2025-13-01" is not a date (want YYYY-MM-DD, e.g. 2025-06-30)`},
		{name: "suppress: until not a day", yaml: "suppress:\n  - {rule: a, reason: r, until: next week}\n", wantErr: `.authgate.yml:2: suppress[1]: until: "next week" is not a date (want YYYY-MM-DD, e.g. 2025-06-30)`},
		{name: "suppress: no reason", yaml: "suppress:\n  - fingerprint: v1:ab\n", wantErr: ".authgate.yml:2: suppress[1]: reason: is required: say why the finding is accepted, for whoever reviews it"},
		{name: "suppress: placeholder reason", yaml: "suppress:\n  - fingerprint: v1:ab\n    reason: \"<why this finding is accepted>\"\n", wantErr: `.authgate.yml:2: suppress[1]: reason: still the placeholder "<why this finding is accepted>"; say why the finding is accepted`},
		{name: "suppress: nothing to match", yaml: "suppress:\n  - reason: r\n", wantErr: ".authgate.yml:2: suppress[1]: say what it suppresses: rule: or fingerprint:"},
		{name: "suppress: unknown key", yaml: "suppress:\n  - {rule: a, reason: r, expires: 2025-01-01}\n", wantErr: `.authgate.yml:2: suppress[1]: unknown field "expires" (want rule:, fingerprint:, method:, path:, reason:, until:)`},
		{name: "bad shard", yaml: "shard: 5/4\n", wantErr: ".authgate.yml:1: shard: the shard index must be between 1 and 4, got 5"},
		{name: "shard as a list", yaml: "shard: [1, 4]\n", wantErr: `.authgate.yml:1: shard: want "I/N", e.g. "2/4", got a list`},
		{name: "bad output", yaml: "output: [report.pdf]\n", wantErr: `.authgate.yml: output: cannot tell the report format of "report.pdf" from its extension; write FORMAT=PATH, e.g. "json=report.pdf"`},
		{name: "bad format", yaml: "format: yaml\n", wantErr: `.authgate.yml: format: unknown report format "yaml" (want text, json, sarif, markdown, junit, codequality)`},
		{name: "auth nested too deep", yaml: "auth:\n  - Authorization: {a: SECRET}\n", wantErr: `.authgate.yml:2: auth: want "Header: value" pairs with string values`},
		{name: "auth list in a list", yaml: "auth:\n  - [SECRET]\n", wantErr: `.authgate.yml:2: auth: item 1: want "Header: value", got a list`},
		{name: "top-level list", yaml: "- target\n", wantErr: ".authgate.yml:1: want a mapping of settings (key: value), got a list"},
		{name: "top-level string", yaml: "hello\n", wantErr: ".authgate.yml:1: want a mapping of settings (key: value), got a str"},
		{name: "two documents", yaml: "rate: 1\n---\nrate: 2\n", wantErr: ".authgate.yml:2: more than one YAML document (---); put every setting in one"},
		// yaml.v3 reports the line where the unclosed construct's context began.
		{name: "syntax error", yaml: "rate: 1\nmode: [safe\n", wantErr: ".authgate.yml:1: did not find expected ',' or ']'"},
		{name: "bad indentation", yaml: "rate: 1\nmode: safe\n  wait: 3s\n", wantErr: ".authgate.yml:3: mapping values are not allowed in this context"},
		{name: "tab indentation", yaml: "auth:\n\t- x\n", wantErr: ".authgate.yml:2: found character that cannot start any token"},
		{name: "non-string key", yaml: "[a]: 1\n", wantErr: ".authgate.yml:1: want a setting name, got a list"},
		{name: "merge key", yaml: "<<: {rate: 1}\n", wantErr: `.authgate.yml:1: unknown field "<<"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parseFile(name, []byte(tc.yaml))
			if tc.wantErr != "" {
				if err == nil {
					t.Fatalf("parseFile = %+v; want error %q", c, tc.wantErr)
				}
				if err.Error() != tc.wantErr {
					t.Errorf("error\n got %q\nwant %q", err, tc.wantErr)
				}
				checkErr(t, err, "")
				if strings.Contains(err.Error(), "SECRET") {
					t.Errorf("error %q repeats a credential", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseFile: %v", err)
			}
			tc.check(t, c)
		})
	}
}

func isDefault(t *testing.T, c Config) {
	t.Helper()
	if !reflect.DeepEqual(c, Default()) {
		t.Errorf("got %+v; want Default()", c)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.yml", "rate: 3\n")
	bad := write("bad.yml", "rate: 3\nrat: 4\n")
	big := write("big.yml", "# "+strings.Repeat("x", MaxFileSize)+"\n")

	t.Run("reads the file", func(t *testing.T) {
		c, err := Load(good)
		if err != nil || c.Rate != 3 || c.Timeout != DefaultTimeout {
			t.Errorf("Load = %+v, %v; want rate 3 over defaults", c, err)
		}
	})
	t.Run("names the file and line", func(t *testing.T) {
		_, err := Load(bad)
		checkErr(t, err, bad+`:2: unknown field "rat"`)
	})
	t.Run("missing file", func(t *testing.T) {
		_, err := Load(filepath.Join(dir, "nope.yml"))
		checkErr(t, err, "nope.yml")
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("error %v does not wrap fs.ErrNotExist", err)
		}
	})
	t.Run("directory", func(t *testing.T) {
		_, err := Load(dir)
		checkErr(t, err, "config file")
	})
	t.Run("too big", func(t *testing.T) {
		_, err := Load(big)
		checkErr(t, err, "larger than")
	})
}

// TestKeysMatchConfigTags keeps the config file's keys and Config's yaml
// tags (what other code and the docs read) the same.
func TestKeysMatchConfigTags(t *testing.T) {
	keys := Keys()
	extra := []string{"format", "output", "shard"} // Outputs and Shard are built from strings
	typ := reflect.TypeOf(Config{})
	for i := range typ.NumField() {
		tag := typ.Field(i).Tag.Get("yaml")
		if tag == "-" {
			continue
		}
		if !slices.Contains(keys, tag) {
			t.Errorf("Config.%s has yaml tag %q, which Load does not accept", typ.Field(i).Name, tag)
		}
	}
	for _, k := range keys {
		if slices.Contains(extra, k) {
			continue
		}
		if _, ok := typ.FieldByNameFunc(func(n string) bool {
			f, _ := typ.FieldByName(n)
			return f.Tag.Get("yaml") == k
		}); !ok {
			t.Errorf("key %q matches no Config yaml tag", k)
		}
	}
}

// TestDocsExample loads the example in docs/config.md, so the documented
// file is always a valid one, and checks that it shows every key.
func TestDocsExample(t *testing.T) {
	setRealisticEnv(t)
	example := docsExample(t)
	c, err := parseFile("docs/config.md", example)
	if err != nil {
		t.Fatalf("the example does not load: %v", err)
	}
	if c.Target == "" {
		t.Error("the example sets no target")
	}
	if err := c.Validate(); err != nil {
		t.Errorf("the example does not validate: %v", err)
	}
	// Every key appears, set or commented out, at the start of a line;
	// nested keys indented, possibly as a list item.
	for _, k := range Keys() {
		if !regexp.MustCompile(`(?m)^#? ?` + regexp.QuoteMeta(k) + `:`).Match(example) {
			t.Errorf("the example does not show key %q", k)
		}
	}
	nested := slices.Concat(subKeys(identityFields), subKeys(loginFields), subKeys(flowFields))
	for _, k := range nested {
		if !regexp.MustCompile(`(?m)^#? *(- )?` + regexp.QuoteMeta(k) + `:`).Match(example) {
			t.Errorf("the example does not show nested key %q", k)
		}
	}
}

// docsExample returns the first ```yaml block under "## Example" in
// docs/config.md: the full example (other sections show snippets).
func docsExample(t *testing.T) []byte {
	t.Helper()
	doc, err := os.ReadFile(filepath.Join("..", "docs", "config.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := bytes.Cut(doc, []byte("\n## Example\n"))
	if !ok {
		t.Fatal(`docs/config.md has no "## Example" section`)
	}
	m := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindSubmatch(section)
	if m == nil {
		t.Fatal("docs/config.md has no ```yaml example under ## Example")
	}
	return m[1]
}

// FuzzLoad feeds hostile YAML to the loader: it must never panic, every
// error must wrap ErrInvalid and be one line, and Validate must cope with
// whatever loads.
func FuzzLoad(f *testing.F) {
	seeds := []string{
		"",
		"target: https://x.example\nrate: 5\ntimeout: 3s\n",
		"auth:\n  - Authorization: Bearer a\n",
		"a: &a [*a]\n",
		"x: &x {a: *x}\ntarget: *x\n",
		"endpoints: &e [GET /a]\nsuppress: *e\n",
		"shard: 1/0\n",
		"rate: .nan\n",
		"output: [json=, -, '=x']\n",
		"? [a, b]\n: c\n",
		"!!binary aGVsbG8=\n",
		"target: !!binary aGVsbG8=\n",
		"---\n---\n",
		"\xff\xfe",
		"{{{{{{{{{{",
		"auth: {a: {b: {c: d}}}\n",
		"identities:\n  - name: a\n    headers: {X: '${A}'}\n    cookies: {s: x}\n    login: {path: /l, token: json:t, body: {a: [1, 2.5, true, null, {b: c}]}}\nprimary: a\nflows: {check: GET /me}\n",
		"identities:\n  - name: a\n    login: {body: &b {x: [*b]}}\n",
		"identities: [{name: \"a\\nb\", login: {body: {\"k\\n\": $x}}}]\n",
		"identities: [{login: {token: 'cookie:a', send: '', format: form, body: {a: [1]}}}]\npeer: a\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := parseFile(".authgate.yml", data)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %q does not wrap ErrInvalid", err)
			}
			if strings.ContainsAny(err.Error(), "\r\n") {
				t.Fatalf("error %q is not one line", err)
			}
			return
		}
		if err := c.Validate(); err != nil {
			if !errors.Is(err, ErrInvalid) || strings.ContainsAny(err.Error(), "\r\n") {
				t.Fatalf("Validate error %q: not ErrInvalid or not one line", err)
			}
		}
	})
}

// setSecrets puts the variables the identity tests reference into the
// environment; every value holds "SECRET" so that a test can tell when
// an error repeats one.
func setSecrets(t *testing.T) {
	t.Helper()
	for k, v := range map[string]string{
		"ALICE_TOKEN":      "SECRET-alice",
		"ALICE_SESSION":    "SECRET-session",
		"BOB_TOKEN":        "SECRET-bob",
		"MALLORY_PASSWORD": "SECRET-mallory",
		"API_KEY":          "SECRET-key",
		"EMPTY_VAR":        "",
		"GITHUB_TOKEN":     "SECRET-gh",
		"SEMI":             "SECRET;x=1",
	} {
		t.Setenv(k, v)
	}
}

func TestParseIdentities(t *testing.T) {
	const name = ".authgate.yml"
	setSecrets(t)
	tests := []struct {
		name    string
		yaml    string
		check   func(t *testing.T, c Config)
		wantErr string // exact message; "" for success
	}{
		{
			name: "the documented shape",
			yaml: `
identities:
  - name: alice
    role: user
    headers:
      Authorization: Bearer ${ALICE_TOKEN}
    cookies:
      session: ${ALICE_SESSION}
      theme: dark
  - name: mallory
    throwaway: true
    login:
      method: post
      path: /api/login?key=${API_KEY}
      format: json
      body: {email: mallory@example.com, password: "${MALLORY_PASSWORD}", remember: true, tries: 3, ratio: 0.5, note: null, tags: [a, "$${x}"], nested: {pin: "${BOB_TOKEN}"}}
      usernameField: email
      passwordField: password
      token: json:data.access_token
      send: "X-Auth: {token}"
      lifetime: 15m
  - name: root
    role: admin
    headers: "Authorization: Bearer ${BOB_TOKEN}"
primary: alice
peer: mallory
flows:
  check: GET /api/me
  logout: POST /api/logout
  register: POST /api/register
  recovery: POST /api/password/forgot
`,
			check: func(t *testing.T, c Config) {
				want := []Identity{
					{Name: "alice", Role: RoleUser, Headers: []string{"Authorization: Bearer SECRET-alice", "Cookie: session=SECRET-session; theme=dark"}},
					{Name: "mallory", Role: RoleUser, Throwaway: true, Login: &Login{
						Method: "POST", Path: "/api/login?key=SECRET-key", Format: BodyJSON,
						Body: map[string]any{
							"email": "mallory@example.com", "password": "SECRET-mallory", "remember": true,
							"tries": int64(3), "ratio": 0.5, "note": nil, "tags": []any{"a", "${x}"},
							"nested": map[string]any{"pin": "SECRET-bob"},
						},
						UsernameField: "email", PasswordField: "password",
						Token: "json:data.access_token", Send: "X-Auth: {token}", Lifetime: 15 * time.Minute,
					}},
					{Name: "root", Role: RoleAdmin, Headers: []string{"Authorization: Bearer SECRET-bob"}},
				}
				if !reflect.DeepEqual(c.Identities, want) {
					t.Errorf("Identities\n got %#v\nwant %#v", c.Identities, want)
				}
				if c.Primary != "alice" || c.Peer != "mallory" {
					t.Errorf("Primary, Peer = %q, %q; want alice, mallory", c.Primary, c.Peer)
				}
				wantFlows := Flows{Check: "GET /api/me", Logout: "POST /api/logout", Register: "POST /api/register", Recovery: "POST /api/password/forgot"}
				if c.Flows != wantFlows {
					t.Errorf("Flows = %+v; want %+v", c.Flows, wantFlows)
				}
			},
		},
		{
			name: "login defaults",
			yaml: "identities:\n  - name: a\n    login: {path: /login, token: json:token}\n  - name: b\n    login: {path: /login, token: header:X-Token}\n  - name: c\n    login: {path: /login, token: cookie:sid, format: form}\n",
			check: func(t *testing.T, c Config) {
				for i, want := range []Login{
					{Method: "POST", Path: "/login", Format: "json", Token: "json:token", Send: "Authorization: Bearer {token}"},
					{Method: "POST", Path: "/login", Format: "json", Token: "header:X-Token", Send: "Authorization: Bearer {token}"},
					{Method: "POST", Path: "/login", Format: "form", Token: "cookie:sid", Send: "Cookie: sid={token}"},
				} {
					if got := c.Identities[i].Login; got == nil || !reflect.DeepEqual(*got, want) {
						t.Errorf("identity %d login = %+v; want %+v", i+1, got, want)
					}
					if c.Identities[i].Role != RoleUser {
						t.Errorf("identity %d role = %q; want the default user", i+1, c.Identities[i].Role)
					}
				}
			},
		},
		{
			name: "invalid token leaves send empty for Validate",
			yaml: "identities:\n  - name: a\n    login: {path: /login, token: jwt}\n",
			check: func(t *testing.T, c Config) {
				if s := c.Identities[0].Login.Send; s != "" {
					t.Errorf("Send = %q; want empty", s)
				}
			},
		},
		{
			name: "headers in every shape",
			yaml: "identities:\n  - name: a\n    headers:\n      - \"Authorization: Bearer ${ALICE_TOKEN}\"\n      - X-Key: ${API_KEY}\n  - name: b\n    headers: [\"X-A: 1\", \"X-B:$${literal}\"]\n",
			check: func(t *testing.T, c Config) {
				if got, want := c.Identities[0].Headers, []string{"Authorization: Bearer SECRET-alice", "X-Key: SECRET-key"}; !slices.Equal(got, want) {
					t.Errorf("a headers = %q; want %q", got, want)
				}
				if got, want := c.Identities[1].Headers, []string{"X-A: 1", "X-B:${literal}"}; !slices.Equal(got, want) {
					t.Errorf("b headers = %q; want %q", got, want)
				}
			},
		},
		{
			name: "auth and peerAuth are expanded",
			yaml: "auth: \"Authorization: Bearer ${ALICE_TOKEN}\"\npeerAuth:\n  Authorization: Bearer ${BOB_TOKEN}\n",
			check: func(t *testing.T, c Config) {
				if !slices.Equal(c.Auth, []string{"Authorization: Bearer SECRET-alice"}) || !slices.Equal(c.PeerAuth, []string{"Authorization: Bearer SECRET-bob"}) {
					t.Errorf("auth %q peerAuth %q", c.Auth, c.PeerAuth)
				}
			},
		},
		{
			name: "quoted numbers stay strings, dates as written",
			yaml: "identities:\n  - name: a\n    login: {path: /l, token: json:t, body: {pin: \"0123\", born: 2001-12-14, big: 9007199254740993}}\n",
			check: func(t *testing.T, c Config) {
				b := c.Identities[0].Login.Body
				if b["pin"] != "0123" || b["born"] != "2001-12-14" || b["big"] != int64(9007199254740993) {
					t.Errorf("Body = %#v", b)
				}
			},
		},
		{
			name: "nulls leave things unset",
			yaml: "identities:\n  - name: a\n    headers: \"X: 1\"\n    login:\n    cookies:\n    role:\nflows:\nprimary:\n",
			check: func(t *testing.T, c Config) {
				id := c.Identities[0]
				if id.Login != nil || id.Role != RoleUser || !slices.Equal(id.Headers, []string{"X: 1"}) || c.Flows != (Flows{}) {
					t.Errorf("got %+v flows %+v", id, c.Flows)
				}
			},
		},
		{name: "null identities", yaml: "identities:\n", check: isDefault},
		{
			name: "anchors share a login",
			yaml: "identities:\n  - name: a\n    login: &l {path: /l, token: json:t, body: {user: a}}\n  - name: b\n    login: *l\n",
			check: func(t *testing.T, c Config) {
				if c.Identities[1].Login == nil || c.Identities[1].Login.Path != "/l" {
					t.Errorf("b login = %+v", c.Identities[1].Login)
				}
				if c.Identities[0].Login == c.Identities[1].Login {
					t.Error("the two identities share one *Login; a change to one would change both")
				}
			},
		},

		{name: "identities as a mapping", yaml: "identities:\n  alice: {}\n", wantErr: ".authgate.yml:2: identities: want a list of identities (- name: …), got a mapping"},
		{name: "identity as a string", yaml: "identities:\n  - alice\n", wantErr: ".authgate.yml:2: identities[1]: want a mapping (name:, headers:, login:, …), got a str"},
		{name: "unknown identity key", yaml: "identities:\n  - name: alice\n    nmae: x\n", wantErr: `.authgate.yml:3: identities[1] (alice): unknown field "nmae" (did you mean "name"?)`},
		{name: "credential as an identity key", yaml: "identities:\n  - name: alice\n    Authorization: Bearer SECRET\n", wantErr: `.authgate.yml:3: identities[1] (alice): unknown field "Authorization" (credentials go under headers:, cookies: or login:)`},
		{name: "password next to the login", yaml: "identities:\n  - name: m\n    login:\n      path: /l\n      password: SECRET\n", wantErr: `.authgate.yml:5: identities[1] (m): login: unknown field "password" (the request's fields go under body:)`},
		{name: "typo in a login key", yaml: "identities:\n  - name: m\n    login:\n      tokn: json:t\n", wantErr: `.authgate.yml:4: identities[1] (m): login: unknown field "tokn" (did you mean "token"?)`},
		{name: "identity key twice", yaml: "identities:\n  - name: a\n    role: user\n    role: admin\n", wantErr: ".authgate.yml:4: identities[1] (a): role is set twice (first on line 3)"},
		{name: "label without a valid name", yaml: "identities:\n  - name: \"a b\"\n    role: [x]\n", wantErr: ".authgate.yml:3: identities[1]: role: want a string, got a list"},
		{name: "second identity named", yaml: "identities:\n  - name: a\n  - role: user\n    name: b\n    throwaway: yes\n", wantErr: `.authgate.yml:5: identities[2] (b): throwaway: want true or false, got "yes"`},
		{name: "login as a string", yaml: "identities:\n  - name: a\n    login: /api/login\n", wantErr: ".authgate.yml:3: identities[1] (a): login: want a mapping (path:, body:, token:, …), got a str"},
		{name: "body as a list", yaml: "identities:\n  - name: a\n    login:\n      body: [SECRET]\n", wantErr: ".authgate.yml:4: identities[1] (a): login.body: want a mapping of field names to values, got a list"},
		{name: "body merge key inside", yaml: "identities:\n  - name: a\n    login:\n      body:\n        <<: {password: SECRET}\n", wantErr: ".authgate.yml:5: identities[1] (a): login.body: merge keys (<<) are not supported; write the fields out"},
		{name: "body key twice", yaml: "identities:\n  - name: a\n    login:\n      body:\n        user: a\n        user: SECRET\n", wantErr: ".authgate.yml:6: identities[1] (a): login.body: field user is set twice (first on line 5)"},
		{name: "body nests itself", yaml: "identities:\n  - name: a\n    login:\n      body: {l: &l [*l]}\n", wantErr: "login.body.l" + strings.Repeat("[1]", maxBodyDepth) + ": nested more than 32 levels deep"},
		{name: "body huge number", yaml: "identities:\n  - name: a\n    login:\n      body: {pin: 99999999999999999999999}\n", wantErr: ".authgate.yml:4: identities[1] (a): login.body.pin: a whole number too large for 64 bits; quote it to send a string"},
		{name: "body NaN", yaml: "identities:\n  - name: a\n    login:\n      body: {x: .nan}\n", wantErr: ".authgate.yml:4: identities[1] (a): login.body.x: not a finite number, which JSON cannot carry; quote it to send a string"},
		{name: "body binary", yaml: "identities:\n  - name: a\n    login:\n      body: {x: !!binary U0VDUkVU}\n", wantErr: ".authgate.yml:4: identities[1] (a): login.body.x: want a string, number, boolean or null, got a binary"},
		{name: "body odd key quoted", yaml: "identities:\n  - name: a\n    login:\n      body: {\"a\\nb\": \"${NOPE}\"}\n", wantErr: `.authgate.yml:4: identities[1] (a): login.body."a\nb": environment variable NOPE is not set`},
		{name: "lifetime without unit", yaml: "identities:\n  - name: a\n    login:\n      lifetime: 15\n", wantErr: `.authgate.yml:4: identities[1] (a): login.lifetime: want a duration such as 10s or 1m30s, got "15"`},
		{name: "cookies as a list", yaml: "identities:\n  - name: a\n    cookies: [SECRET]\n", wantErr: ".authgate.yml:3: identities[1] (a): cookies: want a mapping of cookie name to value, got a list"},
		{name: "bad cookie name", yaml: "identities:\n  - name: a\n    cookies:\n      \"s SECRET\": x\n", wantErr: ".authgate.yml:4: identities[1] (a): cookies: a cookie name is not valid (letters, digits and !#$%&'*+-.^_`|~ only)"},
		{name: "cookie twice", yaml: "identities:\n  - name: a\n    cookies:\n      s: SECRET\n      s: SECRET\n", wantErr: `.authgate.yml:5: identities[1] (a): cookies: cookie "s" is set twice (first on line 4)`},
		{name: "cookie with a semicolon", yaml: "identities:\n  - name: a\n    cookies:\n      s: ${SEMI}\n", wantErr: `.authgate.yml:4: identities[1] (a): cookies: cookie "s": the value contains ; or a line break, which would end the cookie`},
		{name: "cookie as a mapping", yaml: "identities:\n  - name: a\n    cookies:\n      s: {v: SECRET}\n", wantErr: `.authgate.yml:4: identities[1] (a): cookies: cookie "s": want a string value, got a mapping`},
		{name: "identity headers nested", yaml: "identities:\n  - name: a\n    headers:\n      - X: {a: SECRET}\n", wantErr: `.authgate.yml:4: identities[1] (a): headers: want "Header: value" pairs with string values`},

		{name: "unset variable in a body", yaml: "identities:\n  - name: alice\n    headers: \"X: 1\"\n  - name: mallory\n    login:\n      body:\n        password: ${MALLORY_PASSWORD_X}\n", wantErr: ".authgate.yml:7: identities[2] (mallory): login.body.password: environment variable MALLORY_PASSWORD_X is not set"},
		{name: "unset variable in a body list", yaml: "identities:\n  - name: a\n    login:\n      body:\n        codes: [\"${ALICE_TOKEN}\", \"${NOPE}\"]\n", wantErr: ".authgate.yml:5: identities[1] (a): login.body.codes[2]: environment variable NOPE is not set"},
		{name: "empty variable", yaml: "identities:\n  - name: a\n    login:\n      body: {password: \"${EMPTY_VAR}\"}\n", wantErr: ".authgate.yml:4: identities[1] (a): login.body.password: environment variable EMPTY_VAR is not set (it is empty; secrets are empty in workflows run from forks)"},
		{name: "unset variable in a header", yaml: "identities:\n  - name: a\n    headers:\n      - \"X-A: 1\"\n      - \"Authorization: Bearer ${NOPE}\"\n", wantErr: ".authgate.yml:5: identities[1] (a): headers: environment variable NOPE is not set"},
		{name: "unset variable in a header mapping", yaml: "identities:\n  - name: a\n    headers:\n      X-A: ${ALICE_TOKEN}\n      X-B: ${NOPE}\n", wantErr: ".authgate.yml:5: identities[1] (a): headers: environment variable NOPE is not set"},
		{name: "unset variable in a cookie", yaml: "identities:\n  - name: a\n    cookies:\n      s: ${NOPE}\n", wantErr: `.authgate.yml:4: identities[1] (a): cookies: cookie "s": environment variable NOPE is not set`},
		{name: "unset variable in the path", yaml: "identities:\n  - name: a\n    login:\n      path: /l?k=${NOPE}\n", wantErr: ".authgate.yml:4: identities[1] (a): login.path: environment variable NOPE is not set"},
		{name: "runner token refused", yaml: "identities:\n  - name: a\n    headers: \"Authorization: Bearer ${GITHUB_TOKEN}\"\n", wantErr: ".authgate.yml:3: identities[1] (a): headers: environment variable GITHUB_TOKEN is refused"},
		{name: "actions token refused in a body", yaml: "identities:\n  - name: a\n    login: {body: {t: \"${ACTIONS_RUNTIME_TOKEN}\"}}\n", wantErr: "login.body.t: environment variable ACTIONS_RUNTIME_TOKEN is refused"},
		{name: "unclosed brace", yaml: "identities:\n  - name: a\n    login: {body: {password: \"SECRET${X\"}}\n", wantErr: "login.body.password: ${ without a closing }; write $$ for a literal $"},
		{name: "bad variable name", yaml: "identities:\n  - name: a\n    login: {body: {password: \"${SECRET-1}\"}}\n", wantErr: "login.body.password: ${…} holds no valid environment variable name"},
		{name: "bare dollar name", yaml: "auth: \"Authorization: Bearer $ALICE_TOKEN\"\n", wantErr: ".authgate.yml:1: auth: found $ followed by a name without braces; write ${NAME} for an environment variable or $$ for a literal $"},
		{name: "unset variable in auth", yaml: "auth:\n  - \"X-A: 1\"\n  - \"Authorization: Bearer ${NOPE}\"\n", wantErr: ".authgate.yml:3: auth: environment variable NOPE is not set"},
		{name: "runner variable in peerAuth", yaml: "peerAuth:\n  Authorization: Bearer ${RUNNER_TOKEN}\n", wantErr: ".authgate.yml:2: peerAuth: environment variable RUNNER_TOKEN is refused"},

		{name: "flows as a list", yaml: "flows: [GET /me]\n", wantErr: ".authgate.yml:1: flows: want a mapping (key: value), got a list"},
		{name: "unknown flow", yaml: "flows:\n  chek: GET /me\n", wantErr: `.authgate.yml:2: flows: unknown field "chek" (did you mean "check"?)`},
		{name: "flow as a list", yaml: "flows:\n  logout:\n    - POST /logout\n", wantErr: ".authgate.yml:3: flows: logout: want a string, got a list"},
		{name: "primary as a list", yaml: "primary: [a]\n", wantErr: ".authgate.yml:1: primary: want a string, got a list"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parseFile(name, []byte(tc.yaml))
			if tc.wantErr != "" {
				if err == nil {
					t.Fatalf("parseFile = %+v; want error %q", c, tc.wantErr)
				}
				if !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("error\n got %q\nwant %q", err, tc.wantErr)
				}
				checkErr(t, err, "")
				if strings.Contains(err.Error(), "SECRET") {
					t.Errorf("error %q repeats a credential", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseFile: %v", err)
			}
			tc.check(t, c)
		})
	}
}

func TestLoadEnv(t *testing.T) {
	p := filepath.Join(t.TempDir(), "a.yml")
	if err := os.WriteFile(p, []byte("auth: \"Authorization: Bearer ${TOKEN}\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TOKEN", "from-os") // must not be read
	c, err := LoadEnv(p, func(k string) (string, bool) { return "from-lookup-" + k, true })
	if err != nil || !slices.Equal(c.Auth, []string{"Authorization: Bearer from-lookup-TOKEN"}) {
		t.Errorf("LoadEnv = %q, %v; want the lookup's value", c.Auth, err)
	}
	c, err = Load(p)
	if err != nil || !slices.Equal(c.Auth, []string{"Authorization: Bearer from-os"}) {
		t.Errorf("Load = %q, %v; want the environment's value", c.Auth, err)
	}
	_, err = LoadEnv(p, nil)
	checkErr(t, err, p+":1: auth: environment variable TOKEN is not set")
}
