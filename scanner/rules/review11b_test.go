package rules_test

// Review 11-B: the write rules of active mode against loopback APIs shaped
// like real frameworks and known vulnerable apps (Django REST, FastAPI,
// Express + Mongoose, Rails, Spring, PostgREST, Juice Shop, VAmPI), each
// with a vulnerable and a correct twin. Each TestReview11B… test but
// TestReview11BFrameworkTwins and TestReview11BRealProfileNeverWritten
// (what was found right) failed when it was written, for the defect its
// comment names.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
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

// rbShape is how one framework serves a notes resource: its routes, ids,
// envelopes and error answers.
type rbShape struct {
	coll     string                                // the collection's path as served ("/api/notes/")
	itemID   func(path string) string              // the id in an item path, "" when path is no item
	itemPath func(id string) string                // an item's path, for Location
	newID    func(n int) any                       // the id of the n-th note
	idKey    string                                // "id", "_id"
	render   func(n map[string]any) any            // a note as answered
	unwrap   func(v map[string]any) map[string]any // the note's fields in a request body
	missing  func(w http.ResponseWriter, field string)
	unauth   func(w http.ResponseWriter)
	created  func(w http.ResponseWriter, n map[string]any, loc string)
	me       string // the path of the signed-in user's own record
	// mongoose: a body's _id is used as given (Model.create), and an
	// update that changes it fails (the field is immutable), as Mongoose
	// does.
	mongoose bool
}

// rbFlaws are what a twin gets wrong (or does by design), by method.
type rbFlaws struct {
	anyOwner map[string]bool // the method checks authentication, not the owner
	open     map[string]bool // the method's route is mounted outside the auth middleware
	// team: alice and bob are one organisation's members, who list, read
	// and edit each other's notes by design; the notes carry the
	// organisation's id, not the members' names.
	team bool
	// ownerFromBody: the create takes the note's owner, a user's primary
	// key, from the body when given (a DRF serializer whose owner field is
	// writable); an unknown key is refused as DRF does.
	ownerFromBody bool
	// updateTakesOwner: an update stamps the caller as the note's owner
	// (req.body.user = req.user.id; findByIdAndUpdate(req.params.id,
	// req.body)), so a foreign update moves the note to the caller.
	updateTakesOwner bool
	// softDelete, when set, is the field a DELETE sets (with a time) and
	// the read still shows: the row is kept (Rails' discard gem:
	// discarded_at).
	softDelete string
	// board: every signed-in user lists every note (a public board),
	// and bob has a note of his own; ownUpdate: an update on another's
	// note is applied to the caller's own newest note instead (the
	// issue's precision case).
	board, ownUpdate bool
	// putNeeds is a field the PUT requires although the description
	// does not say so (a serializer's own validation).
	putNeeds string
}

// rbAPI serves one shape for alice (1001) and bob (1002). Note 1 is
// alice's and existed before the scan.
type rbAPI struct {
	s rbShape
	f rbFlaws

	mu    sync.Mutex
	next  int
	notes map[string]map[string]any
	sent  []string // every state-changing request, "METHOD path"
	// bobOrg is bob's organisation (alice's is 7): with team, members of
	// one organisation share notes.
	bobOrg int
	// accounts are those registered at /api/auth/register, by e-mail;
	// tokens maps their tokens to their e-mail.
	accounts map[string]map[string]any
	tokens   map[string]string
}

var rbUsers = map[string]map[string]any{
	"1001": {"id": 1001, "username": "alice", "email": "alice@example.com"},
	"1002": {"id": 1002, "username": "bob", "email": "bob@example.com"},
}

func newRBAPI(s rbShape, f rbFlaws) *rbAPI {
	a := &rbAPI{s: s, f: f, next: 1, notes: map[string]map[string]any{}, bobOrg: 7}
	id := fmt.Sprint(s.newID(1))
	a.notes[id] = map[string]any{s.idKey: s.newID(1), "title": "alice's diary", "owner": "alice"}
	return a
}

// rbCaller accepts DRF's "Token x" and "Bearer x".
func rbCaller(r *http.Request) string {
	h := r.Header.Get("Authorization")
	h = strings.TrimPrefix(strings.TrimPrefix(h, "Token "), "Bearer ")
	switch h {
	case aliceToken:
		return "1001"
	case bobToken:
		return "1002"
	}
	return ""
}

func (a *rbAPI) handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		defer a.mu.Unlock()
		if r.Method != http.MethodGet {
			a.sent = append(a.sent, r.Method+" "+r.URL.Path)
		}
		me := rbCaller(r)
		name := ""
		if me != "" {
			name = rbUsers[me]["username"].(string)
		}
		if email, ok := a.tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]; ok {
			name = email
		}
		if a.accountRoutes(w, r, name) {
			return
		}
		switch p := r.URL.Path; {
		case p == a.s.me && r.Method == http.MethodGet && a.accounts[name] != nil:
			writeJSON(w, 200, map[string]any{"id": a.accounts[name]["id"], "email": name})
		case p == a.s.me && r.Method == http.MethodGet:
			if me == "" {
				a.s.unauth(w)
				return
			}
			u := maps.Clone(rbUsers[me])
			u["orgId"] = a.org(name)
			writeJSON(w, 200, u)
		case p == a.s.coll:
			a.collection(w, r, name)
		case a.s.itemID(p) != "":
			a.item(w, r, a.s.itemID(p), name)
		default:
			notFound(w)
		}
	})
}

func (a *rbAPI) collection(w http.ResponseWriter, r *http.Request, me string) {
	if me == "" && !a.f.open[r.Method] {
		a.s.unauth(w)
		return
	}
	switch r.Method {
	case http.MethodGet:
		list := []any{}
		for _, k := range slices.Sorted(mapsKeys(a.notes)) {
			if a.notes[k]["owner"] == me || a.sameOrg(a.notes[k], me) || a.f.board {
				list = append(list, a.s.render(a.notes[k]))
			}
		}
		writeJSON(w, 200, list)
	case http.MethodPost:
		v, ok := decode(w, r)
		if !ok {
			return
		}
		v = a.s.unwrap(v)
		if s, _ := v["title"].(string); s == "" {
			a.s.missing(w, "title")
			return
		}
		a.next++
		n := map[string]any{a.s.idKey: a.s.newID(a.next), "title": v["title"], "owner": me}
		if a.f.team {
			n["orgId"] = a.org(me)
		}
		if pk, given := v["owner"]; given && a.f.ownerFromBody {
			switch fmt.Sprint(pk) {
			case "1001":
				n["owner"] = "alice"
			case "1002":
				n["owner"] = "bob"
			default:
				writeJSON(w, 400, map[string][]string{"owner": {fmt.Sprintf("Invalid pk \"%v\" - object does not exist.", pk)}})
				a.next--
				return
			}
		}
		if given, ok := v["_id"].(string); ok && a.s.mongoose {
			if _, taken := a.notes[given]; taken {
				writeJSON(w, 500, map[string]string{"error": "E11000 duplicate key error collection: notes index: _id_ dup key"})
				return
			}
			n["_id"] = given
		}
		if t, ok := v["text"]; ok {
			n["text"] = t
		}
		id := fmt.Sprint(n[a.s.idKey])
		a.notes[id] = n
		a.s.created(w, n, a.s.itemPath(id))
	default:
		w.WriteHeader(405)
	}
}

func (a *rbAPI) item(w http.ResponseWriter, r *http.Request, id, me string) {
	if me == "" && !a.f.open[r.Method] {
		a.s.unauth(w)
		return
	}
	n, ok := a.notes[id]
	if ok && n["owner"] != me && a.f.ownUpdate && (r.Method == http.MethodPut || r.Method == http.MethodPatch) {
		n = a.newestOf(me)
		ok = n != nil
		if ok {
			id = fmt.Sprint(n[a.s.idKey])
		}
	}
	if !ok || (n["owner"] != me && !a.f.anyOwner[r.Method] && !a.f.open[r.Method] && !a.sameOrg(n, me)) {
		notFound(w)
		return
	}
	switch r.Method {
	case http.MethodGet:
		writeJSON(w, 200, a.s.render(n))
	case http.MethodPut, http.MethodPatch:
		v, ok := decode(w, r)
		if !ok {
			return
		}
		v = a.s.unwrap(v)
		if given, ok := v["_id"]; ok && a.s.mongoose && given != id {
			writeJSON(w, 500, map[string]string{"error": "Performing an update on the path '_id' would modify the immutable field '_id'"})
			return
		}
		if r.Method == http.MethodPut && a.f.putNeeds != "" {
			if s, _ := v[a.f.putNeeds].(string); s == "" {
				a.s.missing(w, a.f.putNeeds)
				return
			}
		}
		if r.Method == http.MethodPut {
			if s, _ := v["title"].(string); s == "" {
				a.s.missing(w, "title")
				return
			}
			delete(n, "text")
		}
		for _, k := range []string{"title", "text"} {
			if x, ok := v[k]; ok {
				n[k] = x
			}
		}
		if a.f.updateTakesOwner && me != "" {
			n["owner"] = me
		}
		writeJSON(w, 200, a.s.render(n))
	case http.MethodDelete:
		if a.f.softDelete != "" {
			if n[a.f.softDelete] != nil {
				notFound(w)
				return
			}
			n[a.f.softDelete] = "2026-12-07T03:30:00.000Z"
			w.WriteHeader(204)
			return
		}
		delete(a.notes, id)
		w.WriteHeader(204)
	default:
		w.WriteHeader(405)
	}
}

// accountRoutes serves sign-up, login and account deletion; false when r
// is for another route.
func (a *rbAPI) accountRoutes(w http.ResponseWriter, r *http.Request, me string) bool {
	if a.accounts == nil {
		a.accounts, a.tokens = map[string]map[string]any{}, map[string]string{}
	}
	switch r.Method + " " + r.URL.Path {
	case "POST /api/auth/register":
		v, ok := decode(w, r)
		if !ok {
			return true
		}
		email, _ := v["email"].(string)
		pw, _ := v["password"].(string)
		if !strings.Contains(email, "@") || len(pw) < 8 {
			writeJSON(w, 400, map[string]string{"error": "email and password (8+) are required"})
			return true
		}
		if _, taken := a.accounts[email]; taken {
			writeJSON(w, 409, map[string]string{"error": "email taken"})
			return true
		}
		a.next++
		a.accounts[email] = map[string]any{"id": a.next, "email": email, "password": pw}
		writeJSON(w, 201, map[string]any{"id": a.next, "email": email})
	case "POST /api/auth/login":
		v, ok := decode(w, r)
		if !ok {
			return true
		}
		email, _ := v["email"].(string)
		acct, exists := a.accounts[email]
		if !exists || acct["password"] != v["password"] {
			writeJSON(w, 401, map[string]string{"error": "invalid credentials"})
			return true
		}
		a.next++
		tok := fmt.Sprintf("acct-token-%d-0123456789abcdef", a.next)
		a.tokens[tok] = email
		writeJSON(w, 200, map[string]any{"access_token": tok, "token_type": "bearer", "user": map[string]any{"id": acct["id"], "email": email}})
	case "GET /api/me":
		if me == "" {
			a.s.unauth(w)
			return true
		}
		if acct, ok := a.accounts[me]; ok {
			writeJSON(w, 200, map[string]any{"id": acct["id"], "email": me})
			return true
		}
		writeJSON(w, 200, rbUsers[rbCaller(r)])
	case "DELETE /api/me":
		if _, ok := a.accounts[me]; !ok {
			a.s.unauth(w)
			return true
		}
		delete(a.accounts, me)
		for k, v := range a.tokens {
			if v == me {
				delete(a.tokens, k)
			}
		}
		w.WriteHeader(204)
	default:
		return false
	}
	return true
}

// newestOf is me's newest note, nil for none.
func (a *rbAPI) newestOf(me string) map[string]any {
	var best map[string]any
	bestN := -1
	for k, n := range a.notes {
		if n["owner"] != me {
			continue
		}
		if v, err := strconv.Atoi(k); err == nil && v > bestN {
			best, bestN = n, v
		}
	}
	return best
}

// org is the organisation of user name (alice, bob).
func (a *rbAPI) org(name string) int {
	if name == "bob" {
		return a.bobOrg
	}
	return 7
}

// sameOrg reports whether me may share n by design: team notes of me's
// organisation.
func (a *rbAPI) sameOrg(n map[string]any, me string) bool {
	return a.f.team && me != "" && n["orgId"] == a.org(me)
}

func mapsKeys(m map[string]map[string]any) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// seedIntact reports whether alice's note that existed before the scan
// is as it was.
func (a *rbAPI) seedIntact() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	n, ok := a.notes[fmt.Sprint(a.s.newID(1))]
	return ok && n["title"] == "alice's diary" && len(n) == 3
}

// left counts the notes the scan left behind.
func (a *rbAPI) left() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.notes) - 1
}

// rbScan scans h in active mode with the whole catalog, alice as the
// primary and bob as the peer (header is "Bearer" or "Token").
func rbScan(t *testing.T, h http.Handler, spec, scheme string, mod func(*scanner.Options)) *scanner.Result {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	opts := scanner.Options{
		Target:   srv.URL,
		OpenAPI:  "spec.yaml",
		ReadFile: func(string) ([]byte, error) { return []byte(spec), nil },
		Primary:  scanner.NewIdentity("alice", []scanner.Header{{Name: "Authorization", Value: scheme + " " + aliceToken}}),
		Peer:     scanner.NewIdentity("bob", []scanner.Header{{Name: "Authorization", Value: scheme + " " + bobToken}}),
		Mode:     finding.ModeActive,
		Client:   scanner.ClientOptions{Concurrency: 4, Timeout: 5 * time.Second, Budget: 5000},
		Wait:     time.Second,
		Rules:    rules.All(),
		APIRules: rules.APIRules(),
	}
	if mod != nil {
		mod(&opts)
	}
	res, err := scanner.Scan(context.Background(), opts)
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	return res
}

// rbWriteRules are the rules that judge writes in active mode.
var rbWriteRules = map[string]bool{"bola-cross-user-write": true, "authn-missing": true, "bfla-privilege-escalation": true, "mass-assignment": true}

