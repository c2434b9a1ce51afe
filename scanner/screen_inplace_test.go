package scanner

import (
	"testing"

	"github.com/authgate/authgate/scanner/openapi"
)

// TestScreenInPlace: screen keeps the operations in the array it was
// given (operations()'s own copy) instead of a second one, in order, and
// leaves the state-changing GET out.
func TestScreenInPlace(t *testing.T) {
	ops := []openapi.Operation{
		{Method: "GET", Path: "/a"},
		{Method: "GET", Path: "/admin/resetdb"},
		{Method: "GET", Path: "/b"},
		{Method: "POST", Path: "/c"},
	}
	s := &scan{}
	kept := s.screen(ops)
	if len(kept) != 3 || kept[0].Path != "/a" || kept[1].Path != "/b" || kept[2].Path != "/c" {
		t.Fatalf("kept %v", kept)
	}
	if &kept[0] != &ops[0] {
		t.Error("screen copied the kept operations into a new array")
	}
	if len(s.safety.skipped) != 1 || s.safety.skipped[0].Path != "/admin/resetdb" {
		t.Errorf("skipped %v", s.safety.skipped)
	}
}
