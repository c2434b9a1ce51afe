package rules_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner"
	"github.com/authgate/authgate/scanner/rules"
)

// massBind is what one write of the mass-assignment API binds from a body.
type massBind int

const (
	massIgnore   massBind = iota // only the fields the caller may set: fixed
	massAccept                   // every field of the model: vulnerable
	massOverride                 // every field, then the server sets role and isAdmin itself: fixed
	massStrict                   // 400 for any field the caller may not set: fixed
	massStatus                   // a note's status but not its ownerId: vulnerable, medium
	massEcho                     // answers with the body's fields but stores only the allowed ones: fixed
	massPinned                   // a note's pinned, which only answers declare: vulnerable, medium confidence
	massOwnerFK                  // a note's ownerId when it names a user (400 otherwise): vulnerable
)

// echo is the answer of a write that binds as bind: the stored record, or
// for massEcho the record with every field of the body laid over it (the
// answer a careless serializer gives; nothing of it is stored).
func echo(bind massBind, record any, body map[string]any) any {
	if bind != massEcho {
		return record
	}
	b, _ := json.Marshal(record)
	var out map[string]any
	json.Unmarshal(b, &out)
	for k, v := range body {
		if k != "password" {
			out[k] = v
		}
	}
	return out
}

// massPassword is the throw-away account's password.
const massPassword = "Mallory-Mass-Passw0rd"

// massAPI is a small API with accounts and notes: a profile update
// (PATCH /api/me), a registration, and notes whose ownerId and status are
// readOnly. Each write binds as its massBind says.
type massAPI struct {
	profile, register, create, update massBind
	// envelope: a note's read answers {"status": "ok", "data": note},
	// the envelope's status beside the note's.
	envelope bool
	// getOrCreate: POST /api/notes answers the caller's existing note
	// when there is one (a shopping cart's create), ignoring the body.
	getOrCreate bool
	// byOwnerID: a note's reader must be the user its ownerId names (not
	// the one who created it): a note moved by ownerId is lost to them.
	byOwnerID bool
	// jwt: the login answers a JWT whose claims carry the user's id,
	// role and isAdmin. hideRole: GET /api/me shows neither (Juice
	// Shop's whoami).
	jwt, hideRole bool
	// regAnswer is what the registration answers besides echo's: ""
	// nothing more; "record" the stored role and isAdmin; "built" the
	// body's role and isAdmin over the defaults (a model built from the
	// request, of which only permitted fields were saved).
	regAnswer string
	// slowProfile: PATCH /api/me applies the change, then waits this
	// long before it answers (past the scan's timeout).
	slowProfile time.Duration

	mu         sync.Mutex
	users      map[string]*massUser // by name
	tokens     map[string]string    // token -> user name
	notes      map[int]map[string]any
	creators   map[int]string // note id -> the user who created it (access check)
	nextUser   int
	nextNote   int
	writes     []string // every write sent: "PATCH /api/me {...}"
	registered []string // every account the registration created
	passwords  []string // and its password
	deletions  int
}

type massUser struct {
	ID          int    `json:"id"`
	Username    string `json:"username"`
	DisplayName string `json:"displayName"`
	Role        string `json:"role"`
	IsAdmin     bool   `json:"isAdmin"`
	password    string
}

func newMassAPI(profile, register, create, update massBind) *massAPI {
	a := &massAPI{profile: profile, register: register, create: create, update: update,
		users:  map[string]*massUser{},
		tokens: map[string]string{"alice-token": "alice"},
		notes:  map[int]map[string]any{}, creators: map[int]string{},
		nextUser: 3, nextNote: 100,
	}
	a.users["alice"] = &massUser{ID: 1, Username: "alice", DisplayName: "Alice", Role: "user"}
	a.users["mallory"] = &massUser{ID: 2, Username: "mallory", DisplayName: "Mallory", Role: "user", password: massPassword}
	return a
}

// caller is the user the bearer token belongs to, "" for none.
func (a *massAPI) caller(r *http.Request) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.tokens[bearerToken(r)]
}

// body decodes a JSON object body.
func massBody(r *http.Request) (map[string]any, bool) {
	var b map[string]any
	if json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<16)).Decode(&b) != nil {
		return nil, false
	}
	return b, true
}

// strictOK reports whether body holds only the allowed keys.
func strictOK(body map[string]any, allowed ...string) bool {
	for k := range body {
		if !slices.Contains(allowed, k) {
			return false
		}
	}
	return true
}

// bindUser applies body to u as bind says.
func bindUser(u *massUser, body map[string]any, bind massBind) {
	if v, ok := body["displayName"].(string); ok {
		u.DisplayName = v
	}
	if bind != massAccept && bind != massOverride {
		return
	}
	if v, ok := body["role"].(string); ok {
		u.Role = v
	}
	if v, ok := body["isAdmin"].(bool); ok {
		u.IsAdmin = v
	}
	if bind == massOverride {
		u.Role, u.IsAdmin = "user", false
	}
}

// bindNote applies body to n as bind says: title and body always,
// ownerId and status (readOnly) only when it binds everything.
func bindNote(n map[string]any, body map[string]any, bind massBind) {
	for _, k := range []string{"title", "body"} {
		if v, ok := body[k].(string); ok {
			n[k] = v
		}
	}
	keys := []string{"ownerId", "status"}
	switch bind {
	case massAccept:
	case massStatus:
		keys = keys[1:]
	case massPinned:
		keys = []string{"pinned"}
	case massOwnerFK:
		keys = []string{"ownerId"}
	default:
		return
	}
	for _, k := range keys {
		if v, ok := body[k]; ok {
			n[k] = v
		}
	}
}

