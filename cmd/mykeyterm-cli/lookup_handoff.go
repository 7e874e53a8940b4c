package main

import (
	"context"
	"errors"
	"fmt"
	"image/png"
	"os"
	"time"

	"github.com/mykeyterm/mykeyterm/handoff"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/printing"
	"github.com/mykeyterm/mykeyterm/terminal"
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

// lookupHandoff hands res's number over in f.mode through the terminal layer's one dispatch (terminal.HandOff, the
// same as the GUI's screen 26), with the terminal's settings as defaults for the flags.
func lookupHandoff(g *globals, s terminal.Settings, res *mkpf.LookupResult, f handoffFlags) int {
	mode, err := terminal.ParseMode(f.mode)
	if err != nil {
		return fail(g, terminal.Message(err))
	}
	opt := terminal.HandoffOptions{
		Suffix:    handoff.Suffix(firstNonEmpty(f.suffix, s.WedgeSuffix)),
		KeyDelay:  f.keyDelay,
		LabelSize: firstNonEmpty(f.labelSize, s.LabelSize),
		Printer:   firstNonEmpty(f.printer, s.Printer),
	}
	if opt.KeyDelay == 0 && s.KeyDelayMS > 0 {
		opt.KeyDelay = time.Duration(s.KeyDelayMS) * time.Millisecond
	}
	if mode == mkpf.HandoffLabel {
		if f.out != "" {
			opt.Printer = "pdf:" + f.out
		}
		if opt.Printer == "" {
			return fail(g, "ラベルの印刷先がありません。--printer NAME か --out FILE.pdf を指定するか、設定でプリンターを選んでください。")
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	r, err := terminal.HandOff(ctx, res, mode, opt)
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
		p, err := printing.Open(opt.Printer)
		if err != nil {
			return fail(g, printingMessage(err))
		}
		if err := printing.WaitJob(ctx, p, r.JobID); err != nil {
			return fail(g, printingMessage(err))
		}
		fmt.Fprintf(g.Stdout, "ラベルを印刷しました（%s、ジョブ %s、バーコード %s）\n", p.Name(), r.JobID, r.BarcodeText)
	}
	return 0
}

// printingMessage is the clerk-facing text of a handoff, printing or terminal-layer error (terminal.Message); other
// errors (a file that cannot be written) say what they are.
func printingMessage(err error) string {
	var he *handoff.Error
	var pe *printing.Error
	var ce *terminal.ClerkError
	if errors.As(err, &he) || errors.As(err, &pe) || errors.As(err, &ce) {
		return terminal.Message(err)
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
