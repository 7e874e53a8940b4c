package platformclient

import (
	"bytes"
	"os"
)

// machineIdentifiers on Linux: the systemd/dbus machine ID. On Android (which builds this file too) there is none
// readable, so the fingerprint rests on the per-install value alone, as SCREENS.md describes for Android.
func machineIdentifiers() [][]byte {
	for _, p := range []string{"/etc/machine-id", "/var/lib/dbus/machine-id"} {
		if b, err := os.ReadFile(p); err == nil && len(bytes.TrimSpace(b)) > 0 {
			return [][]byte{bytes.TrimSpace(b)}
		}
	}
	return nil
}
