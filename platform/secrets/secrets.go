// Package secrets seals the platform's secrets at rest (the auth HMAC key, the voucher signing seeds, the merge
// keys) with AES-256-GCM under the operator key, and reads the operator key (a file or the MKPF_SECRET_KEY
// environment variable, never the store). A copy of the database without the operator key does not reveal them.
// Without an operator key (demo, tests) a value is stored plain and marked so (docs/security.md).
//
// Which secrets exist, where they are stored and the one-time sealing of a store that ran without a key are package
// platform's (platform/secrets_store.go); this package imports nothing of platform.
package secrets

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
)

// KeyEnv is the environment variable that may carry the operator key (64 hex digits or base64 of 32 bytes).
const KeyEnv = "MKPF_SECRET_KEY"

var (
	sealedPrefix = []byte("aesgcm1:")
	plainPrefix  = []byte("plain1:")
	// ErrKey is returned when a sealed secret does not open: the operator key is missing or wrong.
	ErrKey = errors.New("platform: the operator key does not open the secrets of this database (check --secret-key-file or " + KeyEnv + ")")
	// ErrPlain is returned when an operator key is set and a secret is stored in clear outside the one-time sealing:
	// somebody wrote it into the database (a planted key would otherwise be used and kept).
	ErrPlain = errors.New("platform: a secret of this database is stored in clear although its secrets are sealed")
)

// ParseKey reads an operator key: 64 hex digits or the base64 of 32 bytes (surrounding spaces ignored).
func ParseKey(text string) ([]byte, error) {
	t := strings.TrimSpace(text)
	if b, err := hex.DecodeString(t); err == nil && len(b) == 32 {
		return b, nil
	}
	if b, err := base64.StdEncoding.DecodeString(t); err == nil && len(b) == 32 {
		return b, nil
	}
	return nil, errors.New("the operator key must be 32 bytes written as 64 hex digits or base64 (e.g. `openssl rand -hex 32`)")
}

// LoadKey reads the operator key from file (when not empty) or else from MKPF_SECRET_KEY; nil when neither is set.
// A key file readable by group or others is refused.
func LoadKey(file string) ([]byte, error) {
	if file != "" {
		fi, err := os.Stat(file)
		if err != nil {
			return nil, err
		}
		if fi.Mode().Perm()&0o077 != 0 {
			return nil, fmt.Errorf("operator key file %s is readable by others (mode %v): chmod 600 it", file, fi.Mode().Perm())
		}
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		return ParseKey(string(b))
	}
	if v := os.Getenv(KeyEnv); v != "" {
		return ParseKey(v)
	}
	return nil, nil
}

// Sealer seals and opens secret values under an operator key; with no key (nil) it stores them plain. A value is
// bound to its name: a sealed value moved under another name does not open.
type Sealer struct {
	Key []byte // the operator key (32 bytes), or nil
}

// Sealed reports whether the sealer has an operator key.
func (sl Sealer) Sealed() bool { return len(sl.Key) != 0 }

// IsPlain reports whether raw is a stored value in clear.
func IsPlain(raw []byte) bool { return bytes.HasPrefix(raw, plainPrefix) }

func (sl Sealer) aead() (cipher.AEAD, error) {
	if len(sl.Key) == 0 {
		return nil, nil
	}
	blk, err := aes.NewCipher(sl.Key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(blk)
}

// Seal is the stored form of a secret's value.
func (sl Sealer) Seal(name string, v []byte) ([]byte, error) {
	g, err := sl.aead()
	if err != nil {
		return nil, err
	}
	if g == nil {
		return append(append([]byte(nil), plainPrefix...), v...), nil
	}
	nonce := make([]byte, g.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	out := append(append([]byte(nil), sealedPrefix...), nonce...)
	return g.Seal(out, nonce, v, []byte(name)), nil
}

// Open is the value of a stored secret. With an operator key set, a plain value is refused (ErrPlain): only the
// one-time sealing reads them (OpenAny).
func (sl Sealer) Open(name string, raw []byte) ([]byte, error) {
	if sl.Sealed() && IsPlain(raw) {
		return nil, fmt.Errorf("%w: %s", ErrPlain, name)
	}
	return sl.OpenAny(name, raw)
}

// OpenAny is Open accepting a plain value whatever the key.
func (sl Sealer) OpenAny(name string, raw []byte) ([]byte, error) {
	switch {
	case len(raw) >= len(plainPrefix) && string(raw[:len(plainPrefix)]) == string(plainPrefix):
		return append([]byte(nil), raw[len(plainPrefix):]...), nil
	case len(raw) >= len(sealedPrefix) && string(raw[:len(sealedPrefix)]) == string(sealedPrefix):
		g, err := sl.aead()
		if err != nil || g == nil {
			return nil, ErrKey
		}
		rest := raw[len(sealedPrefix):]
		if len(rest) < g.NonceSize() {
			return nil, ErrKey
		}
		v, err := g.Open(nil, rest[:g.NonceSize()], rest[g.NonceSize():], []byte(name))
		if err != nil {
			return nil, ErrKey
		}
		return v, nil
	}
	return nil, fmt.Errorf("platform: secret %s has an unknown format", name)
}
