package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/authgate/authgate/action"
	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/ghapi"
	"github.com/authgate/authgate/locate"
	"github.com/authgate/authgate/report"
)

// runAction is the container Action's entry point (action.yml runs
// `authgate action`): inputs and event from the runner, a check run on the
// head commit, the scan, then annotations, the sticky comment, outputs and
// the job summary. The exit code is the CLI's. GitHub API problems never
// fail the job: without write access it falls back to log annotations and
// the summary, and says so once.
func runAction(ctx context.Context, env Env) int {
	a := action.New(env.Getenv, env.Stdout)
	ev, err := a.Event()
	if err != nil {
		return badInputs(a, err)
	}
	cfg, set, err := a.Inputs(ev)
	if err != nil {
		return badInputs(a, err)
	}

	gh := newGitHub(a, ev, set, env)
	checkID := gh.start(ctx)

	var finder *locate.Finder
	spec := cfg.OpenAPI
	if spec == "" || strings.Contains(spec, "://") {
		spec = repoSpec(ev.Workspace)
	}
	if set.Annotate && ev.Workspace != "" {
		if f, err := locate.New(ev.Workspace, spec); err == nil {
			finder = f
		}
	}
	h := &hooks{
		decorate: func(r *report.Report) {
			inputWordsReport(r)
			if finder == nil {
				return
			}
			for i := range r.Findings {
				if loc, ok := finder.Locate(r.Findings[i].Method, r.Findings[i].Path); ok {
					r.Findings[i].Location = &loc
				}
			}
		},
		sarifFallback: sarifFallback(env, ev.Workspace, spec),
	}
	// The CLI says why a run stopped (Env.Stopped, and its last line on
	// stderr when a path prints without it); the Action repeats it where
	// people look: an error annotation, the job summary, the check run
	// and the comment. Both name the Action's inputs where the CLI's
	// messages name flags.
	why := &lastLine{w: env.Stderr}
	words := &inputWordsWriter{w: why}
	scanEnv := env
	scanEnv.Stderr = words
	stopped := ""
	scanEnv.Stopped = func(reason string) { stopped = reason }
	var rep *report.Report
	var code int
	what := "scan " + displayTarget(cfg.Target)
	if len(set.Merge) > 0 {
		what = "merge the shard reports"
		a.Group(fmt.Sprintf("authgate merge of %d shard reports", len(set.Merge)))
		rep, code = mergeAndGate(set.Merge, cfg, scanEnv, h)
	} else {
		a.Group("authgate scan of " + displayTarget(cfg.Target))
		rep, code = scanAndGate(ctx, cfg, scanEnv, h)
	}
	_ = words.Flush() // a write error on the log has nowhere to be reported
	a.EndGroup()
	reason := why.last()
	if stopped != "" {
		// What the CLI said it stopped on, as the log shows it (with
		// the Action's input names), not merely the last line printed.
		reason = cutReason(inputWords(stopped))
	}
	if reason == "" {
		reason = "no reason was printed; see the job log"
	}
	// The verdict, outside the collapsed group: the first thing a reader
	// of a red job sees.
	switch {
	case code == ExitGateFailed && rep != nil:
		a.Error("authgate: the gate failed: " + gateReasons(rep))
	case code != ExitPassed:
		if rep != nil {
			what += " completely"
		}
		a.Error(fmt.Sprintf("authgate could not %s (exit code %d): %s", what, code, reason))
	}
	// The check run and the comment are finished even when the job is
	// being cancelled: a check left "in progress" blocks a required
	// status forever.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finishTimeout)
	defer cancel()
	comment := ev.IsPullRequest()
	if set.Comment != nil {
		comment = *set.Comment && ev.IsPullRequest()
	}
	scope := commentScope(set, ev, cfg.Shard.String())

	if code != ExitPassed && code != ExitGateFailed {
		// No result to build on, even when an incomplete report was
		// written: outputs say only passed=false.
		if err := a.SetNotRunOutputs(); err != nil {
			a.Warning("authgate: " + err.Error())
		}
	} else if err := a.SetOutputs(rep, code == ExitPassed, set.ReportPath, set.SARIFPath); err != nil {
		a.Warning("authgate: " + err.Error())
	}
	if rep == nil {
		md := notRunMarkdown(what, code, reason)
		if err := a.Summary(md); err != nil {
			a.Warning("authgate: " + err.Error())
		}
		gh.fail(ctx, checkID, notRunTitle(code), md)
		if comment {
			gh.comment(ctx, ev.PR, scope, action.RunStamp(ev, time.Now())+"\n\n"+md)
		}
		return code
	}

	md := markdown(rep)
	if code != ExitPassed && code != ExitGateFailed {
		md = notRunMarkdown(what, code, reason) + "\n" + md
	}
	if err := a.Summary(md); err != nil {
		a.Warning("authgate: " + err.Error())
	}
	if !gh.finish(ctx, checkID, rep, md, code) && set.Annotate {
		a.LogAnnotations(rep.Findings)
	}
	if comment {
		gh.comment(ctx, ev.PR, scope, action.Stamp(ev, rep.StartedAt)+"\n\n"+md)
	}
	return code
}