func (a *massAPI) handler() http.Handler {
	mux := http.NewServeMux()
	record := func(r *http.Request, body map[string]any) {
		b, _ := json.Marshal(body)
		a.mu.Lock()
		a.writes = append(a.writes, r.Method+" "+r.URL.Path+" "+string(b))
		a.mu.Unlock()
	}
	mux.HandleFunc("POST /api/login", func(w http.ResponseWriter, r *http.Request) {
		b, ok := massBody(r)
		if !ok {
			badRequest(w)
			return
		}
		a.mu.Lock()
		defer a.mu.Unlock()
		name, _ := b["username"].(string)
		u := a.users[name]
		if u == nil || u.password == "" || b["password"] != u.password {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid credentials"})
			return
		}
		tok := "tok-" + randomHex(12)
		if a.jwt {
			tok = mintJWT("mass-secret", map[string]any{"sub": u.ID, "role": u.Role, "isAdmin": u.IsAdmin, "jti": randomHex(8)})
		}
		a.tokens[tok] = name
		writeJSON(w, http.StatusOK, map[string]string{"token": tok})
	})
	mux.HandleFunc("POST /api/register", func(w http.ResponseWriter, r *http.Request) {
		b, ok := massBody(r)
		name, _ := b["username"].(string)
		pw, _ := b["password"].(string)
		if !ok || name == "" || len(pw) < 12 {
			badRequest(w)
			return
		}
		record(r, b)
		if a.register == massStrict && !strictOK(b, "username", "password", "displayName") {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unknown field"})
			return
		}
		a.mu.Lock()
		defer a.mu.Unlock()
		if a.users[name] != nil {
			writeJSON(w, http.StatusConflict, map[string]string{"error": "taken"})
			return
		}
		u := &massUser{ID: a.nextUser, Username: name, Role: "user", password: pw}
		a.nextUser++
		bindUser(u, b, a.register)
		a.users[name] = u
		a.registered = append(a.registered, name)
		a.passwords = append(a.passwords, pw)
		answer := map[string]any{"id": u.ID, "username": name}
		switch a.regAnswer {
		case "record":
			answer["role"], answer["isAdmin"] = u.Role, u.IsAdmin
		case "built":
			answer["role"], answer["isAdmin"] = "user", false
			for _, k := range []string{"role", "isAdmin"} {
				if v, ok := b[k]; ok {
					answer[k] = v
				}
			}
		}
		writeJSON(w, http.StatusCreated, echo(a.register, answer, b))
	})
	mux.HandleFunc("GET /api/me", func(w http.ResponseWriter, r *http.Request) {
		name := a.caller(r)
		if name == "" {
			unauthorized(w)
			return
		}
		a.mu.Lock()
		defer a.mu.Unlock()
		if u := a.users[name]; a.hideRole {
			writeJSON(w, http.StatusOK, map[string]any{"id": u.ID, "username": u.Username, "displayName": u.DisplayName})
			return
		}
		writeJSON(w, http.StatusOK, a.users[name])
	})
	// An account deletes itself, except the two the test set up.
	mux.HandleFunc("DELETE /api/me", func(w http.ResponseWriter, r *http.Request) {
		name := a.caller(r)
		if name == "" {
			unauthorized(w)
			return
		}
		record(r, nil)
		a.mu.Lock()
		defer a.mu.Unlock()
		if name == "alice" || name == "mallory" {
			writeJSON(w, http.StatusForbidden, map[string]string{"error": "not in this test"})
			return
		}
		delete(a.users, name)
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("PUT /api/me", func(w http.ResponseWriter, r *http.Request) {
		name := a.caller(r)
		if name == "" {
			unauthorized(w)
			return
		}
		b, ok := massBody(r)
		if dn, _ := b["displayName"].(string); !ok || dn == "" {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "displayName is required"})
			return
		}
		record(r, b)
		a.mu.Lock()
		defer a.mu.Unlock()
		bindUser(a.users[name], b, a.profile)
		writeJSON(w, http.StatusOK, echo(a.profile, a.users[name], b))
	})
	mux.HandleFunc("PATCH /api/me", func(w http.ResponseWriter, r *http.Request) {
		defer time.Sleep(a.slowProfile) // after the change, before the answer
		name := a.caller(r)
		if name == "" {
			unauthorized(w)
			return
		}
		b, ok := massBody(r)
		if !ok {
			badRequest(w)
			return
		}
		record(r, b)
		if a.profile == massStrict && !strictOK(b, "displayName") {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unknown field"})
			return
		}
		a.mu.Lock()
		defer a.mu.Unlock()
		bindUser(a.users[name], b, a.profile)
		writeJSON(w, http.StatusOK, echo(a.profile, a.users[name], b))
	})
	// The same profile by id: only the account itself may read or
	// change it.
	self := func(w http.ResponseWriter, r *http.Request) (*massUser, bool) {
		name := a.caller(r)
		if name == "" {
			unauthorized(w)
			return nil, false
		}
		a.mu.Lock()
		defer a.mu.Unlock()
		u := a.users[name]
		if r.PathValue("userId") != strconv.Itoa(u.ID) {
			notFound(w)
			return nil, false
		}
		return u, true
	}
	mux.HandleFunc("GET /api/users/{userId}", func(w http.ResponseWriter, r *http.Request) {
		if u, ok := self(w, r); ok {
			a.mu.Lock()
			defer a.mu.Unlock()
			writeJSON(w, http.StatusOK, map[string]any{"data": u})
		}
	})
	mux.HandleFunc("PATCH /api/users/{userId}", func(w http.ResponseWriter, r *http.Request) {
		u, ok := self(w, r)
		if !ok {
			return
		}
		b, ok := massBody(r)
		if !ok {
			badRequest(w)
			return
		}
		record(r, b)
		a.mu.Lock()
		defer a.mu.Unlock()
		bindUser(u, b, a.profile)
		writeJSON(w, http.StatusOK, map[string]any{"data": echo(a.profile, u, b)})
	})
	// Members are numbered apart from users: member 2 is alice's. Any
	// signed-in user reads the directory, and the PATCH checks nothing:
	// a write with mallory's user id would change alice's member record.
	members := map[string]map[string]any{
		"2": {"id": 2, "username": "alice", "role": "user"},
		"7": {"id": 7, "username": "mallory", "role": "user"},
	}
	mux.HandleFunc("GET /api/members/{memberId}", func(w http.ResponseWriter, r *http.Request) {
		if a.caller(r) == "" {
			unauthorized(w)
			return
		}
		a.mu.Lock()
		defer a.mu.Unlock()
		if m := members[r.PathValue("memberId")]; m != nil {
			writeJSON(w, http.StatusOK, m)
			return
		}
		notFound(w)
	})
	mux.HandleFunc("PATCH /api/members/{memberId}", func(w http.ResponseWriter, r *http.Request) {
		b, _ := massBody(r)
		record(r, b)
		a.mu.Lock()
		defer a.mu.Unlock()
		if m := members[r.PathValue("memberId")]; m != nil {
			for k, v := range b {
				m[k] = v
			}
			writeJSON(w, http.StatusOK, m)
			return
		}
		notFound(w)
	})
	mux.HandleFunc("POST /api/notes", func(w http.ResponseWriter, r *http.Request) {
		name := a.caller(r)
		if name == "" {
			unauthorized(w)
			return
		}
		b, ok := massBody(r)
		if title, _ := b["title"].(string); !ok || title == "" {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": `"title" is required`})
			return
		}
		record(r, b)
		if a.getOrCreate {
			a.mu.Lock()
			for id, creator := range a.creators {
				if creator == name {
					n := a.notes[id]
					a.mu.Unlock()
					writeJSON(w, http.StatusOK, n)
					return
				}
			}
			a.mu.Unlock()
		}
		if a.create == massStrict && !strictOK(b, "title", "body") {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unknown field"})
			return
		}
		a.mu.Lock()
		defer a.mu.Unlock()
		if owner, given := b["ownerId"]; given && a.create == massOwnerFK && !slices.ContainsFunc(slices.Collect(maps.Values(a.users)), func(u *massUser) bool { return fmt.Sprint(owner) == strconv.Itoa(u.ID) }) {
			writeJSON(w, http.StatusBadRequest, map[string][]string{"ownerId": {"Invalid pk - object does not exist."}})
			return
		}
		id := a.nextNote
		a.nextNote++
		n := map[string]any{"id": id, "ownerId": a.users[name].ID, "status": "draft", "pinned": false, "createdAt": time.Now().UTC().Format(time.RFC3339)}
		bindNote(n, b, a.create)
		a.notes[id], a.creators[id] = n, name
		writeJSON(w, http.StatusCreated, echo(a.create, n, b))
	})
	// note finds the caller's note: only its creator reaches it (the
	// ownerId shown may have been changed by a mass assignment).
	note := func(w http.ResponseWriter, r *http.Request) (map[string]any, int, bool) {
		name := a.caller(r)
		if name == "" {
			unauthorized(w)
			return nil, 0, false
		}
		id, err := strconv.Atoi(r.PathValue("noteId"))
		a.mu.Lock()
		defer a.mu.Unlock()
		n := a.notes[id]
		reader := a.creators[id] == name
		if a.byOwnerID && n != nil {
			reader = fmt.Sprint(n["ownerId"]) == strconv.Itoa(a.users[name].ID)
		}
		if err != nil || n == nil || !reader {
			notFound(w)
			return nil, 0, false
		}
		return n, id, true
	}
	mux.HandleFunc("GET /api/notes/{noteId}", func(w http.ResponseWriter, r *http.Request) {
		if n, _, ok := note(w, r); ok {
			a.mu.Lock()
			defer a.mu.Unlock()
			if a.envelope {
				writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "data": n})
				return
			}
			writeJSON(w, http.StatusOK, n)
		}
	})
	mux.HandleFunc("PATCH /api/notes/{noteId}", func(w http.ResponseWriter, r *http.Request) {
		n, _, ok := note(w, r)
		if !ok {
			return
		}
		b, ok := massBody(r)
		if !ok {
			badRequest(w)
			return
		}
		record(r, b)
		if a.update == massStrict && !strictOK(b, "title", "body") {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unknown field"})
			return
		}
		a.mu.Lock()
		defer a.mu.Unlock()
		bindNote(n, b, a.update)
		writeJSON(w, http.StatusOK, echo(a.update, n, b))
	})
	mux.HandleFunc("DELETE /api/notes/{noteId}", func(w http.ResponseWriter, r *http.Request) {
		if _, id, ok := note(w, r); ok {
			a.mu.Lock()
			defer a.mu.Unlock()
			delete(a.notes, id)
			a.deletions++
			w.WriteHeader(http.StatusNoContent)
		}
	})
	// Tasks are assigned to a user by the body's userId, as declared:
	// setting it is the caller's right, not a flaw.
	mux.HandleFunc("POST /api/tasks", func(w http.ResponseWriter, r *http.Request) {
		name := a.caller(r)
		b, ok := massBody(r)
		if name == "" || !ok {
			badRequest(w)
			return
		}
		record(r, b)
		a.mu.Lock()
		defer a.mu.Unlock()
		id := a.nextNote
		a.nextNote++
		n := map[string]any{"id": id, "title": b["title"], "userId": name}
		if v, ok := b["userId"].(string); ok {
			n["userId"] = v
		}
		a.notes[id], a.creators[id] = n, name
		writeJSON(w, http.StatusCreated, n)
	})
	mux.HandleFunc("GET /api/tasks/{noteId}", func(w http.ResponseWriter, r *http.Request) {
		if n, _, ok := note(w, r); ok {
			a.mu.Lock()
			defer a.mu.Unlock()
			writeJSON(w, http.StatusOK, n)
		}
	})
	mux.HandleFunc("DELETE /api/tasks/{noteId}", func(w http.ResponseWriter, r *http.Request) {
		if _, id, ok := note(w, r); ok {
			a.mu.Lock()
			defer a.mu.Unlock()
			delete(a.notes, id)
			w.WriteHeader(http.StatusNoContent)
		}
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { notFound(w) })
	return mux
}

