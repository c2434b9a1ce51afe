package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/authgate/authgate/finding"
)

// fuzzSeeds are strings a hostile target (or a hand-edited report) puts in
// a finding: markup, mentions, links, workflow commands, terminal escapes,
// code fences, table pipes, XML breakers and invalid UTF-8.
var fuzzSeeds = []string{
	"",
	"GET /user?user_id=1",
	"<script>alert(1)</script><img src=x onerror=alert(1)>",
	"@octocat @github/security-team user@example.com",
	"[click](javascript:alert(1)) ![i](http://evil/i.png) <http://evil> www.evil.com",
	"\n::error::pwned\r::warning::x\n  ::notice file=a::n ##[error]legacy",
	"\x1b[2J\x1b]0;title\x07 \u009b2J \u202egnp.exe \U000E0001 \u2028::error::x \ufeff::error::y",
	"``` ```` `code` ``",
	"a | b || c \\| d",
	"]]> <![CDATA[x]]> \x00\x01\x0b\x7f \xff\xfe \ufffe\uffff </testcase>",
	"# h\n- li\n1. ol\n> q\n===\n---\n    code",
	"&amp; &#60; &lt; $x$ ~~s~~ **b** _i_ :smile: \\*",
	"1.", "+", "=", "-", "#", "::", "##[", "@", "`", "|", "\\", "&",
	"\u00a0::error::x", "\u0085::x", " \t::x",
	strings.Repeat("`", 40),
	strings.Repeat("a", 900),
}

// FuzzWriters writes a report whose every string field is hostile in every
// format. No writer may fail or panic; JSON and SARIF must parse back
// (SARIF against the official schema), JUnit must be well-formed XML with
// one test case per finding plus the gate, GitLab Code Quality must match
// its documented format with one issue per distinct fingerprint; text and Markdown must have the
// same lines as the same report with harmless text; and no output may hold
// a workflow command, a raw terminal control, or, in Markdown, an HTML
// tag, a mention, a link, a code span, a character reference or a table
// pipe of the target's.
func FuzzWriters(f *testing.F) {
	for i, s := range fuzzSeeds {
		f.Add(s, fuzzSeeds[(i+3)%len(fuzzSeeds)], fuzzSeeds[(i+7)%len(fuzzSeeds)], int8(i), uint8(i*37))
	}
	f.Fuzz(func(t *testing.T, a, b, c string, n int8, flags uint8) {
		if len(a)+len(b)+len(c) > maxWriterInput {
			return
		}
		r := fuzzReport(a, b, c, n, flags, func(s string) string { return s })
		twin := fuzzReport(a, b, c, n, flags, harmless)
		before := fuzzReport(a, b, c, n, flags, func(s string) string { return s })

		out := map[string][]byte{}
		for _, format := range Formats() {
			var buf bytes.Buffer
			if err := Write(&buf, format, r, Options{}); err != nil {
				t.Fatalf("%s: %v", format, err)
			}
			out[format] = buf.Bytes()
		}
		if !reflect.DeepEqual(r, before) {
			t.Fatal("a writer changed the report")
		}

		var colored bytes.Buffer
		if err := Write(&colored, "text", r, Options{Color: true}); err != nil {
			t.Fatal(err)
		}
		out["text, coloured"] = []byte(stripOurANSI(colored.String()))
		for format, data := range out {
			if bad := rawControl(data); bad != "" {
				t.Fatalf("%s: %s", format, bad)
			}
		}
		delete(out, "text, coloured")

		for _, format := range []string{"text", "markdown"} {
			var harmlessOut bytes.Buffer
			if err := Write(&harmlessOut, format, twin, Options{}); err != nil {
				t.Fatal(err)
			}
			if got, want := bytes.Count(out[format], []byte("\n")), bytes.Count(harmlessOut.Bytes(), []byte("\n")); got != want {
				t.Fatalf("%s: hostile text made %d lines, harmless text %d:\n%s", format, got, want, out[format])
			}
		}

		checkJSONRoundTrip(t, r, out["json"])
		checkSARIF(t, r, out["sarif"])
		checkJUnit(t, r, out["junit"])
		checkFuzzCodeQuality(t, r, out["codequality"])
		checkMarkdownProse(t, checkFences(t, string(out["markdown"])))
	})
}

