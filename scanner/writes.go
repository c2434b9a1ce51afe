package scanner

// The write engine of active mode (issue 11). Write rules are API rules
// (they run once, in shard 1, after the operation pass) that act only on
// objects this scan created: Writes creates them as their owner, sends the
// attacks on exactly those objects, reads them back as the owner, and
// deletes every one of them when the API rules are done (see cleanup). It is
// the only way a rule may send PUT, PATCH or DELETE on an item, or POST on a
// collection.
//
// What rules use:
//
//	a.Writes()                          nil in safe mode; the scan's one *Writes otherwise
//	w.Kinds(), w.Parent(k)              what can be created, and under what
//	w.Create / w.CreateUnder            new objects (recorded for the clean-up)
//	w.Read, w.Gone, w.Names             read-backs, and what they show
//	w.UpdateBody, w.Marker, w.Send      marked writes on the scan's own objects only
//	w.SendMissing                       the probe on an id that cannot exist
//	w.Each                              kinds on a bounded pool, findings in kind order
//	w.Account, w.AccountLoggedIn        accounts rules registered
//
// Findings name the attacked operation's method and route template
// ("PUT /api/notes/{noteId}"), never the concrete id.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/internal/lazyre"
	"github.com/authgate/authgate/scanner/objects"
	"github.com/authgate/authgate/scanner/openapi"
)

// Object is one object the scan created.
type Object struct {
	Kind  objects.Lifecycle
	Owner *Identity
	// ID is the new object's id, as put in the item path parameter.
	ID string
	// Parents are the values of Kind.Parents, from parent objects the scan
	// created first (never values of objects that existed before), or from
	// Options.PathValues for a parent the scan cannot create.
	Parents map[string]string
	// Sent is the create body; Created the create's answer (evidence).
	Sent    []byte
	Created *Response
	// Marker is the seed-derived text the create body carries, so a
	// read-back can tell this object's data from anyone else's.
	Marker string
	// ConfiguredParents is set when Parents came from Options.PathValues:
	// the object lives under a parent that existed before the scan (a
	// team), which other identities may share by design.
	ConfiguredParents bool
}

// errNotCreated refuses a write on an object this scan did not create:
// the safety promise of active mode, enforced where every write passes.
var errNotCreated = errors.New("refused: the object was not created by this scan")

// Writes creates objects for the write rules, sends their attacks on those
// objects only, and removes the objects at the end of the scan. One per
// scan in active mode; safe for concurrent use.
type Writes struct {
	a *API
	s *scan
	// seed makes this scan's markers, ids that cannot exist and generated
	// values unique: random per scan, so a leftover of an earlier scan is
	// never taken for this one's.
	seed  string
	n     atomic.Int64
	kinds []objects.Lifecycle
	// began is when the engine was made: a create that answers an
	// object created well before it answers one that existed already.
	began time.Time

	mu      sync.Mutex
	records []*record // in creation order
	byObj   map[*Object]*record
	// saw201 holds the create operations that answered 201 Created: a
	// later 200 from one of them answers an object that existed.
	saw201 map[string]bool
	// accounts are accounts rules registered and logged in (see
	// AccountLoggedIn), handed to the scan's own accounts at the clean-up
	// so they delete themselves the same way, last.
	accounts []*account
}

// record is one created object and what the clean-up needs to know of it.
type record struct {
	o    *Object
	op   string // the create operation, "POST /api/notes"
	item string // the object's own path, "" when the API gave no id
	// others may delete it when its owner cannot: the owner of the parent
	// it was created under (a member the peer added to the primary's
	// project).
	others []*Identity
	// deleteSent: a DELETE on it answered 2xx during the scan (an
	// attack, or a rule's own clean-up); the clean-up checks before
	// deleting again.
	deleteSent atomic.Bool
	// readers are the identities whose read of the object got it (a 2xx,
	// not soft-deleted), in the order they first did, guarded by
	// Writes.mu: a deletion is confirmed by one of them, never by an
	// identity that could not read the object in the first place (an
	// admin-only read answers the regular owner 404 whether or not the
	// object is there).
	readers []*Identity
	// account is set for an account a rule registered (see Account): the
	// clean-up reports it as it is, o is nil.
	account *finding.CreatedObject
	// pending: the create got no answer; the clean-up looks for the object
	// by its marker (see settle), after waiting (see awaitPending) when it
	// timed out at sentAt.
	pending bool
	sentAt  time.Time
	// unproven: the create answered an id, but neither its answer nor any
	// read showed the scan's marker on that object (no identity could
	// read it): it is never attacked and never deleted, only listed.
	unproven bool
	// foreign: a later create answered the same id (a find-or-create)
	// and nothing had proven this one the scan's (proven: its marker was
	// in the create's answer or a read): it was not the scan's after all.
	// Never written to again, never deleted, not listed.
	foreign atomic.Bool
	proven  bool
	// held is the part of the request budget kept for its clean-up
	// (see holdCleanup), given back when the clean-up comes to it.
	held int
}

// Account records an account a rule registered through operation ("POST
// /api/register") under name, which the scan cannot delete: the report
// lists it with the objects (Kind "account"), counted as left on the
// target, so the API's owner can remove it.
func (w *Writes) Account(operation, name string, owner *Identity) {
	c := &finding.CreatedObject{Kind: "account", Operation: operation, Item: name, Owner: identityName(owner),
		Reason: "accounts cannot be deleted by the scan"}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.records = append(w.records, &record{account: c, op: operation, item: name})
}

// AccountLoggedIn records an account a rule registered through operation
// under name (its login name or email) and logged in as `as`; self is its
// own id from the registration answer, "" when none. At the end of the
// scan it deletes itself like the accounts autoAccounts registers (on its
// /me-like route, else on its own user record once a read as the account
// shows its name), and is listed with them in the report, deleted or not.
func (w *Writes) AccountLoggedIn(operation, name string, as *Identity, self string) {
	a := &account{owner: identityName(as), id: as, register: operation, name: name, email: name, self: self, item: name}
	// The registration is sent already: what is left of the budget is
	// all its deletion may have.
	a.held = w.s.client.holdUpTo(accountCleanupCost)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.accounts = append(w.accounts, a)
}

// handOverAccounts gives the accounts rules logged in to the scan's own
// accounts, for closeAccounts, which runs after the clean-up.
func (w *Writes) handOverAccounts() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.accounts) == 0 {
		return
	}
	if w.s.accounts == nil {
		w.s.accounts = &accounts{}
	}
	w.s.accounts.list = append(w.s.accounts.list, w.accounts...)
	w.accounts = nil
}

// Writes is the scan's write engine, nil in safe mode: safe mode never
// writes, and a rule that gets nil sends nothing.
func (a *API) Writes() *Writes {
	if a.s.opts.Mode != finding.ModeActive {
		return nil
	}
	a.s.writesOnce.Do(func() { a.s.writes = newWrites(a) })
	return a.s.writes
}

func newWrites(a *API) *Writes {
	w := &Writes{a: a, s: a.s, seed: hex.EncodeToString(randomBytes(4)), byObj: map[*Object]*record{}, saw201: map[string]bool{}, began: time.Now()}
	for _, l := range objects.Lifecycles(a.ops) {
		if w.sendable(l) {
			w.kinds = append(w.kinds, l)
		}
	}
	return w
}

// Kinds are the lifecycles whose create operation may be sent: not
// excluded, not an account, login or recovery flow (accounts are the
// account rules' business), with a body schema or an Options.Bodies entry,
// in description order.
func (w *Writes) Kinds() []objects.Lifecycle { return slices.Clone(w.kinds) }

// sendable reports whether l's create may be sent (see Kinds).
func (w *Writes) sendable(l objects.Lifecycle) bool {
	op := &l.Create
	if w.s.safety.excluded(op.Method, op.Path, w.s.docBase()+op.Path) || w.accountFlow(op) {
		return false
	}
	_, override := w.s.opts.Bodies[op.Method+" "+op.Path]
	return override || op.Body != nil
}

// accountFlow reports whether op registers, logs in, recovers or logs out:
// configured as a flow, an identity's login, or named like one.
func (w *Writes) accountFlow(op *openapi.Operation) bool {
	key := op.Method + " " + op.Path
	f := w.s.opts.Flows
	for _, conf := range []string{f.Check, f.Logout, f.Register, f.Recovery} {
		if m, p, ok := strings.Cut(strings.TrimSpace(conf), " "); ok && strings.ToUpper(m)+" "+strings.TrimSpace(p) == key {
			return true
		}
	}
	for _, id := range w.s.allIdentities() {
		if l := id.Login; l != nil {
			p, _, _ := strings.Cut(l.Path, "?")
			if strings.EqualFold(l.Method, op.Method) && (p == op.Path || strings.HasSuffix(p, op.Path)) {
				return true
			}
		}
	}
	for _, name := range []string{FlowRegister, FlowRecovery, FlowLogout} {
		if re := flowPath[name].re; re.MatchString(op.Path) || re.MatchString(op.OperationID) {
			return true
		}
	}
	// A public POST /users is a sign-up: registering accounts is opt-in
	// (Options.AutoAccounts, through the account flows), never a side
	// effect of the object kinds. An authenticated one (an admin's create
	// user) is an object like any other.
	return publicSignup(op)
}

// Marker returns a fresh seed-derived marker ("authgate-<seed>-<n>") for an
// update body: a read-back that shows it shows that write.
func (w *Writes) Marker() string {
	return fmt.Sprintf("authgate-%s-%d", w.seed, w.n.Add(1))
}

// Create creates one object of kind k as owner (parents first, as owner,
// when k is nested), with extra top-level properties merged into the
// generated body (nil: none). On success the object is recorded for
// clean-up. why says why it could not, for a.Skip.
func (w *Writes) Create(ctx context.Context, k objects.Lifecycle, owner *Identity, extra map[string]json.RawMessage) (*Object, *Response, string) {
	vals, configured, why := w.parentValues(ctx, k, owner)
	if why != "" {
		return nil, nil, why
	}
	o, r, why := w.create(ctx, k, vals, owner, extra, nil)
	if o != nil {
		o.ConfiguredParents = configured
	}
	return o, r, why
}

// CreateUnder sends k's create as `as` under parent values taken from
// parent, an object the scan created (nested attacks: the peer adds a
// member to the primary's project). A resulting object is recorded for
// clean-up with owner `as`; the parent's owner may delete it too.
func (w *Writes) CreateUnder(ctx context.Context, k objects.Lifecycle, parent *Object, as *Identity, extra map[string]json.RawMessage) (*Object, *Response, string) {
	if w.recordOf(parent) == nil {
		return nil, nil, errNotCreated.Error()
	}
	vals, missing := w.valuesUnder(k.Create.Path, parent)
	if len(missing) > 0 {
		return nil, nil, fmt.Sprintf("%s %s needs %s, which the parent object does not give", k.Create.Method, k.Create.Path, strings.Join(missing, ", "))
	}
	o, r, why := w.create(ctx, k, vals, as, extra, parent.Owner)
	if o != nil {
		o.ConfiguredParents = parent.ConfiguredParents
	}
	return o, r, why
}

