package rules

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner"
	"github.com/authgate/authgate/scanner/objects"
	"github.com/authgate/authgate/scanner/openapi"
)

// This file holds mass-assignment: a write that accepts a property the
// caller must not set (a role, an owner, a readOnly field). It sends such
// properties only where the scan may change things — objects it created
// itself, the throw-away identity's own account, accounts it registers —
// and reads back whether they stuck. An answer that echoes the request
// proves nothing; only a later read does, compared with a control that was
// sent without them.

var _ scanner.APIRule = MassAssignment{}

// MassAssignment tests creates and updates of scan-created objects, the
// throw-away identity's profile update and the registration for properties
// that stick although the caller must not set them.
type MassAssignment struct{}

// Info returns the catalog entry.
func (MassAssignment) Info() finding.RuleInfo { return info("mass-assignment") }

const massRule = "mass-assignment"

// massEngine is the part of the write engine (scanner.Writes) the rule
// uses: creates, reads and updates of objects this scan created.
type massEngine interface {
	Kinds() []objects.Lifecycle
	Create(ctx context.Context, k objects.Lifecycle, owner *scanner.Identity, extra map[string]json.RawMessage) (*scanner.Object, *scanner.Response, string)
	Read(ctx context.Context, o *scanner.Object, as *scanner.Identity) *scanner.Response
	UpdateBody(o *scanner.Object, method, marker string) ([]byte, bool)
	Send(ctx context.Context, o *scanner.Object, method string, as *scanner.Identity, body []byte) *scanner.Response
	Each(ctx context.Context, kinds []objects.Lifecycle, fn func(objects.Lifecycle) []finding.Finding) []finding.Finding
	Marker() string
	// Account records an account the rule registered that could not
	// log in: the report lists it as left on the target.
	Account(operation, name string, owner *scanner.Identity)
	// AccountLoggedIn records an account the rule registered and logged
	// in as: it deletes itself at the end of the scan where the API
	// allows it, and the report lists it either way.
	AccountLoggedIn(operation, name string, as *scanner.Identity, self string)
}

var _ massEngine = (*scanner.Writes)(nil)

// massWrites returns the scan's write engine, nil in safe mode (a nil
// *Writes must not become a non-nil interface).
func massWrites(a *scanner.API) massEngine {
	if w := a.Writes(); w != nil {
		return w
	}
	return nil
}

// massSingles bounds the one-property-at-a-time retries after a write
// with every candidate was refused or could not be read back: one
// strict property (an owner id that must exist) must not hide the others,
// and each retry of a create leaves an object for the engine to delete.
const massSingles = 6

// CheckAPI runs the three parts in a fixed order and decides coverage:
// not applicable when no write anywhere has a property to test, not run
// when there were some but nothing could be created or read back.
func (MassAssignment) CheckAPI(ctx context.Context, a *scanner.API) []finding.Finding {
	if a.Mode() != finding.ModeActive {
		return nil
	}
	m := &massRun{a: a, eng: massWrites(a)}
	var fs []finding.Finding
	fs = append(fs, m.objectKinds(ctx)...)
	fs = append(fs, m.profiles(ctx)...)
	fs = append(fs, m.registration(ctx)...)
	switch {
	case !m.candidates:
		a.NotApplicable(massRule, "no create, update, profile update or registration has a property the caller must not set (readOnly, answer-only or a privilege name)")
	case !m.tested && len(fs) == 0:
		why := strings.Join(m.whys(), "; ")
		if why == "" {
			why = "nothing could be created and read back"
		}
		a.Skip(massRule, why)
	case len(fs) > 0 && len(m.whys()) > 0:
		// Shown as "ran, partly: …": what it found stands, and what
		// it could not test is said.
		a.Skip(massRule, strings.Join(m.whys(), "; "))
	}
	// A change it could not undo is said in every output (a skip is a
	// warning of the scan), even where coverage then reads not-run: the
	// rule did not finish what it started.
	for _, w := range m.warnings {
		a.Skip(massRule, w)
	}
	return fs
}

// massRun is one run of the rule: what it found to test and why parts
// could not run. Object kinds run concurrently, so it is guarded.
type massRun struct {
	a   *scanner.API
	eng massEngine

	mu         sync.Mutex
	candidates bool // some write has a property to test
	tested     bool // some write was sent and judged by a read-back
	notes      map[string][]string
	order      []string // note keys in the order parts ran
	// peerOnce learns peerID, the peer's own id from its /me-like read,
	// the owner an ownership candidate names (see owned).
	peerOnce sync.Once
	peerID   string
	// peerNames are the peer's login name and e-mail from the same read:
	// an answer may show an owner by name although the write took its id
	// (Django REST Framework's StringRelatedField).
	peerNames []json.RawMessage
	// warnings are changes the rule could not undo: always shown.
	warnings []string
}

// found records that a write has candidates; judged that one was judged.
func (m *massRun) found()  { m.mu.Lock(); m.candidates = true; m.mu.Unlock() }
func (m *massRun) judged() { m.mu.Lock(); m.tested = true; m.mu.Unlock() }

// note records why a part keyed by key (an operation) could not run.
func (m *massRun) note(key, why string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.notes == nil {
		m.notes = map[string][]string{}
	}
	if !slices.Contains(m.order, key) {
		m.order = append(m.order, key) // profiles and registration run after the kinds, in order
	}
	m.notes[key] = append(m.notes[key], why)
}

