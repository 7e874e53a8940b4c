// Package cardio owns card I/O for the counter terminal: PC/SC readers (through github.com/ebfe/scard), card
// insertion and removal events, the JPKI applet of the My Number Card (token check, certificate reads, PIN status and
// verification, signing) and patron/shop IC cards (PC/SC GET DATA and a FeliCa block-read profile).
//
// Every command goes through one allow-list (Guard): only the JPKI AID and its EFs, and the PC/SC pseudo-APDUs for
// patron cards, may be sent. The card-info APs that hold the My Number are refused before anything reaches the card.
//
// Every operation takes a context; a PC/SC call that does not return before the context ends gives ErrTimeout and the
// handle it was made on is discarded (see docs/card.md). Errors are *Error values whose Message is the Japanese text
// for the clerk; Message(err) gives that text for any error.
//
// cardio imports no Fyne.
package cardio
