package rules_test

// Review 11A: adversarial tests of active mode's safety promise. Each test
// models a real app shape on a loopback API, runs an active scan with the
// whole catalog (alice primary, bob peer, an admin), and checks that the
// scan changed or deleted nothing that existed before it, listed every
// object it left behind, and claimed no deletion that did not happen.
// Each test's comment names the commit it fails at. Some guard behaviour
// that was already right when they were written: ShardTwo, BudgetSweep,
// Interrupted, ExcludeForms, IDForms, CascadeAndNoopDelete (and
// cli/review11a_test.go's HostileIDsInReports).

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
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

// Tokens of the review API's identities.
const (
	r11Alice = "r11-alice-7c2e"
	r11Bob   = "r11-bob-91fa"
	r11Admin = "r11-admin-44d0"
)

// r11Rec is one stored object. Its key in r11API.recs is its item path as
// the server sees it (decoded once).
type r11Rec struct {
	Owner  int
	Fields map[string]any
}

// r11Ex is one recorded exchange.
type r11Ex struct {
	Method, Path string // Path decoded once, as the router sees it
	Raw          string // the path as sent on the wire
	Who, Status  int
}

func (e r11Ex) String() string {
	return fmt.Sprintf("%s %s (raw %s) as %d -> %d", e.Method, e.Path, e.Raw, e.Who, e.Status)
}

// r11API is a small REST store: every POST on a collection the spec
// describes creates a record owned by the caller and answers 201 with it
// (id included); the item routes let the owner and the admin read, update
// and delete; lists show the caller's own records. Hooks change one
// behaviour per test.
type r11API struct {
	spec string
	// create, when set, answers a create instead of the store (handled
	// true). It runs under mu.
	create func(a *r11API, w http.ResponseWriter, r *http.Request, uid int, body map[string]any) bool
	// item, when set, answers an item request instead of the store.
	item func(a *r11API, w http.ResponseWriter, r *http.Request, uid int) bool
	// newID makes the id of a created record (default: a number).
	newID func(n int) string

	mu     sync.Mutex
	next   int
	recs   map[string]*r11Rec
	seeded map[string]string // item path -> JSON at the start
	log    []r11Ex
}

func newR11API(spec string, seed map[string]*r11Rec) *r11API {
	a := &r11API{spec: spec, next: 1000, recs: seed, seeded: map[string]string{}}
	for k, r := range seed {
		a.seeded[k] = r11JSON(r)
	}
	return a
}

func r11JSON(r *r11Rec) string {
	if r == nil {
		return "<gone>"
	}
	b, _ := json.Marshal(r)
	return string(b)
}

// changed lists the seeded records that are gone or differ.
func (a *r11API) changed() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []string
	for _, k := range slices.Sorted(maps.Keys(a.seeded)) {
		if now := r11JSON(a.recs[k]); now != a.seeded[k] {
			out = append(out, fmt.Sprintf("%s: before %s, after %s", k, a.seeded[k], now))
		}
	}
	return out
}

// created lists the item paths of records that did not exist before.
func (a *r11API) created() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []string
	for k := range a.recs {
		if _, ok := a.seeded[k]; !ok {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

func (a *r11API) exchanges() []r11Ex {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.log)
}

// writesOn lists the PUT, PATCH and DELETE requests sent to path.
func (a *r11API) writesOn(path string) []string {
	var out []string
	for _, e := range a.exchanges() {
		if e.Path == path && (e.Method == http.MethodPut || e.Method == http.MethodPatch || e.Method == http.MethodDelete) {
			out = append(out, e.String())
		}
	}
	return out
}

func r11Who(r *http.Request) int {
	switch r.Header.Get("Authorization") {
	case "Bearer " + r11Alice:
		return 1
	case "Bearer " + r11Bob:
		return 2
	case "Bearer " + r11Admin:
		return 3
	}
	return 0
}

func r11Write(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// statusWriter remembers the status for the log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = 200
	}
	return s.ResponseWriter.Write(b)
}

func (a *r11API) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	w := &statusWriter{ResponseWriter: rw}
	uid := r11Who(r)
	defer func() {
		a.mu.Lock()
		a.log = append(a.log, r11Ex{Method: r.Method, Path: r.URL.Path, Raw: r.URL.EscapedPath(), Who: uid, Status: w.status})
		a.mu.Unlock()
	}()
	if r.URL.Path == "/openapi.json" {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, a.spec)
		return
	}
	if uid == 0 {
		r11Write(w, 401, map[string]any{"error": "unauthorized"})
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	path := strings.TrimSuffix(r.URL.Path, "/")
	if r.Method == http.MethodPost {
		var body map[string]any
		if json.NewDecoder(r.Body).Decode(&body) != nil || body == nil {
			r11Write(w, 400, map[string]any{"error": "invalid JSON"})
			return
		}
		if a.create != nil && a.create(a, w, r, uid, body) {
			return
		}
		a.next++
		id := strconv.Itoa(a.next)
		var idv any = a.next
		if a.newID != nil {
			id = a.newID(a.next)
			idv = id
		}
		fields := map[string]any{"id": idv}
		for k, v := range body {
			if k != "id" {
				fields[k] = v
			}
		}
		a.recs[path+"/"+id] = &r11Rec{Owner: uid, Fields: fields}
		r11Write(w, 201, fields)
		return
	}
	if a.item != nil && a.item(a, w, r, uid) {
		return
	}
	if rec, ok := a.recs[path]; ok {
		if rec.Owner != uid && uid != 3 {
			r11Write(w, 404, map[string]any{"error": "not found"})
			return
		}
		switch r.Method {
		case http.MethodGet:
			r11Write(w, 200, rec.Fields)
		case http.MethodPut, http.MethodPatch:
			var body map[string]any
			_ = json.NewDecoder(r.Body).Decode(&body)
			for k, v := range body {
				if k != "id" {
					rec.Fields[k] = v
				}
			}
			r11Write(w, 200, rec.Fields)
		case http.MethodDelete:
			delete(a.recs, path)
			w.WriteHeader(204)
		default:
			r11Write(w, 405, map[string]any{"error": "method not allowed"})
		}
		return
	}
	if r.Method == http.MethodGet {
		// A list: the caller's records directly under path.
		list := []map[string]any{}
		for _, k := range slices.Sorted(maps.Keys(a.recs)) {
			if strings.HasPrefix(k, path+"/") && !strings.Contains(k[len(path)+1:], "/") && a.recs[k].Owner == uid {
				list = append(list, a.recs[k].Fields)
			}
		}
		if len(list) > 0 || strings.Count(path, "/") == 2 {
			r11Write(w, 200, list)
			return
		}
	}
	r11Write(w, 404, map[string]any{"error": "not found"})
}

// r11Spec is an OpenAPI document with bearer security on everything and
// the given paths (JSON object members, without the braces).
func r11Spec(paths string) string {
	return `{"openapi": "3.0.0", "info": {"title": "review 11a", "version": "1"},
  "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
  "security": [{"bearer": []}],
  "paths": {` + paths + `}}`
}

// r11CRUD describes a collection with a JSON create body schema, and its
// item routes (methods among get, put, patch, delete) under param.
func r11CRUD(collection, param, paramType, schema string, list bool, methods ...string) string {
	body := `"requestBody": {"required": true, "content": {"application/json": {"schema": ` + schema + `}}}`
	coll := `"post": {` + body + `, "responses": {"201": {"description": "created"}}}`
	if list {
		coll += `, "get": {"responses": {"200": {"description": "ok"}}}`
	}
	var items []string
	for _, m := range methods {
		op := `"` + m + `": {"responses": {"200": {"description": "ok"}}`
		if m == "put" || m == "patch" {
			op = `"` + m + `": {` + body + `, "responses": {"200": {"description": "ok"}}`
		}
		items = append(items, op+"}")
	}
	return fmt.Sprintf(`%q: {%s}, %q: {"parameters": [{"name": %q, "in": "path", "required": true, "schema": {"type": %q}}], %s}`,
		collection, coll, collection+"/{"+param+"}", param, paramType, strings.Join(items, ", "))
}

// r11Scan runs an active scan of api with the whole catalog as alice
// (primary), bob (peer) and an admin; adjust changes the options.
func r11Scan(t *testing.T, ctx context.Context, h http.Handler, adjust func(*scanner.Options)) (*scanner.Result, error) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	bearer := func(name, tok string) *scanner.Identity {
		return scanner.NewIdentity(name, []scanner.Header{{Name: "Authorization", Value: "Bearer " + tok}})
	}
	admin := bearer("admin", r11Admin)
	admin.Role = scanner.RoleAdmin
	opts := scanner.Options{
		Target:   srv.URL,
		OpenAPI:  srv.URL + "/openapi.json",
		Primary:  bearer("alice", r11Alice),
		Peer:     bearer("bob", r11Bob),
		Admin:    admin,
		Mode:     finding.ModeActive,
		Client:   scanner.ClientOptions{Concurrency: 2, Timeout: 5 * time.Second, Budget: 3000},
		Wait:     time.Second,
		ReadFile: os.ReadFile,
		Rules:    rules.All(),
		APIRules: rules.APIRules(),
	}
	if adjust != nil {
		adjust(&opts)
	}
	return scanner.Scan(ctx, opts)
}

// r11Created logs what the report says was created.
func r11Created(t *testing.T, res *scanner.Result) {
	t.Helper()
	if res.Coverage.Writes == nil {
		t.Logf("coverage.writes: none")
		return
	}
	for _, c := range res.Coverage.Writes.Created {
		t.Logf("created %s %s (%s as %s): deleted %v, %s", c.Kind, c.Item, c.Operation, c.Owner, c.Deleted, c.Reason)
	}
}

// r11Listed reports whether coverage.writes lists item.
func r11Listed(res *scanner.Result, item string) (finding.CreatedObject, bool) {
	if res.Coverage.Writes == nil {
		return finding.CreatedObject{}, false
	}
	for _, c := range res.Coverage.Writes.Created {
		if c.Item == item {
			return c, true
		}
	}
	return finding.CreatedObject{}, false
}

// r11CartSchema is a cart: the client sets a note; the server sets the
// owner and the total (mass-assignment candidates).
const r11CartSchema = `{"type": "object", "required": ["note"], "properties": {"id": {"type": "integer", "readOnly": true}, "note": {"type": "string"}, "userId": {"type": "integer", "readOnly": true}, "total": {"type": "number", "readOnly": true}}}`

// r11Carts is a shop whose POST /api/carts is get-or-create (Juice Shop's
// basket, most carts): it answers the caller's existing cart, 200 or 201,
// and ignores the body. Alice's cart 7 and bob's cart 8 hold their
// shopping. list adds GET /api/carts (the caller's carts).
func r11Carts(status int, list bool) *r11API {
	spec := r11Spec(r11CRUD("/api/carts", "cartId", "integer", r11CartSchema, list, "get", "put", "delete"))
	a := newR11API(spec, map[string]*r11Rec{
		"/api/carts/7": {Owner: 1, Fields: map[string]any{"id": 7, "note": "birthday presents", "userId": 1, "total": 120}},
		"/api/carts/8": {Owner: 2, Fields: map[string]any{"id": 8, "note": "tools", "userId": 2, "total": 45}},
	})
	a.create = func(a *r11API, w http.ResponseWriter, r *http.Request, uid int, _ map[string]any) bool {
		for _, k := range slices.Sorted(maps.Keys(a.recs)) {
			if rec := a.recs[k]; rec.Owner == uid {
				r11Write(w, status, rec.Fields)
				return true
			}
		}
		return false // no cart yet: the store makes one
	}
	return a
}

// TestReview11AGetOrCreateCart: a create that answers the caller's
// existing object (get-or-create) must not make the scan write to it or
// delete it, whether or not a list showed the object before: the
// read-back never shows the scan's marker, so nothing proves the object
// is the scan's. At aaf945b, without a list GET (most carts have none), the
// engine records cart 7 as created, mass-assignment PUTs alice's cart and
// the clean-up DELETEs it.
func TestReview11AGetOrCreateCart(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		list   bool
	}{
		{"200 no list", 200, false},
		{"201 no list", 201, false},
		{"201 with list", 201, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := r11Carts(tc.status, tc.list)
			res, err := r11Scan(t, context.Background(), api, nil)
			if err != nil {
				t.Fatalf("scan: %v", err)
			}
			r11Created(t, res)
			for _, p := range []string{"/api/carts/7", "/api/carts/8"} {
				if ws := api.writesOn(p); len(ws) > 0 {
					t.Errorf("writes on a cart that existed before the scan: %q", ws)
				}
				if c, ok := r11Listed(res, p); ok {
					t.Errorf("coverage.writes lists the pre-existing %s as created by the scan: %+v", p, c)
				}
			}
			if ch := api.changed(); len(ch) > 0 {
				t.Errorf("pre-existing data changed: %q", ch)
			}
			// A pass must mean tested: the scan did try to create.
			posts := 0
			for _, e := range api.exchanges() {
				if e.Method == http.MethodPost && e.Path == "/api/carts" {
					posts++
				}
			}
			if posts == 0 {
				t.Fatalf("the scan never sent POST /api/carts: the test proves nothing")
			}
		})
	}
}

// r11NoteSchema is a note: a title and a text.
const r11NoteSchema = `{"type": "object", "required": ["title"], "properties": {"id": {"type": "string", "readOnly": true}, "title": {"type": "string"}, "text": {"type": "string"}}}`

// TestReview11AEscapedIDs: ids that need escaping in a path (GitLab's
// "group/project", a key with a space, a non-ASCII slug) are escaped
// once. Before 17969c1 Target.Request put url.PathEscape's output into
// url.URL.Path, which escaped it again ("a%2Fb" went out as "a%252Fb"):
// every item request of the scan missed the object, the rules tested
// nothing, and the clean-up left every object it created on the target.
func TestReview11AEscapedIDs(t *testing.T) {
	for _, tc := range []struct {
		name string
		id   func(n int) string
	}{
		{"slash", func(n int) string { return "team/" + strconv.Itoa(n) }},
		{"space", func(n int) string { return "note " + strconv.Itoa(n) }},
		{"non-ASCII", func(n int) string { return "café-" + strconv.Itoa(n) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := newR11API(r11Spec(r11CRUD("/api/notes", "noteId", "string", r11NoteSchema, false, "get", "put", "delete")), map[string]*r11Rec{})
			api.newID = tc.id
			res, err := r11Scan(t, context.Background(), api, nil)
			if err != nil {
				t.Fatalf("scan: %v", err)
			}
			r11Created(t, res)
			if len(api.exchanges()) == 0 || res.Coverage.Writes == nil {
				t.Fatalf("nothing created: the test proves nothing")
			}
			for _, e := range api.exchanges() {
				if e.Method != http.MethodGet && strings.Contains(e.Raw, "%25") {
					t.Errorf("escaped twice: %s", e)
					break
				}
			}
			if left := api.created(); len(left) > 0 {
				t.Errorf("left on the target: %q; coverage.writes.left = %d", left, res.Coverage.Writes.Left)
			}
		})
	}
}

// TestReview11ACreateUnanswered: a create the API carries out after the
// scan's client has given up on it (a slow handler, a proxy timeout; the
// same after Ctrl-C) leaves an object the scan never learned the id of.
// The report must not be silent about it: the clean-up finds and deletes
// it, or coverage.writes lists the create as possibly left, and a warning
// says so. At aaf945b a create without an answer is not recorded at all.
// Since 0bbc99b the clean-up looks for it by its marker in the owner's
// list; "paged": alice has 25 notes and the list answers 10 a page, oldest
// first, so the note is on page 3, and at e51fabe a first page without it
// is taken for "the create made none": the note stays, unlisted (fixed at
// 3e64f7d: listed as possibly left).
func TestReview11ACreateUnanswered(t *testing.T) {
	for _, paged := range []bool{false, true} {
		t.Run(map[bool]string{false: "one page", true: "paged"}[paged], func(t *testing.T) {
			seed := map[string]*r11Rec{}
			if paged {
				seed = r11Notes25()
			}
			api := newR11API(r11Spec(r11CRUD("/api/notes", "noteId", "integer", r11NoteSchema, true, "get", "put", "delete")), seed)
			if paged {
				api.item = func(a *r11API, w http.ResponseWriter, r *http.Request, uid int) bool {
					if r.Method == http.MethodGet && r.URL.Path == "/api/notes" {
						r11Paged(a, w, r, uid, "/api/notes", 10)
						return true
					}
					return false
				}
			}
			slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodPost {
					time.Sleep(400 * time.Millisecond) // past the client's timeout; the create still happens
				}
				api.ServeHTTP(w, r)
			})
			res, err := r11Scan(t, context.Background(), slow, func(o *scanner.Options) { o.Client.Timeout = 200 * time.Millisecond })
			if err != nil {
				t.Fatalf("scan: %v", err)
			}
			r11Created(t, res)
			if !r11Made(api) {
				t.Fatalf("no create reached the API: the test proves nothing")
			}
			if ch := api.changed(); len(ch) > 0 {
				t.Errorf("pre-existing data changed: %q", ch)
			}
			// A create whose id the scan never learned is listed without
			// an item: count them. What is listed with an item must not
			// be called deleted while it is still there.
			for _, p := range api.created() {
				if c, ok := r11Listed(res, p); ok && c.Deleted {
					t.Errorf("%s is on the target, but coverage.writes says it was deleted: %s", p, c.Reason)
				}
			}
			left := api.created()
			listed := 0
			if wc := res.Coverage.Writes; wc != nil {
				listed = wc.Left
			}
			if listed < len(left) {
				t.Errorf("%d objects the scan's creates made are on the target (%q); coverage.writes lists %d as left", len(left), left, listed)
			}
			if len(left) > 0 && !slices.ContainsFunc(res.Warnings, func(w string) bool { return strings.Contains(w, "left") && strings.Contains(w, "POST /api/notes") }) {
				t.Errorf("no warning says POST /api/notes may have left objects: %q", res.Warnings)
			}
		})
	}
}

