package config

import (
	"errors"
	"strings"
	"testing"
)

func TestParseHeader(t *testing.T) {
	const secret = "s3cr3t-t0ken"
	tests := []struct {
		name      string
		in        string
		wantName  string
		wantValue string
		wantErr   string // substring; "" for success
	}{
		{name: "bearer", in: "Authorization: Bearer " + secret, wantName: "Authorization", wantValue: "Bearer " + secret},
		{name: "cookie with colons and equals", in: "Cookie: session=a:b=c", wantName: "Cookie", wantValue: "session=a:b=c"},
		{name: "no space after colon", in: "X-Api-Key:" + secret, wantName: "X-Api-Key", wantValue: secret},
		{name: "surrounding spaces trimmed", in: "  X-Key :  v  ", wantName: "X-Key", wantValue: "v"},
		{name: "tab inside value kept", in: "X-K: a\tb", wantName: "X-K", wantValue: "a\tb"},
		{name: "no colon", in: "Bearer " + secret, wantErr: "no colon"},
		{name: "empty", in: "", wantErr: "no colon"},
		{name: "empty name", in: ": " + secret, wantErr: "name is empty"},
		{name: "space in name", in: "Token " + secret + ": x", wantErr: "not a valid HTTP header name"},
		{name: "empty value", in: "Authorization:   ", wantErr: `header "Authorization" has an empty value`},
		{name: "CRLF injection", in: "X-K: a\r\nX-Evil: " + secret, wantErr: "control character"},
		{name: "NUL", in: "X-K: a\x00" + secret, wantErr: "control character"},
		{name: "DEL", in: "X-K: a\x7f", wantErr: "control character"},
		{name: "non-ASCII name", in: "Authorizatión: " + secret, wantErr: "not a valid HTTP header name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			name, value, err := ParseHeader(tc.in)
			if tc.wantErr != "" {
				if err == nil {
					t.Fatalf("ParseHeader(%q) = %q, %q; want an error", tc.in, name, value)
				}
				checkErr(t, err, tc.wantErr)
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q repeats the credential", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseHeader(%q): %v", tc.in, err)
			}
			if name != tc.wantName || value != tc.wantValue {
				t.Errorf("ParseHeader(%q) = %q, %q; want %q, %q", tc.in, name, value, tc.wantName, tc.wantValue)
			}
		})
	}
}

func TestParseEndpoint(t *testing.T) {
	tests := []struct {
		name       string
		in         string
		wantMethod string
		wantPath   string
		wantErr    string
	}{
		{name: "get with query", in: "GET /user?user_id=1", wantMethod: "GET", wantPath: "/user?user_id=1"},
		{name: "lower-case method", in: "delete /orders/7", wantMethod: "DELETE", wantPath: "/orders/7"},
		{name: "template", in: "PATCH /orders/{orderId}", wantMethod: "PATCH", wantPath: "/orders/{orderId}"},
		{name: "extra spaces", in: "  HEAD   /  ", wantMethod: "HEAD", wantPath: "/"},
		{name: "unknown method", in: "FETCH /x", wantErr: `unknown HTTP method "FETCH"`},
		{name: "connect refused", in: "CONNECT /x", wantErr: "unknown HTTP method"},
		{name: "no path", in: "GET", wantErr: "got 1 words"},
		{name: "empty", in: "", wantErr: "got 0 words"},
		{name: "space in path", in: "GET /a b", wantErr: "got 3 words"},
		{name: "full URL", in: "GET https://x.example/a", wantErr: `must start with a single "/"`},
		{name: "scheme-relative", in: "GET //evil.example/a", wantErr: `must start with a single "/"`},
		{name: "relative path", in: "GET users", wantErr: `must start with a single "/"`},
		{name: "fragment", in: "GET /a#b", wantErr: "fragment"},
		{name: "control character", in: "GET /a\x7f", wantErr: "not a valid request path"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, p, err := ParseEndpoint(tc.in)
			if tc.wantErr != "" {
				if err == nil {
					t.Fatalf("ParseEndpoint(%q) = %q, %q; want an error", tc.in, m, p)
				}
				checkErr(t, err, tc.wantErr)
				return
			}
			if err != nil {
				t.Fatalf("ParseEndpoint(%q): %v", tc.in, err)
			}
			if m != tc.wantMethod || p != tc.wantPath {
				t.Errorf("ParseEndpoint(%q) = %q, %q; want %q, %q", tc.in, m, p, tc.wantMethod, tc.wantPath)
			}
		})
	}
}

func TestParseEndpointDoesNotQuoteQuery(t *testing.T) {
	_, _, err := ParseEndpoint("GET /a?api_key=SECRET#x")
	if err == nil || strings.Contains(err.Error(), "SECRET") {
		t.Errorf("ParseEndpoint error = %v; want an error without the query", err)
	}
}

