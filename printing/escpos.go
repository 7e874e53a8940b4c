package printing

import (
	"context"
	"fmt"
	"image"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
)

// ESC/POS constants.
const (
	escposDPI     = 203 // 8 dots per mm, the resolution of practically every thermal receipt printer
	escposMaxDots = 576 // 80 mm paper (72 mm printable); 58 mm paper is 384
)

// escposPrinter sends a Document's Image as ESC/POS raster (GS v 0) followed by a feed and a cut, raw, to a TCP port
// ("escpos:tcp://host:9100") or a device file ("escpos:/dev/usb/lp0"). "?dots=384" sets the printable width.
type escposPrinter struct {
	spec    string
	network string // "tcp", "cups" (a CUPS raw queue over IPP) or "" for a file
	addr    string
	dots    int
	queue   *IPPPrinter
}

func newESCPOS(spec, target string) (Printer, error) {
	p := &escposPrinter{spec: spec, dots: escposMaxDots}
	if i := strings.IndexByte(target, '?'); i >= 0 {
		q, err := url.ParseQuery(target[i+1:])
		if err == nil && q.Get("dots") != "" {
			if d, err := strconv.Atoi(q.Get("dots")); err == nil && d >= 8 {
				p.dots = d / 8 * 8
			}
		}
		target = target[:i]
	}
	switch {
	case strings.HasPrefix(target, "cups:") && len(target) > 5:
		q, err := newIPP(spec, cupsQueueURL(strings.TrimPrefix(target, "cups:")), nil)
		if err != nil {
			return nil, err
		}
		p.network, p.addr, p.queue = "cups", target, q
	case strings.HasPrefix(target, "tcp://"):
		p.network, p.addr = "tcp", strings.TrimPrefix(target, "tcp://")
		if _, _, err := net.SplitHostPort(p.addr); err != nil {
			p.addr += ":9100"
		}
	case strings.HasPrefix(target, "/") || strings.HasPrefix(target, `\\`) || len(target) > 2 && target[1] == ':':
		p.addr = target
	default:
		return nil, errf(fmt.Errorf("%w: %q", ErrUnknownSpec, spec),
			"レシートプリンターの指定「%s」が正しくありません (例: escpos:tcp://192.168.0.50:9100)", spec)
	}
	return p, nil
}

func (p *escposPrinter) Name() string { return p.spec }

// DPI is the printer's resolution, used to render Documents at their real size.
func (p *escposPrinter) DPI() int { return escposDPI }

// MaxWidthMM is the printable width of the paper.
func (p *escposPrinter) MaxWidthMM() float64 { return float64(p.dots) * 25.4 / escposDPI }

func (p *escposPrinter) Print(ctx context.Context, doc Document) (string, error) {
	if doc.Image == nil {
		return "", errf(ErrNoContent, "レシートプリンターには画像で送る必要がありますが、印刷する画像がありません")
	}
	var e ESCPOS
	e.Init()
	e.Raster(fitWidth(doc.Image, p.dots))
	e.Feed(3)
	e.Cut()
	if p.queue != nil {
		return p.queue.submit(ctx, doc.Title, rawFormat, e.Bytes(), 0, 0)
	}
	return "", p.send(ctx, e.Bytes())
}

// Raw sends bytes built with ESCPOS as they are (receipts that use printer-native barcodes and text); the job id is
// "" except through a CUPS raw queue.
func (p *escposPrinter) Raw(ctx context.Context, title string, b []byte) (string, error) {
	if p.queue != nil {
		return p.queue.submit(ctx, title, rawFormat, b, 0, 0)
	}
	return "", p.send(ctx, b)
}

func (p *escposPrinter) send(ctx context.Context, b []byte) error {
	if p.network == "" {
		f, err := os.OpenFile(p.addr, os.O_WRONLY, 0)
		if err != nil {
			return errf(err, "レシートプリンター「%s」を開けません。接続と電源を確認してください", p.addr)
		}
		defer f.Close()
		if _, err := f.Write(b); err != nil {
			return errf(err, "レシートプリンター「%s」に送れませんでした", p.addr)
		}
		return nil
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, p.network, p.addr)
	if err != nil {
		return errf(err, "レシートプリンター「%s」に接続できません。電源とネットワークを確認してください", p.addr)
	}
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = c.SetWriteDeadline(dl)
	}
	if _, err := c.Write(b); err != nil {
		return errf(err, "レシートプリンター「%s」に送れませんでした", p.addr)
	}
	return nil
}

// fitWidth scales img down (nearest neighbour) to at most dots pixels wide; narrower images are left as they are.
func fitWidth(img image.Image, dots int) image.Image {
	b := img.Bounds()
	if b.Dx() <= dots {
		return img
	}
	h := b.Dy() * dots / b.Dx()
	out := image.NewGray(image.Rect(0, 0, dots, h))
	g := toGray(img)
	for y := 0; y < h; y++ {
		for x := 0; x < dots; x++ {
			out.Pix[y*out.Stride+x] = g.Pix[(y*b.Dy()/h)*g.Stride+x*b.Dx()/dots]
		}
	}
	return out
}

// Wait waits for a job sent through a CUPS raw queue; direct connections finish when Print returns.
func (p *escposPrinter) Wait(ctx context.Context, jobID string) error {
	if p.queue == nil || jobID == "" {
		return nil
	}
	return p.queue.Wait(ctx, jobID)
}
