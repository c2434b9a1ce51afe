package scanner

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner/objects"
	"github.com/authgate/authgate/scanner/openapi"
)

// writesAPI is a loopback API with notes (owner-checked CRUD), projects
// with members (nested), tags (no DELETE) and one pre-existing note of
// alice's that no write may touch. It logs every request.
type writesAPI struct {
	// requireText makes POST /api/notes demand "text", which the
	// description does not say (learned from the 400).
	requireText bool
	// softDelete keeps deleted notes, flagged.
	softDelete bool
	// refuseDelete answers 403 to every note DELETE.
	refuseDelete bool
	// adminNotes: anyone signed in creates notes, only the admin reads
	// and deletes them (the owner gets 404).
	adminNotes bool
	// guestNotes: anonymous callers create notes (owned by "guest") and
	// delete guest notes; they cannot read them, signed-in users can.
	guestNotes bool
	// upsert: a create answers with the caller's existing note 1.
	upsert bool
	// bare: a create answers 201 with no body and no Location.
	bare bool
	// dropDeletes closes the connection on every DELETE.
	dropDeletes bool
	// dropCreated stores a created note, then closes the connection
	// instead of answering.
	dropCreated bool
	// stale answers a create with a creation time long before the scan.
	stale bool
	// findOrCreate answers every create after the first with the first
	// note made (201, then 200), as Rails' find_or_create_by does.
	findOrCreate string

	mu      sync.Mutex
	next    int
	records map[string]map[string]any // "/api/notes/1" -> record
	log     []string                  // "alice DELETE /api/notes/3"
}

const writesSpec = `{
  "openapi": "3.0.0",
  "info": {"title": "notes", "version": "1"},
  "components": {
    "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
    "schemas": {
      "Note": {"type": "object", "required": ["title"], "properties": {
        "id": {"type": "integer", "readOnly": true},
        "title": {"type": "string", "maxLength": 80},
        "text": {"type": "string"}}},
      "Named": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}
    }
  },
  "security": [{"bearer": []}],
  "paths": {
    "/api/notes": {"get": {"responses": {"200": {"description": "ok"}}}, "post": {"requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Note"}}}}, "responses": {"201": {"description": "ok"}}}},
    "/api/notes/{noteId}": {
      "parameters": [{"name": "noteId", "in": "path", "required": true, "schema": {"type": "integer"}}],
      "get": {"responses": {"200": {"description": "ok"}}},
      "put": {"requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Note"}}}}, "responses": {"200": {"description": "ok"}}},
      "patch": {"requestBody": {"content": {"application/json": {"schema": {"type": "object", "properties": {"title": {"type": "string"}, "text": {"type": "string"}}}}}}, "responses": {"200": {"description": "ok"}}},
      "delete": {"responses": {"204": {"description": "ok"}}}},
    "/api/projects": {"post": {"requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Named"}}}}, "responses": {"201": {"description": "ok"}}}},
    "/api/projects/{id}": {
      "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
      "get": {"responses": {"200": {"description": "ok"}}},
      "delete": {"responses": {"204": {"description": "ok"}}}},
    "/api/projects/{projectId}/members": {
      "parameters": [{"name": "projectId", "in": "path", "required": true, "schema": {"type": "integer"}}],
      "post": {"requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Named"}}}}, "responses": {"201": {"description": "ok"}}}},
    "/api/projects/{pid}/members/{memberId}": {
      "parameters": [{"name": "pid", "in": "path", "required": true, "schema": {"type": "integer"}}, {"name": "memberId", "in": "path", "required": true, "schema": {"type": "integer"}}],
      "get": {"responses": {"200": {"description": "ok"}}},
      "delete": {"responses": {"204": {"description": "ok"}}}},
    "/api/tags": {"post": {"requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Named"}}}}, "responses": {"201": {"description": "ok"}}}},
    "/api/tags/{tagId}": {"get": {"parameters": [{"name": "tagId", "in": "path", "required": true, "schema": {"type": "integer"}}], "responses": {"200": {"description": "ok"}}}},
    "/api/users": {"post": {"security": [], "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Named"}}}}, "responses": {"201": {"description": "ok"}}}},
    "/api/users/{userId}": {"delete": {"parameters": [{"name": "userId", "in": "path", "required": true, "schema": {"type": "integer"}}], "responses": {"204": {"description": "ok"}}}},
    "/api/me": {"delete": {"responses": {"204": {"description": "ok"}}}},
    "/api/register": {"post": {"requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Named"}}}}, "responses": {"201": {"description": "ok"}}}}
  }
}`

func newWritesAPI() *writesAPI {
	return &writesAPI{next: 100, records: map[string]map[string]any{
		"/api/notes/1": {"id": 1, "owner": "alice", "title": "alice's diary", "text": "private"},
	}}
}

// snapshot is the records as JSON, to compare before and after.
func (a *writesAPI) snapshot(path string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	b, _ := json.Marshal(a.records[path])
	return string(b)
}

func (a *writesAPI) logged() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.log)
}

func (a *writesAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	user := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	a.mu.Lock()
	defer a.mu.Unlock()
	a.log = append(a.log, user+" "+r.Method+" "+r.URL.Path)
	if a.dropDeletes && r.Method == http.MethodDelete {
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			conn.Close()
		}
		return
	}
	if r.URL.Path == "/openapi.json" {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, writesSpec)
		return
	}
	segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	guest := a.guestNotes && len(segs) > 1 && segs[1] == "notes" && (r.Method == http.MethodPost || r.Method == http.MethodDelete)
	if user == "" && !guest {
		writeTestJSON(w, 401, map[string]any{"error": "unauthorized"})
		return
	}
	if user == "" {
		user = "guest"
	}
	if r.Method == http.MethodDelete && r.URL.Path == "/api/me" {
		w.WriteHeader(204) // the account is closed
		return
	}
	if r.Method == http.MethodPost && a.upsert && user == "alice" {
		writeTestJSON(w, 200, a.records["/api/notes/1"])
		return
	}
	if r.Method == http.MethodPost {
		a.create(w, r, user, segs)
		return
	}
	if r.Method == http.MethodGet && r.URL.Path == "/api/notes" {
		list := []map[string]any{}
		for _, k := range slices.Sorted(maps.Keys(a.records)) {
			if strings.HasPrefix(k, "/api/notes/") && a.records[k]["owner"] == user {
				list = append(list, a.records[k])
			}
		}
		writeTestJSON(w, 200, list)
		return
	}
	rec, ok := a.records[r.URL.Path]
	if !ok || (rec["deleted"] == true && r.Method != http.MethodGet) {
		writeTestJSON(w, 404, map[string]any{"error": "not found"})
		return
	}
	switch {
	case a.adminNotes && len(segs) > 1 && segs[1] == "notes" && user != "admin":
		writeTestJSON(w, 404, map[string]any{"error": "not found"})
		return
	case a.guestNotes && rec["owner"] == "guest" && (r.Method == http.MethodGet || user == "guest"):
	case rec["owner"] != user && user != "admin":
		writeTestJSON(w, 403, map[string]any{"error": "forbidden"})
		return
	}
	switch r.Method {
	case http.MethodGet:
		writeTestJSON(w, 200, rec)
	case http.MethodPut, http.MethodPatch:
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		for k, v := range body {
			if k != "id" && k != "owner" {
				rec[k] = v
			}
		}
		writeTestJSON(w, 200, rec)
	case http.MethodDelete:
		if a.refuseDelete && segs[1] == "notes" {
			writeTestJSON(w, 403, map[string]any{"error": "deleting notes is not allowed"})
			return
		}
		if a.softDelete {
			rec["deleted"] = true
		} else {
			delete(a.records, r.URL.Path)
		}
		w.WriteHeader(204)
	}
}

