package rules_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/authgate/authgate/scanner"
	"github.com/authgate/authgate/scanner/rules"
)

// Reviewer C, issue 12 round 2: precision on correct APIs shaped like
// real frameworks. Loopback servers only; two users.

// cUser is an account of reviewer C's models.
type cUser struct {
	id           int
	login, email string
	passwd       string
}

var cUsers = []cUser{
	{id: 11, login: "alice", email: "alice@example.com", passwd: "alice-pw-1"},
	{id: 12, login: "bob", email: "bob@example.com", passwd: "bob-pw-2"},
}

func cToken(u cUser) string { return "tok-" + u.login + "-0123456789abcdef" }

// cCaller is the user a bearer token belongs to.
func cCaller(r *http.Request) (cUser, bool) {
	for _, u := range cUsers {
		if r.Header.Get("Authorization") == "Bearer "+cToken(u) {
			return u, true
		}
	}
	return cUser{}, false
}

// cLogin answers POST /login {"email","password"} with the token and the
// user's own record (extra lets a model add what its framework adds).
func cLogin(mux *http.ServeMux, extra func(u cUser) map[string]any) {
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		var body struct{ Email, Password string }
		json.NewDecoder(r.Body).Decode(&body)
		for _, u := range cUsers {
			if u.email == body.Email && u.passwd == body.Password {
				user := map[string]any{"id": u.id, "username": u.login, "email": u.email}
				ans := map[string]any{"token": cToken(u), "user": user}
				if extra != nil {
					for k, v := range extra(u) {
						ans[k] = v
					}
				}
				writeJSON(w, 200, ans)
				return
			}
		}
		writeJSON(w, 401, map[string]string{"error": "bad credentials"})
	})
}

const cLoginSpec = `  /login:
    post:
      security: []
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {email: {type: string}, password: {type: string}}}
      responses: {"200": {description: the session}}
`

func cIdentity(u cUser) *scanner.Identity {
	id := scanner.NewIdentity(u.login, nil)
	id.Login = &scanner.Login{Method: "POST", Path: "/login", Format: "json",
		Body:      map[string]any{"email": u.email, "password": u.passwd},
		TokenFrom: "json", TokenName: "token", Send: "Authorization: Bearer {token}"}
	return id
}

