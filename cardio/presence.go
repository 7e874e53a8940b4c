package cardio

import (
	"context"
	"crypto/sha256"
)

// sha256DigestInfoPrefix is the DER DigestInfo header of a SHA-256 hash (RFC 8017 §9.2 note 1).
var sha256DigestInfoPrefix = []byte{0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20}

// SignAuthSHA256 signs msg with the user-authentication key as RSA PKCS#1 v1.5 over SHA-256 (the card pads the
// DigestInfo). It needs VerifyPIN(PINAuth) first.
func (j *JPKI) SignAuthSHA256(ctx context.Context, msg []byte) ([]byte, error) {
	d := sha256.Sum256(msg)
	return j.SignAuth(ctx, append(append([]byte(nil), sha256DigestInfoPrefix...), d[:]...))
}

// ProvePresence is the proof of card presence above a program's floor limit: the patron's 4-digit
// user-authentication PIN verified once (never retried here: a wrong PIN comes back as *WrongPINError with the tries
// left, which the caller showed before asking, as on screen 23), then the card signs msg (the platform's challenge
// as mkpf.PresenceSignedBytes builds it).
func ProvePresence(ctx context.Context, j *JPKI, pin string, msg []byte) ([]byte, error) {
	if err := j.VerifyPIN(ctx, PINAuth, pin); err != nil {
		return nil, err
	}
	return j.SignAuthSHA256(ctx, msg)
}
