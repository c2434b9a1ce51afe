package rules_test

import (
	"context"
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

// crossFlaws selects what the cross-user write API gets wrong, or does on
// purpose.
type crossFlaws struct {
	putAnyOwner    bool // PUT /api/notes/{noteId} checks authentication, not the owner
	patchAnyOwner  bool // PATCH /api/notes/{noteId} checks authentication, not the owner
	deleteAnyOwner bool // DELETE /api/notes/{noteId} checks authentication, not the owner
	softDelete     bool // DELETE only marks the note deleted
	memberAnyOwner bool // POST /api/projects/{projectId}/members checks authentication, not the project's owner
	// Precision cases.
	putIgnores bool // a foreign PUT answers 200 and changes nothing
	putOwn     bool // a foreign PUT is applied to the caller's own newest note (bob's seeded one)
	team       bool // every note is shared with the whole team (alice and bob) and names its members
	deleteOpen bool // DELETE /api/notes/{noteId} is mounted outside the auth middleware (authn-missing's)
	putBroken  bool // every PUT answers 400 naming no field, the owner's own too
}

// crossAPI is a notes and projects API used by alice (1001) and bob
// (1002). A seeded note of alice's must never change; bob has one too
// (where the putOwn flaw sends his writes).
type crossAPI struct {
	f crossFlaws

	mu       sync.Mutex
	next     int
	notes    map[string]map[string]any
	projects map[string]map[string]any
	members  map[string]map[string]any // member id -> member (with "project")
}

var crossSeed = map[string]any{"id": 1, "title": "alice's diary", "owner": "1001"}

func newCrossAPI(f crossFlaws) *crossAPI {
	return &crossAPI{f: f, next: 100,
		notes: map[string]map[string]any{"1": maps.Clone(crossSeed),
			"2": {"id": 2, "title": "bob's list", "owner": "1002"}},
		projects: map[string]map[string]any{},
		members:  map[string]map[string]any{},
	}
}

const crossSpec = `openapi: 3.0.0
info: {title: cross, version: "1"}
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
        text: {type: string}
    Named:
      type: object
      required: [name]
      properties:
        name: {type: string}
security: [{bearer: []}]
paths:
  /api/me:
    get: {responses: {"200": {description: ok}}}
  /api/notes:
    post:
      requestBody: {content: {application/json: {schema: {$ref: "#/components/schemas/Note"}}}}
      responses: {"201": {description: ok}}
  /api/notes/{noteId}:
    parameters: [{name: noteId, in: path, required: true, schema: {type: integer}}]
    get: {responses: {"200": {description: ok}}}
    put:
      requestBody: {content: {application/json: {schema: {$ref: "#/components/schemas/Note"}}}}
      responses: {"200": {description: ok}}
    patch:
      requestBody: {content: {application/json: {schema: {type: object, properties: {title: {type: string}, text: {type: string}}}}}}
      responses: {"200": {description: ok}}
    delete: {responses: {"204": {description: ok}}}
  /api/projects:
    post:
      requestBody: {content: {application/json: {schema: {$ref: "#/components/schemas/Named"}}}}
      responses: {"201": {description: ok}}
  /api/projects/{projectId}:
    parameters: [{name: projectId, in: path, required: true, schema: {type: integer}}]
    get: {responses: {"200": {description: ok}}}
    delete: {responses: {"204": {description: ok}}}
  /api/projects/{projectId}/members:
    parameters: [{name: projectId, in: path, required: true, schema: {type: integer}}]
    post:
      requestBody: {content: {application/json: {schema: {$ref: "#/components/schemas/Named"}}}}
      responses: {"201": {description: ok}}
  /api/projects/{projectId}/members/{memberId}:
    parameters:
      - {name: projectId, in: path, required: true, schema: {type: integer}}
      - {name: memberId, in: path, required: true, schema: {type: integer}}
    get: {responses: {"200": {description: ok}}}
    delete: {responses: {"204": {description: ok}}}
`

func (a *crossAPI) handler() http.Handler {
	mux := http.NewServeMux()
	signedIn := func(next func(w http.ResponseWriter, r *http.Request, me string)) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			me := caller(r)
			if me == "" {
				unauthorized(w)
				return
			}
			a.mu.Lock()
			defer a.mu.Unlock()
			next(w, r, me)
		}
	}
	mux.HandleFunc("GET /api/me", signedIn(func(w http.ResponseWriter, r *http.Request, me string) {
		writeJSON(w, 200, users[me])
	}))
	mux.HandleFunc("POST /api/notes", signedIn(func(w http.ResponseWriter, r *http.Request, me string) {
		v, ok := decode(w, r)
		if !ok {
			return
		}
		if s, _ := v["title"].(string); s == "" {
			writeJSON(w, 422, map[string]string{"error": "title is required"})
			return
		}
		a.next++
		v["id"], v["owner"] = a.next, me
		if a.f.team {
			v["members"] = []string{"alice@example.com", "bob@example.com"}
		}
		a.notes[strconv.Itoa(a.next)] = v
		w.Header().Set("Location", fmt.Sprintf("/api/notes/%d", a.next))
		writeJSON(w, 201, v)
	}))
	// mayWrite reports whether me may change note n as the API intends.
	mayWrite := func(n map[string]any, me string) bool { return n["owner"] == me || a.f.team }
	note := func(w http.ResponseWriter, r *http.Request) (map[string]any, bool) {
		n, ok := a.notes[r.PathValue("noteId")]
		if !ok || n["deleted"] == true && r.Method != http.MethodGet {
			notFound(w)
			return nil, false
		}
		return n, true
	}
	mux.HandleFunc("GET /api/notes/{noteId}", signedIn(func(w http.ResponseWriter, r *http.Request, me string) {
		if n, ok := note(w, r); ok {
			if !mayWrite(n, me) {
				notFound(w)
				return
			}
			writeJSON(w, 200, n)
		}
	}))
	mux.HandleFunc("PATCH /api/notes/{noteId}", signedIn(func(w http.ResponseWriter, r *http.Request, me string) {
		n, ok := note(w, r)
		if !ok {
			return
		}
		if !mayWrite(n, me) && !a.f.patchAnyOwner {
			notFound(w)
			return
		}
		if v, ok := decode(w, r); ok {
			if t, ok := v["title"].(string); ok {
				n["title"] = t
			}
			writeJSON(w, 200, n)
		}
	}))
	mux.HandleFunc("PUT /api/notes/{noteId}", signedIn(func(w http.ResponseWriter, r *http.Request, me string) {
		if a.f.putBroken {
			writeJSON(w, 400, map[string]string{"error": "invalid request"})
			return
		}
		n, ok := note(w, r)
		if !ok {
			return
		}
		v, ok := decode(w, r)
		if !ok {
			return
		}
		switch {
		case mayWrite(n, me) || a.f.putAnyOwner:
		case a.f.putIgnores:
			writeJSON(w, 200, map[string]bool{"ok": true})
			return
		case a.f.putOwn:
			n = a.newestOf(me)
			if n == nil {
				notFound(w)
				return
			}
		default:
			notFound(w)
			return
		}
		for k, x := range v {
			if k != "id" && k != "owner" && k != "members" {
				n[k] = x
			}
		}
		writeJSON(w, 200, n)
	}))
	mux.HandleFunc("DELETE /api/notes/{noteId}", func(w http.ResponseWriter, r *http.Request) {
		if a.f.deleteOpen {
			a.mu.Lock()
			defer a.mu.Unlock()
			if _, ok := note(w, r); ok {
				delete(a.notes, r.PathValue("noteId"))
				w.WriteHeader(204)
			}
			return
		}
		signedIn(func(w http.ResponseWriter, r *http.Request, me string) { a.deleteNote(w, r, me, note, mayWrite) })(w, r)
	})
	a.projectRoutes(mux, signedIn)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { notFound(w) })
	return mux
}

