package flaskdynamodb_test

// The end-to-end test of the motivating case: the three Flask apps of this
// directory run as real processes on a real local DynamoDB (dynalite), and
// the authgate binary scans each one as a user would. It checks the apps
// themselves first, so that a broken example cannot make the scanner look
// right (or wrong) by accident.

import (
	"bytes"
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/report"
)

// Exit codes of PRODUCT.md, written out rather than taken from package cli:
// they are what a CI job sees, so this test pins the numbers themselves.
const (
	exitPassed     = 0 // scan ran, gate passed
	exitGateFailed = 1 // scan ran, gate failed
)

const (
	// python is Debian's interpreter: python3-flask and python3-boto3 are
	// installed for it, not for whatever python3 comes first on PATH.
	python = "/usr/bin/python3"
	// dynaliteBin is installed by `npm ci --prefix examples/flask-dynamodb`.
	dynaliteBin = "node_modules/.bin/dynalite"
	// modulePath identifies the repository root two levels up.
	modulePath = "github.com/authgate/authgate"

	// publishedToken is app_published_fix.py's one shared token.
	publishedToken = "s3cr3t-token"
	// aliceToken belongs to user 1001 (the spec's example), bobToken to
	// 1002, in app_fixed.py.
	aliceToken = "alice-token"
	bobToken   = "bob-token"
	// appTokens is app_fixed.py's token table, set explicitly so that the
	// caller's environment cannot change it.
	appTokens = aliceToken + "=1001," + bobToken + "=1002"

	// usersTable holds the five users of seed.py; twoUsersTable only
	// alice (1001) and bob (1002): the founding case of issue 10, where
	// no third person's record exists to be guessed.
	usersTable    = "users"
	twoUsersTable = "two_users"
	// tokenLifetime is the lifetime of the test's JWTs: short, as an
	// identity provider's access tokens are.
	tokenLifetime = time.Hour

	// startTimeout bounds how long a started process may take to answer
	// HTTP. It only stops a hung test; a slow, loaded CI machine is
	// expected to need a few seconds, not a minute.
	startTimeout = time.Minute
	// pollInterval is how often a starting process is asked again.
	pollInterval = 100 * time.Millisecond
	// requestTimeout bounds one sanity-check request to a local app.
	requestTimeout = 30 * time.Second
	// scanTimeout bounds one authgate run, so that a scanner that hangs
	// fails this test with its output instead of the whole go test run.
	scanTimeout = 5 * time.Minute
	// waitDelay is how long to wait for a killed process's output pipes.
	waitDelay = 5 * time.Second
	// overLongKey is a key length over DynamoDB's 2,048-byte limit for a
	// partition key, which makes get_item raise a ValidationException.
	overLongKey = 2100
	// maxLogLine bounds each line of a process's output in the test log:
	// the access log of an over-long user_id would bury everything else.
	maxLogLine = 300
	// scanWait is authgate's --wait: the app already answers, so this
	// only covers a slow start of the scanner's own first request.
	scanWait = "20s"
)

// testEnv is what every app needs to know, set up once for all apps.
type testEnv struct {
	dir      string // this example's directory
	authgate string // the built binary
	dynamodb string // dynalite's endpoint URL
}

