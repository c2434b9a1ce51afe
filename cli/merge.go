package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/authgate/authgate/baseline"
	"github.com/authgate/authgate/config"
	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/report"
	"github.com/authgate/authgate/scanner"
)

// mergeUsage is the help of `authgate merge`.
const mergeUsage = `Usage: authgate merge -o OUT.json [flags] IN.json...

Merge the JSON reports of the shards of one scan (authgate scan --shard I/N)
into one report, then score and gate it once, exactly as one unsharded scan
would be. Every input must be a report of the same target written by the
same authgate version. Findings seen by several shards are kept once.

Reports:
  --format FORMAT            report to stdout: text, json, sarif, markdown, junit, codequality; repeatable
  -o, --output [FORMAT=]PATH report to a file; format from the extension when omitted; repeatable
                             (without --format and -o: text to stdout)

Gate:
  --fail-under N             fail when the score is below N (default 70; with --baseline only when given)
  --fail-on SEVERITY         fail on a new finding at or above critical|high|medium|low|none (default high)
  --baseline PATH            an earlier JSON report; only findings not in it are new
  --max-score-drop N         fail when the score dropped more than N points below the baseline's

Exit codes: 0 gate passed, 1 gate failed, 2 usage error or unreadable report.
`

// mergeValidationTarget stands in for TARGET when the merge's gate and
// output settings are validated: merge takes no TARGET (it comes from the
// shard reports), and config.Validate requires one.
const mergeValidationTarget = "http://127.0.0.1"

// runMerge loads shard reports, merges them, and scores and gates the
// result with buildReport, the same code a scan's report goes through.
func runMerge(args []string, env Env) int {
	cfg, inputs, err := parseMergeFlags(args, env.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return ExitPassed
	}
	if err != nil {
		return exitCode(env, usageError{err})
	}
	_, code := mergeAndGate(inputs, cfg, env, nil)
	return code
}

// mergeAndGate merges the shard reports at inputs, scores and gates the
// result, writes cfg's outputs and returns the report (nil when there is
// none) with the exit code. The Action's merge input uses it too.
func mergeAndGate(inputs []string, cfg config.Config, env Env, h *hooks) (*report.Report, int) {
	// The inputs are read before any output is created, so that an
	// output that names an input cannot truncate it first.
	var err error
	shards := make([]*report.Report, len(inputs))
	for i, path := range inputs {
		if shards[i], err = loadShard(path); err != nil {
			return nil, exitCode(env, usageError{err})
		}
	}
	res, err := mergeShards(inputs, shards)
	if err != nil {
		return nil, exitCode(env, usageError{err})
	}
	var base *report.Report
	if cfg.Baseline != "" {
		if base, err = baseline.Load(cfg.Baseline); err != nil {
			return nil, exitCode(env, usageError{err})
		}
	}
	outs, err := openOutputs(cfg.Outputs, env)
	if err != nil {
		return nil, exitCode(env, usageError{err})
	}
	defer outs.close()

	rep := buildReport(res, cfg, base)
	// The shards already moved what their config suppressed; a config of
	// the merge may suppress more.
	rep.Suppressed = mergeSuppressed(append(shardSuppressed(shards), rep.Suppressed...))
	if !publish(rep, outs, env, h) {
		return rep, ExitScanFailed
	}
	return rep, verdict(rep, env)
}

