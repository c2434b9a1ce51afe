// Package action is the thin adapter between authgate and the GitHub
// Actions runner, over go-githubactions: it turns the Action's inputs into
// a config.Config, reads the triggering event, and writes outputs, the job
// summary and workflow-command annotations. It makes no GitHub API calls
// (ghapi does) and runs no scan (cli does).
package action

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/sethvargo/go-githubactions"

	"github.com/authgate/authgate/config"
)

// Action wraps the runner's environment and command stream.
type Action struct {
	gh     *githubactions.Action
	getenv func(string) string
	// printed counts the annotations printed per level, against GitHub's
	// per-step display limit.
	printed map[string]int
}

// New returns an Action reading the environment through getenv and writing
// workflow commands to w (the step's log).
func New(getenv func(string) string, w io.Writer) *Action {
	return &Action{
		gh:      githubactions.New(githubactions.WithGetenv(getenv), githubactions.WithWriter(w)),
		getenv:  getenv,
		printed: map[string]int{},
	}
}

// Settings are the Action's inputs that are not scan configuration.
type Settings struct {
	Token     string
	CheckName string
	// CheckRun is the check-run input: false creates no check run, and
	// the findings go to the log's workflow-command annotations instead
	// (the fallback of a read-only token), with the job summary and the
	// comment as usual.
	CheckRun bool
	Annotate bool
	// Comment is the comment input; nil means "default": true on pull
	// requests, false elsewhere.
	Comment    *bool
	SARIFPath  string
	ReportPath string
	// Merge lists shard reports (workspace paths) to merge and gate
	// instead of scanning: the last job of a sharded matrix.
	Merge []string
}

// Defaults of the inputs, as in action.yml.
const (
	DefaultCheckName  = "authgate"
	DefaultSARIFPath  = "authgate.sarif"
	DefaultReportPath = "authgate.json"
	// DefaultWait is how long the Action waits for the target when
	// neither the wait input nor the config file says: previews come up
	// late.
	DefaultWait = 2 * time.Minute
)

