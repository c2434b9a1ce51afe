package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/authgate/authgate/cli"
	"github.com/authgate/authgate/config"
	"github.com/authgate/authgate/internal/testapi"
)

// Issue 13's scale benchmarks run the scan in this process (cli.Run, as
// the binary does) against the synthetic API served by a child process:
// the re-executed test binary with serveEnv set. The target's CPU and
// memory then stay out of what is measured, and -cpuprofile shows the
// scanner alone.
//
//	go test -run '^$' -bench 'ScanScale/ops=1000$|ClientRatio' -benchtime 1x -count 3 .
//	go test -run '^$' -bench 'ScanScale/ops=20000' -benchtime 1x -cpuprofile /tmp/cpu.out .
const serveEnv = "AUTHGATE_BENCH_SERVE_OPS"

// init turns the test binary into the target when serveEnv is set: it
// serves testapi.New(n) on a loopback port, prints the URL, and exits when
// its standard input closes (when the benchmark ends, or dies).
func init() {
	v := os.Getenv(serveEnv)
	if v == "" {
		return
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bad", serveEnv, v)
		os.Exit(2)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fmt.Printf("http://%s\n", ln.Addr())
	go func() {
		io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}()
	http.Serve(ln, testapi.New(n))
	os.Exit(0)
}

// childTarget starts the target process for an n-operation API and
// returns its base URL; the process ends with the benchmark.
func childTarget(b *testing.B, n int) string {
	b.Helper()
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), serveEnv+"="+strconv.Itoa(n))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stdin.Close()
		cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		b.Fatalf("target process: %v", err)
	}
	return strings.TrimSpace(line)
}

// binaryRuntime gives the benchmark the runtime settings main gives the
// binary (memoryLimit and gcPercent: a 64 MiB soft memory limit and
// GOGC=200, unless GOMEMLIMIT or GOGC is set) until it ends: the scan runs
// through cli.Run in this process, not through main, and would otherwise
// collect garbage as no user's scan does. They hold for the whole process:
// in BenchmarkClientRatio for the plain client too.
func binaryRuntime(b *testing.B) {
	if limit, ok := memoryLimit(os.Getenv); ok {
		old := debug.SetMemoryLimit(limit)
		b.Cleanup(func() { debug.SetMemoryLimit(old) })
	}
	if percent, ok := gcPercent(os.Getenv); ok {
		old := debug.SetGCPercent(percent)
		b.Cleanup(func() { debug.SetGCPercent(old) })
	}
}

// cpuTime is the CPU time (user and system) this process has used.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// scaleRun is what one measured scan cost.
type scaleRun struct {
	cpu          time.Duration
	requests     int
	peakRSS      int64 // bytes, the kernel's high-water mark during the scan
	peakLiveHeap uint64
	// allocBytes and allocObjects are what the scan allocated: unlike
	// CPU time they do not move with the machine's load, and the garbage
	// collector's share of the CPU follows them.
	allocBytes, allocObjects uint64
}

// BenchmarkScanScale is a whole safe scan (every rule, two identities,
// discovery on, no rate limit, a budget no scan reaches) of a zero-latency loopback API
// with 1,000 and 20,000 GET operations: the caller's lists and objects,
// public lists and searches (internal/testapi). It reports the CPU the
// scan used per operation of the API (issue 13's goal: at 20,000 within
// 1.2× of at 1,000), the requests it sent, the peak RSS of the process
// during the scan (goal: under 100 MB at 20,000) and the peak live heap,
// under the binary's runtime settings (binaryRuntime). The 20,000 case
// takes about a minute a run.
func BenchmarkScanScale(b *testing.B) {
	binaryRuntime(b)
	for _, n := range []int{1000, 20000} {
		b.Run(fmt.Sprintf("ops=%d", n), func(b *testing.B) {
			url := childTarget(b, n)
			var last scaleRun
			for b.Loop() {
				last = measureScan(b, url, n)
			}
			b.ReportMetric(float64(last.cpu.Microseconds())/1e3/float64(n), "cpu-ms/op-api")
			b.ReportMetric(float64(last.cpu.Microseconds())/float64(last.requests), "cpu-µs/request")
			b.ReportMetric(float64(last.requests), "requests/scan")
			b.ReportMetric(float64(last.peakRSS)/1e6, "peak-RSS-MB")
			b.ReportMetric(float64(last.peakLiveHeap)/1e6, "peak-live-heap-MB")
		})
	}
}

