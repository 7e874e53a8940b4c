//go:build wine

package wintest

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/mykeyterm/mykeyterm/internal/testenv"
)

// The clerk's programs run without elevation: testdata/runasinvoker starts them with the limited token linked to
// wine's (elevated) one, as Windows starts what a clerk's account runs from the desktop icon.

// buildRunAsInvoker builds the launcher into the prefix's log folder.
func buildRunAsInvoker(t *testing.T, w *wine) string {
	t.Helper()
	exe := filepath.Join(w.logs, "runasinvoker.exe")
	if _, err := os.Stat(exe); err == nil {
		return exe
	}
	build := exec.Command("go", "build", "-o", exe, "./internal/wintest/testdata/runasinvoker")
	build.Dir, build.Env = repo(t), append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build runasinvoker: %v\n%s", err, out)
	}
	return exe
}

// clerkCLI runs the installed mykeyterm-cli.exe without elevation and returns its output and error.
func clerkCLI(t *testing.T, w *wine, args ...string) (string, error) {
	t.Helper()
	return w.cmd(2*time.Minute, wineBin, append([]string{buildRunAsInvoker(t, w), installedCLI}, args...)...)
}

// mustClerkCLI is clerkCLI that must exit 0.
func mustClerkCLI(t *testing.T, w *wine, args ...string) string {
	t.Helper()
	out, err := clerkCLI(t, w, args...)
	if err != nil {
		t.Fatalf("mykeyterm-cli %s (not elevated): %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// clerkRefused runs the installed CLI without elevation and requires it to fail with text in its output.
func clerkRefused(t *testing.T, w *wine, text string, args ...string) {
	t.Helper()
	out, err := clerkCLI(t, w, args...)
	if err == nil || !strings.Contains(out, text) {
		t.Fatalf("mykeyterm-cli %s (not elevated): %v, want a refusal with %q\n%s", strings.Join(args, " "), err, text, out)
	}
	if strings.Contains(out, "platform pin:") || strings.Contains(out, "sealed for") {
		t.Errorf("the Go error reached the clerk:\n%s", out)
	}
}

// setStateValue writes one value of terminal.db's state bucket (nil deletes it), as a program with write access to
// the state file's data (every staff account) could.
func setStateValue(t *testing.T, path, key string, val []byte) {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bbolt.Tx) error {
		if val == nil {
			return tx.Bucket([]byte("state")).Delete([]byte(key))
		}
		return tx.Bucket([]byte("state")).Put([]byte(key), val)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// stateValue reads one value of terminal.db's state bucket.
func stateValue(t *testing.T, path, key string) []byte {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: 10 * time.Second, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v []byte
	db.View(func(tx *bbolt.Tx) error {
		v = append([]byte(nil), tx.Bucket([]byte("state")).Get([]byte(key))...)
		return nil
	})
	return v
}

// writeCA writes a self-signed CA certificate (PEM) to file.
func writeCA(t *testing.T, file, name string) []byte {
	t.Helper()
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name}, IsCA: true,
		BasicConstraintsValid: true, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, priv)
	if err != nil {
		t.Fatal(err)
	}
	b := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return b
}

// The installer's own page for the platform (an interactive install by the municipality's administrator, the
// double-click of MKSSetup.exe): a URL that is not https:// is refused on the page; the https URL and the CA file
// entered are pinned in HKLM like /PLATFORM= and /PLATFORMCA=, and the app started from the finish page opens
// (screen 9, its URL field filled in with the pin).
func TestWine_ReleaseInstallerPlatformPagePinsThePlatform(t *testing.T) {
	root := repo(t)
	inst := filepath.Join(root, releaseInstaller)
	if _, err := os.Stat(inst); err != nil {
		t.Fatalf("%s is missing: build it with `make windows` (make test-windows does)", releaseInstaller)
	}
	x := testenv.XvfbScreen(t, "1280x1024x24")
	w := newWine(t, x.Display)
	caPEM := writeCA(t, w.drive("mykeyterm-ca/municipal.pem"), "municipal CA")
	const title = appName + " Setup" // wine's locale here is English
	p := w.start(t, inst)
	win := waitWindow(t, title, p, 2*time.Minute)
	xdo(t, "windowfocus", "--sync", win)
	next := func(what string) {
		t.Helper()
		before := x.Screenshot(t)
		xdo(t, "key", "Return")
		waitScreenChange(t, x, win, before, time.Minute)
		t.Logf("installer: %s", what)
	}
	waitBoxes := func(n int) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); len(windows(title)) != n; time.Sleep(100 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%d windows titled %q, want %d", len(windows(title)), title, n)
			}
		}
	}
	typeInto := func(x0, y0 int, text string) {
		t.Helper()
		xdo(t, "mousemove", "--window", win, strconv.Itoa(x0), strconv.Itoa(y0))
		xdo(t, "click", "1")
		xdo(t, "key", "ctrl+a")
		xdo(t, "type", "--delay", "20", text)
	}
	next("welcome → folder")
	next("folder → platform")
	shot := filepath.Join(w.logs, "platform_page.png")
	if dir := os.Getenv("MYKEYTERM_SCREENS_DIR"); dir != "" {
		shot = filepath.Join(dir, "windows_wine_installer_platform.png")
	}
	testenv.SavePNG(t, x.Screenshot(t).SubImage(geometry(t, win)), shot)
	// The page's fields, in the window's coordinates (nsDialogs: URL at 52u, CA file at 86u).
	const fieldX, urlY, caY = 280, 168, 223
	typeInto(fieldX, urlY, "http://mkpf.example.jp")
	xdo(t, "key", "Return")
	waitBoxes(2) // 「プラットフォームのURLは https:// で始めてください。」
	xdo(t, "key", "Return")
	waitBoxes(1)
	typeInto(fieldX, urlY, "https://mkpf.example.jp")
	typeInto(fieldX-60, caY, `C:\mykeyterm-ca\municipal.pem`)
	xdo(t, "key", "Return") // インストール
	for deadline := time.Now().Add(3 * time.Minute); ; time.Sleep(200 * time.Millisecond) {
		if _, err := os.Stat(w.drive("ProgramData/mykeyterm/terminal.db")); err == nil {
			if _, err := os.Stat(w.drive("Program Files/MyKeyTerm/Uninstall.exe")); err == nil {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the interactive install did not finish:\n%s", p.output())
		}
	}
	// The finish page's 「…を実行」 is checked: the app starts with the pin (not refused) and shows screen 9.
	a := &app{t: t, x: x}
	for deadline := time.Now().Add(2 * time.Minute); a.win == ""; time.Sleep(500 * time.Millisecond) {
		if ids := windows(appName); len(ids) > 0 && geometry(t, ids[len(ids)-1]).Dx() >= 1000 {
			a.win = ids[len(ids)-1]
			break
		}
		if p.exited(0) == -1 {
			// 完了 on the finish page, once it shows (the button is off while installing; the window's title says
			// "…: Completed" by then)
			xdo(t, "mousemove", "--window", win, "421", "338")
			xdo(t, "click", "1")
		}
		if time.Now().After(deadline) {
			shot := filepath.Join(w.logs, "finish.png")
			if dir := os.Getenv("MYKEYTERM_SCREENS_DIR"); dir != "" {
				shot = filepath.Join(dir, "windows_wine_installer_finish_failed.png")
			}
			testenv.SavePNG(t, x.Screenshot(t), shot)
			t.Fatalf("the app started from the finish page did not open its window (%s); windows %q", shot, windows(".*"))
		}
	}
	a.p = w.adopt(p)
	a.close()
	w.waitIdle() // the installer and the app have ended; wineserver wrote the registry
	sum := sha256.Sum256([]byte(`c:\programdata\mykeyterm`))
	pin := regValues(t, w, `Software\\mykeyterm\\StateFolders\\`+hex.EncodeToString(sum[:8]))
	caSum := sha256.Sum256(caPEM)
	if pin == nil || pin["PlatformURL"] != "https://mkpf.example.jp" || pin["CASHA256"] != hex.EncodeToString(caSum[:]) {
		t.Fatalf("the installer's platform page wrote no pin of https://mkpf.example.jp and the CA in HKLM: %q", pin)
	}
}
