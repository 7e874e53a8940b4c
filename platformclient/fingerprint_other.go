//go:build !linux && !windows

package platformclient

// machineIdentifiers elsewhere: none; the fingerprint is the per-install value.
func machineIdentifiers() [][]byte { return nil }
