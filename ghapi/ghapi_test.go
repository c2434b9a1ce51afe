package ghapi_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/authgate/authgate/ghapi"
	"github.com/authgate/authgate/ghapi/ghtest"
)

const (
	owner = "acme"
	repo  = "shop"
	sha   = "0123456789abcdef0123456789abcdef01234567"
	pr    = 7
)

// newClient points a client at srv with backoffs small enough that retries
// cost milliseconds; Retry-After is capped by the same maximum.
func newClient(t *testing.T, srv *ghtest.Server, opts ...ghapi.Option) *ghapi.Client {
	t.Helper()
	opts = append([]ghapi.Option{ghapi.WithBackoff(time.Millisecond, 5*time.Millisecond)}, opts...)
	c, err := ghapi.New(ghtest.Token, srv.URL, opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func annotations(n int) []ghapi.Annotation {
	out := make([]ghapi.Annotation, n)
	for i := range out {
		out[i] = ghapi.Annotation{
			Path: "app/routes.py", StartLine: i + 1, EndLine: i + 1, Level: ghapi.LevelFailure,
			Title: fmt.Sprintf("finding %d", i), Message: "GET /user/{id} answers another user's data",
		}
	}
	return out
}

func countRequests(srv *ghtest.Server, method, pathPart string) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Method == method && strings.Contains(r.Path, pathPart) {
			n++
		}
	}
	return n
}

func TestCompleteCheckRunBatchesAnnotations(t *testing.T) {
	tests := []struct {
		name        string
		annotations int
		wantBatches []int
	}{
		{"none", 0, []int{0}},
		{"exactly one batch", 50, []int{50}},
		{"one over", 51, []int{50, 1}},
		{"three batches", 120, []int{50, 50, 20}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := ghtest.New(t)
			c := newClient(t, srv)
			ctx := context.Background()
			id, err := c.StartCheckRun(ctx, owner, repo, "authgate", sha)
			if err != nil {
				t.Fatalf("StartCheckRun: %v", err)
			}
			if runs := srv.CheckRuns(); len(runs) != 1 || runs[0].Status != "in_progress" {
				t.Fatalf("after start: runs = %+v, want one in_progress", runs)
			}
			anns := annotations(tt.annotations)
			if err := c.CompleteCheckRun(ctx, owner, repo, id, ghapi.ConclusionFailure, "Score 42 (F)", "summary", anns); err != nil {
				t.Fatalf("CompleteCheckRun: %v", err)
			}
			runs := srv.CheckRuns()
			if len(runs) != 1 {
				t.Fatalf("got %d check runs, want 1", len(runs))
			}
			run := runs[0]
			if got := countRequests(srv, http.MethodPatch, "/check-runs/"); got != len(tt.wantBatches) {
				t.Errorf("PATCH requests = %d, want %d", got, len(tt.wantBatches))
			}
			if fmt.Sprint(run.Batches) != fmt.Sprint(tt.wantBatches) {
				t.Errorf("batches = %v, want %v", run.Batches, tt.wantBatches)
			}
			if len(run.Annotations) != tt.annotations {
				t.Fatalf("recorded %d annotations, want %d", len(run.Annotations), tt.annotations)
			}
			for i, a := range run.Annotations {
				if a.StartLine != i+1 || a.Level != "failure" || a.Path != "app/routes.py" {
					t.Fatalf("annotation %d = %+v, out of order or altered", i, a)
				}
			}
			if run.Status != "completed" || run.Conclusion != "failure" || run.Name != "authgate" ||
				run.Title != "Score 42 (F)" || run.Summary != "summary" {
				t.Errorf("run = %+v, want completed failure with title and summary", run)
			}
		})
	}
}

