package scanner

import (
	"net/http"
	"strings"
	"testing"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner/openapi"
)

// TestDetectToken: where a login answer carries its token, as the scan's
// own accounts learn it, the way APIs in the wild answer.
func TestDetectToken(t *testing.T) {
	const tok = "0123456789abcdef0123"
	tests := []struct {
		name     string
		status   int
		body     string
		header   http.Header
		wantFrom string
		wantKey  string
		wantOK   bool
	}{
		{name: "top-level token", body: `{"token":"` + tok + `","user":{"id":3}}`, wantFrom: "json", wantKey: "token", wantOK: true},
		{name: "OAuth answer prefers the access token", body: `{"refresh_token":"` + tok + `x","id_token":"` + tok + `y","access_token":"` + tok + `"}`, wantFrom: "json", wantKey: "access_token", wantOK: true},
		{name: "wrapped in data", body: `{"data":{"accessToken":"` + tok + `"}}`, wantFrom: "json", wantKey: "data.accessToken", wantOK: true},
		{name: "outer token over a nested one", body: `{"auth":{"token":"` + tok + `1"},"jwt":"` + tok + `"}`, wantFrom: "json", wantKey: "jwt", wantOK: true},
		{name: "refresh token alone is not one", body: `{"refresh_token":"` + tok + `"}`},
		{name: "short values are no token", body: `{"token":"ok"}`},
		{name: "token header", body: `{"ok":true}`, header: http.Header{"X-Auth-Token": {tok}}, wantFrom: "header", wantKey: "X-Auth-Token", wantOK: true},
		{name: "session cookie over another cookie", header: http.Header{"Set-Cookie": {"theme=dark", "connect.sid=" + tok + "; HttpOnly"}}, wantFrom: "cookie", wantKey: "connect.sid", wantOK: true},
		{name: "any cookie as a last resort", header: http.Header{"Set-Cookie": {"a1=" + tok}}, wantFrom: "cookie", wantKey: "a1", wantOK: true},
		{name: "a cleared cookie is none", header: http.Header{"Set-Cookie": {"sid=x; Max-Age=0"}}},
		{name: "a refusal carries none", status: 401, body: `{"token":"` + tok + `"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &Response{Status: 200, Header: http.Header{}, Body: []byte(tc.body)}
			if tc.status != 0 {
				r.Status = tc.status
			}
			for k, v := range tc.header {
				r.Header[k] = v
			}
			from, key, ok := detectToken(r)
			if ok != tc.wantOK || (ok && (from != tc.wantFrom || key != tc.wantKey)) {
				t.Errorf("detectToken = %q, %q, %v; want %q, %q, %v", from, key, ok, tc.wantFrom, tc.wantKey, tc.wantOK)
			}
			if !ok {
				return
			}
			l := &Login{TokenFrom: from, TokenName: key, Send: sendFor(from, key)}
			if got, ok := l.token(r); !ok || !strings.HasPrefix(got, tok) {
				t.Errorf("the login takes %q from the answer; want the token", got)
			}
		})
	}
}

// TestSignupFields: a signup body from the description's schema, a
// configured body, or nothing, with the new account's credentials in
// every name, e-mail and password field, nested one level as Rails and
// Django REST write them, and nothing else touched.
func TestSignupFields(t *testing.T) {
	c := credentials{name: "authgate-0011223344556677", email: "authgate-0011223344556677@example.com", password: "Ag7#secret"}
	str := func() *openapi.Schema { return &openapi.Schema{Type: "string"} }
	tests := []struct {
		name   string
		body   *openapi.Schema
		bodies map[string][]byte
		want   map[string]any // fields that must hold these values
		absent []string
	}{
		{
			name: "flat schema with confirmation",
			body: &openapi.Schema{Type: "object", Required: []string{"username", "email", "password", "password_confirmation", "plan"},
				Properties: map[string]*openapi.Schema{"username": str(), "email": {Type: "string", Format: "email"}, "password": str(), "password_confirmation": str(), "plan": {Type: "string", Enum: []string{"free", "pro"}}}},
			want: map[string]any{"username": c.name, "email": c.email, "password": c.password, "password_confirmation": c.password, "plan": "free"},
		},
		{
			name: "optional credential fields are filled too",
			body: &openapi.Schema{Type: "object", Required: []string{"password"},
				Properties: map[string]*openapi.Schema{"login": str(), "password": str(), "role": str()}},
			want:   map[string]any{"login": c.name, "password": c.password},
			absent: []string{"role"},
		},
		{
			name: "nested under user",
			body: &openapi.Schema{Type: "object", Required: []string{"user"}, Properties: map[string]*openapi.Schema{
				"user": {Type: "object", Required: []string{"email", "password"}, Properties: map[string]*openapi.Schema{"email": str(), "password": str()}}}},
			want: map[string]any{"user": map[string]any{"email": c.email, "password": c.password}},
		},
		{
			name:   "configured body wins over the schema",
			body:   &openapi.Schema{Type: "object", Required: []string{"email"}, Properties: map[string]*openapi.Schema{"email": str()}},
			bodies: map[string][]byte{"POST /signup": []byte(`{"email":"x","password":"y","invite":"abc"}`)},
			want:   map[string]any{"email": c.email, "password": c.password, "invite": "abc"},
		},
		{
			name: "an optional wrapper object is not a name",
			body: &openapi.Schema{Type: "object", Required: []string{"email", "password"}, Properties: map[string]*openapi.Schema{
				"email": str(), "password": str(), "user": {Type: "object", Properties: map[string]*openapi.Schema{"bio": str()}}}},
			want:   map[string]any{"email": c.email, "password": c.password},
			absent: []string{"user"},
		},
		{
			name: "no schema: the usual three fields",
			want: map[string]any{"username": c.name, "email": c.email, "password": c.password},
		},
		{
			name: "schema without a password field gets one",
			body: &openapi.Schema{Type: "object", Required: []string{"email"}, Properties: map[string]*openapi.Schema{"email": str()}},
			want: map[string]any{"email": c.email, "password": c.password},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := &scan{opts: Options{Bodies: tc.bodies}}
			op := &openapi.Operation{Method: "POST", Path: "/signup", Body: tc.body}
			got, why := s.signupFields(op, c)
			if why != "" {
				t.Fatal(why)
			}
			for k, want := range tc.want {
				if g := got[k]; !equalJSON(g, want) {
					t.Errorf("%s = %v; want %v (body %v)", k, g, want, got)
				}
			}
			for _, k := range tc.absent {
				if _, ok := got[k]; ok {
					t.Errorf("%s is set (%v); the signup must not send it", k, got[k])
				}
			}
		})
	}
}

// equalJSON compares decoded JSON values, maps one level deep.
func equalJSON(a, b any) bool {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if aok != bok {
		return false
	}
	if !aok {
		return a == b
	}
	if len(am) != len(bm) {
		return false
	}
	for k := range am {
		if am[k] != bm[k] {
			return false
		}
	}
	return true
}

// TestFindLogin picks the login operation of a description, never a
// token refresh, a logout or the signup itself.
func TestFindLogin(t *testing.T) {
	post := func(path, id string) openapi.Operation {
		return openapi.Operation{Method: "POST", Path: path, OperationID: id}
	}
	tests := []struct {
		name string
		ops  []openapi.Operation
		want string // path, "" for none
	}{
		{"login over token", []openapi.Operation{post("/oauth/token", ""), post("/auth/login", "")}, "/auth/login"},
		{"sign-in by operation id", []openapi.Operation{post("/api/v1/credentials", "signIn")}, "/api/v1/credentials"},
		{"sessions", []openapi.Operation{post("/api/sessions", "")}, "/api/sessions"},
		{"refresh is not a login", []openapi.Operation{post("/auth/token/refresh", "")}, ""},
		{"logout is not a login", []openapi.Operation{post("/auth/logout", "")}, ""},
		{"signup is not a login", []openapi.Operation{post("/auth/signup", "")}, ""},
		{"GET login is not a login", []openapi.Operation{{Method: "GET", Path: "/login"}}, ""},
		{"path parameters are not a login", []openapi.Operation{{Method: "POST", Path: "/login/{provider}", Params: []openapi.Param{{Name: "provider", In: "path"}}}}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := findLogin(tc.ops)
			switch {
			case got == nil && tc.want != "":
				t.Errorf("found none; want %s", tc.want)
			case got != nil && got.Path != tc.want:
				t.Errorf("found %s; want %q", got.Path, tc.want)
			}
		})
	}
}

// TestCopyLogin reuses a configured login's shape for a new account,
// with its address where the configured one signs in with an address.
func TestCopyLogin(t *testing.T) {
	c := credentials{name: "authgate-aa", email: "authgate-aa@example.com", password: "Ag7#pw"}
	tests := []struct {
		name     string
		body     map[string]any
		wantUser string
	}{
		{"username", map[string]any{"username": "alice", "password": "x", "remember": true}, c.name},
		{"address in a login field", map[string]any{"login": "alice@corp.example", "password": "x"}, c.email},
		{"email field", map[string]any{"email": "alice", "pwd": "x"}, c.email},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tmpl := &Login{Method: "POST", Path: "/login", Body: tc.body, TokenFrom: "json", TokenName: "token", Send: "Authorization: Bearer {token}"}
			l := copyLogin(tmpl, c)
			if got := l.Username(); got != tc.wantUser {
				t.Errorf("username = %q; want %q", got, tc.wantUser)
			}
			if got := l.Password(); got != c.password {
				t.Errorf("password = %q; want the new account's", got)
			}
			if tmpl.Password() == c.password || tmpl.Username() == tc.wantUser {
				t.Error("the configured login was changed")
			}
			if len(l.Body) != len(tc.body) {
				t.Errorf("body %v; want the configured fields, no more", l.Body)
			}
		})
	}
}

// TestSignupOperation finds the sign-up of a description: the configured
// flow first, a register or sign-up POST, one under a parent only when
// pathValues names the parent, and says why when there is none.
func TestSignupOperation(t *testing.T) {
	tenant := openapi.Operation{Method: "POST", Path: "/tenants/{tenantId}/signup", Params: []openapi.Param{{Name: "tenantId", In: "path"}}}
	tests := []struct {
		name    string
		ops     []openapi.Operation
		flow    string
		values  map[string]string
		skipped []finding.SkippedOperation
		want    string // "METHOD /path", "" for none
		wantWhy string
	}{
		{name: "register", ops: []openapi.Operation{{Method: "POST", Path: "/api/login"}, {Method: "POST", Path: "/api/register"}}, want: "POST /api/register"},
		{name: "sign-up by operation id", ops: []openapi.Operation{{Method: "POST", Path: "/api/users", OperationID: "signUp"}}, want: "POST /api/users"},
		{name: "configured flow", ops: []openapi.Operation{{Method: "POST", Path: "/api/register"}}, flow: "post /api/v2/accounts", want: "POST /api/v2/accounts"},
		{name: "under a tenant named in pathValues", ops: []openapi.Operation{tenant}, values: map[string]string{"tenantId": "42"}, want: "POST /tenants/{tenantId}/signup"},
		{name: "under a tenant nobody named", ops: []openapi.Operation{tenant}, wantWhy: "has no signup operation"},
		{name: "excluded", ops: []openapi.Operation{{Method: "POST", Path: "/api/notes"}}, skipped: []finding.SkippedOperation{{Method: "POST", Path: "/api/register", Reason: ExcludedReason}},
			wantWhy: "the signup operation POST /api/register was not sent: excluded by --exclude"},
		{name: "none", ops: []openapi.Operation{{Method: "POST", Path: "/api/notes"}}, wantWhy: "has no signup operation"},
		{name: "public POST on users", ops: []openapi.Operation{{Method: "POST", Path: "/api/notes", Security: openapi.SecurityPublic}, {Method: "POST", Path: "/api/Users", Security: openapi.SecurityPublic}}, want: "POST /api/Users"},
		{name: "a register route before a public POST on users", ops: []openapi.Operation{{Method: "POST", Path: "/api/Users", Security: openapi.SecurityPublic}, {Method: "POST", Path: "/api/register"}}, want: "POST /api/register"},
		{name: "an administrator's POST on users", ops: []openapi.Operation{{Method: "POST", Path: "/api/users", Security: openapi.SecurityRequired}}, wantWhy: "has no signup operation"},
		{name: "a public POST under a user", ops: []openapi.Operation{{Method: "POST", Path: "/api/users/{id}/avatar", Security: openapi.SecurityPublic, Params: []openapi.Param{{Name: "id", In: "path"}}}}, wantWhy: "has no signup operation"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := &scan{opts: Options{Flows: Flows{Register: tc.flow}, PathValues: tc.values}}
			s.safety.skipped = tc.skipped
			op, why := s.signupOperation(tc.ops)
			switch {
			case tc.want != "" && (op == nil || op.Method+" "+op.Path != tc.want):
				t.Errorf("signup = %v (%s); want %s", op, why, tc.want)
			case tc.want == "" && (op != nil || !strings.Contains(why, tc.wantWhy)):
				t.Errorf("signup = %v, %q; want none, %q", op, why, tc.wantWhy)
			}
		})
	}
}
