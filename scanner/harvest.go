package scanner

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"unicode"

	"github.com/authgate/authgate/internal/lazyre"
	"github.com/authgate/authgate/scanner/openapi"
)

// What an owned value says about its identity.
const (
	// kindSeen: an object id the identity sees in a list and the other
	// identity does not.
	kindSeen = iota
	// kindDeclared: the config says the identity owns it (owns:).
	kindDeclared
	// kindID, kindName and kindEmail describe the identity itself: its
	// principal id, login name and email, learned from its token's
	// claims, its login answer or its own /me-like record.
	kindID
	kindName
	kindEmail
	// kindHeld: an object id its login answer or token names as its own
	// (Juice Shop's bid, a basketId, an orgId); see heldFacts.
	kindHeld
	// kindListed: an object a list shows with an owner field that names
	// the identity ({"book_title": …, "user": "name1"}); see listedFacts.
	kindListed
)

// owned is something the scan learned about who an identity is or what it
// owns: an object id only it sees, an owns: hint, an object id its login
// answer or token hands it, an object a list names it the owner of, or
// its own id, login name or email.
type owned struct {
	owner *Identity
	kind  int
	path  string // kindSeen: the operation whose answer held it, e.g. /api/orders
	key   string // normalised key, e.g. "id", "orderid", "sub"
	value string
	how   string // where it was learned, for evidence
	// shown, for kindListed, are the normalised keys of the record as
	// the other identity's answer to the same list shows it too; nil when
	// the other identity is not shown the record.
	shown []string
}

// self reports whether o describes the identity itself.
func (o owned) self() bool { return o.kind == kindID || o.kind == kindName || o.kind == kindEmail }

// Bounds of what is learned.
const (
	// maxOwned bounds the ids kept per key and operation: a few are
	// enough to prove cross-user access, and lists can be long.
	maxOwned = 3
	// maxSelfFacts bounds the facts kept per identity and source: an
	// identity has one id, one login name and one email, give or take
	// aliases; more is a list, not a description of the caller.
	maxSelfFacts = 6
	// maxClaimTries bounds the self facts tried per identity and
	// parameter, so that a long token does not multiply requests.
	maxClaimTries = 3
	// maxOwnedTries bounds the harvested ids tried per parameter.
	maxOwnedTries = 2
	// maxFactBytes bounds a learned id, login name or email: an email is
	// at most 254 bytes (RFC 5321), ids and names far less; a longer
	// value identifies nobody.
	maxFactBytes = 254
)

// harvest learns what each identity owns before the rules run, and keeps
// it in s.owned:
//
//   - who the primary and the peer are: the account name their config
//     logins sign in with, and the id, login name and email in their
//     tokens' claims, their login answers and their own /me-like records
//     (parameterless GETs that describe the caller);
//   - what the config says they own (owns:);
//   - the object ids their login answers and tokens hand them (bid,
//     basketId; see heldFacts);
//   - the id values of parameterless GETs only the primary sees;
//   - the objects that parameterless GETs list with an owner field naming
//     one of them ({"book_title": …, "user": "name1"}; see listedFacts),
//     read from the answers above: no request is sent for them.
//
// Facts both identities share (an organisation's id, a public record) say
// nothing about either and are dropped. The answers stay in the cache, so
// rules reuse them.
//
// With one identity (no peer) only the free sources are read: its config
// login, token claims, login answer, owns: and its /me-like records (GETs
// it sends anyway: the rules ask for them later from the cache). Ids only
// it sees and owner fields of lists need the peer to be told apart from
// what everyone sees, so no list is read for them.
//
// scope says which parameterless GETs of ops are read for ids and owner
// fields (see harvestScope); nil: all of them.
func (s *scan) harvest(ctx context.Context, ops []openapi.Operation, scope []bool) {
	defer s.indexOwned()
	var facts []owned
	for _, id := range []*Identity{s.primary, s.peer} {
		if id != nil {
			facts = append(facts, freeFacts(id)...)
		}
	}
	if s.peer == nil {
		facts = append(facts, s.callerFacts(ctx, s.primary, ops)...)
		s.owned = append(s.owned, distinctFacts(facts)...)
		return
	}
	// The lists' records with an owner field, read as each answer comes
	// in: whom they name is settled once every identity's own facts are
	// known, and the answers' bodies are not held until then.
	var lists []listedRecord
	s.readLists(ctx, ops, scope, func(h harvested) {
		if h.b == nil {
			// Not sent (the scan stopped), or the primary got no
			// answer and the GET is no /me.
			return
		}
		op, t, a, b := h.t.Op, h.t, h.a, h.b
		self := describesCaller(op)
		if self {
			where := "its answer to GET " + op.Path
			for _, r := range []*Response{a, b} {
				if t.Success(r) {
					facts = append(facts, answerFacts(r.Request.Identity, r.Body, where, true)...)
				}
			}
		}
		if !t.Success(a) {
			return
		}
		lists = append(lists, listedRecords(listAnswer{op.Path, a.Request.Identity, a.Body})...)
		if t.Success(b) {
			lists = append(lists, listedRecords(listAnswer{op.Path, b.Request.Identity, b.Body})...)
		}
		peerSees := map[string]bool{}
		if b.OK() {
			for _, kv := range idValues(b.Body) {
				peerSees[kv[1]] = true
			}
		}
		count := map[string]int{}
		how := "" // one text for the list's ids, kept until the end of the scan
		for _, kv := range idValues(a.Body) {
			if peerSees[kv[1]] || count[kv[0]] >= maxOwned {
				continue
			}
			count[kv[0]]++
			if how == "" {
				how = fmt.Sprintf("it is in %q's answer to GET %s and not in %q's", s.primary.Name, op.Path, s.peer.Name)
			}
			s.owned = append(s.owned, owned{owner: s.primary, kind: kindSeen, path: op.Path, key: kv[0], value: kv[1], how: how})
		}
	})
	known := distinctFacts(facts)
	// Owner fields are matched once every identity's own facts are known
	// (a /me answer may come after the list that names it).
	known = append(known, listedOwned(lists, known, s.primary, s.peer)...)
	s.owned = append(s.owned, distinctFacts(known)...)
}

