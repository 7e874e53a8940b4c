package terminal

import (
	"context"
	"errors"
	"testing"

	"github.com/mykeyterm/mykeyterm/mkpf"
)

type countingIssuer struct{ issued int }

func (c *countingIssuer) IssueVoucher(_ context.Context, req mkpf.VoucherIssueRequest, key string) (*mkpf.Voucher, error) {
	c.issued++
	return &mkpf.Voucher{Number: "98765432", Points: req.Points}, nil
}

// A voucher that cannot be printed is never issued; one whose printing fails after the issue is kept (reissue), and
// the failure is the print's, not the issue's.
func TestIssueVoucher_NoPrinterIssuesNothingAndAPrintFailureKeepsTheVoucher(t *testing.T) {
	c := &countingIssuer{}
	req := mkpf.VoucherIssueRequest{ProgramID: "p", Points: 300, Expires: "2026-12-31"}
	if v, _, err := IssueVoucher(context.Background(), c, req, "k1", nil); err != ErrNoVoucherPrinter || v != nil || c.issued != 0 {
		t.Fatalf("no printer: v %v, err %v, issued %d", v, err, c.issued)
	}
	jam := errors.New("paper jam")
	v, printErr, err := IssueVoucher(context.Background(), c, req, "k2", func(context.Context, *mkpf.Voucher) error { return jam })
	if err != nil || v == nil || v.Points != 300 || printErr != jam || c.issued != 1 {
		t.Fatalf("print failure: v %v, printErr %v, err %v, issued %d", v, printErr, err, c.issued)
	}
}
