package rules

import (
	"bytes"
	"context"
	"fmt"
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

// WriteAuthnMissing is authn-missing on state-changing operations, in
// active mode only. The primary identity creates an object; anonymous
// callers then update and delete it, and the owner's read-back decides;
// anonymous callers also create one, and the primary's read of it decides.
// Item writes the scan cannot reach with an object of its own (no create
// operation, or a create the primary is refused) get a probe that changes
// nothing: an id that cannot exist and a body that fails validation.
// Operations declared public (`security: []`, optional auth) are left
// alone, and so is an API whose reads are open to anyone anyway.
type WriteAuthnMissing struct{}

// Info implements scanner.APIRule: the operation rule's id, so both show
// as one rule in the coverage (reads in safe mode, writes too in active
// mode).
func (WriteAuthnMissing) Info() finding.RuleInfo { return writeHalf("authn-missing") }

// CheckAPI implements scanner.APIRule.
func (WriteAuthnMissing) CheckAPI(ctx context.Context, a *scanner.API) []finding.Finding {
	w := a.Writes()
	if w == nil {
		// Safe mode: no write is ever sent; the operation rule judged
		// the reads.
		return nil
	}
	j := &authnWrites{owner: a.Main()}
	j.init(a, w)
	kinds := w.Kinds()
	fs := w.Each(ctx, kinds, func(k objects.Lifecycle) []finding.Finding { return j.kind(ctx, k) })
	creates := collectionCreates(a.Operations())
	fs = append(fs, w.Each(ctx, creates, func(k objects.Lifecycle) []finding.Finding {
		if f, found, _ := j.anonymousCreate(ctx, k); found {
			return []finding.Finding{f}
		}
		return nil
	})...)
	fs = append(fs, j.probes(ctx)...)
	var tested []string
	for _, k := range creates {
		tested = append(tested, k.Create.Method+" "+k.Create.Path)
	}
	if un := slices.DeleteFunc(unaddressedWrites(a), func(op string) bool { return slices.Contains(tested, op) }); len(un) > 0 {
		a.Skip("authn-missing", unaddressedNote(un))
	} else if !j.judged {
		a.NotApplicable("authn-missing", "no state-changing operation declared or found protected that active mode can send: no protected create, and no protected item write")
	}
	return fs
}

// createWords, first in an operation's summary (else its description),
// say that it creates something: a PUT that does is a create on its
// collection (Juice Shop's PUT /rest/products/{id}/reviews, "Create a
// review for a product"). Only first: "Replace the posts; to add one…"
// replaces a collection. createOpID is the same for an operation id
// (createReview, add_comment).
var (
	createWords  = lazyre.New(`^(?i)\s*(create|creates|add|adds|submit|submits)\b`)
	createOpID   = lazyre.New(`^(?i:create|add|submit)([A-Z_-]|$)`)
	accountWords = lazyre.New(`(?i)^(users?|accounts?|members?|me|profiles?|register|registration|sign-?up|password|settings|config(uration)?|roles?|permissions?|sessions?|tokens?|login|logout)$`)
)

// collectionCreates are the PUT operations on a collection (a path that
// ends in no id) that say they create an object (summary, description or
// operation id) and take a JSON object, whose collection has a GET to read
// the new object back: authn-missing sends them anonymously like a POST
// create (Writes.Create sends a kind's create with its own method). A PUT
// that does not say it creates may replace the whole collection, and one
// on people, settings or credentials changes what the scan must not: those
// are never sent (unaddressedWrites lists them).
func collectionCreates(ops []openapi.Operation) []objects.Lifecycle {
	var out []objects.Lifecycle
	for _, op := range ops {
		if op.Method != http.MethodPut || op.Body == nil || (op.Body.Type != "" && op.Body.Type != "object") {
			continue
		}
		segs := routeSegs(op.Path)
		if len(segs) == 0 || accountWords.MatchString(segs[len(segs)-1]) {
			continue
		}
		if _, item := segParam(segs[len(segs)-1]); item {
			continue
		}
		if !saysCreate(op) {
			continue
		}
		if !slices.ContainsFunc(ops, func(g openapi.Operation) bool { return g.Method == http.MethodGet && g.Path == op.Path }) {
			continue
		}
		k := objects.Lifecycle{Create: op, Collection: routeKey(op.Path)}
		for _, seg := range segs {
			if name, ok := segParam(seg); ok {
				k.Parents = append(k.Parents, name)
			}
		}
		out = append(out, k)
	}
	return out
}

// saysCreate reports whether op's summary (else its description) begins
// with a create verb, or its operation id does.
func saysCreate(op openapi.Operation) bool {
	text := op.Summary
	if strings.TrimSpace(text) == "" {
		text = op.Description
	}
	return createWords.MatchString(text) || createOpID.MatchString(op.OperationID)
}

// unaddressedWrites are the PUT, PATCH and DELETE operations whose path
// ends in no id ("METHOD /path", in the description's order): PostgREST's
// PATCH /notes?id=eq.1, a bulk DELETE /notes, a singleton PUT /settings.
// The engine addresses only objects of the scan's own by their id in the
// path, so no write rule sends them; the rules' coverage says so, since a
// pass must mean tested.
func unaddressedWrites(a *scanner.API) []string {
	var out []string
	for _, op := range a.Operations() {
		if !slices.Contains(itemWriteMethods, op.Method) {
			continue
		}
		if _, item := asItemWrite(op); !item {
			out = append(out, op.Method+" "+op.Path)
		}
	}
	return out
}

// unaddressedNote is the coverage's reason for the writes
// unaddressedWrites lists.
func unaddressedNote(ops []string) string {
	return "writes not tested: " + strings.Join(ops, ", ") + " address no object by an id in the path (query filters, a whole collection, a singleton), and active mode changes only objects the scan created, by their id"
}

// writeHalf is the catalog entry of rule id for its half that writes: an
// active rule, so that safe mode neither runs it nor logs the throw-away
// identities in again after it, and the coverage says why it did not run.
func writeHalf(id string) finding.RuleInfo {
	ri := info(id)
	ri.Mode = finding.ModeActive
	return ri
}

// writeJob is what both write rules share: the API, its write engine, and
// which operations were judged with an object of the scan's own.
type writeJob struct {
	a *scanner.API
	w *scanner.Writes
	// direct holds "METHOD /path" of the item writes tested on an object
	// the scan created; the others are probed.
	mu     sync.Mutex
	direct map[string]bool
	// guard caches protection's answers, by "METHOD /path"; gmu is held
	// while one is asked, so each is asked once.
	gmu   sync.Mutex
	guard map[string]protection
}

// init readies j for one run on a's writes.
func (j *writeJob) init(a *scanner.API, w *scanner.Writes) {
	j.a, j.w, j.direct, j.guard = a, w, map[string]bool{}, map[string]protection{}
}

// markDirect records that op was tested on an object the scan created.
func (j *writeJob) markDirect(op openapi.Operation) {
	j.mu.Lock()
	j.direct[op.Method+" "+op.Path] = true
	j.mu.Unlock()
}

// isDirect reports whether op was tested on an object the scan created.
func (j *writeJob) isDirect(op openapi.Operation) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.direct[op.Method+" "+op.Path]
}

