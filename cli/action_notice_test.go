package cli

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/authgate/authgate/demo"
	"github.com/authgate/authgate/ghapi/ghtest"
)

// TestActionReadOnlyNotice: the one notice of a run that cannot write to
// GitHub says why in words a reader can act on: a read-only token names
// the fork as well as the permissions (a fork's workflow cannot grant
// any) and GitHub's answer without go-github's URL and empty error list
// ("[]"); a fork known from the event says so; a token that wrote the
// check run but not the comment says only the comment is missing.
func TestActionReadOnlyNotice(t *testing.T) {
	tests := []struct {
		name   string
		event  string
		setup  func(gh *ghtest.Server)
		notice string
		checks int // completed check runs
	}{
		{"read-only token", prEvent, func(gh *ghtest.Server) { gh.ReadOnly() },
			`::notice::authgate: no check run or comment: the token is read-only (a pull request from a fork, or the job lacks checks: write / pull-requests: write; GitHub answered 403 "Resource not accessible by integration" to creating the check run). Findings are below as annotations and in the job summary.`, 0},
		{"fork", forkEvent, func(*ghtest.Server) {},
			"::notice::authgate: no check run or comment: the token of a pull request from a fork is read-only. Findings are below as annotations and in the job summary.", 0},
		{"comment refused", prEvent, func(gh *ghtest.Server) {
			// The check run's POST goes through; the comment's is refused.
			gh.Inject(1, ghtest.Fault{Method: http.MethodPost, Skip: 1, Status: http.StatusForbidden})
		}, `::notice::authgate: no pull request comment: the token cannot write comments (the job lacks pull-requests: write; GitHub answered 403 "Resource not accessible by integration" to writing the pull request comment). Findings are in the check run and the job summary.`, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := httptest.NewServer(demo.Vulnerable())
			defer api.Close()
			gh := ghtest.New(t)
			tt.setup(gh)
			r := newActionRun(t, workspaceWithRoutes(t), api.URL, gh.URL, tt.event)
			if code := r.run(); code != ExitGateFailed {
				t.Fatalf("exit %d, want 1 (the gate, not the token)\n%s\n%s", code, r.log.String(), r.stderr.String())
			}
			var notices []string
			for _, line := range strings.Split(r.log.String(), "\n") {
				if strings.HasPrefix(line, "::notice::authgate: no ") {
					notices = append(notices, line)
				}
			}
			if len(notices) != 1 || notices[0] != tt.notice {
				t.Errorf("notices %q\nwant [%q]", notices, tt.notice)
			}
			completed := 0
			for _, cr := range gh.CheckRuns() {
				if cr.Status == "completed" {
					completed++
				}
			}
			if completed != tt.checks {
				t.Errorf("%d completed check runs, want %d", completed, tt.checks)
			}
		})
	}
}

// TestActionCommentStampVerb: the comment of a run without a result (exit
// code 2: nothing was scanned) says when authgate ran; a result's comment
// says when it scanned.
func TestActionCommentStampVerb(t *testing.T) {
	for _, tt := range []struct {
		name     string
		baseline string
		code     int
		verb     string
	}{
		{"result", "", ExitGateFailed, " · scanned "},
		{"configuration error", "nightly/authgate.json", ExitUsage, " · ran "},
	} {
		t.Run(tt.name, func(t *testing.T) {
			api := httptest.NewServer(demo.Vulnerable())
			defer api.Close()
			gh := ghtest.New(t)
			r := newActionRun(t, t.TempDir(), api.URL, gh.URL, prEvent)
			r.env["INPUT_BASELINE"] = tt.baseline
			if code := r.run(); code != tt.code {
				t.Fatalf("exit %d, want %d\n%s", code, tt.code, r.stderr.String())
			}
			comments := gh.Comments("octo", "shop", 42)
			if len(comments) != 1 {
				t.Fatalf("%d comments, want 1", len(comments))
			}
			stamp, _, _ := strings.Cut(comments[0].Body, "\n\n")
			for _, verb := range []string{" · scanned ", " · ran "} {
				if got := strings.Contains(comments[0].Body, verb); got != (verb == tt.verb) {
					t.Errorf("the comment says %q: %v, want %v; stamp: %s", verb, got, verb == tt.verb, stamp)
				}
			}
		})
	}
}
