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

// isTerminal reports whether f is a character device (a terminal), without
// a dependency: enough to choose colour and a live progress line.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
