// Package wordlist holds candidate keys for offline guessing: the built-in
// list of weak JWT HMAC secrets (embedded compressed, decoded once on first
// use) and lists read from a user's file. Guessing is offline and costs the
// target nothing, so the lists are large; First searches one on every core
// and still gives the same answer every run.
package wordlist

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// List is a sequence of candidate keys, stored back to back in one byte
// slice: a 100,000-entry list costs its bytes plus four per entry, not a
// string header each.
type List struct {
	data []byte
	ends []uint32 // ends[i] is where entry i ends in data
	// lines[i] is entry i's line in the file it was read from; nil for
	// the built-in list, whose entries are named by position.
	lines []uint32
}

// Of returns a list of the given entries, in order.
func Of(entries ...string) *List {
	l := &List{}
	for _, e := range entries {
		l.add([]byte(e))
	}
	return l
}

func (l *List) add(entry []byte) {
	l.data = append(l.data, entry...)
	l.ends = append(l.ends, uint32(len(l.data)))
}

// Len is the number of entries; a nil list has none.
func (l *List) Len() int {
	if l == nil {
		return 0
	}
	return len(l.ends)
}

// At returns entry i (0-based). The bytes are the list's own: do not
// change them.
func (l *List) At(i int) []byte {
	start := uint32(0)
	if i > 0 {
		start = l.ends[i-1]
	}
	return l.data[start:l.ends[i]:l.ends[i]]
}

// Line is the line of the file that entry i was read from, or 0 for a list
// that was not read from a file.
func (l *List) Line(i int) int {
	if l == nil || l.lines == nil {
		return 0
	}
	return int(l.lines[i])
}

// chunk is how many entries a worker of First takes at a time: large
// enough that the shared counter is touched rarely, small enough that the
// work spreads evenly over the cores and a match early in the list stops
// the search soon.
const chunk = 2048

// First returns the index of the first entry, in list order, that a
// matcher accepts, or -1. newMatcher is called once per worker and
// returns a matcher that the worker alone uses (so that a matcher may keep
// buffers and hash state without locks).
//
// The entries are searched on GOMAXPROCS workers, chunk by chunk in list
// order; a worker skips whatever lies after the earliest match found so
// far. Every entry before the answer is therefore tried, whatever the
// workers' timing: the answer is the same every run.
func (l *List) First(newMatcher func() func(key []byte) bool) int {
	n := l.Len()
	if n == 0 {
		return -1
	}
	workers := min(runtime.GOMAXPROCS(0), (n+chunk-1)/chunk)
	var (
		next atomic.Int64 // the next chunk to take
		best atomic.Int64 // the earliest match so far; n: none
		wg   sync.WaitGroup
	)
	best.Store(int64(n))
	for range workers {
		wg.Go(func() {
			match := newMatcher()
			for {
				start := int(next.Add(1)-1) * chunk
				if start >= n || int64(start) >= best.Load() {
					return
				}
				for i := start; i < min(start+chunk, n); i++ {
					if int64(i) >= best.Load() {
						break
					}
					if match(l.At(i)) {
						lower(&best, int64(i))
						break
					}
				}
			}
		})
	}
	wg.Wait()
	if i := best.Load(); i < int64(n) {
		return int(i)
	}
	return -1
}

// lower sets v to x when x is smaller.
func lower(v *atomic.Int64, x int64) {
	for {
		cur := v.Load()
		if x >= cur || v.CompareAndSwap(cur, x) {
			return
		}
	}
}
