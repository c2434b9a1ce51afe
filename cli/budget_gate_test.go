package cli

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authgate/authgate/config"
	"github.com/authgate/authgate/demo"
	"github.com/authgate/authgate/finding"
)

// TestBudgetExhaustedGateOff: a scan the request budget stopped fails a
// gate that judges findings (exit 1, TestRegressBudgetExhaustedFailsGate)
// but not one switched off (--fail-under 0 --fail-on none): the report
// is still marked incomplete, the rules the budget stopped are listed as
// not run in the coverage and those it cut short as run in part, and
// stderr warns. A scan stopped by anything
// else (a login wall) fails even the switched-off gate.
func TestBudgetExhaustedGateOff(t *testing.T) {
	ids := demo.Identities()
	creds := []string{"--auth", ids[0].AuthHeader(), "--peer-auth", ids[1].AuthHeader()}
	off := []string{"--fail-under", "0", "--fail-on", "none"}
	wall := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://sso.example.com/login", http.StatusFound)
	})
	tests := []struct {
		name   string
		api    http.Handler
		args   []string
		code   int
		passed bool
	}{
		{"gate off, budget 10", demo.Secure(), append(append([]string{"--budget", "10"}, creds...), off...), ExitPassed, true},
		{"gate off, vulnerable, budget 10", demo.Vulnerable(), append([]string{"--budget", "10"}, off...), ExitPassed, true},
		{"fail-on still on", demo.Secure(), append([]string{"--budget", "10", "--fail-under", "0"}, creds...), ExitGateFailed, false},
		{"fail-under still on", demo.Secure(), append([]string{"--budget", "10", "--fail-on", "none"}, creds...), ExitGateFailed, false},
		{"gate off, login wall", wall, append([]string{"--endpoint", "GET /api/notes"}, off...), ExitGateFailed, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.api)
			defer srv.Close()
			out := filepath.Join(t.TempDir(), "r.json")
			code, _, stderr := run(t, append([]string{"scan", srv.URL, "--config", "", "--rate", "0", "-o", "json=" + out}, tt.args...)...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr)
			}
			r := readReport(t, out)
			if r.Incomplete == "" {
				t.Fatalf("the scan ran to its end: the test proves nothing")
			}
			if r.Gate.Passed != tt.passed {
				t.Errorf("gate passed %v, want %v; reasons %q", r.Gate.Passed, tt.passed, r.Gate.Reasons)
			}
			if !strings.Contains(stderr, "the scan is incomplete: "+r.Incomplete) {
				t.Errorf("stderr does not warn of the incomplete scan:\n%s", stderr)
			}
			if !tt.passed || !strings.Contains(r.Incomplete, "budget") {
				return
			}
			notRun, partly := 0, 0
			for _, c := range r.Coverage.Rules {
				if c.Status == finding.RuleNotRun && strings.Contains(c.Reason, r.Incomplete) {
					notRun++
				}
				if c.Status == finding.RuleRan && strings.HasPrefix(c.Reason, "partly: tested ") && strings.Contains(c.Reason, r.Incomplete) {
					partly++
				}
			}
			if notRun == 0 || partly == 0 {
				t.Errorf("%d rules listed as stopped by the budget, %d as run in part; want some of each: %+v", notRun, partly, r.Coverage.Rules)
			}
		})
	}
}

