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
		fmt.Fprintf(&b, "**Gate passed** (%s)\n\n", EscapeMarkdown(gateSettings(r)))
	} else {
		fmt.Fprintf(&b, "**Gate failed** (%s):\n\n", EscapeMarkdown(gateSettings(r)))
		for _, reason := range r.Gate.Reasons {
			b.WriteString("- " + EscapeMarkdown(reason) + "\n")
		}
		b.WriteString("\n")
	}

	fmt.Fprintf(&b, "Target %s: %s, %s, %s in %s; rubric %s.\n\n",
		code(r.Target), Plural(r.Stats.Operations, "operation"), Plural(r.Stats.Requests, "request"), Plural(r.Stats.Errors, "error"),
		duration(r.DurationMs), EscapeMarkdown(r.Scoring))
	if r.Incomplete != "" {
		fmt.Fprintf(&b, "> **Incomplete scan:** %s\n\n", EscapeMarkdown(r.Incomplete))
	}
	if c := coverageOf(r); c != nil {
		markdownCoverage(&b, c)
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

	if len(r.Suppressed) > 0 {
		markdownSuppressed(&b, sorted(r.Suppressed))
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
	if f.Suppression != nil && f.Suppression.Expired {
		t += " <i>(suppression expired on " + EscapeMarkdown(f.Suppression.Until) + ")</i>"
	}
	return t
}

// markdownCoverage writes what the scan tested: one visible summary line,
// the rules that did not run (visible: they qualify the verdict), and the
// details (how each identity was verified, skipped operations, every
// rule's operations) collapsed.
func markdownCoverage(b *strings.Builder, c *finding.Coverage) {
	var ids []string
	for _, id := range c.Identities {
		name, state := identitySummary(id)
		mark := "✅"
		if !id.Verified {
			mark = "❌"
		}
		ids = append(ids, mark+" "+EscapeMarkdown(name+" "+state))
	}
	line := "**Coverage:** "
	if len(ids) > 0 {
		line += "identities " + strings.Join(ids, ", ") + "; "
	}
	b.WriteString(line + EscapeMarkdown(operationSummary(c.Operations)) + "; " + EscapeMarkdown(ruleSummary(c)) + ".\n\n")

	if groups := notRunGroups(c); len(groups) > 0 {
		b.WriteString("**Checks that did not run:**\n\n")
		for _, g := range groups {
			names := make([]string, len(g.Rules))
			for i, r := range g.Rules {
				names[i] = code(r)
			}
			item := "- " + strings.Join(names, ", ")
			if g.Requested {
				item += " **could not run, although the inputs asked for it**"
			}
			if g.Reason != "" {
				item += ": " + EscapeMarkdown(g.Reason)
			}
			b.WriteString(item + "\n")
		}
		b.WriteString("\n")
	}
	if c.Writes != nil {
		markdownWrites(b, c.Writes)
	}
	if c.Discovery != nil {
		markdownDiscovery(b, c.Discovery)
	}
	if partly := partlyRan(c); len(partly) > 0 {
		b.WriteString("**Checks that ran in part:**\n\n")
		for _, rc := range partly {
			b.WriteString("- " + code(rc.Rule) + ": " + EscapeMarkdown(rc.Reason) + "\n")
		}
		b.WriteString("\n")
	}

	b.WriteString("<details><summary>Coverage details</summary>\n\n")
	if len(c.Identities) > 0 {
		b.WriteString("| Identity | Verified | How |\n| --- | --- | --- |\n")
		for _, id := range c.Identities {
			name, state := identitySummary(id)
			fmt.Fprintf(b, "| %s | %s | %s |\n", code(name), EscapeMarkdown(state), EscapeMarkdown(id.How))
		}
		b.WriteString("\n")
	}
	if sk := c.Operations.Skipped; len(sk) > 0 {
		b.WriteString("Operations not sent:\n\n")
		for i, s := range sk {
			if i == maxListedSkipped {
				fmt.Fprintf(b, "- and %d more (see the JSON report)\n", len(sk)-i)
				break
			}
			fmt.Fprintf(b, "- %s: %s\n", code(strings.TrimSpace(s.Method+" "+s.Path)), EscapeMarkdown(s.Reason))
		}
		b.WriteString("\n")
	}
	if c.Writes != nil && len(c.Writes.Created) > 0 {
		b.WriteString("| Created | Kind | Removed | Note |\n| --- | --- | --- | --- |\n")
		for _, o := range c.Writes.Created {
			removed := "yes"
			if !o.Deleted {
				removed = "**no**"
			}
			fmt.Fprintf(b, "| %s | %s | %s | %s |\n", code(createdLabel(o)), EscapeMarkdown(o.Kind), removed, EscapeMarkdown(o.Reason))
		}
		b.WriteString("\n")
	}
	if len(c.Rules) > 0 {
		b.WriteString("| Rule | Status | Operations | Note |\n| --- | --- | --- | --- |\n")
		for _, rc := range c.Rules {
			fmt.Fprintf(b, "| %s | %s | %s | %s |\n", code(rc.Rule), EscapeMarkdown(string(rc.Status)), operationsCell(rc.Operations), EscapeMarkdown(rc.Reason))
		}
		b.WriteString("\n")
	}
	b.WriteString("</details>\n\n")
}

// markdownWrites says what active mode created, visibly: the objects it
// left on the target are the reader's to remove, so each is named (up to
// maxListedLeft) with the reason it stayed. Item paths carry ids the
// target chose, hence code() (escaped) for each.
func markdownWrites(b *strings.Builder, w *finding.WriteCoverage) {
	left := leftBehind(w)
	if len(left) == 0 {
		b.WriteString("**Writes:** " + EscapeMarkdown(writesSummary(w)) + ".\n\n")
		return
	}
	b.WriteString("**Writes:** " + EscapeMarkdown(writesSummary(w)) + ":\n\n")
	for i, o := range left {
		if i == maxListedLeft {
			fmt.Fprintf(b, "- and %d more (see the JSON report)\n", len(left)-i)
			break
		}
		item := "- " + code(createdLabel(o))
		if o.Reason != "" {
			item += ": " + EscapeMarkdown(o.Reason)
		}
		b.WriteString(item + "\n")
	}
	b.WriteString("\n")
}

// markdownDiscovery says what the scan tried beyond the description and
// names each endpoint that answered; a link's path came from the
// target's answers, hence code() (escaped).
func markdownDiscovery(b *strings.Builder, d *finding.DiscoveryCoverage) {
	if len(d.Found) == 0 {
		b.WriteString("**Discovery:** " + EscapeMarkdown(discoverySummary(d)) + ".\n\n")
		return
	}
	b.WriteString("**Discovery:** " + EscapeMarkdown(discoverySummary(d)) + ":\n\n")
	for i, e := range d.Found {
		if i == maxListedFound {
			fmt.Fprintf(b, "- and %d more (see the JSON report)\n", len(d.Found)-i)
			break
		}
		fmt.Fprintf(b, "- %s (%d, %s)\n", code("GET "+e.Path), e.Status, EscapeMarkdown(e.Source))
	}
	b.WriteString("\n")
}

// maxListedRuleOperations bounds the operations a coverage table cell
// names; the count says the rest.
const maxListedRuleOperations = 3

// operationsCell names a rule's first operations and counts the rest.
func operationsCell(ops []string) string {
	if len(ops) == 0 {
		return "—"
	}
	shown := make([]string, 0, maxListedRuleOperations)
	for _, op := range ops[:min(len(ops), maxListedRuleOperations)] {
		shown = append(shown, code(op))
	}
	cell := strings.Join(shown, ", ")
	if more := len(ops) - len(shown); more > 0 {
		cell += fmt.Sprintf(" and %d more", more)
	}
	return cell
}

// markdownSuppressed lists the suppressed findings collapsed, each with
// the reason it is accepted and until when: accepted risk stays in sight
// of every reviewer without crowding the findings.
func markdownSuppressed(b *strings.Builder, fs []finding.Finding) {
	fmt.Fprintf(b, "<details><summary>Suppressed: %d (accepted in the config, not scored)</summary>\n\n", len(fs))
	b.WriteString("| Severity | Rule | Operation | Reason | Fingerprint |\n| --- | --- | --- | --- | --- |\n")
	for _, f := range fs {
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", EscapeMarkdown(f.Severity.String()), code(f.Rule), code(operation(f)),
			EscapeMarkdown(suppressionReason(f)), code(f.Fingerprint))
	}
	b.WriteString("\n</details>\n\n")
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
		// Each command after a comment naming whom it is sent as and what
		// the target answered, in the finding's order: the first is the
		// request that proves it.
		lines := make([]string, 0, 2*len(f.Reproduce))
		for i, cmd := range f.Reproduce {
			if as := exchangeLabel(f, i); as != "" {
				lines = append(lines, escapeText("# "+strings.TrimSuffix(as, ":")))
			}
			lines = append(lines, escapeText(cmd))
		}
		content := strings.Join(lines, "\n")
		fence := codeFence(content)
		b.WriteString("**Reproduce:**\n\n" + fence + "sh\n" + content + "\n" + fence + "\n\n")
	}
	if f.Remediation != "" {
		b.WriteString("**Remediation:** " + EscapeMarkdown(f.Remediation) + "\n\n")
	}
	if note := suppressionNote(f); note != "" {
		b.WriteString("**Note:** " + EscapeMarkdown(note) + "\n\n")
	}
	if f.Fingerprint != "" {
		b.WriteString("**Fingerprint:** " + code(f.Fingerprint) + "\n\n")
	}
	lines := suppressEntry(f)
	for i := range lines {
		lines[i] = escapeText(lines[i])
	}
	entry := strings.Join(lines, "\n")
	fence := codeFence(entry)
	b.WriteString("To accept it, add under <code>suppress:</code> in <code>.authgate.yml</code>:\n\n" + fence + "yaml\n" + entry + "\n" + fence + "\n\n")
	b.WriteString("</details>\n\n")
}