// massSpec describes the API: the profile's role and isAdmin and the
// note's ownerId, status and createdAt are readOnly.
const massSpec = `openapi: 3.0.3
info: {title: mass, version: "1"}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
  schemas:
    User:
      type: object
      properties:
        id: {type: integer, readOnly: true}
        username: {type: string, readOnly: true}
        displayName: {type: string}
        role: {type: string, enum: [user, admin], readOnly: true}
        isAdmin: {type: boolean, readOnly: true}
    ProfileUpdate:
      type: object
      properties:
        displayName: {type: string}
    NoteIn:
      type: object
      required: [title]
      properties:
        title: {type: string}
        body: {type: string}
    Note:
      type: object
      properties:
        id: {type: integer, readOnly: true}
        title: {type: string}
        body: {type: string}
        ownerId: {type: integer, readOnly: true}
        status: {type: string, enum: [draft, published, archived], default: draft, readOnly: true}
        pinned: {type: boolean}
        createdAt: {type: string, format: date-time, readOnly: true}
security: [{bearer: []}]
paths:
  /api/login:
    post:
      security: []
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {username: {type: string}, password: {type: string}}}
      responses: {"200": {description: token}}
  /api/register:
    post:
      security: []
      requestBody:
        content:
          application/json:
            schema: {type: object, required: [username, password], properties: {username: {type: string}, password: {type: string}, displayName: {type: string}}}
      responses: {"201": {description: created}}
  /api/me:
    get:
      responses:
        "200": {description: me, content: {application/json: {schema: {$ref: "#/components/schemas/User"}}}}
    delete:
      responses: {"204": {description: the account is closed}}
    patch:
      requestBody:
        content:
          application/json:
            schema: {$ref: "#/components/schemas/ProfileUpdate"}
      responses:
        "200": {description: me, content: {application/json: {schema: {$ref: "#/components/schemas/User"}}}}
  /api/notes:
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/NoteIn"}
      responses:
        "201": {description: created, content: {application/json: {schema: {$ref: "#/components/schemas/Note"}}}}
  /api/notes/{noteId}:
    parameters:
      - {name: noteId, in: path, required: true, schema: {type: integer}}
    get:
      responses:
        "200": {description: note, content: {application/json: {schema: {$ref: "#/components/schemas/Note"}}}}
    patch:
      requestBody:
        content:
          application/json:
            schema: {$ref: "#/components/schemas/NoteIn"}
      responses:
        "200": {description: note, content: {application/json: {schema: {$ref: "#/components/schemas/Note"}}}}
    delete:
      responses: {"204": {description: deleted}}
`

// massSpecUsers updates the profile by id (PATCH /api/users/{userId},
// its answers wrapped in "data"); GET /api/me says the caller's id.
var massSpecUsers = strings.Replace(massSpec, `  /api/notes:
`, `  /api/users/{userId}:
    parameters:
      - {name: userId, in: path, required: true, schema: {type: integer}, example: 1}
    get:
      responses:
        "200": {description: user, content: {application/json: {schema: {type: object, properties: {data: {$ref: "#/components/schemas/User"}}}}}}
    patch:
      requestBody:
        content:
          application/json:
            schema: {$ref: "#/components/schemas/ProfileUpdate"}
      responses:
        "200": {description: user}
  /api/notes:
`, 1)

// massSpecNoMe has no /me: a registered account is read by the id its
// registration answers, at GET /api/users/{userId}.
var massSpecNoMe = func() string {
	start := strings.Index(massSpecUsers, "  /api/me:\n")
	end := strings.Index(massSpecUsers, "  /api/users/{userId}:\n")
	return massSpecUsers[:start] + massSpecUsers[end:]
}()

// massSpecPut replaces the profile's PATCH with a PUT that needs the whole
// profile (displayName).
var massSpecPut = strings.Replace(massSpec, `    patch:
      requestBody:
        content:
          application/json:
            schema: {$ref: "#/components/schemas/ProfileUpdate"}`, `    put:
      requestBody:
        content:
          application/json:
            schema: {$ref: "#/components/schemas/ProfileUpdate"}`, 1)

// massSpecMembers has a member directory numbered apart from the users.
var massSpecMembers = strings.Replace(massSpec, `  /api/notes:
`, `  /api/members/{memberId}:
    parameters:
      - {name: memberId, in: path, required: true, schema: {type: integer}}
    get:
      responses: {"200": {description: member}}
    patch:
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {nickname: {type: string}}}
      responses: {"200": {description: member}}
  /api/notes:
`, 1)

// massSpecTasks adds tasks whose create declares userId (the assignee).
var massSpecTasks = strings.Replace(massSpec, `  /api/notes:
`, `  /api/tasks:
    post:
      requestBody:
        content:
          application/json:
            schema: {type: object, required: [title], properties: {title: {type: string}, userId: {type: string}}}
      responses:
        "201": {description: created, content: {application/json: {schema: {type: object, properties: {id: {type: integer}, title: {type: string}, userId: {type: string}}}}}}
  /api/tasks/{taskId}:
    parameters:
      - {name: taskId, in: path, required: true, schema: {type: integer}}
    get:
      responses: {"200": {description: task}}
    delete:
      responses: {"204": {description: deleted}}
  /api/notes:
`, 1)

// massMallory is the throw-away identity.
func massMallory() *scanner.Identity {
	id := scanner.NewIdentity("mallory", nil)
	id.Throwaway = true
	id.Login = &scanner.Login{Method: "POST", Path: "/api/login", Format: "json",
		Body:      map[string]any{"username": "mallory", "password": massPassword},
		TokenFrom: "json", TokenName: "token", Send: "Authorization: Bearer {token}"}
	return id
}

