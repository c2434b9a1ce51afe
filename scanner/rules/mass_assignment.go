package rules

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/internal/lazyre"
	"github.com/authgate/authgate/scanner"
	"github.com/authgate/authgate/scanner/objects"
)

// This file holds mass-assignment: a write that accepts a property the
// caller must not set (a role, an owner, a readOnly field). It sends such
// properties only where the scan may change things — objects it created
// itself, the throw-away identity's own account, accounts it registers —
// and reads back whether they stuck. An answer that echoes the request
// proves nothing; only a later read does, compared with a control that was
// sent without them.
//
// This file holds the rule, its run's bookkeeping and what its parts
// share: how a read-back is compared with what was sent and with a
// control, and how a finding is worded. mass_assignment_objects.go holds
// the creates and updates of objects the scan created;
// mass_assignment_accounts.go the throw-away's profile updates and the
// registrations.

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

// massGraveWords make a property's mass assignment high severity: it
// grants privileges, moves the object to another owner or tenant, or
// creates money.
var massGraveWords = lazyre.New(`(?i)role|admin|owner|tenant|balance|credit|permission|staff|superuser|^user_?id$`)

// massGrave reports whether name's mass assignment is high severity.
func massGrave(name string) bool { return massGraveWords.MatchString(name) }

// massOwnership matches the candidates that move an account rather than
// raise it: they are never sent on the throw-away's own account or a
// registration, where a changed id could make the account someone else's
// or unreachable.
var massOwnership = lazyre.New(`(?i)^(owner|owner_?id|user_?id|tenant_?id)$`)

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