// rbSerious lists the write rules' findings of medium confidence or above
// as "rule METHOD path".
func rbSerious(fs []finding.Finding) []string {
	var out []string
	for _, f := range fs {
		if rbWriteRules[f.Rule] && f.Confidence >= finding.ConfidenceMedium {
			out = append(out, f.Rule+" "+f.Method+" "+f.Path)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// rbCoverage is the coverage entry of rule.
func rbCoverage(res *scanner.Result, rule string) finding.RuleCoverage {
	for _, rc := range res.Coverage.Rules {
		if rc.Rule == rule {
			return rc
		}
	}
	return finding.RuleCoverage{}
}

// ---- Django REST Framework ----

// rbDRF is a ModelViewSet behind a DefaultRouter: trailing slashes, 400
// {"title": ["This field is required."]}, owner a read-only field.
var rbDRF = rbShape{
	coll: "/api/notes/",
	itemID: func(p string) string {
		rest, ok := strings.CutPrefix(p, "/api/notes/")
		if !ok || !strings.HasSuffix(rest, "/") || strings.Count(rest, "/") != 1 {
			return ""
		}
		return strings.TrimSuffix(rest, "/")
	},
	itemPath: func(id string) string { return "/api/notes/" + id + "/" },
	newID:    func(n int) any { return n },
	idKey:    "id",
	render:   func(n map[string]any) any { return n },
	unwrap:   func(v map[string]any) map[string]any { return v },
	missing: func(w http.ResponseWriter, f string) {
		writeJSON(w, 400, map[string][]string{f: {"This field is required."}})
	},
	unauth: func(w http.ResponseWriter) {
		w.Header().Set("WWW-Authenticate", "Token")
		writeJSON(w, 401, map[string]string{"detail": "Authentication credentials were not provided."})
	},
	created: func(w http.ResponseWriter, n map[string]any, _ string) { writeJSON(w, 201, n) },
	me:      "/api/auth/user/",
}

// rbDRFSpec is what drf-spectacular generates for it.
const rbDRFSpec = `openapi: 3.0.3
info: {title: Notes API, version: 1.0.0}
paths:
  /api/auth/user/:
    get:
      operationId: auth_user_retrieve
      tags: [auth]
      security: [{tokenAuth: []}, {cookieAuth: []}]
      responses:
        '200': {content: {application/json: {schema: {$ref: '#/components/schemas/UserDetails'}}}, description: ''}
  /api/notes/:
    get:
      operationId: notes_list
      tags: [notes]
      security: [{tokenAuth: []}, {cookieAuth: []}]
      responses:
        '200': {content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/Note'}}}}, description: ''}
    post:
      operationId: notes_create
      tags: [notes]
      requestBody:
        content:
          application/json: {schema: {$ref: '#/components/schemas/NoteRequest'}}
          application/x-www-form-urlencoded: {schema: {$ref: '#/components/schemas/NoteRequest'}}
          multipart/form-data: {schema: {$ref: '#/components/schemas/NoteRequest'}}
        required: true
      security: [{tokenAuth: []}, {cookieAuth: []}]
      responses:
        '201': {content: {application/json: {schema: {$ref: '#/components/schemas/Note'}}}, description: ''}
  /api/notes/{id}/:
    get:
      operationId: notes_retrieve
      parameters:
      - {in: path, name: id, schema: {type: integer}, description: A unique integer value identifying this note., required: true}
      tags: [notes]
      security: [{tokenAuth: []}, {cookieAuth: []}]
      responses:
        '200': {content: {application/json: {schema: {$ref: '#/components/schemas/Note'}}}, description: ''}
    put:
      operationId: notes_update
      parameters:
      - {in: path, name: id, schema: {type: integer}, description: A unique integer value identifying this note., required: true}
      tags: [notes]
      requestBody:
        content:
          application/json: {schema: {$ref: '#/components/schemas/NoteRequest'}}
        required: true
      security: [{tokenAuth: []}, {cookieAuth: []}]
      responses:
        '200': {content: {application/json: {schema: {$ref: '#/components/schemas/Note'}}}, description: ''}
    patch:
      operationId: notes_partial_update
      parameters:
      - {in: path, name: id, schema: {type: integer}, description: A unique integer value identifying this note., required: true}
      tags: [notes]
      requestBody:
        content:
          application/json: {schema: {$ref: '#/components/schemas/PatchedNoteRequest'}}
      security: [{tokenAuth: []}, {cookieAuth: []}]
      responses:
        '200': {content: {application/json: {schema: {$ref: '#/components/schemas/Note'}}}, description: ''}
    delete:
      operationId: notes_destroy
      parameters:
      - {in: path, name: id, schema: {type: integer}, description: A unique integer value identifying this note., required: true}
      tags: [notes]
      security: [{tokenAuth: []}, {cookieAuth: []}]
      responses:
        '204': {description: No response body}
components:
  schemas:
    Note:
      type: object
      properties:
        id: {type: integer, readOnly: true}
        owner: {type: string, readOnly: true}
        title: {type: string, maxLength: 200}
        text: {type: string}
      required: [id, owner, title]
    NoteRequest:
      type: object
      properties:
        title: {type: string, minLength: 1, maxLength: 200}
        text: {type: string}
      required: [title]
    PatchedNoteRequest:
      type: object
      properties:
        title: {type: string, minLength: 1, maxLength: 200}
        text: {type: string}
    UserDetails:
      type: object
      properties:
        pk: {type: integer, readOnly: true, title: ID}
        username: {type: string}
        email: {type: string, format: email}
      required: [pk, username]
  securitySchemes:
    cookieAuth: {type: apiKey, in: cookie, name: sessionid}
    tokenAuth: {type: apiKey, in: header, name: Authorization, description: Token-based authentication with required prefix "Token"}
`

// ---- Rails ----

// rbRails is a scaffolded Rails controller: /notes.json, a {"note": {...}}
// request wrapper, 422 {"errors": {"title": ["can't be blank"]}}.
var rbRails = rbShape{
	coll: "/notes.json",
	itemID: func(p string) string {
		rest, ok := strings.CutPrefix(p, "/notes/")
		if !ok || !strings.HasSuffix(rest, ".json") || strings.Contains(rest, "/") {
			return ""
		}
		return strings.TrimSuffix(rest, ".json")
	},
	itemPath: func(id string) string { return "/notes/" + id + ".json" },
	newID:    func(n int) any { return n },
	idKey:    "id",
	render: func(n map[string]any) any {
		out := map[string]any{"url": fmt.Sprintf("http://127.0.0.1/notes/%v.json", n["id"])}
		for k, v := range n {
			out[k] = v
		}
		return out
	},
	unwrap: func(v map[string]any) map[string]any {
		inner, _ := v["note"].(map[string]any)
		if inner == nil {
			return map[string]any{}
		}
		return inner
	},
	missing: func(w http.ResponseWriter, f string) {
		writeJSON(w, 422, map[string]any{"errors": map[string][]string{f: {"can't be blank"}}})
	},
	unauth: func(w http.ResponseWriter) {
		writeJSON(w, 401, map[string]string{"error": "You need to sign in or sign up before continuing."})
	},
	created: func(w http.ResponseWriter, n map[string]any, loc string) {
		w.Header().Set("Location", "http://127.0.0.1"+loc)
		writeJSON(w, 201, n)
	},
	me: "/users/me.json",
}

// rbRailsSpec is an rswag description of it. security is declared when
// secured is true (rswag writes it only when the spec says so).
func rbRailsSpec(secured bool, patchRequired bool) string {
	sec := ""
	if secured {
		sec = "      security: [{bearer_auth: []}]\n"
	}
	patchReq := ""
	if patchRequired {
		patchReq = "              required: [note]\n"
	}
	return `openapi: 3.0.1
info: {title: API V1, version: v1}
components:
  securitySchemes:
    bearer_auth: {type: http, scheme: bearer}
paths:
  "/users/me.json":
    get:
      summary: current user
` + sec + `      responses: {'200': {description: successful}}
  "/notes.json":
    get:
      summary: list notes
` + sec + `      responses: {'200': {description: successful}}
    post:
      summary: create note
` + sec + `      parameters: []
      responses:
        '201': {description: created}
        '422': {description: unprocessable entity}
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                note:
                  type: object
                  properties:
                    title: {type: string}
                    text: {type: string}
                  required: [title]
              required: [note]
  "/notes/{id}.json":
    parameters:
    - {name: id, in: path, description: id, required: true, schema: {type: string}}
    get:
      summary: show note
` + sec + `      responses: {'200': {description: successful}}
    patch:
      summary: update note
` + sec + `      parameters: []
      responses: {'200': {description: successful}}
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                note:
                  type: object
                  properties:
                    title: {type: string}
                    text: {type: string}
` + patchReq + `    put:
      summary: update note
` + sec + `      parameters: []
      responses: {'200': {description: successful}}
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                note:
                  type: object
                  properties:
                    title: {type: string}
                    text: {type: string}
` + patchReq + `    delete:
      summary: delete note
` + sec + `      responses: {'204': {description: successful}}
`
}

// rbAnyOwner: every item method checks authentication, not the owner
// (a controller that finds the note by id alone).
var rbAnyOwner = rbFlaws{anyOwner: map[string]bool{"GET": true, "PUT": true, "PATCH": true, "DELETE": true}}

// TestReview11BRailsWrappedUpdate: Rails updates take the note wrapped
// ({"note": {"title": ...}}), and rswag describes the update's inner
// fields as optional. Writes.UpdateBody builds the body from the update's
// schema, which gives {"note":{}} with no marker, and never falls back to
// the create body (which carries the marker inside the wrapper): the PUT
// and PATCH of a controller that finds the note by id alone are never
// sent, and the coverage still says the rule ran. Want both found.
func TestReview11BRailsWrappedUpdate(t *testing.T) {
	api := newRBAPI(rbRails, rbAnyOwner)
	res := rbScan(t, api.handler(), rbRailsSpec(true, false), "Bearer", nil)
	got := rbSerious(res.Findings)
	for _, want := range []string{"bola-cross-user-write PATCH /notes/{id}.json", "bola-cross-user-write PUT /notes/{id}.json"} {
		if !slices.Contains(got, want) {
			t.Errorf("missing %q; got %q", want, got)
		}
	}
	if !api.seedIntact() {
		t.Errorf("alice's note that existed before the scan changed")
	}
}

// TestReview11BRailsUndeclaredSecurity: a Rails description without
// security (rswag writes none unless told), a DELETE /notes/{id}.json
// mounted before the authenticate_user! filter. The write rule falls back
// to a sibling read that refuses anonymous callers (GET /notes.json answers
// 401), but sameObjects compares "/notes.json" and "/notes/{id}.json" with
// the collection "/notes" literally, so the format suffix hides every
// sibling and the write is never judged. The same API with Django's
// trailing slashes is found. Want authn-missing on the DELETE.
func TestReview11BRailsUndeclaredSecurity(t *testing.T) {
	api := newRBAPI(rbRails, rbFlaws{open: map[string]bool{"DELETE": true}})
	res := rbScan(t, api.handler(), rbRailsSpec(false, true), "Bearer", nil)
	if got := rbSerious(res.Findings); !slices.Contains(got, "authn-missing DELETE /notes/{id}.json") {
		t.Errorf("got %q, want authn-missing on DELETE /notes/{id}.json", got)
	}
	fixed := newRBAPI(rbRails, rbFlaws{})
	if got := rbSerious(rbScan(t, fixed.handler(), rbRailsSpec(false, true), "Bearer", nil).Findings); len(got) != 0 {
		t.Errorf("fixed twin: %q", got)
	}
}

// ---- FastAPI ----

// rbUUID is the n-th note's UUID.
func rbUUID(n int) any {
	h := sha256.Sum256([]byte("note" + strconv.Itoa(n)))
	h[6] = h[6]&0x0f | 0x40
	h[8] = h[8]&0x3f | 0x80
	x := hex.EncodeToString(h[:16])
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

// rbFastAPI is a FastAPI router: UUID ids, HTTPBearer's 403 "Not
// authenticated", 422 {"detail": [{"loc": ["body", "title"], ...}]}, and a
// response model that wraps the note in {"data": ...}.
var rbFastAPI = rbShape{
	coll: "/notes/",
	itemID: func(p string) string {
		rest, ok := strings.CutPrefix(p, "/notes/")
		if !ok || rest == "" || strings.Contains(rest, "/") {
			return ""
		}
		return rest
	},
	itemPath: func(id string) string { return "/notes/" + id },
	newID:    rbUUID,
	idKey:    "id",
	render:   func(n map[string]any) any { return map[string]any{"data": n, "message": "ok"} },
	unwrap:   func(v map[string]any) map[string]any { return v },
	missing: func(w http.ResponseWriter, f string) {
		writeJSON(w, 422, map[string]any{"detail": []map[string]any{{"type": "missing", "loc": []string{"body", f}, "msg": "Field required", "input": map[string]any{}}}})
	},
	unauth: func(w http.ResponseWriter) {
		writeJSON(w, 403, map[string]string{"detail": "Not authenticated"})
	},
	created: func(w http.ResponseWriter, n map[string]any, _ string) {
		writeJSON(w, 201, map[string]any{"data": n, "message": "created"})
	},
	me: "/users/me",
}

const rbFastAPISpec = `openapi: 3.1.0
info: {title: FastAPI, version: 0.1.0}
paths:
  /users/me:
    get:
      tags: [users]
      summary: Read Users Me
      operationId: read_users_me_users_me_get
      responses:
        '200': {description: Successful Response, content: {application/json: {schema: {$ref: '#/components/schemas/User'}}}}
      security: [{HTTPBearer: []}]
  /notes/:
    get:
      tags: [notes]
      summary: List Notes
      operationId: list_notes_notes__get
      responses:
        '200': {description: Successful Response, content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/NoteOut'}, title: Response List Notes Notes  Get}}}}
      security: [{HTTPBearer: []}]
    post:
      tags: [notes]
      summary: Create Note
      operationId: create_note_notes__post
      security: [{HTTPBearer: []}]
      requestBody:
        required: true
        content: {application/json: {schema: {$ref: '#/components/schemas/NoteCreate'}}}
      responses:
        '201': {description: Successful Response, content: {application/json: {schema: {$ref: '#/components/schemas/NoteResponse'}}}}
        '422': {description: Validation Error, content: {application/json: {schema: {$ref: '#/components/schemas/HTTPValidationError'}}}}
  /notes/{note_id}:
    get:
      tags: [notes]
      summary: Read Note
      operationId: read_note_notes__note_id__get
      security: [{HTTPBearer: []}]
      parameters:
      - {name: note_id, in: path, required: true, schema: {type: string, format: uuid, title: Note Id}}
      responses:
        '200': {description: Successful Response, content: {application/json: {schema: {$ref: '#/components/schemas/NoteResponse'}}}}
        '422': {description: Validation Error, content: {application/json: {schema: {$ref: '#/components/schemas/HTTPValidationError'}}}}
    put:
      tags: [notes]
      summary: Replace Note
      operationId: replace_note_notes__note_id__put
      security: [{HTTPBearer: []}]
      parameters:
      - {name: note_id, in: path, required: true, schema: {type: string, format: uuid, title: Note Id}}
      requestBody:
        required: true
        content: {application/json: {schema: {$ref: '#/components/schemas/NoteCreate'}}}
      responses:
        '200': {description: Successful Response, content: {application/json: {schema: {$ref: '#/components/schemas/NoteResponse'}}}}
    patch:
      tags: [notes]
      summary: Update Note
      operationId: update_note_notes__note_id__patch
      security: [{HTTPBearer: []}]
      parameters:
      - {name: note_id, in: path, required: true, schema: {type: string, format: uuid, title: Note Id}}
      requestBody:
        required: true
        content: {application/json: {schema: {$ref: '#/components/schemas/NoteUpdate'}}}
      responses:
        '200': {description: Successful Response, content: {application/json: {schema: {$ref: '#/components/schemas/NoteResponse'}}}}
    delete:
      tags: [notes]
      summary: Delete Note
      operationId: delete_note_notes__note_id__delete
      security: [{HTTPBearer: []}]
      parameters:
      - {name: note_id, in: path, required: true, schema: {type: string, format: uuid, title: Note Id}}
      responses:
        '204': {description: Successful Response}
components:
  schemas:
    HTTPValidationError:
      properties:
        detail: {items: {$ref: '#/components/schemas/ValidationError'}, type: array, title: Detail}
      type: object
      title: HTTPValidationError
    ValidationError:
      properties:
        loc: {items: {anyOf: [{type: string}, {type: integer}]}, type: array, title: Location}
        msg: {type: string, title: Message}
        type: {type: string, title: Error Type}
      type: object
      required: [loc, msg, type]
      title: ValidationError
    NoteCreate:
      properties:
        title: {type: string, maxLength: 200, minLength: 1, title: Title}
        text: {anyOf: [{type: string}, {type: 'null'}], title: Text}
      type: object
      required: [title]
      title: NoteCreate
    NoteUpdate:
      properties:
        title: {anyOf: [{type: string, maxLength: 200, minLength: 1}, {type: 'null'}], title: Title}
        text: {anyOf: [{type: string}, {type: 'null'}], title: Text}
      type: object
      title: NoteUpdate
    NoteOut:
      properties:
        id: {type: string, format: uuid, title: Id}
        title: {type: string, title: Title}
        text: {anyOf: [{type: string}, {type: 'null'}], title: Text}
        owner: {type: string, title: Owner}
      type: object
      required: [id, title, owner]
      title: NoteOut
    NoteResponse:
      properties:
        data: {$ref: '#/components/schemas/NoteOut'}
        message: {type: string, title: Message}
      type: object
      required: [data, message]
      title: NoteResponse
    User:
      properties:
        id: {type: integer, title: Id}
        username: {type: string, title: Username}
        email: {type: string, title: Email}
      type: object
      required: [id, username, email]
      title: User
  securitySchemes:
    HTTPBearer: {type: http, scheme: bearer}
`

// ---- Express + Mongo ----

// rbObjectID is the n-th note's ObjectId.
func rbObjectID(n int) any { return fmt.Sprintf("65a1f0c2e4b0%012x", n) }

// rbExpress is an Express router over Mongoose: _id ObjectIds,
// {"success": true, "data": {...}} envelopes, passport's text/plain
// 401, Mongoose validation messages.
var rbExpress = rbShape{
	coll: "/api/notes",
	itemID: func(p string) string {
		rest, ok := strings.CutPrefix(p, "/api/notes/")
		if !ok || len(rest) != 24 {
			return ""
		}
		return rest
	},
	itemPath: func(id string) string { return "/api/notes/" + id },
	newID:    rbObjectID,
	idKey:    "_id",
	render: func(n map[string]any) any {
		out := map[string]any{"__v": 0, "createdAt": "2026-01-01T00:00:00.000Z"}
		for k, v := range n {
			out[k] = v
		}
		return map[string]any{"success": true, "data": out}
	},
	unwrap: func(v map[string]any) map[string]any { return v },
	missing: func(w http.ResponseWriter, f string) {
		writeJSON(w, 400, map[string]any{"success": false, "error": "Note validation failed: " + f + ": Path `" + f + "` is required."})
	},
	unauth: func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(401)
		fmt.Fprint(w, "Unauthorized")
	},
	created: func(w http.ResponseWriter, n map[string]any, _ string) {
		writeJSON(w, 201, map[string]any{"success": true, "data": n})
	},
	me: "/api/auth/me",
}

const rbExpressSpec = `openapi: 3.0.0
info: {title: Notes API, version: 1.0.0, description: Express API with Swagger}
servers: [{url: /}]
components:
  securitySchemes:
    bearerAuth: {type: http, scheme: bearer, bearerFormat: JWT}
  schemas:
    Note:
      type: object
      required: [title]
      properties:
        _id: {type: string, description: The auto-generated id of the note}
        title: {type: string, description: The title of your note}
        text: {type: string}
        user: {type: string, description: The owner}
      example: {_id: 65a1f0c2e4b0000000000001, title: Shopping, text: milk}
paths:
  /api/auth/me:
    get:
      summary: Get current user
      tags: [Auth]
      security: [{bearerAuth: []}]
      responses: {200: {description: The current user}}
  /api/notes:
    get:
      summary: Returns my notes
      tags: [Notes]
      security: [{bearerAuth: []}]
      responses: {200: {description: The list of notes}}
    post:
      summary: Create a new note
      tags: [Notes]
      security: [{bearerAuth: []}]
      requestBody:
        required: true
        content: {application/json: {schema: {$ref: '#/components/schemas/Note'}}}
      responses:
        201: {description: The note was successfully created, content: {application/json: {schema: {$ref: '#/components/schemas/Note'}}}}
        500: {description: Some server error}
  /api/notes/{id}:
    get:
      summary: Get the note by id
      tags: [Notes]
      security: [{bearerAuth: []}]
      parameters: [{in: path, name: id, schema: {type: string}, required: true, description: The note id}]
      responses: {200: {description: The note}, 404: {description: The note was not found}}
    put:
      summary: Update the note by the id
      tags: [Notes]
      security: [{bearerAuth: []}]
      parameters: [{in: path, name: id, schema: {type: string}, required: true, description: The note id}]
      requestBody:
        required: true
        content: {application/json: {schema: {$ref: '#/components/schemas/Note'}}}
      responses: {200: {description: The note was updated}, 404: {description: The note was not found}}
    delete:
      summary: Remove the note by id
      tags: [Notes]
      security: [{bearerAuth: []}]
      parameters: [{in: path, name: id, schema: {type: string}, required: true, description: The note id}]
      responses: {200: {description: The note was deleted}, 404: {description: The note was not found}}
`

// rbBodies wraps h and records every state-changing request's body.
func rbBodies(h http.Handler, mu *sync.Mutex, out *[]string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Body != nil {
			b := make([]byte, 4096)
			n, _ := r.Body.Read(b)
			r.Body.Close()
			mu.Lock()
			*out = append(*out, r.Method+" "+r.URL.Path+" "+string(b[:n]))
			mu.Unlock()
			r.Body = io.NopCloser(bytes.NewReader(b[:n]))
		}
		h.ServeHTTP(w, r)
	})
}

// TestReview11BObjectExampleSentVerbatim: swagger-jsdoc descriptions
// often carry an object-level example copied from the developer's
// database ({_id: ..., title: Shopping}). objects.Body sends it verbatim:
// the create and every update carry the example's _id — here the id of
// alice's note that existed before the scan — and no marker, although
// Body promises unique-looking strings carry the seed "even over an
// example" and never writes readOnly or id fields of its own. On Mongoose
// the create then fails on the duplicate key (or, with an upsert, writes
// over the existing note), and an update that changes _id fails, so a PUT
// that checks no owner is missed. Want no body naming an existing id, and
// the PUT and DELETE found.
func TestReview11BObjectExampleSentVerbatim(t *testing.T) {
	shape := rbExpress
	shape.mongoose = true
	api := newRBAPI(shape, rbAnyOwner)
	var mu sync.Mutex
	var bodies []string
	res := rbScan(t, rbBodies(api.handler(), &mu, &bodies), rbExpressSpec, "Bearer", nil)
	existing := fmt.Sprint(rbObjectID(1))
	for _, b := range bodies {
		if strings.Contains(b, existing) && !strings.HasPrefix(b, "GET") {
			t.Errorf("the scan sent the id of a note that existed before it: %s", b)
			break
		}
	}
	got := rbSerious(res.Findings)
	for _, want := range []string{"bola-cross-user-write DELETE /api/notes/{id}", "bola-cross-user-write PUT /api/notes/{id}"} {
		if !slices.Contains(got, want) {
			t.Errorf("missing %q; got %q", want, got)
		}
	}
}

// ---- Spring Data REST ----

// rbSpring is a Spring Data REST repository: 201 with an empty body and
// only a Location header, HAL answers that carry no id field.
var rbSpring = rbShape{
	coll: "/notes",
	itemID: func(p string) string {
		rest, ok := strings.CutPrefix(p, "/notes/")
		if !ok || rest == "" || strings.Contains(rest, "/") {
			return ""
		}
		return rest
	},
	itemPath: func(id string) string { return "/notes/" + id },
	newID:    func(n int) any { return n },
	idKey:    "id",
	render: func(n map[string]any) any {
		self := map[string]string{"href": fmt.Sprintf("http://127.0.0.1/notes/%v", n["id"])}
		out := map[string]any{"_links": map[string]any{"self": self, "note": self}}
		for k, v := range n {
			if k != "id" && k != "owner" {
				out[k] = v
			}
		}
		return out
	},
	unwrap: func(v map[string]any) map[string]any { return v },
	missing: func(w http.ResponseWriter, f string) {
		writeJSON(w, 400, map[string]any{"timestamp": "2026-01-01T00:00:00.000+00:00", "status": 400, "error": "Bad Request", "path": "/notes"})
	},
	unauth: func(w http.ResponseWriter) {
		w.Header().Set("WWW-Authenticate", "Bearer")
		w.WriteHeader(401)
	},
	created: func(w http.ResponseWriter, n map[string]any, loc string) {
		w.Header().Set("Location", "http://127.0.0.1"+loc)
		w.WriteHeader(201)
	},
	me: "/api/me",
}

const rbSpringSpec = `openapi: 3.0.1
info: {title: OpenAPI definition, version: v0}
servers: [{url: 'http://localhost:8080', description: Generated server url}]
security: [{bearer-jwt: []}]
paths:
  /api/me:
    get:
      tags: [me-controller]
      operationId: me
      responses: {'200': {description: OK}}
  /notes:
    get:
      tags: [note-entity-controller]
      description: get-note
      operationId: getCollectionResource-note-get_1
      parameters:
      - {name: page, in: query, description: Zero-based page index (0..N), required: false, schema: {minimum: 0, type: integer, default: 0}}
      - {name: size, in: query, description: The size of the page to be returned, required: false, schema: {minimum: 1, type: integer, default: 20}}
      responses:
        '200': {description: OK, content: {application/hal+json: {schema: {$ref: '#/components/schemas/PagedModelEntityModelNote'}}}}
    post:
      tags: [note-entity-controller]
      description: create-note
      operationId: postCollectionResource-note-post
      requestBody:
        content: {application/json: {schema: {$ref: '#/components/schemas/NoteRequestBody'}}}
        required: true
      responses:
        '201': {description: Created, content: {application/hal+json: {schema: {$ref: '#/components/schemas/EntityModelNote'}}}}
  /notes/{id}:
    get:
      tags: [note-entity-controller]
      description: get-note
      operationId: getItemResource-note-get
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        '200': {description: OK, content: {application/hal+json: {schema: {$ref: '#/components/schemas/EntityModelNote'}}}}
        '404': {description: Not Found}
    put:
      tags: [note-entity-controller]
      description: update-note
      operationId: putItemResource-note-put
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      requestBody:
        content: {application/json: {schema: {$ref: '#/components/schemas/NoteRequestBody'}}}
        required: true
      responses:
        '200': {description: OK, content: {application/hal+json: {schema: {$ref: '#/components/schemas/EntityModelNote'}}}}
        '201': {description: Created}
        '204': {description: No Content}
    patch:
      tags: [note-entity-controller]
      description: patch-note
      operationId: patchItemResource-note-patch
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      requestBody:
        content: {application/json: {schema: {$ref: '#/components/schemas/NoteRequestBody'}}}
        required: true
      responses:
        '200': {description: OK}
        '204': {description: No Content}
    delete:
      tags: [note-entity-controller]
      description: delete-note
      operationId: deleteItemResource-note-delete
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        '204': {description: No Content}
        '404': {description: Not Found}
components:
  schemas:
    NoteRequestBody:
      type: object
      required: [title]
      properties:
        title: {type: string}
        text: {type: string}
    EntityModelNote:
      type: object
      properties:
        title: {type: string}
        text: {type: string}
        _links: {$ref: '#/components/schemas/Links'}
    PagedModelEntityModelNote:
      type: object
      properties:
        _embedded: {type: object, properties: {notes: {type: array, items: {$ref: '#/components/schemas/EntityModelNote'}}}}
        _links: {$ref: '#/components/schemas/Links'}
    Links:
      type: object
      additionalProperties: {$ref: '#/components/schemas/Link'}
    Link:
      type: object
      properties:
        href: {type: string}
        templated: {type: boolean}
  securitySchemes:
    bearer-jwt: {type: http, scheme: bearer, bearerFormat: JWT}
`

// ---- Juice Shop-like ----

const rbAdminToken = "tok-admin-5555555555"

// rbJuice is a shop: products only the admin creates, a product update
// mounted without any middleware (Juice Shop's PUT /api/Products/:id),
// reviews under products. fixed mounts the update behind the admin check.
type rbJuice struct {
	fixed bool
	// validateFirst mounts the body validation (celebrate/Joi) before
	// the auth middleware on the update, as many Express apps do.
	validateFirst bool

	mu       sync.Mutex
	next     int
	products map[string]map[string]any
	reviews  map[string]map[string]any
}

func newRBJuice(fixed bool) *rbJuice {
	return &rbJuice{fixed: fixed, next: 100,
		products: map[string]map[string]any{"1": {"id": 1, "name": "Apple Juice (1000ml)", "price": 1.99}},
		reviews:  map[string]map[string]any{}}
}

func (a *rbJuice) who(r *http.Request) (string, bool) {
	if r.Header.Get("Authorization") == "Bearer "+rbAdminToken {
		return "admin", true
	}
	return rbCaller(r), false
}

func (a *rbJuice) handler() http.Handler {
	mux := http.NewServeMux()
	auth := func(admin bool, h http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			me, isAdmin := a.who(r)
			switch {
			case me == "":
				writeJSON(w, 401, map[string]string{"error": "No Authorization header was found"})
			case admin && !isAdmin:
				writeJSON(w, 403, map[string]string{"error": "Forbidden"})
			default:
				h(w, r)
			}
		}
	}
	mux.HandleFunc("GET /rest/user/whoami", auth(false, func(w http.ResponseWriter, r *http.Request) {
		me, _ := a.who(r)
		writeJSON(w, 200, map[string]any{"user": map[string]any{"id": me, "email": me + "@juice-sh.op"}})
	}))
	mux.HandleFunc("GET /api/Products/{id}", func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		defer a.mu.Unlock()
		p, ok := a.products[r.PathValue("id")]
		if !ok {
			writeJSON(w, 404, map[string]string{"status": "error", "message": "Not found"})
			return
		}
		writeJSON(w, 200, map[string]any{"status": "success", "data": p})
	})
	mux.HandleFunc("POST /api/Products", auth(true, func(w http.ResponseWriter, r *http.Request) {
		v, ok := decode(w, r)
		if !ok {
			return
		}
		a.mu.Lock()
		defer a.mu.Unlock()
		a.next++
		v["id"] = a.next
		a.products[strconv.Itoa(a.next)] = v
		writeJSON(w, 201, map[string]any{"status": "success", "data": v})
	}))
	update := func(w http.ResponseWriter, r *http.Request) {
		v, ok := decode(w, r)
		if !ok {
			return
		}
		a.mu.Lock()
		defer a.mu.Unlock()
		p, exists := a.products[r.PathValue("id")]
		if !exists {
			writeJSON(w, 404, map[string]string{"status": "error", "message": "Not found"})
			return
		}
		for k, x := range v {
			if k != "id" {
				p[k] = x
			}
		}
		writeJSON(w, 200, map[string]any{"status": "success", "data": p})
	}
	validate := func(next http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			var v map[string]any
			if json.Unmarshal(body, &v) != nil || v == nil {
				writeJSON(w, 400, map[string]any{"statusCode": 400, "error": "Bad Request", "message": "Validation failed", "validation": map[string]any{"body": map[string]any{"source": "body", "keys": []string{""}, "message": "\"value\" must be of type object"}}})
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			next(w, r)
		}
	}
	switch {
	case a.fixed && a.validateFirst:
		mux.HandleFunc("PUT /api/Products/{id}", validate(auth(true, update)))
	case a.fixed:
		mux.HandleFunc("PUT /api/Products/{id}", auth(true, update))
	default:
		mux.HandleFunc("PUT /api/Products/{id}", update)
	}
	mux.HandleFunc("DELETE /api/Products/{id}", auth(true, func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		defer a.mu.Unlock()
		if _, ok := a.products[r.PathValue("id")]; !ok {
			writeJSON(w, 404, map[string]string{"status": "error", "message": "Not found"})
			return
		}
		delete(a.products, r.PathValue("id"))
		w.WriteHeader(204)
	}))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { notFound(w) })
	return mux
}

