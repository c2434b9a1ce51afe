package cli

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

const (
	archiveRev  = "0123456789abcdef0123456789abcdef01234567"
	archiveRev2 = "89abcdef0123456789abcdef0123456789abcdef"
	archiveSHA2 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
)

// archiveText is an archive_version.txt as git archive writes it.
func archiveText(commit, when, tag string) string {
	return "# a comment\ncommit: " + commit + "\ntime: " + when + "\ntag: " + tag + "\n"
}

// TestParseArchiveVersion: only an expanded file with a full lowercase
// commit id names a commit; only an exact release tag becomes the tag; the
// time is normalised to UTC as Go's vcs.time; everything else is dropped.
func TestParseArchiveVersion(t *testing.T) {
	full := archiveVersion{Commit: archiveRev, Time: "2026-12-01T10:20:30Z", Tag: "v1.2.3"}
	commitOnly := archiveVersion{Commit: archiveRev, Time: "2026-12-01T10:20:30Z"}
	tests := []struct {
		name, text string
		want       archiveVersion
	}{
		{"unexpanded, as in a checkout or a module zip",
			"commit: $Format:%H$\ntime: $Format:%cI$\ntag: $Format:%(describe:tags=true,match=v[0-9]*.[0-9]*.[0-9]*)$\n",
			archiveVersion{}},
		{"empty file", "", archiveVersion{}},
		{"comments only", "# commit: " + archiveRev + "\n", archiveVersion{}},
		{"a release's archive", archiveText(archiveRev, "2026-12-01T10:20:30+00:00", "v1.2.3"), full},
		{"main's archive: no tag describes it", archiveText(archiveRev, "2026-12-01T10:20:30+00:00", ""), commitOnly},
		{"time in another zone becomes UTC", archiveText(archiveRev, "2026-12-01T11:20:30+01:00", "v1.2.3"), full},
		{"pre-release tag", archiveText(archiveRev, "2026-12-01T10:20:30Z", "v1.3.0-rc.1"),
			archiveVersion{Commit: archiveRev, Time: "2026-12-01T10:20:30Z", Tag: "v1.3.0-rc.1"}},
		{"SHA-256 repository", "commit: " + archiveSHA2 + "\n", archiveVersion{Commit: archiveSHA2}},
		{"CRLF line endings", strings.ReplaceAll(archiveText(archiveRev, "2026-12-01T10:20:30Z", "v1.2.3"), "\n", "\r\n"), full},
		{"unknown keys are ignored", archiveText(archiveRev, "2026-12-01T10:20:30Z", "v1.2.3") + "branch: main\n", full},

		// A tag that is not exactly a release version is no version.
		{"describe past a tag", archiveText(archiveRev, "2026-12-01T10:20:30Z", "v1.2.3-4-g0123456"), commitOnly},
		{"describe past a pre-release", archiveText(archiveRev, "2026-12-01T10:20:30Z", "v1.3.0-rc.1-12-g0123456789ab"), commitOnly},
		{"moving major tag", archiveText(archiveRev, "2026-12-01T10:20:30Z", "v1"), commitOnly},
		{"no v", archiveText(archiveRev, "2026-12-01T10:20:30Z", "1.2.3"), commitOnly},
		{"build metadata", archiveText(archiveRev, "2026-12-01T10:20:30Z", "v1.2.3+meta"), commitOnly},
		{"leading zero", archiveText(archiveRev, "2026-12-01T10:20:30Z", "v1.02.3"), commitOnly},
		{"unexpanded tag", archiveText(archiveRev, "2026-12-01T10:20:30Z", "$Format:%(describe)$"), commitOnly},
		{"two words", archiveText(archiveRev, "2026-12-01T10:20:30Z", "v1.2.3 v1.2.4"), commitOnly},

		// A bad time is left out, the commit kept.
		{"time not RFC 3339", archiveText(archiveRev, "Tue Dec 1 10:20:30 2026", "v1.2.3"),
			archiveVersion{Commit: archiveRev, Tag: "v1.2.3"}},
		{"unexpanded time", archiveText(archiveRev, "$Format:%cI$", ""), archiveVersion{Commit: archiveRev}},

		// No trustworthy commit: nothing at all.
		{"short commit", archiveText(archiveRev[:12], "2026-12-01T10:20:30Z", "v1.2.3"), archiveVersion{}},
		{"truncated commit", "commit: " + archiveRev[:39], archiveVersion{}},
		{"upper-case hex", archiveText(strings.ToUpper(archiveRev), "2026-12-01T10:20:30Z", "v1.2.3"), archiveVersion{}},
		{"not hex", archiveText(strings.Repeat("g", 40), "2026-12-01T10:20:30Z", "v1.2.3"), archiveVersion{}},
		{"41 digits", archiveText(archiveRev+"0", "2026-12-01T10:20:30Z", "v1.2.3"), archiveVersion{}},
		{"no commit line", "time: 2026-12-01T10:20:30Z\ntag: v1.2.3\n", archiveVersion{}},
		{"commit twice", archiveText(archiveRev, "2026-12-01T10:20:30Z", "v1.2.3") + "commit: " + archiveRev2 + "\n", archiveVersion{}},
		{"line without a key", archiveText(archiveRev, "2026-12-01T10:20:30Z", "v1.2.3") + "stray text\n", archiveVersion{}},
		{"empty key", archiveText(archiveRev, "2026-12-01T10:20:30Z", "v1.2.3") + ": v9.9.9\n", archiveVersion{}},
		{"binary garbage", "\x00\xff\xfe commit: \x00" + archiveRev, archiveVersion{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseArchiveVersion(tt.text); got != tt.want {
				t.Errorf("parseArchiveVersion(%q) = %+v, want %+v", tt.text, got, tt.want)
			}
		})
	}
}

