package testenv

import (
	"bufio"
	"fmt"
	"image"
	"image/png"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
)

// X is a private X server (Xvfb) for one test: the keyboard wedge and the real-window GUI tests type into and
// photograph windows on it. Display is ":N"; DISPLAY is set for the test (so the test must not be parallel).
type X struct {
	Display string
	conn    *xgb.Conn
}

var xgbQuiet sync.Once

// Need fails the test, saying which Debian package to install, when the program is not on PATH (a missing real part
// is a failure, not a skip).
func Need(t testing.TB, program, debianPackage string) string {
	t.Helper()
	p, err := exec.LookPath(program)
	if err != nil {
		t.Fatalf("%s is missing: install it with `apt-get install -y %s` (or run scripts/install-deps.sh)", program, debianPackage)
	}
	return p
}

// Xvfb starts Xvfb on a free display (it picks the number itself, -displayfd), sets DISPLAY for the test and stops
// the server at cleanup.
func Xvfb(t testing.TB) *X {
	t.Helper()
	return XvfbScreen(t, "1280x800x24")
}

// XvfbScreen is Xvfb with the screen's geometry (e.g. "1280x1024x24": room for a window that is placed below the top).
func XvfbScreen(t testing.TB, screen string) *X {
	t.Helper()
	xgbQuiet.Do(func() { xgb.Logger = log.New(io.Discard, "", 0) })
	bin := Need(t, "Xvfb", "xvfb")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-displayfd", "3", "-screen", "0", screen, "-nolisten", "tcp", "-noreset")
	cmd.ExtraFiles = []*os.File{w}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start Xvfb: %v", err)
	}
	w.Close()
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	num := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(r).ReadString('\n')
		num <- strings.TrimSpace(line)
		r.Close()
	}()
	var n string
	select {
	case n = <-num:
	case <-time.After(15 * time.Second):
		t.Fatalf("Xvfb did not report its display within 15 s: %s", stderr.String())
	}
	if _, err := strconv.Atoi(n); err != nil {
		t.Fatalf("Xvfb did not start: %q %s", n, stderr.String())
	}
	x := &X{Display: ":" + n}
	t.Setenv("DISPLAY", x.Display)
	if x.conn, err = xgb.NewConnDisplay(x.Display); err != nil {
		t.Fatalf("connect to Xvfb %s: %v", x.Display, err)
	}
	t.Cleanup(x.conn.Close)
	return x
}

// Entry is a Tk text field in another process (python3-tk): it prints "GOT:<text>" when Enter is pressed in it and
// "TAB:<text>" on Tab, like a library system's card-number field would accept the number.
type Entry struct {
	Title string
	lines chan string
}

const entryPy = `import sys, tkinter as tk
root = tk.Tk()
root.title(sys.argv[1])
root.geometry("420x60+40+40")
e = tk.Entry(root, width=40, font=("TkFixedFont", 14))
e.pack(padx=8, pady=8)
e.focus_set()
def done(prefix):
    print(prefix + e.get(), flush=True)
    e.delete(0, "end")
    return "break"
e.bind("<Return>", lambda ev: done("GOT:"))
e.bind("<Tab>", lambda ev: done("TAB:"))
root.after(200, lambda: print("READY", flush=True))
root.mainloop()
`

// Entry starts the Tk target titled title on this display, waits until it is mapped and gives it the keyboard focus.
func (x *X) Entry(t testing.TB, title string) *Entry {
	t.Helper()
	py := "/usr/bin/python3" // Debian's python3 has python3-tk; a pyenv python on PATH may not
	if _, err := os.Stat(py); err != nil {
		py = Need(t, "python3", "python3 python3-tk")
	}
	script := filepath.Join(t.TempDir(), "entry.py")
	if err := os.WriteFile(script, []byte(entryPy), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, script, title)
	cmd.Env = append(os.Environ(), "DISPLAY="+x.Display)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start the Tk target: %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	e := &Entry{Title: title, lines: make(chan string, 64)}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			e.lines <- sc.Text()
		}
		close(e.lines)
	}()
	if l, ok := e.Next(15 * time.Second); !ok || l != "READY" {
		t.Fatalf("the Tk target did not start (is python3-tk installed? apt-get install -y python3-tk): %q %s", l, stderr.String())
	}
	x.Focus(t, title)
	return e
}

// Next returns the next line the target printed, or false after d.
func (e *Entry) Next(d time.Duration) (string, bool) {
	select {
	case l, ok := <-e.lines:
		return l, ok
	case <-time.After(d):
		return "", false
	}
}

