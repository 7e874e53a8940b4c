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

// screen19 is 画面19 「利用者マイページ」: the balances (留保ポイント, 自治体ポイント with the base account first then by
// balance, 特定支援イベントポイント by balance) and the menu of what this desk offers; [ログアウト] (F12).
type screen19 struct {
	ms                               *myPageSession
	page                             *mkpf.MyPage
	list                             *fyne.Container
	header                           *widget.Label
	services, coupon, update, revoke *widget.Button
	changeID                         *widget.Button
	logout                           *widget.Button
}

func newScreen19(ms *myPageSession) *screen19 {
	s := &screen19{ms: ms, list: container.NewVBox(), header: &widget.Label{TextStyle: fyne.TextStyle{Bold: true}}}
	s.services = &widget.Button{Text: tr("screen19.services", "サービスIDの登録状況照会") + " (F1)", OnTapped: s.onServices}
	s.coupon = &widget.Button{Text: tr("screen19.coupon", "クーポンコード利用") + " (F2)", OnTapped: s.onCoupon}
	s.update = &widget.Button{Text: tr("screen19.update", "利用者情報の変更") + " (F3)", OnTapped: s.onUpdate}
	s.revoke = &widget.Button{Text: tr("screen19.revoke", "マイキーIDの失効") + " (F4)", OnTapped: s.onRevoke}
	s.changeID = &widget.Button{Text: tr("screen19.change", "マイキーIDの変更") + " (F6)", OnTapped: s.onChangeID}
	s.logout = &widget.Button{Text: tr("screen19.logout", "ログアウト") + " (F12)", OnTapped: s.onLogout}
	return s
}

func (s *screen19) Title() string    { return tr("screen19.title", "利用者マイページ") }
func (s *screen19) MenuButton() bool { return false } // leaving is [ログアウト]

func (s *screen19) Content() fyne.CanvasObject {
	return container.NewVBox(
		container.NewBorder(nil, nil, nil, s.logout, s.header),
		widget.NewSeparator(),
		&widget.Label{Text: tr("screen19.balances", "ポイント残高"), TextStyle: fyne.TextStyle{Bold: true}},
		s.list,
		widget.NewSeparator(),
		container.NewHBox(s.services, s.coupon, s.update, s.revoke, s.changeID),
	)
}

func (s *screen19) Keys() map[fyne.KeyName]func() {
	return map[fyne.KeyName]func(){fyne.KeyF1: s.onServices, fyne.KeyF2: s.onCoupon, fyne.KeyF3: s.onUpdate,
		fyne.KeyF4: s.onRevoke, fyne.KeyF6: s.onChangeID, fyne.KeyF12: s.onLogout}
}

// Shown reads the page from the platform (it is never kept after the session ends).
func (s *screen19) Shown() {
	u := s.ms.ds.u
	var page *mkpf.MyPage
	u.Run(tr("screen19.loading", "利用者マイページを読み込んでいます…"), 20*time.Second, func(ctx context.Context) (err error) {
		page, err = s.ms.desk.MyPage(ctx, s.ms.login.Session)
		return err
	}, func(err error) {
		if !s.ms.open() {
			return
		}
		if err != nil {
			u.ShowError(err)
			if terminal.APICode(err) == mkpf.CodeMyPageSession {
				s.ms.end(tr("mypage.ended.session", "利用者マイページのログインが切れました。もう一度ログインしてください。"))
			}
			return
		}
		s.show(page)
	})
}

func (s *screen19) show(p *mkpf.MyPage) {
	s.page = p
	s.header.SetText(tr("screen19.mykeyid", "マイキーID") + " : " + p.MyKeyID)
	var objs []fyne.CanvasObject
	for _, b := range p.Balances {
		name := b.Name
		if b.Base {
			name += tr("screen19.base", "（基本自治体ポイント口座）")
		}
		pts := &widget.Label{Text: terminal.Grouped(b.Points) + " " + tr("screen19.pt", "ポイント"), Alignment: fyne.TextAlignTrailing}
		objs = append(objs, &widget.Label{Text: kindLabel(b.Kind)}, container.NewBorder(nil, nil, nil, pts, &widget.Label{Text: name}))
	}
	if len(objs) == 0 {
		objs = append(objs, &jaLabel{Text: tr("screen19.none", "ポイントはありません。")}, widget.NewLabel(""))
	}
	s.list.Objects = []fyne.CanvasObject{rows(objs...)}
	s.list.Refresh()
	// The rows change the list's height: lay the window out again (containers do not re-run their layout then).
	if c := fyne.CurrentApp().Driver().CanvasForObject(s.list); c != nil && c.Content() != nil {
		c.Content().Refresh()
	}
}

// kindLabel names a point kind as the documents do (mkpf.PointKind.LabelJA), translated (screen19.kind.<kind>).
// The keys are screen19.kind.reserved, .municipal and .event (translations/en.json).
func kindLabel(k mkpf.PointKind) string {
	key := "screen19.kind." + string(k)
	return tr(key, k.LabelJA())
}

func (s *screen19) onServices() {
	if s.page != nil && s.ms.touch() {
		s.ms.toServiceIDs(s.page)
	}
}

func (s *screen19) onLogout() { s.ms.end(tr("mypage.ended.logout", msgLogout)) }

func (s *screen19) onCoupon() {
	if s.ms.touch() {
		s.ms.toCoupon()
	}
}

func (s *screen19) onRevoke() {
	if s.ms.touch() {
		s.ms.toRevoke()
	}
}

// onUpdate reads the pull-down of the municipalities that run 自治体ポイント, then 59.
func (s *screen19) onUpdate() {
	u := s.ms.ds.u
	if s.page == nil || !s.ms.touch() {
		return
	}
	var ms []mkpf.PointMunicipality
	u.Run(tr("screen16.loading", "自治体の一覧を読み込んでいます…"), 20*time.Second, func(ctx context.Context) (err error) {
		ms, err = s.ms.desk.PointMunicipalities(ctx)
		return err
	}, func(err error) {
		if err != nil {
			u.ShowError(err)
			return
		}
		s.ms.toUpdate(s.page, ms)
	})
}

func (s *screen19) onChangeID() {
	if s.ms.touch() {
		s.ms.toChangeID()
	}
}
