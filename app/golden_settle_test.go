package app

import (
	"bytes"
	"image"
	_ "image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
)

// assertSettlesTo is test.AssertImageMatches for a canvas that may still be settling: a widget refreshed from another
// goroutine (an Entry cleared and refocused after a request, a placeholder redrawn) can reach the software painter a
// few milliseconds after the flow returned, and a loaded machine widens that window. It recaptures for up to 2 s until
// the pixels equal the master, then asserts on the last capture, so a real difference still fails (and is written to
// testdata/failed/ as usual).
func assertSettlesTo(t *testing.T, master string, capture func() image.Image) image.Image {
	t.Helper()
	want := masterPixels(master)
	img := capture()
	for deadline := time.Now().Add(2 * time.Second); want != nil && !bytes.Equal(pixels(img), want) && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
		img = capture()
	}
	test.AssertImageMatches(t, master, img)
	return img
}

func masterPixels(name string) []byte {
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		return nil // no master: AssertImageMatches says so
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		return nil
	}
	return pixels(img)
}

// pixels returns the raw pixel bytes the way Fyne's own comparison reads them (RGBA or NRGBA only).
func pixels(img image.Image) []byte {
	switch i := img.(type) {
	case *image.RGBA:
		return i.Pix
	case *image.NRGBA:
		return i.Pix
	}
	return nil
}
