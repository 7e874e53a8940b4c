// Package wintest tests the Windows build end to end under wine (Debian's wine64 8.0) on Xvfb: the signed demo
// installer dist/test/MKSSetup-demo.exe installed silently into a fresh wine prefix, its shortcuts, uninstall entry
// and signatures, the installed program's window, the library flow with the demo's virtual-card panel, the keyboard
// wedge into another Windows program (SendInput), labels and receipts through the Windows spooler back end → wine →
// CUPS → cups-pdf, a second start, and the silent uninstall.
//
// The tests carry the build tag "wine" and run from `make test-windows` (part of `make test`), which builds the demo
// installer first: go test -tags wine ./internal/wintest/
package wintest
