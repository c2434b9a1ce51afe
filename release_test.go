package main

import (
	"bytes"
	"debug/elf"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"text/template"

	"go.yaml.in/yaml/v3"
)

// The release machinery (issue 14, docs/releasing.md): .goreleaser.yaml,
// release.Dockerfile, the source Dockerfile, scripts/release and
// scripts/check-release-tag. GoReleaser itself cannot run here (no
// approved module, no Docker engine), so these tests check what matters
// in its configuration and build the binary exactly as it says.

// goreleaser is the part of .goreleaser.yaml these tests read. It is
// decoded with KnownFields, so a misspelt or unexpected key fails the test
// as `goreleaser check` would fail the release: every key the file uses
// is declared here.
type goreleaser struct {
	Version     int    `yaml:"version"`
	ProjectName string `yaml:"project_name"`
	Builds      []struct {
		ID           string   `yaml:"id"`
		Main         string   `yaml:"main"`
		Binary       string   `yaml:"binary"`
		Env          []string `yaml:"env"`
		Flags        []string `yaml:"flags"`
		Ldflags      []string `yaml:"ldflags"`
		Goos         []string `yaml:"goos"`
		Goarch       []string `yaml:"goarch"`
		ModTimestamp string   `yaml:"mod_timestamp"`
	} `yaml:"builds"`
	Archives []struct {
		ID              string   `yaml:"id"`
		IDs             []string `yaml:"ids"`
		NameTemplate    string   `yaml:"name_template"`
		Formats         []string `yaml:"formats"`
		FormatOverrides []struct {
			Goos    string   `yaml:"goos"`
			Formats []string `yaml:"formats"`
		} `yaml:"format_overrides"`
	} `yaml:"archives"`
	Checksum struct {
		NameTemplate string `yaml:"name_template"`
		Algorithm    string `yaml:"algorithm"`
	} `yaml:"checksum"`
	SBOMs []struct {
		Artifacts string `yaml:"artifacts"`
	} `yaml:"sboms"`
	Signs []struct {
		ID        string   `yaml:"id"`
		Cmd       string   `yaml:"cmd"`
		Artifacts string   `yaml:"artifacts"`
		Signature string   `yaml:"signature"`
		Args      []string `yaml:"args"`
		Output    bool     `yaml:"output"`
	} `yaml:"signs"`
	DockersV2 []struct {
		ID         string            `yaml:"id"`
		IDs        []string          `yaml:"ids"`
		Dockerfile string            `yaml:"dockerfile"`
		Images     []string          `yaml:"images"`
		Tags       []string          `yaml:"tags"`
		Labels     map[string]string `yaml:"labels"`
		Platforms  []string          `yaml:"platforms"`
	} `yaml:"dockers_v2"`
	DockerSigns []struct {
		ID        string   `yaml:"id"`
		Cmd       string   `yaml:"cmd"`
		Artifacts string   `yaml:"artifacts"`
		Args      []string `yaml:"args"`
		Output    bool     `yaml:"output"`
	} `yaml:"docker_signs"`
	DockerDigest struct {
		NameTemplate string `yaml:"name_template"`
	} `yaml:"docker_digest"`
	Release struct {
		GitHub struct {
			Owner string `yaml:"owner"`
			Name  string `yaml:"name"`
		} `yaml:"github"`
		Prerelease string `yaml:"prerelease"`
		Footer     string `yaml:"footer"`
	} `yaml:"release"`
	Changelog struct {
		Use  string `yaml:"use"`
		Sort string `yaml:"sort"`
	} `yaml:"changelog"`
}

// image is where releases publish the Action's image; a release's
// action.yml pins it (scripts/release).
const image = "ghcr.io/authgate/authgate"

// releaseTargets are the platforms issue 14 asks binaries for.
var releaseTargets = []string{
	"darwin/amd64", "darwin/arm64", "linux/amd64", "linux/arm64", "windows/amd64", "windows/arm64",
}

