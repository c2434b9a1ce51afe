package rules

import (
	"context"
	"fmt"
	"maps"
	"strings"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/internal/lazyre"
	"github.com/authgate/authgate/scanner"
)

// VerboseErrorDisclosure reports operations whose error answers carry
// internal details: stack traces, exception classes, database and ORM
// messages of the common stacks (Node.js, Java, .NET, Go, Ruby, PHP,
// Python, AWS), from the one table of signatures below. It sends the
// operation with malformed parameter values (empty, over-long, quotes) and
// looks for signatures that the normal answer does not already contain.
type VerboseErrorDisclosure struct{}

// Info implements scanner.Rule.
func (VerboseErrorDisclosure) Info() finding.RuleInfo { return info("verbose-error-disclosure") }

// leak is one kind of internal detail recognisable in a response: one
// signature of one stack.
type leak struct {
	stack string // the backend it reveals: "Node.js", "Java", ..., or anyStack
	what  string // how the summary names it
	re    *lazyre.Regexp
}

// anyStack marks signatures that any stack can show (SQL servers' own
// messages); the summary names no stack for them.
const anyStack = "any"

// leaks is the one table of error signatures, grouped by stack. Each is
// specific to what it names (an exception class, a stack frame, a driver's
// own wording), so that ordinary validation messages ("user_id must be an
// integer"), a generic {"error":"internal server error"} and each
// framework's production error page are not findings. Every entry has a
// vulnerable and a generic body in errors_test.go; the first match wins, so
// the more specific entries of a stack come first.
var leaks = []leak{
	// Node.js. Juice Shop's 500 carries SQLite's code and the SQL it ran.
	{"Node.js", "a SQLite error", lazyre.New(`\bSQLITE_(ERROR|CONSTRAINT|MISMATCH|RANGE|BUSY|LOCKED|READONLY|CORRUPT|CANTOPEN|TOOBIG|SCHEMA|NOTADB|IOERR)\b[^\n]*|near "[^"\n]*": syntax error|unrecognized token: "`)},
	{"Node.js", "a Sequelize error", lazyre.New(`\bSequelize[A-Z]\w*Error\b`)},
	{"Node.js", "a MongoDB or Mongoose error", lazyre.New(`\bMongo(Server|Network|Parse|BulkWrite|Write)?Error\b|\bMongooseError\b|\bE11000 duplicate key error|Cast to ObjectId failed for value|\bBSONTypeError\b`)},
	{"Node.js", "a Prisma error", lazyre.New("\\bPrismaClient(Known|Unknown)?(Request|Validation|Initialization|RustPanic)Error\\b|Invalid `prisma\\.\\w+\\.\\w+\\(\\)` invocation")},
	{"Node.js", "a Node.js stack trace", lazyre.New(`(?m)^\s*at .+\((/|[A-Z]:\\|node:)[^)]*:\d+:\d+\)`)},

	// Java.
	{"Java", "a Hibernate error", lazyre.New(`\borg\.hibernate\.[\w.]+(Exception|Error)\b|could not execute statement; SQL \[|could not extract ResultSet|\bHHH\d{6}:`)},
	{"Java", "a JDBC error", lazyre.New(`\bjava\.sql\.SQL\w*Exception\b|\borg\.postgresql\.util\.PSQLException\b|\bcom\.mysql\.cj\.jdbc\.exceptions\.\w+|\borg\.h2\.jdbc\.JdbcSQL\w*Exception\b`)},
	// The bare Whitelabel page ("There was an unexpected error (type=...,
	// status=500).") and Spring Boot's default JSON name the framework and
	// nothing else; its classes and frames say more.
	{"Java", "a Spring exception", lazyre.New(`\bat org\.springframework\.[\w$.]+\(|\borg\.springframework\.[\w.]+(Exception|Error)\b`)},
	{"Java", "a Java stack trace", lazyre.New(`(?m)^\s*at [\w$.<>/]+\([\w$]+\.(java|kt|scala):\d+\)|Exception in thread "`)},
	{"Java", "a Java exception class", lazyre.New(`\b(java|javax|jakarta)\.[a-z]\w*(\.[a-z]\w*)*\.[A-Z]\w*(Exception|Error)\b`)},

	// .NET.
	{".NET", "a .NET stack trace", lazyre.New(`\bin [^\n]+\.cs:line \d+`)},
	{".NET", "a .NET exception", lazyre.New(`\b(System|Microsoft\.(EntityFrameworkCore|Data\.SqlClient|AspNetCore))(\.[A-Z]\w*)*\.\w*Exception\b`)},

	// Go.
	{"Go", "a Go panic", lazyre.New(`goroutine \d+ \[running\]|(?m)^panic: .+|runtime error: (invalid memory address|index out of range|slice bounds out of range|integer divide by zero)|\.go:\d+ \+0x[0-9a-f]+`)},

	// Ruby and Rails.
	{"Ruby", "a Rails exception", lazyre.New(`\b(ActiveRecord|ActionController|ActionView|ActiveModel|ActionDispatch)::[A-Z]\w+|Action Controller: Exception caught`)},
	{"Ruby", "a Ruby stack trace", lazyre.New(`\.rb:\d+:in [` + "`" + `']|undefined method [` + "`" + `'][^'\n]+' for (nil|an instance of|#<)`)},

	// PHP and Laravel.
	{"PHP", "a Laravel or Symfony exception", lazyre.New(`\b(Illuminate|Symfony\\Component|Whoops)\\[\w\\]+|vendor/laravel/framework/src/`)},
	{"PHP", "a PHP error", lazyre.New(`(?i)(fatal error|parse error|warning)</b>:.+ on line <b>\d+|PHP (Fatal|Parse|Warning) error|\bPDOException\b|(?m)^#\d+ [^\n]+\.php\(\d+\): |Uncaught \w+(Exception|Error)\b`)},

	// Python.
	{"Python", "a Python traceback", lazyre.New(`Traceback \(most recent call last\)|File "[^"\n]+\.py", line \d+`)},
	{"Python", "a Django debug page", lazyre.New(`You're seeing this error because you have <code>DEBUG = True|\bdjango\.(core|db|http|urls|template)\.[\w.]+|Werkzeug Debugger`)},
	{"Python", "a SQLAlchemy error", lazyre.New(`\bsqlalchemy\.(exc|orm\.exc)\.\w+|\(Background on this error at: https?://sqlalche\.me/`)},
	{"Python", "a psycopg error", lazyre.New(`\bpsycopg2?\.(errors\.)?[A-Z]\w+|\bpsycopg2\.\w+`)},

	// AWS. The bare names (ValidationException) are ordinary AWS-style
	// error types; only the service-qualified form or DynamoDB's own
	// wording reveals the backend.
	{"AWS", "an AWS SDK (botocore) error message", lazyre.New(`An error occurred \(\w+\) when calling the \w+ operation`)},
	{"AWS", "a DynamoDB exception", lazyre.New(`com\.amazonaws\.dynamodb\.v\d+#\w+Exception|The AttributeValue for a key attribute cannot contain|Size of hashkey has exceeded|provided key element does not match the schema`)},
	{"AWS", "an AWS SDK class name", lazyre.New(`\b(botocore\.exceptions\.\w+|com\.amazonaws\.[\w.]+|software\.amazon\.awssdk\.[\w.]+)`)},

	// Databases, whichever stack talks to them.
	{anyStack, "a database error", lazyre.New(`(?i)SQLSTATE\[|you have an error in your SQL syntax|\bORA-\d{5}\b|\bPG::\w+|sqlite3\.\w*Error|unclosed quotation mark|SQLException|pq: [a-z]|syntax error at or near "`)},
}

