package scanner

import (
	"errors"
	"fmt"
	"strings"
)

// loginThrottledError is a login answered 429: the account's lockout or
// the login's rate limit. It wraps ErrScanFailed (when the scan starts,
// the scan cannot log in); after an active rule it is what the API's
// protection against the rule's logins looks like (see relogFailed).
type loginThrottledError struct {
	// what is "identity NAME: login METHOD /path".
	what string
}

func (e *loginThrottledError) Error() string {
	return fmt.Sprintf("%v: %s answered 429: the account or the login is rate-limited; try again later", ErrScanFailed, e.what)
}

func (e *loginThrottledError) Unwrap() error { return ErrScanFailed }

// relogFailed records that the throw-away identity id could not log in
// again after rule (err): the active rules after it leave it alone, and
// its coverage says so. It stays verified: it was, before the rules ran,
// and the coverage says what happened after. A 429 is the API limiting
// the logins the rules sent (login-no-rate-limit sends failed logins to
// trigger exactly that), so it is expected, not a failure, and no
// warning: the rules after it that needed id say why they did not run.
// last says rule was the last active rule. It returns the warning to
// print, "" for none.
func (s *scan) relogFailed(id *Identity, rule string, last bool, err error) string {
	id.loginFailed = true
	after := fmt.Sprintf("the active rules after it did not use %s", id.Name)
	if last {
		after = "no active rule ran after it"
	}
	var throttled *loginThrottledError
	if errors.As(err, &throttled) {
		_, login, _ := strings.Cut(throttled.what, ": login ")
		id.noteLater(s.redactor.Redact(fmt.Sprintf("locked out by %s (%s answered 429: the API rate-limits logins), as expected; %s", rule, login, after)), true)
		return ""
	}
	// The error names the identity after the sentinel ("scan failed:
	// identity mallory: login … answered 500"): the note is about it
	// already, and the sentinel is not what happened to the scan.
	msg := err.Error()
	if _, rest, ok := strings.Cut(msg, "identity "+id.Name+": "); ok {
		msg = rest
	}
	why := s.redactor.Redact(fmt.Sprintf("could not log in again after %s: %s; %s", rule, msg, after))
	id.noteLater(why, true)
	return fmt.Sprintf("identity %s %s", id.Name, why)
}