func TestFlaskDynamoDB(t *testing.T) {
	requirePrerequisites(t)
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	env := testEnv{
		dir:      dir,
		authgate: buildAuthgate(t, filepath.Join(dir, "..", "..")),
		dynamodb: startDynalite(t, dir),
	}
	seed(t, env, usersTable, 5)
	seed(t, env, twoUsersTable, 2)

	// alice's and bob's access tokens as an identity provider issues
	// them: JWTs that say who they are (sub is the user_id, as with
	// Cognito-style user pools), signed with a key nobody can guess. The
	// apps look tokens up rather than verify them, which changes nothing
	// for the scan.
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	aliceJWT := mintJWT(t, key, map[string]any{"sub": "1001", "username": "alice", "email": "alice.martin@example.com"})
	bobJWT := mintJWT(t, key, map[string]any{"sub": "1002", "username": "bob", "email": "bob.nguyen@example.com"})

	tests := []struct {
		name   string
		script string
		// table is the DynamoDB table the app reads; "" is usersTable.
		table string
		// apiToken and apiTokens replace API_TOKEN (app_published_fix.py's
		// valid tokens) and API_TOKENS (app_fixed.py's token table).
		apiToken, apiTokens string
		// scanAuth and scanPeerAuth are the --auth and --peer-auth
		// headers of the scan, empty for none.
		scanAuth, scanPeerAuth string
		// sanity are checked against the running app before the scan.
		sanity []sanityCheck
		// wantExit is authgate's exit code.
		wantExit int
		// check asserts on the report's findings.
		check func(t *testing.T, findings []finding.Finding)
	}{
		{
			name:   "original without authentication",
			script: "app.py",
			sanity: []sanityCheck{
				{name: "anyone reads alice", query: "user_id=1001", wantStatus: []int{http.StatusOK}, wantUserID: "1001"},
				{name: "anyone reads bob", query: "user_id=1002", wantStatus: []int{http.StatusOK}, wantUserID: "1002"},
				{name: "unknown user", query: "user_id=9999", wantStatus: []int{http.StatusNotFound}},
				{name: "empty key leaks DynamoDB's message", query: "user_id=", wantStatus: []int{http.StatusInternalServerError}, wantBody: "ValidationException"},
				{name: "over-long key leaks DynamoDB's message", query: "user_id=" + strings.Repeat("A", overLongKey), wantStatus: []int{http.StatusInternalServerError}, wantBody: "ValidationException"},
			},
			wantExit: exitGateFailed,
			check: func(t *testing.T, findings []finding.Finding) {
				requireFinding(t, findings, "authn-missing with severity high on GET /user", func(f finding.Finding) bool {
					return f.Rule == "authn-missing" && f.Severity == finding.SeverityHigh && onGetUser(f)
				})
				requireFinding(t, findings, "verbose-error-disclosure", func(f finding.Finding) bool {
					return f.Rule == "verbose-error-disclosure"
				})
			},
		},
		{
			name:     "published fix with one shared token",
			script:   "app_published_fix.py",
			scanAuth: "Authorization: Bearer " + publishedToken,
			sanity: []sanityCheck{
				{name: "no token", query: "user_id=1001", wantStatus: []int{http.StatusUnauthorized}},
				{name: "wrong token", auth: "Bearer " + aliceToken, query: "user_id=1001", wantStatus: []int{http.StatusUnauthorized}},
				{name: "token reads alice", auth: "Bearer " + publishedToken, query: "user_id=1001", wantStatus: []int{http.StatusOK}, wantUserID: "1001"},
				{name: "same token reads bob", auth: "Bearer " + publishedToken, query: "user_id=1002", wantStatus: []int{http.StatusOK}, wantUserID: "1002"},
				{name: "errors are generic", auth: "Bearer " + publishedToken, query: "user_id=" + strings.Repeat("A", overLongKey), wantStatus: []int{http.StatusInternalServerError}, wantNotBody: "ValidationException"},
			},
			wantExit: exitGateFailed,
			check: func(t *testing.T, findings []finding.Finding) {
				requireFinding(t, findings, "a bola-* finding on GET /user", func(f finding.Finding) bool {
					return strings.HasPrefix(f.Rule, "bola-") && onGetUser(f)
				})
			},
		},
		{
			// The founding case: the published fix, alice's and bob's
			// tokens both valid, a table of exactly those two users. No
			// third record exists, so only a cross-user check sees that
			// bob reads alice's record.
			name:         "published fix with alice and bob only",
			script:       "app_published_fix.py",
			table:        twoUsersTable,
			apiToken:     aliceJWT + "," + bobJWT,
			scanAuth:     "Authorization: Bearer " + aliceJWT,
			scanPeerAuth: "Authorization: Bearer " + bobJWT,
			sanity: []sanityCheck{
				{name: "no token", query: "user_id=1001", wantStatus: []int{http.StatusUnauthorized}},
				{name: "unknown token", auth: "Bearer " + publishedToken, query: "user_id=1001", wantStatus: []int{http.StatusUnauthorized}},
				{name: "alice reads alice", auth: "Bearer " + aliceJWT, query: "user_id=1001", wantStatus: []int{http.StatusOK}, wantUserID: "1001"},
				{name: "bob reads alice", auth: "Bearer " + bobJWT, query: "user_id=1001", wantStatus: []int{http.StatusOK}, wantUserID: "1001"},
				{name: "alice reads bob", auth: "Bearer " + aliceJWT, query: "user_id=1002", wantStatus: []int{http.StatusOK}, wantUserID: "1002"},
				{name: "nobody else", auth: "Bearer " + aliceJWT, query: "user_id=1003", wantStatus: []int{http.StatusNotFound}},
			},
			wantExit: exitGateFailed,
			check: func(t *testing.T, findings []finding.Finding) {
				i := slices.IndexFunc(findings, func(f finding.Finding) bool {
					return f.Rule == "bola-cross-user-read" && f.Severity == finding.SeverityHigh && onGetUser(f)
				})
				if i < 0 {
					t.Fatal("no finding: bola-cross-user-read with severity high on GET /user")
				}
				f := findings[i]
				for _, name := range []string{"alice", "bob"} {
					if !strings.Contains(f.Evidence.Summary, name) {
						t.Errorf("the finding does not name %s: %s", name, f.Evidence.Summary)
					}
				}
				// The proof first: bob's (the peer's) request for alice's record.
				if len(f.Evidence.Exchanges) < 2 || f.Evidence.Exchanges[0].Identity != "peer" ||
					f.Evidence.Exchanges[0].Status != http.StatusOK || !strings.Contains(f.Evidence.Exchanges[0].ResponseBody, "alice.martin@example.com") {
					t.Errorf("the first exchange is not the peer's 200 with alice's record: %+v", f.Evidence.Exchanges)
				}
				if len(f.Reproduce) == 0 || !strings.Contains(f.Reproduce[0], "user_id=1001") || strings.Contains(f.Reproduce[0], bobJWT) {
					t.Errorf("the first reproduction is not the (redacted) read of 1001: %q", f.Reproduce)
				}
			},
		},
		{
			name:         "correct fix with alice and bob only",
			script:       "app_fixed.py",
			table:        twoUsersTable,
			apiTokens:    aliceJWT + "=1001," + bobJWT + "=1002",
			scanAuth:     "Authorization: Bearer " + aliceJWT,
			scanPeerAuth: "Authorization: Bearer " + bobJWT,
			sanity: []sanityCheck{
				{name: "no token", query: "user_id=1001", wantStatus: []int{http.StatusUnauthorized}},
				{name: "alice reads alice", auth: "Bearer " + aliceJWT, query: "user_id=1001", wantStatus: []int{http.StatusOK}, wantUserID: "1001"},
				{name: "bob reads bob", auth: "Bearer " + bobJWT, query: "user_id=1002", wantStatus: []int{http.StatusOK}, wantUserID: "1002"},
				{name: "bob cannot read alice", auth: "Bearer " + bobJWT, query: "user_id=1001", wantStatus: []int{http.StatusNotFound, http.StatusForbidden}, wantNotBody: "Alice"},
				{name: "alice cannot read bob", auth: "Bearer " + aliceJWT, query: "user_id=1002", wantStatus: []int{http.StatusNotFound, http.StatusForbidden}, wantNotBody: "Bob"},
			},
			wantExit: exitPassed,
			check:    noMediumFindings,
		},
		{
			name:     "correct fix",
			script:   "app_fixed.py",
			scanAuth: "Authorization: Bearer " + aliceToken,
			sanity: []sanityCheck{
				{name: "no token", query: "user_id=1001", wantStatus: []int{http.StatusUnauthorized}},
				{name: "unknown token", auth: "Bearer " + publishedToken, query: "user_id=1001", wantStatus: []int{http.StatusUnauthorized}},
				{name: "alice reads alice", auth: "Bearer " + aliceToken, query: "user_id=1001", wantStatus: []int{http.StatusOK}, wantUserID: "1001"},
				{name: "alice cannot read bob", auth: "Bearer " + aliceToken, query: "user_id=1002", wantStatus: []int{http.StatusNotFound, http.StatusForbidden}, wantNotBody: "Bob"},
				{name: "bob reads bob", auth: "Bearer " + bobToken, query: "user_id=1002", wantStatus: []int{http.StatusOK}, wantUserID: "1002"},
				{name: "errors are generic", auth: "Bearer " + aliceToken, query: "user_id=", wantStatus: []int{http.StatusBadRequest, http.StatusNotFound}, wantNotBody: "ValidationException"},
			},
			wantExit: exitPassed,
			check:    noMediumFindings,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			table := cmp.Or(tc.table, usersTable)
			base := startApp(t, env, tc.script, table, cmp.Or(tc.apiToken, publishedToken), cmp.Or(tc.apiTokens, appTokens))
			for _, c := range tc.sanity {
				c.run(t, base)
			}
			if t.Failed() {
				t.Fatalf("%s does not behave as the example describes; not scanning it", tc.script)
			}

			args := []string{"scan", base, "--openapi", filepath.Join(env.dir, "openapi.yaml"), "--wait", scanWait}
			if tc.scanAuth != "" {
				args = append(args, "--auth", tc.scanAuth)
			}
			if tc.scanPeerAuth != "" {
				args = append(args, "--peer-auth", tc.scanPeerAuth)
			}
			rep, code := scan(t, env.authgate, args)
			if code != tc.wantExit {
				t.Errorf("authgate exit code = %d, want %d", code, tc.wantExit)
			}
			tc.check(t, rep.Findings)
			if t.Failed() {
				logFindings(t, rep.Findings)
			}
		})
	}
}

