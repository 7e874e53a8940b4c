// Command mkico writes a Windows .ico file with the app's icon at 16, 24, 32, 48, 64 and 256 pixels (each stored as a
// PNG, which Windows Vista and later read), for the resource script of the Windows build (scripts/build-windows.sh).
//
//	go run ./internal/wininst/mkico -in assets/icon.png -out build/icon.ico
package main

import (
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"image"
	"image/png"
	"os"

	"golang.org/x/image/draw"
)

func main() {
	in := flag.String("in", "assets/icon.png", "the source PNG (square)")
	out := flag.String("out", "icon.ico", "the .ico file to write")
	flag.Parse()
	if err := run(*in, *out); err != nil {
		fmt.Fprintln(os.Stderr, "mkico:", err)
		os.Exit(1)
	}
}

func run(in, out string) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	src, err := png.Decode(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	sizes := []int{16, 24, 32, 48, 64, 256}
	var imgs [][]byte
	for _, s := range sizes {
		dst := image.NewNRGBA(image.Rect(0, 0, s, s))
		draw.CatmullRom.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Src, nil)
		var b bytes.Buffer
		if err := png.Encode(&b, dst); err != nil {
			return err
		}
		imgs = append(imgs, b.Bytes())
	}
	var b bytes.Buffer
	le := func(v any) { _ = binary.Write(&b, binary.LittleEndian, v) }
	le(uint16(0))          // reserved
	le(uint16(1))          // type: icon
	le(uint16(len(sizes))) // count
	off := 6 + 16*len(sizes)
	for i, s := range sizes {
		dim := uint8(s)
		if s >= 256 {
			dim = 0 // 0 means 256
		}
		b.Write([]byte{dim, dim, 0, 0})
		le(uint16(1))  // planes
		le(uint16(32)) // bits per pixel
		le(uint32(len(imgs[i])))
		le(uint32(off))
		off += len(imgs[i])
	}
	for _, img := range imgs {
		b.Write(img)
	}
	return os.WriteFile(out, b.Bytes(), 0o644)
}