// freeFacts is what id's config login, token claims, login answer and
// owns: say about who it is and what it owns: read without a request.
func freeFacts(id *Identity) []owned {
	var facts []owned
	facts = append(facts, loginFacts(id)...)
	facts = append(facts, tokenFacts(id)...)
	facts = append(facts, answerFacts(id, id.firstLoginAnswer(), "its login answer", false)...)
	facts = append(facts, declaredFacts(id)...)
	facts = append(facts, heldFacts(id, id.firstLoginAnswer(), "login answer")...)
	for _, payload := range tokenPayloads(id) {
		facts = append(facts, heldFacts(id, payload, "token")...)
	}
	return facts
}

// callerFacts reads who id is from its answers to the parameterless GETs
// that describe their caller (/me, /profile), in operation order.
func (s *scan) callerFacts(ctx context.Context, id *Identity, ops []openapi.Operation) []owned {
	var idx []int
	for i := range ops {
		if op := &ops[i]; op.Method == http.MethodGet && s.safeOp(op) && !hasPathParam(op) && describesCaller(op) {
			idx = append(idx, i)
		}
	}
	var facts []owned
	send := func(k int) harvested {
		t := s.target(&ops[idx[k]])
		return harvested{t: t, a: t.Send(ctx, id, t.Values())}
	}
	inParallel(ctx, s.workers(), len(idx), send, func(_ int, h harvested) {
		if h.t != nil && h.t.Success(h.a) {
			facts = append(facts, answerFacts(id, h.a.Body, "its answer to GET "+h.t.Op.Path, true)...)
		}
	})
	return facts
}

// harvested is what the harvest read of one parameterless GET: the
// primary's answer a and the peer's b (nil when it was not asked).
type harvested struct {
	t    *Target
	a, b *Response
}

// readLists sends the harvest's requests for the parameterless GETs of ops
// (those scope selects; nil: all) on the scan's pool of workers: the
// primary's, then the peer's when the primary got a success or the GET
// describes its caller. use gets the answers in operation order, so what
// is learned from them does not depend on the concurrency or on which
// answer arrived first.
func (s *scan) readLists(ctx context.Context, ops []openapi.Operation, scope []bool, use func(harvested)) {
	var idx []int
	for i := range ops {
		if op := &ops[i]; op.Method == http.MethodGet && s.safeOp(op) && !hasPathParam(op) && (scope == nil || scope[i]) {
			idx = append(idx, i)
		}
	}
	send := func(k int) harvested {
		t := s.target(&ops[idx[k]])
		vals := t.Values()
		h := harvested{t: t, a: t.Send(ctx, s.primary, vals)}
		if t.Success(h.a) || describesCaller(t.Op) {
			h.b = t.Send(ctx, s.peer, vals)
		}
		return h
	}
	inParallel(ctx, s.workers(), len(idx), send, func(_ int, h harvested) { use(h) })
}

