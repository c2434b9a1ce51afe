package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/authgate/authgate/finding"
)

// JUnit names. CI systems (GitLab, Jenkins, Azure Pipelines, CircleCI)
// group test cases by classname, so each rule becomes a "class".
const (
	junitSuiteName   = "authgate"
	junitClassPrefix = "authgate."
	junitGateClass   = "authgate"
	junitGateName    = "gate"
	junitGateType    = "gate"
	// junitCoverageClass groups the rules that did not run, one skipped
	// test case each; junitSuppressedClass the suppressed findings.
	junitCoverageClass   = "authgate.coverage"
	junitSuppressedClass = "authgate.suppressed"
	// junitWritesClass holds one test case, "clean-up", that lists what
	// active mode created and whether it was removed.
	junitWritesClass = "authgate.writes"
	junitWritesName  = "clean-up"
	// failOnNone is the fail-on value that fails on no finding (as in
	// score.FailOnNone, which report cannot import).
	failOnNone = "none"
	// defaultFailOn is the contract's --fail-on default, used when a
	// report carries no usable fail-on.
	defaultFailOn = finding.SeverityHigh
)

type junitTestSuites struct {
	XMLName  xml.Name         `xml:"testsuites"`
	Name     string           `xml:"name,attr"`
	Tests    int              `xml:"tests,attr"`
	Failures int              `xml:"failures,attr"`
	Errors   int              `xml:"errors,attr"`
	Time     string           `xml:"time,attr"`
	Suites   []junitTestSuite `xml:"testsuite"`
}

type junitTestSuite struct {
	Name      string          `xml:"name,attr"`
	Tests     int             `xml:"tests,attr"`
	Failures  int             `xml:"failures,attr"`
	Errors    int             `xml:"errors,attr"`
	Skipped   int             `xml:"skipped,attr"`
	Time      string          `xml:"time,attr"`
	Timestamp string          `xml:"timestamp,attr,omitempty"`
	Cases     []junitTestCase `xml:"testcase"`
}