func TestCompleteCheckRunCutsLongSummary(t *testing.T) {
	line := strings.Repeat("é", 40) + " | row\n" // multi-byte, so a byte cut could split a rune
	tests := []struct {
		name    string
		summary string
	}{
		{"many lines", strings.Repeat(line, 100_000/len(line)+1)},
		{"one long line", strings.Repeat("é", 60_000)},
		{"open code fence", "```\n" + strings.Repeat(line, 2000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := ghtest.New(t)
			c := newClient(t, srv)
			ctx := context.Background()
			id, err := c.StartCheckRun(ctx, owner, repo, "authgate", sha)
			if err != nil {
				t.Fatal(err)
			}
			// The fake answers 422 like GitHub above 65535 characters, so
			// success alone shows the cut happened.
			if err := c.CompleteCheckRun(ctx, owner, repo, id, ghapi.ConclusionSuccess, "ok", tt.summary, nil); err != nil {
				t.Fatalf("CompleteCheckRun: %v", err)
			}
			got := srv.CheckRuns()[0].Summary
			if len(got) > ghapi.MaxOutputChars || len(got) < ghapi.MaxOutputChars-500 {
				t.Errorf("summary is %d bytes, want just under %d", len(got), ghapi.MaxOutputChars)
			}
			if !utf8.ValidString(got) {
				t.Error("summary is not valid UTF-8: a rune was split")
			}
			kept, notice, ok := strings.Cut(got, "\n… ")
			if !ok || !strings.HasSuffix(notice, " more lines\n") && !strings.HasSuffix(notice, " more line\n") {
				t.Fatalf("summary does not end with the notice: %q", got[max(len(got)-80, 0):])
			}
			kept = strings.TrimSuffix(kept, "```\n")
			prefix := kept // the part of the summary shown, without a newline the cut added
			if !strings.HasPrefix(tt.summary, prefix) {
				prefix = strings.TrimSuffix(kept, "\n")
			}
			if !strings.HasPrefix(tt.summary, prefix) {
				t.Fatal("kept text is not a prefix of the summary")
			}
			lines := strings.Count(tt.summary, "\n")
			if !strings.HasSuffix(tt.summary, "\n") {
				lines++
			}
			wantMore := lines - strings.Count(prefix, "\n")
			if want := fmt.Sprintf("%d more line", wantMore); !strings.HasPrefix(notice, want) {
				t.Errorf("notice %q, want %q", notice, want)
			}
			if strings.HasPrefix(tt.summary, "```") && strings.Count(got, "```")%2 != 0 {
				t.Error("the code fence left open by the cut was not closed")
			}
		})
	}
}

func TestCompleteCheckRunStartedElsewhere(t *testing.T) {
	srv := ghtest.New(t)
	ctx := context.Background()
	id, err := newClient(t, srv).StartCheckRun(ctx, owner, repo, "authgate / shard 2", sha)
	if err != nil {
		t.Fatal(err)
	}
	if err := newClient(t, srv).CompleteCheckRun(ctx, owner, repo, id, ghapi.ConclusionNeutral, "t", "s", annotations(3)); err != nil {
		t.Fatalf("CompleteCheckRun from a fresh client: %v", err)
	}
	run := srv.CheckRuns()[0]
	if run.Name != "authgate / shard 2" || run.Conclusion != "neutral" || len(run.Annotations) != 3 {
		t.Errorf("run = %+v, want name kept, neutral, 3 annotations", run)
	}
}

func TestCompleteCheckRunRejectsBadConclusionBeforeSending(t *testing.T) {
	srv := ghtest.New(t)
	c := newClient(t, srv)
	err := c.CompleteCheckRun(context.Background(), owner, repo, 1, "skipped", "t", "s", annotations(1))
	if err == nil {
		t.Fatal("want an error")
	}
	if n := srv.RequestCount(); n != 0 {
		t.Errorf("sent %d requests, want none", n)
	}
}

