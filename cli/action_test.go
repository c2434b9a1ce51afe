package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"unicode/utf8"

	"github.com/authgate/authgate/demo"
	"github.com/authgate/authgate/ghapi"
	"github.com/authgate/authgate/ghapi/ghtest"
	"github.com/authgate/authgate/report"
	"go.yaml.in/yaml/v3"
)

// actionRun is one run of the container Action with only the environment
// a GitHub runner gives it.
type actionRun struct {
	env       map[string]string
	workspace string
	log       bytes.Buffer
	stderr    bytes.Buffer
}

const prEvent = `{"pull_request":{"number":42,"head":{"sha":"headsha1","repo":{"full_name":"octo/shop"}},"base":{"repo":{"full_name":"octo/shop"}}}}`
const forkEvent = `{"pull_request":{"number":43,"head":{"sha":"forksha","repo":{"full_name":"mallory/shop"}},"base":{"repo":{"full_name":"octo/shop"}}}}`

func newActionRun(t *testing.T, workspace, target, apiURL, event string) *actionRun {
	t.Helper()
	dir := t.TempDir()
	evPath := filepath.Join(dir, "event.json")
	if err := os.WriteFile(evPath, []byte(event), 0o600); err != nil {
		t.Fatal(err)
	}
	return &actionRun{workspace: workspace, env: map[string]string{
		"GITHUB_ACTIONS":             "true",
		"GITHUB_EVENT_NAME":          "pull_request",
		"GITHUB_EVENT_PATH":          evPath,
		"GITHUB_REPOSITORY":          "octo/shop",
		"GITHUB_SHA":                 "mergesha",
		"GITHUB_WORKSPACE":           workspace,
		"GITHUB_API_URL":             apiURL,
		"GITHUB_OUTPUT":              filepath.Join(dir, "output"),
		"GITHUB_STEP_SUMMARY":        filepath.Join(dir, "summary"),
		"INPUT_TARGET":               target,
		"INPUT_AUTH-HEADER":          "Authorization: Bearer " + demo.AliceToken,
		"INPUT_PEER-AUTH-HEADER":     "Authorization: Bearer " + demo.BobToken,
		"INPUT_GITHUB-TOKEN":         ghtest.Token,
		"INPUT_RATE":                 "0",
		"INPUT_WAIT":                 "5s",
		"INPUT_CHECK-NAME":           "authgate",
		"INPUT_FAIL-UNDER":           "70",
		"INPUT_FAIL-ON":              "high",
		"INPUT_ANNOTATE":             "true",
		"INPUT_SARIF":                "authgate.sarif",
		"INPUT_REPORT":               "authgate.json",
		"INPUT_MODE":                 "safe",
		"INPUT_CONFIG":               "",
		"INPUT_ENDPOINTS":            "",
		"INPUT_BASELINE":             "",
		"INPUT_BASELINE-URL":         "",
		"INPUT_MAX-SCORE-DROP":       "",
		"INPUT_SHARD":                "",
		"INPUT_COMMENT":              "",
		"INPUT_OPENAPI":              "",
		"RUNNER_TEMP":                dir,
		"GITHUB_ACTION_REPOSITORY":   "authgate/authgate",
		"GITHUB_RUN_ID":              "1",
		"GITHUB_RUN_ATTEMPT":         "1",
		"GITHUB_RETENTION_DAYS":      "90",
		"GITHUB_REF_PROTECTED":       "false",
		"GITHUB_RUN_NUMBER":          "7",
		"GITHUB_REPOSITORY_OWNER":    "octo",
		"GITHUB_REPOSITORY_OWNER_ID": "1",
	}}
}

func (r *actionRun) run() int {
	return Run(context.Background(), []string{"action"}, Env{
		Stdout: &r.log, Stderr: &r.stderr,
		Getenv: func(k string) string { return r.env[k] },
	})
}

