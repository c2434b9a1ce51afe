package cli

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/authgate/authgate/demo"
	"github.com/authgate/authgate/ghapi/ghtest"
)

// Recognisable credentials: each must appear in no report, log line,
// summary, comment, check run or output of a scan that uses it. Only
// ::add-mask:: lines, whose job is to carry them, may.
const (
	secretAuth   = "SECRET-AUTH-4b1d"   // --auth bearer token of the primary
	secretCookie = "SECRET-COOKIE-6c2e" // --auth Cookie of the primary
	secretPeer   = "SECRET-PEER-8d3f"   // --peer-auth bearer token
	secretPW     = "SECRET-PW-7f3e"     // carol's password, from the environment
	secretToken  = "SECRET-TOKEN-91ab"  // the token carol's login returns
	secretHeader = "SECRET-HDR-2a5c"    // dave's header, from the environment
)

var secAll = []string{secretAuth, secretCookie, secretPeer, secretPW, secretToken, secretHeader}

// secretsAPI is the vulnerable demo behind a front that accepts the
// recognisable credentials in place of the demo's own (so that every
// rule exercises them), logs carol in with her password, and adds a
// debug route whose error page echoes the request's headers, as
// framework debug pages do: the scanner must hide what the target
// repeats, not only what it sends.
type secretsAPI struct {
	demo http.Handler
	spec []byte

	mu   sync.Mutex
	seen map[string]bool // secrets that reached the API
}

