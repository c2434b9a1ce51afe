package action

import (
	"net/url"
	"strconv"
	"strings"
	"time"
)

// RunURL links to the workflow run
// (GITHUB_SERVER_URL/GITHUB_REPOSITORY/actions/runs/GITHUB_RUN_ID, with
// /attempts/N for a re-run), "" when the runner did not say which.
func (e Event) RunURL() string {
	base := e.repoURL()
	if base == "" || e.RunID <= 0 {
		return ""
	}
	u := base + "/actions/runs/" + strconv.FormatInt(e.RunID, 10)
	if e.RunAttempt > 1 {
		u += "/attempts/" + strconv.FormatInt(e.RunAttempt, 10)
	}
	return u
}

// repoURL is the repository's web address, "" unless the server is an
// http(s) URL and owner and name are plain GitHub names (they end up in a
// Markdown link).
func (e Event) repoURL() string {
	u, err := url.Parse(e.ServerURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return ""
	}
	if !plainName(e.Owner) || !plainName(e.Repo) {
		return ""
	}
	return strings.TrimRight(u.String(), "/") + "/" + e.Owner + "/" + e.Repo
}

// plainName accepts what GitHub allows in owner and repository names.
func plainName(s string) bool {
	return s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == ""
}

// shortSHALen is how much of a commit id the comment shows, as git and
// GitHub abbreviate it.
const shortSHALen = 7

// Stamp is the line that dates a result in the sticky comment: the commit
// it is about (short, linked), when the scan started (UTC, to the
// minute), and a link to the workflow run with the full log. A comment
// edited in place on every push must say which push it describes. Parts
// the runner did not provide are left out.
func Stamp(ev Event, scanned time.Time) string { return stamp(ev, "scanned", scanned) }

// RunStamp is Stamp for a run that has no result (exit code 2 or 3): it
// says when authgate ran, not "scanned", because nothing may have been.
func RunStamp(ev Event, ran time.Time) string { return stamp(ev, "ran", ran) }

func stamp(ev Event, verb string, at time.Time) string {
	var parts []string
	if sha := ev.HeadSHA; plainName(sha) && !strings.ContainsAny(sha, "._-") {
		short := sha
		if len(short) > shortSHALen {
			short = short[:shortSHALen]
		}
		part := "commit `" + short + "`"
		if base := ev.repoURL(); base != "" {
			part = "commit [`" + short + "`](" + base + "/commit/" + sha + ")"
		}
		parts = append(parts, part)
	}
	if !at.IsZero() {
		parts = append(parts, verb+" "+at.UTC().Format("2006-01-02 15:04")+" UTC")
	}
	if run := ev.RunURL(); run != "" {
		label := "workflow run"
		if ev.RunAttempt > 1 {
			label += " (attempt " + strconv.FormatInt(ev.RunAttempt, 10) + ")"
		}
		parts = append(parts, "["+label+"]("+run+")")
	}
	if len(parts) == 0 {
		return ""
	}
	return "<sub>authgate · " + strings.Join(parts, " · ") + "</sub>"
}