// workspaceWithRoutes is a repository whose source declares the demo's
// routes, so annotations have a line to point at.
func workspaceWithRoutes(t *testing.T) string {
	t.Helper()
	ws := t.TempDir()
	src := "from flask import Flask\napp = Flask(__name__)\n\n\n@app.route('/user')\ndef get_user():\n    pass\n\n\n@app.get('/api/orders/<int:order_id>')\ndef get_order(order_id):\n    pass\n"
	if err := os.WriteFile(filepath.Join(ws, "app.py"), []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	return ws
}

// TestActionEndToEnd runs the whole Action twice on one pull request: a
// check run on the head commit with annotations on the route handlers,
// exactly one sticky comment, outputs, summary, JSON and SARIF files, and
// the gate's exit code.
func TestActionEndToEnd(t *testing.T) {
	api := httptest.NewServer(demo.Vulnerable())
	defer api.Close()
	gh := ghtest.New(t)
	ws := workspaceWithRoutes(t)

	for i := range 2 {
		r := newActionRun(t, ws, api.URL, gh.URL, prEvent)
		if code := r.run(); code != ExitGateFailed {
			t.Fatalf("run %d: exit %d, want 1\nlog:\n%s\nstderr:\n%s", i, code, r.log.String(), r.stderr.String())
		}
		// The runner hides masked values; add-mask itself must carry them.
		for _, line := range strings.Split(r.log.String()+r.stderr.String(), "\n") {
			if strings.Contains(line, demo.AliceToken) && !strings.HasPrefix(line, "::add-mask::") {
				t.Fatalf("a credential appears in the log: %q", line)
			}
		}
		out, _ := os.ReadFile(r.env["GITHUB_OUTPUT"])
		if !strings.Contains(string(out), "passed<<") || !strings.Contains(string(out), "\nfalse\n") {
			t.Errorf("outputs:\n%s", out)
		}
		sum, _ := os.ReadFile(r.env["GITHUB_STEP_SUMMARY"])
		if !strings.Contains(string(sum), "authn-missing") {
			t.Errorf("the job summary lacks the findings")
		}
		assertVerdictAfterGroup(t, r.log.String(), "::error::authgate: the gate failed: ")
	}
	for _, f := range []string{"authgate.json", "authgate.sarif"} {
		if _, err := os.Stat(filepath.Join(ws, f)); err != nil {
			t.Errorf("%s not written to the workspace: %v", f, err)
		}
	}

	runs := gh.CheckRuns()
	if len(runs) != 2 {
		t.Fatalf("%d check runs, want one per run", len(runs))
	}
	cr := runs[1]
	if cr.HeadSHA != "headsha1" || cr.Status != "completed" || cr.Conclusion != "failure" || cr.Name != "authgate" {
		t.Errorf("check run = %+v", cr)
	}
	for _, a := range cr.Annotations {
		// @app.route('/user') is line 5, the orders route line 10.
		if a.Path != "app.py" || (a.StartLine != 5 && a.StartLine != 10) {
			t.Errorf("annotation on %s:%d", a.Path, a.StartLine)
		}
	}
	if len(cr.Annotations) == 0 {
		t.Fatal("no annotations")
	}
	comments := gh.Comments("octo", "shop", 42)
	if len(comments) != 1 {
		t.Fatalf("%d comments after two runs, want exactly one", len(comments))
	}
	// The second run updates the comment in place, or leaves it when the
	// body came out the same.
	if comments[0].Edits > 1 || !strings.Contains(comments[0].Body, "authn-missing") {
		t.Errorf("comment = %+v", comments[0])
	}
}

// TestActionReadOnlyToken degrades to log annotations and the summary,
// says so once, and keeps the gate's exit code.
func TestActionReadOnlyToken(t *testing.T) {
	api := httptest.NewServer(demo.Vulnerable())
	defer api.Close()
	gh := ghtest.New(t)
	gh.ReadOnly()
	r := newActionRun(t, workspaceWithRoutes(t), api.URL, gh.URL, prEvent)
	if code := r.run(); code != ExitGateFailed {
		t.Fatalf("exit %d, want 1 (the gate, not the token)\n%s\n%s", code, r.log.String(), r.stderr.String())
	}
	log := r.log.String()
	if n := strings.Count(log, "::notice::authgate: no check run"); n != 1 {
		t.Errorf("%d fallback notices, want exactly one:\n%s", n, log)
	}
	if !strings.Contains(log, "::error ") {
		t.Errorf("no log annotations:\n%s", log)
	}
	if len(gh.Comments("octo", "shop", 42)) != 0 {
		t.Error("a read-only token wrote a comment")
	}
}

// TestActionForkMakesNoAPICalls: the token of a fork's pull request is
// read-only, so the Action does not even try.
func TestActionForkMakesNoAPICalls(t *testing.T) {
	api := httptest.NewServer(demo.Secure())
	defer api.Close()
	gh := ghtest.New(t)
	r := newActionRun(t, workspaceWithRoutes(t), api.URL, gh.URL, forkEvent)
	if code := r.run(); code != ExitPassed {
		t.Fatalf("exit %d, want 0 for the secure API\n%s\n%s", code, r.log.String(), r.stderr.String())
	}
	if n := gh.RequestCount(); n != 0 {
		t.Errorf("%d GitHub API requests for a fork, want 0", n)
	}
	if !strings.Contains(r.log.String(), "fork") {
		t.Errorf("the notice does not say why:\n%s", r.log.String())
	}
}

func TestActionExitCodes(t *testing.T) {
	gh := ghtest.New(t)
	t.Run("missing target", func(t *testing.T) {
		r := newActionRun(t, t.TempDir(), "", gh.URL, prEvent)
		if code := r.run(); code != ExitUsage {
			t.Fatalf("exit %d, want 2", code)
		}
		if !strings.Contains(r.log.String(), "::error::authgate: input target is required") {
			t.Errorf("no error annotation:\n%s", r.log.String())
		}
		sum, _ := os.ReadFile(r.env["GITHUB_STEP_SUMMARY"])
		if !strings.Contains(string(sum), "input target is required") {
			t.Errorf("the summary does not say why:\n%s", sum)
		}
		if got := readOutputs(t, r.env["GITHUB_OUTPUT"]); len(got) != 1 || got["passed"] != "false" {
			t.Errorf("outputs = %v, want passed=false only", got)
		}
	})
	t.Run("unreachable target", func(t *testing.T) {
		r := newActionRun(t, t.TempDir(), "http://"+freePort(t), gh.URL, prEvent)
		r.env["INPUT_WAIT"] = "300ms"
		if code := r.run(); code != ExitScanFailed {
			t.Fatalf("exit %d, want 3\n%s", code, r.stderr.String())
		}
	})
}

// assertVerdictAfterGroup: the log's one verdict line starts with prefix
// and comes after the collapsed group of the scan's log, where a reader
// of a red job sees it without unfolding anything.
func assertVerdictAfterGroup(t *testing.T, log, prefix string) string {
	t.Helper()
	end := strings.Index(log, "::endgroup::")
	if end < 0 {
		t.Fatalf("no group in the log:\n%s", log)
	}
	var verdicts []string
	for _, line := range strings.Split(log, "\n") {
		if strings.HasPrefix(line, prefix) {
			verdicts = append(verdicts, line)
		}
	}
	if len(verdicts) != 1 {
		t.Fatalf("%d lines start with %q, want one:\n%s", len(verdicts), prefix, log)
	}
	if strings.Index(log, verdicts[0]) < end {
		t.Errorf("the verdict is inside the collapsed group:\n%s", log)
	}
	return verdicts[0]
}

// readOutputs parses GITHUB_OUTPUT's name<<delimiter blocks.
func readOutputs(t *testing.T, path string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	out := map[string]string{}
	lines := strings.Split(string(data), "\n")
	for i := 0; i+2 < len(lines); i++ {
		name, delim, ok := strings.Cut(lines[i], "<<")
		if !ok {
			continue
		}
		var val []string
		for i++; i < len(lines) && lines[i] != delim; i++ {
			val = append(val, lines[i])
		}
		out[name] = strings.Join(val, "\n")
	}
	return out
}

// TestActionCouldNotRun: on exit 2 and 3 the reason the tool knows is in
// the log's error line (after the group), the job summary, the check run
// and the sticky comment; outputs are passed=false only (no invented score
// or grade, no report-path for a baseline upload to follow); and no empty
// report file is left in the workspace.
func TestActionCouldNotRun(t *testing.T) {
	tests := []struct {
		name     string
		code     int
		setup    func(t *testing.T, r *actionRun)
		inReason string // part of the reason the CLI printed
	}{
		{"unreachable target", ExitScanFailed, func(t *testing.T, r *actionRun) {
			r.env["INPUT_TARGET"] = "http://" + freePort(t)
			r.env["INPUT_WAIT"] = "300ms"
		}, "target unreachable"},
		{"missing baseline", ExitUsage, func(t *testing.T, r *actionRun) {
			r.env["INPUT_BASELINE"] = "nightly/authgate.json"
		}, "authgate.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := httptest.NewServer(demo.Secure())
			defer api.Close()
			gh := ghtest.New(t)
			ws := t.TempDir()
			r := newActionRun(t, ws, api.URL, gh.URL, prEvent)
			tt.setup(t, r)
			if code := r.run(); code != tt.code {
				t.Fatalf("exit %d, want %d\n%s\n%s", code, tt.code, r.log.String(), r.stderr.String())
			}
			line := assertVerdictAfterGroup(t, r.log.String(), "::error::authgate could not scan ")
			if !strings.Contains(line, tt.inReason) {
				t.Errorf("the error line lacks the reason %q: %s", tt.inReason, line)
			}

			sum, _ := os.ReadFile(r.env["GITHUB_STEP_SUMMARY"])
			runs := gh.CheckRuns()
			if len(runs) != 1 || runs[0].Conclusion != "failure" || runs[0].Status != "completed" {
				t.Fatalf("check runs = %+v", runs)
			}
			comments := gh.Comments("octo", "shop", 42)
			if len(comments) != 1 {
				t.Fatalf("%d comments, want the sticky one saying why", len(comments))
			}
			for name, text := range map[string]string{"summary": string(sum), "check run": runs[0].Summary, "comment": comments[0].Body} {
				if !strings.Contains(text, report.EscapeMarkdown(tt.inReason)) || strings.Contains(text, "see the job log") {
					t.Errorf("the %s does not state the reason %q:\n%s", name, tt.inReason, text)
				}
			}

			got := readOutputs(t, r.env["GITHUB_OUTPUT"])
			if len(got) != 1 || got["passed"] != "false" {
				t.Errorf("outputs = %v, want passed=false only", got)
			}
			assertFiles(t, ws)
		})
	}
}