func (a *writesAPI) create(w http.ResponseWriter, r *http.Request, user string, segs []string) {
	var body map[string]any
	if json.NewDecoder(r.Body).Decode(&body) != nil {
		writeTestJSON(w, 400, map[string]any{"error": "invalid JSON"})
		return
	}
	parent := "/" + strings.Join(segs[:len(segs)-1], "/")
	if len(segs) == 4 { // /api/projects/{id}/members: the project's owner only
		p, ok := a.records[parent]
		if !ok || p["owner"] != user {
			writeTestJSON(w, 404, map[string]any{"error": "no such project"})
			return
		}
	}
	if segs[len(segs)-1] == "notes" && a.requireText && body["text"] == nil {
		writeTestJSON(w, 400, map[string]any{"message": `"text" is required`})
		return
	}
	if a.findOrCreate != "" && segs[len(segs)-1] == "notes" {
		writeTestJSON(w, 200, a.records[a.findOrCreate])
		return
	}
	a.next++
	rec := map[string]any{"id": a.next, "owner": user}
	for k, v := range body {
		rec[k] = v
	}
	a.records[r.URL.Path+"/"+strconv.Itoa(a.next)] = rec
	if a.dropCreated {
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			conn.Close()
		}
		return
	}
	if a.stale {
		out := maps.Clone(rec)
		out["created_at"] = "2026-01-02T09:00:00Z"
		writeTestJSON(w, 200, out)
		return
	}
	if a.bare {
		w.WriteHeader(201)
		return
	}
	writeTestJSON(w, 201, map[string]any{"data": rec})
}

func writeTestJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeRule is an API rule whose body the test gives.
type writeRule struct {
	fn func(ctx context.Context, a *API) []finding.Finding
}

func (writeRule) Info() finding.RuleInfo {
	ri, _ := finding.Lookup("bola-cross-user-write")
	return ri
}

func (r writeRule) CheckAPI(ctx context.Context, a *API) []finding.Finding { return r.fn(ctx, a) }

// writesScan scans api in active mode with alice (primary), bob (peer) and
// admin, running fn as the one API rule.
func writesScan(t *testing.T, api *writesAPI, change func(*Options), fn func(ctx context.Context, a *API) []finding.Finding) *Result {
	t.Helper()
	return writesScanCtx(t, context.Background(), api, change, fn)
}

// writesScanCtx is writesScan on ctx.
func writesScanCtx(t *testing.T, ctx context.Context, api *writesAPI, change func(*Options), fn func(ctx context.Context, a *API) []finding.Finding) *Result {
	t.Helper()
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	admin := bearerIdentity("admin", "admin")
	admin.Role = RoleAdmin
	opts := Options{
		Target:   srv.URL,
		OpenAPI:  srv.URL + "/openapi.json",
		Primary:  bearerIdentity("alice", "alice"),
		Peer:     bearerIdentity("bob", "bob"),
		Admin:    admin,
		Mode:     finding.ModeActive,
		Client:   ClientOptions{Concurrency: 4, Timeout: 5 * time.Second},
		Wait:     time.Second,
		APIRules: []APIRule{writeRule{fn: fn}},
	}
	if change != nil {
		change(&opts)
	}
	res, err := Scan(ctx, opts)
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	return res
}

// kind returns the kind whose create is on collection.
func kind(t *testing.T, w *Writes, collection string) objects.Lifecycle {
	t.Helper()
	for _, k := range w.Kinds() {
		if k.Collection == collection {
			return k
		}
	}
	t.Fatalf("no kind %s in %v", collection, kindNames(w.Kinds()))
	return objects.Lifecycle{}
}

func kindNames(ks []objects.Lifecycle) []string {
	var out []string
	for _, k := range ks {
		out = append(out, k.Create.Method+" "+k.Create.Path)
	}
	return out
}

