package rules

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/internal/lazyre"
	"github.com/authgate/authgate/scanner"
	"github.com/authgate/authgate/scanner/openapi"
)

// BFLARules returns the function-level authorization rules.
func BFLARules() []scanner.Rule {
	return []scanner.Rule{BFLAPrivilegeEscalation{}}
}

// BFLAPrivilegeEscalation reports administrative operations that a
// regular identity reaches.
//
// With an identity of role admin (Target.Admin) the admin's traffic
// decides: a regular identity that gets the admin's own answer to an
// operation the API declares or names administrative has the admin's
// function; and on operations without such signals, a regular identity
// that gets the admin's answer while another user of the same role is
// refused has it too. Without an admin, the primary identity is assumed
// to be a regular user, and an administrative operation that answers it
// while refusing anonymous callers checks authentication, not role.
type BFLAPrivilegeEscalation struct{}

// Info implements scanner.Rule.
func (BFLAPrivilegeEscalation) Info() finding.RuleInfo { return info("bfla-privilege-escalation") }

// Check implements scanner.Rule.
func (BFLAPrivilegeEscalation) Check(ctx context.Context, t *scanner.Target) []finding.Finding {
	if t.Primary == nil || !t.Safe() || t.Op.Security == openapi.SecurityPublic {
		return nil
	}
	if t.Admin != nil {
		return bflaWithAdmin(ctx, t)
	}
	why, conf, ok := administrative(t.Op)
	if !ok {
		return nil
	}
	vals := t.Values()
	user := t.Send(ctx, t.Primary, vals)
	if !t.Success(user) {
		return nil
	}
	anon := t.Send(ctx, scanner.Anonymous, vals)
	refusal := scanner.Refusal(anon)
	if !refused(anon) || t.Success(anon) {
		// Anonymous callers get it too: public, or authn-missing.
		return nil
	}
	again := t.Resend(ctx, user)
	if !t.Success(again) || scanner.Similarity(again.Body, user.Body) < sameContent {
		return nil
	}
	summary := fmt.Sprintf("%s %s is administrative (%s). Identity %q, assumed to be a regular user, got %d with data from %s, while anonymous callers were refused (%s): the operation checks authentication but not the caller's role.",
		t.Op.Method, t.Op.Path, why, t.Primary.Name, user.Status, describe(user), refusal)
	return []finding.Finding{t.NewFinding("bfla-privilege-escalation", conf, summary, user, anon)}
}

// bflaWithAdmin decides by the admin's answers. A regular identity that
// gets what the admin gets is the proof for operations the API declares
// or names administrative; for weak signals, and for operations without
// any, a regular identity must also be refused (see weakAdministrative and
// observedAdministrative).
func bflaWithAdmin(ctx context.Context, t *scanner.Target) []finding.Finding {
	if t.Primary == t.Admin || t.Primary.IsAdmin() {
		// Not a regular user: nothing to compare (the config refuses it).
		return nil
	}
	vals := t.Values()
	if why, conf, ok := administrative(t.Op); ok {
		return declaredAdministrative(ctx, t, vals, why, conf)
	}
	return observedAdministrative(ctx, t, vals)
}

// declaredAdministrative judges an operation with administrative signals:
// the primary identity must get the admin's own answer. A different
// answer is a user's scoped view (their own items, fewer fields, fewer
// rows), and an admin refused means the operation is not administrative
// here, or the admin lacks it: neither is a finding.
func declaredAdministrative(ctx context.Context, t *scanner.Target, vals map[string]string, why string, conf finding.Confidence) []finding.Finding {
	user := t.Send(ctx, t.Primary, vals)
	if !t.Success(user) {
		return nil
	}
	admin := t.Send(ctx, t.Admin, vals)
	if !t.Success(admin) || scanner.Similarity(user.Body, admin.Body) < sameContent {
		return nil
	}
	if conf == finding.ConfidenceLow {
		return weakAdministrative(ctx, t, vals, why, user, admin)
	}
	if !confirmAdminAnswer(ctx, t, vals, user, admin) {
		return nil
	}
	summary := fmt.Sprintf("%s %s is administrative (%s). Identity %q, a regular user, got %d with the same data as admin identity %q from %s: the operation does not check the caller's role.",
		t.Op.Method, t.Op.Path, why, t.Primary.Name, user.Status, t.Admin.Name, describe(user))
	return []finding.Finding{t.NewFinding("bfla-privilege-escalation", finding.ConfidenceHigh, summary, user, admin)}
}

