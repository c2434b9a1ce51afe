// Package ghtest is a fake GitHub REST API for tests: the check-run and
// issue-comment endpoints authgate uses, with GitHub's validation errors,
// Link-header pagination, and fault injection (read-only tokens, transient
// 5xx, rate limits). It keeps state so that tests can assert on what a real
// repository would show afterwards.
package ghtest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

// Token is the only credential the server accepts, as "Bearer Token" or
// "token Token".
const Token = "ghtest-token"

// BotLogin authors the comments created through the API, like the
// GITHUB_TOKEN of a workflow run.
const BotLogin = "github-actions[bot]"

// GitHub's limits, enforced with GitHub's own error messages.
const (
	maxAnnotations  = 50    // "No more than 50 items are allowed; N were supplied."
	maxOutputChars  = 65535 // "Only 65535 characters are allowed; N were supplied."
	maxCommentChars = 65536 // "body is too long (maximum is 65536 characters)"
	defaultPerPage  = 30    // GitHub's page size when per_page is absent
	maxPerPage      = 100   // GitHub's largest page
	firstID         = 1000  // ids start high so that 0 never looks valid
)

// Annotation is a check-run annotation as GitHub stored it.
type Annotation struct {
	Path       string `json:"path"`
	StartLine  int    `json:"start_line"`
	EndLine    int    `json:"end_line"`
	Level      string `json:"annotation_level"`
	Title      string `json:"title,omitempty"`
	Message    string `json:"message"`
	RawDetails string `json:"raw_details,omitempty"`
}

// CheckRun is a check run with every annotation it received.
type CheckRun struct {
	ID          int64
	Owner, Repo string
	Name        string
	HeadSHA     string
	ExternalID  string
	Status      string // "queued", "in_progress" or "completed"
	Conclusion  string
	Title       string
	Summary     string
	Text        string
	Annotations []Annotation
	// Batches holds the number of annotations of each accepted request.
	Batches []int
}

// Comment is an issue or pull-request comment.
type Comment struct {
	ID          int64
	Owner, Repo string
	Issue       int
	Login       string
	Body        string
	// Edits counts the PATCH requests that changed it.
	Edits int
}

// Request is one request the server received and the status it answered.
type Request struct {
	Method string
	Path   string
	Query  string
	Status int
}

// Fault is an injected failure; see Inject.
type Fault struct {
	// Method limits the fault to requests with this method ("POST"); ""
	// matches any request.
	Method string
	// Status and Header are what the request is answered with.
	Status int
	Header map[string]string
	// AfterHandling lets the request take effect before its answer is
	// replaced, as when GitHub creates a comment and still answers 502.
	AfterHandling bool
	// Skip lets that many matching requests through before the fault
	// applies, e.g. to fail the second batch of annotations.
	Skip int
}

// Server is the fake GitHub. All methods are safe for concurrent use.
type Server struct {
	*httptest.Server

	mu        sync.Mutex
	nextID    int64
	checkRuns map[int64]*CheckRun
	comments  []*Comment
	requests  []Request
	readOnly  bool
	faults    []Fault
}

// New starts a server that is closed when the test ends. Point ghapi.New at
// its URL with Token.
func New(t testing.TB) *Server {
	t.Helper()
	s := &Server{nextID: firstID, checkRuns: make(map[int64]*CheckRun)}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /repos/{owner}/{repo}/check-runs", s.createCheckRun)
	mux.HandleFunc("GET /repos/{owner}/{repo}/check-runs/{id}", s.getCheckRun)
	mux.HandleFunc("PATCH /repos/{owner}/{repo}/check-runs/{id}", s.updateCheckRun)
	mux.HandleFunc("GET /repos/{owner}/{repo}/commits/{ref}/check-runs", s.listCheckRuns)
	mux.HandleFunc("GET /repos/{owner}/{repo}/issues/{number}/comments", s.listComments)
	mux.HandleFunc("POST /repos/{owner}/{repo}/issues/{number}/comments", s.createComment)
	mux.HandleFunc("PATCH /repos/{owner}/{repo}/issues/comments/{id}", s.editComment)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "Not Found", nil)
	})
	s.Server = httptest.NewServer(s.middleware(mux))
	t.Cleanup(s.Close)
	return s
}

