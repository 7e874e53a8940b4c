// Package httpapi is the request and response layer of the platform's HTTP JSON API, free of any server state:
// reading a request body with a size limit into one JSON value (strict: no duplicate or case-folded keys, no unknown
// fields; the lookup's canonical body decoded directly), writing JSON answers, the API error constructor (Errf) with
// the errors of reading a body, and the rule for stored text fields (no control or bidi-override characters).
//
// Package platform builds its handlers on it; this package imports nothing of platform.
package httpapi
