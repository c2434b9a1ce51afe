package safety

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/authgate/authgate/internal/lazyre"
)

// Exclusion is one --exclude pattern: a method ("*" for any) and a path
// that matches route templates (/users/{id}) and concrete paths
// (/users/42), many when it ends with "*".
type Exclusion struct {
	method string
	path   *regexp.Regexp
}

// ParseExclusion compiles an --exclude pattern "METHOD /path". METHOD is an
// HTTP method or "*"; a {name} segment matches any one segment, and a
// trailing "*" any rest ("/admin/*", "/internal*"). A GET pattern also
// covers HEAD, which frameworks route to the GET handler. Errors are one
// line and quote no more than the bad word: the caller names the pattern.
func ParseExclusion(s string) (Exclusion, error) {
	parts := strings.Fields(s)
	if len(parts) != 2 {
		return Exclusion{}, fmt.Errorf(`want "METHOD /path", e.g. "GET /admin/reset" or "* /internal/*" (got %d words)`, len(parts))
	}
	method, path := strings.ToUpper(parts[0]), parts[1]
	if method != "*" && !validMethod(method) {
		return Exclusion{}, fmt.Errorf("%q is not an HTTP method or *", ShownPattern(parts[0]))
	}
	if !strings.HasPrefix(path, "/") {
		return Exclusion{}, fmt.Errorf(`the path must start with "/" (a path on the target, not a URL)`)
	}
	if strings.ContainsAny(path, "?#") {
		return Exclusion{}, fmt.Errorf("the path must not contain a query or fragment: an exclusion names a route")
	}
	if i := strings.IndexByte(path, '*'); i >= 0 && i != len(path)-1 {
		return Exclusion{}, fmt.Errorf(`"*" may only end the path ("/admin/*")`)
	}
	rest, wild := strings.CutSuffix(path, "*")
	return Exclusion{method: method, path: routeRegexp(rest, wild)}, nil
}

// ExactRoute returns the exclusion of one route: method (upper case; GET
// also covers HEAD, as in a pattern) on route, a template or a concrete
// path, with no wildcard. The scan uses it to refuse requests to the
// operations it skipped, however a rule spells their path.
func ExactRoute(method, route string) Exclusion {
	return Exclusion{method: method, path: routeRegexp(route, false)}
}

// routeParam matches a {name} in a route template.
var routeParam = lazyre.New(`\{[^/{}]*\}`)

// routeRegexp matches route, a path whose {name}s stand for any text
// within a segment, as a template or a concrete path; with wild, any rest
// may follow. /users and /users/ are one route.
func routeRegexp(route string, wild bool) *regexp.Regexp {
	if !wild && route != "/" {
		route = strings.TrimRight(route, "/") // /reset/ is /reset
	}
	var b strings.Builder
	b.WriteString("^")
	last := 0
	for _, m := range routeParam.FindAllStringIndex(route, -1) {
		b.WriteString(regexp.QuoteMeta(route[last:m[0]]))
		b.WriteString("[^/]+")
		last = m[1]
	}
	b.WriteString(regexp.QuoteMeta(route[last:]))
	switch {
	case wild:
		b.WriteString(".*")
	case route != "/":
		b.WriteString("/?")
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// maxPatternShown bounds how much of a bad pattern an error quotes: one
// pasted blob must not flood a CI log.
const maxPatternShown = 40

// ShownPattern returns s as an error message quotes a bad pattern: cut to
// maxPatternShown bytes on a rune boundary, "…" marking the cut.
func ShownPattern(s string) string {
	if len(s) <= maxPatternShown {
		return s
	}
	return strings.ToValidUTF8(s[:maxPatternShown], "") + "…"
}

// validMethod reports whether m is an HTTP method token (upper case).
func validMethod(m string) bool {
	for _, c := range m {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return m != ""
}

// Matches reports whether the pattern covers method (upper case) on any
// of paths: the scan tries a request's path as sent and relative to the
// target's base, as patterns are written either way.
func (e Exclusion) Matches(method string, paths ...string) bool {
	if e.method != "*" && e.method != method && (e.method != http.MethodGet || method != http.MethodHead) {
		return false
	}
	for _, p := range paths {
		if e.path.MatchString(p) {
			return true
		}
	}
	return false
}