// authnWrites is one run of WriteAuthnMissing.
type authnWrites struct {
	writeJob
	// owner creates the objects anonymous callers attack: the primary,
	// or anonymous when the scan has no credentials (then only the
	// anonymous creates and the probes run).
	owner *scanner.Identity
	// judged is set when a write was sent: an anonymous create, an
	// attack or a probe (guarded by mu).
	judged bool
}

// noteJudged records that a write was judged.
func (j *authnWrites) noteJudged() {
	j.mu.Lock()
	j.judged = true
	j.mu.Unlock()
}

// itemWriteMethods are the item methods that change an object, in the
// order they are tried: the delete last, since it ends the object.
var itemWriteMethods = []string{http.MethodPut, http.MethodPatch, http.MethodDelete}

// kind runs the anonymous attacks on one kind of object: the anonymous
// create, then PUT, PATCH and DELETE on an object of the primary's (the
// admin's when only the admin may create the kind, as a shop's products).
func (j *authnWrites) kind(ctx context.Context, k objects.Lifecycle) []finding.Finding {
	var out []finding.Finding
	f, found, refused := j.anonymousCreate(ctx, k)
	if found {
		out = append(out, f)
	}
	if !hasItemWrite(k) {
		return out
	}
	var o *scanner.Object
	for _, m := range itemWriteMethods {
		it, ok := k.Item(m)
		if !ok || !j.testable(k, m) {
			continue // the probe judges it
		}
		p := j.protected(ctx, it.Op)
		if !p.ok && it.Op.Security == openapi.SecurityUndeclared && refused != "" {
			p = protection{ok: true, siblings: refused, why: "declares no security, while " + refused}
		}
		if !p.ok {
			continue
		}
		if o == nil {
			if o = j.ownObject(ctx, k); o == nil {
				// Not creatable for any identity of the scan: the
				// probe judges the kind's writes.
				return out
			}
		}
		f, tested, found := j.itemWrite(ctx, o, it, p)
		if tested {
			j.markDirect(it.Op)
			j.noteJudged()
		}
		if found {
			out = append(out, f)
		}
	}
	return out
}

