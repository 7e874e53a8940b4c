package printing

// One layout, two renderers: receipts and vouchers are laid out once against the small canvas interface below and
// drawn either into a PDF (fpdf, the embedded IPAex Gothic, bars and QR modules as filled rectangles) or into an
// 8-bit gray image at a printer's resolution (the same font through golang.org/x/image/font/opentype) for the raster
// back ends (ESC/POS, Windows GDI).

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"sync"

	"github.com/go-pdf/fpdf"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

const ptMM = 25.4 / 72 // one point in mm

// PaperSize is the paper a receipt or voucher is printed on. A roll (HeightMM 0) gets the length its content needs.
type PaperSize struct {
	Name              string
	WidthMM, HeightMM float64
}

// The paper sizes for receipts and vouchers.
var (
	Paper58mm = PaperSize{Name: "58mm", WidthMM: 58}
	Paper80mm = PaperSize{Name: "80mm", WidthMM: 80}
	PaperA6   = PaperSize{Name: "A6", WidthMM: 105, HeightMM: 148}
	PaperA4   = PaperSize{Name: "A4", WidthMM: 210, HeightMM: 297}
)

// PaperSizes lists the sizes settings offer.
func PaperSizes() []PaperSize { return []PaperSize{Paper58mm, Paper80mm, PaperA6, PaperA4} }

// PaperSizeByName returns the size called name ("58mm", "80mm", "A6", "A4"), or def.
func PaperSizeByName(name string, def PaperSize) PaperSize {
	for _, p := range PaperSizes() {
		if p.Name == name {
			return p
		}
	}
	return def
}

// canvas is what a layout draws on; all units are mm, text sizes in points, y is the top of the text line.
type canvas interface {
	text(x, y, w, pt float64, s, align string)
	textWidth(pt float64, s string) float64
	rect(x, y, w, h float64, fill bool, line float64)
	modules(x, y, size float64, bm [][]bool)
}

// measureCanvas draws nothing: a first pass measures a roll's length.
type measureCanvas struct{ pdf *pdfCanvas }

func (m measureCanvas) text(x, y, w, pt float64, s, align string)        {}
func (m measureCanvas) textWidth(pt float64, s string) float64           { return m.pdf.textWidth(pt, s) }
func (m measureCanvas) rect(x, y, w, h float64, fill bool, line float64) {}
func (m measureCanvas) modules(x, y, size float64, bm [][]bool)          {}

type pdfCanvas struct{ f *fpdf.Fpdf }

func newPDFCanvas(wmm, hmm float64, title string) (*pdfCanvas, error) {
	fnt, err := japaneseFont()
	if err != nil {
		return nil, err
	}
	f := fpdf.NewCustom(&fpdf.InitType{UnitStr: "mm", OrientationStr: "P", Size: fpdf.SizeType{Wd: wmm, Ht: hmm}})
	f.SetMargins(0, 0, 0)
	f.SetAutoPageBreak(false, 0)
	f.SetTitle(title, true)
	f.SetCreator("mykeyterm", true)
	f.AddUTF8FontFromBytes("jp", "", fnt)
	f.SetFont("jp", "", 10)
	return &pdfCanvas{f: f}, nil
}

func (c *pdfCanvas) text(x, y, w, pt float64, s, align string) {
	c.f.SetFont("jp", "", pt)
	c.f.SetXY(x, y)
	a := map[string]string{"left": "L", "center": "C", "right": "R"}[align]
	c.f.CellFormat(w, pt*ptMM*1.15, s, "", 0, a+"M", false, 0, "")
}

func (c *pdfCanvas) textWidth(pt float64, s string) float64 {
	c.f.SetFont("jp", "", pt)
	return c.f.GetStringWidth(s)
}

func (c *pdfCanvas) rect(x, y, w, h float64, fill bool, line float64) {
	if fill {
		c.f.SetFillColor(0, 0, 0)
		c.f.Rect(x, y, w, h, "F")
		return
	}
	c.f.SetDrawColor(0, 0, 0)
	c.f.SetLineWidth(line)
	c.f.Rect(x, y, w, h, "D")
}

func (c *pdfCanvas) modules(x, y, size float64, bm [][]bool) {
	if len(bm) == 0 {
		return
	}
	u := size / float64(len(bm))
	c.f.SetFillColor(0, 0, 0)
	for r, row := range bm {
		for col := 0; col < len(row); {
			if !row[col] {
				col++
				continue
			}
			e := col
			for e < len(row) && row[e] {
				e++
			}
			// A hair of overlap so no rasteriser leaves white seams between modules.
			c.f.Rect(x+float64(col)*u, y+float64(r)*u, float64(e-col)*u+0.01, u+0.01, "F")
			col = e
		}
	}
}

