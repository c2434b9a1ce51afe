package report

import (
	"errors"
	"io"
	"path"
	"strings"

	"github.com/authgate/authgate/finding"
)

// GitLab Code Quality names. GitLab reads a JSON array of issues in a
// subset of the Code Climate spec (docs.gitlab.com/ci/testing/code_quality,
// "Code Quality report format"): description, check_name, fingerprint,
// severity, location.path and location.lines.begin. Its parser validates
// each issue against app/validators/json_schemas/codeclimate.json (required:
// description, fingerprint, severity, location) and silently drops one that
// does not validate, and it keys issues by fingerprint, so a repeated
// fingerprint hides all but one issue.
const (
	// codeQualityType and codeQualityCategory make each entry a valid Code
	// Climate issue as well ("type": "issue" and a category are required
	// there); GitLab ignores both.
	codeQualityType     = "issue"
	codeQualityCategory = "Security"
	// codeQualityCoveragePrefix makes the fingerprint of a rule that could
	// not run: versioned like finding fingerprints, and unlike them in
	// form, so the two never collide.
	codeQualityCoveragePrefix = "authgate-coverage/v1:"
	// codeQualityIncomplete is the fingerprint of the issue that says the
	// scan stopped early.
	codeQualityIncomplete = "authgate-incomplete/v1"
	// codeQualityCoverageCheck and codeQualityIncompleteCheck are those
	// issues' check names, apart from the rule ids of findings.
	codeQualityCoverageCheck   = "authgate-coverage"
	codeQualityIncompleteCheck = "authgate-incomplete"
	codeQualityUnknownCheck    = "authgate"
)

// codeQualitySeverity maps authgate's severities onto GitLab's five
// (info, minor, major, critical, blocker), one to one and in order, so
// that GitLab's sorting matches authgate's.
var codeQualitySeverity = map[finding.Severity]string{
	finding.SeverityCritical: "blocker",
	finding.SeverityHigh:     "critical",
	finding.SeverityMedium:   "major",
	finding.SeverityLow:      "minor",
	finding.SeverityInfo:     "info",
}

// codeQualityInfo is GitLab's lowest severity, used for what is not a
// weakness of the API but must not pass unnoticed (a rule that could not
// run, an incomplete scan).
const codeQualityInfo = "info"

type codeQualityIssue struct {
	Type        string              `json:"type"`
	CheckName   string              `json:"check_name"`
	Description string              `json:"description"`
	Categories  []string            `json:"categories"`
	Severity    string              `json:"severity"`
	Fingerprint string              `json:"fingerprint"`
	Location    codeQualityLocation `json:"location"`
}

type codeQualityLocation struct {
	Path  string           `json:"path"`
	Lines codeQualityLines `json:"lines"`
}

type codeQualityLines struct {
	Begin int `json:"begin"`
}

// writeCodeQuality is the registered "codequality" writer: it knows no file
// of the caller's, so unlocated findings go to defaultFallbackFile.
func writeCodeQuality(w io.Writer, r *Report, _ Options) error {
	return WriteCodeQuality(w, r, finding.Location{})
}

