package app

// The patron desk (利用者窓口, screens 14-17; docs/patron-desk.md): a patron makes their own MyKey ID with their card.
// The screens are thin views over the terminal layer (terminal/mykeyid.go) through the two interfaces below; the real
// platform client and card service have them.

import (
	"context"

	"fyne.io/fyne/v2"

	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/terminal"
)

// deskCards is the card step of screens 14-15 (CardService has it through terminal.Cards).
type deskCards interface {
	MyKeyTries(ctx context.Context, reader string) (int, error)
	SignMyKey(ctx context.Context, reader string, p terminal.MyKeyDesk, op, pin string) (mkpf.CardSignature, error)
}

var _ deskCards = (*CardService)(nil)

// deskSession is one patron at the desk: what their card signed and the candidate so far. The next patron gets a new
// one (the menu starts it again).
type deskSession struct {
	u     *UI
	desk  terminal.MyKeyDesk
	cards deskCards
	card  mkpf.CardSignature
	cand  terminal.Candidates
}

// newDeskSession is nil when the services cannot run the patron desk (then the menu does not offer it).
func newDeskSession(u *UI) *deskSession {
	d, ok1 := u.Svc.Platform.(terminal.MyKeyDesk)
	c, ok2 := u.Svc.Cards.(deskCards)
	if !ok1 || !ok2 {
		return nil
	}
	return &deskSession{u: u, desk: d, cards: c}
}

// relayout lays the window out again after o changed its size (containers do not re-run their layout when a child's
// visibility or text changes).
func relayout(o fyne.CanvasObject) {
	if c := fyne.CurrentApp().Driver().CanvasForObject(o); c != nil && c.Content() != nil {
		c.Content().Refresh()
	}
}
