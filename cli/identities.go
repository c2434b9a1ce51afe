package cli

import (
	"fmt"

	"github.com/authgate/authgate/config"
	"github.com/authgate/authgate/scanner"
)

// scanIdentities are one scan's identities: the primary and peer (regular
// users), the admin, and every configured identity.
type scanIdentities struct {
	primary, peer, admin *scanner.Identity
	all                  []*scanner.Identity
}

// identities builds the scan's identities from the config file's
// identities and the --auth / --peer-auth quick path:
//
//   - --auth (or auth:) is the primary identity and --peer-auth (or
//     peerAuth:) the peer; otherwise the identities primary: and peer:
//     name; otherwise, only when neither flag is given, the first and
//     second identity of role user that is not throw-away
//     (config.PrimaryPeer).
//   - the admin is the first identity of role admin.
func identities(cfg config.Config) (scanIdentities, error) {
	var ids scanIdentities
	byName := map[string]*scanner.Identity{}
	for _, c := range cfg.Identities {
		id, err := buildIdentity(c)
		if err != nil {
			return ids, err
		}
		byName[c.Name] = id
		ids.all = append(ids.all, id)
		if id.IsAdmin() && ids.admin == nil {
			ids.admin = id
		}
	}
	cp, cq := cfg.PrimaryPeer()
	if cfg.Primary != "" && cp == nil {
		return ids, fmt.Errorf("primary: no identity named %q in the config file", cfg.Primary)
	}
	if cfg.Peer != "" && cq == nil {
		return ids, fmt.Errorf("peer: no identity named %q in the config file", cfg.Peer)
	}
	// With --auth or --peer-auth given, an unnamed config identity could be
	// the same account as the flag's: only named ones are used then.
	guess := len(cfg.Auth) == 0 && len(cfg.PeerAuth) == 0
	var err error
	switch {
	case len(cfg.Auth) > 0:
		ids.primary, err = headerIdentity("primary", "auth", cfg.Auth)
	case cp != nil && (cfg.Primary != "" || guess):
		ids.primary = byName[cp.Name]
	}
	if err != nil {
		return ids, err
	}
	switch {
	case len(cfg.PeerAuth) > 0:
		ids.peer, err = headerIdentity("peer", "peer-auth", cfg.PeerAuth)
	case cq != nil && (cfg.Peer != "" || guess):
		ids.peer = byName[cq.Name]
	}
	if err != nil {
		return ids, err
	}
	if ids.primary != nil && ids.primary == ids.peer {
		return ids, fmt.Errorf("peer: the peer must be another identity than the primary")
	}
	return ids, nil
}

// headerIdentity turns --auth or --peer-auth values into an identity.
func headerIdentity(name, flagName string, values []string) (*scanner.Identity, error) {
	hs, err := parseHeaders(values)
	if err != nil {
		return nil, fmt.Errorf("--%s: %w", flagName, err)
	}
	return scanner.NewIdentity(name, hs), nil
}

func parseHeaders(values []string) ([]scanner.Header, error) {
	var hs []scanner.Header
	for _, v := range values {
		n, val, err := config.ParseHeader(v)
		if err != nil {
			return nil, err
		}
		hs = append(hs, scanner.Header{Name: n, Value: val})
	}
	return hs, nil
}

// buildIdentity turns a config file identity into a scanner identity.
func buildIdentity(c config.Identity) (*scanner.Identity, error) {
	hs, err := parseHeaders(c.Headers)
	if err != nil {
		return nil, fmt.Errorf("identity %s: %w", c.Name, err)
	}
	id := scanner.NewIdentity(c.Name, hs)
	id.Role = c.Role
	id.Throwaway = c.Throwaway
	id.Owns = c.Owns
	if l := c.Login; l != nil {
		from, name, err := config.ParseToken(l.Token)
		if err != nil {
			return nil, fmt.Errorf("identity %s: login.token: %w", c.Name, err)
		}
		id.Login = &scanner.Login{
			Method: l.Method, Path: l.Path, Format: l.Format, Body: l.Body,
			UsernameField: l.UsernameField, PasswordField: l.PasswordField,
			TokenFrom: from, TokenName: name, Send: l.Send, Lifetime: l.Lifetime,
		}
	}
	return id, nil
}
