package printing

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
)

// LabelSize is the paper a label is printed on.
type LabelSize struct {
	Name              string // shown in settings, e.g. "62×29mm (Brother DK-11209)"
	WidthMM, HeightMM float64
}

// The label sizes settings offer. Label62x29 is the default.
var (
	Label62x29 = LabelSize{Name: "62×29mm (Brother DK-11209)", WidthMM: 62, HeightMM: 29}
	Label50x30 = LabelSize{Name: "50×30mm", WidthMM: 50, HeightMM: 30}
	LabelA4    = LabelSize{Name: "A4 用紙", WidthMM: 210, HeightMM: 297}
)

// LabelSizes lists the sizes in the order settings show them.
func LabelSizes() []LabelSize { return []LabelSize{Label62x29, Label50x30, LabelA4} }

// ID is the short form settings store: "62x29", "50x30", "A4".
func (s LabelSize) ID() string {
	if s == LabelA4 {
		return "A4"
	}
	return trimFloat(s.WidthMM) + "x" + trimFloat(s.HeightMM)
}

// ParseLabelSize reads a size as settings or a command line give it: an ID ("62x29", "A4"), a Name, or any
// "WxH" in mm (e.g. "62x100" for continuous DK-22205 tape cut to 100 mm). "" is the default, 62×29.
func ParseLabelSize(s string) (LabelSize, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Label62x29, nil
	}
	for _, l := range LabelSizes() {
		if strings.EqualFold(s, l.ID()) || s == l.Name {
			return l, nil
		}
	}
	var w, h float64
	if n, err := fmt.Sscanf(strings.TrimSuffix(strings.ToLower(strings.ReplaceAll(s, "×", "x")), "mm"), "%gx%g", &w, &h); err == nil && n == 2 &&
		w >= 20 && h >= 10 && w <= 300 && h <= 500 {
		return LabelSize{Name: fmt.Sprintf("%s×%smm", trimFloat(w), trimFloat(h)), WidthMM: w, HeightMM: h}, nil
	}
	return LabelSize{}, errf(fmt.Errorf("label size %q", s), "ラベルの大きさ「%s」が分かりません (例: 62x29, 50x30, A4)", s)
}

// Label is what a hand-off label (mode D) shows: the barcode for the self-checkout machine's scanner, the number for
// people, the issuer, the date and optionally 「本日限り有効」.
type Label struct {
	Barcode     image.Image // the symbol with its quiet zone, drawn by package handoff (1 px or more per module)
	BarcodeText string      // what the barcode encodes (with NW-7 start/stop and check character), for tests and logs
	Number      string      // the card number as printed under the barcode
	IssuerName  string
	Date        time.Time
	TodayOnly   bool
}

const todayOnlyJA = "本日限り有効"

// labelLayout places a label's parts on a page, in mm; A4 puts one label-sized block at the top left.
type labelLayout struct {
	w, h              float64 // block size
	margin            float64
	issuerY, issuerPt float64
	barY, barH        float64
	numberY, numberPt float64
	footerY, footerPt float64
}

func layoutFor(size LabelSize) labelLayout {
	w, h := size.WidthMM, size.HeightMM
	if w > 100 || h > 100 { // a sheet: print a 62×29-ish block scaled up a bit at the top
		w, h = 90, 42
	}
	m := 2.0
	l := labelLayout{w: w, h: h, margin: m}
	l.issuerPt = h * 0.26 // 29 mm → 7.5 pt
	l.issuerY = m
	l.barY = m + l.issuerPt*0.3528 + 0.8 // pt → mm
	l.numberPt = h * 0.31
	l.footerPt = h * 0.24
	footerH := l.footerPt * 0.3528
	numberH := l.numberPt * 0.3528
	l.footerY = h - m - footerH
	l.numberY = l.footerY - numberH - 0.3
	l.barH = l.numberY - 0.4 - l.barY
	return l
}

func (l Label) footer() string {
	s := ""
	if !l.Date.IsZero() {
		s = l.Date.Format("2006年01月02日")
	}
	if l.TodayOnly {
		if s != "" {
			s += "　"
		}
		s += todayOnlyJA
	}
	return s
}

// RenderLabelPDF renders l on one page of size. The Japanese text uses the embedded IPAex Gothic font, so the PDF
// prints the same on a machine with no Japanese fonts.
func RenderLabelPDF(l Label, size LabelSize) ([]byte, error) {
	if l.Barcode == nil {
		return nil, errf(ErrNoContent, "ラベルに印刷するバーコードがありません")
	}
	if size.WidthMM <= 0 || size.HeightMM <= 0 {
		return nil, errf(fmt.Errorf("label size %vx%v", size.WidthMM, size.HeightMM), "ラベルの大きさが正しくありません。設定画面でラベルの大きさを選び直してください")
	}
	font, err := japaneseFont()
	if err != nil {
		return nil, err
	}
	// "P" with Wd>Ht keeps a landscape label as is; "L" would swap the sides (notes §2).
	pdf := fpdf.NewCustom(&fpdf.InitType{UnitStr: "mm", OrientationStr: "P",
		Size: fpdf.SizeType{Wd: size.WidthMM, Ht: size.HeightMM}})
	pdf.SetMargins(0, 0, 0)
	pdf.SetAutoPageBreak(false, 0)
	pdf.SetTitle(l.Number, true)
	pdf.SetCreator("mykeyterm", true)
	pdf.AddUTF8FontFromBytes("jp", "", font)
	pdf.AddPage()
	lay := layoutFor(size)
	m := lay.margin

	pdf.SetFont("jp", "", lay.issuerPt)
	pdf.SetXY(m, lay.issuerY)
	pdf.CellFormat(lay.w-2*m, lay.issuerPt*0.3528, l.IssuerName, "", 0, "C", false, 0, "")

	// The bars are drawn as rectangles, not as an image, so no rasteriser can blur or resample them.
	drawBars(pdf, l.Barcode, m, lay.barY, lay.w-2*m, lay.barH)

	pdf.SetFont("jp", "", lay.numberPt)
	pdf.SetXY(m, lay.numberY)
	pdf.CellFormat(lay.w-2*m, lay.numberPt*0.3528, l.Number, "", 0, "C", false, 0, "")

	if f := l.footer(); f != "" {
		pdf.SetFont("jp", "", lay.footerPt)
		pdf.SetXY(m, lay.footerY)
		pdf.CellFormat(lay.w-2*m, lay.footerPt*0.3528, f, "", 0, "C", false, 0, "")
	}
	var out bytes.Buffer
	if err := pdf.Output(&out); err != nil {
		return nil, errf(err, "ラベルのPDFを作れませんでした")
	}
	return out.Bytes(), nil
}

