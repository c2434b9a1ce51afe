package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"io/fs"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/authgate/authgate/demo"
	"github.com/authgate/authgate/ghapi/ghtest"
)

// The images: release.Dockerfile (what a release pushes to GHCR and a
// release's action.yml pins) and the source Dockerfile (`uses: ./`,
// `uses: authgate/authgate@main`). Both are scratch plus two files: the
// CA certificates and the static binary (issue 14). There is no Docker
// engine here, so the tests read the final stage's instructions, lay out
// exactly those files, run the binary chrooted into them and measure the
// image they make.

// caBundle is where the images keep the CA certificates: the first file
// Go's crypto/x509 reads on linux (certFiles in root_linux.go), and where
// Debian (the golang image) and Alpine put their bundle.
const caBundle = "/etc/ssl/certs/ca-certificates.crt"

// Image budgets, decimal bytes like the sizes docker prints.
const (
	// maxImageBytes is ci.yml's limit on `docker image inspect`'s Size.
	maxImageBytes = 25_000_000
	// maxImagePullBytes bounds what a runner downloads to start the
	// Action: index, manifest, config and the gzipped layers. 10 MB is
	// about the compressed size of an image at the 25 MB limit, as the
	// image compresses today (to 43 %: 5.18 of 12.03 MB on linux/amd64),
	// so neither budget is looser than the other; today's image is about
	// half of it.
	maxImagePullBytes = 10_000_000
)

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

// imageFile is one file a Dockerfile's final stage copies into the image
// (one COPY, one layer, as BuildKit builds it).
type imageFile struct {
	Path  string // where it is in the image
	Stage string // the stage it is copied from; "" for the build context
	Src   string // its path in that stage or in the context, as written
}

// imageStage is an earlier stage of a Dockerfile.
type imageStage struct {
	From         string   // the FROM line after "FROM", e.g. "--platform=$BUILDPLATFORM alpine:3.22 AS certs"
	Instructions []string // what the stage does after FROM
}

// imageSpec is what a Dockerfile's final stage makes: scratch and the
// files it copies.
type imageSpec struct {
	Stages     map[string]imageStage
	Files      []imageFile
	Entrypoint []string
}

// finalStage reads the Dockerfile at path into the image its final stage
// makes. A base other than scratch (whose files the image would also
// hold), or an instruction of the final stage that this model does not
// know (RUN, ADD, WORKDIR, USER, ENV, a COPY of several sources or with
// flags other than --from), fails the test: the image run and measured
// here is the file's, or the test says it cannot tell.
func finalStage(t *testing.T, path string) imageSpec {
	t.Helper()
	ins := dockerInstructions(t, path)
	last := -1
	for i, in := range ins {
		if strings.HasPrefix(in, "FROM ") {
			last = i
		}
	}
	if last < 0 {
		t.Fatalf("%s has no FROM", path)
	}
	if base := strings.TrimPrefix(ins[last], "FROM "); base != "scratch" {
		t.Fatalf("%s's image is FROM %s: the image test models scratch, an image of exactly the binary and the CA certificates its COPYs add", path, base)
	}
	spec := imageSpec{Stages: map[string]imageStage{}}
	var stage string
	for _, in := range ins[:last] {
		if from, ok := strings.CutPrefix(in, "FROM "); ok {
			f := strings.Fields(from)
			stage = ""
			if len(f) >= 3 && strings.EqualFold(f[len(f)-2], "AS") {
				stage = f[len(f)-1]
				spec.Stages[stage] = imageStage{From: from}
			}
			continue
		}
		if s, ok := spec.Stages[stage]; ok {
			s.Instructions = append(s.Instructions, in)
			spec.Stages[stage] = s
		}
	}
	for _, in := range ins[last+1:] {
		word, rest, _ := strings.Cut(in, " ")
		switch strings.ToUpper(word) {
		case "ARG", "LABEL":
			// Build arguments and the config's labels: no file.
		case "COPY":
			fields := strings.Fields(rest)
			var f imageFile
			for len(fields) > 0 && strings.HasPrefix(fields[0], "--") {
				from, ok := strings.CutPrefix(fields[0], "--from=")
				if !ok {
					t.Fatalf("%s: %q: the image test models only COPY --from", path, in)
				}
				if _, known := spec.Stages[from]; !known {
					t.Fatalf("%s: %q: no stage %s before the final one", path, in, from)
				}
				f.Stage = from
				fields = fields[1:]
			}
			if len(fields) != 2 || !strings.HasPrefix(fields[1], "/") || strings.HasSuffix(fields[1], "/") {
				t.Fatalf("%s: %q: the image test models one source copied to an absolute file path", path, in)
			}
			f.Src, f.Path = fields[0], fields[1]
			spec.Files = append(spec.Files, f)
		case "ENTRYPOINT":
			if err := json.Unmarshal([]byte(rest), &spec.Entrypoint); err != nil || len(spec.Entrypoint) == 0 {
				t.Fatalf("%s: %q: want the exec form, a JSON array", path, in)
			}
		default:
			t.Fatalf("%s: %q in the final stage: the image test does not model it (finalStage in image_test.go)", path, in)
		}
	}
	return spec
}

