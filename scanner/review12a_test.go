package scanner_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
)

// Reviewer A, issue 12: discovery of unlisted endpoints (precision and
// recall of what it claims to find). Loopback servers only.

// review12aSpec lists one public collection; everything else the server
// answers is unlisted.
const review12aSpec = `{"openapi":"3.0.3","info":{"title":"r12a","version":"1"},
"paths":{"/api/items":{"get":{"operationId":"items","security":[],"responses":{"200":{"description":"ok"}}}}}}`

// review12aServer serves the spec, the listed collection, and extra (path →
// content type and body, which may replace the collection's answer) with
// 200; the rest is a JSON 404. It counts the
// requests per "METHOD path".
type review12aServer struct {
	extra map[string][2]string
	mu    sync.Mutex
	hits  map[string]int
}

func (s *review12aServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.hits[r.Method+" "+r.URL.Path]++
	s.mu.Unlock()
	if e, ok := s.extra[r.URL.Path]; ok && r.Method == http.MethodGet {
		w.Header().Set("Content-Type", e[0])
		fmt.Fprint(w, e[1])
		return
	}
	switch {
	case r.URL.Path == "/openapi.json":
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, review12aSpec)
	case r.URL.Path == "/api/items":
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"items":[{"name":"chair","price":30},{"name":"table","price":120}]}`)
	default:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"error":"not found"}`)
	}
}

func startReview12a(t *testing.T, extra map[string][2]string) (*review12aServer, *httptest.Server) {
	t.Helper()
	s := &review12aServer{extra: extra, hits: map[string]int{}}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, srv
}

