package safety

import "testing"

// TestStateChangeNounSummaries: a weak verb's form that opens a summary
// and is followed directly by "of" or "since" (or, for an -s or -ing
// form, "in") heads a noun phrase and the route reads; followed by its
// object, a preposition verbs take (to, from, for, with) or nothing, it
// stays the route's action. Strong verbs act whatever follows them.
func TestStateChangeNounSummaries(t *testing.T) {
	checkReads(t, []Operation{
		{Path: "/x", Summary: "Changes since a revision"},
		{Path: "/x", Summary: "Marks of a student"},
		{Path: "/x", Summary: "Retries of failed webhooks"},
		{Path: "/x", Summary: "Reverts in the history"},
		{Path: "/x", Summary: "End of day report"},
		{Path: "/x", Summary: "Closing of the books"},
		{Path: "/x", Description: "Transfers since the first of the month, newest first."},
		{Path: "/x", Summary: "Refunds of an order, newest first"},
	})
	checkStateChanges(t, []stateChangeCase{
		{Operation{Path: "/x", Summary: "Changes the user's password"}, "summary", "changes"},
		{Operation{Path: "/x", Summary: "Mark all notifications as read"}, "summary", "mark"},
		{Operation{Path: "/x", Summary: "End the current session"}, "summary", "end"},
		{Operation{Path: "/x", Summary: "Closes account"}, "summary", "closes"},
		{Operation{Path: "/x", Summary: "Retry"}, "summary", "retry"},
		// A base form before "in" is an order.
		{Operation{Path: "/x", Summary: "Pay in full"}, "summary", "pay"},
		{Operation{Path: "/x", Summary: "Run in the background"}, "summary", "run"},
		// Verbs take to, from, for and with.
		{Operation{Path: "/x", Summary: "Subscribes to a topic"}, "summary", "subscribes"},
		{Operation{Path: "/x", Summary: "Imports from CSV"}, "summary", "imports"},
		{Operation{Path: "/x", Summary: "Vote for a post"}, "summary", "vote"},
		{Operation{Path: "/x", Summary: "Syncs with the remote"}, "summary", "syncs"},
		// Strong verbs act wherever.
		{Operation{Path: "/x", Summary: "Reset of the database"}, "summary", "reset"},
		{Operation{Path: "/x", Summary: "Drops since the last backup"}, "summary", "drops"},
		// The path still speaks when the summary is a noun phrase.
		{Operation{Path: "/api/session/end", Summary: "End of the session"}, "path", "end"},
	})
}
