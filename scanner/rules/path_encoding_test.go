package rules_test

import (
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/authgate/authgate/finding"
)

// peSpec is a Juice Shop-style basket read by id, a file read by a name
// whose example holds a slash, a space and a non-ASCII letter (GitLab's
// "group/project"), and a route whose own text is not ASCII.
const peSpec = `openapi: 3.0.3
info: {title: paths, version: "1"}
components:
  securitySchemes:
    bearerAuth: {type: http, scheme: bearer}
security:
  - bearerAuth: []
paths:
  /rest/basket/{id}:
    get:
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}, example: "1"}
      responses: {"200": {description: ok}}
  /files/{name}:
    get:
      parameters:
        - {name: name, in: path, required: true, schema: {type: string}, example: "team/1 é"}
      responses: {"200": {description: ok}}
  /café/{name}:
    get:
      parameters:
        - {name: name, in: path, required: true, schema: {type: string}, example: "team/1 é"}
      responses: {"200": {description: ok}}
`

// received is what the server saw of one request.
type received struct{ path, raw, uri, value string }

// pathRecorder is an API that records every request's decoded path, its
// raw form and the parameter its router matched, and answers a basket id
// with a quote the way Juice Shop does: a 500 quoting its SQLite error.
type pathRecorder struct {
	mu  sync.Mutex
	got []received
	mux *http.ServeMux
}

func newPathRecorder() *pathRecorder {
	p := &pathRecorder{mux: http.NewServeMux()}
	serve := func(param string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			v := r.PathValue(param)
			p.mu.Lock()
			p.got = append(p.got, received{r.URL.Path, r.URL.RawPath, r.RequestURI, v})
			p.mu.Unlock()
			if r.Header.Get("Authorization") != "Bearer "+aliceToken {
				unauthorized(w)
				return
			}
			if strings.ContainsAny(v, `'"`) {
				writeJSON(w, http.StatusInternalServerError, map[string]string{
					"error": "SQLITE_ERROR: unrecognized token: \"'" + v + "\" in SELECT * FROM Baskets WHERE id = '" + v + "'"})
				return
			}
			writeJSON(w, http.StatusOK, map[string]string{"id": v, "owner": "1001"})
		}
	}
	p.mux.HandleFunc("/rest/basket/{id}", serve("id"))
	p.mux.HandleFunc("/files/{name}", serve("name"))
	p.mux.HandleFunc("/café/{name}", serve("name"))
	p.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.got = append(p.got, received{r.URL.Path, r.URL.RawPath, r.RequestURI, ""})
		p.mu.Unlock()
		notFound(w)
	})
	return p
}

func (p *pathRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) { p.mux.ServeHTTP(w, r) }

// requests returns what the server received, in a copy.
func (p *pathRecorder) requests() []received {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.got)
}

// TestPathParametersReachTheServer runs a whole safe scan and checks, on
// the server's side, that every value put in a path parameter arrives as
// its own characters in one segment: the error probe's quotes and angle
// brackets, a space, a non-ASCII letter, a slash (escaped %2F, so the
// router sees one segment), never escaped twice (%25). The finding's
// evidence and curl command name the bytes that were sent.
func TestPathParametersReachTheServer(t *testing.T) {
	const probe = `authgate'"<>{}\`
	const probeOnWire = `authgate%27%22%3C%3E%7B%7D%5C`
	api := newPathRecorder()
	fs := scan(t, api, scanOpts{spec: peSpec, auth: aliceToken})
	got := api.requests()

	for _, r := range got {
		if strings.Contains(r.uri, "%25") {
			t.Errorf("%s was escaped twice on the wire (decoded path %q)", r.uri, r.path)
		}
	}
	for _, want := range []received{
		{path: "/rest/basket/" + probe, uri: "/rest/basket/" + probeOnWire, value: probe},
		{path: "/rest/basket/ ", uri: "/rest/basket/%20", value: " "},
		{path: "/files/team/1 é", uri: "/files/team%2F1%20%C3%A9", value: "team/1 é"},
		{path: "/files/" + probe, uri: "/files/" + probeOnWire, value: probe},
		{path: "/café/team/1 é", uri: "/caf%C3%A9/team%2F1%20%C3%A9", value: "team/1 é"},
	} {
		if !slices.ContainsFunc(got, func(r received) bool {
			return r.path == want.path && r.uri == want.uri && r.value == want.value
		}) {
			t.Errorf("the server never received %q as path %q with parameter %q; it got:\n%s", want.uri, want.path, want.value, showReceived(got))
		}
	}

	var leak *finding.Finding
	for i := range fs {
		if fs[i].Rule == "verbose-error-disclosure" && fs[i].Path == "/rest/basket/{id}" {
			leak = &fs[i]
		}
	}
	if leak == nil {
		t.Fatalf("the quote probe's SQLite error was not reported; findings:%s", list(fs))
	}
	ex := leak.Evidence.Exchanges[0]
	if !strings.HasSuffix(ex.URL, "/rest/basket/"+probeOnWire) {
		t.Errorf("evidence URL %s, want the bytes sent (…/rest/basket/%s)", ex.URL, probeOnWire)
	}
	if !strings.Contains(leak.Reproduce[0], "/rest/basket/"+probeOnWire+"'") {
		t.Errorf("reproduce %s does not send the bytes the scan sent", leak.Reproduce[0])
	}
}

func showReceived(rs []received) string {
	var b strings.Builder
	for _, r := range rs {
		// The long probe's 2,100 letters say nothing here.
		b.WriteString("  " + clipText(r.uri) + "  path=" + clipText(r.path) + "  value=" + clipText(r.value) + "\n")
	}
	return b.String()
}

func clipText(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}
