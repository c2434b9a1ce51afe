package rules_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner"
)

// Issue 12, items 1 and 2, with ONE identity (a new user's first try: one
// login, no peer): what the identity's login answer, token claims, /me and
// owns: say it owns is enough for bola-id-enumeration to tell another
// principal's basket from its own, although baskets hold no personal data.

// singleShop is the Juice Shop model (see juiceShop) with a public product
// catalogue, GET /rest/products/{id} (records without an owner field, read
// by anyone), and two correct basket routes of its own: several, where
// every basket is alice's (she owns several), and ignoresID, where every
// id answers the caller's own basket.
type singleShop struct {
	juiceShop
	several, ignoresID bool
}

func (s *singleShop) handler() http.Handler {
	shop := s.juiceShop.handler()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /rest/products/{id}", func(w http.ResponseWriter, r *http.Request) {
		names := map[string]string{"1": "Apple Juice (1000ml)", "2": "Orange Juice (1000ml)", "3": "Eggfruit Juice (500ml)", "4": "Raspberry Juice (1000ml)", "5": "Lemon Juice (500ml)"}
		name, ok := names[r.PathValue("id")]
		if !ok {
			notFound(w)
			return
		}
		writeJSON(w, 200, map[string]any{"status": "success", "data": map[string]any{"id": r.PathValue("id"), "name": name, "price": 1.99, "deluxePrice": 0.99}})
	})
	if s.several || s.ignoresID {
		mux.HandleFunc("GET /rest/basket/{id}", func(w http.ResponseWriter, r *http.Request) {
			s.mu.Lock()
			me, ok := s.tokens[bearerToken(r)]
			s.mu.Unlock()
			if !ok {
				unauthorized(w)
				return
			}
			for _, u := range juiceUsers {
				switch {
				case s.ignoresID && u.id == me.id:
					writeJSON(w, 200, map[string]any{"status": "success", "data": juiceBasket(u)})
					return
				case s.several && r.PathValue("id") == jsonNumber(u.bid):
					b := juiceBasket(u)
					b["UserId"] = me.id
					writeJSON(w, 200, map[string]any{"status": "success", "data": b})
					return
				}
			}
			writeJSON(w, 200, map[string]any{"status": "success", "data": nil})
		})
	}
	mux.Handle("/", shop)
	return mux
}

var singleShopSpec = juiceSpec + `  /rest/products/{id}:
    get:
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer}}
      responses: {"200": {description: a product}}
`

// ruleCoverage is the coverage entry of rule.
func ruleCoverage(t *testing.T, res *scanner.Result, rule string) finding.RuleCoverage {
	t.Helper()
	for _, c := range res.Coverage.Rules {
		if c.Rule == rule {
			return c
		}
	}
	t.Fatalf("no coverage entry for %s", rule)
	return finding.RuleCoverage{}
}

// TestBOLAOneIdentityBaskets is issue 12's first miss scanned with alice
// alone: her basket (3) is known from her login answer's bid, its UserId
// (2) is her own id from her token's data.id claim, so the guessed
// baskets 2 and 4, whose UserId is 4 and 3, are other principals' records.
// Baskets refused to anyone but their owner, baskets everyone reads, a
// user who owns every basket read, a route that answers the caller's own
// basket whatever the id, and the public product catalogue are clean.
func TestBOLAOneIdentityBaskets(t *testing.T) {
	tests := []struct {
		name string
		shop singleShop
		want bool
		// compared: others' baskets were answered and told apart from
		// the caller's own by their owner field.
		compared bool
	}{
		{name: "any signed-in user reads any basket", want: true, compared: true},
		{name: "fixed: 403 for another's basket", shop: singleShop{juiceShop: juiceShop{fixed: true, refusal: 403}}},
		{name: "fixed: 404 for another's basket", shop: singleShop{juiceShop: juiceShop{fixed: true, refusal: 404}}},
		{name: "baskets are public, anonymous callers read them too", shop: singleShop{juiceShop: juiceShop{public: true}}, compared: true},
		{name: "every basket read is the caller's own", shop: singleShop{several: true}},
		{name: "the route answers the caller's own basket whatever the id", shop: singleShop{ignoresID: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			shop := tc.shop
			shop.t = t
			res := bolaScan(t, shop.handler(), singleShopSpec, juiceIdentity("alice", "alice@juice-sh.op", "alice-pw-1"), nil, 4)
			for _, f := range res.Findings {
				if strings.HasPrefix(f.Rule, "bola-") && f.Path != "/rest/basket/{id}" {
					t.Errorf("%s on %s %s: %s", f.Rule, f.Method, f.Path, f.Evidence.Summary)
				}
			}
			f, found := findingOf(res.Findings, "bola-id-enumeration", "GET", "/rest/basket/{id}")
			if found != tc.want {
				t.Fatalf("bola-id-enumeration on the basket: found %v, want %v; findings:%s", found, tc.want, list(res.Findings))
			}
			cross := ruleCoverage(t, res, "bola-cross-user-read")
			if cross.Status != finding.RuleNotRun || !strings.Contains(cross.Reason, "needs a second identity") {
				t.Errorf("bola-cross-user-read coverage %s %q, want not-run for want of a peer", cross.Status, cross.Reason)
			}
			// Coverage says what ownership judged the baskets by: told
			// apart from the caller's own, or only recognised as its own.
			by := "the caller's own records (the answer's data.UserId is its own 2 (from its token's data.id claim))"
			if tc.compared {
				by = `their data.UserId against that of the caller's own object, GET /rest/basket/3 (authentication.bid 3 in "alice"'s login answer)`
			}
			want := "records without personal data judged by ownership on GET /rest/basket/{id} by " + by
			if en := ruleCoverage(t, res, "bola-id-enumeration"); en.Status != finding.RuleRan || en.Reason != want {
				t.Errorf("bola-id-enumeration coverage %s %q, want ran with %q", en.Status, en.Reason, want)
			}
			if !found {
				return
			}
			s := f.Evidence.Summary
			for _, want := range []string{
				`as identity "alice" returned 2 records`,
				"/rest/basket/2 (its data.UserId is 4; the caller's own has 2)",
				"/rest/basket/4 (its data.UserId is 3; the caller's own has 2)",
				`then the caller's own object, GET /rest/basket/3, for comparison: authentication.bid 3 in "alice"'s login answer; the answer's data.UserId is its own 2 (from its token's data.id claim)`,
			} {
				if !strings.Contains(s, want) {
					t.Errorf("summary lacks %q: %s", want, s)
				}
			}
			var paths []string
			for _, x := range f.Evidence.Exchanges {
				if x.Identity != "alice" || x.Status != 200 {
					t.Errorf("exchange %s %s by %q answered %d, want alice's 200", x.Method, x.URL, x.Identity, x.Status)
				}
				paths = append(paths, x.URL[strings.Index(x.URL, "/rest/"):])
			}
			if got := strings.Join(paths, " "); got != "/rest/basket/2 /rest/basket/4 /rest/basket/3" {
				t.Errorf("evidence %s, want baskets 2 and 4, then alice's own 3", got)
			}
		})
	}
}