// rbJuiceSpec describes the shop as a hand-written description would:
// reads public, writes behind bearer tokens.
const rbJuiceSpec = `openapi: 3.0.0
info: {title: Juice Shop API, version: 1.0.0}
components:
  securitySchemes:
    bearerAuth: {type: http, scheme: bearer}
  schemas:
    Product:
      type: object
      required: [name, price]
      properties:
        id: {type: integer, readOnly: true}
        name: {type: string}
        description: {type: string}
        price: {type: number}
security: [{bearerAuth: []}]
paths:
  /rest/user/whoami:
    get: {responses: {'200': {description: ok}}}
  /api/Products:
    post:
      tags: [Products]
      requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/Product'}}}}
      responses: {'201': {description: created}}
  /api/Products/{id}:
    parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
    get:
      tags: [Products]
      security: []
      responses: {'200': {description: ok}}
    put:
      tags: [Products]
      requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/Product'}}}}
      responses: {'200': {description: ok}}
    delete:
      tags: [Products]
      responses: {'204': {description: deleted}}
`

// rbJuiceScan scans the shop with alice, bob and the admin.
func rbJuiceScan(t *testing.T, api *rbJuice) *scanner.Result {
	return rbScan(t, api.handler(), rbJuiceSpec, "Bearer", func(o *scanner.Options) {
		o.Admin = scanner.NewIdentity("admin", []scanner.Header{{Name: "Authorization", Value: "Bearer " + rbAdminToken}})
		o.Admin.Role = scanner.RoleAdmin
		o.Identities = append(o.Identities, o.Admin)
	})
}

