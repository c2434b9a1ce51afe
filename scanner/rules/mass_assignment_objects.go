package rules

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/internal/lazyre"
	"github.com/authgate/authgate/scanner"
	"github.com/authgate/authgate/scanner/objects"
	"github.com/authgate/authgate/scanner/openapi"
)

// This file holds mass-assignment's objects part: the creates and item
// updates of objects the scan created through the write engine, each
// compared with a control object created without the properties, owner
// ids sent last and on their own (mass_assignment.go holds the rule).

// objectKinds tests every kind of object the scan can create: its create
// and its item updates.
func (m *massRun) objectKinds(ctx context.Context) []finding.Finding {
	if m.eng == nil {
		return nil
	}
	kinds := m.eng.Kinds()
	for _, k := range kinds {
		m.order = append(m.order, k.Create.Method+" "+k.Create.Path)
	}
	return m.eng.Each(ctx, kinds, func(k objects.Lifecycle) []finding.Finding { return m.kind(ctx, k) })
}

// peer is the peer identity, nil without one.
func (m *massRun) peer() *scanner.Identity {
	for _, op := range m.a.Operations() {
		return m.a.Target(op.Method, op.Path).Peer
	}
	return nil
}

// owned gives the ownership candidates (ownerId, userId, owner) the
// peer's own id, when the scan can learn it: an API that checks its
// foreign keys refuses an owner no user has, while the peer is a real
// user the scan knows, and it can read what it then owns. Tenant ids keep
// their seeded value: the peer's user id is no tenant.
func (m *massRun) owned(ctx context.Context, cs []objects.Candidate) []objects.Candidate {
	m.peerOnce.Do(func() {
		peer := m.peer()
		_, self := m.profileTargets()
		if peer == nil || self == nil {
			return
		}
		me := massRead(ctx, self, peer, self.Values())
		if id, ok := massOwnID(me, "id"); ok {
			m.peerID = id
			for _, k := range massNameKeys {
				if v, ok := massField(me.Body, k); ok {
					m.peerNames = append(m.peerNames, v)
				}
			}
		}
	})
	if m.peerID == "" {
		return cs
	}
	out := slices.Clone(cs)
	for i, c := range out {
		if !massOwnership.MatchString(c.Name) || strings.Contains(strings.ToLower(c.Name), "tenant") {
			continue
		}
		v, _ := json.Marshal(m.peerID)
		if _, err := strconv.ParseInt(m.peerID, 10, 64); err == nil && len(c.Value) > 0 && c.Value[0] != '"' {
			v = []byte(m.peerID) // a number for a number
		}
		out[i].Value = v
	}
	return out
}

// handBack deletes, as the peer, an object that a write with ownership
// candidates gave to the peer, where its owner can no longer read it: the
// clean-up deletes as the owner, who now gets a 404. The object is the
// scan's own (the engine refuses any other), and a DELETE the API answered
// 2xx is one the clean-up does not send again.
func (m *massRun) handBack(ctx context.Context, o *scanner.Object, cs []objects.Candidate) {
	peer := m.peer()
	if !massMoves(cs) || m.peerID == "" || peer == nil {
		return
	}
	if _, ok := o.Kind.Item("DELETE"); !ok || massReadable(m.eng.Read(ctx, o, o.Owner)) {
		return
	}
	if massReadable(m.eng.Read(ctx, o, peer)) {
		m.eng.Send(ctx, o, "DELETE", peer, nil)
	}
}

// stuck is massStuck, where an ownership candidate that names the peer
// also counts as stuck when the read shows the peer by name.
func (m *massRun) stuck(cs []objects.Candidate, read, control *scanner.Response) []objects.Candidate {
	out := massStuck(cs, read, control)
	if m.peerID == "" || !massReadable(read) {
		return out
	}
	for _, c := range cs {
		if !massOwnership.MatchString(c.Name) || slices.ContainsFunc(out, func(s objects.Candidate) bool { return s.Name == c.Name }) {
			continue
		}
		for _, name := range m.peerNames {
			alt := objects.Candidate{Name: c.Name, Value: name, Reason: c.Reason}
			if massShows(read.Body, alt) && (control == nil || !massShows(control.Body, alt)) {
				out = append(out, c)
				break
			}
		}
	}
	return out
}

