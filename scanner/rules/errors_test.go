package rules_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner"
	"github.com/authgate/authgate/scanner/rules"
)

// leakCase is one signature of verbose-error-disclosure's table: a body
// that discloses it and a generic error body of the same stack that
// discloses nothing.
type leakCase struct {
	sig        string // "stack/what", as in rules.LeakSignatures
	ctype      string // Content-Type of both bodies
	vulnerable string
	generic    string
}

const (
	ctJSON = "application/json"
	ctHTML = "text/html; charset=utf-8"
	ctText = "text/plain; charset=utf-8"
)

var leakCases = []leakCase{
	// Node.js.
	{"Node.js/a SQLite error", ctJSON,
		`{"error":{"message":"SQLITE_ERROR: near \"'\": syntax error","errno":1,"code":"SQLITE_ERROR","sql":"SELECT * FROM Products WHERE ((name LIKE '%authgate'\"<>{}\\%') AND deletedAt IS NULL)"}}`,
		`{"error":"internal server error"}`},
	{"Node.js/a Sequelize error", ctJSON,
		`{"name":"SequelizeDatabaseError","message":"invalid input syntax for type integer: \"authgate\""}`,
		`{"error":"Something went wrong"}`},
	{"Node.js/a MongoDB or Mongoose error", ctJSON,
		`{"message":"Cast to ObjectId failed for value \"authgate\" (type string) at path \"_id\" for model \"Order\"","name":"CastError"}`,
		`{"message":"Invalid order id"}`},
	{"Node.js/a Prisma error", ctJSON,
		"{\"error\":\"\\nInvalid `prisma.user.findUnique()` invocation:\\n\\nArgument `id`: Invalid value provided. Expected Int, provided String.\"}",
		`{"error":"Internal Server Error","statusCode":500}`},
	{"Node.js/a Node.js stack trace", ctHTML,
		"<pre>TypeError: Cannot read properties of undefined (reading 'id')<br> &nbsp; &nbsp;at getItem (/app/routes/items.js:42:17)\n    at Layer.handle [as handle_request] (/app/node_modules/express/lib/router/layer.js:95:5)</pre>",
		"<!DOCTYPE html><html><body><pre>Internal Server Error</pre></body></html>"},

	// Java.
	{"Java/a Hibernate error", ctJSON,
		`{"status":500,"error":"Internal Server Error","message":"could not execute statement; SQL [n/a]; constraint [uk_email]; nested exception is org.hibernate.exception.ConstraintViolationException"}`,
		`{"timestamp":"2026-12-07T04:50:00.000+00:00","status":500,"error":"Internal Server Error","path":"/api/items"}`},
	{"Java/a JDBC error", ctJSON,
		`{"error":"java.sql.SQLSyntaxErrorException: Unknown column 'authgate' in 'where clause'"}`,
		`{"error":"Internal Server Error","status":500}`},
	{"Java/a Spring exception", ctHTML,
		"<html><body><h1>Whitelabel Error Page</h1><p>This application has no explicit mapping for /error, so you are seeing this as a fallback.</p><div>There was an unexpected error (type=Internal Server Error, status=500).</div><div style='white-space:pre-wrap;'>java.lang.IllegalStateException: no item\n\tat org.springframework.web.servlet.FrameworkServlet.processRequest(FrameworkServlet.java:1014)</div></body></html>",
		"<html><body><h1>Whitelabel Error Page</h1><p>This application has no explicit mapping for /error, so you are seeing this as a fallback.</p><div id='created'>Mon Dec 07 04:50:00 UTC 2026</div><div>There was an unexpected error (type=Internal Server Error, status=500).</div></body></html>"},
	{"Java/a Java stack trace", ctText,
		"Internal error\n\tat com.example.items.ItemController.get(ItemController.java:42)\n",
		"Internal error\n"},
	{"Java/a Java exception class", ctJSON,
		`{"status":500,"error":"Internal Server Error","message":"java.lang.NumberFormatException: For input string: \"authgate\""}`,
		`{"status":500,"error":"Internal Server Error","message":"No message available"}`},

	// .NET.
	{".NET/a .NET stack trace", ctText,
		"An unhandled error occurred.\n   at Shop.Controllers.ItemsController.Get(String q) in /src/Shop/Controllers/ItemsController.cs:line 42\n",
		"An unhandled error occurred.\n"},
	{".NET/a .NET exception", ctJSON,
		`{"type":"https://tools.ietf.org/html/rfc9110#section-15.6.1","title":"System.FormatException","status":500,"detail":"The input string 'authgate' was not in a correct format."}`,
		`{"type":"https://tools.ietf.org/html/rfc9110#section-15.6.1","title":"An error occurred while processing your request.","status":500,"traceId":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"}`},

	// Go.
	{"Go/a Go panic", ctText,
		"panic: runtime error: invalid memory address or nil pointer dereference\n\ngoroutine 34 [running]:\nmain.getItem(...)\n\t/app/main.go:42 +0x1d\n",
		"Internal Server Error\n"},

	// Ruby and Rails.
	{"Ruby/a Rails exception", ctJSON,
		`{"status":404,"error":"Not Found","exception":"#<ActiveRecord::RecordNotFound: Couldn't find Item with 'id'=authgate>"}`,
		`{"status":500,"error":"Internal Server Error"}`},
	{"Ruby/a Ruby stack trace", ctText,
		"undefined method 'price' for nil\n/app/app/controllers/items_controller.rb:12:in 'ItemsController#show'\n",
		"We're sorry, but something went wrong.\n"},

	// PHP and Laravel.
	{"PHP/a Laravel or Symfony exception", ctJSON,
		`{"message":"SQL error","exception":"Illuminate\\Database\\QueryException","file":"/var/www/html/vendor/laravel/framework/src/Illuminate/Database/Connection.php","line":760}`,
		`{"message":"Server Error"}`},
	{"PHP/a PHP error", ctHTML,
		"<br />\n<b>Fatal error</b>:  Uncaught TypeError: strlen(): Argument #1 ($string) must be of type string, array given in /var/www/html/items.php:12 on line <b>12</b><br />",
		"<html><body><h1>500 Internal Server Error</h1></body></html>"},

	// Python.
	{"Python/a Python traceback", ctText,
		"Traceback (most recent call last):\n  File \"/app/app.py\", line 42, in get_item\n    return items[q]\nKeyError: 'authgate'\n",
		"Internal Server Error\n"},
	{"Python/a Django debug page", ctHTML,
		"<html><body><h1>ValueError at /api/items</h1><p>You're seeing this error because you have <code>DEBUG = True</code> in your Django settings file.</p></body></html>",
		"<!doctype html><html lang=\"en\"><head><title>Server Error (500)</title></head><body><h1>Server Error (500)</h1><p></p></body></html>"},
	{"Python/a SQLAlchemy error", ctJSON,
		`{"detail":"(sqlite3.OperationalError) unrecognised; [SQL: SELECT items.id FROM items WHERE items.name = ?] (Background on this error at: https://sqlalche.me/e/20/e3q8)"}`,
		`{"detail":"Internal Server Error"}`},
	{"Python/a psycopg error", ctJSON,
		`{"message":"psycopg.errors.InvalidTextRepresentation: invalid input value"}`,
		`{"message":"Internal Server Error"}`},

	// AWS.
	{"AWS/an AWS SDK (botocore) error message", ctJSON,
		`{"error":"An error occurred (ValidationException) when calling the GetItem operation: One or more parameter values are not valid."}`,
		`{"error":"ValidationException"}`},
	{"AWS/a DynamoDB exception", ctJSON,
		`{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"Requested resource not found"}`,
		`{"__type":"ResourceNotFoundException","message":"Requested resource not found"}`},
	{"AWS/an AWS SDK class name", ctJSON,
		`{"error":"botocore.exceptions.ParamValidationError"}`,
		`{"error":"Bad request"}`},

	// Any stack.
	{"any/a database error", ctJSON,
		`{"error":"ERROR: syntax error at or near \"authgate\""}`,
		`{"error":"Invalid query"}`},
}

