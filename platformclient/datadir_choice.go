package platformclient

import "path/filepath"

// AndroidAppID is the Android application ID of the mobile grant app (FyneApp.toml's ID).
const AndroidAppID = "jp.mykeyterm.app"

// dataDirFor chooses the state folder outside Windows. On Android os.UserConfigDir has no value (no $HOME), and a
// relative folder would be in the read-only root: the app's files directory is used, which Fyne's mobile driver puts
// in $FILESDIR (Context.getFilesDir) before main runs; without it, the files directory of the primary user
// (/data/data/<app ID>/files). Elsewhere: the user's config folder, else ./.mykeyterm.
func dataDirFor(goos string, getenv func(string) string, userConfigDir func() (string, error)) string {
	if goos == "android" {
		if d := getenv("FILESDIR"); filepath.IsAbs(d) {
			return filepath.Join(d, "mykeyterm")
		}
		return filepath.Join("/data/data", AndroidAppID, "files", "mykeyterm")
	}
	if d, err := userConfigDir(); err == nil {
		return filepath.Join(d, "mykeyterm")
	}
	return ".mykeyterm"
}
