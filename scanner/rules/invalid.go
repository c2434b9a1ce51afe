package rules

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner"
	"github.com/authgate/authgate/scanner/openapi"
)

// InvalidTokenRules returns the rules that send garbage in place of the
// primary identity's credentials.
func InvalidTokenRules() []scanner.Rule {
	return []scanner.Rule{&InvalidTokenAccepted{}}
}

// InvalidTokenAccepted reports routes that accept garbage in place of the
// primary identity's credentials: a random value of the same shape, the
// real token cut in half, another scheme, an empty value. Frameworks
// verify credentials per route (a middleware list, a decorator, a route
// group), so one route that skips the check is as bad as an API that
// checks nothing: every protected GET operation (the primary's
// credentials open it, anonymous callers are refused) is probed, and each
// route that accepts garbage is its own finding.
//
// The cost per protected operation is bounded: every one gets the
// garbage variants that catch a route without verification (a random
// value, another scheme); the first maxRepresentativeOperations protected
// operations in spec order also get the rarer ones (a truncated value, an
// empty value), which show a broken check rather than a missing one and
// are a property of the one verifier the routes share. Accepted variants
// are confirmed by a second request. The rule keeps no per-scan state, so
// the operations probed, and the findings, do not depend on which
// operations the workers reach first.
type InvalidTokenAccepted struct{}

// Info implements scanner.Rule.
func (*InvalidTokenAccepted) Info() finding.RuleInfo { return info("authn-invalid-token-accepted") }

// garbageKind is one way of spoiling a credential.
type garbageKind int

const (
	garbageRandom      garbageKind = iota // random value, same length and character classes
	garbageTruncated                      // the real value's first half
	garbageWrongScheme                    // Basic instead of Bearer (and back); a foreign value otherwise
	garbageEmpty                          // the scheme with nothing after it
)

// garbageVariants name the kinds for identities ("primary+garbage-random")
// and summaries, in the order they are sent. Every protected operation
// gets the variants marked everywhere; representative operations get all.
var garbageVariants = []struct {
	kind       garbageKind
	name, what string
	everywhere bool
}{
	{garbageRandom, "garbage-random", "a random value of the same length and alphabet", true},
	{garbageTruncated, "garbage-truncated", "the real value truncated to half its length", false},
	{garbageWrongScheme, "garbage-wrong-scheme", "a random value under another scheme", true},
	{garbageEmpty, "garbage-empty", "an empty value", false},
}

// maxRepresentativeOperations is how many operations, the first in spec
// order that may be protected GETs, get every garbage variant. A few
// suffice: a truncated or empty value passing shows how the shared
// verifier compares, and one of the first operations being public or
// closed to the primary must not leave the variants unsent.
const maxRepresentativeOperations = 5

// foreignValueBytes is the size of the random value sent where a scheme
// cannot be swapped (cookies, API-key headers): long enough to be
// unguessable.
const foreignValueBytes = 16

// Check implements scanner.Rule.
func (r *InvalidTokenAccepted) Check(ctx context.Context, t *scanner.Target) []finding.Finding {
	if !invalidTokenCandidate(t.Primary, t.Op) || !t.Safe() {
		return nil
	}
	vals := t.Values()
	real := t.Send(ctx, t.Primary, vals)
	if !t.Success(real) {
		t.Untested() // not an operation the primary's credentials open
		return nil
	}
	anon := t.Send(ctx, scanner.Anonymous, vals)
	if t.Success(anon) {
		// Anonymous callers get an answer: credentials prove nothing here.
		t.Untested()
		return nil
	}
	all := representative(t)
	var accepted, tried []string
	var evidence []*scanner.Response
	var hide []string // parts of the real credentials a forged value carries
	seen := map[string]bool{credentialKey(t.Primary.Creds()): true}
	for _, v := range garbageVariants {
		if !v.everywhere && !all {
			continue
		}
		hs, parts := forgeHeaders(t.Primary.Creds(), v.kind)
		if seen[credentialKey(hs)] {
			// A short credential spoils the same way twice, or not at all.
			continue
		}
		seen[credentialKey(hs)] = true
		tried = append(tried, v.what)
		resp := t.Send(ctx, scanner.NewIdentity(t.Primary.Name+"+"+v.name, hs), vals)
		if !sameAnswer(t, resp, real) || !sameAnswer(t, t.Resend(ctx, resp), real) {
			continue
		}
		accepted = append(accepted, v.what)
		evidence = append(evidence, resp)
		hide = append(hide, parts...)
	}
	if len(accepted) == 0 {
		return nil
	}
	summary := fmt.Sprintf("Garbage in place of the primary identity's %s credentials was accepted on this route: %s answered %d with the same data as the real credentials (confirmed by a second request) for %s, while an anonymous request was refused (%d). This route does not verify the credential. Sent here: %s.",
		safeName(t.Primary.Scheme()), describe(evidence[0]), evidence[0].Status, strings.Join(accepted, "; "), anon.Status, strings.Join(tried, "; "))
	f := t.NewFinding("authn-invalid-token-accepted", finding.ConfidenceHigh, summary, append(evidence, anon)...)
	return []finding.Finding{hideParts(f, hide)}
}

// invalidTokenCandidate reports whether op may be probed with garbage
// credentials, from what is known before sending anything: a GET that is
// not declared public, with a primary identity to spoil.
func invalidTokenCandidate(primary *scanner.Identity, op *openapi.Operation) bool {
	return primary != nil && !primary.IsAnonymous() && op.Method == http.MethodGet && op.Security != openapi.SecurityPublic
}

