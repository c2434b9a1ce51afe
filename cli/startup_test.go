package cli

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/authgate/authgate/internal/lazyre"
)

// Bounds of what one authgate package may allocate at start-up (issue 13:
// `authgate version` under 10 ms). Compiling a package's regular
// expressions at init cost scanner/rules 1.5 MB and 9,100 allocations and
// scanner 1.4 MB and 9,000; they are compiled on first use now (lazyre),
// and what is left is tables of words (a few KB). Bytes and allocations
// at init are the same on every run, unlike its time, which is not tested.
const (
	maxInitBytes  = 64 << 10
	maxInitAllocs = 400
)

// initAllowance raises the bounds for a package that needs more at init
// (none since the scanner's harvest patterns became lazy too).
var initAllowance = map[string][2]int{}

var initLine = regexp.MustCompile(`^init (\S+) @.* clock, (\d+) bytes, (\d+) allocs$`)

// TestInitAllocations builds authgate, runs `authgate version` with
// GODEBUG=inittrace=1 and bounds what each authgate package allocates at
// init.
func TestInitAllocations(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool to build authgate with")
	}
	bin := filepath.Join(t.TempDir(), "authgate")
	build := exec.Command(goTool, "build", "-trimpath", "-o", bin, "github.com/authgate/authgate")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "version")
	godebug := "inittrace=1"
	if v := os.Getenv("GODEBUG"); v != "" {
		godebug = v + "," + godebug
	}
	cmd.Env = append(os.Environ(), "GODEBUG="+godebug)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if out, err := cmd.Output(); err != nil || !strings.HasPrefix(string(out), "authgate ") {
		t.Fatalf("authgate version: %v %q\n%s", err, out, stderr.String())
	}
	seen := map[string]bool{}
	lines := bufio.NewScanner(&stderr)
	for lines.Scan() {
		m := initLine.FindStringSubmatch(strings.TrimSpace(lines.Text()))
		if m == nil || !strings.HasPrefix(m[1], "github.com/authgate/authgate/") {
			continue
		}
		pkg := m[1]
		seen[pkg] = true
		bytesAt, _ := strconv.Atoi(m[2])
		allocs, _ := strconv.Atoi(m[3])
		maxBytes, maxAllocs := maxInitBytes, maxInitAllocs
		if a, ok := initAllowance[pkg]; ok {
			maxBytes, maxAllocs = a[0], a[1]
		}
		if bytesAt > maxBytes || allocs > maxAllocs {
			t.Errorf("%s allocates %d bytes in %d allocations at init, want at most %d and %d", pkg, bytesAt, allocs, maxBytes, maxAllocs)
		}
	}
	for _, pkg := range []string{"scanner", "scanner/rules", "scanner/safety", "config", "locate", "cli"} {
		if !seen["github.com/authgate/authgate/"+pkg] {
			t.Errorf("no init trace of %s in:\n%s", pkg, stderr.String())
		}
	}
}

// TestLazyPatternsCompile compiles every lazily compiled pattern of the
// packages cli imports: an invalid one would otherwise only panic when a
// scan first uses it.
func TestLazyPatternsCompile(t *testing.T) {
	if n := len(lazyre.CompileAll()); n < 150 {
		t.Errorf("%d lazy patterns compiled, want the scanner's and rules' (150 or more)", n)
	}
}
