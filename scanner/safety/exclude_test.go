package safety

import (
	"strings"
	"testing"
	"unicode/utf8"
)

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
		if got := e.Matches(tt.method, tt.path); got != tt.want {
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

// TestExactRoute: the exclusion of a skipped route covers that route as a
// template or concrete path, with or without a trailing slash, and HEAD
// for GET; nothing below it and no other method.
func TestExactRoute(t *testing.T) {
	e := ExactRoute("GET", "/users/{id}/reset")
	for _, tt := range []struct {
		method, path string
		want         bool
	}{
		{"GET", "/users/{id}/reset", true},
		{"GET", "/users/42/reset/", true},
		{"HEAD", "/users/42/reset", true},
		{"POST", "/users/42/reset", false},
		{"GET", "/users/42/reset/all", false},
		{"GET", "/users/42", false},
	} {
		if got := e.Matches(tt.method, tt.path); got != tt.want {
			t.Errorf("ExactRoute(GET /users/{id}/reset) matches %s %s = %v, want %v", tt.method, tt.path, got, tt.want)
		}
	}
}

// TestShownPattern: a long pattern is cut on a rune boundary, and the cut
// is marked.
func TestShownPattern(t *testing.T) {
	if got := ShownPattern("GET /a"); got != "GET /a" {
		t.Errorf("short pattern: %q", got)
	}
	long := strings.Repeat("é", maxPatternShown) // two bytes a rune
	got := ShownPattern(long)
	if !utf8.ValidString(got) || !strings.HasSuffix(got, "…") || len(got) > maxPatternShown+len("…") {
		t.Errorf("long pattern cut to %q", got)
	}
}
