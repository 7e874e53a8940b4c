package app

import (
	"context"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/terminal"
)

// withCardPIN is the card step every card-signed desk action shares (screens 14, 18, 62, 63): it reads the tries left
// on the card in reader, then screen 15 asks for the PIN once and has the card sign desk's challenge for op. A failed
// tries read shows its error and stops there.
func withCardPIN(ds *deskSession, reader string, desk terminal.MyKeyDesk, op, busy string,
	signed func(ctx context.Context, cs mkpf.CardSignature) error, done func(error)) {
	u := ds.u
	var tries int
	u.Run(tr("screen14.busy", "マイナンバーカードを確認しています…"), 15*time.Second, func(ctx context.Context) (err error) {
		tries, err = ds.cards.MyKeyTries(ctx, reader)
		return err
	}, func(err error) {
		if err != nil {
			u.ShowError(err)
			return
		}
		showScreen15(ds, reader, tries, desk, op, busy, signed, done)
	})
}

// showScreen15 is 画面15 「利用者証明用電子証明書パスワード入力」 (the documents' 個人番号カード ログイン dialog): the tries
// left first, the 4-digit PIN once; [OK] has the card verify it (never retried) and sign desk's challenge for op, then
// signed uses the signature (under busy) and done gets the outcome (a wrong PIN says the tries left; the patron presses
// the button again). [キャンセル] sends nothing and calls nothing.
func showScreen15(ds *deskSession, reader string, tries int, desk terminal.MyKeyDesk, op, busy string,
	signed func(ctx context.Context, cs mkpf.CardSignature) error, done func(error)) {
	u := ds.u
	pin := &widget.Entry{Password: true}
	msg := fmt.Sprintf(tr("screen15.lead", "公的個人認証 利用者証明用パスワードを入力して下さい。\n（数字4桁。残り回数: %d回。%d回続けて間違えるとロックされます）"), tries, tries)
	d := dialog.NewForm(tr("screen15.title", "個人番号カード ログイン"), tr("screen15.ok", "OK"), tr("screen15.cancel", "キャンセル"), []*widget.FormItem{
		{Widget: &jaLabel{Text: msg}},
		{Text: tr("screen15.pin", "パスワード(P)"), Widget: pin},
	}, func(ok bool) {
		u.pinDialog, u.pinEntry = nil, nil
		if !ok {
			return
		}
		p := pin.Text
		u.Run(busy, 30*time.Second, func(ctx context.Context) error {
			cs, err := ds.cards.SignMyKey(ctx, reader, desk, op, p)
			if err != nil {
				return err
			}
			return signed(ctx, cs)
		}, done)
	}, u.Win)
	d.Resize(fyne.NewSize(700, 300))
	d.Show()
	u.Win.Canvas().Focus(pin)
	u.pinDialog = d
	u.pinEntry = pin
	u.pinLead = msg
}
