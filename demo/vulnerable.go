package demo

import (
	"net/http"
	"strconv"
)

// vulnerableUser is the motivating Flask route, translated:
//
//	@app.route('/user')
//	def get_user():
//	    try:
//	        item = table.get_item(Key={'user_id': request.args.get('user_id')}).get('Item')
//	        return jsonify(item) if item else ({'error': 'User not found'}, 404)
//	    except ClientError as e:
//	        return {'error': str(e)}, 500
//
// Planted flaws: no authentication at all, so anyone reads any user's
// record by guessing user_id (CWE-306, CWE-639); and the backend's error
// text goes back to the caller (CWE-209).
func (s *server) vulnerableUser(w http.ResponseWriter, r *http.Request) {
	u, ok, err := s.users.getItem(r.URL.Query().Get("user_id"))
	switch {
	case err != nil:
		writeError(w, http.StatusInternalServerError, err.Error())
	case !ok:
		writeError(w, http.StatusNotFound, "User not found")
	default:
		writeJSON(w, http.StatusOK, u)
	}
}

// vulnerableOrder checks that the caller is someone, but not that the
// order is the caller's: any user reads any order by its id (CWE-639).
func (s *server) vulnerableOrder(w http.ResponseWriter, r *http.Request, _ User) {
	id, err := strconv.Atoi(r.PathValue("orderId"))
	o, ok := s.orders[id]
	if err != nil || !ok {
		writeError(w, http.StatusNotFound, "not found")
		return
	}
	writeJSON(w, http.StatusOK, o)
}

// vulnerableLogin logs the throw-away account in with its password.
// Planted flaws: failed logins are never limited, so a password can be
// guessed at full speed (CWE-307); and an unknown username and a wrong
// password get different messages, so the answer tells which accounts
// exist (CWE-204).
func (s *server) vulnerableLogin(w http.ResponseWriter, r *http.Request) {
	c, err := readCredentials(w, r)
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad request")
		return
	}
	a, exists, ok := s.check(c)
	switch {
	case !exists:
		refuseLogin(w, unknownUser)
	case !ok:
		refuseLogin(w, wrongPassword)
	default:
		s.grant(w, a)
	}
}

// vulnerableLogout answers like a logout but ends nothing: the token keeps
// working until it expires (CWE-613).
func (s *server) vulnerableLogout(w http.ResponseWriter, _ *http.Request, _ User) {
	w.WriteHeader(http.StatusNoContent)
}

// vulnerableUpdateNote checks that the caller is someone (the route is
// behind authenticated), but not that the note is the caller's: any user
// overwrites any note by its id (CWE-639).
func (s *server) vulnerableUpdateNote(w http.ResponseWriter, r *http.Request, _ User) {
	note, ok := s.lookupNote(r)
	if !ok {
		writeError(w, http.StatusNotFound, "not found")
		return
	}
	s.writeUpdate(w, r, note.ID)
}