func loadGoreleaser(t *testing.T) goreleaser {
	t.Helper()
	data, err := os.ReadFile(".goreleaser.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var g goreleaser
	if err := dec.Decode(&g); err != nil {
		t.Fatalf(".goreleaser.yaml: %v", err)
	}
	if len(g.Builds) != 1 {
		t.Fatalf(".goreleaser.yaml has %d builds, want one (of .)", len(g.Builds))
	}
	return g
}

// render fills a GoReleaser template (Go's text/template, as GoReleaser's
// own) with a release's fields; an unknown field fails.
func render(t *testing.T, tmpl string, fields map[string]any) string {
	t.Helper()
	tp, err := template.New("").Option("missingkey=error").Parse(tmpl)
	if err != nil {
		t.Fatalf("template %q: %v", tmpl, err)
	}
	var b strings.Builder
	if err := tp.Execute(&b, fields); err != nil {
		t.Fatalf("template %q: %v", tmpl, err)
	}
	return b.String()
}

// releaseFields are the template fields of GoReleaser for tag (vX.Y.Z or
// vX.Y.Z-pre) on commit, with environment variables env (KEY=VALUE).
func releaseFields(t *testing.T, tag, commit string, env ...string) map[string]any {
	t.Helper()
	m := regexp.MustCompile(`^v(\d+)\.(\d+)\.(\d+)(?:-(.+))?$`).FindStringSubmatch(tag)
	if m == nil {
		t.Fatalf("bad test tag %q", tag)
	}
	var major, minor, patch int
	fmt.Sscan(m[1], &major)
	fmt.Sscan(m[2], &minor)
	fmt.Sscan(m[3], &patch)
	return map[string]any{
		"ProjectName": "authgate", "Tag": tag, "Version": strings.TrimPrefix(tag, "v"),
		"Major": major, "Minor": minor, "Patch": patch, "Prerelease": m[4],
		"FullCommit": commit, "Commit": commit, "ShortCommit": commit[:7],
		"CommitDate": "2026-12-07T12:00:00Z", "CommitTimestamp": "1796644800",
		"IsSnapshot": false, "Env": envMap(env),
	}
}

func envMap(env []string) map[string]string {
	m := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

// TestGoreleaserConfig checks what a release must be (issue 14): static
// binaries for six targets built with -trimpath and reproducible times,
// version and revision stamped into variables that exist, archives,
// sha256 checksums, SBOMs, a keyless signature of the checksums, a
// multi-arch image of the same binaries, signed by digest.
func TestGoreleaserConfig(t *testing.T) {
	g := loadGoreleaser(t)
	b := g.Builds[0]
	if g.Version != 2 {
		t.Errorf("version: %d, want 2 (GoReleaser v2's schema)", g.Version)
	}
	if b.Main != "." || b.Binary != "authgate" {
		t.Errorf("build main %q binary %q, want . and authgate", b.Main, b.Binary)
	}
	var targets []string
	for _, goos := range b.Goos {
		for _, goarch := range b.Goarch {
			targets = append(targets, goos+"/"+goarch)
		}
	}
	slices.Sort(targets)
	if !slices.Equal(targets, releaseTargets) {
		t.Errorf("targets %v, want %v", targets, releaseTargets)
	}
	if !slices.Contains(b.Env, "CGO_ENABLED=0") {
		t.Errorf("build env %v lacks CGO_ENABLED=0 (static binaries)", b.Env)
	}
	if !slices.Contains(b.Flags, "-trimpath") {
		t.Errorf("build flags %v lack -trimpath (reproducible builds)", b.Flags)
	}
	if b.ModTimestamp != "{{ .CommitTimestamp }}" {
		t.Errorf("mod_timestamp %q, want {{ .CommitTimestamp }} (reproducible builds)", b.ModTimestamp)
	}
	ld := strings.Join(b.Ldflags, " ")
	for _, want := range []string{"-s", "-w",
		"-X github.com/authgate/authgate/cli.Version={{ .Version }}",
		"-X github.com/authgate/authgate/cli.Revision={{ .FullCommit }}"} {
		if !slices.Contains(strings.Fields(ld), want) && !strings.Contains(ld, want) {
			t.Errorf("ldflags %q lack %q", ld, want)
		}
	}

	if len(g.Archives) != 1 || !slices.Equal(g.Archives[0].Formats, []string{"tar.gz"}) ||
		len(g.Archives[0].FormatOverrides) != 1 || g.Archives[0].FormatOverrides[0].Goos != "windows" ||
		!slices.Equal(g.Archives[0].FormatOverrides[0].Formats, []string{"zip"}) {
		t.Errorf("archives %+v, want tar.gz, zip on windows", g.Archives)
	}
	if g.Checksum.NameTemplate != "checksums.txt" || g.Checksum.Algorithm != "sha256" {
		t.Errorf("checksum %+v, want checksums.txt, sha256", g.Checksum)
	}
	if len(g.SBOMs) != 1 || g.SBOMs[0].Artifacts != "archive" {
		t.Errorf("sboms %+v, want one per archive", g.SBOMs)
	}
	if len(g.Signs) != 1 {
		t.Fatalf("signs %+v, want one", g.Signs)
	}
	s := g.Signs[0]
	if s.Cmd != "cosign" || s.Artifacts != "checksum" || s.Signature != "${artifact}.sigstore.json" ||
		!slices.Equal(s.Args, []string{"sign-blob", "--bundle=${signature}", "${artifact}", "--yes"}) {
		t.Errorf("signs %+v, want cosign sign-blob --bundle of the checksum file, keyless (no --key)", s)
	}

	if len(g.DockersV2) != 1 {
		t.Fatalf("dockers_v2 %+v, want one image", g.DockersV2)
	}
	d := g.DockersV2[0]
	if !slices.Equal(d.Images, []string{image}) || d.Dockerfile != "release.Dockerfile" ||
		!slices.Equal(d.IDs, []string{b.ID}) {
		t.Errorf("dockers_v2 images %v dockerfile %q ids %v, want %s from release.Dockerfile with build %q",
			d.Images, d.Dockerfile, d.IDs, image, b.ID)
	}
	if !slices.Equal(d.Platforms, []string{"linux/amd64", "linux/arm64"}) {
		t.Errorf("image platforms %v, want linux/amd64 and linux/arm64", d.Platforms)
	}
	for _, p := range d.Platforms {
		if !slices.Contains(releaseTargets, p) {
			t.Errorf("image platform %s has no binary", p)
		}
	}
	fields := releaseFields(t, "v1.2.3", strings.Repeat("ab", 20))
	for label, want := range map[string]string{
		"org.opencontainers.image.source":   "https://github.com/authgate/authgate",
		"org.opencontainers.image.version":  "1.2.3",
		"org.opencontainers.image.revision": strings.Repeat("ab", 20),
	} {
		if got := render(t, d.Labels[label], fields); got != want {
			t.Errorf("label %s = %q for v1.2.3, want %q", label, got, want)
		}
	}
	if d.Labels["org.opencontainers.image.licenses"] == "" {
		t.Error("no org.opencontainers.image.licenses label")
	}

	if len(g.DockerSigns) != 1 || g.DockerSigns[0].Cmd != "cosign" || g.DockerSigns[0].Artifacts != "images" ||
		!slices.Equal(g.DockerSigns[0].Args, []string{"sign", "${artifact}@${digest}", "--yes"}) {
		t.Errorf("docker_signs %+v, want cosign sign of the images by digest, keyless", g.DockerSigns)
	}
	if g.Release.Prerelease != "auto" {
		t.Errorf("release.prerelease %q, want auto (v1.3.0-rc.1 is a prerelease)", g.Release.Prerelease)
	}
}

// TestGoreleaserImageTags: a release's own tag is always pushed (the
// Action pins it); the moving tags v1.2 and v1 only for the newest final
// release of its major version, latest only for the newest of all
// (scripts/release-channels says which, TestReleaseChannels).
func TestGoreleaserImageTags(t *testing.T) {
	g := loadGoreleaser(t)
	const newestInMajor, newest = "AUTHGATE_NEWEST_IN_MAJOR=true", "AUTHGATE_NEWEST=true"
	tests := []struct {
		tag  string
		env  []string
		want []string
	}{
		{"v1.2.3", []string{newestInMajor, newest}, []string{"v1.2.3", "1.2.3", "v1.2", "v1", "latest"}},
		{"v0.9.0", []string{newestInMajor, newest}, []string{"v0.9.0", "0.9.0", "v0.9", "v0", "latest"}},
		{"v1.9.1", []string{newestInMajor, "AUTHGATE_NEWEST=false"}, []string{"v1.9.1", "1.9.1", "v1.9", "v1"}},
		{"v1.2.4", []string{"AUTHGATE_NEWEST_IN_MAJOR=false", "AUTHGATE_NEWEST=false"}, []string{"v1.2.4", "1.2.4"}},
		{"v1.2.5", nil, []string{"v1.2.5", "1.2.5"}}, // a local snapshot: no variables
		{"v1.3.0-rc.1", []string{newestInMajor, newest}, []string{"v1.3.0-rc.1", "1.3.0-rc.1"}},
	}
	for _, tt := range tests {
		var got []string
		for _, tmpl := range g.DockersV2[0].Tags {
			// GoReleaser ignores tags that render empty.
			if tag := render(t, tmpl, releaseFields(t, tt.tag, strings.Repeat("0", 40), tt.env...)); tag != "" {
				got = append(got, tag)
			}
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s %v: image tags %v, want %v", tt.tag, tt.env, got, tt.want)
		}
	}
}

// TestLicenseLabel: the image's licenses label is the SPDX id of the
// repository's LICENSE (which the archives carry).
func TestLicenseLabel(t *testing.T) {
	g := loadGoreleaser(t)
	text, err := os.ReadFile("LICENSE")
	if err != nil {
		t.Fatalf("%v: the archives and the image's label need a LICENSE", err)
	}
	want := ""
	switch words := strings.Join(strings.Fields(string(text)), " "); {
	case strings.HasPrefix(words, "Apache License Version 2.0"):
		want = "Apache-2.0"
	case strings.HasPrefix(words, "MIT License"):
		want = "MIT"
	default:
		t.Fatal("LICENSE is neither Apache-2.0 nor MIT: teach this test its SPDX id")
	}
	if got := g.DockersV2[0].Labels["org.opencontainers.image.licenses"]; got != want {
		t.Errorf("org.opencontainers.image.licenses %q, LICENSE is %s", got, want)
	}
}

// TestReleaseTargetsInCI: .ci/run cross-compiles exactly the release's
// targets (its RELEASE_TARGETS list).
func TestReleaseTargetsInCI(t *testing.T) {
	data, err := os.ReadFile(".ci/run")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^RELEASE_TARGETS=\(([^)]*)\)`).FindSubmatch(data)
	if m == nil {
		t.Fatal(".ci/run has no RELEASE_TARGETS=(...) list")
	}
	got := strings.Fields(string(m[1]))
	slices.Sort(got)
	if !slices.Equal(got, releaseTargets) {
		t.Errorf(".ci/run cross-compiles %v, the release builds %v", got, releaseTargets)
	}
}

// releaseBinary builds the binary for this machine exactly as
// .goreleaser.yaml's build section says (flags, ldflags with the template
// fields of tag on commit, env), into dir: image_test.go's platformBinary
// for this machine's platform, which must be a release target.
func releaseBinary(t *testing.T, g goreleaser, tag, commit, dir string) string {
	t.Helper()
	target := runtime.GOOS + "/" + runtime.GOARCH
	if !slices.Contains(releaseTargets, target) {
		t.Fatalf("this machine (%s) is not a release target", target)
	}
	return platformBinary(t, g, target, tag, commit, dir)
}

// TestReleaseBuild builds the binary as a release does and checks that
// the stamps reach `authgate version` (a -X of a variable that does not
// exist is silently ignored by the linker), that it is static and within
// the size goal, and runs the container contract against it: the image
// GoReleaser makes holds this binary.
func TestReleaseBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	g := loadGoreleaser(t)
	const commit = "0123456789abcdef0123456789abcdef01234567"
	bin := releaseBinary(t, g, "v9.9.9-test.1", commit, t.TempDir())

	out, err := exec.Command(bin, "version", "--json").Output()
	if err != nil {
		t.Fatalf("version --json: %v", err)
	}
	var v struct {
		Version, Revision string
		Modified          bool
	}
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("version --json: %v: %s", err, out)
	}
	if v.Version != "v9.9.9-test.1" || v.Revision != commit || v.Modified {
		t.Errorf("version --json of the release build: %s, want version v9.9.9-test.1, revision %s, not modified", out, commit)
	}
	line, _ := exec.Command(bin, "version").Output()
	if want := "authgate v9.9.9-test.1 (revision " + commit; !strings.HasPrefix(string(line), want) {
		t.Errorf("version: %q, want it to start with %q", line, want)
	}

	fi, err := os.Stat(bin)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("release binary %s/%s (-s -w, static): %d bytes (%.2f MB)", runtime.GOOS, runtime.GOARCH, fi.Size(), float64(fi.Size())/1e6)
	if fi.Size() > maxBinaryBytes {
		t.Errorf("release binary %d bytes, over %d", fi.Size(), maxBinaryBytes)
	}
	if runtime.GOOS == "linux" {
		// Static: no program interpreter (PT_INTERP) and no shared
		// libraries, since the image (scratch: the binary and the CA
		// certificates) has no libc.
		f, err := elf.Open(bin)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				t.Error("the release binary has a program interpreter: not static")
			}
		}
		if libs, err := f.ImportedLibraries(); err != nil || len(libs) > 0 {
			t.Errorf("the release binary needs shared libraries %v (%v): not static", libs, err)
		}
	}

	checkContractVerdict(t, bin)
}

// git runs git in dir with an isolated configuration and a fixed identity.
func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := gitCmd(dir, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func gitCmd(dir string, args ...string) *exec.Cmd {
	return isolated(exec.Command("git", args...), dir)
}

// isolated runs cmd in dir with no system or user git configuration (no
// signing, hooks or aliases of whoever runs the tests) and a fixed
// identity for the commits it makes.
func isolated(cmd *exec.Cmd, dir string) *exec.Cmd {
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull,
		"GIT_AUTHOR_NAME=release test", "GIT_AUTHOR_EMAIL=release@example.invalid",
		"GIT_COMMITTER_NAME=release test", "GIT_COMMITTER_EMAIL=release@example.invalid")
	return cmd
}

// script runs one of scripts/ from this checkout in dir.
func script(t *testing.T, dir, name string, args ...string) (int, string, string) {
	t.Helper()
	path, err := filepath.Abs(filepath.Join("scripts", name))
	if err != nil {
		t.Fatal(err)
	}
	cmd := isolated(exec.Command(path, args...), dir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	if err != nil && cmd.ProcessState == nil {
		t.Fatalf("%s: %v", name, err)
	}
	return cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()
}

// releaseClone is a clone of this repository's HEAD, without tags, with
// main checked out.
func releaseClone(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Fatalf("scripts/release needs bash: %v", err)
	}
	root, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "authgate")
	// No tags: the repository's own releases (and, in the release
	// workflow, the tag being released) are not the test's.
	git(t, "", "clone", "--quiet", "--no-hardlinks", "--no-tags", root, dir)
	// CI checks out a detached commit: name it main, as a release starts.
	git(t, dir, "checkout", "--quiet", "-B", "main")
	// The release workflow runs these tests on a release commit, whose
	// action.yml pins its image: make the clone's main build from the
	// Dockerfile again, as main does.
	action := filepath.Join(dir, "action.yml")
	data, err := os.ReadFile(action)
	if err != nil {
		t.Fatal(err)
	}
	if pinned := regexp.MustCompile(`(?m)^(\s+image:) docker://\S+$`); pinned.Match(data) {
		os.WriteFile(action, pinned.ReplaceAll(data, []byte("${1} Dockerfile")), 0o644)
		git(t, dir, "commit", "--quiet", "-m", "main builds from the Dockerfile", "--", "action.yml")
	}
	return dir
}