// ownObject creates an object of k for anonymous callers to attack: as the
// primary, else as the admin (a kind only the admin creates: the
// anonymous write is proven on the admin's object, with no change to
// anything that existed before the scan); nil when neither can.
func (j *authnWrites) ownObject(ctx context.Context, k objects.Lifecycle) *scanner.Object {
	owners := []*scanner.Identity{j.owner}
	if admin := j.admin(); admin != nil && admin != j.owner {
		owners = append(owners, admin)
	}
	for _, id := range owners {
		if id.IsAnonymous() {
			continue
		}
		if o, _, _ := j.w.Create(ctx, k, id, nil); o != nil {
			return o
		}
	}
	return nil
}

// testable reports whether the write method on k can be proven on an
// object the scan creates: a read-back must be able to show it.
func (j *writeJob) testable(k objects.Lifecycle, method string) bool {
	_, item := k.Item(http.MethodGet)
	if method == http.MethodDelete {
		return item // Gone needs the owner's read of the item
	}
	return item || j.collectionRead(k) != nil
}

// hasItemWrite reports whether k has a PUT, PATCH or DELETE on its items.
func hasItemWrite(k objects.Lifecycle) bool {
	for _, m := range itemWriteMethods {
		if _, ok := k.Item(m); ok {
			return true
		}
	}
	return false
}

// itemWrite sends it on o without credentials; a finding when the owner's
// read-back shows the change, confirmed by a second attempt. tested is
// false when nothing could be sent (no field to mark): the probe judges
// the operation then.
func (j *authnWrites) itemWrite(ctx context.Context, o *scanner.Object, it objects.Item, p protection) (f finding.Finding, tested, found bool) {
	owner := o.Owner
	at := j.try(ctx, o, it.Op.Method, scanner.Anonymous, owner)
	if at.attack == nil || !at.proven {
		return f, at.attack != nil, false
	}
	if again := j.confirm(ctx, o, it.Op.Method, scanner.Anonymous, owner); !again.proven {
		return f, true, false
	}
	t := j.a.Target(it.Op.Method, it.Op.Path)
	summary := fmt.Sprintf("%s %s %s, but without any credentials it changed an object identity %q created in this scan: %s. %s",
		it.Op.Method, it.Op.Path, p.why, owner.Name, at.what(owner), confirmedNote(it.Op.Method))
	return t.NewFinding("authn-missing", finding.ConfidenceHigh, summary, at.attack, at.proof), true, true
}

// confirmedNote says how a positive was confirmed.
func confirmedNote(method string) string {
	if method == http.MethodDelete {
		return "Confirmed on a second object the scan created."
	}
	return "Confirmed by a second write with another marker."
}

