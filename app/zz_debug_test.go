package app

import (
	"fmt"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

func TestZZDebug28(t *testing.T) {
	h := newPointsHarness(t, mkpf.KindServiceID)
	h.login()
	h.u.Wait()
	for _, o := range visibleObjects(h.w.Content()) {
		if b, ok := o.(*widget.Button); ok {
			fmt.Println(b.Text, b.Size(), b.MinSize(), fyne.CurrentApp().Driver().AbsolutePositionForObject(b), b.Position())
		}
	}
}
