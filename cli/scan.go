package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/authgate/authgate/baseline"
	"github.com/authgate/authgate/config"
	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/locate"
	"github.com/authgate/authgate/report"
	"github.com/authgate/authgate/scanner"
	"github.com/authgate/authgate/scanner/openapi"
	"github.com/authgate/authgate/scanner/rules"
	"github.com/authgate/authgate/score"
)

func runScan(ctx context.Context, args []string, env Env) int {
	cfg, err := parseScanFlags(args, env.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return ExitPassed
	}
	if err != nil {
		return exitCode(env, usageError{err})
	}
	_, code := scanAndGate(ctx, cfg, env, codeQualityHooks(cfg, env))
	return code
}

// codeQualityHooks locates findings in the working directory (the CI
// checkout) when a GitLab Code Quality report is asked for: GitLab needs a
// file and line on every issue and shows it there in the merge request's
// diff. nil otherwise, so that other scans do not walk the tree.
func codeQualityHooks(cfg config.Config, env Env) *hooks {
	if !slices.ContainsFunc(cfg.Outputs, func(o config.Output) bool { return o.Format == config.FormatCodeQuality }) {
		return nil
	}
	spec := cfg.OpenAPI
	if spec == "" || strings.Contains(spec, "://") {
		spec = repoSpec(".")
	}
	h := &hooks{sarifFallback: codeQualityFallback(env, spec)}
	if finder, err := locate.New(".", spec); err == nil {
		h.decorate = func(r *report.Report) {
			for i := range r.Findings {
				if loc, ok := finder.Locate(r.Findings[i].Method, r.Findings[i].Path); ok {
					r.Findings[i].Location = &loc
				}
			}
		}
	}
	return h
}

// codeQualityFallback is the file that findings without a location point
// at in reports that need one: the API description when it is below the
// working directory, else GitLab's pipeline file (CI_CONFIG_PATH, when it
// is a file of this repository), else the report writer's default (the
// config file).
func codeQualityFallback(env Env, spec string) finding.Location {
	if spec != "" && !strings.Contains(spec, "://") {
		if abs, err := filepath.Abs(spec); err == nil {
			if wd, err := filepath.Abs("."); err == nil {
				if rel, err := filepath.Rel(wd, abs); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
					return finding.Location{File: filepath.ToSlash(rel), Line: 1}
				}
			}
		}
	}
	// "path@group/project" or a URL names another repository's file.
	if p := env.Getenv("CI_CONFIG_PATH"); p != "" && !strings.ContainsAny(p, "@:") {
		return finding.Location{File: p, Line: 1}
	}
	return finding.Location{}
}

// scanAndGate runs a validated configuration: scan, score, compare with
// the baseline, let the hooks add to the report (the Action adds source
// locations), write every report and decide the exit code. The report is
// nil when the scan produced none.
func scanAndGate(ctx context.Context, cfg config.Config, env Env, h *hooks) (*report.Report, int) {
	ctx, cancel := withMaxDuration(ctx, cfg.MaxDuration)
	defer cancel()
	// Open the outputs and read the baseline before scanning, so that a
	// bad path costs nothing.
	outs, err := openOutputs(cfg.Outputs, env)
	if err != nil {
		return nil, exitCode(env, usageError{err})
	}
	defer outs.close()
	var base *report.Report
	if cfg.Baseline != "" {
		if base, err = baseline.Load(cfg.Baseline); err != nil {
			return nil, exitCode(env, usageError{err})
		}
	}
	if _, err := identities(cfg); err != nil {
		return nil, exitCode(env, usageError{err})
	}
	if err := checkSpecFile(cfg); err != nil {
		return nil, exitCode(env, usageError{err})
	}
	if _, err := jwtKeyFiles(cfg.JWTPublicKeys); err != nil {
		return nil, exitCode(env, usageError{err})
	}
	if _, err := jwtWordlist(cfg.JWTWordlist, env.Stderr); err != nil {
		return nil, exitCode(env, usageError{err})
	}

	prog := newProgress(env)
	if cfg.BaselineURL != "" {
		bcfg := cfg
		bcfg.Target = cfg.BaselineURL
		prog.label = "baseline"
		res, err := scanner.Scan(ctx, scanOptions(bcfg, prog.report))
		prog.finish()
		if err != nil {
			return nil, scanError(env, stoppedError(ctx, fmt.Errorf("baseline %s: %w", cfg.BaselineURL, err)))
		}
		base = buildReport(res, cfg, nil)
		prog.label = ""
	}
	res, err := scanner.Scan(ctx, scanOptions(cfg, prog.report))
	prog.finish()
	if res != nil {
		for _, w := range res.Warnings {
			fmt.Fprintf(env.Stderr, "authgate: warning: %s\n", safeText(w))
		}
	}
	if err != nil {
		// The scan could not run (no operation answered, an identity
		// the API refuses): one line says why, and no report or score
		// suggests that something was tested.
		return nil, scanError(env, stoppedError(ctx, err))
	}
	rep := buildReport(res, cfg, base)
	if !publish(rep, outs, env, h) {
		return rep, ExitScanFailed
	}
	if res.Interrupted {
		// A signal or --max-duration: the scan could not run to its
		// end, whatever the gate says of what it saw (exit 3).
		why := "scan interrupted"
		var bound scanner.MaxDuration
		if errors.As(context.Cause(ctx), &bound) {
			why = bound.Error()
		}
		line := oneLine(why + "; the report is incomplete")
		fmt.Fprintf(env.Stderr, "authgate: %s\n", line)
		if env.Stopped != nil {
			env.Stopped(line)
		}
		return rep, exitInterrupted
	}
	return rep, verdict(rep, env)
}