// TestActionStickyCommentAcrossPreviewURLs: a preview URL per commit
// (Vercel, Netlify, Cloudflare Pages) updates the one comment of the pull
// request's check and job, including one an earlier authgate keyed by the
// target; the comment says which commit it describes, when the scan ran,
// and links to the run.
func TestActionStickyCommentAcrossPreviewURLs(t *testing.T) {
	gh := ghtest.New(t)
	ws := workspaceWithRoutes(t)
	legacy := ghapi.Marker("check=authgate", "workflow=authgate pull request", "job=scan", "target=0a1b2c3d")
	gh.AddComment("octo", "shop", 42, ghtest.BotLogin, legacy+"\nscore 100/100 of an older preview")
	gh.AddComment("octo", "shop", 42, "octocat", "LGTM")
	for i, sha := range []string{"1111111aaaa", "2222222bbbb"} {
		api := httptest.NewServer(demo.Vulnerable())
		event := strings.Replace(prEvent, "headsha1", sha, 1)
		r := newActionRun(t, ws, api.URL, gh.URL, event)
		r.env["GITHUB_WORKFLOW"] = "authgate pull request"
		r.env["GITHUB_JOB"] = "scan"
		r.env["GITHUB_SERVER_URL"] = "https://github.com"
		r.env["GITHUB_RUN_ID"] = "987654"
		r.env["GITHUB_RUN_ATTEMPT"] = strconv.Itoa(i + 1)
		code := r.run()
		api.Close()
		if code != ExitGateFailed {
			t.Fatalf("run %d: exit %d\n%s", i, code, r.stderr.String())
		}
	}
	comments := gh.Comments("octo", "shop", 42)
	if len(comments) != 2 {
		t.Fatalf("%d comments, want the human's and one sticky comment", len(comments))
	}
	body := comments[0].Body
	for _, want := range []string{
		"commit [`2222222`](https://github.com/octo/shop/commit/2222222bbbb)",
		"[workflow run (attempt 2)](https://github.com/octo/shop/actions/runs/987654/attempts/2)",
		"authn-missing",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the comment lacks %q:\n%s", want, body)
		}
	}
	if !regexp.MustCompile(`scanned \d{4}-\d\d-\d\d \d\d:\d\d UTC`).MatchString(body) {
		t.Errorf("the comment does not say when the scan ran:\n%s", body)
	}
	if strings.Contains(body, "target=") || strings.Contains(body, "older preview") {
		t.Errorf("the old marker or body survived:\n%s", body)
	}
}

