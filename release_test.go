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
// fields of tag on commit, env), into dir.
func releaseBinary(t *testing.T, g goreleaser, tag, commit, dir string) string {
	t.Helper()
	b := g.Builds[0]
	target := runtime.GOOS + "/" + runtime.GOARCH
	if !slices.Contains(releaseTargets, target) {
		t.Fatalf("this machine (%s) is not a release target", target)
	}
	fields := releaseFields(t, tag, commit)
	var ldflags []string
	for _, l := range b.Ldflags {
		ldflags = append(ldflags, render(t, l, fields))
	}
	bin := filepath.Join(dir, b.Binary)
	args := append([]string{"build"}, b.Flags...)
	args = append(args, "-ldflags="+strings.Join(ldflags, " "), "-o", bin, b.Main)
	cmd := exec.Command("go", args...)
	cmd.Env = append(append(os.Environ(), b.Env...), "GOOS="+runtime.GOOS, "GOARCH="+runtime.GOARCH)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return bin
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
		// libraries, since the distroless static image has no libc.
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
	Name string            `yaml:"name"`
	Uses string            `yaml:"uses"`
	Run  string            `yaml:"run"`
	If   string            `yaml:"if"`
	With map[string]string `yaml:"with"`
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
// gives write permissions only to the job that publishes. It attests what
// it published, and moves the major tag only once the image is attested
// and can be pulled without credentials (GHCR makes a new package
// private: the first release's image is not pullable until a maintainer
// makes it public, and `uses: authgate/authgate@v1` must not move to an
// image its users cannot pull).
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
	// before: a runs, and succeeds, before b starts: earlier in b's job,
	// or in a job b's job needs.
	before := func(a, b at) bool {
		if a.job == b.job {
			return a.step < b.step
		}
		return w.Jobs[b.job].needs(a.job)
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
	major := where("the major tag's move", runs("git push --force"))

	for _, c := range []struct {
		name string
		at   at
	}{{"the pin check", pin}, {"the release tests", tests}, {"goreleaser check", check}} {
		if !before(c.at, release) {
			t.Errorf("%s (%v) does not finish before goreleaser release (%v), which publishes", c.name, c.at, release)
		}
		for perm, level := range w.Jobs[c.at.job].Permissions {
			if level != "read" && level != "none" {
				t.Errorf("%s runs the tag's code in job %s, which has %s: %s", c.name, c.at.job, perm, level)
			}
		}
	}
	if pin.step != 1 {
		t.Errorf("the pin check is step %d of %s, want the first after the checkout", pin.step, pin.job)
	}
	if !before(release, files) || !before(release, img) {
		t.Errorf("attestations (%v, %v) before goreleaser release (%v) attest nothing", files, img, release)
	}
	if !before(img, major) || !before(public, major) {
		t.Errorf("the major tag moves (%v) before the image is attested (%v) and pullable without credentials (%v)", major, img, public)
	}
	if !strings.Contains(w.Jobs[major.job].Steps[major.step].If, "newest-in-major") {
		t.Errorf("the major tag's move runs if %q, want only for the newest release of its major version", w.Jobs[major.job].Steps[major.step].If)
	}
	wantWrite := map[string]string{"contents": "write", "packages": "write", "id-token": "write", "attestations": "write"}
	if got := w.Jobs[release.job].Permissions; !maps.Equal(got, wantWrite) {
		t.Errorf("the publishing job's permissions %v, want %v", got, wantWrite)
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
