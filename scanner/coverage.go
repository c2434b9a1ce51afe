package scanner

import (
	"fmt"
	"slices"
	"strings"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/internal/lazyre"
	"github.com/authgate/authgate/scanner/openapi"
)

// apiRun is what one API rule did: whether it was called, how many
// requests it sent, and what it said it could not test.
type apiRun struct {
	// ops are the operations it sent ("POST /api/login"), in the order
	// of their first request.
	ops           []string
	checked       bool
	sent          int
	found         int // findings it reported
	skips         []string
	notApplicable []string
}

// apiRun returns the record of rule's run, made on first use. API rules
// run one after the other, so it needs no lock.
func (s *scan) apiRun(rule string) *apiRun {
	r, ok := s.apiRuns[rule]
	if !ok {
		r = &apiRun{}
		s.apiRuns[rule] = r
	}
	return r
}

// tested lists the operations a whole-API rule sent, or "*" (the whole
// API) when it reached them outside the description's operations.
func (r *apiRun) tested() []string {
	if len(r.ops) == 0 {
		return []string{"*"}
	}
	return slices.Clone(r.ops)
}

// opSeen is what happened to one operation over the whole scan.
type opSeen struct{ sent, answered bool }

// noteSent records that op was sent (and answered, when usable), for the
// coverage's counts and the running whole-API rule's operations.
func (s *scan) noteSent(op *openapi.Operation, answered bool) {
	// The key is looked up from a stack buffer and made a string only
	// when the entry changes: this runs for every answer, cached ones too.
	var buf [128]byte
	k := append(append(append(buf[:0], op.Method...), ' '), op.Path...)
	s.covMu.Lock()
	defer s.covMu.Unlock()
	if s.opsSeen == nil {
		s.opsSeen = map[string]opSeen{}
	}
	seen := s.opsSeen[string(k)]
	if !seen.sent || (answered && !seen.answered) {
		seen.sent = true
		seen.answered = seen.answered || answered
		s.opsSeen[string(k)] = seen
	}
	if run := s.curAPI.Load(); run != nil {
		if key := string(k); !slices.Contains(run.ops, key) {
			run.ops = append(run.ops, key)
		}
	}
}

// opCounts counts the operations of ops that got a usable answer and
// those no rule sent (writes in safe mode, judged from the description
// alone).
func (s *scan) opCounts(ops []openapi.Operation) (answered, unsent int) {
	s.covMu.Lock()
	defer s.covMu.Unlock()
	for _, op := range ops {
		seen := s.opsSeen[op.Method+" "+op.Path]
		switch {
		case seen.answered:
			answered++
		case !seen.sent:
			unsent++
		}
	}
	return answered, unsent
}

