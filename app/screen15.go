package app

import (
	"context"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// showScreen15 is 画面15 「利用者証明用電子証明書パスワード入力」 (the documents' 個人番号カード ログイン dialog) over screen
// 14: the tries left first, the 4-digit PIN once; [OK] has the card verify it (never retried) and sign the desk's
// challenge, then screen 16. A wrong PIN shows the tries left and nothing is registered; [キャンセル] sends nothing.
func showScreen15(ds *deskSession, reader string, tries int) {
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
		var cs mkpf.CardSignature
		u.Run(tr("screen15.busy", "マイナンバーカードで確認しています…"), 30*time.Second, func(ctx context.Context) (err error) {
			cs, err = ds.cards.SignMyKey(ctx, reader, ds.desk, mkpf.MyKeyOpCreate, p)
			return err
		}, func(err error) {
			if err != nil {
				u.ShowError(err) // a wrong PIN says the tries left; the patron presses the button again
				return
			}
			ds.card = cs
			ds.toForm()
		})
	}, u.Win)
	d.Resize(fyne.NewSize(700, 300))
	d.Show()
	u.Win.Canvas().Focus(pin)
	u.pinDialog = d
	u.pinEntry = pin
	u.pinLead = msg
}