// TestBOLAOneIdentityTokens: with --auth tokens only (no login answer),
// the basket id comes from the token's bid claim and the caller's own id
// from its data.id claim; with an opaque token, owns: in the config names
// the caller's basket, and its UserId, whatever it is, is the caller's.
// An opaque token and no owns: leave baskets unjudged, and coverage says
// so rather than passing them.
func TestBOLAOneIdentityTokens(t *testing.T) {
	alice := juiceUsers[1]
	jwt := func(t *testing.T) string {
		return bolaJWT(t, map[string]any{"status": "success", "bid": alice.bid, "data": map[string]any{"id": alice.id, "email": alice.email, "role": "customer"}})
	}
	tests := []struct {
		name  string
		token func(t *testing.T) string
		owns  map[string][]string
		// summary is what the finding's summary must hold; "" for no
		// finding, when coverage must say why.
		summary, coverage string
	}{
		{name: "a JWT with bid and data.id claims", token: jwt,
			summary: `then the caller's own object, GET /rest/basket/3, for comparison: bid 3 in "primary"'s token; the answer's data.UserId is its own 2 (from its token's data.id claim)`},
		{name: "an opaque token and owns: basket_id", token: func(*testing.T) string { return aliceToken }, owns: map[string][]string{"basket_id": {"3"}},
			summary: `then the caller's own object, GET /rest/basket/3, for comparison: the config says it owns basket_id 3`},
		{name: "an opaque token and nothing else", token: func(*testing.T) string { return aliceToken },
			coverage: `records without personal data not judged on GET /rest/basket/{id}: no object of "primary"'s was known to compare its data.UserId with (declare one with owns:)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			shop := &singleShop{juiceShop: juiceShop{t: t}}
			h := shop.handler()
			tok := tc.token(t)
			shop.tokens[tok] = alice
			id := bearerID("primary", tok)
			id.Owns = tc.owns
			res := bolaScan(t, h, singleShopSpec, id, nil, 4)
			f, found := findingOf(res.Findings, "bola-id-enumeration", "GET", "/rest/basket/{id}")
			if found != (tc.summary != "") {
				t.Fatalf("bola-id-enumeration on the basket: found %v, want %v; findings:%s", found, !found, list(res.Findings))
			}
			if found {
				for _, want := range []string{tc.summary, "/rest/basket/2 (its data.UserId is 4; the caller's own has 2)"} {
					if !strings.Contains(f.Evidence.Summary, want) {
						t.Errorf("summary lacks %q: %s", want, f.Evidence.Summary)
					}
				}
				return
			}
			if en := ruleCoverage(t, res, "bola-id-enumeration"); en.Status != finding.RuleRan || en.Reason != tc.coverage {
				t.Errorf("bola-id-enumeration coverage %s %q, want ran with %q", en.Status, en.Reason, tc.coverage)
			}
		})
	}
}

// TestBOLAOneIdentityDeterministic: the same findings and the same
// coverage, word for word, at concurrency 1 and 8.
func TestBOLAOneIdentityDeterministic(t *testing.T) {
	var want string
	for _, conc := range []int{1, 8} {
		shop := &singleShop{juiceShop: juiceShop{t: t}}
		res := bolaScan(t, shop.handler(), singleShopSpec, juiceIdentity("alice", "alice@juice-sh.op", "alice-pw-1"), nil, conc)
		var got []string
		for _, f := range res.Findings {
			if strings.HasPrefix(f.Rule, "bola-") {
				got = append(got, f.Rule+" "+f.Path+": "+f.Evidence.Summary)
			}
		}
		for _, rule := range []string{"bola-cross-user-read", "bola-id-enumeration"} {
			c := ruleCoverage(t, res, rule)
			got = append(got, fmt.Sprintf("%s %s %v %q", rule, c.Status, c.Operations, c.Reason))
		}
		s := strings.Join(got, "\n")
		if want == "" {
			want = s
		} else if s != want {
			t.Errorf("concurrency %d:\n%s\nwant:\n%s", conc, s, want)
		}
	}
	if !strings.Contains(want, "bola-id-enumeration /rest/basket/{id}") {
		t.Errorf("no bola-id-enumeration finding on the vulnerable baskets:\n%s", want)
	}
}