// ReadOnly makes every write answer 403 "Resource not accessible by
// integration", as GitHub does for the token of a fork pull request.
func (s *Server) ReadOnly() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.readOnly = true
}

// FailNext makes the next n requests answer status with header and a
// GitHub-like message, e.g. FailNext(2, 502, nil), or FailNext(1, 403,
// map[string]string{"Retry-After": "1"}) for a secondary rate limit.
func (s *Server) FailNext(n, status int, header map[string]string) {
	s.Inject(n, Fault{Status: status, Header: header})
}

// FailNextAfterHandling makes the next n requests take effect and then
// answer status, e.g. FailNextAfterHandling(1, 502): the comment or check
// run is created but the client is told it failed.
func (s *Server) FailNextAfterHandling(n, status int) {
	s.Inject(n, Fault{Status: status, AfterHandling: true})
}

// Inject queues n copies of f. Each request consumes the first queued fault
// whose Method matches it, so Inject(1, Fault{Method: "POST", Status: 502})
// lets the reads before the write through.
func (s *Server) Inject(n int, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults = append(s.faults, f)
	}
}

// AddComment seeds a comment as if login had written it and returns its id.
// Logins ending in "[bot]" are reported with user type "Bot".
func (s *Server) AddComment(owner, repo string, issue int, login, body string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addComment(owner, repo, issue, login, body)
}

func (s *Server) addComment(owner, repo string, issue int, login, body string) int64 {
	s.nextID++
	s.comments = append(s.comments, &Comment{ID: s.nextID, Owner: owner, Repo: repo, Issue: issue, Login: login, Body: body})
	return s.nextID
}

// Comments returns copies of the comments on one issue, oldest first.
func (s *Server) Comments(owner, repo string, issue int) []Comment {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Comment
	for _, c := range s.comments {
		if c.Owner == owner && c.Repo == repo && c.Issue == issue {
			out = append(out, *c)
		}
	}
	return out
}

// CheckRuns returns deep copies of all check runs, in creation order.
func (s *Server) CheckRuns() []CheckRun {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]CheckRun, 0, len(s.checkRuns))
	for _, cr := range s.checkRuns {
		c := *cr
		c.Annotations = slices.Clone(cr.Annotations)
		c.Batches = slices.Clone(cr.Batches)
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b CheckRun) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// Requests returns every request received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// RequestCount returns how many requests were received, counting rejected
// and faulted ones.
func (s *Server) RequestCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.requests)
}

// statusRecorder remembers the status written, for the request log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

// middleware logs the request, then applies authentication, injected
// faults and read-only mode, in that order.
func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			s.mu.Lock()
			s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Status: rec.status})
			s.mu.Unlock()
		}()
		auth := r.Header.Get("Authorization")
		if auth != "Bearer "+Token && auth != "token "+Token {
			writeError(rec, http.StatusUnauthorized, "Bad credentials", nil)
			return
		}
		s.mu.Lock()
		var f *Fault
		for i := range s.faults {
			if m := s.faults[i].Method; m == "" || strings.EqualFold(m, r.Method) {
				if s.faults[i].Skip > 0 {
					s.faults[i].Skip--
					continue
				}
				picked := s.faults[i]
				f = &picked
				s.faults = slices.Delete(s.faults, i, i+1)
				break
			}
		}
		readOnly := s.readOnly
		s.mu.Unlock()
		if f != nil && !f.AfterHandling {
			writeError(rec, f.Status, faultMessage(f.Status, f.Header), f.Header)
			return
		}
		if readOnly && r.Method != http.MethodGet && r.Method != http.MethodHead {
			writeError(rec, http.StatusForbidden, "Resource not accessible by integration", nil)
			return
		}
		if f != nil {
			next.ServeHTTP(httptest.NewRecorder(), r) // the effect stays, the answer is lost
			writeError(rec, f.Status, faultMessage(f.Status, f.Header), f.Header)
			return
		}
		next.ServeHTTP(rec, r)
	})
}