// TestJudgesFindings: the gate is off only when no finding can fail it.
func TestJudgesFindings(t *testing.T) {
	off := config.Default()
	off.FailUnder, off.FailOn = 0, "none"
	tests := []struct {
		name     string
		edit     func(*config.Config)
		baseline bool
		want     bool
	}{
		{"defaults", func(c *config.Config) { *c = config.Default() }, false, true},
		{"off", func(*config.Config) {}, false, false},
		{"off, NONE spelled loudly", func(c *config.Config) { c.FailOn = " NONE " }, false, false},
		{"fail-on low", func(c *config.Config) { c.FailOn = "low" }, false, true},
		{"fail-under 1", func(c *config.Config) { c.FailUnder = 1 }, false, true},
		{"baseline, default fail-under not applied", func(c *config.Config) { c.FailUnder = 70 }, true, false},
		{"baseline, fail-under given", func(c *config.Config) { c.FailUnder, c.FailUnderSet = 70, true }, true, true},
		{"baseline, max-score-drop 0", func(c *config.Config) { c.MaxScoreDrop = 0 }, true, true},
		{"max-score-drop without baseline", func(c *config.Config) { c.MaxScoreDrop = 0 }, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := off
			tt.edit(&c)
			if got := judgesFindings(c, tt.baseline); got != tt.want {
				t.Errorf("judgesFindings = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestBudgetDefaultScales: without --budget (flag or file) the scan's
// budget grows with the API (config.DefaultBudgetPerOperation per
// operation, at least config.DefaultBudget); given either way, it is a
// hard bound.
func TestBudgetDefaultScales(t *testing.T) {
	dir := t.TempDir()
	withBudget := filepath.Join(dir, "b.yml")
	if err := os.WriteFile(withBudget, []byte("budget: 500\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		args   []string
		budget int
		perOp  int
	}{
		{"default", []string{"--config", ""}, config.DefaultBudget, config.DefaultBudgetPerOperation},
		{"flag", []string{"--config", "", "--budget", "20000"}, 20000, 0},
		{"file", []string{"--config", withBudget}, 500, 0},
		{"file and flag", []string{"--config", withBudget, "--budget", "900"}, 900, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := parseScanFlags(append([]string{"http://127.0.0.1:1"}, tt.args...), &strings.Builder{})
			if err != nil {
				t.Fatal(err)
			}
			opts := scanOptions(cfg, nil)
			if opts.Client.Budget != tt.budget || opts.BudgetPerOperation != tt.perOp {
				t.Errorf("budget %d, %d per operation; want %d, %d", opts.Client.Budget, opts.BudgetPerOperation, tt.budget, tt.perOp)
			}
		})
	}
}

// TestMergeBudgetShardsGateOff: merged shards that only the budget cut
// short pass a switched-off gate (as one scan would) and still say they
// are incomplete; a shard cut short by anything else fails it.
func TestMergeBudgetShardsGateOff(t *testing.T) {
	const target = "http://127.0.0.1:8080"
	tests := []struct {
		name string
		cuts []string // each shard's incomplete reason
		code int
	}{
		{"one shard out of budget", []string{"", "request budget of 10 exhausted; later checks were skipped"}, ExitPassed},
		{"both out of budget", []string{"request budget of 10 exhausted; later checks were skipped", "request budget of 12 exhausted; later checks were skipped"}, ExitPassed},
		{"one out of budget, one interrupted", []string{"request budget of 10 exhausted; later checks were skipped", "interrupted: context canceled"}, ExitGateFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			var paths []string
			for i, why := range tt.cuts {
				r := shardReport(target)
				r.Incomplete = why
				paths = append(paths, writeReport(t, dir, "shard-"+string(rune('1'+i))+".json", r))
			}
			out := filepath.Join(dir, "merged.json")
			code, _, stderr := run(t, append([]string{"merge", "--fail-under", "0", "--fail-on", "none", "-o", out}, paths...)...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr)
			}
			if r := readReport(t, out); r.Incomplete == "" || !strings.Contains(stderr, "incomplete") {
				t.Errorf("incomplete %q; stderr:\n%s", r.Incomplete, stderr)
			}
		})
	}
}

// TestBudgetStopped: the budget's reason is told from the others, also
// as a merged shard's.
func TestBudgetStopped(t *testing.T) {
	for reason, want := range map[string]bool{
		"request budget of 20000 exhausted; later checks were skipped":                       true,
		"the scan stopped early: request budget of 9 exhausted; later checks were skipped":   true,
		"shard-2.json: the scan stopped early: request budget of 9 exhausted; later checks…": true,
		"the request budget of 10 is spent":                                                  false,
		"interrupted: context canceled":                                                      false,
		"max duration 5m reached; later checks were skipped":                                 false,
		"": false,
	} {
		if got := budgetStopped(reason); got != want {
			t.Errorf("budgetStopped(%q) = %v, want %v", reason, got, want)
		}
	}
}
