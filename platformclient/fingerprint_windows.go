package platformclient

import (
	"golang.org/x/sys/windows/registry"
)

// machineIdentifiers on Windows, best effort without WMI: the Windows-generated machine GUID, the board's and the
// CPU's identification as the firmware reports them in the registry. SCREENS.md lists CPU serial and motherboard
// serial; those need WMI (and are often empty or "To be filled by O.E.M."), so the readable registry values stand in
// for them. Missing values are skipped; the per-install value is always part of the fingerprint.
func machineIdentifiers() [][]byte {
	var out [][]byte
	read := func(path, name string) {
		k, err := registry.OpenKey(registry.LOCAL_MACHINE, path, registry.QUERY_VALUE|registry.WOW64_64KEY)
		if err != nil {
			return
		}
		defer k.Close()
		if v, _, err := k.GetStringValue(name); err == nil && v != "" {
			out = append(out, []byte(name+"="+v))
		}
	}
	read(`SOFTWARE\Microsoft\Cryptography`, "MachineGuid")
	read(`HARDWARE\DESCRIPTION\System\BIOS`, "BaseBoardManufacturer")
	read(`HARDWARE\DESCRIPTION\System\BIOS`, "BaseBoardProduct")
	read(`HARDWARE\DESCRIPTION\System\BIOS`, "SystemProductName")
	read(`HARDWARE\DESCRIPTION\System\CentralProcessor\0`, "ProcessorNameString")
	read(`HARDWARE\DESCRIPTION\System\CentralProcessor\0`, "Identifier")
	return out
}
