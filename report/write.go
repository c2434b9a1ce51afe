package report

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// ErrUnsupportedFormat is wrapped by Write for a format it has no writer
// for, so that the CLI can turn it into a usage error.
var ErrUnsupportedFormat = errors.New("unsupported report format")

// Options tune the writers for where the output goes.
type Options struct {
	// Color turns on ANSI colours in the text format; set it only when the
	// output is a terminal.
	Color bool
}

// writers maps a format name to its writer.
var writers = map[string]func(io.Writer, *Report, Options) error{
	"text":     writeText,
	"json":     writeJSON,
	"markdown": writeMarkdown,
	"sarif":    writeSARIF,
	"junit":    writeJUnit,
	// codequality is GitLab's Code Quality report; no extension implies
	// it (.json is the JSON report), so it is named: -o codequality=PATH.
	"codequality": writeCodeQuality,
}

// formatOrder is the order Formats lists them in: the default first.
var formatOrder = []string{"text", "json", "markdown", "sarif", "junit", "codequality"}

// Formats lists the formats Write supports, for flag help and validation.
func Formats() []string {
	return append([]string(nil), formatOrder...)
}

// Write writes r to w in format. It never changes r.
func Write(w io.Writer, format string, r *Report, opts Options) error {
	if r == nil {
		return errors.New("write report: no report")
	}
	name := strings.ToLower(strings.TrimSpace(format))
	fn, ok := writers[name]
	if !ok {
		return fmt.Errorf("write report as %q: %w (supported: %s)", format, ErrUnsupportedFormat, strings.Join(formatOrder, ", "))
	}
	if err := fn(w, r, opts); err != nil {
		return fmt.Errorf("write %s report: %w", name, err)
	}
	return nil
}

// extFormats maps file extensions to formats, longest first so that
// .sarif.json is sarif and not json.
var extFormats = []struct{ ext, format string }{
	{".sarif.json", "sarif"},
	{".sarif", "sarif"},
	{".json", "json"},
	{".markdown", "markdown"},
	{".md", "markdown"},
	{".xml", "junit"},
	{".txt", "text"},
}

// FormatFromPath infers a report format from a file name's extension, for
// -o PATH without FORMAT=. It reports false when the extension says nothing.
func FormatFromPath(path string) (string, bool) {
	lower := strings.ToLower(path)
	for _, e := range extFormats {
		if strings.HasSuffix(lower, e.ext) && len(lower) > len(e.ext) {
			return e.format, true
		}
	}
	return "", false
}

// PendingFile is a report file being written: its bytes go to a temporary
// file next to the destination, which Commit renames over it. Until then
// the destination keeps what it held (an earlier run's good report, or
// nothing), so a scan that could not run never leaves an empty or
// half-written authgate.json for a later step to upload as a baseline.
// Creating it before the scan also proves early that the destination's
// directory is writable.
type PendingFile struct {
	path string
	tmp  *os.File
	done bool
}

// reportFileMode is the mode of a committed report. The temporary file is
// created 0600; the Action's container may run as another user than the
// steps after it (upload-artifact), which must be able to read the report,
// as they could when it was created with os.Create.
const reportFileMode = 0o644

// CreatePending starts writing the report file path. It fails at once when
// path is a directory or its directory cannot take a new file.
func CreatePending(path string) (*PendingFile, error) {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return nil, fmt.Errorf("%s is a directory", path)
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	// Hidden, and named after the report, so that a temporary file left
	// by a killed process is recognisable and matched by no report glob.
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		// Name the destination, not the temporary pattern.
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	return &PendingFile{path: path, tmp: tmp}, nil
}

// Path is the destination.
func (p *PendingFile) Path() string { return p.path }

// Write writes to the temporary file.
func (p *PendingFile) Write(b []byte) (int, error) {
	if p.done {
		return 0, fmt.Errorf("write %s: already committed or discarded", p.path)
	}
	return p.tmp.Write(b)
}

// Commit flushes what was written to disk and renames it over the
// destination in one step: readers see the old file or the whole new one.
func (p *PendingFile) Commit() error {
	if p.done {
		return fmt.Errorf("commit %s: already committed or discarded", p.path)
	}
	p.done = true
	err := p.tmp.Sync()
	if err == nil {
		err = p.tmp.Chmod(reportFileMode)
	}
	if cerr := p.tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(p.tmp.Name(), p.path)
	}
	if err != nil {
		os.Remove(p.tmp.Name())
		return fmt.Errorf("write %s: %w", p.path, err)
	}
	return nil
}

// Discard removes the temporary file, leaving the destination as it was.
// It does nothing after Commit, so it can be deferred.
func (p *PendingFile) Discard() {
	if p.done {
		return
	}
	p.done = true
	p.tmp.Close()
	os.Remove(p.tmp.Name())
}
