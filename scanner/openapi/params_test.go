package openapi

import (
	"testing"

	"github.com/pb33f/go-yaml"
)

func TestExampleString(t *testing.T) {
	tests := []struct {
		name   string
		yaml   string
		want   string
		wantOK bool
	}{
		{"string", "abc", "abc", true},
		{"quoted number stays a string", "'1e3'", "1e3", true},
		{"integer", "42", "42", true},
		{"negative", "-7", "-7", true},
		{"hex integer", "0x1F", "31", true},
		{"underscores", "1_000", "1000", true},
		{"big integer", "123456789012345678901234567890", "123456789012345678901234567890", true},
		{"exponent", "1e3", "1000", true},
		{"float as written", "2.50", "2.50", true},
		{"plus sign dropped", "+1.5", "1.5", true},
		{"large exponent", "1e30", "1000000000000000000000000000000", true},
		{"huge exponent stays as written", "1e999999999", "1e999999999", true},
		{"small float", "1.5e-3", "0.0015", true},
		{"true", "true", "true", true},
		{"True", "True", "true", true},
		{"false", "false", "false", true},
		{"null", "null", "", false},
		{"tilde", "~", "", false},
		{"empty string", "''", "", false},
		{"list gives first item", "[a, b]", "a", true},
		{"list of numbers", "[1e2]", "100", true},
		{"empty list", "[]", "", false},
		{"object", "{a: 1}", "", false},
		{"date stays as written", "2024-01-02", "2024-01-02", true},
		{"infinity stays as written", ".inf", ".inf", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var doc yaml.Node
			if err := yaml.Unmarshal([]byte(tt.yaml), &doc); err != nil {
				t.Fatal(err)
			}
			got, ok := exampleString(doc.Content[0])
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("exampleString(%s) = %q, %v; want %q, %v", tt.yaml, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestExampleStringNil(t *testing.T) {
	if got, ok := exampleString(nil); ok || got != "" {
		t.Errorf("exampleString(nil) = %q, %v; want \"\", false", got, ok)
	}
}
