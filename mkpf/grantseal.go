package mkpf

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"strings"
)

// The proof that a card was at a grant phone's tap (issue 17 M1): the phone seals the auth certificate it read to
// the platform's grant seal key (GrantSync.SealKey, X25519) and sends it with the upload item (GrantUploadItem.Card).
// The phone keeps no serial in the clear (only the sealed bytes); the platform opens it, checks the certificate
// against the JPKI chain and that its serial gives the item's hash under the sync's key. A phone holding a sync has
// the hashes, not the certificates, so it cannot make up taps of the roster.
//
// Format: ephemeral X25519 public key (32) | nonce (12) | AES-256-GCM(key, nonce, certificate DER, aad), where key =
// SHA-256(tapSealInfo | shared secret | ephemeral public | seal public) and aad binds the item (GrantID, project,
// sync, hash), so a sealed certificate cannot be moved to another item.

const tapSealInfo = "mkpf-grant-tap-v1"

// ErrTapSeal is any failure to open a sealed tap certificate.
var ErrTapSeal = errors.New("mkpf: sealed tap certificate does not open")

func tapAAD(it GrantUploadItem) []byte {
	return []byte(tapSealInfo + "\x00" + strings.ToLower(it.GrantID) + "\x00" + it.ProjectID + "\x00" + it.SyncID + "\x00" + strings.ToLower(it.Hash))
}

func tapKey(shared, eph, pub []byte) cipher.AEAD {
	h := sha256.New()
	h.Write([]byte(tapSealInfo))
	h.Write(shared)
	h.Write(eph)
	h.Write(pub)
	block, _ := aes.NewCipher(h.Sum(nil))
	aead, _ := cipher.NewGCM(block)
	return aead
}

// SealTapCert seals certDER for the item it (its GrantID, ProjectID, SyncID and Hash set) to the seal key pub.
func SealTapCert(pub []byte, it GrantUploadItem, certDER []byte) ([]byte, error) {
	pk, err := ecdh.X25519().NewPublicKey(pub)
	if err != nil {
		return nil, err
	}
	eph, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	shared, err := eph.ECDH(pk)
	if err != nil {
		return nil, err
	}
	ephPub := eph.PublicKey().Bytes()
	nonce := make([]byte, 12)
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	out := append(append([]byte{}, ephPub...), nonce...)
	return tapKey(shared, ephPub, pub).Seal(out, nonce, certDER, tapAAD(it)), nil
}

// OpenTapCert opens it.Card with the seal key priv and returns the certificate DER.
func OpenTapCert(priv *ecdh.PrivateKey, it GrantUploadItem) ([]byte, error) {
	c := it.Card
	if len(c) < 32+12+16 || len(c) > 32+12+16+(16<<10) {
		return nil, ErrTapSeal
	}
	eph, err := ecdh.X25519().NewPublicKey(c[:32])
	if err != nil {
		return nil, ErrTapSeal
	}
	shared, err := priv.ECDH(eph)
	if err != nil {
		return nil, ErrTapSeal
	}
	der, err := tapKey(shared, c[:32], priv.PublicKey().Bytes()).Open(nil, c[32:44], c[44:], tapAAD(it))
	if err != nil {
		return nil, ErrTapSeal
	}
	return der, nil
}

// GrantTapReport answers GET /v1/grants/projects/{id}/taps (grant office): the project's grants booked from phone
// taps per phone and JST hour of the tap, so the office sees a phone whose taps no counter could have made.
type GrantTapReport struct {
	ProjectID string          `json:"project_id"`
	Rows      []GrantTapCount `json:"rows"` // by hour, then terminal
}

// GrantTapCount is one phone's taps in one hour.
type GrantTapCount struct {
	TerminalID string `json:"terminal_id"`
	Hour       string `json:"hour"` // JST, "2006-01-02 15:00"
	Taps       int    `json:"taps"`
}
