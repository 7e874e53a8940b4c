//go:build windows

package platformclient

import (
	"unsafe"

	"golang.org/x/sys/windows"
)

// On Windows the device key is encrypted with DPAPI (CryptProtectData, machine scope: CRYPTPROTECT_LOCAL_MACHINE)
// before it is written to the per-machine state folder, so every staff account of this PC that the folder's access list
// lets read the file can use it, and a copy of the folder on another PC is useless. (Keys stored with the user scope by
// earlier versions still decrypt: the blob records its scope.)

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
	flags := uint32(windows.CRYPTPROTECT_UI_FORBIDDEN | windows.CRYPTPROTECT_LOCAL_MACHINE)
	if err := windows.CryptProtectData(blob(plain), name, blob(dpapiEntropy), 0, nil, flags, &out); err != nil {
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

const keyProtection = "DPAPI (CryptProtectData, machine scope)"