// aheadPerWorker bounds how far inParallel's calls run ahead of the
// results it has handed over, per worker: room for every worker to start
// its next call while the one before waits for use.
const aheadPerWorker = 2

// workers is how many of the scan's requests may be in flight at once
// (--concurrency; the Client bounds them as well).
func (s *scan) workers() int { return max(s.opts.Client.Concurrency, 1) }

// inParallel calls fn(0) … fn(n-1) on at most workers goroutines and
// hands each result to use in index order, as soon as it and every one
// before it are in, and drops it then: results wait only for the slower
// ones before them, not for the whole run. A call starts only when fewer
// than aheadPerWorker×workers results are in or being made and not yet
// used: when use is the slower (it reads the harvest's answers one at a
// time) the results would otherwise pile up, every answer's body with
// them (tens of MB with 64 KiB list answers). Once ctx is done the calls
// not yet started are not made (use gets their zero value): the sends
// would be refused anyway.
func inParallel[T any](ctx context.Context, workers, n int, fn func(i int) T, use func(i int, v T)) {
	// One flag per result under one lock, not a channel per result: at
	// 20,000 operations the harvest's 15,000 channels were 1.4 MB.
	out, ready := make([]T, n), make([]bool, n)
	var mu sync.Mutex
	arrived := sync.NewCond(&mu) // only the loop below waits on it
	used := 0                    // results handed to use so far
	room := sync.NewCond(&mu)    // only the feeder waits on it
	ahead := max(workers, 1) * aheadPerWorker
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Go(func() {
			for i := range next {
				v := fn(i)
				mu.Lock()
				out[i], ready[i] = v, true
				mu.Unlock()
				arrived.Signal()
			}
		})
	}
	go func() {
		defer close(next)
		for i := range n {
			mu.Lock()
			for i >= used+ahead {
				room.Wait()
			}
			mu.Unlock()
			if ctx.Err() == nil {
				select {
				case next <- i:
					continue
				case <-ctx.Done():
				}
			}
			mu.Lock()
			for j := i; j < n; j++ {
				ready[j] = true
			}
			mu.Unlock()
			arrived.Signal()
			return
		}
	}()
	for i := range n {
		mu.Lock()
		for !ready[i] {
			arrived.Wait()
		}
		v := out[i]
		var zero T
		out[i] = zero
		mu.Unlock()
		use(i, v)
		mu.Lock()
		used = i + 1
		mu.Unlock()
		room.Signal()
	}
	wg.Wait()
}

// distinctFacts drops the self facts that both identities share and the
// repeats of one fact, keeping the first source of each.
func distinctFacts(facts []owned) []owned {
	holders := map[string]map[*Identity]bool{}
	for _, f := range facts {
		k := fmt.Sprint(f.kind, "\x00", strings.ToLower(f.value))
		if holders[k] == nil {
			holders[k] = map[*Identity]bool{}
		}
		holders[k][f.owner] = true
	}
	var out []owned
	seen := map[string]bool{}
	for _, f := range facts {
		k := fmt.Sprint(f.kind, "\x00", strings.ToLower(f.value))
		dup := fmt.Sprint(f.owner.Name, "\x00", f.kind, "\x00", f.key, "\x00", strings.ToLower(f.value))
		if ((f.self() || f.kind == kindHeld) && len(holders[k]) > 1) || seen[dup] {
			continue
		}
		seen[dup] = true
		out = append(out, f)
	}
	return out
}

// rememberLogin keeps the first successful login answer of the identity:
// it often says who the identity is ({"user": {"id": 1001}}).
func (id *Identity) rememberLogin(body []byte) {
	id.mu.Lock()
	defer id.mu.Unlock()
	if id.loginAnswer == nil {
		id.loginAnswer = slices.Clone(body)
	}
}

func (id *Identity) firstLoginAnswer() []byte {
	id.mu.RLock()
	defer id.mu.RUnlock()
	return id.loginAnswer
}

