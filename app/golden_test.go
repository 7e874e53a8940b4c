package app

import (
	"os"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// Golden images of every screen, rendered by Fyne's software painter with the embedded font (so they do not depend
// on the machine's fonts). Masters are app/testdata/*.png; a mismatch writes the new rendering to
// app/testdata/failed/ (copy it over the master after looking at it).
func TestScreens_GoldenImages(t *testing.T) {
	for _, c := range []struct {
		name  string
		plat  func() *fakePlatform
		setup func(h *harness)
	}{
		{"screen09", newFakePlatform, func(h *harness) {}},
		{"screen10", func() *fakePlatform { p := newFakePlatform(); p.enrolled, p.term = true, demoTerminal(); return p }, func(h *harness) {}},
		{"screen10_errors", func() *fakePlatform { p := newFakePlatform(); p.enrolled, p.term = true, demoTerminal(); return p }, func(h *harness) {
			h.tap(screenAs[*screen10](h.t, h.u).register)
		}},
		{"screen22", enrolledFake, func(h *harness) {}},
		{"screen23", enrolledFake, func(h *harness) { h.toRegister() }},
		{"screen23_pin", enrolledFake, func(h *harness) { h.register("suzuki", "180000000033", "はい") }},
		{"screen24", enrolledFake, func(h *harness) {
			h.register("suzuki", "180000000022", "いいえ")
			screenAs[*screen24](h.t, h.u)
		}},
		{"screen25", enrolledFake, func(h *harness) { h.key(fyne.KeyF2) }},
		{"screen25_error", enrolledFake, func(h *harness) { h.key(fyne.KeyF2); h.cards.put("suzuki"); h.key(fyne.KeyF5) }},
		{"screen26_number", enrolledFake, lookupAs(mkpf.HandoffNumber)},
		{"screen26_barcode", enrolledFake, lookupAs(mkpf.HandoffBarcode)},
		{"screen26_wedge", enrolledFake, lookupAs(mkpf.HandoffWedge)},
		{"screen26_label", enrolledFake, lookupAs(mkpf.HandoffLabel)},
		{"settings", enrolledFake, func(h *harness) { h.key(fyne.KeyF11) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, c.plat())
			h.t = t
			c.setup(h)
			h.u.Wait()
			img := assertSettlesTo(t, c.name+".png", h.w.Canvas().Capture)
			h.locked(func() { assertAboveTheFold(t, c.name, h.u, h.w) })
			if dir := os.Getenv("MYKEYTERM_SCREENS_DIR"); dir != "" { // docs: go generate-like export
				f, err := os.Create(filepath.Join(dir, "golden_"+c.name+".png"))
				if err == nil {
					_ = encodePNG(f, img)
					f.Close()
				}
			}
		})
	}
}

func lookupAs(m mkpf.HandoffMode) func(h *harness) {
	return func(h *harness) {
		h.plat.handoff.Mode = m
		h.u.SetForeground(false)
		h.key(fyne.KeyF2)
		h.cards.put("yamada")
		h.key(fyne.KeyF5)
		screenAs[*screen26](h.t, h.u)
	}
}
