package cli

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/authgate/authgate/demo"
)

// TestNoReportFileWithoutAReport: a scan that could not run (exit 3)
// leaves no empty authgate.json / authgate.sarif for a later step to
// upload as a baseline, and keeps an earlier good report untouched.
func TestNoReportFileWithoutAReport(t *testing.T) {
	dir := t.TempDir()
	jsonPath, sarifPath := filepath.Join(dir, "authgate.json"), filepath.Join(dir, "authgate.sarif")
	scan := func() {
		t.Helper()
		code, _, stderr := run(t, "scan", "http://"+freePort(t), "--wait", "100ms", "--config", "",
			"-o", "json="+jsonPath, "-o", "sarif="+sarifPath)
		if code != ExitScanFailed {
			t.Fatalf("exit %d, want 3: %s", code, stderr)
		}
	}
	scan()
	assertFiles(t, dir)

	const good = `{"schema":"authgate/report/v1","score":90}`
	if err := os.WriteFile(jsonPath, []byte(good), 0o644); err != nil {
		t.Fatal(err)
	}
	scan()
	if got, _ := os.ReadFile(jsonPath); string(got) != good {
		t.Errorf("an earlier report was replaced by %q", got)
	}
	assertFiles(t, dir, "authgate.json")
}

// TestBaselineMayBeTheOutput: the report file is replaced only once the
// new report is complete, so the baseline it held is read first (it used
// to be truncated before the scan, an exit 2).
func TestBaselineMayBeTheOutput(t *testing.T) {
	api := httptest.NewServer(demo.Vulnerable())
	defer api.Close()
	dir := t.TempDir()
	path := filepath.Join(dir, "authgate.json")
	args := []string{"scan", api.URL, "--rate", "0", "--config", "", "--fail-on", "none", "--fail-under", "0", "-o", path}
	if code, _, stderr := run(t, args...); code != ExitPassed {
		t.Fatalf("first scan: exit %d: %s", code, stderr)
	}
	first := readReport(t, path)
	if code, _, stderr := run(t, append(args, "--baseline", path)...); code != ExitPassed {
		t.Fatalf("scan against its own output: exit %d: %s", code, stderr)
	}
	second := readReport(t, path)
	if second.Baseline == nil || second.Baseline.New != 0 || second.Baseline.Unchanged != len(first.Findings) || len(first.Findings) == 0 {
		t.Errorf("baseline = %+v, want every one of %d findings unchanged", second.Baseline, len(first.Findings))
	}
	assertFiles(t, dir, "authgate.json")
}

// assertFiles fails unless dir holds exactly names: no empty report, no
// temporary file left behind.
func assertFiles(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, e := range entries {
		got[e.Name()] = true
	}
	for _, n := range names {
		if !got[n] {
			t.Errorf("%s is missing", n)
		}
		delete(got, n)
	}
	for n := range got {
		t.Errorf("unexpected file %s left in the output directory", n)
	}
}