// Inputs reads every input of action.yml. The credential inputs are masked
// with add-mask before anything else is printed. The config file (input
// `config`, else .authgate.yml in the workspace if present) is read first
// and inputs win over it; the file's target and baselineUrl are ignored,
// because in a pull request the file comes from the pull request's code
// and must not be able to send the workflow's credentials elsewhere.
func (a *Action) Inputs(ev Event) (config.Config, Settings, error) {
	auth := lines(a.gh.GetInput("auth-header"))
	peer := lines(a.gh.GetInput("peer-auth-header"))
	for _, h := range append(append([]string{}, auth...), peer...) {
		for _, s := range secretParts(h) {
			a.gh.AddMask(s)
		}
	}
	if t := a.gh.GetInput("github-token"); t != "" {
		a.gh.AddMask(t)
	}

	cfg := config.Default()
	if path := a.gh.GetInput("config"); path != "" {
		loaded, err := config.LoadEnv(a.workspacePath(path), a.lookupEnv)
		if err != nil {
			return cfg, Settings{}, err
		}
		cfg = loaded
	} else if def := a.workspacePath(config.DefaultFile); fileExists(def) {
		loaded, err := config.LoadEnv(def, a.lookupEnv)
		if err != nil {
			return cfg, Settings{}, err
		}
		cfg = loaded
	}
	cfg.Target, cfg.BaselineURL = "", ""
	// The file's credentials come from ${VAR}s; GitHub masks only values
	// that came from secrets, so mask them all before anything prints.
	for _, s := range configSecrets(cfg) {
		a.gh.AddMask(s)
	}

	var errs []string
	str := func(name string, dst *string) {
		if v := a.gh.GetInput(name); v != "" {
			*dst = v
		}
	}
	str("target", &cfg.Target)
	if cfg.Target == "" {
		cfg.Target = ev.DeploymentURL
	}
	str("openapi", &cfg.OpenAPI)
	if cfg.OpenAPI != "" && !strings.Contains(cfg.OpenAPI, "://") {
		cfg.OpenAPI = a.workspacePath(cfg.OpenAPI)
	}
	if e := lines(a.gh.GetInput("endpoints")); len(e) > 0 {
		cfg.Endpoints = e
	}
	if e := lines(a.gh.GetInput("exclude")); len(e) > 0 {
		cfg.Exclude = e
	}
	if len(auth) > 0 {
		cfg.Auth = auth
	}
	if len(peer) > 0 {
		cfg.PeerAuth = peer
	}
	// action.yml gives these inputs no default, so that an empty input
	// leaves the config file's value (or the built-in default) alone.
	str("mode", &cfg.Mode)
	str("fail-on", &cfg.FailOn)
	str("baseline", &cfg.Baseline)
	if cfg.Baseline != "" {
		cfg.Baseline = a.workspacePath(cfg.Baseline)
	}
	str("baseline-url", &cfg.BaselineURL)
	integer := func(name string, dst *int) {
		if v := a.gh.GetInput(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				errs = append(errs, fmt.Sprintf("input %s: %q is not a whole number", name, v))
				return
			}
			*dst = n
		}
	}
	integer("fail-under", &cfg.FailUnder)
	cfg.FailUnderSet = cfg.FailUnderSet || a.gh.GetInput("fail-under") != ""
	integer("max-score-drop", &cfg.MaxScoreDrop)
	integer("concurrency", &cfg.Concurrency)
	integer("budget", &cfg.Budget)
	// A budget given is a hard bound; the default one grows with the API
	// (config.DefaultBudgetPerOperation).
	cfg.BudgetSet = cfg.BudgetSet || a.gh.GetInput("budget") != ""
	if v := a.gh.GetInput("rate"); v != "" {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil {
			errs = append(errs, fmt.Sprintf("input rate: %q is not a number", v))
		} else {
			cfg.Rate = r
		}
	}
	// boolean reads a true/false input; nil when it was not given.
	boolean := func(name string) *bool {
		v := a.gh.GetInput(name)
		if v == "" {
			return nil
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Sprintf("input %s: %q is not true or false", name, v))
			return nil
		}
		return &b
	}
	// duration reads a duration input into dst and reports whether the
	// input was given; like names an example in the error.
	duration := func(name, like string, dst *time.Duration) bool {
		v := a.gh.GetInput(name)
		if v == "" {
			return false
		}
		d, err := time.ParseDuration(v)
		if err != nil {
			errs = append(errs, fmt.Sprintf("input %s: %q is not a duration like %s", name, v, like))
			return true
		}
		*dst = d
		return true
	}
	if !duration("wait", "2m or 30s", &cfg.Wait) && cfg.Wait == config.DefaultWait {
		// A preview deployment comes up late: in the Action, wait longer
		// than the CLI's default unless told otherwise.
		cfg.Wait = DefaultWait
	}
	duration("timeout", "10s or 1m", &cfg.Timeout)
	duration("max-duration", "10m or 90s", &cfg.MaxDuration)
	if b := boolean("insecure-tls"); b != nil {
		cfg.InsecureTLS = *b
	}
	if b := boolean("auto-accounts"); b != nil {
		cfg.AutoAccounts = *b
	}
	if v := a.gh.GetInput("shard"); v != "" {
		s, err := config.ParseShard(v)
		if err != nil {
			errs = append(errs, "input shard: "+err.Error())
		} else {
			cfg.Shard = s
		}
	}

	set := Settings{
		Token:      a.gh.GetInput("github-token"),
		CheckName:  a.gh.GetInput("check-name"),
		CheckRun:   true,
		Annotate:   true,
		SARIFPath:  a.gh.GetInput("sarif"),
		ReportPath: a.gh.GetInput("report"),
	}
	if set.CheckName == "" {
		set.CheckName = DefaultCheckName
	}
	if set.SARIFPath == "" {
		set.SARIFPath = DefaultSARIFPath
	}
	if set.ReportPath == "" {
		set.ReportPath = DefaultReportPath
	}
	if b := boolean("annotate"); b != nil {
		set.Annotate = *b
	}
	if b := boolean("check-run"); b != nil {
		set.CheckRun = *b
	}
	set.Comment = boolean("comment")

	for _, m := range lines(a.gh.GetInput("merge")) {
		set.Merge = append(set.Merge, a.workspacePath(m))
	}

	// The reports the Action always writes, for upload-artifact and
	// upload-sarif, plus the text report in the log.
	cfg.Outputs = []config.Output{
		{Format: "text", Path: config.Stdout},
		{Format: "json", Path: a.workspacePath(set.ReportPath)},
		{Format: "sarif", Path: a.workspacePath(set.SARIFPath)},
	}
	if len(errs) > 0 {
		return cfg, set, config.Invalidf("%s", strings.Join(errs, "; "))
	}
	if len(set.Merge) > 0 {
		// Merging scans nothing: the target comes from the shard
		// reports. Validate the rest with a stand-in target.
		cfg.Target = mergeTarget
		err := cfg.Validate()
		cfg.Target = ""
		return cfg, set, err
	}
	if cfg.Target == "" {
		return cfg, set, config.Invalidf("input target is required (or run on a deployment_status event, whose environment_url is used)")
	}
	return cfg, set, cfg.Validate()
}