// deleteNote is the signed-in DELETE of a note.
func (a *crossAPI) deleteNote(w http.ResponseWriter, r *http.Request, me string,
	note func(http.ResponseWriter, *http.Request) (map[string]any, bool), mayWrite func(map[string]any, string) bool) {
	n, ok := note(w, r)
	if !ok {
		return
	}
	if !mayWrite(n, me) && !a.f.deleteAnyOwner {
		notFound(w)
		return
	}
	if a.f.softDelete {
		n["deleted"] = true
	} else {
		delete(a.notes, r.PathValue("noteId"))
	}
	w.WriteHeader(204)
}

// newestOf is me's newest note, nil for none (the putOwn flaw).
func (a *crossAPI) newestOf(me string) map[string]any {
	var best map[string]any
	for _, n := range a.notes {
		if n["owner"] == me && (best == nil || n["id"].(int) > best["id"].(int)) {
			best = n
		}
	}
	return best
}

func (a *crossAPI) projectRoutes(mux *http.ServeMux, signedIn func(func(http.ResponseWriter, *http.Request, string)) http.HandlerFunc) {
	own := func(w http.ResponseWriter, r *http.Request, me string) (map[string]any, bool) {
		p, ok := a.projects[r.PathValue("projectId")]
		if !ok || p["owner"] != me {
			notFound(w)
			return nil, false
		}
		return p, true
	}
	mux.HandleFunc("POST /api/projects", signedIn(func(w http.ResponseWriter, r *http.Request, me string) {
		v, ok := decode(w, r)
		if !ok {
			return
		}
		a.next++
		v["id"], v["owner"] = a.next, me
		a.projects[strconv.Itoa(a.next)] = v
		writeJSON(w, 201, v)
	}))
	mux.HandleFunc("GET /api/projects/{projectId}", signedIn(func(w http.ResponseWriter, r *http.Request, me string) {
		if p, ok := own(w, r, me); ok {
			writeJSON(w, 200, p)
		}
	}))
	mux.HandleFunc("DELETE /api/projects/{projectId}", signedIn(func(w http.ResponseWriter, r *http.Request, me string) {
		if _, ok := own(w, r, me); ok {
			delete(a.projects, r.PathValue("projectId"))
			w.WriteHeader(204)
		}
	}))
	mux.HandleFunc("POST /api/projects/{projectId}/members", signedIn(func(w http.ResponseWriter, r *http.Request, me string) {
		if _, exists := a.projects[r.PathValue("projectId")]; !exists || (!a.f.memberAnyOwner && a.projects[r.PathValue("projectId")]["owner"] != me) {
			notFound(w)
			return
		}
		v, ok := decode(w, r)
		if !ok {
			return
		}
		a.next++
		v["id"], v["project"], v["addedBy"] = a.next, r.PathValue("projectId"), me
		a.members[strconv.Itoa(a.next)] = v
		writeJSON(w, 201, v)
	}))
	member := func(w http.ResponseWriter, r *http.Request, me string) bool {
		m, ok := a.members[r.PathValue("memberId")]
		p, pok := a.projects[r.PathValue("projectId")]
		if !ok || !pok || m["project"] != r.PathValue("projectId") || (p["owner"] != me && m["addedBy"] != me) {
			notFound(w)
			return false
		}
		return true
	}
	mux.HandleFunc("GET /api/projects/{projectId}/members/{memberId}", signedIn(func(w http.ResponseWriter, r *http.Request, me string) {
		if member(w, r, me) {
			writeJSON(w, 200, a.members[r.PathValue("memberId")])
		}
	}))
	mux.HandleFunc("DELETE /api/projects/{projectId}/members/{memberId}", signedIn(func(w http.ResponseWriter, r *http.Request, me string) {
		if member(w, r, me) {
			delete(a.members, r.PathValue("memberId"))
			w.WriteHeader(204)
		}
	}))
}

