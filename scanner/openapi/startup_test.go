package openapi

import (
	"regexp"
	"strings"
	"testing"
)

// TestExpandVariablesAsRegexp checks that expandVariables replaces what
// the pattern it stands in for replaced, on the placeholders of real
// server URLs and on texts made of braces, names and multi-byte or
// invalid UTF-8.
func TestExpandVariablesAsRegexp(t *testing.T) {
	pattern := regexp.MustCompile(`\{[^{}]*\}`)
	texts := []string{
		"", "/", "https://{host}:{port}/v1", "{scheme}://api.example.com/{basePath}",
		"{}", "{{a}}", "{a{b}", "{a}b}", "}{", "{", "}", "{a", "a}", "{é}/{\xff}", "x{{}}y",
		// Repeated and adjacent variables, names with spaces or slashes,
		// braces left open at the end, runs of braces.
		"https://{host}/{v}/{v}/{host}", "{a}{b}{a}", "{ }", "{a b}/{c/d}", "{a}}{{b}", "/v1/{", "{{{", "}}}",
		"{{a}{b}}", "{x}\u00a0{ünï}/{\u2028}", "{\x00}",
	}
	// Every text of up to five of these pieces.
	pieces := []string{"{", "}", "a", "é", "\xff"}
	var grow func(prefix string, n int)
	grow = func(prefix string, n int) {
		texts = append(texts, prefix)
		if n == 0 {
			return
		}
		for _, p := range pieces {
			grow(prefix+p, n-1)
		}
	}
	grow("", 5)
	value := func(name string) string { return "<" + strings.ToUpper(name) + ">" }
	for _, s := range texts {
		want := pattern.ReplaceAllStringFunc(s, func(v string) string { return value(v[1 : len(v)-1]) })
		if got := expandVariables(s, value); got != want {
			t.Errorf("expandVariables(%q) = %q, want %q", s, got, want)
		}
	}
}

// FuzzExpandVariables checks expandVariables against the pattern it
// stands in for on any text.
func FuzzExpandVariables(f *testing.F) {
	for _, s := range []string{"https://{host}:{port}/v1/{v}/{v}", "{a{b}}", "{}{", "{é}\xff}"} {
		f.Add(s)
	}
	pattern := regexp.MustCompile(`\{[^{}]*\}`)
	value := func(name string) string { return "<" + name + ">" }
	f.Fuzz(func(t *testing.T, s string) {
		want := pattern.ReplaceAllStringFunc(s, func(v string) string { return value(v[1 : len(v)-1]) })
		if got := expandVariables(s, value); got != want {
			t.Errorf("expandVariables(%q) = %q, want %q", s, got, want)
		}
	})
}

// TestOperationMethod checks the operation keys read, and that nothing
// else (a case other than lower, a parameters or $ref key) is one.
func TestOperationMethod(t *testing.T) {
	for key, want := range map[string]string{
		"get": "GET", "put": "PUT", "post": "POST", "delete": "DELETE",
		"options": "OPTIONS", "head": "HEAD", "patch": "PATCH", "trace": "TRACE",
		"GET": "", "Get": "", "parameters": "", "$ref": "", "": "", "query": "",
	} {
		got, ok := operationMethod(key)
		if got != want || ok != (want != "") {
			t.Errorf("operationMethod(%q) = %q, %v; want %q", key, got, ok, want)
		}
	}
}