// parentValues returns the values of k's parents: from a parent object
// created as owner when the scan can create one, else from
// Options.PathValues, else, for a parent that is a user
// (/users/{userId}/notes), the owner's own id the scan learned. configured
// is set when a value came from Options.PathValues and is not the owner's
// own: a parent that existed before the scan and may be shared (a team),
// where a user's own record never is.
func (w *Writes) parentValues(ctx context.Context, k objects.Lifecycle, owner *Identity) (vals map[string]string, configured bool, why string) {
	vals = map[string]string{}
	if len(k.Parents) == 0 {
		return vals, false, ""
	}
	var parentWhy string
	if pk, ok := w.parentKind(k); ok {
		p, _, why := w.Create(ctx, pk, owner, nil)
		if p != nil {
			vals, _ = w.valuesUnder(k.Create.Path, p)
			return vals, p.ConfiguredParents, ""
		}
		parentWhy = why
	}
	var missing []string
	for _, name := range k.Parents {
		own := w.ownParent(k.Create.Path, name, owner)
		v, ok := w.s.opts.PathValues[name]
		switch {
		case ok:
			configured = configured || !slices.ContainsFunc(own, func(o string) bool { return strings.EqualFold(o, v) })
		case len(own) > 0:
			v = own[0]
		default:
			missing = append(missing, name)
			continue
		}
		vals[name] = v
	}
	if len(missing) == 0 {
		return vals, configured, ""
	}
	why = fmt.Sprintf("%s %s needs a parent (%s) the scan cannot create", k.Create.Method, k.Create.Path, strings.Join(missing, ", "))
	if parentWhy != "" {
		why = fmt.Sprintf("%s %s needs a parent (%s): %s", k.Create.Method, k.Create.Path, strings.Join(missing, ", "), parentWhy)
	}
	return nil, false, why + "; give its value in pathValues"
}

// userSegment matches collections of users, whose item is a parent every
// identity has of its own (/users/{userId}/notes); not accounts or members,
// often a bank account or a membership rather than the caller.
var userSegment = lazyre.New(`(?i)^(users?|people|persons?|profiles?|customers?|principals?)$`)

// ownParent is what the scan learned owner is (its id, login name or
// email, of the kinds the parameter asks for, likeliest first) when path
// parameter name of route selects a user (/users/{userId}/notes); nil
// otherwise.
func (w *Writes) ownParent(route, name string, owner *Identity) []string {
	p := openapi.Param{Name: name, In: "path"}
	if owner == nil || owner.IsAnonymous() || !userSegment.MatchString(collectionOf(route, p)) {
		return nil
	}
	var out []string
	for _, kind := range selfKinds(route, p) {
		for _, o := range w.s.owned {
			if o.owner == owner && o.kind == kind && !slices.Contains(out, o.value) {
				out = append(out, o.value)
			}
		}
	}
	return out
}

// Parent is the kind whose objects k's objects are created under (/projects
// for /projects/{projectId}/members), when the scan can create it: nested
// attacks create the parent as one identity and the child as another.
func (w *Writes) Parent(k objects.Lifecycle) (objects.Lifecycle, bool) { return w.parentKind(k) }

// parentKind is the sendable kind whose items are k's direct parent:
// /projects for /projects/{projectId}/members.
func (w *Writes) parentKind(k objects.Lifecycle) (objects.Lifecycle, bool) {
	segs := routeSegments(k.Create.Path)
	last := -1
	for i, s := range segs {
		if isParamSegment(s) {
			last = i
		}
	}
	if last < 1 {
		return objects.Lifecycle{}, false
	}
	for _, l := range w.kinds {
		if sameShape(routeSegments(l.Collection), segs[:last]) {
			return l, true
		}
	}
	return objects.Lifecycle{}, false
}

// valuesUnder maps the path parameters of route that lie within parent's
// own item path to parent's values, by position: the child's route may
// name them differently (/projects/{id} and /projects/{projectId}/members).
// missing lists route's parameters left without a value even after
// Options.PathValues (for an item route, its id: the caller sets it).
func (w *Writes) valuesUnder(route string, parent *Object) (vals map[string]string, missing []string) {
	vals = map[string]string{}
	pvals := append(parentList(parent), parent.ID)
	i := 0
	for _, s := range routeSegments(route) {
		name, ok := paramOf(s)
		if !ok {
			continue
		}
		if i < len(pvals) {
			vals[name] = pvals[i]
		}
		i++
	}
	for _, name := range routeParams(route) {
		if _, ok := vals[name]; ok {
			continue
		}
		if v, ok := w.s.opts.PathValues[name]; ok {
			vals[name] = v
			continue
		}
		missing = append(missing, name)
	}
	return vals, missing
}

// parentList is o's parent values in path order.
func parentList(o *Object) []string {
	out := make([]string, 0, len(o.Kind.Parents))
	for _, p := range o.Kind.Parents {
		out = append(out, o.Parents[p])
	}
	return out
}

// create sends k's create as owner under the path values vals and records
// what it made: an object is the scan's only when nothing says it existed
// before (see notNew). A create that got no answer may still have made
// one: it is recorded as pending, and the clean-up looks for it.
func (w *Writes) create(ctx context.Context, k objects.Lifecycle, vals map[string]string, owner *Identity, extra map[string]json.RawMessage, parentOwner *Identity) (*Object, *Response, string) {
	op := k.Create.Method + " " + k.Create.Path
	if ctx.Err() != nil {
		return nil, nil, fmt.Sprintf("%s was not sent: %v", op, ctx.Err())
	}
	if !w.s.client.hold(createCost + cleanupCost) {
		return nil, nil, fmt.Sprintf("%s was not sent: what is left of the request budget (%d) could not also delete the object at the end", op, w.s.client.budget)
	}
	// The create's own requests spend what it holds; what a recorded
	// object's clean-up needs stays held (see record.held).
	ctx = spendReserve(ctx)
	var rec *record
	defer func() {
		if rec != nil && rec.held > 0 {
			w.s.client.unhold(createCost)
		} else {
			w.s.client.unhold(createCost + cleanupCost)
		}
	}()
	marker := w.Marker()
	body, err := w.createBody(k, marker, extra)
	if err != nil {
		return nil, nil, fmt.Sprintf("no body for %s: %v", op, err)
	}
	if _, configured := w.s.opts.Bodies[op]; !configured {
		var why string
		if body, why = w.references(ctx, k, vals, owner, body, extra); why != "" {
			return nil, nil, why
		}
	}
	var before []string
	if !bytes.Contains(body, []byte(marker)) {
		before = w.listIDs(ctx, &Object{Kind: k, Owner: owner, Parents: vals})
	}
	t := w.a.Target(k.Create.Method, k.Create.Path)
	// Once sent, a create is seen through to its answer (or the request
	// timeout), interrupted scan or not: dropped on Ctrl-C, the API may
	// make the object after the clean-up looked for it (a slow handler),
	// or the clean-up cannot address it (no list to find it in), and it
	// stays on the target unreported or unnamed. The answer names the id;
	// the reads that prove the object the scan's go on the same way (see
	// SeenThrough).
	scan := ctx
	if scan.Err() != nil {
		return nil, nil, fmt.Sprintf("%s was not sent: %v", op, scan.Err())
	}
	ctx = SeenThrough(ctx)
	sentAt := time.Now()
	r := w.post(ctx, t, vals, owner, body)
	if fields := missingFields(r); len(fields) > 0 && scan.Err() == nil {
		// Learn from the 400: add what it names, once (not after
		// Ctrl-C: the first made nothing).
		if again, ok := addFields(body, fields, marker); ok {
			body = again
			r = w.post(ctx, t, vals, owner, body)
		}
	}
	o := &Object{Kind: k, Owner: owner, Parents: vals, Sent: body, Created: r, Marker: marker}
	rec = &record{o: o, op: op}
	if parentOwner != nil && parentOwner != owner {
		rec.others = append(rec.others, parentOwner)
	}
	switch {
	case maybeSent(r):
		rec.pending, rec.held = true, cleanupCost
		if timedOut(r.Err) {
			rec.sentAt = sentAt // the target may still be making it
		}
		w.add(rec)
		return nil, r, fmt.Sprintf("%s got no answer (%v); it may have made an object, which the clean-up looks for", op, r.Err)
	case !r.OK():
		return nil, r, fmt.Sprintf("%s answered %s to %s", op, describeAnswer(r), identityName(owner))
	}
	id, ok := objects.NewID(r.Body, r.Header.Get("Location"), idParam(k))
	if !ok {
		id, ok, _ = w.listed(ctx, o)
	}
	if !ok {
		w.add(rec)
		return nil, r, fmt.Sprintf("%s answered %d but named no id of the new object (no Location header, no id field)", op, r.Status)
	}
	o.ID = id
	rec.item = itemPath(k, o)
	if slices.Contains(before, id) {
		return nil, r, fmt.Sprintf("%s answered %d with id %s, which the owner's list (GET %s) showed before the create: not a new object, left alone", op, r.Status, id, k.Create.Path)
	}
	if how := w.notNew(ctx, rec); how != "" {
		// A get-or-create, an upsert, an asynchronous job's id: never
		// attacked, never deleted.
		return nil, r, fmt.Sprintf("%s answered %d with %s: not taken for a new object, left alone", op, r.Status, how)
	}
	if !rec.unproven {
		rec.held = cleanupCost // (an unproven object is never deleted)
	}
	w.add(rec)
	if rec.unproven {
		return nil, r, fmt.Sprintf("%s answered %d with id %s, but no identity of the scan could read that object to see the scan's marker on it: not attacked, not deleted", op, r.Status, o.ID)
	}
	return o, r, ""
}

// SeenThrough is ctx (its values, the budget reserve included) without
// its cancellation, for a create (or a rule's registration and the login
// that lets the account delete itself) from the moment it is sent until it
// is recorded: the scan's interruption must not cut a request the target may
// be acting on. It stays bounded by the client's request timeout (every
// request is), by the budget, and by the client's throttling rules. The
// price: a create that passed its check of the scan's context just before
// Ctrl-C still waits for its turn (a concurrency slot, the rate limiter,
// a shared Retry-After pause) and goes out; it is recorded and cleaned up
// like any other. The client cannot tell "not yet sent" from "on the
// wire" to the caller, and cutting it at the wrong moment is the bug.
func SeenThrough(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }

// cleanupCost is what the clean-up of one object may spend of the request
// budget: the read that finds who can see it, the DELETE, and the read
// (or list) that confirms it. Each create holds it from before it is sent
// until the clean-up comes to its object, so the clean-up never needs
// more than --budget (see Client.hold).
const cleanupCost = 3

// createCost is what a create may spend itself, held with cleanupCost
// until it is done: the owner's list before a create without a marker,
// the POST and its retry with the fields a 400 named, and the reads that
// prove the new object the scan's (the owner's, the admin's, the list).
const createCost = 6

// refKey matches a property that names another object by its id
// (productId, product_id, categoryID), capturing the object's name.
var refKey = lazyre.New(`^([A-Za-z][A-Za-z0-9_]*?[A-Za-z0-9])_?(Id|ID|id)$`)

// principalRef names the people a property may refer to: the owner's own
// id is the value for them.
var principalRef = lazyre.New(`(?i)^(user|owner|author|creator|assignee)$`)

// refDepth bounds the objects created for one create's references.
const refDepth = 2

type refDepthKey struct{}