// FindWindow returns the top-level window whose WM_NAME is title (searching two levels below the root).
func (x *X) FindWindow(title string) (xproto.Window, error) {
	root := xproto.Setup(x.conn).DefaultScreen(x.conn).Root
	var walk func(w xproto.Window, depth int) (xproto.Window, bool)
	walk = func(w xproto.Window, depth int) (xproto.Window, bool) {
		p, err := xproto.GetProperty(x.conn, false, w, xproto.AtomWmName, xproto.GetPropertyTypeAny, 0, 256).Reply()
		if err == nil && string(p.Value) == title {
			return w, true
		}
		if depth == 0 {
			return 0, false
		}
		tr, err := xproto.QueryTree(x.conn, w).Reply()
		if err != nil {
			return 0, false
		}
		for _, c := range tr.Children {
			if f, ok := walk(c, depth-1); ok {
				return f, true
			}
		}
		return 0, false
	}
	if w, ok := walk(root, 2); ok {
		return w, nil
	}
	return 0, fmt.Errorf("no window titled %q on %s", title, x.Display)
}

// Focus gives the keyboard focus to the window titled title (there is no window manager on Xvfb, so this is what
// clicking into the library system's field amounts to). It waits up to 10 s for the window to be mapped.
func (x *X) Focus(t testing.TB, title string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		w, err := x.FindWindow(title)
		if err == nil {
			a, aerr := xproto.GetWindowAttributes(x.conn, w).Reply()
			if aerr == nil && a.MapState == xproto.MapStateViewable {
				if err := xproto.SetInputFocusChecked(x.conn, xproto.InputFocusParent, w, xproto.TimeCurrentTime).Check(); err != nil {
					t.Fatalf("focus %q: %v", title, err)
				}
				f, ferr := xproto.GetInputFocus(x.conn).Reply()
				if ferr == nil && f.Focus == w {
					return
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("could not focus the window %q on %s: %v", title, x.Display, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Screenshot grabs the whole screen as an RGBA image (pure Go: GetImage on the root window).
func (x *X) Screenshot(t testing.TB) *image.RGBA {
	t.Helper()
	scr := xproto.Setup(x.conn).DefaultScreen(x.conn)
	w, h := scr.WidthInPixels, scr.HeightInPixels
	img := image.NewRGBA(image.Rect(0, 0, int(w), int(h)))
	// GetImage replies are limited in size; fetch in bands.
	const band = 100
	for y := 0; y < int(h); y += band {
		bh := min(band, int(h)-y)
		rep, err := xproto.GetImage(x.conn, xproto.ImageFormatZPixmap, xproto.Drawable(scr.Root), 0, int16(y), w, uint16(bh), 0xffffffff).Reply()
		if err != nil {
			t.Fatalf("screenshot: %v", err)
		}
		if len(rep.Data) < int(w)*bh*4 {
			t.Fatalf("screenshot: %d bytes for a %dx%d band: not a 24/32-bit screen", len(rep.Data), w, bh)
		}
		for i := 0; i < int(w)*bh; i++ { // BGRX
			o := (y*int(w) + i) * 4
			img.Pix[o], img.Pix[o+1], img.Pix[o+2], img.Pix[o+3] = rep.Data[i*4+2], rep.Data[i*4+1], rep.Data[i*4], 0xff
		}
	}
	return img
}

// SavePNG writes img to path (creating its directory).
func SavePNG(t testing.TB, img image.Image, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}

// Zbarimg decodes the barcodes in an image file with zbarimg (zbar-tools) and returns them as zbar prints them
// ("Codabar:A180000000011A", "CODE-128:180000000011"). No symbol found is an empty slice, not a failure.
func Zbarimg(t testing.TB, path string, args ...string) []string {
	t.Helper()
	bin := Need(t, "zbarimg", "zbar-tools")
	out, err := exec.Command(bin, append([]string{"--nodbus", "-q"}, append(args, path)...)...).Output()
	if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 4 {
		return []string{}
	} else if err != nil {
		t.Fatalf("zbarimg %s: %v", path, err)
	}
	var syms []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if l != "" {
			syms = append(syms, l)
		}
	}
	return syms
}

// ZbarImage writes img to a temporary PNG and decodes it with Zbarimg.
func ZbarImage(t testing.TB, img image.Image, args ...string) []string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "zbar.png")
	SavePNG(t, img, p)
	return Zbarimg(t, p, args...)
}
