package testenv

import "image"

// BarcodeBox finds the on-screen barcode: the rows with many dark/light transitions, and their horizontal extent.
func BarcodeBox(img image.Image) (image.Rectangle, bool) {
	b := img.Bounds()
	dark := func(x, y int) bool { r, g, bl, _ := img.At(x, y).RGBA(); return (r+g+bl)/3 < 0x8000 }
	top, bottom, left, right := -1, -1, b.Max.X, 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		trans, first, last := 0, -1, -1
		for x := b.Min.X + 1; x < b.Max.X; x++ {
			if dark(x, y) != dark(x-1, y) {
				trans++
				if first < 0 {
					first = x
				}
				last = x
			}
		}
		if trans >= 60 {
			if top < 0 {
				top = y
			}
			bottom = y
			left, right = min(left, first), max(right, last)
		}
	}
	if top < 0 || bottom-top < 20 {
		return image.Rectangle{}, false
	}
	return image.Rect(left-30, top-10, right+30, bottom+10).Intersect(b), true
}
