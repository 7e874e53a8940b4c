package printing

import (
	"fmt"
	"image"

	"github.com/skip2/go-qrcode"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// VoucherPrint is a point voucher (ポイント券, screens 33-34) as printed: the platform's voucher plus the names the
// terminal knows.
type VoucherPrint struct {
	mkpf.Voucher
	MunicipalityName string // e.g. 川崎市
	Reissue          bool   // print 再発行 (screen 34 [再発行]); also set when Voucher.Reissued
}

// voucherQR is the QR symbol of a voucher text: error correction M, alphanumeric mode (the text is 0-9 A-Z -), the
// 4-module quiet zone included.
func voucherQR(text string) ([][]bool, error) {
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		return nil, errf(err, "ポイント券のQRコードを作れませんでした")
	}
	return q.Bitmap(), nil
}

// layoutVoucher draws v and returns the bottom y.
func layoutVoucher(c canvas, v VoucherPrint, bm [][]bool, p PaperSize) float64 {
	x, w, y := blockFor(p)
	base := w / 74 * 9
	line := func(pt float64) float64 { return pt * ptMM * 1.15 }
	reissue := v.Reissue || v.Reissued
	if reissue {
		// A boxed 再発行 mark above everything, so a reprint can never pass for a second voucher.
		pt := base * 1.3
		bw := c.textWidth(pt, "再発行") + 4
		c.rect(x+w-bw, y, bw, line(pt)+1.5, false, 0.6)
		c.text(x+w-bw, y+0.75, bw, pt, "再発行", "center")
		y += line(pt) + 2.5
	}
	// Titled after the point chosen on screen 32: an event's voucher is not a 自治体ポイント券.
	title := mkpf.VoucherTitle(v.ProgramName)
	tp := fitPt(c, base*1.6, w, title)
	c.text(x, y, w, tp, title, "center")
	y += line(tp) + 1
	if v.MunicipalityName != "" {
		pt := fitPt(c, base, w, v.MunicipalityName)
		c.text(x, y, w, pt, v.MunicipalityName, "center")
		y += line(pt) + 1
	}
	qs := min(w*0.6, 45.0)
	c.modules(x+(w-qs)/2, y, qs, bm)
	y += qs + 1
	num := "発券番号 " + mkpf.FormatVoucherNumber(v.Number)
	np := fitPt(c, base*1.5, w, num)
	c.text(x, y, w, np, num, "center")
	y += line(np) + 1
	pts := Points(v.Points)
	pp := fitPt(c, base*2, w, pts)
	c.text(x, y, w, pp, pts, "center")
	y += line(pp) + 0.5
	for _, row := range []ReceiptRow{
		{Label: "有効期限", Value: expiryJA(v.Expires)},
		{Label: "発行場所", Value: v.IssuedPlace},
		{Label: "発行日", Value: dateJA(v.IssuedAt)},
		{Label: "発行端末", Value: v.IssuedBy},
	} {
		if row.Value == "" {
			continue
		}
		lw := c.textWidth(base, row.Label) + 2
		c.text(x, y, w, base, row.Label, "left")
		c.text(x+lw, y, w-lw, fitPt(c, base, w-lw, row.Value), row.Value, "right")
		y += line(base) + 0.6
	}
	y += 1
	for _, n := range []string{"1ポイント＝1円。一部利用はできません。", "有効期限までに消込されたものだけが精算されます。"} {
		pt := fitPt(c, base*0.8, w, n)
		c.text(x, y, w, pt, n, "center")
		y += line(pt)
	}
	y += 1.5
	// 発行認印欄 and 利用店舗印欄: two boxes side by side, big enough for a 認印 (about 12-15 mm).
	gap := 3.0
	bw := (w - gap) / 2
	bh := min(bw*0.75, 26.0)
	lp := fitPt(c, base*0.85, bw, "利用店舗印")
	for i, label := range []string{"発行認印", "利用店舗印"} {
		bx := x + float64(i)*(bw+gap)
		c.rect(bx, y, bw, bh, false, 0.3)
		c.text(bx, y+0.8, bw, lp, label, "center")
		c.rect(bx, y+line(lp)+1.4, bw, 0.2, true, 0)
	}
	return y + bh + 4
}

// RenderVoucherPDF renders the voucher on p (A6 is the natural sheet; 58/80 mm rolls get the length they need).
func RenderVoucherPDF(v VoucherPrint, p PaperSize) ([]byte, error) {
	if err := checkVoucher(v, p); err != nil {
		return nil, err
	}
	bm, err := voucherQR(v.QR)
	if err != nil {
		return nil, err
	}
	h, err := pageHeight(p, func(c canvas) float64 { return layoutVoucher(c, v, bm, p) })
	if err != nil {
		return nil, err
	}
	pc, err := newPDFCanvas(p.WidthMM, h, "ポイント券 "+mkpf.FormatVoucherNumber(v.Number))
	if err != nil {
		return nil, err
	}
	pc.f.AddPage()
	layoutVoucher(pc, v, bm, p)
	out, err := pc.bytes()
	if err != nil {
		return nil, errf(err, "ポイント券のPDFを作れませんでした")
	}
	return out, nil
}

// RenderVoucherImage renders the voucher as a gray image at dpi for raster back ends.
func RenderVoucherImage(v VoucherPrint, p PaperSize, dpi int) (image.Image, error) {
	if err := checkVoucher(v, p); err != nil {
		return nil, err
	}
	bm, err := voucherQR(v.QR)
	if err != nil {
		return nil, err
	}
	h, err := pageHeight(p, func(c canvas) float64 { return layoutVoucher(c, v, bm, p) })
	if err != nil {
		return nil, err
	}
	ic := newImageCanvas(p.WidthMM, h, dpi)
	layoutVoucher(ic, v, bm, p)
	return ic.img, nil
}

func checkVoucher(v VoucherPrint, p PaperSize) error {
	if err := checkPaper(p); err != nil {
		return err
	}
	if v.QR == "" || len(v.Number) != 8 {
		return errf(fmt.Errorf("voucher %q without QR text", v.Number), "印刷するポイント券の情報がありません。もう一度発行画面から操作してください")
	}
	return nil
}

// VoucherDocument renders the voucher for printer pr: the PDF always, the image at pr's resolution.
func VoucherDocument(v VoucherPrint, p PaperSize, pr Printer) (Document, error) {
	pdf, err := RenderVoucherPDF(v, p)
	if err != nil {
		return Document{}, err
	}
	img, err := RenderVoucherImage(v, rasterPaper(p, pr), dpiOf(pr))
	if err != nil {
		return Document{}, err
	}
	b := img.Bounds()
	return Document{Title: "ポイント券 " + mkpf.FormatVoucherNumber(v.Number), PDF: pdf, Image: img, WidthMM: p.WidthMM,
		HeightMM: float64(b.Dy()) * p.WidthMM / float64(b.Dx())}, nil
}
