//go:build !windows

package platformclient

// Outside Windows the device key is protected by the state file's mode (0600, owner only, enforced at Open).

func protectKey(plain []byte) ([]byte, error)    { return plain, nil }
func unprotectKey(stored []byte) ([]byte, error) { return stored, nil }

// keyOwner: no account record outside Windows (the state file is the user's own).
func keyOwner() string { return "" }

func accountLabel(sid string) string { return sid }

const keyProtection = "file mode 0600"
