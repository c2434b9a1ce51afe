// Package scanner is authgate's engine: it turns a target, an API
// description and identities into operations, sends every request through
// one bounded client, and runs the rules over each operation.
package scanner

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner/openapi"
)

// Errors that decide the exit code: the CLI maps them with errors.Is.
var (
	// ErrUnreachable: the target never answered within the wait.
	ErrUnreachable = errors.New("target unreachable")
	// ErrScanFailed: the scan ran but no request got an answer.
	ErrScanFailed = errors.New("scan failed")
	// ErrSpec: the API description could not be read or parsed.
	ErrSpec = errors.New("invalid API description")
	// ErrNoOperations: nothing to scan.
	ErrNoOperations = errors.New("no operations to scan")
)

// Rule is one check. Check runs once per operation and returns the
// findings it confirmed; it sends requests only through the Target.
type Rule interface {
	Info() finding.RuleInfo
	Check(ctx context.Context, t *Target) []finding.Finding
}

// Options is what a scan needs. The CLI fills it from config.Config.
type Options struct {
	Target    string    // base URL, or one endpoint's URL
	OpenAPI   string    // path or URL; "" to discover
	Endpoints []string  // "METHOD /path?query"
	Exclude   []string  // "METHOD /path" never sent (see safety.ParseExclusion)
	Primary   *Identity // nil: no credentials given
	Peer      *Identity // nil: no second identity
	Admin     *Identity // nil: no identity with the admin role
	// Identities are every configured identity (Primary, Peer and Admin
	// among them when they come from the config); those with a Login
	// log in when the scan starts.
	Identities []*Identity
	Flows      Flows
	// Bodies are request bodies given for operations ("POST /api/notes"
	// -> JSON) whose description is too thin to build one from; active
	// mode's writes send them instead of a generated body.
	Bodies map[string][]byte
	// PathValues are values for path parameters that name a parent the
	// scan cannot create (teamId -> "42"): writes create children under
	// it, never change it.
	PathValues map[string]string
	// Discovery lets the scan look for endpoints the description does
	// not list (common debug paths, links in answers; see discovery.go):
	// a few anonymous GETs at the end, counted in the budget.
	Discovery bool
	// AutoAccounts lets active mode register its own throw-away accounts
	// through the description's signup operation and use them as primary
	// and peer where none were given.
	AutoAccounts bool
	Mode         finding.Mode                 // safe or active
	Client       ClientOptions                // bounds; Origins are filled by Scan
	Wait         time.Duration                // how long to wait for the target to answer
	Shard        [2]int                       // {index, count}, 1-based; {0,0}: all
	Progress     func(Progress)               // called as operations finish; may be nil
	ReadFile     func(string) ([]byte, error) // reads --openapi files; nil: os.ReadFile
	Rules        []Rule                       // the checks, from rules.All() (once per scan)
	APIRules     []APIRule                    // whole-API checks, from rules.APIRules()
	// BudgetPerOperation, when more than 0, makes Client.Budget a floor
	// that scales with the API: once the scan knows its operations the
	// budget is max(Client.Budget, BudgetPerOperation × operations), so
	// that a bound meant to stop runaway scans does not cut a large API
	// short. 0: Client.Budget is a hard bound (an explicit --budget).
	BudgetPerOperation int
}

// Progress is reported as the scan advances.
type Progress struct {
	Phase       string // "waiting", "discovering", "scanning", "done"
	Done, Total int    // operations
	Requests    int
}

// Result is what a scan found.
type Result struct {
	Target     string
	StartedAt  time.Time
	Duration   time.Duration
	Operations int
	Requests   int
	Errors     int
	Findings   []finding.Finding
	// SpecSource says where the operations came from: a file, a URL on the
	// target, or "flags".
	SpecSource string
	// Incomplete explains why the scan stopped early; "" when it ran to
	// the end.
	Incomplete string
	// Interrupted says the scan's context ended before the scan did (a
	// signal, or the CLI's --max-duration): Incomplete then says which.
	// It is read once, with Incomplete, so the two always agree.
	Interrupted bool
	// BudgetExhausted says Incomplete is the request budget running out,
	// a bound the user set (or the default's), not a failing target.
	BudgetExhausted bool
	// Warnings are problems that did not stop the scan, e.g. references
	// in the API description that do not resolve.
	Warnings []string
	// Coverage says what the scan tested: identities and how each was
	// verified, operations, and each rule's operations or why it did not
	// run.
	Coverage finding.Coverage
}

