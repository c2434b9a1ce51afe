package wordlist

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestBuiltin: the embedded list decodes, is large, holds no duplicate,
// starts with the empty key and the historical first entries (findings
// name keys by entry), and holds the keys of known vulnerable APIs.
func TestBuiltin(t *testing.T) {
	l := Builtin()
	if l.Len() < 100_000 {
		t.Fatalf("built-in list has %d entries, want at least 100,000", l.Len())
	}
	seen := make(map[string]int, l.Len())
	for i := range l.Len() {
		e := string(l.At(i))
		if j, dup := seen[e]; dup {
			t.Fatalf("entry %d %q repeats entry %d", i+1, e, j+1)
		}
		if strings.ContainsAny(e, "\r\n") {
			t.Fatalf("entry %d %q holds a line break", i+1, e)
		}
		seen[e] = i
	}
	for i, want := range []string{"", "secret", "Secret", "SECRET"} {
		if got := string(l.At(i)); got != want {
			t.Errorf("entry %d = %q, want %q", i+1, got, want)
		}
	}
	// VAmPI signs with "random" (issue 12); the others are tutorial and
	// framework defaults, a common password and a dictionary word.
	for _, key := range []string{"random", "your-256-bit-secret", "keyboard cat", "supersecret", "changeit",
		"you-will-never-guess", "a-string-secret-at-least-256-bits-long", "iloveyou", "sunshine", "tangerine"} {
		if _, ok := seen[key]; !ok {
			t.Errorf("%q is not in the built-in list", key)
		}
	}
	if l.Line(0) != 0 {
		t.Errorf("built-in entries have a line: %d", l.Line(0))
	}
}

// TestEncodeDecode: the generator's format round-trips any entries,
// including shared prefixes longer than the one-byte count allows.
func TestEncodeDecode(t *testing.T) {
	long := strings.Repeat("a", 300)
	in := Of("", "abc", "abcd", "abd", "", "zz\xff\x00", long, long+"b", "b", "é")
	var buf bytes.Buffer
	if err := Encode(&buf, in); err != nil {
		t.Fatal(err)
	}
	out, err := decode(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(entries(out), entries(in)) {
		t.Fatalf("decoded %q, want %q", entries(out), entries(in))
	}
	if err := Encode(io.Discard, Of("a\nb")); err == nil {
		t.Fatal("an entry with a line break was encoded")
	}
	if _, err := decode([]byte("not gzip")); err == nil {
		t.Fatal("garbage decoded")
	}
}

func entries(l *List) []string {
	var out []string
	for i := range l.Len() {
		out = append(out, string(l.At(i)))
	}
	return out
}

// TestFirst: the earliest matching entry wins, at any GOMAXPROCS, with
// matches spread over many chunks so that workers race for them.
func TestFirst(t *testing.T) {
	keys := make([]string, 5*chunk+17)
	index := map[string]int{}
	for i := range keys {
		keys[i] = strconv.Itoa(i)
		index[keys[i]] = i
	}
	l := Of(keys...)
	tests := []struct {
		name  string
		match func(i int) bool
		want  int
	}{
		{"none", func(int) bool { return false }, -1},
		{"first", func(int) bool { return true }, 0},
		{"last", func(i int) bool { return i == len(keys)-1 }, len(keys) - 1},
		{"several, in later chunks", func(i int) bool { return i == 3*chunk+5 || i == chunk+9 || i == 4*chunk }, chunk + 9},
		{"every entry of the last chunks", func(i int) bool { return i >= 2*chunk-1 }, 2*chunk - 1},
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 2, 8} {
		runtime.GOMAXPROCS(procs)
		for _, tt := range tests {
			for range 20 {
				got := l.First(func() func([]byte) bool {
					return func(k []byte) bool { return tt.match(index[string(k)]) }
				})
				if got != tt.want {
					t.Fatalf("GOMAXPROCS %d, %s: First = %d, want %d", procs, tt.name, got, tt.want)
				}
			}
		}
	}
	if got := (*List)(nil).First(func() func([]byte) bool { return func([]byte) bool { return true } }); got != -1 {
		t.Fatalf("nil list: First = %d", got)
	}
}

// TestRead: a user's file keeps each line's exact bytes but its line
// ending, skips empty lines and a leading byte order mark, and numbers
// entries by their line.
func TestRead(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		want  []string
		lines []int
	}{
		{"LF", "random\nsecret\n", []string{"random", "secret"}, []int{1, 2}},
		{"CRLF", "random\r\nsecret\r\n", []string{"random", "secret"}, []int{1, 2}},
		{"BOM and CRLF", "\ufeffrandom\r\nsecret", []string{"random", "secret"}, []int{1, 2}},
		{"BOM only at the start", "a\n\ufeffb\n", []string{"a", "\ufeffb"}, []int{1, 2}},
		{"empty lines skipped, lines kept", "\n\r\nrandom\n\n  spaced key  \n", []string{"random", "  spaced key  "}, []int{3, 5}},
		{"no final line break", "a\nb", []string{"a", "b"}, []int{1, 2}},
		{"lone CR inside kept", "a\rb\n", []string{"a\rb"}, []int{1}},
		{"non-UTF-8 bytes kept", "caf\xe9\n", []string{"caf\xe9"}, []int{1}},
		{"longest line", strings.Repeat("k", MaxEntryBytes) + "\r\n", []string{strings.Repeat("k", MaxEntryBytes)}, []int{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, more, err := Read(strings.NewReader(tt.in))
			if err != nil || more {
				t.Fatalf("Read: %v, more %v", err, more)
			}
			if !slices.Equal(entries(l), tt.want) {
				t.Fatalf("entries %q, want %q", entries(l), tt.want)
			}
			for i, line := range tt.lines {
				if l.Line(i) != line {
					t.Errorf("entry %d: line %d, want %d", i+1, l.Line(i), line)
				}
			}
		})
	}
}

