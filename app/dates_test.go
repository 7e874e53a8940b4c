package app

import (
	"regexp"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/terminal"
)

var otherDateForm = regexp.MustCompile(`\d{4}[-/]\d{1,2}[-/]\d{1,2}`)

// Every date on the points screens is written one way, 2026年12月24日, in texts and in the fields the app fills in;
// what the clerk types is still read in the other forms.
func TestDates_OneFormatOnScreenAndTheOthersStillAccepted(t *testing.T) {
	if got := dayText(time.Date(2026, 12, 24, 0, 0, 0, 0, terminal.JST)); got != "2026年12月24日" {
		t.Fatalf("dayText %q", got)
	}
	for _, in := range []string{"2026年12月24日", "2026-12-24", "2026/12/24", "20261224", "２０２６年１２月２４日"} {
		if d, ok := terminal.ParseDay(in); !ok || dayText(d) != "2026年12月24日" {
			t.Errorf("input %q read as %v (ok=%v)", in, d, ok)
		}
	}
	issue := func(h *ptHarness) *screen33 { return h.confirmIssue("", "1000") }
	for _, c := range []struct {
		name  string
		kind  mkpf.TerminalKind
		setup func(h *ptHarness)
	}{
		{"29", mkpf.KindPointUse, func(h *ptHarness) { s := h.toUse(); h.readBalances(s.read, s.bal) }},
		{"32", mkpf.KindVoucher, func(h *ptHarness) { s := h.toIssue(); h.readBalances(s.read, s.bal) }},
		{"33", mkpf.KindVoucher, func(h *ptHarness) { issue(h) }},
		{"34", mkpf.KindVoucher, func(h *ptHarness) { h.tap(issue(h).issue) }},
		{"35", mkpf.KindPointUse, func(h *ptHarness) {
			v := h.pts.addVoucher("98765432", 1000, "2026-12-10", mkpf.VoucherOutstanding)
			h.toClear()
			h.scan(v.QR)
		}},
		{"87", mkpf.KindPointUse, func(h *ptHarness) {
			h.login()
			h.key(fyne.KeyF6)
			h.tap(screenAs[*screen87](h.t, h.u).run)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newPointsHarness(t, c.kind)
			h.t = t
			c.setup(h)
			h.u.Wait()
			h.locked(func() {
				dates := 0
				for _, o := range visibleObjects(h.w.Content()) {
					var text string
					switch w := o.(type) {
					case *widget.Label:
						text = w.Text
					case *jaLabel:
						text = w.Text
					case *fkeyEntry:
						text = w.Text
					case *widget.RadioGroup:
						for _, opt := range w.Options {
							text += opt + "\n"
						}
					default:
						continue
					}
					if otherDateForm.MatchString(text) {
						t.Errorf("screen %s shows a date in another form: %q", c.name, text)
					}
					if regexp.MustCompile(`\d{4}年\d{1,2}月\d{1,2}日`).MatchString(text) {
						dates++
					}
				}
				if dates == 0 {
					t.Errorf("screen %s shows no date at all: the test checks nothing", c.name)
				}
			})
		})
	}
}
