package rules_test

// Regression tests for the rules' problems found in review: false
// positives, misses, safe mode reaching state-changing GET routes, base
// paths, sharding and hand-added endpoints next to a discovered spec. Each
// test names the problem it guards against.

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authgate/authgate/demo"
	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner"
	"github.com/authgate/authgate/scanner/rules"
)

// bearerSpec is an OpenAPI document whose operations all require a bearer
// token; paths is the JSON of its "paths" object without the braces.
func bearerSpec(paths string) string {
	return `{"openapi":"3.0.3","info":{"title":"regress","version":"1"},
"components":{"securitySchemes":{"b":{"type":"http","scheme":"bearer"}}},"security":[{"b":[]}],
"paths":{` + paths + `}}`
}

// ordersPaths declares a collection and its items with string ids.
const ordersPaths = `"/orders":{"get":{"responses":{"200":{"description":"ok"}}}},
"/orders/{id}":{"get":{"parameters":[{"name":"id","in":"path","required":true,"schema":{"type":"string"}}],"responses":{"200":{"description":"ok"}}}}`

// ordersNoOwnerCheck lists each caller's own order (alice: a-1, bob: b-1)
// and hands order a-1 to any authenticated caller: a BOLA. order builds
// the answer for the caller me ("1001" for alice, "1002" for bob).
func ordersNoOwnerCheck(order func(me string) map[string]any) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders", func(w http.ResponseWriter, r *http.Request) {
		switch caller(r) {
		case "1001":
			writeJSON(w, 200, []map[string]any{{"id": "a-1"}})
		case "1002":
			writeJSON(w, 200, []map[string]any{{"id": "b-1"}})
		default:
			unauthorized(w)
		}
	})
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		me := caller(r)
		if me == "" {
			unauthorized(w)
			return
		}
		if r.PathValue("id") != "a-1" {
			notFound(w)
			return
		}
		writeJSON(w, 200, order(me))
	})
	return mux
}

// aliceOrder is order a-1 as every caller sees it.
func aliceOrder(string) map[string]any {
	return map[string]any{"id": "a-1", "owner": "alice", "item": "teapot", "total": 12.5, "shipping_address": "1 Rabbit Hole"}
}

// failsAtMedium lists the findings of medium severity or above; with
// lowOK, low-confidence ones (shown, never scored) are tolerated.
func failsAtMedium(fs []finding.Finding, lowOK bool) []finding.Finding {
	var out []finding.Finding
	for _, f := range fs {
		if f.Severity >= finding.SeverityMedium && !(lowOK && f.Confidence == finding.ConfidenceLow) {
			out = append(out, f)
		}
	}
	return out
}

