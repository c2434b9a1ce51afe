package scanner

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"github.com/authgate/authgate/internal/lazyre"
)

// This file is the response-comparison toolkit every rule shares: what
// counts as a refusal, what is a soft 404, and how alike two bodies are.

// Refusal says why a response is not a real answer, or "" when it is one.
// A 2xx answer is judged once (several rules ask about the same one).
func Refusal(r *Response) string {
	m := r.memo()
	if m == nil {
		return refusal(r, nil)
	}
	m.refusalOnce.Do(func() {
		var j jsonValue
		m.refusal = refusal(r, &j)
		if j.decoded {
			// A short body was decoded to look for a denial: judge its
			// content from the same value now, and keep neither.
			m.contentOnce.Do(func() { m.content = hasContent(r.Body, &j) })
		}
	})
	return m.refusal
}

// HasContent is HasContent(r.Body), judged once per answer.
func (r *Response) HasContent() bool {
	m := r.memo()
	if m == nil {
		return HasContent(r.Body)
	}
	m.contentOnce.Do(func() { m.content = hasContent(r.Body, nil) })
	return m.content
}

// shareJudgement lets c, a copy of r with the same status and body (the
// cache hands each hit its own copy), use what is judged of r and its
// other copies instead of judging the same answer again.
func (r *Response) shareJudgement(c *Response) {
	if m := r.memo(); m != nil && c != nil {
		c.judged.Store(m)
	}
}

// answerMemo is what Refusal and HasContent concluded about one 2xx
// answer. It keeps the verdicts only, not the decoded body: cached
// answers stay as small as their bodies. It belongs to the answer as it
// was judged (status and body): an answer changed afterwards (tests
// build and reuse them) is judged again.
type answerMemo struct {
	status int
	body   *byte
	size   int

	refusalOnce sync.Once
	refusal     string
	contentOnce sync.Once
	content     bool
}

// memo returns r's memo, or nil when r is not a 2xx answer (those are
// refused by their status at once and not worth keeping anything for).
func (r *Response) memo() *answerMemo {
	if r == nil || r.Err != nil || r.Status < 200 || r.Status >= 300 {
		return nil
	}
	body, size := unsafe.SliceData(r.Body), len(r.Body)
	for {
		m := r.judged.Load()
		if m != nil && m.status == r.Status && m.body == body && m.size == size {
			return m
		}
		fresh := &answerMemo{status: r.Status, body: body, size: size}
		if r.judged.CompareAndSwap(m, fresh) {
			return fresh
		}
	}
}

// jsonValue is a trimmed body's JSON value, decoded at most once for the
// checks of one judgement.
type jsonValue struct {
	decoded, isJSON bool
	value           any
}

// decode returns the JSON value of trimmed (the same bytes on every
// call); ok is false when it is not JSON. A nil j decodes every time.
func (j *jsonValue) decode(trimmed []byte) (any, bool) {
	if j == nil {
		var v any
		err := json.Unmarshal(trimmed, &v)
		return v, err == nil
	}
	if !j.decoded {
		j.decoded = true
		j.isJSON = json.Unmarshal(trimmed, &j.value) == nil
		if !j.isJSON {
			j.value = nil
		}
	}
	return j.value, j.isJSON
}

// refusal is Refusal, decoding the body's JSON value through j.
func refusal(r *Response, j *jsonValue) string {
	switch {
	case r == nil || r.Err != nil:
		return "no answer"
	case r.Status == http.StatusUnauthorized, r.Status == http.StatusForbidden,
		r.Status == http.StatusNotFound, r.Status == http.StatusMethodNotAllowed,
		r.Status == http.StatusGone, r.Status == http.StatusTooManyRequests:
		return "status " + strconv.Itoa(r.Status)
	case r.Status >= 300 && r.Status < 400:
		if loginLocation.MatchString(r.Header.Get("Location")) {
			return "redirect to a login page"
		}
		return "redirect"
	case r.Status < 200 || r.Status >= 300:
		return "status " + strconv.Itoa(r.Status)
	case isLoginForm(r.Body):
		return "login form"
	case isDenial(r.Body, j):
		return "denial in the body"
	case len(bytes.TrimSpace(r.Body)) == 0:
		return "empty body"
	}
	return ""
}

