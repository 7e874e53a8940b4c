// Package wintest tests the Windows build end to end under wine on Xvfb, in fresh prefixes of the tests' private wine
// tree (scripts/wine-winscard.sh: Debian 12's wine 8.0 with WinSCard over pcsclite and bcryptprimitives.dll from
// Debian 13's wine 10.0):
//
//   - the release installer dist/MKSSetup.exe (winscard_test.go): the library lookups of the installed GUI in all four
//     hand-off modes with virtual My Number Cards read through WinSCard → pcscd → vpcd, continuous lookup, the
//     reader's faults, a point use above the floor limit with screen 30's PIN dialog, the platform URL pinned in
//     HKLM, the Windows unit tests of the security descriptors, and the card → screen 26 times against the Linux
//     build;
//   - the signed demo installer dist/test/MKSSetup-demo.exe (mkssetup_test.go): shortcuts, uninstall entry and
//     signatures, the demo's flows with its virtual-card panel, labels and receipts through the Windows spooler →
//     wine → CUPS → cups-pdf, a second start, and the silent uninstall.
//
// The tests carry the build tag "wine" and run from `make test-windows` (part of `make test`), which builds both
// installers first: go test -tags wine ./internal/wintest/
package wintest