// massScan scans api with mass-assignment only, alice as the primary and
// mallory as the throw-away identity.
func massScan(t *testing.T, api *massAPI, spec string, mode finding.Mode) ([]finding.Finding, *scanner.Result) {
	t.Helper()
	var res *scanner.Result
	fs := scanRules(t, api.handler(), scanOpts{spec: spec, mode: mode, auth: "alice-token",
		identities: []*scanner.Identity{massMallory()},
		apiRules:   []scanner.APIRule{rules.MassAssignment{}},
		onResult:   func(r *scanner.Result) { res = r }}, nil)
	return fs, res
}

// massCoverage is the rule's coverage entry.
func massCoverage(res *scanner.Result) finding.RuleCoverage {
	for _, c := range res.Coverage.Rules {
		if c.Rule == "mass-assignment" {
			return c
		}
	}
	return finding.RuleCoverage{}
}

// massWant is one finding a case expects: on method path, at severity,
// naming the properties.
type massWant struct {
	method, path string
	severity     finding.Severity
	names        []string
}

func TestMassAssignment(t *testing.T) {
	const rule = "mass-assignment"
	fixed := func() *massAPI { return newMassAPI(massIgnore, massIgnore, massIgnore, massIgnore) }
	tests := []struct {
		name string
		api  *massAPI
		spec string // "" is massSpec
		want []massWant
		conf finding.Confidence // of every finding when set (low is set by low)
		low  bool
	}{
		{name: "profile PATCH writes role", api: newMassAPI(massAccept, massIgnore, massIgnore, massIgnore),
			want: []massWant{{"PATCH", "/api/me", finding.SeverityHigh, []string{"role", "isAdmin"}}}},
		{name: "registration accepts isAdmin", api: newMassAPI(massIgnore, massAccept, massIgnore, massIgnore),
			want: []massWant{{"POST", "/api/register", finding.SeverityHigh, []string{"role", "isAdmin"}}}},
		{name: "create accepts readOnly ownerId and status", api: newMassAPI(massIgnore, massIgnore, massAccept, massIgnore),
			want: []massWant{{"POST", "/api/notes", finding.SeverityHigh, []string{"ownerId", "status"}}}},
		{name: "update accepts readOnly ownerId and status", api: newMassAPI(massIgnore, massIgnore, massIgnore, massAccept),
			want: []massWant{{"PATCH", "/api/notes/{noteId}", finding.SeverityHigh, []string{"ownerId", "status"}}}},

		{name: "create accepts the readOnly status only", api: newMassAPI(massIgnore, massIgnore, massStatus, massIgnore),
			want: []massWant{{"POST", "/api/notes", finding.SeverityMedium, []string{"status"}}}},

		{name: "profile by id writes role on the throw-away's own id", api: newMassAPI(massAccept, massIgnore, massIgnore, massIgnore), spec: massSpecUsers,
			want: []massWant{{"PATCH", "/api/me", finding.SeverityHigh, []string{"role", "isAdmin"}}, {"PATCH", "/api/users/{userId}", finding.SeverityHigh, []string{"role", "isAdmin"}}}},

		{name: "create accepts status, read in an envelope that has a status of its own", api: func() *massAPI {
			a := newMassAPI(massIgnore, massIgnore, massStatus, massIgnore)
			a.envelope = true
			return a
		}(), want: []massWant{{"POST", "/api/notes", finding.SeverityMedium, []string{"status"}}}},
		{name: "create accepts pinned, which only answers declare", api: newMassAPI(massIgnore, massIgnore, massPinned, massIgnore),
			want: []massWant{{"POST", "/api/notes", finding.SeverityMedium, []string{"pinned"}}}, conf: finding.ConfidenceMedium},

		{name: "fixed: every write ignores unknown fields", api: fixed()},
		{name: "a declared userId (an assignee) is low confidence at most", api: fixed(), spec: massSpecTasks,
			want: []massWant{{"POST", "/api/tasks", finding.SeverityHigh, []string{"userId"}}}, low: true},
		{name: "profile PUT with the whole profile writes role", api: newMassAPI(massAccept, massIgnore, massIgnore, massIgnore), spec: massSpecPut,
			want: []massWant{{"PUT", "/api/me", finding.SeverityHigh, []string{"role", "isAdmin"}}}},
		{name: "registration read back by the id it answered, without /me", api: newMassAPI(massIgnore, massAccept, massIgnore, massIgnore), spec: massSpecNoMe,
			want: []massWant{{"POST", "/api/register", finding.SeverityHigh, []string{"role", "isAdmin"}}}},
		{name: "fixed: registration read back by id ignores role", api: newMassAPI(massIgnore, massEcho, massIgnore, massIgnore), spec: massSpecNoMe},
		{name: "another account's record under the throw-away's id is never written", api: fixed(), spec: massSpecMembers},
		{name: "fixed: profile by id ignores role", api: newMassAPI(massEcho, massIgnore, massIgnore, massIgnore), spec: massSpecUsers},
		{name: "fixed: the server overrides role with user", api: newMassAPI(massOverride, massOverride, massIgnore, massIgnore)},
		{name: "fixed: strict writes refuse unknown fields", api: newMassAPI(massStrict, massStrict, massStrict, massStrict)},
		{name: "fixed: answers echo the body, reads show what was stored", api: newMassAPI(massEcho, massEcho, massEcho, massEcho)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := cmp.Or(tt.spec, massSpec)
			fs, res := massScan(t, tt.api, spec, finding.ModeActive)
			var got []finding.Finding
			for _, f := range fs {
				if f.Rule == rule {
					got = append(got, f)
				}
				if strings.Contains(f.Evidence.Summary, "title") {
					t.Errorf("the writable title is named: %s", f.Evidence.Summary)
				}
			}
			for _, f := range got {
				t.Logf("%s %s %s: %s [%d exchanges]", f.Method, f.Path, f.Severity, f.Evidence.Summary, len(f.Evidence.Exchanges))
			}
			if len(got) != len(tt.want) {
				t.Fatalf("%d findings, want %d:%s\nwarnings: %q", len(got), len(tt.want), list(fs), res.Warnings)
			}
			for i, w := range tt.want {
				f := got[i]
				conf := cmp.Or(tt.conf, finding.ConfidenceHigh)
				if tt.low {
					conf = finding.ConfidenceLow // the zero Confidence
				}
				if f.Method != w.method || f.Path != w.path || f.Severity != w.severity || f.Confidence != conf {
					t.Errorf("finding %d on %s %s (%s, %s), want %s %s (%s, %s)", i, f.Method, f.Path, f.Severity, f.Confidence, w.method, w.path, w.severity, conf)
				}
				for _, name := range w.names {
					if !strings.Contains(f.Evidence.Summary, name+" (") {
						t.Errorf("summary does not name %s: %s", name, f.Evidence.Summary)
					}
				}
				if w.severity == finding.SeverityMedium && strings.Contains(f.Evidence.Summary, "ownerId") {
					t.Errorf("ownerId named although it did not stick: %s", f.Evidence.Summary)
				}
				if len(f.Evidence.Exchanges) < 2 {
					t.Errorf("evidence has %d exchanges, want the write and the read-backs", len(f.Evidence.Exchanges))
				}
			}
			if c := massCoverage(res); c.Status != finding.RuleRan {
				t.Errorf("coverage %s (%s), want ran", c.Status, c.Reason)
			}
			tt.api.mu.Lock()
			defer tt.api.mu.Unlock()
			if u := tt.api.users["mallory"]; u.Role != "user" || u.IsAdmin || u.DisplayName != "Mallory" {
				t.Errorf("the throw-away account was left with role %q, isAdmin %v, displayName %q: not restored", u.Role, u.IsAdmin, u.DisplayName)
			}
			if u := tt.api.users["alice"]; u.Role != "user" || u.IsAdmin || u.DisplayName != "Alice" {
				t.Errorf("the primary's account changed: %+v", *u)
			}
			for _, w := range tt.api.writes {
				if strings.HasPrefix(w, "PATCH /api/members/") {
					t.Errorf("a member record was written: %s", w)
				}
				if strings.HasPrefix(w, "PATCH /api/users/") && !strings.HasPrefix(w, "PATCH /api/users/2 ") {
					t.Errorf("a profile write on another account than the throw-away's (id 2): %s", w)
				}
			}
			// Every account registered is in the report, and gone
			// where the API lets an account delete itself.
			listed := map[string]finding.CreatedObject{}
			if w := res.Coverage.Writes; w != nil {
				for _, c := range w.Created {
					if c.Kind == "account" {
						listed[c.Item] = c
					}
				}
			}
			canClose := strings.Contains(spec, "the account is closed")
			for _, name := range tt.api.registered {
				c, ok := listed[name]
				_, stays := tt.api.users[name]
				switch {
				case !ok:
					t.Errorf("the registered account %s is not in coverage.writes (%v)", name, listed)
				case c.Deleted == stays:
					t.Errorf("%s: coverage says deleted %v, on the target: %v (%s)", name, c.Deleted, stays, c.Reason)
				case canClose && stays:
					t.Errorf("%s stays on the target although DELETE /api/me closes it: %s", name, c.Reason)
				}
			}
			for _, f := range fs {
				b, _ := json.Marshal(f)
				for _, pw := range tt.api.passwords {
					if strings.Contains(string(b), pw) {
						t.Errorf("the finding on %s %s shows a registered account's password", f.Method, f.Path)
					}
				}
			}
			if len(listed) != len(tt.api.registered) {
				t.Errorf("coverage lists %d accounts, the API registered %d", len(listed), len(tt.api.registered))
			}
			if len(tt.api.notes) != 0 {
				t.Errorf("%d notes left on the target, want every created note deleted", len(tt.api.notes))
			}
		})
	}
}

