package demo

import (
	"net/http"
	"strconv"
)

// secureUser is the correct fix of the motivating route: the key comes
// from the request but is checked against the authenticated caller, so a
// caller reads only its own record. Another user's id answers 404 like a
// missing one, so the answer does not even confirm that the user exists.
// Malformed keys are refused before they reach the store, with a generic
// message; a real service would log the details instead.
func (s *server) secureUser(w http.ResponseWriter, r *http.Request, caller User) {
	id, err := strconv.Atoi(r.URL.Query().Get("user_id"))
	if err != nil || id < 1 {
		writeError(w, http.StatusBadRequest, "bad request")
		return
	}
	if id != caller.UserID {
		writeError(w, http.StatusNotFound, "not found")
		return
	}
	u, ok, err := s.users.getItem(strconv.Itoa(id))
	switch {
	case err != nil:
		writeError(w, http.StatusInternalServerError, "internal error")
	case !ok:
		writeError(w, http.StatusNotFound, "not found")
	default:
		writeJSON(w, http.StatusOK, u)
	}
}

// secureOrder looks the order up by id and owner: another user's order is
// as absent as one that does not exist.
func (s *server) secureOrder(w http.ResponseWriter, r *http.Request, caller User) {
	id, err := strconv.Atoi(r.PathValue("orderId"))
	o, ok := s.orders[id]
	if err != nil || !ok || o.Owner != caller.UserID {
		writeError(w, http.StatusNotFound, "not found")
		return
	}
	writeJSON(w, http.StatusOK, o)
}

// secureLogin gives an unknown username and a wrong password the same
// answer, and after maxFailedLogins consecutive failures for one username
// (existing or not) refuses its logins with 429 and Retry-After for
// lockoutWindow; a successful login resets the count. See lockoutWindow
// for why the window is short.
func (s *server) secureLogin(w http.ResponseWriter, r *http.Request) {
	c, err := readCredentials(w, r)
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad request")
		return
	}
	var a account
	v, wait := s.failures.attempt(c.Username, s.now(), func() bool {
		var ok bool
		a, _, ok = s.check(c)
		return ok
	})
	switch v {
	case throttled:
		throttle(w, wait)
	case refused:
		refuseLogin(w, invalidCredentials)
	default:
		s.grant(w, a)
	}
}

// secureLogout ends the session whose token it was sent with. The
// built-in tokens are not sessions (they are issued out of band, like API
// keys) and stay valid.
func (s *server) secureLogout(w http.ResponseWriter, r *http.Request, _ User) {
	if token, ok := bearerToken(r); ok {
		s.sessions.revoke(token)
	}
	w.WriteHeader(http.StatusNoContent)
}

// secureUpdateNote replaces the title and text of the caller's own note:
// the note is looked up by id and owner, so another user's note is as
// absent (404) as one that does not exist.
func (s *server) secureUpdateNote(w http.ResponseWriter, r *http.Request, caller User) {
	note, ok := s.ownNote(w, r, caller)
	if !ok {
		return
	}
	s.writeUpdate(w, r, note.ID)
}
