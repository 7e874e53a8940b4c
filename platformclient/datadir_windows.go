//go:build windows

package platformclient

import (
	"errors"
	"os"
	"path/filepath"
	"unsafe"

	"golang.org/x/sys/windows"
)

// DataDirSDDL is the access list the state folder is created with (inherited by every file in it): full control for
// SYSTEM and the Administrators, read/write/delete ("modify", no permission changes) for the local Users group (the
// counter staff's accounts), nobody else; not inherited from %ProgramData%. docs/windows.md explains who can read the
// device key.
const DataDirSDDL = "D:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;0x1301bf;;;BU)"

// DefaultDataDir is the terminal's per-machine state folder: %ProgramData%\mykeyterm (C:\ProgramData\mykeyterm), shared
// by the staff accounts of the counter PC.
func DefaultDataDir() string {
	d, err := windows.KnownFolderPath(windows.FOLDERID_ProgramData, 0)
	if err != nil || d == "" {
		if d = os.Getenv("ProgramData"); d == "" {
			d = `C:\ProgramData`
		}
	}
	return filepath.Join(d, "mykeyterm")
}

// prepareDataDir creates the state folder with DataDirSDDL when it does not exist yet; an existing folder keeps the
// access list it has (an administrator may have tightened it).
func prepareDataDir(dir string) error {
	if st, err := os.Stat(dir); err == nil && st.IsDir() {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
		return err
	}
	sd, err := windows.SecurityDescriptorFromString(DataDirSDDL)
	if err != nil {
		return err
	}
	sa := &windows.SecurityAttributes{SecurityDescriptor: sd}
	sa.Length = uint32(unsafe.Sizeof(*sa))
	p, err := windows.UTF16PtrFromString(dir)
	if err != nil {
		return err
	}
	if err := windows.CreateDirectory(p, sa); err != nil && !errors.Is(err, windows.ERROR_ALREADY_EXISTS) {
		return err
	}
	return nil
}