// parseMergeFlags reads merge's flags and input paths. Flags may come
// before or after the inputs, as for scan. Gate flags default as for scan;
// no config file is read, since the shards' scan settings are already
// baked into their reports.
func parseMergeFlags(args []string, stderr io.Writer) (config.Config, []string, error) {
	cfg := config.Default()
	var formats, outputs []string
	var flagErr error
	fset := flag.NewFlagSet("merge", flag.ContinueOnError)
	fset.SetOutput(io.Discard)
	fset.Usage = func() {}
	integer := func(name string, ptr *int) {
		fset.Func(name, "", func(v string) error {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil && flagErr == nil {
				flagErr = config.Invalidf("--%s: want a whole number", name)
			}
			*ptr = n
			return nil
		})
	}
	fset.Func("format", "", func(v string) error { formats = append(formats, v); return nil })
	output := func(v string) error { outputs = append(outputs, v); return nil }
	fset.Func("o", "", output)
	fset.Func("output", "", output)
	integer("fail-under", &cfg.FailUnder)
	fset.StringVar(&cfg.FailOn, "fail-on", cfg.FailOn, "")
	fset.StringVar(&cfg.Baseline, "baseline", "", "")
	integer("max-score-drop", &cfg.MaxScoreDrop)

	inputs, err := parseInterleaved(fset, args, "merge", mergeUsage, stderr, func() error { return flagErr })
	if err != nil {
		return config.Config{}, nil, err
	}
	fset.Visit(func(f *flag.Flag) { cfg.FailUnderSet = cfg.FailUnderSet || f.Name == "fail-under" })
	if len(inputs) == 0 {
		return config.Config{}, nil, config.Invalidf("merge needs at least one shard report: authgate merge -o OUT.json IN.json...")
	}

	if formats != nil || outputs != nil {
		if cfg.Outputs, err = config.BuildOutputs(formats, outputs); err != nil {
			return config.Config{}, nil, err
		}
	}
	if len(cfg.Outputs) == 0 {
		cfg.Outputs = []config.Output{{Format: config.FormatText, Path: config.Stdout}}
	}
	probe := cfg
	probe.Target = mergeValidationTarget
	if err := probe.Validate(); err != nil {
		return config.Config{}, nil, err
	}
	if err := checkMergePaths(inputs, cfg.Outputs); err != nil {
		return config.Config{}, nil, err
	}
	return cfg, inputs, nil
}

// checkMergePaths rejects an input given twice, whose stats would count
// twice, and an output that is also an input: a second run of
// "merge -o merged.json *.json" would otherwise merge its own last result.
func checkMergePaths(inputs []string, outs []config.Output) error {
	seen := map[string]bool{}
	for _, in := range inputs {
		p := filepath.Clean(in)
		if seen[p] {
			return config.Invalidf("%s is given twice; each shard report is merged once", in)
		}
		seen[p] = true
	}
	for _, o := range outs {
		if o.Path != config.Stdout && o.Path != "" && seen[filepath.Clean(o.Path)] {
			return config.Invalidf("output %s is also an input; write the merged report elsewhere", o.Path)
		}
	}
	return nil
}

// loadShard reads one shard report with baseline.Load, whose messages say
// "baseline PATH: …"; here the file is a shard report, so the prefix is
// replaced rather than repeated.
func loadShard(path string) (*report.Report, error) {
	r, err := baseline.Load(path)
	if err == nil {
		return r, nil
	}
	if cause := errors.Unwrap(err); cause != nil {
		err = cause
	} else {
		err = errors.New(strings.TrimPrefix(err.Error(), "baseline "+path+": "))
	}
	return nil, fmt.Errorf("shard report %s: %w", path, err)
}