// TestActionHostileTarget: everything the target returns is untrusted (a
// preview is built from the pull request's code). Its text must not inject
// HTML, mentions or workflow commands into the comment, the summary, the
// check run or the log.
func TestActionHostileTarget(t *testing.T) {
	const evil = "<script>alert(1)</script> @octocat [click](http://evil.example) \n::error::pwned ##[error]pwned"
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.URL.Query().Get("user_id")
		if r.URL.Path != "/user" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if id == "" || len(id) > 100 {
			w.WriteHeader(500)
			json.NewEncoder(w).Encode(map[string]string{"error": "Traceback (most recent call last):\n" + evil})
			return
		}
		// The hostile text as a key: the evidence summary names the keys
		// that hold personal data, so it reaches every report.
		json.NewEncoder(w).Encode(map[string]string{"user_id": id, "email": "u" + id + "@example.com", evil: "v" + id + "@example.com"})
	}))
	defer api.Close()
	gh := ghtest.New(t)
	r := newActionRun(t, t.TempDir(), api.URL+"/user?user_id=1", gh.URL, prEvent)
	delete(r.env, "INPUT_AUTH-HEADER")
	delete(r.env, "INPUT_PEER-AUTH-HEADER")
	if code := r.run(); code != ExitGateFailed {
		t.Fatalf("exit %d, want 1\n%s\n%s", code, r.log.String(), r.stderr.String())
	}
	comments := gh.Comments("octo", "shop", 42)
	if len(comments) != 1 {
		t.Fatalf("%d comments", len(comments))
	}
	sum, _ := os.ReadFile(r.env["GITHUB_STEP_SUMMARY"])
	runs := gh.CheckRuns()
	texts := map[string]string{"comment": comments[0].Body, "summary": string(sum), "check run": runs[0].Summary}
	for name, text := range texts {
		if !strings.Contains(text, "verbose-error-disclosure") || !strings.Contains(text, "octocat") {
			t.Errorf("%s lacks the finding or its hostile evidence:\n%s", name, text)
		}
		for _, bad := range []string{"<script>", "@octocat", "](http://evil.example)"} {
			if strings.Contains(text, bad) {
				t.Errorf("%s contains %q raw", name, bad)
			}
		}
	}
	for _, line := range strings.Split(r.log.String()+"\n"+r.stderr.String(), "\n") {
		l := strings.TrimSpace(line)
		if strings.HasPrefix(l, "::error::pwned") || strings.Contains(l, "##[error]pwned") {
			t.Errorf("target text became a workflow command: %q", line)
		}
	}
}

