package cli

import (
	"fmt"
	"sync"

	"github.com/authgate/authgate/report"
	"github.com/authgate/authgate/scanner"
)

// progress prints the scan's progress to stderr: one live line on a
// terminal, plain lines at each phase (and every tenth of the operations)
// otherwise, so CI logs stay short.
type progress struct {
	env   Env
	label string

	mu        sync.Mutex
	phase     string
	lastTenth int
	live      bool
}

func newProgress(env Env) *progress { return &progress{env: env, lastTenth: -1} }

func (p *progress) report(ev scanner.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	prefix := "authgate: "
	if p.label != "" {
		prefix += p.label + ": "
	}
	line := ""
	switch ev.Phase {
	case "waiting":
		line = "waiting for the target to answer"
	case "discovering":
		line = "reading the API description"
	case "scanning":
		line = fmt.Sprintf("scanning: %d/%s, %s", ev.Done, report.Plural(ev.Total, "operation"), report.Plural(ev.Requests, "request"))
	case "done":
		line = fmt.Sprintf("scanned %s with %s", report.Plural(ev.Total, "operation"), report.Plural(ev.Requests, "request"))
	}
	if p.env.StderrTerminal {
		fmt.Fprintf(p.env.Stderr, "\r\033[K%s%s", prefix, line)
		p.live = true
		return
	}
	if ev.Phase == "scanning" {
		tenth := 0
		if ev.Total > 0 {
			tenth = ev.Done * 10 / ev.Total
		}
		if tenth == p.lastTenth {
			return
		}
		p.lastTenth = tenth
	} else if ev.Phase == p.phase {
		return
	}
	p.phase = ev.Phase
	fmt.Fprintf(p.env.Stderr, "%s%s\n", prefix, line)
}

// finish ends the live line.
func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.live {
		fmt.Fprintln(p.env.Stderr)
		p.live = false
	}
	p.phase, p.lastTenth = "", -1
}