// readBack reads o as its owner, or, when the owner no longer can after a
// write with ownership candidates (the object went to the peer they
// name), as the peer.
func (m *massRun) readBack(ctx context.Context, o *scanner.Object, cs []objects.Candidate) *scanner.Response {
	r := m.eng.Read(ctx, o, o.Owner)
	if massReadable(r) || !massMoves(cs) || m.peerID == "" {
		return r
	}
	if peer := m.peer(); peer != nil {
		if pr := m.eng.Read(ctx, o, peer); massReadable(pr) {
			return pr
		}
	}
	return r
}

// massUpdate is one item update of a kind with its candidates.
type massUpdate struct {
	it    objects.Item
	write *openapi.Schema // the update's body schema, else the create's
	cands []objects.Candidate
}

// kind tests k's create and updates. One control object, created without
// any candidate and read back, serves the create's comparison and then
// the first update: a kind whose objects the owner cannot read back costs
// one object, not one per write.
func (m *massRun) kind(ctx context.Context, k objects.Lifecycle) []finding.Finding {
	key := k.Create.Method + " " + k.Create.Path
	createCands := m.owned(ctx, massCandidates(k, k.Create.Body))
	var updates []massUpdate
	for _, method := range []string{"PUT", "PATCH"} {
		it, ok := k.Item(method)
		if !ok {
			continue
		}
		write := it.Op.Body
		if write == nil {
			write = k.Create.Body // an update without a schema writes what the create does
		}
		if cs := m.owned(ctx, massCandidates(k, write)); len(cs) > 0 {
			updates = append(updates, massUpdate{it: it, write: write, cands: cs})
		}
	}
	if len(createCands) == 0 && len(updates) == 0 || m.stop(ctx) {
		return nil
	}
	m.found()
	if _, ok := k.Item("GET"); !ok {
		m.note(key, key+" has no item GET to read a created object back")
		return nil
	}
	owner := m.a.Main()
	ctl, _, why := m.eng.Create(ctx, k, owner, nil)
	if ctl == nil {
		m.note(key, "the control object could not be created: "+why)
		return nil
	}
	ctlRead := m.eng.Read(ctx, ctl, owner)
	if !massReadable(ctlRead) {
		m.note(key, fmt.Sprintf("the owner's read-back of an object %s created answered %s", key, acctStatus(ctlRead)))
		return nil
	}
	if massNotOurs(ctl, ctlRead) {
		// A get-or-create answers the caller's existing object (a
		// shopping cart): it is not the scan's to update.
		m.note(key, fmt.Sprintf("the owner's read-back of the object %s answered does not show the text its create sent: it may be an object that existed before (a get-or-create), so nothing is written to it", key))
		return nil
	}
	m.judged()
	var fs []finding.Finding
	if f, ok := m.createCheck(ctx, k, massUnset(massAllowed(createCands, ctl.Sent), ctlRead), ctl, ctlRead); ok {
		fs = append(fs, f)
	}
	spare := ctl
	for _, u := range updates {
		if m.stop(ctx) {
			break
		}
		o := spare
		if spare = nil; o == nil {
			if o, _, why = m.eng.Create(ctx, k, owner, nil); o == nil {
				m.note(key, u.it.Op.Method+" "+u.it.Op.Path+": no object to update: "+why)
				continue
			}
		}
		if f, ok := m.updateCheck(ctx, u, o); ok {
			fs = append(fs, f)
		}
	}
	return fs
}

// massNotOurs reports whether o's read-back shows none of the marker its
// create body carried: the create answered another object than the one
// it was asked for. A body without the marker (no string to put it in)
// proves nothing either way.
func massNotOurs(o *scanner.Object, read *scanner.Response) bool {
	m := []byte(o.Marker)
	return len(m) > 0 && bytes.Contains(o.Sent, m) && !bytes.Contains(read.Body, m)
}

// massReadSchema is the schema of what a read of k's item answers: the
// item GET's answer, else the create's.
func massReadSchema(k objects.Lifecycle) *openapi.Schema {
	if it, ok := k.Item("GET"); ok && it.Op.Answer != nil {
		return it.Op.Answer
	}
	return k.Create.Answer
}

