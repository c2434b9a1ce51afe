// Package locate finds the line in the user's repository that a finding's
// operation is best annotated at: the operation in the OpenAPI file when
// that file is in the repository, else the route handler in the source.
//
// It only reads files: nothing it finds is executed, and the repository is
// walked within fixed bounds so that a large checkout cannot stall a scan.
package locate

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner/openapi"
)

// maxFileBytes skips generated bundles and data files: route declarations
// live in hand-written source, which is far smaller.
const maxFileBytes = 1 << 20

// maxFiles bounds the walk of a huge checkout (a monorepo, committed
// assets); past it the annotations that were not found are simply left out
// and the findings still appear in the summary.
const maxFiles = 20_000

// skippedDirs hold dependencies, build output and caches: a route declared
// there is not the user's code. Directories whose names start with a dot
// (.git, .venv, .tox, .next, ...) are skipped as well.
var skippedDirs = map[string]bool{
	"node_modules":  true,
	"vendor":        true,
	"dist":          true,
	"build":         true,
	"venv":          true,
	"__pycache__":   true,
	"site-packages": true,
}

// Finder locates operations in a workspace (the repository checkout, e.g.
// /github/workspace). It is read-only after New and safe for concurrent use.
type Finder struct {
	// specFile is the spec's path relative to the root, forward slashes;
	// "" when no spec inside the root was parsed.
	specFile string
	ops      []openapi.Operation
	basePath string
	routes   []route
}

// New indexes root: the OpenAPI file at specPath, and the source files for
// route handlers.
//
// specPath is used only when it names a file inside root once symlinks are
// resolved; a relative specPath is taken relative to the working
// directory, as the CLI's --openapi is. "" or a URL means no spec. A spec
// that does not parse is ignored rather than reported: the scan has already
// said what is wrong with it, and the source may still locate the route.
//
// The walk never follows symlinks (a symlinked file or directory is
// skipped, so nothing outside root is read), skips dependency and build
// directories, files over 1 MiB and stops after about 20,000 files. Only an
// unusable root is an error.
func New(root, specPath string) (*Finder, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("locate: workspace %s: %w", root, err)
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, fmt.Errorf("locate: workspace %s: %w", root, err)
	}
	info, err := os.Stat(real)
	if err != nil {
		return nil, fmt.Errorf("locate: workspace %s: %w", root, err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("locate: workspace %s: not a directory", root)
	}
	f := &Finder{}
	f.loadSpec(real, specPath)
	if err := f.indexSource(real); err != nil {
		return nil, fmt.Errorf("locate: workspace %s: %w", root, err)
	}
	return f, nil
}

// loadSpec parses specPath when it is a file inside root.
func (f *Finder) loadSpec(root, specPath string) {
	if specPath == "" || strings.Contains(specPath, "://") {
		return
	}
	abs, err := filepath.Abs(specPath)
	if err != nil {
		return
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return
	}
	rel, ok := inside(root, real)
	if !ok {
		return
	}
	doc, err := openapi.Load(real)
	if err != nil {
		return
	}
	f.specFile = rel
	f.ops = doc.Operations
	f.basePath = doc.BasePath
}

// inside returns path relative to root, with forward slashes, when path is
// root itself or below it.
func inside(root, path string) (string, bool) {
	rel, err := filepath.Rel(root, path)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
		return "", false
	}
	return filepath.ToSlash(rel), true
}

// errEnough ends the walk once maxFiles files have been seen.
var errEnough = errors.New("enough files")

// indexSource walks root and records the route declarations of its source
// files. Unreadable files and directories are skipped: an annotation is
// best effort.
func (f *Finder) indexSource(root string) error {
	seen := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == root {
				return err
			}
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && (skippedDirs[name] || strings.HasPrefix(name, ".")) {
				return fs.SkipDir
			}
			return nil
		}
		// WalkDir reports symlinks without following them; skipping them
		// keeps every read inside root.
		if !d.Type().IsRegular() {
			return nil
		}
		seen++
		if seen > maxFiles {
			return errEnough
		}
		lang := languageOf(d.Name())
		if lang == langNone {
			return nil
		}
		rel, ok := inside(root, path)
		if !ok {
			return nil
		}
		data, ok := readSmall(path, d)
		if !ok {
			return nil
		}
		f.routes = append(f.routes, scanFile(rel, lang, data)...)
		return nil
	})
	if errors.Is(err, errEnough) {
		return nil
	}
	return err
}

