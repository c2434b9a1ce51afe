package ghapi

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/go-github/v60/github"
)

const (
	// MaxCommentChars bounds an issue comment body: GitHub answers 422
	// "body is too long (maximum is 65536 characters)".
	MaxCommentChars = 65536
	// commentsPerPage is the largest page GitHub serves, to keep the number
	// of requests on busy pull requests low.
	commentsPerPage = 100
	// maxCommentPages stops a runaway pagination (a Link header that never
	// ends); 30,000 comments is far beyond any real pull request. Past it
	// UpsertComment fails rather than risk a duplicate.
	maxCommentPages = 300
	// markerPrefix starts every authgate marker.
	markerPrefix = "<!-- authgate"
	// markerSuffix closes the HTML comment.
	markerSuffix = " -->"
)

// Marker builds the hidden marker that finds a job's sticky comment again,
// e.g. Marker("check=authgate", "shard=1/2") is
// "<!-- authgate:check=authgate:shard=1/2 -->". Empty parts are skipped.
// Parts come from workflow inputs, so every byte outside a small safe set is
// percent-encoded: the marker cannot close the comment early ("-->"),
// cannot collide with another scope by embedding ":", and a shorter scope is
// never a substring of a longer one.
func Marker(scope ...string) string {
	var b strings.Builder
	b.WriteString(markerPrefix)
	for _, part := range scope {
		if part == "" {
			continue
		}
		b.WriteByte(':')
		escapeMarkerPart(&b, part)
	}
	b.WriteString(markerSuffix)
	return b.String()
}

// escapeMarkerPart percent-encodes part into b. A '-' is kept unless it
// touches another '-', so "--" can never appear.
func escapeMarkerPart(b *strings.Builder, part string) {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(part); i++ {
		ch := part[i]
		safe := ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' ||
			strings.IndexByte("._=/@+,", ch) >= 0
		if ch == '-' {
			safe = (i == 0 || part[i-1] != '-') && (i == len(part)-1 || part[i+1] != '-')
		}
		if safe {
			b.WriteByte(ch)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[ch>>4])
		b.WriteByte(hex[ch&0xF])
	}
}

// validMarker accepts a single, complete HTML comment, so that a marker
// never shows in the rendered comment.
func validMarker(marker string) bool {
	return strings.HasPrefix(marker, "<!--") && strings.HasSuffix(marker, "-->") &&
		len(marker) >= len("<!---->") && !strings.Contains(marker[len("<!--"):len(marker)-len("-->")], "--")
}

// UpsertComment keeps one comment per marker on pull request (or issue)
// number: it pages through all comments (per_page 100, following Link
// headers), updates the one that contains marker in place, or creates it.
// It reports whether it created one. The marker is put on the first line
// and the rest of body is cut to fit MaxCommentChars, so truncation never
// loses the marker and a later run never adds a duplicate. When several
// comments carry the marker (a user may quote it), a bot's is preferred,
// then the oldest.
func (c *Client) UpsertComment(ctx context.Context, owner, repo string, number int, marker, body string) (created bool, err error) {
	if !validMarker(marker) {
		return false, fmt.Errorf("ghapi: upsert comment: marker %q is not an html comment", marker)
	}
	full := commentBody(marker, body)
	existing, err := c.findComment(ctx, owner, repo, number, marker)
	if err != nil {
		return false, err
	}
	if existing != nil {
		if existing.GetBody() == full {
			return false, nil // unchanged: spare a request and an "edited" mark
		}
		if _, _, err := c.gh.Issues.EditComment(ctx, owner, repo, existing.GetID(), &github.IssueComment{Body: github.String(full)}); err != nil {
			return false, classify("update comment", err)
		}
		return false, nil
	}
	if _, _, err := c.gh.Issues.CreateComment(ctx, owner, repo, number, &github.IssueComment{Body: github.String(full)}); err != nil {
		return false, classify("create comment", err)
	}
	return true, nil
}

// commentBody places marker first and cuts the rest to fit.
func commentBody(marker, body string) string {
	rest := strings.TrimLeft(strings.ReplaceAll(body, marker, ""), "\n")
	return marker + "\n" + truncateLines(rest, MaxCommentChars-len(marker)-len("\n"))
}

// findComment returns the comment carrying marker, or nil.
func (c *Client) findComment(ctx context.Context, owner, repo string, number int, marker string) (*github.IssueComment, error) {
	opts := &github.IssueListCommentsOptions{ListOptions: github.ListOptions{PerPage: commentsPerPage}}
	var first *github.IssueComment
	for page := 1; ; page++ {
		if page > maxCommentPages {
			return nil, fmt.Errorf("ghapi: list comments: more than %d pages", maxCommentPages)
		}
		comments, resp, err := c.gh.Issues.ListComments(ctx, owner, repo, number, opts)
		if err != nil {
			return nil, classify("list comments", err)
		}
		for _, cm := range comments {
			if !strings.Contains(cm.GetBody(), marker) {
				continue
			}
			if cm.GetUser().GetType() == "Bot" {
				return cm, nil
			}
			if first == nil {
				first = cm
			}
		}
		if resp.NextPage == 0 || resp.NextPage == opts.Page {
			return first, nil
		}
		opts.Page = resp.NextPage
	}
}
