package baseline

import (
	"strings"
	"time"

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

// Suppress splits fs by the config's suppress entries at the scan's start:
// kept are the findings no entry in force matches, suppressed those one
// does, each carrying a copy of the first entry in force that matched it
// (the reason a reviewer reads). A kept finding that only an expired entry
// matched carries that entry marked Expired, so that every report can say
// the suppression ran out. Entries are trimmed; one with neither rule nor
// fingerprint matches nothing. fs is not modified; both results are
// non-nil.
func Suppress(fs []finding.Finding, entries []finding.Suppression, at time.Time) (kept, suppressed []finding.Finding) {
	clean := make([]finding.Suppression, 0, len(entries))
	for _, e := range entries {
		e.Rule, e.Fingerprint = strings.TrimSpace(e.Rule), strings.TrimSpace(e.Fingerprint)
		e.Method, e.Path = strings.TrimSpace(e.Method), strings.TrimSpace(e.Path)
		clean = append(clean, e)
	}
	kept, suppressed = make([]finding.Finding, 0, len(fs)), []finding.Finding{}
	for _, f := range fs {
		var active, expired *finding.Suppression
		for i := range clean {
			e := &clean[i]
			if !e.Matches(&f) {
				continue
			}
			if !e.ExpiredAt(at) {
				active = e
				break
			}
			if expired == nil {
				expired = e
			}
		}
		switch {
		case active != nil:
			s := *active
			f.Suppression = &s
			suppressed = append(suppressed, f)
		case expired != nil:
			s := *expired
			s.Expired = true
			f.Suppression = &s
			kept = append(kept, f)
		default:
			kept = append(kept, f) // as it came, with any note it carries
		}
	}
	return kept, suppressed
}
