package platformclient

import (
	"bytes"
	"errors"

	"go.etcd.io/bbolt"
)

// ErrFingerprintChanged: this PC's fingerprint is no longer the one the terminal enrolled with (a replaced board or
// CPU, a reinstalled Windows, the state folder copied to another PC). The platform would refuse every token, so the
// client says so at once instead of a generic authentication failure.
var ErrFingerprintChanged = errors.New("platformclient: this PC's fingerprint differs from the enrolled one")

// MsgFingerprintChanged is what the clerk reads, with the reset path.
const MsgFingerprintChanged = "このパソコンの識別情報（CPU・マザーボード・Windows）が端末登録のときと変わりました（部品の交換、Windowsの再インストール、" +
	"データの別のパソコンへの移動など）。このままではプラットフォームに接続できません。自治体の担当者に端末登録の解除（リセット）を依頼し、" +
	"解除されたら端末IDと端末パスワードで端末を登録し直してください。"

var keyEnrolledFingerprint = []byte("enrolled_fingerprint")

// machineIDs is machineIdentifiers; tests replace it to play a changed PC.
var machineIDs = machineIdentifiers

// checkFingerprint compares the fingerprint now with the one stored at enrollment. A terminal enrolled before the
// fingerprint was stored adopts the current one (the platform still checks it).
func (c *Client) checkFingerprint() error {
	fp := c.Fingerprint()
	var stored []byte
	c.db.View(func(tx *bbolt.Tx) error {
		stored = append([]byte(nil), tx.Bucket(bState).Get(keyEnrolledFingerprint)...)
		return nil
	})
	if len(stored) == 0 {
		return c.rememberFingerprint()
	}
	if !bytes.Equal(stored, fp[:]) {
		return &Error{Op: "auth", Message: MsgFingerprintChanged, Err: ErrFingerprintChanged}
	}
	return nil
}

// rememberFingerprint stores the fingerprint the terminal (re-)enrolled with.
func (c *Client) rememberFingerprint() error {
	fp := c.Fingerprint()
	if err := c.db.Update(func(tx *bbolt.Tx) error { return tx.Bucket(bState).Put(keyEnrolledFingerprint, fp[:]) }); err != nil {
		return &Error{Op: "save", Message: MsgLocalState, Err: err}
	}
	return nil
}
