package app

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/terminal"
)

// screen33 is 画面33, the confirmation of a voucher issue. [発行] deducts the points, then prints the voucher on the
// configured printer → screen 34. Every press sends the same idempotency key, so the voucher is issued once.
type screen33 struct {
	ptConfirm
	req   mkpf.VoucherIssueRequest
	bal   mkpf.Balance
	issue *widget.Button
}

func newScreen33(from *screen32, b mkpf.Balance, n int64, expires string) *screen33 {
	s := &screen33{bal: b,
		req: mkpf.VoucherIssueRequest{PatronRef: mkpf.PatronRef{AuthCert: from.authCert}, ProgramID: b.ProgramID, Points: n, Expires: expires}}
	s.issue = &widget.Button{Text: tr("screen33.issue", "発行") + " (F5)", Icon: theme.DocumentPrintIcon(), Importance: widget.HighImportance, OnTapped: s.onIssue}
	s.init(&from.ptInput, from, s.req, s.issue)
	s.sum.add(tr("points.kind", "ポイントの種類"), mkpf.PointName(b.Kind, b.ProgramName)).
		add(tr("screen33.points", "ポイント券のポイント数"), pts(n)).
		add(tr("screen33.expires", "ポイント券の有効期限"), dayJA(expires)+tr("screen33.expires.until", "まで")).
		add(tr("points.before", "利用前の残高"), pts(b.Points)).
		add(tr("screen33.after", "発行後の残高"), pts(terminal.BalanceAfter(b, n)))
	return s
}

func (s *screen33) Title() string {
	return tr("screen33.title", "ポイント券発行内容の確認")
}

func (s *screen33) Content() fyne.CanvasObject {
	return s.content(tr("screen33.lead", "次の内容でポイント券を発行します。ポイントは発行時に残高から差し引かれます。内容を確認し、「発行」ボタンをクリックしてください（プリンターからポイント券が出力されます）。"))
}

// errVoucherNotPrinted is shown on screen 34 when the voucher was issued but could not be printed.
func errVoucherNotPrinted(cause error, msg func(error) string) error {
	text := tr("screen34.notprinted", "ポイント券は発行されましたが、印字できませんでした。") + msg(cause) + "\n" + tr("screen34.reprint", "「再発行」ボタンで同じポイント券を印字してください（ポイントが二重に差し引かれることはありません）。")
	return &ClerkError{Message: text, Err: cause}
}

func (s *screen33) onIssue() {
	if s.issue.Disabled() { // before the printer check: a press while the issue runs does nothing at all
		return
	}
	var v *mkpf.Voucher
	var printErr error
	printer := s.ps.printer()
	if printer == "" { // a voucher that cannot be printed must not be issued (its points would be gone)
		s.ps.u.ShowError(ErrNoVoucherPrinter)
		return
	}
	printIt := func(ctx context.Context, v *mkpf.Voucher) error { return s.ps.svc.PrintVoucher(ctx, printer, v) }
	s.spend(tr("screen33.busy", "ポイント券を発行しています…"), mkpf.VoucherScope(s.req), s.bal.ProgramName, &s.req.PatronRef, func(ctx context.Context, ref mkpf.PatronRef) (err error) {
		req := s.req
		req.PatronRef = ref
		v, printErr, err = terminal.IssueVoucher(ctx, s.ps.svc, req, s.key, printIt)
		return err
	}, func() {
		s.ps.toIssued(v, s.bal, printErr == nil)
		if printErr != nil {
			s.ps.u.ShowError(errVoucherNotPrinted(printErr, s.ps.u.Svc.Message))
		}
	})
}
