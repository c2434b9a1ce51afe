package report

import (
	"fmt"
	"slices"
	"strings"

	"github.com/authgate/authgate/finding"
)

// Bounds on what the human formats list in full; the JSON report always
// has everything. A scan of a large API can skip hundreds of operations or
// reproduce a finding on many routes, and a PR comment must stay readable
// (GitHub also caps a comment at 65,536 characters).
const (
	maxListedSkipped      = 20
	maxListedReproduction = 5
)

// coverageOf returns a copy of the report's coverage with every list
// present (never nil), so that JSON shows [] and writers can range freely;
// nil when the report has none (one written before authgate had it).
func coverageOf(r *Report) *finding.Coverage {
	if r.Coverage == nil {
		return nil
	}
	c := finding.Coverage{
		Identities: append([]finding.IdentityCoverage{}, r.Coverage.Identities...),
		Operations: r.Coverage.Operations,
		Rules:      make([]finding.RuleCoverage, 0, len(r.Coverage.Rules)),
	}
	c.Operations.Skipped = append([]finding.SkippedOperation{}, r.Coverage.Operations.Skipped...)
	for _, rc := range r.Coverage.Rules {
		rc.Operations = append([]string{}, rc.Operations...)
		c.Rules = append(c.Rules, rc)
	}
	if w := r.Coverage.Writes; w != nil {
		c.Writes = &finding.WriteCoverage{Created: append([]finding.CreatedObject{}, w.Created...), Left: w.Left}
	}
	if d := r.Coverage.Discovery; d != nil {
		c.Discovery = &finding.DiscoveryCoverage{Tried: d.Tried, Found: append([]finding.DiscoveredEndpoint{}, d.Found...), Reason: d.Reason,
			Scripts: slices.Clone(d.Scripts)}
	}
	return &c
}

// maxListedFound bounds the discovered endpoints the human formats name;
// the JSON report lists every one.
const maxListedFound = 20

// discoverySummary says what the look beyond the description did: "tried
// 19 paths the description does not list, 2 answered" (and why it
// stopped short, when it did).
func discoverySummary(d *finding.DiscoveryCoverage) string {
	s := fmt.Sprintf("tried %s the description does not list, %d answered", Plural(d.Tried, "path"), len(d.Found))
	if d.Tried == 0 {
		s = "tried no path beyond the description"
	}
	if len(d.Scripts) > 0 {
		s += "; API routes read in " + strings.Join(d.Scripts, ", ")
	}
	if d.Reason != "" {
		s += " (" + d.Reason + ")"
	}
	return s
}

// foundLabel names one discovered endpoint: "GET /users/v1/_debug (200,
// listed collection GET /users/v1)". Untrusted: a link's path came from
// the target's answers; the caller escapes it.
func foundLabel(e finding.DiscoveredEndpoint) string {
	return fmt.Sprintf("GET %s (%d, %s)", e.Path, e.Status, e.Source)
}

// maxListedLeft bounds the objects left on the target that the human
// formats name one by one; the JSON report lists every one.
const maxListedLeft = 20

// leftBehind returns what the scan created and could not remove, in
// creation order: the objects the API's owner has to remove.
func leftBehind(w *finding.WriteCoverage) []finding.CreatedObject {
	var out []finding.CreatedObject
	for _, o := range w.Created {
		if !o.Deleted {
			out = append(out, o)
		}
	}
	return out
}

// writesSummary says what active mode wrote: "Created 3 objects and 1
// account, 1 left on the target" or "Created 2 objects, all removed".
// The count of leftovers is that of the listed objects, so the summary
// and the list cannot disagree.
func writesSummary(w *finding.WriteCoverage) string {
	objects, accounts := 0, 0
	for _, o := range w.Created {
		if o.Kind == "account" {
			accounts++
		} else {
			objects++
		}
	}
	var created string
	switch {
	case accounts == 0:
		created = Plural(objects, "object")
	case objects == 0:
		created = Plural(accounts, "account")
	default:
		created = Plural(objects, "object") + " and " + Plural(accounts, "account")
	}
	switch left := len(leftBehind(w)); {
	case len(w.Created) == 0:
		return "Created nothing"
	case left == 0:
		return "Created " + created + ", all removed"
	default:
		return fmt.Sprintf("Created %s, %d left on the target", created, left)
	}
}

