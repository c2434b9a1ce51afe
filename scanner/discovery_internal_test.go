package scanner

import (
	"net/url"
	"slices"
	"testing"
)

// TestLinksIn: only paths on the target's origin are taken, without
// their query; ids, static files, dot segments and odd characters never.
func TestLinksIn(t *testing.T) {
	base, _ := url.Parse("http://api.test:8080")
	tests := []struct {
		name string
		body string
		want []string
	}{
		{"root-relative", `{"href":"/internal/stats"}`, []string{"/internal/stats"}},
		{"same origin absolute", `{"_links":{"self":{"href":"http://api.test:8080/api/v2/"}}}`, []string{"/api/v2"}},
		{"query dropped", `{"next":"/reports/daily?user_id=7"}`, []string{"/reports/daily"}},
		{"other host", `{"url":"http://evil.test/steal","cdn":"//cdn.test/x"}`, nil},
		{"other port", `{"url":"http://api.test:9090/admin"}`, nil},
		{"userinfo", `{"url":"http://user:pw@api.test:8080/x"}`, nil},
		{"ids", `{"a":"/notes/17","b":"/users/0c8f0a1e-9d2b-4c1a-8f3e-2b1d9c0a7e55/profile"}`, nil},
		{"static files", `{"img":"/assets/logo.png","js":"/main.js"}`, nil},
		{"dot segments", `{"a":"/api/../admin","b":"/./x"}`, nil},
		{"odd characters", `{"a":"/x y","b":"/a%2Fb","c":"/<script>"}`, nil},
		{"not a path", `{"name":"alice","n":3,"root":"/"}`, nil},
		{"in a list", `{"items":[{"href":"/b"},{"href":"/a"},{"href":"/b"}]}`, []string{"/b", "/a"}},
		{"not JSON", `see /internal/stats`, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := linksIn([]byte(tc.body), base); !slices.Equal(got, tc.want) {
				t.Errorf("linksIn(%s) = %q; want %q", tc.body, got, tc.want)
			}
		})
	}
}
