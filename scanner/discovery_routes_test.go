package scanner

import (
	"testing"

	"github.com/authgate/authgate/scanner/openapi"
	"github.com/authgate/authgate/scanner/safety"
)

// TestDescribedGETsAsExactRoute checks that describedGETs answers what
// safety.ExactRoute's regexps answer, which it replaces for literal routes
// and compiles lazily for templates.
func TestDescribedGETsAsExactRoute(t *testing.T) {
	routes := []string{"/", "/users", "/reset/", "/a//", "/users/{id}", "/files/{name}.json", "/v1.0/status"}
	paths := []string{"/", "//", "", "/users", "/users/", "/users//", "/users/7", "/users/7/", "/users/7/x",
		"/reset", "/reset/", "/a", "/a/", "/a//", "/files/x.json", "/files/.json", "/v1.0/status", "/v1x0/status", "/USERS"}
	for _, route := range routes {
		d := newDescribedGETs("", []openapi.Operation{{Method: "GET", Path: route}, {Method: "POST", Path: "/other"}})
		exact := safety.ExactRoute("GET", route)
		for _, p := range paths {
			got := d.literal(p) || d.template(p)
			if want := exact.Matches("GET", p); got != want {
				t.Errorf("route %q, path %q: described %v, ExactRoute %v", route, p, got, want)
			}
		}
	}
	d := newDescribedGETs("/api", []openapi.Operation{{Method: "GET", Path: "/users"}, {Method: "GET", Path: "/users/{id}"}, {Method: "DELETE", Path: "/x"}})
	for _, tc := range []struct {
		path              string
		literal, template bool
	}{
		{"/api/users", true, false},
		{"/api/users/", true, false},
		{"/users", false, false},
		{"/api/users/5", false, true},
		{"/api/x", false, false},
	} {
		if got := d.literal(tc.path); got != tc.literal {
			t.Errorf("literal(%q) = %v, want %v", tc.path, got, tc.literal)
		}
		if got := d.template(tc.path); got != tc.template {
			t.Errorf("template(%q) = %v, want %v", tc.path, got, tc.template)
		}
	}
}
