package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/demo"
	"github.com/authgate/authgate/ghapi/ghtest"
)

// contractRun runs the image's binary bin (buildStatic's, or the release
// build's in release_test.go) as the runner runs a container action: only
// INPUT_* variables, the runner's GITHUB_* files and the workspace. It
// returns the exit code and the step's log (stdout, where workflow
// commands go).
func contractRun(t *testing.T, bin, ws, ghURL, target string, extra ...string) (int, string) {
	t.Helper()
	tmp := t.TempDir()
	event := filepath.Join(tmp, "event.json")
	os.WriteFile(event, []byte(`{"pull_request":{"number":9,"head":{"sha":"c0ffee1234","repo":{"full_name":"octo/shop"}},"base":{"repo":{"full_name":"octo/shop"}}}}`), 0o600)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "action")
	cmd.Dir = ws
	cmd.Env = append([]string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + tmp,
		"GITHUB_ACTIONS=true", "GITHUB_EVENT_NAME=pull_request", "GITHUB_EVENT_PATH=" + event,
		"GITHUB_REPOSITORY=octo/shop", "GITHUB_SHA=merge456", "GITHUB_WORKSPACE=" + ws,
		"GITHUB_WORKFLOW=authgate pull request", "GITHUB_JOB=scan",
		"GITHUB_SERVER_URL=https://github.com", "GITHUB_RUN_ID=4242", "GITHUB_RUN_ATTEMPT=1",
		"GITHUB_API_URL=" + ghURL,
		"GITHUB_OUTPUT=" + filepath.Join(ws, ".runner-output"), "GITHUB_STEP_SUMMARY=" + filepath.Join(ws, ".runner-summary"),
		"INPUT_TARGET=" + target,
		"INPUT_AUTH-HEADER=Authorization: Bearer " + demo.AliceToken,
		"INPUT_PEER-AUTH-HEADER=Authorization: Bearer " + demo.BobToken,
		"INPUT_GITHUB-TOKEN=" + ghtest.Token,
		"INPUT_CHECK-NAME=authgate", "INPUT_ANNOTATE=true", "INPUT_SARIF=authgate.sarif", "INPUT_REPORT=authgate.json",
		"INPUT_RATE=0", "INPUT_WAIT=10s",
	}, extra...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Run()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
		}
	})
	return cmd.ProcessState.ExitCode(), stdout.String()
}

// verdictAfterGroup returns the one line of log starting with prefix, and
// fails unless it comes after the scan's collapsed group.
func verdictAfterGroup(t *testing.T, log, prefix string) string {
	t.Helper()
	end := strings.Index(log, "::endgroup::\n")
	i := strings.Index(log, "\n"+prefix)
	if end < 0 || i < end || strings.Count(log, "\n"+prefix) != 1 {
		t.Fatalf("want one line starting with %q after ::endgroup::", prefix)
	}
	line, _, _ := strings.Cut(log[i+1:], "\n")
	return line
}

// TestContainerContractVerdict: issue 10's Action problems through the
// image's binary. Two pushes with a preview URL each leave one sticky
// comment, dated and linked to the run; a failed gate says why after the
// group; a target that is down says why everywhere, sets passed=false
// only, and leaves no empty report for a baseline upload.
func TestContainerContractVerdict(t *testing.T) {
	checkContractVerdict(t, buildStatic(t))
}

// checkContractVerdict is TestContainerContractVerdict's check of one
// binary: the source build's, or the release build's (release_test.go).
func checkContractVerdict(t *testing.T, bin string) {
	t.Helper()
	gh := ghtest.New(t)
	ws := t.TempDir()
	for range 2 {
		api := httptest.NewServer(demo.Vulnerable()) // a new URL per push
		code, log := contractRun(t, bin, ws, gh.URL, api.URL)
		api.Close()
		if code != 1 {
			t.Fatalf("exit %d, want 1", code)
		}
		if line := verdictAfterGroup(t, log, "::error::authgate: the gate failed: "); !strings.Contains(line, "bola-cross-user-read") {
			t.Errorf("the verdict does not name the failing finding: %s", line)
		}
	}
	comments := gh.Comments("octo", "shop", 9)
	if len(comments) != 1 {
		t.Fatalf("%d comments after two previews, want one", len(comments))
	}
	for _, want := range []string{"commit [`c0ffee1`]", " UTC · [workflow run](https://github.com/octo/shop/actions/runs/4242)"} {
		if !strings.Contains(comments[0].Body, want) {
			t.Errorf("the comment lacks %q:\n%s", want, comments[0].Body)
		}
	}

	down := t.TempDir()
	code, log := contractRun(t, bin, down, gh.URL, "http://"+freeAddr(t), "INPUT_WAIT=300ms")
	if code != 3 {
		t.Fatalf("exit %d, want 3", code)
	}
	line := verdictAfterGroup(t, log, "::error::authgate could not scan ")
	if !strings.Contains(line, "target unreachable") {
		t.Errorf("the error line lacks the reason: %s", line)
	}
	summary, _ := os.ReadFile(filepath.Join(down, ".runner-summary"))
	runs := gh.CheckRuns()
	last := runs[len(runs)-1]
	for name, text := range map[string]string{"summary": string(summary), "check run": last.Summary} {
		if !strings.Contains(text, "target unreachable") {
			t.Errorf("the %s does not say why:\n%s", name, text)
		}
	}
	if last.Conclusion != "failure" {
		t.Errorf("check run conclusion %q", last.Conclusion)
	}
	out, _ := os.ReadFile(filepath.Join(down, ".runner-output"))
	if !strings.HasPrefix(string(out), "passed<<") || strings.Count(string(out), "<<") != 1 {
		t.Errorf("outputs on exit 3:\n%s\nwant passed=false only", out)
	}
	entries, _ := os.ReadDir(down)
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), ".runner-") {
			t.Errorf("%s left in the workspace by a scan that did not run", e.Name())
		}
	}
}

// freeAddr is a loopback address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(nil)
	addr := srv.Listener.Addr().String()
	srv.Close()
	return addr
}