// A run left "in progress" blocks the pull request forever, so a failed
// annotation upload must still complete the run.
func TestCompleteCheckRunCompletesDespiteAnnotationFailures(t *testing.T) {
	bad := ghapi.Annotation{Path: "a.py", StartLine: 1, Level: "error", Message: "m"}
	tests := []struct {
		name            string
		anns            []ghapi.Annotation
		fault           ghtest.Fault // injected once after the run started; zero for none
		wantAnnotations int
		wantPatches     int
	}{
		{"first batch of two refused", annotations(60), ghtest.Fault{Status: http.StatusUnprocessableEntity}, 0, 2},
		{"last batch refused", annotations(60), ghtest.Fault{Method: http.MethodPatch, Status: http.StatusUnprocessableEntity, Skip: 1}, 50, 3},
		{"completing batch refused", annotations(10), ghtest.Fault{Status: http.StatusUnprocessableEntity}, 0, 2},
		{"invalid annotations skipped", append(annotations(3), bad, bad), ghtest.Fault{}, 3, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := ghtest.New(t)
			c := newClient(t, srv)
			ctx := context.Background()
			id, err := c.StartCheckRun(ctx, owner, repo, "authgate", sha)
			if err != nil {
				t.Fatal(err)
			}
			if tt.fault.Status != 0 {
				srv.Inject(1, tt.fault)
			}
			err = c.CompleteCheckRun(ctx, owner, repo, id, ghapi.ConclusionFailure, "Score 42 (F)", "summary", tt.anns)
			if err == nil {
				t.Error("want the annotation error returned")
			}
			run := srv.CheckRuns()[0]
			if run.Status != "completed" || run.Conclusion != "failure" {
				t.Fatalf("run status %q conclusion %q, want completed failure", run.Status, run.Conclusion)
			}
			if !strings.HasPrefix(run.Summary, "summary\n") || !strings.Contains(run.Summary, "Some annotations could not be sent: `") {
				t.Errorf("summary %q does not explain the missing annotations", run.Summary)
			}
			if len(run.Annotations) != tt.wantAnnotations {
				t.Errorf("%d annotations recorded, want %d", len(run.Annotations), tt.wantAnnotations)
			}
			if got := countRequests(srv, http.MethodPatch, "/check-runs/"); got != tt.wantPatches {
				t.Errorf("%d PATCH requests, want %d", got, tt.wantPatches)
			}
		})
	}
}

func TestUpsertCommentNeverDuplicates(t *testing.T) {
	marker := ghapi.Marker("check=authgate", "shard=1/2")
	tests := []struct {
		name        string
		markedAt    int // index among 150 seeded comments, -1 for none
		wantCreated []bool
	}{
		{"existing comment on page 2", 120, []bool{false, false}},
		{"no comment yet", -1, []bool{true, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := ghtest.New(t)
			const seeded = 150 // more than one page of 100
			for i := range seeded {
				if i == tt.markedAt {
					srv.AddComment(owner, repo, pr, ghtest.BotLogin, marker+"\nold report")
					continue
				}
				srv.AddComment(owner, repo, pr, "octocat", fmt.Sprintf("comment %d", i))
			}
			c := newClient(t, srv)
			for i, want := range tt.wantCreated {
				body := fmt.Sprintf("report run %d", i)
				created, err := c.UpsertComment(context.Background(), owner, repo, pr, marker, body)
				if err != nil {
					t.Fatalf("UpsertComment %d: %v", i, err)
				}
				if created != want {
					t.Errorf("UpsertComment %d created = %v, want %v", i, created, want)
				}
			}
			var marked []ghtest.Comment
			all := srv.Comments(owner, repo, pr)
			for _, cm := range all {
				if strings.Contains(cm.Body, marker) {
					marked = append(marked, cm)
				}
			}
			if len(marked) != 1 {
				t.Fatalf("%d comments carry the marker, want 1", len(marked))
			}
			if want := marker + "\nreport run 1"; marked[0].Body != want {
				t.Errorf("body = %q, want %q", marked[0].Body, want)
			}
			wantTotal := seeded
			if tt.markedAt < 0 {
				wantTotal++
			}
			if len(all) != wantTotal {
				t.Errorf("%d comments in total, want %d", len(all), wantTotal)
			}
			var pages []string
			for _, r := range srv.Requests() {
				if r.Method == http.MethodGet {
					pages = append(pages, r.Query)
				}
			}
			if len(pages) < 2 || !strings.Contains(pages[1], "page=2") || !strings.Contains(pages[0], "per_page=100") {
				t.Errorf("list requests %v, want per_page=100 and a second page", pages)
			}
		})
	}
}

func TestUpsertCommentScopesByMarker(t *testing.T) {
	srv := ghtest.New(t)
	c := newClient(t, srv)
	ctx := context.Background()
	for _, m := range []string{ghapi.Marker("check=authgate", "shard=1/2"), ghapi.Marker("check=authgate", "shard=2/2")} {
		for range 2 {
			if _, err := c.UpsertComment(ctx, owner, repo, pr, m, "body of "+m); err != nil {
				t.Fatal(err)
			}
		}
	}
	if got := srv.Comments(owner, repo, pr); len(got) != 2 {
		t.Fatalf("got %d comments, want 2 (one per shard)", len(got))
	}
}