// weakAdministrative judges an operation whose only signal is weak
// (/internal/, /staff/, a tag ops): such operations are often meant for
// every signed-in user, who then gets the admin's answer like everyone
// else, so that match proves nothing about a role. A peer of the same
// role refused, on an operation that selects nothing, proves the API
// restricts it by role: high. A peer let in shows an operation for every
// user: no finding. Otherwise nothing tells the two apart, and the
// finding keeps the weak signal's low confidence, as without an admin.
func weakAdministrative(ctx context.Context, t *scanner.Target, vals map[string]string, why string, user, admin *scanner.Response) []finding.Finding {
	var other *scanner.Response
	if peer := regularPeer(t); peer != nil {
		other = t.Send(ctx, peer, vals)
		if t.Success(other) {
			return nil
		}
	}
	if !confirmAdminAnswer(ctx, t, vals, user, admin) {
		return nil
	}
	if other != nil && roleRefused(other) && selectsNothing(vals) {
		summary := fmt.Sprintf("%s %s is likely administrative (%s): admin identity %q got %d with data and regular identity %q was refused (%s), yet identity %q of the same role got the admin's answer from %s: the role check does not hold for every user.",
			t.Op.Method, t.Op.Path, why, t.Admin.Name, admin.Status, other.Request.Identity.Name, scanner.Refusal(other), t.Primary.Name, describe(user))
		return []finding.Finding{t.NewFinding("bfla-privilege-escalation", finding.ConfidenceHigh, summary, user, admin, other)}
	}
	summary := fmt.Sprintf("%s %s may be administrative (%s). Identity %q, a regular user, got %d with the same data as admin identity %q from %s, but no other regular identity was refused: it may be an operation every signed-in user may call.",
		t.Op.Method, t.Op.Path, why, t.Primary.Name, user.Status, t.Admin.Name, describe(user))
	return []finding.Finding{t.NewFinding("bfla-privilege-escalation", finding.ConfidenceLow, summary, user, admin)}
}

// regularPeer returns the scan's second regular identity, nil when there
// is none.
func regularPeer(t *scanner.Target) *scanner.Identity {
	peer := t.Peer
	if peer == nil || peer == t.Admin || peer == t.Primary || peer.IsAdmin() {
		return nil
	}
	return peer
}

// observedAdministrative judges an operation without administrative
// signals by traffic: the admin is let in and one regular identity is
// refused, so the API restricts it by role; the other regular identity,
// of the same role, getting the admin's answer then has a function its
// role should not have. Without a peer there is no second user to tell a
// role check from an ordinary per-user answer, so nothing is judged.
func observedAdministrative(ctx context.Context, t *scanner.Target, vals map[string]string) []finding.Finding {
	peer := regularPeer(t)
	if peer == nil || !selectsNothing(vals) {
		return nil
	}
	user := t.Send(ctx, t.Primary, vals)
	other := t.Send(ctx, peer, vals)
	var in, out *scanner.Response
	switch {
	case t.Success(user) && roleRefused(other):
		in, out = user, other
	case t.Success(other) && roleRefused(user):
		in, out = other, user
	default:
		// Both in (an ordinary operation) or both out (role check works).
		return nil
	}
	admin := t.Send(ctx, t.Admin, vals)
	if !t.Success(admin) || scanner.Similarity(in.Body, admin.Body) < sameContent {
		return nil
	}
	if !confirmAdminAnswer(ctx, t, vals, in, admin) {
		return nil
	}
	summary := fmt.Sprintf("%s %s is administrative by its answers: admin identity %q got %d with data and regular identity %q was refused (%s), yet identity %q of the same role got the admin's answer from %s: the role check does not hold for every user.",
		t.Op.Method, t.Op.Path, t.Admin.Name, admin.Status, out.Request.Identity.Name, scanner.Refusal(out), in.Request.Identity.Name, describe(in))
	return []finding.Finding{t.NewFinding("bfla-privilege-escalation", finding.ConfidenceHigh, summary, in, admin, out)}
}

