package printing_test

import (
	"context"
	"crypto/ed25519"
	"testing"
	"time"

	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/printing"
)

func spoolVoucher(t *testing.T) printing.VoucherPrint {
	key := ed25519.NewKeyFromSeed([]byte("mykeyterm test voucher key seed!"))
	qr, err := mkpf.EncodeVoucherQR(mkpf.VoucherQR{Number: "98765432", Points: 1000, Expiry: "2026-12-23", TerminalID: "00053059"}, key)
	if err != nil {
		t.Fatal(err)
	}
	return printing.VoucherPrint{Voucher: mkpf.Voucher{Number: "98765432", Display: "9876-5432", Points: 1000, ProgramName: "川崎市 自治体ポイント",
		Expires: "2026-12-23", IssuedAt: time.Now(), IssuedBy: "00053059", IssuedPlace: "川崎商工会議所", QR: qr}, MunicipalityName: "川崎市"}
}

// TestVoucherPrint_ThroughCUPS prints the voucher through the real spooler (IPP to cupsd, cups-pdf queue) and decodes
// the QR from what came out.
func TestVoucherPrint_ThroughCUPS(t *testing.T) {
	cups := testenv.Cupsd(t)
	v := spoolVoucher(t)
	p, err := printing.Open("cups:" + cups.PDFQueue)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := printing.VoucherDocument(v, printing.PaperA6, p)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	job, err := p.Print(ctx, doc)
	if err != nil {
		t.Fatal(err)
	}
	// Wait for the job to complete so cups-pdf has finished writing the file.
	if w, ok := p.(interface {
		Wait(context.Context, string) error
	}); ok {
		if err := w.Wait(ctx, job); err != nil {
			t.Fatal(err)
		}
	}
	pdf := cups.FindPDF(t, job, 20*time.Second)
	syms := testenv.Zbarimg(t, testenv.Rasterize(t, pdf, 300))
	if len(syms) != 1 || syms[0] != "QR-Code:"+v.QR {
		t.Fatalf("spooled voucher decodes to %q, want the QR text", syms)
	}
}

// TestVoucherPrint_ESCPOSRoll sends the voucher to an 80 mm ESC/POS receipt printer (raw TCP) and decodes the QR
// from the raster the printer received.
func TestVoucherPrint_ESCPOSRoll(t *testing.T) {
	fp := testenv.NewFakePrinter(t)
	v := spoolVoucher(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// 58 mm paper: a 384-dot printer gets a 384-dot image (no rescaling of the QR modules).
	p58, err := printing.Open("escpos:tcp://" + fp.Addr + "?dots=384")
	if err != nil {
		t.Fatal(err)
	}
	doc58, err := printing.VoucherDocument(v, printing.Paper58mm, p58)
	if err != nil {
		t.Fatal(err)
	}
	if doc58.Image.Bounds().Dx() != 384 {
		t.Errorf("58 mm voucher image is %d dots wide, want 384", doc58.Image.Bounds().Dx())
	}
	if _, err := p58.Print(ctx, doc58); err != nil {
		t.Fatal(err)
	}
	dec58, err := printing.DecodeESCPOS(fp.Next(t, 10*time.Second))
	if err != nil || dec58.Raster == nil {
		t.Fatalf("escpos 58: %v", err)
	}
	if syms := testenv.ZbarImage(t, dec58.Raster); len(syms) != 1 || syms[0] != "QR-Code:"+v.QR {
		t.Fatalf("58 mm ESC/POS voucher decodes to %q", syms)
	}

	p, err := printing.Open("escpos:tcp://" + fp.Addr)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := printing.VoucherDocument(v, printing.Paper80mm, p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Print(ctx, doc); err != nil {
		t.Fatal(err)
	}
	dec, err := printing.DecodeESCPOS(fp.Next(t, 10*time.Second))
	if err != nil || dec.Raster == nil || dec.Cuts != 1 {
		t.Fatalf("escpos: %+v %v", dec, err)
	}
	syms := testenv.ZbarImage(t, dec.Raster)
	if len(syms) != 1 || syms[0] != "QR-Code:"+v.QR {
		t.Fatalf("ESC/POS voucher decodes to %q", syms)
	}
	// The receipt of screen 31 on the same printer.
	r := printing.UseReceipt(mkpf.UseResult{TxnID: "T0000000001", ProgramName: "川崎市 自治体ポイント", Points: 500, BalanceAfter: 9500, At: time.Now(), TerminalID: "00052589"})
	doc, err = printing.ReceiptDocument(r, printing.Paper80mm, p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Print(ctx, doc); err != nil {
		t.Fatal(err)
	}
	dec, err = printing.DecodeESCPOS(fp.Next(t, 10*time.Second))
	if err != nil || dec.Raster == nil || dec.Raster.Bounds().Dx() < 500 {
		t.Fatalf("receipt escpos: %v", err)
	}
}
