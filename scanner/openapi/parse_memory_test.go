package openapi_test

import (
	"io"
	"net/http/httptest"
	"runtime"
	"runtime/metrics"
	"testing"

	"github.com/authgate/authgate/internal/testapi"
	"github.com/authgate/authgate/scanner/openapi"
)

// TestParseFreesTheNodeTree checks that Parse collects the garbage of a
// large document (node trees) before it returns (one forced collection,
// none for a small document) and keeps none of it: after Parse the live
// heap holds the text and the Document, not a tree of eight times the
// text's size.
func TestParseFreesTheNodeTree(t *testing.T) {
	for _, tc := range []struct {
		ops       int
		collected bool
	}{
		{ops: 50, collected: false},
		{ops: 6000, collected: true}, // 3 MB of JSON
	} {
		data := description(t, tc.ops)
		runtime.GC()
		before := readMetric("/gc/cycles/forced:gc-cycles")
		doc, err := openapi.Parse(data, "openapi.json")
		if err != nil {
			t.Fatal(err)
		}
		forced := readMetric("/gc/cycles/forced:gc-cycles") - before
		if got := forced > 0; got != tc.collected {
			t.Errorf("%d bytes: %d forced collections, want collected=%v", len(data), forced, tc.collected)
		}
		if !tc.collected {
			continue
		}
		live := readMetric("/gc/heap/live:bytes")
		if limit := 3 * uint64(len(data)); live > limit {
			t.Errorf("%d bytes: live heap after Parse %d MB, want under %d MB (the node tree kept?)", len(data), live>>20, limit>>20)
		}
		if len(doc.Operations) != tc.ops {
			t.Errorf("%d operations, want %d", len(doc.Operations), tc.ops)
		}
		runtime.KeepAlive(data)
	}
}

// description is testapi's description of an n-operation API.
func description(t *testing.T, n int) []byte {
	t.Helper()
	rec := httptest.NewRecorder()
	testapi.New(n).ServeHTTP(rec, httptest.NewRequest("GET", "/openapi.json", nil))
	data, err := io.ReadAll(rec.Result().Body)
	if err != nil || rec.Code != 200 {
		t.Fatalf("description: status %d, %v", rec.Code, err)
	}
	return data
}

// readMetric reads one uint64 runtime metric.
func readMetric(name string) uint64 {
	s := []metrics.Sample{{Name: name}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}