// representative reports whether t's operation gets every garbage
// variant: it is among the first maxRepresentativeOperations candidates
// of the API description in spec order, which does not change between
// runs (see amongFirst).
func representative(t *scanner.Target) bool {
	return amongFirst(t, maxRepresentativeOperations, func(op *openapi.Operation) bool {
		return invalidTokenCandidate(t.Primary, op)
	})
}

// sameAnswer reports whether a forged request got the real answer.
func sameAnswer(t *scanner.Target, r, real *scanner.Response) bool {
	return t.Success(r) && scanner.Similarity(r.Body, real.Body) >= sameContent
}

func credentialKey(hs []scanner.Header) string {
	var b strings.Builder
	for _, h := range hs {
		b.WriteString(h.Name + ": " + h.Value + "\n")
	}
	return b.String()
}

// forgeHeaders returns the credential headers spoiled by kind, and the
// parts of the real values they still carry (the truncated halves), which
// must be hidden from the report like the credentials themselves.
func forgeHeaders(real []scanner.Header, kind garbageKind) ([]scanner.Header, []string) {
	hs := slices.Clone(real)
	var parts []string
	spoil := func(v string) string {
		if kind == garbageTruncated {
			parts = append(parts, v[:len(v)/2])
		}
		return spoilValue(v, kind)
	}
	for i, h := range hs {
		switch h.Name {
		case "Authorization", "Proxy-Authorization":
			scheme, tok, ok := strings.Cut(h.Value, " ")
			switch {
			case kind == garbageWrongScheme:
				other := "Basic"
				if strings.EqualFold(scheme, "basic") {
					other = "Bearer"
				}
				hs[i].Value = other + " " + base64.StdEncoding.EncodeToString(randomBytes(foreignValueBytes))
			case ok:
				hs[i].Value = scheme + " " + spoil(tok)
			default:
				hs[i].Value = spoil(h.Value)
			}
		case "Cookie":
			pairs := strings.Split(h.Value, ";")
			for j, p := range pairs {
				if name, v, ok := strings.Cut(p, "="); ok {
					pairs[j] = name + "=" + spoil(v)
				}
			}
			hs[i].Value = strings.Join(pairs, ";")
		default:
			hs[i].Value = spoil(h.Value)
		}
	}
	return hs, parts
}

// spoilValue spoils one credential value (a token without its scheme, a
// cookie's value, an API key).
func spoilValue(v string, kind garbageKind) string {
	switch kind {
	case garbageRandom:
		return sameShape(v)
	case garbageTruncated:
		return v[:len(v)/2]
	case garbageWrongScheme:
		// Cookies and API keys have no scheme: a value of another shape.
		return fmt.Sprintf("%x", randomBytes(foreignValueBytes))
	}
	return ""
}

// Character classes sameShape draws from, so that a random value passes
// any format check the real one passes (length, alphabet, separators).
const (
	lowerChars = "abcdefghijklmnopqrstuvwxyz"
	upperChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	digitChars = "0123456789"
)

// sameShape returns a random value as long as v with every letter and
// digit replaced by a random one of its class; separators stay in place.
func sameShape(v string) string {
	var d draws
	for {
		b := []byte(v)
		for i, c := range b {
			switch {
			case c >= 'a' && c <= 'z':
				b[i] = d.char(lowerChars)
			case c >= 'A' && c <= 'Z':
				b[i] = d.char(upperChars)
			case c >= '0' && c <= '9':
				b[i] = d.char(digitChars)
			}
		}
		// A value with no letters or digits cannot change; one that
		// came out equal to the real value must be drawn again.
		if s := string(b); s != v || s == strings.Map(keepSeparators, v) {
			return s
		}
	}
}

// keepSeparators drops letters and digits.
func keepSeparators(r rune) rune {
	if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
		return -1
	}
	return r
}

// draws hands out random characters from random bytes read a batch at a
// time (math/big's rand.Int, one draw per character, cost four
// allocations each: the invalid-token rules forge a token per operation).
type draws struct{ buf []byte }

// char returns a character of set (at most 256 long), each equally
// likely: a byte past the largest multiple of len(set) is drawn again.
func (d *draws) char(set string) byte {
	limit := 256 - 256%len(set)
	for {
		if len(d.buf) == 0 {
			d.buf = randomBytes(64)
		}
		c := int(d.buf[0])
		d.buf = d.buf[1:]
		if c < limit {
			return set[c%len(set)]
		}
	}
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// minHiddenPart is the shortest part of a real credential hidden in the
// evidence: shorter strings would mangle unrelated text.
const minHiddenPart = 6

// hideParts removes parts of the real credentials (a truncated token the
// target may echo) from the finding's evidence and commands: the engine's
// redactor only knows the whole values.
func hideParts(f finding.Finding, parts []string) finding.Finding {
	slices.SortFunc(parts, func(a, b string) int { return len(b) - len(a) })
	hide := func(s string) string {
		for _, p := range parts {
			if len(p) >= minHiddenPart {
				s = strings.ReplaceAll(s, p, "[REDACTED]")
			}
		}
		return s
	}
	f.Evidence.Summary = hide(f.Evidence.Summary)
	for i := range f.Evidence.Exchanges {
		ex := &f.Evidence.Exchanges[i]
		ex.URL = hide(ex.URL)
		ex.ResponseBody = hide(ex.ResponseBody)
		for k, v := range ex.RequestHeaders {
			ex.RequestHeaders[k] = hide(v)
		}
		for k, v := range ex.ResponseHeaders {
			ex.ResponseHeaders[k] = hide(v)
		}
	}
	for i := range f.Reproduce {
		f.Reproduce[i] = hide(f.Reproduce[i])
	}
	return f
}