// warn records a change to the throw-away account the rule could not undo.
func (m *massRun) warn(why string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.warnings = append(m.warnings, why)
}

// whys are the notes in a fixed order (object kinds in description order,
// then profiles, then registration), whatever order the workers ran in.
func (m *massRun) whys() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for _, k := range m.order {
		out = append(out, m.notes[k]...)
	}
	return out
}

// stop reports whether the rule must send nothing more.
func (m *massRun) stop(ctx context.Context) bool { return ctx.Err() != nil || m.a.Exhausted() }

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

// massFinding makes the finding: high when a stuck property is a role,
// an owner, a tenant or money, medium otherwise (a readOnly status, a
// server-set timestamp).
func massFinding(t *scanner.Target, conf finding.Confidence, summary string, stuck []objects.Candidate, rs ...*scanner.Response) finding.Finding {
	var keep []*scanner.Response
	for _, r := range rs {
		if r != nil && r.Request != nil {
			keep = append(keep, r)
		}
	}
	f := t.NewFinding(massRule, conf, summary, keep...)
	f.Severity = finding.SeverityMedium
	for _, c := range stuck {
		if massGrave(c.Name) {
			f.Severity = finding.SeverityHigh
		}
	}
	return f
}

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

// massGraveWords make a property's mass assignment high severity: it
// grants privileges, moves the object to another owner or tenant, or
// creates money.
var massGraveWords = regexp.MustCompile(`(?i)role|admin|owner|tenant|balance|credit|permission|staff|superuser|^user_?id$`)

// massGrave reports whether name's mass assignment is high severity.
func massGrave(name string) bool { return massGraveWords.MatchString(name) }

// massOwnerName matches the properties that name an object's owner, as
// opposed to a user it is about (an assignee's userId).
var massOwnerName = regexp.MustCompile(`(?i)^owner(_?id)?$`)

// massOwnership matches the candidates that move an account rather than
// raise it: they are never sent on the throw-away's own account or a
// registration, where a changed id could make the account someone else's
// or unreachable.
var massOwnership = regexp.MustCompile(`(?i)^(owner|owner_?id|user_?id|tenant_?id)$`)

// massReasonText says why a candidate is forbidden, as the summary quotes
// it: the API's owner weighs "the description marks it readOnly" and "it
// names the owner" differently.
func massReasonText(c objects.Candidate) string {
	switch c.Reason {
	case objects.ReasonReadOnly:
		return "readOnly in the description"
	case objects.ReasonAnswerOnly:
		return "only in answers, not in the write schema"
	}
	n := strings.ToLower(c.Name)
	switch {
	case strings.Contains(n, "owner") || strings.Contains(n, "tenant") || strings.Contains(n, "user"):
		return "a privilege name: it sets the owner"
	case strings.Contains(n, "balance") || strings.Contains(n, "credit"):
		return "a privilege name: it sets money"
	case strings.Contains(n, "verified"):
		return "a privilege name: it marks the account verified"
	}
	return "a privilege name: it grants rights"
}

// massNames lists the candidates with why each is forbidden.
func massNames(cs []objects.Candidate) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = fmt.Sprintf("%s (%s)", safeName(c.Name), massReasonText(c))
	}
	return strings.Join(parts, ", ")
}

// massThem and massPlural make summaries read right for one property or
// several.
func massThem(cs []objects.Candidate) string { return massThemN(len(cs)) }

func massThemN(n int) string {
	if n == 1 {
		return "it"
	}
	return "them"
}

func massPlural(cs []objects.Candidate) string {
	if len(cs) == 1 {
		return ""
	}
	return "s"
}

// massExtra is the candidates as top-level properties of a body.
func massExtra(cs []objects.Candidate) map[string]json.RawMessage {
	out := make(map[string]json.RawMessage, len(cs))
	for _, c := range cs {
		out[c.Name] = c.Value
	}
	return out
}

// massMerge adds extra to a JSON object body (nil: an empty object).
func massMerge(body []byte, extra map[string]json.RawMessage) ([]byte, bool) {
	obj := map[string]json.RawMessage{}
	if len(bytes.TrimSpace(body)) > 0 && json.Unmarshal(body, &obj) != nil {
		return nil, false
	}
	for k, v := range extra {
		obj[k] = v
	}
	b, err := json.Marshal(obj)
	return b, err == nil
}

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

// massUnset drops the candidates whose value the control read already
// shows: a value that is the default anyway proves nothing.
func massUnset(cs []objects.Candidate, control *scanner.Response) []objects.Candidate {
	var out []objects.Candidate
	for _, c := range cs {
		if massShows(control.Body, c) {
			continue
		}
		out = append(out, c)
	}
	return out
}

// massStuck returns the candidates whose sent value read shows and control
// (nil: none) does not.
func massStuck(cs []objects.Candidate, read, control *scanner.Response) []objects.Candidate {
	if !massReadable(read) {
		return nil
	}
	var cb []byte
	if control != nil {
		cb = control.Body
	}
	return massStuckIn(cs, read.Body, cb)
}

// massStuckIn is massStuck on bodies: the candidates whose sent value body
// shows and control (nil: none) does not.
func massStuckIn(cs []objects.Candidate, body, control []byte) []objects.Candidate {
	var out []objects.Candidate
	for _, c := range cs {
		if massShows(body, c) && !massShows(control, c) {
			out = append(out, c)
		}
	}
	return out
}

