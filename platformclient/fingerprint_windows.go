package platformclient

import (
	"unsafe"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

// machineIdentifiers on Windows are the four values of seed 004 §I.4 that Windows offers without WMI:
//
//   - the CPU's ID: SMBIOS type 4's Processor ID (the same value WMI's Win32_Processor.ProcessorId reports; CPUs have
//     had no readable serial number since the Pentium III, so this identifies the CPU model and stepping);
//   - the baseboard's serial number: SMBIOS type 2, read with GetSystemFirmwareTable('RSMB');
//   - the hardware-derived machine value Windows generates: ComputerHardwareId
//     (HKLM\SYSTEM\CurrentControlSet\Control\SystemInformation), the GUID Windows computes from the SMBIOS
//     manufacturer, family, product and board fields (what Windows Update uses to match firmware and drivers). It
//     survives a reinstall of Windows and changes when the board is replaced;
//   - the per-installation value Windows generates: MachineGuid (HKLM\SOFTWARE\Microsoft\Cryptography), made when
//     Windows is installed. It changes when Windows is reinstalled. (sysprep does not renew it, so PCs cloned from one
//     image share it; the terminal's own per-install value, always part of the fingerprint, still tells them apart.)
//
// Missing values (virtual machines often have no board serial) are left out.
func machineIdentifiers() [][]byte {
	var out [][]byte
	add := func(name string, v []byte) {
		if len(v) > 0 {
			out = append(out, append([]byte(name+"="), v...))
		}
	}
	s := ParseSMBIOS(firmwareSMBIOS())
	add("ProcessorId", s.ProcessorID)
	add("BaseBoardSerial", []byte(s.BoardSerial))
	add("ComputerHardwareId", []byte(regString(`SYSTEM\CurrentControlSet\Control\SystemInformation`, "ComputerHardwareId")))
	add("MachineGuid", []byte(regString(`SOFTWARE\Microsoft\Cryptography`, "MachineGuid")))
	return out
}

func regString(path, name string) string {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, path, registry.QUERY_VALUE|registry.WOW64_64KEY)
	if err != nil {
		return ""
	}
	defer k.Close()
	v, _, err := k.GetStringValue(name)
	if err != nil {
		return ""
	}
	return v
}

var procGetSystemFirmwareTable = windows.NewLazySystemDLL("kernel32.dll").NewProc("GetSystemFirmwareTable")

// firmwareSMBIOS is the raw SMBIOS table (nil when Windows cannot give it). GetSystemFirmwareTable('RSMB', 0, …)
// returns RawSMBIOSData: 8 header bytes (calling method, major, minor, DMI revision, length) and then the table.
func firmwareSMBIOS() []byte {
	const rsmb = 'R'<<24 | 'S'<<16 | 'M'<<8 | 'B'
	n, _, _ := procGetSystemFirmwareTable.Call(rsmb, 0, 0, 0)
	if n < 8 || n > 1<<24 {
		return nil
	}
	buf := make([]byte, n)
	got, _, _ := procGetSystemFirmwareTable.Call(rsmb, 0, uintptr(unsafe.Pointer(&buf[0])), n)
	if got < 8 || got > n {
		return nil
	}
	l := int(buf[4]) | int(buf[5])<<8 | int(buf[6])<<16 | int(buf[7])<<24
	if l > int(got)-8 {
		l = int(got) - 8
	}
	return buf[8 : 8+l]
}
