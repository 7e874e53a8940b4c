package app

import (
	"context"
	"fmt"

	"fyne.io/fyne/v2"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// screen31 is 画面31, point use done: the points are deducted; the clerk discounts them at the register and may print a
// receipt ([レシート印字]).
type screen31 struct {
	ptDone
	res *mkpf.UseResult
}

func newScreen31(ps *pointsSession, res *mkpf.UseResult, b mkpf.Balance) *screen31 {
	s := &screen31{res: res}
	s.ptDone = newPtDone(ps, (&ptSummary{}).
		add(tr("points.kind", "ポイントの種類"), mkpf.PointName(b.Kind, resultName(res.ProgramName, b))).
		add(tr("screen30.points", "利用ポイント数"), pts(res.Points)).
		add(tr("points.after", "利用後の残高"), pts(res.BalanceAfter)).
		add(tr("points.txn", "取引番号"), res.TxnID).
		add(tr("points.at", "日時"), timeJA(res.At)),
		tr("screen31.next", "続けてポイント利用"), (*pointsSession).toUse)
	s.addReceipt(func(ctx context.Context, printer string) error { return s.ps.svc.PrintUseReceipt(ctx, printer, s.res) })
	return s
}

func (s *screen31) Title() string { return tr("screen31.title", "ポイント利用完了") }

func (s *screen31) Content() fyne.CanvasObject {
	return s.content(fmt.Sprintf(tr("screen31.done", "ポイントを利用しました。レジで%s円を値引きしてください。"), yen(s.res.Points)), "")
}
