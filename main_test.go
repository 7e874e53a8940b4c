//go:build demo

package main

import (
	"bytes"
	"fmt"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/widget"

	"github.com/mykeyterm/mykeyterm/app"
	"github.com/mykeyterm/mykeyterm/handoff"
	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/platform"
)

// The real-window tests run this test binary as the app (TestMain below) under Xvfb, with the demo platform embedded
// and the virtual card served through the real pcscd (vpcd), so the app reads it exactly like a real reader.

func TestMain(m *testing.M) {
	switch os.Getenv("MYKEYTERM_TEST_APP") { // the child: be mykeyterm (Fyne needs the main thread: TestMain has it)
	case "1":
		os.Args = append([]string{"mykeyterm"}, strings.Fields(os.Getenv("MYKEYTERM_TEST_ARGS"))...)
		probeTo(os.Getenv("MYKEYTERM_TEST_EVENTS"))
		main()
		os.Exit(0)
	case "bare": // the cold-start baseline: a bare Fyne window with the same embedded font
		a := fyneapp.NewWithID("jp.mykeyterm.bare")
		a.Settings().SetTheme(app.NewTheme(1.25))
		w := a.NewWindow(app.AppName)
		w.SetContent(widget.NewLabel(app.AppName))
		w.Resize(app.WindowSize)
		w.ShowAndRun()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

type appUnderTest struct {
	t      *testing.T
	x      *testenv.X
	out    *bytes.Buffer
	events string // the app's probe lines (app.Probe), one an event
}

func startApp(t *testing.T, x *testenv.X, args ...string) *appUnderTest {
	t.Helper()
	return startAppEnv(t, x, []string{"MYKEYTERM_DEMO_READER=pcsc"}, args...)
}

func startAppEnv(t *testing.T, x *testenv.X, env []string, args ...string) *appUnderTest {
	t.Helper()
	out := &bytes.Buffer{}
	events := filepath.Join(t.TempDir(), "events")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	// TMPDIR: the demo world's folder (mykeyterm-demo-*) lands in t's own temporary directory, removed after the kill
	// below, which leaves the app no chance to remove it itself.
	cmd.Env = append(os.Environ(), "MYKEYTERM_TEST_APP=1", "MYKEYTERM_TEST_ARGS="+strings.Join(args, " "),
		"DISPLAY="+x.Display, "LANG=ja_JP.UTF-8", "HOME="+t.TempDir(), "TMPDIR="+t.TempDir(), "MYKEYTERM_TEST_EVENTS="+events)
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("app output:\n%s", out)
		}
	})
	a := &appUnderTest{t: t, x: x, out: out, events: events}
	deadline := time.Now().Add(60 * time.Second)
	for {
		if a.window() != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the app window did not appear; output:\n%s", out)
		}
		time.Sleep(100 * time.Millisecond)
	}
	a.waitEvent(0, func(ev string) bool { return strings.HasPrefix(ev, "show ") }) // the first screen is on
	a.waitIdle()
	return a
}

// window is the app's visible top-level window id. The title is Japanese, so X stores WM_NAME as COMPOUND_TEXT;
// xdotool matches _NET_WM_NAME (UTF-8).
func (a *appUnderTest) window() string {
	out, err := exec.Command(testenv.Need(a.t, "xdotool", "xdotool"), "search", "--onlyvisible", "--name", "^"+app.AppName+"$").Output()
	if err != nil {
		return ""
	}
	ids := strings.Fields(string(out))
	if len(ids) == 0 {
		return ""
	}
	return ids[len(ids)-1]
}

// focus gives the app's window the keyboard focus (no window manager on Xvfb: this is the clerk clicking on it).
func (a *appUnderTest) focus() {
	a.t.Helper()
	if out, err := exec.Command("xdotool", "windowfocus", "--sync", a.window()).CombinedOutput(); err != nil {
		a.t.Fatalf("xdotool windowfocus: %v %s", err, out)
	}
}

