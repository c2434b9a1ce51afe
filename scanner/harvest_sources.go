package scanner

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/authgate/authgate/internal/ident"
	"github.com/authgate/authgate/internal/lazyre"
	"github.com/authgate/authgate/scanner/openapi"
)

// Object ownership beyond the identity itself: the object ids a login
// answer or a token hands the caller (kindHeld), and the objects a list
// shows with an owner field that names an identity (kindListed). Both are
// read from answers the scan already has: no request is sent for them.

// Bounds of object ownership.
const (
	// maxHeldFacts bounds the object ids kept per identity and source: a
	// login answer names a handful of the caller's objects (its basket,
	// its organisation); more is a list, not the caller's.
	maxHeldFacts = 6
	// maxIDBytes bounds an object id: longer values (a URL, a sentence)
	// are not ids a path takes.
	maxIDBytes = 128
	// maxListedKeys bounds the keys kept per listed record: records key
	// their items by one of their first few scalars.
	maxListedKeys = 8
	// maxListedDepth is how deep lists are looked for in an answer
	// ({"data": {"Books": [...]}} is two levels down).
	maxListedDepth = 3
)

// heldSkip matches the stems of ids that name no object of the caller's
// (a session, a request, the token itself, the OAuth client) once "id"
// or "uuid" is cut off: sid, jti, clientId, requestId.
var heldSkip = lazyre.New(`^(s|j|k|g|gu|session|token|refresh|access|client|app|application|request|trace|span|correlation|device|installation|key|nonce|auth|authentication|login|message|msg|tx|transaction|event|idempotency|rp|op|version)$`)

// heldFacts reads the object ids that an answer about id (its login
// answer, its token's claims) hands it as its own: keys named like an
// object's id (bid, basketId, cart_id, orgId, or the id of a nested
// {"cart": {"id": 9}}) at the top or one object down. The caller's own
// ids (sub, user_id) are self facts, not objects; session, request and
// client ids name nothing the caller owns. src names the source for
// evidence ("login answer", "token").
func heldFacts(id *Identity, body []byte, src string) []owned {
	var top map[string]any
	dec := json.NewDecoder(bytes.NewReader(bytes.TrimSpace(body)))
	dec.UseNumber()
	if dec.Decode(&top) != nil {
		return nil
	}
	var out []owned
	add := func(path, field, key string, v any) {
		value, ok := idText(field, v)
		if !ok || len(out) >= maxHeldFacts || len(path) > 2*maxShownKey || strings.ContainsFunc(path, unicode.IsControl) {
			return // the path is quoted in evidence: bound it
		}
		if _, ok := heldStem(key); !ok || selfIDKey.MatchString(key) {
			return
		}
		out = append(out, owned{owner: id, kind: kindHeld, key: key, value: value,
			how: fmt.Sprintf("%s %s in %q's %s", path, value, id.Name, src)})
	}
	for _, k := range sortedKeys(top, make([]string, 0, 16)) {
		inner, ok := top[k].(map[string]any)
		if !ok {
			add(k, k, normKey(k), top[k])
			continue
		}
		if credentialFieldName.MatchString(k) {
			continue
		}
		for _, k2 := range sortedKeys(inner, make([]string, 0, 16)) {
			key := normKey(k2)
			if key == "id" || key == "uuid" {
				if callerWrapper.MatchString(normKey(k)) {
					continue // the caller itself: a self fact
				}
				key = normKey(k) + key // {"cart": {"id": 9}}: cartid
			}
			add(k+"."+k2, k2, key, inner[k2])
		}
	}
	return out
}

// heldStem cuts "id" or "uuid" off a normalised key that names an
// object's id: "basket" for basketid, "b" for bid. ok is false for keys
// that name no object of the caller's (see heldSkip) or no object at all.
func heldStem(key string) (string, bool) {
	stem, ok := strings.CutSuffix(key, "uuid")
	if !ok {
		stem, ok = strings.CutSuffix(key, "id")
	}
	if !ok || stem == "" || heldSkip.MatchString(stem) {
		return "", false
	}
	return stem, true
}

