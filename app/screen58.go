package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// screen58 is 画面58 「サービスIDの登録状況照会」: ID付与事業者名 and 利用カード番号 of each service ID.
type screen58 struct {
	ms     *myPageSession
	page   *mkpf.MyPage
	back   *widget.Button
	logout *widget.Button
}

func newScreen58(ms *myPageSession, page *mkpf.MyPage) *screen58 {
	s := &screen58{ms: ms, page: page}
	s.back = &widget.Button{Text: tr("screen58.back", "利用者マイページへ") + " (Esc)", OnTapped: s.onBack}
	s.logout = &widget.Button{Text: tr("screen19.logout", "ログアウト") + " (F12)", OnTapped: s.onLogout}
	return s
}

func (s *screen58) Title() string    { return tr("screen58.title", "サービスIDの登録状況照会") }
func (s *screen58) MenuButton() bool { return false }

func (s *screen58) Content() fyne.CanvasObject {
	bold := func(t string) *widget.Label { return &widget.Label{Text: t, TextStyle: fyne.TextStyle{Bold: true}} }
	objs := []fyne.CanvasObject{bold(tr("screen58.issuer", "ID付与事業者名")), bold(tr("screen58.number", "利用カード番号"))}
	for _, r := range s.page.ServiceIDs {
		objs = append(objs, &widget.Label{Text: r.IssuerName}, &widget.Label{Text: r.CardNumber, TextStyle: fyne.TextStyle{Monospace: true}})
	}
	var body fyne.CanvasObject = container.NewGridWithColumns(2, objs...)
	if len(s.page.ServiceIDs) == 0 {
		body = &jaLabel{Text: tr("screen58.none", "登録されているサービスIDはありません。図書館などの窓口でマイナンバーカードを提示すると登録できます。")}
	}
	return container.NewVBox(
		container.NewBorder(nil, nil, nil, s.logout, &widget.Label{Text: tr("screen19.mykeyid", "マイキーID") + " : " + s.page.MyKeyID, TextStyle: fyne.TextStyle{Bold: true}}),
		widget.NewSeparator(),
		body,
		widget.NewSeparator(),
		container.NewHBox(s.back),
	)
}

func (s *screen58) Keys() map[fyne.KeyName]func() {
	return map[fyne.KeyName]func(){fyne.KeyEscape: s.onBack, fyne.KeyF12: s.onLogout}
}

func (s *screen58) onBack() {
	if s.ms.touch() {
		s.ms.toPage()
	}
}

func (s *screen58) onLogout() { s.ms.end(tr("mypage.ended.logout", msgLogout)) }