// TestReleaseScript: scripts/release makes a commit whose only change is
// action.yml's image line, pinning the image built for the tag, tags it,
// leaves main and the work tree as they were and pushes nothing; the
// release workflow's check accepts the tag and rejects main.
func TestReleaseScript(t *testing.T) {
	dir := releaseClone(t)
	mainHead := git(t, dir, "rev-parse", "main")
	before := git(t, dir, "show", "main:action.yml")

	code, stdout, stderr := script(t, dir, "release", "v1.2.3")
	if code != 0 {
		t.Fatalf("release v1.2.3: exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stdout, "git push origin v1.2.3") {
		t.Errorf("the script does not print the push command:\n%s", stdout)
	}
	if got := git(t, dir, "rev-parse", "main"); got != mainHead {
		t.Errorf("main moved: %s -> %s", mainHead, got)
	}
	if got := git(t, dir, "show", "main:action.yml"); got != before {
		t.Error("main's action.yml changed")
	}
	if got := git(t, dir, "symbolic-ref", "--short", "HEAD"); got != "main" {
		t.Errorf("left on %q, want main", got)
	}
	if st := git(t, dir, "status", "--porcelain"); st != "" {
		t.Errorf("the work tree is not clean afterwards:\n%s", st)
	}
	if got := git(t, dir, "rev-parse", "v1.2.3^{commit}^"); got != mainHead {
		t.Errorf("the release commit's parent is %s, want main %s", got, mainHead)
	}
	if files := git(t, dir, "diff", "--name-only", "main", "v1.2.3"); files != "action.yml" {
		t.Errorf("the release commit changes %q, want only action.yml", files)
	}
	if git(t, dir, "cat-file", "-t", "v1.2.3") != "tag" {
		t.Error("v1.2.3 is not an annotated tag")
	}
	after := git(t, dir, "show", "v1.2.3:action.yml")
	oldLines, newLines := strings.Split(before, "\n"), strings.Split(after, "\n")
	if len(oldLines) != len(newLines) {
		t.Fatalf("action.yml has %d lines at the tag, %d on main", len(newLines), len(oldLines))
	}
	var changed []string
	for i := range oldLines {
		if oldLines[i] != newLines[i] {
			changed = append(changed, strings.TrimSpace(oldLines[i])+" -> "+strings.TrimSpace(newLines[i]))
		}
	}
	if want := "image: Dockerfile -> image: docker://" + image + ":v1.2.3"; !slices.Equal(changed, []string{want}) {
		t.Errorf("action.yml's changes %q, want only %q", changed, want)
	}
	var action struct {
		Runs struct{ Using, Image string }
	}
	if err := yaml.Unmarshal([]byte(after), &action); err != nil || action.Runs.Using != "docker" ||
		action.Runs.Image != "docker://"+image+":v1.2.3" {
		t.Errorf("the tag's action.yml runs %+v (%v)", action.Runs, err)
	}

	// The release workflow's first step, on the tag and on main.
	git(t, dir, "checkout", "--quiet", "v1.2.3")
	if code, _, stderr := script(t, dir, "check-release-tag", "v1.2.3"); code != 0 {
		t.Errorf("check-release-tag v1.2.3 on its tag: exit %d %s", code, stderr)
	}
	if code, _, stderr := script(t, dir, "check-release-tag", "v1.2.4"); code != 1 || !strings.Contains(stderr, "must pin image: docker://"+image+":v1.2.4") {
		t.Errorf("check-release-tag v1.2.4 on v1.2.3's commit: exit %d %q", code, stderr)
	}
	git(t, dir, "checkout", "--quiet", "main")
	if code, _, stderr := script(t, dir, "check-release-tag", "v1.2.3"); code != 1 || strings.Count(stderr, "\n") != 1 {
		t.Errorf("check-release-tag on main (image: Dockerfile): exit %d %q, want 1 and one line", code, stderr)
	}
	if code, _, stderr := script(t, dir, "check-release-tag", "1.2.3"); code != 1 || !strings.Contains(stderr, "not a release version") {
		t.Errorf("check-release-tag 1.2.3: exit %d %q", code, stderr)
	}

	// A prerelease is made the same way.
	if code, _, stderr := script(t, dir, "release", "v1.3.0-rc.1"); code != 0 {
		t.Errorf("release v1.3.0-rc.1: exit %d %s", code, stderr)
	}
}

// TestReleaseScriptRefuses: a bad version, an existing tag, a dirty tree
// and a base that already pins an image are refused with one line and
// exit 2, creating no tag and moving nothing.
func TestReleaseScriptRefuses(t *testing.T) {
	dir := releaseClone(t)
	if code, _, stderr := script(t, dir, "release", "v1.0.0"); code != 0 {
		t.Fatalf("release v1.0.0: exit %d %s", code, stderr)
	}
	tests := []struct {
		name  string
		args  []string
		dirty bool
		want  string
	}{
		{"no v", []string{"1.2.3"}, false, "bad version"},
		{"two parts", []string{"v1.2"}, false, "bad version"},
		{"leading zero", []string{"v01.2.3"}, false, "bad version"},
		{"leading zero prerelease", []string{"v1.2.3-rc.01"}, false, "bad version"},
		{"build metadata", []string{"v1.2.3+build.5"}, false, "bad version"},
		{"empty prerelease", []string{"v1.2.3-"}, false, "bad version"},
		{"shell characters", []string{"v1.2.3;touch x"}, false, "bad version"},
		{"newline", []string{"v1.2.3\nv1.2.4"}, false, "bad version"},
		{"no arguments", nil, false, "usage"},
		{"existing tag", []string{"v1.0.0"}, false, "already exists"},
		{"dirty tree", []string{"v1.1.0"}, true, "uncommitted changes"},
		{"base pins an image", []string{"v1.1.0", "v1.0.0"}, false, `does not have exactly one "image: Dockerfile" line`},
		{"unknown base", []string{"v1.1.0", "no-such-branch"}, false, "no commit named"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.dirty {
				readme := filepath.Join(dir, "README.md")
				data, _ := os.ReadFile(readme)
				os.WriteFile(readme, append(data, "edit\n"...), 0o644)
				defer git(t, dir, "checkout", "--quiet", "--", "README.md")
			}
			tags, head := git(t, dir, "tag"), git(t, dir, "rev-parse", "HEAD")
			code, stdout, stderr := script(t, dir, "release", tt.args...)
			if code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			if stdout != "" || strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "scripts/release: ") || !strings.Contains(stderr, tt.want) {
				t.Errorf("stdout %q stderr %q, want one scripts/release: line with %q", stdout, stderr, tt.want)
			}
			if got := git(t, dir, "tag"); got != tags {
				t.Errorf("tags changed: %q -> %q", tags, got)
			}
			if got := git(t, dir, "rev-parse", "HEAD"); got != head {
				t.Errorf("HEAD moved: %s -> %s", head, got)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "x")); err == nil {
		t.Error("a version string ran a command")
	}
}

// TestReleaseChannels: scripts/release-channels lets only the newest final
// release of a major version take vX, and only the newest of all take
// latest; prereleases and fixes of older lines take neither. It names the
// final release before each version, the changelog's start.
func TestReleaseChannels(t *testing.T) {
	dir := releaseClone(t)
	for _, tag := range []string{"v0.9.0", "v1.2.3", "v1.2.4", "v1.3.0", "v1.10.0-rc.1", "v2.0.0", "v1.9.9", "v2.1.0-beta"} {
		git(t, dir, "tag", tag)
	}
	tests := []struct{ tag, want string }{
		{"v2.0.0", "newest-in-major=true\nnewest=true\nprevious=v1.9.9\n"},
		{"v1.9.9", "newest-in-major=true\nnewest=false\nprevious=v1.3.0\n"}, // 1.9.9 > 1.3.0: versions, not strings
		{"v1.3.0", "newest-in-major=false\nnewest=false\nprevious=v1.2.4\n"},
		{"v1.2.4", "newest-in-major=false\nnewest=false\nprevious=v1.2.3\n"},
		{"v0.9.0", "newest-in-major=true\nnewest=false\nprevious=\n"},
		{"v1.10.0-rc.1", "newest-in-major=false\nnewest=false\nprevious=v1.9.9\n"},
		{"v2.1.0-beta", "newest-in-major=false\nnewest=false\nprevious=v2.0.0\n"},
	}
	for _, tt := range tests {
		code, stdout, stderr := script(t, dir, "release-channels", tt.tag)
		if code != 0 || stdout != tt.want {
			t.Errorf("release-channels %s: exit %d, %q (%s), want %q", tt.tag, code, stdout, stderr, tt.want)
		}
	}
	if code, _, stderr := script(t, dir, "release-channels", "v3.0.0"); code != 1 || !strings.Contains(stderr, "no tag v3.0.0") {
		t.Errorf("release-channels of a missing tag: exit %d %q", code, stderr)
	}
}

// workflow is the part of a GitHub Actions workflow file these tests read.
type workflow struct {
	Permissions map[string]string      `yaml:"permissions"`
	Jobs        map[string]workflowJob `yaml:"jobs"`
}

type workflowJob struct {
	If          string            `yaml:"if"`
	Permissions map[string]string `yaml:"permissions"`
	// Needs is a job name or a list of them.
	Needs any            `yaml:"needs"`
	Steps []workflowStep `yaml:"steps"`
}

// needs reports whether the job names job among its needs.
func (j workflowJob) needs(job string) bool {
	switch n := j.Needs.(type) {
	case string:
		return n == job
	case []any:
		return slices.Contains(n, any(job))
	}
	return false
}

type workflowStep struct {
	ID              string            `yaml:"id"`
	Name            string            `yaml:"name"`
	Uses            string            `yaml:"uses"`
	Run             string            `yaml:"run"`
	If              string            `yaml:"if"`
	ContinueOnError bool              `yaml:"continue-on-error"`
	With            map[string]string `yaml:"with"`
	Env             map[string]string `yaml:"env"`
}

func loadWorkflow(t *testing.T, path string) workflow {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var w workflow
	if err := yaml.Unmarshal(data, &w); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return w
}

// TestReleaseWorkflow: the release workflow publishes nothing before its
// checks pass (the tag's pin, the release tests, goreleaser check), runs
// those checks, which execute the tag's code, with a read-only token, and
// gives write permissions only to the job that publishes and to the one
// that moves the major tag. It attests what it published. Then, with a
// read-only token, it installs the release as the README says
// (scripts/verify-install for the tag: the release binary, docker run and
// its scans, go install, the image's signature) and runs the tag's Action
// (its run on the vulnerable demo, allowed to fail, judged by a later
// step), and only
// after all that moves the major tag, in a job that can do nothing else
// (contents: write), for the newest release of its major version only.
// The image must be pullable without credentials before that, too (GHCR
// makes a new package private: `uses: authgate/authgate@v1` must not move
// to an image its users cannot pull).
func TestReleaseWorkflow(t *testing.T) {
	w := loadWorkflow(t, ".github/workflows/release.yml")
	if len(w.Permissions) != 0 {
		t.Errorf("release.yml's workflow-wide permissions %v, want none: each job asks for its own", w.Permissions)
	}
	type at struct {
		job  string
		step int
	}
	// where is the one step that matches.
	where := func(what string, match func(workflowStep) bool) at {
		t.Helper()
		var found []at
		for name, job := range w.Jobs {
			for i, s := range job.Steps {
				if match(s) {
					found = append(found, at{name, i})
				}
			}
		}
		if len(found) != 1 {
			t.Fatalf("%d steps are %s (%v), want one", len(found), what, found)
		}
		return found[0]
	}
	// after: job b runs only once job a succeeded, through its needs.
	var after func(b, a string, depth int) bool
	after = func(b, a string, depth int) bool {
		if depth > len(w.Jobs) {
			return false // a cycle, which GitHub refuses anyway
		}
		for name := range w.Jobs {
			if w.Jobs[b].needs(name) && (name == a || after(name, a, depth+1)) {
				return true
			}
		}
		return false
	}
	// before: a runs, and succeeds, before b starts: earlier in b's job,
	// or in a job b's job waits for.
	before := func(a, b at) bool {
		if a.job == b.job {
			return a.step < b.step
		}
		return after(b.job, a.job, 0)
	}
	readOnly := func(job string) bool {
		for _, level := range w.Jobs[job].Permissions {
			if level != "read" && level != "none" {
				return false
			}
		}
		return true
	}
	runs := func(s string) func(workflowStep) bool {
		return func(st workflowStep) bool { return strings.Contains(st.Run, s) }
	}
	goreleaser := func(args string) func(workflowStep) bool {
		return func(st workflowStep) bool {
			return strings.HasPrefix(st.Uses, "goreleaser/goreleaser-action@") && st.With["args"] == args
		}
	}
	attests := func(with string) func(workflowStep) bool {
		return func(st workflowStep) bool {
			return strings.HasPrefix(st.Uses, "actions/attest-build-provenance@") && st.With[with] != ""
		}
	}
	pin := where("the tag's pin check", runs("scripts/check-release-tag"))
	tests := where("the release tests", runs("go test"))
	check := where("goreleaser check", goreleaser("check"))
	release := where("goreleaser release", goreleaser("release --clean"))
	files := where("the files' attestation", attests("subject-path"))
	img := where("the image's attestation", attests("subject-digest"))
	public := where("the anonymous pull", func(st workflowStep) bool {
		return strings.Contains(st.Run, "DOCKER_CONFIG=") && strings.Contains(st.Run, "docker manifest inspect")
	})
	// The tag's Action, on the vulnerable demo (it must find something)
	// and on the secure one.
	vulnerable := where("the tag's Action on the vulnerable demo", func(st workflowStep) bool {
		return st.Uses == "./" && strings.Contains(st.With["target"], "vulnerable")
	})
	secure := where("the tag's Action on the secure demo", func(st workflowStep) bool {
		return st.Uses == "./" && strings.Contains(st.With["target"], "secure")
	})
	major := where("the major tag's move", runs("git push --force"))

	for _, c := range []struct {
		name string
		at   at
	}{{"the pin check", pin}, {"the release tests", tests}, {"goreleaser check", check}} {
		if !before(c.at, release) {
			t.Errorf("%s (%v) does not finish before goreleaser release (%v), which publishes", c.name, c.at, release)
		}
		if !readOnly(c.at.job) {
			t.Errorf("%s runs the tag's code in job %s, which has %v", c.name, c.at.job, w.Jobs[c.at.job].Permissions)
		}
	}
	if pin.step != 1 {
		t.Errorf("the pin check is step %d of %s, want the first after the checkout", pin.step, pin.job)
	}
	if !before(release, files) || !before(release, img) {
		t.Errorf("attestations (%v, %v) before goreleaser release (%v) attest nothing", files, img, release)
	}
	wantWrite := map[string]string{"contents": "write", "packages": "write", "id-token": "write", "attestations": "write"}
	if got := w.Jobs[release.job].Permissions; !maps.Equal(got, wantWrite) {
		t.Errorf("the publishing job's permissions %v, want %v", got, wantWrite)
	}

	// Verify: the README's install lines for this tag, each way once, in
	// one read-only job after everything was published and attested.
	ways := map[string]at{}
	for name, job := range w.Jobs {
		for i, st := range job.Steps {
			if !strings.Contains(st.Run, "verify-install") {
				continue
			}
			way, ok := strings.CutPrefix(st.Run, `scripts/verify-install "$GITHUB_REF_NAME" `)
			if !ok || strings.ContainsAny(way, " \n;&|$") {
				t.Errorf("job %s step %d runs %q, want scripts/verify-install \"$GITHUB_REF_NAME\" WAY", name, i, st.Run)
				continue
			}
			if _, dup := ways[way]; dup {
				t.Errorf("the way %q is verified twice", way)
			}
			ways[way] = at{name, i}
			if (way == "binary" || way == "image") && st.Env["GH_TOKEN"] == "" {
				t.Errorf("verify-install %s runs gh attestation verify, which needs GH_TOKEN in the step's env", way)
			}
		}
	}
	if got := slices.Sorted(maps.Keys(ways)); !slices.Equal(got, []string{"binary", "docker", "docker-scan", "go", "image"}) {
		t.Errorf("verify-install runs the ways %q, want binary, docker, docker-scan, go and image", got)
	}
	if st := w.Jobs[ways["docker-scan"].job].Steps[ways["docker-scan"].step]; st.Env["URL"] == "" {
		t.Error("verify-install docker-scan runs the README's scan of \"$URL\" without URL in the step's env")
	}
	verify := ways["binary"].job
	for way, a := range ways {
		if a.job != verify {
			t.Errorf("verify-install %s runs in job %s, the others in %s", way, a.job, verify)
		}
	}
	if vulnerable.job != verify || secure.job != verify || public.job != verify {
		t.Errorf("the tag's Action (%v, %v) and the anonymous pull (%v) are not in the verify job %s", vulnerable, secure, public, verify)
	}
	// The vulnerable demo's run is allowed to fail (its gate must), so a
	// later step of the job must judge its outcome: without one, an Action
	// that did not even start would pass verify.
	if st := w.Jobs[vulnerable.job].Steps[vulnerable.step]; st.ContinueOnError {
		judged := false
		for _, later := range w.Jobs[vulnerable.job].Steps[vulnerable.step+1:] {
			for _, v := range later.Env {
				if st.ID != "" && strings.Contains(v, "steps."+st.ID+".outcome") && later.Run != "" {
					judged = true
				}
			}
		}
		if !judged {
			t.Errorf("the tag's Action on the vulnerable demo (%v) may fail (continue-on-error) and no later step reads steps.%s.outcome", vulnerable, st.ID)
		}
	}
	// The Action's start is measured with the image not yet pulled: before
	// the README's docker run pulls it.
	if !before(vulnerable, ways["docker"]) || !before(vulnerable, secure) {
		t.Errorf("the first run of the tag's Action (%v) is not the first pull of the image (docker run %v, %v)", vulnerable, ways["docker"], secure)
	}
	if !readOnly(verify) {
		t.Errorf("the verify job %s has %v, want read-only: it runs what it downloaded", verify, w.Jobs[verify].Permissions)
	}
	if !before(img, ways["binary"]) || !before(files, ways["binary"]) {
		t.Errorf("verify (%v) runs before the release is attested (%v, %v)", verify, files, img)
	}
	if public.step != 1 {
		t.Errorf("the anonymous pull is step %d of %s, want the first after the checkout: a private package is the first thing to name", public.step, public.job)
	}

	// Advertise: the major tag moves only after verify, in a job that can
	// do nothing else, and only for the newest release of its major.
	for _, a := range append(slices.Collect(maps.Values(ways)), public, vulnerable, secure, img) {
		if !before(a, major) || a.job == major.job {
			t.Errorf("the major tag moves (%v) before %v finished in another job", major, a)
		}
	}
	if !w.Jobs[major.job].needs(pin.job) || !w.Jobs[major.job].needs(verify) {
		t.Errorf("the major tag's job %s needs %v, want %s (the channels) and %s", major.job, w.Jobs[major.job].Needs, pin.job, verify)
	}
	if got := w.Jobs[major.job].Permissions; !maps.Equal(got, map[string]string{"contents": "write"}) {
		t.Errorf("the major tag's job %s has %v, want contents: write only", major.job, got)
	}
	if cond := w.Jobs[major.job].If + " " + w.Jobs[major.job].Steps[major.step].If; !strings.Contains(cond, "needs.check.outputs.newest-in-major == 'true'") {
		t.Errorf("the major tag moves if %q, want only for the newest release of its major version", cond)
	}
	for name := range w.Jobs {
		if !readOnly(name) && name != release.job && name != major.job {
			t.Errorf("job %s can write (%v): only the publishing job and the major tag's may", name, w.Jobs[name].Permissions)
		}
	}
}

// TestWorkflowRunsTakeNoExpressions: no run: script of this repository's
// workflows has a ${{ }} expression in it. GitHub pastes an expression's
// value into the script before the shell reads it, so a tag name, a branch
// name, a step output or an input holding $(…) or a quote would run as
// code; values reach scripts through env: instead.
func TestWorkflowRunsTakeNoExpressions(t *testing.T) {
	files, err := filepath.Glob(".github/workflows/*.yml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no workflows (%v)", err)
	}
	for _, f := range files {
		for name, job := range loadWorkflow(t, f).Jobs {
			for i, s := range job.Steps {
				if strings.Contains(s.Run, "${{") {
					t.Errorf("%s: job %s, step %d (%s): ${{ }} inside run:, pass it through env:", f, name, i, s.Name)
				}
			}
		}
	}
}