// forgeAPI is a correct Gitea-like forge: every signed-in member reads
// every "internal" repository (that is what internal visibility means),
// anonymous callers none. GET /api/repos lists them with their owner
// (Gitea's owner object: id, login, email); GET /api/repos/{id} is the
// repository's page, with Gitea's and GitHub's "private": false and
// "internal": true.
// extra is what the page adds to the record besides those.
func forgeAPI(extra map[string]any) http.Handler {
	repos := []map[string]any{
		{"id": 201, "name": "alice-tools", "owner": map[string]any{"id": 11, "login": "alice", "email": "alice@example.com"}},
		{"id": 202, "name": "bob-scripts", "owner": map[string]any{"id": 12, "login": "bob", "email": "bob@example.com"}},
	}
	mux := http.NewServeMux()
	cLogin(mux, nil)
	mux.HandleFunc("GET /api/repos", func(w http.ResponseWriter, r *http.Request) {
		if _, ok := cCaller(r); !ok {
			unauthorized(w)
			return
		}
		writeJSON(w, 200, repos)
	})
	mux.HandleFunc("GET /api/repos/{id}", func(w http.ResponseWriter, r *http.Request) {
		if _, ok := cCaller(r); !ok {
			unauthorized(w)
			return
		}
		for _, repo := range repos {
			if jsonNumber(repo["id"].(int)) == r.PathValue("id") {
				page := map[string]any{"default_branch": "main",
					"description": "Tools of " + repo["name"].(string), "stargazers_count": 3}
				for k, v := range extra {
					page[k] = v
				}
				for k, v := range repo {
					page[k] = v
				}
				writeJSON(w, 200, page)
				return
			}
		}
		notFound(w)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { notFound(w) })
	return mux
}

var forgeSpec = bolaSpec(cLoginSpec + `  /api/repos:
    get:
      responses: {"200": {description: every repository members can see, with its owner}}
  /api/repos/{id}:
    get:
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer}}
      responses: {"200": {description: a repository}}
`)

// TestReview12CInternalRepoIsNoBOLA pins a false positive of ownership
// from list owner fields (scanner/harvest_sources.go privateKey, used by
// Target.Reveals; scanner/rules/bola.go crossUserRead): privateKey is an
// unanchored pattern matched against the key alone, so an item page
// field that only contains one of its words counts as "a field no
// catalogue shows", and bob reading alice's internal repository, listed to
// him with its owner, is reported as BOLA: Gitea's and GitHub's
// "private": false (a flag saying the repository is NOT private),
// "businessName" (busine-SSN-ame), Yoast's "twitter_card" and
// "passengers" (PASS) each do it. Expected: no bola-cross-user-read on
// GET /api/repos/{id} for any of them — words must match whole words of
// the key (ssn, card, pass…) and a false/empty/zero value reveals
// nothing; the twin with a deploy token on the page stays a finding.
func TestReview12CInternalRepoIsNoBOLA(t *testing.T) {
	for name, extra := range map[string]map[string]any{
		"private false":        {"private": false, "internal": true},
		"business name":        {"businessName": "Alice Tools GmbH"},
		"twitter card":         {"twitter_card": "summary_large_image"},
		"passengers":           {"passengers": 4},
		"twin: a deploy token": {"deploy_token": "dpl-9f8e7d6c5b4a3928"},
	} {
		res := bolaScan(t, forgeAPI(extra), forgeSpec, cIdentity(cUsers[0]), cIdentity(cUsers[1]), 4)
		f, found := findingOf(res.Findings, "bola-cross-user-read", "GET", "/api/repos/{id}")
		if twin := strings.HasPrefix(name, "twin"); twin != found {
			t.Errorf("%s: bola-cross-user-read reported %v, want %v: %s", name, found, twin, f.Evidence.Summary)
		}
		if f, found := findingOf(res.Findings, "bola-id-enumeration", "GET", "/api/repos/{id}"); found {
			t.Errorf("%s: bola-id-enumeration: %s", name, f.Evidence.Summary)
		}
	}
}

// cCredentialsCase is one answer of GET /me judged by
// credentials-in-response: leak says whether it holds a credential.
type cCredentialsCase struct {
	name, body string
	leak       bool
}

// cJudgeCredentials scans GET /me answering each case's body and checks
// credentials-in-response against the case's verdict.
func cJudgeCredentials(t *testing.T, cases []cCredentialsCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fs := mcScan(t, mcAPI(nil, false, tc.body), mcOpts{spec: mcSpec, auth: true})
			got := has(fs, "credentials-in-response", "GET", "/me")
			if got != tc.leak {
				t.Errorf("credentials-in-response: got %v, want %v; findings:%s", got, tc.leak, list(fs))
			}
		})
	}
}

// springEnv is Spring Boot 2's /actuator/env as it answers by default:
// values of keys ending in password, secret, key or token sanitised to
// "******", the rest shown (the container's working directory PWD, an LLM
// client's MAX_TOKENS). dbPassword is the DB_PASSWORD value.
func springEnv(dbPassword string) string {
	return `{"activeProfiles":["prod"],"propertySources":[{"name":"systemEnvironment","properties":{` +
		`"PWD":{"value":"/workspace/app","origin":"System Environment Property \"PWD\""},` +
		`"MAX_TOKENS":{"value":"4096","origin":"System Environment Property \"MAX_TOKENS\""},` +
		`"HOME":{"value":"/root"},"DB_PASSWORD":{"value":"` + dbPassword + `"}}}]}`
}

