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
	"github.com/authgate/authgate/scanner/openapi"
)

// BOLACrossUserRead reports operations where one identity reads an
// object that belongs to the other (the peer reads the primary's, or the
// primary the peer's). The scan learns who owns what from everything it
// sees (see scanner.Target.Claims): ids only the primary sees in its
// lists, owns: in the config, object ids its login answer or token hands
// it (Juice Shop's bid), objects a list names it the owner of (VAmPI's
// {"book_title": …, "user": "name1"}), and each identity's own id, login
// name and email from its token's claims, its login answer and its
// /me-like record; the description's example value belongs to the
// identity whose own answer carries its id, name or email. An object id
// that fits only by an abbreviation (bid for /basket/{id}) counts once
// the owner's answer shows it is the owner's; an object a list already
// shows the other identity counts only when its item shows it something
// private the list does not.
//
// A finding needs the owner's answer to be a success that is not about
// the other identity, the other's answer to be a success showing the same
// object with more than a public profile, anonymous callers to be refused
// (else the operation is public or unauthenticated, which authn-missing
// covers), a made-up id to be refused (else the operation answers the
// same whatever the id), and a fresh answer to confirm it.
type BOLACrossUserRead struct{}

// Info implements scanner.Rule.
func (BOLACrossUserRead) Info() finding.RuleInfo { return info("bola-cross-user-read") }

// missingID is a value no API uses for a real object.
const missingID = "987654321"

// Check implements scanner.Rule.
func (BOLACrossUserRead) Check(ctx context.Context, t *scanner.Target) []finding.Finding {
	if t.Primary == nil || t.Peer == nil || !t.Safe() {
		return nil
	}
	vals := t.Values()
	judged := false
	for _, key := range crossUserParams(t, vals) {
		p, _ := t.Param(key)
		for _, c := range t.Claims(p) {
			f, ok, asked := crossUserRead(ctx, t, vals, key, c)
			if ok {
				return []finding.Finding{f}
			}
			judged = judged || asked
		}
	}
	if !judged {
		// Candidates that turned out to be nobody's object (404, not
		// the owner's record) tested nothing: coverage must not say so.
		t.Untested()
	}
	return nil
}

// crossUserParams returns the keys of the operation's parameters whose
// values may name an object of one identity, in parameter order: the id
// parameters, those that select a principal by a name or an email
// (?email=, /profiles/{handle}), where an identity's own login name or
// email is an object of its own, and those an object the scan knows the
// owner of fits although its name is no id's ({book_title}, see
// scanner.Target.Owned).
func crossUserParams(t *scanner.Target, vals map[string]string) []string {
	ids := idParams(t, vals)
	var out []string
	for _, p := range t.Op.Params {
		key := p.In + ":" + p.Name
		if slices.Contains(ids, key) {
			out = append(out, key)
			continue
		}
		if _, ok := vals[key]; ok && (p.In == "path" || p.In == "query") && (t.SelectsPrincipal(p) || t.Owned(p)) {
			out = append(out, key)
		}
	}
	return out
}

