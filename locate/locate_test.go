package locate

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authgate/authgate/finding"
)

// writeTree creates files (relative path -> content) under a new temporary
// directory and returns it.
func writeTree(t testing.TB, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// lookup is one Locate call and what it must return; file "" means not
// found.
type lookup struct {
	name   string
	method string
	route  string
	file   string
	line   int
}

func check(t *testing.T, f *Finder, cases []lookup) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := f.Locate(c.method, c.route)
			if c.file == "" {
				if ok {
					t.Fatalf("Locate(%s %s) = %+v, want not found", c.method, c.route, got)
				}
				return
			}
			want := finding.Location{File: c.file, Line: c.line}
			if !ok || got != want {
				t.Fatalf("Locate(%s %s) = %+v, %v; want %+v", c.method, c.route, got, ok, want)
			}
		})
	}
}

func newFinder(t testing.TB, root, spec string) *Finder {
	t.Helper()
	f, err := New(root, spec)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return f
}

const flaskApp = `from flask import Flask, Blueprint, jsonify, request

app = Flask(__name__)
bp = Blueprint("orders", __name__)


@app.route('/user')
def get_user():
    return jsonify({})


@bp.route("/api/orders/<int:order_id>", methods=["GET", "DELETE"])
def order(order_id):
    return jsonify({})


@bp.route(
    "/api/orders",
    methods=[
        "POST",
    ],
)
def create_order():
    return jsonify({})


@app.get('/health')
def health():
    return "ok"


@app.route('/admin/<path:rest>', methods=ALL_METHODS)
def admin(rest):
    return "ok"


def legacy():
    return "ok"


app.add_url_rule('/legacy', view_func=legacy, methods=['PUT'])
`

func TestFlask(t *testing.T) {
	root := writeTree(t, map[string]string{"app.py": flaskApp})
	check(t, newFinder(t, root, ""), []lookup{
		{"route without methods is GET", "GET", "/user", "app.py", 7},
		{"HEAD is implied by GET", "HEAD", "/user", "app.py", 7},
		{"OPTIONS answered by every route", "OPTIONS", "/user", "app.py", 7},
		{"route without methods is not POST", "POST", "/user", "", 0},
		{"converter parameter", "GET", "/api/orders/{orderId}", "app.py", 12},
		{"second method of list", "DELETE", "/api/orders/{orderId}", "app.py", 12},
		{"method not in list", "PUT", "/api/orders/{orderId}", "", 0},
		{"methods over several lines", "POST", "/api/orders", "app.py", 17},
		{"GET not in multi-line list", "GET", "/api/orders", "", 0},
		{"app.get shortcut", "GET", "/health", "app.py", 27},
		{"methods from a constant are unknown", "PATCH", "/admin/{rest}", "app.py", 32},
		{"add_url_rule", "PUT", "/legacy", "app.py", 41},
		{"lower-case method", "get", "/user", "app.py", 7},
		{"trailing slash ignored", "GET", "/user/", "app.py", 7},
		{"missing route", "GET", "/nope", "", 0},
		{"whole API", "GET", "*", "", 0},
	})
}

// TestFlaskExample runs over the repository's own example, whose spec and
// three apps all declare GET /user.
func TestFlaskExample(t *testing.T) {
	dir := filepath.Join("..", "examples", "flask-dynamodb")
	if _, err := os.Stat(filepath.Join(dir, "app.py")); err != nil {
		t.Skipf("example not present: %v", err)
	}
	appLine := lineOf(t, filepath.Join(dir, "app.py"), "@app.route('/user')")
	specLine := lineOf(t, filepath.Join(dir, "openapi.yaml"), "    get:")
	t.Run("source", func(t *testing.T) {
		// app.py wins over app_fixed.py and app_published_fix.py: the
		// shortest path.
		check(t, newFinder(t, dir, ""), []lookup{{"GET /user", "GET", "/user", "app.py", appLine}})
	})
	t.Run("spec", func(t *testing.T) {
		check(t, newFinder(t, dir, filepath.Join(dir, "openapi.yaml")), []lookup{{"GET /user", "GET", "/user", "openapi.yaml", specLine}})
	})
}

// lineOf returns the 1-based line of the first line of path starting with
// prefix.
func lineOf(t *testing.T, path, prefix string) int {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, prefix) {
			return i + 1
		}
	}
	t.Fatalf("%s: no line starting with %q", path, prefix)
	return 0
}

