//go:build wine

package wintest

import (
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/printing"
)

// winPrinter is the demo app's printer setting for the harness's cups-pdf queue as Windows programs under wine see
// it: wine's spooler lists the CUPS queues as Windows printers (port CUPS:NAME, wine's PostScript driver).
const winPrinter = "windows:" + testenv.PDFQueue

// cupsPDFDirs are where cups-pdf writes its PDFs (per user `${HOME}/PDF`, anonymous jobs in the spool).
func cupsPDFDirs() []string {
	dirs := []string{"/var/spool/cups-pdf/ANONYMOUS", "/root/PDF"}
	if h, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(h, "PDF"))
	}
	homes, _ := filepath.Glob("/home/*/PDF")
	return append(dirs, homes...)
}

// spooledPDF waits up to d for cups-pdf's output of a job whose file name starts with title ("" any), written after since and
// complete (%%EOF at its end), and returns its path (removed at cleanup). The Windows spooler's job id is wine's own,
// not CUPS's, so the PDF is found by its time and the job's title.
func spooledPDF(t *testing.T, title string, since time.Time, d time.Duration) string {
	t.Helper()
	for deadline := time.Now().Add(d); ; time.Sleep(100 * time.Millisecond) {
		for _, dir := range cupsPDFDirs() {
			ents, _ := os.ReadDir(dir)
			for _, e := range ents {
				if !strings.HasSuffix(e.Name(), ".pdf") || !strings.HasPrefix(e.Name(), title) {
					continue
				}
				p := filepath.Join(dir, e.Name())
				st, err := os.Stat(p)
				if err != nil || st.ModTime().Before(since) || !pdfComplete(p) {
					continue
				}
				t.Cleanup(func() { os.Remove(p) })
				return p
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no PDF titled %q reached cups-pdf (%v) within %v: the Windows spooler → wine's PostScript driver → CUPS "+
				"path did not print (see /var/log/cups/error_log; `lpstat -p %s` must show the queue)", title, cupsPDFDirs(), d, testenv.PDFQueue)
		}
	}
}

func pdfComplete(p string) bool {
	b, err := os.ReadFile(p)
	return err == nil && strings.Contains(string(b[max(0, len(b)-64):]), "%%EOF")
}

// pdfInfo is pdfinfo's report on a PDF (poppler-utils).
func pdfInfo(t *testing.T, p string) string {
	t.Helper()
	out, err := exec.Command(testenv.Need(t, "pdfinfo", "poppler-utils"), p).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfinfo %s: %v\n%s", p, err, out)
	}
	return string(out)
}

// spooledImage extracts the one bitmap of a PDF printed through wine's PostScript driver (pdfimages, poppler-utils):
// the GDI bitmap the app drew, as the printer received it.
func spooledImage(t *testing.T, pdf string) *image.Gray {
	t.Helper()
	base := filepath.Join(t.TempDir(), "img")
	if out, err := exec.Command(testenv.Need(t, "pdfimages", "poppler-utils"), "-png", pdf, base).CombinedOutput(); err != nil {
		t.Fatalf("pdfimages %s: %v\n%s", pdf, err, out)
	}
	files, _ := filepath.Glob(base + "-*.png")
	if len(files) != 1 {
		t.Fatalf("%s holds %d images, want the one bitmap the app printed: %q", pdf, len(files), files)
	}
	f, err := os.Open(files[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("decode %s: %v", files[0], err)
	}
	g := image.NewGray(img.Bounds())
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
			g.Set(x, y, img.At(x, y))
		}
	}
	return g
}

// checkUseReceipt checks that the printed bitmap is the receipt of screen 31 (80 mm roll) saying 利用ポイント
// points and 利用後残高 after: the receipt is rendered here twice, with those amounts and with each one changed,
// and where the two renderings differ (the amounts' pixels) the printed bitmap must match the first. The other rows
// (transaction number, time) are not compared.
func checkUseReceipt(t *testing.T, got *image.Gray, points, after int64) {
	t.Helper()
	w := got.Bounds().Dx()
	dpi := int(float64(w)*25.4/printing.Paper80mm.WidthMM + 0.5)
	render := func(p, a int64) *image.Gray {
		img, err := printing.RenderReceiptImage(printing.UseReceipt(mkpf.UseResult{Points: p, BalanceAfter: a,
			TxnID: "T", ProgramName: "P", TerminalID: "00052589"}), printing.Paper80mm, dpi)
		if err != nil {
			t.Fatal(err)
		}
		return img.(*image.Gray)
	}
	want := render(points, after)
	if want.Bounds().Size() != got.Bounds().Size() {
		t.Fatalf("the printed bitmap is %v, the 80 mm use receipt at %d dpi is %v: not the receipt of screen 31",
			got.Bounds().Size(), dpi, want.Bounds().Size())
	}
	for _, other := range []*image.Gray{render(points+1, after), render(points, after+1)} {
		var differ, match int
		for i := range want.Pix {
			if dark(want.Pix[i]) != dark(other.Pix[i]) {
				differ++
				if dark(got.Pix[i]) == dark(want.Pix[i]) {
					match++
				}
			}
		}
		if differ == 0 || match < differ*95/100 {
			t.Fatalf("the printed receipt does not show %d points used and %d left: %d of the %d pixels where the amounts "+
				"differ match", points, after, match, differ)
		}
	}
}

func dark(v uint8) bool { return v < 0x80 }
