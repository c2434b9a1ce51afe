package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"unicode/utf16"
	"unicode/utf8"
)

// writeJSON writes the report as schema authgate/report/v1: indented,
// findings and suppressed findings sorted, every array present (never
// null, coverage's included), one trailing newline.
func writeJSON(w io.Writer, r *Report, _ Options) error {
	c := *r
	if c.Schema == "" {
		c.Schema = Schema
	}
	c.Findings = sorted(r.Findings)
	c.Suppressed = sorted(r.Suppressed)
	c.Coverage = coverageOf(r)
	c.Gate.Reasons = append([]string{}, r.Gate.Reasons...)
	if r.Baseline != nil {
		b := *r.Baseline
		b.FixedFindings = sorted(b.FixedFindings)
		c.Baseline = &b
	}
	return writeIndentedJSON(w, &c)
}

// writeIndentedJSON writes v as indented JSON and one newline, safe to
// print to a CI log (the JSON report and SARIF both may be, with -o -).
//
// The encoder writes the indented document once, straight through
// safeJSONWriter to w: no copy of the whole document is made for the
// escapes below (a 20,000-operation API's report is megabytes, and each
// copy was held at once at the end of the scan).
func writeIndentedJSON(w io.Writer, v any) error {
	buf := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(safeJSONWriter{buf})
	enc.SetIndent("", "  ")
	// Encode ends the document with the one newline.
	if err := enc.Encode(v); err != nil {
		return err
	}
	return buf.Flush()
}

// safeJSONWriter writes encoding/json's output with the characters a CI
// log or a terminal may act on escaped, which is safe because outside
// strings JSON has only ASCII and none of them:
//   - "##[" anywhere in a line: the runner acts on it; inside a string
//     \u0023 means the same "#";
//   - DEL, the one ASCII control character encoding/json leaves raw;
//   - the characters a terminal may act on (C1 controls such as the
//     one-byte CSI U+009B, bidi and other format characters), written as
//     \uXXXX escapes.
//
// Each Write must hold whole runes and whole "##[" (json.Encoder writes
// its document in one call).
type safeJSONWriter struct{ w io.Writer }

// Write writes data with the escapes, the runs between them as they are.
func (s safeJSONWriter) Write(data []byte) (int, error) {
	var esc []byte
	run := 0
	for i := 0; i < len(data); {
		size := 1
		esc = esc[:0]
		switch r, n := utf8.DecodeRune(data[i:]); {
		case data[i] == '#' && bytes.HasPrefix(data[i:], []byte(legacyWorkflowCommand)):
			esc, size = append(esc, `#\u0023[`...), len(legacyWorkflowCommand)
		case data[i] == asciiDEL:
			esc = append(esc, `\u007f`...)
		case r >= utf8.RuneSelf && unsafeRune(r):
			esc, size = appendRuneEscape(esc, r), n
		default:
			i += n
			continue
		}
		if _, err := s.w.Write(data[run:i]); err != nil {
			return run, err
		}
		if _, err := s.w.Write(esc); err != nil {
			return i, err
		}
		i += size
		run = i
	}
	if _, err := s.w.Write(data[run:]); err != nil {
		return run, err
	}
	return len(data), nil
}

// appendRuneEscape appends r as a JSON \uXXXX escape, a surrogate pair
// outside the Basic Multilingual Plane.
func appendRuneEscape(out []byte, r rune) []byte {
	if r1, r2 := utf16.EncodeRune(r); r1 != utf8.RuneError {
		return fmt.Appendf(out, `\u%04x\u%04x`, r1, r2)
	}
	return fmt.Appendf(out, `\u%04x`, r)
}
