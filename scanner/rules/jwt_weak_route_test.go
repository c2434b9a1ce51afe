package rules_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner"
	"github.com/authgate/authgate/scanner/rules"
)

// What a jwt-weak-hmac-secret summary says of the list that held the key.
const (
	builtinList  = "authgate's built-in list of weak secrets"
	userWordlist = "your wordlist (--jwt-wordlist)"
)

// bookAPI is VAmPI's shape: the protected reads take a book title, and
// the description's example names no book (404 to everyone), so a JWT
// probe has a route only with a title the primary identity owns ("mine").
// GET /feed serves everyone, and the caller's name too when its token is
// good (the identity is verified there; no route for a forged token, since
// anonymous callers get data). With exact set, the API keeps the tokens
// it issued and accepts only those strings: a token signed with its key
// but not issued by it is refused.
type bookAPI struct {
	key   string
	exact string // the one token accepted, when set
}

func (b bookAPI) user(r *http.Request) bool {
	tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if b.exact != "" {
		return tok == b.exact
	}
	return hs256SignedBy(tok, b.key)
}

func (b bookAPI) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /books/{title}", func(w http.ResponseWriter, r *http.Request) {
		switch {
		case !b.user(r):
			unauthorized(w)
		case r.PathValue("title") != "mine":
			notFound(w)
		default:
			writeJSON(w, 200, map[string]any{"title": "mine", "owner": "alice", "secret": "the plot twist of chapter nine", "pages": 312})
		}
	})
	mux.HandleFunc("GET /feed", func(w http.ResponseWriter, r *http.Request) {
		feed := map[string]any{"items": []string{"welcome", "new releases"}}
		if b.user(r) {
			feed["user"] = map[string]any{"name": "alice", "email": "alice@example.com", "shelf": []string{"mine"}}
		}
		writeJSON(w, 200, feed)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { notFound(w) })
	return mux
}

const bookSpec = `openapi: 3.0.3
info: {title: books, version: "1"}
components:
  securitySchemes:
    bearerAuth: {type: http, scheme: bearer, bearerFormat: JWT}
security:
  - bearerAuth: []
paths:
  /books/{book_title}:
    get:
      parameters:
        - {name: book_title, in: path, required: true, schema: {type: string}, example: bookTitle77}
      responses: {"200": {description: ok}}
`

// feedSpec adds the optional-auth feed, first in spec order.
const feedSpec = `openapi: 3.0.3
info: {title: books, version: "1"}
components:
  securitySchemes:
    bearerAuth: {type: http, scheme: bearer, bearerFormat: JWT}
security:
  - bearerAuth: []
paths:
  /feed:
    get:
      security: [{}, {bearerAuth: []}]
      responses: {"200": {description: ok}}
  /books/{book_title}:
    get:
      parameters:
        - {name: book_title, in: path, required: true, schema: {type: string}, example: bookTitle77}
      responses: {"200": {description: ok}}
`

// weakScan scans with the JWT rules as a primary identity holding token,
// owning the titles given (owns: book_title), and returns the
// jwt-weak-hmac-secret findings and coverage.
func weakScan(t *testing.T, h http.Handler, spec, token string, owns ...string) ([]finding.Finding, finding.RuleCoverage) {
	t.Helper()
	primary := bearer(token)
	if len(owns) > 0 {
		primary.Owns = map[string][]string{"book_title": owns}
	}
	var cov finding.RuleCoverage
	fs := scanRules(t, h, scanOpts{spec: spec, primary: primary, onResult: func(r *scanner.Result) {
		for _, c := range r.Coverage.Rules {
			if c.Rule == "jwt-weak-hmac-secret" {
				cov = c
			}
		}
	}}, rules.JWTRules())
	var mine []finding.Finding
	for _, f := range fs {
		if f.Rule == "jwt-weak-hmac-secret" {
			mine = append(mine, f)
		}
	}
	return mine, cov
}

