package scanner_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/internal/testapi"
	"github.com/authgate/authgate/scanner"
	"github.com/authgate/authgate/scanner/rules"
)

// TestBudgetScalesWithOperations: Options.BudgetPerOperation raises the
// budget to that many requests per operation once the operations are
// known (the CLI's default budget), never lowers it, and without it the
// budget is a hard bound that stops the scan with Result.BudgetExhausted.
func TestBudgetScalesWithOperations(t *testing.T) {
	const ops = 20
	srv := httptest.NewServer(testapi.New(ops))
	defer srv.Close()
	scan := func(budget, perOp int) *scanner.Result {
		t.Helper()
		res, err := scanner.Scan(context.Background(), scanner.Options{
			Target:             srv.URL,
			Primary:            scanner.NewIdentity("primary", []scanner.Header{{Name: "Authorization", Value: "Bearer " + testapi.TokenA}}),
			Peer:               scanner.NewIdentity("peer", []scanner.Header{{Name: "Authorization", Value: "Bearer " + testapi.TokenB}}),
			Mode:               finding.ModeSafe,
			Client:             scanner.ClientOptions{Concurrency: 4, Timeout: 30 * time.Second, Budget: budget},
			Wait:               time.Second,
			Rules:              rules.All(),
			APIRules:           rules.APIRules(),
			BudgetPerOperation: perOp,
		})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	full := scan(1_000_000, 0)
	if full.Incomplete != "" || full.BudgetExhausted {
		t.Fatalf("unbounded scan: incomplete %q", full.Incomplete)
	}
	need := full.Requests
	perOp := need/ops + 1 // perOp × ops > need: the scan ends before the budget

	tests := []struct {
		name          string
		budget, perOp int
		exhausted     bool
	}{
		{"hard bound below the scan's need", need / 2, 0, true},
		{"the same floor scaled per operation", need / 2, perOp, false},
		{"a floor above the scale is kept", need + 1, 1, false},
		{"a scale below the need is still a bound", need / 2, perOp / 3, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := scan(tt.budget, tt.perOp)
			bound := max(tt.budget, tt.perOp*ops)
			if res.Requests > bound {
				t.Errorf("sent %d requests; the budget is %d", res.Requests, bound)
			}
			if res.BudgetExhausted != tt.exhausted || (res.Incomplete != "") != tt.exhausted {
				t.Errorf("exhausted %v, incomplete %q; want exhausted %v", res.BudgetExhausted, res.Incomplete, tt.exhausted)
			}
			if !tt.exhausted && res.Requests != need {
				t.Errorf("sent %d requests, want the full scan's %d", res.Requests, need)
			}
		})
	}
}
