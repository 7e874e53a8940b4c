package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/terminal"
)

// screen23 is 画面23 「サービスIDの登録」: the clerk types the patron's library card number (or reads it from the
// patron's own card with [読取]), asks whether the patron wants address-change notices (which needs the signing
// certificate and so the signing PIN), the patron sets the My Number Card and the clerk clicks [登録] → screen 24.
type screen23 struct {
	u        *UI
	fm       form
	number   *fkeyEntry
	read     *widget.Button
	notice   *widget.RadioGroup
	register *widget.Button
}

var (
	noticeYes = "はい"
	noticeNo  = "いいえ"
)

func newScreen23(u *UI) *screen23 {
	s := &screen23{u: u}
	s.number = fkeys(u, &widget.Entry{OnSubmitted: func(string) { s.onRegister() }})
	s.read = &widget.Button{Text: tr("screen23.read", "読取") + " (F2)", OnTapped: s.onRead}
	s.notice = &widget.RadioGroup{Options: []string{noticeYes, noticeNo}, Horizontal: true}
	s.register = &widget.Button{Text: tr("screen23.register", "登録") + " (F5)", Importance: widget.HighImportance, OnTapped: s.onRegister}
	required := tr("form.required", "（必須）")
	s.fm.add(newField("card_number", tr("screen23.number", "利用カード番号(サービスID)")+required,
		container.NewBorder(nil, nil, nil, s.read, s.number),
		tr("screen23.number.rule", "利用者が持参した利用カードの番号を、半角英数字で入力してください（例: 180000000011）。「読取」は、利用カードが読取れるICカードリーダーライターがある場合のみ使えます（利用カードをリーダーに置いてから押してください）。")))
	s.fm.add(newField("address_notice", tr("screen23.notice", "現住所の変更通知")+required, s.notice,
		tr("screen23.notice.rule", "「はい」の場合、現住所の変更を通知するために署名用電子証明書の発行番号を取得して利用します。登録の際、利用者に署名用電子証明書のパスワード（英数字6～16文字）を入力してもらいます。")))
	return s
}

// withNumber pre-fills the number (back from screen 24 to fix a typo).
func (s *screen23) withNumber(n string, notice bool) *screen23 {
	s.number.SetText(n)
	if notice {
		s.notice.SetSelected(noticeYes)
	} else {
		s.notice.SetSelected(noticeNo)
	}
	return s
}

func (s *screen23) Title() string { return tr("screen23.title", "サービスIDの登録") }

func (s *screen23) Content() fyne.CanvasObject {
	return container.NewVBox(
		widget.NewLabel(tr("screen23.step1", "①利用カード番号を入力してください。")),
		widget.NewLabel(tr("screen23.step2", "②現住所の変更通知の受け取り有無を入力してください。")),
		s.fm.object(),
		widget.NewLabel(tr("screen23.step3", "③マイナンバーカードをICカードリーダーライターにセットしてください。")),
		widget.NewLabel(tr("screen23.step4", "④「登録」ボタンをクリックしてください。")),
		container.NewHBox(s.register),
	)
}

func (s *screen23) Shown() { s.u.Win.Canvas().Focus(s.number) }

func (s *screen23) Keys() map[fyne.KeyName]func() {
	return map[fyne.KeyName]func(){fyne.KeyF2: s.onRead, fyne.KeyF5: s.onRegister}
}

// onRead reads the library card number from the patron's own card (FeliCa) on the reader.
func (s *screen23) onRead() {
	var n string
	s.u.Run(tr("screen23.reading", "利用カードを読み取っています…"), 10*time.Second, func(ctx context.Context) (err error) {
		n, err = s.u.Svc.Cards.ReadPatronCard(ctx, s.u.Svc.Settings.Load().Reader)
		return err
	}, func(err error) {
		if err != nil {
			s.u.ShowError(err)
			return
		}
		s.number.SetText(n)
		s.fm.fields[0].setError("")
	})
}

