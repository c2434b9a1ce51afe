// Package cli holds authgate's sub-commands. It is the one place where
// errors become exit codes; nothing below it exits, and nothing in it
// reads the process environment except through Env.
package cli

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
	"time"
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

// Version and Revision are stamped by release builds:
//
//	-ldflags "-X github.com/authgate/authgate/cli.Version=v1.2.3
//	          -X github.com/authgate/authgate/cli.Revision=<commit>"
//
// Unstamped (or stamped "dev", the Dockerfile's default), the version and
// revision come from the binary's build information instead: `go install
// …@v1.2.3` records the module version, and a build in a checkout records
// a pseudo-version, the VCS revision and whether the tree was modified.
// A build of a source archive (GitHub's downloads, `uses:
// authgate/authgate@main`) has neither: archive_version.txt, which git
// archive fills in, names its commit.
var (
	Version  = ""
	Revision = ""
)

// buildVersion is what `authgate version` reports.
type buildVersion struct {
	// Version is what the JSON report's tool.version and the SARIF
	// driver's version carry: v1.2.3, a Go pseudo-version
	// (v0.0.0-20261207154116-55fbf58c4c6c+dirty), or, when no version is
	// known, dev+<12 hex of the revision> — bare "dev" only when the
	// revision is unknown too.
	Version  string `json:"version"`
	Revision string `json:"revision,omitempty"`
	// Time is the revision's commit time (RFC 3339), from build info.
	Time     string `json:"time,omitempty"`
	Modified bool   `json:"modified"`
	Go       string `json:"go"`
}

// String is the `version` command's one line: "authgate VERSION (revision
// REV[, modified], GO)", or "authgate VERSION (GO)" without a revision.
// VERSION is one field without spaces, the report's tool.version.
func (v buildVersion) String() string {
	var details []string
	if v.Revision != "" {
		details = append(details, "revision "+v.Revision)
	}
	if v.Modified {
		details = append(details, "modified")
	}
	details = append(details, v.Go)
	return "authgate " + v.Version + " (" + strings.Join(details, ", ") + ")"
}

// shortRevision is how much of a revision a dev version names: git's
// abbreviation in Go's pseudo-versions.
const shortRevision = 12

// versionOf works out the version from the ldflags stamps, the build
// information (bi may be nil) and a source archive's archive_version.txt.
//
// Precedence: a stamp wins (a release says what it is); then build
// information (the module version the go command resolved, the VCS
// revision, time and dirty flag of the tree it built); the archive file
// only fills what is still unknown, and only when it names the same commit
// as a revision already known, if any. It is never trusted over the VCS: it
// is expanded only in an archive, so a checkout that also has VCS
// information is a repository the archive was extracted into (or committed
// to), whose revision and dirty flag describe the files actually built,
// patches included, while the archive file cannot see an edit made after
// extraction. For the same reason it never says "modified".
func versionOf(stamp, revision string, bi *debug.BuildInfo, archive archiveVersion) buildVersion {
	v := buildVersion{Version: strings.TrimSpace(stamp), Revision: strings.TrimSpace(revision)}
	if v.Version == "dev" {
		v.Version = "" // the Dockerfile's default: nothing stamped
	}
	if v.Version != "" && v.Version[0] >= '0' && v.Version[0] <= '9' {
		v.Version = "v" + v.Version // GoReleaser's {{.Version}} has no "v"
	}
	if bi != nil {
		v.Go = bi.GoVersion
		if v.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v.Version = bi.Main.Version
		}
		vcsRevision := ""
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				vcsRevision = s.Value
			case "vcs.time":
				v.Time = s.Value
			case "vcs.modified":
				v.Modified = s.Value == "true"
			}
		}
		switch {
		case v.Revision == "":
			v.Revision = vcsRevision
		case vcsRevision != "" && vcsRevision != v.Revision:
			// A stamp names another commit than the checkout it was
			// built in: its time and dirty flag are not the stamp's.
			v.Time, v.Modified = "", false
		}
	}
	if v.Go == "" {
		v.Go = runtime.Version()
	}
	if archive.Commit != "" && (v.Revision == "" || v.Revision == archive.Commit) {
		v.Revision = archive.Commit
		if v.Time == "" {
			v.Time = archive.Time
		}
		if v.Version == "" {
			v.Version = archive.Tag // "" unless the commit is a release's
		}
	}
	if v.Version == "" {
		v.Version = "dev"
		if v.Revision != "" {
			v.Version += "+" + v.Revision[:min(len(v.Revision), shortRevision)]
			if v.Modified {
				v.Version += ".dirty"
			}
		}
	} else if v.Modified && !strings.Contains(v.Version, "dirty") {
		// Go marks a pseudo-version of a modified tree "+dirty"; a
		// stamped version built from one says so the same way.
		if strings.Contains(v.Version, "+") {
			v.Version += ".dirty"
		} else {
			v.Version += "+dirty"
		}
	}
	return v
}

// currentVersion is this binary's version.
func currentVersion() buildVersion {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		bi = nil
	}
	return versionOf(Version, Revision, bi, parseArchiveVersion(archiveFile))
}

// archiveFile is archive_version.txt: in a source archive made by git
// archive, the commit it was made from; in a git checkout or a module zip,
// the placeholders as written.
//
//go:embed archive_version.txt
var archiveFile string

