package rules

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner"
	"github.com/authgate/authgate/scanner/objects"
)

// CrossUserWrite is bola-cross-user-write, in active mode only: the
// primary identity creates an object, and the peer (another user of the
// same role) updates it, deletes it, or, for a kind created under a parent
// (POST /projects/{projectId}/members), creates a child in the primary's
// parent. The owner's read-back decides, never a status: some APIs answer
// 200 and ignore a foreign write, or apply it to the caller's own object.
// A proven write is tried once more on a fresh object before it is
// reported. An object the peer can read and that names the peer (a team
// member, a shared document), or that lives under a parent the config
// names, is shared by design as far as the scan can tell: at most low
// confidence, and the summary says so.
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
	j := &crossWrite{owner: ids.Primary, peer: ids.Peer, who: ids, failed: map[string]string{}}
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
	var whys []string
	for _, k := range kinds {
		if why, ok := j.failed[k.Create.Path]; ok {
			whys = append(whys, why)
		}
	}
	if len(whys) == 0 {
		return ""
	}
	if len(whys) == len(kinds) {
		return "no object of identity " + j.who.Who(j.owner) + " to attack: " + strings.Join(whys, "; ")
	}
	return fmt.Sprintf("%d of %d kinds of object not tested: %s", len(whys), len(kinds), strings.Join(whys, "; "))
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
	}
	return out
}

// itemWrites sends the peer's PUT, PATCH and DELETE on one object the
// primary created, each judged by the primary's read-back. why says why
// nothing could be sent.
func (j *crossWrite) itemWrites(ctx context.Context, k objects.Lifecycle, methods []string) ([]finding.Finding, string) {
	o, before, why := j.ownObject(ctx, k)
	if o == nil {
		return nil, why
	}
	shared := j.sharedByDesign(ctx, o, before)
	var out []finding.Finding
	for _, m := range methods {
		if m == http.MethodDelete {
			// Still there for its owner (an earlier write may have
			// changed its marker, not its existence)?
			if r := j.w.Read(ctx, o, j.owner); r == nil || !r.OK() || scanner.SoftDeleted(r.Body) {
				continue
			}
		}
		at := j.try(ctx, o, m, j.peer, j.owner)
		if !at.proven {
			continue
		}
		if !j.confirmFresh(ctx, k, m, j.peer) || j.confirmFresh(ctx, k, m, scanner.Anonymous) {
			// Not confirmed; or anonymous callers can do it too, which
			// is authn-missing's finding (one root cause, one rule).
			continue
		}
		it, _ := k.Item(m)
		t := j.a.Target(it.Op.Method, it.Op.Path)
		conf := finding.ConfidenceHigh
		summary := fmt.Sprintf("Identity %s sent %s %s on an object identity %s created in this scan: %s. Confirmed on a second object.",
			j.who.Who(j.peer), it.Op.Method, it.Op.Path, j.who.Who(j.owner), at.what(j.owner))
		if shared != "" {
			conf = finding.ConfidenceLow
			summary += " " + shared
		}
		out = append(out, t.NewFinding(crossWriteRule, conf, summary, at.attack, at.proof))
	}
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
	return j.try(ctx, o, method, as, j.owner).proven
}

// sharedByDesign says why o looks shared with the peer on purpose, ""
// when it does not: the peer reads it, and it names the peer or lives
// under a parent the config names (a team that existed before the scan).
// Such an object's writes by the peer may be what the API means (team
// members may edit).
func (j *crossWrite) sharedByDesign(ctx context.Context, o *scanner.Object, ownerRead *scanner.Response) string {
	peerRead := j.readBack(ctx, o, j.peer)
	if !j.shows(peerRead, o) {
		return ""
	}
	for _, r := range []*scanner.Response{ownerRead, peerRead} {
		if how, ok := j.w.Names(j.peer, r.Body); ok {
			return fmt.Sprintf("Identity %s can also read the object, which names it (%s): it may be shared with it by design (team members may edit); if so, this is not a flaw.", j.who.Who(j.peer), how)
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
