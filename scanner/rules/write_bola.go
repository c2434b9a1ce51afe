package rules

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

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/internal/lazyre"
	"github.com/authgate/authgate/scanner"
	"github.com/authgate/authgate/scanner/objects"
	"github.com/authgate/authgate/scanner/openapi"
)

// CrossUserWrite is bola-cross-user-write, in active mode only: the
// primary identity creates an object, and the peer (another user of the
// same role) updates it, deletes it, or, for a kind created under a parent
// (POST /projects/{projectId}/members), creates a child in the primary's
// parent. The owner's read-back decides, never a status: some APIs answer
// 200 and ignore a foreign write, or apply it to the caller's own object.
// A write that takes the object from its owner (the owner's read answers
// 404, the peer's shows the peer's marker) is proven too. A write refused
// for its body (400 naming missing fields) is sent again with them; one
// that proves nothing counts as tested only when it was refused as a
// foreign write (401, 403, 404) or the owner's own write works (a
// control). A proven write is tried once more on a fresh object before it
// is reported. An object the peer can read and that names the peer (a
// team member, a shared document), carries an organisation or team both
// identities' own records name, or lives under a parent the config names
// (not the owner's own user id) is shared by design as far as the scan
// can tell: at most low confidence, and the summary says so.
type CrossUserWrite struct{}

// Info implements scanner.APIRule.
func (CrossUserWrite) Info() finding.RuleInfo { return info(crossWriteRule) }

const crossWriteRule = "bola-cross-user-write"

// CheckAPI implements scanner.APIRule.
func (CrossUserWrite) CheckAPI(ctx context.Context, a *scanner.API) []finding.Finding {
	w := a.Writes()
	if w == nil {
		return nil // safe mode: the coverage says it runs only with --mode active
	}
	ids := a.Target(http.MethodGet, "/")
	if ids.Primary == nil || ids.Peer == nil {
		a.Skip(crossWriteRule, a.NoPeer("needs a second identity of the same role (--peer-auth or a peer in the config): the peer attacks the objects the primary creates"))
		return nil
	}
	j := &crossWrite{owner: ids.Primary, peer: ids.Peer, who: ids, failed: map[string]string{}, partial: map[string][]string{}, learned: map[string]*scanner.Response{}}
	j.init(a, w)
	var kinds []objects.Lifecycle
	for _, k := range w.Kinds() {
		if _, nested := w.Parent(k); nested || j.attackable(k) {
			kinds = append(kinds, k)
		}
	}
	if len(kinds) == 0 {
		// CrossUserPassword answers for the password routes (f3).
		if un := slices.DeleteFunc(unaddressedWrites(a), func(op string) bool { return slices.Contains(passwordRouteOps(a), op) }); len(un) > 0 {
			a.Skip(crossWriteRule, unaddressedNote(un)) // writes exist, addressed by no id
			return nil
		}
		a.NotApplicable(crossWriteRule, "no object the scan can create has a PUT, PATCH or DELETE on its items that a read-back can prove, or is created under another object")
		return nil
	}
	fs := w.Each(ctx, kinds, func(k objects.Lifecycle) []finding.Finding { return j.kind(ctx, k) })
	if why := j.untested(kinds); why != "" {
		a.Skip(crossWriteRule, why)
	}
	return fs
}

// crossWrite is one run of CrossUserWrite.
type crossWrite struct {
	writeJob
	owner, peer *scanner.Identity
	who         *scanner.Target // names identities in summaries

	mu sync.Mutex
	// failed says, per kind's create route, why the kind was not tested.
	failed map[string]string
	// partial says, per kind's create route, what was not tested of a
	// kind that was ("PUT /api/notes/{id} not tested: …").
	partial map[string][]string
	// learned holds, per "METHOD /route", the 400 or 422 that named
	// fields an update needs: later bodies carry them from the start.
	learned map[string]*scanner.Response

	groupsOnce sync.Once
	// groups maps the groups both identities' own records name (an
	// organisation's id) to how the scan knows, for summaries.
	groups map[string]string
}

// attackable reports whether k has an item write whose effect a read-back
// can prove.
func (j *crossWrite) attackable(k objects.Lifecycle) bool {
	return len(j.methods(k)) > 0
}