// left counts the objects the scan left (everything but the seed).
func (a *crossAPI) left() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.notes) - 2 + len(a.projects) + len(a.members)
}

// crossScan scans api in active mode with alice (primary) and bob (peer),
// running only CrossUserWrite.
func crossScan(t *testing.T, api *crossAPI, concurrency int, peer bool, onResult func(*scanner.Result)) []finding.Finding {
	t.Helper()
	srv := httptest.NewServer(api.handler())
	t.Cleanup(srv.Close)
	opts := scanner.Options{
		Target:   srv.URL,
		OpenAPI:  "spec.yaml",
		ReadFile: func(string) ([]byte, error) { return []byte(crossSpec), nil },
		Primary:  bearerID("alice", aliceToken),
		Mode:     finding.ModeActive,
		Client:   scanner.ClientOptions{Concurrency: concurrency, Timeout: 5 * time.Second, Budget: 5000},
		Wait:     time.Second,
		APIRules: []scanner.APIRule{rules.CrossUserWrite{}},
	}
	if peer {
		opts.Peer = bearerID("bob", bobToken)
	}
	res, err := scanner.Scan(context.Background(), opts)
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	if onResult != nil {
		onResult(res)
	}
	api.mu.Lock()
	seed := api.notes["1"]
	api.mu.Unlock()
	if !reflect.DeepEqual(seed, crossSeed) {
		t.Errorf("the seeded note changed: %v", seed)
	}
	return res.Findings
}

