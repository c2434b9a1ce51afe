package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
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
		a.Error("authgate: " + err.Error())
		return ExitUsage
	}
	cfg, set, err := a.Inputs(ev)
	if err != nil {
		a.Error("authgate: " + oneLine(err.Error()))
		return ExitUsage
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
	var rep *report.Report
	var code int
	if len(set.Merge) > 0 {
		a.Group(fmt.Sprintf("authgate merge of %d shard reports", len(set.Merge)))
		rep, code = mergeAndGate(set.Merge, cfg, env, h)
	} else {
		a.Group("authgate scan of " + displayTarget(cfg.Target))
		rep, code = scanAndGate(ctx, cfg, env, h)
	}
	a.EndGroup()
	// The check run and the comment are finished even when the job is
	// being cancelled: a check left "in progress" blocks a required
	// status forever.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finishTimeout)
	defer cancel()
	if rep == nil {
		what := "scan " + displayTarget(cfg.Target)
		if len(set.Merge) > 0 {
			what = "merge the shard reports"
		}
		msg := "authgate could not " + what + " (exit code " + strconv.Itoa(code) + "); see the job log."
		if err := a.Summary("## authgate: the scan could not run\n\n" + report.EscapeMarkdown(msg) + "\n"); err != nil {
			a.Warning("authgate: " + err.Error())
		}
		if err := a.SetOutputs(&report.Report{Grade: "F", Findings: []finding.Finding{}}, false, set.ReportPath, set.SARIFPath); err != nil {
			a.Warning("authgate: " + err.Error())
		}
		gh.fail(ctx, checkID, msg)
		return code
	}

	md := markdown(rep)
	if err := a.Summary(md); err != nil {
		a.Warning("authgate: " + err.Error())
	}
	if err := a.SetOutputs(rep, code == ExitPassed, set.ReportPath, set.SARIFPath); err != nil {
		a.Warning("authgate: " + err.Error())
	}
	if !gh.finish(ctx, checkID, rep, md, code) && set.Annotate {
		a.LogAnnotations(rep.Findings)
	}
	comment := ev.IsPullRequest()
	if set.Comment != nil {
		comment = *set.Comment && ev.IsPullRequest()
	}
	if comment {
		gh.comment(ctx, ev.PR, commentScope(set, ev, cfg.Shard.String(), cfg.Target), md)
	}
	return code
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

// commentScope makes the sticky comment's marker: one comment per
// workflow, job, check name and shard (or target, for a matrix over
// environments without shards), so that no two jobs overwrite each other.
func commentScope(set action.Settings, ev action.Event, shard, target string) []string {
	scope := []string{"check=" + set.CheckName}
	if ev.Workflow != "" {
		scope = append(scope, "workflow="+ev.Workflow)
	}
	if ev.Job != "" {
		scope = append(scope, "job="+ev.Job)
	}
	if shard != "" {
		scope = append(scope, "shard="+shard)
	} else {
		sum := sha256.Sum256([]byte(displayTarget(target)))
		scope = append(scope, "target="+hex.EncodeToString(sum[:4]))
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
		g.readOnly("no github-token was given")
	case ev.Fork:
		g.readOnly("the pull request comes from a fork, whose token is read-only")
	case ev.Owner == "" || ev.Repo == "":
		g.readOnly("the repository is unknown (GITHUB_REPOSITORY is not set)")
	default:
		c, err := ghapi.New(set.Token, ev.APIURL, ghapi.WithLogger(func(s string) {
			fmt.Fprintln(env.Stderr, "authgate: github: "+oneLine(s))
		}))
		if err != nil {
			g.readOnly(err.Error())
			break
		}
		g.client = c
	}
	return g
}

// readOnly switches to the fallback and prints one notice saying why.
func (g *github) readOnly(why string) {
	g.client = nil
	if g.notified {
		return
	}
	g.notified = true
	g.a.Notice("authgate: no check run or pull request comment: " + why + ". Findings are shown as log annotations and in the job summary instead.")
}

// failed handles a GitHub API error: a permission error switches to the
// fallback; anything else is a warning. Neither fails the job.
func (g *github) failed(what string, err error) {
	if errors.Is(err, ghapi.ErrPermission) {
		g.readOnly("the token cannot write (" + what + ": " + oneLine(err.Error()) + "); grant checks: write and pull-requests: write")
		return
	}
	g.a.Warning("authgate: " + what + ": " + oneLine(err.Error()))
}

func (g *github) start(ctx context.Context) int64 {
	if g.client == nil || g.ev.HeadSHA == "" {
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
	title := fmt.Sprintf("score %d/100 (%s), %d findings", rep.Score, rep.Grade, len(rep.Findings))
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

func (g *github) fail(ctx context.Context, id int64, summary string) {
	if g.client == nil || id == 0 {
		return
	}
	if err := g.client.CompleteCheckRun(ctx, g.ev.Owner, g.ev.Repo, id, "failure", "the scan could not run", summary, nil); err != nil {
		g.failed("completing the check run", err)
	}
}

func (g *github) comment(ctx context.Context, pr int, scope []string, md string) {
	if g.client == nil {
		return
	}
	if _, err := g.client.UpsertComment(ctx, g.ev.Owner, g.ev.Repo, pr, ghapi.Marker(scope...), md); err != nil {
		g.failed("writing the pull request comment", err)
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
