package scanner

import (
	"context"
	"net/url"
	"path"
	"slices"
	"strings"

	"github.com/authgate/authgate/internal/lazyre"
	"github.com/authgate/authgate/scanner/openapi"
)

// This file is discovery's last source of candidates: the routes the
// front end's JavaScript names. Real single-page apps call API routes no
// answer links (Juice Shop's photo wall reads /rest/memories, which lists
// users with their password hashes, and the only trace of it is
// this.host=environment.hostServer+"/rest/memories" in main.js). So the
// scan reads the target root's page, at most maxScripts of its same-origin
// scripts, and takes the string literals in them that look like API
// routes. Everything fetched here counts in discovery's bound.

const (
	// maxScripts bounds the scripts read: an app's own code is in one or
	// two bundles (main.js, app.js); the rest is the framework's.
	maxScripts = 3
	// maxScriptLiterals bounds the routes taken from one script, so that
	// a generated client with hundreds of routes does not take every
	// place (the bound on requests cuts them anyway).
	maxScriptLiterals = 100
)

// scriptSrc matches a <script> tag's src attribute, quoted or not.
var scriptSrc = lazyre.New(`(?is)<script\b[^>]*?\ssrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))`)

// baseHref matches the page's <base href>, against which relative script
// sources resolve (Angular writes <base href="/">).
var baseHref = lazyre.New(`(?is)<base\b[^>]*?\shref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))`)

// libraryScript matches the file names of the bundles that hold the
// framework's code, never the app's routes (Angular's runtime, polyfills
// and vendor bundles, webpack's runtime, Next.js' framework chunk).
var libraryScript = lazyre.New(`(?i)^(runtime|polyfills?|vendors?|framework|webpack|chunk-vendors|zone)([.~-][^/]*)?\.js$`)

// jsRoute matches a quoted string literal in JavaScript that is a
// root-relative path: the literal entirely, so "/rest/memories" and not
// the start of `/rest/basket/${id}` or "/rest/user/change-password?current=".
var jsRoute = lazyre.New("[\"'`](/[A-Za-z0-9._~/-]{1,200})[\"'`]")

// apiSegments are first path segments that mark a literal as an API route
// rather than a page of the front end's own router (/login, /search),
// which answers the app's page.
var apiSegments = map[string]bool{
	"api": true, "rest": true, "v1": true, "v2": true, "v3": true, "users": true, "internal": true,
}

// maxScriptBytes caps what is read of one script: an app's own bundle is
// often past the client's 1 MiB cap for API answers (Angular's main.js of
// a real shop is 1 to 3 MiB), and the routes can be anywhere in it. At
// most maxScripts are read, one at a time, and only scanned for literals.
const maxScriptBytes = 8 << 20

// scriptsIn returns the paths of the same-origin .js scripts a page loads,
// the app's own bundles first (library bundles only when there is nothing
// else), in the page's order, at most max. page is the page's URL.
func scriptsIn(html []byte, page *url.URL, max int) []string {
	base := page
	if m := baseHref.FindSubmatch(html); m != nil {
		if u, err := page.Parse(firstGroup(m)); err == nil && origin(u) == origin(page) && u.User == nil {
			base = u
		}
	}
	var app, lib []string
	for _, m := range scriptSrc.FindAllSubmatch(html, -1) {
		src := strings.TrimSpace(firstGroup(m))
		if src == "" || strings.HasPrefix(src, "//") || strings.Contains(src, "%") {
			continue
		}
		u, err := base.Parse(src)
		if err != nil || u.User != nil || origin(u) != origin(page) {
			continue // another host's script is never fetched
		}
		p := u.Path
		if !linkChars.MatchString(p) || path.Ext(p) != ".js" || path.Clean(p) != p {
			continue
		}
		if slices.Contains(app, p) || slices.Contains(lib, p) {
			continue
		}
		if libraryScript.MatchString(path.Base(p)) {
			lib = append(lib, p)
		} else {
			app = append(app, p)
		}
	}
	if len(app) == 0 {
		app = lib
	}
	return app[:min(len(app), max)]
}

// firstGroup returns the first non-empty submatch after the whole match.
func firstGroup(m [][]byte) string {
	for _, g := range m[1:] {
		if len(g) > 0 {
			return string(g)
		}
	}
	return ""
}

// routesIn returns the API-looking routes a script names, in the order
// they first appear: root-relative string literals under a first segment
// of apiSegments or of a described route (firsts), without ids, dot
// segments or a file extension.
func routesIn(js []byte, firsts map[string]bool) []string {
	var out []string
	for _, m := range jsRoute.FindAllSubmatch(js, -1) {
		p, ok := linkPath(string(m[1]))
		if !ok || path.Ext(p) != "" {
			continue
		}
		first, _, _ := strings.Cut(p[1:], "/")
		if !apiSegments[strings.ToLower(first)] && !firsts[first] {
			continue
		}
		if !slices.Contains(out, p) {
			out = append(out, p)
			if len(out) == maxScriptLiterals {
				break
			}
		}
	}
	return out
}

// describedFirsts returns the first segments of the described routes,
// from the origin's root ("api" for /api/Users).
func (s *scan) describedFirsts(ops []openapi.Operation) map[string]bool {
	out := map[string]bool{}
	prefix := s.apiPrefix()
	for _, op := range ops {
		full := strings.TrimPrefix(prefix+op.Path, "/")
		if first, _, _ := strings.Cut(full, "/"); first != "" && !strings.ContainsAny(first, "{}:") {
			out[first] = true
		}
	}
	return out
}

// appPage reports whether r is an HTML page that loads scripts.
func appPage(r *Response) bool {
	return r.OK() && strings.Contains(mediaType(r.Header), "html") && scriptSrc.Match(r.Body)
}

// scriptCandidates reads the root page and its scripts and returns the
// routes they name, each with its source ("script /main.js"), the
// scripts read and the requests it sent. page is the root catch-all's
// answer when it is the app's page (a single-page app answers it to every
// path): then the root is not asked for. room is how many requests
// discovery has left; the page and the scripts take at most room-1 of
// them, so that one place is left for a route.
func (s *scan) scriptCandidates(ctx context.Context, page *Response, firsts map[string]bool, room int) (cands []candidate, read []string, sent int) {
	if room < 3 {
		return nil, nil, 0 // the page, one script, one route
	}
	root := &url.URL{Scheme: s.base.Scheme, Host: s.base.Host, Path: "/"}
	if page == nil {
		page = s.do(ctx, &Request{Method: "GET", URL: root, Identity: Anonymous})
		sent++
	}
	if !appPage(page) {
		return nil, nil, sent
	}
	for _, p := range scriptsIn(page.Body, root, min(maxScripts, room-1-sent)) {
		if ctx.Err() != nil {
			break
		}
		r := s.do(ctx, &Request{Method: "GET", URL: &url.URL{Scheme: s.base.Scheme, Host: s.base.Host, Path: p}, Identity: Anonymous, Limit: maxScriptBytes})
		sent++
		if !r.OK() || strings.Contains(mediaType(r.Header), "html") {
			continue // a single-page app's fallback page, not the script
		}
		read = append(read, p)
		// The client read at most maxScriptBytes: what was read is scanned.
		for _, route := range routesIn(r.Body, firsts) {
			cands = append(cands, candidate{route, "script " + p, true})
		}
	}
	return cands, read, sent
}