// crossFindings are fs of bola-cross-user-write at medium or above.
func crossFindings(fs []finding.Finding) []finding.Finding {
	var out []finding.Finding
	for _, f := range fs {
		if f.Rule == "bola-cross-user-write" && f.Confidence >= finding.ConfidenceMedium {
			out = append(out, f)
		}
	}
	return out
}

// TestCrossUserWriteTwins: each vulnerable twin is found with the right
// method and route, the evidence being bob's write then alice's read-back;
// its fixed twin reports nothing of medium or above, and every object the
// scan created is gone after both.
func TestCrossUserWriteTwins(t *testing.T) {
	cases := []struct {
		name         string
		f            crossFlaws
		method, path string
		proof        string // in the summary
	}{
		{"PUT checks authentication, not the owner", crossFlaws{putAnyOwner: true}, "PUT", "/api/notes/{noteId}", "shows the scan's marker"},
		{"PATCH checks authentication, not the owner", crossFlaws{patchAnyOwner: true}, "PATCH", "/api/notes/{noteId}", "shows the scan's marker"},
		{"DELETE checks authentication, not the owner", crossFlaws{deleteAnyOwner: true}, "DELETE", "/api/notes/{noteId}", "the object is gone"},
		{"soft DELETE checks authentication, not the owner", crossFlaws{deleteAnyOwner: true, softDelete: true}, "DELETE", "/api/notes/{noteId}", "the object is gone"},
		{"member add checks authentication, not the project's owner", crossFlaws{memberAnyOwner: true}, "POST", "/api/projects/{projectId}/members", "shows the object identity"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			api := newCrossAPI(tc.f)
			fs := crossFindings(crossScan(t, api, 4, true, nil))
			if len(fs) != 1 || fs[0].Method != tc.method || fs[0].Path != tc.path || fs[0].Confidence != finding.ConfidenceHigh {
				t.Fatalf("findings %s, want one high on %s %s", describe(fs), tc.method, tc.path)
			}
			f := fs[0]
			if !strings.Contains(f.Evidence.Summary, tc.proof) || !strings.Contains(f.Evidence.Summary, `"bob"`) || !strings.Contains(f.Evidence.Summary, `"alice"`) {
				t.Errorf("summary %q: want both identities and %q", f.Evidence.Summary, tc.proof)
			}
			ex := f.Evidence.Exchanges
			if len(ex) != 2 || ex[0].Identity != "bob" || ex[1].Identity != "alice" || ex[1].Method != "GET" {
				t.Errorf("evidence %+v: want bob's write, then alice's read-back", ex)
			}
			if strings.Contains(f.Path, "1") {
				t.Errorf("finding path %q names a concrete id", f.Path)
			}
			if n := api.left(); n != 0 && !tc.f.softDelete {
				t.Errorf("%d objects left on the target", n)
			}
			fixed := newCrossAPI(crossFlaws{})
			if fs := crossFindings(crossScan(t, fixed, 4, true, nil)); len(fs) != 0 {
				t.Errorf("fixed twin: %s", describe(fs))
			}
			if n := fixed.left(); n != 0 {
				t.Errorf("fixed twin: %d objects left on the target", n)
			}
		})
	}
}