// massReadable reports whether r is a read-back that shows an object.
func massReadable(r *scanner.Response) bool {
	return r != nil && r.Err == nil && r.OK() && massObject(r.Body) != nil
}

// massWrappers are the envelope properties a read-back may put the object
// in ({"data": {...}}), tried in this order after the top level.
var massWrappers = []string{"data", "result", "item", "user", "profile", "account", "me", "object", "record"}

// massObject returns the JSON object r's body holds, nil when it holds
// none.
func massObject(body []byte) map[string]json.RawMessage {
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) != nil {
		return nil
	}
	return obj
}

// massField finds property name in a read-back: at the top level, else in
// a usual envelope.
func massField(body []byte, name string) (json.RawMessage, bool) {
	obj := massObject(body)
	if obj == nil {
		return nil, false
	}
	if v, ok := obj[name]; ok {
		return v, true
	}
	for _, w := range massWrappers {
		if inner := massObject(obj[w]); inner != nil {
			if v, ok := inner[name]; ok {
				return v, true
			}
		}
	}
	return nil, false
}

// massShows reports whether a read-back shows c's value: at the top level
// or in a usual envelope. Both are looked at, because an envelope's own
// properties ({"status": "ok", "data": {"status": "published"}}) may have
// the name too; the control, read the same way, keeps that from proving
// anything it should not.
func massShows(body []byte, c objects.Candidate) bool {
	obj := massObject(body)
	if obj == nil {
		return false
	}
	places := []map[string]json.RawMessage{obj}
	for _, w := range massWrappers {
		if inner := massObject(obj[w]); inner != nil {
			places = append(places, inner)
		}
	}
	for _, p := range places {
		if v, ok := p[c.Name]; ok && massMatch(c.Value, v) {
			return true
		}
	}
	return false
}

// massMatch reports whether got holds the value sent: equal scalars (a
// number sent may come back as text, a role in another case), arrays that
// hold every element sent, objects with every property sent.
func massMatch(sent, got json.RawMessage) bool {
	s, ok1 := massDecode(sent)
	g, ok2 := massDecode(got)
	return ok1 && ok2 && massEqual(s, g)
}

// massDecode decodes a JSON value keeping numbers as written.
func massDecode(raw json.RawMessage) (any, bool) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	return v, d.Decode(&v) == nil
}

// massEqual is massMatch on decoded values.
func massEqual(sent, got any) bool {
	switch s := sent.(type) {
	case []any:
		g, ok := got.([]any)
		if !ok || len(s) == 0 {
			return false
		}
		for _, e := range s {
			if !slices.ContainsFunc(g, func(x any) bool { return massEqual(e, x) }) {
				return false
			}
		}
		return true
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok || len(s) == 0 {
			return false
		}
		for k, v := range s {
			if !massEqual(v, g[k]) {
				return false
			}
		}
		return true
	}
	st, ok1 := massScalar(sent)
	gt, ok2 := massScalar(got)
	return ok1 && ok2 && strings.EqualFold(st, gt)
}

// massScalar is a scalar as text, numbers in one form (1e6 and 1000000
// alike).
func massScalar(v any) (string, bool) {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			return x.String(), true
		}
		return strconv.FormatFloat(f, 'f', -1, 64), true
	case string:
		return x, true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
}

// massSelfNames are the last segments (lower case, without separators) of
// routes about the caller's own account: /me, /users/me, /profile,
// /account, /whoami. massSelfAfterAccounts name it only after a collection
// of accounts (/users/self, /users/current): /subscriptions/current is
// something else.
var (
	massSelfNames = map[string]bool{
		"me": true, "currentuser": true, "profile": true, "myprofile": true, "account": true,
		"myaccount": true, "whoami": true,
	}
	massSelfAfterAccounts = map[string]bool{"self": true, "current": true}
)

// massAccountCollections are collections of accounts: /users/{id} with the
// throw-away's own id is its profile.
var massAccountCollections = map[string]bool{
	"users": true, "user": true, "accounts": true, "profiles": true, "members": true,
	"customers": true, "people": true,
}

// massSegments splits a route into segments, lower case without - and _.
func massSegments(path string) []string {
	var out []string
	for _, s := range strings.Split(path, "/") {
		if s != "" {
			out = append(out, strings.NewReplacer("-", "", "_", "").Replace(strings.ToLower(s)))
		}
	}
	return out
}

// massSelfRoute reports whether op is about the caller's own account. A
// bare /user (dj-rest-auth's /auth/user/) is, unless a required query
// parameter selects whose (GET /user?user_id=).
func massSelfRoute(op openapi.Operation) bool {
	segs := massSegments(op.Path)
	if len(segs) == 0 || strings.Contains(op.Path, "{") {
		return false
	}
	last := segs[len(segs)-1]
	if last == "user" {
		return !slices.ContainsFunc(op.Params, func(p openapi.Param) bool { return p.In == "query" && p.Required })
	}
	return massSelfNames[last] || len(segs) > 1 && massSelfAfterAccounts[last] && massAccountCollections[segs[len(segs)-2]]
}

// massAccountItem returns the path parameter of /users/{id}-like routes
// (/users/v1/{username} too: a version between the collection and the
// parameter is skipped).
func massAccountItem(path string) (string, bool) {
	segs := massSegments(path)
	if len(segs) < 2 || strings.Count(path, "{") != 1 || !strings.HasPrefix(segs[len(segs)-1], "{") {
		return "", false
	}
	coll := len(segs) - 2
	for coll > 0 && massVersion.MatchString(segs[coll]) {
		coll--
	}
	if !massAccountCollections[segs[coll]] {
		return "", false
	}
	raw := strings.Split(strings.TrimRight(path, "/"), "/")
	return strings.Trim(raw[len(raw)-1], "{}"), true
}

