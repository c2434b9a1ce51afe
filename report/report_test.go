package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/finding"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// fixture is a fixed report: two findings (one new, one existing), a
// baseline with one fixed finding, and a failed gate.
func fixture() *Report {
	authn := finding.Finding{
		Rule: "authn-missing", Title: "Protected operation answers without credentials",
		Severity: finding.SeverityHigh, Confidence: finding.ConfidenceHigh, CWE: "CWE-306", OWASP: "API2:2023",
		Method: "GET", Path: "/user", Fingerprint: finding.Fingerprint("authn-missing", "GET", "/user", "bearer"),
		Status: finding.StatusNew,
		Evidence: finding.Evidence{
			Summary: "anonymous GET /user?user_id=1 answered 200 with the same record as alice",
			Exchanges: []finding.Exchange{{
				Identity: "anonymous", Method: "GET", URL: "http://127.0.0.1:8080/user?user_id=1", Status: 200,
				ResponseHeaders: map[string]string{"Content-Type": "application/json"},
				ResponseBody:    `{"user_id": "1", "email": "a@example.com"}`,
			}, {
				Identity: "alice", Method: "GET", URL: "http://127.0.0.1:8080/user?user_id=1", Status: 200,
				RequestHeaders: map[string]string{"Authorization": "Bearer <alice token>"},
				ResponseBody:   `{"user_id": "1", "email": "a@example.com"}`,
			}},
		},
		Reproduce: []string{
			"curl -i 'http://127.0.0.1:8080/user?user_id=1'",
			"curl -i 'http://127.0.0.1:8080/user?user_id=1' -H 'Authorization: Bearer <alice token>'",
		},
		Remediation: "Require authentication on this operation: reject requests without valid credentials with 401 before any data is read.",
	}
	verbose := finding.Finding{
		Rule: "verbose-error-disclosure", Title: "Error response discloses internal details",
		Severity: finding.SeverityMedium, Confidence: finding.ConfidenceHigh, CWE: "CWE-209", OWASP: "API8:2023",
		Method: "GET", Path: "/user", Fingerprint: finding.Fingerprint("verbose-error-disclosure", "GET", "/user", "bearer"),
		Status: finding.StatusExisting,
		Evidence: finding.Evidence{
			Summary: "500 response contains a DynamoDB ClientError message",
		},
		Reproduce:   []string{"curl -i 'http://127.0.0.1:8080/user?user_id=%27' -H 'Authorization: Bearer <primary token>'"},
		Remediation: "Log the exception on the server and answer with a generic error body; never return exception text, stack traces or backend messages.",
		Location:    &finding.Location{File: "app.py", Line: 12},
		Suppression: &finding.Suppression{Rule: "verbose-error-disclosure", Reason: "DynamoDB errors are masked by the gateway", Until: "2025-02-28", Expired: true},
	}
	cookie := finding.Finding{
		Rule: "cookie-insecure", Title: "Session cookie without Secure, HttpOnly or SameSite",
		Severity: finding.SeverityMedium, Confidence: finding.ConfidenceHigh, CWE: "CWE-614", OWASP: "API8:2023",
		Method: "POST", Path: "/login", Fingerprint: finding.Fingerprint("cookie-insecure", "POST", "/login", "cookie"),
		Evidence:    finding.Evidence{Summary: "Set-Cookie: sid lacks Secure"},
		Reproduce:   []string{"curl -i -X POST 'http://127.0.0.1:8080/login'"},
		Remediation: "Set Secure, HttpOnly and SameSite on the session cookie.",
		Suppression: &finding.Suppression{Fingerprint: finding.Fingerprint("cookie-insecure", "POST", "/login", "cookie"), Reason: "the legacy SSO sets it; retired in Q3", Until: "2025-09-30"},
	}
	keyInQuery := finding.Finding{
		Rule: "api-key-in-query", Title: "API key sent in the query string",
		Severity: finding.SeverityLow, Confidence: finding.ConfidenceHigh, CWE: "CWE-598", OWASP: "API8:2023",
		Method: "GET", Path: "/export", Fingerprint: finding.Fingerprint("api-key-in-query", "GET", "/export", "apikey"),
		Evidence:    finding.Evidence{Summary: "the key travels in ?api_key="},
		Reproduce:   []string{},
		Suppression: &finding.Suppression{Rule: "api-key-in-query"},
	}
	fixed := finding.Finding{
		Rule: "bola-cross-user-read", Title: "One user reads another user's object",
		Severity: finding.SeverityHigh, Confidence: finding.ConfidenceHigh, CWE: "CWE-639", OWASP: "API1:2023",
		Method: "GET", Path: "/orders/{orderId}", Fingerprint: finding.Fingerprint("bola-cross-user-read", "GET", "/orders/{orderId}", "bearer"),
		Evidence:    finding.Evidence{Summary: "peer read primary's order"},
		Remediation: "Authorize every object access against the authenticated principal.",
	}
	return &Report{
		Schema:     Schema,
		Tool:       Tool{Name: "authgate", Version: "1.0.0"},
		Target:     "http://127.0.0.1:8080",
		StartedAt:  time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC),
		DurationMs: 4213,
		Score:      65,
		Grade:      "D",
		Scoring:    "authgate-score/v1",
		Stats:      Stats{Operations: 3, Requests: 41, Errors: 0},
		// Deliberately out of order: writers sort.
		Findings: []finding.Finding{verbose, authn},
		Gate: Gate{Passed: false, FailUnder: 70, FailOn: "high", Reasons: []string{
			"score 65 is below the threshold 70",
			"1 new finding at or above high: authn-missing GET /user",
			"bola-cross-user-read could not run: the API refused bob on every operation (401)",
		}},
		Coverage: &finding.Coverage{
			Identities: []finding.IdentityCoverage{
				{Name: "alice", Role: "primary", Verified: true, How: "GET /me answered 200, anonymous 401"},
				{Name: "bob", Role: "peer", Verified: false, How: "every operation answered 401"},
			},
			Operations: finding.OperationCoverage{Total: 4, Scanned: 3, Answered: 3, Skipped: []finding.SkippedOperation{
				{Method: "GET", Path: "/admin/reset", Reason: "may change state (its path says reset); safe mode does not send it"},
			}},
			Rules: []finding.RuleCoverage{
				{Rule: "authn-missing", Mode: finding.ModeSafe, Status: finding.RuleRan, Operations: []string{"GET /user", "POST /login", "GET /export"}},
				{Rule: "bola-cross-user-read", Mode: finding.ModeSafe, Status: finding.RuleNotRun, Requested: true, Reason: "the API refused bob on every operation (401)"},
				{Rule: "jwt-alg-none", Mode: finding.ModeSafe, Status: finding.RuleNotApplicable, Reason: "no credential is a JWT"},
				{Rule: "login-no-rate-limit", Mode: finding.ModeActive, Status: finding.RuleNotRun, Reason: "an active rule; run with --mode active"},
				{Rule: "session-fixation", Mode: finding.ModeActive, Status: finding.RuleNotRun, Reason: "an active rule; run with --mode active"},
			},
			Writes: &finding.WriteCoverage{Left: 2, Created: []finding.CreatedObject{
				{Kind: "object", Operation: "POST /api/notes", Item: "/api/notes/17", Owner: "alice", Deleted: true, Reason: "DELETE answered 204, the owner's read-back 404"},
				{Kind: "object", Operation: "POST /api/feedback", Owner: "alice", Reason: "the answer carried no id"},
				{Kind: "account", Operation: "POST /api/register", Item: "/api/users/88", Owner: "authgate-3f9c", Reason: "no DELETE operation for accounts"},
			}},
		},
		Suppressed: []finding.Finding{keyInQuery, cookie},
		Baseline:   &Baseline{Score: 85, New: 1, Fixed: 1, Unchanged: 1, FixedFindings: []finding.Finding{fixed}},
	}
}

