package rules_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"reflect"
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

// writeFlaws selects what the write API gets wrong.
type writeFlaws struct {
	noteDeleteOpen bool // DELETE /api/notes/{noteId} is mounted outside the auth middleware
	noteSoftDelete bool // ... and it only marks the note deleted
	notePatchOpen  bool // PATCH /api/notes/{noteId} applies anyone's changes
	reviewsOpen    bool // POST /api/reviews accepts anonymous reviews
	productsOpen   bool // PUT/DELETE /api/products/{productId} run without credentials
	// productsAuth400: the product PUT refuses anonymous callers with a
	// 400 naming the missing token (fixed, if unusual); with
	// productsOpen, it is open and its 400 names a field ("author"), and
	// the DELETE checks the role.
	productsAuth400 bool
	couponsAuthn    bool // /api/admin/coupons checks the token, not the role
	couponCreate    bool // only POST /api/admin/coupons checks the token, not the role
	planPutAuthn    bool // PUT /api/plans/{planId} checks the token, not the role
	planPutOpen     bool // PUT /api/plans/{planId} checks nothing at all
	membersOpen     bool // POST /api/projects/{projectId}/members is mounted outside the auth middleware
	docsOpen        bool // POST /api/teams/{teamId}/docs accepts anonymous documents
	// ticketsOpenTo is the user id let into the staff-only POST
	// /api/staff/tickets besides the admin; "" lets every signed-in user
	// in, as the API means it.
	ticketsOpenTo string
}

// writeAPI is a small API with every kind of write the write rules judge:
// private notes, reviews every signed-in user reads, a public feedback
// form, products only an admin edits (no create), admin coupons, plans
// only the admin creates, and private projects with members (nested). Two regular users (alice, bob: caller)
// and an admin (ops) use it. A seeded note of bob's must never change.
type writeAPI struct {
	f writeFlaws

	mu     sync.Mutex
	next   int
	stores map[string]map[string]map[string]any // kind -> id -> object
}

func newWriteAPI(f writeFlaws) *writeAPI {
	a := &writeAPI{f: f, next: 100, stores: map[string]map[string]map[string]any{}}
	for _, k := range []string{"notes", "reviews", "feedback", "products", "coupons", "plans", "projects", "members", "entries", "tickets", "docs"} {
		a.stores[k] = map[string]map[string]any{}
	}
	a.stores["notes"]["1"] = map[string]any{"id": 1, "title": "bob's diary", "owner": "1002"}
	a.stores["products"]["7"] = map[string]any{"id": 7, "name": "teapot", "price": 12}
	return a
}

// writeSeed is the seeded note as it must stay.
var writeSeed = map[string]any{"id": 1, "title": "bob's diary", "owner": "1002"}

// who is the caller: a user id ("" for anonymous) and whether it is the
// admin.
func (a *writeAPI) who(r *http.Request) (string, bool) {
	if r.Header.Get("Authorization") == "Bearer "+bflaOpsToken {
		return "ops", true
	}
	return caller(r), false
}

// decode reads a JSON object body; false answers 400.
func decode(w http.ResponseWriter, r *http.Request) (map[string]any, bool) {
	var v map[string]any
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&v); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "body must be a JSON object"})
		return nil, false
	}
	return v, true
}

// create stores a new object of kind from the body, owned by owner.
func (a *writeAPI) create(w http.ResponseWriter, r *http.Request, kind, owner string, required ...string) {
	v, ok := decode(w, r)
	if !ok {
		return
	}
	for _, f := range required {
		if s, _ := v[f].(string); s == "" {
			writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"error": f + " is required"})
			return
		}
	}
	a.mu.Lock()
	a.next++
	id := a.next
	v["id"], v["owner"] = id, owner
	a.stores[kind][strconv.Itoa(id)] = v
	out := maps.Clone(v)
	a.mu.Unlock()
	w.Header().Set("Location", fmt.Sprintf("/api/%s/%d", kind, id))
	writeJSON(w, http.StatusCreated, out)
}

// object returns a copy of kind's object id.
func (a *writeAPI) object(kind, id string) (map[string]any, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	o, ok := a.stores[kind][id]
	return maps.Clone(o), ok
}

