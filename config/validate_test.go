package config

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

// valid returns a Config that passes Validate, for cases to break.
func valid() Config {
	c := Default()
	c.Target = "https://preview.example.com"
	c.Outputs = []Output{{Format: FormatText, Path: Stdout}}
	return c
}

func TestValidate(t *testing.T) {
	const secret = "hunter2-secret"
	tests := []struct {
		name    string
		mutate  func(c *Config)
		wantErr string // "" for valid
	}{
		{name: "defaults with a target", mutate: func(c *Config) {}},
		{name: "everything set", mutate: func(c *Config) {
			c.Target = "http://127.0.0.1:8080/api"
			c.BaselineURL = "https://prod.example.com"
			c.OpenAPI = "https://preview.example.com/openapi.json"
			c.Mode = "active"
			c.FailOn = "none"
			c.FailUnder = 100
			c.MaxScoreDrop = 0
			c.Rate = 0
			c.Concurrency = MaxConcurrency
			c.Wait = 0
			c.Budget = 1
			c.Shard = Shard{3, 3}
			c.Endpoints = []string{"GET /user?user_id=1", "post /login"}
			c.Auth = []string{"Authorization: Bearer " + secret, "Cookie: s=1"}
			c.PeerAuth = []string{"Authorization: Bearer b"}
			c.Suppress = []string{"cookie-insecure"}
			c.Outputs = []Output{{"json", "a.json"}, {"sarif", "a.sarif"}, {"text", ""}}
		}},
		{name: "no target", mutate: func(c *Config) { c.Target = "" }, wantErr: "target: required"},
		{name: "relative target", mutate: func(c *Config) { c.Target = "preview.example.com" }, wantErr: "target: not an absolute URL"},
		{name: "ftp target", mutate: func(c *Config) { c.Target = "ftp://x.example" }, wantErr: `target: scheme "ftp" is not http or https`},
		{name: "no host", mutate: func(c *Config) { c.Target = "http:///a" }, wantErr: "target: the URL has no host"},
		{name: "port only", mutate: func(c *Config) { c.Target = "http://:80" }, wantErr: "target: the URL has no host"},
		{name: "bad port", mutate: func(c *Config) { c.Target = "http://x.example:99999" }, wantErr: "target: port 99999 is outside"},
		{name: "unparseable", mutate: func(c *Config) { c.Target = "http://x.example/\x00" }, wantErr: "target: not a valid URL"},
		{name: "credentials in target", mutate: func(c *Config) { c.Target = "https://admin:" + secret + "@x.example" }, wantErr: "target: credentials in the URL are refused"},
		{name: "token as user", mutate: func(c *Config) { c.Target = "https://" + secret + "@x.example" }, wantErr: "would be printed"},
		{name: "credentials in baseline-url", mutate: func(c *Config) { c.BaselineURL = "https://u:" + secret + "@prod.example" }, wantErr: "baseline-url: credentials"},
		{name: "relative baseline-url", mutate: func(c *Config) { c.BaselineURL = "/prod" }, wantErr: "baseline-url: not an absolute URL"},
		{name: "credentials in openapi URL", mutate: func(c *Config) { c.OpenAPI = "https://u:" + secret + "@x.example/o.json" }, wantErr: "openapi: credentials"},
		{name: "bad mode", mutate: func(c *Config) { c.Mode = "aggressive" }, wantErr: `mode: "aggressive" is not one of safe, active`},
		{name: "empty mode", mutate: func(c *Config) { c.Mode = "" }, wantErr: `mode: ""`},
		{name: "bad fail-on", mutate: func(c *Config) { c.FailOn = "info" }, wantErr: `fail-on: "info" is not one of critical, high, medium, low, none`},
		{name: "fail-under high", mutate: func(c *Config) { c.FailUnder = 101 }, wantErr: "fail-under: 101 is outside 0..100"},
		{name: "fail-under negative", mutate: func(c *Config) { c.FailUnder = -1 }, wantErr: "fail-under: -1"},
		{name: "max-score-drop -2", mutate: func(c *Config) { c.MaxScoreDrop = -2 }, wantErr: "max-score-drop: -2 is outside"},
		{name: "max-score-drop 101", mutate: func(c *Config) { c.MaxScoreDrop = 101 }, wantErr: "max-score-drop: 101"},
		{name: "negative rate", mutate: func(c *Config) { c.Rate = -1 }, wantErr: "rate: -1"},
		{name: "NaN rate", mutate: func(c *Config) { c.Rate = math.NaN() }, wantErr: "rate: NaN"},
		{name: "infinite rate", mutate: func(c *Config) { c.Rate = math.Inf(1) }, wantErr: "rate: +Inf"},
		{name: "zero concurrency", mutate: func(c *Config) { c.Concurrency = 0 }, wantErr: "concurrency: 0 is outside 1..256"},
		{name: "huge concurrency", mutate: func(c *Config) { c.Concurrency = 257 }, wantErr: "concurrency: 257"},
		{name: "zero timeout", mutate: func(c *Config) { c.Timeout = 0 }, wantErr: "timeout: 0s must be more than 0"},
		{name: "zero budget", mutate: func(c *Config) { c.Budget = 0 }, wantErr: "budget: 0 must be at least 1"},
		{name: "negative wait", mutate: func(c *Config) { c.Wait = -time.Second }, wantErr: "wait: -1s must not be negative"},
		{name: "shard index 0", mutate: func(c *Config) { c.Shard = Shard{0, 4} }, wantErr: "shard: the shard index must be between 1 and 4, got 0"},
		{name: "shard over", mutate: func(c *Config) { c.Shard = Shard{5, 4} }, wantErr: "shard: the shard index"},
		{name: "shard count 0", mutate: func(c *Config) { c.Shard = Shard{1, 0} }, wantErr: "shard: the shard count"},
		{name: "bad endpoint", mutate: func(c *Config) { c.Endpoints = []string{"GET /a", "FETCH /b"} }, wantErr: `endpoint #2: unknown HTTP method "FETCH"`},
		{name: "bad auth", mutate: func(c *Config) { c.Auth = []string{"Bearer " + secret} }, wantErr: `auth #1: want "Header: value"`},
		{name: "empty auth value", mutate: func(c *Config) { c.Auth = []string{"Cookie: s=1", "Authorization: "} }, wantErr: `auth #2: header "Authorization" has an empty value`},
		{name: "bad peer-auth", mutate: func(c *Config) { c.PeerAuth = []string{"X Y: " + secret} }, wantErr: "peer-auth #1: the header name is not a valid"},
		{name: "empty suppress", mutate: func(c *Config) { c.Suppress = []string{" "} }, wantErr: "suppress #1: empty"},
		{name: "unknown format", mutate: func(c *Config) { c.Outputs = []Output{{"pdf", "a.pdf"}} }, wantErr: `format: unknown report format "pdf"`},
		{name: "two on stdout", mutate: func(c *Config) { c.Outputs = []Output{{"json", "-"}, {"sarif", ""}} }, wantErr: "format: only one report can go to stdout (got json and sarif)"},
		{name: "same file twice", mutate: func(c *Config) { c.Outputs = []Output{{"json", "a"}, {"sarif", "a"}} }, wantErr: `output: "a" is written twice`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := valid()
			tc.mutate(&c)
			err := c.Validate()
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate() = %v; want nil", err)
				}
				return
			}
			checkErr(t, err, tc.wantErr)
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error %q repeats a credential", err)
			}
		})
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	c := Default() // no target
	c.Mode = "loud"
	c.Concurrency = 0
	err := c.Validate()
	var p Problems
	if !errors.As(err, &p) {
		t.Fatalf("Validate() = %T %v; want Problems", err, err)
	}
	if len(p) != 3 {
		t.Errorf("got %d problems (%v); want 3", len(p), err)
	}
	for _, e := range p {
		if !errors.Is(e, ErrInvalid) {
			t.Errorf("problem %q does not wrap ErrInvalid", e)
		}
	}
	checkErr(t, err, "; mode: \"loud\" is not one of safe, active; concurrency: 0")
}

func TestValidateNilWhenValid(t *testing.T) {
	c := valid()
	// A typed nil Problems in an error would be != nil: guard that.
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate() = %#v; want untyped nil", err)
	}
}
