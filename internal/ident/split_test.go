package ident

import (
	"slices"
	"strings"
	"testing"
	"unicode"
)

// splitRunes is split as first written: every word copied from its
// runes. split takes ASCII words from the string instead (issue 13).
func splitRunes(rs []rune, digitsApart bool) []string {
	var out []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	for i, r := range rs {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			flush()
			continue
		}
		if len(cur) > 0 {
			prev := rs[i-1]
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			switch {
			case digitsApart && unicode.IsDigit(prev) != unicode.IsDigit(r):
				flush()
			case unicode.IsUpper(r) && (unicode.IsLower(prev) || unicode.IsDigit(prev) || unicode.IsUpper(prev) && nextLower):
				flush()
			}
		}
		cur = append(cur, r)
	}
	flush()
	return out
}

// FuzzSplit compares Words and Tokens with the rune-copying split, on
// ASCII, non-ASCII and invalid UTF-8 alike.
func FuzzSplit(f *testing.F) {
	for _, s := range []string{"resetPassword", "JWTSecret", "create_db-v2", "créditCard", "ABé", "a\xffB", "\xff\xfe", "x2ABc", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := Words(s), splitRunes([]rune(s), false); !slices.Equal(got, want) {
			t.Errorf("Words(%q) = %q, want %q", s, got, want)
		}
		rs := []rune(s)
		for i, r := range rs {
			if r > unicode.MaxASCII {
				rs[i] = ' '
			}
		}
		if got, want := Tokens(s), splitRunes(rs, true); !slices.Equal(got, want) {
			t.Errorf("Tokens(%q) = %q, want %q", s, got, want)
		}
	})
}
