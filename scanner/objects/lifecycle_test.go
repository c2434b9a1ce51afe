package objects

import (
	"fmt"
	"strings"
	"testing"

	"github.com/authgate/authgate/scanner/openapi"
)

// ops builds operations from "METHOD /path" lines, in the given order.
func ops(lines ...string) []openapi.Operation {
	var out []openapi.Operation
	for _, l := range lines {
		m, p, _ := strings.Cut(l, " ")
		out = append(out, openapi.Operation{Method: m, Path: p})
	}
	return out
}

// summary renders lifecycles as "POST /c [parents] GET:param ..." lines.
func summary(ls []Lifecycle) []string {
	var out []string
	for _, l := range ls {
		s := fmt.Sprintf("%s %v", l.Create.Path, l.Parents)
		for _, it := range l.Items {
			s += " " + it.Op.Method + ":" + it.Param
		}
		out = append(out, s)
	}
	return out
}

func TestLifecycles(t *testing.T) {
	tests := []struct {
		name string
		ops  []openapi.Operation
		want []string
	}{
		{
			name: "express style with mixed param names",
			ops: ops("GET /api/orders", "POST /api/orders", "GET /api/orders/{id}",
				"PUT /api/orders/{id}", "DELETE /api/orders/{orderId}", "POST /api/orders/{id}"),
			want: []string{"/api/orders [] GET:id PUT:id DELETE:orderId"},
		},
		{
			name: "django trailing slashes",
			ops:  ops("POST /orders/", "GET /orders/{order_id}/", "PATCH /orders/{order_id}/"),
			want: []string{"/orders/ [] GET:order_id PATCH:order_id"},
		},
		{
			name: "rails format suffix and colon params",
			ops:  ops("POST /orders.json", "GET /orders/{id}.json", "DELETE /orders/:id"),
			want: []string{"/orders.json [] GET:id DELETE:id"},
		},
		{
			name: "nested collection keeps parent parameters",
			ops: ops("POST /projects", "GET /projects/{projectId}", "POST /projects/{projectId}/members",
				"DELETE /projects/{id}/members/{memberId}", "GET /projects/{projectId}/members/{memberId}/roles"),
			want: []string{"/projects [] GET:projectId", "/projects/{projectId}/members [projectId] DELETE:memberId"},
		},
		{
			name: "nested items under an order",
			ops:  ops("POST /orders/{orderId}/items", "PUT /orders/{orderId}/items/{itemId}"),
			want: []string{"/orders/{orderId}/items [orderId] PUT:itemId"},
		},
		{
			name: "actions are not collections",
			ops: ops("POST /login", "POST /api/auth/register", "POST /users/signup", "POST /search",
				"POST /logout", "POST /password-reset", "POST /resetPassword", "POST /forgot_password",
				"POST /orders/{id}/cancel", "POST /api/v1", "POST /api", "POST /oauth/token",
				"POST /rest/user/login", "POST /graphql", "POST /orders/{id}"),
			want: nil,
		},
		{
			name: "plural nouns of action words are collections",
			ops:  ops("POST /searches", "POST /api/tokens", "DELETE /api/tokens/{tokenId}", "POST /payments"),
			want: []string{"/searches []", "/api/tokens [] DELETE:tokenId", "/payments []"},
		},
		{
			name: "case-insensitive literals, deeper paths are not items",
			ops:  ops("POST /api/Products", "PUT /api/products/{id}", "GET /api/Products/{id}/reviews", "GET /api/Products/{id}/{x}"),
			want: []string{"/api/Products [] PUT:id"},
		},
		{
			name: "items on the singular",
			ops: ops("POST /api/notes", "GET /api/note/{id}", "PUT /api/note/:id", "DELETE /api/note/{id}",
				"POST /categories", "PATCH /category/{id}", "POST /boxes/", "DELETE /box/{id}/",
				"POST /addresses", "GET /address/{id}", "POST /v1/projects/{pid}/tasks", "GET /v1/projects/{pid}/task/{id}"),
			want: []string{"/api/notes [] GET:id PUT:id DELETE:id", "/categories [] PATCH:id", "/boxes/ [] DELETE:id",
				"/addresses [] GET:id", "/v1/projects/{pid}/tasks [pid] GET:id"},
		},
		{
			name: "the plural's own items win, and the singular's own create keeps its items",
			ops: ops("POST /orders", "GET /orders/{id}", "GET /order/{id}",
				"POST /notes", "POST /note", "GET /note/{id}", "POST /people", "GET /person/{id}", "POST /class", "GET /clas/{id}"),
			want: []string{"/orders [] GET:id", "/notes []", "/note [] GET:id", "/people []", "/class []"},
		},
		{
			name: "no item operations still a lifecycle, in spec order",
			ops:  ops("POST /b", "POST /a", "GET /a/{id}"),
			want: []string{"/b []", "/a [] GET:id"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := summary(Lifecycles(tt.ops))
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestLifecycleItem(t *testing.T) {
	ls := Lifecycles(ops("POST /orders", "GET /orders/{id}", "DELETE /orders/{orderId}"))
	if len(ls) != 1 || ls[0].Collection != "/orders" {
		t.Fatalf("lifecycles = %+v", ls)
	}
	if it, ok := ls[0].Item("DELETE"); !ok || it.Param != "orderId" {
		t.Errorf("Item(DELETE) = %+v, %v", it, ok)
	}
	if _, ok := ls[0].Item("PATCH"); ok {
		t.Error("Item(PATCH) found on a lifecycle without a PATCH")
	}
}
