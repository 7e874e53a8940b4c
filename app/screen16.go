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
	*candidatePicker
	ds              *deskSession
	fm              form
	register        *widget.Button
	password        *fkeyEntry
	passwordConfirm *noPasteEntry
	email           *fkeyEntry
	emailConfirm    *noPasteEntry
	notices         []*widget.Check
	base            *widget.Select
	munis           []mkpf.PointMunicipality
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
	s.candidatePicker = newCandidatePicker(u, &ds.cand, ds.desk, &jaLabel{SizeName: theme.SizeNameCaptionText}, nil)
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
	s.field = s.fm.add(newField("mykey_id", tr("screen16.candidate", "マイキーID候補")+required, s.object(),
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

// candidatePicker is screen 16's MyKey ID candidate (screen 62 has it too): the field with [自動生成] (at most three
// times, the third value kept) and [重複チェック] (three duplicates switch to 自動生成), and the note under it. The
// rules are terminal.Candidates'.
type candidatePicker struct {
	u           *UI
	rules       *terminal.Candidates
	desk        terminal.MyKeyDesk
	live        func() bool // nil, or whether a press may act (screen 62: the 利用者マイページ session is still on)
	field       *field      // the form's field holding object()
	candidate   *fkeyEntry
	auto, check *widget.Button
	note        *jaLabel
}

func newCandidatePicker(u *UI, rules *terminal.Candidates, desk terminal.MyKeyDesk, note *jaLabel, live func() bool) *candidatePicker {
	p := &candidatePicker{u: u, rules: rules, desk: desk, live: live, note: note}
	p.candidate = fkeys(u, &widget.Entry{})
	p.candidate.OnChanged = func(t string) { rules.Typed(t) }
	p.auto = &widget.Button{Text: tr("screen16.auto", "自動生成"), OnTapped: p.onAuto}
	p.check = &widget.Button{Text: tr("screen16.check", "重複チェック"), OnTapped: p.onCheck}
	p.note.Hide()
	return p
}

// object is the field's input: the entry with the two buttons, the note under them.
func (p *candidatePicker) object() fyne.CanvasObject {
	return container.NewVBox(container.NewBorder(nil, nil, nil, container.NewHBox(p.auto, p.check), p.candidate), p.note)
}

// showCandidate puts the rules' current candidate in the field and says what happened.
func (p *candidatePicker) showCandidate(note string) {
	p.candidate.SetText(p.rules.ID)
	if p.rules.Fixed() {
		p.candidate.Disable()
		p.auto.Disable()
		p.check.Disable()
	}
	p.note.SetText(note)
	p.note.Show()
	relayout(p.note)
}

func (p *candidatePicker) onAuto() {
	if p.live != nil && !p.live() {
		return
	}
	p.field.setError("")
	p.u.Run(tr("screen16.busy.auto", "マイキーID候補を生成しています…"), 20*time.Second, func(ctx context.Context) error {
		_, err := p.rules.Auto(ctx, p.desk)
		return err
	}, func(err error) {
		if err != nil {
			p.field.setError(Message(err))
			return
		}
		note := tr("screen16.auto.done", "自動生成しました（重複はありません）。")
		if p.rules.Fixed() {
			note = tr("screen16.auto.fixed", "3回目の自動生成です。このマイキーID候補で登録します。")
		}
		p.showCandidate(note)
	})
}

func (p *candidatePicker) onCheck() {
	if p.live != nil && !p.live() {
		return
	}
	typed := p.candidate.Text
	p.field.setError("")
	p.u.Run(tr("screen16.busy.check", "重複チェックをしています…"), 20*time.Second, func(ctx context.Context) error {
		return p.rules.Check(ctx, p.desk, typed)
	}, func(err error) {
		if err != nil {
			p.field.setError(Message(err))
			return
		}
		note := tr("screen16.check.free", "このマイキーID候補は使用できます。")
		if p.rules.Switched {
			note = tr("screen16.check.switched", "3回重複したため、マイキーID候補を自動生成しました。")
		}
		p.showCandidate(note)
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