// anonymousCreate sends k's create without credentials: a finding when it
// made an object that the primary (or the admin) then reads. Not
// confirmed by a second create: the read-back of the object the anonymous
// create made is already a second, independent answer, and every extra
// object is one more thing to clean up. refused names the create's 401 or
// 403 to anonymous callers ("" for none): on a description that declares
// no security and reads that are public by design (a blog), it is what
// shows that writes of this kind need credentials, so the kind's item
// writes are judged. The create is sent for that even when it is not
// itself judged, but only then: the kind has such an item write.
func (j *authnWrites) anonymousCreate(ctx context.Context, k objects.Lifecycle) (f finding.Finding, found bool, refused string) {
	p := j.protected(ctx, k.Create)
	if !p.ok && !j.needsGuard(ctx, k) {
		return f, false, ""
	}
	o, r := j.createAnonymously(ctx, k)
	if r != nil && r.Err == nil {
		j.noteJudged()
		if r.Status == http.StatusUnauthorized || r.Status == http.StatusForbidden {
			refused = fmt.Sprintf("%s %s answers %d to anonymous callers", k.Create.Method, k.Create.Path, r.Status)
		}
	}
	if !p.ok || o == nil || !r.OK() {
		return f, false, refused
	}
	proof, reader := j.createdShows(ctx, o)
	if proof == nil {
		return f, false, ""
	}
	conf := finding.ConfidenceMedium
	if p.declared && p.siblings != "" {
		conf = finding.ConfidenceHigh
	}
	t := j.a.Target(k.Create.Method, k.Create.Path)
	summary := fmt.Sprintf("%s %s %s, but without any credentials it answered %d and created an object, which identity %q then read back (%s %s): anyone can create %s.",
		k.Create.Method, k.Create.Path, p.why, r.Status, reader.Name, http.MethodGet, readRoute(k), k.Collection)
	if conf != finding.ConfidenceHigh {
		summary += " If anonymous creation is meant (a contact form, a guest review), declare the operation public with `security: []`."
	}
	if _, ok := k.Item(http.MethodDelete); !ok {
		summary += " The scan cannot delete the object (no DELETE on it): the report's writes list it."
	}
	return t.NewFinding("authn-missing", conf, summary, r, proof), true, ""
}

// needsGuard reports whether k, whose create is not known to need
// credentials, has an item write the description leaves undeclared and
// no read shows protected: only the create's answer to anonymous callers
// can tell whether its writes need credentials. A create declared public
// or optional-auth is open by design, and so are its objects' writes as
// far as the scan can tell.
func (j *authnWrites) needsGuard(ctx context.Context, k objects.Lifecycle) bool {
	if k.Create.Security != openapi.SecurityUndeclared || j.owner.IsAnonymous() {
		return false
	}
	for _, m := range itemWriteMethods {
		it, ok := k.Item(m)
		if ok && it.Op.Security == openapi.SecurityUndeclared && j.testable(k, m) && !j.protected(ctx, it.Op).ok {
			return true
		}
	}
	return false
}

// createAnonymously creates an object of k without credentials; for a
// nested kind, under a parent the owner creates first (or the parent
// configured in pathValues).
func (j *authnWrites) createAnonymously(ctx context.Context, k objects.Lifecycle) (*scanner.Object, *scanner.Response) {
	if len(k.Parents) == 0 || j.owner.IsAnonymous() {
		o, r, _ := j.w.Create(ctx, k, scanner.Anonymous, nil)
		return o, r
	}
	pk, ok := j.w.Parent(k)
	if !ok {
		// Parents from pathValues: the create needs no parent object.
		o, r, _ := j.w.Create(ctx, k, scanner.Anonymous, nil)
		return o, r
	}
	parent, _, _ := j.w.Create(ctx, pk, j.owner, nil)
	if parent == nil {
		return nil, nil
	}
	o, r, _ := j.w.CreateUnder(ctx, k, parent, scanner.Anonymous, nil)
	return o, r
}

// createdShows reads an object anonymous callers created as the owner,
// then as the admin: the first read that shows it, with its reader.
func (j *authnWrites) createdShows(ctx context.Context, o *scanner.Object) (*scanner.Response, *scanner.Identity) {
	readers := []*scanner.Identity{j.owner}
	if admin := j.admin(); admin != nil && admin != j.owner {
		readers = append(readers, admin)
	}
	for _, id := range readers {
		if r := j.readBack(ctx, o, id); j.shows(r, o) {
			return r, id
		}
	}
	return nil, nil
}

