// Package platformclient is the terminal side of the MyKey Platform API: enrollment (screen 9) with a device key
// generated here and kept protected at rest, token refresh by signing server challenges, the calls of screens 10 and
// 23-26, typed errors carrying the clerk-facing Japanese message, deadlines on every call, retries only where safe
// (reads, and state-changing calls that carry an idempotency key), TLS with a configurable CA file, and the terminal's
// local state and settings in a bbolt file in the data directory. It imports no Fyne.
//
// The points calls of the same client live in points*.go.
package platformclient
