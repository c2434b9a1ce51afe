package scanner

import (
	"strings"
	"testing"

	"github.com/authgate/authgate/scanner/openapi"
)

// TestStateChangeNames: GET routes that act are recognised by their path,
// operationId, summary or description, as words; routes that only read
// are not, even when a verb hides inside a word (preset, asset) or names a
// thing (/checkout/sessions, "Returns the list of charges").
func TestStateChangeNames(t *testing.T) {
	changes := []struct {
		op         openapi.Operation
		where, say string
	}{
		{openapi.Operation{Path: "/createdb"}, "path", "createdb"},
		{openapi.Operation{Path: "/create-db"}, "path", "create"},
		{openapi.Operation{Path: "/db/create"}, "path", "create"},
		{openapi.Operation{Path: "/api/seed"}, "path", "seed"},
		{openapi.Operation{Path: "/resetDB"}, "path", "reset"},
		{openapi.Operation{Path: "/dropdb"}, "path", "dropdb"},
		{openapi.Operation{Path: "/initdb"}, "path", "initdb"},
		{openapi.Operation{Path: "/admin/db_init"}, "path", "init"},
		{openapi.Operation{Path: "/dbseed"}, "path", "dbseed"},
		{openapi.Operation{Path: "/api/v1/cache/clear"}, "path", "clear"},
		{openapi.Operation{Path: "/clearcache"}, "path", "clearcache"},
		{openapi.Operation{Path: "/flushall"}, "path", "flushall"},
		{openapi.Operation{Path: "/api/populate"}, "path", "populate"},
		{openapi.Operation{Path: "/reset/all"}, "path", "reset"},
		{openapi.Operation{Path: "/drop/tables/{name}"}, "path", "drop"},
		{openapi.Operation{Path: "/logout"}, "path", "logout"},
		{openapi.Operation{Path: "/auth/sign-out"}, "path", "sign-out"},
		{openapi.Operation{Path: "/auth/log_out"}, "path", "log-out"},
		{openapi.Operation{Path: "/setup"}, "path", "setup"},
		{openapi.Operation{Path: "/install"}, "path", "install"},
		{openapi.Operation{Path: "/orders/{id}/cancel"}, "path", "cancel"},
		{openapi.Operation{Path: "/users/{id}/delete"}, "path", "delete"},
		{openapi.Operation{Path: "/unsubscribe"}, "path", "unsubscribe"},
		{openapi.Operation{Path: "/email/send"}, "path", "send"},
		{openapi.Operation{Path: "/sendmail"}, "path", "sendmail"},
		{openapi.Operation{Path: "/pay"}, "path", "pay"},
		{openapi.Operation{Path: "/cart/checkout"}, "path", "checkout"},
		{openapi.Operation{Path: "/v1/charge"}, "path", "charge"},
		{openapi.Operation{Path: "/import"}, "path", "import"},
		{openapi.Operation{Path: "/admin/migrate"}, "path", "migrate"},
		{openapi.Operation{Path: "/backups/{id}/restore"}, "path", "restore"},
		{openapi.Operation{Path: "/search/rebuild"}, "path", "rebuild"},
		{openapi.Operation{Path: "/server/shutdown"}, "path", "shutdown"},
		{openapi.Operation{Path: "/restart"}, "path", "restart"},
		{openapi.Operation{Path: "/purge"}, "path", "purge"},
		{openapi.Operation{Path: "/tables/{t}/truncate"}, "path", "truncate"},
		{openapi.Operation{Path: "/wipe"}, "path", "wipe"},
		{openapi.Operation{Path: "/tokens/{id}/revoke"}, "path", "revoke"},
		{openapi.Operation{Path: "/re-seed"}, "path", "re-seed"},
		{openapi.Operation{Path: "/send-welcome-email"}, "path", "send"},
		{openapi.Operation{Path: "/jobs/{id}/run"}, "path", "run"},
		{openapi.Operation{Path: "/trash/empty"}, "path", "empty"},
		{openapi.Operation{Path: "/loaddata"}, "path", "loaddata"},
		{openapi.Operation{Path: "/api/reset/"}, "path", "reset"},
		{openapi.Operation{Path: "/x", OperationID: "resetDatabase"}, "operationId", "reset"},
		{openapi.Operation{Path: "/x", OperationID: "create_db_createdb_get"}, "operationId", "create"},
		{openapi.Operation{Path: "/x", OperationID: "createUsingGET"}, "operationId", "create"},
		{openapi.Operation{Path: "/x", OperationID: "UsersController_remove"}, "operationId", "remove"},
		{openapi.Operation{Path: "/x", OperationID: "dropAndSeed"}, "operationId", "drop"},
		{openapi.Operation{Path: "/x", OperationID: "usersInit"}, "operationId", "init"},
		{openapi.Operation{Path: "/x", Summary: "Drops and re-seeds the database"}, "summary", "drops"},
		{openapi.Operation{Path: "/x", Summary: "Seed demo data"}, "summary", "seed"},
		{openapi.Operation{Path: "/x", Summary: "Logs out the current user"}, "summary", "logs out"},
		{openapi.Operation{Path: "/x", Summary: "Gets and resets the counter"}, "summary", "resets"},
		{openapi.Operation{Path: "/x", Summary: "Sends a test email to the account"}, "summary", "sends"},
		{openapi.Operation{Path: "/x", Summary: "Initializes the schema"}, "summary", "initializes"},
		{openapi.Operation{Path: "/x", Description: "This endpoint wipes every table."}, "description", "wipes"},
		{openapi.Operation{Path: "/x", Description: "Returns the job.\n\nWARNING: deletes the job once read."}, "description", "deletes"},
		{openapi.Operation{Path: "/x", Description: "Use with care: this is destructive."}, "description", "destructive"},
		{openapi.Operation{Path: "/x", Description: "Will truncate all tables"}, "description", "truncate"},
		{openapi.Operation{Path: "/jobs/next", Summary: "Returns the next job and deletes it from the queue"}, "summary", "deletes"},
		{openapi.Operation{Path: "/balance", Summary: "Returns the balance, then charges the card"}, "summary", "charges"},
	}
	for _, c := range changes {
		where, hit, ok := stateChange(&c.op)
		if !ok || where != c.where || hit.word != c.say {
			t.Errorf("%s %q %q %q: got (%q, %q, %v), want (%q, %q)", c.op.Path, c.op.OperationID, c.op.Summary, c.op.Description, where, hit.word, ok, c.where, c.say)
		}
	}

	reads := []openapi.Operation{
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
	for _, op := range reads {
		if where, hit, ok := stateChange(&op); ok {
			t.Errorf("%s %q %q %q: want no state change, got %s says %q", op.Path, op.OperationID, op.Summary, op.Description, where, hit.word)
		}
	}
}

// TestStateChangeSession: only the routes that end the caller's own
// session are kept in active mode, for the logout rule.
func TestStateChangeSession(t *testing.T) {
	for path, session := range map[string]bool{"/logout": true, "/auth/sign-out": true, "/createdb": false, "/tokens/{id}/revoke": false} {
		_, hit, ok := stateChange(&openapi.Operation{Path: path})
		if !ok || sessionVerbs[hit.verb] != session {
			t.Errorf("%s: hit %+v ok %v, session want %v", path, hit, ok, session)
		}
	}
	_, hit, _ := stateChange(&openapi.Operation{Path: "/x", Summary: "Logs out the user"})
	if hit.verb != "logout" {
		t.Errorf("Logs out: verb %q, want logout", hit.verb)
	}
}

// TestParseExclusion: patterns match route templates and concrete paths,
// "*" as the method or at the end of the path matches many, GET covers
// HEAD; bad patterns are one-line errors.
func TestParseExclusion(t *testing.T) {
	tests := []struct {
		pattern, method, path string
		want                  bool
	}{
		{"GET /createdb", "GET", "/createdb", true},
		{"get /createdb", "GET", "/createdb", true},
		{"GET /createdb", "HEAD", "/createdb", true},
		{"GET /createdb", "POST", "/createdb", false},
		{"GET /createdb", "GET", "/createdb/", true},
		{"GET /createdb", "GET", "/createdbx", false},
		{"* /createdb", "DELETE", "/createdb", true},
		{"GET /users/{id}", "GET", "/users/{id}", true},
		{"GET /users/{id}", "GET", "/users/{userId}", true},
		{"GET /users/{id}", "GET", "/users/42", true},
		{"GET /users/{id}", "GET", "/users/42/orders", false},
		{"GET /users/42", "GET", "/users/42", true},
		{"GET /users/42", "GET", "/users/{id}", false},
		{"* /admin/*", "POST", "/admin/reset", true},
		{"* /admin/*", "GET", "/admin/users/{id}", true},
		{"* /admin/*", "GET", "/administrator", false},
		{"GET /internal*", "GET", "/internal-tools/x", true},
		{"GET /files/{name}.json", "GET", "/files/a.json", true},
		{"GET /a.b", "GET", "/axb", false},
		{"* /*", "GET", "/anything", true},
	}
	for _, tt := range tests {
		e, err := ParseExclusion(tt.pattern)
		if err != nil {
			t.Fatalf("%q: %v", tt.pattern, err)
		}
		if got := e.matches(tt.method, tt.path); got != tt.want {
			t.Errorf("%q matches %s %s = %v, want %v", tt.pattern, tt.method, tt.path, got, tt.want)
		}
	}
	for _, bad := range []string{"", "/createdb", "GET", "GET createdb", "GET /a /b", "GET /a*/b", "GET /a?x=1", "GET /a#f", "G3T /a", "GET http://h/a"} {
		_, err := ParseExclusion(bad)
		if err == nil {
			t.Errorf("%q: want an error", bad)
			continue
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: error is not one line: %q", bad, err)
		}
	}
}
