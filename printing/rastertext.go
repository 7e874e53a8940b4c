package printing

import (
	"image"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

var (
	sfntOnce sync.Once
	sfntFont *sfnt.Font
)

// rasterFont parses the embedded Japanese font once for raster labels.
func rasterFont() *sfnt.Font {
	sfntOnce.Do(func() {
		if b, err := japaneseFont(); err == nil {
			sfntFont, _ = opentype.Parse(b)
		}
	})
	return sfntFont
}

// drawText draws s centred horizontally with its top at y, about h px high (the font's em size), in black. Without
// the font (never in a normal build) it draws nothing rather than fail a print.
func drawText(img *image.Gray, s string, y, h int) {
	f := rasterFont()
	if s == "" || h < 4 || f == nil {
		return
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: float64(h), DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		return
	}
	defer face.Close()
	d := &font.Drawer{Dst: img, Src: image.Black, Face: face}
	w := d.MeasureString(s)
	x := (fixed.I(img.Bounds().Dx()) - w) / 2
	d.Dot = fixed.Point26_6{X: x, Y: fixed.I(y) + face.Metrics().Ascent}
	d.DrawString(s)
}