// TestCIWorkflowSkipsTags: ci.yml runs on branches and pull requests, not
// on tags. A release tag's commit pins the image its release workflow is
// still building (docker://ghcr.io/authgate/authgate:vX.Y.Z), so
// self-scan's `uses: ./` on it would fail to pull that image, or run the
// released image instead of this checkout: a red CI run on every release.
func TestCIWorkflowSkipsTags(t *testing.T) {
	data, err := os.ReadFile(".github/workflows/ci.yml")
	if err != nil {
		t.Fatal(err)
	}
	type refs struct {
		Branches []string `yaml:"branches"`
		Tags     []string `yaml:"tags"`
	}
	var ci struct {
		On map[string]*refs `yaml:"on"`
	}
	if err := yaml.Unmarshal(data, &ci); err != nil {
		t.Fatalf("ci.yml: %v", err)
	}
	push, ok := ci.On["push"]
	if !ok {
		t.Fatal("ci.yml does not run on push")
	}
	if push == nil {
		t.Fatal("ci.yml runs on every push, release tags included: want push: branches")
	}
	// GitHub runs a push workflow that names branches but no tags for
	// branch pushes only.
	if len(push.Branches) == 0 || len(push.Tags) > 0 {
		t.Errorf("ci.yml on push: branches %q, tags %q: want branches only, so that release tags do not run it", push.Branches, push.Tags)
	}
}

