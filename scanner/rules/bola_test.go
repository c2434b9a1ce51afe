package rules_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner"
	"github.com/authgate/authgate/scanner/rules"
)

// The founding case with exactly two users: the table holds alice (1001)
// and bob (1002) and nobody else, so bola-id-enumeration (which needs two
// other principals' records) cannot see the flaw; only a cross-user check
// can.
var twoUsers = map[string]map[string]any{
	"1001": {"user_id": "1001", "name": "Alice Martin", "email": "alice.martin@example.com", "phone": "+1-555-0101", "address": "12 Harbor Street, Portland"},
	"1002": {"user_id": "1002", "name": "Bob Nguyen", "email": "bob.nguyen@example.com", "phone": "+1-555-0102", "address": "480 Pine Avenue, Seattle"},
}

// userSpec is the founding case's description: GET /user?user_id=, the
// example being exampleID, and GET /me with me.
func userSpec(exampleID string, me bool) string {
	spec := `  /user:
    get:
      operationId: getUser
      parameters:
        - {name: user_id, in: query, required: true, schema: {type: string}, example: "` + exampleID + `"}
      responses: {"200": {description: the user's record}}
`
	if me {
		spec += `  /me:
    get:
      operationId: getMe
      responses: {"200": {description: the caller's record}}
`
	}
	return bolaSpec(spec)
}

// bolaSpec is an OpenAPI document of paths (YAML, indented by two) whose
// operations need a bearer token.
func bolaSpec(paths string) string {
	return "openapi: 3.0.3\ninfo: {title: bola, version: \"1\"}\n" +
		"components:\n  securitySchemes:\n    bearerAuth: {type: http, scheme: bearer}\n" +
		"security:\n  - bearerAuth: []\npaths:\n" + paths
}

// bolaTestKey signs the test tokens; the apps never verify it (they look
// tokens up), as an API gateway in front of them would have.
var bolaTestKey = []byte("k3y-for-tests-only-9f8e7d6c5b4a39281706")

// bolaJWT mints an HS256 JWT with claims and a short lifetime.
func bolaJWT(t *testing.T, claims map[string]any) string {
	t.Helper()
	now := time.Now()
	c := map[string]any{"iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
	for k, v := range claims {
		c[k] = v
	}
	header, _ := json.Marshal(map[string]string{"alg": "HS256", "typ": "JWT"})
	payload, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	input := b64.EncodeToString(header) + "." + b64.EncodeToString(payload)
	m := hmac.New(sha256.New, bolaTestKey)
	m.Write([]byte(input))
	return input + "." + b64.EncodeToString(m.Sum(nil))
}

// userAPI is GET /user?user_id= over twoUsers. tokens maps each valid
// bearer token to its user. publishedFix is the article's "fix": any
// valid token, then the item's user_id compared with the requested one
// (always equal); otherwise the caller reads only its own record and gets
// 403 for another's. me adds GET /me; login adds POST /login answering
// {"access_token": …, "user": {"id": …}} for {"username": "alice"|"bob"}.
type userAPI struct {
	tokens       map[string]string
	publishedFix bool
	me           bool
	login        map[string]string // username -> token
}

func (a userAPI) handler() http.Handler {
	mux := http.NewServeMux()
	caller := func(r *http.Request) string { return a.tokens[bearerToken(r)] }
	mux.HandleFunc("GET /user", func(w http.ResponseWriter, r *http.Request) {
		me := caller(r)
		if me == "" {
			unauthorized(w)
			return
		}
		id := r.URL.Query().Get("user_id")
		item, ok := twoUsers[id]
		switch {
		case !ok:
			notFound(w)
		case a.publishedFix && item["user_id"] != id:
			// The "ownership" check of the article: it can never fail.
			writeJSON(w, 403, map[string]string{"error": "forbidden"})
		case !a.publishedFix && id != me:
			writeJSON(w, 403, map[string]string{"error": "forbidden"})
		default:
			writeJSON(w, 200, item)
		}
	})
	if a.me {
		mux.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) {
			me := caller(r)
			if me == "" {
				unauthorized(w)
				return
			}
			writeJSON(w, 200, twoUsers[me])
		})
	}
	if a.login != nil {
		mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
			var body struct{ Username, Password string }
			json.NewDecoder(r.Body).Decode(&body)
			tok, ok := a.login[body.Username]
			if !ok || body.Password != "correct horse" {
				unauthorized(w)
				return
			}
			writeJSON(w, 200, map[string]any{"access_token": tok, "token_type": "Bearer",
				"user": map[string]any{"id": json.Number(a.tokens[tok]), "username": body.Username}})
		})
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { notFound(w) })
	return mux
}