var loginLocation = lazyre.New(`(?i)(log-?in|sign-?in|auth|sso|oauth|session|account)`)

var (
	passwordInput = lazyre.New(`(?i)<input[^>]+type\s*=\s*["']?password`)
	formTag       = lazyre.New(`(?i)<form\b`)
)

func isLoginForm(body []byte) bool {
	return formTag.Match(body) && passwordInput.Match(body)
}

// denialWords are phrases that, in a short body, mean "you may not".
var denialWords = lazyre.New(`(?i)\b(unauthori[sz]ed|forbidden|access denied|permission denied|not authori[sz]ed|not allowed|authentication (is )?required|login required|please (log|sign) ?in|invalid (api[ _-]?key|token|credentials|session)|missing (api[ _-]?key|token|credentials|authorization)|token (is )?(expired|invalid|required)|not found|no such)\b`)

// maxDenialBody bounds the bodies searched for denial words: a real record
// or page may mention "not found" in passing; an error message is short.
const maxDenialBody = 512

func isDenialBody(body []byte) bool { return isDenial(body, nil) }

// isDenial is isDenialBody, decoding the body's JSON value through j.
func isDenial(body []byte, j *jsonValue) bool {
	body = bytes.TrimSpace(body)
	if len(body) > maxDenialBody {
		return false
	}
	// Decoded into any, an object is the map json.Unmarshal would fill
	// (same keys, same values); null, which leaves a map nil, is a
	// denial in neither reading (no words in it).
	value, isJSON := j.decode(body)
	if v, isObject := value.(map[string]any); isJSON && isObject {
		for _, k := range []string{"success", "ok", "authorized", "authenticated"} {
			if b, isBool := v[k].(bool); isBool && !b {
				return true
			}
		}
		// Frameworks that always answer 200 put the real status inside.
		for _, k := range []string{"code", "status", "statusCode", "status_code", "errcode", "error_code"} {
			switch c := v[k].(type) {
			case float64:
				if c == 401 || c == 403 || c == 404 {
					return true
				}
			case string:
				if c == "401" || c == "403" || c == "404" || strings.EqualFold(c, "error") || strings.EqualFold(c, "fail") || strings.EqualFold(c, "failed") {
					return true
				}
			}
		}
		// A JSON body is a denial only when it is an error object, not a
		// record that happens to contain a word.
		isError := false
		for _, k := range []string{"error", "errors", "message", "msg", "detail", "error_description", "errorMessage"} {
			if _, ok := v[k]; ok {
				isError = true
			}
		}
		if !isError {
			return false
		}
	}
	return denialWords.Match(body)
}

// Similarity is a JSON-aware similarity of two bodies in [0, 1]: 1 for the
// same content. JSON bodies are compared as sets of path=value tokens, with
// volatile values (timestamps, uuids, long hex, request ids) normalised;
// other bodies as sets of words. Key order and whitespace never matter.
func Similarity(a, b []byte) float64 {
	if bytes.Equal(a, b) {
		return 1
	}
	ta, tb := tokens(a), tokens(b)
	if len(ta) == 0 && len(tb) == 0 {
		return 1
	}
	inter := 0
	for t, n := range ta {
		inter += min(n, tb[t])
	}
	union := 0
	for _, n := range ta {
		union += n
	}
	for _, n := range tb {
		union += n
	}
	union -= inter
	if union == 0 {
		return 1
	}
	return float64(inter) / float64(union)
}

// tokens returns the multiset of tokens of a body.
func tokens(body []byte) map[string]int {
	out := map[string]int{}
	var v any
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') && json.Unmarshal(trimmed, &v) == nil {
		flatten("", v, func(path, value string) { out[path+"="+value]++ })
		return out
	}
	for _, w := range wordRE.FindAllString(string(body), -1) {
		out[normaliseVolatile(strings.ToLower(w))]++
	}
	return out
}

var wordRE = lazyre.New(`[\p{L}\p{N}_\-.:@/]+`)

