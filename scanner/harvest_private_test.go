package scanner

import (
	"net/http"
	"testing"

	"github.com/authgate/authgate/scanner/openapi"
)

// TestPrivateName: a key is private by whole words of it (or two of them
// joined), never by a word hidden inside another (busine-ss-name,
// pass-engers, twitter_card).
func TestPrivateName(t *testing.T) {
	tests := []struct {
		key  string
		want bool
	}{
		{"deploy_token", true},
		{"password", true},
		{"db_pass", true},
		{"clientSecret", true},
		{"api_key", true},
		{"apiKey", true},
		{"apikey", true},
		{"private", true},
		{"privateNotes", true},
		{"ssn", true},
		{"social_security_number", true},
		{"cardNumber", true},
		{"credit_card", true},
		{"creditCard", true},
		{"cvv", true},
		{"iban", true},
		{"account_number", true},
		{"accountBalance", true},
		{"salary", true},
		{"medical_history", true},
		{"diagnosis", true},
		{"pin", true},
		{"cardPin", true},
		{"businessName", false},
		{"passengers", false},
		{"twitter_card", false},
		{"card", false},
		{"compass", false},
		{"tokenizer", false},
		{"pinLocation", false},
		{"spinner", false},
		{"diagnostics", false},
		{"address", false},
		{"description", false},
		{"", false},
	}
	for _, tc := range tests {
		if got := privateName(tc.key); got != tc.want {
			t.Errorf("privateName(%q) = %v, want %v", tc.key, got, tc.want)
		}
	}
}

// TestRevealsData: a page reveals a private field the list does not show
// only when the field holds a datum: a flag ("private": false), an empty
// text or zero says nothing about anyone. An object no list shows the
// other identity reveals whatever it shows.
func TestRevealsData(t *testing.T) {
	s := &scan{}
	tg := s.target(&openapi.Operation{Method: http.MethodGet, Path: "/api/repos/{id}"})
	listed := Claim{Value: "201", Shown: []string{"id", "name", "owner"}}
	tests := []struct {
		name string
		c    Claim
		body string
		want string // the key revealed, "" for none
	}{
		{"a token", listed, `{"id": 201, "name": "a", "deploy_token": "dpl-9f8e7d6c"}`, "deploy_token"},
		{"a balance", listed, `{"id": 201, "balance": 12.5}`, "balance"},
		{"a flag", listed, `{"id": 201, "private": false, "is_private": true}`, ""},
		{"empty and zero", listed, `{"id": 201, "secret": "", "balance": 0, "salary": 0.00}`, ""},
		{"a field the list shows", Claim{Value: "201", Shown: []string{"id", "token"}}, `{"id": 201, "token": "t-1"}`, ""},
		{"words inside other words", listed, `{"id": 201, "businessName": "Alice GmbH", "passengers": 4, "twitter_card": "summary"}`, ""},
		{"no list shows it", Claim{Value: "201"}, `{"id": 201}`, ""},
	}
	for _, tc := range tests {
		key, ok := tg.Reveals(tc.c, []byte(tc.body))
		if tc.c.Shown == nil {
			if !ok {
				t.Errorf("%s: an object no list shows reveals nothing", tc.name)
			}
			continue
		}
		if key != tc.want || ok != (tc.want != "") {
			t.Errorf("%s: Reveals = %q, %v; want %q", tc.name, key, ok, tc.want)
		}
	}
}
