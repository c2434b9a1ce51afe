package scanner

import (
	"slices"
	"strings"
	"testing"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner/openapi"
)

// TestUnusedSettings: a body or a path value that matches nothing in the
// description is said in a warning, in active mode only.
func TestUnusedSettings(t *testing.T) {
	ops := []openapi.Operation{
		{Method: "POST", Path: "/api/teams/{teamId}/notes", Params: []openapi.Param{{Name: "teamId", In: "path"}}},
		{Method: "PUT", Path: "/api/notes/{noteId}", Params: []openapi.Param{{Name: "noteId", In: "path"}}},
	}
	tests := []struct {
		name   string
		mode   finding.Mode
		bodies []string
		values []string
		want   []string // parts of the warnings, in order
	}{
		{name: "all used", mode: finding.ModeActive, bodies: []string{"POST /api/teams/{teamId}/notes", "PUT /api/notes/{noteId}"}, values: []string{"teamId"}},
		{name: "a body for another template", mode: finding.ModeActive, bodies: []string{"PUT /api/notes/{id}"},
			want: []string{`bodies: "PUT /api/notes/{id}" matches no operation`}},
		{name: "a body for a skipped route is not repeated", mode: finding.ModeActive, bodies: []string{"DELETE /api/reset"}},
		{name: "unknown path values", mode: finding.ModeActive, values: []string{"teamId", "orgId", "accountId"},
			want: []string{"pathValues: no operation has a path parameter named accountId, orgId"}},
		{name: "safe mode writes nothing, so says nothing", mode: finding.ModeSafe, bodies: []string{"PUT /api/notes/{id}"}, values: []string{"orgId"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := &scan{opts: Options{Mode: tc.mode, Bodies: map[string][]byte{}, PathValues: map[string]string{}}}
			s.safety.skipped = []finding.SkippedOperation{{Method: "DELETE", Path: "/api/reset", Reason: ExcludedReason}}
			for _, b := range tc.bodies {
				s.opts.Bodies[b] = []byte(`{}`)
			}
			for _, v := range tc.values {
				s.opts.PathValues[v] = "1"
			}
			got := s.unusedSettings(ops)
			if len(got) != len(tc.want) || !slices.EqualFunc(got, tc.want, strings.Contains) {
				t.Errorf("warnings %q; want %q", got, tc.want)
			}
		})
	}
}
