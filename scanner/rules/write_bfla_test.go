package rules_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner"
	"github.com/authgate/authgate/scanner/rules"
)

func TestWriteBFLA(t *testing.T) {
	high, low := finding.ConfidenceHigh, finding.ConfidenceLow
	tests := []struct {
		name  string
		flaws writeFlaws
		admin bool
		want  []writeVerdict
		// skipped is a text the rule's "not run" or "not applicable"
		// warnings must hold, "" for none.
		skipped string
	}{
		{name: "fixed, with an admin: coupons and plans check the role", admin: true,
			skipped: "not applicable: no create operation gives the scan an object of its own for the administrative writes DELETE /api/products/{productId}, PUT /api/products/{productId}"},
		{name: "vulnerable, with an admin: coupons check only the token", flaws: writeFlaws{couponsAuthn: true}, admin: true,
			want: []writeVerdict{
				{"DELETE", "/api/admin/coupons/{couponId}", high},
				{"POST", "/api/admin/coupons", high},
				{"PUT", "/api/admin/coupons/{couponId}", high},
			}},
		{name: "vulnerable, with an admin: only the coupon create checks just the token (the admin's delete undoes it)", flaws: writeFlaws{couponCreate: true}, admin: true,
			want: []writeVerdict{{"POST", "/api/admin/coupons", high}}},
		{name: "vulnerable, with an admin: plans only the admin creates, any user edits", flaws: writeFlaws{planPutAuthn: true}, admin: true,
			want: []writeVerdict{{"PUT", "/api/plans/{planId}", high}}},
		{name: "vulnerable, without an admin: the user's own coupon, at low confidence", flaws: writeFlaws{couponsAuthn: true},
			want:    []writeVerdict{{"POST", "/api/admin/coupons", low}},
			skipped: "PUT /api/admin/coupons/{couponId}: needs an identity of role admin"},
		{name: "fixed, without an admin: nothing to prove", flaws: writeFlaws{},
			skipped: "PUT /api/admin/coupons/{couponId}: needs an identity of role admin"},
		{name: "a hinted create every user may call (the peer creates too) is nothing", flaws: writeFlaws{}, admin: true},
		{name: "vulnerable: a hinted create the peer is refused and the primary is not", flaws: writeFlaws{ticketsOpenTo: "1001"}, admin: true,
			want: []writeVerdict{{"POST", "/api/staff/tickets", high}}},
		{name: "anonymous writes are authn-missing's, not a role's", flaws: writeFlaws{noteDeleteOpen: true, reviewsOpen: true, productsOpen: true}, admin: true},
		// The plan PUT anyone can send, without credentials too: one root
		// cause (no authentication), reported by authn-missing (see
		// TestWriteAuthnMissingOnTheAdminsObject), not as a role's.
		{name: "a write on the admin's object that anonymous callers make too is authn-missing's", flaws: writeFlaws{planPutOpen: true}, admin: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newWriteAPI(tt.flaws)
			res := writeRun{admin: tt.admin, rules: []scanner.APIRule{rules.WriteBFLA{}}}.scan(t, api)
			fs := res.Findings
			if got := verdicts(fs, "bfla-privilege-escalation"); !slices.Equal(got, tt.want) {
				t.Errorf("findings %v, want %v", got, tt.want)
				for _, f := range fs {
					t.Logf("%s %s: %s", f.Method, f.Path, f.Evidence.Summary)
				}
			}
			var said []string
			for _, w := range res.Warnings {
				if strings.HasPrefix(w, "bfla-privilege-escalation not ") {
					said = append(said, w)
				}
			}
			if tt.skipped != "" && !strings.Contains(strings.Join(said, "\n"), tt.skipped) {
				t.Errorf("warnings %q, want one saying %q", said, tt.skipped)
			}
			for _, kind := range []string{"coupons", "plans", "notes", "tickets"} {
				if left := api.left(kind); len(left) > 0 {
					t.Errorf("%s the scan created are left: %v (warnings %q)", kind, left, res.Warnings)
				}
			}
			if cov := res.Coverage.Writes; cov == nil || len(cov.Created) == 0 || cov.Left != 0 {
				t.Errorf("coverage.writes %+v, want created objects and none left", cov)
			}
		})
	}
}