// references fills the properties of a generated body that name another
// object by its id (an order's productId) with an object the scan may
// use: a path value the create already has, an object of that kind the
// scan creates as owner first, the owner's own id for a person, or a
// value given in pathValues. A description's example or a made-up 1 would
// name an object that existed before the scan, which the create then
// changes (the product's stock). An optional one that cannot be filled is
// left out; a required one ends the create, and why says which value it
// needs.
func (w *Writes) references(ctx context.Context, k objects.Lifecycle, vals map[string]string, owner *Identity, body []byte, extra map[string]json.RawMessage) ([]byte, string) {
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) != nil || obj == nil || k.Create.Body == nil {
		return body, ""
	}
	changed, why := w.fillRefs(ctx, k, vals, owner, obj, k.Create.Body, extra)
	if why != "" {
		return nil, why
	}
	if !changed {
		return body, ""
	}
	out, err := json.Marshal(obj)
	if err != nil {
		return body, ""
	}
	return out, ""
}

// maxRefItems bounds the list entries (an order's line items) whose
// references are filled.
const maxRefItems = 8

// fillRefs fills the references of obj, a body object of schema s (see
// references): keys named like a reference (productId, product_id), or
// named like a kind the scan creates and holding an id (Django REST's
// "product": 1), also inside lists of objects (an order's line items).
func (w *Writes) fillRefs(ctx context.Context, k objects.Lifecycle, vals map[string]string, owner *Identity, obj map[string]json.RawMessage, s *openapi.Schema, extra map[string]json.RawMessage) (bool, string) {
	changed := false
	for _, name := range slices.Sorted(maps.Keys(obj)) {
		if extra[name] != nil {
			continue
		}
		var p *openapi.Schema
		if s != nil {
			p = s.Properties[name]
		}
		if items := listOfObjects(obj[name]); items != nil {
			var is *openapi.Schema
			if p != nil {
				is = p.Items
			}
			for n, item := range items[:min(len(items), maxRefItems)] {
				c, why := w.fillRefs(ctx, k, vals, owner, item, is, nil)
				if why != "" {
					return false, why
				}
				if c {
					items[n], changed = item, true
				}
			}
			if changed {
				obj[name], _ = json.Marshal(items)
			}
			continue
		}
		what := ""
		if m := refKey.FindStringSubmatch(name); m != nil {
			what = m[1]
		} else if scalarID(obj[name]) && w.namesCollection(name) {
			what = name
		}
		if what == "" {
			continue
		}
		val, why := w.reference(ctx, k, vals, owner, name, what)
		if val == "" && why == "" {
			continue // the generated value stands
		}
		changed = true
		if why != "" {
			if s == nil || slices.Contains(s.Required, name) {
				return false, fmt.Sprintf("%s %s needs %s, the id of another object: %s; give it in bodies: or pathValues:", k.Create.Method, k.Create.Path, name, why)
			}
			delete(obj, name)
			continue
		}
		if p != nil && (p.Type == "integer" || p.Type == "number") {
			if _, err := strconv.ParseFloat(val, 64); err == nil {
				obj[name] = json.RawMessage(val)
				continue
			}
		}
		obj[name], _ = json.Marshal(val)
	}
	return changed, ""
}

// namesCollection reports whether name (product) names a collection of the
// description whose items are addressed by id (/products/{productId}).
func (w *Writes) namesCollection(name string) bool {
	for _, op := range w.a.ops {
		segs := routeSegments(op.Path)
		for i := 0; i+1 < len(segs); i++ {
			if !isParamSegment(segs[i]) && isParamSegment(segs[i+1]) && namesKind(objects.Lifecycle{Collection: "/" + segs[i]}, name) {
				return true
			}
		}
	}
	return false
}

// listOfObjects is raw as a list of JSON objects, nil when it is not one.
func listOfObjects(raw json.RawMessage) []map[string]json.RawMessage {
	var items []map[string]json.RawMessage
	if !bytes.HasPrefix(bytes.TrimSpace(raw), []byte("[")) || json.Unmarshal(raw, &items) != nil || len(items) == 0 {
		return nil
	}
	return items
}

// scalarID reports whether raw is a number or a short string: what a key
// holds when it names an object by its id.
func scalarID(raw json.RawMessage) bool {
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return true
	}
	var s string
	return json.Unmarshal(raw, &s) == nil && s != "" && len(s) <= 64 && !strings.ContainsAny(s, " @/")
}

// reference is the value for the property name that refers to an object
// called what (product for productId), or why there is none.
func (w *Writes) reference(ctx context.Context, k objects.Lifecycle, vals map[string]string, owner *Identity, name, what string) (string, string) {
	if v, ok := vals[name]; ok {
		return v, "" // the parent the create is under
	}
	if v, ok := w.s.opts.PathValues[name]; ok {
		return v, ""
	}
	if principalRef.MatchString(what) {
		for _, o := range w.s.owned {
			if o.owner == owner && o.kind == kindID {
				return o.value, ""
			}
		}
		if w.underScanParent(k, vals) {
			// A person named in an object under the scan's own parent
			// (a member of the scan's project) touches nothing else.
			return "", ""
		}
		return "", "the id of " + identityName(owner) + " is not known"
	}
	depth, _ := ctx.Value(refDepthKey{}).(int)
	for _, l := range w.kinds {
		if l.Create.Path == k.Create.Path || !namesKind(l, what) {
			continue
		}
		if depth >= refDepth {
			return "", "objects it refers to refer to others too deeply"
		}
		ref, _, why := w.Create(context.WithValue(ctx, refDepthKey{}, depth+1), l, owner, nil)
		if ref == nil {
			return "", "creating one with " + l.Create.Method + " " + l.Create.Path + " failed: " + why
		}
		return ref.ID, ""
	}
	return "", "the scan cannot create one"
}

// underScanParent reports whether k's object is created under a parent
// the scan created (not one given in pathValues).
func (w *Writes) underScanParent(k objects.Lifecycle, vals map[string]string) bool {
	if len(k.Parents) == 0 {
		return false
	}
	for _, p := range k.Parents {
		if v, ok := w.s.opts.PathValues[p]; ok && v == vals[p] {
			return false
		}
	}
	return true
}

// namesKind reports whether what (product) names l's objects (/products,
// /product, /categories for category).
func namesKind(l objects.Lifecycle, what string) bool {
	segs := routeSegments(l.Collection)
	if len(segs) == 0 {
		return false
	}
	seg := strings.ToLower(strings.NewReplacer("-", "", "_", "").Replace(segs[len(segs)-1]))
	what = strings.ToLower(strings.NewReplacer("-", "", "_", "").Replace(what))
	return seg == what || seg == what+"s" || seg == what+"es" || (strings.HasSuffix(what, "y") && seg == strings.TrimSuffix(what, "y")+"ies")
}

// add records rec for the clean-up.
func (w *Writes) add(rec *record) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.records = append(w.records, rec)
	if rec.o != nil {
		w.byObj[rec.o] = rec
	}
}

// timedOut reports whether err is a request timeout.
func timedOut(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

// maybeSent reports whether r, an answer-less response, may have reached
// the API: anything but a request the scan refused or never sent.
func maybeSent(r *Response) bool {
	if r.Err == nil {
		return false
	}
	for _, unsent := range []error{errExcluded, ErrBudget, ErrOutOfScope, ErrThrottled} {
		if errors.Is(r.Err, unsent) {
			return false
		}
	}
	return true
}

// createdKeys name a record's creation time.
var createdKeys = []string{"created_at", "createdAt", "created", "inserted_at", "insertedAt", "dateCreated", "creationDate", "created_on", "createdOn"}

// clockSkew is how far a target's clock may be behind the scanner's before
// a creation time is taken for one before the scan.
const clockSkew = 10 * time.Minute

// notNew says why rec's object, which a create answered, is not one the
// scan made ("" when nothing says so): its id is one the scan saw before
// (see preexisting) or already got from this create; the answer dates it
// before the scan; or its marker, which the create body carried, is in
// neither the answer nor a read of the object (the owner's, the admin's,
// or the owner's list when the item has no GET). An object no identity
// can read is marked unproven: listed, never attacked or deleted.
func (w *Writes) notNew(ctx context.Context, rec *record) string {
	o, r := rec.o, rec.o.Created
	if how := w.preexisting(o.Kind, o.ID); how != "" {
		return "the id of an object that existed before the scan (" + how + ")"
	}
	w.mu.Lock()
	for _, old := range w.records {
		if old.o != nil && old.op == rec.op && old.item == rec.item {
			if !old.proven || old.o.Created.Status != http.StatusCreated {
				// Nothing showed the first one new either: an upsert
				// answers 200 with what it wrote into an existing
				// object, marker and all; only a 201 says it made one.
				old.foreign.Store(true)
			}
			w.mu.Unlock()
			return "the id " + o.ID + " it had answered an earlier create with (a find-or-create: neither is new)"
		}
	}
	saw201 := w.saw201[rec.op]
	if r.Status == http.StatusCreated {
		w.saw201[rec.op] = true
	}
	w.mu.Unlock()
	if saw201 && r.Status == http.StatusOK {
		return "200 where it answered 201 to a create before (an object that existed)"
	}
	if at, raw, ok := createdAt(r.Body); ok && at.Before(w.began.Add(-clockSkew)) && !bytes.Contains(o.Sent, []byte(raw)) {
		// (A time the create sent itself, echoed, says nothing.)
		return fmt.Sprintf("an object created at %s, before the scan", at.Format(time.RFC3339))
	}
	mark := []byte(o.Marker)
	if !bytes.Contains(o.Sent, mark) {
		return ""
	}
	if bytes.Contains(r.Body, mark) {
		rec.proven = true
		return ""
	}
	if get, ok := o.Kind.Item(http.MethodGet); ok {
		for _, id := range []*Identity{o.Owner, w.s.admin} {
			if id == nil {
				continue
			}
			t, req := w.itemRequest(o, get, id, nil)
			back := t.Do(ctx, req)
			if !back.OK() || Refusal(back) != "" {
				continue
			}
			if !bytes.Contains(back.Body, mark) {
				return fmt.Sprintf("the id of an object that does not carry the scan's marker (GET %s as %s shows it without)", get.Op.Path, identityName(id))
			}
			rec.readers = append(rec.readers, id)
			rec.proven = true
			return ""
		}
	}
	switch _, found, readable := w.listed(ctx, o); {
	case found:
		rec.proven = true
		return ""
	case readable:
		return fmt.Sprintf("an id whose object the owner's list (GET %s) does not show carrying the scan's marker", o.Kind.Create.Path)
	}
	// Nothing could read it: it may be the scan's (an admin-only read) or
	// not (an asynchronous job's id that is also another object's).
	rec.unproven = true
	return ""
}

// createdAt is the creation time a record (at the top, or in one wrapper)
// states, in RFC 3339, and as written.
func createdAt(body []byte) (time.Time, string, bool) {
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) != nil {
		return time.Time{}, "", false
	}
	objs := []map[string]json.RawMessage{obj}
	for _, k := range []string{"data", "result", "item", "object", "resource", "record"} {
		var inner map[string]json.RawMessage
		if raw, ok := obj[k]; ok && json.Unmarshal(raw, &inner) == nil {
			objs = append(objs, inner)
		}
	}
	for _, o := range objs {
		for _, k := range createdKeys {
			var v string
			if raw, ok := o[k]; ok && json.Unmarshal(raw, &v) == nil {
				if at, err := time.Parse(time.RFC3339, v); err == nil {
					return at, v, true
				}
			}
		}
	}
	return time.Time{}, "", false
}

