package safety

import "testing"

// TestStateChangeNames: GET routes that act are recognised by their path,
// operationId, summary or description, as words; routes that only read
// are not, even when a verb hides inside a word (preset, asset) or names a
// thing (/checkout/sessions, "Returns the list of charges").
func TestStateChangeNames(t *testing.T) {
	changes := []stateChangeCase{
		{Operation{Path: "/createdb"}, "path", "createdb"},
		{Operation{Path: "/create-db"}, "path", "create"},
		{Operation{Path: "/db/create"}, "path", "create"},
		{Operation{Path: "/api/seed"}, "path", "seed"},
		{Operation{Path: "/resetDB"}, "path", "reset"},
		{Operation{Path: "/dropdb"}, "path", "dropdb"},
		{Operation{Path: "/initdb"}, "path", "initdb"},
		{Operation{Path: "/admin/db_init"}, "path", "init"},
		{Operation{Path: "/dbseed"}, "path", "dbseed"},
		{Operation{Path: "/api/v1/cache/clear"}, "path", "clear"},
		{Operation{Path: "/clearcache"}, "path", "clearcache"},
		{Operation{Path: "/flushall"}, "path", "flushall"},
		{Operation{Path: "/api/populate"}, "path", "populate"},
		{Operation{Path: "/reset/all"}, "path", "reset"},
		{Operation{Path: "/drop/tables/{name}"}, "path", "drop"},
		{Operation{Path: "/logout"}, "path", "logout"},
		{Operation{Path: "/auth/sign-out"}, "path", "sign-out"},
		{Operation{Path: "/auth/log_out"}, "path", "log-out"},
		{Operation{Path: "/setup"}, "path", "setup"},
		{Operation{Path: "/install"}, "path", "install"},
		{Operation{Path: "/orders/{id}/cancel"}, "path", "cancel"},
		{Operation{Path: "/users/{id}/delete"}, "path", "delete"},
		{Operation{Path: "/unsubscribe"}, "path", "unsubscribe"},
		{Operation{Path: "/email/send"}, "path", "send"},
		{Operation{Path: "/sendmail"}, "path", "sendmail"},
		{Operation{Path: "/pay"}, "path", "pay"},
		{Operation{Path: "/cart/checkout"}, "path", "checkout"},
		{Operation{Path: "/v1/charge"}, "path", "charge"},
		{Operation{Path: "/import"}, "path", "import"},
		{Operation{Path: "/admin/migrate"}, "path", "migrate"},
		{Operation{Path: "/backups/{id}/restore"}, "path", "restore"},
		{Operation{Path: "/search/rebuild"}, "path", "rebuild"},
		{Operation{Path: "/server/shutdown"}, "path", "shutdown"},
		{Operation{Path: "/restart"}, "path", "restart"},
		{Operation{Path: "/purge"}, "path", "purge"},
		{Operation{Path: "/tables/{t}/truncate"}, "path", "truncate"},
		{Operation{Path: "/wipe"}, "path", "wipe"},
		{Operation{Path: "/tokens/{id}/revoke"}, "path", "revoke"},
		{Operation{Path: "/re-seed"}, "path", "re-seed"},
		{Operation{Path: "/send-welcome-email"}, "path", "send"},
		{Operation{Path: "/jobs/{id}/run"}, "path", "run"},
		{Operation{Path: "/trash/empty"}, "path", "empty"},
		{Operation{Path: "/loaddata"}, "path", "loaddata"},
		{Operation{Path: "/api/reset/"}, "path", "reset"},
		{Operation{Path: "/x", OperationID: "resetDatabase"}, "operationId", "reset"},
		{Operation{Path: "/x", OperationID: "create_db_createdb_get"}, "operationId", "create"},
		{Operation{Path: "/x", OperationID: "createUsingGET"}, "operationId", "create"},
		{Operation{Path: "/x", OperationID: "UsersController_remove"}, "operationId", "remove"},
		{Operation{Path: "/x", OperationID: "dropAndSeed"}, "operationId", "drop"},
		{Operation{Path: "/x", OperationID: "usersInit"}, "operationId", "init"},
		{Operation{Path: "/x", Summary: "Drops and re-seeds the database"}, "summary", "drops"},
		{Operation{Path: "/x", Summary: "Seed demo data"}, "summary", "seed"},
		{Operation{Path: "/x", Summary: "Logs out the current user"}, "summary", "logs out"},
		{Operation{Path: "/x", Summary: "Gets and resets the counter"}, "summary", "resets"},
		{Operation{Path: "/x", Summary: "Sends a test email to the account"}, "summary", "sends"},
		{Operation{Path: "/x", Summary: "Initializes the schema"}, "summary", "initializes"},
		{Operation{Path: "/x", Description: "This endpoint wipes every table."}, "description", "wipes"},
		{Operation{Path: "/x", Description: "Returns the job.\n\nWARNING: deletes the job once read."}, "description", "deletes"},
		{Operation{Path: "/x", Description: "Use with care: this is destructive."}, "description", "destructive"},
		{Operation{Path: "/x", Description: "Will truncate all tables"}, "description", "truncate"},
		{Operation{Path: "/jobs/next", Summary: "Returns the next job and deletes it from the queue"}, "summary", "deletes"},
		{Operation{Path: "/balance", Summary: "Returns the balance, then charges the card"}, "summary", "charges"},
	}
	checkStateChanges(t, changes)

	reads := []Operation{
		{Path: "/users/{id}/settings"},
		{Path: "/presets"},
		{Path: "/assets/{assetId}"},
		{Path: "/api/v1/charges"},
		{Path: "/checkout/sessions/{session}"},
		{Path: "/import/jobs"},
		{Path: "/messages/sent"},
		{Path: "/users/{id}/deleted-items"},
		{Path: "/address"},
		{Path: "/payments"},
		{Path: "/payload"},
		{Path: "/database"},
		{Path: "/dropdown-options"},
		{Path: "/initial-state"},
		{Path: "/settings/clearance"},
		{Path: "/check-update"},
		{Path: "/v2/load_balancers"},
		{Path: "/sync-status"},
		{Path: "/empty-state"},
		{Path: "/api/send-history"},
		{Path: "/download"},
		{Path: "/runtime/info"},
		{Path: "/api/me"},
		{Path: "/health"},
		{Path: "/user", OperationID: "getUser"},
		{Path: "/x", OperationID: "getPasswordResetStatus"},
		{Path: "/x", OperationID: "listCharges"},
		{Path: "/x", OperationID: "read_items_items__get"},
		{Path: "/x", Summary: "Returns the list of users"},
		{Path: "/x", Summary: "Returns users and charges"},
		{Path: "/x", Summary: "Returns the balance and charges for the account"},
		{Path: "/x", Summary: "Lists deleted items"},
		{Path: "/x", Summary: "Deleted items"},
		{Path: "/x", Summary: "Current user's settings"},
		{Path: "/x", Description: "A non-destructive read of the account."},
		{Path: "/x", Description: "This is not destructive."},
		{Path: "/x", Description: "Returns the database status. Useful before a reset"},
	}
	checkReads(t, reads)
}