// TestMassAssignmentSafeMode: safe mode sends no write at all.
func TestMassAssignmentSafeMode(t *testing.T) {
	api := newMassAPI(massAccept, massAccept, massAccept, massAccept)
	fs, _ := massScan(t, api, massSpec, finding.ModeSafe)
	if len(fs) != 0 {
		t.Errorf("findings in safe mode:%s", list(fs))
	}
	api.mu.Lock()
	defer api.mu.Unlock()
	if len(api.writes) != 0 || api.nextNote != 100 {
		t.Errorf("safe mode wrote: %q", api.writes)
	}
}

// TestMassAssignmentCoverage: no candidate anywhere is not applicable;
// candidates without a throw-away identity, a registration or a way to
// read back are not run, with the reason.
func TestMassAssignmentCoverage(t *testing.T) {
	readOnly := `openapi: 3.0.3
info: {title: mass, version: "1"}
security: [{bearer: []}]
components: {securitySchemes: {bearer: {type: http, scheme: bearer}}}
paths:
  /api/login:
    post: {security: [], responses: {"200": {description: token}}}
  /api/notes/{noteId}:
    get:
      parameters: [{name: noteId, in: path, required: true, schema: {type: integer}}]
      responses: {"200": {description: note}}
`
	// Notes without an item GET, and nothing about accounts.
	noRead := `openapi: 3.0.3
info: {title: mass, version: "1"}
security: [{bearer: []}]
components: {securitySchemes: {bearer: {type: http, scheme: bearer}}}
paths:
  /api/notes:
    post:
      requestBody:
        content:
          application/json:
            schema: {type: object, required: [title], properties: {title: {type: string}, status: {type: string, readOnly: true}}}
      responses: {"201": {description: created}}
  /api/notes/{noteId}:
    delete:
      parameters: [{name: noteId, in: path, required: true, schema: {type: integer}}]
      responses: {"204": {description: deleted}}
`
	tests := []struct {
		name   string
		spec   string
		status finding.RuleStatus
		reason string
	}{
		{name: "no write with a forbidden property", spec: readOnly, status: finding.RuleNotApplicable, reason: "no create, update"},
		{name: "notes cannot be read back", spec: noRead, status: finding.RuleNotRun, reason: "no item GET"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newMassAPI(massAccept, massAccept, massAccept, massAccept)
			fs, res := massScan(t, api, tt.spec, finding.ModeActive)
			c := massCoverage(res)
			if c.Status != tt.status || !strings.Contains(c.Reason, tt.reason) {
				t.Errorf("coverage %s (%q), want %s with %q; findings:%s", c.Status, c.Reason, tt.status, tt.reason, list(fs))
			}
		})
	}
}

// TestMassAssignmentDeterministic: the same findings, summaries
// included, in the same order, on every run and at any concurrency (the
// object kinds run on the engine's pool). Two kinds, so the pool has
// something to reorder.
func TestMassAssignmentDeterministic(t *testing.T) {
	// Registered account names are random: the summary's shape must not be.
	accountName := regexp.MustCompile(`authgate-[0-9a-f]{12}`)
	var first string
	for i, conc := range []int{1, 8, 4, 1, 8} {
		api := newMassAPI(massAccept, massAccept, massAccept, massAccept)
		srv := httptest.NewServer(api.handler())
		res, err := scanner.Scan(context.Background(), scanner.Options{
			Target: srv.URL, Mode: finding.ModeActive, OpenAPI: "spec.yaml",
			ReadFile:   func(string) ([]byte, error) { return []byte(massSpecTasks), nil },
			Client:     scanner.ClientOptions{Concurrency: conc, Timeout: 5 * time.Second, Budget: 5000},
			Wait:       time.Second,
			Primary:    bearerID("primary", "alice-token"),
			Identities: []*scanner.Identity{massMallory()},
			APIRules:   []scanner.APIRule{rules.MassAssignment{}},
		})
		srv.Close()
		if err != nil {
			t.Fatalf("scan: %v", err)
		}
		var b strings.Builder
		for _, f := range res.Findings {
			summary := accountName.ReplaceAllString(f.Evidence.Summary, "authgate-…")
			fmt.Fprintf(&b, "%s %s %s %s %s %s\n", f.Rule, f.Method, f.Path, f.Severity, f.Fingerprint, summary)
		}
		if i == 0 {
			first = b.String()
			if n := strings.Count(first, "\n"); n != 5 {
				t.Fatalf("%d findings, want 5:\n%s", n, first)
			}
			continue
		}
		if b.String() != first {
			t.Fatalf("run %d (concurrency %d) differs:\n%s\nfirst:\n%s", i+1, conc, b.String(), first)
		}
	}
}

// TestMassAssignmentBudget: wherever the request budget runs out, the
// throw-away account is put back — the put-back and its read go past the
// budget (API.Undo), so a budget spent by the profile update cannot leave
// the throw-away an admin — and no warning says otherwise; and every note
// the scan created is deleted (the clean-up goes past the budget).
func TestMassAssignmentBudget(t *testing.T) {
	for budget := 8; budget <= 40; budget++ {
		api := newMassAPI(massAccept, massAccept, massAccept, massAccept)
		srv := httptest.NewServer(api.handler())
		res, err := scanner.Scan(context.Background(), scanner.Options{
			Target: srv.URL, Mode: finding.ModeActive, OpenAPI: "spec.yaml",
			ReadFile:   func(string) ([]byte, error) { return []byte(massSpec), nil },
			Client:     scanner.ClientOptions{Concurrency: 4, Timeout: 5 * time.Second, Budget: budget},
			Wait:       time.Second,
			Primary:    bearerID("primary", "alice-token"),
			Identities: []*scanner.Identity{massMallory()},
			APIRules:   []scanner.APIRule{rules.MassAssignment{}},
		})
		srv.Close()
		if err != nil {
			t.Fatalf("budget %d: scan: %v", budget, err)
		}
		api.mu.Lock()
		u, left := api.users["mallory"], len(api.notes)
		api.mu.Unlock()
		warned := slices.ContainsFunc(res.Warnings, func(w string) bool {
			return strings.Contains(w, "mallory") && strings.Contains(w, "by hand")
		})
		for _, f := range res.Findings {
			warned = warned || strings.Contains(f.Evidence.Summary, "by hand")
		}
		if u.Role != "user" || u.IsAdmin || warned {
			t.Errorf("budget %d: the throw-away is left with role %q, isAdmin %v; warnings %q", budget, u.Role, u.IsAdmin, res.Warnings)
		}
		if left != 0 {
			t.Errorf("budget %d: %d notes left on the target", budget, left)
		}
	}
}

