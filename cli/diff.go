package cli

import (
	"fmt"

	"github.com/authgate/authgate/baseline"
	"github.com/authgate/authgate/finding"
)

// runDiff compares two reports by fingerprint and lists new, fixed and
// unchanged findings.
func runDiff(args []string, env Env) error {
	if len(args) != 2 {
		return usagef("diff takes two reports: authgate diff BASE.json HEAD.json")
	}
	base, err := baseline.Load(args[0])
	if err != nil {
		return usageError{err}
	}
	head, err := baseline.Load(args[1])
	if err != nil {
		return usageError{err}
	}
	d := baseline.Diff(base.Findings, head.Findings)
	fmt.Fprintf(env.Stdout, "score %d -> %d (%+d)\n", base.Score, head.Score, head.Score-base.Score)
	for _, g := range []struct {
		name string
		fs   []finding.Finding
	}{{"new", d.New}, {"fixed", d.Fixed}, {"unchanged", d.Unchanged}} {
		fmt.Fprintf(env.Stdout, "%s: %d\n", g.name, len(g.fs))
		for _, f := range g.fs {
			fmt.Fprintf(env.Stdout, "  %-8s %s %s %s\n", f.Severity, f.Rule, f.Method, safeText(f.Path))
		}
	}
	return nil
}

// safeText drops control characters from target-influenced text printed to
// a terminal or a CI log.
func safeText(s string) string {
	out := []rune{}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			out = append(out, '?')
			continue
		}
		out = append(out, r)
	}
	return oneLine(string(out))
}