// TestReview11AProbeUpsert: the non-destructive probe (an anonymous PUT
// on an id that cannot exist) is not non-destructive on an upsert route: a
// key-value store's PUT /api/settings/{key} creates the key (201), here
// without checking credentials (the flaw authn-missing reports). What
// the probe created must be removed or listed in coverage.writes as
// left; at aaf945b it stays on the target unlisted, and the finding says "the
// probe changed nothing".
func TestReview11AProbeUpsert(t *testing.T) {
	spec := r11Spec(`"/api/settings/{key}": {"parameters": [{"name": "key", "in": "path", "required": true, "schema": {"type": "string"}}],
	  "get": {"responses": {"200": {"description": "ok"}}},
	  "put": {"requestBody": {"required": true, "content": {"application/json": {"schema": {}}}}, "responses": {"200": {"description": "updated"}, "201": {"description": "created"}}},
	  "delete": {"responses": {"204": {"description": "deleted"}}}}`)
	api := newR11API(spec, map[string]*r11Rec{
		"/api/settings/theme": {Owner: 1, Fields: map[string]any{"value": "dark"}},
	})
	upsert := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && strings.HasPrefix(r.URL.Path, "/api/settings/") {
			var v any
			if json.NewDecoder(r.Body).Decode(&v) != nil {
				r11Write(w, 400, map[string]any{"error": "invalid JSON"})
				return
			}
			api.mu.Lock()
			_, exists := api.recs[r.URL.Path]
			api.recs[r.URL.Path] = &r11Rec{Owner: r11Who(r), Fields: map[string]any{"value": v}}
			api.log = append(api.log, r11Ex{Method: r.Method, Path: r.URL.Path, Raw: r.URL.EscapedPath(), Who: r11Who(r), Status: 201})
			api.mu.Unlock()
			if exists {
				r11Write(w, 200, map[string]any{"value": v})
				return
			}
			r11Write(w, 201, map[string]any{"value": v})
			return
		}
		api.ServeHTTP(w, r)
	})
	res, err := r11Scan(t, context.Background(), upsert, nil)
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	r11Created(t, res)
	probed := false
	for _, e := range api.exchanges() {
		if e.Method == http.MethodPut && e.Who == 0 {
			probed = true
		}
	}
	if !probed {
		t.Fatalf("no anonymous PUT was sent: the test proves nothing")
	}
	for _, p := range api.created() {
		if _, ok := r11Listed(res, p); !ok {
			t.Errorf("the scan's probe created %s, which is still on the target and not in coverage.writes", p)
		}
	}
	for _, f := range res.Findings {
		if strings.Contains(f.Evidence.Summary, "changed nothing") && len(api.created()) > 0 {
			t.Errorf("finding %s %s %s says the probe changed nothing; it created %q", f.Rule, f.Method, f.Path, api.created())
		}
	}
}

// TestReview11AAsyncCreateForeignID: an asynchronous create answers 202
// Accepted with the id of its job ({"id": 12, "status": "queued"}), and
// job ids share their numbers with notes: note 12 is bob's. The id in a
// create's answer proves nothing until a read-back shows the scan's
// marker; no write and no clean-up DELETE may go to an object no identity
// of the scan saw carrying it (bob, the peer, reads note 12 without it).
// At aaf945b the admin's DELETE removes bob's note; with the engine's
// "benefit of the doubt" for objects no identity reads, alice's DELETE
// does where the API lets any user delete any note (the very flaw the
// scan looks for), and authn-missing sends its anonymous PUT to note 12.
func TestReview11AAsyncCreateForeignID(t *testing.T) {
	for _, tc := range []struct {
		name string
		// admin: the scan has an admin identity (who reads every note);
		// without one, nobody of the scan reads note 12.
		admin bool
		// openDelete: the notes' DELETE checks authentication only (the
		// BOLA the scan is there to find), so alice's DELETE of bob's
		// note succeeds.
		openDelete bool
	}{
		{"admin reads and deletes", true, false},
		{"no admin, delete without owner check", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := newR11API(r11Spec(r11CRUD("/api/notes", "noteId", "integer", r11NoteSchema, false, "get", "put", "delete")), map[string]*r11Rec{
				"/api/notes/11": {Owner: 1, Fields: map[string]any{"id": 11, "title": "alice's plans"}},
				"/api/notes/12": {Owner: 2, Fields: map[string]any{"id": 12, "title": "bob's list"}},
			})
			jobs := 11 // guarded by api.mu
			api.create = func(a *r11API, w http.ResponseWriter, r *http.Request, uid int, body map[string]any) bool {
				jobs++
				r11Write(w, 202, map[string]any{"id": jobs, "status": "queued"})
				return true
			}
			if tc.openDelete {
				api.item = func(a *r11API, w http.ResponseWriter, r *http.Request, uid int) bool {
					if _, ok := a.recs[r.URL.Path]; !ok || r.Method != http.MethodDelete {
						return false
					}
					delete(a.recs, r.URL.Path)
					w.WriteHeader(204)
					return true
				}
			}
			res, err := r11Scan(t, context.Background(), api, func(o *scanner.Options) {
				if !tc.admin {
					o.Admin = nil
				}
			})
			if err != nil {
				t.Fatalf("scan: %v", err)
			}
			r11Created(t, res)
			api.mu.Lock()
			sent := jobs > 11
			api.mu.Unlock()
			if !sent {
				t.Fatalf("no create was sent: the test proves nothing")
			}
			for _, p := range []string{"/api/notes/11", "/api/notes/12"} {
				if ws := api.writesOn(p); len(ws) > 0 {
					t.Errorf("writes on a note that existed before the scan: %q", ws)
				}
			}
			if ch := api.changed(); len(ch) > 0 {
				t.Errorf("pre-existing data changed: %q", ch)
			}
		})
	}
}

// r11Rich is a notes API with a list, nested project members and
// owner-checked items: every kind of write the rules send.
func r11Rich() *r11API {
	named := `{"type": "object", "required": ["name"], "properties": {"id": {"type": "integer", "readOnly": true}, "name": {"type": "string"}}}`
	spec := r11Spec(r11CRUD("/api/notes", "noteId", "integer", r11NoteSchema, true, "get", "put", "patch", "delete") + ", " +
		r11CRUD("/api/projects", "projectId", "integer", named, true, "get", "delete") + ", " +
		r11CRUD("/api/projects/{projectId}/members", "memberId", "integer", named, false, "get", "delete"))
	spec = strings.Replace(spec, `"/api/projects/{projectId}/members": {"post"`, `"/api/projects/{projectId}/members": {"parameters": [{"name": "projectId", "in": "path", "required": true, "schema": {"type": "integer"}}], "post"`, 1)
	spec = strings.Replace(spec, `"/api/projects/{projectId}/members/{memberId}": {"parameters": [`, `"/api/projects/{projectId}/members/{memberId}": {"parameters": [{"name": "projectId", "in": "path", "required": true, "schema": {"type": "integer"}}, `, 1)
	return newR11API(spec, map[string]*r11Rec{
		"/api/notes/11":    {Owner: 1, Fields: map[string]any{"id": 11, "title": "alice's plans"}},
		"/api/notes/12":    {Owner: 2, Fields: map[string]any{"id": 12, "title": "bob's list"}},
		"/api/projects/21": {Owner: 1, Fields: map[string]any{"id": 21, "name": "Garden"}},
	})
}

// r11CheckLeft checks that every object the scan left on api is listed in
// coverage.writes as not deleted, and that nothing listed as deleted is
// still there.
func r11CheckLeft(t *testing.T, api *r11API, res *scanner.Result) {
	t.Helper()
	for _, p := range api.created() {
		c, ok := r11Listed(res, p)
		switch {
		case !ok:
			t.Errorf("%s is on the target and not in coverage.writes", p)
		case c.Deleted:
			t.Errorf("%s is on the target, but coverage.writes says it was deleted: %s", p, c.Reason)
		}
	}
}

// TestReview11AShardTwo: in --shard 2/2 the whole-API rules do not run,
// so active mode sends no write at all there.
func TestReview11AShardTwo(t *testing.T) {
	api := r11Rich()
	res, err := r11Scan(t, context.Background(), api, func(o *scanner.Options) { o.Shard = [2]int{2, 2} })
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	for _, e := range api.exchanges() {
		if e.Method != http.MethodGet && e.Method != http.MethodHead && e.Method != http.MethodOptions {
			t.Errorf("shard 2/2 sent %s", e)
		}
	}
	if res.Coverage.Writes != nil {
		t.Errorf("shard 2/2 reports writes: %+v", res.Coverage.Writes)
	}
}