func TestUpsertCommentCutsLongBodyKeepingMarker(t *testing.T) {
	srv := ghtest.New(t)
	c := newClient(t, srv)
	marker := ghapi.Marker("check=authgate")
	body := strings.Repeat("| finding | ✓ |\n", 10_000) + marker // marker at the end would be cut
	for range 2 {
		if _, err := c.UpsertComment(context.Background(), owner, repo, pr, marker, body); err != nil {
			t.Fatal(err)
		}
	}
	got := srv.Comments(owner, repo, pr)
	if len(got) != 1 {
		t.Fatalf("got %d comments, want 1", len(got))
	}
	b := got[0].Body
	if !strings.HasPrefix(b, marker+"\n") || strings.Count(b, marker) != 1 {
		t.Error("marker is not first, exactly once")
	}
	if utf8.RuneCountInString(b) > ghapi.MaxCommentChars || !utf8.ValidString(b) || !strings.Contains(b, " more lines\n") {
		t.Errorf("body of %d bytes not cut safely with a notice", len(b))
	}
}

func TestUpsertCommentRejectsBadMarker(t *testing.T) {
	srv := ghtest.New(t)
	c := newClient(t, srv)
	for _, m := range []string{"", "authgate", "<!-- a --> b -->"} {
		if _, err := c.UpsertComment(context.Background(), owner, repo, pr, m, "x"); err == nil {
			t.Errorf("marker %q accepted", m)
		}
	}
	if n := srv.RequestCount(); n != 0 {
		t.Errorf("sent %d requests, want none", n)
	}
}

func TestReadOnlyTokenIsPermissionErrorWithoutRetry(t *testing.T) {
	tests := []struct {
		name      string
		call      func(*ghapi.Client) error
		wantCalls int // requests, all answered at once
	}{
		{"start check run", func(c *ghapi.Client) error {
			_, err := c.StartCheckRun(context.Background(), owner, repo, "authgate", sha)
			return err
		}, 1},
		{"create comment", func(c *ghapi.Client) error {
			_, err := c.UpsertComment(context.Background(), owner, repo, pr, ghapi.Marker("x"), "b")
			return err
		}, 2}, // one list (reads work), one refused POST
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := ghtest.New(t)
			srv.ReadOnly()
			err := tt.call(newClient(t, srv))
			if !errors.Is(err, ghapi.ErrPermission) {
				t.Fatalf("err = %v, want ErrPermission", err)
			}
			if !strings.Contains(err.Error(), "Resource not accessible by integration") {
				t.Errorf("err = %v, want GitHub's message kept", err)
			}
			if got, want := ghapi.Answer(err), `403 "Resource not accessible by integration"`; got != want {
				t.Errorf("Answer = %q, want %q (no URL, no empty error list)", got, want)
			}
			if n := srv.RequestCount(); n != tt.wantCalls {
				t.Errorf("%d requests, want %d (no retry)", n, tt.wantCalls)
			}
		})
	}
}

// TestAnswerWithoutGitHubsAnswer: an error GitHub did not answer (a
// refused connection) has no answer to quote.
func TestAnswerWithoutGitHubsAnswer(t *testing.T) {
	for _, err := range []error{nil, errors.New("dial tcp: connection refused"), fmt.Errorf("ghapi: start: %w", context.Canceled)} {
		if got := ghapi.Answer(err); got != "" {
			t.Errorf("Answer(%v) = %q, want \"\"", err, got)
		}
	}
}

