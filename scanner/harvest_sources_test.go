package scanner

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/authgate/authgate/scanner/openapi"
)

// TestHeldFacts: the object ids a login answer or a token's claims hand
// the caller (Juice Shop's bid), and the ids that are no object of its
// own (its own id, its session, the token's id).
func TestHeldFacts(t *testing.T) {
	id := NewIdentity("alice", nil)
	tests := []struct {
		name string
		body string
		want []string // "key=value (how)", in order
	}{
		{"Juice Shop's login answer", `{"authentication": {"token": "eyJ.x.y", "bid": 3, "umail": "alice@juice-sh.op"}}`,
			[]string{`bid=3 (authentication.bid 3 in "alice"'s login answer)`}},
		{"Juice Shop's token claims", `{"status": "success", "data": {"id": 2, "email": "alice@juice-sh.op"}, "bid": 3, "iat": 1700000000}`,
			[]string{`bid=3 (bid 3 in "alice"'s login answer)`}},
		{"named ids at the top and one down", `{"basketId": "b-77", "org": {"id": 9, "name": "Acme"}, "account": {"cart_id": 12}}`,
			[]string{`cartid=12 (account.cart_id 12 in "alice"'s login answer)`, `basketid=b-77 (basketId b-77 in "alice"'s login answer)`, `orgid=9 (org.id 9 in "alice"'s login answer)`}},
		{"the caller's own ids are self facts", `{"user": {"id": 1001}, "user_id": 1001, "sub": "1001", "uid": "u1"}`, nil},
		{"sessions, tokens, requests and clients are nobody's objects", `{"sessionId": "s1", "sid": "s2", "jti": "j1", "client_id": "c1", "requestId": "r1", "token": {"id": 5}, "session": {"id": 6}, "guid": "g"}`, nil},
		{"values that are no id", `{"bid": true, "cartId": "two words", "orgId": "a\nb", "listId": "` + strings.Repeat("9", maxIDBytes+1) + `", "basketId": {"x": 1}}`, nil},
		{"not JSON", `<html>`, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, f := range heldFacts(id, []byte(tc.body), "login answer") {
				if f.kind != kindHeld || f.owner != id {
					t.Errorf("fact %+v is not alice's held object", f)
				}
				got = append(got, f.key+"="+f.value+" ("+f.how+")")
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("facts %q, want %q", got, tc.want)
			}
		})
	}
}

// TestHeldFactsShared: an object id both identities are handed (a shop,
// an organisation they share) is neither's.
func TestHeldFactsShared(t *testing.T) {
	alice, bob := NewIdentity("alice", nil), NewIdentity("bob", nil)
	facts := append(heldFacts(alice, []byte(`{"bid": 3, "shopId": 7}`), "login answer"),
		heldFacts(bob, []byte(`{"bid": 4, "shopId": 7}`), "login answer")...)
	var got []string
	for _, f := range distinctFacts(facts) {
		got = append(got, f.owner.Name+" "+f.key+"="+f.value)
	}
	if want := "alice bid=3|bob bid=4"; strings.Join(got, "|") != want {
		t.Errorf("kept %q, want %q", got, want)
	}
}

// TestTokenFactsNested: claims that wrap the caller (Juice Shop's
// {"data": {"id": 2, "email": …}}) say who it is.
func TestTokenFactsNested(t *testing.T) {
	claims := `{"status":"success","data":{"id":2,"email":"alice@juice-sh.op","role":"customer","password":"0c36e517e3fa95aabf1bbffc6744a4ef"},"bid":3}`
	tok := "eyJhbGciOiJub25lIn0." + base64.RawURLEncoding.EncodeToString([]byte(claims)) + "."
	id := NewIdentity("alice", []Header{{Name: "Authorization", Value: "Bearer " + tok}})
	var got []string
	for _, f := range tokenFacts(id) {
		got = append(got, string(rune('0'+f.kind))+" "+f.key+"="+f.value+" ("+f.how+")")
	}
	want := "4 email=alice@juice-sh.op (its token's data.email claim)|2 id=2 (its token's data.id claim)"
	if strings.Join(got, "|") != want {
		t.Errorf("facts %q, want %q", got, want)
	}
}

// TestFitsHeld is the matching rule of held object ids to parameters.
func TestFitsHeld(t *testing.T) {
	path := func(name string) openapi.Param { return openapi.Param{Name: name, In: "path"} }
	tests := []struct {
		key, route string
		p          openapi.Param
		fit, weak  bool
	}{
		{"bid", "/rest/basket/{id}", path("id"), true, true},       // an abbreviation: confirm
		{"basketid", "/rest/basket/{id}", path("id"), true, false}, // the collection's own name
		{"basketid", "/api/Baskets/{id}", path("id"), true, false}, // plural, any case
		{"basketid", "/api/baskets/{basketId}", path("basketId"), true, false},
		{"basketid", "/api/items", openapi.Param{Name: "basket_id", In: "query"}, true, false},
		{"orgid", "/organizations/{id}", path("id"), true, true},
		{"orgid", "/orgs/{id}", path("id"), true, false},
		{"bid", "/books/{id}", path("id"), true, true}, // ambiguous: only the answer can tell
		{"cartid", "/users/{id}", path("id"), false, false},
		{"cartid", "/carts/{id}/items/{itemId}", path("itemId"), false, false},
		{"bid", "/rest/basket", openapi.Param{Name: "id", In: "query"}, false, false},
		{"bid", "/{id}", path("id"), false, false},
	}
	for _, tc := range tests {
		fit, weak := fitsHeld(tc.key, tc.route, tc.p)
		if fit != tc.fit || weak != tc.weak {
			t.Errorf("%s on %s {%s}: fit %v weak %v, want %v %v", tc.key, tc.route, tc.p.Name, fit, weak, tc.fit, tc.weak)
		}
	}
}