// TestReview11ABudgetSweep: whatever request the budget runs out on, the
// objects the scan created are deleted or listed as left, and pre-existing
// data is unchanged.
func TestReview11ABudgetSweep(t *testing.T) {
	for budget := 66; budget <= 180; budget += 2 {
		t.Run(strconv.Itoa(budget), func(t *testing.T) {
			api := r11Rich()
			res, err := r11Scan(t, context.Background(), api, func(o *scanner.Options) { o.Client.Budget = budget })
			if err != nil {
				t.Fatalf("scan: %v", err)
			}
			if ch := api.changed(); len(ch) > 0 {
				t.Errorf("pre-existing data changed: %q", ch)
			}
			r11CheckLeft(t, api, res)
		})
	}
}

// TestReview11AInterrupted: a scan interrupted (Ctrl-C) at its first item
// write still removes or lists everything it created, quickly.
func TestReview11AInterrupted(t *testing.T) {
	for _, at := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
		t.Run(at, func(t *testing.T) {
			api := r11Rich()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var once sync.Once
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				api.ServeHTTP(w, r)
				if r.Method == at {
					once.Do(cancel)
				}
			})
			start := time.Now()
			res, err := r11Scan(t, ctx, h, nil)
			if err != nil {
				t.Fatalf("scan: %v", err)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("the interrupted scan took %s", d)
			}
			if !strings.Contains(res.Incomplete, "interrupted") {
				t.Errorf("incomplete %q", res.Incomplete)
			}
			if ch := api.changed(); len(ch) > 0 {
				t.Errorf("pre-existing data changed: %q", ch)
			}
			r11CheckLeft(t, api, res)
		})
	}
}

// TestReview11AInterruptedInCreate: Ctrl-C while a create is in flight
// (the API has made the object, its answer is on the way). The object is
// on the target; the report must list it as possibly left (see
// TestReview11ACreateUnanswered). At aaf945b it is not recorded at all.
// Since the create is seen through to its answer (see
// TestReview11AInterruptedCreateLate), the late answer names it and the
// clean-up deletes it.
func TestReview11AInterruptedInCreate(t *testing.T) {
	api := r11Rich()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var once sync.Once
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			api.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		api.ServeHTTP(rec, r) // the object is made
		if rec.Code == http.StatusCreated {
			once.Do(cancel)
			time.Sleep(100 * time.Millisecond) // the answer is late: the client has given up
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	})
	res, err := r11Scan(t, ctx, h, nil)
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	r11Created(t, res)
	if !r11Made(api) {
		t.Fatalf("nothing was created: the test proves nothing")
	}
	r11CheckLeft(t, api, res)
}

// TestReview11AInterruptedCreateLate: Ctrl-C while a create is on the
// wire and the API has not made the object yet (a slow handler, a loaded
// server): it makes it after the scan gave the request up. At 97f6eff the
// client drops the request on the scan's context, so the create counts as
// answer-less; the clean-up reads alice's list at once, sees no note with
// the marker, concludes the create made none, and reports nothing; the
// note is made a moment later and stays on the target, unreported (the
// flake of TestReview11AInterrupted under load: a create in flight on the
// other worker when the PUT or DELETE stopped the scan). A create that
// reached the transport is now seen through to its answer (within the
// request timeout), whatever happens to the scan's context, so the object
// is known by its id and deleted.
//
// The order is made by the handler, not by timing: it stops the scan,
// then waits for the client to hang up (the request's context; never,
// once the client waits for the answer) and, when it did, for the
// clean-up's list read (after the interrupt) to be answered, and only
// then makes the note. The
// one timer is the fallback for a client that does not hang up (the fix):
// after it the handler answers, well within the 30 s request timeout.
func TestReview11AInterruptedCreateLate(t *testing.T) {
	api := newR11API(r11Spec(r11CRUD("/api/notes", "noteId", "integer", r11NoteSchema, true, "get", "put", "delete")), map[string]*r11Rec{
		"/api/notes/11": {Owner: 1, Fields: map[string]any{"id": 11, "title": "alice's plans"}},
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var (
		mu       sync.Mutex
		gated    bool          // the first create of alice's is taken
		stopped  bool          // the scan is interrupted
		hungUp   bool          // the client gave the create up
		listRead chan struct{} // closed when a list read is answered after the interrupt
	)
	listRead = make(chan struct{})
	var listOnce sync.Once
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.URL.Path == "/api/notes" && r11Who(r) == 1 {
			api.ServeHTTP(w, r)
			mu.Lock()
			after := stopped
			mu.Unlock()
			if after {
				listOnce.Do(func() { close(listRead) })
			}
			return
		}
		mu.Lock()
		first := r.Method == http.MethodPost && r11Who(r) == 1 && !gated
		gated = gated || first
		mu.Unlock()
		if !first {
			api.ServeHTTP(w, r)
			return
		}
		// Read the body first: the server notices a client that hangs
		// up (and cancels r.Context()) only once the body is read.
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		mu.Lock()
		stopped = true
		mu.Unlock()
		cancel() // Ctrl-C, the create on the wire
		select {
		case <-r.Context().Done():
			mu.Lock()
			hungUp = true
			mu.Unlock()
			select {
			case <-listRead: // the clean-up looked and found nothing
			case <-time.After(20 * time.Second): // no list read: go on
			}
		case <-time.After(time.Second): // the client waits for the answer
		}
		api.ServeHTTP(w, r) // the note is made now
	})
	res, err := r11Scan(t, ctx, h, func(o *scanner.Options) { o.Client.Timeout = 30 * time.Second })
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	r11Created(t, res)
	if !r11Made(api) {
		t.Fatalf("nothing was created: the test proves nothing")
	}
	mu.Lock()
	if hungUp {
		t.Errorf("the client gave up on a create the API was making")
	}
	mu.Unlock()
	if ch := api.changed(); len(ch) > 0 {
		t.Errorf("pre-existing data changed: %q", ch)
	}
	r11CheckLeft(t, api, res)
	if left := api.created(); len(left) > 0 {
		t.Errorf("left on the target: %q (the create's answer named it; the clean-up could delete it)", left)
	}
}

// TestReview11ADeleteIgnoredNoItemGet: notes have a list and item writes
// but no item GET, and the API answers 200 to DELETE and ignores it (a
// handler that forgot to save, or a delete the API only queues). The
// clean-up cannot read the item, yet the collection's list shows the note
// is still there: the report must not say "all removed". At aaf945b the
// 200 is taken at its word (Deleted true, Left 0). Since f5cae2f the list
// confirms the deletion; "paged": alice has 25 notes already and the list
// answers 10 a page, oldest first (the default of most ORMs' paginators),
// so the scan's notes are on page 3 and page 1 never shows their marker:
// the clean-up takes that for "deleted".
func TestReview11ADeleteIgnoredNoItemGet(t *testing.T) {
	for _, paged := range []bool{false, true} {
		t.Run(map[bool]string{false: "one page", true: "paged"}[paged], func(t *testing.T) {
			seed := map[string]*r11Rec{}
			if paged {
				seed = r11Notes25()
			}
			api := newR11API(r11Spec(r11CRUD("/api/notes", "noteId", "integer", r11NoteSchema, true, "put", "delete")), seed)
			api.item = func(a *r11API, w http.ResponseWriter, r *http.Request, uid int) bool {
				switch {
				case r.Method == http.MethodDelete:
					if _, ok := a.recs[r.URL.Path]; ok {
						r11Write(w, 200, map[string]any{"ok": true}) // and nothing is deleted
						return true
					}
				case paged && r.Method == http.MethodGet && r.URL.Path == "/api/notes":
					r11Paged(a, w, r, uid, "/api/notes", 10)
					return true
				}
				return false
			}
			res, err := r11Scan(t, context.Background(), api, nil)
			if err != nil {
				t.Fatalf("scan: %v", err)
			}
			r11Created(t, res)
			if !r11Made(api) {
				t.Fatalf("nothing was created: the test proves nothing")
			}
			if ch := api.changed(); len(ch) > 0 {
				t.Errorf("pre-existing data changed: %q", ch)
			}
			r11CheckLeft(t, api, res)
		})
	}
}

