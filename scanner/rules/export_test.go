package rules

// LeakSignatures lists verbose-error-disclosure's signatures as
// "stack/what", so that the table test can require a case for each.
func LeakSignatures() []string {
	out := make([]string, len(leaks))
	for i, l := range leaks {
		out[i] = l.stack + "/" + l.what
	}
	return out
}
