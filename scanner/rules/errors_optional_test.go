package rules_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner"
	"github.com/authgate/authgate/scanner/rules"
)

// The probe verbose-error-disclosure puts in optional query parameters:
// the quote of its malformed values.
const optionalBreaker = `authgate'"<>{}\`

// searchSpec describes GET route with the parameters params (YAML flow
// mappings, one a line), as users describe a search: q optional, no
// example.
func searchSpec(route string, params ...string) string {
	s := "openapi: 3.0.3\ninfo: {title: search, version: \"1\"}\npaths:\n  " + route + ":\n    get:\n"
	if len(params) > 0 {
		s += "      parameters:\n"
		for _, p := range params {
			s += "        - " + p + "\n"
		}
	}
	return s + "      responses: {\"200\": {description: ok}}\n"
}

// searchAPI answers GET /api/products/search and
// GET /api/shops/{shopId}/search (shopId must be an integer: a 400
// otherwise) with the products whose name holds q, and a q with a quote
// with broken: how the server fails when q is concatenated into SQL (the
// vulnerable twin), or how a fixed one answers. It records every query
// string it was sent.
type searchAPI struct {
	broken func(w http.ResponseWriter, q string)

	mu      sync.Mutex
	queries []string
}

// sent is a copy of the query strings received so far.
func (a *searchAPI) sent() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.queries...)
}

func (a *searchAPI) handler() http.Handler {
	mux := http.NewServeMux()
	search := func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		a.queries = append(a.queries, r.URL.RawQuery)
		a.mu.Unlock()
		if id := r.PathValue("shopId"); id != "" && strings.Trim(id, "0123456789") != "" {
			writeJSON(w, 400, map[string]string{"error": "shopId must be an integer"})
			return
		}
		if q := r.URL.Query().Get("q"); strings.Contains(q, "'") {
			a.broken(w, q)
			return
		}
		writeJSON(w, 200, map[string]any{"status": "success", "data": []any{map[string]any{"id": 1, "name": "Apple Juice"}}})
	}
	mux.HandleFunc("GET /api/products/search", search)
	mux.HandleFunc("GET /api/shops/{shopId}/search", search)
	return mux
}

// sqliteLeak is Juice Shop's answer to a quote in the search: Sequelize's
// error with SQLite's code and the SQL it ran.
func sqliteLeak(w http.ResponseWriter, q string) {
	sql := "SELECT * FROM Products WHERE ((name LIKE '%" + q + "%') AND deletedAt IS NULL) ORDER BY name"
	writeJSON(w, 500, map[string]any{"error": map[string]any{
		"message": `SQLITE_ERROR: near "` + strings.SplitN(q[strings.Index(q, "'")+1:], " ", 2)[0] + `": syntax error`,
		"name":    "SequelizeDatabaseError", "parent": map[string]any{"errno": 1, "code": "SQLITE_ERROR", "sql": sql}, "sql": sql}})
}

// TestVerboseErrorOptionalQuery: the quote reaches an optional query
// parameter without an example (Juice Shop's GET /rest/products/search?q=),
// and only a leak is a finding: the fixed twins (q bound as a parameter, a
// generic 500, a 400 "invalid query") are clean.
func TestVerboseErrorOptionalQuery(t *testing.T) {
	q := `{name: q, in: query, schema: {type: string}}`
	tests := []struct {
		name   string
		spec   string
		broken func(w http.ResponseWriter, q string)
		want   bool
	}{
		{"SQLite error in a 500", searchSpec("/api/products/search", q), sqliteLeak, true},
		{"untyped q", searchSpec("/api/products/search", `{name: q, in: query}`), sqliteLeak, true},
		// The required shopId keeps its example: a malformed one is a 400
		// before the handler reads q.
		{"required path id kept valid", searchSpec("/api/shops/{shopId}/search",
			`{name: shopId, in: path, required: true, schema: {type: integer}, example: 7}`, q), sqliteLeak, true},
		{"fixed: q bound as a parameter", searchSpec("/api/products/search", q),
			func(w http.ResponseWriter, _ string) {
				writeJSON(w, 200, map[string]any{"status": "success", "data": []any{}})
			}, false},
		{"fixed: generic 500", searchSpec("/api/products/search", q),
			func(w http.ResponseWriter, _ string) {
				writeJSON(w, 500, map[string]string{"error": "internal server error"})
			}, false},
		{"fixed: 400 invalid query", searchSpec("/api/products/search", q),
			func(w http.ResponseWriter, _ string) { writeJSON(w, 400, map[string]string{"error": "invalid query"}) }, false},
		// An integer filter is not a place for a quote: a typed server
		// rejects it whatever it does with strings.
		{"integer optional parameter not probed", searchSpec("/api/products/search", `{name: q, in: query, schema: {type: integer}}`), sqliteLeak, false},
	}
	only := []scanner.Rule{rules.VerboseErrorDisclosure{}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			api := &searchAPI{broken: tt.broken}
			fs := scanRules(t, api.handler(), scanOpts{spec: tt.spec, apiRules: []scanner.APIRule{}}, only)
			f := leakFinding(fs)
			if f == nil {
				if tt.want {
					t.Fatalf("missed; findings:%s; queries sent %q", list(fs), api.sent())
				}
				return
			}
			if !tt.want {
				t.Fatalf("reported on a correct API: %s", f.Evidence.Summary)
			}
			if !strings.Contains(f.Evidence.Summary, "a SQLite error (Node.js)") {
				t.Errorf("summary %q does not name the SQLite error", f.Evidence.Summary)
			}
			if len(f.Evidence.Exchanges) == 0 || !strings.Contains(f.Evidence.Exchanges[0].URL, "q=authgate%27") {
				t.Errorf("evidence does not show the quote in q: %+v", f.Evidence.Exchanges)
			}
			if strings.Contains(tt.spec, "shopId") && !strings.Contains(f.Evidence.Exchanges[0].URL, "/api/shops/7/search?") {
				t.Errorf("the required shopId was not kept at its example: %s", f.Evidence.Exchanges[0].URL)
			}
		})
	}
}