// docBlock is the fenced block of the Markdown file that follows the line
// starting with lead in its section heading ("## Install"): the lines the
// docs give users, read here independently of scripts/verify-install.
func docBlock(t *testing.T, file, heading, lead string) []string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	start := slices.Index(lines, heading)
	if start < 0 {
		t.Fatalf("%s has no %q", file, heading)
	}
	var block []string
	led, in := false, false
	for _, l := range lines[start+1:] {
		switch {
		case strings.HasPrefix(l, "## "):
			t.Fatalf("%s's %q: no fenced block after %q", file, heading, lead)
		case in && l == "```":
			return block
		case in:
			block = append(block, l)
		case led && strings.HasPrefix(l, "```"):
			in = true
		case strings.HasPrefix(l, lead):
			led = true
		}
	}
	t.Fatalf("%s's %q: no closed block after %q", file, heading, lead)
	return nil
}

// TestReleaseInstallLinesPrint: scripts/verify-install --print gives the
// README's install lines (and docs/releasing.md's image check) exactly as
// the files have them, with only the version placeholders replaced by the
// release's: V=1.2.3 in the release block, @latest in go install, the
// image tag in docker run. These are the lines the release workflow's
// verify job runs for each tag.
func TestReleaseInstallLinesPrint(t *testing.T) {
	const tag, ver = "v9.8.7", "9.8.7"
	for _, s := range []string{tag, ver} {
		for _, f := range []string{"README.md", "docs/releasing.md"} {
			if data, _ := os.ReadFile(f); bytes.Contains(data, []byte(s)) {
				t.Fatalf("%s already holds %s: pick a version it does not name", f, s)
			}
		}
	}
	binary := docBlock(t, "README.md", "## Install", "**A release binary:**")
	docker := docBlock(t, "README.md", "## Install", "**With Docker:**")
	goBlock := docBlock(t, "README.md", "## Install", "**With Go**")
	imageBlock := docBlock(t, "docs/releasing.md", "## Verifying a release", "The image:")

	// The release blocks start with the version and use $V after that.
	withV := func(block []string) []string {
		if len(block) == 0 || !strings.HasPrefix(block[0], "V=1.2.3 ") {
			t.Fatalf("the block does not start with V=1.2.3: %q", block)
		}
		return append([]string{"V=" + ver + strings.TrimPrefix(block[0], "V=1.2.3")}, block[1:]...)
	}
	// docker run's version line, with the release's image tag.
	var dockerLine []string
	for _, l := range docker {
		if strings.HasPrefix(l, "docker run ") && strings.HasSuffix(l, " version") {
			dockerLine = append(dockerLine, regexp.MustCompile(`(`+regexp.QuoteMeta(image)+`):\S+`).ReplaceAllString(l, "${1}:"+tag))
		}
	}
	// docker run's one-line scans (an API on this machine, reports into
	// the current directory), with the release's image tag.
	var dockerScan []string
	for _, l := range docker {
		if strings.HasPrefix(l, "docker run ") && strings.Contains(l, " scan ") && !strings.HasSuffix(l, "\\") {
			dockerScan = append(dockerScan, regexp.MustCompile(`(`+regexp.QuoteMeta(image)+`):\S+`).ReplaceAllString(l, "${1}:"+tag))
		}
	}
	if !slices.ContainsFunc(dockerScan, func(l string) bool { return strings.Contains(l, "--network host") }) ||
		!slices.ContainsFunc(dockerScan, func(l string) bool { return strings.Contains(l, `-v "$PWD:/work"`) }) {
		t.Errorf("the README's one-line docker scans %q: want the --network host one and the -v \"$PWD:/work\" one", dockerScan)
	}
	var goLine []string
	for _, l := range goBlock {
		if strings.HasPrefix(l, "go install ") {
			goLine = append(goLine, strings.NewReplacer("@latest", "@"+tag, "@v1.2.3", "@"+tag).Replace(l))
		}
	}
	if len(dockerLine) != 1 || len(goLine) != 1 {
		t.Fatalf("the README's docker run … version lines %q and go install lines %q: want one each", dockerLine, goLine)
	}
	want := map[string][]string{
		"binary":      append([]string{"# binary: README.md, **A release binary:**"}, withV(binary)...),
		"docker":      {"# docker: README.md, **With Docker:**", dockerLine[0]},
		"docker-scan": append([]string{"# docker-scan: README.md, **With Docker:**"}, dockerScan...),
		"go":          {"# go: README.md, **With Go**", goLine[0]},
		"image":       append([]string{"# image: docs/releasing.md, The image:"}, withV(imageBlock)...),
	}
	// What a user would see substituted is what the workflow runs.
	for _, check := range []struct{ way, has string }{
		{"binary", `curl -sSfLO "$base/authgate_${V}_linux_amd64.tar.gz"`},
		{"binary", "cosign verify-blob checksums.txt"},
		{"binary", "sha256sum --ignore-missing -c checksums.txt"},
		{"binary", `gh attestation verify "authgate_${V}_linux_amd64.tar.gz" --repo authgate/authgate`},
		{"binary", "authgate version"},
		{"docker", image + ":" + tag + " version"},
		{"go", "go install github.com/authgate/authgate@" + tag},
		{"image", "cosign verify " + image + ":v$V"},
		{"image", "gh attestation verify oci://" + image + ":v$V --repo authgate/authgate"},
	} {
		if !strings.Contains(strings.Join(want[check.way], "\n"), check.has) {
			t.Errorf("the docs' %s lines do not have %q: %q", check.way, check.has, want[check.way])
		}
	}

	var all []string
	for _, way := range []string{"binary", "docker", "docker-scan", "go", "image"} {
		code, stdout, stderr := script(t, ".", "verify-install", "--print", tag, way)
		if code != 0 || stderr != "" {
			t.Fatalf("verify-install --print %s %s: exit %d %s", tag, way, code, stderr)
		}
		if got := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n"); !slices.Equal(got, want[way]) {
			t.Errorf("verify-install --print %s %s:\n%s\nwant:\n%s", tag, way, stdout, strings.Join(want[way], "\n"))
		}
		all = append(all, want[way]...)
	}
	// No way named: all five, in this order.
	if code, stdout, stderr := script(t, ".", "verify-install", "--print", tag); code != 0 || stdout != strings.Join(all, "\n")+"\n" {
		t.Errorf("verify-install --print %s: exit %d %s\n%s", tag, code, stderr, stdout)
	}
	// A prerelease is installed the same way.
	if code, stdout, stderr := script(t, ".", "verify-install", "--print", "v1.3.0-rc.1", "binary", "docker"); code != 0 ||
		!strings.Contains(stdout, "\nV=1.3.0-rc.1   ") || !strings.Contains(stdout, image+":v1.3.0-rc.1 version\n") {
		t.Errorf("verify-install --print v1.3.0-rc.1: exit %d %s\n%s", code, stderr, stdout)
	}
}

