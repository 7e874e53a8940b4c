//go:build wine

package wintest

import (
	"bytes"
	"context"
	"debug/pe"
	"fmt"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/mykeyterm/mykeyterm/internal/testenv"
)

const (
	appName   = "マイキープラットフォーム等活用ソフト"
	installer = "dist/test/MKSSetup-demo.exe"
	testCert  = "dist/test/test-cert/cert.pem"
	uninstKey = `Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\MyKeyTerm`
)

// The private wine tree of the tests (scripts/wine-winscard.sh): Debian 12's wine 8.0 loader and server with WinSCard
// over pcsclite and bcryptprimitives.dll from Debian 13's wine 10.0. Set once per test binary by wineTree.
var (
	wineBin string // DEST/usr/lib/wine/wine64
	wineSrv string // DEST/usr/lib/wine/wineserver64
)

var treeOnce struct {
	sync.Once
	dir string
	err error
	out string
}

// wineTree makes sure the private wine tree exists (scripts/wine-winscard.sh: idempotent, cached in
// ~/.cache/mykeyterm/wine-winscard; `make test-windows` runs it first) and points wineBin and wineSrv at it.
func wineTree(t *testing.T) string {
	t.Helper()
	treeOnce.Do(func() {
		cmd := exec.Command(filepath.Join(repo(t), "scripts/wine-winscard.sh"))
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		treeOnce.dir, treeOnce.err, treeOnce.out = strings.TrimSpace(string(out)), err, stderr.String()
	})
	if treeOnce.err != nil || treeOnce.dir == "" {
		t.Fatalf("scripts/wine-winscard.sh (the tests' wine tree with WinSCard over pcsclite): %v\n%s", treeOnce.err, treeOnce.out)
	}
	wineBin = filepath.Join(treeOnce.dir, "usr/lib/wine/wine64")
	wineSrv = filepath.Join(treeOnce.dir, "usr/lib/wine/wineserver64")
	return treeOnce.dir
}

// repo is the repository's root (this package is internal/wintest).
func repo(t *testing.T) string {
	t.Helper()
	d, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// wine is one test prefix with its own wineserver, on the test's Xvfb.
type wine struct {
	t      *testing.T
	prefix string
	env    []string
	logs   string
}

func newWine(t *testing.T, display string) *wine {
	t.Helper()
	wineTree(t)
	w := &wine{t: t, prefix: filepath.Join(t.TempDir(), "prefix"), logs: t.TempDir()}
	w.env = append(os.Environ(), "WINESERVER="+wineSrv, "WINEPREFIX="+w.prefix, "WINEARCH=win64", "WINEDEBUG=-all",
		"WINEDLLOVERRIDES=mscoree,mshtml=", "DISPLAY="+display, "LANG=C.UTF-8", "LC_ALL=", "MYKEYTERM_DEMO_READER=virtual") // wine names files in the Unix locale: UTF-8 (ja_JP.UTF-8 may not be generated)
	t.Cleanup(func() { // stop this prefix's wineserver and every program in it (only this prefix's)
		cmd := exec.Command(wineSrv, "-k")
		cmd.Env = w.env
		_ = cmd.Run()
	})
	start := time.Now()
	if out, err := w.cmd(3*time.Minute, wineBin, "wineboot", "-i"); err != nil {
		t.Fatalf("wineboot: %v\n%s", err, out)
	}
	w.waitIdle()
	t.Logf("wine prefix made in %v", time.Since(start).Round(100*time.Millisecond))
	// There is no window manager on the test's Xvfb to send WM_TAKE_FOCUS, so wine is told to take an X focus change
	// (xdotool windowfocus, what a click does under a window manager) as the window's activation: then the Windows
	// programs see the foreground move as on a Windows desktop.
	if out, err := w.cmd(time.Minute, wineBin, "reg", "add", `HKCU\Software\Wine\X11 Driver`, "/v", "UseTakeFocus", "/t", "REG_SZ", "/d", "N", "/f"); err != nil {
		t.Fatalf("wine reg add UseTakeFocus: %v\n%s", err, out)
	}
	w.waitIdle()
	return w
}

// cmd runs a program with the prefix's environment and waits for it (at most d: a safety net).
func (w *wine) cmd(d time.Duration, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Env = w.env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return "", err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return out.String(), err
	case <-time.After(d):
		_ = cmd.Process.Kill()
		<-done
		return out.String(), fmt.Errorf("%s did not finish within %v", name, d)
	}
}

// waitIdle waits until every program of the prefix has ended (wineserver -w).
func (w *wine) waitIdle() {
	w.t.Helper()
	if out, err := w.cmd(3*time.Minute, wineSrv, "-w"); err != nil {
		w.t.Fatalf("wineserver -w: %v\n%s", err, out)
	}
}

