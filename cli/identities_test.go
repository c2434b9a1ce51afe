package cli

import (
	"strings"
	"testing"

	"github.com/authgate/authgate/config"
	"github.com/authgate/authgate/scanner"
)

func idName(id *scanner.Identity) string {
	if id == nil {
		return ""
	}
	return id.Name
}

// TestIdentities: which configured identity becomes the primary, the peer
// and the admin, and how --auth / --peer-auth take over.
func TestIdentities(t *testing.T) {
	user := func(name string) config.Identity {
		return config.Identity{Name: name, Role: config.RoleUser, Headers: []string{"Authorization: Bearer tok-" + name}}
	}
	admin := config.Identity{Name: "ops", Role: config.RoleAdmin, Headers: []string{"Authorization: Bearer tok-ops"}}
	throwaway := config.Identity{Name: "mallory", Role: config.RoleUser, Throwaway: true,
		Login: &config.Login{Method: "POST", Path: "/login", Format: "json", Body: map[string]any{"username": "m", "password": "p"},
			Token: "json:token", Send: "Authorization: Bearer {token}"}}
	tests := []struct {
		name                     string
		cfg                      config.Config
		primary, peer, adminName string // "" : none
		wantErr                  string
	}{
		{"first two users", config.Config{Identities: []config.Identity{throwaway, admin, user("alice"), user("bob")}},
			"alice", "bob", "ops", ""},
		{"named", config.Config{Identities: []config.Identity{user("alice"), user("bob"), user("carol")}, Primary: "carol", Peer: "alice"},
			"carol", "alice", "", ""},
		{"named primary, peer is the next user", config.Config{Identities: []config.Identity{user("alice"), user("bob")}, Primary: "bob"},
			"bob", "alice", "", ""},
		{"--auth wins, no peer guessed", config.Config{Auth: []string{"Authorization: Bearer x-123456"}, Identities: []config.Identity{user("alice"), user("bob")}},
			"primary", "", "", ""},
		{"--auth and named peer", config.Config{Auth: []string{"Authorization: Bearer x-123456"}, Peer: "bob", Identities: []config.Identity{user("alice"), user("bob")}},
			"primary", "bob", "", ""},
		{"--peer-auth only", config.Config{PeerAuth: []string{"Authorization: Bearer y-123456"}, Identities: []config.Identity{user("alice")}},
			"", "peer", "", ""},
		{"throw-away never guessed", config.Config{Identities: []config.Identity{throwaway}},
			"", "", "", ""},
		{"unknown name", config.Config{Identities: []config.Identity{user("alice")}, Primary: "eve"},
			"", "", "", `no identity named "eve"`},
		{"same primary and peer", config.Config{Identities: []config.Identity{user("alice")}, Primary: "alice", Peer: "alice"},
			"", "", "", "another identity"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ids, err := identities(tt.cfg)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("identities: %v", err)
			}
			check := func(role, want string, gotName string) {
				if gotName != want {
					t.Errorf("%s = %q, want %q", role, gotName, want)
				}
			}
			check("primary", tt.primary, idName(ids.primary))
			check("peer", tt.peer, idName(ids.peer))
			check("admin", tt.adminName, idName(ids.admin))
			if len(ids.all) != len(tt.cfg.Identities) {
				t.Errorf("all = %d identities, want %d", len(ids.all), len(tt.cfg.Identities))
			}
		})
	}
}
