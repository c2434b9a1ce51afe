package safety

import "testing"

// TestStateChangeAccountWords: routes that change a password, close an
// account, mark things read or end a session act, by path (kebab, snake,
// camelCase or glued), operationId or summary; safe mode must not send
// them with valid credentials, and discovery must not try them.
func TestStateChangeAccountWords(t *testing.T) {
	changes := []stateChangeCase{
		{Operation{Path: "/rest/user/change-password"}, "path", "change"},
		{Operation{Path: "/api/account/change_password"}, "path", "change"},
		{Operation{Path: "/api/account/changePassword"}, "path", "change"},
		{Operation{Path: "/api/changepassword"}, "path", "changepassword"},
		{Operation{Path: "/api/password/change"}, "path", "change"},
		{Operation{Path: "/api/users/{id}/change-email"}, "path", "change"},
		{Operation{Path: "/api/account/close"}, "path", "close"},
		{Operation{Path: "/api/tickets/{id}/close"}, "path", "close"},
		{Operation{Path: "/api/tickets/{id}/reopen"}, "path", "reopen"},
		{Operation{Path: "/api/notifications/mark-all-read"}, "path", "mark"},
		{Operation{Path: "/api/messages/{id}/mark-read"}, "path", "mark"},
		{Operation{Path: "/api/invoices/{id}/mark_as_paid"}, "path", "mark"},
		{Operation{Path: "/api/notifications/markAllRead"}, "path", "mark"},
		{Operation{Path: "/api/session/end"}, "path", "end"},
		{Operation{Path: "/oidc/end-session"}, "path", "end"},
		{Operation{Path: "/connect/endsession"}, "path", "endsession"},
		{Operation{Path: "/api/orders/{id}/submit"}, "path", "submit"},
		{Operation{Path: "/api/coupons/{code}/redeem"}, "path", "redeem"},
		{Operation{Path: "/api/groups/{id}/join"}, "path", "join"},
		{Operation{Path: "/api/issues/{id}/assign"}, "path", "assign"},
		{Operation{Path: "/api/invites/{id}/decline"}, "path", "decline"},
		{Operation{Path: "/api/alerts/{id}/dismiss"}, "path", "dismiss"},
		{Operation{Path: "/api/jobs/{id}/retry"}, "path", "retry"},
		{Operation{Path: "/api/edits/{id}/undo"}, "path", "undo"},
		{Operation{Path: "/rest/repeat-notification"}, "path", "repeat"},
		{Operation{Path: "/x", OperationID: "changePassword"}, "operationId", "change"},
		{Operation{Path: "/x", OperationID: "closeAccount"}, "operationId", "close"},
		{Operation{Path: "/x", OperationID: "endSession"}, "operationId", "end"},
		{Operation{Path: "/x", OperationID: "markAllNotificationsRead"}, "operationId", "mark"},
		{Operation{Path: "/x", Summary: "Changes the user's password"}, "summary", "changes"},
		{Operation{Path: "/x", Summary: "Closes the account"}, "summary", "closes"},
		{Operation{Path: "/x", Summary: "Marks all notifications as read"}, "summary", "marks"},
		{Operation{Path: "/x", Summary: "Ends the current session"}, "summary", "ends"},
	}
	checkStateChanges(t, changes)
}

// TestStateChangeAccountWordsNegatives: the new verbs are matched as whole
// words of a segment, never inside another word, and not where they name a
// thing: each of these only reads and a skipped read is lost coverage.
func TestStateChangeAccountWordsNegatives(t *testing.T) {
	reads := []Operation{
		{Path: "/weekend"},
		{Path: "/calendar"},
		{Path: "/api/calendar/events"},
		{Path: "/closet"},
		{Path: "/api/closets/{id}"},
		{Path: "/trademark"},
		{Path: "/api/bookmarks"},
		{Path: "/backend"},
		{Path: "/api/backend/status"},
		{Path: "/api/legend"},
		{Path: "/api/pending"},
		{Path: "/api/exchange-rates"},
		{Path: "/api/exchange"},
		{Path: "/api/changes"},
		{Path: "/api/change-log"},
		{Path: "/api/changelog"},
		{Path: "/api/change-requests/{id}"},
		{Path: "/api/end-users"},
		{Path: "/api/enduser/{id}"},
		{Path: "/api/endpoints"},
		{Path: "/api/end-date"},
		{Path: "/api/close-friends"},
		{Path: "/api/closed-tickets"},
		{Path: "/api/markup"},
		{Path: "/api/marketing/campaigns"},
		{Path: "/api/submissions"},
		{Path: "/api/assignments/{id}"},
		{Path: "/api/attachments"},
		{Path: "/api/join-requests"},
		{Path: "/api/password-policy"},
		{Path: "/api/sessions"},
		{Path: "/api/sessions/{id}"},
		{Path: "/x", OperationID: "getPasswordChangeStatus"},
		{Path: "/x", OperationID: "listEndpoints"},
		{Path: "/x", Summary: "End users of the tenant"},
		{Path: "/x", Summary: "Returns the change log"},
		{Path: "/x", Summary: "Lists closed tickets"},
	}
	checkReads(t, reads)
}

// TestStateChangeSessionNameWins: a route whose path says "end" and whose
// operationId says "logout" is a logout: active mode keeps it for the
// logout rule, as it did before "end" was a verb. Without a session word
// the first name that speaks is quoted.
func TestStateChangeSessionNameWins(t *testing.T) {
	for _, tt := range []struct {
		op         Operation
		where, say string
		session    bool
	}{
		{Operation{Path: "/session/end", OperationID: "logoutUser"}, "operationId", "logout", true},
		{Operation{Path: "/session/end", Summary: "Logs out the caller"}, "summary", "logs out", true},
		{Operation{Path: "/session/end", OperationID: "endSession"}, "path", "end", false},
		{Operation{Path: "/api/reset", OperationID: "resetAll"}, "path", "reset", false},
	} {
		where, hit, ok := StateChange(tt.op)
		if !ok || where != tt.where || hit.Word != tt.say || hit.EndsSession() != tt.session {
			t.Errorf("%s %q %q: got (%q, %q, session %v, %v), want (%q, %q, session %v)", tt.op.Path, tt.op.OperationID, tt.op.Summary,
				where, hit.Word, hit.EndsSession(), ok, tt.where, tt.say, tt.session)
		}
	}
}
