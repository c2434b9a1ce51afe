package rules

import (
	"context"
	"fmt"
	"maps"
	"net/http"
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

// BFLAPrivilegeEscalation reports administrative operations that the
// primary identity reaches while anonymous callers are refused: the
// operation checks that the caller is authenticated, not what role the
// caller has. The flags give identities no role, so the primary identity
// is assumed to be a regular user; scan with a regular account, not an
// administrator's (a later config with roles will say so explicitly).
type BFLAPrivilegeEscalation struct{}

// Info implements scanner.Rule.
func (BFLAPrivilegeEscalation) Info() finding.RuleInfo { return info("bfla-privilege-escalation") }

// Check implements scanner.Rule.
func (BFLAPrivilegeEscalation) Check(ctx context.Context, t *scanner.Target) []finding.Finding {
	if t.Primary == nil || !t.Safe() || t.Op.Security == openapi.SecurityPublic {
		return nil
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
