package cli

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/config"
)

const testTarget = "https://preview.example.com"

// testSecret is a credential that must never appear in an error.
const testSecret = "tok-3f9a-SECRET"

// inDir runs the test in a fresh working directory holding the given
// files, so that no stray .authgate.yml is read.
func inDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
	return dir
}

var stdoutText = []config.Output{{Format: "text", Path: "-"}}

func TestParseScanFlags(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string // in the working directory
		args  []string
		check func(t *testing.T, c config.Config)
	}{
		{
			name: "defaults",
			args: []string{testTarget},
			check: func(t *testing.T, c config.Config) {
				want := config.Default()
				want.Target = testTarget
				want.Outputs = stdoutText
				if !reflect.DeepEqual(c, want) {
					t.Errorf("got  %+v\nwant %+v", c, want)
				}
			},
		},
		{
			name: "every flag",
			args: []string{
				"--openapi", "spec.yaml", "--endpoint", "GET /a", "--endpoint=post /b",
				"--auth", "Authorization: Bearer a", "--peer-auth", "Authorization: Bearer b",
				"--mode", "active", "--format", "markdown", "-o", "r.json", "--output", "sarif=r.out",
				"--fail-under", "80", "--fail-on", "critical", "--baseline", "base.json",
				"--baseline-url", "https://prod.example.com", "--max-score-drop", "3",
				"--rate", "2.5", "--concurrency", "16", "--timeout", "3s", "--budget", "99",
				"--shard", "2/3", "--wait", "1m", "--max-duration", "15m", "--no-discovery", testTarget,
			},
			check: func(t *testing.T, c config.Config) {
				want := config.Config{
					Target: testTarget, OpenAPI: "spec.yaml",
					Endpoints: []string{"GET /a", "post /b"},
					Auth:      []string{"Authorization: Bearer a"},
					PeerAuth:  []string{"Authorization: Bearer b"},
					Mode:      "active",
					Outputs:   []config.Output{{Format: "markdown", Path: "-"}, {Format: "json", Path: "r.json"}, {Format: "sarif", Path: "r.out"}},
					FailUnder: 80, FailUnderSet: true, FailOn: "critical", Baseline: "base.json",
					BaselineURL: "https://prod.example.com", MaxScoreDrop: 3,
					Rate: 2.5, Concurrency: 16, Timeout: 3 * time.Second, Budget: 99, BudgetSet: true,
					Shard: config.Shard{Index: 2, Count: 3}, Wait: time.Minute, MaxDuration: 15 * time.Minute,
				}
				if !reflect.DeepEqual(c, want) {
					t.Errorf("got  %+v\nwant %+v", c, want)
				}
			},
		},
		{
			name: "single-dash flags",
			args: []string{"-rate", "7", "-mode=active", testTarget},
			check: func(t *testing.T, c config.Config) {
				if c.Rate != 7 || c.Mode != "active" {
					t.Errorf("rate %v mode %q; want 7 active", c.Rate, c.Mode)
				}
			},
		},
		{
			name: "flags after TARGET",
			args: []string{"--rate", "3", testTarget, "--mode", "active", "--wait=0s"},
			check: func(t *testing.T, c config.Config) {
				if c.Target != testTarget || c.Rate != 3 || c.Mode != "active" || c.Wait != 0 {
					t.Errorf("got target %q rate %v mode %q wait %v", c.Target, c.Rate, c.Mode, c.Wait)
				}
			},
		},
		{
			name: "TARGET after --",
			args: []string{"--rate", "3", "--", testTarget},
			check: func(t *testing.T, c config.Config) {
				if c.Target != testTarget || c.Rate != 3 {
					t.Errorf("got target %q rate %v", c.Target, c.Rate)
				}
			},
		},
		{
			name: "-- as a flag's value is not a terminator",
			args: []string{"--baseline", "--", testTarget},
			check: func(t *testing.T, c config.Config) {
				if c.Baseline != "--" || c.Target != testTarget {
					t.Errorf("baseline %q target %q; want -- and the target", c.Baseline, c.Target)
				}
			},
		},
		{
			name: "repeatable flags accumulate",
			args: []string{testTarget, "--auth", "Authorization: Bearer a", "--endpoint", "GET /a", "--auth", "X-Tenant: t", "--endpoint", "GET /b"},
			check: func(t *testing.T, c config.Config) {
				if !slices.Equal(c.Auth, []string{"Authorization: Bearer a", "X-Tenant: t"}) {
					t.Errorf("Auth = %q", c.Auth)
				}
				if !slices.Equal(c.Endpoints, []string{"GET /a", "GET /b"}) {
					t.Errorf("Endpoints = %q", c.Endpoints)
				}
			},
		},
		{
			name:  "config file over defaults",
			files: map[string]string{".authgate.yml": "target: " + testTarget + "\nrate: 9\nmode: active\nendpoints: [GET /file]\n"},
			args:  nil,
			check: func(t *testing.T, c config.Config) {
				if c.Target != testTarget || c.Rate != 9 || c.Mode != "active" || !slices.Equal(c.Endpoints, []string{"GET /file"}) {
					t.Errorf("got %+v; want the file's values", c)
				}
				if c.Concurrency != config.DefaultConcurrency {
					t.Errorf("Concurrency = %d; want the default", c.Concurrency)
				}
			},
		},
		{
			name:  "flags over config file",
			files: map[string]string{".authgate.yml": "target: https://file.example\nrate: 9\nmode: active\n"},
			args:  []string{"--rate", "1", testTarget},
			check: func(t *testing.T, c config.Config) {
				if c.Target != testTarget || c.Rate != 1 || c.Mode != "active" {
					t.Errorf("target %q rate %v mode %q; want flag target, flag rate, file mode", c.Target, c.Rate, c.Mode)
				}
			},
		},
		{
			name: "list flags replace the file's lists",
			files: map[string]string{".authgate.yml": "auth: ['Authorization: Bearer file']\n" +
				"endpoints: [GET /file]\npeerAuth: ['Authorization: Bearer peer']\n"},
			args: []string{testTarget, "--auth", "Authorization: Bearer a", "--auth", "X-Tenant: t", "--endpoint", "GET /flag"},
			check: func(t *testing.T, c config.Config) {
				if !slices.Equal(c.Auth, []string{"Authorization: Bearer a", "X-Tenant: t"}) {
					t.Errorf("Auth = %q; want only the flags'", c.Auth)
				}
				if !slices.Equal(c.Endpoints, []string{"GET /flag"}) {
					t.Errorf("Endpoints = %q; want only the flag's", c.Endpoints)
				}
				if !slices.Equal(c.PeerAuth, []string{"Authorization: Bearer peer"}) {
					t.Errorf("PeerAuth = %q; want the file's (no flag given)", c.PeerAuth)
				}
			},
		},
		{
			name:  "explicit --config",
			files: map[string]string{".authgate.yml": "rate: 9\n", "ci/scan.yml": "rate: 4\n"},
			args:  []string{"--config", "ci/scan.yml", testTarget},
			check: func(t *testing.T, c config.Config) {
				if c.Rate != 4 {
					t.Errorf("Rate = %v; want 4 from --config, not the default file", c.Rate)
				}
			},
		},
		{
			name:  "--config empty reads no file",
			files: map[string]string{".authgate.yml": "rate: 9\n"},
			args:  []string{"--config=", testTarget},
			check: func(t *testing.T, c config.Config) {
				if c.Rate != config.DefaultRate {
					t.Errorf("Rate = %v; want the default", c.Rate)
				}
			},
		},
		{
			name: "--format alone goes to stdout",
			args: []string{testTarget, "--format", "json"},
			check: func(t *testing.T, c config.Config) {
				wantOutputs(t, c, config.Output{Format: "json", Path: "-"})
			},
		},
		{
			name: "-o alone infers the format and writes nothing to stdout",
			args: []string{testTarget, "-o", "out/authgate.sarif", "-o", "junit=results"},
			check: func(t *testing.T, c config.Config) {
				wantOutputs(t, c, config.Output{Format: "sarif", Path: "out/authgate.sarif"}, config.Output{Format: "junit", Path: "results"})
			},
		},
		{
			name: "--format and -o together",
			args: []string{testTarget, "--format", "text", "--output", "authgate.json"},
			check: func(t *testing.T, c config.Config) {
				wantOutputs(t, c, config.Output{Format: "text", Path: "-"}, config.Output{Format: "json", Path: "authgate.json"})
			},
		},
		{
			name:  "config file outputs",
			files: map[string]string{".authgate.yml": "output: [a.json, b.md]\n"},
			args:  []string{testTarget},
			check: func(t *testing.T, c config.Config) {
				wantOutputs(t, c, config.Output{Format: "json", Path: "a.json"}, config.Output{Format: "markdown", Path: "b.md"})
			},
		},
		{
			name:  "-o replaces the file's format and output",
			files: map[string]string{".authgate.yml": "format: markdown\noutput: [a.json]\n"},
			args:  []string{testTarget, "-o", "c.sarif"},
			check: func(t *testing.T, c config.Config) {
				wantOutputs(t, c, config.Output{Format: "sarif", Path: "c.sarif"})
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			inDir(t, tc.files)
			var stderr bytes.Buffer
			c, err := parseScanFlags(tc.args, &stderr)
			if err != nil {
				t.Fatalf("parseScanFlags(%q): %v", tc.args, err)
			}
			if stderr.Len() != 0 {
				t.Errorf("stderr = %q; want nothing", stderr.String())
			}
			tc.check(t, c)
		})
	}
}

