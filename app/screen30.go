package app

import (
	"context"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/terminal"
)

// screen30 is 画面30, the confirmation of a point use: it shows exactly what [利用] will do (which point, how many,
// the balance before and after). Every press of [利用] sends the same request with the same idempotency key.
type screen30 struct {
	ptConfirm
	req mkpf.UseRequest
	bal mkpf.Balance
	use *widget.Button
}

func newScreen30(from *screen29, b mkpf.Balance, n int64) *screen30 {
	s := &screen30{bal: b,
		req: mkpf.UseRequest{PatronRef: mkpf.PatronRef{AuthCert: from.authCert}, ProgramID: b.ProgramID, Points: n}}
	s.use = &widget.Button{Text: tr("screen30.use", "利用") + " (F5)", Icon: theme.ConfirmIcon(), Importance: widget.HighImportance, OnTapped: s.onUse}
	s.init(&from.ptInput, from, s.req, s.use)
	s.sum.add(tr("points.kind", "ポイントの種類"), mkpf.PointName(b.Kind, b.ProgramName)).
		add(tr("screen30.points", "利用ポイント数"), pts(n)+fmt.Sprintf(tr("points.yen", "（%s円分）"), yen(n))).
		add(tr("points.before", "利用前の残高"), pts(b.Points)).
		add(tr("points.after", "利用後の残高"), pts(terminal.BalanceAfter(b, n)))
	if note := expiringNote(b); note != "" {
		s.sum.add(tr("points.expiring.label", "有効期限の近いポイント"), note)
	}
	return s
}

func (s *screen30) Title() string {
	return tr("screen30.title", "ポイント利用内容の確認")
}

func (s *screen30) Content() fyne.CanvasObject {
	return s.content(tr("screen30.lead", "次の内容でポイントを利用します。内容を確認し、「利用」ボタンをクリックしてください。"))
}

func (s *screen30) onUse() {
	var res *mkpf.UseResult
	s.spend(tr("screen30.busy", "ポイントを利用しています…"), mkpf.UseScope(s.req), s.bal.ProgramName, &s.req.PatronRef, func(ctx context.Context, ref mkpf.PatronRef) (err error) {
		req := s.req
		req.PatronRef = ref
		res, err = terminal.UsePoints(ctx, s.ps.svc, req, s.key)
		return err
	}, func() { s.ps.toUseDone(res, s.bal) })
}