// loginFacts reads who id is from its config login's own body: the
// account it signs in with (the username or email field) is its login
// name or email, known before any answer is. Many logins answer with an
// opaque token only, so without this an API keyed by email or username
// has no object of the identity to ask for.
func loginFacts(id *Identity) []owned {
	if id.Login == nil {
		return nil
	}
	key, value := id.Login.UsernameKey(), id.Login.Username()
	kind, ok := selfKind(key, value, false)
	switch {
	case ok:
	case !factText(key, value) || loginPhoneKey.MatchString(normKey(key)):
		// A phone number names the account but is none of the kinds an
		// operation selects principals by.
		return nil
	default:
		// Whatever the field is called (user, account, email holding a
		// plain name), what the identity signs in with is its login name.
		kind = kindName
	}
	return []owned{{owner: id, kind: kind, key: normKey(key), value: value,
		how: fmt.Sprintf("its login's %s field", key)}}
}

// loginPhoneKey matches login fields that hold a phone number.
var loginPhoneKey = lazyre.New(`^(phone|phonenumber|mobile|msisdn|tel)$`)

// tokenFacts reads who id is from the claims of the JWTs it sends: the
// Authorization header first, then cookies, then other headers. Claims
// may wrap the caller as an API's answers do (Juice Shop's
// {"status": "success", "data": {"id": 2, "email": …}}): one wrapper
// object is read too.
func tokenFacts(id *Identity) []owned {
	var out []owned
	for _, payload := range tokenPayloads(id) {
		callerScalars(payload, func(path, key, value string) {
			if len(out) >= maxSelfFacts {
				return
			}
			if kind, ok := selfKind(key, value, true); ok {
				out = append(out, owned{owner: id, kind: kind, key: normKey(key), value: value, how: fmt.Sprintf("its token's %s claim", path)})
			}
		})
	}
	return out
}

// tokenPayloads returns the claims (JSON) of the JWTs id sends, the
// Authorization header first, then cookies, then other headers.
func tokenPayloads(id *Identity) [][]byte {
	creds := id.Creds()
	rank := func(h Header) int {
		switch h.Name {
		case "Authorization":
			return 0
		case "Cookie":
			return 1
		}
		return 2
	}
	slices.SortStableFunc(creds, func(a, b Header) int { return rank(a) - rank(b) })
	var out [][]byte
	for _, h := range creds {
		for _, tok := range jwtShape.FindAllString(h.Value, -1) {
			if payload, ok := jwtPayload(tok); ok {
				out = append(out, payload)
			}
		}
	}
	return out
}

// Keys that describe the caller itself.
var (
	// selfIDKey: the principal's own id. A bare "id" counts only where
	// the object is the caller (a /me answer, the user of a login answer).
	selfIDKey = lazyre.New(`^(sub|uid|oid|useruuid|(user|account|customer|member|profile|principal)id)$`)
	// selfNameKey: the principal's login name.
	selfNameKey = lazyre.New(`^(username|preferredusername|cognito:username|login|handle|nickname|screenname)$`)
	// callerWrapper: objects of a login or /me answer that hold the
	// caller ({"user": {...}}, {"data": {...}}).
	callerWrapper = lazyre.New(`^(user|account|profile|me|principal|identity|member|customer|data|result|currentuser|viewer)$`)
)

// selfKind says what a scalar under key says about the caller: its id,
// login name or email. bareID accepts a plain "id".
func selfKind(key, value string, bareID bool) (int, bool) {
	k := normKey(key)
	switch {
	case !factText(key, value):
		return 0, false
	case isEmail(value):
		return kindEmail, true
	case selfNameKey.MatchString(k):
		return kindName, true
	case selfIDKey.MatchString(k) || (bareID && k == "id"):
		return kindID, true
	}
	return 0, false
}

// factText reports whether value, under key, may describe an identity:
// ids, login names and emails are short, one-line values that are no
// credential. The target's answers are untrusted and end up in evidence.
func factText(key, value string) bool {
	return key != "" && value != "" && len(value) <= maxFactBytes &&
		!strings.ContainsFunc(value, unicode.IsControl) && !credentialFieldName.MatchString(key)
}

// answerFacts reads who id is from an answer that describes it (its
// login answer, its /me): the scalars at the top and in one wrapper
// object. A bare "id" at the top counts only with bareTop (a /me answer;
// a login answer's top-level id is often the session's).
func answerFacts(id *Identity, body []byte, where string, bareTop bool) []owned {
	var out []owned
	callerScalars(body, func(path, key, value string) {
		if len(out) >= maxSelfFacts {
			return
		}
		if kind, ok := selfKind(key, value, bareTop || path != key); ok {
			out = append(out, owned{owner: id, kind: kind, key: normKey(key), value: value, how: fmt.Sprintf("the %s of %s", path, where)})
		}
	})
	return out
}