// measureScan runs one scan of url through cli.Run and measures it.
func measureScan(b *testing.B, url string, n int) scaleRun {
	out := filepath.Join(b.TempDir(), "report.json")
	args := []string{"scan", url, "--rate", "0", "--budget", "100000000", "--config", "",
		"--auth", "Authorization: Bearer " + testapi.TokenA,
		"--peer-auth", "Authorization: Bearer " + testapi.TokenB,
		"-o", "json=" + out}
	env := cli.Env{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" }}
	resetPeakRSS(b)
	stop := sampleLiveHeap()
	allocs := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}, {Name: "/gc/heap/allocs:objects"}}
	metrics.Read(allocs)
	bytes0, objects0 := allocs[0].Value.Uint64(), allocs[1].Value.Uint64()
	start := cpuTime(b)
	code := cli.Run(context.Background(), args, env)
	cpu := cpuTime(b) - start
	metrics.Read(allocs)
	peakHeap := stop()
	if code != 0 {
		b.Fatalf("scan exited %d", code)
	}
	return scaleRun{cpu: cpu, requests: scaleReport(b, out, n), peakRSS: peakRSS(b), peakLiveHeap: peakHeap,
		allocBytes: allocs[0].Value.Uint64() - bytes0, allocObjects: allocs[1].Value.Uint64() - objects0}
}

// scaleReport checks that the scan was whole and clean, and returns its
// request count.
func scaleReport(b *testing.B, path string, n int) int {
	b.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	var rep struct {
		Stats struct {
			Operations, Requests, Errors int
		}
		Findings []json.RawMessage
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		b.Fatal(err)
	}
	if rep.Stats.Operations != n || rep.Stats.Errors != 0 || len(rep.Findings) != 0 {
		b.Fatalf("scanned %d operations with %d errors and %d findings, want %d and none", rep.Stats.Operations, rep.Stats.Errors, len(rep.Findings), n)
	}
	return rep.Stats.Requests
}

// resetPeakRSS returns freed memory to the system and resets the kernel's
// high-water mark of the process's resident memory (Linux: writing 5 to
// clear_refs), so peakRSS measures the scan that follows.
func resetPeakRSS(b *testing.B) {
	runtime.GC()
	debug.FreeOSMemory()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		b.Logf("peak RSS not reset (%v): it covers the whole process", err)
	}
}

// peakRSS reads the process's resident high-water mark (VmHWM).
func peakRSS(b *testing.B) int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Fatal(err)
	}
	for line := range strings.Lines(string(data)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			return kb << 10
		}
	}
	b.Fatal("no VmHWM in /proc/self/status")
	return 0
}

// heapProfileEnv names a file to which sampleLiveHeap writes a heap
// profile each time the live heap reaches a new peak (at most every
// 2 s): what the scan holds at its largest, which a -memprofile taken
// after the scan cannot show.
//
//	AUTHGATE_BENCH_HEAPPROFILE=/tmp/heap.out go test -run '^$' -bench 'ScanScale/ops=20000' -benchtime 1x .
const heapProfileEnv = "AUTHGATE_BENCH_HEAPPROFILE"

// sampleLiveHeap samples the live heap (as of each GC) every 20 ms until
// the returned function is called, which returns the largest sample.
func sampleLiveHeap() func() uint64 {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	var peak uint64
	var profiled time.Time
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			if live := sample[0].Value.Uint64(); live > peak {
				peak = live
				profileHeap(&profiled)
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	})
	return func() uint64 {
		close(done)
		wg.Wait()
		return peak
	}
}