// bearerToken is the request's bearer token, "" for none.
func bearerToken(r *http.Request) string {
	scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "bearer") {
		return ""
	}
	return tok
}

// bolaScan scans h with every rule, primary and peer given as identities.
func bolaScan(t *testing.T, h http.Handler, spec string, primary, peer *scanner.Identity, concurrency int) *scanner.Result {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return bolaScanURL(t, srv.URL, spec, primary, peer, concurrency)
}

// bolaScanURL is bolaScan of a server already running at url.
func bolaScanURL(t *testing.T, url, spec string, primary, peer *scanner.Identity, concurrency int) *scanner.Result {
	t.Helper()
	opts := scanner.Options{
		Target:   url,
		OpenAPI:  "spec.yaml",
		ReadFile: func(string) ([]byte, error) { return []byte(spec), nil },
		Primary:  primary,
		Peer:     peer,
		Mode:     finding.ModeSafe,
		Client:   scanner.ClientOptions{Concurrency: concurrency, Timeout: 5 * time.Second, Budget: 5000},
		Wait:     time.Second,
		Rules:    rules.All(),
	}
	for _, id := range []*scanner.Identity{primary, peer} {
		if id != nil && id.Login != nil {
			opts.Identities = append(opts.Identities, id)
		}
	}
	res, err := scanner.Scan(context.Background(), opts)
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	return res
}

func bearerID(name, token string) *scanner.Identity {
	return scanner.NewIdentity(name, []scanner.Header{{Name: "Authorization", Value: "Bearer " + token}})
}

// loginIdentity logs in as username at POST /login and sends the
// access_token as a bearer token.
func loginIdentity(name, username string) *scanner.Identity {
	id := scanner.NewIdentity(name, nil)
	id.Login = &scanner.Login{Method: "POST", Path: "/login", Format: "json",
		Body:      map[string]any{"username": username, "password": "correct horse"},
		TokenFrom: "json", TokenName: "access_token", Send: "Authorization: Bearer {token}"}
	return id
}

func findingOf(fs []finding.Finding, rule, method, path string) (finding.Finding, bool) {
	for _, f := range fs {
		if f.Rule == rule && f.Method == method && f.Path == path {
			return f, true
		}
	}
	return finding.Finding{}, false
}

