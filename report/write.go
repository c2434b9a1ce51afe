package report

import (
	"errors"
	"fmt"
	"io"
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
}

// formatOrder is the order Formats lists them in: the default first.
var formatOrder = []string{"text", "json", "markdown", "sarif", "junit"}

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