// probes sends the non-destructive probe on every item write not tested
// on an object of the scan's own, in the description's order.
func (j *authnWrites) probes(ctx context.Context) []finding.Finding {
	var out []finding.Finding
	for _, op := range j.a.Operations() {
		it, ok := asItemWrite(op)
		if !ok || j.isDirect(op) || j.a.Exhausted() {
			continue
		}
		p := j.protected(ctx, op)
		if !p.ok {
			continue
		}
		j.noteJudged()
		if f, ok := j.probe(ctx, it, p); ok {
			out = append(out, f)
		}
	}
	return out
}

// asItemWrite returns op as an item write: a PUT, PATCH or DELETE whose
// last path segment is a parameter, the object's id ({id}, Express's :id,
// with or without a format suffix or trailing slash: Rails'
// /notes/{id}.json, Django's /notes/{id}/).
func asItemWrite(op openapi.Operation) (objects.Item, bool) {
	if !slices.Contains(itemWriteMethods, op.Method) {
		return objects.Item{}, false
	}
	segs := routeSegs(op.Path)
	if len(segs) == 0 {
		return objects.Item{}, false
	}
	name, ok := segParam(segs[len(segs)-1])
	if !ok {
		return objects.Item{}, false
	}
	return objects.Item{Op: op, Param: name}, true
}

// formatSuffix is a response format appended to a route (Rails'
// /notes.json, /notes/{id}.json): the route is the same without it.
var formatSuffix = lazyre.New(`\.(json|xml|\{format\})$`)