func newSecretsAPI(t *testing.T) *secretsAPI {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(demo.OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	doc["paths"].(map[string]any)["/api/debug/echo"] = map[string]any{"get": map[string]any{
		"operationId": "debugEcho",
		"parameters":  []any{map[string]any{"name": "q", "in": "query", "required": true, "schema": map[string]any{"type": "string"}, "example": "1"}},
		"responses":   map[string]any{"200": map[string]any{"description": "ok"}},
	}}
	spec, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &secretsAPI{demo: demo.Vulnerable(), spec: spec, seen: map[string]bool{}}
}

func (a *secretsAPI) saw(r *http.Request, body string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	all := r.Header.Get("Authorization") + " " + r.Header.Get("Cookie") + " " + r.Header.Get("X-Api-Key") + " " + body
	for _, s := range secAll {
		if strings.Contains(all, s) {
			a.seen[s] = true
		}
	}
}

func (a *secretsAPI) used() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []string
	for s := range a.seen {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// secretsCaller maps a recognisable credential to the demo token it stands for.
func secretsCaller(r *http.Request) string {
	auth, cookie := r.Header.Get("Authorization"), r.Header.Get("Cookie")
	switch {
	case auth == "Bearer "+secretAuth || strings.Contains(cookie, "sid="+secretCookie) || auth == "Bearer "+secretToken:
		return demo.AliceToken
	case auth == "Bearer "+secretPeer || r.Header.Get("X-Api-Key") == secretHeader:
		return demo.BobToken
	}
	return ""
}

func (a *secretsAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	a.saw(r, string(body))
	switch {
	case r.URL.Path == "/openapi.json":
		w.Header().Set("Content-Type", "application/json")
		w.Write(a.spec)
		return
	case r.URL.Path == "/auth/login" && r.Method == http.MethodPost:
		var c struct{ Username, Password string }
		if json.Unmarshal(body, &c) != nil || c.Username != "carol" || c.Password != secretPW {
			http.Error(w, `{"error":"invalid credentials"}`, http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"token":%q,"user":{"email":"carol@example.com"}}`, secretToken)
		return
	case r.URL.Path == "/api/debug/echo":
		if secretsCaller(r) == "" {
			http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
			return
		}
		if r.URL.Query().Get("q") == "1" {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"ok":true}`)
			return
		}
		// The debug page: a traceback with the request's headers.
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprintf(w, "Traceback (most recent call last):\n  File \"app.py\", line 7, in echo\nValueError: bad q\n\nRequest headers:\nAuthorization: %s\nCookie: %s\nX-Api-Key: %s\n",
			r.Header.Get("Authorization"), r.Header.Get("Cookie"), r.Header.Get("X-Api-Key"))
		return
	}
	if tok := secretsCaller(r); tok != "" {
		r = r.Clone(r.Context())
		r.Header.Set("Authorization", "Bearer "+tok)
		r.Header.Del("Cookie")
	}
	a.demo.ServeHTTP(w, r)
}

// secretsConfig has carol, who logs in with a password from the
// environment, and dave, whose header comes from the environment. As
// throw-away accounts they are what the active rules log in and out.
const secretsConfig = `identities:
  - name: carol
    throwaway: %[1]t
    login:
      path: /auth/login
      body: {username: carol, password: "${AG_SECRET_PW}"}
      token: json:token
  - name: dave
    headers: ["X-Api-Key: ${AG_SECRET_HDR}"]
primary: carol
peer: dave
`

func secWriteConfig(t *testing.T, dir string, throwaway bool) string {
	t.Helper()
	p := filepath.Join(dir, "authgate.yml")
	if err := os.WriteFile(p, []byte(fmt.Sprintf(secretsConfig, throwaway)), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// secReportFiles are the -o outputs of a scan, one per format.
func secReportFiles(dir string) []string {
	var args []string
	for _, name := range []string{"r.json", "r.sarif", "r.md", "r.xml", "r.txt"} {
		args = append(args, "-o", filepath.Join(dir, name))
	}
	return args
}

// secAssertNone fails when text holds any recognisable credential or
// its distinctive end (a partly redacted or truncated one).
func secAssertNone(t *testing.T, where, text string) {
	t.Helper()
	for _, s := range secAll {
		if strings.Contains(text, s) || strings.Contains(text, s[len("SECRET-"):]) {
			t.Errorf("%s holds %s:\n%s", where, s, secExcerpt(text, s[len("SECRET-"):]))
		}
	}
}

func secExcerpt(text, s string) string {
	i := strings.Index(text, s)
	if i < 0 {
		return ""
	}
	return text[max(0, i-200):min(len(text), i+len(s)+100)]
}

// TestSecretsNeverPrinted runs full scans of the vulnerable demo with
// recognisable credentials from every source (flags, a Cookie, a config
// identity with a login flow and one with a header from the
// environment), in safe and active mode, and writes every report
// format: no credential may appear in any of them or on stdout/stderr,
// although the target echoes them in its error pages.
func TestSecretsNeverPrinted(t *testing.T) {
	t.Setenv("AG_SECRET_PW", secretPW)
	t.Setenv("AG_SECRET_HDR", secretHeader)
	tests := []struct {
		name string
		args func(dir string) []string
		// used are the credentials the scan must have sent, so that the
		// test cannot pass by not using them.
		used []string
	}{
		{"flags with a cookie, config identities alongside", func(dir string) []string {
			return []string{"--auth", "Authorization: Bearer " + secretAuth, "--auth", "Cookie: sid=" + secretCookie + "; theme=dark",
				"--peer-auth", "Authorization: Bearer " + secretPeer, "--config", secWriteConfig(t, dir, false)}
		}, []string{secretAuth, secretCookie, secretPeer, secretPW}},
		{"config identities with a login flow", func(dir string) []string {
			return []string{"--config", secWriteConfig(t, dir, false)}
		}, []string{secretPW, secretToken, secretHeader}},
		{"active mode with a throw-away login", func(dir string) []string {
			return []string{"--config", secWriteConfig(t, dir, true), "--mode", "active",
				"--auth", "Authorization: Bearer " + secretAuth, "--peer-auth", "Authorization: Bearer " + secretPeer}
		}, []string{secretAuth, secretPeer, secretPW, secretToken}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newSecretsAPI(t)
			srv := httptest.NewServer(api)
			defer srv.Close()
			dir := t.TempDir()
			args := append([]string{"scan", srv.URL, "--rate", "0", "--wait", "2s", "--format", "text"}, tt.args(dir)...)
			code, stdout, stderr := run(t, append(args, secReportFiles(dir)...)...)
			if code != ExitGateFailed {
				t.Fatalf("exit %d, want 1 (the vulnerable demo fails the gate)\n%s", code, stderr)
			}
			used := api.used()
			for _, s := range tt.used {
				if !strings.Contains(strings.Join(used, " "), s) {
					t.Errorf("the scan never sent %s (sent %v): the test proves nothing", s, used)
				}
			}
			secAssertNone(t, "stdout", stdout)
			secAssertNone(t, "stderr", stderr)
			redactions := 0
			for _, name := range []string{"r.json", "r.sarif", "r.md", "r.xml", "r.txt"} {
				data, err := os.ReadFile(filepath.Join(dir, name))
				if err != nil {
					t.Fatal(err)
				}
				secAssertNone(t, name, string(data))
				redactions += strings.Count(string(data), "REDACTED")
			}
			rep := readReport(t, filepath.Join(dir, "r.json"))
			if !ruleSet(rep)["verbose-error-disclosure"] {
				t.Errorf("the echoing debug page was not reported; findings %v", ruleSet(rep))
			}
			if redactions == 0 {
				t.Error("nothing was redacted: the echoed credentials never reached a report")
			}
		})
	}
}

// TestActionSecretsNeverPrinted runs the Action with the recognisable
// credentials as inputs and from the config file, against the fake
// GitHub: the log (but for ::add-mask::), stderr, the outputs, the job
// summary, the report files, the PR comment and the check run (summary,
// text and every annotation) must hold none of them. A read-only token
// runs the fallback path too, where annotations go to the log.
func TestActionSecretsNeverPrinted(t *testing.T) {
	for _, readOnly := range []bool{false, true} {
		t.Run(fmt.Sprintf("read-only token %v", readOnly), func(t *testing.T) {
			api := newSecretsAPI(t)
			srv := httptest.NewServer(api)
			defer srv.Close()
			gh := ghtest.New(t)
			if readOnly {
				gh.ReadOnly()
			}
			ws := workspaceWithRoutes(t)
			secWriteConfig(t, ws, false)
			r := newActionRun(t, ws, srv.URL, gh.URL, prEvent)
			r.env["INPUT_AUTH-HEADER"] = "Authorization: Bearer " + secretAuth + "\nCookie: sid=" + secretCookie + "; theme=dark"
			r.env["INPUT_PEER-AUTH-HEADER"] = "Authorization: Bearer " + secretPeer
			r.env["INPUT_CONFIG"] = "authgate.yml"
			r.env["AG_SECRET_PW"] = secretPW
			r.env["AG_SECRET_HDR"] = secretHeader
			if code := r.run(); code != ExitGateFailed {
				t.Fatalf("exit %d, want 1\nlog:\n%s\nstderr:\n%s", code, r.log.String(), r.stderr.String())
			}
			used := strings.Join(api.used(), " ")
			for _, s := range []string{secretAuth, secretCookie, secretPeer, secretPW} {
				if !strings.Contains(used, s) {
					t.Errorf("the scan never sent %s: the test proves nothing", s)
				}
			}

			masked := 0
			for _, line := range strings.Split(r.log.String(), "\n") {
				if strings.HasPrefix(line, "::add-mask::") {
					masked++
					continue
				}
				secAssertNone(t, "log line", line)
			}
			if masked == 0 {
				t.Error("no ::add-mask:: line: the runner would show any credential that slipped through")
			}
			secAssertNone(t, "stderr", r.stderr.String())
			for _, f := range []string{r.env["GITHUB_OUTPUT"], r.env["GITHUB_STEP_SUMMARY"], filepath.Join(ws, "authgate.json"), filepath.Join(ws, "authgate.sarif")} {
				data, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				secAssertNone(t, filepath.Base(f), string(data))
			}
			for _, c := range gh.Comments("octo", "shop", 42) {
				secAssertNone(t, "PR comment", c.Body)
			}
			for _, cr := range gh.CheckRuns() {
				secAssertNone(t, "check run", cr.Title+"\n"+cr.Summary+"\n"+cr.Text)
				for _, a := range cr.Annotations {
					secAssertNone(t, "annotation", a.Title+"\n"+a.Message+"\n"+a.RawDetails)
				}
			}
			if readOnly && !strings.Contains(r.log.String(), "::error ") {
				t.Error("the read-only run wrote no log annotations: the fallback path was not exercised")
			}
			if !readOnly && (len(gh.CheckRuns()) == 0 || len(gh.Comments("octo", "shop", 42)) == 0) {
				t.Error("no check run or comment: the GitHub path was not exercised")
			}
		})
	}
}

// inertHostileText is what a preview deployment built from a pull request can
// put in its answers: a workflow command at a line start, the legacy
// command anywhere, HTML with a script, a mention, a javascript: link,
// code spans, table pipes and line breaks.
const inertHostileText = "x`y` a|b ::error::pwned <img src=x onerror=alert(1)> @octocat [c](javascript:alert(1)) " +
	"\n::warning::newline\r\n##[error]legacy \x1b[2J"

// inertHostileAPI is an API whose records and error pages carry inertHostileText:
// as a key of a personal record (the evidence names such keys), in an
// error body, and in a header.
func inertHostileAPI() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/user" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Debug", strings.NewReplacer("\n", " ", "\r", " ", "\x1b", " ").Replace(inertHostileText))
		id := r.URL.Query().Get("user_id")
		if id == "" || len(id) > 100 {
			w.WriteHeader(http.StatusInternalServerError)
			json.NewEncoder(w).Encode(map[string]string{"error": "Traceback (most recent call last):\n" + inertHostileText})
			return
		}
		json.NewEncoder(w).Encode(map[string]string{"user_id": id, "email": "u" + id + "@example.com", inertHostileText: "v" + id + "@example.com"})
	})
}