// post sends t (a create) as as with body, under the path values vals.
func (w *Writes) post(ctx context.Context, t *Target, vals map[string]string, as *Identity, body []byte) *Response {
	v := t.Values()
	for name, val := range vals {
		v["path:"+name] = val
	}
	req := t.Request(as, v)
	req.Body, req.ContentType = body, "application/json"
	return t.Do(ctx, req)
}

// listed is what the owner's read of o's collection (GET on the create's
// path) says of o, found by its marker: the id of the one record carrying
// it (found), whether the list could be read at all (readable), and the
// answer. It finds the id of a create answered without one (201 with an
// empty body), proves an object the scan's own where the item has no GET,
// and confirms its deletion there. Only for an object whose create body
// carried its marker: another record is never taken for it.
func (w *Writes) listed(ctx context.Context, o *Object) (id string, found, readable bool) {
	if o.Marker == "" || !bytes.Contains(o.Sent, []byte(o.Marker)) {
		return "", false, false
	}
	list := w.listOp(o.Kind)
	if list == nil {
		return "", false, false
	}
	t := w.s.target(list)
	v := t.Values()
	for name, val := range o.Parents {
		v["path:"+name] = val
	}
	var r *Response
	// The owner's list; an object created anonymously is in the
	// primary's (or the admin's).
	for _, as := range []*Identity{o.Owner, w.s.primary, w.s.admin} {
		if as == nil || (as != o.Owner && !o.Owner.IsAnonymous()) {
			continue
		}
		if r = t.Do(ctx, t.Request(as, v)); r.OK() {
			break
		}
	}
	if r == nil || !r.OK() {
		return "", false, false
	}
	var hits []json.RawMessage
	collect := func(body []byte) {
		for _, rec := range ListRecords(body) {
			if SoftDeleted(rec) {
				continue
			}
			// Its marker, or (once known) its id: an update by a rule
			// may have replaced the marker.
			if bytes.Contains(rec, []byte(o.Marker)) {
				hits = append(hits, rec)
			} else if rid, ok := objects.NewID(rec, "", idParam(o.Kind)); ok && o.ID != "" && rid == o.ID {
				hits = append(hits, rec)
			}
		}
	}
	complete := w.followPages(ctx, t, r, func(page *Response) bool {
		collect(page.Body)
		return len(hits) > 0
	})
	if len(hits) != 1 {
		// Absent from a list the scan could not read to its end proves
		// nothing.
		return "", false, len(hits) > 1 || complete
	}
	id, ok := objects.NewID(hits[0], "", idParam(o.Kind))
	return id, ok, true
}

// maxListPages bounds the pages of one list the engine reads looking for
// an object (the first included).
const maxListPages = 10

// followPages hands done first, a list's first page as the target
// answered it, then reads the pages after it, following their next links
// (see nextPage), until done says a page had what the caller looks for,
// the list ends, or maxListPages were read. It reports whether the list was read to its end
// (or done stopped it): false when a page could not be read, a next link
// leads elsewhere, or the bound was reached.
func (w *Writes) followPages(ctx context.Context, t *Target, first *Response, done func(*Response) bool) bool {
	list := t.Op
	seen := map[string]bool{first.Request.URL.String(): true}
	r := first
	for pages := 1; ; pages++ {
		if pages == 1 && done(r) {
			return true
		}
		next, last := nextPage(r, list)
		if next == nil {
			return last
		}
		if pages >= maxListPages || seen[next.String()] {
			return false
		}
		seen[next.String()] = true
		req := *first.Request
		req.URL, req.Header = next, first.Request.Header.Clone()
		if r = t.Do(ctx, &req); !r.OK() {
			return false
		}
		if done(r) {
			return true
		}
	}
}

// nextPage is the page after r's, a list answer: a Link header's
// rel="next", or a next link or cursor in the body ("next", "nextPage",
// "links.next", "_links.next.href", "@odata.nextLink", "meta.next_cursor",
// "nextPageToken"), on the same origin and route only. Without one, last
// says whether r is the list's last page: the body says so (a null next,
// hasMore false) or shows no sign of paging (see paged).
func nextPage(r *Response, list *openapi.Operation) (next *url.URL, last bool) {
	base := r.Request.URL
	if ref := linkNext(r.Header.Values("Link")); ref != "" {
		return sameList(base, ref)
	}
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	dec.UseNumber()
	var obj map[string]any
	if dec.Decode(&obj) != nil {
		return nil, !paged(r)
	}
	p := pageLinks(obj, 0)
	switch {
	case p.ref != "":
		return sameList(base, p.ref)
	case p.cursor != "":
		u := *base
		q := u.Query()
		q.Set(pageParam(list, p.numbered), p.cursor)
		u.RawQuery = q.Encode()
		return &u, false
	case p.end:
		return nil, true
	}
	return nil, !paged(r)
}

// pageInfo is what a list answer says of the next page.
type pageInfo struct {
	ref      string // a link (URL, path or query) to it
	cursor   string // a cursor (or page number) to ask for it with
	numbered bool   // cursor is a page number
	end      bool   // there is none: a null next, hasMore false
}

// nextKeys name where a list answer puts its next page (normKey form).
var nextKeys = map[string]bool{"next": true, "nextpage": true, "nexturl": true, "nextlink": true, "@odata.nextlink": true,
	"nextpageurl": true, "nexthref": true, "nextcursor": true, "nextpagetoken": true, "nexttoken": true,
	"continuationtoken": true, "nextpagecursor": true}

// pageWrappers hold paging details beside the records.
var pageWrappers = map[string]bool{"links": true, "_links": true, "meta": true, "pagination": true, "paging": true,
	"pageinfo": true, "responsemetadata": true, "page": true}

// pageLinks reads obj's paging keys, and those of its paging wrappers.
func pageLinks(obj map[string]any, depth int) pageInfo {
	var p pageInfo
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		nk := normKey(k)
		switch v := obj[k].(type) {
		case string:
			if !nextKeys[nk] {
				continue
			}
			switch {
			case v == "":
				p.end = true
			case strings.HasPrefix(v, "/") || strings.HasPrefix(v, "?") || strings.HasPrefix(v, "http://") || strings.HasPrefix(v, "https://"):
				return pageInfo{ref: v}
			case len(v) <= 512:
				return pageInfo{cursor: v}
			}
		case json.Number:
			if nextKeys[nk] {
				return pageInfo{cursor: v.String(), numbered: true}
			}
		case nil:
			if nextKeys[nk] {
				p.end = true
			}
		case bool:
			if (nk == "hasmore" || nk == "hasnext" || nk == "hasnextpage" || nk == "more") && !v {
				p.end = true
			}
		case map[string]any:
			if href, ok := v["href"].(string); ok && nextKeys[nk] && href != "" {
				return pageInfo{ref: href}
			}
			if depth == 0 && pageWrappers[nk] {
				inner := pageLinks(v, depth+1)
				if inner.ref != "" || inner.cursor != "" {
					return inner
				}
				p.end = p.end || inner.end
			}
		}
	}
	return p
}

// linkNext is the target of the rel="next" link of Link headers, "" when
// there is none.
func linkNext(values []string) string {
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			ref, params, ok := strings.Cut(strings.TrimSpace(part), ";")
			ref = strings.TrimSpace(ref)
			if !ok || !strings.HasPrefix(ref, "<") || !strings.HasSuffix(ref, ">") {
				continue
			}
			for _, param := range strings.Split(params, ";") {
				name, val, _ := strings.Cut(strings.TrimSpace(param), "=")
				if strings.EqualFold(strings.TrimSpace(name), "rel") && slices.Contains(strings.Fields(strings.ToLower(strings.Trim(val, `" `))), "next") {
					return ref[1 : len(ref)-1]
				}
			}
		}
	}
	return ""
}

// sameList resolves ref against base, the page read, and takes it only on
// the same origin and route: a next page is more of the same list, and the
// scan never follows a link anywhere else.
func sameList(base *url.URL, ref string) (*url.URL, bool) {
	u, err := url.Parse(ref)
	if err != nil {
		return nil, false
	}
	u = base.ResolveReference(u)
	if origin(u) != origin(base) || strings.TrimSuffix(u.Path, "/") != strings.TrimSuffix(base.Path, "/") || u.User != nil {
		return nil, false
	}
	u.Fragment = ""
	return u, false
}

// cursorParams name a list's query parameter that takes a cursor, and
// pageParams one that takes a page number (normKey form).
var (
	cursorParams = []string{"cursor", "after", "pagetoken", "nexttoken", "continuationtoken", "startingafter", "startcursor", "next", "pagecursor"}
	pageParams   = []string{"page", "pagenumber", "pageno", "pagenum", "p"}
)

// pageParam is the query parameter list takes a cursor (numbered: a page
// number) in: the one it declares, else "cursor" ("page").
func pageParam(list *openapi.Operation, numbered bool) string {
	names, fallback := cursorParams, "cursor"
	if numbered {
		names, fallback = pageParams, "page"
	}
	for _, want := range names {
		for _, p := range list.Params {
			if p.In == "query" && normKey(p.Name) == want {
				return p.Name
			}
		}
	}
	return fallback
}

// pageKeys are the keys of a list answer that say it is one page of more.
var pageKeys = map[string]bool{"next": true, "nextpage": true, "cursor": true, "nextcursor": true, "hasmore": true,
	"page": true, "pages": true, "totalpages": true, "links": true, "_links": true, "meta": true, "pagination": true,
	"offset": true, "total": true, "count": true, "nexttoken": true, "continuationtoken": true}