// requirePrerequisites skips the test when the machine lacks what the
// example needs, except in CI, where a skip would hide that it never ran.
func requirePrerequisites(t *testing.T) {
	t.Helper()
	var missing []string
	if out, err := exec.Command(python, "-c", "import flask, boto3").CombinedOutput(); err != nil {
		missing = append(missing, fmt.Sprintf("%s cannot import flask and boto3 (apt-get install python3-flask python3-boto3): %v: %s",
			python, err, strings.TrimSpace(string(out))))
	}
	if _, err := os.Stat(dynaliteBin); err != nil {
		missing = append(missing, fmt.Sprintf("%s is missing (npm ci --prefix examples/flask-dynamodb): %v", dynaliteBin, err))
	}
	if _, err := exec.LookPath("node"); err != nil {
		missing = append(missing, fmt.Sprintf("node is not on PATH (dynalite needs Node.js 20 or later): %v", err))
	}
	ci := os.Getenv("CI") == "true"
	if len(missing) > 0 {
		if ci {
			t.Fatalf("CI=true, so the end-to-end test must run, but:\n%s", strings.Join(missing, "\n"))
		}
		t.Skipf("skipping the Flask + DynamoDB end-to-end test:\n%s", strings.Join(missing, "\n"))
	}
	if testing.Short() && !ci {
		t.Skip("skipping the Flask + DynamoDB end-to-end test in -short mode")
	}
}