// badInputs ends a run whose event or inputs are unusable (exit 2): the
// error line, the job summary and passed=false say why. There is no check
// run: the token is one of the inputs.
func badInputs(a *action.Action, err error) int {
	reason := inputWords(oneLine(err.Error()))
	a.Error("authgate: " + reason)
	if err := a.Summary(notRunMarkdown("read its inputs", ExitUsage, reason)); err != nil {
		a.Warning("authgate: " + err.Error())
	}
	if err := a.SetNotRunOutputs(); err != nil {
		a.Warning("authgate: " + err.Error())
	}
	return ExitUsage
}

// gateReasons joins the gate's reasons for one error line.
func gateReasons(rep *report.Report) string {
	if len(rep.Gate.Reasons) == 0 {
		return fmt.Sprintf("score %d/100 (%s)", rep.Score, rep.Grade)
	}
	return strings.Join(rep.Gate.Reasons, "; ")
}

// notRunTitle is the check run's title for a run without a result.
func notRunTitle(code int) string {
	if code == ExitUsage {
		return "configuration error: nothing was scanned"
	}
	return "the scan could not run"
}

// notRunMarkdown says, in the summary, the check run and the comment,
// why there is no result: the same reason the log's last line gives. The
// reason may quote the target (an error message, a URL): it is escaped.
func notRunMarkdown(what string, code int, reason string) string {
	return fmt.Sprintf("## authgate: %s\n\nauthgate could not %s (exit code %d).\n\n**Reason:** %s\n",
		notRunTitle(code), report.EscapeMarkdown(what), code, report.EscapeMarkdown(reason))
}

// lastLine passes writes through to w and remembers the last complete
// line, without the "authgate: " every CLI message starts with.
type lastLine struct {
	w       io.Writer
	mu      sync.Mutex
	partial []byte
	line    string
}

func (l *lastLine) Write(p []byte) (int, error) {
	l.mu.Lock()
	l.partial = append(l.partial, p...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		// A live progress line rewrites itself with \r: keep its end.
		line := l.partial[:i]
		if j := bytes.LastIndexByte(line, '\r'); j >= 0 {
			line = line[j+1:]
		}
		if t := strings.TrimSpace(string(line)); t != "" {
			l.line = strings.TrimPrefix(t, "authgate: ")
		}
		l.partial = l.partial[i+1:]
	}
	if len(l.partial) > maxReasonBytes {
		l.partial = l.partial[len(l.partial)-maxReasonBytes:]
	}
	l.mu.Unlock()
	return l.w.Write(p)
}

// maxReasonBytes bounds the unfinished line kept in memory; a one-line
// error is far shorter.
const maxReasonBytes = 64 << 10

// maxReasonRunes bounds the reason repeated in the error annotation, the
// summary and the check run: an error quoting a long answer of the target
// stays readable there, and whole in the log.
const maxReasonRunes = 500

// last is the last line, cut to maxReasonRunes.
func (l *lastLine) last() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return cutReason(l.line)
}

// cutReason cuts a reason to maxReasonRunes.
func cutReason(s string) string {
	if r := []rune(s); len(r) > maxReasonRunes {
		return string(r[:maxReasonRunes]) + "…"
	}
	return s
}

// specNames are where repositories usually keep their API description,
// for annotations when the scan read it from the target (or a URL).
var specNames = []string{
	"openapi.yaml", "openapi.yml", "openapi.json", "swagger.yaml", "swagger.yml", "swagger.json",
	"api/openapi.yaml", "api/openapi.yml", "api/openapi.json", "docs/openapi.yaml", "docs/openapi.json",
	"spec/openapi.yaml", "openapi/openapi.yaml",
}

