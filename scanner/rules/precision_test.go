package rules_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner"
	"github.com/authgate/authgate/scanner/rules"
)

// Ported from a reviewer's reproductions of false positives on correct APIs.

// precToken is the one valid bearer token of the precision test APIs.
const precToken = "tok-correct-0123456789abcdef"

// precKey signs the precision JWTs; long and random so no weak-key finding is right.
const precKey = "0123456789abcdef0123456789abcdef-strong"

// precAnonExp is the Supabase anon key's real-world ten-year expiry.
const precAnonExp = 2015576000

// precHash is a bcrypt hash as PHP's json_encode writes it: '/' escaped as `\/`.
const (
	precHashRaw     = `$2y$10$abcdefghijklmnopqrstu/vwxyzABCDEFGHIJKLMNOPQRSTUVW.XY`
	precHashEscaped = `$2y$10$abcdefghijklmnopqrstu\/vwxyzABCDEFGHIJKLMNOPQRSTUVW.XY`
)

const precHead = `openapi: 3.0.3
info: {title: t, version: "1"}
components:
  securitySchemes:
    bearerAuth: {type: http, scheme: bearer}
security:
  - bearerAuth: []
paths:
`

const precMeSpec = precHead + `  /me:
    get:
      responses: {"200": {description: ok}}
`

// precScan scans h over TLS (so cookie and transport rules see what production sees)
// with every rule, as an identity carrying hdrs (the bearer precToken when none).
func precScan(t *testing.T, spec string, h http.HandlerFunc, hdrs ...scanner.Header) []finding.Finding {
	t.Helper()
	srv := httptest.NewTLSServer(h)
	t.Cleanup(srv.Close)
	if len(hdrs) == 0 {
		hdrs = []scanner.Header{{Name: "Authorization", Value: "Bearer " + precToken}}
	}
	opts := scanner.Options{
		Target:   srv.URL,
		Mode:     finding.ModeSafe,
		Wait:     time.Second,
		Client:   scanner.ClientOptions{Concurrency: 4, Timeout: 5 * time.Second, Budget: 2000, Transport: srv.Client().Transport},
		Rules:    rules.All(),
		OpenAPI:  "spec.yaml",
		ReadFile: func(string) ([]byte, error) { return []byte(spec), nil },
		Primary:  scanner.NewIdentity("primary", hdrs),
	}
	res, err := scanner.Scan(context.Background(), opts)
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	return res.Findings
}

func precAuthed(r *http.Request) bool { return r.Header.Get("Authorization") == "Bearer "+precToken }

// precValidJWT reports whether s is an HS256 token signed with precKey.
func precValidJWT(s string) bool {
	p := strings.Split(s, ".")
	if len(p) != 3 {
		return false
	}
	sig, err := jwtB64.DecodeString(p[2])
	if err != nil {
		return false
	}
	m := hmac.New(sha256.New, []byte(precKey))
	m.Write([]byte(p[0] + "." + p[1]))
	return hmac.Equal(m.Sum(nil), sig)
}

// counting returns the findings that move the score at medium or above.
func counting(fs []finding.Finding) []finding.Finding {
	var out []finding.Finding
	for _, f := range fs {
		if f.Severity >= finding.SeverityMedium && f.Confidence >= finding.ConfidenceMedium {
			out = append(out, f)
		}
	}
	return out
}

