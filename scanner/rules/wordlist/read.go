package wordlist

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
)

// Bounds on a user's wordlist. A file is read as a stream and reading
// stops at MaxEntries keys or MaxBytes of them, so a huge file (a
// multi-gigabyte leak) costs bounded memory and a bounded crack time; the
// rest of it is not read, and the caller says so.
const (
	// MaxEntries keeps one token's offline search within about a second
	// per core at the measured ~1 million HMAC-SHA256 keys per second
	// (docs/performance.md): one is searched at the scan's start, while
	// nothing else runs.
	MaxEntries = 1_000_000
	// MaxEntryBytes is far above any key a person types or a tutorial
	// shows (a 512-bit key in base64 is 88 bytes); a longer line means
	// the file is not one key a line.
	MaxEntryBytes = 1024
	// MaxBytes bounds the keys kept in memory: a million keys of common
	// lists average under 10 bytes.
	MaxBytes = 32 << 20
)

// utf8BOM starts files saved by some Windows editors; it is not part of
// the first key.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// ReadFile reads a user's wordlist: see Read.
func ReadFile(path string) (l *List, more bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	l, more, err = Read(f)
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", path, err)
	}
	return l, more, nil
}

// Read reads one key a line. A key is the line's exact bytes without its
// line ending ("\n" or "\r\n"): spaces and any encoding are kept, since a
// key is bytes to the HMAC. Empty lines and a UTF-8 byte order mark at the
// start are skipped. more reports that the input holds entries past
// MaxEntries or MaxBytes, which were not read. A line longer than MaxEntryBytes, a
// NUL byte (a compressed or binary file) or an input without any key is
// an error.
func Read(r io.Reader) (l *List, more bool, err error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if head, _ := br.Peek(len(utf8BOM)); bytes.Equal(head, utf8BOM) {
		br.Discard(len(utf8BOM))
	}
	l = &List{lines: []uint32{}}
	for line := 1; ; line++ {
		entry, err := readLine(br)
		if errors.Is(err, io.EOF) && entry == nil {
			break
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, false, fmt.Errorf("line %d: %w", line, err)
		}
		if bytes.IndexByte(entry, 0) >= 0 {
			return nil, false, fmt.Errorf("line %d holds a NUL byte: want a text file, one key a line (not compressed)", line)
		}
		if len(entry) == 0 {
			continue
		}
		if l.Len() == MaxEntries || len(l.data)+len(entry) > MaxBytes {
			return l, true, nil
		}
		l.add(entry)
		l.lines = append(l.lines, uint32(line))
	}
	if l.Len() == 0 {
		return nil, false, errors.New("no keys: want one key a line")
	}
	return l, false, nil
}

// errLongLine is a line longer than MaxEntryBytes.
var errLongLine = fmt.Errorf("longer than %d bytes: want one key a line", MaxEntryBytes)

// readLine returns the next line without its ending; nil and io.EOF at
// the end of the input. It never buffers more than MaxEntryBytes of one
// line.
func readLine(br *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		part, err := br.ReadSlice('\n')
		line = append(line, part...)
		if len(line) > MaxEntryBytes+2 { // +2: the line ending
			return nil, errLongLine
		}
		switch {
		case err == nil:
			line = bytes.TrimSuffix(line[:len(line)-1], []byte{'\r'})
			if len(line) > MaxEntryBytes {
				return nil, errLongLine
			}
			return line, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			if len(line) == 0 {
				return nil, io.EOF
			}
			line = bytes.TrimSuffix(line, []byte{'\r'})
			if len(line) > MaxEntryBytes {
				return nil, errLongLine
			}
			return line, nil
		default:
			return nil, err
		}
	}
}
