// Package single keeps one instance of the terminal per state folder: a second start (a double click on the desktop
// icon while the app runs) brings the running window to the front and exits instead of opening a second reader
// session on the same card reader and state. main calls Claim once:
//
//	defer single.Claim(dataDir, app.AppName)()
//
// The claim is keyed on the state folder, so a test or demo run with its own folder is never blocked by another.
package single

import (
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
	"strings"
)

// key names the claim of the state folder dir: the same folder (however it is written) gives the same key.
func key(dir string) string {
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	dir = filepath.Clean(dir)
	if filepath.Separator == '\\' {
		dir = strings.ToLower(dir) // Windows paths are case-insensitive
	}
	sum := sha256.Sum256([]byte(dir))
	return hex.EncodeToString(sum[:8])
}