// idText is the text of a JSON scalar that may be an object's id: a
// number or a short one-line string without spaces, under a key that
// holds no credential.
func idText(key string, v any) (string, bool) {
	var s string
	switch t := v.(type) {
	case json.Number:
		s = t.String()
	case string:
		s = t
	default:
		return "", false
	}
	if !factText(key, s) || len(s) > maxIDBytes || strings.ContainsAny(s, " \t/?#") {
		return "", false
	}
	return s, true
}

// segmentKey is a path segment folded like normKey: Baskets, basket-items
// and basket_items compare alike.
func segmentKey(seg string) string { return normKey(seg) }

// fitsHeld reports whether an object id held under key fits parameter p
// of the operation at path, and whether the fit is only an abbreviation
// that the answer must confirm (see Target.Confirms). The rule:
//
//   - the parameter has the key's name: basketId fits {basketId} and
//     ?basket_id= (a strong fit);
//   - a bare {id} or {uuid} of a collection fits the key whose stem names
//     that collection: basketId fits /baskets/{id} and /basket/{id}
//     (the stem, or the stem with a plural ending; a strong fit);
//   - a stem that is a prefix of the collection's name is an
//     abbreviation: bid fits /rest/basket/{id}, orgId /organizations/{id}.
//     Abbreviations are ambiguous (b is also books), so the owner's
//     answer must show the object is its own.
func fitsHeld(key, path string, p openapi.Param) (fit, weak bool) {
	n := normKey(p.Name)
	if n == key {
		return true, false
	}
	stem, ok := heldStem(key)
	if !ok || (n != "id" && n != "uuid") || p.In != "path" {
		return false, false
	}
	coll := segmentKey(collectionOf(path, p))
	switch {
	case coll == "":
		return false, false
	case coll == stem || coll == stem+"s" || coll == stem+"es":
		return true, false
	case strings.HasPrefix(coll, stem):
		return true, true
	}
	return false, false
}

// fitsListed reports whether a listed object's key fits parameter p of the
// operation at path: only the items of the list the object was read from
// (/books/v1 → /books/v1/{book_title}), by the key's own name, or its id
// for an id-named parameter ({bookId}).
func fitsListed(o owned, path string, p openapi.Param) bool {
	if p.In != "path" || !strings.HasPrefix(path, strings.TrimSuffix(o.path, "/")+"/") {
		return false
	}
	n := normKey(p.Name)
	return o.key == n || ((o.key == "id" || o.key == "uuid") && (strings.HasSuffix(n, "id") || strings.HasSuffix(n, "uuid")))
}

// Owner fields: the keys of a record that name who owns it.
var (
	// ownerField matches normalised keys whose value names the record's
	// owner: by any of its id, login name or email (user, owner), by its
	// id (userId, ownerId), or by its email (owner_email).
	ownerField = lazyre.New(`^(user|owner|author|creator|createdby|postedby|uploadedby|userid|ownerid|authorid|creatorid|createdbyid|useruuid|owneruuid|customerid|owneremail|authoremail|creatoremail|ownername|ownerusername|authorname|authorusername)$`)
	// ownerParent matches the objects that hold the owner
	// ({"user": {"id": 1}}, {"owner": {"username": "name1"}}).
	ownerParent = lazyre.New(`^(user|owner|author|creator|createdby)$`)
	// ownerChild matches the keys of such an object that name it.
	ownerChild = lazyre.New(`^(id|uuid|username|login|name|email)$`)
)

// ownerKinds says which facts of an identity an owner field holds: ids
// under an id key, emails under an email key, any of them under user,
// owner, author ….
func ownerKinds(key string) []int {
	switch {
	case strings.HasSuffix(key, "id") || strings.HasSuffix(key, "uuid"):
		return []int{kindID}
	case strings.HasSuffix(key, "email"):
		return []int{kindEmail}
	case strings.HasSuffix(key, "name") || key == "login":
		return []int{kindName, kindEmail}
	}
	return []int{kindID, kindName, kindEmail}
}

// ownerOf finds the owner field of a record (a top-level scalar named by
// ownerField, or an id, name or email inside a user/owner object) and the
// identity among facts it names; owner is nil when it names nobody known.
// ok is false when the record has no owner field.
func ownerOf(rec map[string]any, facts []owned) (path, value string, owner *Identity, ok bool) {
	path, value, key, ok := ownerFieldOf(rec)
	if !ok {
		return "", "", nil, false
	}
	return path, value, namedBy(facts, ownerKinds(key), value), true
}

