package finding

// Coverage says what a scan tested: which identities were verified and
// how, which operations were scanned and answered, and for every rule the
// operations it ran on or why it did not run. A pass means something only
// next to its coverage: a check that could not run is never "clean".
type Coverage struct {
	Identities []IdentityCoverage `json:"identities"`
	Operations OperationCoverage  `json:"operations"`
	Rules      []RuleCoverage     `json:"rules"`
	// Writes lists what an active scan created on the target (objects
	// and accounts) and whether it was removed again; nil when the scan
	// wrote nothing.
	Writes *WriteCoverage `json:"writes,omitempty"`
	// Discovery is what the scan tried beyond the description: common
	// debug paths, links in answers; nil when it did not look (turned
	// off); with --shard, what this shard tried (each shard tries its
	// own part).
	Discovery *DiscoveryCoverage `json:"discovery,omitempty"`
}

// DiscoveryCoverage is safe mode's look for endpoints the description
// does not list: how many parameterless GETs it sent anonymously and
// which answered with content of their own. The rules that judge an
// answer alone (credentials-in-response) judged those.
type DiscoveryCoverage struct {
	Tried int                  `json:"tried"`
	Found []DiscoveredEndpoint `json:"found"`
	// Reason says why discovery did not try every candidate ("" when it
	// did).
	Reason string `json:"reason,omitempty"`
	// Scripts are the front end's scripts read for the API routes they
	// name ("/main.js"), in the order read; empty when the root page
	// loads none of the target's own.
	Scripts []string `json:"scripts,omitempty"`
}

// DiscoveredEndpoint is one unlisted GET endpoint that answered.
type DiscoveredEndpoint struct {
	// Path is from the origin's root, e.g. "/users/v1/_debug".
	Path   string `json:"path"`
	Status int    `json:"status"`
	// Source says how the scan came to try it: "common path", "listed
	// collection GET /users/v1", "link in GET /api/items", "servers".
	Source string `json:"source"`
}

// WriteCoverage is what active mode wrote: every object and account the
// scan created, in the order it created them, and whether the clean-up
// removed it. What is left behind is for the API's owner to remove.
type WriteCoverage struct {
	Created []CreatedObject `json:"created"`
	// Left counts the created objects still on the target.
	Left int `json:"left"`
}

// CreatedObject is one object or account the scan created.
type CreatedObject struct {
	// Kind is "object" or "account".
	Kind string `json:"kind"`
	// Operation is the create operation, e.g. "POST /api/notes".
	Operation string `json:"operation"`
	// Item is the created object's own path, e.g. "/api/notes/17", ""
	// when the API gave no id.
	Item string `json:"item,omitempty"`
	// Owner is the identity that created it.
	Owner   string `json:"owner"`
	Deleted bool   `json:"deleted"`
	// Reason says why it was not deleted (no delete operation, the
	// delete answered 403), or how the deletion was confirmed.
	Reason string `json:"reason,omitempty"`
}

// IdentityCoverage is one identity of the scan and the evidence that the
// API accepted it (or that it did not).
type IdentityCoverage struct {
	Name string `json:"name"`
	// Role is the part the identity plays: primary, peer, admin,
	// throwaway or user.
	Role     string `json:"role"`
	Verified bool   `json:"verified"`
	// How is the evidence, e.g. "GET /api/me answered 200, anonymous 401",
	// or why the identity could not be verified.
	How string `json:"how"`
}

// OperationCoverage counts the operations and lists those never sent.
type OperationCoverage struct {
	// Total is the number of operations the description and flags gave
	// (this shard's), Scanned those the rules ran on, Answered those that
	// got at least one usable answer.
	Total    int `json:"total"`
	Scanned  int `json:"scanned"`
	Answered int `json:"answered"`
	// Unsent counts, in safe mode, the scanned operations no rule sent:
	// the writes (POST, PUT, PATCH, DELETE), judged from the API
	// description alone.
	Unsent int `json:"unsent"`
	// Skipped are the operations never sent, each with the reason
	// (excluded by --exclude, state-changing in safe mode).
	Skipped []SkippedOperation `json:"skipped"`
}

// SkippedOperation is one operation the scan did not send and why.
type SkippedOperation struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

// RuleStatus says whether a rule ran.
type RuleStatus string

// Rule statuses in coverage.
const (
	// RuleRan: the rule tested at least one operation.
	RuleRan RuleStatus = "ran"
	// RuleNotApplicable: nothing in this API is what the rule tests (no
	// JWT for the JWT rules, no cookie for cookie-insecure); nothing was
	// missing from the scan.
	RuleNotApplicable RuleStatus = "not-applicable"
	// RuleNotRun: the rule could not run: an input it needs is missing
	// (no peer, safe mode), or the scan could not use one (an identity
	// the API refused, a throw-away locked out, the budget spent).
	RuleNotRun RuleStatus = "not-run"
)

// RuleCoverage is one rule's part of the scan.
type RuleCoverage struct {
	Rule   string     `json:"rule"`
	Mode   Mode       `json:"mode"`
	Status RuleStatus `json:"status"`
	// Operations are the operations ("GET /users/{id}") the rule tested,
	// in the scan's order; "*" for a whole-API rule that ran.
	Operations []string `json:"operations"`
	// Reason says why the rule did not run, or what it could not test.
	Reason string `json:"reason,omitempty"`
	// Requested is set when the scan's inputs asked for this rule (a
	// peer was given for cross-user BOLA, --mode active for the active
	// rules): a requested rule that did not run fails the gate.
	Requested bool `json:"requested,omitempty"`
}

// Missing returns the rules the inputs asked for that did not run, in
// order: each is a reason the gate fails.
func (c *Coverage) Missing() []RuleCoverage {
	if c == nil {
		return nil
	}
	var out []RuleCoverage
	for _, r := range c.Rules {
		if r.Requested && r.Status == RuleNotRun {
			out = append(out, r)
		}
	}
	return out
}