// TestReview11BJuiceProductUpdateWithAdmin: Juice Shop's PUT
// /api/Products/{id} has no middleware at all; products only the admin
// creates. With an admin identity the scan does create a product (write
// BFLA does, as the admin), yet authn-missing never uses it: it tries
// the primary's create only, falls back to the probe and reports medium
// with "the scan could not create" a real object. The proven anonymous
// write is instead reported as bfla-privilege-escalation high ("alice, a
// regular user, sent it"), although anonymous callers can send it too:
// one root cause, reported by the wrong rule (bola-cross-user-write
// defers to authn-missing in exactly this case). Want authn-missing high
// on the PUT, and no bfla finding on it.
func TestReview11BJuiceProductUpdateWithAdmin(t *testing.T) {
	res := rbJuiceScan(t, newRBJuice(false))
	var authn, bfla []string
	for _, f := range res.Findings {
		if f.Method != "PUT" || f.Path != "/api/Products/{id}" {
			continue
		}
		switch f.Rule {
		case "authn-missing":
			authn = append(authn, f.Confidence.String())
		case "bfla-privilege-escalation":
			bfla = append(bfla, f.Confidence.String())
		}
	}
	if !slices.Equal(authn, []string{"high"}) {
		t.Errorf("authn-missing on PUT /api/Products/{id}: %q, want one high (proven on the product the admin created)", authn)
	}
	if len(bfla) != 0 {
		t.Errorf("bfla-privilege-escalation on PUT /api/Products/{id}: %q, want none: anonymous callers can send it, which is authn-missing's finding", bfla)
	}
	if got := rbSerious(rbJuiceScan(t, newRBJuice(true)).Findings); len(got) != 0 {
		t.Errorf("fixed twin: %q", got)
	}
}

// ---- VAmPI-like ----

// rbVampi is VAmPI's user API: registration, login with a token in
// auth_token, /me, and per-user email and password changes by username.
// vuln: the registration takes "admin" from the body, and the password
// change acts on the username in the path, not the caller.
type rbVampi struct {
	vuln bool
	// emailOptional lets a registration without an e-mail in.
	emailOptional bool

	mu     sync.Mutex
	users  map[string]map[string]any // username -> {username, email, password, admin}
	tokens map[string]string         // token -> username
	n      int
}

func newRBVampi(vuln bool) *rbVampi {
	return &rbVampi{vuln: vuln,
		users: map[string]map[string]any{
			"alice": {"username": "alice", "email": "alice@example.com", "password": "alice-Passw0rd!", "admin": false},
			"bob":   {"username": "bob", "email": "bob@example.com", "password": "bob-Passw0rd!", "admin": false},
		},
		tokens: map[string]string{aliceToken: "alice", bobToken: "bob"}}
}

func (a *rbVampi) handler() http.Handler {
	mux := http.NewServeMux()
	me := func(r *http.Request) string {
		return a.tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
	}
	lock := func(h http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			a.mu.Lock()
			defer a.mu.Unlock()
			h(w, r)
		}
	}
	signed := func(h func(w http.ResponseWriter, r *http.Request, me string)) http.HandlerFunc {
		return lock(func(w http.ResponseWriter, r *http.Request) {
			m := me(r)
			if m == "" {
				writeJSON(w, 401, map[string]string{"status": "fail", "message": "Invalid token. Please log in again."})
				return
			}
			h(w, r, m)
		})
	}
	public := func(u map[string]any) map[string]any {
		return map[string]any{"username": u["username"], "email": u["email"], "admin": u["admin"]}
	}
	mux.HandleFunc("POST /users/v1/register", lock(func(w http.ResponseWriter, r *http.Request) {
		v, ok := decode(w, r)
		if !ok {
			return
		}
		name, _ := v["username"].(string)
		pw, _ := v["password"].(string)
		email, _ := v["email"].(string)
		for _, f := range []struct{ k, v string }{{"username", name}, {"password", pw}, {"email", email}} {
			if f.v == "" && !(f.k == "email" && a.emailOptional) {
				writeJSON(w, 400, map[string]string{"status": "fail", "message": "'" + f.k + "' is a required property"})
				return
			}
		}
		if _, taken := a.users[name]; taken {
			writeJSON(w, 200, map[string]string{"status": "fail", "message": "User already exists. Please Log in."})
			return
		}
		admin := false
		if b, ok := v["admin"].(bool); ok && a.vuln {
			admin = b
		}
		a.users[name] = map[string]any{"username": name, "email": email, "password": pw, "admin": admin}
		writeJSON(w, 200, map[string]string{"status": "success", "message": "Successfully registered. Login to receive an auth token."})
	}))
	mux.HandleFunc("POST /users/v1/login", lock(func(w http.ResponseWriter, r *http.Request) {
		v, ok := decode(w, r)
		if !ok {
			return
		}
		name, _ := v["username"].(string)
		u, exists := a.users[name]
		if !exists || u["password"] != v["password"] {
			writeJSON(w, 200, map[string]string{"status": "fail", "message": "Password is not correct for the given username."})
			return
		}
		a.n++
		tok := fmt.Sprintf("vampi-token-%s-%d", name, a.n)
		a.tokens[tok] = name
		writeJSON(w, 200, map[string]string{"auth_token": tok, "message": "Successfully logged in.", "status": "success"})
	}))
	mux.HandleFunc("GET /me", signed(func(w http.ResponseWriter, r *http.Request, me string) {
		writeJSON(w, 200, map[string]any{"data": public(a.users[me]), "status": "success"})
	}))
	mux.HandleFunc("GET /users/v1/{username}", signed(func(w http.ResponseWriter, r *http.Request, me string) {
		u, ok := a.users[r.PathValue("username")]
		if !ok {
			writeJSON(w, 404, map[string]string{"status": "fail", "message": "User not found"})
			return
		}
		writeJSON(w, 200, map[string]any{"username": u["username"], "email": u["email"]})
	}))
	mux.HandleFunc("PUT /users/v1/{username}/password", signed(func(w http.ResponseWriter, r *http.Request, me string) {
		v, ok := decode(w, r)
		if !ok {
			return
		}
		target := me
		if a.vuln {
			target = r.PathValue("username")
		}
		u, exists := a.users[target]
		pw, _ := v["password"].(string)
		if !exists || pw == "" {
			writeJSON(w, 400, map[string]string{"status": "fail", "message": "Malformed Data"})
			return
		}
		u["password"] = pw
		w.WriteHeader(204)
	}))
	mux.HandleFunc("DELETE /users/v1/{username}", signed(func(w http.ResponseWriter, r *http.Request, me string) {
		if r.PathValue("username") != me && a.users[me]["admin"] != true {
			writeJSON(w, 401, map[string]string{"status": "fail", "message": "Only Admins may delete users!"})
			return
		}
		delete(a.users, r.PathValue("username"))
		writeJSON(w, 200, map[string]string{"status": "success", "message": "User deleted."})
	}))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { notFound(w) })
	return mux
}

// rbVampiSpec follows VAmPI's openapi3.yml.
const rbVampiSpec = `openapi: 3.0.1
info: {title: VAmPI, description: OpenAPI v3 specs for VAmPI, version: '0.1'}
servers: [{url: 'http://127.0.0.1:5000'}]
paths:
  /me:
    get:
      tags: [users]
      summary: Retrieves currently logged in user
      operationId: api_views.users.me
      security: [{bearerAuth: []}]
      responses:
        '200':
          description: Display user info
          content:
            application/json:
              schema:
                type: object
                properties:
                  data:
                    type: object
                    properties:
                      admin: {type: boolean, example: false}
                      email: {type: string, example: mail1@mail.com}
                      username: {type: string, example: name1}
                  status: {type: string, enum: [success], example: success}
  /users/v1/register:
    post:
      tags: [users]
      summary: Register new user
      operationId: api_views.users.register_user
      requestBody:
        description: Username of the user
        content:
          application/json:
            schema:
              type: object
              properties:
                username: {type: string, example: John.Doe}
                password: {type: string, example: password123}
                email: {type: string, example: user@tempmail.com}
        required: true
      responses:
        '200': {description: Sucessfully created user}
  /users/v1/login:
    post:
      tags: [users]
      summary: Login to VAmPI
      operationId: api_views.users.login_user
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                username: {type: string, example: John.Doe}
                password: {type: string, example: password123}
        required: true
      responses:
        '200': {description: Sucessfully logged in user}
  /users/v1/{username}:
    get:
      tags: [users]
      summary: Retrieves user by username
      operationId: api_views.users.get_by_username
      security: [{bearerAuth: []}]
      parameters:
      - {name: username, in: path, required: true, schema: {type: string, example: name1}}
      responses: {'200': {description: Display user based on username}}
    delete:
      tags: [users]
      summary: Deletes user by username (Only Admins)
      operationId: api_views.users.delete_user
      security: [{bearerAuth: []}]
      parameters:
      - {name: username, in: path, required: true, schema: {type: string, example: name1}}
      responses: {'200': {description: Sucessfully deleted user}}
  /users/v1/{username}/password:
    put:
      tags: [users]
      summary: Update users password
      operationId: api_views.users.update_password
      security: [{bearerAuth: []}]
      parameters:
      - {name: username, in: path, required: true, schema: {type: string, example: name1}}
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                password: {type: string, example: pass4}
        required: true
      responses: {'204': {description: Sucessfully updated users password}}
components:
  securitySchemes:
    bearerAuth: {type: http, scheme: bearer, bearerFormat: JWT}
`

// rbVampiAuto scans the VAmPI-like API with accounts of the scan's own
// and no credentials.
func rbVampiAuto(t *testing.T, api *rbVampi) *scanner.Result {
	return rbScan(t, api.handler(), rbVampiSpec, "Bearer", func(o *scanner.Options) {
		o.Primary, o.Peer, o.AutoAccounts = nil, nil, true
	})
}

// rbRealAccountsIntact reports whether alice's and bob's accounts, which
// existed before the scan, are as they were.
func (a *rbVampi) realAccountsIntact() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.users["alice"]["password"] == "alice-Passw0rd!" && a.users["bob"]["password"] == "bob-Passw0rd!" &&
		a.users["alice"]["admin"] == false && a.users["bob"]["admin"] == false
}

// TestReview11BVampiRegistrationMassAssignment: VAmPI's registration
// takes {username, password, email} and, when vulnerable, "admin" from
// the body; /me shows admin. mass-assignment builds its registration body
// from the login body only (username, password), never from the
// registration's own schema, so the registration answers 400 "'email' is
// a required property" and the rule reports not run — while the scan's
// own accounts, registered through the same operation with the schema's
// fields, got in. The issue's motivating case (admin: true on
// registration) is missed. Want mass-assignment on POST
// /users/v1/register, and nothing on the fixed twin.
func TestReview11BVampiRegistrationMassAssignment(t *testing.T) {
	api := newRBVampi(true)
	res := rbVampiAuto(t, api)
	if got := rbSerious(res.Findings); !slices.Contains(got, "mass-assignment POST /users/v1/register") {
		rc := rbCoverage(res, "mass-assignment")
		t.Errorf("got %q (mass-assignment %s: %s), want mass-assignment on POST /users/v1/register", got, rc.Status, rc.Reason)
	}
	if !api.realAccountsIntact() {
		t.Errorf("alice's or bob's account changed")
	}
	fixed := newRBVampi(false)
	if got := rbSerious(rbVampiAuto(t, fixed).Findings); slices.Contains(got, "mass-assignment POST /users/v1/register") {
		t.Errorf("fixed twin: %q", got)
	}
}