// Scan runs the scan. A returned error means no result (see the Err
// variables); a partial scan returns a Result with Incomplete set.
func Scan(ctx context.Context, opts Options) (*Result, error) {
	start := time.Now()
	base, endpointOp, err := parseTarget(opts.Target)
	if err != nil {
		return nil, err
	}
	s := &scan{
		opts:    opts,
		base:    base,
		primary: opts.Primary,
		peer:    opts.Peer,
		admin:   opts.Admin,
		cache:   map[string]*Response{},
		ruleOps: map[int][]int{},
		apiRuns: map[string]*apiRun{},
	}
	defer func() {
		// A rule that panics must not leave the scan's objects behind:
		// clean up, then let the panic go on.
		if p := recover(); p != nil {
			if s.writes != nil && !s.cleaned {
				s.writes.cleanup(ctx)
			}
			panic(p)
		}
	}()
	if s.safety, err = newSafety(opts); err != nil {
		return nil, err // before waiting: a bad pattern is the user's to fix
	}
	s.redactor = NewRedactor(append([]*Identity{opts.Primary, opts.Peer, opts.Admin}, opts.Identities...)...)
	copts := opts.Client
	copts.Origins = []string{origin(base)}
	s.client = NewClient(copts)

	s.progress(Progress{Phase: "waiting"})
	if err := s.waitForTarget(ctx); err != nil {
		return nil, err
	}
	if err := s.logInAll(ctx, endpointOp); err != nil {
		return nil, err
	}
	s.progress(Progress{Phase: "discovering"})
	ops, err := s.operations(ctx, endpointOp)
	if err != nil {
		return nil, err
	}
	for _, op := range ops {
		for _, p := range op.Params {
			if p.In == "query" && credentialParam.MatchString(p.Name) {
				s.redactor.add(p.Example)
			}
		}
	}
	// Accounts of its own stand in for a missing primary or peer
	// (auto-accounts): the signup and login are found in the operations.
	s.registerAccounts(ctx, ops)
	s.warnings = append(s.warnings, s.unusedSettings(ops)...)
	all := ops
	s.scaleBudget(len(all))
	ops = shard(ops, opts.Shard)
	s.calibrate(ctx)
	if err := s.verifyIdentities(ctx, all); err != nil && !s.dropRejected(err) {
		s.closeAccounts(ctx, all)
		return nil, err
	}
	if s.primary != nil {
		// A shard reads only the lists its own operations can use (see
		// harvestScope): its own, their collections, the caller's own
		// records, and lists that may hold the ids its parameters are
		// named after. With one identity only what it says of itself is
		// read (see harvest).
		mine := shardMembers(all, opts.Shard)
		s.harvest(ctx, all, s.harvestScope(all, mine))
		// Other shards' answers are never asked for again.
		for i := range mine {
			if !mine[i] {
				s.forget(&all[i])
			}
		}
	}

	findings, incomplete := s.run(ctx, ops)
	var skipped []string
	if len(opts.APIRules) > 0 && opts.Shard[0] <= 1 && incomplete == "" {
		// API rules look at the whole API: one shard runs them.
		var fs []finding.Finding
		fs, skipped = s.runAPIRules(ctx, all)
		findings = append(findings, fs...)
		if ctx.Err() != nil {
			incomplete = stopReason(ctx)
		} else if s.client.exhausted() {
			incomplete = s.budgetSpent()
		}
	}
	var created *finding.WriteCoverage
	if s.writes != nil {
		// Even when interrupted or out of budget: see Writes.cleanup.
		var left []string
		created, left = s.writes.cleanup(ctx)
		s.cleaned = true
		skipped = append(skipped, left...)
	}
	// The accounts go last: the objects they own are gone by now.
	s.closeAccounts(ctx, all)
	if why := s.identityExpiry(); why != "" {
		s.warnings = append(s.warnings, why)
		if incomplete == "" {
			incomplete = why
		}
	}
	var discovered *finding.DiscoveryCoverage
	if opts.Discovery {
		// After everything else: it spends only what the description's
		// operations left of the budget. Every shard looks, each sending
		// its own part (see unlistedCandidates).
		var fs []finding.Finding
		fs, discovered = s.discoverUnlisted(ctx, all, ops, incomplete)
		findings = append(findings, fs...)
	}
	// Read once: a deadline that passes from here on no longer changes
	// what the report says.
	interrupted := ctx.Err() != nil
	if interrupted && incomplete == "" {
		// Stopped in the clean-up or discovery, after the checks.
		incomplete = stopReason(ctx)
	}
	res := &Result{
		Target:     redactURL(base),
		StartedAt:  start,
		Duration:   time.Since(start),
		Operations: len(ops),
		Requests:   s.client.Sent(),
		Errors:     s.client.Failed(),
		Findings:   dedupe(findings),
		SpecSource: s.specSource,
		Incomplete: incomplete,

		Interrupted:     interrupted,
		BudgetExhausted: incomplete != "" && incomplete == s.budgetSpent(),
	}
	res.Coverage.Rules = s.ruleCoverage(append(slices.Clip(ops), s.unlisted.ops...), incomplete)
	res.Coverage.Operations.Scanned = len(ops)
	res.Coverage.Operations.Answered, res.Coverage.Operations.Unsent = s.opCounts(ops)
	res.Coverage.Operations.Skipped = s.safety.skipped // excluded and state-changing (see screen)
	res.Coverage.Operations.Total = len(ops) + len(res.Coverage.Operations.Skipped)
	res.Coverage.Identities = s.identityCoverage()
	res.Coverage.Writes = created
	res.Coverage.Discovery = discovered
	if warn := s.accountCoverage(&res.Coverage); warn != "" {
		skipped = append(skipped, warn)
	}
	if res.Coverage.Operations.Skipped == nil {
		res.Coverage.Operations.Skipped = []finding.SkippedOperation{}
	}
	if s.doc != nil {
		res.Warnings = s.doc.Warnings
	}
	res.Warnings = append(res.Warnings, s.warnings...)
	res.Warnings = append(res.Warnings, skipped...)
	s.progress(Progress{Phase: "done", Done: len(ops), Total: len(ops), Requests: res.Requests})
	// An interrupted scan keeps its partial report (marked interrupted),
	// whatever it saw before the signal.
	if res.Requests > 0 && res.Errors == res.Requests && !interrupted {
		return res, fmt.Errorf("%w: none of %d requests got a usable answer from %s", ErrScanFailed, res.Requests, res.Target)
	}
	if len(ops) > 0 && s.answeredOps == 0 && res.Errors > 0 && !interrupted {
		// What did answer (the description, the wait probe) is not the
		// API: a scan that saw no operation tested nothing.
		return res, fmt.Errorf("%w: none of the %d operations got a usable answer from %s (%d of %d requests failed: timeouts, connection errors, 429 or 502-504)", ErrScanFailed, len(ops), res.Target, res.Errors, res.Requests)
	}
	return res, nil
}

