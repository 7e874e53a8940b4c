// Package winunit holds unit tests of the Windows build's own code that need Windows' API (security descriptors,
// SDDL): they are built with GOOS=windows (`go test -c`) and run under wine by internal/wintest
// (TestWine_WindowsUnitTests), and run with a plain `go test` on Windows.
package winunit
