// Command authgate is an API authentication security gate for CI. main
// only wires the process to cli.Run: signals, arguments, environment and
// standard streams.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/authgate/authgate/cli"
)

func main() {
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

// isTerminal reports whether f is a character device (a terminal), without
// a dependency: enough to choose colour and a live progress line.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