// TestActionScopesAndFaults: shards keep their own comments, and transient
// GitHub faults are retried without failing anything.
func TestActionScopesAndFaults(t *testing.T) {
	api := httptest.NewServer(demo.Vulnerable())
	defer api.Close()
	gh := ghtest.New(t)
	ws := workspaceWithRoutes(t)
	for _, shard := range []string{"1/2", "2/2", "1/2"} {
		gh.FailNext(1, 502, nil)
		r := newActionRun(t, ws, api.URL, gh.URL, prEvent)
		r.env["INPUT_SHARD"] = shard
		r.env["GITHUB_JOB"] = "scan"
		if code := r.run(); code != ExitGateFailed && code != ExitPassed {
			t.Fatalf("shard %s: exit %d\n%s", shard, code, r.stderr.String())
		}
		if strings.Contains(r.log.String(), "::warning::authgate") {
			t.Errorf("shard %s: a transient 502 became a warning:\n%s", shard, r.log.String())
		}
	}
	if n := len(gh.Comments("octo", "shop", 42)); n != 2 {
		t.Fatalf("%d comments, want one per shard", n)
	}
	for _, cr := range gh.CheckRuns() {
		if cr.Status != "completed" {
			t.Errorf("check run %d left %s", cr.ID, cr.Status)
		}
	}
}

func TestSARIFFallback(t *testing.T) {
	ws := t.TempDir()
	env := Env{Getenv: func(k string) string {
		return map[string]string{"GITHUB_WORKFLOW_REF": "octo/shop/.github/workflows/authgate.yml@refs/pull/42/merge"}[k]
	}}
	if got := sarifFallback(env, ws, filepath.Join(ws, "api", "openapi.yaml")); got.File != "api/openapi.yaml" {
		t.Errorf("spec in the workspace: %+v", got)
	}
	if got := sarifFallback(env, ws, "/elsewhere/openapi.yaml"); got.File != ".github/workflows/authgate.yml" {
		t.Errorf("spec outside: %+v", got)
	}
	if got := sarifFallback(Env{Getenv: func(string) string { return "" }}, ws, ""); got.File != "" {
		t.Errorf("nothing known: %+v", got)
	}
}