// cleanCoverage is the coverage of a scan that tested everything it was
// asked to.
func cleanCoverage() *finding.Coverage {
	return &finding.Coverage{
		Identities: []finding.IdentityCoverage{{Name: "alice", Role: "primary", Verified: true, How: "GET /me answered 200, anonymous 401"}},
		Operations: finding.OperationCoverage{Total: 3, Scanned: 3, Answered: 3},
		Rules: []finding.RuleCoverage{
			{Rule: "authn-missing", Mode: finding.ModeSafe, Status: finding.RuleRan, Operations: []string{"GET /user"}},
			{Rule: "jwt-alg-none", Mode: finding.ModeSafe, Status: finding.RuleNotApplicable, Reason: "no credential is a JWT"},
		},
	}
}

func TestGolden(t *testing.T) {
	passing := fixture()
	passing.Findings = nil
	passing.Baseline = nil
	passing.Score, passing.Grade = 100, "A"
	passing.Gate = Gate{Passed: true, FailUnder: 70, FailOn: "high"}
	passing.Coverage = cleanCoverage()
	passing.Suppressed = nil

	tests := []struct {
		name   string
		format string
		r      *Report
		opts   Options
	}{
		{"report.txt", "text", fixture(), Options{}},
		{"report.color.txt", "text", fixture(), Options{Color: true}},
		{"report.json", "json", fixture(), Options{}},
		{"report.md", "markdown", fixture(), Options{}},
		{"passing.txt", "text", passing, Options{}},
		{"passing.json", "json", passing, Options{}},
		{"passing.md", "markdown", passing, Options{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := fixture()
			var b bytes.Buffer
			if err := Write(&b, tt.format, tt.r, tt.opts); err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", tt.name)
			if *update {
				if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./report -update to create it)", err)
			}
			if !bytes.Equal(b.Bytes(), want) {
				t.Errorf("output differs from %s (run with -update to accept):\n%s", golden, b.String())
			}
			if tt.r.Baseline != nil && !reflect.DeepEqual(tt.r, before) {
				t.Error("Write modified the report")
			}
			// Same report, same bytes.
			var again bytes.Buffer
			if err := Write(&again, tt.format, tt.r, tt.opts); err != nil || !bytes.Equal(again.Bytes(), b.Bytes()) {
				t.Errorf("second Write differs (err %v)", err)
			}
		})
	}
}

