package rules

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner"
	"github.com/authgate/authgate/scanner/objects"
	"github.com/authgate/authgate/scanner/openapi"
)

// WriteBFLA is bfla-privilege-escalation on administrative writes, in
// active mode only: creates and item writes the description declares or
// names administrative (administrative), and the writes on objects only
// the admin identity may create. A regular identity creates an object of
// an administrative kind, proven by the admin's read-back; and it updates
// and deletes an object the admin created, proven the same way. Without an
// admin identity only the regular identity's own create can be shown, at
// low confidence; what cannot be proven is said in the coverage.
type WriteBFLA struct{}

// Info implements scanner.APIRule: the operation rule's id, so both show
// as one rule.
func (WriteBFLA) Info() finding.RuleInfo { return writeHalf("bfla-privilege-escalation") }

// CheckAPI implements scanner.APIRule.
func (WriteBFLA) CheckAPI(ctx context.Context, a *scanner.API) []finding.Finding {
	w := a.Writes()
	user := a.Main()
	if w == nil || user.IsAnonymous() || user.IsAdmin() {
		// Safe mode, or no regular identity to escalate from: the
		// operation rule's coverage says so.
		return nil
	}
	j := &bflaWrites{user: user}
	j.init(a, w)
	j.boss = j.admin()
	if t := j.anyTarget(); t != nil {
		j.peer = regularPeer(t)
	}
	kinds := w.Kinds()
	fs := w.Each(ctx, kinds, func(k objects.Lifecycle) []finding.Finding { return j.kind(ctx, k) })
	j.uncreatable(kinds)
	j.report()
	return fs
}

// bflaWrites is one run of WriteBFLA.
type bflaWrites struct {
	writeJob
	user *scanner.Identity // the regular identity that escalates
	boss *scanner.Identity // the admin identity, nil for none
	peer *scanner.Identity // a second regular identity, nil for none

	nmu sync.Mutex
	// judged counts the administrative writes judged; untested says,
	// by "METHOD /path", why an administrative write was not; untestable
	// lists those no object of the scan's own can reach (no create
	// operation), which the scan must leave alone.
	judged     int
	untested   map[string]string
	untestable []string
}

// note records why op, an administrative write, could not be judged.
func (j *bflaWrites) note(op openapi.Operation, why string) {
	j.nmu.Lock()
	defer j.nmu.Unlock()
	if j.untested == nil {
		j.untested = map[string]string{}
	}
	key := op.Method + " " + op.Path
	if _, ok := j.untested[key]; !ok {
		j.untested[key] = why
	}
}

// count records that an administrative write was judged.
func (j *bflaWrites) count() {
	j.nmu.Lock()
	j.judged++
	j.nmu.Unlock()
}

// report says in the coverage what was not judged, in a fixed order. A
// write the scan could have tested with another input (an admin
// identity) is not run; one no input can make safe to test (no create
// operation gives the scan an object of its own) is not applicable, as
// bola-cross-user-write says of an API without creates.
func (j *bflaWrites) report() {
	const rule = "bfla-privilege-escalation"
	if len(j.untestable) > 0 {
		j.a.NotApplicable(rule, "no create operation gives the scan an object of its own for the administrative writes "+strings.Join(j.untestable, ", ")+", and it changes nothing it did not create")
	}
	if len(j.untested) > 0 {
		var out []string
		for _, key := range slices.Sorted(maps.Keys(j.untested)) {
			out = append(out, key+": "+j.untested[key])
		}
		j.a.Skip(rule, "administrative writes not tested: "+strings.Join(out, "; "))
		return
	}
	if j.judged == 0 && len(j.untestable) == 0 {
		j.a.NotApplicable(rule, "no administrative write: no create or item write is declared or named administrative, and none was refused to the regular identity and allowed to the admin")
	}
}

// signal is why an operation is administrative and how sure.
type signal struct {
	why  string
	conf finding.Confidence
	ok   bool
}

func signalOf(op openapi.Operation) signal {
	why, conf, ok := administrative(&op)
	return signal{why: why, conf: conf, ok: ok}
}

