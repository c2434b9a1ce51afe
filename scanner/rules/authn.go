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
// not findings; identical content that is the same for every caller and
// holds no personal data is reported with low confidence only (it may be
// public content declared as protected).
type AuthnMissing struct{}

func isPrivateRecord(body []byte) bool {
	rec, ok := scanner.SingleRecord(body)
	return ok && rec.Private
}

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
	rec, personal := scanner.PersonalRecord(anon.Body)
	exchanges := []*scanner.Response{anon}
	sameAsAuthed, perUser := false, false
	if t.Primary != nil {
		authed := t.Send(ctx, t.Primary, vals)
		if t.Success(authed) {
			sim := scanner.Similarity(anon.Body, authed.Body)
			if sim < differentView && !personal {
				// Anonymous callers get another view: optional auth.
				return nil
			}
			exchanges = append(exchanges, authed)
			sameAsAuthed = sim >= sameContent
			if t.Peer != nil && sameAsAuthed {
				// The primary's answer differs from the peer's: it is the
				// primary's own data, and anonymous callers get it.
				peer := t.Send(ctx, t.Peer, vals)
				perUser = t.Success(peer) && scanner.Similarity(authed.Body, peer.Body) < sameContent
			}
		}
	}

	var conf finding.Confidence
	var summary string
	switch {
	case t.Op.Security == openapi.SecurityRequired:
		summary = fmt.Sprintf("The API description requires %s authentication for %s %s, but %s without credentials answered %d with data",
			strings.Join(t.Op.Schemes, " or "), t.Op.Method, t.Op.Path, describe(anon), anon.Status)
		switch {
		case personal:
			conf = finding.ConfidenceHigh
			summary += fmt.Sprintf(": personal data (%s).", strings.Join(rec.PersonalKeys, ", "))
		case perUser:
			conf = finding.ConfidenceHigh
			summary += fmt.Sprintf(": the same answer identity %q gets, which differs from %q's.", t.Primary.Name, t.Peer.Name)
		default:
			// Nothing shows the content is private: it may be public
			// content declared as protected.
			conf = finding.ConfidenceLow
			summary += "; nothing in it is personal or specific to one user, so it may be public content: if so, declare it with `security: []`."
		}
	case isPrivateRecord(anon.Body):
		// Without a declared requirement, only one person's private data
		// shows that the operation should have been protected: a list
		// of comments with their authors' names is public content.
		conf = finding.ConfidenceMedium
		summary = fmt.Sprintf("%s without credentials answered %d with personal data (%s).",
			describe(anon), anon.Status, strings.Join(rec.PersonalKeys, ", "))
	default:
		return nil
	}

	again := t.Resend(ctx, anon)
	if !t.Success(again) || scanner.Similarity(again.Body, anon.Body) < sameContent {
		return nil
	}
	return []finding.Finding{t.NewFinding("authn-missing", conf, summary, exchanges...)}
}
