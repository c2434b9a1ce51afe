package demo

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// answer is what a twin must answer to one request.
type answer struct {
	status   int
	contains []string // substrings the body must contain
	absent   []string // substrings the body must not contain
}

func TestTwins(t *testing.T) {
	// backendLeak is what marks the verbose-error flaw: DynamoDB's
	// exception name in botocore's ClientError text.
	backendLeak := []string{"ValidationException", "An error occurred", "GetItem"}
	longID := strings.Repeat("1", maxHashKeyBytes+52)
	tests := []struct {
		name         string
		method, path string
		token        string
		vulnerable   answer
		secure       answer
	}{
		{name: "health is public", path: "/health",
			vulnerable: answer{status: 200, contains: []string{`"ok"`}},
			secure:     answer{status: 200, contains: []string{`"ok"`}}},
		{name: "products are public", path: "/api/products",
			vulnerable: answer{status: 200, contains: []string{"Burr grinder"}},
			secure:     answer{status: 200, contains: []string{"Burr grinder"}}},
		{name: "me without token", path: "/api/me",
			vulnerable: answer{status: 401, absent: []string{"@example.com"}},
			secure:     answer{status: 401, absent: []string{"@example.com"}}},
		{name: "me with invalid token", path: "/api/me", token: AliceToken + "x",
			vulnerable: answer{status: 401},
			secure:     answer{status: 401}},
		{name: "me as alice", path: "/api/me", token: AliceToken,
			vulnerable: answer{status: 200, contains: []string{"alice.martin@example.com"}, absent: []string{"bob.chen"}},
			secure:     answer{status: 200, contains: []string{"alice.martin@example.com"}, absent: []string{"bob.chen"}}},
		{name: "me as bob", path: "/api/me", token: BobToken,
			vulnerable: answer{status: 200, contains: []string{"bob.chen@example.com"}},
			secure:     answer{status: 200, contains: []string{"bob.chen@example.com"}}},

		// Planted: /user without authentication.
		{name: "user anonymous reads bob", path: "/user?user_id=2",
			vulnerable: answer{status: 200, contains: []string{"bob.chen@example.com", "+1-202-555-0102"}},
			secure:     answer{status: 401, absent: []string{"bob.chen"}}},
		{name: "user anonymous reads a user without token", path: "/user?user_id=5",
			vulnerable: answer{status: 200, contains: []string{"erin.novak@example.com"}},
			secure:     answer{status: 401, absent: []string{"erin.novak"}}},
		{name: "user invalid token", path: "/user?user_id=1", token: "demo-alice-guess",
			vulnerable: answer{status: 200, contains: []string{"alice.martin"}},
			secure:     answer{status: 401, absent: []string{"alice.martin"}}},
		// Planted: /user reads other users' records (enumeration).
		{name: "user alice reads carol", path: "/user?user_id=3", token: AliceToken,
			vulnerable: answer{status: 200, contains: []string{"carol.diaz@example.com"}},
			secure:     answer{status: 404, absent: []string{"carol.diaz"}}},
		{name: "user alice reads herself", path: "/user?user_id=1", token: AliceToken,
			vulnerable: answer{status: 200, contains: []string{"alice.martin@example.com"}},
			secure:     answer{status: 200, contains: []string{"alice.martin@example.com"}}},
		{name: "user missing record", path: "/user?user_id=99", token: AliceToken,
			vulnerable: answer{status: 404, absent: backendLeak},
			secure:     answer{status: 404, absent: backendLeak}},
		// Planted: backend errors leak.
		{name: "user non-numeric key", path: "/user?user_id=abc", token: AliceToken,
			vulnerable: answer{status: 500, contains: append([]string{"cannot be converted into a number"}, backendLeak...)},
			secure:     answer{status: 400, contains: []string{`{"error":"bad request"}`}, absent: backendLeak}},
		{name: "user empty key", path: "/user?user_id=", token: AliceToken,
			vulnerable: answer{status: 500, contains: append([]string{"cannot contain an empty string value"}, backendLeak...)},
			secure:     answer{status: 400, contains: []string{`{"error":"bad request"}`}, absent: backendLeak}},
		{name: "user without key", path: "/user", token: AliceToken,
			vulnerable: answer{status: 500, contains: backendLeak},
			secure:     answer{status: 400, absent: backendLeak}},
		{name: "user over-long key", path: "/user?user_id=" + longID, token: AliceToken,
			vulnerable: answer{status: 500, contains: append([]string{"Size of hashkey has exceeded"}, backendLeak...)},
			secure:     answer{status: 400, absent: backendLeak}},
		{name: "user quotes in key anonymous", path: "/user?user_id=%27%22%3C%3E",
			vulnerable: answer{status: 500, contains: backendLeak},
			secure:     answer{status: 401, absent: backendLeak}},

		{name: "orders as alice", path: "/api/orders", token: AliceToken,
			vulnerable: answer{status: 200, contains: []string{`"id":1001`, `"id":1002`}, absent: []string{"2001", "3001"}},
			secure:     answer{status: 200, contains: []string{`"id":1001`, `"id":1002`}, absent: []string{"2001", "3001"}}},
		{name: "orders without token", path: "/api/orders",
			vulnerable: answer{status: 401},
			secure:     answer{status: 401}},
		{name: "order alice reads her own", path: "/api/orders/1001", token: AliceToken,
			vulnerable: answer{status: 200, contains: []string{"Espresso beans"}},
			secure:     answer{status: 200, contains: []string{"Espresso beans"}}},
		// Planted: cross-user BOLA on orders.
		{name: "order bob reads alice's", path: "/api/orders/1001", token: BobToken,
			vulnerable: answer{status: 200, contains: []string{"Espresso beans", `"owner":1`}},
			secure:     answer{status: 404, absent: []string{"Espresso beans"}}},
		{name: "order alice reads bob's", path: "/api/orders/2001", token: AliceToken,
			vulnerable: answer{status: 200, contains: []string{"Pour-over kettle"}},
			secure:     answer{status: 404, absent: []string{"Pour-over kettle"}}},
		{name: "order without token", path: "/api/orders/1001",
			vulnerable: answer{status: 401, absent: []string{"Espresso beans"}},
			secure:     answer{status: 401, absent: []string{"Espresso beans"}}},
		{name: "order missing", path: "/api/orders/987654321", token: AliceToken,
			vulnerable: answer{status: 404},
			secure:     answer{status: 404}},
		{name: "order malformed id", path: "/api/orders/x'", token: AliceToken,
			vulnerable: answer{status: 404, absent: backendLeak},
			secure:     answer{status: 404, absent: backendLeak}},

		{name: "unknown path", path: "/admin", token: AliceToken,
			vulnerable: answer{status: 404, contains: []string{`{"error":"not found"}`}},
			secure:     answer{status: 404, contains: []string{`{"error":"not found"}`}}},
		{name: "write method", method: http.MethodDelete, path: "/api/orders/1001", token: AliceToken,
			vulnerable: answer{status: 405},
			secure:     answer{status: 405}},
	}
	twins := []struct {
		name    string
		handler http.Handler
		pick    func(answer, answer) answer
	}{
		{"vulnerable", Vulnerable(), func(v, _ answer) answer { return v }},
		{"secure", Secure(), func(_, s answer) answer { return s }},
	}
	for _, twin := range twins {
		srv := httptest.NewServer(twin.handler)
		t.Cleanup(srv.Close)
		for _, tc := range tests {
			t.Run(twin.name+"/"+tc.name, func(t *testing.T) {
				want := twin.pick(tc.vulnerable, tc.secure)
				method := tc.method
				if method == "" {
					method = http.MethodGet
				}
				resp, body := do(t, srv, method, tc.path, tc.token)
				if resp.StatusCode != want.status {
					t.Fatalf("status = %d, want %d; body %s", resp.StatusCode, want.status, body)
				}
				if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
					t.Errorf("Content-Type = %q, want application/json", ct)
				}
				if !json.Valid([]byte(body)) {
					t.Errorf("body is not JSON: %s", body)
				}
				if resp.StatusCode == http.StatusUnauthorized && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer ") {
					t.Errorf("401 without a Bearer challenge: WWW-Authenticate = %q", resp.Header.Get("WWW-Authenticate"))
				}
				for _, s := range want.contains {
					if !strings.Contains(body, s) {
						t.Errorf("body lacks %q: %s", s, body)
					}
				}
				for _, s := range want.absent {
					if strings.Contains(body, s) {
						t.Errorf("body has %q: %s", s, body)
					}
				}
			})
		}
	}
}

