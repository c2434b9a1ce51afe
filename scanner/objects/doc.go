// Package objects knows, from an API description alone, which objects an
// active scan can create, how to write a valid body for them, how to find
// the new object's id in the answer and which properties a caller must not
// be able to set. It sends nothing: the engine owns HTTP, and later the
// objects' life cycle (create, attack, verify, clean up). Keeping these pure
// functions apart lets them be tested on real-world description shapes
// without a server (issue 11).
package objects