func TestRetryPolicy(t *testing.T) {
	retryAfter := map[string]string{"Retry-After": "1"}
	// start sends one POST; upsert lists (GET) before it creates (POST).
	start := func(c *ghapi.Client) error {
		_, err := c.StartCheckRun(context.Background(), owner, repo, "authgate", sha)
		return err
	}
	upsert := func(c *ghapi.Client) error {
		_, err := c.UpsertComment(context.Background(), owner, repo, pr, ghapi.Marker("check=authgate"), "report")
		return err
	}
	tests := []struct {
		name         string
		call         func(*ghapi.Client) error
		faults       int
		status       int
		header       map[string]string
		wantErr      error // nil: success
		wantRequests int
		wantRetries  int
	}{
		{"GET: transient 502 twice", upsert, 2, http.StatusBadGateway, nil, nil, 4, 2},
		{"GET: 500 then success", upsert, 1, http.StatusInternalServerError, nil, nil, 3, 1},
		{"GET: 504 then success", upsert, 1, http.StatusGatewayTimeout, nil, nil, 3, 1},
		{"GET: 501 is final", upsert, 1, http.StatusNotImplemented, nil, errAny, 1, 0},
		{"GET: 503 beyond the retry budget", upsert, 10, http.StatusServiceUnavailable, nil, errAny, 5, 4},
		{"POST: secondary rate limit", start, 1, http.StatusForbidden, retryAfter, nil, 2, 1},
		{"POST: 429", start, 1, http.StatusTooManyRequests, nil, nil, 2, 1},
		{"POST: 429 with exhausted budget", start, 1, http.StatusTooManyRequests,
			map[string]string{"X-Ratelimit-Remaining": "0", "X-Ratelimit-Reset": "1"}, nil, 2, 1},
		// A 5xx POST is not retried: the run is looked for, then created once more.
		{"POST: 502 is not retried", start, 1, http.StatusBadGateway, nil, nil, 3, 0},
		{"POST: 404 is permission", start, 1, http.StatusNotFound, nil, ghapi.ErrPermission, 1, 0},
		{"POST: 401 is permission", start, 1, http.StatusUnauthorized, nil, ghapi.ErrPermission, 1, 0},
		{"POST: 403 without Retry-After", start, 1, http.StatusForbidden, nil, ghapi.ErrPermission, 1, 0},
		{"POST: 422 is final", start, 1, http.StatusUnprocessableEntity, nil, errAny, 1, 0},
		{"POST: secondary rate limit that never lifts", start, 10, http.StatusForbidden, retryAfter, ghapi.ErrRateLimited, 5, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := ghtest.New(t)
			srv.FailNext(tt.faults, tt.status, tt.header)
			var mu sync.Mutex
			var logged []string
			c := newClient(t, srv, ghapi.WithRetryMax(4), ghapi.WithLogger(func(s string) {
				mu.Lock()
				defer mu.Unlock()
				logged = append(logged, s)
			}))
			err := tt.call(c)
			switch {
			case tt.wantErr == nil && err != nil:
				t.Fatalf("err = %v, want success", err)
			case tt.wantErr == errAny && err == nil:
				t.Fatal("want an error")
			case tt.wantErr == errAny && errors.Is(err, ghapi.ErrPermission):
				t.Fatalf("err = %v must not be ErrPermission", err)
			case tt.wantErr != nil && tt.wantErr != errAny && !errors.Is(err, tt.wantErr):
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if n := srv.RequestCount(); n != tt.wantRequests {
				t.Errorf("%d requests, want %d: %+v", n, tt.wantRequests, srv.Requests())
			}
			if len(logged) != tt.wantRetries {
				t.Errorf("logged %d retries, want %d: %q", len(logged), tt.wantRetries, logged)
			}
			if tt.wantErr == nil && len(srv.CheckRuns())+len(srv.Comments(owner, repo, pr)) != 1 {
				t.Error("want exactly one check run or comment after the retries")
			}
		})
	}
}

// errAny marks a case that must fail, with any error but ErrPermission.
var errAny = errors.New("any error")

func TestBadTokenIsPermissionError(t *testing.T) {
	srv := ghtest.New(t)
	c, err := ghapi.New("wrong", srv.URL, ghapi.WithBackoff(time.Millisecond, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.StartCheckRun(context.Background(), owner, repo, "authgate", sha)
	if !errors.Is(err, ghapi.ErrPermission) || srv.RequestCount() != 1 {
		t.Errorf("err = %v after %d requests, want ErrPermission after 1", err, srv.RequestCount())
	}
}

func TestNewRejectsBadInput(t *testing.T) {
	tests := []struct{ name, token, url string }{
		{"empty token", " ", ""},
		{"relative url", "t", "api.github.com"},
		{"other scheme", "t", "ftp://example.com/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ghapi.New(tt.token, tt.url); err == nil {
				t.Error("want an error")
			}
		})
	}
}

