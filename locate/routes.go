package locate

import (
	"path"
	"slices"
	"strings"

	"github.com/authgate/authgate/internal/lazyre"
)

// language says which route declarations a file may hold.
type language int

const (
	langNone language = iota
	langPython
	langJS
	langGo
)

// languageOf picks the language by file name; other files are not read.
func languageOf(name string) language {
	switch strings.ToLower(path.Ext(name)) {
	case ".py":
		return langPython
	case ".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx":
		return langJS
	case ".go":
		return langGo
	}
	return langNone
}

// segment is one part of a route between slashes; a parameter of any
// framework's syntax (`{id}`, `<int:id>`, `:id`, `*rest`) is a wildcard.
type segment struct {
	literal string
	param   bool
}

// route is one route declaration found in the source.
type route struct {
	file string // relative to the root, forward slashes
	line int    // 1-based
	// methods the declaration serves, upper case; nil when unknown (a
	// handler for every method, or one that dispatches itself).
	methods []string
	segs    []segment
	test    bool // in a test file: a route there is a fixture, not the app
}

// Python: Flask `@app.route('/user', methods=[...])`, `@bp.get(...)`,
// FastAPI `@router.get("/user")`, `@app.api_route(...)`. Decorators only:
// `requests.get('/user')` is a client call.
var pyDecorator = lazyre.New(`^\s*@\s*[A-Za-z_][\w.]*\.(route|api_route|get|post|put|patch|delete|head|options)\(\s*(?:(?:rule|path)\s*=\s*)?[rRuU]?(?:'([^']*)'|"([^"]*)")`)

// pyAddURLRule is Flask's non-decorator registration.
var pyAddURLRule = lazyre.New(`\.add_url_rule\(\s*(?:rule\s*=\s*)?[rRuU]?(?:'([^']*)'|"([^"]*)")`)

// jsCall is Express (and Koa router, Fastify, Hono) `app.get('/user'`,
// `router.post("/user"`, `app.route('/user')`; the receiver is captured to
// leave HTTP clients out.
var jsCall = lazyre.New("(?:^|[^\\w$.])([A-Za-z_$][\\w$]*)\\.(get|post|put|patch|delete|head|options|all|route)\\(\\s*(?:'([^']*)'|\"([^\"]*)\"|`([^`]*)`)")

// jsClients are receivers that send requests rather than declare routes.
var jsClients = map[string]bool{
	"axios": true, "http": true, "https": true, "request": true, "client": true,
	"superagent": true, "fetch": true, "got": true, "ky": true, "$": true,
	"$http": true, "cy": true, "supertest": true,
}

// goCall is net/http `HandleFunc("/user"` and `Handle("GET /user"`, chi
// `r.Get("/user"`, gin `r.GET("/user"`, echo `e.GET("/user"`, gorilla
// `r.HandleFunc("/user", h).Methods("GET")`.
var goCall = lazyre.New("\\.(HandleFunc|Handle|Get|Post|Put|Patch|Delete|Head|Options|Connect|Trace|GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|CONNECT|TRACE|Any)\\(\\s*(?:\"([^\"]*)\"|`([^`]*)`)")

// goMethodCall is chi's `r.Method("GET", "/user", h)`.
var goMethodCall = lazyre.New("\\.(?:Method|MethodFunc)\\(\\s*(?:http\\.Method(\\w+)|\"(\\w+)\")\\s*,\\s*(?:\"([^\"]*)\"|`([^`]*)`)")

// gorillaMethods is gorilla/mux's `.Methods("GET", http.MethodPost)`.
var gorillaMethods = lazyre.New(`\.Methods\(([^)]*)\)`)

// pyMethodsArg is the methods= argument of a Flask or FastAPI route; the
// group is empty when it is not a literal list.
var pyMethodsArg = lazyre.New(`methods\s*=\s*(?:[\[({]([^\])}]*))?`)

// methodWord is one method name inside a methods list.
var methodWord = lazyre.New(`["'](\w+)["']|http\.Method(\w+)`)

