//go:build windows

package platformclient

import (
	"unsafe"

	"golang.org/x/sys/windows"
)

// On Windows the device key is encrypted with DPAPI (CryptProtectData) in the scope of the Windows account that
// enrolled the terminal (no CRYPTPROTECT_LOCAL_MACHINE): only that account's programs can decrypt it, so another
// staff account of the PC can read terminal.db but not the key in it, and a copy of the folder on another PC is
// useless. The account's SID is kept next to the key (keyowner.go). Keys sealed in machine scope by earlier versions
// still decrypt (the blob records its scope) for every account, until the terminal is enrolled again.

var dpapiEntropy = []byte("mykeyterm device key v1")

// dpapiFlags are CryptProtectData's flags for the device key: the user's scope, never a UI.
const dpapiFlags = uint32(windows.CRYPTPROTECT_UI_FORBIDDEN)

func blob(b []byte) *windows.DataBlob {
	if len(b) == 0 {
		return &windows.DataBlob{}
	}
	return &windows.DataBlob{Size: uint32(len(b)), Data: &b[0]}
}

func blobBytes(d *windows.DataBlob) []byte {
	out := make([]byte, d.Size)
	copy(out, unsafe.Slice(d.Data, d.Size))
	windows.LocalFree(windows.Handle(unsafe.Pointer(d.Data)))
	return out
}

func protectKey(plain []byte) ([]byte, error) {
	var out windows.DataBlob
	name, _ := windows.UTF16PtrFromString("mykeyterm device key")
	if err := windows.CryptProtectData(blob(plain), name, blob(dpapiEntropy), 0, nil, dpapiFlags, &out); err != nil {
		return nil, err
	}
	return blobBytes(&out), nil
}

func unprotectKey(stored []byte) ([]byte, error) {
	var out windows.DataBlob
	if err := windows.CryptUnprotectData(blob(stored), nil, blob(dpapiEntropy), 0, nil, windows.CRYPTPROTECT_UI_FORBIDDEN, &out); err != nil {
		return nil, err
	}
	return blobBytes(&out), nil
}

// keyOwner is the SID of this process's account (the token's user; an elevated administrator is the same account).
func keyOwner() string {
	u, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return ""
	}
	return u.User.Sid.String()
}

// accountLabel is DOMAIN\name of a SID string (the SID itself when it cannot be looked up).
func accountLabel(sid string) string {
	s, err := windows.StringToSid(sid)
	if err != nil {
		return sid
	}
	return accountName(s)
}

const keyProtection = "DPAPI (CryptProtectData, the enrolling account's scope)"