// TestWritesLifecycle: the engine creates a note as alice with a marked
// body, takes its id from the wrapped answer, reads it, updates it with a
// fresh marker, refuses to touch the pre-existing note, and deletes what it
// created at the end, confirmed by a read-back; the pre-existing note is
// unchanged.
func TestWritesLifecycle(t *testing.T) {
	api := newWritesAPI()
	before := api.snapshot("/api/notes/1")
	var kinds []string
	res := writesScan(t, api, nil, func(ctx context.Context, a *API) []finding.Finding {
		w := a.Writes()
		kinds = kindNames(w.Kinds())
		notes := kind(t, w, "/api/notes")
		o, r, why := w.Create(ctx, notes, a.s.primary, nil)
		if o == nil {
			t.Fatalf("create: %s (%v)", why, r)
		}
		if o.ID == "" || !strings.Contains(string(o.Sent), o.Marker) || !strings.HasPrefix(o.Marker, "authgate-"+w.seed+"-") {
			t.Errorf("object %+v: want an id and a marked body", o)
		}
		if got := w.Read(ctx, o, a.s.primary); got == nil || got.Status != 200 || !strings.Contains(string(got.Body), o.Marker) {
			t.Errorf("read-back %v: want 200 with the marker", got)
		}
		for _, method := range []string{"PUT", "PATCH"} {
			m := w.Marker()
			body, ok := w.UpdateBody(o, method, m)
			if !ok {
				t.Fatalf("%s: no body to mark", method)
			}
			if r := w.Send(ctx, o, method, a.s.primary, body); r.Status != 200 {
				t.Errorf("%s answered %d", method, r.Status)
			}
			if got := w.Read(ctx, o, a.s.primary); !strings.Contains(string(got.Body), m) {
				t.Errorf("after %s the read-back %s lacks %s", method, got.Body, m)
			}
		}
		foreign := &Object{Kind: notes, Owner: a.s.primary, ID: "1"}
		for _, method := range []string{"PUT", "DELETE"} {
			if r := w.Send(ctx, foreign, method, a.s.primary, []byte(`{"title":"x"}`)); r.Err == nil {
				t.Errorf("%s on an object the scan did not create was sent", method)
			}
		}
		if gone, _ := w.Gone(ctx, o); gone {
			t.Errorf("Gone before any delete")
		}
		return nil
	})
	if want := []string{"POST /api/notes", "POST /api/projects", "POST /api/projects/{projectId}/members", "POST /api/tags"}; !slices.Equal(kinds, want) {
		t.Errorf("kinds %q, want %q (the register flow and the public sign-up are not kinds)", kinds, want)
	}
	if after := api.snapshot("/api/notes/1"); after != before {
		t.Errorf("the pre-existing note changed: %s -> %s", before, after)
	}
	for _, l := range api.logged() {
		if strings.HasSuffix(l, "/api/notes/1") && !strings.Contains(l, " GET ") {
			t.Errorf("sent to the pre-existing note: %s", l)
		}
	}
	wc := res.Coverage.Writes
	if wc == nil || len(wc.Created) != 1 || wc.Left != 0 {
		t.Fatalf("coverage writes %+v, want one created and removed", wc)
	}
	c := wc.Created[0]
	if !c.Deleted || c.Owner != "alice" || c.Operation != "POST /api/notes" || !strings.HasPrefix(c.Item, "/api/notes/") || !strings.Contains(c.Reason, "404") {
		t.Errorf("created %+v", c)
	}
	if len(api.records) != 1 {
		t.Errorf("records left: %v", api.records)
	}
}

// TestWritesNested: a member is created under a project the engine creates
// first (the member route names the parent projectId, the item routes pid);
// the peer's CreateUnder lands in alice's project; the clean-up deletes the
// members before the project.
func TestWritesNested(t *testing.T) {
	api := newWritesAPI()
	res := writesScan(t, api, nil, func(ctx context.Context, a *API) []finding.Finding {
		w := a.Writes()
		members := kind(t, w, "/api/projects/{projectId}/members")
		m, r, why := w.Create(ctx, members, a.s.primary, nil)
		if m == nil {
			t.Fatalf("create member: %s (%v)", why, r)
		}
		pid := m.Parents["projectId"]
		if pid == "" || m.ID == "" {
			t.Fatalf("member %+v: want a parent and an id", m)
		}
		if got := w.Read(ctx, m, a.s.primary); got.Status != 200 {
			t.Errorf("member read-back %d", got.Status)
		}
		project := &Object{Kind: kind(t, w, "/api/projects"), Owner: a.s.primary, ID: pid}
		if _, _, why := w.CreateUnder(ctx, members, project, a.s.peer, nil); !strings.Contains(why, "not created by this scan") {
			t.Errorf("CreateUnder a look-alike parent: %q, want refused", why)
		}
		var parent *Object
		for _, rec := range w.records {
			if rec.o.ID == pid {
				parent = rec.o
			}
		}
		_, r, _ = w.CreateUnder(ctx, members, parent, a.s.peer, nil)
		if r.Status != 404 {
			t.Errorf("bob adding a member to alice's project: %d, want the API's 404", r.Status)
		}
		return nil
	})
	if wc := res.Coverage.Writes; wc == nil || len(wc.Created) != 2 || wc.Left != 0 {
		t.Fatalf("coverage writes %+v, want project and member, removed", wc)
	}
	var deletes []string
	for _, l := range api.logged() {
		if strings.Contains(l, " DELETE ") {
			deletes = append(deletes, l)
		}
	}
	if len(deletes) != 2 || !strings.Contains(deletes[0], "/members/") || strings.Contains(deletes[1], "/members/") {
		t.Errorf("deletes %q, want the member's, then the project's", deletes)
	}
	if len(api.records) != 1 {
		t.Errorf("records left: %v", api.records)
	}
}

// TestWritesLearnsMissingField: a create refused with `"text" is required`
// is sent once more with text, marked.
func TestWritesLearnsMissingField(t *testing.T) {
	api := newWritesAPI()
	api.requireText = true
	writesScan(t, api, nil, func(ctx context.Context, a *API) []finding.Finding {
		w := a.Writes()
		o, r, why := w.Create(ctx, kind(t, w, "/api/notes"), a.s.primary, nil)
		if o == nil {
			t.Fatalf("create: %s (%v)", why, r)
		}
		var sent map[string]string
		_ = json.Unmarshal(o.Sent, &sent)
		if sent["text"] != o.Marker {
			t.Errorf("sent %s: want text carrying the marker", o.Sent)
		}
		return nil
	})
}

// TestWritesLeftovers: what cannot be deleted is listed with the reason and
// named in a warning: tags have no DELETE, a DELETE excluded by --exclude is
// never sent, a DELETE answered 403 (also by the admin).
func TestWritesLeftovers(t *testing.T) {
	cases := []struct {
		name       string
		collection string
		api        func(*writesAPI)
		exclude    []string
		reason     string
	}{
		{"no delete operation", "/api/tags", nil, nil, "no DELETE on /api/tags/{id}"},
		{"delete excluded", "/api/notes", nil, []string{"DELETE /api/notes/*"}, "DELETE /api/notes/{noteId} was not sent: excluded by --exclude"},
		{"delete refused", "/api/notes", func(a *writesAPI) { a.refuseDelete = true }, nil, "DELETE answered 403 to alice; DELETE answered 403 to admin"},
		{"delete unanswered", "/api/notes", func(a *writesAPI) { a.dropDeletes = true }, nil, "DELETE as alice got no answer: "},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			api := newWritesAPI()
			if tc.api != nil {
				tc.api(api)
			}
			// An operation rule too: a scan whose every failed request
			// was a write would count as one that saw nothing.
			change := func(o *Options) { o.Exclude, o.Rules = tc.exclude, []Rule{sharedIDRule{}} }
			res := writesScan(t, api, change, func(ctx context.Context, a *API) []finding.Finding {
				w := a.Writes()
				if o, _, why := w.Create(ctx, kind(t, w, tc.collection), a.s.primary, nil); o == nil {
					t.Fatalf("create: %s", why)
				}
				return nil
			})
			wc := res.Coverage.Writes
			if wc == nil || wc.Left != 1 || wc.Created[0].Deleted || !strings.Contains(wc.Created[0].Reason, tc.reason) {
				t.Fatalf("coverage writes %+v, want one left: %s", wc, tc.reason)
			}
			item := wc.Created[0].Item
			if !slices.ContainsFunc(res.Warnings, func(w string) bool {
				return strings.Contains(w, "left 1 of the 1 objects") && strings.Contains(w, item)
			}) {
				t.Errorf("warnings %q: want the leftover %s named", res.Warnings, item)
			}
			for _, l := range api.logged() {
				if len(tc.exclude) > 0 && strings.Contains(l, " DELETE /api/notes/") {
					t.Errorf("excluded DELETE sent: %s", l)
				}
			}
		})
	}
}

