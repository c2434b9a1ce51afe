package config

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authgate/authgate/finding"
)

// valid returns a Config that passes Validate, for cases to break.
func valid() Config {
	c := Default()
	c.Target = "https://preview.example.com"
	c.Outputs = []Output{{Format: FormatText, Path: Stdout}}
	return c
}

func TestValidate(t *testing.T) {
	const secret = "hunter2-secret"
	tests := []struct {
		name    string
		mutate  func(c *Config)
		wantErr string // "" for valid
	}{
		{name: "defaults with a target", mutate: func(c *Config) {}},
		{name: "everything set", mutate: func(c *Config) {
			c.Target = "http://127.0.0.1:8080/api"
			c.BaselineURL = "https://prod.example.com"
			c.OpenAPI = "https://preview.example.com/openapi.json"
			c.Mode = "active"
			c.FailOn = "none"
			c.FailUnder = 100
			c.MaxScoreDrop = 0
			c.Rate = 0
			c.Concurrency = MaxConcurrency
			c.Wait = 0
			c.Budget = 1
			c.Shard = Shard{3, 3}
			c.Endpoints = []string{"GET /user?user_id=1", "post /login"}
			c.Auth = []string{"Authorization: Bearer " + secret, "Cookie: s=1"}
			c.PeerAuth = []string{"Authorization: Bearer b"}
			c.Suppress = []finding.Suppression{{Rule: "cookie-insecure"}, {Fingerprint: "v1:ab", Reason: "accepted", Until: "2025-06-30"}}
			c.Outputs = []Output{{"json", "a.json"}, {"sarif", "a.sarif"}, {"text", ""}}
		}},
		{name: "no target", mutate: func(c *Config) { c.Target = "" }, wantErr: "target: required"},
		{name: "relative target", mutate: func(c *Config) { c.Target = "preview.example.com" }, wantErr: "target: not an absolute URL"},
		{name: "ftp target", mutate: func(c *Config) { c.Target = "ftp://x.example" }, wantErr: `target: scheme "ftp" is not http or https`},
		{name: "no host", mutate: func(c *Config) { c.Target = "http:///a" }, wantErr: "target: the URL has no host"},
		{name: "port only", mutate: func(c *Config) { c.Target = "http://:80" }, wantErr: "target: the URL has no host"},
		{name: "bad port", mutate: func(c *Config) { c.Target = "http://x.example:99999" }, wantErr: "target: port 99999 is outside"},
		{name: "unparseable", mutate: func(c *Config) { c.Target = "http://x.example/\x00" }, wantErr: "target: not a valid URL"},
		{name: "credentials in target", mutate: func(c *Config) { c.Target = "https://admin:" + secret + "@x.example" }, wantErr: "target: credentials in the URL are refused"},
		{name: "token as user", mutate: func(c *Config) { c.Target = "https://" + secret + "@x.example" }, wantErr: "would be printed"},
		{name: "credentials in baseline-url", mutate: func(c *Config) { c.BaselineURL = "https://u:" + secret + "@prod.example" }, wantErr: "baseline-url: credentials"},
		{name: "relative baseline-url", mutate: func(c *Config) { c.BaselineURL = "/prod" }, wantErr: "baseline-url: not an absolute URL"},
		{name: "credentials in openapi URL", mutate: func(c *Config) { c.OpenAPI = "https://u:" + secret + "@x.example/o.json" }, wantErr: "openapi: credentials"},
		{name: "bad mode", mutate: func(c *Config) { c.Mode = "aggressive" }, wantErr: `mode: "aggressive" is not one of safe, active`},
		{name: "empty mode", mutate: func(c *Config) { c.Mode = "" }, wantErr: `mode: ""`},
		{name: "bad fail-on", mutate: func(c *Config) { c.FailOn = "info" }, wantErr: `fail-on: "info" is not one of critical, high, medium, low, none`},
		{name: "fail-under high", mutate: func(c *Config) { c.FailUnder = 101 }, wantErr: "fail-under: 101 is outside 0..100"},
		{name: "fail-under negative", mutate: func(c *Config) { c.FailUnder = -1 }, wantErr: "fail-under: -1"},
		{name: "max-score-drop -2", mutate: func(c *Config) { c.MaxScoreDrop = -2 }, wantErr: "max-score-drop: -2 is outside"},
		{name: "max-score-drop 101", mutate: func(c *Config) { c.MaxScoreDrop = 101 }, wantErr: "max-score-drop: 101"},
		{name: "negative rate", mutate: func(c *Config) { c.Rate = -1 }, wantErr: "rate: -1"},
		{name: "NaN rate", mutate: func(c *Config) { c.Rate = math.NaN() }, wantErr: "rate: NaN"},
		{name: "infinite rate", mutate: func(c *Config) { c.Rate = math.Inf(1) }, wantErr: "rate: +Inf"},
		{name: "zero concurrency", mutate: func(c *Config) { c.Concurrency = 0 }, wantErr: "concurrency: 0 is outside 1..256"},
		{name: "huge concurrency", mutate: func(c *Config) { c.Concurrency = 257 }, wantErr: "concurrency: 257"},
		{name: "zero timeout", mutate: func(c *Config) { c.Timeout = 0 }, wantErr: "timeout: 0s must be more than 0"},
		{name: "zero budget", mutate: func(c *Config) { c.Budget = 0 }, wantErr: "budget: 0 must be at least 1"},
		{name: "negative wait", mutate: func(c *Config) { c.Wait = -time.Second }, wantErr: "wait: -1s must not be negative"},
		{name: "shard index 0", mutate: func(c *Config) { c.Shard = Shard{0, 4} }, wantErr: "shard: the shard index must be between 1 and 4, got 0"},
		{name: "shard over", mutate: func(c *Config) { c.Shard = Shard{5, 4} }, wantErr: "shard: the shard index"},
		{name: "shard count 0", mutate: func(c *Config) { c.Shard = Shard{1, 0} }, wantErr: "shard: the shard count"},
		{name: "bad endpoint", mutate: func(c *Config) { c.Endpoints = []string{"GET /a", "FETCH /b"} }, wantErr: `endpoint #2: unknown HTTP method "FETCH"`},
		{name: "bad auth", mutate: func(c *Config) { c.Auth = []string{"Bearer " + secret} }, wantErr: `auth #1: want "Header: value"`},
		{name: "empty auth value", mutate: func(c *Config) { c.Auth = []string{"Cookie: s=1", "Authorization: "} }, wantErr: `auth #2: header "Authorization" has an empty value`},
		{name: "bad peer-auth", mutate: func(c *Config) { c.PeerAuth = []string{"X Y: " + secret} }, wantErr: "peer-auth #1: the header name is not a valid"},
		{name: "empty suppress", mutate: func(c *Config) { c.Suppress = []finding.Suppression{{Rule: " "}} }, wantErr: "suppress #1: empty"},
		{name: "unknown format", mutate: func(c *Config) { c.Outputs = []Output{{"pdf", "a.pdf"}} }, wantErr: `format: unknown report format "pdf"`},
		{name: "two on stdout", mutate: func(c *Config) { c.Outputs = []Output{{"json", "-"}, {"sarif", ""}} }, wantErr: "format: only one report can go to stdout (got json and sarif)"},
		{name: "same file twice", mutate: func(c *Config) { c.Outputs = []Output{{"json", "a"}, {"sarif", "a"}} }, wantErr: `output: "a" is written twice`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := valid()
			tc.mutate(&c)
			err := c.Validate()
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate() = %v; want nil", err)
				}
				return
			}
			checkErr(t, err, tc.wantErr)
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error %q repeats a credential", err)
			}
		})
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	c := Default() // no target
	c.Mode = "loud"
	c.Concurrency = 0
	err := c.Validate()
	var p Problems
	if !errors.As(err, &p) {
		t.Fatalf("Validate() = %T %v; want Problems", err, err)
	}
	if len(p) != 3 {
		t.Errorf("got %d problems (%v); want 3", len(p), err)
	}
	for _, e := range p {
		if !errors.Is(e, ErrInvalid) {
			t.Errorf("problem %q does not wrap ErrInvalid", e)
		}
	}
	checkErr(t, err, "; mode: \"loud\" is not one of safe, active; concurrency: 0")
}