// mergeShards combines shard reports (paths name them in errors and in
// the incomplete reason) into the scanner result one scan of all the
// operations would have given, for buildReport to score and gate:
//
//   - every shard must have the same target and tool version: a shard of
//     another deployment, or a stale artifact of an older release with
//     other rules, would make the union mean nothing;
//   - findings are the union by fingerprint; of duplicates (properties of
//     the whole API, such as a token's lifetime, are seen by every shard)
//     the most confident is kept, then the most severe, the preference the
//     scanner's own dedupe applies within one scan; statuses are cleared,
//     since a shard's baseline is not the merge's;
//   - operations, requests and errors are summed (each shard scans its
//     own operations); the start is the earliest shard's, and the duration
//     the longest shard's, since shards of a matrix run in parallel;
//   - Incomplete names every incomplete shard and why;
//   - coverage is combined by mergeCoverage.
//
// The shards' scoring versions are not compared: the score is recomputed
// from the findings under this authgate's rubric, which the merged report
// records.
func mergeShards(paths []string, shards []*report.Report) (*scanner.Result, error) {
	first := shards[0]
	res := &scanner.Result{Target: first.Target, StartedAt: first.StartedAt}
	var longest int64
	var incomplete []string
	index := map[string]int{}
	for i, r := range shards {
		if r.Target != first.Target {
			return nil, config.Invalidf("shard reports of different targets: %s scanned %q, %s scanned %q",
				paths[0], safeText(first.Target), paths[i], safeText(r.Target))
		}
		if r.Tool.Version != first.Tool.Version {
			return nil, config.Invalidf("shard reports of different authgate versions: %s was written by %q, %s by %q; run every shard with the same version",
				paths[0], safeText(first.Tool.Version), paths[i], safeText(r.Tool.Version))
		}
		if r.StartedAt.Before(res.StartedAt) {
			res.StartedAt = r.StartedAt
		}
		longest = max(longest, r.DurationMs)
		res.Operations += r.Stats.Operations
		res.Requests += r.Stats.Requests
		res.Errors += r.Stats.Errors
		if r.Incomplete != "" {
			incomplete = append(incomplete, paths[i]+": "+r.Incomplete)
		}
		for _, f := range r.Findings {
			f.Status = ""
			k := mergeKey(&f)
			if j, ok := index[k]; ok {
				if f.Outranks(&res.Findings[j]) {
					res.Findings[j] = f
				}
				continue
			}
			index[k] = len(res.Findings)
			res.Findings = append(res.Findings, f)
		}
	}
	res.Duration = time.Duration(longest) * time.Millisecond
	res.Incomplete = strings.Join(incomplete, "; ")
	// Out of budget when every incomplete shard was (see buildReport).
	res.BudgetExhausted = len(incomplete) > 0 && !slices.ContainsFunc(shards, func(r *report.Report) bool {
		return r.Incomplete != "" && !budgetStopped(r.Incomplete)
	})
	res.Coverage = mergeCoverage(paths, shards)
	return res, nil
}

// mergeCoverage combines the shards' coverage into what one scan of all
// the operations would report (a shard without coverage, from an older
// authgate, adds nothing):
//
//   - identities once by name, in first-seen order; verified only when
//     every shard that lists it verified it (each shard checks its own);
//   - operation counts summed, skipped operations listed once;
//   - each rule once, in first-seen order, with the union of its
//     operations; it ran when any shard ran it (whole-API rules run in
//     shard 1 only and are not-run in the others, see docs/coverage.md),
//     else it did not run when any shard could not run it, else it was
//     not applicable. A rule that ran while a shard that was asked for it
//     could not run it keeps that as a "partly:" reason, so the untested
//     part stays visible. A reason names the shard it came from;
//   - what active mode created, every shard's list in shard order (write
//     rules run in shard 1 only, but nothing is lost if another wrote),
//     with Left recounted from the list;
//   - discovery: every shard's part, see mergeDiscovery.
func mergeCoverage(paths []string, shards []*report.Report) finding.Coverage {
	out := finding.Coverage{
		Identities: []finding.IdentityCoverage{},
		Operations: finding.OperationCoverage{Skipped: []finding.SkippedOperation{}},
		Rules:      []finding.RuleCoverage{},
	}
	ids, rules, skipped := map[string]int{}, map[string]int{}, map[finding.SkippedOperation]bool{}
	for i, r := range shards {
		c := r.Coverage
		if c == nil {
			continue
		}
		for _, id := range c.Identities {
			j, ok := ids[id.Name]
			switch {
			case !ok:
				ids[id.Name] = len(out.Identities)
				out.Identities = append(out.Identities, id)
			case out.Identities[j].Verified && !id.Verified:
				out.Identities[j] = id
			}
		}
		out.Writes = mergeWrites(out.Writes, c.Writes)
		out.Discovery = mergeDiscovery(out.Discovery, c.Discovery, paths[i], len(shards))
		out.Operations.Total += c.Operations.Total
		out.Operations.Scanned += c.Operations.Scanned
		out.Operations.Answered += c.Operations.Answered
		for _, sk := range c.Operations.Skipped {
			if !skipped[sk] {
				skipped[sk] = true
				out.Operations.Skipped = append(out.Operations.Skipped, sk)
			}
		}
		for _, rc := range c.Rules {
			if rc.Reason != "" && len(shards) > 1 {
				rc.Reason = paths[i] + ": " + rc.Reason
			}
			j, ok := rules[rc.Rule]
			if !ok {
				rules[rc.Rule] = len(out.Rules)
				rc.Operations = append([]string{}, rc.Operations...)
				out.Rules = append(out.Rules, rc)
				continue
			}
			m := &out.Rules[j]
			m.Requested = m.Requested || rc.Requested
			for _, op := range rc.Operations {
				if !slices.Contains(m.Operations, op) {
					m.Operations = append(m.Operations, op)
				}
			}
			wasPartial := m.Status == finding.RuleNotRun && m.Requested
			switch {
			case coverageRank(rc.Status) > coverageRank(m.Status):
				partly := wasPartial && rc.Status == finding.RuleRan
				prev := m.Reason
				m.Status, m.Reason = rc.Status, rc.Reason
				if partly {
					m.Reason = joinReasons(m.Reason, "partly: "+prev)
				}
			case m.Status == finding.RuleRan && rc.Status == finding.RuleNotRun && rc.Requested:
				m.Reason = joinReasons(m.Reason, "partly: "+rc.Reason)
			case m.Reason == "" && rc.Status == m.Status:
				m.Reason = rc.Reason
			}
		}
	}
	return out
}

