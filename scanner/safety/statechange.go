package safety

import (
	"net/http"
	"strings"

	"github.com/authgate/authgate/internal/ident"
)

// A GET is supposed to change nothing, and a scanner sends GETs freely: it
// reads each route as several identities, confirms every positive and
// varies ids. Real APIs still have GET routes that act: GET /createdb
// "drops and re-seeds the database", GET /logout, GET /orders/{id}/cancel.
// Sent by a scan they destroy the data the scan reads (its throw-away
// account included) and make two scans disagree. StateChange recognises
// such routes by what their path, operationId, summary and description
// say, as words: /createdb, /create-db, /db/create, /resetDB and resetDb
// match; /presets, /assets/{id}, /users/{id}/settings and "Returns the
// list of charges" do not.

// stateVerb is how strongly a word says that a route acts.
type stateVerb int

const (
	// weakVerb acts when it names the route's action: the last literal
	// path segment (/orders/{id}/cancel), the first or last word of an
	// operationId, the verb of a sentence. Elsewhere it is often a noun:
	// /checkout/sessions lists sessions, /import/jobs lists jobs.
	weakVerb stateVerb = iota + 1
	// strongVerb acts wherever it appears in a path: a route under
	// /reset/ or /drop/ is not one to send blindly.
	strongVerb
)

// stateVerbs are the words, in their base form, that say a route changes
// state, from routes seen in real APIs: database and demo resets, cache
// flushes, mail and payment triggers, session ends, admin switches.
var stateVerbs = map[string]stateVerb{
	// Destroying data: never safe, wherever they appear.
	"drop": strongVerb, "truncate": strongVerb, "purge": strongVerb, "wipe": strongVerb,
	"erase": strongVerb, "nuke": strongVerb, "seed": strongVerb, "reseed": strongVerb,
	"populate": strongVerb, "repopulate": strongVerb, "flush": strongVerb, "destroy": strongVerb,
	"delete": strongVerb, "remove": strongVerb, "reset": strongVerb, "shutdown": strongVerb,
	"reboot": strongVerb, "restart": strongVerb, "uninstall": strongVerb, "teardown": strongVerb,

	// Creating and rebuilding.
	"create": weakVerb, "recreate": weakVerb, "init": weakVerb, "initialize": weakVerb,
	"initialise": weakVerb, "reinit": weakVerb, "reinitialize": weakVerb, "setup": weakVerb,
	"install": weakVerb, "reinstall": weakVerb, "bootstrap": weakVerb, "provision": weakVerb,
	"deploy": weakVerb, "import": weakVerb, "migrate": weakVerb, "restore": weakVerb,
	"rollback": weakVerb, "clear": weakVerb, "clean": weakVerb, "cleanup": weakVerb,
	"rebuild": weakVerb, "reindex": weakVerb, "regenerate": weakVerb, "recompute": weakVerb,
	"recalculate": weakVerb, "reload": weakVerb, "insert": weakVerb, "upsert": weakVerb,
	"update": weakVerb, "save": weakVerb, "rename": weakVerb, "register": weakVerb, "signup": weakVerb,
	// Messages and jobs.
	"send": weakVerb, "resend": weakVerb, "notify": weakVerb, "broadcast": weakVerb,
	"publish": weakVerb, "unpublish": weakVerb, "dispatch": weakVerb, "enqueue": weakVerb,
	"trigger": weakVerb, "execute": weakVerb, "invite": weakVerb, "run": weakVerb,
	"rerun": weakVerb, "sync": weakVerb, "resync": weakVerb, "load": weakVerb,
	"archive": weakVerb, "unarchive": weakVerb, "empty": weakVerb,
	// Money.
	"pay": weakVerb, "charge": weakVerb, "checkout": weakVerb, "purchase": weakVerb,
	"buy": weakVerb, "refund": weakVerb, "transfer": weakVerb, "withdraw": weakVerb,
	"deposit": weakVerb, "capture": weakVerb, "subscribe": weakVerb, "unsubscribe": weakVerb,
	"cancel": weakVerb,
	// Accounts, sessions, switches.
	"logout": weakVerb, "logoff": weakVerb, "signout": weakVerb, "revoke": weakVerb,
	"expire": weakVerb, "invalidate": weakVerb, "terminate": weakVerb, "kill": weakVerb,
	"halt": weakVerb, "refresh": weakVerb, "rotate": weakVerb, "confirm": weakVerb,
	"approve": weakVerb, "reject": weakVerb, "activate": weakVerb, "deactivate": weakVerb,
	"enable": weakVerb, "disable": weakVerb, "ban": weakVerb, "unban": weakVerb,
	"suspend": weakVerb, "lock": weakVerb, "unlock": weakVerb, "unblock": weakVerb,
	"impersonate": weakVerb, "upgrade": weakVerb, "downgrade": weakVerb, "vote": weakVerb,
	"upvote": weakVerb, "downvote": weakVerb, "unfollow": weakVerb,
	"change": weakVerb, "close": weakVerb, "reopen": weakVerb, "end": weakVerb,
	"finish": weakVerb, "submit": weakVerb, "redeem": weakVerb, "join": weakVerb,
	"mute": weakVerb, "unmute": weakVerb, "kick": weakVerb, "promote": weakVerb,
	"demote": weakVerb, "unlink": weakVerb, "unshare": weakVerb, "disconnect": weakVerb,
	// Workflows: assigning, answering and undoing.
	"mark": weakVerb, "unmark": weakVerb, "assign": weakVerb, "unassign": weakVerb,
	"reassign": weakVerb, "decline": weakVerb, "deny": weakVerb, "dismiss": weakVerb,
	"acknowledge": weakVerb, "attach": weakVerb, "detach": weakVerb, "undo": weakVerb,
	"redo": weakVerb, "revert": weakVerb, "retry": weakVerb, "repeat": weakVerb,
}

