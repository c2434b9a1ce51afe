// Package config holds authgate's one configuration: defaults, the YAML
// file, command-line flags and (later) Action inputs all fill the same
// Config, and Validate says what is wrong with it.
package config

import (
	"time"

	"github.com/authgate/authgate/finding"
)

// Config is everything a scan needs to know. Field names follow the flags.
type Config struct {
	Target    string   `yaml:"target"`
	OpenAPI   string   `yaml:"openapi"`
	Endpoints []string `yaml:"endpoints"` // "METHOD /path?query"
	Exclude   []string `yaml:"exclude"`   // "METHOD /path" never sent (safety.ParseExclusion)
	Auth      []string `yaml:"auth"`      // "Header: value"
	PeerAuth  []string `yaml:"peerAuth"`  // "Header: value"
	Mode      string   `yaml:"mode"`      // "safe" or "active"

	// Identities are the named accounts of the config file. Primary and
	// Peer name the two of them that act as the primary and peer
	// identity; empty picks the first and second non-throw-away user.
	// Auth and PeerAuth, when set, win over them.
	Identities []Identity `yaml:"identities"`
	Primary    string     `yaml:"primary"`
	Peer       string     `yaml:"peer"`
	// Flows names the operations the active rules exercise, each
	// "METHOD /path"; empty ones are found in the API description.
	Flows Flows `yaml:"flows"`
	// Bodies are request bodies for operations whose description is too
	// thin to build one from, by "METHOD /path" (the route template, the
	// method upper-cased): JSON the active writes send instead of a
	// generated body.
	Bodies map[string][]byte `yaml:"bodies"`
	// PathValues are values of path parameters that name a parent the
	// scan cannot create (teamId: "42"): active writes create children
	// under it and never change it.
	PathValues map[string]string `yaml:"pathValues"`
	// AutoAccounts lets active mode register throw-away accounts through
	// the API's signup operation and use them as primary and peer where
	// none were given. Registering is a write: it needs Mode active.
	AutoAccounts bool `yaml:"autoAccounts"`
	// JWTWordlist is a file of candidate JWT HMAC keys, one a line, that
	// jwt-weak-hmac-secret tries before its built-in list; "": none.
	JWTWordlist string `yaml:"jwtWordlist"`
	// Discovery lets a scan look for endpoints the description does not
	// list (common debug paths, links in answers): a few anonymous GETs,
	// counted in the budget. On by default; discovery: false or
	// --no-discovery turns it off.
	Discovery bool `yaml:"discovery"`
	// Secrets are the values the file's ${VAR}s expanded to, for the
	// Action to mask; never written anywhere.
	Secrets []string `yaml:"-"`

	Outputs []Output `yaml:"-"` // from --format and -o, or the file's format: and output:

	FailUnder int `yaml:"failUnder"`
	// FailUnderSet records that FailUnder was given (flag, file or Action
	// input) rather than defaulted: with a baseline the absolute
	// threshold applies only then.
	FailUnderSet bool   `yaml:"-"`
	FailOn       string `yaml:"failOn"` // critical|high|medium|low|none
	Baseline     string `yaml:"baseline"`
	BaselineURL  string `yaml:"baselineUrl"`
	MaxScoreDrop int    `yaml:"maxScoreDrop"` // -1: not set
	// Suppress lists the accepted findings (a bare rule id or fingerprint,
	// or an entry with a reason and an optional expiry); what they match
	// moves to the report's suppressed list.
	Suppress []finding.Suppression `yaml:"suppress"`

	Rate        float64       `yaml:"rate"`        // ceiling of the adaptive rate, requests per second; 0: unlimited
	Concurrency int           `yaml:"concurrency"` // parallel requests
	Timeout     time.Duration `yaml:"timeout"`     // per request
	Budget      int           `yaml:"budget"`      // max requests in total
	// BudgetSet records that Budget was given (flag or file): then it is
	// a hard bound. Left at its default, the scan raises it to
	// DefaultBudgetPerOperation requests per operation once it knows the
	// API's size, so that a large API is not cut short by a bound meant
	// to stop runaway scans.
	BudgetSet bool          `yaml:"-"`
	Wait      time.Duration `yaml:"wait"` // wait for the target before scanning
	// MaxDuration bounds the whole run (a --baseline-url scan included):
	// when it is reached the scan stops, writes a partial report marked
	// incomplete and exits 3, as after an interrupt. 0: no bound.
	MaxDuration time.Duration `yaml:"maxDuration"`
	Shard       Shard         `yaml:"-"` // from --shard I/N, or the file's shard: "I/N"
	// InsecureTLS accepts the scanned deployments' certificates unchecked
	// (a self-signed preview); never the GitHub API's. Default false.
	InsecureTLS bool `yaml:"insecureTls"`
	// JWTPublicKeys are files holding the server's public JWT keys (PEM,
	// DER or JWK): jwt-alg-confusion tries them before the keys the
	// target serves (--jwt-public-key, repeatable).
	JWTPublicKeys []string `yaml:"jwtPublicKeys"`
}

