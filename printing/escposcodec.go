package printing

import (
	"fmt"
	"image"
)

// ESCPOS builds an ESC/POS byte stream. Only commands that every Epson-compatible receipt printer knows are used.
type ESCPOS struct{ b []byte }

// Bytes returns the stream built so far.
func (e *ESCPOS) Bytes() []byte { return e.b }

// Init resets the printer (ESC @).
func (e *ESCPOS) Init() { e.b = append(e.b, 0x1B, 0x40) }

// Feed prints and feeds n lines (ESC d n).
func (e *ESCPOS) Feed(n int) { e.b = append(e.b, 0x1B, 0x64, byte(max(0, min(255, n)))) }

// Cut feeds to the cutter and cuts, partially (GS V 66 0).
func (e *ESCPOS) Cut() { e.b = append(e.b, 0x1D, 0x56, 66, 0) }

// Text prints ASCII text (other bytes are sent as they are; the caller chooses the code page).
func (e *ESCPOS) Text(s string) { e.b = append(e.b, s...) }

// Align sets the justification: 0 left, 1 centre, 2 right (ESC a n).
func (e *ESCPOS) Align(n int) { e.b = append(e.b, 0x1B, 0x61, byte(n)) }

// rasterBand is the most rows sent in one GS v 0: some printers have a small receive buffer for one image.
const rasterBand = 256

// Raster prints img as 1-bit raster (GS v 0, normal density): a pixel darker than mid-gray is a dot.
func (e *ESCPOS) Raster(img image.Image) {
	g := toGray(img)
	w, h := g.Bounds().Dx(), g.Bounds().Dy()
	xb := (w + 7) / 8
	for y0 := 0; y0 < h; y0 += rasterBand {
		rows := min(rasterBand, h-y0)
		e.b = append(e.b, 0x1D, 0x76, 0x30, 0, byte(xb), byte(xb>>8), byte(rows), byte(rows>>8))
		for y := y0; y < y0+rows; y++ {
			for bx := 0; bx < xb; bx++ {
				var v byte
				for bit := 0; bit < 8; bit++ {
					x := bx*8 + bit
					if x < w && g.Pix[y*g.Stride+x] < 128 {
						v |= 0x80 >> bit
					}
				}
				e.b = append(e.b, v)
			}
		}
	}
}

// BarcodeSystem is a GS k symbology number (function B).
type BarcodeSystem byte

const (
	BarcodeCode39  BarcodeSystem = 69
	BarcodeCodabar BarcodeSystem = 71
	BarcodeCode128 BarcodeSystem = 73
)

// Barcode prints a printer-native barcode (GS h height, GS w module width, GS k m n data). Code128 data must start
// with a code set selector such as "{B".
func (e *ESCPOS) Barcode(sys BarcodeSystem, data string, moduleDots, heightDots int) {
	e.b = append(e.b, 0x1D, 0x68, byte(heightDots), 0x1D, 0x77, byte(moduleDots))
	e.b = append(e.b, 0x1D, 0x6B, byte(sys), byte(len(data)))
	e.b = append(e.b, data...)
}

// QR prints a printer-native QR code: model 2, module size, error correction M, store then print (GS ( k).
func (e *ESCPOS) QR(data string, module int) {
	e.b = append(e.b, 0x1D, 0x28, 0x6B, 4, 0, 0x31, 0x41, 0x32, 0)      // model 2
	e.b = append(e.b, 0x1D, 0x28, 0x6B, 3, 0, 0x31, 0x43, byte(module)) // module size
	e.b = append(e.b, 0x1D, 0x28, 0x6B, 3, 0, 0x31, 0x45, 0x31)         // error correction M
	n := len(data) + 3
	e.b = append(e.b, 0x1D, 0x28, 0x6B, byte(n), byte(n>>8), 0x31, 0x50, 0x30) // store
	e.b = append(e.b, data...)
	e.b = append(e.b, 0x1D, 0x28, 0x6B, 3, 0, 0x31, 0x51, 0x30) // print
}

// ESCPOSDecoded is what DecodeESCPOS found in a byte stream.
type ESCPOSDecoded struct {
	Raster  *image.Gray // every GS v 0 image stacked top to bottom (white background, black dots); nil if none
	Symbols []string    // printer-native symbols as "CODABAR:A1234A", "CODE128:{B1234", "CODE39:...", "QR:..."
	Text    string      // printable text and line feeds
	Cuts    int
	Unknown []string // commands the decoder does not know, as hex, instead of guessing their length
}