// massCandidates are the properties to send on a write of k with the
// schema write. A property some write of the same object declares (not
// readOnly) is the caller's to set, so it is no answer-only candidate even
// where this write's schema leaves it out (a PATCH that lists fewer
// properties than the create). Without a write schema (a body from the
// configuration) only privilege names are: nothing says which of the
// answer's other properties a client may send.
func massCandidates(k objects.Lifecycle, write *openapi.Schema) []objects.Candidate {
	writable := map[string]bool{}
	add := func(s *openapi.Schema) {
		for name, p := range s.Properties {
			if p != nil && !p.ReadOnly {
				writable[name] = true
			}
		}
	}
	for _, s := range []*openapi.Schema{k.Create.Body, massItemBody(k, "PUT"), massItemBody(k, "PATCH")} {
		if s == nil {
			continue
		}
		add(s)
		if len(s.Properties) == 1 {
			for _, inner := range s.Properties {
				if inner != nil {
					add(inner) // a request wrapper's object (Rails' {"note": {...}})
				}
			}
		}
	}
	var out []objects.Candidate
	for _, c := range objects.MassAssignmentCandidates(write, massReadSchema(k)) {
		switch {
		case c.Reason == objects.ReasonPrivilege:
		case write == nil || len(write.Properties) == 0:
			continue
		case c.Reason == objects.ReasonAnswerOnly && writable[c.Name]:
			continue
		}
		out = append(out, c)
	}
	return out
}

// massItemBody is the body schema of k's item operation method, nil when none.
func massItemBody(k objects.Lifecycle, method string) *openapi.Schema {
	if it, ok := k.Item(method); ok {
		return it.Op.Body
	}
	return nil
}

// createCheck creates a test object that carries the candidates, reads
// it back as the owner, and reports the candidates it has and the
// control object (ctlRead, its read-back) does not.
func (m *massRun) createCheck(ctx context.Context, k objects.Lifecycle, cands []objects.Candidate, ctl *scanner.Object, ctlRead *scanner.Response) (finding.Finding, bool) {
	if len(cands) == 0 || m.stop(ctx) {
		return finding.Finding{}, false // every candidate has the value anyway
	}
	owner := m.a.Main()
	// try creates one test object with cs and returns its read-back.
	try := func(cs []objects.Candidate) (*scanner.Object, *scanner.Response, *scanner.Response) {
		o, r, _ := m.eng.Create(ctx, k, owner, massCreateExtra(ctl, m.eng.Marker(), cs))
		if o == nil {
			return nil, r, nil
		}
		return o, r, m.readBack(ctx, o, cs)
	}
	judge := func(cs []objects.Candidate, o *scanner.Object, read *scanner.Response) []objects.Candidate {
		stuck := m.stuck(cs, read, ctlRead)
		if len(stuck) == 0 {
			return nil
		}
		// Confirmed by a fresh read of the same object.
		return m.stuck(stuck, m.readBack(ctx, o, cs), ctlRead)
	}
	key := k.Create.Method + " " + k.Create.Path
	var stuck []objects.Candidate
	var evidence []*scanner.Response
	for _, group := range massGroups(cands) {
		o, created, read := try(group)
		if o != nil && massReadable(read) {
			if s := judge(group, o, read); len(s) > 0 {
				stuck = append(stuck, s...)
				evidence = append(evidence, created, read)
			}
			m.handBack(ctx, o, group)
			continue
		}
		if o != nil && massMoves(group) {
			m.note(key, fmt.Sprintf("the object created with %s is no longer readable by its owner: it may belong to someone else now (the report's writes say whether the clean-up removed it)", massNames(massMoving(group))))
		}
		// One property may have spoiled the write (an owner id that
		// must exist, a strict enum): each alone, as far as allowed.
		for _, c := range group[:min(len(group), massSingles)] {
			if len(group) == 1 || m.stop(ctx) {
				break
			}
			o, created, read := try([]objects.Candidate{c})
			if o == nil || !massReadable(read) {
				continue
			}
			if s := judge([]objects.Candidate{c}, o, read); len(s) > 0 {
				stuck = append(stuck, s...)
				evidence = append(evidence, created, read)
			}
		}
	}
	if len(stuck) == 0 {
		return finding.Finding{}, false
	}
	t := m.a.Target(k.Create.Method, k.Create.Path)
	conf, caveat := massObjectConfidence(stuck, k.Create.Body)
	summary := fmt.Sprintf("%s accepted %s: the owner's read-back of the object created with %s shows the value%s sent, and the read-back of a control object created without %s does not.%s",
		key, massNames(stuck), massThem(stuck), massPlural(stuck), massThem(stuck), caveat)
	return massFinding(t, conf, summary, stuck, append(evidence, ctlRead)...), true
}