// maxWriterInput bounds FuzzWriters' inputs: escaping bugs show in short
// strings, and each input is written some sixty times over (every field,
// every format), so long ones only slow the search down.
const maxWriterInput = 1 << 10

// fuzzReport builds a report from three hostile strings; tr maps every
// string on its way in, so that the harmless twin has the same shape.
// flags and n pick the optional parts, the severities (some out of range,
// as in a hand-edited report) and the location's line.
func fuzzReport(a, b, c string, n int8, flags uint8, tr func(string) string) *Report {
	pool := []string{a, b, c, a + b, b + c, c + "\n" + a}
	k := int(flags)
	s := func() string {
		k++
		return tr(pool[k%len(pool)])
	}
	mk := func(sev int) finding.Finding {
		f := finding.Finding{
			Rule: s(), Title: s(), Severity: finding.Severity(sev), Confidence: finding.Confidence(int(n) % 4),
			CWE: s(), OWASP: s(), Method: s(), Path: s(), Fingerprint: s(),
			Evidence: finding.Evidence{Summary: s(), Exchanges: []finding.Exchange{{
				Identity: s(), Method: s(), URL: s(), Status: int(n),
				RequestHeaders:  map[string]string{"Authorization": s(), "X-" + s(): s()},
				ResponseHeaders: map[string]string{"Content-Type": s()},
				ResponseBody:    s(), Truncated: flags&16 != 0,
			}}},
			Reproduce:   []string{s(), s()},
			Remediation: s(),
		}
		switch flags % 3 {
		case 0:
			f.Status = finding.StatusNew
		case 1:
			f.Status = finding.Status(s())
		}
		if flags&8 != 0 {
			f.Location = &finding.Location{File: s(), Line: int(n)}
		}
		return f
	}
	sev := int(n)%6 - (int(flags) % 2) // -6 … 5: some out of range
	r := &Report{
		Schema:     Schema,
		Tool:       Tool{Name: s(), Version: s()},
		Target:     s(),
		StartedAt:  time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC),
		DurationMs: int64(n) * 1000,
		Score:      int(n),
		Grade:      s(),
		Scoring:    s(),
		Stats:      Stats{Operations: int(n), Requests: int(flags), Errors: int(n)},
		Findings:   []finding.Finding{mk(sev), mk(int(flags) % 5)},
		Gate:       Gate{Passed: flags&2 != 0, FailUnder: int(n), FailOn: s(), Reasons: []string{s(), s()}},
	}
	if flags&1 != 0 {
		r.Incomplete = s()
	}
	if flags&4 != 0 {
		r.Baseline = &Baseline{Score: int(n), New: 1, Fixed: 1, FixedFindings: []finding.Finding{mk(sev + 1)}}
	}
	return r
}

// rawControl describes the first thing in out that a terminal or the
// Actions runner would act on: a control byte but newline (DEL included),
// a C1 control, a format character, or a workflow command; "" if none.
func rawControl(out []byte) string {
	for i, c := range out {
		if c < 0x20 && c != '\n' || c == 0x7f {
			return fmt.Sprintf("raw control byte %#x at %d: %q", c, i, out[max(0, i-40):min(len(out), i+40)])
		}
	}
	for _, r := range string(out) {
		if r >= 0x80 && unsafeRune(r) {
			return fmt.Sprintf("raw %U", r)
		}
	}
	if m := workflowCommand.Find(out); m != nil {
		return fmt.Sprintf("a workflow command %q", m)
	}
	return ""
}

// harmless keeps a string's emptiness and nothing else.
func harmless(s string) string {
	if s == "" {
		return ""
	}
	return "x"
}