// confirmAdminAnswer confirms that the regular identity's answer is the
// admin's with a fresh request, that the regular identity saw every row
// of the admin's lists (else it has a scoped view, however alike the
// answers), and that anonymous callers do not get the admin's answer too
// (then the operation is public, or authn-missing reports it).
func confirmAdminAnswer(ctx context.Context, t *scanner.Target, vals map[string]string, user, admin *scanner.Response) bool {
	anon := t.Send(ctx, scanner.Anonymous, vals)
	if t.Success(anon) && scanner.Similarity(anon.Body, admin.Body) >= sameContent {
		return false
	}
	again := t.Resend(ctx, user)
	if !t.Success(again) || scanner.Similarity(again.Body, admin.Body) < sameContent {
		return false
	}
	// The fresh answer is sent after the admin's: a list that grows
	// with every request (an audit log of the scan's own calls) has
	// caught up by then, a scoped view has not.
	return !missesRows(admin.Body, user.Body, again.Body)
}

// maxRowDepth bounds the walk of an untrusted answer for lists: API
// collections sit near the top ({"data": {"items": [...]}}), and a deep
// or hostile body must not cost a deep recursion.
const maxRowDepth = 8

// rowIDKeys are the keys whose value names a row; rows without one are
// compared whole.
var rowIDKeys = []string{"id", "_id", "uuid", "guid"}

// missesRows reports whether the admin's answer has a list row that none
// of the regular identity's answers has: the admin sees more rows (every
// team's, one more tenant's) than the user, whose answer is then a scoped
// view even when Similarity calls the two alike. Lists are matched by
// their path in the answer; a list the user's answers lack altogether is
// left to Similarity. Answers that are not JSON have no rows.
func missesRows(admin []byte, users ...[]byte) bool {
	want := listRows(admin)
	if len(want) == 0 {
		return false
	}
	have := map[string]map[string]int{}
	for _, body := range users {
		for path, rows := range listRows(body) {
			if have[path] == nil {
				have[path] = map[string]int{}
			}
			for row, n := range rows {
				have[path][row] = max(have[path][row], n)
			}
		}
	}
	for path, rows := range want {
		got, ok := have[path]
		if !ok {
			continue
		}
		for row, n := range rows {
			if got[row] < n {
				return true
			}
		}
	}
	return false
}

// listRows returns the rows of every list in a JSON answer, by the list's
// path (array indices dropped, so the lists nested in rows pool), as a
// multiset of row keys: the row's id when it has one, else the row itself
// in canonical JSON.
func listRows(body []byte) map[string]map[string]int {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return nil
	}
	out := map[string]map[string]int{}
	var walk func(path string, v any, depth int)
	walk = func(path string, v any, depth int) {
		if depth > maxRowDepth {
			return
		}
		switch t := v.(type) {
		case map[string]any:
			for k, c := range t {
				walk(path+"."+k, c, depth+1)
			}
		case []any:
			rows := out[path]
			if rows == nil {
				rows = map[string]int{}
				out[path] = rows
			}
			for _, c := range t {
				rows[rowKey(c)]++
				walk(path+"[]", c, depth+1)
			}
		}
	}
	walk("", v, 0)
	return out
}

// rowKey names a list row: its id when it has a scalar one, else its
// canonical JSON (encoding/json sorts object keys).
func rowKey(row any) string {
	if obj, ok := row.(map[string]any); ok {
		for _, k := range rowIDKeys {
			switch id := obj[k].(type) {
			case string:
				return "id:" + id
			case float64:
				return "id:" + strconv.FormatFloat(id, 'g', -1, 64)
			}
		}
	}
	b, err := json.Marshal(row)
	if err != nil {
		return fmt.Sprint(row)
	}
	return string(b)
}

// selectsNothing reports whether the request names no object, principal or
// tenant: only paging parameters, if any. A regular identity refused by an
// operation that selects something (/orders/{orderId}, ?user_id=,
// X-Tenant-Id) may just not own it, which is object-level authorization
// working, not a role check.
func selectsNothing(vals map[string]string) bool {
	for key := range vals {
		_, name, _ := strings.Cut(key, ":")
		if !pageOnlyParam.MatchString(name) {
			return false
		}
	}
	return true
}

