package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPendingFileCommitReplacesWhole: the destination holds the earlier
// file until Commit, then the whole new one, readable by other users.
func TestPendingFileCommitReplacesWhole(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "authgate.json")
	if err := os.WriteFile(path, []byte(`{"old":true}`), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := CreatePending(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Write([]byte(`{"new":true}`)); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); string(got) != `{"old":true}` {
		t.Fatalf("before Commit the destination holds %q, want the old file", got)
	}
	if err := p.Commit(); err != nil {
		t.Fatal(err)
	}
	p.Discard() // deferred by callers: a no-op after Commit
	got, err := os.ReadFile(path)
	if err != nil || string(got) != `{"new":true}` {
		t.Fatalf("after Commit: %q, %v", got, err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != reportFileMode {
		t.Errorf("mode %v, want %v (upload-artifact may run as another user)", fi.Mode().Perm(), os.FileMode(reportFileMode))
	}
	assertOnly(t, dir, "authgate.json")
}

// TestPendingFileDiscardLeavesNothing: a run without a report neither
// creates an empty file nor touches an earlier one.
func TestPendingFileDiscardLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	fresh, kept := filepath.Join(dir, "authgate.sarif"), filepath.Join(dir, "authgate.json")
	if err := os.WriteFile(kept, []byte("good"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{fresh, kept} {
		p, err := CreatePending(path)
		if err != nil {
			t.Fatal(err)
		}
		p.Write([]byte("partial"))
		p.Discard()
		if _, err := p.Write([]byte("x")); err == nil {
			t.Error("Write after Discard succeeded")
		}
		if err := p.Commit(); err == nil {
			t.Error("Commit after Discard succeeded")
		}
	}
	if _, err := os.Stat(fresh); !os.IsNotExist(err) {
		t.Errorf("discarded %s exists: %v", fresh, err)
	}
	if got, _ := os.ReadFile(kept); string(got) != "good" {
		t.Errorf("an earlier report was changed to %q", got)
	}
	assertOnly(t, dir, "authgate.json")
}

func TestPendingFileBadPaths(t *testing.T) {
	dir := t.TempDir()
	for name, path := range map[string]string{
		"a directory":       dir,
		"missing directory": filepath.Join(dir, "no", "such", "authgate.json"),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := CreatePending(path)
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), path) || strings.Contains(err.Error(), ".tmp-") {
				t.Errorf("err = %v, want the destination named, not the temporary file", err)
			}
		})
	}
	assertOnly(t, dir)
}

// assertOnly fails unless dir holds exactly names (no temporary files).
func assertOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if strings.Join(got, ",") != strings.Join(names, ",") {
		t.Errorf("directory holds %v, want %v", got, names)
	}
}