// TestPublicCatalogIsIdentical checks what makes the catalog public: every
// caller, with or without credentials, gets the same answer.
func TestPublicCatalogIsIdentical(t *testing.T) {
	for name, h := range map[string]http.Handler{"vulnerable": Vulnerable(), "secure": Secure()} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(h)
			defer srv.Close()
			_, anon := do(t, srv, http.MethodGet, "/api/products", "")
			for _, token := range []string{AliceToken, BobToken, "not-a-token"} {
				if _, got := do(t, srv, http.MethodGet, "/api/products", token); got != anon {
					t.Errorf("catalog differs with a token: %s vs %s", got, anon)
				}
			}
		})
	}
}

func TestIdentities(t *testing.T) {
	ids := Identities()
	if len(ids) != 2 || ids[0].Token != AliceToken || ids[1].Token != BobToken {
		t.Fatalf("Identities() = %+v, want alice then bob", ids)
	}
	if got, want := ids[0].AuthHeader(), "Authorization: Bearer "+AliceToken; got != want {
		t.Errorf("AuthHeader() = %q, want %q", got, want)
	}
	srv := httptest.NewServer(Secure())
	defer srv.Close()
	for _, id := range ids {
		_, body := do(t, srv, http.MethodGet, "/api/me", id.Token)
		var u User
		if err := json.Unmarshal([]byte(body), &u); err != nil {
			t.Fatalf("%s: /api/me: %v", id.Name, err)
		}
		if u.UserID != id.UserID || !strings.HasPrefix(u.Email, id.Name+".") {
			t.Errorf("%s: /api/me = %+v, want user %d", id.Name, u, id.UserID)
		}
	}
}

