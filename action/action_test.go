package action

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/config"
	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/report"
)

// runner is the environment a GitHub runner gives a container action.
type runner struct {
	env map[string]string
	log bytes.Buffer
	dir string
}

func newRunner(t *testing.T, event, payload string) *runner {
	t.Helper()
	dir := t.TempDir()
	r := &runner{dir: dir, env: map[string]string{
		"GITHUB_ACTIONS":      "true",
		"GITHUB_WORKSPACE":    dir,
		"GITHUB_REPOSITORY":   "octo/shop",
		"GITHUB_SHA":          "mergesha",
		"GITHUB_EVENT_NAME":   event,
		"GITHUB_OUTPUT":       filepath.Join(dir, "output"),
		"GITHUB_STEP_SUMMARY": filepath.Join(dir, "summary"),
	}}
	if payload != "" {
		p := filepath.Join(dir, "event.json")
		if err := os.WriteFile(p, []byte(payload), 0o600); err != nil {
			t.Fatal(err)
		}
		r.env["GITHUB_EVENT_PATH"] = p
	}
	return r
}

func (r *runner) action() *Action {
	return New(func(k string) string { return r.env[k] }, &r.log)
}

func (r *runner) input(name, value string) { r.env["INPUT_"+strings.ToUpper(name)] = value }

const (
	prSameRepo = `{"pull_request":{"number":7,"head":{"sha":"headsha","repo":{"full_name":"octo/shop"}},"base":{"repo":{"full_name":"octo/shop"}}}}`
	prFork     = `{"pull_request":{"number":8,"head":{"sha":"forksha","repo":{"full_name":"mallory/shop","fork":true}},"base":{"repo":{"full_name":"octo/shop"}}}}`
	deployment = `{"deployment_status":{"state":"success","environment_url":"https://pr-7.preview.example.com","target_url":"https://ci.example.com/log"},"deployment":{"sha":"deploysha"}}`
)

func TestEvent(t *testing.T) {
	tests := []struct {
		name, event, payload string
		want                 Event
	}{
		{"pull request", "pull_request", prSameRepo, Event{Name: "pull_request", PR: 7, HeadSHA: "headsha"}},
		{"fork pull request", "pull_request", prFork, Event{Name: "pull_request", PR: 8, HeadSHA: "forksha", Fork: true}},
		{"push", "push", `{"after":"x"}`, Event{Name: "push", HeadSHA: "mergesha"}},
		{"schedule", "schedule", `{"schedule":"0 3 * * *"}`, Event{Name: "schedule", HeadSHA: "mergesha"}},
		{"deployment status", "deployment_status", deployment, Event{Name: "deployment_status", HeadSHA: "deploysha", DeploymentURL: "https://pr-7.preview.example.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRunner(t, tt.event, tt.payload)
			ev, err := r.action().Event()
			if err != nil {
				t.Fatal(err)
			}
			if ev.Owner != "octo" || ev.Repo != "shop" {
				t.Errorf("repo = %s/%s", ev.Owner, ev.Repo)
			}
			if ev.Name != tt.want.Name || ev.PR != tt.want.PR || ev.HeadSHA != tt.want.HeadSHA || ev.Fork != tt.want.Fork || ev.DeploymentURL != tt.want.DeploymentURL {
				t.Errorf("event = %+v, want %+v", ev, tt.want)
			}
		})
	}
}