// TestJWTWeakSecretOwnedRoute: the description's example names no book,
// so the key found offline is confirmed on the primary identity's own
// book (owns:), at high confidence, once; without it, or with a key
// nobody guesses, nothing is confirmed there.
func TestJWTWeakSecretOwnedRoute(t *testing.T) {
	token := mintJWT("random", claimsOK())
	fs, cov := weakScan(t, bookAPI{key: "random"}.handler(), feedSpec, token, "mine")
	if len(fs) != 1 || fs[0].Confidence != finding.ConfidenceHigh {
		t.Fatalf("want one confirmed finding, got:%s", list(fs))
	}
	if ev := fs[0].Evidence.Exchanges; len(ev) != 1 || !strings.HasSuffix(ev[0].URL, "/books/mine") {
		t.Errorf("the minted token was not sent on the owned book: %+v", ev)
	}
	if cov.Status != finding.RuleRan || cov.Reason != "" {
		t.Errorf("coverage: %+v", cov)
	}
	strong := mintJWT(jwtStrongKey, claimsOK())
	if fs, _ := weakScan(t, bookAPI{key: jwtStrongKey}.handler(), feedSpec, strong, "mine"); len(fs) != 0 {
		t.Errorf("finding on a strong key:%s", list(fs))
	}
}

// TestJWTWeakSecretUnconfirmed: a key found offline that no route can
// confirm is reported at medium confidence when the API accepted the
// token (verified on the optional-auth feed), at low when nothing tied
// the token to the API, and coverage says it was not confirmed; a route
// that refuses the minted token settles it: no finding, no note.
func TestJWTWeakSecretUnconfirmed(t *testing.T) {
	token := mintJWT("random", claimsOK())
	tests := []struct {
		name string
		api  bookAPI
		spec string
		none bool               // no finding wanted
		want finding.Confidence // else, its confidence
	}{
		{"verified on the feed, no route", bookAPI{key: "random"}, feedSpec, false, finding.ConfidenceMedium},
		{"nothing verifies the token", bookAPI{key: "random"}, bookSpec, false, finding.ConfidenceLow},
		{"the API accepts only tokens it issued", bookAPI{key: "random", exact: token}, feedSpec, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var owns []string
			if tt.none {
				owns = []string{"mine"} // a route, which refuses the minted token
			}
			fs, cov := weakScan(t, tt.api.handler(), tt.spec, token, owns...)
			if cov.Status != finding.RuleRan {
				t.Errorf("coverage: %+v", cov)
			}
			if tt.none {
				if len(fs) != 0 || cov.Reason != "" {
					t.Errorf("a refused minted token left a finding or a note: %+v;%s", cov, list(fs))
				}
				return
			}
			if len(fs) != 1 || fs[0].Confidence != tt.want || fs[0].Path != "*" {
				t.Fatalf("want one API-wide finding at %s confidence, got:%s", tt.want, list(fs))
			}
			if s := fs[0].Evidence.Summary; !strings.Contains(s, "Not confirmed") || !strings.Contains(s, builtinList) {
				t.Errorf("summary: %s", s)
			}
			if !strings.Contains(cov.Reason, "no token signed with it was sent") {
				t.Errorf("coverage has no note on the unconfirmed key: %+v", cov)
			}
		})
	}
}

// withheld matches what would identify the key in its list: a position,
// a line, a length, a first character.
var withheld = regexp.MustCompile(`(?i)entry \d|line \d|\d+ characters|"[^"]"…`)

// TestJWTWeakSecretWithheld: neither list's finding says where the key is
// in it, nor its length or first character: the built-in list ships with
// authgate, and a user's wordlist sits next to the config the report's
// readers can read.
func TestJWTWeakSecretWithheld(t *testing.T) {
	const key = "tangerine" // in the built-in list; a word no summary uses
	for _, user := range []string{"", "first\n\n" + key + "\n"} {
		var opts []rules.Option
		if user != "" {
			opts = append(opts, rules.WithJWTWordlist(userList(t, user)))
		}
		fs := scanRules(t, keyedJWTAPI(key), scanOpts{spec: jwtSpec, primary: bearer(mintJWT(key, claimsOK()))}, rules.JWTRules(opts...))
		n := 0
		for _, f := range fs {
			if f.Rule != "jwt-weak-hmac-secret" {
				continue
			}
			n++
			all, _ := json.Marshal(f)
			if m := withheld.FindString(string(all)); m != "" {
				t.Errorf("user list %q: the finding says %q: %s", user, m, f.Evidence.Summary)
			}
			if strings.Contains(string(all), key) {
				t.Errorf("the finding shows the key: %s", all)
			}
		}
		if n != 1 {
			t.Errorf("user list %q: want one finding, got:%s", user, list(fs))
		}
	}
}
