package platform

// Secrets at rest (docs/security.md): the auth HMAC key, the voucher signing seeds and the merge keys live in
// bSecrets, sealed with AES-256-GCM under the operator key (Options.SecretKey: from a file or the
// MKPF_SECRET_KEY environment variable, never from the store). A copy of the database without the operator key
// does not reveal them. Without an operator key (demo, tests) they are stored plain and marked so; adding a key
// later re-seals them at Open.

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/mykeyterm/mykeyterm/platform/kv"
)

// SecretKeyEnv is the environment variable that may carry the operator key (64 hex digits or base64 of 32 bytes).
const SecretKeyEnv = "MKPF_SECRET_KEY"

var (
	sealedPrefix = []byte("aesgcm1:")
	plainPrefix  = []byte("plain1:")
	// ErrSecretKey is returned when sealed secrets exist but the operator key is missing or wrong.
	ErrSecretKey = errors.New("platform: the operator key does not open the secrets of this database (check --secret-key-file or " + SecretKeyEnv + ")")
)

// ParseSecretKey reads an operator key: 64 hex digits or the base64 of 32 bytes (surrounding spaces ignored).
func ParseSecretKey(text string) ([]byte, error) {
	t := strings.TrimSpace(text)
	if b, err := hex.DecodeString(t); err == nil && len(b) == 32 {
		return b, nil
	}
	if b, err := base64.StdEncoding.DecodeString(t); err == nil && len(b) == 32 {
		return b, nil
	}
	return nil, errors.New("the operator key must be 32 bytes written as 64 hex digits or base64 (e.g. `openssl rand -hex 32`)")
}

// LoadSecretKey reads the operator key from file (when not empty) or else from MKPF_SECRET_KEY; nil when neither is
// set. A key file readable by group or others is refused.
func LoadSecretKey(file string) ([]byte, error) {
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
		return ParseSecretKey(string(b))
	}
	if v := os.Getenv(SecretKeyEnv); v != "" {
		return ParseSecretKey(v)
	}
	return nil, nil
}

func (s *Server) aead() (cipher.AEAD, error) {
	if len(s.opts.SecretKey) == 0 {
		return nil, nil
	}
	blk, err := aes.NewCipher(s.opts.SecretKey)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(blk)
}

// sealSecret is the stored form of a secret's value.
func (s *Server) sealSecret(name string, v []byte) ([]byte, error) {
	g, err := s.aead()
	if err != nil {
		return nil, err
	}
	if g == nil {
		return append(append([]byte(nil), plainPrefix...), v...), nil
	}
	nonce := randomBytes(g.NonceSize())
	out := append(append([]byte(nil), sealedPrefix...), nonce...)
	return g.Seal(out, nonce, v, []byte(name)), nil
}

// openSecret is the value of a stored secret.
func (s *Server) openSecret(name string, raw []byte) ([]byte, error) {
	switch {
	case len(raw) >= len(plainPrefix) && string(raw[:len(plainPrefix)]) == string(plainPrefix):
		return append([]byte(nil), raw[len(plainPrefix):]...), nil
	case len(raw) >= len(sealedPrefix) && string(raw[:len(sealedPrefix)]) == string(sealedPrefix):
		g, err := s.aead()
		if err != nil || g == nil {
			return nil, ErrSecretKey
		}
		rest := raw[len(sealedPrefix):]
		if len(rest) < g.NonceSize() {
			return nil, ErrSecretKey
		}
		v, err := g.Open(nil, rest[:g.NonceSize()], rest[g.NonceSize():], []byte(name))
		if err != nil {
			return nil, ErrSecretKey
		}
		return v, nil
	}
	return nil, fmt.Errorf("platform: secret %s has an unknown format", name)
}

// getSecret returns a secret (nil when absent).
func (s *Server) getSecret(tx kv.Tx, name string) ([]byte, error) {
	raw := tx.Bucket(bSecrets).Get([]byte(name))
	if raw == nil {
		return nil, nil
	}
	return s.openSecret(name, raw)
}

// putSecret stores a secret sealed under the operator key (plain when there is none).
func (s *Server) putSecret(tx kv.Tx, name string, v []byte) error {
	raw, err := s.sealSecret(name, v)
	if err != nil {
		return err
	}
	return tx.Bucket(bSecrets).Put([]byte(name), raw)
}

// resealSecrets checks that every secret opens with the configured key and re-seals plain ones when a key is set.
func (s *Server) resealSecrets() error {
	return s.db.Update(func(tx kv.Tx) error {
		b := tx.Bucket(bSecrets)
		type kv struct{ k, v []byte }
		var all []kv
		if err := b.ForEach(func(k, raw []byte) error {
			v, err := s.openSecret(string(k), raw)
			if err != nil {
				return err
			}
			all = append(all, kv{append([]byte(nil), k...), v})
			return nil
		}); err != nil {
			return err
		}
		if len(s.opts.SecretKey) == 0 {
			return nil
		}
		for _, e := range all {
			if err := s.putSecret(tx, string(e.k), e.v); err != nil {
				return err
			}
		}
		return nil
	})
}