// BenchmarkClientRatio is the CPU per request of a whole scan against
// that of a plain net/http client sending the same number of GETs to the
// same 1,000-operation target, in this one process, with the scan's
// concurrency (8) and the binary's runtime settings (binaryRuntime):
// issue 13's goal is a ratio of at most 2.
//
// Each iteration measures ratioRounds scans, each followed by the plain
// client, and reports the medians: of each side's CPU per request, and of
// the rounds' ratios (each of a scan and the plain client right after it,
// so both sides met about the same load). On this project's shared
// 2-core machine a single round's ratio moved from 1.6 to 2.5 with the
// load of other processes, for the same code.
func BenchmarkClientRatio(b *testing.B) {
	binaryRuntime(b)
	const n = 1000
	url := childTarget(b, n)
	var scanPer, plainPer, ratios []float64
	var last scaleRun
	for b.Loop() {
		scanPer, plainPer, ratios = nil, nil, nil
		for range ratioRounds {
			var plain time.Duration
			// The labels (inherited by every goroutine each side
			// starts, the transports' included) let -cpuprofile be
			// read one side at a time: go tool pprof -tagfocus
			// side=scan (or side=plain).
			pprof.Do(context.Background(), pprof.Labels("side", "scan"), func(context.Context) {
				last = measureScan(b, url, n)
			})
			pprof.Do(context.Background(), pprof.Labels("side", "plain"), func(context.Context) {
				plain = plainClient(b, url, n, last.requests)
			})
			s := float64(last.cpu.Nanoseconds()) / float64(last.requests) / 1e3
			p := float64(plain.Nanoseconds()) / float64(last.requests) / 1e3
			scanPer, plainPer, ratios = append(scanPer, s), append(plainPer, p), append(ratios, s/p)
		}
	}
	b.ReportMetric(median(scanPer), "scan-cpu-µs/request")
	b.ReportMetric(median(plainPer), "plain-cpu-µs/request")
	b.ReportMetric(median(ratios), "ratio")
	b.ReportMetric(float64(last.requests), "requests/scan")
	b.ReportMetric(float64(last.allocBytes)/float64(last.requests), "scan-B/request")
	b.ReportMetric(float64(last.allocObjects)/float64(last.requests), "scan-allocs/request")
}

// ratioRounds is how many scan-then-plain rounds an iteration of
// BenchmarkClientRatio measures: odd, so that the median is one of them.
const ratioRounds = 5

// median is the middle value of xs (an odd number of them), which it sorts.
func median(xs []float64) float64 {
	slices.Sort(xs)
	return xs[len(xs)/2]
}

// plainClient sends total authenticated GETs over the API's operations
// (lists, objects, public lists, searches, in turn) with 8 workers, reads
// every body, and returns the CPU it used.
//
// It is set up as the scan's client is (scanner.NewClient), so that the
// ratio compares what the scan does with what any client must do: Go's
// default transport with an idle connection kept for each worker, the
// scan's default timeout per request (a client without one waits forever
// on a target that stops answering), and each body read into memory,
// bounded as the scan bounds it (a client reads an answer to use it).
func plainClient(b *testing.B, base string, n, total int) time.Duration {
	paths := make([]string, 0, n)
	for i := range n {
		r := i / 4
		switch i % 4 {
		case 0:
			paths = append(paths, fmt.Sprintf("/r%d/items", r))
		case 1:
			paths = append(paths, fmt.Sprintf("/r%d/items/%d", r, (r+1)*10+1))
		case 2:
			paths = append(paths, fmt.Sprintf("/r%d/public", r))
		default:
			paths = append(paths, fmt.Sprintf("/r%d/search?q=x", r))
		}
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 8
	client := &http.Client{Transport: tr, Timeout: config.DefaultTimeout}
	defer client.CloseIdleConnections()
	next := make(chan string)
	var wg sync.WaitGroup
	var read atomic.Int64
	start := cpuTime(b)
	for range 8 {
		wg.Go(func() {
			for p := range next {
				req, _ := http.NewRequest(http.MethodGet, base+p, nil)
				req.Header.Set("Authorization", "Bearer "+testapi.TokenA)
				resp, err := client.Do(req)
				if err != nil {
					b.Error(err)
					continue
				}
				body, err := io.ReadAll(io.LimitReader(resp.Body, plainMaxBody+1))
				resp.Body.Close()
				if err != nil {
					b.Error(err)
				}
				read.Add(int64(len(body)))
			}
		})
	}
	for i := range total {
		next <- paths[i%len(paths)]
	}
	close(next)
	wg.Wait()
	cpu := cpuTime(b) - start
	if read.Load() == 0 {
		b.Fatal("the plain client read no body")
	}
	return cpu
}

// plainMaxBody is the scan's bound on a body it reads (scanner's
// maxBodyBytes).
const plainMaxBody = 1 << 20

// profileHeap writes the heap profile to heapProfileEnv's file, if set,
// unless it did less than 2 s ago.
func profileHeap(last *time.Time) {
	path := os.Getenv(heapProfileEnv)
	if path == "" || time.Since(*last) < 2*time.Second {
		return
	}
	*last = time.Now()
	if f, err := os.Create(path); err == nil {
		pprof.Lookup("heap").WriteTo(f, 0)
		f.Close()
	}
}
