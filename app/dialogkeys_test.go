package app

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// overlayClaims is the keys the buttons of the window's top dialog claim: label → key name.
func overlayClaims(w fyne.Window) map[string]string {
	out := map[string]string{}
	top := w.Canvas().Overlays().Top()
	if top == nil {
		return out
	}
	for _, o := range visibleObjects(top) {
		if b, ok := o.(*widget.Button); ok && b.Text != "" {
			if m := claimRE.FindStringSubmatch(b.Text); m != nil {
				out[m[1]] = m[2]
			} else {
				out[b.Text] = ""
			}
		}
	}
	return out
}

// The app's own dialogs show their keys like every other button, and the keys do what the labels say: the error
// dialog's [閉じる (Enter)]; the PIN dialogs' [OK (Enter)] and [やめる (Esc)] (screen 23's signing password, the
// user-authentication PIN of 30/33/38).
func TestKeyTable_DialogsShowTheirKeysAndTakeThem(t *testing.T) {
	t.Run("error", func(t *testing.T) {
		h := newHarness(t, enrolledFake())
		h.key(fyne.KeyF2)
		h.cards.put("") // no card on the reader
		h.key(fyne.KeyF5)
		if h.u.LastError() == "" {
			t.Fatal("no error shown")
		}
		if got := overlayClaims(h.w); got["閉じる"] != "Enter" {
			t.Fatalf("error dialog buttons %v, want 閉じる (Enter)", got)
		}
		h.key(fyne.KeyReturn)
		if h.w.Canvas().Overlays().Top() != nil || h.u.errDialog != nil {
			t.Error("Enter did not close the error dialog")
		}
		screenAs[*screen25](t, h.u)
	})
	t.Run("pin23", func(t *testing.T) {
		h := newHarness(t, enrolledFake())
		h.cards.signTries = 3
		h.register("suzuki", "180000000033", "はい")
		if got := overlayClaims(h.w); got["OK"] != "Enter" || got["やめる"] != "Esc" {
			t.Fatalf("PIN dialog buttons %v, want OK (Enter) and やめる (Esc)", got)
		}
		h.locked(func() { h.w.Canvas().Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape}) }) // Esc in the PIN field
		h.u.Wait()
		if h.u.pinDialog != nil || h.w.Canvas().Overlays().Top() != nil || len(h.cards.pinsSent) != 0 {
			t.Fatalf("Esc: dialog still open or PIN sent (%d)", len(h.cards.pinsSent))
		}
		screenAs[*screen23](t, h.u)
		h.tap(screenAs[*screen23](t, h.u).register)
		h.locked(func() {
			test.Type(h.u.pinEntry, "ABC123")
			h.w.Canvas().Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn}) // Enter in the PIN field = OK
		})
		h.u.Wait()
		if len(h.cards.pinsSent) != 1 {
			t.Fatalf("Enter: PIN sent %d times, want once", len(h.cards.pinsSent))
		}
		screenAs[*screen24](t, h.u)
	})
	t.Run("pin30", func(t *testing.T) {
		h := newPointsHarness(t, mkpf.KindPointUse)
		h.pts.floor = 400
		s := h.confirmUse("kawasaki", "500")
		h.tap(s.use)
		if h.u.pinDialog == nil {
			t.Fatalf("no PIN dialog; error %q", h.u.LastError())
		}
		if got := overlayClaims(h.w); got["OK"] != "Enter" || got["やめる"] != "Esc" {
			t.Fatalf("PIN dialog buttons %v, want OK (Enter) and やめる (Esc)", got)
		}
		h.key(fyne.KeyF5) // a screen key while the patron types: the dialog keeps it
		if h.u.pinDialog == nil {
			t.Fatal("F5 closed the PIN dialog")
		}
		h.key(fyne.KeyEscape)
		if h.u.pinDialog != nil || !strings.Contains(s.use.Text, "(F5)") {
			t.Error("Esc did not cancel the PIN dialog")
		}
		screenAs[*screen30](t, h.u)
	})
}