// callerScalars calls fn with every scalar at the top of a JSON object
// and one level down in its caller-like wrappers, in key order, with the
// dotted path to it.
func callerScalars(body []byte, fn func(path, key, value string)) {
	if top, ok := jsonObject(body); ok {
		callerScalarsOf(top, fn)
	}
}

// jsonObject decodes the JSON object a body starts with (numbers as
// json.Number); ok is false when it holds no object.
func jsonObject(body []byte) (top map[string]any, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(bytes.TrimSpace(body)))
	dec.UseNumber()
	if dec.Decode(&top) != nil {
		return nil, false
	}
	return top, true
}

// callerScalarsOf is callerScalars of the decoded object top.
func callerScalarsOf(top map[string]any, fn func(path, key, value string)) {
	for _, k := range sortedKeys(top, make([]string, 0, 16)) {
		if v, ok := ScalarText(top[k]); ok {
			fn(k, k, v)
			continue
		}
		inner, ok := top[k].(map[string]any)
		if !ok || !callerWrapper.MatchString(normKey(k)) {
			continue
		}
		for _, k2 := range sortedKeys(inner, make([]string, 0, 16)) {
			if v, ok := ScalarText(inner[k2]); ok {
				fn(k+"."+k2, k2, v)
			}
		}
	}
}

// ScalarText is the text of a JSON scalar (string, number, boolean) decoded
// with UseNumber; null, objects and arrays are no scalar. Rules that read
// answers by name (credentials-in-response) use it too.
func ScalarText(v any) (string, bool) {
	switch t := v.(type) {
	case string:
		return t, true
	case json.Number:
		return t.String(), true
	case bool:
		return fmt.Sprint(t), true
	}
	return "", false
}

// declaredFacts are the config's owns: hints of id, in key order.
func declaredFacts(id *Identity) []owned {
	var out []owned
	for _, k := range slices.Sorted(maps.Keys(id.Owns)) {
		for _, v := range id.Owns[k] {
			out = append(out, owned{owner: id, kind: kindDeclared, key: normKey(k), value: v,
				how: fmt.Sprintf("the config says it owns %s %s", k, v)})
		}
	}
	return out
}

// describesCaller reports whether a parameterless GET describes its
// caller (/me, /profile, /account): no parameter selects what it returns.
func describesCaller(op *openapi.Operation) bool {
	if !selfPaths.MatchString(op.Path) {
		return false
	}
	for _, p := range op.Params {
		if p.Required && (p.In == "path" || p.In == "query") {
			return false
		}
	}
	return true
}

var idKey = lazyre.New(`(?i)^(id|uuid|.*_id|.*Id|.*ID|.*_uuid)$`)

// idValues returns (normalised key, value) pairs of id-like keys in a JSON
// body, in document order.
func idValues(body []byte) [][2]string {
	var out [][2]string
	EachScalar(body, true, func(k, s string) {
		if s != "" && idKey.MatchString(k) {
			out = append(out, [2]string{normKey(k), s})
		}
	})
	return out
}

// normKey folds case and separators: user_id, userId and user-id match.
func normKey(k string) string {
	return keySeparators.Replace(strings.ToLower(k))
}

// keySeparators drops the separators normKey ignores; built once, as a
// Replacer is costly to build and safe to share.
var keySeparators = strings.NewReplacer("_", "", "-", "")

// selfPaths are collection-less operations that describe the caller.
var selfPaths = lazyre.New(`(?i)/(me|self|profile|account|user|whoami|current_?user)$`)

// Parameters and path segments that name a principal.
var (
	// principalParam matches normalised parameter names that select a
	// user, an account or a person (user_id, userId, username, email).
	principalParam = lazyre.New(`^(uid|sub|login|email|handle|(user|account|customer|member|profile|owner|person|principal)(id|uuid|name|email|handle)?)$`)
	// principalSegment matches collections of principals (/users/{id}).
	principalSegment = lazyre.New(`(?i)^(users?|accounts?|customers?|members?|profiles?|people|persons?|principals?|me)$`)
)

