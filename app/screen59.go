package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/terminal"
)

// screen59 is 画面59 「利用者情報の変更」: the e-mail address, the notices, the 基本自治体ポイント口座 and a new password
// (empty: unchanged), filled with what is registered → [確認] → 60.
type screen59 struct {
	ms                    *myPageSession
	page                  *mkpf.MyPage
	fm                    form
	email                 *fkeyEntry
	emailConfirm          *noPasteEntry
	notices               []*widget.Check
	base                  *widget.Select
	munis                 []mkpf.PointMunicipality
	password              *fkeyEntry
	passwordConfirm       *noPasteEntry
	confirm, back, logout *widget.Button
}

func newScreen59(ms *myPageSession, page *mkpf.MyPage, munis []mkpf.PointMunicipality) *screen59 {
	u := ms.ds.u
	s := &screen59{ms: ms, page: page, munis: munis}
	s.email = fkeys(u, &widget.Entry{Text: page.Email})
	s.emailConfirm = newNoPasteEntry(u)
	s.emailConfirm.SetText(page.Email)
	chosen := map[string]bool{}
	for _, n := range page.Notices {
		chosen[n] = true
	}
	for _, n := range noticeKinds {
		c := widget.NewCheck(tr(n.key, n.ja), nil)
		c.Checked = chosen[n.kind]
		s.notices = append(s.notices, c)
	}
	opts := []string{tr("screen16.base.none", "（設定しない）")}
	sel := 0
	for i, m := range munis {
		opts = append(opts, m.Name)
		if m.Code == page.BaseMunicipality {
			sel = i + 1
		}
	}
	s.base = widget.NewSelect(opts, nil)
	s.base.SetSelectedIndex(sel)
	s.password = fkeys(u, &widget.Entry{Password: true})
	s.passwordConfirm = newNoPasteEntry(u)
	s.passwordConfirm.Password = true
	s.confirm = &widget.Button{Text: tr("screen59.confirm", "確認") + " (F5)", Importance: widget.HighImportance, OnTapped: s.onConfirm}
	s.back = &widget.Button{Text: tr("screen58.back", "利用者マイページへ") + " (Esc)", OnTapped: s.onBack}
	s.logout = &widget.Button{Text: tr("screen19.logout", "ログアウト") + " (F12)", OnTapped: s.onLogout}
	s.fm.add(newField("email", tr("screen16.email", "メールアドレス"), s.email, tr("screen59.email.rule", "空にすると、メール通知はすべて止まります。")))
	s.fm.add(newField("email_confirm", tr("screen16.email2", "メールアドレス[確認用]"), s.emailConfirm,
		tr("screen16.confirm.rule", "確認のためもう一度入力してください。(コピー・貼り付けはしないでください。)")))
	var checks []fyne.CanvasObject
	for _, c := range s.notices {
		checks = append(checks, c)
	}
	s.fm.add(newField("notices", tr("screen16.notices", "メール通知を希望する情報"), container.NewVBox(checks...), ""))
	s.fm.add(newField("base_municipality", tr("screen16.base", "基本自治体ポイント口座"), s.base, ""))
	s.fm.add(newField("password", tr("screen59.password", "新しいパスワード"), s.password,
		tr("screen59.password.rule", "変更する場合のみ、6～16ケタの半角英数字で入力してください。")))
	s.fm.add(newField("password_confirm", tr("screen59.password2", "新しいパスワード[確認用]"), s.passwordConfirm,
		tr("screen16.confirm.rule", "確認のためもう一度入力してください。(コピー・貼り付けはしないでください。)")))
	return s
}

func (s *screen59) Title() string    { return tr("screen59.title", "利用者情報の変更") }
func (s *screen59) MenuButton() bool { return false }

func (s *screen59) Content() fyne.CanvasObject {
	return container.NewVBox(myPageHeader(s.ms, s.logout), s.fm.object(), container.NewHBox(s.confirm, s.back))
}

func (s *screen59) Keys() map[fyne.KeyName]func() {
	return map[fyne.KeyName]func(){fyne.KeyF5: s.onConfirm, fyne.KeyEscape: s.onBack, fyne.KeyF12: s.onLogout}
}

func (s *screen59) form() terminal.MyPageForm {
	f := terminal.MyPageForm{Password: s.password.Text, PasswordConfirm: s.passwordConfirm.Text, Email: s.email.Text, EmailConfirm: s.emailConfirm.Text}
	for i, c := range s.notices {
		if c.Checked {
			f.Notices = append(f.Notices, noticeKinds[i].kind)
		}
	}
	if i := s.base.SelectedIndex(); i > 0 && i-1 < len(s.munis) {
		f.BaseMunicipality = s.munis[i-1].Code
	}
	return f
}

func (s *screen59) onConfirm() {
	if !s.ms.touch() {
		return
	}
	s.fm.clearErrors()
	f := s.form()
	if err := terminal.CheckMyPageUpdate(f); err != nil {
		name := inputField(err)
		for _, fl := range s.fm.fields {
			if fl.name == name {
				fl.setError(Message(err))
			}
		}
		return
	}
	baseName := tr("screen16.base.none", "（設定しない）")
	if i := s.base.SelectedIndex(); i > 0 {
		baseName = s.base.Options[i]
	}
	toUpdateConfirm(s, f, baseName)
}

func (s *screen59) onBack() {
	if s.ms.touch() {
		s.ms.toPage()
	}
}
func (s *screen59) onLogout() { s.ms.end(tr("mypage.ended.logout", msgLogout)) }
