package terminal

import (
	"context"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

// The state-changing point operations of the GUI's confirmation screens (30, 33) and the CLI's `points use` and
// `voucher issue` as one sequence each: the request goes with the confirmation's idempotency key (the client's
// journal makes a retry, or the identical request confirmed again after a lost answer, apply once), and the printing
// that belongs to it follows. A step the platform adds to an operation (for example a proof of the card's presence
// put into the request) goes here, once for the GUI and the CLI.

// PointUser applies a point use (platformclient.Client).
type PointUser interface {
	Use(ctx context.Context, req mkpf.UseRequest, key string) (*mkpf.UseResult, error)
}

// UsePoints is screen 30 [利用] and `points use`: the points leave the balance once.
func UsePoints(ctx context.Context, c PointUser, req mkpf.UseRequest, key string) (*mkpf.UseResult, error) {
	return c.Use(ctx, req, key)
}

// VoucherIssuer issues a voucher (platformclient.Client).
type VoucherIssuer interface {
	IssueVoucher(ctx context.Context, req mkpf.VoucherIssueRequest, key string) (*mkpf.Voucher, error)
}

// ErrNoVoucherPrinter: a voucher that cannot be printed is not issued, its points would be gone with no paper.
var ErrNoVoucherPrinter = &ClerkError{Message: "ポイント券を印字するプリンターが設定されていないため、発行していません（ポイントは減っていません）。「端末の設定」でプリンターを選んでから「発行」をクリックしてください。"}

// IssueVoucher is screen 33 [発行] and `voucher issue --print`: with no printer (printIt nil) nothing is issued;
// otherwise the voucher is issued once and printed. A print failure keeps the voucher: printErr is set, err is nil,
// and the clerk reissues the same voucher (no points are taken twice).
func IssueVoucher(ctx context.Context, c VoucherIssuer, req mkpf.VoucherIssueRequest, key string,
	printIt func(ctx context.Context, v *mkpf.Voucher) error) (v *mkpf.Voucher, printErr, err error) {
	if printIt == nil {
		return nil, nil, ErrNoVoucherPrinter
	}
	if v, err = c.IssueVoucher(ctx, req, key); err != nil {
		return nil, nil, err
	}
	return v, printIt(ctx, v), nil
}