// checkJSONRoundTrip: the JSON report reads back as the same findings
// whenever they can be represented (valid UTF-8, known severities).
func checkJSONRoundTrip(t *testing.T, r *Report, out []byte) {
	t.Helper()
	if !json.Valid(out) {
		t.Fatalf("json output is not JSON:\n%s", out)
	}
	if !representable(r) {
		return
	}
	var back Report
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatalf("json output does not read back: %v", err)
	}
	if want := sorted(r.Findings); !reflect.DeepEqual(back.Findings, want) {
		t.Fatalf("findings changed on the way through JSON:\n got %#v\nwant %#v", back.Findings, want)
	}
	if back.Target != r.Target || back.Incomplete != r.Incomplete || !reflect.DeepEqual(back.Gate.Reasons, r.Gate.Reasons) {
		t.Fatal("report fields changed on the way through JSON")
	}
}

// representable reports whether JSON can carry r exactly: encoding/json
// replaces invalid UTF-8, and severities and confidences out of range
// have no name to read back.
func representable(r *Report) bool {
	ok := true
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.String:
			ok = ok && utf8.ValidString(v.String())
		case reflect.Pointer:
			if !v.IsNil() {
				walk(v.Elem())
			}
		case reflect.Struct:
			for i := range v.NumField() {
				if v.Type().Field(i).IsExported() {
					walk(v.Field(i))
				}
			}
		case reflect.Slice:
			for i := range v.Len() {
				walk(v.Index(i))
			}
		case reflect.Map:
			for it := v.MapRange(); it.Next(); {
				walk(it.Key())
				walk(it.Value())
			}
		}
	}
	walk(reflect.ValueOf(r))
	check := func(fs []finding.Finding) {
		for _, f := range fs {
			ok = ok && f.Severity >= finding.SeverityInfo && f.Severity <= finding.SeverityCritical &&
				f.Confidence >= finding.ConfidenceLow && f.Confidence <= finding.ConfidenceHigh
		}
	}
	check(r.Findings)
	if r.Baseline != nil {
		check(r.Baseline.FixedFindings)
	}
	return ok
}

var (
	sarifSchemaOnce sync.Once
	sarifSchemaFuzz *jsonschema.Schema
)

// checkSARIF: valid against the SARIF 2.1.0 schema, one result per
// finding, each with a physical location, and message texts that can
// neither span lines nor form an embedded link.
func checkSARIF(t *testing.T, r *Report, out []byte) {
	t.Helper()
	sarifSchemaOnce.Do(func() { sarifSchemaFuzz = sarifSchema(t) })
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("sarif output is not JSON: %v", err)
	}
	if err := sarifSchemaFuzz.Validate(inst); err != nil {
		t.Fatalf("sarif output is not valid SARIF 2.1.0: %v", err)
	}
	d := parseSARIF(t, out)
	results := d.Runs[0].Results
	if len(results) != len(r.Findings) {
		t.Fatalf("%d results for %d findings", len(results), len(r.Findings))
	}
	for _, res := range results {
		if len(res.Locations) != 1 || res.Locations[0].PhysicalLocation == nil || res.Locations[0].PhysicalLocation.ArtifactLocation.URI == "" {
			t.Fatalf("result without a physical location: %+v", res.Locations)
		}
		msg := res.Message.Text
		if strings.ContainsAny(msg, "\r\n") {
			t.Fatalf("message spans lines: %q", msg)
		}
		for i := range len(msg) {
			if (msg[i] == '[' || msg[i] == ']') && (i == 0 || msg[i-1] != '\\') {
				t.Fatalf("message has an unescaped bracket at %d: %q", i, msg)
			}
		}
	}
	for _, rule := range d.Runs[0].Tool.Driver.Rules {
		// A known rule's help is the catalog's own Markdown; an unknown
		// one's carries the finding's remediation, escaped, before the
		// documentation link, which is ours.
		if _, known := finding.Lookup(rule.ID); known {
			continue
		}
		md, _, _ := strings.Cut(rule.Help.Markdown, "\n\n[Rule documentation](")
		checkMarkdownProse(t, md)
	}
}

