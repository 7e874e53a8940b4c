package app

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/terminal"
)

// screen38 is 画面38, the confirmation of a merge. [合算] moves the points out of the platform; the encrypted merge file
// is written into this terminal's merge folder → screen 39. Every press sends the same idempotency key.
type screen38 struct {
	ptConfirm
	req   mkpf.MergeRequest
	bal   mkpf.Balance
	merge *widget.Button
}

func newScreen38(from *screen37, b mkpf.Balance, n int64) *screen38 {
	s := &screen38{bal: b,
		req: mkpf.MergeRequest{PatronRef: *from.ref, ProgramID: b.ProgramID, Points: n}}
	s.merge = &widget.Button{Text: tr("screen38.merge", "合算") + " (F5)", Icon: theme.ConfirmIcon(), Importance: widget.HighImportance, OnTapped: s.onMerge}
	s.init(&from.ptInput, from, s.req, s.merge)
	if from.ref.ShopCard != "" {
		s.sum.add(tr("screen37.shopcard", "商店街ポイントカード番号"), from.ref.ShopCard)
	}
	if from.res != nil && from.res.ShopPointID != "" {
		s.sum.add(tr("screen37.shoppointid", "商店街ポイントID"), from.res.ShopPointID)
	}
	s.sum.add(tr("points.kind", "ポイントの種類"), mkpf.PointName(b.Kind, b.ProgramName)).
		add(tr("screen37.points", "合算ポイント数"), pts(n)).
		add(tr("screen38.before", "合算前の残高"), pts(b.Points)).
		add(tr("screen38.after", "合算後の残高"), pts(terminal.BalanceAfter(b, n)))
	return s
}

func (s *screen38) Title() string {
	return tr("screen38.title", "ポイント合算内容の確認")
}

func (s *screen38) Content() fyne.CanvasObject {
	return s.content(tr("screen38.lead", "次の内容で自治体ポイントを商店街ポイントに合算します。内容を確認し、「合算」ボタンをクリックしてください。暗号化された合算ポイントファイルがこの端末の所定のフォルダに届きます。"))
}

func (s *screen38) onMerge() {
	var res *mkpf.MergeResult
	var path string
	s.spend(tr("screen38.busy", "ポイントを合算しています…"), mkpf.MergeScope(s.req), s.bal.ProgramName, &s.req.PatronRef, func(ctx context.Context, ref mkpf.PatronRef) (err error) {
		req := s.req
		req.PatronRef = ref
		res, path, err = terminal.MergePoints(ctx, s.ps.svc, req, s.key)
		return err
	}, func() { s.ps.toMerged(res, path, s.bal) })
}