// DecodeESCPOS decodes the commands ESCPOS writes (and the common text-formatting ones) back into images, symbol
// payloads and text, so tests can check what a receipt printer received.
func DecodeESCPOS(b []byte) (*ESCPOSDecoded, error) {
	d := &ESCPOSDecoded{}
	var rasters []*image.Gray
	need := func(i, n int) error {
		if i+n > len(b) {
			return fmt.Errorf("printing: ESC/POS stream ends inside a command at byte %d", i)
		}
		return nil
	}
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c == 0x0A || c == 0x0D || c >= 0x20 && c != 0x7F:
			d.Text += string(rune(c))
			i++
		case c == 0x1B: // ESC
			if err := need(i, 2); err != nil {
				return d, err
			}
			switch b[i+1] {
			case 0x40: // ESC @
				i += 2
			case 0x64, 0x61, 0x45, 0x21, 0x74, 0x2D, 0x4A, 0x4D, 0x47, 0x33: // one-parameter commands
				if err := need(i, 3); err != nil {
					return d, err
				}
				i += 3
			case 0x32: // ESC 2
				i += 2
			default:
				d.Unknown = append(d.Unknown, fmt.Sprintf("1b%02x", b[i+1]))
				i += 2
			}
		case c == 0x1C: // FS: kanji mode on/off (FS & / FS .) and FS C n
			if err := need(i, 2); err != nil {
				return d, err
			}
			switch b[i+1] {
			case 0x26, 0x2E:
				i += 2
			case 0x43, 0x21:
				i += 3
			default:
				d.Unknown = append(d.Unknown, fmt.Sprintf("1c%02x", b[i+1]))
				i += 2
			}
		case c == 0x1D: // GS
			if err := need(i, 2); err != nil {
				return d, err
			}
			switch b[i+1] {
			case 0x76: // GS v 0 m xL xH yL yH data
				if err := need(i, 8); err != nil {
					return d, err
				}
				xb := int(b[i+4]) | int(b[i+5])<<8
				rows := int(b[i+6]) | int(b[i+7])<<8
				if err := need(i+8, xb*rows); err != nil {
					return d, err
				}
				img := image.NewGray(image.Rect(0, 0, xb*8, rows))
				data := b[i+8:]
				for y := 0; y < rows; y++ {
					for x := 0; x < xb*8; x++ {
						if data[y*xb+x/8]&(0x80>>(x%8)) != 0 {
							img.Pix[y*img.Stride+x] = 0
						} else {
							img.Pix[y*img.Stride+x] = 0xFF
						}
					}
				}
				rasters = append(rasters, img)
				i += 8 + xb*rows
			case 0x56: // GS V m [n]
				if err := need(i, 3); err != nil {
					return d, err
				}
				d.Cuts++
				if b[i+2] >= 65 {
					i += 4
				} else {
					i += 3
				}
			case 0x68, 0x77, 0x48, 0x66, 0x21, 0x42, 0x4C: // one-parameter commands
				i += 3
			case 0x6B: // GS k m ...
				if err := need(i, 4); err != nil {
					return d, err
				}
				m := b[i+2]
				name := map[byte]string{4: "CODE39", 6: "CODABAR", 69: "CODE39", 71: "CODABAR", 73: "CODE128"}[m]
				if name == "" {
					name = fmt.Sprintf("GSk%d", m)
				}
				if m <= 6 { // NUL-terminated
					j := i + 3
					for j < len(b) && b[j] != 0 {
						j++
					}
					if j == len(b) {
						return d, fmt.Errorf("printing: unterminated GS k at byte %d", i)
					}
					d.Symbols = append(d.Symbols, name+":"+string(b[i+3:j]))
					i = j + 1
				} else {
					n := int(b[i+3])
					if err := need(i+4, n); err != nil {
						return d, err
					}
					d.Symbols = append(d.Symbols, name+":"+string(b[i+4:i+4+n]))
					i += 4 + n
				}
			case 0x28: // GS ( fn pL pH ...
				if err := need(i, 5); err != nil {
					return d, err
				}
				n := int(b[i+3]) | int(b[i+4])<<8
				if err := need(i+5, n); err != nil {
					return d, err
				}
				p := b[i+5 : i+5+n]
				if b[i+2] == 0x6B && n >= 3 && p[0] == 0x31 && p[1] == 0x50 { // QR store
					d.Symbols = append(d.Symbols, "QR:"+string(p[3:]))
				}
				i += 5 + n
			default:
				d.Unknown = append(d.Unknown, fmt.Sprintf("1d%02x", b[i+1]))
				i += 2
			}
		default:
			d.Unknown = append(d.Unknown, fmt.Sprintf("%02x", c))
			i++
		}
	}
	d.Raster = stack(rasters)
	return d, nil
}

func stack(imgs []*image.Gray) *image.Gray {
	if len(imgs) == 0 {
		return nil
	}
	w, h := 0, 0
	for _, g := range imgs {
		w = max(w, g.Bounds().Dx())
		h += g.Bounds().Dy()
	}
	out := image.NewGray(image.Rect(0, 0, w, h))
	for i := range out.Pix {
		out.Pix[i] = 0xFF
	}
	y := 0
	for _, g := range imgs {
		for r := 0; r < g.Bounds().Dy(); r++ {
			copy(out.Pix[(y+r)*out.Stride:], g.Pix[r*g.Stride:r*g.Stride+g.Bounds().Dx()])
		}
		y += g.Bounds().Dy()
	}
	return out
}
