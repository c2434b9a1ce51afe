package config

import (
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
					FailOn:       "medium",
					Baseline:     "base.json",
					BaselineURL:  "https://prod.example.com",
					MaxScoreDrop: 5,
					Suppress:     []string{"cookie-insecure"},
					Rate:         12.5,
					Concurrency:  4,
					Timeout:      90 * time.Second,
					Budget:       500,
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
		{name: "null list item", yaml: "suppress:\n  - \n", wantErr: ".authgate.yml:2: suppress: item 1: want a string, got nothing (null)"},
		{name: "bad shard", yaml: "shard: 5/4\n", wantErr: ".authgate.yml:1: shard: the shard index must be between 1 and 4, got 5"},
		{name: "shard as a list", yaml: "shard: [1, 4]\n", wantErr: `.authgate.yml:1: shard: want "I/N", e.g. "2/4", got a list`},
		{name: "bad output", yaml: "output: [report.pdf]\n", wantErr: `.authgate.yml: output: cannot tell the report format of "report.pdf" from its extension; write FORMAT=PATH, e.g. "json=report.pdf"`},
		{name: "bad format", yaml: "format: yaml\n", wantErr: `.authgate.yml: format: unknown report format "yaml" (want text, json, sarif, markdown, junit)`},
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
	doc, err := os.ReadFile(filepath.Join("..", "docs", "config.md"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindSubmatch(doc)
	if m == nil {
		t.Fatal("docs/config.md has no ```yaml example")
	}
	example := m[1]
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
	// Every key appears, set or commented out, at the start of a line.
	for _, k := range Keys() {
		if !regexp.MustCompile(`(?m)^#? ?` + regexp.QuoteMeta(k) + `:`).Match(example) {
			t.Errorf("the example does not show key %q", k)
		}
	}
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