// kind judges one kind of object: the regular identity's create when the
// create is administrative, and its writes on the admin's object when
// they are, or when the kind turns out to be one only the admin creates.
func (j *bflaWrites) kind(ctx context.Context, k objects.Lifecycle) []finding.Finding {
	create := signalOf(k.Create)
	items := j.adminItems(k, false)
	// With an admin, the regular identity's create also tells the kinds
	// only the admin may create, whose item writes are then
	// administrative too.
	observe := j.boss != nil && hasItemWrite(k)
	if !create.ok && len(items) == 0 && !observe {
		return nil
	}
	if create.ok && k.Create.Security == openapi.SecurityPublic {
		create.ok = false // public by design: not a role's function
	}
	var out []finding.Finding
	var uo *scanner.Object
	var ur *scanner.Response
	var why string
	if create.ok || observe {
		uo, ur, why = j.w.Create(ctx, k, j.user, nil)
	}
	if create.ok {
		j.count()
		switch {
		case uo != nil:
			if f, ok := j.userCreated(ctx, k, uo, create); ok {
				out = append(out, f)
			}
		case !refused(ur):
			j.note(k.Create, "the regular identity's create could not be judged: "+why)
		}
	}
	kindWhy := create
	if !create.ok && uo == nil && j.boss != nil && roleRefused(ur) {
		kindWhy = signal{why: fmt.Sprintf("%s %s answered %d to regular identity %q", k.Create.Method, k.Create.Path, ur.Status, j.user.Name), conf: finding.ConfidenceHigh, ok: true}
	}
	if kindWhy.ok {
		items = j.adminItems(k, true)
	}
	if len(items) == 0 {
		return out
	}
	return append(out, j.adminObject(ctx, k, items, kindWhy)...)
}

// adminItems are k's item writes that are administrative themselves, or
// all of them when the kind is (adminKind), in itemWriteMethods' order:
// the delete last, since it ends the admin's object.
func (j *bflaWrites) adminItems(k objects.Lifecycle, adminKind bool) []objects.Item {
	var out []objects.Item
	for _, m := range itemWriteMethods {
		if it, ok := k.Item(m); ok && (adminKind || signalOf(it.Op).ok) && it.Op.Security != openapi.SecurityPublic {
			out = append(out, it)
		}
	}
	return out
}

// userCreated judges an administrative create the regular identity made
// an object with. With an admin, the admin's read-back is the proof that
// the object is real and in the admin's domain; a hinted create (weak
// signal) also needs a peer of the same role refused, else it may be
// meant for every user. Without an admin, the regular identity's own
// read-back shows the create worked, at low confidence: the identity is
// only assumed to be a regular user (and a hinted create the peer may call
// too is one for every user: nothing).
func (j *bflaWrites) userCreated(ctx context.Context, k objects.Lifecycle, uo *scanner.Object, sig signal) (finding.Finding, bool) {
	t := j.a.Target(k.Create.Method, k.Create.Path)
	if j.boss == nil {
		proof := j.readBack(ctx, uo, j.user)
		if !j.shows(proof, uo) {
			return finding.Finding{}, false
		}
		if sig.conf == finding.ConfidenceLow {
			if conf, _ := j.weakCreate(ctx, k); conf == 0 {
				return finding.Finding{}, false // the peer creates too: for every user
			}
		}
		summary := fmt.Sprintf("%s %s is administrative (%s). Identity %q, assumed to be a regular user, created an object with it and read it back (GET %s). Declare an identity of role admin to prove the role is not checked.",
			k.Create.Method, k.Create.Path, sig.why, j.user.Name, readRoute(k))
		return t.NewFinding("bfla-privilege-escalation", finding.ConfidenceLow, summary, uo.Created, proof), true
	}
	proof := j.readBack(ctx, uo, j.boss)
	if !j.shows(proof, uo) {
		// The admin does not see it: the user's own area, not the
		// admin's (or the admin lacks the read).
		return finding.Finding{}, false
	}
	if again := j.readBack(ctx, uo, j.boss); !j.shows(again, uo) {
		return finding.Finding{}, false
	}
	conf := finding.ConfidenceHigh
	var other *scanner.Response
	if sig.conf == finding.ConfidenceLow {
		conf, other = j.weakCreate(ctx, k)
		if other == nil && conf == 0 {
			return finding.Finding{}, false
		}
	}
	summary := fmt.Sprintf("%s %s is administrative (%s). Identity %q, a regular user, created an object with it (%d), and admin identity %q reads that object back (GET %s): the create does not check the caller's role.",
		k.Create.Method, k.Create.Path, sig.why, j.user.Name, uo.Created.Status, j.boss.Name, readRoute(k))
	exchanges := []*scanner.Response{uo.Created, proof}
	switch {
	case other != nil:
		summary += fmt.Sprintf(" Regular identity %q of the same role was refused (%d): the role check does not hold for every user.", j.peer.Name, other.Status)
		exchanges = append(exchanges, other)
	case conf == finding.ConfidenceLow:
		summary += " The signal is only a hint and no other regular identity was refused: it may be a create every signed-in user may call."
	}
	return t.NewFinding("bfla-privilege-escalation", conf, summary, exchanges...), true
}

