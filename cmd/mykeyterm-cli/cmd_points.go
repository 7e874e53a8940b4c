package main

// Points commands (screens 2, 28-39, 87) for scripts, tests and other counter software: the same platformclient calls
// and printing code as the GUI. The patron's card is read through PC/SC (--reader) unless --cert gives the
// user-authentication certificate as a DER or PEM file. Every state-changing command goes through the client's
// journal, so running it again after a timeout never applies twice.

import (
	"context"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/mykeyterm/mykeyterm/mergefile"
	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platformclient"
	"github.com/mykeyterm/mykeyterm/presence"
	"github.com/mykeyterm/mykeyterm/printing"
	"github.com/mykeyterm/mykeyterm/terminal"
)

func init() {
	register(command{name: "points login", summary: "screen 2: check the point-cloud login ID and password, show the menu", run: runPointsLogin})
	register(command{name: "points balance", summary: "screens 29/32/37: the patron's balances usable at this terminal", run: runPointsBalance})
	register(command{name: "points use", summary: "screens 29-31: use points (--program ID --points N), optional receipt", run: runPointsUse})
	register(command{name: "points aggregate", summary: "screen 87: transactions of this terminal in a period (--csv FILE for the detail)", run: runPointsAggregate})
	register(command{name: "voucher issue", summary: "screens 32-34: issue a point voucher and print it", run: runVoucherIssue})
	register(command{name: "voucher reissue", summary: "screen 34: print the same voucher again, marked 再発行", run: runVoucherReissue})
	register(command{name: "voucher show", summary: "screen 35: look a voucher up by QR text or 発券番号", run: runVoucherShow})
	register(command{name: "voucher clear", summary: "screens 35-36: clear (消込) a voucher by QR text or 発券番号", run: runVoucherClear})
	register(command{name: "merge", summary: "screens 37-39: merge points into the shopping-district system (file into the merge folder)", run: runMerge})
	register(command{name: "merge receive", summary: "shop side: decrypt, check and accept a merge file once (--key --secret --seen-db)", run: runMergeReceive})
}

// patronFlags are the ways to say whose points.
type patronFlags struct {
	cert, reader, shopCard *string
}

func addPatronFlags(fs *flag.FlagSet, shopCard bool) patronFlags {
	p := patronFlags{
		cert:   fs.String("cert", "", "the user-authentication certificate (DER or PEM file) instead of reading the card"),
		reader: fs.String("reader", "", "card reader (default: the first reader holding a My Number Card)"),
	}
	if shopCard {
		p.shopCard = fs.String("shop-card", "", "the shopping-district point card number (keyboard-interface reader) instead of the My Number Card")
	}
	return p
}

func (p patronFlags) ref(ctx context.Context) (mkpf.PatronRef, error) {
	if p.shopCard != nil && *p.shopCard != "" {
		return mkpf.PatronRef{ShopCard: strings.TrimSpace(*p.shopCard)}, nil
	}
	if *p.cert != "" {
		b, err := readCertFile(*p.cert)
		if err != nil {
			return mkpf.PatronRef{}, fmt.Errorf("証明書ファイル「%s」を読めません: %w", *p.cert, err)
		}
		return mkpf.PatronRef{AuthCert: b}, nil
	}
	der, err := cardAuthCert(ctx, *p.reader)
	if err != nil {
		return mkpf.PatronRef{}, err
	}
	return mkpf.PatronRef{AuthCert: der}, nil
}

// with runs fn as a point operation on the patron the flags name: withClient with pointsTimeout, then the patron's
// reference (the card read within the same deadline).
func (p patronFlags) with(g *globals, fn func(ctx context.Context, c *platformclient.Client, ref mkpf.PatronRef) int) int {
	return withPoints(g, func(ctx context.Context, c *platformclient.Client) int {
		ref, err := p.ref(ctx)
		if err != nil {
			return fail(g, err.Error())
		}
		return fn(ctx, c, ref)
	})
}

// printFlags choose where a receipt or voucher goes.
type printFlags struct{ printer, out, paper *string }

func addPrintFlags(fs *flag.FlagSet, what string) printFlags {
	return printFlags{
		printer: fs.String("print", "", "print the "+what+" on this printer (printing.Open spec, e.g. cups:PDF, escpos:tcp://host:9100)"),
		out:     fs.String("out", "", "save the "+what+" as a PDF file"),
		paper:   fs.String("paper", "", "paper: 58mm, 80mm, A6 or A4 (default: the terminal setting; vouchers A6, receipts 80mm)"),
	}
}

