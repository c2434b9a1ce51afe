// Command authgate is an API authentication security gate for CI. main
// only wires the process to cli.Run: signals, arguments, environment and
// standard streams.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/authgate/authgate/cli"
)

func main() {
	if limit, ok := memoryLimit(os.Getenv); ok {
		debug.SetMemoryLimit(limit)
	}
	if percent, ok := gcPercent(os.Getenv); ok {
		debug.SetGCPercent(percent)
	}
	// The first SIGINT or SIGTERM cancels the scan, which then writes its
	// partial report (marked incomplete, exit 3); after it, the signals'
	// default is back, so a second one ends the process at once.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
	}()
	code := cli.Run(ctx, os.Args[1:], cli.Env{
		Stdout:         os.Stdout,
		Stderr:         os.Stderr,
		Getenv:         os.Getenv,
		StdoutTerminal: isTerminal(os.Stdout),
		StderrTerminal: isTerminal(os.Stderr),
	})
	stop()
	os.Exit(code)
}

// defaultMemoryLimit is the soft limit on the Go runtime's memory that
// authgate runs under unless GOMEMLIMIT says otherwise. A scan's live heap
// stays small (about 36 MB at 20,000 operations, 4 MB at 1,000), but the
// garbage collector's default lets the heap grow to twice the live heap,
// and more when a loaded CI machine gives it little CPU: the binary's peak
// RSS at 20,000 operations was 87-110 MB without a limit and is 72-76 MB
// with this one, at no measurable CPU cost (docs/performance.md). It is soft:
// a scan that needs more gets it, with more frequent collections (which
// the runtime caps at half the CPU).
const defaultMemoryLimit = 64 << 20

// memoryLimit is the memory limit main sets: defaultMemoryLimit, unless the
// user set GOMEMLIMIT (the runtime has read it; "off" turns the limit off).
func memoryLimit(getenv func(string) string) (int64, bool) {
	if getenv("GOMEMLIMIT") != "" {
		return 0, false
	}
	return defaultMemoryLimit, true
}

// defaultGCPercent is the garbage collector's target (GOGC) authgate runs
// with unless GOGC says otherwise. A scan makes a little garbage with every
// request over a small live heap, so at Go's default of 100 the collector
// runs often: in a 1,000-operation scan it and the scavenger took 15-19%
// of the CPU (37-40 cycles). At 200 they take 7-15% (16-17 cycles), and the heap it lets grow is
// still bounded by defaultMemoryLimit, which governs large scans either way
// (docs/performance.md).
const defaultGCPercent = 200

// gcPercent is the GC percent main sets: defaultGCPercent, unless the user
// set GOGC (the runtime has read it; "off" turns the collector off).
func gcPercent(getenv func(string) string) (int, bool) {
	if getenv("GOGC") != "" {
		return 0, false
	}
	return defaultGCPercent, true
}

// isTerminal reports whether f is a character device (a terminal), without
// a dependency: enough to choose colour and a live progress line.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
