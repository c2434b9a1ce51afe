package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/authgate/authgate/finding"
)

// discoveryFixture is the fixture with what discovery tried and found;
// the second path carries Markdown a hostile answer could have linked.
func discoveryFixture(found ...finding.DiscoveredEndpoint) *Report {
	r := fixture()
	if r.Coverage == nil {
		r.Coverage = &finding.Coverage{}
	}
	r.Coverage.Discovery = &finding.DiscoveryCoverage{Tried: 17, Found: found}
	return r
}

// TestDiscoveryRendered: every human format says what was tried and
// names each endpoint found, escaped; JSON keeps the whole section, with
// [] for nothing found.
func TestDiscoveryRendered(t *testing.T) {
	debug := finding.DiscoveredEndpoint{Path: "/users/v1/_debug", Status: 200, Source: "listed collection GET /users/v1"}
	hostile := finding.DiscoveredEndpoint{Path: "/x_[click](http://evil)_", Status: 200, Source: "link in GET /books/v1"}
	r := discoveryFixture(debug, hostile)
	tests := []struct {
		format string
		want   []string
		never  []string
	}{
		{"text", []string{"Discovery:  tried 17 paths the description does not list, 2 answered",
			"found GET /users/v1/_debug (200, listed collection GET /users/v1)"}, nil},
		{"markdown", []string{"**Discovery:** tried 17 paths the description does not list, 2 answered:",
			"- <code>GET /users/v1/&#95;debug</code> (200, listed collection GET /users/v1)"}, []string{"[click](http://evil)"}},
	}
	for _, tc := range tests {
		t.Run(tc.format, func(t *testing.T) {
			var b bytes.Buffer
			if err := Write(&b, tc.format, r, Options{}); err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("%s report lacks %q:\n%s", tc.format, w, b.String())
				}
			}
			for _, n := range tc.never {
				if strings.Contains(b.String(), n) {
					t.Errorf("%s report shows %q unescaped", tc.format, n)
				}
			}
		})
	}
	for _, empty := range []bool{false, true} {
		rr := r
		if empty {
			rr = discoveryFixture()
		}
		var b bytes.Buffer
		if err := Write(&b, "json", rr, Options{}); err != nil {
			t.Fatal(err)
		}
		var got struct {
			Coverage struct {
				Discovery *struct {
					Tried int               `json:"tried"`
					Found []json.RawMessage `json:"found"`
				} `json:"discovery"`
			} `json:"coverage"`
		}
		if err := json.Unmarshal(b.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		d := got.Coverage.Discovery
		if d == nil || d.Tried != 17 || d.Found == nil || (!empty && len(d.Found) != 2) {
			t.Errorf("json coverage.discovery = %+v (empty %v)", d, empty)
		}
	}
}
