package objects

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/authgate/authgate/scanner/openapi"
)

func render(cs []Candidate) string {
	var parts []string
	for _, c := range cs {
		parts = append(parts, fmt.Sprintf("%s=%s(%s)", c.Name, c.Value, c.Reason))
	}
	return strings.Join(parts, " ")
}

func obj(props map[string]*openapi.Schema) *openapi.Schema {
	return &openapi.Schema{Type: "object", Properties: props}
}

func TestMassAssignmentCandidates(t *testing.T) {
	ownerNum := fmt.Sprint(seededNumber("authgate-" + massSeed))
	tests := []struct {
		name        string
		write, read *openapi.Schema
		want        string
	}{
		{
			name: "registration accepting role, answer shows more",
			write: obj(map[string]*openapi.Schema{
				"email": {Type: "string"}, "password": {Type: "string"}, "role": {Type: "string"},
			}),
			read: obj(map[string]*openapi.Schema{
				"id": {Type: "integer"}, "email": {Type: "string"}, "role": {Type: "string"},
				"isAdmin": {Type: "boolean", Default: "false"}, "deluxeToken": {Type: "string"},
				"createdAt": {Type: "string", Format: "date-time"},
			}),
			want: `createdAt="2000-01-01T00:00:00Z"(answer-only) deluxeToken="authgate-mass-assignment"(answer-only) isAdmin=true(privilege-name) role="admin"(privilege-name)`,
		},
		{
			name: "readOnly write fields and owner ids of each type",
			write: obj(map[string]*openapi.Schema{
				"title":    {Type: "string"},
				"status":   {Type: "string", ReadOnly: true, Enum: []string{"open", "closed"}, Default: `"open"`},
				"score":    {Type: "integer", ReadOnly: true, Maximum: ptr(100.0)},
				"ownerId":  {Type: "integer"},
				"user_id":  {Type: "string", Format: "uuid"},
				"tenantId": {Type: "string"},
				"id":       {Type: "integer", ReadOnly: true},
			}),
			want: `ownerId=` + ownerNum + `(privilege-name) score=100(read-only) status="closed"(read-only) tenantId="authgate-mass-assignment"(privilege-name) user_id="` +
				gen{seed: massSeed}.uuid() + `"(privilege-name)`,
		},
		{
			name: "enveloped answer is unwrapped; role enum picks the privileged value",
			write: obj(map[string]*openapi.Schema{
				"name": {Type: "string"}, "role": {Type: "string", Enum: []string{"customer", "deluxe", "admin"}},
			}),
			read: obj(map[string]*openapi.Schema{
				"status": {Type: "string"},
				"data": obj(map[string]*openapi.Schema{
					"name": {Type: "string"}, "balance": {Type: "number"}, "verified": {Type: "boolean"},
				}),
			}),
			want: `balance=1000000(privilege-name) role="admin"(privilege-name) verified=true(privilege-name)`,
		},
		{
			name: "django user: staff flags, permissions array, credits as string",
			write: obj(map[string]*openapi.Schema{
				"username": {Type: "string"},
			}),
			read: obj(map[string]*openapi.Schema{
				"username": {Type: "string"}, "is_staff": {Type: "boolean"}, "is_superuser": {Type: "boolean"},
				"permissions": {Type: "array", Items: &openapi.Schema{Type: "string"}}, "credits": {Type: "string"},
				"roles": {Type: "array", Items: &openapi.Schema{Type: "string", Enum: []string{"user", "superadmin"}}},
			}),
			want: `credits="1000000"(privilege-name) is_staff=true(privilege-name) is_superuser=true(privilege-name) permissions=["admin"](privilege-name) roles=["superadmin"](privilege-name)`,
		},
		{
			name: "rails: the request wraps the object, the answer does not",
			write: obj(map[string]*openapi.Schema{"note": obj(map[string]*openapi.Schema{
				"title": {Type: "string"}, "body": {Type: "string"},
			})}),
			read: obj(map[string]*openapi.Schema{
				"id": {Type: "integer"}, "title": {Type: "string"}, "body": {Type: "string"}, "user_id": {Type: "integer"},
			}),
			want: `user_id=` + ownerNum + `(privilege-name)`,
		},
		{
			name:  "the same wrapper both ways",
			write: obj(map[string]*openapi.Schema{"note": obj(map[string]*openapi.Schema{"title": {Type: "string"}})}),
			read: obj(map[string]*openapi.Schema{"note": obj(map[string]*openapi.Schema{
				"title": {Type: "string"}, "published": {Type: "boolean", ReadOnly: true},
			})}),
			want: `published=true(read-only)`,
		},
		{
			name:  "answer marks its server-set fields readOnly",
			write: obj(map[string]*openapi.Schema{"title": {Type: "string"}}),
			read: obj(map[string]*openapi.Schema{
				"title":  {Type: "string"},
				"status": {Type: "string", ReadOnly: true, Enum: []string{"draft", "published"}, Default: `"draft"`},
				"views":  {Type: "integer"},
			}),
			want: `status="published"(read-only) views=1000000(answer-only)`,
		},
		{
			name:  "no read schema, nothing privileged",
			write: obj(map[string]*openapi.Schema{"text": {Type: "string"}}),
			want:  ``,
		},
		{
			name: "nil write: everything the answer has except its id",
			read: obj(map[string]*openapi.Schema{"id": {Type: "integer"}, "admin": {Type: "integer"}, "tags": {Type: "array", Items: &openapi.Schema{Type: "string"}}}),
			want: `admin=1(privilege-name) tags=["authgate-mass-assignment"](answer-only)`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := MassAssignmentCandidates(tt.write, tt.read)
			if r := render(got); r != tt.want {
				t.Errorf("got  %s\nwant %s", r, tt.want)
			}
			for _, c := range got {
				if !json.Valid(c.Value) {
					t.Errorf("%s: value %q is not JSON", c.Name, c.Value)
				}
			}
			if again := render(MassAssignmentCandidates(tt.write, tt.read)); again != render(got) {
				t.Errorf("not deterministic:\n%s\n%s", render(got), again)
			}
		})
	}
	if got := MassAssignmentCandidates(nil, nil); got == nil || len(got) != 0 {
		t.Errorf("nil schemas: %#v, want an empty list", got)
	}
}