// TestCrossUserReadTwoUsers is issue 10's founding case: the published
// fix scanned with alice's and bob's credentials on a table of exactly
// those two users must fail, however the scan can learn who they are; the
// correct fix (own record 200, the other's 403) must pass.
func TestCrossUserReadTwoUsers(t *testing.T) {
	aliceJWT := bolaJWT(t, map[string]any{"sub": "1001", "username": "alice", "email": "alice.martin@example.com"})
	bobJWT := bolaJWT(t, map[string]any{"sub": "1002", "username": "bob", "email": "bob.nguyen@example.com"})
	// Tokens that name only the email: the owner shows in the record.
	aliceMail := bolaJWT(t, map[string]any{"email": "alice.martin@example.com"})
	bobMail := bolaJWT(t, map[string]any{"email": "bob.nguyen@example.com"})
	jwts := map[string]string{aliceJWT: "1001", bobJWT: "1002", aliceMail: "1001", bobMail: "1002"}
	opaque := map[string]string{aliceToken: "1001", bobToken: "1002"}
	declared := func(name, token, userID string) *scanner.Identity {
		id := bearerID(name, token)
		id.Owns = map[string][]string{"user_id": {userID}}
		return id
	}

	tests := []struct {
		name          string
		api           userAPI
		example       string
		primary, peer *scanner.Identity
		// owner and reader name who the finding says owns the record
		// and who read it; "" for no finding.
		owner, reader string
	}{
		{name: "token claims sub, username, email", api: userAPI{tokens: jwts},
			example: "1001", primary: bearerID("primary", aliceJWT), peer: bearerID("peer", bobJWT),
			owner: `"primary" (alice)`, reader: `"peer" (bob)`},
		{name: "token claims the email only: the example's record carries it", api: userAPI{tokens: jwts},
			example: "1001", primary: bearerID("primary", aliceMail), peer: bearerID("peer", bobMail),
			owner: `"primary" (alice.martin@example.com)`, reader: `"peer" (bob.nguyen@example.com)`},
		{name: "the example is the peer's record: the primary reads it", api: userAPI{tokens: jwts},
			example: "1002", primary: bearerID("primary", aliceMail), peer: bearerID("peer", bobMail),
			owner: `"peer" (bob.nguyen@example.com)`, reader: `"primary" (alice.martin@example.com)`},
		{name: "opaque tokens and GET /me", api: userAPI{tokens: opaque, me: true},
			example: "1001", primary: bearerID("primary", aliceToken), peer: bearerID("peer", bobToken),
			owner: `"primary" (alice.martin@example.com)`, reader: `"peer" (bob.nguyen@example.com)`},
		{name: "login answers name the user", api: userAPI{tokens: opaque, login: map[string]string{"alice": aliceToken, "bob": bobToken}},
			example: "1", primary: loginIdentity("alice", "alice"), peer: loginIdentity("bob", "bob"),
			owner: `"alice"`, reader: `"bob"`},
		{name: "owns: in the config", api: userAPI{tokens: opaque},
			example: "1", primary: declared("alice", aliceToken, "1001"), peer: declared("bob", bobToken, "1002"),
			owner: `"alice"`, reader: `"bob"`},
		// Nothing says who the opaque tokens belong to: the scan does not
		// guess (owns: is the way to tell it).
		{name: "opaque tokens, nothing learnable", api: userAPI{tokens: opaque},
			example: "1001", primary: bearerID("primary", aliceToken), peer: bearerID("peer", bobToken)},
	}
	for _, tc := range tests {
		for _, fixed := range []bool{false, true} {
			name := tc.name + "/published fix"
			if fixed {
				name = tc.name + "/correct fix"
			}
			t.Run(name, func(t *testing.T) {
				api := tc.api
				api.publishedFix = !fixed
				// Fresh identities per scan: a login changes them.
				primary, peer := cloneIdentity(tc.primary), cloneIdentity(tc.peer)
				res := bolaScan(t, api.handler(), userSpec(tc.example, tc.api.me), primary, peer, 4)
				f, found := findingOf(res.Findings, "bola-cross-user-read", "GET", "/user")
				want := tc.owner != "" && !fixed
				if found != want {
					t.Fatalf("bola-cross-user-read on GET /user: found %v, want %v; findings:%s", found, want, list(res.Findings))
				}
				if !found {
					return
				}
				if f.Severity != finding.SeverityHigh {
					t.Errorf("severity %s, want high", f.Severity)
				}
				s := f.Evidence.Summary
				if !strings.Contains(s, "belongs to identity "+tc.owner) || !strings.Contains(s, "yet identity "+tc.reader+" read it") {
					t.Errorf("summary does not say %s owns it and %s read it: %s", tc.owner, tc.reader, s)
				}
				// The proof comes first: the reader's request.
				reader := peer.Name
				if strings.Contains(tc.reader, `"primary"`) {
					reader = primary.Name
				}
				if len(f.Evidence.Exchanges) < 2 || f.Evidence.Exchanges[0].Identity != reader || f.Evidence.Exchanges[0].Status != 200 {
					t.Errorf("first exchange is not %s's 200: %+v", reader, f.Evidence.Exchanges)
				}
				if len(f.Reproduce) == 0 || !strings.Contains(f.Reproduce[0], "/user?user_id=") {
					t.Errorf("first reproduction %q does not read a user", f.Reproduce)
				}
				for _, tok := range []string{aliceJWT, bobJWT, aliceMail, bobMail, aliceToken, bobToken} {
					if strings.Contains(s, tok) || strings.Contains(strings.Join(f.Reproduce, "\n"), tok) {
						t.Errorf("a token is shown in the finding")
					}
				}
			})
		}
	}
}