// mergeWrites appends one shard's created objects to the merge's; nil
// while no shard wrote, so a merge of safe scans has no writes either.
func mergeWrites(into, w *finding.WriteCoverage) *finding.WriteCoverage {
	if w == nil {
		return into
	}
	if into == nil {
		into = &finding.WriteCoverage{Created: []finding.CreatedObject{}}
	}
	into.Created = append(into.Created, w.Created...)
	into.Left = 0
	for _, o := range into.Created {
		if !o.Deleted {
			into.Left++
		}
	}
	return into
}

// coverageRank orders rule statuses for merging: a shard that ran a rule
// outweighs one that could not, which outweighs one where it did not
// apply.
func coverageRank(s finding.RuleStatus) int {
	switch s {
	case finding.RuleRan:
		return 2
	case finding.RuleNotRun:
		return 1
	}
	return 0
}

// joinReasons joins two reasons of a merged rule with "; ".
func joinReasons(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// shardSuppressed lists every shard's suppressed findings, in shard order.
func shardSuppressed(shards []*report.Report) []finding.Finding {
	var out []finding.Finding
	for _, r := range shards {
		out = append(out, r.Suppressed...)
	}
	return out
}

// mergeSuppressed keeps each suppressed finding once (as mergeKey
// matches findings), sorted as every writer shows them; never nil.
func mergeSuppressed(fs []finding.Finding) []finding.Finding {
	out := []finding.Finding{}
	seen := map[string]bool{}
	for _, f := range fs {
		f.Status = ""
		if k := mergeKey(&f); !seen[k] {
			seen[k] = true
			out = append(out, f)
		}
	}
	report.Sort(out)
	return out
}

// mergeKey identifies one finding across shards as baseline.Diff does:
// by fingerprint, or for a finding without one by rule, method and path.
func mergeKey(f *finding.Finding) string {
	if f.Fingerprint != "" {
		return f.Fingerprint
	}
	return "\x00" + f.Rule + "\x00" + f.Method + "\x00" + f.Path
}

// mergeDiscovery adds one shard's discovery coverage to the merged one.
// Every shard tries its own part of one scan's candidates
// (docs/sharding.md, Limits): Tried is summed, Found is every shard's in
// shard order (each path once, the first shard's entry), Scripts once
// each, and a Reason keeps the name of its shard's file.
func mergeDiscovery(m, d *finding.DiscoveryCoverage, path string, shards int) *finding.DiscoveryCoverage {
	if d == nil {
		return m
	}
	reason := d.Reason
	if reason != "" && shards > 1 {
		reason = path + ": " + reason
	}
	if m == nil {
		return &finding.DiscoveryCoverage{Tried: d.Tried, Found: slices.Clone(d.Found), Reason: reason, Scripts: slices.Clone(d.Scripts)}
	}
	m.Tried += d.Tried
	for _, e := range d.Found {
		if !slices.ContainsFunc(m.Found, func(x finding.DiscoveredEndpoint) bool { return x.Path == e.Path }) {
			m.Found = append(m.Found, e)
		}
	}
	for _, sc := range d.Scripts {
		if !slices.Contains(m.Scripts, sc) {
			m.Scripts = append(m.Scripts, sc)
		}
	}
	if reason != "" {
		m.Reason = strings.TrimPrefix(m.Reason+"; "+reason, "; ")
	}
	return m
}
