package rules

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/authgate/authgate/finding"
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

// bflaWithAdmin decides by the admin's answers. Whatever the signal's
// strength, a finding is of high confidence: a regular identity got what
// the admin gets.
func bflaWithAdmin(ctx context.Context, t *scanner.Target) []finding.Finding {
	if t.Primary == t.Admin || t.Primary.IsAdmin() {
		// Not a regular user: nothing to compare (the config refuses it).
		return nil
	}
	vals := t.Values()
	if why, _, ok := administrative(t.Op); ok {
		return declaredAdministrative(ctx, t, vals, why)
	}
	return observedAdministrative(ctx, t, vals)
}

// declaredAdministrative judges an operation with administrative signals:
// the primary identity must get the admin's own answer. A different
// answer is a user's scoped view (their own items, fewer fields), and an
// admin refused means the operation is not administrative here, or the
// admin lacks it: neither is a finding.
func declaredAdministrative(ctx context.Context, t *scanner.Target, vals map[string]string, why string) []finding.Finding {
	user := t.Send(ctx, t.Primary, vals)
	if !t.Success(user) {
		return nil
	}
	admin := t.Send(ctx, t.Admin, vals)
	if !t.Success(admin) || scanner.Similarity(user.Body, admin.Body) < sameContent {
		return nil
	}
	if !confirmAdminAnswer(ctx, t, vals, user, admin) {
		return nil
	}
	summary := fmt.Sprintf("%s %s is administrative (%s). Identity %q, a regular user, got %d with the same data as admin identity %q from %s: the operation does not check the caller's role.",
		t.Op.Method, t.Op.Path, why, t.Primary.Name, user.Status, t.Admin.Name, describe(user))
	return []finding.Finding{t.NewFinding("bfla-privilege-escalation", finding.ConfidenceHigh, summary, user, admin)}
}

// observedAdministrative judges an operation without administrative
// signals by traffic: the admin is let in and one regular identity is
// refused, so the API restricts it by role; the other regular identity,
// of the same role, getting the admin's answer then has a function its
// role should not have. Without a peer there is no second user to tell a
// role check from an ordinary per-user answer, so nothing is judged.
func observedAdministrative(ctx context.Context, t *scanner.Target, vals map[string]string) []finding.Finding {
	peer := t.Peer
	if peer == nil || peer == t.Admin || peer == t.Primary || peer.IsAdmin() || !selectsNothing(vals) {
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
// admin's with a fresh request, and that anonymous callers do not get it
// too (then the operation is public, or authn-missing reports it).
func confirmAdminAnswer(ctx context.Context, t *scanner.Target, vals map[string]string, user, admin *scanner.Response) bool {
	anon := t.Send(ctx, scanner.Anonymous, vals)
	if t.Success(anon) && scanner.Similarity(anon.Body, admin.Body) >= sameContent {
		return false
	}
	again := t.Resend(ctx, user)
	return t.Success(again) && scanner.Similarity(again.Body, admin.Body) >= sameContent
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
var pageOnlyParam = regexp.MustCompile(`(?i)^(page|page_?size|per_?page|page_?number|offset|limit|size|count|cursor|sort|order_?by|direction)$`)

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
