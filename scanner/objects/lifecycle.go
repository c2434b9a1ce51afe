package objects

import (
	"net/http"
	"slices"
	"strings"
	"unicode"

	"github.com/authgate/authgate/internal/ident"
	"github.com/authgate/authgate/scanner/openapi"
)

// Lifecycle is one kind of object the scan can create and then act on: the
// create operation and the operations on the item it creates. Write rules
// need the pair, not either alone: an object the primary created is the only
// one the scan may let a peer update or delete.
type Lifecycle struct {
	// Create is the POST on the collection.
	Create openapi.Operation
	// Collection is Create's path without a trailing slash or format
	// suffix: the prefix the item paths share, but for the number of its
	// last noun when the items are on the singular (/api/note/{id}).
	Collection string
	// Parents are the path parameters of the collection, in path order
	// (projectId in /projects/{projectId}/members): the create and every
	// item operation need the same values for them.
	Parents []string
	// Items are the GET, PUT, PATCH and DELETE operations on
	// <collection>/{param}, in the order they were given. Empty when the
	// description lists none: the object can still be created (and is then
	// left behind, which the report must say).
	Items []Item
}

// Item is an operation on one created object, with the path parameter that
// takes the new id. It is per operation because real descriptions name it
// differently on the same item (GET /orders/{id}, DELETE /orders/{orderId}).
type Item struct {
	Op    openapi.Operation
	Param string
}

// Item returns the operation of l with the given method (upper case) on the
// created object, so a rule asks for "the DELETE" without scanning Items.
func (l Lifecycle) Item(method string) (Item, bool) {
	for _, it := range l.Items {
		if it.Op.Method == method {
			return it, true
		}
	}
	return Item{}, false
}

// itemMethods are the methods that act on one existing object.
var itemMethods = map[string]bool{
	http.MethodGet: true, http.MethodPut: true, http.MethodPatch: true, http.MethodDelete: true,
}

// actionWords name what a POST does rather than what it creates: a segment
// whose first or last word is one of these is an action (/login,
// /password-reset, /forgotPassword, /orders/{id}/cancel), not a
// collection. They are base forms compared as whole words, so plural nouns
// stay collections: /searches (saved searches), /imports, /payments,
// /tokens (API keys) are created objects; /search, /import, /pay and
// /token are not. Kept short on purpose: a missed action is only a create
// attempt the engine sends in active mode, where a 4xx ends it; a missed
// collection is a whole object kind the write rules never test.
var actionWords = map[string]bool{
	// Sessions and accounts: the account subsystem handles them, not this one.
	"login": true, "logon": true, "signin": true, "logout": true, "logoff": true, "signout": true,
	"register": true, "signup": true, "session": true, "sessions": true, "auth": true,
	"authenticate": true, "authorize": true, "token": true, "oauth": true, "refresh": true,
	"verify": true, "confirm": true, "forgot": true, "reset": true, "change": true,
	"password": true, "otp": true, "mfa": true, "2fa": true, "activate": true, "deactivate": true,
	"me": true, "self": true, "current": true,
	// Queries sent as POST.
	"search": true, "query": true, "find": true, "lookup": true, "filter": true, "graphql": true,
	"validate": true, "check": true, "preview": true, "estimate": true, "calculate": true,
	// Acts on something that exists.
	"cancel": true, "approve": true, "reject": true, "publish": true, "unpublish": true,
	"archive": true, "restore": true, "send": true, "resend": true, "notify": true,
	"import": true, "export": true, "upload": true, "download": true, "sync": true,
	"pay": true, "checkout": true, "refund": true, "transfer": true, "subscribe": true,
	"unsubscribe": true, "invite": true, "accept": true, "decline": true, "like": true,
	"follow": true, "unfollow": true, "vote": true, "execute": true, "run": true,
	"trigger": true, "batch": true, "bulk": true, "delete": true, "update": true,
	"remove": true, "clear": true, "seed": true, "drop": true,
	// Path scaffolding, never a collection.
	"api": true, "rest": true,
}