// TestOwnerOf: the owner fields of records, and whom they name.
func TestOwnerOf(t *testing.T) {
	alice, bob := NewIdentity("alice", nil), NewIdentity("bob", nil)
	facts := []owned{
		{owner: alice, kind: kindName, value: "name1"}, {owner: alice, kind: kindID, value: "2"}, {owner: alice, kind: kindEmail, value: "alice@example.com"},
		{owner: bob, kind: kindName, value: "name2"}, {owner: bob, kind: kindID, value: "3"},
		// a name both are known by names neither
		{owner: alice, kind: kindName, value: "team"}, {owner: bob, kind: kindName, value: "team"},
	}
	tests := []struct {
		name, rec string
		path      string // "" for no owner field
		owner     *Identity
	}{
		{"user holds a login name", `{"book_title": "t", "user": "name1"}`, "user", alice},
		{"userId holds an id", `{"id": 9, "UserId": 3}`, "UserId", bob},
		{"an id field does not take a name", `{"ownerId": "name1"}`, "ownerId", nil},
		{"a nested owner", `{"title": "t", "owner": {"id": 2, "name": "Alice"}}`, "owner.id", alice},
		{"an owner email, any case", `{"owner_email": "Alice@Example.com"}`, "owner_email", alice},
		{"an owner nobody of the scan is", `{"createdBy": "admin"}`, "createdBy", nil},
		{"a name both identities share", `{"author": "team"}`, "author", nil},
		{"no owner field", `{"book_title": "t", "secret": "s"}`, "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			recs := listObjects([]byte(`[` + tc.rec + `]`))
			if len(recs) != 1 {
				t.Fatalf("records %v", recs)
			}
			path, _, owner, ok := ownerOf(recs[0], facts)
			if ok != (tc.path != "") || path != tc.path || owner != tc.owner {
				t.Errorf("owner field %q of %v (ok %v), want %q of %v", path, owner, ok, tc.path, tc.owner)
			}
		})
	}
}

// TestListedFacts: VAmPI's public list of books with their owners gives
// each identity its own book; admin's book is nobody's the scan knows;
// the records the other identity's answer shows are marked shown; people
// listed by their own user id are not objects they own.
func TestListedFacts(t *testing.T) {
	alice, bob := NewIdentity("alice", nil), NewIdentity("bob", nil)
	self := []owned{{owner: alice, kind: kindName, value: "name1"}, {owner: bob, kind: kindName, value: "name2"}, {owner: bob, kind: kindID, value: "1002"}}
	books := `{"Books": [{"book_title": "bookTitle77", "user": "name1"}, {"book_title": "bookTitle12", "user": "name2"}, {"book_title": "bookTitle3", "user": "admin"}]}`
	answer := func(id *Identity, path, body string) listAnswer {
		return listAnswer{path: path, from: id, body: []byte(body)}
	}
	answers := []listAnswer{
		answer(alice, "/books/v1", books),
		answer(bob, "/books/v1", books),
		// only alice sees her drafts: not shown to bob
		answer(alice, "/drafts", `[{"draft_id": "d-1", "author": "name1", "note": "two words"}]`),
		// a person's record is about them, not owned by them
		answer(alice, "/users", `[{"user_id": 1002, "username": "name2", "email": "bob@example.com"}]`),
	}
	var got []string
	for _, f := range listedFacts(answers, self, alice, bob) {
		got = append(got, f.owner.Name+" "+f.path+" "+f.key+"="+f.value+" shown="+strings.Join(f.shown, ",")+" ("+f.how+")")
	}
	want := []string{
		`alice /books/v1 booktitle=bookTitle77 shown=booktitle,user (user: name1 in "alice"'s answer to GET /books/v1)`,
		`bob /books/v1 booktitle=bookTitle12 shown=booktitle,user (user: name2 in "alice"'s answer to GET /books/v1)`,
		`alice /books/v1 booktitle=bookTitle77 shown=booktitle,user (user: name1 in "bob"'s answer to GET /books/v1)`,
		`bob /books/v1 booktitle=bookTitle12 shown=booktitle,user (user: name2 in "bob"'s answer to GET /books/v1)`,
		`alice /drafts draftid=d-1 shown= (author: name1 in "alice"'s answer to GET /drafts)`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("facts:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestFitsListed: a listed object's key fits only the items of its list.
func TestFitsListed(t *testing.T) {
	book := owned{kind: kindListed, path: "/books/v1", key: "booktitle", value: "bookTitle77"}
	withID := owned{kind: kindListed, path: "/books/v1", key: "id", value: "7"}
	path := func(name string) openapi.Param { return openapi.Param{Name: name, In: "path"} }
	tests := []struct {
		o     owned
		route string
		p     openapi.Param
		want  bool
	}{
		{book, "/books/v1/{book_title}", path("book_title"), true},
		{book, "/books/v1/{book_title}/reviews", path("book_title"), true},
		{book, "/authors/{book_title}", path("book_title"), false},
		{book, "/books/v1", openapi.Param{Name: "book_title", In: "query"}, false},
		{withID, "/books/v1/{bookId}", path("bookId"), true},
		{withID, "/books/v1/{book_title}", path("book_title"), false},
	}
	for _, tc := range tests {
		if got := fitsListed(tc.o, tc.route, tc.p); got != tc.want {
			t.Errorf("%s=%s on %s {%s}: %v, want %v", tc.o.key, tc.o.value, tc.route, tc.p.Name, got, tc.want)
		}
	}
}
