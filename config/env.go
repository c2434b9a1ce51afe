package config

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// LookupEnv reads one environment variable, as os.LookupEnv does. The
// loader takes one so that callers (and tests) decide where the
// environment comes from; a getenv that cannot tell unset from empty
// adapts as func(k string) (string, bool) { v := getenv(k); return v, v != "" }.
type LookupEnv func(name string) (value string, ok bool)

// refusedEnvPrefixes are the variables a config file may not read. The
// file comes from the repository, possibly from a pull request, while
// these hold the runner's own credentials and settings
// (ACTIONS_RUNTIME_TOKEN, GITHUB_TOKEN when exported, INPUT_GITHUB-TOKEN):
// ${GITHUB_TOKEN} in a header would send the workflow's token to
// whatever the pull request deploys.
var refusedEnvPrefixes = []string{"GITHUB_", "ACTIONS_", "RUNNER_", "INPUT_"}

// refusedEnvNames are the GitHub CLI's names for the same token, which
// workflows commonly export.
var refusedEnvNames = []string{"GH_TOKEN", "GH_ENTERPRISE_TOKEN", "GITHUB_TOKEN"}

// errBareDollar explains a "$NAME" without braces: left literal it would
// send the text "$TOKEN" as a credential and the scan would quietly run
// with the wrong account. The message does not quote the name, which
// may be part of a password.
var errBareDollar = errors.New("found $ followed by a name without braces; write ${NAME} for an environment variable or $$ for a literal $")

// expandEnv replaces each ${NAME} in s with the variable's value. $$ is
// a literal $, and so is a $ followed by anything but a name or a brace.
// Values are not expanded again. Errors name the variable, never a
// value, and never quote s, which holds a credential.
func expandEnv(s string, lookup LookupEnv) (string, error) {
	if !strings.Contains(s, "$") {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '$' {
			b.WriteByte(c)
			continue
		}
		if i+1 == len(s) {
			b.WriteByte('$')
			continue
		}
		switch next := s[i+1]; {
		case next == '$':
			b.WriteByte('$')
			i++
		case next == '{':
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				return "", errors.New("${ without a closing }; write $$ for a literal $")
			}
			name := s[i+2 : i+2+end]
			if !validEnvName(name) {
				return "", errors.New("${…} holds no valid environment variable name (letters, digits and _, not starting with a digit); write $$ for a literal $")
			}
			v, err := lookupVar(name, lookup)
			if err != nil {
				return "", err
			}
			b.WriteString(v)
			i += 2 + end
		case next == '_' || isLetter(next):
			return "", errBareDollar
		default:
			b.WriteByte('$')
		}
	}
	return b.String(), nil
}

// lookupVar reads one variable, refusing the runner's own.
func lookupVar(name string, lookup LookupEnv) (string, error) {
	upper := strings.ToUpper(name) // Windows' environment ignores case
	if slices.Contains(refusedEnvNames, upper) {
		return "", fmt.Errorf("environment variable %s is refused: it holds the workflow's GitHub token, and a config file may come from a pull request; "+
			"copy the value you mean into a variable of your own (env: MY_TOKEN: ${{ secrets.MY_TOKEN }})", name)
	}
	for _, p := range refusedEnvPrefixes {
		if strings.HasPrefix(upper, p) {
			return "", fmt.Errorf("environment variable %s is refused: %s variables hold the CI runner's own tokens and settings, and a config file may come from a pull request; "+
				"copy the value you mean into a variable of your own (env: MY_TOKEN: ${{ secrets.MY_TOKEN }})", name, strings.Join(refusedEnvPrefixes, "*, ")+"*")
		}
	}
	v, ok := lookup(name)
	switch {
	case !ok:
		return "", fmt.Errorf("environment variable %s is not set", name)
	case v == "":
		// GitHub passes an empty string for a secret that a workflow run
		// cannot read, as on pull requests from forks.
		return "", fmt.Errorf("environment variable %s is not set (it is empty; secrets are empty in workflows run from forks)", name)
	}
	return v, nil
}

// validEnvName reports whether s is a POSIX shell variable name.
func validEnvName(s string) bool {
	if s == "" || ('0' <= s[0] && s[0] <= '9') {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c != '_' && !isLetter(c) && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

func isLetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }
