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

// screen36 is 画面36, voucher cleared (消込完了): only cleared vouchers are settled to the shop. [レシート印字] prints a
// clearing receipt.
type screen36 struct {
	ps      *pointsSession
	v       *mkpf.Voucher
	sum     *ptSummary
	receipt *widget.Button
	next    *widget.Button
	back    *widget.Button
	printed int
}

func newScreen36(ps *pointsSession, v *mkpf.Voucher) *screen36 {
	s := &screen36{ps: ps, v: v, sum: voucherSummary(v)}
	if v.ClearedAt != nil {
		s.sum.add(tr("screen36.at", "消込日時"), timeJA(*v.ClearedAt))
	}
	s.receipt = &widget.Button{Text: tr("points.receipt", "レシート印字") + " (F6)", Icon: theme.DocumentPrintIcon(), OnTapped: s.onReceipt}
	s.next = &widget.Button{Text: tr("screen36.next", "続けて消込") + " (F1)", Icon: theme.NavigateNextIcon(), Importance: widget.HighImportance, OnTapped: s.onNext}
	s.back = menuBackButton(ps)
	return s
}

func (s *screen36) Title() string { return tr("screen36.title", "ポイント券消込完了") }

func (s *screen36) Content() fyne.CanvasObject {
	done := &widget.Label{Wrapping: fyne.TextWrapWord, Importance: widget.SuccessImportance, TextStyle: fyne.TextStyle{Bold: true},
		Text: fmt.Sprintf(tr("screen36.done", "ポイント券（%s、%s）の消込が完了しました。消込済みのポイント券は精算の対象になります。"), displayNumber(s.v), pts(s.v.Points))}
	return container.NewVBox(done, s.sum.object(), container.NewHBox(s.receipt, s.next, s.back))
}

func (s *screen36) Keys() map[fyne.KeyName]func() {
	return map[fyne.KeyName]func(){fyne.KeyF6: s.onReceipt, fyne.KeyF1: s.onNext, fyne.KeyF10: s.ps.toMenu}
}

func (s *screen36) onNext() { s.ps.u.Show(newScreen35(s.ps)) }

func (s *screen36) onReceipt() {
	s.ps.printWith(tr("points.printing", "レシートを印字しています…"), func(ctx context.Context, printer string) error {
		return s.ps.svc.PrintClearReceipt(ctx, printer, s.v)
	}, func(err error) {
		if err == nil {
			s.printed++
		}
	})
}

// Shown takes the keyboard focus away from the previous screen's field, so the function keys work at once.
func (s *screen36) Shown() { s.ps.u.Win.Canvas().Unfocus() }