// massVersion matches an API version segment (v1, v2beta).
var massVersion = regexp.MustCompile(`^v[0-9]+[a-z0-9]*$`)

// massOwnIDKeys are where a profile read says the account's own id.
var massOwnIDKeys = []string{"id", "_id", "userId", "user_id", "uid", "accountId", "account_id"}

// massProfile is one profile update to test with the read that shows it.
type massProfile struct {
	write, read *scanner.Target
	param       string // the path parameter taking the own id, "" for /me
	// sameRoute: read is the GET of write's own route, which shows the
	// record the write changes.
	sameRoute bool
}

// profileTargets lists the profile updates of the description, PATCH
// before PUT, each with the read that shows the account (the same route's
// GET, else a /me-like GET); self is that /me-like read.
func (m *massRun) profileTargets() (out []massProfile, self *scanner.Target) {
	ops := m.a.Operations()
	for _, op := range ops {
		if op.Method == "GET" && massSelfRoute(op) && self == nil {
			self = m.a.Target(op.Method, op.Path)
		}
	}
	get := func(path string) (*scanner.Target, bool) {
		for _, op := range ops {
			if op.Method == "GET" && op.Path == path {
				return m.a.Target("GET", path), true
			}
		}
		return self, false
	}
	for _, method := range []string{"PATCH", "PUT"} {
		for _, op := range ops {
			if op.Method != method {
				continue
			}
			p := massProfile{write: m.a.Target(op.Method, op.Path)}
			switch param, item := massAccountItem(op.Path); {
			case massSelfRoute(op):
			case item:
				p.param = param
			default:
				continue
			}
			if p.read, p.sameRoute = get(op.Path); p.read != nil {
				out = append(out, p)
			}
		}
	}
	return out, self
}

