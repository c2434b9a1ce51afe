package safety

import "testing"

// TestUnlistedStateChange: a path no description lists is read more
// strictly than a described one (each segment as a method's name too),
// and still lets the reads a scan invents through: key sets, key files,
// debug listings.
func TestUnlistedStateChange(t *testing.T) {
	for _, tt := range []struct {
		path, say string // say "" for a read
	}{
		{"/rest/saveLoginIp", "save"},
		{"/admin/keys/rotate", "rotate"},
		{"/api/account/change-password", "change"},
		{"/api/notifications/mark-all-read", "mark"},
		{"/api/session/end", "end"},
		{"/createdb/keys", "createdb"},
		{"/rest/user/reset-password", "reset"},
		// A segment read as a method name: first word the verb, although
		// the path rules let a weak verb open a non-final segment.
		{"/syncUsers/status", "sync"},
		{"/.well-known/jwks.json", ""},
		{"/.well-known/openid-configuration", ""},
		{"/encryptionkeys/jwt.pub", ""},
		{"/keys/public.pem", ""},
		{"/users/v1/_debug", ""},
		{"/rest/memories", ""},
		{"/api/Users", ""},
		{"/weekend/calendar", ""},
		{"/api/end-users", ""},
		{"/", ""},
		{"", ""},
	} {
		hit, ok := UnlistedStateChange(tt.path)
		if ok != (tt.say != "") || hit.Word != tt.say {
			t.Errorf("UnlistedStateChange(%q) = (%q, %v), want %q", tt.path, hit.Word, ok, tt.say)
		}
	}
}
