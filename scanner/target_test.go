package scanner

import (
	"net/url"
	"strings"
	"testing"

	"github.com/authgate/authgate/scanner/objects"
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

// TestItemPath: the report names a created object by the path the scan
// used for it: Rails' .json suffix and Django's trailing slash kept, and,
// without an item route, the create's format.
func TestItemPath(t *testing.T) {
	life := func(lines ...string) objects.Lifecycle {
		var ops []openapi.Operation
		for _, l := range lines {
			m, p, _ := strings.Cut(l, " ")
			ops = append(ops, openapi.Operation{Method: m, Path: p})
		}
		return objects.Lifecycles(ops)[0]
	}
	for _, c := range []struct {
		k    objects.Lifecycle
		o    *Object
		want string
	}{
		{life("POST /notes.json", "GET /notes/{id}.json"), &Object{ID: "2"}, "/notes/2.json"},
		{life("POST /notes.json", "PATCH /notes/:id.json"), &Object{ID: "2"}, "/notes/2.json"},
		{life("POST /notes.json"), &Object{ID: "2"}, "/notes/2.json"},
		{life("POST /api/notes/", "GET /api/notes/{id}/"), &Object{ID: "a b"}, "/api/notes/a%20b/"},
		{life("POST /p/{pid}/tasks", "GET /p/{pid}/tasks/{id}"), &Object{ID: "9", Parents: map[string]string{"pid": "3"}}, "/p/3/tasks/9"},
	} {
		c.o.Kind = c.k
		if got := itemPath(c.k, c.o); got != c.want {
			t.Errorf("itemPath(%s) = %s, want %s", c.k.Create.Path, got, c.want)
		}
	}
}