func (pf printFlags) spec() string {
	if *pf.out != "" {
		return "pdf:" + *pf.out
	}
	return *pf.printer
}

func (pf printFlags) print(ctx context.Context, c *platformclient.Client, def printing.PaperSize, render func(printing.PaperSize, printing.Printer) (printing.Document, error)) error {
	spec := pf.spec()
	if spec == "" {
		return nil
	}
	paper := def
	if s, err := terminal.LoadSettings(c); err == nil && s.ReceiptSize != "" {
		paper = printing.PaperSizeByName(s.ReceiptSize, def)
	}
	if *pf.paper != "" {
		p := printing.PaperSizeByName(*pf.paper, printing.PaperSize{})
		if p.WidthMM == 0 {
			return fmt.Errorf("用紙「%s」は選べません（58mm, 80mm, A6, A4）", *pf.paper)
		}
		paper = p
	}
	pr, err := printing.Open(spec)
	if err != nil {
		return err
	}
	doc, err := render(paper, pr)
	if err != nil {
		return err
	}
	_, err = pr.Print(ctx, doc)
	return err
}

// printReceipt prints a receipt where the flags say (80mm paper unless the settings or --paper choose another).
func (pf printFlags) printReceipt(ctx context.Context, c *platformclient.Client, r printing.Receipt) error {
	return pf.print(ctx, c, printing.Paper80mm, func(p printing.PaperSize, pr printing.Printer) (printing.Document, error) {
		return printing.ReceiptDocument(r, p, pr)
	})
}

func runPointsLogin(g *globals, args []string) int {
	fs := newFlags("points login", g)
	id := fs.String("login-id", "", "login ID (the terminal ID)")
	pw := fs.String("password", "", "password (visible in ps and shell history: prefer --password-file before the command, or the prompt)")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parseArgs(fs, args); err != nil {
		return 2
	}
	return withClient(g, true, pointsTimeout, func(ctx context.Context, c *platformclient.Client) int {
		password := *pw
		if password == "" {
			var err error
			if password, err = terminalPassword(g); err != nil {
				return fail(g, err.Error())
			}
		}
		res, err := c.Login(ctx, *id, password)
		if err != nil {
			return clientFail(g, err)
		}
		if *asJSON {
			return printJSON(g, res)
		}
		fmt.Fprintf(g.Stdout, "ポイントメニュー  端末ID:%s  %s %s\n", res.Terminal.TerminalID, res.Terminal.MunicipalityName, res.Terminal.Location)
		for _, it := range []struct {
			ok   bool
			name string
		}{{res.Menu.Use, "ポイント利用"}, {res.Menu.Issue, "ポイント券発行"}, {res.Menu.Clear, "ポイント券消込"}, {res.Menu.Merge, "商店街ポイント合算"}, {res.Menu.Aggregate, "自治体ポイント集計"}} {
			if it.ok {
				fmt.Fprintln(g.Stdout, "  "+it.name)
			}
		}
		return 0
	})
}

func runPointsBalance(g *globals, args []string) int {
	fs := newFlags("points balance", g)
	pf := addPatronFlags(fs, true)
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parseArgs(fs, args); err != nil {
		return 2
	}
	return pf.with(g, func(ctx context.Context, c *platformclient.Client, ref mkpf.PatronRef) int {
		res, err := c.Balances(ctx, ref)
		if err != nil {
			return clientFail(g, err)
		}
		if *asJSON {
			return printJSON(g, res)
		}
		if len(res.Balances) == 0 {
			fmt.Fprintln(g.Stdout, "この端末で利用できるポイントはありません。")
		}
		for _, b := range res.Balances {
			fmt.Fprintf(g.Stdout, "%s\t%s\t%s\n", b.ProgramID, b.ProgramName, printing.Points(b.Points))
		}
		return 0
	})
}

