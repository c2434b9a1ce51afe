package wordlist

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"sync"
)

//go:generate sh gen.sh

// builtinData is the built-in list, made by ./gen (see README.md): a gzip
// stream of front-coded entries, each one byte (how many leading bytes it
// shares with the entry before it), the bytes that differ, and '\n'.
// Front coding the sorted dictionary part and gzip together take the list
// to about a third of its plain gzip size.
//
//go:embed builtin.fc.gz
var builtinData []byte

// Builtin returns the built-in list of weak secrets: tutorial and
// framework-default keys first (the empty key is entry 1), then common
// passwords by frequency, then English words. It is decoded on first use
// and shared; a scan that never meets an HMAC token never pays for it.
func Builtin() *List { return builtin() }

var builtin = sync.OnceValue(func() *List {
	l, err := decode(builtinData)
	if err != nil {
		// The data is generated and tested (TestBuiltin): a failure
		// here is a broken build, not a condition to handle.
		panic("wordlist: the built-in list is corrupt: " + err.Error())
	}
	return l
})

// decode reads the front-coded, gzipped format that ./gen writes.
func decode(data []byte) (*List, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	r := bufio.NewReader(zr)
	// Sized for the built-in list (3.1 bytes of keys and 0.35 entries per
	// compressed byte), so that decoding does not grow them again and
	// again: the first HMAC token of a process pays for this.
	l := &List{data: make([]byte, 0, 4*len(data)), ends: make([]uint32, 0, len(data)/2)}
	var prev []byte
	for {
		shared, err := r.ReadByte()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		rest, err := r.ReadSlice('\n')
		if err != nil {
			return nil, fmt.Errorf("entry %d: %w", l.Len()+1, err)
		}
		if int(shared) > len(prev) {
			return nil, fmt.Errorf("entry %d shares %d bytes with a %d-byte entry", l.Len()+1, shared, len(prev))
		}
		start := len(l.data)
		l.data = append(l.data, prev[:shared]...)
		l.data = append(l.data, rest[:len(rest)-1]...)
		l.ends = append(l.ends, uint32(len(l.data)))
		prev = l.data[start:]
	}
	if err := zr.Close(); err != nil {
		return nil, err
	}
	return l, nil
}

// Encode writes l in the format decode reads. An entry must not hold '\n'.
func Encode(w io.Writer, l *List) error {
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(zw)
	var prev []byte
	for i := range l.Len() {
		e := l.At(i)
		if bytes.IndexByte(e, '\n') >= 0 {
			return fmt.Errorf("entry %d holds a line break", i+1)
		}
		shared := 0
		for shared < min(len(prev), len(e), 255) && prev[shared] == e[shared] {
			shared++
		}
		bw.WriteByte(byte(shared))
		bw.Write(e[shared:])
		bw.WriteByte('\n')
		prev = e
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return zw.Close()
}
