// Package cli holds authgate's sub-commands. It is the one place where
// errors become exit codes; nothing below it exits, and nothing in it
// reads the process environment except through Env.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
)

// Exit codes of the contract.
const (
	ExitPassed      = 0 // scan ran, gate passed
	ExitGateFailed  = 1 // scan ran, gate failed
	ExitUsage       = 2 // usage or configuration error, nothing scanned
	ExitScanFailed  = 3 // the scan could not run
	exitInterrupted = ExitScanFailed
)

// Env is the process environment the commands see, swapped in tests.
type Env struct {
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	// Terminal reports whether stderr (progress) and stdout (text
	// report) are terminals, for the live progress line and colour.
	StderrTerminal, StdoutTerminal bool
	// Stopped, when set, is told the one-line reason a run stopped with
	// exit code 2 or 3 (as printed), so that the Action can repeat it
	// where people look without reading it back from the log.
	Stopped func(reason string)
}

// Version is authgate's version, set at build time with
// -ldflags "-X github.com/authgate/authgate/cli.Version=v1.2.3".
var Version = ""

func version() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

const usage = `authgate — API authentication security gate for CI

Usage:
  authgate scan TARGET [flags]         scan a running API (authgate scan -h for flags)
  authgate demo                        scan the built-in vulnerable demo API
  authgate diff BASE.json HEAD.json    compare two reports: new / fixed / unchanged findings
  authgate merge -o OUT.json IN...     merge shard reports into one and gate it (authgate merge -h)
  authgate version                     print the version

Exit codes: 0 gate passed, 1 gate failed, 2 usage or configuration error, 3 scan could not run.
`

// Run runs one command line (without the program name) and returns the
// exit code.
func Run(ctx context.Context, args []string, env Env) int {
	if env.Getenv == nil {
		env.Getenv = func(string) string { return "" }
	}
	if len(args) == 0 {
		fmt.Fprint(env.Stderr, usage)
		return ExitUsage
	}
	cmd, rest := args[0], args[1:]
	var err error
	switch cmd {
	case "scan":
		return runScan(ctx, rest, env)
	case "demo":
		return runDemo(ctx, rest, env)
	case "action":
		return runAction(ctx, env)
	case "diff":
		err = runDiff(rest, env)
	case "merge":
		return runMerge(rest, env)
	case "version", "--version", "-version":
		fmt.Fprintf(env.Stdout, "authgate %s\n", version())
		return ExitPassed
	case "help", "-h", "--help":
		fmt.Fprint(env.Stdout, usage)
		return ExitPassed
	default:
		fmt.Fprintf(env.Stderr, "authgate: unknown command %q\n\n%s", cmd, usage)
		return ExitUsage
	}
	return exitCode(env, err)
}

// usageError marks errors that are the caller's: exit 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }

// exitCode prints err as one line and maps it to an exit code.
func exitCode(env Env, err error) int {
	if err == nil {
		return ExitPassed
	}
	if errors.Is(err, flag.ErrHelp) {
		return ExitPassed
	}
	line := oneLine(err.Error())
	fmt.Fprintf(env.Stderr, "authgate: %s\n", line)
	if env.Stopped != nil {
		env.Stopped(line)
	}
	var ue usageError
	if errors.As(err, &ue) {
		return ExitUsage
	}
	return ExitScanFailed
}

// oneLine folds a message onto one line, so an error can never spill into
// several log lines (or start a workflow command).
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	// A CI runner acts on "::" at the start of a line and on "##["
	// anywhere in it; error messages may quote the target or a file.
	s = strings.ReplaceAll(s, "##[", `#\u0023[`)
	return strings.TrimPrefix(s, "::")
}