// checkJUnit: well-formed XML all the way through, with the structure the
// report asks for, whatever the finding's text holds.
func checkJUnit(t *testing.T, r *Report, out []byte) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(out))
	for {
		if _, err := dec.Token(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("junit output is not well-formed XML: %v", err)
		}
	}
	doc := parseJUnit(t, out)
	s := doc.Suites[0]
	if len(s.Cases) != len(r.Findings)+1 || s.Tests != len(s.Cases) {
		t.Fatalf("junit: %d cases (tests=%d) for %d findings", len(s.Cases), s.Tests, len(r.Findings))
	}
	failures := 0
	for _, c := range s.Cases {
		if c.Failure != nil {
			failures++
		}
	}
	if failures != s.Failures || doc.Failures != s.Failures {
		t.Fatalf("junit: %d failing cases, failures=%d/%d", failures, s.Failures, doc.Failures)
	}
	if gate := s.Cases[len(s.Cases)-1]; gate.Name != junitGateName || (gate.Failure == nil) != r.Gate.Passed {
		t.Fatalf("junit: the gate case is %+v for passed=%v", gate, r.Gate.Passed)
	}
}

// checkFuzzCodeQuality: the documented GitLab format, unique
// fingerprints, one issue per distinct fingerprint (a finding without one
// gets a derived one) plus one for an incomplete scan.
func checkFuzzCodeQuality(t *testing.T, r *Report, out []byte) {
	t.Helper()
	issues := checkCodeQuality(t, out)
	distinct := map[string]bool{}
	for _, f := range r.Findings {
		fp := f.Fingerprint
		if fp == "" {
			fp = finding.Fingerprint(f.Rule, f.Method, f.Path, "")
		}
		distinct[strings.ToValidUTF8(fp, "\uFFFD")] = true
	}
	if r.Incomplete != "" {
		distinct[codeQualityIncomplete] = true
	}
	want := len(distinct)
	if len(issues) != want {
		t.Fatalf("codequality: %d issues for %d distinct fingerprints (incomplete %q)", len(issues), len(distinct), r.Incomplete)
	}
}

// ourTags are the HTML tags the Markdown writer emits itself; any other
// "<" in the prose would be the target's.
var ourTags = map[string]bool{
	"<details>": true, "</details>": true, "<summary>": true, "</summary>": true,
	"<b>": true, "</b>": true, "<i>": true, "</i>": true, "<code>": true, "</code>": true,
}

var (
	anyTag       = regexp.MustCompile(`<[^>]*>?`)
	anyReference = regexp.MustCompile(`&[^;]*;?`)
	numericRef   = regexp.MustCompile(`^&#[0-9]+;$`)
	tableDivider = regexp.MustCompile(`^\|( --- \|)+$`)
)

