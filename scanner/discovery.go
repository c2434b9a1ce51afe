package scanner

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/internal/lazyre"
	"github.com/authgate/authgate/scanner/openapi"
	"github.com/authgate/authgate/scanner/safety"
)

// This file is safe mode's discovery of unlisted endpoints (issue 12,
// item 8): sensitive data on a GET nobody described (a debug listing of
// every user with a password, a config dump) is found only if the scan
// asks for it. After the rest of the scan, a bounded, fixed-order list of
// parameterless GETs is sent anonymously (common debug paths, /_debug
// under listed collections, the servers path, links in answers, then the
// routes the front end's scripts name: discovery_scripts.go); what
// answers 2xx with content that is not the server's catch-all (nor its
// parent's) becomes an operation that the rules judging an answer alone
// judge (UnlistedJudge), and coverage lists what was tried and found. The
// exact list is in docs/discovery.md.

// UnlistedJudge is a rule that may judge an endpoint the description does
// not list: it decides from a 2xx answer alone (secrets in it),
// never from what the description claims (that the route is protected,
// that it selects someone's object). Other rules never see such endpoints.
type UnlistedJudge interface {
	Rule
	JudgesUnlisted()
}

// debugPaths are the common debug and operations paths tried on every
// target, at the origin's root: each answers small JSON or text that can
// hold credentials when left open. Big answers are never asked for (no
// /actuator/heapdump, no /debug/pprof/heap); HTML pages no rule reads
// (/server-status, /phpinfo.php) are left out.
var debugPaths = []string{
	"/_debug",               // VAmPI-style debug listings
	"/debug",                // ad-hoc debug routes
	"/debug/vars",           // Go expvar: command line and settings
	"/env",                  // Node and Python apps dumping process.env
	"/config",               // configuration dumps
	"/config.json",          // static configuration files with keys
	"/.env",                 // dotenv files served by a static handler
	"/actuator",             // Spring Boot: lists what is exposed
	"/actuator/env",         // Spring Boot: properties, unmasked in old versions
	"/actuator/configprops", // Spring Boot: bound configuration
	"/metrics",              // Prometheus and Micrometer
	"/api/debug",            // debug routes under the usual API prefix
	"/api/config",
}

// Bounds of discovery, so that it costs a scan little and the same every
// run.
const (
	// maxUnlistedProbes bounds the candidates sent from the common paths,
	// the listed collections, the servers path and the links (the rules'
	// one confirming request per endpoint found comes on top).
	maxUnlistedProbes = 40
	// maxDiscoveryRequests bounds discovery's requests with the front
	// end's share: the root page, its scripts and the routes they name,
	// after the other sources. A single-page app's bundle names one API
	// route per front-end service (Juice Shop's about 35 under /rest and
	// /api), and the other sources take 13 to 40 places: within 40 the
	// bundle's routes would hardly be tried. 64 small anonymous GETs
	// once per scan are 0.3% of the default budget.
	maxDiscoveryRequests = 64
	// maxCollectionProbes bounds the listed collections tried with
	// /_debug appended.
	maxCollectionProbes = 8
	// maxLinksPerOp bounds the links taken from one operation's answers,
	// so that one long list does not take every place.
	maxLinksPerOp = 4
	// maxLinkLength bounds a link taken as a path.
	maxLinkLength = 200
)

// unlisted is discovery's state in a scan.
type unlisted struct {
	mu sync.Mutex
	// links holds, per index of the scanned operations, the same-origin
	// paths found in its answers (see noteLinks).
	links map[int][]string
	// ops are the endpoints found, judged after the operations, in
	// candidate order.
	ops []openapi.Operation
}

// candidate is one path discovery may send and where it came from.
type candidate struct {
	path   string // from the origin's root
	source string // "common path", "link in GET /x", "servers", ...
	// mine says this shard sends it (see unlistedCandidates); always
	// true in a scan that is not sharded.
	mine bool
}

