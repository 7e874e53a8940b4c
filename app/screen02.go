package app

import (
	"context"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// screen02 is 画面2, the login of 自治体ポイント管理クラウド: the login ID and password the municipality issued, the same
// as the terminal ID and password used to register the terminal (screen 9). → screen 28.
type screen02 struct {
	u        *UI
	fm       form
	id       *fkeyEntry
	password *fkeyEntry
	login    *widget.Button
}

func newScreen02(u *UI) *screen02 {
	s := &screen02{u: u}
	s.id = fkeys(u, &widget.Entry{Text: u.Svc.Platform.Terminal().TerminalID,
		OnSubmitted: func(string) { s.u.Win.Canvas().Focus(s.password) }})
	s.password = fkeys(u, &widget.Entry{Password: true, OnSubmitted: func(string) { s.onLogin() }})
	s.login = &widget.Button{Text: tr("screen02.login", "ログイン") + " (F5)", Importance: widget.HighImportance, OnTapped: s.onLogin}
	s.fm.add(newField("login_id", tr("screen02.id", "ログインID"), s.id,
		tr("screen02.id.rule", "自治体から発行され、端末の登録に使った端末ID（半角数字8桁）です。")))
	s.fm.add(newField("password", tr("screen02.password", "パスワード"), s.password,
		tr("screen02.password.rule", "端末の登録に使った端末パスワードを、大文字・小文字を区別して入力してください。")))
	return s
}

func (s *screen02) Title() string {
	return tr("screen02.title", "自治体ポイント管理クラウド ログイン")
}

func (s *screen02) Content() fyne.CanvasObject {
	return container.NewVBox(
		ptLead(tr("screen02.lead", "自治体より発行され端末登録に利用したログインIDとパスワードを入力し、「ログイン」ボタンをクリックしてください。")),
		s.fm.object(),
		container.NewHBox(s.login),
	)
}

func (s *screen02) Keys() map[fyne.KeyName]func() {
	return map[fyne.KeyName]func(){fyne.KeyF5: s.onLogin}
}

func (s *screen02) Shown() {
	if s.id.Text == "" {
		s.u.Win.Canvas().Focus(s.id)
	} else {
		s.u.Win.Canvas().Focus(s.password)
	}
}

func (s *screen02) onLogin() {
	s.fm.clearErrors()
	svc := s.u.Svc.Points
	if svc == nil {
		s.u.ShowError(ErrPointsUnavailable)
		return
	}
	id := strings.TrimSpace(s.id.Text)
	if mkpf.ValidateTerminalID(id) != nil {
		s.fm.fields[0].setError(tr("screen02.id.invalid", "ログインIDは半角数字8桁で入力してください。"))
		return
	}
	if s.password.Text == "" {
		s.fm.fields[1].setError(tr("screen02.password.empty", "パスワードを入力してください。"))
		return
	}
	pw := s.password.Text
	var res *mkpf.PointsLoginResult
	s.login.Disable()
	s.u.Run(tr("screen02.busy", "自治体ポイント管理クラウドにログインしています…"), pointsTimeout, func(ctx context.Context) (err error) {
		res, err = svc.Login(ctx, id, pw)
		return err
	}, func(err error) {
		s.login.Enable()
		s.u.PlatformResult(err)
		if err != nil {
			s.password.SetText("")
			s.fm.showError(s.u, err)
			s.u.Win.Canvas().Focus(s.password)
			return
		}
		ps := &pointsSession{u: s.u, svc: svc, menu: res.Menu, term: res.Terminal}
		ps.toMenu()
	})
}