// TestReview12CEnvDumpNonSecretNames pins two false positives of the new
// key-word matching (scanner/rules/secret_keys.go secretName): "pwd" is a
// secret noun, so the PWD variable every Unix process has (the working
// directory, "/workspace/app") is "a secret value under PWD"; and an
// environment name whose last word is "tokens" is singularised to "token"
// and taken for a deployment's token, so MAX_TOKENS=4096 (an LLM client's
// limit) is "a secret value". A Spring Boot 2 actuator env that masks
// every credential, as it does by default, is then reported as leaking
// secrets. Expected: no finding on the sanitised dump; the same dump with
// DB_PASSWORD unmasked still is one (the twin).
func TestReview12CEnvDumpNonSecretNames(t *testing.T) {
	cJudgeCredentials(t, []cCredentialsCase{
		{"spring env sanitised", springEnv("******"), false},
		{"dotenv-style JSON dump without credentials", `{"NODE_ENV":"production","PWD":"/usr/src/app","MAX_TOKENS":"4096","PORT":"8080"}`, false},
		{"twin: DB_PASSWORD unmasked", springEnv("s3cr3t-db-pass"), true},
	})
}

// TestReview12CPasswordLinksAreNoSecrets pins a false positive of the
// last-word rule (secret_keys.go secretName, judgeSecret): a key whose
// last word is "password" holds a secret "whatever it looks like", so the
// links a front end's config or a HAL/JSON:API answer gives to its
// password pages ({"forgotPassword": "/auth/forgot-password"}) are
// reported as "a secret value under forgotPassword". Expected: a value
// that is a URL or an absolute path without userinfo is no password;
// the twin with a real password value stays a finding.
func TestReview12CPasswordLinksAreNoSecrets(t *testing.T) {
	cJudgeCredentials(t, []cCredentialsCase{
		{"links to password pages", `{"user_id":"1001","links":{"forgotPassword":"/auth/forgot-password","changePassword":"https://app.example.com/account/password","resetPassword":"/auth/reset"}}`, false},
		{"twin: a password value", `{"user_id":"1001","smtpPassword":"Tr0ub4dor-and-3"}`, true},
	})
}

// TestReview12CTranslationsAreNoSecrets pins a false positive of the
// last-word rule (secret_keys.go secretName, judgeSecret) on the
// translation tables single-page apps load (Angular/ngx-translate files
// such as Juice Shop's assets/i18n/en.json, Strapi/Directus translation
// endpoints): the label of a password field sits under a key whose last
// word is "password" (LABEL_PASSWORD, login.password, newPassword), so
// "Password" and "New password" are reported as "a secret value". A value
// that is the key's own words, or prose with spaces and punctuation
// ("Forgot your password?"), is a label, not a password. Expected: no
// finding; the twin with a real password value stays one.
func TestReview12CTranslationsAreNoSecrets(t *testing.T) {
	cJudgeCredentials(t, []cCredentialsCase{
		{"ngx-translate file", `{"LABEL_EMAIL":"Email","LABEL_PASSWORD":"Password","LABEL_NEW_PASSWORD":"New Password","LABEL_REPEAT_PASSWORD":"Repeat Password","INVALID_PASSWORD_LENGTH":"Password must be {{length}} characters long."}`, false},
		{"nested i18n", `{"login":{"email":"E-mail","password":"Password","forgotPassword":"Forgot your password?"},"account":{"newPassword":"New password","secret":"Secret question"}}`, false},
		{"twin: a password value", `{"login":{"email":"alice@example.com","password":"Tr0ub4dor-and-3"}}`, true},
	})
}

// TestReview12CPublicClientKeys pins false positives on a single-page
// app's public configuration (the brief's /config.json case; judgeSecret's
// publishable pattern knows Stripe, Firebase and Google only): Algolia's
// search-only API key is made to be embedded in every InstantSearch front
// end (its name says "search"), and Mapbox public access tokens ("pk.",
// as opposed to secret "sk." ones) are embedded in every map. Both are
// reported as "a secret value under searchApiKey/apiKey". Expected: no
// finding; the twin with Algolia's admin key stays one.
func TestReview12CPublicClientKeys(t *testing.T) {
	cJudgeCredentials(t, []cCredentialsCase{
		{"algolia search-only key", `{"algolia":{"appId":"LATENCY","searchApiKey":"6be0576ff61c053d5f9a3225e2a90f76","indexName":"products"}}`, false},
		{"mapbox public token", `{"mapbox":{"apiKey":"pk.eyJ1IjoiYWNtZSIsImEiOiJjbDBhYmMxMjMwMDAwMDAwMDAwMDAwMDAifQ.q1w2e3r4t5y6u7i8o9p0aA"}}`, false},
		{"twin: algolia admin key", `{"algolia":{"appId":"LATENCY","adminApiKey":"8f3a9c2e7b1d4f6a0c5e9b3d7f1a2c4e"}}`, true},
	})
}

