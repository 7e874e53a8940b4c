package printing_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/mykeyterm/mykeyterm/handoff"
	"github.com/mykeyterm/mykeyterm/internal/testenv"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/printing"
)

// Mode D end to end on a real spooler: the label goes over IPP (goipp, print-scaling=fit, custom media) to cupsd,
// cups-pdf writes the PDF, pdftoppm rasterises it, zbarimg reads the issuer's barcode.
func TestScreen26_LabelPrintedThroughCUPSDecodesToTheCardNumber(t *testing.T) {
	cups := testenv.Cupsd(t)
	for _, spec := range []string{"cups:" + cups.PDFQueue, "ipp://localhost:631/printers/" + cups.PDFQueue} {
		p, err := printing.Open(spec)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		res := &mkpf.LookupResult{IssuerName: "川崎市立図書館", CardNumber: "180000000011", Handoff: kawasaki}
		r, err := handoff.Deliver(ctx, res, "", handoff.Options{Printer: p, LabelSize: printing.Label62x29})
		if err != nil {
			cancel()
			t.Fatalf("%s: Deliver: %v", spec, err)
		}
		if r.JobID == "" {
			t.Fatalf("%s: no job id", spec)
		}
		if err := printing.WaitJob(ctx, p, r.JobID); err != nil {
			t.Fatalf("%s: job %s: %v", spec, r.JobID, err)
		}
		cancel()
		pdf := cups.FindPDF(t, r.JobID, 10*time.Second)
		t.Logf("%s: job %s completed and its PDF found %v after Deliver started", spec, r.JobID, time.Since(start).Round(time.Millisecond))
		got := testenv.Zbarimg(t, testenv.Rasterize(t, pdf, 300))
		if len(got) != 1 || got[0] != "Codabar:A1800000000119A" {
			t.Errorf("%s: the printed label reads %q, want Codabar:A1800000000119A", spec, got)
		}
	}
}

func TestList_NamesTheCUPSQueues(t *testing.T) {
	cups := testenv.Cupsd(t)
	got, err := printing.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(got, "cups:"+cups.PDFQueue) {
		t.Errorf("List = %q, want it to contain cups:%s", got, cups.PDFQueue)
	}
}

func TestCUPS_UnknownQueueSaysChooseAnotherPrinter(t *testing.T) {
	testenv.Cupsd(t)
	p, _ := printing.Open("cups:NO_SUCH_QUEUE")
	_, err := p.Print(context.Background(), printing.Document{PDF: []byte("%PDF-1.4\n")})
	var pe *printing.Error
	if !asPrintingError(err, &pe) || pe.Message == "" {
		t.Fatalf("err = %v", err)
	}
	t.Logf("message: %s", pe.Message)
}

// ESC/POS through a CUPS raw queue (escpos:cups:NAME) reaches a network receipt printer byte for byte.
func TestESCPOS_ThroughCUPSRawQueueArrivesByteIdentical(t *testing.T) {
	cups := testenv.Cupsd(t)
	fp := testenv.NewFakePrinter(t)
	cups.SocketQueue(t, "MYKEYTERM_RAW", "raw", fp)
	p, err := printing.Open("escpos:cups:MYKEYTERM_RAW")
	if err != nil {
		t.Fatal(err)
	}
	var e printing.ESCPOS
	e.Init()
	e.Raster(printing.RenderLabelImage(testLabel(t), printing.Label62x29, 203))
	e.Barcode(printing.BarcodeCodabar, "A1800000000119A", 2, 80)
	e.Cut()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	job, err := p.(printing.RawPrinter).Raw(ctx, "receipt", e.Bytes())
	if err != nil || job == "" {
		t.Fatalf("Raw: %q %v", job, err)
	}
	got := fp.Next(t, 20*time.Second)
	if string(got) != string(e.Bytes()) {
		t.Fatalf("the printer received %d bytes, %d were sent (not identical)", len(got), len(e.Bytes()))
	}
	d, err := printing.DecodeESCPOS(got)
	if err != nil || len(d.Symbols) != 1 || d.Symbols[0] != "CODABAR:A1800000000119A" {
		t.Fatalf("decoded %v %v", d, err)
	}
	if z := testenv.ZbarImage(t, d.Raster); len(z) != 1 || z[0] != "Codabar:A1800000000119A" {
		t.Errorf("raster reads %q", z)
	}
}

// A Brother QL-800 behind its Debian CUPS driver (printer-driver-ptouch): the label PDF goes through foomatic-rip and
// ptouch-ql to the printer's port; the QL raster decodes to a 62 mm die-cut label whose barcode zbar reads.
func TestQL_LabelThroughPtouchDriverDecodes(t *testing.T) {
	cups := testenv.Cupsd(t)
	fp := testenv.NewFakePrinter(t)
	cups.SocketQueue(t, "MYKEYTERM_QL800", "ptouch:0/ppd/ptouch-driver/Brother-QL-800-ptouch-ql.ppd", fp)
	p, err := printing.Open("ql:cups:MYKEYTERM_QL800")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	if _, err := handoff.Print(ctx, p, testLabel(t), printing.Label62x29); err != nil {
		t.Fatal(err)
	}
	raw := fp.Next(t, 30*time.Second)
	t.Logf("QL: %d bytes at the printer %v after Print started", len(raw), time.Since(start).Round(time.Millisecond))
	pages, err := printing.DecodeQL(raw)
	if err != nil || len(pages) != 1 {
		t.Fatalf("QL stream: %d pages, %v", len(pages), err)
	}
	if info := pages[0].Info; len(info) != 10 || info[2] != 62 || info[3] != 29 {
		t.Errorf("ESC i z = % x, want 62 mm × 29 mm", info)
	}
	if got := testenv.ZbarImage(t, pages[0].Image); len(got) != 1 || got[0] != "Codabar:A1800000000119A" {
		t.Errorf("QL page %v reads %q", pages[0].Image.Bounds(), got)
	}
}
