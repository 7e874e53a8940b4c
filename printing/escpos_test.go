package printing_test

import (
	"context"
	"image"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/printing"
)

// ESC/POS bytes decode back to what was encoded: the raster image pixel for pixel (GS v 0 in bands), the payloads of
// printer-native barcodes (GS k) and QR codes (GS ( k), the text and the cut — with nothing unknown left over.
func TestESCPOS_EncodeDecodeRoundTrip(t *testing.T) {
	img := printing.RenderLabelImage(testLabel(t), printing.Label62x29, 203)
	var e printing.ESCPOS
	e.Init()
	e.Align(1)
	e.Text("MYKEYTERM\n")
	e.Raster(img)
	e.Barcode(printing.BarcodeCodabar, "A1800000000119A", 2, 80)
	e.Barcode(printing.BarcodeCode128, "{B180000000011", 2, 80)
	e.QR(`{"card":"180000000011"}`, 6)
	e.Feed(3)
	e.Cut()
	d, err := printing.DecodeESCPOS(e.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Unknown) != 0 {
		t.Errorf("unknown commands: %v", d.Unknown)
	}
	if d.Cuts != 1 || !strings.Contains(d.Text, "MYKEYTERM") {
		t.Errorf("cuts %d text %q", d.Cuts, d.Text)
	}
	want := []string{"CODABAR:A1800000000119A", "CODE128:{B180000000011", `QR:{"card":"180000000011"}`}
	if !reflect.DeepEqual(d.Symbols, want) {
		t.Errorf("symbols %q, want %q", d.Symbols, want)
	}
	assertSameDots(t, img, d.Raster)
	if got := testenv.ZbarImage(t, d.Raster); len(got) != 1 || got[0] != "Codabar:A1800000000119A" {
		t.Errorf("decoded raster: zbarimg read %q", got)
	}
}

// assertSameDots compares the 1-bit rendering of want with got (got may be padded to a multiple of 8 dots).
func assertSameDots(t *testing.T, want image.Image, got *image.Gray) {
	t.Helper()
	if got == nil {
		t.Fatal("no raster decoded")
	}
	wb := want.Bounds()
	if got.Bounds().Dy() != wb.Dy() || got.Bounds().Dx() != (wb.Dx()+7)/8*8 {
		t.Fatalf("raster %v, want %dx%d", got.Bounds(), (wb.Dx()+7)/8*8, wb.Dy())
	}
	for y := 0; y < wb.Dy(); y++ {
		for x := 0; x < wb.Dx(); x++ {
			r, _, _, _ := want.At(wb.Min.X+x, wb.Min.Y+y).RGBA()
			dot := r < 0x8000
			if (got.GrayAt(x, y).Y == 0) != dot {
				t.Fatalf("dot (%d,%d) differs", x, y)
			}
		}
	}
}

func TestDecodeESCPOS_TruncatedStreamsAreErrorsNotPanics(t *testing.T) {
	var e printing.ESCPOS
	e.Init()
	e.Raster(image.NewGray(image.Rect(0, 0, 16, 4))) // bytes 2..9 header, 10..17 dots
	e.QR("X", 3)
	b := e.Bytes()
	for n := 0; n < len(b); n++ {
		_, err := printing.DecodeESCPOS(b[:n]) // must not panic anywhere
		inside := n > 2 && n < 18
		if inside && err == nil {
			t.Errorf("a stream cut at byte %d, inside GS v 0, decoded without error", n)
		}
	}
}

func FuzzDecodeESCPOS(f *testing.F) {
	var e printing.ESCPOS
	e.Init()
	e.Raster(image.NewGray(image.Rect(0, 0, 16, 4)))
	e.Barcode(printing.BarcodeCodabar, "A1A", 2, 40)
	e.QR("X", 3)
	e.Cut()
	f.Add(e.Bytes())
	f.Add([]byte{0x1d, 0x76, 0x30, 0, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = printing.DecodeESCPOS(b) // must not panic or allocate without bound
	})
}