// paged reports whether a list answer may be one page of several: a Link
// header with rel="next", or paging keys beside the records.
func paged(r *Response) bool {
	if strings.Contains(strings.ToLower(r.Header.Get("Link")), `rel="next"`) {
		return true
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(r.Body, &obj) != nil {
		return false
	}
	for k := range obj {
		if pageKeys[normKey(k)] {
			return true
		}
	}
	return false
}

// listIDs are the ids of the records the owner's list of o's collection
// shows now (nil when it cannot be read): taken before a create whose body
// carries no marker, they tell an idempotent create's existing object
// (a membership keyed by the user's id) from a new one.
func (w *Writes) listIDs(ctx context.Context, o *Object) []string {
	list := w.listOp(o.Kind)
	if list == nil {
		return nil
	}
	t := w.s.target(list)
	v := t.Values()
	for name, val := range o.Parents {
		v["path:"+name] = val
	}
	r := t.Do(ctx, t.Request(o.Owner, v))
	if !r.OK() {
		return nil
	}
	var ids []string
	for _, rec := range ListRecords(r.Body) {
		if id, ok := objects.NewID(rec, "", idParam(o.Kind)); ok {
			ids = append(ids, id)
		}
	}
	return ids
}

// listOp is the GET on k's collection, nil when the description has none.
func (w *Writes) listOp(k objects.Lifecycle) *openapi.Operation {
	for i := range w.a.ops {
		if op := &w.a.ops[i]; op.Method == http.MethodGet && op.Path == k.Create.Path {
			return op
		}
	}
	return nil
}

// ListRecords are the records of a list answer: a JSON array, or the one
// array-valued property of an object ({"data": [...]}, {"items": [...]}).
// A null or scalar sibling ({"data": [...], "next": null}) is no second
// list; two array-valued properties are ambiguous and give nothing.
func ListRecords(body []byte) []json.RawMessage {
	var arr []json.RawMessage
	if json.Unmarshal(body, &arr) == nil {
		return arr
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) != nil {
		return nil
	}
	var only []json.RawMessage
	lists := 0
	for _, raw := range obj {
		var a []json.RawMessage
		if bytes.HasPrefix(bytes.TrimSpace(raw), []byte("[")) && json.Unmarshal(raw, &a) == nil {
			only, lists = a, lists+1
		}
	}
	if lists != 1 {
		return nil
	}
	return only
}

// idParam names the item path parameter the new id goes into (the GET's,
// else the first item operation's), for NewID to look for: noteId finds
// noteId, note_id and id in the answer.
func idParam(k objects.Lifecycle) string {
	if it, ok := k.Item(http.MethodGet); ok {
		return it.Param
	}
	if len(k.Items) > 0 {
		return k.Items[0].Param
	}
	return "id"
}

// preexisting says how the scan knows that id, a create's answer, names an
// object that existed before the scan: the collection's list showed it
// before the write rules ran, owns: declares it, or it is an identity's
// own principal id on a collection of people. "" when it knows no such
// thing (the usual case: a new object).
func (w *Writes) preexisting(k objects.Lifecycle, id string) string {
	param := normKey(idParam(k))
	people := principalSegment.MatchString(strings.Trim(k.Collection[strings.LastIndex(k.Collection, "/")+1:], "/"))
	for _, o := range w.s.owned {
		if o.value != id {
			continue
		}
		switch {
		case o.kind == kindSeen && o.path == k.Create.Path:
			return o.how
		case o.kind == kindDeclared && (o.key == param || o.key == "id"):
			return "owns: in the config declares it"
		case o.kind == kindID && people:
			return "it is " + identityName(o.owner) + "'s own id"
		}
	}
	return ""
}

// itemPath is o's own path for the report ("/api/notes/17"): the item GET's
// route (else any item route, else the collection) with o's values.
func itemPath(k objects.Lifecycle, o *Object) string {
	route := k.Collection + "/{id}" + formatSuffix(k.Create.Path)
	if it, ok := k.Item(http.MethodGet); ok {
		route = it.Op.Path
	} else if len(k.Items) > 0 {
		route = k.Items[0].Op.Path
	}
	vals := append(parentList(o), o.ID)
	var b strings.Builder
	i := 0
	for _, s := range routeSegments(route) {
		b.WriteString("/")
		if _, ok := paramOf(s); ok && i < len(vals) {
			// The path as sent: Rails' {id}.json keeps its suffix.
			b.WriteString(url.PathEscape(vals[i]) + formatSuffix(s))
			i++
			continue
		}
		b.WriteString(s)
	}
	if strings.HasSuffix(route, "/") {
		b.WriteString("/") // Django's trailing slash, as sent
	}
	return b.String()
}

// formatSuffix is the .json or .xml a route (or its last segment) ends
// with, "" when none.
func formatSuffix(route string) string {
	for _, suffix := range []string{".json", ".xml"} {
		if strings.HasSuffix(route, suffix) {
			return suffix
		}
	}
	return ""
}

// createBody is the create's body: Options.Bodies' entry, else one built
// from the schema whose unique-looking strings carry marker, with extra
// merged in at the top.
func (w *Writes) createBody(k objects.Lifecycle, marker string, extra map[string]json.RawMessage) ([]byte, error) {
	body, ok := w.s.opts.Bodies[k.Create.Method+" "+k.Create.Path]
	if !ok {
		var err error
		if body, err = objects.Body(k.Create.Body, strings.TrimPrefix(marker, "authgate-")); err != nil {
			return nil, err
		}
		body = reserveAddresses(addMarked(dropIDs(body, k), k.Create.Body, marker), marker)
	}
	if len(extra) == 0 {
		return body, nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil || obj == nil {
		return nil, errors.New("the body is not a JSON object, so extra properties cannot be added")
	}
	maps.Copy(obj, extra)
	return json.Marshal(obj) // sorted keys: the same body every run
}

// dropIDs removes from a generated create body the new object's own id
// under any spelling (id, Id, ID, _id, the item parameter's noteId, and
// the kind's own noteId / note_id / NoteID when the item parameter is
// {id}) and the properties the schema says the server sets (readOnly): a
// description's object-level example, copied from a database, carries
// them, and its id is that of an object that existed before the scan (an
// ORM's save() of an entity with an id updates that row).
func dropIDs(body []byte, k objects.Lifecycle) []byte {
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) != nil || obj == nil {
		return body
	}
	changed := false
	for name := range obj {
		p := (*openapi.Schema)(nil)
		if k.Create.Body != nil {
			p = k.Create.Body.Properties[name]
		}
		if ownIDName(name, k) || (p != nil && p.ReadOnly) {
			delete(obj, name)
			changed = true
		}
	}
	if !changed {
		return body
	}
	out, err := json.Marshal(obj)
	if err != nil {
		return body
	}
	return out
}

// ownIDName reports whether a body property called name holds the id of
// k's object itself: id or _id in any case, the item parameter's name, or
// the kind's name followed by id (noteId, note_id, NoteID for /notes).
func ownIDName(name string, k objects.Lifecycle) bool {
	n := normKey(name)
	if n == "id" || n == normKey(idParam(k)) {
		return true
	}
	m := refKey.FindStringSubmatch(name)
	return m != nil && namesKind(k, m[1])
}

// reservedHost matches the hosts no mail or request can reach anyone at
// (RFC 2606, RFC 6761): the only ones a generated body may name.
var reservedHost = lazyre.New(`(?i)(^|\.)(example\.(com|net|org)|example|invalid|test|localhost)$`)

// emailInText finds email addresses inside a longer string.
var emailInText = lazyre.New(`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`)

// phoneShape is a phone number as descriptions write examples: a + and
// at least 7 digits ("+1 415 867 5309"), or a (415) area code; dates and
// ids, which have neither, are left alone.
var phoneShape = lazyre.New(`\+\d[\d\s().-]{6,}\d|\(\d{3}\)\s?\d{3}[\s.-]?\d{4}`)

// fictionalPhone is a number reserved for fiction (NANP 555-0100 to
// 555-0199): no text or call reaches anyone.
const fictionalPhone = "+1 202 555 0100"

// emailShape is a string that is an email address.
var emailShape = lazyre.New(`^[^@\s]+@([^@\s]+\.[^@\s]+)$`)

// reserveAddresses replaces, in a generated body, every email address and
// http(s) URL outside the reserved domains with one in example.invalid:
// a description's example ("to": "jane.doe@acme-corp.com", a webhook's
// "https://hooks.acme-corp.com/deploy") would have the target mail or
// call someone else the moment the object is created.
func reserveAddresses(body []byte, marker string) []byte {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return body
	}
	changed := false
	var walk func(v any) any
	walk = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				x[k] = walk(e)
			}
		case []any:
			for i, e := range x {
				x[i] = walk(e)
			}
		case string:
			if m := emailShape.FindStringSubmatch(x); m != nil && !reservedHost.MatchString(m[1]) {
				changed = true
				return marker + "@example.invalid"
			}
			// Addresses inside a string ("Jane <jane@acme.com>", a list),
			// and phone numbers, which an SMS invitation would text.
			y := emailInText.ReplaceAllStringFunc(x, func(e string) string {
				if m := emailShape.FindStringSubmatch(e); m != nil && reservedHost.MatchString(m[1]) {
					return e
				}
				return marker + "@example.invalid"
			})
			y = phoneShape.ReplaceAllString(y, fictionalPhone)
			if y != x {
				changed = true
				return y
			}
			if u, err := url.Parse(x); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Hostname() != "" && !reservedHost.MatchString(u.Hostname()) {
				changed = true
				return "https://example.invalid/" + marker
			}
		}
		return v
	}
	v = walk(v)
	if !changed {
		return body
	}
	out, err := json.Marshal(v)
	if err != nil {
		return body
	}
	return out
}

// Read is a fresh (never cached) GET of o's item as `as`; nil when o's kind
// has no item GET.
func (w *Writes) Read(ctx context.Context, o *Object, as *Identity) *Response {
	return w.read(ctx, o, as)
}

// read is Read. An answer that shows the object makes `as` one of its
// readers.
func (w *Writes) read(ctx context.Context, o *Object, as *Identity) *Response {
	it, ok := o.Kind.Item(http.MethodGet)
	if !ok {
		return nil
	}
	t, req := w.itemRequest(o, it, as, nil)
	r := t.Do(ctx, req)
	if r.OK() && !SoftDeleted(r.Body) && Refusal(r) == "" {
		if rec := w.recordOf(o); rec != nil {
			w.mu.Lock()
			if !slices.Contains(rec.readers, as) {
				rec.readers = append(rec.readers, as)
			}
			w.mu.Unlock()
		}
	}
	return r
}

// reader is the identity whose read confirms o's deletion: its owner when
// the owner has read it, else the first identity that has (the primary,
// say, for an object created anonymously), else the owner (or the primary
// when the owner is anonymous) for want of a better one.
func (w *Writes) reader(o *Object) *Identity {
	if rec := w.recordOf(o); rec != nil {
		w.mu.Lock()
		defer w.mu.Unlock()
		if slices.Contains(rec.readers, o.Owner) {
			return o.Owner
		}
		if len(rec.readers) > 0 {
			return rec.readers[0]
		}
	}
	if o.Owner.IsAnonymous() && w.s.primary != nil {
		return w.s.primary
	}
	return o.Owner
}

// Send sends method (PUT, PATCH, DELETE) on o's item as `as` with body (nil
// for DELETE). It refuses (returns a Response with Err set, nothing sent)
// any object this scan did not create, and a method o's kind has no
// operation for.
func (w *Writes) Send(ctx context.Context, o *Object, method string, as *Identity, body []byte) *Response {
	method = strings.ToUpper(method)
	rec := w.recordOf(o)
	if rec == nil {
		return &Response{Request: &Request{Method: method, URL: &url.URL{}, Identity: as}, Err: errNotCreated}
	}
	it, ok := o.Kind.Item(method)
	if !ok {
		return &Response{Request: &Request{Method: method, URL: &url.URL{Path: rec.item}, Identity: as},
			Err: fmt.Errorf("not sent: %s has no %s operation on its items", o.Kind.Collection, method)}
	}
	t, req := w.itemRequest(o, it, as, body)
	r := t.Do(ctx, req)
	if method == http.MethodDelete && r.OK() {
		rec.deleteSent.Store(true)
	}
	return r
}

// itemRequest builds it's request on o as as, with body as JSON.
func (w *Writes) itemRequest(o *Object, it objects.Item, as *Identity, body []byte) (*Target, *Request) {
	t := w.a.Target(it.Op.Method, it.Op.Path)
	v := t.Values()
	maps.Copy(v, itemValues(it, parentList(o), o.ID))
	req := t.Request(as, v)
	if body != nil {
		req.Body, req.ContentType = body, "application/json"
	}
	return t, req
}