// paths are the image's file paths, in the order of their layers.
func (s imageSpec) paths() []string {
	var out []string
	for _, f := range s.Files {
		out = append(out, f.Path)
	}
	return out
}

// sources returns, for each of the image's files as built for platform,
// the file on this machine that stands in for its source: the build
// context's binary (GoReleaser's layout, <os>/<arch>/<binary>) is bin; a
// file of another stage is this machine's file at the same path (Debian's
// CA bundle, as in the golang image; Alpine's base image has its bundle
// at the same path).
func (s imageSpec) sources(t *testing.T, platform, binary, bin string) []string {
	t.Helper()
	var out []string
	for _, f := range s.Files {
		if f.Stage != "" {
			out = append(out, f.Src)
			continue
		}
		src := strings.NewReplacer("${TARGETPLATFORM}", platform, "$TARGETPLATFORM", platform).Replace(f.Src)
		if src != platform+"/"+binary {
			t.Fatalf("COPY %s: GoReleaser's build context for %s has only %s/%s", f.Src, platform, platform, binary)
		}
		out = append(out, bin)
	}
	return out
}

// layOut writes the image's files under root, with their sources' modes
// (COPY keeps them; the owner is root).
func (s imageSpec) layOut(t *testing.T, root string, sources []string) {
	t.Helper()
	for i, f := range s.Files {
		data, err := os.ReadFile(sources[i])
		if err != nil {
			t.Fatalf("%s for the image's %s: %v", sources[i], f.Path, err)
		}
		fi, err := os.Stat(sources[i])
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(root, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, data, fi.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dst, fi.Mode().Perm()); err != nil { // past the umask
			t.Fatal(err)
		}
	}
}

// TestReleaseDockerfile: the released image is scratch plus two files,
// the CA bundle (from a stage that runs nothing, so that building it for
// another platform needs no qemu) and the one binary GoReleaser built for
// the platform; run as root (the runner's files are root's).
func TestReleaseDockerfile(t *testing.T) {
	g := loadGoreleaser(t)
	bin := g.Builds[0].Binary
	spec := finalStage(t, "release.Dockerfile") // FROM scratch, or it fails
	want := []imageFile{
		{Path: caBundle, Stage: "certs", Src: caBundle},
		{Path: "/" + bin, Src: "${TARGETPLATFORM}/" + bin},
	}
	if !slices.Equal(spec.Files, want) {
		t.Errorf("release.Dockerfile's files: %+v, want %+v", spec.Files, want)
	}
	if certs := spec.Stages["certs"]; len(certs.Instructions) > 0 || !strings.HasPrefix(certs.From, "--platform=$BUILDPLATFORM ") {
		t.Errorf("the certs stage is %q then %q: want FROM --platform=$BUILDPLATFORM and nothing run (no qemu, one pull for every platform)", certs.From, certs.Instructions)
	}
	if !slices.Equal(spec.Entrypoint, []string{"/" + bin}) {
		t.Errorf("ENTRYPOINT %q", spec.Entrypoint)
	}
	for _, in := range dockerInstructions(t, "release.Dockerfile") {
		if strings.HasPrefix(in, "USER") || strings.HasPrefix(in, "RUN") {
			t.Errorf("release.Dockerfile has %q: nothing runs in the build, and the Action runs as root", in)
		}
	}
}