// crossUserRead tries one claimed value: as its owner and then as the
// other identity; a claim without an owner is tried for each identity as
// the owner, the primary first. asked reports whether an object of the
// owner's was found and asked for as the other identity: the check was
// made, whatever it found.
func crossUserRead(ctx context.Context, t *scanner.Target, vals map[string]string, key string, c scanner.Claim) (f finding.Finding, found, asked bool) {
	owners := []*scanner.Identity{c.Owner}
	if c.Owner == nil {
		owners = []*scanner.Identity{t.Primary, t.Peer}
	}
	vals = with(vals, key, c.Value)
	p, _ := t.Param(key)
	for _, owner := range owners {
		other := t.Peer
		if owner == t.Peer {
			other = t.Primary
		}
		a := t.Send(ctx, owner, vals)
		if !t.Success(a) {
			continue
		}
		if _, theirs := t.Carries(other, a.Body); theirs {
			// The object is about the other identity too (shared, or
			// really the other's): reading it proves nothing.
			continue
		}
		how := c.How
		switch {
		case c.Owner == nil:
			var mine bool
			if how, mine = t.Carries(owner, a.Body); !mine {
				continue
			}
		case c.Weak:
			// bid fits /basket/{id} only as an abbreviation: the
			// object must show it is the owner's.
			confirm, mine := t.Confirms(p, c, a.Body)
			if !mine {
				continue
			}
			how += "; " + confirm
		}
		b := t.Send(ctx, other, vals)
		asked = true
		if !t.Success(b) || scanner.Similarity(a.Body, b.Body) < sameContent || publicProfile(b) {
			continue
		}
		extra, reveals := t.Reveals(c, b.Body)
		if !reveals {
			// A list already shows the other identity all of it (a
			// post's author and text): the item is no more private.
			continue
		}
		if _, shown := t.Carries(owner, b.Body); c.Personal && !shown {
			// An object about the owner that does not show the owner's
			// id, name or email to the other identity shows nothing of
			// the owner's.
			continue
		}
		if anon := t.Send(ctx, scanner.Anonymous, vals); t.Success(anon) {
			continue
		}
		control := t.Send(ctx, other, with(vals, key, missingID))
		if t.Success(control) && scanner.Similarity(control.Body, b.Body) >= sameContent {
			// The operation answers the same whatever the id: not an object.
			continue
		}
		again := t.Resend(ctx, b)
		if !t.Success(again) || scanner.Similarity(again.Body, a.Body) < sameContent {
			continue
		}
		_, name, _ := strings.Cut(key, ":")
		summary := fmt.Sprintf("%s=%s belongs to identity %s (%s), yet identity %s read it: %s answered %d with the same object that %s gets, while anonymous callers are refused.",
			name, c.Value, t.Who(owner), how, t.Who(other), describe(b), b.Status, t.Who(owner))
		if c.Shown != nil {
			summary += fmt.Sprintf(" Its %s is not in the list that shows %s who owns it.", extra, t.Who(other))
		}
		// The other identity's request first: its curl reproduces the flaw.
		return t.NewFinding("bola-cross-user-read", finding.ConfidenceHigh, summary, b, a), true, true
	}
	return finding.Finding{}, false, asked
}

// publicProfile reports whether an answer is a person's record that shows
// only what public profiles show (a name, a username, an avatar): other
// users may read it by design.
func publicProfile(r *scanner.Response) bool {
	rec, ok := scanner.SingleRecord(r.Body)
	return ok && !rec.Private
}

// BOLAIDEnumeration reports operations where one identity (or none) reads
// the records of several different principals by guessing keys next to
// the example one (?user_id=1001, 1002, 1003 ...). Only single records
// with private data (an email, a phone ... not just a public username)
// count, each must identify a different principal, and the answers must
// differ from each other, so public catalogs and profiles, pages, soft
// 404s and "same answer for every id" are not findings. A record without
// personal data (a basket) counts when the scan knows it is someone
// else's (see ownership.elsewhere) and anonymous callers cannot read it;
// this works with one identity too, from what its login answer, token,
// /me record and owns: say it owns.
//
// Its value keeps per-scan state (what ownership judged, for coverage),
// so make one per scan (rules.All does).
type BOLAIDEnumeration struct {
	mu sync.Mutex
	// judged says, per operation ("GET /rest/basket/{id}"), what
	// ownership judged its records without personal data by, or why it
	// could not (see ownership.basis).
	judged map[string]ownershipBasis
}

var _ scanner.Explainer = (*BOLAIDEnumeration)(nil)

// Info implements scanner.Rule.
func (*BOLAIDEnumeration) Info() finding.RuleInfo { return info("bola-id-enumeration") }