// TestReview12ADiscoveryEnvDumpsJudged pins a recall defect between
// discovery and its judge. Discovery sends GET /env ("apps that dump
// process.env / os.environ") and GET /actuator/env ("properties, unmasked
// in old versions") precisely because their answers hold the deployment's
// secrets (docs/discovery.md), but credentials-in-response
// (scanner/rules/misconfig.go secretsIn) only knows the exact JSON keys
// password/secret/api_key…: an environment dump's keys are DB_PASSWORD,
// JWT_SECRET, STRIPE_SECRET_KEY, and Spring Boot's /actuator/env puts the
// value under "value" below the property name. Such an answer is found
// (coverage lists it) and then judged clean: a pass that was not earned.
// Expected: each of these unlisted answers is a credentials-in-response
// finding on its path.
func TestReview12ADiscoveryEnvDumpsJudged(t *testing.T) {
	cases := []struct{ name, path, body string }{
		{"node process.env as JSON", "/env",
			`{"NODE_ENV":"production","PORT":"3000","DB_PASSWORD":"hunter2-prod-db","JWT_SECRET":"kJ8s0d9f8g7h6j5k4l3"}`},
		{"spring boot 2 actuator env, unmasked", "/actuator/env",
			`{"activeProfiles":["prod"],"propertySources":[{"name":"applicationConfig: [classpath:/application.properties]",` +
				`"properties":{"spring.datasource.url":{"value":"jdbc:postgresql://db/shop"},"spring.datasource.password":{"value":"hunter2-prod-db"}}}]}`},
		{"spring boot 1 actuator env, unmasked", "/actuator/env",
			`{"profiles":["prod"],"applicationConfig: [classpath:/application.properties]":{"spring.datasource.url":"jdbc:postgresql://db/shop","spring.datasource.password":"hunter2-prod-db"}}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, srv := startReview12a(t, map[string][2]string{c.path: {"application/json", c.body}})
			res := discoveryScan(t, srv.URL, 2, 0)
			if cov := res.Coverage.Discovery; cov == nil || !slices.Contains(foundPaths(cov), c.path) {
				t.Fatalf("coverage.discovery = %+v; want %s found", cov, c.path)
			}
			var on []string
			for _, f := range ruleFindings(res, "credentials-in-response") {
				on = append(on, f.Path)
			}
			if !slices.Contains(on, c.path) {
				t.Errorf("GET %s (found by discovery) leaks a database password but credentials-in-response reported nothing on it (findings on %q)", c.path, on)
			}
		})
	}
}

// TestReview12ADiscoveryPublicByDesign pins precision (it passes today; no
// test covered it): endpoints public by design that discovery asks for —
// a health check, Prometheus metrics, Spring's actuator index, Go's
// default expvar, a front end's config with publishable keys — are found
// (coverage may list them) but are no finding of any rule.
func TestReview12ADiscoveryPublicByDesign(t *testing.T) {
	extra := map[string][2]string{
		"/metrics": {"text/plain; version=0.0.4", "# HELP go_goroutines Number of goroutines that currently exist.\n# TYPE go_goroutines gauge\n" +
			"go_goroutines 8\n# HELP http_requests_total Requests.\n# TYPE http_requests_total counter\nhttp_requests_total{code=\"200\",path=\"/api/items\"} 1027\n" +
			"process_start_time_seconds 1.7e+09\n"},
		"/actuator":   {"application/vnd.spring-boot.actuator.v3+json", `{"_links":{"self":{"href":"/actuator","templated":false},"health":{"href":"/actuator/health","templated":false}}}`},
		"/debug/vars": {"application/json", `{"cmdline":["/app/server","-addr=:8080"],"memstats":{"Alloc":1234567,"TotalAlloc":7654321,"Sys":9999999,"NumGC":12}}`},
		"/config.json": {"application/json", `{"apiBase":"/api","firebase":{"apiKey":"AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY","authDomain":"shop.firebaseapp.com","projectId":"shop"},` +
			`"stripe":{"publishableKey":"pk_live_51H8abcdefghijklmnop"},"features":{"darkMode":true}}`},
	}
	_, srv := startReview12a(t, extra)
	res := discoveryScan(t, srv.URL, 2, 0)
	for _, f := range res.Findings {
		if _, unlisted := extra[f.Path]; unlisted {
			t.Errorf("%s on GET %s, public by design: %s", f.Rule, f.Path, f.Evidence.Summary)
		}
	}
}

// TestReview12ADotenvDatabaseURL pins a secrecy and a recall defect of the
// dotenv judge that discovery's /.env relies on (scanner/rules/dotenv.go
// envSecretKey, and newFinding in scanner/rules/misconfig.go, which hides
// only the values the judge named). The most common secret of a dotenv
// file — Prisma's, Rails', Heroku's — is a connection URL with the
// password inside (DATABASE_URL=postgresql://user:password@host/db): it is
// no finding alone, and when another line (JWT_SECRET) makes the file a
// finding, the evidence posted to the PR comment shows the database
// password in clear. Expected: a served .env holding a credentialed URL is
// a credentials-in-response finding, and no report text shows the
// password.
func TestReview12ADotenvDatabaseURL(t *testing.T) {
	const dbPassword = "Sup3rS3cretDbPw"
	url := `DATABASE_URL="postgresql://shop:` + dbPassword + `@db.internal:5432/shop?schema=public"`
	cases := []struct{ name, env string }{
		{"a Prisma .env: the URL alone", "NODE_ENV=production\n" + url + "\n"},
		{"the URL beside a signing key", "NODE_ENV=production\n" + url + "\nJWT_SECRET=kJ8s0d9f8g7h6j5k4l3\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, srv := startReview12a(t, map[string][2]string{"/.env": {"text/plain; charset=utf-8", c.env}})
			res := discoveryScan(t, srv.URL, 2, 0)
			fs := ruleFindings(res, "credentials-in-response")
			if len(fs) != 1 || fs[0].Path != "/.env" {
				t.Errorf("credentials-in-response findings %d; want one on GET /.env, whose DATABASE_URL holds the database password", len(fs))
			}
			all, _ := json.Marshal(res)
			if strings.Contains(string(all), dbPassword) {
				t.Errorf("the result shows the database password %q of the leaked .env in clear", dbPassword)
			}
		})
	}
}

// TestReview12AUnlistedLeakHidesEveryCredential pins a secrecy defect of
// the evidence of credentials-in-response on a discovered endpoint
// (scanner/rules/misconfig.go newFinding hides only the values secretsIn
// named; its secretKey knows password/secret/api_key but not token,
// access_token, session, jwt …). A debug listing that shows each user's
// password and live session token is reported for the passwords, and the
// evidence — posted to the PR comment — shows the administrator's bearer
// token in clear: anyone reading the comment can act as the admin.
// Expected: no report text shows any credential of the leaked answer
// (the token as well as the passwords).
func TestReview12AUnlistedLeakHidesEveryCredential(t *testing.T) {
	const adminToken = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.R3vWm9oZ8q1a2b3c4d5e6f7g8h9i0jKlMnOpQrStUvW"
	debug := `{"users":[{"username":"name1","password":"pass1-secret","auth_token":"` + adminToken + `x1"},` +
		`{"username":"admin","password":"pass2-secret","auth_token":"` + adminToken + `"}]}`
	_, srv := startReview12a(t, map[string][2]string{"/_debug": {"application/json", debug}})
	res := discoveryScan(t, srv.URL, 2, 0)
	if fs := ruleFindings(res, "credentials-in-response"); len(fs) != 1 || fs[0].Path != "/_debug" {
		t.Fatalf("want one credentials-in-response finding on GET /_debug; got %d", len(fs))
	}
	all, _ := json.Marshal(res)
	for _, secret := range []string{"pass1-secret", "pass2-secret", adminToken} {
		if strings.Contains(string(all), secret) {
			t.Errorf("the result shows the leaked credential %.24s… in clear", secret)
		}
	}
}

// TestReview12ADiscoveryStateChangingLinks pins a safety gap of
// discovery's name screen (scanner/discovery.go namedToChange over
// scanner/safety's verbs): docs/discovery.md promises that "a path whose
// name says it changes state" is never sent, yet links an answer names
// to a password change (Juice Shop's GET /rest/user/change-password is
// such a route), an account closure, marking every notification read or
// ending a session are sent (anonymously) as discovery candidates.
// Expected: none of them is requested.
func TestReview12ADiscoveryStateChangingLinks(t *testing.T) {
	links := []string{"/api/account/change-password", "/api/account/close", "/api/notifications/mark-all-read", "/api/session/end"}
	body := `{"items":[{"name":"chair","price":30,"links":{`
	for i, l := range links {
		body += fmt.Sprintf(`"l%d":%q,`, i, l)
	}
	body = strings.TrimSuffix(body, ",") + `}}]}`
	srv, ts := startReview12a(t, map[string][2]string{"/api/items": {"application/json", body}})
	res := discoveryScan(t, ts.URL, 2, 0)
	if res.Coverage.Discovery == nil {
		t.Fatal("no coverage.discovery")
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	for _, l := range links {
		if n := srv.hits["GET "+l]; n != 0 {
			t.Errorf("discovery sent GET %s (%d times), a path whose name says it changes state", l, n)
		}
	}
}
