package score

import (
	"reflect"
	"testing"

	"github.com/authgate/authgate/finding"
)

func TestDecide(t *testing.T) {
	authn := mk("authn-missing", finding.SeverityHigh, "/user")
	bola := mk("bola-cross-user-read", finding.SeverityHigh, "/orders/{orderId}")
	verbose := mk("verbose-error-disclosure", finding.SeverityMedium, "/user")
	crit := mk("jwt-alg-none", finding.SeverityCritical, "*")

	tests := []struct {
		name    string
		in      GateInput
		passed  bool
		failOn  string
		reasons []string
	}{
		{"passes", GateInput{Score: 90, FailUnder: 70, FailOn: "high", MaxScoreDrop: -1},
			true, "high", []string{}},
		{"score equal to threshold passes", GateInput{Score: 70, FailUnder: 70, FailOn: "high", MaxScoreDrop: -1},
			true, "high", []string{}},
		{"score below threshold", GateInput{Score: 45, FailUnder: 70, FailOn: "none", MaxScoreDrop: -1},
			false, "none", []string{"score 45 is below the threshold 70"}},
		{"new findings at or above fail-on, with a baseline", GateInput{
			Score: 40, FailUnder: 0, FailOn: "high", New: []finding.Finding{verbose, bola, crit, authn},
			HasBaseline: true, BaselineScore: 40, MaxScoreDrop: -1},
			false, "high", []string{"3 new findings at or above high: jwt-alg-none GET *, authn-missing GET /user, bola-cross-user-read GET /orders/{orderId}"}},
		{"without a baseline every finding counts, and is not called new", GateInput{
			Score: 69, FailUnder: 60, FailOn: "high", New: []finding.Finding{authn}, MaxScoreDrop: -1},
			false, "high", []string{"1 finding at or above high: authn-missing GET /user"}},
		{"below fail-on passes", GateInput{Score: 90, FailUnder: 70, FailOn: "high", New: []finding.Finding{verbose}, MaxScoreDrop: -1},
			true, "high", []string{}},
		{"fail-on is case-insensitive", GateInput{Score: 90, FailUnder: 70, FailOn: " Medium ", New: []finding.Finding{verbose}, MaxScoreDrop: -1},
			false, "medium", []string{"1 finding at or above medium: verbose-error-disclosure GET /user"}},
		{"fail-on none disables it", GateInput{Score: 90, FailUnder: 70, FailOn: "none", New: []finding.Finding{crit}, MaxScoreDrop: -1},
			true, "none", []string{}},
		{"low confidence never gates", GateInput{Score: 100, FailUnder: 70, FailOn: "low", New: []finding.Finding{lowConf(crit)}, MaxScoreDrop: -1},
			true, "low", []string{}},
		{"unknown fail-on fails closed", GateInput{Score: 100, FailUnder: 70, FailOn: "severe", MaxScoreDrop: -1},
			false, "severe", []string{`fail-on "severe" is not one of critical, high, medium, low, none`}},
		{"score drop beyond the limit", GateInput{Score: 70, FailUnder: 70, FailUnderSet: true, FailOn: "none", HasBaseline: true, BaselineScore: 85, MaxScoreDrop: 10},
			false, "none", []string{"score dropped 15 points from the baseline's 85 to 70, more than the allowed 10"}},
		{"score drop equal to the limit passes", GateInput{Score: 75, FailUnder: 70, FailUnderSet: true, FailOn: "none", HasBaseline: true, BaselineScore: 85, MaxScoreDrop: 10},
			true, "none", []string{}},
		{"max-score-drop 0 fails on any drop", GateInput{Score: 84, FailUnder: 70, FailUnderSet: true, FailOn: "none", HasBaseline: true, BaselineScore: 85, MaxScoreDrop: 0},
			false, "none", []string{"score dropped 1 point from the baseline's 85 to 84, more than the allowed 0"}},
		{"max-score-drop off", GateInput{Score: 71, FailUnder: 70, FailUnderSet: true, FailOn: "none", HasBaseline: true, BaselineScore: 100, MaxScoreDrop: -1},
			true, "none", []string{}},
		{"max-score-drop needs a baseline", GateInput{Score: 71, FailUnder: 70, FailOn: "none", BaselineScore: 100, MaxScoreDrop: 0},
			true, "none", []string{}},
		{"all three reasons", GateInput{Score: 40, FailUnder: 70, FailUnderSet: true, FailOn: "high", New: []finding.Finding{authn},
			HasBaseline: true, BaselineScore: 90, MaxScoreDrop: 5},
			false, "high", []string{
				"score 40 is below the threshold 70",
				"1 new finding at or above high: authn-missing GET /user",
				"score dropped 50 points from the baseline's 90 to 40, more than the allowed 5",
			}},
		// Baseline gating (problem 9): production scores 55, the pull
		// request changes nothing.
		{"with a baseline the default threshold does not apply", GateInput{Score: 55, FailUnder: 70, FailOn: "high",
			HasBaseline: true, BaselineScore: 55, MaxScoreDrop: -1},
			true, "high", []string{}},
		{"with a baseline an explicit threshold applies", GateInput{Score: 55, FailUnder: 70, FailUnderSet: true, FailOn: "high",
			HasBaseline: true, BaselineScore: 55, MaxScoreDrop: -1},
			false, "high", []string{"score 55 is below the threshold 70"}},
		{"with a baseline a new high finding fails", GateInput{Score: 30, FailUnder: 70, FailOn: "high", New: []finding.Finding{authn},
			HasBaseline: true, BaselineScore: 55, MaxScoreDrop: -1},
			false, "high", []string{"1 new finding at or above high: authn-missing GET /user"}},
		{"without a baseline the default threshold applies", GateInput{Score: 55, FailUnder: 70, FailOn: "high", MaxScoreDrop: -1},
			false, "high", []string{"score 55 is below the threshold 70"}},
		// Coverage (problem 3): a requested rule that did not run.
		{"a requested rule that did not run fails", GateInput{Score: 100, FailUnder: 70, FailOn: "high", MaxScoreDrop: -1,
			Missing: []finding.RuleCoverage{
				{Rule: "bola-cross-user-read", Status: finding.RuleNotRun, Requested: true, Reason: "the API refused the peer bob everywhere"},
				{Rule: "session-fixation", Status: finding.RuleNotRun, Requested: true},
			}},
			false, "high", []string{
				"bola-cross-user-read could not run: the API refused the peer bob everywhere",
				"session-fixation could not run",
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := Decide(tt.in)
			if g.Passed != tt.passed {
				t.Errorf("Passed = %v, want %v", g.Passed, tt.passed)
			}
			wantUnder := tt.in.FailUnder
			if tt.in.HasBaseline && !tt.in.FailUnderSet {
				wantUnder = 0 // not applied, shown as no threshold
			}
			if g.FailUnder != wantUnder || g.FailOn != tt.failOn {
				t.Errorf("FailUnder, FailOn = %d, %q, want %d, %q", g.FailUnder, g.FailOn, wantUnder, tt.failOn)
			}
			if g.Reasons == nil {
				t.Fatal("Reasons is nil, want [] so that JSON shows an array")
			}
			if !reflect.DeepEqual(g.Reasons, tt.reasons) {
				t.Errorf("Reasons =\n  %q\nwant\n  %q", g.Reasons, tt.reasons)
			}
		})
	}
}

func TestDecideListsAtMostFive(t *testing.T) {
	var fs []finding.Finding
	for _, p := range []string{"/a", "/b", "/c", "/d", "/e", "/f", "/g"} {
		fs = append(fs, mk("authn-missing", finding.SeverityHigh, p))
	}
	g := Decide(GateInput{Score: 50, FailOn: "high", New: fs, MaxScoreDrop: -1})
	want := []string{"7 findings at or above high: authn-missing GET /a, authn-missing GET /b, authn-missing GET /c, authn-missing GET /d, authn-missing GET /e and 2 more"}
	if !reflect.DeepEqual(g.Reasons, want) {
		t.Errorf("Reasons = %q, want %q", g.Reasons, want)
	}
	if fs[0].Path != "/a" || fs[6].Path != "/g" {
		t.Error("Decide reordered the caller's findings")
	}
}
