package scanner

import (
	"net/url"
	"testing"

	"github.com/authgate/authgate/scanner/openapi"
)

// TestRequestPathOnTheWire: each path value is escaped once, as one
// segment, whatever the route's own text and the description's base path
// hold; the URL decodes back to the values (what the server's router sees).
func TestRequestPathOnTheWire(t *testing.T) {
	tests := []struct {
		name, base, basePath, route string
		value                       string // of the route's one parameter
		wire, decoded               string
	}{
		{"error probe", "http://127.0.0.1:1", "", "/rest/basket/{id}", `authgate'"<>{}\`,
			`/rest/basket/authgate%27%22%3C%3E%7B%7D%5C`, `/rest/basket/authgate'"<>{}\`},
		{"space", "http://127.0.0.1:1", "", "/rest/basket/{id}", " ",
			"/rest/basket/%20", "/rest/basket/ "},
		{"percent sign", "http://127.0.0.1:1", "", "/rest/basket/{id}", "100%",
			"/rest/basket/100%25", "/rest/basket/100%"},
		{"slash in a value", "http://127.0.0.1:1", "", "/files/{name}", "team/1 é",
			"/files/team%2F1%20%C3%A9", "/files/team/1 é"},
		{"non-ASCII route text", "http://127.0.0.1:1", "", "/café/{name}", "team/1",
			"/caf%C3%A9/team%2F1", "/café/team/1"},
		{"Express :name", "http://127.0.0.1:1", "", "/notes/:id.json", "a/b",
			"/notes/a%2Fb.json", "/notes/a/b.json"},
		{"base path with a space", "http://127.0.0.1:1/my%20api", "", "/files/{name}", "a/b",
			"/my%20api/files/a%2Fb", "/my api/files/a/b"},
		{"description's base path", "http://127.0.0.1:1", "/v 1", "/files/{name}", "a/b",
			"/v%201/files/a%2Fb", "/v 1/files/a/b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base, err := url.Parse(tt.base)
			if err != nil {
				t.Fatal(err)
			}
			s := &scan{base: base}
			if tt.basePath != "" {
				s.doc = &openapi.Document{BasePath: tt.basePath}
			}
			op := &openapi.Operation{Method: "GET", Path: tt.route}
			vals := map[string]string{}
			for _, name := range []string{"id", "name"} {
				vals["path:"+name] = tt.value // only the route's own is used
			}
			u := s.target(op).Request(Anonymous, vals).URL
			if got := u.EscapedPath(); got != tt.wire {
				t.Errorf("sent %s, want %s", got, tt.wire)
			}
			// What the server decodes from the bytes sent.
			back, err := url.Parse(u.String())
			if err != nil {
				t.Fatal(err)
			}
			if back.Path != tt.decoded {
				t.Errorf("decodes to %q, want %q", back.Path, tt.decoded)
			}
		})
	}
}