// TestReview11BVampiPasswordOfAnotherUser: PUT
// /users/v1/{username}/password changes the password of the user the
// path names, not the caller's (VAmPI). With accounts of its own
// (--auto-accounts) the scan owns both the victim and the attacker, so
// the attacker can change the victim's password and the victim's login
// with it proves it, touching no real account. No write rule looks at the
// operation (its last segment is no id, and it is no object's item), and
// no rule's coverage names it: one of the issue's motivating misses
// passes silently. Want a bola-cross-user-write finding on it, alice's
// and bob's passwords untouched, and nothing on the fixed twin.
func TestReview11BVampiPasswordOfAnotherUser(t *testing.T) {
	api := newRBVampi(true)
	res := rbVampiAuto(t, api)
	if got := rbSerious(res.Findings); !slices.Contains(got, "bola-cross-user-write PUT /users/v1/{username}/password") {
		t.Errorf("got %q, want bola-cross-user-write on PUT /users/v1/{username}/password", got)
	}
	if !api.realAccountsIntact() {
		t.Errorf("alice's or bob's account changed")
	}
	fixed := newRBVampi(false)
	if got := rbSerious(rbVampiAuto(t, fixed).Findings); slices.Contains(got, "bola-cross-user-write PUT /users/v1/{username}/password") {
		t.Errorf("fixed twin: %q", got)
	}
}

// TestReview11BAutoAccountsVersionedUserRoute: the accounts the scan
// registered can delete themselves with DELETE /users/v1/{username}. The
// clean-up reads the route's collection as "v1" (collectionOf takes the
// literal just before the parameter), so the route is not taken for an
// account deletion; the accounts are left and the report says "the API
// has no account deletion", which is false. (The account's key here is
// its name, which the scan chose itself.) Want both accounts deleted.
func TestReview11BAutoAccountsVersionedUserRoute(t *testing.T) {
	api := newRBVampi(false)
	res := rbVampiAuto(t, api)
	wc := res.Coverage.Writes
	if wc == nil {
		t.Fatalf("no writes coverage: the scan registered no account")
	}
	for _, c := range wc.Created {
		if c.Kind == "account" && !c.Deleted {
			t.Errorf("account %s left: %s", c.Item, c.Reason)
		}
	}
	api.mu.Lock()
	n := len(api.users)
	api.mu.Unlock()
	if n != 2 {
		t.Errorf("%d accounts on the target after the scan, want the 2 that were there before", n)
	}
}

// TestReview11BTeamNotesByOrganisation: alice and bob belong to one
// organisation (both /me answers say orgId 7); its members list, read and
// edit each other's notes by design, and a note carries the
// organisation's id, not its members' names (the usual multi-tenant
// shape). bola-cross-user-write reports bob's PUT, PATCH and DELETE at
// high confidence: sharedByDesign only lowers it when the note names the
// peer or lives under a configured parent, and ignores that bob's own
// list shows alice's note and that the note carries the organisation
// bob's /me names. A false positive on a correct API. Want nothing of
// medium or above; the same API with bob in another organisation and no
// owner check stays found.
func TestReview11BTeamNotesByOrganisation(t *testing.T) {
	api := newRBAPI(rbDRF, rbFlaws{team: true})
	if got := rbSerious(rbScan(t, api.handler(), rbDRFSpec, "Token", nil).Findings); len(got) != 0 {
		t.Errorf("team notes shared by design: %q, want nothing of medium or above", got)
	}
	other := newRBAPI(rbDRF, rbFlaws{team: true, anyOwner: rbAnyOwner.anyOwner})
	other.bobOrg = 8
	got := rbSerious(rbScan(t, other.handler(), rbDRFSpec, "Token", nil).Findings)
	if !slices.Contains(got, "bola-cross-user-write PUT /api/notes/{id}/") {
		t.Errorf("bob of another organisation writes alice's notes: %q, want bola-cross-user-write on the PUT", got)
	}
}

// ---- Two users who log in, notes under the user's own path ----

// rbUserNotes serves notes under /api/users/{userId}/notes. Logins
// answer the token and the user's id. vuln: the note routes check the
// token, then trust the userId in the path (the classic BOLA); openDelete:
// the DELETE is mounted outside the auth middleware.
type rbUserNotes struct {
	vuln, openDelete bool

	mu    sync.Mutex
	next  int
	notes map[string]map[string]any // id -> note with "user"
}

func newRBUserNotes(vuln, openDelete bool) *rbUserNotes {
	return &rbUserNotes{vuln: vuln, openDelete: openDelete, next: 1,
		notes: map[string]map[string]any{"1": {"id": 1, "user": "1001", "title": "alice's diary"}}}
}

func (a *rbUserNotes) handler() http.Handler {
	mux := http.NewServeMux()
	tokens := map[string]string{"alice": aliceToken, "bob": bobToken}
	ids := map[string]string{"alice": "1001", "bob": "1002"}
	mux.HandleFunc("POST /api/login", func(w http.ResponseWriter, r *http.Request) {
		v, ok := decode(w, r)
		if !ok {
			return
		}
		name, _ := v["username"].(string)
		if tokens[name] == "" || v["password"] != "correct horse" {
			writeJSON(w, 401, map[string]string{"error": "invalid credentials"})
			return
		}
		writeJSON(w, 200, map[string]any{"token": tokens[name], "user": map[string]any{"id": ids[name], "username": name}})
	})
	auth := func(h func(w http.ResponseWriter, r *http.Request, me string)) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			me := caller(r)
			if me == "" {
				unauthorized(w)
				return
			}
			a.mu.Lock()
			defer a.mu.Unlock()
			h(w, r, me)
		}
	}
	// mayAct: the path's user must be the caller, unless vulnerable.
	mayAct := func(r *http.Request, me string) bool { return a.vuln || r.PathValue("userId") == me }
	note := func(w http.ResponseWriter, r *http.Request) map[string]any {
		n, ok := a.notes[r.PathValue("noteId")]
		if !ok || n["user"] != r.PathValue("userId") {
			notFound(w)
			return nil
		}
		return n
	}
	mux.HandleFunc("POST /api/users/{userId}/notes", auth(func(w http.ResponseWriter, r *http.Request, me string) {
		if !mayAct(r, me) {
			writeJSON(w, 403, map[string]string{"error": "forbidden"})
			return
		}
		v, ok := decode(w, r)
		if !ok {
			return
		}
		a.next++
		n := map[string]any{"id": a.next, "user": r.PathValue("userId"), "title": v["title"]}
		a.notes[strconv.Itoa(a.next)] = n
		writeJSON(w, 201, n)
	}))
	mux.HandleFunc("GET /api/users/{userId}/notes/{noteId}", auth(func(w http.ResponseWriter, r *http.Request, me string) {
		if !mayAct(r, me) {
			writeJSON(w, 403, map[string]string{"error": "forbidden"})
			return
		}
		if n := note(w, r); n != nil {
			writeJSON(w, 200, n)
		}
	}))
	mux.HandleFunc("PUT /api/users/{userId}/notes/{noteId}", auth(func(w http.ResponseWriter, r *http.Request, me string) {
		if !mayAct(r, me) {
			writeJSON(w, 403, map[string]string{"error": "forbidden"})
			return
		}
		n := note(w, r)
		if n == nil {
			return
		}
		if v, ok := decode(w, r); ok {
			n["title"] = v["title"]
			writeJSON(w, 200, n)
		}
	}))
	del := func(w http.ResponseWriter, r *http.Request) {
		if n := note(w, r); n != nil {
			delete(a.notes, r.PathValue("noteId"))
			w.WriteHeader(204)
		}
	}
	if a.openDelete {
		mux.HandleFunc("DELETE /api/users/{userId}/notes/{noteId}", func(w http.ResponseWriter, r *http.Request) {
			a.mu.Lock()
			defer a.mu.Unlock()
			del(w, r)
		})
	} else {
		mux.HandleFunc("DELETE /api/users/{userId}/notes/{noteId}", auth(func(w http.ResponseWriter, r *http.Request, me string) {
			if !mayAct(r, me) {
				writeJSON(w, 403, map[string]string{"error": "forbidden"})
				return
			}
			del(w, r)
		}))
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { notFound(w) })
	return mux
}

const rbUserNotesSpec = `openapi: 3.0.0
info: {title: notes, version: "1"}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
  schemas:
    Note:
      type: object
      required: [title]
      properties:
        id: {type: integer, readOnly: true}
        title: {type: string}
security: [{bearer: []}]
paths:
  /api/login:
    post:
      security: []
      requestBody: {content: {application/json: {schema: {type: object, required: [username, password], properties: {username: {type: string}, password: {type: string, format: password}}}}}}
      responses: {"200": {description: ok}}
  /api/users/{userId}/notes:
    parameters: [{name: userId, in: path, required: true, schema: {type: string}}]
    post:
      requestBody: {content: {application/json: {schema: {$ref: "#/components/schemas/Note"}}}}
      responses: {"201": {description: ok}}
  /api/users/{userId}/notes/{noteId}:
    parameters:
      - {name: userId, in: path, required: true, schema: {type: string}}
      - {name: noteId, in: path, required: true, schema: {type: integer}}
    get: {responses: {"200": {description: ok}}}
    put:
      requestBody: {content: {application/json: {schema: {$ref: "#/components/schemas/Note"}}}}
      responses: {"200": {description: ok}}
    delete: {responses: {"204": {description: ok}}}
`

// rbLoginIdentity logs in as username at POST /api/login.
func rbLoginIdentity(name, username string) *scanner.Identity {
	id := scanner.NewIdentity(name, nil)
	id.Login = &scanner.Login{Method: "POST", Path: "/api/login", Format: "json",
		Body:      map[string]any{"username": username, "password": "correct horse"},
		TokenFrom: "json", TokenName: "token", Send: "Authorization: Bearer {token}"}
	return id
}

func rbUserNotesScan(t *testing.T, api *rbUserNotes, pathValues map[string]string) *scanner.Result {
	return rbScan(t, api.handler(), rbUserNotesSpec, "Bearer", func(o *scanner.Options) {
		o.Primary, o.Peer = rbLoginIdentity("alice", "alice"), rbLoginIdentity("bob", "bob")
		o.Identities = append(o.Identities, o.Primary, o.Peer)
		o.PathValues = pathValues
	})
}

// rbWriteConfidence lists rule's findings on method path as confidences.
func rbWriteConfidence(fs []finding.Finding, rule, method, path string) []string {
	var out []string
	for _, f := range fs {
		if f.Rule == rule && f.Method == method && f.Path == path {
			out = append(out, f.Confidence.String())
		}
	}
	return out
}

// TestReview11BNotesUnderOwnUserID: notes live under the user's own
// path (/api/users/{userId}/notes), and each login answers the user's id
// ({"token": ..., "user": {"id": "1001"}}), which the scan harvests. The
// vulnerable twin checks the token, then trusts the userId in the path.
// Without pathValues the write engine finds no parent kind to create and
// gives up ("needs a parent (userId) the scan cannot create"), although
// the parent is the owner's own user record, whose id the scan learned at
// login: the classic BOLA on writes is not tested without configuration.
// Want bola-cross-user-write high on the PUT and the DELETE, nothing on the
// fixed twin, and alice's note that existed before the scan untouched.
func TestReview11BNotesUnderOwnUserID(t *testing.T) {
	const item = "/api/users/{userId}/notes/{noteId}"
	api := newRBUserNotes(true, false)
	fs := rbUserNotesScan(t, api, nil).Findings
	for _, m := range []string{"PUT", "DELETE"} {
		if got := rbWriteConfidence(fs, "bola-cross-user-write", m, item); !slices.Equal(got, []string{"high"}) {
			t.Errorf("bola-cross-user-write %s %s: %q, want one high", m, item, got)
		}
	}
	api.mu.Lock()
	seed := api.notes["1"]
	api.mu.Unlock()
	if seed == nil || seed["title"] != "alice's diary" {
		t.Errorf("alice's note that existed before the scan changed: %v", seed)
	}
	if got := rbSerious(rbUserNotesScan(t, newRBUserNotes(false, false), nil).Findings); len(got) != 0 {
		t.Errorf("fixed twin: %q", got)
	}
}

// TestReview11BConfiguredOwnUserIDIsNoTeam: the same API scanned as the
// engine asks (pathValues: userId: "1001", alice's own id, which her login
// answered). Every object under a configured parent is then treated as
// possibly shared by design, so bob's proven PUT and DELETE on alice's
// notes come out low (shown, not scored, the gate passes), although the
// parent is alice's own user record, not a team: a user's own id is never
// a shared container. Want the vulnerable twin reported at medium or
// above.
func TestReview11BConfiguredOwnUserIDIsNoTeam(t *testing.T) {
	const item = "/api/users/{userId}/notes/{noteId}"
	fs := rbUserNotesScan(t, newRBUserNotes(true, false), map[string]string{"userId": "1001"}).Findings
	for _, m := range []string{"PUT", "DELETE"} {
		got := rbWriteConfidence(fs, "bola-cross-user-write", m, item)
		if !slices.Contains(got, "high") && !slices.Contains(got, "medium") {
			t.Errorf("bola-cross-user-write %s %s: %q, want medium or above", m, item, got)
		}
	}
}

// rbSignupSpec adds a sign-up, a login and the account's own routes to
// the Express description.
var rbSignupSpec = strings.Replace(rbExpressSpec, "paths:\n", `paths:
  /api/auth/register:
    post:
      tags: [Auth]
      security: []
      requestBody:
        required: true
        content: {application/json: {schema: {type: object, required: [email, password], properties: {email: {type: string, format: email}, password: {type: string, minLength: 8}, name: {type: string}}}}}
      responses: {201: {description: registered}}
  /api/auth/login:
    post:
      tags: [Auth]
      security: []
      requestBody:
        required: true
        content: {application/json: {schema: {type: object, required: [email, password], properties: {email: {type: string}, password: {type: string}}}}}
      responses: {200: {description: logged in}}
  /api/me:
    get:
      tags: [Auth]
      security: [{bearerAuth: []}]
      responses: {200: {description: me}}
    delete:
      tags: [Auth]
      security: [{bearerAuth: []}]
      responses: {204: {description: deleted}}
`, 1)

