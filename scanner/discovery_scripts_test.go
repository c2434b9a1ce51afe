package scanner_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/authgate/authgate/finding"
)

// A Juice Shop-like app (issue 12, item 8): its description lists only
// GET /api/Users; the photo wall's /rest/memories, which lists memories
// with their users' password hashes, is named only by the front end's
// bundle. Unknown /rest and /api paths answer 500 with a stack trace, as
// Juice Shop's error handler does; other paths answer the app's page.

// juiceSpec is the description the scan is given.
const juiceSpec = `{"openapi":"3.0.3","info":{"title":"juice","version":"1"},
"paths":{"/api/Users":{"get":{"security":[{"bearer":[]}],"responses":{"200":{"description":"ok"}}}}},
"components":{"securitySchemes":{"bearer":{"type":"http","scheme":"bearer"}}}}`

// juice is the target; leaky says whether the memories' users carry
// their password hashes.
type juice struct {
	leaky      bool
	other      string // another host's origin, whose script the page loads
	echo       bool   // /rest/admin/{name} answers every name (see TestDiscoveryParentCatchAll)
	hitCounter        // by "METHOD /path"
}

// juiceIndex is the app's page: Angular's bundles, and a script on another
// host.
const juiceIndex = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>OWASP Juice Shop</title>
<base href="/"><link rel="stylesheet" href="styles.css"></head><body><app-root></app-root>
<script src="runtime.js" type="module"></script><script src="polyfills.js" type="module"></script>
<script src="%s/analytics.js"></script><script src="main.js" type="module"></script></body></html>`

// juiceMain is a minified-looking bundle of about 200 KB: filler code, and
// the routes the app calls, as Juice Shop's services name them.
var juiceMain = func() string {
	var b strings.Builder
	filler := func(n int) {
		for i := range n {
			fmt.Fprintf(&b, `function a%d(e,t){return e.pipe((0,r.U)(n=>n.data),(0,o.K)(n=>{throw n}))}var c%d="ng-%d";`, i, i, i)
		}
	}
	filler(800)
	b.WriteString(`let Ye=(()=>{class e{constructor(t){this.http=t,this.hostServer=l.N.hostServer,this.host=this.hostServer+"/api/Users"}find(t){return this.http.get(this.host+"/",{params:t})}login(t){return this.http.post(this.hostServer+"/rest/user/login",t)}` +
		`saveLoginIp(){return this.http.get(this.hostServer+"/rest/saveLoginIp")}resetPassword(t){return this.http.post(this.hostServer+"/rest/user/reset-password",t)}` +
		"basket(t){return this.http.get(`/rest/basket/${t}`)}track(t){return this.http.get(\"/rest/track-order/:id\")}search(t){return this.http.get(\"/rest/products/search?q=\"+t)}}return e})();")
	filler(800)
	b.WriteString(`let Xe=(()=>{class e{constructor(t){this.http=t,this.hostServer=l.N.hostServer,this.host=this.hostServer+"/rest/memories"}addMemory(t,n){return this.http.post(this.host,t)}get(){return this.http.get(this.host)}}return e})();` +
		`let Ze=(()=>{class e{constructor(t){this.http=t,this.host=l.N.hostServer+"/rest/admin"}getApplicationConfiguration(){return this.http.get(this.host+"/application-configuration")}getApplicationVersion(){return this.http.get("/rest/admin/application-version")}}return e})();` +
		`const cfg="/rest/admin/application-configuration",dx="/rest/deluxe-membership",rn="/rest/repeat-notification",i18n="/assets/i18n/en.json",routes=[{path:"/login"},{path:"/photo-wall"}];`)
	filler(800)
	return b.String()
}()

func (j *juice) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	j.add(r.Method + " " + r.URL.Path)
	writeJSON := func(body string) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		fmt.Fprint(w, body)
	}
	p := r.URL.Path
	switch {
	case p == "/openapi.json":
		writeJSON(juiceSpec)
	case p == "/":
		w.Header().Set("Content-Type", "text/html; charset=UTF-8")
		fmt.Fprintf(w, juiceIndex, j.other)
	case p == "/main.js" || p == "/runtime.js" || p == "/polyfills.js":
		w.Header().Set("Content-Type", "application/javascript; charset=UTF-8")
		fmt.Fprint(w, juiceMain)
	case p == "/api/Users":
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, "No Authorization header was found")
	case p == "/rest/memories":
		user := `{"id":1,"username":"","email":"admin@juice-sh.op","role":"admin","deluxeToken":"","profileImage":"assets/public/images/uploads/defaultAdmin.png"}`
		if j.leaky {
			user = `{"id":1,"username":"","email":"admin@juice-sh.op","password":"0192023a7bbd73250516f069df18b500","role":"admin","deluxeToken":"","profileImage":"assets/public/images/uploads/defaultAdmin.png"}`
		}
		writeJSON(`{"status":"success","data":[{"UserId":1,"id":1,"caption":"😼 #zatschi #whoneedsfourlegs","imagePath":"assets/public/images/uploads/ᓚᘏᗢ-#zatschi-#whoneedsfourlegs-1572600969477.jpg","User":` + user + `}]}`)
	case p == "/rest/admin/application-configuration":
		writeJSON(`{"config":{"server":{"port":3000,"basePath":""},"application":{"domain":"juice-sh.op","name":"OWASP Juice Shop","logo":"JuiceShop_Logo.png","showVersionNumber":true}}}`)
	case p == "/rest/deluxe-membership":
		writeJSON(`{"status":"success","data":{"membershipCost":49}}`)
	case p == "/rest/repeat-notification":
		w.WriteHeader(http.StatusOK)
	case p == "/rest/saveLoginIp":
		writeJSON(`{"lastLoginIp":"127.0.0.1"}`)
	case j.echo && strings.HasPrefix(p, "/rest/admin/"):
		writeJSON(`{"status":"success","data":{"name":"` + strings.TrimPrefix(p, "/rest/admin/") + `","enabled":true}}`)
	case strings.HasPrefix(p, "/rest/") || strings.HasPrefix(p, "/api/"):
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprintf(w, "<h1>OWASP Juice Shop (Express ^4.21.0)</h1><h2><em>500</em> Error: Unexpected path: %s</h2><ul id=\"stacktrace\"><li> &nbsp; &nbsp;at /juice-shop/build/routes/angular.js:15:18</li></ul>", p)
	default:
		w.Header().Set("Content-Type", "text/html; charset=UTF-8")
		fmt.Fprintf(w, juiceIndex, j.other)
	}
}

// startJuice serves a juice and another host that counts what it gets.
func startJuice(t *testing.T, leaky, echo bool) (*juice, *httptest.Server, *otherHost) {
	t.Helper()
	j := &juice{leaky: leaky, echo: echo}
	srv, o := serveBesideOtherHost(t, func(other string) http.Handler {
		j.other = other
		return j
	})
	return j, srv, o
}

// foundEndpoint returns the discovered endpoint at p.
func foundEndpoint(c *finding.DiscoveryCoverage, p string) (finding.DiscoveredEndpoint, bool) {
	for _, f := range c.Found {
		if f.Path == p {
			return f, true
		}
	}
	return finding.DiscoveredEndpoint{}, false
}

// TestDiscoveryJuiceShopScript: /rest/memories, named only by main.js, is
// found and its password hashes reported; the page's other routes are
// tried within the bound, the state-changing ones never, nor another
// host's script or the framework's bundles.
func TestDiscoveryJuiceShopScript(t *testing.T) {
	j, srv, other := startJuice(t, true, false)
	res := discoveryScan(t, srv.URL, 4, 0)
	cov := res.Coverage.Discovery
	if cov == nil {
		t.Fatal("coverage.discovery is nil")
	}
	mem, ok := foundEndpoint(cov, "/rest/memories")
	if !ok || mem.Status != 200 || mem.Source != "script /main.js" {
		t.Fatalf("found = %+v; want /rest/memories (200, script /main.js)", cov.Found)
	}
	for _, p := range []string{"/rest/admin/application-configuration", "/rest/deluxe-membership"} {
		if _, ok := foundEndpoint(cov, p); !ok {
			t.Errorf("%s not found: %+v", p, cov.Found)
		}
	}
	fs := ruleFindings(res, "credentials-in-response")
	if len(fs) != 1 || fs[0].Path != "/rest/memories" {
		t.Fatalf("credentials-in-response findings = %+v; want one on GET /rest/memories", fs)
	}
	s := fs[0].Evidence.Summary
	if !strings.Contains(s, "does not list GET /rest/memories") || !strings.Contains(s, "script /main.js") || !strings.Contains(s, `"password"`) {
		t.Errorf("summary = %q; want the password hash, unlisted, found in main.js", s)
	}
	if body := fs[0].Evidence.Exchanges[0].ResponseBody; strings.Contains(body, "0192023a7bbd73250516f069df18b500") {
		t.Errorf("evidence shows the hash: %s", body)
	}
	never := []string{"GET /rest/saveLoginIp", "GET /rest/user/reset-password", "GET /rest/repeat-notification", "GET /runtime.js", "GET /polyfills.js",
		"GET /rest/basket", "GET /rest/products/search", "GET /assets/i18n/en.json", "GET /login", "GET /photo-wall"}
	for _, k := range never {
		if n := j.hit(k); n != 0 {
			t.Errorf("%s sent %d times", k, n)
		}
	}
	if n := j.hit("GET /"); n != 1 {
		t.Errorf("GET / sent %d times; want the wait probe only (the catch-all's answer is the app's page)", n)
	}
	if n := j.hit("GET /main.js"); n != 1 {
		t.Errorf("main.js read %d times; want once", n)
	}
	if other.hits != 0 {
		t.Errorf("the other host got %d requests; its script must never be fetched", other.hits)
	}
	// The 500s of unknown /rest paths are the error handler's, once per
	// path: not endpoints, and nothing verbose-error-disclosure judges.
	if _, ok := foundEndpoint(cov, "/rest/user/login"); ok {
		t.Errorf("the error handler's 500 on /rest/user/login listed as found")
	}
	for _, f := range res.Findings {
		if f.Rule == "verbose-error-disclosure" {
			t.Errorf("verbose-error-disclosure on %s %s: discovery judges no error answers", f.Method, f.Path)
		}
	}
	if coveredBy(res, "verbose-error-disclosure", "GET /rest/memories") {
		t.Error("verbose-error-disclosure's coverage lists GET /rest/memories: it cannot judge a discovered endpoint")
	}
	if !coveredBy(res, "credentials-in-response", "GET /rest/memories") {
		t.Error("credentials-in-response's coverage does not list GET /rest/memories")
	}
	if !slices.Equal(cov.Scripts, []string{"/main.js"}) {
		t.Errorf("coverage.discovery.scripts = %q; want /main.js only", cov.Scripts)
	}
	if cov.Tried > 64 || cov.Reason != "" {
		t.Errorf("tried %d, reason %q; want every candidate within the bound", cov.Tried, cov.Reason)
	}
}

// TestDiscoveryJuiceShopFixed: the same app without the hashes is clean,
// and the routes are still found and listed.
func TestDiscoveryJuiceShopFixed(t *testing.T) {
	_, srv, _ := startJuice(t, false, false)
	res := discoveryScan(t, srv.URL, 4, 0)
	if fs := ruleFindings(res, "credentials-in-response"); len(fs) != 0 {
		t.Errorf("findings on the fixed twin: %+v", fs)
	}
	if _, ok := foundEndpoint(res.Coverage.Discovery, "/rest/memories"); !ok {
		t.Errorf("found = %+v; want /rest/memories listed", res.Coverage.Discovery.Found)
	}
}

// TestDiscoveryParentCatchAll: a /rest/admin/{name} route that answers
// every name alike does not make /rest/admin/application-version found;
// the configuration under it, which answers something else, is.
func TestDiscoveryParentCatchAll(t *testing.T) {
	j, srv, _ := startJuice(t, false, true)
	res := discoveryScan(t, srv.URL, 4, 0)
	got := foundPaths(res.Coverage.Discovery)
	if slices.Contains(got, "/rest/admin/application-version") {
		t.Errorf("found %q; /rest/admin/application-version answers like /rest/admin/{any name}", got)
	}
	if !slices.Contains(got, "/rest/admin/application-configuration") || !slices.Contains(got, "/rest/memories") {
		t.Errorf("found %q; want /rest/memories and /rest/admin/application-configuration still", got)
	}
	if n := j.hit("GET /rest/admin/authgate-missing-7f3a9c2e"); n != 1 {
		t.Errorf("the parent /rest/admin asked %d times; want once", n)
	}
}

// TestDiscoveryJuiceShopDeterministic: the same found endpoints, findings
// and coverage at concurrency 1 and 8.
func TestDiscoveryJuiceShopDeterministic(t *testing.T) {
	_, srv, _ := startJuice(t, true, true)
	sameAtConcurrency1And8(t, srv.URL)
}

// TestDiscoveryScriptBound: a bundle naming 100 routes that all answer
// costs at most the bound, page and script included; the routes are
// tried in the bundle's order and coverage says the bound cut them.
func TestDiscoveryScriptBound(t *testing.T) {
	var mu sync.Mutex
	routeHits := 0
	var js strings.Builder
	for i := range 100 {
		fmt.Fprintf(&js, `get("/api/r%d");`, i)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		switch {
		case p == "/openapi.json":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, vampiSpec)
		case p == "/":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, `<html><script src="/app.js"></script></html>`)
		case p == "/app.js":
			w.Header().Set("Content-Type", "text/javascript")
			fmt.Fprint(w, js.String())
		case strings.HasPrefix(p, "/api/r"):
			mu.Lock()
			routeHits++
			mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"%s":{"rows":1}}`, strings.TrimPrefix(p, "/api/"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	res := discoveryScan(t, srv.URL, 4, 0)
	cov := res.Coverage.Discovery
	// The page and the script are two of the 64.
	if cov.Tried != 62 || !strings.Contains(cov.Reason, "bound") {
		t.Errorf("tried %d (reason %q); want 62 and the bound named", cov.Tried, cov.Reason)
	}
	got := foundPaths(cov)
	if len(got) == 0 || got[0] != "/api/r0" || slices.Contains(got, "/api/r99") {
		t.Errorf("found %q; want the bundle's first routes, not its last", got)
	}
	mu.Lock()
	defer mu.Unlock()
	// Each found route is sent once more by credentials-in-response only
	// when it shows a secret; these show none.
	if routeHits != len(got) || routeHits > 62 {
		t.Errorf("the routes got %d requests for %d found", routeHits, len(got))
	}
}

// TestDiscoveryScriptCapped: a bundle over the client's 1 MiB body cap is
// scanned as far as it was read: a route early in it is tried, one past
// the cap never is.
func TestDiscoveryScriptCapped(t *testing.T) {
	var mu sync.Mutex
	hits := map[string]int{}
	bundle := `get("/rest/early");` + strings.Repeat(`var x=function(e){return e};`, (8<<20)/28+100) // past the 8 MiB script cap + `get("/rest/late");`
	if len(bundle) < 8<<20+1000 {
		t.Fatalf("bundle of %d bytes is not over the cap", len(bundle))
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits[r.URL.Path]++
		mu.Unlock()
		switch r.URL.Path {
		case "/openapi.json":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, vampiSpec)
		case "/":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, `<html><script src="/app.js"></script></html>`)
		case "/app.js":
			w.Header().Set("Content-Type", "text/javascript")
			fmt.Fprint(w, bundle)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	discoveryScan(t, srv.URL, 2, 0)
	mu.Lock()
	defer mu.Unlock()
	if hits["/rest/early"] != 1 || hits["/rest/late"] != 0 {
		t.Errorf("/rest/early sent %d times, /rest/late %d; want 1 and 0", hits["/rest/early"], hits["/rest/late"])
	}
}
