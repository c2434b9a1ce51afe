package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/authgate/authgate/finding"
)

// ANSI styles of the text format, used only with Options.Color.
const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiDim    = "\x1b[2m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiBlue   = "\x1b[34m"
	ansiPurple = "\x1b[35m"
	ansiCyan   = "\x1b[36m"
)

var severityStyle = map[finding.Severity]string{
	finding.SeverityCritical: ansiBold + ansiPurple,
	finding.SeverityHigh:     ansiBold + ansiRed,
	finding.SeverityMedium:   ansiYellow,
	finding.SeverityLow:      ansiCyan,
	finding.SeverityInfo:     ansiDim,
}

// textWriter keeps the first write error so that the layout code reads
// straight through; every untrusted string goes through escapeText before
// it reaches line.
type textWriter struct {
	w     io.Writer
	color bool
	err   error
}

func (t *textWriter) line(format string, args ...any) {
	if t.err != nil {
		return
	}
	_, t.err = fmt.Fprintf(t.w, format+"\n", args...)
}

func (t *textWriter) style(style, s string) string {
	if !t.color || style == "" {
		return s
	}
	return style + s + ansiReset
}

// writeText writes the report for a person at a terminal or reading a CI
// log. Every line starts with text of ours, and target-controlled text is
// escaped, so a hostile target can neither move the cursor nor issue
// workflow commands.
func writeText(w io.Writer, r *Report, opts Options) error {
	t := &textWriter{w: w, color: opts.Color}
	fs := sorted(r.Findings)

	tool := t.style(ansiBold, nonEmpty(escapeText(r.Tool.Name), "authgate"))
	if r.Tool.Version != "" {
		tool += " " + escapeText(r.Tool.Version)
	}
	t.line("%s scan of %s", tool, escapeText(r.Target))
	scoreText := fmt.Sprintf("%d/100 (%s)", r.Score, escapeText(r.Grade))
	if r.Incomplete != "" {
		// The score of what was seen before the scan stopped: never to
		// be read as the API's grade.
		scoreText += " of an incomplete scan"
	}
	t.line("Score:      %s   %s", t.style(gradeStyle(r.Grade), scoreText), t.style(ansiDim, "rubric "+escapeText(r.Scoring)))
	t.line("Scanned:    %s, %s, %s in %s, started %s",
		Plural(r.Stats.Operations, "operation"), Plural(r.Stats.Requests, "request"), Plural(r.Stats.Errors, "error"),
		duration(r.DurationMs), r.StartedAt.UTC().Format(time.RFC3339))
	if r.Baseline != nil {
		t.line("Baseline:   %s", baselineDelta(r))
	}
	if r.Incomplete != "" {
		t.line("Incomplete: %s", t.style(ansiYellow, escapeText(r.Incomplete)))
	}

	t.line("")
	if len(fs) == 0 {
		t.line("No findings.")
	} else {
		t.line("Findings: %s", countBySeverity(fs))
	}
	prev := finding.Severity(-1)
	for _, f := range fs {
		if f.Severity != prev {
			t.line("")
			t.line("%s", t.style(severityStyle[f.Severity], strings.ToUpper(f.Severity.String())+":"))
			prev = f.Severity
		}
		t.finding(f, r.Baseline != nil)
	}

	if r.Baseline != nil && len(r.Baseline.FixedFindings) > 0 {
		t.line("")
		t.line("Fixed since the baseline:")
		for _, f := range sorted(r.Baseline.FixedFindings) {
			t.line("  %s  %s  %s", t.style(ansiGreen, strings.ToUpper(f.Severity.String())), escapeText(f.Rule), escapeText(operation(f)))
		}
	}

	if len(r.Suppressed) > 0 {
		t.line("")
		t.line("Suppressed (accepted in the config, not scored): %d", len(r.Suppressed))
		for _, f := range sorted(r.Suppressed) {
			t.line("  %s  %s  %s: %s", t.style(ansiDim, strings.ToUpper(f.Severity.String())), escapeText(f.Rule), escapeText(operation(f)), escapeText(suppressionReason(f)))
		}
	}

	if c := coverageOf(r); c != nil {
		t.coverage(c)
	}

	t.line("")
	if r.Gate.Passed {
		t.line("Gate %s (%s)", t.style(ansiBold+ansiGreen, "PASSED"), escapeText(gateSettings(r)))
	} else {
		t.line("Gate %s (%s):", t.style(ansiBold+ansiRed, "FAILED"), escapeText(gateSettings(r)))
		for _, reason := range r.Gate.Reasons {
			t.line("  - %s", escapeText(reason))
		}
	}
	return t.err
}

