package app

import (
	"context"
	"errors"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/terminal"
)

// screen16 is 画面16 「マイキーIDの作成・登録および利用者マイページのログイン用パスワード等設定」: the MyKey ID candidate
// ([自動生成] at most three times, the third value registered; or typed and [重複チェック], three duplicates switch to
// 自動生成), the 利用者マイページ password twice, the e-mail twice (optional), the notices, the 基本自治体ポイント口座 →
// [登録] → 17. The rules are the terminal layer's (terminal.Candidates, terminal.CheckMyPageForm).
type screen16 struct {
	ds                    *deskSession
	fm                    form
	candidate             *fkeyEntry
	auto, check, register *widget.Button
	candNote              *jaLabel
	password              *fkeyEntry
	passwordConfirm       *noPasteEntry
	email                 *fkeyEntry
	emailConfirm          *noPasteEntry
	notices               []*widget.Check
	base                  *widget.Select
	munis                 []mkpf.PointMunicipality
}

// noticeKinds are screen 16's four check boxes, in the documents' order.
var noticeKinds = []struct{ kind, key, ja string }{
	{mkpf.NoticeKindGrant, "screen16.notice.grant", "各自治体ポイントが付与された場合"},
	{mkpf.NoticeKindLapse, "screen16.notice.lapse", "各自治体ポイントが失効した場合"},
	{mkpf.NoticeKindPassword, "screen16.notice.password", "パスワードを変更した場合"},
	{mkpf.NoticeKindMyKeyID, "screen16.notice.mykeyid", "マイキーIDを登録、変更、失効した場合"},
}

func newScreen16(ds *deskSession) *screen16 {
	u := ds.u
	s := &screen16{ds: ds}
	s.candidate = fkeys(u, &widget.Entry{})
	s.candidate.OnChanged = func(t string) { s.ds.cand.Typed(t) }
	s.auto = &widget.Button{Text: tr("screen16.auto", "自動生成"), OnTapped: s.onAuto}
	s.check = &widget.Button{Text: tr("screen16.check", "重複チェック"), OnTapped: s.onCheck}
	s.candNote = &jaLabel{SizeName: theme.SizeNameCaptionText}
	s.candNote.Hide()
	s.password = fkeys(u, &widget.Entry{Password: true})
	s.passwordConfirm = newNoPasteEntry(u)
	s.passwordConfirm.Password = true
	s.email = fkeys(u, &widget.Entry{})
	s.emailConfirm = newNoPasteEntry(u)
	for _, n := range noticeKinds {
		s.notices = append(s.notices, widget.NewCheck(tr(n.key, n.ja), nil))
	}
	s.base = widget.NewSelect(nil, nil)
	s.base.PlaceHolder = tr("screen16.base.none", "（設定しない）")
	s.register = &widget.Button{Text: tr("screen16.register", "登録") + " (F5)", Importance: widget.HighImportance, OnTapped: s.onRegister}
	required := tr("form.required", "（必須）")
	s.fm.add(newField("mykey_id", tr("screen16.candidate", "マイキーID候補")+required,
		container.NewVBox(container.NewBorder(nil, nil, nil, container.NewHBox(s.auto, s.check), s.candidate), s.candNote),
		tr("screen16.candidate.rule", "(1)「自動生成」を押すと候補が表示されます（自動生成は3回までで、3回目の値がマイキーIDとして登録されます）。(2) 8ケタの半角大文字英数字を入力して「重複チェック」を押すこともできます（3回重複すると自動生成になります）。")))
	s.fm.add(newField("password", tr("screen16.password", "利用者マイページログイン用パスワード")+required, s.password,
		tr("screen16.password.rule", "6～16ケタの半角英数字で入力してください。")))
	s.fm.add(newField("password_confirm", tr("screen16.password2", "利用者マイページログイン用パスワード[確認用]")+required, s.passwordConfirm,
		tr("screen16.confirm.rule", "確認のためもう一度入力してください。(コピー・貼り付けはしないでください。)")))
	s.fm.add(newField("email", tr("screen16.email", "メールアドレス"), s.email,
		tr("screen16.email.rule", "自治体ポイント管理クラウドからのメール通知を希望する方は入力してください。")))
	s.fm.add(newField("email_confirm", tr("screen16.email2", "メールアドレス[確認用]"), s.emailConfirm,
		tr("screen16.confirm.rule", "確認のためもう一度入力してください。(コピー・貼り付けはしないでください。)")))
	var checks []fyne.CanvasObject
	for _, c := range s.notices {
		checks = append(checks, c)
	}
	s.fm.add(newField("notices", tr("screen16.notices", "メール通知を希望する情報"), container.NewVBox(checks...),
		tr("screen16.notices.rule", "「各自治体ポイントが付与された場合」は、いわゆる行政ポイントおよび地域経済応援ポイントです。")))
	s.fm.add(newField("base_municipality", tr("screen16.base", "基本自治体ポイント口座"), s.base,
		tr("screen16.base.rule", "自治体ポイントを利用される方は設定してください。留保ポイントが一定期間を経過しても特定の自治体ポイント口座に移行されなければ、自動的にこの口座に移行されます。")))
	return s
}