func TestValidateNilWhenValid(t *testing.T) {
	c := valid()
	// A typed nil Problems in an error would be != nil: guard that.
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate() = %#v; want untyped nil", err)
	}
}

// withIdentities is valid() with a set of identities that passes
// Validate: two users, an admin and a throw-away account.
func withIdentities() Config {
	c := valid()
	c.Identities = []Identity{
		{Name: "alice", Role: RoleUser, Headers: []string{"Authorization: Bearer a", "Cookie: s=1; t=2"}},
		{Name: "bob", Role: RoleUser, Headers: []string{"Authorization: Bearer b"}},
		{Name: "root", Role: RoleAdmin, Headers: []string{"Authorization: Bearer r"}},
		{Name: "mallory", Role: RoleUser, Throwaway: true, Login: &Login{
			Method: "POST", Path: "/api/login", Format: BodyJSON,
			Body:          map[string]any{"email": "m@example.com", "password": "pw", "extra": map[string]any{"a": []any{1}}},
			UsernameField: "email", PasswordField: "password",
			Token: "json:access_token", Send: DefaultBearerSend, Lifetime: time.Minute,
		}},
	}
	c.Primary, c.Peer = "alice", "bob"
	c.Flows = Flows{Check: "GET /api/me", Logout: "POST /api/logout", Register: "post /api/register", Recovery: "POST /api/password/forgot"}
	return c
}