// scan is the state of one scan, shared by every operation's Target.
type scan struct {
	opts       Options
	base       *url.URL
	client     *Client
	primary    *Identity
	peer       *Identity
	admin      *Identity
	redactor   *Redactor
	doc        *openapi.Document
	specSource string

	// soft404 holds, per identity name, the answer to a path that
	// certainly does not exist.
	soft404 map[string]Fingerprint
	// owned is what the scan learned about who the identities are and
	// what they own (see harvest); ownedIdx files it for the rules'
	// per-operation lookups (see ownedIndex).
	owned    []owned
	ownedIdx ownedIndex
	// described files the description's operations (Target.Described).
	described describedOps

	mu    sync.Mutex
	cache map[string]*Response
	// cacheKeys lists each operation's keys in cache ("GET /path");
	// cacheBytes is the size of the cached bodies (see remember).
	cacheKeys  map[string][]string
	cacheBytes int
	shared     answerShare // what cached answers share (see remember)
	check      *Target     // the check flow, once found

	// warnings are problems that did not stop the scan (see
	// Result.Warnings).
	warnings []string
	done     int
	progMu   sync.Mutex
	safety   screening // what the scan must never send (see screen.go)

	// ruleOps lists, per index of Options.Rules, the indexes of the
	// operations the rule tested; answeredOps counts the operations with
	// a usable answer (see coverage).
	ruleOps map[int][]int
	// objectParams is set when an operation has a parameter that selects
	// an object, whose owner cross-user rules look for.
	objectParams atomic.Bool
	answeredOps  int
	// opsSeen records, per operation ("GET /users/{id}"), whether any
	// rule sent it and whether it got a usable answer, in the operation
	// pass and in the whole-API rules alike (see Target.count).
	covMu   sync.Mutex
	opsSeen map[string]opSeen
	// curAPI is the record of the whole-API rule running now, nil
	// outside them.
	curAPI atomic.Pointer[apiRun]
	// apiRuns records what each API rule did (see runAPIRules).
	apiRuns map[string]*apiRun
	// accounts are the throw-away accounts the scan registered for
	// itself (Options.AutoAccounts); nil when it did not try.
	accounts *accounts
	// writes is active mode's write engine, made when a rule first asks
	// (see API.Writes); its objects are removed when the API rules end.
	writesOnce sync.Once
	writes     *Writes
	cleaned    bool // the write engine's clean-up ran
	// unlisted is the discovery of endpoints the description does not
	// list (see discovery.go).
	unlisted unlisted
}