// key presses keys in the app's window (XTEST through xdotool, as a clerk would), each when the app has handled the
// one before: the key reached the screen (its "key" probe line) and the work it started is done ("idle"). X delivers
// the keys in order, so text typed before a key has reached its field by then.
func (a *appUnderTest) key(keys ...string) {
	a.t.Helper()
	a.focus()
	for _, k := range keys {
		since := a.mark()
		if out, err := exec.Command(testenv.Need(a.t, "xdotool", "xdotool"), "key", "--delay", "50", k).CombinedOutput(); err != nil {
			a.t.Fatalf("xdotool key %s: %v %s", k, err, out)
		}
		a.waitEvent(since, func(ev string) bool { return ev == "key "+k })
		a.waitIdle()
	}
}

func (a *appUnderTest) screenshot(name string) image.Image {
	img := a.x.Screenshot(a.t)
	dir := os.Getenv("MYKEYTERM_SCREENS_DIR") // docs/app.md: MYKEYTERM_SCREENS_DIR=$PWD/docs/screens refreshes the screenshots
	if dir == "" {
		dir = a.t.TempDir()
	}
	testenv.SavePNG(a.t, img, filepath.Join(dir, name+".png"))
	return img
}

// demoHandoff is the demo library's barcode settings as the reference platform seeds them.
func demoHandoff(t *testing.T) string {
	t.Helper()
	s, err := platform.Open(filepath.Join(t.TempDir(), "p.db"), platform.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.SeedDemo(); err != nil {
		t.Fatal(err)
	}
	is, err := s.Issuer(app.DemoIssuer)
	if err != nil || is == nil {
		t.Fatalf("demo issuer: %v", err)
	}
	text, err := handoff.Encode("180000000011", is.Handoff)
	if err != nil {
		t.Fatal(err)
	}
	return text
}

func TestRealWindow_Screen26BarcodeCutOutDecodesToTheCardNumber(t *testing.T) {
	want := "Codabar:" + demoHandoff(t)
	x := testenv.Xvfb(t)
	pc := testenv.PCSCD(t)
	a := startApp(t, x, "--demo", "--demo-ready", "--demo-mode", "barcode")
	a.screenshot("screen22_menu")
	a.key("F1") // サービスIDの登録
	a.screenshot("screen23_register")
	a.key("Escape") // 戻る: back to the menu, from inside the number field
	pc.InsertVirtual(t, "yamada", 0)
	a.key("F2")
	a.screenshot("screen25_lookup")
	a.key("F5")
	var got []string
	var img image.Image
	for i, deadline := 0, time.Now().Add(probeWait); time.Now().Before(deadline); i++ {
		time.Sleep(500 * time.Millisecond)
		if i > 0 && i%8 == 0 { // a slow machine may have missed a key: F2 then F5 is harmless on 22, 25 and 26
			a.key("F2", "F5")
		}
		img = a.screenshot("screen26_barcode")
		if box, ok := testenv.BarcodeBox(img); ok {
			cut := img.(interface {
				SubImage(image.Rectangle) image.Image
			}).SubImage(box)
			if got = testenv.ZbarImage(t, cut); len(got) > 0 {
				break
			}
		}
	}
	if len(got) != 1 || got[0] != want {
		t.Fatalf("zbarimg on the cut-out barcode: %q, want %q", got, want)
	}
}

func TestRealWindow_WedgeTypesTheNumberIntoAnotherProgramsField(t *testing.T) {
	x := testenv.Xvfb(t)
	pc := testenv.PCSCD(t)
	ils := x.Entry(t, "ILS card number")
	a := startApp(t, x, "--demo", "--demo-ready", "--demo-mode", "wedge")
	a.key("F2", "F6") // screen 25, continuous lookup on
	a.screenshot("screen25_continuous")
	x.Focus(t, ils.Title) // the clerk clicks into the library system's field and stays there
	pc.InsertVirtual(t, "yamada", 0)
	line, ok := ils.Next(probeWait)
	if !ok || line != "GOT:180000000011" {
		t.Fatalf("the library system's field got %q (ok=%v), want GOT:180000000011", line, ok)
	}
	time.Sleep(time.Second) // let the screen say it typed
	a.screenshot("screen26_wedge")
}

func TestNoDisplay_SaysHowToRunAndExitsZero(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "MYKEYTERM_TEST_APP=1", "MYKEYTERM_TEST_ARGS=--demo", "DISPLAY=", "WAYLAND_DISPLAY=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("exit: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "xvfb-run") {
		t.Errorf("output does not say how to run it:\n%s", out)
	}
}

