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

// screen34 is 画面34, voucher issued: the voucher came out of the printer; the clerk stamps its 発行認印欄.
// [再発行] prints the same voucher again, marked 再発行 (no points move).
type screen34 struct {
	ptDone
	v       *mkpf.Voucher
	reissue *widget.Button
}

func newScreen34(ps *pointsSession, v *mkpf.Voucher, b mkpf.Balance) *screen34 {
	s := &screen34{v: v}
	s.ptDone = newPtDone(ps, (&ptSummary{}).
		add(tr("screen34.number", "発券番号"), displayNumber(v)).
		add(tr("points.kind", "ポイントの種類"), mkpf.PointName(b.Kind, resultName(v.ProgramName, b))).
		add(tr("screen33.points", "ポイント券のポイント数"), pts(v.Points)).
		add(tr("screen33.expires", "ポイント券の有効期限"), dayJA(v.Expires)+tr("screen33.expires.until", "まで")).
		add(tr("screen34.place", "発行場所"), v.IssuedPlace).
		add(tr("screen34.at", "発行日時"), timeJA(v.IssuedAt)),
		tr("screen34.next", "続けてポイント券発行"), (*pointsSession).toIssue)
	s.reissue = &widget.Button{Text: tr("screen34.reissue", "再発行") + " (F9)", Icon: theme.DocumentPrintIcon(), OnTapped: s.onReissue}
	return s
}

func displayNumber(v *mkpf.Voucher) string {
	if v.Display != "" {
		return v.Display
	}
	return mkpf.FormatVoucherNumber(v.Number)
}

func (s *screen34) Title() string { return tr("screen34.title", "ポイント券発行完了") }

func (s *screen34) Content() fyne.CanvasObject {
	return s.content(fmt.Sprintf(tr("screen34.done", "ポイント券（%s）を発行しました。偽造防止のため、ポイント券の発行認印欄に認印を押して（またはサインして）から利用者に渡してください。"), pts(s.v.Points)),
		tr("screen34.note", "印字に失敗したときや用紙が詰まったときは「再発行」で同じポイント券を印字できます（「再発行」と印字されます）。"), s.reissue)
}

func (s *screen34) Keys() map[fyne.KeyName]func() {
	keys := s.ptDone.Keys()
	keys[fyne.KeyF9] = s.onReissue
	return keys
}

func (s *screen34) onReissue() {
	printer := s.ps.printer()
	if printer == "" {
		s.ps.u.ShowError(ErrNoPrinter)
		return
	}
	if s.reissue.Disabled() {
		return
	}
	printIt := func(ctx context.Context, v *mkpf.Voucher) error { return s.ps.svc.PrintVoucher(ctx, printer, v) }
	s.reissue.Disable()
	started := s.ps.u.Run(tr("screen34.busy", "ポイント券を再発行しています…"), pointsTimeout, func(ctx context.Context) error {
		_, printErr, err := terminal.ReissueVoucher(ctx, s.ps.svc, s.v.Number, newIdemKey(), printIt)
		if err != nil {
			return err
		}
		return printErr
	}, func(err error) {
		s.reissue.Enable()
		s.ps.platformResult(err)
		if err != nil {
			s.ps.u.ShowError(err)
			return
		}
		s.printed++
	})
	if !started {
		s.reissue.Enable()
	}
}