// update merges the body into kind's object id.
func (a *writeAPI) update(w http.ResponseWriter, r *http.Request, kind, id string) {
	v, ok := decode(w, r)
	if !ok {
		return
	}
	a.mu.Lock()
	o, exists := a.stores[kind][id]
	if exists {
		for k, x := range v {
			if k != "id" && k != "owner" {
				o[k] = x
			}
		}
	}
	out := maps.Clone(o)
	a.mu.Unlock()
	if !exists {
		notFound(w)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// remove deletes kind's object id (or marks it deleted).
func (a *writeAPI) remove(w http.ResponseWriter, kind, id string, soft bool) {
	a.mu.Lock()
	o, exists := a.stores[kind][id]
	switch {
	case exists && soft:
		o["deleted"] = true
	case exists:
		delete(a.stores[kind], id)
	}
	a.mu.Unlock()
	if !exists {
		notFound(w)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// signedIn wraps a handler in the auth middleware: 401 without a valid
// token.
func (a *writeAPI) signedIn(next func(w http.ResponseWriter, r *http.Request, me string, admin bool)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		me, admin := a.who(r)
		if me == "" {
			unauthorized(w)
			return
		}
		next(w, r, me, admin)
	}
}

// adminOnly wraps a handler for the admin: 403 to regular users, unless
// open (the flaw: the role is not checked).
func (a *writeAPI) adminOnly(open bool, next func(w http.ResponseWriter, r *http.Request, me string)) http.HandlerFunc {
	return a.signedIn(func(w http.ResponseWriter, r *http.Request, me string, admin bool) {
		if !admin && !open {
			writeJSON(w, http.StatusForbidden, map[string]string{"error": "forbidden"})
			return
		}
		next(w, r, me)
	})
}

func (a *writeAPI) handler() http.Handler {
	mux := http.NewServeMux()
	a.noteRoutes(mux)
	a.reviewRoutes(mux)
	a.feedbackRoutes(mux)
	a.productRoutes(mux)
	a.couponRoutes(mux)
	a.planRoutes(mux)
	a.projectRoutes(mux)
	a.ticketRoutes(mux)
	a.docRoutes(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { notFound(w) })
	return mux
}

// ownNote is the handler of a note its owner (or the admin) acts on.
func (a *writeAPI) ownNote(next func(w http.ResponseWriter, r *http.Request, id string)) http.HandlerFunc {
	return a.signedIn(func(w http.ResponseWriter, r *http.Request, me string, admin bool) {
		id := r.PathValue("noteId")
		if o, ok := a.object("notes", id); !ok || (o["owner"] != me && !admin) {
			notFound(w)
			return
		}
		next(w, r, id)
	})
}

func (a *writeAPI) noteRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/notes", a.signedIn(func(w http.ResponseWriter, r *http.Request, me string, _ bool) {
		a.create(w, r, "notes", me, "title")
	}))
	mux.HandleFunc("GET /api/notes", a.signedIn(func(w http.ResponseWriter, r *http.Request, me string, _ bool) {
		a.mu.Lock()
		list := []map[string]any{}
		for _, id := range slices.Sorted(maps.Keys(a.stores["notes"])) {
			if o := a.stores["notes"][id]; o["owner"] == me {
				list = append(list, maps.Clone(o))
			}
		}
		a.mu.Unlock()
		writeJSON(w, http.StatusOK, list)
	}))
	mux.HandleFunc("GET /api/notes/{noteId}", a.ownNote(func(w http.ResponseWriter, r *http.Request, id string) {
		o, _ := a.object("notes", id)
		writeJSON(w, http.StatusOK, o)
	}))
	mux.HandleFunc("PUT /api/notes/{noteId}", func(w http.ResponseWriter, r *http.Request) {
		if me, _ := a.who(r); me == "" {
			// Sloppy but not vulnerable: 200 to anonymous callers,
			// and the write is ignored.
			writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
			return
		}
		a.ownNote(func(w http.ResponseWriter, r *http.Request, id string) { a.update(w, r, "notes", id) })(w, r)
	})
	patch := a.ownNote(func(w http.ResponseWriter, r *http.Request, id string) { a.update(w, r, "notes", id) })
	if a.f.notePatchOpen {
		patch = func(w http.ResponseWriter, r *http.Request) { a.update(w, r, "notes", r.PathValue("noteId")) }
	}
	mux.HandleFunc("PATCH /api/notes/{noteId}", patch)
	del := a.ownNote(func(w http.ResponseWriter, r *http.Request, id string) { a.remove(w, "notes", id, false) })
	if a.f.noteDeleteOpen {
		// Mounted outside the auth middleware.
		del = func(w http.ResponseWriter, r *http.Request) {
			a.remove(w, "notes", r.PathValue("noteId"), a.f.noteSoftDelete)
		}
	}
	mux.HandleFunc("DELETE /api/notes/{noteId}", del)
}

func (a *writeAPI) reviewRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/reviews", func(w http.ResponseWriter, r *http.Request) {
		me, _ := a.who(r)
		switch {
		case me != "":
			a.create(w, r, "reviews", me, "title")
		case a.f.reviewsOpen:
			a.create(w, r, "reviews", "guest", "title")
		default:
			unauthorized(w)
		}
	})
	mux.HandleFunc("GET /api/reviews/{reviewId}", a.signedIn(func(w http.ResponseWriter, r *http.Request, _ string, _ bool) {
		o, ok := a.object("reviews", r.PathValue("reviewId"))
		if !ok {
			notFound(w)
			return
		}
		writeJSON(w, http.StatusOK, o)
	}))
	mux.HandleFunc("DELETE /api/reviews/{reviewId}", func(w http.ResponseWriter, r *http.Request) {
		me, admin := a.who(r)
		o, ok := a.object("reviews", r.PathValue("reviewId"))
		switch {
		case !ok:
			notFound(w)
		case admin || (me != "" && o["owner"] == me) || (a.f.reviewsOpen && o["owner"] == "guest"):
			a.remove(w, "reviews", r.PathValue("reviewId"), false)
		case me == "":
			unauthorized(w)
		default:
			notFound(w)
		}
	})
}

// feedbackRoutes: a public form by design (anyone may send feedback);
// signed-in users read it, the author or the admin deletes it.
func (a *writeAPI) feedbackRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/feedback", func(w http.ResponseWriter, r *http.Request) {
		me, _ := a.who(r)
		if me == "" {
			me = "guest"
		}
		a.create(w, r, "feedback", me, "title")
	})
	mux.HandleFunc("GET /api/feedback/{feedbackId}", a.signedIn(func(w http.ResponseWriter, r *http.Request, _ string, _ bool) {
		o, ok := a.object("feedback", r.PathValue("feedbackId"))
		if !ok {
			notFound(w)
			return
		}
		writeJSON(w, http.StatusOK, o)
	}))
	mux.HandleFunc("DELETE /api/feedback/{feedbackId}", func(w http.ResponseWriter, r *http.Request) {
		me, admin := a.who(r)
		o, ok := a.object("feedback", r.PathValue("feedbackId"))
		switch {
		case !ok:
			notFound(w)
		case admin || o["owner"] == me || o["owner"] == "guest":
			a.remove(w, "feedback", r.PathValue("feedbackId"), false)
		default:
			unauthorized(w)
		}
	})
}

