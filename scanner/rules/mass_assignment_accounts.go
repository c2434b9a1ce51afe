package rules

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/internal/lazyre"
	"github.com/authgate/authgate/scanner"
	"github.com/authgate/authgate/scanner/objects"
	"github.com/authgate/authgate/scanner/openapi"
)

// This file holds mass-assignment's accounts part: the throw-away
// identity's update of its own profile, put back afterwards, and the
// registration of fresh accounts, compared with a control account
// (mass_assignment.go holds the rule).

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
			out = append(out, dashUnderscore.Replace(strings.ToLower(s)))
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
var massVersion = lazyre.New(`^v[0-9]+[a-z0-9]*$`)

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
	return strings.EqualFold(dashUnderscore.Replace(a), dashUnderscore.Replace(b))
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
	// The put-back and the read that confirms it are kept out of the
	// budget before the update is sent: the budget must not run out
	// between the two.
	release, ok := m.a.ReserveUndo(2)
	if !ok {
		m.note(key, op+": not sent: the request budget left would not cover putting the throw-away account back")
		return finding.Finding{}, false
	}
	defer release()
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
// had no right of it), and reads the account again; both spend the part
// of the budget profileCheck kept for them before the update (see
// scanner.API.Undo), so a budget spent by the update cannot leave the
// throw-away an admin. request builds the update with
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
var massPasswordField = lazyre.New(`(?i)passw|pwd`)

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
	// Once sent, the registration and the login that lets the account
	// delete itself are seen through to their answers, interrupted scan
	// or not (see scanner.SeenThrough).
	if err := ctx.Err(); err != nil {
		return nil, fmt.Sprintf("the registration %s was not sent: %v", acctOp(reg), err), false
	}
	scan := ctx
	ctx = scanner.SeenThrough(ctx)
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
	ctx = scan // recorded: the rule's own reads stop with the scan
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