// drawBars draws the dark runs of the barcode image's middle row as filled rectangles in the box x,y,w,h (mm).
func drawBars(pdf *fpdf.Fpdf, bc image.Image, x, y, w, h float64) {
	b := bc.Bounds()
	g := toGray(bc)
	row := g.Pix[(b.Dy()/2)*g.Stride : (b.Dy()/2)*g.Stride+b.Dx()]
	// A module of a whole number of 300-dpi dots (also whole at 600 dpi) keeps the 2:1 wide:narrow ratio exact on
	// 300-dpi label printers; a fractional module (3.1 dots) made 50 mm labels unreadable after rasterising.
	const dot = 25.4 / 300
	unit := w / float64(b.Dx())
	if unit > dot {
		unit = math.Floor(unit/dot) * dot
	}
	x = math.Round((x+(w-unit*float64(b.Dx()))/2)/dot) * dot
	pdf.SetFillColor(0, 0, 0)
	for i := 0; i < len(row); {
		if row[i] >= 128 {
			i++
			continue
		}
		j := i
		for j < len(row) && row[j] < 128 {
			j++
		}
		pdf.Rect(x+float64(i)*unit, y, float64(j-i)*unit, h, "F")
		i = j
	}
}

// RenderLabelImage renders l as an 8-bit gray image at dpi, for raster back ends (ESC/POS, QL, Windows GDI). The
// barcode is scaled by whole pixels per module so no bar changes width.
func RenderLabelImage(l Label, size LabelSize, dpi int) image.Image {
	if dpi <= 0 {
		dpi = 300
	}
	lay := layoutFor(size)
	px := func(mm float64) int { return int(mm/25.4*float64(dpi) + 0.5) }
	img := image.NewGray(image.Rect(0, 0, px(lay.w), px(lay.h)))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	if l.Barcode != nil {
		bb := l.Barcode.Bounds()
		availW, availH := px(lay.w-2*lay.margin), px(lay.barH)
		scale := max(1, availW/max(1, bb.Dx()))
		bw := bb.Dx() * scale
		x0 := (img.Bounds().Dx() - bw) / 2
		y0 := px(lay.barY)
		for y := 0; y < availH; y++ {
			sy := bb.Min.Y + y*bb.Dy()/max(1, availH)
			for x := 0; x < bw; x++ {
				c := color.GrayModel.Convert(l.Barcode.At(bb.Min.X+x/scale, sy)).(color.Gray)
				img.SetGray(x0+x, y0+y, c)
			}
		}
	}
	drawText(img, l.Number, px(lay.numberY), px(lay.numberPt*0.3528))
	drawText(img, l.IssuerName, px(lay.issuerY), px(lay.issuerPt*0.3528))
	drawText(img, l.footer(), px(lay.footerY), px(lay.footerPt*0.3528))
	return img
}

// toGray converts any image to 8-bit gray (boombuler draws Gray16, which 16-bit PNG readers may refuse).
func toGray(src image.Image) *image.Gray {
	if g, ok := src.(*image.Gray); ok {
		return g
	}
	b := src.Bounds()
	g := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(g, g.Bounds(), src, b.Min, draw.Src)
	return g
}

// Rasterizer is a Printer that prints images at a fixed resolution (ESC/POS, Windows GDI).
type Rasterizer interface {
	Printer
	DPI() int
}

// LabelDocument renders l for printer p: the PDF always, and the image at p's resolution (300 dpi when p is not a
// Rasterizer).
func LabelDocument(l Label, size LabelSize, p Printer) (Document, error) {
	pdf, err := RenderLabelPDF(l, size)
	if err != nil {
		return Document{}, err
	}
	dpi := 300
	if r, ok := p.(Rasterizer); ok {
		dpi = r.DPI()
	}
	// A label wider than a receipt printer's paper (62 mm on 58 mm rolls) is drawn smaller rather than squeezed
	// afterwards, so every bar stays a whole number of dots.
	if m, ok := p.(interface{ MaxWidthMM() float64 }); ok && m.MaxWidthMM() > 0 && size.WidthMM > m.MaxWidthMM() {
		k := m.MaxWidthMM() / size.WidthMM
		size = LabelSize{Name: size.Name, WidthMM: size.WidthMM * k, HeightMM: size.HeightMM * k}
	}
	return Document{Title: "label " + l.Number, PDF: pdf, Image: RenderLabelImage(l, size, dpi),
		WidthMM: size.WidthMM, HeightMM: size.HeightMM}, nil
}
