//go:build wine

package wintest

import (
	"bytes"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mykeyterm/mykeyterm/internal/testenv"
)

// The counter PC's whole life under wine, in one prefix: MKSSetup.exe /S, the installed program in demo mode (the
// library flow with the virtual-card panel up to screen 26 with its label printed through the Windows spooler, wine's
// printing, CUPS and cups-pdf; the keyboard wedge typing into another Windows program; a point use of 500 with its
// receipt printed the same way; a second start), then the silent uninstall.
func TestWine_MKSSetupInstallsTheCounterSoftwareRunsItsFlowsAndUninstalls(t *testing.T) {
	root := repo(t)
	inst := filepath.Join(root, installer)
	if _, err := os.Stat(inst); err != nil {
		t.Fatalf("%s is missing: build it with `make test-windows` (or OUT=dist/test TAGS=demo NAME=MKSSetup-demo.exe scripts/build-windows.sh)", installer)
	}
	ca := filepath.Join(root, testCert)
	verify(t, inst, ca)
	if st, _ := os.Stat(inst); st != nil {
		t.Logf("installer size: %d bytes (%.1f MB)", st.Size(), float64(st.Size())/(1<<20))
	}
	x := testenv.Xvfb(t)
	testenv.Cupsd(t) // before the prefix's programs print: wine's spooler finds the CUPS queues through cupsd
	w := newWine(t, x.Display)

	// The ILS stand-in for the keyboard wedge: a Win32 edit control in another program.
	ilsExe := filepath.Join(w.logs, "wedgetarget.exe")
	build := exec.Command("go", "build", "-o", ilsExe, "./internal/wintest/testdata/wedgetarget")
	build.Dir, build.Env = root, append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the wedge target: %v\n%s", err, out)
	}

	t.Run("install", func(t *testing.T) {
		t0 := time.Now()
		if out, err := w.cmd(5*time.Minute, wineBin, inst, "/S"); err != nil {
			t.Fatalf("MKSSetup-demo.exe /S: %v\n%s", err, out)
		}
		w.waitIdle()
		t.Logf("silent install under wine: %v", time.Since(t0).Round(100*time.Millisecond))
		dir := w.drive("Program Files/MyKeyTerm")
		for _, f := range []string{"mykeyterm.exe", "mykeyterm-cli.exe", "Uninstall.exe"} {
			p := filepath.Join(dir, f)
			if _, err := os.Stat(p); err != nil {
				t.Fatalf("not installed: %v", err)
			}
			verify(t, p, ca)
		}
		resources(t, filepath.Join(dir, "mykeyterm.exe"))
		resources(t, filepath.Join(dir, "mykeyterm-cli.exe"))
		for _, lnk := range []string{
			w.drive("users/Public/Desktop/" + appName + ".lnk"),
			w.drive("ProgramData/Microsoft/Windows/Start Menu/Programs/" + appName + "/" + appName + ".lnk"),
		} {
			b, err := os.ReadFile(lnk)
			if err != nil {
				t.Fatalf("shortcut missing: %v", err)
			}
			if !bytes.Contains(b, []byte("mykeyterm.exe")) && !bytes.Contains(b, utf16le("mykeyterm.exe")) {
				t.Errorf("%s does not point at mykeyterm.exe", lnk)
			}
		}
		reg := regValues(t, w, uninstKey)
		if reg == nil {
			t.Fatalf("no uninstall entry HKLM\\%s", uninstKey)
		}
		size, _ := strconv.ParseUint(strings.TrimPrefix(reg["EstimatedSize"], "dword:"), 16, 32)
		if reg["DisplayName"] != appName || reg["DisplayVersion"] == "" || reg["Publisher"] == "" || size < 1024 ||
			!strings.Contains(reg["UninstallString"], `Uninstall.exe`) || !strings.Contains(reg["QuietUninstallString"], "/S") {
			t.Errorf("uninstall entry: %q", reg)
		}
	})
	if t.Failed() {
		return
	}

	// The per-machine state folder, DPAPI and the fingerprint: the installed CLI enrolls with a platform on this
	// machine's loopback and then authenticates (unprotecting the device key, checking the fingerprint).
	t.Run("cli_enrolls_into_the_programdata_state_folder", func(t *testing.T) {
		p := testenv.Platform(t)
		cli := `C:\Program Files\MyKeyTerm\mykeyterm-cli.exe`
		if out, err := w.cmd(2*time.Minute, wineBin, cli, "enroll", "--platform", p.URL, "--terminal-id", "00052489", "--password", "8912k41a"); err != nil {
			t.Fatalf("mykeyterm-cli enroll: %v\n%s", err, out)
		}
		out, err := w.cmd(2*time.Minute, wineBin, cli, "terminal")
		if err != nil || !strings.Contains(out, "00052489") {
			t.Fatalf("mykeyterm-cli terminal (a token signed with the DPAPI-protected key): %v\n%s", err, out)
		}
		if _, err := os.Stat(w.drive("ProgramData/mykeyterm/terminal.db")); err != nil {
			t.Fatalf("the state is not in %%ProgramData%%\\mykeyterm: %v", err)
		}
	})

	t.Run("screen26_label_through_the_windows_spooler_and_a_second_start", func(t *testing.T) {
		a, took := w.startApp(t, x, "--demo", "--demo-ready", "--demo-mode", "label", "--demo-printer", winPrinter)
		t.Logf("installed exe start to window under wine: %v", took.Round(10*time.Millisecond))
		menu := a.x.Screenshot(t) // the kept screenshots come from the release build (winscard_test.go)
		if n := darkPixels(menu, geometry(t, a.win)); n < 2000 {
			t.Fatalf("the window is nearly blank (%d dark pixels): no text rendered", n)
		}
		a.tapCard(0) // 山田（図書館カード登録済み）
		a.key("F2")  // menu 22 → screen 25
		a.key("F5")  // read the card → screen 26
		s26 := a.x.Screenshot(t)
		if d := changedPixels(menu, s26, image.Rect(0, 60, 860, 560)); d < 5000 {
			t.Fatalf("the screen did not change after reading the card (%d pixels differ): screen 26 not reached", d)
		}

		// [印刷] (F9): the label goes GDI → wine's winspool and PostScript driver → CUPS → cups-pdf.
		since := time.Now().Add(-time.Second)
		a.key("F9")
		pdf := spooledPDF(t, "label", since, 2*time.Minute)
		t.Logf("label printed through wine's spooler in %v", time.Since(since).Round(100*time.Millisecond))
		if info := pdfInfo(t, pdf); !strings.Contains(info, "Wine PostScript Driver") {
			t.Errorf("the label PDF did not come from wine's PostScript driver (the Windows spooler path):\n%s", info)
		}
		syms := testenv.Zbarimg(t, testenv.Rasterize(t, pdf, 300))
		if !strings.Contains(strings.Join(syms, " "), "180000000011") {
			t.Fatalf("zbarimg found %q on the label printed through the Windows spooler, want the card number 180000000011", syms)
		}

		// A second start (the desktop icon clicked again) brings this window forward and ends at once.
		ils := w.start(t, ilsExe, filepath.Join(w.logs, "ils-unused.txt"))
		other := waitWindow(t, "ILS card number", ils, 30*time.Second)
		xdo(t, "windowfocus", "--sync", other)
		second := w.start(t, `C:\Program Files\MyKeyTerm\mykeyterm.exe`, "--demo")
		if code := second.exited(60 * time.Second); code != 0 {
			t.Fatalf("the second start: exit code %d, want 0 (it should hand over to the running one)\n%s", code, second.output())
		}
		if n := len(windows(appName)); n != 1 {
			t.Fatalf("%d windows of the app after a second start, want 1", n)
		}
		// Which window then has the X focus is not asserted here: wine without a window manager does not move the X
		// focus on SetForegroundWindow (the Linux real-window test asserts the focus for the Linux build).
		_ = ils.cmd.Process.Kill()
		a.close()
	})

	// ID自動引渡し方式 (keyboard wedge): screen 26 waits while the app has the focus; the clerk clicks into the library
	// system's field and the number and Enter arrive there (SendInput) and are read back from the other program.
	t.Run("screen26_keyboard_wedge_into_another_windows_program", func(t *testing.T) {
		wedgeIntoILS(t, w, x, ilsExe, filepath.Join(w.logs, "ils-wedge.txt"))
	})

	// Screens 28-31: the point-use terminal logs in, uses 500 points of yamada's card and prints the receipt through
	// the Windows spooler.
	t.Run("screens29_to_31_use_500_points_and_print_the_receipt", func(t *testing.T) {
		a, _ := w.startApp(t, x, "--demo", "--demo-ready", "--demo-terminal", "00052589", "--demo-printer", winPrinter)
		a.key("F4") // menu 22 → screen 2 (the login ID is the terminal ID, prefilled)
		a.typeText("15ad3z09a")
		a.key("Return")
		time.Sleep(time.Second)
		a.settle()
		a.tapCard(0)      // 山田 on the reader
		a.key("F1", "F2") // ポイント利用, カード読取
		time.Sleep(2 * time.Second)
		a.settle()
		a.typeText("500") // the points field has the focus after the card was read
		a.key("F5")       // 確認
		a.key("F5")       // 利用
		time.Sleep(time.Second)
		a.settle()
		since := time.Now().Add(-time.Second)
		a.key("F9") // レシート印字
		pdf := spooledPDF(t, "", since, 2*time.Minute)
		info := pdfInfo(t, pdf)
		if !strings.Contains(info, "Wine PostScript Driver") {
			t.Errorf("the receipt PDF did not come from wine's PostScript driver (the Windows spooler path):\n%s", info)
		}
		checkUseReceipt(t, rasterGray(t, pdf, 300), 300, 500, 9500)
		a.close()
	})

	t.Run("uninstall", func(t *testing.T) {
		t0 := time.Now()
		if out, err := w.cmd(3*time.Minute, wineBin, `C:\Program Files\MyKeyTerm\Uninstall.exe`, "/S"); err != nil {
			t.Fatalf("Uninstall.exe /S: %v\n%s", err, out)
		}
		// The uninstaller runs on from a copy in %TEMP% after Uninstall.exe returned: wait for its work to show.
		for deadline := time.Now().Add(3 * time.Minute); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
			if _, err := os.Stat(w.drive("Program Files/MyKeyTerm")); err != nil {
				break
			}
		}
		if out, err := w.cmd(2*time.Minute, wineSrv, "-w"); err != nil {
			t.Fatalf("wineserver -w after the uninstall: %v\n%s", err, out)
		}
		t.Logf("silent uninstall under wine: %v", time.Since(t0).Round(100*time.Millisecond))
		ents, _ := os.ReadDir(w.drive("Program Files"))
		for _, e := range ents {
			if strings.EqualFold(e.Name(), "MyKeyTerm") {
				left, _ := filepath.Glob(filepath.Join(w.drive("Program Files"), e.Name(), "*"))
				t.Errorf("uninstall left Program Files\\%s: %q", e.Name(), left)
			}
		}
		for _, p := range []string{
			w.drive("users/Public/Desktop/" + appName + ".lnk"),
			w.drive("ProgramData/Microsoft/Windows/Start Menu/Programs/" + appName),
		} {
			if _, err := os.Stat(p); err == nil {
				t.Errorf("uninstall left %s", p)
			}
		}
		if reg := regValues(t, w, uninstKey); reg != nil {
			t.Errorf("uninstall left the uninstall entry: %q", reg)
		}
		if _, err := os.Stat(w.drive("ProgramData/mykeyterm")); err != nil {
			t.Errorf("the terminal's state folder should stay (it binds the PC to its terminal ID): %v", err)
		}
	})
}

