package cli

import (
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/authgate/authgate/action"
	"github.com/authgate/authgate/demo"
	"github.com/authgate/authgate/ghapi/ghtest"
)

// TestActionCheckRunFalse: with check-run: false the Action creates no
// check run (no POST /repos/…/check-runs reaches GitHub); the findings go
// to the log as workflow-command annotations, the job summary has them,
// the sticky comment is still written, no fallback notice claims a
// problem, and the exit code is the gate's.
func TestActionCheckRunFalse(t *testing.T) {
	api := httptest.NewServer(demo.Vulnerable())
	defer api.Close()
	gh := ghtest.New(t)
	r := newActionRun(t, workspaceWithRoutes(t), api.URL, gh.URL, prEvent)
	r.env["INPUT_CHECK-RUN"] = "false"
	if code := r.run(); code != ExitGateFailed {
		t.Fatalf("exit %d, want 1\n%s\n%s", code, r.log.String(), r.stderr.String())
	}
	for _, req := range gh.Requests() {
		if strings.Contains(req.Path, "/check-runs") {
			t.Errorf("a check-run request with check-run false: %s %s", req.Method, req.Path)
		}
	}
	if runs := gh.CheckRuns(); len(runs) != 0 {
		t.Errorf("%d check runs, want none", len(runs))
	}
	log := r.log.String()
	// The log annotation of authn-missing on GET /user, on its route
	// handler (app.py line 5).
	annotated := false
	for _, l := range strings.Split(log, "\n") {
		if strings.HasPrefix(l, "::error ") && strings.Contains(l, "title=authgate authn-missing") &&
			strings.Contains(l, "file=app.py") && strings.Contains(l, "line=5") && strings.Contains(l, "GET /user") {
			annotated = true
		}
	}
	if !annotated {
		t.Errorf("no log annotation for authn-missing on GET /user at app.py:5:\n%s", log)
	}
	if strings.Contains(log, "no check run or comment") {
		t.Errorf("check-run false is not a problem to give notice of:\n%s", log)
	}
	sum, _ := os.ReadFile(r.env["GITHUB_STEP_SUMMARY"])
	if !strings.Contains(string(sum), "authn-missing") {
		t.Errorf("the job summary lacks the findings:\n%s", sum)
	}
	if c := gh.Comments("octo", "shop", 42); len(c) != 1 || !strings.Contains(c[0].Body, "authn-missing") {
		t.Errorf("comments = %+v, want the sticky comment with the findings", c)
	}
}

// TestActionCheckRunFalseCouldNotRun: a scan that could not run creates
// no check run either, and still says why in the log and the summary.
func TestActionCheckRunFalseCouldNotRun(t *testing.T) {
	gh := ghtest.New(t)
	r := newActionRun(t, t.TempDir(), "http://"+freePort(t), gh.URL, prEvent)
	r.env["INPUT_CHECK-RUN"] = "false"
	r.env["INPUT_WAIT"] = "300ms"
	if code := r.run(); code != ExitScanFailed {
		t.Fatalf("exit %d, want 3\n%s", code, r.stderr.String())
	}
	if runs := gh.CheckRuns(); len(runs) != 0 {
		t.Errorf("%d check runs, want none", len(runs))
	}
	assertVerdictAfterGroup(t, r.log.String(), "::error::authgate could not scan ")
}

// TestActionBadBoundsInputs: a bad timeout, concurrency or budget stops
// the Action before anything is scanned or written to GitHub: exit 2, one
// error line naming the input, the reason in the job summary,
// passed=false.
func TestActionBadBoundsInputs(t *testing.T) {
	gh := ghtest.New(t)
	for _, tt := range []struct{ input, value string }{
		{"TIMEOUT", "ten seconds"},
		{"TIMEOUT", "0s"},
		{"CONCURRENCY", "0"},
		{"CONCURRENCY", "lots"},
		{"BUDGET", "-3"},
		{"CHECK-RUN", "sometimes"},
	} {
		t.Run(tt.input+"="+tt.value, func(t *testing.T) {
			before := gh.RequestCount()
			r := newActionRun(t, t.TempDir(), "http://"+freePort(t), gh.URL, prEvent)
			r.env["INPUT_"+tt.input] = tt.value
			if code := r.run(); code != ExitUsage {
				t.Fatalf("exit %d, want 2\n%s\n%s", code, r.log.String(), r.stderr.String())
			}
			name := strings.ToLower(tt.input)
			var errLines []string
			for _, l := range strings.Split(r.log.String(), "\n") {
				if strings.HasPrefix(l, "::error") {
					errLines = append(errLines, l)
				}
			}
			if len(errLines) != 1 || !strings.Contains(errLines[0], name) {
				t.Errorf("error lines %q, want one naming %s", errLines, name)
			}
			sum, _ := os.ReadFile(r.env["GITHUB_STEP_SUMMARY"])
			if !strings.Contains(string(sum), name) {
				t.Errorf("the summary does not name %s:\n%s", name, sum)
			}
			if got := readOutputs(t, r.env["GITHUB_OUTPUT"]); got["passed"] != "false" {
				t.Errorf("outputs = %v, want passed=false", got)
			}
			if n := gh.RequestCount() - before; n != 0 {
				t.Errorf("%d GitHub requests for unusable inputs, want 0", n)
			}
		})
	}
}

// TestActionInputsDeclared: action.yml declares exactly the inputs the
// Action reads, and docs/action.md's inputs table lists each of them; an
// input missing from action.yml is never passed by the runner, one the
// Action does not read is silently ignored.
func TestActionInputsDeclared(t *testing.T) {
	var manifest struct {
		Inputs map[string]struct {
			Default *string `yaml:"default"`
		} `yaml:"inputs"`
	}
	data, err := os.ReadFile("../action.yml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, &manifest); err != nil {
		t.Fatalf("action.yml: %v", err)
	}
	var declared []string
	for name := range manifest.Inputs {
		declared = append(declared, name)
	}
	slices.Sort(declared)

	// Every INPUT_ variable the Action looks up, with every input set to
	// a valid value and without, so that no branch hides a lookup.
	var mu sync.Mutex
	read := map[string]bool{}
	getenv := func(k string) string {
		if name, ok := strings.CutPrefix(k, "INPUT_"); ok {
			mu.Lock()
			read[strings.ToLower(name)] = true
			mu.Unlock()
		}
		switch k {
		case "INPUT_TARGET":
			return "http://127.0.0.1:8080"
		case "GITHUB_WORKSPACE":
			return t.TempDir()
		}
		return ""
	}
	a := action.New(getenv, &strings.Builder{})
	if _, _, err := a.Inputs(action.Event{}); err != nil {
		t.Fatal(err)
	}
	var used []string
	for name := range read {
		used = append(used, name)
	}
	slices.Sort(used)
	if !slices.Equal(declared, used) {
		t.Errorf("action.yml declares %v\nthe Action reads   %v", declared, used)
	}
	if d := manifest.Inputs["check-run"].Default; d == nil || *d != "true" {
		t.Errorf("check-run's default in action.yml is %v, want \"true\"", d)
	}

	doc, err := os.ReadFile("../docs/action.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range declared {
		if !strings.Contains(string(doc), "\n| `"+name+"` |") {
			t.Errorf("docs/action.md's inputs table has no row for %s", name)
		}
	}
}
