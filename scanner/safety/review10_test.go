package safety

import "testing"

// TestReview10StateChangeRealRoutes: GET routes from real projects that
// change state in words the list does not have yet (Django's loaddata
// behind a demo route, job runners, syncs), and read routes the issue
// names as negatives. Safe mode must not send the first and must scan the
// second.
func TestReview10StateChangeRealRoutes(t *testing.T) {
	changes := []Operation{
		// Replaces the tables' rows with the fixtures (Django loaddata,
		// Rails db:fixtures:load).
		{Path: "/api/fixtures/load", OperationID: "loadFixtures", Summary: "Load fixtures"},
		{Path: "/loaddata"},
		{Path: "/api/pipelines/{id}/run", OperationID: "runPipeline"},
		{Path: "/api/accounts/sync", OperationID: "syncAccounts", Summary: "Synchronises all accounts with Stripe"},
		{Path: "/x", Summary: "Empties the trash"},
		{Path: "/admin/users/{id}/archive"},
	}
	for _, op := range changes {
		if _, _, ok := StateChange(op); !ok {
			t.Errorf("GET %s (%q, %q) changes state: safe mode sends it", op.Path, op.OperationID, op.Summary)
		}
	}
	reads := []Operation{
		// Issue 10 names it as a read: the mail log.
		{Path: "/api/send-history", OperationID: "getSendHistory", Summary: "Mail send history"},
		{Path: "/api/resets", OperationID: "listResets", Summary: "List password resets"},
		{Path: "/api/deletions", OperationID: "listDeletions", Summary: "Audit log of deletions"},
		{Path: "/api/reports/created", OperationID: "createdReports", Summary: "Reports created this week"},
		{Path: "/api/seeders", OperationID: "listSeeders"},
	}
	for _, op := range reads {
		if where, hit, ok := StateChange(op); ok {
			t.Errorf("GET %s (%q, %q) only reads, but is skipped: %s says %q", op.Path, op.OperationID, op.Summary, where, hit.Word)
		}
	}
}

// TestReview10ExcludeTrailingSlash: docs/safety.md says "/users and
// /users/ are the same route". A pattern written with the trailing slash
// (copied from a Flask or Django route, `path('reset/', ...)`) must still
// keep the scan away from the route the description spells without it;
// today "GET /api/jobs/run/" excludes nothing and the job runner is called.
func TestReview10ExcludeTrailingSlash(t *testing.T) {
	for _, tt := range []struct{ pattern, path string }{
		{"GET /api/jobs/run/", "/api/jobs/run"},
		{"GET /api/jobs/run", "/api/jobs/run/"},
		{"* /admin/users/{id}/", "/admin/users/42"},
	} {
		e, err := ParseExclusion(tt.pattern)
		if err != nil {
			t.Fatalf("%q: %v", tt.pattern, err)
		}
		if !e.Matches("GET", tt.path) {
			t.Errorf("--exclude %q does not cover GET %s", tt.pattern, tt.path)
		}
	}
}
