package scanner

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// The request-building fast paths (issue 13: CPU per request) must give
// what the plain code they skip gives: these tests compare them with it.

// escapeRouteSlow is escapeRoute without its fast path.
func escapeRouteSlow(route string) string {
	return placeholderBraces.Replace((&url.URL{Path: route}).EscapedPath())
}

// TestEscapeRouteFastPath: every byte, alone, between braces and next to
// them, escapes as url.URL escapes it; "*" keeps EscapedPath's special
// case (only the whole path "*" is kept as it is).
func TestEscapeRouteFastPath(t *testing.T) {
	routes := []string{"", "*", "/*", "{x}*", "*{x}", "{*}", "/a/{id}", "/a/{id}/b/{name}.json", "/{}", "}{", "/café/{name}", "/a b/{id}", "/a%2Fb/{id}", "/a?b", "/:id"}
	for c := range 256 {
		b := string([]byte{byte(c)}) // one byte, not a rune's UTF-8
		routes = append(routes, b, "/a"+b+"/{id}", "{"+b+"}", "/{id}"+b, b+"{id}")
	}
	for _, r := range routes {
		if got, want := escapeRoute(r), escapeRouteSlow(r); got != want {
			t.Errorf("escapeRoute(%q) = %q, want %q", r, got, want)
		}
	}
}

// FuzzEscapeRoute compares escapeRoute with its plain form on any route.
func FuzzEscapeRoute(f *testing.F) {
	for _, s := range []string{"/a/{id}", "*", "{x}*", "/café/{n}", "/a%7Bb/{id}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, route string) {
		if got, want := escapeRoute(route), escapeRouteSlow(route); got != want {
			t.Errorf("escapeRoute(%q) = %q, want %q", route, got, want)
		}
	})
}

// cacheKeySlow is cacheKey as it was first written.
func cacheKeySlow(r *Request) string {
	var b strings.Builder
	name := "anonymous"
	if !r.Identity.IsAnonymous() {
		name = r.Identity.Name
	}
	b.WriteString(name + " " + r.Method + " " + r.URL.String())
	for _, k := range slices.Sorted(maps.Keys(r.Header)) {
		b.WriteString("\n" + k + ": " + strings.Join(r.Header[k], ","))
	}
	return b.String()
}

// TestCacheKeyFastPath: the key is the same text as before, for requests
// without headers, with several, with several values and empty ones, and
// with more header names than the stack buffer holds.
func TestCacheKeyFastPath(t *testing.T) {
	u, _ := url.Parse("http://127.0.0.1:8080/a/b%2Fc?x=1&y=%20")
	alice := NewIdentity("alice", []Header{{Name: "Authorization", Value: "Bearer a"}})
	many := http.Header{}
	for i := range 12 {
		many.Set("X-H"+string(rune('a'+i)), strings.Repeat("v", i))
	}
	for _, h := range []http.Header{
		nil,
		{},
		{"Origin": {"https://evil.example"}},
		{"Cookie": {"a=1", "b=2"}, "Accept": {""}, "X-Empty": {}},
		many,
	} {
		for _, id := range []*Identity{nil, Anonymous, alice} {
			r := &Request{Method: http.MethodGet, URL: u, Header: h, Identity: id}
			if got, want := cacheKey(r), cacheKeySlow(r); got != want {
				t.Errorf("cacheKey = %q, want %q", got, want)
			}
		}
	}
}

// TestLinksInShortcut: links written with escaped slashes are found, as
// decoding finds them; a body without a slash has none.
func TestLinksInShortcut(t *testing.T) {
	base, _ := url.Parse("http://api.test:8080")
	for body, want := range map[string][]string{
		`{"href":"\/internal\/stats"}`:             {"/internal/stats"},
		`{"href":"\u002finternal\u002fstats"}`:     {"/internal/stats"},
		`{"href":"http:\/\/api.test:8080\/admin"}`: {"/admin"},
		`{"id":11,"name":"item 11","owner":"a"}`:   nil,
	} {
		if got := linksIn([]byte(body), base); !slices.Equal(got, want) {
			t.Errorf("linksIn(%s) = %q, want %q", body, got, want)
		}
	}
}

// FuzzLinksIn compares linksIn with the decoding it skips.
func FuzzLinksIn(f *testing.F) {
	base, _ := url.Parse("http://api.test:8080")
	for _, s := range []string{`{"href":"\/a\/b"}`, `{"a":"\u002fx"}`, `{"id":1}`, `[{"u":"http://api.test:8080/v"}]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if got, want := linksIn(body, base), linksDecoded(body, base); !slices.Equal(got, want) {
			t.Errorf("linksIn(%q) = %q, want %q", body, got, want)
		}
	})
}
