package scanner

import (
	"bytes"
	"encoding/json"
	"math"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// compareSeeds are bodies a target may answer with: records, lists,
// errors, pages, and the hostile shapes (deep nesting, huge numbers,
// invalid UTF-8, duplicate keys) the comparison code must survive.
var compareSeeds = []string{
	``,
	`null`,
	`{}`,
	`[]`,
	`""`,
	`{"user_id":"1001","name":"Alice","email":"alice@example.com"}`,
	`{"data":{"user":{"id":3,"email":"c@example.com","phone":"+1 555"}}}`,
	`{"items":[{"id":1,"owner":"a@example.com"},{"id":2,"owner":"b@example.com"}],"total":2,"page":1}`,
	`{"items":[],"total":0,"next":null}`,
	`{"error":"Unauthorized"}`,
	`{"success":false,"data":null}`,
	`{"code":"401","message":"token expired"}`,
	`{"status":403.0,"detail":"forbidden"}`,
	`{"id":7,"time":"2024-01-01T00:00:00Z","request_id":"abc","can_edit":true}`,
	`{"a":1e400}`,
	`{"a":-0,"b":1e-400,"c":123456789012345678901234567890}`,
	`{"a":1,"a":2}`,
	`{"":{"":{"":[null]}}}`,
	"{\"k\xff\":\"v\xfe\"}",
	`{"\u0000":"\ud800"}`,
	`<html><form action=/login><input type="password" name=p></form></html>`,
	`<html><body>Welcome home</body></html>`,
	"Traceback (most recent call last):\n  File \"app.py\", line 12\nbotocore.exceptions.ClientError",
	`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`,
	strings.Repeat(`{"a":`, 200) + `1` + strings.Repeat(`}`, 200),
	strings.Repeat(`[`, 10001) + strings.Repeat(`]`, 10001),
	`{"a":` + strings.Repeat(`[`, 300),
	"::error::x <img src=x onerror=alert(1)> @octocat ](javascript:alert(1)) `a|b`\n",
}

// FuzzCompare feeds two hostile bodies to the comparison toolkit every
// rule shares. None of it may panic, and what the rules rely on must hold
// for any input: similarity is a number in [0, 1], symmetric, and blind to
// surrounding white space; a single-object record is a record of the whole
// body too; EachScalar says JSON only when the body is JSON.
func FuzzCompare(f *testing.F) {
	for i, a := range compareSeeds {
		f.Add([]byte(a), []byte(compareSeeds[(i+1)%len(compareSeeds)]))
	}
	f.Fuzz(func(t *testing.T, a, b []byte) {
		s := Similarity(a, b)
		if math.IsNaN(s) || s < 0 || s > 1 {
			t.Fatalf("Similarity = %v, want a number in [0, 1]", s)
		}
		if r := Similarity(b, a); r != s {
			t.Fatalf("Similarity is not symmetric: %v one way, %v the other", s, r)
		}
		padded := append(append([]byte(" \n\t"), a...), "\r\n "...)
		if got := Similarity(a, padded); got != 1 {
			t.Fatalf("Similarity with white space around the body = %v, want 1", got)
		}

		for _, body := range [][]byte{a, b} {
			compareCheckRecords(t, body)
			if HasContent(body) && len(bytes.TrimSpace(body)) == 0 {
				t.Fatal("HasContent of a blank body")
			}
			// Not the converse: valid JSON with a number beyond float64
			// (1e400) does not decode, and is read as text.
			if EachScalar(body, true, func(string, string) {}) && !json.Valid(bytes.TrimSpace(body)) {
				t.Fatal("EachScalar says JSON, json.Valid does not")
			}
		}
	})
}

// compareCheckRecords checks what the BOLA rules assume of PersonalRecord and
// SingleRecord: a record always has personal keys, and a record found
// outside lists is found with lists entered too.
func compareCheckRecords(t *testing.T, body []byte) {
	t.Helper()
	whole, wholeOK := PersonalRecord(body)
	single, singleOK := SingleRecord(body)
	for _, r := range []struct {
		rec Record
		ok  bool
	}{{whole, wholeOK}, {single, singleOK}} {
		if r.ok && len(r.rec.PersonalKeys) == 0 {
			t.Fatalf("record without personal keys: %+v", r.rec)
		}
		if !r.ok && (len(r.rec.PersonalKeys) > 0 || len(r.rec.Identifiers) > 0 || r.rec.Private) {
			t.Fatalf("no record, but a non-zero Record: %+v", r.rec)
		}
	}
	if singleOK && !wholeOK {
		t.Fatalf("SingleRecord finds %+v but PersonalRecord finds nothing", single)
	}
	if singleOK {
		for _, k := range single.PersonalKeys {
			if !slices.Contains(whole.PersonalKeys, k) {
				t.Fatalf("SingleRecord's key %q is missing from PersonalRecord's %v", k, whole.PersonalKeys)
			}
		}
		if single.Private && !whole.Private {
			t.Fatal("SingleRecord is private but PersonalRecord is not")
		}
	}
}

// FuzzRefusal checks Refusal on any status, Location and body: it never
// panics, the statuses the contract calls refusals are always refused,
// and a refusal is a short reason of ours, never the target's text.
func FuzzRefusal(f *testing.F) {
	for i, body := range compareSeeds {
		status := []int{200, 201, 204, 301, 302, 401, 403, 404, 429, 500}[i%10]
		f.Add(status, "/login?next=/user", "application/json", []byte(body))
	}
	f.Add(0, "", "", []byte(nil))
	f.Add(-1, "\x00", "text/html; charset=\xff", []byte("{"))
	f.Add(999, "javascript:alert(1)", ";", []byte(`{"ok":false}`))
	f.Fuzz(func(t *testing.T, status int, location, contentType string, body []byte) {
		h := http.Header{}
		h.Set("Location", location)
		h.Set("Content-Type", contentType)
		r := &Response{Status: status, Header: h, Body: body, Request: &Request{Method: "GET"}}
		reason := Refusal(r)
		switch status {
		case http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusTooManyRequests:
			if reason == "" {
				t.Fatalf("status %d is not a refusal", status)
			}
		}
		if (status < 200 || status >= 300) && reason == "" {
			t.Fatalf("status %d is not a refusal", status)
		}
		if len(reason) > compareMaxRefusalReason || strings.ContainsAny(reason, "\r\n<>@`[]") {
			t.Fatalf("refusal reason %q is not a short reason of ours", reason)
		}
		fp := FingerprintOf(r)
		if !fp.Matches(r) {
			t.Fatal("a response does not match its own fingerprint")
		}
		if Refusal(nil) == "" || fp.Matches(nil) {
			t.Fatal("nil response")
		}
	})
}

// compareMaxRefusalReason bounds Refusal's reasons: the longest is "redirect to
// a login page"; a status number adds at most 20 digits.
const compareMaxRefusalReason = 32

// compareDeepBody is a JSON document nested depth objects deep, each key keyLen
// bytes long: the shape that makes path-building walks quadratic.
func compareDeepBody(depth, keyLen int) []byte {
	key := strings.Repeat("k", keyLen)
	return []byte(strings.Repeat(`{"`+key+`":`, depth) + `1` + strings.Repeat(`}`, depth))
}

// compareMaxBytesPerByte bounds what comparing one body may allocate, per
// byte of the body: the parse, the tokens and the paths are each a small
// multiple of the input. Quadratic path building (every level copying the
// whole path above it) is hundreds of times more on the body below.
const compareMaxBytesPerByte = 64

// TestCompareDeepNestingIsLinear: a target answers every request, and
// Similarity and HasContent run on every answer, so their cost must grow
// with the body, not with its square. A body of nested objects with long
// keys within the 1 MiB response cap (depth 9,990, keys of 90 bytes) took
// about 20 s per Similarity call before flatten bounded its paths; this
// measures allocated bytes, not time, so that it does not depend on the
// machine.
func TestCompareDeepNestingIsLinear(t *testing.T) {
	body := compareDeepBody(2000, 90)
	padded := append([]byte(" "), body...)
	tests := []struct {
		name string
		fn   func()
	}{
		{"Similarity", func() { Similarity(body, padded) }},
		{"HasContent", func() { HasContent(body) }},
		{"PersonalRecord", func() { PersonalRecord(body) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, limit := compareAllocatedBy(tt.fn), uint64(compareMaxBytesPerByte*len(body)); got > limit {
				t.Errorf("%s of a %d-byte body nested 2,000 deep allocates %d bytes, more than %d (%d per byte of body)",
					tt.name, len(body), got, limit, compareMaxBytesPerByte)
			}
		})
	}
}

// compareAllocatedBy returns the bytes fn allocates on the heap.
func compareAllocatedBy(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}
