package app

import (
	"context"
	"image/color"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/terminal/grant"
)

// grantTimeout bounds one platform call of the grant screens (the client retries inside it).
const grantTimeout = 30 * time.Second

// grantSession is the state after screen 71 (office) or 77 (phone): the service and who the terminal is.
type grantSession struct {
	u    *UI
	svc  *GrantService
	term mkpf.TerminalInfo
}

// grantError shows err in the error dialog in the grant package's words (roster lines, refusals, card errors).
func (gs *grantSession) grantError(err error) {
	if err != nil {
		gs.u.ShowError(&ClerkError{Message: grantMessage(err), Err: err})
	}
}

// grantLogin is screens 71 and 77: ログインID (the terminal ID) and パスワード. The first time on a device it also
// enrolls the device (like screen 9).
type grantLogin struct {
	loginForm // loginform.go
	office    bool
}

func newGrantLogin(u *UI, office bool) *grantLogin {
	s := &grantLogin{office: office}
	idLabel, pwLabel := tr("screen71.id", "ログインID"), tr("grant.password", "パスワード")
	if !office {
		// 77: 「端末 ID と端末パスワード」 (seed 004 §V(6)).
		idLabel, pwLabel = tr("screen77.id", "端末ID"), tr("screen77.password", "端末パスワード")
	}
	s.loginForm = newLoginForm(u, grantKey(u, tr("grant.login", "ログイン"), "F5"),
		idLabel, tr("grant.id.rule", "自治体から配布された端末ID（半角数字8桁）です。"),
		pwLabel, tr("grant.password.rule", "配布されたパスワードを、大文字・小文字を区別して入力してください。"),
		func() { s.onLogin() })
	return s
}

func newScreen71(u *UI) *grantLogin { return newGrantLogin(u, true) }
func newScreen77(u *UI) *grantLogin { return newGrantLogin(u, false) }

func (s *grantLogin) Title() string {
	if s.office {
		return tr("screen71.title", "業務支援システム ログイン")
	}
	if s.u.Svc.Phone {
		return tr("grant.login", "ログイン") // the header above says 持ち歩き用ポイント付与アプリ
	}
	return tr("screen77.title", "持ち歩き用ポイント付与アプリ ログイン")
}

// MenuButton: the phone has no screen 22 to go back to.
func (s *grantLogin) MenuButton() bool { return s.office }

func (s *grantLogin) Keys() map[fyne.KeyName]func() {
	return map[fyne.KeyName]func(){fyne.KeyF5: s.login.OnTapped} // the button's own function (the key table test compares them)
}

func (s *grantLogin) Content() fyne.CanvasObject {
	lead := tr("screen71.lead", "予め配布されたログインIDとパスワードを入力し、「ログイン」ボタンをクリックしてください。")
	if !s.office {
		lead = tr("screen77.lead", "予め配布された端末IDと端末パスワードを入力し、「ログイン」ボタンを押してください。")
	}
	return container.NewVBox(ptLead(lead), s.fm.object(), container.NewHBox(s.login))
}

func (s *grantLogin) onLogin() {
	s.fm.clearErrors()
	svc := s.u.Svc.Grant
	if svc == nil {
		s.u.ShowError(ErrPointsUnavailable)
		return
	}
	id, pw, ok := s.checked(tr("grant.id.invalid", "端末IDは半角数字8桁で入力してください。"),
		tr("grant.password.empty", "パスワードを入力してください。"))
	if !ok {
		return
	}
	if !s.u.Svc.Platform.Enrolled() {
		s.u.Svc.Platform = s.u.Svc.Grant.Client // the first login enrolls this device
	}
	var res *mkpf.PointsLoginResult
	s.send(tr("grant.login.busy", "ログインしています…"), grantTimeout, func(ctx context.Context) (err error) {
		res, err = svc.Login(ctx, s.u.Svc.PlatformURL, id, pw, s.office)
		return err
	}, func() {
		gs := &grantSession{u: s.u, svc: svc, term: res.Terminal}
		if !s.office {
			gs.toGrantProjects()
			return
		}
		// The first login goes through screen 72 (初期設定); later ones straight to the menu (seed 004 §V(5)).
		if o, err := svc.Office(); err == nil && !o.FieldsSet() {
			gs.toOfficeSettings()
			return
		}
		gs.toOffice()
	})
}

