package printing_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mykeyterm/mykeyterm/handoff"
	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/printing"
)

var kawasaki = mkpf.HandoffSettings{Mode: mkpf.HandoffLabel, NW7Start: "A", NW7Stop: "A", CheckDigit: mkpf.CheckMod10W21, LabelTodayOnly: true}

func testLabel(t testing.TB) printing.Label {
	l, err := handoff.NewLabel("180000000011", "川崎市立図書館", kawasaki, time.Date(2026, 11, 23, 10, 0, 0, 0, time.Local))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

var mediaBox = regexp.MustCompile(`/MediaBox \[0 0 ([0-9.]+) ([0-9.]+)\]`)

// The label PDF is exactly the label, landscape as the roll feeds it (fpdf's "P" with Wd>Ht; "L" would swap).
func TestLabelPDF_PageIsTheLabelSize(t *testing.T) {
	for _, size := range printing.LabelSizes() {
		pdf, err := printing.RenderLabelPDF(testLabel(t), size)
		if err != nil {
			t.Fatalf("%s: %v", size.Name, err)
		}
		m := mediaBox.FindSubmatch(pdf)
		if m == nil {
			t.Fatalf("%s: no MediaBox", size.Name)
		}
		w, _ := strconv.ParseFloat(string(m[1]), 64)
		h, _ := strconv.ParseFloat(string(m[2]), 64)
		if abs(w-size.WidthMM/25.4*72) > 0.5 || abs(h-size.HeightMM/25.4*72) > 0.5 {
			t.Errorf("%s: page %.2fx%.2f pt, want %.2fx%.2f", size.Name, w, h, size.WidthMM/25.4*72, size.HeightMM/25.4*72)
		}
		if !bytes.Contains(pdf, []byte("FontFile2")) {
			t.Errorf("%s: the Japanese font is not embedded", size.Name)
		}
	}
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}

// The PDF label, rasterised as a printer would (pdftoppm at 300 dpi), decodes to the issuer's NW-7 data.
func TestLabelPDF_RasterisedDecodesToTheCardNumber(t *testing.T) {
	for _, size := range printing.LabelSizes() {
		pdf, err := printing.RenderLabelPDF(testLabel(t), size)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(t.TempDir(), "label.pdf")
		if err := os.WriteFile(p, pdf, 0o644); err != nil {
			t.Fatal(err)
		}
		got := testenv.Zbarimg(t, testenv.Rasterize(t, p, 300))
		if len(got) != 1 || got[0] != "Codabar:A1800000000119A" {
			t.Errorf("%s: zbarimg read %q, want Codabar:A1800000000119A", size.Name, got)
		}
	}
}

// The raster label (ESC/POS, Windows GDI) decodes at the resolutions receipt and label printers have.
func TestLabelImage_DecodesAtPrinterResolutions(t *testing.T) {
	for _, dpi := range []int{203, 300, 600} {
		img := printing.RenderLabelImage(testLabel(t), printing.Label62x29, dpi)
		wantW := int(62/25.4*float64(dpi) + 0.5)
		if img.Bounds().Dx() != wantW {
			t.Errorf("%d dpi: width %d px, want %d", dpi, img.Bounds().Dx(), wantW)
		}
		got := testenv.ZbarImage(t, img)
		if len(got) != 1 || got[0] != "Codabar:A1800000000119A" {
			t.Errorf("%d dpi: zbarimg read %q", dpi, got)
		}
	}
}

func TestLabelPDF_WithoutBarcodeSaysSoInJapanese(t *testing.T) {
	_, err := printing.RenderLabelPDF(printing.Label{Number: "1"}, printing.Label62x29)
	var pe *printing.Error
	if !errors.As(err, &pe) || !errors.Is(err, printing.ErrNoContent) || pe.Message == "" {
		t.Fatalf("err = %v", err)
	}
}

func TestOpen_SpecsAndMistakes(t *testing.T) {
	for _, spec := range []string{"ipp://localhost:631/printers/PDF", "cups:PDF", "ql:cups:QL800",
		"escpos:tcp://192.0.2.1:9100", "escpos:tcp://192.0.2.1", "escpos:/dev/usb/lp0", "escpos:cups:RECEIPT?dots=384",
		"pdf:/tmp/x.pdf", "PDF", "Brother_QL-800"} {
		p, err := printing.Open(spec)
		if err != nil || p.Name() != spec {
			t.Errorf("Open(%q) = %v, %v", spec, p, err)
		}
	}
	for _, spec := range []string{"", "lpr:foo", "cups:", "pdf:", "escpos:lpt1", "ipp://"} {
		_, err := printing.Open(spec)
		var pe *printing.Error
		if !errors.As(err, &pe) || pe.Message == "" || !errors.Is(err, printing.ErrUnknownSpec) {
			t.Errorf("Open(%q) = %v, want ErrUnknownSpec with a Japanese message", spec, err)
		}
	}
	if _, err := printing.Open("windows:Brother QL-800"); !errors.Is(err, printing.ErrUnsupported) {
		t.Errorf("windows: on Linux: %v", err)
	}
}

func TestSaveAsPDF(t *testing.T) {
	out := filepath.Join(t.TempDir(), "sub", "label.pdf")
	p, err := printing.Open("pdf:" + out)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := handoff.Print(context.Background(), p, testLabel(t), printing.Label62x29); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil || !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("saved file: %v %q", err, b[:min(8, len(b))])
	}
}