func TestMarker(t *testing.T) {
	tests := []struct {
		name  string
		scope []string
		want  string
	}{
		{"plain", []string{"check=authgate", "shard=1/2"}, "<!-- authgate:check=authgate:shard=1/2 -->"},
		{"no scope", nil, "<!-- authgate -->"},
		{"empty parts skipped", []string{"check=a", "", "job=build"}, "<!-- authgate:check=a:job=build -->"},
		{"single dashes kept", []string{"check=auth-gate"}, "<!-- authgate:check=auth-gate -->"},
		{"comment close escaped", []string{"check=x -->@alice<script>"}, "<!-- authgate:check=x%20%2D%2D%3E@alice%3Cscript%3E -->"},
		{"separator escaped", []string{"check=a:shard=1"}, "<!-- authgate:check=a%3Ashard=1 -->"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ghapi.Marker(tt.scope...)
			if got != tt.want {
				t.Errorf("Marker(%q) = %q, want %q", tt.scope, got, tt.want)
			}
			inner := strings.TrimSuffix(strings.TrimPrefix(got, "<!--"), "-->")
			if strings.Contains(inner, "--") || strings.ContainsAny(inner, "<>\n") {
				t.Errorf("Marker(%q) = %q can end the HTML comment early", tt.scope, got)
			}
		})
	}
	if ghapi.Marker("check=a:shard=1") == ghapi.Marker("check=a", "shard=1") {
		t.Error("distinct scopes share a marker")
	}
	if strings.Contains(ghapi.Marker("check=a", "shard=1"), ghapi.Marker("check=a")) {
		t.Error("a shorter scope's marker is found inside a longer one's")
	}
}

// A comment carrying the marker is only ever edited when the token's login
// wrote it: anyone can paste the marker into their own comment.
func TestUpsertCommentNeverEditsOthersComments(t *testing.T) {
	marker := ghapi.Marker("check=authgate", "job=scan")
	tests := []struct {
		name      string
		opts      []ghapi.Option
		seedLogin string // author of a seeded comment with the marker
		wantMine  string // login expected on the sticky comment
		wantTotal int
	}{
		{"human's marked comment left alone", nil, "mallory", ghtest.BotLogin, 2},
		{"other bot's marked comment left alone", nil, "dependabot[bot]", ghtest.BotLogin, 2},
		{"own comment found case-insensitively", []ghapi.Option{ghapi.WithCommenter("OctoCat")}, "octocat", "octocat", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := ghtest.New(t)
			seeded := srv.AddComment(owner, repo, pr, tt.seedLogin, "lol "+marker+" pwned")
			c := newClient(t, srv, tt.opts...)
			for i := range 2 {
				if _, err := c.UpsertComment(context.Background(), owner, repo, pr, marker, fmt.Sprintf("results %d", i)); err != nil {
					t.Fatalf("UpsertComment %d: %v", i, err)
				}
			}
			all := srv.Comments(owner, repo, pr)
			if len(all) != tt.wantTotal {
				t.Fatalf("%d comments, want %d", len(all), tt.wantTotal)
			}
			mine := 0
			for _, cm := range all {
				switch {
				case cm.ID == seeded && cm.Login != tt.wantMine:
					if cm.Edits != 0 || cm.Body != "lol "+marker+" pwned" {
						t.Errorf("%s's comment was edited: %q", cm.Login, cm.Body)
					}
				case cm.Login == tt.wantMine || strings.EqualFold(cm.Login, tt.wantMine):
					mine++
					if cm.Body != marker+"\nresults 1" {
						t.Errorf("sticky comment body %q, want the second report", cm.Body)
					}
				}
			}
			if mine != 1 {
				t.Errorf("%d comments by %s, want exactly 1", mine, tt.wantMine)
			}
		})
	}
}

