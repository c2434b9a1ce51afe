package cli

import (
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// TestReview12AKeyAndWordlistBadInput pins the bad-input contract of the
// two new file flags (it passes today; only the missing, garbage, private
// and compressed cases were tested): a directory, an empty file, a binary
// file or a file too big given to --jwt-public-key or --jwt-wordlist is
// one error line naming the flag's file, exit code 2 (PRODUCT.md: usage
// or configuration error), and nothing is sent.
func TestReview12AKeyAndWordlistBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	spec := write("spec.yaml", []byte(hs256Spec))
	empty := write("empty", nil)
	blank := write("blank.txt", []byte("\r\n\n\r\n"))
	binary := write("random.bin", []byte{0xde, 0xad, 0xbe, 0xef, 0x00, 0x01, 0x02, 0xff, '\n'})
	huge := write("huge.pem", []byte(strings.Repeat("A", 2<<20)))
	sub := filepath.Join(dir, "keys.d")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string // in the one error line
	}{
		{"key: a directory", []string{"--jwt-public-key", sub}, "keys.d"},
		{"key: an empty file", []string{"--jwt-public-key", empty}, "empty"},
		{"key: binary", []string{"--jwt-public-key", binary}, "random.bin"},
		{"key: over 1 MiB", []string{"--jwt-public-key", huge}, "huge.pem"},
		{"wordlist: a directory", []string{"--jwt-wordlist", sub}, "keys.d"},
		{"wordlist: an empty file", []string{"--jwt-wordlist", empty}, "empty"},
		{"wordlist: only line endings", []string{"--jwt-wordlist", blank}, "blank.txt"},
		{"wordlist: binary", []string{"--jwt-wordlist", binary}, "random.bin"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var hits atomic.Int64
			srv := hs256API(t, "k", &hits)
			args := append([]string{"scan", srv.URL, "--openapi", spec, "--config", "", "--auth", "Authorization: Bearer " + hs256Token("k")}, tc.args...)
			code, _, stderr := run(t, args...)
			if code != ExitUsage {
				t.Fatalf("exit %d, want %d (usage); stderr: %q", code, ExitUsage, stderr)
			}
			if !strings.Contains(stderr, tc.want) || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
				t.Errorf("stderr %q: want one line naming %q", stderr, tc.want)
			}
			if n := hits.Load(); n != 0 {
				t.Errorf("%d requests sent before the bad file was refused", n)
			}
		})
	}
}
