package main

import "testing"

// MKSSetup.exe /PLATFORM= /PLATFORMCA= as a deployment tool writes them: URLs keep their slashes (NSIS's GetOptions
// cut them at the first "/"), paths keep their backslashes and spaces inside quotes, other options are ignored.
func TestInstallerOptions_PlatformAndCAFromMKSSetupsCommandLine(t *testing.T) {
	for _, c := range []struct{ cmdline, platform, ca string }{
		{`/S`, "", ""},
		{`/S /PLATFORM=https://mkpf.example.jp/`, "https://mkpf.example.jp/", ""},
		{`/S /PLATFORM=http://127.0.0.1:41234 /PLATFORMCA=C:\mykeyterm-ca\municipal.pem`, "http://127.0.0.1:41234", `C:\mykeyterm-ca\municipal.pem`},
		{`/PLATFORMCA="C:\証明書 フォルダ\ca.pem" /platform=https://mkpf.example.jp /S /D=C:\Program Files\MyKeyTerm`, "https://mkpf.example.jp", `C:\証明書 フォルダ\ca.pem`},
		{`"/PLATFORMCA=C:\a b\ca.pem"  /PLATFORM="https://mkpf.example.jp"`, "https://mkpf.example.jp", `C:\a b\ca.pem`},
		{`/PLATFORMX=https://evil /PLATFORM`, "", ""},
		{`/PLATFORM= /S`, "", ""},
	} {
		p, ca := installerOptions(c.cmdline)
		if p != c.platform || ca != c.ca {
			t.Errorf("%s: platform %q CA %q, want %q %q", c.cmdline, p, ca, c.platform, c.ca)
		}
	}
}
