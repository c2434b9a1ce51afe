package scanner

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// TestReadAtMost: the presized read returns what io.ReadAll of a
// LimitReader returns (bytes and error), whatever the announced size
// (right, short, long, unknown) and however the reader hands them out.
func TestReadAtMost(t *testing.T) {
	errCut := errors.New("connection reset")
	for _, n := range []int{0, 1, 511, 512, 513, 5000} {
		data := strings.Repeat("abcdefghij", n/10+1)[:n]
		for _, limit := range []int64{1, 100, 512, 4096, 1 << 20} {
			for _, size := range []int64{-1, 0, int64(n), int64(n) - 1, int64(n) + 7, 1 << 30} {
				readers := map[string]func() io.Reader{
					"plain":   func() io.Reader { return strings.NewReader(data) },
					"onebyte": func() io.Reader { return iotest.OneByteReader(strings.NewReader(data)) },
					"half":    func() io.Reader { return iotest.HalfReader(strings.NewReader(data)) },
					"dataerr": func() io.Reader { return iotest.DataErrReader(strings.NewReader(data)) },
					"cut":     func() io.Reader { return io.MultiReader(strings.NewReader(data), iotest.ErrReader(errCut)) },
				}
				for name, r := range readers {
					want, wantErr := io.ReadAll(io.LimitReader(r(), limit))
					got, err := readAtMost(r(), limit, size)
					if !bytes.Equal(got, want) || !errors.Is(err, wantErr) && err != wantErr {
						t.Fatalf("%s n=%d limit=%d size=%d: %d bytes, %v; io.ReadAll: %d bytes, %v", name, n, limit, size, len(got), err, len(want), wantErr)
					}
				}
			}
		}
	}
}
