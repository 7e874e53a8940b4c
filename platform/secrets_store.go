package platform

// Secrets at rest (docs/security.md): the auth HMAC key, the voucher signing seeds and the merge keys live in
// bSecrets, sealed with AES-256-GCM under the operator key (Options.SecretKey: from a file or the
// MKPF_SECRET_KEY environment variable, never from the store; the sealing itself is platform/secrets'). A copy of
// the database without the operator key does not reveal them. Without an operator key (demo, tests) they are stored
// plain and marked so; adding a key later seals them at Open once (resealSecrets: the auth key and the current
// voucher key are replaced, the file is compacted so its freed pages no longer hold the plain values), and from then
// on a plain value is refused.

import (
	"crypto/ed25519"
	"fmt"
	"strings"
	"time"

	"github.com/mykeyterm/mykeyterm/platform/kv"
	"github.com/mykeyterm/mykeyterm/platform/secrets"
)

// SecretKeyEnv is the environment variable that may carry the operator key (secrets.KeyEnv).
const SecretKeyEnv = secrets.KeyEnv

var (
	// ErrSecretKey is returned when sealed secrets exist but the operator key is missing or wrong (secrets.ErrKey).
	ErrSecretKey = secrets.ErrKey
	// ErrPlainSecret is returned at Open when an operator key is set and a secret is stored in clear outside the
	// one-time sealing (secrets.ErrPlain).
	ErrPlainSecret = secrets.ErrPlain
)

// ParseSecretKey reads an operator key: 64 hex digits or the base64 of 32 bytes (secrets.ParseKey).
func ParseSecretKey(text string) ([]byte, error) { return secrets.ParseKey(text) }

// LoadSecretKey reads the operator key from file (when not empty) or else from MKPF_SECRET_KEY (secrets.LoadKey).
func LoadSecretKey(file string) ([]byte, error) { return secrets.LoadKey(file) }

// sealer seals and opens this server's secrets under its operator key.
func (s *Server) sealer() secrets.Sealer { return secrets.Sealer{Key: s.opts.SecretKey} }

// getSecret returns a secret (nil when absent).
func (s *Server) getSecret(tx kv.Tx, name string) ([]byte, error) {
	raw := tx.Bucket(bSecrets).Get([]byte(name))
	if raw == nil {
		return nil, nil
	}
	return s.sealer().Open(name, raw)
}

// putSecret stores a secret sealed under the operator key (plain when there is none).
func (s *Server) putSecret(tx kv.Tx, name string, v []byte) error {
	raw, err := s.sealer().Seal(name, v)
	if err != nil {
		return err
	}
	return tx.Bucket(bSecrets).Put([]byte(name), raw)
}

// sealingMark is the secret whose presence says this store's secrets were sealed by the one-time migration below
// (it is itself sealed, so it also proves the key opens the store).
const sealingMark = "sealing"

// resealSecrets checks that every secret opens with the configured key. The first start with an operator key seals
// the store (sealed reports it, for the compaction that follows): every secret is sealed, the auth key is replaced
// (bearer tokens and points sessions signed with the plain key end: terminals fetch a new token with their device
// key, clerks log in again on screen 2) and a new voucher key becomes current (vouchers signed before still verify);
// merge keys are sealed as they are and must be re-issued by the operator (docs/security.md). Once sealed, a plain
// value is refused.
func (s *Server) resealSecrets() (sealed bool, err error) {
	err = s.db.Update(func(tx kv.Tx) error {
		b := tx.Bucket(bSecrets)
		type kv struct{ k, v []byte }
		var all []kv
		var plain []string
		marked := false
		if err := b.ForEach(func(k, raw []byte) error {
			v, err := s.sealer().OpenAny(string(k), raw)
			if err != nil {
				return err
			}
			if secrets.IsPlain(raw) {
				plain = append(plain, string(k))
			}
			if string(k) == sealingMark {
				marked = true
			}
			all = append(all, kv{append([]byte(nil), k...), v})
			return nil
		}); err != nil {
			return err
		}
		if len(s.opts.SecretKey) == 0 {
			return nil
		}
		if marked {
			if len(plain) > 0 {
				return fmt.Errorf("%w: %s. Restore the database from a backup taken after the sealing, or stop the server and remove that value with a trusted copy", ErrPlainSecret, strings.Join(plain, ", "))
			}
			return nil
		}
		// The one-time sealing (a store that ran without a key, or sealed by an older version whose freed pages may
		// still hold the plain values; a new store has nothing to replace yet).
		hasAuth, hasVoucher := false, false
		for _, e := range all {
			switch {
			case string(e.k) == authKeyName:
				hasAuth = true
				e.v = randomBytes(32)
			case strings.HasPrefix(string(e.k), "voucher/"):
				hasVoucher = true
			}
			if err := s.putSecret(tx, string(e.k), e.v); err != nil {
				return err
			}
		}
		if hasVoucher {
			if _, err := tx.CreateBucketIfNotExists(bPtKeys); err != nil {
				return err
			}
			if err := s.addVoucherKey(tx, randomBytes(ed25519.SeedSize)); err != nil {
				return err
			}
		}
		sealed = hasAuth || hasVoucher || len(all) > 0
		return s.putSecret(tx, sealingMark, []byte(s.now().UTC().Format(time.RFC3339)))
	})
	return sealed, err
}

// compactAfterSealing rewrites the bbolt file after the one-time sealing (a new file, fsync, rename), so the pages
// that held the plain secrets are not in it any more, and reopens it. PostgreSQL keeps old row versions until its
// vacuum: docs/security.md says to VACUUM FULL its kv table after the sealing.
func (s *Server) compactAfterSealing(dbPath string) error {
	if err := s.db.Close(); err != nil {
		return err
	}
	cerr := kv.CompactBoltFile(dbPath)
	db, err := openStore(dbPath)
	if err != nil {
		return err
	}
	s.db = db
	if cerr != nil {
		return fmt.Errorf("compacting after sealing the secrets: %v", cerr)
	}
	s.log.Info("secrets sealed: auth key and voucher key replaced, store compacted", "store", dbPath)
	return nil
}
