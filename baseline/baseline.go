// Package baseline reads an earlier report and compares findings with it:
// which are new, which are unchanged, which were fixed. It also drops
// suppressed findings. Findings are matched by fingerprint only, never by
// response content, so a baseline from production matches a preview.
package baseline

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"unicode"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/report"
)

// maxReportSize bounds what Load reads: a report of thousands of findings
// with truncated evidence is a few MiB, and a baseline is often an artifact
// from another run, so a wrong file must not exhaust memory.
const maxReportSize = 64 << 20

// ErrNotReport is wrapped by Load when the file is JSON but not an authgate
// report of this schema.
var ErrNotReport = errors.New("not an authgate report")

// Load reads a JSON report written by authgate, for --baseline. Its errors
// are one line naming the file and the problem: missing, unreadable, not
// JSON (with the offset), another schema, or fingerprints of another
// version, which would otherwise silently make every finding new.
func Load(path string) (*report.Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("baseline %s: %w", path, pathErr(err))
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxReportSize+1))
	if err != nil {
		return nil, fmt.Errorf("baseline %s: %w", path, pathErr(err))
	}
	if len(data) > maxReportSize {
		return nil, fmt.Errorf("baseline %s: larger than %d MiB, not a report", path, maxReportSize>>20)
	}
	r, err := parse(data)
	if err != nil {
		return nil, fmt.Errorf("baseline %s: %w", path, err)
	}
	return r, nil
}

// pathErr drops the path an *fs.PathError repeats, keeping the cause for
// errors.Is (fs.ErrNotExist, fs.ErrPermission).
func pathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		if errors.Is(pe.Err, fs.ErrNotExist) {
			return fmt.Errorf("not found: %w", pe.Err)
		}
		return pe.Err
	}
	return err
}

func parse(data []byte) (*report.Report, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errors.New("file is empty, not a JSON report")
	}
	var probe struct {
		Schema *string `json:"schema"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, jsonErr(data, err)
	}
	switch {
	case probe.Schema == nil:
		return nil, fmt.Errorf("%w: no schema field (want %q; write it with --format json)", ErrNotReport, report.Schema)
	case *probe.Schema != report.Schema:
		return nil, fmt.Errorf("%w: schema is %q, want %q", ErrNotReport, *probe.Schema, report.Schema)
	}

	var r report.Report
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, jsonErr(data, err)
	}
	if r.Findings == nil {
		r.Findings = []finding.Finding{}
	}
	for _, f := range r.Findings {
		if f.Fingerprint == "" {
			continue
		}
		if v, _, _ := strings.Cut(f.Fingerprint, ":"); v != finding.FingerprintVersion {
			return nil, fmt.Errorf("fingerprints are version %q, this authgate writes %q: make a new baseline with this version", v, finding.FingerprintVersion)
		}
	}
	return &r, nil
}

// jsonErr turns a decoding error into one line with where it happened.
func jsonErr(data []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		at := culprit(syn.Offset)
		line, col := position(data, at)
		return fmt.Errorf("not JSON at offset %d (line %d, column %d): %w", at, line, col, err)
	case errors.As(err, &typ):
		at := culprit(typ.Offset)
		line, col := position(data, at)
		what := typ.Field
		if what == "" {
			what = "document"
		}
		return fmt.Errorf("%w: %s has the wrong type (JSON %s at offset %d, line %d, column %d)", ErrNotReport, what, typ.Value, at, line, col)
	default:
		// Errors such as time's quote the file's bytes: a control
		// character from the file must not reach the terminal or the
		// Actions log.
		return fmt.Errorf("invalid report: %s", printable(err.Error()))
	}
}

// printable escapes control and format characters (ANSI escapes, DEL,
// bidi overrides, line separators) in a message quoting untrusted bytes.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp) {
			return '?'
		}
		return r
	}, s)
}

// culprit turns encoding/json's offset, which counts the bytes read up to
// and including the offending one, into that byte's 0-based offset.
func culprit(offset int64) int64 {
	return max(offset-1, 0)
}

// position converts a byte offset into a 1-based line and column.
func position(data []byte, offset int64) (line, col int) {
	offset = min(max(offset, 0), int64(len(data)))
	before := data[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(offset) - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return line, col
}