// TestCrossUserWritePrecision: a PUT that answers 200 to bob and ignores
// it, one applied to bob's own note, and a DELETE anyone may send without
// credentials (authn-missing's finding) are not findings; notes shared
// with the team by design (bob reads them, they name him) are at most low,
// and the summary says why.
func TestCrossUserWritePrecision(t *testing.T) {
	for _, f := range []crossFlaws{{putIgnores: true}, {putOwn: true}, {deleteOpen: true}} {
		t.Run(fmt.Sprintf("%+v", f), func(t *testing.T) {
			if fs := crossScan(t, newCrossAPI(f), 4, true, nil); len(fs) != 0 {
				t.Errorf("findings %s, want none", describe(fs))
			}
		})
	}
	t.Run("shared by design", func(t *testing.T) {
		fs := crossScan(t, newCrossAPI(crossFlaws{team: true}), 4, true, nil)
		if len(crossFindings(fs)) != 0 {
			t.Fatalf("findings %s, want nothing above low", describe(fs))
		}
		for _, f := range fs {
			if !strings.Contains(f.Evidence.Summary, "shared with it by design") || !strings.Contains(f.Evidence.Summary, "bob@example.com") {
				t.Errorf("summary %q: want it to say the note names bob", f.Evidence.Summary)
			}
		}
		if len(fs) == 0 {
			t.Errorf("no low finding: the writes did stick")
		}
	})
}

// TestCrossUserWriteControl: a foreign write that changes nothing counts
// as tested only when the owner's own write of the same method works: a
// PUT that answers bob 200 and ignores him is a pass (alice's own PUT
// sticks), one that refuses everyone for its body tested nothing and the
// coverage names it (not-run: a pass must mean tested).
func TestCrossUserWriteControl(t *testing.T) {
	cases := []struct {
		name    string
		f       crossFlaws
		untried bool // the PUT is named as not tested
	}{
		{"ignored for bob, works for alice", crossFlaws{putIgnores: true}, false},
		{"refused for everyone", crossFlaws{putBroken: true}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			crossScan(t, newCrossAPI(tc.f), 4, true, func(res *scanner.Result) {
				if fs := crossFindings(res.Findings); len(fs) != 0 {
					t.Errorf("findings %s, want none", describe(fs))
				}
				for _, rc := range res.Coverage.Rules {
					if rc.Rule != "bola-cross-user-write" {
						continue
					}
					// Without findings, what was not tested makes the
					// rule not-run (the engine's rule for API rules).
					said := strings.Contains(rc.Reason, "PUT /api/notes/{noteId} not tested")
					if said != tc.untried || (rc.Status == finding.RuleRan) == tc.untried {
						t.Errorf("coverage %s %q: want the PUT named as not tested (not-run): %v", rc.Status, rc.Reason, tc.untried)
					}
				}
			})
		})
	}
}