func (s *screen23) onRegister() {
	s.fm.clearErrors()
	number, err := terminal.CheckServiceID(s.number.Text)
	ok := true
	if err != nil {
		s.fm.fields[0].setError(Message(err))
		ok = false
	}
	if s.notice.Selected == "" {
		s.fm.fields[1].setError(tr("screen23.notice.missing", "「はい」か「いいえ」を選んでください。"))
		ok = false
	}
	if !ok {
		return
	}
	req := mkpf.RegisterRequest{CardNumber: number, AddressNotice: s.notice.Selected == noticeYes}
	reader := s.u.Svc.Settings.Load().Reader
	var r *terminal.Registration
	s.u.Run(tr("screen23.busy.card", "マイナンバーカードを読み取っています…"), 15*time.Second, func(ctx context.Context) (err error) {
		r, err = terminal.BeginRegistration(ctx, s.u.Svc.Cards, reader, req) // the tries left are read first
		return err
	}, func(err error) {
		if err != nil {
			s.u.ShowError(err)
			return
		}
		if r.NeedsPIN() {
			s.askSignPIN(r.Req, reader, r.Tries)
			return
		}
		s.send(r.Req)
	})
}

// askSignPIN shows the tries left first, then asks the patron for the signing PIN once. A wrong PIN is reported, never
// retried: the patron decides whether to try again.
func (s *screen23) askSignPIN(req mkpf.RegisterRequest, reader string, tries int) {
	if tries == 0 {
		s.u.ShowError(ErrSignPINBlocked)
		return
	}
	pin := newPINEntry(s.u)
	msg := fmt.Sprintf(tr("screen23.pin.lead", "住所変更通知のため、署名用電子証明書のパスワード（英数字6～16文字）を利用者に入力してもらってください。\n残り回数: %d回（%d回続けて間違えるとロックされます）"), tries, tries)
	items := []*widget.FormItem{
		{Widget: &jaLabel{Text: msg}},
		{Text: tr("screen23.pin", "署名用パスワード"), Widget: pin},
	}
	d := dialog.NewForm(tr("screen23.pin.title", "署名用電子証明書のパスワード"), pinOKLabel(), pinCancelLabel(), items, func(ok bool) {
		if !ok {
			return
		}
		p := pin.Text
		if err := (&terminal.Registration{Tries: tries}).CheckSignPIN(p); err != nil {
			s.u.ShowError(err) // never sent: no try spent
			return
		}
		s.u.Run(tr("screen23.busy.sign", "署名用電子証明書を読み取っています…"), 20*time.Second, func(ctx context.Context) (err error) {
			req.SignCert, err = s.u.Svc.Cards.ReadSignCert(ctx, reader, p)
			return err
		}, func(err error) {
			if err != nil {
				s.u.ShowError(err)
				return
			}
			s.send(req)
		})
	}, s.u.Win)
	d.Resize(fyne.NewSize(680, 320))
	d.Show()
	s.u.Win.Canvas().Focus(pin)
	s.u.showPIN(d, pin, msg)
}

func (s *screen23) send(req mkpf.RegisterRequest) {
	var res *mkpf.RegisterResult
	s.u.Run(tr("screen23.busy.platform", "プラットフォームに登録しています…"), 20*time.Second, func(ctx context.Context) (err error) {
		res, err = s.u.Svc.Platform.RegisterServiceID(ctx, req)
		return err
	}, func(err error) {
		s.u.PlatformResult(err)
		var apiErr *mkpf.APIError
		if errors.As(err, &apiErr) && apiErr.Code == mkpf.CodeReplaceNeedsConfirm && !req.Replace {
			dialog.ShowConfirm(tr("screen23.replace.title", "利用カード番号の置き換え"),
				apiErr.Message+"\n"+tr("screen23.replace.ask", "新しい番号に置き換えますか？"), func(yes bool) {
					if yes {
						req.Replace = true
						s.send(req)
					}
				}, s.u.Win)
			return
		}
		if err != nil {
			s.fm.showError(s.u, err)
			return
		}
		s.u.toRegistered(res, req.AddressNotice)
	})
}
