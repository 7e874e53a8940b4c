package app

import (
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// Golden images of the points screens (masters app/testdata/screen02*.png … screen87*.png; a mismatch writes the new
// rendering to app/testdata/failed/). With MYKEYTERM_SCREENS_DIR set (e.g. to docs/screens) the renderings are also
// written there as the documentation's screenshots.
func TestPointsScreens_GoldenImages(t *testing.T) {
	use := func(h *ptHarness) *screen30 { return h.confirmUse("kawasaki", "500") }
	issue := func(h *ptHarness) *screen33 { return h.confirmIssue("2026-12-10", "1000") }
	for _, c := range []struct {
		name  string
		kind  mkpf.TerminalKind
		setup func(h *ptHarness)
	}{
		{"screen02", mkpf.KindPointUse, func(h *ptHarness) { h.key(fyne.KeyF4) }},
		{"screen28_pointuse", mkpf.KindPointUse, func(h *ptHarness) { h.login() }},
		{"screen28_voucher", mkpf.KindVoucher, func(h *ptHarness) { h.login() }},
		{"screen28_shop", mkpf.KindServiceID, func(h *ptHarness) { h.login() }},
		{"screen29", mkpf.KindPointUse, func(h *ptHarness) { h.toUse() }},
		{"screen29_balances", mkpf.KindPointUse, func(h *ptHarness) {
			s := h.toUse()
			h.readBalances(s.read, s.bal)
			s.points.SetText("500")
		}},
		{"screen29_errors", mkpf.KindPointUse, func(h *ptHarness) {
			s := h.toUse()
			h.readBalances(s.read, s.bal)
			s.points.SetText("20000")
			h.tap(s.confirm)
		}},
		{"screen30", mkpf.KindPointUse, func(h *ptHarness) { use(h) }},
		{"screen30_retry", mkpf.KindPointUse, func(h *ptHarness) {
			s := use(h)
			h.pts.lose = 1
			h.tap(s.use)
		}},
		{"screen30_pin", mkpf.KindPointUse, func(h *ptHarness) { // above the floor limit: the PIN dialog, tries left first
			h.pts.floor = 400
			h.tap(use(h).use)
		}},
		{"screen31", mkpf.KindPointUse, func(h *ptHarness) { h.tap(use(h).use) }},
		{"screen32", mkpf.KindVoucher, func(h *ptHarness) {
			s := h.toIssue()
			h.readBalances(s.read, s.bal)
			s.points.SetText("1000")
		}},
		{"screen33", mkpf.KindVoucher, func(h *ptHarness) { issue(h) }},
		{"screen34", mkpf.KindVoucher, func(h *ptHarness) { h.tap(issue(h).issue) }},
		{"screen35", mkpf.KindPointUse, func(h *ptHarness) { h.toClear() }},
		{"screen35_voucher", mkpf.KindPointUse, func(h *ptHarness) {
			v := h.pts.addVoucher("98765432", 1000, "2026-12-10", mkpf.VoucherOutstanding)
			h.toClear()
			h.scan(v.QR)
		}},
		{"screen35_cleared", mkpf.KindPointUse, func(h *ptHarness) {
			v := h.pts.addVoucher("98765432", 1000, "2026-12-10", mkpf.VoucherCleared)
			at := fakeNow.AddDate(0, 0, -1)
			v.ClearedAt, v.ClearedBy = &at, "00052589"
			h.toClear()
			h.scan(v.QR)
		}},
		{"screen35_forged", mkpf.KindPointUse, func(h *ptHarness) {
			v := h.pts.addVoucher("98765432", 1000, "2026-12-10", mkpf.VoucherOutstanding)
			h.toClear()
			c := byte('A')
			if v.QR[40] == c {
				c = 'B'
			}
			h.scan(v.QR[:40] + string(c) + v.QR[41:])
		}},
		{"screen36", mkpf.KindPointUse, func(h *ptHarness) {
			v := h.pts.addVoucher("98765432", 1000, "2026-12-10", mkpf.VoucherOutstanding)
			s := h.toClear()
			h.scan(v.QR)
			h.tap(s.clear)
		}},
		{"screen37", mkpf.KindServiceID, func(h *ptHarness) { h.toMerge() }},
		{"screen37_balances", mkpf.KindServiceID, func(h *ptHarness) {
			s := h.toMerge()
			h.readBalances(s.read, s.bal)
			s.points.SetText("300")
		}},
		{"screen38", mkpf.KindServiceID, func(h *ptHarness) { h.confirmMerge("300") }},
		{"screen39", mkpf.KindServiceID, func(h *ptHarness) { h.tap(h.confirmMerge("300").merge) }},
		{"screen87", mkpf.KindPointUse, func(h *ptHarness) {
			h.tap(use(h).use)
			h.key(fyne.KeyF10)
			h.key(fyne.KeyF6)
			h.tap(screenAs[*screen87](h.t, h.u).run)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newPointsHarness(t, c.kind)
			h.t = t
			c.setup(h)
			h.u.Wait()
			img := assertSettlesTo(t, c.name+".png", h.w.Canvas().Capture)
			h.locked(func() { assertAboveTheFold(t, c.name, h.u, h.w) })
			if dir := os.Getenv("MYKEYTERM_SCREENS_DIR"); dir != "" {
				f, err := os.Create(filepath.Join(dir, c.name+".png"))
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				if err := png.Encode(f, img); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}