// coverage writes what the scan tested: the identities and how each was
// verified, the operations, and the rules that did not run with the
// reason, so that a pass reads next to what it covers.
func (t *textWriter) coverage(c *finding.Coverage) {
	t.line("")
	t.line("Coverage:")
	for _, id := range c.Identities {
		name, state := identitySummary(id)
		style := ansiGreen
		if !id.Verified {
			style = ansiBold + ansiRed
		}
		line := fmt.Sprintf("  Identity:   %s %s", escapeText(name), t.style(style, state))
		if id.How != "" {
			line += ": " + escapeText(id.How)
		}
		t.line("%s", line)
	}
	t.line("  Operations: %s", operationSummary(c.Operations))
	for i, sk := range c.Operations.Skipped {
		if i == maxListedSkipped {
			t.line("    and %d more (see the JSON report)", len(c.Operations.Skipped)-i)
			break
		}
		t.line("    skipped %s: %s", escapeText(strings.TrimSpace(sk.Method+" "+sk.Path)), escapeText(sk.Reason))
	}
	t.line("  Rules:      %s", ruleSummary(c))
	for _, g := range notRunGroups(c) {
		label := "did not run"
		if g.Requested {
			label = t.style(ansiBold+ansiRed, "could not run (asked for)")
		}
		line := fmt.Sprintf("    %s %s", escapeText(strings.Join(g.Rules, ", ")), label)
		if g.Reason != "" {
			line += ": " + escapeText(g.Reason)
		}
		t.line("%s", line)
	}
	for _, rc := range partlyRan(c) {
		t.line("    %s ran, %s", escapeText(rc.Rule), escapeText(rc.Reason))
	}
	if c.Writes != nil {
		t.writes(c.Writes)
	}
	if c.Discovery != nil {
		t.discovery(c.Discovery)
	}
}

// discovery says what the scan tried beyond the description and names
// each endpoint that answered.
func (t *textWriter) discovery(d *finding.DiscoveryCoverage) {
	t.line("  Discovery:  %s", escapeText(discoverySummary(d)))
	for i, e := range d.Found {
		if i == maxListedFound {
			t.line("    and %d more (see the JSON report)", len(d.Found)-i)
			break
		}
		t.line("    found %s", escapeText(foundLabel(e)))
	}
}

// writes says what active mode created and names each object it left on
// the target with the reason, so that whoever runs the scan can remove
// them; what was removed is in the JSON report.
func (t *textWriter) writes(w *finding.WriteCoverage) {
	left := leftBehind(w)
	summary := writesSummary(w)
	if len(left) > 0 {
		summary = t.style(ansiYellow, summary) + ":"
	}
	t.line("  Writes:     %s", summary)
	for i, o := range left {
		if i == maxListedLeft {
			t.line("    and %d more (see the JSON report)", len(left)-i)
			break
		}
		line := "    left " + escapeText(createdLabel(o))
		if o.Reason != "" {
			line += ": " + escapeText(o.Reason)
		}
		t.line("%s", line)
	}
}