// TestRegressFalsePositives holds answers that are not flaws: none may be
// reported at medium severity or above (identical public content declared
// as protected may be, with low confidence only).
func TestRegressFalsePositives(t *testing.T) {
	// Generic "id" collision: alice's order ids 1 and 2 are also product
	// ids, and every logged-in user may read every product.
	catalog := http.NewServeMux()
	catalog.HandleFunc("GET /orders", func(w http.ResponseWriter, r *http.Request) {
		switch caller(r) {
		case "1001":
			writeJSON(w, 200, []map[string]any{{"id": 1, "total": 3}, {"id": 2, "total": 4}})
		case "1002":
			writeJSON(w, 200, []map[string]any{{"id": 3, "total": 9}})
		default:
			unauthorized(w)
		}
	})
	catalog.HandleFunc("GET /products/{id}", func(w http.ResponseWriter, r *http.Request) {
		if caller(r) == "" {
			unauthorized(w)
			return
		}
		id := r.PathValue("id")
		if len(id) > 3 {
			notFound(w)
			return
		}
		writeJSON(w, 200, map[string]any{"id": id, "name": "Teapot " + id, "price": 12.5})
	})
	catalogSpec := bearerSpec(`"/orders":{"get":{"responses":{"200":{"description":"ok"}}}},
"/products/{id}":{"get":{"parameters":[{"name":"id","in":"path","required":true,"schema":{"type":"integer"},"example":10}],"responses":{"200":{"description":"ok"}}}}`)

	// A public directory, declared `security: []`, of doctors.
	doctors := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := strings.TrimPrefix(r.URL.Path, "/doctors/")
		if !strings.HasPrefix(r.URL.Path, "/doctors/") || len(id) > 3 {
			notFound(w)
			return
		}
		writeJSON(w, 200, map[string]any{"id": id, "first_name": "Dr " + id, "last_name": "Who" + id, "phone": "+1 555 01" + id, "address": id + " Clinic Road"})
	})
	doctorsSpec := bearerSpec(`"/doctors/{id}":{"get":{"security":[],"parameters":[{"name":"id","in":"path","required":true,"schema":{"type":"integer"},"example":10}],"responses":{"200":{"description":"ok"}}}}`)

	// A store locator: an address and a phone number are a shop's.
	stores := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := strings.TrimPrefix(r.URL.Path, "/api/stores/")
		if !strings.HasPrefix(r.URL.Path, "/api/stores/") || len(id) > 3 {
			notFound(w)
			return
		}
		writeJSON(w, 200, map[string]any{"id": id, "name": "Store " + id, "address": id + " Main Street", "phone": "+1 555 01" + id, "opening_hours": "9-17"})
	})

	// Public comments paged by page_number: a page, not an object.
	comments := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/comments" {
			notFound(w)
			return
		}
		p := r.URL.Query().Get("page_number")
		if p == "" || len(p) > 3 {
			writeJSON(w, 400, map[string]string{"error": "bad page"})
			return
		}
		writeJSON(w, 200, map[string]any{"page": p, "comments": []map[string]any{{"id": p + "1", "username": "user" + p, "text": "nice"}}})
	})

	// An AWS-style validation error: the type name reveals nothing.
	validation := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/items" {
			notFound(w)
			return
		}
		if r.URL.Query().Get("limit") != "10" {
			w.Header().Set("X-Amzn-ErrorType", "ValidationException")
			writeJSON(w, 400, map[string]string{"__type": "ValidationException", "message": "limit must be between 1 and 100"})
			return
		}
		writeJSON(w, 200, []string{})
	})

	// An empty page with its bookkeeping, for every caller.
	emptyPage := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/orders" {
			notFound(w)
			return
		}
		writeJSON(w, 200, map[string]any{"items": []any{}, "total": 0, "page": 1})
	})

	// A framework that always answers 200 and puts the real status inside.
	envelope := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/profile" {
			notFound(w)
			return
		}
		if caller(r) == "" {
			writeJSON(w, 200, map[string]any{"code": 401, "msg": "Unauthorized", "data": nil})
			return
		}
		writeJSON(w, 200, map[string]any{"code": 0, "msg": "ok", "data": map[string]any{"email": "alice@example.com"}})
	})

	// Public news, the same for everyone, declared as protected.
	news := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/news" {
			notFound(w)
			return
		}
		writeJSON(w, 200, []map[string]any{{"title": "Spring sale", "body": "Teapots half price"}, {"title": "New shop", "body": "Now open in Leeds"}})
	})

	tests := []struct {
		name  string
		api   http.Handler
		opts  scanOpts
		lowOK bool
	}{
		{"generic id collides across resource types", catalog,
			scanOpts{spec: catalogSpec, auth: aliceToken, peer: bobToken}, false},
		{"public directory marked security: [] is enumerated", doctors,
			scanOpts{spec: doctorsSpec}, false},
		{"store locator by --endpoint", stores,
			scanOpts{endpoints: []string{"GET /api/stores/12"}}, false},
		{"pagination parameter page_number", comments,
			scanOpts{endpoints: []string{"GET /api/comments?page_number=1"}}, false},
		{"400 with __type ValidationException", validation,
			scanOpts{endpoints: []string{"GET /api/items?limit=10"}}, false},
		{"empty page to anonymous", emptyPage,
			scanOpts{spec: bearerSpec(`"/orders":{"get":{"responses":{"200":{"description":"ok"}}}}`)}, false},
		{"200 with code 401 in the body", envelope,
			scanOpts{spec: bearerSpec(`"/profile":{"get":{"responses":{"200":{"description":"ok"}}}}`)}, false},
		{"identical public content declared as secured", news,
			scanOpts{spec: bearerSpec(`"/news":{"get":{"responses":{"200":{"description":"ok"}}}}`), auth: aliceToken, peer: bobToken}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := scan(t, tt.api, tt.opts)
			if bad := failsAtMedium(fs, tt.lowOK); len(bad) > 0 {
				t.Errorf("false positive at medium or above:%s", list(bad))
			}
		})
	}
}