// malformed are the values sent for every parameter: an empty key, one
// over every common key-size limit (DynamoDB's 2,048 bytes), and one that
// breaks naive parsers and query builders.
var malformed = []string{"", strings.Repeat("A", 2100), breaker}

// breaker is the malformed value that breaks naive parsers and query
// builders: a quote for SQL, a double quote and braces for JSON and
// templates, a backslash for escaping.
const breaker = `authgate'"<>{}\`

// maxOptional bounds the optional query parameters one request puts
// breaker in. All go in one request, so the probe costs one request per
// operation however many filters it has; past a few, a longer URL mostly
// adds the chance that one filter's validation (a 400) hides another's
// leak.
const maxOptional = 4

// Check implements scanner.Rule.
func (VerboseErrorDisclosure) Check(ctx context.Context, t *scanner.Target) []finding.Finding {
	if !t.Safe() {
		return nil
	}
	id := t.Main()
	vals := t.Values()
	normal := t.Send(ctx, id, vals)
	var normalBody string
	if normal.Err == nil {
		normalBody = string(normal.Body)
		// An error answer to the plain request is evidence too.
		if normal.Status >= 500 {
			if f, ok := disclose(ctx, t, normal, ""); ok {
				return []finding.Finding{f}
			}
		}
	}
	for _, probe := range probes(t, vals) {
		r := t.Send(ctx, id, probe)
		if f, ok := disclose(ctx, t, r, normalBody); ok {
			return []finding.Finding{f}
		}
	}
	return nil
}

// probes are the malformed requests, in the order they are sent: every
// parameter of vals set to each malformed value, then, when the operation
// has optional string query parameters that vals leaves out (a search's q
// without an example), vals as they are with breaker in those.
func probes(t *scanner.Target, vals map[string]string) []map[string]string {
	var out []map[string]string
	if len(vals) > 0 {
		for _, bad := range malformed {
			probe := map[string]string{}
			for k := range vals {
				v := bad
				if strings.HasPrefix(k, "path:") && v == "" {
					// An empty path segment changes the route, not the value.
					v = " "
				}
				probe[k] = v
			}
			out = append(out, probe)
		}
	}
	if probe, ok := optionalProbe(t, vals); ok {
		out = append(out, probe)
	}
	return out
}

// optionalProbe is vals with breaker in the first maxOptional optional
// query parameters that take a string (or say no type), in the
// description's order. The parameters vals carries keep their normal
// values, so that a valid id or page still leads the server to the code
// that reads the filter. Only the quote goes there: an empty optional
// filter is the same as none, and the over-long value is for keys, which
// are required.
func optionalProbe(t *scanner.Target, vals map[string]string) (map[string]string, bool) {
	probe := maps.Clone(vals)
	n := 0
	for _, p := range t.Optional() {
		if n == maxOptional {
			break
		}
		if p.In != "query" || (p.Type != "string" && p.Type != "") {
			continue
		}
		probe["query:"+p.Name] = breaker
		n++
	}
	return probe, n > 0
}

// disclose checks r for a leak that the normal answer does not also show,
// and confirms it with a fresh answer.
func disclose(ctx context.Context, t *scanner.Target, r *scanner.Response, normalBody string) (finding.Finding, bool) {
	l, match := findLeak(r)
	if match == "" || strings.Contains(normalBody, match) {
		return finding.Finding{}, false
	}
	again := t.Resend(ctx, r)
	if _, m := findLeak(again); m == "" {
		return finding.Finding{}, false
	}
	what := l.what
	if l.stack != anyStack {
		what += " (" + l.stack + ")"
	}
	summary := fmt.Sprintf("%s answered %d with %s: %q.", describe(r), r.Status, what, shorten(match, maxMatch))
	return t.NewFinding("verbose-error-disclosure", finding.ConfidenceHigh, summary, r), true
}

// maxMatch bounds the quoted leak in the summary; the evidence has more.
const maxMatch = 160

func findLeak(r *scanner.Response) (leak, string) {
	if r == nil || r.Err != nil || r.Status < 400 {
		// Internal details in a successful answer are data, not an
		// error disclosure.
		return leak{}, ""
	}
	body := r.Body
	// A stack trace inside a JSON string has its newlines escaped; match
	// the decoded strings too.
	if decoded := jsonStrings(r.Body); decoded != "" {
		body = append(append(append([]byte{}, body...), '\n'), decoded...)
	}
	for _, l := range leaks {
		if m := l.re.Find(body); m != nil {
			return l, string(m)
		}
	}
	return leak{}, ""
}

// jsonStrings joins the scalar values of a JSON body, one per line.
func jsonStrings(body []byte) string {
	var b strings.Builder
	scanner.EachScalar(body, true, func(_, v string) {
		b.WriteString(v)
		b.WriteByte('\n')
	})
	return b.String()
}

// shorten cuts s to at most n bytes on a rune boundary.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}