const fastAPIApp = `from fastapi import APIRouter, FastAPI

app = FastAPI()
router = APIRouter()


@app.get("/api/orders/{order_id}")
async def read_order(order_id: int):
    return {}


@router.delete("/api/orders/{order_id}")
async def delete_order(order_id: int):
    return {}


@app.api_route("/items", methods=["GET", "POST"])
def items():
    return []


@router.post(path="/login")
def login():
    return {}
`

func TestFastAPI(t *testing.T) {
	root := writeTree(t, map[string]string{"src/main.py": fastAPIApp})
	check(t, newFinder(t, root, ""), []lookup{
		{"get with renamed parameter", "GET", "/api/orders/{orderId}", "src/main.py", 7},
		{"router delete", "DELETE", "/api/orders/{orderId}", "src/main.py", 12},
		{"method declared nowhere", "PUT", "/api/orders/{orderId}", "", 0},
		{"api_route methods", "POST", "/items", "src/main.py", 17},
		{"path keyword", "POST", "/login", "src/main.py", 22},
	})
}

const expressApp = "const express = require('express');\n" + // 1
	"const axios = require('axios');\n" + // 2
	"const app = express();\n" + // 3
	"const router = express.Router();\n" + // 4
	"\n" + // 5
	"app.get('/user', (req, res) => res.json({}));\n" + // 6
	"router.get(\"/api/orders/:orderId\", handler);\n" + // 7
	"router.post(`/api/orders`, handler);\n" + // 8
	"app.route('/books').get(list).post(create);\n" + // 9
	"axios.get('/client-only');\n" + // 10
	"app.all('/any', handler);\n" + // 11
	"app.get(`${prefix}/templated`, handler);\n" + // 12
	"app.use('/api', router);\n" + // 13
	"router.patch(\n" + // 14
	"  '/api/orders/:orderId/items/:itemId',\n" + // 15
	"  requireAuth,\n" + // 16
	"  handler,\n" + // 17
	");\n" // 18

func TestExpress(t *testing.T) {
	root := writeTree(t, map[string]string{
		"server.js":                   expressApp,
		"node_modules/lib/index.js":   "app.get('/vendored', h);\n",
		"test/server.test.js":         "\n\napp.get('/api/orders/:orderId', h);\n",
		"web/src/routes/orders.ts":    "\nrouter.put('/orders/:id', update);\n",
		"dist/bundle.js":              "app.get('/bundled', h);\n",
		"build/out.js":                "app.get('/built', h);\n",
		".venv/lib/flask/app.py":      "@app.route('/hidden')\n",
		"vendor/github.com/x/mux.go":  "r.HandleFunc(\"/vendored-go\", h)\n",
		"__pycache__/mod.py":          "@app.route('/cached')\n",
		"app/__tests__/fixture.js":    "app.get('/only-in-tests', h);\n",
		"docs/readme.md":              "app.get('/markdown', h);\n",
		"web/src/routes/orders.d.txt": "router.put('/orders/:id', update);\n",
	})
	check(t, newFinder(t, root, ""), []lookup{
		{"app.get", "GET", "/user", "server.js", 6},
		{"colon parameter, app file beats test file", "GET", "/api/orders/{orderId}", "server.js", 7},
		{"backticks", "POST", "/api/orders", "server.js", 8},
		{"route() has unknown method", "POST", "/books", "server.js", 9},
		{"HTTP client call is not a route", "GET", "/client-only", "", 0},
		{"all", "PATCH", "/any", "server.js", 11},
		{"arguments on the next lines", "PATCH", "/api/orders/{orderId}/items/{itemId}", "server.js", 14},
		{"template literal with prefix ignored", "GET", "/templated", "", 0},
		{"mounted router found by suffix", "PUT", "/api/orders/{orderId}", "web/src/routes/orders.ts", 2},
		{"node_modules skipped", "GET", "/vendored", "", 0},
		{"dist skipped", "GET", "/bundled", "", 0},
		{"build skipped", "GET", "/built", "", 0},
		{"hidden directory skipped", "GET", "/hidden", "", 0},
		{"vendor skipped", "GET", "/vendored-go", "", 0},
		{"__pycache__ skipped", "GET", "/cached", "", 0},
		{"test file used when nothing else", "GET", "/only-in-tests", "app/__tests__/fixture.js", 1},
		{"non-source file ignored", "GET", "/markdown", "", 0},
	})
}

