// Package ident reads identifiers as words: JSON keys, parameter and
// property names, path segments and operation ids. The scanner decides
// what a name means by its words (resetPassword and reset_password are
// both "reset password"), so every place that does must split alike.
package ident

import (
	"strings"
	"unicode"
)

// Words splits s into lower-case words at every character that is neither
// a letter nor a digit and at camel-case boundaries: resetPassword,
// reset-password, RESET_PASSWORD give [reset password]; an acronym ends
// before the capital that opens the next word (JWTSecret: [jwt secret]).
// Digits stay with the letters before them (oauth2Token: [oauth2 token],
// 2fa: [2fa]), so names read as the words people write.
func Words(s string) []string {
	return split(s, []rune(s), false)
}

// Tokens splits s like Words, but letters and digits are words apart
// (create_db-v2: [create db v 2], 2fa: [2 fa]) and only ASCII letters and
// digits count, others separate. The safety screen reads path segments
// and operation ids this way, so a version or a count glued to a verb
// (reset2, v2reset) does not hide it.
func Tokens(s string) []string {
	rs := []rune(s)
	for i, r := range rs {
		if r > unicode.MaxASCII {
			rs[i] = ' '
		}
	}
	return split(s, rs, true)
}

// split is Words of s, read as rs, with digitsApart Tokens' digit
// boundaries. A word is a run rs[start:i] of letters and digits. When s
// has one byte per rune, a word is also s[start:i] (a byte that is not
// ASCII is then an invalid one, read as a separator), and is taken from s
// without a copy unless it must be lower-cased: the scan splits the keys
// of every answer, and most are lower-case ASCII.
func split(s string, rs []rune, digitsApart bool) []string {
	var out []string
	start := 0
	fromS := len(rs) == len(s)
	flush := func(end int) {
		if end > start {
			var w string
			if fromS {
				w = s[start:end]
			} else {
				w = string(rs[start:end])
			}
			out = append(out, strings.ToLower(w))
		}
		start = end
	}
	for i, r := range rs {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			flush(i)
			start = i + 1
			continue
		}
		if i > start {
			prev := rs[i-1]
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			switch {
			case digitsApart && unicode.IsDigit(prev) != unicode.IsDigit(r):
				// v2, 2fa
				flush(i)
			case unicode.IsUpper(r) && (unicode.IsLower(prev) || unicode.IsDigit(prev) || unicode.IsUpper(prev) && nextLower):
				// fooBar, foo2Bar, and the last capital of an
				// acronym before a word (JWTSecret: JWT, Secret).
				flush(i)
			}
		}
	}
	flush(len(rs))
	return out
}
