package scanner

import (
	"strings"
	"testing"
)

// TestAnswerFacts: what a login or /me answer says about its identity.
func TestAnswerFacts(t *testing.T) {
	id := NewIdentity("alice", nil)
	tests := []struct {
		name    string
		body    string
		bareTop bool
		want    []string // "kind key=value", in order
	}{
		{"login answer: the user object's id, not the session's", `{"id": "sess-1", "token": "t0k3n-secret", "user": {"id": 1001, "username": "alice"}}`, false,
			[]string{"2 id=1001", "3 username=alice"}},
		{"login answer: a top-level user_id", `{"access_token": "x", "user_id": "u-7"}`, false, []string{"2 userid=u-7"}},
		{"/me: a top-level id counts", `{"id": 1001, "email": "alice@example.com", "name": "Alice"}`, true,
			[]string{"4 email=alice@example.com", "2 id=1001"}},
		{"other objects are not the caller", `{"manager": {"id": 7}, "org_id": "o-1"}`, true, nil},
		{"untrusted values: control characters and long values", `{"user_id": "a\nb", "username": "` + strings.Repeat("x", maxFactBytes+1) + `"}`, true, nil},
		{"not JSON", `<html>`, true, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, f := range answerFacts(id, []byte(tc.body), "its login answer", tc.bareTop) {
				got = append(got, strings.Join([]string{string(rune('0' + f.kind)), " ", f.key, "=", f.value}, ""))
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("facts %q, want %q", got, tc.want)
			}
		})
	}
}

// TestTokenFacts: the claims of the JWT an identity sends say who it is;
// facts both identities share are dropped.
func TestTokenFacts(t *testing.T) {
	// {"alg":"none"} . {"sub":"1001","email":"a@example.com","org_id":"o-1","iss":"x"}
	alice := NewIdentity("primary", []Header{{Name: "Authorization", Value: "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiIxMDAxIiwiZW1haWwiOiJhQGV4YW1wbGUuY29tIiwib3JnX2lkIjoiby0xIiwiaXNzIjoieCJ9."}})
	// {"alg":"none"} . {"sub":"1001"}: the same account as alice
	same := NewIdentity("peer", []Header{{Name: "Authorization", Value: "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiIxMDAxIn0."}})
	facts := tokenFacts(alice)
	var got []string
	for _, f := range facts {
		got = append(got, f.key+"="+f.value+" ("+f.how+")")
	}
	want := "email=a@example.com (its token's email claim)|sub=1001 (its token's sub claim)"
	if strings.Join(got, "|") != want {
		t.Errorf("facts %q, want %q", got, want)
	}
	kept := distinctFacts(append(facts, tokenFacts(same)...))
	for _, f := range kept {
		if f.value == "1001" {
			t.Errorf("the sub both identities share was kept for %s", f.owner.Name)
		}
	}
	if len(kept) != 1 || kept[0].value != "a@example.com" {
		t.Errorf("kept %+v, want alice's email only", kept)
	}
}

// TestLoginFacts: the account a config login signs in with says who the
// identity is, whatever its login answers; an account both identities
// sign in with says nothing about either.
func TestLoginFacts(t *testing.T) {
	login := func(body map[string]any, field string) *Identity {
		id := NewIdentity("alice", nil)
		id.Login = &Login{Path: "/login", Body: body, UsernameField: field}
		return id
	}
	tests := []struct {
		name string
		id   *Identity
		want string // "kind key=value (how)"; "" for no fact
	}{
		{"an email field", login(map[string]any{"email": "alice.martin@example.com", "password": "pw-1"}, ""),
			"4 email=alice.martin@example.com (its login's email field)"},
		{"a username field", login(map[string]any{"username": "alice", "password": "pw-1"}, ""), "3 username=alice (its login's username field)"},
		{"a user field holding an email", login(map[string]any{"user": "alice@example.com", "pass": "pw-1"}, ""), "4 user=alice@example.com (its login's user field)"},
		{"a user field holding a name", login(map[string]any{"user": "alice", "pass": "pw-1"}, ""), "3 user=alice (its login's user field)"},
		{"a numeric user_id", login(map[string]any{"user_id": 1001, "password": "pw-1"}, ""), "2 userid=1001 (its login's user_id field)"},
		{"the configured username field", login(map[string]any{"ident": "alice", "password": "pw-1"}, "ident"), "3 ident=alice (its login's ident field)"},
		{"a phone number", login(map[string]any{"phone": "+1-555-0101", "password": "pw-1"}, ""), ""},
		{"no account field", login(map[string]any{"password": "pw-1"}, ""), ""},
		{"a value with a line break", login(map[string]any{"username": "alice\nbob", "password": "pw-1"}, ""), ""},
		{"static credentials", NewIdentity("alice", []Header{{Name: "Authorization", Value: "Bearer t"}}), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, f := range loginFacts(tc.id) {
				got = append(got, string(rune('0'+f.kind))+" "+f.key+"="+f.value+" ("+f.how+")")
			}
			if strings.Join(got, "|") != tc.want {
				t.Errorf("facts %q, want %q", got, tc.want)
			}
		})
	}

	alice := login(map[string]any{"email": "alice.martin@example.com", "password": "pw-1"}, "")
	same := login(map[string]any{"email": "Alice.Martin@example.com", "password": "pw-2"}, "")
	bob := login(map[string]any{"email": "bob.nguyen@example.com", "password": "pw-3"}, "")
	if kept := distinctFacts(append(loginFacts(alice), loginFacts(same)...)); len(kept) != 0 {
		t.Errorf("an account both identities sign in with was kept: %+v", kept)
	}
	if kept := distinctFacts(append(loginFacts(alice), loginFacts(bob)...)); len(kept) != 2 || kept[0].owner != alice || kept[1].owner != bob {
		t.Errorf("kept %+v, want alice's and bob's own emails", kept)
	}
}