func TestPrecisionNoCountingFindings(t *testing.T) {
	now := time.Now().Unix()
	cases := []struct {
		name string
		spec string
		h    http.HandlerFunc
		hdrs []scanner.Header
	}{
		{
			name: "framework and load-balancer cookies",
			spec: precMeSpec,
			h: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Add("Set-Cookie", "XSRF-TOKEN=eyJpdiI6IkZ3b2x0aE5pa2F3PT0iLCJ2YWx1ZSI6IjEyMyJ9; Path=/; Secure; SameSite=Lax")
				w.Header().Add("Set-Cookie", "csrftoken=Xk4b9QmZ2pL7rT1vW8yN3sD6fH0jK5cA; Path=/; Secure; SameSite=Lax")
				w.Header().Add("Set-Cookie", "AWSALB=q9Xb3kz1mA7rT2vW8yN3sD6fH0jK5cAq9Xb3kz1mA7rT2vW8y; Expires=Tue, 01 Jan 2030 00:00:00 GMT; Path=/")
				w.Header().Add("Set-Cookie", "__cf_bm=abc123DEF456ghi789JKL012; path=/; HttpOnly; Secure; SameSite=None")
				if !precAuthed(r) {
					unauthorized(w)
					return
				}
				writeJSON(w, 200, map[string]string{"id": "u1", "name": "Ann"})
			},
		},
		{
			name: "publishable keys on public config and masked keys",
			spec: precHead + `  /config:
    get:
      security: []
      responses: {"200": {description: ok}}
  /me/api-keys:
    get:
      responses: {"200": {description: ok}}
`,
			h: func(w http.ResponseWriter, r *http.Request) {
				switch r.URL.Path {
				case "/config":
					writeJSON(w, 200, map[string]any{
						"firebase": map[string]string{"apiKey": "AIzaSyD-publicWebKey0123456789abcdef", "projectId": "acme"},
						"stripe":   map[string]string{"api_key": "pk_live_51Habcdefghij"},
					})
				case "/me/api-keys":
					if !precAuthed(r) {
						unauthorized(w)
						return
					}
					writeJSON(w, 200, []map[string]string{{"name": "ci", "api_key": "sk_live_••••••••4242"}, {"name": "dev", "secret": "xxxx-xxxx-9f3a"}})
				default:
					notFound(w)
				}
			},
		},
		{
			name: "public lookup key in query",
			spec: precHead + `  /settings:
    get:
      security: []
      parameters:
        - {name: key, in: query, required: true, schema: {type: string}, example: theme}
      responses: {"200": {description: ok}}
`,
			h: func(w http.ResponseWriter, r *http.Request) {
				k := r.URL.Query().Get("key")
				if k == "" {
					writeJSON(w, 400, map[string]string{"error": "key is required"})
					return
				}
				writeJSON(w, 200, map[string]string{"key": k, "value": "dark"})
			},
		},
		{
			name: "ops staff internal segments and x-internal for users",
			spec: precHead + `  /ops/shipments:
    get:
      responses: {"200": {description: ok}}
  /restaurants/1/staff:
    get:
      responses: {"200": {description: ok}}
  /internal/health:
    get:
      responses: {"200": {description: ok}}
  /me/preferences:
    get:
      x-internal: true
      responses: {"200": {description: ok}}
`,
			h: func(w http.ResponseWriter, r *http.Request) {
				if !precAuthed(r) {
					unauthorized(w)
					return
				}
				writeJSON(w, 200, map[string]any{"path": r.URL.Path, "items": []string{"a", "b"}})
			},
		},
		{
			name: "CORS reflection on a bearer-only API",
			spec: precMeSpec,
			h: func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/me" {
					notFound(w)
					return
				}
				if o := r.Header.Get("Origin"); o != "" {
					w.Header().Set("Access-Control-Allow-Origin", o)
					w.Header().Set("Access-Control-Allow-Credentials", "true")
					w.Header().Set("Vary", "Origin")
				}
				if !precAuthed(r) {
					unauthorized(w)
					return
				}
				writeJSON(w, 200, map[string]string{"id": "u1"})
			},
		},
		{
			name: "Supabase anon apikey beside a short-lived user JWT",
			spec: precHead + `  /rest/v1/todos:
    get:
      responses: {"200": {description: ok}}
`,
			h: func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/rest/v1/todos" {
					notFound(w)
					return
				}
				if !precValidJWT(r.Header.Get("Apikey")) || !precValidJWT(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")) {
					writeJSON(w, 401, map[string]string{"message": "Invalid JWT"})
					return
				}
				writeJSON(w, 200, []map[string]string{{"id": "1", "title": "milk"}})
			},
			hdrs: []scanner.Header{
				{Name: "apikey", Value: mintJWT(precKey, map[string]any{"iss": "supabase", "ref": "abc", "role": "anon", "iat": 1700000000, "exp": precAnonExp})},
				{Name: "Authorization", Value: "Bearer " + mintJWT(precKey, map[string]any{"sub": "4532015112830366", "role": "authenticated", "iat": now, "exp": now + 3600})},
			},
		},
		{
			name: "numeric sub that passes the Luhn check",
			spec: precMeSpec,
			h: func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/me" {
					notFound(w)
					return
				}
				if !precValidJWT(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")) {
					writeJSON(w, 401, map[string]string{"message": "Invalid JWT"})
					return
				}
				writeJSON(w, 200, map[string]string{"id": "1", "title": "milk"})
			},
			hdrs: []scanner.Header{
				{Name: "Authorization", Value: "Bearer " + mintJWT(precKey, map[string]any{"sub": "5105105105105100", "iat": now, "exp": now + 3600})},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fs := precScan(t, tc.spec, tc.h, tc.hdrs...)
			if got := counting(fs); len(got) > 0 {
				t.Errorf("correct API got counting findings:%s", list(got))
			}
		})
	}
}

func TestPrecisionPHPEscapedHashRedacted(t *testing.T) {
	spec := precHead + `  /users/me:
    get:
      responses: {"200": {description: ok}}
`
	fs := precScan(t, spec, func(w http.ResponseWriter, r *http.Request) {
		if !precAuthed(r) {
			unauthorized(w)
			return
		}
		if r.URL.Path != "/users/me" {
			notFound(w)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"id":1,"email":"a@b.c","password":"`+precHashEscaped+`"}`)
	})
	if len(fs) == 0 {
		t.Fatal("expected a finding for the leaked password hash, got none")
	}
	b, err := json.Marshal(fs)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	out := string(b)
	// json.Marshal escapes '\' as `\\`, so check the escaped form as marshalled too.
	esc, _ := json.Marshal(precHashEscaped)
	for name, s := range map[string]string{
		"raw":                precHashRaw,
		"escaped":            precHashEscaped,
		"escaped-marshalled": strings.Trim(string(esc), `"`),
		"salt":               "abcdefghijklmnopqrstu",
	} {
		if strings.Contains(out, s) {
			t.Errorf("findings JSON carries the %s hash form %q", name, s)
		}
	}
}
