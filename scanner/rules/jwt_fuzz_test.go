package rules

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner"
)

// The JWT rules read tokens that the target may have minted (a login
// flow's answer) and key sets the target publishes: all of it hostile.
// These fuzz targets check that no token, claim set or key set makes the
// decoders panic or loop, and that what they derive from it is well-formed
// and cannot carry the target's text into a report.

// jwtFuzzSegment base64url-encodes s as a token segment.
func jwtFuzzSegment(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// jwtFuzzToken assembles a compact JWS from a header and claims in JSON.
func jwtFuzzToken(header, claims, sig string) string {
	return jwtFuzzSegment(header) + "." + jwtFuzzSegment(claims) + "." + jwtFuzzSegment(sig)
}

// jwtHostileHeaders and jwtHostileClaims are JSON a token may carry: the
// ordinary, the deeply nested, the numerically extreme, and text meant
// to break out of a report.
var (
	jwtHostileHeaders = []string{
		`{"alg":"HS256","typ":"JWT"}`,
		`{"alg":"RS256","kid":"k1"}`,
		`{"alg":"none"}`,
		`{"alg":"HS512","crit":["exp"],"jku":"http://evil.example/jwks"}`,
		`{"alg":"<img src=x onerror=alert(1)>","kid":"::error::x"}`,
		`{"alg":"HS256","alg":"none"}`,
		`{"alg":["HS256"]}`,
		`{"alg":""}`,
		`null`,
		`[]`,
		"{\"alg\":\"HS256\xff\"}",
	}
	jwtHostileClaims = []string{
		// Valid until 2100, so that the seeds keep reaching the rules
		// (an expired token is rejected before they run).
		`{"sub":"1001","iat":4102441200,"exp":4102444800}`,
		`{"sub":"1001"}`,
		`{"sub":"1001","iat":4000000000,"exp":4100000000}`,
		`{"exp":99999999999,"iat":0}`,
		`{"exp":1e300,"iat":-1e300}`,
		`{"exp":1e400}`,
		`{"exp":"tomorrow","iat":true}`,
		`{"exp":-9223372036854775808,"iat":9223372036854775807}`,
		`{"password":"hunter2","ssn":"123-45-6789","card":"4111111111111111","hash":"$2b$10$abc"}`,
		`{"a":{"b":{"c":{"d":{"e":{"api_key":"deep"}}}}}}`,
		`{"user":{"<script>":"x","@octocat":{"password":"p"},"](javascript:alert(1))":[{"secret":"s"}]}}`,
		"{\"pass\\nword\":\"x\",\"a`b|c\":{\"ssn\":\"123-45-6789\"}}",
		`{"` + strings.Repeat("k", 300) + `_secret":"v"}`,
		`{"a":` + strings.Repeat(`[`, 500) + strings.Repeat(`]`, 500) + `}`,
		`{"a":` + strings.Repeat(`{"a":`, 300) + `1` + strings.Repeat(`}`, 300) + `}`,
		`{"exp":1700003600,"exp":null}`,
		`{}`,
		`[]`,
	}
)

// FuzzParseJWT feeds arbitrary strings to the token decoder and to what
// the probing rules do with a decoded token: find it in a header value,
// forge a copy with another alg or signature, try the weak-secret list,
// read exp and iat.
func FuzzParseJWT(f *testing.F) {
	for i, h := range jwtHostileHeaders {
		f.Add(jwtFuzzToken(h, jwtHostileClaims[i%len(jwtHostileClaims)], "sig"))
	}
	for _, s := range []string{
		"",
		".",
		"..",
		"a.b.c",
		"a.b.c.d.e",
		"Bearer " + jwtFuzzToken(jwtHostileHeaders[0], jwtHostileClaims[0], ""),
		jwtFuzzToken(jwtHostileHeaders[0], jwtHostileClaims[0], "") + "==",
		"eyJ.eyJ.",
		"e30.e30.e30",
		"%%%.%%%.%%%",
		strings.Repeat("a.", 1000),
		"session=" + jwtFuzzToken(`{"alg":"HS256"}`, `{"sub":"x"}`, "s") + "; theme=dark",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tok, ok := parseJWT(s)
		checkIdentityJWT(t, s)
		if !ok {
			if tok != nil {
				t.Fatal("parseJWT returned a token with ok false")
			}
			return
		}
		checkToken(t, tok)
	})
}