// TestReview11BWeakPasswordAccountLeft: with accounts of its own, an
// active scan on an API where an account deletes itself (DELETE /api/me)
// removes the accounts auto-accounts and mass-assignment registered, but
// weak-password-policy's account — registered with a weak password and
// logged in, so the scan holds its token — is only listed as "accounts
// cannot be deleted by the scan" and stays on the preview with a password
// from a top-10 list. Want every account the scan registered deleted.
func TestReview11BWeakPasswordAccountLeft(t *testing.T) {
	api := newRBAPI(rbExpress, rbFlaws{})
	res := rbScan(t, api.handler(), rbSignupSpec, "Bearer", func(o *scanner.Options) {
		o.Primary, o.Peer, o.AutoAccounts = nil, nil, true
	})
	if wc := res.Coverage.Writes; wc == nil || wc.Left != 0 {
		t.Errorf("writes coverage %+v, want nothing left", wc)
	}
	api.mu.Lock()
	defer api.mu.Unlock()
	for email, acct := range api.accounts {
		t.Errorf("account %s (password %v) left on the target", email, acct["password"])
	}
}

// rbDRFWritableOwner is what drf-spectacular generates for a serializer
// whose owner is a writable primary key.
var rbDRFWritableOwner = strings.NewReplacer(
	"        owner: {type: string, readOnly: true}\n", "        owner: {type: integer}\n",
	"      required: [title]\n", "      required: [title]\n",
	"        title: {type: string, minLength: 1, maxLength: 200}\n        text: {type: string}\n      required: [title]",
	"        title: {type: string, minLength: 1, maxLength: 200}\n        text: {type: string}\n        owner: {type: integer}\n      required: [title]",
).Replace(rbDRFSpec)

// TestReview11BOwnerForeignKey: a DRF serializer whose owner is a
// writable primary key (the description says owner: integer, writable)
// lets the caller create a note in another user's name. mass-assignment
// sends owner as a seeded number no user has (994827921), which every API
// that validates the foreign key refuses (400 "Invalid pk ... does not
// exist"), so the ownership check can never stick on Django, Rails,
// Sequelize or Prisma; the coverage still says the rule ran. The peer's
// own id, which the scan knows (bob's /api/auth/user/ answered it), is the
// value that shows the flaw. Want mass-assignment on POST /api/notes/,
// nothing left on the target, and nothing on the fixed twin (owner
// read-only).
func TestReview11BOwnerForeignKey(t *testing.T) {
	api := newRBAPI(rbDRF, rbFlaws{ownerFromBody: true})
	res := rbScan(t, api.handler(), rbDRFWritableOwner, "Token", nil)
	if got := rbSerious(res.Findings); !slices.Contains(got, "mass-assignment POST /api/notes/") {
		rc := rbCoverage(res, "mass-assignment")
		t.Errorf("got %q (mass-assignment %s %s), want mass-assignment on POST /api/notes/", got, rc.Status, rc.Reason)
	}
	if n := api.left(); n != 0 {
		t.Errorf("%d notes left on the target", n)
	}
	if !api.seedIntact() {
		t.Errorf("alice's note that existed before the scan changed")
	}
	fixed := newRBAPI(rbDRF, rbFlaws{})
	if got := rbSerious(rbScan(t, fixed.handler(), rbDRFSpec, "Token", nil).Findings); len(got) != 0 {
		t.Errorf("fixed twin: %q", got)
	}
}

// ---- Nested member-add with a real user reference ----

// rbProjects serves projects and their members; a member names an
// existing user by id (the usual shape: {"userId": 1002, "role":
// "editor"}). vuln: adding a member checks the token, not that the caller
// owns the project.
type rbProjects struct {
	vuln bool

	mu       sync.Mutex
	next     int
	projects map[string]map[string]any
	members  map[string]map[string]any
}

func newRBProjects(vuln bool) *rbProjects {
	return &rbProjects{vuln: vuln, next: 10,
		projects: map[string]map[string]any{"1": {"id": 1, "name": "alice's plans", "owner": "1001"}},
		members:  map[string]map[string]any{}}
}

func (a *rbProjects) handler() http.Handler {
	mux := http.NewServeMux()
	auth := func(h func(w http.ResponseWriter, r *http.Request, me string)) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			me := caller(r)
			if me == "" {
				unauthorized(w)
				return
			}
			a.mu.Lock()
			defer a.mu.Unlock()
			h(w, r, me)
		}
	}
	// visible: owners and members see a project and its members.
	visible := func(pid, me string) bool {
		p, ok := a.projects[pid]
		if !ok {
			return false
		}
		if p["owner"] == me {
			return true
		}
		for _, m := range a.members {
			if m["projectId"] == pid && fmt.Sprint(m["userId"]) == me {
				return true
			}
		}
		return false
	}
	mux.HandleFunc("GET /api/me", auth(func(w http.ResponseWriter, r *http.Request, me string) { writeJSON(w, 200, users[me]) }))
	mux.HandleFunc("POST /api/projects", auth(func(w http.ResponseWriter, r *http.Request, me string) {
		v, ok := decode(w, r)
		if !ok {
			return
		}
		a.next++
		p := map[string]any{"id": a.next, "name": v["name"], "owner": me}
		a.projects[strconv.Itoa(a.next)] = p
		writeJSON(w, 201, p)
	}))
	mux.HandleFunc("GET /api/projects/{projectId}", auth(func(w http.ResponseWriter, r *http.Request, me string) {
		if !visible(r.PathValue("projectId"), me) {
			notFound(w)
			return
		}
		writeJSON(w, 200, a.projects[r.PathValue("projectId")])
	}))
	mux.HandleFunc("DELETE /api/projects/{projectId}", auth(func(w http.ResponseWriter, r *http.Request, me string) {
		p, ok := a.projects[r.PathValue("projectId")]
		if !ok || p["owner"] != me {
			notFound(w)
			return
		}
		delete(a.projects, r.PathValue("projectId"))
		w.WriteHeader(204)
	}))
	mux.HandleFunc("POST /api/projects/{projectId}/members", auth(func(w http.ResponseWriter, r *http.Request, me string) {
		pid := r.PathValue("projectId")
		p, ok := a.projects[pid]
		if !ok || (!a.vuln && p["owner"] != me) {
			notFound(w)
			return
		}
		v, ok := decode(w, r)
		if !ok {
			return
		}
		uid := fmt.Sprint(v["userId"])
		if _, exists := users[uid]; !exists {
			writeJSON(w, 422, map[string]any{"errors": map[string][]string{"userId": {"does not exist"}}})
			return
		}
		a.next++
		m := map[string]any{"id": a.next, "projectId": pid, "userId": v["userId"], "role": v["role"]}
		a.members[strconv.Itoa(a.next)] = m
		writeJSON(w, 201, m)
	}))
	mux.HandleFunc("GET /api/projects/{projectId}/members/{memberId}", auth(func(w http.ResponseWriter, r *http.Request, me string) {
		m, ok := a.members[r.PathValue("memberId")]
		if !ok || m["projectId"] != r.PathValue("projectId") || !visible(r.PathValue("projectId"), me) {
			notFound(w)
			return
		}
		writeJSON(w, 200, m)
	}))
	mux.HandleFunc("DELETE /api/projects/{projectId}/members/{memberId}", auth(func(w http.ResponseWriter, r *http.Request, me string) {
		m, ok := a.members[r.PathValue("memberId")]
		p := a.projects[r.PathValue("projectId")]
		if !ok || p == nil || m["projectId"] != r.PathValue("projectId") || (p["owner"] != me && fmt.Sprint(m["userId"]) != me) {
			notFound(w)
			return
		}
		delete(a.members, r.PathValue("memberId"))
		w.WriteHeader(204)
	}))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { notFound(w) })
	return mux
}

const rbProjectsSpec = `openapi: 3.0.0
info: {title: projects, version: "1"}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
security: [{bearer: []}]
paths:
  /api/me:
    get: {responses: {"200": {description: ok}}}
  /api/projects:
    post:
      requestBody: {content: {application/json: {schema: {type: object, required: [name], properties: {name: {type: string}}}}}}
      responses: {"201": {description: ok}}
  /api/projects/{projectId}:
    parameters: [{name: projectId, in: path, required: true, schema: {type: integer}}]
    get: {responses: {"200": {description: ok}}}
    delete: {responses: {"204": {description: ok}}}
  /api/projects/{projectId}/members:
    parameters: [{name: projectId, in: path, required: true, schema: {type: integer}}]
    post:
      requestBody:
        content:
          application/json:
            schema:
              type: object
              required: [userId, role]
              properties:
                userId: {type: integer, description: the user to add}
                role: {type: string, enum: [viewer, editor]}
      responses: {"201": {description: ok}, "422": {description: unknown user}}
  /api/projects/{projectId}/members/{memberId}:
    parameters:
      - {name: projectId, in: path, required: true, schema: {type: integer}}
      - {name: memberId, in: path, required: true, schema: {type: integer}}
    get: {responses: {"200": {description: ok}}}
    delete: {responses: {"204": {description: ok}}}
`

// TestReview11BMemberAddNamesRealUser: the issue's nested member-add
// route, shaped as real ones are: the body names an existing user
// ({"userId": ..., "role": "viewer"}), and the vulnerable twin lets any
// signed-in user add members to any project. The create body is generated
// from the schema (userId 1, a user that does not exist), so every add —
// the owner's own and the peer's attack — is refused with 422 "does not
// exist", and bob adding himself to alice's project is never tried,
// though the scan knows his id (his /api/me answered it). Want
// bola-cross-user-write on POST /api/projects/{projectId}/members, nothing
// on the fixed twin, and alice's project that existed before untouched.
func TestReview11BMemberAddNamesRealUser(t *testing.T) {
	api := newRBProjects(true)
	res := rbScan(t, api.handler(), rbProjectsSpec, "Bearer", nil)
	if got := rbSerious(res.Findings); !slices.Contains(got, "bola-cross-user-write POST /api/projects/{projectId}/members") {
		rc := rbCoverage(res, "bola-cross-user-write")
		t.Errorf("got %q (bola-cross-user-write %s: %s), want it on POST /api/projects/{projectId}/members", got, rc.Status, rc.Reason)
	}
	api.mu.Lock()
	for _, m := range api.members {
		if m["projectId"] == "1" {
			t.Errorf("a member was added to alice's project that existed before the scan: %v", m)
		}
	}
	api.mu.Unlock()
	if got := rbSerious(rbScan(t, newRBProjects(false).handler(), rbProjectsSpec, "Bearer", nil).Findings); len(got) != 0 {
		t.Errorf("fixed twin: %q", got)
	}
}

// TestReview11BForeignUpdateTakesOwnership: the Express tutorial update
// (req.body.user = req.user.id; Note.findByIdAndUpdate(req.params.id,
// req.body)) finds the note by id alone and stamps the caller as its
// owner: bob's PUT on alice's note overwrites it and moves it to him.
// Alice's read-back then answers 404, so the marker is never seen in it
// and the rule reports nothing — although alice's note is gone for her
// and bob's read of the same id shows his marker. Want
// bola-cross-user-write on the PUT; the correct twin (owner checked)
// reports nothing.
func TestReview11BForeignUpdateTakesOwnership(t *testing.T) {
	api := newRBAPI(rbExpress, rbFlaws{anyOwner: map[string]bool{"PUT": true}, updateTakesOwner: true})
	got := rbSerious(rbScan(t, api.handler(), rbExpressSpecNoExample, "Bearer", nil).Findings)
	if !slices.Contains(got, "bola-cross-user-write PUT /api/notes/{id}") {
		t.Errorf("got %q, want bola-cross-user-write on PUT /api/notes/{id}", got)
	}
	fixed := newRBAPI(rbExpress, rbFlaws{updateTakesOwner: true})
	if got := rbSerious(rbScan(t, fixed.handler(), rbExpressSpecNoExample, "Bearer", nil).Findings); len(got) != 0 {
		t.Errorf("fixed twin: %q", got)
	}
}

// rbExpressSpecNoExample is the Express description without its
// object-level example (see TestReview11BObjectExampleSentVerbatim).
var rbExpressSpecNoExample = strings.Replace(rbExpressSpec, "      example: {_id: 65a1f0c2e4b0000000000001, title: Shopping, text: milk}\n", "", 1)

// TestReview11BDiscardedAtSoftDelete: Rails apps that keep deleted rows
// with the discard gem set discarded_at, and a controller that finds by
// id (Note.find) still answers the row. SoftDeleted knows deleted,
// isDeleted, removed, deletedAt/deleted_at/deletedOn and status
// "deleted", but not discarded_at, so bob's DELETE of alice's note is
// never seen as a delete, and the clean-up lists every note as left
// although each was discarded. Want bola-cross-user-write on the DELETE,
// and the notes the scan discarded not listed as left.
func TestReview11BDiscardedAtSoftDelete(t *testing.T) {
	api := newRBAPI(rbRails, rbFlaws{anyOwner: map[string]bool{"GET": true, "DELETE": true}, softDelete: "discarded_at"})
	res := rbScan(t, api.handler(), rbRailsSpec(true, true), "Bearer", nil)
	if got := rbSerious(res.Findings); !slices.Contains(got, "bola-cross-user-write DELETE /notes/{id}.json") {
		t.Errorf("got %q, want bola-cross-user-write on DELETE /notes/{id}.json", got)
	}
	if wc := res.Coverage.Writes; wc == nil || wc.Left != 0 {
		t.Errorf("writes coverage %+v: want every note the scan discarded counted as deleted", wc)
	}
}

// TestReview11BRailsLeftoverPath: when a Rails note cannot be deleted
// (the description has no DELETE), the report lists it for the API's
// owner to remove by hand — as /notes/2, not /notes/2.json, the route the
// scan itself used: itemPath rebuilds the path from segments whose
// parameter lost its format suffix. Want every leftover named by the path
// the scan used.
func TestReview11BRailsLeftoverPath(t *testing.T) {
	spec := rbRailsSpec(true, true)
	spec = spec[:strings.Index(spec, "    delete:\n      summary: delete note")]
	api := newRBAPI(rbRails, rbFlaws{})
	res := rbScan(t, api.handler(), spec, "Bearer", nil)
	wc := res.Coverage.Writes
	if wc == nil || len(wc.Created) == 0 {
		t.Fatalf("no object created")
	}
	for _, c := range wc.Created {
		if !strings.HasSuffix(c.Item, ".json") {
			t.Errorf("leftover listed as %q, want the path the scan used (/notes/<id>.json)", c.Item)
		}
	}
}