// itemValues puts parents, then id, into it's path parameters by position:
// an item route may name the parents differently from the create's.
func itemValues(it objects.Item, parents []string, id string) map[string]string {
	v := map[string]string{}
	names := routeParams(it.Op.Path)
	for i, name := range names {
		switch {
		case name == it.Param:
			v["path:"+name] = id
		case i < len(parents):
			v["path:"+name] = parents[i]
		}
	}
	return v
}

// recordOf is o's record, nil for an object this scan did not create.
func (w *Writes) recordOf(o *Object) *record {
	if o == nil {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if rec := w.byObj[o]; rec != nil && !rec.foreign.Load() {
		return rec
	}
	return nil
}

// Gone reports whether o no longer exists for its owner: the read-back
// answers 404 or 410, or shows the object soft-deleted (deleted or
// isDeleted true, deletedAt set). The read is the owner's when the owner
// has read o before, else that of an identity that has (an object created
// anonymously is read by the primary). Without an item GET it cannot
// tell: false.
func (w *Writes) Gone(ctx context.Context, o *Object) (bool, *Response) {
	r := w.Read(ctx, o, w.reader(o))
	return goneAnswer(r), r
}

// goneAnswer reports whether r, a read of an object, says it is gone.
func goneAnswer(r *Response) bool {
	if r == nil || r.Err != nil {
		return false
	}
	if r.Status == http.StatusNotFound || r.Status == http.StatusGone {
		return true
	}
	return r.OK() && SoftDeleted(r.Body)
}

// SoftDeleted reports whether a record (at the top, or in one wrapper such
// as {"data": {...}}) says it was deleted: deleted/isDeleted/is_deleted
// (or discarded, trashed) true, deletedAt/deleted_at/discarded_at set, or
// status "deleted". APIs that keep deleted rows answer the read with them.
func SoftDeleted(body []byte) bool {
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) != nil {
		return false
	}
	if softDeletedRecord(obj) {
		return true
	}
	for _, k := range []string{"data", "result", "item", "object", "resource", "record"} {
		var inner map[string]json.RawMessage
		if raw, ok := obj[k]; ok && json.Unmarshal(raw, &inner) == nil && softDeletedRecord(inner) {
			return true
		}
	}
	return false
}

func softDeletedRecord(obj map[string]json.RawMessage) bool {
	for k, raw := range obj {
		v := strings.TrimSpace(string(raw))
		switch strings.ToLower(strings.ReplaceAll(k, "_", "")) {
		// Rails' discard gem keeps rows as discarded_at, trash bins as
		// trashed. Archived is not here: an archived object is still
		// there, shown and restorable, so not gone.
		case "deleted", "isdeleted", "removed", "isremoved", "discarded", "isdiscarded", "trashed", "istrashed":
			if v == "true" {
				return true
			}
		case "deletedat", "deletedon", "removedat", "discardedat", "discardedon", "trashedat":
			if v != "null" && v != `""` && v != "0" && v != "false" {
				return true
			}
		case "status", "state":
			if slices.ContainsFunc([]string{`"deleted"`, `"discarded"`, `"trashed"`, `"trash"`}, func(s string) bool { return strings.EqualFold(v, s) }) {
				return true
			}
		}
	}
	return false
}

// UpdateBody is a body for method (PUT or PATCH) on o whose string fields
// carry marker, so a read-back shows whether the write stuck; ok false when
// there is no field to mark. It is the item operation's Options.Bodies
// entry, else built from its schema, else (no schema, or nothing in it to
// mark) o's create body with o's marker replaced.
func (w *Writes) UpdateBody(o *Object, method, marker string) ([]byte, bool) {
	it, ok := o.Kind.Item(strings.ToUpper(method))
	if !ok {
		return nil, false
	}
	mark := []byte(marker)
	if override, ok := w.s.opts.Bodies[it.Op.Method+" "+it.Op.Path]; ok {
		body := markStrings(override, marker)
		return body, bytes.Contains(body, mark)
	}
	if it.Op.Body != nil {
		if b, err := objects.Body(it.Op.Body, strings.TrimPrefix(marker, "authgate-")); err == nil {
			if b = addMarked(reserveAddresses(dropIDs(b, o.Kind), marker), it.Op.Body, marker); bytes.Contains(b, mark) {
				return b, true
			}
		}
	}
	// The update's schema gave nothing to mark (optional fields inside a
	// wrapper, as Rails' {"note": {...}}): the create's body, re-marked.
	body := addMarked(o.Sent, o.Kind.Create.Body, marker)
	if o.Marker != "" && bytes.Contains(o.Sent, []byte(o.Marker)) {
		body = bytes.ReplaceAll(o.Sent, []byte(o.Marker), mark)
	}
	return body, bytes.Contains(body, mark)
}

// addMarked adds marker to the first plain string property of s (by name)
// when body, a JSON object, does not carry it yet: PATCH schemas often
// require nothing, so the generated body is empty.
func addMarked(body []byte, s *openapi.Schema, marker string) []byte {
	if bytes.Contains(body, []byte(marker)) || s == nil {
		return body
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) != nil || obj == nil {
		return body
	}
	names := slices.Sorted(maps.Keys(s.Properties))
	slices.SortStableFunc(names, func(a, b string) int { return markRank(a) - markRank(b) })
	for _, name := range names {
		p := s.Properties[name]
		if p == nil || p.ReadOnly || p.Type != "string" || len(p.Enum) > 0 || p.Format != "" || p.Pattern != "" ||
			(p.MaxLength != nil && *p.MaxLength < len(marker)) {
			continue
		}
		obj[name], _ = json.Marshal(marker)
		out, _ := json.Marshal(obj)
		return out
	}
	return body
}

// markFields are the properties an API most surely stores as given, most
// likely first: the one marked is the one a read-back shows.
var markFields = []string{"title", "name", "subject", "label", "summary", "description", "text", "content", "body", "note", "comment", "message"}

// markRank orders property names for addMarked: markFields first, in their
// order, then the rest.
func markRank(name string) int {
	if i := slices.Index(markFields, strings.ToLower(name)); i >= 0 {
		return i
	}
	return len(markFields)
}

// markStrings sets every top-level string of a JSON object to marker (a
// configured body carries no marker of its own).
func markStrings(body []byte, marker string) []byte {
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) != nil || obj == nil {
		return body
	}
	m, _ := json.Marshal(marker)
	for k, v := range obj {
		var s string
		if json.Unmarshal(v, &s) == nil {
			obj[k] = m
		}
	}
	out, _ := json.Marshal(obj)
	return out
}

// SendMissing sends item operation it as `as` on an id that cannot exist
// (derived from the scan's seed), with body: the non-destructive probe for
// writes whose object the scan cannot create. Parent values come from
// parent (nil: Options.PathValues, else the operation's defaults).
func (w *Writes) SendMissing(ctx context.Context, it objects.Item, parent *Object, as *Identity, body []byte) *Response {
	t := w.a.Target(it.Op.Method, it.Op.Path)
	v := t.Values()
	if parent != nil && w.recordOf(parent) != nil {
		vals, _ := w.valuesUnder(it.Op.Path, parent)
		for name, val := range vals {
			v["path:"+name] = val
		}
	} else {
		for _, name := range routeParams(it.Op.Path) {
			if val, ok := w.s.opts.PathValues[name]; ok {
				v["path:"+name] = val
			}
		}
	}
	v["path:"+it.Param] = w.missingID(it)
	req := t.Request(as, v)
	if body != nil {
		req.Body, req.ContentType = body, "application/json"
	}
	if it.Op.Method == http.MethodDelete {
		return t.Do(ctx, req)
	}
	// A write may make the object (an upsert): the probe, its read and
	// the object's clean-up come out of what it holds.
	const cost = 2 + cleanupCost
	if !w.s.client.hold(cost) {
		return &Response{Request: req, Err: fmt.Errorf("%w: what is left of it could not also delete what the probe may make", ErrBudget)}
	}
	kept := 0
	defer func() { w.s.client.unhold(cost - kept) }()
	ctx = spendReserve(ctx)
	r := t.Do(ctx, req)
	if r.OK() && w.probed(ctx, it, v, as, body) {
		kept = cleanupCost
	}
	return r
}

// probed records the object a probe may have made: a PUT on an id that
// cannot exist creates it on an upsert route (a key-value store's PUT
// /settings/{key}). The id is the scan's own, so whatever is there is the
// scan's, and the clean-up deletes it. Nothing is recorded when a read
// of the id shows nothing there, or when it is recorded already. It
// reports whether it recorded one; the record holds cleanupCost of the
// budget, which the caller held.
func (w *Writes) probed(ctx context.Context, it objects.Item, v map[string]string, as *Identity, body []byte) bool {
	k := w.kindOf(it)
	o := &Object{Kind: k, Owner: as, ID: v["path:"+it.Param], Parents: map[string]string{}, Sent: body}
	names := routeParams(it.Op.Path)
	for i, p := range k.Parents {
		if i < len(names) {
			o.Parents[p] = v["path:"+names[i]]
		}
	}
	rec := &record{o: o, op: it.Op.Method + " " + it.Op.Path, item: itemPath(k, o), held: cleanupCost}
	w.mu.Lock()
	dup := slices.ContainsFunc(w.records, func(old *record) bool { return old.item == rec.item && old.o != nil && old.o.ID == o.ID })
	w.mu.Unlock()
	if dup {
		return false
	}
	if get, ok := k.Item(http.MethodGet); ok {
		t, req := w.itemRequest(o, get, as, nil)
		if back := t.Do(ctx, req); back.Err == nil && (back.Status == http.StatusNotFound || back.Status == http.StatusGone) {
			return false // nothing there: the write made nothing
		}
	}
	w.add(rec)
	return true
}

// kindOf is the kind whose items it acts on: the description's, else one
// made of the operations on it's route (an item write without a create).
func (w *Writes) kindOf(it objects.Item) objects.Lifecycle {
	for _, l := range objects.Lifecycles(w.a.ops) {
		for _, i := range l.Items {
			if i.Op.Path == it.Op.Path {
				return l
			}
		}
	}
	segs := routeSegments(it.Op.Path)
	k := objects.Lifecycle{Collection: "/" + strings.Join(segs[:max(len(segs)-1, 0)], "/")}
	names := routeParams(it.Op.Path)
	k.Parents = names[:max(len(names)-1, 0)]
	for _, op := range w.a.ops {
		if op.Path == it.Op.Path {
			k.Items = append(k.Items, objects.Item{Op: op, Param: it.Param})
		}
	}
	k.Create = openapi.Operation{Method: http.MethodPost, Path: k.Collection}
	return k
}

// missingID is an id of it's parameter type that no object has: a UUID, a
// large number, or a marked string, all derived from the scan's seed.
func (w *Writes) missingID(it objects.Item) string {
	h := sha256.Sum256([]byte("authgate-missing:" + w.seed))
	for _, p := range it.Op.Params {
		if p.In != "path" || p.Name != it.Param {
			continue
		}
		switch {
		case p.Format == "uuid":
			h[6] = h[6]&0x0f | 0x40
			h[8] = h[8]&0x3f | 0x80
			return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
		case p.Type == "integer" || p.Type == "number":
			// Within int32, beyond any real table's ids.
			n := 2_000_000_000 + (uint32(h[0])<<16|uint32(h[1])<<8|uint32(h[2]))%100_000_000
			return strconv.FormatUint(uint64(n), 10)
		}
	}
	return "authgate-" + w.seed + "-missing"
}

