package rules

import (
	"context"
	"fmt"

	"github.com/authgate/authgate/finding"
	"github.com/authgate/authgate/scanner"
	"github.com/authgate/authgate/scanner/openapi"
)

// SpecOperationWithoutSecurity reports operations of the API description
// that declare no security requirement while the API has security schemes,
// and an API description that declares no scheme at all. It sends nothing.
// Operations marked public (`security: []`) or optional (`{}`) are fine.
type SpecOperationWithoutSecurity struct{}

// Info implements scanner.Rule.
func (SpecOperationWithoutSecurity) Info() finding.RuleInfo {
	return info("spec-operation-without-security")
}

// Check implements scanner.Rule.
func (SpecOperationWithoutSecurity) Check(_ context.Context, t *scanner.Target) []finding.Finding {
	if !fromDocument(t) {
		return nil
	}
	t.Judged()
	if t.Op.Security != openapi.SecurityUndeclared {
		return nil
	}
	const id = "spec-operation-without-security"
	if len(t.Document().SecuritySchemes) == 0 {
		// One finding for the whole API: every operation shares the cause.
		return []finding.Finding{apiWide(t.NewFinding(id, finding.ConfidenceHigh,
			"The API description declares no security scheme, so no operation says whether it needs authentication."), "none")}
	}
	return []finding.Finding{t.NewFinding(id, finding.ConfidenceHigh, fmt.Sprintf(
		"%s %s declares no security requirement and the document has no global one; mark it `security: []` if it is public on purpose.",
		t.Op.Method, t.Op.Path))}
}
