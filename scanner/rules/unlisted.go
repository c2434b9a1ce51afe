package rules

import "github.com/authgate/authgate/scanner"

// The rules below judge the endpoints discovery found beyond the
// description (scanner.UnlistedJudge): they decide from the answer alone.
// The rules that rely on what the description says of a route (that it is
// protected, that its parameter selects someone's object) never see them.

// JudgesUnlisted implements scanner.UnlistedJudge.
func (CredentialsInResponse) JudgesUnlisted() {}

// JudgesUnlisted implements scanner.UnlistedJudge.
func (VerboseErrorDisclosure) JudgesUnlisted() {}

var (
	_ scanner.UnlistedJudge = CredentialsInResponse{}
	_ scanner.UnlistedJudge = VerboseErrorDisclosure{}
)