// maxCallLines bounds how far a call's arguments are followed onto the next
// lines (formatters put each argument, even each list item, on its own).
const maxCallLines = 12

// scanFile returns the route declarations in one file.
func scanFile(rel string, lang language, data []byte) []route {
	lines := strings.Split(string(data), "\n")
	test := isTestPath(rel)
	var out []route
	add := func(i int, methods []string, pattern string) {
		if !strings.HasPrefix(pattern, "/") {
			// A template literal with a prefix variable, a full URL, a
			// relative path: not a route this package can compare.
			return
		}
		out = append(out, route{file: rel, line: i + 1, methods: methods, segs: segmentsOf(pattern), test: test})
	}
	for i, line := range lines {
		if !strings.Contains(line, "(") {
			continue
		}
		if strings.HasSuffix(strings.TrimSpace(line), "(") {
			// A call whose arguments a formatter (black, prettier)
			// moved onto the next lines.
			line = strings.ReplaceAll(callText(lines, i), "\n", " ")
		}
		// Every declaration has a path.
		if !strings.Contains(line, "/") {
			continue
		}
		switch lang {
		case langPython:
			if m := pyDecorator.FindStringSubmatch(line); m != nil {
				methods := []string{strings.ToUpper(m[1])}
				if m[1] == "route" || m[1] == "api_route" {
					methods = pyMethods(lines, i)
				}
				add(i, methods, m[2]+m[3])
			} else if m := pyAddURLRule.FindStringSubmatch(line); m != nil {
				add(i, pyMethods(lines, i), m[1]+m[2])
			}
		case langJS:
			for _, m := range jsCall.FindAllStringSubmatch(line, -1) {
				if jsClients[m[1]] {
					continue
				}
				var methods []string
				if m[2] != "all" && m[2] != "route" {
					methods = []string{strings.ToUpper(m[2])}
				}
				add(i, methods, m[3]+m[4]+m[5])
			}
		case langGo:
			for _, m := range goCall.FindAllStringSubmatch(line, -1) {
				pattern := m[2] + m[3]
				var methods []string
				switch m[1] {
				case "HandleFunc", "Handle":
					methods, pattern = goPattern(pattern)
					if methods == nil {
						methods = gorillaList(line)
					}
				case "Any":
				default:
					methods = []string{strings.ToUpper(m[1])}
				}
				add(i, methods, pattern)
			}
			for _, m := range goMethodCall.FindAllStringSubmatch(line, -1) {
				add(i, []string{strings.ToUpper(m[1] + m[2])}, m[3]+m[4])
			}
		}
	}
	return out
}

// callText returns line i and the lines after it up to the one where its
// parentheses close, at most maxCallLines.
func callText(lines []string, i int) string {
	var b strings.Builder
	depth := 0
	for j := i; j < len(lines) && j < i+maxCallLines; j++ {
		b.WriteString(lines[j])
		b.WriteByte('\n')
		depth += strings.Count(lines[j], "(") - strings.Count(lines[j], ")")
		if depth <= 0 {
			break
		}
	}
	return b.String()
}

// pyMethods reads the methods= of the decorator or call starting on line i.
// Flask and FastAPI serve GET only when methods= is absent.
func pyMethods(lines []string, i int) []string {
	m := pyMethodsArg.FindStringSubmatch(callText(lines, i))
	if m == nil {
		return []string{"GET"}
	}
	if m[1] == "" {
		// methods=SOME_CONSTANT: not knowable without running the code.
		return nil
	}
	return methodList(m[1])
}

// goPattern splits a net/http pattern, "[METHOD ][HOST]/[PATH]" since Go
// 1.22, into its method (nil for any) and path.
func goPattern(p string) ([]string, string) {
	var methods []string
	if i := strings.IndexAny(p, " \t"); i > 0 {
		methods = []string{strings.ToUpper(p[:i])}
		p = strings.TrimSpace(p[i:])
	}
	if !strings.HasPrefix(p, "/") {
		i := strings.IndexByte(p, '/')
		if i < 0 {
			return methods, p
		}
		p = p[i:]
	}
	return methods, p
}