// ownerFieldOf finds the owner field of a record (see ownerOf) without
// asking whom it names: its path, its value and its normalised key (which
// says what kinds of facts it may name, see ownerKinds).
func ownerFieldOf(rec map[string]any) (path, value, key string, ok bool) {
	for _, k := range sortedKeys(rec, make([]string, 0, 16)) {
		n := normKey(k)
		if v, isScalar := ScalarText(rec[k]); isScalar && ownerField.MatchString(n) && v != "" {
			return k, v, n, true
		}
		inner, isObject := rec[k].(map[string]any)
		if !isObject || !ownerParent.MatchString(n) {
			continue
		}
		for _, k2 := range sortedKeys(inner, make([]string, 0, 16)) {
			n2 := normKey(k2)
			if v, isScalar := ScalarText(inner[k2]); isScalar && ownerChild.MatchString(n2) && v != "" {
				return k + "." + k2, v, n2, true
			}
		}
	}
	return "", "", "", false
}

// namedBy is the identity one of whose facts of kinds is value; nil when
// none is, or when more than one is (a name two identities share names
// neither).
func namedBy(facts []owned, kinds []int, value string) *Identity {
	var who *Identity
	for _, f := range facts {
		if !slices.Contains(kinds, f.kind) || !sameFact(f, value) {
			continue
		}
		if who != nil && who != f.owner {
			return nil
		}
		who = f.owner
	}
	return who
}

// sameFact compares a value with a fact: emails and login names
// regardless of case, ids exactly.
func sameFact(f owned, value string) bool {
	if f.kind == kindID {
		return f.value == value
	}
	return strings.EqualFold(f.value, value)
}

// listAnswer is one identity's answer to a parameterless GET: who read it
// and its body.
type listAnswer struct {
	path string
	from *Identity
	body []byte
}

// listedRecord is one record of a list answer with an owner field: what
// listedFacts reads of it. The harvest keeps these, not the answers'
// bodies, until every identity's own facts are known (a /me answer may
// come after the list that names it): a list of large records (32 KiB
// each) held whole to the end of the harvest was tens of MB beyond the
// cache's bound, since an answer the full cache does not take is held
// only by the harvest.
type listedRecord struct {
	from       *Identity
	owner      *Identity   // whom the owner field names; nil until listedFacts settles it
	path       string      // the list's route
	ownerPath  string      // the owner field, e.g. "user"
	ownerValue string      // what it holds, e.g. "name1"
	ownerKey   string      // the owner field's normalised key (see ownerKinds)
	fields     [][2]string // its other scalars that may be ids: normalised key and value, in key order
}

// listedRecords returns the records of la that listedFacts may read: those
// with an owner field, no person's record, and a scalar that may be an id.
func listedRecords(la listAnswer) []listedRecord {
	var out []listedRecord
	for _, rec := range listObjects(la.body) {
		if lr, ok := listed(la, rec); ok {
			out = append(out, lr)
		}
	}
	return out
}

// listedFacts reads the objects that list answers show with an owner
// field naming one of the identities (see listedOwned).
func listedFacts(answers []listAnswer, self []owned, primary, peer *Identity) []owned {
	var recs []listedRecord
	for _, la := range answers {
		recs = append(recs, listedRecords(la)...)
	}
	return listedOwned(recs, self, primary, peer)
}

// listedOwned reads the objects that list answers show with an owner
// field naming one of the identities (VAmPI's GET /books/v1:
// {"Books": [{"book_title": "bookTitle77", "user": "name1"}]}): each of
// its scalars (but the owner field) may be the key its item route takes.
// recs are the answers' records in answer and document order (see
// listedRecords). self are the identities' own facts, shared ones already
// dropped. A record that is a person ({"user_id": 1, "email": …}) is about
// its owner, not owned by it: self facts cover it. shown records the keys
// the other identity's answer to the same list shows of the record, so
// that reading the item is a finding only when it shows more (see
// Target.Reveals).
func listedOwned(candidates []listedRecord, self []owned, primary, peer *Identity) []owned {
	var recs []listedRecord
	perOwner := map[string]int{}
	for _, lr := range candidates {
		lr.owner = namedBy(self, ownerKinds(lr.ownerKey), lr.ownerValue)
		if lr.owner == nil {
			continue
		}
		// Bound what one list says about one owner, per answer.
		k := fmt.Sprint(lr.path, "\x00", lr.from.Name, "\x00", lr.owner.Name)
		if perOwner[k] >= maxOwned {
			continue
		}
		perOwner[k]++
		recs = append(recs, lr)
	}
	var out []owned
	for _, lr := range recs {
		reader := peer
		if lr.owner == peer {
			reader = primary
		}
		shown := shownTo(recs, lr, reader)
		for _, f := range lr.fields {
			out = append(out, owned{owner: lr.owner, kind: kindListed, path: lr.path, key: f[0], value: f[1], shown: shown,
				how: fmt.Sprintf("%s: %s in %q's answer to GET %s", lr.ownerPath, lr.ownerValue, lr.from.Name, lr.path)})
		}
	}
	return out
}