// TestReview11AReferencedObjects: a shop's POST /api/orders names the
// product ordered; placing an order takes the quantity out of the
// product's stock, and deleting (cancelling) the order does not put it
// back (most shops restock by hand). A generated body that names product
// 1, an object the scan did not create, changes data that existed before
// the scan, for good. A careful engine does not invent the id of another
// object: it uses an object it created, a configured body or path value,
// or skips the kind and says which value it needs. The reference comes in
// the shapes real frameworks use: {"productId": 1} (Express, Spring), DRF's
// primary-key field named after the model ({"product": 1}, the default of
// a ModelSerializer), and line items ({"items": [{"productId": 1,
// "quantity": 1}]}, every shop). At aaf945b all three take stock from
// product 1; at e51fabe the top-level productId is handled, the other two
// are not.
func TestReview11AReferencedObjects(t *testing.T) {
	for _, tc := range []struct {
		name, schema string
		// product is the product id and quantity a body orders.
		product func(body map[string]any) (id any, qty float64)
	}{
		{"productId", `{"type": "object", "required": ["productId", "quantity"], "properties": {"id": {"type": "integer", "readOnly": true}, "productId": {"type": "integer"}, "quantity": {"type": "integer", "minimum": 1}, "note": {"type": "string"}}}`,
			func(b map[string]any) (any, float64) { q, _ := b["quantity"].(float64); return b["productId"], q }},
		{"DRF primary key", `{"type": "object", "required": ["product", "quantity"], "properties": {"id": {"type": "integer", "readOnly": true}, "product": {"type": "integer"}, "quantity": {"type": "integer", "minimum": 1}, "note": {"type": "string"}}}`,
			func(b map[string]any) (any, float64) { q, _ := b["quantity"].(float64); return b["product"], q }},
		{"line items", `{"type": "object", "required": ["items"], "properties": {"id": {"type": "integer", "readOnly": true}, "note": {"type": "string"}, "items": {"type": "array", "minItems": 1, "items": {"type": "object", "required": ["productId", "quantity"], "properties": {"productId": {"type": "integer"}, "quantity": {"type": "integer", "minimum": 1}}}}}}`,
			func(b map[string]any) (any, float64) {
				items, _ := b["items"].([]any)
				if len(items) == 0 {
					return nil, 0
				}
				it, _ := items[0].(map[string]any)
				q, _ := it["quantity"].(float64)
				return it["productId"], q
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := newR11API(r11Spec(r11CRUD("/api/orders", "orderId", "integer", tc.schema, true, "get", "patch", "delete")+`,
	  "/api/products/{productId}": {"parameters": [{"name": "productId", "in": "path", "required": true, "schema": {"type": "integer"}}], "get": {"responses": {"200": {"description": "ok"}}}}`),
				map[string]*r11Rec{
					"/api/products/1": {Owner: 3, Fields: map[string]any{"id": 1, "name": "Tea", "stock": 40}},
					"/api/products/2": {Owner: 3, Fields: map[string]any{"id": 2, "name": "Cups", "stock": 12}},
				})
			api.create = func(a *r11API, w http.ResponseWriter, r *http.Request, uid int, body map[string]any) bool {
				if r.URL.Path != "/api/orders" {
					return false
				}
				id, q := tc.product(body)
				p, ok := a.recs[fmt.Sprintf("/api/products/%v", id)]
				if !ok || q < 1 {
					r11Write(w, 422, map[string]any{"error": "unknown product or bad quantity"})
					return true
				}
				p.Fields["stock"] = p.Fields["stock"].(int) - int(q)
				return false // the store records the order
			}
			// Products are public to read (a catalog).
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/api/products/") && r11Who(r) == 0 {
					r.Header.Set("Authorization", "Bearer "+r11Admin)
				}
				api.ServeHTTP(w, r)
			})
			res, err := r11Scan(t, context.Background(), h, nil)
			if err != nil {
				t.Fatalf("scan: %v", err)
			}
			r11Created(t, res)
			orders := 0
			for _, e := range api.exchanges() {
				if e.Method == http.MethodPost && e.Path == "/api/orders" && e.Status == http.StatusCreated {
					orders++
				}
			}
			if ch := api.changed(); len(ch) > 0 {
				t.Errorf("%d orders placed; pre-existing data changed: %q", orders, ch)
			}
		})
	}
}

// TestReview11AConfiguredBodyFindOrCreate: the config gives POST
// /api/projects a fixed body ({"name": "ci-smoke"}, bodies: in
// .authgate.yml), and the API is Rails' find_or_create_by(name:): the
// team's existing "ci-smoke" project comes back with 200, not 201, every
// time. A fixed body carries no marker, so only the answers can tell: a
// creation time before the scan started, a 200 where a create answers
// 201, the same id from every create. "dated": the answer has created_at
// (a month ago): no write may go to project 21. "undated": no timestamp;
// the scan may not know at the first create, but by the second (the same
// id again) it must, and the clean-up must not delete the team's project.
// At aaf945b both delete it.
func TestReview11AConfiguredBodyFindOrCreate(t *testing.T) {
	for _, dated := range []bool{true, false} {
		t.Run(map[bool]string{true: "dated", false: "undated"}[dated], func(t *testing.T) {
			named := `{"type": "object", "required": ["name"], "properties": {"id": {"type": "integer", "readOnly": true}, "name": {"type": "string"}, "description": {"type": "string"}}}`
			fields := map[string]any{"id": 21, "name": "ci-smoke", "description": "the team's smoke tests"}
			if dated {
				fields["created_at"] = "2026-11-02T09:00:00Z"
			}
			api := newR11API(r11Spec(r11CRUD("/api/projects", "projectId", "integer", named, false, "get", "patch", "delete")), map[string]*r11Rec{
				"/api/projects/21": {Owner: 1, Fields: fields},
			})
			api.create = func(a *r11API, w http.ResponseWriter, r *http.Request, uid int, body map[string]any) bool {
				for _, k := range slices.Sorted(maps.Keys(a.recs)) {
					if rec := a.recs[k]; rec.Owner == uid && rec.Fields["name"] == body["name"] {
						r11Write(w, 200, rec.Fields)
						return true
					}
				}
				a.next++
				fields := map[string]any{"id": a.next, "name": body["name"]}
				if dated {
					fields["created_at"] = time.Now().UTC().Format(time.RFC3339)
				}
				a.recs[fmt.Sprintf("/api/projects/%d", a.next)] = &r11Rec{Owner: uid, Fields: fields}
				r11Write(w, 201, fields)
				return true
			}
			res, err := r11Scan(t, context.Background(), api, func(o *scanner.Options) {
				o.Bodies = map[string][]byte{"POST /api/projects": []byte(`{"name": "ci-smoke"}`)}
			})
			if err != nil {
				t.Fatalf("scan: %v", err)
			}
			r11Created(t, res)
			if ws := api.writesOn("/api/projects/21"); dated && len(ws) > 0 {
				t.Errorf("writes on the team's project that existed before the scan: %q", ws)
			}
			if ch := api.changed(); len(ch) > 0 {
				t.Errorf("pre-existing data changed: %q", ch)
			}
		})
	}
}

// TestReview11AMembershipKeyedByUser: POST
// /api/projects/{projectId}/members adds a user to a team's project; a
// membership's id is the user's id, and adding a member who is one
// already answers the existing membership (idempotent, as GitHub's
// collaborators are). The project is the team's (pathValues: projectId
// 21), and alice is already its owner-member. The configured body
// ({"userId": 1, "role": "viewer"}) has no string to carry a marker, so
// the read-back cannot prove newness; the members list (which the scan
// can read before it writes) shows membership 1 existed, on its last page
// when the list is paged. At aaf945b the engine takes it for its own and
// the clean-up deletes alice's membership of her team's project; the
// list read before the create (uncommitted at c176f20) sees only the
// list's first page.
func TestReview11AMembershipKeyedByUser(t *testing.T) {
	// paged: the members list answers 2 a page, newest first, with a
	// next link (GitHub, GitLab and most APIs page their lists); alice's
	// own membership is on the last page.
	for _, paged := range []bool{false, true} {
		t.Run(map[bool]string{false: "one page", true: "paged list"}[paged], func(t *testing.T) {
			member := `{"type": "object", "required": ["userId", "role"], "properties": {"userId": {"type": "integer"}, "role": {"type": "string", "enum": ["viewer", "editor"]}}}`
			spec := r11Spec(r11CRUD("/api/projects/{projectId}/members", "userId", "integer", member, true, "get", "delete"))
			spec = strings.Replace(spec, `"/api/projects/{projectId}/members": {"post"`, `"/api/projects/{projectId}/members": {"parameters": [{"name": "projectId", "in": "path", "required": true, "schema": {"type": "integer"}}], "post"`, 1)
			spec = strings.Replace(spec, `"/api/projects/{projectId}/members/{userId}": {"parameters": [`, `"/api/projects/{projectId}/members/{userId}": {"parameters": [{"name": "projectId", "in": "path", "required": true, "schema": {"type": "integer"}}, `, 1)
			seed := map[string]*r11Rec{
				"/api/projects/21/members/1": {Owner: 1, Fields: map[string]any{"userId": 1, "role": "owner"}},
				"/api/projects/21/members/2": {Owner: 1, Fields: map[string]any{"userId": 2, "role": "editor"}},
			}
			if paged {
				for u := 4; u <= 8; u++ {
					seed[fmt.Sprintf("/api/projects/21/members/%d", u)] = &r11Rec{Owner: 1, Fields: map[string]any{"userId": u, "role": "viewer"}}
				}
			}
			api := newR11API(spec, seed)
			api.create = func(a *r11API, w http.ResponseWriter, r *http.Request, uid int, body map[string]any) bool {
				if r.URL.Path != "/api/projects/21/members" || uid != 1 {
					r11Write(w, 404, map[string]any{"error": "no such project"})
					return true
				}
				uidf, _ := body["userId"].(float64)
				key := fmt.Sprintf("%s/%d", r.URL.Path, int64(uidf))
				if rec, ok := a.recs[key]; ok {
					r11Write(w, 200, rec.Fields)
					return true
				}
				fields := map[string]any{"userId": body["userId"], "role": body["role"]}
				a.recs[key] = &r11Rec{Owner: uid, Fields: fields}
				r11Write(w, 201, fields)
				return true
			}
			if paged {
				api.item = func(a *r11API, w http.ResponseWriter, r *http.Request, uid int) bool {
					if r.Method != http.MethodGet || r.URL.Path != "/api/projects/21/members" {
						return false
					}
					var all []map[string]any
					for k, rec := range a.recs {
						if strings.HasPrefix(k, "/api/projects/21/members/") {
							all = append(all, rec.Fields)
						}
					}
					slices.SortFunc(all, func(x, y map[string]any) int { return r11Int(y["userId"]) - r11Int(x["userId"]) })
					page, _ := strconv.Atoi(r.URL.Query().Get("page"))
					page = max(page, 1)
					lo, hi := min((page-1)*2, len(all)), min(page*2, len(all))
					out := map[string]any{"data": all[lo:hi]}
					if hi < len(all) {
						out["next"] = fmt.Sprintf("/api/projects/21/members?page=%d", page+1)
					}
					r11Write(w, 200, out)
					return true
				}
			}
			res, err := r11Scan(t, context.Background(), api, func(o *scanner.Options) {
				o.PathValues = map[string]string{"projectId": "21"}
				// The config says whom to add: alice (the scan cannot
				// invent a user id).
				o.Bodies = map[string][]byte{"POST /api/projects/{projectId}/members": []byte(`{"userId": 1, "role": "viewer"}`)}
			})
			if err != nil {
				t.Fatalf("scan: %v", err)
			}
			r11Created(t, res)
			posts := 0
			for _, e := range api.exchanges() {
				if e.Method == http.MethodPost {
					posts++
				}
			}
			if posts == 0 {
				t.Fatalf("no create was sent: the test proves nothing; warnings %q", res.Warnings)
			}
			for _, p := range []string{"/api/projects/21/members/1", "/api/projects/21/members/2"} {
				if ws := api.writesOn(p); len(ws) > 0 {
					t.Errorf("writes on a membership that existed before the scan: %q", ws)
				}
			}
			if ch := api.changed(); len(ch) > 0 {
				t.Errorf("pre-existing data changed: %q", ch)
			}
		})
	}
}

