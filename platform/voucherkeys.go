package platform

// Voucher signing keys by key ID, and the merge configurations, as sealed secrets (secrets_store.go). A voucher's QR
// carries the key ID of the key that signed it; rotating makes a new key current for new vouchers while every older
// key keeps verifying the vouchers it signed (they live up to mkpf.VoucherMaxDays).

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"sort"
	"strings"

	"github.com/mykeyterm/mykeyterm/platform/kv"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

const voucherCurrent = "voucher_current" // in bPtKeys: the key ID new vouchers are signed with

// initPointSecrets moves secrets of older stores into the sealed secrets (the raw voucher seed, the merge
// configurations) and creates the first voucher key.
func (s *Server) initPointSecrets() error {
	return s.db.Update(func(tx kv.Tx) error {
		keys := tx.Bucket(bPtKeys)
		if seed := keys.Get([]byte("voucher")); len(seed) == ed25519.SeedSize {
			if err := s.addVoucherKey(tx, append([]byte(nil), seed...)); err != nil {
				return err
			}
			if err := keys.Delete([]byte("voucher")); err != nil {
				return err
			}
		}
		merge := tx.Bucket(bPtMerge)
		var ids []string
		if err := merge.ForEach(func(k, _ []byte) error { ids = append(ids, string(k)); return nil }); err != nil {
			return err
		}
		for _, id := range ids {
			if err := s.putSecret(tx, "merge/"+id, append([]byte(nil), merge.Get([]byte(id))...)); err != nil {
				return err
			}
			if err := merge.Delete([]byte(id)); err != nil {
				return err
			}
		}
		if keys.Get([]byte(voucherCurrent)) == nil {
			return s.addVoucherKey(tx, randomBytes(ed25519.SeedSize))
		}
		return nil
	})
}

// addVoucherKey stores a seed under its key ID and makes it current.
func (s *Server) addVoucherKey(tx kv.Tx, seed []byte) error {
	id := mkpf.VoucherKeyID(ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey))
	if err := s.putSecret(tx, "voucher/"+id, seed); err != nil {
		return err
	}
	return tx.Bucket(bPtKeys).Put([]byte(voucherCurrent), []byte(id))
}

// voucherKey is the current voucher signing key.
func (s *Server) voucherKey(tx kv.Tx) (ed25519.PrivateKey, error) {
	id := tx.Bucket(bPtKeys).Get([]byte(voucherCurrent))
	seed, err := s.getSecret(tx, "voucher/"+string(id))
	if err != nil {
		return nil, err
	}
	if len(seed) != ed25519.SeedSize {
		return nil, errors.New("points: voucher key missing")
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// voucherPublicKeys are every voucher key's public half, the current one first.
func (s *Server) voucherPublicKeys(tx kv.Tx) ([]ed25519.PublicKey, error) {
	cur, err := s.voucherKey(tx)
	if err != nil {
		return nil, err
	}
	out := []ed25519.PublicKey{cur.Public().(ed25519.PublicKey)}
	var names []string
	if err := tx.Bucket(bSecrets).ForEach(func(k, _ []byte) error {
		if strings.HasPrefix(string(k), "voucher/") {
			names = append(names, string(k))
		}
		return nil
	}); err != nil {
		return nil, err
	}
	sort.Strings(names)
	for _, n := range names {
		seed, err := s.getSecret(tx, n)
		if err != nil {
			return nil, err
		}
		pub := ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
		if !pub.Equal(out[0]) {
			out = append(out, pub)
		}
	}
	return out, nil
}

// VoucherPublicKey is the platform's current voucher-signing public key.
func (s *Server) VoucherPublicKey() (ed25519.PublicKey, error) {
	var pub ed25519.PublicKey
	err := s.db.View(func(tx kv.Tx) error {
		k, err := s.voucherKey(tx)
		if err == nil {
			pub = k.Public().(ed25519.PublicKey)
		}
		return err
	})
	return pub, err
}

// RotateVoucherKey makes a new voucher signing key current and returns its key ID (`mkpf-server admin voucher-key
// rotate`). Vouchers signed with older keys still verify.
func (s *Server) RotateVoucherKey() (string, error) {
	var id string
	err := s.db.Update(func(tx kv.Tx) error {
		if err := s.addVoucherKey(tx, randomBytes(ed25519.SeedSize)); err != nil {
			return err
		}
		id = string(tx.Bucket(bPtKeys).Get([]byte(voucherCurrent)))
		return nil
	})
	return id, err
}

// mergeConfig reads an issuer's merge configuration (false when none is set).
func (s *Server) mergeConfig(tx kv.Tx, issuerID string, cfg *MergeConfig) (bool, error) {
	raw, err := s.getSecret(tx, "merge/"+issuerID)
	if err != nil || raw == nil {
		return false, err
	}
	return true, json.Unmarshal(raw, cfg)
}