func TestJSONArraysNeverNull(t *testing.T) {
	r := &Report{
		Findings: []finding.Finding{{Rule: "x"}}, Baseline: &Baseline{},
		Coverage: &finding.Coverage{Rules: []finding.RuleCoverage{{Rule: "x", Status: finding.RuleNotRun}}},
	}
	var b bytes.Buffer
	if err := Write(&b, "json", r, Options{}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.Contains(out, "null") {
		t.Errorf("output contains null:\n%s", out)
	}
	for _, field := range []string{`"findings": [`, `"reasons": []`, `"exchanges": []`, `"reproduce": []`, `"fixedFindings": []`, `"schema": "authgate/report/v1"`,
		`"suppressed": []`, `"identities": []`, `"skipped": []`, `"operations": []`} {
		if !strings.Contains(out, field) {
			t.Errorf("output lacks %s:\n%s", field, out)
		}
	}
	if !strings.HasSuffix(out, "}\n") || strings.HasSuffix(out, "\n\n") {
		t.Errorf("output does not end in exactly one newline: %q", out[len(out)-5:])
	}
}

// hostile is a finding as a malicious preview deployment could shape it.
func hostile() *Report {
	evil := "x<script>alert(1)</script> @octocat [click](http://evil) ![img](http://evil/i.png) " +
		"\n::error::pwned\r::warning::again \x1b[2J\x1b]0;title\x07 \u009b2J \u202egnp.exe \U000E0001 ##[error]legacy " +
		"``` ```` www.evil.com user@example.com &amp; <img src=x onerror=alert(1)> | ** _ # - :smile: $x$"
	f := finding.Finding{
		Rule: "authn-missing", Title: "title " + evil, Severity: finding.SeverityHigh, Confidence: finding.ConfidenceHigh,
		Method: "GET", Path: "/u/" + evil, Fingerprint: "v1:abc", Status: finding.StatusNew,
		Evidence:    finding.Evidence{Summary: evil, Exchanges: []finding.Exchange{{ResponseBody: evil}}},
		Reproduce:   []string{"::error::pwned curl '" + evil + "'", "  ::notice::indented", "````"},
		Remediation: evil,
		Location:    &finding.Location{File: evil, Line: 1},
		Suppression: &finding.Suppression{Rule: evil, Reason: evil, Until: evil, Expired: true},
	}
	accepted := f
	accepted.Fingerprint = "v1:" + evil
	accepted.Suppression = &finding.Suppression{Fingerprint: evil, Reason: evil, Until: evil}
	return &Report{
		Schema: Schema, Target: "::error::" + evil, Tool: Tool{Name: "authgate"}, Grade: "F" + evil, Scoring: evil,
		Incomplete: evil,
		Findings:   []finding.Finding{f},
		Suppressed: []finding.Finding{accepted},
		Coverage: &finding.Coverage{
			Identities: []finding.IdentityCoverage{{Name: evil, Role: evil, How: evil}},
			Operations: finding.OperationCoverage{Skipped: []finding.SkippedOperation{{Method: evil, Path: evil, Reason: evil}}},
			Rules: []finding.RuleCoverage{
				{Rule: evil, Status: finding.RuleNotRun, Requested: true, Reason: evil, Operations: []string{evil}},
				{Rule: "authn-missing", Status: finding.RuleRan, Operations: []string{evil}},
			},
			Writes: &finding.WriteCoverage{Left: 2, Created: []finding.CreatedObject{
				{Kind: evil, Operation: evil, Item: "/api/notes/" + evil, Owner: evil, Reason: evil},
				{Kind: "object", Operation: "POST /api/notes", Item: evil, Owner: "alice", Deleted: true, Reason: evil},
			}},
		},
		Gate:     Gate{FailOn: evil, Reasons: []string{"1 new finding at or above high: authn-missing GET /u/" + evil}},
		Baseline: &Baseline{New: 1, FixedFindings: []finding.Finding{f}},
	}
}

// workflowCommand finds lines the Actions runner would execute.
var workflowCommand = regexp.MustCompile(`(?m)^[\s\x{85}\x{a0}]*::|##\[`)

func TestHostileContent(t *testing.T) {
	// Raw substrings that must not survive in any human-facing format.
	common := []string{"\x1b", "\r", "\u009b", "\u202e", "\U000E0001", "\a"}
	markdownOnly := []string{"<script", "<img", "@octocat", "@example", "](http", "![", "http://evil", "www.evil", "```` ", "&amp;", "$x$"}
	tests := []struct {
		format string
		opts   Options
	}{
		{"text", Options{}},
		{"text", Options{Color: true}},
		{"markdown", Options{}},
		{"json", Options{}},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			var b bytes.Buffer
			if err := Write(&b, tt.format, hostile(), tt.opts); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			if tt.opts.Color {
				out = stripOurANSI(out)
			}
			if m := workflowCommand.FindString(out); m != "" {
				t.Errorf("output contains a workflow command %q:\n%s", m, out)
			}
			for _, s := range common {
				if strings.Contains(out, s) {
					t.Errorf("output contains %q raw:\n%s", s, out)
				}
			}
			if tt.format == "markdown" {
				// Code fences show their content as typed, so Markdown and
				// HTML in them are inert: check the rest of the document.
				prose := checkFences(t, out)
				for _, s := range markdownOnly {
					if strings.Contains(prose, s) {
						t.Errorf("Markdown outside code fences contains %q raw:\n%s", s, prose)
					}
				}
			}
			if tt.format == "json" {
				var back Report
				if err := json.Unmarshal(b.Bytes(), &back); err != nil {
					t.Fatal(err)
				}
				if back.Findings[0].Evidence.Summary != hostile().Findings[0].Evidence.Summary {
					t.Error("JSON escaping changed the content")
				}
			}
		})
	}
}

