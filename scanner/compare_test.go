package scanner

import (
	"net/http"
	"strings"
	"testing"
)

func resp(status int, ct, body string, hdr ...string) *Response {
	h := http.Header{}
	if ct != "" {
		h.Set("Content-Type", ct)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		h.Set(hdr[i], hdr[i+1])
	}
	return &Response{Status: status, Header: h, Body: []byte(body), Request: &Request{Method: "GET"}}
}

func TestRefusal(t *testing.T) {
	tests := []struct {
		name    string
		r       *Response
		refused bool
	}{
		{"200 record", resp(200, "application/json", `{"id":1,"email":"a@example.com"}`), false},
		{"401", resp(401, "application/json", `{}`), true},
		{"403", resp(403, "", ""), true},
		{"404", resp(404, "", "nope"), true},
		{"429 is the scanner's own throttling", resp(429, "", ""), true},
		{"redirect to login", resp(302, "", "", "Location", "/login?next=/user"), true},
		{"500", resp(500, "", "boom"), true},
		{"denial in 200", resp(200, "application/json", `{"error":"Unauthorized"}`), true},
		{"success false", resp(200, "application/json", `{"success":false,"data":null}`), true},
		{"login form", resp(200, "text/html", `<html><form action=/login><input type="password" name=p></form>`), true},
		{"empty 200", resp(200, "", "  "), true},
		{"record mentioning not found in a field", resp(200, "application/json", `{"title":"Not found: a novel","author":"x"}`), false},
		{"long page with words", resp(200, "text/html", "<p>"+strings.Repeat("unauthorized access is forbidden. ", 40)+"</p>"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Refusal(tt.r); (got != "") != tt.refused {
				t.Fatalf("Refusal = %q, want refused=%v", got, tt.refused)
			}
		})
	}
}

func TestSimilarity(t *testing.T) {
	tests := []struct {
		name     string
		a, b     string
		min, max float64
	}{
		{"identical", `{"a":1}`, `{"a":1}`, 1, 1},
		{"key order and spaces", `{"a":1,"b":"x"}`, "{ \"b\": \"x\",\n \"a\": 1 }", 1, 1},
		{"volatile timestamp", `{"id":7,"name":"n","time":"2024-01-01T00:00:00Z"}`, `{"id":7,"name":"n","time":"2025-06-01T10:11:12Z"}`, 1, 1},
		{"request id", `{"id":7,"request_id":"abc"}`, `{"id":7,"request_id":"def"}`, 1, 1},
		{"different records", `{"id":1,"email":"a@x.io","name":"Ann"}`, `{"id":2,"email":"b@x.io","name":"Bob"}`, 0, 0.2},
		{"html same page", "<html><body>Welcome home</body></html>", "<html><body>Welcome  home</body></html>", 1, 1},
		{"html different", "<h1>Orders</h1>", "<h1>Login</h1>", 0, 0.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Similarity([]byte(tt.a), []byte(tt.b))
			if got < tt.min || got > tt.max {
				t.Fatalf("Similarity = %.2f, want in [%.2f, %.2f]", got, tt.min, tt.max)
			}
		})
	}
}

func TestPersonalRecord(t *testing.T) {
	tests := []struct {
		name  string
		body  string
		ok    bool
		ident int
	}{
		{"user record", `{"user_id":"1001","name":"Alice","email":"alice@example.com"}`, true, 2},
		{"nested", `{"data":{"user":{"id":3,"email":"c@example.com"}}}`, true, 2},
		{"shop: address and phone identify no person", `{"id":12,"address":"1 Main St","phone":"+1 555"}`, false, 0},
		{"email value under another key", `{"contact":"bob@example.org"}`, true, 1},
		{"product", `{"id":1,"name":"Widget","price":3.5}`, false, 0},
		{"not json", `hello`, false, 0},
		{"empty email", `{"email":""}`, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, ok := PersonalRecord([]byte(tt.body))
			if ok != tt.ok || len(rec.Identifiers) != tt.ident {
				t.Fatalf("PersonalRecord = %+v, %v; want ok=%v with %d identifiers", rec, ok, tt.ok, tt.ident)
			}
		})
	}
}

func TestFingerprintMatchesSoft404(t *testing.T) {
	spa := resp(200, "text/html; charset=utf-8", `<html><div id="root"></div><script src="/app.js"></script></html>`)
	fp := FingerprintOf(spa)
	if !fp.Matches(resp(200, "text/html", `<html><div id="root"></div><script src="/app.js"></script></html>`)) {
		t.Error("the same SPA shell should match")
	}
	if fp.Matches(resp(200, "application/json", `{"id":1}`)) {
		t.Error("a JSON record must not match an HTML fallback")
	}
}

func TestHasContent(t *testing.T) {
	for body, want := range map[string]bool{
		`{}`: false, `[]`: false, `null`: false, `{"user":null}`: false, `{"items":[]}`: false,
		`{"id":1}`: true, `text`: true,
	} {
		if got := HasContent([]byte(body)); got != want {
			t.Errorf("HasContent(%s) = %v, want %v", body, got, want)
		}
	}
}

func TestRedactor(t *testing.T) {
	id := NewIdentity("primary", []Header{
		{Name: "authorization", Value: "Bearer tok-ABCDEF123"},
		{Name: "Cookie", Value: "session=sess-999888; theme=dark"},
	})
	r := NewRedactor(id)
	in := "echo: Bearer tok-ABCDEF123 and tok-ABCDEF123 and session=sess-999888"
	out := r.Redact(in)
	for _, secret := range []string{"tok-ABCDEF123", "sess-999888"} {
		if strings.Contains(out, secret) {
			t.Fatalf("%q still contains %q", out, secret)
		}
	}
	if got := redactHeaderValue("Authorization", "Bearer abc.def"); got != "Bearer [REDACTED]" {
		t.Errorf("redactHeaderValue = %q", got)
	}
	if got := redactHeaderValue("Set-Cookie", "sid=123; Path=/; HttpOnly"); got != "sid=[REDACTED]; Path=/; HttpOnly" {
		t.Errorf("redactHeaderValue(Set-Cookie) = %q", got)
	}
}
