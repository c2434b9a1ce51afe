package cli

import (
	"bytes"
	"testing"

	"github.com/authgate/authgate/scanner"
)

// TestProgressCounts: progress lines say "1 operation", "1 request" and
// the plural for any other count.
func TestProgressCounts(t *testing.T) {
	for _, tc := range []struct {
		total, requests int
		want            string
	}{
		{1, 1, "authgate: scanning: 0/1 operation, 1 request\nauthgate: scanning: 1/1 operation, 1 request\nauthgate: scanned 1 operation with 1 request\n"},
		{2, 3, "authgate: scanning: 0/2 operations, 3 requests\nauthgate: scanning: 2/2 operations, 3 requests\nauthgate: scanned 2 operations with 3 requests\n"},
	} {
		var b bytes.Buffer
		p := newProgress(Env{Stderr: &b})
		p.report(scanner.Progress{Phase: "scanning", Done: 0, Total: tc.total, Requests: tc.requests})
		p.report(scanner.Progress{Phase: "scanning", Done: tc.total, Total: tc.total, Requests: tc.requests})
		p.report(scanner.Progress{Phase: "done", Done: tc.total, Total: tc.total, Requests: tc.requests})
		if b.String() != tc.want {
			t.Errorf("progress of %d operations:\n%s\nwant\n%s", tc.total, b.String(), tc.want)
		}
	}
}
