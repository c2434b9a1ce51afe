package report

import (
	"cmp"
	"slices"

	"github.com/authgate/authgate/finding"
)

// Sort orders findings the way every writer shows them: severity, highest
// first, then rule, path, method and fingerprint, so that output is
// deterministic whatever order the scanner's workers finished in. It sorts
// in place.
func Sort(fs []finding.Finding) {
	slices.SortStableFunc(fs, compareFindings)
}

func compareFindings(a, b finding.Finding) int {
	return cmp.Or(
		cmp.Compare(b.Severity, a.Severity),
		cmp.Compare(a.Rule, b.Rule),
		cmp.Compare(a.Path, b.Path),
		cmp.Compare(a.Method, b.Method),
		cmp.Compare(a.Fingerprint, b.Fingerprint),
	)
}

// sorted returns a sorted copy with nil slices made empty, so that a writer
// never reorders or changes the caller's report.
func sorted(fs []finding.Finding) []finding.Finding {
	out := make([]finding.Finding, len(fs))
	for i, f := range fs {
		if f.Reproduce == nil {
			f.Reproduce = []string{}
		}
		if f.Evidence.Exchanges == nil {
			f.Evidence.Exchanges = []finding.Exchange{}
		}
		out[i] = f
	}
	Sort(out)
	return out
}