// ruleCoverage says, for every rule of the scan, the operations it tested
// or why it tested none, in the order of Options.Rules then
// Options.APIRules, one entry per rule id: an API rule that shares its id
// with an operation rule (authn-missing on writes) is merged into that
// rule's entry (see mergeCoverage). ops are the operations this shard ran;
// incomplete is why the scan stopped early ("" when it did not).
func (s *scan) ruleCoverage(ops []openapi.Operation, incomplete string) []finding.RuleCoverage {
	out := []finding.RuleCoverage{}
	at := map[string]int{} // rule id -> index in out
	for ri, r := range s.opts.Rules {
		info := r.Info()
		c := finding.RuleCoverage{Rule: info.ID, Mode: info.Mode, Operations: []string{}, Requested: s.requested(info)}
		idx := slices.Clone(s.ruleOps[ri])
		slices.Sort(idx) // the description's order, whatever the workers did
		for _, i := range idx {
			c.Operations = append(c.Operations, ops[i].Method+" "+ops[i].Path)
		}
		if len(c.Operations) > 0 {
			c.Status = finding.RuleRan
			if incomplete != "" && len(c.Operations) < len(ops) {
				// The scan stopped (budget, --max-duration) before the
				// rule could see every operation: the rest is untested.
				c.Reason = fmt.Sprintf("partly: tested %d of the %d operations before the scan stopped early: %s", len(c.Operations), len(ops), incomplete)
			}
		} else {
			c.Status, c.Reason = s.whyNotRun(info, incomplete)
		}
		if e, ok := r.(Explainer); ok {
			c = explained(c, e)
		}
		at[c.Rule] = len(out)
		out = append(out, c)
	}
	apiDone := map[string]bool{} // API rules sharing an id share its run: one entry
	for _, r := range s.opts.APIRules {
		info := r.Info()
		if apiDone[info.ID] {
			continue
		}
		apiDone[info.ID] = true
		c := finding.RuleCoverage{Rule: info.ID, Mode: info.Mode, Operations: []string{}, Requested: s.requested(info)}
		run := s.apiRuns[info.ID]
		switch {
		case run != nil && !run.checked && len(run.skips) > 0:
			// Skipped before it was called (the primary stopped working).
			c.Status, c.Reason = finding.RuleNotRun, strings.Join(run.skips, "; ")
		case run == nil || !run.checked:
			c.Status, c.Reason = s.whyNotRun(info, incomplete)
		case len(run.skips) > 0 && run.found == 0:
			// What it sent (a login, a probe) judged nothing.
			c.Status, c.Reason = finding.RuleNotRun, strings.Join(run.skips, "; ")
		case len(run.skips) > 0:
			// It tested some of what it meant to: ran, with what it
			// could not test said.
			c.Status, c.Operations = finding.RuleRan, run.tested()
			c.Reason = "partly: " + strings.Join(run.skips, "; ")
		case run.sent == 0:
			c.Status = finding.RuleNotApplicable
			c.Reason = "nothing to test in this API"
			if len(run.notApplicable) > 0 {
				c.Reason = strings.Join(run.notApplicable, "; ")
			}
		default:
			c.Status, c.Operations = finding.RuleRan, run.tested()
		}
		if i, ok := at[c.Rule]; ok {
			out[i] = mergeCoverage(out[i], c)
			continue
		}
		at[c.Rule] = len(out)
		out = append(out, c)
	}
	return out
}

// Explainer is an operation rule whose coverage needs a word the tested
// operations do not give: where its inputs came from (the keys
// jwt-alg-confusion found and the sources it tried), or why it tested
// nothing although the API has what it tests (no public key was found:
// not run, since a pass must mean tested). The engine asks once, after
// the operation pass.
type Explainer interface {
	Rule
	// Explain returns a note for the rule's coverage ("" for none);
	// notRun says that the rule, if it tested no operation, lacked an
	// input rather than finding nothing to test.
	Explain() (note string, notRun bool)
}

// explained adds an Explainer's note to its coverage entry c: to the
// reason of a rule that ran or did not run, and in place of a
// not-applicable reason when the rule says an input was missing.
func explained(c finding.RuleCoverage, e Explainer) finding.RuleCoverage {
	note, notRun := e.Explain()
	switch {
	case note == "":
	case c.Status == finding.RuleNotApplicable && notRun:
		c.Status, c.Reason = finding.RuleNotRun, note
	case c.Status == finding.RuleNotApplicable:
	case c.Reason == "":
		c.Reason = note
	default:
		c.Reason += "; " + note
	}
	return c
}

// mergeCoverage is one entry for a rule that ran as an operation rule (op)
// and as an API rule (api) under the same id: it ran if either ran, with
// the operation pass's operations first, then the API rule's; when neither
// ran it is not run if either was (a check the inputs asked for did not
// happen), else not applicable. The reasons are joined.
func mergeCoverage(op, api finding.RuleCoverage) finding.RuleCoverage {
	m := op
	m.Requested = op.Requested || api.Requested
	switch {
	case op.Status == finding.RuleRan || api.Status == finding.RuleRan:
		m.Status = finding.RuleRan
	case op.Status == finding.RuleNotRun || api.Status == finding.RuleNotRun:
		m.Status = finding.RuleNotRun
	default:
		m.Status = finding.RuleNotApplicable
	}
	m.Operations = []string{}
	for _, c := range []finding.RuleCoverage{op, api} {
		if c.Status != finding.RuleRan {
			continue
		}
		for _, o := range c.Operations {
			if !slices.Contains(m.Operations, o) && (o != "*" || len(op.Operations) == 0 || op.Status != finding.RuleRan) {
				m.Operations = append(m.Operations, o)
			}
		}
	}
	apiReason := api.Reason
	if api.Status != finding.RuleRan && apiReason == safeModeReason {
		// The reads were judged; only the writes wait for active mode.
		apiReason = "writes are judged only with --mode active"
	}
	var reasons []string
	for _, r := range []string{op.Reason, apiReason} {
		if r != "" && !slices.Contains(reasons, r) {
			reasons = append(reasons, r)
		}
	}
	m.Reason = strings.Join(reasons, "; ")
	return m
}

