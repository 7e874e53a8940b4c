package platformclient

import (
	"fmt"
	"strings"

	"go.etcd.io/bbolt"
)

// The device key's owner (Windows): the key is sealed with DPAPI in the enrolling Windows account's scope
// (keyprotect_windows.go), so only that account can unseal it; its SID is kept next to the key so that another
// account is told so in Japanese instead of seeing a failed decryption. The record is a hint only: rewriting it (the
// state file's data is writable by the staff accounts) does not let another account unseal the key.

// MsgDeviceKeyOtherAccount is the refusal of a terminal enrolled under another Windows account.
const MsgDeviceKeyOtherAccount = "この端末は、Windowsのアカウント「%s」で登録されました。端末の鍵はそのアカウントだけが使えるように保護されています。" +
	"そのアカウントでサインインして使ってください。このアカウントで使うには、自治体の担当者に端末登録の解除を依頼し、端末を登録し直してください。"

var keyOwnerKey = []byte("device_key_owner")

// otherKeyOwner reports whether the key recorded as sealed for account recorded may not be usable by account current
// (both SIDs; "" where there is no such record or no accounts: old machine-scope keys, other systems).
func otherKeyOwner(recorded, current string) bool {
	return recorded != "" && current != "" && !strings.EqualFold(recorded, current)
}

// checkKeyOwner refuses, at start, a device key sealed for another account.
func (c *Client) checkKeyOwner() error {
	var recorded string
	c.db.View(func(tx *bbolt.Tx) error {
		if tx.Bucket(bState).Get([]byte("device_key")) != nil {
			recorded = string(tx.Bucket(bState).Get(keyOwnerKey))
		}
		return nil
	})
	if cur := keyOwner(); otherKeyOwner(recorded, cur) {
		return &Error{Op: "open", Message: fmt.Sprintf(MsgDeviceKeyOtherAccount, accountLabel(recorded)),
			Err: fmt.Errorf("%w: sealed for %s, this account is %s", ErrDeviceKey, recorded, cur)}
	}
	return nil
}