// buildAuthgate builds the binary from the module at root.
func buildAuthgate(t *testing.T, root string) string {
	t.Helper()
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatalf("finding the module root: %v", err)
	}
	if !strings.Contains(string(mod), "module "+modulePath+"\n") {
		t.Fatalf("%s is not the module %s", root, modulePath)
	}
	bin := filepath.Join(t.TempDir(), "authgate")
	cmd := exec.Command("go", "build", "-o", bin, modulePath)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", modulePath, err, out)
	}
	return bin
}

// startDynalite starts an in-memory dynalite and returns its endpoint.
func startDynalite(t *testing.T, dir string) string {
	t.Helper()
	port := freePort(t)
	cmd := exec.Command(filepath.Join(dir, dynaliteBin), "--host", "127.0.0.1", "--port", strconv.Itoa(port))
	cmd.Dir = dir
	endpoint := "http://127.0.0.1:" + strconv.Itoa(port)
	start(t, "dynalite", cmd, endpoint+"/")
	return endpoint
}

// seed creates table with the first n records of seed.py.
func seed(t *testing.T, env testEnv, table string, n int) {
	t.Helper()
	cmd := exec.Command(python, "seed.py", "--users", strconv.Itoa(n))
	cmd.Dir = env.dir
	cmd.Env = appEnv(env, 0, table, publishedToken, appTokens)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("seed.py: %v\n%s", err, out)
	}
}

