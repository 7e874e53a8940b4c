package main

import "strings"

// installerArgsEnv carries MKSSetup.exe's own command line to its elevated step (`state-folder --installer`): NSIS's
// GetOptions cuts a value at its next "/", which every URL has, so the options are read here instead.
const installerArgsEnv = "MYKEYTERM_INSTALLER_ARGS"

// installerOptions reads /PLATFORM=URL and /PLATFORMCA=FILE (case-insensitive, as NSIS's own options) from the
// installer's command line. Values are split at spaces outside double quotes; quotes are removed and backslashes
// kept ("/PLATFORMCA=C:\証明書 フォルダ\ca.pem" or /PLATFORMCA="C:\…"), as Windows paths need.
func installerOptions(cmdline string) (platform, caFile string) {
	for _, tok := range splitInstallerArgs(cmdline) {
		name, val, ok := strings.Cut(tok, "=")
		if !ok {
			continue
		}
		switch strings.ToUpper(name) {
		case "/PLATFORM":
			platform = val
		case "/PLATFORMCA":
			caFile = val
		}
	}
	return platform, caFile
}

func splitInstallerArgs(s string) []string {
	var out []string
	var cur strings.Builder
	quoted, has := false, false
	for _, r := range s {
		switch {
		case r == '"':
			quoted, has = !quoted, true
		case (r == ' ' || r == '\t') && !quoted:
			if has {
				out = append(out, cur.String())
			}
			cur.Reset()
			has = false
		default:
			cur.WriteRune(r)
			has = true
		}
	}
	if has {
		out = append(out, cur.String())
	}
	return out
}