// mergeTarget stands in for the target when a merge's settings are
// validated: config.Validate requires one, and a merge has none.
const mergeTarget = "http://127.0.0.1"

// secretParts returns what to mask of one "Header: value" line: the line,
// the value, and the parts the scanner's redactor also hides (a bearer
// token without its scheme, each cookie's value).
func secretParts(h string) []string {
	out := []string{h}
	name, v, err := config.ParseHeader(h)
	if err != nil {
		return out
	}
	out = append(out, v)
	if _, rest, ok := strings.Cut(v, " "); ok && strings.EqualFold(name, "Authorization") {
		out = append(out, strings.TrimSpace(rest))
	}
	if strings.EqualFold(name, "Cookie") {
		for _, part := range strings.Split(v, ";") {
			if _, cv, ok := strings.Cut(part, "="); ok && len(strings.TrimSpace(cv)) >= minMaskLen {
				out = append(out, strings.TrimSpace(cv))
			}
		}
	}
	return out
}

// lookupEnv reads the config file's ${VAR}s from the Action's
// environment; an empty variable counts as unset, as it does for a secret
// a fork's workflow does not get.
func (a *Action) lookupEnv(name string) (string, bool) {
	v := a.getenv(name)
	return v, v != ""
}

// configSecrets returns what to mask of the config file's credentials:
// every value its ${VAR}s expanded to (headers, cookies, login bodies and
// paths), and its auth and peerAuth headers and identities' headers with
// their parts.
func configSecrets(cfg config.Config) []string {
	var out []string
	for _, v := range cfg.Secrets {
		if len(v) >= minMaskLen {
			out = append(out, v)
		}
	}
	hs := append(append([]string{}, cfg.Auth...), cfg.PeerAuth...)
	for _, id := range cfg.Identities {
		hs = append(hs, id.Headers...)
	}
	for _, h := range hs {
		out = append(out, secretParts(h)...)
	}
	return out
}

// minMaskLen: shorter values are not masked on their own, since the
// runner would then hide every occurrence of, say, "1" in the log.
const minMaskLen = 6

// lines splits a multi-line input into its non-empty lines.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// workspacePath makes a relative path relative to the workspace (the
// container's working directory is not guaranteed to be it).
func (a *Action) workspacePath(p string) string {
	ws := a.getenv("GITHUB_WORKSPACE")
	if ws == "" || p == "" || strings.HasPrefix(p, "/") {
		return p
	}
	return strings.TrimRight(ws, "/") + "/" + p
}