// noteLinks keeps the same-origin paths found in op's cached 2xx answers
// to GETs, before they are forgotten. i is op's index in the scanned
// operations: discovery reads them in that order, whichever worker
// finished first.
func (s *scan) noteLinks(i int, op *openapi.Operation) {
	if !s.opts.Discovery || op.Method != "GET" {
		return
	}
	// The bodies are read outside the lock: the other workers need it.
	var bodies [][]byte
	s.mu.Lock()
	keys := append(make([]string, 0, 16), s.cacheKeys[op.Method+" "+op.Path]...)
	slices.Sort(keys) // a copy: the cache's list keeps its order
	for _, k := range keys {
		if r := s.cache[k]; r != nil && r.Request.Method == "GET" && r.OK() {
			bodies = append(bodies, r.Body)
		}
	}
	s.mu.Unlock()
	var found []string
	for _, b := range bodies {
		for _, p := range linksIn(b, s.base) {
			if !slices.Contains(found, p) && len(found) < maxLinksPerOp {
				found = append(found, p)
			}
		}
	}
	if len(found) == 0 {
		return
	}
	s.unlisted.mu.Lock()
	defer s.unlisted.mu.Unlock()
	if s.unlisted.links == nil {
		s.unlisted.links = map[int][]string{}
	}
	s.unlisted.links[i] = found
}

