package platformclient

import "crypto/sha256"

// Fingerprint is the terminal fingerprint sent at enrollment and with every token request (SCREENS.md, screen 10):
// SHA-256 over the machine identifiers this OS offers (machineIdentifiers, in fingerprint_<os>.go) and the
// per-install random value kept in the terminal's state. The values are length-prefixed so no two lists collide.
func Fingerprint(installID []byte) [32]byte {
	h := sha256.New()
	h.Write([]byte("mykeyterm-fingerprint-v1"))
	for _, v := range append(machineIDs(), installID) {
		var l [4]byte
		l[0], l[1], l[2], l[3] = byte(len(v)>>24), byte(len(v)>>16), byte(len(v)>>8), byte(len(v))
		h.Write(l[:])
		h.Write(v)
	}
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}