// startApp starts one Flask app on table, with apiToken as API_TOKEN and
// apiTokens as API_TOKENS, and returns its base URL.
func startApp(t *testing.T, env testEnv, script, table, apiToken, apiTokens string) string {
	t.Helper()
	port := freePort(t)
	cmd := exec.Command(python, script)
	cmd.Dir = env.dir
	cmd.Env = appEnv(env, port, table, apiToken, apiTokens)
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	start(t, script, cmd, base+"/user")
	return base
}

// appEnv is the environment of seed.py and the apps: the caller's, minus
// anything that would change which Python, which AWS account or which
// tokens they use.
func appEnv(env testEnv, port int, table, apiToken, apiTokens string) []string {
	var out []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "AWS_") || strings.HasPrefix(name, "PYTHON") || strings.HasPrefix(name, "DYNAMODB_") ||
			strings.HasPrefix(name, "FLASK_") || strings.HasPrefix(name, "API_TOKEN") || name == "PORT" {
			continue
		}
		out = append(out, kv)
	}
	return append(out,
		"DYNAMODB_ENDPOINT="+env.dynamodb,
		"DYNAMODB_TABLE="+table,
		// dynalite checks that requests are signed, not by whom.
		"AWS_ACCESS_KEY_ID=local",
		"AWS_SECRET_ACCESS_KEY=local",
		"AWS_DEFAULT_REGION=us-east-1",
		"PYTHONUNBUFFERED=1",
		"PYTHONDONTWRITEBYTECODE=1",
		"API_TOKEN="+apiToken,
		"API_TOKENS="+apiTokens,
		"PORT="+strconv.Itoa(port),
	)
}

// start runs cmd until the test ends, waits until url answers HTTP (any
// status), and logs the process's output if the test fails.
func start(t *testing.T, name string, cmd *exec.Cmd, url string) {
	t.Helper()
	out := &syncBuffer{}
	cmd.Stdout = out
	cmd.Stderr = out
	cmd.WaitDelay = waitDelay
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() {
		waitErr = cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("%s output:\n%s", name, clipLines(out.String()))
		}
	})

	client := &http.Client{Timeout: pollInterval * 10}
	deadline := time.Now().Add(startTimeout)
	for {
		resp, err := client.Get(url)
		if err == nil {
			resp.Body.Close()
			return
		}
		select {
		case <-exited:
			t.Fatalf("%s exited before answering on %s: %v", name, url, waitErr)
		case <-time.After(pollInterval):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not answer on %s within %s: %v", name, url, startTimeout, err)
		}
	}
}

// sanityCheck is one request the test itself sends to a running app.
type sanityCheck struct {
	name        string
	auth        string // Authorization header value, empty for none
	query       string // raw query of GET /user
	wantStatus  []int  // any of these
	wantUserID  string // the returned record's user_id, when set
	wantBody    string // a substring of the body, when set
	wantNotBody string // not a substring of the body, when set
}

func (c sanityCheck) run(t *testing.T, base string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+"/user?"+c.query, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.auth != "" {
		req.Header.Set("Authorization", c.auth)
	}
	client := &http.Client{Timeout: requestTimeout}
	resp, err := client.Do(req)
	if err != nil {
		t.Errorf("%s: %v", c.name, err)
		return
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Errorf("%s: reading the body: %v", c.name, err)
		return
	}
	if !slices.Contains(c.wantStatus, resp.StatusCode) {
		t.Errorf("%s: GET /user?%.40s answered %d, want one of %v; body: %.300s", c.name, c.query, resp.StatusCode, c.wantStatus, body)
		return
	}
	if c.wantUserID != "" {
		var item struct {
			UserID string `json:"user_id"`
			Name   string `json:"name"`
			Email  string `json:"email"`
		}
		if err := json.Unmarshal(body, &item); err != nil {
			t.Errorf("%s: the body is not a JSON record: %v: %.300s", c.name, err, body)
		} else if item.UserID != c.wantUserID || item.Name == "" || item.Email == "" {
			t.Errorf("%s: got record %+v, want user %s with a name and an email", c.name, item, c.wantUserID)
		}
	}
	if c.wantBody != "" && !bytes.Contains(body, []byte(c.wantBody)) {
		t.Errorf("%s: body does not contain %q: %.300s", c.name, c.wantBody, body)
	}
	if c.wantNotBody != "" && bytes.Contains(body, []byte(c.wantNotBody)) {
		t.Errorf("%s: body contains %q: %.300s", c.name, c.wantNotBody, body)
	}
}