// TestSourceDockerfile: the Dockerfile (uses: ./, @main) builds the binary
// as a release does (static, -trimpath, the same stamps) into the same
// image: scratch, the same files at the same paths, the CA bundle from
// the golang build stage, without USER.
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

	spec, release := finalStage(t, "Dockerfile"), finalStage(t, "release.Dockerfile") // both FROM scratch
	if !slices.Equal(spec.paths(), release.paths()) || !slices.Equal(spec.Entrypoint, release.Entrypoint) {
		t.Errorf("the Dockerfile's image has %q, entrypoint %q; the release's %q, %q", spec.paths(), spec.Entrypoint, release.paths(), release.Entrypoint)
	}
	for _, f := range spec.Files {
		if f.Stage != "build" || !strings.HasPrefix(spec.Stages["build"].From, "golang:") {
			t.Errorf("the Dockerfile's %s does not come from the golang build stage: %+v", f.Path, f)
		}
		switch f.Path {
		case caBundle:
			if f.Src != caBundle {
				t.Errorf("the CA bundle is copied from %s: Debian's (the golang image's) is at %s", f.Src, caBundle)
			}
		default:
			if !strings.Contains(build, "-o "+f.Src+" ") {
				t.Errorf("the Dockerfile copies %s, its go build writes elsewhere: %s", f.Src, build)
			}
		}
	}
}

// imageChroot returns how to run a process chrooted into root: as root
// directly; otherwise in a new user namespace that maps this user to
// root inside it, which may chroot there (an unprivileged user
// namespace, as rootless containers use; the network namespace stays
// this process's either way).
func imageChroot(root string) *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{Chroot: root}
	if os.Geteuid() != 0 {
		attr.Cloneflags = syscall.CLONE_NEWUSER
		attr.UidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getuid(), Size: 1}}
		attr.GidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getgid(), Size: 1}}
	}
	return attr
}

// requireChroot skips the test unless the image's entrypoint starts
// chrooted into root (as root, or in a user namespace), and fails instead
// when CI=true: the image test must not quietly stop running in CI.
// (GitHub's Ubuntu 24.04 runners forbid unprivileged user namespaces by
// default, kernel.apparmor_restrict_unprivileged_userns=1: the workflows
// that run it lift that with sysctl.)
func requireChroot(t *testing.T, root string, spec imageSpec) {
	t.Helper()
	cmd := exec.Command(spec.Entrypoint[0], "version")
	cmd.Path = spec.Entrypoint[0] // in the root, not looked up here
	cmd.Dir = "/"
	cmd.SysProcAttr = imageChroot(root)
	cmd.Env = []string{}
	if out, err := cmd.CombinedOutput(); err != nil && cmd.ProcessState == nil {
		how := "as root"
		if os.Geteuid() != 0 {
			how = "in a user namespace (not root)"
		}
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true, and chrooting into the image's files %s fails: %v %s", how, err, out)
		}
		t.Skipf("chrooting into the image's files %s fails (%v): run the test as root, as CI does", how, err)
	}
}

// containerPath is the PATH BuildKit gives an image whose base sets none
// (scratch). The binary runs no program, so it only has to be there.
const containerPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// runInImage runs the image's entrypoint with args, chrooted into root,
// in the runner's working directory /github/workspace, with only env in
// its environment (nothing of this machine's, SSL_CERT_FILE included).
// The network namespace is this process's: 127.0.0.1 is the test's.
func runInImage(t *testing.T, root string, spec imageSpec, env []string, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, spec.Entrypoint[0], append(slices.Clone(spec.Entrypoint[1:]), args...)...)
	cmd.Path = spec.Entrypoint[0] // in the root, not looked up here
	cmd.Dir = "/github/workspace"
	cmd.Env = env
	cmd.SysProcAttr = imageChroot(root)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil && cmd.ProcessState == nil {
		t.Fatalf("%s %q in the image: %v", spec.Entrypoint[0], args, err)
	}
	return cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()
}

