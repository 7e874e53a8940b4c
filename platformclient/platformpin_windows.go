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
// HKLM\SOFTWARE\mykeyterm\StateFolders\<folder key> PlatformURL, CAFile and CASHA256 (the CA file's SHA-256), written
// when the terminal is enrolled by an elevated program (the administrator's first start, or `mykeyterm-cli enroll`
// from an elevated prompt). terminal.db's data is writable by the staff accounts (their work writes the journal
// and tokens), so without the pin a user could point the terminal at another server or swap its CA; with it, every
// start compares the two and refuses a terminal whose platform or CA differs from the pinned ones.

// MsgPlatformPinned is the refusal of a state whose platform URL or CA is not the one the administrator enrolled.
const MsgPlatformPinned = "端末の接続先（プラットフォームのURLまたはCA証明書）が、管理者が登録したもの（%s）と違います。" +
	"接続先が書き換えられたおそれがあるため接続しません。パソコンの管理者に連絡し、管理者として端末の登録をやり直してください。"

const pinRoot = `SOFTWARE\mykeyterm\StateFolders`

func pinKeyPath(dir string) string {
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	sum := sha256.Sum256([]byte(strings.ToLower(filepath.Clean(dir))))
	return pinRoot + `\` + hex.EncodeToString(sum[:8])
}

type platformPin struct{ url, caFile, caSHA string }

func caDigest(caFile string) (string, error) {
	if caFile == "" {
		return "", nil
	}
	b, err := os.ReadFile(caFile)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// readPin is the pin of dir (nil when none was written).
func readPin(dir string) (*platformPin, error) {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, pinKeyPath(dir), registry.QUERY_VALUE|registry.WOW64_64KEY)
	if errors.Is(err, registry.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer k.Close()
	var p platformPin
	if p.url, _, err = k.GetStringValue("PlatformURL"); err != nil {
		return nil, err
	}
	p.caFile, _, _ = k.GetStringValue("CAFile")
	p.caSHA, _, _ = k.GetStringValue("CASHA256")
	return &p, nil
}

// checkPlatformPin refuses a shared state whose platform URL or CA file differs from the administrator's pin.
func checkPlatformPin(dir, url, caFile string) error {
	if !shared(dir) {
		return nil
	}
	p, err := readPin(dir)
	if err != nil || p == nil {
		return nil // no pin (enrolled without elevation, or not yet): nothing to compare
	}
	refuse := func(what string) error {
		return &Error{Op: "open", Message: fmt.Sprintf(MsgPlatformPinned, p.url), Err: errors.New("platform pin: " + what)}
	}
	if url != "" && url != p.url {
		return refuse("platform URL " + url)
	}
	if !strings.EqualFold(caFile, p.caFile) {
		return refuse("CA file " + caFile)
	}
	if sum, err := caDigest(caFile); err != nil || sum != p.caSHA {
		return refuse("CA file content")
	}
	return nil
}

// checkEnrollPin: an elevated enrolment (the administrator) may change the pinned platform; any other must enroll
// with the pinned one.
func checkEnrollPin(dir, url, caFile string) error {
	if windows.GetCurrentProcessToken().IsElevated() {
		return nil
	}
	return checkPlatformPin(dir, url, caFile)
}

// pinPlatform records the enrolled platform URL and CA of a shared state folder in HKLM when this process is
// elevated; without elevation an existing pin must match (checked before enrolling: checkPlatformPin).
func pinPlatform(dir, url, caFile string) error {
	if !shared(dir) || !windows.GetCurrentProcessToken().IsElevated() {
		return nil
	}
	sum, err := caDigest(caFile)
	if err != nil {
		return err
	}
	k, _, err := registry.CreateKey(registry.LOCAL_MACHINE, pinKeyPath(dir), registry.SET_VALUE|registry.WOW64_64KEY)
	if err != nil {
		return err
	}
	defer k.Close()
	for name, v := range map[string]string{"PlatformURL": url, "CAFile": caFile, "CASHA256": sum} {
		if err := k.SetStringValue(name, v); err != nil {
			return err
		}
	}
	return nil
}
