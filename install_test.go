package main

import (
	"archive/zip"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// installModulePath is the module users install: the README's go install line.
const installModulePath = "github.com/authgate/authgate"

// TestGoInstall is the README's install line, `go install
// github.com/authgate/authgate@latest`, offline: the current tree is
// served as a release v1.99.99 from a GOPROXY directory (the layout
// proxy.golang.org serves: @v/list, .info, .mod, .zip), its dependencies
// from the module cache's own download directory, into a module cache of
// its own (the real one never sees the fake version). The installed binary
// must report v1.99.99, the version the module proxy resolved, in `version`
// and in the report's tool.version.
func TestGoInstall(t *testing.T) {
	if testing.Short() {
		t.Skip("installs the module")
	}
	const ver = "v1.99.99" // v2 and up would need the module path to end in /v2
	proxy := t.TempDir()
	installProxyModule(t, proxy, ver)
	gobin := t.TempDir()
	env := append(os.Environ(), offlineInstallEnv(t, proxy, gobin)...)
	for _, query := range []string{"latest", ver} {
		cmd := exec.Command("go", "install", installModulePath+"@"+query)
		cmd.Dir = t.TempDir() // outside any module, as a user runs it
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go install %s@%s: %v\n%s", installModulePath, query, err, out)
		}
		bin := filepath.Join(gobin, "authgate")
		got := runVersionJSON(t, bin)
		if got.Version != ver || got.Revision != "" || got.Modified {
			t.Errorf("@%s: version --json = %+v, want version %s and no revision (a module from a proxy has no VCS)", query, got, ver)
		}
		if line := runVersionLine(t, bin); !strings.HasPrefix(line, "authgate "+ver+" (go1.") {
			t.Errorf("@%s: version = %q, want authgate %s (goX.Y.Z)", query, line, ver)
		}
		if query == "latest" {
			checkReportVersions(t, bin, ver)
		}
	}
}

// offlineInstallEnv is the environment in which `go install
// github.com/authgate/authgate@…` resolves against the GOPROXY directory
// proxy (installProxyModule) and, for the dependencies, the module cache's
// own download directory, offline, into a module cache of its own (the
// real one never sees the fake version), installing into gobin.
//
// -trimpath (in GOFLAGS, so that a command run verbatim gets it too) and
// CGO_ENABLED=0 only let the build reuse the compiled packages of the other
// tests (a module cache elsewhere is another source directory); the
// version comes from the same build information either way.
func offlineInstallEnv(t *testing.T, proxy, gobin string) []string {
	t.Helper()
	realCache := installGoEnv(t, "GOMODCACHE")
	return []string{
		"GOPROXY=file://" + filepath.ToSlash(proxy) + ",file://" + filepath.ToSlash(filepath.Join(realCache, "cache", "download")) + ",off",
		"GOMODCACHE=" + t.TempDir(),
		"GOFLAGS=-modcacherw -trimpath", // -modcacherw: t.TempDir can remove it
		"GOSUMDB=off",                   // a fake version has no checksum database entry; dependencies are checked against the module's go.sum
		"GONOSUMDB=" + installModulePath,
		"GOTOOLCHAIN=local",
		"GOBIN=" + gobin,
		"CGO_ENABLED=0",
		"GOWORK=off",
	}
}

// installProxyModule writes the current tree as module version ver into a
// GOPROXY directory.
func installProxyModule(t *testing.T, proxy, ver string) {
	t.Helper()
	dir := filepath.Join(proxy, filepath.FromSlash(installModulePath), "@v")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	gomod, err := os.ReadFile("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	info, _ := json.Marshal(map[string]string{"Version": ver, "Time": "2026-12-01T00:00:00Z"})
	for name, data := range map[string][]byte{
		"list":        []byte(ver + "\n"),
		ver + ".info": info,
		ver + ".mod":  gomod,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.Create(filepath.Join(dir, ver+".zip"))
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for _, rel := range installModuleFiles(t, ".") {
		data := moduleFileData(t, rel)
		w, err := zw.Create(installModulePath + "@" + ver + "/" + rel)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// archivePlaceholders are cli/archive_version.txt's git archive
// placeholders by key, as committed (cli's TestArchiveVersionFile checks
// that the file holds exactly these).
var archivePlaceholders = map[string]string{
	"commit": "$Format:%H$",
	"time":   "$Format:%cI$",
	"tag":    "$Format:%(describe:tags=true,match=v[0-9]*.[0-9]*.[0-9]*)$",
}

// moduleFileData is the module file rel (slash-separated) as a git
// checkout holds it, and so as a module zip does: the go command turns git
// archive's export-subst off when it makes one (cmd/go's
// ensureGitAttributes, golang.org/issue/27153), so cli/archive_version.txt
// keeps its placeholders there. Tests run in an extracted source archive,
// where git archive filled them in, get them back.
func moduleFileData(t *testing.T, rel string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.FromSlash(rel))
	if err != nil {
		t.Fatal(err)
	}
	if rel != archiveVersionFile || strings.Contains(string(data), "$Format:") {
		return data
	}
	var b strings.Builder
	for line := range strings.Lines(string(data)) {
		if key, _, ok := strings.Cut(line, ":"); ok && archivePlaceholders[key] != "" {
			line = key + ": " + archivePlaceholders[key] + "\n"
		}
		b.WriteString(line)
	}
	return []byte(b.String())
}

// installModuleFiles lists the files of the module rooted at root that its module
// zip holds (slash-separated, relative to root), the way the go command's
// module zip rules pick them: regular files only, no version-control
// directories, no nested modules (a directory with its own go.mod), no
// vendor directory. Beyond those rules it leaves out what .gitignore keeps
// out of a release tag's tree (node_modules, the built binary, dist/,
// test binaries, profiles) and Python's byte-code caches.
func installModuleFiles(t *testing.T, root string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel == "." {
				return nil
			}
			switch d.Name() {
			case ".git", ".hg", ".svn", ".bzr", "node_modules", "vendor", "__pycache__":
				return filepath.SkipDir
			}
			if rel == "dist" {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		if rel == "authgate" || strings.HasSuffix(rel, ".test") || strings.HasSuffix(rel, ".out") {
			return nil
		}
		files = append(files, rel)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no module files found")
	}
	return files
}

// installGoEnv is one `go env` value.
func installGoEnv(t *testing.T, name string) string {
	t.Helper()
	out, err := exec.Command("go", "env", name).Output()
	if err != nil {
		t.Fatalf("go env %s: %v", name, err)
	}
	v := strings.TrimSpace(string(out))
	if v == "" {
		t.Fatalf("go env %s is empty", name)
	}
	return v
}
