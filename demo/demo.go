// Package demo is the small shop API that `authgate demo` serves on a
// loopback port and scans as its two built-in users, Alice and Bob.
//
// It comes as twins with the same routes and the same OpenAPI document.
// Vulnerable carries the flaws of the motivating Flask + DynamoDB service:
// GET /user reads any user's record without authentication and answers bad
// keys with the backend's raw ClientError text, and GET /api/orders/{orderId}
// checks the token but not who owns the order. For `--mode active` it also
// has a password login (POST /api/login) and a logout (POST /api/logout)
// for its throw-away account, mallory: the vulnerable login allows any
// number of failed attempts and says whether a username exists, and its
// logout leaves the token working. And it has private notes with full
// create, read, update and delete (POST /api/notes, GET, PUT and DELETE
// /api/notes/{noteId}), the objects active mode creates and attacks: the
// vulnerable PUT lets any user overwrite anyone's note. Secure is the same
// service done right, so a scan of it is the picture of a passing gate.
package demo

import (
	"crypto/subtle"
	_ "embed"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"
)

// The built-in identities. The tokens are opaque bearer tokens (not JWTs),
// so the scan of the demo shows authorization flaws, not token-format ones.
const (
	// AliceToken authenticates Alice, the scan's primary identity.
	AliceToken = "demo-alice-7f3c9a1e5b2d"
	// BobToken authenticates Bob, the peer identity of the same role.
	BobToken = "demo-bob-2d8e4f6a0c9b"
	// AliceUserID is Alice's key in the users store; the OpenAPI document
	// uses it as the example of GET /user?user_id.
	AliceUserID = 1
	// BobUserID is Bob's key in the users store.
	BobUserID = 2
	// AliceOrderID is one of Alice's orders; the OpenAPI document uses it
	// as the example of GET /api/orders/{orderId}.
	AliceOrderID = 1001
	// BobOrderID is one of Bob's orders.
	BobOrderID = 2001

	// MalloryUser and MalloryPassword log in the throw-away account at
	// POST /api/login, the one account that active rules may lock out and
	// log out. Only it has a password: alice's and bob's tokens are
	// issued out of band, so no active rule can lock the scan's primary
	// and peer out.
	MalloryUser     = "mallory"
	MalloryPassword = "Throwaway-Demo-Passw0rd"
	// MalloryUserID is the throw-away account's key in the users store.
	MalloryUserID = 6
)

// Identity is one built-in user of the demo with the credentials that
// authenticate it.
type Identity struct {
	Name   string // "alice", "bob": the identity's name in reports
	UserID int
	Token  string
}

// AuthHeader is the identity's credential in the form --auth takes.
func (i Identity) AuthHeader() string { return "Authorization: Bearer " + i.Token }

// Identities returns the demo's identities, primary (Alice) first. Other
// users exist in the store but have no token: they are the records an
// attacker enumerates.
func Identities() []Identity {
	return []Identity{
		{Name: "alice", UserID: AliceUserID, Token: AliceToken},
		{Name: "bob", UserID: BobUserID, Token: BobToken},
	}
}

//go:embed openapi.json
var openAPIDocument []byte

// OpenAPI returns the OpenAPI 3.0 document both twins serve at
// /openapi.json.
func OpenAPI() []byte { return append([]byte(nil), openAPIDocument...) }

// Vulnerable returns the demo API with the planted flaws.
func Vulnerable() http.Handler { return newServer(time.Now).vulnerable() }

// Secure returns the fixed twin: the same routes and document, with
// authentication everywhere but the public routes, ownership checks on
// every object, generic error answers, a limit on failed logins and a
// logout that ends the session.
func Secure() http.Handler { return newServer(time.Now).secure() }

func (s *server) vulnerable() http.Handler {
	return s.routes(variant{
		user:       http.HandlerFunc(s.vulnerableUser),
		order:      s.authenticated(s.vulnerableOrder),
		login:      http.HandlerFunc(s.vulnerableLogin),
		logout:     s.authenticated(s.vulnerableLogout),
		updateNote: s.authenticated(s.vulnerableUpdateNote),
	})
}

func (s *server) secure() http.Handler {
	return s.routes(variant{
		user:       s.authenticated(s.secureUser),
		order:      s.authenticated(s.secureOrder),
		login:      http.HandlerFunc(s.secureLogin),
		logout:     s.authenticated(s.secureLogout),
		updateNote: s.authenticated(s.secureUpdateNote),
	})
}

// server holds the demo's data. The users, orders and products are never
// written after construction, so handlers share them without locks; the
// notes and the login state (sessions, failed logins) have locks of their
// own.
type server struct {
	users    usersTable
	orders   map[int]Order
	products []Product
	notes    *notes
	tokens   []Identity
	accounts map[string]account // username -> password login
	sessions *sessions
	failures *failures
	now      func() time.Time // the clock of sessions and lockouts; tests set it
}

func newServer(now func() time.Time) *server {
	return &server{
		users:    usersTable{items: seedUsers()},
		orders:   seedOrders(),
		products: seedProducts(),
		notes:    seedNotes(),
		tokens:   Identities(),
		accounts: seedAccounts(),
		sessions: newSessions(),
		failures: newFailures(),
		now:      now,
	}
}

