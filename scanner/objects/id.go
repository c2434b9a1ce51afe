package objects

import (
	"bytes"
	"encoding/json"
	"net/url"
	"sort"
	"strings"
	"unicode"

	"github.com/authgate/authgate/internal/ident"
)

// wrapperNames are the keys APIs most often wrap a created object in; they
// are looked into before any other object-valued key.
var wrapperNames = []string{"data", "result", "item", "object", "resource", "record"}

// NewID returns the id of the object a create made, as the text to put in
// the item path parameter itemParam, so the scan can act on exactly the
// object it created and nothing else. It reads the Location header's last
// segment first (the standard answer to a create), then the answer body: an
// id field matching itemParam's name (orderId → orderId, order_id, id, _id),
// at the top or inside one wrapper ({"data": {...}}, {"order": {...}}),
// then the record's own link (HAL's _links.self.href, JSON:API's
// links.self), the only address hypermedia APIs such as Spring HATEOAS
// give: no id field, no Location. Numeric and string ids come back as
// text, numbers as written. A Location or self link whose last segment
// has no digit (/orders/ or a collection) is trusted only when nothing
// else gives an id.
func NewID(body []byte, location string, itemParam string) (string, bool) {
	loc := locationID(location)
	if hasDigit(loc) {
		return loc, true
	}
	if id, ok := bodyID(body, itemParam); ok {
		return id, true
	}
	self := selfID(body)
	if hasDigit(self) {
		return self, true
	}
	if loc != "" {
		return loc, true
	}
	return self, self != ""
}

func hasDigit(s string) bool { return strings.IndexFunc(s, unicode.IsDigit) >= 0 }

// selfID is the last segment of a JSON record's own link, at the top or
// inside one wrapper: HAL's {"_links": {"self": {"href": ...}}} and
// JSON:API's {"links": {"self": ...}} (a string or {"href": ...}). A
// templated href (/notes/3{?projection}) loses its template.
func selfID(body []byte) string {
	obj, ok := record(body)
	if !ok {
		return ""
	}
	if href := selfHref(obj); href != "" {
		return locationID(href)
	}
	for _, k := range wrapperOrder(obj, "") {
		if inner, ok := obj[k].(map[string]any); ok {
			if href := selfHref(inner); href != "" {
				return locationID(href)
			}
		}
	}
	return ""
}

// selfHref is obj's self link, "" when it has none.
func selfHref(obj map[string]any) string {
	for _, key := range []string{"_links", "links"} {
		links, ok := obj[key].(map[string]any)
		if !ok {
			continue
		}
		self := links["self"]
		if arr, ok := self.([]any); ok && len(arr) == 1 {
			self = arr[0] // HAL allows an array of links for any relation
		}
		var href string
		switch v := self.(type) {
		case string:
			href = v
		case map[string]any:
			href, _ = v["href"].(string)
		}
		if i := strings.IndexByte(href, '{'); i >= 0 {
			href = href[:i]
		}
		if href != "" {
			return href
		}
	}
	return ""
}

// locationID is the last non-empty path segment of a Location header,
// absolute or relative, without query, fragment or format suffix.
func locationID(location string) string {
	u, err := url.Parse(strings.TrimSpace(location))
	if err != nil || location == "" {
		return ""
	}
	segs := segments(u.EscapedPath())
	if len(segs) == 0 {
		return ""
	}
	last, err := url.PathUnescape(segs[len(segs)-1])
	if err != nil {
		return ""
	}
	return last
}

// record decodes a JSON answer's object: the answer itself, or the one
// element of a one-element array (some APIs answer a create with the list
// of what they created). Numbers stay as written.
func record(body []byte) (map[string]any, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return nil, false
	}
	if arr, ok := v.([]any); ok && len(arr) == 1 {
		v = arr[0]
	}
	obj, ok := v.(map[string]any)
	return obj, ok
}

// bodyID finds the id in a JSON answer.
func bodyID(body []byte, itemParam string) (string, bool) {
	obj, ok := record(body)
	if !ok {
		return "", false
	}
	names := idNames(itemParam)
	if id, ok := idIn(obj, names); ok {
		return id, true
	}
	for _, k := range wrapperOrder(obj, itemParam) {
		if inner, ok := obj[k].(map[string]any); ok {
			if id, ok := idIn(inner, names); ok {
				return id, true
			}
		}
	}
	return "", false
}

// wrapperOrder lists obj's keys in the order they are tried as wrappers:
// the usual wrapper names, then the resource's own name (order for
// orderId), then the rest sorted, so the answer is deterministic.
func wrapperOrder(obj map[string]any, itemParam string) []string {
	var first, rest []string
	seen := map[string]bool{}
	pref := append(append([]string{}, wrapperNames...), resourceName(itemParam))
	for _, p := range pref {
		for k := range obj {
			if !seen[k] && p != "" && strings.EqualFold(k, p) {
				first = append(first, k)
				seen[k] = true
			}
		}
	}
	for k := range obj {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	return append(first, rest...)
}

// idIn returns the first of names present in obj with a usable id value.
func idIn(obj map[string]any, names []string) (string, bool) {
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys) // "ID" before "id": the same answer gives the same id
	for _, n := range names {
		for _, k := range keys {
			if !strings.EqualFold(k, n) {
				continue
			}
			switch v := obj[k].(type) {
			case json.Number:
				return v.String(), true
			case string:
				if v != "" {
					return v, true
				}
			}
		}
	}
	return "", false
}

// idNames are the body fields that may hold the id for itemParam, most
// specific first.
func idNames(itemParam string) []string {
	names := []string{itemParam}
	if r := resourceName(itemParam); r != "" {
		names = append(names, r+"Id", r+"_id")
	}
	return append(names, "id", "_id", "uuid", "pk")
}

// resourceName is the object's name in an id parameter: order for orderId,
// order_id, order-id and OrderID; "" for id itself.
func resourceName(itemParam string) string {
	w := ident.Words(itemParam)
	if len(w) < 2 || (w[len(w)-1] != "id" && w[len(w)-1] != "uuid") {
		return ""
	}
	base := w[0]
	for _, x := range w[1 : len(w)-1] {
		base += strings.ToUpper(x[:1]) + x[1:]
	}
	return base
}