func TestReadErrors(t *testing.T) {
	tests := map[string]string{
		"empty file":         "",
		"only empty lines":   "\n\r\n\n",
		"line too long":      "ok\n" + strings.Repeat("k", MaxEntryBytes+1) + "\n",
		"last line too long": strings.Repeat("k", MaxEntryBytes+1),
		"binary":             "\x1f\x8b\x08\x00\x00\x00\n",
	}
	for name, in := range tests {
		if l, _, err := Read(strings.NewReader(in)); err == nil {
			t.Errorf("%s: no error, %d entries", name, l.Len())
		}
	}
	_, _, err := ReadFile(filepath.Join(t.TempDir(), "missing.txt"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// TestReadBounded: a file with more than MaxEntries keys is read only up
// to the bound, and more says that the rest was left.
func TestReadBounded(t *testing.T) {
	r := &endless{}
	l, more, err := Read(r)
	if err != nil || !more || l.Len() != MaxEntries {
		t.Fatalf("Read: %d entries, more %v, err %v", l.Len(), more, err)
	}
	if string(l.At(MaxEntries-1)) != "k" || l.Line(MaxEntries-1) != MaxEntries {
		t.Fatalf("last entry %q on line %d", l.At(MaxEntries-1), l.Line(MaxEntries-1))
	}
	// It stopped reading: far less than the endless input.
	if r.n > MaxEntries*2+64<<10 {
		t.Fatalf("read %d bytes", r.n)
	}
}

// endless is a reader of "k\n" lines without end.
type endless struct{ n int }

func (e *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = "k\n"[(e.n+i)%2]
	}
	e.n += len(p)
	return len(p), nil
}

// BenchmarkDecodeBuiltin is what the first HMAC token of a process pays
// to unpack the built-in list.
//
//	go test -run '^$' -bench DecodeBuiltin -benchmem ./scanner/rules/wordlist/
func BenchmarkDecodeBuiltin(b *testing.B) {
	for b.Loop() {
		if _, err := decode(builtinData); err != nil {
			b.Fatal(err)
		}
	}
}