// TestWriteRulesSameAnswerEveryRun scans each write API five times, at
// concurrency 1 and 8 alternately: the findings' rule, route,
// confidence and summary must be the same every run (the evidence holds
// the ids and markers of one run).
func TestWriteRulesSameAnswerEveryRun(t *testing.T) {
	flaws := writeFlaws{noteDeleteOpen: true, notePatchOpen: true, reviewsOpen: true, productsOpen: true, couponsAuthn: true, planPutAuthn: true, membersOpen: true, ticketsOpenTo: "1001"}
	var first []string
	for run := range 5 {
		concurrency := 1
		if run%2 == 1 {
			concurrency = 8
		}
		var got []string
		scan := writeRun{admin: true, concurrency: concurrency, rules: []scanner.APIRule{rules.WriteAuthnMissing{}, rules.WriteBFLA{}}}
		for _, f := range scan.scan(t, newWriteAPI(flaws)).Findings {
			got = append(got, strings.Join([]string{f.Rule, f.Method, f.Path, f.Confidence.String(), f.Evidence.Summary, f.Fingerprint}, " | "))
		}
		if run == 0 {
			first = got
			if len(got) < 6 {
				t.Fatalf("run 0 found %d findings, want at least 6: %q", len(got), got)
			}
			continue
		}
		if !slices.Equal(got, first) {
			t.Fatalf("run %d differs from run 0:\n%s\nwant\n%s", run, strings.Join(got, "\n"), strings.Join(first, "\n"))
		}
	}
}

// TestWriteAuthnMissingOnTheAdminsObject: plans only the admin creates,
// and a plan PUT without any authentication: authn-missing proves the
// anonymous write on the plan the admin created (the primary cannot
// create one), at high confidence; bfla-privilege-escalation, run in the
// same scan, leaves it alone.
func TestWriteAuthnMissingOnTheAdminsObject(t *testing.T) {
	api := newWriteAPI(writeFlaws{planPutOpen: true})
	res := writeRun{admin: true, rules: []scanner.APIRule{rules.WriteAuthnMissing{}, rules.WriteBFLA{}}}.scan(t, api)
	var got []writeVerdict
	for _, rule := range []string{"authn-missing", "bfla-privilege-escalation"} {
		for _, v := range verdicts(res.Findings, rule) {
			if v.path == "/api/plans/{planId}" {
				got = append(got, v)
			}
		}
	}
	if want := []writeVerdict{{"PUT", "/api/plans/{planId}", finding.ConfidenceHigh}}; !slices.Equal(got, want) {
		t.Errorf("findings on the plans %v, want %v (authn-missing's only)", got, want)
	}
	if f, ok := findingOf(res.Findings, "authn-missing", "PUT", "/api/plans/{planId}"); ok && !strings.Contains(f.Evidence.Summary, "ops") {
		t.Errorf("summary %q does not name the admin identity whose plan was changed", f.Evidence.Summary)
	}
	if left := api.left("plans"); len(left) > 0 {
		t.Errorf("plans the scan created are left: %v", left)
	}
}

// TestWriteBFLABulkWriteNotTested: an administrative DELETE on a whole
// collection (no id in its path) is never sent — it would change data the
// scan did not create — and the coverage says it was not tested.
func TestWriteBFLABulkWriteNotTested(t *testing.T) {
	spec := writeSpec + `  /api/admin/coupons/expired:
    delete:
      tags: [admin]
      responses: {"204": {description: deleted}}
`
	api := newWriteAPI(writeFlaws{})
	res := writeRun{admin: true, spec: spec, rules: []scanner.APIRule{rules.WriteBFLA{}}}.scan(t, api)
	var said string
	for _, w := range res.Warnings {
		if strings.HasPrefix(w, "bfla-privilege-escalation not run") {
			said += w
		}
	}
	if !strings.Contains(said, "DELETE /api/admin/coupons/expired: it addresses no object by an id in the path") {
		t.Errorf("warnings %q, want the bulk DELETE named as not tested", res.Warnings)
	}
}
