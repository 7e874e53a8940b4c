package app

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// screen29 is 画面29 「ポイント利用」: [カード読取] shows the patron's balances usable at this terminal; the clerk chooses
// the point, enters the points and clicks [確認] → screen 30.
type screen29 struct {
	ps       *pointsSession
	fm       form
	read     *widget.Button
	bal      *balancePicker
	points   *fkeyEntry
	confirm  *widget.Button
	back     *widget.Button
	authCert []byte // the card read by [カード読取]; the use request names the same patron
	keys     opKeys
}

func newScreen29(ps *pointsSession) *screen29 {
	s := &screen29{ps: ps, bal: newBalancePicker(), keys: opKeys{}}
	s.read = &widget.Button{Text: tr("points.read", "カード読取") + " (F2)", Icon: theme.LoginIcon(), Importance: widget.HighImportance, OnTapped: s.onRead}
	s.points = fkeys(ps.u, &widget.Entry{PlaceHolder: "500", OnSubmitted: func(string) { s.onConfirm() }})
	s.confirm = &widget.Button{Text: tr("points.confirm", "確認") + " (F5)", Importance: widget.HighImportance, OnTapped: s.onConfirm}
	s.back = menuBackButton(ps)
	s.fm.add(newField("program_id", tr("points.balances", "ポイント残高"), s.bal.object(),
		tr("screen29.balances.rule", "利用するポイントを選んでください。この端末で使えるポイントだけが表示されます。")))
	s.fm.add(newField("points", tr("screen29.points", "利用ポイント数"), s.points,
		tr("screen29.points.rule", "半角数字で入力してください（1ポイント＝1円）。残高を超えては利用できません。")))
	return s
}

func (s *screen29) Title() string { return tr("screen29.title", "ポイント利用") }

func (s *screen29) Content() fyne.CanvasObject {
	return container.NewVBox(
		ptLead(tr("screen29.step1", "①利用者にマイナンバーカードをICカードリーダーにセットしてもらい、「カード読取」ボタンをクリックしてください。")),
		container.NewHBox(s.read),
		ptLead(tr("screen29.step2", "②残高を確認し、利用するポイントを選んで利用ポイント数を入力し、「確認」ボタンをクリックしてください。")),
		s.fm.object(),
		container.NewHBox(s.confirm, s.back),
	)
}

func (s *screen29) Keys() map[fyne.KeyName]func() {
	return map[fyne.KeyName]func(){fyne.KeyF2: s.onRead, fyne.KeyF5: s.onConfirm, fyne.KeyF10: s.ps.toMenu}
}

func (s *screen29) onRead() {
	s.fm.clearErrors()
	var cert []byte
	var res *mkpf.BalancesResult
	s.read.Disable()
	s.ps.u.Run(tr("points.reading", "マイナンバーカードを読み取り、残高を確認しています…"), pointsTimeout, func(ctx context.Context) (err error) {
		if cert, err = s.ps.readAuthCert(ctx); err != nil {
			return err
		}
		res, err = s.ps.svc.Balances(ctx, mkpf.PatronRef{AuthCert: cert})
		return err
	}, func(err error) {
		s.read.Enable()
		if err != nil {
			if cert != nil {
				s.ps.platformResult(err)
			}
			s.authCert = nil
			s.bal.clear()
			s.ps.u.ShowError(err)
			return
		}
		s.ps.u.PlatformResult(nil)
		s.authCert = cert
		s.bal.set(res.Balances)
		s.ps.u.Win.Canvas().Focus(s.points)
	})
}

func (s *screen29) onConfirm() {
	s.fm.clearErrors()
	if s.authCert == nil {
		s.fm.fields[0].setError(tr("points.read.first", "先に「カード読取」でマイナンバーカードを読み取ってください。"))
		return
	}
	b := s.bal.selected()
	if b == nil {
		s.fm.fields[0].setError(tr("points.choose", "利用するポイントを選んでください。"))
		return
	}
	n, msg := parsePoints(s.points.Text, b.Points)
	if msg != "" {
		s.fm.fields[1].setError(msg)
		return
	}
	s.ps.u.Show(newScreen30(s, *b, n))
}

// Shown takes the keyboard focus away from the previous screen's field, so the function keys work at once.
func (s *screen29) Shown() { s.ps.u.Win.Canvas().Unfocus() }