// requested reports whether the scan's inputs asked for the rule: a peer
// asks for cross-user BOLA, an admin identity for the privilege check,
// --mode active for every active rule.
func (s *scan) requested(info finding.RuleInfo) bool {
	switch {
	case info.Mode == finding.ModeActive:
		return s.opts.Mode == finding.ModeActive && s.opts.Shard[0] <= 1
	case info.Needs == finding.NeedsPeer:
		return s.peer != nil
	case info.ID == "bfla-privilege-escalation":
		return s.admin != nil
	}
	return false
}

// whyNotRun says why a rule tested no operation: an input it needs is
// missing (not run), or the API has nothing it tests (not applicable).
func (s *scan) whyNotRun(info finding.RuleInfo, incomplete string) (finding.RuleStatus, string) {
	switch {
	case info.Mode == finding.ModeActive && s.opts.Mode != finding.ModeActive:
		return finding.RuleNotRun, safeModeReason
	case info.Mode == finding.ModeActive && s.opts.Shard[0] > 1:
		return finding.RuleNotRun, fmt.Sprintf("whole-API rules run in shard 1 of %d", s.opts.Shard[1])
	case incomplete != "":
		return finding.RuleNotRun, "the scan stopped early: " + incomplete
	case info.Needs == finding.NeedsCredentials && s.primary == nil:
		return finding.RuleNotRun, "needs credentials (--auth or an identity in the config)"
	case info.Needs == finding.NeedsPeer && s.primary == nil:
		return finding.RuleNotRun, s.noPeerWhy("needs two identities of the same role (--auth and --peer-auth)")
	case info.Needs == finding.NeedsPeer && s.peer == nil:
		return finding.RuleNotRun, s.noPeerWhy("needs a second identity of the same role (--peer-auth or a peer in the config)")
	case info.Needs == finding.NeedsPeer && !s.objectParams.Load():
		return finding.RuleNotApplicable, "no operation selects an object by an id, name or email parameter: every operation serves the caller's own data"
	case info.Needs == finding.NeedsPeer:
		return finding.RuleNotRun, fmt.Sprintf("no object of %s was found to ask for as %s: no answer showed which ids, names or emails are its own; declare them with owns: in the config", identityName(s.primary), identityName(s.peer))
	case info.Needs == finding.NeedsJWT && !s.anyJWT():
		return finding.RuleNotApplicable, "no identity's credentials are a JWT"
	}
	if why, ok := notApplicable[info.ID]; ok {
		return finding.RuleNotApplicable, why
	}
	return finding.RuleNotApplicable, "no operation of this API is one it tests"
}

// safeModeReason is why an active rule did not run in a safe scan.
const safeModeReason = "safe mode: runs only with --mode active"

// notApplicable says, per rule, what the API lacked when the rule found
// nothing to test.
var notApplicable = map[string]string{
	"spec-operation-without-security":     "no API description: operations came from flags or the target URL",
	"authn-missing":                       "no operation declared or found protected that is safe to send without credentials",
	"bola-id-enumeration":                 "no operation that refuses anonymous requests selects a record by an id parameter (operations declared public or optional-auth serve everyone by design)",
	"jwt-alg-confusion":                   "the identities' JWTs are not RSA- or EC-signed: algorithm confusion needs an asymmetric token",
	"bfla-privilege-escalation":           "no operation looks administrative (declare an admin identity to compare every operation with)",
	"authn-invalid-token-accepted":        "no read operation the primary's credentials open and anonymous requests do not",
	"api-key-in-query":                    "no API key is sent or declared in a query parameter",
	"cleartext-credentials":               "the target is served over HTTPS or on loopback",
	"cors-credentialed-origin-reflection": "no operation safe to probe with an Origin header",
}

// jwtShape matches a compact JWS: three base64url parts, the header a JSON
// object ("eyJ" is base64 of `{"`).
var jwtShape = lazyre.New(`eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*`)

// anyJWT reports whether any identity's credentials hold a JWT.
func (s *scan) anyJWT() bool {
	for _, id := range s.allIdentities() {
		for _, h := range id.Creds() {
			if jwtShape.MatchString(h.Value) {
				return true
			}
		}
	}
	return false
}