// r11Int is a JSON number (or an int) as an int.
func r11Int(v any) int {
	switch n := v.(type) {
	case float64:
		return int(n)
	case int:
		return n
	}
	return 0
}

// TestReview11AIDForms: the new object's id comes from every form real
// frameworks answer with, and every object is deleted at the end: a
// Location header (relative, absolute, with a trailing slash, with a
// query, behind a path prefix) over an empty body, and numeric ids beyond
// 2^53 in the body (Twitter-style snowflakes), which must not be rounded
// by a float.
func TestReview11AIDForms(t *testing.T) {
	for _, tc := range []struct {
		name     string
		location func(base string, n int) string // "" for none
		big      bool
	}{
		{"location relative", func(_ string, n int) string { return fmt.Sprintf("/api/notes/%d", n) }, false},
		{"location absolute", func(base string, n int) string { return fmt.Sprintf("%s/api/notes/%d", base, n) }, false},
		{"location trailing slash", func(_ string, n int) string { return fmt.Sprintf("/api/notes/%d/", n) }, false},
		{"location with query", func(_ string, n int) string { return fmt.Sprintf("/api/notes/%d?expand=owner", n) }, false},
		{"location without leading slash", func(_ string, n int) string { return fmt.Sprintf("notes/%d", n) }, false},
		{"snowflake id in the body", nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := newR11API(r11Spec(r11CRUD("/api/notes", "noteId", "integer", r11NoteSchema, false, "get", "put", "delete")), map[string]*r11Rec{})
			var base string
			api.create = func(a *r11API, w http.ResponseWriter, r *http.Request, uid int, body map[string]any) bool {
				a.next++
				id := strconv.Itoa(a.next)
				var idv any = a.next
				if tc.big {
					id = "1790000000000000" + strconv.Itoa(a.next) // > 2^53
					idv = json.Number(id)
				}
				fields := map[string]any{"id": idv}
				for k, v := range body {
					fields[k] = v
				}
				a.recs["/api/notes/"+id] = &r11Rec{Owner: uid, Fields: fields}
				if tc.location != nil {
					w.Header().Set("Location", tc.location(base, a.next))
					w.WriteHeader(201)
					return true
				}
				r11Write(w, 201, fields)
				return true
			}
			srv := httptest.NewServer(api)
			defer srv.Close()
			base = srv.URL
			res, err := r11Scan(t, context.Background(), api, func(o *scanner.Options) {
				o.Target, o.OpenAPI = srv.URL, srv.URL+"/openapi.json"
			})
			if err != nil {
				t.Fatalf("scan: %v", err)
			}
			r11Created(t, res)
			if res.Coverage.Writes == nil {
				t.Fatalf("nothing created")
			}
			for _, c := range res.Coverage.Writes.Created {
				if c.Item == "" {
					t.Errorf("no id found: %+v", c)
				}
			}
			r11CheckLeft(t, api, res)
			if left := api.created(); len(left) > 0 {
				t.Errorf("left on the target: %q", left)
			}
		})
	}
}

// TestReview11AExcludeForms: --exclude of the notes' DELETE in the forms
// users write keeps every note DELETE unsent, even to clean up; the notes
// are listed as left, with the exclusion as the reason.
func TestReview11AExcludeForms(t *testing.T) {
	for _, pattern := range []string{"DELETE /api/notes/*", "DELETE /api/notes/{noteId}", "delete /api/notes/{id}", "* /api/notes/*"} {
		t.Run(pattern, func(t *testing.T) {
			api := r11Rich()
			res, err := r11Scan(t, context.Background(), api, func(o *scanner.Options) { o.Exclude = []string{pattern} })
			if err != nil {
				t.Fatalf("scan: %v", err)
			}
			for _, e := range api.exchanges() {
				if e.Method == http.MethodDelete && strings.HasPrefix(e.Path, "/api/notes/") {
					t.Errorf("sent %s", e)
				}
			}
			r11CheckLeft(t, api, res)
			notes := 0
			for _, p := range api.created() {
				if strings.HasPrefix(p, "/api/notes/") {
					notes++
				}
			}
			if notes == 0 && !strings.HasPrefix(pattern, "*") {
				t.Errorf("no note was created: the test proves nothing")
			}
			for _, p := range api.created() {
				if c, _ := r11Listed(res, p); strings.HasPrefix(p, "/api/notes/") && !strings.Contains(c.Reason, "exclude") {
					t.Errorf("%s left; reason %q does not name the exclusion", p, c.Reason)
				}
			}
		})
	}
}

// TestReview11AOwnerMovedNotDeleted: the notes' PUT lets the caller set
// userId (the mass-assignment flaw the rule is there to find): the rule's
// update moves alice's note to another user, after which alice's read
// answers 404. The note still exists (the admin reads it). The clean-up
// takes the owner's 404 for "deleted during the scan" although no DELETE
// of it was ever answered 2xx, sends no DELETE, and reports the note
// removed. A 404 to a reader proves a deletion only after a DELETE; else
// the clean-up must still delete it (the admin can) or list it as left.
func TestReview11AOwnerMovedNotDeleted(t *testing.T) {
	note := `{"type": "object", "required": ["title"], "properties": {"id": {"type": "integer", "readOnly": true}, "title": {"type": "string"}, "userId": {"type": "integer", "readOnly": true}}}`
	api := newR11API(r11Spec(r11CRUD("/api/notes", "noteId", "integer", note, true, "get", "put", "delete")), map[string]*r11Rec{})
	moved := false // guarded by api.mu
	api.item = func(a *r11API, w http.ResponseWriter, r *http.Request, uid int) bool {
		rec, ok := a.recs[r.URL.Path]
		if !ok || r.Method != http.MethodPut || (rec.Owner != uid && uid != 3) {
			return false
		}
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		for k, v := range body {
			if k == "id" {
				continue
			}
			rec.Fields[k] = v
			if f, ok := v.(float64); ok && k == "userId" && int(f) != rec.Owner {
				rec.Owner = int(f) // the flaw: the caller reassigns the note
				moved = true
			}
		}
		r11Write(w, 200, rec.Fields)
		return true
	}
	// The store answers creates with userId, as the read does.
	api.create = func(a *r11API, w http.ResponseWriter, r *http.Request, uid int, body map[string]any) bool {
		a.next++
		fields := map[string]any{"id": a.next, "userId": uid}
		for k, v := range body {
			if k != "id" && k != "userId" {
				fields[k] = v
			}
		}
		a.recs[fmt.Sprintf("/api/notes/%d", a.next)] = &r11Rec{Owner: uid, Fields: fields}
		r11Write(w, 201, fields)
		return true
	}
	res, err := r11Scan(t, context.Background(), api, nil)
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	r11Created(t, res)
	api.mu.Lock()
	wasMoved := moved
	api.mu.Unlock()
	if !wasMoved {
		t.Fatalf("no note was moved to another owner: the test proves nothing; left %q", api.created())
	}
	r11CheckLeft(t, api, res)
}

