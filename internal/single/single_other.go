//go:build !windows && !linux

package single

// Claim elsewhere (macOS, where the system already keeps one instance of an app bundle): nothing to do.
func Claim(dir, title string) (release func()) { return func() {} }
