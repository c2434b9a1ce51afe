package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/finding"
)

// TestCountsReadAsEnglish: one operation, request, error or finding is
// singular in the text and Markdown reports; two are plural.
func TestCountsReadAsEnglish(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want map[string][]string // format: lines it must contain
	}{
		{1, map[string][]string{
			"text":     {"Scanned:    1 operation, 1 request, 1 error in ", "1 of 1 operation scanned"},
			"markdown": {": 1 operation, 1 request, 1 error in "},
		}},
		{2, map[string][]string{
			"text":     {"Scanned:    2 operations, 2 requests, 2 errors in ", "2 of 2 operations scanned"},
			"markdown": {": 2 operations, 2 requests, 2 errors in "},
		}},
	} {
		r := &Report{
			Schema: "authgate-report/v1", Tool: Tool{Name: "authgate"}, Target: "http://127.0.0.1:8080",
			StartedAt: time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC), DurationMs: 1200, Score: 100, Grade: "A",
			Stats:    Stats{Operations: tc.n, Requests: tc.n, Errors: tc.n},
			Findings: []finding.Finding{},
			Coverage: &finding.Coverage{Operations: finding.OperationCoverage{Total: tc.n, Scanned: tc.n, Answered: tc.n}},
			Gate:     Gate{Passed: true, FailUnder: 70, FailOn: "high"},
		}
		for format, wants := range tc.want {
			var b bytes.Buffer
			if err := Write(&b, format, r, Options{}); err != nil {
				t.Fatalf("%s: %v", format, err)
			}
			for _, want := range wants {
				if !strings.Contains(b.String(), want) {
					t.Errorf("%d, %s: no %q in:\n%s", tc.n, format, want, b.String())
				}
			}
		}
	}
	if got := Plural(0, "finding"); got != "0 findings" {
		t.Errorf("Plural(0) = %q", got)
	}
}
