//go:build !windows

package platformclient

// Outside Windows the device key file is protected by its mode (0600, owner only) in the data directory.

func protectKey(plain []byte) ([]byte, error)    { return plain, nil }
func unprotectKey(stored []byte) ([]byte, error) { return stored, nil }

const keyProtection = "file mode 0600"