// TestActionFailedScanIsNeverGreen: a target that stops answering after
// the readiness probe gives exit 3, and the check run, the outputs and the
// exit code all say failure.
func TestActionFailedScanIsNeverGreen(t *testing.T) {
	var n atomic.Int32
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			return // the readiness probe
		}
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	defer api.Close()
	gh := ghtest.New(t)
	r := newActionRun(t, t.TempDir(), api.URL, gh.URL, prEvent)
	r.env["INPUT_ENDPOINTS"] = "GET /user?user_id=1"
	if code := r.run(); code != ExitScanFailed {
		t.Fatalf("exit %d, want 3\n%s", code, r.stderr.String())
	}
	runs := gh.CheckRuns()
	if len(runs) != 1 || runs[0].Conclusion != "failure" || runs[0].Status != "completed" {
		t.Fatalf("check runs = %+v", runs)
	}
	out, _ := os.ReadFile(r.env["GITHUB_OUTPUT"])
	if !strings.Contains(string(out), "passed<<") || strings.Contains(string(out), "\ntrue\n") {
		t.Errorf("passed must be false:\n%s", out)
	}
}

// TestActionAnnotatesTheRepositorysSpec: the scan discovers the
// description on the target, and the annotations still point at the
// operation in the repository's copy of it.
func TestActionAnnotatesTheRepositorysSpec(t *testing.T) {
	api := httptest.NewServer(demo.Vulnerable())
	defer api.Close()
	gh := ghtest.New(t)
	ws := t.TempDir()
	if err := os.WriteFile(filepath.Join(ws, "openapi.json"), demo.OpenAPI(), 0o600); err != nil {
		t.Fatal(err)
	}
	r := newActionRun(t, ws, api.URL, gh.URL, prEvent)
	if code := r.run(); code != ExitGateFailed {
		t.Fatalf("exit %d\n%s", code, r.stderr.String())
	}
	runs := gh.CheckRuns()
	if len(runs) != 1 || len(runs[0].Annotations) == 0 {
		t.Fatalf("check runs = %+v", runs)
	}
	for _, a := range runs[0].Annotations {
		if a.Path != "openapi.json" || a.StartLine < 2 {
			t.Errorf("annotation at %s:%d, want the operation in openapi.json", a.Path, a.StartLine)
		}
	}
}

// TestActionMerge is the last job of a sharded matrix: the Action merges
// the shard reports, gates once, and writes one check run and comment.
func TestActionMerge(t *testing.T) {
	api := httptest.NewServer(demo.Vulnerable())
	defer api.Close()
	ws := t.TempDir()
	for _, shard := range []string{"1", "2"} {
		code, _, stderr := run(t, "scan", api.URL, "--shard", shard+"/2", "--rate", "0", "--config", "",
			"--auth", "Authorization: Bearer "+demo.AliceToken, "--peer-auth", "Authorization: Bearer "+demo.BobToken,
			"-o", filepath.Join(ws, "shard-"+shard+".json"), "--fail-on", "none", "--fail-under", "0")
		if code != ExitPassed {
			t.Fatalf("shard %s: exit %d: %s", shard, code, stderr)
		}
	}
	gh := ghtest.New(t)
	r := newActionRun(t, ws, "", gh.URL, prEvent)
	r.env["INPUT_MERGE"] = "shard-1.json\nshard-2.json"
	if code := r.run(); code != ExitGateFailed {
		t.Fatalf("exit %d, want 1 (the merged findings fail the gate)\n%s\n%s", code, r.log.String(), r.stderr.String())
	}
	merged := readReport(t, filepath.Join(ws, "authgate.json"))
	if got := ruleSet(merged); !got["bola-cross-user-read"] || !got["authn-missing"] {
		t.Errorf("merged findings: %v", got)
	}
	if runs := gh.CheckRuns(); len(runs) != 1 || runs[0].Conclusion != "failure" {
		t.Errorf("check runs = %+v", runs)
	}
	if n := len(gh.Comments("octo", "shop", 42)); n != 1 {
		t.Errorf("%d comments", n)
	}
}

