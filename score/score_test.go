package score

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/authgate/authgate/finding"
)

// mk builds a counting finding of rule on path with the given severity.
func mk(rule string, sev finding.Severity, path string) finding.Finding {
	return finding.Finding{
		Rule: rule, Severity: sev, Confidence: finding.ConfidenceHigh, Method: "GET", Path: path,
		Fingerprint: finding.Fingerprint(rule, "GET", path, "bearer"),
	}
}

func lowConf(f finding.Finding) finding.Finding {
	f.Confidence = finding.ConfidenceLow
	return f
}

// The cases are the worked examples of docs/scoring.md; keep them in step.
func TestCompute(t *testing.T) {
	const (
		crit = finding.SeverityCritical
		high = finding.SeverityHigh
		med  = finding.SeverityMedium
		low  = finding.SeverityLow
		info = finding.SeverityInfo
	)
	tests := []struct {
		name  string
		fs    []finding.Finding
		score int
		grade string
	}{
		{"no findings", nil, 100, "A"},
		{"original flask app", []finding.Finding{
			mk("authn-missing", high, "/user"),
			mk("bola-id-enumeration", high, "/user"),
			mk("verbose-error-disclosure", med, "/user"),
		}, 40, "F"},
		{"published broken fix", []finding.Finding{
			mk("bola-cross-user-read", high, "/user"),
			mk("verbose-error-disclosure", med, "/user"),
		}, 65, "D"},
		{"correct fix with an insecure cookie", []finding.Finding{
			mk("cookie-insecure", med, "*"),
		}, 90, "A"},
		{"one high is capped at 69", []finding.Finding{
			mk("authn-missing", high, "/user"),
		}, 69, "D"},
		{"one critical is capped at 49", []finding.Finding{
			mk("jwt-alg-none", crit, "*"),
		}, 49, "F"},
		{"one rule on four operations diminishes", []finding.Finding{
			mk("authn-missing", high, "/a"), mk("authn-missing", high, "/b"),
			mk("authn-missing", high, "/c"), mk("authn-missing", high, "/d"),
		}, 54, "F"}, // 25+12+6+3
		{"one medium rule on three operations", []finding.Finding{
			mk("verbose-error-disclosure", med, "/a"),
			mk("verbose-error-disclosure", med, "/b"),
			mk("verbose-error-disclosure", med, "/c"),
		}, 83, "B"}, // 10+5+2
		{"repeats ordered by severity, highest first", []finding.Finding{
			mk("cookie-insecure", low, "/a"),
			mk("cookie-insecure", med, "/b"),
		}, 89, "B"}, // 10 + 3>>1
		{"three medium rules and a low", []finding.Finding{
			mk("jwt-lifetime-excessive", med, "*"),
			mk("cookie-insecure", med, "*"),
			mk("api-key-in-query", med, "/search"),
			mk("spec-operation-without-security", low, "/health"),
		}, 67, "D"},
		{"info deducts nothing", []finding.Finding{
			mk("password-only-authentication", info, "/login"),
		}, 100, "A"},
		{"low confidence does not count, not even for the cap", []finding.Finding{
			lowConf(mk("authn-missing", high, "/user")),
		}, 100, "A"},
		{"duplicate fingerprint counts once at its worst severity", []finding.Finding{
			mk("verbose-error-disclosure", low, "/user"),
			mk("verbose-error-disclosure", med, "/user"),
		}, 90, "A"},
		{"never below zero", []finding.Finding{
			mk("jwt-alg-none", crit, "*"), mk("jwt-signature-not-verified", crit, "*"),
			mk("jwt-weak-hmac-secret", crit, "*"), mk("authn-invalid-token-accepted", crit, "/user"),
		}, 0, "F"},
		{"out-of-range severity is treated as critical", []finding.Finding{
			mk("odd", finding.Severity(9), "/x"),
		}, 49, "F"},
		{"finding without fingerprint falls back on rule, method and path", []finding.Finding{
			{Rule: "cookie-insecure", Severity: med, Confidence: finding.ConfidenceMedium, Method: "GET", Path: "/a"},
			{Rule: "cookie-insecure", Severity: med, Confidence: finding.ConfidenceMedium, Method: "GET", Path: "/b"},
		}, 85, "B"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Compute(tt.fs)
			if got != tt.score {
				t.Errorf("Compute = %d, want %d", got, tt.score)
			}
			if g := Grade(got); g != tt.grade {
				t.Errorf("Grade(%d) = %s, want %s", got, g, tt.grade)
			}
		})
	}
}

func TestGrade(t *testing.T) {
	tests := []struct {
		score int
		want  string
	}{
		{100, "A"}, {90, "A"}, {89, "B"}, {80, "B"}, {79, "C"}, {70, "C"},
		{69, "D"}, {60, "D"}, {59, "F"}, {0, "F"}, {-5, "F"}, {150, "A"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.score), func(t *testing.T) {
			if got := Grade(tt.score); got != tt.want {
				t.Errorf("Grade(%d) = %s, want %s", tt.score, got, tt.want)
			}
		})
	}
}

// randomFinding draws from small pools of rules and paths so that repeats
// and duplicate fingerprints are common.
func randomFinding(rng *rand.Rand) finding.Finding {
	rules := []string{"authn-missing", "bola-cross-user-read", "cookie-insecure", "jwt-alg-none", "verbose-error-disclosure"}
	paths := []string{"/a", "/b", "/c", "*"}
	f := mk(rules[rng.IntN(len(rules))], finding.Severity(rng.IntN(int(finding.SeverityCritical)+1)), paths[rng.IntN(len(paths))])
	f.Confidence = finding.Confidence(rng.IntN(int(finding.ConfidenceHigh) + 1))
	if rng.IntN(10) == 0 {
		f.Fingerprint = "" // exercise the fallback key
	}
	return f
}

func TestComputeProperties(t *testing.T) {
	const trials = 5000
	rng := rand.New(rand.NewPCG(1, 2)) // fixed seed: failures reproduce
	for i := range trials {
		fs := make([]finding.Finding, rng.IntN(12))
		for j := range fs {
			fs[j] = randomFinding(rng)
		}
		before := Compute(fs)
		if before < 0 || before > MaxScore {
			t.Fatalf("trial %d: score %d outside 0..100 for %+v", i, before, fs)
		}

		shuffled := append([]finding.Finding(nil), fs...)
		rng.Shuffle(len(shuffled), func(a, b int) { shuffled[a], shuffled[b] = shuffled[b], shuffled[a] })
		if got := Compute(shuffled); got != before {
			t.Fatalf("trial %d: order changed the score from %d to %d", i, before, got)
		}

		added := randomFinding(rng)
		after := Compute(append(fs, added))
		if after > before {
			t.Fatalf("trial %d: adding %+v raised the score from %d to %d (findings %+v)", i, added, before, after, fs)
		}
		if !added.Counts() && after != before {
			t.Fatalf("trial %d: a low-confidence finding moved the score from %d to %d", i, before, after)
		}
	}
}
