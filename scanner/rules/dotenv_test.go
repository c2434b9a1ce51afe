package rules

import (
	"slices"
	"testing"
)

// TestDotenvSecrets: a dotenv file's secrets are found and their values
// returned for redaction; masked, empty, referenced and public values,
// settings that are no secrets, and bodies that are no dotenv file are
// not.
func TestDotenvSecrets(t *testing.T) {
	tests := []struct {
		name       string
		body       string
		wantOK     bool
		wantLeaks  []string
		wantValues []string
	}{
		{"leaky", "# production\nNODE_ENV=production\nDB_PASSWORD=s3cr3t-pw\nexport JWT_SECRET=\"abc123def\"\nSTRIPE_API_KEY='sk_live_51Habc' # billing\nGITHUB_TOKEN=ghp_abcdef123\n", true,
			[]string{`a secret value under "DB_PASSWORD"`, `a secret value under "JWT_SECRET"`, `a secret value under "STRIPE_API_KEY"`, `a secret value under "GITHUB_TOKEN"`},
			[]string{"s3cr3t-pw", "abc123def", "sk_live_51Habc", "ghp_abcdef123"}},
		{"fixed twin", "NODE_ENV=production\nDB_PASSWORD=\nJWT_SECRET=${JWT_SECRET}\nSTRIPE_API_KEY=********\nSTRIPE_PUBLISHABLE_KEY=pk_live_abc\nTOKEN_TTL=3600\nPORT=8080\n", true, nil, nil},
		{"no secret names", "PORT=8080\nLOG_LEVEL=debug\nPASSWORD_MIN_LENGTH=12\n", true, nil, nil},
		{"JSON", `{"DB_PASSWORD":"x"}`, false, nil, nil},
		{"HTML", "<html>\nPASSWORD=hunter22\nSECRET=abcd\n</html>", false, nil, nil},
		{"prose", "To log in, set password=hunter22 in the form.\nThen press enter.\nSECRET=abcdef\n", false, nil, nil},
		{"one line", "DB_PASSWORD=hunter22\n", false, nil, nil},
		{"metrics", "# HELP up 1 if up\n# TYPE up gauge\nup 1\nhttp_requests_total{code=\"200\"} 1027\n", false, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			leaks, values, ok := dotenvSecrets([]byte(tc.body))
			if ok != tc.wantOK || !slices.Equal(leaks, tc.wantLeaks) || !slices.Equal(values, tc.wantValues) {
				t.Errorf("dotenvSecrets = %q, %q, %v; want %q, %q, %v", leaks, values, ok, tc.wantLeaks, tc.wantValues, tc.wantOK)
			}
		})
	}
}
