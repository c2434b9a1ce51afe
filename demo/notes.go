package demo

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// Notes are the demo's writable objects: private notes that only their
// owner may read, change or delete. They give `--mode active` something
// to create, attack and clean up. The vulnerable twin's PUT checks that
// the caller is someone, not that the note is the caller's, so Bob
// overwrites Alice's note (CWE-639): vulnerableUpdateNote in
// vulnerable.go, secureUpdateNote in secure.go.

// Seeded notes, one per built-in user: data that existed before any
// scan, which a scan must never change.
const (
	// AliceNoteID is Alice's note; the OpenAPI document uses it as the
	// example of /api/notes/{noteId}.
	AliceNoteID = 101
	// BobNoteID is Bob's note.
	BobNoteID = 201
)

// Bounds of the notes store, each with its reason.
const (
	// maxNoteBody caps a create or update body: a title and a text fit
	// in far less, and a huge body must not cost memory.
	maxNoteBody = 8 << 10
	// maxTitleRunes and maxTextRunes are the document's maxLength.
	maxTitleRunes = 200
	maxTextRunes  = 4000
	// maxNotes bounds the store, so a client that creates notes in a
	// loop cannot exhaust the demo's memory; the scan creates a handful.
	maxNotes = 1000
	// firstNoteID is the first id the store hands out: above the seeded
	// ones, so a created note never takes a seeded note's id.
	firstNoteID = 10001
)

// Note is one private note. ID and Owner are set by the server: a client
// that sends them is ignored (they are readOnly in the document).
type Note struct {
	ID    int    `json:"id"`
	Title string `json:"title"`
	Text  string `json:"text"`
	Owner int    `json:"owner"` // the owner's user_id
}

// noteInput is what a client may set on a note.
type noteInput struct {
	Title *string `json:"title"`
	Text  *string `json:"text"`
}

// notes is the notes store. Unlike the other records it is written after
// construction, so it has a lock.
type notes struct {
	mu    sync.Mutex
	items map[int]Note
	next  int
}

func seedNotes() *notes {
	return &notes{
		items: map[int]Note{
			AliceNoteID: {ID: AliceNoteID, Title: "Grinder settings", Text: "Espresso: 8, pour-over: 22.", Owner: AliceUserID},
			BobNoteID:   {ID: BobNoteID, Title: "Kettle temperature", Text: "93 °C for light roasts.", Owner: BobUserID},
		},
		next: firstNoteID,
	}
}

// add stores a new note of owner; ok is false when the store is full.
func (n *notes) add(owner int, in noteInput) (Note, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(n.items) >= maxNotes {
		return Note{}, false
	}
	note := Note{ID: n.next, Title: *in.Title, Owner: owner}
	if in.Text != nil {
		note.Text = *in.Text
	}
	n.next++
	n.items[note.ID] = note
	return note, true
}

// get returns the note with id; ownership is the handler's to check.
func (n *notes) get(id int) (Note, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	note, ok := n.items[id]
	return note, ok
}

// update changes the fields in sets on note id and returns the result.
func (n *notes) update(id int, in noteInput) (Note, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	note, ok := n.items[id]
	if !ok {
		return Note{}, false
	}
	if in.Title != nil {
		note.Title = *in.Title
	}
	if in.Text != nil {
		note.Text = *in.Text
	}
	n.items[id] = note
	return note, true
}

func (n *notes) remove(id int) {
	n.mu.Lock()
	defer n.mu.Unlock()
	delete(n.items, id)
}

// readNote decodes a create or update body. A create needs a title; an
// update (PUT replaces the editable fields) too. Unknown fields, such as
// id or owner, are ignored: the server sets them.
func readNote(w http.ResponseWriter, r *http.Request) (noteInput, bool) {
	var in noteInput
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxNoteBody))
	if dec.Decode(&in) != nil || in.Title == nil {
		return noteInput{}, false
	}
	title := strings.TrimSpace(*in.Title)
	if title == "" || utf8.RuneCountInString(title) > maxTitleRunes ||
		(in.Text != nil && utf8.RuneCountInString(*in.Text) > maxTextRunes) {
		return noteInput{}, false
	}
	in.Title = &title
	return in, true
}

// createNote stores a note owned by the caller and answers 201 with it
// and its Location.
func (s *server) createNote(w http.ResponseWriter, r *http.Request, caller User) {
	in, ok := readNote(w, r)
	if !ok {
		writeError(w, http.StatusBadRequest, "a note needs a title of at most 200 characters")
		return
	}
	note, ok := s.notes.add(caller.UserID, in)
	if !ok {
		writeError(w, http.StatusInsufficientStorage, "too many notes")
		return
	}
	w.Header().Set("Location", "/api/notes/"+strconv.Itoa(note.ID))
	writeJSON(w, http.StatusCreated, note)
}

// ownNote returns the caller's note named by the path, or writes 404: a
// note of someone else is as absent as one that does not exist.
func (s *server) ownNote(w http.ResponseWriter, r *http.Request, caller User) (Note, bool) {
	note, ok := s.lookupNote(r)
	if !ok || note.Owner != caller.UserID {
		writeError(w, http.StatusNotFound, "not found")
		return Note{}, false
	}
	return note, true
}

// lookupNote returns the note named by the path, whoever owns it.
func (s *server) lookupNote(r *http.Request) (Note, bool) {
	id, err := strconv.Atoi(r.PathValue("noteId"))
	if err != nil {
		return Note{}, false
	}
	return s.notes.get(id)
}

func (s *server) getNote(w http.ResponseWriter, r *http.Request, caller User) {
	if note, ok := s.ownNote(w, r, caller); ok {
		writeJSON(w, http.StatusOK, note)
	}
}

// deleteNote removes the caller's note; both twins check the owner.
func (s *server) deleteNote(w http.ResponseWriter, r *http.Request, caller User) {
	if note, ok := s.ownNote(w, r, caller); ok {
		s.notes.remove(note.ID)
		w.WriteHeader(http.StatusNoContent)
	}
}

// writeUpdate applies a PUT body to note id and answers with the note.
func (s *server) writeUpdate(w http.ResponseWriter, r *http.Request, id int) {
	in, ok := readNote(w, r)
	if !ok {
		writeError(w, http.StatusBadRequest, "a note needs a title of at most 200 characters")
		return
	}
	note, ok := s.notes.update(id, in)
	if !ok {
		writeError(w, http.StatusNotFound, "not found")
		return
	}
	writeJSON(w, http.StatusOK, note)
}