// gorillaList returns the methods of a gorilla/mux .Methods(...) on line,
// nil when there is none.
func gorillaList(line string) []string {
	m := gorillaMethods.FindStringSubmatch(line)
	if m == nil {
		return nil
	}
	return methodList(m[1])
}

// methodList reads quoted method names and http.MethodX constants.
func methodList(s string) []string {
	var out []string
	for _, m := range methodWord.FindAllStringSubmatch(s, -1) {
		out = append(out, strings.ToUpper(m[1]+m[2]))
	}
	return out
}

// isTestPath reports a test file or a file under a test directory.
func isTestPath(rel string) bool {
	base := path.Base(rel)
	if strings.HasSuffix(base, "_test.go") || strings.HasPrefix(base, "test_") ||
		strings.HasSuffix(base, "_test.py") || base == "conftest.py" ||
		strings.Contains(base, ".test.") || strings.Contains(base, ".spec.") {
		return true
	}
	for _, dir := range strings.Split(path.Dir(rel), "/") {
		switch dir {
		case "test", "tests", "__tests__", "spec", "testdata", "e2e":
			return true
		}
	}
	return false
}

// segmentsOf splits a route template of any framework into segments.
// Empty segments are dropped, so a trailing slash does not matter, and Go's
// end-of-path marker {$} is ignored.
func segmentsOf(p string) []segment {
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	var segs []segment
	for _, s := range strings.Split(p, "/") {
		if s == "" || s == "{$}" {
			continue
		}
		param := strings.ContainsAny(s, "{<*") || strings.HasPrefix(s, ":")
		segs = append(segs, segment{literal: s, param: param})
	}
	return segs
}

// sameTemplate reports whether a and b are the same route up to the names
// and syntax of their parameters.
func sameTemplate(a, b []segment) bool {
	return len(a) == len(b) && matchTail(a, b, false)
}

// matchTail compares a and b segment by segment from their ends, over the
// length of the shorter; loose lets a parameter match a fixed segment.
func matchTail(a, b []segment, loose bool) bool {
	n := min(len(a), len(b))
	a, b = a[len(a)-n:], b[len(b)-n:]
	for i := range n {
		switch {
		case a[i].param && b[i].param:
		case a[i].param || b[i].param:
			if !loose {
				return false
			}
		case a[i].literal != b[i].literal:
			return false
		}
	}
	return true
}

// Route tiers, best first.
const (
	tierSame     = iota // same template
	tierLoose           // a parameter on one side, a fixed segment on the other
	tierPrefixed        // one is the other behind a mount prefix
)

// Method tiers, best first.
const (
	methodExact   = iota // the declaration names the method
	methodUnknown        // the declaration serves any method, or we cannot tell
	methodImplied        // GET implies HEAD; every route answers OPTIONS
)

// rank says how well r answers METHOD want, or ok=false when it does not.
func (r *route) rank(method string, want []segment) (rank, bool) {
	var k rank
	switch {
	case sameTemplate(r.segs, want):
		k.routeTier = tierSame
	case len(r.segs) == len(want) && matchTail(r.segs, want, true):
		k.routeTier = tierLoose
	case len(r.segs) != len(want) && hasLiteral(shorter(r.segs, want)) && matchTail(r.segs, want, false):
		// A blueprint's url_prefix, an Express app.use('/api', router):
		// the shorter route must keep a fixed segment, or `/{id}` would
		// match every finding.
		k.routeTier = tierPrefixed
	default:
		return k, false
	}
	switch {
	case method == "" || r.methods == nil:
		k.methodTier = methodUnknown
	case slices.Contains(r.methods, method):
		k.methodTier = methodExact
	case method == "HEAD" && slices.Contains(r.methods, "GET"), method == "OPTIONS":
		k.methodTier = methodImplied
	default:
		return k, false
	}
	k.test = r.test
	return k, true
}

func shorter(a, b []segment) []segment {
	if len(a) < len(b) {
		return a
	}
	return b
}

func hasLiteral(segs []segment) bool {
	return slices.ContainsFunc(segs, func(s segment) bool { return !s.param })
}
