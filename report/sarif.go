package report

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/authgate/authgate/finding"
)

// SARIF constants. GitHub code scanning accepts only SARIF 2.1.0 and reads
// $schema to tell the version.
const (
	sarifSchemaURI = "https://json.schemastore.org/sarif-2.1.0.json"
	sarifVersion   = "2.1.0"
	// sarifDriverName is fixed rather than Report.Tool.Name: code scanning
	// groups alerts by tool name, so it must not change between runs.
	sarifDriverName = "authgate"
	// projectURI is the tool's informationUri, also the base of rule pages.
	projectURI = "https://github.com/authgate/authgate"
	// ruleDocsURI is where docs/rules/<id>.md is rendered.
	ruleDocsURI = projectURI + "/blob/main/docs/rules/"
	// fingerprintKey versions partialFingerprints the way GitHub's own
	// keys do ("primaryLocationLineHash/v1"); finding.Fingerprint carries
	// its own version too.
	fingerprintKey = "authgate/v1"
	// logicalLocationKind is the SARIF kind closest to an HTTP operation:
	// it is the unit of code that handles the request.
	logicalLocationKind = "function"
	// asciiDEL is the one ASCII control character encoding/json does not
	// escape.
	asciiDEL = 0x7f
	// defaultFallbackFile anchors findings without a Location when the
	// caller knows no better file (the registered "sarif" writer, i.e. the
	// CLI). GitHub code scanning fails the whole upload when one result
	// lacks a physical location ("locationFromSarifResult: expected a
	// physical location"), so a file is required; the config file is the
	// one the scan is set up in and where such a finding is suppressed, and
	// it is the same every run, so alerts do not move when other findings
	// change (unlike "the first located finding's file"). It may not exist
	// in the repository: codeql-action's upload only skips fingerprinting
	// for a missing file (src/fingerprints.ts, "Unable to compute
	// fingerprint for non-existent file", a debug message) and
	// partialFingerprints already carries ours, so the alert is kept,
	// shown without a code preview. Not "." or a URL: a directory gets no
	// preview either and code scanning rejects URI schemes other than file.
	defaultFallbackFile = ".authgate.yml"
)

// SARIF levels (SARIF 2.1.0 §3.27.10).
const (
	sarifError   = "error"
	sarifWarning = "warning"
	sarifNote    = "note"
)

// securitySeverity is the CVSS-like score GitHub code scanning reads from a
// rule's properties["security-severity"] to show critical (≥ 9.0), high
// (7.0–8.9), medium (4.0–6.9) or low (0.1–3.9); the values sit inside those
// bands so that GitHub shows the same severity authgate does.
var securitySeverity = map[finding.Severity]string{
	finding.SeverityCritical: "9.5",
	finding.SeverityHigh:     "8.0",
	finding.SeverityMedium:   "5.5",
	finding.SeverityLow:      "3.0",
	finding.SeverityInfo:     "0.0",
}

// sarifLevel maps a severity to a SARIF level: what fails a review is an
// error, what deserves a look a warning, the rest notes.
func sarifLevel(s finding.Severity) string {
	switch {
	case s >= finding.SeverityHigh:
		return sarifError
	case s == finding.SeverityMedium:
		return sarifWarning
	default:
		return sarifNote
	}
}

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool       sarifTool      `json:"tool"`
	Results    []sarifResult  `json:"results"`
	Properties *sarifRunProps `json:"properties,omitempty"`
}