// changedPixels counts the pixels of r that differ between two screenshots.
func changedPixels(a, b *image.RGBA, r image.Rectangle) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if a.RGBAAt(x, y) != b.RGBAAt(x, y) {
				n++
			}
		}
	}
	return n
}

// wedgeIntoILS is the demo app's keyboard wedge on screen 26: the ILS stand-in (ilsExe, writing its field to got) and
// the app started, yamada's card looked up, F5 while the app has the focus (nothing may arrive), then the clerk's
// click into the ILS's field; the number and Enter must arrive there exactly once.
func wedgeIntoILS(t *testing.T, w *wine, x *testenv.X, ilsExe, got string) {
	t.Helper()
	ils := w.start(t, ilsExe, got)
	defer func() { _ = ils.cmd.Process.Kill() }()
	ilsWin := waitWindow(t, "ILS card number", ils, 30*time.Second)
	a, _ := w.startApp(t, x, "--demo", "--demo-ready", "--demo-mode", "wedge")
	defer func() {
		if t.Failed() { // a.close below did not run: the next program's window must not meet this one
			_ = a.p.cmd.Process.Kill()
		}
	}()
	a.tapCard(0) // 山田
	a.key("F2")
	a.key("F5") // screen 26: the app has the focus, so the number waits for the click into the ILS
	// The clerk clicks once the screen asks for it: the wedge waits for the app to be in the background (its stacks,
	// stacks.go); a key of the steps above lost on a loaded machine shows here, not as an empty ILS later.
	var state string
	for deadline := time.Now().Add(time.Minute); !strings.Contains(state, ").waitBackground(") && time.Now().Before(deadline); {
		state = a.p.dump(30 * time.Second)
	}
	if !strings.Contains(state, ").waitBackground(") {
		t.Fatalf("screen 26's wedge is not waiting for the click into the ILS after 山田, F2, F5; the app's state:\n%s", state)
	}
	if b, _ := os.ReadFile(got); len(b) > 0 {
		t.Fatalf("the ILS field received %q before the clerk clicked into it", b)
	}
	t0 := time.Now()
	clickInto(t, ilsWin)
	var b []byte
	var waiting string // the app's state while nothing has arrived (its wedge gives up after 60 s)
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if b, _ = os.ReadFile(got); strings.Contains(string(b), "\n") {
			break
		}
		if waiting == "" && time.Since(t0) > 20*time.Second {
			waiting = a.p.dump(30 * time.Second)
		}
	}
	if string(b) != "180000000011\r\n" {
		a.screenshot("windows_wine_screen26_wedge_failed")
		events, _ := os.ReadFile(got + ".log")
		t.Fatalf("the ILS's edit control holds %q, want the card number and Enter (\"180000000011\\r\\n\"); the ILS's events:\n%s\nthe app's log:\n%s\nthe app's state 20 s after the click:\n%s", b, events, a.p.output(), waiting)
	}
	t.Logf("wedge: number and Enter in the other program %v after the click", time.Since(t0).Round(10*time.Millisecond))
	_ = ils.cmd.Process.Kill()
	a.close()
}
