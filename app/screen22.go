package app

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// screen22 is 画面22 「メニュー」 with 端末ID:XXXXXXXX in the header.
type screen22 struct {
	u                                        *UI
	register, lookup, contact, points, setup *widget.Button
}

func newScreen22(u *UI) *screen22 {
	s := &screen22{u: u}
	s.register = &widget.Button{Text: tr("screen22.register", "サービスIDの登録") + " (F1)", Icon: theme.ContentAddIcon(), OnTapped: s.onRegister}
	s.lookup = &widget.Button{Text: tr("screen22.lookup", "サービスIDの照会") + " (F2)", Icon: theme.SearchIcon(), Importance: widget.HighImportance, OnTapped: s.onLookup}
	s.contact = &widget.Button{Text: tr("screen22.contact", "連絡先の変更") + " (F3)", Icon: theme.AccountIcon(), OnTapped: s.onContact}
	s.points = &widget.Button{Text: tr("screen22.points", "自治体ポイント管理クラウドへ") + " (F4)", Icon: theme.NavigateNextIcon(), OnTapped: s.onPoints}
	s.setup = &widget.Button{Text: tr("screen22.settings", "端末の設定") + " (F11)", Icon: theme.SettingsIcon(), Importance: widget.LowImportance, OnTapped: s.onSettings}
	// Seed 004 §I.3: service-ID terminals (ア) have 22-26 (and the points cloud when they also take points); the
	// other kinds reach only the points cloud.
	t := u.Svc.Platform.Terminal()
	if t.Kind != "" && t.Kind != mkpf.KindServiceID {
		s.register.Hide()
		s.lookup.Hide()
		s.points.Importance = widget.HighImportance
	}
	if t.Kind == mkpf.KindServiceID && !t.TakesPoints {
		s.points.Hide()
	}
	// Grant terminals (seed 004 §V): the grant office opens its 業務支援システム (71), a point-grant terminal the
	// grant app (77), from the same entry.
	switch t.Kind {
	case mkpf.KindGrantOffice:
		s.points.SetText(tr("screen22.grantoffice", "業務支援システムへ") + " (F4)")
		s.points.Enable()
	case mkpf.KindPointGrant:
		s.points.SetText(tr("screen22.grantapp", "持ち歩き用ポイント付与アプリへ") + " (F4)")
		s.points.Enable()
	case mkpf.KindPatronDesk: // 利用者窓口 (14-17): the patron's own MyKey ID
		s.register.SetText(tr("screen22.mykeycreate", "マイキーIDの作成・登録") + " (F1)")
		s.register.Importance = widget.HighImportance
		s.register.Show()
		s.lookup.SetText(tr("screen22.mypage", "利用者マイページ") + " (F2)")
		s.lookup.Importance = widget.MediumImportance
		s.lookup.Show()
		s.points.Hide()
	}
	return s
}

func (s *screen22) Title() string    { return tr("screen22.title", "メニュー") }
func (s *screen22) MenuButton() bool { return false }

func (s *screen22) Content() fyne.CanvasObject {
	width := canvas.NewRectangle(color.Transparent)
	width.SetMinSize(fyne.NewSize(520, 1))
	column := container.NewStack(width, container.NewVBox(s.register, s.lookup, s.contact, s.points))
	return container.NewVBox(
		container.NewHBox(column),
		widget.NewSeparator(),
		container.NewHBox(s.setup),
	)
}

func (s *screen22) Keys() map[fyne.KeyName]func() {
	return map[fyne.KeyName]func(){fyne.KeyF1: s.onRegister, fyne.KeyF2: s.onLookup, fyne.KeyF3: s.onContact,
		fyne.KeyF4: s.onPoints, fyne.KeyF11: s.onSettings}
}

func (s *screen22) onRegister() {
	if s.u.Svc.Platform.Terminal().Kind == mkpf.KindPatronDesk {
		s.u.toMyKeyCreate()
		return
	}
	if s.register.Visible() {
		s.u.toRegister()
	}
}

func (s *screen22) onLookup() {
	if s.u.Svc.Platform.Terminal().Kind == mkpf.KindPatronDesk {
		s.u.toMyPage()
		return
	}
	if s.lookup.Visible() {
		s.u.toLookup()
	}
}
func (s *screen22) onContact()  { s.u.toContact(true) }
func (s *screen22) onSettings() { s.u.toSettings() }

// onPoints opens screen 2 of the points flow.
func (s *screen22) onPoints() {
	switch s.u.Svc.Platform.Terminal().Kind {
	case mkpf.KindGrantOffice:
		s.u.toGrantOffice()
	case mkpf.KindPointGrant:
		s.u.toGrantApp()
	default:
		if s.points.Visible() {
			s.u.toPoints()
		}
	}
}