// TestWritesExcludeRespected: --exclude "PUT /api/notes/*" leaves the PUT
// out of the kind's items and Send never sends it.
func TestWritesExcludeRespected(t *testing.T) {
	api := newWritesAPI()
	writesScan(t, api, func(o *Options) { o.Exclude = []string{"PUT /api/notes/*"} }, func(ctx context.Context, a *API) []finding.Finding {
		w := a.Writes()
		o, _, why := w.Create(ctx, kind(t, w, "/api/notes"), a.s.primary, nil)
		if o == nil {
			t.Fatalf("create: %s", why)
		}
		if r := w.Send(ctx, o, "PUT", a.s.primary, []byte(`{"title":"x"}`)); r.Err == nil {
			t.Errorf("excluded PUT answered %d", r.Status)
		}
		return nil
	})
	for _, l := range api.logged() {
		if strings.Contains(l, " PUT ") {
			t.Errorf("excluded PUT sent: %s", l)
		}
	}
}

// TestWritesCleanupPastBudget: a rule that creates until the budget stops
// it still leaves the clean-up its deletes and confirming reads (each
// create holds them), and the scan sends no more than --budget.
func TestWritesCleanupPastBudget(t *testing.T) {
	api := newWritesAPI()
	const budget = 40
	refused := ""
	res := writesScan(t, api, func(o *Options) { o.Client.Budget = budget }, func(ctx context.Context, a *API) []finding.Finding {
		w := a.Writes()
		notes := kind(t, w, "/api/notes")
		for !a.Exhausted() {
			o, _, why := w.Create(ctx, notes, a.s.primary, nil)
			if o == nil {
				refused = why
				break
			}
		}
		return nil
	})
	if res.Requests > budget {
		t.Errorf("the scan sent %d requests; --budget %d is the most", res.Requests, budget)
	}
	if refused != "" && !strings.Contains(refused, "budget") {
		t.Errorf("the last create was refused with %q; want the budget named", refused)
	}
	wc := res.Coverage.Writes
	if wc == nil || len(wc.Created) == 0 || wc.Left != 0 {
		t.Fatalf("coverage writes %+v, want every object removed", wc)
	}
	if len(api.records) != 1 {
		t.Errorf("records left: %d", len(api.records)-1)
	}
	if !strings.Contains(res.Incomplete, "budget") {
		t.Errorf("incomplete %q: the budget ran out", res.Incomplete)
	}
}

// TestWritesSoftDelete: a delete that keeps the record flagged counts as
// gone, for the clean-up and for Gone.
func TestWritesSoftDelete(t *testing.T) {
	api := newWritesAPI()
	api.softDelete = true
	res := writesScan(t, api, nil, func(ctx context.Context, a *API) []finding.Finding {
		w := a.Writes()
		o, _, why := w.Create(ctx, kind(t, w, "/api/notes"), a.s.primary, nil)
		if o == nil {
			t.Fatalf("create: %s", why)
		}
		w.Send(ctx, o, "DELETE", a.s.primary, nil)
		if gone, r := w.Gone(ctx, o); !gone {
			t.Errorf("soft-deleted object not gone: %d %s", r.Status, r.Body)
		}
		return nil
	})
	if wc := res.Coverage.Writes; wc == nil || wc.Left != 0 || !strings.Contains(wc.Created[0].Reason, "deleted during the scan") {
		t.Fatalf("coverage writes %+v", wc)
	}
}

// TestWritesSafeMode: safe mode has no write engine.
func TestWritesSafeMode(t *testing.T) {
	api := newWritesAPI()
	res := writesScan(t, api, func(o *Options) { o.Mode = finding.ModeSafe }, func(ctx context.Context, a *API) []finding.Finding {
		if a.Writes() != nil {
			t.Errorf("safe mode has a write engine")
		}
		return nil
	})
	if res.Coverage.Writes != nil {
		t.Errorf("safe mode coverage writes %+v", res.Coverage.Writes)
	}
}

