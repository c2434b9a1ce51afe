// Package report holds the report model of the JSON schema
// authgate/report/v1 and one writer per output format. Writers are pure and
// deterministic: the same report gives the same bytes.
package report

import (
	"time"

	"github.com/authgate/authgate/finding"
)

// Schema is the value of the report's schema field.
const Schema = "authgate/report/v1"

// Report is one scan's result, as written to JSON and read back as a
// baseline.
type Report struct {
	Schema     string            `json:"schema"`
	Tool       Tool              `json:"tool"`
	Target     string            `json:"target"`
	StartedAt  time.Time         `json:"startedAt"`
	DurationMs int64             `json:"durationMs"`
	Score      int               `json:"score"`
	Grade      string            `json:"grade"`
	Scoring    string            `json:"scoring"`
	Stats      Stats             `json:"stats"`
	Findings   []finding.Finding `json:"findings"`
	Gate       Gate              `json:"gate"`
	// Coverage says what the scan tested (see finding.Coverage); nil
	// only in reports made before authgate had it.
	Coverage *finding.Coverage `json:"coverage,omitempty"`
	// Suppressed are the findings the config's suppress entries removed,
	// each carrying the entry (its reason and expiry): accepted risk stays
	// visible. They take no part in the score or the gate.
	Suppressed []finding.Finding `json:"suppressed"`
	Baseline   *Baseline         `json:"baseline,omitempty"`
	// Incomplete is set when the scan stopped early (budget, interrupt);
	// the findings are what it saw until then.
	Incomplete string `json:"incomplete,omitempty"`
}

// Tool names the program that made the report.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Stats counts what the scan did.
type Stats struct {
	Operations int `json:"operations"`
	Requests   int `json:"requests"`
	Errors     int `json:"errors"`
}

// Gate is the pass/fail decision and why.
type Gate struct {
	Passed    bool     `json:"passed"`
	FailUnder int      `json:"failUnder"`
	FailOn    string   `json:"failOn"`
	Reasons   []string `json:"reasons"`
}

// Baseline compares the scan with an earlier one.
type Baseline struct {
	Score     int `json:"score"`
	New       int `json:"new"`
	Fixed     int `json:"fixed"`
	Unchanged int `json:"unchanged"`
	// FixedFindings are the baseline's findings this scan no longer sees.
	FixedFindings []finding.Finding `json:"fixedFindings"`
}