// sessionVerbs end the caller's own session: the active logout rule needs
// such a route and uses it only on a throw-away identity's session.
var sessionVerbs = map[string]bool{"logout": true, "logoff": true, "signout": true}

// stateObjects are what a state-changing verb is glued to in one word:
// createdb, dropall, resetdemo, dbseed, cacheclear.
var stateObjects = map[string]bool{
	"db": true, "dbs": true, "database": true, "databases": true, "data": true, "all": true,
	"everything": true, "table": true, "tables": true, "schema": true, "schemas": true,
	"cache": true, "caches": true, "index": true, "user": true, "users": true,
	"account": true, "accounts": true, "demo": true, "test": true, "tests": true,
	"testdata": true, "fixture": true, "fixtures": true, "sample": true, "samples": true,
	"store": true, "queue": true, "queues": true, "mail": true, "email": true, "emails": true,
	"record": true, "records": true, "rows": true, "app": true, "trash": true,
	"job": true, "jobs": true, "task": true, "tasks": true, "token": true, "tokens": true,
	"order": true, "orders": true, "invoice": true, "invoices": true, "cart": true,
	"message": true, "messages": true, "notification": true, "notifications": true,
	"server": true, "service": true, "system": true, "factory": true,
	"password": true, "passwords": true, "passcode": true, "pin": true, "username": true,
	"session": true, "sessions": true,
}

// nounCompounds are nouns that open with a verb: the verb in them acts on
// nothing (/end-users, /enduser, /api/changelog, "End users").
var nounCompounds = map[string]bool{
	"enduser": true, "endusers": true, "endpoint": true, "endpoints": true,
	"changelog": true, "changelogs": true, "changeset": true, "changesets": true,
	"markup": true, "markups": true,
}

// complements finish a verb that opens a route's last segment: what it
// marks or sets something as (mark-read, mark-as-paid, mark-all-read).
// After them the verb is the route's action even when it is not the
// segment's last word.
var complements = map[string]bool{
	"as": true, "all": true, "read": true, "unread": true, "seen": true, "unseen": true,
	"done": true, "undone": true, "paid": true, "unpaid": true, "spam": true,
	"default": true, "primary": true,
}

// readVerbs open names of routes that only read ("getPasswordResetStatus",
// /check-update): a weak verb after them is a noun.
var readVerbs = map[string]bool{
	"get": true, "list": true, "read": true, "fetch": true, "find": true, "search": true,
	"show": true, "view": true, "retrieve": true, "query": true, "count": true,
	"describe": true, "lookup": true, "download": true, "export": true, "check": true,
	"browse": true, "preview": true, "inspect": true,
}

// particles join the word before them into one verb: log out, sign up,
// set up, shut down, clean up, tear down.
var particles = map[string]bool{"out": true, "off": true, "up": true, "down": true}

// prefixes join the word after them into one verb: re-seed, un-install.
var prefixes = map[string]bool{"re": true, "un": true}

// fillers are the words prose puts before its verb: "This endpoint drops
// the database", "Will reset all data", "Used to seed the db".
var fillers = map[string]bool{
	"this": true, "that": true, "it": true, "the": true, "a": true, "an": true,
	"endpoint": true, "route": true, "operation": true, "api": true, "call": true,
	"calling": true, "request": true, "requesting": true, "method": true, "handler": true,
	"url": true, "link": true, "page": true, "visiting": true, "hitting": true,
	"will": true, "would": true, "also": true, "then": true, "first": true, "simply": true,
	"just": true, "completely": true, "fully": true, "permanently": true, "immediately": true,
	"automatically": true, "instantly": true, "silently": true, "to": true, "used": true,
	"use": true, "can": true, "may": true, "please": true, "note": true, "only": true,
	"admin": true, "internal": true, "dev": true, "debug": true, "helper": true,
}