// repoSpec finds the repository's API description at the usual places,
// "" when there is none.
func repoSpec(workspace string) string {
	if workspace == "" {
		return ""
	}
	for _, name := range specNames {
		p := filepath.Join(workspace, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p
		}
	}
	return ""
}

// sarifFallback picks the file that SARIF results without a location point
// at: the API description when it is in the repository, else the workflow
// file that ran the scan (GITHUB_WORKFLOW_REF), both real files, so code
// scanning accepts and shows the alert.
func sarifFallback(env Env, workspace, spec string) finding.Location {
	if workspace != "" && spec != "" {
		if rel, err := filepath.Rel(workspace, spec); err == nil && !strings.HasPrefix(rel, "..") && !filepath.IsAbs(rel) {
			return finding.Location{File: filepath.ToSlash(rel), Line: 1}
		}
	}
	// owner/repo/.github/workflows/ci.yml@refs/heads/main
	ref := env.Getenv("GITHUB_WORKFLOW_REF")
	if i := strings.Index(ref, "/.github/"); i >= 0 {
		path, _, _ := strings.Cut(ref[i+1:], "@")
		return finding.Location{File: path, Line: 1}
	}
	return finding.Location{}
}

// finishTimeout bounds the GitHub calls made after the scan, which run
// even when the job is cancelled.
const finishTimeout = 2 * time.Minute

// displayTarget shows a target without its query (it may carry an API key)
// or credentials.
func displayTarget(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "the target"
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}

// commentScope makes the sticky comment's marker: one comment per pull
// request (it is looked up on the pull request), check name, workflow,
// job and shard, so that no two jobs overwrite each other. Not the target:
// a preview URL per commit must update the same comment. Jobs of a matrix
// over environments share workflow and job: give them distinct check
// names, as their check runs need anyway.
func commentScope(set action.Settings, ev action.Event, shard string) []string {
	scope := []string{"check=" + set.CheckName}
	if ev.Workflow != "" {
		scope = append(scope, "workflow="+ev.Workflow)
	}
	if ev.Job != "" {
		scope = append(scope, "job="+ev.Job)
	}
	if shard != "" {
		scope = append(scope, "shard="+shard)
	}
	return scope
}

func markdown(rep *report.Report) string {
	var b bytes.Buffer
	if err := report.Write(&b, "markdown", rep, report.Options{}); err != nil {
		return "authgate: the summary could not be written: " + err.Error()
	}
	return b.String()
}

// github is the GitHub API side of the Action, or nothing when the token
// cannot write (a fork's pull request, missing permissions, no token).
type github struct {
	a        *action.Action
	ev       action.Event
	set      action.Settings
	client   *ghapi.Client
	notified bool
}

func newGitHub(a *action.Action, ev action.Event, set action.Settings, env Env) *github {
	g := &github{a: a, ev: ev, set: set}
	switch {
	case set.Token == "":
		g.readOnly(noGitHub("no github-token was given"))
	case ev.Fork:
		g.readOnly(noGitHub("the token of a pull request from a fork is read-only"))
	case ev.Owner == "" || ev.Repo == "":
		g.readOnly(noGitHub("the repository is unknown (GITHUB_REPOSITORY is not set)"))
	default:
		c, err := ghapi.New(set.Token, ev.APIURL, ghapi.WithLogger(func(s string) {
			fmt.Fprintln(env.Stderr, "authgate: github: "+oneLine(s))
		}))
		if err != nil {
			g.readOnly(noGitHub(err.Error()))
			break
		}
		g.client = c
	}
	return g
}

// readOnly switches to the fallback and prints notice, once.
func (g *github) readOnly(notice string) {
	g.client = nil
	if g.notified {
		return
	}
	g.notified = true
	g.a.Notice(notice)
}

// noGitHub is the notice of a run that writes nothing to GitHub, and why.
func noGitHub(why string) string {
	return "authgate: no check run or comment: " + why + ". Findings are below as annotations and in the job summary."
}

// commentWrite is what failed when the pull request comment could not be
// written.
const commentWrite = "writing the pull request comment"

