package main

import (
	"archive/tar"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// versionJSON is `authgate version --json`.
type versionJSON struct {
	Version  string `json:"version"`
	Revision string `json:"revision"`
	Time     string `json:"time"`
	Modified bool   `json:"modified"`
	Go       string `json:"go"`
}

// TestVersionSourceBuild: a build in a git checkout (`go build` with VCS
// stamping on, as it is by default) reports the checkout's HEAD revision,
// its commit time and a clean tree; the version is Go's pseudo-version
// naming that revision, or the tag when HEAD is tagged; after an edit the
// tree is reported modified and the version says "+dirty".
//
// The checkout is a copy of the current tree committed into a fresh
// repository, so the test builds the code under test (uncommitted changes
// included), in CI and in a source tarball alike.
func TestVersionSourceBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	if _, err := exec.LookPath("git"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("git is needed for the source-build version test")
		}
		t.Skip("no git")
	}
	const commitTime = "2026-12-01T10:20:30Z"
	src, git := committedCopy(t, commitTime)
	rev := git("rev-parse", "HEAD")
	pseudo := regexp.MustCompile(`^v0\.0\.0-20261201102030-` + rev[:12] + `$`)

	bin := versionBuild(t, src, "-buildvcs=true")
	got := runVersionJSON(t, bin)
	if got.Revision != rev || got.Modified || got.Time != commitTime || !pseudo.MatchString(got.Version) {
		t.Errorf("clean checkout: version --json = %+v, want revision %s, time %s, not modified, version v0.0.0-20261201102030-%s", got, rev, commitTime, rev[:12])
	}
	if line, want := runVersionLine(t, bin), "authgate "+got.Version+" (revision "+rev+", "+runtime.Version()+")"; line != want {
		t.Errorf("version = %q, want %q", line, want)
	}

	git("tag", "v1.4.0")
	got = runVersionJSON(t, versionBuild(t, src, "-buildvcs=true"))
	if got.Version != "v1.4.0" || got.Revision != rev || got.Modified {
		t.Errorf("tagged checkout: version --json = %+v, want v1.4.0 at %s, not modified", got, rev)
	}

	readme := filepath.Join(src, "README.md")
	f, err := os.OpenFile(readme, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("\nan edit\n"); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	bin = versionBuild(t, src, "-buildvcs=true")
	got = runVersionJSON(t, bin)
	if got.Version != "v1.4.0+dirty" || got.Revision != rev || !got.Modified {
		t.Errorf("modified checkout: version --json = %+v, want v1.4.0+dirty at %s, modified", got, rev)
	}
	if line, want := runVersionLine(t, bin), "authgate v1.4.0+dirty (revision "+rev+", modified, "+runtime.Version()+")"; line != want {
		t.Errorf("version = %q, want %q", line, want)
	}
	checkReportVersions(t, bin, "v1.4.0+dirty")

	// A release-style build (stamps) from the modified checkout, as a
	// local `goreleaser --snapshot` makes: the stamp is the version, and
	// the tree it was built from is still reported modified.
	stamp := "-ldflags=-X github.com/authgate/authgate/cli.Version=1.5.0 -X github.com/authgate/authgate/cli.Revision=" + rev
	got = runVersionJSON(t, versionBuild(t, src, "-buildvcs=true", stamp))
	if got.Version != "v1.5.0+dirty" || got.Revision != rev || !got.Modified || got.Time != commitTime {
		t.Errorf("stamped build of the modified checkout: version --json = %+v, want v1.5.0+dirty at %s, modified, time %s", got, rev, commitTime)
	}
	// A stamped revision that is not the checkout's: the checkout's time
	// and dirty flag describe another commit, and are left out.
	const other = "89abcdef0123456789abcdef0123456789abcdef"
	stamp = "-ldflags=-X github.com/authgate/authgate/cli.Version=v1.5.0 -X github.com/authgate/authgate/cli.Revision=" + other
	got = runVersionJSON(t, versionBuild(t, src, "-buildvcs=true", stamp))
	if want := (versionJSON{Version: "v1.5.0", Revision: other, Go: runtime.Version()}); got != want {
		t.Errorf("stamped with another revision: version --json = %+v, want %+v", got, want)
	}
}

