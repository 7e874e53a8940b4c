// Package handoff owns the four ways the counter terminal hands a patron's library card number to the library
// system (screen 25/26, reference 27): A the number shown large and grouped for reading aloud, B an on-screen barcode
// (NW-7 with the issuer's start/stop and check character, Code39, Code128), C the keyboard wedge that types the number
// into the focused window of the library system (X11 XTEST on Linux, SendInput on Windows), and D a printed barcode
// label (through package printing). Deliver ties them together so the GUI and mykeyterm-cli run the same code.
// It imports no Fyne.
package handoff