// Explain implements scanner.Explainer: the operations whose records
// without personal data ownership judged, and by what, then those it
// could not judge (an owner field, but no object of the caller's known to
// compare it with). Nothing when ownership judged no record (every record
// was personal, or none had an owner field).
func (r *BOLAIDEnumeration) Explain() (string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var judged, not []string
	for _, op := range slices.Sorted(maps.Keys(r.judged)) {
		b := r.judged[op]
		if b.rank > notJudged {
			judged = append(judged, op+" by "+b.how)
		} else {
			not = append(not, op+": "+b.how)
		}
	}
	var parts []string
	if len(judged) > 0 {
		parts = append(parts, "records without personal data judged by ownership on "+strings.Join(judged, "; "))
	}
	if len(not) > 0 {
		parts = append(parts, "records without personal data not judged on "+strings.Join(not, "; "))
	}
	return strings.Join(parts, "; "), false
}

// note keeps what ownership judged an operation's records by.
func (r *BOLAIDEnumeration) note(op string, b ownershipBasis) {
	if b.how == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.judged == nil {
		r.judged = map[string]ownershipBasis{}
	}
	if old, ok := r.judged[op]; !ok || b.rank > old.rank {
		r.judged[op] = b
	}
}

// Enumeration bounds.
const (
	// guesses is how many neighbouring keys are tried per parameter.
	guesses = 4
	// needOthers is how many records of other principals prove
	// enumeration: one more record than the caller's own could be a
	// shared one (a team-mate); two are a pattern.
	needOthers = 2
)

// Check implements scanner.Rule.
func (r *BOLAIDEnumeration) Check(ctx context.Context, t *scanner.Target) []finding.Finding {
	// Operations declared public or optional-auth serve everyone by
	// design (a public directory).
	if !t.Safe() || t.Op.Security == openapi.SecurityPublic || t.Op.Security == openapi.SecurityOptional {
		return nil
	}
	id := t.Main()
	vals := t.Values()
	op := t.Op.Method + " " + t.Op.Path
	for _, key := range idParams(t, vals) {
		f, ok, basis := enumerate(ctx, t, id, vals, key)
		r.note(op, basis)
		if ok {
			return []finding.Finding{f}
		}
	}
	return nil
}

