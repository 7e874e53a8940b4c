//go:build !windows

package platformclient

import (
	"os"
	"path/filepath"
)

// DefaultDataDir is the terminal's state folder outside Windows: the user's config folder ($XDG_CONFIG_HOME or
// ~/.config)/mykeyterm.
func DefaultDataDir() string {
	if d, err := os.UserConfigDir(); err == nil {
		return filepath.Join(d, "mykeyterm")
	}
	return ".mykeyterm"
}

// prepareDataDir creates the state folder for the owner only.
func prepareDataDir(dir string) error { return os.MkdirAll(dir, 0o700) }
