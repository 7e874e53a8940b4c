package printing

import (
	"context"
	"strconv"

	"github.com/OpenPrinting/goipp"
)

// newQL is a Brother QL label printer behind a CUPS queue that uses printer-driver-ptouch: the PDF goes over IPP with
// the driver's PageSize (e.g. 62x29mm) and MediaType=Labels, as `lp -o PageSize=62x29mm -o MediaType=Labels` would.
func newQL(spec, uri string) (Printer, error) {
	p, err := newIPP(spec, uri, nil)
	if err != nil {
		return nil, err
	}
	return &qlPrinter{IPPPrinter: p}, nil
}

type qlPrinter struct{ *IPPPrinter }

func qlOptions(doc Document) []goipp.Attribute {
	var a []goipp.Attribute
	if doc.WidthMM > 0 && doc.HeightMM > 0 {
		a = append(a, goipp.MakeAttribute("PageSize", goipp.TagName,
			goipp.String(trimFloat(doc.WidthMM)+"x"+trimFloat(doc.HeightMM)+"mm")))
	}
	a = append(a, goipp.MakeAttribute("MediaType", goipp.TagName, goipp.String("Labels")))
	return a
}

// Print sends the label with the driver's options for doc's size.
func (p *qlPrinter) Print(ctx context.Context, doc Document) (string, error) {
	q := *p.IPPPrinter
	q.extra = append(append([]goipp.Attribute(nil), q.extra...), qlOptions(doc)...)
	return q.Print(ctx, doc)
}

func trimFloat(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
