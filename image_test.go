package main

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The images: release.Dockerfile (what a release pushes to GHCR and a
// release's action.yml pins) and the source Dockerfile (`uses: ./`,
// `uses: authgate/authgate@main`).

// dockerInstructions returns a Dockerfile's instructions, one per line
// with continuations joined, comments dropped.
func dockerInstructions(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	cur := ""
	for line := range strings.Lines(string(data)) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if cont, ok := strings.CutSuffix(line, `\`); ok {
			cur += strings.TrimSpace(cont) + " "
			continue
		}
		out = append(out, cur+line)
		cur = ""
	}
	return out
}

// TestReleaseDockerfile: the released image is the distroless static base
// (CA certificates included) plus the one binary GoReleaser built for the
// platform, run as root (the runner's files are root's), nothing built or
// run inside.
func TestReleaseDockerfile(t *testing.T) {
	g := loadGoreleaser(t)
	bin := g.Builds[0].Binary
	want := []string{
		"FROM gcr.io/distroless/static-debian12",
		"ARG TARGETPLATFORM",
		"COPY ${TARGETPLATFORM}/" + bin + " /" + bin,
		`ENTRYPOINT ["/` + bin + `"]`,
	}
	if got := dockerInstructions(t, "release.Dockerfile"); !slices.Equal(got, want) {
		t.Errorf("release.Dockerfile:\n%s\nwant exactly:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestSourceDockerfile: the Dockerfile (uses: ./, @main) builds the binary
// as a release does (static, -trimpath, the same stamps) onto the same
// base, without USER.
func TestSourceDockerfile(t *testing.T) {
	g := loadGoreleaser(t)
	ins := dockerInstructions(t, "Dockerfile")
	var build string
	for _, in := range ins {
		if strings.HasPrefix(in, "RUN ") && strings.Contains(in, "go build") {
			build = in
		}
		if strings.HasPrefix(in, "USER") {
			t.Errorf("Dockerfile has %q: the Action must run as root", in)
		}
	}
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "-s -w",
		"-X github.com/authgate/authgate/cli.Version=${VERSION}",
		"-X github.com/authgate/authgate/cli.Revision=${REVISION}"} {
		if !strings.Contains(build, want) {
			t.Errorf("the Dockerfile's go build lacks %q: %s", want, build)
		}
	}
	for _, x := range regexp.MustCompile(`-X (\S+)=`).FindAllStringSubmatch(strings.Join(g.Builds[0].Ldflags, " "), -1) {
		if !strings.Contains(build, "-X "+x[1]+"=") {
			t.Errorf("the release stamps %s, the Dockerfile does not", x[1])
		}
	}
	if last := ins[len(ins)-1]; last != `ENTRYPOINT ["/authgate"]` {
		t.Errorf("last instruction %q", last)
	}
	if !slices.Contains(ins, "FROM gcr.io/distroless/static-debian12") {
		t.Error("the Dockerfile's image is not on the release's base")
	}
}