// checkMarkdownProse checks Markdown outside code fences: the only HTML is
// ours, every character reference is a numeric one of EscapeMarkdown's,
// every "@" is followed by a zero-width space, and nothing else can form
// a code span, a link, an autolink, math, strike-through, a workflow
// command or an extra table cell.
func checkMarkdownProse(t *testing.T, md string) {
	t.Helper()
	for _, tag := range anyTag.FindAllString(md, -1) {
		if !ourTags[tag] {
			t.Fatalf("Markdown holds the tag %q:\n%s", tag, md)
		}
	}
	for _, ref := range anyReference.FindAllString(md, -1) {
		if !numericRef.MatchString(ref) {
			t.Fatalf("Markdown holds %q, not a numeric character reference:\n%s", ref, md)
		}
	}
	for i := strings.IndexByte(md, '@'); i >= 0; i = nextIndex(md, '@', i) {
		if !strings.HasPrefix(md[i+1:], zeroWidthSpace) {
			t.Fatalf("Markdown holds an @ that can mention: %q", excerpt(md, i))
		}
	}
	lower := strings.ToLower(md)
	for _, bad := range []string{"`", "](", "://", "www.", "$", "~", "\\", "[", "]", "##["} {
		if i := strings.Index(lower, bad); i >= 0 {
			t.Fatalf("Markdown prose holds %q: %q", bad, excerpt(md, i))
		}
	}
	columns := 0
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(strings.TrimLeftFunc(line, isRunnerSpace), "::") {
			t.Fatalf("Markdown line starts a workflow command: %q", line)
		}
		switch {
		case strings.HasPrefix(line, "| ") && columns == 0:
			columns = strings.Count(line, "|") // the header row
		case tableDivider.MatchString(line):
			if strings.Count(line, "|") != columns {
				t.Fatalf("table divider %q under a header of %d pipes", line, columns)
			}
		case strings.HasPrefix(line, "| "):
			if strings.Count(line, "|") != columns {
				t.Fatalf("table row %q has %d pipes, the header %d", line, strings.Count(line, "|"), columns)
			}
		case line == "":
			columns = 0
		default:
			if strings.Contains(line, "|") {
				t.Fatalf("a pipe outside a table: %q", line)
			}
		}
	}
}

// isRunnerSpace is what the Actions runner may trim before looking for
// "::": .NET's white space, and the zero-width characters for good
// measure.
func isRunnerSpace(r rune) bool {
	return unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff'
}

func nextIndex(s string, c byte, after int) int {
	if j := strings.IndexByte(s[after+1:], c); j >= 0 {
		return after + 1 + j
	}
	return -1
}

func excerpt(s string, i int) string {
	return s[max(0, i-40):min(len(s), i+40)]
}

// FuzzEscapeMarkdown checks EscapeMarkdown's promise on any input: one
// line of inert text, safe inline in a paragraph, a table cell or an HTML
// block.
func FuzzEscapeMarkdown(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := EscapeMarkdown(s)
		if !utf8.ValidString(out) {
			t.Fatalf("EscapeMarkdown(%q) = %q, not UTF-8", s, out)
		}
		if strings.ContainsAny(out, "\n\r") {
			t.Fatalf("EscapeMarkdown(%q) = %q spans lines", s, out)
		}
		for _, r := range out {
			if r < utf8.RuneSelf && strings.ContainsRune(markdownEntity, r) && r != '&' {
				t.Fatalf("EscapeMarkdown(%q) = %q holds %q raw", s, out, r)
			}
			if unsafeRune(r) {
				t.Fatalf("EscapeMarkdown(%q) = %q holds %U raw", s, out, r)
			}
		}
		checkMarkdownProse(t, out)
		// Block syntax at the start of a line: headings, lists, quotes,
		// setext underlines, ordered lists ("12." and "12)").
		first := strings.TrimLeft(out, " ")
		if first != "" && strings.ContainsRune("#+-=>*", rune(first[0])) {
			t.Fatalf("EscapeMarkdown(%q) = %q starts with block syntax", s, out)
		}
		if digits := strings.TrimLeft(first, "0123456789"); len(digits) < len(first) && digits != "" && (digits[0] == '.' || digits[0] == ')') {
			t.Fatalf("EscapeMarkdown(%q) = %q starts an ordered list", s, out)
		}
	})
}

// FuzzEscapeText checks escapeText's promise on any input: one printable
// line that the Actions runner does not execute.
func FuzzEscapeText(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := escapeText(s)
		if !utf8.ValidString(out) {
			t.Fatalf("escapeText(%q) = %q, not UTF-8", s, out)
		}
		for _, r := range out {
			if r < 0x20 || r == 0x7f || unsafeRune(r) {
				t.Fatalf("escapeText(%q) = %q holds %U raw", s, out, r)
			}
		}
		if strings.Contains(out, legacyWorkflowCommand) || strings.HasPrefix(strings.TrimLeftFunc(out, isRunnerSpace), workflowCommandKey) {
			t.Fatalf("escapeText(%q) = %q is a workflow command", s, out)
		}
	})
}
