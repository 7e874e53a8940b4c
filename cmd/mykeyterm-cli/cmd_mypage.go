package main

// 利用者マイページ on the command line (screens 18, 19, 58): every command logs in first (by card with
// MYKEYTERM_AUTH_PIN, or by MyKey ID with the password from a file) and logs out at its end.

import (
	"context"
	"flag"
	"fmt"

	"github.com/mykeyterm/mykeyterm/mkpf"
	"github.com/mykeyterm/mykeyterm/platformclient"
	"github.com/mykeyterm/mykeyterm/printing"
	"github.com/mykeyterm/mykeyterm/terminal"
)

func init() {
	register(command{name: "mykeyid login", summary: "screen 18: log in to 利用者マイページ (--card | --mykey-id ID --mypage-password-file F) and print the page's summary", run: runMyPageLogin})
	register(command{name: "mykeyid show", summary: "screens 19/58: balances and service IDs of 利用者マイページ (same login flags) [--json]", run: runMyPageShow})
}

// loginFlags say how a 利用者マイページ command logs in.
type loginFlags struct {
	card           *bool
	reader, id, pw *string
}

func addLoginFlags(fs *flag.FlagSet) loginFlags {
	return loginFlags{
		card:   fs.Bool("card", false, "log in with the My Number Card (PIN from MYKEYTERM_AUTH_PIN)"),
		reader: fs.String("reader", "", "card reader (default: the first reader holding a My Number Card)"),
		id:     fs.String("mykey-id", "", "MyKey ID (with --mypage-password-file)"),
		pw:     fs.String("mypage-password-file", "", "file holding the 利用者マイページ password (first line)"),
	}
}

// withMyPage logs in as the flags say, runs fn with the session and logs out.
func (l loginFlags) with(g *globals, fn func(ctx context.Context, c *platformclient.Client, s *mkpf.MyPageLoginResult) int) int {
	if !*l.card && (*l.id == "" || *l.pw == "") {
		return fail(g, "--card か、--mykey-id と --mypage-password-file を指定してください。")
	}
	return withClient(g, true, platformTimeout, func(ctx context.Context, c *platformclient.Client) int {
		var res *mkpf.MyPageLoginResult
		var err error
		if *l.card {
			card, code := deskCard(ctx, g, c, *l.reader, mkpf.MyKeyOpLogin)
			if code != 0 {
				return code
			}
			res, err = terminal.MyPageLoginCard(ctx, c, card)
		} else {
			pw, perr := readSecretFile(*l.pw, "利用者マイページログイン用パスワード")
			if perr != nil {
				return fail(g, perr.Error())
			}
			res, err = terminal.MyPageLoginPassword(ctx, c, *l.id, pw)
		}
		if err != nil {
			return deskFail(g, err)
		}
		defer c.MyPageLogout(context.WithoutCancel(ctx), res.Session)
		return fn(ctx, c, res)
	})
}

func printMyPage(g *globals, p *mkpf.MyPage) {
	fmt.Fprintf(g.Stdout, "利用者マイページ  マイキーID: %s\n", p.MyKeyID)
	for _, b := range p.Balances {
		base := ""
		if b.Base {
			base = "（基本自治体ポイント口座）"
		}
		fmt.Fprintf(g.Stdout, "  %s\t%s\t%s%s\n", b.Kind.LabelJA(), b.Name, printing.Points(b.Points), base)
	}
	if len(p.ServiceIDs) > 0 {
		fmt.Fprintln(g.Stdout, "サービスIDの登録状況（ID付与事業者名 / 利用カード番号）")
	}
	for _, s := range p.ServiceIDs {
		fmt.Fprintf(g.Stdout, "  %s\t%s\n", s.IssuerName, s.CardNumber)
	}
}

func runMyPageLogin(g *globals, args []string) int {
	return runMyPageView(g, args, "mykeyid login", func(s *mkpf.MyPageLoginResult, p *mkpf.MyPage, asJSON bool) int {
		if asJSON {
			return printJSON(g, struct {
				MyKeyID    string `json:"mykey_id"`
				ByCard     bool   `json:"by_card"`
				Balances   int    `json:"balances"`
				ServiceIDs int    `json:"service_ids"`
			}{p.MyKeyID, s.ByCard, len(p.Balances), len(p.ServiceIDs)})
		}
		fmt.Fprintf(g.Stdout, "ログインしました。マイキーID: %s（ポイント %d件、サービスID %d件）\n", p.MyKeyID, len(p.Balances), len(p.ServiceIDs))
		return 0
	})
}

func runMyPageShow(g *globals, args []string) int {
	return runMyPageView(g, args, "mykeyid show", func(_ *mkpf.MyPageLoginResult, p *mkpf.MyPage, asJSON bool) int {
		if asJSON {
			return printJSON(g, p)
		}
		printMyPage(g, p)
		return 0
	})
}

// myPageFlagSet is how the 利用者マイページ commands with --json start: their flag set with the login flags and --json.
func myPageFlagSet(name string, g *globals) (*flag.FlagSet, loginFlags, *bool) {
	fs := newFlags(name, g)
	return fs, addLoginFlags(fs), fs.Bool("json", false, "print JSON")
}

