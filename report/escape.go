package report

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Workflow-command markers of the GitHub Actions runner. It runs "::cmd::"
// when a line starts with it after trimming leading white space, and the
// legacy "##[cmd]" anywhere in a line (actions/runner ActionCommand.TryParse
// uses IndexOf), so anything printed to a job log must contain neither where
// they would count.
const (
	workflowCommandKey    = "::"
	legacyWorkflowCommand = "##["
)

// escapeText makes untrusted text safe for one line of a terminal or a CI
// log: control characters (including ESC, CR and LF), Unicode format
// characters (bidi overrides, zero-width characters) and line separators are
// written as visible escapes (\n, \x1b, \u202e), invalid UTF-8 bytes as
// \xNN; the legacy workflow-command marker "##[" is broken up, and a leading
// "::" is escaped. Backslashes are left alone for readability, so the escapes
// are for a person to read, not to be decoded.
func escapeText(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < utf8.RuneSelf && unicode.IsControl(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case unsafeRune(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
		i += size
	}
	out := strings.ReplaceAll(b.String(), legacyWorkflowCommand, `#\x23[`)
	trimmed := strings.TrimLeftFunc(out, unicode.IsSpace)
	if strings.HasPrefix(trimmed, workflowCommandKey) {
		out = out[:len(out)-len(trimmed)] + `\x3a` + trimmed[1:]
	}
	return out
}

// unsafeRune reports characters that can move a terminal's cursor, reorder
// displayed text or hide content: C1 controls (U+009B is a one-byte CSI),
// format characters (bidi controls, zero-width joiners) and line or
// paragraph separators.
func unsafeRune(r rune) bool {
	return unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp)
}

// markdownEntity lists the ASCII characters EscapeMarkdown always writes as
// numeric character references: those that start Markdown or HTML syntax
// anywhere in a line (emphasis, code, links, images, tables, HTML,
// character references, math, backslash escapes).
const markdownEntity = "\\`*_[]()<>&~|!$"

// markdownLineStart lists the characters that are syntax only at the start
// of a line (headings, lists, setext underlines, block quotes; ">" is
// always encoded), encoded there.
const markdownLineStart = "#+-="

// zeroWidthSpace breaks mentions and autolinks without changing what a
// person reads. GitHub looks for @mentions and bare URLs in the rendered
// text, after character references are decoded, so encoding "@" or ":"
// would not stop them; a character between them and what follows does.
const zeroWidthSpace = "&#8203;"

// EscapeMarkdown makes untrusted text safe to show inline in GitHub
// Markdown: in a paragraph, a table cell, or inside an HTML block such as
// <summary> (it uses character references, never backslash escapes, which
// HTML blocks would show literally). Line breaks become spaces, other control
// and format characters visible escapes (see escapeText); Markdown and HTML
// metacharacters become numeric references; "@" is followed by a zero-width
// space so that no one is mentioned and no e-mail address is linked, and so
// are "://" and "www" so that no URL becomes a link. The result may start a
// line. Do not use it inside code spans or fences, where references show as
// typed.
func EscapeMarkdown(s string) string {
	visible := escapeText(strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ", "\t", " ").Replace(s))
	var b strings.Builder
	b.Grow(len(visible) + len(visible)/4)
	start := len(visible) - len(strings.TrimLeft(visible, " ")) // first non-space byte
	digitsEnd := start + len(visible[start:]) - len(strings.TrimLeft(visible[start:], "0123456789"))
	for i := 0; i < len(visible); {
		r, size := utf8.DecodeRuneInString(visible[i:])
		switch {
		case r == '@':
			b.WriteString("@" + zeroWidthSpace)
		case r == ':' && strings.HasPrefix(visible[i+1:], "//"):
			b.WriteString(":" + zeroWidthSpace)
		case r == '.' && i >= 3 && strings.EqualFold(visible[i-3:i], "www"):
			b.WriteString(zeroWidthSpace + ".")
		case r < utf8.RuneSelf && strings.ContainsRune(markdownEntity, r),
			i == start && strings.ContainsRune(markdownLineStart, r),
			i == digitsEnd && digitsEnd > start && r == '.': // "1." would start a list
			fmt.Fprintf(&b, "&#%d;", r)
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

// codeFence returns a backtick fence longer than any backtick run in
// content, so that the content cannot close it early (CommonMark: a closing
// fence must be at least as long as the opening one).
func codeFence(content string) string {
	longest, run := 0, 0
	for _, c := range content {
		if c == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return strings.Repeat("`", max(minFence, longest+1))
}

// minFence is CommonMark's shortest code fence.
const minFence = 3
