package scanner

import (
	"net/url"
	"testing"

	"github.com/authgate/authgate/scanner/openapi"
)

// TestRequestFillsPathParams: every rule's request fills the route's path
// parameters, written OpenAPI's way ({id}) or Express's (:id, copied from
// the router into a description); a :name segment is filled whole, never
// inside a longer name, and keeps a format suffix.
func TestRequestFillsPathParams(t *testing.T) {
	base, _ := url.Parse("http://127.0.0.1:1")
	s := &scan{base: base}
	for _, c := range []struct {
		route  string
		values map[string]string
		want   string
	}{
		{"/api/notes/{id}", map[string]string{"path:id": "7"}, "/api/notes/7"},
		{"/api/notes/:id", map[string]string{"path:id": "7"}, "/api/notes/7"},
		{"/notes/:id.json", map[string]string{"path:id": "7"}, "/notes/7.json"},
		{"/p/:projectId/m/:id", map[string]string{"path:projectId": "3", "path:id": "7"}, "/p/3/m/7"},
		{"/a/:idx/:id", map[string]string{"path:id": "7"}, "/a/:idx/7"},
		{"/a/:id", map[string]string{"path:id": "a b"}, "/a/a%20b"},
		{"/a/x:id", map[string]string{"path:id": "7"}, "/a/x:id"},
	} {
		op := &openapi.Operation{Method: "GET", Path: c.route}
		if got := s.target(op).Request(Anonymous, c.values).URL.EscapedPath(); got != c.want {
			t.Errorf("%s with %v: %s, want %s", c.route, c.values, got, c.want)
		}
	}
}

// TestCollectionOfExpressParam: an Express-style :name path parameter
// selects in the segment before it, as {name} does, so /users/:id is
// known to select a user.
func TestCollectionOfExpressParam(t *testing.T) {
	for _, route := range []string{"/api/users/{id}", "/api/users/:id", "/api/users/:id/notes"} {
		if got := collectionOf(route, openapi.Param{Name: "id", In: "path"}); got != "users" {
			t.Errorf("collectionOf(%s, id) = %q, want users", route, got)
		}
	}
	if got := collectionOf("/api/users/:userId/notes/:id", openapi.Param{Name: "id", In: "path"}); got != "notes" {
		t.Errorf("collectionOf(.../notes/:id, id) = %q, want notes", got)
	}
}