// TestReview12CFrameworkMasks pins false positives on values that
// frameworks put in place of a secret (secret_keys.go placeholder and
// misconfig.go masked know ****, [redacted], ${X}, <x>, changeme):
// Rails' filter_parameters and Sentry show "[FILTERED]"/"[Filtered]",
// also as a connection string's password; Symfony's config dumps show an
// environment reference as "%env(APP_SECRET)%". Each is reported as "a
// secret value" or "a password inside the connection string". Expected:
// none is a finding; the twin with a real value is.
func TestReview12CFrameworkMasks(t *testing.T) {
	cJudgeCredentials(t, []cCredentialsCase{
		{"rails filtered attributes", `{"user_id":"1001","email":"alice@example.com","password":"[FILTERED]","otp_secret":"[FILTERED]"}`, false},
		{"sentry filtered", `{"user_id":"1001","extra":{"password":"[Filtered]"}}`, false},
		{"rails filtered url password", `{"user_id":"1001","database_url":"postgres://app:[FILTERED]@db:5432/app"}`, false},
		{"symfony env reference", `{"framework":{"secret":"%env(APP_SECRET)%"},"doctrine":{"dbal":{"password":"%env(DATABASE_PASSWORD)%"}}}`, false},
		{"twin: a real secret", `{"framework":{"secret":"a1b2c3d4e5f6a7b8c9d0"}}`, true},
	})
}

// expiryLoginAPI is an Express login: express-session's cookie
// connect.sid has HttpOnly and SameSite, and, as single-page apps do so
// that scripts know when to refresh or warn, the login also sets
// JS-readable indicators with no credential in them: when the session
// expires and which sign-in method was used.
func expiryLoginAPI() http.Handler {
	inner := loginAPI("", false)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/login" {
			w.Header().Add("Set-Cookie", "connect.sid=s%3A"+clSession+".Zq8kT3mW9pL2vN7rB4xYs3ss10n; Path=/; Secure; HttpOnly; SameSite=Lax")
			w.Header().Add("Set-Cookie", "session_expires_at=2026-12-07T08:00:00Z; Path=/; Secure; SameSite=Lax")
			w.Header().Add("Set-Cookie", "auth_method=password; Path=/; Secure; SameSite=Lax")
		}
		inner.ServeHTTP(w, r)
	})
}

// TestReview12CSessionIndicatorCookies pins a false positive of
// cookie-insecure on login answers (scanner/rules/misconfig.go,
// CookieInsecure.judge and sessionCookie): a cookie counts as a session
// cookie by its name alone (session, auth, token … as a word, or
// "session" anywhere), whatever its value, so a timestamp
// (session_expires_at=2026-12-07T08:00:00Z) or a word (auth_method=
// password) that scripts must read is reported "without HttpOnly".
// HttpOnly protects a credential from scripts; these carry none, and the
// session cookie itself (connect.sid) has every flag. Expected: no
// cookie-insecure finding (e.g. a named cookie needs a value that could
// be a credential: not a date, a number, a short word).
func TestReview12CSessionIndicatorCookies(t *testing.T) {
	for _, tls := range []bool{false, true} {
		fs, _ := cookieLoginScan(t, expiryLoginAPI(), tls)
		for _, f := range fs {
			if f.Rule == "cookie-insecure" {
				t.Errorf("tls=%v: a cookie with no credential reported as a session cookie: %s", tls, f.Evidence.Summary)
			}
		}
	}
}