// Each runs fn for every kind on a bounded pool (the scan's concurrency)
// and returns the findings in kind order, so output does not depend on
// which worker finished first. Kinds not started when the context ends or
// the budget runs out are left out.
func (w *Writes) Each(ctx context.Context, kinds []objects.Lifecycle, fn func(objects.Lifecycle) []finding.Finding) []finding.Finding {
	per := make([][]finding.Finding, len(kinds))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(max(w.s.opts.Client.Concurrency, 1), max(len(kinds), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				per[i] = fn(kinds[i])
			}
		}()
	}
	for i := range kinds {
		if ctx.Err() != nil || w.s.client.exhausted() {
			break
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	var out []finding.Finding
	for _, fs := range per {
		out = append(out, fs...)
	}
	return out
}

// routeSegments splits a route template into its non-empty segments.
func routeSegments(route string) []string {
	var out []string
	for _, s := range strings.Split(route, "/") {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// paramOf is the name of a whole-segment path parameter ({id} or :id).
func paramOf(seg string) (string, bool) {
	seg = strings.TrimSuffix(strings.TrimSuffix(seg, ".json"), ".xml")
	if len(seg) > 2 && seg[0] == '{' && seg[len(seg)-1] == '}' {
		return seg[1 : len(seg)-1], true
	}
	if len(seg) > 1 && seg[0] == ':' {
		return seg[1:], true
	}
	return "", false
}

func isParamSegment(seg string) bool {
	_, ok := paramOf(seg)
	return ok
}

// routeParams lists route's path parameters in order.
func routeParams(route string) []string {
	var out []string
	for _, s := range routeSegments(route) {
		if name, ok := paramOf(s); ok {
			out = append(out, name)
		}
	}
	return out
}

// sameShape reports whether two routes have the same literals (case
// aside) and parameters at the same positions.
func sameShape(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		pa, pb := isParamSegment(a[i]), isParamSegment(b[i])
		if pa != pb || (!pa && !strings.EqualFold(strings.TrimSuffix(a[i], ".json"), strings.TrimSuffix(b[i], ".json"))) {
			return false
		}
	}
	return true
}

// maxLearnedBody bounds the part of a 400 searched for missing fields: an
// error message is short; a page that long is not one.
const maxLearnedBody = 8 << 10

// maxLearnedFields bounds the fields one retry adds: a description that
// misses more than this is too thin for a generated body (Options.Bodies).
const maxLearnedFields = 8

// missingFieldPatterns find a missing field's name in an error message, as
// the common frameworks write it: Joi ("\"title\" is required"), serde
// ("missing field `title`"), Mongoose ("Path `title` is required."), Ajv
// ("must have required property 'title'"), and plain "title is required".
var missingFieldPatterns = []*lazyre.Regexp{
	lazyre.New(`(?i)missing (?:required )?(?:field|property|parameter|key|attribute)s?:? *[\x60'"]?([A-Za-z_][\w-]*)`),
	lazyre.New(`(?i)required (?:field|property|parameter|key|attribute)s?:? *[\x60'"]?([A-Za-z_][\w-]*)`),
	lazyre.New(`(?i)[\x60'"]([A-Za-z_][\w-]*)[\x60'"] +(?:is +(?:a +)?required|is +missing|must be (?:provided|present|specified)|cannot be (?:blank|empty|null))`),
	lazyre.New(`(?i)\b([A-Za-z_][\w-]*) +(?:is +required|is +missing|must be (?:provided|present|specified)|can(?:'t|not) be (?:blank|empty|null))`),
}

// notFieldNames are words the unquoted pattern catches that name no field
// ("this field is required", "authentication is required").
var notFieldNames = map[string]bool{
	"field": true, "value": true, "this": true, "it": true, "body": true, "property": true,
	"parameter": true, "which": true, "that": true, "authentication": true, "login": true,
	"token": true, "authorization": true, "input": true, "data": true, "request": true,
	"payload": true, "json": true, "and": true, "or": true, "is": true, "entity": true,
}

// requiredWords in a per-field message mean the field was missing rather
// than wrong.
var requiredWords = lazyre.New(`(?i)(required|missing|blank|empty|may not be null|must not be null|can't be null|cannot be null)`)

// missingFields names the top-level body fields a 400 or 422 says are
// missing, so the create is sent once more with them.
func missingFields(r *Response) []string {
	if r == nil || r.Err != nil || (r.Status != http.StatusBadRequest && r.Status != http.StatusUnprocessableEntity) {
		return nil
	}
	body := r.Body
	if len(body) > maxLearnedBody {
		body = body[:maxLearnedBody]
	}
	var names []string
	add := func(n string) {
		if n != "" && !notFieldNames[strings.ToLower(n)] && !slices.Contains(names, n) && len(names) < maxLearnedFields {
			names = append(names, n)
		}
	}
	text := body
	var v any
	if json.Unmarshal(body, &v) == nil {
		jsonMissing(v, add)
		// The messages as written, not JSON-escaped (Joi's "\"title\"").
		var b bytes.Buffer
		jsonStrings(v, &b)
		text = b.Bytes()
	}
	for _, re := range missingFieldPatterns {
		for _, m := range re.FindAllSubmatch(text, maxLearnedFields) {
			add(string(m[1]))
		}
	}
	return names
}

// jsonStrings writes every string in v, one a line.
func jsonStrings(v any, b *bytes.Buffer) {
	switch x := v.(type) {
	case string:
		b.WriteString(x)
		b.WriteByte('\n')
	case []any:
		for _, e := range x {
			jsonStrings(e, b)
		}
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(x)) {
			jsonStrings(x[k], b)
		}
	}
}

// jsonMissing finds missing fields in structured errors: FastAPI's
// {"detail": [{"loc": ["body", "title"], "type": "missing"}]}, Rails'
// {"errors": {"title": ["can't be blank"]}}, Django REST's {"title": ["This
// field is required."]}, express-validator's {"errors": [{"path": "title"}]}.
func jsonMissing(v any, add func(string)) {
	obj, ok := v.(map[string]any)
	if !ok {
		return
	}
	for _, key := range slices.Sorted(maps.Keys(obj)) {
		switch val := obj[key].(type) {
		case []any:
			for _, e := range val {
				if eo, ok := e.(map[string]any); ok {
					fieldOfError(eo, add)
				}
			}
			if key != "errors" && key != "detail" && requiredMessage(val) {
				add(key) // Django REST: the field's own list of messages
			}
		case map[string]any:
			if key == "errors" || key == "error" || key == "fields" {
				for _, f := range slices.Sorted(maps.Keys(val)) {
					if requiredMessage(val[f]) {
						add(f)
					}
				}
			}
		}
	}
}

// fieldOfError adds the field one structured error names, when it says
// the field is missing (or names no reason at all).
func fieldOfError(e map[string]any, add func(string)) {
	name := ""
	if loc, ok := e["loc"].([]any); ok && len(loc) > 0 {
		name, _ = loc[len(loc)-1].(string)
		if len(loc) > 2 {
			name = "" // nested: not a top-level field
		}
	}
	for _, k := range []string{"param", "path", "field", "property", "name"} {
		if s, ok := e[k].(string); ok && name == "" {
			name = s
		}
	}
	if name == "" || strings.ContainsAny(name, ".[]/ ") || name == "body" {
		return
	}
	msg := fmt.Sprint(e["type"], " ", e["msg"], " ", e["message"])
	if requiredWords.MatchString(msg) {
		add(name)
	}
}

// requiredMessage reports whether a field's messages (a string or a list
// of strings) say it is missing.
func requiredMessage(v any) bool {
	switch m := v.(type) {
	case string:
		return requiredWords.MatchString(m)
	case []any:
		for _, s := range m {
			if str, ok := s.(string); ok && requiredWords.MatchString(str) {
				return true
			}
		}
	}
	return false
}

// CompleteBody is body (a write's JSON object) with the top-level fields
// r, its 400 or 422, says are missing added as strings carrying marker, as
// the engine's creates learn them: an update refused for its body tested
// nothing. ok false when r names no field body lacks.
func CompleteBody(body []byte, r *Response, marker string) ([]byte, bool) {
	fields := missingFields(r)
	if len(fields) == 0 {
		return body, false
	}
	return addFields(body, fields, marker)
}

// addFields adds each of fields absent from body (a JSON object) as a
// string carrying marker; ok false when it added none.
func addFields(body []byte, fields []string, marker string) ([]byte, bool) {
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) != nil || obj == nil {
		return body, false
	}
	added := false
	for _, f := range fields {
		if _, ok := obj[f]; ok {
			continue
		}
		val := marker
		if strings.Contains(strings.ToLower(f), "mail") {
			val = marker + "@example.invalid" // RFC 2606: reaches no one
		}
		obj[f], _ = json.Marshal(val)
		added = true
	}
	if !added {
		return body, false
	}
	out, err := json.Marshal(obj)
	return out, err == nil
}

// cleanupTimeout bounds the clean-up of an interrupted scan: it runs on a
// context that is not cancelled with the scan's (the objects must go even
// after Ctrl-C or a CI timeout's first signal), but never for longer.
const cleanupTimeout = 60 * time.Second

// maxLeftShown bounds the item paths a warning lists; the report's
// coverage has them all.
const maxLeftShown = 10

