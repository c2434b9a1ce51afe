package rules_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner"
	"github.com/authgate/authgate/scanner/rules"
)

// invCheck selects how the invalid-token test API checks credentials.
type invCheck int

const (
	invFixed        invCheck = iota // exact bearer token or session cookie only
	invAnyBearer                    // any non-empty bearer token
	invBearerPrefix                 // anything starting with "Bearer", even with no token
	invAnyBasic                     // correct bearer check, but any Basic credentials pass
	invAnyCookie                    // any non-empty session cookie
)

// invAuthed reports whether the API lets the request in as Alice.
func invAuthed(c invCheck, r *http.Request) bool {
	h := r.Header.Get("Authorization")
	session := ""
	if ck, err := r.Cookie("session"); err == nil {
		session = ck.Value
	}
	if h == "Bearer "+aliceToken || session == aliceToken {
		return true
	}
	switch c {
	case invAnyBearer:
		return strings.HasPrefix(h, "Bearer ") && len(h) > len("Bearer ")
	case invBearerPrefix:
		return strings.HasPrefix(h, "Bearer")
	case invAnyBasic:
		return strings.HasPrefix(h, "Basic ")
	case invAnyCookie:
		return session != ""
	}
	return false
}

// invAPI serves Alice's records behind the check c; /status is public and
// accepts anything.
func invAPI(c invCheck) http.Handler {
	mux := http.NewServeMux()
	protected := func(body any) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if !invAuthed(c, r) {
				unauthorized(w)
				return
			}
			writeJSON(w, 200, body)
		}
	}
	mux.HandleFunc("GET /me", protected(users["1001"]))
	mux.HandleFunc("GET /me/orders", protected([]map[string]any{orders["501"], orders["502"]}))
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"status": "ok", "version": "1.2.3", "motd": "welcome to the orders service"})
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { notFound(w) })
	return mux
}

const invSpec = `openapi: 3.0.3
info: {title: inv, version: "1"}
components:
  securitySchemes:
    bearerAuth: {type: http, scheme: bearer}
security:
  - bearerAuth: []
paths:
  /status:
    get:
      security: []
      responses: {"200": {description: ok}}
  /me:
    get:
      responses: {"200": {description: ok}}
  /me/orders:
    get:
      responses: {"200": {description: ok}}
`

// invPublicSpec holds only the public operation.
const invPublicSpec = `openapi: 3.0.3
info: {title: inv, version: "1"}
paths:
  /status:
    get:
      responses: {"200": {description: ok}}
`

func invScan(t *testing.T, h http.Handler, spec string, primary *scanner.Identity) []finding.Finding {
	t.Helper()
	return scanRules(t, h, scanOpts{spec: spec, primary: primary}, rules.InvalidTokenRules())
}

func TestInvalidTokenAccepted(t *testing.T) {
	const rule = "authn-invalid-token-accepted"
	bearerAlice := scanner.NewIdentity("primary", []scanner.Header{{Name: "Authorization", Value: "Bearer " + aliceToken}})
	cookieAlice := scanner.NewIdentity("primary", []scanner.Header{{Name: "Cookie", Value: "session=" + aliceToken}})
	tests := []struct {
		name    string
		check   invCheck
		spec    string
		primary *scanner.Identity
		want    []string // accepted variants named in the summary; nil: no finding
		notWant []string // variants that must not be named
	}{
		{name: "fixed bearer", check: invFixed, spec: invSpec, primary: bearerAlice},
		{name: "fixed cookie", check: invFixed, spec: invSpec, primary: cookieAlice},
		{name: "any bearer token", check: invAnyBearer, spec: invSpec, primary: bearerAlice,
			want:    []string{"random value of the same length", "truncated to half"},
			notWant: []string{"another scheme", "empty value"}},
		{name: "bearer prefix only", check: invBearerPrefix, spec: invSpec, primary: bearerAlice,
			want:    []string{"random value of the same length", "truncated to half", "empty value"},
			notWant: []string{"another scheme"}},
		{name: "any basic credentials", check: invAnyBasic, spec: invSpec, primary: bearerAlice,
			want:    []string{"another scheme"},
			notWant: []string{"random value of the same length", "truncated to half", "empty value"}},
		{name: "any session cookie", check: invAnyCookie, spec: invSpec, primary: cookieAlice,
			want:    []string{"random value of the same length", "truncated to half", "another scheme"},
			notWant: []string{"empty value"}},
		{name: "public operation never used", check: invAnyBearer, spec: invPublicSpec, primary: bearerAlice},
		{name: "no primary identity", check: invAnyBearer, spec: invSpec},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := invScan(t, invAPI(tc.check), tc.spec, tc.primary)
			var got []finding.Finding
			for _, f := range fs {
				if f.Rule == rule {
					got = append(got, f)
				}
			}
			if tc.want == nil {
				if len(got) != 0 {
					t.Fatalf("want no finding, got%s", list(got))
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("want one finding for the whole API, got %d:%s", len(got), list(fs))
			}
			f := got[0]
			if f.Method != "*" || f.Path != "*" {
				t.Errorf("finding on %s %s, want * *", f.Method, f.Path)
			}
			if want := finding.Fingerprint(rule, "*", "*", tc.primary.Scheme()); f.Fingerprint != want {
				t.Errorf("fingerprint %s, want %s", f.Fingerprint, want)
			}
			for _, w := range tc.want {
				if !strings.Contains(f.Evidence.Summary, w) {
					t.Errorf("summary does not name %q: %s", w, f.Evidence.Summary)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(f.Evidence.Summary, w) {
					t.Errorf("summary names %q: %s", w, f.Evidence.Summary)
				}
			}
			b, err := json.Marshal(f)
			if err != nil {
				t.Fatal(err)
			}
			if s := string(b); strings.Contains(s, aliceToken) || strings.Contains(s, aliceToken[:len(aliceToken)/2]) {
				t.Errorf("finding shows the real token or its half: %s", s)
			}
		})
	}
}

// TestInvalidTokenEchoedHalfHidden checks that a target echoing the
// truncated token cannot make the report show half the real credential.
func TestInvalidTokenEchoedHalfHidden(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/me" {
			notFound(w)
			return
		}
		auth := r.Header.Get("Authorization")
		if !strings.HasPrefix(auth, "Bearer ") || len(auth) == len("Bearer ") {
			unauthorized(w)
			return
		}
		rec := map[string]any{}
		for k, v := range users["1001"] {
			rec[k] = v
		}
		// Enough stable content that one echoed value leaves the
		// answers alike.
		rec["orders"] = []map[string]any{orders["501"], orders["502"], orders["601"], orders["501"], orders["502"], orders["601"]}
		rec["seen"] = strings.TrimPrefix(auth, "Bearer ")
		writeJSON(w, 200, rec)
	})
	fs := invScan(t, h, invSpec, scanner.NewIdentity("primary", []scanner.Header{{Name: "Authorization", Value: "Bearer " + aliceToken}}))
	if countRule(fs, "authn-invalid-token-accepted") != 1 {
		t.Fatalf("want one finding, got%s", list(fs))
	}
	b, _ := json.Marshal(fs)
	if s := string(b); strings.Contains(s, aliceToken[:len(aliceToken)/2]) {
		t.Errorf("report shows half of the real token: %s", s)
	}
}
