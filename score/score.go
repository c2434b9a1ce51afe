// Package score holds authgate's published scoring rubric and the gate
// decision. Both are pure functions of the findings, so the score of a
// report can be recomputed by anyone who has it. docs/scoring.md documents
// the rubric exactly; change both together and bump Version.
package score

import (
	"cmp"
	"slices"

	"github.com/authgate/authgate/finding"
)

// Version names the rubric. It goes into the report's scoring field so that
// scores made under different rubrics are never compared unknowingly.
const Version = "authgate-score/v1"

// MaxScore is a report without counting findings.
const MaxScore = 100

// Caps: the contract fixes that a critical finding always means an F and a
// high finding at best a D, however few other findings there are.
const (
	capCritical = 49
	capHigh     = 69
)

// baseDeduction is what the first counting finding of a rule deducts, by
// severity. A single high finding already meets the high cap (100-25 > 69),
// so the base values matter when findings add up: two highs are 50, three
// distinct medium rules are 70.
var baseDeduction = map[finding.Severity]int{
	finding.SeverityInfo:     0,
	finding.SeverityLow:      3,
	finding.SeverityMedium:   10,
	finding.SeverityHigh:     25,
	finding.SeverityCritical: 40,
}

// maxHalvings bounds the repeat shift; beyond it every base deduction is
// already 0 (40 >> 6 == 0), and it keeps the shift count small.
const maxHalvings = 6

// Grade thresholds of the contract: A >= 90, B >= 80, C >= 70, D >= 60.
var grades = []struct {
	min   int
	grade string
}{{90, "A"}, {80, "B"}, {70, "C"}, {60, "D"}}

// Compute scores a set of findings under the rubric Version:
//
//   - only counting findings (finding.Counts: not low confidence) take part;
//   - findings are distinct by rule and fingerprint (a duplicate, e.g. from
//     merged shards, counts once, at its highest severity);
//   - within one rule, distinct findings are ordered by severity, highest
//     first, and the k-th deducts base(severity) >> (k-1): the same flaw on
//     many operations is one systemic problem, so repeats count less, and one
//     rule can never deduct more than twice its base;
//   - the result is clamped to 0..100, then capped at 49 with any critical
//     and at 69 with any high finding.
//
// Adding a finding never raises the score: it either adds a deduction or
// raises the severity of an existing distinct finding, and in both cases
// every position of the rule's ordered list deducts at least as much as
// before; caps only ever lower the score.
func Compute(fs []finding.Finding) int {
	worst := map[string]finding.Severity{} // distinct key -> highest severity
	ruleOf := map[string]string{}
	for i := range fs {
		f := &fs[i]
		if !f.Counts() {
			continue
		}
		k := distinctKey(f)
		sev := clampSeverity(f.Severity)
		if old, ok := worst[k]; !ok || sev > old {
			worst[k] = sev
		}
		ruleOf[k] = f.Rule
	}

	byRule := map[string][]finding.Severity{}
	for k, sev := range worst {
		byRule[ruleOf[k]] = append(byRule[ruleOf[k]], sev)
	}

	total := 0
	maxSev := finding.SeverityInfo
	for _, sevs := range byRule {
		slices.SortFunc(sevs, func(a, b finding.Severity) int { return cmp.Compare(b, a) })
		for i, sev := range sevs {
			total += baseDeduction[sev] >> min(i, maxHalvings)
			maxSev = max(maxSev, sev)
		}
	}

	s := max(MaxScore-total, 0)
	switch {
	case maxSev >= finding.SeverityCritical:
		s = min(s, capCritical)
	case maxSev >= finding.SeverityHigh:
		s = min(s, capHigh)
	}
	return s
}

// Grade turns a score into the contract's letter grade. Scores outside
// 0..100 are graded as if clamped.
func Grade(score int) string {
	for _, g := range grades {
		if score >= g.min {
			return g.grade
		}
	}
	return "F"
}

// distinctKey identifies one distinct finding. The fingerprint already holds
// the rule, but the rule is kept in the key so that a finding without a
// fingerprint (hand-made or from an old report) still falls back on its
// rule, method and path.
func distinctKey(f *finding.Finding) string {
	if f.Fingerprint != "" {
		return f.Rule + "\x00" + f.Fingerprint
	}
	return f.Rule + "\x00" + f.Method + "\x00" + f.Path
}

// clampSeverity maps out-of-range values (only possible from code, never
// from JSON) into the scale, so an odd value cannot escape the caps.
func clampSeverity(s finding.Severity) finding.Severity {
	return min(max(s, finding.SeverityInfo), finding.SeverityCritical)
}