// pageOnlyParam matches whole parameter names that only page or order a
// collection. Unlike pagingParam it is anchored: "account" contains
// "count" but selects a principal.
var pageOnlyParam = lazyre.New(`(?i)^(page|page_?size|per_?page|page_?number|offset|limit|size|count|cursor|sort|order_?by|direction)$`)

// roleRefused reports whether r refuses a signed-in caller's role: 403,
// or 404 hiding the route. A 401 is not one (the credentials were not
// accepted, e.g. an expired token), nor are throttling, errors or a login
// page.
func roleRefused(r *scanner.Response) bool {
	return r != nil && r.Err == nil && (r.Status == http.StatusForbidden || r.Status == http.StatusNotFound)
}

// refused reports whether r is a real refusal by the target (401, 403,
// 404, a redirect to a login page ...), not a transport error or
// throttling, which say nothing about authorization.
func refused(r *scanner.Response) bool {
	return r != nil && r.Err == nil && r.Status != http.StatusTooManyRequests && scanner.Refusal(r) != ""
}

// adminTags are the tags that declare an operation administrative.
var adminTags = []string{"admin", "administration"}

// weakAdminTags name areas that are often, not always, administrative:
// "internal" tools for signed-in staff, "ops" in a logistics API.
var weakAdminTags = []string{"internal", "management", "ops"}

// adminSegments are the path segments that name an administrative area.
// Only whole segments count: /api/badminton-courts is not one.
var adminSegments = []string{"admin", "administration", "backoffice", "superuser"}

// weakAdminSegments are segments that are administrative in some APIs and
// ordinary in others (/restaurants/1/staff, /ops/shipments,
// /manage/subscriptions, /internal/health for signed-in users).
var weakAdminSegments = []string{"internal", "manage", "management", "staff", "ops"}

// flagExtensions are x- extensions that declare an operation
// administrative when true. x-internal is not one: Redocly and Stoplight
// use it for "hide from the public docs".
var flagExtensions = []string{"x-admin"}

// roleExtensions are x- extensions that name the required role(s).
var roleExtensions = []string{"x-role", "x-roles", "x-required-role"}

// administrative says whether op is an administrative operation, why, and
// how sure: a tag or x- extension is the API's own declaration (high); a
// path segment or operation id is only a name (medium).
func administrative(op *openapi.Operation) (why string, conf finding.Confidence, ok bool) {
	for _, tag := range op.Tags {
		if slices.Contains(adminTags, strings.ToLower(strings.TrimSpace(tag))) {
			return "tagged " + safeName(tag), finding.ConfidenceHigh, true
		}
	}
	for _, name := range slices.Sorted(maps.Keys(op.Extensions)) {
		key, v := strings.ToLower(name), strings.ToLower(strings.TrimSpace(op.Extensions[name]))
		switch {
		case slices.Contains(flagExtensions, key) && v == "true",
			slices.Contains(roleExtensions, key) && strings.Contains(v, "admin"):
			return safeName(name) + ": " + safeName(op.Extensions[name]), finding.ConfidenceHigh, true
		}
	}
	for _, seg := range strings.Split(op.Path, "/") {
		if slices.Contains(adminSegments, strings.ToLower(seg)) {
			return "path segment /" + safeName(seg) + "/", finding.ConfidenceMedium, true
		}
	}
	// Weak signals are shown, not scored: low confidence.
	for _, tag := range op.Tags {
		if slices.Contains(weakAdminTags, strings.ToLower(strings.TrimSpace(tag))) {
			return "tagged " + safeName(tag), finding.ConfidenceLow, true
		}
	}
	for _, seg := range strings.Split(op.Path, "/") {
		if slices.Contains(weakAdminSegments, strings.ToLower(seg)) {
			return "path segment /" + safeName(seg) + "/", finding.ConfidenceLow, true
		}
	}
	if strings.HasPrefix(strings.ToLower(op.OperationID), "admin") {
		return "operationId " + safeName(op.OperationID), finding.ConfidenceMedium, true
	}
	return "", 0, false
}
