package scanner

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
)

// contentBodies are 2xx bodies for HasContent: empty and paging-only
// ones, volatile and viewer keys holding "empty" values, keys with dots
// and brackets, and paths nested past maxPathBytes.
var contentBodies = []string{
	``, `null`, `{}`, `[]`, `""`, `"x"`, `0`, `false`, `not json`,
	`{"items":[],"total":0,"page":1}`, `{"items":[{}],"count":3}`,
	`{"a":null}`, `{"a":""}`, `{"a":"null"}`, `{"a":"{}"}`, `{"a":"[]"}`, `{"a":0}`, `{"a":false}`,
	`{"timestamp":""}`, `{"request_id":"null"}`, `{"total":"x"}`, `{"next":"/p2","items":[]}`,
	`{"data":{"total":5}}`, `{"data":[{"total":5}]}`, `{"data":[[]],"page":2}`,
	`{"a.total":1}`, `{"total[]":1}`, `{"[]":1}`, `{"x.[]":"y"}`, `{"a":{"b.":""}}`,
	`{"can_edit":true}`, `{"Count":""}`, `{"ſize":1}`, `{"created_at":"2024-01-02T03:04:05Z"}`,
	`[{"total":1},{"page":2}]`, `[null,"",{}]`, `[["x"]]`,
}

func deepBody(depth int, key, leaf string) string {
	return strings.Repeat(`{"`+key+`":`, depth) + leaf + strings.Repeat(`}`, depth)
}

func deepList(depth int, key, leaf string) string {
	return `{"` + key + `":` + strings.Repeat(`[`, depth) + leaf + strings.Repeat(`]`, depth) + `}`
}

// oldHasContent is HasContent as it was before hasData: every scalar
// through flatten.
func oldHasContent(body []byte) bool {
	b := []byte(strings.TrimSpace(string(body)))
	switch string(b) {
	case "", "null", "{}", "[]", `""`:
		return false
	}
	var v any
	if json.Unmarshal(b, &v) == nil {
		nonNull := false
		flatten("", v, func(path, value string) {
			if value != "null" && value != "{}" && value != "[]" && value != "" && !pagingKey.MatchString(lastKey(path)) {
				nonNull = true
			}
		})
		return nonNull
	}
	return true
}

// TestHasContentAsFlatten: HasContent (hasData's walk, flatten's past
// maxPathBytes) answers as the walk over every flattened value did, and
// the memoised r.HasContent() as HasContent(r.Body).
func TestHasContentAsFlatten(t *testing.T) {
	bodies := append([]string(nil), contentBodies...)
	for _, depth := range []int{1, 20, 60, 120} {
		for _, leaf := range []string{`""`, `"x"`, `null`, `1`, `[]`} {
			bodies = append(bodies, deepBody(depth, "total", leaf), deepBody(depth, "abcdefgh", leaf),
				deepList(depth, "page", leaf), deepList(depth, "timestamp", leaf),
				`{"`+strings.Repeat("k", 250)+`":`+deepList(depth, "total", leaf)+`}`)
		}
	}
	for _, b := range bodies {
		want := oldHasContent([]byte(b))
		if got := HasContent([]byte(b)); got != want {
			t.Errorf("HasContent(%.80q) = %v, the flattened walk says %v", b, got, want)
		}
		r := &Response{Status: 200, Body: []byte(b)}
		if got := r.HasContent(); got != want {
			t.Errorf("r.HasContent() of %.80q = %v, want %v", b, got, want)
		}
	}
}