// weakCreate judges a hinted create (/internal/, /staff/) the regular
// identity could use: the peer refused by role makes it high (with the
// peer's answer), the peer allowed makes it an operation for every user
// (0, nil: no finding), and no peer leaves it low.
func (j *bflaWrites) weakCreate(ctx context.Context, k objects.Lifecycle) (finding.Confidence, *scanner.Response) {
	if j.peer == nil {
		return finding.ConfidenceLow, nil
	}
	po, pr, _ := j.w.Create(ctx, k, j.peer, nil)
	switch {
	case po != nil:
		return 0, nil
	case roleRefused(pr):
		return finding.ConfidenceHigh, pr
	}
	return finding.ConfidenceLow, nil
}

// adminObject has the admin create an object of k and the regular
// identity send items on it; the admin's read-back decides.
func (j *bflaWrites) adminObject(ctx context.Context, k objects.Lifecycle, items []objects.Item, kindWhy signal) []finding.Finding {
	if j.boss == nil {
		for _, it := range items {
			j.note(it.Op, "needs an identity of role admin to create an object the regular identity then changes (declare one with role: admin)")
		}
		return nil
	}
	var ao *scanner.Object
	var out []finding.Finding
	for _, it := range items {
		if !j.testable(k, it.Op.Method) {
			j.note(it.Op, "no read of "+k.Collection+" shows whether a write stuck")
			continue
		}
		if ao == nil {
			var why string
			if ao, _, why = j.w.Create(ctx, k, j.boss, nil); ao == nil {
				for _, it := range items {
					j.note(it.Op, "the admin identity could not create an object of it: "+why)
				}
				return out
			}
		}
		sig := signalOf(it.Op)
		if !sig.ok || (kindWhy.ok && sig.conf < kindWhy.conf) {
			sig = kindWhy
		}
		f, tested, found := j.userWrite(ctx, ao, it, sig)
		if !tested {
			j.note(it.Op, "its body has no text field to carry the scan's marker, so no read-back can show the write")
			continue
		}
		j.count()
		if found {
			out = append(out, f)
		}
	}
	return out
}

// userWrite sends it as the regular identity on ao, the admin's object:
// a finding when the admin's read-back shows the change, confirmed once,
// and anonymous callers cannot make the same write (then the route checks
// no credentials at all: authn-missing reports it). tested is false when
// nothing could be sent.
func (j *bflaWrites) userWrite(ctx context.Context, ao *scanner.Object, it objects.Item, sig signal) (f finding.Finding, tested, found bool) {
	at := j.try(ctx, ao, it.Op.Method, j.user, j.boss)
	if at.attack == nil || !at.proven {
		return f, at.attack != nil, false
	}
	if again := j.confirm(ctx, ao, it.Op.Method, j.user, j.boss); !again.proven {
		return f, true, false
	}
	if j.confirm(ctx, ao, it.Op.Method, scanner.Anonymous, j.boss).proven {
		// Anonymous callers can make it too: the route checks no
		// credentials at all, which is authn-missing's finding (one
		// root cause, one rule), not a missing role check.
		return f, true, false
	}
	conf := finding.ConfidenceHigh
	if sig.conf == finding.ConfidenceLow {
		// A hint only: the write may be one every user may make.
		conf = finding.ConfidenceLow
	}
	summary := fmt.Sprintf("%s %s is administrative (%s). Identity %q, a regular user, sent it on an object admin identity %q created in this scan: %s. %s",
		it.Op.Method, it.Op.Path, sig.why, j.user.Name, j.boss.Name, at.what(j.boss), confirmedNote(it.Op.Method))
	return j.a.Target(it.Op.Method, it.Op.Path).NewFinding("bfla-privilege-escalation", conf, summary, at.attack, at.proof), true, true
}

// uncreatable lists the administrative item writes of no creatable kind,
// in the description's order: without an object of its own the scan
// cannot prove a write without changing data it did not create. The
// administrative writes whose path ends in no id are noted as not tested
// (see unaddressedWrites). It runs after the kinds, alone.
func (j *bflaWrites) uncreatable(kinds []objects.Lifecycle) {
	covered := map[string]bool{}
	for _, k := range kinds {
		for _, it := range k.Items {
			covered[it.Op.Method+" "+it.Op.Path] = true
		}
	}
	for _, op := range j.a.Operations() {
		if !slices.Contains(itemWriteMethods, op.Method) || covered[op.Method+" "+op.Path] || !signalOf(op).ok || op.Security == openapi.SecurityPublic {
			continue
		}
		if _, ok := asItemWrite(op); !ok {
			// A bulk or query-filtered write (DELETE /admin/cache,
			// PATCH /users?id=eq.1): not tested, and said so.
			j.note(op, "it addresses no object by an id in the path, and active mode changes only objects the scan created, by their id")
			continue
		}
		j.untestable = append(j.untestable, op.Method+" "+op.Path)
	}
}