// archiveVersion is what an expanded archive_version.txt says: a commit (40
// or 64 lowercase hex), its commit time in UTC (RFC 3339, as Go's vcs.time)
// and the release tag on that commit, each "" when unknown.
type archiveVersion struct {
	Commit, Time, Tag string
}

// isReleaseTag reports whether tag is a release's version tag, in the
// grammar the release scripts accept (RELEASE_VERSION in
// scripts/common.bash): SemVer 2.0.0 with a "v", an optional
// pre-release and no build metadata (v1.2.3, v1.3.0-rc.1) — and not what
// git describe says of a commit past a tag (v1.2.3-4-gabcdef0, 4 commits
// after v1.2.3), which that grammar would otherwise take for a
// pre-release. Hand-written rather than a regexp: a package-level regexp
// is compiled at every start (TestInitAllocations).
func isReleaseTag(tag string) bool {
	rest, ok := strings.CutPrefix(tag, "v")
	if !ok {
		return false
	}
	core, pre, hasPre := strings.Cut(rest, "-")
	nums := strings.Split(core, ".")
	if len(nums) != 3 {
		return false
	}
	for _, n := range nums {
		if !isReleaseNumber(n) {
			return false
		}
	}
	if !hasPre {
		return true
	}
	for id := range strings.SplitSeq(pre, ".") {
		if id == "" || strings.Trim(id, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-") != "" {
			return false
		}
		if strings.Trim(id, "0123456789") == "" && !isReleaseNumber(id) {
			return false // a numeric identifier has no leading zero
		}
	}
	// git describe's suffix: -<commits since the tag>-g<abbreviated commit>.
	parts := strings.Split(tag, "-")
	if n := len(parts); n >= 3 && isDigits(parts[n-2]) && len(parts[n-1]) >= 5 && parts[n-1][0] == 'g' && isHex(parts[n-1][1:]) {
		return false
	}
	return true
}

// isReleaseNumber reports whether s is a SemVer number: digits, no leading zero.
func isReleaseNumber(s string) bool {
	return isDigits(s) && (s == "0" || s[0] != '0')
}

func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// isHex reports whether s is lowercase hexadecimal digits, as git writes
// commit ids.
func isHex(s string) bool {
	return s != "" && strings.Trim(s, "0123456789abcdef") == ""
}

// parseArchiveVersion reads archive_version.txt's "key: value" lines. The
// file only adds facts, so what is not plainly right is left out, never
// reported and never a panic: placeholders git did not expand (a checkout,
// a module zip), a commit that is not 40 or 64 lowercase hex, a line
// without a key, a repeated key (hand-edited, truncated) drop the whole
// file; a time that is not RFC 3339 or a tag that is not exactly a release
// version (empty, v1.2.3-4-gabcdef0, v1) drops only that value.
func parseArchiveVersion(text string) archiveVersion {
	var a archiveVersion
	seen := map[string]bool{}
	for line := range strings.Lines(text) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, value, ok := strings.Cut(line, ":")
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		if !ok || key == "" || seen[key] {
			return archiveVersion{}
		}
		seen[key] = true
		switch key {
		case "commit":
			a.Commit = value
		case "time":
			a.Time = value
		case "tag":
			a.Tag = value
		}
	}
	if !isRevision(a.Commit) {
		return archiveVersion{}
	}
	if t, err := time.Parse(time.RFC3339, a.Time); err == nil {
		a.Time = t.UTC().Format(time.RFC3339Nano)
	} else {
		a.Time = ""
	}
	if !isReleaseTag(a.Tag) {
		a.Tag = ""
	}
	return a
}

// isRevision reports whether s is a full git commit id: 40 lowercase hex
// digits (SHA-1), or 64 in a SHA-256 repository.
func isRevision(s string) bool {
	return (len(s) == 40 || len(s) == 64) && isHex(s)
}

// version is the version the reports carry (tool.version).
func version() string { return currentVersion().Version }

// runVersion prints the version line, or with --json the same facts as
// one JSON object.
func runVersion(args []string, env Env) error {
	asJSON := false
	for _, arg := range args {
		switch arg {
		case "--json", "-json":
			asJSON = true
		case "-h", "--help", "-help":
			fmt.Fprint(env.Stdout, "Usage: authgate version [--json]\n")
			return flag.ErrHelp
		default:
			return usagef("version: unknown argument %q (it takes only --json)", arg)
		}
	}
	v := currentVersion()
	if asJSON {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(env.Stdout, "%s\n", b)
		return err
	}
	_, err := fmt.Fprintln(env.Stdout, v.String())
	return err
}

const usage = `authgate — API authentication security gate for CI

Usage:
  authgate scan TARGET [flags]         scan a running API (authgate scan -h for flags)
  authgate demo                        scan the built-in vulnerable demo API
  authgate demo --serve ADDR           serve the demo API until interrupted, without scanning it
  authgate diff BASE.json HEAD.json    compare two reports: new / fixed / unchanged findings
  authgate merge -o OUT.json IN...     merge shard reports into one and gate it (authgate merge -h)
  authgate version [--json]            print the version, VCS revision and Go version

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
		err = runVersion(rest, env)
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
