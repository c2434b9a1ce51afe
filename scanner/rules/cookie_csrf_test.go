package rules_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestCookieCSRFNeverSession: anti-CSRF cookies, whatever their value
// looks like and whichever flags they lack, are no session cookies; the
// insecure session cookie set beside them still is one (the test can
// fail), over HTTP and HTTPS.
func TestCookieCSRFNeverSession(t *testing.T) {
	csrf := []string{
		"XSRF-TOKEN=3f9c2b1e-7d4a-4c3e-9b8f-2a6d5e1c0f47; Path=/",               // Spring, Angular
		"csrftoken=Xk4b9QmZ2pL7rT1vW8yN3sD6fH0jK5cA; Path=/",                    // Django
		"_csrf=Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA; Path=/; Secure",                  // csurf
		"X-CSRF-Token=eyJpdiI6IkZ3b2x0aE5pa2F3PT0iLCJ2YWx1ZSI6IjEyMyJ9; Path=/", // named like a token too
	}
	h := func(session string) http.Handler {
		inner := loginAPI("", false)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost && r.URL.Path == "/login" {
				w.Header().Add("Set-Cookie", session)
				for _, c := range csrf {
					w.Header().Add("Set-Cookie", c)
				}
			}
			inner.ServeHTTP(w, r)
		})
	}
	for _, tls := range []bool{false, true} {
		for _, tt := range []struct {
			name, session string
			want          int // findings: the session cookie's
		}{
			{"session cookie with every flag", "JSESSIONID=" + clSession + "; Path=/; Secure; HttpOnly; SameSite=Lax", 0},
			{"session cookie without HttpOnly", "JSESSIONID=" + clSession + "; Path=/; Secure; SameSite=Lax", 1},
		} {
			fs, _ := cookieLoginScan(t, h(tt.session), tls)
			for _, f := range fs {
				if !strings.Contains(f.Evidence.Summary, `"JSESSIONID"`) {
					t.Errorf("tls=%v, %s: an anti-CSRF cookie reported: %s", tls, tt.name, f.Evidence.Summary)
				}
			}
			if len(fs) != tt.want {
				t.Errorf("tls=%v, %s: %d findings; want %d", tls, tt.name, len(fs), tt.want)
			}
		}
	}
}
