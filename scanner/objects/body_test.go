package objects

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/authgate/authgate/scanner/openapi"
)

func ptr[T any](v T) *T { return &v }

func str() *openapi.Schema { return &openapi.Schema{Type: "string"} }

func TestBody(t *testing.T) {
	tests := []struct {
		name string
		s    *openapi.Schema
		want string
	}{
		{
			name: "juice shop style product with example, default, enum, readOnly",
			s: &openapi.Schema{Type: "object", Required: []string{"name", "price", "status", "id"},
				Properties: map[string]*openapi.Schema{
					"id":          {Type: "integer", ReadOnly: true},
					"name":        {Type: "string", Example: `"Apple Juice"`},
					"price":       {Type: "number", Example: "1.99"},
					"status":      {Type: "string", Enum: []string{"draft", "live"}},
					"currency":    {Type: "string", Default: `"EUR"`},
					"description": {Type: "string"},
					"createdAt":   {Type: "string", Format: "date-time", ReadOnly: true, Example: `"2020-01-01T00:00:00Z"`},
				}},
			want: `{"currency":"EUR","name":"authgate-s1","price":1.99,"status":"draft"}`,
		},
		{
			name: "registration: email, password, formats",
			s: &openapi.Schema{Type: "object", Required: []string{"email", "password", "passwordRepeat", "birthday", "website", "token"},
				Properties: map[string]*openapi.Schema{
					"email":          {Type: "string", Format: "email", Example: `"alice@example.com"`},
					"password":       {Type: "string", Format: "password"},
					"passwordRepeat": str(),
					"birthday":       {Type: "string", Format: "date"},
					"website":        {Type: "string", Format: "uri"},
					"token":          {Type: "string", Format: "uuid"},
				}},
			want: `{"birthday":"2000-01-01","email":"authgate-s1@example.invalid","password":"Ag7!s1-pw","passwordRepeat":"Ag7!s1-pw","token":"` +
				gen{seed: "s1"}.uuid() + `","website":"https://example.invalid/authgate-s1"}`,
		},
		{
			name: "bounds on numbers and strings",
			s: &openapi.Schema{Type: "object", Required: []string{"qty", "rating", "code", "zip", "memo"},
				Properties: map[string]*openapi.Schema{
					"qty":    {Type: "integer", Minimum: ptr(5.5), Maximum: ptr(10.0)},
					"rating": {Type: "number", Maximum: ptr(0.5)},
					"code":   {Type: "string", MaxLength: ptr(4)},
					"zip":    {Type: "string", Pattern: `^[0-9]+$`},
					"memo":   {Type: "string", MinLength: ptr(20)},
				}},
			want: `{"code":"s1","memo":"authgate-s1xxxxxxxxx","qty":6,"rating":0.5,"zip":"1"}`,
		},
		{
			name: "nested objects and arrays of one item",
			s: &openapi.Schema{Type: "object", Required: []string{"address", "items", "tags"},
				Properties: map[string]*openapi.Schema{
					"address": {Required: []string{"city"}, Properties: map[string]*openapi.Schema{"city": str()}},
					"items": {Type: "array", Items: &openapi.Schema{Type: "object", Required: []string{"productId", "quantity"},
						Properties: map[string]*openapi.Schema{"productId": {Type: "integer"}, "quantity": {Type: "integer", Minimum: ptr(1.0)}}}},
					"tags": {Type: "array"},
				}},
			want: `{"address":{"city":"authgate-s1"},"items":[{"productId":1,"quantity":1}],"tags":[]}`,
		},
		{
			name: "truncated cycle becomes a placeholder",
			s: &openapi.Schema{Type: "object", Required: []string{"parent", "children", "kind"},
				Properties: map[string]*openapi.Schema{
					"parent":   {Truncated: true},
					"children": {Type: "array", Items: &openapi.Schema{Truncated: true}},
					"kind":     {Type: "string", Truncated: true},
				}},
			want: `{"children":[{}],"kind":null,"parent":{}}`,
		},
		{
			name: "typed enums and booleans",
			s: &openapi.Schema{Type: "object", Required: []string{"level", "public", "ok"},
				Properties: map[string]*openapi.Schema{
					"level":  {Type: "integer", Enum: []string{"3", "4"}},
					"public": {Type: "boolean"},
					"ok":     {Type: "boolean", Enum: []string{"true"}},
				}},
			want: `{"level":3,"ok":true,"public":false}`,
		},
		{
			name: "unique-looking name keeps example when seed breaks its pattern",
			s: &openapi.Schema{Type: "object", Required: []string{"username"},
				Properties: map[string]*openapi.Schema{"username": {Type: "string", Pattern: `^[A-Z]{3}$`, Example: `"ABC"`}}},
			want: `{"username":"ABC"}`,
		},
		{
			name: "top-level array and scalar",
			s:    &openapi.Schema{Type: "array", Items: &openapi.Schema{Type: "string", Format: "email"}},
			want: `["authgate-s1@example.invalid"]`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Body(tt.s, "s1")
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Errorf("got  %s\nwant %s", b, tt.want)
			}
			if !json.Valid(b) {
				t.Errorf("not JSON: %s", b)
			}
			again, _ := Body(tt.s, "s1")
			if string(again) != string(b) {
				t.Errorf("not deterministic: %s then %s", b, again)
			}
		})
	}
}

func TestBodyErrors(t *testing.T) {
	if _, err := Body(nil, "s"); !errors.Is(err, ErrNoSchema) {
		t.Errorf("nil schema: err = %v", err)
	}
	huge := &openapi.Schema{Type: "object", Required: []string{"a"},
		Properties: map[string]*openapi.Schema{"a": {Type: "string", MinLength: ptr(maxStringLen + 1)}}}
	if _, err := Body(huge, "s"); err == nil || !strings.Contains(err.Error(), "minLength") {
		t.Errorf("huge minLength: err = %v", err)
	}
	wide := &openapi.Schema{Type: "object", Properties: map[string]*openapi.Schema{}}
	for i := range 40 {
		name := "f" + strings.Repeat("x", i)
		wide.Required = append(wide.Required, name)
		wide.Properties[name] = &openapi.Schema{Type: "string", MinLength: ptr(maxStringLen)}
	}
	if _, err := Body(wide, "s"); err == nil || !strings.Contains(err.Error(), "bound") {
		t.Errorf("oversized body: err = %v", err)
	}
	// A hand-built cycle ends at the depth bound instead of recursing forever.
	loop := &openapi.Schema{Type: "object", Required: []string{"next"}, Properties: map[string]*openapi.Schema{}}
	loop.Properties["next"] = loop
	if b, err := Body(loop, "s"); err != nil || !json.Valid(b) {
		t.Errorf("cycle: %s, %v", b, err)
	}
}

func TestBodySeedMarks(t *testing.T) {
	s := &openapi.Schema{Type: "object", Required: []string{"title"}, Properties: map[string]*openapi.Schema{"title": str()}}
	a, _ := Body(s, "aaa")
	b, _ := Body(s, "bbb")
	if string(a) == string(b) || !strings.Contains(string(a), "authgate-aaa") {
		t.Errorf("seeds not carried: %s, %s", a, b)
	}
}
