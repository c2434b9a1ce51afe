package cli

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"github.com/authgate/authgate/demo"
)

// badProgressPrefixes start the progress lines a scan prints before it reads
// the API description; a bad spec is found after them.
var badProgressPrefixes = []string{
	"authgate: waiting for the target to answer",
	"authgate: reading the API description",
	"authgate: scanning: ",
	"authgate: scanned ",
}

// badInputFiles writes the bad specs, configs and baselines of
// TestBadInput and returns their paths by name.
func badInputFiles(t *testing.T) map[string]string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"notapi.yaml": "hello: world\nitems: [1, 2]\n",
		"trunc.yaml":  "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses: {'200': {descrip",
		// Every path item is a $ref to the other: nothing to scan.
		"cyclic.json":    `{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/a":{"$ref":"#/paths/~1b"},"/b":{"$ref":"#/paths/~1a"}}}`,
		"empty.json":     ``,
		"typo.yml":       "rate: 5\nconcurency: 3\n",
		"badid.yml":      "identities:\n  - name: alice\n    headers: ['Bearer SECRET-IN-CONFIG-5d1e']\n",
		"badrole.yml":    "identities:\n  - name: alice\n    role: superuser\n    headers: ['Authorization: Bearer x']\n",
		"badlogin.yml":   "identities:\n  - name: alice\n    login: {path: /login, token: 'body:token', body: {username: a, password: b}}\n",
		"notyaml.yml":    "rate: [5\n",
		"notjson.json":   "not json at all",
		"sarif.json":     `{"$schema":"https://json.schemastore.org/sarif-2.1.0.json","version":"2.1.0","runs":[]}`,
		"oldfp.json":     `{"schema":"authgate/report/v1","findings":[{"rule":"authn-missing","fingerprint":"v0:abc"}]}`,
		"trunc.json":     `{"schema":"authgate/report/v1","findings":[{"rule":`,
		"hostile.json":   `{"schema":"##[error]pwned \u001b[2J \u202e"}`,
		"wrongtype.json": `{"schema":"authgate/report/v1","score":"high"}`,
		"autosafe.yml":   "autoAccounts: true\n",
		"badbody.yml":    "mode: active\nbodies:\n  GET /api/notes: {note: SECRET-IN-BODY-41c2}\n",
		"scalarbody.yml": "bodies:\n  POST /api/notes: SECRET-IN-BODY-41c2\n",
		"badvalue.yml":   "pathValues:\n  \"{teamId}\": \"42\"\n",
	}
	paths := map[string]string{}
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		paths[name] = p
	}
	return paths
}