// Rendering a label: the PDF (font subsetting dominates) against the raster image, baseline the barcode alone.
func BenchmarkLabel(b *testing.B) {
	l := testLabel(b)
	b.Run("baseline_barcode", func(b *testing.B) {
		for b.Loop() {
			handoff.BarcodeImage("180000000011", kawasaki, 1)
		}
	})
	b.Run("RenderLabelImage_300dpi", func(b *testing.B) {
		for b.Loop() {
			printing.RenderLabelImage(l, printing.Label62x29, 300)
		}
	})
	b.Run("RenderLabelPDF", func(b *testing.B) {
		for b.Loop() {
			if _, err := printing.RenderLabelPDF(l, printing.Label62x29); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func TestParseLabelSize_SettingsAndCommandLineForms(t *testing.T) {
	for _, c := range []struct {
		in   string
		w, h float64
	}{
		{"", 62, 29}, {"62x29", 62, 29}, {"50x30", 50, 30}, {"a4", 210, 297}, {"A4", 210, 297},
		{printing.Label50x30.Name, 50, 30}, {"62x100mm", 62, 100}, {"62×100", 62, 100},
	} {
		got, err := printing.ParseLabelSize(c.in)
		if err != nil || got.WidthMM != c.w || got.HeightMM != c.h {
			t.Errorf("ParseLabelSize(%q) = %+v, %v; want %vx%v", c.in, got, err, c.w, c.h)
		}
		if again, err := printing.ParseLabelSize(got.ID()); err != nil || again.WidthMM != got.WidthMM || again.HeightMM != got.HeightMM {
			t.Errorf("ID %q of %q does not parse back: %+v %v", got.ID(), c.in, again, err)
		}
	}
	for _, bad := range []string{"62", "x", "5x5", "1000x29", "letter"} {
		var pe *printing.Error
		if _, err := printing.ParseLabelSize(bad); !asPrintingError(err, &pe) || pe.Message == "" {
			t.Errorf("ParseLabelSize(%q) = %v, want a Japanese error", bad, err)
		}
	}
}

// The label's words are real text in the embedded Japanese font (copyable, searchable), not pictures of text.
func TestLabelPDF_JapaneseTextIsEmbedded(t *testing.T) {
	bin := testenv.Need(t, "pdftotext", "poppler-utils")
	pdf, err := printing.RenderLabelPDF(testLabel(t), printing.Label62x29)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "label.pdf")
	if err := os.WriteFile(p, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, p, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"川崎市立図書館", "180000000011", "2026年11月23日", "本日限り有効"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("pdftotext of the label lacks %q:\n%s", want, out)
		}
	}
}
