package config

import (
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
)

// Bounds that Validate enforces, each with its reason.
const (
	// MaxConcurrency caps parallel requests: beyond a few hundred a scan
	// stops being polite to a preview deployment and starts to look like a
	// denial of service, and the rate limit is the real throttle anyway.
	MaxConcurrency = 256
	// maxScore is the top of the published 0–100 score scale.
	maxScore = 100
	// unsetScoreDrop is MaxScoreDrop's "no score-drop gate".
	unsetScoreDrop = -1
	// maxPort is the largest TCP port.
	maxPort = 65535
)

var (
	modes      = []string{"safe", "active"}
	severities = []string{"critical", "high", "medium", "low", "none"}
)

// Validate reports every problem with c, each named by its flag (which is
// also the Action input's name), as one Problems error on one line; nil
// when c can be scanned with.
func (c *Config) Validate() error {
	var p Problems
	add := func(name, format string, a ...any) {
		p = append(p, invalidf("%s: %s", name, fmt.Sprintf(format, a...)))
	}

	switch {
	case c.Target == "":
		add("target", "required: give TARGET, the API's base URL (or target: in the config file)")
	default:
		if msg := checkURL(c.Target); msg != "" {
			add("target", "%s", msg)
		}
	}
	if c.BaselineURL != "" {
		if msg := checkURL(c.BaselineURL); msg != "" {
			add("baseline-url", "%s", msg)
		}
	}
	if u, err := url.Parse(c.OpenAPI); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.User != nil {
		add("openapi", "%s", msgUserinfo)
	}
	if !oneOf(c.Mode, modes) {
		add("mode", "%q is not one of %s", truncate(c.Mode), strings.Join(modes, ", "))
	}
	if !oneOf(c.FailOn, severities) {
		add("fail-on", "%q is not one of %s", truncate(c.FailOn), strings.Join(severities, ", "))
	}
	if c.FailUnder < 0 || c.FailUnder > maxScore {
		add("fail-under", "%d is outside 0..%d", c.FailUnder, maxScore)
	}
	if c.MaxScoreDrop != unsetScoreDrop && (c.MaxScoreDrop < 0 || c.MaxScoreDrop > maxScore) {
		add("max-score-drop", "%d is outside 0..%d (or -1 for no score-drop gate)", c.MaxScoreDrop, maxScore)
	}
	// NaN fails every comparison, so test for the good range.
	if !(c.Rate >= 0) || math.IsInf(c.Rate, 0) {
		add("rate", "%v must be a number of requests per second, 0 or more (0: unlimited)", c.Rate)
	}
	if c.Concurrency < 1 || c.Concurrency > MaxConcurrency {
		add("concurrency", "%d is outside 1..%d", c.Concurrency, MaxConcurrency)
	}
	if c.Timeout <= 0 {
		add("timeout", "%s must be more than 0", c.Timeout)
	}
	if c.Budget < 1 {
		add("budget", "%d must be at least 1 request", c.Budget)
	}
	if c.Wait < 0 {
		add("wait", "%s must not be negative", c.Wait)
	}
	if c.Shard != (Shard{}) {
		if err := c.Shard.check(); err != nil {
			add("shard", "%v", err)
		}
	}
	for i, e := range c.Endpoints {
		if _, _, err := ParseEndpoint(e); err != nil {
			add(fmt.Sprintf("endpoint #%d", i+1), "%v", err)
		}
	}
	for _, h := range []struct {
		name   string
		values []string
	}{{"auth", c.Auth}, {"peer-auth", c.PeerAuth}} {
		for i, v := range h.values {
			if _, _, err := ParseHeader(v); err != nil {
				add(fmt.Sprintf("%s #%d", h.name, i+1), "%v", err)
			}
		}
	}
	for i, s := range c.Suppress {
		if strings.TrimSpace(s) == "" {
			add(fmt.Sprintf("suppress #%d", i+1), "empty (want a rule id or a fingerprint)")
		}
	}
	c.validateOutputs(add)

	if len(p) == 0 {
		return nil
	}
	return p
}

// validateOutputs checks formats and that no two reports share a
// destination: two reports in one file, or on stdout, make neither
// parseable.
func (c *Config) validateOutputs(add func(name, format string, a ...any)) {
	seen := map[string]string{}
	for _, o := range c.Outputs {
		if !knownFormat(o.Format) {
			add("format", "unknown report format %q (want %s)", truncate(o.Format), strings.Join(Formats, ", "))
			continue
		}
		path := o.Path
		if path == "" {
			path = Stdout
		}
		if prev, ok := seen[path]; ok {
			if path == Stdout {
				add("format", "only one report can go to stdout (got %s and %s); write the others with -o FORMAT=PATH", prev, o.Format)
			} else {
				add("output", "%q is written twice (%s and %s)", truncate(path), prev, o.Format)
			}
			continue
		}
		seen[path] = o.Format
	}
}

const msgUserinfo = "credentials in the URL are refused: they would be printed in reports and logs and sent with every request; pass them with --auth instead"

// checkURL returns what is wrong with a target URL, or "". The message
// never repeats the URL, which may hold credentials.
func checkURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "not a valid URL (want e.g. https://preview.example.com)"
	}
	if u.User != nil {
		return msgUserinfo
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		if u.Scheme == "" {
			return "not an absolute URL (want e.g. https://preview.example.com)"
		}
		return fmt.Sprintf("scheme %q is not http or https", truncate(u.Scheme))
	}
	if u.Host == "" || u.Hostname() == "" {
		return "the URL has no host"
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > maxPort {
			return fmt.Sprintf("port %s is outside 1..%d", truncate(p), maxPort)
		}
	}
	return ""
}

func oneOf(s string, list []string) bool {
	for _, v := range list {
		if s == v {
			return true
		}
	}
	return false
}
