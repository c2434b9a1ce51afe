package testapi

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// The parts of an OpenAPI 3.0 document the generator writes. Maps are
// encoded with sorted keys, so the document is the same on every build.
type (
	document3 struct {
		OpenAPI    string                          `json:"openapi"`
		Info       info                            `json:"info"`
		Security   []map[string][]string           `json:"security"`
		Paths      map[string]map[string]operation `json:"paths"`
		Components components                      `json:"components"`
	}
	info struct {
		Title   string `json:"title"`
		Version string `json:"version"`
	}
	components struct {
		SecuritySchemes map[string]scheme `json:"securitySchemes"`
	}
	scheme struct {
		Type   string `json:"type"`
		Scheme string `json:"scheme"`
	}
	operation struct {
		OperationID string      `json:"operationId"`
		Summary     string      `json:"summary"`
		Tags        []string    `json:"tags"`
		Parameters  []parameter `json:"parameters,omitempty"`
		// Security is the literal `[]` for public operations (omitempty
		// would drop an empty slice) and absent for secured ones, which
		// inherit the global requirement.
		Security  json.RawMessage     `json:"security,omitempty"`
		Responses map[string]response `json:"responses"`
	}
	parameter struct {
		Name     string            `json:"name"`
		In       string            `json:"in"`
		Required bool              `json:"required"`
		Schema   map[string]string `json:"schema"`
		Example  any               `json:"example"`
	}
	response struct {
		Description string `json:"description"`
	}
)

// schemeName is the bearer scheme every secured operation requires.
const schemeName = "bearerAuth"

// document returns the OpenAPI document of the API with n operations.
func document(n int, vulnerable bool) []byte {
	doc := document3{
		OpenAPI:  "3.0.3",
		Info:     info{Title: fmt.Sprintf("testapi with %d operations", max(n, 0)), Version: "1.0.0"},
		Security: []map[string][]string{{schemeName: {}}},
		Paths:    map[string]map[string]operation{},
		Components: components{SecuritySchemes: map[string]scheme{
			schemeName: {Type: "http", Scheme: "bearer"},
		}},
	}
	if vulnerable {
		doc.Info.Title += " (vulnerable)"
	}
	secured := map[string]response{
		"200": {Description: "OK"},
		"401": {Description: "Credentials are missing or invalid."},
	}
	for r := range groupCount(n) {
		tag := "r" + strconv.Itoa(r)
		prefix := "/" + tag
		kinds := kindsOf(r, n)
		if kinds > kindList {
			doc.Paths[prefix+"/items"] = get(operation{
				OperationID: "listItems" + strconv.Itoa(r), Summary: "The caller's items", Tags: []string{tag},
				Responses: secured,
			})
		}
		if kinds > kindObject {
			doc.Paths[prefix+"/items/{id}"] = get(operation{
				OperationID: "getItem" + strconv.Itoa(r), Summary: "One of the caller's items", Tags: []string{tag},
				Parameters: []parameter{{
					Name: "id", In: "path", Required: true,
					Schema:  map[string]string{"type": "integer"},
					Example: objectID(r, userA, 0),
				}},
				Responses: map[string]response{
					"200": {Description: "OK"},
					"401": {Description: "Credentials are missing or invalid."},
					"404": {Description: "No such item, or not the caller's."},
				},
			})
		}
		if kinds > kindPublic {
			doc.Paths[prefix+"/public"] = get(operation{
				OperationID: "getPublic" + strconv.Itoa(r), Summary: "Public information", Tags: []string{tag},
				Security:  json.RawMessage(`[]`),
				Responses: map[string]response{"200": {Description: "OK"}},
			})
		}
		if kinds > kindSearch {
			doc.Paths[prefix+"/search"] = get(operation{
				OperationID: "searchItems" + strconv.Itoa(r), Summary: "Search the caller's items", Tags: []string{tag},
				Parameters: []parameter{{
					Name: "q", In: "query", Required: true,
					Schema:  map[string]string{"type": "string"},
					Example: "item",
				}},
				Responses: secured,
			})
		}
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		panic(fmt.Sprintf("testapi: encoding the document: %v", err))
	}
	return b
}

func get(op operation) map[string]operation { return map[string]operation{"get": op} }
