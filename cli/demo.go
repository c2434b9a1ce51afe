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
	"time"

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
// rules act on notes they create as alice. `--serve ADDR` only serves
// the demo API, until interrupted (serveDemo).
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
	if addr, rest, ok, err := serveFlag(args); err != nil {
		return exitCode(env, err)
	} else if ok {
		return serveDemo(ctx, addr, rest, handler, name, env)
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

// serveFlag finds `--serve ADDR` (or `--serve=ADDR`) in args and returns
// ADDR and the other arguments.
func serveFlag(args []string) (addr string, rest []string, ok bool, err error) {
	for i, a := range args {
		switch {
		case a == "--serve" || a == "-serve":
			if i+1 >= len(args) || strings.HasPrefix(args[i+1], "-") {
				return "", nil, false, usagef("demo %s needs an address, e.g. %s 127.0.0.1:8080", a, a)
			}
			return args[i+1], append(slices.Clone(args[:i]), args[i+2:]...), true, nil
		case strings.HasPrefix(a, "--serve=") || strings.HasPrefix(a, "-serve="):
			_, v, _ := strings.Cut(a, "=")
			return v, append(slices.Clone(args[:i]), args[i+1:]...), true, nil
		}
	}
	return "", args, false, nil
}

// serveShutdown bounds how long an interrupted `demo --serve` waits for
// requests in flight: the demo answers in microseconds, so this is only
// for a client that keeps a request open.
const serveShutdown = 5 * time.Second

// serveDemo serves the demo API on addr until ctx is done (SIGINT or
// SIGTERM): a target for trying authgate from another process, a
// container or a CI job (the Action from a checkout, the GitLab and shell
// examples). It prints the API's URL as the one line of stdout, so a
// script can read it (an ADDR with port 0 gets a free port), and the
// identities' credentials on stderr. It scans nothing; an interrupt is its
// normal end, exit 0.
func serveDemo(ctx context.Context, addr string, rest []string, handler http.Handler, name string, env Env) int {
	if len(rest) > 0 {
		return exitCode(env, usagef("demo --serve takes no other flag than --secure, got %q", rest[0]))
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return exitCode(env, usagef("demo --serve %q: want HOST:PORT, e.g. 127.0.0.1:8080", addr))
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return exitCode(env, fmt.Errorf("demo --serve: %w", err))
	}
	bound := ln.Addr().(*net.TCPAddr)
	urlHost := host
	if bound.IP.IsUnspecified() || host == "" {
		// Listening on every interface: loopback reaches it here.
		urlHost = "127.0.0.1"
	}
	url := "http://" + net.JoinHostPort(urlHost, fmt.Sprint(bound.Port))
	fmt.Fprintln(env.Stdout, url)
	fmt.Fprintf(env.Stderr, "authgate: demo: serving the %s demo API at %s until interrupted; alice (primary): %q, bob (peer): %q\n",
		name, url, "Authorization: Bearer "+demo.AliceToken, "Authorization: Bearer "+demo.BobToken)
	if ip := bound.IP; !ip.IsLoopback() {
		fmt.Fprintf(env.Stderr, "authgate: demo: warning: %s is not a loopback address: the %s demo API is reachable from other machines\n", ln.Addr(), name)
	}

	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return exitCode(env, fmt.Errorf("demo --serve: %w", err))
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), serveShutdown)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		srv.Close()
	}
	fmt.Fprintf(env.Stderr, "authgate: demo: stopped serving %s\n", url)
	return ExitPassed
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
