package config

import (
	"strings"
	"testing"
)

func TestExpandEnv(t *testing.T) {
	const secret = "SECRET-value"
	env := map[string]string{
		"TOKEN":        secret,
		"EMPTY":        "",
		"_under9":      "u",
		"DOLLARS":      "$$${NOT_EXPANDED}",
		"GITHUB_TOKEN": secret,
	}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	tests := []struct {
		name, in, want string
		wantErr        string // substring; "" for success
	}{
		{name: "no dollar", in: "Bearer abc", want: "Bearer abc"},
		{name: "one variable", in: "Bearer ${TOKEN}", want: "Bearer " + secret},
		{name: "twice and adjacent", in: "${TOKEN}${_under9}-${TOKEN}", want: secret + "u-" + secret},
		{name: "double dollar is literal", in: "pa$$word $${TOKEN}", want: "pa$word ${TOKEN}"},
		{name: "values are not expanded again", in: "${DOLLARS}", want: "$$${NOT_EXPANDED}"},
		{name: "lone dollar at end", in: "cost$", want: "cost$"},
		{name: "dollar before digit or space", in: "$5 and $ x", want: "$5 and $ x"},
		{name: "unset", in: "x${MISSING}", wantErr: "environment variable MISSING is not set"},
		{name: "empty", in: "${EMPTY}", wantErr: "environment variable EMPTY is not set (it is empty"},
		{name: "github prefix refused", in: "${GITHUB_TOKEN}", wantErr: "environment variable GITHUB_TOKEN is refused"},
		{name: "actions prefix refused", in: "${ACTIONS_RUNTIME_TOKEN}", wantErr: "ACTIONS_RUNTIME_TOKEN is refused"},
		{name: "runner prefix refused", in: "${RUNNER_TEMP}", wantErr: "RUNNER_TEMP is refused"},
		{name: "input prefix refused", in: "${INPUT_GITHUB_TOKEN}", wantErr: "INPUT_GITHUB_TOKEN is refused"},
		{name: "prefix refused ignoring case", in: "${github_token}", wantErr: "github_token is refused"},
		{name: "unclosed", in: "Bearer ${TOKEN", wantErr: "${ without a closing }"},
		{name: "empty name", in: "${}", wantErr: "no valid environment variable name"},
		{name: "name starts with digit", in: "${1X}", wantErr: "no valid environment variable name"},
		{name: "name with dash", in: "${" + secret + "}", wantErr: "no valid environment variable name"},
		{name: "bare name", in: "Bearer $TOKEN", wantErr: "write ${NAME}"},
		{name: "bare underscore name", in: "$_x", wantErr: "write ${NAME}"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := expandEnv(tc.in, lookup)
			if tc.wantErr == "" {
				if err != nil || got != tc.want {
					t.Fatalf("expandEnv(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("expandEnv(%q) = %q; want an error containing %q", tc.in, got, tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error %q does not contain %q", err, tc.wantErr)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error %q repeats a secret", err)
			}
		})
	}
}