// methods lists k's item writes whose effect a read-back can prove, in the
// order they are sent (the delete last: it ends the object).
func (j *crossWrite) methods(k objects.Lifecycle) []string {
	var out []string
	for _, m := range itemWriteMethods {
		if _, ok := k.Item(m); ok && j.testable(k, m) {
			out = append(out, m)
		}
	}
	return out
}

// fail records why k could not be tested.
func (j *crossWrite) fail(k objects.Lifecycle, why string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.failed[k.Create.Path] = why
}

// untested says which kinds were not tested and why, in kind order; "" when
// every kind was.
func (j *crossWrite) untested(kinds []objects.Lifecycle) string {
	j.mu.Lock()
	defer j.mu.Unlock()
	var whys, partial []string
	for _, k := range kinds {
		if why, ok := j.failed[k.Create.Path]; ok {
			whys = append(whys, why)
		}
		partial = append(partial, j.partial[k.Create.Path]...)
	}
	switch {
	case len(whys) == 0:
		return strings.Join(partial, "; ")
	case len(whys) == len(kinds):
		return "no object of identity " + j.who.Who(j.owner) + " to attack: " + strings.Join(whys, "; ")
	}
	why := fmt.Sprintf("%d of %d kinds of object not tested: %s", len(whys), len(kinds), strings.Join(whys, "; "))
	return strings.Join(append([]string{why}, partial...), "; ")
}