// routeSegs splits a route template into its segments, without empty ones
// (a trailing slash) and without a format suffix, so that /notes.json,
// /notes/ and /notes name one collection.
func routeSegs(path string) []string {
	var out []string
	for _, s := range strings.Split(path, "/") {
		if s = formatSuffix.ReplaceAllString(s, ""); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// routeKey is path normalised by routeSegs: "/notes" for /notes.json and
// /notes/.
func routeKey(path string) string {
	return "/" + strings.Join(routeSegs(path), "/")
}

// segParam is the name of a whole-segment path parameter: {name}, or
// :name (Express routes copied into a description).
func segParam(seg string) (string, bool) {
	if len(seg) > 2 && seg[0] == '{' && seg[len(seg)-1] == '}' && !strings.ContainsAny(seg[1:len(seg)-1], "{}") {
		return seg[1 : len(seg)-1], true
	}
	if len(seg) > 1 && seg[0] == ':' {
		return seg[1:], true
	}
	return "", false
}

// probe sends it without credentials on an id that cannot exist, with a
// body of the wrong JSON type: nothing can change. A protected route
// refuses before it looks (401, 403); a handler that ran without
// credentials answers about the object (404) or the body (400, 422), or
// answers 2xx. An answer about the body may come from a validator mounted
// before the authentication (Express' celebrate, then the auth
// middleware): then a second probe, on the same id with a body that
// passes validation, decides (see validProbe).
func (j *authnWrites) probe(ctx context.Context, it objects.Item, p protection) (finding.Finding, bool) {
	body := wrongTypeBody(it.Op)
	r := j.w.SendMissing(ctx, it, nil, scanner.Anonymous, body)
	conf, ok := probeVerdict(r)
	if !ok {
		return finding.Finding{}, false
	}
	evidence := []*scanner.Response{r}
	var sent, then string
	verdict := ": the handler ran without checking credentials (a protected route refuses with 401 or 403 before it looks the object up)."
	if body != nil {
		sent = " and a body of the wrong JSON type"
	}
	if bodyComplaint(r) && body != nil {
		valid := j.validProbe(ctx, it)
		if valid == nil {
			return finding.Finding{}, false
		}
		if conf, ok = validVerdict(valid); !ok {
			return finding.Finding{}, false // validation first, then 401: protected
		}
		evidence = append(evidence, valid)
		then = fmt.Sprintf("; the same request with a body that should pass validation answered %d", valid.Status)
		if bodyComplaint(valid) {
			verdict = ". The handler may run without checking credentials, or check the body before the credentials (a validator mounted before the authentication): only a write on a real object tells them apart."
		}
	} else {
		again := j.w.SendMissing(ctx, it, nil, scanner.Anonymous, body)
		if c, ok := probeVerdict(again); !ok || c != conf {
			return finding.Finding{}, false
		}
	}
	summary := fmt.Sprintf("%s %s %s, yet a request without credentials, on an id that cannot exist%s, answered %d%s%s",
		it.Op.Method, it.Op.Path, p.why, sent, r.Status, then, verdict)
	if last := evidence[len(evidence)-1]; last.OK() {
		summary += " Some APIs answer 2xx to what they refuse and ignore it: if this one does, it is not a flaw."
		if it.Op.Method != http.MethodDelete {
			summary += " A 2xx may also mean the write created an object at the scan's own id (an upsert): the clean-up removes it (see the report's writes)."
		}
	}
	summary += " The probe changed no object that existed before the scan; the proof would be an anonymous write on a real object, which the scan could not create."
	return j.a.Target(it.Op.Method, it.Op.Path).NewFinding("authn-missing", conf, summary, evidence...), true
}

// bodyComplaint reports whether a probe's answer is about its body (400,
// 422).
func bodyComplaint(r *scanner.Response) bool {
	return r.Status == http.StatusBadRequest || r.Status == http.StatusUnprocessableEntity
}

// validProbe sends it without credentials on the id that cannot exist
// with a body built from the operation's schema (the configured body when
// there is one), which passes a validator that runs before the
// authentication; nil when it was not sent.
func (j *authnWrites) validProbe(ctx context.Context, it objects.Item) *scanner.Response {
	k := objects.Lifecycle{Collection: it.Op.Path, Items: []objects.Item{it}}
	body, ok := j.w.UpdateBody(&scanner.Object{Kind: k}, it.Op.Method, j.w.Marker())
	if !ok {
		body = []byte(`{}`)
	}
	return sent(j.w.SendMissing(ctx, it, nil, scanner.Anonymous, body))
}

// validVerdict judges the answer to validProbe, after the wrong-typed body
// was refused for its body: 401 or 403 now shows a validator in front of
// the authentication (nothing); 404 shows the handler looking the object
// up without credentials (medium); a 2xx (200-and-ignore or an upsert)
// or the body refused again (our body may not pass) are weak (low).
func validVerdict(r *scanner.Response) (finding.Confidence, bool) {
	switch {
	case r.Status == http.StatusNotFound:
		return finding.ConfidenceMedium, true
	case bodyComplaint(r):
		if aboutCredentials(r) {
			return 0, false
		}
		return finding.ConfidenceLow, true
	case r.OK() && scanner.Refusal(r) == "":
		return finding.ConfidenceLow, true
	}
	return 0, false
}

// probeVerdict judges a probe's answer. A 400 or 422 about the body shows
// the handler at work: medium. A 404 is weak (a router may answer it for
// an unmatched route before any middleware), and so is a 2xx: some APIs
// answer 200 to what they refuse and ignore it, which only a write on a
// real object tells apart: low, shown but not scored.
func probeVerdict(r *scanner.Response) (finding.Confidence, bool) {
	if r == nil || r.Err != nil {
		return 0, false
	}
	switch {
	case r.Status == http.StatusNotFound:
		return finding.ConfidenceLow, true
	case bodyComplaint(r):
		if aboutCredentials(r) {
			return 0, false
		}
		return finding.ConfidenceMedium, true
	case r.OK() && scanner.Refusal(r) == "":
		return finding.ConfidenceLow, true
	}
	return 0, false
}

// credentialWords in a 400's body say the request was refused for its
// credentials (some APIs answer a missing token with 400). Whole words:
// "author is required" is about the body.
var credentialWords = lazyre.New(`(?i)\b(tokens?|auth|authentication|authori[sz]ation|unauthori[sz]ed|credentials?|log ?in|sign ?in|api[ _-]?keys?|session|bearer)\b`)

// aboutCredentials reports whether a 4xx answer is about credentials.
func aboutCredentials(r *scanner.Response) bool {
	return r.Header.Get("WWW-Authenticate") != "" || credentialWords.Match(r.Body)
}

// wrongTypeBody is a body no handler accepts: an array where the
// operation takes an object, an object where it takes anything else; nil
// for a delete.
func wrongTypeBody(op openapi.Operation) []byte {
	if op.Method == http.MethodDelete {
		return nil
	}
	if op.Body != nil && op.Body.Type != "" && op.Body.Type != "object" {
		return []byte(`{}`)
	}
	return []byte(`[]`)
}

// protection is whether an operation is meant to need credentials, and why.
type protection struct {
	ok bool
	// declared: the description requires security for it.
	declared bool
	// siblings names a read of the same objects that refuses anonymous
	// callers, "" for none found.
	siblings string
	why      string // "is declared to require bearerAuth authentication"
}

// protected says whether op needs credentials: declared so by the
// description, or, when the description is silent, shown so by a read of
// the same objects that refuses anonymous callers. Operations declared
// public or optional-auth are not (a contact form, a guest review); an API
// whose reads are open anyway is not either.
func (j *writeJob) protected(ctx context.Context, op openapi.Operation) protection {
	key := op.Method + " " + op.Path
	j.gmu.Lock()
	defer j.gmu.Unlock()
	if p, ok := j.guard[key]; ok {
		return p
	}
	var p protection
	switch op.Security {
	case openapi.SecurityPublic, openapi.SecurityOptional:
	case openapi.SecurityRequired:
		p = protection{ok: true, declared: true, siblings: j.siblingRefusal(ctx, op)}
		p.why = "is declared to require " + strings.Join(op.Schemes, " or ") + " authentication"
	default:
		if s := j.siblingRefusal(ctx, op); s != "" {
			p = protection{ok: true, siblings: s, why: "declares no security, while " + s}
		}
	}
	j.guard[key] = p
	return p
}

// siblingRefusal looks for a read of op's objects that refuses anonymous
// callers with 401 or 403 (for a create, the GETs of its collection and of
// their items; for an item write, the GETs of the item and of its
// collection) and names it; "" when there is none.
func (j *writeJob) siblingRefusal(ctx context.Context, op openapi.Operation) string {
	segs := routeSegs(op.Path)
	if _, item := asItemWrite(op); item {
		segs = segs[:len(segs)-1]
	}
	collection := "/" + strings.Join(segs, "/")
	for _, sib := range j.a.Operations() {
		if sib.Method != http.MethodGet || !sameObjects(sib.Path, collection) {
			continue
		}
		t := j.a.Target(sib.Method, sib.Path)
		r := t.Send(ctx, scanner.Anonymous, t.Values())
		if r.Err == nil && (r.Status == http.StatusUnauthorized || r.Status == http.StatusForbidden) {
			return fmt.Sprintf("GET %s answers %d to anonymous callers", sib.Path, r.Status)
		}
	}
	return ""
}

// sameObjects reports whether path reads the objects of collection: the
// collection itself, or one item of it (collection/{param}), compared
// without format suffixes and trailing slashes (Rails' GET /notes.json
// reads the objects of DELETE /notes/{id}.json).
func sameObjects(path, collection string) bool {
	p, c := routeSegs(path), routeSegs(collection)
	if len(p) == len(c)+1 {
		if _, ok := segParam(p[len(p)-1]); !ok {
			return false
		}
		p = p[:len(c)]
	}
	return slices.Equal(p, c)
}

// admin is the scan's identity of role admin, nil for none.
func (j *writeJob) admin() *scanner.Identity {
	if t := j.anyTarget(); t != nil {
		return t.Admin
	}
	return nil
}

// anyTarget is a target of the API, nil when it has no operation: every
// target carries the scan's identities.
func (j *writeJob) anyTarget() *scanner.Target {
	ops := j.a.Operations()
	if len(ops) == 0 {
		return nil
	}
	return j.a.Target(ops[0].Method, ops[0].Path)
}

// attempt is one write on an object the scan created and its read-back.
type attempt struct {
	method string
	attack *scanner.Response // the write
	proof  *scanner.Response // the read-back that decides
	proven bool
}

// what says what the read-back showed.
func (at attempt) what(reader *scanner.Identity) string {
	if at.method == http.MethodDelete {
		return fmt.Sprintf("the %s answered %d, and the object is gone for identity %q (%d to its read-back)",
			at.method, at.attack.Status, reader.Name, at.proof.Status)
	}
	return fmt.Sprintf("the %s answered %d, and identity %q's read-back shows the scan's marker that only that write carried",
		at.method, at.attack.Status, reader.Name)
}

// try sends method on o as `as` and reads o back as reader: proven
// when the read-back holds the marker of the write (PUT, PATCH), or o is
// gone for its owner, who read it just before (DELETE). A status alone
// proves nothing: some APIs answer 200 and ignore a write. Nothing is
// sent (attack nil) when the write cannot be shown: no field to mark, or
// an object the reader cannot read.
func (j *writeJob) try(ctx context.Context, o *scanner.Object, method string, as, reader *scanner.Identity) attempt {
	at := attempt{method: method}
	if method == http.MethodDelete {
		// The reader must see the object before, or its 404 after says
		// nothing about a delete (it may never have been let in).
		if t, pre := j.itemTarget(o), j.w.Read(ctx, o, reader); t == nil || pre == nil || !pre.OK() || !t.Success(pre) {
			return at
		}
		if at.attack = sent(j.w.Send(ctx, o, method, as, nil)); at.attack == nil {
			return at
		}
		at.proven, at.proof = j.w.Gone(ctx, o)
		return at
	}
	marker := j.w.Marker()
	body, ok := j.w.UpdateBody(o, method, marker)
	if !ok {
		return at
	}
	if at.attack = sent(j.w.Send(ctx, o, method, as, body)); at.attack == nil {
		return at
	}
	at.proof = j.readBack(ctx, o, reader)
	at.proven = at.proof != nil && at.proof.OK() && bytes.Contains(at.proof.Body, []byte(marker))
	return at
}

// sent is r when the request was sent, nil when it was not (excluded by
// --exclude, out of budget, a transport error): then nothing was tested.
func sent(r *scanner.Response) *scanner.Response {
	if r == nil || r.Err != nil {
		return nil
	}
	return r
}

// confirm repeats a proven attempt: a write with a fresh marker on the
// same object, a delete on a fresh object of the same owner.
func (j *writeJob) confirm(ctx context.Context, o *scanner.Object, method string, as, reader *scanner.Identity) attempt {
	if method != http.MethodDelete {
		return j.try(ctx, o, method, as, reader)
	}
	fresh, _, _ := j.w.Create(ctx, o.Kind, o.Owner, nil)
	if fresh == nil {
		return attempt{method: method}
	}
	return j.try(ctx, fresh, method, as, reader)
}

// readBack is a fresh read of o as `as`: its item, else its collection.
func (j *writeJob) readBack(ctx context.Context, o *scanner.Object, as *scanner.Identity) *scanner.Response {
	if r := j.w.Read(ctx, o, as); r != nil {
		return r
	}
	t := j.collectionRead(o.Kind)
	if t == nil {
		return nil
	}
	vals := t.Values()
	for _, p := range o.Kind.Parents {
		if v, ok := o.Parents[p]; ok {
			vals["path:"+p] = v
		}
	}
	return t.Do(ctx, t.Request(as, vals))
}

// collectionRead is the GET on k's collection, nil when the description
// has none.
func (j *writeJob) collectionRead(k objects.Lifecycle) *scanner.Target {
	for _, op := range j.a.Operations() {
		if op.Method == http.MethodGet && op.Path == k.Create.Path {
			return j.a.Target(op.Method, op.Path)
		}
	}
	return nil
}

// shows reports whether a read-back r shows the object o: a real answer
// holding o's marker, or, when the create carried no marker, a real
// answer of its item.
func (j *writeJob) shows(r *scanner.Response, o *scanner.Object) bool {
	if r == nil || !r.OK() {
		return false
	}
	if o.Marker != "" && bytes.Contains(o.Sent, []byte(o.Marker)) {
		return bytes.Contains(r.Body, []byte(o.Marker))
	}
	t := j.itemTarget(o)
	return t != nil && t.Success(r)
}

// itemTarget is the GET of o's item, nil when its kind has none.
func (j *writeJob) itemTarget(o *scanner.Object) *scanner.Target {
	it, ok := o.Kind.Item(http.MethodGet)
	if !ok {
		return nil
	}
	return j.a.Target(it.Op.Method, it.Op.Path)
}

// readRoute is the route template readBack reads k's objects with, for
// summaries, which name routes, never the ids of one run.
func readRoute(k objects.Lifecycle) string {
	if it, ok := k.Item(http.MethodGet); ok {
		return it.Op.Path
	}
	return k.Create.Path
}
