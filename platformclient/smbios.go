package platformclient

// SMBIOS is what the fingerprint takes from the firmware's SMBIOS tables (the raw table data, as Windows'
// GetSystemFirmwareTable('RSMB') returns after its 8-byte header, or Linux's /sys/firmware/dmi/tables/DMI): the CPU's
// Processor ID (type 4, offset 08h: the CPUID signature and feature words that WMI's Win32_Processor.ProcessorId shows)
// and the baseboard's serial number (type 2, offset 07h: a string). Empty when the table has none.
type SMBIOS struct {
	ProcessorID []byte
	BoardSerial string
}

// ParseSMBIOS walks the structures of an SMBIOS table. A truncated or malformed table yields what was read before the
// damage (never a panic).
func ParseSMBIOS(tbl []byte) SMBIOS {
	var out SMBIOS
	for i := 0; i+4 <= len(tbl); {
		typ, n := tbl[i], int(tbl[i+1])
		if n < 4 || i+n > len(tbl) {
			break
		}
		formatted := tbl[i : i+n]
		// The strings follow the formatted area, each NUL-terminated, the set ended by an extra NUL.
		j := i + n
		var strs []string
		for j < len(tbl) {
			k := j
			for k < len(tbl) && tbl[k] != 0 {
				k++
			}
			if k == j { // empty string: the end of the set
				j++
				break
			}
			strs = append(strs, string(tbl[j:k]))
			j = k + 1
		}
		if len(strs) == 0 && j < len(tbl) && tbl[j] == 0 {
			j++ // no strings: the area is two NULs
		}
		str := func(off int) string {
			if off >= len(formatted) || formatted[off] == 0 || int(formatted[off]) > len(strs) {
				return ""
			}
			return strs[formatted[off]-1]
		}
		switch typ {
		case 2:
			if out.BoardSerial == "" {
				out.BoardSerial = str(0x07)
			}
		case 4:
			if out.ProcessorID == nil && len(formatted) >= 0x10 {
				out.ProcessorID = append([]byte(nil), formatted[0x08:0x10]...)
			}
		case 127: // end of table
			return out
		}
		i = j
	}
	return out
}