// createdLabel names one created object for a person: its own path (an
// account's name), the create operation and who sent it, "/api/notes/17
// (POST /api/notes as alice)"; "an object without an id (…)" when the API
// gave none. Untrusted: the path holds an id the target chose; the caller
// escapes it.
func createdLabel(o finding.CreatedObject) string {
	name := nonEmpty(o.Item, "an object without an id")
	if o.Kind == "account" {
		name = strings.TrimSpace("account " + o.Item)
	}
	var from []string
	if o.Operation != "" {
		from = append(from, o.Operation)
	}
	if o.Owner != "" {
		from = append(from, "as "+o.Owner)
	}
	if len(from) > 0 {
		name += " (" + strings.Join(from, " ") + ")"
	}
	return name
}

// ruleCounts counts the rules by status.
func ruleCounts(c *finding.Coverage) (ran, notApplicable, notRun int) {
	for _, rc := range c.Rules {
		switch rc.Status {
		case finding.RuleRan:
			ran++
		case finding.RuleNotApplicable:
			notApplicable++
		default:
			notRun++
		}
	}
	return ran, notApplicable, notRun
}

// notRunGroup is the rules that did not run for one reason; the human
// formats show one line per reason rather than per rule, since a safe
// scan leaves every active rule out for the same reason.
type notRunGroup struct {
	Reason string
	Rules  []string
	// Requested is set when the inputs asked for one of the rules: the
	// gate failed on it.
	Requested bool
}

// notRunGroups groups the rules that did not run by reason, requested
// ones first, each group in coverage order.
func notRunGroups(c *finding.Coverage) []notRunGroup {
	var requested, other []notRunGroup
	add := func(groups []notRunGroup, rc finding.RuleCoverage) []notRunGroup {
		for i := range groups {
			if groups[i].Reason == rc.Reason {
				groups[i].Rules = append(groups[i].Rules, rc.Rule)
				return groups
			}
		}
		return append(groups, notRunGroup{Reason: rc.Reason, Rules: []string{rc.Rule}, Requested: rc.Requested})
	}
	for _, rc := range c.Rules {
		switch {
		case rc.Status == finding.RuleRan || rc.Status == finding.RuleNotApplicable:
		case rc.Requested:
			requested = add(requested, rc)
		default:
			other = add(other, rc)
		}
	}
	return append(requested, other...)
}

// partlyRan returns the rules that ran but say what they could not test
// (a reason "partly: …"): shown next to the rules that did not run, since
// a pass covers less than their name suggests.
func partlyRan(c *finding.Coverage) []finding.RuleCoverage {
	var out []finding.RuleCoverage
	for _, rc := range c.Rules {
		if rc.Status == finding.RuleRan && rc.Reason != "" {
			out = append(out, rc)
		}
	}
	return out
}

// identitySummary says "alice (primary) verified" or "bob (peer) NOT
// verified"; the text is untrusted and escaped by the caller.
func identitySummary(id finding.IdentityCoverage) (name, state string) {
	name = id.Name
	if id.Role != "" && id.Role != id.Name {
		name += " (" + id.Role + ")"
	}
	if id.Verified {
		return name, "verified"
	}
	return name, "NOT verified"
}

// operationSummary says "3 of 4 operations scanned, 3 answered, 1 skipped",
// and how many scanned operations were never sent.
func operationSummary(o finding.OperationCoverage) string {
	s := fmt.Sprintf("%d of %s scanned, %d answered", o.Scanned, Plural(o.Total, "operation"), o.Answered)
	if o.Unsent > 0 {
		s += fmt.Sprintf(", %d not sent (writes no rule exercises: judged from the description only)", o.Unsent)
	}
	if len(o.Skipped) > 0 {
		s += fmt.Sprintf(", %d skipped", len(o.Skipped))
	}
	return s
}