// withMaxDuration bounds the whole run (a --baseline-url scan included)
// by --max-duration; 0 is no bound. The deadline's cause names the
// bound (scanner.MaxDuration), so the report's incomplete reason and the
// last line say "max duration 5m reached" rather than "context deadline
// exceeded".
func withMaxDuration(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d <= 0 {
		return ctx, func() {}
	}
	return context.WithTimeoutCause(ctx, d, scanner.MaxDuration(d))
}

// stoppedError is err, or, when the run's context ended (a signal or
// --max-duration) before the scan could produce a report, err prefixed
// with why and no longer wrapped: an identity whose login was cut off is
// the deadline's doing, not a configuration error (exit 3, not 2).
func stoppedError(ctx context.Context, err error) error {
	if ctx.Err() == nil {
		return err
	}
	why := "interrupted"
	var bound scanner.MaxDuration
	if errors.As(context.Cause(ctx), &bound) {
		why = bound.Error()
	}
	if strings.Contains(err.Error(), why) {
		return errors.New(err.Error())
	}
	return fmt.Errorf("%s: %v", why, err)
}

// publish lets the hooks add to the report and writes every output. A
// report that cannot be written is exit code 3: the inputs were fine, the
// destination was not.
func publish(rep *report.Report, outs *outputs, env Env, h *hooks) bool {
	if h != nil && h.decorate != nil {
		h.decorate(rep)
	}
	if err := outs.write(rep, env, h); err != nil {
		fmt.Fprintf(env.Stderr, "authgate: writing the report: %s\n", oneLine(err.Error()))
		return false
	}
	return true
}

// verdict is the exit code of a written report's gate.
func verdict(rep *report.Report, env Env) int {
	if rep.Incomplete != "" {
		fmt.Fprintf(env.Stderr, "authgate: warning: the scan is incomplete: %s\n", safeText(rep.Incomplete))
	}
	if !rep.Gate.Passed {
		return ExitGateFailed
	}
	return ExitPassed
}

// checkSpecFile reads and parses a local --openapi file before the scan
// waits for the target: a typo in the path is exit code 2 at once, not
// exit code 3 after --wait. A URL is the scan's to fetch.
func checkSpecFile(cfg config.Config) error {
	if cfg.OpenAPI == "" {
		return nil
	}
	if u, err := url.Parse(cfg.OpenAPI); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
		return nil
	}
	data, err := os.ReadFile(cfg.OpenAPI)
	if err != nil {
		return fmt.Errorf("%w: %w", scanner.ErrSpec, err)
	}
	doc, err := openapi.Parse(data, cfg.OpenAPI)
	if err != nil {
		return fmt.Errorf("%w: %w", scanner.ErrSpec, err)
	}
	if len(doc.Operations) == 0 && len(cfg.Endpoints) == 0 {
		why := "no paths with operations"
		if len(doc.Warnings) > 0 {
			why = doc.Warnings[0]
		}
		return fmt.Errorf("%w: %s describes no operations (%s); fix it or add --endpoint", scanner.ErrSpec, cfg.OpenAPI, why)
	}
	return nil
}