// collectionOf is the path segment that a parameter selects in: the one
// before "{name}" (or Express's ":name") for a path parameter, the last
// literal segment for a query parameter (/user?user_id=1: "user").
func collectionOf(path string, p openapi.Param) string {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	last := ""
	for _, s := range segs {
		if p.In == "path" && (s == "{"+p.Name+"}" || s == ":"+p.Name) {
			return last
		}
		if !strings.HasPrefix(s, "{") && !strings.HasPrefix(s, ":") {
			last = s
		}
	}
	if p.In == "path" {
		return ""
	}
	return last
}

// selectsPrincipal reports whether parameter p of the operation at path
// selects a user, an account or a person.
func selectsPrincipal(path string, p openapi.Param) bool {
	n := normKey(p.Name)
	if principalParam.MatchString(n) {
		return true
	}
	return (n == "id" || n == "uuid") && principalSegment.MatchString(collectionOf(path, p))
}

// selfKinds says which of an identity's own facts may be the value of
// parameter p of the operation at path, the likeliest first: an email
// parameter (email, owner_email) takes emails only; a login-name
// parameter (username, login, handle) names, then the email many apps
// sign in with; any other parameter that selects a principal (user_id,
// ?user=, /users/{id}) ids, names and emails, since APIs key users by any
// of them. nil: p selects no principal, and no fact of the caller fits.
func selfKinds(path string, p openapi.Param) []int {
	name := normKey(p.Name)
	switch {
	case strings.Contains(name, "email"):
		return []int{kindEmail}
	case !selectsPrincipal(path, p):
		return nil
	case strings.HasSuffix(name, "name") || strings.HasSuffix(name, "login") || strings.HasSuffix(name, "handle"):
		return []int{kindName, kindEmail}
	}
	return []int{kindID, kindName, kindEmail}
}

// SelectsPrincipal reports whether parameter p of the operation selects a
// user, an account or a person, or takes an email: the identities' own
// ids, login names and emails are values to try in it, although its name
// may not look like an id (?email=, /profiles/{handle}).
func (t *Target) SelectsPrincipal(p openapi.Param) bool {
	return selfKinds(t.Op.Path, p) != nil
}

// fitsDeclared reports whether an owns: key fits parameter p: the same
// name (user_id, userId), or a bare id of that key's collection
// (owns: {order_id: 7} fits /orders/{id}).
func fitsDeclared(key, path string, p openapi.Param) bool {
	n := normKey(p.Name)
	if key == n {
		return true
	}
	stem, ok := strings.CutSuffix(key, "id")
	if !ok || stem == "" || (n != "id" && n != "uuid") {
		return false
	}
	coll := strings.ToLower(collectionOf(path, p))
	return coll == stem || coll == stem+"s" || coll == stem+"es"
}

// Claim is a reason to believe that a parameter value names an object of
// one identity. Rules confirm it with the owner's own answer.
type Claim struct {
	// Owner is the identity the value belongs to; nil when only the
	// answers can tell (the value is the description's example).
	Owner *Identity
	Value string
	// How says how the scan learned it, for evidence.
	How string
	// Personal is set when the value is the owner's own id, login name
	// or email (or the example, found to be the owner's record): the
	// object is about the owner, so another identity's read of it must
	// show the owner's data too (see Carries).
	Personal bool
	// Weak is set when the owner's answer must show the object is its
	// own (see Confirms) before it counts: an object id a login answer or
	// token hands the owner (planId may name a plan everyone reads; bid
	// fits /basket/{id} only by an abbreviation).
	Weak bool
	// Shown are the keys of the object that a list already shows the
	// other identity (see Reveals); nil when no list shows it to them.
	Shown []string
	// Declared is set when the config says the owner owns it (owns:):
	// the user's word, which needs no answer to confirm it.
	Declared bool
}

