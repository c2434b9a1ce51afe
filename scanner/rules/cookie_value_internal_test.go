package rules

import (
	"net/http"
	"testing"
)

// TestSessionNamed pins which cookies count as session cookies by name:
// a framework's session cookie whatever its value; a session-like or
// remember-me name only with a value that could be a credential, so a
// date, a number, a boolean or a word that scripts must read is not one.
func TestSessionNamed(t *testing.T) {
	tests := []struct {
		name, value string
		want        bool
	}{
		// Real sessions: opaque, random, signed, JWT, encrypted.
		{"session", "abcdef0123456789abcdef", true},
		{"sid", "3f9c2b1e-7d4a-4c3e-9b8f-2a6d5e1c0f47", true},
		{"connect.sid", "s%3As3ss10nZq8kT3mW9pL2vN7rB4xY.Zq8kT3mW9pL2vN7rB4xYs3ss10n", true},
		{"_myapp_session", "eyJfcmFpbHMiOnsibWVzc2FnZSI6IkJBaDdCa2tpRDNObGMzTnBiMjVmYVdRR09nWkZWRWtpUlRVMSJ9fQ%3D%3D--3f9c2b1e7d4a", true},
		{"auth_token", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMSJ9.Zq8kT3mW9pL2vN7rB4xY", true},
		{"remember-me", "YWxpY2U6MTczNDE3MDQwMDAwMDpTSEEyNTY6YjM4ZmM1YzQ5ZGE3", true},
		{"remember_user_token", "W1sxMV0sIiQyYSQxMCRLSVhRSlE2YjZjWDFGNmJROFpyM3lPIl0%3D--9f8e7d6c5b4a", true},
		{"remember_web_59ba36addc2b2f9401580f014c7f58ea4e30989d", "eyJpdiI6Ik1UQXpOR3M3c3NsMG5acThrVDNtVzlwTDJ2TjdyQjR4WSJ9", true},
		// Framework names: the value is not looked at (an ASP.NET id
		// may be letters only).
		{"ASP.NET_SessionId", "qmzkbfrwxyhtdpsalnvceujg", true},
		{"PHPSESSID", "short", true},
		// Indicators apps hand to their scripts.
		{"session_expires_at", "2026-12-07T08:00:00Z", false},
		{"session_expires_at", "2026-12-07T08%3A00%3A00Z", false},
		{"session_expiry", "20261207T080000Z", false},
		{"session_expiry", "Mon, 07 Dec 2026 08:00:00 GMT", false},
		{"session_started", "1765094400000", false},
		{"session_timeout", "1800", false},
		{"auth_method", "password", false},
		{"auth_provider", "google-oauth2", false},
		{"session_active", "true", false},
		{"session_user", "alice%40example.com", false},
		{"rememberMe", "true", false},
		{"remember_me", "1", false},
		// Not session names at all.
		{"remember_username", "YWxpY2U6MTczNDE3MDQwMDAwMDpTSEEy", false},
		{"theme", "Zq8kT3mW9pL2vN7rB4xY", false},
	}
	for _, tt := range tests {
		if got := sessionNamed(&http.Cookie{Name: tt.name, Value: tt.value}); got != tt.want {
			t.Errorf("%s=%s: session cookie %v, want %v", tt.name, tt.value, got, tt.want)
		}
	}
}

// TestLooksRandomNoDates: a compact date has the letters and digits of a
// token but is none; an opaque value of the same length is one.
func TestLooksRandomNoDates(t *testing.T) {
	for v, want := range map[string]bool{
		"20261207T080000Z":     false,
		"20261207T080000+0100": false,
		"Zq8kT3mW9pL2vN7r":     true,
	} {
		if got := looksRandom(v); got != want {
			t.Errorf("looksRandom(%q) = %v, want %v", v, got, want)
		}
	}
}
