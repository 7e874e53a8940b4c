package handoff

import (
	"context"
	"image"
	"time"

	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/printing"
)

// Options are the terminal's hand-off settings (terminal administrator) for Deliver.
type Options struct {
	Typer       Typer         // mode C; nil makes Deliver open one with NewTyper and close it afterwards
	Suffix      Suffix        // mode C: key after the number (default Enter)
	KeyDelay    time.Duration // mode C: pause between keys (default DefaultKeyDelay)
	Printer     printing.Printer
	LabelSize   printing.LabelSize // mode D (default 62×29 mm)
	PxPerModule int                // mode B: on-screen module width (default 3)
	Now         func() time.Time   // label date (default time.Now)
}

// Result is what the screen (or the CLI) shows after a hand-off.
type Result struct {
	Mode        mkpf.HandoffMode
	Number      string
	Grouped     string      // A (and shown in every mode): "1800 0000 0011"
	Barcode     image.Image // B: the on-screen symbol
	BarcodeText string      // B and D: what the barcode carries, start/stop and check character included
	Label       printing.Label
	JobID       string // D: the spooler's job id ("" for back ends without one)
}

// Deliver hands res's card number over in mode (the issuer's mode when mode is ""): A returns the grouped number, B
// the barcode, C types the number into the focused window, D prints the label.
func Deliver(ctx context.Context, res *mkpf.LookupResult, mode mkpf.HandoffMode, opt Options) (Result, error) {
	if res == nil || res.CardNumber == "" {
		return Result{}, errf(ErrNumber, "利用カード番号がありません")
	}
	if mode == "" {
		mode = res.Handoff.Mode
	}
	if mode == "" {
		mode = mkpf.HandoffNumber
	}
	r := Result{Mode: mode, Number: res.CardNumber, Grouped: Group(res.CardNumber)}
	switch mode {
	case mkpf.HandoffNumber:
		return r, nil
	case mkpf.HandoffBarcode:
		px := opt.PxPerModule
		if px == 0 {
			px = 3
		}
		px = max(px, MinPxPerModule)
		img, data, err := BarcodeImage(res.CardNumber, res.Handoff, px)
		if err != nil {
			return r, err
		}
		r.Barcode, r.BarcodeText = img, data
		return r, nil
	case mkpf.HandoffWedge:
		t := opt.Typer
		if t == nil {
			var err error
			if t, err = NewTyper(); err != nil {
				return r, err
			}
			defer t.Close()
		}
		d := opt.KeyDelay
		if d == 0 {
			d = DefaultKeyDelay
		}
		return r, t.Type(ctx, res.CardNumber, opt.Suffix, d)
	case mkpf.HandoffLabel:
		if opt.Printer == nil {
			return r, errf(printing.ErrUnknownSpec, "ラベルを印刷するプリンターが設定されていません。設定画面でプリンターを選んでください")
		}
		now := time.Now
		if opt.Now != nil {
			now = opt.Now
		}
		size := opt.LabelSize
		if size.WidthMM == 0 {
			size = printing.Label62x29
		}
		l, err := NewLabel(res.CardNumber, res.IssuerName, res.Handoff, now())
		if err != nil {
			return r, err
		}
		r.Label, r.BarcodeText = l, l.BarcodeText
		r.JobID, err = Print(ctx, opt.Printer, l, size)
		return r, err
	}
	return r, errf(ErrSettings, "引渡し方式「%s」は使えません。ID付与事業者の設定を確認してください", mode)
}