const goApp = "package main\n" + // 1
	"\n" + // 2
	"func routes(mux *http.ServeMux, r chi.Router, g *gin.Engine, e *echo.Echo) {\n" + // 3
	"\tmux.HandleFunc(\"/user\", user)\n" + // 4
	"\tmux.Handle(\"GET /api/orders/{orderId}\", orders)\n" + // 5
	"\tmux.HandleFunc(\"DELETE example.com/api/orders/{id}\", del)\n" + // 6
	"\tr.Get(\"/chi/{id}\", h)\n" + // 7
	"\tg.GET(\"/gin/:id\", h)\n" + // 8
	"\te.POST(`/echo/:id`, h)\n" + // 9
	"\tm.HandleFunc(\"/gorilla/{id:[0-9]+}\", h).Methods(\"PUT\", http.MethodPatch)\n" + // 10
	"\tr.Method(http.MethodPost, \"/chi-method\", h)\n" + // 11
	"\tresp, _ := http.Get(\"http://example.com/user\")\n" + // 12
	"\tmux.HandleFunc(\"GET /{$}\", home)\n" + // 13
	"}\n"

func TestGo(t *testing.T) {
	root := writeTree(t, map[string]string{"cmd/api/routes.go": goApp})
	const file = "cmd/api/routes.go"
	check(t, newFinder(t, root, ""), []lookup{
		{"HandleFunc without method serves any", "POST", "/user", file, 4},
		{"Go 1.22 method pattern", "GET", "/api/orders/{orderId}", file, 5},
		{"Go 1.22 pattern wrong method", "POST", "/api/orders/{orderId}", "", 0},
		{"Go 1.22 pattern with host", "DELETE", "/api/orders/{orderId}", file, 6},
		{"chi", "GET", "/chi/{id}", file, 7},
		{"gin", "GET", "/gin/{id}", file, 8},
		{"echo backticks", "POST", "/echo/{id}", file, 9},
		{"gorilla Methods", "PATCH", "/gorilla/{id}", file, 10},
		{"gorilla method not listed", "GET", "/gorilla/{id}", "", 0},
		{"chi Method", "POST", "/chi-method", file, 11},
		{"root with end marker", "GET", "/", file, 13},
	})
}

const specYAML = `openapi: 3.0.3
info:
  title: t
  version: "1"
paths:
  /user:
    get:
      responses:
        "200":
          description: ok
    delete:
      responses:
        "200":
          description: ok
  /api/orders/{id}:
    get:
      responses:
        "200":
          description: ok
`

func TestSpecPreferred(t *testing.T) {
	files := map[string]string{"app.py": flaskApp, "api/openapi.yaml": specYAML}
	root := writeTree(t, files)
	t.Run("inside root", func(t *testing.T) {
		check(t, newFinder(t, root, filepath.Join(root, "api", "openapi.yaml")), []lookup{
			{"spec wins over source", "GET", "/user", "api/openapi.yaml", 7},
			{"second method", "DELETE", "/user", "api/openapi.yaml", 11},
			{"parameter name differs from the spec", "GET", "/api/orders/{orderId}", "api/openapi.yaml", 16},
			{"not in spec, found in source", "GET", "/health", "app.py", 27},
		})
	})
	t.Run("outside root", func(t *testing.T) {
		outside := writeTree(t, map[string]string{"openapi.yaml": specYAML})
		check(t, newFinder(t, root, filepath.Join(outside, "openapi.yaml")), []lookup{
			{"source used", "GET", "/user", "app.py", 7},
		})
	})
	t.Run("relative to working directory", func(t *testing.T) {
		t.Chdir(root)
		check(t, newFinder(t, ".", "api/openapi.yaml"), []lookup{
			{"spec wins", "GET", "/user", "api/openapi.yaml", 7},
		})
	})
	t.Run("unusable spec", func(t *testing.T) {
		for _, spec := range []string{"", "https://example.com/openapi.json", filepath.Join(root, "missing.yaml"), filepath.Join(root, "app.py")} {
			check(t, newFinder(t, root, spec), []lookup{
				{"source used for " + spec, "GET", "/user", "app.py", 7},
			})
		}
	})
}

func TestBasePath(t *testing.T) {
	spec := strings.Replace(specYAML, "paths:", "servers:\n  - url: https://api.example.com/v1\npaths:", 1)
	root := writeTree(t, map[string]string{"openapi.yaml": spec})
	check(t, newFinder(t, root, filepath.Join(root, "openapi.yaml")), []lookup{
		{"document path", "GET", "/user", "openapi.yaml", 9},
		{"with base path", "GET", "/v1/user", "openapi.yaml", 9},
	})
}