// openAPIDoc is the part of the document the test checks. A path item
// holds its operations by method and may hold parameters shared by them.
type openAPIDoc struct {
	OpenAPI  string                                `json:"openapi"`
	Security []map[string][]string                 `json:"security"`
	Paths    map[string]map[string]json.RawMessage `json:"paths"`
}

type openAPIOp struct {
	Security   *[]map[string][]string `json:"security"`
	Parameters []openAPIParam         `json:"parameters"`
}

type openAPIParam struct {
	Name    string `json:"name"`
	In      string `json:"in"`
	Example any    `json:"example"`
}

func TestOpenAPIDocument(t *testing.T) {
	for name, h := range map[string]http.Handler{"vulnerable": Vulnerable(), "secure": Secure()} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(h)
			defer srv.Close()
			resp, body := do(t, srv, http.MethodGet, "/openapi.json", "")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("/openapi.json: status %d", resp.StatusCode)
			}
			if body != strings.TrimSpace(string(OpenAPI())) {
				t.Fatal("/openapi.json differs from OpenAPI()")
			}
			var doc openAPIDoc
			if err := json.Unmarshal([]byte(body), &doc); err != nil {
				t.Fatalf("document is not JSON: %v", err)
			}
			if !strings.HasPrefix(doc.OpenAPI, "3.0.") {
				t.Errorf("openapi = %q, want 3.0.x", doc.OpenAPI)
			}
			if len(doc.Security) != 1 || doc.Security[0]["bearerAuth"] == nil {
				t.Errorf("global security = %v, want bearerAuth", doc.Security)
			}
			var paths []string
			for p := range doc.Paths {
				paths = append(paths, p)
			}
			slices.Sort(paths)
			want := []string{"/api/login", "/api/logout", "/api/me", "/api/notes", "/api/notes/{noteId}", "/api/orders", "/api/orders/{orderId}", "/api/products", "/health", "/user"}
			if !slices.Equal(paths, want) {
				t.Fatalf("paths = %v, want %v", paths, want)
			}
			public := map[string]bool{"/health": true, "/api/products": true, "/api/login": true}
			methods := map[string][]string{
				"/api/login": {"post"}, "/api/logout": {"post"}, "/api/notes": {"post"},
				"/api/notes/{noteId}": {"delete", "get", "put"},
			}
			examples := map[string]string{}
			addExamples := func(path string, ps []openAPIParam) {
				for _, p := range ps {
					if p.Example == nil {
						t.Errorf("%s: parameter %s has no example", path, p.Name)
					}
					examples[p.In+":"+p.Name] = strings.Trim(string(mustJSON(t, p.Example)), `"`)
				}
			}
			for path, item := range doc.Paths {
				var got []string
				for key, raw := range item {
					if key == "parameters" {
						var shared []openAPIParam
						if err := json.Unmarshal(raw, &shared); err != nil {
							t.Fatalf("%s: parameters: %v", path, err)
						}
						addExamples(path, shared)
						continue
					}
					got = append(got, key)
					var op openAPIOp
					if err := json.Unmarshal(raw, &op); err != nil {
						t.Fatalf("%s %s: %v", path, key, err)
					}
					if isPublic := op.Security != nil && len(*op.Security) == 0; isPublic != public[path] {
						t.Errorf("%s %s: security: [] is %v, want %v", key, path, isPublic, public[path])
					}
					addExamples(path, op.Parameters)
				}
				slices.Sort(got)
				wantMethods := methods[path]
				if wantMethods == nil {
					wantMethods = []string{"get"}
				}
				if !slices.Equal(got, wantMethods) {
					t.Errorf("%s: operations %v, want %v", path, got, wantMethods)
				}
			}
			if got, want := examples["query:user_id"], strconv.Itoa(AliceUserID); got != want {
				t.Errorf("user_id example = %q, want Alice's id %s", got, want)
			}
			if got, want := examples["path:orderId"], strconv.Itoa(AliceOrderID); got != want {
				t.Errorf("orderId example = %q, want Alice's order %s", got, want)
			}
			if got, want := examples["path:noteId"], strconv.Itoa(AliceNoteID); got != want {
				t.Errorf("noteId example = %q, want Alice's note %s", got, want)
			}
		})
	}
}