// BenchmarkGUIColdStart measures process start to the window on screen (mapped), and the resident memory 3 s after
// start, for mykeyterm (a fresh terminal: screen 9, PC/SC opened) against a bare Fyne window with the same embedded
// font (the baseline), in the same run on the same Xvfb.
func BenchmarkGUIColdStart(b *testing.B) {
	x := testenv.Xvfb(b)
	for _, c := range []struct{ name, mode, args string }{
		{"bare-fyne", "bare", ""},
		{"mykeyterm", "1", "--data-dir " + b.TempDir()},
	} {
		b.Run(c.name, func(b *testing.B) {
			var starts []time.Duration
			var rss []float64
			for i := 0; i < b.N; i++ {
				cmd := exec.Command(os.Args[0], "-test.run=^$")
				cmd.Env = append(os.Environ(), "MYKEYTERM_TEST_APP="+c.mode, "MYKEYTERM_TEST_ARGS="+c.args, "DISPLAY="+x.Display,
					"LANG=ja_JP.UTF-8", "HOME="+b.TempDir())
				t0 := time.Now()
				if err := cmd.Start(); err != nil {
					b.Fatal(err)
				}
				for {
					out, _ := exec.Command("xdotool", "search", "--onlyvisible", "--pid", strconv.Itoa(cmd.Process.Pid), "--name", ".").Output()
					if len(strings.TrimSpace(string(out))) > 0 {
						break
					}
					if time.Since(t0) > 30*time.Second {
						b.Fatal("no window in 30 s")
					}
					time.Sleep(5 * time.Millisecond)
				}
				starts = append(starts, time.Since(t0))
				time.Sleep(3*time.Second - time.Since(t0))
				rss = append(rss, rssMB(b, cmd.Process.Pid))
				_ = cmd.Process.Kill()
				_ = cmd.Wait()
			}
			b.ReportMetric(float64(median(starts))/1e6, "ms/start")
			sort.Float64s(rss)
			b.ReportMetric(rss[len(rss)/2], "MB-RSS")
			b.ReportMetric(0, "ns/op")
		})
	}
}

func rssMB(b *testing.B, pid int) float64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, l := range strings.Split(string(raw), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.Atoi(f[1])
			return float64(kb) / 1024
		}
	}
	b.Fatal("no VmRSS")
	return 0
}

func median(d []time.Duration) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

// TestRealWindow_FirstStartEnrollsThroughScreen9 types the demo roster's terminal ID and password into screen 9 of the
// real window (XTEST) and gets screen 10 from the embedded platform.
func TestRealWindow_FirstStartEnrollsThroughScreen9(t *testing.T) {
	x := testenv.Xvfb(t)
	a := startAppEnv(t, x, []string{"MYKEYTERM_DEMO_READER=virtual"}, "--demo") // with the demo's virtual-card panel
	a.screenshot("screen09_register_terminal")
	a.focus()
	xdo := testenv.Need(t, "xdotool", "xdotool")
	for _, args := range [][]string{{"type", "--delay", "30", "00052489"}, {"key", "Return"}, {"type", "--delay", "30", "8912k41a"}, {"key", "Return"}} {
		if out, err := exec.Command(xdo, args...).CombinedOutput(); err != nil {
			t.Fatalf("xdotool %v: %v %s", args, err, out)
		}
	}
	// Screen 10's issuer pull-down lists the platform's issuers; the demo library is preselected. Its screenshot shows
	// the terminal ID in the header, which only an enrolled terminal has.
	var dark int
	for deadline := time.Now().Add(probeWait); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		if dark = darkPixels(a.x.Screenshot(t), image.Rect(600, 0, 1100, 50)); dark >= 50 { // right of the app's name
			break
		}
	}
	if dark < 50 {
		t.Errorf("no 端末ID in the header after enrolling (%d dark pixels); app output:\n%s", dark, a.out)
	}
	a.waitScreen(0, "screen10")
	a.waitIdle() // the issuer pull-down is filled
	a.screenshot("screen10_register_contact")
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