// TestVersionStamped: release builds stamp cli.Version and cli.Revision
// with -ldflags -X (.goreleaser.yaml, the Dockerfiles); the stamps win
// over build information, a stamp without its "v" (GoReleaser's
// {{.Version}}) gets one, and the Dockerfile's default stamp "dev" with a
// known revision still names the revision. Only a build that knows
// neither says a bare "dev".
func TestVersionStamped(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	const rev = "0123456789abcdef0123456789abcdef01234567"
	const pkg = "github.com/authgate/authgate/cli."
	tests := []struct {
		name, version, revision string
		want                    versionJSON
		line                    string
	}{
		{"release", "v1.2.3", rev, versionJSON{Version: "v1.2.3", Revision: rev},
			"authgate v1.2.3 (revision " + rev + ", " + runtime.Version() + ")"},
		{"without v", "1.2.3", "", versionJSON{Version: "v1.2.3"},
			"authgate v1.2.3 (" + runtime.Version() + ")"},
		{"dev with a revision", "dev", rev, versionJSON{Version: "dev+0123456789ab", Revision: rev},
			"authgate dev+0123456789ab (revision " + rev + ", " + runtime.Version() + ")"},
		{"nothing known", "", "", versionJSON{Version: "dev"},
			"authgate dev (" + runtime.Version() + ")"},
	}
	// Run from a source archive, the tree's archive_version.txt names the
	// archive's commit; these builds are about the stamps alone, so they
	// build a copy holding the file as committed.
	src := "."
	if data, err := os.ReadFile(filepath.FromSlash(archiveVersionFile)); err != nil {
		t.Fatal(err)
	} else if !strings.Contains(string(data), "$Format:") {
		src, _ = committedCopy(t, "2026-12-01T10:20:30Z")
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ldflags := "-ldflags=-s -w"
			if tt.version != "" {
				ldflags += " -X " + pkg + "Version=" + tt.version
			}
			if tt.revision != "" {
				ldflags += " -X " + pkg + "Revision=" + tt.revision
			}
			// -buildvcs=false: the stamps alone, as in an image built
			// without the repository's .git.
			bin := versionBuild(t, src, "-buildvcs=false", ldflags)
			tt.want.Go = runtime.Version()
			if got := runVersionJSON(t, bin); got != tt.want {
				t.Errorf("version --json = %+v, want %+v", got, tt.want)
			}
			if got := runVersionLine(t, bin); got != tt.line {
				t.Errorf("version = %q, want %q", got, tt.line)
			}
			if tt.name == "release" {
				checkReportVersions(t, bin, "v1.2.3")
			}
		})
	}
}

// versionBuild builds the binary of the module in dir into a temporary file,
// without cgo and with -trimpath (as the release and the image do, and so
// the build reuses the packages other tests compiled).
func versionBuild(t *testing.T, dir string, flags ...string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "authgate")
	args := append([]string{"build", "-trimpath"}, flags...)
	cmd := exec.Command("go", append(args, "-o", bin, ".")...)
	cmd.Dir = dir
	// GOFLAGS may set -buildvcs (go env -w); the flags above decide.
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=", "GOTOOLCHAIN=local", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", strings.Join(flags, " "), err, out)
	}
	return bin
}

func runVersionJSON(t *testing.T, bin string) versionJSON {
	t.Helper()
	out, err := exec.Command(bin, "version", "--json").Output()
	if err != nil {
		t.Fatalf("version --json: %v", err)
	}
	var v versionJSON
	dec := json.NewDecoder(strings.NewReader(string(out)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("version --json: %v: %q", err, out)
	}
	return v
}

// runVersionLine is `authgate version`'s output, which must be one line.
func runVersionLine(t *testing.T, bin string) string {
	t.Helper()
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatalf("version: %v", err)
	}
	line, rest, _ := strings.Cut(string(out), "\n")
	if rest != "" {
		t.Errorf("version printed more than one line: %q", out)
	}
	return line
}