// listed turns one record of a list answer into a listedRecord when it has
// an owner field; whom it names is left to listedOwned.
func listed(la listAnswer, rec map[string]any) (listedRecord, bool) {
	ownerPath, ownerValue, ownerKey, ok := ownerFieldOf(rec)
	if !ok {
		return listedRecord{}, false
	}
	lr := listedRecord{from: la.from, path: la.path, ownerPath: ownerPath, ownerValue: ownerValue, ownerKey: ownerKey}
	for _, k := range sortedKeys(rec, make([]string, 0, 16)) {
		n := normKey(k)
		if s, isScalar := ScalarText(rec[k]); isScalar && (personKey.MatchString(k) || isEmail(s)) && !ownerField.MatchString(n) {
			return listedRecord{}, false // a person's record
		}
		v, ok := idText(k, rec[k])
		if !ok || ownerField.MatchString(n) || len(lr.fields) >= maxListedKeys || lr.value(n) {
			continue
		}
		lr.fields = append(lr.fields, [2]string{n, v})
	}
	return lr, len(lr.fields) > 0
}

// value reports whether lr holds a scalar under the normalised key n.
func (lr *listedRecord) value(n string) bool {
	for _, f := range lr.fields {
		if f[0] == n {
			return true
		}
	}
	return false
}

// shownTo returns the normalised keys reader's answer to lr's list shows
// of lr's record (the same owner and a key of the same value), sorted;
// nil when it does not show it.
func shownTo(recs []listedRecord, lr listedRecord, reader *Identity) []string {
	if reader == nil {
		return nil
	}
	for _, o := range recs {
		if o.from != reader || o.owner != lr.owner || o.path != lr.path || !sameRecord(o, lr) {
			continue
		}
		keys := make([]string, 0, len(o.fields)+1)
		for _, f := range o.fields {
			keys = append(keys, f[0])
		}
		slices.Sort(keys)
		return append(keys, normKey(o.ownerPath))
	}
	return nil
}

// sameRecord reports whether two listed records share a key and its value.
func sameRecord(a, b listedRecord) bool {
	for _, f := range a.fields {
		if slices.Contains(b.fields, f) {
			return true
		}
	}
	return false
}

// listObjects returns the objects inside the lists of a JSON answer (a
// top-level list, or a list at most maxListedDepth objects down), in
// document order.
func listObjects(body []byte) []map[string]any {
	dec := json.NewDecoder(bytes.NewReader(bytes.TrimSpace(body)))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return nil
	}
	var out []map[string]any
	var walk func(v any, depth int)
	walk = func(v any, depth int) {
		if depth > maxListedDepth {
			return
		}
		switch t := v.(type) {
		case []any:
			for _, e := range t {
				if rec, ok := e.(map[string]any); ok {
					out = append(out, rec)
				}
			}
		case map[string]any:
			for _, k := range sortedKeys(t, make([]string, 0, 16)) {
				walk(t[k], depth+1)
			}
		}
	}
	walk(v, 0)
	return out
}

