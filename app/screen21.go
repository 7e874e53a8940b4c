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

// screen21 is 画面21 「クーポンコード利用の確認」: the partner company and the points → [利用] credits them once to
// 留保ポイント, and the screen says so.
type screen21 struct {
	ms     *myPageSession
	code   string
	res    *mkpf.CouponResult
	done   *jaLabel
	use    *widget.Button
	back   *widget.Button
	logout *widget.Button
}

func newScreen21(ms *myPageSession, code string, res *mkpf.CouponResult) *screen21 {
	s := &screen21{ms: ms, code: code, res: res, done: &jaLabel{Importance: widget.SuccessImportance}}
	s.done.Hide()
	s.use = &widget.Button{Text: tr("screen21.use", "利用") + " (F5)", Importance: widget.HighImportance, OnTapped: s.onUse}
	s.back = &widget.Button{Text: tr("screen58.back", "利用者マイページへ") + " (Esc)", OnTapped: s.onBack}
	s.logout = &widget.Button{Text: tr("screen19.logout", "ログアウト") + " (F12)", OnTapped: s.onLogout}
	return s
}

func (s *screen21) Title() string {
	return tr("screen21.title", "クーポンコード利用の確認")
}
func (s *screen21) MenuButton() bool { return false }

func (s *screen21) Content() fyne.CanvasObject {
	bold := func(t string) *widget.Label { return &widget.Label{Text: t, TextStyle: fyne.TextStyle{Bold: true}} }
	return container.NewVBox(myPageHeader(s.ms, s.logout),
		&jaLabel{Text: tr("screen21.lead", "次のポイントを留保ポイントに移行します。よろしければ「利用」を押してください。")},
		rows(bold(tr("screen21.partner", "協力会社")), widget.NewLabel(s.res.Partner),
			bold(tr("screen21.points", "ポイント")), widget.NewLabel(terminal.Grouped(s.res.Points)+" "+tr("screen19.pt", "ポイント")),
			bold(tr("screen21.to", "移行先")), widget.NewLabel(s.res.ProgramName)),
		s.done,
		container.NewHBox(s.use, s.back))
}

func (s *screen21) Keys() map[fyne.KeyName]func() {
	return map[fyne.KeyName]func(){fyne.KeyF5: s.onUse, fyne.KeyEscape: s.onBack, fyne.KeyF12: s.onLogout}
}

func (s *screen21) onUse() {
	u := s.ms.ds.u
	if s.use.Disabled() || !s.ms.touch() {
		return
	}
	var res *mkpf.CouponResult
	u.Run(tr("screen21.busy", "ポイントを移行しています…"), 20*time.Second, func(ctx context.Context) (err error) {
		res, err = terminal.UseCoupon(ctx, s.ms.desk.(terminal.Couponer), s.ms.login.Session, s.code)
		return err
	}, func(err error) {
		if err != nil {
			u.ShowError(err)
			return
		}
		s.use.Disable()
		s.done.SetText(tr("screen21.done", "留保ポイントに移行しました。留保ポイントの残高: ") + terminal.Grouped(res.BalanceAfter) + " " + tr("screen19.pt", "ポイント"))
		s.done.Show()
		if c := fyne.CurrentApp().Driver().CanvasForObject(s.done); c != nil && c.Content() != nil {
			c.Content().Refresh()
		}
	})
}

func (s *screen21) onBack() {
	if s.ms.touch() {
		s.ms.toPage()
	}
}
func (s *screen21) onLogout() { s.ms.end(tr("mypage.ended.logout", msgLogout)) }