// sarifRunProps carries what the scan tested (the report's coverage), so
// that a SARIF consumer can tell a clean run from one that tested little.
type sarifRunProps struct {
	Coverage *finding.Coverage `json:"coverage"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
	// SemanticVersion is Version without its "v" when that is SemVer 2.0
	// (SARIF 2.1.0 §3.19.12 wants exactly that format); empty for a build
	// that knows no version ("dev+<revision>").
	SemanticVersion string      `json:"semanticVersion,omitempty"`
	InformationURI  string      `json:"informationUri"`
	Rules           []sarifRule `json:"rules"`
}

type sarifMessage struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifRule struct {
	ID                   string             `json:"id"`
	Name                 string             `json:"name"`
	ShortDescription     sarifMessage       `json:"shortDescription"`
	FullDescription      sarifMessage       `json:"fullDescription"`
	Help                 sarifMessage       `json:"help"`
	HelpURI              string             `json:"helpUri"`
	DefaultConfiguration sarifConfiguration `json:"defaultConfiguration"`
	Properties           sarifRuleProps     `json:"properties"`
}

type sarifConfiguration struct {
	Level string `json:"level"`
}

type sarifRuleProps struct {
	Tags             []string `json:"tags"`
	SecuritySeverity string   `json:"security-severity"`
}

type sarifResult struct {
	RuleID              string             `json:"ruleId"`
	RuleIndex           int                `json:"ruleIndex"`
	Level               string             `json:"level"`
	Message             sarifMessage       `json:"message"`
	Locations           []sarifLocation    `json:"locations"`
	PartialFingerprints map[string]string  `json:"partialFingerprints"`
	BaselineState       string             `json:"baselineState,omitempty"`
	Suppressions        []sarifSuppression `json:"suppressions,omitempty"`
	Properties          sarifResultProps   `json:"properties"`
}

// sarifSuppression is SARIF's record of an accepted result (§3.35): the
// config's suppress entry lives outside the scanned code, hence external.
type sarifSuppression struct {
	Kind          string                 `json:"kind"`
	Status        string                 `json:"status"`
	Justification string                 `json:"justification,omitempty"`
	Properties    *sarifSuppressionProps `json:"properties,omitempty"`
}

type sarifSuppressionProps struct {
	Until string `json:"until"`
}

type sarifLocation struct {
	PhysicalLocation *sarifPhysicalLocation `json:"physicalLocation,omitempty"`
	LogicalLocations []sarifLogicalLocation `json:"logicalLocations,omitempty"`
}

type sarifPhysicalLocation struct {
	ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
	Region           *sarifRegion          `json:"region,omitempty"`
}

type sarifArtifactLocation struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

type sarifLogicalLocation struct {
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind"`
}

type sarifResultProps struct {
	Method     string   `json:"method"`
	Path       string   `json:"path"`
	Confidence string   `json:"confidence"`
	OWASP      string   `json:"owasp"`
	CWE        string   `json:"cwe"`
	Status     string   `json:"status,omitempty"`
	Reproduce  []string `json:"reproduce"`
	// SuppressionExpired is the day a suppression of this finding ran
	// out, when one did.
	SuppressionExpired string `json:"suppressionExpired,omitempty"`
}

// sarifBaselineState maps a finding's status to SARIF's own field, so
// that SARIF viewers can tell new findings without authgate's properties.
var sarifBaselineState = map[finding.Status]string{
	finding.StatusNew:      "new",
	finding.StatusExisting: "unchanged",
}

// writeSARIF is the registered "sarif" writer: it knows no file of the
// caller's, so unlocated findings go to defaultFallbackFile.
func writeSARIF(w io.Writer, r *Report, _ Options) error {
	return WriteSARIF(w, r, finding.Location{})
}