// sharedProjectsAPI is a correct Firebase-style project API: each login
// answer names the user's current project (alice's 5, bob's 6); project 5
// is alice's and bob is one of its members, as its memberIds say (the
// array an array-contains query filters on), so bob reads it by design;
// project 6 is bob's alone. GET /api/me is the caller's record. The
// flawed twin (shared false) keeps bob out of project 5's members but
// lets every signed-in user read every project.
func sharedProjectsAPI(shared bool) http.Handler {
	members5 := []int{11}
	if shared {
		members5 = []int{11, 12}
	}
	projects := map[string]map[string]any{
		"5": {"id": 5, "name": "Launch", "ownerId": 11, "memberIds": members5, "budget": 1200},
		"6": {"id": 6, "name": "Side project", "ownerId": 12, "memberIds": []int{12}, "budget": 300},
	}
	current := map[int]int{11: 5, 12: 6}
	mux := http.NewServeMux()
	cLogin(mux, func(u cUser) map[string]any {
		return map[string]any{"user": map[string]any{"id": u.id, "email": u.email, "projectId": current[u.id]}}
	})
	mux.HandleFunc("GET /api/me", func(w http.ResponseWriter, r *http.Request) {
		u, ok := cCaller(r)
		if !ok {
			unauthorized(w)
			return
		}
		writeJSON(w, 200, map[string]any{"id": u.id, "email": u.email, "username": u.login})
	})
	mux.HandleFunc("GET /api/projects/{id}", func(w http.ResponseWriter, r *http.Request) {
		u, ok := cCaller(r)
		if !ok {
			unauthorized(w)
			return
		}
		p, found := projects[r.PathValue("id")]
		if !found {
			notFound(w)
			return
		}
		for _, m := range p["memberIds"].([]int) {
			if m == u.id || !shared {
				writeJSON(w, 200, p)
				return
			}
		}
		writeJSON(w, 403, map[string]string{"error": "forbidden"})
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { notFound(w) })
	return mux
}

var sharedProjectsSpec = bolaSpec(cLoginSpec + `  /api/me:
    get:
      responses: {"200": {description: the caller}}
  /api/projects/{id}:
    get:
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer}}
      responses: {"200": {description: a project its members read}}
`)

// TestReview12CSharedProjectMembersIsNoBOLA pins a false positive of
// ownership from login answers (scanner/harvest_sources.go heldFacts;
// scanner/rules/bola.go crossUserRead, whose guard "the object is about
// the other identity too" is Target.Carries in scanner/harvest.go):
// alice's login answer holds projectId 5 and her answer shows ownerId 11,
// so project 5 is taken for hers alone, and bob reading it is reported
// although the record lists him among its members (memberIds: [11, 12],
// the array Firestore/Mongo apps filter on). Carries matches an
// identity's id only under self-id keys (userId, ownerId, owner …), not
// in a list of member ids, so a record of both users is not seen as
// shared. Expected: no bola-cross-user-read when the answer's member,
// participant or shared-with ids hold the reader's own id; the flawed
// twin, where bob is no member and still reads it, stays a finding.
func TestReview12CSharedProjectMembersIsNoBOLA(t *testing.T) {
	for _, shared := range []bool{true, false} {
		res := bolaScan(t, sharedProjectsAPI(shared), sharedProjectsSpec, cIdentity(cUsers[0]), cIdentity(cUsers[1]), 4)
		f, found := findingOf(res.Findings, "bola-cross-user-read", "GET", "/api/projects/{id}")
		if shared && found {
			t.Errorf("bola-cross-user-read on a project that lists the reader among its members: %s", f.Evidence.Summary)
		}
		if !shared && !found {
			t.Errorf("twin: bob reads alice's project 5 without being a member, not reported; findings:%s", list(res.Findings))
		}
		if f, found := findingOf(res.Findings, "bola-id-enumeration", "GET", "/api/projects/{id}"); shared && found {
			t.Errorf("bola-id-enumeration on shared projects: %s", f.Evidence.Summary)
		}
	}
}

// TestReview12COptionalQueryEchoIsNoLeak (passes; worth keeping) pins
// the precision of the error probe in optional query parameters
// (scanner/rules/errors.go optionalProbe): correct frameworks answer a
// quote in ?sort= / ?fields= / ?lang= with a validation error that echoes
// the parameter and the value (FastAPI's 422, ASP.NET Core's
// ProblemDetails, JSON:API's error object, a GraphQL parse error) or a
// generic 500 (Spring Boot's default JSON). None names an internal
// class, frame or database message: no verbose-error-disclosure. The
// twin answers with a Hibernate message and is reported.
func TestReview12COptionalQueryEchoIsNoLeak(t *testing.T) {
	spec := searchSpec("/api/products", "{name: sort, in: query, schema: {type: string}}",
		"{name: fields, in: query, schema: {type: string}}", "{name: lang, in: query, schema: {type: string}}")
	cases := []struct {
		name   string
		status int
		body   func(v string) any
		leak   bool
	}{
		{"fastapi 422", 422, func(v string) any {
			return map[string]any{"detail": []any{map[string]any{"type": "enum", "loc": []string{"query", "lang"},
				"msg": "Input should be 'en' or 'de'", "input": v, "ctx": map[string]string{"expected": "'en' or 'de'"}}}}
		}, false},
		{"asp.net problem details", 400, func(v string) any {
			return map[string]any{"type": "https://tools.ietf.org/html/rfc9110#section-15.5.1", "title": "One or more validation errors occurred.",
				"status": 400, "errors": map[string]any{"sort": []string{"'" + v + "' is not a sortable field."}},
				"traceId": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"}
		}, false},
		{"json:api error", 400, func(v string) any {
			return map[string]any{"errors": []any{map[string]any{"status": "400", "source": map[string]string{"parameter": "fields"},
				"title": "Invalid field", "detail": "Unknown field " + v + " for type products"}}}
		}, false},
		{"graphql parse error", 400, func(v string) any {
			return map[string]any{"errors": []any{map[string]any{"message": `Syntax Error: Unexpected character: "'".`,
				"locations": []any{map[string]int{"line": 1, "column": 9}}, "extensions": map[string]string{"code": "GRAPHQL_PARSE_FAILED"}}}}
		}, false},
		{"spring boot generic 500", 500, func(string) any {
			return map[string]any{"timestamp": "2026-12-07T06:40:00.000+00:00", "status": 500, "error": "Internal Server Error", "path": "/api/products"}
		}, false},
		{"twin: hibernate message", 500, func(v string) any {
			return map[string]any{"status": 500, "error": "Internal Server Error",
				"message": "org.hibernate.query.sqm.UnknownPathException: Could not resolve attribute '" + v + "' of 'com.acme.Product'"}
		}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/api/products" {
					notFound(w)
					return
				}
				for _, vs := range r.URL.Query() {
					for _, v := range vs {
						if strings.Contains(v, "'") {
							writeJSON(w, tc.status, tc.body(v))
							return
						}
					}
				}
				writeJSON(w, 200, map[string]any{"data": []any{map[string]any{"id": 1, "name": "Apple Juice"}}})
			})
			fs := scanRules(t, h, scanOpts{spec: spec, apiRules: []scanner.APIRule{}}, []scanner.Rule{rules.VerboseErrorDisclosure{}})
			if got := has(fs, "verbose-error-disclosure", "GET", "/api/products"); got != tc.leak {
				t.Errorf("verbose-error-disclosure: got %v, want %v; findings:%s", got, tc.leak, list(fs))
			}
		})
	}
}

