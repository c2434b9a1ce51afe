package rules

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner"
)

// VerboseErrorDisclosure reports operations whose error answers carry
// internal details: stack traces, exception text, backend messages such as
// DynamoDB's. It sends the operation with malformed parameter values
// (empty, over-long, quotes) and looks for disclosure patterns that the
// normal answer does not already contain.
type VerboseErrorDisclosure struct{}

// Info implements scanner.Rule.
func (VerboseErrorDisclosure) Info() finding.RuleInfo { return info("verbose-error-disclosure") }

// leak is one kind of internal detail recognisable in a response.
type leak struct {
	what string
	re   *regexp.Regexp
}

// leaks are specific to what they name, so that ordinary validation
// messages ("user_id must be an integer") are not findings.
var leaks = []leak{
	{"a Python traceback", regexp.MustCompile(`Traceback \(most recent call last\)|File "[^"\n]+\.py", line \d+`)},
	{"an AWS SDK (botocore) error message", regexp.MustCompile(`An error occurred \(\w+\) when calling the \w+ operation`)},
	// The bare names (ValidationException) are ordinary AWS-style error
	// types; only the service-qualified form or DynamoDB's own wording
	// reveals the backend.
	{"a DynamoDB exception", regexp.MustCompile(`com\.amazonaws\.dynamodb\.v\d+#\w+Exception|The AttributeValue for a key attribute cannot contain|Size of hashkey has exceeded|provided key element does not match the schema`)},
	{"an AWS SDK class name", regexp.MustCompile(`\b(botocore\.exceptions\.\w+|com\.amazonaws\.[\w.]+|software\.amazon\.awssdk\.[\w.]+)`)},
	{"a Java stack trace", regexp.MustCompile(`(?m)^\s*at [\w$.<>]+\([\w$]+\.(java|kt|scala):\d+\)|Exception in thread "`)},
	{"a Go panic", regexp.MustCompile(`goroutine \d+ \[running\]|panic: runtime error:`)},
	{"a Node.js stack trace", regexp.MustCompile(`(?m)^\s*at .+\((/|[A-Z]:\\|node:)[^)]*:\d+:\d+\)`)},
	{"a .NET exception", regexp.MustCompile(`System\.(NullReference|InvalidOperation|Argument|Data\.SqlClient\.Sql)Exception|in [^\n]+\.cs:line \d+`)},
	{"a database error", regexp.MustCompile(`(?i)SQLSTATE\[|you have an error in your SQL syntax|\bORA-\d{5}\b|\bPG::\w+|psycopg2\.\w+|sqlite3\.\w*Error|unclosed quotation mark|SQLException|pq: [a-z]`)},
	{"a PHP error", regexp.MustCompile(`(?i)(fatal error|parse error|warning)</b>:.+ on line <b>\d+|PHP (Fatal|Parse|Warning) error`)},
	{"a Ruby stack trace", regexp.MustCompile(`\.rb:\d+:in ` + "`")},
	{"a framework debug page", regexp.MustCompile(`Werkzeug Debugger|django\.core\.|You're seeing this error because you have <code>DEBUG = True`)},
}

// malformed are the values sent for every parameter: an empty key, one
// over every common key-size limit (DynamoDB's 2,048 bytes), and one that
// breaks naive parsers and query builders.
var malformed = []string{"", strings.Repeat("A", 2100), `authgate'"<>{}\`}

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
	if len(vals) == 0 {
		return nil
	}
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
		r := t.Send(ctx, id, probe)
		if f, ok := disclose(ctx, t, r, normalBody); ok {
			return []finding.Finding{f}
		}
	}
	return nil
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
	summary := fmt.Sprintf("%s answered %d with %s: %q.", describe(r), r.Status, l.what, shorten(match, maxMatch))
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