// archivePlaceholder is a git archive placeholder: $Format:…$.
var archivePlaceholder = regexp.MustCompile(`\$Format:[^$\n]*\$`)

// TestArchiveVersionFile: the embedded file is what the parser reads. In a
// checkout it holds the three placeholders, which name nothing; expanded
// as git archive expands them (commit, committer time in strict ISO 8601,
// describe) it names the commit, its time and an exact tag. Run from a
// source archive, the file is already expanded and must name a commit;
// expanded in a git checkout of this module, it fails: committed so (say,
// copied back from a download), git archive, which expands only
// placeholders, would ship that one commit in every later source archive,
// and every build of `uses: authgate/authgate@main` would name it.
func TestArchiveVersionFile(t *testing.T) {
	if !strings.Contains(archiveFile, "$Format:") {
		if top := moduleCheckout(t); top != "" {
			t.Fatalf("archive_version.txt is expanded in the git checkout %s: restore its $Format:…$ placeholders (CONTRIBUTING.md), or every later source archive names the commit it holds:\n%s", top, archiveFile)
		}
		if got := parseArchiveVersion(archiveFile); got.Commit == "" {
			t.Fatalf("archive_version.txt is expanded (a source archive) but names no commit:\n%s", archiveFile)
		}
		return
	}
	if got := parseArchiveVersion(archiveFile); got != (archiveVersion{}) {
		t.Errorf("unexpanded archive_version.txt = %+v, want nothing", got)
	}
	placeholders := archivePlaceholder.FindAllString(archiveFile, -1)
	want := []string{"$Format:%H$", "$Format:%cI$", "$Format:%(describe:tags=true,match=v[0-9]*.[0-9]*.[0-9]*)$"}
	if strings.Join(placeholders, " ") != strings.Join(want, " ") {
		// git archive expands at most one %(describe) per archive, and a
		// placeholder in a comment would be expanded too.
		t.Fatalf("archive_version.txt's placeholders = %q, want %q", placeholders, want)
	}
	expand := func(tag string) string {
		return strings.NewReplacer(want[0], archiveRev, want[1], "2026-12-01T11:20:30+01:00", want[2], tag).Replace(archiveFile)
	}
	if got, w := parseArchiveVersion(expand("v1.2.3")), (archiveVersion{Commit: archiveRev, Time: "2026-12-01T10:20:30Z", Tag: "v1.2.3"}); got != w {
		t.Errorf("archive_version.txt expanded on a release commit = %+v, want %+v", got, w)
	}
	if got, w := parseArchiveVersion(expand("v1.2.3-1-g0123456")), (archiveVersion{Commit: archiveRev, Time: "2026-12-01T10:20:30Z"}); got != w {
		t.Errorf("archive_version.txt expanded after a release commit = %+v, want %+v", got, w)
	}
}