// TestBadInput: every bad flag, spec, config and baseline is exit 2 with
// exactly one line on stderr (besides progress) that names the problem,
// nothing on stdout, no panic, no credential repeated, and nothing a CI
// log would execute or a terminal act on.
func TestBadInput(t *testing.T) {
	api := httptest.NewServer(demo.Vulnerable())
	defer api.Close()
	f := badInputFiles(t)
	scan := func(args ...string) []string {
		return append([]string{"scan", api.URL, "--wait", "2s"}, args...)
	}
	noConfig := func(args ...string) []string { return scan(append([]string{"--config", ""}, args...)...) }

	tests := []struct {
		name string
		args []string
		want []string // parts of the one error line
	}{
		// Flags.
		{"unknown flag", noConfig("--frobnicate", "1"), []string{"unknown flag --frobnicate"}},
		{"flag without a value", noConfig("--rate"), []string{"--rate", "value"}},
		{"bad flag syntax", noConfig("---rate=5"), []string{"bad flag syntax"}},
		{"rate not a number", noConfig("--rate", "fast"), []string{"--rate"}},
		{"rate negative", noConfig("--rate", "-1"), []string{"rate", "-1"}},
		{"rate not finite", noConfig("--rate", "NaN"), []string{"rate"}},
		{"concurrency zero", noConfig("--concurrency", "0"), []string{"concurrency", "0"}},
		{"concurrency not a number", noConfig("--concurrency", "eight"), []string{"--concurrency"}},
		{"concurrency huge", noConfig("--concurrency", "100000"), []string{"concurrency", "100000"}},
		{"timeout without a unit", noConfig("--timeout", "10"), []string{"--timeout", "duration"}},
		{"timeout negative", noConfig("--timeout", "-1s"), []string{"timeout", "-1s"}},
		{"budget negative", noConfig("--budget", "-5"), []string{"budget", "-5"}},
		{"budget not a number", noConfig("--budget", "lots"), []string{"--budget"}},
		{"wait negative", noConfig("--wait", "-1s"), []string{"wait", "-1s"}},
		{"fail-on unknown severity", noConfig("--fail-on", "severe"), []string{"fail-on", "severe"}},
		{"fail-under above 100", noConfig("--fail-under", "101"), []string{"fail-under", "101"}},
		{"max-score-drop not a number", noConfig("--max-score-drop", "ten"), []string{"--max-score-drop"}},
		{"shard index beyond count", noConfig("--shard", "3/2"), []string{"shard", "3"}},
		{"shard index zero", noConfig("--shard", "0/2"), []string{"shard", "0"}},
		{"shard count zero", noConfig("--shard", "1/0"), []string{"shard"}},
		{"shard not I/N", noConfig("--shard", "half"), []string{"shard", "I/N"}},
		{"output format unknown", noConfig("-o", "pdf="+filepath.Join(t.TempDir(), "r.pdf")), []string{"pdf"}},
		{"output extension unknown", noConfig("-o", filepath.Join(t.TempDir(), "r.pdf")), []string{"r.pdf", "FORMAT=PATH"}},
		{"format unknown", noConfig("--format", "pdf"), []string{"format", "pdf"}},
		{"mode unknown", noConfig("--mode", "wild"), []string{"mode", "wild"}},
		{"auth without a colon", noConfig("--auth", "Bearer SECRET-FLAG-TOKEN-3a9c"), []string{"auth", "Header: value"}},
		{"peer-auth without a colon", noConfig("--auth", "Authorization: Bearer a", "--peer-auth", "SECRET-FLAG-TOKEN-3a9c"), []string{"peer-auth"}},
		{"two targets", noConfig("http://127.0.0.1:1/"), []string{"one TARGET"}},
		{"target not http", []string{"scan", "ftp://example.com/", "--config", ""}, []string{"ftp"}},
		{"credentials in the target URL", []string{"scan", "http://admin:SECRET-URL-PW-77c1@127.0.0.1:1/", "--config", ""}, []string{"credentials"}},
		{"auto-accounts in safe mode", noConfig("--auto-accounts"), []string{"auto-accounts", "--mode active"}},
		{"auto-accounts with a value", noConfig("--auto-accounts=maybe", "--mode", "active"), []string{"--auto-accounts", "true or false"}},
		{"credentials in the baseline URL", noConfig("--baseline-url", "http://admin:SECRET-URL-PW-77c1@127.0.0.1:1/"), []string{"credentials"}},

		// Specs.
		{"spec that is not OpenAPI", noConfig("--openapi", f["notapi.yaml"]), []string{"notapi.yaml", "not an OpenAPI"}},
		{"truncated YAML spec", noConfig("--openapi", f["trunc.yaml"]), []string{"trunc.yaml", "YAML"}},
		{"empty spec", noConfig("--openapi", f["empty.json"]), []string{"empty.json"}},
		{"JSON spec whose paths are a $ref cycle", noConfig("--openapi", f["cyclic.json"]), []string{"cyclic.json"}},
		{"missing spec", noConfig("--openapi", filepath.Join(t.TempDir(), "nope.yaml")), []string{"nope.yaml"}},
		{"endpoint without a path", noConfig("--endpoint", "GET"), []string{"endpoint", "METHOD /path"}},

		// Configs.
		{"config with a typo", scan("--config", f["typo.yml"]), []string{"typo.yml", "concurency", "concurrency"}},
		{"config identity with a bad header", scan("--config", f["badid.yml"]), []string{"alice", "headers", "Header: value"}},
		{"config identity with a bad role", scan("--config", f["badrole.yml"]), []string{"alice", "role", "superuser"}},
		{"config identity with a bad token source", scan("--config", f["badlogin.yml"]), []string{"alice", "token"}},
		{"config that is not YAML", scan("--config", f["notyaml.yml"]), []string{"notyaml.yml"}},
		{"config autoAccounts in safe mode", scan("--config", f["autosafe.yml"]), []string{"auto-accounts", "--mode active"}},
		{"config body for a GET", scan("--config", f["badbody.yml"]), []string{"bodies", "GET /api/notes", "POST, PUT or PATCH"}},
		{"config body that is a string", scan("--config", f["scalarbody.yml"]), []string{"scalarbody.yml", "bodies", "mapping"}},
		{"config path value in braces", scan("--config", f["badvalue.yml"]), []string{"pathValues", "without braces"}},
		{"missing config", scan("--config", filepath.Join(t.TempDir(), "nope.yml")), []string{"nope.yml"}},

		// Baselines.
		{"baseline that is not JSON", noConfig("--baseline", f["notjson.json"]), []string{"notjson.json", "not JSON"}},
		{"baseline of another schema", noConfig("--baseline", f["sarif.json"]), []string{"sarif.json", "not an authgate report"}},
		{"baseline with old fingerprints", noConfig("--baseline", f["oldfp.json"]), []string{"oldfp.json", "fingerprints"}},
		{"truncated baseline", noConfig("--baseline", f["trunc.json"]), []string{"trunc.json"}},
		{"baseline with a field of the wrong type", noConfig("--baseline", f["wrongtype.json"]), []string{"wrongtype.json", "score"}},
		{"baseline whose schema holds a workflow command", noConfig("--baseline", f["hostile.json"]), []string{"hostile.json", "schema"}},
		{"missing baseline", noConfig("--baseline", filepath.Join(t.TempDir(), "none.json")), []string{"none.json"}},

		// The other commands' inputs.
		{"diff of a non-report", []string{"diff", f["notjson.json"], f["oldfp.json"]}, []string{"notjson.json"}},
		{"merge of a non-report", []string{"merge", "-o", filepath.Join(t.TempDir(), "m.json"), f["sarif.json"]}, []string{"sarif.json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := run(t, tt.args...)
			if code != ExitUsage {
				t.Fatalf("exit %d, want %d\nstderr:\n%s", code, ExitUsage, stderr)
			}
			if stdout != "" {
				t.Errorf("a usage error printed a report:\n%s", stdout)
			}
			line := badErrorLine(t, stderr)
			for _, want := range tt.want {
				if !strings.Contains(line, want) {
					t.Errorf("the error does not name %q:\n%s", want, line)
				}
			}
			for _, secret := range []string{"SECRET-FLAG-TOKEN-3a9c", "SECRET-URL-PW-77c1", "SECRET-IN-CONFIG-5d1e"} {
				if strings.Contains(stderr, secret) {
					t.Errorf("the error repeats a credential: %s", stderr)
				}
			}
		})
	}
}

