package action

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/report"
)

// fileCommand runs a go-githubactions file command (outputs, summary),
// which panics when the file cannot be written, and turns that into an
// error. Outside a runner (the variable unset) it does nothing.
func (a *Action) fileCommand(env string, f func()) (err error) {
	if a.getenv(env) == "" {
		return nil
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("writing %s: %v", env, r)
		}
	}()
	f()
	return nil
}

// SetOutputs writes the Action's outputs (action.yml) for a scan that ran
// (exit 0 or 1). passed is the run's verdict (exit code 0), not only the
// gate's.
func (a *Action) SetOutputs(r *report.Report, passed bool, reportPath, sarifPath string) error {
	out := []struct{ k, v string }{
		{"score", strconv.Itoa(r.Score)},
		{"grade", r.Grade},
		{"findings-count", strconv.Itoa(len(r.Findings))},
		{"passed", strconv.FormatBool(passed)},
		{"report-path", reportPath},
		{"sarif-path", sarifPath},
	}
	newCount, fixed := len(r.Findings), 0
	if r.Baseline != nil {
		newCount, fixed = r.Baseline.New, r.Baseline.Fixed
	}
	out = append(out, struct{ k, v string }{"new-findings-count", strconv.Itoa(newCount)},
		struct{ k, v string }{"fixed-findings-count", strconv.Itoa(fixed)})
	return a.fileCommand("GITHUB_OUTPUT", func() {
		for _, o := range out {
			a.gh.SetOutput(o.k, o.v)
		}
	})
}

// SetNotRunOutputs writes the outputs of a run that produced no result
// (exit 2 or 3): passed=false and nothing else. No score or grade is
// invented for an API nobody scanned, and report-path stays empty, so a
// later step guarded on it uploads no baseline from a night the target
// was down.
func (a *Action) SetNotRunOutputs() error {
	return a.fileCommand("GITHUB_OUTPUT", func() { a.gh.SetOutput("passed", "false") })
}

// Summary appends Markdown to the job summary.
func (a *Action) Summary(markdown string) error {
	return a.fileCommand("GITHUB_STEP_SUMMARY", func() { a.gh.AddStepSummary(markdown) })
}

// Group starts a collapsible section of the log; EndGroup ends it.
func (a *Action) Group(title string) { a.gh.Group(clean(title)) }

// EndGroup ends the section Group started.
func (a *Action) EndGroup() { a.gh.EndGroup() }

// Notice prints one notice annotation.
func (a *Action) Notice(msg string) { a.printed["notice"]++; a.gh.Noticef("%s", clean(msg)) }

// Warning prints one warning annotation.
func (a *Action) Warning(msg string) { a.printed["warning"]++; a.gh.Warningf("%s", clean(msg)) }

// Error prints one error annotation.
func (a *Action) Error(msg string) { a.printed["error"]++; a.gh.Errorf("%s", clean(msg)) }

// MaxLogAnnotations is how many annotations of one level the fallback
// prints one by one. GitHub shows at most 10 error and 10 warning
// annotations per step ("annotations are limited to 10 per step" in the
// workflow-command docs) and drops the rest silently, so the rest are
// aggregated into one notice instead.
const MaxLogAnnotations = 10

// LogAnnotations is the fallback when no check run can be written (fork
// pull requests, read-only tokens): findings as workflow-command
// annotations, on their file and line when known, at most
// MaxLogAnnotations per level, the rest summed up in one notice.
func (a *Action) LogAnnotations(fs []finding.Finding) {
	hidden := 0
	for _, f := range fs {
		level := logLevel(f.Severity)
		// Count what this step printed already, and keep one notice
		// for the "N more" line, which must not be the one dropped.
		limit := MaxLogAnnotations
		if level == "notice" {
			limit--
		}
		if a.printed[level] >= limit {
			hidden++
			continue
		}
		a.printed[level]++
		fields := map[string]string{"title": clean("authgate " + f.Rule)}
		if f.Location != nil && f.Location.File != "" {
			fields["file"] = f.Location.File
			if f.Location.Line > 0 {
				fields["line"] = strconv.Itoa(f.Location.Line)
			}
		}
		msg := clean(fmt.Sprintf("%s %s %s: %s (%s)", f.Severity, f.Method, f.Path, f.Title, f.Evidence.Summary))
		gh := a.gh.WithFieldsMap(fields)
		switch level {
		case "error":
			gh.Errorf("%s", msg)
		case "warning":
			gh.Warningf("%s", msg)
		default:
			gh.Noticef("%s", msg)
		}
	}
	if hidden > 0 {
		a.Notice(fmt.Sprintf("authgate: %d more findings are not shown as annotations (GitHub shows %d per level and step); see the job summary.", hidden, MaxLogAnnotations))
	}
}

func logLevel(s finding.Severity) string {
	switch {
	case s >= finding.SeverityHigh:
		return "error"
	case s == finding.SeverityMedium:
		return "warning"
	}
	return "notice"
}

// clean makes target-controlled text safe for one workflow command: no
// control characters (the command's own escaping handles % and line
// breaks, but a lone CR or ESC still confuses the log viewer), and no
// "##[", which the runner acts on anywhere in a line (the old
// ##[command] syntax), written as the CLI's one-line errors write it.
func clean(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return ' '
		}
		return r
	}, s)
	return strings.ReplaceAll(s, "##[", `#\u0023[`)
}
