//go:build wine

package wintest

import (
	"bytes"
	"image"
	_ "image/png"
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
// library flow with the virtual-card panel: label printed through the Windows spooler, a second start, the keyboard
// wedge into another Windows program; a point use of 500 with its receipt), then the silent uninstall.
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
	cups := testenv.Cupsd(t) // before wine starts: wine lists the CUPS queues as Windows printers
	x := testenv.Xvfb(t)
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

	printer := "windows:" + cups.PDFQueue
	t.Run("screen26_label_printed_through_the_windows_spooler", func(t *testing.T) {
		a, took := w.startApp(t, x, "--demo", "--demo-ready", "--demo-mode", "label", "--demo-printer", printer)
		t.Logf("installed exe start to window under wine: %v", took.Round(10*time.Millisecond))
		img := a.screenshot("windows_wine_screen22_menu")
		if n := darkPixels(img, geometry(t, a.win)); n < 2000 {
			t.Fatalf("the window is nearly blank (%d dark pixels): no text rendered", n)
		}
		a.tapCard(0) // 山田（図書館カード登録済み）
		a.key("F2")  // menu 22 → screen 25
		a.key("F5")  // read the card → screen 26
		a.screenshot("windows_wine_screen26_label")
		since := time.Now()
		a.key("F9") // 印刷
		pdf := cups.NewPDF(t, since, 60*time.Second)
		codes := testenv.Zbarimg(t, testenv.Rasterize(t, pdf, 300))
		if !strings.Contains(strings.Join(codes, " "), "180000000011") {
			t.Fatalf("zbarimg on the printed label: %q, want the card number 180000000011", codes)
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
		if focus := xdo(t, "getwindowfocus"); focus != a.win {
			t.Errorf("after the second start the keyboard focus is on window %s, want the app's %s", focus, a.win)
		}
		_ = ils.cmd.Process.Kill()
		a.close()
	})

	t.Run("screen26_wedge_types_into_another_windows_program", func(t *testing.T) {
		out := filepath.Join(w.logs, "ils.txt")
		ils := w.start(t, ilsExe, out)
		other := waitWindow(t, "ILS card number", ils, 30*time.Second)
		a, _ := w.startApp(t, x, "--demo", "--demo-ready", "--demo-mode", "wedge")
		a.tapCard(0)
		a.key("F2", "F5") // screen 26 waits: the app has the focus
		xdo(t, "windowfocus", "--sync", other)
		g := geometry(t, other)
		xdo(t, "mousemove", strconv.Itoa(g.Min.X+60), strconv.Itoa(g.Min.Y+40))
		xdo(t, "click", "1") // the clerk clicks into the library system's field
		var got string
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
			b, _ := os.ReadFile(out)
			if got = string(b); strings.HasSuffix(got, "\r\n") {
				break
			}
		}
		if got != "180000000011\r\n" {
			t.Fatalf("the Win32 edit control got %q, want the number and Enter", got)
		}
		a.screenshot("windows_wine_screen26_wedge")
		_ = ils.cmd.Process.Kill()
		a.close()
	})

	t.Run("screen31_point_use_500_receipt_printed", func(t *testing.T) {
		a, _ := w.startApp(t, x, "--demo", "--demo-ready", "--demo-terminal", "00052589", "--demo-printer", printer)
		a.tapCard(0)
		a.key("F4") // menu 22 → screen 2 (the login ID is the terminal ID, prefilled)
		a.typeText("15ad3z09a")
		a.key("Return")
		a.key("F1", "F2") // ポイント利用, カード読取
		a.typeText("500")
		a.key("F5") // 確認
		a.key("F5") // 利用
		img := a.screenshot("windows_wine_screen31_pointuse")
		_ = img
		since := time.Now()
		a.key("F6") // レシート印字
		pdf := cups.NewPDF(t, since, 60*time.Second)
		page, err := decodePNG(testenv.Rasterize(t, pdf, 150))
		if err != nil {
			t.Fatal(err)
		}
		if n := darkPixels(page, page.Bounds()); n < 3000 {
			t.Fatalf("the printed receipt is nearly blank (%d dark pixels)", n)
		}
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

func decodePNG(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	return img, err
}
