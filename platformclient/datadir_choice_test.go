package platformclient

import (
	"errors"
	"testing"
)

// On Android os.UserConfigDir has no value: the data folder is the app's files directory, never a relative folder
// (the app would start in the read-only root and exit before any screen).
func TestDataDir_AndroidUsesTheAppsFilesDirectory(t *testing.T) {
	noConfig := func() (string, error) { return "", errors.New("neither $XDG_CONFIG_HOME nor $HOME are defined") }
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	cases := []struct {
		goos string
		env  map[string]string
		conf func() (string, error)
		want string
	}{
		{"android", map[string]string{"FILESDIR": "/data/user/0/jp.mykeyterm.app/files"}, noConfig, "/data/user/0/jp.mykeyterm.app/files/mykeyterm"},
		{"android", map[string]string{}, noConfig, "/data/data/jp.mykeyterm.app/files/mykeyterm"},
		{"android", map[string]string{"FILESDIR": "files"}, noConfig, "/data/data/jp.mykeyterm.app/files/mykeyterm"}, // never relative
		{"linux", map[string]string{}, func() (string, error) { return "/home/a/.config", nil }, "/home/a/.config/mykeyterm"},
		{"linux", map[string]string{}, noConfig, ".mykeyterm"},
	}
	for _, c := range cases {
		if got := dataDirFor(c.goos, env(c.env), c.conf); got != c.want {
			t.Errorf("%s %v: %q, want %q", c.goos, c.env, got, c.want)
		}
	}
}