// productRoutes: a catalog anyone reads and only the admin edits; there
// is no create operation.
func (a *writeAPI) productRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/products/{productId}", func(w http.ResponseWriter, r *http.Request) {
		o, ok := a.object("products", r.PathValue("productId"))
		if !ok {
			notFound(w)
			return
		}
		writeJSON(w, http.StatusOK, o)
	})
	put := a.adminOnly(false, func(w http.ResponseWriter, r *http.Request, _ string) {
		a.update(w, r, "products", r.PathValue("productId"))
	})
	del := a.adminOnly(false, func(w http.ResponseWriter, r *http.Request, _ string) {
		a.remove(w, "products", r.PathValue("productId"), false)
	})
	switch {
	case a.f.productsOpen && a.f.productsAuth400:
		put = func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "author is required"})
		}
	case a.f.productsOpen:
		// The handlers check nothing: the body is read, then the
		// product looked up.
		put = func(w http.ResponseWriter, r *http.Request) { a.update(w, r, "products", r.PathValue("productId")) }
		del = func(w http.ResponseWriter, r *http.Request) { a.remove(w, "products", r.PathValue("productId"), false) }
	case a.f.productsAuth400:
		put = func(w http.ResponseWriter, r *http.Request) {
			if me, _ := a.who(r); me == "" {
				writeJSON(w, http.StatusBadRequest, map[string]string{"error": "missing bearer token"})
				return
			}
			a.adminOnly(false, func(w http.ResponseWriter, r *http.Request, _ string) {
				a.update(w, r, "products", r.PathValue("productId"))
			})(w, r)
		}
	}
	mux.HandleFunc("PUT /api/products/{productId}", put)
	mux.HandleFunc("DELETE /api/products/{productId}", del)
}

func (a *writeAPI) couponRoutes(mux *http.ServeMux) {
	open := a.f.couponsAuthn
	mux.HandleFunc("POST /api/admin/coupons", a.adminOnly(open || a.f.couponCreate, func(w http.ResponseWriter, r *http.Request, me string) {
		a.create(w, r, "coupons", me, "name")
	}))
	mux.HandleFunc("GET /api/admin/coupons/{couponId}", a.adminOnly(open, func(w http.ResponseWriter, r *http.Request, _ string) {
		o, ok := a.object("coupons", r.PathValue("couponId"))
		if !ok {
			notFound(w)
			return
		}
		writeJSON(w, http.StatusOK, o)
	}))
	mux.HandleFunc("PUT /api/admin/coupons/{couponId}", a.adminOnly(open, func(w http.ResponseWriter, r *http.Request, _ string) {
		a.update(w, r, "coupons", r.PathValue("couponId"))
	}))
	mux.HandleFunc("DELETE /api/admin/coupons/{couponId}", a.adminOnly(open, func(w http.ResponseWriter, r *http.Request, _ string) {
		a.remove(w, "coupons", r.PathValue("couponId"), false)
	}))
}

// planRoutes: plans only the admin creates, every signed-in user reads;
// nothing in the description says so.
func (a *writeAPI) planRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/plans", a.adminOnly(false, func(w http.ResponseWriter, r *http.Request, me string) {
		a.create(w, r, "plans", me, "name")
	}))
	mux.HandleFunc("GET /api/plans/{planId}", a.signedIn(func(w http.ResponseWriter, r *http.Request, _ string, _ bool) {
		o, ok := a.object("plans", r.PathValue("planId"))
		if !ok {
			notFound(w)
			return
		}
		writeJSON(w, http.StatusOK, o)
	}))
	planPut := a.adminOnly(a.f.planPutAuthn, func(w http.ResponseWriter, r *http.Request, _ string) {
		a.update(w, r, "plans", r.PathValue("planId"))
	})
	if a.f.planPutOpen {
		planPut = func(w http.ResponseWriter, r *http.Request) { a.update(w, r, "plans", r.PathValue("planId")) }
	}
	mux.HandleFunc("PUT /api/plans/{planId}", planPut)
	mux.HandleFunc("DELETE /api/plans/{planId}", a.adminOnly(false, func(w http.ResponseWriter, r *http.Request, _ string) {
		a.remove(w, "plans", r.PathValue("planId"), false)
	}))
}

// projectRoutes: projects only their owner sees, with members only the
// project's owner adds, reads and removes.
func (a *writeAPI) projectRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/projects", a.signedIn(func(w http.ResponseWriter, r *http.Request, me string, _ bool) {
		a.create(w, r, "projects", me, "name")
	}))
	// owns reports whether me may act on project pid.
	owns := func(pid, me string, admin bool) bool {
		p, ok := a.object("projects", pid)
		return ok && (p["owner"] == me || admin)
	}
	mux.HandleFunc("GET /api/projects/{projectId}", a.signedIn(func(w http.ResponseWriter, r *http.Request, me string, admin bool) {
		if !owns(r.PathValue("projectId"), me, admin) {
			notFound(w)
			return
		}
		o, _ := a.object("projects", r.PathValue("projectId"))
		writeJSON(w, http.StatusOK, o)
	}))
	mux.HandleFunc("DELETE /api/projects/{projectId}", a.signedIn(func(w http.ResponseWriter, r *http.Request, me string, admin bool) {
		if !owns(r.PathValue("projectId"), me, admin) {
			notFound(w)
			return
		}
		a.remove(w, "projects", r.PathValue("projectId"), false)
	}))
	add := a.signedIn(func(w http.ResponseWriter, r *http.Request, me string, admin bool) {
		if !owns(r.PathValue("projectId"), me, admin) {
			notFound(w)
			return
		}
		a.create(w, r, "members", r.PathValue("projectId"), "name")
	})
	if a.f.membersOpen {
		// Mounted outside the auth middleware.
		add = func(w http.ResponseWriter, r *http.Request) {
			if _, ok := a.object("projects", r.PathValue("projectId")); !ok {
				notFound(w)
				return
			}
			a.create(w, r, "members", r.PathValue("projectId"), "name")
		}
	}
	mux.HandleFunc("POST /api/projects/{projectId}/members", add)
	// member runs next on a member of a project me owns.
	member := func(next func(w http.ResponseWriter, id string)) http.HandlerFunc {
		return a.signedIn(func(w http.ResponseWriter, r *http.Request, me string, admin bool) {
			m, ok := a.object("members", r.PathValue("memberId"))
			if !ok || m["owner"] != r.PathValue("projectId") || !owns(r.PathValue("projectId"), me, admin) {
				notFound(w)
				return
			}
			next(w, r.PathValue("memberId"))
		})
	}
	mux.HandleFunc("GET /api/projects/{projectId}/members/{memberId}", member(func(w http.ResponseWriter, id string) {
		o, _ := a.object("members", id)
		writeJSON(w, http.StatusOK, o)
	}))
	mux.HandleFunc("DELETE /api/projects/{projectId}/members/{memberId}", member(func(w http.ResponseWriter, id string) {
		a.remove(w, "members", id, false)
	}))
}