// testCA is a certificate authority of the test's own, and a server
// certificate it issued for 127.0.0.1.
type testCA struct {
	PEM  []byte // the CA certificate
	Leaf tls.Certificate
}

func newTestCA(t *testing.T) testCA {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	ca := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "authgate image test CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ = x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return testCA{
		PEM:  pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		Leaf: tls.Certificate{Certificate: [][]byte{leafDER}, PrivateKey: key},
	}
}

// serveTLS serves h over https on 127.0.0.1 with the CA's certificate.
func (c testCA) serveTLS(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{c.Leaf}}
	// A client without the CA rejects the handshake, on purpose: the
	// server's log of it is not news.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// TestReleaseImageRoot runs the release's binary, built as .goreleaser.yaml
// says for this machine, chrooted into exactly the files release.Dockerfile
// puts in the image (as root, or as root of a user namespace), with the
// runner's mounts (the workspace, HOME, the event and the file commands)
// added as the runner adds them: `version`; a scan of the demo API
// writing its reports into the workspace; a target by name, found only
// through the hosts file Docker mounts; https targets checked against
// the image's CA bundle and nothing else (a test CA's target fails with
// the TLS error until the CA is added to the bundle, then scans); and the
// Action (`authgate action`, as action.yml starts it) reporting to a
// GitHub API over https.
func TestReleaseImageRoot(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	if runtime.GOOS != "linux" {
		t.Skip("chroot into the image's files: linux only")
	}
	g := loadGoreleaser(t)
	platform := runtime.GOOS + "/" + runtime.GOARCH
	if !slices.Contains(g.DockersV2[0].Platforms, platform) {
		t.Skipf("the release has no image for this machine (%s)", platform)
	}
	spec := finalStage(t, g.DockersV2[0].Dockerfile)
	const commit = "0123456789abcdef0123456789abcdef01234567"
	bin := releaseBinary(t, g, "v9.9.9-image.1", commit, t.TempDir())
	root := t.TempDir()
	spec.layOut(t, root, spec.sources(t, platform, g.Builds[0].Binary, bin))

	// Nothing else is in the image: only the files and their directories.
	var inImage []string
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(root, p)
			inImage = append(inImage, "/"+filepath.ToSlash(rel))
		}
		return err
	})
	if want := slices.Sorted(slices.Values(spec.paths())); !slices.Equal(inImage, want) {
		t.Fatalf("the image's root holds %q, want %q", inImage, want)
	}
	requireChroot(t, root, spec)
	// The runner's mounts (docker run -v ... --workdir /github/workspace).
	for _, dir := range []string{"github/workspace", "github/home", "github/workflow", "github/file_commands"} {
		if err := os.MkdirAll(filepath.Join(root, dir), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	ws := filepath.Join(root, "github", "workspace")
	env := []string{containerPath, "HOME=/github/home"}
	auth := []string{"--auth", demo.Identities()[0].AuthHeader(), "--peer-auth", demo.Identities()[1].AuthHeader()}

	t.Run("version", func(t *testing.T) {
		code, stdout, stderr := runInImage(t, root, spec, env, "version")
		if want := "authgate v9.9.9-image.1 (revision " + commit; code != 0 || !strings.HasPrefix(stdout, want) {
			t.Errorf("version: exit %d, %q (stderr %q), want exit 0 and %q...", code, stdout, stderr, want)
		}
	})

	t.Run("scan writes its reports into the workspace", func(t *testing.T) {
		api := httptest.NewServer(demo.Vulnerable())
		defer api.Close()
		args := append([]string{"scan", api.URL, "--rate", "0",
			"-o", "/github/workspace/reports/authgate.json", "-o", "reports/authgate.sarif"}, auth...)
		if err := os.Mkdir(filepath.Join(ws, "reports"), 0o755); err != nil {
			t.Fatal(err)
		}
		code, _, stderr := runInImage(t, root, spec, env, args...)
		if code != 1 {
			t.Fatalf("scan of the vulnerable demo: exit %d, want 1 (gate failed); stderr:\n%s", code, stderr)
		}
		r := readWorkspaceReport(t, filepath.Join(ws, "reports", "authgate.json"))
		if r.Target != api.URL || !slices.ContainsFunc(r.Findings, func(f reportFinding) bool { return f.Rule == "bola-cross-user-read" }) {
			t.Errorf("report: target %s, findings %v; want %s and bola-cross-user-read", r.Target, r.Findings, api.URL)
		}
		entries, _ := os.ReadDir(filepath.Join(ws, "reports"))
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		if !slices.Equal(names, []string{"authgate.json", "authgate.sarif"}) {
			t.Errorf("the workspace's reports directory holds %q, want the two reports and nothing else", names)
		}
	})

	t.Run("a target by name, through the hosts file Docker mounts", func(t *testing.T) {
		// The image has no /etc/nsswitch.conf, /etc/hosts or
		// /etc/resolv.conf: Docker bind-mounts the last two into every
		// container, and Go's resolver then reads the hosts file before
		// asking DNS (here: no resolv.conf, so 127.0.0.1:53 and
		// [::1]:53, where nothing answers; .test names are never in
		// public DNS either).
		api := httptest.NewServer(demo.Vulnerable())
		defer api.Close()
		_, port, err := net.SplitHostPort(api.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		target := "http://preview.authgate.test:" + port
		args := append([]string{"scan", target, "--rate", "0", "--wait", "0s", "-o", "by-name.json"}, auth...)
		if code, _, stderr := runInImage(t, root, spec, env, args...); code != 3 || !strings.Contains(stderr, "preview.authgate.test") {
			t.Fatalf("scan of %s without a hosts file: exit %d, want 3 naming the host; stderr:\n%s", target, code, stderr)
		}
		hosts := filepath.Join(root, "etc", "hosts")
		if err := os.WriteFile(hosts, []byte("127.0.0.1\tlocalhost\n127.0.0.1\tpreview.authgate.test\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		defer os.Remove(hosts)
		if code, _, stderr := runInImage(t, root, spec, env, args...); code != 1 {
			t.Fatalf("scan of the vulnerable demo at %s, the name in the mounted hosts file: exit %d, want 1 (gate failed); stderr:\n%s", target, code, stderr)
		}
		r := readWorkspaceReport(t, filepath.Join(ws, "by-name.json"))
		if r.Target != target || r.Stats.Errors != 0 || !slices.ContainsFunc(r.Findings, func(f reportFinding) bool { return f.Rule == "bola-cross-user-read" }) {
			t.Errorf("report of the scan by name: target %s, %d errors, findings %v; want %s, none and bola-cross-user-read", r.Target, r.Stats.Errors, r.Findings, target)
		}
	})

	ca := newTestCA(t)
	secure := ca.serveTLS(t, demo.Secure())
	tlsScan := append([]string{"scan", secure.URL, "--rate", "0", "--wait", "0s", "-o", "tls.json"}, auth...)

	t.Run("https target of an unknown CA", func(t *testing.T) {
		code, _, stderr := runInImage(t, root, spec, env, tlsScan...)
		want := "authgate: target " + secure.URL + ": certificate signed by unknown authority (use --insecure-tls to accept a self-signed preview certificate)\n"
		if code != 3 || !strings.HasSuffix(stderr, want) {
			t.Errorf("scan of %s, whose CA the image's bundle lacks: exit %d, stderr:\n%s\nwant exit 3 and the last line\n%s", secure.URL, code, stderr, want)
		}
	})

	// The bundle the image ships, plus the test's CA: the binary trusts
	// what that file holds.
	bundle, err := os.OpenFile(filepath.Join(root, filepath.FromSlash(caBundle)), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatalf("the image has no CA bundle at %s: %v", caBundle, err)
	}
	if _, err := bundle.Write(ca.PEM); err != nil {
		t.Fatal(err)
	}
	if err := bundle.Close(); err != nil {
		t.Fatal(err)
	}

	t.Run("https target of a CA in the bundle", func(t *testing.T) {
		code, _, stderr := runInImage(t, root, spec, env, tlsScan...)
		if code != 0 {
			t.Fatalf("scan of the secure demo at %s, its CA in the image's bundle: exit %d, want 0; stderr:\n%s", secure.URL, code, stderr)
		}
		if r := readWorkspaceReport(t, filepath.Join(ws, "tls.json")); r.Target != secure.URL || r.Stats.Requests == 0 || r.Stats.Errors != 0 {
			t.Errorf("report of the https scan: target %s, %d requests, %d errors", r.Target, r.Stats.Requests, r.Stats.Errors)
		}
	})

	t.Run("the Action reports to GitHub over https", func(t *testing.T) {
		gh := ghtest.New(t)
		ghURL, _ := url.Parse(gh.URL)
		ghTLS := ca.serveTLS(t, httputil.NewSingleHostReverseProxy(ghURL))
		api := httptest.NewServer(demo.Vulnerable())
		defer api.Close()
		if err := os.WriteFile(filepath.Join(root, "github", "workflow", "event.json"),
			[]byte(`{"pull_request":{"number":9,"head":{"sha":"c0ffee1234","repo":{"full_name":"octo/shop"}},"base":{"repo":{"full_name":"octo/shop"}}}}`), 0o644); err != nil {
			t.Fatal(err)
		}
		action := append(slices.Clone(env),
			"GITHUB_ACTIONS=true", "CI=true", "GITHUB_EVENT_NAME=pull_request", "GITHUB_EVENT_PATH=/github/workflow/event.json",
			"GITHUB_REPOSITORY=octo/shop", "GITHUB_SHA=merge456", "GITHUB_WORKSPACE=/github/workspace",
			"GITHUB_WORKFLOW=authgate pull request", "GITHUB_JOB=scan", "GITHUB_RUN_ID=4242", "GITHUB_RUN_ATTEMPT=1",
			"GITHUB_SERVER_URL=https://github.com", "GITHUB_API_URL="+ghTLS.URL,
			"GITHUB_OUTPUT=/github/file_commands/set_output_1", "GITHUB_STEP_SUMMARY=/github/file_commands/step_summary_1",
			"INPUT_TARGET="+api.URL, "INPUT_AUTH-HEADER="+demo.Identities()[0].AuthHeader(),
			"INPUT_PEER-AUTH-HEADER="+demo.Identities()[1].AuthHeader(), "INPUT_GITHUB-TOKEN="+ghtest.Token,
			"INPUT_CHECK-NAME=authgate", "INPUT_ANNOTATE=true", "INPUT_SARIF=authgate.sarif", "INPUT_REPORT=authgate.json",
			"INPUT_RATE=0", "INPUT_WAIT=10s")
		code, stdout, stderr := runInImage(t, root, spec, action, "action")
		if code != 1 {
			t.Fatalf("the Action on the vulnerable demo: exit %d, want 1; stdout:\n%s\nstderr:\n%s", code, stdout, stderr)
		}
		runs := gh.CheckRuns()
		if len(runs) != 1 || runs[0].Conclusion != "failure" || len(gh.Comments("octo", "shop", 9)) != 1 {
			t.Errorf("GitHub over https got %d check runs (%+v) and %d comments, want one failed check run and one comment; stdout:\n%s",
				len(runs), runs, len(gh.Comments("octo", "shop", 9)), stdout)
		}
		if out, _ := os.ReadFile(filepath.Join(root, "github", "file_commands", "set_output_1")); !strings.Contains(string(out), "passed<<") {
			t.Errorf("no outputs written to GITHUB_OUTPUT:\n%s", out)
		}
		if summary, _ := os.ReadFile(filepath.Join(root, "github", "file_commands", "step_summary_1")); !strings.Contains(string(summary), "bola-cross-user-read") {
			t.Errorf("the job summary does not list the findings:\n%s", summary)
		}
		readWorkspaceReport(t, filepath.Join(ws, "authgate.json"))
	})
}

// reportFinding and workspaceReport are the parts of a JSON report the
// image test reads.
type reportFinding struct{ Rule string }

type workspaceReport struct {
	Target   string
	Findings []reportFinding
	Stats    struct{ Requests, Errors int }
}

func readWorkspaceReport(t *testing.T, path string) workspaceReport {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("report: %v", err)
	}
	var r workspaceReport
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatalf("report %s: %v", path, err)
	}
	return r
}

// platformBinary builds the binary for platform (os/arch) exactly as
// .goreleaser.yaml says, as releaseBinary does for this machine.
func platformBinary(t *testing.T, g goreleaser, platform, tag, commit, dir string) string {
	t.Helper()
	goos, goarch, _ := strings.Cut(platform, "/")
	b := g.Builds[0]
	fields := releaseFields(t, tag, commit)
	var ldflags []string
	for _, l := range b.Ldflags {
		ldflags = append(ldflags, render(t, l, fields))
	}
	bin := filepath.Join(dir, b.Binary)
	args := append([]string{"build"}, b.Flags...)
	args = append(args, "-ldflags="+strings.Join(ldflags, " "), "-o", bin, b.Main)
	cmd := exec.Command("go", args...)
	cmd.Env = append(append(os.Environ(), b.Env...), "GOOS="+goos, "GOARCH="+goarch)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("GOOS=%s GOARCH=%s go %s: %v\n%s", goos, goarch, strings.Join(args, " "), err, out)
	}
	return bin
}

// imageLayer is the layer of one COPY onto scratch, as BuildKit writes it:
// a tar of the directories above the file and the file, owned by root,
// the file's mode kept, dated mtime.
func imageLayer(t *testing.T, f imageFile, src string, mtime time.Time) []byte {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(src)
	if err != nil {
		t.Fatal(err)
	}
	name := strings.TrimPrefix(f.Path, "/")
	var dirs []string
	for d := path.Dir(name); d != "."; d = path.Dir(d) {
		dirs = append([]string{d}, dirs...)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, d := range dirs {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d + "/", Mode: 0o755, ModTime: mtime}); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: int64(fi.Mode().Perm()), Size: int64(len(data)), ModTime: mtime}); err != nil {
		t.Fatal(err)
	}
	tw.Write(data)
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// ociDescriptor is an OCI content descriptor.
type ociDescriptor struct {
	MediaType string       `json:"mediaType"`
	Digest    string       `json:"digest"`
	Size      int64        `json:"size"`
	Platform  *ociPlatform `json:"platform,omitempty"`
}

