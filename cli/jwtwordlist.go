package cli

import (
	"fmt"
	"io"

	"github.com/authgate/authgate/scanner/rules"
	"github.com/authgate/authgate/scanner/rules/wordlist"
)

// jwtWordlist reads the user's candidate JWT HMAC keys (--jwt-wordlist,
// jwtWordlist:) into the rule option that tries them before the built-in
// list; no option when none is configured. A missing or unreadable file
// is one error line (the usage exit code, before anything is sent); a
// file past wordlist.MaxEntries keys or MaxBytes is used up to the bound
// and warn, when not nil, says so.
func jwtWordlist(path string, warn io.Writer) ([]rules.Option, error) {
	if path == "" {
		return nil, nil
	}
	l, more, err := wordlist.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--jwt-wordlist: %w", err)
	}
	if more && warn != nil {
		fmt.Fprintf(warn, "authgate: warning: --jwt-wordlist %s: only its first %d keys are tried (at most %d keys or %d MiB are read)\n",
			safeText(path), l.Len(), wordlist.MaxEntries, wordlist.MaxBytes>>20)
	}
	return []rules.Option{rules.WithJWTWordlist(l)}, nil
}