// ticketRoutes: support tickets under /staff/, a hint of an admin area.
// Every signed-in user opens them, unless ticketsOpenTo names the one user
// a staff-only check wrongly lets in.
func (a *writeAPI) ticketRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/staff/tickets", a.signedIn(func(w http.ResponseWriter, r *http.Request, me string, admin bool) {
		if a.f.ticketsOpenTo != "" && !admin && me != a.f.ticketsOpenTo {
			writeJSON(w, http.StatusForbidden, map[string]string{"error": "staff only"})
			return
		}
		a.create(w, r, "tickets", me, "title")
	}))
	// mine runs next on a ticket its creator (or the admin) acts on.
	mine := func(next func(w http.ResponseWriter, id string)) http.HandlerFunc {
		return a.signedIn(func(w http.ResponseWriter, r *http.Request, me string, admin bool) {
			o, ok := a.object("tickets", r.PathValue("ticketId"))
			if !ok || (o["owner"] != me && !admin) {
				notFound(w)
				return
			}
			next(w, r.PathValue("ticketId"))
		})
	}
	mux.HandleFunc("GET /api/staff/tickets/{ticketId}", mine(func(w http.ResponseWriter, id string) {
		o, _ := a.object("tickets", id)
		writeJSON(w, http.StatusOK, o)
	}))
	mux.HandleFunc("DELETE /api/staff/tickets/{ticketId}", mine(func(w http.ResponseWriter, id string) {
		a.remove(w, "tickets", id, false)
	}))
}

// docRoutes: documents of team 7, which exists before any scan and which
// the API cannot create (the scan is given its id in pathValues); its
// members read and delete the team's documents.
func (a *writeAPI) docRoutes(mux *http.ServeMux) {
	member := func(team, me string, admin bool) bool { return team == "7" && (me != "" || admin) }
	mux.HandleFunc("POST /api/teams/{teamId}/docs", func(w http.ResponseWriter, r *http.Request) {
		me, admin := a.who(r)
		switch {
		case r.PathValue("teamId") != "7":
			notFound(w)
		case member(r.PathValue("teamId"), me, admin) || a.f.docsOpen:
			a.create(w, r, "docs", me, "title")
		default:
			unauthorized(w)
		}
	})
	doc := func(next func(w http.ResponseWriter, id string)) http.HandlerFunc {
		return a.signedIn(func(w http.ResponseWriter, r *http.Request, me string, admin bool) {
			if _, ok := a.object("docs", r.PathValue("docId")); !ok || !member(r.PathValue("teamId"), me, admin) {
				notFound(w)
				return
			}
			next(w, r.PathValue("docId"))
		})
	}
	mux.HandleFunc("GET /api/teams/{teamId}/docs/{docId}", doc(func(w http.ResponseWriter, id string) {
		o, _ := a.object("docs", id)
		writeJSON(w, http.StatusOK, o)
	}))
	mux.HandleFunc("DELETE /api/teams/{teamId}/docs/{docId}", doc(func(w http.ResponseWriter, id string) {
		a.remove(w, "docs", id, false)
	}))
}

// left returns the objects of kind other than the seeded ones.
func (a *writeAPI) left(kind string) []map[string]any {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []map[string]any
	for id, o := range a.stores[kind] {
		if n, _ := strconv.Atoi(id); n > 100 && o["deleted"] != true {
			out = append(out, maps.Clone(o))
		}
	}
	return out
}

