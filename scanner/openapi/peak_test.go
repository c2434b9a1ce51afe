package openapi

import (
	"io"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/authgate/authgate/internal/testapi"
)

// peakLiveHeap runs f and returns the largest live heap (bytes marked by
// a garbage collection) seen while it ran. The garbage collector is set
// to run after every 10% of growth meanwhile, so the collections follow
// the heap closely, and each one is seen: a finalizer that re-arms itself
// reads the live heap after every cycle.
func peakLiveHeap(f func()) uint64 {
	runtime.GC()
	defer debug.SetGCPercent(debug.SetGCPercent(10))
	var (
		peak atomic.Uint64
		stop atomic.Bool
		wg   sync.WaitGroup
	)
	read := func() {
		s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		metrics.Read(s)
		for v := s[0].Value.Uint64(); ; {
			old := peak.Load()
			if v <= old || peak.CompareAndSwap(old, v) {
				return
			}
		}
	}
	var arm func()
	arm = func() {
		probe := new([64]byte)
		wg.Add(1)
		runtime.SetFinalizer(probe, func(*[64]byte) {
			defer wg.Done()
			read()
			if !stop.Load() {
				arm()
			}
		})
	}
	arm()
	f()
	stop.Store(true)
	// The probe armed last is collected by this one; its finalizer ends
	// the chain.
	runtime.GC()
	read()
	wg.Wait()
	return peak.Load()
}

// testapiDescription is internal/testapi's OpenAPI description of an
// n-operation API: the JSON document BenchmarkScanScale scans (10 MB at
// 20,000 operations).
func testapiDescription(tb testing.TB, n int) []byte {
	tb.Helper()
	rec := httptest.NewRecorder()
	testapi.New(n).ServeHTTP(rec, httptest.NewRequest("GET", "/openapi.json", nil))
	data, err := io.ReadAll(rec.Result().Body)
	if err != nil || rec.Code != 200 {
		tb.Fatalf("description: status %d, %v", rec.Code, err)
	}
	return data
}

// peakRSS runs f and returns the process's resident high-water mark
// (Linux's VmHWM) during it, after returning freed memory to the system
// and resetting the mark; 0 where that is not possible.
func peakRSS(f func()) int64 {
	runtime.GC()
	debug.FreeOSMemory()
	if os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) != nil {
		f()
		return 0
	}
	f()
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(status)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}