// fitsOwned reports whether an object the harvest learned (kindSeen,
// kindHeld, kindListed) fits parameter p of the operation at path, and
// whether only weakly: the owner's answer must then confirm it (see
// Target.Confirms). A held id always is: a login answer's planId or
// languageId names reference data every user reads, not an object the
// user owns, however well its name fits /plans/{id}; and bid fits
// /basket/{id} only by an abbreviation (see fitsHeld).
func fitsOwned(o owned, path string, p openapi.Param) (fit, weak bool) {
	name := normKey(p.Name)
	switch o.kind {
	case kindSeen:
		// A bare "id" says nothing about the kind of object: it fits only
		// the items of the collection it was read from.
		return (o.key == name && name != "id") ||
			(o.key == "id" && p.In == "path" && strings.HasPrefix(path, o.path+"/")) ||
			(o.key == "id" && selfPaths.MatchString(o.path) && strings.Contains(name, "user")), false
	case kindHeld:
		fit, _ := fitsHeld(o.key, path, p)
		return fit, fit
	case kindListed:
		return fitsListed(o, path, p), false
	case kindDeclared:
		return fitsDeclared(o.key, path, p), false
	}
	return false, false
}

// Owned reports whether the scan knows objects of an identity that fit
// parameter p: an owns: value, an object id a login answer or token
// hands it, an object a list shows as its own. Rules try such a parameter
// although its name does not look like an id ({book_title}).
func (t *Target) Owned(p openapi.Param) bool {
	for _, o := range t.ownedFor(p) {
		if o.kind == kindDeclared || o.kind == kindHeld || o.kind == kindListed {
			if fit, _ := fitsOwned(o, t.Op.Path, p); fit {
				return true
			}
		}
	}
	return false
}

// Belongs returns the claim on value of parameter p, when the scan learned
// whose object it is (a list only one identity sees, owns:, a login
// answer or token, a list's owner field); ok is false when it did not.
func (t *Target) Belongs(p openapi.Param, value string) (Claim, bool) {
	for _, o := range t.ownedValued(value) {
		if o.self() || o.value != value {
			continue
		}
		if fit, weak := fitsOwned(o, t.Op.Path, p); fit {
			return Claim{Owner: o.owner, Value: o.value, How: o.how, Weak: weak, Shown: o.shown}, true
		}
	}
	return Claim{}, false
}

// Confirms reports whether an owner's answer shows that a weak claim's
// object (see Claim.Weak) is the owner's: it carries the owner's own id,
// name or email (see Carries: an owner field such as "UserId": 2), or it
// names its kind with the value (a "BasketId": 3 in basket 3's items, for
// /basket/{id}). how says which, for evidence.
func (t *Target) Confirms(p openapi.Param, c Claim, body []byte) (how string, ok bool) {
	if how, ok := t.Carries(c.Owner, body); ok {
		return how, true
	}
	coll := segmentKey(collectionOf(t.Op.Path, p))
	if coll == "" {
		return "", false
	}
	kinds := []string{coll + "id", strings.TrimSuffix(coll, "s") + "id", strings.TrimSuffix(coll, "es") + "id"}
	EachScalar(body, true, func(k, v string) {
		if !ok && v == c.Value && slices.Contains(kinds, normKey(k)) {
			how, ok = fmt.Sprintf("the answer's %s is %s", k, v), true
		}
	})
	return how, ok
}

// privateWords are the words of the keys of fields that no catalogue
// shows, whoever reads it: credentials, secrets, payment and health
// details. Two-word terms are written joined (api_key, cardNumber and
// apikey all give "apikey"). A bare "card" is not among them: Twitter's
// twitter_card, a board's card and a game's card are no payment card.
// Contact details are not among them either: an event's page shows its
// venue's address and phone, a shop's page its email, to every member by
// design.
var privateWords = map[string]bool{
	"secret": true, "secrets": true, "private": true, "password": true, "passwords": true, "passwd": true,
	"passphrase": true, "pass": true, "pwd": true, "token": true, "apikey": true, "credential": true,
	"credentials": true, "otp": true, "ssn": true, "socialsecurity": true, "iban": true, "cvv": true, "cvc": true,
	"creditcard": true, "debitcard": true, "cardnumber": true, "accountnumber": true, "balance": true,
	"salary": true, "income": true, "medical": true, "diagnosis": true, "diagnoses": true,
}

// privateName reports whether a key names a field no catalogue shows: one
// of its words, or two of them joined, is a private word (see
// privateWords), or its last word is "pin" (pin, cardPin, but not
// pinLocation). Words are whole words of the key (see ident.Words), so
// businessName holds no ssn and passengers no pass.
func privateName(key string) bool {
	ws := ident.Words(key)
	for i, w := range ws {
		if privateWords[w] || i+1 < len(ws) && privateWords[w+ws[i+1]] {
			return true
		}
	}
	return len(ws) > 0 && ws[len(ws)-1] == "pin"
}

