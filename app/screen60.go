package app

import (
	"context"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/mykeyterm/mykeyterm/terminal"
)

// screen60 is 画面60 「利用者情報の変更の確認」: what will be registered → [変更] → 61; [戻る] → 59 as it was.
type screen60 struct {
	from                 *screen59
	f                    terminal.MyPageForm
	baseName             string
	change, back, logout *widget.Button
}

func newScreen60(from *screen59, f terminal.MyPageForm, baseName string) *screen60 {
	s := &screen60{from: from, f: f, baseName: baseName}
	s.change = &widget.Button{Text: tr("screen60.change", "変更") + " (F5)", Importance: widget.HighImportance, OnTapped: s.onChange}
	s.back = &widget.Button{Text: tr("screen60.back", "戻る") + " (Esc)", OnTapped: s.onBack}
	s.logout = &widget.Button{Text: tr("screen19.logout", "ログアウト") + " (F12)", OnTapped: s.onLogout}
	return s
}

func (s *screen60) Title() string    { return tr("screen60.title", "利用者情報の変更の確認") }
func (s *screen60) MenuButton() bool { return false }

func (s *screen60) Content() fyne.CanvasObject {
	bold := func(t string) *widget.Label { return &widget.Label{Text: t, TextStyle: fyne.TextStyle{Bold: true}} }
	email := s.f.Email
	if strings.TrimSpace(email) == "" {
		email = tr("screen60.none", "（なし）")
	}
	var notices []string
	for i, c := range s.from.notices {
		if c.Checked {
			notices = append(notices, tr(noticeKinds[i].key, noticeKinds[i].ja))
		}
	}
	if len(notices) == 0 {
		notices = []string{tr("screen60.none", "（なし）")}
	}
	pw := tr("screen60.pw.same", "変更しない")
	if s.f.Password != "" {
		pw = tr("screen60.pw.new", "変更する")
	}
	return container.NewVBox(myPageHeader(s.from.ms, s.logout),
		&jaLabel{Text: tr("screen60.lead", "次の内容で変更します。よろしければ「変更」を押してください。")},
		rows(bold(tr("screen16.email", "メールアドレス")), widget.NewLabel(email),
			bold(tr("screen16.notices", "メール通知を希望する情報")), &jaLabel{Text: strings.Join(notices, "\n")},
			bold(tr("screen16.base", "基本自治体ポイント口座")), widget.NewLabel(s.baseName),
			bold(tr("screen60.password", "パスワード")), widget.NewLabel(pw)),
		container.NewHBox(s.change, s.back))
}

func (s *screen60) Keys() map[fyne.KeyName]func() {
	return map[fyne.KeyName]func(){fyne.KeyF5: s.onChange, fyne.KeyEscape: s.onBack, fyne.KeyF12: s.onLogout}
}

func (s *screen60) onChange() {
	ms := s.from.ms
	u := ms.ds.u
	if !ms.touch() {
		return
	}
	u.Run(tr("screen60.busy", "利用者情報を変更しています…"), 30*time.Second, func(ctx context.Context) error {
		_, err := terminal.UpdateMyPage(ctx, ms.desk.(terminal.MyPageChanger), ms.login.Session, s.f)
		return err
	}, func(err error) {
		if err != nil {
			u.ShowError(err)
			return
		}
		ms.toUpdated()
	})
}

func (s *screen60) onBack() {
	if s.from.ms.touch() {
		s.from.ms.ds.u.Show(s.from)
	}
}
func (s *screen60) onLogout() { s.from.ms.end(tr("mypage.ended.logout", msgLogout)) }
