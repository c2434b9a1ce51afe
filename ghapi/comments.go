package ghapi

import (
	"context"
	"errors"
	"fmt"
	"regexp"
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
// headers), updates the oldest one that contains marker and was written by
// the token's login (see WithCommenter), or creates one. A comment with the
// marker an earlier authgate wrote for the same scope (see legacyMarker) is
// adopted when none carries marker itself, so that upgrading adds no
// duplicate. It reports whether
// it created one. Comments by anyone else are never edited, even when they
// carry the marker (a user may quote it, or plant it to have the bot
// overwrite their words). The marker is put on the first line and the rest
// of body is cut to fit MaxCommentChars, so truncation never loses the
// marker and a later run never adds a duplicate. When the create fails in a
// way that may have created the comment anyway (5xx, timeout), the comments
// are listed again before one more create, so a retry adds no duplicate.
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
		return false, c.editComment(ctx, owner, repo, existing, full)
	}
	_, _, err = c.gh.Issues.CreateComment(ctx, owner, repo, number, &github.IssueComment{Body: github.String(full)})
	if err == nil {
		return true, nil
	}
	if !outcomeUnknown(ctx, err) {
		return false, classify("create comment", err)
	}
	createErr := classify("create comment", err)
	existing, err = c.findComment(ctx, owner, repo, number, marker)
	if err != nil {
		return false, errors.Join(createErr, err)
	}
	if existing != nil { // the failed create went through after all
		return true, c.editComment(ctx, owner, repo, existing, full)
	}
	if _, _, err := c.gh.Issues.CreateComment(ctx, owner, repo, number, &github.IssueComment{Body: github.String(full)}); err != nil {
		return false, errors.Join(createErr, classify("create comment again", err))
	}
	return true, nil
}

// editComment sets existing's body to full unless it already is, sparing a
// request and an "edited" mark.
func (c *Client) editComment(ctx context.Context, owner, repo string, existing *github.IssueComment, full string) error {
	if existing.GetBody() == full {
		return nil
	}
	if _, _, err := c.gh.Issues.EditComment(ctx, owner, repo, existing.GetID(), &github.IssueComment{Body: github.String(full)}); err != nil {
		return classify("update comment", err)
	}
	return nil
}

// commentBody places marker first and cuts the rest to fit.
func commentBody(marker, body string) string {
	rest := strings.TrimLeft(strings.ReplaceAll(body, marker, ""), "\n")
	return marker + "\n" + truncateLines(rest, MaxCommentChars-len(marker)-len("\n"))
}

// findComment returns the oldest comment by c.commenter carrying marker;
// without one, the oldest carrying a legacy form of it; else nil.
func (c *Client) findComment(ctx context.Context, owner, repo string, number int, marker string) (*github.IssueComment, error) {
	legacy := legacyMarker(marker)
	var adopt *github.IssueComment
	opts := &github.IssueListCommentsOptions{ListOptions: github.ListOptions{PerPage: commentsPerPage}}
	for page := 1; ; page++ {
		if page > maxCommentPages {
			return nil, fmt.Errorf("ghapi: list comments: more than %d pages", maxCommentPages)
		}
		comments, resp, err := c.gh.Issues.ListComments(ctx, owner, repo, number, opts)
		if err != nil {
			return nil, classify("list comments", err)
		}
		for _, cm := range comments {
			if !strings.EqualFold(cm.GetUser().GetLogin(), c.commenter) {
				continue
			}
			if strings.Contains(cm.GetBody(), marker) {
				return cm, nil
			}
			if adopt == nil && legacy.MatchString(cm.GetBody()) {
				adopt = cm
			}
		}
		if resp.NextPage == 0 || resp.NextPage == opts.Page {
			return adopt, nil
		}
		opts.Page = resp.NextPage
	}
}

// legacyMarker matches the marker authgate wrote before the scope stopped
// naming the target: the same parts followed by "target=" and 8 hex digits
// of a hash of the target URL. A preview URL per commit made that one
// comment per push; such a comment of the same check, workflow and job is
// the one to update.
func legacyMarker(marker string) *regexp.Regexp {
	return regexp.MustCompile(regexp.QuoteMeta(strings.TrimSuffix(marker, markerSuffix)) + `:target=[0-9a-f]{8}` + regexp.QuoteMeta(markerSuffix))
}