// updateCheck reads o, sends the update it with the candidates of the
// update's own schema, and reads it again: the candidates the second read
// shows and the first did not stuck.
func (m *massRun) updateCheck(ctx context.Context, u massUpdate, o *scanner.Object) (finding.Finding, bool) {
	it, cands := u.it, u.cands
	key := it.Op.Method + " " + it.Op.Path
	owner := m.a.Main()
	before := m.eng.Read(ctx, o, owner)
	switch kind := o.Kind.Create.Method + " " + o.Kind.Create.Path; {
	case !massReadable(before):
		m.note(kind, fmt.Sprintf("%s: the owner's read-back of the object to update answered %s", key, acctStatus(before)))
		return finding.Finding{}, false
	case massNotOurs(o, before):
		m.note(kind, fmt.Sprintf("%s: the owner's read-back of the object to update does not show the text its create sent: it may be an object that existed before", key))
		return finding.Finding{}, false
	}
	cands = massUnset(massAllowed(cands, o.Sent), before)
	if len(cands) == 0 {
		return finding.Finding{}, false
	}
	send := func(cs []objects.Candidate) (*scanner.Response, []objects.Candidate) {
		body, ok := m.updateBody(o, it.Op.Method, cs)
		if !ok {
			return nil, nil
		}
		r := m.eng.Send(ctx, o, it.Op.Method, owner, body)
		after := m.readBack(ctx, o, cs)
		stuck := m.stuck(cs, after, before)
		if len(stuck) > 0 {
			stuck = m.stuck(stuck, m.readBack(ctx, o, cs), before)
		}
		return r, stuck
	}
	var stuck []objects.Candidate
	var evidence []*scanner.Response
	for _, group := range massGroups(cands) {
		if m.stop(ctx) {
			break
		}
		r, s := send(group)
		if r == nil {
			break // no body to send (not a JSON object)
		}
		if massMoves(group) {
			defer m.handBack(ctx, o, group) // after the evidence is read
		}
		if len(s) > 0 {
			stuck = append(stuck, s...)
			evidence = append(evidence, r)
			continue
		}
		if r.OK() && massMoves(group) && !massReadable(m.readBack(ctx, o, group)) {
			m.note(o.Kind.Create.Method+" "+o.Kind.Create.Path, fmt.Sprintf("%s with %s made the object unreadable to its owner: it may belong to someone else now (the report's writes say whether the clean-up removed it)", key, massNames(massMoving(group))))
			break // nothing more can be read back
		}
		if r.OK() || len(group) == 1 {
			continue
		}
		for _, c := range group[:min(len(group), massSingles)] {
			if m.stop(ctx) {
				break
			}
			if r, s := send([]objects.Candidate{c}); len(s) > 0 {
				stuck = append(stuck, s...)
				evidence = append(evidence, r)
			}
		}
	}
	if len(stuck) == 0 {
		return finding.Finding{}, false
	}
	t := m.a.Target(it.Op.Method, it.Op.Path)
	conf, caveat := massObjectConfidence(stuck, u.write)
	summary := fmt.Sprintf("%s on an object the scan created accepted %s: the owner's read-back after the update shows the value%s sent, the read-back before it did not.%s",
		key, massNames(stuck), massPlural(stuck), caveat)
	evidence = append(evidence, m.eng.Read(ctx, o, owner), before)
	return massFinding(t, conf, summary, stuck, evidence...), true
}

// updateBody is the update of o with the candidates: the engine's marked
// body (a PUT must carry the whole object) with them added; a PATCH
// without one sends them alone.
func (m *massRun) updateBody(o *scanner.Object, method string, cs []objects.Candidate) ([]byte, bool) {
	base, ok := m.eng.UpdateBody(o, method, m.eng.Marker())
	if !ok {
		base = nil
		if method == "PUT" {
			base = o.Sent
		}
	}
	if key, inner, ok := massWrapper(base); ok {
		// Inside the request's wrapper, where the server binds from.
		merged, ok := massMerge(inner, massExtra(cs))
		if !ok {
			return nil, false
		}
		return massMerge(base, map[string]json.RawMessage{key: merged})
	}
	return massMerge(base, massExtra(cs))
}

// massCreateExtra is what a test create adds to the engine's body: the
// candidates at the top, or, when the control's body wraps the object
// (Rails' {"note": {...}}: a framework that binds from the wrapper only
// reads what is inside), inside the wrapper. The engine puts an extra in
// place of the generated value, so the wrapper carries the control's
// object again, its marker replaced by a fresh one (marker): the test
// object must not read as the control.
func massCreateExtra(ctl *scanner.Object, marker string, cs []objects.Candidate) map[string]json.RawMessage {
	key, inner, ok := massWrapper(ctl.Sent)
	if !ok {
		return massExtra(cs)
	}
	if ctl.Marker != "" {
		inner = bytes.ReplaceAll(inner, []byte(ctl.Marker), []byte(marker))
	}
	merged, ok := massMerge(inner, massExtra(cs))
	if !ok {
		return massExtra(cs)
	}
	return map[string]json.RawMessage{key: merged}
}