// GitHub sometimes creates the resource and still answers 502; a blind
// retry of the POST would then create a second one.
func TestWriteAfterAmbiguousFailureDoesNotDuplicate(t *testing.T) {
	post502 := ghtest.Fault{Method: http.MethodPost, Status: http.StatusBadGateway}
	created502 := ghtest.Fault{Method: http.MethodPost, Status: http.StatusBadGateway, AfterHandling: true}
	tests := []struct {
		name      string
		fault     ghtest.Fault
		comment   bool // UpsertComment, else StartCheckRun
		wantPosts int
	}{
		{"check run created, answered 502", created502, false, 1},
		{"check run refused with 502", post502, false, 2},
		{"comment created, answered 502", created502, true, 1},
		{"comment refused with 502", post502, true, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := ghtest.New(t)
			srv.Inject(1, tt.fault)
			c := newClient(t, srv)
			ctx := context.Background()
			if tt.comment {
				created, err := c.UpsertComment(ctx, owner, repo, pr, ghapi.Marker("check=authgate"), "report")
				if err != nil || !created {
					t.Fatalf("UpsertComment = %v, %v; want created", created, err)
				}
				if got := srv.Comments(owner, repo, pr); len(got) != 1 || got[0].Body != ghapi.Marker("check=authgate")+"\nreport" {
					t.Fatalf("comments = %+v, want exactly one with the report", got)
				}
			} else {
				id, err := c.StartCheckRun(ctx, owner, repo, "authgate", sha)
				if err != nil {
					t.Fatalf("StartCheckRun: %v", err)
				}
				runs := srv.CheckRuns()
				if len(runs) != 1 || runs[0].ID != id || runs[0].Status != "in_progress" {
					t.Fatalf("runs = %+v, want exactly one in progress with id %d", runs, id)
				}
			}
			if got := countRequests(srv, http.MethodPost, "/"); got != tt.wantPosts {
				t.Errorf("%d POST requests, want %d", got, tt.wantPosts)
			}
		})
	}
}

// A concurrent job's in-progress run of the same name is not taken over.
func TestStartCheckRunDoesNotReuseAnotherJobsRun(t *testing.T) {
	srv := ghtest.New(t)
	ctx := context.Background()
	other, err := newClient(t, srv).StartCheckRun(ctx, owner, repo, "authgate", sha)
	if err != nil {
		t.Fatal(err)
	}
	srv.Inject(1, ghtest.Fault{Method: http.MethodPost, Status: http.StatusBadGateway})
	id, err := newClient(t, srv).StartCheckRun(ctx, owner, repo, "authgate", sha)
	if err != nil {
		t.Fatalf("StartCheckRun: %v", err)
	}
	if id == other || len(srv.CheckRuns()) != 2 {
		t.Errorf("got run %d (other job's is %d), %d runs; want a run of its own", id, other, len(srv.CheckRuns()))
	}
}

// TestUpsertCommentAdoptsLegacyMarker: comments written before the scope
// stopped naming the target (one per preview URL) are updated, not
// duplicated — the oldest one of the same check, workflow and job; other
// scopes' and other people's comments are left alone, and a comment with
// the current marker wins over an older legacy one.
func TestUpsertCommentAdoptsLegacyMarker(t *testing.T) {
	scope := []string{"check=authgate", "workflow=ci", "job=scan"}
	marker := ghapi.Marker(scope...)
	legacy := func(job, hash string) string {
		return ghapi.Marker("check=authgate", "workflow=ci", "job="+job, "target="+hash) + "\nscore 90/100"
	}
	tests := []struct {
		name      string
		seed      [][2]string // login, body
		wantIndex int         // seeded comment that ends up with the new body
	}{
		{"legacy comment of the same job", [][2]string{
			{"mallory", legacy("scan", "0a1b2c3d")},
			{ghtest.BotLogin, legacy("other", "0a1b2c3d")},
			{ghtest.BotLogin, legacy("scan", "0a1b2c3d")},
			{ghtest.BotLogin, legacy("scan", "99aa88bb")},
		}, 2},
		{"current marker preferred", [][2]string{
			{ghtest.BotLogin, legacy("scan", "0a1b2c3d")},
			{ghtest.BotLogin, marker + "\nscore 80/100"},
		}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := ghtest.New(t)
			for _, s := range tt.seed {
				srv.AddComment(owner, repo, pr, s[0], s[1])
			}
			c := newClient(t, srv)
			for i := range 2 {
				created, err := c.UpsertComment(context.Background(), owner, repo, pr, marker, fmt.Sprintf("run %d", i))
				if err != nil || created {
					t.Fatalf("UpsertComment %d: created %v, err %v; want an update", i, created, err)
				}
			}
			all := srv.Comments(owner, repo, pr)
			if len(all) != len(tt.seed) {
				t.Fatalf("%d comments, want the %d seeded", len(all), len(tt.seed))
			}
			for i, cm := range all {
				want := tt.seed[i][1]
				if i == tt.wantIndex {
					want = marker + "\nrun 1"
				}
				if cm.Body != want {
					t.Errorf("comment %d = %q, want %q", i, cm.Body, want)
				}
			}
		})
	}
}