// WriteSARIF writes the report as one SARIF 2.1.0 run for GitHub code
// scanning (github/codeql-action/upload-sarif) and other SARIF viewers:
// rules for every rule with a finding, sorted by id, and one result per
// finding in the order every writer uses. Indented, [] never null, one
// trailing newline.
//
// Code scanning rejects the whole file when one result has no physical
// location, so a finding without a Location is anchored at fallback (the
// Action passes the OpenAPI file or its workflow file; Line 0 means the
// whole file) and keeps its operation as a logical location. An empty
// fallback.File means defaultFallbackFile.
func WriteSARIF(w io.Writer, r *Report, fallback finding.Location) error {
	if r == nil {
		return errors.New("write sarif: no report")
	}
	if !isFileURI(repoURI(fallback.File)) {
		fallback = finding.Location{File: defaultFallbackFile}
	}
	fs := sorted(r.Findings)
	suppressed := sorted(r.Suppressed)
	rules, index := sarifRules(append(append([]finding.Finding{}, fs...), suppressed...))
	results := make([]sarifResult, 0, len(fs)+len(suppressed))
	for _, f := range fs {
		results = append(results, sarifResultOf(f, index[f.Rule], fallback))
	}
	// Suppressed findings are results too, marked accepted with the
	// reason, so that code scanning and other viewers show them as
	// dismissed rather than forget them.
	for _, f := range suppressed {
		res := sarifResultOf(f, index[f.Rule], fallback)
		sup := sarifSuppression{Kind: "external", Status: "accepted"}
		if f.Suppression != nil {
			sup.Justification = escapeText(f.Suppression.Reason)
			if f.Suppression.Until != "" {
				sup.Properties = &sarifSuppressionProps{Until: f.Suppression.Until}
			}
		}
		res.Suppressions = []sarifSuppression{sup}
		results = append(results, res)
	}
	var props *sarifRunProps
	if c := coverageOf(r); c != nil {
		props = &sarifRunProps{Coverage: c}
	}
	log := sarifLog{
		Schema:  sarifSchemaURI,
		Version: sarifVersion,
		Runs: []sarifRun{{
			Tool: sarifTool{Driver: sarifDriver{
				Name:            sarifDriverName,
				Version:         r.Tool.Version,
				SemanticVersion: semanticVersion(r.Tool.Version),
				InformationURI:  projectURI,
				Rules:           rules,
			}},
			Results:    results,
			Properties: props,
		}},
	}
	return writeIndentedJSON(w, &log)
}

// sarifRules returns the metadata of every rule that has a finding, sorted
// by id, and each rule's index in that list for result.ruleIndex.
func sarifRules(fs []finding.Finding) ([]sarifRule, map[string]int) {
	// highest is the worst severity seen per rule: GitHub reads an alert's
	// severity only from its rule's security-severity, so the rule shows
	// the worst of its findings here.
	highest := map[string]finding.Severity{}
	first := map[string]finding.Finding{}
	for _, f := range fs {
		if s, ok := highest[f.Rule]; !ok || f.Severity > s {
			highest[f.Rule] = f.Severity
		}
		if _, ok := first[f.Rule]; !ok {
			first[f.Rule] = f
		}
	}
	ids := make([]string, 0, len(first))
	for id := range first {
		ids = append(ids, id)
	}
	slices.Sort(ids)

	rules := make([]sarifRule, 0, len(ids))
	index := make(map[string]int, len(ids))
	for i, id := range ids {
		index[id] = i
		rules = append(rules, sarifRuleOf(id, first[id], highest[id]))
	}
	return rules, index
}