// conjunctions chain a second verb to the first: "Drops and re-seeds".
var conjunctions = map[string]bool{"and": true, "or": true, "then": true}

// objectWords open the object of a verb: after "and deletes" they tell a
// verb from a plural noun ("and charges the card", not "and charges for").
var objectWords = map[string]bool{
	"the": true, "a": true, "an": true, "it": true, "them": true, "all": true, "every": true,
	"each": true, "its": true, "their": true, "this": true, "these": true, "those": true,
	"any": true, "your": true, "my": true, "our": true,
}

// nounPrepositions follow a noun, never a verb: nothing is "changed
// since" or "ended of". A weak verb's form directly before one is the
// head of a noun phrase ("Changes since a revision", "End of day
// report"), where an acting sentence puts the verb's object, often after
// a determiner, a possessive or "all" ("Changes the user's password",
// "Mark all notifications as read"). "in" joins them after an -s or -ing
// form only ("Reverts in the history"): a base form before "in" is an
// order ("Pay in full", "Run in the background"). to, from, for and with
// are left out: verbs take them ("Subscribes to a topic", "Import from
// CSV", "Vote for a post"), so "Changes to the order" stays a verb.
var nounPrepositions = map[string]bool{"of": true, "since": true}

// nounBefore reports whether the weak verb v, written w, is a noun
// because next follows it; see nounPrepositions.
func nounBefore(w, v, next string) bool {
	return nounPrepositions[next] || (next == "in" && w != v)
}

// alarms are words that say a route is dangerous wherever prose uses
// them, unless negated ("not destructive"; "non-destructive" is one word).
var alarms = map[string]bool{"destructive": true, "irreversible": true, "irreversibly": true}

// maxProse bounds the description text read: what a route does is said at
// its start, and a long description should not cost a long scan.
const maxProse = 4096

// Operation is what the classifier reads of an API operation: its method
// and the names it goes by. It copies openapi.Operation's fields rather
// than taking that type so that config, which validates --exclude
// patterns with this package, does not depend on the spec parser.
type Operation struct {
	Method, Path, OperationID, Summary, Description string
}

// Hit is a word that says a route changes state: as written (in lower
// case) and the verb it stands for ("logs out" stands for logout). The
// scan quotes Word in a skipped operation's reason and asks Verb whether
// the route only ends a session.
type Hit struct {
	Word, Verb string
}

// EndsSession reports whether the hit's verb ends the caller's own
// session (logout): active mode keeps such a route for its logout rule,
// which sends it with a throw-away session only.
func (h Hit) EndsSession() bool { return sessionVerbs[h.Verb] }

// StateChange says why op, by its names, changes state: where ("path",
// "operationId", "summary", "description") and the word that says so; ok
// is false when nothing says so. The first name that speaks is quoted,
// unless a later one says the route ends the caller's session: GET
// /session/end with operationId logoutUser is a logout, which active
// mode keeps for its logout rule. It ignores op.Method: a name that says
// "drop" says so whatever the method.
func StateChange(op Operation) (where string, hit Hit, ok bool) {
	names := []struct {
		where string
		find  func() (Hit, bool)
	}{
		{"path", func() (Hit, bool) { return pathVerb(op.Path) }},
		{"operationId", func() (Hit, bool) { return idVerb(op.OperationID) }},
		{"summary", func() (Hit, bool) { return proseVerb(op.Summary) }},
		{"description", func() (Hit, bool) { return proseVerb(op.Description) }},
	}
	for _, n := range names {
		h, found := n.find()
		if !found {
			continue
		}
		if !ok {
			where, hit, ok = n.where, h, true
		}
		if h.EndsSession() {
			return n.where, h, true
		}
	}
	return where, hit, ok
}

// StateChangingGET reports whether op is a GET, HEAD or OPTIONS whose
// names say it changes state; see StateChange. Other methods change state
// by definition and are the scan mode's business, not the names'.
func StateChangingGET(op Operation) (where string, hit Hit, ok bool) {
	if !readMethod(op.Method) {
		return "", Hit{}, false
	}
	return StateChange(op)
}