// writeSpec describes the write API.
const writeSpec = `openapi: 3.0.3
info: {title: writes, version: "1"}
components:
  securitySchemes:
    bearerAuth: {type: http, scheme: bearer}
  schemas:
    Note:
      type: object
      required: [title]
      properties:
        id: {type: integer, readOnly: true}
        title: {type: string}
        body: {type: string}
    Named:
      type: object
      required: [name]
      properties:
        id: {type: integer, readOnly: true}
        name: {type: string}
security:
  - bearerAuth: []
paths:
  /api/notes:
    get:
      responses: {"200": {description: ok}}
    post:
      requestBody: {required: true, content: {application/json: {schema: {$ref: "#/components/schemas/Note"}}}}
      responses: {"201": {description: created, content: {application/json: {schema: {$ref: "#/components/schemas/Note"}}}}}
  /api/notes/{noteId}:
    parameters:
      - {name: noteId, in: path, required: true, schema: {type: integer}, example: 1}
    get:
      responses: {"200": {description: ok, content: {application/json: {schema: {$ref: "#/components/schemas/Note"}}}}}
    put:
      requestBody: {required: true, content: {application/json: {schema: {$ref: "#/components/schemas/Note"}}}}
      responses: {"200": {description: ok}}
    patch:
      requestBody: {required: true, content: {application/json: {schema: {$ref: "#/components/schemas/Note"}}}}
      responses: {"200": {description: ok}}
    delete:
      responses: {"204": {description: deleted}}
  /api/reviews:
    post:
      requestBody: {required: true, content: {application/json: {schema: {$ref: "#/components/schemas/Note"}}}}
      responses: {"201": {description: created}}
  /api/reviews/{reviewId}:
    parameters:
      - {name: reviewId, in: path, required: true, schema: {type: integer}, example: 1}
    get:
      responses: {"200": {description: ok}}
    delete:
      responses: {"204": {description: deleted}}
  /api/feedback:
    post:
      security: []
      requestBody: {required: true, content: {application/json: {schema: {$ref: "#/components/schemas/Note"}}}}
      responses: {"201": {description: created}}
  /api/feedback/{feedbackId}:
    parameters:
      - {name: feedbackId, in: path, required: true, schema: {type: integer}, example: 1}
    get:
      responses: {"200": {description: ok}}
    delete:
      responses: {"204": {description: deleted}}
  /api/products/{productId}:
    parameters:
      - {name: productId, in: path, required: true, schema: {type: integer}, example: 7}
    get:
      security: []
      responses: {"200": {description: ok}}
    put:
      tags: [admin]
      requestBody: {required: true, content: {application/json: {schema: {$ref: "#/components/schemas/Named"}}}}
      responses: {"200": {description: ok}}
    delete:
      tags: [admin]
      responses: {"204": {description: deleted}}
  /api/admin/coupons:
    post:
      tags: [admin]
      requestBody: {required: true, content: {application/json: {schema: {$ref: "#/components/schemas/Named"}}}}
      responses: {"201": {description: created}}
  /api/admin/coupons/{couponId}:
    parameters:
      - {name: couponId, in: path, required: true, schema: {type: integer}, example: 1}
    get:
      tags: [admin]
      responses: {"200": {description: ok}}
    put:
      tags: [admin]
      requestBody: {required: true, content: {application/json: {schema: {$ref: "#/components/schemas/Named"}}}}
      responses: {"200": {description: ok}}
    delete:
      tags: [admin]
      responses: {"204": {description: deleted}}
  /api/projects:
    post:
      requestBody: {required: true, content: {application/json: {schema: {$ref: "#/components/schemas/Named"}}}}
      responses: {"201": {description: created}}
  /api/projects/{projectId}:
    parameters:
      - {name: projectId, in: path, required: true, schema: {type: integer}, example: 1}
    get:
      responses: {"200": {description: ok}}
    delete:
      responses: {"204": {description: deleted}}
  /api/projects/{projectId}/members:
    parameters:
      - {name: projectId, in: path, required: true, schema: {type: integer}, example: 1}
    post:
      requestBody: {required: true, content: {application/json: {schema: {$ref: "#/components/schemas/Named"}}}}
      responses: {"201": {description: created}}
  /api/projects/{projectId}/members/{memberId}:
    parameters:
      - {name: projectId, in: path, required: true, schema: {type: integer}, example: 1}
      - {name: memberId, in: path, required: true, schema: {type: integer}, example: 1}
    get:
      responses: {"200": {description: ok}}
    delete:
      responses: {"204": {description: deleted}}
  /api/staff/tickets:
    post:
      requestBody: {required: true, content: {application/json: {schema: {$ref: "#/components/schemas/Note"}}}}
      responses: {"201": {description: created}}
  /api/staff/tickets/{ticketId}:
    parameters:
      - {name: ticketId, in: path, required: true, schema: {type: integer}, example: 1}
    get:
      responses: {"200": {description: ok}}
    delete:
      responses: {"204": {description: deleted}}
  /api/teams/{teamId}/docs:
    parameters:
      - {name: teamId, in: path, required: true, schema: {type: integer}, example: 1}
    post:
      requestBody: {required: true, content: {application/json: {schema: {$ref: "#/components/schemas/Note"}}}}
      responses: {"201": {description: created}}
  /api/teams/{teamId}/docs/{docId}:
    parameters:
      - {name: teamId, in: path, required: true, schema: {type: integer}, example: 1}
      - {name: docId, in: path, required: true, schema: {type: integer}, example: 1}
    get:
      responses: {"200": {description: ok}}
    delete:
      responses: {"204": {description: deleted}}
  /api/plans:
    post:
      requestBody: {required: true, content: {application/json: {schema: {$ref: "#/components/schemas/Named"}}}}
      responses: {"201": {description: created}}
  /api/plans/{planId}:
    parameters:
      - {name: planId, in: path, required: true, schema: {type: integer}, example: 1}
    get:
      responses: {"200": {description: ok}}
    put:
      requestBody: {required: true, content: {application/json: {schema: {$ref: "#/components/schemas/Named"}}}}
      responses: {"200": {description: ok}}
    delete:
      responses: {"204": {description: deleted}}
`

// writeRun is one active scan of a write API: alice is the primary, bob
// the peer, and ops the admin when asked.
type writeRun struct {
	h           http.Handler // nil: the API's handler
	spec        string       // "": writeSpec
	admin       bool
	anonymous   bool // no identity at all: the scan has no credentials
	concurrency int  // 0: 4
	exclude     []string
	pathValues  map[string]string
	rules       []scanner.APIRule
}