// ruleSummary says "15 rules ran, 8 not applicable, 2 did not run".
func ruleSummary(c *finding.Coverage) string {
	ran, na, notRun := ruleCounts(c)
	return fmt.Sprintf("%s ran, %d not applicable, %d did not run", Plural(ran, "rule"), na, notRun)
}

// gateSettings names what the gate judged by, for the gate line of every
// human format: "fail-under 70, fail-on high", or with a baseline and no
// explicit threshold (failUnder 0) "new findings only, fail-on high".
func gateSettings(r *Report) string {
	var parts []string
	switch {
	case r.Gate.FailUnder > 0:
		parts = append(parts, fmt.Sprintf("fail-under %d", r.Gate.FailUnder))
	case r.Baseline != nil:
		parts = append(parts, "new findings only")
	}
	return strings.Join(append(parts, "fail-on "+r.Gate.FailOn), ", ")
}

// suppressionNote is the note on a reported finding whose suppression ran
// out: "suppression expired on 2025-06-30 (reason: …)"; "" when there is
// none. Untrusted (the reason is the user's, the report may be hand-made).
func suppressionNote(f finding.Finding) string {
	s := f.Suppression
	if s == nil || !s.Expired {
		return ""
	}
	note := "suppression expired on " + s.Until
	if s.Reason != "" {
		note += " (reason: " + s.Reason + ")"
	}
	return note
}

// suppressionReason is why a suppressed finding is accepted, with its end
// date: "legacy route (until 2025-06-30)".
func suppressionReason(f finding.Finding) string {
	s := f.Suppression
	if s == nil {
		return "no reason given"
	}
	reason := nonEmpty(s.Reason, "no reason given")
	if s.Until != "" {
		reason += " (until " + s.Until + ")"
	}
	return reason
}

// suppressEntry is the suppress entry that accepts f, as YAML lines to
// paste under `suppress:` in .authgate.yml: by fingerprint, or for a
// finding without one by rule, method and path. The values are escaped
// for a code block by the caller.
func suppressEntry(f finding.Finding) []string {
	var lines []string
	if f.Fingerprint != "" {
		lines = append(lines, "- fingerprint: "+yamlScalar(f.Fingerprint)+"  # "+operationLabel(f))
	} else {
		lines = append(lines, "- rule: "+yamlScalar(f.Rule))
		if f.Method != "" {
			lines = append(lines, "  method: "+yamlScalar(f.Method))
		}
		if f.Path != "" {
			lines = append(lines, "  path: "+yamlScalar(f.Path))
		}
	}
	return append(lines, "  reason: "+yamlScalar(finding.ReasonPlaceholder), "  # until: YYYY-MM-DD  (optional: the last day it is accepted)")
}

// operationLabel is "rule METHOD /path".
func operationLabel(f finding.Finding) string {
	return strings.TrimSpace(f.Rule + " " + operation(f))
}

// yamlScalar writes s as a YAML double-quoted scalar when it holds
// anything a plain one could misread (a report may be hand-made, and a
// path may hold "#" or ": ").
func yamlScalar(s string) string {
	plain := s != "" && !strings.ContainsAny(s, " #:\"'{}[],&*!|>%@`\\") && strings.TrimSpace(s) == s
	if plain || isFingerprintLike(s) {
		return s
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// isFingerprintLike reports a fingerprint as authgate writes it,
// "v1:<hex>", which YAML reads as a plain string.
func isFingerprintLike(s string) bool {
	v, hex, ok := strings.Cut(s, ":")
	if !ok || v == "" || hex == "" {
		return false
	}
	for _, c := range v + hex {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z') {
			return false
		}
	}
	return true
}

// Plural says "1 rule" or "2 rules": counts in reports and progress
// lines read as English ("1 operations" does not). It knows only nouns
// that take an "s".
func Plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