// Claims returns values of parameter p that belong to the primary or the
// peer, most convincing first and in a fixed order (the same every run):
// ids only the primary sees in its lists, values the config declares with
// owns:, each identity's own id, login name and email where p selects a
// principal or takes an email (of the kinds p's name asks for, see
// selfKinds), and last the description's example, whose owner only the
// answers can tell (see Carries).
func (t *Target) Claims(p openapi.Param) []Claim {
	t.s.objectParams.Store(true) // there is something to ask for (see coverage)
	var out []Claim
	add := func(c Claim) {
		for _, o := range out {
			if o.Owner == c.Owner && o.Value == c.Value {
				return
			}
		}
		out = append(out, c)
	}
	facts := t.ownedFor(p) // the facts that may fit p (see ownedIndex)
	seen := 0
	for _, o := range facts {
		if o.kind != kindSeen || seen >= maxOwnedTries {
			continue
		}
		if fits, _ := fitsOwned(o, t.Op.Path, p); fits {
			seen++
			add(Claim{Owner: o.owner, Value: o.value, How: o.how})
		}
	}
	for _, id := range []*Identity{t.Primary, t.Peer} {
		for _, o := range facts {
			if o.owner == id && o.kind == kindDeclared && fitsDeclared(o.key, t.Op.Path, p) {
				add(Claim{Owner: id, Value: o.value, How: o.how, Declared: true})
			}
		}
	}
	// Objects a login answer or token hands an identity, and objects a
	// list shows with an owner field naming it.
	for _, id := range []*Identity{t.Primary, t.Peer} {
		tries := 0
		for _, o := range facts {
			if o.owner != id || (o.kind != kindHeld && o.kind != kindListed) || tries >= maxOwnedTries {
				continue
			}
			if fits, weak := fitsOwned(o, t.Op.Path, p); fits {
				tries++
				add(Claim{Owner: id, Value: o.value, How: o.how, Weak: weak, Shown: o.shown})
			}
		}
	}
	if kinds := selfKinds(t.Op.Path, p); kinds != nil {
		for _, id := range []*Identity{t.Primary, t.Peer} {
			tries := 0
			for _, kind := range kinds {
				for _, o := range facts {
					if o.owner == id && o.kind == kind && tries < maxClaimTries {
						tries++
						add(Claim{Owner: id, Value: o.value, How: fmt.Sprintf("%s is %s", o.how, o.value), Personal: true})
					}
				}
			}
		}
	}
	if p.Example != "" {
		add(Claim{Value: p.Example, Personal: true})
	}
	return out
}

// Carries reports whether an answer is about identity id: a scalar at its
// top (or in one wrapper object) is id's own email, login name, principal
// id (a bare "id" only where the operation serves principals) or a value
// the config says it owns under that key, or one of its member lists
// names id (a project's memberIds: [11, 12], a document's sharedWith: see
// memberScalars): a record shared with id is about id too. how says
// which, for evidence.
func (t *Target) Carries(id *Identity, body []byte) (how string, ok bool) {
	if id == nil {
		return "", false
	}
	principalOp := principalSegment.MatchString(collectionOf(t.Op.Path, openapi.Param{In: "query"}))
	for _, p := range t.Op.Params {
		principalOp = principalOp || selectsPrincipal(t.Op.Path, p)
	}
	member := false // visiting a member list's principals
	visit := func(path, key, value string) {
		if ok {
			return
		}
		k := normKey(key)
		for _, o := range t.ownedFew() {
			if o.owner != id || !strings.EqualFold(o.value, value) {
				continue
			}
			match := false
			switch o.kind {
			case kindEmail:
				match = true
			case kindName:
				match = selfNameKey.MatchString(k) || (member && k == "")
			case kindID:
				match = selfIDKey.MatchString(k) || k == "ownerid" || k == "owner" || (k == "id" && (principalOp || member)) || (k == "" && member)
			case kindDeclared:
				match = k == o.key
			}
			if !match {
				continue
			}
			ok = true
			if o.kind == kindDeclared {
				how = fmt.Sprintf("the answer's %s is %s, and %s", path, value, o.how)
			} else {
				how = fmt.Sprintf("the answer's %s is its own %s (from %s)", path, value, o.how)
			}
			return
		}
	}
	// One decoding for both walks (rules ask this of many answers).
	top, isObject := jsonObject(body)
	if !isObject {
		return "", false
	}
	callerScalarsOf(top, visit)
	member = true
	memberScalarsOf(top, visit)
	return how, ok
}

// Who names an identity in evidence: its configured name, with what the
// scan learned it is called when that differs (`"primary" (alice)`).
func (t *Target) Who(id *Identity) string {
	if id == nil || id.IsAnonymous() {
		return "anonymous"
	}
	label := ""
	for _, kind := range []int{kindName, kindEmail} {
		for _, o := range t.ownedFew() {
			if o.owner == id && o.kind == kind && label == "" {
				label = o.value
			}
		}
	}
	if label == "" || strings.EqualFold(label, id.Name) {
		return fmt.Sprintf("%q", id.Name)
	}
	return fmt.Sprintf("%q (%s)", id.Name, label)
}