// faultMessage is what GitHub says with each status.
func faultMessage(status int, header map[string]string) string {
	switch {
	case status == http.StatusForbidden && header["Retry-After"] != "":
		return "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
	case status == http.StatusForbidden:
		return "Resource not accessible by integration"
	case status == http.StatusUnauthorized:
		return "Bad credentials"
	case status == http.StatusNotFound:
		return "Not Found"
	case status == http.StatusTooManyRequests:
		return "API rate limit exceeded"
	}
	return http.StatusText(status)
}

// writeError answers like GitHub: a JSON message and documentation_url.
func writeError(w http.ResponseWriter, status int, message string, header map[string]string) {
	doc := "https://docs.github.com/rest"
	if status == http.StatusForbidden && header["Retry-After"] != "" {
		doc = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"
	}
	for k, v := range header {
		w.Header().Set(k, v)
	}
	writeJSON(w, status, map[string]any{"message": message, "documentation_url": doc})
}

// validationFailed answers 422 like GitHub's model validations.
func validationFailed(w http.ResponseWriter, resource, field, message string) {
	writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
		"message":           "Validation Failed",
		"errors":            []map[string]string{{"resource": resource, "code": "custom", "field": field, "message": message}},
		"documentation_url": "https://docs.github.com/rest",
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client hanging up is not the test's failure
}

// checkRunRequest is the body of POST and PATCH check-runs.
type checkRunRequest struct {
	Name       *string `json:"name"`
	HeadSHA    string  `json:"head_sha"`
	ExternalID string  `json:"external_id"`
	Status     string  `json:"status"`
	Conclusion string  `json:"conclusion"`
	Output     *struct {
		Title       *string      `json:"title"`
		Summary     *string      `json:"summary"`
		Text        string       `json:"text"`
		Annotations []Annotation `json:"annotations"`
	} `json:"output"`
}

// invalid returns GitHub's "Invalid request." message for req, or "".
func (req *checkRunRequest) invalid() string {
	if req.Name != nil && *req.Name == "" {
		return "name wasn't supplied."
	}
	if req.Status == "completed" && req.Conclusion == "" {
		return "conclusion wasn't supplied."
	}
	if o := req.Output; o != nil {
		if o.Title == nil || *o.Title == "" {
			return `"title" wasn't supplied.`
		}
		if o.Summary == nil || *o.Summary == "" {
			return `"summary" wasn't supplied.`
		}
		for _, text := range []string{*o.Summary, o.Text} {
			if n := utf8.RuneCountInString(text); n > maxOutputChars {
				return fmt.Sprintf("Only %d characters are allowed; %d were supplied.", maxOutputChars, n)
			}
		}
		if len(o.Annotations) > maxAnnotations {
			return fmt.Sprintf("No more than %d items are allowed; %d were supplied.", maxAnnotations, len(o.Annotations))
		}
		for _, a := range o.Annotations {
			switch {
			case a.Path == "", a.Message == "", a.StartLine < 1, a.EndLine < a.StartLine:
				return "annotation is missing path, message or valid lines."
			case a.Level != "notice" && a.Level != "warning" && a.Level != "failure":
				return fmt.Sprintf("annotation_level %q is not a member of [notice, warning, failure].", a.Level)
			}
		}
	}
	return ""
}

func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "Problems parsing JSON", nil)
		return false
	}
	return true
}

func (s *Server) createCheckRun(w http.ResponseWriter, r *http.Request) {
	var req checkRunRequest
	if !decode(w, r, &req) {
		return
	}
	if req.Name == nil || req.HeadSHA == "" {
		writeError(w, http.StatusUnprocessableEntity, "Invalid request.\n\nname and head_sha are required.", nil)
		return
	}
	if msg := req.invalid(); msg != "" {
		writeError(w, http.StatusUnprocessableEntity, "Invalid request.\n\n"+msg, nil)
		return
	}
	s.mu.Lock()
	s.nextID++
	cr := &CheckRun{ID: s.nextID, Owner: r.PathValue("owner"), Repo: r.PathValue("repo"), Name: *req.Name, HeadSHA: req.HeadSHA, ExternalID: req.ExternalID, Status: "queued"}
	apply(cr, &req)
	s.checkRuns[cr.ID] = cr
	resp := checkRunJSON(cr)
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, resp)
}

