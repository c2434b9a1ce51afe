package rules_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner"
	"github.com/authgate/authgate/scanner/rules"
)

const (
	mcToken = "tok-misconfig-0123456789"
	mcKey   = "key-misconfig-0123456789"
	mcSpec  = `openapi: 3.0.3
info: {title: t, version: "1"}
components:
  securitySchemes:
    bearerAuth: {type: http, scheme: bearer}
security:
  - bearerAuth: []
paths:
  /me:
    get:
      responses: {"200": {description: ok}}
`
)

// mcOpts describes one scan of the misconfiguration tests.
type mcOpts struct {
	spec string // "" for none
	path string // appended to the server URL as TARGET
	tls  bool   // serve over HTTPS
	auth bool   // scan with the bearer token
	// local replaces the cleartext rule's address check; nil keeps it.
	local func(string) bool
}

// misconfigRules returns the family with the cleartext rule's address
// check replaced by local (when not nil).
func misconfigRules(local func(string) bool) []scanner.Rule {
	rs := rules.MisconfigRules()
	for i, r := range rs {
		if _, ok := r.(*rules.CleartextCredentials); ok && local != nil {
			rs[i] = &rules.CleartextCredentials{IsLocal: local}
		}
	}
	return rs
}

func mcScan(t *testing.T, h http.Handler, o mcOpts) []finding.Finding {
	t.Helper()
	var srv *httptest.Server
	if o.tls {
		srv = httptest.NewTLSServer(h)
	} else {
		srv = httptest.NewServer(h)
	}
	t.Cleanup(srv.Close)
	opts := scanner.Options{
		Target:   srv.URL + o.path,
		Mode:     finding.ModeSafe,
		Client:   scanner.ClientOptions{Concurrency: 4, Timeout: 5 * time.Second, Budget: 2000, Transport: srv.Client().Transport},
		Wait:     time.Second,
		Rules:    misconfigRules(o.local),
		ReadFile: os.ReadFile,
	}
	if o.spec != "" {
		opts.OpenAPI = "spec.yaml"
		opts.ReadFile = func(string) ([]byte, error) { return []byte(o.spec), nil }
	}
	if o.auth {
		opts.Primary = scanner.NewIdentity("primary", []scanner.Header{{Name: "Authorization", Value: "Bearer " + mcToken}})
	}
	res, err := scanner.Scan(context.Background(), opts)
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	return res.Findings
}

// mcAPI answers GET /me to the bearer token (or, with keyInQuery, to
// ?api_key=) after mw has set its headers.
func mcAPI(mw func(w http.ResponseWriter, r *http.Request), keyInQuery bool, body string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/me" {
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"error":"not found"}`))
			return
		}
		if mw != nil {
			mw(w, r)
		}
		ok := r.Header.Get("Authorization") == "Bearer "+mcToken || (keyInQuery && r.URL.Query().Get("api_key") == mcKey)
		if !ok {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"error":"unauthorized"}`))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(body))
	})
}

const meBody = `{"user_id":"1001","name":"Alice","email":"alice@example.com"}`

func reflectCORS(w http.ResponseWriter, r *http.Request) {
	if o := r.Header.Get("Origin"); o != "" {
		w.Header().Set("Access-Control-Allow-Origin", o)
		w.Header().Set("Access-Control-Allow-Credentials", "true")
	}
}

func allowListCORS(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Origin") == "https://app.example.com" {
		w.Header().Set("Access-Control-Allow-Origin", "https://app.example.com")
		w.Header().Set("Access-Control-Allow-Credentials", "true")
	}
}

func nullOnlyCORS(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Origin") == "null" {
		w.Header().Set("Access-Control-Allow-Origin", "null")
		w.Header().Set("Access-Control-Allow-Credentials", "true")
	}
}

func wildcardCORS(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Set("Access-Control-Allow-Credentials", "true")
}

func setCookie(line string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) { w.Header().Add("Set-Cookie", line) }
}

