package report

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/authgate/authgate/finding"
)

// writeMarkdown writes the report for a job summary or a pull-request
// comment. Every target-controlled string goes through EscapeMarkdown, or,
// in code fences, through escapeText under a fence longer than any backtick
// run it contains.
func writeMarkdown(w io.Writer, r *Report, _ Options) error {
	var b strings.Builder
	fs := sorted(r.Findings)
	hasBaseline := r.Baseline != nil
	if hasBaseline {
		// New findings first: they are what the pull request introduced.
		slices.SortStableFunc(fs, func(x, y finding.Finding) int {
			return cmp.Compare(statusRank(x.Status), statusRank(y.Status))
		})
	}

	title := fmt.Sprintf("## authgate: %d/100, grade %s", r.Score, EscapeMarkdown(r.Grade))
	if hasBaseline {
		title += fmt.Sprintf(" (%s against the baseline's %d)", arrowDelta(r.Score-r.Baseline.Score), r.Baseline.Score)
	}
	b.WriteString(title + "\n\n")

	if r.Gate.Passed {
		fmt.Fprintf(&b, "**Gate passed** (fail-under %d, fail-on %s)\n\n", r.Gate.FailUnder, EscapeMarkdown(r.Gate.FailOn))
	} else {
		fmt.Fprintf(&b, "**Gate failed** (fail-under %d, fail-on %s):\n\n", r.Gate.FailUnder, EscapeMarkdown(r.Gate.FailOn))
		for _, reason := range r.Gate.Reasons {
			b.WriteString("- " + EscapeMarkdown(reason) + "\n")
		}
		b.WriteString("\n")
	}

	fmt.Fprintf(&b, "Target %s: %d operations, %d requests, %d errors in %s; rubric %s.\n\n",
		code(r.Target), r.Stats.Operations, r.Stats.Requests, r.Stats.Errors, duration(r.DurationMs), EscapeMarkdown(r.Scoring))
	if r.Incomplete != "" {
		fmt.Fprintf(&b, "> **Incomplete scan:** %s\n\n", EscapeMarkdown(r.Incomplete))
	}

	if len(fs) == 0 {
		b.WriteString("### No findings\n\n")
	} else {
		heading := fmt.Sprintf("### Findings: %d", len(fs))
		if hasBaseline {
			heading += fmt.Sprintf(" (%d new)", r.Baseline.New)
		}
		b.WriteString(heading + "\n\n")
		findingsTable(&b, fs, hasBaseline)
	}

	if hasBaseline && len(r.Baseline.FixedFindings) > 0 {
		fmt.Fprintf(&b, "### Fixed since the baseline: %d\n\n", len(r.Baseline.FixedFindings))
		findingsTable(&b, sorted(r.Baseline.FixedFindings), false)
	}

	if len(fs) > 0 {
		b.WriteString("### Details\n\n")
		for _, f := range fs {
			findingDetails(&b, f)
		}
	}

	_, err := io.WriteString(w, strings.TrimRight(b.String(), "\n")+"\n")
	return err
}

func statusRank(s finding.Status) int {
	if s == finding.StatusNew {
		return 0
	}
	return 1
}

// arrowDelta says "▼ 40", "▲ 5" or "± 0".
func arrowDelta(d int) string {
	switch {
	case d < 0:
		return fmt.Sprintf("▼ %d", -d)
	case d > 0:
		return fmt.Sprintf("▲ %d", d)
	default:
		return "± 0"
	}
}

func findingsTable(b *strings.Builder, fs []finding.Finding, withStatus bool) {
	if withStatus {
		b.WriteString("| Status | Severity | Rule | Operation | Title |\n| --- | --- | --- | --- | --- |\n")
	} else {
		b.WriteString("| Severity | Rule | Operation | Title |\n| --- | --- | --- | --- |\n")
	}
	for _, f := range fs {
		b.WriteString("| ")
		if withStatus {
			b.WriteString(EscapeMarkdown(string(f.Status)) + " | ")
		}
		fmt.Fprintf(b, "%s | %s | %s | %s |\n", EscapeMarkdown(f.Severity.String()), code(f.Rule), code(operation(f)), titleCell(f))
	}
	b.WriteString("\n")
}

// code shows untrusted text in an inline <code> element: unlike a Markdown
// code span it takes character references, so EscapeMarkdown applies, and
// it works in table cells and in HTML blocks alike.
func code(s string) string {
	return "<code>" + EscapeMarkdown(s) + "</code>"
}

func titleCell(f finding.Finding) string {
	t := EscapeMarkdown(f.Title)
	if !f.Counts() {
		t += " <i>(low confidence, not scored)</i>"
	}
	return t
}

// findingDetails writes a collapsed block per finding. The summary line is
// part of an HTML block, where Markdown is not parsed, hence HTML tags there.
func findingDetails(b *strings.Builder, f finding.Finding) {
	fmt.Fprintf(b, "<details><summary><b>%s</b> %s %s: %s</summary>\n\n",
		EscapeMarkdown(f.Severity.String()), code(f.Rule), code(operation(f)), titleCell(f))

	var meta []string
	if f.Status != "" {
		meta = append(meta, "status "+EscapeMarkdown(string(f.Status)))
	}
	meta = append(meta, "confidence "+EscapeMarkdown(f.Confidence.String()))
	for _, s := range []string{f.CWE, f.OWASP} {
		if s != "" {
			meta = append(meta, EscapeMarkdown(s))
		}
	}
	if f.Location != nil && f.Location.File != "" {
		meta = append(meta, fmt.Sprintf("%s line %d", code(f.Location.File), f.Location.Line))
	}
	b.WriteString(strings.Join(meta, " · ") + "\n\n")

	if f.Evidence.Summary != "" {
		b.WriteString("**Evidence:** " + EscapeMarkdown(f.Evidence.Summary) + "\n\n")
	}
	if len(f.Reproduce) > 0 {
		lines := make([]string, len(f.Reproduce))
		for i, cmd := range f.Reproduce {
			lines[i] = escapeText(cmd)
		}
		content := strings.Join(lines, "\n")
		fence := codeFence(content)
		b.WriteString("**Reproduce:**\n\n" + fence + "sh\n" + content + "\n" + fence + "\n\n")
	}
	if f.Remediation != "" {
		b.WriteString("**Remediation:** " + EscapeMarkdown(f.Remediation) + "\n\n")
	}
	b.WriteString("</details>\n\n")
}
