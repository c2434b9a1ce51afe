package cli

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// review11aHostileID is the id a hostile target gives the objects active
// mode creates: a workflow command on its own line, a Markdown table
// break, an HTML tag, a code span and a link.
const review11aHostileID = "7`|<img src=x onerror=alert(1)>\n::error file=x::pwned](javascript:alert(1))\r\n::add-mask::x"

// review11aHostileAPI creates notes under ids the target chooses (the
// hostile one, with a counter) and has no DELETE, so every note the scan
// makes is left and named in every report.
func review11aHostileAPI() http.Handler {
	const spec = `{"openapi": "3.0.0", "info": {"title": "hostile ids", "version": "1"},
  "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
  "security": [{"bearer": []}],
  "paths": {
    "/api/notes": {"post": {"requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["title"], "properties": {"title": {"type": "string"}}}}}}, "responses": {"201": {"description": "created"}}}},
    "/api/notes/{noteId}": {"parameters": [{"name": "noteId", "in": "path", "required": true, "schema": {"type": "string"}}],
      "get": {"responses": {"200": {"description": "ok"}}},
      "put": {"requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "properties": {"title": {"type": "string"}}}}}}, "responses": {"200": {"description": "ok"}}}}}}`
	var mu sync.Mutex
	notes := map[string]map[string]any{}
	owner := map[string]string{}
	n := 0
	users := map[string]string{"Bearer r11a-alice": "alice", "Bearer r11a-bob": "bob"}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/openapi.json" {
			w.Write([]byte(spec))
			return
		}
		who, ok := users[r.Header.Get("Authorization")]
		w.Header().Set("Content-Type", "application/json")
		if !ok {
			w.WriteHeader(401)
			w.Write([]byte(`{"error":"unauthorized"}`))
			return
		}
		mu.Lock()
		defer mu.Unlock()
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/api/notes":
			var body map[string]any
			json.NewDecoder(r.Body).Decode(&body)
			n++
			id := review11aHostileID + strings.Repeat("x", n)
			body["id"] = id
			notes[id], owner[id] = body, who
			w.WriteHeader(201)
			json.NewEncoder(w).Encode(body)
		case strings.HasPrefix(r.URL.Path, "/api/notes/"):
			id := strings.TrimPrefix(r.URL.Path, "/api/notes/")
			note, ok := notes[id]
			if !ok || owner[id] != who {
				w.WriteHeader(404)
				w.Write([]byte(`{"error":"not found"}`))
				return
			}
			if r.Method == http.MethodPut {
				var body map[string]any
				json.NewDecoder(r.Body).Decode(&body)
				for k, v := range body {
					if k != "id" {
						note[k] = v
					}
				}
			}
			json.NewEncoder(w).Encode(note)
		default:
			w.WriteHeader(404)
			w.Write([]byte(`{"error":"not found"}`))
		}
	})
}

// TestReview11AHostileIDsInReports: ids the target chose for the objects
// active mode created and left are shown in every report (text on stdout,
// the warning on stderr, Markdown, JUnit), and none of them lets the
// target start a workflow command line, break the Markdown table, inject
// HTML or a link, or break the XML.
func TestReview11AHostileIDsInReports(t *testing.T) {
	srv := httptest.NewServer(review11aHostileAPI())
	defer srv.Close()
	dir := t.TempDir()
	jsonPath, mdPath, xmlPath := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.md"), filepath.Join(dir, "r.xml")
	code, stdout, stderr := run(t, "scan", srv.URL, "--openapi", srv.URL+"/openapi.json", "--mode", "active", "--config", "",
		"--auth", "Authorization: Bearer r11a-alice", "--peer-auth", "Authorization: Bearer r11a-bob",
		"--format", "text", "-o", "json="+jsonPath, "-o", mdPath, "-o", "junit="+xmlPath, "--rate", "0")
	if code == ExitScanFailed || code == ExitUsage {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	r := readReport(t, jsonPath)
	if r.Coverage == nil || r.Coverage.Writes == nil || r.Coverage.Writes.Left == 0 {
		t.Fatalf("no object left on the target: the test proves nothing; coverage %+v", r.Coverage)
	}
	md, junit := readFile(t, mdPath), readFile(t, xmlPath)
	for name, out := range map[string]string{"stdout": stdout, "stderr": stderr, "markdown": md, "junit": junit} {
		for _, line := range strings.Split(strings.ReplaceAll(out, "\r", "\n"), "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "::") {
				t.Errorf("%s: a line starts a workflow command: %q", name, line)
			}
		}
	}
	if strings.Contains(md, "<img") || strings.Contains(md, "](javascript") {
		t.Errorf("markdown carries the target's HTML or link:\n%s", md)
	}
	for _, c := range r.Coverage.Writes.Created {
		if !c.Deleted && !strings.Contains(c.Item, "onerror") {
			t.Errorf("left %q does not carry the target's id: the test proves nothing", c.Item)
		}
	}
	var v any
	if err := xml.Unmarshal([]byte(junit), &v); err != nil {
		t.Errorf("junit: %v", err)
	}
}
