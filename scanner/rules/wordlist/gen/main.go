// Command gen builds the built-in weak-secret list (../builtin.fc.gz) from
// the hand-written ../curated.txt, a password frequency list (a JSON array
// of strings, most frequent first) and dictionary word lists (one word a
// line). See ../README.md for the sources and ../gen.sh for how it is run.
//
// Order: the empty key, the curated keys as written, the passwords by
// frequency, then the words sorted (which front coding compresses best).
// An entry seen earlier is not repeated; words with an apostrophe
// (possessives: "random's") are left out.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/authgate/authgate/scanner/rules/wordlist"
)

type files []string

func (f *files) String() string     { return strings.Join(*f, ",") }
func (f *files) Set(v string) error { *f = append(*f, v); return nil }

func main() {
	var words files
	curated := flag.String("curated", "curated.txt", "hand-written keys, one a line, in priority order")
	passwords := flag.String("passwords", "", "JSON array of common passwords, most frequent first")
	flag.Var(&words, "words", "dictionary, one word a line; repeatable")
	out := flag.String("o", "builtin.fc.gz", "output")
	flag.Parse()
	if err := run(*curated, *passwords, words, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(curated, passwords string, words []string, out string) error {
	list := []string{""} // the empty key is entry 1
	cur, err := lines(curated)
	if err != nil {
		return err
	}
	list = append(list, cur...)
	if passwords != "" {
		data, err := os.ReadFile(passwords)
		if err != nil {
			return err
		}
		var pw []string
		if err := json.Unmarshal(data, &pw); err != nil {
			return fmt.Errorf("%s: %w", passwords, err)
		}
		list = append(list, pw...)
	}
	var dict []string
	for _, path := range words {
		ws, err := lines(path)
		if err != nil {
			return err
		}
		for _, w := range ws {
			if !strings.Contains(w, "'") {
				dict = append(dict, w)
			}
		}
	}
	slices.Sort(dict)
	list = append(list, dict...)

	seen := map[string]bool{}
	var kept []string
	for _, e := range list {
		if seen[e] || strings.ContainsAny(e, "\r\n") {
			continue
		}
		seen[e] = true
		kept = append(kept, e)
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	if err := wordlist.Encode(f, wordlist.Of(kept...)); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Printf("gen: %d entries (%d curated) -> %s\n", len(kept), len(cur)+1, out)
	return nil
}

// lines reads a file's non-empty lines.
func lines(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if s := strings.TrimSuffix(sc.Text(), "\r"); s != "" {
			out = append(out, s)
		}
	}
	return out, sc.Err()
}
