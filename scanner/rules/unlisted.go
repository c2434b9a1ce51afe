package rules

import "github.com/authgate/authgate/scanner"

// The rules below judge the endpoints discovery found beyond the
// description (scanner.UnlistedJudge): they decide from the answer alone.
// The rules that rely on what the description says of a route (that it is
// protected, that its parameter selects someone's object) never see them.
//
// verbose-error-disclosure is not one of them, although it too reads
// answers: it needs an error answer, and discovery keeps only endpoints
// that answer 2xx to a parameterless GET, with no parameter to malform.
// Keeping error answers instead would report the server's catch-all once
// per path tried (Juice Shop answers every unknown /rest path with the
// same 500 and stack trace), and listing the rule without them would
// claim in coverage a check that cannot fire.

// JudgesUnlisted implements scanner.UnlistedJudge.
func (CredentialsInResponse) JudgesUnlisted() {}

var _ scanner.UnlistedJudge = CredentialsInResponse{}
