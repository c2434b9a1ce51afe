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
	// jwtPublicKeys are the user's key files (--jwt-public-key), tried
	// by jwt-alg-confusion before the keys the target serves.
	jwtPublicKeys []JWTKeyFile
}

func collect(opts []Option) settings {
	var s settings
	for _, o := range opts {
		o(&s)
	}
	return s
}

// WithJWTPublicKeys gives jwt-alg-confusion the user's key files, tried
// before the keys the target serves.
func WithJWTPublicKeys(files ...JWTKeyFile) Option {
	return func(s *settings) { s.jwtPublicKeys = append(s.jwtPublicKeys, files...) }
}

// WithJWTWordlist makes jwt-weak-hmac-secret try l's keys, in order,
// before the built-in list.
func WithJWTWordlist(l *wordlist.List) Option {
	return func(s *settings) { s.jwtWordlist = l }
}
