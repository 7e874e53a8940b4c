package app

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// screen14 is 画面14 「マイナンバーカードのセット」: the patron sets the card and presses
// [利用者証明用電子証明書パスワード入力]; the PIN's tries left are read (no try spent) and screen 15 asks for the PIN.
type screen14 struct {
	ds    *deskSession
	input *widget.Button
}

func newScreen14(ds *deskSession) *screen14 {
	s := &screen14{ds: ds}
	s.input = &widget.Button{Text: tr("screen14.input", "利用者証明用電子証明書パスワード入力") + " (F5)", Importance: widget.HighImportance, OnTapped: s.onInput}
	return s
}

func (s *screen14) Title() string {
	return tr("screen14.title", "マイナンバーカードのセット")
}

func (s *screen14) Content() fyne.CanvasObject {
	return container.NewVBox(
		&jaLabel{Text: tr("screen14.step1", "① 公的個人認証サービスに対応しているICカードリーダーライターをパソコンに接続後、マイナンバーカードをICカードリーダーライターにセットしてください。")},
		&jaLabel{Text: tr("screen14.step2", "② 「利用者証明用電子証明書パスワード入力」ボタンをクリックしてください。")},
		container.NewHBox(s.input),
	)
}

func (s *screen14) Keys() map[fyne.KeyName]func() {
	return map[fyne.KeyName]func(){fyne.KeyF5: s.onInput}
}

// onInput reads the tries left, then screen 15 asks for the PIN once.
func (s *screen14) onInput() {
	u := s.ds.u
	if u.pinDialog != nil {
		return
	}
	var cs mkpf.CardSignature
	withCardPIN(s.ds, u.Svc.Settings.Load().Reader, s.ds.desk, mkpf.MyKeyOpCreate, tr("screen15.busy", "マイナンバーカードで確認しています…"),
		func(_ context.Context, c mkpf.CardSignature) error {
			cs = c
			return nil
		}, func(err error) {
			if err != nil {
				u.ShowError(err) // a wrong PIN says the tries left; the patron presses the button again
				return
			}
			s.ds.card = cs
			s.ds.toForm()
		})
}
