package rules

import (
	"slices"
	"strings"
	"testing"
)

// TestSecretsInJudged pins which answers credentials-in-response reports:
// secret names read by words, in the shapes environment dumps take, and
// the names, values and placeholders that are not secrets.
func TestSecretsInJudged(t *testing.T) {
	tests := []struct {
		name, body string
		want       []string // the keys named in the leaks; none for a clean answer
	}{
		// Secrets.
		{"node process.env", `{"NODE_ENV":"production","DB_PASSWORD":"hunter2-db","JWT_SECRET":"kJ8s0d9f8g7h"}`, []string{"DB_PASSWORD", "JWT_SECRET"}},
		{"camel case", `{"jwtSecret":"kJ8s0d9f8g7h","clientSecret":"abcd1234"}`, []string{"clientSecret", "jwtSecret"}},
		{"aws keys", `{"AWS_ACCESS_KEY_ID":"AKIAIOSFODNN7EXAMPLE","AWS_SECRET_ACCESS_KEY":"wJalrXUtnFEMI/K7MDENG/bPxRfiCY"}`, []string{"AWS_SECRET_ACCESS_KEY"}},
		{"stripe and rails", `{"STRIPE_SECRET_KEY":"sk_live_abcdef123456","SECRET_KEY_BASE":"9f3a7c1e5b"}`, []string{"SECRET_KEY_BASE", "STRIPE_SECRET_KEY"}},
		{"env token", `{"GITHUB_TOKEN":"ghp_abcdefghijklmnop1234"}`, []string{"GITHUB_TOKEN"}},
		{"api key", `{"api_key":"a1b2c3d4e5f6","apiKey":"q9w8e7r6t5"}`, []string{"apiKey", "api_key"}},
		{"spring boot 2", `{"propertySources":[{"name":"applicationConfig","properties":{"spring.datasource.password":{"value":"hunter2-db","origin":"application.properties:3:28"}}}]}`, []string{"spring.datasource.password"}},
		{"spring boot 1", `{"applicationConfig: [classpath:/application.properties]":{"spring.datasource.password":"hunter2-db"}}`, []string{"spring.datasource.password"}},
		{"name/value list", `{"env":[{"name":"DB_PASSWORD","value":"hunter2-db"},{"name":"PORT","value":"8080"}]}`, []string{"DB_PASSWORD"}},
		{"credentialed url", `{"DATABASE_URL":"postgresql://shop:Sup3rS3cret@db:5432/shop"}`, []string{"DATABASE_URL"}},
		{"jdbc url with password parameter", `{"url":"jdbc:mysql://db/shop?user=shop&password=Sup3rS3cret"}`, []string{"url"}},
		{"ado.net connection string", `{"ConnectionString":"Server=db;Database=shop;User Id=shop;Password=Sup3rS3cret;"}`, []string{"ConnectionString"}},
		{"bcrypt anywhere", `{"u":"$2b$12$` + strings.Repeat("a", 53) + `"}`, []string{"u"}},
		{"plural", `{"passwords":["hunter2-db"]}`, []string{"passwords"}},
		{"a lower-case pwd key is a password", `{"user":"bob","pwd":"hunter2-db"}`, []string{"pwd"}},
		{"env token beside a limit", `{"OPENAI_MAX_TOKENS":"4096","OPENAI_API_KEY":"sk-proj-a1b2c3d4"}`, []string{"OPENAI_API_KEY"}},
		{"weak secrets in lower case", `{"JWT_SECRET":"secret","password":"password"}`, []string{"JWT_SECRET", "password"}},
		{"password with digits", `{"password":"Password1"}`, []string{"password"}},
		{"webhook url under a secret name", `{"webhookSecret":"https://hooks.slack.com/services/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"}`, []string{"webhookSecret"}},
		{"signed link under a secret name", `{"secret":"https://files.example.com/a/b?X-Amz-Signature=9f8e7d6c5b4a"}`, []string{"secret"}},
		{"base64 secret that starts with a slash", `{"client_secret":"/K7MDENG/bPxRfiCYEXAMPLEKEY"}`, []string{"client_secret"}},
		{"algolia admin key", `{"adminApiKey":"8f3a9c2e7b1d4f6a"}`, []string{"adminApiKey"}},
		{"mapbox secret token", `{"apiKey":"sk.eyJ1IjoiYWNtZSJ9.q1w2e3r4t5y6"}`, []string{"apiKey"}},
		// Not secrets.
		{"password policy names", `{"password_min_length":"12345678","passwordPolicy":"strong-required","passwordless":"enabled","secretsManagerRegion":"us-east-1","secretQuestion":"first pet?"}`, nil},
		{"masked by spring", `{"propertySources":[{"name":"app","properties":{"spring.datasource.password":{"value":"******"}}}]}`, nil},
		{"masked and empty", `{"password":"","secret":"****","api_key":"sk_live_••••4242","jwtSecret":null,"hasPassword":true}`, nil},
		{"placeholders", `{"DB_PASSWORD":"${DB_PASSWORD}","JWT_SECRET":"changeme","spring.datasource.password":"${db.password:}","api_key":"<your-api-key>","client_secret":"your_client_secret_here"}`, nil},
		{"publishable keys", `{"stripe":{"publishableKey":"pk_live_51H8abcdef"},"firebase":{"apiKey":"AIzaSyD-9tSrke72PouQ"},"publicKey":"MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A"}`, nil},
		{"a login's own token", `{"token":"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc","refresh_token":"r3fr3sh-t0k3n-1234"}`, nil},
		{"url without password", `{"spring.datasource.url":"jdbc:postgresql://db/shop","homepage":"https://user@example.com/"}`, nil},
		{"in-app keys", `{"primaryKey":"order_id","idempotencyKey":"5f0c7b3e-1111","key":"chair-123"}`, nil},
		{"hex under hash", `{"hash":"5f4dcc3b5aa765d61d8327deb882cf99"}`, nil},
		{"not json", `hello world`, nil},
		{"shell and quantity names", `{"PWD":"/usr/src/app","OLDPWD":"/root","MAX_TOKENS":"4096","NUM_API_KEYS":"12"}`, nil},
		{"links and paths", `{"forgotPassword":"/auth/forgot-password","changePassword":"https://app.example.com/account/password?next=/home","resetPassword":"/users/{id}/password/"}`, nil},
		{"labels", `{"LABEL_PASSWORD":"Password","newPassword":"New password","hint":{"password":"Mot de passe"},"forgotPassword":"Forgot your password? Reset it in {count} steps."}`, nil},
		{"public client keys", `{"searchApiKey":"6be0576ff61c053d","searchOnlyApiKey":"6be0576ff61c053d","publicApiKey":"a1b2c3d4e5","mapboxKey":"pk.eyJ1IjoiYWNtZSJ9.q1w2e3r4"}`, nil},
		{"framework masks", `{"password":"[FILTERED]","otp_secret":"[Filtered]","db":"postgres://app:[FILTERED]@db/app","secret":"%env(APP_SECRET)%","mailer_password":"%mailer.password%"}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			leaks, _ := secretsIn([]byte(tt.body))
			if keys := leakKeys(leaks); !slices.Equal(keys, tt.want) {
				t.Errorf("leaks %q; want under %q", leaks, tt.want)
			}
		})
	}
}

// leakKeys are the names secretsIn's leaks are under ("… under \"KEY\""),
// sorted.
func leakKeys(leaks []string) []string {
	var keys []string
	for _, l := range leaks {
		_, k, _ := strings.Cut(l, ` under "`)
		keys = append(keys, strings.TrimSuffix(k, `"`))
	}
	slices.Sort(keys)
	return keys
}

// TestSecretsInHides pins what the evidence masks: every credential of
// the answer, not only those the summary names, and nothing innocent.
func TestSecretsInHides(t *testing.T) {
	const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.R3vWm9oZ8q1a2b3c4d"
	body := `{"users":[{"username":"admin","password":"pass2-secret","auth_token":"tok-admin-0123456789",` +
		`"session_id":"s3ss-9f8e7d6c","note":"` + jwt + `","db":"postgresql://shop:Sup3r%40S3cret@db/shop",` +
		`"role":"admin","flag":"on","token":"short"}]}`
	_, values := secretsIn([]byte(body))
	for _, want := range []string{"pass2-secret", "tok-admin-0123456789", "s3ss-9f8e7d6c", jwt, "Sup3r%40S3cret", "Sup3r@S3cret"} {
		if !slices.Contains(values, want) {
			t.Errorf("%q is not hidden (hidden: %q)", want, values)
		}
	}
	for _, innocent := range []string{"admin", "on", "short"} {
		if slices.Contains(values, innocent) {
			t.Errorf("%q would be masked all over the evidence", innocent)
		}
	}
}

func TestDotenvSecretsJudged(t *testing.T) {
	tests := []struct {
		name, env string
		want      []string
		hidden    []string
	}{
		{"database url alone", "NODE_ENV=production\nDATABASE_URL=\"postgresql://shop:Sup3rS3cret@db:5432/shop?schema=public\"\n", []string{"DATABASE_URL"}, []string{"Sup3rS3cret"}},
		{"token and pass", "GITHUB_TOKEN=ghp_abcdef123456\nDB_PASS=hunter2-db\nPORT=3000\n", []string{"DB_PASS", "GITHUB_TOKEN"}, []string{"ghp_abcdef123456", "hunter2-db"}},
		{"laravel", "APP_ENV=production\nAPP_KEY=base64:Zm9vYmFyYmF6cXV4\n", []string{"APP_KEY"}, []string{"base64:Zm9vYmFyYmF6cXV4"}},
		{"example file", "DB_PASSWORD=changeme\nJWT_SECRET=${JWT_SECRET}\nDATABASE_URL=postgresql://shop:<password>@db/shop\n", nil, nil},
		{"local url without password", "REDIS_URL=redis://localhost:6379\nPORT=3000\n", nil, nil},
		{"shell variables, limits and framework references", "PWD=/srv/app\nMAX_TOKENS=4096\nAPP_SECRET=%env(APP_SECRET)%\nDB_PASSWORD=[FILTERED]\n", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			leaks, values := secretsIn([]byte(tt.env))
			if keys := leakKeys(leaks); !slices.Equal(keys, tt.want) {
				t.Errorf("leaks %q; want under %q", leaks, tt.want)
			}
			for _, h := range tt.hidden {
				if !slices.Contains(values, h) {
					t.Errorf("%q is not hidden (hidden: %q)", h, values)
				}
			}
		})
	}
}

func TestHideCutSecret(t *testing.T) {
	values := []string{"hunter2-db-password", "abc"}
	tests := []struct{ name, body, want string }{
		{"cut inside a secret", `{"password":"hunter2-d`, `{"password":"[REDACTED]`},
		{"three characters", `{"password":"hun`, `{"password":"[REDACTED]`},
		{"two characters tell nothing", `{"password":"hu`, `{"password":"hu`},
		{"cut elsewhere", `{"name":"chair","price":`, `{"name":"chair","price":`},
	}
	for _, tt := range tests {
		if got := hideCutSecret(tt.body, values); got != tt.want {
			t.Errorf("%s: %q; want %q", tt.name, got, tt.want)
		}
	}
}