// TestResponseMemo: the memo answers as the functions do, and an answer
// whose status or body is replaced is judged again.
func TestResponseMemo(t *testing.T) {
	r := &Response{Status: 200, Body: []byte(`{"error":"access denied"}`)}
	if got := Refusal(r); got != "denial in the body" {
		t.Fatalf("Refusal = %q", got)
	}
	r.Body = []byte(`{"name":"alice"}`)
	if got := Refusal(r); got != "" {
		t.Errorf("Refusal after the body changed = %q, want none", got)
	}
	if !r.HasContent() {
		t.Error("HasContent of a record = false")
	}
	r.Body = []byte(`{"items":[],"total":0}`)
	if r.HasContent() {
		t.Error("HasContent after the body became an empty page = true")
	}
	r.Status = 404
	if got := Refusal(r); got != "status 404" {
		t.Errorf("Refusal after the status changed = %q", got)
	}
	for _, b := range contentBodies {
		for _, status := range []int{200, 204, 302, 401} {
			r := &Response{Status: status, Body: []byte(b)}
			want := Refusal(&Response{Status: status, Body: []byte(b)})
			for range 2 {
				if got := Refusal(r); got != want {
					t.Errorf("Refusal(%d %q) = %q, then %q", status, b, want, got)
				}
			}
		}
	}
}

// TestResponseMemoConcurrent: rules judge one cached answer at once
// (run with -race).
func TestResponseMemoConcurrent(t *testing.T) {
	for i := range 20 {
		r := &Response{Status: 200, Body: fmt.Appendf(nil, `{"id":%d,"total":1}`, i)}
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				if Refusal(r) != "" || !r.HasContent() {
					t.Error("a record judged as no answer")
				}
			})
		}
		wg.Wait()
	}
}

// TestShareJudgement: copies of one answer (cache hits) share one memo,
// and a copy whose body is replaced is judged on its own.
func TestShareJudgement(t *testing.T) {
	r := &Response{Status: 200, Body: []byte(`{"error":"forbidden"}`)}
	a := &Response{Status: r.Status, Body: r.Body}
	r.shareJudgement(a)
	if Refusal(a) != "denial in the body" || r.judged.Load() != a.judged.Load() {
		t.Fatal("the copy does not share the answer's memo")
	}
	b := &Response{Status: r.Status, Body: r.Body}
	r.shareJudgement(b)
	b.Body = []byte(`{"name":"x"}`)
	if Refusal(b) != "" || Refusal(r) != "denial in the body" {
		t.Error("a copy with another body was judged as the answer, or changed its verdict")
	}
}

// oldEachScalar is EachScalar as it was before the shared key buffer.
func oldEachScalar(body []byte, inLists bool, fn func(key, value string)) bool {
	var v any
	if json.Unmarshal([]byte(strings.TrimSpace(string(body))), &v) != nil {
		return false
	}
	var walk func(any, int)
	walk = func(v any, depth int) {
		if depth > maxRecordDepth {
			return
		}
		switch t := v.(type) {
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(t)) {
				if s, ok := scalarString(t[k]); ok {
					fn(k, s)
					continue
				}
				walk(t[k], depth+1)
			}
		case []any:
			if !inLists {
				return
			}
			for _, c := range t {
				walk(c, depth+1)
			}
		}
	}
	walk(v, 0)
	return true
}

// TestEachScalarOrder: the scalars come in the same order as before
// (each object's keys sorted, nested objects in their parent's order),
// with and without lists.
func TestEachScalarOrder(t *testing.T) {
	bodies := append([]string{
		`{"z":1,"a":{"y":2,"b":{"x":3,"c":[{"w":4,"d":5}]}},"m":[{"k":"v","j":{"i":"h"}}],"n":null}`,
		`[{"b":1,"a":2},{"d":{"f":1,"e":2},"c":3}]`,
		`{"a":{"a":{"a":{"a":{"a":{"a":"deep"}}}}},"b":"x"}`,
	}, contentBodies...)
	for _, b := range bodies {
		for _, inLists := range []bool{true, false} {
			var got, want []string
			okGot := EachScalar([]byte(b), inLists, func(k, v string) { got = append(got, k+"="+v) })
			okWant := oldEachScalar([]byte(b), inLists, func(k, v string) { want = append(want, k+"="+v) })
			if okGot != okWant || !slices.Equal(got, want) {
				t.Errorf("EachScalar(%.60q, %v) = %v %q, before %v %q", b, inLists, okGot, got, okWant, want)
			}
		}
	}
}