// TestReleaseInstallLinesRefuses: a version that is not a release tag
// (vMAJOR.MINOR.PATCH[-PRERELEASE], as scripts/release makes them) or an
// unknown way is refused with one line and exit 2, before anything runs.
func TestReleaseInstallLinesRefuses(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"no v", []string{"1.2.3"}, "not a release version"},
		{"the major tag", []string{"v1"}, "not a release version"},
		{"two parts", []string{"v1.2"}, "not a release version"},
		{"leading zero", []string{"v01.2.3"}, "not a release version"},
		{"build metadata", []string{"v1.2.3+build.5"}, "not a release version"},
		{"branch", []string{"main"}, "not a release version"},
		{"shell characters", []string{"v1.2.3;touch x"}, "not a release version"},
		{"newline", []string{"v1.2.3\nv1.2.4"}, "not a release version"},
		{"empty", []string{""}, "not a release version"},
		{"no arguments", nil, "usage"},
		{"only --print", []string{"--print"}, "usage"},
		{"unknown way", []string{"v1.2.3", "brew"}, `unknown way "brew"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for _, print := range []bool{true, false} {
				args := tt.args
				if print && len(args) > 0 && args[0] != "--print" {
					args = append([]string{"--print"}, args...)
				}
				code, stdout, stderr := script(t, ".", "verify-install", args...)
				if code != 2 || stdout != "" || strings.Count(stderr, "\n") != 1 ||
					!strings.HasPrefix(stderr, "verify-install: ") || !strings.Contains(stderr, tt.want) {
					t.Errorf("verify-install %q: exit %d, stdout %q, stderr %q: want exit 2 and one line with %q", args, code, stdout, stderr, tt.want)
				}
			}
		})
	}
	if _, err := os.Stat("x"); err == nil {
		t.Error("a version string ran a command")
	}
}

// TestReleaseInstallLinesMissing: docs that lost a block, its lead-in or
// its version placeholder make scripts/verify-install fail with one line
// naming what is missing (exit 1), printing and running nothing: the
// release would otherwise be "verified" by fewer lines than users run.
func TestReleaseInstallLinesMissing(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	releasing, err := os.ReadFile("docs/releasing.md")
	if err != nil {
		t.Fatal(err)
	}
	// cut removes the first line of text starting with prefix.
	cut := func(text []byte, prefix string) []byte {
		lines := strings.SplitAfter(string(text), "\n")
		i := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, prefix) })
		if i < 0 {
			t.Fatalf("no line starts with %q", prefix)
		}
		return []byte(strings.Join(slices.Delete(lines, i, i+1), ""))
	}
	// swap replaces the first old in text with new.
	swap := func(text []byte, old, new string) []byte {
		if !bytes.Contains(text, []byte(old)) {
			t.Fatalf("no %q", old)
		}
		return bytes.Replace(text, []byte(old), []byte(new), 1)
	}
	// cutBlock removes the fenced block after the line starting with lead.
	cutBlock := func(text []byte, lead string) []byte {
		s := string(text)
		i := strings.Index(s, "\n"+lead)
		if i < 0 {
			t.Fatalf("no %q line", lead)
		}
		open := strings.Index(s[i:], "\n```") + i
		end := strings.Index(s[open+4:], "\n```\n") + open + 4
		if open < i || end < open+4 {
			t.Fatalf("no block after %q", lead)
		}
		return []byte(s[:open] + s[end+4:])
	}
	for _, tt := range []struct {
		name      string
		readme    []byte
		releasing []byte
		way       string
		want      string
	}{
		{"no Install section", cut(readme, "## Install"), releasing, "go", `README.md has no "## Install" section`},
		{"no release binary lead-in", cut(readme, "**A release binary:**"), releasing, "binary", `no "**A release binary:**" line`},
		{"no Docker lead-in", cut(readme, "**With Docker:**"), releasing, "docker", `no "**With Docker:**" line`},
		{"no Go lead-in", cut(readme, "**With Go**"), releasing, "go", `no "**With Go**" line`},
		{"no release binary block", cutBlock(readme, "**A release binary:**"), releasing, "binary", `no fenced block after "**A release binary:**"`},
		{"no version line", cut(readme, "V=1.2.3 "), releasing, "binary", "no version placeholder"},
		{"no docker version line", cut(readme, "docker run --rm "+image+":v1 version"), releasing, "docker", `no single "docker run`},
		{"no docker scan lines", cut(cut(readme, "docker run --rm --network host "), `docker run --rm -v "$PWD:/work"`), releasing, "docker-scan", `no one-line "docker run`},
		{"no go install line", cut(readme, "go install "), releasing, "go", `the fenced block after "**With Go**" is empty`},
		// An image tag the script does not replace would run that image,
		// not the release's.
		{"docker version of another tag", swap(readme, image+":v1 version", image+":edge version"), releasing, "docker", "no version placeholder"},
		{"docker scan of another tag", swap(readme, "--network host "+image+":v1 scan", "--network host "+image+":edge scan"), releasing, "docker-scan", "no version placeholder"},
		{"no image lead-in", readme, cut(releasing, "The image:"), "image", `docs/releasing.md's "## Verifying a release" has no "The image:" line`},
		{"no releasing.md", readme, nil, "image", "no docs/releasing.md"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir() // not a git work tree: the script reads the files here
			os.WriteFile(filepath.Join(dir, "README.md"), tt.readme, 0o644)
			if tt.releasing != nil {
				os.MkdirAll(filepath.Join(dir, "docs"), 0o755)
				os.WriteFile(filepath.Join(dir, "docs", "releasing.md"), tt.releasing, 0o644)
			}
			for _, args := range [][]string{{"--print", "v1.2.3", tt.way}, {"v1.2.3"}} {
				code, stdout, stderr := script(t, dir, "verify-install", args...)
				if code != 1 || stdout != "" || strings.Count(stderr, "\n") != 1 ||
					!strings.HasPrefix(stderr, "verify-install: ") || !strings.Contains(stderr, tt.want) {
					t.Errorf("verify-install %q: exit %d, stdout %q, stderr %q: want exit 1 and one line with %q", args, code, stdout, stderr, tt.want)
				}
			}
		})
	}
}

