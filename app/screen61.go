package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// screen61 is 画面61 「利用者情報の変更完了」.
type screen61 struct {
	ms           *myPageSession
	back, logout *widget.Button
}

func newScreen61(ms *myPageSession) *screen61 {
	s := &screen61{ms: ms}
	s.back = &widget.Button{Text: tr("screen58.back", "利用者マイページへ") + " (Esc)", Importance: widget.HighImportance, OnTapped: s.onBack}
	s.logout = &widget.Button{Text: tr("screen19.logout", "ログアウト") + " (F12)", OnTapped: s.onLogout}
	return s
}

func (s *screen61) Title() string    { return tr("screen61.title", "利用者情報の変更完了") }
func (s *screen61) MenuButton() bool { return false }

func (s *screen61) Content() fyne.CanvasObject {
	return container.NewVBox(myPageHeader(s.ms, s.logout),
		&jaLabel{Text: tr("screen61.done", "利用者情報を変更しました。パスワードを変更した場合は、次回から新しいパスワードでログインしてください。")},
		container.NewHBox(s.back))
}

func (s *screen61) Keys() map[fyne.KeyName]func() {
	return map[fyne.KeyName]func(){fyne.KeyEscape: s.onBack, fyne.KeyF12: s.onLogout}
}

func (s *screen61) onBack() {
	if s.ms.touch() {
		s.ms.toPage()
	}
}
func (s *screen61) onLogout() { s.ms.end(tr("mypage.ended.logout", msgLogout)) }