func TestValidateIdentities(t *testing.T) {
	const secret = "hunter2-secret"
	login := func(c *Config) *Login { return c.Identities[3].Login }
	tests := []struct {
		name    string
		mutate  func(c *Config)
		wantErr string // substring; "" for valid
	}{
		{name: "valid set", mutate: func(c *Config) {}},
		{name: "primary and peer unnamed", mutate: func(c *Config) { c.Primary, c.Peer = "", "" }},
		{name: "headers and a login", mutate: func(c *Config) {
			c.Identities[3].Headers = []string{"X-Tenant: t1"}
		}},
		{name: "form body with scalars", mutate: func(c *Config) {
			l := login(c)
			l.Format, l.Body = BodyForm, map[string]any{"user": "m", "pin": int64(1), "n": 1, "f": 1.5, "remember": true}
			l.UsernameField, l.PasswordField = "user", ""
		}},
		{name: "cookie token", mutate: func(c *Config) { login(c).Token, login(c).Send = "cookie:sid", "Cookie: sid={token}" }},
		{name: "header token", mutate: func(c *Config) { login(c).Token = "header:X-Auth-Token" }},
		{name: "json token with index", mutate: func(c *Config) { login(c).Token = "json:data.tokens.0.value" }},
		{name: "GET login with a query", mutate: func(c *Config) { login(c).Method, login(c).Path = "GET", "/login?user=m&key="+secret }},
		{name: "no field names, no lifetime", mutate: func(c *Config) {
			login(c).UsernameField, login(c).PasswordField, login(c).Lifetime = "", "", 0
		}},
		{name: "role left empty", mutate: func(c *Config) { c.Identities[0].Role = "" }},

		{name: "no name", mutate: func(c *Config) { c.Identities[1].Name = "" }, wantErr: "identities[2]: name: required"},
		{name: "name with a space", mutate: func(c *Config) { c.Identities[1].Name = "bo b" }, wantErr: `identities[2]: name: "bo b": use at most 64 letters, digits, _, . and -`},
		{name: "name too long", mutate: func(c *Config) { c.Identities[1].Name = strings.Repeat("b", 65) }, wantErr: "identities[2]: name: "},
		{name: "name with a newline", mutate: func(c *Config) { c.Identities[1].Name = "a\nb" }, wantErr: `identities[2]: name: "a\nb"`},
		{name: "reserved name", mutate: func(c *Config) { c.Identities[1].Name = "Primary" }, wantErr: `identities[2] (Primary): name: "Primary" is reserved (reports use anonymous, primary, peer for roles)`},
		{name: "anonymous", mutate: func(c *Config) { c.Identities[1].Name = "anonymous" }, wantErr: `"anonymous" is reserved`},
		{name: "duplicate name", mutate: func(c *Config) { c.Identities[1].Name = "Alice" }, wantErr: "identities[2] (Alice): name: already the name of identities[1] (alice)"},
		{name: "bad role", mutate: func(c *Config) { c.Identities[1].Role = "root" }, wantErr: `identities[2] (bob): role: "root" is not one of user, admin`},
		{name: "no credentials", mutate: func(c *Config) { c.Identities[1].Headers = nil }, wantErr: "identities[2] (bob): no credentials: give headers:, cookies: or a login:"},
		{name: "throw-away without login", mutate: func(c *Config) { c.Identities[1].Throwaway = true }, wantErr: "identities[2] (bob): throwaway: a throw-away identity needs a login:"},
		{name: "bad header", mutate: func(c *Config) { c.Identities[0].Headers = []string{"Cookie: s=1", "Bearer " + secret} }, wantErr: `identities[1] (alice): headers #2: want "Header: value" (no colon found)`},
		{name: "header with a line break", mutate: func(c *Config) { c.Identities[0].Headers = []string{"X-A: a\r\nX-B: " + secret} }, wantErr: `identities[1] (alice): headers #1: header "X-A": the value contains a control character`},
		{name: "two cookie headers", mutate: func(c *Config) {
			c.Identities[0].Headers = append(c.Identities[0].Headers, "cookie: u="+secret)
		}, wantErr: "identities[1] (alice): headers: more than one Cookie header"},
		{name: "bad method", mutate: func(c *Config) { login(c).Method = "PO ST" }, wantErr: `identities[4] (mallory): login.method: "PO ST" is not an HTTP method`},
		{name: "no path", mutate: func(c *Config) { login(c).Path = "" }, wantErr: "login.path: required"},
		{name: "URL path", mutate: func(c *Config) { login(c).Path = "https://evil.example/login?k=" + secret }, wantErr: `login.path: must start with a single "/": a path on the target, not a URL`},
		{name: "scheme-relative path", mutate: func(c *Config) { login(c).Path = "//evil.example/login" }, wantErr: `login.path: must start with a single "/"`},
		{name: "path with a fragment", mutate: func(c *Config) { login(c).Path = "/login#" + secret }, wantErr: "login.path: must not contain a fragment"},
		{name: "path with a space", mutate: func(c *Config) { login(c).Path = "/login?k=" + secret + " x" }, wantErr: "login.path: must not contain spaces or control characters"},
		{name: "path with a line break", mutate: func(c *Config) { login(c).Path = "/login\n" + secret }, wantErr: "login.path: must not contain spaces or control characters"},
		{name: "bad format", mutate: func(c *Config) { login(c).Format = "xml" }, wantErr: `login.format: "xml" is not one of json, form`},
		{name: "form body nested", mutate: func(c *Config) {
			login(c).Format = BodyForm
			login(c).Body = map[string]any{"email": "m", "password": secret, "extra": map[string]any{"a": secret}, "list": []any{secret}, "nil": nil}
		}, wantErr: "login.body.extra: a form field must be a string, number or boolean (only json bodies nest); identities[4] (mallory): login.body.list: a form field"},
		{name: "form body null", mutate: func(c *Config) {
			login(c).Format, login(c).Body = BodyForm, map[string]any{"email": "m", "password": nil}
		}, wantErr: "login.body.password: a form field must be"},
		{name: "username field not in body", mutate: func(c *Config) { login(c).UsernameField = "user" }, wantErr: `login.usernameField: "user" is not a field of login.body`},
		{name: "password field not in body", mutate: func(c *Config) { login(c).PasswordField = "pass" }, wantErr: `login.passwordField: "pass" is not a field of login.body`},
		{name: "no token", mutate: func(c *Config) { login(c).Token = "" }, wantErr: "login.token: required: where the answer carries the token"},
		{name: "no token, no send", mutate: func(c *Config) { login(c).Token, login(c).Send = "", "" }, wantErr: "login.token: required"},
		{name: "unknown token source", mutate: func(c *Config) { login(c).Token = "jwt:x" }, wantErr: `login.token: want "json:<dotted.path>", "header:<Name>" or "cookie:<name>"`},
		{name: "token without colon", mutate: func(c *Config) { login(c).Token = "access_token" }, wantErr: `login.token: want "json:<dotted.path>"`},
		{name: "empty json path", mutate: func(c *Config) { login(c).Token = "json:" }, wantErr: "login.token: the JSON path after json: needs non-empty parts"},
		{name: "json path with empty part", mutate: func(c *Config) { login(c).Token = "json:a..b" }, wantErr: "login.token: the JSON path"},
		{name: "json path with a space", mutate: func(c *Config) { login(c).Token = "json:a b" }, wantErr: "login.token: the JSON path"},
		{name: "empty header name", mutate: func(c *Config) { login(c).Token = "header:" }, wantErr: "login.token: the header name after header: is missing or not a valid name"},
		{name: "bad cookie name", mutate: func(c *Config) { login(c).Token = "cookie:a b" }, wantErr: "login.token: the cookie name after cookie: is missing"},
		{name: "send without colon", mutate: func(c *Config) { login(c).Send = "Bearer {token}" }, wantErr: `login.send: want "Header: value" (no colon found)`},
		{name: "send without placeholder", mutate: func(c *Config) { login(c).Send = "Authorization: Bearer " + secret }, wantErr: "login.send: want {token} exactly once, where the token goes (found it 0 times)"},
		{name: "send placeholder twice", mutate: func(c *Config) { login(c).Send = "X-A: {token}{token}" }, wantErr: "found it 2 times"},
		{name: "send empty with a valid token", mutate: func(c *Config) { login(c).Send = "" }, wantErr: "login.send: want"},
		{name: "negative lifetime", mutate: func(c *Config) { login(c).Lifetime = -time.Second }, wantErr: "login.lifetime: -1s must not be negative"},
		{name: "unknown primary", mutate: func(c *Config) { c.Primary = "carol" }, wantErr: `primary: "carol" is not the name of an identity`},
		{name: "unknown peer", mutate: func(c *Config) { c.Peer = "carol" }, wantErr: `peer: "carol" is not the name of an identity`},
		{name: "peer without identities", mutate: func(c *Config) { c.Identities, c.Primary = nil, "" }, wantErr: `peer: "bob" is not the name`},
		{name: "admin primary", mutate: func(c *Config) { c.Primary = "root" }, wantErr: `primary: "root" has role admin; the primary identity must be a regular user`},
		{name: "admin peer", mutate: func(c *Config) { c.Peer = "root" }, wantErr: `peer: "root" has role admin; the peer must be a regular user`},
		{name: "peer is primary", mutate: func(c *Config) { c.Peer = "alice" }, wantErr: `peer: "alice" is also the primary; the peer must be a second account`},
		{name: "bad flow method", mutate: func(c *Config) { c.Flows.Logout = "FETCH /logout" }, wantErr: `flows: logout: unknown HTTP method "FETCH"`},
		{name: "flow URL", mutate: func(c *Config) { c.Flows.Check = "GET https://x.example/me" }, wantErr: `flows: check: the path must start with a single "/"`},
		{name: "flow one word", mutate: func(c *Config) { c.Flows.Recovery = "/forgot" }, wantErr: "flows: recovery: want \"METHOD /path?query\""},
		{name: "flow register", mutate: func(c *Config) { c.Flows.Register = "POST" }, wantErr: "flows: register: want"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := withIdentities()
			tc.mutate(&c)
			err := c.Validate()
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate() = %v; want nil", err)
				}
				return
			}
			checkErr(t, err, tc.wantErr)
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error %q repeats a credential", err)
			}
		})
	}
}