// cookiesLoginAPI is a login whose answer sets cookies, as the named
// framework's defaults do.
func cookiesLoginAPI(cookies ...string) http.Handler {
	inner := loginAPI("", false)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/login" {
			for _, c := range cookies {
				w.Header().Add("Set-Cookie", c)
			}
		}
		inner.ServeHTTP(w, r)
	})
}

// TestReview12CFrameworkLoginCookies (passes; worth keeping) pins
// cookie-insecure's precision on logins over plain-HTTP loopback (where
// Secure is not asked for) with each framework's session cookie as its
// secure configuration sets it, next to its JS-readable anti-CSRF cookie
// and infrastructure cookies: no finding.
func TestReview12CFrameworkLoginCookies(t *testing.T) {
	for name, cookies := range map[string][]string{
		"rails":   {"_myapp_session=" + clSession + "--Zq8kT3mW9pL2vN7r; path=/; httponly; samesite=lax"},
		"express": {"connect.sid=s%3A" + clSession + ".Zq8kT3mW9pL2vN7rB4xY; Path=/; HttpOnly; SameSite=Lax"},
		"django": {"csrftoken=Zq8kT3mW9pL2vN7rB4xYs3ss10nAbCd; expires=Mon, 06 Dec 2027 06:00:00 GMT; Max-Age=31449600; Path=/; SameSite=Lax",
			"sessionid=" + clSession + "; expires=Mon, 21 Dec 2026 06:00:00 GMT; HttpOnly; Max-Age=1209600; Path=/; SameSite=Lax"},
		"laravel": {"XSRF-TOKEN=eyJpdiI6Ik1UQXpOR" + clSession + "; expires=Mon, 07 Dec 2026 08:00:00 GMT; Max-Age=7200; path=/; samesite=lax",
			"laravel_session=eyJpdiI6IkRmT2" + clSession + "; expires=Mon, 07 Dec 2026 08:00:00 GMT; Max-Age=7200; path=/; httponly; samesite=lax"},
		"asp.net core": {".AspNetCore.Antiforgery.9fXoN5jHCXs=CfDJ8" + clSession + "; path=/; samesite=strict; httponly",
			".AspNetCore.Identity.Application=CfDJ8" + clSession + "; path=/; samesite=lax; httponly",
			"ARRAffinity=3f9c2b1e7d4a4c3e9b8f2a6d5e1c0f473f9c2b1e7d4a4c3e9b8f2a6d5e1c0f47; Path=/; HttpOnly; Domain=app.azurewebsites.net"},
	} {
		fs, _ := cookieLoginScan(t, cookiesLoginAPI(cookies...), false)
		for _, f := range fs {
			if f.Rule == "cookie-insecure" {
				t.Errorf("%s: %s", name, f.Evidence.Summary)
			}
		}
	}
}

