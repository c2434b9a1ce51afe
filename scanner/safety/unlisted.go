package safety

import "strings"

// UnlistedStateChange says why a GET to path, a route no description
// lists (a link in an answer, a name in the front end's scripts, a
// discovery document's jwks_uri), would change state. Besides the rules
// for a described route's path, each segment is read as a method's name,
// whose first or last word is its verb: a front end names its routes
// after what they do (Juice Shop's GET /rest/saveLoginIp records the
// caller's address), and no summary describes an unlisted route to say
// otherwise. path is a URL's decoded path.
func UnlistedStateChange(path string) (Hit, bool) {
	if h, ok := pathVerb(path); ok {
		return h, true
	}
	for _, seg := range strings.Split(strings.Trim(path, "/"), "/") {
		if h, ok := idVerb(seg); ok {
			return h, true
		}
	}
	return Hit{}, false
}