func runPointsUse(g *globals, args []string) int {
	fs := newFlags("points use", g)
	pf := addPatronFlags(fs, false)
	prog := fs.String("program", "", "the point program ID (points balance lists them)")
	n := fs.Int64("points", 0, "points to use")
	key := fs.String("idem-key", "", "idempotency key of this operation (default: the journal's; reused after a lost answer)")
	prt := addPrintFlags(fs, "receipt")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parseArgs(fs, args); err != nil {
		return 2
	}
	if *prog == "" || *n <= 0 {
		return fail(g, "--program とポイント数（--points 1以上）を指定してください。")
	}
	return pf.with(g, func(ctx context.Context, c *platformclient.Client, ref mkpf.PatronRef) int {
		res, err := terminal.UsePoints(ctx, c, mkpf.UseRequest{PatronRef: ref, ProgramID: *prog, Points: *n}, *key)
		if presence.Needed(err) {
			var code int
			if ref, code = pf.prove(ctx, g, c, ref, mkpf.UseScope(mkpf.UseRequest{PatronRef: ref, ProgramID: *prog, Points: *n}), err); code != 0 {
				return code
			}
			res, err = terminal.UsePoints(ctx, c, mkpf.UseRequest{PatronRef: ref, ProgramID: *prog, Points: *n}, *key)
		}
		if err != nil {
			return clientFail(g, err)
		}
		if err := prt.printReceipt(ctx, c, printing.UseReceipt(*res)); err != nil {
			fmt.Fprintln(g.Stderr, "ポイントは利用済みです。レシートを印字できませんでした: "+printingMessage(err))
			if *asJSON {
				printJSON(g, res)
			}
			return 3
		}
		if *asJSON {
			return printJSON(g, res)
		}
		fmt.Fprintf(g.Stdout, "%s を利用しました（取引番号 %s、残高 %s）\n", printing.Points(res.Points), res.TxnID, printing.Points(res.BalanceAfter))
		return 0
	})
}

func runPointsAggregate(g *globals, args []string) int {
	fs := newFlags("points aggregate", g)
	today := terminal.Today().Format("2006-01-02")
	from := fs.String("from", today[:8]+"01", "first day YYYY-MM-DD")
	to := fs.String("to", today, "last day YYYY-MM-DD")
	csvOut := fs.String("csv", "", "write the detail (明細) CSV here (UTF-8 with BOM, CRLF)")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parseArgs(fs, args); err != nil {
		return 2
	}
	return withPoints(g, func(ctx context.Context, c *platformclient.Client) int {
		agg, err := c.Aggregate(ctx, *from, *to)
		if err != nil {
			return clientFail(g, err)
		}
		if *csvOut != "" {
			if err := os.WriteFile(*csvOut, mkpf.AggregateCSV(agg), 0o644); err != nil {
				return fail(g, "明細CSVを保存できません: "+err.Error())
			}
		}
		if *asJSON {
			return printJSON(g, agg)
		}
		fmt.Fprintf(g.Stdout, "%s～%s  %s  取引回数 %d  利用ポイント数合計 %s\n", agg.From, agg.To, agg.Location, agg.Count, printing.Points(agg.Total))
		return 0
	})
}

func voucherOut(g *globals, v *mkpf.Voucher, asJSON bool, verb string) int {
	if asJSON {
		return printJSON(g, v)
	}
	fmt.Fprintf(g.Stdout, "%s  発券番号 %s  %s  有効期限 %s  %s\n", verb, v.Display, printing.Points(v.Points), v.Expires, v.State.LabelJA())
	return 0
}

