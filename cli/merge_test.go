package cli

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/report"
)

// writeReport writes rep as a JSON report file in dir.
func writeReport(t *testing.T, dir, name string, rep *report.Report) string {
	t.Helper()
	var b strings.Builder
	if err := report.Write(&b, "json", rep, report.Options{}); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func fingerprints(r *report.Report) []string {
	var fps []string
	for _, f := range r.Findings {
		fps = append(fps, f.Fingerprint)
	}
	slices.Sort(fps)
	return fps
}

// demoShards scans the demo unsharded and as shards 1/2 and 2/2, and
// returns the three report paths. Each demo run serves the API on its own
// port, whereas the shards of a real matrix scan one URL, so the second
// shard's target is rewritten to the first's. A shard's gate fails only
// when its part of the API has findings: the demo's notes, which shard
// 1/2 holds (operations are split by resource), have none in safe mode.
func demoShards(t *testing.T) (all, shard1, shard2 string) {
	t.Helper()
	dir := t.TempDir()
	all = filepath.Join(dir, "all.json")
	shard1 = filepath.Join(dir, "shard-1.json")
	shard2 = filepath.Join(dir, "shard-2.json")
	for _, args := range [][]string{
		{"demo", "-o", all},
		{"demo", "--shard", "1/2", "-o", shard1},
		{"demo", "--shard", "2/2", "-o", shard2},
	} {
		if code, _, stderr := run(t, args...); code != ExitGateFailed && (code != ExitPassed || args[1] != "--shard") {
			t.Fatalf("%v: exit %d, want %d; stderr:\n%s", args, code, ExitGateFailed, stderr)
		}
	}
	r2 := readReport(t, shard2)
	r2.Target = readReport(t, shard1).Target
	writeReport(t, dir, "shard-2.json", r2)
	return all, shard1, shard2
}

func TestMergeDemoShards(t *testing.T) {
	all, p1, p2 := demoShards(t)
	out := filepath.Join(t.TempDir(), "merged.json")
	// Flags after the inputs, as after TARGET for scan.
	code, _, stderr := run(t, "merge", p1, p2, "-o", out)
	if code != ExitGateFailed {
		t.Fatalf("exit %d, want %d (the demo's gate fails); stderr:\n%s", code, ExitGateFailed, stderr)
	}
	whole, s1, s2, got := readReport(t, all), readReport(t, p1), readReport(t, p2), readReport(t, out)

	if s1.Stats.Operations == 0 || s2.Stats.Operations == 0 || len(s1.Findings)+len(s2.Findings) == 0 {
		t.Fatalf("each shard should scan part of the API and the shards find something: %d and %d operations, %d and %d findings",
			s1.Stats.Operations, s2.Stats.Operations, len(s1.Findings), len(s2.Findings))
	}
	if g, w := fingerprints(got), fingerprints(whole); !reflect.DeepEqual(g, w) {
		t.Errorf("merged fingerprints %v, want the unsharded scan's %v", g, w)
	}
	if got.Score != whole.Score || got.Grade != whole.Grade {
		t.Errorf("merged score %d (%s), want the unsharded scan's %d (%s)", got.Score, got.Grade, whole.Score, whole.Grade)
	}
	wantStats := report.Stats{
		Operations: s1.Stats.Operations + s2.Stats.Operations,
		Requests:   s1.Stats.Requests + s2.Stats.Requests,
		Errors:     s1.Stats.Errors + s2.Stats.Errors,
	}
	if got.Stats != wantStats {
		t.Errorf("stats %+v, want the shards' sum %+v", got.Stats, wantStats)
	}
	if got.Stats.Operations != whole.Stats.Operations {
		t.Errorf("%d operations, want the unsharded scan's %d", got.Stats.Operations, whole.Stats.Operations)
	}
	if want := max(s1.DurationMs, s2.DurationMs); got.DurationMs != want {
		t.Errorf("durationMs %d, want the longest shard's %d", got.DurationMs, want)
	}
	earliest := s1.StartedAt
	if s2.StartedAt.Before(earliest) {
		earliest = s2.StartedAt
	}
	if !got.StartedAt.Equal(earliest) {
		t.Errorf("startedAt %s, want the earliest shard's %s", got.StartedAt, earliest)
	}
	if got.Target != s1.Target || got.Schema != report.Schema || got.Gate.Passed || len(got.Gate.Reasons) == 0 {
		t.Errorf("merged report target %q schema %q gate %+v; want the shards' target, %q, a failed gate with reasons",
			got.Target, got.Schema, got.Gate, report.Schema)
	}

	t.Run("gate off passes", func(t *testing.T) {
		code, _, stderr := run(t, "merge", "--fail-under", "0", "--fail-on", "none", "-o", out, p1, p2)
		if code != ExitPassed {
			t.Fatalf("exit %d, want %d; stderr:\n%s", code, ExitPassed, stderr)
		}
		if r := readReport(t, out); !r.Gate.Passed || r.Gate.FailUnder != 0 || r.Gate.FailOn != "none" {
			t.Errorf("gate %+v, want passed with fail-under 0 and fail-on none", r.Gate)
		}
	})
	t.Run("baseline of the unsharded scan", func(t *testing.T) {
		code, _, stderr := run(t, "merge", "--fail-under", "0", "--baseline", all, "-o", out, p1, p2)
		if code != ExitPassed {
			t.Fatalf("exit %d, want %d (nothing is new); stderr:\n%s", code, ExitPassed, stderr)
		}
		r := readReport(t, out)
		if r.Baseline == nil || r.Baseline.New != 0 || r.Baseline.Fixed != 0 || r.Baseline.Unchanged != len(whole.Findings) {
			t.Fatalf("baseline %+v, want 0 new, 0 fixed, %d unchanged", r.Baseline, len(whole.Findings))
		}
		for _, f := range r.Findings {
			if f.Status != finding.StatusExisting {
				t.Errorf("%s has status %q, want %q", f.Rule, f.Status, finding.StatusExisting)
			}
		}
	})
	t.Run("text to stdout without -o", func(t *testing.T) {
		code, stdout, stderr := run(t, "merge", p1, p2)
		if code != ExitGateFailed {
			t.Fatalf("exit %d, want %d; stderr:\n%s", code, ExitGateFailed, stderr)
		}
		if !strings.Contains(stdout, "Score:") || !strings.Contains(stdout, "Gate FAILED") {
			t.Errorf("stdout is not the text report:\n%s", stdout)
		}
	})
}

// shardReport is a minimal report of target, for the error and dedupe
// cases.
func shardReport(target string, fs ...finding.Finding) *report.Report {
	return &report.Report{
		Schema: report.Schema, Tool: report.Tool{Name: "authgate", Version: "v1.0.0"}, Target: target,
		StartedAt: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), Findings: fs,
		Stats: report.Stats{Operations: 1, Requests: 10},
	}
}

