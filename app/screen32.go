package app

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/terminal"
)

// screen32 is 画面32 「ポイント券発行」: [カード読取] shows the balances; in the documents' order (004 §III) the clerk enters
// the voucher's expiry (a new date at most 30 days ahead, independent of the points' own expiry), chooses the point,
// enters the points and clicks [確認] → screen 33. Fields: 0 expiry, 1 point (the balances), 2 points.
type screen32 struct {
	ptInput
	expires  *fkeyEntry
	authCert []byte
}

func newScreen32(ps *pointsSession) *screen32 {
	s := &screen32{}
	s.ptInput = newPtInput(ps, tr("points.read", "カード読取"), s.onRead, s.onConfirm)
	s.expires = fkeys(ps.u, &widget.Entry{Text: dayText(ptToday().AddDate(0, 0, mkpf.VoucherMaxDays)),
		OnSubmitted: func(string) { s.ps.u.Win.Canvas().Focus(s.points) }})
	s.fm.add(newField("expires", tr("screen32.expires", "ポイント券の有効期限"), s.expires,
		fmt.Sprintf(tr("screen32.expires.rule", "ポイント券を使える最後の日です（例: %s）。本日から%d日以内で、ポイント自体の有効期限とは関係なく新たに設定します。期限までに消込されなかったポイント券は失効します。"),
			dayText(ptToday().AddDate(0, 0, 14)), mkpf.VoucherMaxDays)))
	s.fm.add(newField("program_id", tr("points.balances", "ポイント残高"), s.bal.object(),
		tr("screen32.balances.rule", "ポイント券に使うポイントを選んでください。この端末で使えるポイントだけが表示されます。")))
	s.fm.add(newField("points", tr("screen32.points", "ポイント券のポイント数"), s.points,
		tr("screen32.points.rule", "半角数字で入力してください。発行時に残高から差し引かれ、ポイント券は一部だけの利用はできません。")))
	return s
}

func (s *screen32) Title() string { return tr("screen32.title", "ポイント券発行") }

func (s *screen32) Content() fyne.CanvasObject {
	return s.content(
		tr("screen32.step1", "①利用者にマイナンバーカードをICカードリーダーライターにセットしてもらい、「カード読取」ボタンをクリックしてください。"),
		tr("screen32.step2", "②ポイント券の有効期限を入力し、使うポイントを選んでポイント数を入力し、「確認」ボタンをクリックしてください。"))
}

func (s *screen32) onRead() { s.readCard(func(cert []byte) { s.authCert = cert }) }

// checkExpiry returns the expiry as YYYY-MM-DD, or the message for the field (terminal.CheckVoucherExpiry).
func checkExpiry(text string) (string, string) {
	d, err := terminal.CheckVoucherExpiry(text)
	return d, clerkText(err)
}

func (s *screen32) onConfirm() {
	s.fm.clearErrors()
	b := s.chosen(s.authCert != nil, 1, tr("points.read.first", "先に「カード読取」でマイナンバーカードを読み取ってください。"),
		tr("points.choose.voucher", "ポイント券に使うポイントを選んでください。"))
	if b == nil {
		return
	}
	ok := true
	exp, msg := checkExpiry(strings.TrimSpace(s.expires.Text))
	if msg != "" {
		s.fm.fields[0].setError(msg)
		ok = false
	}
	n, err := terminal.ParsePoints(s.points.Text, b.Points)
	if msg := clerkText(err); msg != "" {
		s.fm.fields[2].setError(msg)
		ok = false
	}
	if !ok {
		return
	}
	toIssueConfirm(s, *b, n, exp)
}
