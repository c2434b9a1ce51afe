package config

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalid is wrapped by every error this package returns: the
// configuration (file, flags or inputs) is the caller's to fix, which the
// CLI reports as exit code 2 with errors.Is(err, ErrInvalid).
var ErrInvalid = errors.New("invalid configuration")

// invalidError carries its own one-line message and matches ErrInvalid
// without repeating "invalid configuration" in every message.
type invalidError struct{ err error }

func (e *invalidError) Error() string        { return e.err.Error() }
func (e *invalidError) Unwrap() error        { return e.err }
func (e *invalidError) Is(target error) bool { return target == ErrInvalid }

// Invalidf formats an error (with %w, as fmt.Errorf) that wraps
// ErrInvalid, for callers such as the flag parser that find configuration
// errors of their own.
func Invalidf(format string, a ...any) error {
	return &invalidError{fmt.Errorf(format, a...)}
}

func invalidf(format string, a ...any) error { return Invalidf(format, a...) }

// Problems is what Validate returns: every problem found, so that a user
// fixes them in one round trip. Its message keeps them on one line.
type Problems []error

// Error joins the problems with "; ".
func (p Problems) Error() string {
	msgs := make([]string, len(p))
	for i, e := range p {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "; ")
}

// Unwrap exposes each problem to errors.Is and errors.As.
func (p Problems) Unwrap() []error { return p }

// Is makes even an empty Problems match ErrInvalid.
func (p Problems) Is(target error) bool { return target == ErrInvalid }