// moduleCheckout returns the top directory of the git work tree whose top
// is this module's root (cli's parent), or "" when the tests run elsewhere
// (an extracted source archive, a module zip, no git).
func moduleCheckout(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		return ""
	}
	top, err := filepath.EvalSymlinks(strings.TrimSpace(string(out)))
	if err != nil {
		return ""
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if root, err = filepath.EvalSymlinks(root); err != nil || root != top {
		return ""
	}
	return top
}

// TestVersionOfArchive: the precedence of versionOf's sources. A stamp
// wins, then build information; the archive fills only what is unknown,
// and nothing when a known revision is another commit.
func TestVersionOfArchive(t *testing.T) {
	const go126 = "go1.26.0"
	tagged := archiveVersion{Commit: archiveRev, Time: "2026-12-01T10:20:30Z", Tag: "v1.2.3"}
	untagged := archiveVersion{Commit: archiveRev, Time: "2026-12-01T10:20:30Z"}
	noVCS := &debug.BuildInfo{GoVersion: go126, Main: debug.Module{Path: "github.com/authgate/authgate", Version: "(devel)"}}
	vcs := func(rev string, modified bool, pseudo string) *debug.BuildInfo {
		m := "false"
		if modified {
			m = "true"
		}
		return &debug.BuildInfo{GoVersion: go126, Main: debug.Module{Path: "github.com/authgate/authgate", Version: pseudo},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: rev}, {Key: "vcs.time", Value: "2026-12-05T00:00:00Z"}, {Key: "vcs.modified", Value: m}}}
	}
	tests := []struct {
		name            string
		stamp, revision string
		bi              *debug.BuildInfo
		archive         archiveVersion
		want            buildVersion
	}{
		{"main's archive, Dockerfile defaults (uses: …@main)", "dev", "", noVCS, untagged,
			buildVersion{Version: "dev+0123456789ab", Revision: archiveRev, Time: "2026-12-01T10:20:30Z", Go: go126}},
		{"a release's archive", "", "", noVCS, tagged,
			buildVersion{Version: "v1.2.3", Revision: archiveRev, Time: "2026-12-01T10:20:30Z", Go: go126}},
		{"no archive: bare dev", "dev", "", noVCS, archiveVersion{},
			buildVersion{Version: "dev", Go: go126}},
		{"a stamped version wins over the tag; the archive adds the revision", "v2.0.0", "", noVCS, tagged,
			buildVersion{Version: "v2.0.0", Revision: archiveRev, Time: "2026-12-01T10:20:30Z", Go: go126}},
		{"a stamped revision of the same commit: the tag and time fill in", "dev", archiveRev, noVCS, tagged,
			buildVersion{Version: "v1.2.3", Revision: archiveRev, Time: "2026-12-01T10:20:30Z", Go: go126}},
		{"a stamped revision of another commit: the archive is not about it", "dev", archiveRev2, noVCS, tagged,
			buildVersion{Version: "dev+89abcdef0123", Revision: archiveRev2, Go: go126}},
		{"extracted into another repository: its VCS wins, the archive says nothing",
			"", "", vcs(archiveRev2, true, "v0.0.0-20261205000000-89abcdef0123+dirty"), tagged,
			buildVersion{Version: "v0.0.0-20261205000000-89abcdef0123+dirty", Revision: archiveRev2, Time: "2026-12-05T00:00:00Z", Modified: true, Go: go126}},
		{"committed expanded and edited: the VCS's time and dirty flag, the archive's tag",
			"", "", vcs(archiveRev, true, "(devel)"), tagged,
			buildVersion{Version: "v1.2.3+dirty", Revision: archiveRev, Time: "2026-12-05T00:00:00Z", Modified: true, Go: go126}},
		{"a module version wins over the tag", "", "",
			&debug.BuildInfo{GoVersion: go126, Main: debug.Module{Path: "github.com/authgate/authgate", Version: "v1.99.99"}}, tagged,
			buildVersion{Version: "v1.99.99", Revision: archiveRev, Time: "2026-12-01T10:20:30Z", Go: go126}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := versionOf(tt.stamp, tt.revision, tt.bi, tt.archive); got != tt.want {
				t.Errorf("versionOf = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// releaseTagOracle is the release scripts' version grammar
// (RELEASE_VERSION in scripts/common.bash), and
// describeOracle git describe's suffix past a tag: isReleaseTag, written
// by hand to keep regexps out of start-up, must agree with them.
var (
	releaseTagOracle = regexp.MustCompile(`^v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)` +
		`(-(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)(\.(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*))*)?$`)
	describeOracle = regexp.MustCompile(`-[0-9]+-g[0-9a-f]{4,}$`)
)

func releaseTagByOracle(tag string) bool {
	return releaseTagOracle.MatchString(tag) && !describeOracle.MatchString(tag)
}

// TestIsReleaseTag: release versions and what is not one, as the oracle
// and by name.
func TestIsReleaseTag(t *testing.T) {
	tests := []struct {
		tag  string
		want bool
	}{
		{"v1.2.3", true},
		{"v0.0.0", true},
		{"v10.20.30", true},
		{"v1.3.0-rc.1", true},
		{"v1.3.0-0.alpha-x.7", true},
		{"v1.3.0-rc-12-gamma", true}, // not hex: a pre-release, not a describe suffix
		{"v1.3.0-01a", true},         // alphanumeric: leading zeros allowed
		{"v1.2.3-4-g0123", false},    // git describe: 4 commits past v1.2.3
		{"v1.2.3-4-g0123456789abcdef", false},
		{"v1.2.3-rc.1-12-g0123456", false},
		{"", false},
		{"v", false},
		{"v1", false},
		{"v1.2", false},
		{"v1.2.3.4", false},
		{"1.2.3", false},
		{"V1.2.3", false},
		{"v01.2.3", false},
		{"v1.2.3-01", false}, // numeric pre-release with a leading zero
		{"v1.2.3-", false},
		{"v1.2.3-rc..1", false},
		{"v1.2.3-rc_1", false},
		{"v1.2.3+meta", false},
		{"v1.2.3 ", false},
		{"v1.2.x", false},
		{"v1.2.3-é", false},
	}
	for _, tt := range tests {
		if got := isReleaseTag(tt.tag); got != tt.want || got != releaseTagByOracle(tt.tag) {
			t.Errorf("isReleaseTag(%q) = %v, want %v (oracle %v)", tt.tag, got, tt.want, releaseTagByOracle(tt.tag))
		}
	}
}

// FuzzParseArchiveVersion: whatever the file holds, parsing never panics
// and gives either nothing or a full commit id, with a time in UTC and a
// release tag or none; and isReleaseTag agrees with the grammar's regexp.
func FuzzParseArchiveVersion(f *testing.F) {
	f.Add(archiveFile)
	f.Add(archiveText(archiveRev, "2026-12-01T10:20:30+00:00", "v1.2.3"))
	f.Add(archiveText(archiveRev, "2026-12-01T10:20:30+00:00", "v1.2.3-4-g0123456"))
	f.Add(archiveText(archiveSHA2, "2026-12-01T10:20:30.5-07:00", ""))
	f.Add("commit: " + archiveRev + "\ncommit: " + archiveRev)
	for _, tag := range []string{"v1.2.3", "v1.3.0-rc.1", "v1.2.3-4-g0123", "v1.3.0-01a", "v1.2.3-01"} {
		f.Add(tag)
	}
	f.Fuzz(func(t *testing.T, text string) {
		if got, want := isReleaseTag(text), releaseTagByOracle(text); got != want {
			t.Fatalf("isReleaseTag(%q) = %v, the grammar's regexp says %v", text, got, want)
		}
		a := parseArchiveVersion(text)
		if a.Commit == "" {
			if a != (archiveVersion{}) {
				t.Fatalf("no commit but %+v", a)
			}
			return
		}
		if !isRevision(a.Commit) {
			t.Fatalf("commit %q is not a full lowercase commit id", a.Commit)
		}
		if a.Time != "" {
			ts, err := time.Parse(time.RFC3339Nano, a.Time)
			if err != nil || ts.Location() != time.UTC {
				t.Fatalf("time %q is not RFC 3339 in UTC (%v)", a.Time, err)
			}
		}
		if a.Tag != "" && !isReleaseTag(a.Tag) {
			t.Fatalf("tag %q is not a release version", a.Tag)
		}
		if v := versionOf("", "", nil, a); v.Revision != a.Commit || strings.ContainsAny(v.Version, " \t\n") {
			t.Fatalf("versionOf with %+v = %+v", a, v)
		}
	})
}
