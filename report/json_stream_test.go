package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

// TestSafeJSONWriter checks each escape of the streamed JSON writer, and
// that the bytes between them are written as they are.
func TestSafeJSONWriter(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"plain", `{"a": "b"}`, `{"a": "b"}`},
		{"workflow command", `"x ##[error] y"`, `"x #\u0023[error] y"`},
		{"three hashes", `"###["`, `"##\u0023["`},
		{"two commands", `"##[a##["`, `"#\u0023[a#\u0023["`},
		{"hash alone", `"# ## #["`, `"# ## #["`},
		{"DEL", "\"a\x7fb\"", `"a\u007fb"`},
		{"C1 CSI", "\"a\u009b31m\"", `"a\u009b31m"`},
		{"bidi override", "\"\u202eevil\"", `"\u202eevil"`},
		{"outside the BMP", "\"\U000E0001\"", `"\udb40\udc01"`},
		{"harmless non-ASCII", `"café ✓"`, `"café ✓"`},
		{"escape at the end", "\"\u202e", `"\u202e`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			n, err := safeJSONWriter{&out}.Write([]byte(tc.in))
			if err != nil || n != len(tc.in) {
				t.Fatalf("Write = %d, %v; want %d, nil", n, err, len(tc.in))
			}
			if out.String() != tc.want {
				t.Errorf("wrote %s, want %s", out.String(), tc.want)
			}
		})
	}
}

// TestWriteIndentedJSONStreams checks that the streamed writer writes what
// json.MarshalIndent does, with the escapes and one newline, and that a
// failing destination is an error.
func TestWriteIndentedJSONStreams(t *testing.T) {
	v := map[string]any{"title": "##[error] \u202e", "n": []int{1, 2}, "html": "<b>&"}
	var out bytes.Buffer
	if err := writeIndentedJSON(&out, v); err != nil {
		t.Fatal(err)
	}
	plain, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	want := bytes.ReplaceAll(plain, []byte("##["), []byte(`#\u0023[`))
	want = append(bytes.ReplaceAll(want, []byte("\u202e"), []byte(`\u202e`)), '\n')
	if out.String() != string(want) {
		t.Errorf("wrote\n%s\nwant\n%s", out.String(), want)
	}
	if err := writeIndentedJSON(failingWriter{}, v); err == nil {
		t.Error("writing to a failing destination: no error")
	}
}

// failingWriter fails every write.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }
