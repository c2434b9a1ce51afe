package ident

import (
	"slices"
	"testing"
)

// TestWords holds the cases of the splitters Words replaced: the secret
// key names of credentials-in-response and the property and parameter
// names of the objects package.
func TestWords(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"DB_PASSWORD", []string{"db", "password"}},
		{"jwtSecret", []string{"jwt", "secret"}},
		{"spring.datasource.password", []string{"spring", "datasource", "password"}},
		{"AWSSecretAccessKey", []string{"aws", "secret", "access", "key"}},
		{"aws_secret_access_key", []string{"aws", "secret", "access", "key"}},
		{"JWTSecret", []string{"jwt", "secret"}},
		{"oauth2Token", []string{"oauth2", "token"}},
		{"x-api-key", []string{"x", "api", "key"}},
		{"password", []string{"password"}},
		{"resetPassword", []string{"reset", "password"}},
		{"reset-password", []string{"reset", "password"}},
		{"RESET_PASSWORD", []string{"reset", "password"}},
		{"OrderID", []string{"order", "id"}},
		{"order-id", []string{"order", "id"}},
		{"APIKeys", []string{"api", "keys"}},
		{"2fa", []string{"2fa"}},
		{"v2", []string{"v2"}},
		{"créditCard", []string{"crédit", "card"}},
		{"ÉtatCivil", []string{"état", "civil"}},
		{"--", nil},
		{"", nil},
	}
	for _, tt := range tests {
		if got := Words(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("Words(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

// TestTokens holds the cases of the safety screen's splitter, which
// Tokens replaced, and where it parts from Words.
func TestTokens(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"resetDB", []string{"reset", "db"}},
		{"create_db-v2", []string{"create", "db", "v", "2"}},
		{"HTTPReset", []string{"http", "reset"}},
		{"2fa", []string{"2", "fa"}},
		{"oauth2Token", []string{"oauth", "2", "token"}},
		{"HTTP2Reset", []string{"http", "2", "reset"}},
		{"x2ABc", []string{"x", "2", "a", "bc"}},
		{"AB2c", []string{"ab", "2", "c"}},
		{"ABé", []string{"ab"}},
		{"créditCard", []string{"cr", "dit", "card"}},
		{"mark-all-read", []string{"mark", "all", "read"}},
		{"", nil},
	}
	for _, tt := range tests {
		if got := Tokens(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("Tokens(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}