type junitTestCase struct {
	Classname string        `xml:"classname,attr"`
	Name      string        `xml:"name,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
	SystemOut *junitText    `xml:"system-out,omitempty"`
}

// junitSkipped marks a test case that did not run: a rule the scan could
// not run, or a finding the config accepts.
type junitSkipped struct {
	Message string `xml:"message,attr"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",cdata"`
}

// junitText is element text written as CDATA, so that the multi-line
// details stay readable in the file (as character data encoding/xml would
// write every newline as &#xA;). encoding/xml splits a "]]>" in the text
// across two sections, so the content cannot end the section early.
type junitText struct {
	Text string `xml:",cdata"`
}

// writeJUnit writes the report as JUnit XML for CI systems other than
// GitHub: one test case per finding, failing when the finding would fail
// the gate's fail-on part (a counting, non-baseline finding at or above
// fail-on), passing with its details in system-out otherwise, and one
// "gate" test case that fails when the gate did. encoding/xml escapes
// markup; target text additionally goes through escapeText, so characters
// XML 1.0 forbids, other control characters and workflow commands appear
// as visible escapes.
func writeJUnit(w io.Writer, r *Report, _ Options) error {
	fs := sorted(r.Findings)
	threshold, failNone := junitThreshold(r.Gate.FailOn)
	cases := make([]junitTestCase, 0, len(fs)+1)
	failures := 0
	for _, f := range fs {
		c := junitTestCase{
			Classname: junitClassPrefix + xmlText(f.Rule),
			Name:      xmlText(f.Method + " " + f.Path),
		}
		details := junitDetails(f)
		if !failNone && f.Counts() && f.Status != finding.StatusExisting && f.Severity >= threshold {
			c.Failure = &junitFailure{
				Message: xmlText(f.Title),
				Type:    f.Severity.String(),
				Text:    details,
			}
			failures++
		} else {
			c.SystemOut = &junitText{Text: details}
		}
		cases = append(cases, c)
	}

	skipped := 0
	for _, f := range sorted(r.Suppressed) {
		cases = append(cases, junitTestCase{
			Classname: junitSuppressedClass,
			Name:      xmlText(operationLabel(f)),
			Skipped:   &junitSkipped{Message: xmlText("suppressed: " + suppressionReason(f))},
			SystemOut: &junitText{Text: junitDetails(f)},
		})
		skipped++
	}
	if c := coverageOf(r); c != nil {
		for _, rc := range c.Rules {
			if rc.Status == finding.RuleRan || rc.Status == finding.RuleNotApplicable {
				continue
			}
			msg := "did not run"
			if rc.Requested {
				msg = "could not run, although the inputs asked for it"
			}
			if rc.Reason != "" {
				msg += ": " + rc.Reason
			}
			cases = append(cases, junitTestCase{
				Classname: junitCoverageClass,
				Name:      xmlText(rc.Rule),
				Skipped:   &junitSkipped{Message: xmlText(msg)},
			})
			skipped++
		}
	}

	if c := coverageOf(r); c != nil && c.Writes != nil {
		cases = append(cases, junitWritesCase(c.Writes))
	}

	gate := junitTestCase{Classname: junitGateClass, Name: junitGateName}
	if !r.Gate.Passed {
		var text strings.Builder
		for _, reason := range r.Gate.Reasons {
			text.WriteString("- " + xmlText(reason) + "\n")
		}
		gate.Failure = &junitFailure{
			Message: fmt.Sprintf("gate failed: score %d (%s)", r.Score, xmlText(gateSettings(r))),
			Type:    junitGateType,
			Text:    text.String(),
		}
		failures++
	} else {
		gate.SystemOut = &junitText{Text: fmt.Sprintf("gate passed: score %d (%s)\n", r.Score, xmlText(gateSettings(r)))}
	}
	cases = append(cases, gate)

	seconds := fmt.Sprintf("%.3f", time.Duration(r.DurationMs*int64(time.Millisecond)).Seconds())
	suite := junitTestSuite{
		Name:     junitSuiteName,
		Tests:    len(cases),
		Failures: failures,
		Skipped:  skipped,
		Time:     seconds,
		Cases:    cases,
	}
	if !r.StartedAt.IsZero() {
		// JUnit's timestamp is ISO 8601 without a zone; the report's
		// time is UTC.
		suite.Timestamp = r.StartedAt.UTC().Format("2006-01-02T15:04:05")
	}
	doc := junitTestSuites{
		Name: junitSuiteName, Tests: suite.Tests, Failures: suite.Failures, Time: seconds,
		Suites: []junitTestSuite{suite},
	}
	data, err := xml.MarshalIndent(&doc, "", "  ")
	if err != nil {
		return err
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	_, err = w.Write(append(data, '\n'))
	return err
}

// xmlText makes untrusted text safe for a JUnit attribute or element:
// escapeText makes control characters, invalid UTF-8 and workflow commands
// visible, and the two characters it leaves that XML 1.0 forbids
// (U+FFFE, U+FFFF; encoding/xml would turn them into U+FFFD silently) are
// written as visible escapes too. encoding/xml escapes the markup.
func xmlText(s string) string { return xmlNoncharacters.Replace(escapeText(s)) }

var xmlNoncharacters = strings.NewReplacer("\ufffe", `\ufffe`, "\uffff", `\uffff`)

// junitThreshold reads the gate's fail-on. An empty or unknown value falls
// back to the contract's default rather than failing nothing.
func junitThreshold(failOn string) (threshold finding.Severity, none bool) {
	name := strings.ToLower(strings.TrimSpace(failOn))
	if name == failOnNone {
		return 0, true
	}
	s, err := finding.ParseSeverity(name)
	if err != nil {
		return defaultFailOn, false
	}
	return s, false
}

// junitDetails is a finding's body text: one labelled line per fact, each
// value escaped so that no target text starts a line or spans several.
func junitDetails(f finding.Finding) string {
	var b strings.Builder
	line := func(label, value string) {
		if value != "" {
			b.WriteString(label + ": " + xmlText(value) + "\n")
		}
	}
	line("Rule", f.Rule)
	line("Title", f.Title)
	line("Severity", f.Severity.String())
	line("Confidence", f.Confidence.String())
	line("Weakness", joinNonEmpty(", ", f.CWE, owaspLabel(f.OWASP)))
	line("Status", string(f.Status))
	line("Fingerprint", f.Fingerprint)
	line("Evidence", f.Evidence.Summary)
	if f.Location != nil && f.Location.File != "" {
		line("Location", fmt.Sprintf("%s:%d", f.Location.File, f.Location.Line))
	}
	for _, cmd := range f.Reproduce {
		line("Reproduce", cmd)
	}
	line("Remediation", f.Remediation)
	line("Note", suppressionNote(f))
	return b.String()
}

// junitWritesCase lists what active mode created, one line per object. It
// passes even when objects were left on the target: leftovers are not a
// gate failure (the scan did what it promised and says what remains), but
// the CI system shows them next to the findings.
func junitWritesCase(w *finding.WriteCoverage) junitTestCase {
	var b strings.Builder
	b.WriteString(xmlText(writesSummary(w)) + "\n")
	for _, o := range w.Created {
		state := "removed"
		if !o.Deleted {
			state = "LEFT on the target"
		}
		line := state + ": " + createdLabel(o)
		if o.Reason != "" {
			line += ": " + o.Reason
		}
		b.WriteString(xmlText(line) + "\n")
	}
	return junitTestCase{Classname: junitWritesClass, Name: junitWritesName, SystemOut: &junitText{Text: b.String()}}
}
