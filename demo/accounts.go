package demo

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Bounds and policies of the login, each with its reason.
const (
	// maxLoginBody caps a login request's body: a username and a
	// password fit in far less, and a huge body must not cost memory.
	maxLoginBody = 4 << 10
	// sessionTokenBytes is the entropy of a session token: 128 bits, the
	// OWASP session-management minimum is 64.
	sessionTokenBytes = 16
	// sessionLifetime ends a session nobody logged out of.
	sessionLifetime = time.Hour
	// maxSessions and maxTrackedNames bound the in-memory stores, so a
	// client that logs in (or fails to) in a loop cannot exhaust memory.
	maxSessions     = 10_000
	maxTrackedNames = 10_000
	// maxFailedLogins is the secure twin's limit of consecutive failed
	// logins per username before it answers 429.
	maxFailedLogins = 5
	// lockoutWindow is how long the secure twin refuses every login of a
	// username that reached maxFailedLogins, the right password included.
	// It is short so that the scanner can log its throw-away account back
	// in right after probing the limit (the scanner honours Retry-After);
	// a real service would use minutes and let the window grow with each
	// failure. Failures keep counting after the window until a successful
	// login: each further failure is refused with 429 and starts a new
	// window, so the limit never resets by itself.
	lockoutWindow = time.Second
)

// Answers of the login; the secure twin gives invalidCredentials to an
// unknown username and to a wrong password alike.
const (
	invalidCredentials = "invalid username or password"
	unknownUser        = "user not found"
	wrongPassword      = "incorrect password"
	tooManyLogins      = "too many failed logins, try again later"
	sessionTokenPrefix = "demo-session-"
)

// account is a user that logs in with a password. Only the throw-away
// account has one: alice's and bob's tokens are issued out of band.
type account struct {
	userID int
	// digest is the password's SHA-256. A real service stores a slow,
	// salted hash (bcrypt, scrypt, argon2id); the demo keeps the standard
	// library only.
	digest [sha256.Size]byte
}

func seedAccounts() map[string]account {
	return map[string]account{
		MalloryUser: {userID: MalloryUserID, digest: sha256.Sum256([]byte(MalloryPassword))},
	}
}

// session is one login's token, stored by its digest so that the store
// does not hold usable tokens.
type session struct {
	userID  int
	expires time.Time
}

// sessions are the tokens the login issued; logout removes them in the
// secure twin. Both twins write it, so it has a lock.
type sessions struct {
	mu    sync.Mutex
	byKey map[[sha256.Size]byte]session
}

func newSessions() *sessions {
	return &sessions{byKey: map[[sha256.Size]byte]session{}}
}

// issue makes a new random token for userID.
func (s *sessions) issue(userID int, now time.Time) (string, error) {
	b := make([]byte, sessionTokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	token := sessionTokenPrefix + hex.EncodeToString(b)
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.byKey) >= maxSessions {
		s.evict(now)
	}
	s.byKey[sha256.Sum256([]byte(token))] = session{userID: userID, expires: now.Add(sessionLifetime)}
	return token, nil
}

// evict drops the expired sessions, or all but the newest when none has
// expired; called with the lock held when the store is full.
func (s *sessions) evict(now time.Time) {
	var oldest [sha256.Size]byte
	first := time.Time{}
	for k, v := range s.byKey {
		if !now.Before(v.expires) {
			delete(s.byKey, k)
			continue
		}
		if first.IsZero() || v.expires.Before(first) {
			oldest, first = k, v.expires
		}
	}
	if len(s.byKey) >= maxSessions {
		delete(s.byKey, oldest)
	}
}

// user returns the user a live session token belongs to.
func (s *sessions) user(token string, now time.Time) (int, bool) {
	if !strings.HasPrefix(token, sessionTokenPrefix) {
		return 0, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.byKey[sha256.Sum256([]byte(token))]
	if !ok || !now.Before(v.expires) {
		return 0, false
	}
	return v.userID, true
}

// revoke ends a session; tokens that are not sessions are left alone.
func (s *sessions) revoke(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.byKey, sha256.Sum256([]byte(token)))
}