func (s *scan) progress(p Progress) {
	if s.opts.Progress == nil {
		return
	}
	s.progMu.Lock()
	defer s.progMu.Unlock()
	s.opts.Progress(p)
}

// parseTarget splits TARGET into the base URL and, when it names one
// endpoint (it has a query, or a path and nothing else says what to scan),
// that endpoint as an operation.
func parseTarget(raw string) (*url.URL, *openapi.Operation, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, nil, fmt.Errorf("%w: target %q is not an http(s) URL", ErrNoOperations, raw)
	}
	if u.User != nil {
		return nil, nil, fmt.Errorf("%w: target URL must not contain credentials", ErrNoOperations)
	}
	var op *openapi.Operation
	if u.RawQuery != "" || (u.Path != "" && u.Path != "/") {
		o := endpointOperation("GET", u.Path, u.Query())
		op = &o
	}
	base := &url.URL{Scheme: u.Scheme, Host: u.Host, Path: strings.TrimRight(u.Path, "/")}
	return base, op, nil
}

// waitForTarget polls the base URL until anything answers over HTTP.
func (s *scan) waitForTarget(ctx context.Context) error {
	deadline := time.Now().Add(s.opts.Wait)
	req := &Request{Method: "GET", URL: s.base}
	if req.URL.Path == "" {
		req.URL = s.base.JoinPath("/")
	}
	var last error
	for {
		// The wait probe goes around the budget and the stats: it is
		// not part of the scan.
		resp := s.client.probe(ctx, req)
		if resp.Err == nil && !gatewayDown(resp.Status) {
			return nil
		}
		last = resp.Err
		if last == nil {
			last = fmt.Errorf("it answered %d", resp.Status)
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%w: %s: %v", ErrUnreachable, redactURL(s.base), context.Cause(ctx))
		}
		if time.Now().After(deadline) {
			if err := targetTLSError(s.base, last); err != nil {
				return err // it did answer, with a certificate we refuse
			}
			return fmt.Errorf("%w: %s did not answer within %s: %v", ErrUnreachable, redactURL(s.base), s.opts.Wait, last)
		}
		select {
		case <-ctx.Done():
		case <-time.After(waitInterval):
		}
	}
}

// waitInterval is how often an unreachable target is asked again while
// waiting: often enough to start soon after a preview comes up.
const waitInterval = 500 * time.Millisecond

// calibrate learns what the target answers for paths that do not exist,
// per identity, so soft 404s and SPA fallbacks are not taken for data.
func (s *scan) calibrate(ctx context.Context) {
	s.soft404 = map[string]Fingerprint{}
	for _, id := range s.identities() {
		u := s.base.JoinPath(s.docBase(), "authgate-missing-7f3a9c2e", "nothing-here")
		resp := s.do(ctx, &Request{Method: "GET", URL: u, Identity: id})
		if resp.Err == nil {
			s.soft404[id.Name] = FingerprintOf(resp)
		}
	}
}

