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

// rasterGray renders page 1 of a PDF at dpi (pdftoppm) and returns it as a gray image.
func rasterGray(t *testing.T, pdf string, dpi int) *image.Gray {
	t.Helper()
	f, err := os.Open(testenv.Rasterize(t, pdf, dpi))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("decode the rasterised %s: %v", pdf, err)
	}
	g := image.NewGray(img.Bounds())
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
			g.Set(x, y, img.At(x, y))
		}
	}
	return g
}

// inkBox is the bounding box of an image's dark pixels.
func inkBox(g *image.Gray) image.Rectangle {
	var r image.Rectangle
	for y := g.Rect.Min.Y; y < g.Rect.Max.Y; y++ {
		for x := g.Rect.Min.X; x < g.Rect.Max.X; x++ {
			if dark(g.GrayAt(x, y).Y) {
				r = r.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	return r
}

// checkUseReceipt checks that the printed page (rasterised at dpi) shows the receipt of screen 31 (80 mm roll) with
// points used and after left: the receipt is rendered here with those amounts and with each one changed, the
// rendering is laid over the page by the two's ink boxes (the receipt's rules span its width), and where the
// renderings differ (the amounts' pixels) the page must match the one with the right amounts. The other rows
// (transaction number, time, place: only that there is one) are not compared.
func checkUseReceipt(t *testing.T, got *image.Gray, dpi int, points, after int64) {
	t.Helper()
	render := func(p, a int64) *image.Gray {
		img, err := printing.RenderReceiptImage(printing.UseReceipt(mkpf.UseResult{Points: p, BalanceAfter: a,
			TxnID: "T0000000005", ProgramName: "川崎市 自治体ポイント", TerminalID: "00052589",
			Location: "川崎市"}), printing.Paper80mm, dpi)
		if err != nil {
			t.Fatal(err)
		}
		return img.(*image.Gray)
	}
	want := render(points, after)
	wb, gb := inkBox(want), inkBox(got)
	if d := wb.Size().Sub(gb.Size()); d.X < -4 || d.X > 4 {
		t.Fatalf("the printed ink is %v wide, the 80 mm use receipt's %v at %d dpi: not the receipt of screen 31", gb.Size(), wb.Size(), dpi)
	}
	base := gb.Min.Sub(wb.Min)
	for _, other := range []*image.Gray{render(points+1, after), render(points, after+1)} {
		var pts []image.Point
		for y := want.Rect.Min.Y; y < want.Rect.Max.Y; y++ {
			for x := want.Rect.Min.X; x < want.Rect.Max.X; x++ {
				if dark(want.GrayAt(x, y).Y) != dark(other.GrayAt(x, y).Y) {
					pts = append(pts, image.Pt(x, y))
				}
			}
		}
		differ, match := len(pts), 0
		for dy := -8; dy <= 8; dy++ { // the ink boxes place the receipt to within a few pixels: take the best fit
			for dx := -8; dx <= 8; dx++ {
				m := 0
				for _, p := range pts {
					if dark(got.GrayAt(p.X+base.X+dx, p.Y+base.Y+dy).Y) == dark(want.GrayAt(p.X, p.Y).Y) {
						m++
					}
				}
				match = max(match, m)
			}
		}
		if differ == 0 || match < differ*75/100 {
			t.Fatalf("the printed receipt does not show %d points used and %d left: %d of the %d pixels where the amounts "+
				"differ match", points, after, match, differ)
		}
		t.Logf("receipt amounts: %d of %d pixels match", match, differ)
	}
}

func dark(v uint8) bool { return v < 0x80 }