// cloneIdentity copies an identity's configuration (not its session).
func cloneIdentity(id *scanner.Identity) *scanner.Identity {
	c := scanner.NewIdentity(id.Name, id.Creds())
	c.Role, c.Owns = id.Role, id.Owns
	if id.Login != nil {
		l := *id.Login
		c.Login = &l
	}
	return c
}

// profilesAPI models real apps where signed-in users read each other's
// profiles: GET /users/{id} and GET /profiles/{username}. With
// ownViewOnly, others see a public view (name, avatar) and only the owner
// its email and address; with publicOnly every caller sees the same
// public profile; with neither, anyone signed in reads everyone's private
// record (the flawed twin).
type profilesAPI struct {
	tokens                  map[string]string
	ownViewOnly, publicOnly bool
}

var profileUsers = map[string]map[string]any{
	"1001": {"id": "1001", "username": "alice", "display_name": "Alice Martin", "avatar_url": "https://cdn.example.com/a/1001.png", "bio": "Sailing, tea.",
		"email": "alice.martin@example.com", "address": "12 Harbor Street, Portland"},
	"1002": {"id": "1002", "username": "bob", "display_name": "Bob Nguyen", "avatar_url": "https://cdn.example.com/a/1002.png", "bio": "Climbing.",
		"email": "bob.nguyen@example.com", "address": "480 Pine Avenue, Seattle"},
}

func (a profilesAPI) handler() http.Handler {
	mux := http.NewServeMux()
	serve := func(w http.ResponseWriter, r *http.Request, u map[string]any) {
		me := a.tokens[bearerToken(r)]
		if me == "" {
			unauthorized(w)
			return
		}
		if u == nil {
			notFound(w)
			return
		}
		if (a.ownViewOnly && u["id"] != me) || a.publicOnly {
			writeJSON(w, 200, map[string]any{"id": u["id"], "username": u["username"], "display_name": u["display_name"], "avatar_url": u["avatar_url"], "bio": u["bio"]})
			return
		}
		writeJSON(w, 200, u)
	}
	mux.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) {
		serve(w, r, profileUsers[r.PathValue("id")])
	})
	mux.HandleFunc("GET /profiles/{username}", func(w http.ResponseWriter, r *http.Request) {
		for _, u := range profileUsers {
			if u["username"] == r.PathValue("username") {
				serve(w, r, u)
				return
			}
		}
		serve(w, r, nil)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { notFound(w) })
	return mux
}

var profilesSpec = bolaSpec(`  /users/{id}:
    get:
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}, example: "1001"}
      responses: {"200": {description: a user}}
  /profiles/{username}:
    get:
      parameters:
        - {name: username, in: path, required: true, schema: {type: string}, example: alice}
      responses: {"200": {description: a profile}}
`)

// TestCrossUserReadPublicProfiles: where every signed-in user may read the
// others' public profiles, nothing is reported, whether the owner sees
// more of its own (email, address) or everyone sees the same public
// profile; the twin that shows everyone's private fields is reported.
func TestCrossUserReadPublicProfiles(t *testing.T) {
	aliceJWT := bolaJWT(t, map[string]any{"sub": "1001", "preferred_username": "alice", "email": "alice.martin@example.com"})
	bobJWT := bolaJWT(t, map[string]any{"sub": "1002", "preferred_username": "bob", "email": "bob.nguyen@example.com"})
	tokens := map[string]string{aliceJWT: "1001", bobJWT: "1002"}
	tests := []struct {
		name string
		api  profilesAPI
		want bool
	}{
		{"others see name and avatar, the owner its email too", profilesAPI{tokens: tokens, ownViewOnly: true}, false},
		{"the same public profile for everyone", profilesAPI{tokens: tokens, publicOnly: true}, false},
		{"everyone's email and address for everyone", profilesAPI{tokens: tokens}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := bolaScan(t, tc.api.handler(), profilesSpec, bearerID("primary", aliceJWT), bearerID("peer", bobJWT), 4)
			for _, path := range []string{"/users/{id}", "/profiles/{username}"} {
				if _, got := findingOf(res.Findings, "bola-cross-user-read", "GET", path); got != tc.want {
					t.Errorf("bola-cross-user-read on GET %s: %v, want %v; findings:%s", path, got, tc.want, list(res.Findings))
				}
			}
			for _, f := range res.Findings {
				if f.Severity >= finding.SeverityMedium && !tc.want {
					t.Errorf("unexpected %s (%s) on %s %s", f.Rule, f.Severity, f.Method, f.Path)
				}
			}
		})
	}
}