// stripOurANSI removes the styles the text writer itself emits, so that
// any escape left over came from the report's content.
func stripOurANSI(s string) string {
	return regexp.MustCompile(`\x1b\[[0-9;]*m`).ReplaceAllString(s, "")
}

// checkFences verifies that every fenced block closes with its own fence:
// no line inside starts with a backtick run as long as the opening one. It
// returns the document without the fenced blocks.
func checkFences(t *testing.T, md string) string {
	t.Helper()
	var prose []string
	lines := strings.Split(md, "\n")
	for i := 0; i < len(lines); i++ {
		if !strings.HasPrefix(lines[i], "```") {
			prose = append(prose, lines[i])
			continue
		}
		fence := strings.TrimRight(lines[i], "abcdefghijklmnopqrstuvwxyz")
		j := i + 1
		for ; j < len(lines) && lines[j] != fence; j++ {
			if strings.HasPrefix(strings.TrimLeft(lines[j], " "), fence) {
				t.Errorf("line %d %q closes the fence %q opened on line %d early", j+1, lines[j], fence, i+1)
			}
		}
		if j == len(lines) {
			t.Errorf("fence %q opened on line %d is never closed", fence, i+1)
		}
		i = j
	}
	return strings.Join(prose, "\n")
}

func TestWriteUnsupported(t *testing.T) {
	for _, format := range []string{"html", "xml", ""} {
		t.Run(format, func(t *testing.T) {
			err := Write(&bytes.Buffer{}, format, fixture(), Options{})
			if !errors.Is(err, ErrUnsupportedFormat) {
				t.Errorf("Write(%q) = %v, want ErrUnsupportedFormat", format, err)
			}
		})
	}
	if err := Write(&bytes.Buffer{}, "json", nil, Options{}); err == nil {
		t.Error("Write(nil report) = nil, want an error")
	}
}

