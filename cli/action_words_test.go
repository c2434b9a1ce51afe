package cli

import (
	"bytes"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authgate/authgate/demo"
	"github.com/authgate/authgate/ghapi/ghtest"
	"github.com/authgate/authgate/report"
)

// TestInputWords: the flags with an Action input of another name become
// that input; longer flags that start alike, and flags whose input has
// the same name, are left alone.
func TestInputWords(t *testing.T) {
	for in, want := range map[string]string{
		`identity "primary" (--auth) is rejected: GET /api/me answered 401`: `identity "primary" (auth-header) is rejected: GET /api/me answered 401`,
		"needs two identities of the same role (--auth and --peer-auth)":    "needs two identities of the same role (auth-header and peer-auth-header)",
		"add it with --endpoint \"GET /x\"; runs only with --mode active":   "add it with endpoints \"GET /x\"; runs only with --mode active",
		"--auth-header and --authx are not flags; --auth, --peer-auth.":     "--auth-header and --authx are not flags; auth-header, peer-auth-header.",
		"no flag here: a-b --, GET /auth --":                                "no flag here: a-b --, GET /auth --",
	} {
		if got := inputWords(in); got != want {
			t.Errorf("inputWords(%q)\n = %q\nwant %q", in, got, want)
		}
	}
}

// TestInputWordsWriter rewrites whole lines, also when a flag is split
// across writes, and writes an unfinished line on Flush.
func TestInputWordsWriter(t *testing.T) {
	var out bytes.Buffer
	w := &inputWordsWriter{w: &out}
	for _, s := range []string{"authgate: identity \"peer\" (--pe", "er-auth) is not verified\nauthgate: warn", "ing: --auth"} {
		if _, err := w.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	if want := "authgate: identity \"peer\" (peer-auth-header) is not verified\n"; out.String() != want {
		t.Errorf("before Flush: %q, want %q", out.String(), want)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if want := "authgate: identity \"peer\" (peer-auth-header) is not verified\nauthgate: warning: auth-header"; out.String() != want {
		t.Errorf("after Flush: %q, want %q", out.String(), want)
	}
}

// TestActionNamesItsInputs: the Action's messages name its inputs, not
// the CLI's flags. A rejected auth-header is named so in the error line
// and the summary; without peer-auth-header, the cross-user rules'
// coverage says to give peer-auth-header, in the JSON report and the
// summary. The CLI's own run of the same scan still names --peer-auth.
func TestActionNamesItsInputs(t *testing.T) {
	api := httptest.NewServer(demo.Secure())
	defer api.Close()
	gh := ghtest.New(t)

	t.Run("rejected auth-header", func(t *testing.T) {
		r := newActionRun(t, t.TempDir(), api.URL, gh.URL, prEvent)
		r.env["INPUT_AUTH-HEADER"] = "Authorization: Bearer not-a-token"
		if code := r.run(); code != ExitScanFailed {
			t.Fatalf("exit %d, want 3\n%s\n%s", code, r.log.String(), r.stderr.String())
		}
		line := assertVerdictAfterGroup(t, r.log.String(), "::error::authgate could not scan ")
		sum, _ := os.ReadFile(r.env["GITHUB_STEP_SUMMARY"])
		const want = `identity "primary" (auth-header) is rejected`
		for name, text := range map[string]string{"error line": line, "summary": string(sum), "log": r.stderr.String()} {
			if name == "summary" {
				text = strings.Replace(text, report.EscapeMarkdown(want), want, 1)
			}
			if !strings.Contains(text, want) || strings.Contains(text, "--auth") {
				t.Errorf("the %s does not name the input auth-header:\n%s", name, text)
			}
		}
	})

	t.Run("no peer-auth-header", func(t *testing.T) {
		ws := t.TempDir()
		r := newActionRun(t, ws, api.URL, gh.URL, prEvent)
		delete(r.env, "INPUT_PEER-AUTH-HEADER")
		r.run()
		rep := readReport(t, filepath.Join(ws, "authgate.json"))
		sum, _ := os.ReadFile(r.env["GITHUB_STEP_SUMMARY"])
		found := false
		for _, rc := range rep.Coverage.Rules {
			if rc.Rule != "bola-cross-user-read" {
				continue
			}
			found = true
			if !strings.Contains(rc.Reason, "peer-auth-header") || strings.Contains(rc.Reason, "--peer-auth") {
				t.Errorf("bola-cross-user-read's reason %q does not name the input peer-auth-header", rc.Reason)
			}
			if !strings.Contains(string(sum), report.EscapeMarkdown(rc.Reason)) {
				t.Errorf("the summary does not give the reason %q:\n%s", rc.Reason, sum)
			}
		}
		if !found {
			t.Fatal("no coverage for bola-cross-user-read")
		}
		if strings.Contains(string(sum), "--auth") || strings.Contains(string(sum), "--peer-auth") {
			t.Errorf("the summary names a flag:\n%s", sum)
		}

		jsonPath := filepath.Join(t.TempDir(), "r.json")
		run(t, "scan", api.URL, "--auth", "Authorization: Bearer "+demo.AliceToken, "--rate", "0", "-o", "json="+jsonPath)
		for _, rc := range readReport(t, jsonPath).Coverage.Rules {
			if rc.Rule == "bola-cross-user-read" && !strings.Contains(rc.Reason, "--peer-auth") {
				t.Errorf("the CLI's reason %q does not name --peer-auth", rc.Reason)
			}
		}
	})
}