// scanError maps the scanner's errors to exit codes.
func scanError(env Env, err error) int {
	if errors.Is(err, scanner.ErrSpec) || errors.Is(err, scanner.ErrNoOperations) || errors.Is(err, scanner.ErrLogin) {
		return exitCode(env, usageError{err})
	}
	return exitCode(env, err)
}

// scanOptions builds one scan's options. Identities are built afresh for
// each scan: a login's token belongs to one deployment.
func scanOptions(cfg config.Config, progress func(scanner.Progress)) scanner.Options {
	ids, _ := identities(cfg)                        // checked before the first scan
	jwtKeys, _ := jwtKeyFiles(cfg.JWTPublicKeys)     // likewise
	wordlist, _ := jwtWordlist(cfg.JWTWordlist, nil) // likewise; warned then
	return scanner.Options{
		Target:     cfg.Target,
		OpenAPI:    cfg.OpenAPI,
		Endpoints:  cfg.Endpoints,
		Exclude:    cfg.Exclude,
		Primary:    ids.primary,
		Peer:       ids.peer,
		Admin:      ids.admin,
		Identities: ids.all,
		Flows:      scanner.Flows(cfg.Flows),
		// Writes (active mode): bodies for thin descriptions, parents the
		// scan cannot create, and accounts of its own.
		Bodies:       cfg.Bodies,
		PathValues:   cfg.PathValues,
		AutoAccounts: cfg.AutoAccounts,
		Discovery:    cfg.Discovery,
		Mode:         finding.Mode(cfg.Mode),
		Client: scanner.ClientOptions{
			Rate:        cfg.Rate,
			Concurrency: cfg.Concurrency,
			Timeout:     cfg.Timeout,
			Budget:      cfg.Budget,
			InsecureTLS: cfg.InsecureTLS,
		},
		Wait:     cfg.Wait,
		Shard:    [2]int{cfg.Shard.Index, cfg.Shard.Count},
		Progress: progress,
		ReadFile: os.ReadFile,
		Rules:    rules.All(append(wordlist, rules.WithJWTPublicKeys(jwtKeys...))...),
		APIRules: rules.APIRules(),
		// The default budget grows with the API; a given one is a bound.
		BudgetPerOperation: budgetPerOperation(cfg),
	}
}

// budgetPerOperation is how the default budget scales with the API (see
// scanner.Options.BudgetPerOperation); 0 when the budget was given, which
// makes it a hard bound.
func budgetPerOperation(cfg config.Config) int {
	if cfg.BudgetSet {
		return 0
	}
	return config.DefaultBudgetPerOperation
}

// buildReport scores the result, compares it with the baseline (nil for
// none) and decides the gate.
func buildReport(res *scanner.Result, cfg config.Config, base *report.Report) *report.Report {
	// Suppressions expire by the scan's start, so that a report is the
	// same whenever it is written.
	findings, suppressed := baseline.Suppress(res.Findings, cfg.Suppress, res.StartedAt)
	report.Sort(suppressed)
	rep := &report.Report{
		Schema:     report.Schema,
		Tool:       report.Tool{Name: "authgate", Version: version()},
		Target:     res.Target,
		StartedAt:  res.StartedAt.UTC().Truncate(time.Millisecond),
		DurationMs: res.Duration.Milliseconds(),
		Score:      score.Compute(findings),
		Scoring:    score.Version,
		Stats:      report.Stats{Operations: res.Operations, Requests: res.Requests, Errors: res.Errors},
		Findings:   findings,
		Incomplete: res.Incomplete,
		Coverage:   &res.Coverage,
		Suppressed: suppressed,
	}
	rep.Grade = score.Grade(rep.Score)
	// What the request budget left unchecked can only hide findings: a
	// gate that judges no finding (fail-under 0, fail-on none, no
	// score-drop check) cannot fail because of it, and the rules the
	// budget stopped are listed in the coverage, not gate reasons.
	budgetOnly := res.BudgetExhausted && !judgesFindings(cfg, base != nil)
	missing := res.Coverage.Missing()
	if budgetOnly {
		missing = slices.DeleteFunc(missing, func(r finding.RuleCoverage) bool { return budgetStopped(r.Reason) })
	}
	gate := score.GateInput{
		Score: rep.Score, FailUnder: cfg.FailUnder, FailUnderSet: cfg.FailUnderSet, FailOn: cfg.FailOn,
		New: findings, MaxScoreDrop: cfg.MaxScoreDrop, Missing: missing,
	}
	if base != nil {
		d := baseline.Diff(base.Findings, findings)
		rep.Findings = append(append([]finding.Finding{}, d.New...), d.Unchanged...)
		rep.Baseline = &report.Baseline{
			Score: base.Score, New: len(d.New), Fixed: len(d.Fixed), Unchanged: len(d.Unchanged),
			FixedFindings: nonNil(d.Fixed),
		}
		gate.New, gate.HasBaseline, gate.BaselineScore = d.New, true, base.Score
	}
	report.Sort(rep.Findings)
	rep.Findings = nonNil(rep.Findings)
	rep.Gate = score.Decide(gate)
	if rep.Incomplete != "" && !budgetOnly {
		// A scan that stopped early never passes silently: what it did
		// not check could hold anything. (Out of budget with a gate
		// that judges no finding, it passes with a warning: see verdict.)
		rep.Gate.Passed = false
		rep.Gate.Reasons = append(rep.Gate.Reasons, "the scan is incomplete: "+rep.Incomplete)
	}
	return rep
}