func TestInputs(t *testing.T) {
	r := newRunner(t, "pull_request", prSameRepo)
	r.input("target", "http://127.0.0.1:8080")
	r.input("auth-header", "Authorization: Bearer s3cret-primary\nX-Tenant: acme")
	r.input("peer-auth-header", "Authorization: Bearer s3cret-peer")
	r.input("endpoints", "GET /user?user_id=1\n\nGET /health\n")
	r.input("fail-under", "80")
	r.input("fail-on", "medium")
	r.input("wait", "2m")
	r.input("shard", "2/3")
	r.input("openapi", "api/openapi.yaml")
	r.input("comment", "false")
	a := r.action()
	cfg, set, err := a.Inputs(Event{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Target != "http://127.0.0.1:8080" || len(cfg.Auth) != 2 || len(cfg.PeerAuth) != 1 || len(cfg.Endpoints) != 2 ||
		cfg.FailUnder != 80 || cfg.FailOn != "medium" || cfg.Wait.Minutes() != 2 || cfg.Shard != (config.Shard{Index: 2, Count: 3}) {
		t.Errorf("config = %+v", cfg)
	}
	if cfg.OpenAPI != filepath.Join(r.dir, "api/openapi.yaml") {
		t.Errorf("openapi = %q, want it in the workspace", cfg.OpenAPI)
	}
	if set.CheckName != DefaultCheckName || !set.Annotate || set.Comment == nil || *set.Comment {
		t.Errorf("settings = %+v", set)
	}
	formats := map[string]string{}
	for _, o := range cfg.Outputs {
		formats[o.Format] = o.Path
	}
	if formats["json"] != filepath.Join(r.dir, DefaultReportPath) || formats["sarif"] != filepath.Join(r.dir, DefaultSARIFPath) {
		t.Errorf("outputs = %+v", cfg.Outputs)
	}
	// Every credential is masked before anything else is printed.
	for _, secret := range []string{"Bearer s3cret-primary", "Bearer s3cret-peer"} {
		if !strings.Contains(r.log.String(), "::add-mask::"+secret) {
			t.Errorf("%q was not masked; log:\n%s", secret, r.log.String())
		}
	}
}

func TestInputsTargetFromDeployment(t *testing.T) {
	r := newRunner(t, "deployment_status", deployment)
	a := r.action()
	ev, err := a.Event()
	if err != nil {
		t.Fatal(err)
	}
	cfg, _, err := a.Inputs(ev)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Target != "https://pr-7.preview.example.com" {
		t.Errorf("target = %q", cfg.Target)
	}
}

func TestInputsIgnoreTheRepositorysTarget(t *testing.T) {
	r := newRunner(t, "pull_request", prSameRepo)
	// A pull request may change .authgate.yml: it must not redirect the
	// workflow's credentials to its own host.
	os.WriteFile(filepath.Join(r.dir, ".authgate.yml"), []byte("target: http://evil.example\nbaselineUrl: http://evil.example\nfailUnder: 90\n"), 0o600)
	r.input("target", "http://127.0.0.1:8080")
	cfg, _, err := r.action().Inputs(Event{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Target != "http://127.0.0.1:8080" || cfg.BaselineURL != "" || cfg.FailUnder != 90 {
		t.Errorf("config = target %q, baseline-url %q, fail-under %d", cfg.Target, cfg.BaselineURL, cfg.FailUnder)
	}
}

func TestInputErrors(t *testing.T) {
	tests := []struct {
		name   string
		inputs map[string]string
		want   string
	}{
		{"no target", map[string]string{}, "target is required"},
		{"bad fail-under", map[string]string{"target": "http://127.0.0.1:1", "fail-under": "lots"}, "fail-under"},
		{"bad wait", map[string]string{"target": "http://127.0.0.1:1", "wait": "5"}, "wait"},
		{"bad comment", map[string]string{"target": "http://127.0.0.1:1", "comment": "maybe"}, "comment"},
		{"bad mode", map[string]string{"target": "http://127.0.0.1:1", "mode": "reckless"}, "mode"},
		{"bad header keeps the secret out", map[string]string{"target": "http://127.0.0.1:1", "auth-header": "Bearer hunter2-secret"}, "auth"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRunner(t, "push", "")
			for k, v := range tt.inputs {
				r.input(k, v)
			}
			_, _, err := r.action().Inputs(Event{})
			if !errors.Is(err, config.ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want config.ErrInvalid mentioning %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Fatalf("the error repeats a credential: %v", err)
			}
		})
	}
}

func TestOutputsAndSummary(t *testing.T) {
	r := newRunner(t, "push", "")
	a := r.action()
	rep := &report.Report{Score: 65, Grade: "D", Findings: []finding.Finding{{Rule: "authn-missing"}}, Gate: report.Gate{Passed: false},
		Baseline: &report.Baseline{New: 1, Fixed: 2}}
	if err := a.SetOutputs(rep, false, "authgate.json", "authgate.sarif"); err != nil {
		t.Fatal(err)
	}
	if err := a.Summary("## authgate: 65/100\n"); err != nil {
		t.Fatal(err)
	}
	out, _ := os.ReadFile(r.env["GITHUB_OUTPUT"])
	for _, want := range []string{"score<<", "\n65\n", "grade<<", "passed<<", "\nfalse\n", "new-findings-count<<", "fixed-findings-count<<", "\n2\n", "report-path<<", "sarif-path<<"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("GITHUB_OUTPUT lacks %q:\n%s", want, out)
		}
	}
	sum, _ := os.ReadFile(r.env["GITHUB_STEP_SUMMARY"])
	if !strings.Contains(string(sum), "65/100") {
		t.Errorf("summary = %q", sum)
	}
	// An unwritable output file is an error, not a panic.
	r.env["GITHUB_OUTPUT"] = filepath.Join(r.dir, "no", "such", "dir", "output")
	if err := a.SetOutputs(rep, false, "a", "b"); err == nil {
		t.Error("writing to a missing directory must fail")
	}
}

func TestLogAnnotationsAggregateAndEscape(t *testing.T) {
	r := newRunner(t, "pull_request", prFork)
	var fs []finding.Finding
	for i := range 25 {
		fs = append(fs, finding.Finding{Rule: "authn-missing", Severity: finding.SeverityHigh, Method: "GET",
			Path: "/x\n::error::pwned%0A" + strings.Repeat("y", i), Title: "t",
			Location: &finding.Location{File: "app.py", Line: 12}})
	}
	r.action().LogAnnotations(fs)
	log := r.log.String()
	if n := strings.Count(log, "::error "); n != MaxLogAnnotations {
		t.Errorf("%d error annotations, want %d", n, MaxLogAnnotations)
	}
	if !strings.Contains(log, "15 more findings") {
		t.Errorf("no aggregate notice:\n%s", log)
	}
	for _, line := range strings.Split(log, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "::error::pwned") {
			t.Fatalf("target text started a workflow command: %q", line)
		}
	}
	if !strings.Contains(log, "file=app.py,line=12") {
		t.Errorf("annotations do not point at the file:\n%s", log)
	}
}

func TestPullRequestTargetForkCanWrite(t *testing.T) {
	r := newRunner(t, "pull_request_target", prFork)
	ev, err := r.action().Event()
	if err != nil {
		t.Fatal(err)
	}
	if ev.Fork {
		t.Error("pull_request_target runs with the base repository's token: not a read-only fork")
	}
}

func TestInputsDefaultsLeaveTheConfigFile(t *testing.T) {
	r := newRunner(t, "push", "")
	os.WriteFile(filepath.Join(r.dir, ".authgate.yml"), []byte("failUnder: 90\nfailOn: medium\nrate: 5\n"), 0o600)
	r.input("target", "http://127.0.0.1:8080")
	cfg, _, err := r.action().Inputs(Event{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.FailUnder != 90 || cfg.FailOn != "medium" || cfg.Rate != 5 || cfg.Wait != DefaultWait {
		t.Errorf("config = fail-under %d, fail-on %s, rate %v, wait %v", cfg.FailUnder, cfg.FailOn, cfg.Rate, cfg.Wait)
	}
}

func TestMaskCoversTheRedactedParts(t *testing.T) {
	r := newRunner(t, "push", "")
	r.input("target", "http://127.0.0.1:8080")
	r.input("auth-header", "Authorization: Bearer tok-abcdef123\nCookie: session=sess-999888; theme=dark")
	if _, _, err := r.action().Inputs(Event{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"::add-mask::tok-abcdef123", "::add-mask::sess-999888"} {
		if !strings.Contains(r.log.String(), want) {
			t.Errorf("log lacks %q", want)
		}
	}
}

// TestMaskCoversTheConfigFilesIdentities: credentials the config file
// reads from ${VAR}s are masked like the auth-header input.
func TestMaskCoversTheConfigFilesIdentities(t *testing.T) {
	r := newRunner(t, "push", "")
	r.input("target", "http://127.0.0.1:8080")
	r.env["ALICE_TOKEN"] = "tok-alice-777666"
	r.env["MALLORY_PASSWORD"] = "Mallory-Pw-55443"
	os.WriteFile(filepath.Join(r.dir, ".authgate.yml"), []byte(`identities:
  - name: alice
    headers: {Authorization: "Bearer ${ALICE_TOKEN}"}
  - name: mallory
    throwaway: true
    login:
      path: /login
      body: {username: mallory, password: "${MALLORY_PASSWORD}"}
      token: json:token
`), 0o600)
	cfg, _, err := r.action().Inputs(Event{})
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Identities) != 2 || cfg.Identities[0].Headers[0] != "Authorization: Bearer tok-alice-777666" {
		t.Fatalf("identities = %+v", cfg.Identities)
	}
	for _, want := range []string{"::add-mask::tok-alice-777666", "::add-mask::Mallory-Pw-55443"} {
		if !strings.Contains(r.log.String(), want) {
			t.Errorf("log lacks %q", want)
		}
	}
}

func TestLogAnnotationsKeepTheSummaryNotice(t *testing.T) {
	r := newRunner(t, "pull_request", prFork)
	a := r.action()
	a.Notice("authgate: no check run or pull request comment: fork")
	var fs []finding.Finding
	for range 12 {
		fs = append(fs, finding.Finding{Rule: "spec-operation-without-security", Severity: finding.SeverityLow, Method: "GET", Path: "/x"})
	}
	a.LogAnnotations(fs)
	log := r.log.String()
	if n := strings.Count(log, "::notice"); n > MaxLogAnnotations {
		t.Errorf("%d notices, GitHub shows %d", n, MaxLogAnnotations)
	}
	if !strings.Contains(log, "more findings") {
		t.Errorf("the summary notice is missing:\n%s", log)
	}
}

func TestStamp(t *testing.T) {
	at := time.Date(2025, 3, 4, 5, 6, 7, 0, time.FixedZone("CET", 3600))
	ev := Event{Owner: "octo", Repo: "shop", HeadSHA: "0123456789abcdef", ServerURL: "https://github.com/", RunID: 42, RunAttempt: 1}
	tests := []struct {
		name string
		ev   func(Event) Event
		want string
	}{
		{"everything", func(e Event) Event { return e },
			"<sub>authgate · commit [`0123456`](https://github.com/octo/shop/commit/0123456789abcdef) · scanned 2025-03-04 04:06 UTC · [workflow run](https://github.com/octo/shop/actions/runs/42)</sub>"},
		{"re-run names its attempt", func(e Event) Event { e.RunAttempt = 3; return e },
			"<sub>authgate · commit [`0123456`](https://github.com/octo/shop/commit/0123456789abcdef) · scanned 2025-03-04 04:06 UTC · [workflow run (attempt 3)](https://github.com/octo/shop/actions/runs/42/attempts/3)</sub>"},
		{"no run id: no links", func(e Event) Event { e.RunID, e.ServerURL = 0, ""; return e },
			"<sub>authgate · commit `0123456` · scanned 2025-03-04 04:06 UTC</sub>"},
		{"odd server and sha left out", func(e Event) Event {
			e.ServerURL, e.HeadSHA = "javascript:alert(1)//", "abc)](x"
			return e
		}, "<sub>authgate · scanned 2025-03-04 04:06 UTC</sub>"},
		{"odd repository left out", func(e Event) Event { e.Repo = "shop](http://evil.example)"; return e },
			"<sub>authgate · commit `0123456` · scanned 2025-03-04 04:06 UTC</sub>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Stamp(tt.ev(ev), at); got != tt.want {
				t.Errorf("Stamp =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
	// A run without a result (exit code 2 or 3) may have scanned nothing.
	want := "<sub>authgate · commit [`0123456`](https://github.com/octo/shop/commit/0123456789abcdef) · ran 2025-03-04 04:06 UTC · [workflow run](https://github.com/octo/shop/actions/runs/42)</sub>"
	if got := RunStamp(ev, at); got != want {
		t.Errorf("RunStamp =\n%s\nwant\n%s", got, want)
	}
}

// TestEventRunURL reads the run from the runner's variables.
func TestEventRunURL(t *testing.T) {
	r := newRunner(t, "pull_request", prSameRepo)
	r.env["GITHUB_SERVER_URL"] = "https://ghe.example.com"
	r.env["GITHUB_RUN_ID"] = "123"
	r.env["GITHUB_RUN_ATTEMPT"] = "2"
	ev, err := r.action().Event()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ev.RunURL(), "https://ghe.example.com/octo/shop/actions/runs/123/attempts/2"; got != want {
		t.Errorf("RunURL = %q, want %q", got, want)
	}
}

// TestNotRunOutputs: a run without a result sets passed=false and invents
// nothing else.
func TestNotRunOutputs(t *testing.T) {
	r := newRunner(t, "push", "")
	if err := r.action().SetNotRunOutputs(); err != nil {
		t.Fatal(err)
	}
	out, _ := os.ReadFile(r.env["GITHUB_OUTPUT"])
	if !strings.HasPrefix(string(out), "passed<<") || strings.Count(string(out), "<<") != 1 || !strings.Contains(string(out), "\nfalse\n") {
		t.Errorf("GITHUB_OUTPUT =\n%s\nwant passed=false only", out)
	}
}

// TestErrorLineCannotIssueCommands: text in an error line (gate reasons,
// a reason quoting the target) stays one harmless line.
func TestErrorLineCannotIssueCommands(t *testing.T) {
	r := newRunner(t, "push", "")
	r.action().Error("authgate: the gate failed: x\n::error::pwned\r##[error]pwned %0A::warning::pwned")
	log := r.log.String()
	if strings.Count(log, "\n") != 1 || !strings.HasPrefix(log, "::error::authgate: the gate failed") {
		t.Fatalf("not one error line: %q", log)
	}
	if strings.Contains(log, "##[") || strings.Contains(log, "%0A::") {
		t.Errorf("command syntax survived: %q", log)
	}
}
