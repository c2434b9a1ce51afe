package finding

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestFingerprint(t *testing.T) {
	a := Fingerprint("authn-missing", "get", "/user", "Bearer")
	if a != Fingerprint("authn-missing", "GET", "/user", "bearer") {
		t.Error("method and scheme case must not change the fingerprint")
	}
	if !strings.HasPrefix(a, FingerprintVersion+":") {
		t.Errorf("fingerprint %q is not versioned", a)
	}
	for _, other := range []string{
		Fingerprint("bola-id-enumeration", "GET", "/user", "bearer"),
		Fingerprint("authn-missing", "POST", "/user", "bearer"),
		Fingerprint("authn-missing", "GET", "/users", "bearer"),
		Fingerprint("authn-missing", "GET", "/user", "cookie"),
		// Parts are separated: moving text between parts changes it.
		Fingerprint("authn-missingG", "ET", "/user", "bearer"),
	} {
		if other == a {
			t.Errorf("different inputs gave the same fingerprint %s", a)
		}
	}
}

func TestSeverityText(t *testing.T) {
	for _, name := range []string{"info", "low", "medium", "high", "critical"} {
		s, err := ParseSeverity(name)
		if err != nil || s.String() != name {
			t.Errorf("ParseSeverity(%q) = %v, %v", name, s, err)
		}
	}
	if _, err := ParseSeverity("severe"); err == nil {
		t.Error("an unknown severity must be an error")
	}
	var f Finding
	if err := json.Unmarshal([]byte(`{"severity":"high","confidence":"medium"}`), &f); err != nil || f.Severity != SeverityHigh || f.Confidence != ConfidenceMedium {
		t.Errorf("unmarshal: %+v %v", f, err)
	}
	if err := json.Unmarshal([]byte(`{"severity":"extreme"}`), &f); err == nil {
		t.Error("an unknown severity in JSON must be an error")
	}
}

func TestCatalogIsComplete(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range Catalog {
		if seen[r.ID] {
			t.Errorf("duplicate rule id %s", r.ID)
		}
		seen[r.ID] = true
		if r.Title == "" || !strings.HasPrefix(r.CWE, "CWE-") || !strings.HasSuffix(r.OWASP, ":2023") || r.Remediation == "" {
			t.Errorf("rule %s is missing metadata: %+v", r.ID, r)
		}
	}
	if len(Catalog) != 27 {
		t.Errorf("the contract lists 27 rules, the catalog has %d", len(Catalog))
	}
}