// scan runs the scan against api and checks that the seeded note did not
// change.
func (c writeRun) scan(t *testing.T, api *writeAPI) *scanner.Result {
	t.Helper()
	h, spec, concurrency := c.h, c.spec, c.concurrency
	if h == nil {
		h = api.handler()
	}
	if spec == "" {
		spec = writeSpec
	}
	if concurrency == 0 {
		concurrency = 4
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	opts := scanner.Options{
		Target:     srv.URL,
		OpenAPI:    "spec.yaml",
		ReadFile:   func(string) ([]byte, error) { return []byte(spec), nil },
		Primary:    bearerID("alice", aliceToken),
		Peer:       bearerID("bob", bobToken),
		Mode:       finding.ModeActive,
		Client:     scanner.ClientOptions{Concurrency: concurrency, Timeout: 5 * time.Second, Budget: 5000},
		Wait:       time.Second,
		Exclude:    c.exclude,
		PathValues: c.pathValues,
		APIRules:   c.rules,
	}
	if c.anonymous {
		opts.Primary, opts.Peer = nil, nil
	}
	if c.admin {
		opts.Admin = opsIdentity()
		opts.Identities = append(opts.Identities, opts.Admin)
	}
	res, err := scanner.Scan(context.Background(), opts)
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	if got, _ := api.object("notes", "1"); !reflect.DeepEqual(got, writeSeed) {
		t.Errorf("the seeded note changed: %v", got)
	}
	return res
}

// writeVerdict is one expected finding: its method, route and confidence.
type writeVerdict struct {
	method, path string
	conf         finding.Confidence
}

// verdicts lists fs's findings of rule as verdicts, sorted.
func verdicts(fs []finding.Finding, rule string) []writeVerdict {
	var out []writeVerdict
	for _, f := range fs {
		if f.Rule == rule {
			out = append(out, writeVerdict{f.Method, f.Path, f.Confidence})
		}
	}
	slices.SortFunc(out, func(a, b writeVerdict) int { return strings.Compare(a.method+a.path, b.method+b.path) })
	return out
}

// TestWriteAuthnMissing runs authn-missing's writes against vulnerable and
// fixed twins of the write API. The fixed twin holds the precision cases
// too: a PUT that answers 200 to anonymous callers and ignores them, and a
// feedback form public by design (security: []) that anyone may post to.
func TestWriteAuthnMissing(t *testing.T) {
	high, medium, low := finding.ConfidenceHigh, finding.ConfidenceMedium, finding.ConfidenceLow
	tests := []struct {
		name  string
		flaws writeFlaws
		want  []writeVerdict
	}{
		{"fixed: every write refuses anonymous callers (PUT answers 200 and ignores them)", writeFlaws{}, nil},
		{"vulnerable: DELETE mounted outside the auth middleware", writeFlaws{noteDeleteOpen: true},
			[]writeVerdict{{"DELETE", "/api/notes/{noteId}", high}}},
		{"vulnerable: the open DELETE is a soft delete", writeFlaws{noteDeleteOpen: true, noteSoftDelete: true},
			[]writeVerdict{{"DELETE", "/api/notes/{noteId}", high}}},
		{"vulnerable: PATCH applies anonymous changes", writeFlaws{notePatchOpen: true},
			[]writeVerdict{{"PATCH", "/api/notes/{noteId}", high}}},
		{"vulnerable: anonymous reviews are created", writeFlaws{reviewsOpen: true},
			[]writeVerdict{{"POST", "/api/reviews", high}}},
		{"vulnerable: anonymous callers add members to the primary's project", writeFlaws{membersOpen: true},
			[]writeVerdict{{"POST", "/api/projects/{projectId}/members", high}}},
		{"vulnerable: admin product writes without a create run without credentials", writeFlaws{productsOpen: true},
			[]writeVerdict{{"DELETE", "/api/products/{productId}", low}, {"PUT", "/api/products/{productId}", medium}}},
		{"vulnerable: anonymous documents in the configured team", writeFlaws{docsOpen: true},
			[]writeVerdict{{"POST", "/api/teams/{teamId}/docs", high}}},
		{"fixed: a 400 to anonymous callers that names the missing token is a refusal", writeFlaws{productsAuth400: true}, nil},
		// Low: the handler answers the same 400 to a body that should
		// pass validation, which a validator mounted before the
		// authentication would do too (review 11B); still not taken for
		// a refusal.
		{"vulnerable: a 400 that names a field, not credentials", writeFlaws{productsOpen: true, productsAuth400: true},
			[]writeVerdict{{"PUT", "/api/products/{productId}", low}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newWriteAPI(tt.flaws)
			res := writeRun{pathValues: map[string]string{"teamId": "7"}, rules: []scanner.APIRule{rules.WriteAuthnMissing{}}}.scan(t, api)
			fs := res.Findings
			if got := verdicts(fs, "authn-missing"); !slices.Equal(got, tt.want) {
				t.Errorf("findings %v, want %v", got, tt.want)
				for _, f := range fs {
					t.Logf("%s %s: %s", f.Method, f.Path, f.Evidence.Summary)
				}
			}
			for _, kind := range []string{"notes", "reviews", "feedback", "projects", "members", "docs"} {
				if left := api.left(kind); len(left) > 0 {
					t.Errorf("%s the scan created are left: %v (warnings %q)", kind, left, res.Warnings)
				}
			}
			// The report agrees: nothing left, anonymous callers'
			// objects included (confirmed by a reader who saw them).
			if cov := res.Coverage.Writes; cov == nil || len(cov.Created) == 0 || cov.Left != 0 {
				t.Errorf("coverage.writes %+v, want created objects and none left", cov)
			}
		})
	}
}

// guestbook is an API open to everyone by design, described without any
// security: anyone signs, edits and removes entries. The primary's token
// is sent and ignored.
func (a *writeAPI) guestbook() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /entries", func(w http.ResponseWriter, r *http.Request) { a.create(w, r, "entries", "", "title") })
	mux.HandleFunc("GET /entries/{entryId}", func(w http.ResponseWriter, r *http.Request) {
		o, ok := a.object("entries", r.PathValue("entryId"))
		if !ok {
			notFound(w)
			return
		}
		writeJSON(w, http.StatusOK, o)
	})
	mux.HandleFunc("PUT /entries/{entryId}", func(w http.ResponseWriter, r *http.Request) { a.update(w, r, "entries", r.PathValue("entryId")) })
	mux.HandleFunc("DELETE /entries/{entryId}", func(w http.ResponseWriter, r *http.Request) {
		a.remove(w, "entries", r.PathValue("entryId"), false)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { notFound(w) })
	return mux
}

const guestbookSpec = `openapi: 3.0.3
info: {title: guestbook, version: "1"}
components:
  schemas:
    Entry:
      type: object
      required: [title]
      properties:
        id: {type: integer, readOnly: true}
        title: {type: string}
paths:
  /entries:
    post:
      requestBody: {required: true, content: {application/json: {schema: {$ref: "#/components/schemas/Entry"}}}}
      responses: {"201": {description: created}}
  /entries/{entryId}:
    parameters:
      - {name: entryId, in: path, required: true, schema: {type: integer}, example: 1}
    get:
      responses: {"200": {description: ok}}
    put:
      requestBody: {required: true, content: {application/json: {schema: {$ref: "#/components/schemas/Entry"}}}}
      responses: {"200": {description: ok}}
    delete:
      responses: {"204": {description: deleted}}
`

// TestWriteAuthnMissingPublicByDesign: an API that declares no security
// and whose reads are open to anyone is public; that anonymous callers
// write to it is its design, not a finding, however the writes stick.
func TestWriteAuthnMissingPublicByDesign(t *testing.T) {
	api := newWriteAPI(writeFlaws{})
	authn := []scanner.APIRule{rules.WriteAuthnMissing{}}
	fs := writeRun{h: api.guestbook(), spec: guestbookSpec, rules: authn}.scan(t, api).Findings
	if got := verdicts(fs, "authn-missing"); len(got) > 0 {
		t.Errorf("findings on a public API: %v", got)
	}
	// The control: the same API described as protected is found, so
	// the silence above is the rule's judgement, not a scan that sent
	// nothing.
	protected := strings.Replace(guestbookSpec, "components:\n", "security:\n  - bearerAuth: []\ncomponents:\n  securitySchemes:\n    bearerAuth: {type: http, scheme: bearer}\n", 1)
	fs = writeRun{h: api.guestbook(), spec: protected, rules: authn}.scan(t, api).Findings
	want := []writeVerdict{
		{"DELETE", "/entries/{entryId}", finding.ConfidenceHigh},
		{"POST", "/entries", finding.ConfidenceMedium},
		{"PUT", "/entries/{entryId}", finding.ConfidenceHigh},
	}
	if got := verdicts(fs, "authn-missing"); !slices.Equal(got, want) {
		t.Errorf("declared protected: findings %v, want %v", got, want)
	}
}

// TestWriteAuthnMissingEvidence checks a write finding's evidence: the
// anonymous write without any credential, then the owner's read-back,
// with the owner's token redacted everywhere.
func TestWriteAuthnMissingEvidence(t *testing.T) {
	api := newWriteAPI(writeFlaws{notePatchOpen: true})
	fs := writeRun{rules: []scanner.APIRule{rules.WriteAuthnMissing{}}}.scan(t, api).Findings
	f, ok := findingOf(fs, "authn-missing", "PATCH", "/api/notes/{noteId}")
	if !ok {
		t.Fatalf("no finding on PATCH /api/notes/{noteId}: %v", verdicts(fs, "authn-missing"))
	}
	ex := f.Evidence.Exchanges
	if len(ex) != 2 || ex[0].Identity != "anonymous" || ex[0].Method != "PATCH" || ex[1].Identity != "alice" || ex[1].Method != "GET" {
		t.Fatalf("exchanges %+v, want the anonymous PATCH then alice's GET", ex)
	}
	if _, ok := ex[0].RequestHeaders["Authorization"]; ok {
		t.Errorf("the anonymous write carried credentials: %v", ex[0].RequestHeaders)
	}
	raw, _ := json.Marshal(f)
	if strings.Contains(string(raw), aliceToken) {
		t.Errorf("the finding holds alice's token: %s", raw)
	}
	if len(f.Reproduce) != 2 || !strings.Contains(f.Reproduce[0], "-X 'PATCH'") {
		t.Errorf("reproduce %q, want the PATCH then the read", f.Reproduce)
	}
}

// TestWriteAuthnMissingHonoursExclude: an excluded item write is never
// sent, not as an attack and not as a probe, and nothing is reported on it.
func TestWriteAuthnMissingHonoursExclude(t *testing.T) {
	api := newWriteAPI(writeFlaws{noteDeleteOpen: true, productsOpen: true})
	var mu sync.Mutex
	var anonymous []string
	h := api.handler()
	rec := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Header.Get("Authorization") == "" {
			mu.Lock()
			anonymous = append(anonymous, r.Method+" "+r.URL.Path)
			mu.Unlock()
		}
		h.ServeHTTP(w, r)
	})
	res := writeRun{h: rec, exclude: []string{"DELETE /api/notes/*", "DELETE /api/products/*"},
		rules: []scanner.APIRule{rules.WriteAuthnMissing{}}}.scan(t, api)
	if got := verdicts(res.Findings, "authn-missing"); !slices.Equal(got, []writeVerdict{{"PUT", "/api/products/{productId}", finding.ConfidenceMedium}}) {
		t.Errorf("findings %v, want only the PUT probe's", got)
	}
	for _, req := range anonymous {
		if strings.HasPrefix(req, "DELETE /api/notes/") || strings.HasPrefix(req, "DELETE /api/products/") {
			t.Errorf("an excluded write was sent: %s", req)
		}
	}
	if len(anonymous) == 0 {
		t.Error("no anonymous write was sent at all: the test proves nothing")
	}
}

