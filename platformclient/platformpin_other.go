//go:build !windows

package platformclient

// The platform URL and CA are pinned in HKLM on Windows only (platformpin_windows.go): elsewhere the state file is
// the user's own (mode 0600).
func checkPlatformPin(dir, url, caFile string) (*PlatformPin, error) { return nil, nil }

func pinPlatform(dir, url, caFile string) error { return nil }

func checkEnrollPin(dir, url, caFile string) error { return nil }

func checkCAPin(dir, caFile string) error { return nil }
