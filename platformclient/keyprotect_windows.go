//go:build windows

package platformclient

import (
	"unsafe"

	"golang.org/x/sys/windows"
)

// On Windows the device key is encrypted with DPAPI (CryptProtectData, user scope) before it is written, so a copy of
// the data directory on another machine or account is useless.

var dpapiEntropy = []byte("mykeyterm device key v1")

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
	if err := windows.CryptProtectData(blob(plain), name, blob(dpapiEntropy), 0, nil, windows.CRYPTPROTECT_UI_FORBIDDEN, &out); err != nil {
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

const keyProtection = "DPAPI (CryptProtectData)"
