package report

import (
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
func writeIndentedJSON(w io.Writer, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	// The runner acts on "##[" anywhere in a line. It can only occur
	// inside a string, where \u0023 means the same "#".
	data = bytes.ReplaceAll(data, []byte(legacyWorkflowCommand), []byte(`#\u0023[`))
	// DEL is the one ASCII control character encoding/json leaves raw;
	// it too can only occur inside a string.
	data = bytes.ReplaceAll(data, []byte{asciiDEL}, []byte(`\u007f`))
	data = append(escapeUnsafeRunes(data), '\n')
	_, err = w.Write(data)
	return err
}

// escapeUnsafeRunes writes the characters encoding/json leaves raw but a
// terminal may act on (C1 controls such as the one-byte CSI U+009B, bidi
// and other format characters) as \uXXXX escapes. Outside strings JSON has
// only ASCII, so this never changes what the document means.
func escapeUnsafeRunes(data []byte) []byte {
	var out []byte
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r >= utf8.RuneSelf && unsafeRune(r) {
			if out == nil {
				out = append(make([]byte, 0, len(data)+64), data[:i]...)
			}
			if r1, r2 := utf16.EncodeRune(r); r1 != utf8.RuneError {
				out = fmt.Appendf(out, `\u%04x\u%04x`, r1, r2)
			} else {
				out = fmt.Appendf(out, `\u%04x`, r)
			}
		} else if out != nil {
			out = append(out, data[i:i+size]...)
		}
		i += size
	}
	if out == nil {
		return data
	}
	return out
}
