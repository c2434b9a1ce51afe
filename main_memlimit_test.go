package main

import "testing"

// TestMemoryLimit: authgate runs under its own soft memory limit unless the
// user set GOMEMLIMIT, which the runtime then applies unchanged.
func TestMemoryLimit(t *testing.T) {
	for _, tc := range []struct {
		env   string
		limit int64
		set   bool
	}{
		{"", defaultMemoryLimit, true},
		{"1GiB", 0, false},
		{"off", 0, false},
	} {
		limit, set := memoryLimit(func(k string) string {
			if k == "GOMEMLIMIT" {
				return tc.env
			}
			return ""
		})
		if limit != tc.limit || set != tc.set {
			t.Errorf("GOMEMLIMIT=%q: memoryLimit() = %d, %v; want %d, %v", tc.env, limit, set, tc.limit, tc.set)
		}
	}
}
