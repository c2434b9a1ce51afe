package score

import (
	"fmt"
	"slices"
	"strings"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/report"
)

// FailOnNone disables the fail-on part of the gate.
const FailOnNone = "none"

// maxListed bounds how many findings a gate reason names, so that the
// reason stays one readable line; the rest are counted.
const maxListed = 5

// GateInput is everything the gate decides on.
type GateInput struct {
	Score     int
	FailUnder int
	// FailUnderSet says FailUnder was given (flag, config file, Action
	// input) rather than defaulted. With a baseline the absolute threshold
	// applies only then: a pull request is judged on what it adds, not on
	// the debt it inherited.
	FailUnderSet bool
	// FailOn is critical, high, medium, low or none (config validation refuses
	// the rest; an unknown value fails the gate).
	FailOn string
	// New are the findings that count as new: all of them when there is no
	// baseline.
	New           []finding.Finding
	BaselineScore int
	HasBaseline   bool
	// MaxScoreDrop is the largest allowed drop below the baseline's score;
	// -1 turns the check off.
	MaxScoreDrop int
	// Missing are the rules the inputs asked for (a peer was given, active
	// mode) that did not run (finding.Coverage.Missing): a check that could
	// not run is not a pass, so each is a reason.
	Missing []finding.RuleCoverage
}

// Decide applies the gate: it fails when the score is below FailUnder, when
// a counting new finding is at or above FailOn, when the score dropped
// more than MaxScoreDrop below the baseline's, or when a requested rule
// could not run. With a baseline, FailUnder applies only when FailUnderSet;
// otherwise the gate's FailUnder is 0 (no score is below it), which is
// what the report shows. Low-confidence findings never gate, as they never
// move the score. An unknown FailOn fails the gate (a security gate must
// not open because of a typo); configuration validation is expected to
// catch it earlier with a better message.
func Decide(in GateInput) report.Gate {
	failOn := strings.ToLower(strings.TrimSpace(in.FailOn))
	failUnder := in.FailUnder
	if in.HasBaseline && !in.FailUnderSet {
		failUnder = 0
	}
	g := report.Gate{FailUnder: failUnder, FailOn: failOn, Reasons: []string{}}

	if in.Score < failUnder {
		g.Reasons = append(g.Reasons, fmt.Sprintf("score %d is below the threshold %d", in.Score, failUnder))
	}

	if failOn != FailOnNone {
		threshold, err := finding.ParseSeverity(failOn)
		if err != nil {
			g.Reasons = append(g.Reasons, fmt.Sprintf("fail-on %q is not one of critical, high, medium, low, none", in.FailOn))
		} else if r := newFindingsReason(in.New, threshold, in.HasBaseline); r != "" {
			g.Reasons = append(g.Reasons, r)
		}
	}

	if in.HasBaseline && in.MaxScoreDrop >= 0 {
		if drop := in.BaselineScore - in.Score; drop > in.MaxScoreDrop {
			g.Reasons = append(g.Reasons, fmt.Sprintf("score dropped %s from the baseline's %d to %d, more than the allowed %d",
				report.Plural(drop, "point"), in.BaselineScore, in.Score, in.MaxScoreDrop))
		}
	}

	// One reason per cause: five active rules missing one throw-away
	// identity are one thing to fix, not five.
	var groups []finding.RuleCoverage
	for _, m := range in.Missing {
		i := slices.IndexFunc(groups, func(g finding.RuleCoverage) bool { return g.Reason == m.Reason })
		if i < 0 {
			groups = append(groups, m)
			continue
		}
		groups[i].Rule += ", " + m.Rule
	}
	for _, m := range groups {
		g.Reasons = append(g.Reasons, MissingReason(m))
	}

	g.Passed = len(g.Reasons) == 0
	return g
}

// MissingReason is the gate's reason for a requested rule (or rules,
// comma-separated, that share the reason) that did not run:
// "bola-cross-user-read could not run: <why>". The reason may carry
// target text; the writer that shows it escapes it.
func MissingReason(r finding.RuleCoverage) string {
	if r.Reason == "" {
		return r.Rule + " could not run"
	}
	return r.Rule + " could not run: " + r.Reason
}

// newFindingsReason names the counting findings at or above threshold, or
// returns "" when there are none.
func newFindingsReason(fs []finding.Finding, threshold finding.Severity, hasBaseline bool) string {
	var hits []finding.Finding
	for i := range fs {
		if fs[i].Counts() && fs[i].Severity >= threshold {
			hits = append(hits, fs[i])
		}
	}
	if len(hits) == 0 {
		return ""
	}
	report.Sort(hits) // hits is our own copy

	count := report.Plural(len(hits), "finding")
	if hasBaseline {
		count = report.Plural(len(hits), "new finding")
	}
	names := make([]string, 0, min(len(hits), maxListed))
	for _, f := range hits[:min(len(hits), maxListed)] {
		names = append(names, Label(f))
	}
	list := strings.Join(names, ", ")
	if more := len(hits) - len(names); more > 0 {
		list += fmt.Sprintf(" and %d more", more)
	}
	return fmt.Sprintf("%s at or above %s: %s", count, threshold, list)
}

// Label names a finding in one line, "rule METHOD /path", as gate reasons
// show it. The text is untrusted (the path may come from the target) and is
// escaped by the writer that shows it.
func Label(f finding.Finding) string {
	return strings.Join(slices.DeleteFunc([]string{f.Rule, f.Method, f.Path}, func(s string) bool { return s == "" }), " ")
}
