package rules

import (
	"context"
	"fmt"
	"strings"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner"
	"github.com/authgate/authgate/scanner/openapi"
)

// BOLACrossUserRead reports operations where the peer identity reads an
// object that belongs to the primary identity. Ownership is evidenced by
// the harvest: the id appears in the primary's own answers and not in the
// peer's. The peer must get the primary's object (not a generic answer: a
// made-up id must be refused), and anonymous callers must be refused (else
// the operation is public or unauthenticated, which authn-missing covers).
type BOLACrossUserRead struct{}

// Info implements scanner.Rule.
func (BOLACrossUserRead) Info() finding.RuleInfo { return info("bola-cross-user-read") }

// maxOwnedTries bounds the owned ids tried per parameter.
const maxOwnedTries = 2

// missingID is a value no API uses for a real object.
const missingID = "987654321"

// Check implements scanner.Rule.
func (BOLACrossUserRead) Check(ctx context.Context, t *scanner.Target) []finding.Finding {
	if t.Primary == nil || t.Peer == nil || !t.Safe() {
		return nil
	}
	vals := t.Values()
	for _, key := range idParams(t, vals) {
		p, _ := t.Param(key)
		owned := t.OwnedValues(p)
		for _, id := range owned[:min(len(owned), maxOwnedTries)] {
			if f, ok := crossUserRead(ctx, t, with(vals, key, id), key); ok {
				return []finding.Finding{f}
			}
		}
	}
	return nil
}

func crossUserRead(ctx context.Context, t *scanner.Target, vals map[string]string, key string) (finding.Finding, bool) {
	a := t.Send(ctx, t.Primary, vals)
	if !t.Success(a) {
		return finding.Finding{}, false
	}
	b := t.Send(ctx, t.Peer, vals)
	if !t.Success(b) || scanner.Similarity(a.Body, b.Body) < sameContent {
		return finding.Finding{}, false
	}
	if anon := t.Send(ctx, scanner.Anonymous, vals); t.Success(anon) {
		return finding.Finding{}, false
	}
	control := t.Send(ctx, t.Peer, with(vals, key, missingID))
	if t.Success(control) && scanner.Similarity(control.Body, b.Body) >= sameContent {
		// The operation answers the same whatever the id: not an object.
		return finding.Finding{}, false
	}
	again := t.Resend(ctx, b)
	if !t.Success(again) || scanner.Similarity(again.Body, a.Body) < sameContent {
		return finding.Finding{}, false
	}
	_, name, _ := strings.Cut(key, ":")
	summary := fmt.Sprintf("%s=%s belongs to identity %q (it is in its own answers and not in %q's), yet %q read it: %s answered %d with the same object.",
		name, vals[key], t.Primary.Name, t.Peer.Name, t.Peer.Name, describe(b), b.Status)
	return t.NewFinding("bola-cross-user-read", finding.ConfidenceHigh, summary, a, b), true
}

// BOLAIDEnumeration reports operations where one identity (or none) reads
// the records of several different principals by guessing keys next to
// the example one (?user_id=1001, 1002, 1003 ...). Only single records
// with private data (an email, a phone ... not just a public username)
// count, each must identify a different principal, and the answers must
// differ from each other, so public catalogs and profiles, pages, soft
// 404s and "same answer for every id" are not findings.
type BOLAIDEnumeration struct{}

// Info implements scanner.Rule.
func (BOLAIDEnumeration) Info() finding.RuleInfo { return info("bola-id-enumeration") }

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
func (BOLAIDEnumeration) Check(ctx context.Context, t *scanner.Target) []finding.Finding {
	// Operations declared public or optional-auth serve everyone by
	// design (a public directory).
	if !t.Safe() || t.Op.Security == openapi.SecurityPublic || t.Op.Security == openapi.SecurityOptional {
		return nil
	}
	id := t.Main()
	vals := t.Values()
	for _, key := range idParams(t, vals) {
		if f, ok := enumerate(ctx, t, id, vals, key); ok {
			return []finding.Finding{f}
		}
	}
	return nil
}

func enumerate(ctx context.Context, t *scanner.Target, id *scanner.Identity, vals map[string]string, key string) (finding.Finding, bool) {
	keys := neighbours(vals[key], guesses)
	if len(keys) == 0 {
		return finding.Finding{}, false
	}
	type record struct {
		resp *scanner.Response
		who  string
	}
	var own *record
	if r := t.Send(ctx, id, vals); t.Success(r) {
		if rec, ok := scanner.SingleRecord(r.Body); ok {
			own = &record{r, strings.Join(rec.Identifiers, ",")}
		}
	}
	var others []record
	for _, k := range keys {
		r := t.Send(ctx, id, with(vals, key, k))
		if !t.Success(r) {
			continue
		}
		// Public profiles (a username, a display name) are meant to be
		// read by others; private data (email, phone ...) is not.
		rec, ok := scanner.SingleRecord(r.Body)
		if !ok || !rec.Private || len(rec.Identifiers) == 0 {
			continue
		}
		who := strings.Join(rec.Identifiers, ",")
		distinct := own == nil || (who != own.who && scanner.Similarity(r.Body, own.resp.Body) < sameContent)
		for _, o := range others {
			distinct = distinct && who != o.who && scanner.Similarity(r.Body, o.resp.Body) < sameContent
		}
		if distinct {
			others = append(others, record{r, who})
		}
	}
	if len(others) < needOthers {
		return finding.Finding{}, false
	}
	again := t.Resend(ctx, others[0].resp)
	if !t.Success(again) || scanner.Similarity(again.Body, others[0].resp.Body) < sameContent {
		return finding.Finding{}, false
	}
	_, name, _ := strings.Cut(key, ":")
	who := "without credentials"
	if !id.IsAnonymous() {
		who = fmt.Sprintf("as identity %q", id.Name)
	}
	var reqs []string
	for _, o := range others {
		reqs = append(reqs, describe(o.resp))
	}
	summary := fmt.Sprintf("Reading %s by guessed keys %s returned %d records of different principals: %s.",
		name, who, len(others), strings.Join(reqs, "; "))
	// Other principals' records first: the first curl reproduces the flaw.
	var rs []*scanner.Response
	for _, o := range others[:min(len(others), needOthers)] {
		rs = append(rs, o.resp)
	}
	if own != nil {
		rs = append(rs, own.resp)
	}
	return t.NewFinding("bola-id-enumeration", finding.ConfidenceHigh, summary, rs...), true
}
