package config

import (
	"maps"
	"strings"
	"testing"
)

// TestParseWrites reads bodies, pathValues and autoAccounts as a file
// writes them: bodies become JSON under a normalised "METHOD /path" key.
func TestParseWrites(t *testing.T) {
	t.Setenv("MEMBER_KEY", "k-123")
	tests := []struct {
		name       string
		yaml       string
		wantBodies map[string]string
		wantValues map[string]string
		wantAuto   bool
		wantErr    string
	}{
		{
			name: "nested body with every scalar type",
			yaml: "bodies:\n  POST /api/projects/{projectId}/members:\n    email: a@example.com\n    admin: false\n    seats: 3\n    ratio: 0.5\n    note: ~\n    tags: [x, y]\n",
			wantBodies: map[string]string{
				"POST /api/projects/{projectId}/members": `{"admin":false,"email":"a@example.com","note":null,"ratio":0.5,"seats":3,"tags":["x","y"]}`,
			},
		},
		{
			name:       "method upper-cased, spaces collapsed",
			yaml:       "bodies:\n  \"post   /api/notes\": {title: t}\n",
			wantBodies: map[string]string{"POST /api/notes": `{"title":"t"}`},
		},
		{
			name:       "a list body",
			yaml:       "bodies:\n  PUT /api/notes/{id}/tags: [a, 1]\n",
			wantBodies: map[string]string{"PUT /api/notes/{id}/tags": `["a",1]`},
		},
		{
			name:       "environment variables in a body",
			yaml:       "bodies:\n  POST /api/members: {key: \"${MEMBER_KEY}\", price: \"$$5\"}\n",
			wantBodies: map[string]string{"POST /api/members": `{"key":"k-123","price":"$5"}`},
		},
		{
			name:       "path values as written",
			yaml:       "pathValues:\n  teamId: \"42\"\n  orgId: 7\n  slug: acme-inc\n",
			wantValues: map[string]string{"teamId": "42", "orgId": "7", "slug": "acme-inc"},
		},
		{name: "auto accounts", yaml: "mode: active\nautoAccounts: true\n", wantAuto: true},
		{name: "empty keys leave defaults", yaml: "bodies:\npathValues:\nautoAccounts:\n"},

		{name: "scalar body", yaml: "bodies:\n  POST /api/notes: hello\n", wantErr: `t.yml:2: bodies: "POST /api/notes": want the JSON body as a mapping`},
		{name: "bodies a list", yaml: "bodies: [POST /a]\n", wantErr: `t.yml:1: bodies: want a mapping of "METHOD /path"`},
		{name: "same route twice", yaml: "bodies:\n  POST /a: {x: 1}\n  post /a: {x: 2}\n", wantErr: `t.yml:3: bodies: "POST /a" is set twice (first on line 2)`},
		{name: "unset variable", yaml: "bodies:\n  POST /a: {k: \"${NOPE_NOT_SET}\"}\n", wantErr: "environment variable NOPE_NOT_SET is not set"},
		{name: "runner variable refused", yaml: "bodies:\n  POST /a: {k: \"${GITHUB_TOKEN}\"}\n", wantErr: "GITHUB_TOKEN is refused"},
		{name: "path value boolean", yaml: "pathValues: {teamId: true}\n", wantErr: "pathValues: teamId: want an id (a string or a number), got a bool"},
		{name: "path value list", yaml: "pathValues: {teamId: [1]}\n", wantErr: "pathValues: teamId: want an id"},
		{name: "path values a list", yaml: "pathValues: [teamId]\n", wantErr: "pathValues: want a mapping of path parameter name"},
		{name: "auto accounts text", yaml: "autoAccounts: yes please\n", wantErr: `autoAccounts: want true or false, got "yes please"`},
		{name: "misspelled key", yaml: "bodys:\n  POST /a: {x: 1}\n", wantErr: `unknown field "bodys" (did you mean "bodies"?)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parseFile("t.yml", []byte(tc.yaml))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v; want it to contain %q", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), "\n") {
					t.Errorf("message spans lines: %q", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for k, v := range c.Bodies {
				got[k] = string(v)
			}
			if want := tc.wantBodies; !maps.Equal(got, want) && (len(got) > 0 || len(want) > 0) {
				t.Errorf("bodies = %q; want %q", got, want)
			}
			if !maps.Equal(c.PathValues, tc.wantValues) {
				t.Errorf("pathValues = %q; want %q", c.PathValues, tc.wantValues)
			}
			if c.AutoAccounts != tc.wantAuto {
				t.Errorf("autoAccounts = %v; want %v", c.AutoAccounts, tc.wantAuto)
			}
		})
	}
}

// TestValidateWrites checks what Validate says about the write settings,
// one line each, naming the setting and never a body's content.
func TestValidateWrites(t *testing.T) {
	const secret = "s3cret-in-a-body"
	tests := []struct {
		name    string
		mutate  func(c *Config)
		wantErr string // "" for valid
	}{
		{name: "bodies, values and accounts", mutate: func(c *Config) {
			c.Mode = "active"
			c.AutoAccounts = true
			c.Bodies = map[string][]byte{"POST /api/notes": []byte(`{"a":1}`), "PATCH /api/notes/{id}": []byte(`[1]`)}
			c.PathValues = map[string]string{"teamId": "42"}
		}},
		{name: "auto accounts in safe mode", mutate: func(c *Config) { c.AutoAccounts = true },
			wantErr: "auto-accounts: registering accounts is a write; it needs --mode active"},
		{name: "auto accounts with a bad mode says only the mode", mutate: func(c *Config) { c.AutoAccounts = true; c.Mode = "loud" },
			wantErr: `mode: "loud" is not one of safe, active`},
		{name: "body route without method", mutate: func(c *Config) { c.Bodies = map[string][]byte{"/api/notes": []byte(`{}`)} },
			wantErr: `bodies: "/api/notes": want "METHOD /path?query"`},
		{name: "body for a GET", mutate: func(c *Config) { c.Bodies = map[string][]byte{"GET /api/notes": []byte(`{}`)} },
			wantErr: `bodies: "GET /api/notes": GET carries no body the scan sends; want POST, PUT or PATCH`},
		{name: "body route with a query", mutate: func(c *Config) { c.Bodies = map[string][]byte{"POST /api/notes?x=1": []byte(`{}`)} },
			wantErr: "a body belongs to a route: leave out the query"},
		{name: "body route lower-case", mutate: func(c *Config) { c.Bodies = map[string][]byte{"post /api/notes": []byte(`{}`)} },
			wantErr: `write it as "METHOD /path", the method upper-case`},
		{name: "body not JSON", mutate: func(c *Config) { c.Bodies = map[string][]byte{"POST /a": []byte(`{"k":"` + secret)} },
			wantErr: `bodies: "POST /a": not valid JSON`},
		{name: "path value name in braces", mutate: func(c *Config) { c.PathValues = map[string]string{"{teamId}": "1"} },
			wantErr: "write the parameter's name without braces"},
		{name: "empty path value", mutate: func(c *Config) { c.PathValues = map[string]string{"teamId": " "} },
			wantErr: "pathValues: teamId: a value must not be empty"},
		{name: "control character in a path value", mutate: func(c *Config) { c.PathValues = map[string]string{"teamId": "1\n2"} },
			wantErr: "pathValues: teamId: a value must not be empty or hold control characters"},
		{name: "empty path value name", mutate: func(c *Config) { c.PathValues = map[string]string{"": "1"} },
			wantErr: `pathValues: "": a parameter name must not be empty`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := valid()
			tc.mutate(&c)
			err := c.Validate()
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate() = %v; want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Validate() = %v; want it to contain %q", err, tc.wantErr)
			}
			if msg := err.Error(); strings.Contains(msg, "\n") || strings.Contains(msg, secret) {
				t.Errorf("message spans lines or repeats the body: %q", msg)
			}
		})
	}
}
