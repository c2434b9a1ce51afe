package safety_test

import (
	"testing"

	"github.com/authgate/authgate/scanner/safety"
)

// Reviewer C, issue 12 round 2: lost coverage of the widened
// state-change screen on correct APIs.

// TestReview12CNounSummariesAreReads pins lost coverage of 512b9e1's new
// weak verbs (scanner/safety/statechange.go: stateVerbs change, mark,
// retry, revert, close, end, join, undo, read by proseVerb/leadingVerb
// with -s forms): a summary's first word is taken for its verb even when
// the sentence is a noun phrase, so described reads of real APIs —
// "Changes since a revision" (CouchDB's _changes feed), "Marks of a
// student", "Retries of failed webhooks", "End of day report" — are
// skipped in safe mode as state-changing GETs: every rule loses them. The
// path screen already reads these routes as the nouns they are
// (/api/changes, /api/marks, /api/retries). Expected: none of these GETs
// is classed as state-changing — an -s form or a base form directly
// followed by a preposition (of, since, in, for) is a noun, not a verb
// ("Changes the password" has its object after it); the twins, summaries
// of routes that do act, still are. (Verb-or-noun pairs such as "Close
// prices" / "Close account" are left alone: the words cannot tell.)
func TestReview12CNounSummariesAreReads(t *testing.T) {
	reads := []safety.Operation{
		{Method: "GET", Path: "/api/changes", Summary: "Changes since a revision"},
		{Method: "GET", Path: "/api/students/{id}/marks", Summary: "Marks of a student"},
		{Method: "GET", Path: "/api/webhooks/retries", Summary: "Retries of failed webhooks"},
		{Method: "GET", Path: "/api/reverts", Summary: "Reverts in the history"},
		{Method: "GET", Path: "/api/reports/eod", Summary: "End of day report"},
	}
	for _, op := range reads {
		if where, hit, ok := safety.StateChangingGET(op); ok {
			t.Errorf("GET %s (%q) classed as state-changing by its %s (%q): a described read is skipped in safe mode", op.Path, op.Summary, where, hit.Word)
		}
	}
	acts := []safety.Operation{
		{Method: "GET", Path: "/api/notifications/all", Summary: "Mark all notifications as read"},
		{Method: "GET", Path: "/api/jobs/{id}/again", Summary: "Retry a failed job"},
		{Method: "GET", Path: "/api/tickets/{id}/done", Summary: "Close the ticket"},
		{Method: "GET", Path: "/api/session/bye", Summary: "End the current session"},
		{Method: "GET", Path: "/api/users/{id}/pw", Summary: "Changes the user's password"},
		{Method: "GET", Path: "/api/messages/{id}/flag", Summary: "Marks the message as spam"},
	}
	for _, op := range acts {
		if _, _, ok := safety.StateChangingGET(op); !ok {
			t.Errorf("twin: GET %s (%q) should stay state-changing", op.Path, op.Summary)
		}
	}
}
