package scanner

import (
	"net/http"
	"strings"
	"testing"

	"github.com/authgate/authgate/scanner/openapi"
)

// TestMemberList: the keys of lists that name the principals a record is
// shared with, and keys that do not.
func TestMemberList(t *testing.T) {
	for key, want := range map[string]bool{
		"memberIds": true, "memberIDs": true, "member_ids": true, "members": true, "projectMembers": true,
		"participants": true, "collaborators": true, "users": true, "userIds": true, "sharedWith": true,
		"shared_with": true, "assignees": true, "owners": true, "recipientIds": true,
		"tags": false, "items": false, "ids": false, "id": false, "labels": false, "memberships_count": false,
	} {
		if got := memberList(key); got != want {
			t.Errorf("memberList(%q) = %v, want %v", key, got, want)
		}
	}
}

// TestMemberScalars: the principals of member lists at the top and in
// one wrapper object, as ids, objects and wrapped objects, in key and
// list order; other lists and deeper ones are not read.
func TestMemberScalars(t *testing.T) {
	body := `{"id": 5, "tags": [11], "memberIds": [11, 12],
		"data": {"collaborators": [{"user": {"login": "bob"}, "role": "write"}]},
		"members": [{"id": 12, "email": "bob@example.com"}],
		"project": {"members": [13]}}`
	var got []string
	memberScalars([]byte(body), func(path, key, value string) {
		got = append(got, path+"|"+key+"|"+value)
	})
	want := []string{"memberIds[0]||11", "memberIds[1]||12",
		"members[0].email|email|bob@example.com", "members[0].id|id|12",
		"data.collaborators[0].role|role|write", "data.collaborators[0].user.login|login|bob"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("memberScalars:\n got %q\nwant %q", got, want)
	}
}

// TestCarriesMembers: a record whose member list names an identity (by
// id, email or login name) is about it; a list that names someone else,
// a bare id outside member lists and a list of other things are not.
func TestCarriesMembers(t *testing.T) {
	alice := NewIdentity("alice", nil)
	bob := NewIdentity("bob", nil)
	s := &scan{primary: alice, peer: bob, owned: []owned{
		{owner: alice, kind: kindID, key: "id", value: "11", how: "the user.id of its login answer"},
		{owner: bob, kind: kindID, key: "id", value: "12", how: "the user.id of its login answer"},
		{owner: bob, kind: kindEmail, key: "email", value: "bob@example.com", how: "the user.email of its login answer"},
		{owner: bob, kind: kindName, key: "username", value: "bob", how: "the user.username of its login answer"},
	}}
	tg := s.target(&openapi.Operation{Method: http.MethodGet, Path: "/api/projects/{id}",
		Params: []openapi.Param{{Name: "id", In: "path", Required: true}}})
	tests := []struct {
		body string
		want string // how, "" when the answer is not about bob
	}{
		{`{"id": 5, "ownerId": 11, "memberIds": [11, 12]}`, "the answer's memberIds[1] is its own 12 (from the user.id of its login answer)"},
		{`{"id": 5, "members": [{"id": 11}, {"id": 12, "role": "viewer"}]}`, "the answer's members[1].id is its own 12 (from the user.id of its login answer)"},
		{`{"id": 5, "sharedWith": ["bob@example.com"]}`, "the answer's sharedWith[0] is its own bob@example.com (from the user.email of its login answer)"},
		{`{"data": {"id": 5, "collaborators": [{"user": {"login": "bob"}}]}}`, "the answer's data.collaborators[0].user.login is its own bob (from the user.username of its login answer)"},
		{`{"id": 5, "ownerId": 11, "memberIds": [11]}`, ""},
		{`{"id": 12, "ownerId": 11}`, ""},
		{`{"id": 5, "tagIds": [12], "members": [{"projectId": 12}]}`, ""},
	}
	for _, tc := range tests {
		how, ok := tg.Carries(bob, []byte(tc.body))
		if how != tc.want || ok != (tc.want != "") {
			t.Errorf("Carries(bob, %s) = %q, %v; want %q", tc.body, how, ok, tc.want)
		}
	}
}