// drive is the Unix path of a path on the prefix's C: drive ("Program Files/MyKeyTerm").
func (w *wine) drive(p string) string { return filepath.Join(w.prefix, "drive_c", p) }

// program is a Windows program started under wine, its output kept in a file (wine's console output can arrive after
// the process ended).
type program struct {
	cmd   *exec.Cmd
	log   string
	done  chan error
	state string // where mykeyterm.exe writes its state and goroutines' stacks when asked (MYKEYTERM_TEST_STATE)
}

// start runs a Windows program; it is killed at the end of t (a subtest: its programs end with it) if still running.
func (w *wine) start(t *testing.T, name string, args ...string) *program {
	t.Helper()
	f, err := os.CreateTemp(w.logs, "out-*.log")
	if err != nil {
		w.t.Fatal(err)
	}
	// The app's state dump (stacks.go) goes to the prefix's C: drive, one file per program.
	state := "state-" + strings.TrimSuffix(filepath.Base(f.Name()), ".log") + ".txt"
	cmd := exec.Command(wineBin, append([]string{name}, args...)...)
	cmd.Env = append(w.env[:len(w.env):len(w.env)], `MYKEYTERM_TEST_STATE=C:\`+state)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	f.Close()
	p := &program{cmd: cmd, log: f.Name(), done: make(chan error, 1), state: w.drive(state)}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

func (p *program) output() string { b, _ := os.ReadFile(p.log); return string(b) }

// adopt is the app that parent (the installer's finish page) started, as a program of the test: the app inherited
// parent's environment, so it answers the state requests on parent's state file (dump, activate); it counts as ended
// when every program of the prefix has (wineserver -w), and its exit code is not the test's to read (0 once ended).
func (w *wine) adopt(parent *program) *program {
	p := &program{log: parent.log, done: make(chan error, 1), state: parent.state}
	go func() {
		_, err := w.cmd(10*time.Minute, wineSrv, "-w")
		p.done <- err
	}()
	return p
}

// dump asks the running app for its state: whether its window is the foreground window ("foreground=yes") and the
// stacks of all its goroutines (stacks.go). It waits for the answer at most d; "" when none came.
func (p *program) dump(d time.Duration) string {
	if p.state == "" {
		return ""
	}
	_ = os.Remove(p.state)
	if err := os.WriteFile(p.state+".req", nil, 0o644); err != nil {
		return ""
	}
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if b, err := os.ReadFile(p.state); err == nil {
			return string(b)
		}
		if p.exited(0) != -1 {
			return ""
		}
	}
	return ""
}

// goroutines is where the app waits: the stacks of all its goroutines, for a failure's message.
func (p *program) goroutines() string {
	if s := p.dump(30 * time.Second); s != "" {
		return s
	}
	return "(the program wrote no stacks within 30 s)"
}

// exited waits up to d for the program to end and returns its exit code (-1: still running).
func (p *program) exited(d time.Duration) int {
	select {
	case err := <-p.done:
		p.done <- err
		if err == nil {
			return 0
		}
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		return -2
	case <-time.After(d):
		return -1
	}
}

func xdo(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command(testenv.Need(t, "xdotool", "xdotool"), args...).CombinedOutput()
	if err != nil {
		t.Fatalf("xdotool %v: %v %s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// windows are the visible X windows titled exactly title (wine also makes hidden helper windows).
func windows(title string) []string {
	out, _ := exec.Command("xdotool", "search", "--onlyvisible", "--name", "^"+title+"$").Output()
	return strings.Fields(string(out))
}

// waitWindow waits for the visible window titled title; the app's log is shown when it does not come.
func waitWindow(t *testing.T, title string, p *program, d time.Duration) string {
	t.Helper()
	for deadline := time.Now().Add(d); ; time.Sleep(100 * time.Millisecond) {
		if ids := windows(title); len(ids) > 0 {
			return ids[len(ids)-1]
		}
		if strings.Contains(p.output(), "PlatformError") {
			t.Fatalf("the program could not open its window (no GLX on the X server?):\n%s", p.output())
		}
		if code := p.exited(0); code != -1 {
			t.Fatalf("the program ended (exit code %d) before its window %q appeared:\n%s", code, title, p.output())
		}
		if time.Now().After(deadline) {
			t.Fatalf("no window %q within %v:\n%s", title, d, p.output())
		}
	}
}

// app is the installed mykeyterm.exe running in demo mode.
type app struct {
	t   *testing.T
	x   *testenv.X
	p   *program
	win string
}

func (w *wine) startApp(t *testing.T, x *testenv.X, args ...string) (*app, time.Duration) {
	t.Helper()
	t0 := time.Now()
	p := w.start(t, `C:\Program Files\MyKeyTerm\mykeyterm.exe`, args...)
	win := waitWindow(t, appName, p, 60*time.Second)
	took := time.Since(t0)
	a := &app{t: t, x: x, p: p, win: win}
	a.settle()
	return a, took
}

// settle waits until two screenshots a moment apart are the same (the screen has finished drawing).
func (a *app) settle() {
	prev := a.x.Screenshot(a.t)
	for i := 0; i < 20; i++ {
		time.Sleep(400 * time.Millisecond)
		cur := a.x.Screenshot(a.t)
		if bytes.Equal(prev.Pix, cur.Pix) {
			return
		}
		prev = cur
	}
}

func (a *app) key(keys ...string) {
	a.t.Helper()
	for _, k := range keys {
		xdo(a.t, "windowfocus", "--sync", a.win)
		xdo(a.t, "key", "--delay", "50", k)
		time.Sleep(300 * time.Millisecond)
		a.settle()
	}
}

// typeText types text into the app's focused field as a keyboard does.
func (a *app) typeText(text string) {
	a.t.Helper()
	xdo(a.t, "windowfocus", "--sync", a.win)
	xdo(a.t, "type", "--delay", "60", text)
	time.Sleep(300 * time.Millisecond)
	a.settle()
}

// click clicks at (x, y) inside the app's window.
func (a *app) click(x, y int) {
	a.t.Helper()
	xdo(a.t, "mousemove", "--window", a.win, strconv.Itoa(x), strconv.Itoa(y))
	xdo(a.t, "click", "1")
	time.Sleep(300 * time.Millisecond)
	a.settle()
}

// tapCard taps a virtual card of the demo panel (the button whose label starts with the profile's name).
func (a *app) tapCard(row int) {
	a.t.Helper()
	x, y := panelButton(a.t, a, row)
	a.click(x, y)
}

func (a *app) screenshot(name string) *image.RGBA {
	a.t.Helper()
	img := a.x.Screenshot(a.t)
	dir := os.Getenv("MYKEYTERM_SCREENS_DIR") // set it to docs/screens to refresh the kept screenshots
	if dir == "" {
		dir = a.t.TempDir()
	}
	// The kept file is the app's window, all of it (the screen is larger than the window).
	testenv.SavePNG(a.t, img.SubImage(geometry(a.t, a.win).Intersect(img.Rect)), filepath.Join(dir, name+".png"))
	return img
}

// close presses Alt+F4 and requires exit code 0. The key goes to the foreground window, so the app is first made the
// foreground window as the clerk does it, by a click into it (activate): without a window manager an X focus change
// alone can leave wine with no foreground window after another program's window went (the ILS killed), and then the
// key never reaches the app. The app hides its window at once and exits (exit.go), so the window's going is the sign
// that the key arrived: while it is still shown, the app is activated and the key pressed again. The two minutes are
// a safety net, not a measurement; a program that has not exited by then is reported with where it waits (its
// goroutines' stacks).
func (a *app) close() {
	a.t.Helper()
	testenv.Need(a.t, "xwininfo", "x11-utils") // shown
	deadline := time.Now().Add(2 * time.Minute)
	for shown(a.win) && a.p.exited(0) == -1 && time.Now().Before(deadline) {
		a.activate()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_ = exec.CommandContext(ctx, testenv.Need(a.t, "xdotool", "xdotool"), "key", "alt+F4").Run() // XTEST, to the focused window
		cancel()
		for next := time.Now().Add(5 * time.Second); shown(a.win) && a.p.exited(0) == -1 && time.Now().Before(next); {
			time.Sleep(50 * time.Millisecond)
		}
	}
	code := a.p.exited(time.Until(deadline))
	if code == -1 {
		a.t.Fatalf("Alt+F4: the program did not exit (window still shown: %v); its state:\n%s\nits log:\n%s",
			shown(a.win), a.p.goroutines(), a.p.output())
	}
	if code != 0 {
		a.t.Fatalf("Alt+F4: exit code %d, want 0\n%s", code, a.p.output())
	}
}

// shown reports whether the X window win is still mapped and viewable. It asks about that window alone (xwininfo):
// a search over all windows can fail when another one goes meanwhile (the ILS killed).
func shown(win string) bool {
	out, err := exec.Command("xwininfo", "-id", win).Output()
	return err == nil && strings.Contains(string(out), "Map State: IsViewable")
}

// geometry is the window's position and size on the screen.
func geometry(t *testing.T, win string) image.Rectangle {
	t.Helper()
	var x, y, w, h int
	for _, l := range strings.Split(xdo(t, "getwindowgeometry", "--shell", win), "\n") {
		k, v, _ := strings.Cut(l, "=")
		n, _ := strconv.Atoi(v)
		switch k {
		case "X":
			x = n
		case "Y":
			y = n
		case "WIDTH":
			w = n
		case "HEIGHT":
			h = n
		}
	}
	return image.Rect(x, y, x+w, y+h)
}

// panelButton finds the row-th button (0: the first card) of the demo panel at the window's right: the panel's
// buttons are the light-grey bands (white gaps between them) down the middle of its 300-pixel column.
func panelButton(t *testing.T, a *app, row int) (int, int) {
	t.Helper()
	img := a.x.Screenshot(t)
	g := geometry(t, a.win)
	col := g.Max.X - 150 // the middle of the panel
	var bands [][2]int
	in := false
	for y := g.Min.Y; y < g.Max.Y; y++ {
		r, gg, b, _ := img.At(col, y).RGBA()
		btn := r>>8 < 0xfc || gg>>8 < 0xfc || b>>8 < 0xfc // a button face (light grey) or its label, not the white panel
		if btn && !in {
			bands = append(bands, [2]int{y, y})
		}
		if btn {
			bands[len(bands)-1][1] = y
		}
		in = btn
	}
	var buttons [][2]int
	for _, bd := range bands {
		if bd[1]-bd[0] >= 30 { // a button is about 45 px tall; a text line about 20

			buttons = append(buttons, bd)
		}
	}
	if row >= len(buttons) {
		testenv.SavePNG(t, img, filepath.Join(t.TempDir(), "panel.png"))
		t.Fatalf("the demo panel shows %d buttons at x=%d, want more than %d", len(buttons), col, row)
	}
	return col - g.Min.X, (buttons[row][0]+buttons[row][1])/2 - g.Min.Y
}

func darkPixels(img image.Image, r image.Rectangle) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if cr, g, b, _ := img.At(x, y).RGBA(); (cr+g+b)/3 < 0x6000 {
				n++
			}
		}
	}
	return n
}

// regValues reads a key's values from the prefix's system.reg (HKLM), decoding wine's \xNNNN escapes.
func regValues(t *testing.T, w *wine, key string) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(w.prefix, "system.reg"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(raw), "\n")
	var out map[string]string
	for _, l := range lines {
		if strings.HasPrefix(l, "[") {
			if out != nil {
				break
			}
			if strings.HasPrefix(strings.ToLower(l), "["+strings.ToLower(key)+"]") {
				out = map[string]string{}
			}
			continue
		}
		if out == nil || !strings.HasPrefix(l, `"`) {
			continue
		}
		k, v, ok := strings.Cut(l[1:], `"=`)
		if !ok {
			continue
		}
		if strings.HasPrefix(v, `"`) {
			v = unescapeReg(strings.TrimSuffix(v[1:], `"`))
		}
		out[k] = v
	}
	return out
}

