package rules_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner"
)

// TestReview10bWeakHMACRanOnHS256: on a correct HS256 API the primary's
// token is checked offline against the whole weak-secret list and none
// signed it. That is a check that ran and passed, yet coverage says
// "not-applicable: no operation of this API is one it tests", which reads
// as "this API has nothing the rule could test" — wrong for an HS256 API,
// and indistinguishable from an API whose tokens were never examined.
// jwt-alg-confusion, which does not apply to HMAC tokens, should say so
// rather than blame the API's operations.
func TestReview10bWeakHMACRanOnHS256(t *testing.T) {
	c := coverageOf(t, jwtAPI(jwtFixed), scanOpts{spec: jwtSpec, primary: bearer(mintJWT(jwtStrongKey, claimsOK()))})
	weak := ruleCov(t, c, "jwt-weak-hmac-secret")
	if weak.Status != finding.RuleRan {
		t.Errorf("jwt-weak-hmac-secret on an HS256 token it checked offline: %s (%q), want ran", weak.Status, weak.Reason)
	}
	conf := ruleCov(t, c, "jwt-alg-confusion")
	if conf.Status == finding.RuleNotApplicable && conf.Reason == "no operation of this API is one it tests" {
		t.Errorf("jwt-alg-confusion on an HS256 token: reason %q blames the operations; want one naming the HMAC algorithm (confusion needs an RSA or EC key)", conf.Reason)
	}
}

// review10bBlogSpec: posts readable by everyone (optional auth); with a
// token the author's own drafts too.
const review10bBlogSpec = `{"openapi":"3.0.3","info":{"title":"blog","version":"1"},
"components":{"securitySchemes":{"bearer":{"type":"http","scheme":"bearer"}}},
"paths":{
"/posts":{"get":{"security":[{},{"bearer":[]}],"responses":{"200":{"description":"posts; with auth, your drafts too"}}}},
"/posts/{id}":{"get":{"security":[{},{"bearer":[]}],"parameters":[{"name":"id","in":"path","required":true,"schema":{"type":"integer"},"example":1}],"responses":{"200":{"description":"post"},"404":{"description":"none"}}}},
"/me":{"get":{"security":[{"bearer":[]}],"responses":{"200":{"description":"me"}}}}}}`

// review10bBlog is a correct optional-auth blog: drafts only to their
// author, other posts to everyone.
func review10bBlog() http.Handler {
	type post struct {
		ID     int    `json:"id"`
		Author string `json:"author"`
		Title  string `json:"title"`
		Draft  bool   `json:"draft"`
	}
	posts := []post{{1, "alice", "Hello", false}, {2, "alice", "alice draft", true}, {3, "bob", "Bob's post", false}, {4, "bob", "bob draft", true}}
	tokens := map[string]string{aliceToken: "alice", bobToken: "bob"}
	who := func(r *http.Request) (string, bool) {
		h := r.Header.Get("Authorization")
		if h == "" {
			return "", true
		}
		u, ok := tokens[strings.TrimPrefix(h, "Bearer ")]
		return u, ok
	}
	send := func(w http.ResponseWriter, status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(v)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /posts", func(w http.ResponseWriter, r *http.Request) {
		u, ok := who(r)
		if !ok {
			send(w, 401, map[string]string{"error": "invalid token"})
			return
		}
		out := []post{}
		for _, p := range posts {
			if !p.Draft || p.Author == u {
				out = append(out, p)
			}
		}
		send(w, 200, out)
	})
	mux.HandleFunc("GET /posts/{id}", func(w http.ResponseWriter, r *http.Request) {
		u, ok := who(r)
		if !ok {
			send(w, 401, map[string]string{"error": "invalid token"})
			return
		}
		id, _ := strconv.Atoi(r.PathValue("id"))
		for _, p := range posts {
			if p.ID == id && (!p.Draft || p.Author == u) {
				send(w, 200, p)
				return
			}
		}
		send(w, 404, map[string]string{"error": "not found"})
	})
	mux.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) {
		if u, ok := who(r); ok && u != "" {
			send(w, 200, map[string]string{"username": u, "email": u + "@example.com"})
			return
		}
		send(w, 401, map[string]string{"error": "login required"})
	})
	return mux
}

// TestReview10bEnumerationReasonOptionalAuth: GET /posts/{id} selects a
// record by an id parameter, but it serves anonymous callers too, so
// bola-id-enumeration leaves it alone by design. Coverage then says "no
// operation selects a record by an id parameter", which is false for this
// API and sends the reader looking for a missing parameter. The scan
// itself is clean, as it should be.
func TestReview10bEnumerationReasonOptionalAuth(t *testing.T) {
	var c finding.Coverage
	fs := scan(t, review10bBlog(), scanOpts{spec: review10bBlogSpec, auth: aliceToken, peer: bobToken, onResult: func(r *scanner.Result) { c = r.Coverage }})
	for _, f := range fs {
		if f.Severity >= finding.SeverityMedium {
			t.Errorf("finding on a correct optional-auth API:%s", list([]finding.Finding{f}))
		}
	}
	en := ruleCov(t, c, "bola-id-enumeration")
	if en.Status == finding.RuleNotApplicable && strings.Contains(en.Reason, "no operation selects a record by an id parameter") {
		t.Errorf("bola-id-enumeration reason %q on an API with GET /posts/{id}; want one saying the id-selecting operations serve anonymous callers (public or optional auth)", en.Reason)
	}
}
