package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/authgate/authgate/finding"
)

// TestDiscoveryScriptsRendered: the scripts discovery read for routes are
// named in the human formats and kept in JSON; without scripts nothing is
// said of them.
func TestDiscoveryScriptsRendered(t *testing.T) {
	mem := finding.DiscoveredEndpoint{Path: "/rest/memories", Status: 200, Source: "script /main.js"}
	for _, scripts := range [][]string{{"/main.js"}, nil} {
		r := discoveryFixture(mem)
		r.Coverage.Discovery.Scripts = scripts
		for _, format := range []string{"text", "markdown"} {
			var b bytes.Buffer
			if err := Write(&b, format, r, Options{}); err != nil {
				t.Fatal(err)
			}
			said := strings.Contains(b.String(), "tried 17 paths the description does not list, 1 answered; API routes read in /main.js")
			if said != (scripts != nil) {
				t.Errorf("%s report with scripts %q:\n%s", format, scripts, b.String())
			}
			if !strings.Contains(b.String(), "GET /rest/memories (200, script /main.js)") && !strings.Contains(b.String(), "<code>GET /rest/memories</code> (200, script /main.js)") {
				t.Errorf("%s report does not name the endpoint and its script:\n%s", format, b.String())
			}
		}
		var b bytes.Buffer
		if err := Write(&b, "json", r, Options{}); err != nil {
			t.Fatal(err)
		}
		var got struct {
			Coverage struct {
				Discovery map[string]json.RawMessage `json:"discovery"`
			} `json:"coverage"`
		}
		if err := json.Unmarshal(b.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		raw, ok := got.Coverage.Discovery["scripts"]
		var list []string
		if ok && json.Unmarshal(raw, &list) != nil {
			t.Fatalf("scripts = %s", raw)
		}
		if (scripts != nil) != ok || ok && (len(list) != 1 || list[0] != "/main.js") {
			t.Errorf("json coverage.discovery.scripts = %s (present %v); want %q", raw, ok, scripts)
		}
	}
}
