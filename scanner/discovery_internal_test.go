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

// TestScriptsIn: only same-origin .js scripts are read, the app's bundles
// before the framework's, relative sources against <base href>.
func TestScriptsIn(t *testing.T) {
	page, _ := url.Parse("http://shop.test:3000/")
	tests := []struct {
		name string
		html string
		want []string
	}{
		{"angular", `<base href="/"><script src="runtime.js" type="module"></script><script src="polyfills.js" type="module"></script><script src="main.js" type="module"></script>`, []string{"/main.js"}},
		{"only library bundles", `<script src="runtime.js"></script><script src="vendor.js"></script>`, []string{"/runtime.js", "/vendor.js"}},
		{"base href", `<base href="/app/"><script src="main.js"></script>`, []string{"/app/main.js"}},
		{"same origin absolute", `<script src="http://shop.test:3000/static/js/main.4f2a.js"></script>`, []string{"/static/js/main.4f2a.js"}},
		{"other hosts", `<script src="http://cdn.test/main.js"></script><script src="//cdn.test/app.js"></script><script src="http://shop.test:4000/app.js"></script>`, nil},
		{"other base host", `<base href="http://cdn.test/"><script src="main.js"></script>`, []string{"/main.js"}},
		{"not .js", `<script src="/api/config"></script><script src="/app.mjs"></script><script src="/x.js?v=2"></script>`, []string{"/x.js"}},
		{"inline and escaped", `<script>var a="/rest/x"</script><script src="/a%2Fb.js"></script>`, nil},
		{"dot segments resolved as a browser does", `<script src="/static/../x.js"></script>`, []string{"/x.js"}},
		{"single quotes and unquoted, deduplicated, at most 3", `<SCRIPT SRC='/a.js'></SCRIPT><script src=/b.js></script><script src="/a.js"></script><script src="/c.js"></script><script src="/d.js"></script>`, []string{"/a.js", "/b.js", "/c.js"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := scriptsIn([]byte(tc.html), page, maxScripts); !slices.Equal(got, tc.want) {
				t.Errorf("scriptsIn = %q; want %q", got, tc.want)
			}
		})
	}
}

// TestRoutesIn: whole string literals that are API-looking root-relative
// paths, in order of appearance; templates, parameters, queries, files,
// ids and the front end's own pages never.
func TestRoutesIn(t *testing.T) {
	firsts := map[string]bool{"b2b": true}
	tests := []struct {
		name string
		js   string
		want []string
	}{
		{"juice shop service", `this.hostServer=l.N.hostServer,this.host=this.hostServer+"/rest/memories"`, []string{"/rest/memories"}},
		{"quotes of every kind", `a('/api/Users');b=` + "`/rest/languages`" + `;c="/v2/orders"`, []string{"/api/Users", "/rest/languages", "/v2/orders"}},
		{"described first segment", `get("/b2b/v2/orders");get("/ftp")`, []string{"/b2b/v2/orders"}},
		{"front end pages", `path:"/login",redirectTo:"/search"`, nil},
		{"templates and parameters", "`/rest/basket/${id}`,\"/rest/track-order/:id\",\"/api/Users/{id}\"", nil},
		{"queries", `"/rest/products/search?q="+q`, nil},
		{"files", `"/assets/i18n/en.json","/api/export.csv"`, nil},
		{"ids and dots", `"/api/Users/17","/rest/../admin"`, nil},
		{"deduplicated, trailing slash", `"/rest/basket/","/rest/basket"`, []string{"/rest/basket"}},
		{"not whole literals", `"GET /rest/x","/rest/x is gone"`, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := routesIn([]byte(tc.js), firsts); !slices.Equal(got, tc.want) {
				t.Errorf("routesIn(%s) = %q; want %q", tc.js, got, tc.want)
			}
		})
	}
}
