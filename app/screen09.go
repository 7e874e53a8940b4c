package app

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// screen09 is 画面9 「端末IDと端末パスワードの登録」: the one-time terminal ID and password from the municipality's roster
// (様式II) enroll this terminal with the platform.
type screen09 struct {
	u        *UI
	fm       form
	url      *fkeyEntry
	id       *fkeyEntry
	password *fkeyEntry
	register *widget.Button
}

func newScreen09(u *UI) *screen09 {
	s := &screen09{u: u}
	s.url = fkeys(u, &widget.Entry{Text: u.Svc.PlatformURL, PlaceHolder: "https://…"})
	s.id = fkeys(u, &widget.Entry{OnSubmitted: func(string) { s.u.Win.Canvas().Focus(s.password) }})
	s.password = fkeys(u, &widget.Entry{Password: true, OnSubmitted: func(string) { s.onRegister() }})
	s.register = &widget.Button{Text: tr("screen09.register", "登録") + " (F5)", Importance: widget.HighImportance, OnTapped: s.onRegister}
	if !u.Svc.Demo {
		s.fm.add(newField("platform_url", tr("screen09.url", "プラットフォームのURL"), s.url,
			tr("screen09.url.rule", "自治体から案内されたマイキープラットフォームのURLです。")))
	}
	s.fm.add(newField("terminal_id", tr("screen09.id", "端末ID"), s.id,
		tr("screen09.id.rule", "半角数字8桁です（例: 00052489）。自治体から配布された「端末ID・端末パスワード一覧（様式II）」に記載されています。")))
	s.fm.add(newField("password", tr("screen09.password", "端末パスワード"), s.password,
		tr("screen09.password.rule", "様式IIに記載された端末パスワードを、大文字・小文字を区別して入力してください。")))
	return s
}

func (s *screen09) Title() string {
	return tr("screen09.title", "端末IDと端末パスワードの登録")
}
func (s *screen09) MenuButton() bool { return false }

func (s *screen09) Keys() map[fyne.KeyName]func() {
	return map[fyne.KeyName]func(){fyne.KeyF5: s.onRegister}
}

func (s *screen09) Content() fyne.CanvasObject {
	objs := []fyne.CanvasObject{
		widget.NewLabel(tr("screen09.lead", "端末IDと端末パスワードを入力し、「登録」ボタンをクリックしてください。")),
		s.fm.object(),
		container.NewHBox(s.register),
	}
	if s.u.Svc.Demo {
		objs = append(objs, &jaLabel{Importance: widget.WarningImportance,
			Text: tr("screen09.demo", "デモ: 端末ID 00052489 ／ 端末パスワード 8912k41a（川崎市立図書館のサービスID利用端末）")})
	}
	return container.NewVBox(objs...)
}

func (s *screen09) Shown() { s.u.Win.Canvas().Focus(s.id) }

func (s *screen09) onRegister() {
	s.fm.clearErrors()
	id := s.id.Text
	if err := mkpf.ValidateTerminalID(id); err != nil {
		s.fm.fields[len(s.fm.fields)-2].setError(tr("screen09.id.invalid", "端末IDは半角数字8桁で入力してください。"))
		return
	}
	if s.password.Text == "" {
		s.fm.fields[len(s.fm.fields)-1].setError(tr("screen09.password.empty", "端末パスワードを入力してください。"))
		return
	}
	url, pw := s.url.Text, s.password.Text
	s.u.Run(tr("screen09.busy", "端末を登録しています…"), 30*time.Second, func(ctx context.Context) error {
		_, err := s.u.Svc.Platform.Enroll(ctx, url, id, pw)
		return err
	}, func(err error) {
		s.u.PlatformResult(err)
		if err != nil {
			s.fm.showError(s.u, err)
			return
		}
		s.u.toContact(false)
	})
}