// TestMassAssignmentProfileTimeout: a profile update that timed out may
// still have been applied (here it is, and answers too late): the rule
// reads the account back and puts it back as after an answered update.
func TestMassAssignmentProfileTimeout(t *testing.T) {
	api := newMassAPI(massAccept, massIgnore, massIgnore, massIgnore)
	api.slowProfile = 400 * time.Millisecond
	srv := httptest.NewServer(api.handler())
	defer srv.Close()
	res, err := scanner.Scan(context.Background(), scanner.Options{
		Target: srv.URL, Mode: finding.ModeActive, OpenAPI: "spec.yaml",
		ReadFile:   func(string) ([]byte, error) { return []byte(massSpec), nil },
		Client:     scanner.ClientOptions{Concurrency: 4, Timeout: 150 * time.Millisecond},
		Wait:       time.Second,
		Primary:    bearerID("primary", "alice-token"),
		Identities: []*scanner.Identity{massMallory()},
		APIRules:   []scanner.APIRule{rules.MassAssignment{}},
	})
	// Only API rules ran, and their timeouts make the scan "failed" (no
	// operation rule saw an answer): the target's state is what counts.
	if err != nil && !errors.Is(err, scanner.ErrScanFailed) {
		t.Fatalf("scan: %v", err)
	}
	api.mu.Lock()
	defer api.mu.Unlock()
	if !slices.ContainsFunc(api.writes, func(w string) bool { return strings.HasPrefix(w, "PATCH /api/me ") }) {
		t.Fatalf("no profile update sent: the test does not reach the case; warnings %q", res.Warnings)
	}
	if u := api.users["mallory"]; u.Role != "user" || u.IsAdmin {
		t.Errorf("the throw-away is left with role %q, isAdmin %v after an update that timed out; writes %q", u.Role, u.IsAdmin, api.writes)
	}
}

// TestMassAssignmentGetOrCreate: a create that answers the caller's
// existing note instead of a new one (get-or-create) gets no update from
// the rule: its read-back does not show what the create sent.
func TestMassAssignmentGetOrCreate(t *testing.T) {
	api := newMassAPI(massIgnore, massIgnore, massAccept, massAccept)
	api.getOrCreate = true
	api.notes[7] = map[string]any{"id": 7, "title": "birthday presents", "ownerId": 1, "status": "draft", "pinned": false, "createdAt": "2026-01-01T00:00:00Z"}
	api.creators[7] = "alice"
	fs, res := massScan(t, api, massSpec, finding.ModeActive)
	api.mu.Lock()
	defer api.mu.Unlock()
	for _, w := range api.writes {
		if strings.HasPrefix(w, "PATCH /api/notes/") || strings.HasPrefix(w, "PUT /api/notes/") {
			t.Errorf("an update of a note the scan did not create: %s", w)
		}
	}
	for _, f := range fs {
		if strings.HasPrefix(f.Path, "/api/notes") {
			t.Errorf("finding on %s %s: %s", f.Method, f.Path, f.Evidence.Summary)
		}
	}
	if !slices.ContainsFunc(api.writes, func(w string) bool { return strings.HasPrefix(w, "POST /api/notes ") }) {
		t.Fatalf("the scan never sent POST /api/notes: the test proves nothing; warnings %q", res.Warnings)
	}
}

// massRails is a Rails-like notes API: requests wrap the object
// ({"note": {...}}; a body without the wrapper is wrapped by the
// framework, as ParamsWrapper does), answers do not, and the strong
// parameters permit title and body (fixed) or everything (permit!).
type massRails struct {
	permitAll bool

	mu    sync.Mutex
	notes map[int]map[string]any
	next  int
}

func (a *massRails) handler() http.Handler {
	mux := http.NewServeMux()
	params := func(r *http.Request) (map[string]any, bool) {
		b, ok := massBody(r)
		if !ok {
			return nil, false
		}
		if inner, ok := b["note"].(map[string]any); ok {
			b = inner
		}
		out := map[string]any{}
		for k, v := range b {
			if k == "title" || k == "body" || a.permitAll && (k == "user_id" || k == "published") {
				out[k] = v
			}
		}
		return out, true
	}
	authed := func(w http.ResponseWriter, r *http.Request) bool {
		if bearerToken(r) != "alice-token" {
			unauthorized(w)
			return false
		}
		return true
	}
	mux.HandleFunc("POST /notes.json", func(w http.ResponseWriter, r *http.Request) {
		p, ok := params(r)
		if !authed(w, r) {
			return
		}
		if title, _ := p["title"].(string); !ok || title == "" {
			writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"errors": map[string][]string{"title": {"can't be blank"}}})
			return
		}
		a.mu.Lock()
		defer a.mu.Unlock()
		a.next++
		n := map[string]any{"id": a.next, "title": "", "body": "", "user_id": 1, "published": false}
		for k, v := range p {
			n[k] = v
		}
		a.notes[a.next] = n
		writeJSON(w, http.StatusCreated, n)
	})
	item := func(w http.ResponseWriter, r *http.Request) (map[string]any, int, bool) {
		if !authed(w, r) {
			return nil, 0, false
		}
		id, err := strconv.Atoi(strings.TrimSuffix(r.PathValue("file"), ".json"))
		n := a.notes[id]
		if err != nil || n == nil {
			notFound(w)
			return nil, 0, false
		}
		return n, id, true
	}
	mux.HandleFunc("GET /notes/{file}", func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		defer a.mu.Unlock()
		if n, _, ok := item(w, r); ok {
			writeJSON(w, http.StatusOK, n)
		}
	})
	mux.HandleFunc("PATCH /notes/{file}", func(w http.ResponseWriter, r *http.Request) {
		p, ok := params(r)
		a.mu.Lock()
		defer a.mu.Unlock()
		if n, _, found := item(w, r); found {
			if !ok {
				badRequest(w)
				return
			}
			for k, v := range p {
				n[k] = v
			}
			writeJSON(w, http.StatusOK, n)
		}
	})
	mux.HandleFunc("DELETE /notes/{file}", func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		defer a.mu.Unlock()
		if _, id, ok := item(w, r); ok {
			delete(a.notes, id)
			w.WriteHeader(http.StatusNoContent)
		}
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { notFound(w) })
	return mux
}

// massRailsSpec is the description rswag would write for it.
const massRailsSpec = `openapi: 3.0.1
info: {title: rails notes, version: v1}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
  schemas:
    note_params:
      type: object
      required: [note]
      properties:
        note:
          type: object
          required: [title]
          properties:
            title: {type: string}
            body: {type: string}
    note:
      type: object
      properties:
        id: {type: integer}
        title: {type: string}
        body: {type: string}
        user_id: {type: integer}
        published: {type: boolean}
security: [{bearer: []}]
paths:
  /notes.json:
    post:
      requestBody:
        content:
          application/json:
            schema: {$ref: "#/components/schemas/note_params"}
      responses:
        "201": {description: created, content: {application/json: {schema: {$ref: "#/components/schemas/note"}}}}
  /notes/{id}.json:
    parameters:
      - {name: id, in: path, required: true, schema: {type: integer}}
    get:
      responses:
        "200": {description: note, content: {application/json: {schema: {$ref: "#/components/schemas/note"}}}}
    patch:
      requestBody:
        content:
          application/json:
            schema: {$ref: "#/components/schemas/note_params"}
      responses:
        "200": {description: updated}
    delete:
      responses: {"204": {description: deleted}}
`