// TestRegressMisses holds flaws the rules used to miss.
func TestRegressMisses(t *testing.T) {
	// Anonymous callers read a user's email and phone; logged-in callers
	// get more fields, so the two answers are not alike.
	profiles := http.NewServeMux()
	profiles.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) {
		u := map[string]any{"id": r.PathValue("id"), "email": "carol@example.com", "phone": "+1 555 0103"}
		if caller(r) != "" {
			u["last_login"] = "2024-05-01"
			u["plan"] = "pro"
			u["following"] = false
			u["permissions"] = []string{"read"}
		}
		writeJSON(w, 200, u)
	})
	profilesSpec := bearerSpec(`"/users/{id}":{"get":{"parameters":[{"name":"id","in":"path","required":true,"schema":{"type":"string"},"example":"u-abc"}],"responses":{"200":{"description":"ok"}}}}`)

	// No owner check, but the answer says whether the viewer owns it.
	viewerFlags := ordersNoOwnerCheck(func(me string) map[string]any {
		o := aliceOrder(me)
		o["viewer_is_owner"] = me == "1001"
		o["can_cancel"] = me == "1001"
		return o
	})

	// A 500 whose JSON carries a stack trace with escaped newlines.
	stackTrace := func(body map[string]any) http.Handler {
		mux := http.NewServeMux()
		mux.HandleFunc("GET /api/users", func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("id") != "7" {
				writeJSON(w, 500, body)
				return
			}
			writeJSON(w, 200, map[string]any{"id": 7})
		})
		return mux
	}
	express := stackTrace(map[string]any{"error": "Cannot read properties of undefined (reading 'id')",
		"stack": "TypeError: Cannot read properties of undefined (reading 'id')\n    at getUser (/app/src/routes/users.js:42:17)\n    at Layer.handle [as handle_request] (/app/node_modules/express/lib/router/layer.js:95:5)"})
	spring := stackTrace(map[string]any{"status": 500, "error": "Internal Server Error", "path": "/api/users",
		"trace": "java.lang.NullPointerException: null\n\tat com.example.UserController.get(UserController.java:42)\n\tat java.base/jdk.internal.reflect.NativeMethodAccessorImpl.invoke0(Native Method)"})

	tests := []struct {
		name               string
		api                http.Handler
		opts               scanOpts
		rule, method, path string
	}{
		{"anonymous personal data, the authenticated view adds fields", profiles,
			scanOpts{spec: profilesSpec, auth: aliceToken, peer: bobToken}, "authn-missing", "GET", "/users/{id}"},
		{"cross-user read with per-viewer flags", viewerFlags,
			scanOpts{spec: bearerSpec(ordersPaths), auth: aliceToken, peer: bobToken}, "bola-cross-user-read", "GET", "/orders/{id}"},
		{"Node.js stack trace inside a JSON string", express,
			scanOpts{endpoints: []string{"GET /api/users?id=7"}}, "verbose-error-disclosure", "GET", "/api/users"},
		{"Java stack trace inside a JSON string", spring,
			scanOpts{endpoints: []string{"GET /api/users?id=7"}}, "verbose-error-disclosure", "GET", "/api/users"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := scan(t, tt.api, tt.opts)
			if !has(fs, tt.rule, tt.method, tt.path) {
				t.Errorf("%s on %s %s missed; findings:%s", tt.rule, tt.method, tt.path, list(fs))
			}
		})
	}
}

// TestRegressSafeModeSkipsStateChangingGETs guards against safe mode
// calling GET routes that change state (GET /auth/logout ended both
// identities' sessions and hid the BOLA next to it): they must not be sent
// with credentials, and the BOLA must still be found.
func TestRegressSafeModeSkipsStateChangingGETs(t *testing.T) {
	tests := []struct {
		name, path, operationID string
	}{
		{"GET /auth/logout", "/auth/logout", ""},
		{"GET /auth/sign-out", "/auth/sign-out", ""},
		{"GET /api/tokens/revoke", "/api/tokens/revoke", ""},
		{"operation id logoutUser", "/session/end", "logoutUser"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opID := ""
			if tt.operationID != "" {
				opID = fmt.Sprintf(`"operationId":%q,`, tt.operationID)
			}
			spec := bearerSpec(fmt.Sprintf(`%q:{"get":{%s"responses":{"200":{"description":"ok"}}}},`, tt.path, opID) + ordersPaths)
			var mu sync.Mutex
			revoked := map[string]bool{}
			inner := ordersNoOwnerCheck(aliceOrder)
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				me := caller(r)
				mu.Lock()
				gone := revoked[me]
				if r.URL.Path == tt.path && me != "" {
					revoked[me] = true
				}
				mu.Unlock()
				switch {
				case gone:
					writeJSON(w, 401, map[string]string{"error": "token revoked"})
				case r.URL.Path == tt.path:
					writeJSON(w, 200, map[string]string{"status": "logged out"})
				default:
					inner.ServeHTTP(w, r)
				}
			})
			fs := scan(t, h, scanOpts{spec: spec, auth: aliceToken, peer: bobToken})
			mu.Lock()
			defer mu.Unlock()
			if len(revoked) > 0 {
				t.Errorf("safe mode sent GET %s with valid credentials; sessions ended: %v", tt.path, revoked)
			}
			if !has(fs, "bola-cross-user-read", "GET", "/orders/{id}") {
				t.Errorf("the BOLA next to GET %s was missed; findings:%s", tt.path, list(fs))
			}
		})
	}
}