// The raw TCP back end (escpos:tcp://host:port) delivers a label a scanner reads to network receipt printers with
// 80 mm (576 dots) and 58 mm (384 dots, narrower than the 62 mm label) paper.
func TestESCPOS_NetworkPrinterReceivesTheLabel(t *testing.T) {
	t.Run("80mm", func(t *testing.T) { escposLabel(t, "") })
	t.Run("58mm", func(t *testing.T) { escposLabel(t, "?dots=384") })
}

func escposLabel(t *testing.T, query string) {
	fp := testenv.NewFakePrinter(t)
	p, err := printing.Open("escpos:tcp://" + fp.Addr + query)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := printing.LabelDocument(testLabel(t), printing.Label62x29, p)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := p.Print(ctx, doc); err != nil {
		t.Fatal(err)
	}
	d, err := printing.DecodeESCPOS(fp.Next(t, 5*time.Second))
	if err != nil || len(d.Unknown) > 0 || d.Cuts != 1 {
		t.Fatalf("decode: %v unknown %v cuts %d", err, d.Unknown, d.Cuts)
	}
	if w := d.Raster.Bounds().Dx(); query != "" && w > 384 {
		t.Errorf("raster %d dots wide on a 384-dot printer", w)
	}
	if got := testenv.ZbarImage(t, d.Raster); len(got) != 1 || got[0] != "Codabar:A1800000000119A" {
		t.Errorf("zbarimg read %q", got)
	}
}

func TestESCPOS_PrinterOffIsAJapaneseError(t *testing.T) {
	p, _ := printing.Open("escpos:tcp://127.0.0.1:1")
	_, err := p.Print(context.Background(), printing.Document{Image: image.NewGray(image.Rect(0, 0, 8, 8))})
	var pe *printing.Error
	if !asPrintingError(err, &pe) || !strings.Contains(pe.Message, "接続できません") {
		t.Fatalf("err = %v", err)
	}
}

func FuzzDecodeQL(f *testing.F) {
	f.Add([]byte{0, 0, 0x1b, '@', 0x1b, 'i', 'a', 1, 'M', 2, 'g', 0, 3, 0xfe, 0xff, 0x00, 'Z', 0x1a})
	f.Add([]byte{'M', 2, 'g', 0, 2, 0x80, 0xff, 0x0c})
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = printing.DecodeQL(b) // errors are fine; panics and unbounded allocations are not
	})
}

// A hand-built QL stream: PackBits lines, a blank Z line, the mirrored head order undone.
func TestDecodeQL_PackBitsAndMirroring(t *testing.T) {
	// line 1: 90 bytes, first byte 0x80 (leftmost head dot → rightmost printed pixel), the rest 0: literal 1 + repeat 89
	stream := []byte{0x1b, '@', 0x1b, 'i', 'z', 0x8e, 0x0a, 62, 29, 2, 0, 0, 0, 0, 0, 'M', 2,
		'g', 0, 4, 0x00, 0x80, 0xa8, 0x00, 'Z', 0x1a}
	pages, err := printing.DecodeQL(stream)
	if err != nil || len(pages) != 1 {
		t.Fatalf("pages %d, %v", len(pages), err)
	}
	img := pages[0].Image
	if img.Bounds().Dx() != 720 || img.Bounds().Dy() != 2 {
		t.Fatalf("bounds %v", img.Bounds())
	}
	if img.GrayAt(719, 0).Y != 0 || img.GrayAt(0, 0).Y != 0xFF || img.GrayAt(719, 1).Y != 0xFF {
		t.Errorf("dots: (719,0)=%d (0,0)=%d (719,1)=%d", img.GrayAt(719, 0).Y, img.GrayAt(0, 0).Y, img.GrayAt(719, 1).Y)
	}
	if pages[0].Info[2] != 62 || pages[0].Info[3] != 29 {
		t.Errorf("info % x", pages[0].Info)
	}
}