func runVoucherIssue(g *globals, args []string) int {
	fs := newFlags("voucher issue", g)
	pf := addPatronFlags(fs, false)
	prog := fs.String("program", "", "the point program ID")
	n := fs.Int64("points", 0, "the voucher's points")
	exp := fs.String("expires", "", "last valid day YYYY-MM-DD (at most 30 days from today)")
	key := fs.String("idem-key", "", "idempotency key of this operation")
	prt := addPrintFlags(fs, "voucher")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parseArgs(fs, args); err != nil {
		return 2
	}
	if *prog == "" || *n <= 0 || *exp == "" {
		return fail(g, "--program、--points（1以上）、--expires（YYYY-MM-DD）を指定してください。")
	}
	return pf.with(g, func(ctx context.Context, c *platformclient.Client, ref mkpf.PatronRef) int {
		// The GUI's screen 33 sequence (terminal.IssueVoucher); printing is optional here (--print), the JSON or
		// the line below is the voucher otherwise.
		printIt := func(ctx context.Context, v *mkpf.Voucher) error { return prt.printVoucher(ctx, c, v) }
		v, printErr, err := terminal.IssueVoucher(ctx, c, mkpf.VoucherIssueRequest{PatronRef: ref, ProgramID: *prog, Points: *n, Expires: *exp}, *key, printIt)
		if presence.Needed(err) {
			var code int
			if ref, code = pf.prove(ctx, g, c, ref, mkpf.VoucherScope(mkpf.VoucherIssueRequest{PatronRef: ref, ProgramID: *prog, Points: *n, Expires: *exp}), err); code != 0 {
				return code
			}
			v, printErr, err = terminal.IssueVoucher(ctx, c, mkpf.VoucherIssueRequest{PatronRef: ref, ProgramID: *prog, Points: *n, Expires: *exp}, *key, printIt)
		}
		if err != nil {
			return clientFail(g, err)
		}
		return voucherPrinted(g, v, printErr, *asJSON, "発行しました")
	})
}

// printVoucher prints v when --print or --out was given (nothing otherwise).
func (pf printFlags) printVoucher(ctx context.Context, c *platformclient.Client, v *mkpf.Voucher) error {
	return pf.print(ctx, c, printing.PaperA6, func(p printing.PaperSize, pr printing.Printer) (printing.Document, error) {
		return printing.VoucherDocument(terminal.VoucherPrint(v, c.Terminal()), p, pr)
	})
}

// voucherPrinted reports an issued (or reissued) voucher; a print failure keeps it and says how to reprint.
func voucherPrinted(g *globals, v *mkpf.Voucher, err error, asJSON bool, verb string) int {
	if err != nil {
		fmt.Fprintf(g.Stderr, "ポイント券（発券番号 %s）は発行済みです。印刷できませんでした: %s\n「voucher reissue %s」で再発行してください。\n", v.Display, printingMessage(err), v.Number)
		if asJSON {
			printJSON(g, v)
		}
		return 3
	}
	return voucherOut(g, v, asJSON, verb)
}

func runVoucherReissue(g *globals, args []string) int {
	fs := newFlags("voucher reissue", g)
	prt := addPrintFlags(fs, "voucher")
	asJSON := fs.Bool("json", false, "print JSON")
	number, code := parseOneArg(g, fs, args, "再発行するポイント券の発券番号を1つ指定してください。")
	if code != 0 {
		return code
	}
	return withPoints(g, func(ctx context.Context, c *platformclient.Client) int {
		printIt := func(ctx context.Context, v *mkpf.Voucher) error { return prt.printVoucher(ctx, c, v) }
		v, printErr, err := terminal.ReissueVoucher(ctx, c, number, "", printIt)
		if err != nil {
			return clientFail(g, err)
		}
		return voucherPrinted(g, v, printErr, *asJSON, "再発行しました")
	})
}

func runVoucherShow(g *globals, args []string) int {
	fs := newFlags("voucher show", g)
	asJSON := fs.Bool("json", false, "print JSON")
	qrOrNumber, code := parseOneArg(g, fs, args, "ポイント券のQRコードの内容または発券番号を1つ指定してください。")
	if code != 0 {
		return code
	}
	return withPoints(g, func(ctx context.Context, c *platformclient.Client) int {
		v, _, err := terminal.ReadVoucher(ctx, c, qrOrNumber)
		if err != nil {
			return clientFail(g, err)
		}
		return voucherOut(g, v, *asJSON, "ポイント券")
	})
}

func runVoucherClear(g *globals, args []string) int {
	fs := newFlags("voucher clear", g)
	key := fs.String("idem-key", "", "idempotency key of this operation")
	prt := addPrintFlags(fs, "receipt")
	asJSON := fs.Bool("json", false, "print JSON")
	qrOrNumber, code := parseOneArg(g, fs, args, "消込するポイント券のQRコードの内容または発券番号を1つ指定してください。")
	if code != 0 {
		return code
	}
	return withPoints(g, func(ctx context.Context, c *platformclient.Client) int {
		code, err := terminal.VoucherCode(qrOrNumber)
		if err != nil {
			return clientFail(g, err)
		}
		printIt := func(ctx context.Context, v *mkpf.Voucher) error {
			return prt.printReceipt(ctx, c, printing.ClearReceipt(*v, c.Terminal().Location))
		}
		v, printErr, err := terminal.ClearVoucher(ctx, c, code, *key, printIt)
		if err != nil {
			return clientFail(g, err)
		}
		if err := printErr; err != nil {
			fmt.Fprintln(g.Stderr, "消込は完了しています。レシートを印字できませんでした: "+printingMessage(err))
			return 3
		}
		return voucherOut(g, v, *asJSON, "消込しました")
	})
}