// TestReleaseInstallLinesGoInstall runs scripts/verify-install's go way
// for real, offline: the README's go install line for a tag, against this
// tree served as that release by a local module proxy (installProxyModule,
// as TestGoInstall), then its check of `authgate version` in GOBIN. A tag
// the proxy does not have fails it with one last line naming the way.
func TestReleaseInstallLinesGoInstall(t *testing.T) {
	if testing.Short() {
		t.Skip("installs the module")
	}
	const tag = "v1.99.99" // v2 and up would need the module path to end in /v2
	proxy := t.TempDir()
	installProxyModule(t, proxy, tag)
	dir := releaseClone(t)
	git(t, dir, "tag", tag)
	git(t, dir, "tag", "v1.99.98") // a tag the proxy has not heard of
	gobin := t.TempDir()
	run := func(tag string) (int, string, string) {
		cmd := isolated(exec.Command(filepath.Join(mustAbs(t, "scripts"), "verify-install"), tag, "go"), dir)
		// The module proxy's environment, as TestGoInstall's (-trimpath and
		// no cgo in it only let the build reuse the other tests' compiled
		// packages; the line itself is the README's).
		cmd.Env = append(cmd.Env, offlineInstallEnv(t, proxy, gobin)...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil && cmd.ProcessState == nil {
			t.Fatal(err)
		}
		return cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()
	}

	code, stdout, stderr := run(tag)
	if code != 0 {
		t.Fatalf("verify-install %s go: exit %d\n%s\n%s", tag, code, stdout, stderr)
	}
	// bash -x shows the README's line as it ran.
	if want := "+ go install " + installModulePath + "@" + tag + "\n"; !strings.Contains(stderr, want) {
		t.Errorf("the trace does not show %q:\n%s", want, stderr)
	}
	want := "verify-install: go install, " + gobin + "/authgate version: authgate " + tag + " (go1."
	if !strings.Contains(stdout, want) {
		t.Errorf("stdout does not report the checked version %q:\n%s", want, stdout)
	}
	if line := runVersionLine(t, filepath.Join(gobin, "authgate")); !strings.HasPrefix(line, "authgate "+tag+" (go1.") {
		t.Errorf("the installed binary says %q", line)
	}

	code, _, stderr = run("v1.99.98")
	lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
	if last := lines[len(lines)-1]; code != 1 || !strings.HasPrefix(last, "verify-install: go: ") || !strings.Contains(last, "failed") {
		t.Errorf("verify-install v1.99.98 go (not on the proxy): exit %d, last line %q, want exit 1 and a verify-install: go: … failed line\n%s", code, last, stderr)
	}
}

func mustAbs(t *testing.T, path string) string {
	t.Helper()
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// shellWords splits a shell command (continued lines joined) into its
// words: quotes removed, variables left as written, a comment dropped.
// Enough for the docs' cosign lines; not a shell.
func shellWords(cmd string) []string {
	cmd = strings.ReplaceAll(cmd, "\\\n", " ")
	var words []string
	var w strings.Builder
	inWord, quote := false, rune(0)
	for _, r := range cmd {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			w.WriteRune(r)
		case r == '"' || r == '\'':
			quote, inWord = r, true
		case r == ' ' || r == '\t' || r == '\n':
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
		case r == '#' && !inWord:
			return words
		default:
			w.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, w.String())
	}
	return words
}

// TestCISnapshotSigning: ci.yml's release-snapshot job signs the
// snapshot's checksums.txt keyless only on pushes to main (a fork's pull
// request gets no OIDC token; nothing of a pull request is signed), with
// the cosign-installer release.yml pins, and verifies the bundle with the
// README's cosign verify-blob command: the same words, the certificate
// identity this workflow's on main instead of the release workflow's on
// the tag. Pull requests keep --skip=sign,docker.
func TestCISnapshotSigning(t *testing.T) {
	const mainPush = "github.event_name == 'push' && github.ref == 'refs/heads/main'"
	const notMainPush = "github.event_name != 'push' || github.ref != 'refs/heads/main'"
	ci := loadWorkflow(t, ".github/workflows/ci.yml")
	if _, ok := ci.Permissions["id-token"]; ok {
		t.Errorf("ci.yml grants id-token to every job: %v", ci.Permissions)
	}
	for name, job := range ci.Jobs {
		if _, ok := job.Permissions["id-token"]; ok && name != "release-snapshot" {
			t.Errorf("job %s has id-token: %v; only release-snapshot signs", name, job.Permissions)
		}
	}
	job, ok := ci.Jobs["release-snapshot"]
	if !ok {
		t.Fatal("ci.yml has no release-snapshot job")
	}
	if want := map[string]string{"contents": "read", "id-token": "write"}; !maps.Equal(job.Permissions, want) {
		t.Errorf("release-snapshot's permissions %v, want %v", job.Permissions, want)
	}
	var releaseCosign string
	for _, j := range loadWorkflow(t, ".github/workflows/release.yml").Jobs {
		for _, st := range j.Steps {
			if strings.HasPrefix(st.Uses, "sigstore/cosign-installer@") {
				releaseCosign = st.Uses
			}
		}
	}
	var signed, unsigned, installer, verify []int
	for i, st := range job.Steps {
		skip := ""
		if args := shellWords(st.With["args"]); strings.HasPrefix(st.Uses, "goreleaser/goreleaser-action@") && slices.Contains(args, "release") {
			if !slices.Contains(args, "--snapshot") {
				t.Errorf("step %d runs goreleaser %q without --snapshot", i, args)
			}
			for _, a := range args {
				if s, ok := strings.CutPrefix(a, "--skip="); ok {
					skip = s
				}
			}
			switch {
			case slices.Contains(strings.Split(skip, ","), "sign"):
				unsigned = append(unsigned, i)
				if st.If != notMainPush || skip != "sign,docker" {
					t.Errorf("step %d (goreleaser %q) runs if %q, want --skip=sign,docker if %q", i, args, st.If, notMainPush)
				}
			default:
				signed = append(signed, i)
				if st.If != mainPush {
					t.Errorf("step %d (goreleaser %q) signs if %q, want only %q", i, args, st.If, mainPush)
				}
			}
		}
		if strings.HasPrefix(st.Uses, "sigstore/cosign-installer@") {
			installer = append(installer, i)
			if st.Uses != releaseCosign {
				t.Errorf("cosign-installer %q, release.yml's is %q: the snapshot signs as the release does", st.Uses, releaseCosign)
			}
		}
		if strings.Contains(st.Run, "cosign") {
			if st.If != mainPush {
				t.Errorf("step %d (%s) runs cosign if %q, want %q", i, st.Name, st.If, mainPush)
			}
			if strings.Contains(st.Run, "cosign verify-blob") {
				verify = append(verify, i)
			}
		}
		if len(installer) > 0 && installer[len(installer)-1] == i && st.If != mainPush {
			t.Errorf("cosign-installer runs if %q, want %q", st.If, mainPush)
		}
	}
	if len(signed) != 1 || len(unsigned) != 1 || len(installer) != 1 || len(verify) != 1 {
		t.Fatalf("release-snapshot: signed snapshots at %v, unsigned %v, cosign-installer %v, verify-blob %v: want one each", signed, unsigned, installer, verify)
	}
	if !(installer[0] < signed[0] && signed[0] < verify[0]) {
		t.Errorf("cosign-installer (%d), the signed snapshot (%d) and its verification (%d) are out of order", installer[0], signed[0], verify[0])
	}

	// The README's cosign verify-blob and CI's: the same words but the identity.
	cosignCmd := func(lines []string) []string {
		text := strings.Join(lines, "\n")
		i := strings.Index(text, "cosign verify-blob")
		if i < 0 {
			t.Fatalf("no cosign verify-blob in %q", text)
		}
		end := i
		for end < len(text) {
			nl := strings.IndexByte(text[end:], '\n')
			if nl < 0 {
				end = len(text)
				break
			}
			end += nl
			if text[end-1] != '\\' {
				break
			}
			end++
		}
		return shellWords(text[i:end])
	}
	readme := cosignCmd(docBlock(t, "README.md", "## Install", "**A release binary:**"))
	ciWords := cosignCmd(strings.Split(job.Steps[verify[0]].Run, "\n"))
	identity := func(words []string) (int, string) {
		i := slices.Index(words, "--certificate-identity")
		if i < 0 || i+1 >= len(words) {
			t.Fatalf("no --certificate-identity in %q", words)
		}
		return i + 1, words[i+1]
	}
	ri, rid := identity(readme)
	ci2, cid := identity(ciWords)
	if ri != ci2 || !slices.Equal(slices.Delete(slices.Clone(readme), ri, ri+1), slices.Delete(slices.Clone(ciWords), ci2, ci2+1)) {
		t.Errorf("CI verifies with %q, the README with %q: want the same words but the identity", ciWords, readme)
	}
	const release = "/.github/workflows/release.yml@refs/tags/v$V"
	repo, ok := strings.CutSuffix(rid, release)
	if !ok || repo != "https://github.com/authgate/authgate" {
		t.Errorf("the README's identity %q, want https://github.com/authgate/authgate%s", rid, release)
	}
	if cid != repo+"/.github/workflows/ci.yml@refs/heads/main" && cid != "${GITHUB_SERVER_URL}/${GITHUB_REPOSITORY}/.github/workflows/ci.yml@refs/heads/main" {
		t.Errorf("CI's identity %q, want this repository's .github/workflows/ci.yml@refs/heads/main", cid)
	}
}
