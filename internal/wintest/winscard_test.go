//go:build wine

package wintest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ebfe/scard"
	"go.etcd.io/bbolt"

	"github.com/mykeyterm/mykeyterm/cardio/vcard"
	"github.com/mykeyterm/mykeyterm/handoff"
	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform"
	"github.com/mykeyterm/mykeyterm/platformclient"
)

// The release installer (`make windows`: no demo mode) and the certificate of its throw-away test signature.
const (
	releaseInstaller = "dist/MKSSetup.exe"
	releaseCert      = "dist/test-cert/cert.pem"
	installedCLI     = `C:\Program Files\MyKeyTerm\mykeyterm-cli.exe`
	installedGUI     = `C:\Program Files\MyKeyTerm\mykeyterm.exe`
	libraryTerminal  = "00052489" // the demo roster's library terminal (川崎市立図書館)
)

// The counter PC as it is rolled out: the release MKSSetup.exe installed silently into a fresh prefix of the tests'
// wine tree, whose winscard.dll forwards to pcsclite, so the installed program reads the virtual My Number Cards that
// vpcd serves through the real pcscd, exactly as the Linux build does; the platform is a reference server on this
// machine's loopback. The terminal is registered (screens 9 and 10) with the installed CLI on the same state folder
// (%ProgramData%\mykeyterm); the GUI then does the library lookups of yamada in each hand-off mode.
func TestWine_ReleaseInstallerLooksCardsUpThroughWinSCardAndPCSCD(t *testing.T) {
	root := repo(t)
	inst := filepath.Join(root, releaseInstaller)
	if _, err := os.Stat(inst); err != nil {
		t.Fatalf("%s is missing: build it with `make windows` (make test-windows does)", releaseInstaller)
	}
	verify(t, inst, filepath.Join(root, releaseCert))
	x := testenv.XvfbScreen(t, "1280x1024x24") // the window sits below the top edge: room for all of it
	testenv.Cupsd(t)
	pc := testenv.PCSCD(t)
	w := newWine(t, x.Display)
	p := testenv.Platform(t)
	// The municipality's private CA, pinned with the platform URL by the installer (the platform here is plain HTTP on
	// loopback, so the CA is only compared, never used for TLS).
	caPEM := writeCA(t, w.drive("mykeyterm-ca/municipal.pem"), "municipal CA")
	t0 := time.Now()
	if out, err := w.cmd(5*time.Minute, wineBin, inst, "/S", "/PLATFORM="+p.URL, `/PLATFORMCA=C:\mykeyterm-ca\municipal.pem`); err != nil {
		t.Fatalf("MKSSetup.exe /S /PLATFORM= /PLATFORMCA=: %v\n%s", err, out)
	}
	w.waitIdle()
	t.Logf("release installer: silent install under wine %v", time.Since(t0).Round(100*time.Millisecond))
	if _, err := os.Stat(w.drive("Program Files/MyKeyTerm/mykeyterm.exe")); err != nil {
		t.Fatalf("not installed: %v", err)
	}
	// The installer's elevated step (mykeyterm-cli.exe state-folder) made the state folder and its state file.
	if _, err := os.Stat(w.drive("ProgramData/mykeyterm/terminal.db")); err != nil {
		t.Fatalf("the installer did not prepare the state folder %%ProgramData%%\\mykeyterm: %v", err)
	}

	// The Windows build's security descriptors (the state folder's and the single-instance mutex's access lists),
	// unit-tested with Windows' own SDDL and ACL functions in this prefix.
	t.Run("windows_unit_tests_of_the_security_descriptors", func(t *testing.T) {
		for _, pkg := range []string{"./internal/single", "./internal/wintest/winunit"} {
			exe := filepath.Join(w.logs, filepath.Base(pkg)+".test.exe")
			build := exec.Command("go", "test", "-c", "-o", exe, pkg)
			build.Dir, build.Env = root, append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
			if out, err := build.CombinedOutput(); err != nil {
				t.Fatalf("build %s's tests for Windows: %v\n%s", pkg, err, out)
			}
			out, err := w.cmd(2*time.Minute, wineBin, exe, "-test.v", "-test.run", "TestSecurity_")
			if err != nil || !strings.Contains(out, "--- PASS") || strings.Contains(out, "--- FAIL") {
				t.Fatalf("%s's Windows tests under wine: %v\n%s", pkg, err, out)
			}
			t.Logf("%s under wine:\n%s", pkg, out)
		}
	})

	dt, _ := platform.DemoTerminalByID(libraryTerminal)
	apdus := 0 // APDUs the virtual cards answered: they reach vpcd only through pcscd

	// The installer (elevated) pinned the platform URL and the CA in HKLM, where only administrators write, before
	// anyone enrolled.
	w.waitIdle() // wineserver writes the registry files when it ends
	sum := sha256.Sum256([]byte(`c:\programdata\mykeyterm`))
	pin := regValues(t, w, `Software\\mykeyterm\\StateFolders\\`+hex.EncodeToString(sum[:8]))
	caSum := sha256.Sum256(caPEM)
	if pin == nil || pin["PlatformURL"] != p.URL || pin["CASHA256"] != hex.EncodeToString(caSum[:]) || !strings.Contains(pin["CAPEM"], "BEGIN CERTIFICATE") {
		t.Fatalf("MKSSetup.exe /PLATFORM=%s /PLATFORMCA=… wrote no pin of the platform URL and CA in HKLM: %q", p.URL, pin)
	}

	// Screens 9 and 10 through the installed CLI on the GUI's state folder, as the clerk (not elevated): another
	// platform than the pinned one is refused, the pinned one enrolls.
	clerkRefused(t, w, "このパソコンの管理者が設定したもの", "enroll", "--platform", "http://127.0.0.1:9", "--terminal-id", dt.ID, "--password", dt.Password)
	mustClerkCLI(t, w, "enroll", "--platform", p.URL, "--terminal-id", dt.ID, "--password", dt.Password)
	ct := testenv.DemoContact(dt)
	mustClerkCLI(t, w, "contact", "set", "--location", ct.Location, "--name", ct.Name, "--issuer", ct.IssuerID, "--person", ct.Person,
		"--org", ct.Organization, "--postal-code", ct.PostalCode, "--address", ct.Address, "--phone", ct.Phone, "--email", ct.Email)

	// What a staff account can write into terminal.db's data — another platform URL, another CA file, the device
	// key's account — is refused at start by the clerk's (non-elevated) CLI and GUI with the Japanese message; with
	// the pinned values back both work.
	t.Run("platform_pinned_by_the_installer_a_rewritten_state_is_refused_not_elevated", func(t *testing.T) {
		db := w.drive("ProgramData/mykeyterm/terminal.db")
		if got := string(stateValue(t, db, "platform_url")); got != p.URL {
			t.Fatalf("terminal.db's platform URL after the enrolment: %q, want %q", got, p.URL)
		}
		setStateURL(t, db, "http://127.0.0.1:9/") // a staff account rewrote the state file's data
		clerkRefused(t, w, "このパソコンの管理者が設定したもの", "terminal")
		// The GUI (no console) says it in a message box and does not open.
		g := w.start(t, buildRunAsInvoker(t, w), installedGUI)
		box := waitWindow(t, appName, g, 60*time.Second)
		if wd := geometry(t, box).Dx(); wd >= 1000 {
			t.Fatalf("the app's window opened (%d px wide) with a rewritten platform URL", wd)
		}
		x.Screenshot(t) // the message box is on the screen
		xdo(t, "windowfocus", "--sync", box)
		xdo(t, "key", "Return")
		if code := g.exited(30 * time.Second); code != 1 {
			t.Fatalf("the GUI (not elevated) with a rewritten platform URL: exit code %d, want 1\n%s", code, g.output())
		}
		setStateURL(t, db, p.URL)

		// Another CA file named in the state: refused; the pinned CA's own file: accepted.
		writeCA(t, w.drive("Users/Public/evil.pem"), "evil CA")
		setStateValue(t, db, "ca_file", []byte(`C:\Users\Public\evil.pem`))
		clerkRefused(t, w, "このパソコンの管理者が設定したもの", "terminal")
		setStateValue(t, db, "ca_file", []byte(`C:\mykeyterm-ca\municipal.pem`))
		mustClerkCLI(t, w, "terminal")
		setStateValue(t, db, "ca_file", nil)

		// The device key is sealed for the enrolling account (DPAPI, user scope): another account is told so.
		owner := stateValue(t, db, "device_key_owner")
		if !strings.HasPrefix(string(owner), "S-1-5-21-") {
			t.Fatalf("terminal.db records no enrolling account for the device key: %q", owner)
		}
		setStateValue(t, db, "device_key_owner", []byte("S-1-5-21-1-2-3-1001"))
		clerkRefused(t, w, "で登録されました", "terminal")
		setStateValue(t, db, "device_key_owner", owner)

		mustClerkCLI(t, w, "terminal")
		g = w.start(t, buildRunAsInvoker(t, w), installedGUI)
		a := &app{t: t, x: x, p: g, win: waitWindow(t, appName, g, 60*time.Second)}
		if wd := geometry(t, a.win).Dx(); wd < 1000 {
			t.Fatalf("the GUI (not elevated) with the pinned platform did not open its window (%d px wide)\n%s", wd, g.output())
		}
		a.settle()
		a.close()
	})

	// WinSCard → pcscd: the installed CLI lists vpcd's readers and links suzuki's card (in the reader) to a card number.
	if out := cli(t, w, "readers"); !strings.Contains(out, testenv.VPCDReader(0)) {
		t.Fatalf("mykeyterm-cli readers under wine does not list pcscd's %q (WinSCard not reaching pcscd):\n%s", testenv.VPCDReader(0), out)
	}
	suzuki := newCard(t, "suzuki")
	remove := pc.InsertCard(t, suzuki, 0)
	if out := cli(t, w, "service-id", "register", "--card-number", "180000000022"); !strings.Contains(out, "180000000022") {
		t.Fatalf("service-id register with suzuki's card: %s", out)
	}
	remove()
	apdus += suzuki.APDUs()
	cli(t, w, "settings", "--printer", winPrinter) // the label printer, as 「端末の設定」 would set it

	// The ILS stand-in (a Win32 EDIT control in another program), started before the app as the library system is on
	// a counter PC, and moved below the app's window.
	ilsExe := buildWedgeTarget(t, w)
	ilsOut := filepath.Join(w.logs, "ils.txt")
	ils := w.start(t, ilsExe, ilsOut)
	ilsWin := waitWindow(t, "ILS card number", ils, 30*time.Second)
	xdo(t, "windowmove", "--sync", ilsWin, "40", "850")
	ilsText := func() string { b, _ := os.ReadFile(ilsOut); return string(b) }
	clickILS := func() {
		t.Helper()
		clickInto(t, ilsWin)
	}

	a, took := startApp2(t, w, x)
	t.Logf("release exe start to window under wine: %v", took.Round(10*time.Millisecond))
	a.screenshot("windows_wine_screen22_menu")
	setMode := func(m mkpf.HandoffMode) {
		t.Helper()
		if err := p.Server.SetHandoffMode(dt.IssuerID, m); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("number_mode_screen26_shows_yamadas_card_number", func(t *testing.T) {
		defer a.in(t)()
		setMode(mkpf.HandoffNumber)
		a.to25()
		yamada := newCard(t, "yamada")
		remove := pc.InsertCard(t, yamada, 0)
		defer remove()
		a.key("F5") // 照会 → screen 26
		got := copiedNumber(t, a, 30*time.Second)
		a.screenshot("windows_wine_screen26_number")
		if got != "180000000011" {
			t.Fatalf("screen 26's number (its copy button, F7) is %q, want 180000000011; the app's log:\n%s", got, a.p.output())
		}
		if yamada.APDUs() == 0 {
			t.Fatalf("the virtual card answered no APDU: the lookup did not go through pcscd")
		}
		apdus += yamada.APDUs()
		a.key("Escape") // back to screen 25
	})

	// Card inserted → number on screen 26, with 連続照会 (F6) on so no key press is in the measured time.
	t.Run("continuous_lookup_card_inserted_to_number_on_screen26", func(t *testing.T) {
		defer a.in(t)()
		setMode(mkpf.HandoffNumber)
		a.to25()
		a.key("F6")
		ms := insertToScreen26(t, a.x, a.win, pc, "yamada", &apdus)
		fmt.Printf("MEASURE card_inserted_to_screen26_number platform=wine ms=%d\n", ms)
		a.key("Escape", "F6") // screen 25, continuous lookup off
	})

	t.Run("barcode_mode_zbarimg_decodes_the_screen26_barcode", func(t *testing.T) {
		defer a.in(t)()
		setMode(mkpf.HandoffBarcode)
		a.to25()
		want := "Codabar:" + encoded(t, "180000000011")
		yamada := newCard(t, "yamada")
		defer pc.InsertCard(t, yamada, 0)()
		a.key("F5")
		var got []string
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline) && len(got) == 0; time.Sleep(300 * time.Millisecond) {
			img := a.x.Screenshot(t)
			if box, ok := testenv.BarcodeBox(img); ok {
				got = testenv.ZbarImage(t, img.SubImage(box))
			}
		}
		a.screenshot("windows_wine_screen26_barcode")
		if len(got) != 1 || got[0] != want {
			t.Fatalf("zbarimg on screen 26's barcode under wine: %q, want %q", got, want)
		}
		apdus += yamada.APDUs()
		a.key("Escape")
	})

	t.Run("label_mode_prints_through_the_windows_spooler_to_cups", func(t *testing.T) {
		defer a.in(t)()
		setMode(mkpf.HandoffLabel)
		a.to25()
		yamada := newCard(t, "yamada")
		defer pc.InsertCard(t, yamada, 0)()
		before := a.x.Screenshot(t)
		a.key("F5")
		waitScreenChange(t, a.x, a.win, before, 30*time.Second)
		a.settle()
		a.screenshot("windows_wine_screen26_label")
		since := time.Now().Add(-time.Second)
		a.key("F9") // 印刷
		pdf := spooledPDF(t, "label", since, 2*time.Minute)
		if info := pdfInfo(t, pdf); !strings.Contains(info, "Wine PostScript Driver") {
			t.Errorf("the label PDF did not come from wine's PostScript driver (the Windows spooler path):\n%s", info)
		}
		syms := testenv.Zbarimg(t, testenv.Rasterize(t, pdf, 300))
		if !strings.Contains(strings.Join(syms, " "), "180000000011") {
			t.Fatalf("zbarimg found %q on the label printed through the Windows spooler, want 180000000011", syms)
		}
		apdus += yamada.APDUs()
		a.key("Escape")
	})

	t.Run("wedge_mode_types_the_number_into_another_windows_program", func(t *testing.T) {
		defer a.in(t)()
		setMode(mkpf.HandoffWedge)
		a.to25()
		yamada := newCard(t, "yamada")
		defer pc.InsertCard(t, yamada, 0)()
		before := a.x.Screenshot(t)
		a.key("F5") // the app has the focus: screen 26 waits for the click into the ILS
		waitScreenChange(t, a.x, a.win, before, 30*time.Second)
		a.settle()
		a.screenshot("windows_wine_screen26_wedge")
		if b := ilsText(); len(b) > 0 {
			t.Fatalf("the ILS field received %q before the clerk clicked into it", b)
		}
		t0 := time.Now()
		clickILS()
		b := waitFile(ilsOut, 1, time.Minute)
		if b != "180000000011\r\n" {
			t.Fatalf("the ILS's edit control holds %q, want \"180000000011\\r\\n\"; the app's log:\n%s", b, a.p.output())
		}
		fmt.Printf("MEASURE wedge_click_to_number_in_ils platform=wine ms=%d\n", time.Since(t0).Milliseconds())
		apdus += yamada.APDUs()
		a.activate()
		a.key("Escape")
	})

	// 連続照会 (F6) in wedge mode: three cards put on the reader one after the other while the clerk stays in the ILS;
	// each number arrives there once.
	t.Run("continuous_lookup_over_three_cards_each_number_once", func(t *testing.T) {
		defer a.in(t)()
		setMode(mkpf.HandoffWedge)
		a.to25()
		a.activate()
		a.key("F6")
		clickILS() // the clerk works in the library system from now on
		want := ilsText()
		n := strings.Count(want, "\n")
		for i, c := range []struct{ profile, number string }{{"yamada", "180000000011"}, {"suzuki", "180000000022"}, {"renewed", "180000000011"}} {
			card := newCard(t, c.profile)
			remove := pc.InsertCard(t, card, 0)
			want += c.number + "\r\n"
			if b := waitFile(ilsOut, n+i+1, time.Minute); b != want {
				a.screenshot("windows_wine_continuous_failed")
				t.Fatalf("after card %d (%s) the ILS holds %q, want %q; the app's log:\n%s", i+1, c.profile, b, want, a.p.output())
			}
			remove()
			apdus += card.APDUs()
		}
		time.Sleep(2 * time.Second) // nothing more may arrive: no second hand-off of a card
		if b := ilsText(); b != want {
			t.Fatalf("the ILS holds %q after the three cards, want %q (each number once)", b, want)
		}
		a.activate()
		a.key("Escape", "F6")
	})
	// The reader's troubles under wine: the card pulled out in the middle of the read, pcscd stopped (the readers go
	// away), pcscd started again (they come back). Each time the screen says what to do (the installed CLI, the same
	// Windows build of cardio and terminal, prints the Japanese text) and no screen 26 appears; then the next lookup
	// works without restarting the app.
	t.Run("card_pulled_pcscd_stopped_readers_back_next_lookup_works", func(t *testing.T) {
		defer a.in(t)()
		setMode(mkpf.HandoffNumber)
		a.to25()
		lookupNumber := func(what string) {
			t.Helper()
			yamada := newCard(t, "yamada")
			remove := pc.InsertCard(t, yamada, 0)
			clearClipboard(t)
			a.key("F5")
			if got := copiedNumber(t, a, 30*time.Second); got != "180000000011" {
				t.Fatalf("%s: the next lookup shows %q on screen 26, want 180000000011 (without restarting the app); log:\n%s", what, got, a.p.output())
			}
			remove()
			apdus += yamada.APDUs()
			a.key("Escape")
		}
		noResult := func(what string) {
			t.Helper()
			clearClipboard(t)
			a.key("F7") // 番号をコピー exists only on screen 26
			if got := clipboard(t); got != "" {
				t.Fatalf("%s: screen 26 shows a number (%q)", what, got)
			}
		}

		// The card leaves after the 3rd APDU of the read.
		card := newCard(t, "yamada")
		card.DropAt = 3
		pc.InsertCard(t, card, 0)
		before := a.x.Screenshot(t)
		a.key("F5")
		waitScreenChange(t, a.x, a.win, before, 30*time.Second)
		a.settle()
		a.screenshot("windows_wine_screen25_card_pulled")
		noResult("card pulled")
		card = newCard(t, "yamada")
		card.DropAt = 3
		pc.InsertCard(t, card, 0)
		if out, err := w.cmd(2*time.Minute, wineBin, installedCLI, "card", "info"); err == nil || !strings.Contains(out, "読み取り中にカードが離れました") {
			t.Errorf("mykeyterm-cli card info with the card pulled mid-read: %v\n%s", err, out)
		}
		lookupNumber("after the card was pulled")

		// pcscd stopped: the readers are gone.
		stopPCSCD(t)
		stopped := true
		defer func() {
			if stopped {
				startPCSCD(t)
			}
		}()
		before = a.x.Screenshot(t)
		a.key("F5")
		waitScreenChange(t, a.x, a.win, before, 30*time.Second)
		a.settle()
		a.screenshot("windows_wine_screen25_pcscd_stopped")
		noResult("pcscd stopped")
		if out, err := w.cmd(2*time.Minute, wineBin, installedCLI, "readers"); err == nil ||
			!(strings.Contains(out, "スマートカードのサービス") || strings.Contains(out, "カードリーダーが見つかりません")) {
			t.Errorf("mykeyterm-cli readers with pcscd stopped: %v\n%s", err, out)
		}
		startPCSCD(t)
		stopped = false
		lookupNumber("after pcscd came back")
	})

	a.close()

	// The same measurement with the Linux release build on the same Xvfb, pcscd and platform (its own state folder,
	// enrolled as the same terminal through platformclient): card inserted → number on screen 26.
	t.Run("linux_release_build_card_inserted_to_number_on_screen26", func(t *testing.T) {
		bin := filepath.Join(t.TempDir(), "mykeyterm")
		build := exec.Command("go", "build", "-o", bin, ".")
		build.Dir = root
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("build the Linux release GUI: %v\n%s", err, out)
		}
		dir := t.TempDir()
		c, err := platformclient.Open(dir, platformclient.Options{Timeout: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		// The terminal ID is bound to the wine prefix's enrolment: the municipality resets it (as when a counter PC
		// is replaced) and this build enrolls with the new password.
		pw, err := p.Server.ResetTerminal(dt.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Enroll(ctx, p.URL, dt.ID, pw); err != nil {
			t.Fatal(err)
		}
		if err := c.SetContact(ctx, testenv.DemoContact(dt)); err != nil {
			t.Fatal(err)
		}
		c.Close()
		setMode(mkpf.HandoffNumber)
		f, err := os.CreateTemp(t.TempDir(), "linux-*.log")
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, "--data-dir", dir)
		cmd.Env = append(os.Environ(), "DISPLAY="+x.Display, "LANG=C.UTF-8")
		cmd.Stdout, cmd.Stderr = f, f
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		f.Close()
		lp := &program{cmd: cmd, log: f.Name(), done: make(chan error, 1)}
		go func() { lp.done <- cmd.Wait() }()
		defer func() { _ = cmd.Process.Kill(); <-lp.done }()
		la := &app{t: t, x: x, p: lp, win: waitWindow(t, appName, lp, 60*time.Second)}
		la.settle()
		la.key("F2", "F6") // screen 25, continuous lookup on
		ms := insertToScreen26(t, x, la.win, pc, "yamada", &apdus)
		fmt.Printf("MEASURE card_inserted_to_screen26_number platform=linux ms=%d\n", ms)
	})

	// Screens 28-31 on the point-use terminal, with the municipal program's floor limit at 100: a use of 500 needs
	// the proof of card presence, so screen 30's PIN dialog comes up under wine; the patron's PIN 1234 is typed, the
	// card signs the platform's challenge through WinSCard, the use goes through once and the receipt prints through
	// the Windows spooler.
	t.Run("screens28_to_31_point_use_above_the_floor_limit_with_the_pin_dialog", func(t *testing.T) {
		pt, _ := platform.DemoTerminalByID("00052589")
		if err := p.Server.SetFloorLimit(platform.DemoProgramMunicipal, 100); err != nil {
			t.Fatal(err)
		}
		dir := `C:\ProgramData\mykeyterm-points` // a second terminal on this PC: its own state folder
		// Its folder made by an administrator without a pin: the clerk (not elevated) may not choose the platform;
		// the administrator's (elevated) enrolment does, and pins it.
		cli(t, w, "--data-dir", dir, "state-folder")
		clerkRefused(t, w, "/PLATFORM=", "--data-dir", dir, "enroll", "--platform", p.URL, "--terminal-id", pt.ID, "--password", pt.Password)
		cli(t, w, "--data-dir", dir, "enroll", "--platform", p.URL, "--terminal-id", pt.ID, "--password", pt.Password)
		ct := testenv.DemoContact(pt)
		args := []string{"--data-dir", dir, "contact", "set", "--location", ct.Location, "--name", ct.Name, "--person", ct.Person,
			"--org", ct.Organization, "--postal-code", ct.PostalCode, "--address", ct.Address, "--phone", ct.Phone, "--email", ct.Email}
		if ct.IssuerID != "" {
			args = append(args, "--issuer", ct.IssuerID)
		}
		cli(t, w, args...)
		cli(t, w, "--data-dir", dir, "settings", "--printer", winPrinter)
		yamada := newCard(t, "yamada")
		defer pc.InsertCard(t, yamada, 0)()
		b, _ := startApp2(t, w, x, "--data-dir", dir)
		b.key("F4") // menu 22 → screen 2 (the login ID is the terminal ID, prefilled)
		b.typeText(pt.Password)
		b.key("Return")
		time.Sleep(time.Second)
		b.settle()
		b.key("F1", "F2") // ポイント利用, カード読取
		time.Sleep(2 * time.Second)
		b.settle()
		b.typeText("500") // the points field has the focus after the card was read
		b.key("F5")       // 確認 → screen 30
		before := b.x.Screenshot(t)
		b.key("F5") // 利用: above the floor limit the PIN dialog comes up
		waitScreenChange(t, b.x, b.win, before, 30*time.Second)
		b.settle()
		b.screenshot("windows_wine_screen30_pin")
		triesBefore, _ := yamada.PINTries()
		b.typeText("1234")           // the PIN field has the focus
		b.key("Tab", "Tab", "space") // → やめる → OK, pressed
		time.Sleep(time.Second)
		b.settle()
		b.screenshot("windows_wine_screen31_pointuse")
		if after, _ := yamada.PINTries(); after != triesBefore {
			t.Errorf("PIN tries %d → %d: the right PIN must not spend a try", triesBefore, after)
		}
		since := time.Now().Add(-time.Second)
		b.key("F9") // レシート印字
		pdf := spooledPDF(t, "", since, 2*time.Minute)
		if info := pdfInfo(t, pdf); !strings.Contains(info, "Wine PostScript Driver") {
			t.Errorf("the receipt PDF did not come from wine's PostScript driver (the Windows spooler path):\n%s", info)
		}
		checkUseReceipt(t, rasterGray(t, pdf, 300), 300, 500, 9500)
		apdus += yamada.APDUs()
		b.close()
	})
	t.Logf("WinSCard through pcscd: the virtual cards answered %d APDUs sent by the Windows build", apdus)
	if apdus == 0 {
		t.Fatal("no APDU reached the virtual cards")
	}
}

// startApp2 starts the installed GUI with args (the release build: no demo flags).
func startApp2(t *testing.T, w *wine, x *testenv.X, args ...string) (*app, time.Duration) {
	t.Helper()
	t0 := time.Now()
	p := w.start(t, installedGUI, args...)
	win := waitWindow(t, appName, p, 60*time.Second)
	took := time.Since(t0)
	a := &app{t: t, x: x, p: p, win: win}
	a.settle()
	return a, took
}

// newCard is a virtual card of a demopki profile whose APDUs are counted.
func newCard(t *testing.T, profile string) *vcard.Card {
	t.Helper()
	c, err := vcard.New(profile)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// cli runs the installed mykeyterm-cli.exe under wine and returns its output; it must exit 0.
func cli(t *testing.T, w *wine, args ...string) string {
	t.Helper()
	out, err := w.cmd(2*time.Minute, wineBin, append([]string{installedCLI}, args...)...)
	if err != nil {
		t.Fatalf("mykeyterm-cli %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// clipboard is the X clipboard's text (wine hands a Windows program's clipboard to X), read by a Tk one-liner.
func clipboard(t *testing.T) string {
	t.Helper()
	py := testenv.Need(t, "python3", "python3-tk")
	out, err := exec.Command(py, "-c", "import tkinter as tk\nr=tk.Tk()\nr.withdraw()\ntry:\n print(r.clipboard_get(),end='')\nexcept tk.TclError:\n pass").Output()
	if err != nil {
		t.Fatalf("read the X clipboard: %v", err)
	}
	return string(out)
}

// copiedNumber presses screen 26's 番号をコピー (F7) until the clipboard holds a card number (screen 26 may still be
// coming) and returns it.
func copiedNumber(t *testing.T, a *app, d time.Duration) string {
	t.Helper()
	for deadline := time.Now().Add(d); ; {
		a.key("F7")
		if s := strings.TrimSpace(clipboard(t)); len(s) >= 10 && strings.Trim(s, "0123456789") == "" {
			return s
		}
		if time.Now().After(deadline) {
			a.screenshot("windows_wine_screen26_missing")
			return ""
		}
	}
}

// encoded is the demo library's barcode text of a card number (NW-7, start/stop A, check digit).
func encoded(t *testing.T, number string) string {
	t.Helper()
	s, err := handoff.Encode(number, platform.DemoLibraryHandoff)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// clickInto is the clerk's click into the ILS stand-in's field (win), as a window manager lets it happen (there is
// none here): the ILS raised, the X input focus moved to it, then the click, which lands on the ILS. Without the raise
// the app's window, mapped later, covered the ILS: the "click into the ILS" went to the app and activated it again,
// after the X focus change had activated the ILS (wine activates a window that gets the X focus), so two programs
// took turns in front while the wedge typed, and its keys went to both.
func clickInto(t *testing.T, win string) {
	t.Helper()
	xdo(t, "windowraise", win)
	xdo(t, "windowfocus", "--sync", win)
	xdo(t, "mousemove", "--window", win, "200", "80")
	xdo(t, "click", "1")
}

// buildWedgeTarget builds the ILS stand-in (a Win32 EDIT control in another program).
func buildWedgeTarget(t *testing.T, w *wine) string {
	t.Helper()
	exe := filepath.Join(w.logs, "wedgetarget.exe")
	build := exec.Command("go", "build", "-o", exe, "./internal/wintest/testdata/wedgetarget")
	build.Dir, build.Env = repo(t), append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the wedge target: %v\n%s", err, out)
	}
	return exe
}

// waitFile waits until the file holds at least n lines (CRLF-ended) and returns its text.
func waitFile(path string, n int, d time.Duration) string {
	var b []byte
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if b, _ = os.ReadFile(path); strings.Count(string(b), "\n") >= n {
			break
		}
	}
	return string(b)
}

// waitScreenChange waits until the window's content differs from before in many pixels (the next screen shows) and
// returns when that was seen.
func waitScreenChange(t *testing.T, x *testenv.X, win string, before *image.RGBA, d time.Duration) time.Time {
	t.Helper()
	g := geometry(t, win)
	for deadline := time.Now().Add(d); ; time.Sleep(20 * time.Millisecond) {
		now := time.Now()
		if changedPixels(before, x.Screenshot(t), g.Intersect(before.Rect)) > 5000 {
			return now
		}
		if time.Now().After(deadline) {
			shot := filepath.Join(t.TempDir(), "unchanged.png")
			if dir := os.Getenv("MYKEYTERM_SCREENS_DIR"); dir != "" {
				shot = filepath.Join(dir, "windows_wine_unchanged_"+filepath.Base(t.Name())+".png")
			}
			testenv.SavePNG(t, x.Screenshot(t), shot)
			t.Fatalf("the screen did not change within %v (%s)", d, shot)
		}
	}
}

// insertToScreen26 inserts a virtual card of profile into vpcd's slot 0 while screen 25 watches the reader (連続照会)
// and returns the milliseconds from the insertion (the card connects to vpcd) to screen 26 on the screen.
func insertToScreen26(t *testing.T, x *testenv.X, win string, pc *testenv.PCSCEnv, profile string, apdus *int) int64 {
	t.Helper()
	card := newCard(t, profile)
	time.Sleep(500 * time.Millisecond) // the watcher's first round has seen the empty reader
	before := x.Screenshot(t)
	t0 := time.Now()
	remove := pc.InsertCard(t, card, 0)
	seen := waitScreenChange(t, x, win, before, 30*time.Second)
	remove()
	*apdus += card.APDUs()
	return seen.Sub(t0).Milliseconds()
}

// stopPCSCD stops the running pcscd (the test holds testenv's vpcd lock, so no other test uses it meanwhile) and
// waits until its socket no longer answers.
func stopPCSCD(t *testing.T) {
	t.Helper()
	raw, err := os.ReadFile("/run/pcscd/pcscd.pid")
	pid, _ := strconv.Atoi(strings.Trim(string(raw), " \n\x00"))
	if err != nil || pid <= 1 {
		t.Fatalf("no pcscd pid in /run/pcscd/pcscd.pid: %v", err)
	}
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		t.Fatalf("stop pcscd %d: %v", pid, err)
	}
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if syscall.Kill(pid, 0) != nil {
			return
		}
	}
	t.Fatalf("pcscd %d did not end within 20 s", pid)
}

// startPCSCD starts pcscd again (as testenv.PCSCD does) and waits until it lists both vpcd readers.
func startPCSCD(t *testing.T) {
	t.Helper()
	cmd := exec.Command("/usr/sbin/pcscd", "-f")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start pcscd: %v", err)
	}
	go cmd.Wait()
	var last error
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		ctx, err := scard.EstablishContext()
		if err != nil {
			last = err
			continue
		}
		readers, err := ctx.ListReaders()
		ctx.Release()
		if err == nil && len(readers) >= 2 {
			return
		}
		last = fmt.Errorf("readers %q: %v", readers, err)
	}
	t.Fatalf("pcscd started again but its vpcd readers did not come back: %v", last)
}

