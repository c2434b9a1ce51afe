package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pb33f/go-yaml"

	"github.com/authgate/authgate/internal/testapi"
)

// Issue 5's bounds on the binary itself.
const (
	// maxStartupBinaryBytes: the binary is downloaded by every CI job
	// that uses the CLI, and is most of the container image.
	maxStartupBinaryBytes = 20_000_000
	// memoryOperations is the spec size the peak-RSS goal (100 MB) is
	// stated for.
	memoryOperations = 1000
)

// staticBinary is buildStatic for benchmarks: the same build (shared
// once per test binary, removed by TestMain), reachable from a *testing.B.
func staticBinary(tb testing.TB) string {
	tb.Helper()
	build.once.Do(func() {
		if build.dir, build.err = os.MkdirTemp("", "authgate-bin"); build.err != nil {
			return
		}
		build.bin = filepath.Join(build.dir, "authgate")
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", build.bin, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			build.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if build.err != nil {
		tb.Fatal(build.err)
	}
	return build.bin
}

// TestBinarySize holds the released binary to issue 5's 20 MB.
func TestBinarySize(t *testing.T) {
	bin := buildStatic(t)
	fi, err := os.Stat(bin)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() > maxStartupBinaryBytes {
		t.Fatalf("binary is %d bytes, want at most %d", fi.Size(), maxStartupBinaryBytes)
	}
}

// BenchmarkVersion is start-up: `authgate version` as a process, from exec
// to exit (issue 13's goal: under 10 ms), next to two floors timed in the
// same loop, one run of each per iteration: a static hello-world Go
// binary (what any Go program costs) and the design card's floor, a
// binary that only imports what the design card requires (go-github,
// go-retryablehttp, go-githubactions, net/http) and prints a line. It
// reports the median of each in ms (ms/op is authgate's: medians, because
// on a shared machine a few runs wait for a CPU far longer than the rest),
// the ratio authgate/floor, and the binary's size (goal: under 20 MB).
// Every binary is built the same way: static, stripped, -trimpath.
//
//	go test -run '^$' -bench Version .
func BenchmarkVersion(b *testing.B) {
	bin := staticBinary(b)
	fi, err := os.Stat(bin)
	if err != nil {
		b.Fatal(err)
	}
	hello, floor := floorBinaries(b)
	runs := []struct {
		name  string
		cmd   []string
		want  string // the start of the output
		times []time.Duration
	}{
		{name: "hello", cmd: []string{hello}, want: "hello"},
		{name: "floor", cmd: []string{floor}, want: "floor"},
		{name: "authgate", cmd: []string{bin, "version"}, want: "authgate "},
	}
	for b.Loop() {
		for i := range runs {
			r := &runs[i]
			start := time.Now()
			out, err := exec.Command(r.cmd[0], r.cmd[1:]...).Output()
			r.times = append(r.times, time.Since(start))
			if err != nil || !strings.HasPrefix(string(out), r.want) {
				b.Fatalf("%s: %v %q", r.name, err, out)
			}
		}
	}
	median := func(ts []time.Duration) float64 {
		slices.Sort(ts)
		return float64(ts[len(ts)/2].Microseconds()) / 1e3
	}
	helloMS, floorMS, authgateMS := median(runs[0].times), median(runs[1].times), median(runs[2].times)
	// ns/op would be the three runs together: left out.
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(authgateMS, "ms/op")
	b.ReportMetric(helloMS, "hello-ms")
	b.ReportMetric(floorMS, "floor-ms")
	b.ReportMetric(authgateMS/floorMS, "authgate/floor")
	b.ReportMetric(float64(fi.Size())/1e6, "binary-MB")
}

// floorBinaries builds BenchmarkVersion's floors, a hello-world and the
// design card's dependencies alone, in a module of their own with this
// module's requirements and checksums; only the module cache is used.
func floorBinaries(b *testing.B) (hello, floor string) {
	b.Helper()
	goMod, err := os.ReadFile("go.mod")
	if err != nil {
		b.Fatal(err)
	}
	goSum, err := os.ReadFile("go.sum")
	if err != nil {
		b.Fatal(err)
	}
	var mod strings.Builder
	for line := range strings.Lines(string(goMod)) {
		switch {
		case strings.HasPrefix(line, "module "):
			line = "module floor\n"
		case strings.HasPrefix(line, "ignore "):
			continue
		}
		mod.WriteString(line)
	}
	dir := b.TempDir()
	files := map[string]string{
		"go.mod":        mod.String(),
		"go.sum":        string(goSum),
		"hello/main.go": "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hello\") }\n",
		"floor/main.go": `package main

import (
	"fmt"
	_ "net/http"

	_ "github.com/google/go-github/v60/github"
	_ "github.com/hashicorp/go-retryablehttp"
	_ "github.com/sethvargo/go-githubactions"
)

func main() { fmt.Println("floor") }
`,
	}
	for name, text := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	for _, name := range []string{"hello", "floor"} {
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", filepath.Join(dir, name+".bin"), "./"+name)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-mod=readonly", "GOPROXY=off", "GOWORK=off")
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("go build ./%s: %v\n%s", name, err, out)
		}
	}
	return filepath.Join(dir, "hello.bin"), filepath.Join(dir, "floor.bin")
}