// logInAll logs in every identity with a login flow, resolving the login
// paths against the target URL first: its origin when it names one
// endpoint with a query (TARGET http://h/user?user_id=1), else the URL.
func (s *scan) logInAll(ctx context.Context, endpointOp *openapi.Operation) error {
	base := s.base
	if hasQuery(endpointOp) {
		base = &url.URL{Scheme: s.base.Scheme, Host: s.base.Host}
	}
	for _, id := range s.allIdentities() {
		if id.Login == nil {
			continue
		}
		id.Login.at = s.loginURL(id.Login, base)
		err := s.logIn(ctx, id)
		switch {
		case err == nil:
		case id.Throwaway && id != s.primary && id != s.peer && id != s.admin && !errors.Is(err, ErrUnreachable):
			// A throw-away account an earlier active scan locked out
			// only costs its active rules, not the scan.
			// The error is "scan failed: identity NAME: login …": the
			// scan goes on, so say what happened to the login only.
			msg := strings.TrimPrefix(err.Error(), ErrScanFailed.Error()+": ")
			msg = strings.TrimPrefix(msg, "identity "+id.Name+": ")
			why := fmt.Sprintf("the throw-away identity's %s (locked out by an earlier active scan?); its active rules were skipped", msg)
			id.failLogin(s.redactor.Redact("not verified: " + why))
			s.warnings = append(s.warnings, s.redactor.Redact(fmt.Sprintf("identity %s: %s", id.Name, why)))
		default:
			return err
		}
	}
	return nil
}

// allIdentities returns every identity of the scan once: primary, peer,
// admin and the configured ones.
func (s *scan) allIdentities() []*Identity {
	var out []*Identity
	for _, id := range append([]*Identity{s.primary, s.peer, s.admin}, s.opts.Identities...) {
		if id != nil && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// identities returns anonymous, then the primary and peer when present.
func (s *scan) identities() []*Identity {
	ids := []*Identity{Anonymous}
	if s.primary != nil {
		ids = append(ids, s.primary)
	}
	if s.peer != nil {
		ids = append(ids, s.peer)
	}
	return ids
}

// run checks every operation with every rule of the scan's mode on a
// bounded pool of workers.
func (s *scan) run(ctx context.Context, ops []openapi.Operation) ([]finding.Finding, string) {
	workers := max(s.opts.Client.Concurrency, 1)
	var parallel, ordered []int
	for ri, r := range s.opts.Rules {
		switch {
		case r.Info().Mode == finding.ModeActive && s.opts.Mode != finding.ModeActive:
		case isSpecOrdered(r):
			ordered = append(ordered, ri)
		default:
			parallel = append(parallel, ri)
		}
	}
	jobs := make(chan int)
	var mu sync.Mutex
	var all []finding.Finding
	// perOp holds each operation's findings, so that they reach dedupe
	// in spec order whichever worker finished first.
	perOp := make([][]finding.Finding, len(ops))
	unanswered := 0
	// redirected counts operations whose every answer was a redirect;
	// location is the first one's in spec order (at index locationOp).
	redirected, location, locationOp := 0, "", len(ops)
	// finished marks the operations whose parallel rules are done (under
	// mu); the spec-ordered rules follow them (see followInOrder).
	finished := make([]bool, len(ops))
	cond := sync.NewCond(&mu)
	ordering := s.followInOrder(ctx, ops, ordered, finished, cond, perOp)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				t := s.target(&ops[i])
				fs, tested := s.checkOp(ctx, t, parallel)
				if len(ordered) == 0 {
					s.noteLinks(i, t.Op)
					s.forget(t.Op)
				}
				mu.Lock()
				perOp[i] = fs
				finished[i] = true
				cond.Broadcast()
				for _, ri := range tested {
					s.ruleOps[ri] = append(s.ruleOps[ri], i)
				}
				if t.answered > 0 {
					s.answeredOps++
				}
				if t.unanswered > 0 && t.answered == 0 {
					unanswered++
				}
				if t.answered > 0 && t.redirected == t.answered {
					redirected++
					if i < locationOp {
						location, locationOp = t.location, i
					}
				}
				s.done++
				p := Progress{Phase: "scanning", Done: s.done, Total: len(ops), Requests: s.client.Sent()}
				mu.Unlock()
				s.progress(p)
			}
		}()
	}
	incomplete := ""
