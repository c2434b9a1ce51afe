// Package safety decides, from names alone, what a scan must not send:
// GET routes whose path, operationId, summary or description say they
// change state (GET /createdb, GET /orders/{id}/cancel), and the routes an
// --exclude pattern ("METHOD /path") names. It holds pure functions and
// no scan state, so that config can validate --exclude patterns without
// importing the scanner; the scanner keeps what a scan skipped and
// refuses to send it.
package safety
