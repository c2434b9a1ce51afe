package rules

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/authgate/authgate/internal/lazyre"
)

// A dotenv file (.env) served by a static-file handler holds the
// deployment's database password and API keys as KEY=value lines; it is
// no JSON, so credentials-in-response reads it here. Discovery asks for
// /.env on every target (see scanner/discovery.go).

// envLine is one assignment: KEY=value, optionally after "export".
var envLine = lazyre.New(`^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*)$`)

// minEnvLines is the fewest assignments a body needs to be taken for a
// dotenv file; one "password=x" line in prose is not one.
const minEnvLines = 2

// dotenvSecrets describes the secrets of a dotenv body ("a secret value
// under \"DB_PASSWORD\"") and returns their values for redaction; ok is
// false when the body is not a dotenv file: JSON, HTML, prose, or fewer
// than nine in ten of its non-comment lines assignments.
func dotenvSecrets(body []byte) (leaks, values []string, ok bool) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || bytes.IndexByte([]byte("{[<\""), trimmed[0]) >= 0 {
		return nil, nil, false
	}
	assignments, other := 0, 0
	for line := range strings.Lines(string(trimmed)) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m := envLine.FindStringSubmatch(line)
		if m == nil {
			other++
			continue
		}
		assignments++
		// Every name is an environment variable's: GITHUB_TOKEN and
		// DB_PASS are the deployment's credentials (see secretName).
		k := m[1]
		what, hide := judgeSecret(k, envValue(m[2]), true)
		values = append(values, hide...)
		if what == "" {
			continue
		}
		if d := fmt.Sprintf("%s under %q", what, safeName(k)); !slices.Contains(leaks, d) {
			leaks = append(leaks, d)
		}
	}
	if assignments < minEnvLines || other*10 > assignments+other {
		return nil, nil, false
	}
	return leaks, values, true
}

// envValue is an assignment's value without its quotes or a trailing
// comment.
func envValue(v string) string {
	v = strings.TrimSpace(v)
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') {
		if end := strings.IndexByte(v[1:], v[0]); end >= 0 {
			return v[1 : end+1]
		}
	}
	if i := strings.Index(v, " #"); i >= 0 {
		v = v[:i]
	}
	return strings.TrimSpace(v)
}