// secMarkdownLeaks are raw forms of inertHostileText that must not survive in
// rendered Markdown outside code fences.
var secMarkdownLeaks = []string{"<img", "@octocat", "](javascript", "`y`", "a|b", "##[error]legacy", "\x1b"}

// secLogLeaks would act in a CI log or a terminal.
var secLogLeaks = []string{"##[error]legacy", "\x1b"}

// secCheckMarkdown checks Markdown a hostile target's text went into.
func secCheckMarkdown(t *testing.T, where, md string) {
	t.Helper()
	if !strings.Contains(md, "octocat") {
		t.Errorf("%s lacks the target's text (escaped): the test proves nothing:\n%s", where, md)
	}
	prose := secWithoutFences(md)
	for _, bad := range secMarkdownLeaks {
		if strings.Contains(prose, bad) {
			t.Errorf("%s holds %q raw:\n%s", where, bad, secExcerpt(prose, bad))
		}
	}
	secCheckLog(t, where, md)
}

// secCheckLog checks text that may be printed to a CI log.
func secCheckLog(t *testing.T, where, text string) {
	t.Helper()
	for _, line := range strings.Split(text, "\n") {
		l := strings.TrimSpace(line)
		if strings.HasPrefix(l, "::error::pwned") || strings.HasPrefix(l, "::warning::newline") {
			t.Errorf("%s: target text starts a workflow command: %q", where, line)
		}
		for _, bad := range secLogLeaks {
			// The runner reads a line as a "::" command first and
			// looks for the legacy "##[" only in lines that are not
			// one: inside authgate's own annotations it is data.
			if strings.Contains(line, bad) && !(bad == "##[error]legacy" && secOwnCommand(l)) {
				t.Errorf("%s holds %q raw:\n%s", where, bad, secExcerpt(line, bad))
			}
		}
	}
}