func (s *screen16) Title() string {
	return tr("screen16.title", "マイキーIDの作成・登録および利用者マイページのログイン用パスワード等設定")
}

func (s *screen16) Content() fyne.CanvasObject {
	return container.NewVBox(
		&jaLabel{Text: tr("screen16.lead", "マイキーID候補を(1)または(2)の方法で作成し、利用者マイページへログインするためのパスワードを入力してください。入力できたら「登録」ボタンをクリックしてください。")},
		s.fm.object(),
		container.NewHBox(s.register),
	)
}

func (s *screen16) Keys() map[fyne.KeyName]func() {
	return map[fyne.KeyName]func(){fyne.KeyF5: s.onRegister}
}

// Shown loads the pull-down of the municipalities that run 自治体ポイント.
func (s *screen16) Shown() {
	u := s.ds.u
	u.Win.Canvas().Focus(s.candidate)
	var ms []mkpf.PointMunicipality
	u.Run(tr("screen16.loading", "自治体の一覧を読み込んでいます…"), 20*time.Second, func(ctx context.Context) (err error) {
		ms, err = s.ds.desk.PointMunicipalities(ctx)
		return err
	}, func(err error) {
		if err != nil {
			u.ShowError(err)
			return
		}
		s.munis = ms
		opts := []string{tr("screen16.base.none", "（設定しない）")}
		for _, m := range ms {
			opts = append(opts, m.Name)
		}
		s.base.Options = opts
		s.base.Refresh()
	})
}

// showCandidate puts the rules' current candidate in the field and says what happened.
func (s *screen16) showCandidate(note string) {
	c := &s.ds.cand
	s.candidate.SetText(c.ID)
	if c.Fixed() {
		s.candidate.Disable()
		s.auto.Disable()
		s.check.Disable()
	}
	s.candNote.SetText(note)
	s.candNote.Show()
	relayout(s.candNote)
}

func (s *screen16) onAuto() {
	u := s.ds.u
	s.fm.fields[0].setError("")
	u.Run(tr("screen16.busy.auto", "マイキーID候補を生成しています…"), 20*time.Second, func(ctx context.Context) error {
		_, err := s.ds.cand.Auto(ctx, s.ds.desk)
		return err
	}, func(err error) {
		if err != nil {
			s.fm.fields[0].setError(Message(err))
			return
		}
		note := tr("screen16.auto.done", "自動生成しました（重複はありません）。")
		if s.ds.cand.Fixed() {
			note = tr("screen16.auto.fixed", "3回目の自動生成です。このマイキーID候補で登録します。")
		}
		s.showCandidate(note)
	})
}

func (s *screen16) onCheck() {
	u := s.ds.u
	typed := s.candidate.Text
	s.fm.fields[0].setError("")
	u.Run(tr("screen16.busy.check", "重複チェックをしています…"), 20*time.Second, func(ctx context.Context) error {
		return s.ds.cand.Check(ctx, s.ds.desk, typed)
	}, func(err error) {
		if err != nil {
			s.fm.fields[0].setError(Message(err))
			return
		}
		note := tr("screen16.check.free", "このマイキーID候補は使用できます。")
		if s.ds.cand.Switched {
			note = tr("screen16.check.switched", "3回重複したため、マイキーID候補を自動生成しました。")
		}
		s.showCandidate(note)
	})
}

func (s *screen16) formValue() terminal.MyPageForm {
	f := terminal.MyPageForm{Password: s.password.Text, PasswordConfirm: s.passwordConfirm.Text,
		Email: s.email.Text, EmailConfirm: s.emailConfirm.Text}
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

// inputField is the form row an input error of screen 16 belongs to.
func inputField(err error) string {
	var ie *terminal.InputError
	if !errors.As(err, &ie) {
		return ""
	}
	switch ie.Key {
	case "screen16.password.format":
		return "password"
	case "screen16.password.mismatch":
		return "password_confirm"
	case "screen16.email.mismatch":
		return "email_confirm"
	case "screen16.notice.noemail":
		return "email"
	}
	return "mykey_id"
}

func (s *screen16) onRegister() {
	u := s.ds.u
	s.fm.clearErrors()
	f := s.formValue()
	var res *mkpf.MyKeyCreateResult
	u.Run(tr("screen16.busy.register", "マイキーIDを登録しています…"), 30*time.Second, func(ctx context.Context) (err error) {
		res, err = terminal.CreateMyKeyID(ctx, s.ds.desk, s.ds.card, &s.ds.cand, f)
		return err
	}, func(err error) {
		if err != nil {
			if name := inputField(err); name != "" {
				for _, fl := range s.fm.fields {
					if fl.name == name {
						fl.setError(Message(err))
					}
				}
				return
			}
			if terminal.APICode(err) == mkpf.CodeCardSignature {
				u.ShowError(err) // the card's signature is used or too old: set the card and enter the PIN again
				s.ds.toCard()
				return
			}
			s.fm.showError(u, err)
			return
		}
		s.ds.toCreated(res)
	})
}
