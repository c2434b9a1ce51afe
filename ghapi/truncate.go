package ghapi

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// truncateLines returns s unchanged when it fits in limit bytes, else the
// longest prefix that ends on a line boundary followed by a "… N more lines"
// notice, the whole within limit bytes. GitHub counts characters; a byte
// never holds more than one, so a byte budget is safe for any script. The
// cut never splits a UTF-8 rune, and a Markdown code fence or <details>
// blocks left open by the cut are closed so that the notice renders as
// visible text rather than inside a code block or a collapsed section.
func truncateLines(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	total := strings.Count(s, "\n") + 1
	// Room for the worst case without <details>: a newline, a closing fence
	// and the notice with the largest count it can carry.
	reserve := len("\n") + len(closingFence) + len(moreLines(total))
	cut := lineFloor(s, max(limit-reserve, 0))
	var out string
	for {
		out = cutAt(s, cut)
		over := len(out) - limit
		if over <= 0 || cut == 0 {
			break
		}
		// Closing <details> blocks took more room: give up whole lines.
		cut = lineFloor(s, max(cut-over, 0))
	}
	if len(out) > limit { // only when limit is smaller than the notice itself
		out = out[:runeFloor(out, limit)]
	}
	return out
}

// lineFloor returns the largest cut <= n that ends on a line boundary, or a
// rune boundary when no newline comes before n.
func lineFloor(s string, n int) int {
	cut := runeFloor(s, n)
	if i := strings.LastIndexByte(s[:cut], '\n'); i >= 0 {
		cut = i + 1
	}
	return cut
}

// cutAt keeps s[:cut], closes what the cut left open and adds the notice.
func cutAt(s string, cut int) string {
	kept, rest := s[:cut], s[cut:]
	n := strings.Count(rest, "\n")
	if !strings.HasSuffix(rest, "\n") {
		n++
	}
	var b strings.Builder
	b.WriteString(kept)
	if kept != "" && !strings.HasSuffix(kept, "\n") {
		b.WriteByte('\n')
	}
	fence, details := openBlocks(kept)
	if fence {
		b.WriteString(closingFence)
	}
	for range details {
		b.WriteString(closingDetails)
	}
	b.WriteString(moreLines(n))
	return b.String()
}

// closingDetails ends a collapsible section that the cut left open.
const closingDetails = "</details>\n"

// closingFence ends a fenced code block that the cut left open.
const closingFence = "```\n"

// moreLines is the notice that replaces what was cut. The blank line in
// front ends a Markdown table, which would otherwise swallow it as a row.
func moreLines(n int) string {
	if n == 1 {
		return "\n… 1 more line\n"
	}
	return fmt.Sprintf("\n… %d more lines\n", n)
}

// truncateRunes cuts s to at most limit bytes without splitting a rune, for
// one-line fields such as annotation titles.
func truncateRunes(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	return s[:runeFloor(s, limit)]
}

// runeFloor returns the largest i <= n at which s can be cut without
// splitting a UTF-8 sequence.
func runeFloor(s string, n int) int {
	if n >= len(s) {
		return len(s)
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return n
}

// openBlocks reports whether s ends inside a ``` code fence, and how many
// <details> sections opened outside code fences are still unclosed.
func openBlocks(s string) (fence bool, details int) {
	for line := range strings.Lines(s) {
		if strings.HasPrefix(strings.TrimLeft(line, " "), "```") {
			fence = !fence
			continue
		}
		if fence {
			continue
		}
		lower := strings.ToLower(line)
		for _, tag := range strings.Split(lower, "<")[1:] {
			switch {
			case strings.HasPrefix(tag, "/details>"):
				details = max(details-1, 0)
			case strings.HasPrefix(tag, "details>"), strings.HasPrefix(tag, "details "):
				details++
			}
		}
	}
	return fence, details
}