// r11Made reports whether the API answered a create with 201.
func r11Made(api *r11API) bool {
	for _, e := range api.exchanges() {
		if e.Method == http.MethodPost && e.Status == http.StatusCreated {
			return true
		}
	}
	return false
}

// TestReview11AThirdPartyAddresses: creates whose example values are real
// addresses. An invitation's recipient ("to", no format, example
// "jane.doe@acme-corp.com") is mailed the moment the invitation is
// created; a webhook's url (example "https://hooks.acme-corp.com/deploy")
// is called by the target on its next event. Active mode must not mail
// or call someone else: every address it sends is in a reserved domain
// (example.invalid), as its generated emails are, and a phone number is
// a fictional one (555-01xx). At aaf945b every example is sent as it is;
// at 5b836e7 a bare address or URL is replaced, but not an address with a
// display name ("Jane Doe <jane.doe@acme-corp.com>"), a list of recipients
// in one string, or a phone number.
func TestReview11AThirdPartyAddresses(t *testing.T) {
	invite := `{"type": "object", "required": ["to", "message"], "properties": {"id": {"type": "integer", "readOnly": true}, "to": {"type": "string", "example": "jane.doe@acme-corp.com"}, "message": {"type": "string"}}}`
	// A mail with a display name and a list of recipients in one string
	// (RFC 5322), as mail APIs take them.
	mail := `{"type": "object", "required": ["from", "cc", "subject"], "properties": {"id": {"type": "integer", "readOnly": true}, "from": {"type": "string", "example": "Jane Doe <jane.doe@acme-corp.com>"}, "cc": {"type": "string", "example": "ops@acme-corp.com, cto@acme-corp.com"}, "subject": {"type": "string"}}}`
	// An SMS invitation: the example is a real number (the song's).
	sms := `{"type": "object", "required": ["phone", "name"], "properties": {"id": {"type": "integer", "readOnly": true}, "name": {"type": "string"}, "phone": {"type": "string", "example": "+1 415 867 5309"}}}`
	hook := `{"type": "object", "required": ["url", "name"], "properties": {"id": {"type": "integer", "readOnly": true}, "name": {"type": "string"}, "url": {"type": "string", "example": "https://hooks.acme-corp.com/deploy"}}}`
	api := newR11API(r11Spec(r11CRUD("/api/invitations", "invitationId", "integer", invite, true, "get", "delete")+", "+
		r11CRUD("/api/webhooks", "webhookId", "integer", hook, true, "get", "delete")+", "+
		r11CRUD("/api/mails", "mailId", "integer", mail, true, "get", "delete")+", "+
		r11CRUD("/api/sms-invites", "inviteId", "integer", sms, true, "get", "delete")), map[string]*r11Rec{})
	var mu sync.Mutex
	var bodies []string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			b, _ := io.ReadAll(r.Body)
			mu.Lock()
			bodies = append(bodies, r.URL.Path+" "+string(b))
			mu.Unlock()
			r.Body = io.NopCloser(bytes.NewReader(b))
		}
		api.ServeHTTP(w, r)
	})
	if _, err := r11Scan(t, context.Background(), h, nil); err != nil {
		t.Fatalf("scan: %v", err)
	}
	if !r11Made(api) {
		t.Fatalf("nothing was created: the test proves nothing")
	}
	mu.Lock()
	defer mu.Unlock()
	for _, b := range bodies {
		if strings.Contains(b, "acme-corp.com") || strings.Contains(b, "867 5309") {
			t.Errorf("sent a third party's address: %s", b)
		}
	}
}

// TestReview11ACascadeAndNoopDelete: parents and children on APIs whose
// DELETE cascades (a project takes its members along), refuses a parent
// that still has children (409, a foreign key), or answers 200 and does
// nothing (a GET shows the object is still there). Whatever the API does,
// what the scan created is gone or listed as left, no deletion is claimed
// that did not happen, and pre-existing data is unchanged.
func TestReview11ACascadeAndNoopDelete(t *testing.T) {
	for _, mode := range []string{"cascade", "conflict", "noop"} {
		t.Run(mode, func(t *testing.T) {
			api := r11Rich()
			api.item = func(a *r11API, w http.ResponseWriter, r *http.Request, uid int) bool {
				rec, ok := a.recs[r.URL.Path]
				if !ok || r.Method != http.MethodDelete || (rec.Owner != uid && uid != 3) {
					return false
				}
				children := []string{}
				for k := range a.recs {
					if strings.HasPrefix(k, r.URL.Path+"/") {
						children = append(children, k)
					}
				}
				switch mode {
				case "cascade":
					for _, k := range children {
						delete(a.recs, k)
					}
					return false
				case "conflict":
					if len(children) > 0 {
						r11Write(w, 409, map[string]any{"error": "the project still has members"})
						return true
					}
					return false
				}
				r11Write(w, 200, map[string]any{"deleted": 1}) // and nothing is
				return true
			}
			res, err := r11Scan(t, context.Background(), api, nil)
			if err != nil {
				t.Fatalf("scan: %v", err)
			}
			if !r11Made(api) {
				t.Fatalf("nothing was created: the test proves nothing")
			}
			if ch := api.changed(); len(ch) > 0 {
				t.Errorf("pre-existing data changed: %q", ch)
			}
			r11CheckLeft(t, api, res)
		})
	}
}

// TestReview11ABudgetIsABound: PRODUCT.md defines --budget as the "max
// requests in total". The clean-up must still remove what the scan
// created, so a careful engine keeps what the clean-up needs in reserve
// (no create is started that the rest of the budget could not also
// delete and confirm). At 74c3488 the clean-up simply goes past the budget
// (docs/active-mode.md says so): with --budget 100 the target gets about
// 130 requests, with 130 about 175.
func TestReview11ABudgetIsABound(t *testing.T) {
	for _, budget := range []int{90, 100, 130} {
		t.Run(strconv.Itoa(budget), func(t *testing.T) {
			api := r11Rich()
			res, err := r11Scan(t, context.Background(), api, func(o *scanner.Options) { o.Client.Budget = budget })
			if err != nil {
				t.Fatalf("scan: %v", err)
			}
			if res.Requests > budget {
				made := 0
				if res.Coverage.Writes != nil {
					made = len(res.Coverage.Writes.Created)
				}
				t.Errorf("--budget %d: the scan sent %d requests (%d objects created)", budget, res.Requests, made)
			}
			if left := api.created(); len(left) > 0 {
				t.Errorf("left on the target: %q", left)
			}
		})
	}
}

// TestReview11AUpsertCart: POST /api/carts is create-or-replace ("the
// caller's cart is what the body says"): it writes the body into alice's
// existing cart 7 and answers it, marker included, with no timestamps. The
// first create cannot tell (its answer and read-back carry the scan's
// marker), but every later create answers cart 7 again: from then on the
// engine knows cart 7 is not the scan's, and the clean-up must not delete
// it (the create's own overwrite of the note is unavoidable; losing the
// cart with its contents is not). At c176f20 only the later creates are
// refused; the first one's record stays, and the clean-up deletes alice's
// cart.
func TestReview11AUpsertCart(t *testing.T) {
	api := r11Carts(200, false)
	api.create = func(a *r11API, w http.ResponseWriter, r *http.Request, uid int, body map[string]any) bool {
		for _, k := range slices.Sorted(maps.Keys(a.recs)) {
			if rec := a.recs[k]; rec.Owner == uid {
				if note, ok := body["note"]; ok {
					rec.Fields["note"] = note
				}
				r11Write(w, 200, rec.Fields)
				return true
			}
		}
		return false
	}
	res, err := r11Scan(t, context.Background(), api, nil)
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	r11Created(t, res)
	posts := 0
	for _, e := range api.exchanges() {
		if e.Method == http.MethodPost && e.Path == "/api/carts" && e.Who == 1 && e.Status == http.StatusOK {
			posts++
		}
	}
	if posts < 2 {
		t.Fatalf("alice's cart was answered to %d creates: the engine had no second answer to learn from; the test proves nothing", posts)
	}
	api.mu.Lock()
	_, kept := api.recs["/api/carts/7"]
	api.mu.Unlock()
	if !kept {
		t.Errorf("alice's cart 7, which existed before the scan, was deleted: %q", api.writesOn("/api/carts/7"))
	}
	if c, ok := r11Listed(res, "/api/carts/7"); ok && c.Deleted {
		t.Errorf("coverage.writes claims the scan created and deleted alice's cart: %+v", c)
	}
}

