package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// screen17 is 画面17 「マイキーID等 登録完了」.
type screen17 struct {
	ds     *deskSession
	res    *mkpf.MyKeyCreateResult
	toPage *widget.Button
}

func newScreen17(ds *deskSession, res *mkpf.MyKeyCreateResult) *screen17 {
	s := &screen17{ds: ds, res: res}
	s.toPage = &widget.Button{Text: tr("screen17.tomypage", "利用者マイページへ") + " (F5)", Importance: widget.HighImportance, OnTapped: s.onPage}
	return s
}

func (s *screen17) Keys() map[fyne.KeyName]func() {
	return map[fyne.KeyName]func(){fyne.KeyF5: s.onPage}
}

// onPage is [利用者マイページへ]: the login (18), where the patron logs in with what they just registered.
func (s *screen17) onPage() { s.ds.toLogin("") }

func (s *screen17) Title() string { return tr("screen17.title", "マイキーID等 登録完了") }

func (s *screen17) Content() fyne.CanvasObject {
	return container.NewVBox(
		&jaLabel{Text: tr("screen17.done", "マイキーIDおよび利用者マイページログイン用パスワード等の登録等が完了しました。")},
		rows(&widget.Label{Text: tr("screen17.mykeyid", "マイキーID"), TextStyle: fyne.TextStyle{Bold: true}},
			&widget.Label{Text: s.res.MyKeyID, TextStyle: fyne.TextStyle{Monospace: true}}),
		&jaLabel{Text: tr("screen17.next", "引き続き、図書館の利用カードなどのサービスIDを登録する場合は、各窓口でマイナンバーカードを提示してください。")},
		container.NewHBox(s.toPage),
	)
}