func TestPrimaryPeer(t *testing.T) {
	user := func(name string) Identity { return Identity{Name: name, Role: RoleUser} }
	admin := Identity{Name: "root", Role: RoleAdmin}
	temp := Identity{Name: "temp", Role: RoleUser, Throwaway: true}
	tests := []struct {
		name                  string
		ids                   []Identity
		primary, peer         string
		wantPrimary, wantPeer string // "" for nil
	}{
		{name: "none"},
		{name: "first two users", ids: []Identity{admin, temp, user("a"), user("b"), user("c")}, wantPrimary: "a", wantPeer: "b"},
		{name: "one user", ids: []Identity{user("a"), admin}, wantPrimary: "a"},
		{name: "empty role counts as user", ids: []Identity{{Name: "a"}, {Name: "b"}}, wantPrimary: "a", wantPeer: "b"},
		{name: "named both", ids: []Identity{user("a"), user("b"), user("c")}, primary: "c", peer: "a", wantPrimary: "c", wantPeer: "a"},
		{name: "named primary skipped for peer", ids: []Identity{user("a"), user("b")}, primary: "a", wantPrimary: "a", wantPeer: "b"},
		{name: "named peer skipped for primary", ids: []Identity{user("a"), user("b")}, peer: "a", wantPrimary: "b", wantPeer: "a"},
		{name: "named throw-away", ids: []Identity{temp, user("a")}, primary: "temp", wantPrimary: "temp", wantPeer: "a"},
		{name: "unknown name is nil, not a fallback", ids: []Identity{user("a"), user("b")}, primary: "zed", wantPeer: "a"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := Config{Identities: tc.ids, Primary: tc.primary, Peer: tc.peer}
			p, q := c.PrimaryPeer()
			name := func(id *Identity) string {
				if id == nil {
					return ""
				}
				return id.Name
			}
			if name(p) != tc.wantPrimary || name(q) != tc.wantPeer {
				t.Errorf("PrimaryPeer() = %q, %q; want %q, %q", name(p), name(q), tc.wantPrimary, tc.wantPeer)
			}
			if p != nil && p != &c.Identities[slices.IndexFunc(c.Identities, func(id Identity) bool { return id.Name == p.Name })] {
				t.Error("PrimaryPeer returned a copy, not the identity in Config")
			}
		})
	}
}