// TestCrossUserWriteCoverage: without a peer the rule did not run, and
// says why (a requested active rule: the gate fails); an API whose objects
// have no item write has nothing to test.
func TestCrossUserWriteCoverage(t *testing.T) {
	cov := func(res *scanner.Result) finding.RuleCoverage {
		for _, rc := range res.Coverage.Rules {
			if rc.Rule == "bola-cross-user-write" {
				return rc
			}
		}
		t.Fatalf("no coverage entry")
		return finding.RuleCoverage{}
	}
	crossScan(t, newCrossAPI(crossFlaws{}), 4, false, func(res *scanner.Result) {
		if rc := cov(res); rc.Status != finding.RuleNotRun || !rc.Requested || !strings.Contains(rc.Reason, "needs a second identity") {
			t.Errorf("no peer: %+v", rc)
		}
	})
	crossScan(t, newCrossAPI(crossFlaws{}), 4, true, func(res *scanner.Result) {
		rc := cov(res)
		if rc.Status != finding.RuleRan || !slices.Contains(rc.Operations, "PUT /api/notes/{noteId}") || !slices.Contains(rc.Operations, "POST /api/projects/{projectId}/members") {
			t.Errorf("fixed API: %+v, want ran on the writes", rc)
		}
		if wc := res.Coverage.Writes; wc == nil || wc.Left != 0 || len(wc.Created) == 0 {
			t.Errorf("writes coverage %+v, want every object removed", wc)
		}
	})

	srv := httptest.NewServer(newCrossAPI(crossFlaws{}).handler())
	t.Cleanup(srv.Close)
	res, err := scanner.Scan(context.Background(), scanner.Options{
		Target:    srv.URL,
		Endpoints: []string{"GET /api/me", "GET /api/notes/{noteId}"},
		Primary:   bearerID("alice", aliceToken),
		Peer:      bearerID("bob", bobToken),
		Mode:      finding.ModeActive,
		Client:    scanner.ClientOptions{Concurrency: 2, Timeout: 5 * time.Second},
		Wait:      time.Second,
		APIRules:  []scanner.APIRule{rules.CrossUserWrite{}},
	})
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	if rc := cov(res); rc.Status != finding.RuleNotApplicable || !strings.Contains(rc.Reason, "no object the scan can create") {
		t.Errorf("no create operation: %+v", rc)
	}
}

// TestCrossUserWriteDeterministic: the same findings every run, one worker
// or eight.
func TestCrossUserWriteDeterministic(t *testing.T) {
	f := crossFlaws{putAnyOwner: true, deleteAnyOwner: true, memberAnyOwner: true}
	var first []string
	for _, conc := range []int{1, 8} {
		for range 5 {
			var got []string
			for _, x := range crossScan(t, newCrossAPI(f), conc, true, nil) {
				got = append(got, fmt.Sprintf("%s %s %s %v", x.Rule, x.Method, x.Path, x.Confidence))
			}
			if first == nil {
				first = got
				if len(first) != 3 {
					t.Fatalf("findings %q, want PUT, DELETE and the member add", first)
				}
				continue
			}
			if !slices.Equal(got, first) {
				t.Fatalf("concurrency %d: %q, want %q", conc, got, first)
			}
		}
	}
}

// describe lists findings for a failure message.
func describe(fs []finding.Finding) string {
	var out []string
	for _, f := range fs {
		out = append(out, fmt.Sprintf("%s %s %s (%v): %s", f.Rule, f.Method, f.Path, f.Confidence, f.Evidence.Summary))
	}
	return "[" + strings.Join(out, "; ") + "]"
}

// teamSpec is a team's documents; teams exist before the scan (there is no
// create for them), so the scan creates documents under the team given in
// pathValues.
const teamSpec = `openapi: 3.0.0
info: {title: teams, version: "1"}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
security: [{bearer: []}]
paths:
  /api/teams/{teamId}/docs:
    parameters: [{name: teamId, in: path, required: true, schema: {type: integer}}]
    post:
      requestBody: {content: {application/json: {schema: {type: object, required: [title], properties: {title: {type: string}}}}}}
      responses: {"201": {description: ok}}
  /api/teams/{teamId}/docs/{docId}:
    parameters:
      - {name: teamId, in: path, required: true, schema: {type: integer}}
      - {name: docId, in: path, required: true, schema: {type: integer}}
    get: {responses: {"200": {description: ok}}}
    put:
      requestBody: {content: {application/json: {schema: {type: object, required: [title], properties: {title: {type: string}}}}}}
      responses: {"200": {description: ok}}
    delete: {responses: {"204": {description: ok}}}
`