// failed handles a GitHub API error: a permission error switches to the
// fallback; anything else is a warning. Neither fails the job. A token
// that cannot write is, most often, a fork's, whose workflow cannot grant
// it anything: the notice names both causes, not only the permissions.
func (g *github) failed(what string, err error) {
	if errors.Is(err, ghapi.ErrPermission) {
		answered := ""
		if ans := ghapi.Answer(err); ans != "" {
			answered = "; GitHub answered " + ans + " to " + what
		}
		if what == commentWrite {
			// The check run was written: only the comment is missing.
			g.readOnly(oneLine("authgate: no pull request comment: the token cannot write comments (the job lacks pull-requests: write" + answered + "). Findings are in the check run and the job summary."))
			return
		}
		g.readOnly(oneLine(noGitHub("the token is read-only (a pull request from a fork, or the job lacks checks: write / pull-requests: write" + answered + ")")))
		return
	}
	g.a.Warning("authgate: " + what + ": " + oneLine(err.Error()))
}

// start creates the check run, in progress; 0 when there is none: no
// client, no commit, or the check-run input is false. A check run created
// with GITHUB_TOKEN goes into the check suite of whichever workflow run of
// the commit GitHub picks, so it may show under another workflow in the
// UI (docs/action.md); check-run: false is for those who would rather
// not have it, and the findings then go to the log's annotations, as in
// the fallback.
func (g *github) start(ctx context.Context) int64 {
	if g.client == nil || g.ev.HeadSHA == "" || !g.set.CheckRun {
		return 0
	}
	id, err := g.client.StartCheckRun(ctx, g.ev.Owner, g.ev.Repo, g.set.CheckName, g.ev.HeadSHA)
	if err != nil {
		g.failed("creating the check run", err)
		return 0
	}
	return id
}

// finish completes the check run with the annotations and the summary;
// it reports whether the annotations reached GitHub.
func (g *github) finish(ctx context.Context, id int64, rep *report.Report, md string, code int) bool {
	if g.client == nil || id == 0 {
		return false
	}
	// The conclusion follows the exit code, not only the gate: a scan
	// that could not run (every request failed, interrupted) is never a
	// green check.
	conclusion := "success"
	if code != ExitPassed {
		conclusion = "failure"
	}
	title := fmt.Sprintf("score %d/100 (%s), %s", rep.Score, rep.Grade, report.Plural(len(rep.Findings), "finding"))
	if code == ExitScanFailed {
		title = "the scan could not run completely: " + title
	}
	var anns []ghapi.Annotation
	if g.set.Annotate {
		anns = annotations(rep.Findings)
	}
	if err := g.client.CompleteCheckRun(ctx, g.ev.Owner, g.ev.Repo, id, conclusion, title, md, anns); err != nil {
		g.failed("completing the check run", err)
		return false
	}
	return true
}

// fail completes the check run of a run without a result, its summary
// saying why.
func (g *github) fail(ctx context.Context, id int64, title, summary string) {
	if g.client == nil || id == 0 {
		return
	}
	if err := g.client.CompleteCheckRun(ctx, g.ev.Owner, g.ev.Repo, id, "failure", title, summary, nil); err != nil {
		g.failed("completing the check run", err)
	}
}

func (g *github) comment(ctx context.Context, pr int, scope []string, md string) {
	if g.client == nil {
		return
	}
	if _, err := g.client.UpsertComment(ctx, g.ev.Owner, g.ev.Repo, pr, ghapi.Marker(scope...), md); err != nil {
		g.failed(commentWrite, err)
	}
}

// annotations turns findings with a known location into check-run
// annotations; the others appear in the summary only.
func annotations(fs []finding.Finding) []ghapi.Annotation {
	var out []ghapi.Annotation
	for _, f := range fs {
		if f.Location == nil || f.Location.File == "" || f.Location.Line <= 0 {
			continue
		}
		level := "notice"
		switch {
		case f.Severity >= finding.SeverityHigh:
			level = "failure"
		case f.Severity == finding.SeverityMedium:
			level = "warning"
		}
		details := strings.Join(f.Reproduce, "\n")
		out = append(out, ghapi.Annotation{
			Path: f.Location.File, StartLine: f.Location.Line, EndLine: f.Location.Line, Level: level,
			Title:      fmt.Sprintf("%s: %s %s", f.Rule, f.Method, f.Path),
			Message:    f.Title + ". " + f.Evidence.Summary + "\n\n" + f.Remediation,
			RawDetails: details,
		})
	}
	return out
}