// TestCrossUserReadIgnoredParameter: operations that ignore the id and
// answer each caller with its own data are not cross-user reads, whether
// the data is the caller's record or settings that look alike for
// everyone.
func TestCrossUserReadIgnoredParameter(t *testing.T) {
	aliceJWT := bolaJWT(t, map[string]any{"sub": "1001", "username": "alice"})
	bobJWT := bolaJWT(t, map[string]any{"sub": "1002", "username": "bob"})
	tokens := map[string]string{aliceJWT: "1001", bobJWT: "1002"}
	for _, tc := range []struct {
		name   string
		answer func(me string) any
	}{
		{"the caller's own record", func(me string) any { return twoUsers[me] }},
		{"default settings", func(string) any { return map[string]any{"theme": "dark", "language": "en", "newsletter": false} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				me := tokens[bearerToken(r)]
				switch {
				case r.URL.Path != "/user":
					notFound(w)
				case me == "":
					unauthorized(w)
				default:
					writeJSON(w, 200, tc.answer(me))
				}
			})
			res := bolaScan(t, h, userSpec("1001", false), bearerID("primary", aliceJWT), bearerID("peer", bobJWT), 4)
			if f, ok := findingOf(res.Findings, "bola-cross-user-read", "GET", "/user"); ok {
				t.Errorf("reported an operation that ignores the id: %s", f.Evidence.Summary)
			}
		})
	}
}

// TestCrossUserReadDeterministic: the same finding, evidence and
// reproduction at every concurrency and on every run.
func TestCrossUserReadDeterministic(t *testing.T) {
	aliceJWT := bolaJWT(t, map[string]any{"sub": "1001", "username": "alice", "email": "alice.martin@example.com"})
	bobJWT := bolaJWT(t, map[string]any{"sub": "1002", "username": "bob", "email": "bob.nguyen@example.com"})
	api := userAPI{tokens: map[string]string{aliceJWT: "1001", bobJWT: "1002"}, publishedFix: true, me: true}
	srv := httptest.NewServer(api.handler())
	t.Cleanup(srv.Close)
	var first []finding.Finding
	for i, conc := range []int{1, 8, 3} {
		res := bolaScanURL(t, srv.URL, userSpec("1001", true), bearerID("primary", aliceJWT), bearerID("peer", bobJWT), conc)
		var bola []finding.Finding
		for _, f := range res.Findings {
			if strings.HasPrefix(f.Rule, "bola-") {
				bola = append(bola, f)
			}
		}
		if _, ok := findingOf(bola, "bola-cross-user-read", "GET", "/user"); !ok {
			t.Fatalf("run %d (concurrency %d): no bola-cross-user-read; findings:%s", i, conc, list(res.Findings))
		}
		if i == 0 {
			first = bola
			continue
		}
		if !reflect.DeepEqual(bola, first) {
			got, _ := json.MarshalIndent(bola, "", " ")
			want, _ := json.MarshalIndent(first, "", " ")
			t.Errorf("run %d (concurrency %d) differs from the first:\n%s\nfirst:\n%s", i, conc, got, want)
		}
	}
}