// checkToken checks what the probing rules derive from a decoded token.
func checkToken(t *testing.T, tok *jwtToken) {
	t.Helper()
	if tok.alg == "" || tok.header == nil || tok.claims == nil {
		t.Fatalf("decoded token without alg, header or claims: %+v", tok)
	}
	if !strings.HasPrefix(tok.raw, tok.signingInput+".") || strings.Count(tok.raw, ".") != 2 {
		t.Fatalf("signing input %q is not the start of %q", tok.signingInput, tok.raw)
	}
	if !strings.HasSuffix(tok.signingInput, "."+tok.payloadB64) {
		t.Fatalf("payload %q does not end the signing input %q", tok.payloadB64, tok.signingInput)
	}

	// A corrupted signature keeps the header and claims and changes the
	// signature: the altered-signature control must still be a JWT.
	forged, ok := parseJWT(tok.corruptSignature())
	if !ok || forged.signingInput != tok.signingInput || forged.alg != tok.alg {
		t.Fatalf("corruptSignature of %q gives %q, not the same token with another signature", tok.raw, tok.corruptSignature())
	}
	if len(tok.sig) > 0 && bytes.Equal(forged.sig, tok.sig) {
		t.Fatal("corruptSignature kept the signature")
	}

	// alg none and HS256 copies keep every header field but alg.
	for _, alg := range []string{"none", "HS256"} {
		var h map[string]any
		b, err := jwtB64.DecodeString(tok.headerWithAlg(alg))
		if err != nil || json.Unmarshal(b, &h) != nil || h["alg"] != alg || len(h) != len(tok.header) {
			t.Fatalf("headerWithAlg(%q) of %v = %s", alg, tok.header, b)
		}
	}

	if c, ok := jwtCrack(tok, jwtFuzzKeys); ok {
		if jwtSign(jwtHMACHash(tok.alg), c.key, tok.signingInput) != jwtB64.EncodeToString(tok.sig) {
			t.Fatalf("jwtCrack says entry %d signed %q, but it does not", c.entry, tok.raw)
		}
	}
	if safe := jwtSafeName(tok.alg); !reportSafe(safe) {
		t.Fatalf("jwtSafeName(%q) = %q, not safe in a report", tok.alg, safe)
	}

	exp, hasExp := jwtNumericClaim(tok.claims, "exp")
	iat, hasIat := jwtNumericClaim(tok.claims, "iat")
	if hasExp && hasIat && exp-iat > maxTokenLifetime.Seconds() {
		checkLifetime(t, exp-iat)
	}
}

// checkLifetime checks the text a lifetime beyond the policy is reported
// with: a positive length of time, and, when given in days, not less than
// the real lifetime (or the longest time.Duration, for longer ones) by
// more than the day lost to rounding.
func checkLifetime(t *testing.T, seconds float64) {
	t.Helper()
	got := jwtLifetime(seconds)
	if strings.HasPrefix(got, "-") || strings.HasPrefix(got, "0") || !strings.ContainsAny(got, "123456789") {
		t.Fatalf("a lifetime of %g s, beyond the %s policy, is reported as %q", seconds, maxTokenLifetime, got)
	}
	var days float64
	if n, err := fmt.Sscanf(got, "%g days", &days); n == 1 && err == nil {
		const secondsPerDay = 24 * 60 * 60
		if want := min(seconds, maxDurationSeconds); days*secondsPerDay < want-secondsPerDay {
			t.Fatalf("a lifetime of %g s (%.0f days) is reported as %q", seconds, seconds/secondsPerDay, got)
		}
	}
}

// maxDurationSeconds is the longest lifetime a time.Duration holds, about
// 292 years; a report may cap longer ones there.
var maxDurationSeconds = time.Duration(math.MaxInt64).Seconds()