var fileExists = func(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

// Event is what authgate needs of the triggering event.
type Event struct {
	Name        string // pull_request, pull_request_target, push, schedule, workflow_dispatch, deployment_status
	Owner, Repo string
	APIURL      string
	// Workflow is the workflow's name (GITHUB_WORKFLOW), part of the
	// sticky comment's scope.
	Workflow string
	// Job is the job's id in the workflow (GITHUB_JOB): part of the
	// sticky comment's scope, so two jobs never overwrite each other.
	Job       string
	Workspace string
	// PR is the pull request number, 0 outside pull requests.
	PR int
	// HeadSHA is the commit check runs go on: the pull request's head
	// (not the merge commit GITHUB_SHA points at), else GITHUB_SHA.
	HeadSHA string
	// Fork is set for a pull request from another repository: its token
	// is read-only, so no check run or comment can be written.
	Fork bool
	// DeploymentURL is the environment_url (else target_url) of a
	// deployment_status event.
	DeploymentURL string
	// ServerURL, RunID and RunAttempt locate the workflow run
	// (GITHUB_SERVER_URL, GITHUB_RUN_ID, GITHUB_RUN_ATTEMPT), which the
	// sticky comment links to.
	ServerURL  string
	RunID      int64
	RunAttempt int64
}

// Event reads the triggering event from GITHUB_EVENT_PATH and the
// runner's variables.
func (a *Action) Event() (Event, error) {
	ctx, err := a.gh.Context()
	if err != nil {
		return Event{}, fmt.Errorf("reading the workflow context: %w", err)
	}
	ev := Event{Name: ctx.EventName, APIURL: ctx.APIURL, Workspace: ctx.Workspace, HeadSHA: ctx.SHA, Job: ctx.Job, Workflow: ctx.Workflow,
		ServerURL: ctx.ServerURL, RunID: ctx.RunID, RunAttempt: ctx.RunAttempt}
	ev.Owner, ev.Repo = ctx.Repo()
	var payload struct {
		PullRequest *struct {
			Number int `json:"number"`
			Head   struct {
				SHA  string `json:"sha"`
				Repo *struct {
					FullName string `json:"full_name"`
					Fork     bool   `json:"fork"`
				} `json:"repo"`
			} `json:"head"`
			Base struct {
				Repo struct {
					FullName string `json:"full_name"`
				} `json:"repo"`
			} `json:"base"`
		} `json:"pull_request"`
		DeploymentStatus *struct {
			EnvironmentURL string `json:"environment_url"`
			TargetURL      string `json:"target_url"`
			State          string `json:"state"`
		} `json:"deployment_status"`
		Deployment *struct {
			SHA string `json:"sha"`
		} `json:"deployment"`
	}
	if ctx.Event != nil {
		// Context already parsed the file into a map; re-decode it into
		// the typed shape.
		raw, err := json.Marshal(ctx.Event)
		if err == nil {
			err = json.Unmarshal(raw, &payload)
		}
		if err != nil {
			return ev, fmt.Errorf("reading the event payload: %w", err)
		}
	}
	if pr := payload.PullRequest; pr != nil {
		ev.PR = pr.Number
		if pr.Head.SHA != "" {
			ev.HeadSHA = pr.Head.SHA
		}
		// A deleted head repository or another one: a fork. Only on
		// pull_request is its token read-only; pull_request_target runs
		// with the base repository's token.
		if ev.Name == "pull_request" && (pr.Head.Repo == nil || !strings.EqualFold(pr.Head.Repo.FullName, pr.Base.Repo.FullName)) {
			ev.Fork = true
		}
	}
	if ds := payload.DeploymentStatus; ds != nil {
		ev.DeploymentURL = ds.EnvironmentURL
		if ev.DeploymentURL == "" {
			ev.DeploymentURL = ds.TargetURL
		}
		if payload.Deployment != nil && payload.Deployment.SHA != "" {
			ev.HeadSHA = payload.Deployment.SHA
		}
	}
	return ev, nil
}

// IsPullRequest reports whether the event is a pull request.
func (e Event) IsPullRequest() bool { return e.PR > 0 }