// flatten walks a JSON value and calls emit for every scalar with its path.
// Array indices are dropped from the path, so lists compare as bags.
func flatten(path string, v any, emit func(path, value string)) {
	switch t := v.(type) {
	case map[string]any:
		if len(t) == 0 {
			emit(path, "{}")
		}
		for k, c := range t {
			flatten(boundPath(path)+"."+k, c, emit)
		}
	case []any:
		if len(t) == 0 {
			emit(path, "[]")
		}
		for _, c := range t {
			flatten(boundPath(path)+"[]", c, emit)
		}
	case string:
		if volatileKey.MatchString(lastKey(path)) {
			emit(path, "<volatile>")
			return
		}
		emit(path, normaliseVolatile(t))
	case float64:
		if volatileKey.MatchString(lastKey(path)) {
			emit(path, "<volatile>")
			return
		}
		emit(path, strconv.FormatFloat(t, 'g', -1, 64))
	case bool:
		if viewerFlag.MatchString(lastKey(path)) {
			// Per-viewer permissions differ between two callers
			// looking at the same object.
			emit(path, "<flag>")
			return
		}
		emit(path, strconv.FormatBool(t))
	case nil:
		emit(path, "null")
	}
}

// maxPathBytes bounds the part of a path kept above a value: real
// records sit a few levels deep, while a hostile body nested thousands
// deep would otherwise copy its whole path at every level (quadratic).
// Values below keep their own key, so volatile and viewer keys are still
// recognised.
const maxPathBytes = 256

func boundPath(path string) string {
	if len(path) > maxPathBytes {
		return path[:maxPathBytes]
	}
	return path
}

func lastKey(path string) string {
	path = strings.TrimRight(path, "[]")
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[i+1:]
	}
	return path
}

// viewerFlag matches boolean keys that describe the caller, not the object.
var viewerFlag = lazyre.New(`(?i)^(viewer_?\w*|can_?\w+|is_?(owner|mine|self|admin|editable|author)|may_?\w+|editable|deletable)$`)

// volatileKey matches keys whose values change on every request.
var volatileKey = lazyre.New(`(?i)^(timestamp|time|now|date|server_?time|request_?id|trace_?id|span_?id|correlation_?id|nonce|csrf(_?token)?|generated_?at|served_?at|expires_?at|uptime)$`)

var volatileValue = []struct {
	re   *lazyre.Regexp
	repl string
}{
	{lazyre.New(`\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?\b`), "<time>"},
	{lazyre.New(`(?i)\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b`), "<uuid>"},
	{lazyre.New(`(?i)\b[0-9a-f]{24,}\b`), "<hex>"},
}

// maxVolatileBytes bounds the values searched for timestamps and ids:
// those sit in short fields, while running the patterns over a long text
// or blob (linear, but slow for Go's regexp above a few KiB) made the
// comparison of large answers most of a scan's time.
const maxVolatileBytes = 1 << 10

func normaliseVolatile(s string) string {
	if len(s) > maxVolatileBytes {
		return s
	}
	for _, v := range volatileValue {
		if v.re.MatchString(s) {
			s = v.re.ReplaceAllString(s, v.repl)
		}
	}
	return s
}

// Fingerprint is a coarse identity of a response used to recognise soft
// 404s and SPA fallbacks: the status class, the media type and the body's
// tokens.
type Fingerprint struct {
	Status    int
	MediaType string
	Body      []byte
}

// FingerprintOf takes a response's fingerprint.
func FingerprintOf(r *Response) Fingerprint {
	return Fingerprint{Status: r.Status, MediaType: mediaType(r.Header), Body: r.Body}
}

// Matches reports whether r looks like the fingerprinted response: same
// status, same media type and nearly the same body.
func (f Fingerprint) Matches(r *Response) bool {
	if r == nil || r.Err != nil || r.Status != f.Status || mediaType(r.Header) != f.MediaType {
		return false
	}
	return Similarity(f.Body, r.Body) >= soft404Similarity
}

// soft404Similarity: a response this close to the answer for a random,
// certainly missing path is the server's catch-all, not the operation.
const soft404Similarity = 0.9

