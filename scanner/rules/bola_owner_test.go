package rules_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner"
)

// Issue 12, items 1 to 3: ownership learned from login answers, token
// claims, owner fields of lists and owns:, on loopback models of the two
// APIs where the scan missed it (OWASP Juice Shop's baskets, VAmPI's
// books), with two users each.

// juiceUser is one account of the Juice Shop model.
type juiceUser struct {
	id, bid       int
	email, passwd string
}

// juiceUsers are alice and bob (the scan's two identities) and the
// accounts the shop already had: baskets 1 to 5 belong to users 1 to 5,
// in the order they first logged in.
var juiceUsers = []juiceUser{
	{id: 1, bid: 1, email: "admin@juice-sh.op"},
	{id: 2, bid: 3, email: "alice@juice-sh.op", passwd: "alice-pw-1"},
	{id: 3, bid: 4, email: "bob@juice-sh.op", passwd: "bob-pw-2"},
	{id: 4, bid: 2, email: "jim@juice-sh.op"},
	{id: 5, bid: 5, email: "bender@juice-sh.op"},
}

// juiceShop models Juice Shop's login and baskets. The login answers
// {"authentication": {"token", "bid", "umail"}}; the token's claims wrap
// the user in "data" and repeat the bid. GET /rest/basket/{id} answers
// {"status": "success", "data": {"id", "UserId", "Products"}} (data null
// for no basket). fixed: another's basket is refused with refusal (403
// or 404); public: anonymous callers read baskets too; shop: both login
// answers also carry the same shopId, and GET /rest/shop/{id} answers it
// to every signed-in user.
type juiceShop struct {
	t       *testing.T
	fixed   bool
	refusal int
	public  bool
	shop    bool

	mu     *sync.Mutex
	tokens map[string]juiceUser
}

func (j *juiceShop) handler() http.Handler {
	j.mu, j.tokens = &sync.Mutex{}, map[string]juiceUser{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /rest/user/login", func(w http.ResponseWriter, r *http.Request) {
		var body struct{ Email, Password string }
		json.NewDecoder(r.Body).Decode(&body)
		for _, u := range juiceUsers {
			if u.passwd == "" || u.email != body.Email || u.passwd != body.Password {
				continue
			}
			claims := map[string]any{"status": "success", "bid": u.bid,
				"data": map[string]any{"id": u.id, "email": u.email, "role": "customer", "deluxeToken": "", "profileImage": "/assets/public/images/uploads/default.svg"}}
			tok := bolaJWT(j.t, claims)
			j.mu.Lock()
			j.tokens[tok] = u
			j.mu.Unlock()
			auth := map[string]any{"token": tok, "bid": u.bid, "umail": u.email}
			if j.shop {
				auth["shopId"] = 7
			}
			writeJSON(w, 200, map[string]any{"authentication": auth})
			return
		}
		writeJSON(w, 401, map[string]string{"error": "Invalid email or password."})
	})
	caller := func(r *http.Request) (juiceUser, bool) {
		j.mu.Lock()
		defer j.mu.Unlock()
		u, ok := j.tokens[bearerToken(r)]
		return u, ok
	}
	mux.HandleFunc("GET /rest/basket/{id}", func(w http.ResponseWriter, r *http.Request) {
		me, ok := caller(r)
		if !ok && !j.public {
			unauthorized(w)
			return
		}
		for _, u := range juiceUsers {
			if r.PathValue("id") != jsonNumber(u.bid) {
				continue
			}
			if j.fixed && u.id != me.id {
				writeJSON(w, j.refusal, map[string]string{"error": http.StatusText(j.refusal)})
				return
			}
			writeJSON(w, 200, map[string]any{"status": "success", "data": juiceBasket(u)})
			return
		}
		writeJSON(w, 200, map[string]any{"status": "success", "data": nil})
	})
	// Branches are the shop's, read by every signed-in user by design;
	// "b" of alice's bid abbreviates them as well as baskets.
	mux.HandleFunc("GET /rest/branch/{id}", func(w http.ResponseWriter, r *http.Request) {
		if _, ok := caller(r); !ok {
			unauthorized(w)
			return
		}
		cities := map[string]string{"1": "Hamburg", "2": "Berlin", "3": "Munich", "4": "Cologne"}
		city, ok := cities[r.PathValue("id")]
		if !ok {
			notFound(w)
			return
		}
		writeJSON(w, 200, map[string]any{"status": "success", "data": map[string]any{"id": r.PathValue("id"), "city": city, "opens": "09:00", "closes": "18:00"}})
	})
	mux.HandleFunc("GET /rest/shop/{id}", func(w http.ResponseWriter, r *http.Request) {
		if _, ok := caller(r); !ok {
			unauthorized(w)
			return
		}
		if r.PathValue("id") != "7" {
			notFound(w)
			return
		}
		writeJSON(w, 200, map[string]any{"status": "success", "data": map[string]any{"id": 7, "name": "OWASP Juice Shop", "currency": "EUR", "opening": "always"}})
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { notFound(w) })
	return mux
}

