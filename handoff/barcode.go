package handoff

import (
	"fmt"
	"image"
	"image/color"
	"strings"

	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/codabar"
	"github.com/boombuler/barcode/code128"
	"github.com/boombuler/barcode/code39"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

const (
	// QuietModules is the white margin left and right of every symbol, in narrow modules (NW-7 and Code128 ask 10).
	QuietModules = 10
	// MinPxPerModule is the narrowest module a counter scanner reads from a monitor (zbar misses NW-7 at 1 px).
	MinPxPerModule = 2
	// barModules is the bar height in modules (about 15 % of a 14-character NW-7 symbol's width).
	barModules = 40
	// marginModules is the white margin above and below the bars.
	marginModules = 4
)

// Encode returns the text the issuer's barcode carries for num: for NW-7 the start character, the number, the check
// character (if any) and the stop character ("A1800000000115A" — zbar and scanners return the same string); for
// Code39 and Code128 the number and the check character.
func Encode(num string, s mkpf.HandoffSettings) (string, error) {
	num = strings.TrimSpace(num)
	if num == "" {
		return "", errf(ErrNumber, "利用カード番号が空です")
	}
	switch sym := symbology(s); sym {
	case mkpf.SymNW7:
		start, stop := strings.ToUpper(s.NW7Start), strings.ToUpper(s.NW7Stop)
		if start == "" {
			start = "A"
		}
		if stop == "" {
			stop = start
		}
		if len(start) != 1 || !strings.Contains("ABCD", start) || len(stop) != 1 || !strings.Contains("ABCD", stop) {
			return "", errf(fmt.Errorf("%w: NW-7 start/stop %q/%q", ErrSettings, start, stop),
				"NW-7 のスタート/ストップ文字は A, B, C, D のどれかです。ID付与事業者の設定を確認してください")
		}
		for _, r := range num {
			if !strings.ContainsRune("0123456789-$:/.+", r) {
				return "", errf(fmt.Errorf("%w: %q has %q", ErrNumber, num, r), "利用カード番号「%s」に NW-7 で使えない文字「%c」があります", num, r)
			}
		}
		cd := ""
		var err error
		if s.CheckDigit == mkpf.CheckMod16 {
			cd, err = CheckDigit(mkpf.CheckMod16, start+num+stop)
		} else {
			cd, err = CheckDigit(s.CheckDigit, num)
		}
		if err != nil {
			return "", err
		}
		return start + num + cd + stop, nil
	case mkpf.SymCode39, mkpf.SymCode128:
		if s.CheckDigit == mkpf.CheckMod16 {
			return "", errf(fmt.Errorf("%w: mod16 with %s", ErrSettings, sym), "モジュラス16 は NW-7 専用です。ID付与事業者の設定を確認してください")
		}
		cd, err := CheckDigit(s.CheckDigit, num)
		if err != nil {
			return "", err
		}
		data := num + cd
		if sym == mkpf.SymCode39 {
			for _, r := range strings.ToUpper(data) {
				if !strings.ContainsRune("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%", r) {
					return "", errf(fmt.Errorf("%w: %q has %q", ErrNumber, num, r), "利用カード番号「%s」に Code39 で使えない文字「%c」があります", num, r)
				}
			}
			return strings.ToUpper(data), nil
		}
		for _, r := range data {
			if r < 0x20 || r > 0x7E {
				return "", errf(fmt.Errorf("%w: %q has %q", ErrNumber, num, r), "利用カード番号「%s」に Code128 で使えない文字「%c」があります", num, r)
			}
		}
		return data, nil
	default:
		return "", errf(fmt.Errorf("%w: symbology %q", ErrSettings, sym), "バーコードの種類「%s」は使えません。ID付与事業者の設定を確認してください", sym)
	}
}

func symbology(s mkpf.HandoffSettings) mkpf.Symbology {
	if s.Symbology == "" {
		return mkpf.SymNW7 // what Japanese library cards use
	}
	return s.Symbology
}

// Modules returns the symbol of the encoded text as narrow-module colours, true = bar, without quiet zone.
func Modules(data string, sym mkpf.Symbology) ([]bool, error) {
	var bc barcode.Barcode
	var err error
	switch sym {
	case "", mkpf.SymNW7:
		bc, err = codabar.Encode(data)
	case mkpf.SymCode39:
		bc, err = code39.Encode(data, false, false)
	case mkpf.SymCode128:
		bc, err = code128.Encode(data)
	default:
		err = fmt.Errorf("%w: symbology %q", ErrSettings, sym)
	}
	if err != nil {
		return nil, errf(err, "バーコード「%s」を作れませんでした", data)
	}
	b := bc.Bounds()
	out := make([]bool, b.Dx())
	for x := range out {
		out[x] = color.GrayModel.Convert(bc.At(b.Min.X+x, b.Min.Y)).(color.Gray).Y < 128
	}
	return out, nil
}

// BarcodeImage draws the issuer's barcode for num with pxPerModule pixels per narrow module (at least
// MinPxPerModule for screens; 1 is allowed for labels, whose renderers scale it), QuietModules of white on each side,
// on a white 8-bit gray image. It also returns the encoded text.
func BarcodeImage(num string, s mkpf.HandoffSettings, pxPerModule int) (image.Image, string, error) {
	data, err := Encode(num, s)
	if err != nil {
		return nil, "", err
	}
	mods, err := Modules(data, symbology(s))
	if err != nil {
		return nil, "", err
	}
	return DrawModules(mods, pxPerModule), data, nil
}

// DrawModules draws a module pattern with quiet zones and margins.
func DrawModules(mods []bool, px int) *image.Gray {
	px = max(1, px)
	w := (len(mods) + 2*QuietModules) * px
	h := (barModules + 2*marginModules) * px
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 0xFF
	}
	y0 := marginModules * px
	first := img.Pix[y0*img.Stride : y0*img.Stride+w]
	for m, bar := range mods {
		if bar {
			x0 := (QuietModules + m) * px
			for x := x0; x < x0+px; x++ {
				first[x] = 0
			}
		}
	}
	for y := y0 + 1; y < (marginModules+barModules)*px; y++ {
		copy(img.Pix[y*img.Stride:], first)
	}
	return img
}
