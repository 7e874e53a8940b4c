package app

import (
	"context"
	"fmt"

	"fyne.io/fyne/v2"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// screen36 is 画面36, voucher cleared (消込完了): only cleared vouchers are settled to the shop. [レシート印字] prints a
// clearing receipt.
type screen36 struct {
	ptDone
	v *mkpf.Voucher
}

func newScreen36(ps *pointsSession, v *mkpf.Voucher) *screen36 {
	sum := voucherSummary(v)
	if v.ClearedAt != nil {
		sum.add(tr("screen36.at", "消込日時"), timeJA(*v.ClearedAt))
	}
	s := &screen36{v: v}
	s.ptDone = newPtDone(ps, sum, tr("screen36.next", "続けて消込"), (*pointsSession).toClear)
	s.addReceipt(func(ctx context.Context, printer string) error { return s.ps.svc.PrintClearReceipt(ctx, printer, s.v) })
	return s
}

func (s *screen36) Title() string { return tr("screen36.title", "ポイント券消込完了") }

func (s *screen36) Content() fyne.CanvasObject {
	return s.content(fmt.Sprintf(tr("screen36.done", "ポイント券（%s、%s）の消込が完了しました。消込済みのポイント券は精算の対象になります。"), displayNumber(s.v), pts(s.v.Points)), "")
}
