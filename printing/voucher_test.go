package printing

import (
	"bytes"
	"crypto/ed25519"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

var testVoucherKey = ed25519.NewKeyFromSeed([]byte("mykeyterm test voucher key seed!"))

func testVoucher(t *testing.T, reissue bool) VoucherPrint {
	t.Helper()
	qr, err := mkpf.EncodeVoucherQR(mkpf.VoucherQR{Number: "98765432", Points: 1000, Expiry: "2026-12-23", TerminalID: "00053059"}, testVoucherKey)
	if err != nil {
		t.Fatal(err)
	}
	return VoucherPrint{
		Voucher: mkpf.Voucher{Number: "98765432", Display: "9876-5432", Points: 1000, ProgramName: "川崎市 自治体ポイント",
			Expires: "2026-12-23", IssuedAt: time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC), IssuedBy: "00053059",
			IssuedPlace: "川崎商工会議所", QR: qr, State: mkpf.VoucherOutstanding},
		MunicipalityName: "川崎市", Reissue: reissue,
	}
}

// needTools fails (never skips) when the Debian tools the round trip needs are missing.
func needTools(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing: run scripts/install-deps.sh (Debian packages poppler-utils zbar-tools)", tool)
		}
	}
}

// zbarPDF rasterises page 1 of a PDF at 300 dpi and returns what zbarimg decodes.
func zbarPDF(t *testing.T, pdf []byte) string {
	t.Helper()
	dir := t.TempDir()
	in := filepath.Join(dir, "doc.pdf")
	if err := os.WriteFile(in, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftoppm", "-r", "300", "-gray", "-png", "-singlefile", in, filepath.Join(dir, "page")).CombinedOutput()
	if err != nil {
		t.Fatalf("pdftoppm: %v %s", err, out)
	}
	return zbarFile(t, filepath.Join(dir, "page.png"))
}

func zbarFile(t *testing.T, path string) string {
	t.Helper()
	out, err := exec.Command("zbarimg", "--nodbus", "-q", "--raw", path).Output()
	if err != nil {
		t.Fatalf("zbarimg found nothing in %s: %v", path, err)
	}
	return strings.TrimSpace(string(out))
}

func TestVoucherPrint_QRDecodesToTheSignedTextOnEveryPaper(t *testing.T) {
	needTools(t, "pdftoppm", "zbarimg")
	for _, reissue := range []bool{false, true} {
		v := testVoucher(t, reissue)
		for _, p := range PaperSizes() {
			pdf, err := RenderVoucherPDF(v, p)
			if err != nil {
				t.Fatal(err)
			}
			if got := zbarPDF(t, pdf); got != v.QR {
				t.Errorf("%s reissue=%v: PDF QR decodes to %q", p.Name, reissue, got)
			}
			img, err := RenderVoucherImage(v, p, 203)
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			png.Encode(&b, img)
			f := filepath.Join(t.TempDir(), "v.png")
			os.WriteFile(f, b.Bytes(), 0o644)
			if got := zbarFile(t, f); got != v.QR {
				t.Errorf("%s: raster QR decodes to %q", p.Name, got)
			}
			if p.WidthMM <= 80 && img.Bounds().Dx() != int(p.WidthMM/25.4*203+0.5) {
				t.Errorf("%s: raster width %d px", p.Name, img.Bounds().Dx())
			}
		}
	}
}

func TestVoucherPrint_ReissueIsMarkedAndTextIsJapanese(t *testing.T) {
	needTools(t, "pdftotext")
	for _, reissue := range []bool{false, true} {
		pdf, err := RenderVoucherPDF(testVoucher(t, reissue), PaperA6)
		if err != nil {
			t.Fatal(err)
		}
		f := filepath.Join(t.TempDir(), "v.pdf")
		os.WriteFile(f, pdf, 0o644)
		out, err := exec.Command("pdftotext", "-layout", f, "-").Output()
		if err != nil {
			t.Fatal(err)
		}
		text := string(out)
		for _, want := range []string{"自治体ポイント券", "9876-5432", "1,000 ポイント", "2026年12月23日まで", "川崎商工会議所", "発行認印", "利用店舗印"} {
			if !strings.Contains(text, want) {
				t.Errorf("reissue=%v: %q missing from:\n%s", reissue, want, text)
			}
		}
		if strings.Contains(text, "再発行") != reissue {
			t.Errorf("reissue=%v but 再発行 shown=%v", reissue, !reissue)
		}
	}
}

func TestReceiptPrint_UseReceiptOnRollsAndSheets(t *testing.T) {
	needTools(t, "pdftotext", "pdfinfo")
	r := UseReceipt(mkpf.UseResult{TxnID: "T0000000042", ProgramName: "川崎市 自治体ポイント", Points: 500, BalanceAfter: 9500,
		At: time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC), TerminalID: "00052589", Location: "川崎市市民ミュージアム 受付"})
	for _, p := range PaperSizes() {
		pdf, err := RenderReceiptPDF(r, p)
		if err != nil {
			t.Fatal(err)
		}
		f := filepath.Join(t.TempDir(), "r.pdf")
		os.WriteFile(f, pdf, 0o644)
		out, _ := exec.Command("pdftotext", "-layout", f, "-").Output()
		for _, want := range []string{"自治体ポイント利用明細", "500 ポイント", "9,500 ポイント", "2026年11月23日 18:30", "00052589"} {
			if !strings.Contains(string(out), want) {
				t.Errorf("%s: %q missing from:\n%s", p.Name, want, out)
			}
		}
		info, _ := exec.Command("pdfinfo", f).Output()
		wantW := p.WidthMM / 25.4 * 72
		if got := pageWidthPt(string(info)); got < wantW-0.5 || got > wantW+0.5 {
			t.Errorf("%s: page size not %v pt wide: %s", p.Name, wantW, info)
		}
		img, err := RenderReceiptImage(r, p, 203)
		if err != nil || img.Bounds().Dy() < 100 {
			t.Fatalf("%s: image %v %v", p.Name, img, err)
		}
	}
}

// pageWidthPt reads the first page's width from pdfinfo's "Page size: W x H pts".
func pageWidthPt(info string) float64 {
	for _, l := range strings.Split(info, "\n") {
		if rest, ok := strings.CutPrefix(l, "Page size:"); ok {
			var w float64
			fmt.Sscanf(strings.TrimSpace(rest), "%f", &w)
			return w
		}
	}
	return 0
}

// TestVoucherPrint_TitledAfterTheChosenPoint: a voucher of an event's points is titled after the event, not as a
// 自治体ポイント券 (screen 32 lets the clerk choose either point).
func TestVoucherPrint_TitledAfterTheChosenPoint(t *testing.T) {
	needTools(t, "pdftotext")
	v := testVoucher(t, false)
	v.ProgramName = "かわさき子育て応援イベントポイント"
	pdf, err := RenderVoucherPDF(v, PaperA6)
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(t.TempDir(), "v.pdf")
	os.WriteFile(f, pdf, 0o644)
	out, err := exec.Command("pdftotext", "-layout", f, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(string(out)), "")
	if !strings.Contains(text, "かわさき子育て応援イベントポイント券") || strings.Contains(text, "自治体ポイント券") {
		t.Errorf("event voucher's title wrong:\n%s", out)
	}
}
