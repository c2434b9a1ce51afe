// Package rules holds authgate's checks, one file per rule family. Rules
// are Go code; the scanner engine owns HTTP: a rule sends requests only
// through the scanner.Target it is given and confirms every positive with a
// fresh answer before it reports it.
package rules

import (
	"strconv"
	"strings"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/internal/lazyre"
	"github.com/authgate/authgate/scanner"
)

// All returns every rule in a fixed order, configured by opts. Some rules
// keep per-scan state, so call All once per scan.
func All(opts ...Option) []scanner.Rule {
	rules := []scanner.Rule{
		SpecOperationWithoutSecurity{},
		AuthnMissing{},
		BOLACrossUserRead{},
		&BOLAIDEnumeration{},
		VerboseErrorDisclosure{},
	}
	rules = append(rules, BFLARules()...)
	rules = append(rules, InvalidTokenRules()...)
	rules = append(rules, JWTRules(opts...)...)
	rules = append(rules, JWTConfusionRules(opts...)...)
	return append(rules, MisconfigRules()...)
}

// info returns the catalog entry of a rule id; an unknown id is a
// programming error caught by the tests.
func info(id string) finding.RuleInfo {
	ri, ok := finding.Lookup(id)
	if !ok {
		panic("rules: " + id + " is not in the catalog")
	}
	return ri
}

// Similarity thresholds shared by the rules.
const (
	// sameContent: two answers this alike show the same object.
	sameContent = 0.9
	// differentView: an anonymous answer less alike than this to the
	// authenticated one is a different (public) view, not the same data.
	differentView = 0.5
)

// idParam matches parameter names that select one object or principal.
// The camel-case suffix is case-sensitive: orderId is an id, paid is not.
var idParam = lazyre.New(`^(?i:id|uid|uuid|user|username|user_?name|account|customer)$|(?i:[_-]id)$|[a-z]Id$|ID$|(?i:_no|_number)$`)

// pagingParam matches parameters that select a page, not an object.
var pagingParam = lazyre.New(`(?i)(page|offset|limit|size|count|cursor|sort|order_?by|per_?page)`)

// idParams returns the keys ("query:user_id") of the operation's path and
// query parameters that select an object, in parameter order.
func idParams(t *scanner.Target, vals map[string]string) []string {
	var out []string
	for _, p := range t.Op.Params {
		key := p.In + ":" + p.Name
		if _, ok := vals[key]; !ok || (p.In != "path" && p.In != "query") {
			continue
		}
		if pagingParam.MatchString(p.Name) {
			continue
		}
		if idParam.MatchString(p.Name) || (p.In == "path" && (p.Type == "integer" || p.Format == "uuid")) {
			out = append(out, key)
		}
	}
	return out
}

// with returns a copy of vals with key set to v.
func with(vals map[string]string, key, v string) map[string]string {
	out := make(map[string]string, len(vals))
	for k, x := range vals {
		out[k] = x
	}
	out[key] = v
	return out
}

// trailingDigits splits "u-1001" into "u-" and "1001".
var trailingDigits = lazyre.New(`^(.*?)(\d+)$`)

// neighbours returns up to n guessable keys next to v: for numeric or
// digit-suffixed keys, the following and preceding numbers with the same
// width. Keys without digits (uuids, names) have no guessable neighbours.
func neighbours(v string, n int) []string {
	m := trailingDigits.FindStringSubmatch(v)
	if m == nil || len(m[2]) > 18 || strings.Count(v, "-") >= 4 {
		return nil
	}
	prefix, digits := m[1], m[2]
	num, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return nil
	}
	var out []string
	for _, d := range []int64{1, 2, 3, -1, 4, 5, -2} {
		x := num + d
		if x < 0 {
			continue
		}
		s := strconv.FormatInt(x, 10)
		if len(s) < len(digits) {
			s = strings.Repeat("0", len(digits)-len(s)) + s
		}
		out = append(out, prefix+s)
		if len(out) == n {
			break
		}
	}
	return out
}

// describe names an operation's request for summaries: "GET /user?user_id=1002".
func describe(r *scanner.Response) string {
	u := r.Request.URL
	s := r.Request.Method + " " + u.Path
	if u.RawQuery != "" {
		s += "?" + u.RawQuery
	}
	return s
}

// fromDocument reports whether the operation comes from the API
// description (and not from a flag or the target URL).
func fromDocument(t *scanner.Target) bool { return t.Described() }

// APIRules returns the whole-API rules (the active session, account and
// login rules) in a fixed order; call it once per scan. The rules that
// send failed logins come last: a correct API locks the throw-away
// account after them, and the other rules need it logged in.
func APIRules() []scanner.APIRule {
	rules := SessionRules()
	rules = append(rules, AccountRules()...)
	// The writes before the failed logins: an API that answers those
	// with a lockout or a per-client limit must not refuse the writes.
	rules = append(rules, WriteRules()...)
	return append(rules, LoginRules()...)
}

// Replacers shared by every call (a Replacer is safe for concurrent use,
// and building one costs more than what it replaces in a short name).
var (
	// dashUnderscore drops - and _ (is-admin, is_admin → isadmin).
	dashUnderscore = strings.NewReplacer("-", "", "_", "")
	// nameSeparators drops _, - and . from a field name.
	nameSeparators = strings.NewReplacer("_", "", "-", "", ".", "")
	// spacesDashes drops spaces and dashes (a card or phone number's
	// digits).
	spacesDashes = strings.NewReplacer(" ", "", "-", "")
)
