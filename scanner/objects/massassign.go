package objects

import (
	"encoding/json"
	"hash/fnv"
	"sort"
	"strconv"
	"strings"

	"github.com/authgate/authgate/internal/ident"
	"github.com/authgate/authgate/scanner/openapi"
)

// Reason says why a property is a mass-assignment candidate; the finding
// quotes it, because "the description marks it readOnly" and "it is named
// role" are different arguments to the API's owner.
type Reason string

const (
	// ReasonPrivilege: the name is a well-known privilege, ownership or
	// money field (role, isAdmin, ownerId, balance).
	ReasonPrivilege Reason = "privilege-name"
	// ReasonReadOnly: the write schema marks the property readOnly.
	ReasonReadOnly Reason = "read-only"
	// ReasonAnswerOnly: the answer has the property but the write schema
	// does not, so only the server is meant to set it.
	ReasonAnswerOnly Reason = "answer-only"
)

// Candidate is one property a caller must not be able to set, with the
// value to send. The value differs from what the server would plausibly set
// on its own, so a read-back showing it proves the write stuck.
type Candidate struct {
	Name   string
	Value  json.RawMessage
	Reason Reason
}

// privilegeNames are compared after lower-casing and removing _ and -, so
// isAdmin, is_admin and IsAdmin are one name. From mass-assignment bugs in
// real APIs: registration and profile updates that accept role or isAdmin,
// objects reassigned through ownerId, wallets topped up through balance,
// and Django's is_staff/is_superuser.
var privilegeNames = map[string]bool{
	"role": true, "roles": true, "isadmin": true, "admin": true, "owner": true,
	"ownerid": true, "userid": true, "verified": true, "isverified": true,
	"emailverified": true, "balance": true, "credits": true, "permissions": true,
	"tenantid": true, "isstaff": true, "issuperuser": true, "superuser": true,
}

// ownIDNames are never candidates: setting the object's own id on a write
// may make the API overwrite an existing object the scan did not create.
var ownIDNames = map[string]bool{"id": true, "_id": true, "pk": true, "uuid": true}

