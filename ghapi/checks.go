package ghapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
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
// When the create fails in a way that may have created the run anyway (5xx,
// timeout), it looks for the run among headSHA's in-progress runs named
// name, recognised by a random external_id sent with the create, and
// creates one more only when it is not there: a run left "in progress"
// forever would block the pull request.
func (c *Client) StartCheckRun(ctx context.Context, owner, repo, name, headSHA string) (int64, error) {
	if name == "" || headSHA == "" {
		return 0, fmt.Errorf("ghapi: start check run: name and head sha are required")
	}
	opts := github.CreateCheckRunOptions{
		Name:       name,
		HeadSHA:    headSHA,
		ExternalID: github.String(externalID()),
		Status:     github.String(statusInProgress),
		StartedAt:  &github.Timestamp{Time: time.Now()},
	}
	run, _, err := c.gh.Checks.CreateCheckRun(ctx, owner, repo, opts)
	if err != nil && outcomeUnknown(ctx, err) {
		createErr := classify("start check run", err)
		found, lerr := c.findCheckRun(ctx, owner, repo, name, headSHA, opts.GetExternalID())
		switch {
		case lerr != nil:
			return 0, errors.Join(createErr, lerr)
		case found != nil:
			run, err = found, nil
		default:
			run, _, err = c.gh.Checks.CreateCheckRun(ctx, owner, repo, opts)
			if err != nil {
				return 0, errors.Join(createErr, classify("start check run again", err))
			}
		}
	}
	if err != nil {
		return 0, classify("start check run", err)
	}
	id := run.GetID()
	c.names.set(id, name)
	return id, nil
}

// statusInProgress is the status of a started, unfinished check run.
const statusInProgress = "in_progress"

// checkRunsPerPage is the largest page GitHub serves; in-progress runs of
// one name on one commit never fill it.
const checkRunsPerPage = 100

// externalIDBytes of randomness make the external_id of two runs collide
// practically never.
const externalIDBytes = 16

// externalID returns a random external_id that tells this client's run apart
// from a same-named run of a concurrent job on the same commit.
func externalID() string {
	b := make([]byte, externalIDBytes)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return "authgate-" + hex.EncodeToString(b)
}

// findCheckRun returns headSHA's in-progress run named name with externalID,
// or nil.
func (c *Client) findCheckRun(ctx context.Context, owner, repo, name, headSHA, externalID string) (*github.CheckRun, error) {
	res, _, err := c.gh.Checks.ListCheckRunsForRef(ctx, owner, repo, headSHA, &github.ListCheckRunsOptions{
		CheckName: github.String(name),
		Status:    github.String(statusInProgress),
		// "all": the default "latest" hides a run once a newer one of the
		// same name exists, and a concurrent job may have made one.
		Filter:      github.String("all"),
		ListOptions: github.ListOptions{PerPage: checkRunsPerPage},
	})
	if err != nil {
		return nil, classify("list check runs", err)
	}
	for _, run := range res.CheckRuns {
		if run.GetName() == name && run.GetStatus() == statusInProgress && run.GetExternalID() == externalID {
			return run, nil
		}
	}
	return nil, nil
}

// CompleteCheckRun uploads annotations in batches of at most
// MaxAnnotationsPerRequest (GitHub appends each batch to the run), the last
// batch together with the conclusion ("success", "failure" or "neutral"),
// title and summary. A summary longer than MaxOutputChars is cut on a line
// boundary with a "… N more lines" notice. A run must never stay "in
// progress", so an invalid annotation is skipped and a failed batch stops
// the upload, but the completing request is still sent, with a line saying
// that some annotations could not be sent; those errors are returned joined
// with any error of the completing request.
func (c *Client) CompleteCheckRun(ctx context.Context, owner, repo string, id int64, conclusion, title, summary string, annotations []Annotation) error {
	switch conclusion {
	case ConclusionSuccess, ConclusionFailure, ConclusionNeutral:
	default:
		return fmt.Errorf("ghapi: complete check run: unsupported conclusion %q", conclusion)
	}
	anns, annErr := convert(annotations)
	name, err := c.checkName(ctx, owner, repo, id)
	if err != nil {
		return errors.Join(annErr, err)
	}
	title = truncateRunes(firstLine(title), maxCheckTitle)
	if title == "" {
		title = name
	}
	update := func(b []*github.CheckRunAnnotation, summary string, complete bool) error {
		opts := github.UpdateCheckRunOptions{
			Name:   name,
			Output: &github.CheckRunOutput{Title: github.String(title), Summary: github.String(summary), Annotations: b},
		}
		if complete {
			opts.Status = github.String("completed")
			opts.Conclusion = github.String(conclusion)
			opts.CompletedAt = &github.Timestamp{Time: time.Now()}
		}
		_, _, err := c.gh.Checks.UpdateCheckRun(ctx, owner, repo, id, opts)
		return err
	}

	batches := batch(anns, MaxAnnotationsPerRequest)
	var sendErr error
	for i, b := range batches[:len(batches)-1] {
		if err := update(b, withNotice(summary, annErr), false); err != nil {
			sendErr = classify(fmt.Sprintf("annotate check run (batch %d of %d)", i+1, len(batches)), err)
			break
		}
	}
	if sendErr == nil {
		err := update(batches[len(batches)-1], withNotice(summary, annErr), true)
		if err == nil {
			return annErr
		}
		err = classify("complete check run", err)
		if errors.Is(err, ErrPermission) || errors.Is(err, ErrRateLimited) || ctx.Err() != nil {
			return errors.Join(annErr, err) // sending it again without annotations cannot help
		}
		sendErr = err
	}
	annErr = errors.Join(annErr, sendErr)
	if err := update(nil, withNotice(summary, annErr), true); err != nil {
		return errors.Join(annErr, classify("complete check run", err))
	}
	return annErr
}

// maxNoticeError bounds the error text quoted in the summary notice; the
// full error is returned to the caller.
const maxNoticeError = 1000

// withNotice appends a line explaining why annotations are missing, cutting
// summary so that the whole fits MaxOutputChars.
func withNotice(summary string, err error) string {
	if err == nil {
		return truncateLines(summary, MaxOutputChars)
	}
	msg := truncateRunes(strings.Join(strings.Fields(err.Error()), " "), maxNoticeError)
	// A code span keeps whatever the message quotes from rendering as
	// Markdown, HTML or an @mention.
	notice := "\n\nSome annotations could not be sent: `" + strings.ReplaceAll(msg, "`", "'") + "`\n"
	return strings.TrimRight(truncateLines(summary, MaxOutputChars-len(notice)), "\n") + notice
}

// convert validates and converts annotations, skipping invalid ones; the
// error counts them and names the first.
func convert(annotations []Annotation) ([]*github.CheckRunAnnotation, error) {
	anns := make([]*github.CheckRunAnnotation, 0, len(annotations))
	var first error
	bad := 0
	for i, a := range annotations {
		ga, err := toGitHub(a)
		if err != nil {
			if first == nil {
				first = fmt.Errorf("annotation %d: %w", i, err)
			}
			bad++
			continue
		}
		anns = append(anns, ga)
	}
	if first != nil {
		return anns, fmt.Errorf("ghapi: complete check run: %d invalid annotations skipped, first: %w", bad, first)
	}
	return anns, nil
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