// secOwnCommand reports whether a log line is one of the workflow commands
// authgate itself writes, whose data go-githubactions escapes.
func secOwnCommand(line string) bool {
	for _, p := range []string{"::error ", "::error::", "::warning ", "::warning::", "::notice ", "::notice::"} {
		if strings.HasPrefix(line, p) && !strings.HasPrefix(line, "::error::pwned") && !strings.HasPrefix(line, "::warning::newline") {
			return true
		}
	}
	return false
}

// secWithoutFences drops fenced code blocks, whose content GitHub shows as
// typed.
func secWithoutFences(md string) string {
	var out []string
	fence := ""
	for _, line := range strings.Split(md, "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case fence == "" && strings.HasPrefix(trimmed, "```"):
			fence = strings.TrimRight(trimmed, "abcdefghijklmnopqrstuvwxyz")
		case fence != "" && trimmed == fence:
			fence = ""
		case fence == "":
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

// TestHostileTargetContentIsInert scans an API whose answers carry
// workflow commands, HTML, mentions, links, backticks, pipes and line
// breaks, through the CLI (every report format and stdout/stderr) and
// through the Action (log, summary, comment, check run): the text shows
// up escaped, never able to act.
func TestHostileTargetContentIsInert(t *testing.T) {
	api := httptest.NewServer(inertHostileAPI())
	defer api.Close()

	t.Run("cli", func(t *testing.T) {
		dir := t.TempDir()
		args := append([]string{"scan", api.URL + "/user?user_id=1", "--rate", "0", "--config", "", "--format", "text"}, secReportFiles(dir)...)
		code, stdout, stderr := run(t, args...)
		if code != ExitGateFailed {
			t.Fatalf("exit %d, want 1\n%s", code, stderr)
		}
		secCheckLog(t, "stdout", stdout)
		secCheckLog(t, "stderr", stderr)
		read := func(name string) string {
			data, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			return string(data)
		}
		secCheckMarkdown(t, "r.md", read("r.md"))
		for _, name := range []string{"r.json", "r.sarif", "r.txt", "r.xml"} {
			secCheckLog(t, name, read(name))
		}
		if !json.Valid([]byte(read("r.json"))) || !json.Valid([]byte(read("r.sarif"))) {
			t.Error("hostile text broke the JSON or SARIF report")
		}
		if err := xml.Unmarshal([]byte(read("r.xml")), new(struct{})); err != nil {
			t.Errorf("hostile text broke the JUnit XML: %v", err)
		}
	})

	for _, readOnly := range []bool{false, true} {
		t.Run(fmt.Sprintf("action, read-only token %v", readOnly), func(t *testing.T) {
			gh := ghtest.New(t)
			if readOnly {
				gh.ReadOnly()
			}
			r := newActionRun(t, t.TempDir(), api.URL+"/user?user_id=1", gh.URL, prEvent)
			delete(r.env, "INPUT_AUTH-HEADER")
			delete(r.env, "INPUT_PEER-AUTH-HEADER")
			if code := r.run(); code != ExitGateFailed {
				t.Fatalf("exit %d, want 1\n%s\n%s", code, r.log.String(), r.stderr.String())
			}
			secCheckLog(t, "log", r.log.String())
			secCheckLog(t, "stderr", r.stderr.String())
			sum, err := os.ReadFile(r.env["GITHUB_STEP_SUMMARY"])
			if err != nil {
				t.Fatal(err)
			}
			secCheckMarkdown(t, "job summary", string(sum))
			out, _ := os.ReadFile(r.env["GITHUB_OUTPUT"])
			secCheckLog(t, "outputs", string(out))
			if readOnly {
				return
			}
			comments := gh.Comments("octo", "shop", 42)
			if len(comments) != 1 {
				t.Fatalf("%d comments, want 1", len(comments))
			}
			secCheckMarkdown(t, "PR comment", comments[0].Body)
			for _, cr := range gh.CheckRuns() {
				secCheckMarkdown(t, "check run summary", cr.Summary)
				if cr.Text != "" {
					secCheckMarkdown(t, "check run text", cr.Text)
				}
				for _, a := range cr.Annotations {
					secCheckLog(t, "annotation", a.Title+"\n"+a.Message+"\n"+a.RawDetails)
				}
			}
		})
	}
}
