package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/platform"
)

// `mykeyterm-cli lookup --handoff …` runs the GUI's hand-off code from the console: the demo library (NW-7, start/stop
// A, modulus 10 weight 2-1) gets yamada's card number grouped, as a barcode PNG and as a label PDF that zbar reads.
func TestCLI_LookupHandoffModes(t *testing.T) {
	env := testenv.Platform(t)
	dir := enrolledDir(t, env, "00052489")
	cert := certFile(t, "yamada")
	want := "Codabar:A" + platform.DemoYamadaLibCard + "9A"

	out := mustCLI(t, dir, "lookup", "--cert", cert, "--handoff", "number")
	if !strings.Contains(out, "1800 0000 0011") {
		t.Errorf("number mode printed %q, want the grouped number", out)
	}

	png := filepath.Join(t.TempDir(), "barcode.png")
	out = mustCLI(t, dir, "lookup", "--cert", cert, "--handoff", "barcode", "--out", png)
	if got := testenv.Zbarimg(t, png); len(got) != 1 || got[0] != want {
		t.Errorf("barcode --out: zbarimg read %q, want %q (stdout %q)", got, want, out)
	}

	pdf := filepath.Join(t.TempDir(), "label.pdf")
	mustCLI(t, dir, "lookup", "--cert", cert, "--handoff", "label", "--out", pdf, "--label-size", "50x30")
	if got := testenv.Zbarimg(t, testenv.Rasterize(t, pdf, 300)); len(got) != 1 || got[0] != want {
		t.Errorf("label --out: zbarimg read %q, want %q", got, want)
	}

	_, stderr, code := cli(t, dir, "lookup", "--cert", cert, "--handoff", "fax")
	if code == 0 || !strings.Contains(stderr, "number, barcode, wedge, label") {
		t.Errorf("unknown mode: exit %d, stderr %q", code, stderr)
	}
	_, stderr, code = cli(t, dir, "lookup", "--cert", cert, "--handoff", "label")
	if code == 0 || !strings.Contains(stderr, "--printer") {
		t.Errorf("label without printer: exit %d, stderr %q", code, stderr)
	}
}

// `lookup --handoff wedge` types the number and Enter into the focused field of another program (Xvfb + Tk).
func TestCLI_LookupHandoffWedgeTypesIntoTheFocusedField(t *testing.T) {
	env := testenv.Platform(t)
	dir := enrolledDir(t, env, "00052489")
	x := testenv.Xvfb(t)
	field := x.Entry(t, "ILS-CardNumber")
	mustCLI(t, dir, "lookup", "--cert", certFile(t, "yamada"), "--handoff", "wedge", "--key-delay", "1ms")
	if got, _ := field.Next(5 * time.Second); got != "GOT:"+platform.DemoYamadaLibCard {
		t.Errorf("the field received %q", got)
	}
}

// `lookup --handoff label --printer QUEUE` prints through CUPS (a bare queue name) and waits for the job.
func TestCLI_LookupHandoffLabelPrintsThroughCUPS(t *testing.T) {
	env := testenv.Platform(t)
	dir := enrolledDir(t, env, "00052489")
	cups := testenv.Cupsd(t)
	out := mustCLI(t, dir, "lookup", "--cert", certFile(t, "yamada"), "--handoff", "label", "--printer", cups.PDFQueue)
	m := regexp.MustCompile(`ジョブ (\d+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no job id in %q", out)
	}
	pdf := cups.FindPDF(t, m[1], 10*time.Second)
	if got := testenv.Zbarimg(t, testenv.Rasterize(t, pdf, 300)); len(got) != 1 || got[0] != "Codabar:A1800000000119A" {
		t.Errorf("printed label reads %q", got)
	}
}

// Issue 4's wedge test from the console: yamada's virtual My Number Card is inserted through the real pcscd, the CLI
// reads its certificate, looks it up on the loopback platform and types the card number plus Enter into the Tk field
// of another program that has the focus.
func TestCLI_TapCardThenWedgeTypesNumberIntoLibrarySystem(t *testing.T) {
	env := testenv.Platform(t)
	dir := enrolledDir(t, env, "00052489")
	pcsc := testenv.PCSCD(t)
	pcsc.InsertVirtual(t, "yamada", 0)
	x := testenv.Xvfb(t)
	field := x.Entry(t, "ILS-Counter")
	start := time.Now()
	mustCLI(t, dir, "lookup", "--reader", pcsc.Reader(0), "--handoff", "wedge")
	got, _ := field.Next(5 * time.Second)
	if got != "GOT:"+platform.DemoYamadaLibCard {
		t.Fatalf("the library system's field received %q, want GOT:%s", got, platform.DemoYamadaLibCard)
	}
	t.Logf("card on the reader → number in the field: %v (CLI process in-process, default key delay)", time.Since(start).Round(time.Millisecond))
}