// noDatum matches the values that say nothing about anyone: an empty
// text, a flag ("private": false says the object is not private) and
// zero.
var noDatum = lazyre.New(`^(|true|false|0(\.0+)?)$`)

// maxShownKey bounds a key quoted in evidence: the answer is the target's.
const maxShownKey = 64

// Reveals reports whether an answer about a claim's object shows the
// other identity something private that the list it already reads the
// object in (see Claim.Shown) does not: a field the list does not show
// whose name says no catalogue shows it (secret, password, token,
// cardNumber, balance …; see privateName) and whose value is a datum (not
// empty, a flag or zero: see noDatum). A post's body, a book's description or an
// event's venue address, shown to every signed-in user of an API whose
// list names each object's owner to everyone, is a catalogue's page, not
// another's private object. key names the field, for evidence. An object no list
// shows the other identity reveals whatever it shows.
func (t *Target) Reveals(c Claim, body []byte) (key string, ok bool) {
	if c.Shown == nil {
		return "", true
	}
	EachScalar(body, false, func(k, v string) {
		n := normKey(k)
		if key == "" && !noDatum.MatchString(v) && len(k) <= maxShownKey && !strings.ContainsFunc(k, unicode.IsControl) &&
			!slices.Contains(c.Shown, n) && privateName(k) {
			key = k
		}
	})
	return key, key != ""
}

// OwnerField finds the owner field of a one-record answer (at its top or
// in one wrapper object: {"data": {"id": 3, "UserId": 2}}) and the
// identity whose own id, name or email it holds; owner is nil when it
// names nobody the scan knows. ok is false when the answer has none.
func (t *Target) OwnerField(body []byte) (path, value string, owner *Identity, ok bool) {
	var top map[string]any
	dec := json.NewDecoder(bytes.NewReader(bytes.TrimSpace(body)))
	dec.UseNumber()
	if dec.Decode(&top) != nil {
		return "", "", nil, false
	}
	var self []owned
	for _, o := range t.ownedFew() {
		if o.self() {
			self = append(self, o)
		}
	}
	if path, value, owner, ok = ownerOf(top, self); ok {
		return path, value, owner, ok
	}
	for _, k := range sortedKeys(top, make([]string, 0, 16)) {
		if inner, isObject := top[k].(map[string]any); isObject && callerWrapper.MatchString(normKey(k)) {
			if path, value, owner, ok = ownerOf(inner, self); ok {
				return k + "." + path, value, owner, ok
			}
		}
	}
	return "", "", nil, false
}

// OwnValues returns the operation's parameter values (see Values) with
// each path parameter that an object of id's fits set to that object, for
// rules that need an answer id may read (a JWT probe on /books/{title},
// whose example names no book): the first of id's owns: values, objects
// its login answer or token hands it, objects a list names it the owner
// of, ids only it sees, then its own id, login name or email where the
// parameter selects a principal. Parameters nothing of id's fits keep
// their value. Unlike Claims, it records nothing for coverage.
func (t *Target) OwnValues(id *Identity) map[string]string {
	vals := t.Values()
	if id == nil || id.IsAnonymous() {
		return vals
	}
	for _, p := range t.Op.Params {
		key := p.In + ":" + p.Name
		if _, ok := vals[key]; !ok || p.In != "path" {
			continue
		}
		if v, ok := t.ownValue(id, p); ok {
			vals[key] = v
		}
	}
	return vals
}

// ownValue is the first value of parameter p that the scan knows is id's
// object (see OwnValues for the order).
func (t *Target) ownValue(id *Identity, p openapi.Param) (string, bool) {
	kinds := append([]int{kindDeclared, kindHeld, kindListed, kindSeen}, selfKinds(t.Op.Path, p)...)
	facts := t.ownedFor(p)
	for _, kind := range kinds {
		for _, o := range facts {
			if o.owner != id || o.kind != kind {
				continue
			}
			if o.self() {
				return o.value, true // selfKinds said p takes it
			}
			if fit, _ := fitsOwned(o, t.Op.Path, p); fit {
				return o.value, true
			}
		}
	}
	return "", false
}