// enumerate guesses keys of parameter key next to its value. basis says
// what ownership judged records without personal data by, for coverage.
func enumerate(ctx context.Context, t *scanner.Target, id *scanner.Identity, vals map[string]string, key string) (finding.Finding, bool, ownershipBasis) {
	keys := neighbours(vals[key], guesses)
	if len(keys) == 0 {
		return finding.Finding{}, false, ownershipBasis{}
	}
	type record struct {
		resp *scanner.Response
		who  string
		note string // why it is someone else's, when no personal data says so
		vals map[string]string
	}
	var own *record
	if r := t.Send(ctx, id, vals); t.Success(r) {
		if rec, ok := scanner.SingleRecord(r.Body); ok {
			own = &record{resp: r, who: strings.Join(rec.Identifiers, ","), vals: vals}
		}
	}
	p, _ := t.Param(key)
	owners := &ownership{t: t, caller: id, p: p}
	var others []record
	for _, k := range keys {
		kvals := with(vals, key, k)
		r := t.Send(ctx, id, kvals)
		if !t.Success(r) {
			continue
		}
		// Public profiles (a username, a display name) are meant to be
		// read by others; private data (email, phone ...) is not.
		var who, note string
		if rec, ok := scanner.SingleRecord(r.Body); ok && rec.Private && len(rec.Identifiers) > 0 {
			who = strings.Join(rec.Identifiers, ",")
		} else if who, note, ok = owners.elsewhere(ctx, k, r); !ok {
			continue
		}
		distinct := own == nil || (who != own.who && scanner.Similarity(r.Body, own.resp.Body) < sameContent)
		for _, o := range others {
			distinct = distinct && who != o.who && scanner.Similarity(r.Body, o.resp.Body) < sameContent
		}
		if distinct {
			others = append(others, record{r, who, note, kvals})
		}
	}
	if len(others) >= needOthers {
		others = slices.DeleteFunc(others, func(o record) bool { return o.note != "" && owners.public(ctx, o.vals) })
	}
	if len(others) < needOthers {
		return finding.Finding{}, false, owners.basis
	}
	again := t.Resend(ctx, others[0].resp)
	if !t.Success(again) || scanner.Similarity(again.Body, others[0].resp.Body) < sameContent {
		return finding.Finding{}, false, owners.basis
	}
	_, name, _ := strings.Cut(key, ":")
	who := "without credentials"
	if !id.IsAnonymous() {
		who = fmt.Sprintf("as identity %q", id.Name)
	}
	var reqs []string
	for _, o := range others {
		d := describe(o.resp)
		if o.note != "" {
			d += " (" + o.note + ")"
		}
		reqs = append(reqs, d)
	}
	summary := fmt.Sprintf("Reading %s by guessed keys %s returned %d records of different principals: %s.",
		name, who, len(others), strings.Join(reqs, "; "))
	// Other principals' records first: the first curl reproduces the flaw.
	var rs []*scanner.Response
	for _, o := range others[:min(len(others), needOthers)] {
		rs = append(rs, o.resp)
	}
	switch {
	case own != nil:
		rs = append(rs, own.resp)
		// Say what the last exchange is: it is not one of the above.
		summary += fmt.Sprintf(" Evidence: the first %d of them, then the caller's own record (%s) for comparison.", min(len(others), needOthers), describe(own.resp))
	case owners.own != nil:
		// No personal record of the caller's: its own object, whose
		// owner field the others' were compared with, stands for it.
		rs = append(rs, owners.own)
		summary += fmt.Sprintf(" Evidence: the first %d of them, then the caller's own object, %s, for comparison: %s.", min(len(others), needOthers), describe(owners.own), owners.ownHow)
	}
	return t.NewFinding("bola-id-enumeration", finding.ConfidenceHigh, summary, rs...), true, owners.basis
}

// ownership tells bola-id-enumeration whose an object without personal
// data is (a basket, a book), from what the scan learned about who owns
// what (see scanner.Target.Claims).
type ownership struct {
	t      *scanner.Target
	caller *scanner.Identity
	p      openapi.Param
	// field is the owner field that holds the caller's own id, name or
	// email in its own object (its own basket's "data.UserId"), and
	// value what it holds there; looked up once, "" when none does.
	field, value string
	looked       bool
	// own is the caller's answer for its own object that lookUp found,
	// ownClaim how the scan learned it is the caller's, and ownHow that
	// with how the answer confirms it, for evidence; nil when none.
	own              *scanner.Response
	ownClaim, ownHow string
	// anonymous is the anonymous answer to the first object judged by
	// ownership, nil until asked.
	anonymous *scanner.Response
	// basis is what ownership judged the records by, for coverage.
	basis ownershipBasis
}

// ownershipBasis says what ownership judged an operation's records
// without personal data by, or (rank notJudged) why it could not.
type ownershipBasis struct {
	rank int
	how  string
}

// What ownership judged records by, the most telling last: coverage names
// the most telling (that others' records were told apart from the
// caller's says more than that the caller's own were recognised).
const (
	notJudged = iota
	byOwnRecords
	byOwners
)

// judgedBy keeps what ownership judged a record by, unless something more
// telling is kept already (the first of equal rank: keys are tried in a
// fixed order).
func (o *ownership) judgedBy(rank int, format string, args ...any) {
	if rank > o.basis.rank {
		o.basis = ownershipBasis{rank: rank, how: fmt.Sprintf(format, args...)}
	}
}