func TestMergeErrors(t *testing.T) {
	dir := t.TempDir()
	good := writeReport(t, dir, "good.json", shardReport("http://127.0.0.1:8080"))
	other := writeReport(t, dir, "other.json", shardReport("http://127.0.0.1:9090"))
	older := shardReport("http://127.0.0.1:8080")
	older.Tool.Version = "v0.9.0"
	oldPath := writeReport(t, dir, "old.json", older)
	notReport := filepath.Join(dir, "notreport.json")
	if err := os.WriteFile(notReport, []byte(`{"name":"x"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.json")

	tests := []struct {
		name string
		args []string
		want string // in the one-line message
	}{
		{"no inputs", []string{"-o", filepath.Join(dir, "out.json")}, "needs at least one shard report"},
		{"unreadable file", []string{good, missing}, "shard report " + missing + ": not found"},
		{"not a report", []string{good, notReport}, "shard report " + notReport + ": not an authgate report"},
		{"different targets", []string{good, other}, "different targets"},
		{"different versions", []string{good, oldPath}, "different authgate versions"},
		{"input twice", []string{good, good}, "given twice"},
		{"output is an input", []string{"-o", good, good}, "also an input"},
		{"bad fail-under", []string{"--fail-under", "x", good}, "--fail-under: want a whole number"},
		{"fail-under out of range", []string{"--fail-under", "101", good}, "fail-under: 101 is outside"},
		{"bad fail-on", []string{"--fail-on", "severe", good}, "fail-on"},
		{"unknown flag", []string{"--shard", "1/2", good}, "unknown flag --shard"},
		{"missing baseline", []string{"--baseline", missing, good}, "baseline " + missing},
		{"output in a missing directory", []string{"-o", filepath.Join(dir, "no", "out.json"), good}, "cannot write the json report"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := run(t, append([]string{"merge"}, tt.args...)...)
			if code != ExitUsage {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, ExitUsage, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing", stdout)
			}
			if strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr %q, want one line containing %q", stderr, tt.want)
			}
		})
	}
	if data, err := os.ReadFile(good); err != nil || !strings.Contains(string(data), report.Schema) {
		t.Errorf("an input was changed by a failed merge: %v", err)
	}
}

func TestMergeIncompleteShardFailsGate(t *testing.T) {
	dir := t.TempDir()
	done := writeReport(t, dir, "shard-1.json", shardReport("http://127.0.0.1:8080"))
	cut := shardReport("http://127.0.0.1:8080")
	cut.Incomplete = "the request budget of 10 is spent"
	cutPath := writeReport(t, dir, "shard-2.json", cut)
	out := filepath.Join(dir, "merged.json")

	code, _, stderr := run(t, "merge", "--fail-under", "0", "--fail-on", "none", "-o", out, done, cutPath)
	if code != ExitGateFailed {
		t.Fatalf("exit %d, want %d (an incomplete shard fails the gate); stderr:\n%s", code, ExitGateFailed, stderr)
	}
	r := readReport(t, out)
	want := cutPath + ": " + cut.Incomplete
	if r.Incomplete != want || r.Gate.Passed {
		t.Errorf("incomplete %q, gate %+v; want %q and a failed gate", r.Incomplete, r.Gate, want)
	}
	if !strings.Contains(stderr, "incomplete") {
		t.Errorf("stderr does not say the merged scan is incomplete:\n%s", stderr)
	}
}

func TestMergeShardsDedupe(t *testing.T) {
	mk := func(rule string, sev finding.Severity, conf finding.Confidence, remediation string) finding.Finding {
		return finding.Finding{
			Rule: rule, Method: "GET", Path: "*", Severity: sev, Confidence: conf, Remediation: remediation,
			Fingerprint: finding.Fingerprint(rule, "GET", "*", "bearer"), Status: finding.StatusNew,
		}
	}
	const (
		high, crit, med = finding.SeverityHigh, finding.SeverityCritical, finding.SeverityMedium
		hc, mc, lc      = finding.ConfidenceHigh, finding.ConfidenceMedium, finding.ConfidenceLow
	)
	tests := []struct {
		name       string
		a, b       finding.Finding
		wantChosen string // Remediation of the finding kept
	}{
		{"more severe wins", mk("r", med, hc, "first"), mk("r", high, hc, "second"), "second"},
		{"more confident wins", mk("r", high, mc, "first"), mk("r", high, hc, "second"), "second"},
		{"confidence before severity", mk("r", crit, mc, "first"), mk("r", high, hc, "second"), "second"},
		{"counting beats a more severe low-confidence one", mk("r", high, mc, "first"), mk("r", crit, lc, "second"), "first"},
		{"tie keeps the first", mk("r", high, hc, "first"), mk("r", high, hc, "second"), "first"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r1, r2 := shardReport("http://x"), shardReport("http://x")
			r1.Findings, r2.Findings = []finding.Finding{tt.a}, []finding.Finding{tt.b, mk("other", med, hc, "")}
			r1.DurationMs, r2.DurationMs = 700, 300
			r2.StartedAt = r1.StartedAt.Add(-time.Second)
			res, err := mergeShards([]string{"1.json", "2.json"}, []*report.Report{r1, r2})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Findings) != 2 {
				t.Fatalf("%d findings, want 2 (one duplicate dropped)", len(res.Findings))
			}
			if got := res.Findings[0].Remediation; got != tt.wantChosen {
				t.Errorf("kept %q, want %q", got, tt.wantChosen)
			}
			for _, f := range res.Findings {
				if f.Status != "" {
					t.Errorf("%s kept status %q from its shard", f.Rule, f.Status)
				}
			}
			if res.Operations != 2 || res.Requests != 20 || res.Duration != 700*time.Millisecond || !res.StartedAt.Equal(r2.StartedAt) {
				t.Errorf("result ops %d requests %d duration %s start %s; want 2, 20, 700ms, %s",
					res.Operations, res.Requests, res.Duration, res.StartedAt, r2.StartedAt)
			}
		})
	}
}
