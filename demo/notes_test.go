package demo

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// send sends method path as token with a JSON body ("" for none).
func send(t *testing.T, srv *httptest.Server, method, path, token, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
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

// createNote creates a note as token and returns its path.
func createNote(t *testing.T, srv *httptest.Server, token, body string) (string, Note) {
	t.Helper()
	resp, got := send(t, srv, http.MethodPost, "/api/notes", token, body)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: status %d, body %s", resp.StatusCode, got)
	}
	var n Note
	if err := json.Unmarshal([]byte(got), &n); err != nil {
		t.Fatal(err)
	}
	loc := resp.Header.Get("Location")
	if loc != "/api/notes/"+strconv.Itoa(n.ID) {
		t.Fatalf("Location %q does not name note %d", loc, n.ID)
	}
	return loc, n
}

// TestNoteTwins: the notes' life cycle on both twins. Only the PUT
// differs: the vulnerable one lets Bob overwrite Alice's note; reads and
// deletes check the owner in both.
func TestNoteTwins(t *testing.T) {
	for _, twin := range []struct {
		name       string
		handler    http.Handler
		foreignPut int
	}{
		{"vulnerable", Vulnerable(), http.StatusOK},
		{"secure", Secure(), http.StatusNotFound},
	} {
		t.Run(twin.name, func(t *testing.T) {
			srv := httptest.NewServer(twin.handler)
			defer srv.Close()
			path, n := createNote(t, srv, AliceToken, `{"title":"mine","text":"alice's","owner":2,"id":7}`)
			if n.Owner != AliceUserID || n.ID < firstNoteID || n.Title != "mine" {
				t.Fatalf("created %+v: the server sets id and owner, the client's are ignored", n)
			}
			steps := []struct {
				name                string
				method, token, body string
				status              int
				contains            string
			}{
				{"alice reads her note", "GET", AliceToken, "", 200, `"title":"mine"`},
				{"bob cannot read it", "GET", BobToken, "", 404, ""},
				{"anonymous cannot read it", "GET", "", "", 401, ""},
				{"anonymous cannot change it", "PUT", "", `{"title":"anon"}`, 401, ""},
				{"bob changes it (or not)", "PUT", BobToken, `{"title":"bob was here"}`, twin.foreignPut, ""},
				{"bob cannot delete it", "DELETE", BobToken, "", 404, ""},
				{"a PUT without a title is refused", "PUT", AliceToken, `{"text":"x"}`, 400, ""},
				{"PATCH is not a method of notes", "PATCH", AliceToken, `{"title":"x"}`, 405, ""},
				{"alice changes her note", "PUT", AliceToken, `{"title":"edited","owner":2}`, 200, `"owner":1`},
				{"alice deletes it", "DELETE", AliceToken, "", 204, ""},
				{"and it is gone", "GET", AliceToken, "", 404, ""},
			}
			for _, s := range steps {
				resp, body := send(t, srv, s.method, path, s.token, s.body)
				if resp.StatusCode != s.status || !strings.Contains(body, s.contains) {
					t.Errorf("%s: %s %s answered %d %s, want %d with %q", s.name, s.method, path, resp.StatusCode, body, s.status, s.contains)
				}
			}
			// The seeded notes are untouched by all of it.
			for token, id := range map[string]int{AliceToken: AliceNoteID, BobToken: BobNoteID} {
				resp, body := send(t, srv, http.MethodGet, "/api/notes/"+strconv.Itoa(id), token, "")
				if resp.StatusCode != http.StatusOK || strings.Contains(body, "bob was here") {
					t.Errorf("seeded note %d: %d %s", id, resp.StatusCode, body)
				}
			}
		})
	}
}

// TestNoteForeignWriteSticks shows the planted flaw end to end: on the
// vulnerable twin Bob's PUT changes what Alice reads back.
func TestNoteForeignWriteSticks(t *testing.T) {
	for name, tc := range map[string]struct {
		h     http.Handler
		title string
	}{"vulnerable": {Vulnerable(), "bob was here"}, "secure": {Secure(), "mine"}} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(tc.h)
			defer srv.Close()
			path, _ := createNote(t, srv, AliceToken, `{"title":"mine"}`)
			send(t, srv, http.MethodPut, path, BobToken, `{"title":"bob was here"}`)
			_, body := send(t, srv, http.MethodGet, path, AliceToken, "")
			if !strings.Contains(body, `"title":"`+tc.title+`"`) {
				t.Errorf("alice reads back %s, want title %q", body, tc.title)
			}
		})
	}
}

// TestNoteValidation: bodies the document does not allow are 400, never
// stored.
func TestNoteValidation(t *testing.T) {
	srv := httptest.NewServer(Secure())
	defer srv.Close()
	for name, body := range map[string]string{
		"not JSON":       `{"title":`,
		"no title":       `{"text":"x"}`,
		"blank title":    `{"title":"   "}`,
		"title too long": `{"title":"` + strings.Repeat("é", maxTitleRunes+1) + `"}`,
		"text too long":  `{"title":"t","text":"` + strings.Repeat("x", maxTextRunes+1) + `"}`,
		"body too large": `{"title":"t","text":"` + strings.Repeat("x", maxNoteBody) + `"}`,
	} {
		resp, got := send(t, srv, http.MethodPost, "/api/notes", AliceToken, body)
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: status %d %s, want 400", name, resp.StatusCode, got)
		}
	}
}

// TestNotesStayBounded: a client creating notes in a loop fills the store
// up to maxNotes and is refused after, so memory stays bounded.
func TestNotesStayBounded(t *testing.T) {
	n := seedNotes()
	title := "t"
	for range maxNotes + 5 {
		n.add(AliceUserID, noteInput{Title: &title})
	}
	if len(n.items) != maxNotes {
		t.Fatalf("store holds %d notes, want the bound %d", len(n.items), maxNotes)
	}
	if _, ok := n.add(AliceUserID, noteInput{Title: &title}); ok {
		t.Fatal("a full store accepted a note")
	}
}