func mediaType(h http.Header) string {
	ct := h.Get("Content-Type")
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	return strings.ToLower(strings.TrimSpace(ct))
}

// Record is a JSON object that describes one principal: a user, customer or
// account, recognised by personal-data keys or an email value.
type Record struct {
	// Identifiers are the values of its identifying keys (email, username,
	// id), used to tell two principals apart.
	Identifiers []string
	// PersonalKeys are the personal-data keys found, for evidence.
	PersonalKeys []string
	// Private is set when the record holds data a person would not
	// publish (email, phone, birth date, national or account numbers),
	// not just a name or username as on a public profile or comment.
	Private bool
}

var (
	personalKey    = lazyre.New(`(?i)^(e-?mail(_?address)?|phone(_?number)?|mobile|ssn|social_?security(_?number)?|address|street|birth_?date|date_?of_?birth|dob|user_?name|login|first_?name|last_?name|full_?name|surname|iban|account_?number|card_?number|passport(_?number)?|national_?id|tax_?id)$`)
	identifyingKey = lazyre.New(`(?i)^(e-?mail(_?address)?|user_?name|login|user_?id|account_?id|customer_?id|id|uid|sub)$`)
	emailValue     = lazyre.New(`^[^@\s]+@[^@\s]+\.[a-zA-Z]{2,}$`)
)

// personKey is the subset of personal keys that identifies a person: a
// store locator has an address and a phone number, but no email or surname.
var personKey = lazyre.New(`(?i)^(e-?mail(_?address)?|ssn|social_?security(_?number)?|birth_?date|date_?of_?birth|dob|user_?name|login|first_?name|last_?name|full_?name|surname|iban|account_?number|card_?number|passport(_?number)?|national_?id|tax_?id)$`)

// publicPersonKey matches the personal keys that public profiles show.
var publicPersonKey = lazyre.New(`(?i)^(user_?name|login|first_?name|last_?name|full_?name|surname)$`)

// PersonalRecord finds the personal data in a JSON body: ok is false when
// the body is not JSON or identifies no person (an email, a username, a
// surname, a national id ... — an address or phone alone may be a shop's).
func PersonalRecord(body []byte) (Record, bool) { return personalRecord(body, true) }

// SingleRecord is PersonalRecord for one object: personal data inside
// lists (a page of comments with their authors) does not count.
func SingleRecord(body []byte) (Record, bool) { return personalRecord(body, false) }

// maxEmailBytes is the longest address SMTP allows (RFC 5321: 254 in a
// path); longer values are not tried against emailValue at all.
const maxEmailBytes = 254

func isEmail(s string) bool { return len(s) <= maxEmailBytes && emailValue.MatchString(s) }

func personalRecord(body []byte, inLists bool) (Record, bool) {
	var rec Record
	person := false
	seen := map[string]bool{}
	EachScalar(body, inLists, func(k, s string) {
		if s == "" {
			return
		}
		email := isEmail(s)
		if personKey.MatchString(k) || email {
			person = true
		}
		if (personalKey.MatchString(k) && !publicPersonKey.MatchString(k)) || email {
			rec.Private = true
		}
		if personalKey.MatchString(k) && !seen[k] {
			seen[k] = true
			rec.PersonalKeys = append(rec.PersonalKeys, k)
		}
		if email && !seen["@"+k] {
			seen["@"+k] = true
			if !personalKey.MatchString(k) {
				rec.PersonalKeys = append(rec.PersonalKeys, k)
			}
		}
		if identifyingKey.MatchString(k) || email {
			rec.Identifiers = append(rec.Identifiers, strings.ToLower(k)+"="+s)
		}
	})
	if !person || len(rec.PersonalKeys) == 0 {
		return Record{}, false
	}
	return rec, true
}

