//go:build !windows

package platformclient

import (
	"os"
	"runtime"
)

// DefaultDataDir is the terminal's state folder outside Windows: the user's config folder ($XDG_CONFIG_HOME or
// ~/.config)/mykeyterm; on Android the app's files directory (dataDirFor).
func DefaultDataDir() string { return dataDirFor(runtime.GOOS, os.Getenv, os.UserConfigDir) }

// prepareDataDir creates the state folder for the owner only.
func prepareDataDir(dir string) error { return os.MkdirAll(dir, 0o700) }