// stateChangeCase is a route that acts: where its name says so and the
// word quoted.
type stateChangeCase struct {
	op         Operation
	where, say string
}

// checkStateChanges fails t for each case StateChange misses or explains
// otherwise.
func checkStateChanges(t *testing.T, changes []stateChangeCase) {
	t.Helper()
	for _, c := range changes {
		where, hit, ok := StateChange(c.op)
		if !ok || where != c.where || hit.Word != c.say {
			t.Errorf("%s %q %q %q: got (%q, %q, %v), want (%q, %q)", c.op.Path, c.op.OperationID, c.op.Summary, c.op.Description, where, hit.Word, ok, c.where, c.say)
		}
	}
}

// checkReads fails t for each route that only reads but StateChange
// says acts (a skipped read is lost coverage).
func checkReads(t *testing.T, reads []Operation) {
	t.Helper()
	for _, op := range reads {
		if where, hit, ok := StateChange(op); ok {
			t.Errorf("%s %q %q %q: want no state change, got %s says %q", op.Path, op.OperationID, op.Summary, op.Description, where, hit.Word)
		}
	}
}

// TestStateChangeSession: only the routes that end the caller's own
// session are kept in active mode, for the logout rule.
func TestStateChangeSession(t *testing.T) {
	for path, session := range map[string]bool{"/logout": true, "/auth/sign-out": true, "/createdb": false, "/tokens/{id}/revoke": false} {
		_, hit, ok := StateChange(Operation{Path: path})
		if !ok || hit.EndsSession() != session {
			t.Errorf("%s: hit %+v ok %v, session want %v", path, hit, ok, session)
		}
	}
	_, hit, _ := StateChange(Operation{Path: "/x", Summary: "Logs out the user"})
	if hit.Verb != "logout" {
		t.Errorf("Logs out: verb %q, want logout", hit.Verb)
	}
}

// TestSafe: only GET, HEAD and OPTIONS are sent freely, and only when
// their names do not say they change state; other methods are never
// judged by their names.
func TestSafe(t *testing.T) {
	for _, tt := range []struct {
		op     Operation
		safe   bool
		reason bool // StateChangingGET names a reason
	}{
		{Operation{Method: "GET", Path: "/users/{id}"}, true, false},
		{Operation{Method: "HEAD", Path: "/users"}, true, false},
		{Operation{Method: "OPTIONS", Path: "/users"}, true, false},
		{Operation{Method: "GET", Path: "/createdb"}, false, true},
		{Operation{Method: "HEAD", Path: "/logout"}, false, true},
		{Operation{Method: "GET", Path: "/x", Summary: "Drops the database"}, false, true},
		{Operation{Method: "POST", Path: "/users"}, false, false},
		{Operation{Method: "DELETE", Path: "/createdb"}, false, false},
	} {
		if got := Safe(tt.op); got != tt.safe {
			t.Errorf("Safe(%s %s %q) = %v, want %v", tt.op.Method, tt.op.Path, tt.op.Summary, got, tt.safe)
		}
		if _, _, got := StateChangingGET(tt.op); got != tt.reason {
			t.Errorf("StateChangingGET(%s %s %q) = %v, want %v", tt.op.Method, tt.op.Path, tt.op.Summary, got, tt.reason)
		}
	}
}
