package cli

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// tagsSpec describes tagsAPI: tags can be created, read and renamed by
// their owner, and never deleted.
const tagsSpec = `openapi: 3.0.3
info: {title: tags, version: "1"}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
security:
  - bearer: []
paths:
  /api/me:
    get:
      responses: {"200": {description: the caller}}
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
                name: {type: string, example: urgent}
      responses: {"201": {description: created}}
  /api/tags/{tagId}:
    parameters:
      - {name: tagId, in: path, required: true, schema: {type: integer}, example: 1}
    get:
      responses: {"200": {description: the tag}, "404": {description: not found or not yours}}
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
      responses: {"200": {description: renamed}, "404": {description: not found or not yours}}
`

// tagsAPI is a correct API whose objects cannot be deleted: what active
// mode creates stays on it.
func tagsAPI() http.Handler {
	type tag struct {
		ID    int    `json:"id"`
		Name  string `json:"name"`
		Owner string `json:"owner"`
	}
	var mu sync.Mutex
	tags := map[int]*tag{1: {1, "seeded", "alice"}}
	next := 100
	users := map[string]string{"Bearer tok-alice-4c1f": "alice", "Bearer tok-bob-9e2d": "bob"}
	reply := func(w http.ResponseWriter, status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(v)
	}
	authed := func(next func(http.ResponseWriter, *http.Request, string)) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			who, ok := users[r.Header.Get("Authorization")]
			if !ok {
				w.Header().Set("WWW-Authenticate", "Bearer")
				reply(w, http.StatusUnauthorized, map[string]string{"error": "unauthorized"})
				return
			}
			next(w, r, who)
		}
	}
	own := func(r *http.Request, who string) *tag {
		id, _ := strconv.Atoi(r.PathValue("tagId"))
		mu.Lock()
		defer mu.Unlock()
		if t, ok := tags[id]; ok && t.Owner == who {
			return t
		}
		return nil
	}
	name := func(r *http.Request) (string, bool) {
		var in struct{ Name string }
		return in.Name, json.NewDecoder(http.MaxBytesReader(nil, r.Body, 4096)).Decode(&in) == nil && in.Name != ""
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /openapi.yaml", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte(tagsSpec)) })
	mux.HandleFunc("GET /api/me", authed(func(w http.ResponseWriter, _ *http.Request, who string) {
		reply(w, http.StatusOK, map[string]string{"name": who})
	}))
	mux.HandleFunc("POST /api/tags", authed(func(w http.ResponseWriter, r *http.Request, who string) {
		n, ok := name(r)
		if !ok {
			reply(w, http.StatusBadRequest, map[string]string{"error": "name is required"})
			return
		}
		mu.Lock()
		t := &tag{next, n, who}
		tags[t.ID] = t
		next++
		mu.Unlock()
		w.Header().Set("Location", "/api/tags/"+strconv.Itoa(t.ID))
		reply(w, http.StatusCreated, t)
	}))
	mux.HandleFunc("GET /api/tags/{tagId}", authed(func(w http.ResponseWriter, r *http.Request, who string) {
		if t := own(r, who); t != nil {
			mu.Lock()
			defer mu.Unlock()
			reply(w, http.StatusOK, t)
			return
		}
		reply(w, http.StatusNotFound, map[string]string{"error": "not found"})
	}))
	mux.HandleFunc("PUT /api/tags/{tagId}", authed(func(w http.ResponseWriter, r *http.Request, who string) {
		t := own(r, who)
		n, ok := name(r)
		switch {
		case t == nil:
			reply(w, http.StatusNotFound, map[string]string{"error": "not found"})
		case !ok:
			reply(w, http.StatusBadRequest, map[string]string{"error": "name is required"})
		default:
			mu.Lock()
			t.Name = n
			mu.Unlock()
			reply(w, http.StatusOK, t)
		}
	}))
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		reply(w, http.StatusNotFound, map[string]string{"error": "not found"})
	})
	return mux
}

// TestObjectsLeftDoNotFailTheGate: objects active mode created and could
// not delete are named in every human report and in the JSON, with the
// reason, and in a warning on stderr; they are no reason for the gate to
// fail.
func TestObjectsLeftDoNotFailTheGate(t *testing.T) {
	srv := httptest.NewServer(tagsAPI())
	defer srv.Close()
	dir := t.TempDir()
	jsonPath, mdPath := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.md")
	code, stdout, stderr := run(t, "scan", srv.URL, "--openapi", srv.URL+"/openapi.yaml", "--mode", "active", "--config", "",
		"--auth", "Authorization: Bearer tok-alice-4c1f", "--peer-auth", "Authorization: Bearer tok-bob-9e2d",
		"--format", "text", "-o", "json="+jsonPath, "-o", mdPath, "--rate", "0")
	r := readReport(t, jsonPath)
	// The scan has no throw-away login, so the account rules it asked for
	// fail the gate; what it left behind must not be among the reasons.
	if code == ExitScanFailed || code == ExitUsage {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	for _, reason := range r.Gate.Reasons {
		if strings.Contains(reason, "/api/tags/") || strings.Contains(reason, "left") || strings.Contains(reason, "created") {
			t.Errorf("objects left on the target fail the gate: %q", reason)
		}
	}
	if len(r.Findings) > 0 {
		t.Errorf("findings on a correct API:%s", findingList(r))
	}
	w := r.Coverage.Writes
	if w == nil || w.Left == 0 || w.Left != len(w.Created) {
		t.Fatalf("coverage.writes %+v: want every created tag left on the target", w)
	}
	md := readFile(t, mdPath)
	for _, c := range w.Created {
		if c.Deleted || !strings.Contains(c.Reason, "DELETE") {
			t.Errorf("%+v: want left, with the missing DELETE as the reason", c)
		}
		for name, out := range map[string]string{"text": stdout, "markdown": md, "stderr": stderr} {
			if !strings.Contains(out, c.Item) {
				t.Errorf("the %s output does not name %s", name, c.Item)
			}
		}
	}
	if !strings.Contains(stdout, "left on the target:") || !strings.Contains(md, "left on the target:") {
		t.Errorf("the human reports do not say objects were left:\n%s", stdout)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
