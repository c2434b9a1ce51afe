package baseline

import (
	"strings"

	"github.com/authgate/authgate/finding"
)

// Result sorts the head's findings against the baseline's.
type Result struct {
	// New are head findings whose fingerprint the baseline lacks, with
	// Status new.
	New []finding.Finding
	// Unchanged are head findings the baseline has too, with Status
	// existing.
	Unchanged []finding.Finding
	// Fixed are baseline findings the head no longer has, each once, as
	// the baseline recorded them.
	Fixed []finding.Finding
}

// Diff matches head against base by fingerprint (or, for a finding without
// one, by rule, method and path). It never modifies base or head: the
// findings it returns are copies, in input order, with Status set on the
// head's; their slices and maps (evidence, reproduce) are shared with the
// inputs. All three slices are non-nil, so they encode as [].
func Diff(base, head []finding.Finding) Result {
	inBase := make(map[string]bool, len(base))
	for i := range base {
		inBase[key(&base[i])] = true
	}
	inHead := make(map[string]bool, len(head))
	res := Result{New: []finding.Finding{}, Unchanged: []finding.Finding{}, Fixed: []finding.Finding{}}
	for _, f := range head {
		k := key(&f)
		inHead[k] = true
		if inBase[k] {
			f.Status = finding.StatusExisting
			res.Unchanged = append(res.Unchanged, f)
		} else {
			f.Status = finding.StatusNew
			res.New = append(res.New, f)
		}
	}
	seen := map[string]bool{}
	for _, f := range base {
		k := key(&f)
		if inHead[k] || seen[k] {
			continue
		}
		seen[k] = true
		res.Fixed = append(res.Fixed, f)
	}
	return res
}

// key is what matches two findings across runs.
func key(f *finding.Finding) string {
	if f.Fingerprint != "" {
		return f.Fingerprint
	}
	return "\x00" + f.Rule + "\x00" + f.Method + "\x00" + f.Path
}

// Suppress returns the findings whose rule id and fingerprint are both
// absent from ids, for the config's suppress list. Entries are matched
// exactly after trimming spaces; empty entries match nothing. fs is not
// modified.
func Suppress(fs []finding.Finding, ids []string) []finding.Finding {
	drop := make(map[string]bool, len(ids))
	for _, id := range ids {
		if id = strings.TrimSpace(id); id != "" {
			drop[id] = true
		}
	}
	out := make([]finding.Finding, 0, len(fs))
	for _, f := range fs {
		if drop[f.Rule] || (f.Fingerprint != "" && drop[f.Fingerprint]) {
			continue
		}
		out = append(out, f)
	}
	return out
}
