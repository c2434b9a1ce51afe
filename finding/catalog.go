package finding

// Mode is the scan mode a rule needs.
type Mode string

// Scan modes: safe rules run by default, active ones only with --mode active.
const (
	ModeSafe   Mode = "safe"
	ModeActive Mode = "active"
)

// RuleInfo is a rule's published metadata: the contract's rule table plus
// the defaults used in reports.
type RuleInfo struct {
	ID          string
	Title       string
	CWE         string
	OWASP       string
	Mode        Mode
	Severity    Severity
	Remediation string
	// Needs is what the rule needs from the scan to test anything; the
	// coverage says so when it is missing.
	Needs Needs
}

// Needs names what a rule needs from the scan's inputs or the API.
type Needs string

// What rules need.
const (
	// NeedsCredentials: the primary identity's credentials.
	NeedsCredentials Needs = "credentials"
	// NeedsPeer: a second identity of the same role.
	NeedsPeer Needs = "peer"
	// NeedsJWT: an identity whose credentials are a JWT.
	NeedsJWT Needs = "jwt"
)

// Catalog lists every rule id of the contract. Rule ids are stable: reports,
// baselines and suppressions refer to them.
var Catalog = []RuleInfo{
	{ID: "authn-missing", Title: "Protected operation answers without credentials", CWE: "CWE-306", OWASP: "API2:2023", Mode: ModeSafe, Severity: SeverityHigh,
		Remediation: "Require authentication on this operation: reject requests without valid credentials with 401 before any data is read."},
	{ID: "authn-invalid-token-accepted", Title: "Invalid or altered credentials are accepted", CWE: "CWE-287", OWASP: "API2:2023", Mode: ModeSafe, Severity: SeverityCritical,
		Needs:       NeedsCredentials,
		Remediation: "Verify every credential cryptographically or against the credential store, and reject anything that does not verify."},
	{ID: "bola-cross-user-read", Title: "One user reads another user's object", CWE: "CWE-639", OWASP: "API1:2023", Mode: ModeSafe, Severity: SeverityHigh,
		Needs:       NeedsPeer,
		Remediation: "Authorize every object access against the authenticated principal: look the object up by id and owner, and answer 404 when the caller does not own it."},
	{ID: "bola-id-enumeration", Title: "Records of other principals readable by guessable keys", CWE: "CWE-639", OWASP: "API1:2023", Mode: ModeSafe, Severity: SeverityHigh,
		Remediation: "Derive the record key from the authenticated principal (or check ownership against it) instead of trusting a key from the request; use unguessable ids as defence in depth."},
	{ID: "bfla-privilege-escalation", Title: "A regular identity reaches an administrative operation", CWE: "CWE-285", OWASP: "API5:2023", Mode: ModeSafe, Severity: SeverityHigh,
		Needs:       NeedsCredentials,
		Remediation: "Check the caller's role on every administrative operation, on the server, deny by default."},
	{ID: "jwt-alg-none", Title: "JWT with alg none accepted", CWE: "CWE-347", OWASP: "API2:2023", Mode: ModeSafe, Severity: SeverityCritical,
		Needs:       NeedsJWT,
		Remediation: "Pin the accepted algorithms when verifying JWTs and never accept alg none."},
	{ID: "jwt-signature-not-verified", Title: "JWT signature not verified", CWE: "CWE-347", OWASP: "API2:2023", Mode: ModeSafe, Severity: SeverityCritical,
		Needs:       NeedsJWT,
		Remediation: "Verify the JWT signature with the expected key before trusting any claim."},
	{ID: "jwt-weak-hmac-secret", Title: "JWT HMAC secret is guessable", CWE: "CWE-347", OWASP: "API2:2023", Mode: ModeSafe, Severity: SeverityCritical,
		Needs:       NeedsJWT,
		Remediation: "Use a random HMAC key of at least 256 bits from a secret store, and rotate the leaked one."},
	{ID: "jwt-alg-confusion", Title: "HS256 token signed with the public key accepted", CWE: "CWE-347", OWASP: "API2:2023", Mode: ModeSafe, Severity: SeverityCritical,
		Needs:       NeedsJWT,
		Remediation: "Pin the algorithm to the key type when verifying: an RSA or EC public key must never be used as an HMAC secret."},
	{ID: "jwt-lifetime-excessive", Title: "JWT lifetime missing or excessive", CWE: "CWE-613", OWASP: "API2:2023", Mode: ModeSafe, Severity: SeverityMedium,
		Needs:       NeedsJWT,
		Remediation: "Issue access tokens with a short exp (minutes to hours) and refresh them."},
	{ID: "jwt-sensitive-claims", Title: "Sensitive data in JWT claims", CWE: "CWE-312", OWASP: "API3:2023", Mode: ModeSafe, Severity: SeverityMedium,
		Needs:       NeedsJWT,
		Remediation: "Keep secrets and personal data out of JWT claims: anyone holding the token can read them."},
	{ID: "cookie-insecure", Title: "Session cookie without Secure, HttpOnly or SameSite", CWE: "CWE-614", OWASP: "API8:2023", Mode: ModeSafe, Severity: SeverityMedium,
		Remediation: "Set Secure, HttpOnly and SameSite on session cookies."},
	{ID: "cors-credentialed-origin-reflection", Title: "CORS reflects any origin with credentials", CWE: "CWE-942", OWASP: "API8:2023", Mode: ModeSafe, Severity: SeverityHigh,
		Remediation: "Allow credentialed CORS only for an explicit list of trusted origins."},
	{ID: "cleartext-credentials", Title: "Credentials accepted over plain HTTP", CWE: "CWE-319", OWASP: "API8:2023", Mode: ModeSafe, Severity: SeverityHigh,
		Needs:       NeedsCredentials,
		Remediation: "Serve the API over HTTPS only and redirect or refuse plain HTTP before credentials are processed."},
	{ID: "api-key-in-query", Title: "API key accepted in the URL", CWE: "CWE-598", OWASP: "API8:2023", Mode: ModeSafe, Severity: SeverityMedium,
		Remediation: "Accept credentials in headers only; URLs end up in logs, proxies and browser history."},
	{ID: "verbose-error-disclosure", Title: "Error response discloses internal details", CWE: "CWE-209", OWASP: "API8:2023", Mode: ModeSafe, Severity: SeverityMedium,
		Remediation: "Log the exception on the server and answer with a generic error body; never return exception text, stack traces or backend messages."},
	{ID: "credentials-in-response", Title: "Passwords, hashes or secrets in response bodies", CWE: "CWE-200", OWASP: "API3:2023", Mode: ModeSafe, Severity: SeverityHigh,
		Remediation: "Never serialise password hashes or secrets; return an explicit allow-list of fields."},
	{ID: "spec-operation-without-security", Title: "Operation declares no security in the API description", CWE: "CWE-306", OWASP: "API9:2023", Mode: ModeSafe, Severity: SeverityLow,
		Remediation: "Declare the operation's security requirement, or mark it public explicitly with `security: []`."},
	{ID: "login-no-rate-limit", Title: "Unlimited failed logins", CWE: "CWE-307", OWASP: "API2:2023", Mode: ModeActive, Severity: SeverityHigh,
		Remediation: "Rate-limit failed logins per account and per client, with backoff or lockout."},
	{ID: "user-enumeration", Title: "Login or recovery reveals which accounts exist", CWE: "CWE-204", OWASP: "API2:2023", Mode: ModeActive, Severity: SeverityMedium,
		Remediation: "Answer identically (status, body and timing) for existing and unknown accounts."},
	{ID: "session-fixation", Title: "Session id not renewed at login", CWE: "CWE-384", OWASP: "API2:2023", Mode: ModeActive, Severity: SeverityHigh,
		Remediation: "Issue a new session id at login and discard the pre-login one."},
	{ID: "session-not-invalidated-on-logout", Title: "Session still valid after logout", CWE: "CWE-613", OWASP: "API2:2023", Mode: ModeActive, Severity: SeverityMedium,
		Remediation: "Invalidate the session or token on the server at logout."},
	{ID: "weak-password-policy", Title: "Registration accepts trivial passwords", CWE: "CWE-521", OWASP: "API2:2023", Mode: ModeActive, Severity: SeverityMedium,
		Remediation: "Enforce a minimum length and reject common passwords at registration and password change."},
	{ID: "password-recovery-token-exposed", Title: "Password recovery leaks its token or is guessable", CWE: "CWE-640", OWASP: "API2:2023", Mode: ModeActive, Severity: SeverityHigh,
		Remediation: "Send recovery tokens only out of band, make them long, random, single-use and short-lived."},
	{ID: "password-only-authentication", Title: "No second factor offered on login", CWE: "CWE-308", OWASP: "API2:2023", Mode: ModeActive, Severity: SeverityInfo,
		Remediation: "Offer a second factor (TOTP, WebAuthn) for accounts, at least for privileged ones."},
	{ID: "bola-cross-user-write", Title: "One user changes or deletes another user's object", CWE: "CWE-639", OWASP: "API1:2023", Mode: ModeActive, Severity: SeverityHigh,
		Needs:       NeedsPeer,
		Remediation: "Authorize every write against the authenticated principal: load the object by id and owner (or check the caller's membership) before updating or deleting it, and answer 404 when the caller may not change it."},
	{ID: "mass-assignment", Title: "A write accepts a property the caller must not set", CWE: "CWE-915", OWASP: "API3:2023", Mode: ModeActive, Severity: SeverityHigh,
		Remediation: "Bind request bodies to an explicit allow-list of the fields the caller may set (a DTO or serializer per operation); set role, owner, verification and money fields only on the server."},
}

// Lookup returns the catalog entry of a rule id.
func Lookup(id string) (RuleInfo, bool) {
	for _, r := range Catalog {
		if r.ID == id {
			return r, true
		}
	}
	return RuleInfo{}, false
}