// massPrivileged are the candidates sent on an account: the privilege
// names of the schemas, never the ones that move the account (an owner or
// tenant id), and role, isAdmin and admin when the description names none:
// real registrations accept them without declaring them.
func massPrivileged(write, read *openapi.Schema) []objects.Candidate {
	var out []objects.Candidate
	for _, c := range objects.MassAssignmentCandidates(write, read) {
		if c.Reason == objects.ReasonPrivilege && !massOwnership.MatchString(c.Name) {
			out = append(out, c)
		}
	}
	for _, d := range []objects.Candidate{
		{Name: "role", Value: json.RawMessage(`"admin"`), Reason: objects.ReasonPrivilege},
		{Name: "isAdmin", Value: json.RawMessage(`true`), Reason: objects.ReasonPrivilege},
		{Name: "admin", Value: json.RawMessage(`true`), Reason: objects.ReasonPrivilege},
	} {
		if !slices.ContainsFunc(out, func(c objects.Candidate) bool { return massSameName(c.Name, d.Name) }) {
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(a, b objects.Candidate) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// massSameName compares property names in any spelling (is_admin, isAdmin).
func massSameName(a, b string) bool {
	n := strings.NewReplacer("-", "", "_", "")
	return strings.EqualFold(n.Replace(a), n.Replace(b))
}

// profiles sends, as the throw-away identity, an update of its own
// account with privilege properties, reads the account back and puts back
// what it changed.
func (m *massRun) profiles(ctx context.Context) []finding.Finding {
	targets, _ := m.profileTargets()
	if len(targets) == 0 {
		return nil
	}
	m.found()
	const key = "profile"
	tws := m.a.Throwaways()
	if len(tws) == 0 {
		m.note(key, m.a.NoThrowaway(noThrowaway+": a profile update is sent only on a throw-away account"))
		return nil
	}
	tw := tws[0]
	var fs []finding.Finding
	for _, p := range targets {
		if m.stop(ctx) {
			break
		}
		if f, ok := m.profileCheck(ctx, tw, p); ok {
			fs = append(fs, f)
		}
	}
	return fs
}

// massRead is a fresh (never cached) read of t as id with values: a
// read-back must show the target's state now, not an earlier rule's answer.
func massRead(ctx context.Context, t *scanner.Target, id *scanner.Identity, values map[string]string) *scanner.Response {
	return t.Do(ctx, t.Request(id, values))
}

// profileCheck tests one profile update of tw's own account.
func (m *massRun) profileCheck(ctx context.Context, tw *scanner.Identity, p massProfile) (finding.Finding, bool) {
	key := "profile"
	op := acctOp(p.write)
	readVals := p.read.Values()
	writeVals := p.write.Values()
	if p.param != "" {
		_, self := m.profileTargets()
		if self == nil {
			m.note(key, op+": no /me-like GET tells the throw-away account's own id")
			return finding.Finding{}, false
		}
		me := massRead(ctx, self, tw, self.Values())
		id, ok := massOwnID(me, p.param)
		if !ok {
			m.note(key, fmt.Sprintf("%s: %s %s did not tell the throw-away account's own id (%s)", op, self.Op.Method, self.Op.Path, acctStatus(me)))
			return finding.Finding{}, false
		}
		if !p.sameRoute {
			m.note(key, fmt.Sprintf("%s: no GET of the same route shows that {%s} %s is the throw-away account's own record", op, safeName(p.param), safeName(id)))
			return finding.Finding{}, false
		}
		writeVals["path:"+p.param], readVals["path:"+p.param] = id, id
		// An id of /me may be another record's in this collection
		// (members and users numbered apart): the record must say it
		// is the throw-away's before anything is written to it.
		if before := massRead(ctx, p.read, tw, readVals); !massSameAccount(before, me, p.param) {
			m.note(key, fmt.Sprintf("%s: %s with the throw-away account's own id %s did not answer its own record (%s)", op, acctOp(p.read), safeName(id), acctStatus(before)))
			return finding.Finding{}, false
		}
	}
	before := massRead(ctx, p.read, tw, readVals)
	if !massReadable(before) {
		m.note(key, fmt.Sprintf("%s: the throw-away account's read %s answered %s", op, acctOp(p.read), acctStatus(before)))
		return finding.Finding{}, false
	}
	cands := massUnset(massPrivileged(p.write.Op.Body, p.read.Op.Answer), before)
	m.judged()
	if len(cands) == 0 {
		return finding.Finding{}, false
	}
	request := func(extra map[string]json.RawMessage) *scanner.Request {
		body, ok := massMerge(massProfileBase(p.write, before), extra)
		if !ok {
			return nil
		}
		req := p.write.Request(tw, writeVals)
		req.Body, req.ContentType = body, "application/json"
		return req
	}
	var r *scanner.Response
	if req := request(massExtra(cands)); req != nil {
		r = p.write.Do(ctx, req)
	}
	if r == nil || r.Err != nil && !scanner.MaybeSent(r) {
		return finding.Finding{}, false // not sent: nothing changed
	}
	// An update without an answer (a timeout) may have been applied: it
	// is read back and put back like one that answered.
	after := massRead(ctx, p.read, tw, readVals)
	stuck := massStuck(cands, after, before)
	var again *scanner.Response
	if len(stuck) > 0 {
		again = massRead(ctx, p.read, tw, readVals)
		stuck = massStuck(stuck, again, before)
	}
	// Put back what the update may have changed, proven or not: a read
	// that did not come (the budget ran out) may hide a change.
	var restored string
	if r.Status < 400 || len(stuck) > 0 {
		var lost []string
		restored, lost = m.restoreProfile(ctx, p, tw, readVals, before, after, cands, stuck, request)
		if len(stuck) == 0 && len(lost) > 0 {
			m.warn(fmt.Sprintf("%s may have left %s set on the throw-away account %s (no read showed it, none showed it put back): reset %s by hand", op, strings.Join(lost, ", "), safeName(tw.Name), massThemN(len(lost))))
		}
	}
	if len(stuck) == 0 {
		return finding.Finding{}, false
	}
	summary := fmt.Sprintf("%s, sent as the throw-away identity %s on its own account, set %s: the account's read %s shows the value%s sent, the read before the update did not. %s",
		op, safeName(tw.Name), massNames(stuck), acctOp(p.read), massPlural(stuck), restored)
	return massFinding(p.write, finding.ConfidenceHigh, summary, stuck, r, again, before), true
}

// massProfileBase is what a profile update carries besides the
// candidates: nothing for a PATCH; for a PUT, the account as read before,
// limited to the write schema's properties when there is one, so the
// update changes nothing else.
func massProfileBase(write *scanner.Target, before *scanner.Response) []byte {
	if write.Op.Method != "PUT" {
		return nil
	}
	obj := massObject(before.Body)
	for _, w := range massWrappers {
		if inner := massObject(obj[w]); inner != nil && len(obj) == 1 {
			obj = inner
		}
	}
	out := map[string]json.RawMessage{}
	for k, v := range obj {
		if s := write.Op.Body; s != nil && len(s.Properties) > 0 && s.Properties[k] == nil {
			continue
		}
		if slices.ContainsFunc(massOwnIDKeys, func(id string) bool { return id == k }) {
			continue
		}
		out[k] = v
	}
	b, _ := json.Marshal(out)
	return b
}

// restoreProfile puts back, after an update with cands, the values the
// read before it showed (false for a flag that was not there: the account
// had no right of it), and reads the account again; both go past the
// request budget (see scanner.API.Undo): a budget spent by the update
// must not leave the throw-away an admin. request builds the update with
// the values (nil: no body could be built). lost are the
// properties that may still be set: the read shows the value sent, or,
// for one that stuck, no read or no value to put back. The text says so
// for the summary.
func (m *massRun) restoreProfile(ctx context.Context, p massProfile, tw *scanner.Identity, readVals map[string]string, before, after *scanner.Response, cands, stuck []objects.Candidate, request func(map[string]json.RawMessage) *scanner.Request) (text string, lost []string) {
	// maybe: c may be set now: the read after the update showed it (if
	// not confirmed), or there was no such read.
	maybe := func(c objects.Candidate) bool {
		return slices.ContainsFunc(stuck, func(s objects.Candidate) bool { return s.Name == c.Name }) ||
			!massReadable(after) || massShows(after.Body, c)
	}
	back := map[string]json.RawMessage{}
	for _, c := range cands {
		switch v, ok := massField(before.Body, c.Name); {
		case ok:
			back[c.Name] = v
		case string(c.Value) == "true":
			back[c.Name] = json.RawMessage("false")
		case maybe(c):
			lost = append(lost, safeName(c.Name))
		}
	}
	if len(back) > 0 {
		if req := request(back); req != nil {
			m.a.Undo(ctx, p.write, req)
		}
		check := m.a.Undo(ctx, p.read, p.read.Request(tw, readVals))
		for _, c := range cands {
			if _, sent := back[c.Name]; !sent {
				continue
			}
			if massReadable(check) && massShows(check.Body, c) || !massReadable(check) && maybe(c) {
				lost = append(lost, safeName(c.Name))
			}
		}
	}
	slices.Sort(lost)
	if len(lost) == 0 {
		return "The earlier values were put back.", nil
	}
	return fmt.Sprintf("Could not put back %s on the throw-away account: reset %s by hand.", strings.Join(lost, ", "), massThemN(len(lost))), lost
}

// massNameKeys are where an account record says who it is, besides its id.
var massNameKeys = []string{"username", "userName", "user_name", "email", "login", "handle"}

// massSameAccount reports whether rec, a read of /users/{id} with the
// throw-away's own id, is the record me (its /me answer) describes: the
// same id, and the same login name or e-mail where /me shows one.
func massSameAccount(rec, me *scanner.Response, param string) bool {
	id, ok := massOwnID(rec, param)
	if want, _ := massOwnID(me, param); !ok || id != want {
		return false
	}
	for _, k := range massNameKeys {
		want, ok := massField(me.Body, k)
		if !ok {
			continue
		}
		got, ok := massField(rec.Body, k)
		return ok && massMatch(want, got)
	}
	return true
}

// massOwnID is the account's own id in a /me read: under the parameter's
// name, else a usual id key.
func massOwnID(me *scanner.Response, param string) (string, bool) {
	if !massReadable(me) {
		return "", false
	}
	for _, k := range append([]string{param}, massOwnIDKeys...) {
		if raw, ok := massField(me.Body, k); ok {
			if v, ok := massDecode(raw); ok {
				if s, ok := massScalar(v); ok && s != "" {
					return s, true
				}
			}
		}
	}
	return "", false
}

// registration registers a fresh account with privilege properties, logs
// in as it and reads it back; a control account registered without them
// tells a default from a property that stuck.
func (m *massRun) registration(ctx context.Context) []finding.Finding {
	const key = "registration"
	reg, ok := m.a.Flow(ctx, scanner.FlowRegister)
	if !ok || m.stop(ctx) {
		return nil
	}
	_, self := m.profileTargets()
	readSchema := (*openapi.Schema)(nil)
	if self != nil {
		readSchema = self.Op.Answer
	}
	cands := massPrivileged(reg.Op.Body, readSchema)
	m.found()
	logins := m.a.Logins()
	if len(logins) == 0 {
		m.note(key, "no identity with a login, whose body shows what a registration sends and that proves the new account")
		return nil
	}
	l := logins[0]
	if l.UsernameKey() == "" || l.PasswordKey() == "" {
		m.note(key, fmt.Sprintf("the login %s %s has no username or password field (set usernameField and passwordField)", l.Method, l.Path))
		return nil
	}
	rd, ok := m.accountReader(self)
	if !ok {
		m.note(key, "no /me-like GET, nor a GET of /users/{id}, to read a registered account back")
		return nil
	}
	acct, why, refused := m.register(ctx, reg, l, rd, massExtra(cands))
	if acct == nil && refused {
		// Refused with the properties: a registration that rejects
		// what it does not know, or one that needs more than the login
		// shows. One without them tells which.
		if ctl, _, _ := m.register(ctx, reg, l, rd, nil); ctl != nil {
			m.judged()
			return nil
		}
	}
	if acct == nil {
		m.note(key, why)
		return nil
	}
	m.judged()
	if !acct.shows(cands) {
		return nil
	}
	ctl, why, _ := m.register(ctx, reg, l, rd, nil)
	if ctl == nil {
		m.note(key, "the control registration without the privilege properties failed: "+why)
		return nil
	}
	return m.registrationFinding(ctx, reg, l, rd, cands, acct, ctl)
}

// registrationFinding compares the account registered with cands to the
// control registered without them, view by view (see massAccount), each
// proof read once more: its /me-like read, the claims of a fresh login's
// token. Either is a later read of the stored account: high. The
// registration's answer alone is not (a handler may answer the model it
// built from the request but saved only permitted fields): it counts, at
// low confidence, only where the control's answer shows the property
// with another value and no later read shows a value other than the one
// sent.
func (m *massRun) registrationFinding(ctx context.Context, reg *scanner.Target, l *scanner.Login, rd massReader, cands []objects.Candidate, acct, ctl *massAccount) []finding.Finding {
	var again *scanner.Response
	byRead := massStuck(cands, acct.read, ctl.read)
	if len(byRead) > 0 {
		again = rd.read(ctx, acct.as, acct.name, acct.answer)
		byRead = massStuck(byRead, again, ctl.read)
	}
	var relogin *scanner.Response
	byClaims := massStuckIn(cands, acct.claims, ctl.claims)
	if len(byClaims) > 0 {
		var claims []byte
		relogin, claims = m.logIn(ctx, l, acct.as.Login)
		byClaims = massStuckIn(byClaims, claims, ctl.claims)
	}
	proven := slices.DeleteFunc(slices.Clone(cands), func(c objects.Candidate) bool {
		return !massHas(byRead, c) && !massHas(byClaims, c)
	})
	if len(proven) > 0 {
		var shown []string
		if len(byRead) > 0 {
			shown = append(shown, fmt.Sprintf("%s shows the value%s sent for %s", acctOp(rd.t), massPlural(byRead), massBare(byRead)))
		}
		if len(byClaims) > 0 {
			shown = append(shown, fmt.Sprintf("the claims of the token its login answers (a JWT) carry the value%s sent for %s", massPlural(byClaims), massBare(byClaims)))
		}
		summary := fmt.Sprintf("%s created the account %s with %s: logged in as it, %s, and a control account registered without %s (%s) does not. Both accounts are deleted at the end of the scan where the API lets an account delete itself; the report's writes say whether they were.",
			acctOp(reg), acct.name, massNames(proven), strings.Join(shown, ", and "), massThem(proven), ctl.name)
		return []finding.Finding{massFinding(reg, finding.ConfidenceHigh, summary, proven, acct.answer, again, relogin, ctl.read)}
	}
	byAnswer := acct.answered(cands, ctl)
	if len(byAnswer) == 0 {
		return nil
	}
	summary := fmt.Sprintf("%s created the account %s with %s, and answered the value%s sent where it answered a control account registered without %s (%s) another value. No later read of the account shows %s (%s as itself, nor its login's token): the answer may have been built from the request rather than from the stored account, so this is reported at low confidence.",
		acctOp(reg), acct.name, massNames(byAnswer), massPlural(byAnswer), massThem(byAnswer), ctl.name, massThem(byAnswer), acctOp(rd.t))
	return []finding.Finding{massFinding(reg, finding.ConfidenceLow, summary, byAnswer, acct.answer, ctl.answer, acct.read)}
}

// massHas reports whether cs holds a candidate named like c.
func massHas(cs []objects.Candidate, c objects.Candidate) bool {
	return slices.ContainsFunc(cs, func(s objects.Candidate) bool { return s.Name == c.Name })
}

// massBare lists the candidates' names, without why each is forbidden.
func massBare(cs []objects.Candidate) string {
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = safeName(c.Name)
	}
	return strings.Join(names, ", ")
}

// massReader reads a registered account back, as the account itself: the
// /me-like GET, else the GET of /users/{id} with the id the registration
// answered.
type massReader struct {
	t     *scanner.Target
	param string // the path parameter of /users/{id}; "" for /me
}

// accountReader picks how to read a registered account back.
func (m *massRun) accountReader(self *scanner.Target) (massReader, bool) {
	if self != nil {
		return massReader{t: self}, true
	}
	for _, op := range m.a.Operations() {
		if param, ok := massAccountItem(op.Path); ok && op.Method == "GET" {
			return massReader{t: m.a.Target(op.Method, op.Path), param: param}, true
		}
	}
	return massReader{}, false
}

// read reads the account name registered with answer, as as. A read by id
// counts only when the record names the account: ids of the registration
// answer may be of another collection (a profile, a member), and another
// record proves nothing about this account.
func (rd massReader) read(ctx context.Context, as *scanner.Identity, name string, answer *scanner.Response) *scanner.Response {
	values := rd.t.Values()
	if rd.param != "" {
		id, ok := name, true
		if !acctAccountParam.MatchString(rd.param) {
			// Not /users/{username}: the id the registration answered.
			id, ok = massOwnID(answer, rd.param)
		}
		if !ok {
			return nil
		}
		values["path:"+rd.param] = id
	}
	r := massRead(ctx, rd.t, as, values)
	if rd.param != "" && !massRecordOf(r, name) {
		return nil
	}
	return r
}

// massRecordOf reports whether r is the record of the account name: its
// login name or e-mail under a usual key.
func massRecordOf(r *scanner.Response, name string) bool {
	if !massReadable(r) {
		return false
	}
	v, _ := json.Marshal(name)
	for _, k := range massNameKeys {
		if massShows(r.Body, objects.Candidate{Name: k, Value: v}) {
			return true
		}
	}
	return false
}

// massPasswordField matches a registration's password and its
// confirmation (password_confirmation, confirmPassword, pwd2).
var massPasswordField = regexp.MustCompile(`(?i)passw|pwd`)

// massSignupFields are the registration's own fields, from its schema
// (required ones, and those with an example: an e-mail VAmPI requires
// although the login has none), with seed-marked values under the new
// account's name and every password field set to password. The login's
// shape goes over them.
func massSignupFields(reg *scanner.Target, user, password string) map[string]any {
	fields := map[string]any{}
	seed := strings.TrimPrefix(strings.TrimSuffix(user, accountEmailDomain), accountNamePrefix)
	b, err := objects.Body(reg.Op.Body, seed)
	if err != nil || json.Unmarshal(b, &fields) != nil {
		return map[string]any{}
	}
	for k := range fields {
		if massPasswordField.MatchString(k) {
			fields[k] = password
		}
	}
	return fields
}

// massAccount is an account the rule registered and read back. Three
// views may show its properties: read, its /me-like read as itself;
// claims, those of the token its login answered when that is a JWT (the
// server's own statement of the stored account, issued after the
// registration: Juice Shop's whoami shows no role, its token does); and
// answer, the registration's answer, which is no later read.
type massAccount struct {
	name         string
	as           *scanner.Identity
	answer, read *scanner.Response
	claims       []byte // the JSON claims; nil when the token is no JWT
}

// shows reports whether some view of the account shows a candidate's
// value sent — in its answer only when no later view shows the property
// with another value — so that a control account is worth registering.
func (acct *massAccount) shows(cs []objects.Candidate) bool {
	return slices.ContainsFunc(cs, func(c objects.Candidate) bool {
		return massShows(acct.read.Body, c) || massShows(acct.claims, c) ||
			massShows(acct.answer.Body, c) && !acct.contradicts(c)
	})
}

// contradicts reports whether a later view of the account (its read, its
// token's claims) shows c's property with a value other than the one
// sent: the stored account does not have it, whatever the answer said.
func (acct *massAccount) contradicts(c objects.Candidate) bool {
	for _, body := range [][]byte{acct.read.Body, acct.claims} {
		if v, ok := massField(body, c.Name); ok && !massMatch(c.Value, v) {
			return true
		}
	}
	return false
}

// answered returns the candidates the registration's answer shows with the
// value sent, where the control's answer shows the property with another
// value (the server answers the account's own value, not an echo of the
// request) and no later view contradicts it.
func (acct *massAccount) answered(cs []objects.Candidate, ctl *massAccount) []objects.Candidate {
	if !massReadable(acct.answer) || !massReadable(ctl.answer) {
		return nil
	}
	var out []objects.Candidate
	for _, c := range cs {
		v, ok := massField(ctl.answer.Body, c.Name)
		if ok && !massMatch(c.Value, v) && massShows(acct.answer.Body, c) && !acct.contradicts(c) {
			out = append(out, c)
		}
	}
	return out
}

// massClaims returns the JSON claims of the JWT in a token (a compact JWS,
// alone or after a scheme), nil when it holds none. The signature is not
// checked: the token is the server's answer to the scan's own login.
func massClaims(token string) []byte {
	for _, s := range jwtCandidate.FindAllString(token, -1) {
		if tok, ok := parseJWT(s); ok {
			b, err := json.Marshal(tok.claims)
			if err == nil {
				return b
			}
		}
	}
	return nil
}

// logIn logs in again with own, a registered account's login shaped like
// l, and returns the answer and the claims of the token it carries: a
// fresh token confirms what the first one's claims showed.
func (m *massRun) logIn(ctx context.Context, l, own *scanner.Login) (*scanner.Response, []byte) {
	uk, pk := l.UsernameKey(), l.PasswordKey()
	r := m.a.Attempt(ctx, l, map[string]any{uk: own.Body[uk], pk: own.Body[pk]}, nil)
	tok, ok := m.a.Token(l, r)
	if !ok {
		return r, nil
	}
	return r, massClaims(tok)
}

// register registers a fresh account with extra properties, shaped like
// l's login (as weak-password-policy does), logs in as it and reads self
// as it. why says what failed; refused that the registration itself said
// no.
func (m *massRun) register(ctx context.Context, reg *scanner.Target, l *scanner.Login, rd massReader, extra map[string]json.RawMessage) (acct *massAccount, why string, refused bool) {
	uk, pk := l.UsernameKey(), l.PasswordKey()
	user, password := acctFreshName(l), acctStrongPassword()
	fields := massSignupFields(reg, user, password)
	for k, v := range l.Body {
		if k != pk && k != uk && acctCredentialField.MatchString(k) {
			continue
		}
		fields[k] = v
	}
	for k, raw := range extra {
		if v, ok := massDecode(raw); ok {
			fields[k] = v
		}
	}
	fields[uk], fields[pk] = user, password
	// The registration is evidence, but its password logs in to an
	// account that may now be an admin and may stay on the target: it is
	// redacted like the identities' secrets (As adds a secret to the
	// scan's redactor; the identity it returns is not used).
	m.a.As("", l, password)
	values, _ := flowValues(m.a, reg, l, user)
	r, err := acctPost(ctx, reg, l, values, fields)
	if err != nil {
		return nil, err.Error(), false
	}
	if acctUnusable(r) {
		return nil, fmt.Sprintf("the registration %s answered %s", acctOp(reg), acctStatus(r)), false
	}
	if r.Status >= 400 || registrationRefused(r) != "" {
		return nil, fmt.Sprintf("the registration %s answered %s", acctOp(reg), acctStatus(r)), true
	}
	login := m.a.Attempt(ctx, l, map[string]any{uk: user, pk: password}, nil)
	tok, ok := m.a.Token(l, login)
	if !ok {
		m.eng.Account(acctOp(reg), user, scanner.Anonymous) // listed as left: it cannot delete itself
		return nil, fmt.Sprintf("the account %s that %s created could not log in (%s): it may need an e-mail confirmation", user, acctOp(reg), acctStatus(login)), false
	}
	m.a.Token(l, r) // a registration that logs in answers a token too: hide it
	as := m.a.As("registered "+user, l, tok)
	// Its login, so the clean-up can confirm the account is gone.
	own := *l
	own.Body = maps.Clone(l.Body)
	own.Body[uk], own.Body[pk] = user, password
	as.Login = &own
	// Deleted at the end of the scan as itself, where the API lets an
	// account delete itself; listed in the report either way.
	self, _ := massOwnID(r, "id")
	m.eng.AccountLoggedIn(acctOp(reg), user, as, self)
	read := rd.read(ctx, as, user, r)
	if !massReadable(read) {
		why := fmt.Sprintf("the account %s's read %s answered %s", user, acctOp(rd.t), acctStatus(read))
		if read == nil && rd.param != "" {
			why = fmt.Sprintf("%s did not answer the record of the account %s (no id in the registration's answer, or another record)", acctOp(rd.t), user)
		}
		return nil, why, false
	}
	return &massAccount{name: user, as: as, answer: r, read: read, claims: massClaims(tok)}, "", false
}