// runMyPageView logs in as the flags say, reads 利用者マイページ and has out print it.
func runMyPageView(g *globals, args []string, name string, out func(s *mkpf.MyPageLoginResult, p *mkpf.MyPage, asJSON bool) int) int {
	fs, lf, asJSON := myPageFlagSet(name, g)
	if _, err := parseArgs(fs, args); err != nil {
		return 2
	}
	return lf.with(g, func(ctx context.Context, c *platformclient.Client, s *mkpf.MyPageLoginResult) int {
		p, err := c.MyPage(ctx, s.Session)
		if err != nil {
			return deskFail(g, err)
		}
		return out(s, p, *asJSON)
	})
}

func init() {
	register(command{name: "mykeyid update", summary: "screens 59-61: change e-mail, notices, base municipality, password (same login flags; --new-password-file F)", run: runMyPageUpdate})
	register(command{name: "mykeyid change", summary: "screen 62: change the MyKey ID ([--id C | --auto]; same login flags; the card signs)", run: runMyKeyChange})
	register(command{name: "mykeyid revoke", summary: "screen 63: revoke the MyKey ID for good (--card login, --yes)", run: runMyKeyRevoke})
}

func runMyPageUpdate(g *globals, args []string) int {
	fs, lf, asJSON := myPageFlagSet("mykeyid update", g)
	newPw := fs.String("new-password-file", "", "file holding the new 利用者マイページ password (first line); omit to keep it")
	email := fs.String("email", "", "e-mail address for notices (empty: none)")
	notify := fs.String("notify", "", "notices wanted, comma-separated: grant,lapse,password,mykeyid")
	base := fs.String("base-municipality", "", "基本自治体ポイント口座 (empty: none)")
	if _, err := parseArgs(fs, args); err != nil {
		return 2
	}
	form, err := myPageFlags{pwFile: newPw, email: email, notify: notify, base: base}.form(false)
	if err != nil {
		return fail(g, err.Error())
	}
	return lf.with(g, func(ctx context.Context, c *platformclient.Client, s *mkpf.MyPageLoginResult) int {
		p, err := terminal.UpdateMyPage(ctx, c, s.Session, form)
		if err != nil {
			return deskFail(g, err)
		}
		if *asJSON {
			return printJSON(g, p)
		}
		fmt.Fprintln(g.Stdout, "利用者情報を変更しました。")
		return 0
	})
}

func runMyKeyRevoke(g *globals, args []string) int {
	fs := newFlags("mykeyid revoke", g)
	lf := addLoginFlags(fs)
	yes := fs.Bool("yes", false, "the patron confirmed: the MyKey ID is revoked for good")
	if _, err := parseArgs(fs, args); err != nil {
		return 2
	}
	if !*yes {
		return deskFail(g, terminal.ErrRevokeNotConfirmed)
	}
	return lf.with(g, func(ctx context.Context, c *platformclient.Client, s *mkpf.MyPageLoginResult) int {
		card, code := deskCard(ctx, g, c, *lf.reader, mkpf.MyKeyOpRevoke)
		if code != 0 {
			return code
		}
		if err := terminal.RevokeMyKeyID(ctx, c, s.Session, card, true); err != nil {
			return deskFail(g, err)
		}
		fmt.Fprintln(g.Stdout, "マイキーIDを失効しました。失効したマイキーIDは元に戻せません。")
		return 0
	})
}

func runMyKeyChange(g *globals, args []string) int {
	fs, lf, asJSON := myPageFlagSet("mykeyid change", g)
	id := fs.String("id", "", "the new MyKey ID candidate (checked for duplicates)")
	auto := fs.Bool("auto", false, "generate the new MyKey ID (the default without --id)")
	if _, err := parseArgs(fs, args); err != nil {
		return 2
	}
	return lf.with(g, func(ctx context.Context, c *platformclient.Client, s *mkpf.MyPageLoginResult) int {
		cand, err := candidate(ctx, c, *id, *auto)
		if err != nil {
			return deskFail(g, err)
		}
		card, code := deskCard(ctx, g, c, *lf.reader, mkpf.MyKeyOpChange)
		if code != 0 {
			return code
		}
		res, err := terminal.ChangeMyKeyID(ctx, c, s.Session, card, cand)
		if err != nil {
			return deskFail(g, err)
		}
		if *asJSON {
			return printJSON(g, res)
		}
		fmt.Fprintf(g.Stdout, "マイキーIDを変更しました。新しいマイキーID: %s\n", res.MyKeyID)
		return 0
	})
}

func init() {
	register(command{name: "coupon use", summary: "screens 20-21: credit a coupon code's points to 留保ポイント once (CODE; same login flags as mykeyid show)", run: runCouponUse})
}

func runCouponUse(g *globals, args []string) int {
	fs, lf, asJSON := myPageFlagSet("coupon use", g)
	code, rc := parseOneArg(g, fs, args, "クーポンコードを1つ指定してください（mykeyterm-cli coupon use CODE）。")
	if rc != 0 {
		return rc
	}
	return lf.with(g, func(ctx context.Context, c *platformclient.Client, s *mkpf.MyPageLoginResult) int {
		res, err := terminal.UseCoupon(ctx, c, s.Session, code)
		if err != nil {
			return deskFail(g, err)
		}
		if *asJSON {
			return printJSON(g, res)
		}
		fmt.Fprintf(g.Stdout, "%s のクーポンコードで %s を留保ポイントに移行しました（残高 %s）。\n", res.Partner, printing.Points(res.Points), printing.Points(res.BalanceAfter))
		return 0
	})
}