func TestMisconfigRules(t *testing.T) {
	publicHost := func(string) bool { return false }
	tests := []struct {
		name    string
		api     http.Handler
		opts    mcOpts
		rule    string
		method  string
		path    string
		want    bool
		summary string // must appear in the finding's summary
	}{
		{"cors: any origin reflected with credentials", mcAPI(reflectCORS, false, meBody), mcOpts{spec: mcSpec, auth: true},
			"cors-credentialed-origin-reflection", "*", "*", true, "https://evil.authgate.invalid"},
		{"cors: null origin allowed with credentials", mcAPI(nullOnlyCORS, false, meBody), mcOpts{spec: mcSpec, auth: true},
			"cors-credentialed-origin-reflection", "*", "*", true, "Origin: null"},
		{"cors: reflected on a refusal too (anonymous)", mcAPI(reflectCORS, false, meBody), mcOpts{spec: mcSpec},
			"cors-credentialed-origin-reflection", "*", "*", true, "answered 401"},
		{"cors: allow-list", mcAPI(allowListCORS, false, meBody), mcOpts{spec: mcSpec, auth: true},
			"cors-credentialed-origin-reflection", "*", "*", false, ""},
		{"cors: wildcard is refused by browsers", mcAPI(wildcardCORS, false, meBody), mcOpts{spec: mcSpec, auth: true},
			"cors-credentialed-origin-reflection", "*", "*", false, ""},

		{"cookie: session without attributes over https", mcAPI(setCookie("session=abcdef0123456789abcdef; Path=/"), false, meBody), mcOpts{spec: mcSpec, auth: true, tls: true},
			"cookie-insecure", "*", "*", true, "Secure, HttpOnly, SameSite"},
		{"cookie: random-valued cookie without HttpOnly over http", mcAPI(setCookie("x=Zq8kT3mW9pL2vN7rB4xY; Path=/; SameSite=Lax"), false, meBody), mcOpts{spec: mcSpec, auth: true},
			"cookie-insecure", "*", "*", true, "without HttpOnly."},
		{"cookie: all attributes over https", mcAPI(setCookie("session=abcdef0123456789abcdef; Path=/; Secure; HttpOnly; SameSite=Lax"), false, meBody), mcOpts{spec: mcSpec, auth: true, tls: true},
			"cookie-insecure", "*", "*", false, ""},
		{"cookie: no Secure over http is not this rule's", mcAPI(setCookie("sid=abcdef0123456789abcdef; HttpOnly; SameSite=Strict"), false, meBody), mcOpts{spec: mcSpec, auth: true},
			"cookie-insecure", "*", "*", false, ""},
		{"cookie: preference cookie", mcAPI(setCookie("theme=dark"), false, meBody), mcOpts{spec: mcSpec, auth: true, tls: true},
			"cookie-insecure", "*", "*", false, ""},

		{"api-key: accepted in the query", mcAPI(nil, true, meBody), mcOpts{path: "/me?api_key=" + mcKey},
			"api-key-in-query", "GET", "/me", true, `"api_key"`},
		{"api-key: query ignored, header required", mcAPI(nil, false, meBody), mcOpts{path: "/me?api_key=" + mcKey},
			"api-key-in-query", "GET", "/me", false, ""},
		{"api-key: declared in: query", mcAPI(nil, true, meBody), mcOpts{spec: strings.Replace(mcSpec,
			"bearerAuth: {type: http, scheme: bearer}", "bearerAuth: {type: apiKey, in: query, name: api_key}", 1)},
			"api-key-in-query", "*", "*", true, "declares"},
		{"api-key: declared in: header", mcAPI(nil, false, meBody), mcOpts{spec: strings.Replace(mcSpec,
			"bearerAuth: {type: http, scheme: bearer}", "bearerAuth: {type: apiKey, in: header, name: X-Api-Key}", 1)},
			"api-key-in-query", "*", "*", false, ""},

		{"cleartext: public host over http", mcAPI(nil, false, meBody), mcOpts{spec: mcSpec, auth: true, local: publicHost},
			"cleartext-credentials", "*", "*", true, "plain HTTP"},
		{"cleartext: loopback", mcAPI(nil, false, meBody), mcOpts{spec: mcSpec, auth: true},
			"cleartext-credentials", "*", "*", false, ""},
		{"cleartext: https", mcAPI(nil, false, meBody), mcOpts{spec: mcSpec, auth: true, tls: true, local: publicHost},
			"cleartext-credentials", "*", "*", false, ""},

		{"credentials: bcrypt hash", mcAPI(nil, false, `{"user_id":"1001","password_hash":"$2b$12$KIXQJQ6b6cX1F6bQ8Zr3yOe9xq4yW0m5p1Qm7bV9s3xFZP2a8c0dO"}`), mcOpts{spec: mcSpec, auth: true},
			"credentials-in-response", "GET", "/me", true, "a password hash"},
		{"credentials: md5 under password", mcAPI(nil, false, `{"user_id":"1001","password":"5f4dcc3b5aa765d61d8327deb882cf99"}`), mcOpts{spec: mcSpec, auth: true},
			"credentials-in-response", "GET", "/me", true, "password"},
		{"credentials: client secret", mcAPI(nil, false, `[{"app":"x","client_secret":"s3cr3t-value-abc"}]`), mcOpts{spec: mcSpec, auth: true},
			"credentials-in-response", "GET", "/me", true, "client_secret"},
		{"credentials: masked and empty", mcAPI(nil, false, `{"user_id":"1001","password":"********","api_key":null,"secret":""}`), mcOpts{spec: mcSpec, auth: true},
			"credentials-in-response", "GET", "/me", false, ""},
		{"credentials: content hash is not a password", mcAPI(nil, false, `{"file":"a.txt","hash":"5f4dcc3b5aa765d61d8327deb882cf99"}`), mcOpts{spec: mcSpec, auth: true},
			"credentials-in-response", "GET", "/me", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := mcScan(t, tt.api, tt.opts)
			got := has(fs, tt.rule, tt.method, tt.path)
			if got != tt.want {
				t.Fatalf("%s on %s %s: got %v, want %v; findings:%s", tt.rule, tt.method, tt.path, got, tt.want, list(fs))
			}
			for _, f := range fs {
				if f.Rule == tt.rule && !strings.Contains(f.Evidence.Summary, tt.summary) {
					t.Errorf("summary %q lacks %q", f.Evidence.Summary, tt.summary)
				}
			}
		})
	}
}