func wantOutputs(t *testing.T, c config.Config, want ...config.Output) {
	t.Helper()
	if !slices.Equal(c.Outputs, want) {
		t.Errorf("Outputs = %+v; want %+v", c.Outputs, want)
	}
}

func TestParseScanFlagsErrors(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		args    []string
		wantErr string // substring
	}{
		{name: "unknown flag", args: []string{testTarget, "--rat", "5"}, wantErr: "unknown flag --rat (authgate scan -h for help)"},
		{name: "unknown short flag", args: []string{"-x", testTarget}, wantErr: "unknown flag -x"},
		{name: "missing value", args: []string{testTarget, "--rate"}, wantErr: "--rate needs a value"},
		{name: "missing -o value", args: []string{testTarget, "-o"}, wantErr: "-o needs a value"},
		{name: "bad duration", args: []string{testTarget, "--timeout", "10"}, wantErr: "--timeout: want a duration such as 10s"},
		{name: "bad wait", args: []string{"--wait", "soon", testTarget}, wantErr: "--wait: want a duration"},
		{name: "bad int", args: []string{testTarget, "--fail-under", "high"}, wantErr: "--fail-under: want a whole number"},
		{name: "bad rate", args: []string{testTarget, "--rate", "fast"}, wantErr: "--rate: want a number"},
		{name: "NaN rate", args: []string{testTarget, "--rate", "NaN"}, wantErr: "rate: NaN"},
		{name: "bad shard", args: []string{testTarget, "--shard", "5/4"}, wantErr: "--shard: the shard index must be between 1 and 4, got 5"},
		{name: "malformed shard", args: []string{testTarget, "--shard", "two"}, wantErr: `--shard: want "I/N"`},
		{name: "missing target", args: []string{"--rate", "5"}, wantErr: "target: required"},
		{name: "two targets", args: []string{testTarget, "https://other.example"}, wantErr: "scan takes one TARGET, got 2 arguments"},
		{name: "relative target", args: []string{"preview.example.com"}, wantErr: "target: not an absolute URL"},
		{name: "bad mode", args: []string{testTarget, "--mode", "loud"}, wantErr: `mode: "loud" is not one of safe, active`},
		{name: "bad endpoint", args: []string{testTarget, "--endpoint", "GRAB /x"}, wantErr: `endpoint #1: unknown HTTP method "GRAB"`},
		{name: "bad format", args: []string{testTarget, "--format", "pdf"}, wantErr: `format: unknown report format "pdf"`},
		{name: "two formats on stdout", args: []string{testTarget, "--format", "json,sarif"}, wantErr: "only one report can go to stdout"},
		{name: "uninferable output", args: []string{testTarget, "-o", "report.pdf"}, wantErr: `cannot tell the report format of "report.pdf"`},
		{name: "missing explicit config", args: []string{"--config", "nope.yml", testTarget}, wantErr: "nope.yml"},
		{name: "bad default config", files: map[string]string{".authgate.yml": "rate: 1\nrat: 2\n"}, args: []string{testTarget}, wantErr: `.authgate.yml:2: unknown field "rat"`},
		{name: "invalid value in config", files: map[string]string{".authgate.yml": "concurrency: 0\n"}, args: []string{testTarget}, wantErr: "concurrency: 0 is outside"},
		// Credentials must not be echoed, however they are mistyped.
		{name: "auth without colon", args: []string{testTarget, "--auth", "Bearer " + testSecret}, wantErr: `auth #1: want "Header: value"`},
		{name: "auth with bad name", args: []string{testTarget, "--auth", "Token " + testSecret + ": x"}, wantErr: "auth #1: the header name is not a valid"},
		{name: "peer-auth with CRLF", args: []string{testTarget, "--peer-auth", "X-K: a\r\nX-Evil: " + testSecret}, wantErr: `peer-auth #1: header "X-K": the value contains a control character`},
		{name: "unquoted auth", args: []string{testTarget, "--auth", "Authorization:", "Bearer", testSecret}, wantErr: "scan takes one TARGET, got 3 arguments"},
		{name: "credentials in target", args: []string{"https://admin:" + testSecret + "@x.example"}, wantErr: "target: credentials in the URL are refused"},
		{name: "bad flag syntax", args: []string{testTarget, "---auth=Authorization: Bearer " + testSecret}, wantErr: "bad flag syntax"},
		{name: "credential in a number flag", args: []string{testTarget, "--timeout", "Bearer " + testSecret}, wantErr: "--timeout: want a duration"},
		{name: "credential in the config file", files: map[string]string{".authgate.yml": "auth:\n  - [" + testSecret + "]\n"}, args: []string{testTarget}, wantErr: "auth: item 1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			inDir(t, tc.files)
			var stderr bytes.Buffer
			_, err := parseScanFlags(tc.args, &stderr)
			if err == nil {
				t.Fatalf("parseScanFlags(%q) succeeded; want an error containing %q", tc.args, tc.wantErr)
			}
			if !errors.Is(err, config.ErrInvalid) {
				t.Errorf("error %q does not wrap config.ErrInvalid", err)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.wantErr) {
				t.Errorf("error %q does not contain %q", msg, tc.wantErr)
			}
			if strings.ContainsAny(msg, "\r\n") {
				t.Errorf("error %q is not one line", msg)
			}
			if strings.Contains(msg, testSecret) || strings.Contains(stderr.String(), testSecret) {
				t.Errorf("a credential was echoed: error %q, stderr %q", msg, stderr.String())
			}
			if stderr.Len() != 0 {
				t.Errorf("stderr = %q; want nothing (the caller prints the error)", stderr.String())
			}
		})
	}
}