feed:
	for i := range ops {
		select {
		case jobs <- i:
		case <-ctx.Done():
			incomplete = stopReason(ctx)
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	ordering()
	for _, fs := range perOp {
		all = append(all, fs...)
	}
	all = s.group(all, ops)
	switch {
	case incomplete != "":
	case ctx.Err() != nil:
		// Interrupted after the last operation was handed out: its
		// requests failed because of the interruption, not the target.
		incomplete = stopReason(ctx)
	case s.client.budget > 0 && s.client.exhausted():
		incomplete = s.budgetSpent()
	case len(ops) > 0 && redirected == len(ops):
		// A login wall or SSO proxy in front of the preview: nothing
		// of the API was seen, which must not pass as a clean scan.
		incomplete = fmt.Sprintf("every operation answered with a redirect (first to %q): the scan saw no API; is the target behind a login wall or SSO proxy? Give credentials that pass it, or scan the service behind it", s.redactor.Redact(truncateText(location, maxLocationShown)))
	case unanswered > 0:
		incomplete = fmt.Sprintf("%d of %d operations got no usable answer (connection errors, timeouts, 429 or 502-504)", unanswered, len(ops))
	}
	return all, incomplete
}

// MaxDuration is the cause of a context that the run's own time bound
// ended (the CLI's --max-duration: context.WithTimeoutCause(ctx, d,
// scanner.MaxDuration(d))), as opposed to a signal: the scan's
// incomplete reason names the bound.
type MaxDuration time.Duration

// Error is "max duration 5m reached", the bound spelled as people write
// it (5m, 1h30m, 90s: not 5m0s).
func (d MaxDuration) Error() string {
	s := time.Duration(d).String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return "max duration " + s + " reached"
}

// stopReason says why the scan's context ended, for Result.Incomplete:
// "max duration 5m reached; later checks were skipped" at the run's time
// bound (MaxDuration), else an interruption (a signal).
func stopReason(ctx context.Context) string {
	var bound MaxDuration
	if errors.As(context.Cause(ctx), &bound) {
		return bound.Error() + "; later checks were skipped"
	}
	return "interrupted: " + ctx.Err().Error()
}

// budgetSpent is the incomplete reason of a scan the request budget
// stopped (see Result.BudgetExhausted).
func (s *scan) budgetSpent() string {
	return fmt.Sprintf("request budget of %d exhausted; later checks were skipped", s.client.budget)
}

// scaleBudget raises a default budget to Options.BudgetPerOperation
// requests per operation of the whole API (every shard harvests over
// all of it). It runs before the operations are checked: the requests
// so far (logins, the description) were sent one after the other and
// none is in flight, and the workers that read the budget start after.
func (s *scan) scaleBudget(operations int) {
	per := int64(s.opts.BudgetPerOperation)
	if per <= 0 || s.client.budget <= 0 {
		return
	}
	s.client.budget = max(s.client.budget, per*int64(operations))
}

// SpecOrdered is a rule whose decision on one operation settles the
// operations after it (the JWT rules that judge the token itself: its
// HMAC key, its lifetime, its claims). Run on parallel workers, which operation
// decides first would change from run to run, and with it the findings;
// the engine therefore runs these rules after the others, one operation
// after the other in spec order, so every run decides alike.
type SpecOrdered interface {
	Rule
	SpecOrdered()
}

// followInOrder runs the spec-ordered rules on each operation, one after
// the other in spec order, as soon as the parallel rules are done with
// it and with every operation before it (finished, under cond's lock),
// on the answers they left in the cache, then drops those answers. It
// starts at once; the function it returns waits for it once the workers
// are done, and releases the answers of the operations that were never
// handed out. Following the workers, rather than waiting for all of
// them, keeps only the few operations between the two in the cache: with
// the answers of every operation kept until a later pass, a
// 20,000-operation scan held 145,000 answers, 300 MB (issue 13).
func (s *scan) followInOrder(ctx context.Context, ops []openapi.Operation, ordered []int, finished []bool, cond *sync.Cond, perOp [][]finding.Finding) (wait func()) {
	if len(ordered) == 0 {
		return func() {} // the workers drop each answer themselves
	}
	stopped := false // set when the workers are done
	next := 0        // the first operation not yet followed
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ; next < len(ops); next++ {
			cond.L.Lock()
			for !finished[next] && !stopped {
				cond.Wait()
			}
			ok := finished[next]
			cond.L.Unlock()
			if !ok {
				return // never handed out: the scan stopped
			}
			t := s.target(&ops[next])
			if ctx.Err() == nil {
				fs, tested := s.checkOp(ctx, t, ordered)
				cond.L.Lock()
				perOp[next] = append(perOp[next], fs...)
				for _, ri := range tested {
					s.ruleOps[ri] = append(s.ruleOps[ri], next)
				}
				cond.L.Unlock()
			}
			s.noteLinks(next, t.Op)
			s.forget(t.Op)
		}
	}()
	return func() {
		cond.L.Lock()
		stopped = true
		cond.Broadcast()
		cond.L.Unlock()
		<-done
		for i := next; i < len(ops); i++ {
			s.noteLinks(i, &ops[i])
			s.forget(&ops[i])
		}
	}
}