func TestSymlinks(t *testing.T) {
	outside := writeTree(t, map[string]string{
		"secret/app.py": "@app.route('/outside')\n",
		"openapi.yaml":  specYAML,
	})
	root := writeTree(t, map[string]string{"app.py": "\n@app.route('/inside')\n"})
	for _, link := range []struct{ name, target string }{
		{"linkdir", filepath.Join(outside, "secret")},
		{"linked.py", filepath.Join(outside, "secret", "app.py")},
		{"openapi.yaml", filepath.Join(outside, "openapi.yaml")},
	} {
		if err := os.Symlink(link.target, filepath.Join(root, link.name)); err != nil {
			t.Skipf("symlinks not supported: %v", err)
		}
	}
	check(t, newFinder(t, root, filepath.Join(root, "openapi.yaml")), []lookup{
		{"route behind symlinked dir", "GET", "/outside", "", 0},
		{"spec symlinked from outside not used", "GET", "/user", "", 0},
		{"own route found", "GET", "/inside", "app.py", 2},
	})
}

func TestAmbiguity(t *testing.T) {
	root := writeTree(t, map[string]string{
		"b.py":            "\n\n@app.route('/x')\n@app.route('/x')\n",
		"a.py":            "\n\n\n@app.route('/x')\n",
		"longer/a.py":     "@app.route('/x')\n",
		"m.py":            "@app.route('/m')\n@app.route('/m', methods=['POST'])\n",
		"users.py":        "@app.route('/users/me')\n@app.route('/users/<id>')\n",
		"wide.py":         "@app.route('/loose/<id>')\n",
		"tests/strict.py": "@app.route('/loose/fixed')\n",
	})
	check(t, newFinder(t, root, ""), []lookup{
		{"shortest path, then name, then lowest line", "GET", "/x", "a.py", 4},
		{"exact method beats implied", "POST", "/m", "m.py", 2},
		{"parameter prefers parameter", "GET", "/users/{id}", "users.py", 2},
		{"literal prefers literal", "GET", "/users/me", "users.py", 1},
		{"same template beats parameter-for-literal", "GET", "/loose/fixed", "tests/strict.py", 1},
		{"prefix match needs a fixed segment", "GET", "/api/anything/{id}", "", 0},
	})
}

func TestNewErrors(t *testing.T) {
	file := filepath.Join(writeTree(t, map[string]string{"f": "x"}), "f")
	for _, root := range []string{filepath.Join(t.TempDir(), "missing"), file} {
		if _, err := New(root, ""); err == nil {
			t.Errorf("New(%q) succeeded, want error", root)
		}
	}
}

func TestLargeFileSkipped(t *testing.T) {
	big := "@app.route('/big')\n" + strings.Repeat("#", maxFileBytes)
	root := writeTree(t, map[string]string{"big.py": big, "small.py": "@app.route('/small')\n"})
	check(t, newFinder(t, root, ""), []lookup{
		{"over the limit", "GET", "/big", "", 0},
		{"under the limit", "GET", "/small", "small.py", 1},
	})
}

// BenchmarkNew indexes a generated tree of about 2,000 source files.
func BenchmarkNew(b *testing.B) {
	files := map[string]string{}
	for i := range 2000 {
		var body strings.Builder
		switch i % 3 {
		case 0:
			for j := range 10 {
				fmt.Fprintf(&body, "@app.route('/svc%d/items%d/<int:id>', methods=['GET'])\ndef h%d(id):\n    return str(id)\n\n", i, j, j)
			}
			files[fmt.Sprintf("py/pkg%d/mod%d.py", i/100, i)] = body.String()
		case 1:
			for j := range 10 {
				fmt.Fprintf(&body, "router.get('/svc%d/items%d/:id', (req, res) => {\n  res.json({ id: req.params.id });\n});\n", i, j)
			}
			files[fmt.Sprintf("js/pkg%d/mod%d.js", i/100, i)] = body.String()
		default:
			body.WriteString("package p\n\nfunc routes() {\n")
			for j := range 10 {
				fmt.Fprintf(&body, "\tr.Get(\"/svc%d/items%d/{id}\", h)\n\tx := compute(%d)\n\t_ = x\n", i, j, j)
			}
			body.WriteString("}\n")
			files[fmt.Sprintf("go/pkg%d/mod%d.go", i/100, i)] = body.String()
		}
	}
	root := writeTree(b, files)
	for b.Loop() {
		f, err := New(root, "")
		if err != nil {
			b.Fatal(err)
		}
		if _, ok := f.Locate("GET", "/svc1999/items9/{id}"); !ok {
			b.Fatal("route not found")
		}
	}
}
