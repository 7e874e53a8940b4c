package app

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// assertAboveTheFold fails when, at the window's real size (WindowSize on the counter, PhoneSize on the grant phone),
// the clerk would have to scroll to reach what the screen is for: its primary button (the one F5 presses, or else its
// highlighted buttons) or any of its input fields; or when the screen is wider than the window (clipped at the
// right). The golden-image tests call it on every screen they render, so it walks every screen in each state.
func assertAboveTheFold(t *testing.T, name string, u *UI, w fyne.Window) {
	t.Helper()
	d := fyne.CurrentApp().Driver()
	win := w.Canvas().Size() // Fyne's test canvas grows to the content's minimum: compare with the intended size
	intended, limit := WindowSize.Width, WindowSize.Width
	if u.Svc.Phone {
		intended, limit = PhoneSize.Width, PhoneWidthMin // rendered at 390 dp, must fit 360
	}
	if min := w.Content().MinSize(); min.Width > limit+0.5 {
		t.Errorf("%s: the screen needs %.0f px of width, the narrowest window has %.0f (content cut at the right)", name, min.Width, limit)
	}
	win.Width = min(win.Width, intended)
	if u.scroll == nil {
		return
	}
	top := d.AbsolutePositionForObject(u.scroll).Y
	fold := top + u.scroll.Size().Height
	var primary, fields, highlighted []fyne.CanvasObject
	for _, o := range visibleObjects(u.body) {
		switch x := o.(type) {
		case *widget.Button:
			if m := claimRE.FindStringSubmatch(x.Text); m != nil && m[2] == "F5" {
				primary = append(primary, x)
			} else if x.Importance == widget.HighImportance {
				highlighted = append(highlighted, x)
			}
		case *fkeyEntry, *widget.Entry, *widget.Select, *widget.SelectEntry, *widget.RadioGroup, *widget.CheckGroup, *noPasteEntry:
			fields = append(fields, o)
		}
	}
	if len(primary) == 0 {
		primary = highlighted
	}
	for _, o := range append(primary, fields...) {
		pos := d.AbsolutePositionForObject(o)
		if bottom := pos.Y + o.Size().Height; bottom > fold+0.5 {
			t.Errorf("%s: %s is below the fold at %.0f×%.0f (its bottom at y=%.0f, the visible area ends at y=%.0f)", name, describe(o), win.Width, win.Height, bottom, fold)
		}
		if right := pos.X + o.Size().Width; right > win.Width+0.5 {
			t.Errorf("%s: %s is cut at the right (x up to %.0f, window %.0f)", name, describe(o), right, win.Width)
		}
	}
}

func describe(o fyne.CanvasObject) string {
	switch x := o.(type) {
	case *widget.Button:
		return "[" + x.Text + "]"
	case *fkeyEntry:
		return "the field (placeholder " + x.PlaceHolder + ")"
	}
	return "a field"
}
