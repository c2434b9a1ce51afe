package cli

import (
	"reflect"
	"testing"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/report"
)

// TestMergeWrites: what the shards created is listed once per shard, in
// shard order, with the leftovers recounted from the list; a merge of
// scans that wrote nothing has no writes.
func TestMergeWrites(t *testing.T) {
	note := finding.CreatedObject{Kind: "object", Operation: "POST /api/notes", Item: "/api/notes/1", Owner: "alice", Deleted: true}
	left := finding.CreatedObject{Kind: "object", Operation: "POST /api/feedback", Owner: "alice", Reason: "no DELETE operation"}
	account := finding.CreatedObject{Kind: "account", Operation: "POST /api/register", Owner: "authgate-1", Reason: "no DELETE operation"}
	shard := func(w *finding.WriteCoverage) *report.Report {
		return &report.Report{Coverage: &finding.Coverage{Writes: w}}
	}
	tests := []struct {
		name   string
		shards []*report.Report
		want   *finding.WriteCoverage
	}{
		{"no shard wrote", []*report.Report{shard(nil), shard(nil)}, nil},
		{"shard 1 wrote", []*report.Report{shard(&finding.WriteCoverage{Created: []finding.CreatedObject{note, left}, Left: 1}), shard(nil)},
			&finding.WriteCoverage{Created: []finding.CreatedObject{note, left}, Left: 1}},
		{"both wrote, a wrong count is recounted", []*report.Report{
			shard(&finding.WriteCoverage{Created: []finding.CreatedObject{note}, Left: 0}),
			shard(&finding.WriteCoverage{Created: []finding.CreatedObject{left, account}, Left: 7}),
			{}, // an authgate without coverage
		}, &finding.WriteCoverage{Created: []finding.CreatedObject{note, left, account}, Left: 2}},
		{"an empty list stays a list", []*report.Report{shard(&finding.WriteCoverage{})},
			&finding.WriteCoverage{Created: []finding.CreatedObject{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			paths := make([]string, len(tt.shards))
			for i := range paths {
				paths[i] = "shard.json"
			}
			got := mergeCoverage(paths, tt.shards).Writes
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("merged writes %+v, want %+v", got, tt.want)
			}
		})
	}
}