// TestMassAssignmentRails: the wrapped request is tested inside its
// wrapper; the title the wrapper declares is never a candidate.
func TestMassAssignmentRails(t *testing.T) {
	for _, tt := range []struct {
		name string
		api  *massRails
		want []string // "METHOD path" of the findings
	}{
		{name: "permit!", api: &massRails{permitAll: true}, want: []string{"POST /notes.json", "PATCH /notes/{id}.json"}},
		{name: "fixed: permit(:title, :body)", api: &massRails{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.api.notes = map[int]map[string]any{}
			fs := scanRules(t, tt.api.handler(), scanOpts{spec: massRailsSpec, mode: finding.ModeActive, auth: "alice-token",
				apiRules: []scanner.APIRule{rules.MassAssignment{}}}, nil)
			var got []string
			for _, f := range fs {
				got = append(got, f.Method+" "+f.Path)
				if !strings.Contains(f.Evidence.Summary, "user_id (") || strings.Contains(f.Evidence.Summary, "title") {
					t.Errorf("%s %s: want user_id named and title not: %s", f.Method, f.Path, f.Evidence.Summary)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("findings %q, want %q:%s", got, tt.want, list(fs))
			}
			tt.api.mu.Lock()
			defer tt.api.mu.Unlock()
			if len(tt.api.notes) != 0 {
				t.Errorf("%d notes left", len(tt.api.notes))
			}
		})
	}
}

// massVampi is a VAmPI-like users API: no /me; a user is read by name at
// GET /users/v1/{username}; the registration needs an e-mail, which the
// login does not show (only the registration's schema does), and binds
// admin (vulnerable) or ignores it (fixed).
type massVampi struct {
	bindAdmin bool

	mu     sync.Mutex
	users  map[string]map[string]any
	tokens map[string]string
}

func (a *massVampi) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /users/v1/register", func(w http.ResponseWriter, r *http.Request) {
		b, ok := massBody(r)
		name, _ := b["username"].(string)
		email, _ := b["email"].(string)
		if !ok || name == "" || b["password"] == nil || email == "" {
			writeJSON(w, http.StatusBadRequest, map[string]string{"status": "fail", "message": "'email' is a required property"})
			return
		}
		a.mu.Lock()
		defer a.mu.Unlock()
		u := map[string]any{"username": name, "email": email, "admin": false, "password": b["password"]}
		if v, ok := b["admin"].(bool); ok && a.bindAdmin {
			u["admin"] = v
		}
		a.users[name] = u
		writeJSON(w, http.StatusOK, map[string]string{"message": "Successfully registered. Login to receive an auth token.", "status": "success"})
	})
	mux.HandleFunc("POST /users/v1/login", func(w http.ResponseWriter, r *http.Request) {
		b, _ := massBody(r)
		name, _ := b["username"].(string)
		a.mu.Lock()
		defer a.mu.Unlock()
		if u := a.users[name]; u == nil || u["password"] != b["password"] {
			writeJSON(w, http.StatusOK, map[string]string{"status": "fail", "message": "Password is not correct for the given username."})
			return
		}
		tok := "vampi-" + randomHex(8)
		a.tokens[tok] = name
		writeJSON(w, http.StatusOK, map[string]string{"auth_token": tok, "message": "Successfully logged in.", "status": "success"})
	})
	mux.HandleFunc("GET /users/v1/{username}", func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		defer a.mu.Unlock()
		if a.tokens[bearerToken(r)] == "" {
			unauthorized(w)
			return
		}
		u := a.users[r.PathValue("username")]
		if u == nil {
			notFound(w)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"username": u["username"], "email": u["email"], "admin": u["admin"]})
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { notFound(w) })
	return mux
}

const massVampiSpec = `openapi: 3.0.1
info: {title: VAmPI, version: "0.1"}
components:
  securitySchemes:
    bearerAuth: {type: http, scheme: bearer}
paths:
  /users/v1/register:
    post:
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {username: {type: string, example: John.Doe}, password: {type: string, example: password123}, email: {type: string, example: user@tempmail.com}}}
      responses: {"200": {description: registered}}
  /users/v1/login:
    post:
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {username: {type: string}, password: {type: string}}}
      responses: {"200": {description: token}}
  /users/v1/{username}:
    get:
      security: [{bearerAuth: []}]
      parameters: [{name: username, in: path, required: true, schema: {type: string}, example: name1}]
      responses: {"200": {description: the user}}
`

// TestMassAssignmentVampi: without /me, a registered account is read back
// by its own name (GET /users/v1/{username}); admin: true on registration
// is found, and not on the fixed twin.
func TestMassAssignmentVampi(t *testing.T) {
	for _, bind := range []bool{true, false} {
		api := &massVampi{bindAdmin: bind, tokens: map[string]string{},
			users: map[string]map[string]any{"mallory": {"username": "mallory", "email": "mallory@example.com", "admin": false, "password": massPassword}}}
		id := scanner.NewIdentity("mallory", nil)
		id.Throwaway = true
		id.Login = &scanner.Login{Method: "POST", Path: "/users/v1/login", Format: "json",
			Body:      map[string]any{"username": "mallory", "password": massPassword},
			TokenFrom: "json", TokenName: "auth_token", Send: "Authorization: Bearer {token}"}
		fs := scanRules(t, api.handler(), scanOpts{spec: massVampiSpec, mode: finding.ModeActive,
			identities: []*scanner.Identity{id}, apiRules: []scanner.APIRule{rules.MassAssignment{}}}, nil)
		found := has(fs, "mass-assignment", "POST", "/users/v1/register")
		if found != bind || len(fs) != map[bool]int{true: 1, false: 0}[bind] {
			t.Errorf("binds admin %v: findings%s", bind, list(fs))
		}
	}
}

// TestMassAssignmentOwnerMove: an update that binds ownerId moves the note
// away from its owner, who then cannot read it. The other properties are
// sent first, on their own, so their proof stands; the move is said in
// coverage, not reported (nothing read it back).
func TestMassAssignmentOwnerMove(t *testing.T) {
	api := newMassAPI(massIgnore, massIgnore, massIgnore, massAccept)
	api.byOwnerID = true
	fs, res := massScan(t, api, massSpec, finding.ModeActive)
	var got []string
	for _, f := range fs {
		got = append(got, f.Method+" "+f.Path)
		if strings.Contains(f.Evidence.Summary, "ownerId") || !strings.Contains(f.Evidence.Summary, "status (") {
			t.Errorf("want status named and ownerId not: %s", f.Evidence.Summary)
		}
	}
	if !slices.Equal(got, []string{"PATCH /api/notes/{noteId}"}) {
		t.Errorf("findings %q, want the PATCH's:%s", got, list(fs))
	}
	if c := massCoverage(res); !strings.Contains(c.Reason, "may belong to someone else") {
		t.Errorf("coverage %s %q does not say the note may have moved", c.Status, c.Reason)
	}
}