// budgetStopped reports whether an incomplete or not-run reason is the
// request budget running out (scanner's "request budget of N exhausted",
// also as a shard report's reason, which merge reads back).
func budgetStopped(reason string) bool {
	i := strings.Index(reason, "request budget of ")
	return i >= 0 && strings.Contains(reason[i:], " exhausted")
}

// judgesFindings reports whether the gate can fail because of a finding:
// a score threshold above 0 (with a baseline only when given), fail-on
// other than none, or a score-drop check against a baseline. Switched
// off (--fail-under 0 --fail-on none), the scan is a report only.
func judgesFindings(cfg config.Config, hasBaseline bool) bool {
	failUnder := cfg.FailUnder
	if hasBaseline && !cfg.FailUnderSet {
		failUnder = 0
	}
	failOn := strings.ToLower(strings.TrimSpace(cfg.FailOn))
	return failUnder > 0 || failOn != score.FailOnNone || (hasBaseline && cfg.MaxScoreDrop >= 0)
}

func nonNil(fs []finding.Finding) []finding.Finding {
	if fs == nil {
		return []finding.Finding{}
	}
	return fs
}

// outputs are the report destinations. A file output is a
// report.PendingFile from the start (a bad path fails before the scan) and
// replaces the destination only when write succeeds: a run without a report
// leaves no empty file and keeps an earlier good one.
type outputs struct {
	list []openOutput
}

type openOutput struct {
	format string
	w      io.Writer
	file   *report.PendingFile // nil for stdout
	color  bool
}

func openOutputs(list []config.Output, env Env) (*outputs, error) {
	o := &outputs{}
	for _, out := range list {
		if out.Path == "" || out.Path == "-" {
			o.list = append(o.list, openOutput{format: out.Format, w: env.Stdout, color: env.StdoutTerminal && env.Getenv("NO_COLOR") == ""})
			continue
		}
		f, err := report.CreatePending(out.Path)
		if err != nil {
			o.close()
			return nil, fmt.Errorf("cannot write the %s report: %w", out.Format, err)
		}
		o.list = append(o.list, openOutput{format: out.Format, w: f, file: f})
	}
	return o, nil
}

// hooks are what the Action adds to the scan pipeline.
type hooks struct {
	// decorate changes the report before it is written (locations).
	decorate func(*report.Report)
	// sarifFallback is the file SARIF results without a location point
	// at (code scanning needs a physical location on every result).
	sarifFallback finding.Location
}

func (o *outputs) write(rep *report.Report, env Env, h *hooks) error {
	for _, out := range o.list {
		var err error
		switch {
		case out.format == config.FormatSARIF && h != nil:
			err = report.WriteSARIF(out.w, rep, h.sarifFallback)
		case out.format == config.FormatCodeQuality && h != nil:
			err = report.WriteCodeQuality(out.w, rep, h.sarifFallback)
		default:
			err = report.Write(out.w, out.format, rep, report.Options{Color: out.color})
		}
		if err == nil && out.file != nil {
			err = out.file.Commit()
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// close discards the files write did not commit.
func (o *outputs) close() {
	for _, out := range o.list {
		if out.file != nil {
			out.file.Discard()
		}
	}
}