// TestRegressBasePathNotDoubled guards against TARGET http://h/api with a
// discovered /api/openapi.json whose paths already start with /api: the
// scan went to /api/api/user and missed the flaw. Paths relative to the
// base must still get it.
func TestRegressBasePathNotDoubled(t *testing.T) {
	tests := []struct {
		name  string
		route string // the spec's path of the vulnerable operation
	}{
		{"spec paths carry the /api prefix", "/api/user"},
		{"spec paths relative to /api", "/user"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := `{"openapi":"3.0.3","info":{"title":"x","version":"1"},"paths":{"` + tt.route +
				`":{"get":{"parameters":[{"name":"user_id","in":"query","required":true,"schema":{"type":"string"},"example":"1001"}],"responses":{"200":{"description":"ok"}}}}}}`
			var mu sync.Mutex
			var doubled []string
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if strings.HasPrefix(r.URL.Path, "/api/api/") {
					mu.Lock()
					doubled = append(doubled, r.URL.Path)
					mu.Unlock()
				}
				switch r.URL.Path {
				case "/api/openapi.json":
					w.Header().Set("Content-Type", "application/json")
					w.Write([]byte(spec))
				case "/api/user":
					// No authentication, any user_id: the motivating flaw.
					u, ok := users[r.URL.Query().Get("user_id")]
					if !ok {
						notFound(w)
						return
					}
					writeJSON(w, 200, u)
				default:
					notFound(w)
				}
			})
			fs := scan(t, h, scanOpts{path: "/api"})
			if !has(fs, "bola-id-enumeration", "GET", tt.route) {
				t.Errorf("the vulnerable GET %s was missed; findings:%s", tt.route, list(fs))
			}
			mu.Lock()
			defer mu.Unlock()
			if len(doubled) > 0 {
				t.Errorf("requests went to a doubled prefix: %v", doubled[:min(len(doubled), 3)])
			}
		})
	}
}

// TestRegressShardsKeepCrossUserRead guards against sharding losing the
// BOLA of the vulnerable demo: a collection and its items may land in
// different shards, yet one shard must still report it.
func TestRegressShardsKeepCrossUserRead(t *testing.T) {
	srv := httptest.NewServer(demo.Vulnerable())
	defer srv.Close()
	for _, n := range []int{2, 3} {
		t.Run(fmt.Sprintf("%d shards", n), func(t *testing.T) {
			var got []string
			for i := 1; i <= n; i++ {
				res, err := scanner.Scan(context.Background(), scanner.Options{
					Target:  srv.URL,
					Mode:    finding.ModeSafe,
					Shard:   [2]int{i, n},
					Client:  scanner.ClientOptions{Concurrency: 4, Timeout: 5 * time.Second, Budget: 5000},
					Wait:    time.Second,
					Rules:   rules.All(),
					Primary: scanner.NewIdentity("primary", []scanner.Header{{Name: "Authorization", Value: "Bearer " + demo.AliceToken}}),
					Peer:    scanner.NewIdentity("peer", []scanner.Header{{Name: "Authorization", Value: "Bearer " + demo.BobToken}}),
				})
				if err != nil {
					t.Fatalf("shard %d/%d: %v", i, n, err)
				}
				if has(res.Findings, "bola-cross-user-read", "GET", "/api/orders/{orderId}") {
					return
				}
				got = append(got, fmt.Sprintf("shard %d/%d:%s", i, n, list(res.Findings)))
			}
			t.Errorf("no shard reports bola-cross-user-read on GET /api/orders/{orderId}:\n%s", strings.Join(got, "\n"))
		})
	}
}

// TestRegressEndpointWithDiscoveredSpec guards --endpoint next to a spec
// the scanner discovers on the target: both the spec's operations and the
// hand-added one are scanned.
func TestRegressEndpointWithDiscoveredSpec(t *testing.T) {
	api := testAPI(flaws{noAuthOnUser: true})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/openapi.yaml":
			w.Header().Set("Content-Type", "application/yaml")
			w.Write([]byte(testSpec))
		case "/legacy/user":
			// The same flaw on a route the spec does not declare.
			r2 := r.Clone(r.Context())
			r2.URL.Path = "/user"
			api.ServeHTTP(w, r2)
		default:
			api.ServeHTTP(w, r)
		}
	})
	fs := scan(t, h, scanOpts{endpoints: []string{"GET /legacy/user?user_id=1001"}})
	for _, path := range []string{"/user", "/legacy/user"} {
		if !has(fs, "authn-missing", "GET", path) {
			t.Errorf("GET %s was not scanned (no authn-missing); findings:%s", path, list(fs))
		}
	}
}