// Lifecycles finds the objects the scan can create in ops: every POST on a
// collection (a path whose last segment is a literal noun, not an action
// or a version) paired with the item operations on <collection>/{param}.
// Literal segments compare case-insensitively, parameters by position
// ({id}, {order_id} and Express's :id alike), and trailing slashes (Django)
// and .json suffixes (Rails) are ignored. A create whose collection has no
// item operations takes those on its last noun's singular, as Flask and
// Express tutorials route them (POST /api/notes, PUT /api/note/{id}),
// unless another create makes objects there (POST /api/note). Lifecycles are
// in the order of their create operations in ops, so a scan is repeatable.
func Lifecycles(ops []openapi.Operation) []Lifecycle {
	var out []Lifecycle
	creates := map[string]bool{} // the collections some POST creates in
	for _, op := range ops {
		if op.Method == http.MethodPost {
			creates[strings.ToLower(strings.Join(segments(op.Path), "/"))] = true
		}
	}
	for _, op := range ops {
		if op.Method != http.MethodPost {
			continue
		}
		segs := segments(op.Path)
		if len(segs) == 0 || !isCollection(segs[len(segs)-1]) {
			continue
		}
		l := Lifecycle{Create: op, Collection: strings.Join(append([]string{""}, segs...), "/")}
		for _, s := range segs {
			if name, ok := paramName(s); ok {
				l.Parents = append(l.Parents, name)
			}
		}
		l.Items = items(ops, segs)
		for _, single := range singulars(segs) {
			if len(l.Items) > 0 {
				break
			}
			if !creates[strings.ToLower(strings.Join(single, "/"))] {
				l.Items = items(ops, single)
			}
		}
		out = append(out, l)
	}
	return out
}

// items are the item operations in ops on <segs>/{param}, in ops' order.
func items(ops []openapi.Operation, segs []string) []Item {
	var out []Item
	for _, it := range ops {
		if !itemMethods[it.Method] {
			continue
		}
		isegs := segments(it.Path)
		if len(isegs) != len(segs)+1 || !samePrefix(segs, isegs) {
			continue
		}
		if name, ok := paramName(isegs[len(segs)]); ok {
			out = append(out, Item{Op: it, Param: name})
		}
	}
	return out
}

// singulars are the routes segs may have on its last noun's singular,
// most likely first: notes → note, categories → category (or categorie),
// boxes → box (or boxe). A wrong guess matches no route, so guessing costs
// nothing; a noun not ending in s (a singular, or people) has none.
func singulars(segs []string) [][]string {
	last := segs[len(segs)-1]
	lower := strings.ToLower(last)
	if len(lower) < 3 || !strings.HasSuffix(lower, "s") || strings.HasSuffix(lower, "ss") {
		return nil
	}
	var out [][]string
	add := func(noun string) {
		out = append(out, append(slices.Clone(segs[:len(segs)-1]), noun))
	}
	if strings.HasSuffix(lower, "ies") && len(lower) > 4 {
		add(last[:len(last)-3] + "y")
	}
	if strings.HasSuffix(lower, "es") {
		add(last[:len(last)-2])
	}
	add(last[:len(last)-1])
	return out
}

// segments splits a route template into its segments without empty ones
// (a trailing slash) and without a format suffix (/orders/{id}.json).
func segments(path string) []string {
	var out []string
	for _, s := range strings.Split(path, "/") {
		for _, suffix := range []string{".json", ".xml"} {
			s = strings.TrimSuffix(s, suffix)
		}
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// paramName returns the name of a whole-segment path parameter: {name}
// (OpenAPI) or :name (Express routes copied into a description).
func paramName(seg string) (string, bool) {
	if len(seg) > 2 && seg[0] == '{' && seg[len(seg)-1] == '}' && !strings.ContainsAny(seg[1:len(seg)-1], "{}") {
		return seg[1 : len(seg)-1], true
	}
	if len(seg) > 1 && seg[0] == ':' {
		return seg[1:], true
	}
	return "", false
}

// samePrefix reports whether the item path long continues the collection
// path short: equal literals, parameters at the same positions.
func samePrefix(short, long []string) bool {
	for i, s := range short {
		_, p1 := paramName(s)
		_, p2 := paramName(long[i])
		if p1 != p2 || (!p1 && !strings.EqualFold(s, long[i])) {
			return false
		}
	}
	return true
}

// isCollection reports whether the last segment of a POST's path names
// objects it creates rather than an action.
func isCollection(seg string) bool {
	if _, ok := paramName(seg); ok || strings.ContainsAny(seg, "{}:.") {
		return false
	}
	if isVersion(seg) {
		return false
	}
	w := ident.Words(seg)
	if len(w) == 0 {
		return false
	}
	return !actionWords[w[0]] && !actionWords[w[len(w)-1]]
}

// isVersion reports whether seg is an API version such as v1 or v2beta.
func isVersion(seg string) bool {
	s := strings.ToLower(seg)
	return len(s) > 1 && s[0] == 'v' && unicode.IsDigit(rune(s[1]))
}