// MassAssignmentCandidates lists the top-level properties a caller of the
// write operation must not be able to set: readOnly properties of write,
// properties the answer (read) has but write does not, and well-known
// privilege names found in either. An answer-only property the answer's
// schema marks readOnly has the reason read-only. The engine sends them on a
// scan-created object or a throw-away account and reads back which stuck.
// An answer that wraps the object ({"data": {...}}) is unwrapped. Sorted by
// name; a name is listed once, with the strongest reason (privilege, then
// read-only, then answer-only). The object's own id is never listed.
func MassAssignmentCandidates(write, read *openapi.Schema) []Candidate {
	write, read = unwrapBoth(write, read)
	read = unwrapRead(write, read)
	write = unwrapWrite(write, read)
	byName := map[string]Candidate{}
	add := func(name string, s *openapi.Schema, r Reason) {
		if ownIDNames[strings.ToLower(name)] || s == nil {
			return
		}
		if c, ok := byName[name]; ok && rank(c.Reason) <= rank(r) {
			return
		}
		byName[name] = Candidate{Name: name, Value: forbiddenValue(name, s), Reason: r}
	}
	for _, sch := range []*openapi.Schema{write, read} {
		if sch == nil {
			continue
		}
		for name, p := range sch.Properties {
			if isPrivilege(name) {
				add(name, prefer(write, name, p), ReasonPrivilege)
			}
		}
	}
	if write != nil {
		for name, p := range write.Properties {
			if p != nil && p.ReadOnly {
				add(name, p, ReasonReadOnly)
			}
		}
	}
	if read != nil {
		for name, p := range read.Properties {
			if write == nil || write.Properties[name] == nil {
				r := ReasonAnswerOnly
				if p != nil && p.ReadOnly {
					r = ReasonReadOnly // the answer's schema says so: the stronger argument
				}
				add(name, p, r)
			}
		}
	}
	out := make([]Candidate, 0, len(byName))
	for _, c := range byName {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// rank orders reasons from strongest (0) to weakest.
func rank(r Reason) int {
	switch r {
	case ReasonPrivilege:
		return 0
	case ReasonReadOnly:
		return 1
	}
	return 2
}

// prefer returns the write schema's property name when it has one: its
// type is the one the write accepts.
func prefer(write *openapi.Schema, name string, fallback *openapi.Schema) *openapi.Schema {
	if write != nil && write.Properties[name] != nil {
		return write.Properties[name]
	}
	return fallback
}

// isPrivilege reports whether name is a privilege name in any spelling.
func isPrivilege(name string) bool {
	return privilegeNames[strings.Join(ident.Words(name), "")]
}

// unwrapRead returns the object inside an answer envelope: when read shares
// no property with write, its object-valued property that shares the most
// (or a usual wrapper name) is the object itself. Without this, data and
// status of {"status": ..., "data": {...}} would be listed as candidates.
func unwrapRead(write, read *openapi.Schema) *openapi.Schema {
	if read == nil || write == nil || overlap(write, read) > 0 {
		return read
	}
	var best *openapi.Schema
	bestScore, bestName := 0, ""
	for name, p := range read.Properties {
		if p == nil || schemaType(p) != "object" {
			continue
		}
		score := 2 * overlap(write, p)
		for _, w := range wrapperNames {
			if strings.EqualFold(name, w) {
				score++
			}
		}
		if score > bestScore || (score == bestScore && score > 0 && name < bestName) {
			best, bestScore, bestName = p, score, name
		}
	}
	if best == nil {
		return read
	}
	return best
}

// unwrapWrite returns the object a request wrapper holds (Rails' {"note":
// {...}}): write has one property, an object with properties, and shares
// none with read. Without this every property of the object would be
// "only in answers", the title the caller sets included.
func unwrapWrite(write, read *openapi.Schema) *openapi.Schema {
	if inner := soleObject(write); inner != nil && read != nil && overlap(write, read) == 0 {
		return inner
	}
	return write
}

// unwrapBoth unwraps a request and an answer that use the same wrapper
// ({"note": {...}} both ways), which would otherwise share only it.
func unwrapBoth(write, read *openapi.Schema) (*openapi.Schema, *openapi.Schema) {
	w, r := soleObject(write), soleObject(read)
	if w == nil || r == nil {
		return write, read
	}
	for name := range write.Properties {
		if read.Properties[name] != nil {
			return w, r
		}
	}
	return write, read
}

// soleObject is s's one property when s has exactly one and it is an
// object with properties, else nil.
func soleObject(s *openapi.Schema) *openapi.Schema {
	if s == nil || len(s.Properties) != 1 {
		return nil
	}
	for _, p := range s.Properties {
		if p != nil && schemaType(p) == "object" && len(p.Properties) > 0 {
			return p
		}
	}
	return nil
}

// overlap counts the properties a and b share.
func overlap(a, b *openapi.Schema) int {
	n := 0
	for name := range b.Properties {
		if a.Properties[name] != nil {
			n++
		}
	}
	return n
}

// massSeed marks the values MassAssignmentCandidates sends, so a value
// that stuck is recognisable as the scan's. Owner ids carry it too; the
// engine replaces them with the peer's id when it knows one.
const massSeed = "mass-assignment"

// privilegedWords mark the enum value to prefer for a role.
var privilegedWords = []string{"admin", "root", "super", "owner", "staff", "manager"}

// forbiddenValue is the value to send for a candidate: a privileged value
// for privilege names, otherwise one a server would not set by itself.
func forbiddenValue(name string, s *openapi.Schema) json.RawMessage {
	g := gen{seed: massSeed}
	typ := schemaType(s)
	switch strings.Join(ident.Words(name), "") {
	case "role", "roles", "permissions":
		if v, ok := privilegedEnum(s); ok {
			return mustJSON(v)
		}
		switch typ {
		case "array":
			return json.RawMessage(`["admin"]`)
		case "object":
			return json.RawMessage(`{"admin":true}`)
		case "string", "":
			return mustJSON("admin")
		}
	case "isadmin", "admin", "verified", "isverified", "emailverified", "isstaff",
		"issuperuser", "superuser":
		switch typ {
		case "boolean", "":
			return json.RawMessage("true")
		case "integer", "number":
			return json.RawMessage("1")
		case "string":
			return mustJSON("true")
		}
	case "balance", "credits":
		switch typ {
		case "integer", "number", "":
			return json.RawMessage("1000000")
		case "string":
			return mustJSON("1000000")
		}
	case "owner", "ownerid", "userid", "tenantid":
		switch typ {
		case "integer", "number":
			return json.RawMessage(strconv.FormatUint(seededNumber(g.marker()), 10))
		case "string", "":
			if s.Format == "uuid" {
				return mustJSON(g.uuid())
			}
			return mustJSON(g.marker())
		}
	}
	return otherValue(g, name, s)
}

// otherValue is a value of s's type that differs from its default, the
// value the server would set when the write is ignored.
func otherValue(g gen, name string, s *openapi.Schema) json.RawMessage {
	typ := schemaType(s)
	def := s.Default
	if def == "" && len(s.Enum) > 0 {
		def = s.Enum[0]
	}
	for _, e := range s.Enum {
		if e != strings.Trim(def, `"`) {
			if v, ok := enumValue(e, typ); ok {
				return mustJSON(v)
			}
		}
	}
	switch typ {
	case "boolean":
		if def == "true" {
			return json.RawMessage("false")
		}
		return json.RawMessage("true")
	case "integer", "number":
		v := 1000000.0
		if s.Maximum != nil && v > *s.Maximum {
			v = *s.Maximum
		}
		if strconv.FormatFloat(v, 'f', -1, 64) == def {
			v-- // still within bounds below the maximum
		}
		return json.RawMessage(strconv.FormatFloat(v, 'f', -1, 64))
	case "string", "":
		if v, err := g.str(s, name); err == nil {
			return mustJSON(v)
		}
		return mustJSON(g.marker())
	}
	sub := *s
	sub.Example, sub.Default = "", ""
	v, err := g.value(&sub, name, 0)
	if err != nil {
		return json.RawMessage("null")
	}
	return mustJSON(v)
}

// privilegedEnum returns the enum value that names the most privilege.
func privilegedEnum(s *openapi.Schema) (any, bool) {
	enum := s.Enum
	if s.Items != nil && len(enum) == 0 {
		enum = s.Items.Enum
	}
	for _, w := range privilegedWords {
		for _, e := range enum {
			if strings.Contains(strings.ToLower(e), w) {
				if schemaType(s) == "array" {
					return []any{e}, true
				}
				return e, true
			}
		}
	}
	return nil, false
}

// mustJSON marshals a generated value; generated values always marshal, so
// a failure falls back to null rather than a panic.
func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		return json.RawMessage("null")
	}
	return b
}

// seededNumber is an integer id derived from a marker: large enough not to
// be an existing row in a small database, the same for one marker.
func seededNumber(marker string) uint64 {
	h := fnv.New32a()
	h.Write([]byte(marker))
	return 900000000 + uint64(h.Sum32())%99999999
}
