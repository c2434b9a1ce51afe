package cli

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// jwtMeAPI serves Alice's GET /me to a bearer token verify accepts (401
// otherwise, 404 elsewhere) and counts every request in hits: the API of
// the --jwt-public-key and --jwt-wordlist tests, which differ only in how
// a token is verified.
func jwtMeAPI(t *testing.T, verify func(token string) bool, hits *atomic.Int64) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/me" && verify(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")):
			w.Write([]byte(`{"id":1001,"name":"Alice","email":"alice@example.com"}`))
		case r.URL.Path == "/me":
			w.WriteHeader(401)
			w.Write([]byte(`{"error":"unauthorized"}`))
		default:
			w.WriteHeader(404)
			w.Write([]byte(`{"error":"not found"}`))
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}