type ociPlatform struct {
	Architecture string `json:"architecture"`
	OS           string `json:"os"`
}

// ociBlob writes data into the OCI image layout at dir, by digest.
func ociBlob(t *testing.T, dir, mediaType string, data []byte) ociDescriptor {
	t.Helper()
	sum := sha256.Sum256(data)
	p := filepath.Join(dir, "blobs", "sha256", hex.EncodeToString(sum[:]))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return ociDescriptor{MediaType: mediaType, Digest: "sha256:" + hex.EncodeToString(sum[:]), Size: int64(len(data))}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// imageSize is what one platform's image weighs.
type imageSize struct {
	Files        []int64 // each file's bytes, in the spec's order
	Uncompressed int64   // the layers' tars: the unpacked image
	Layers       []int64 // each gzipped layer
	Pull         int64   // index, manifest, config and gzipped layers
}

// TestReleaseImageSize builds release.Dockerfile's image for every
// platform .goreleaser.yaml publishes, without Docker: the binary built
// as GoReleaser builds it, one layer per COPY (a tar of the file, gzipped
// as BuildKit pushes it), the config and the manifests of an OCI image
// layout. It logs, per platform, the unpacked size (what `docker image
// inspect` calls Size, ci.yml's 25 MB limit) and what a runner pulls, and
// fails over the budgets. .ci/run prints these lines.
func TestReleaseImageSize(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary for every platform of the image")
	}
	g := loadGoreleaser(t)
	d := g.DockersV2[0]
	spec := finalStage(t, d.Dockerfile)
	const tag, commit = "v9.9.9-image.1", "0123456789abcdef0123456789abcdef01234567"
	fields := releaseFields(t, tag, commit)
	labels := map[string]string{}
	for k, v := range d.Labels {
		labels[k] = render(t, v, fields)
	}
	created, err := time.Parse(time.RFC3339, fields["CommitDate"].(string))
	if err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	layout := filepath.Join(dir, "oci")
	sizes := map[string]*imageSize{}
	var manifests []ociDescriptor
	var caSource string
	for _, platform := range d.Platforms {
		goos, goarch, _ := strings.Cut(platform, "/")
		bin := platformBinary(t, g, platform, tag, commit, t.TempDir())
		sources := spec.sources(t, platform, g.Builds[0].Binary, bin)
		size := &imageSize{}
		var layers []ociDescriptor
		var diffIDs []string
		var history []map[string]string
		for i, f := range spec.Files {
			if f.Path == caBundle {
				caSource = sources[i]
			}
			fi, err := os.Stat(sources[i])
			if err != nil {
				t.Fatal(err)
			}
			size.Files = append(size.Files, fi.Size())
			layer := imageLayer(t, f, sources[i], created)
			diff := sha256.Sum256(layer)
			diffIDs = append(diffIDs, "sha256:"+hex.EncodeToString(diff[:]))
			size.Uncompressed += int64(len(layer))
			var gz bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&gz, gzip.DefaultCompression)
			zw.Write(layer)
			if err := zw.Close(); err != nil {
				t.Fatal(err)
			}
			desc := ociBlob(t, layout, "application/vnd.oci.image.layer.v1.tar+gzip", gz.Bytes())
			layers = append(layers, desc)
			size.Layers = append(size.Layers, desc.Size)
			history = append(history, map[string]string{"created": created.Format(time.RFC3339), "created_by": "COPY " + f.Src + " " + f.Path})
		}
		config := ociBlob(t, layout, "application/vnd.oci.image.config.v1+json", mustJSON(t, map[string]any{
			"created": created.Format(time.RFC3339), "architecture": goarch, "os": goos,
			"config":  map[string]any{"Env": []string{containerPath}, "Entrypoint": spec.Entrypoint, "Labels": labels},
			"rootfs":  map[string]any{"type": "layers", "diff_ids": diffIDs},
			"history": history,
		}))
		manifest := ociBlob(t, layout, "application/vnd.oci.image.manifest.v1+json", mustJSON(t, map[string]any{
			"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
			"config": config, "layers": layers,
		}))
		manifest.Platform = &ociPlatform{Architecture: goarch, OS: goos}
		manifests = append(manifests, manifest)
		size.Pull = manifest.Size + config.Size
		for _, l := range layers {
			size.Pull += l.Size
		}
		sizes[platform] = size
	}
	index := mustJSON(t, map[string]any{
		"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": manifests,
	})
	os.WriteFile(filepath.Join(layout, "index.json"), index, 0o644)
	os.WriteFile(filepath.Join(layout, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644)

	for _, platform := range d.Platforms {
		s := sizes[platform]
		s.Pull += int64(len(index))
		var files, gz []string
		for i, f := range spec.Files {
			files = append(files, fmt.Sprintf("%s %s", f.Path, thousands(s.Files[i])))
			gz = append(gz, thousands(s.Layers[i]))
		}
		t.Logf("image %s: %s bytes unpacked (%.2f MB; limit %s, ci.yml's on docker image inspect's Size): %s",
			platform, thousands(s.Uncompressed), float64(s.Uncompressed)/1e6, thousands(maxImageBytes), strings.Join(files, " + "))
		t.Logf("image %s: %s bytes to pull (%.2f MB; limit %s): gzipped layers %s, with the index, manifest and config",
			platform, thousands(s.Pull), float64(s.Pull)/1e6, thousands(maxImagePullBytes), strings.Join(gz, " + "))
		if s.Uncompressed > maxImageBytes {
			t.Errorf("image %s: %d bytes unpacked, over %d", platform, s.Uncompressed, maxImageBytes)
		}
		if s.Pull > maxImagePullBytes {
			t.Errorf("image %s: %d bytes to pull, over %d", platform, s.Pull, maxImagePullBytes)
		}
	}
	if caSource == "" {
		t.Fatalf("%s has no %s", d.Dockerfile, caBundle)
	}
	t.Logf("image CA certificates: measured with this machine's %s; the release ships Alpine's (%s), the same Mozilla list in PEM, about the same size",
		caSource, d.Dockerfile)
}

// thousands writes n with commas: 11,800,738.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
