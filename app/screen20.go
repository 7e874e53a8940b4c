package app

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/terminal"
)

// screen20 is 画面20 「クーポンコード利用」: the patron enters the code a partner company gave them → [確認] → 21.
type screen20 struct {
	ms      *myPageSession
	fm      form
	code    *fkeyEntry
	confirm *widget.Button
	back    *widget.Button
	logout  *widget.Button
}

func newScreen20(ms *myPageSession) *screen20 {
	s := &screen20{ms: ms}
	s.code = fkeys(ms.ds.u, &widget.Entry{OnSubmitted: func(string) { s.onConfirm() }})
	s.confirm = &widget.Button{Text: tr("screen20.confirm", "確認") + " (F5)", Importance: widget.HighImportance, OnTapped: s.onConfirm}
	s.back = &widget.Button{Text: tr("screen58.back", "利用者マイページへ") + " (Esc)", OnTapped: s.onBack}
	s.logout = &widget.Button{Text: tr("screen19.logout", "ログアウト") + " (F12)", OnTapped: s.onLogout}
	s.fm.add(newField("code", tr("screen20.code", "クーポンコード"), s.code,
		tr("screen20.code.rule", "協力会社から受け取ったクーポンコードを入力してください（ハイフンはあってもなくてもかまいません）。")))
	return s
}

func (s *screen20) Title() string    { return tr("screen20.title", "クーポンコード利用") }
func (s *screen20) MenuButton() bool { return false }

func (s *screen20) Content() fyne.CanvasObject {
	return container.NewVBox(myPageHeader(s.ms, s.logout), s.fm.object(), container.NewHBox(s.confirm, s.back))
}

func (s *screen20) Shown() { s.ms.ds.u.Win.Canvas().Focus(s.code) }

func (s *screen20) Keys() map[fyne.KeyName]func() {
	return map[fyne.KeyName]func(){fyne.KeyF5: s.onConfirm, fyne.KeyEscape: s.onBack, fyne.KeyF12: s.onLogout}
}

func (s *screen20) onConfirm() {
	u := s.ms.ds.u
	if !s.ms.touch() {
		return
	}
	s.fm.clearErrors()
	code := s.code.Text
	var res *mkpf.CouponResult
	u.Run(tr("screen20.busy", "クーポンコードを確認しています…"), 20*time.Second, func(ctx context.Context) (err error) {
		res, err = terminal.LookUpCoupon(ctx, s.ms.desk.(terminal.Couponer), s.ms.login.Session, code)
		return err
	}, func(err error) {
		if err != nil {
			s.fm.fields[0].setError(Message(err))
			return
		}
		s.ms.toCouponConfirm(code, res)
	})
}

func (s *screen20) onBack() {
	if s.ms.touch() {
		s.ms.toPage()
	}
}
func (s *screen20) onLogout() { s.ms.end(tr("mypage.ended.logout", msgLogout)) }

// myPageHeader is the line at the top of every 利用者マイページ screen: the MyKey ID and [ログアウト].
func myPageHeader(ms *myPageSession, logout *widget.Button) fyne.CanvasObject {
	return container.NewVBox(
		container.NewBorder(nil, nil, nil, logout, &widget.Label{Text: tr("screen19.mykeyid", "マイキーID") + " : " + ms.login.MyKeyID, TextStyle: fyne.TextStyle{Bold: true}}),
		widget.NewSeparator())
}