// variant holds the handlers in which the twins differ.
type variant struct {
	user, order, login, logout, updateNote http.Handler
}

// routes wires the routes both twins share with the handlers of one twin.
func (s *server) routes(v variant) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/openapi.json", onlyGET(http.HandlerFunc(serveOpenAPI)))
	mux.Handle("/health", onlyGET(http.HandlerFunc(health)))
	mux.Handle("/api/products", onlyGET(http.HandlerFunc(s.listProducts)))
	mux.Handle("/api/me", onlyGET(s.authenticated(s.me)))
	mux.Handle("/api/orders", onlyGET(s.authenticated(s.listOrders)))
	mux.Handle("/api/orders/{orderId}", onlyGET(v.order))
	mux.Handle("/user", onlyGET(v.user))
	mux.Handle("/api/login", onlyPOST(v.login))
	mux.Handle("/api/logout", onlyPOST(v.logout))
	mux.Handle("/api/notes", onlyPOST(s.authenticated(s.createNote)))
	mux.Handle("/api/notes/{noteId}", byMethod(map[string]http.Handler{
		http.MethodGet:    s.authenticated(s.getNote),
		http.MethodPut:    v.updateNote,
		http.MethodDelete: s.authenticated(s.deleteNote),
	}))
	mux.Handle("/", http.HandlerFunc(notFound))
	return mux
}

func serveOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write(openAPIDocument)
}

func health(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// listProducts is the public catalog: the same for every caller, with or
// without credentials.
func (s *server) listProducts(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.products)
}

func (s *server) me(w http.ResponseWriter, _ *http.Request, caller User) {
	writeJSON(w, http.StatusOK, caller)
}

func (s *server) listOrders(w http.ResponseWriter, _ *http.Request, caller User) {
	writeJSON(w, http.StatusOK, s.ordersOf(caller.UserID))
}

// authenticated answers 401 unless the request carries a valid bearer
// token, and passes the caller's record on.
func (s *server) authenticated(h func(http.ResponseWriter, *http.Request, User)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := bearerToken(r)
		if !ok {
			// RFC 6750 section 3: no error code when no credentials were sent.
			w.Header().Set("WWW-Authenticate", `Bearer realm="`+realm+`"`)
			writeError(w, http.StatusUnauthorized, "unauthorized")
			return
		}
		caller, ok := s.caller(token)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="`+realm+`", error="invalid_token"`)
			writeError(w, http.StatusUnauthorized, "unauthorized")
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		h(w, r, caller)
	})
}

// realm names the demo in WWW-Authenticate challenges.
const realm = "authgate-demo"

// caller returns the user a token belongs to: a built-in token or a live
// session of the login. Every built-in token is compared in constant
// time, so timing does not reveal how much of a guess matched; sessions
// are looked up by the token's digest.
func (s *server) caller(token string) (User, bool) {
	userID := 0
	for _, id := range s.tokens {
		if subtle.ConstantTimeCompare([]byte(token), []byte(id.Token)) == 1 {
			userID = id.UserID
		}
	}
	if userID == 0 {
		var ok bool
		if userID, ok = s.sessions.user(token, s.now()); !ok {
			return User{}, false
		}
	}
	u, ok := s.users.items[userID]
	return u, ok
}

// bearerToken reads "Authorization: Bearer TOKEN"; the scheme name is
// case-insensitive (RFC 7235 section 2.1).
func bearerToken(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", false
	}
	return token, true
}

// onlyGET answers 405 to anything but GET and HEAD: users, orders and
// products have no writes, so a scan in active mode cannot change them
// either.
func onlyGET(h http.Handler) http.Handler { return only(h, http.MethodGet, http.MethodHead) }

// onlyPOST guards the login, the logout and the creation of notes.
func onlyPOST(h http.Handler) http.Handler { return only(h, http.MethodPost) }

// byMethod routes one path by method (HEAD as GET) and answers 405 with
// Allow to any other, as only does.
func byMethod(handlers map[string]http.Handler) http.Handler {
	allowed := make([]string, 0, len(handlers)+1)
	for m := range handlers {
		allowed = append(allowed, m)
	}
	if _, ok := handlers[http.MethodGet]; ok {
		allowed = append(allowed, http.MethodHead)
	}
	slices.Sort(allowed)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		method := r.Method
		if method == http.MethodHead {
			method = http.MethodGet
		}
		h, ok := handlers[method]
		if !ok {
			w.Header().Set("Allow", strings.Join(allowed, ", "))
			writeError(w, http.StatusMethodNotAllowed, "method not allowed")
			return
		}
		h.ServeHTTP(w, r)
	})
}

func only(h http.Handler, methods ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !slices.Contains(methods, r.Method) {
			w.Header().Set("Allow", strings.Join(methods, ", "))
			writeError(w, http.StatusMethodNotAllowed, "method not allowed")
			return
		}
		h.ServeHTTP(w, r)
	})
}

func notFound(w http.ResponseWriter, _ *http.Request) {
	writeError(w, http.StatusNotFound, "not found")
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		// Only the demo's own fixed types are encoded; this cannot happen.
		status, body = http.StatusInternalServerError, []byte(`{"error":"internal error"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(append(body, '\n'))
}