// scan runs authgate with args plus a JSON report file and returns the
// report and the exit code.
func scan(t *testing.T, bin string, args []string) (report.Report, int) {
	t.Helper()
	reportPath := filepath.Join(t.TempDir(), "report.json")
	args = append(args, "-o", "json="+reportPath)
	ctx, cancel := context.WithTimeout(context.Background(), scanTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	cmd.WaitDelay = waitDelay
	err := cmd.Run()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("authgate %s\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), stdout.String(), stderr.String())
		}
	})
	code := 0
	var exitErr *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("authgate did not finish within %s", scanTimeout)
	case errors.As(err, &exitErr):
		code = exitErr.ExitCode()
	case err != nil:
		t.Fatalf("running authgate: %v", err)
	}

	data, err := os.ReadFile(reportPath)
	if err != nil {
		t.Fatalf("authgate exited %d without a JSON report: %v", code, err)
	}
	// The contract says findings is an array, never null or absent.
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatalf("the JSON report does not parse: %v", err)
	}
	if f := bytes.TrimSpace(raw["findings"]); len(f) == 0 || f[0] != '[' {
		t.Errorf("the JSON report's findings = %.40q, want an array", f)
	}
	var rep report.Report
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatalf("the JSON report does not match the report model: %v", err)
	}
	if rep.Schema != report.Schema {
		t.Errorf("the JSON report's schema = %q, want %q", rep.Schema, report.Schema)
	}
	return rep, code
}

// mintJWT signs claims, with iat and exp added, as an HS256 JWT.
func mintJWT(t *testing.T, key []byte, claims map[string]any) string {
	t.Helper()
	now := time.Now()
	c := map[string]any{"iat": now.Unix(), "exp": now.Add(tokenLifetime).Unix()}
	maps.Copy(c, claims)
	header, err := json.Marshal(map[string]string{"alg": "HS256", "typ": "JWT"})
	if err != nil {
		t.Fatal(err)
	}
	payload, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	b64 := base64.RawURLEncoding
	input := b64.EncodeToString(header) + "." + b64.EncodeToString(payload)
	m := hmac.New(sha256.New, key)
	m.Write([]byte(input))
	return input + "." + b64.EncodeToString(m.Sum(nil))
}

// noMediumFindings is the check of a correct app: nothing of medium
// severity or above.
func noMediumFindings(t *testing.T, findings []finding.Finding) {
	t.Helper()
	for _, f := range findings {
		if f.Severity >= finding.SeverityMedium {
			t.Errorf("unexpected finding %s (%s) on %s %s", f.Rule, f.Severity, f.Method, f.Path)
		}
	}
}

func onGetUser(f finding.Finding) bool {
	return f.Method == http.MethodGet && f.Path == "/user"
}

func requireFinding(t *testing.T, findings []finding.Finding, what string, match func(finding.Finding) bool) {
	t.Helper()
	if !slices.ContainsFunc(findings, match) {
		t.Errorf("no finding: %s", what)
	}
}

func logFindings(t *testing.T, findings []finding.Finding) {
	t.Helper()
	t.Logf("%d findings:", len(findings))
	for _, f := range findings {
		t.Logf("  %s %s %s %s", f.Severity, f.Rule, f.Method, f.Path)
	}
}

// clipLines shortens every line of s to maxLogLine bytes.
func clipLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if len(l) > maxLogLine {
			lines[i] = l[:maxLogLine] + fmt.Sprintf("… (%d bytes)", len(l))
		}
	}
	return strings.Join(lines, "\n")
}

// freePort asks the kernel for a free loopback port. Another process may
// take it before ours binds it; the start then fails with the port in the
// process's output, which is rare enough not to retry.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// syncBuffer collects a process's output, written by exec's copying
// goroutines while the test may read it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