// Identity is one named account. Its credentials are static Headers, a
// Login flow, or both (the headers are then sent with the login's token).
// ${VAR} in any value is read from the environment when the file is
// loaded, so that secrets stay in CI's secret store.
type Identity struct {
	Name      string
	Role      string   // RoleUser (default) or RoleAdmin
	Throwaway bool     // active rules may lock it out, log it out, change it
	Headers   []string // "Header: value"; cookies: as "Cookie: a=1; b=2"
	Login     *Login
	// Owns maps parameter names to values of objects this identity owns
	// (owns: {user_id: "1001"}): the cross-user check tries them when
	// nothing the scan sees says whose an object is.
	Owns map[string][]string
}

// Roles of an identity.
const (
	RoleUser  = "user"
	RoleAdmin = "admin"
)

// Login is how an identity gets its token: one request to the target,
// then the token taken from the answer.
type Login struct {
	Method string         // default POST
	Path   string         // on the target's origin, e.g. /api/login
	Format string         // "json" (default) or "form": how Body is encoded
	Body   map[string]any // the request's fields, values ${VAR}-expanded
	// UsernameField and PasswordField name Body's fields that hold the
	// account name and password; empty: found by name (username, email,
	// login…; password, pass, pwd…).
	UsernameField string
	PasswordField string
	// Token says where the answer carries the token: "json:<dotted.path>",
	// "header:<Name>" or "cookie:<name>".
	Token string
	// Send is the header the token is sent in, with {token} where it goes;
	// default "Authorization: Bearer {token}" for json and header tokens,
	// "Cookie: <name>={token}" for cookie tokens.
	Send string
	// Lifetime re-logs in after this long; 0: only when the token's JWT
	// exp has passed or the target answers 401.
	Lifetime time.Duration
}

// Flows names, as "METHOD /path", the operations the active rules need.
type Flows struct {
	Check    string // an operation that needs a login, e.g. GET /api/me
	Logout   string // e.g. POST /api/logout
	Register string // e.g. POST /api/register
	Recovery string // e.g. POST /api/password/forgot
}

// Output is one report destination: Path "" or "-" is stdout.
type Output struct {
	Format string // text, json, sarif, markdown, junit, codequality
	Path   string
}

// Shard selects part of the operations: shard Index (1-based) of Count.
// The zero value means all operations.
type Shard struct {
	Index, Count int
}

// Defaults, each with its reason.
const (
	DefaultMode        = "safe"
	DefaultFailUnder   = 70 // the contract's default threshold: grade C or better
	DefaultFailOn      = "high"
	DefaultRate        = 10000 // the adaptive rate's ceiling: a scan starts at 20/s and rises only while the target keeps up (scanner.AdaptiveStartRate)
	DefaultConcurrency = 8
	DefaultTimeout     = 10 * time.Second
	DefaultBudget      = 20000 // far above what a safe scan of 1,000 operations needs; stops runaway scans
	// DefaultBudgetPerOperation scales the default budget with the API:
	// max(DefaultBudget, this × operations). A whole scan sends 7.3
	// requests per operation of a large read-only API in safe and active
	// mode alike, and 16.7 on the demo in active mode, whose operations
	// are mostly objects the writes create, change and delete
	// (BenchmarkRequestsPerOperation, BenchmarkDemoRequestsPerOperation in
	// cli/); 20 covers the costliest with room for confirmations of
	// findings, and still stops a scan that loops.
	DefaultBudgetPerOperation = 20
	DefaultWait               = 5 * time.Second
	DefaultFile               = ".authgate.yml"
)

// Default returns a Config with every default set.
func Default() Config {
	return Config{
		Mode:         DefaultMode,
		FailUnder:    DefaultFailUnder,
		FailOn:       DefaultFailOn,
		MaxScoreDrop: -1,
		Rate:         DefaultRate,
		Concurrency:  DefaultConcurrency,
		Timeout:      DefaultTimeout,
		Budget:       DefaultBudget,
		Wait:         DefaultWait,
		Discovery:    true,
	}
}