// elsewhere says whose object the answer r to key value v is, when the
// scan knows it is not the caller's: another identity's object (a list
// only it sees, owns:, its login answer or token, a list's owner field),
// an owner field naming another identity, or an owner field holding
// someone else than the field that names the caller in its own object
// does. who tells owners apart; note says why, for evidence.
func (o *ownership) elsewhere(ctx context.Context, v string, r *scanner.Response) (who, note string, ok bool) {
	t := o.t
	if o.caller.IsAnonymous() {
		return "", "", false
	}
	if how, mine := t.Carries(o.caller, r.Body); mine {
		if _, _, _, owned := t.OwnerField(r.Body); owned {
			o.judgedBy(byOwnRecords, "the caller's own records (%s)", how)
		}
		return "", "", false
	}
	if c, known := t.Belongs(o.p, v); known && c.Owner != o.caller {
		if _, confirmed := t.Confirms(o.p, c, r.Body); !c.Weak || confirmed {
			o.judgedBy(byOwners, "what the scan learned %s owns (%s)", t.Who(c.Owner), c.How)
			return "identity:" + c.Owner.Name, fmt.Sprintf("it belongs to %s: %s", t.Who(c.Owner), c.How), true
		}
	}
	path, value, owner, found := t.OwnerField(r.Body)
	switch {
	case !found:
		return "", "", false
	case owner == o.caller:
		o.judgedBy(byOwnRecords, "the caller's own records (their %s names it)", path)
		return "", "", false
	case owner != nil:
		o.judgedBy(byOwners, "its %s naming %s", path, t.Who(owner))
		return "identity:" + owner.Name, fmt.Sprintf("its %s %s names %s", path, value, t.Who(owner)), true
	}
	o.lookUp(ctx)
	switch {
	case o.field == "":
		if o.basis.rank == notJudged {
			o.basis.how = fmt.Sprintf("no object of %s's was known to compare its %s with (declare one with owns:)", t.Who(o.caller), path)
		}
		return "", "", false
	case o.field != path:
		return "", "", false
	}
	o.judgedBy(byOwners, "their %s against that of the caller's own object, %s (%s)", path, describe(o.own), o.ownClaim)
	if o.value == value {
		return "", "", false
	}
	return path + "=" + value, fmt.Sprintf("its %s is %s; the caller's own has %s", path, value, o.value), true
}

// lookUp finds the owner field of the caller's own object: the first of
// its objects the scan knows (see scanner.Target.Claims) whose answer
// holds the caller's own id, name or email in an owner field, or any
// value in it when the config says the caller owns the object (owns:
// with an opaque token: nothing else says who the caller is). An object
// a login answer merely hands the caller (an organisation's id) may be
// owned by someone else, so its owner field must name the caller.
func (o *ownership) lookUp(ctx context.Context) {
	if o.looked {
		return
	}
	o.looked = true
	key := o.p.In + ":" + o.p.Name
	tries := 0
	for _, c := range o.t.Claims(o.p) {
		if c.Owner != o.caller || tries >= maxOwnLookups {
			continue
		}
		tries++
		r := o.t.Send(ctx, o.caller, with(o.t.Values(), key, c.Value))
		if !o.t.Success(r) {
			continue
		}
		if path, value, owner, ok := o.t.OwnerField(r.Body); ok && (owner == o.caller || (owner == nil && c.Declared)) {
			o.field, o.value, o.own, o.ownClaim, o.ownHow = path, value, r, c.How, c.How
			if how, carried := o.t.Carries(o.caller, r.Body); carried {
				o.ownHow += "; " + how
			}
			return
		}
	}
}

// maxOwnLookups bounds the caller's own objects read to find its owner
// field: its first two claims are the likeliest.
const maxOwnLookups = 2

// public reports whether anonymous callers read the object of vals: one
// that everyone reads is a catalogue's, whoever owns it. Only the first
// object judged by ownership is asked for: the operation is public or not.
func (o *ownership) public(ctx context.Context, vals map[string]string) bool {
	if o.anonymous == nil {
		o.anonymous = o.t.Send(ctx, scanner.Anonymous, vals)
	}
	return o.t.Success(o.anonymous)
}