func TestParseScanFlagsHelp(t *testing.T) {
	for _, arg := range []string{"-h", "--help", "-help"} {
		t.Run(arg, func(t *testing.T) {
			inDir(t, nil)
			var stderr bytes.Buffer
			_, err := parseScanFlags([]string{testTarget, arg}, &stderr)
			if !errors.Is(err, flag.ErrHelp) {
				t.Fatalf("err = %v; want flag.ErrHelp", err)
			}
			if !strings.Contains(stderr.String(), "Usage: authgate scan TARGET") {
				t.Errorf("stderr = %q; want the usage", stderr.String())
			}
		})
	}
}

// TestScanUsageNamesEveryFlag keeps the hand-written usage in step with
// the flags that exist.
func TestScanUsageNamesEveryFlag(t *testing.T) {
	fset := (&scanFlags{replaced: map[string]bool{}}).flagSet()
	n := 0
	fset.VisitAll(func(f *flag.Flag) {
		n++
		dashes := "--"
		if len(f.Name) == 1 {
			dashes = "-"
		}
		if !strings.Contains(scanUsage, dashes+f.Name+" ") && !strings.Contains(scanUsage, dashes+f.Name+",") {
			t.Errorf("the usage does not mention %s%s", dashes, f.Name)
		}
	})
	if n < 20 {
		t.Errorf("only %d flags defined; the contract has 20 (with -o and --output)", n)
	}
}

func TestEndedAtTerminator(t *testing.T) {
	tests := []struct {
		name     string
		consumed []string
		want     bool
	}{
		{"nothing consumed", nil, false},
		{"terminator alone", []string{"--"}, true},
		{"terminator after a flag and value", []string{"--rate", "5", "--"}, true},
		{"terminator after flag=value", []string{"--rate=5", "--"}, true},
		{"-- as a value", []string{"--baseline", "--"}, false},
		{"stopped at a positional", []string{"--rate", "5"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := endedAtTerminator(tc.consumed); got != tc.want {
				t.Errorf("endedAtTerminator(%q) = %v; want %v", tc.consumed, got, tc.want)
			}
		})
	}
}
