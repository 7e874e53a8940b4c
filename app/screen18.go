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

// screen18 is 画面18 「利用者マイページログイン」: the MyKey ID and password, or the My Number Card and its PIN (the
// documents' 15 dialog) → 19.
type screen18 struct {
	ds        *deskSession
	desk      terminal.MyPageDesk
	note      *jaLabel
	id        *fkeyEntry
	password  *fkeyEntry
	login     *widget.Button
	loginCard *widget.Button
	fm        form
}

func newScreen18(ds *deskSession, note string) *screen18 {
	s := &screen18{ds: ds}
	s.desk, _ = ds.desk.(terminal.MyPageDesk)
	s.note = &jaLabel{Text: note, Importance: widget.WarningImportance}
	if note == "" {
		s.note.Hide()
	}
	s.password = fkeys(ds.u, &widget.Entry{Password: true, OnSubmitted: func(string) { s.onLogin() }})
	s.id = fkeys(ds.u, &widget.Entry{OnSubmitted: func(string) { ds.u.Win.Canvas().Focus(s.password) }})
	s.login = &widget.Button{Text: tr("screen18.login", "ログイン") + " (F5)", Importance: widget.HighImportance, OnTapped: s.onLogin}
	s.loginCard = &widget.Button{Text: tr("screen18.card", "マイナンバーカードでログイン") + " (F2)", OnTapped: s.onCard}
	s.fm.add(newField("mykey_id", tr("screen18.id", "マイキーID"), s.id, ""))
	s.fm.add(newField("password", tr("screen18.password", "パスワード"), s.password, ""))
	return s
}

func (s *screen18) Title() string {
	return tr("screen18.title", "利用者マイページログイン")
}

func (s *screen18) Content() fyne.CanvasObject {
	bold := func(t string) *widget.Label { return &widget.Label{Text: t, TextStyle: fyne.TextStyle{Bold: true}} }
	return container.NewVBox(
		s.note,
		&jaLabel{Text: tr("screen18.lead", "マイキーIDとパスワードまたはマイナンバーカードでログインしてください。")},
		bold(tr("screen18.bypassword", "IDパスワードでログイン")),
		s.fm.object(),
		container.NewHBox(s.login),
		widget.NewSeparator(),
		bold(tr("screen18.bycard", "マイナンバーカードでログイン")),
		&jaLabel{Text: tr("screen18.card.step1", "①マイナンバーカードをICカードリーダーライターにセットしてください。")},
		&jaLabel{Text: tr("screen18.card.step2", "②「ログイン」ボタンをクリックすると利用者証明用電子証明書パスワードの入力画面が表示されるので、パスワード（4桁）を入力し「OK」をクリックしてください。")},
		container.NewHBox(s.loginCard),
	)
}

func (s *screen18) Shown() { s.ds.u.Win.Canvas().Focus(s.id) }

func (s *screen18) Keys() map[fyne.KeyName]func() {
	return map[fyne.KeyName]func(){fyne.KeyF5: s.onLogin, fyne.KeyF2: s.onCard}
}

func (s *screen18) onLogin() {
	u := s.ds.u
	s.fm.clearErrors()
	id, pw := s.id.Text, s.password.Text
	var res *mkpf.MyPageLoginResult
	u.Run(tr("screen18.busy", "ログインしています…"), 30*time.Second, func(ctx context.Context) (err error) {
		res, err = terminal.MyPageLoginPassword(ctx, s.desk, id, pw)
		return err
	}, func(err error) {
		if err != nil {
			s.password.SetText("")
			u.ShowError(err)
			return
		}
		startMyPage(s.ds, s.desk, res, "")
	})
}

// onCard reads the tries left, then asks for the PIN once (the documents' screen 15) and logs in with the card's
// signature for "login".
func (s *screen18) onCard() {
	u := s.ds.u
	if u.pinDialog != nil {
		return
	}
	reader := u.Svc.Settings.Load().Reader
	var res *mkpf.MyPageLoginResult
	withCardPIN(s.ds, reader, s.desk, mkpf.MyKeyOpLogin, tr("screen18.busy", "ログインしています…"),
		func(ctx context.Context, cs mkpf.CardSignature) (err error) {
			res, err = terminal.MyPageLoginCard(ctx, s.desk, cs)
			return err
		}, func(err error) {
			if err != nil {
				u.ShowError(err)
				return
			}
			startMyPage(s.ds, s.desk, res, reader)
		})
}
