package scanner

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/authgate/authgate/scanner/openapi"
)

// TestOwnedIndexSameAnswers holds the ownership index to its promise: with
// it, every per-operation question (Claims, Owned, Belongs, OwnValues,
// Carries, Who, OwnerField) gets the answer it gets from reading all of
// s.owned, for facts of every kind and operations under, beside and above
// the lists they were read from.
func TestOwnedIndexSameAnswers(t *testing.T) {
	alice := &Identity{Name: "alice"}
	bob := &Identity{Name: "bob"}
	facts := []owned{
		{owner: alice, kind: kindName, value: "alice1", how: "its login"},
		{owner: alice, kind: kindID, value: "7", how: "its token"},
		{owner: alice, kind: kindEmail, value: "a@example.com", how: "its /me"},
		{owner: bob, kind: kindID, value: "8", how: "its token"},
		{owner: bob, kind: kindName, value: "bob1", how: "its login"},
		{owner: alice, kind: kindDeclared, key: "basketid", value: "3", how: "owns:"},
		{owner: alice, kind: kindHeld, key: "bid", value: "3", how: "login answer"},
		{owner: bob, kind: kindHeld, key: "orderid", value: "41", how: "token"},
		{owner: alice, kind: kindSeen, path: "/api/orders", key: "id", value: "11", how: "list"},
		{owner: alice, kind: kindSeen, path: "/api/orders", key: "id", value: "12", how: "list"},
		{owner: alice, kind: kindSeen, path: "/api/orders/", key: "id", value: "13", how: "list, trailing slash"},
		{owner: alice, kind: kindSeen, path: "/api/reports", key: "reportid", value: "21", how: "list"},
		{owner: alice, kind: kindSeen, path: "/api/me", key: "id", value: "7", how: "its /me"},
		{owner: alice, kind: kindSeen, path: "/api/projects/{p}/tasks", key: "id", value: "31", how: "list"},
		{owner: alice, kind: kindListed, path: "/books/v1", key: "booktitle", value: "bookTitle77", how: "owner field"},
		{owner: bob, kind: kindListed, path: "/books/v1/", key: "id", value: "11", how: "owner field", shown: []string{"id"}},
		{owner: bob, kind: kindListed, path: "/", key: "id", value: "51", how: "root list"},
	}
	params := []openapi.Param{
		{Name: "id", In: "path"}, {Name: "orderId", In: "path"}, {Name: "book_title", In: "path"},
		{Name: "reportId", In: "query"}, {Name: "basket_id", In: "path"}, {Name: "user_id", In: "path"},
		{Name: "username", In: "path"}, {Name: "email", In: "query"}, {Name: "p", In: "path"}, {Name: "bid", In: "path"},
	}
	paths := []string{"/api/orders/{id}", "/api/orders/{id}/items", "/api/ordersx/{id}", "/api/reports", "/api/reports/{id}",
		"/books/v1/{book_title}", "/books/v1/{id}", "/basket/{id}", "/baskets/{id}", "/users/{user_id}", "/api/users/{username}",
		"/api/projects/{p}/tasks/{id}", "/other/{id}", "/api/me/{id}"}
	values := []string{"3", "7", "11", "13", "21", "31", "41", "51", "bookTitle77", "alice1", "nobody"}
	bodies := [][]byte{[]byte(`{"id": 7, "username": "alice1"}`), []byte(`{"UserId": 8, "basketId": 3}`), []byte(`{"data": {"owner": "bob1"}}`), []byte(`{"email": "a@example.com"}`)}

	for _, path := range paths {
		for _, p := range params {
			op := &openapi.Operation{Method: "GET", Path: path, Params: []openapi.Param{p}}
			t.Run(fmt.Sprintf("%s %s %s", path, p.In, p.Name), func(t *testing.T) {
				indexed, full := ownedScans(alice, bob, facts)
				ti, tf := indexed.target(op), full.target(op)
				same(t, "Claims", ti.Claims(p), tf.Claims(p))
				same(t, "Owned", ti.Owned(p), tf.Owned(p))
				same(t, "OwnValues(alice)", ti.OwnValues(alice), tf.OwnValues(alice))
				same(t, "OwnValues(bob)", ti.OwnValues(bob), tf.OwnValues(bob))
				same(t, "Who", ti.Who(alice)+ti.Who(bob), tf.Who(alice)+tf.Who(bob))
				for _, v := range values {
					ci, oki := ti.Belongs(p, v)
					cf, okf := tf.Belongs(p, v)
					same(t, "Belongs "+v, fmt.Sprint(ci, oki), fmt.Sprint(cf, okf))
				}
				for _, b := range bodies {
					for _, id := range []*Identity{alice, bob} {
						hi, oki := ti.Carries(id, b)
						hf, okf := tf.Carries(id, b)
						same(t, "Carries "+string(b), fmt.Sprint(hi, oki), fmt.Sprint(hf, okf))
					}
					pi, vi, oi, oki := ti.OwnerField(b)
					pf, vf, of, okf := tf.OwnerField(b)
					same(t, "OwnerField "+string(b), fmt.Sprint(pi, vi, oi, oki), fmt.Sprint(pf, vf, of, okf))
				}
			})
		}
	}
}

// TestOwnedIndexNarrows checks that the index does narrow the search: an
// operation under one list reads that list's ids and the few facts that
// do not grow with the API, not the ids of every other list.
func TestOwnedIndexNarrows(t *testing.T) {
	alice, bob := &Identity{Name: "alice"}, &Identity{Name: "bob"}
	facts := []owned{{owner: alice, kind: kindName, value: "alice1"}}
	for r := range 1000 {
		facts = append(facts, owned{owner: alice, kind: kindSeen, path: fmt.Sprintf("/r%d/items", r), key: "id", value: fmt.Sprint(r*10 + 1)})
	}
	s, _ := ownedScans(alice, bob, facts)
	p := openapi.Param{Name: "id", In: "path"}
	got := s.target(&openapi.Operation{Method: "GET", Path: "/r5/items/{id}", Params: []openapi.Param{p}}).ownedFor(p)
	want := []owned{facts[0], facts[6]}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ownedFor = %v, want %v", got, want)
	}
}

// ownedScans returns two scans that hold the same facts: the first with
// the index built, the second with it stale, so every lookup reads all of
// s.owned as before the index.
func ownedScans(alice, bob *Identity, facts []owned) (indexed, full *scan) {
	indexed = &scan{primary: alice, peer: bob, owned: facts}
	indexed.indexOwned()
	full = &scan{primary: alice, peer: bob, owned: facts}
	full.ownedIdx.n = -1
	return indexed, full
}

func same(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s with the index = %v, without = %v", what, got, want)
	}
}