// Safe reports whether op may be sent with valid credentials in safe
// mode: a method that changes nothing, on a route whose names do not say
// that it changes state anyway.
func Safe(op Operation) bool {
	_, _, changes := StateChangingGET(op)
	return ReadMethod(op.Method) && !changes
}

// ReadMethod reports whether method is GET, HEAD or OPTIONS (see
// readMethod): Safe(op) is ReadMethod(op.Method) and no StateChangingGET.
func ReadMethod(method string) bool { return readMethod(method) }

// readMethod reports whether method is GET, HEAD or OPTIONS: the methods
// HTTP defines as safe (RFC 9110, section 9.2.1) that APIs route, which a
// scan therefore sends freely unless their names say otherwise.
func readMethod(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	}
	return false
}

// pathVerb finds a state-changing word in a route: a strong verb in any
// literal segment, a weak one in the last literal segment unless that
// segment starts with a read verb. Words are the segment's own, split at
// case changes, dashes and underscores: /weekend, /calendar, /closet and
// /trademark hold no verb.
func pathVerb(path string) (Hit, bool) {
	segs := strings.Split(path, "/")
	literal := func(seg string) bool {
		return seg != "" && !strings.HasPrefix(seg, "{") && !strings.HasPrefix(seg, ":")
	}
	last := -1
	for i, seg := range segs {
		if literal(seg) {
			last = i
		}
	}
	for i, seg := range segs {
		if !literal(seg) {
			continue
		}
		words := ident.Tokens(seg)
		weakAt := strongOnly
		if i == last && len(words) > 0 && !readVerbs[words[0]] {
			// The segment's action, not a thing named after one:
			// create-db, send-welcome-email and mark-all-read act,
			// send-history and load-balancers are things.
			end := words[len(words)-1]
			weakAt = func(j int) bool {
				return j == len(words)-1 || stateObjects[end] || particles[end] || complements[words[j+1]]
			}
		}
		if h, ok := wordsVerb(words, weakAt); ok {
			return h, true
		}
	}
	return Hit{}, false
}

// strongOnly says that wordsVerb counts no weak verb.
func strongOnly(int) bool { return false }

// idVerb finds a state-changing word in an operationId: a strong verb
// anywhere, a weak one as its first or last word, unless it starts with a
// read verb.
func idVerb(id string) (Hit, bool) {
	words := ident.Tokens(id)
	if len(words) == 0 || readVerbs[words[0]] {
		return Hit{}, false
	}
	// Generators append the method: create_db_createdb_get, createUsingGET.
	end := len(words)
	for end > 1 && (words[end-1] == "get" || words[end-1] == "head" || words[end-1] == "using") {
		end--
	}
	return wordsVerb(words[:end], func(i int) bool { return i == 0 || i == end-1 })
}

// wordsVerb finds a strong verb among words, or a weak one at a position
// weakAt allows: the word itself, glued to an object (createdb, dbreset),
// or joined with its neighbour (log out, re seed).
func wordsVerb(words []string, weakAt func(int) bool) (Hit, bool) {
	counts := func(i int, s stateVerb) bool { return s == strongVerb || weakAt(i) }
	for i, w := range words {
		if i+1 < len(words) && nounCompounds[w+words[i+1]] {
			continue // end-users: people, not an action
		}
		if v, s, ok := verbOf(w, false); ok && counts(i, s) {
			return Hit{w, v}, true
		}
		if i+1 < len(words) && (particles[words[i+1]] || prefixes[w]) {
			if v, s, ok := verbOf(w+words[i+1], false); ok && counts(i, s) {
				return Hit{w + "-" + words[i+1], v}, true
			}
		}
	}
	return Hit{}, false
}

// verbOf reports whether w is a state-changing verb in its base form, or
// one glued to an object (createdb, resetdemo, dbseed, cacheclear); with
// inflected, also its -s and -ing forms (drops, re-seeds, resetting).
// The strongest reading wins.
func verbOf(w string, inflected bool) (string, stateVerb, bool) {
	if nounCompounds[w] {
		return "", 0, false
	}
	if s, ok := stateVerbs[w]; ok {
		return w, s, true
	}
	if inflected {
		for _, f := range baseForms(w) {
			if s, ok := stateVerbs[f]; ok {
				return f, s, true
			}
		}
	}
	best, strength := "", stateVerb(0)
	for i := 1; i < len(w); i++ {
		head, tail := w[:i], w[i:]
		if s := stateVerbs[head]; s > strength && stateObjects[tail] {
			best, strength = head, s
		}
		if s := stateVerbs[tail]; s > strength && stateObjects[head] {
			best, strength = tail, s
		}
	}
	return best, strength, strength > 0
}

