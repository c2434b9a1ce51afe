package finding

import (
	"strings"
	"time"
)

// DateLayout is how a suppression's Until is written: a calendar day,
// which is what a reviewer agrees to ("accepted until the end of June").
const DateLayout = "2006-01-02"

// ReasonPlaceholder is the reason of the suppress entry every report
// offers to paste. It is shared with the config loader, which refuses it:
// pasted unedited it would show in every report as the audit trail, a
// suppression that says nothing about why the finding is accepted.
const ReasonPlaceholder = "<why this finding is accepted>"

// Suppression is one accepted finding of the config's suppress list: what
// it matches, why it is accepted (the audit trail a reviewer reads) and
// until when. A bare entry (a rule id or a fingerprint) has no reason.
type Suppression struct {
	// Rule and Fingerprint say what the entry matches; at least one is
	// set, and a finding must match every field that is.
	Rule        string `json:"rule,omitempty"`
	Fingerprint string `json:"fingerprint,omitempty"`
	// Method and Path narrow a rule to operations: Method matches
	// case-insensitively, Path exactly or, ending in "*", as a prefix.
	Method string `json:"method,omitempty"`
	Path   string `json:"path,omitempty"`
	Reason string `json:"reason"`
	// Until is the last day (UTC, DateLayout) the entry suppresses; ""
	// for no end.
	Until string `json:"until,omitempty"`
	// Expired is set on a reported finding whose suppression ran out
	// before the scan started.
	Expired bool `json:"expired,omitempty"`
}

// Matches reports whether s names f (expiry aside).
func (s *Suppression) Matches(f *Finding) bool {
	if s.Rule == "" && s.Fingerprint == "" {
		return false
	}
	switch {
	case s.Rule != "" && s.Rule != f.Rule,
		s.Fingerprint != "" && s.Fingerprint != f.Fingerprint,
		s.Method != "" && !strings.EqualFold(s.Method, f.Method):
		return false
	}
	if s.Path == "" || s.Path == f.Path {
		return true
	}
	prefix, wild := strings.CutSuffix(s.Path, "*")
	return wild && strings.HasPrefix(f.Path, prefix)
}

// ExpiredAt reports whether s no longer suppresses at t: Until is the last
// day it does, so it expires at the next midnight UTC. An Until that does
// not parse counts as expired, so that a mistake cannot hide a finding;
// the config loader refuses such a date before any scan.
func (s *Suppression) ExpiredAt(t time.Time) bool {
	if s.Until == "" {
		return false
	}
	day, err := time.Parse(DateLayout, s.Until)
	if err != nil {
		return true
	}
	return !t.UTC().Before(day.AddDate(0, 0, 1))
}
