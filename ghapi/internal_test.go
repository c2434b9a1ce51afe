package ghapi

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestServerWait(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	tests := []struct {
		name   string
		header map[string]string
		want   time.Duration
		wantOK bool
	}{
		{"none", nil, 0, false},
		{"retry-after seconds", map[string]string{"Retry-After": "7"}, 7 * time.Second, true},
		{"retry-after date", map[string]string{"Retry-After": now.Add(90 * time.Second).UTC().Format(http.TimeFormat)}, 90 * time.Second, true},
		{"budget spent", map[string]string{"X-Ratelimit-Remaining": "0", "X-Ratelimit-Reset": strconv.FormatInt(now.Unix()+30, 10)}, 30 * time.Second, true},
		{"budget left", map[string]string{"X-Ratelimit-Remaining": "12", "X-Ratelimit-Reset": strconv.FormatInt(now.Unix()+30, 10)}, 0, false},
		{"garbage", map[string]string{"Retry-After": "soon"}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := &http.Response{Header: http.Header{}}
			for k, v := range tt.header {
				resp.Header.Set(k, v)
			}
			got, ok := serverWait(resp, now)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("serverWait = %v, %v; want %v, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestBackoffIsCapped(t *testing.T) {
	c := &Client{retryMax: 4}
	long := &http.Response{Header: http.Header{"Retry-After": []string{"3600"}}}
	tests := []struct {
		name    string
		attempt int
		resp    *http.Response
		want    time.Duration
	}{
		{"first step", 0, nil, time.Second},
		{"doubles", 2, nil, 4 * time.Second},
		{"exponential capped", 10, nil, time.Minute},
		{"server wait capped", 0, long, time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.backoff(time.Second, time.Minute, tt.attempt, tt.resp); got != tt.want {
				t.Errorf("backoff = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestTruncateLines(t *testing.T) {
	rows := strings.Repeat("aaaa\n", 20)
	tests := []struct {
		name  string
		in    string
		limit int
		want  string
	}{
		{"fits", "a\nb\n", 4, "a\nb\n"},
		{"cut on line", strings.Repeat("aaaa\n", 10), 40, "aaaa\naaaa\naaaa\n\n… 7 more lines\n"},
		{"single line", strings.Repeat("é", 20), 22, "\n… 1 more line\n"},
		{"open details closed before notice", "<details><summary>s</summary>\n\n" + rows + "</details>\n", 70,
			"<details><summary>s</summary>\n\naaaa\n</details>\n\n… 20 more lines\n"},
		{"nested details all closed", "<details>\n<DETAILS open>\n" + rows + "</details>\n</details>\n", 70,
			"<details>\n<DETAILS open>\n</details>\n</details>\n\n… 22 more lines\n"},
		{"closed details not closed again", "<details>x</details>\n" + rows, 70,
			"<details>x</details>\n" + strings.Repeat("aaaa\n", 5) + "\n… 15 more lines\n"},
		{"details inside a code fence ignored", "```\n<details>\n" + rows, 70,
			"```\n<details>\n" + strings.Repeat("aaaa\n", 6) + "```\n\n… 14 more lines\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := truncateLines(tt.in, tt.limit)
			if got != tt.want {
				t.Errorf("truncateLines = %q, want %q", got, tt.want)
			}
			if len(got) > tt.limit || !utf8.ValidString(got) {
				t.Errorf("result of %d bytes exceeds %d or splits a rune", len(got), tt.limit)
			}
		})
	}
	for limit := range 80 { // tiny limits must neither panic nor overflow
		for _, in := range []string{strings.Repeat("日本\n", 10), strings.Repeat("<details>\n", 10)} {
			s := truncateLines(in, limit)
			if len(s) > limit || !utf8.ValidString(s) {
				t.Fatalf("limit %d: %q", limit, s)
			}
		}
	}
}

func TestParseBaseURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "https://api.github.com/"},
		{"https://ghes.example.com/api/v3", "https://ghes.example.com/api/v3/"},
		{"https://api.acme.ghe.com/", "https://api.acme.ghe.com/"},
	}
	for _, tt := range tests {
		got, err := parseBaseURL(tt.in)
		if err != nil || got.String() != tt.want {
			t.Errorf("parseBaseURL(%q) = %v, %v; want %s", tt.in, got, err, tt.want)
		}
	}
}