// baseForms returns the base forms an -s or -ing word may come from:
// drops → drop, notifies → notify, pushes → push, dropping → drop,
// creating → create.
func baseForms(w string) []string {
	var out []string
	switch {
	case strings.HasSuffix(w, "ies"):
		out = append(out, w[:len(w)-3]+"y")
	case strings.HasSuffix(w, "es"):
		out = append(out, w[:len(w)-2], w[:len(w)-1])
	case strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss"):
		out = append(out, w[:len(w)-1])
	case strings.HasSuffix(w, "ing") && len(w) > 5:
		stem := w[:len(w)-3]
		out = append(out, stem, stem+"e")
		if n := len(stem); stem[n-1] == stem[n-2] {
			out = append(out, stem[:n-1])
		}
	}
	return out
}

// proseVerb finds the state-changing verb of a summary or description:
// each sentence's first word after fillers, and the words chained to it by
// "and", "or", "then"; a verb after "and" with its object ("and deletes
// it"); or an alarm word anywhere. "Returns the list of
// charges" says nothing; "Drops and re-seeds the database" says drops.
func proseVerb(text string) (Hit, bool) {
	if len(text) > maxProse {
		text = text[:maxProse]
	}
	var hit Hit
	found := eachSentence(text, func(words []string) bool {
		if h, ok := leadingVerb(words); ok {
			hit = h
			return true
		}
		for i, w := range words {
			if alarms[w] && (i == 0 || (words[i-1] != "not" && words[i-1] != "never")) {
				hit = Hit{w, w}
				return true
			}
			// A second clause: "Returns the next job and deletes it",
			// not "Returns users and charges for the account".
			if conjunctions[w] && i+2 < len(words) && objectWords[words[i+2]] {
				if v, _, ok := verbOf(words[i+1], true); ok {
					hit = Hit{words[i+1], v}
					return true
				}
			}
		}
		return false
	})
	return hit, found
}

// leadingVerb finds a state-changing verb at the start of a sentence's
// words, after fillers, or chained to it by a conjunction.
func leadingVerb(words []string) (Hit, bool) {
	i := 0
	for {
		for i < len(words) && fillers[words[i]] {
			i++
		}
		if i >= len(words) {
			return Hit{}, false
		}
		w := words[i]
		if i+1 < len(words) && nounCompounds[w+words[i+1]] {
			return Hit{}, false // "End users may…": a subject, not a verb
		}
		if v, s, ok := verbOf(w, true); ok {
			if s == weakVerb && i+1 < len(words) && nounBefore(w, v, words[i+1]) {
				return Hit{}, false // "Changes since a revision": a subject
			}
			return Hit{w, v}, true
		}
		if i+1 < len(words) && particles[words[i+1]] {
			for _, b := range append(baseForms(w), w) {
				if _, ok := stateVerbs[b+words[i+1]]; ok {
					return Hit{w + " " + words[i+1], b + words[i+1]}, true
				}
			}
		}
		// Only a chain of verbs: "Returns users and deletes…" stops
		// at "users".
		if i+2 >= len(words) || !conjunctions[words[i+1]] {
			return Hit{}, false
		}
		i += 2
	}
}

// eachSentence calls fn with each sentence of text (split at . ! ? ; : (
// ) [ ], new lines and dashes) as lower-case ASCII words, until fn returns
// true; a hyphen or apostrophe joins ("re-seeds" is "reseeds",
// "non-destructive" is "nondestructive"). One pass, one buffer: a route's
// prose is read on every safety check.
func eachSentence(text string, fn func(words []string) bool) bool {
	text = strings.ToLower(text)
	var words []string
	start, joined := -1, false
	endWord := func(i int) {
		if start >= 0 {
			w := text[start:i]
			if joined {
				w = joinedWord.Replace(w)
			}
			words = append(words, w)
		}
		start, joined = -1, false
	}
	endSentence := func() bool {
		done := len(words) > 0 && fn(words)
		words = words[:0]
		return done
	}
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case isWordByte(c):
			if start < 0 {
				start = i
			}
		case (c == '-' || c == '\'') && start >= 0 && i+1 < len(text) && isWordByte(text[i+1]):
			joined = true // re-seeds, user's
		case strings.IndexByte(".!?;:\n()[]-", c) >= 0, strings.HasPrefix(text[i:], "—"):
			endWord(i)
			if endSentence() {
				return true
			}
		default:
			endWord(i)
		}
	}
	endWord(len(text))
	return endSentence()
}

// joinedWord drops the hyphens and apostrophes inside a word (one
// Replacer for every call: building one costs more than the replacing).
var joinedWord = strings.NewReplacer("-", "", "'", "")

func isWordByte(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }
