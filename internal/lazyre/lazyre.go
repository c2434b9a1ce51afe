// Package lazyre holds regular expressions that are compiled on first
// use and skip the match when a literal every match must contain is not
// in the input.
//
// authgate's packages hold a few hundred package-level patterns; compiling
// them all at start-up made `authgate version` pay for the scanner's
// (about 18,000 allocations), and the scan runs many of them over every
// answer, where most bodies contain none of the words a pattern needs
// ("Traceback", "SQLSTATE[", "forbidden"). A Regexp answers exactly as
// regexp.MustCompile(expr) would: the literal check only ever skips
// inputs the pattern cannot match (see required).
package lazyre

import (
	"regexp"
	"regexp/syntax"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
	"unsafe"
)

// Regexp is a regular expression compiled on first use. Its methods are
// those of regexp.Regexp that authgate uses, with the same results; it is
// safe for concurrent use.
type Regexp struct {
	expr string
	once sync.Once
	re   *regexp.Regexp
	// lits: every match contains one of these (nil: no such set is known,
	// the pattern is always run).
	lits []literal
	fold bool // some literal is matched without case
}

// literal is a string every match may contain; fold: in any ASCII case.
type literal struct {
	s    string // lower case when fold
	fold bool
	// ascii: fold is only exact on ASCII input, since a letter of s also
	// folds to a non-ASCII rune (k to the Kelvin sign, s to the long s).
	ascii bool
}

// all holds every Regexp made, so that a test can compile them all (an
// invalid pattern panics at its first use, not at start-up).
var (
	allMu sync.Mutex
	all   []*Regexp
)

// New returns the Regexp for expr (regexp syntax, as regexp.MustCompile).
func New(expr string) *Regexp {
	r := &Regexp{expr: expr}
	allMu.Lock()
	all = append(all, r)
	allMu.Unlock()
	return r
}

// CompileAll compiles every Regexp made so far and returns them: it
// panics, as regexp.MustCompile would have at start-up, when one is
// invalid. For tests.
func CompileAll() []*Regexp {
	allMu.Lock()
	rs := append([]*Regexp(nil), all...)
	allMu.Unlock()
	for _, r := range rs {
		r.compiled()
	}
	return rs
}

// Compiled is the compiled pattern.
func (r *Regexp) Compiled() *regexp.Regexp { return r.compiled() }

func (r *Regexp) compiled() *regexp.Regexp {
	r.once.Do(func() {
		r.re = regexp.MustCompile(r.expr)
		if tree, err := syntax.Parse(r.expr, syntax.Perl); err == nil {
			if lits, ok := required(tree); ok {
				r.lits = lits
				for _, l := range lits {
					r.fold = r.fold || l.fold
				}
			}
		}
	})
	return r.re
}

// String returns the source text of the pattern.
func (r *Regexp) String() string { return r.expr }

// maxLiterals bounds the literals checked before a pattern: past it,
// running the pattern is about as cheap.
const maxLiterals = 48

// required returns literals of which every match of re contains at least
// one, or false when it cannot tell. It is sound by construction: a
// concatenation's match contains a match of each part, an alternation's
// a match of one branch, a repeat at least once its body's.
func required(re *syntax.Regexp) ([]literal, bool) {
	switch re.Op {
	case syntax.OpLiteral:
		l, ok := literalOf(re)
		return []literal{l}, ok
	case syntax.OpCapture, syntax.OpPlus:
		return required(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return required(re.Sub[0])
		}
	case syntax.OpConcat:
		var best []literal
		found := false
		for _, sub := range re.Sub {
			if lits, ok := required(sub); ok && (!found || better(lits, best)) {
				best, found = lits, true
			}
		}
		return best, found
	case syntax.OpAlternate:
		var out []literal
		for _, sub := range re.Sub {
			lits, ok := required(sub)
			if !ok || len(out)+len(lits) > maxLiterals {
				return nil, false
			}
			out = append(out, lits...)
		}
		return out, len(out) > 0
	}
	return nil, false
}

// better prefers the set whose shortest literal is longer (rarer), then
// the smaller set.
func better(a, b []literal) bool {
	ma, mb := shortest(a), shortest(b)
	if ma != mb {
		return ma > mb
	}
	return len(a) < len(b)
}

func shortest(lits []literal) int {
	n := -1
	for _, l := range lits {
		if n < 0 || len(l.s) < n {
			n = len(l.s)
		}
	}
	return n
}

// literalOf is a literal node as a literal to look for. A case-folded one
// must be ASCII (its case is then folded byte by byte); U+FFFD is never
// looked for, since the pattern matches it on any invalid byte.
func literalOf(re *syntax.Regexp) (literal, bool) {
	if len(re.Rune) == 0 {
		return literal{}, false
	}
	fold := re.Flags&syntax.FoldCase != 0
	l := literal{fold: fold}
	b := make([]byte, 0, len(re.Rune))
	for _, c := range re.Rune {
		if c == utf8.RuneError {
			return literal{}, false
		}
		if !fold {
			b = utf8.AppendRune(b, c)
			continue
		}
		if c >= utf8.RuneSelf {
			return literal{}, false
		}
		for f := unicode.SimpleFold(c); f != c; f = unicode.SimpleFold(f) {
			if f >= utf8.RuneSelf {
				l.ascii = true
			}
		}
		b = append(b, lower(byte(c)))
	}
	l.s = string(b)
	return l, true
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// foldBuf is the stack buffer of lower-casing for inputs up to its size;
// longer ones are lowered into a buffer from foldPool. Inputs up to
// smallFoldBuf use a smaller one.
const (
	foldBuf      = 1024
	smallFoldBuf = 64
)

var foldPool = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

// indexString reports whether s contains sub.
func indexString(s, sub string) bool { return strings.Contains(s, sub) }

// containsBytes reports whether b contains sub.
func containsBytes(b []byte, sub string) bool {
	return strings.Contains(unsafe.String(unsafe.SliceData(b), len(b)), sub)
}

// view is b as a string, for reading only while b is not changed.
func view(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// mayMatch reports whether s could match: false only when it holds none
// of the required literals.
func (r *Regexp) mayMatch(s string) bool {
	if r.lits == nil {
		return true
	}
	if !r.fold {
		for _, l := range r.lits {
			if indexString(s, l.s) {
				return true
			}
		}
		return false
	}
	// Lowered into a stack buffer just large enough: a key or a short
	// value (most inputs) does not pay for zeroing the large one.
	var low []byte
	switch {
	case len(s) <= smallFoldBuf:
		var small [smallFoldBuf]byte
		low = small[:0]
	case len(s) <= foldBuf:
		var stack [foldBuf]byte
		low = stack[:0]
	default:
		p := foldPool.Get().(*[]byte)
		defer func() {
			if cap(*p) <= 1<<20 {
				foldPool.Put(p)
			}
		}()
		low = (*p)[:0]
	}
	ascii := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			ascii = false
		}
		low = append(low, lower(c))
	}
	for _, l := range r.lits {
		switch {
		case !l.fold:
			if indexString(s, l.s) {
				return true
			}
		case l.ascii && !ascii:
			return true // a non-ASCII fold (the Kelvin sign) may match
		case containsBytes(low, l.s):
			return true
		}
	}
	return false
}

// may compiles r and reports whether s could match it.
func (r *Regexp) may(s string) (*regexp.Regexp, bool) {
	re := r.compiled()
	return re, r.mayMatch(s)
}

// MatchString reports whether s contains a match.
func (r *Regexp) MatchString(s string) bool {
	re, ok := r.may(s)
	return ok && re.MatchString(s)
}

// Match reports whether b contains a match.
func (r *Regexp) Match(b []byte) bool {
	re, ok := r.may(view(b))
	return ok && re.Match(b)
}

// Find returns the leftmost match in b, or nil.
func (r *Regexp) Find(b []byte) []byte {
	if re, ok := r.may(view(b)); ok {
		return re.Find(b)
	}
	return nil
}

// FindIndex returns the location of the leftmost match in b, or nil.
func (r *Regexp) FindIndex(b []byte) []int {
	if re, ok := r.may(view(b)); ok {
		return re.FindIndex(b)
	}
	return nil
}

// FindString returns the leftmost match in s, or "".
func (r *Regexp) FindString(s string) string {
	if re, ok := r.may(s); ok {
		return re.FindString(s)
	}
	return ""
}

// FindStringIndex returns the location of the leftmost match in s, or nil.
func (r *Regexp) FindStringIndex(s string) []int {
	if re, ok := r.may(s); ok {
		return re.FindStringIndex(s)
	}
	return nil
}

// FindSubmatch returns the leftmost match in b and its groups, or nil.
func (r *Regexp) FindSubmatch(b []byte) [][]byte {
	if re, ok := r.may(view(b)); ok {
		return re.FindSubmatch(b)
	}
	return nil
}

// FindStringSubmatch returns the leftmost match in s and its groups, or nil.
func (r *Regexp) FindStringSubmatch(s string) []string {
	if re, ok := r.may(s); ok {
		return re.FindStringSubmatch(s)
	}
	return nil
}