// linksIn returns the paths in a JSON body's string values that point at
// base's origin: root-relative paths and absolute URLs of the same
// origin, without their query (a discovered endpoint is parameterless).
// Another host's URL is never taken.
func linksIn(body []byte, base *url.URL) []string {
	// A link holds a slash, and JSON text holds one as "/" or escaped
	// ("\/", "\u002f"): a body with neither has none, and is not decoded
	// (most answers are records without links, and every answer of the
	// scan's GETs is read here).
	if !bytes.ContainsAny(body, `/\`) {
		return nil
	}
	return linksDecoded(body, base)
}

// linksDecoded is linksIn without its shortcut: it decodes every body.
func linksDecoded(body []byte, base *url.URL) []string {
	var out []string
	EachScalar(body, true, func(_, v string) {
		v = strings.TrimSpace(v)
		if len(v) > maxLinkLength+len(base.Scheme)+len(base.Host)+3 {
			return
		}
		var p string
		switch {
		case strings.HasPrefix(v, "/") && !strings.HasPrefix(v, "//"):
			u, err := url.Parse(v)
			if err != nil {
				return
			}
			p = u.Path
		case strings.HasPrefix(v, "http://") || strings.HasPrefix(v, "https://"):
			u, err := url.Parse(v)
			if err != nil || u.User != nil || origin(u) != origin(base) {
				return
			}
			p = u.Path
		default:
			return
		}
		if strings.Contains(v, "%") {
			return // escaped: /a%2Fb is not the path /a/b
		}
		if p, ok := linkPath(p); ok && !slices.Contains(out, p) {
			out = append(out, p)
		}
	})
	return out
}

// linkChars are the characters a discovered path may hold: what the
// answers of an API put in its own links, and nothing a report or a
// request would need to escape.
var linkChars = lazyre.New(`^(/[A-Za-z0-9._~-]+)+/?$`)

// staticFile matches paths of files a browser loads, which hold no API
// data.
var staticFile = lazyre.New(`(?i)\.(png|jpe?g|gif|svg|ico|webp|css|js|map|woff2?|ttf|html?|pdf|mp4|zip)$`)

// linkPath cleans a link's path and says whether discovery may try it: no
// dot segments, no ids (a list of objects links each of them; reading
// objects is the described operations' business), no static files.
func linkPath(p string) (string, bool) {
	if p == "" || p == "/" || len(p) > maxLinkLength || !linkChars.MatchString(p) {
		return "", false
	}
	if cleaned := path.Clean(p); cleaned != strings.TrimSuffix(p, "/") {
		return "", false // "." or ".." segments
	}
	p = strings.TrimSuffix(p, "/")
	for _, seg := range strings.Split(p[1:], "/") {
		if idSegment.MatchString(seg) {
			return "", false
		}
	}
	if staticFile.MatchString(p) {
		return "", false
	}
	return p, true
}

// apiPrefix is the path the described operations' routes are joined to.
func (s *scan) apiPrefix() string { return s.base.Path + s.docBase() }

// unlistedCandidates returns what discovery may send, in a fixed order:
// the common paths, /_debug under the listed collections, the
// description's servers path when the scan used another, then the links
// in answers, by the order of the operations that got them. all are the
// description's operations, ops the scanned ones (a shard's, see
// shardMembers: mine marks them in all, nil when the scan is not
// sharded).
//
// In a sharded scan every shard lists the same candidates but the links
// (the collections come from all), and marks as its own (candidate.mine)
// those it sends, so that each is sent by one shard: the common paths
// and the servers path by the shard that looks at the whole API (1, as
// for the API rules and the front end's scripts), a collection's /_debug
// by the shard of that collection, and the links by the shard whose
// answers hold them. The links in the other shards' answers are not
// known here; see unlistedPlan for what that changes.
func (s *scan) unlistedCandidates(all, ops []openapi.Operation, mine []bool) []candidate {
	lead := s.discoveryLead()
	var out []candidate
	for _, p := range debugPaths {
		out = append(out, candidate{p, "common path", lead})
	}
	prefix := s.apiPrefix()
	var colls []int // indexes in all
	for i, op := range all {
		if op.Method == "GET" && !strings.Contains(op.Path, "{") && !strings.Contains(op.Path, ":") && op.Path != "/" {
			colls = append(colls, i)
		}
	}
	// Shallow collections first: /users/v1 before /users/v1/me/settings.
	slices.SortStableFunc(colls, func(a, b int) int { return strings.Count(all[a].Path, "/") - strings.Count(all[b].Path, "/") })
	for _, i := range colls[:min(len(colls), maxCollectionProbes)] {
		c := all[i].Path
		out = append(out, candidate{prefix + strings.TrimSuffix(c, "/") + "/_debug", "listed collection GET " + c, mine == nil || mine[i]})
	}
	if s.doc != nil && s.doc.BasePath != "" && s.doc.BasePath != prefix {
		out = append(out, candidate{s.doc.BasePath, "servers", lead})
	}
	s.unlisted.mu.Lock()
	idx := slices.Sorted(maps.Keys(s.unlisted.links))
	for _, i := range idx {
		if i >= len(ops) {
			continue
		}
		for _, p := range s.unlisted.links[i] {
			out = append(out, candidate{p, "link in GET " + ops[i].Path, true})
		}
	}
	s.unlisted.mu.Unlock()
	return out
}

// discoveryLead reports whether this scan sends the candidates that
// belong to no operation (the common paths, the servers path, the front
// end's page, scripts and routes): an unsharded scan, or shard 1.
func (s *scan) discoveryLead() bool { return s.opts.Shard[0] <= 1 }

// mineOnly returns the candidates this shard sends, in order.
func mineOnly(cands []candidate) []candidate {
	var out []candidate
	for _, c := range cands {
		if c.mine {
			out = append(out, c)
		}
	}
	return out
}

// screenCandidates drops duplicates, the described operations, and what
// the scan must never send: --exclude, skipped routes, and paths whose
// names say they change state (a link to /createdb). A path that only fits
// a described template counts as described when an answer linked it (a
// link to /books/v1/{book_title}'s object is no news), not when it is a
// name discovery made up or read in a script: VAmPI describes GET
// /users/v1/{username}, and /users/v1/_debug is another route (that the
// template's handler answers every name alike is likeParentCatchAll's
// business).
func (s *scan) screenCandidates(cands []candidate, ops []openapi.Operation) []candidate {
	described := newDescribedGETs(s.apiPrefix(), ops)
	var out []candidate
	seen := map[string]bool{}
	for _, c := range cands {
		if seen[c.path] {
			continue
		}
		seen[c.path] = true
		if described.literal(c.path) || strings.HasPrefix(c.source, "link in ") && described.template(c.path) {
			continue
		}
		if namedToChange(c.path) {
			continue
		}
		if s.refuse(&Request{Method: "GET", URL: &url.URL{Scheme: s.base.Scheme, Host: s.base.Host, Path: c.path}}) != nil {
			continue
		}
		out = append(out, c)
	}
	return out
}

// describedGETs are the described GET routes, for screenCandidates. A
// route without parameters is looked up by its path; the templates are
// compiled (safety.ExactRoute) only when a linked path asks, and once:
// one regexp per operation held at once was 66 MB of a 20,000-operation
// API's scan, its largest live heap.
type describedGETs struct {
	paths     map[string]bool // literal routes, as routeKey files them
	templates []string
	compiled  []safety.Exclusion // of templates, on first use
}

func newDescribedGETs(prefix string, ops []openapi.Operation) *describedGETs {
	d := &describedGETs{paths: map[string]bool{}}
	for _, op := range ops {
		switch {
		case op.Method != "GET":
		case strings.Contains(op.Path, "{"):
			d.templates = append(d.templates, prefix+op.Path)
		default:
			d.paths[routeKey(prefix+op.Path)] = true
		}
	}
	return d
}

// routeKey is a literal route as safety.ExactRoute reads it: a trailing
// slash does not count (/reset/ is /reset), except in "/".
func routeKey(route string) string {
	if route == "/" {
		return route
	}
	return strings.TrimRight(route, "/")
}

// literal reports whether p is a described route without parameters, as
// safety.ExactRoute("GET", route) matches it: the route itself or the
// route and one slash ("/" only itself).
func (d *describedGETs) literal(p string) bool {
	if d.paths[p] {
		return true
	}
	k, ok := strings.CutSuffix(p, "/")
	return ok && k != "/" && d.paths[k]
}

// template reports whether p fits a described template.
func (d *describedGETs) template(p string) bool {
	if d.compiled == nil {
		d.compiled = make([]safety.Exclusion, 0, len(d.templates))
		for _, t := range d.templates {
			d.compiled = append(d.compiled, safety.ExactRoute("GET", t))
		}
	}
	return matchesAny(d.compiled, "GET", p)
}

// namedToChange reports whether an unlisted path's names say it changes
// state, read more strictly than a described route's (see
// safety.UnlistedStateChange: Juice Shop's GET /rest/saveLoginIp records
// the caller's address). The key search screens the URLs it fetches the
// same way.
func namedToChange(p string) bool {
	_, changes := safety.UnlistedStateChange(p)
	return changes
}

// unlistedTarget is the Target of a discovered endpoint: anonymous only
// (Main is Anonymous), its path from the origin's root.
func (s *scan) unlistedTarget(op *openapi.Operation, source string) *Target {
	return &Target{Op: op, s: s, unlisted: source}
}

// Unlisted says how the scan found the operation when the description does
// not list it ("common path", "link in GET /users"), "" for a described
// one.
func (t *Target) Unlisted() string { return t.unlisted }

// discoverUnlisted sends the candidates (within the bounds and the budget
// left), keeps what answers with content of its own, and runs the
// UnlistedJudge rules on it. all are the description's operations, ops
// the scanned ones (a shard's; their findings' coverage indexes come
// first); incomplete is why the scan stopped early, when it did:
// discovery then does not start.
func (s *scan) discoverUnlisted(ctx context.Context, all, ops []openapi.Operation, incomplete string) ([]finding.Finding, *finding.DiscoveryCoverage) {
	cov := &finding.DiscoveryCoverage{Found: []finding.DiscoveredEndpoint{}}
	if incomplete != "" || ctx.Err() != nil {
		cov.Reason = "not tried: the scan stopped early"
		return nil, cov
	}
	cands, fallbacks := s.unlistedPlan(ctx, all, ops, cov)
	n := len(cands)
	if n == 0 {
		return nil, cov
	}
	answers := make([]*Response, n)
	targets := make([]*Target, n)
	var wg sync.WaitGroup
	for i, c := range cands {
		op := &openapi.Operation{Method: "GET", Path: c.path, Security: openapi.SecurityUndeclared}
		targets[i] = s.unlistedTarget(op, c.source)
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers[i] = s.do(ctx, targets[i].Request(Anonymous, nil))
		}()
	}
	wg.Wait()
	cov.Tried = n
	if ctx.Err() != nil {
		cov.Reason = "interrupted: " + ctx.Err().Error()
		return nil, cov
	}
	var kept []*Target
	parents := map[string]*Response{}
	for i, r := range answers {
		if !s.ownAnswer(r, fallbacks) || s.likeParentCatchAll(ctx, cands[i].path, r, parents) {
			continue
		}
		s.remember(targets[i].Op, cacheKey(r.Request), r)
		kept = append(kept, targets[i])
		cov.Found = append(cov.Found, finding.DiscoveredEndpoint{Path: cands[i].path, Status: r.Status, Source: cands[i].source})
	}
	fs := s.judgeUnlisted(ctx, kept, len(ops))
	if s.client.exhausted() && cov.Reason == "" {
		cov.Reason = "the request budget was spent before every endpoint found was judged"
	}
	return fs, cov
}

// unlistedPlan returns the candidates discovery sends, in order, within
// the bounds and the budget left, and the catch-all answers to compare
// their answers with. On the way it reads the front end's page and
// scripts, and notes in cov the scripts read and why not every candidate
// is sent.
//
// A shard (see unlistedCandidates) applies the bounds to what it knows,
// every shard's candidates but the other shards' links, and sends its own
// among those within them: the common paths, the collections and the
// servers path are within the bound in every scan (at most 22 of 40), so
// each is sent by exactly one shard, as one scan sends it. The links fill
// the rest of the bound in each shard, from that shard's answers; when one
// scan's links fit in its bound the shards' do too and together they send
// the same ones, and when they do not, the shards together may send more
// links than one scan (each shard at most one scan's bound). The first
// shard's front-end routes come after its own links only, so it tries at
// least those one scan tries.
func (s *scan) unlistedPlan(ctx context.Context, all, ops []openapi.Operation, cov *finding.DiscoveryCoverage) ([]candidate, []Fingerprint) {
	known := s.screenCandidates(s.unlistedCandidates(all, ops, shardMembers(all, s.opts.Shard)), all)
	total := len(mineOnly(known))
	known = known[:min(len(known), maxUnlistedProbes)]
	if left, ok := s.budgetLeft(); ok && left <= 2 {
		// Two go to the catch-all's calibration, and would be all.
		cov.Reason = fmt.Sprintf("tried 0 of %d candidates: the request budget was spent", total)
		return nil, nil
	}
	lead := s.discoveryLead()
	if !lead && len(mineOnly(known)) == 0 {
		return nil, nil // nothing of this shard's: no catch-all to ask either
	}
	fallbacks, page := s.catchAlls(ctx)
	// The front end's routes come last, in what the bound and the budget
	// leave after the other sources.
	room := maxDiscoveryRequests - len(known)
	if left, ok := s.budgetLeft(); ok {
		room = min(room, left-len(mineOnly(known)))
	}
	var fromScripts []candidate
	fetched := 0
	if lead {
		var read []string
		fromScripts, read, fetched = s.scriptCandidates(ctx, page, s.describedFirsts(all), room)
		cov.Scripts = read
	}
	if len(fromScripts) > 0 {
		before := len(known)
		known = s.screenCandidates(append(known, fromScripts...), all)
		total += len(known) - before
	}
	cands := mineOnly(known[:min(len(known), maxDiscoveryRequests-fetched)])
	if len(cands) < total {
		cov.Reason = fmt.Sprintf("tried %d of %d candidates: discovery's bound is %d paths from common names, collections and links, %d requests with the front end's page, scripts and routes",
			len(cands), total, maxUnlistedProbes, maxDiscoveryRequests)
	}
	if left, ok := s.budgetLeft(); ok && left < len(cands) {
		cands = cands[:max(left, 0)]
		cov.Reason = fmt.Sprintf("tried %d of %d candidates: the request budget was spent", len(cands), total)
	}
	return cands, fallbacks
}

// budgetLeft returns the requests the budget still allows, and false when
// there is no budget.
func (s *scan) budgetLeft() (int, bool) {
	if s.client.budget <= 0 {
		return 0, false
	}
	return int(s.client.budget - s.client.sent.Load() - s.client.reserve.Load()), true
}

// likeParentCatchAll reports whether r, the answer to p, looks like what
// p's parent answers for a name that certainly does not exist: a
// /users/v1/{name} route that answers 200 for any name would otherwise
// make /users/v1/_debug look found. One request per parent (remembered in
// parents), only for the paths that answered; a path at the root has the
// root's catch-alls.
func (s *scan) likeParentCatchAll(ctx context.Context, p string, r *Response, parents map[string]*Response) bool {
	parent := path.Dir(p)
	if parent == "/" || parent == "." {
		return false
	}
	missing, ok := parents[parent]
	if !ok {
		u := &url.URL{Scheme: s.base.Scheme, Host: s.base.Host, Path: parent + "/authgate-missing-7f3a9c2e"}
		missing = s.do(ctx, &Request{Method: "GET", URL: u, Identity: Anonymous})
		parents[parent] = missing
	}
	if missing.Err != nil || !missing.OK() {
		return false
	}
	return FingerprintOf(missing).Matches(r) || sameKeys(missing, r)
}

// sameKeys reports whether two answers are JSON of the same status,
// media type and keys, whatever the values: a route that echoes the name
// it was given ({"name":"_debug","books":[]}) answers every name alike.
func sameKeys(a, b *Response) bool {
	if a.Status != b.Status || mediaType(a.Header) != mediaType(b.Header) {
		return false
	}
	ka, kb := jsonKeys(a.Body), jsonKeys(b.Body)
	return len(ka) > 0 && slices.Equal(ka, kb)
}

// jsonKeys returns the sorted key paths of a JSON body ("books[].title"),
// nil when it is not JSON.
func jsonKeys(body []byte) []string {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return nil
	}
	var keys []string
	flatten("", v, func(p, _ string) {
		if !slices.Contains(keys, p) {
			keys = append(keys, p)
		}
	})
	slices.Sort(keys)
	return keys
}

// catchAlls are the anonymous answers to paths that certainly do not
// exist, at the origin's root: one segment and two (a SPA answers its
// index.html to both; a /{slug} route only to the first). The scan's own
// calibration, under the API's base path, is one of them. page is the
// answer to the one-segment path when it is a page of the app (a SPA's
// index.html, which names its scripts), nil otherwise.
func (s *scan) catchAlls(ctx context.Context) (fps []Fingerprint, page *Response) {
	if fp, ok := s.soft404[identityName(Anonymous)]; ok {
		fps = append(fps, fp)
	}
	for i, p := range []string{"/authgate-missing-7f3a9c2e", "/authgate-missing-7f3a9c2e/nothing-here"} {
		r := s.do(ctx, &Request{Method: "GET", URL: &url.URL{Scheme: s.base.Scheme, Host: s.base.Host, Path: p}, Identity: Anonymous})
		if r.Err == nil {
			fps = append(fps, FingerprintOf(r))
		}
		if i == 0 && appPage(r) {
			page = r
		}
	}
	return fps, page
}

// ownAnswer reports whether r is an endpoint's own answer: 2xx, not a
// refusal, not like any catch-all answer, with content.
func (s *scan) ownAnswer(r *Response, fallbacks []Fingerprint) bool {
	if !r.OK() || Refusal(r) != "" || !HasContent(r.Body) {
		return false
	}
	return !slices.ContainsFunc(fallbacks, func(fp Fingerprint) bool { return fp.Matches(r) })
}

// judgeUnlisted runs the UnlistedJudge rules on the endpoints found, one
// after the other in candidate order, and says in each finding's summary
// that the endpoint is not in the description. first is the coverage
// index of the first endpoint (after the scanned operations).
func (s *scan) judgeUnlisted(ctx context.Context, targets []*Target, first int) []finding.Finding {
	var judges []int
	for ri, r := range s.opts.Rules {
		if _, ok := r.(UnlistedJudge); ok && (r.Info().Mode != finding.ModeActive || s.opts.Mode == finding.ModeActive) {
			judges = append(judges, ri)
		}
	}
	var out []finding.Finding
	for j, t := range targets {
		if ctx.Err() != nil {
			break
		}
		fs, tested := s.checkOp(ctx, t, judges)
		for _, ri := range tested {
			s.ruleOps[ri] = append(s.ruleOps[ri], first+j)
		}
		for i := range fs {
			fs[i].Evidence.Summary += fmt.Sprintf(" The API description does not list %s %s; the scan found it (%s).", t.Op.Method, t.Op.Path, t.unlisted)
		}
		out = append(out, fs...)
		s.forget(t.Op)
		s.unlisted.ops = append(s.unlisted.ops, *t.Op)
	}
	return out
}