// failures are the secure twin's failed logins per username. Usernames
// that no account has are counted the same way, so that the lockout does
// not tell which accounts exist either.
type failures struct {
	mu     sync.Mutex
	byName map[string]failed
}

func newFailures() *failures { return &failures{byName: map[string]failed{}} }

type failed struct {
	count       int
	lockedUntil time.Time
}

// verdict is what the limit makes of one login attempt.
type verdict int

const (
	granted   verdict = iota // the password is right
	refused                  // wrong password or unknown username: 401
	throttled                // over the limit: 429, the password unchecked or wrong
)

// attempt judges one login of name: refused outright while name is
// locked, else by right(). The lock is held throughout, so concurrent
// attempts cannot slip past the limit together. wait is the Retry-After
// of a throttled attempt.
func (f *failures) attempt(name string, now time.Time, right func() bool) (v verdict, wait time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if d := f.byName[name].lockedUntil.Sub(now); d > 0 {
		return throttled, d
	}
	if right() {
		delete(f.byName, name) // the limit is on consecutive failures
		return granted, 0
	}
	if _, ok := f.byName[name]; !ok && len(f.byName) >= maxTrackedNames {
		f.prune(now)
	}
	e := f.byName[name]
	e.count++
	if e.count >= maxFailedLogins {
		e.lockedUntil = now.Add(lockoutWindow)
	}
	f.byName[name] = e
	if e.count > maxFailedLogins {
		return throttled, lockoutWindow
	}
	return refused, 0
}

// prune forgets names below the limit, then names no longer locked, when
// the store is full; called with the lock held.
func (f *failures) prune(now time.Time) {
	for k, v := range f.byName {
		if v.count < maxFailedLogins {
			delete(f.byName, k)
		}
	}
	for k, v := range f.byName {
		if len(f.byName) < maxTrackedNames {
			return
		}
		if !now.Before(v.lockedUntil) {
			delete(f.byName, k)
		}
	}
}

// credentials are a login request's fields.
type credentials struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

var errBadLogin = errors.New("bad login request")

// readCredentials decodes {"username", "password"}; both are required.
func readCredentials(w http.ResponseWriter, r *http.Request) (credentials, error) {
	var c credentials
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxLoginBody))
	if err := dec.Decode(&c); err != nil {
		return credentials{}, errBadLogin
	}
	if c.Username == "" || c.Password == "" {
		return credentials{}, errBadLogin
	}
	c.Username = strings.ToLower(strings.TrimSpace(c.Username))
	return c, nil
}

// dummyDigest is what an unknown username's password is compared with,
// so that both kinds of failure do the same work.
var dummyDigest = sha256.Sum256([]byte("authgate-demo: no such account"))

// check returns the account name logs in to, and whether it exists and
// the password is right. The password is compared in constant time.
func (s *server) check(c credentials) (a account, exists, ok bool) {
	a, exists = s.accounts[c.Username]
	want := dummyDigest
	if exists {
		want = a.digest
	}
	got := sha256.Sum256([]byte(c.Password))
	ok = subtle.ConstantTimeCompare(got[:], want[:]) == 1 && exists
	return a, exists, ok
}

// grant answers a successful login with a new session token. The token
// answer must not be cached (RFC 6749 section 5.1).
func (s *server) grant(w http.ResponseWriter, a account) {
	token, err := s.sessions.issue(a.userID, s.now())
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal error")
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]string{"access_token": token, "token_type": "Bearer"})
}

// refuseLogin answers a failed login with 401 and the API's challenge.
func refuseLogin(w http.ResponseWriter, msg string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="`+realm+`"`)
	writeError(w, http.StatusUnauthorized, msg)
}

// throttle answers 429 with the seconds left, rounded up: Retry-After
// takes whole seconds (RFC 9110 section 10.2.3).
func throttle(w http.ResponseWriter, wait time.Duration) {
	secs := max(int(math.Ceil(wait.Seconds())), 1)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	writeError(w, http.StatusTooManyRequests, tooManyLogins)
}