// checkIdentityJWT puts s where identities carry tokens and checks that
// findJWT finds, if anything, a JWT inside the header value, and that the
// forged identity carries the forged token in the same place.
func checkIdentityJWT(t *testing.T, s string) {
	t.Helper()
	id := scanner.NewIdentity("primary", []scanner.Header{
		{Name: "X-Api-Key", Value: "k-" + s},
		{Name: "Cookie", Value: "session=" + s + "; theme=dark"},
		{Name: "Authorization", Value: "Bearer " + s},
	})
	cred, ok := findJWT(id)
	if !ok {
		return
	}
	value := id.Creds()[cred.header].Value
	if cred.prefix+cred.tok.raw+cred.suffix != value {
		t.Fatalf("findJWT split %q into %q + token + %q", value, cred.prefix, cred.suffix)
	}
	forged := cred.with("fuzz", "FORGED")
	if got := forged.Creds()[cred.header].Value; got != cred.prefix+"FORGED"+cred.suffix {
		t.Fatalf("forged credential %q", got)
	}
	if id.Creds()[cred.header].Value != value {
		t.Fatal("forging a token changed the real identity")
	}
}

// jwtFuzzSpec is the one operation the offline-rule scans run on.
const jwtFuzzSpec = `{"openapi":"3.0.3","info":{"title":"t","version":"1"},
"components":{"securitySchemes":{"bearer":{"type":"http","scheme":"bearer"}}},
"security":[{"bearer":[]}],
"paths":{"/me":{"get":{"responses":{"200":{"description":"ok"}}}}}}`

// jwtFuzzNow is the offline rules' clock: fixed, so that a run replays.
var jwtFuzzNow = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// maxJWTFuzzToken keeps a fuzzed token within the test server's header
// limit; bigger tokens are refused before any rule sees them.
const maxJWTFuzzToken = 32 << 10

// FuzzJWTClaims builds a token from any header and claims JSON and runs
// the offline JWT rules (lifetime, sensitive claims) on it through the
// engine, as a login flow's token would be. Their findings must name
// claims only in the inert form jwtSafeName gives, and state lifetimes
// as positive durations.
func FuzzJWTClaims(f *testing.F) {
	for i, c := range jwtHostileClaims {
		f.Add(jwtHostileHeaders[i%len(jwtHostileHeaders)], c)
		f.Add(jwtHostileHeaders[0], c)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id":1,"email":"a@example.com"}`)
	}))
	f.Cleanup(srv.Close)

	f.Fuzz(func(t *testing.T, header, claims string) {
		token := jwtFuzzToken(header, claims, "signature")
		tok, ok := parseJWT(token)
		if !ok || len(token) > maxJWTFuzzToken {
			return
		}
		checkToken(t, tok)

		res, err := scanner.Scan(context.Background(), scanner.Options{
			Target:   srv.URL,
			OpenAPI:  "spec.json",
			ReadFile: func(string) ([]byte, error) { return []byte(jwtFuzzSpec), nil },
			Primary:  scanner.NewIdentity("primary", []scanner.Header{{Name: "Authorization", Value: "Bearer " + token}}),
			Mode:     finding.ModeSafe,
			Client:   scanner.ClientOptions{Concurrency: 1, Timeout: 10 * time.Second, Budget: 100},
			Rules:    []scanner.Rule{&JWTLifetimeExcessive{now: func() time.Time { return jwtFuzzNow }}, &JWTSensitiveClaims{}},
		})
		if errors.Is(err, scanner.ErrIdentityRejected) && strings.Contains(err.Error(), "its JWT expired at") {
			// A token whose exp has passed is rejected before any rule
			// runs (docs/verification.md).
			return
		}
		if err != nil {
			t.Fatalf("scan: %v", err)
		}
		for _, fd := range res.Findings {
			summary := fd.Evidence.Summary
			if !reportSafe(summary) {
				t.Errorf("%s summary carries the token's text: %q", fd.Rule, summary)
			}
			if fd.Rule == "jwt-lifetime-excessive" {
				if _, after, found := strings.Cut(summary, "valid for "); found && (strings.HasPrefix(after, "-") || strings.HasPrefix(after, "0")) {
					t.Errorf("lifetime stated as %q", summary)
				}
			}
		}
	})
}

// reportSafe reports whether s holds nothing that Markdown, HTML, a
// mention or a workflow command could act on, had a writer forgotten to
// escape it: the JWT rules build their summaries from safeName alone.
func reportSafe(s string) bool {
	if strings.HasPrefix(strings.TrimSpace(s), "::") || strings.Contains(s, "##[") {
		return false
	}
	for _, r := range s {
		if strings.ContainsRune("<>@|[]&\\$!*~#\r\n", r) || !unicode.IsPrint(r) && r != ' ' {
			return false
		}
	}
	return true
}
