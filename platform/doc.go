// Package platform is the reference MyKey Platform server: the HTTP JSON API under /v1/ that a counter terminal talks
// to, its bbolt store, terminal enrollment and device-key authentication, the ID issuer table with hand-off settings,
// MyKey IDs and service IDs, JPKI certificate checks (chain, validity, revocation, renewal feed), and the admin
// operations of a municipality (rosters, issuers, card validity lists, J-LIS feeds).
//
// It is embedded by cmd/mkpf-server and by the GUI's demo mode; the points half of the same server lives in
// points*.go. Routing is in routes.go, authentication in auth.go, the error envelope and idempotency keys in
// http.go on top of platform/httpapi (strict JSON decoding with size limits, JSON answers, text field rules).
//
// Privacy: a lookup or registration writes no log line, metric label or record carrying a certificate serial, MyKey
// ID or card number; only aggregate counters per terminal per day (counters.go).
package platform