// partly records what was not tested of kind k, which was tested.
func (j *crossWrite) partly(k objects.Lifecycle, whys []string) {
	if len(whys) == 0 {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.partial[k.Create.Path] = append(j.partial[k.Create.Path], whys...)
}

// kind attacks one kind of object: the peer's item writes on the
// primary's object, then, for a nested kind, the peer's create under the
// primary's parent. A kind neither attack could test is recorded (fail).
func (j *crossWrite) kind(ctx context.Context, k objects.Lifecycle) []finding.Finding {
	var out []finding.Finding
	var whys []string
	tested := false
	if methods := j.methods(k); len(methods) > 0 {
		fs, why := j.itemWrites(ctx, k, methods)
		out, tested = append(out, fs...), why == ""
		if why != "" {
			whys = append(whys, why)
		}
	}
	if pk, ok := j.w.Parent(k); ok {
		f, found, why := j.nested(ctx, k, pk)
		if found {
			out = append(out, f)
		}
		tested = tested || why == ""
		if why != "" {
			whys = append(whys, why)
		}
	}
	if !tested {
		j.fail(k, strings.Join(whys, "; "))
	} else {
		j.partly(k, whys)
	}
	return out
}

// itemWrites sends the peer's PUT, PATCH and DELETE on an object the
// primary created, each judged by the primary's read-back; a method that
// leaves the object no longer the primary's (moved to the peer, deleted)
// is followed by the next on a fresh object. why says why nothing was
// tested: no object, or no method whose answer meant anything (see
// control).
func (j *crossWrite) itemWrites(ctx context.Context, k objects.Lifecycle, methods []string) ([]finding.Finding, string) {
	o, before, why := j.ownObject(ctx, k)
	if o == nil {
		return nil, why
	}
	shared := j.sharedByDesign(ctx, o, before)
	var out []finding.Finding
	var untested []string
	tested := false
	for _, m := range methods {
		if o == nil {
			if o, _, why = j.ownObject(ctx, k); o == nil {
				untested = append(untested, why)
				break
			}
		}
		it, _ := k.Item(m)
		at := j.attempt(ctx, o, m, j.peer)
		if at.lost() {
			o = nil
		}
		if !at.proven {
			why, lost := j.control(ctx, k, o, at)
			if lost {
				o = nil
			}
			if why != "" {
				untested = append(untested, it.Op.Method+" "+it.Op.Path+" not tested: "+why)
			} else {
				tested = true
			}
			continue
		}
		tested = true
		if !j.confirmFresh(ctx, k, m, j.peer) || j.confirmFresh(ctx, k, m, scanner.Anonymous) {
			// Not confirmed; or anonymous callers can do it too, which
			// is authn-missing's finding (one root cause, one rule).
			continue
		}
		t := j.a.Target(it.Op.Method, it.Op.Path)
		conf := finding.ConfidenceHigh
		summary := fmt.Sprintf("Identity %s sent %s %s on an object identity %s created in this scan: %s. Confirmed on a second object.",
			j.who.Who(j.peer), it.Op.Method, it.Op.Path, j.who.Who(j.owner), at.what(j.who, j.owner))
		if shared != "" {
			conf = finding.ConfidenceLow
			summary += " " + shared
		}
		out = append(out, t.NewFinding(crossWriteRule, conf, summary, at.evidence()...))
	}
	if !tested {
		return out, strings.Join(untested, "; ")
	}
	j.partly(k, untested)
	return out, ""
}

// ownObject creates an object of k as the primary and reads it back as
// the primary: a write can only be proven on an object its owner sees.
func (j *crossWrite) ownObject(ctx context.Context, k objects.Lifecycle) (*scanner.Object, *scanner.Response, string) {
	o, _, why := j.w.Create(ctx, k, j.owner, nil)
	if o == nil {
		return nil, nil, why
	}
	before := j.readBack(ctx, o, j.owner)
	if !j.shows(before, o) {
		return nil, nil, fmt.Sprintf("identity %s's read of %s does not show the object it created (%s)", j.owner.Name, readRoute(k), answerOf(before))
	}
	return o, before, ""
}

// answerOf describes a read-back for a reason.
func answerOf(r *scanner.Response) string {
	switch {
	case r == nil:
		return "no read operation"
	case r.Err != nil:
		return "no answer"
	}
	return fmt.Sprintf("it answered %d", r.Status)
}

// confirmFresh sends method as `as` on a fresh object of the primary's:
// a positive must hold twice, on two objects; and a write anonymous
// callers can make too is not this rule's.
func (j *crossWrite) confirmFresh(ctx context.Context, k objects.Lifecycle, method string, as *scanner.Identity) bool {
	o, _, _ := j.ownObject(ctx, k)
	if o == nil {
		return false
	}
	return j.attempt(ctx, o, method, as).proven
}

// sharedByDesign says why o looks shared with the peer on purpose, ""
// when it does not: the peer reads it, and it names the peer, carries an
// organisation or team both identities' own records name, or lives under a
// parent the config names (a team that existed before the scan). Such an
// object's writes by the peer may be what the API means (team members may
// edit).
func (j *crossWrite) sharedByDesign(ctx context.Context, o *scanner.Object, ownerRead *scanner.Response) string {
	peerRead := j.readBack(ctx, o, j.peer)
	if !j.shows(peerRead, o) {
		return ""
	}
	for _, r := range []*scanner.Response{ownerRead, peerRead} {
		rec, ok := j.recordOf(r, o)
		if !ok {
			continue
		}
		if how, ok := j.w.Names(j.peer, rec); ok {
			return fmt.Sprintf("Identity %s can also read the object, which names it (%s): it may be shared with it by design (team members may edit); if so, this is not a flaw.", j.who.Who(j.peer), how)
		}
		if how, ok := j.group(ctx, rec); ok {
			return fmt.Sprintf("Identity %s can also read the object, which belongs to a group both identities belong to (%s): it may be shared with it by design (team members may edit); if so, this is not a flaw.", j.who.Who(j.peer), how)
		}
	}
	if o.ConfiguredParents {
		return fmt.Sprintf("Identity %s can also read the object, which lives under a parent given in pathValues (one that existed before the scan): it may be shared with it by design; if so, this is not a flaw.", j.who.Who(j.peer))
	}
	return ""
}

// nested has the peer create an object of k under a parent (of kind pk)
// the primary created: proven when the primary's read of the parent's
// children shows the peer's object, confirmed under a fresh parent. why
// says why nothing could be sent.
func (j *crossWrite) nested(ctx context.Context, k, pk objects.Lifecycle) (finding.Finding, bool, string) {
	first, ok, why := j.addUnder(ctx, k, pk, j.peer)
	if !ok {
		return finding.Finding{}, false, why
	}
	if _, ok, _ := j.addUnder(ctx, k, pk, j.peer); !ok {
		return finding.Finding{}, false, ""
	}
	if _, ok, _ := j.addUnder(ctx, k, pk, scanner.Anonymous); ok {
		return finding.Finding{}, false, "" // authn-missing's: anyone can
	}
	t := j.a.Target(k.Create.Method, k.Create.Path)
	conf := finding.ConfidenceHigh
	summary := fmt.Sprintf("Identity %s sent %s %s under a %s object identity %s created in this scan; it answered %d, and identity %s's read (%s %s) shows the object identity %s added. Confirmed under a second parent.",
		j.who.Who(j.peer), k.Create.Method, k.Create.Path, pk.Collection, j.who.Who(j.owner), first.attack.Status,
		j.who.Who(j.owner), http.MethodGet, readRoute(k), j.who.Who(j.peer))
	if first.shared != "" {
		conf = finding.ConfidenceLow
		summary += " " + first.shared
	}
	return t.NewFinding(crossWriteRule, conf, summary, first.attack, first.proof), true, ""
}

// added is one proven create of the peer's under the primary's parent.
type added struct {
	attack, proof *scanner.Response
	shared        string
}

// addUnder creates a parent of kind pk as the primary and, as `as`, an
// object of k under it; ok when the primary's read shows as's object.
// why is set when no parent could be made.
func (j *crossWrite) addUnder(ctx context.Context, k, pk objects.Lifecycle, as *scanner.Identity) (added, bool, string) {
	parent, before, why := j.ownObject(ctx, pk)
	if parent == nil {
		return added{}, false, why
	}
	child, r, _ := j.w.CreateUnder(ctx, k, parent, as, nil)
	if child == nil || !r.OK() {
		return added{}, false, ""
	}
	proof := j.readBack(ctx, child, j.owner)
	if !j.shows(proof, child) {
		return added{}, false, ""
	}
	return added{attack: r, proof: proof, shared: j.sharedByDesign(ctx, parent, before)}, true, ""
}

// crossAttempt is one write of an identity's on an object the primary
// created, and what decided it.
type crossAttempt struct {
	attempt
	as *scanner.Identity
	// ownerRead is the owner's read-back after an update.
	ownerRead *scanner.Response
	// moved: the owner's read answered 404 or 410 after the update and
	// the writer's own read (proof) shows its marker: the write took
	// the object from its owner (an update that stamps the caller as
	// the owner).
	moved bool
	// why says why nothing was sent (attack nil).
	why string
}

// lost reports whether the object is no longer its owner's to attack
// after the attempt: moved, deleted, or unreadable for it.
func (at crossAttempt) lost() bool {
	switch {
	case at.moved:
		return true
	case at.method == http.MethodDelete:
		return at.proven
	}
	return at.ownerRead != nil && !at.ownerRead.OK()
}

// what says what the read-backs showed.
func (at crossAttempt) what(who *scanner.Target, owner *scanner.Identity) string {
	if !at.moved {
		return at.attempt.what(owner)
	}
	return fmt.Sprintf("the %s answered %d; identity %s's read of the object then answered %d, and identity %s's read of it shows the scan's marker that only that write carried: the write took the object from identity %s",
		at.method, at.attack.Status, who.Who(owner), at.ownerRead.Status, who.Who(at.as), who.Who(owner))
}

// evidence is the write, then the reads that decided it.
func (at crossAttempt) evidence() []*scanner.Response {
	if at.moved {
		return []*scanner.Response{at.attack, at.ownerRead, at.proof}
	}
	return []*scanner.Response{at.attack, at.proof}
}

// attempt sends method on o as `as`, judged by the owner's read-back: a
// delete as try does; an update as update does.
func (j *crossWrite) attempt(ctx context.Context, o *scanner.Object, method string, as *scanner.Identity) crossAttempt {
	if method != http.MethodDelete {
		return j.update(ctx, o, method, as)
	}
	at := crossAttempt{attempt: j.try(ctx, o, method, as, j.owner), as: as}
	if at.attack == nil {
		at.why = fmt.Sprintf("identity %s's read of its object before the DELETE did not show it, or the DELETE was not sent", j.who.Who(j.owner))
	}
	return at
}

// update sends method (PUT or PATCH) on o as `as` with a freshly marked
// body and reads o back as its owner: proven when the owner's record holds
// the marker, or when the write took the object from its owner (its read
// answers 404 or 410, the writer's shows the marker). An answer that
// names missing fields (400, 422) is learned from as creates do: the
// write is sent once more with them, and later bodies carry them.
func (j *crossWrite) update(ctx context.Context, o *scanner.Object, method string, as *scanner.Identity) crossAttempt {
	at := crossAttempt{attempt: attempt{method: method}, as: as}
	marker := j.w.Marker()
	body, ok := j.w.UpdateBody(o, method, marker)
	if !ok {
		at.why = "its body has no field to mark, so no read-back could show the write"
		return at
	}
	key := method + " " + readRoute(o.Kind)
	j.mu.Lock()
	refusal := j.learned[key]
	j.mu.Unlock()
	if more, ok := scanner.CompleteBody(body, refusal, marker); ok {
		body = more
	}
	r := j.w.Send(ctx, o, method, as, body)
	if at.attack = sent(r); at.attack == nil {
		at.why = fmt.Sprintf("it was not sent (%v)", r.Err)
		return at
	}
	if more, ok := scanner.CompleteBody(body, at.attack, marker); ok {
		j.mu.Lock()
		j.learned[key] = at.attack
		j.mu.Unlock()
		if again := sent(j.w.Send(ctx, o, method, as, more)); again != nil {
			at.attack = again
		}
	}
	at.ownerRead = j.readBack(ctx, o, j.owner)
	at.proof = at.ownerRead
	at.proven = j.holds(at.ownerRead, o, marker)
	if !at.proven && as != j.owner && goneAnswer(at.ownerRead) {
		if r := j.readBack(ctx, o, as); j.holds(r, o, marker) {
			at.proof, at.proven, at.moved = r, true, true
			j.tidy(ctx, o, as)
		}
	}
	return at
}

// tidy deletes o, which a write moved to identity as, as its new owner:
// the clean-up deletes with the first owner's credentials, which no
// longer reach it.
func (j *crossWrite) tidy(ctx context.Context, o *scanner.Object, as *scanner.Identity) {
	if _, ok := o.Kind.Item(http.MethodDelete); ok && !as.IsAnonymous() {
		j.w.Send(ctx, o, http.MethodDelete, as, nil)
	}
}

// goneAnswer reports whether a read answered that the object is not there.
func goneAnswer(r *scanner.Response) bool {
	return r != nil && r.Err == nil && (r.Status == http.StatusNotFound || r.Status == http.StatusGone)
}

// control says why the attacker's write at, which proved nothing, tested
// nothing: "" when it was refused as a write on another's object (401,
// 403, 404), or when the owner's own write of the same method on its
// object (o, else a fresh one) works: then the API could have let the
// attacker's through and did not. A write refused for its body, or one
// that does nothing even for its owner, says nothing of authorization.
// lost reports whether the owner's write ended o.
func (j *crossWrite) control(ctx context.Context, k objects.Lifecycle, o *scanner.Object, at crossAttempt) (why string, lost bool) {
	if at.attack == nil {
		return at.why, false
	}
	switch at.attack.Status {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound:
		return "", false
	}
	if o == nil {
		if o, _, why = j.ownObject(ctx, k); o == nil {
			return fmt.Sprintf("identity %s's %s answered %d, and no object of identity %s's was left to check that the write works for its owner (%s)",
				j.who.Who(at.as), at.method, at.attack.Status, j.who.Who(j.owner), why), false
		}
	}
	own := j.attempt(ctx, o, at.method, j.owner)
	if own.proven {
		return "", own.lost()
	}
	owner := "it was not sent"
	if own.attack != nil {
		owner = fmt.Sprintf("it answered %d", own.attack.Status)
	}
	return fmt.Sprintf("identity %s's %s answered %d and changed nothing, but identity %s's own %s on its object did not take effect either (%s): the answer says nothing of who may write",
		j.who.Who(at.as), at.method, at.attack.Status, j.who.Who(j.owner), at.method, owner), own.lost()
}

// holds reports whether o's own record in read-back r carries marker.
func (j *crossWrite) holds(r *scanner.Response, o *scanner.Object, marker string) bool {
	rec, ok := j.recordOf(r, o)
	return ok && bytes.Contains(rec, []byte(marker))
}

// recordOf is o's own record in a read-back r: the answer of o's item
// read, or, where o's kind has no item read and r lists the collection,
// the record with o's id. A list shows other users' records too (a public
// board): a marker in one of them says nothing of o.
func (j *crossWrite) recordOf(r *scanner.Response, o *scanner.Object) ([]byte, bool) {
	if r == nil || !r.OK() {
		return nil, false
	}
	if _, item := o.Kind.Item(http.MethodGet); item {
		return r.Body, true
	}
	if o.ID == "" || len(o.Kind.Items) == 0 {
		return nil, false
	}
	param := o.Kind.Items[0].Param
	for _, rec := range scanner.ListRecords(r.Body) {
		if id, ok := objects.NewID(rec, "", param); ok && id == o.ID {
			return rec, true
		}
	}
	return nil, false
}

// groupKey matches (normalised) keys that name a group of users: an
// organisation, a team, a tenant, a workspace.
var groupKey = lazyre.New(`^(org|organi[sz]ation|team|tenant|company|workspace|group|household)s?(id|uuid|slug)?$`)

// selfRoute matches the last segment of a parameterless read that
// describes its caller (/me, DRF's /auth/user/, /profile).
var selfRoute = lazyre.New(`(?i)^(me|self|profile|account|user|whoami|current_?user|userinfo)$`)

// group reports whether record names a group (an organisation's or a
// team's id) that both identities' own records name: the object is the
// group's, and its members may edit it by design. how says which, for
// the summary.
func (j *crossWrite) group(ctx context.Context, record []byte) (how string, ok bool) {
	j.groupsOnce.Do(func() { j.groups = j.sharedGroups(ctx) })
	if len(j.groups) == 0 {
		return "", false
	}
	for _, g := range groupValues(record) {
		if how, ok := j.groups[g[1]]; ok {
			return fmt.Sprintf("its %s is %s; %s", g[0], g[1], how), true
		}
	}
	return "", false
}

// sharedGroups maps the group values both the owner's and the peer's own
// records (GET /me and the like) carry to how the scan knows.
func (j *crossWrite) sharedGroups(ctx context.Context) map[string]string {
	out := map[string]string{}
	for _, op := range j.a.Operations() {
		if op.Method != http.MethodGet || strings.Contains(op.Path, "{") || !selfRead(op) {
			continue
		}
		t := j.a.Target(op.Method, op.Path)
		mine, theirs := t.Send(ctx, j.owner, t.Values()), t.Send(ctx, j.peer, t.Values())
		if !t.Success(mine) || !t.Success(theirs) {
			continue
		}
		peers := map[string]bool{}
		for _, g := range groupValues(theirs.Body) {
			peers[g[1]] = true
		}
		for _, g := range groupValues(mine.Body) {
			if _, known := out[g[1]]; peers[g[1]] && !known {
				out[g[1]] = fmt.Sprintf("both identities' answers to GET %s carry it as their %s", op.Path, g[0])
			}
		}
	}
	return out
}

// selfRead reports whether op is a read of its caller: its last segment
// names the caller, and no required parameter selects anything.
func selfRead(op openapi.Operation) bool {
	segs := strings.Split(strings.Trim(op.Path, "/"), "/")
	last := strings.TrimSuffix(segs[len(segs)-1], ".json")
	if !selfRoute.MatchString(last) {
		return false
	}
	for _, p := range op.Params {
		if p.Required && (p.In == "path" || p.In == "query") {
			return false
		}
	}
	return true
}

// groupValues are the (key, value) pairs of a JSON record whose key names
// a group (orgId, team_id, or the id inside an "organization" object), in
// key order, a few levels deep.
func groupValues(body []byte) [][2]string {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return nil
	}
	var out [][2]string
	var walk func(v any, key, parent string, depth int)
	walk = func(v any, key, parent string, depth int) {
		if depth > 3 {
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
		case string, json.Number:
			name := groupNorm(key)
			if name == "id" || name == "uuid" {
				name = groupNorm(parent)
			}
			if text := fmt.Sprint(x); text != "" && groupKey.MatchString(name) {
				out = append(out, [2]string{key, text})
			}
		}
	}
	walk(v, "", "", 0)
	return out
}

// groupNorm folds a key's case and separators (org_id, orgId, org-id).
func groupNorm(k string) string {
	return dashUnderscore.Replace(strings.ToLower(k))
}
