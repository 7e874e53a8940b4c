package app

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// panelTexts is what the demo panel shows: its visible labels, buttons and radio options.
func panelTexts(o fyne.CanvasObject) string {
	var b strings.Builder
	for _, x := range visibleObjects(o) {
		switch w := x.(type) {
		case *widget.Label:
			b.WriteString(w.Text + "\n")
		case *jaLabel:
			b.WriteString(w.Text + "\n")
		case *widget.Button:
			b.WriteString(w.Text + "\n")
		case *widget.RadioGroup:
			b.WriteString(strings.Join(w.Options, "/") + "\n")
		}
	}
	return b.String()
}

// The demo panel offers the library's hand-off modes only on a service-ID terminal, and never claims a real reader.
func TestDemoPanel_ShowsOnlyWhatAppliesToTheTerminalsKind(t *testing.T) {
	for _, c := range []struct {
		kind  mkpf.TerminalKind
		modes bool
	}{
		{mkpf.KindServiceID, true},
		{mkpf.KindPointUse, false},
		{mkpf.KindVoucher, false},
		{"", false},
	} {
		h := newHarness(t, enrolledFake())
		h.plat.term.Kind = c.kind
		h.locked(func() {
			panel := NewDemoPanel(Demo{SetMode: func(mkpf.HandoffMode) error { return nil }, Mode: mkpf.HandoffNumber})
			h.u.side = panel
			h.u.ShowMenu()
			w := test.NewTempWindow(t, panel)
			w.Resize(fyne.NewSize(320, 600))
			got := panelTexts(w.Content())
			if strings.Contains(got, "バーコード表示方式") != c.modes {
				t.Errorf("terminal kind %q: hand-off modes shown = %v, want %v:\n%s", c.kind, !c.modes, c.modes, got)
			}
			if strings.Contains(got, "実際のカードリーダー") {
				t.Errorf("demo panel claims a real reader:\n%s", got)
			}
		})
	}
}

// visibleObjects walks o's tree as the painter does: hidden objects and everything inside them are left out.
func visibleObjects(o fyne.CanvasObject) []fyne.CanvasObject {
	if o == nil || !o.Visible() {
		return nil
	}
	out := []fyne.CanvasObject{o}
	switch x := o.(type) {
	case *fyne.Container:
		for _, c := range x.Objects {
			out = append(out, visibleObjects(c)...)
		}
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(x).Objects() {
			out = append(out, visibleObjects(c)...)
		}
	}
	return out
}