// FindStringSubmatchIndex returns the locations of the leftmost match in
// s and its groups, or nil.
func (r *Regexp) FindStringSubmatchIndex(s string) []int {
	if re, ok := r.may(s); ok {
		return re.FindStringSubmatchIndex(s)
	}
	return nil
}

// FindAll returns up to n matches in b (all when n < 0), or nil.
func (r *Regexp) FindAll(b []byte, n int) [][]byte {
	if re, ok := r.may(view(b)); ok {
		return re.FindAll(b, n)
	}
	return nil
}

// FindAllIndex returns the locations of up to n matches in b, or nil.
func (r *Regexp) FindAllIndex(b []byte, n int) [][]int {
	if re, ok := r.may(view(b)); ok {
		return re.FindAllIndex(b, n)
	}
	return nil
}

// FindAllSubmatch returns up to n matches in b with their groups, or nil.
func (r *Regexp) FindAllSubmatch(b []byte, n int) [][][]byte {
	if re, ok := r.may(view(b)); ok {
		return re.FindAllSubmatch(b, n)
	}
	return nil
}

// FindAllString returns up to n matches in s (all when n < 0), or nil.
func (r *Regexp) FindAllString(s string, n int) []string {
	if re, ok := r.may(s); ok {
		return re.FindAllString(s, n)
	}
	return nil
}

// FindAllStringIndex returns the locations of up to n matches in s, or nil.
func (r *Regexp) FindAllStringIndex(s string, n int) [][]int {
	if re, ok := r.may(s); ok {
		return re.FindAllStringIndex(s, n)
	}
	return nil
}

// FindAllStringSubmatch returns up to n matches in s with their groups,
// or nil.
func (r *Regexp) FindAllStringSubmatch(s string, n int) [][]string {
	if re, ok := r.may(s); ok {
		return re.FindAllStringSubmatch(s, n)
	}
	return nil
}

// FindAllStringSubmatchIndex returns the locations of up to n matches in
// s and their groups, or nil.
func (r *Regexp) FindAllStringSubmatchIndex(s string, n int) [][]int {
	if re, ok := r.may(s); ok {
		return re.FindAllStringSubmatchIndex(s, n)
	}
	return nil
}

// ReplaceAllString replaces the matches in s with repl ($1 expanded).
func (r *Regexp) ReplaceAllString(s, repl string) string {
	if re, ok := r.may(s); ok {
		return re.ReplaceAllString(s, repl)
	}
	return s
}

// ReplaceAllLiteralString replaces the matches in s with repl as it is.
func (r *Regexp) ReplaceAllLiteralString(s, repl string) string {
	if re, ok := r.may(s); ok {
		return re.ReplaceAllLiteralString(s, repl)
	}
	return s
}

// ReplaceAllStringFunc replaces the matches in s with what fn returns.
func (r *Regexp) ReplaceAllStringFunc(s string, fn func(string) string) string {
	if re, ok := r.may(s); ok {
		return re.ReplaceAllStringFunc(s, fn)
	}
	return s
}

// ReplaceAll replaces the matches in b with repl ($1 expanded), in a copy.
func (r *Regexp) ReplaceAll(b, repl []byte) []byte {
	if re, ok := r.may(view(b)); ok {
		return re.ReplaceAll(b, repl)
	}
	return append([]byte(nil), b...)
}

// ReplaceAllLiteral replaces the matches in b with repl as it is, in a copy.
func (r *Regexp) ReplaceAllLiteral(b, repl []byte) []byte {
	if re, ok := r.may(view(b)); ok {
		return re.ReplaceAllLiteral(b, repl)
	}
	return append([]byte(nil), b...)
}

// ReplaceAllFunc replaces the matches in b with what fn returns, in a copy.
func (r *Regexp) ReplaceAllFunc(b []byte, fn func([]byte) []byte) []byte {
	if re, ok := r.may(view(b)); ok {
		return re.ReplaceAllFunc(b, fn)
	}
	return append([]byte(nil), b...)
}

// Split slices s around the matches; see regexp.Regexp.Split.
func (r *Regexp) Split(s string, n int) []string { return r.compiled().Split(s, n) }

// SubexpNames returns the names of the groups.
func (r *Regexp) SubexpNames() []string { return r.compiled().SubexpNames() }

// SubexpIndex returns the index of the group named name, or -1.
func (r *Regexp) SubexpIndex(name string) int { return r.compiled().SubexpIndex(name) }

// NumSubexp returns the number of groups.
func (r *Regexp) NumSubexp() int { return r.compiled().NumSubexp() }