// TestReview12CRememberMeCookie pins lost coverage of cookie-insecure
// (scanner/rules/misconfig.go sessionCookie, CookieInsecure.judge): Spring
// Security's remember-me cookie is a login credential (sent back, it signs
// the user in for two weeks) and Spring sets it with HttpOnly but no
// SameSite; its name matches no session-cookie pattern and, being
// HttpOnly, its random value is not looked at, so the missing SameSite is
// never reported — while the same flaw on a cookie named "session" is.
// Expected: remember-me cookies (remember-me, remember_me, rememberMe,
// remember_web_*) count as session cookies: "without SameSite" reported;
// the twin with SameSite=Lax is clean.
func TestReview12CRememberMeCookie(t *testing.T) {
	const remember = "remember-me=YWxpY2U6MTczNDE3MDQwMDAwMDpTSEEyNTY6YjM4ZmM1YzQ5ZGE3; Max-Age=1209600; Path=/; HttpOnly"
	fs, _ := cookieLoginScan(t, cookiesLoginAPI("JSESSIONID="+clSession+"; Path=/; HttpOnly; SameSite=Lax", remember), false)
	if !has(fs, "cookie-insecure", "*", "*") {
		t.Errorf("the remember-me cookie set without SameSite is not reported; findings:%s", list(fs))
	}
	fs, _ = cookieLoginScan(t, cookiesLoginAPI("JSESSIONID="+clSession+"; Path=/; HttpOnly; SameSite=Lax", remember+"; SameSite=Lax"), false)
	if has(fs, "cookie-insecure", "*", "*") {
		t.Errorf("twin: remember-me with SameSite=Lax reported; findings:%s", list(fs))
	}
}