// TestMissingFields: the names of missing fields, as frameworks write them.
func TestMissingFields(t *testing.T) {
	cases := []struct {
		name   string
		status int
		body   string
		want   []string
	}{
		{"joi", 400, `{"message": "\"title\" is required"}`, []string{"title"}},
		{"serde", 422, "Failed to deserialize the JSON body: missing field `title` at line 1", []string{"title"}},
		{"plain", 400, `{"error": "title is required"}`, []string{"title"}},
		{"ajv", 400, `{"message": "body must have required property 'title'"}`, []string{"title"}},
		{"rails", 422, `{"errors": {"title": ["can't be blank"], "body": ["is too short"]}}`, []string{"title"}},
		{"django", 400, `{"title": ["This field is required."]}`, []string{"title"}},
		{"fastapi", 422, `{"detail": [{"loc": ["body", "title"], "msg": "Field required", "type": "missing"}]}`, []string{"title"}},
		{"express-validator", 400, `{"errors": [{"path": "title", "msg": "title is required"}]}`, []string{"title"}},
		{"not a missing field", 400, `{"error": "title too long"}`, nil},
		{"authentication", 400, `{"error": "authentication is required"}`, nil},
		{"not a 400", 500, `{"error": "title is required"}`, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := missingFields(&Response{Status: tc.status, Body: []byte(tc.body)})
			if !slices.Equal(got, tc.want) {
				t.Errorf("missingFields = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestSoftDeleted: the flags a kept, deleted record carries.
func TestSoftDeleted(t *testing.T) {
	for body, want := range map[string]bool{
		`{"id": 1, "deleted": true}`:                        true,
		`{"data": {"id": 1, "isDeleted": true}}`:            true,
		`{"id": 1, "deleted_at": "2026-01-01T00:00:00Z"}`:   true,
		`{"id": 1, "status": "deleted"}`:                    true,
		`{"id": 1, "discarded_at": "2026-01-01T00:00:00Z"}`: true,
		`{"id": 1, "discarded_at": null}`:                   false,
		`{"id": 1, "trashed": true}`:                        true,
		`{"id": 1, "status": "trash"}`:                      true,
		`{"id": 1, "archived_at": "2026-01-01T00:00:00Z"}`:  false,
		`{"id": 1, "archived": true}`:                       false,
		`{"id": 1, "deleted": false, "deletedAt": null}`:    false,
		`{"id": 1, "title": "deleted"}`:                     false,
		`[1, 2]`:                                            false,
	} {
		if got := SoftDeleted([]byte(body)); got != want {
			t.Errorf("SoftDeleted(%s) = %v, want %v", body, got, want)
		}
	}
}

// TestWritesAccount: an account a rule registered is listed with the
// objects, left on the target, and named in the warning.
func TestWritesAccount(t *testing.T) {
	api := newWritesAPI()
	res := writesScan(t, api, nil, func(ctx context.Context, a *API) []finding.Finding {
		a.Writes().Account("POST /api/register", "authgate-3f2a", Anonymous)
		return nil
	})
	wc := res.Coverage.Writes
	want := finding.CreatedObject{Kind: "account", Operation: "POST /api/register", Item: "authgate-3f2a", Owner: "anonymous", Reason: "accounts cannot be deleted by the scan"}
	if wc == nil || len(wc.Created) != 1 || wc.Created[0] != want || wc.Left != 1 {
		t.Fatalf("coverage writes %+v, want %+v left", wc, want)
	}
	if !slices.ContainsFunc(res.Warnings, func(w string) bool {
		return strings.Contains(w, "objects and accounts") && strings.Contains(w, "authgate-3f2a")
	}) {
		t.Errorf("warnings %q: want the account named", res.Warnings)
	}
}

// TestMergeCoverage: an operation rule and an API rule of one id give one
// entry: ran if either ran, the operation pass's operations first, reasons
// joined.
func TestMergeCoverage(t *testing.T) {
	ran := func(ops ...string) finding.RuleCoverage {
		return finding.RuleCoverage{Rule: "authn-missing", Status: finding.RuleRan, Operations: ops}
	}
	notRun := finding.RuleCoverage{Rule: "authn-missing", Status: finding.RuleNotRun, Operations: []string{}, Reason: "could not create an object: POST /api/notes answered 403", Requested: true}
	na := finding.RuleCoverage{Rule: "authn-missing", Status: finding.RuleNotApplicable, Operations: []string{}, Reason: "no operation declared protected"}
	partly := ran("PUT /api/notes/{noteId}", "GET /api/me")
	partly.Reason = "partly: POST /api/tags answered 400"
	cases := []struct {
		name    string
		op, api finding.RuleCoverage
		want    finding.RuleCoverage
	}{
		{"both ran", ran("GET /api/me", "GET /api/notes/{noteId}"), partly,
			finding.RuleCoverage{Rule: "authn-missing", Status: finding.RuleRan, Operations: []string{"GET /api/me", "GET /api/notes/{noteId}", "PUT /api/notes/{noteId}"}, Reason: partly.Reason}},
		{"only the operation pass ran", ran("GET /api/me"), notRun,
			finding.RuleCoverage{Rule: "authn-missing", Status: finding.RuleRan, Operations: []string{"GET /api/me"}, Reason: notRun.Reason, Requested: true}},
		{"only the API rule ran", na, ran("*"),
			finding.RuleCoverage{Rule: "authn-missing", Status: finding.RuleRan, Operations: []string{"*"}, Reason: na.Reason}},
		{"whole API after operations", ran("GET /api/me"), ran("*"),
			finding.RuleCoverage{Rule: "authn-missing", Status: finding.RuleRan, Operations: []string{"GET /api/me"}}},
		{"not run beats not applicable", na, notRun,
			finding.RuleCoverage{Rule: "authn-missing", Status: finding.RuleNotRun, Operations: []string{}, Reason: na.Reason + "; " + notRun.Reason, Requested: true}},
		{"writes wait for active mode", ran("GET /api/me"), finding.RuleCoverage{Rule: "authn-missing", Status: finding.RuleNotRun, Operations: []string{}, Reason: safeModeReason},
			finding.RuleCoverage{Rule: "authn-missing", Status: finding.RuleRan, Operations: []string{"GET /api/me"}, Reason: "writes are judged only with --mode active"}},
		{"neither applicable", na, na,
			finding.RuleCoverage{Rule: "authn-missing", Status: finding.RuleNotApplicable, Operations: []string{}, Reason: na.Reason}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := mergeCoverage(tc.op, tc.api); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("mergeCoverage =\n%+v\nwant\n%+v", got, tc.want)
			}
		})
	}
}

// sharedIDRule is an operation rule with the id of the write API rule.
type sharedIDRule struct{}

func (sharedIDRule) Info() finding.RuleInfo {
	ri, _ := finding.Lookup("bola-cross-user-write")
	return ri
}

func (sharedIDRule) Check(ctx context.Context, t *Target) []finding.Finding {
	if t.Op.Method == http.MethodGet && t.Op.Path == "/api/notes/{noteId}" {
		t.Send(ctx, t.Main(), t.Values())
	}
	return nil
}

// TestCoverageOneEntryPerRule: in a scan, the operation rule and the API
// rule of one id are one coverage entry, with the operations of both in
// the description's order whatever order the writes went in.
func TestCoverageOneEntryPerRule(t *testing.T) {
	api := newWritesAPI()
	res := writesScan(t, api, func(o *Options) { o.Rules = []Rule{sharedIDRule{}} }, func(ctx context.Context, a *API) []finding.Finding {
		w := a.Writes()
		for _, c := range []string{"/api/tags", "/api/notes"} { // not the description's order
			if o, _, why := w.Create(ctx, kind(t, w, c), a.s.primary, nil); o == nil {
				t.Fatalf("create: %s", why)
			}
		}
		return nil
	})
	var entries []finding.RuleCoverage
	for _, rc := range res.Coverage.Rules {
		if rc.Rule == "bola-cross-user-write" {
			entries = append(entries, rc)
		}
	}
	want := []string{"GET /api/notes/{noteId}", "POST /api/notes", "POST /api/tags"}
	if len(entries) != 1 || entries[0].Status != finding.RuleRan || !slices.Equal(entries[0].Operations, want) {
		t.Fatalf("coverage entries %+v, want one, ran on %q", entries, want)
	}
}

// TestWritesCleanupReader: a deletion is confirmed by an identity that
// could read the object. A note only the admin may read is not taken for
// deleted on its owner's 404: the admin deletes it. A note created
// anonymously, which anonymous callers cannot read, is confirmed gone by
// the primary's read.
func TestWritesCleanupReader(t *testing.T) {
	cases := []struct {
		name   string
		api    func(*writesAPI)
		owner  func(a *API) *Identity
		reason string
	}{
		{"admin-only read", func(a *writesAPI) { a.adminNotes = true }, func(a *API) *Identity { return a.s.primary },
			"deleted by admin; admin's read-back answered 404"},
		{"created anonymously", func(a *writesAPI) { a.guestNotes = true }, func(*API) *Identity { return Anonymous },
			"deleted by anonymous; alice's read-back answered 404"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			api := newWritesAPI()
			tc.api(api)
			res := writesScan(t, api, nil, func(ctx context.Context, a *API) []finding.Finding {
				w := a.Writes()
				if o, r, why := w.Create(ctx, kind(t, w, "/api/notes"), tc.owner(a), nil); o == nil {
					t.Fatalf("create: %s (%v)", why, r)
				}
				return nil
			})
			wc := res.Coverage.Writes
			if wc == nil || wc.Left != 0 || !strings.Contains(wc.Created[0].Reason, tc.reason) {
				t.Fatalf("coverage writes %+v, want deleted: %s", wc, tc.reason)
			}
			if len(api.records) != 1 {
				t.Errorf("records left: %v", api.records)
			}
		})
	}
}

// TestWritesCleanupInterrupted: a scan interrupted while a write rule runs
// (Ctrl-C, a CI timeout's first signal) still deletes what it created.
func TestWritesCleanupInterrupted(t *testing.T) {
	api := newWritesAPI()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	res := writesScanCtx(t, ctx, api, nil, func(ctx context.Context, a *API) []finding.Finding {
		w := a.Writes()
		notes := kind(t, w, "/api/notes")
		for range 2 {
			if o, _, why := w.Create(ctx, notes, a.s.primary, nil); o == nil {
				t.Fatalf("create: %s", why)
			}
		}
		cancel()
		if o, _, _ := w.Create(ctx, notes, a.s.primary, nil); o != nil {
			t.Errorf("created after the interruption")
		}
		return nil
	})
	if !strings.Contains(res.Incomplete, "interrupted") {
		t.Errorf("incomplete %q, want interrupted", res.Incomplete)
	}
	if wc := res.Coverage.Writes; wc == nil || len(wc.Created) != 2 || wc.Left != 0 {
		t.Fatalf("coverage writes %+v, want both removed", wc)
	}
	if len(api.records) != 1 {
		t.Errorf("records left: %v", api.records)
	}
}

// TestWritesUpsertLeftAlone: a create that answers with an object the scan
// saw before it wrote anything (alice's note in her list) is not taken for
// a new object: no write, no delete, not listed as created.
func TestWritesUpsertLeftAlone(t *testing.T) {
	api := newWritesAPI()
	api.upsert = true
	before := api.snapshot("/api/notes/1")
	res := writesScan(t, api, nil, func(ctx context.Context, a *API) []finding.Finding {
		w := a.Writes()
		o, _, why := w.Create(ctx, kind(t, w, "/api/notes"), a.s.primary, nil)
		if o != nil || !strings.Contains(why, "existed before the scan") {
			t.Errorf("create gave %+v (%q), want it refused as pre-existing", o, why)
		}
		return nil
	})
	if res.Coverage.Writes != nil {
		t.Errorf("coverage writes %+v, want nothing created", res.Coverage.Writes)
	}
	if after := api.snapshot("/api/notes/1"); after != before {
		t.Errorf("the pre-existing note changed: %s", after)
	}
	for _, l := range api.logged() {
		if strings.Contains(l, " DELETE ") {
			t.Errorf("sent %s", l)
		}
	}
}

// TestWritesIDFromList: a create that answers 201 with nothing (no body, no
// Location) is found in the owner's list of the collection by its marker.
func TestWritesIDFromList(t *testing.T) {
	api := newWritesAPI()
	api.bare = true
	res := writesScan(t, api, nil, func(ctx context.Context, a *API) []finding.Finding {
		w := a.Writes()
		o, r, why := w.Create(ctx, kind(t, w, "/api/notes"), a.s.primary, nil)
		if o == nil || o.ID == "" {
			t.Fatalf("create: %s (%v)", why, r)
		}
		return nil
	})
	if wc := res.Coverage.Writes; wc == nil || wc.Left != 0 || len(wc.Created) != 1 {
		t.Fatalf("coverage writes %+v, want one removed", wc)
	}
}

// TestListRecords: the records of a list answer.
func TestListRecords(t *testing.T) {
	for body, want := range map[string]int{
		`[{"id": 1}, {"id": 2}]`:              2,
		`{"data": [{"id": 1}], "total": 1}`:   1,
		`{"data": [{"id": 1}], "next": null}`: 1,
		`{"a": [1], "b": [2]}`:                0,
		`{"id": 1}`:                           0,
	} {
		if got := len(ListRecords([]byte(body))); got != want {
			t.Errorf("ListRecords(%s): %d records, want %d", body, got, want)
		}
	}
}

// TestWritesAccountLoggedIn: an account a rule registered and logged in
// deletes itself at the end, like the scan's own accounts, and is listed.
func TestWritesAccountLoggedIn(t *testing.T) {
	api := newWritesAPI()
	res := writesScan(t, api, nil, func(ctx context.Context, a *API) []finding.Finding {
		a.Writes().AccountLoggedIn("POST /api/register", "authgate-77aa", bearerIdentity("registered", "authgate-77aa"), "")
		return nil
	})
	wc := res.Coverage.Writes
	if wc == nil || len(wc.Created) != 1 || wc.Left != 0 {
		t.Fatalf("coverage writes %+v, want the account, deleted", wc)
	}
	c := wc.Created[0]
	if c.Kind != "account" || !c.Deleted || c.Operation != "POST /api/register" || !strings.Contains(c.Reason, "DELETE /api/me answered 204") {
		t.Errorf("account %+v", c)
	}
	if !slices.Contains(api.logged(), "authgate-77aa DELETE /api/me") {
		t.Errorf("the account did not delete itself: %q", api.logged())
	}
}

// TestAddMarked: an update body without a marked field gets one, the most
// likely stored first (title before text), never a read-only, enum or
// formatted one.
func TestAddMarked(t *testing.T) {
	str := func() *openapi.Schema { return &openapi.Schema{Type: "string"} }
	cases := []struct {
		name  string
		props map[string]*openapi.Schema
		want  string
	}{
		{"title first", map[string]*openapi.Schema{"text": str(), "title": str(), "aaa": str()}, `{"title":"M"}`},
		{"sorted when none is known", map[string]*openapi.Schema{"zeta": str(), "alpha": str()}, `{"alpha":"M"}`},
		{"never read-only, enum or formatted", map[string]*openapi.Schema{
			"title":  {Type: "string", ReadOnly: true},
			"status": {Type: "string", Enum: []string{"open"}},
			"email":  {Type: "string", Format: "email"},
		}, `{}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := addMarked([]byte(`{}`), &openapi.Schema{Type: "object", Properties: tc.props}, "M")
			if string(got) != tc.want {
				t.Errorf("addMarked = %s, want %s", got, tc.want)
			}
		})
	}
}

// TestRequestEscapesPathOnce: a path value with a slash, a space or
// non-ASCII letters (GitLab's "group/project", a key with a space, a slug)
// is escaped once on the wire and decodes to the value.
func TestRequestEscapesPathOnce(t *testing.T) {
	base, _ := url.Parse("http://127.0.0.1:1/base")
	s := &scan{base: base}
	op := &openapi.Operation{Method: "PUT", Path: "/api/notes/{noteId}"}
	req := s.target(op).Request(Anonymous, map[string]string{"path:noteId": "team/1 é"})
	if got, want := req.URL.String(), "http://127.0.0.1:1/base/api/notes/team%2F1%20%C3%A9"; got != want {
		t.Errorf("URL %s, want %s", got, want)
	}
	if got, want := req.URL.Path, "/base/api/notes/team/1 é"; got != want {
		t.Errorf("decoded path %q, want %q", got, want)
	}
}

// TestWritesNotNew: a create whose answer dates the object before the scan
// (Rails' find_or_create_by with a configured body) is not the scan's: not
// recorded, never deleted. A create that got no answer is looked for at the
// clean-up by its marker in the owner's list, and deleted.
func TestWritesNotNew(t *testing.T) {
	t.Run("created before the scan", func(t *testing.T) {
		api := newWritesAPI()
		api.stale = true
		res := writesScan(t, api, nil, func(ctx context.Context, a *API) []finding.Finding {
			w := a.Writes()
			if o, _, why := w.Create(ctx, kind(t, w, "/api/notes"), a.s.primary, nil); o != nil || !strings.Contains(why, "before the scan") {
				t.Errorf("create gave %+v (%q), want it refused as older than the scan", o, why)
			}
			return nil
		})
		if res.Coverage.Writes != nil {
			t.Errorf("coverage writes %+v, want none", res.Coverage.Writes)
		}
	})
	t.Run("no answer", func(t *testing.T) {
		api := newWritesAPI()
		api.dropCreated = true
		change := func(o *Options) { o.Rules = []Rule{sharedIDRule{}} }
		res := writesScan(t, api, change, func(ctx context.Context, a *API) []finding.Finding {
			w := a.Writes()
			if o, _, why := w.Create(ctx, kind(t, w, "/api/notes"), a.s.primary, nil); o != nil || !strings.Contains(why, "no answer") {
				t.Errorf("create gave %+v (%q), want no answer", o, why)
			}
			return nil
		})
		wc := res.Coverage.Writes
		if wc == nil || len(wc.Created) != 1 || !wc.Created[0].Deleted || wc.Created[0].Item != "/api/notes/101" {
			t.Fatalf("coverage writes %+v, want the note found and deleted", wc)
		}
		if len(api.records) != 1 {
			t.Errorf("records left: %v", api.records)
		}
	})
}

// TestReserveAddresses: a generated body names no one outside the reserved
// domains: an example recipient or webhook becomes one in example.invalid.
func TestReserveAddresses(t *testing.T) {
	cases := map[string]string{
		`{"to":"jane.doe@acme-corp.com","n":12345678901234567890}`:            `{"n":12345678901234567890,"to":"M@example.invalid"}`,
		`{"hooks":[{"url":"https://hooks.acme-corp.com/deploy"}]}`:            `{"hooks":[{"url":"https://example.invalid/M"}]}`,
		`{"email":"authgate-1@example.invalid","site":"https://example.com"}`: `{"email":"authgate-1@example.invalid","site":"https://example.com"}`,
		`{"title":"ship it @ noon","note":"see http:// later"}`:               `{"title":"ship it @ noon","note":"see http:// later"}`,
	}
	for in, want := range cases {
		if got := string(reserveAddresses([]byte(in), "M")); got != want {
			t.Errorf("reserveAddresses(%s) = %s, want %s", in, got, want)
		}
	}
}

// TestWritesFindOrCreate: a create answering, with 200, the object an
// earlier create made (201) is refused; the earlier object, whose answer
// carried the scan's marker, stays the scan's and is deleted at the end.
func TestWritesFindOrCreate(t *testing.T) {
	api := newWritesAPI()
	res := writesScan(t, api, nil, func(ctx context.Context, a *API) []finding.Finding {
		w := a.Writes()
		notes := kind(t, w, "/api/notes")
		first, _, why := w.Create(ctx, notes, a.s.primary, nil)
		if first == nil {
			t.Fatalf("create: %s", why)
		}
		api.mu.Lock()
		api.findOrCreate = "/api/notes/" + first.ID
		api.mu.Unlock()
		if o, _, why := w.Create(ctx, notes, a.s.primary, nil); o != nil || !strings.Contains(why, "not taken for a new object") {
			t.Errorf("second create gave %+v (%q), want it refused", o, why)
		}
		return nil
	})
	wc := res.Coverage.Writes
	if wc == nil || len(wc.Created) != 1 || !wc.Created[0].Deleted {
		t.Fatalf("coverage writes %+v, want the first note, deleted", wc)
	}
	if len(api.records) != 1 {
		t.Errorf("records left: %v", api.records)
	}
}

// TestNamesKind: a reference's name matches its collection's.
func TestNamesKind(t *testing.T) {
	for _, tc := range []struct {
		collection, what string
		want             bool
	}{
		{"/api/products", "product", true},
		{"/api/categories", "category", true},
		{"/api/boxes", "box", true},
		{"/api/order-items", "orderItem", true},
		{"/api/order_items", "order_item", true},
		{"/api/orderitems", "orderItem", true},
		{"/api/users", "product", false},
	} {
		if got := namesKind(objects.Lifecycle{Collection: tc.collection}, tc.what); got != tc.want {
			t.Errorf("namesKind(%s, %s) = %v, want %v", tc.collection, tc.what, got, tc.want)
		}
	}
}

// TestDropIDs: a generated body never carries the object's own id or a
// property the server sets, which an object-level example copied from a
// database does.
func TestDropIDs(t *testing.T) {
	k := objects.Lifecycle{
		Create: openapi.Operation{Body: &openapi.Schema{Type: "object", Properties: map[string]*openapi.Schema{
			"createdAt": {Type: "string", ReadOnly: true}, "title": {Type: "string"},
		}}},
		Items: []objects.Item{{Op: openapi.Operation{Method: "GET"}, Param: "noteId"}},
	}
	got := string(dropIDs([]byte(`{"_id":"65a1","id":7,"noteId":7,"createdAt":"2024-01-01","title":"Shopping"}`), k))
	if want := `{"title":"Shopping"}`; got != want {
		t.Errorf("dropIDs = %s, want %s", got, want)
	}
}

// TestReserveAddressesInText: addresses inside longer strings and phone
// numbers are replaced too; dates and ids are not phone numbers.
func TestReserveAddressesInText(t *testing.T) {
	cases := map[string]string{
		`{"from":"Jane <jane@acme-corp.com>","cc":"a@acme.io, b@example.com"}`: `{"cc":"M@example.invalid, b@example.com","from":"Jane \u003cM@example.invalid\u003e"}`,
		`{"phone":"+1 415 867 5309","alt":"(415) 867-5309"}`:                   `{"alt":"+1 202 555 0100","phone":"+1 202 555 0100"}`,
		`{"day":"2000-01-01","at":"2000-01-01T00:00:00Z","ref":"12345678"}`:    `{"day":"2000-01-01","at":"2000-01-01T00:00:00Z","ref":"12345678"}`,
	}
	for in, want := range cases {
		if got := string(reserveAddresses([]byte(in), "M")); got != want {
			t.Errorf("reserveAddresses(%s) = %s, want %s", in, got, want)
		}
	}
}

// TestWritesCleanupOnPanic: a rule that panics still leaves nothing behind:
// the clean-up runs before the panic goes on.
func TestWritesCleanupOnPanic(t *testing.T) {
	api := newWritesAPI()
	defer func() {
		if recover() == nil {
			t.Errorf("the panic was swallowed")
		}
		if len(api.records) != 1 {
			t.Errorf("records left: %v", api.records)
		}
	}()
	writesScan(t, api, nil, func(ctx context.Context, a *API) []finding.Finding {
		w := a.Writes()
		if o, _, why := w.Create(ctx, kind(t, w, "/api/notes"), a.s.primary, nil); o == nil {
			t.Fatalf("create: %s", why)
		}
		panic("a rule's bug")
	})
}

// TestWritesOwnIDName: a generated body never carries the new object's own
// id, under any spelling, but keeps the ids of other objects (its parent,
// its author).
func TestWritesOwnIDName(t *testing.T) {
	notes := objects.Lifecycle{Collection: "/api/notes", Create: openapi.Operation{Method: "POST", Path: "/api/notes"},
		Items: []objects.Item{{Op: openapi.Operation{Method: "GET", Path: "/api/notes/{id}"}, Param: "id"}}}
	categories := objects.Lifecycle{Collection: "/api/categories", Create: openapi.Operation{Method: "POST", Path: "/api/categories"},
		Items: []objects.Item{{Op: openapi.Operation{Method: "GET", Path: "/api/categories/{categoryId}"}, Param: "categoryId"}}}
	tests := []struct {
		name string
		k    objects.Lifecycle
		want bool
	}{
		{"id", notes, true},
		{"Id", notes, true},
		{"ID", notes, true},
		{"_id", notes, true},
		{"noteId", notes, true},
		{"note_id", notes, true},
		{"NoteID", notes, true},
		{"userId", notes, false},
		{"projectId", notes, false},
		{"title", notes, false},
		{"categoryId", categories, true},
		{"category_id", categories, true},
		{"parentId", categories, false},
	}
	for _, tc := range tests {
		if got := ownIDName(tc.name, tc.k); got != tc.want {
			t.Errorf("ownIDName(%q, %s) = %v, want %v", tc.name, tc.k.Collection, got, tc.want)
		}
	}
}

// TestWritesNextPage: the page after a list's, from a Link header or the
// body, on the same origin and route only; without one, whether the list
// ends there.
func TestWritesNextPage(t *testing.T) {
	list := &openapi.Operation{Method: "GET", Path: "/api/notes", Params: []openapi.Param{{Name: "after", In: "query"}}}
	tests := []struct {
		name     string
		link     string
		body     string
		wantNext string // "" when none
		wantLast bool
	}{
		{name: "Link header", link: `<http://api.test/api/notes?page=2>; rel="next", <http://api.test/api/notes?page=5>; rel="last"`, body: `[]`, wantNext: "http://api.test/api/notes?page=2"},
		{name: "Django REST next URL", body: `{"count": 25, "next": "http://api.test/api/notes?page=2", "results": []}`, wantNext: "http://api.test/api/notes?page=2"},
		{name: "relative next", body: `{"results": [], "next": "/api/notes?page=3"}`, wantNext: "http://api.test/api/notes?page=3"},
		{name: "HAL", body: `{"_links": {"next": {"href": "/api/notes?page=2"}}, "_embedded": {}}`, wantNext: "http://api.test/api/notes?page=2"},
		{name: "meta cursor", body: `{"data": [], "meta": {"next_cursor": "abc"}}`, wantNext: "http://api.test/api/notes?after=abc"},
		{name: "page number", body: `{"items": [], "nextPage": 2}`, wantNext: "http://api.test/api/notes?page=2"},
		{name: "last page", body: `{"count": 25, "next": null, "results": []}`, wantLast: true},
		{name: "has_more false", body: `{"data": [], "has_more": false}`, wantLast: true},
		{name: "plain array", body: `[{"id": 1}]`, wantLast: true},
		{name: "paged, no way on", body: `{"data": [], "total": 40, "page": 1}`},
		{name: "other origin", body: `{"results": [], "next": "http://evil.test/api/notes?page=2"}`},
		{name: "other route", body: `{"results": [], "next": "/api/admin/notes?page=2"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u, _ := url.Parse("http://api.test/api/notes")
			r := &Response{Request: &Request{Method: "GET", URL: u}, Status: 200, Header: http.Header{}, Body: []byte(tc.body)}
			if tc.link != "" {
				r.Header.Set("Link", tc.link)
			}
			next, last := nextPage(r, list)
			got := ""
			if next != nil {
				got = next.String()
			}
			if got != tc.wantNext || (next == nil && last != tc.wantLast) {
				t.Errorf("nextPage = %q, last %v; want %q, last %v", got, last, tc.wantNext, tc.wantLast)
			}
		})
	}
}