func TestParseShard(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    Shard
		wantErr string
	}{
		{name: "two of four", in: "2/4", want: Shard{2, 4}},
		{name: "one of one", in: "1/1", want: Shard{1, 1}},
		{name: "last", in: " 4/4 ", want: Shard{4, 4}},
		{name: "zero index", in: "0/4", wantErr: "between 1 and 4, got 0"},
		{name: "index above count", in: "5/4", wantErr: "between 1 and 4, got 5"},
		{name: "zero count", in: "0/0", wantErr: "at least 1"},
		{name: "negative", in: "-1/4", wantErr: "between 1 and 4"},
		{name: "no slash", in: "2", wantErr: `want "I/N"`},
		{name: "words", in: "a/b", wantErr: "whole numbers"},
		{name: "overflow", in: "1/99999999999999999999999", wantErr: "whole numbers"},
		{name: "empty", in: "", wantErr: `want "I/N"`},
		{name: "two slashes", in: "1/2/3", wantErr: "whole numbers"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseShard(tc.in)
			if tc.wantErr != "" {
				if err == nil {
					t.Fatalf("ParseShard(%q) = %v; want an error", tc.in, got)
				}
				checkErr(t, err, tc.wantErr)
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("ParseShard(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			}
			if got.String() != strings.TrimSpace(tc.in) {
				t.Errorf("Shard.String() = %q; want %q", got.String(), strings.TrimSpace(tc.in))
			}
		})
	}
}

func TestParseOutput(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		def     string
		want    Output
		wantErr string
	}{
		{name: "explicit format", in: "json=out.json", want: Output{"json", "out.json"}},
		{name: "explicit beats extension", in: "sarif=out.json", want: Output{"sarif", "out.json"}},
		{name: "explicit upper-case", in: "JSON=r", want: Output{"json", "r"}},
		{name: "json extension", in: "authgate.json", want: Output{"json", "authgate.json"}},
		{name: "sarif extension", in: "dir/authgate.sarif", want: Output{"sarif", "dir/authgate.sarif"}},
		{name: "sarif.json", in: "results.sarif.json", want: Output{"sarif", "results.sarif.json"}},
		{name: "md", in: "summary.md", want: Output{"markdown", "summary.md"}},
		{name: "markdown upper", in: "SUMMARY.MARKDOWN", want: Output{"markdown", "SUMMARY.MARKDOWN"}},
		{name: "xml is junit", in: "junit.xml", want: Output{"junit", "junit.xml"}},
		{name: "txt", in: "r.txt", want: Output{"text", "r.txt"}},
		{name: "stdout", in: "-", want: Output{"text", "-"}},
		{name: "stdout with default", in: "-", def: "json", want: Output{"json", "-"}},
		{name: "stdout explicit", in: "sarif=-", want: Output{"sarif", "-"}},
		{name: "default for unknown extension", in: "report", def: "json", want: Output{"json", "report"}},
		{name: "equals in a path", in: "./a=b.json", want: Output{"json", "./a=b.json"}},
		{name: "unknown extension", in: "report.pdf", wantErr: `cannot tell the report format of "report.pdf"`},
		{name: "no extension", in: "report", wantErr: "json=report"},
		{name: "unknown format", in: "pdf=out.pdf", wantErr: `unknown report format "pdf"`},
		{name: "typo format", in: "jsn=out.json", wantErr: `unknown report format "jsn"`},
		{name: "no path", in: "json=", wantErr: `no path after "json="`},
		{name: "empty", in: "", wantErr: "empty output"},
		{name: "bad default", in: "report", def: "yaml", wantErr: `unknown report format "yaml"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseOutput(tc.in, tc.def)
			if tc.wantErr != "" {
				if err == nil {
					t.Fatalf("ParseOutput(%q) = %v; want an error", tc.in, got)
				}
				checkErr(t, err, tc.wantErr)
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("ParseOutput(%q, %q) = %v, %v; want %v", tc.in, tc.def, got, err, tc.want)
			}
		})
	}
}

func TestBuildOutputs(t *testing.T) {
	tests := []struct {
		name             string
		formats, outputs []string
		want             []Output
		wantErr          string
	}{
		{name: "nothing", want: nil},
		{name: "one format", formats: []string{"json"}, want: []Output{{"json", "-"}}},
		{name: "comma-separated", formats: []string{"text, markdown"}, want: []Output{{"text", "-"}, {"markdown", "-"}}},
		{name: "formats then files", formats: []string{"text"}, outputs: []string{"a.sarif", "junit=b"}, want: []Output{{"text", "-"}, {"sarif", "a.sarif"}, {"junit", "b"}}},
		{name: "bad format", formats: []string{"json,yaml"}, wantErr: `format: unknown report format "yaml"`},
		{name: "empty item", formats: []string{"json,"}, wantErr: `format: unknown report format ""`},
		{name: "bad output", outputs: []string{"x.pdf"}, wantErr: "output: cannot tell"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := BuildOutputs(tc.formats, tc.outputs)
			if tc.wantErr != "" {
				checkErr(t, err, tc.wantErr)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("BuildOutputs = %v; want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("BuildOutputs[%d] = %v; want %v", i, got[i], tc.want[i])
				}
			}
		})
	}
}

// checkErr asserts that err wraps ErrInvalid, is one line and contains want.
func checkErr(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error; want one containing %q", want)
	}
	if !errors.Is(err, ErrInvalid) {
		t.Errorf("error %q does not wrap ErrInvalid", err)
	}
	if strings.ContainsAny(err.Error(), "\r\n") {
		t.Errorf("error %q is not one line", err)
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not contain %q", err, want)
	}
}
