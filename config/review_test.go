package config

// Review of the identity and login configuration (load.go, env.go,
// validate.go, docs/authgate.schema.json): each test states the expected
// behaviour and fails on the code as reviewed.

import (
	"strings"
	"testing"
)

// TestReviewLoginBodyLeadingZeroNumber: yaml.v3 reads an unquoted number
// with a leading zero as octal (0123 is 83, 00123456 is 42798), and the
// loader keeps YAML's int, so a PIN or numeric password written without
// quotes is silently sent as another number and the login fails with a
// misleading "check the credentials". Expected: such a value is kept as
// the string written, or refused with "quote it" like an int too large
// for 64 bits.
func TestReviewLoginBodyLeadingZeroNumber(t *testing.T) {
	const y = "identities:\n  - name: m\n    login:\n      path: /login\n      token: json:token\n      body: {username: m, pin: 0123, password: 00123456}\n"
	c, err := parseFileEnv("t.yml", []byte(y), func(string) (string, bool) { return "", false })
	if err != nil {
		if !strings.Contains(err.Error(), "quote") {
			t.Errorf("error %q; want it to say to quote the value", err)
		}
		return
	}
	body := c.Identities[0].Login.Body
	for k, want := range map[string]string{"pin": "0123", "password": "00123456"} {
		if body[k] != want {
			t.Errorf("body.%s = %#v; want %q as written (or an error)", k, body[k], want)
		}
	}
}

// TestReviewRefusesWorkflowTokenAliases: GH_TOKEN (and
// GH_ENTERPRISE_TOKEN) is the name the gh CLI reads the workflow's token
// from, and workflows commonly export it job- or workflow-wide
// (env: GH_TOKEN: ${{ github.token }}). A pull request's config can then
// send it to the preview it deploys with ${GH_TOKEN}, exactly what the
// GITHUB_ prefix refusal is there to prevent. Expected: refused like
// GITHUB_* (better: in the Action, read only variables the workflow
// lists explicitly).
func TestReviewRefusesWorkflowTokenAliases(t *testing.T) {
	const token = "ghs_workflowTokenValue0123456789"
	lookup := func(string) (string, bool) { return token, true }
	for _, name := range []string{"GH_TOKEN", "GH_ENTERPRISE_TOKEN"} {
		t.Run(name, func(t *testing.T) {
			got, err := expandEnv("Bearer ${"+name+"}", lookup)
			if err == nil {
				t.Errorf("${%s} expanded to the workflow token (%d bytes); want it refused", name, len(got))
			}
		})
	}
}

// TestReviewSchemaAgreesWithLoader: more files the editor's schema
// accepts while authgate refuses them (the docs say the schema is the
// stricter of the two). Expected: the schema refuses each (timeout 0 and
// credentials in the target URL are expressible; a reserved name in any
// case needs a case-insensitive pattern).
func TestReviewSchemaAgreesWithLoader(t *testing.T) {
	setRealisticEnv(t)
	_, schema := readSchema(t)
	tests := []struct{ name, yaml string }{
		{"timeout 0", "target: https://x.example\ntimeout: 0\n"},
		{"credentials in the target URL", "target: https://user:pass@x.example\n"},
		{"reserved name in another case", "target: https://x.example\nidentities:\n  - name: Anonymous\n    headers: \"X-Key: 1\"\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parseFile("t.yml", []byte(tc.yaml))
			if err == nil {
				err = c.Validate()
			}
			if err == nil {
				t.Fatalf("the loader accepts it; the test assumes it refuses")
			}
			if serr := schema.Validate(yamlToJSON(t, tc.yaml)); serr == nil {
				t.Errorf("the schema accepts what authgate refuses (%v)", err)
			}
		})
	}
}
