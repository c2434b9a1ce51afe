package rules

import (
	"fmt"
	"strings"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner"
)

// The rules that judge credential verification route by route report one
// finding per route: in real frameworks verification is per route, and a
// route whose middleware skips it is that route's flaw. When every route
// they probed has the flaw, the root cause is the verifier itself, and
// one finding for the whole API says so, listing the routes, instead of
// one per route (scanner.Grouper).

// minEverywhere is the fewest probed routes that make "every route" a
// root cause of its own rather than a coincidence of one route.
const minEverywhere = 2

// maxRoutesListed bounds the routes a merged finding names in its
// summary; the coverage lists them all.
const maxRoutesListed = 10

// everywhereKey stands for the auth scheme in a merged finding's
// fingerprint: the same whatever route came first.
const everywhereKey = "every-route"

// everywhere merges fs, one rule's per-route findings in spec order, into
// one API-wide finding when every operation the rule tested (tested, in
// spec order) has one. cause says what every route accepts.
func everywhere(fs []finding.Finding, tested []string, cause string) []finding.Finding {
	if len(fs) < minEverywhere || len(fs) != len(tested) {
		return fs
	}
	shown := tested[:min(len(tested), maxRoutesListed)]
	routes := strings.Join(shown, ", ")
	if more := len(tested) - len(shown); more > 0 {
		routes += fmt.Sprintf(" and %d more", more)
	}
	f := fs[0]
	f.Evidence.Summary = fmt.Sprintf("%s on every protected route the scan probed (%d: %s): the credential verification itself is missing or broken, not one route's middleware. The evidence is the first route's: %s",
		cause, len(tested), routes, fs[0].Evidence.Summary)
	return []finding.Finding{apiWide(f, everywhereKey)}
}

// Group implements scanner.Grouper.
func (*InvalidTokenAccepted) Group(fs []finding.Finding, tested []string) []finding.Finding {
	return everywhere(fs, tested, "Garbage credentials are accepted")
}

// Group implements scanner.Grouper.
func (*JWTAlgNone) Group(fs []finding.Finding, tested []string) []finding.Finding {
	return everywhere(fs, tested, "JWTs with alg none are accepted")
}

// Group implements scanner.Grouper.
func (*JWTSignatureNotVerified) Group(fs []finding.Finding, tested []string) []finding.Finding {
	return everywhere(fs, tested, "JWTs whose signature is altered or stripped are accepted")
}

// Group implements scanner.Grouper.
func (*JWTAlgConfusion) Group(fs []finding.Finding, tested []string) []finding.Finding {
	return everywhere(fs, tested, "HS256 JWTs signed with the server's public key are accepted")
}

var (
	_ scanner.Grouper = (*InvalidTokenAccepted)(nil)
	_ scanner.Grouper = (*JWTAlgNone)(nil)
	_ scanner.Grouper = (*JWTSignatureNotVerified)(nil)
	_ scanner.Grouper = (*JWTAlgConfusion)(nil)
)
