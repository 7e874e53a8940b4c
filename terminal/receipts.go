package terminal

import (
	"context"

	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/printing"
)

// Receipts prints what the points screens hand the patron: the receipts of screens 31, 36 and 39 and the voucher of
// screens 33/34. The paper is the terminal's receipt size ("58mm", "80mm", "A6", "A4"; a receipt goes on 80 mm and a
// voucher on A6 unless a size is set); the terminal's enrollment gives the place and the municipality printed on them.
type Receipts struct {
	Paper    string
	Terminal mkpf.TerminalInfo
}

func (r Receipts) receiptPaper() printing.PaperSize {
	return printing.PaperSizeByName(r.Paper, printing.Paper80mm)
}

func (r Receipts) voucherPaper() printing.PaperSize {
	return printing.PaperSizeByName(r.Paper, printing.PaperA6)
}

// PrintDoc opens the printer spec (a printing.Open spec) and prints what render draws for it.
func PrintDoc(ctx context.Context, spec string, render func(printing.Printer) (printing.Document, error)) error {
	if spec == "" {
		return ErrNoPrinter
	}
	p, err := printing.Open(spec)
	if err != nil {
		return err
	}
	doc, err := render(p)
	if err != nil {
		return err
	}
	_, err = p.Print(ctx, doc)
	return err
}

// PrintUseReceipt prints the receipt of screen 31 on printer (a printing.Open spec).
func (r Receipts) PrintUseReceipt(ctx context.Context, printer string, res *mkpf.UseResult) error {
	return PrintDoc(ctx, printer, func(p printing.Printer) (printing.Document, error) {
		return printing.ReceiptDocument(printing.UseReceipt(*res), r.receiptPaper(), p)
	})
}

// PrintClearReceipt prints the receipt of screen 36.
func (r Receipts) PrintClearReceipt(ctx context.Context, printer string, v *mkpf.Voucher) error {
	return PrintDoc(ctx, printer, func(p printing.Printer) (printing.Document, error) {
		return printing.ReceiptDocument(printing.ClearReceipt(*v, r.Terminal.Location), r.receiptPaper(), p)
	})
}

// PrintMergeReceipt prints a receipt of screen 39.
func (r Receipts) PrintMergeReceipt(ctx context.Context, printer string, m *mkpf.MergeResult) error {
	return PrintDoc(ctx, printer, func(p printing.Printer) (printing.Document, error) {
		return printing.ReceiptDocument(printing.MergeReceipt(*m, r.Terminal.Location, r.Terminal.TerminalID), r.receiptPaper(), p)
	})
}

// VoucherPrint is the voucher as this terminal prints it (municipality name from the enrollment; 再発行 when v came
// from a reissue).
func VoucherPrint(v *mkpf.Voucher, term mkpf.TerminalInfo) printing.VoucherPrint {
	return printing.VoucherPrint{Voucher: *v, MunicipalityName: term.MunicipalityName, Reissue: v.Reissued}
}

// PrintVoucher prints the voucher of screens 33/34.
func (r Receipts) PrintVoucher(ctx context.Context, printer string, v *mkpf.Voucher) error {
	return PrintDoc(ctx, printer, func(p printing.Printer) (printing.Document, error) {
		return printing.VoucherDocument(VoucherPrint(v, r.Terminal), r.voucherPaper(), p)
	})
}