// juiceBasket is u's basket: its own products, each with the BasketItem
// that ties it to the basket.
func juiceBasket(u juiceUser) map[string]any {
	names := []string{"Apple Juice (1000ml)", "Orange Juice (1000ml)", "Eggfruit Juice (500ml)", "Raspberry Juice (1000ml)", "Lemon Juice (500ml)"}
	var products []any
	for i := 0; i < u.id%3+1; i++ {
		pid := (u.id+i)%len(names) + 1
		products = append(products, map[string]any{"id": pid, "name": names[pid-1], "price": 1.99 + float64(pid),
			"BasketItem": map[string]any{"id": u.bid*10 + i, "BasketId": u.bid, "ProductId": pid, "quantity": u.id + i}})
	}
	return map[string]any{"id": u.bid, "UserId": u.id, "coupon": nil, "Products": products}
}

func jsonNumber(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

var juiceSpec = bolaSpec(`  /rest/user/login:
    post:
      security: []
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {email: {type: string}, password: {type: string}}}
      responses: {"200": {description: the session}}
  /rest/basket/{id}:
    get:
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer}}
      responses: {"200": {description: a basket}}
  /rest/branch/{id}:
    get:
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer}}
      responses: {"200": {description: a branch of the shop}}
  /rest/shop/{id}:
    get:
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer}}
      responses: {"200": {description: the shop}}
`)

// juiceIdentity logs in to the Juice Shop model as email.
func juiceIdentity(name, email, passwd string) *scanner.Identity {
	id := scanner.NewIdentity(name, nil)
	id.Login = &scanner.Login{Method: "POST", Path: "/rest/user/login", Format: "json",
		Body:      map[string]any{"email": email, "password": passwd},
		TokenFrom: "json", TokenName: "authentication.token", Send: "Authorization: Bearer {token}"}
	return id
}

// TestBOLAHeldObjects is issue 12's first miss: a basket whose id is only
// in the login answer (authentication.bid) and the token's claims. The
// peer reading the primary's basket is bola-cross-user-read; the primary
// reading baskets whose UserId is someone else's is bola-id-enumeration,
// although baskets hold no email or phone. Baskets refused to anyone but
// their owner, baskets everyone reads (anonymous callers too), and an id
// both identities' login answers share are no finding.
func TestBOLAHeldObjects(t *testing.T) {
	tests := []struct {
		name            string
		shop            juiceShop
		cross, enumerat bool
	}{
		{name: "any signed-in user reads any basket", cross: true, enumerat: true},
		{name: "fixed: 403 for another's basket", shop: juiceShop{fixed: true, refusal: 403}},
		{name: "fixed: 404 for another's basket", shop: juiceShop{fixed: true, refusal: 404}},
		{name: "baskets are public, anonymous callers read them too", shop: juiceShop{public: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			shop := tc.shop
			shop.t = t
			res := bolaScan(t, shop.handler(), juiceSpec,
				juiceIdentity("alice", "alice@juice-sh.op", "alice-pw-1"), juiceIdentity("bob", "bob@juice-sh.op", "bob-pw-2"), 4)
			for _, rule := range []string{"bola-cross-user-read", "bola-id-enumeration"} {
				// bid abbreviates branch too, but no branch is alice's.
				if f, found := findingOf(res.Findings, rule, "GET", "/rest/branch/{id}"); found {
					t.Errorf("%s on the shop's branches: %s", rule, f.Evidence.Summary)
				}
			}
			f, found := findingOf(res.Findings, "bola-cross-user-read", "GET", "/rest/basket/{id}")
			if found != tc.cross {
				t.Fatalf("bola-cross-user-read on the basket: found %v, want %v; findings:%s", found, tc.cross, list(res.Findings))
			}
			if found {
				s := f.Evidence.Summary
				for _, want := range []string{`id=3 belongs to identity "alice"`, `authentication.bid 3 in "alice"'s login answer`, `yet identity "bob"`, "UserId is its own 2"} {
					if !strings.Contains(s, want) {
						t.Errorf("summary lacks %q: %s", want, s)
					}
				}
				if len(f.Evidence.Exchanges) < 2 || f.Evidence.Exchanges[0].Identity != "bob" || f.Evidence.Exchanges[0].Status != 200 {
					t.Errorf("first exchange is not bob's 200: %+v", f.Evidence.Exchanges)
				}
				if len(f.Reproduce) == 0 || !strings.Contains(f.Reproduce[0], "/rest/basket/3") {
					t.Errorf("first reproduction %q does not read basket 3", f.Reproduce)
				}
			}
			e, found := findingOf(res.Findings, "bola-id-enumeration", "GET", "/rest/basket/{id}")
			if found != tc.enumerat {
				t.Fatalf("bola-id-enumeration on the basket: found %v, want %v; findings:%s", found, tc.enumerat, list(res.Findings))
			}
			if found {
				s := e.Evidence.Summary
				for _, want := range []string{"/rest/basket/2 (its data.UserId is 4; the caller's own has 2)", `/rest/basket/4 (it belongs to "bob" (bob@juice-sh.op): authentication.bid 4 in "bob"'s login answer)`} {
					if !strings.Contains(s, want) {
						t.Errorf("summary lacks %q: %s", want, s)
					}
				}
				if strings.Contains(s, "/rest/basket/3 (") {
					t.Errorf("alice's own basket is counted as another's: %s", s)
				}
			}
		})
	}
}

// TestBOLAHeldObjectShared: an id both identities' login answers hand
// them (the shop's id) is neither's object, so the shop that every
// signed-in user reads is no cross-user read.
func TestBOLAHeldObjectShared(t *testing.T) {
	shop := &juiceShop{t: t, shop: true, fixed: true, refusal: 403}
	res := bolaScan(t, shop.handler(), juiceSpec,
		juiceIdentity("alice", "alice@juice-sh.op", "alice-pw-1"), juiceIdentity("bob", "bob@juice-sh.op", "bob-pw-2"), 4)
	for _, rule := range []string{"bola-cross-user-read", "bola-id-enumeration"} {
		if f, found := findingOf(res.Findings, rule, "GET", "/rest/shop/{id}"); found {
			t.Errorf("%s on the shared shop: %s", rule, f.Evidence.Summary)
		}
	}
	if _, found := findingOf(res.Findings, "bola-cross-user-read", "GET", "/rest/basket/{id}"); found {
		t.Errorf("a cross-user read on the fixed baskets; findings:%s", list(res.Findings))
	}
}

// TestBOLAHeldObjectsDeterministic: the same findings, word for word, at
// any concurrency.
func TestBOLAHeldObjectsDeterministic(t *testing.T) {
	var want string
	for _, conc := range []int{1, 8, 3} {
		shop := &juiceShop{t: t}
		res := bolaScan(t, shop.handler(), juiceSpec,
			juiceIdentity("alice", "alice@juice-sh.op", "alice-pw-1"), juiceIdentity("bob", "bob@juice-sh.op", "bob-pw-2"), conc)
		var got []string
		for _, f := range res.Findings {
			if strings.HasPrefix(f.Rule, "bola-") {
				got = append(got, f.Rule+" "+f.Path+": "+f.Evidence.Summary)
			}
		}
		s := strings.Join(got, "\n")
		if want == "" {
			want = s
		} else if s != want {
			t.Errorf("concurrency %d:\n%s\nwant:\n%s", conc, s, want)
		}
	}
	if want == "" {
		t.Error("no bola finding on the vulnerable shop")
	}
}

// vampiUsers are the VAmPI model's accounts: the scan's two identities
// (name1, name2) and admin, who nobody of the scan is.
var vampiUsers = map[string]string{"name1": "pass1", "name2": "pass2", "admin": "pass3"}

// vampiBooks are the books, each with its owner.
var vampiBooks = []map[string]string{
	{"book_title": "bookTitle77", "user": "name1", "secret": "secret for bookTitle77"},
	{"book_title": "bookTitle12", "user": "name2", "secret": "secret for bookTitle12"},
	{"book_title": "bookTitle3", "user": "admin", "secret": "secret for bookTitle3"},
}

// vampi models VAmPI's books: GET /books/v1 lists every book's title and
// owner to anyone; GET /books/v1/{book_title} answers the book with its
// secret to any signed-in user (the flaw). refusal: another's book is
// refused with it (401, 403, 404); listOnly: the item shows what the
// list shows and nothing more (a catalogue for signed-in users); blurb:
// the item shows a description instead of the secret (a catalogue's page).
type vampi struct {
	t        *testing.T
	refusal  int
	listOnly bool
	blurb    bool

	mu     *sync.Mutex
	tokens map[string]string
}

func (v *vampi) handler() http.Handler {
	v.mu, v.tokens = &sync.Mutex{}, map[string]string{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /users/v1/login", func(w http.ResponseWriter, r *http.Request) {
		var body struct{ Username, Password string }
		json.NewDecoder(r.Body).Decode(&body)
		if pw, ok := vampiUsers[body.Username]; !ok || pw != body.Password {
			writeJSON(w, 200, map[string]string{"status": "fail", "message": "Password is not correct for the given username."})
			return
		}
		tok := bolaJWT(v.t, map[string]any{"sub": body.Username})
		v.mu.Lock()
		v.tokens[tok] = body.Username
		v.mu.Unlock()
		writeJSON(w, 200, map[string]string{"auth_token": tok, "message": "Successfully logged in.", "status": "success"})
	})
	mux.HandleFunc("GET /books/v1", func(w http.ResponseWriter, r *http.Request) {
		var books []map[string]string
		for _, b := range vampiBooks {
			books = append(books, map[string]string{"book_title": b["book_title"], "user": b["user"]})
		}
		writeJSON(w, 200, map[string]any{"Books": books})
	})
	mux.HandleFunc("GET /books/v1/{book_title}", func(w http.ResponseWriter, r *http.Request) {
		v.mu.Lock()
		me, ok := v.tokens[bearerToken(r)]
		v.mu.Unlock()
		if !ok {
			writeJSON(w, 401, map[string]string{"status": "fail", "message": "Invalid token. Please log in again."})
			return
		}
		for _, b := range vampiBooks {
			switch {
			case b["book_title"] != r.PathValue("book_title"):
				continue
			case v.refusal != 0 && b["user"] != me:
				writeJSON(w, v.refusal, map[string]string{"status": "fail", "message": "Book not found!"})
			case v.listOnly:
				writeJSON(w, 200, map[string]string{"book_title": b["book_title"], "user": b["user"]})
			case v.blurb:
				writeJSON(w, 200, map[string]string{"book_title": b["book_title"], "owner": b["user"], "description": "A story about " + b["book_title"] + "."})
			default:
				writeJSON(w, 200, map[string]string{"book_title": b["book_title"], "owner": b["user"], "secret": b["secret"]})
			}
			return
		}
		writeJSON(w, 404, map[string]string{"status": "fail", "message": "Book not found!"})
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { notFound(w) })
	return mux
}

var vampiSpec = bolaSpec(`  /users/v1/login:
    post:
      security: []
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {username: {type: string}, password: {type: string}}}
      responses: {"200": {description: the session}}
  /books/v1:
    get:
      security: []
      responses: {"200": {description: every book}}
  /books/v1/{book_title}:
    get:
      parameters:
        - {name: book_title, in: path, required: true, schema: {type: string}}
      responses: {"200": {description: a book}}
`)

// vampiIdentity logs in to the VAmPI model as username.
func vampiIdentity(name, username string) *scanner.Identity {
	id := scanner.NewIdentity(name, nil)
	id.Login = &scanner.Login{Method: "POST", Path: "/users/v1/login", Format: "json",
		Body:      map[string]any{"username": username, "password": vampiUsers[username]},
		TokenFrom: "json", TokenName: "auth_token", Send: "Authorization: Bearer {token}"}
	return id
}

// TestBOLAListedOwner is issue 12's second miss: books keyed by a title,
// listed publicly with their owner ({"book_title": …, "user": "name1"}).
// The owner field names the identity its login signs in as (and its
// token's sub), so the peer reading the primary's book is a cross-user
// read; books refused to anyone but the owner are not, nor books whose
// item shows nothing private that the public list does not.
func TestBOLAListedOwner(t *testing.T) {
	tests := []struct {
		name string
		api  vampi
		want bool
	}{
		{name: "any signed-in user reads any book's secret", want: true},
		{name: "fixed: 401 for another's book", api: vampi{refusal: 401}},
		{name: "fixed: 403 for another's book", api: vampi{refusal: 403}},
		{name: "fixed: 404 for another's book", api: vampi{refusal: 404}},
		{name: "the item shows only what the public list shows", api: vampi{listOnly: true}},
		{name: "the item adds a description, nothing private", api: vampi{blurb: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			api := tc.api
			api.t = t
			res := bolaScan(t, api.handler(), vampiSpec, vampiIdentity("alice", "name1"), vampiIdentity("bob", "name2"), 4)
			f, found := findingOf(res.Findings, "bola-cross-user-read", "GET", "/books/v1/{book_title}")
			if found != tc.want {
				t.Fatalf("bola-cross-user-read on a book: found %v, want %v; findings:%s", found, tc.want, list(res.Findings))
			}
			if !found {
				return
			}
			s := f.Evidence.Summary
			for _, want := range []string{`book_title=bookTitle77 belongs to identity "alice"`, `user: name1 in "alice"'s answer to GET /books/v1`, `yet identity "bob"`, "Its secret is not in the list"} {
				if !strings.Contains(s, want) {
					t.Errorf("summary lacks %q: %s", want, s)
				}
			}
			if strings.Contains(s, "bookTitle3") {
				t.Errorf("admin's book, nobody's of the scan, is claimed: %s", s)
			}
			if len(f.Evidence.Exchanges) < 2 || f.Evidence.Exchanges[0].Identity != "bob" || f.Evidence.Exchanges[0].Status != 200 {
				t.Errorf("first exchange is not bob's 200: %+v", f.Evidence.Exchanges)
			}
			if f.Severity != finding.SeverityHigh {
				t.Errorf("severity %s, want high", f.Severity)
			}
		})
	}
}

// TestBOLAListedOwnerStaticTokens: with --auth tokens only (no config
// login), the token's sub claim says who the identity is, and the list's
// owner field matches it.
func TestBOLAListedOwnerStaticTokens(t *testing.T) {
	api := &vampi{t: t}
	h := api.handler()
	alice, bob := bolaJWT(t, map[string]any{"sub": "name1"}), bolaJWT(t, map[string]any{"sub": "name2"})
	api.tokens[alice], api.tokens[bob] = "name1", "name2"
	res := bolaScan(t, h, vampiSpec, bearerID("primary", alice), bearerID("peer", bob), 4)
	f, found := findingOf(res.Findings, "bola-cross-user-read", "GET", "/books/v1/{book_title}")
	if !found {
		t.Fatalf("no cross-user read of a book; findings:%s", list(res.Findings))
	}
	if !strings.Contains(f.Evidence.Summary, `book_title=bookTitle77 belongs to identity "primary" (user: name1 in "primary"'s answer to GET /books/v1)`) {
		t.Errorf("summary: %s", f.Evidence.Summary)
	}
}

// TestBOLADeclaredNonIDParameter is item 3: owns: in the config feeds the
// same matching, also for a parameter whose name is no id's
// ({book_title}), where nothing else says who owns what (opaque tokens).
func TestBOLADeclaredNonIDParameter(t *testing.T) {
	for _, refusal := range []int{0, 404} {
		api := &vampi{t: t, refusal: refusal}
		h := api.handler()
		api.tokens[aliceToken], api.tokens[bobToken] = "name1", "name2"
		alice, bob := bearerID("alice", aliceToken), bearerID("bob", bobToken)
		alice.Owns = map[string][]string{"book_title": {"bookTitle77"}}
		bob.Owns = map[string][]string{"book_title": {"bookTitle12"}}
		res := bolaScan(t, h, vampiSpec, alice, bob, 2)
		f, found := findingOf(res.Findings, "bola-cross-user-read", "GET", "/books/v1/{book_title}")
		if want := refusal == 0; found != want {
			t.Fatalf("refusal %d: found %v, want %v; findings:%s", refusal, found, want, list(res.Findings))
		}
		if found && !strings.Contains(f.Evidence.Summary, "the config says it owns book_title bookTitle77") {
			t.Errorf("summary: %s", f.Evidence.Summary)
		}
	}
}

// TestBOLAHeldObjectsStaticTokens: with --auth tokens only (no login
// answer), the basket id comes from the token's bid claim and the user's
// id from its data.id claim.
func TestBOLAHeldObjectsStaticTokens(t *testing.T) {
	shop := &juiceShop{t: t}
	h := shop.handler()
	token := func(u juiceUser) string {
		tok := bolaJWT(t, map[string]any{"status": "success", "bid": u.bid, "data": map[string]any{"id": u.id, "email": u.email, "role": "customer"}})
		shop.tokens[tok] = u
		return tok
	}
	res := bolaScan(t, h, juiceSpec, bearerID("primary", token(juiceUsers[1])), bearerID("peer", token(juiceUsers[2])), 4)
	f, found := findingOf(res.Findings, "bola-cross-user-read", "GET", "/rest/basket/{id}")
	if !found {
		t.Fatalf("no cross-user read of a basket; findings:%s", list(res.Findings))
	}
	want := `id=3 belongs to identity "primary" (alice@juice-sh.op) (bid 3 in "primary"'s token; the answer's data.UserId is its own 2 (from its token's data.id claim))`
	if !strings.Contains(f.Evidence.Summary, want) {
		t.Errorf("summary lacks %q: %s", want, f.Evidence.Summary)
	}
}
