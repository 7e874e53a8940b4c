package app

import (
	"fyne.io/fyne/v2"

	"github.com/mykeyterm/mykeyterm/terminal"
)

// screen29 is 画面29 「ポイント利用」: [カード読取] shows the patron's balances usable at this terminal; the clerk chooses
// the point, enters the points and clicks [確認] → screen 30.
type screen29 struct {
	ptInput
	authCert []byte // the card read by [カード読取]; the use request names the same patron
}

func newScreen29(ps *pointsSession) *screen29 {
	s := &screen29{}
	s.ptInput = newPtInput(ps, tr("points.read", "カード読取"), s.onRead, s.onConfirm)
	s.fm.add(newField("program_id", tr("points.balances", "ポイント残高"), s.bal.object(),
		tr("screen29.balances.rule", "利用するポイントを選んでください。この端末で使えるポイントだけが表示されます。")))
	s.fm.add(newField("points", tr("screen29.points", "利用ポイント数"), s.points,
		tr("screen29.points.rule", "半角数字で入力してください（1ポイント＝1円）。残高を超えては利用できません。")))
	return s
}

func (s *screen29) Title() string { return tr("screen29.title", "ポイント利用") }

func (s *screen29) Content() fyne.CanvasObject {
	return s.content(
		tr("screen29.step1", "①利用者にマイナンバーカードをICカードリーダーライターにセットしてもらい、「カード読取」ボタンをクリックしてください。"),
		tr("screen29.step2", "②残高を確認し、利用するポイントを選んで利用ポイント数を入力し、「確認」ボタンをクリックしてください。"))
}

func (s *screen29) onRead() { s.readCard(func(cert []byte) { s.authCert = cert }) }

func (s *screen29) onConfirm() {
	s.fm.clearErrors()
	b := s.chosen(s.authCert != nil, 0, tr("points.read.first", "先に「カード読取」でマイナンバーカードを読み取ってください。"),
		tr("points.choose", "利用するポイントを選んでください。"))
	if b == nil {
		return
	}
	n, err := terminal.ParsePoints(s.points.Text, b.Points)
	if err != nil {
		s.fm.fields[1].setError(Message(err))
		return
	}
	toUseConfirm(s, *b, n)
}
