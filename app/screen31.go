package app

import (
	"context"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// screen31 is 画面31, point use done: the points are deducted; the clerk discounts them at the register and may print a
// receipt ([レシート印字]).
type screen31 struct {
	ps      *pointsSession
	res     *mkpf.UseResult
	sum     *ptSummary
	receipt *widget.Button
	next    *widget.Button
	back    *widget.Button
	printed int
}

func newScreen31(ps *pointsSession, res *mkpf.UseResult, b mkpf.Balance) *screen31 {
	s := &screen31{ps: ps, res: res}
	s.receipt = &widget.Button{Text: tr("points.receipt", "レシート印字") + " (F6)", Icon: theme.DocumentPrintIcon(), OnTapped: s.onReceipt}
	s.next = &widget.Button{Text: tr("screen31.next", "続けてポイント利用") + " (F1)", Icon: theme.NavigateNextIcon(), Importance: widget.HighImportance, OnTapped: s.onNext}
	s.back = menuBackButton(ps)
	name := res.ProgramName
	if name == "" {
		name = b.ProgramName
	}
	s.sum = (&ptSummary{}).
		add(tr("points.kind", "ポイントの種類"), b.Kind.LabelJA()+"　"+name).
		add(tr("screen30.points", "利用ポイント数"), pts(res.Points)).
		add(tr("points.after", "利用後の残高"), pts(res.BalanceAfter)).
		add(tr("points.txn", "取引番号"), res.TxnID).
		add(tr("points.at", "日時"), timeJA(res.At))
	return s
}

func (s *screen31) Title() string { return tr("screen31.title", "ポイント利用完了") }

func (s *screen31) Content() fyne.CanvasObject {
	done := &widget.Label{Wrapping: fyne.TextWrapWord, Importance: widget.SuccessImportance, TextStyle: fyne.TextStyle{Bold: true},
		Text: fmt.Sprintf(tr("screen31.done", "ポイントを利用しました。レジで%s円を値引きしてください。"), yen(s.res.Points))}
	return container.NewVBox(done, s.sum.object(), container.NewHBox(s.receipt, s.next, s.back))
}

func (s *screen31) Keys() map[fyne.KeyName]func() {
	return map[fyne.KeyName]func(){fyne.KeyF6: s.onReceipt, fyne.KeyF1: s.onNext, fyne.KeyF10: s.ps.toMenu}
}

func (s *screen31) onNext() { s.ps.u.Show(newScreen29(s.ps)) }

func (s *screen31) onReceipt() {
	s.ps.printWith(tr("points.printing", "レシートを印字しています…"), func(ctx context.Context, printer string) error {
		return s.ps.svc.PrintUseReceipt(ctx, printer, s.res)
	}, func(err error) {
		if err == nil {
			s.printed++
		}
	})
}

// Shown takes the keyboard focus away from the previous screen's field, so the function keys work at once.
func (s *screen31) Shown() { s.ps.u.Win.Canvas().Unfocus() }