func (c *pdfCanvas) bytes() ([]byte, error) {
	var b bytes.Buffer
	if err := c.f.Output(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// imageCanvas draws into a gray image at dpi.
type imageCanvas struct {
	img *image.Gray
	dpi float64
}

var (
	otOnce sync.Once
	otFont *opentype.Font
	otErr  error
	faceMu sync.Mutex
	faces  = map[[2]float64]font.Face{}
)

func face(pt, dpi float64) (font.Face, error) {
	otOnce.Do(func() {
		var b []byte
		if b, otErr = japaneseFont(); otErr == nil {
			otFont, otErr = opentype.Parse(b)
		}
	})
	if otErr != nil {
		return nil, otErr
	}
	faceMu.Lock()
	defer faceMu.Unlock()
	k := [2]float64{pt, dpi}
	if f, ok := faces[k]; ok {
		return f, nil
	}
	f, err := opentype.NewFace(otFont, &opentype.FaceOptions{Size: pt, DPI: dpi, Hinting: font.HintingFull})
	if err != nil {
		return nil, err
	}
	faces[k] = f
	return f, nil
}

func newImageCanvas(wmm, hmm float64, dpi int) *imageCanvas {
	px := func(mm float64) int { return int(mm/25.4*float64(dpi) + 0.5) }
	img := image.NewGray(image.Rect(0, 0, px(wmm), px(hmm)))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	return &imageCanvas{img: img, dpi: float64(dpi)}
}

func (c *imageCanvas) px(mm float64) int { return int(mm/25.4*c.dpi + 0.5) }

func (c *imageCanvas) text(x, y, w, pt float64, s, align string) {
	f, err := face(pt, c.dpi)
	if err != nil {
		return
	}
	faceMu.Lock()
	defer faceMu.Unlock()
	adv := font.MeasureString(f, s)
	x0 := fixed.I(c.px(x))
	switch align {
	case "center":
		x0 += (fixed.I(c.px(w)) - adv) / 2
	case "right":
		x0 += fixed.I(c.px(w)) - adv
	}
	m := f.Metrics()
	lineH := fixed.I(c.px(pt * ptMM * 1.15))
	base := fixed.I(c.px(y)) + (lineH-(m.Ascent+m.Descent))/2 + m.Ascent
	d := font.Drawer{Dst: c.img, Src: image.Black, Face: f, Dot: fixed.Point26_6{X: x0, Y: base}}
	d.DrawString(s)
}

func (c *imageCanvas) textWidth(pt float64, s string) float64 {
	f, err := face(pt, c.dpi)
	if err != nil {
		return 0
	}
	faceMu.Lock()
	defer faceMu.Unlock()
	return float64(font.MeasureString(f, s).Round()) * 25.4 / c.dpi
}

func (c *imageCanvas) fill(x0, y0, x1, y1 int) {
	r := image.Rect(x0, y0, x1, y1).Intersect(c.img.Bounds())
	draw.Draw(c.img, r, image.NewUniform(color.Gray{}), image.Point{}, draw.Src)
}

func (c *imageCanvas) rect(x, y, w, h float64, fill bool, line float64) {
	x0, y0, x1, y1 := c.px(x), c.px(y), c.px(x+w), c.px(y+h)
	if fill {
		c.fill(x0, y0, x1, y1)
		return
	}
	t := max(1, c.px(line))
	c.fill(x0, y0, x1, y0+t)
	c.fill(x0, y1-t, x1, y1)
	c.fill(x0, y0, x0+t, y1)
	c.fill(x1-t, y0, x1, y1)
}

// modules draws a QR bitmap with a whole number of pixels per module (so the scanner sees square modules).
func (c *imageCanvas) modules(x, y, size float64, bm [][]bool) {
	if len(bm) == 0 {
		return
	}
	u := max(1, c.px(size)/len(bm))
	off := (c.px(size) - u*len(bm)) / 2
	x0, y0 := c.px(x)+off, c.px(y)+off
	for r, row := range bm {
		for col, on := range row {
			if on {
				c.fill(x0+col*u, y0+r*u, x0+(col+1)*u, y0+(r+1)*u)
			}
		}
	}
}

// fitPt shrinks pt until s fits in w mm (never below 5 pt).
func fitPt(c canvas, pt, w float64, s string) float64 {
	for pt > 5 && c.textWidth(pt, s) > w {
		pt -= 0.5
	}
	return pt
}
