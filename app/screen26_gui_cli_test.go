package app

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/mykeyterm/mykeyterm/cardio"
	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platform"
	"github.com/mykeyterm/mykeyterm/platformclient"
	"github.com/mykeyterm/mykeyterm/terminal"
)

// Screens 25-26 and `mykeyterm-cli lookup` are one flow (package terminal): for the same card on the same reader
// (a virtual card served through the real pcscd + vpcd), the same terminal and the same hand-off mode, the GUI's
// screen 26 and the CLI's answer must agree on every field, the card's validity and the hand-off itself.
func TestScreen26_GUIAndCLIGiveTheSameResultForTheSameCardTerminalAndMode(t *testing.T) {
	env := testenv.Platform(t)
	pcsc := testenv.PCSCD(t)
	pcsc.InsertVirtual(t, "yamada", 0)
	cliBin := filepath.Join(t.TempDir(), "mykeyterm-cli")
	if out, err := exec.Command("go", "build", "-o", cliBin, "github.com/mykeyterm/mykeyterm/cmd/mykeyterm-cli").CombinedOutput(); err != nil {
		t.Fatalf("go build mykeyterm-cli: %v\n%s", err, out)
	}
	c := env.Enrolled(t, "00052489")
	dir := c.DataDir()
	c.Close() // the GUI and the CLI open the terminal's state in turn

	for _, mode := range []mkpf.HandoffMode{mkpf.HandoffNumber, mkpf.HandoffBarcode} {
		if err := env.Server.SetHandoffMode(platform.DemoLibrary, mode); err != nil {
			t.Fatal(err)
		}
		gui, guiBarcode := guiLookup(t, dir, pcsc.Reader(0))

		out, err := exec.Command(cliBin, "--data-dir", dir, "lookup", "--reader", pcsc.Reader(0), "--json").Output()
		if err != nil {
			t.Fatalf("%s: mykeyterm-cli lookup --json: %v (%s)", mode, err, errText(err))
		}
		var cli mkpf.LookupResult
		if err := json.Unmarshal(out, &cli); err != nil {
			t.Fatalf("%s: CLI JSON: %v\n%s", mode, err, out)
		}
		if cli.CardNumber == "" || cli.IssuerName != gui.IssuerName || cli.CardNumber != gui.CardNumber ||
			cli.MyKeyID != gui.MyKeyID || terminal.ModeOf(&cli) != terminal.ModeOf(gui) || terminal.ModeOf(gui) != mode ||
			terminal.CardInvalid(&cli) != terminal.CardInvalid(gui) || cli.AddressChanged != gui.AddressChanged {
			t.Errorf("%s: GUI %+v, CLI %+v", mode, *gui, cli)
		}
		// The hand-off: the CLI's grouped number or barcode text is what screen 26 shows.
		text, err := exec.Command(cliBin, "--data-dir", dir, "lookup", "--reader", pcsc.Reader(0), "--handoff", string(mode)).Output()
		if err != nil {
			t.Fatalf("%s: mykeyterm-cli lookup --handoff: %v (%s)", mode, err, errText(err))
		}
		switch mode {
		case mkpf.HandoffNumber:
			if !strings.Contains(string(text), "1800 0000 0011") || gui.CardNumber != platform.DemoYamadaLibCard {
				t.Errorf("number: CLI said %q, GUI number %q", text, gui.CardNumber)
			}
		case mkpf.HandoffBarcode:
			if guiBarcode == "" || !strings.Contains(string(text), "バーコードの内容: "+guiBarcode) {
				t.Errorf("barcode: CLI said %q, screen 26 encodes %q", text, guiBarcode)
			}
		}
	}
}

// guiLookup runs screen 25 [照会] over the real services (PC/SC, the platform client in dir) and returns what screen 26
// shows: the lookup result and the text its barcode encodes.
func guiLookup(t *testing.T, dir, reader string) (*mkpf.LookupResult, string) {
	t.Helper()
	client, err := platformclient.Open(dir, platformclient.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	src, err := cardio.NewPCSC()
	if err != nil {
		t.Fatal(err)
	}
	svc := RealServices(src, client, terminal.DefaultPatronProfile())
	set := svc.Settings.Load()
	set.Reader = reader
	if err := svc.Settings.Save(set); err != nil {
		t.Fatal(err)
	}
	a := test.NewTempApp(t)
	a.Settings().SetTheme(NewTheme(1.25))
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1100, 900))
	h := &harness{t: t, w: w}
	h.u = New(w, svc, nil)
	h.u.serial = &h.ui
	defer h.u.Close()
	h.u.showFirst()
	h.u.Wait()
	h.locked(func() { h.u.Show(newScreen25(h.u)) })
	s25 := screenAs[*screen25](t, h.u)
	h.tap(s25.lookup)
	s26 := screenAs[*screen26](t, h.u)
	return s26.res, s26.barcodeText
}

func errText(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return string(ee.Stderr)
	}
	return ""
}
