package app

// Proof of card presence on the confirmation screens 30, 33 and 38 (docs/security.md): above the program's floor
// limit the platform asks for it; the terminal layer reads the tries left (terminal.Cards.AskPresence), this file
// shows them first in a dialog like screen 23's and asks for the 4-digit user-authentication PIN once, and the
// terminal layer has the card sign the platform's challenge (terminal.Cards.ProvePresence); the same request is then
// sent again with the same idempotency key. A wrong PIN is shown with the tries left and never retried: the clerk
// presses the button again (or goes back).

import (
	"context"
	"errors"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/terminal"
)

// presenceCards is what the proof needs from Services.Cards (CardService has it through terminal.Cards).
type presenceCards interface {
	AskPresence(ctx context.Context, reader string, ref mkpf.PatronRef, err error) error
	ProvePresence(ctx context.Context, reader string, p terminal.PresenceChallenger, ref mkpf.PatronRef, scope mkpf.PresenceScope, pin string) (mkpf.PatronRef, error)
}

var _ presenceCards = (*CardService)(nil)

// spend is the press of a confirmation screen's button for an operation on the patron ref: send sends it with the
// screen's idempotency key. Above the floor limit the PIN dialog comes up, showing the operation and the amount
// (scope, of the program named program) before the PIN is typed, and the card signs that scope only; the proof is
// kept in *ref, so a press after a lost answer sends the identical request again.
func (c *ptConfirm) spend(busy string, scope mkpf.PresenceScope, program string, ref *mkpf.PatronRef, send func(ctx context.Context, ref mkpf.PatronRef) error, done func()) {
	if c.asking {
		return // the PIN dialog is open: its [OK] or [やめる] decides
	}
	reader := c.ps.u.Svc.Settings.Load().Reader
	pc, _ := c.ps.u.Svc.Cards.(presenceCards)
	c.onPresence = func(tries int) { c.askAuthPIN(tries, busy, scope, program, reader, pc, ref, send, done) }
	r := *ref
	c.press(busy, nil, func(ctx context.Context) error {
		err := send(ctx, r)
		if pc != nil && err != nil {
			err = pc.AskPresence(ctx, reader, r, err)
		}
		return err
	}, done)
}

// presenceWhat is the PIN dialog's first lines: the operation and the amount the patron's PIN will confirm.
func presenceWhat(scope mkpf.PresenceScope, program string) string {
	op := map[string]string{mkpf.PresenceUse: tr("points.presence.op.use", "ポイント利用"),
		mkpf.PresenceVoucher: tr("points.presence.op.voucher", "ポイント券発行"),
		mkpf.PresenceMerge:   tr("points.presence.op.merge", "商店街ポイントへの合算")}[scope.Operation]
	s := tr("points.presence.what", "確認する操作: ") + op + "\n" + tr("points.presence.amount", "ポイント数: ") + pts(scope.Points)
	if program != "" {
		s += "（" + program + "）"
	}
	if scope.Expires != "" {
		s += "\n" + tr("points.presence.expires", "ポイント券の有効期限: ") + scope.Expires
	}
	return s + "\n\n"
}

// askAuthPIN shows the operation, the amount and the tries left first, then asks the patron for the
// user-authentication PIN once.
func (c *ptConfirm) askAuthPIN(tries int, busy string, scope mkpf.PresenceScope, program, reader string, pc presenceCards, ref *mkpf.PatronRef,
	send func(ctx context.Context, ref mkpf.PatronRef) error, done func()) {
	u := c.ps.u
	ch, _ := c.ps.svc.(terminal.PresenceChallenger)
	pin := newPINEntry(u)
	msg := presenceWhat(scope, program) + fmt.Sprintf(tr("points.presence.lead", "このポイント数は、マイナンバーカードで\nご本人の確認が必要です。\n利用者証明用電子証明書の暗証番号（数字4桁）を\n利用者に入力してもらってください。\n残り回数: %d回（%d回続けて間違えるとロックされます）"), tries, tries)
	items := []*widget.FormItem{
		{Widget: &jaLabel{Text: msg}},
		{Text: tr("points.presence.pin", "利用者証明用暗証番号"), Widget: pin},
	}
	d := dialog.NewForm(tr("points.presence.title", "利用者証明用電子証明書の暗証番号"), pinOKLabel(), pinCancelLabel(), items, func(ok bool) {
		u.pinDialog, u.pinEntry = nil, nil
		c.asking = false
		if !ok || pc == nil || ch == nil {
			return // nothing was sent: the clerk presses the button again or goes back
		}
		p := pin.Text
		c.press(busy, nil, func(ctx context.Context) error {
			proved, err := pc.ProvePresence(ctx, reader, ch, *ref, scope, p)
			if err != nil {
				return err
			}
			u.do(func() { *ref = proved })
			return send(ctx, proved)
		}, done)
	}, u.Win)
	d.Resize(fyne.NewSize(800, 440)) // wide and tall enough for the lead's lines as written
	c.asking = true
	d.Show()
	u.Win.Canvas().Focus(pin)
	u.showPIN(d, pin, msg)
}

// presenceAsked reports whether err is the platform asking for the proof with the card's tries left read, and then
// opens the PIN dialog.
func (c *ptConfirm) presenceAsked(err error) bool {
	var pr *terminal.PresenceRequired
	if !errors.As(err, &pr) || c.onPresence == nil {
		return false
	}
	c.onPresence(pr.Tries)
	return true
}