// cleanup deletes every object the scan created, children before parents
// (the reverse of creation order), with the owner's credentials, then the
// parent's owner's, then the admin's, and confirms each deletion with the
// owner's read-back. It spends the part of the request budget each create
// held for it (see cleanupCost; the rules could not spend it), never more
// than the budget, and goes past an interrupted scan's context (see
// cleanupTimeout). It returns what was created and whether it is
// gone, and a warning naming what is left; nil when nothing was created.
func (w *Writes) cleanup(ctx context.Context) (*finding.WriteCoverage, []string) {
	w.handOverAccounts()
	w.mu.Lock()
	recs := slices.Clone(w.records)
	w.mu.Unlock()
	if len(recs) == 0 {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	w.awaitPending(ctx, recs)
	created := make([]*finding.CreatedObject, len(recs))
	accounts := false
	for i := len(recs) - 1; i >= 0; i-- {
		rec := recs[i]
		// What was held for this object is its to spend now; what is
		// held for the others (and the accounts) stays theirs.
		w.s.client.unhold(rec.held)
		rec.held = 0
		switch {
		case rec.account != nil:
			created[i], accounts = rec.account, true
		case rec.foreign.Load():
			// Not the scan's: nothing to delete or report.
		case rec.pending:
			created[i] = w.settle(ctx, rec)
		case rec.unproven:
			created[i] = &finding.CreatedObject{Kind: "object", Operation: rec.op, Item: rec.item, Owner: identityName(rec.o.Owner),
				Reason: "the create answered this id, but no identity of the scan could read the object to see the scan's marker on it, so it was not deleted: it may be the scan's"}
		default:
			c := w.remove(ctx, rec)
			created[i] = &c
		}
	}
	cov := &finding.WriteCoverage{Created: []finding.CreatedObject{}}
	for _, c := range created {
		if c != nil {
			cov.Created = append(cov.Created, *c)
		}
	}
	if len(cov.Created) == 0 {
		return nil, nil
	}
	var left []string
	for _, c := range cov.Created {
		if c.Deleted {
			continue
		}
		cov.Left++
		if len(left) < maxLeftShown {
			item := c.Item
			if item == "" {
				item = "an object of " + c.Operation
			}
			left = append(left, fmt.Sprintf("%s (%s)", item, c.Reason))
		}
	}
	if cov.Left == 0 {
		return cov, nil
	}
	more := ""
	if cov.Left > len(left) {
		more = fmt.Sprintf("; and %d more (see the report's coverage)", cov.Left-len(left))
	}
	what := "objects"
	if accounts {
		what = "objects and accounts"
	}
	warn := fmt.Sprintf("active mode left %d of the %d %s it created on the target; remove them by hand: %s%s",
		cov.Left, len(cov.Created), what, strings.Join(left, "; "), more)
	return cov, []string{w.s.redactor.Redact(warn)}
}

// pendingWait is how long after a create that got no answer the
// clean-up looks for its object, in multiples of the request timeout: the
// target may still be making it (a slow create the client gave up on).
const pendingWait = 3

// maxPendingWait bounds that wait.
const maxPendingWait = 30 * time.Second

// awaitPending waits, when a create got no answer, until the target has
// had pendingWait request timeouts to finish it, within maxPendingWait.
func (w *Writes) awaitPending(ctx context.Context, recs []*record) {
	var last time.Time
	for _, rec := range recs {
		if rec.pending && rec.sentAt.After(last) {
			last = rec.sentAt
		}
	}
	if last.IsZero() {
		return
	}
	timeout := w.s.opts.Client.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	wait := min(time.Until(last.Add(pendingWait*timeout)), maxPendingWait)
	if wait <= 0 {
		return
	}
	select {
	case <-ctx.Done():
	case <-time.After(wait):
	}
}

// settle looks for the object of a create that got no answer, by its
// marker in the owner's list of the collection: found,
// it is removed like any other; not in a list that was read, the create
// made none (nil: nothing to report); else it may be on the target,
// unaddressable, and the report says so.
func (w *Writes) settle(ctx context.Context, rec *record) *finding.CreatedObject {
	o := rec.o
	id, found, readable := w.listed(ctx, o)
	if found {
		o.ID = id
		rec.item = itemPath(o.Kind, o)
		c := w.remove(ctx, rec)
		return &c
	}
	if readable {
		return nil
	}
	why := "its body carried no marker to look for the object by"
	switch {
	case bytes.Contains(o.Sent, []byte(o.Marker)) && w.listOp(o.Kind) == nil:
		why = fmt.Sprintf("there is no GET %s to look for the object in", o.Kind.Create.Path)
	case bytes.Contains(o.Sent, []byte(o.Marker)):
		why = fmt.Sprintf("GET %s could not be read to look for the object", o.Kind.Create.Path)
	}
	return &finding.CreatedObject{Kind: "object", Operation: rec.op, Owner: identityName(o.Owner),
		Reason: fmt.Sprintf("the create got no answer (%v) and %s: it may have made one", o.Created.Err, why)}
}

// remove deletes rec's object and says how it went. The deletion is
// confirmed by the read of an identity that could read the object before
// (see reader and cleanupReader); when none can (no item GET, reads
// refused to everyone), a 2xx to the DELETE is taken at its word, and the
// reason says so.
func (w *Writes) remove(ctx context.Context, rec *record) finding.CreatedObject {
	o := rec.o
	c := finding.CreatedObject{Kind: "object", Operation: rec.op, Item: rec.item, Owner: identityName(o.Owner)}
	if o.ID == "" {
		c.Reason = "the create's answer named no id, so the scan cannot address it"
		return c
	}
	reader, gone, back := w.cleanupReader(ctx, rec)
	if gone {
		c.Deleted, c.Reason = true, fmt.Sprintf("deleted during the scan; %s's read-back answered %s", identityName(reader), describeAnswer(back))
		return c
	}
	if reader == nil && rec.deleteSent.Load() {
		if _, listed, readable := w.listed(ctx, o); readable && !listed {
			c.Deleted, c.Reason = true, fmt.Sprintf("deleted during the scan; the owner's list (GET %s) no longer shows it", o.Kind.Create.Path)
			return c
		} else if !readable {
			c.Deleted, c.Reason = true, "deleted during the scan; no identity of the scan reads it any more"
			return c
		}
	}
	del, ok := o.Kind.Item(http.MethodDelete)
	if !ok {
		c.Reason = w.noDelete(o.Kind)
		return c
	}
	var tried []string
	for _, id := range w.deleters(rec) {
		t, req := w.itemRequest(o, del, id, nil)
		r := t.Do(ctx, req)
		if r.Err != nil {
			tried = append(tried, fmt.Sprintf("DELETE as %s got no answer: %v", identityName(id), r.Err))
			continue
		}
		if !r.OK() && r.Status != http.StatusNotFound && r.Status != http.StatusGone {
			tried = append(tried, fmt.Sprintf("DELETE answered %s to %s", describeAnswer(r), identityName(id)))
			continue
		}
		if reader == nil {
			// No item read: the owner's list, which shows the object by
			// its marker, confirms; without one, a 2xx is taken at its
			// word.
			_, listed, readable := w.listed(ctx, o)
			switch {
			case readable && listed:
				tried = append(tried, fmt.Sprintf("still in the owner's list (GET %s) after DELETE as %s answered %d", o.Kind.Create.Path, identityName(id), r.Status))
			case readable:
				c.Deleted, c.Reason = true, fmt.Sprintf("deleted by %s; the owner's list (GET %s) no longer shows it", identityName(id), o.Kind.Create.Path)
				return c
			case r.OK():
				// Not confirmed: counted as possibly left.
				c.Reason = fmt.Sprintf("DELETE answered %d to %s, but nothing could confirm it: no identity of the scan could read the object, and no complete list shows it", r.Status, identityName(id))
				return c
			default:
				tried = append(tried, fmt.Sprintf("DELETE answered %d to %s", r.Status, identityName(id)))
			}
			continue
		}
		back := w.read(ctx, o, reader)
		if goneAnswer(back) {
			c.Deleted, c.Reason = true, fmt.Sprintf("deleted by %s; %s's read-back answered %s", identityName(id), identityName(reader), describeAnswer(back))
			return c
		}
		tried = append(tried, fmt.Sprintf("still readable by %s after DELETE as %s answered %d", identityName(reader), identityName(id), r.Status))
	}
	c.Reason = strings.Join(tried, "; ")
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		c.Reason = fmt.Sprintf("the clean-up ran out of its %s: %s", cleanupTimeout, c.Reason)
	}
	return c
}

// cleanupReader finds the identity whose read confirms the deletion of
// rec's object. A rule's earlier read decides who (see reader); its
// answer now may say the object is gone already (gone, with the answer).
// Without one, the deleters are asked in order, and the first that reads
// the object is it. nil when none reads it, or the kind has no item GET.
func (w *Writes) cleanupReader(ctx context.Context, rec *record) (reader *Identity, gone bool, back *Response) {
	o := rec.o
	if _, ok := o.Kind.Item(http.MethodGet); !ok {
		return nil, false, nil
	}
	w.mu.Lock()
	known := len(rec.readers) > 0
	w.mu.Unlock()
	var asked *Identity
	if known {
		reader = w.reader(o)
		back = w.read(ctx, o, reader)
		if !goneAnswer(back) || rec.deleteSent.Load() {
			return reader, goneAnswer(back), back
		}
		// Gone for its reader, yet no DELETE of it succeeded: a write
		// moved it away (a mass-assigned owner). It is still there for
		// someone; ask the others.
		asked = reader
	}
	for _, id := range w.deleters(rec) {
		if id == asked {
			continue
		}
		r := w.read(ctx, o, id)
		if !r.OK() || Refusal(r) != "" {
			continue
		}
		// A soft-deleted object is gone, for its owner as for the rules.
		return id, SoftDeleted(r.Body), r
	}
	return nil, false, nil
}

// deleters are the identities that may delete rec's object, in the order
// they are tried: its owner, the owner of its parent, the primary (for an
// object created anonymously), the admin.
func (w *Writes) deleters(rec *record) []*Identity {
	var out []*Identity
	for _, id := range append(append([]*Identity{rec.o.Owner}, rec.others...), w.s.primary, w.s.admin) {
		if id != nil && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// noDelete says why k's objects cannot be deleted: the description has no
// DELETE on its items, or --exclude (or the screening) left it out.
func (w *Writes) noDelete(k objects.Lifecycle) string {
	want := append(routeSegments(k.Collection), "{id}")
	for _, sk := range w.s.safety.skipped {
		if sk.Method == http.MethodDelete && sameShape(routeSegments(sk.Path), want) {
			return fmt.Sprintf("DELETE %s was not sent: %s", sk.Path, sk.Reason)
		}
	}
	return fmt.Sprintf("the API describes no DELETE on %s/{id}", k.Collection)
}

// maxNamesDepth bounds the walk of Names over a hostile answer.
const maxNamesDepth = 8

// principalKeys name the parts of a record that list people: an id under
// one of them is a person's, not the record's own.
var principalKeys = lazyre.New(`(?i)(member|user|owner|collaborator|shared|editor|viewer|participant|assignee|author|team|people|grant|acl|permission)`)

// Names reports whether body names identity id anywhere in it: the email
// or login name the scan learned it has (or a value owns: declares), as
// any string, or its principal id under an id key (userId, ownerId, the id
// of an entry in a members list). how says which, for evidence. An object
// that names another identity is shared with it by design, as far as the
// scan can tell: its writes by that identity are not an attack.
func (w *Writes) Names(id *Identity, body []byte) (how string, ok bool) {
	if id == nil || id.IsAnonymous() {
		return "", false
	}
	var facts []owned
	for _, o := range w.s.owned {
		if o.owner == id && (o.self() || o.kind == kindDeclared) && o.value != "" {
			facts = append(facts, o)
		}
	}
	if len(facts) == 0 {
		return "", false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return "", false
	}
	var walk func(v any, key, parent string, depth int)
	walk = func(v any, key, parent string, depth int) {
		if ok || depth > maxNamesDepth {
			return
		}
		switch x := v.(type) {
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(x)) {
				walk(x[k], k, key, depth+1)
			}
		case []any:
			for _, e := range x {
				walk(e, key, parent, depth+1)
			}
		default:
			val, isScalar := ScalarText(x)
			if !isScalar {
				return
			}
			for _, f := range facts {
				if strings.EqualFold(f.value, val) && namesPrincipal(f, key, parent, depth) {
					how, ok = fmt.Sprintf("%s %q", key, val), true
					return
				}
			}
		}
	}
	walk(v, "", "", 0)
	return how, ok
}

// namesPrincipal reports whether a value equal to fact, found under key
// (in parent, at depth), names fact's identity: an email or login name
// anywhere; an id under an id key other than the record's own "id", or as
// "id" of an entry in a list of people.
func namesPrincipal(f owned, key, parent string, depth int) bool {
	k := normKey(key)
	switch f.kind {
	case kindEmail, kindName:
		return true
	case kindDeclared:
		return k == f.key
	}
	switch {
	case k == "id":
		return depth > 2 && principalKeys.MatchString(parent)
	case strings.HasSuffix(k, "id") || selfIDKey.MatchString(k):
		return true
	}
	return principalKeys.MatchString(key)
}
