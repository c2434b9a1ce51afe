package lazyre

import (
	"reflect"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"testing"
)

// patterns cover what the literal check must get right: case folding
// (with the letters whose fold leaves ASCII: k and s), alternations,
// repeats, optional parts, anchors, U+FFFD and patterns without literals.
var patterns = []string{
	`(?i)\b(unauthori[sz]ed|forbidden|access denied|not found|no such)\b`,
	`(?i)^(timestamp|time|server_?time|request_?id|csrf(_?token)?)$`,
	`(?i)secret|key`,
	`(?i)kelvin`,
	`\bSQLITE_(ERROR|CONSTRAINT)\b[^\n]*|near "[^"\n]*": syntax error`,
	`(?m)^\s*at .+\((/|[A-Z]:\\|node:)[^)]*:\d+:\d+\)`,
	`Traceback \(most recent call last\)|File "[^"\n]+\.py", line \d+`,
	`(ab)+c`,
	`(ab){2,3}`,
	`x(ab){0,3}y`,
	`a?b?`,
	`\d{4}-\d{2}`,
	`(?i)\b[0-9a-f]{24,}\b`,
	"\ufffd+x",
	`é(?i)É`,
	`(?i)straße`,
	`.*`,
	`^$`,
	`(?i)<form\b`,
	`(foo|)bar`,
}

var inputs = []string{
	"", "x", "forbidden", "FORBIDDEN here", "Access Denied.", "not  found", "no such thing",
	"unauthorised", "UNAUTHORIZED", "timestamp", "TimeStamp", "server_time", "servertime",
	"request-id", "csrf_token", "csrftoken", "secret", "SECRET", "\u212Aey", "\u017Fecret",
	"\u212Aelvin", "kelvin", "KELVIN", "SQLITE_ERROR: no", `near "x": syntax error`,
	"  at foo (/app/x.js:1:2)", "Traceback (most recent call last)", `File "a.py", line 3`,
	"ababc", "abababab", "xy", "xababy", "b", "2024-01-02", "0123456789abcdef0123456789",
	"0123456789ABCDEF0123456789", "\xff\xfex", "\ufffdx", "éé", "éÉ", "STRASSE", "straße",
	"<FORM action=x>", "<form>", "bar", "foobar", strings.Repeat("a", 3000) + "Forbidden",
	strings.Repeat("é", 700) + "not found", strings.Repeat("z", 2000) + "\u212Aey",
}

// TestSameAnswersAsRegexp: every method answers as the compiled pattern
// does, on inputs with and without the literals, in any case, with the
// Unicode folds, invalid UTF-8 and inputs longer than the stack buffer.
func TestSameAnswersAsRegexp(t *testing.T) {
	for _, p := range patterns {
		lz, re := New(p), regexp.MustCompile(p)
		for _, in := range inputs {
			b := []byte(in)
			check := func(what string, got, want any) {
				t.Helper()
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s(%q) on %q = %v, regexp says %v", what, p, shorten(in), got, want)
				}
			}
			check("MatchString", lz.MatchString(in), re.MatchString(in))
			check("Match", lz.Match(b), re.Match(b))
			check("Find", lz.Find(b), re.Find(b))
			check("FindIndex", lz.FindIndex(b), re.FindIndex(b))
			check("FindString", lz.FindString(in), re.FindString(in))
			check("FindStringIndex", lz.FindStringIndex(in), re.FindStringIndex(in))
			check("FindSubmatch", lz.FindSubmatch(b), re.FindSubmatch(b))
			check("FindStringSubmatch", lz.FindStringSubmatch(in), re.FindStringSubmatch(in))
			check("FindAllString", lz.FindAllString(in, -1), re.FindAllString(in, -1))
			check("FindAllStringSubmatch", lz.FindAllStringSubmatch(in, -1), re.FindAllStringSubmatch(in, -1))
			check("FindAll", lz.FindAll(b, -1), re.FindAll(b, -1))
			check("ReplaceAllString", lz.ReplaceAllString(in, "<$0>"), re.ReplaceAllString(in, "<$0>"))
			check("ReplaceAll", lz.ReplaceAll(b, []byte("<$0>")), re.ReplaceAll(b, []byte("<$0>")))
			check("ReplaceAllLiteral", lz.ReplaceAllLiteral(b, []byte("<$0>")), re.ReplaceAllLiteral(b, []byte("<$0>")))
			check("ReplaceAllLiteralString", lz.ReplaceAllLiteralString(in, "<$0>"), re.ReplaceAllLiteralString(in, "<$0>"))
			check("Split", lz.Split(in, -1), re.Split(in, -1))
		}
	}
}

func shorten(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// TestRequiredLiterals: the literals found are the ones every match
// needs, and patterns that can match without any have none.
func TestRequiredLiterals(t *testing.T) {
	for _, c := range []struct {
		expr string
		want []string // nil: none
	}{
		{`(?i)\b(forbidden|not found)\b`, []string{"forbidden", "not found"}},
		{`(?i)^(server_?time|nonce)$`, []string{"server", "nonce"}},
		{`\bSequelize[A-Z]\w*Error\b`, []string{"Sequelize"}},
		{`(ab){2,3}`, []string{"ab"}},
		{`x(ab){0,3}`, []string{"x"}},
		{`a?b?`, nil},
		{`(foo|)bar`, []string{"bar"}},
		{`[0-9a-f]{24,}`, nil},
		{"\ufffd", nil},
		{`(?i)é`, nil},
	} {
		tree, err := syntax.Parse(c.expr, syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		lits, ok := required(tree)
		var got []string
		for _, l := range lits {
			got = append(got, l.s)
		}
		if !ok {
			got = nil
		}
		slices.Sort(got)
		want := slices.Sorted(slices.Values(c.want))
		if !slices.Equal(got, want) {
			t.Errorf("required(%q) = %q, want %q", c.expr, got, want)
		}
	}
}

// TestLazy: nothing is compiled until the first use, and an invalid
// pattern panics then, as regexp.MustCompile would.
func TestLazy(t *testing.T) {
	r := New(`a+`)
	if r.re != nil {
		t.Fatal("compiled before its first use")
	}
	if !r.MatchString("caab") || r.re == nil {
		t.Fatal("not compiled at its first use")
	}
	bad := New(`(`)
	defer func() {
		if recover() == nil {
			t.Error("an invalid pattern did not panic at its first use")
		}
	}()
	bad.MatchString("(")
}

// FuzzSameAnswers compares MatchString and FindAllString with regexp's
// on any input.
func FuzzSameAnswers(f *testing.F) {
	for _, in := range inputs {
		f.Add(in)
	}
	lz := make([]*Regexp, len(patterns))
	re := make([]*regexp.Regexp, len(patterns))
	for i, p := range patterns {
		lz[i], re[i] = New(p), regexp.MustCompile(p)
	}
	f.Fuzz(func(t *testing.T, in string) {
		for i := range patterns {
			if lz[i].MatchString(in) != re[i].MatchString(in) {
				t.Fatalf("MatchString(%q) on %q differs", patterns[i], in)
			}
			if !slices.Equal(lz[i].FindAllString(in, -1), re[i].FindAllString(in, -1)) {
				t.Fatalf("FindAllString(%q) on %q differs", patterns[i], in)
			}
		}
	})
}