func TestFormats(t *testing.T) {
	for _, f := range Formats() {
		if err := Write(&bytes.Buffer{}, f, fixture(), Options{}); err != nil {
			t.Errorf("Formats lists %q but Write fails: %v", f, err)
		}
	}
	if got := Formats(); !reflect.DeepEqual(got, []string{"text", "json", "markdown", "sarif", "junit", "codequality"}) {
		t.Errorf("Formats = %v", got)
	}
}

func TestFormatFromPath(t *testing.T) {
	tests := []struct {
		path, want string
		ok         bool
	}{
		{"authgate.json", "json", true},
		{"out/AUTHGATE.JSON", "json", true},
		{"authgate.sarif", "sarif", true},
		{"authgate.sarif.json", "sarif", true},
		{"summary.md", "markdown", true},
		{"summary.markdown", "markdown", true},
		{"junit.xml", "junit", true},
		{"report.txt", "text", true},
		{"report", "", false},
		{"report.html", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			got, ok := FormatFromPath(tt.path)
			if got != tt.want || ok != tt.ok {
				t.Errorf("FormatFromPath(%q) = %q, %v, want %q, %v", tt.path, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestSort(t *testing.T) {
	f := func(sev finding.Severity, rule, path, method, fp string) finding.Finding {
		return finding.Finding{Severity: sev, Rule: rule, Path: path, Method: method, Fingerprint: fp}
	}
	want := []finding.Finding{
		f(finding.SeverityCritical, "z", "/", "GET", "1"),
		f(finding.SeverityHigh, "a", "/a", "GET", "1"),
		f(finding.SeverityHigh, "a", "/b", "DELETE", "1"),
		f(finding.SeverityHigh, "a", "/b", "GET", "1"),
		f(finding.SeverityHigh, "a", "/b", "GET", "2"),
		f(finding.SeverityHigh, "b", "/a", "GET", "1"),
		f(finding.SeverityInfo, "a", "/a", "GET", "1"),
	}
	got := []finding.Finding{want[6], want[4], want[1], want[5], want[0], want[3], want[2]}
	Sort(got)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Sort =\n%v\nwant\n%v", got, want)
	}
}

func TestEscapeMarkdown(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "GET /user?id=1 #2 a-b 1.5", "GET /user?id=1 #2 a-b 1.5"},
		{"html", "<b>&amp;</b>", "&#60;b&#62;&#38;amp;&#60;/b&#62;"},
		{"mention", "@octocat", "@&#8203;octocat"},
		{"link", "[a](b)", "&#91;a&#93;&#40;b&#41;"},
		{"image", "![i](x)", "&#33;&#91;i&#93;&#40;x&#41;"},
		{"emphasis and code", "*a* _b_ ~c~ `d`", "&#42;a&#42; &#95;b&#95; &#126;c&#126; &#96;d&#96;"},
		{"url", "http://x", "http:&#8203;//x"},
		{"www", "WWW.x", "WWW&#8203;.x"},
		{"table pipe", "a|b", "a&#124;b"},
		{"math", "$x$", "&#36;x&#36;"},
		{"backslash", `a\*`, "a&#92;&#42;"},
		{"heading at start", "  # h", "  &#35; h"},
		{"list at start", "- a", "&#45; a"},
		{"ordered list at start", "12. a", "12&#46; a"},
		{"setext at start", "===", "&#61;=="},
		{"newlines become spaces", "a\nb\r\nc", "a b c"},
		{"escape made visible", "\x1b[2J", "&#92;x1b&#91;2J"},
		{"workflow command", "::error::x", "&#92;x3a:error::x"},
		{"legacy workflow command", "a ##[error]", "a #&#92;x23&#91;error&#93;"},
		{"unicode kept", "héllo ✓", "héllo ✓"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := EscapeMarkdown(tt.in); got != tt.want {
				t.Errorf("EscapeMarkdown(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestEscapeText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "GET /user?id=1", "GET /user?id=1"},
		{"newline and CR", "a\nb\rc\td", `a\nb\rc\td`},
		{"ESC and BEL", "\x1b]0;t\x07", `\x1b]0;t\x07`},
		{"C1 CSI", "\u009b2J", `\u009b2J`},
		{"bidi override", "\u202eabc", `\u202eabc`},
		{"invalid UTF-8", "a\xffb", `a\xffb`},
		{"leading workflow command", "::error::x", `\x3a:error::x`},
		{"indented workflow command", " \u00a0::error::x", " \u00a0\\x3a:error::x"},
		{"inner :: kept", "http://[::1]:80", "http://[::1]:80"},
		{"legacy command anywhere", "a ##[error]b ###[x", `a #\x23[error]b ##\x23[x`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := escapeText(tt.in); got != tt.want {
				t.Errorf("escapeText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestCodeFence(t *testing.T) {
	tests := []struct{ in, want string }{
		{"curl x", "```"},
		{"a `b` c", "```"},
		{"a ``` b", "````"},
		{"`````", "``````"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := codeFence(tt.in); got != tt.want {
				t.Errorf("codeFence(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestCreatedLabel names what active mode created for a person: its path,
// the create and the owner, with stand-ins when the API gave no id.
func TestCreatedLabel(t *testing.T) {
	tests := []struct {
		name string
		o    finding.CreatedObject
		want string
	}{
		{"object", finding.CreatedObject{Kind: "object", Operation: "POST /api/notes", Item: "/api/notes/17", Owner: "alice"},
			"/api/notes/17 (POST /api/notes as alice)"},
		{"object without an id", finding.CreatedObject{Kind: "object", Operation: "POST /api/feedback", Owner: "alice"},
			"an object without an id (POST /api/feedback as alice)"},
		{"account", finding.CreatedObject{Kind: "account", Operation: "POST /api/register", Item: "authgate-1f2e@example.com", Owner: "auto-victim"},
			"account authgate-1f2e@example.com (POST /api/register as auto-victim)"},
		{"account without a name", finding.CreatedObject{Kind: "account", Operation: "POST /api/register", Owner: "auto-attacker"},
			"account (POST /api/register as auto-attacker)"},
		{"nothing known", finding.CreatedObject{}, "an object without an id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := createdLabel(tt.o); got != tt.want {
				t.Errorf("createdLabel = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestWritesSummary counts objects and accounts and what was left.
func TestWritesSummary(t *testing.T) {
	obj := func(deleted bool) finding.CreatedObject {
		return finding.CreatedObject{Kind: "object", Deleted: deleted}
	}
	acct := func(deleted bool) finding.CreatedObject {
		return finding.CreatedObject{Kind: "account", Deleted: deleted}
	}
	tests := []struct {
		name    string
		created []finding.CreatedObject
		want    string
	}{
		{"nothing", nil, "Created nothing"},
		{"one object removed", []finding.CreatedObject{obj(true)}, "Created 1 object, all removed"},
		{"objects, one left", []finding.CreatedObject{obj(true), obj(false), obj(true)}, "Created 3 objects, 1 left on the target"},
		{"accounts only", []finding.CreatedObject{acct(false), acct(false)}, "Created 2 accounts, 2 left on the target"},
		{"both", []finding.CreatedObject{obj(true), acct(true)}, "Created 1 object and 1 account, all removed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := writesSummary(&finding.WriteCoverage{Created: tt.created}); got != tt.want {
				t.Errorf("writesSummary = %q, want %q", got, tt.want)
			}
		})
	}
}
