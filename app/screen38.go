package app

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// screen38 is 画面38, the confirmation of a merge. [合算] moves the points out of the platform; the encrypted merge file
// is written into this terminal's merge folder → screen 39. Every press sends the same idempotency key.
type screen38 struct {
	ps    *pointsSession
	from  *screen37
	req   mkpf.MergeRequest
	bal   mkpf.Balance
	key   string
	sum   *ptSummary
	merge *widget.Button
	back  *widget.Button
}

func newScreen38(from *screen37, b mkpf.Balance, n int64) *screen38 {
	s := &screen38{ps: from.ps, from: from, bal: b,
		req: mkpf.MergeRequest{PatronRef: *from.ref, ProgramID: b.ProgramID, Points: n}}
	s.key = from.keys.key(s.req)
	s.merge = &widget.Button{Text: tr("screen38.merge", "合算") + " (F5)", Icon: theme.ConfirmIcon(), Importance: widget.HighImportance, OnTapped: s.onMerge}
	s.back = &widget.Button{Text: tr("points.back", "戻る") + " (F9)", Icon: theme.NavigateBackIcon(), OnTapped: s.onBack}
	s.sum = &ptSummary{}
	if from.ref.ShopCard != "" {
		s.sum.add(tr("screen37.shopcard", "商店街ポイントカード番号"), from.ref.ShopCard)
	}
	if from.res != nil && from.res.ShopPointID != "" {
		s.sum.add(tr("screen37.shoppointid", "商店街ポイントID"), from.res.ShopPointID)
	}
	s.sum.add(tr("points.kind", "ポイントの種類"), b.Kind.LabelJA()+"　"+b.ProgramName).
		add(tr("screen37.points", "合算ポイント数"), pts(n)).
		add(tr("screen38.before", "合算前の残高"), pts(b.Points)).
		add(tr("screen38.after", "合算後の残高"), pts(b.Points-n))
	return s
}

func (s *screen38) Title() string {
	return tr("screen38.title", "ポイント合算内容の確認")
}

func (s *screen38) Content() fyne.CanvasObject {
	return container.NewVBox(
		ptLead(tr("screen38.lead", "次の内容で自治体ポイントを商店街ポイントに合算します。内容を確認し、「合算」ボタンをクリックしてください。暗号化された合算ポイントファイルがこの端末の合算フォルダに届きます。")),
		s.sum.object(),
		container.NewHBox(s.merge, s.back),
	)
}

func (s *screen38) Keys() map[fyne.KeyName]func() {
	return map[fyne.KeyName]func(){fyne.KeyF5: s.onMerge, fyne.KeyF9: s.onBack}
}

func (s *screen38) onBack() {
	if !s.ps.u.Busy() {
		s.ps.u.Show(s.from)
	}
}

func (s *screen38) onMerge() {
	if s.merge.Disabled() {
		return
	}
	var res *mkpf.MergeResult
	var path string
	s.merge.Disable()
	s.back.Disable()
	started := s.ps.u.Run(tr("screen38.busy", "ポイントを合算しています…"), pointsTimeout, func(ctx context.Context) (err error) {
		res, path, err = s.ps.svc.Merge(ctx, s.req, s.key)
		return err
	}, func(err error) {
		s.ps.platformResult(err)
		s.from.keys.settle(s.req, err)
		if err != nil {
			s.merge.Enable()
			s.back.Enable()
			s.ps.showRetryError(err)
			return
		}
		s.ps.u.Show(newScreen39(s.ps, res, path, s.bal))
	})
	if !started {
		s.merge.Enable()
		s.back.Enable()
	}
}

// Shown takes the keyboard focus away from the previous screen's field, so the function keys work at once.
func (s *screen38) Shown() { s.ps.u.Win.Canvas().Unfocus() }
