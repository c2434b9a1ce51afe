package cli

import (
	"bytes"
	"io"
	"sync"

	"github.com/authgate/authgate/internal/lazyre"
	"github.com/authgate/authgate/report"
)

// actionInputs maps the scan flags that messages name to the Action input
// that sets the same thing under another name: a user of the Action never
// typed --auth, and looks for auth-header in the workflow. Flags whose
// input has the same name (--mode, --exclude) are left as they are.
var actionInputs = map[string]string{
	"--auth":      "auth-header",
	"--peer-auth": "peer-auth-header",
	"--endpoint":  "endpoints",
}

// flagWord is a whole flag: "--auth" but not the start of "--auth-x".
var flagWord = lazyre.New(`--[a-z][a-z-]*`)

// inputWords rewrites the flags of s that have an Action input of
// another name (see actionInputs).
func inputWords(s string) string {
	return flagWord.ReplaceAllStringFunc(s, func(f string) string {
		if in, ok := actionInputs[f]; ok {
			return in
		}
		return f
	})
}

// inputWordsReport rewrites the report's own words (coverage, gate
// reasons, why it is incomplete) the way inputWords does, before the
// Action writes and shows it. Findings are left alone: their evidence is
// the target's answers, quoted as they were.
func inputWordsReport(r *report.Report) {
	for i := range r.Gate.Reasons {
		r.Gate.Reasons[i] = inputWords(r.Gate.Reasons[i])
	}
	r.Incomplete = inputWords(r.Incomplete)
	if c := r.Coverage; c != nil {
		for i := range c.Identities {
			c.Identities[i].How = inputWords(c.Identities[i].How)
		}
		for i := range c.Rules {
			c.Rules[i].Reason = inputWords(c.Rules[i].Reason)
		}
	}
}

// inputWordsWriter rewrites each complete line written through it with
// inputWords: the CLI's messages on stderr, as the Action's log shows
// them. An unfinished line waits for its end (or Flush).
type inputWordsWriter struct {
	w       io.Writer
	mu      sync.Mutex
	partial []byte
}

func (iw *inputWordsWriter) Write(p []byte) (int, error) {
	iw.mu.Lock()
	defer iw.mu.Unlock()
	iw.partial = append(iw.partial, p...)
	i := bytes.LastIndexByte(iw.partial, '\n')
	if i < 0 {
		if len(iw.partial) > maxReasonBytes {
			// A line this long is not a message: pass it on as is.
			return len(p), iw.flushLocked()
		}
		return len(p), nil
	}
	lines := inputWords(string(iw.partial[:i+1]))
	iw.partial = append(iw.partial[:0], iw.partial[i+1:]...)
	if _, err := io.WriteString(iw.w, lines); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Flush writes the unfinished line, if any.
func (iw *inputWordsWriter) Flush() error {
	iw.mu.Lock()
	defer iw.mu.Unlock()
	return iw.flushLocked()
}

func (iw *inputWordsWriter) flushLocked() error {
	if len(iw.partial) == 0 {
		return nil
	}
	_, err := io.WriteString(iw.w, inputWords(string(iw.partial)))
	iw.partial = iw.partial[:0]
	return err
}
