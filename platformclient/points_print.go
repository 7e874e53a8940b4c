package platformclient

import (
	"context"

	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/printing"
)

// Printing of the points screens ([レシート印字] on 31 and 36, the voucher on 34): the paper comes from
// Settings.ReceiptSize ("58mm", "80mm", "A6", "A4"; default 80 mm); a voucher goes on A6 unless a roll is set.

func (c *Client) receiptPaper() printing.PaperSize {
	s, _ := c.Settings()
	return printing.PaperSizeByName(s.ReceiptSize, printing.Paper80mm)
}

func (c *Client) voucherPaper() printing.PaperSize {
	s, _ := c.Settings()
	return printing.PaperSizeByName(s.ReceiptSize, printing.PaperA6)
}

func printDoc(ctx context.Context, spec string, render func(printing.Printer) (printing.Document, error)) error {
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
func (c *Client) PrintUseReceipt(ctx context.Context, printer string, res *mkpf.UseResult) error {
	return printDoc(ctx, printer, func(p printing.Printer) (printing.Document, error) {
		return printing.ReceiptDocument(printing.UseReceipt(*res), c.receiptPaper(), p)
	})
}

// PrintClearReceipt prints the receipt of screen 36.
func (c *Client) PrintClearReceipt(ctx context.Context, printer string, v *mkpf.Voucher) error {
	return printDoc(ctx, printer, func(p printing.Printer) (printing.Document, error) {
		return printing.ReceiptDocument(printing.ClearReceipt(*v, c.Terminal().Location), c.receiptPaper(), p)
	})
}

// PrintMergeReceipt prints a receipt of screen 39.
func (c *Client) PrintMergeReceipt(ctx context.Context, printer string, m *mkpf.MergeResult) error {
	return printDoc(ctx, printer, func(p printing.Printer) (printing.Document, error) {
		return printing.ReceiptDocument(printing.MergeReceipt(*m, c.Terminal().Location, c.Terminal().TerminalID), c.receiptPaper(), p)
	})
}

// VoucherPrint is the voucher as this terminal prints it (municipality name from the enrollment).
func (c *Client) VoucherPrint(v *mkpf.Voucher) printing.VoucherPrint {
	return printing.VoucherPrint{Voucher: *v, MunicipalityName: c.Terminal().MunicipalityName, Reissue: v.Reissued}
}

// PrintVoucher prints the voucher of screens 33/34 (marked 再発行 when v came from ReissueVoucher).
func (c *Client) PrintVoucher(ctx context.Context, printer string, v *mkpf.Voucher) error {
	return printDoc(ctx, printer, func(p printing.Printer) (printing.Document, error) {
		return printing.VoucherDocument(c.VoucherPrint(v), c.voucherPaper(), p)
	})
}