func (s *Server) getCheckRun(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	cr := s.checkRun(r)
	var resp map[string]any
	if cr != nil {
		resp = checkRunJSON(cr)
	}
	s.mu.Unlock()
	if cr == nil {
		writeError(w, http.StatusNotFound, "Not Found", nil)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) updateCheckRun(w http.ResponseWriter, r *http.Request) {
	var req checkRunRequest
	if !decode(w, r, &req) {
		return
	}
	if msg := req.invalid(); msg != "" {
		writeError(w, http.StatusUnprocessableEntity, "Invalid request.\n\n"+msg, nil)
		return
	}
	s.mu.Lock()
	cr := s.checkRun(r)
	var resp map[string]any
	if cr != nil {
		apply(cr, &req)
		resp = checkRunJSON(cr)
	}
	s.mu.Unlock()
	if cr == nil {
		writeError(w, http.StatusNotFound, "Not Found", nil)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// checkRun finds the run named by the path; callers hold s.mu.
func (s *Server) checkRun(r *http.Request) *CheckRun {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return nil
	}
	cr := s.checkRuns[id]
	if cr == nil || cr.Owner != r.PathValue("owner") || cr.Repo != r.PathValue("repo") {
		return nil
	}
	return cr
}

// apply merges a validated request into cr the way GitHub does: output
// replaces title and summary, annotations are appended.
func apply(cr *CheckRun, req *checkRunRequest) {
	if req.Name != nil {
		cr.Name = *req.Name
	}
	if req.Status != "" {
		cr.Status = req.Status
	}
	if req.Conclusion != "" {
		cr.Conclusion = req.Conclusion
		cr.Status = "completed"
	}
	if o := req.Output; o != nil {
		cr.Title, cr.Summary, cr.Text = *o.Title, *o.Summary, o.Text
		cr.Annotations = append(cr.Annotations, o.Annotations...)
		cr.Batches = append(cr.Batches, len(o.Annotations))
	}
}

// listCheckRuns serves the check runs of a commit, filtered like GitHub by
// check_name, status and filter ("latest", the default, keeps the newest
// run of each name; "all" keeps every one), newest first and paginated.
func (s *Server) listCheckRuns(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	perPage := min(max(queryInt(r, "per_page", defaultPerPage), 1), maxPerPage)
	page := max(queryInt(r, "page", 1), 1)
	s.mu.Lock()
	var runs []*CheckRun
	for _, cr := range s.checkRuns {
		if cr.Owner == r.PathValue("owner") && cr.Repo == r.PathValue("repo") && cr.HeadSHA == r.PathValue("ref") {
			runs = append(runs, cr)
		}
	}
	slices.SortFunc(runs, func(a, b *CheckRun) int { return cmp.Compare(b.ID, a.ID) })
	if q.Get("filter") != "all" {
		seen := make(map[string]bool)
		runs = slices.DeleteFunc(runs, func(cr *CheckRun) bool {
			dup := seen[cr.Name]
			seen[cr.Name] = true
			return dup
		})
	}
	runs = slices.DeleteFunc(runs, func(cr *CheckRun) bool {
		return q.Has("check_name") && cr.Name != q.Get("check_name") || q.Has("status") && cr.Status != q.Get("status")
	})
	lastPage := max((len(runs)+perPage-1)/perPage, 1)
	from := min((page-1)*perPage, len(runs))
	to := min(from+perPage, len(runs))
	out := make([]map[string]any, 0, to-from)
	for _, cr := range runs[from:to] {
		out = append(out, checkRunJSON(cr))
	}
	total := len(runs)
	s.mu.Unlock()
	if links := linkHeader(r, page, lastPage, perPage); links != "" {
		w.Header().Set("Link", links)
	}
	writeJSON(w, http.StatusOK, map[string]any{"total_count": total, "check_runs": out})
}

func checkRunJSON(cr *CheckRun) map[string]any {
	return map[string]any{
		"id": cr.ID, "name": cr.Name, "head_sha": cr.HeadSHA, "status": cr.Status,
		"external_id": cr.ExternalID,
		"conclusion":  nullable(cr.Conclusion),
		"output": map[string]any{
			"title": cr.Title, "summary": cr.Summary, "annotations_count": len(cr.Annotations),
		},
	}
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (s *Server) listComments(w http.ResponseWriter, r *http.Request) {
	issue, err := strconv.Atoi(r.PathValue("number"))
	if err != nil {
		writeError(w, http.StatusNotFound, "Not Found", nil)
		return
	}
	perPage := queryInt(r, "per_page", defaultPerPage)
	perPage = min(max(perPage, 1), maxPerPage)
	page := max(queryInt(r, "page", 1), 1)

	all := s.Comments(r.PathValue("owner"), r.PathValue("repo"), issue)
	lastPage := max((len(all)+perPage-1)/perPage, 1)
	from := min((page-1)*perPage, len(all))
	to := min(from+perPage, len(all))
	out := make([]map[string]any, 0, to-from)
	for _, c := range all[from:to] {
		out = append(out, commentJSON(&c))
	}
	if links := linkHeader(r, page, lastPage, perPage); links != "" {
		w.Header().Set("Link", links)
	}
	writeJSON(w, http.StatusOK, out)
}

// linkHeader builds GitHub's pagination header: next and last while there
// are more pages, first and prev after the first.
func linkHeader(r *http.Request, page, lastPage, perPage int) string {
	link := func(p int, rel string) string {
		u := url.URL{Scheme: "http", Host: r.Host, Path: r.URL.Path}
		q := r.URL.Query()
		q.Set("per_page", strconv.Itoa(perPage))
		q.Set("page", strconv.Itoa(p))
		u.RawQuery = q.Encode()
		return fmt.Sprintf("<%s>; rel=%q", u.String(), rel)
	}
	var parts []string
	if page > 1 {
		parts = append(parts, link(page-1, "prev"))
	}
	if page < lastPage {
		parts = append(parts, link(page+1, "next"), link(lastPage, "last"))
	}
	if page > 1 {
		parts = append(parts, link(1, "first"))
	}
	return strings.Join(parts, ", ")
}

func queryInt(r *http.Request, key string, def int) int {
	if v, err := strconv.Atoi(r.URL.Query().Get(key)); err == nil {
		return v
	}
	return def
}

func (s *Server) createComment(w http.ResponseWriter, r *http.Request) {
	issue, err := strconv.Atoi(r.PathValue("number"))
	if err != nil {
		writeError(w, http.StatusNotFound, "Not Found", nil)
		return
	}
	var req struct {
		Body string `json:"body"`
	}
	if !decode(w, r, &req) {
		return
	}
	if msg := invalidBody(req.Body); msg != "" {
		validationFailed(w, "IssueComment", "body", msg)
		return
	}
	s.mu.Lock()
	s.addComment(r.PathValue("owner"), r.PathValue("repo"), issue, BotLogin, req.Body)
	resp := commentJSON(s.comments[len(s.comments)-1])
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, resp)
}

func (s *Server) editComment(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	var req struct {
		Body string `json:"body"`
	}
	if !decode(w, r, &req) {
		return
	}
	if msg := invalidBody(req.Body); msg != "" {
		validationFailed(w, "IssueComment", "body", msg)
		return
	}
	s.mu.Lock()
	var resp map[string]any
	for _, c := range s.comments {
		if c.ID == id && c.Owner == r.PathValue("owner") && c.Repo == r.PathValue("repo") {
			c.Body = req.Body
			c.Edits++
			resp = commentJSON(c)
		}
	}
	s.mu.Unlock()
	if resp == nil {
		writeError(w, http.StatusNotFound, "Not Found", nil)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// invalidBody returns GitHub's validation message for a comment body, or "".
func invalidBody(body string) string {
	if body == "" {
		return "body can't be blank"
	}
	if utf8.RuneCountInString(body) > maxCommentChars {
		return fmt.Sprintf("body is too long (maximum is %d characters)", maxCommentChars)
	}
	return ""
}

func commentJSON(c *Comment) map[string]any {
	userType := "User"
	if strings.HasSuffix(c.Login, "[bot]") {
		userType = "Bot"
	}
	return map[string]any{
		"id": c.ID, "body": c.Body,
		"user": map[string]any{"login": c.Login, "type": userType},
	}
}