// leakAPI answers GET /api/items?q=shoes with a list and any other q with
// body at status: the malformed probes reach the error path.
func leakAPI(status int, ctype, body string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/items", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("q") == "shoes" {
			writeJSON(w, 200, map[string]any{"items": []any{}})
			return
		}
		w.Header().Set("Content-Type", ctype)
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	})
	return mux
}

// TestVerboseErrorSignatures runs every signature of the table against a
// loopback server: its vulnerable body must be found, under its own name,
// and the generic error body of the same stack must not.
func TestVerboseErrorSignatures(t *testing.T) {
	covered := map[string]bool{}
	for _, c := range leakCases {
		covered[c.sig] = true
	}
	for _, sig := range rules.LeakSignatures() {
		if !covered[sig] {
			t.Errorf("signature %q has no test case", sig)
		}
	}
	only := []scanner.Rule{rules.VerboseErrorDisclosure{}}
	opts := scanOpts{endpoints: []string{"GET /api/items?q=shoes"}, apiRules: []scanner.APIRule{}}
	for _, c := range leakCases {
		stack, what, _ := strings.Cut(c.sig, "/")
		t.Run(c.sig, func(t *testing.T) {
			t.Parallel()
			t.Run("vulnerable", func(t *testing.T) {
				fs := scanRules(t, leakAPI(500, c.ctype, c.vulnerable), opts, only)
				f := leakFinding(fs)
				if f == nil {
					t.Fatalf("missed; findings:%s", list(fs))
				}
				if !strings.Contains(f.Evidence.Summary, " with "+what) || (stack != "any" && !strings.Contains(f.Evidence.Summary, "("+stack+")")) {
					t.Errorf("found as another signature: %s", f.Evidence.Summary)
				}
			})
			t.Run("generic", func(t *testing.T) {
				if f := leakFinding(scanRules(t, leakAPI(500, c.ctype, c.generic), opts, only)); f != nil {
					t.Errorf("generic error body reported: %s", f.Evidence.Summary)
				}
			})
		})
	}
}

func leakFinding(fs []finding.Finding) *finding.Finding {
	for i := range fs {
		if fs[i].Rule == "verbose-error-disclosure" {
			return &fs[i]
		}
	}
	return nil
}

// TestVerboseErrorGenericBodies: error answers that name no backend detail
// are never findings, whatever words they use.
func TestVerboseErrorGenericBodies(t *testing.T) {
	bodies := []string{
		`{"error":"internal server error"}`,
		`error`,
		`{"error":"Error"}`,
		`{"message":"An error occurred while processing your request."}`,
		`{"error":"Database error"}`,
		`{"error":"System error, please try again"}`,
		`{"error":"q must be an integer"}`,
		`{"detail":[{"loc":["query","q"],"msg":"value is not a valid integer","type":"type_error.integer"}]}`,
		`{"error":"panic"}`,
		`{"code":"INTERNAL","message":"exception"}`,
	}
	only := []scanner.Rule{rules.VerboseErrorDisclosure{}}
	opts := scanOpts{endpoints: []string{"GET /api/items?q=shoes"}, apiRules: []scanner.APIRule{}}
	for _, body := range bodies {
		t.Run(body, func(t *testing.T) {
			t.Parallel()
			if f := leakFinding(scanRules(t, leakAPI(500, ctJSON, body), opts, only)); f != nil {
				t.Errorf("reported: %s", f.Evidence.Summary)
			}
		})
	}
}
