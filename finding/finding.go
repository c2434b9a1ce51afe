// Package finding holds the leaf types every other package shares: a
// finding, its severity and confidence, its evidence and its fingerprint.
// It imports nothing from authgate.
package finding

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// Severity ranks how bad a finding is. The zero value is Info so that an
// unset severity never gates a build by accident.
type Severity int

// Severities, lowest first, so that comparisons read naturally.
const (
	SeverityInfo Severity = iota
	SeverityLow
	SeverityMedium
	SeverityHigh
	SeverityCritical
)

var severityNames = [...]string{"info", "low", "medium", "high", "critical"}

func (s Severity) String() string {
	if s < 0 || int(s) >= len(severityNames) {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// ParseSeverity reads a severity name as the contract spells it.
func ParseSeverity(name string) (Severity, error) {
	for i, n := range severityNames {
		if strings.EqualFold(name, n) {
			return Severity(i), nil
		}
	}
	return 0, fmt.Errorf("unknown severity %q (want critical, high, medium, low or info)", name)
}

// MarshalText writes the severity's name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a severity's name.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Confidence says how sure the scanner is. Low-confidence findings are shown
// but do not move the score.
type Confidence int

// Confidences, lowest first.
const (
	ConfidenceLow Confidence = iota
	ConfidenceMedium
	ConfidenceHigh
)

var confidenceNames = [...]string{"low", "medium", "high"}

func (c Confidence) String() string {
	if c < 0 || int(c) >= len(confidenceNames) {
		return fmt.Sprintf("confidence(%d)", int(c))
	}
	return confidenceNames[c]
}

// MarshalText writes the confidence's name.
func (c Confidence) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText reads a confidence's name.
func (c *Confidence) UnmarshalText(b []byte) error {
	for i, n := range confidenceNames {
		if strings.EqualFold(string(b), n) {
			*c = Confidence(i)
			return nil
		}
	}
	return fmt.Errorf("unknown confidence %q (want high, medium or low)", b)
}

// Status says how a finding relates to the baseline. It is empty when the
// scan had no baseline.
type Status string

// Statuses against a baseline.
const (
	StatusNew      Status = "new"
	StatusExisting Status = "existing"
)

// Exchange is one request and its response, as shown to a person. Header
// values that carry credentials are already redacted and the body is
// truncated; the text is still untrusted and must be escaped where shown.
type Exchange struct {
	Identity        string            `json:"identity"`
	Method          string            `json:"method"`
	URL             string            `json:"url"`
	RequestHeaders  map[string]string `json:"requestHeaders,omitempty"`
	Status          int               `json:"status"`
	ResponseHeaders map[string]string `json:"responseHeaders,omitempty"`
	ResponseBody    string            `json:"responseBody,omitempty"`
	Truncated       bool              `json:"truncated,omitempty"`
}

// Evidence is what convinced the scanner: a one-line summary of the decision
// and the exchanges behind it.
type Evidence struct {
	Summary   string     `json:"summary"`
	Exchanges []Exchange `json:"exchanges"`
}

// Location is the line in the user's repository that a finding points at.
type Location struct {
	File string `json:"file"`
	Line int    `json:"line"`
}

// Finding is one reported weakness of one operation (or of the whole API,
// with Path "*").
type Finding struct {
	Rule        string     `json:"rule"`
	Title       string     `json:"title"`
	Severity    Severity   `json:"severity"`
	Confidence  Confidence `json:"confidence"`
	CWE         string     `json:"cwe"`
	OWASP       string     `json:"owasp"`
	Method      string     `json:"method"`
	Path        string     `json:"path"`
	Fingerprint string     `json:"fingerprint"`
	Status      Status     `json:"status,omitempty"`
	Evidence    Evidence   `json:"evidence"`
	Reproduce   []string   `json:"reproduce"`
	Remediation string     `json:"remediation"`
	Location    *Location  `json:"location,omitempty"`
	// Suppression is the config entry that matched the finding: in force
	// on a finding of the report's suppressed list, expired on a reported
	// one (which then says so). Nil when none matched.
	Suppression *Suppression `json:"suppression,omitempty"`
}

// FingerprintVersion is bumped whenever the fingerprint's inputs change, so
// that baselines made by an older authgate are recognised as such.
const FingerprintVersion = "v1"

// Fingerprint identifies a finding across runs and deployments: the rule, the
// method, the route template and the auth scheme, never response content or
// concrete ids, so the same flaw on a preview and on production matches.
func Fingerprint(rule, method, route, authScheme string) string {
	h := sha256.New()
	for _, part := range []string{rule, strings.ToUpper(method), route, strings.ToLower(authScheme)} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return FingerprintVersion + ":" + hex.EncodeToString(h.Sum(nil))[:24]
}

// Outranks reports whether f should replace g, its duplicate (same
// fingerprint): the more confident wins, then the more severe. The scanner
// and `authgate merge` keep duplicates the same way.
func (f *Finding) Outranks(g *Finding) bool {
	if f.Confidence != g.Confidence {
		return f.Confidence > g.Confidence
	}
	return f.Severity > g.Severity
}

// Counts moves in the score: a low-confidence finding is shown but does not
// move the score.
func (f *Finding) Counts() bool { return f.Confidence > ConfidenceLow }