// massWrapper reports whether body is a request wrapper: an object with
// one property whose value is an object, returned with its key.
func massWrapper(body []byte) (key string, inner json.RawMessage, ok bool) {
	obj := massObject(body)
	if len(obj) != 1 {
		return "", nil, false
	}
	for k, v := range obj {
		if massObject(v) != nil {
			return k, v, true
		}
	}
	return "", nil, false
}

// massGroups splits the candidates in the order they are sent: those
// that move the object to another owner or tenant last and on their own,
// because the owner may not read the object after them: the others'
// proof comes first.
func massGroups(cs []objects.Candidate) [][]objects.Candidate {
	var plain, moving []objects.Candidate
	for _, c := range cs {
		if massOwnership.MatchString(c.Name) {
			moving = append(moving, c)
		} else {
			plain = append(plain, c)
		}
	}
	var out [][]objects.Candidate
	for _, g := range [][]objects.Candidate{plain, moving} {
		if len(g) > 0 {
			out = append(out, g)
		}
	}
	return out
}

// massMoving are the candidates of cs that move an object; massMoves
// whether there are any.
func massMoving(cs []objects.Candidate) []objects.Candidate {
	var out []objects.Candidate
	for _, c := range cs {
		if massOwnership.MatchString(c.Name) {
			out = append(out, c)
		}
	}
	return out
}

func massMoves(cs []objects.Candidate) bool { return len(massMoving(cs)) > 0 }

// massObjectConfidence is how sure a finding on an object's write is, from
// the strongest property that stuck, and what the summary must add. A
// readOnly property, or a privilege name the write does not declare, is
// forbidden by the description itself: high. A property that is only in
// answers may just be missing from an incomplete description: medium. A
// privilege name the write declares (a member's role that a project's
// owner picks, a task's assignee userId) may be this caller's to set: low,
// said in the summary.
func massObjectConfidence(stuck []objects.Candidate, write *openapi.Schema) (finding.Confidence, string) {
	declared := func(c objects.Candidate) bool {
		if write == nil {
			return false
		}
		p := write.Properties[c.Name]
		return p != nil && !p.ReadOnly
	}
	best, owner := finding.ConfidenceLow, false
	for _, c := range stuck {
		switch {
		case c.Reason == objects.ReasonAnswerOnly:
			best = max(best, finding.ConfidenceMedium)
		case c.Reason == objects.ReasonPrivilege && declared(c) && massOwnerName.MatchString(c.Name):
			// The object now belongs to another user: a description
			// that lets a caller file objects under someone else is
			// rarely meant to.
			best, owner = max(best, finding.ConfidenceMedium), true
		case c.Reason == objects.ReasonPrivilege && declared(c):
		default:
			return finding.ConfidenceHigh, ""
		}
	}
	these, them := "these properties", "them"
	if len(stuck) == 1 {
		these, them = "this property", "it"
	}
	switch {
	case owner:
		return best, " The description declares the owner writable, yet the object the caller created now belongs to another user (the scan's peer identity)."
	case best == finding.ConfidenceLow:
		return best, fmt.Sprintf(" The description declares %s writable: it is a flaw only if this caller must not set %s (a project's owner may give a member a role).", these, them)
	}
	return best, fmt.Sprintf(" The description may only have left %s out of the write's schema.", these)
}

// massOwnerName matches the properties that name an object's owner, as
// opposed to a user it is about (an assignee's userId).
var massOwnerName = lazyre.New(`(?i)^owner(_?id)?$`)

// massAllowed drops the candidates the body the scan sent without them
// already carries (a body from the configuration, or a required property
// of the schema), unless they are privilege names: what a client is
// expected to send is the caller's to set.
func massAllowed(cs []objects.Candidate, sent []byte) []objects.Candidate {
	var obj map[string]json.RawMessage
	if json.Unmarshal(sent, &obj) != nil {
		return cs
	}
	var out []objects.Candidate
	for _, c := range cs {
		if _, in := obj[c.Name]; in && c.Reason != objects.ReasonPrivilege {
			continue
		}
		out = append(out, c)
	}
	return out
}
