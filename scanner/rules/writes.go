package rules

import "github.com/authgate/authgate/scanner"

// WriteRules are the rules of active mode that write (issue 11): each acts
// only on objects and accounts the scan created, through scanner.Writes.
// They run after the other API rules; the engine deletes what they created
// when they are done.
func WriteRules() []scanner.APIRule {
	return []scanner.APIRule{MassAssignment{}, WriteAuthnMissing{}, WriteBFLA{}, CrossUserWrite{}, CrossUserPassword{}}
}
