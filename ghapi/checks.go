package ghapi

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/google/go-github/v60/github"
)

// Annotation levels accepted by the Checks API.
const (
	LevelFailure = "failure"
	LevelWarning = "warning"
	LevelNotice  = "notice"
)

// Conclusions authgate gives a completed check run.
const (
	ConclusionSuccess = "success"
	ConclusionFailure = "failure"
	ConclusionNeutral = "neutral"
)

const (
	// MaxAnnotationsPerRequest: "The Checks API limits the number of
	// annotations to a maximum of 50 per API request. To create more than
	// 50 annotations, you have to make multiple requests to the Update a
	// check run endpoint." More fails with 422 "No more than 50 items are
	// allowed; N were supplied."
	MaxAnnotationsPerRequest = 50
	// MaxOutputChars bounds output.summary and output.text: GitHub answers
	// 422 "Only 65535 characters are allowed; N were supplied."
	MaxOutputChars = 65535
	// maxAnnotationText bounds an annotation's message and raw_details,
	// documented as "The maximum size is 64 KB".
	maxAnnotationText = 65535
	// maxAnnotationTitle bounds an annotation's title, documented as
	// "maximum 255 characters".
	maxAnnotationTitle = 255
	// maxCheckTitle keeps output.title to one readable line; GitHub does
	// not document a limit, so this is our own.
	maxCheckTitle = 1024
)

// Annotation points a finding at a line of the repository. Path is relative
// to the repository root; lines start at 1.
type Annotation struct {
	Path       string
	StartLine  int
	EndLine    int
	Level      string // LevelFailure, LevelWarning or LevelNotice
	Title      string
	Message    string
	RawDetails string
}

// checkNames remembers the name of each check run this client started,
// because go-github always sends "name" when updating one.
type checkNames struct {
	mu    sync.Mutex
	names map[int64]string
}

func (n *checkNames) get(id int64) (string, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	name, ok := n.names[id]
	return name, ok
}

func (n *checkNames) set(id int64, name string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.names == nil {
		n.names = make(map[int64]string)
	}
	n.names[id] = name
}

// StartCheckRun creates an in-progress check run on headSHA and returns its
// id, so that the pull request shows the scan as running while it runs.
func (c *Client) StartCheckRun(ctx context.Context, owner, repo, name, headSHA string) (int64, error) {
	if name == "" || headSHA == "" {
		return 0, fmt.Errorf("ghapi: start check run: name and head sha are required")
	}
	run, _, err := c.gh.Checks.CreateCheckRun(ctx, owner, repo, github.CreateCheckRunOptions{
		Name:      name,
		HeadSHA:   headSHA,
		Status:    github.String("in_progress"),
		StartedAt: &github.Timestamp{Time: time.Now()},
	})
	if err != nil {
		return 0, classify("start check run", err)
	}
	id := run.GetID()
	c.names.set(id, name)
	return id, nil
}

// CompleteCheckRun uploads annotations in batches of at most
// MaxAnnotationsPerRequest (GitHub appends each batch to the run), the last
// batch together with the conclusion ("success", "failure" or "neutral"),
// title and summary. A summary longer than MaxOutputChars is cut on a line
// boundary with a "… N more lines" notice. Annotations are validated before
// any request, so a bad one never leaves the run half-annotated.
func (c *Client) CompleteCheckRun(ctx context.Context, owner, repo string, id int64, conclusion, title, summary string, annotations []Annotation) error {
	switch conclusion {
	case ConclusionSuccess, ConclusionFailure, ConclusionNeutral:
	default:
		return fmt.Errorf("ghapi: complete check run: unsupported conclusion %q", conclusion)
	}
	anns := make([]*github.CheckRunAnnotation, 0, len(annotations))
	for i, a := range annotations {
		ga, err := toGitHub(a)
		if err != nil {
			return fmt.Errorf("ghapi: complete check run: annotation %d: %w", i, err)
		}
		anns = append(anns, ga)
	}
	name, err := c.checkName(ctx, owner, repo, id)
	if err != nil {
		return err
	}
	title = truncateRunes(firstLine(title), maxCheckTitle)
	if title == "" {
		title = name
	}
	summary = truncateLines(summary, MaxOutputChars)

	batches := batch(anns, MaxAnnotationsPerRequest)
	for i, b := range batches {
		opts := github.UpdateCheckRunOptions{
			Name:   name,
			Output: &github.CheckRunOutput{Title: github.String(title), Summary: github.String(summary), Annotations: b},
		}
		last := i == len(batches)-1
		if last {
			opts.Status = github.String("completed")
			opts.Conclusion = github.String(conclusion)
			opts.CompletedAt = &github.Timestamp{Time: time.Now()}
		}
		if _, _, err := c.gh.Checks.UpdateCheckRun(ctx, owner, repo, id, opts); err != nil {
			if last {
				return classify("complete check run", err)
			}
			return classify(fmt.Sprintf("annotate check run (batch %d of %d)", i+1, len(batches)), err)
		}
	}
	return nil
}

// checkName returns the run's name, asking GitHub when the run was started
// by another process.
func (c *Client) checkName(ctx context.Context, owner, repo string, id int64) (string, error) {
	if name, ok := c.names.get(id); ok {
		return name, nil
	}
	run, _, err := c.gh.Checks.GetCheckRun(ctx, owner, repo, id)
	if err != nil {
		return "", classify("get check run", err)
	}
	c.names.set(id, run.GetName())
	return run.GetName(), nil
}

// batch splits anns into chunks of at most size, always returning at least
// one (possibly empty) chunk so that the completing request is sent.
func batch(anns []*github.CheckRunAnnotation, size int) [][]*github.CheckRunAnnotation {
	if len(anns) == 0 {
		return [][]*github.CheckRunAnnotation{nil}
	}
	var out [][]*github.CheckRunAnnotation
	for len(anns) > size {
		out = append(out, anns[:size])
		anns = anns[size:]
	}
	return append(out, anns)
}

// toGitHub validates a and converts it, clamping lines and lengths to what
// GitHub accepts.
func toGitHub(a Annotation) (*github.CheckRunAnnotation, error) {
	switch a.Level {
	case LevelFailure, LevelWarning, LevelNotice:
	default:
		return nil, fmt.Errorf("unsupported level %q", a.Level)
	}
	path := strings.TrimPrefix(a.Path, "./")
	if path == "" {
		return nil, fmt.Errorf("empty path")
	}
	if strings.TrimSpace(a.Message) == "" {
		return nil, fmt.Errorf("empty message")
	}
	start := max(a.StartLine, 1)
	end := max(a.EndLine, start)
	ga := &github.CheckRunAnnotation{
		Path:            github.String(path),
		StartLine:       github.Int(start),
		EndLine:         github.Int(end),
		AnnotationLevel: github.String(a.Level),
		Message:         github.String(truncateLines(a.Message, maxAnnotationText)),
	}
	if t := truncateRunes(firstLine(a.Title), maxAnnotationTitle); t != "" {
		ga.Title = github.String(t)
	}
	if a.RawDetails != "" {
		ga.RawDetails = github.String(truncateLines(a.RawDetails, maxAnnotationText))
	}
	return ga, nil
}

// firstLine keeps titles on one line.
func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return strings.TrimSpace(s)
}