// mergeJSON is what `merge --json` prints: the platform's answer and the delivered file as "file".
type mergeJSON struct {
	Txn          string `json:"txn"`
	ID           string `json:"id"`
	IDKind       string `json:"id_kind"`
	ProgramID    string `json:"program_id"`
	Points       int64  `json:"points"`
	BalanceAfter int64  `json:"balance_after"`
	File         string `json:"file"`
	At           string `json:"at"`
}

func runMerge(g *globals, args []string) int {
	fs := newFlags("merge", g)
	pf := addPatronFlags(fs, true)
	n := fs.Int64("points", 0, "points to merge")
	prog := fs.String("program", "", "point program (default: the municipality's 自治体ポイント)")
	key := fs.String("idem-key", "", "idempotency key of this operation")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parseArgs(fs, args); err != nil {
		return 2
	}
	if *n <= 0 {
		return fail(g, "合算するポイント数（--points 1以上）を指定してください。")
	}
	return pf.with(g, func(ctx context.Context, c *platformclient.Client, ref mkpf.PatronRef) int {
		set, _ := terminal.LoadSettings(c)
		into := terminal.IntoFolder{C: c, Folder: set.MergeFolder}
		res, path, err := terminal.MergePoints(ctx, into, mkpf.MergeRequest{PatronRef: ref, ProgramID: *prog, Points: *n}, *key)
		if presence.Needed(err) {
			var code int
			if ref, code = pf.prove(ctx, g, c, ref, mkpf.MergeScope(mkpf.MergeRequest{PatronRef: ref, ProgramID: *prog, Points: *n}), err); code != 0 {
				return code
			}
			res, path, err = terminal.MergePoints(ctx, into, mkpf.MergeRequest{PatronRef: ref, ProgramID: *prog, Points: *n}, *key)
		}
		if err != nil {
			return clientFail(g, err)
		}
		if *asJSON {
			return printJSON(g, mergeJSON{Txn: res.Txn, ID: res.ID, IDKind: res.IDKind, ProgramID: res.ProgramID, Points: res.Points,
				BalanceAfter: res.BalanceAfter, File: path, At: res.At.Format(time.RFC3339)})
		}
		fmt.Fprintf(g.Stdout, "%s を合算しました（取引済番号 %s、ID %s）\n合算ポイントファイル: %s\n", printing.Points(res.Points), res.Txn, res.ID, path)
		return 0
	})
}

func runMergeReceive(g *globals, args []string) int {
	fs := newFlags("merge receive", g)
	keyHex := fs.String("key", "", "the shop system's AES-128 key, 32 hex digits")
	secret := fs.String("secret", "", "the shop system's secret string (for the MD5 tamper check)")
	seen := fs.String("seen-db", "", "the database of received transaction numbers (created if missing)")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 || *seen == "" || *secret == "" {
		return fail(g, "合算ポイントファイルを1つと --key、--secret、--seen-db を指定してください。")
	}
	key, err := hex.DecodeString(strings.TrimSpace(*keyHex))
	if err != nil || len(key) != 16 {
		return fail(g, "暗号鍵（--key）は16進数32文字で指定してください。")
	}
	file, err := os.ReadFile(pos[0])
	if err != nil {
		return fail(g, "合算ポイントファイル「"+pos[0]+"」を読めません。")
	}
	r, err := mergefile.Open(*seen, key, *secret)
	if err != nil {
		return fail(g, mergefile.Message(err))
	}
	defer r.Close()
	rec, err := r.Receive(file)
	if err != nil {
		return fail(g, mergefile.Message(err))
	}
	if *asJSON {
		return printJSON(g, rec)
	}
	fmt.Fprintf(g.Stdout, "受け取りました  ID %s  合算ポイント数 %d  取引済番号 %s\n", rec.ID, rec.Points, rec.Txn)
	return 0
}