// TestMisconfigNoSecretsInReports checks that a cookie's value and a
// leaked hash never reach the finding.
func TestMisconfigNoSecretsInReports(t *testing.T) {
	const cookieValue, hash = "abcdef0123456789abcdef", "$2b$12$KIXQJQ6b6cX1F6bQ8Zr3yOe9xq4yW0m5p1Qm7bV9s3xFZP2a8c0dO"
	api := mcAPI(setCookie("session="+cookieValue), false, `{"user_id":"1001","password_hash":"`+hash+`"}`)
	fs := mcScan(t, api, mcOpts{spec: mcSpec, auth: true})
	if len(fs) < 2 {
		t.Fatalf("want cookie and credentials findings; got:%s", list(fs))
	}
	for _, f := range fs {
		text := f.Evidence.Summary + strings.Join(f.Reproduce, " ")
		for _, ex := range f.Evidence.Exchanges {
			text += ex.ResponseBody + ex.ResponseHeaders["Set-Cookie"]
		}
		for _, secret := range []string{cookieValue, hash, mcToken} {
			if strings.Contains(text, secret) {
				t.Errorf("%s shows a secret %q", f.Rule, secret)
			}
		}
	}
}

// TestCORSReportedOncePerAPI scans a spec with several operations: one
// finding for the API.
func TestCORSReportedOncePerAPI(t *testing.T) {
	spec := mcSpec + `  /orders:
    get:
      responses: {"200": {description: ok}}
  /items:
    get:
      responses: {"200": {description: ok}}
`
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reflectCORS(w, r)
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(meBody))
	})
	n := 0
	for _, f := range mcScan(t, h, mcOpts{spec: spec, auth: true}) {
		if f.Rule == "cors-credentialed-origin-reflection" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("got %d CORS findings, want 1", n)
	}
}

func TestLocalHost(t *testing.T) {
	tests := []struct {
		host string
		want bool
	}{
		{"127.0.0.1", true},
		{"127.8.9.10", true},
		{"::1", true},
		{"[::1]", true},
		{"localhost", true},
		{"api.localhost", true},
		{"10.1.2.3", true},
		{"172.16.0.1", true},
		{"172.31.255.255", true},
		{"192.168.1.10", true},
		{"169.254.169.254", true},
		{"fe80::1", true},
		{"fe80::1%eth0", true},
		{"fd12:3456::1", true},
		{"printer.local", true},
		{"172.32.0.1", false},
		{"8.8.8.8", false},
		{"2001:4860:4860::8888", false},
		{"api.example.com", false},
		{"10.example.com", false},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			if got := rules.LocalHost(tt.host); got != tt.want {
				t.Fatalf("LocalHost(%q) = %v, want %v", tt.host, got, tt.want)
			}
		})
	}
}

// TestMisconfigCorrectAPI is the precision check on rules_test.go's correct
// API, scanned with every rule and both identities: nothing of medium or
// above from this family.
func TestMisconfigCorrectAPI(t *testing.T) {
	family := map[string]bool{}
	for _, r := range rules.MisconfigRules() {
		family[r.Info().ID] = true
	}
	srv := httptest.NewServer(testAPI(flaws{}))
	t.Cleanup(srv.Close)
	res, err := scanner.Scan(context.Background(), scanner.Options{
		Target:   srv.URL,
		OpenAPI:  "spec.yaml",
		ReadFile: func(string) ([]byte, error) { return []byte(testSpec), nil },
		Mode:     finding.ModeSafe,
		Client:   scanner.ClientOptions{Concurrency: 4, Timeout: 5 * time.Second, Budget: 5000},
		Wait:     time.Second,
		Rules:    append(rules.All(), rules.MisconfigRules()...),
		Primary:  scanner.NewIdentity("primary", []scanner.Header{{Name: "Authorization", Value: "Bearer " + aliceToken}}),
		Peer:     scanner.NewIdentity("peer", []scanner.Header{{Name: "Authorization", Value: "Bearer " + bobToken}}),
	})
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	for _, f := range res.Findings {
		if family[f.Rule] && f.Severity >= finding.SeverityMedium {
			t.Errorf("false positive on a correct API:%s", list([]finding.Finding{f}))
		}
	}
}