// WriteCodeQuality writes the report as a GitLab Code Quality report
// (artifacts:reports:codequality): one issue per finding in the order every
// writer uses, then one info issue per rule that could not run although the
// inputs asked for it, and one when the scan is incomplete. Suppressed
// findings are left out (GitLab has no notion of an accepted issue).
// Indented, [] when there is nothing, one trailing newline.
//
// GitLab requires a path on every issue, so a finding without a Location
// (the CLI outside a repository, a route the locator did not find) points at
// fallback, line 1; an empty fallback.File means defaultFallbackFile, the
// config file, where such a finding would be suppressed. GitLab matches
// issues between the source and target branch by fingerprint only, so the
// path affects where an issue is shown, never whether it counts as new.
//
// Everything the target shaped (path, evidence) is plain text on one line
// with control and format characters made visible, as in SARIF messages;
// no response body or reproduction goes in.
func WriteCodeQuality(w io.Writer, r *Report, fallback finding.Location) error {
	if r == nil {
		return errors.New("write codequality: no report")
	}
	fb := codeQualityLocationOf(fallback.File, fallback.Line)
	if fb.Path == "" {
		fb = codeQualityLocationOf(defaultFallbackFile, 1)
	}
	fs := sorted(r.Findings)
	issues := make([]codeQualityIssue, 0, len(fs))
	seen := make(map[string]bool, len(fs))
	for _, f := range fs {
		fp := f.Fingerprint
		if fp == "" {
			// A hand-made report: the scanner always sets it. GitLab needs
			// one, stable across runs, so derive it from what the
			// scanner's is made of, less the unknown auth scheme.
			fp = finding.Fingerprint(f.Rule, f.Method, f.Path, "")
		}
		// encoding/json writes invalid UTF-8 as U+FFFD: compare what
		// GitLab will read (only a hand-edited report has any).
		fp = strings.ToValidUTF8(fp, "\uFFFD")
		if seen[fp] {
			// Same fingerprint, same flaw (the scanner and merge keep one);
			// GitLab would keep only one anyway. The first in sort order
			// is the most severe.
			continue
		}
		seen[fp] = true
		loc := fb
		if f.Location != nil {
			if l := codeQualityLocationOf(f.Location.File, f.Location.Line); l.Path != "" {
				loc = l
			}
		}
		desc := escapeText(f.Title) + ": " + escapeText(f.Method+" "+f.Path)
		if f.Evidence.Summary != "" {
			desc += ": " + escapeText(f.Evidence.Summary)
		}
		check := escapeText(f.Rule)
		if check == "" {
			check = codeQualityUnknownCheck // a hand-made report; GitLab shows the name
		}
		issues = append(issues, codeQualityIssue{
			Type:        codeQualityType,
			CheckName:   check,
			Description: desc,
			Categories:  []string{codeQualityCategory},
			Severity:    codeQualitySeverity[clampSeverity(f.Severity)],
			Fingerprint: fp,
			Location:    loc,
		})
	}
	if c := coverageOf(r); c != nil {
		for _, rc := range c.Rules {
			// Only what the inputs asked for: every active rule "did not
			// run" in safe mode, which is no news on every merge request.
			if !rc.Requested || rc.Status == finding.RuleRan || rc.Status == finding.RuleNotApplicable {
				continue
			}
			fp := strings.ToValidUTF8(codeQualityCoveragePrefix+rc.Rule, "\uFFFD")
			if seen[fp] {
				continue
			}
			seen[fp] = true
			desc := "authgate rule " + rc.Rule + " could not run, although the inputs asked for it"
			if rc.Reason != "" {
				desc += ": " + rc.Reason
			}
			issues = append(issues, codeQualityIssue{
				Type:        codeQualityType,
				CheckName:   codeQualityCoverageCheck,
				Description: escapeText(desc),
				Categories:  []string{codeQualityCategory},
				Severity:    codeQualityInfo,
				Fingerprint: fp,
				Location:    fb,
			})
		}
	}
	// A hand-edited finding could carry this fingerprint; GitLab would
	// show one of the two, so the finding stays.
	if r.Incomplete != "" && !seen[codeQualityIncomplete] {
		issues = append(issues, codeQualityIssue{
			Type:        codeQualityType,
			CheckName:   codeQualityIncompleteCheck,
			Description: escapeText("the authgate scan is incomplete (" + r.Incomplete + "): findings are what it saw until it stopped"),
			Categories:  []string{codeQualityCategory},
			Severity:    codeQualityInfo,
			Fingerprint: codeQualityIncomplete,
			Location:    fb,
		})
	}
	return writeIndentedJSON(w, issues)
}

// codeQualityLocationOf makes a repository-relative path as GitLab wants it
// (forward slashes, no leading "./" or "/"; a file system path, not a URI)
// and a line of at least 1 (0 means the whole file: its first line). The
// path is "" when file names nothing inside the repository.
func codeQualityLocationOf(file string, line int) codeQualityLocation {
	p := path.Clean(strings.ReplaceAll(file, `\`, "/"))
	p = strings.TrimLeft(strings.TrimPrefix(p, "./"), "/")
	if p == "" || p == "." || p == ".." || strings.HasPrefix(p, "../") {
		return codeQualityLocation{}
	}
	return codeQualityLocation{Path: p, Lines: codeQualityLines{Begin: max(line, 1)}}
}
