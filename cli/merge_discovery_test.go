package cli

import (
	"reflect"
	"testing"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/report"
)

// TestMergeDiscoveryEveryShard: every shard of a --shard scan tries its own
// part of the discovery candidates, so the merged coverage sums what they
// tried and lists what each found, each path once.
func TestMergeDiscoveryEveryShard(t *testing.T) {
	debug := finding.DiscoveredEndpoint{Path: "/debug/vars", Status: 200, Source: "common path"}
	catalog := finding.DiscoveredEndpoint{Path: "/catalog/_debug", Status: 200, Source: "listed collection GET /catalog"}
	shards := []*report.Report{
		{Coverage: &finding.Coverage{Discovery: &finding.DiscoveryCoverage{Tried: 14, Found: []finding.DiscoveredEndpoint{debug}, Scripts: []string{"/main.js"}}}},
		{Coverage: &finding.Coverage{Discovery: &finding.DiscoveryCoverage{Tried: 9, Found: []finding.DiscoveredEndpoint{catalog, debug}, Reason: "budget ran out"}}},
		{Coverage: &finding.Coverage{}}, // a shard that did not look
	}
	got := mergeCoverage([]string{"s1.json", "s2.json", "s3.json"}, shards).Discovery
	want := &finding.DiscoveryCoverage{
		Tried:   23,
		Found:   []finding.DiscoveredEndpoint{debug, catalog},
		Reason:  "s2.json: budget ran out",
		Scripts: []string{"/main.js"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("merged discovery = %+v, want %+v", got, want)
	}
	if shards[0].Coverage.Discovery.Tried != 14 || len(shards[0].Coverage.Discovery.Found) != 1 {
		t.Errorf("merging changed the first shard's coverage: %+v", shards[0].Coverage.Discovery)
	}
}
