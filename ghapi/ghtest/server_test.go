package ghtest_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/authgate/authgate/ghapi/ghtest"
)

func do(t *testing.T, srv *ghtest.Server, method, path, auth, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestServerEnforcesGitHubRules(t *testing.T) {
	ann := `{"path":"a.py","start_line":1,"end_line":1,"annotation_level":"warning","message":"m"}`
	many := func(n int) string {
		return `{"name":"authgate","head_sha":"abc","output":{"title":"t","summary":"s","annotations":[` +
			strings.TrimSuffix(strings.Repeat(ann+",", n), ",") + `]}}`
	}
	tests := []struct {
		name, method, path, auth, body string
		wantStatus                     int
		wantMessage                    string
	}{
		{"no token", "POST", "/repos/o/r/check-runs", "", many(1), 401, "Bad credentials"},
		{"wrong token", "POST", "/repos/o/r/check-runs", "Bearer nope", many(1), 401, "Bad credentials"},
		{"token scheme accepted", "POST", "/repos/o/r/check-runs", "token " + ghtest.Token, many(1), 201, ""},
		{"50 annotations accepted", "POST", "/repos/o/r/check-runs", "Bearer " + ghtest.Token, many(50), 201, ""},
		{"51 annotations refused", "POST", "/repos/o/r/check-runs", "Bearer " + ghtest.Token, many(51), 422,
			"Invalid request.\n\nNo more than 50 items are allowed; 51 were supplied."},
		{"long summary refused", "POST", "/repos/o/r/check-runs", "Bearer " + ghtest.Token,
			`{"name":"n","head_sha":"abc","output":{"title":"t","summary":"` + strings.Repeat("x", 65536) + `"}}`, 422,
			"Invalid request.\n\nOnly 65535 characters are allowed; 65536 were supplied."},
		{"unknown run", "PATCH", "/repos/o/r/check-runs/42", "Bearer " + ghtest.Token, `{"name":"n"}`, 404, "Not Found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := ghtest.New(t)
			resp, body := do(t, srv, tt.method, tt.path, tt.auth, tt.body)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.wantStatus, body)
			}
			var msg struct{ Message string }
			_ = json.Unmarshal([]byte(body), &msg)
			if tt.wantMessage != "" && msg.Message != tt.wantMessage {
				t.Errorf("message %q, want %q", msg.Message, tt.wantMessage)
			}
		})
	}
}

func TestServerPaginatesComments(t *testing.T) {
	srv := ghtest.New(t)
	for i := range 250 {
		srv.AddComment("o", "r", 1, "octocat", fmt.Sprint(i))
	}
	tests := []struct {
		query              string
		wantLen            int
		wantNext, wantLast string
	}{
		{"", 30, "page=2", "page=9"},
		{"?per_page=100", 100, "page=2", "page=3"},
		{"?per_page=100&page=3", 50, "", ""},
		{"?per_page=500&page=2", 100, "page=3", "page=3"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			resp, body := do(t, srv, "GET", "/repos/o/r/issues/1/comments"+tt.query, "Bearer "+ghtest.Token, "")
			var got []map[string]any
			if err := json.Unmarshal([]byte(body), &got); err != nil || len(got) != tt.wantLen {
				t.Fatalf("got %d comments (%v), want %d", len(got), err, tt.wantLen)
			}
			link := resp.Header.Get("Link")
			for rel, want := range map[string]string{"next": tt.wantNext, "last": tt.wantLast} {
				has := false
				for part := range strings.SplitSeq(link, ", ") {
					if strings.HasSuffix(part, `rel="`+rel+`"`) {
						has = want != "" && strings.Contains(part, want+"&")
					}
				}
				if (want != "") != has {
					t.Errorf("Link %q: rel=%s want %q", link, rel, want)
				}
			}
		})
	}
}

func TestServerListsCheckRunsForRef(t *testing.T) {
	srv := ghtest.New(t)
	auth := "Bearer " + ghtest.Token
	for _, body := range []string{
		`{"name":"authgate","head_sha":"abc","status":"completed","conclusion":"success"}`,
		`{"name":"authgate","head_sha":"abc","status":"in_progress","external_id":"x1"}`,
		`{"name":"lint","head_sha":"abc","status":"in_progress"}`,
		`{"name":"authgate","head_sha":"def","status":"in_progress"}`,
	} {
		if resp, b := do(t, srv, "POST", "/repos/o/r/check-runs", auth, body); resp.StatusCode != 201 {
			t.Fatalf("seed: %d %s", resp.StatusCode, b)
		}
	}
	tests := []struct {
		query   string
		wantIDs []string // external ids, newest first
		wantLen int
	}{
		{"", nil, 2}, // latest per name: authgate (in progress) and lint
		{"?check_name=authgate&status=in_progress", []string{"x1"}, 1},
		{"?check_name=authgate&status=completed", nil, 0}, // hidden by the newer run
		{"?check_name=authgate&status=completed&filter=all", []string{""}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			_, body := do(t, srv, "GET", "/repos/o/r/commits/abc/check-runs"+tt.query, auth, "")
			var got struct {
				Total int `json:"total_count"`
				Runs  []struct {
					ExternalID string `json:"external_id"`
				} `json:"check_runs"`
			}
			if err := json.Unmarshal([]byte(body), &got); err != nil || len(got.Runs) != tt.wantLen || got.Total != tt.wantLen {
				t.Fatalf("got %+v (%v), want %d runs", got, err, tt.wantLen)
			}
			for i, id := range tt.wantIDs {
				if got.Runs[i].ExternalID != id {
					t.Errorf("run %d external_id %q, want %q", i, got.Runs[i].ExternalID, id)
				}
			}
		})
	}
}

func TestServerFaultKinds(t *testing.T) {
	auth := "Bearer " + ghtest.Token
	post := `{"body":"hi"}`
	tests := []struct {
		name         string
		inject       func(*ghtest.Server)
		wantStatuses []int // of GET, POST, POST
		wantComments int
	}{
		{"refused", func(s *ghtest.Server) { s.FailNext(1, 502, nil) }, []int{502, 201, 201}, 2},
		{"after handling", func(s *ghtest.Server) { s.FailNextAfterHandling(2, 502) }, []int{502, 502, 201}, 2},
		{"POST only", func(s *ghtest.Server) { s.Inject(1, ghtest.Fault{Method: "POST", Status: 502}) }, []int{200, 502, 201}, 1},
		{"skip one POST", func(s *ghtest.Server) {
			s.Inject(1, ghtest.Fault{Method: "POST", Status: 502, AfterHandling: true, Skip: 1})
		}, []int{200, 201, 502}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := ghtest.New(t)
			tt.inject(srv)
			var got []int
			resp, _ := do(t, srv, "GET", "/repos/o/r/issues/1/comments", auth, "")
			got = append(got, resp.StatusCode)
			for range 2 {
				resp, _ := do(t, srv, "POST", "/repos/o/r/issues/1/comments", auth, post)
				got = append(got, resp.StatusCode)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.wantStatuses) {
				t.Errorf("statuses %v, want %v", got, tt.wantStatuses)
			}
			comments := srv.Comments("o", "r", 1)
			if len(comments) != tt.wantComments {
				t.Errorf("%d comments, want %d", len(comments), tt.wantComments)
			}
			for _, c := range comments {
				if c.Login != ghtest.BotLogin {
					t.Errorf("created comment by %q, want %q", c.Login, ghtest.BotLogin)
				}
			}
		})
	}
}
