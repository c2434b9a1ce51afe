package rules_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
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

// The recorded-traffic proof of active mode's safety promise (issue 11):
// a loopback API with data that exists before the scan (alice's and bob's
// notes, a project with members, users with roles, an announcement, a
// tag) and full create, read, update and delete routes, some of them
// vulnerable so that the write rules really do write. Every request is
// recorded (method, path, identity, body, answer). After an active scan
// with alice (primary), bob (peer), an admin and a throw-away login:
//
//   - the pre-existing records are byte-identical;
//   - every PUT, PATCH and DELETE went to an object the scan created (or
//     to an id that never existed: the non-destructive probe), never to a
//     pre-existing one;
//   - every object the scan created is gone, or listed in
//     coverage.writes as not deleted, with a reason (tags have no DELETE);
//
// and a safe scan of the same API sends nothing but GET, HEAD, OPTIONS
// and the throw-away's login.

// Tokens of the safety API's identities with static credentials.
const (
	sfAlice = "sf-alice-2f7c1e"
	sfBob   = "sf-bob-8a41d0"
	sfAdmin = "sf-admin-5be932"
	// sfMalloryPassword logs in the throw-away account.
	sfMalloryPassword = "Sf-Throwaway-Passw0rd"
)

// sfUser is an account of the safety API.
type sfUser struct {
	ID    int    `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
	Role  string `json:"role"`
}

// sfRecord is one stored object: a note, project, member, tag or
// announcement. Fields holds what the client set; the server sets the
// rest.
type sfRecord struct {
	Kind    string         `json:"kind"`
	ID      int            `json:"id"`
	Parent  int            `json:"parent,omitempty"` // the project of a member
	OwnerID int            `json:"ownerId"`
	Fields  map[string]any `json:"fields"`
}

// sfFirstID is the first id the API hands out: above every seeded one.
const sfFirstID = 1000

// sfMaxRecords bounds the store: a scan creates a handful.
const sfMaxRecords = 500

// sfAPI is the safety test's API. Its flaws are there so that the write
// rules find something and therefore write: the PUT of notes checks
// authentication only, any user adds members to any project, and any user
// creates announcements.
type sfAPI struct {
	mu       sync.Mutex
	users    map[int]*sfUser
	records  map[int]*sfRecord
	next     int
	sessions map[string]int // login tokens: mallory's and registered accounts'
	seeded   map[int]bool   // ids of the records that existed before any scan
	// passwords are the accounts that log in with a password, by e-mail:
	// mallory's, and those POST /api/register created (ids from
	// sfFirstUserID).
	passwords map[string]string
	nextUser  int
}

// sfFirstUserID is the first id of a registered account; ids below it
// are the seeded users.
const sfFirstUserID = 100

// sfMinPassword is the registration's password policy.
const sfMinPassword = 12

func newSFAPI() *sfAPI {
	a := &sfAPI{
		users: map[int]*sfUser{
			1: {1, "Alice Liddell", "alice@example.com", "user"},
			2: {2, "Bob Builder", "bob@example.com", "user"},
			3: {3, "Root Admin", "admin@example.com", "admin"},
			4: {4, "Carol Danvers", "carol@example.com", "user"},
			5: {5, "Mallory Throwaway", "mallory@example.com", "user"},
		},
		records: map[int]*sfRecord{
			11: {Kind: "note", ID: 11, OwnerID: 1, Fields: map[string]any{"title": "Alice's plans", "text": "Tea at four."}},
			12: {Kind: "note", ID: 12, OwnerID: 2, Fields: map[string]any{"title": "Bob's list", "text": "Nails, glue."}},
			21: {Kind: "project", ID: 21, OwnerID: 1, Fields: map[string]any{"name": "Garden"}},
			22: {Kind: "project", ID: 22, OwnerID: 2, Fields: map[string]any{"name": "Shed"}},
			31: {Kind: "member", ID: 31, Parent: 21, OwnerID: 1, Fields: map[string]any{"userId": 2, "role": "editor"}},
			32: {Kind: "member", ID: 32, Parent: 21, OwnerID: 1, Fields: map[string]any{"userId": 4, "role": "viewer"}},
			41: {Kind: "tag", ID: 41, OwnerID: 1, Fields: map[string]any{"name": "urgent"}},
			51: {Kind: "announcement", ID: 51, OwnerID: 3, Fields: map[string]any{"text": "Maintenance on Sunday."}},
		},
		next:      sfFirstID,
		sessions:  map[string]int{},
		seeded:    map[int]bool{},
		passwords: map[string]string{"mallory@example.com": sfMalloryPassword},
		nextUser:  sfFirstUserID,
	}
	for id := range a.records {
		a.seeded[id] = true
	}
	return a
}

// snapshot serializes the data that existed before the scan: every
// seeded record (or its absence) and every user but the throw-away
// account, which the promise lets active mode change. Sorted keys make it
// byte-comparable.
func (a *sfAPI) snapshot() []byte {
	a.mu.Lock()
	defer a.mu.Unlock()
	state := map[string]any{}
	for id := range a.seeded {
		state["record "+strconv.Itoa(id)] = a.records[id]
	}
	for id := 1; id < 5; id++ {
		state["user "+strconv.Itoa(id)] = a.users[id]
	}
	// A record created under a seeded project (a member added to it)
	// changes the seeded project's data too.
	for _, r := range a.records {
		if r.Parent != 0 && a.seeded[r.Parent] && !a.seeded[r.ID] {
			state["added under "+strconv.Itoa(r.Parent)+": "+strconv.Itoa(r.ID)] = r
		}
	}
	b, _ := json.Marshal(state) // encoding/json sorts map keys
	return b
}

// created returns the records that did not exist before the scan.
func (a *sfAPI) created() map[int]*sfRecord {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := map[int]*sfRecord{}
	for id, r := range a.records {
		if !a.seeded[id] {
			out[id] = r
		}
	}
	return out
}

// who names the caller: a user id, 0 for none, -1 for invalid
// credentials.
func (a *sfAPI) who(r *http.Request) int {
	h := r.Header.Get("Authorization")
	switch h {
	case "":
		return 0
	case "Bearer " + sfAlice:
		return 1
	case "Bearer " + sfBob:
		return 2
	case "Bearer " + sfAdmin:
		return 3
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if id, ok := a.sessions[strings.TrimPrefix(h, "Bearer ")]; ok && a.users[id] != nil {
		return id
	}
	return -1
}

// authed runs next with the caller's id, or answers 401.
func (a *sfAPI) authed(next func(w http.ResponseWriter, r *http.Request, uid int)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		uid := a.who(r)
		if uid <= 0 {
			unauthorized(w)
			return
		}
		next(w, r, uid)
	}
}

// policy says who may do what to one kind: the caller, the record and
// whether the caller is an admin.
type sfPolicy func(uid int, rec *sfRecord, admin bool) bool

var (
	sfOwner   sfPolicy = func(uid int, rec *sfRecord, _ bool) bool { return rec.OwnerID == uid }
	sfAnyone  sfPolicy = func(int, *sfRecord, bool) bool { return true }
	sfAdminOf sfPolicy = func(_ int, _ *sfRecord, admin bool) bool { return admin }
)

// sfBody reads a JSON object body of at most 8 KiB; only the fields
// allowed are kept, the rest (id, ownerId, role) is the server's.
func sfBody(w http.ResponseWriter, r *http.Request, allowed ...string) (map[string]any, bool) {
	var in map[string]any
	if json.NewDecoder(http.MaxBytesReader(w, r.Body, 8<<10)).Decode(&in) != nil || in == nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "a JSON object is required"})
		return nil, false
	}
	out := map[string]any{}
	for _, k := range allowed {
		if v, ok := in[k]; ok {
			out[k] = v
		}
	}
	return out, true
}

// create stores a new record of kind for uid under parent.
func (a *sfAPI) create(w http.ResponseWriter, kind string, uid, parent int, fields map[string]any, location string) {
	a.mu.Lock()
	if len(a.records) >= sfMaxRecords {
		a.mu.Unlock()
		writeJSON(w, http.StatusInsufficientStorage, map[string]string{"error": "full"})
		return
	}
	rec := &sfRecord{Kind: kind, ID: a.next, Parent: parent, OwnerID: uid, Fields: fields}
	a.next++
	a.records[rec.ID] = rec
	out := rec.view()
	a.mu.Unlock()
	w.Header().Set("Location", location+"/"+strconv.Itoa(rec.ID))
	writeJSON(w, http.StatusCreated, out)
}

// view is the record as the API shows it: its fields, id and owner.
func (r *sfRecord) view() map[string]any {
	out := map[string]any{"id": r.ID, "ownerId": r.OwnerID}
	for k, v := range r.Fields {
		out[k] = v
	}
	return out
}

// item runs next on the record of kind named by the path parameter param
// (under the parent named by parentParam, when set) when may allows the
// caller; otherwise 404, as for a missing record.
func (a *sfAPI) item(kind, param, parentParam string, may sfPolicy, next func(w http.ResponseWriter, r *http.Request, rec *sfRecord)) http.HandlerFunc {
	return a.authed(func(w http.ResponseWriter, r *http.Request, uid int) {
		id, err := strconv.Atoi(r.PathValue(param))
		a.mu.Lock()
		rec, ok := a.records[id]
		admin := a.users[uid] != nil && a.users[uid].Role == "admin"
		a.mu.Unlock()
		if err != nil || !ok || rec.Kind != kind || !may(uid, rec, admin) {
			notFound(w)
			return
		}
		if parentParam != "" && r.PathValue(parentParam) != strconv.Itoa(rec.Parent) {
			notFound(w)
			return
		}
		next(w, r, rec)
	})
}

func (a *sfAPI) read(w http.ResponseWriter, _ *http.Request, rec *sfRecord) {
	a.mu.Lock()
	out := rec.view()
	a.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func (a *sfAPI) remove(w http.ResponseWriter, _ *http.Request, rec *sfRecord) {
	a.mu.Lock()
	delete(a.records, rec.ID)
	a.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// update sets the allowed fields of the body on rec.
func (a *sfAPI) update(allowed ...string) func(w http.ResponseWriter, r *http.Request, rec *sfRecord) {
	return func(w http.ResponseWriter, r *http.Request, rec *sfRecord) {
		in, ok := sfBody(w, r, allowed...)
		if !ok {
			return
		}
		a.mu.Lock()
		for k, v := range in {
			rec.Fields[k] = v
		}
		out := rec.view()
		a.mu.Unlock()
		writeJSON(w, http.StatusOK, out)
	}
}

func (a *sfAPI) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /openapi.yaml", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/yaml")
		io.WriteString(w, sfSpec)
	})
	mux.HandleFunc("POST /api/login", func(w http.ResponseWriter, r *http.Request) {
		in, ok := sfBody(w, r, "email", "password")
		if !ok {
			return
		}
		email, _ := in["email"].(string)
		password, _ := in["password"].(string)
		a.mu.Lock()
		defer a.mu.Unlock()
		uid := 0
		for id, u := range a.users {
			if u.Email == email {
				uid = id
			}
		}
		if want, ok := a.passwords[email]; !ok || want != password || uid == 0 {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid email or password"})
			return
		}
		tok := fmt.Sprintf("sf-session-%d-%d", len(a.sessions), time.Now().UnixNano())
		a.sessions[tok] = uid
		writeJSON(w, http.StatusOK, map[string]string{"access_token": tok})
	})
	// Signup: a new account of role user, whatever the body says.
	mux.HandleFunc("POST /api/register", func(w http.ResponseWriter, r *http.Request) {
		in, ok := sfBody(w, r, "email", "password", "name")
		if !ok {
			return
		}
		email, _ := in["email"].(string)
		password, _ := in["password"].(string)
		name, _ := in["name"].(string)
		if !strings.Contains(email, "@") || len(password) < sfMinPassword {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "an email and a password of at least 12 characters are required"})
			return
		}
		a.mu.Lock()
		defer a.mu.Unlock()
		if _, taken := a.passwords[email]; taken || len(a.users) >= sfMaxRecords {
			writeJSON(w, http.StatusConflict, map[string]string{"error": "email already registered"})
			return
		}
		u := &sfUser{ID: a.nextUser, Name: name, Email: email, Role: "user"}
		a.nextUser++
		a.users[u.ID] = u
		a.passwords[email] = password
		writeJSON(w, http.StatusCreated, u)
	})
	// Closing one's own account: any caller may, so a scan that sent it
	// as anyone but an account it registered would delete a real one.
	mux.HandleFunc("DELETE /api/me", a.authed(func(w http.ResponseWriter, _ *http.Request, uid int) {
		a.mu.Lock()
		delete(a.passwords, a.users[uid].Email)
		delete(a.users, uid)
		a.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	mux.HandleFunc("GET /api/me", a.authed(func(w http.ResponseWriter, _ *http.Request, uid int) {
		a.mu.Lock()
		u := *a.users[uid]
		a.mu.Unlock()
		writeJSON(w, http.StatusOK, u)
	}))
	mux.HandleFunc("GET /api/users/{userId}", a.authed(func(w http.ResponseWriter, r *http.Request, uid int) {
		id, _ := strconv.Atoi(r.PathValue("userId"))
		a.mu.Lock()
		u, ok := a.users[id]
		admin := a.users[uid].Role == "admin"
		var out sfUser
		if ok {
			out = *u
		}
		a.mu.Unlock()
		if !ok || (id != uid && !admin) {
			notFound(w)
			return
		}
		writeJSON(w, http.StatusOK, out)
	}))
	// The profile update: the caller's own record (or any, for an admin);
	// only the name is the caller's to set.
	mux.HandleFunc("PATCH /api/users/{userId}", a.authed(func(w http.ResponseWriter, r *http.Request, uid int) {
		id, _ := strconv.Atoi(r.PathValue("userId"))
		a.mu.Lock()
		u, ok := a.users[id]
		admin := a.users[uid].Role == "admin"
		a.mu.Unlock()
		if !ok || (id != uid && !admin) {
			notFound(w)
			return
		}
		in, ok := sfBody(w, r, "name")
		if !ok {
			return
		}
		a.mu.Lock()
		if name, isString := in["name"].(string); isString && name != "" {
			u.Name = name
		}
		out := *u
		a.mu.Unlock()
		writeJSON(w, http.StatusOK, out)
	}))

	// Notes: PUT checks authentication but not the owner (the flaw).
	mux.HandleFunc("POST /api/notes", a.authed(func(w http.ResponseWriter, r *http.Request, uid int) {
		in, ok := sfBody(w, r, "title", "text")
		if !ok {
			return
		}
		if title, _ := in["title"].(string); title == "" {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "title is required"})
			return
		}
		a.create(w, "note", uid, 0, in, "/api/notes")
	}))
	mux.HandleFunc("GET /api/notes/{noteId}", a.item("note", "noteId", "", sfOwner, a.read))
	mux.HandleFunc("PUT /api/notes/{noteId}", a.item("note", "noteId", "", sfAnyone, a.update("title", "text")))
	mux.HandleFunc("PATCH /api/notes/{noteId}", a.item("note", "noteId", "", sfOwner, a.update("title", "text")))
	mux.HandleFunc("DELETE /api/notes/{noteId}", a.item("note", "noteId", "", sfOwner, a.remove))

	// Projects and members: any user adds members to any project (the
	// flaw); reads and deletes are the project owner's.
	mux.HandleFunc("POST /api/projects", a.authed(func(w http.ResponseWriter, r *http.Request, uid int) {
		in, ok := sfBody(w, r, "name")
		if !ok {
			return
		}
		a.create(w, "project", uid, 0, in, "/api/projects")
	}))
	mux.HandleFunc("GET /api/projects/{projectId}", a.item("project", "projectId", "", sfOwner, a.read))
	mux.HandleFunc("DELETE /api/projects/{projectId}", a.item("project", "projectId", "", sfOwner, a.remove))
	mux.HandleFunc("POST /api/projects/{projectId}/members", a.item("project", "projectId", "", sfAnyone, func(w http.ResponseWriter, r *http.Request, p *sfRecord) {
		in, ok := sfBody(w, r, "userId", "role")
		if !ok {
			return
		}
		a.create(w, "member", p.OwnerID, p.ID, in, "/api/projects/"+strconv.Itoa(p.ID)+"/members")
	}))
	memberOwner := func(uid int, rec *sfRecord, _ bool) bool {
		a.mu.Lock()
		defer a.mu.Unlock()
		p, ok := a.records[rec.Parent]
		return ok && p.OwnerID == uid
	}
	mux.HandleFunc("GET /api/projects/{projectId}/members/{memberId}", a.item("member", "memberId", "projectId", memberOwner, a.read))
	mux.HandleFunc("DELETE /api/projects/{projectId}/members/{memberId}", a.item("member", "memberId", "projectId", memberOwner, a.remove))

	// Tags have no DELETE: what the scan creates stays, and is listed.
	mux.HandleFunc("POST /api/tags", a.authed(func(w http.ResponseWriter, r *http.Request, uid int) {
		in, ok := sfBody(w, r, "name")
		if !ok {
			return
		}
		a.create(w, "tag", uid, 0, in, "/api/tags")
	}))
	mux.HandleFunc("GET /api/tags/{tagId}", a.item("tag", "tagId", "", sfOwner, a.read))
	mux.HandleFunc("PUT /api/tags/{tagId}", a.item("tag", "tagId", "", sfOwner, a.update("name")))

	// Announcements: administrative, but the create checks only
	// authentication (the flaw); reads and deletes check the role.
	mux.HandleFunc("POST /api/admin/announcements", a.authed(func(w http.ResponseWriter, r *http.Request, uid int) {
		in, ok := sfBody(w, r, "text")
		if !ok {
			return
		}
		a.create(w, "announcement", uid, 0, in, "/api/admin/announcements")
	}))
	mux.HandleFunc("GET /api/admin/announcements/{announcementId}", a.item("announcement", "announcementId", "", sfAdminOf, a.read))
	mux.HandleFunc("DELETE /api/admin/announcements/{announcementId}", a.item("announcement", "announcementId", "", sfAdminOf, a.remove))

	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { notFound(w) })
	return mux
}

const sfSpec = `openapi: 3.0.3
info: {title: safety, version: "1"}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
security:
  - bearer: []
paths:
  /api/login:
    post:
      security: []
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [email, password]
              properties:
                email: {type: string, format: email}
                password: {type: string, format: password}
      responses: {"200": {description: token}, "401": {description: refused}}
  /api/register:
    post:
      security: []
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [email, password]
              properties:
                email: {type: string, format: email}
                password: {type: string, format: password, minLength: 12}
                name: {type: string}
      responses: {"201": {description: the new account}, "400": {description: invalid}, "409": {description: taken}}
  /api/me:
    get:
      responses: {"200": {description: the caller}}
    delete:
      description: Closes the caller's account.
      responses: {"204": {description: closed}}
  /api/users/{userId}:
    parameters:
      - {name: userId, in: path, required: true, schema: {type: integer}, example: 1}
    get:
      responses: {"200": {description: a user}, "404": {description: not found or not you}}
    patch:
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              properties:
                name: {type: string}
      responses: {"200": {description: updated}, "404": {description: not found or not you}}
  /api/notes:
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [title]
              properties:
                title: {type: string, example: Groceries}
                text: {type: string}
      responses:
        "201":
          description: created
          content:
            application/json:
              schema:
                type: object
                properties:
                  id: {type: integer, readOnly: true}
                  ownerId: {type: integer, readOnly: true}
                  title: {type: string}
                  text: {type: string}
  /api/notes/{noteId}:
    parameters:
      - {name: noteId, in: path, required: true, schema: {type: integer}, example: 11}
    get:
      responses: {"200": {description: the note}, "404": {description: not found or not yours}}
    put:
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [title]
              properties:
                title: {type: string}
                text: {type: string}
      responses: {"200": {description: replaced}}
    patch:
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              properties:
                title: {type: string}
                text: {type: string}
      responses: {"200": {description: changed}}
    delete:
      responses: {"204": {description: deleted}}
  /api/projects:
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [name]
              properties:
                name: {type: string, example: Garden}
      responses: {"201": {description: created}}
  /api/projects/{projectId}:
    parameters:
      - {name: projectId, in: path, required: true, schema: {type: integer}, example: 21}
    get:
      responses: {"200": {description: the project}}
    delete:
      responses: {"204": {description: deleted}}
  /api/projects/{projectId}/members:
    parameters:
      - {name: projectId, in: path, required: true, schema: {type: integer}, example: 21}
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [userId]
              properties:
                userId: {type: integer, example: 4}
                role: {type: string, enum: [viewer, editor]}
      responses: {"201": {description: added}}
  /api/projects/{projectId}/members/{memberId}:
    parameters:
      - {name: projectId, in: path, required: true, schema: {type: integer}, example: 21}
      - {name: memberId, in: path, required: true, schema: {type: integer}, example: 31}
    get:
      responses: {"200": {description: the member}}
    delete:
      responses: {"204": {description: removed}}
  /api/tags:
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [name]
              properties:
                name: {type: string}
      responses: {"201": {description: created}}
  /api/tags/{tagId}:
    parameters:
      - {name: tagId, in: path, required: true, schema: {type: integer}, example: 41}
    get:
      responses: {"200": {description: the tag}}
    put:
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [name]
              properties:
                name: {type: string}
      responses: {"200": {description: renamed}}
  /api/admin/announcements:
    post:
      tags: [admin]
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [text]
              properties:
                text: {type: string}
      responses: {"201": {description: published}}
  /api/admin/announcements/{announcementId}:
    parameters:
      - {name: announcementId, in: path, required: true, schema: {type: integer}, example: 51}
    get:
      tags: [admin]
      responses: {"200": {description: the announcement}}
    delete:
      tags: [admin]
      responses: {"204": {description: removed}}
`

// sfExchange is one recorded request and its answer.
type sfExchange struct {
	Method, Path string
	Who          int // the caller as the API saw it (0 none, -1 invalid)
	Body         string
	Status       int
	Answer       []byte
}

func (e sfExchange) String() string {
	return fmt.Sprintf("%s %s as %d -> %d %s", e.Method, e.Path, e.Who, e.Status, e.Body)
}

// sfRecorder records every exchange with the API.
type sfRecorder struct {
	api *sfAPI
	h   http.Handler

	mu        sync.Mutex
	exchanges []sfExchange
}

func (rec *sfRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	r.Body = io.NopCloser(bytes.NewReader(body))
	who := rec.api.who(r)
	rr := httptest.NewRecorder()
	rec.h.ServeHTTP(rr, r)
	for k, v := range rr.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rr.Code)
	w.Write(rr.Body.Bytes())
	rec.mu.Lock()
	rec.exchanges = append(rec.exchanges, sfExchange{Method: r.Method, Path: r.URL.Path, Who: who, Body: string(body), Status: rr.Code, Answer: rr.Body.Bytes()})
	rec.mu.Unlock()
}

func (rec *sfRecorder) all() []sfExchange {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return slices.Clone(rec.exchanges)
}

// sfScan scans the recorded API as alice (primary), bob (peer), an admin
// and mallory (a throw-away login), with the whole catalog.
func sfScan(t *testing.T, h http.Handler, mode finding.Mode, exclude []string) *scanner.Result {
	t.Helper()
	return sfScanWith(t, h, mode, func(o *scanner.Options) { o.Exclude = exclude })
}

// sfScanWith is sfScan with the options changed by adjust.
func sfScanWith(t *testing.T, h http.Handler, mode finding.Mode, adjust func(*scanner.Options)) *scanner.Result {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	bearer := func(name, tok string) *scanner.Identity {
		return scanner.NewIdentity(name, []scanner.Header{{Name: "Authorization", Value: "Bearer " + tok}})
	}
	admin := bearer("admin", sfAdmin)
	admin.Role = scanner.RoleAdmin
	mallory := scanner.NewIdentity("mallory", nil)
	mallory.Throwaway = true
	mallory.Login = &scanner.Login{Method: "POST", Path: "/api/login", Format: "json",
		Body:      map[string]any{"email": "mallory@example.com", "password": sfMalloryPassword},
		TokenFrom: "json", TokenName: "access_token", Send: "Authorization: Bearer {token}"}
	opts := scanner.Options{
		Target:     srv.URL,
		OpenAPI:    srv.URL + "/openapi.yaml",
		Primary:    bearer("alice", sfAlice),
		Peer:       bearer("bob", sfBob),
		Admin:      admin,
		Identities: []*scanner.Identity{mallory, admin},
		Mode:       mode,
		Client:     scanner.ClientOptions{Concurrency: 4, Timeout: 5 * time.Second, Budget: 5000},
		Wait:       time.Second,
		ReadFile:   os.ReadFile,
		Rules:      rules.All(),
		APIRules:   rules.APIRules(),
	}
	adjust(&opts)
	res, err := scanner.Scan(context.Background(), opts)
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	return res
}

// isWrite reports the methods that change an existing object.
func isWrite(method string) bool {
	return method == http.MethodPut || method == http.MethodPatch || method == http.MethodDelete
}

// lastID is the id at the end of a path, ok false when it is not a number.
func lastID(path string) (int, bool) {
	id, err := strconv.Atoi(path[strings.LastIndex(path, "/")+1:])
	return id, err == nil
}

// TestWriteSafetyActive is the core promise of active
// mode, proven on recorded traffic.
func TestWriteSafetyActive(t *testing.T) {
	api := newSFAPI()
	rec := &sfRecorder{api: api, h: api.handler()}
	before := api.snapshot()
	res := sfScan(t, rec, finding.ModeActive, nil)
	exchanges := rec.all()

	if after := api.snapshot(); !bytes.Equal(before, after) {
		t.Errorf("pre-existing data changed:\nbefore %s\nafter  %s", before, after)
	}

	// The ids the scan created, from the API's create answers, and who
	// created each.
	createdBy := map[int]int{}
	for _, e := range exchanges {
		if e.Method == http.MethodPost && e.Status == http.StatusCreated {
			var v struct{ ID int }
			if json.Unmarshal(e.Answer, &v) == nil {
				createdBy[v.ID] = e.Who
			}
		}
	}
	var writes, peerAttacks int
	for _, e := range exchanges {
		if !isWrite(e.Method) {
			continue
		}
		writes++
		if e.Path == "/api/me" {
			// Closing an account: only one the scan registered may be
			// closed, never alice's, bob's, the admin's or mallory's.
			if e.Who > 0 && e.Who < sfFirstUserID {
				t.Errorf("a pre-existing account was closed: %s", e)
			}
			continue
		}
		id, ok := lastID(e.Path)
		if !ok {
			t.Errorf("a write without an id in its path: %s", e)
			continue
		}
		owner, created := createdBy[id]
		switch {
		case sfPreexisting(api, e, id):
			t.Errorf("a write on an object that existed before the scan: %s", e)
		case !created && !strings.HasPrefix(e.Path, "/api/users/") && id < api.next:
			// Not the scan's, yet an id the API handed out: someone
			// else's object (only the probe's never-existing ids may
			// be written without creating them first).
			t.Errorf("a write on an object the scan did not create: %s", e)
		case created && e.Who == 2 && owner == 1:
			peerAttacks++
		}
	}
	// A pass must mean tested: the rules did create, and bob did try to
	// change what alice created.
	if len(createdBy) == 0 || writes == 0 || peerAttacks == 0 {
		t.Fatalf("the active scan created %d objects, sent %d writes, %d of them bob's on alice's objects: the test proves nothing; findings:%s\nwarnings: %q",
			len(createdBy), writes, peerAttacks, list(res.Findings), res.Warnings)
	}

	cov := res.Coverage.Writes
	if cov == nil {
		t.Fatal("the scan created objects but coverage.writes is empty")
	}
	listed := map[string]finding.CreatedObject{}
	for _, c := range cov.Created {
		listed[c.Item] = c
	}
	sfCheckAccounts(t, api, exchanges, cov)
	// Every create the API answered is in the report.
	for _, e := range exchanges {
		if e.Method != http.MethodPost || e.Status != http.StatusCreated || e.Path == "/api/register" {
			continue
		}
		var v struct{ ID int }
		json.Unmarshal(e.Answer, &v)
		item := e.Path + "/" + strconv.Itoa(v.ID)
		if _, ok := listed[item]; !ok {
			t.Errorf("created %s (%s) is not in coverage.writes", item, e)
		}
	}
	// What is still on the target is exactly what the report says is
	// left, each with a reason; the tags, which have no DELETE, among it.
	remaining := api.created()
	for id, r := range remaining {
		item := sfItemPath(r)
		c, ok := listed[item]
		switch {
		case !ok:
			t.Errorf("%s (%s %d) is still on the target and not in the report", item, r.Kind, id)
		case c.Deleted:
			t.Errorf("%s is still on the target, but the report says it was deleted: %s", item, c.Reason)
		case c.Reason == "":
			t.Errorf("%s is left without a reason", item)
		}
	}
	left := 0
	for item, c := range listed {
		if c.Deleted {
			if id, ok := lastID(item); ok && remaining[id] != nil {
				t.Errorf("%s reported deleted but still exists", item)
			}
			continue
		}
		left++
	}
	if left != cov.Left {
		t.Errorf("coverage.writes.left = %d, %d listed as not deleted", cov.Left, left)
	}
	tagLeft := false
	for _, r := range remaining {
		if r.Kind == "tag" && strings.Contains(listed[sfItemPath(r)].Reason, "DELETE") {
			tagLeft = true
		}
		if r.Kind != "tag" {
			t.Errorf("%s could be deleted and was not: %s", sfItemPath(r), listed[sfItemPath(r)].Reason)
		}
	}
	if !tagLeft {
		t.Errorf("no tag left on the target with its reason; remaining %v, coverage %+v", remaining, cov)
	}
}

// sfCheckAccounts checks the accounts the scan registered against the
// report: one account entry per registration the API accepted, and as
// many left on the target as the API still has.
func sfCheckAccounts(t *testing.T, api *sfAPI, exchanges []sfExchange, cov *finding.WriteCoverage) {
	t.Helper()
	registered := 0
	for _, e := range exchanges {
		if e.Method == http.MethodPost && e.Path == "/api/register" && e.Status == http.StatusCreated {
			registered++
		}
	}
	var listed, left int
	for _, c := range cov.Created {
		if c.Kind != "account" {
			continue
		}
		listed++
		if !c.Deleted {
			left++
			if c.Reason == "" {
				t.Errorf("account %+v left without a reason", c)
			}
		}
	}
	remaining := 0
	api.mu.Lock()
	for id := range api.users {
		if id >= sfFirstUserID {
			remaining++
		}
	}
	api.mu.Unlock()
	if listed != registered || left != remaining {
		t.Errorf("the API accepted %d registrations and still has %d of the accounts; the report lists %d accounts, %d left: %+v",
			registered, remaining, listed, left, cov.Created)
	}
}

// sfPreexisting reports whether write e (on id) targets data that existed
// before the scan: a seeded record, or a user account other than the
// throw-away's own, which only the throw-away itself may change.
func sfPreexisting(api *sfAPI, e sfExchange, id int) bool {
	if strings.HasPrefix(e.Path, "/api/users/") {
		_, exists := api.users[id]
		return exists && !(id == 5 && e.Who == 5)
	}
	return api.seeded[id]
}

// sfItemPath is a record's own path.
func sfItemPath(r *sfRecord) string {
	id := strconv.Itoa(r.ID)
	switch r.Kind {
	case "member":
		return "/api/projects/" + strconv.Itoa(r.Parent) + "/members/" + id
	case "announcement":
		return "/api/admin/announcements/" + id
	}
	return "/api/" + r.Kind + "s/" + id
}

// TestWriteSafetySafeMode: the same API and identities in safe mode
// receive GET, HEAD and OPTIONS only, besides the throw-away's login with
// its configured body; nothing is created or changed.
func TestWriteSafetySafeMode(t *testing.T) {
	api := newSFAPI()
	rec := &sfRecorder{api: api, h: api.handler()}
	before := api.snapshot()
	res := sfScan(t, rec, finding.ModeSafe, nil)
	login := `{"email":"mallory@example.com","password":"` + sfMalloryPassword + `"}`
	for _, e := range rec.all() {
		switch {
		case e.Method == http.MethodGet || e.Method == http.MethodHead || e.Method == http.MethodOptions:
		case e.Method == http.MethodPost && e.Path == "/api/login" && e.Body == login:
		default:
			t.Errorf("safe mode sent %s", e)
		}
	}
	if after := api.snapshot(); !bytes.Equal(before, after) || len(api.created()) > 0 {
		t.Errorf("safe mode changed the data")
	}
	if res.Coverage.Writes != nil {
		t.Errorf("safe mode reports writes: %+v", res.Coverage.Writes)
	}
}

// TestWriteSafetyExclude: with DELETE of notes excluded, no DELETE
// of a note is sent, even to clean up; the notes the scan created are
// left and listed with the exclusion as the reason, and the rest is
// still cleaned up.
func TestWriteSafetyExclude(t *testing.T) {
	api := newSFAPI()
	rec := &sfRecorder{api: api, h: api.handler()}
	before := api.snapshot()
	res := sfScan(t, rec, finding.ModeActive, []string{"DELETE /api/notes/*"})
	for _, e := range rec.all() {
		if e.Method == http.MethodDelete && strings.HasPrefix(e.Path, "/api/notes/") {
			t.Errorf("an excluded DELETE was sent: %s", e)
		}
	}
	if after := api.snapshot(); !bytes.Equal(before, after) {
		t.Errorf("pre-existing data changed:\nbefore %s\nafter  %s", before, after)
	}
	cov := res.Coverage.Writes
	if cov == nil {
		t.Fatal("no coverage.writes")
	}
	notes := 0
	for _, r := range api.created() {
		if r.Kind != "note" {
			continue
		}
		notes++
		found := false
		for _, c := range cov.Created {
			if c.Item == sfItemPath(r) {
				found = !c.Deleted && strings.Contains(c.Reason, "exclude")
			}
		}
		if !found {
			t.Errorf("note %s left without the exclusion as its reason; coverage %+v", sfItemPath(r), cov.Created)
		}
	}
	if notes == 0 {
		t.Fatalf("no note was created: the test proves nothing; coverage %+v", cov)
	}
	var text bytes.Buffer
	for _, w := range res.Warnings {
		text.WriteString(w)
	}
	// The warning names the first leftovers (the report has them all).
	first := ""
	for _, c := range cov.Created {
		if !c.Deleted && first == "" {
			first = c.Item
		}
	}
	if !strings.Contains(text.String(), "left") || !strings.Contains(text.String(), first) {
		t.Errorf("the warnings do not name what was left on the target (first %s): %q", first, res.Warnings)
	}
}

// TestWriteSafetyAutoAccounts: with no primary and no peer, active mode
// registers two accounts of its own (autoAccounts), uses them as victim
// and attacker, and closes them at the end with DELETE /api/me as
// themselves. No pre-existing data or account changes, every write goes to
// what the scan created, and the report lists both accounts as deleted.
func TestWriteSafetyAutoAccounts(t *testing.T) {
	api := newSFAPI()
	rec := &sfRecorder{api: api, h: api.handler()}
	before := api.snapshot()
	res := sfScanWith(t, rec, finding.ModeActive, func(o *scanner.Options) {
		o.Primary, o.Peer, o.AutoAccounts = nil, nil, true
	})
	exchanges := rec.all()
	if after := api.snapshot(); !bytes.Equal(before, after) {
		t.Errorf("pre-existing data changed:\nbefore %s\nafter  %s", before, after)
	}
	var registered []string
	for _, e := range exchanges {
		switch {
		case e.Method == http.MethodPost && e.Path == "/api/register" && e.Status == http.StatusCreated:
			var u sfUser
			json.Unmarshal(e.Answer, &u)
			registered = append(registered, u.Email)
		case e.Method == http.MethodDelete && e.Path == "/api/me" && e.Who < sfFirstUserID:
			t.Errorf("a pre-existing account was closed: %s", e)
		case isWrite(e.Method) && e.Path != "/api/me":
			if id, ok := lastID(e.Path); !ok || sfPreexisting(api, e, id) {
				t.Errorf("a write on data that existed before the scan: %s", e)
			}
		}
	}
	for _, email := range registered {
		if !strings.HasPrefix(email, "authgate-") || !strings.HasSuffix(email, "@example.com") {
			t.Errorf("registered %q: want an authgate- name at the reserved example.com", email)
		}
	}
	if len(registered) < 2 {
		t.Fatalf("active mode registered %d accounts, want its two (victim and attacker); warnings %q", len(registered), res.Warnings)
	}
	cov := res.Coverage.Writes
	if cov == nil {
		t.Fatal("no coverage.writes")
	}
	sfCheckAccounts(t, api, exchanges, cov)
	for _, c := range cov.Created {
		t.Logf("created %s %s (%s as %s): deleted %v, %s", c.Kind, c.Item, c.Operation, c.Owner, c.Deleted, c.Reason)
		if c.Kind == "account" && (c.Owner == scanner.AutoVictim || c.Owner == scanner.AutoAttacker) && !c.Deleted {
			t.Errorf("the scan's own account %+v was not closed, though the API has DELETE /api/me", c)
		}
	}
}