func TestUsersTableGetItem(t *testing.T) {
	table := usersTable{items: seedUsers()}
	tests := []struct {
		key      string
		wantUser int // 0: not found
		wantErr  string
	}{
		{key: "1", wantUser: 1},
		{key: "01", wantUser: 1},
		{key: "2.0", wantUser: 2},
		{key: "1.5"},
		{key: "-1"},
		{key: "99"},
		{key: "", wantErr: "(ValidationException) when calling the GetItem operation: One or more parameter values are not valid"},
		{key: "abc", wantErr: "A value provided cannot be converted into a number"},
		{key: "1e999", wantErr: "Number overflow"},
		{key: strings.Repeat("9", maxHashKeyBytes+1), wantErr: "maximum size limit of 2048 bytes"},
	}
	for _, tc := range tests {
		t.Run(strconv.Quote(tc.key[:min(len(tc.key), 8)]), func(t *testing.T) {
			u, ok, err := table.getItem(tc.key)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			if ok != (tc.wantUser != 0) || u.UserID != tc.wantUser {
				t.Errorf("getItem = %+v, %v; want user %d", u, ok, tc.wantUser)
			}
		})
	}
}

func do(t *testing.T, srv *httptest.Server, method, path, token string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, strings.TrimSpace(string(b))
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
