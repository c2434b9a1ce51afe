package lazyre

import (
	"regexp"
	"strings"
	"testing"
)

// TestFoldBufferBoundaries: a case-insensitive pattern answers as the
// compiled one does on inputs at each lowering buffer's edge (the 64-byte
// and the 1 KiB stack buffers, and past them), with the literal in upper
// case at the very start or end, cut by the edge, after non-ASCII letters
// (é, İ, whose Unicode lower case is longer) and with the Kelvin sign.
func TestFoldBufferBoundaries(t *testing.T) {
	pats := []string{`(?i)forbidden`, `(?i)key`, `(?i)^(secret|token)$`}
	fills := []string{"a", "é", "İ", "\xff"}
	words := []string{"FORBIDDEN", "forbidden", "FORBIDDE", "KEY", "\u212AEY", "SECRET", "Token"}
	for _, p := range pats {
		lazy, want := New(p), regexp.MustCompile(p)
		for _, n := range []int{smallFoldBuf - 1, smallFoldBuf, smallFoldBuf + 1, foldBuf - 1, foldBuf, foldBuf + 1} {
			for _, fill := range fills {
				for _, w := range words {
					pad := strings.Repeat(fill, n)
					for _, s := range []string{
						w + pad[:max(0, n-len(w))],            // word first, n bytes in all
						pad[:max(0, n-len(w))] + w,            // word last, n bytes in all
						pad[:max(0, n-len(w)/2)] + w,          // word cut by the edge
						w[:len(w)/2] + pad[:max(0, n-len(w))], // half a word
						w,
					} {
						if got, exp := lazy.MatchString(s), want.MatchString(s); got != exp {
							t.Errorf("%s on %d bytes (%q...%q): MatchString = %v, want %v", p, len(s), head(s), tail(s), got, exp)
						}
					}
				}
			}
		}
	}
}

func head(s string) string { return s[:min(len(s), 12)] }
func tail(s string) string { return s[max(0, len(s)-12):] }