// TestWriteAuthnMissingWithoutCredentials: a scan without any identity
// cannot own an object, so every protected item write is probed. The
// sloppy PUT that answers 200 to anonymous callers and ignores them is
// then low, never more: only a write on a real object tells it from a
// handler without authentication.
func TestWriteAuthnMissingWithoutCredentials(t *testing.T) {
	api := newWriteAPI(writeFlaws{productsOpen: true})
	res := writeRun{anonymous: true, rules: []scanner.APIRule{rules.WriteAuthnMissing{}}}.scan(t, api)
	// The feedback and review deletes look the object up before they
	// check who asks (404 first, 401 for a real one): a 404 cannot tell
	// that from a handler without authentication, so they are low too.
	want := []writeVerdict{
		{"DELETE", "/api/feedback/{feedbackId}", finding.ConfidenceLow},
		{"DELETE", "/api/products/{productId}", finding.ConfidenceLow},
		{"DELETE", "/api/reviews/{reviewId}", finding.ConfidenceLow},
		{"PUT", "/api/notes/{noteId}", finding.ConfidenceLow},
		{"PUT", "/api/products/{productId}", finding.ConfidenceMedium},
	}
	if got := verdicts(res.Findings, "authn-missing"); !slices.Equal(got, want) {
		t.Errorf("findings %v, want %v", got, want)
	}
}