// TestMassAssignmentOwnerIsPeer: a create whose description declares
// ownerId writable, checked as a foreign key (a seeded id no user has is
// refused), files the note under the peer the scan names: found (medium:
// the description declares it), and the note, no longer alice's, is
// deleted as bob. Reads follow ownerId.
func TestMassAssignmentOwnerIsPeer(t *testing.T) {
	spec := strings.Replace(massSpec, `    NoteIn:
      type: object
      required: [title]
      properties:
        title: {type: string}`, `    NoteIn:
      type: object
      required: [title]
      properties:
        ownerId: {type: integer}
        title: {type: string}`, 1)
	for _, bind := range []massBind{massOwnerFK, massIgnore} {
		api := newMassAPI(massIgnore, massIgnore, bind, massIgnore)
		api.byOwnerID = true
		api.users["bob"] = &massUser{ID: 3, Username: "bob", DisplayName: "Bob", Role: "user"}
		api.tokens["bob-token"] = "bob"
		api.nextUser = 4
		var res *scanner.Result
		fs := scanRules(t, api.handler(), scanOpts{spec: spec, mode: finding.ModeActive, auth: "alice-token", peer: "bob-token",
			identities: []*scanner.Identity{massMallory()}, apiRules: []scanner.APIRule{rules.MassAssignment{}},
			onResult: func(r *scanner.Result) { res = r }}, nil)
		want := bind == massOwnerFK
		if got := has(fs, "mass-assignment", "POST", "/api/notes"); got != want || len(fs) != map[bool]int{true: 1}[want] {
			t.Errorf("bind %d: findings%s\nwarnings %q", bind, list(fs), res.Warnings)
		}
		for _, f := range fs {
			if f.Confidence != finding.ConfidenceMedium || !strings.Contains(f.Evidence.Summary, "another user") {
				t.Errorf("%s %s (%s): %s", f.Method, f.Path, f.Confidence, f.Evidence.Summary)
			}
		}
		api.mu.Lock()
		if len(api.notes) != 0 {
			t.Errorf("bind %d: %d notes left: %v", bind, len(api.notes), api.notes)
		}
		api.mu.Unlock()
	}
}

// TestMassAssignmentRegistrationViews: a registered account whose /me
// shows no role is read by the other views of it. The claims of its
// login's JWT are a later read of the stored account: a role there that
// the control account's token lacks is a high-confidence finding. The
// registration's answer is not (a handler may answer the model it built
// from the request and save only the permitted fields): a role only the
// answer shows, where the control's answer shows another one, is low
// confidence, and nothing when the token's claims show the stored role.
func TestMassAssignmentRegistrationViews(t *testing.T) {
	tests := []struct {
		name      string
		register  massBind
		jwt       bool
		regAnswer string
		conf      finding.Confidence
		want      string // "" for no finding; else a part of the summary
	}{
		{name: "the token's claims carry role and isAdmin", register: massAccept, jwt: true, conf: finding.ConfidenceHigh, want: "the claims of the token its login answers (a JWT) carry the values sent for isAdmin, role"},
		{name: "fixed: the token's claims carry the default role", register: massIgnore, jwt: true},
		{name: "the answer only, built from the request", register: massIgnore, regAnswer: "built", conf: finding.ConfidenceLow, want: "No later read of the account shows them"},
		{name: "fixed: the answer built from the request, the token's claims show the stored role", register: massIgnore, jwt: true, regAnswer: "built"},
		{name: "the answer is the stored record and the token says so too", register: massAccept, jwt: true, regAnswer: "record", conf: finding.ConfidenceHigh, want: "carry the values sent"},
		{name: "fixed: the answer echoes the request, the control's answer has no role", register: massEcho},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newMassAPI(massIgnore, tt.register, massIgnore, massIgnore)
			api.jwt, api.hideRole, api.regAnswer = tt.jwt, true, tt.regAnswer
			fs, res := massScan(t, api, massSpec, finding.ModeActive)
			var got []finding.Finding
			for _, f := range fs {
				if f.Rule == "mass-assignment" && f.Path == "/api/register" {
					got = append(got, f)
				}
			}
			if c := massCoverage(res); c.Status != finding.RuleRan {
				t.Errorf("coverage %s (%s), want ran", c.Status, c.Reason)
			}
			if tt.want == "" {
				if len(got) != 0 {
					t.Fatalf("finding on a registration that stores no role: %s", got[0].Evidence.Summary)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("%d findings on POST /api/register, want 1:%s\nwarnings: %q", len(got), list(fs), res.Warnings)
			}
			f := got[0]
			t.Logf("%s: %s", f.Confidence, f.Evidence.Summary)
			if f.Confidence != tt.conf || f.Severity != finding.SeverityHigh || !strings.Contains(f.Evidence.Summary, tt.want) {
				t.Errorf("%s, %s: %s\nwant %s with %q", f.Confidence, f.Severity, f.Evidence.Summary, tt.conf, tt.want)
			}
			b, _ := json.Marshal(f)
			for _, pw := range api.passwords {
				if strings.Contains(string(b), pw) {
					t.Errorf("the finding shows a registered account's password")
				}
			}
			api.mu.Lock()
			defer api.mu.Unlock()
			for tok := range api.tokens {
				if strings.Count(tok, ".") == 2 && strings.Contains(string(b), tok) {
					t.Errorf("the finding shows a registered account's token")
				}
			}
		})
	}
}

// TestMassAssignmentRegistrationInterrupted: Ctrl-C while the rule's
// registration is on the wire, and the API makes the account after the
// scan gave the request up (a slow handler). At 97f6eff the client drops
// the request on the scan's context, the rule sees no answer and records
// nothing: the account stays on the target and the report does not list
// it. A registration that reached the transport is now seen through to
// its answer (within the request timeout), and the account is listed,
// and deleted where the API lets it (see Writes.AccountLoggedIn).
//
// The order is made by the handler: it stops the scan, then waits for the
// client to hang up (never, once the client waits for the answer), and
// only then makes the account. The one timer is the fallback for a client
// that does not hang up (the fix): the handler answers after it, well
// within the 30 s request timeout.
func TestMassAssignmentRegistrationInterrupted(t *testing.T) {
	api := newMassAPI(massIgnore, massAccept, massIgnore, massIgnore)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var (
		mu            sync.Mutex
		gated, hungUp bool
	)
	inner := api.handler()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		first := r.Method == http.MethodPost && r.URL.Path == "/api/register" && !gated
		gated = gated || first
		mu.Unlock()
		if first {
			// Read the body first: the server notices a client that
			// hangs up only once the body is read.
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			cancel() // Ctrl-C, the registration on the wire
			select {
			case <-r.Context().Done():
				mu.Lock()
				hungUp = true
				mu.Unlock()
			case <-time.After(time.Second): // the client waits for the answer
			}
		}
		inner.ServeHTTP(w, r) // the account is made now
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	res, err := scanner.Scan(ctx, scanner.Options{
		Target:     srv.URL,
		OpenAPI:    "spec.yaml",
		ReadFile:   func(string) ([]byte, error) { return []byte(massSpec), nil },
		Mode:       finding.ModeActive,
		Client:     scanner.ClientOptions{Concurrency: 4, Timeout: 30 * time.Second, Budget: 5000},
		Wait:       time.Second,
		Primary:    scanner.NewIdentity("primary", []scanner.Header{{Name: "Authorization", Value: "Bearer alice-token"}}),
		Identities: []*scanner.Identity{massMallory()},
		APIRules:   []scanner.APIRule{rules.MassAssignment{}},
	})
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	mu.Lock()
	sent, gaveUp := gated, hungUp
	mu.Unlock()
	if !sent {
		t.Fatalf("no registration was sent: the test proves nothing")
	}
	if gaveUp {
		t.Errorf("the client gave up on a registration the API was making")
	}
	listed := map[string]finding.CreatedObject{}
	if w := res.Coverage.Writes; w != nil {
		for _, c := range w.Created {
			if c.Kind == "account" {
				listed[c.Item] = c
			}
		}
	}
	api.mu.Lock()
	defer api.mu.Unlock()
	if len(api.registered) == 0 {
		t.Fatalf("no account was made: the test proves nothing")
	}
	for _, name := range api.registered {
		c, ok := listed[name]
		_, stays := api.users[name]
		switch {
		case !ok:
			t.Errorf("the registered account %s is not in coverage.writes (%v)", name, listed)
		case c.Deleted == stays:
			t.Errorf("%s: coverage says deleted %v, on the target: %v (%s)", name, c.Deleted, stays, c.Reason)
		default:
			t.Logf("%s: deleted %v: %s", name, c.Deleted, c.Reason)
		}
	}
}