// sarifRuleOf builds one rule from the catalog. A rule the catalog does not
// know (a newer scanner, a hand-made report) falls back to its first
// finding's metadata, which is escaped because it did not come from us.
func sarifRuleOf(id string, f finding.Finding, worst finding.Severity) sarifRule {
	info, known := finding.Lookup(id)
	remediationMD := info.Remediation // the catalog's own Markdown
	if !known {
		info = finding.RuleInfo{
			ID: id, Title: f.Title, CWE: f.CWE, OWASP: f.OWASP,
			Severity: f.Severity, Remediation: f.Remediation,
		}
		remediationMD = EscapeMarkdown(f.Remediation)
	}
	docs := ruleDocsURI + url.PathEscape(id) + ".md"
	title := escapeText(info.Title)
	remediation := escapeText(info.Remediation)

	var full strings.Builder
	full.WriteString(title)
	if refs := joinNonEmpty(", ", info.CWE, owaspLabel(info.OWASP)); refs != "" {
		full.WriteString(" (" + escapeText(refs) + ")")
	}
	full.WriteString(".")
	if info.Mode != "" {
		fmt.Fprintf(&full, " authgate checks it in %s mode.", info.Mode)
	}

	tags := []string{"security"}
	if info.CWE != "" {
		tags = append(tags, escapeText(info.CWE))
		// GitHub code scanning lists CWEs from tags of this form, as
		// CodeQL writes them.
		if n, ok := strings.CutPrefix(info.CWE, "CWE-"); ok && isDigits(n) {
			tags = append(tags, "external/cwe/cwe-"+n)
		}
	}
	if info.OWASP != "" {
		tags = append(tags, escapeText(info.OWASP))
	}
	// SARIF requires unique tags; an unknown rule's CWE may equal its
	// OWASP id or "security". Keep the first of each, in order.
	uniq := tags[:0]
	for _, t := range tags {
		if !slices.Contains(uniq, t) {
			uniq = append(uniq, t)
		}
	}
	tags = uniq

	return sarifRule{
		ID:               id,
		Name:             pascalCase(id),
		ShortDescription: sarifMessage{Text: title},
		FullDescription:  sarifMessage{Text: full.String()},
		Help: sarifMessage{
			Text:     remediation + "\n\nDocumentation: " + docs,
			Markdown: "**Remediation:** " + remediationMD + "\n\n[Rule documentation](" + docs + ")",
		},
		HelpURI:              docs,
		DefaultConfiguration: sarifConfiguration{Level: sarifLevel(info.Severity)},
		Properties: sarifRuleProps{
			Tags:             tags,
			SecuritySeverity: securitySeverity[clampSeverity(worst)],
		},
	}
}

// sarifResultOf builds one result. Everything in it that the target shaped
// (path, evidence, reproduction) is plain text with control characters
// made visible.
func sarifResultOf(f finding.Finding, ruleIndex int, fallback finding.Location) sarifResult {
	operation := escapeText(f.Method + " " + f.Path)
	msg := escapeText(f.Title) + ": " + operation
	if f.Evidence.Summary != "" {
		msg += ": " + escapeText(f.Evidence.Summary)
	}
	msg = escapeSARIFLinks(msg)

	var loc sarifLocation
	if f.Location != nil && isFileURI(repoURI(f.Location.File)) {
		loc.PhysicalLocation = sarifPhysicalLocationOf(*f.Location)
	} else {
		// A black-box finding has no file until the Action maps it to the
		// spec or a route handler, but code scanning needs a physical
		// location on every result (see defaultFallbackFile), so it is
		// anchored at the fallback file. The operation is what the
		// finding is about, so it stays the logical location, which
		// SARIF viewers show; alerts are matched across runs through
		// partialFingerprints, which never depend on a location here.
		loc.PhysicalLocation = sarifPhysicalLocationOf(fallback)
		loc.LogicalLocations = []sarifLogicalLocation{{FullyQualifiedName: operation, Kind: logicalLocationKind}}
	}

	reproduce := make([]string, 0, len(f.Reproduce))
	reproduce = append(reproduce, f.Reproduce...)
	return sarifResult{
		RuleID:              f.Rule,
		RuleIndex:           ruleIndex,
		Level:               sarifLevel(f.Severity),
		Message:             sarifMessage{Text: msg},
		Locations:           []sarifLocation{loc},
		PartialFingerprints: map[string]string{fingerprintKey: f.Fingerprint},
		BaselineState:       sarifBaselineState[f.Status],
		Properties: sarifResultProps{
			Method:             f.Method,
			Path:               f.Path,
			Confidence:         f.Confidence.String(),
			OWASP:              f.OWASP,
			CWE:                f.CWE,
			Status:             string(f.Status),
			Reproduce:          reproduce,
			SuppressionExpired: expiredOn(f),
		},
	}
}

// expiredOn is the day f's suppression ran out, or "".
func expiredOn(f finding.Finding) string {
	if f.Suppression == nil || !f.Suppression.Expired {
		return ""
	}
	return f.Suppression.Until
}