// listBoard is a list with comments: PUT .../comments adds one (a create
// by PUT, as Juice Shop's reviews), PUT .../items replaces the list's
// items. open mounts the comment create outside the auth middleware.
type listBoard struct {
	open bool

	mu       sync.Mutex
	comments []map[string]any
	sent     []string // anonymous state-changing requests
}

func (b *listBoard) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		me, _ := newWriteAPI(writeFlaws{}).who(r)
		b.mu.Lock()
		defer b.mu.Unlock()
		if r.Method != http.MethodGet && me == "" {
			b.sent = append(b.sent, r.Method+" "+r.URL.Path)
		}
		switch r.Method + " " + r.URL.Path {
		case "GET /api/lists/3/comments":
			writeJSON(w, http.StatusOK, map[string]any{"data": b.comments})
		case "PUT /api/lists/3/comments":
			if me == "" && !b.open {
				writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "unauthorized"})
				return
			}
			v, ok := decode(w, r)
			if !ok {
				return
			}
			v["id"] = len(b.comments) + 1
			b.comments = append(b.comments, v)
			writeJSON(w, http.StatusCreated, map[string]string{"status": "success"})
		case "GET /api/lists/3/items", "PUT /api/lists/3/items":
			writeJSON(w, http.StatusOK, []any{})
		default:
			notFound(w)
		}
	})
	return mux
}

const listBoardSpec = `openapi: 3.0.3
info: {title: lists, version: "1"}
security: [{bearerAuth: []}]
components:
  securitySchemes:
    bearerAuth: {type: http, scheme: bearer}
paths:
  /api/lists/{listId}/comments:
    parameters: [{name: listId, in: path, required: true, schema: {type: integer}}]
    get:
      security: []
      responses: {"200": {description: the list's comments}}
    put:
      summary: Add a comment to a list
      requestBody: {content: {application/json: {schema: {type: object, required: [text], properties: {text: {type: string}}}}}}
      responses: {"201": {description: created}}
  /api/lists/{listId}/items:
    parameters: [{name: listId, in: path, required: true, schema: {type: integer}}]
    get:
      security: []
      responses: {"200": {description: the list's items}}
    put:
      summary: Replace the list's items
      requestBody: {content: {application/json: {schema: {type: object, properties: {names: {type: string}}}}}}
      responses: {"200": {description: replaced}}
`

// TestWriteAuthnMissingCreateByPut: a PUT on a collection that says it
// creates is sent without credentials like a POST create, and found when
// its object shows in the list; a PUT on a collection that does not say so
// (it may replace the whole collection) is never sent, and the coverage
// names it as not tested.
func TestWriteAuthnMissingCreateByPut(t *testing.T) {
	for _, open := range []bool{true, false} {
		b := &listBoard{open: open}
		res := writeRun{h: b.handler(), spec: listBoardSpec, pathValues: map[string]string{"listId": "3"},
			rules: []scanner.APIRule{rules.WriteAuthnMissing{}}}.scan(t, newWriteAPI(writeFlaws{}))
		var want []writeVerdict
		if open {
			want = []writeVerdict{{"PUT", "/api/lists/{listId}/comments", finding.ConfidenceMedium}}
		}
		if got := verdicts(res.Findings, "authn-missing"); !slices.Equal(got, want) {
			t.Errorf("open %v: findings %v, want %v", open, got, want)
		}
		b.mu.Lock()
		if !slices.Contains(b.sent, "PUT /api/lists/3/comments") || slices.Contains(b.sent, "PUT /api/lists/3/items") {
			t.Errorf("open %v: anonymous writes %q, want the comment create and never the items' replacement", open, b.sent)
		}
		b.mu.Unlock()
		var reason string
		for _, rc := range res.Coverage.Rules {
			if rc.Rule == "authn-missing" {
				reason = rc.Reason
			}
		}
		if !strings.Contains(reason, "PUT /api/lists/{listId}/items") || strings.Contains(reason, "comments") {
			t.Errorf("open %v: coverage reason %q, want the items' PUT named as not tested, and only it", open, reason)
		}
	}
}
