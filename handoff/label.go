package handoff

import (
	"context"
	"time"

	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/printing"
)

// NewLabel builds the label of mode D for a card number: the issuer's barcode at 1 px per module (the renderers
// scale it), the number, the issuer, the date and 「本日限り有効」 when the issuer asks for it.
func NewLabel(num, issuerName string, s mkpf.HandoffSettings, date time.Time) (printing.Label, error) {
	img, data, err := BarcodeImage(num, s, 1)
	if err != nil {
		return printing.Label{}, err
	}
	return printing.Label{Barcode: img, BarcodeText: data, Number: num, IssuerName: issuerName, Date: date,
		TodayOnly: s.LabelTodayOnly}, nil
}

// Print renders l for printer and prints it; the job id is "" for back ends without one.
func Print(ctx context.Context, printer printing.Printer, l printing.Label, size printing.LabelSize) (string, error) {
	doc, err := printing.LabelDocument(l, size, printer)
	if err != nil {
		return "", err
	}
	return printer.Print(ctx, doc)
}
