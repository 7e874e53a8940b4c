//go:build windows

package platformclient

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

// The platform URL and CA of a shared state folder are pinned where only administrators write: the values
// HKLM\SOFTWARE\mykeyterm\StateFolders\<folder key> PlatformURL, CASHA256 (the CA's SHA-256), CAPEM (the CA
// certificate itself) and CAFile (where it came from), written by the installer (MKSSetup.exe /PLATFORM=…
// /PLATFORMCA=…, its elevated step `mykeyterm-cli.exe state-folder --platform … --ca-file …`: WritePlatformPin) or by
// an enrolment run elevated. terminal.db's data is writable by the staff accounts (their work writes the journal and
// tokens), so without the pin a user could point the terminal at another server or swap its CA; with it, every
// start compares the two (ComparePin) and refuses a terminal whose platform or CA differs, and the TLS client trusts
// the pinned CA. Without a pin, a program that is not elevated neither enrolls nor opens an enrolled terminal
// (MsgPlatformNotPinned).

const pinRoot = `SOFTWARE\mykeyterm\StateFolders`

func pinKeyPath(dir string) string {
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	sum := sha256.Sum256([]byte(strings.ToLower(filepath.Clean(dir))))
	return pinRoot + `\` + hex.EncodeToString(sum[:8])
}

// PinKeyName is the name of dir's pin key under HKLM\SOFTWARE\mykeyterm\StateFolders.
func PinKeyName(dir string) string { return strings.TrimPrefix(pinKeyPath(dir), pinRoot+`\`) }

func elevated() bool { return windows.GetCurrentProcessToken().IsElevated() }

// readPin is the pin of dir (nil when none was written).
func readPin(dir string) (*PlatformPin, error) {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, pinKeyPath(dir), registry.QUERY_VALUE|registry.WOW64_64KEY)
	if errors.Is(err, registry.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer k.Close()
	var p PlatformPin
	if p.URL, _, err = k.GetStringValue("PlatformURL"); err != nil {
		return nil, err
	}
	p.CASHA256, _, _ = k.GetStringValue("CASHA256")
	if s, _, err := k.GetStringValue("CAPEM"); err == nil && s != "" {
		p.CAPEM = []byte(s)
		if caSum(p.CAPEM) != strings.ToLower(p.CASHA256) {
			return nil, errors.New("platform pin: CAPEM does not match CASHA256")
		}
	}
	return &p, nil
}

// stateCA is the content of the state's CA file (nil when it names none; an unreadable file reads as empty, which
// matches no pin).
func stateCA(caFile string) []byte {
	if caFile == "" {
		return nil
	}
	b, err := os.ReadFile(caFile)
	if err != nil || b == nil {
		return []byte{}
	}
	return b
}

func pinRefusal(p *PlatformPin, what string) error {
	return &Error{Op: "open", Message: fmt.Sprintf(MsgPlatformPinned, p.URL), Err: errors.New("platform pin: " + what)}
}

func notPinned() error {
	return &Error{Op: "open", Message: MsgPlatformNotPinned, Err: errors.New("platform pin: none, and not elevated")}
}

// checkPlatformPin refuses a shared state whose platform URL or CA file differs from the administrator's pin, and
// (without elevation) an enrolled shared state that has no pin. It returns the pin (nil: none, or not shared).
func checkPlatformPin(dir, url, caFile string) (*PlatformPin, error) {
	if !shared(dir) {
		return nil, nil
	}
	p, err := readPin(dir)
	if err != nil {
		return nil, &Error{Op: "open", Message: MsgPlatformNotPinned, Err: err}
	}
	if p == nil {
		if url != "" && pinRequired(true, false, elevated()) {
			return nil, notPinned()
		}
		return nil, nil
	}
	if problem := ComparePin(*p, url, stateCA(caFile)); problem != "" {
		return nil, pinRefusal(p, problem)
	}
	return p, nil
}

// checkEnrollPin: an enrolment must use the pinned platform; without a pin only an elevated program (the
// administrator) may enroll, and pins what it enrolled with (pinPlatform).
func checkEnrollPin(dir, url, caFile string) error {
	if !shared(dir) {
		return nil
	}
	p, err := readPin(dir)
	if err != nil {
		return &Error{Op: "enroll", Message: MsgPlatformNotPinned, Err: err}
	}
	if p == nil {
		if pinRequired(true, false, elevated()) {
			return notPinned()
		}
		return nil
	}
	if problem := ComparePin(*p, url, stateCA(caFile)); problem != "" {
		return pinRefusal(p, problem)
	}
	return nil
}

// checkCAPin refuses a CA file that differs from the pinned CA of a shared state folder.
func checkCAPin(dir, caFile string) error {
	if !shared(dir) || caFile == "" {
		return nil
	}
	p, err := readPin(dir)
	if err != nil || p == nil {
		return err
	}
	if problem := ComparePin(*p, "", stateCA(caFile)); problem != "" {
		return pinRefusal(p, problem)
	}
	return nil
}

// pinPlatform records the enrolled platform URL and CA of a shared state folder in HKLM when this process is
// elevated and no pin exists yet (the installer's pin stays as the administrator set it).
func pinPlatform(dir, url, caFile string) error {
	if !shared(dir) || !elevated() {
		return nil
	}
	if p, err := readPin(dir); err != nil || p != nil {
		return err
	}
	return WritePlatformPin(dir, url, caFile)
}

// WritePlatformPin pins the platform URL and CA (a PEM file; "" for the system's roots) of the shared state folder
// dir in HKLM (administrators only: the installer's step `mykeyterm-cli.exe state-folder --platform URL --ca-file
// FILE`). A CA file that is no PEM certificate is refused with a Japanese message.
func WritePlatformPin(dir, url, caFile string) error {
	base, err := NormalizeURL(url)
	if err != nil {
		return err
	}
	var pemText []byte
	sum := ""
	if caFile != "" {
		if abs, err := filepath.Abs(caFile); err == nil {
			caFile = abs
		}
		b, err := os.ReadFile(caFile)
		if err == nil {
			sum, err = pinCA(b)
		}
		if err != nil {
			return &Error{Op: "pin", Message: fmt.Sprintf(MsgPinCAInvalid, caFile), Err: err}
		}
		pemText = b
	}
	k, _, err := registry.CreateKey(registry.LOCAL_MACHINE, pinKeyPath(dir), registry.SET_VALUE|registry.WOW64_64KEY)
	if err != nil {
		return &Error{Op: "pin", Message: MsgPinWrite, Err: err}
	}
	defer k.Close()
	for _, v := range [][2]string{{"PlatformURL", base}, {"CAFile", caFile}, {"CASHA256", sum}, {"CAPEM", string(pemText)}} {
		if err := k.SetStringValue(v[0], v[1]); err != nil {
			return &Error{Op: "pin", Message: MsgPinWrite, Err: err}
		}
	}
	return nil
}

// MsgPinWrite: the pin could not be written to HKLM (not elevated, or the registry refused).
const MsgPinWrite = "接続先の設定（HKLM\\SOFTWARE\\mykeyterm）を書き込めません。管理者として実行してください。"
