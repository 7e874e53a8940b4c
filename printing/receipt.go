package printing

import (
	"fmt"
	"image"
	"strconv"
	"time"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// Receipt is what screens 31 and 36 (and 39) print with [レシート印字].
type Receipt struct {
	Title      string
	Place      string // 設置場所
	TerminalID string
	At         time.Time
	Rows       []ReceiptRow
	Notes      []string
}

// ReceiptRow is one "label ... value" line; Big rows (the points) print larger.
type ReceiptRow struct {
	Label, Value string
	Big          bool
}

// jst is Japan time (mkpf.JST): the documents are Japanese and so are their days.
var jst = mkpf.JST

// Points formats a point count as receipts show it: 1,000 ポイント.
func Points(n int64) string { return commas(n) + " ポイント" }

func commas(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	out := ""
	for len(s) > 3 {
		out = "," + s[len(s)-3:] + out
		s = s[:len(s)-3]
	}
	out = s + out
	if neg {
		out = "-" + out
	}
	return out
}

func dateJA(t time.Time) string { return t.In(jst).Format("2006年01月02日 15:04") }

// expiryJA shows a voucher's last valid day ("2026-12-23") as 2026年12月23日まで.
func expiryJA(d string) string {
	t, err := time.Parse("2006-01-02", d)
	if err != nil {
		return d
	}
	return t.Format("2006年01月02日") + "まで"
}

// UseReceipt is the receipt of screen 31 (ポイント利用).
func UseReceipt(r mkpf.UseResult) Receipt {
	return Receipt{
		Title: "自治体ポイント利用明細", Place: r.Location, TerminalID: r.TerminalID, At: r.At,
		Rows: []ReceiptRow{
			{Label: "取引番号", Value: r.TxnID},
			{Label: "ポイント種別", Value: r.ProgramName},
			{Label: "利用ポイント", Value: Points(r.Points), Big: true},
			{Label: "利用後残高", Value: Points(r.BalanceAfter)},
		},
		Notes: []string{"1ポイント＝1円として", "お買上げ金額から値引きしました。"},
	}
}

// ClearReceipt is the receipt of screen 36 (ポイント券消込).
func ClearReceipt(v mkpf.Voucher, place string) Receipt {
	at := time.Now()
	if v.ClearedAt != nil {
		at = *v.ClearedAt
	}
	return Receipt{
		Title: "ポイント券消込明細", Place: place, TerminalID: v.ClearedBy, At: at,
		Rows: []ReceiptRow{
			{Label: "発券番号", Value: mkpf.FormatVoucherNumber(v.Number)},
			{Label: "ポイント種別", Value: v.ProgramName},
			{Label: "ポイント数", Value: Points(v.Points), Big: true},
			{Label: "有効期限", Value: expiryJA(v.Expires)},
			{Label: "状態", Value: v.State.LabelJA()},
		},
		Notes: []string{"消込処理済みのポイント券が", "精算の対象になります。"},
	}
}

// MergeReceipt is the receipt of screen 39 (商店街ポイント合算).
func MergeReceipt(m mkpf.MergeResult, place, terminalID string) Receipt {
	idLabel := "商店街ポイントID"
	if m.IDKind == "mykey_id" {
		idLabel = "マイキーID"
	}
	return Receipt{
		Title: "商店街ポイント合算明細", Place: place, TerminalID: terminalID, At: m.At,
		Rows: []ReceiptRow{
			{Label: "取引済番号", Value: m.Txn},
			{Label: idLabel, Value: m.ID},
			{Label: "合算ポイント", Value: Points(m.Points), Big: true},
			{Label: "自治体ポイント残高", Value: Points(m.BalanceAfter)},
		},
		Notes: []string{"商店街ポイントシステムで", "「合算ポイント受取」を行ってください。"},
	}
}

// blockFor is where a receipt or voucher sits on the paper: the whole width of a roll, a 90 mm block at the top
// left of a sheet.
func blockFor(p PaperSize) (x, w, top float64) {
	m := 3.0
	if p.HeightMM > 0 {
		m = 8
	}
	w = min(p.WidthMM-2*m, 90)
	return m, w, m
}

// layoutReceipt draws r and returns the bottom y.
func layoutReceipt(c canvas, r Receipt, p PaperSize) float64 {
	x, w, y := blockFor(p)
	base := w / 74 * 9 // 80 mm roll (74 mm printable) → 9 pt
	line := func(pt float64) float64 { return pt * ptMM * 1.15 }
	title := fitPt(c, base*1.4, w, r.Title)
	c.text(x, y, w, title, r.Title, "center")
	y += line(title) + 1
	if r.Place != "" {
		pt := fitPt(c, base, w, r.Place)
		c.text(x, y, w, pt, r.Place, "center")
		y += line(pt)
	}
	meta := fmt.Sprintf("%s  端末ID %s", dateJA(r.At), r.TerminalID)
	pt := fitPt(c, base*0.85, w, meta)
	c.text(x, y, w, pt, meta, "center")
	y += line(pt) + 1.5
	c.rect(x, y, w, 0.3, true, 0)
	y += 2
	for _, row := range r.Rows {
		pt := base
		if row.Big {
			pt = base * 1.35
		}
		lw := c.textWidth(base, row.Label) + 2
		vpt := fitPt(c, pt, w-lw, row.Value)
		c.text(x, y, w, base, row.Label, "left")
		c.text(x+lw, y, w-lw, vpt, row.Value, "right")
		y += line(max(pt, base)) + 0.8
	}
	y += 0.7
	c.rect(x, y, w, 0.3, true, 0)
	y += 2
	for _, n := range r.Notes {
		pt := fitPt(c, base*0.85, w, n)
		c.text(x, y, w, pt, n, "center")
		y += line(pt)
	}
	return y + 4
}

func pageHeight(p PaperSize, measure func(canvas) float64) (float64, error) {
	if p.HeightMM > 0 {
		return p.HeightMM, nil
	}
	mc, err := newPDFCanvas(p.WidthMM, 100, "")
	if err != nil {
		return 0, err
	}
	return measure(measureCanvas{pdf: mc}), nil
}

func checkPaper(p PaperSize) error {
	if p.WidthMM < 40 {
		return errf(fmt.Errorf("paper %+v", p), "用紙の大きさが正しくありません。設定画面でレシート用紙を選び直してください")
	}
	return nil
}

// RenderReceiptPDF renders r on p (a roll gets the length it needs).
func RenderReceiptPDF(r Receipt, p PaperSize) ([]byte, error) {
	if err := checkPaper(p); err != nil {
		return nil, err
	}
	h, err := pageHeight(p, func(c canvas) float64 { return layoutReceipt(c, r, p) })
	if err != nil {
		return nil, err
	}
	pc, err := newPDFCanvas(p.WidthMM, h, r.Title)
	if err != nil {
		return nil, err
	}
	pc.f.AddPage()
	layoutReceipt(pc, r, p)
	out, err := pc.bytes()
	if err != nil {
		return nil, errf(err, "レシートのPDFを作れませんでした")
	}
	return out, nil
}

// RenderReceiptImage renders r as a gray image at dpi for raster back ends.
func RenderReceiptImage(r Receipt, p PaperSize, dpi int) (image.Image, error) {
	if err := checkPaper(p); err != nil {
		return nil, err
	}
	h, err := pageHeight(p, func(c canvas) float64 { return layoutReceipt(c, r, p) })
	if err != nil {
		return nil, err
	}
	ic := newImageCanvas(p.WidthMM, h, dpi)
	layoutReceipt(ic, r, p)
	return ic.img, nil
}

// rasterPaper narrows a roll to what a raster printer can print (an ESC/POS 58 mm printer prints 48 mm = 384 dots),
// so the image goes out 1:1 and QR modules stay whole dots instead of being rescaled.
func rasterPaper(p PaperSize, pr Printer) PaperSize {
	if m, ok := pr.(interface{ MaxWidthMM() float64 }); ok && p.HeightMM == 0 {
		if w := m.MaxWidthMM(); w >= 40 && w < p.WidthMM {
			return PaperSize{Name: p.Name, WidthMM: w}
		}
	}
	return p
}

func dpiOf(pr Printer) int {
	if r, ok := pr.(Rasterizer); ok {
		return r.DPI()
	}
	return 300
}

// ReceiptDocument renders r for printer pr: the PDF always, the image at pr's resolution.
func ReceiptDocument(r Receipt, p PaperSize, pr Printer) (Document, error) {
	pdf, err := RenderReceiptPDF(r, p)
	if err != nil {
		return Document{}, err
	}
	img, err := RenderReceiptImage(r, rasterPaper(p, pr), dpiOf(pr))
	if err != nil {
		return Document{}, err
	}
	b := img.Bounds()
	return Document{Title: r.Title, PDF: pdf, Image: img, WidthMM: p.WidthMM,
		HeightMM: float64(b.Dy()) * p.WidthMM / float64(b.Dx())}, nil
}