func unescapeReg(s string) string {
	var u []uint16
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s) && s[i+1] == 'x':
			j := i + 2
			for j < len(s) && j < i+6 && strings.ContainsRune("0123456789abcdefABCDEF", rune(s[j])) {
				j++
			}
			n, _ := strconv.ParseUint(s[i+2:j], 16, 16)
			u = append(u, uint16(n))
			i = j - 1
		case s[i] == '\\' && i+1 < len(s):
			u = append(u, uint16(s[i+1]))
			i++
		default:
			u = append(u, uint16(s[i]))
		}
	}
	return string(utf16.Decode(u))
}

func utf16le(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return b
}

// verify runs osslsigncode verify against the test certificate: the chain and the digest must check out.
func verify(t *testing.T, file, caFile string) {
	t.Helper()
	bin := testenv.Need(t, "osslsigncode", "osslsigncode")
	out, err := exec.Command(bin, "verify", "-CAfile", caFile, "-in", file).CombinedOutput()
	s := string(out)
	if err != nil || !strings.Contains(s, "Signature verification: ok") {
		t.Fatalf("osslsigncode verify %s: %v\n%s", file, err, s)
	}
	var cur, calc string
	for _, l := range strings.Split(s, "\n") {
		if v, ok := strings.CutPrefix(l, "Current message digest    :"); ok {
			cur = strings.TrimSpace(v)
		}
		if v, ok := strings.CutPrefix(l, "Calculated message digest :"); ok {
			calc = strings.TrimSpace(v)
		}
	}
	if cur == "" || cur != calc {
		t.Fatalf("%s: message digest %q, calculated %q\n%s", file, cur, calc, s)
	}
}

// resources checks that an .exe carries the app's version resource (the product name in UTF-16) and the icon (PNG
// images in its resource section).
func resources(t *testing.T, file string) {
	t.Helper()
	f, err := pe.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := f.Section(".rsrc")
	if s == nil {
		t.Fatalf("%s has no resource section (no icon, no version)", file)
	}
	data, err := s.Data()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, utf16le(appName)) || !bytes.Contains(data, utf16le("FileVersion")) {
		t.Errorf("%s: no version resource naming %s", file, appName)
	}
	if bytes.Count(data, []byte("\x89PNG")) < 6 {
		t.Errorf("%s: the icon's images are missing from the resources", file)
	}
}
