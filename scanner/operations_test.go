package scanner

import (
	"strings"
	"testing"
)

// TestLooksLikeDescription: discovery parses only bodies that can be an
// API description, so a catch-all route's big list or HTML page costs one
// linear pass instead of a full parse.
func TestLooksLikeDescription(t *testing.T) {
	bigList := "[" + strings.Repeat(`{"id":1,"name":"x"},`, 50000) + `{"id":2}]`
	tests := []struct {
		name string
		body string
		want bool
	}{
		{"openapi first", `{"openapi":"3.1.0","info":{},"paths":{}}`, true},
		{"sorted keys, openapi after components", `{"components":{"schemas":{"A":{"type":"object"}}},"info":{"title":"t"},"openapi":"3.0.3","paths":{}}`, true},
		{"swagger 2", `{"swagger":"2.0","paths":{}}`, true},
		{"yaml", "# comment\nopenapi: 3.0.3\ninfo: {title: t}\n", true},
		{"yaml quoted key", "\"swagger\": '2.0'\n", true},
		{"json list", bigList, false},
		{"json object without the key", `{"data":[1,2,3],"openapiVersion":"x"}`, false},
		{"nested openapi key only", `{"spec":{"openapi":"3.0.0"}}`, false},
		{"html", "<!doctype html><html><body>openapi: 3</body></html>", false},
		{"empty", "  \n", false},
		{"truncated after the key: the parser decides", `{"openapi"`, true},
		{"broken json", `{"info":`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := looksLikeDescription([]byte(tt.body)); got != tt.want {
				t.Errorf("looksLikeDescription = %v, want %v", got, tt.want)
			}
		})
	}
}
