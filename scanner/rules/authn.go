package rules

import (
	"context"
	"fmt"
	"strings"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner"
	"github.com/authgate/authgate/scanner/openapi"
)

// AuthnMissing reports operations that answer an anonymous request with
// data although they are protected: the API description requires security
// for them, or (without a description) they hand personal records to
// anyone. Public and optional-auth operations, refusals, soft 404s, empty
// answers and anonymous views that differ from the authenticated one are
// not findings.
type AuthnMissing struct{}

// Info implements scanner.Rule.
func (AuthnMissing) Info() finding.RuleInfo { return info("authn-missing") }

// Check implements scanner.Rule.
func (AuthnMissing) Check(ctx context.Context, t *scanner.Target) []finding.Finding {
	// An anonymous write that succeeds would change state: safe mode
	// never sends one.
	if !t.Safe() || t.Op.Security == openapi.SecurityPublic || t.Op.Security == openapi.SecurityOptional {
		return nil
	}
	vals := t.Values()
	anon := t.Send(ctx, scanner.Anonymous, vals)
	if !t.Success(anon) {
		return nil
	}
	exchanges := []*scanner.Response{anon}
	var authed *scanner.Response
	if t.Primary != nil {
		authed = t.Send(ctx, t.Primary, vals)
		if t.Success(authed) {
			if scanner.Similarity(anon.Body, authed.Body) < differentView {
				// Anonymous callers get another view: optional auth.
				return nil
			}
			exchanges = append(exchanges, authed)
		}
	}

	var conf finding.Confidence
	var summary string
	switch t.Op.Security {
	case openapi.SecurityRequired:
		conf = finding.ConfidenceHigh
		summary = fmt.Sprintf("The API description requires %s authentication for %s %s, but %s without credentials answered %d with data.",
			strings.Join(t.Op.Schemes, " or "), t.Op.Method, t.Op.Path, describe(anon), anon.Status)
	default:
		rec, ok := scanner.PersonalRecord(anon.Body)
		if !ok {
			// Without a declared requirement, only personal data shows
			// that the operation should have been protected.
			return nil
		}
		conf = finding.ConfidenceMedium
		summary = fmt.Sprintf("%s without credentials answered %d with personal data (%s).",
			describe(anon), anon.Status, strings.Join(rec.PersonalKeys, ", "))
	}

	again := t.Resend(ctx, anon)
	if !t.Success(again) || scanner.Similarity(again.Body, anon.Body) < sameContent {
		return nil
	}
	return []finding.Finding{t.NewFinding("authn-missing", conf, summary, exchanges...)}
}