// TestCrossUserReadSharedObject: a conversation between alice and bob is
// both of theirs; each reading it is no cross-user read, although the
// example id's answer carries alice's email.
func TestCrossUserReadSharedObject(t *testing.T) {
	aliceJWT := bolaJWT(t, map[string]any{"email": "alice.martin@example.com"})
	bobJWT := bolaJWT(t, map[string]any{"email": "bob.nguyen@example.com"})
	tokens := map[string]string{aliceJWT: "alice.martin@example.com", bobJWT: "bob.nguyen@example.com"}
	conversation := map[string]any{"id": "c-7", "from": "alice.martin@example.com", "to": "bob.nguyen@example.com",
		"subject": "Lunch?", "body": "Thursday at noon, the usual place."}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		me := tokens[bearerToken(r)]
		switch {
		case r.URL.Path != "/conversations/c-7":
			notFound(w)
		case me == "":
			unauthorized(w)
		case me != conversation["from"] && me != conversation["to"]:
			writeJSON(w, 403, map[string]string{"error": "forbidden"})
		default:
			writeJSON(w, 200, conversation)
		}
	})
	spec := bolaSpec(`  /conversations/{conversation_id}:
    get:
      parameters:
        - {name: conversation_id, in: path, required: true, schema: {type: string}, example: c-7}
      responses: {"200": {description: a conversation}}
`)
	res := bolaScan(t, h, spec, bearerID("primary", aliceJWT), bearerID("peer", bobJWT), 4)
	if f, ok := findingOf(res.Findings, "bola-cross-user-read", "GET", "/conversations/{conversation_id}"); ok {
		t.Errorf("reported a conversation both identities take part in: %s", f.Evidence.Summary)
	}
}

// signInAPI is an API whose logins answer an opaque token and nothing
// about who signed in: what the scan knows of alice and bob is the
// account each config login signs in with (its email or username field).
// GET /users?email=, GET /users/{username} and GET /profile?user= each
// serve a user's record. ownerCheck is the correct fix (the caller's own
// record only, 403 for another's); publicOnly answers every signed-in
// caller the same public fields of anyone (a directory by design);
// neither is the published fix, where any valid token reads any record.
type signInAPI struct {
	ownerCheck, publicOnly bool
}

// signInUsers are the table's only two users, keyed by username.
var signInUsers = map[string]map[string]any{
	"alice": {"username": "alice", "email": "alice.martin@example.com", "display_name": "Alice Martin",
		"avatar_url": "https://cdn.example.com/a/alice.png", "phone": "+1-555-0101", "address": "12 Harbor Street, Portland"},
	"bob": {"username": "bob", "email": "bob.nguyen@example.com", "display_name": "Bob Nguyen",
		"avatar_url": "https://cdn.example.com/a/bob.png", "phone": "+1-555-0102", "address": "480 Pine Avenue, Seattle"},
}

func (a signInAPI) handler() http.Handler {
	var mu sync.Mutex
	sessions := map[string]string{} // token -> username
	n := 0
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		var b struct{ Username, Email, Password string }
		json.NewDecoder(r.Body).Decode(&b)
		who := ""
		for name, u := range signInUsers {
			if (b.Username == name || b.Email == u["email"]) && b.Password == "correct horse" {
				who = name
			}
		}
		if who == "" {
			unauthorized(w)
			return
		}
		mu.Lock()
		n++
		tok := fmt.Sprintf("sess-%d-%x", n, sha256.Sum256([]byte(who+fmt.Sprint(n))))
		sessions[tok] = who
		mu.Unlock()
		writeJSON(w, 200, map[string]string{"token": tok})
	})
	serve := func(w http.ResponseWriter, r *http.Request, name string) {
		mu.Lock()
		me := sessions[bearerToken(r)]
		mu.Unlock()
		u, ok := signInUsers[name]
		switch {
		case me == "":
			unauthorized(w)
		case !ok:
			notFound(w)
		case a.publicOnly:
			writeJSON(w, 200, map[string]any{"username": u["username"], "display_name": u["display_name"], "avatar_url": u["avatar_url"]})
		case a.ownerCheck && name != me:
			writeJSON(w, 403, map[string]string{"error": "forbidden"})
		default:
			writeJSON(w, 200, u)
		}
	}
	mux.HandleFunc("GET /users", func(w http.ResponseWriter, r *http.Request) {
		name := ""
		for n, u := range signInUsers {
			if u["email"] == r.URL.Query().Get("email") {
				name = n
			}
		}
		serve(w, r, name)
	})
	mux.HandleFunc("GET /users/{username}", func(w http.ResponseWriter, r *http.Request) { serve(w, r, r.PathValue("username")) })
	mux.HandleFunc("GET /profile", func(w http.ResponseWriter, r *http.Request) { serve(w, r, r.URL.Query().Get("user")) })
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { notFound(w) })
	return mux
}