// teamAPI serves team 7's documents. members read and write every
// document of the team (shared by design); putAnyone lets any signed-in
// user write them, members or not (the flaw).
func teamAPI(members []string, putAnyone bool) http.Handler {
	var mu sync.Mutex
	docs := map[string]map[string]any{}
	next := 100
	member := func(me string) bool { return slices.Contains(members, me) }
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/teams/7/docs", func(w http.ResponseWriter, r *http.Request) {
		me := caller(r)
		if !member(me) {
			notFound(w)
			return
		}
		v, ok := decode(w, r)
		if !ok {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		next++
		v["id"], v["author"] = next, me
		docs[strconv.Itoa(next)] = v
		writeJSON(w, 201, v)
	})
	mux.HandleFunc("/api/teams/7/docs/{docId}", func(w http.ResponseWriter, r *http.Request) {
		me := caller(r)
		mu.Lock()
		defer mu.Unlock()
		d, ok := docs[r.PathValue("docId")]
		switch {
		case me == "":
			unauthorized(w)
		case !ok:
			notFound(w)
		case r.Method == http.MethodGet && member(me):
			writeJSON(w, 200, d)
		case r.Method == http.MethodPut && (member(me) || putAnyone):
			v, ok := decode(w, r)
			if ok {
				d["title"] = v["title"]
				writeJSON(w, 200, d)
			}
		case r.Method == http.MethodDelete && member(me):
			delete(docs, r.PathValue("docId"))
			w.WriteHeader(204)
		default:
			notFound(w)
		}
	})
	return mux
}

// TestCrossUserWriteConfiguredParent: documents created under a team given
// in pathValues, which both identities belong to, are shared by design:
// bob's writes are reported at low confidence at most, saying why; when
// bob is no member yet may write, it is a finding.
func TestCrossUserWriteConfiguredParent(t *testing.T) {
	cases := []struct {
		name      string
		members   []string
		putAnyone bool
		want      []string // "METHOD confidence"
	}{
		{"both members", []string{"1001", "1002"}, false, []string{"DELETE low", "PUT low"}},
		{"bob no member, PUT open to him", []string{"1001"}, true, []string{"PUT high"}},
		{"bob no member", []string{"1001"}, false, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(teamAPI(tc.members, tc.putAnyone))
			t.Cleanup(srv.Close)
			res, err := scanner.Scan(context.Background(), scanner.Options{
				Target:     srv.URL,
				OpenAPI:    "spec.yaml",
				ReadFile:   func(string) ([]byte, error) { return []byte(teamSpec), nil },
				Primary:    bearerID("alice", aliceToken),
				Peer:       bearerID("bob", bobToken),
				PathValues: map[string]string{"teamId": "7"},
				Mode:       finding.ModeActive,
				Client:     scanner.ClientOptions{Concurrency: 2, Timeout: 5 * time.Second},
				Wait:       time.Second,
				APIRules:   []scanner.APIRule{rules.CrossUserWrite{}},
			})
			if err != nil {
				t.Fatalf("scan: %v", err)
			}
			var got []string
			for _, f := range res.Findings {
				if f.Rule != "bola-cross-user-write" {
					continue
				}
				got = append(got, fmt.Sprintf("%s %v", f.Method, f.Confidence))
				if shared := strings.Contains(f.Evidence.Summary, "pathValues"); shared != (f.Confidence == finding.ConfidenceLow) {
					t.Errorf("summary %q: shared-by-design note %v at %v", f.Evidence.Summary, shared, f.Confidence)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("findings %q, want %q", got, tc.want)
			}
		})
	}
}