// sarifPhysicalLocationOf turns a location into SARIF's. A line below 1
// (unknown) leaves the region out, which SARIF and code scanning read as
// the whole file; startLine 0 would be invalid SARIF.
func sarifPhysicalLocationOf(l finding.Location) *sarifPhysicalLocation {
	p := &sarifPhysicalLocation{ArtifactLocation: sarifArtifactLocation{URI: repoURI(l.File)}}
	if l.Line > 0 {
		p.Region = &sarifRegion{StartLine: l.Line}
	}
	return p
}

// escapeSARIFLinks escapes square brackets, which SARIF plain-text messages
// use for embedded links ("[text](uri)", SARIF 2.1.0 §3.11.6), so that a
// target cannot turn its text into a link in a SARIF viewer.
func escapeSARIFLinks(s string) string {
	return strings.NewReplacer(`[`, `\[`, `]`, `\]`).Replace(s)
}

// repoURI turns a repository-relative file name into a relative URI
// reference with forward slashes, percent-encoding what a URI cannot hold
// (code scanning resolves it against the repository root).
func repoURI(file string) string {
	p := path.Clean(strings.ReplaceAll(file, `\`, "/"))
	p = strings.TrimLeft(strings.TrimPrefix(p, "./"), "/")
	// String, unlike EscapedPath, writes "./" before a first segment with
	// a colon, which would otherwise read as a URI scheme.
	return (&url.URL{Path: p}).String()
}

// isFileURI reports whether a repoURI result names something below the
// repository root: an empty name cleans to "." and "/" to "", neither a
// file an alert can point at.
func isFileURI(uri string) bool {
	return uri != "" && uri != "."
}

// pascalCase turns a kebab-case rule id into the identifier-like name SARIF
// suggests for reportingDescriptor.name ("authn-missing" → "AuthnMissing").
func pascalCase(id string) string {
	var b strings.Builder
	for _, part := range strings.FieldsFunc(id, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		runes := []rune(part)
		b.WriteString(strings.ToUpper(string(runes[0])) + string(runes[1:]))
	}
	return b.String()
}

// owaspLabel names an OWASP API Top 10 entry for a sentence.
func owaspLabel(id string) string {
	if id == "" {
		return ""
	}
	return "OWASP " + id
}

func joinNonEmpty(sep string, parts ...string) string {
	return strings.Join(slices.DeleteFunc(parts, func(s string) bool { return s == "" }), sep)
}

func isDigits(s string) bool {
	_, err := strconv.ParseUint(s, 10, 32)
	return err == nil
}

// clampSeverity keeps an out-of-range severity (a hand-edited report) from
// producing an empty security-severity.
func clampSeverity(s finding.Severity) finding.Severity {
	return min(max(s, finding.SeverityInfo), finding.SeverityCritical)
}

// semanticVersion returns v without a leading "v" when the rest is a
// Semantic Versioning 2.0.0 version (semver.org: MAJOR.MINOR.PATCH without
// leading zeros, an optional pre-release of dot-separated identifiers whose
// numeric ones have no leading zeros, optional build metadata), else "".
func semanticVersion(v string) string {
	s := strings.TrimPrefix(v, "v")
	rest, build, hasBuild := strings.Cut(s, "+")
	core, pre, hasPre := strings.Cut(rest, "-")
	nums := strings.Split(core, ".")
	if len(nums) != 3 {
		return ""
	}
	for _, n := range nums {
		if !isSemVerNumber(n) {
			return ""
		}
	}
	if hasPre {
		for _, id := range strings.Split(pre, ".") {
			if !isSemVerIdent(id) || isDigitsOnly(id) && !isSemVerNumber(id) {
				return ""
			}
		}
	}
	if hasBuild {
		for _, id := range strings.Split(build, ".") {
			if !isSemVerIdent(id) {
				return ""
			}
		}
	}
	return s
}

// isSemVerNumber: digits, no leading zero but "0" itself.
func isSemVerNumber(s string) bool {
	return isDigitsOnly(s) && (s == "0" || s[0] != '0')
}

// isSemVerIdent: one or more of [0-9A-Za-z-].
func isSemVerIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-') {
			return false
		}
	}
	return true
}

func isDigitsOnly(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
