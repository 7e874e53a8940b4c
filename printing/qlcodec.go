package printing

import (
	"fmt"
	"image"
)

// QLPage is one page of a Brother QL raster stream.
type QLPage struct {
	Image *image.Gray // as printed: the head's mirrored dot order is undone, white background
	Info  []byte      // the 10 bytes of ESC i z (media type, width mm, length mm, raster lines…), nil if absent
}

// DecodeQL decodes the raster stream that Brother QL printers receive (as written by printer-driver-ptouch's
// ptouch-ql filter): ESC @, ESC i commands, M (compression), g/G/w raster lines (PackBits or raw), Z (blank line),
// FF (next page) and ^Z (last page). It lets tests check a label that went through the real CUPS driver.
func DecodeQL(b []byte) ([]QLPage, error) {
	var pages []QLPage
	var rows [][]byte
	var info []byte
	compressed := false
	width := 90 // bytes per line on the 720-dot QL heads
	flush := func() {
		img := image.NewGray(image.Rect(0, 0, width*8, len(rows)))
		for i := range img.Pix {
			img.Pix[i] = 0xFF
		}
		for y, r := range rows {
			for x := 0; x < len(r)*8 && x < width*8; x++ {
				if r[x/8]&(0x80>>(x%8)) != 0 {
					img.Pix[y*img.Stride+(width*8-1-x)] = 0 // mirrored head order
				}
			}
		}
		pages = append(pages, QLPage{Image: img, Info: info})
		rows, info = nil, nil
	}
	line := func(data []byte) error {
		if !compressed {
			rows = append(rows, append([]byte(nil), data...))
			return nil
		}
		r, err := unpackBits(data)
		if err != nil {
			return err
		}
		rows = append(rows, r)
		return nil
	}
	for i := 0; i < len(b); {
		need := func(n int) error {
			if i+n > len(b) {
				return fmt.Errorf("printing: QL stream ends inside a command at byte %d", i)
			}
			return nil
		}
		switch c := b[i]; c {
		case 0x00: // invalidate
			i++
		case 0x1B:
			if err := need(2); err != nil {
				return pages, err
			}
			switch b[i+1] {
			case '@':
				i += 2
			case 'i':
				if err := need(3); err != nil {
					return pages, err
				}
				n, ok := map[byte]int{'S': 0, 'a': 1, 'M': 1, 'A': 1, 'K': 1, 'R': 1, '!': 1, 'd': 2, 'z': 10, 'k': 1}[b[i+2]]
				if !ok {
					return pages, fmt.Errorf("printing: unknown QL command ESC i %q at byte %d", b[i+2], i)
				}
				if err := need(3 + n); err != nil {
					return pages, err
				}
				if b[i+2] == 'z' {
					info = append([]byte(nil), b[i+3:i+13]...)
				}
				i += 3 + n
			default:
				return pages, fmt.Errorf("printing: unknown QL command ESC %q at byte %d", b[i+1], i)
			}
		case 'M':
			if err := need(2); err != nil {
				return pages, err
			}
			compressed = b[i+1] == 0x02
			i += 2
		case 'g', 'w': // g 00 n data / w 01 n data (two-colour printers: the colour plane byte)
			if err := need(3); err != nil {
				return pages, err
			}
			n := int(b[i+2])
			if err := need(3 + n); err != nil {
				return pages, err
			}
			if c == 'g' || b[i+1] == 0x01 {
				if err := line(b[i+3 : i+3+n]); err != nil {
					return pages, err
				}
			}
			i += 3 + n
		case 'G': // G nL nH data (P-touch style)
			if err := need(3); err != nil {
				return pages, err
			}
			n := int(b[i+1]) | int(b[i+2])<<8
			if err := need(3 + n); err != nil {
				return pages, err
			}
			if err := line(b[i+3 : i+3+n]); err != nil {
				return pages, err
			}
			i += 3 + n
		case 'Z':
			rows = append(rows, make([]byte, width))
			i++
		case 0x0C:
			flush()
			i++
		case 0x1A:
			flush()
			return pages, nil
		default:
			return pages, fmt.Errorf("printing: unknown QL byte %#02x at %d", c, i)
		}
	}
	if len(rows) > 0 {
		flush()
	}
	return pages, nil
}

// unpackBits decodes one TIFF PackBits run.
func unpackBits(in []byte) ([]byte, error) {
	var out []byte
	for i := 0; i < len(in); {
		n := int(int8(in[i]))
		i++
		switch {
		case n >= 0:
			if i+n+1 > len(in) {
				return nil, fmt.Errorf("printing: PackBits literal runs past the line")
			}
			out = append(out, in[i:i+n+1]...)
			i += n + 1
		case n != -128:
			if i >= len(in) {
				return nil, fmt.Errorf("printing: PackBits repeat without a byte")
			}
			for k := 0; k < 1-n; k++ {
				out = append(out, in[i])
			}
			i++
		}
	}
	return out, nil
}
