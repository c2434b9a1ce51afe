package rules

import (
	"strings"
	"testing"
)

// TestDrawsUniform: over every byte value once (the largest first), each
// character of a set is drawn equally often, and the bytes past the
// largest multiple of the set's size are passed over, not mapped.
func TestDrawsUniform(t *testing.T) {
	for _, set := range []string{lowerChars, upperChars, digitChars} {
		all := make([]byte, 256)
		for i := range all {
			all[i] = byte(255 - i)
		}
		d := draws{buf: all}
		count := map[byte]int{}
		draws := 256 / len(set) * len(set)
		for range draws {
			count[d.char(set)]++
		}
		if len(d.buf) != 0 {
			t.Errorf("set %q: %d bytes left after %d draws; want the rejected ones read too", set, len(d.buf), draws)
		}
		for _, c := range []byte(set) {
			if count[c] != 256/len(set) {
				t.Errorf("set %q: %q drawn %d times of %d, want %d", set, c, count[c], draws, 256/len(set))
			}
		}
	}
}

// TestSameShape: the spoiled value keeps the value's length and
// separators and each character's class, and differs from it.
func TestSameShape(t *testing.T) {
	v := "eyJhbGciOi.Jz-12_ab9Z"
	for range 50 {
		got := sameShape(v)
		if got == v || len(got) != len(v) {
			t.Fatalf("sameShape(%q) = %q", v, got)
		}
		for i := range len(v) {
			a, b := v[i], got[i]
			class := func(c byte) string {
				switch {
				case strings.IndexByte(lowerChars, c) >= 0:
					return "lower"
				case strings.IndexByte(upperChars, c) >= 0:
					return "upper"
				case strings.IndexByte(digitChars, c) >= 0:
					return "digit"
				}
				return string(c)
			}
			if class(a) != class(b) {
				t.Fatalf("sameShape(%q) = %q: position %d is %q, was %q", v, got, i, b, a)
			}
		}
	}
}