// BenchmarkScanMemory is the peak resident memory of the real binary
// scanning a 1,000-operation API on loopback (goal: under 100 MB): a full
// safe scan with two identities, no rate limit, the JSON report written
// to a file. The peak is the kernel's (the child's VmHWM, see watchHWM),
// so it counts everything: heap, stacks, runtime and binary.
//
// The test API's records are a hundred bytes; pad=32KiB adds 32 KiB to
// each (list answers are then about 64 KiB), to show whether memory grows
// with the bodies the target sends (it should not: bodies are held only
// while rules need them).
//
//	go test -run '^$' -bench ScanMemory .
//
// ops=20000 is issue 13's goal (peak RSS under 100 MB at 20,000
// operations) measured on the binary alone: BenchmarkScanScale's
// peak-RSS-MB is the test process's, which also holds the benchmark's own
// memory (an upper bound). ops=20000-yaml is the same scan with the
// description in block YAML, read from a file.
func BenchmarkScanMemory(b *testing.B) {
	for _, pad := range []int{0, 32 << 10} {
		b.Run(fmt.Sprintf("pad=%dKiB", pad>>10), func(b *testing.B) {
			benchScanMemory(b, padded(testapi.New(memoryOperations), pad), memoryOperations)
		})
	}
	b.Run("ops=20000", func(b *testing.B) {
		benchScanMemory(b, testapi.New(20000), 20000)
	})
	// YAML users are held to the same 100 MB (the description is 6.4 MB).
	b.Run("ops=20000-yaml", func(b *testing.B) {
		h := testapi.New(20000)
		spec := filepath.Join(b.TempDir(), "openapi.yaml")
		if err := os.WriteFile(spec, blockYAML(b, h), 0o644); err != nil {
			b.Fatal(err)
		}
		benchScanMemory(b, h, 20000, "--openapi", spec)
	})
}

// blockYAML is the test API's description written as block-style YAML,
// the way YAML tools write API descriptions.
func blockYAML(b *testing.B, h http.Handler) []byte {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/openapi.json", nil))
	var n yaml.Node
	if err := yaml.Unmarshal(rec.Body.Bytes(), &n); err != nil {
		b.Fatal(err)
	}
	for stack := []*yaml.Node{&n}; len(stack) > 0; {
		top := stack[len(stack)-1]
		stack = append(stack[:len(stack)-1], top.Content...)
		top.Style = 0 // the encoder quotes the strings that need it
	}
	var out bytes.Buffer
	enc := yaml.NewEncoder(&out)
	enc.SetIndent(2)
	if err := enc.Encode(&n); err != nil {
		b.Fatal(err)
	}
	if err := enc.Close(); err != nil {
		b.Fatal(err)
	}
	return out.Bytes()
}

// padded inserts a string of n bytes into every record the test API
// answers with (not into its API description).
func padded(h http.Handler, n int) http.Handler {
	if n == 0 {
		return h
	}
	field := []byte(`"pad":"` + strings.Repeat("x", n) + `","owner":`)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		maps.Copy(w.Header(), rec.Header())
		w.WriteHeader(rec.Code)
		body := rec.Body.Bytes()
		if r.URL.Path != "/openapi.json" {
			body = bytes.ReplaceAll(body, []byte(`"owner":`), field)
		}
		w.Write(body)
	})
}

// benchScanMemory scans h with the binary, extra flags added, and
// reports its peak RSS; the scan must cover ops operations.
func benchScanMemory(b *testing.B, h http.Handler, ops int, extra ...string) {
	bin := staticBinary(b)
	api := httptest.NewServer(h)
	defer api.Close()
	out := filepath.Join(b.TempDir(), "report.json")
	peakKiB := int64(0)
	requests := 0
	for b.Loop() {
		args := append([]string{"scan", api.URL, "--rate", "0", "--config", "",
			"--auth", "Authorization: Bearer " + testapi.TokenA,
			"--peer-auth", "Authorization: Bearer " + testapi.TokenB,
			"-o", "json=" + out}, extra...)
		cmd := exec.Command(bin, args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		hwm := watchHWM(cmd.Process.Pid)
		err := cmd.Wait()
		peakKiB = max(peakKiB, hwm())
		if err != nil {
			b.Fatalf("scan: %v\n%s", err, stderr.String())
		}
		requests = checkScanReport(b, out, ops)
	}
	b.ReportMetric(float64(peakKiB)*1024/1e6, "peak-RSS-MB")
	b.ReportMetric(float64(requests), "requests/scan")
}

// watchHWM samples the process's peak RSS (VmHWM, in KiB) every 5 ms
// until it exits; the returned func stops and gives the last value read.
// The child's getrusage ru_maxrss cannot be used: Linux carries the
// parent's high-water mark into it when the child, started with
// CLONE_VM, execs, so it reported the benchmark process's RSS (which
// serves the API) whenever that was the larger. VmHWM only grows, so the
// last sample misses at most the final 5 ms.
func watchHWM(pid int) func() int64 {
	var peak atomic.Int64
	done := make(chan struct{})
	stopped := make(chan struct{})
	path := fmt.Sprintf("/proc/%d/status", pid)
	go func() {
		defer close(stopped)
		for {
			if kib, ok := readHWM(path); ok {
				peak.Store(max(peak.Load(), kib))
			}
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	return func() int64 {
		close(done)
		<-stopped
		return peak.Load()
	}
}

// readHWM reads VmHWM from a /proc/<pid>/status file.
func readHWM(path string) (int64, bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	for line := range strings.Lines(string(data)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kib, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kib, err == nil
		}
	}
	return 0, false
}

// checkScanReport makes sure the benchmark measured a whole, clean scan,
// of ops operations, and returns its request count.
func checkScanReport(b *testing.B, path string, ops int) int {
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
	if rep.Stats.Operations != ops || rep.Stats.Errors != 0 || len(rep.Findings) != 0 {
		b.Fatalf("scanned %d operations with %d errors and %d findings, want %d and none", rep.Stats.Operations, rep.Stats.Errors, len(rep.Findings), ops)
	}
	return rep.Stats.Requests
}