// TestReview11AIDInBody: a Spring Boot API whose Note schema (springdoc,
// one schema for requests and answers) has its id as a plain property with
// an example (12), not readOnly. The handler is Spring Data's
// repository.save(note) (or EF Core's Update): a body whose id names an
// existing row updates that row (JPA merge) instead of inserting one, for
// the create and for PUT alike. A careful engine never sends an object's
// own id in a body it generates: the example names someone else's note.
// At aaf945b the create body carries "id": 12, overwrites bob's note 12,
// and the admin deletes it at the clean-up; 74c3488 drops "id", "_id" and
// the item parameter's name, but not an ASP.NET API's PascalCase "Id"
// (Newtonsoft with the default contract resolver), which still overwrites
// note 12.
func TestReview11AIDInBody(t *testing.T) {
	for _, idName := range []string{"id", "Id"} {
		t.Run(idName, func(t *testing.T) { r11IDInBody(t, idName) })
	}
}

// r11IDInBody is TestReview11AIDInBody with the id property named idName.
func r11IDInBody(t *testing.T, idName string) {
	note := `{"type": "object", "required": ["title"], "properties": {"` + idName + `": {"type": "integer", "format": "int64", "example": 12}, "title": {"type": "string"}, "text": {"type": "string"}}}`
	api := newR11API(r11Spec(r11CRUD("/api/notes", "noteId", "integer", note, true, "get", "put", "delete")), map[string]*r11Rec{
		"/api/notes/11": {Owner: 1, Fields: map[string]any{"id": 11, "title": "alice's plans"}},
		"/api/notes/12": {Owner: 2, Fields: map[string]any{"id": 12, "title": "bob's list"}},
	})
	save := func(a *r11API, w http.ResponseWriter, body map[string]any, status int, fallback string) {
		key := fallback
		if f, ok := body[idName].(float64); ok {
			if k := fmt.Sprintf("/api/notes/%d", int64(f)); a.recs[k] != nil {
				key = k // save() of an entity with an existing id: an update
			}
		}
		rec := a.recs[key]
		if rec == nil {
			a.next++
			key = fmt.Sprintf("/api/notes/%d", a.next)
			rec = &r11Rec{Owner: 0, Fields: map[string]any{"id": a.next}}
			a.recs[key] = rec
		}
		for k, v := range body {
			if k != idName {
				rec.Fields[k] = v
			}
		}
		r11Write(w, status, rec.Fields)
	}
	api.create = func(a *r11API, w http.ResponseWriter, r *http.Request, uid int, body map[string]any) bool {
		save(a, w, body, 201, "")
		for _, rec := range a.recs {
			if rec.Owner == 0 {
				rec.Owner = uid
			}
		}
		return true
	}
	api.item = func(a *r11API, w http.ResponseWriter, r *http.Request, uid int) bool {
		rec, ok := a.recs[r.URL.Path]
		if !ok || r.Method != http.MethodPut || (rec.Owner != uid && uid != 3) {
			return false
		}
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		save(a, w, body, 200, r.URL.Path)
		return true
	}
	res, err := r11Scan(t, context.Background(), api, nil)
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	r11Created(t, res)
	posts := 0
	for _, e := range api.exchanges() {
		if e.Method == http.MethodPost && e.Who > 0 {
			posts++
		}
	}
	if posts == 0 {
		t.Fatalf("no create was sent: the test proves nothing")
	}
	if ch := api.changed(); len(ch) > 0 {
		t.Errorf("pre-existing data changed: %q", ch)
	}
}

// TestReview11AAccountIsNotAUser: a bank's POST /api/transactions takes
// {accountId, amount} and books the amount on that bank account. Bank
// accounts are their own table: alice (user 5, GET /api/me says so) holds
// account 9; account 5 is carol's (there is no account 1). An engine that
// fills a property named accountId (or customerId, memberId, profileId)
// with the caller's user id books on carol's account. A careful engine
// fills a reference with the caller's own id only for a property that
// names a user, and otherwise needs an object of its own (or a configured
// value). With the engine's references (uncommitted after 91faf33)
// accountId gets alice's user id, 5, and carol's balance changes.
func TestReview11AAccountIsNotAUser(t *testing.T) {
	txn := `{"type": "object", "required": ["accountId", "amount"], "properties": {"id": {"type": "integer", "readOnly": true}, "accountId": {"type": "integer"}, "amount": {"type": "integer", "minimum": 1}, "memo": {"type": "string"}}}`
	api := newR11API(r11Spec(r11CRUD("/api/transactions", "transactionId", "integer", txn, true, "get", "delete")+`,
	  "/api/me": {"get": {"responses": {"200": {"description": "the caller"}}}},
	  "/api/accounts/{accountId}": {"parameters": [{"name": "accountId", "in": "path", "required": true, "schema": {"type": "integer"}}], "get": {"responses": {"200": {"description": "ok"}}}}`),
		map[string]*r11Rec{
			"/api/accounts/5":  {Owner: 4, Fields: map[string]any{"id": 5, "holder": "carol", "balance": 500}},
			"/api/accounts/9":  {Owner: 1, Fields: map[string]any{"id": 9, "holder": "alice", "balance": 80}},
			"/api/accounts/10": {Owner: 2, Fields: map[string]any{"id": 10, "holder": "bob", "balance": 60}},
		})
	api.item = func(a *r11API, w http.ResponseWriter, r *http.Request, uid int) bool {
		if r.Method == http.MethodGet && r.URL.Path == "/api/me" {
			// User ids are not the store's caller numbers: alice is user 5.
			r11Write(w, 200, map[string]any{"id": uid + 4, "name": map[int]string{1: "alice", 2: "bob", 3: "admin"}[uid]})
			return true
		}
		return false
	}
	api.create = func(a *r11API, w http.ResponseWriter, r *http.Request, uid int, body map[string]any) bool {
		if r.URL.Path != "/api/transactions" {
			return false
		}
		acct, ok := a.recs[fmt.Sprintf("/api/accounts/%v", body["accountId"])]
		amount, _ := body["amount"].(float64)
		if !ok || amount < 1 {
			r11Write(w, 422, map[string]any{"error": "unknown account or bad amount"})
			return true
		}
		acct.Fields["balance"] = acct.Fields["balance"].(int) - int(amount) // the API does not check whose account it is
		return false
	}
	res, err := r11Scan(t, context.Background(), api, nil)
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	r11Created(t, res)
	if ch := api.changed(); len(ch) > 0 {
		t.Errorf("pre-existing data changed: %q", ch)
	}
}

// TestReview11AGetOrCreateFirstIsNew: the same get-or-create cart, but
// alice has no cart before the scan: her first create makes one (201, the
// scan's marker in it), and every later create answers that cart (200).
// The cart is the scan's own, so the clean-up deletes it or lists it as
// left; a get-or-create seen later must not make the engine forget the
// object it did create. With the find-or-create handling uncommitted
// after 91faf33, the record is marked foreign ("not listed") and alice's
// new cart stays on the target unlisted.
func TestReview11AGetOrCreateFirstIsNew(t *testing.T) {
	api := r11Carts(200, false)
	delete(api.recs, "/api/carts/7")
	delete(api.seeded, "/api/carts/7")
	res, err := r11Scan(t, context.Background(), api, nil)
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	r11Created(t, res)
	answers := map[int]int{}
	for _, e := range api.exchanges() {
		if e.Method == http.MethodPost && e.Path == "/api/carts" && e.Who == 1 {
			answers[e.Status]++
		}
	}
	if answers[http.StatusCreated] != 1 || answers[http.StatusOK] == 0 {
		t.Fatalf("alice's creates answered %v: want one 201, then 200s; the test proves nothing", answers)
	}
	if ch := api.changed(); len(ch) > 0 {
		t.Errorf("pre-existing data changed: %q", ch)
	}
	r11CheckLeft(t, api, res)
}

// r11Paged answers GET collection with the caller's records, per a page,
// oldest (lowest id) first, in DRF's shape ({"results", "count", "next"}):
// a record past the first page is seen only by following next.
func r11Paged(a *r11API, w http.ResponseWriter, r *http.Request, uid int, collection string, per int) {
	var mine []map[string]any
	for k, rec := range a.recs {
		if rec.Owner == uid && strings.HasPrefix(k, collection+"/") {
			mine = append(mine, rec.Fields)
		}
	}
	slices.SortFunc(mine, func(x, y map[string]any) int { return r11Int(x["id"]) - r11Int(y["id"]) })
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	page = max(page, 1)
	lo, hi := min((page-1)*per, len(mine)), min(page*per, len(mine))
	out := map[string]any{"results": mine[lo:hi], "count": len(mine)}
	if hi < len(mine) {
		out["next"] = fmt.Sprintf("%s?page=%d", collection, page+1)
	}
	r11Write(w, 200, out)
}

// r11Notes25 are 25 notes of alice's that exist before the scan.
func r11Notes25() map[string]*r11Rec {
	seed := map[string]*r11Rec{}
	for n := 100; n < 125; n++ {
		seed[fmt.Sprintf("/api/notes/%d", n)] = &r11Rec{Owner: 1, Fields: map[string]any{"id": n, "title": fmt.Sprintf("alice's note %d", n)}}
	}
	return seed
}
