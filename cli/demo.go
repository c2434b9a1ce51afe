package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"

	"github.com/authgate/authgate/config"
	"github.com/authgate/authgate/demo"
	"github.com/authgate/authgate/finding"
)

// runDemo serves the built-in demo API on a loopback port and scans it as
// its two users. `--secure` scans the fixed twin instead; every other scan
// flag (-o, --format, --fail-under, ...) works as for scan. With
// `--mode active` the demo's throw-away account, mallory, is added with
// its login flow, so that the active rules have an account to lock out
// and log out; alice and bob stay the primary and the peer, and the write
// rules act on notes they create as alice.
func runDemo(ctx context.Context, args []string, env Env) int {
	secure := false
	if i := slices.Index(args, "--secure"); i >= 0 {
		secure = true
		args = slices.Delete(slices.Clone(args), i, i+1)
	}
	handler, name := demo.Vulnerable(), "vulnerable"
	if secure {
		handler, name = demo.Secure(), "secure"
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return exitCode(env, fmt.Errorf("starting the demo API: %w", err))
	}
	srv := &http.Server{Handler: handler}
	go srv.Serve(ln)
	defer srv.Close()

	target := "http://" + ln.Addr().String()
	fmt.Fprintf(env.Stderr, "authgate: demo: serving the %s demo API at %s, scanning it as alice (the primary identity) and bob (the peer)\n", name, target)
	full := []string{target}
	if !slices.ContainsFunc(args, func(a string) bool {
		return a == "--config" || a == "-config" || strings.HasPrefix(a, "--config=") || strings.HasPrefix(a, "-config=")
	}) {
		// The demo is self-contained: a .authgate.yml of the project
		// in the working directory (its target, its spec) is not for it.
		full = append(full, "--config", "")
	}
	full = append(full, args...)
	cfg, err := parseScanFlags(full, env.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return ExitPassed
	}
	if err != nil {
		return exitCode(env, usageError{err})
	}
	if len(cfg.Auth) == 0 && len(cfg.PeerAuth) == 0 {
		// Named identities, so that reports say alice and bob, as a
		// user's .authgate.yml would.
		cfg.Identities = append(cfg.Identities,
			config.Identity{Name: "alice", Role: config.RoleUser, Headers: []string{"Authorization: Bearer " + demo.AliceToken}},
			config.Identity{Name: "bob", Role: config.RoleUser, Headers: []string{"Authorization: Bearer " + demo.BobToken}})
		cfg.Primary, cfg.Peer = "alice", "bob"
	}
	if cfg.Mode == string(finding.ModeActive) {
		cfg.Identities = append(cfg.Identities, demoThrowaway())
		fmt.Fprintf(env.Stderr, "authgate: demo: active mode: logging in as %s (POST /api/login), the throw-away account the active rules may lock out and log out\n", demo.MalloryUser)
		fmt.Fprintf(env.Stderr, "authgate: demo: active mode: the write checks create notes of their own as alice (POST /api/notes), attack them as bob and without credentials, and delete them at the end; the notes that existed before are never touched\n")
	}
	if err := cfg.Validate(); err != nil {
		return exitCode(env, usageError{err})
	}
	_, code := scanAndGate(ctx, cfg, env, nil)
	return code
}

// demoThrowaway is the demo's throw-away identity: the account the active
// rules may lock out, log out or change, logged in by the demo's login.
func demoThrowaway() config.Identity {
	return config.Identity{
		Name:      demo.MalloryUser,
		Role:      config.RoleUser,
		Throwaway: true,
		Login: &config.Login{
			Method: http.MethodPost,
			Path:   "/api/login",
			Format: "json",
			Body:   map[string]any{"username": demo.MalloryUser, "password": demo.MalloryPassword},
			Token:  "json:access_token",
			Send:   "Authorization: Bearer {token}",
		},
	}
}