// TestReview11BBoardOwnUpdateReadFromList: a public board (every
// signed-in user lists every note; the description has no item GET, so
// read-backs fall back to the list), and an update on another's note is
// applied to the caller's own newest note — the issue's precision case
// "an API that applies a foreign id's write to the caller's own object".
// The owner's list read-back then shows the marker on bob's own note, and
// try() only asks whether the marker is anywhere in the list, not in
// alice's record: bob's PUT is reported as a high cross-user write on a
// correct API. Want nothing of medium or above, and alice's note that
// existed before the scan intact.
func TestReview11BBoardOwnUpdateReadFromList(t *testing.T) {
	spec := strings.Replace(rbDRFSpec, `    get:
      operationId: notes_retrieve
      parameters:
      - {in: path, name: id, schema: {type: integer}, description: A unique integer value identifying this note., required: true}
      tags: [notes]
      security: [{tokenAuth: []}, {cookieAuth: []}]
      responses:
        '200': {content: {application/json: {schema: {$ref: '#/components/schemas/Note'}}}, description: ''}
`, "", 1)
	if spec == rbDRFSpec {
		t.Fatalf("the item GET was not removed")
	}
	api := newRBAPI(rbDRF, rbFlaws{board: true, ownUpdate: true})
	api.notes["50"] = map[string]any{"id": 50, "title": "bob's list", "owner": "bob"}
	got := rbSerious(rbScan(t, api.handler(), spec, "Token", nil).Findings)
	if len(got) != 0 {
		t.Errorf("findings %q on a correct API, want none of medium or above", got)
	}
	if !api.seedIntact() {
		t.Errorf("alice's note that existed before the scan changed")
	}
}

// ---- Juice Shop reviews and registration ----

// rbJuiceReviews serves Juice Shop's reviews: PUT
// /rest/products/{id}/reviews creates one ({message, author}), GET lists
// a product's reviews publicly. vuln: the create has no auth middleware.
type rbJuiceReviews struct {
	vuln bool

	mu      sync.Mutex
	n       int
	reviews map[string][]map[string]any // product id -> reviews
}

func (a *rbJuiceReviews) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /rest/user/whoami", func(w http.ResponseWriter, r *http.Request) {
		me := caller(r)
		if me == "" {
			writeJSON(w, 401, map[string]string{"error": "No Authorization header was found"})
			return
		}
		writeJSON(w, 200, map[string]any{"user": users[me]})
	})
	mux.HandleFunc("GET /rest/products/{id}/reviews", func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		defer a.mu.Unlock()
		list := a.reviews[r.PathValue("id")]
		if list == nil {
			list = []map[string]any{}
		}
		writeJSON(w, 200, map[string]any{"status": "success", "data": list})
	})
	mux.HandleFunc("PUT /rest/products/{id}/reviews", func(w http.ResponseWriter, r *http.Request) {
		if !a.vuln && caller(r) == "" {
			writeJSON(w, 401, map[string]string{"error": "No Authorization header was found"})
			return
		}
		v, ok := decode(w, r)
		if !ok {
			return
		}
		a.mu.Lock()
		defer a.mu.Unlock()
		a.n++
		rev := map[string]any{"_id": fmt.Sprintf("rev%021d", a.n), "product": r.PathValue("id"), "message": v["message"], "author": v["author"], "likesCount": 0}
		a.reviews[r.PathValue("id")] = append(a.reviews[r.PathValue("id")], rev)
		writeJSON(w, 201, map[string]string{"status": "success"})
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { notFound(w) })
	return mux
}

const rbJuiceReviewsSpec = `openapi: 3.0.0
info: {title: Juice Shop API, version: 1.0.0}
components:
  securitySchemes:
    bearerAuth: {type: http, scheme: bearer}
security: [{bearerAuth: []}]
paths:
  /rest/user/whoami:
    get: {responses: {'200': {description: ok}}}
  /rest/products/{id}/reviews:
    parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
    get:
      security: []
      responses: {'200': {description: the product's reviews}}
    put:
      summary: Create a review for a product
      requestBody:
        content:
          application/json:
            schema: {type: object, required: [message, author], properties: {message: {type: string}, author: {type: string}}}
      responses: {'201': {description: created}}
`

// TestReview11BJuiceReviewCreateWithoutAuth: Juice Shop creates a
// product review with PUT /rest/products/{id}/reviews and no auth
// middleware — one of the issue's motivating misses. Products exist
// before the scan, so the scan is told which one to write under
// (pathValues: id: 1). The create is a PUT on the reviews collection, not
// a POST, so no write rule takes it for a create or an item write, and no
// rule's coverage names it: the miss persists, silently. Want
// authn-missing on PUT /rest/products/{id}/reviews (the anonymous review
// shows in the product's public list), and nothing on the fixed twin.
func TestReview11BJuiceReviewCreateWithoutAuth(t *testing.T) {
	scanIt := func(vuln bool) *scanner.Result {
		api := &rbJuiceReviews{vuln: vuln, reviews: map[string][]map[string]any{"1": {{"_id": "rev0", "message": "tasty", "author": "admin@juice-sh.op"}}}}
		return rbScan(t, api.handler(), rbJuiceReviewsSpec, "Bearer", func(o *scanner.Options) {
			o.PathValues = map[string]string{"id": "1"}
		})
	}
	res := scanIt(true)
	if got := rbSerious(res.Findings); !slices.Contains(got, "authn-missing PUT /rest/products/{id}/reviews") {
		rc := rbCoverage(res, "authn-missing")
		t.Errorf("got %q (authn-missing %s %s %v), want authn-missing on PUT /rest/products/{id}/reviews", got, rc.Status, rc.Reason, rc.Operations)
	}
	if got := rbSerious(scanIt(false).Findings); len(got) != 0 {
		t.Errorf("fixed twin: %q", got)
	}
}

// rbJuiceUsers is Juice Shop's registration and login: POST /api/Users
// answers the new user (with its role), the login answers a JWT whose
// claims carry the role, whoami shows no role. vuln: the registration
// takes role from the body (Juice Shop's "admin registration").
type rbJuiceUsers struct {
	vuln bool

	mu     sync.Mutex
	users  map[string]map[string]any // email -> user
	tokens map[string]string         // token -> email
	n      int
}

func newRBJuiceUsers(vuln bool) *rbJuiceUsers {
	return &rbJuiceUsers{vuln: vuln, n: 20, users: map[string]map[string]any{}, tokens: map[string]string{}}
}

// jwt is an HS256-shaped token carrying u's id, email and role.
func (a *rbJuiceUsers) jwt(u map[string]any) string {
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return strings.TrimRight(base64URL(b), "=")
	}
	sig := sha256.Sum256([]byte(fmt.Sprint(u["email"], a.n)))
	return enc(map[string]string{"alg": "HS256", "typ": "JWT"}) + "." +
		enc(map[string]any{"status": "success", "data": map[string]any{"id": u["id"], "email": u["email"], "role": u["role"]}, "iat": 1767000000}) + "." +
		strings.TrimRight(base64URL(sig[:]), "=")
}

func (a *rbJuiceUsers) handler() http.Handler {
	mux := http.NewServeMux()
	lock := func(h http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			a.mu.Lock()
			defer a.mu.Unlock()
			h(w, r)
		}
	}
	mux.HandleFunc("POST /api/Users", lock(func(w http.ResponseWriter, r *http.Request) {
		v, ok := decode(w, r)
		if !ok {
			return
		}
		email, _ := v["email"].(string)
		pw, _ := v["password"].(string)
		if email == "" || pw == "" {
			writeJSON(w, 400, map[string]string{"message": "email and password are required"})
			return
		}
		if _, taken := a.users[email]; taken {
			writeJSON(w, 400, map[string]any{"message": "Validation error", "errors": []map[string]string{{"field": "email", "message": "email must be unique"}}})
			return
		}
		role := "customer"
		if s, ok := v["role"].(string); ok && a.vuln {
			role = s
		}
		a.n++
		u := map[string]any{"id": a.n, "email": email, "password": pw, "role": role, "username": "", "deluxeToken": "", "isActive": true}
		a.users[email] = u
		writeJSON(w, 201, map[string]any{"status": "success", "data": map[string]any{"id": a.n, "email": email, "role": role, "username": "", "isActive": true}})
	}))
	mux.HandleFunc("POST /rest/user/login", lock(func(w http.ResponseWriter, r *http.Request) {
		v, ok := decode(w, r)
		if !ok {
			return
		}
		u, exists := a.users[fmt.Sprint(v["email"])]
		if !exists || u["password"] != v["password"] {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(401)
			fmt.Fprint(w, "Invalid email or password.")
			return
		}
		tok := a.jwt(u)
		a.tokens[tok] = fmt.Sprint(v["email"])
		writeJSON(w, 200, map[string]any{"authentication": map[string]any{"token": tok, "bid": 1, "umail": v["email"]}})
	}))
	mux.HandleFunc("GET /rest/user/whoami", lock(func(w http.ResponseWriter, r *http.Request) {
		email, ok := a.tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
		if !ok {
			writeJSON(w, 200, map[string]any{"user": map[string]any{}})
			return
		}
		u := a.users[email]
		writeJSON(w, 200, map[string]any{"user": map[string]any{"id": u["id"], "email": email, "lastLoginIp": "", "profileImage": "/assets/public/images/uploads/default.svg"}})
	}))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { notFound(w) })
	return mux
}

func base64URL(b []byte) string {
	const enc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	var sb strings.Builder
	for i := 0; i < len(b); i += 3 {
		var n uint32
		k := min(3, len(b)-i)
		for j := 0; j < 3; j++ {
			n <<= 8
			if j < k {
				n |= uint32(b[i+j])
			}
		}
		for j := 0; j < k+1; j++ {
			sb.WriteByte(enc[(n>>(18-6*j))&63])
		}
	}
	return sb.String()
}

const rbJuiceUsersSpec = `openapi: 3.0.0
info: {title: Juice Shop API, version: 1.0.0}
components:
  securitySchemes:
    bearerAuth: {type: http, scheme: bearer}
security: [{bearerAuth: []}]
paths:
  /api/Users:
    post:
      summary: Register a user
      security: []
      requestBody:
        content:
          application/json:
            schema:
              type: object
              required: [email, password]
              properties:
                email: {type: string, format: email}
                password: {type: string}
                passwordRepeat: {type: string}
      responses: {'201': {description: created}}
  /rest/user/login:
    post:
      security: []
      requestBody:
        content:
          application/json:
            schema: {type: object, required: [email, password], properties: {email: {type: string}, password: {type: string}}}
      responses: {'200': {description: logged in}}
  /rest/user/whoami:
    get: {responses: {'200': {description: the signed-in user}}}
`

// TestReview11BJuiceAdminRegistration: Juice Shop's registration takes
// role from the body; its whoami shows no role, but the login's token is
// a JWT whose claims carry it, and the registration answers the new
// user's role (customer for the control account). With the sign-up named
// (flows.register: POST /api/Users) mass-assignment registers an account
// with role "admin" — and the API makes it an admin — yet reports
// nothing: whoami cannot show the role, and neither the signed token's
// claims nor the answer compared with the control's are looked at. The
// rule says it ran, and an admin account the scan made stays on the
// preview unreported. Want mass-assignment on POST /api/Users, and
// nothing on the fixed twin.
func TestReview11BJuiceAdminRegistration(t *testing.T) {
	scanIt := func(api *rbJuiceUsers) *scanner.Result {
		return rbScan(t, api.handler(), rbJuiceUsersSpec, "Bearer", func(o *scanner.Options) {
			o.Primary, o.Peer, o.AutoAccounts = nil, nil, true
			o.Flows.Register = "POST /api/Users"
		})
	}
	api := newRBJuiceUsers(true)
	res := scanIt(api)
	admins := 0
	api.mu.Lock()
	for _, u := range api.users {
		if u["role"] == "admin" {
			admins++
		}
	}
	api.mu.Unlock()
	if admins == 0 {
		t.Fatalf("the scan registered no admin: the test does not reach the case")
	}
	if got := rbSerious(res.Findings); !slices.Contains(got, "mass-assignment POST /api/Users") {
		rc := rbCoverage(res, "mass-assignment")
		t.Errorf("%d admin account(s) made by the scan, findings %q (mass-assignment %s %s), want mass-assignment on POST /api/Users", admins, got, rc.Status, rc.Reason)
	}
	if got := rbSerious(scanIt(newRBJuiceUsers(false)).Findings); len(got) != 0 {
		t.Errorf("fixed twin: %q", got)
	}
}

// TestReview11BPublicUsersPostIsSignup: --auto-accounts on Juice Shop's
// shape, where the sign-up is the public POST /api/Users. The write
// engine itself takes a public POST /users for a sign-up (and keeps it
// out of the object kinds for that reason), but the account flows look
// only for "register"/"sign-up" in the path or operation id, so the scan
// registers no account and goes on without identities ("set
// flows.register"). Want the two accounts registered without
// configuration, as the engine's own rule implies.
func TestReview11BPublicUsersPostIsSignup(t *testing.T) {
	api := newRBJuiceUsers(false)
	res := rbScan(t, api.handler(), rbJuiceUsersSpec, "Bearer", func(o *scanner.Options) {
		o.Primary, o.Peer, o.AutoAccounts = nil, nil, true
	})
	api.mu.Lock()
	n := len(api.users)
	api.mu.Unlock()
	if n < 2 {
		var why []string
		for _, w := range res.Warnings {
			if strings.HasPrefix(w, "auto-accounts") {
				why = append(why, w)
			}
		}
		t.Errorf("%d accounts registered, want the victim and the attacker: %q", n, why)
	}
}

// TestReview11BValidationBeforeAuthProbe: a correct Express API whose
// update mounts the body validation (celebrate) before the auth
// middleware: any request with a malformed body is refused 400 first, any
// well-formed one without credentials 401. Products are created by the
// admin only, so the write rule probes the PUT without credentials with a
// body of the wrong JSON type, gets the validator's 400, and reports
// authn-missing at medium confidence (scored: the gate fails) on an API
// that refuses every anonymous write. One more probe with a well-formed
// body on the same id that cannot exist — just as harmless — would have
// answered 401. Want nothing of medium or above; the twin without
// authentication on the PUT stays found (medium, as the probe reports).
func TestReview11BValidationBeforeAuthProbe(t *testing.T) {
	api := newRBJuice(true)
	api.validateFirst = true
	if got := rbSerious(rbScan(t, api.handler(), rbJuiceSpec, "Bearer", nil).Findings); len(got) != 0 {
		t.Errorf("findings %q on an API that refuses every anonymous write", got)
	}
	if got := rbSerious(rbScan(t, newRBJuice(false).handler(), rbJuiceSpec, "Bearer", nil).Findings); !slices.Contains(got, "authn-missing PUT /api/Products/{id}") {
		t.Errorf("vulnerable twin: %q, want authn-missing on the PUT", got)
	}
}

// TestReview11BRealProfileNeverWritten: dj-rest-auth's PUT and PATCH
// /api/auth/user/ change the signed-in user; alice and bob are real
// accounts (not throw-away), so no write rule may send them.
func TestReview11BRealProfileNeverWritten(t *testing.T) {
	spec := strings.Replace(rbDRFSpec, `  /api/notes/:
`, `    patch:
      operationId: auth_user_partial_update
      tags: [auth]
      requestBody:
        content:
          application/json: {schema: {$ref: '#/components/schemas/PatchedUserDetailsRequest'}}
      security: [{tokenAuth: []}, {cookieAuth: []}]
      responses:
        '200': {content: {application/json: {schema: {$ref: '#/components/schemas/UserDetails'}}}, description: ''}
    put:
      operationId: auth_user_update
      tags: [auth]
      requestBody:
        content:
          application/json: {schema: {$ref: '#/components/schemas/UserDetailsRequest'}}
        required: true
      security: [{tokenAuth: []}, {cookieAuth: []}]
      responses:
        '200': {content: {application/json: {schema: {$ref: '#/components/schemas/UserDetails'}}}, description: ''}
  /api/notes/:
`, 1)
	spec = strings.Replace(spec, `    UserDetails:
`, `    UserDetailsRequest:
      type: object
      properties:
        username: {type: string, minLength: 1, maxLength: 150}
        first_name: {type: string, maxLength: 150}
        last_name: {type: string, maxLength: 150}
      required: [username]
    PatchedUserDetailsRequest:
      type: object
      properties:
        username: {type: string, minLength: 1, maxLength: 150}
        first_name: {type: string, maxLength: 150}
        last_name: {type: string, maxLength: 150}
    UserDetails:
`, 1)
	api := newRBAPI(rbDRF, rbFlaws{})
	res := rbScan(t, api.handler(), spec, "Token", nil)
	api.mu.Lock()
	for _, s := range api.sent {
		if strings.Contains(s, "/api/auth/user/") {
			t.Errorf("sent %s on a real identity's own account", s)
		}
	}
	api.mu.Unlock()
	if rc := rbCoverage(res, "mass-assignment"); rc.Status != finding.RuleRan {
		t.Errorf("mass-assignment %s: %s", rc.Status, rc.Reason)
	}
}

// TestReview11BFrameworkTwins records what review 11-B found right: on
// Django REST (trailing slashes, 400 per field, PATCH, read-only owner),
// FastAPI (UUIDs, 403 "Not authenticated", a response model wrapping the
// note, optional fields as anyOf null), Express + Mongoose without an
// object-level example (_id, {"success", "data"} envelopes, text/plain
// 401) and Spring Data REST (201 with only a Location, HAL without ids),
// notes whose item routes check authentication but not the owner are
// found with bola-cross-user-write on each item write; a DELETE mounted
// outside the auth middleware is authn-missing's (not also
// bola-cross-user-write's); the correct twins report nothing of medium or
// above; the note that existed before the scan is intact and nothing the
// scan created is left.
func TestReview11BFrameworkTwins(t *testing.T) {
	shapes := []struct {
		name   string
		s      rbShape
		spec   string
		scheme string
		item   string
		writes []string // the item writes the description lists
	}{
		{"django rest", rbDRF, rbDRFSpec, "Token", "/api/notes/{id}/", []string{"DELETE", "PATCH", "PUT"}},
		{"fastapi", rbFastAPI, rbFastAPISpec, "Bearer", "/notes/{note_id}", []string{"DELETE", "PATCH", "PUT"}},
		{"express", rbExpress, rbExpressSpecNoExample, "Bearer", "/api/notes/{id}", []string{"DELETE", "PUT"}},
		{"spring data rest", rbSpring, rbSpringSpec, "Bearer", "/notes/{id}", []string{"DELETE", "PATCH", "PUT"}},
	}
	for _, sh := range shapes {
		t.Run(sh.name, func(t *testing.T) {
			check := func(name string, f rbFlaws, want []string) {
				t.Helper()
				api := newRBAPI(sh.s, f)
				got := rbSerious(rbScan(t, api.handler(), sh.spec, sh.scheme, nil).Findings)
				if !slices.Equal(got, want) {
					t.Errorf("%s: findings %q, want %q", name, got, want)
				}
				if !api.seedIntact() {
					t.Errorf("%s: the note that existed before the scan changed", name)
				}
				if n := api.left(); n != 0 {
					t.Errorf("%s: %d notes left on the target", name, n)
				}
			}
			var cross []string
			for _, m := range sh.writes {
				cross = append(cross, "bola-cross-user-write "+m+" "+sh.item)
			}
			check("owner not checked", rbAnyOwner, cross)
			check("DELETE outside the auth middleware", rbFlaws{open: map[string]bool{"DELETE": true}}, []string{"authn-missing DELETE " + sh.item})
			check("correct", rbFlaws{}, nil)
		})
	}
}

// TestReview11BUpdateRefusedForItsBody: the PUT checks authentication,
// not the owner, but also requires "text", which the description leaves
// optional. Creates learn a missing field from the 400 and try again;
// updates do not, and no owner's control write shows that the PUT the
// peer sent could have succeeded at all. Bob's PUT is refused with 400
// {"text": ["This field is required."]} — for its body, not for
// authorization — and the rule reports the PUT as tested and clean. Want
// the PUT found (learning the field as a create does), or at least
// reported not tested.
func TestReview11BUpdateRefusedForItsBody(t *testing.T) {
	api := newRBAPI(rbDRF, rbFlaws{anyOwner: rbAnyOwner.anyOwner, putNeeds: "text"})
	res := rbScan(t, api.handler(), rbDRFSpec, "Token", nil)
	found := slices.Contains(rbSerious(res.Findings), "bola-cross-user-write PUT /api/notes/{id}/")
	rc := rbCoverage(res, "bola-cross-user-write")
	said := rc.Status != finding.RuleRan || strings.Contains(rc.Reason, "PUT")
	if !found && !said {
		t.Errorf("findings %q, coverage %s %q %v: the PUT was refused for its body and counts as tested", rbSerious(res.Findings), rc.Status, rc.Reason, rc.Operations)
	}
}

// rbPostgRESTSpec is what PostgREST (Supabase) serves: the rows of a
// table are created, updated and deleted on the table's path, addressed
// by query filters (PATCH /notes?id=eq.5), not by a path parameter.
const rbPostgRESTSpec = `swagger: '2.0'
info: {title: standard public schema, version: 12.0.2}
host: 127.0.0.1
basePath: /
schemes: [http]
consumes: [application/json, application/vnd.pgrst.object+json, text/csv]
produces: [application/json, application/vnd.pgrst.object+json, text/csv]
securityDefinitions:
  bearer: {type: apiKey, in: header, name: Authorization}
security: [{bearer: []}]
paths:
  /notes:
    get:
      tags: [notes]
      parameters:
      - {$ref: '#/parameters/rowFilter.notes.id'}
      - {$ref: '#/parameters/rowFilter.notes.title'}
      responses: {'200': {description: OK, schema: {type: array, items: {$ref: '#/definitions/notes'}}}}
    post:
      tags: [notes]
      parameters:
      - {$ref: '#/parameters/body.notes'}
      - {$ref: '#/parameters/preferPost'}
      responses: {'201': {description: Created}}
    patch:
      tags: [notes]
      parameters:
      - {$ref: '#/parameters/rowFilter.notes.id'}
      - {$ref: '#/parameters/body.notes'}
      - {$ref: '#/parameters/preferReturn'}
      responses: {'204': {description: No Content}}
    delete:
      tags: [notes]
      parameters:
      - {$ref: '#/parameters/rowFilter.notes.id'}
      - {$ref: '#/parameters/preferReturn'}
      responses: {'204': {description: No Content}}
parameters:
  preferPost: {name: Prefer, description: Preference, required: false, enum: [return=representation, return=minimal, return=none], in: header, type: string}
  preferReturn: {name: Prefer, description: Preference, required: false, enum: [return=representation, return=minimal, return=none], in: header, type: string}
  body.notes: {name: notes, description: notes, required: false, in: body, schema: {$ref: '#/definitions/notes'}}
  rowFilter.notes.id: {name: id, required: false, format: bigint, in: query, type: string}
  rowFilter.notes.title: {name: title, required: false, format: text, in: query, type: string}
definitions:
  notes:
    required: [id, title]
    properties:
      id: {description: 'Note: This is a Primary Key.<pk/>', format: bigint, type: integer}
      title: {format: text, type: string}
      owner: {format: uuid, type: string}
    type: object
`

// TestReview11BQueryAddressedWritesNotTested: on PostgREST (Supabase),
// PATCH and DELETE on /notes address rows by query filters. No write rule
// can address them (the engine knows only item paths), yet the rules'
// coverage says not applicable — "nothing to test" — instead of not run:
// a pass that does not mean tested. Want bola-cross-user-write (and the
// write half of authn-missing) reported not run, naming the PATCH and
// DELETE.
func TestReview11BQueryAddressedWritesNotTested(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if caller(r) == "" {
			writeJSON(w, 401, map[string]string{"code": "PGRST301", "message": "JWSError JWSInvalidSignature"})
			return
		}
		writeJSON(w, 200, []any{})
	})
	res := rbScan(t, h, rbPostgRESTSpec, "Bearer", nil)
	rc := rbCoverage(res, "bola-cross-user-write")
	if rc.Status != finding.RuleNotRun || !strings.Contains(rc.Reason, "PATCH") {
		t.Errorf("bola-cross-user-write: %s %q, want not run, naming PATCH /notes and DELETE /notes", rc.Status, rc.Reason)
	}
}

// TestReview11BExpressColonParams: a description written from Express
// routes names the item /api/notes/:id. objects.Lifecycles takes ":id" for
// a parameter (its comment says so), but requests never fill it: the
// scan sends PUT and DELETE to the literal path /api/notes/:id, cannot read
// its notes back (not tested), and the clean-up's DELETE goes to the
// literal path too, leaving every note it created. Want the vulnerable
// twin found, no request to a literal ":id", and nothing left.
func TestReview11BExpressColonParams(t *testing.T) {
	spec := strings.ReplaceAll(rbExpressSpecNoExample, "/api/notes/{id}:", "/api/notes/:id:")
	api := newRBAPI(rbExpress, rbAnyOwner)
	res := rbScan(t, api.handler(), spec, "Bearer", nil)
	if got := rbSerious(res.Findings); !slices.Contains(got, "bola-cross-user-write PUT /api/notes/:id") {
		rc := rbCoverage(res, "bola-cross-user-write")
		t.Errorf("got %q (%s %s), want bola-cross-user-write on PUT /api/notes/:id", got, rc.Status, rc.Reason)
	}
	api.mu.Lock()
	defer api.mu.Unlock()
	for _, s := range api.sent {
		if strings.Contains(s, ":id") {
			t.Errorf("sent %s to the literal route template", s)
			break
		}
	}
	if n := len(api.notes) - 1; n != 0 {
		t.Errorf("%d notes left on the target", n)
	}
}

// TestReview11BHALSelfLinkOnly: a Spring HATEOAS controller answers a
// create with 201 and the new note as HAL — its only address is
// _links.self.href, there is no id field and no Location header (the
// controller returns ResponseEntity.status(CREATED).body(model)). NewID
// reads Location and id fields only, and the owner's list, where the
// fallback finds the marked record, has no id field either (only its
// self link), so every create is "named no id": nothing is tested and
// each note the scan created is left. Want the vulnerable twin found and
// nothing left.
func TestReview11BHALSelfLinkOnly(t *testing.T) {
	shape := rbSpring
	shape.created = func(w http.ResponseWriter, n map[string]any, _ string) {
		w.Header().Set("Content-Type", "application/hal+json")
		w.WriteHeader(201)
		json.NewEncoder(w).Encode(rbSpring.render(n))
	}
	api := newRBAPI(shape, rbAnyOwner)
	res := rbScan(t, api.handler(), rbSpringSpec, "Bearer", nil)
	if got := rbSerious(res.Findings); !slices.Contains(got, "bola-cross-user-write PUT /notes/{id}") {
		rc := rbCoverage(res, "bola-cross-user-write")
		t.Errorf("got %q (%s %s), want bola-cross-user-write on PUT /notes/{id}", got, rc.Status, rc.Reason)
	}
	if n := api.left(); n != 0 {
		t.Errorf("%d notes left on the target", n)
	}
}

// TestReview11BOpenWritesOnPublicReads: a blog whose posts are public to
// read (GET needs no token, by design) and whose description declares no
// security anywhere, as hand-written Express descriptions often do; the
// PUT and DELETE on a post are mounted outside the auth middleware, so
// anyone can change or delete anyone's post. bola-cross-user-write proves
// bob's PUT and DELETE on alice's post, then drops them because anonymous
// callers can do it too ("authn-missing's finding"); authn-missing never
// judges them, because nothing says they need credentials (no declared
// security, and the sibling reads are open). Neither rule reports a proven
// anonymous write on another user's object. Want a finding of medium or
// above on the PUT and the DELETE, and nothing on the fixed twin.
func TestReview11BOpenWritesOnPublicReads(t *testing.T) {
	spec := strings.ReplaceAll(rbExpressSpecNoExample, "      security: [{bearerAuth: []}]\n", "")
	scanIt := func(f rbFlaws) []string {
		api := newRBAPI(rbExpress, f)
		return rbSerious(rbScan(t, api.handler(), spec, "Bearer", nil).Findings)
	}
	got := scanIt(rbFlaws{open: map[string]bool{"GET": true, "PUT": true, "DELETE": true}})
	for _, m := range []string{"PUT", "DELETE"} {
		if !slices.ContainsFunc(got, func(s string) bool { return strings.HasSuffix(s, " "+m+" /api/notes/{id}") }) {
			t.Errorf("findings %q: nothing on %s /api/notes/{id}, which anyone can send on anyone's note", got, m)
		}
	}
	if fixed := scanIt(rbFlaws{open: map[string]bool{"GET": true}}); len(fixed) != 0 {
		t.Errorf("fixed twin (reads public, writes the owner's): %q", fixed)
	}
}

// TestReview11BSingularItemRoute: Flask and Express tutorials often
// create on the plural and act on the singular (POST /api/notes,
// GET/PUT/DELETE /api/note/{id}). Lifecycles pairs items only under the
// create's exact path, so the notes have no item operations: the
// vulnerable twin (no owner check) is never attacked, and
// bola-cross-user-write says "not applicable" — nothing to test. Want the
// PUT and DELETE found on the singular route.
func TestReview11BSingularItemRoute(t *testing.T) {
	shape := rbExpress
	shape.itemID = func(p string) string {
		rest, ok := strings.CutPrefix(p, "/api/note/")
		if !ok || len(rest) != 24 {
			return ""
		}
		return rest
	}
	shape.itemPath = func(id string) string { return "/api/note/" + id }
	spec := strings.ReplaceAll(rbExpressSpecNoExample, "  /api/notes/{id}:\n", "  /api/note/{id}:\n")
	api := newRBAPI(shape, rbAnyOwner)
	res := rbScan(t, api.handler(), spec, "Bearer", nil)
	got := rbSerious(res.Findings)
	for _, m := range []string{"DELETE", "PUT"} {
		if want := "bola-cross-user-write " + m + " /api/note/{id}"; !slices.Contains(got, want) {
			rc := rbCoverage(res, "bola-cross-user-write")
			t.Errorf("findings %q (%s %s), want %q", got, rc.Status, rc.Reason, want)
		}
	}
}