// EachScalar calls fn with the key and text of every scalar in a JSON
// body's objects, keys sorted, objects nested at most maxRecordDepth deep
// (records sit near the top). With inLists false, lists are not entered.
// It reports whether the body is JSON.
func EachScalar(body []byte, inLists bool, fn func(key, value string)) bool {
	var v any
	if json.Unmarshal(bytes.TrimSpace(body), &v) != nil {
		return false
	}
	// keys holds the sorted keys of the objects being walked, each
	// object's above its parent's: one buffer for the whole body instead
	// of a sorted copy per object.
	var keys []string
	var walk func(any, int)
	walk = func(v any, depth int) {
		if depth > maxRecordDepth {
			return
		}
		switch t := v.(type) {
		case map[string]any:
			start := len(keys)
			keys = slices.AppendSeq(keys, maps.Keys(t))
			mine := keys[start:]
			slices.Sort(mine)
			for _, k := range mine {
				if s, ok := scalarString(t[k]); ok {
					fn(k, s)
					continue
				}
				walk(t[k], depth+1)
			}
			keys = keys[:start]
		case []any:
			if !inLists {
				return
			}
			for _, c := range t {
				walk(c, depth+1)
			}
		}
	}
	walk(v, 0)
	return true
}

const maxRecordDepth = 4

// sortedKeys returns m's keys sorted, in buf's room when they fit: the
// harvest and the rules walk every decoded answer's objects in key order,
// and a caller that passes a small stack buffer allocates nothing for the
// few keys a record has.
func sortedKeys[V any](m map[string]V, buf []string) []string {
	keys := buf[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func scalarString(v any) (string, bool) {
	switch t := v.(type) {
	case string:
		return t, true
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(t), true
	}
	return "", false
}

// pagingKey matches the bookkeeping of an empty page: {"items": [],
// "total": 0, "page": 1} carries no data.
var pagingKey = lazyre.New(`(?i)^(total(_?count)?|count|page(_?number|_?size)?|per_?page|limit|offset|size|next|prev(ious)?|has_?more|cursor|next_?cursor|total_?pages)$`)

// HasContent reports whether a 2xx body carries data: not empty, not a
// JSON null, empty object or empty list.
func HasContent(body []byte) bool { return hasContent(body, nil) }

// hasContent is HasContent, decoding the body's JSON value through j.
func hasContent(body []byte, j *jsonValue) bool {
	b := bytes.TrimSpace(body)
	switch string(b) {
	case "", "null", "{}", "[]", `""`:
		return false
	}
	v, isJSON := j.decode(b)
	if !isJSON {
		return true
	}
	found, deep := hasData(v, 0, "")
	if found || !deep {
		return found
	}
	// A path past maxPathBytes: judge it as flatten builds it.
	nonNull := false
	flatten("", v, func(path, value string) {
		if !nonNull && value != "null" && value != "{}" && value != "[]" && value != "" && !pagingKey.MatchString(lastKey(path)) {
			nonNull = true
		}
	})
	return nonNull
}

// hasData reports whether v holds a value that flatten emits as data
// (not "null", "{}", "[]" or "") under a key that is not paging
// bookkeeping: what HasContent asks, without building every path and
// normalising every value. pathLen and key are the length and lastKey of
// the path flatten would have built to v. A value that flatten would
// show as "<volatile>", "<flag>", a number or a boolean is data;
// normaliseVolatile keeps a string out of or in that set as it is. deep
// reports a path longer than maxPathBytes, which flatten cuts: the
// caller then asks flatten itself.
func hasData(v any, pathLen int, key string) (found, deep bool) {
	switch t := v.(type) {
	case map[string]any:
		if pathLen > maxPathBytes {
			return false, true
		}
		for k, c := range t {
			// flatten's path is bound(path)+"."+k: its last key is k's.
			f, d := hasData(c, pathLen+1+len(k), lastKey(k))
			if f {
				return true, false
			}
			deep = deep || d
		}
		return false, deep
	case []any:
		if pathLen > maxPathBytes {
			return false, true
		}
		for _, c := range t {
			// bound(path)+"[]": the same last key.
			f, d := hasData(c, pathLen+2, key)
			if f {
				return true, false
			}
			deep = deep || d
		}
		return false, deep
	case string:
		switch t {
		case "null", "{}", "[]", "":
			if !volatileKey.MatchString(key) {
				return false, false
			}
		}
	case float64, bool:
	default: // nil
		return false, false
	}
	return !pagingKey.MatchString(key), false
}
