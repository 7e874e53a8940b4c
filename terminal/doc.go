// Package terminal owns each counter flow of the terminal once, below the GUI (package app) and the CLI
// (cmd/mykeyterm-cli), with no Fyne: the lookup of a service ID (card session with its transaction → platform →
// result with the card's validity), the hand-off of the number in every mode, the service-ID registration with the
// signing-PIN rules, the point flows' rules (input parsing of amounts and days, balances, the voucher's 30-day limit,
// idempotency through the client's journal), receipts, the clerk-error type and Japan time. The screens call it and
// render; the CLI calls the same functions, so both give the same result for the same card, terminal and mode.
//
// See docs/architecture.md for the arrows between the packages.
package terminal