// TestExampleWorkflowsUploadOnlyReports: the example workflows upload a
// report (a nightly's becomes every pull request's baseline) only when the
// Action says the scan ran, by its report-path or sarif-path output. A
// hashFiles guard let a night with production down upload an empty
// baseline, and every later pull request failed with exit 2.
func TestExampleWorkflowsUploadOnlyReports(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "examples", "workflows", "*.yml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no example workflows: %v", err)
	}
	type step struct {
		ID   string `yaml:"id"`
		If   string `yaml:"if"`
		Uses string `yaml:"uses"`
	}
	var wf struct {
		Jobs map[string]struct {
			Steps []step `yaml:"steps"`
		} `yaml:"jobs"`
	}
	uploads := 0
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal(data, &wf); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for name, job := range wf.Jobs {
			// ran: the upload's guard; notRun: an earlier step that fails
			// the job without a report (the sharded example).
			var ran, notRun []*regexp.Regexp
			checked := false
			for i, st := range job.Steps {
				where := fmt.Sprintf("%s: job %s, step %d", filepath.Base(file), name, i+1)
				if strings.HasPrefix(st.Uses, "authgate/authgate@") {
					if st.ID == "" {
						t.Errorf("%s: the authgate step has no id to guard the uploads on", where)
						continue
					}
					out := `steps\.` + regexp.QuoteMeta(st.ID) + `\.outputs\.(report|sarif)-path`
					ran = append(ran, regexp.MustCompile(out+` != ''`))
					notRun = append(notRun, regexp.MustCompile(out+` == ''`))
				}
				for _, re := range notRun {
					checked = checked || re.MatchString(st.If)
				}
				if !strings.Contains(st.Uses, "upload-artifact") && !strings.Contains(st.Uses, "upload-sarif") {
					continue
				}
				uploads++
				if strings.Contains(st.If, "hashFiles") {
					t.Errorf("%s: guarded by hashFiles, which an empty or stale file passes: %s", where, st.If)
				}
				guarded := false
				for _, re := range ran {
					guarded = guarded || re.MatchString(st.If)
				}
				if !guarded && !(st.If == "" && checked) {
					t.Errorf("%s: uploads without the Action's report-path/sarif-path guard (if: %q)", where, st.If)
				}
			}
		}
		wf.Jobs = nil
	}
	if uploads < 5 {
		t.Errorf("found %d upload steps; the test no longer reads the examples", uploads)
	}
}

// TestLastLine keeps the reason the CLI printed last: whole lines only,
// the end of a live progress line, without the "authgate: " prefix, cut
// when long; everything still reaches the log.
func TestLastLine(t *testing.T) {
	var log bytes.Buffer
	l := &lastLine{w: &log}
	for _, s := range []string{"authgate: waiting\n", "\r\033[Kauthgate: scanning 1/2\r\033[Kauthgate: scanning 2/2\n", "authgate: target unre", "achable: refused\n", "  \n"} {
		l.Write([]byte(s))
	}
	if got := l.last(); got != "target unreachable: refused" {
		t.Errorf("last = %q", got)
	}
	if !strings.Contains(log.String(), "scanning 1/2") {
		t.Error("the log did not get everything")
	}
	l.Write([]byte("authgate: " + strings.Repeat("é", 2*maxReasonRunes) + "\n"))
	if got := l.last(); utf8.RuneCountInString(got) != maxReasonRunes+1 || !strings.HasSuffix(got, "é…") {
		t.Errorf("a long reason is not cut: %d runes", utf8.RuneCountInString(got))
	}
}

// TestStoppedIsTold: the reason a run stopped reaches Env.Stopped as the
// one line printed, so the Action does not depend on it being the log's
// last line.
func TestStoppedIsTold(t *testing.T) {
	var log strings.Builder
	var told []string
	env := Env{Stderr: &log, Stopped: func(r string) { told = append(told, r) }}
	if code := exitCode(env, usagef("--openapi %q: no such file\nsecond line", "api.yaml")); code != ExitUsage {
		t.Fatalf("exit %d, want %d", code, ExitUsage)
	}
	if len(told) != 1 || told[0] != `--openapi "api.yaml": no such file second line` {
		t.Fatalf("told %q", told)
	}
	if !strings.HasSuffix(log.String(), "authgate: "+told[0]+"\n") {
		t.Errorf("log %q does not end with the line told", log.String())
	}
	if code := exitCode(env, nil); code != ExitPassed || len(told) != 1 {
		t.Errorf("a run that did not stop told %q", told[1:])
	}
}
