package cli

import (
	"path/filepath"
	"reflect"
	"testing"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/report"
)

// TestMergeCoverage: shard coverage adds up to one scan's; a rule ran when
// any shard ran it (whole-API rules run in shard 1 only), and what a shard
// that was asked for it could not test stays visible as "partly:"; a rule
// no shard could run stays not run.
func TestMergeCoverage(t *testing.T) {
	s1 := &report.Report{Coverage: &finding.Coverage{
		Identities: []finding.IdentityCoverage{{Name: "alice", Role: "primary", Verified: true, How: "GET /me 200"}},
		Operations: finding.OperationCoverage{Total: 2, Scanned: 2, Answered: 1, Skipped: []finding.SkippedOperation{{Method: "GET", Path: "/reset", Reason: "may change state"}}},
		Rules: []finding.RuleCoverage{
			{Rule: "authn-missing", Status: finding.RuleRan, Operations: []string{"GET /a"}},
			{Rule: "bola-cross-user-read", Status: finding.RuleRan, Requested: true, Operations: []string{"GET /a/{id}"}},
			{Rule: "jwt-alg-none", Status: finding.RuleNotApplicable, Operations: []string{}, Reason: "no JWT"},
			{Rule: "session-fixation", Mode: finding.ModeActive, Status: finding.RuleRan, Requested: true, Operations: []string{"*"}},
			{Rule: "bfla-privilege-escalation", Status: finding.RuleNotRun, Requested: true, Reason: "the admin was refused"},
		},
	}}
	s2 := &report.Report{Coverage: &finding.Coverage{
		Identities: []finding.IdentityCoverage{{Name: "alice", Role: "primary", Verified: false, How: "401 everywhere"}},
		Operations: finding.OperationCoverage{Total: 3, Scanned: 2, Answered: 2, Skipped: []finding.SkippedOperation{{Method: "GET", Path: "/reset", Reason: "may change state"}}},
		Rules: []finding.RuleCoverage{
			{Rule: "authn-missing", Status: finding.RuleRan, Operations: []string{"GET /b", "GET /a"}},
			{Rule: "bola-cross-user-read", Status: finding.RuleNotRun, Requested: true, Reason: "no object found"},
			{Rule: "jwt-alg-none", Status: finding.RuleNotApplicable, Reason: "no JWT"},
			{Rule: "session-fixation", Mode: finding.ModeActive, Status: finding.RuleNotRun, Reason: "whole-API rules run in shard 1 of 2"},
			{Rule: "bfla-privilege-escalation", Status: finding.RuleNotApplicable, Reason: "nothing administrative here"},
		},
	}}
	old := &report.Report{} // a shard of an authgate without coverage adds nothing
	got := mergeCoverage([]string{"1.json", "2.json", "3.json"}, []*report.Report{s1, s2, old})
	want := finding.Coverage{
		Identities: []finding.IdentityCoverage{{Name: "alice", Role: "primary", Verified: false, How: "401 everywhere"}},
		Operations: finding.OperationCoverage{Total: 5, Scanned: 4, Answered: 3, Skipped: []finding.SkippedOperation{{Method: "GET", Path: "/reset", Reason: "may change state"}}},
		Rules: []finding.RuleCoverage{
			{Rule: "authn-missing", Status: finding.RuleRan, Operations: []string{"GET /a", "GET /b"}},
			{Rule: "bola-cross-user-read", Status: finding.RuleRan, Requested: true, Operations: []string{"GET /a/{id}"}, Reason: "partly: 2.json: no object found"},
			{Rule: "jwt-alg-none", Status: finding.RuleNotApplicable, Operations: []string{}, Reason: "1.json: no JWT"},
			{Rule: "session-fixation", Mode: finding.ModeActive, Status: finding.RuleRan, Requested: true, Operations: []string{"*"}},
			{Rule: "bfla-privilege-escalation", Status: finding.RuleNotRun, Requested: true, Operations: []string{}, Reason: "1.json: the admin was refused"},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("merged coverage\n  %+v\nwant\n  %+v", got, want)
	}
	if m := got.Missing(); len(m) != 1 || m[0].Rule != "bfla-privilege-escalation" {
		t.Errorf("Missing() = %+v, want the rule no shard could run", m)
	}
}

// TestMergeKeepsSuppressed: the merged report lists what the shards
// suppressed, once each.
func TestMergeKeepsSuppressed(t *testing.T) {
	dir := t.TempDir()
	sup := finding.Finding{Rule: "cookie-insecure", Method: "POST", Path: "/login", Fingerprint: "v1:c",
		Suppression: &finding.Suppression{Rule: "cookie-insecure", Reason: "legacy SSO"}}
	var paths []string
	for _, name := range []string{"1.json", "2.json"} {
		r := &report.Report{Schema: report.Schema, Target: "http://127.0.0.1:1", Tool: report.Tool{Name: "authgate", Version: "t"},
			Findings: []finding.Finding{}, Suppressed: []finding.Finding{sup}, Gate: report.Gate{Passed: true}}
		paths = append(paths, writeReport(t, dir, name, r))
	}
	out := filepath.Join(dir, "merged.json")
	if code, _, stderr := run(t, append([]string{"merge", "-o", out}, paths...)...); code != ExitPassed {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	r := readReport(t, out)
	if len(r.Suppressed) != 1 || r.Suppressed[0].Suppression == nil || r.Suppressed[0].Suppression.Reason != "legacy SSO" {
		t.Errorf("suppressed = %+v, want the shards' one finding with its reason", r.Suppressed)
	}
}
