package objects

import "testing"

func TestNewID(t *testing.T) {
	tests := []struct {
		name, body, location, param string
		want                        string
		ok                          bool
	}{
		{"location absolute", `{}`, "https://api.example/api/orders/42", "id", "42", true},
		{"location relative with slash and query", `{"id":7}`, "/orders/a1b2/?x=1", "orderId", "a1b2", true},
		{"location escaped", ``, "/files/report%202024", "fileId", "report 2024", true},
		{"location without digit loses to body", `{"id":"abc-x"}`, "/orders/", "id", "abc-x", true},
		{"location without digit when body has none", `{}`, "/projects/my-project", "projectId", "my-project", true},
		{"body numeric id as written", `{"id":12345678901234567890}`, "", "id", "12345678901234567890", true},
		{"camel param matches snake field", `{"order_id":"o-9","id":"other"}`, "", "orderId", "o-9", true},
		{"snake param matches camel field", `{"orderId":5}`, "", "order_id", "5", true},
		{"param itself first", `{"id":1,"orderId":2}`, "", "orderId", "2", true},
		{"mongo _id", `{"_id":"65f0c0ffee"}`, "", "id", "65f0c0ffee", true},
		{"juice shop data wrapper", `{"status":"success","data":{"id":3,"name":"x"}}`, "", "id", "3", true},
		{"resource-named wrapper", `{"meta":{"id":"m"},"order":{"id":9}}`, "", "orderId", "9", true},
		{"other wrappers sorted", `{"b":{"id":2},"a":{"id":1}}`, "", "id", "1", true},
		{"one-element array", `[{"id":4}]`, "", "id", "4", true},
		{"two levels deep is not looked into", `{"data":{"order":{"id":1}}}`, "", "id", "", false},
		{"empty string and bool ids refused", `{"id":"","uuid":true}`, "", "id", "", false},
		{"HAL self link only", `{"title":"x","_links":{"self":{"href":"http://h/notes/3"},"note":{"href":"http://h/notes/3{?projection}"}}}`, "", "id", "3", true},
		{"HAL templated self link", `{"_links":{"self":{"href":"/notes/a1{?projection}"}}}`, "", "id", "a1", true},
		{"HAL self link in an array", `{"_links":{"self":[{"href":"/notes/4"}]}}`, "", "id", "4", true},
		{"JSON:API self link string in a wrapper", `{"data":{"type":"notes","links":{"self":"/notes/5"}}}`, "", "id", "5", true},
		{"id field before self link", `{"id":6,"_links":{"self":{"href":"/notes/7"}}}`, "", "id", "6", true},
		{"digitless self link loses to digitless location", `{"_links":{"self":{"href":"/notes/"}}}`, "/notes/my-note", "id", "my-note", true},
		{"digitless self link when nothing else", `{"_links":{"self":{"href":"/notes/my-note"}}}`, "", "id", "my-note", true},
		{"self link with a digit beats a digitless location", `{"_links":{"self":{"href":"/notes/8"}}}`, "/notes/", "id", "8", true},
		{"not JSON", `<html>created</html>`, "", "id", "", false},
		{"nothing", ``, "", "id", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := NewID([]byte(tt.body), tt.location, tt.param)
			if got != tt.want || ok != tt.ok {
				t.Errorf("NewID = %q, %v; want %q, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestResourceName(t *testing.T) {
	for in, want := range map[string]string{
		"orderId": "order", "order_id": "order", "OrderID": "order", "lineItemId": "lineItem",
		"id": "", "slug": "", "userUuid": "user",
	} {
		if got := resourceName(in); got != want {
			t.Errorf("resourceName(%q) = %q, want %q", in, got, want)
		}
	}
}