// screen72 is 画面72 「初期設定」: which identifying items (対象者確認項目) the roster uses to tell participants apart.
type screen72 struct {
	gs     *grantSession
	checks *widget.CheckGroup
	set    *widget.Button
}

func newScreen72(gs *grantSession) *screen72 {
	s := &screen72{gs: gs}
	s.checks = widget.NewCheckGroup(grant.IdentifyingFields, nil)
	s.checks.Horizontal = true
	if o, err := gs.svc.Office(); err == nil {
		s.checks.Selected = o.Fields()
	}
	s.set = &widget.Button{Text: tr("screen72.set", "設定") + " (F5)", Importance: widget.HighImportance, OnTapped: s.onSet}
	return s
}

func (s *screen72) Title() string { return tr("screen72.title", "初期設定") }

func (s *screen72) Content() fyne.CanvasObject {
	return container.NewVBox(
		ptLead(tr("screen72.lead", "対象者の個人特定に利用する対象者確認項目を選択し、「設定」ボタンをクリックしてください。名前は必ず使います。")),
		s.checks,
		container.NewHBox(s.set),
	)
}

func (s *screen72) Keys() map[fyne.KeyName]func() {
	return map[fyne.KeyName]func(){fyne.KeyF5: s.onSet, fyne.KeyEscape: s.gs.toOffice}
}

func (s *screen72) onSet() {
	o, err := s.gs.svc.Office()
	if err == nil {
		err = o.SetFields(s.checks.Selected)
	}
	if err != nil {
		s.gs.grantError(err)
		return
	}
	s.gs.toOffice()
}

// screen73 is 画面73, the menu of the 業務支援システム.
type screen73 struct {
	gs                                *grantSession
	project, settings, imp, one, find *widget.Button
}

func newScreen73(gs *grantSession) *screen73 {
	s := &screen73{gs: gs}
	s.project = &widget.Button{Text: tr("screen73.project", "ポイント付与事業登録") + " (F1)", Icon: theme.ContentAddIcon(), OnTapped: gs.toProject}
	s.imp = &widget.Button{Text: tr("screen73.import", "付与事業対象者名簿取り込み入力") + " (F2)", Icon: theme.UploadIcon(), OnTapped: gs.toImport}
	s.one = &widget.Button{Text: tr("screen73.one", "付与事業対象者個別入力") + " (F3)", Icon: theme.AccountIcon(), OnTapped: gs.toAddOne}
	s.find = &widget.Button{Text: tr("screen73.search", "付与事業対象者検索") + " (F4)", Icon: theme.SearchIcon(), Importance: widget.HighImportance, OnTapped: gs.toSearch}
	s.settings = &widget.Button{Text: tr("screen73.settings", "初期設定") + " (F6)", Icon: theme.SettingsIcon(), Importance: widget.LowImportance, OnTapped: gs.toOfficeSettings}
	return s
}

func (s *screen73) Title() string {
	return tr("screen73.title", "業務支援システム メニュー")
}

func (s *screen73) Content() fyne.CanvasObject {
	box := container.NewVBox()
	for _, b := range []*widget.Button{s.project, s.imp, s.one, s.find, s.settings} {
		// A fixed-size cell behind each button, as on screen 28 (a GridWrap draws them at zero size at first).
		cell := canvas.NewRectangle(color.Transparent)
		cell.SetMinSize(fyne.NewSize(480, 56))
		box.Add(container.NewHBox(container.NewStack(cell, b)))
	}
	return box
}

func (s *screen73) Keys() map[fyne.KeyName]func() {
	return map[fyne.KeyName]func(){fyne.KeyF1: s.project.OnTapped, fyne.KeyF2: s.imp.OnTapped, fyne.KeyF3: s.one.OnTapped,
		fyne.KeyF4: s.find.OnTapped, fyne.KeyF6: s.settings.OnTapped}
}

func (s *screen73) Shown() { s.gs.u.Win.Canvas().Unfocus() }
