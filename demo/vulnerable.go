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
