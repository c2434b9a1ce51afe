package scanner

import (
	"fmt"
	"strings"
)

// memberKinds are the endings of keys (normalised, without an id suffix
// or a plural s) of the lists that name the principals a record is shared
// with: a project's memberIds, a chat's participants, a repository's
// collaborators, a document's sharedWith, a group's users. A record whose
// list names an identity is about that identity too, whoever created it.
var memberKinds = []string{"member", "participant", "collaborator", "user", "owner", "assignee",
	"attendee", "editor", "viewer", "reader", "recipient", "admin", "sharedwith"}

// memberList reports whether key names a list of principals (see
// memberKinds): memberIds, members, project_members, sharedWith, users.
func memberList(key string) bool {
	k := normKey(key)
	for _, suffix := range []string{"uuids", "uuid", "ids", "id"} {
		if s, ok := strings.CutSuffix(k, suffix); ok && s != "" {
			k = s
			break
		}
	}
	k = strings.TrimSuffix(k, "s")
	for _, kind := range memberKinds {
		if strings.HasSuffix(k, kind) {
			return true
		}
	}
	return false
}

// memberScalars calls fn with the principals the member lists of a JSON
// object name (see memberList), at its top and in its caller-like
// wrappers ({"data": {...}}), in key and list order, with the dotted path
// to each. A list of scalars names a principal per element (memberIds:
// [11, 12]; key is ""); a list of objects names one per element by its
// scalars and those of one wrapper object in it (members: [{"id": 12,
// "role": "editor"}], collaborators: [{"user": {"login": "bob"}}]).
func memberScalars(body []byte, fn func(path, key, value string)) {
	if top, ok := jsonObject(body); ok {
		memberScalarsOf(top, fn)
	}
}

// memberScalarsOf is memberScalars of the decoded object top.
func memberScalarsOf(top map[string]any, fn func(path, key, value string)) {
	lists := func(obj map[string]any, prefix string) {
		for _, k := range sortedKeys(obj, make([]string, 0, 16)) {
			if list, ok := obj[k].([]any); ok && memberList(k) {
				membersOf(list, prefix+k, fn)
			}
		}
	}
	lists(top, "")
	for _, k := range sortedKeys(top, make([]string, 0, 16)) {
		if inner, ok := top[k].(map[string]any); ok && callerWrapper.MatchString(normKey(k)) {
			lists(inner, k+".")
		}
	}
}

// membersOf calls fn with what each element of a member list says about
// its principal (see memberScalars).
func membersOf(list []any, path string, fn func(path, key, value string)) {
	for i, e := range list {
		at := fmt.Sprintf("%s[%d]", path, i)
		if v, ok := ScalarText(e); ok {
			fn(at, "", v)
			continue
		}
		obj, ok := e.(map[string]any)
		if !ok {
			continue
		}
		for _, k := range sortedKeys(obj, make([]string, 0, 16)) {
			if v, ok := ScalarText(obj[k]); ok {
				fn(at+"."+k, k, v)
				continue
			}
			inner, ok := obj[k].(map[string]any)
			if !ok || !callerWrapper.MatchString(normKey(k)) {
				continue
			}
			for _, k2 := range sortedKeys(inner, make([]string, 0, 16)) {
				if v, ok := ScalarText(inner[k2]); ok {
					fn(at+"."+k+"."+k2, k2, v)
				}
			}
		}
	}
}
