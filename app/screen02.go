package app

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// screen02 is 画面2, the login of 自治体ポイント管理クラウド: the login ID and password the municipality issued, the same
// as the terminal ID and password used to register the terminal (screen 9). → screen 28.
type screen02 struct {
	loginForm // loginform.go
}

func newScreen02(u *UI) *screen02 {
	s := &screen02{}
	s.loginForm = newLoginForm(u, tr("screen02.login", "ログイン")+" (F5)",
		tr("screen02.id", "ログインID"), tr("screen02.id.rule", "自治体から発行され、端末の登録に使った端末ID（半角数字8桁）です。"),
		tr("screen02.password", "パスワード"), tr("screen02.password.rule", "端末の登録に使った端末パスワードを、大文字・小文字を区別して入力してください。"),
		func() { s.onLogin() })
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
	return map[fyne.KeyName]func(){fyne.KeyF5: s.login.OnTapped} // the button's own function (the key table test compares them)
}

func (s *screen02) onLogin() {
	s.fm.clearErrors()
	svc := s.u.Svc.Points
	if svc == nil {
		s.u.ShowError(ErrPointsUnavailable)
		return
	}
	id, pw, ok := s.checked(tr("screen02.id.invalid", "ログインIDは半角数字8桁で入力してください。"),
		tr("screen02.password.empty", "パスワードを入力してください。"))
	if !ok {
		return
	}
	var res *mkpf.PointsLoginResult
	s.send(tr("screen02.busy", "自治体ポイント管理クラウドにログインしています…"), pointsTimeout, func(ctx context.Context) (err error) {
		res, err = svc.Login(ctx, id, pw)
		return err
	}, func() {
		ps := &pointsSession{u: s.u, svc: svc, menu: res.Menu, term: res.Terminal}
		ps.toMenu()
	})
}