// TestVerboseErrorOptionalQueryBound: the optional probe is one request
// however many filters the operation has, with the quote in the first four
// string (or untyped) query parameters in the description's order; the
// rest, an integer filter and a header are left alone. On a clean server the
// operation costs two requests: the normal one and the probe.
func TestVerboseErrorOptionalQueryBound(t *testing.T) {
	spec := searchSpec("/api/products/search",
		`{name: limit, in: query, schema: {type: integer}}`,
		`{name: q, in: query, schema: {type: string}}`,
		`{name: X-Trace, in: header, schema: {type: string}}`,
		`{name: sort, in: query, schema: {type: string}}`,
		`{name: category, in: query}`,
		`{name: brand, in: query, schema: {type: string}}`,
		`{name: color, in: query, schema: {type: string}}`,
		`{name: size, in: query, schema: {type: string}}`,
	)
	api := &searchAPI{broken: func(w http.ResponseWriter, _ string) {
		writeJSON(w, 200, map[string]any{"status": "success", "data": []any{}})
	}}
	fs := scanRules(t, api.handler(), scanOpts{spec: spec, apiRules: []scanner.APIRule{}}, []scanner.Rule{rules.VerboseErrorDisclosure{}})
	if f := leakFinding(fs); f != nil {
		t.Fatalf("reported on a clean server: %s", f.Evidence.Summary)
	}
	queries := api.sent()
	if len(queries) != 2 {
		t.Fatalf("sent %d requests, want 2 (normal, probe): %q", len(queries), queries)
	}
	enc := strings.NewReplacer("'", "%27", `"`, "%22", "<", "%3C", ">", "%3E", "{", "%7B", "}", "%7D", `\`, "%5C").Replace(optionalBreaker)
	probe := queries[1]
	for _, name := range []string{"q", "sort", "category", "brand"} {
		if !strings.Contains("&"+probe, "&"+name+"="+enc) {
			t.Errorf("probe %q has no quote in %s", probe, name)
		}
	}
	for _, name := range []string{"color", "size", "limit"} {
		if strings.Contains("&"+probe, "&"+name+"=") {
			t.Errorf("probe %q sets %s (past the bound, or not a string)", probe, name)
		}
	}
	if queries[0] != "" {
		t.Errorf("the normal request %q sets optional parameters", queries[0])
	}
}

// TestVerboseErrorOptionalQuerySafeMode: in safe mode the optional probe,
// like every probe of the rule, goes only to operations that change
// nothing: a POST search with an optional q is not sent.
func TestVerboseErrorOptionalQuerySafeMode(t *testing.T) {
	spec := "openapi: 3.0.3\ninfo: {title: search, version: \"1\"}\npaths:\n  /api/products/search:\n    post:\n" +
		"      parameters:\n        - {name: q, in: query, schema: {type: string}}\n      responses: {\"200\": {description: ok}}\n"
	var mu sync.Mutex
	posts := 0
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			mu.Lock()
			posts++
			mu.Unlock()
		}
		sqliteLeak(w, "'")
	})
	fs := scanRules(t, h, scanOpts{spec: spec, mode: finding.ModeSafe, apiRules: []scanner.APIRule{}}, []scanner.Rule{rules.VerboseErrorDisclosure{}})
	if f := leakFinding(fs); f != nil {
		t.Errorf("reported a POST in safe mode: %s", f.Evidence.Summary)
	}
	mu.Lock()
	defer mu.Unlock()
	if posts != 0 {
		t.Errorf("sent %d POST requests in safe mode", posts)
	}
}