// finding writes one finding's block: the headline, then indented title,
// evidence, every reproduction in the finding's order (the first is the
// request that proves it), each with the identity it was sent as and the
// answer, the fingerprint, a note when its suppression expired, and the
// remediation.
func (t *textWriter) finding(f finding.Finding, withStatus bool) {
	head := fmt.Sprintf("  %s  %s  %s", t.style(severityStyle[f.Severity], strings.ToUpper(f.Severity.String())), escapeText(f.Rule), escapeText(operation(f)))
	if withStatus && f.Status != "" {
		head += "  [" + escapeText(string(f.Status)) + "]"
	}
	if !f.Counts() {
		head += "  " + t.style(ansiDim, "[low confidence, not scored]")
	}
	t.line("%s", head)
	t.line("    %s", escapeText(f.Title))
	if f.Evidence.Summary != "" {
		t.line("    Evidence:    %s", escapeText(f.Evidence.Summary))
	}
	label := "    Reproduce:   "
	for i, cmd := range f.Reproduce {
		if i == maxListedReproduction {
			t.line("                 and %d more (see the JSON report)", len(f.Reproduce)-i)
			break
		}
		if as := exchangeLabel(f, i); as != "" {
			t.line("%s%s", label, t.style(ansiDim, escapeText(as)))
			label = "                 "
		}
		t.line("%s%s", label, t.style(ansiBlue, escapeText(cmd)))
		label = "                 "
	}
	if f.Fingerprint != "" {
		t.line("    Fingerprint: %s", escapeText(f.Fingerprint))
	}
	if note := suppressionNote(f); note != "" {
		t.line("    Note:        %s", t.style(ansiYellow, escapeText(note)))
	}
	if f.Remediation != "" {
		t.line("    Remediation: %s", escapeText(f.Remediation))
	}
}

// exchangeLabel says whom reproduction i is sent as and what the target
// answered, "as bob, answered 200:", from the exchange at the same index
// (the scanner writes one curl command per exchange, in order); "" when
// the finding has no such exchange.
func exchangeLabel(f finding.Finding, i int) string {
	if len(f.Evidence.Exchanges) != len(f.Reproduce) || f.Evidence.Exchanges[i].Identity == "" {
		return ""
	}
	ex := f.Evidence.Exchanges[i]
	s := "as " + ex.Identity
	if ex.Status > 0 {
		s += fmt.Sprintf(", answered %d", ex.Status)
	}
	return s + ":"
}

func gradeStyle(grade string) string {
	switch grade {
	case "A", "B":
		return ansiBold + ansiGreen
	case "C", "D":
		return ansiBold + ansiYellow
	default:
		return ansiBold + ansiRed
	}
}

// countBySeverity says "3 (1 high, 2 medium)".
func countBySeverity(fs []finding.Finding) string {
	var parts []string
	for sev := finding.SeverityCritical; sev >= finding.SeverityInfo; sev-- {
		n := 0
		for i := range fs {
			if fs[i].Severity == sev {
				n++
			}
		}
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, sev))
		}
	}
	return fmt.Sprintf("%d (%s)", len(fs), strings.Join(parts, ", "))
}

// baselineDelta says "85/100 -> 45/100 (-40): 1 new, 1 fixed, 1 unchanged".
func baselineDelta(r *Report) string {
	b := r.Baseline
	return fmt.Sprintf("%d/100 -> %d/100 (%s): %d new, %d fixed, %d unchanged",
		b.Score, r.Score, signed(r.Score-b.Score), b.New, b.Fixed, b.Unchanged)
}

func signed(n int) string {
	if n > 0 {
		return fmt.Sprintf("+%d", n)
	}
	return fmt.Sprintf("%d", n)
}

// operation names a finding's operation, "GET /user", or "*" for the whole
// API.
func operation(f finding.Finding) string {
	return strings.TrimSpace(f.Method + " " + f.Path)
}

func duration(ms int64) string {
	return (time.Duration(ms) * time.Millisecond).String()
}

func nonEmpty(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}