// signInIdentity logs in at POST /login with {field: account} and sends
// the answer's opaque token.
func signInIdentity(name, field, account string) *scanner.Identity {
	id := scanner.NewIdentity(name, nil)
	id.Login = &scanner.Login{Method: "POST", Path: "/login", Format: "json",
		Body:      map[string]any{field: account, "password": "correct horse"},
		TokenFrom: "json", TokenName: "token", Send: "Authorization: Bearer {token}"}
	return id
}

// TestCrossUserReadLoginAccount: the founding case keyed by email or by
// username, with login identities whose logins answer only an opaque
// token. The account each config login signs in with is that identity's
// own, so the flawed twin (any valid token reads any record) is reported
// naming alice and bob, and the correct fix (own record 200, the other's
// 403) and a public directory (everyone sees the same public fields of
// others) are not.
func TestCrossUserReadLoginAccount(t *testing.T) {
	byEmail := func(name string) *scanner.Identity {
		return signInIdentity(name, "email", signInUsers[name]["email"].(string))
	}
	byName := func(name string) *scanner.Identity { return signInIdentity(name, "username", name) }
	routes := []struct {
		name, path, spec string
		identity         func(name string) *scanner.Identity
		// value is alice's value of the parameter, which the reader's
		// request must ask for.
		value string
	}{
		{"GET /users?email= with email logins", "/users", `  /users:
    get:
      parameters:
        - {name: email, in: query, required: true, schema: {type: string}, example: someone@example.com}
      responses: {"200": {description: a user}}
`, byEmail, "email=alice.martin%40example.com"},
		{"GET /users/{username} with username logins", "/users/{username}", `  /users/{username}:
    get:
      parameters:
        - {name: username, in: path, required: true, schema: {type: string}, example: someone}
      responses: {"200": {description: a user}}
`, byName, "/users/alice"},
		{"GET /profile?user= with username logins", "/profile", `  /profile:
    get:
      parameters:
        - {name: user, in: query, required: true, schema: {type: string}, example: someone}
      responses: {"200": {description: a user's profile}}
`, byName, "user=alice"},
	}
	for _, rt := range routes {
		for _, tc := range []struct {
			name string
			api  signInAPI
			want bool
		}{
			{"published fix", signInAPI{}, true},
			{"correct fix", signInAPI{ownerCheck: true}, false},
			{"public fields for every signed-in user", signInAPI{publicOnly: true}, false},
		} {
			t.Run(rt.name+"/"+tc.name, func(t *testing.T) {
				res := bolaScan(t, tc.api.handler(), bolaSpec(rt.spec), rt.identity("alice"), rt.identity("bob"), 4)
				f, found := findingOf(res.Findings, "bola-cross-user-read", "GET", rt.path)
				if found != tc.want {
					t.Fatalf("bola-cross-user-read on GET %s: found %v, want %v; findings:%s", rt.path, found, tc.want, list(res.Findings))
				}
				for _, rc := range res.Coverage.Rules {
					if rc.Rule == "bola-cross-user-read" && rc.Status != finding.RuleRan {
						t.Errorf("the rule did not run although the logins say whose record is whose: %+v", rc)
					}
				}
				if !found {
					return
				}
				s := f.Evidence.Summary
				if !strings.Contains(s, `belongs to identity "alice"`) || !strings.Contains(s, `yet identity "bob"`) || !strings.Contains(s, "its login's") {
					t.Errorf("summary does not say alice's login account is what bob read: %s", s)
				}
				if len(f.Evidence.Exchanges) < 2 || f.Evidence.Exchanges[0].Identity != "bob" || f.Evidence.Exchanges[0].Status != 200 {
					t.Errorf("first exchange is not bob's 200: %+v", f.Evidence.Exchanges)
				}
				if len(f.Reproduce) == 0 || !strings.Contains(f.Reproduce[0], rt.value) {
					t.Errorf("first reproduction %q does not ask for alice's %s", f.Reproduce, rt.value)
				}
				if strings.Contains(s, "correct horse") || strings.Contains(strings.Join(f.Reproduce, "\n"), "correct horse") {
					t.Errorf("the password is shown in the finding")
				}
			})
		}
	}
}
