package main

import (
	"context"
	"errors"
	"fmt"
	"image/png"
	"os"
	"strings"
	"time"

	"github.com/mykeyterm/mykeyterm/handoff"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platformclient"
	"github.com/mykeyterm/mykeyterm/printing"
)

// handoffFlags are lookup's hand-off options: the same code the GUI's screen 26 runs (package handoff).
type handoffFlags struct {
	mode      string
	printer   string
	out       string
	labelSize string
	suffix    string
	keyDelay  time.Duration
}

const handoffUsage = "hand the number over: number|barcode|wedge|label (default: print the result only)"

// lookupHandoff hands res's number over in f.mode, with the terminal's settings as defaults for the flags.
func lookupHandoff(g *globals, s platformclient.Settings, res *mkpf.LookupResult, f handoffFlags) int {
	mode := mkpf.HandoffMode(strings.ToLower(f.mode))
	opt := handoff.Options{
		Suffix:   handoff.Suffix(firstNonEmpty(f.suffix, s.WedgeSuffix)),
		KeyDelay: f.keyDelay,
	}
	if opt.KeyDelay == 0 && s.KeyDelayMS > 0 {
		opt.KeyDelay = time.Duration(s.KeyDelayMS) * time.Millisecond
	}
	switch mode {
	case mkpf.HandoffNumber, mkpf.HandoffBarcode, mkpf.HandoffWedge:
	case mkpf.HandoffLabel:
		size, err := printing.ParseLabelSize(firstNonEmpty(f.labelSize, s.LabelSize))
		if err != nil {
			return fail(g, printingMessage(err))
		}
		opt.LabelSize = size
		spec := firstNonEmpty(f.printer, s.Printer)
		if f.out != "" {
			spec = "pdf:" + f.out
		}
		if spec == "" {
			return fail(g, "ラベルの印刷先がありません。--printer NAME か --out FILE.pdf を指定するか、設定でプリンタを選んでください。")
		}
		if opt.Printer, err = printing.Open(spec); err != nil {
			return fail(g, printingMessage(err))
		}
	default:
		return fail(g, fmt.Sprintf("引渡し方式「%s」は使えません。number, barcode, wedge, label のどれかを指定してください。", f.mode))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	r, err := handoff.Deliver(ctx, res, mode, opt)
	if err != nil {
		return fail(g, printingMessage(err))
	}
	switch mode {
	case mkpf.HandoffNumber:
		fmt.Fprintf(g.Stdout, "下記の利用カード番号（サービスID）を連携システムに手入力してください。\n%s\n", r.Grouped)
	case mkpf.HandoffBarcode:
		fmt.Fprintf(g.Stdout, "バーコードの内容: %s\n", r.BarcodeText)
		if f.out == "" {
			fmt.Fprintln(g.Stdout, "（--out FILE.png でバーコードの画像を保存できます）")
			return 0
		}
		fh, err := os.Create(f.out)
		if err != nil {
			return fail(g, fmt.Sprintf("バーコードの画像を「%s」に保存できません: %v", f.out, err))
		}
		if err := png.Encode(fh, r.Barcode); err != nil {
			fh.Close()
			return fail(g, fmt.Sprintf("バーコードの画像を保存できません: %v", err))
		}
		if err := fh.Close(); err != nil {
			return fail(g, fmt.Sprintf("バーコードの画像を保存できません: %v", err))
		}
		fmt.Fprintf(g.Stdout, "バーコードの画像: %s\n", f.out)
	case mkpf.HandoffWedge:
		fmt.Fprintln(g.Stdout, "利用カード番号を入力欄に入力しました。連携システムに番号が入ったことを確認してください。")
	case mkpf.HandoffLabel:
		if f.out != "" {
			fmt.Fprintf(g.Stdout, "ラベルを保存しました: %s（バーコード %s）\n", f.out, r.BarcodeText)
			return 0
		}
		if err := printing.WaitJob(ctx, opt.Printer, r.JobID); err != nil {
			return fail(g, printingMessage(err))
		}
		fmt.Fprintf(g.Stdout, "ラベルを印刷しました（%s、ジョブ %s、バーコード %s）\n", opt.Printer.Name(), r.JobID, r.BarcodeText)
	}
	return 0
}

// printingMessage is the clerk-facing text of a handoff or printing error.
func printingMessage(err error) string {
	var he *handoff.Error
	if errors.As(err, &he) {
		return he.Message
	}
	var pe *printing.Error
	if errors.As(err, &pe) {
		return pe.Message
	}
	return err.Error()
}

func firstNonEmpty(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}