func isSpecOrdered(r Rule) bool {
	_, ok := r.(SpecOrdered)
	return ok
}

// Grouper is a rule whose findings on several operations may have one
// root cause: a route whose middleware skips verification is that
// route's flaw, but every route accepting garbage is the verifier's.
// After the operation pass the engine hands Group the rule's findings
// and the operations it tested ("GET /users/{id}"), both in spec order,
// and reports what it returns instead.
type Grouper interface {
	Rule
	Group(fs []finding.Finding, tested []string) []finding.Finding
}

// group lets each Grouper rule replace its findings.
func (s *scan) group(all []finding.Finding, ops []openapi.Operation) []finding.Finding {
	for ri, r := range s.opts.Rules {
		g, ok := r.(Grouper)
		if !ok {
			continue
		}
		rule := r.Info().ID
		var mine, rest []finding.Finding
		for _, f := range all {
			if f.Rule == rule {
				mine = append(mine, f)
			} else {
				rest = append(rest, f)
			}
		}
		if len(mine) == 0 {
			continue
		}
		idx := slices.Clone(s.ruleOps[ri])
		slices.Sort(idx)
		tested := make([]string, 0, len(idx))
		for _, i := range idx {
			tested = append(tested, ops[i].Method+" "+ops[i].Path)
		}
		all = append(rest, g.Group(mine, tested)...)
	}
	return all
}

// checkOp runs the rules of s.opts.Rules at the indexes rules on t, and
// returns their findings and the indexes of those that tested it.
func (s *scan) checkOp(ctx context.Context, t *Target, rules []int) ([]finding.Finding, []int) {
	var fs []finding.Finding
	var tested []int
	for _, ri := range rules {
		t.sent, t.judged = false, false
		fs = append(fs, s.opts.Rules[ri].Check(ctx, t)...)
		if t.sent || t.judged {
			tested = append(tested, ri)
		}
	}
	return fs, tested
}

// maxLocationShown bounds the redirect target quoted in a message.
const maxLocationShown = 200

// truncateText cuts s to at most n bytes on a rune boundary.
func truncateText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}

// shard keeps the operations of shard sh = {index, count} (1-based), in
// their order: see shardMembers.
func shard(ops []openapi.Operation, sh [2]int) []openapi.Operation {
	mine := shardMembers(ops, sh)
	if mine == nil {
		return ops
	}
	var out []openapi.Operation
	for i := range ops {
		if mine[i] {
			out = append(out, ops[i])
		}
	}
	return out
}

// dedupe keeps one finding per fingerprint (the most confident, then the
// most severe) and sorts them for deterministic output. Among duplicates
// of equal rank the first is kept: the engine passes findings in spec
// order of their operations (then the API rules' in rule order), so the
// evidence shown is the same every run whichever worker finished first.
// The sort is total (the fingerprint decides last), so equal findings
// never swap places.
func dedupe(fs []finding.Finding) []finding.Finding {
	best := map[string]int{}
	var out []finding.Finding
	for _, f := range fs {
		i, ok := best[f.Fingerprint]
		if !ok {
			best[f.Fingerprint] = len(out)
			out = append(out, f)
			continue
		}
		if f.Outranks(&out[i]) {
			out[i] = f
		}
	}
	slices.SortFunc(out, func(a, b finding.Finding) int {
		return cmp.Or(cmp.Compare(b.Severity, a.Severity), cmp.Compare(a.Rule, b.Rule),
			cmp.Compare(a.Path, b.Path), cmp.Compare(a.Method, b.Method),
			cmp.Compare(a.Fingerprint, b.Fingerprint))
	})
	if out == nil {
		out = []finding.Finding{}
	}
	return out
}

// redactURL drops userinfo from a URL meant for display.
func redactURL(u *url.URL) string {
	c := *u
	c.User = nil
	return c.String()
}
