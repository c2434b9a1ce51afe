package rules

import "github.com/authgate/authgate/scanner/rules/wordlist"

// Option configures the rules of one scan, from what the user gave
// (All, JWTRules). The zero set of options is the default scan.
type Option func(*settings)

// settings is what the options set.
type settings struct {
	// jwtWordlist is tried before the built-in weak-secret list
	// (--jwt-wordlist); nil: none.
	jwtWordlist *wordlist.List
}

func collect(opts []Option) settings {
	var s settings
	for _, o := range opts {
		o(&s)
	}
	return s
}

// WithJWTWordlist makes jwt-weak-hmac-secret try l's keys, in order,
// before the built-in list.
func WithJWTWordlist(l *wordlist.List) Option {
	return func(s *settings) { s.jwtWordlist = l }
}
