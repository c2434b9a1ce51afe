package scanner

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner/openapi"
)

// unusedSettings warns about the write settings that match nothing in the
// scan's operations: a body for a route the description does not have
// (POST /api/notes/{id} where it says {noteId}), a path value no route
// names. Silently ignored, they would leave a write untested that the
// user believes was set up. Only active mode writes, so only it warns.
func (s *scan) unusedSettings(ops []openapi.Operation) []string {
	if s.opts.Mode != finding.ModeActive {
		return nil
	}
	routes := map[string]bool{}
	params := map[string]bool{}
	for _, op := range ops {
		routes[op.Method+" "+op.Path] = true
		for _, p := range op.Params {
			if p.In == "path" {
				params[p.Name] = true
			}
		}
	}
	for _, sk := range s.safety.skipped {
		routes[sk.Method+" "+sk.Path] = true // said elsewhere: it is skipped
	}
	var out []string
	for _, k := range slices.Sorted(maps.Keys(s.opts.Bodies)) {
		if !routes[k] {
			out = append(out, fmt.Sprintf("bodies: %q matches no operation of the API description; write the route as the description does (its method and path template)", k))
		}
	}
	var unknown []string
	for _, k := range slices.Sorted(maps.Keys(s.opts.PathValues)) {
		if !params[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		out = append(out, fmt.Sprintf("pathValues: no operation has a path parameter named %s", strings.Join(unknown, ", ")))
	}
	return out
}