// checkReportVersions runs the binary's demo scan and checks that the JSON
// report's tool.version and the SARIF driver's version are want.
func checkReportVersions(t *testing.T, bin, want string) {
	t.Helper()
	dir := t.TempDir()
	jsonPath, sarifPath := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.sarif")
	cmd := exec.Command(bin, "demo", "-o", "json="+jsonPath, "-o", "sarif="+sarifPath, "--rate", "0")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("demo: %v, want exit 1 (the vulnerable demo fails the gate)\n%s", err, out)
	}
	var rep struct {
		Tool struct{ Name, Version string } `json:"tool"`
	}
	versionReadJSON(t, jsonPath, &rep)
	if rep.Tool.Name != "authgate" || rep.Tool.Version != want {
		t.Errorf("report tool = %+v, want authgate %s", rep.Tool, want)
	}
	var sarif struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Name, Version, SemanticVersion, InformationURI string
				} `json:"driver"`
			} `json:"tool"`
		} `json:"runs"`
	}
	versionReadJSON(t, sarifPath, &sarif)
	// SARIF's semanticVersion is SemVer 2.0, without Go's "v"; a
	// dev+<revision> version is not one, and the driver has none.
	semver := ""
	if strings.HasPrefix(want, "v") {
		semver = strings.TrimPrefix(want, "v")
	}
	if len(sarif.Runs) != 1 || sarif.Runs[0].Tool.Driver.Version != want || sarif.Runs[0].Tool.Driver.SemanticVersion != semver || sarif.Runs[0].Tool.Driver.InformationURI == "" {
		t.Errorf("SARIF runs = %+v, want one run whose driver has version %s, semanticVersion %s and an informationUri", sarif.Runs, want, semver)
	}
}

func versionReadJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// committedCopy copies the module's files (the current tree, uncommitted
// changes included, archive_version.txt as committed: moduleFileData) into
// a fresh git repository, commits them at
// commitTime and returns the repository and a git runner for it.
func committedCopy(t *testing.T, commitTime string) (string, func(args ...string) string) {
	t.Helper()
	src := t.TempDir()
	for _, rel := range installModuleFiles(t, ".") {
		data := moduleFileData(t, rel)
		dst := filepath.Join(src, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = src
		cmd.Env = append(os.Environ(),
			"GIT_CONFIG_GLOBAL="+os.DevNull, "GIT_CONFIG_NOSYSTEM=1",
			"GIT_AUTHOR_NAME=authgate test", "GIT_AUTHOR_EMAIL=test@example.invalid",
			"GIT_COMMITTER_NAME=authgate test", "GIT_COMMITTER_EMAIL=test@example.invalid",
			"GIT_AUTHOR_DATE="+commitTime, "GIT_COMMITTER_DATE="+commitTime,
		)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	git("init", "-q")
	git("add", "-A")
	git("commit", "-q", "-m", "source build")
	return src, git
}

// TestSourceDockerfileVersion: the image the runner builds from the
// Dockerfile for `uses: ./` (after actions/checkout, no build arguments)
// knows the checkout's revision: .dockerignore keeps .git in the build
// context, and the Dockerfile's own go build command, run as its RUN line
// says with the build arguments' defaults, reports the revision and Go's
// pseudo-version instead of a bare "dev".
func TestSourceDockerfileVersion(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	needGit(t)
	for _, p := range dockerignorePatterns(t) {
		if ok, _ := filepath.Match(p, ".git"); ok || strings.TrimPrefix(p, "/") == ".git" {
			t.Fatalf(".dockerignore leaves .git out of the build context (%q): the image cannot know its revision", p)
		}
	}
	src, git := committedCopy(t, "2026-12-01T10:20:30Z")
	rev := git("rev-parse", "HEAD")
	got := runVersionJSON(t, dockerfileBuild(t, src))
	want := regexp.MustCompile(`^v0\.0\.0-20261201102030-` + rev[:12] + `$`)
	if got.Revision != rev || got.Modified || !want.MatchString(got.Version) {
		t.Errorf("image built from the Dockerfile: version --json = %+v, want revision %s, not modified, version %s", got, rev, want)
	}
}

// archiveVersionFile is the file git archive writes the archive's commit
// into (export-subst in .gitattributes; cli/cli.go reads it).
const archiveVersionFile = "cli/archive_version.txt"

// TestVersionSourceArchive: a source archive (GitHub's tarball and zip
// downloads, and what the Actions runner fetches and builds for `uses:
// authgate/authgate@main`) has no .git, but git archive wrote its commit
// into cli/archive_version.txt. Built from the extracted archive with `go
// build` and with the Dockerfile's own go build line and its build
// arguments' defaults (the @main path), `version` names the commit —
// dev+<12 hex>, the full revision and the commit's time — and so do the
// report's tool.version and the SARIF driver. With a release tag on the
// commit the version is the tag; with the tag on an earlier commit (git
// describe says v1.2.3-1-g…) it is not.
func TestVersionSourceArchive(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	needGit(t)
	for _, p := range dockerignorePatterns(t) {
		// Docker matches a pattern against the path and each of its
		// parent directories (Go's filepath.Match, "**" aside).
		for _, name := range []string{archiveVersionFile, path.Dir(archiveVersionFile)} {
			if ok, _ := filepath.Match(strings.TrimPrefix(p, "/"), name); ok {
				t.Fatalf(".dockerignore leaves %s out of the build context (%q): the image of a source archive cannot know its commit", archiveVersionFile, p)
			}
		}
	}
	const commitTime = "2026-12-01T10:20:30Z"
	src, git := committedCopy(t, commitTime)
	rev := git("rev-parse", "HEAD")
	dev := "dev+" + rev[:12]
	want := versionJSON{Version: dev, Revision: rev, Time: commitTime, Go: runtime.Version()}
	wantLine := "authgate " + dev + " (revision " + rev + ", " + runtime.Version() + ")"

	dir := extractedArchive(t, src, git)
	for _, build := range []struct {
		name  string
		build func() string
	}{
		{"go build", func() string { return versionBuild(t, dir, "-buildvcs=auto") }},
		{"the Dockerfile's go build", func() string { return dockerfileBuild(t, dir) }},
	} {
		bin := build.build()
		if got := runVersionJSON(t, bin); got != want {
			t.Errorf("%s of main's source archive: version --json = %+v, want %+v", build.name, got, want)
		}
		if got := runVersionLine(t, bin); got != wantLine {
			t.Errorf("%s of main's source archive: version = %q, want %q", build.name, got, wantLine)
		}
		if build.name == "go build" {
			checkReportVersions(t, bin, dev)
		}
	}

	// A release commit's archive: scripts/release makes an annotated tag,
	// and the release workflow moves the lightweight major tag to it.
	git("tag", "-a", "v1.2.3", "-m", "authgate v1.2.3")
	git("tag", "v1")
	dir = extractedArchive(t, src, git)
	want.Version = "v1.2.3"
	if got := runVersionJSON(t, versionBuild(t, dir, "-buildvcs=auto")); got != want {
		t.Errorf("release commit's source archive: version --json = %+v, want %+v", got, want)
	}

	// One commit past the tag: git describe names the tag with a suffix,
	// which is not a version.
	readme := filepath.Join(src, "README.md")
	data, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(readme, append(data, "\nan edit\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	git("commit", "-q", "-a", "-m", "after the release")
	rev = git("rev-parse", "HEAD")
	dir = extractedArchive(t, src, git)
	data, err = os.ReadFile(filepath.Join(dir, filepath.FromSlash(archiveVersionFile)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "tag: v1.2.3-1-g") {
		t.Fatalf("git archive did not describe the commit after the tag as v1.2.3-1-g…:\n%s", data)
	}
	want = versionJSON{Version: "dev+" + rev[:12], Revision: rev, Time: commitTime, Go: runtime.Version()}
	if got := runVersionJSON(t, versionBuild(t, dir, "-buildvcs=auto")); got != want {
		t.Errorf("source archive of the commit after a tag: version --json = %+v, want %+v", got, want)
	}
}

func needGit(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("git is needed for this version test")
		}
		t.Skip("no git")
	}
}

// dockerignorePatterns are .dockerignore's patterns, comments and blank
// lines left out.
func dockerignorePatterns(t *testing.T) []string {
	t.Helper()
	ignore, err := os.ReadFile(".dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	var patterns []string
	for line := range strings.Lines(string(ignore)) {
		if p := strings.TrimSpace(line); p != "" && !strings.HasPrefix(p, "#") {
			patterns = append(patterns, p)
		}
	}
	return patterns
}

// dockerfileBuild runs the Dockerfile's go build line in dir, as the image
// build does without build arguments (the runner builds an Action's
// Dockerfile so), and returns the binary.
func dockerfileBuild(t *testing.T, dir string) string {
	t.Helper()
	var run string
	for _, in := range dockerInstructions(t, "Dockerfile") {
		if strings.HasPrefix(in, "RUN ") && strings.Contains(in, "go build") {
			run = strings.TrimPrefix(in, "RUN ")
		}
	}
	if !strings.Contains(run, "-o /authgate ") {
		t.Fatalf("the Dockerfile's go build does not write /authgate: %q", run)
	}
	bin := filepath.Join(t.TempDir(), "authgate")
	cmd := exec.Command("sh", "-c", strings.Replace(run, "-o /authgate ", `-o "$OUT" `, 1))
	cmd.Dir = dir
	// The build arguments' defaults (ARG VERSION=dev, ARG REVISION=), and
	// the golang image's environment: no GOFLAGS.
	cmd.Env = append(os.Environ(), "VERSION=dev", "REVISION=", "OUT="+bin, "GOFLAGS=", "GOTOOLCHAIN=local", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", run, err, out)
	}
	return bin
}

// extractedArchive makes a tar archive of HEAD of the repository src with
// git archive, as GitHub makes its source downloads (one top directory
// named after the repository and commit), extracts it into a new directory
// and returns the extracted tree: no .git, the export-subst files expanded.
func extractedArchive(t *testing.T, src string, git func(args ...string) string) string {
	t.Helper()
	tarPath := filepath.Join(t.TempDir(), "source.tar")
	top := "authgate-authgate-" + git("rev-parse", "--short=7", "HEAD")
	git("archive", "--format=tar", "--prefix="+top+"/", "-o", tarPath, "HEAD")
	f, err := os.Open(tarPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dest := t.TempDir()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Clean(filepath.FromSlash(h.Name))
		if !filepath.IsLocal(name) {
			t.Fatalf("archive entry %q is outside the archive", h.Name)
		}
		dst := filepath.Join(dest, name)
		switch h.Typeflag {
		case tar.TypeXGlobalHeader: // git's pax header with the commit id
		case tar.TypeDir:
			if err := os.MkdirAll(dst, 0o755); err != nil {
				t.Fatal(err)
			}
		case tar.TypeReg:
			data, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(dst, data, 0o644); err != nil {
				t.Fatal(err)
			}
		default:
			t.Fatalf("archive entry %q of type %q: only files and directories expected", h.Name, h.Typeflag)
		}
	}
	dir := filepath.Join(dest, top)
	// Go stamps the revision of a repository enclosing the build directory
	// (-buildvcs=auto): the extracted tree must be in none.
	cmd := exec.Command("git", "rev-parse", "--show-toplevel")
	cmd.Dir = dir
	if out, err := cmd.Output(); err == nil {
		t.Fatalf("the extracted archive %s is inside the git repository %s: set TMPDIR outside any repository", dir, strings.TrimSpace(string(out)))
	}
	return dir
}