// readSmall reads a regular file of at most maxFileBytes.
func readSmall(path string, d fs.DirEntry) ([]byte, bool) {
	info, err := d.Info()
	if err != nil || info.Size() > maxFileBytes {
		return nil, false
	}
	file, err := os.Open(path)
	if err != nil {
		return nil, false
	}
	defer file.Close()
	// The file may have grown since it was listed.
	data, err := io.ReadAll(io.LimitReader(file, maxFileBytes+1))
	if err != nil || len(data) > maxFileBytes {
		return nil, false
	}
	return data, true
}

// Locate returns the repo-relative path (forward slashes) and line for
// METHOD template, or ok=false. template is an OpenAPI-style route such as
// /api/orders/{orderId}; "*" (a property of the whole API) is never
// located.
//
// The spec wins when it declares the operation. In the source, candidates
// are ranked, best first, by: how well the route matches (same template;
// then a parameter in one matching a fixed segment in the other; then one
// route being the other with a prefix the source does not show, such as a
// blueprint's url_prefix or a router's mount point), how well the method
// matches (the same; then a declaration with no known method; then one that
// implies it, GET for HEAD and any for OPTIONS), files that are not tests,
// the shortest file path, the file path, and the lowest line.
func (f *Finder) Locate(method, template string) (finding.Location, bool) {
	if template == "*" || template == "" {
		return finding.Location{}, false
	}
	method = strings.ToUpper(method)
	if loc, ok := f.locateSpec(method, template); ok {
		return loc, true
	}
	want := segmentsOf(template)
	var best *route
	var bestKey rank
	for i := range f.routes {
		r := &f.routes[i]
		key, ok := r.rank(method, want)
		if !ok {
			continue
		}
		if best == nil || key.less(bestKey, r, best) {
			best, bestKey = r, key
		}
	}
	if best == nil {
		return finding.Location{}, false
	}
	return finding.Location{File: best.file, Line: best.line}, true
}

// locateSpec finds the operation in the spec: by its exact template first,
// then by a template that differs only in parameter names, or by the
// route with the document's base path in front.
func (f *Finder) locateSpec(method, route string) (finding.Location, bool) {
	if f.specFile == "" {
		return finding.Location{}, false
	}
	want := segmentsOf(route)
	var best *openapi.Operation
	bestExact := false
	for i := range f.ops {
		op := &f.ops[i]
		if op.Line <= 0 || (method != "" && op.Method != method) {
			continue
		}
		exact := op.Path == route || f.basePath+op.Path == route
		if !exact && !sameTemplate(segmentsOf(op.Path), want) && !sameTemplate(segmentsOf(f.basePath+op.Path), want) {
			continue
		}
		if best == nil || (exact && !bestExact) || (exact == bestExact && op.Line < best.Line) {
			best, bestExact = op, exact
		}
	}
	if best == nil {
		return finding.Location{}, false
	}
	return finding.Location{File: f.specFile, Line: best.Line}, true
}

// rank orders candidate routes for one lookup; lower is better.
type rank struct {
	routeTier  int
	methodTier int
	test       bool
}

// less reports whether candidate a (ranked k) beats b (ranked o).
func (k rank) less(o rank, a, b *route) bool {
	c := cmp.Or(
		cmp.Compare(k.routeTier, o.routeTier),
		cmp.Compare(k.methodTier, o.methodTier),
		compareBool(k.test, o.test),
		cmp.Compare(len(a.file), len(b.file)),
		strings.Compare(a.file, b.file),
		cmp.Compare(a.line, b.line),
	)
	return c < 0
}

func compareBool(a, b bool) int {
	return cmp.Compare(btoi(a), btoi(b))
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