// clearClipboard empties the X clipboard (a Tk program takes it with no text and ends).
func clearClipboard(t *testing.T) {
	t.Helper()
	py := testenv.Need(t, "python3", "python3-tk")
	if out, err := exec.Command(py, "-c", "import tkinter as tk\nr=tk.Tk()\nr.withdraw()\nr.clipboard_clear()\nr.update()").CombinedOutput(); err != nil {
		t.Fatalf("clear the X clipboard: %v %s", err, out)
	}
}

// in makes the app's helpers report to t (a subtest) until the returned function restores the test before.
func (a *app) in(t *testing.T) (restore func()) {
	prev := a.t
	a.t = t
	return func() { a.t = prev }
}

// activate clicks the left end of the app's status line (its text: nothing to press there, in the release and the
// demo build alike), as the clerk clicks back into the app: under wine (and on Windows) a click activates the window;
// an X focus change alone does not always take it from another program. It returns when the app says its window is
// the foreground window (GetForegroundWindow, in its test-state dump: stacks.go); a click lost on a loaded machine
// is clicked again.
func (a *app) activate() {
	a.t.Helper()
	g := geometry(a.t, a.win)
	var last string
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); {
		xdo(a.t, "mousemove", "--window", a.win, "40", strconv.Itoa(g.Dy()-20))
		xdo(a.t, "click", "1")
		xdo(a.t, "windowfocus", "--sync", a.win)
		// The app looks at the foreground window every 150 ms (foreground_windows.go).
		for next := time.Now().Add(3 * time.Second); time.Now().Before(next); {
			if last = a.p.dump(30 * time.Second); strings.HasPrefix(last, "foreground=yes\n") {
				return
			}
		}
	}
	a.t.Fatalf("the app's window did not become the foreground window after clicks into it; the app's state:\n%s", last)
}

// to25 goes to screen 25 (サービスIDの照会) from wherever the app is: the menu (F12), then F2; each lookup subtest
// starts there.
func (a *app) to25() {
	a.t.Helper()
	a.activate()
	a.key("F12", "F2")
}

// setStateURL writes the platform URL into a terminal.db (bbolt) as a program with write access to its data could.
func setStateURL(t *testing.T, path, url string) {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(func(tx *bbolt.Tx) error { return tx.Bucket([]byte("state")).Put([]byte("platform_url"), []byte(url)) }); err != nil {
		t.Fatal(err)
	}
}