// badErrorLine returns the one line of stderr that is not progress, failing
// when there are more, or when it is not inert in a CI log and a terminal.
func badErrorLine(t *testing.T, stderr string) string {
	t.Helper()
	if strings.Contains(stderr, "panic") || strings.Contains(stderr, "goroutine ") {
		t.Fatalf("panic:\n%s", stderr)
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimSuffix(stderr, "\n"), "\n") {
		progress := false
		for _, p := range badProgressPrefixes {
			progress = progress || strings.HasPrefix(l, p)
		}
		if !progress {
			lines = append(lines, l)
		}
	}
	if len(lines) != 1 || lines[0] == "" {
		t.Fatalf("want exactly one error line, got %d:\n%s", len(lines), stderr)
	}
	line := lines[0]
	if !strings.HasPrefix(line, "authgate: ") {
		t.Errorf("the error line does not start with \"authgate: \": %q", line)
	}
	if strings.Contains(line, "##[") {
		t.Errorf("the error line holds a workflow command: %q", line)
	}
	for _, r := range line {
		if unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp) {
			t.Errorf("the error line holds %U: %q", r, line)
			break
		}
	}
	return line
}

// TestBadInputIsCheapToFind: a bad baseline, config or output is found
// before the target is contacted, so a typo costs nothing.
func TestBadInputIsCheapToFind(t *testing.T) {
	f := badInputFiles(t)
	down := "http://" + freePort(t)
	for _, args := range [][]string{
		{"--baseline", f["notjson.json"]},
		{"--config", f["typo.yml"]},
		{"-o", "json=" + filepath.Join(t.TempDir(), "no", "such", "dir", "r.json")},
		{"--fail-on", "severe"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			code, _, stderr := run(t, append([]string{"scan", down, "--wait", "30s"}, args...)...)
			if code != ExitUsage || strings.Contains(stderr, "waiting for the target") {
				t.Fatalf("exit %d, want %d before contacting the target:\n%s", code, ExitUsage, stderr)
			}
		})
	}
}
